/* airwrite-devsim: the simulated devices' encrypted terminal information
 * (issue 8, 终端信息加密上报; docs/terminal-info.md). Each device reports
 * through the IPA's own reporter (ipa/terminal_info.h: the record sealed to
 * the platform's key, signed with the key of the device's TLS client
 * certificate, POSTed to /terminal/v1/info over mutual TLS), before each
 * poll cycle (ipa_poll_config.terminal_info), as airwrite-ipa poll
 * --info-* does. A device's location file, read at each visit, lets a test
 * move it while the run goes on. */
#include "airwrite_devsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "airwrite_devsim_location.h"
#include "core/file.h"

#define DEVICE_KEY_MAX (64u * 1024u)

aw_err devsim_info_open(const devsim_info_config *config, const char *dir, const char *eid,
                        devsim_info_device *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (config == NULL || dir == NULL || eid == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    char certificate[80], key[80], location[DEVSIM_PATH_MAX];
    snprintf(certificate, sizeof(certificate), "device-%s.pem", eid);
    snprintf(key, sizeof(key), "device-%s.key.pem", eid);
    if (!devsim_device_path(out->certificate, sizeof(out->certificate), dir, eid, certificate) ||
        !devsim_device_path(out->key, sizeof(out->key), dir, eid, key) ||
        !devsim_device_path(location, sizeof(location), dir, eid, DEVSIM_LOCATION_FILE))
        return AW_ERR_ARGUMENT;
    out->configured = config->configured;
    uint8_t *data = NULL;
    size_t len = 0;
    /* the device's own location, when a test placed it; else the run's */
    aw_err err = aw_file_read(location, DEVSIM_LOCATION_MAX, &data, &len);
    if (err == AW_OK)
        err = devsim_parse_location(data, len, &out->configured.location);
    else if (err == AW_ERR_NOT_FOUND)
        err = AW_OK;
    free(data);
    data = NULL;
    if (err == AW_OK && (err = aw_file_read(out->key, DEVICE_KEY_MAX, &data, &len)) == AW_OK)
        err = ipa_terminal_info_load_device_key((const char *)data, len, &out->device_key);
    if (data != NULL)
        OPENSSL_cleanse(data, len);
    free(data);
    if (err != AW_OK) {
        devsim_info_close(out);
        return err;
    }
    out->reporter = (ipa_terminal_info_reporter){
        .source = {.configured = &out->configured},
        .platform_key = config->platform_key,
        .key_id = config->key_id,
        .device_key = out->device_key,
        .target = {.url = config->url, .ca_file = config->ca_file,
                   .certificate_file = out->certificate, .key_file = out->key},
    };
    return AW_OK;
}

void devsim_info_close(devsim_info_device *device)
{
    if (device == NULL)
        return;
    crypto_suite_key_free(device->device_key);
    memset(device, 0, sizeof(*device));
}

int devsim_info_parse_option(devsim_info_options *o, const char *name, const char *value)
{
    static const char *const names[] = {"--info-url", "--info-ca", "--info-platform-key",
                                        "--info-suite", "--info-key-id", "--location", NULL};
    size_t which = 0;
    while (names[which] != NULL && strcmp(names[which], name) != 0)
        which++;
    if (names[which] == NULL)
        return 0;
    if (value == NULL)
        return -1;
    o->given = true;
    switch (which) {
    case 0: o->url = value; break;
    case 1: o->ca_file = value; break;
    case 2: o->platform_key_file = value; break;
    case 3: o->suite = value; break;
    case 4: return devsim_parse_unsigned(value, UINT32_MAX, false, &o->key_id) ? 1 : -1;
    default:
        /* the grammar of a device's location file, without its newline */
        if (strchr(value, '\n') != NULL ||
            devsim_parse_location((const uint8_t *)value, strlen(value), &o->location) != AW_OK)
            return -1;
        break;
    }
    return 1;
}

int devsim_info_load(const devsim_info_options *o, const char *default_ca,
                     devsim_info_config *config, crypto_envelope_key **platform_key)
{
    memset(config, 0, sizeof(*config));
    *platform_key = NULL;
    crypto_suite suite = CRYPTO_SUITE_INTERNATIONAL;
    if (o->url == NULL || o->platform_key_file == NULL ||
        (o->suite != NULL && crypto_suite_parse(o->suite, &suite) != AW_OK)) {
        fprintf(stderr, "airwrite-devsim run: terminal information needs --info-url and "
                        "--info-platform-key (--info-suite international or domestic)\n");
        return DEVSIM_EXIT_USAGE;
    }
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(o->platform_key_file, DEVICE_KEY_MAX, &pem, &len);
    if (err == AW_OK)
        err = crypto_envelope_key_load_public_pem(suite, (const char *)pem, len, platform_key);
    free(pem);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-devsim run: --info-platform-key %s: %s (%s)\n",
                o->platform_key_file, aw_err_message(err), aw_err_name(err));
        return DEVSIM_EXIT_FAILED;
    }
    config->url = o->url;
    config->ca_file = o->ca_file != NULL ? o->ca_file : default_ca;
    config->platform_key = *platform_key;
    config->key_id = o->key_id != 0 ? (uint32_t)o->key_id : 1u;
    terminal_info_record_init(&config->configured, NULL, 0);
    if (o->imei != NULL)
        snprintf(config->configured.imei, sizeof(config->configured.imei), "%s", o->imei);
    config->configured.location = o->location;
    return 0;
}
