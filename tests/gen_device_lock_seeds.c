/* Writes the seed corpora of the card-device locking fuzz targets
 * (docs/device-lock.md) with the project's own encoders: DeviceInfo as the
 * IPA puts it in ctxParams1 (sgp22_put_device_info over
 * device_identity_digits_to_octets) and binding texts (fuzz_device_identity),
 * binding files (fuzz_ipa_device_binding), refusals as the IPA encodes them
 * (fuzz_device_refusal). Run by hand:
 *   gen_device_lock_seeds fuzz/corpus */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_identity.h"
#include "ipa/device_binding.h"

#define EID "89049032123451234512345678901235"
#define OTHER_EID "89049032123451234512345678901288"

static int write_seed(const char *dir, const char *target, const char *name, const void *data,
                      size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return 1;
    int rc = fwrite(data, 1, len, f) == len ? 0 : 1;
    return fclose(f) == 0 ? rc : 1;
}

/* DeviceInfo [1] {tac, deviceCapabilities {}, imei} as ctxParams1 carries it. */
static int device_info_seed(const char *dir, const char *name, const char *tac, const char *imei)
{
    uint8_t tac_octets[DEVICE_IDENTITY_TAC_OCTETS], imei_octets[DEVICE_IDENTITY_IMEI_OCTETS];
    if (!device_identity_digits_to_octets(tac, tac_octets, sizeof(tac_octets)) ||
        (imei != NULL &&
         !device_identity_digits_to_octets(imei, imei_octets, sizeof(imei_octets))))
        return 1;
    sgp22_device_info info = {.tac = {tac_octets, sizeof(tac_octets)},
                              .has_imei = imei != NULL,
                              .imei = {imei_octets, imei != NULL ? sizeof(imei_octets) : 0}};
    der_builder b;
    uint8_t *out = NULL;
    size_t len = 0;
    der_builder_init(&b);
    sgp22_put_device_info(&b, DER_CTX_CONS(1), &info);
    if (der_builder_finish(&b, &out, &len) != AW_OK)
        return 1;
    int rc = write_seed(dir, "fuzz_device_identity", name, out, len);
    free(out);
    return rc;
}

static int refusal_seed(const char *dir, const char *name, const char *imei)
{
    char *json = NULL;
    if (ipa_device_refusal_encode(OTHER_EID, EID, imei, 1796126400, &json) != AW_OK)
        return 1;
    int rc = write_seed(dir, "fuzz_device_refusal", name, json, strlen(json));
    free(json);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_device_lock_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int rc = device_info_seed(dir, "imei.der", "49015420", "490154203237518");
    rc |= device_info_seed(dir, "imeisv.der", "49015420", "4901542032375101");
    rc |= device_info_seed(dir, "tac_only.der", "35290611", NULL);
    static const char *const texts[] = {"490154203237518", "4901542032375101", "35290611"};
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "text%zu.txt", i);
        rc |= write_seed(dir, "fuzz_device_identity", name, texts[i], strlen(texts[i]));
    }
    static const char one[] = EID "\n";
    static const char two[] = "# cards of this device\n" EID "\r\n\n" OTHER_EID;
    rc |= write_seed(dir, "fuzz_ipa_device_binding", "one.txt", one, strlen(one));
    rc |= write_seed(dir, "fuzz_ipa_device_binding", "two.txt", two, strlen(two));
    rc |= refusal_seed(dir, "with_imei.json", "356938035643809");
    rc |= refusal_seed(dir, "without_imei.json", NULL);
    return rc;
}
