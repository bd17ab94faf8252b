/* airwrite-ipa: the device's check of the card it holds (card-device
 * locking, 机卡互锁; src/ipa/device_binding.h, docs/device-lock.md): the EID
 * (SGP.22 5.7.20 ES10c.GetEID) must be one of the binding file's; another
 * card is refused before any other ES10 function and reported to the
 * platform (POST /terminal/v1/card-refusals over mutual TLS). */
#include "airwrite_ipa_device_binding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/device_identity.h"
#include "core/hex.h"
#include "ipa/device_binding.h"

int device_binding_options_parse(device_binding_options *o, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--device-binding", "--device-eid", "--refusal-report",
                                        "--refusal-cert", "--refusal-key", "--refusal-ca"};
    const char **slots[] = {&o->file, &o->device_eid, &o->report.url,
                            &o->report.certificate_file, &o->report.key_file,
                            &o->report.ca_file};
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        if (strcmp(argv[*i], names[n]) != 0)
            continue;
        if (*i + 1 >= argc) {
            fprintf(stderr, "airwrite-ipa: %s needs a value\n", names[n]);
            return -1;
        }
        *slots[n] = argv[++*i];
        return 1;
    }
    return 0;
}

bool device_binding_options_valid(const device_binding_options *o)
{
    const ipa_firmware_report_target *r = &o->report;
    bool any_report = o->device_eid != NULL || r->url != NULL || r->certificate_file != NULL ||
                      r->key_file != NULL || r->ca_file != NULL;
    bool whole = o->device_eid != NULL && r->url != NULL && r->certificate_file != NULL &&
                 r->key_file != NULL && r->ca_file != NULL;
    if (any_report && (!whole || o->file == NULL)) {
        fprintf(stderr, "airwrite-ipa: --refusal-report needs --device-binding, --device-eid, "
                        "--refusal-cert, --refusal-key and --refusal-ca\n");
        return false;
    }
    return true;
}

void device_binding_options_usage(FILE *f)
{
    fprintf(f,
            "  card-device locking (any command; docs/device-lock.md):\n"
            "    --device-binding FILE  the cards (EIDs, one a line) this device takes; another\n"
            "                        card is refused before any other ES10 function (exit 3)\n"
            "    --refusal-report URL   report a refused card to the platform\n"
            "                        (https://HOST:PORT/terminal/v1/card-refusals) with\n"
            "    --device-eid EID --refusal-cert PEM --refusal-key PEM --refusal-ca PEM\n");
}

/* The IMEI digits of the configured DeviceInfo, "" when none. */
static void imei_text(const ipa_device_info *device, char out[DEVICE_IDENTITY_IMEISV_DIGITS + 1])
{
    out[0] = '\0';
    if (device == NULL || !device->has_imei)
        return;
    sgp22_device_info info = {.tac = {device->tac, sizeof(device->tac)}, .has_imei = true,
                              .imei = {device->imei, sizeof(device->imei)}};
    device_identity id;
    if (device_identity_from_device_info(&info, &id) == AW_OK)
        memcpy(out, id.imei, sizeof(id.imei));
}

static int report(const device_binding_options *o, const char *card_eid,
                  const ipa_device_info *device)
{
    char imei[DEVICE_IDENTITY_IMEISV_DIGITS + 1];
    imei_text(device, imei);
    char *json = NULL;
    int status = 0;
    aw_err err = ipa_device_refusal_encode(o->device_eid, card_eid, imei, (int64_t)time(NULL),
                                           &json);
    if (err == AW_OK)
        err = ipa_firmware_report_send(&o->report, json, &status);
    free(json);
    if (err != AW_OK || status != 204) {
        fprintf(stderr, "airwrite-ipa: refusal report: %s (%s), HTTP %d\n", aw_err_message(err),
                aw_err_name(err), status);
        return 1;
    }
    printf("card %s refused: reported\n", card_eid);
    return 0;
}

int device_binding_gate(ipa *session, const device_binding_options *o,
                        const ipa_device_info *device)
{
    if (o->file == NULL)
        return 0;
    ipa_device_binding *binding = calloc(1, sizeof(*binding));
    if (binding == NULL)
        return 1;
    aw_err err = ipa_device_binding_load(o->file, binding);
    uint8_t eid[SGP22_EID_SIZE];
    char text[2 * SGP22_EID_SIZE + 1] = "";
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: --device-binding %s: %s (%s)\n", o->file,
                aw_err_message(err), aw_err_name(err));
        free(binding);
        return 1;
    }
    err = ipa_es10c_get_eid(session, eid);
    if (err == AW_OK)
        aw_hex_encode(eid, sizeof(eid), text, true);
    if (err == AW_OK)
        err = ipa_device_binding_check(binding, text);
    free(binding);
    if (err == AW_OK)
        return 0;
    if (err != AW_ERR_DEVICE_BINDING_UNBOUND) {
        fprintf(stderr, "airwrite-ipa: GetEID: %s (%s)\n", aw_err_message(err), aw_err_name(err));
        return 1;
    }
    fprintf(stderr, "airwrite-ipa: card %s is not bound to this device: refused\n", text);
    if (o->report.url != NULL && report(o, text, device) != 0)
        return 1;
    return 3;
}
