/* airwrite IPA: the terminal report of a secure-module firmware update
 * (applied or refused), sent to the platform over HTTPS with mutual TLS
 * (the device's client certificate names its EID); format:
 * docs/firmware-update.md "Terminal report". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/hex.h"
#include "core/http_client.h"
#include "ipa/firmware_update.h"

#define EID_DIGITS 32u

static bool eid_valid(const char *eid)
{
    return eid != NULL && strlen(eid) == EID_DIGITS && strspn(eid, "0123456789") == EID_DIGITS;
}

aw_err ipa_firmware_report_encode(const char *eid, const ipa_firmware_result *result,
                                  int64_t now_seconds, char **json)
{
    if (json != NULL)
        *json = NULL;
    if (!eid_valid(eid) || result == NULL || json == NULL || now_seconds < 0)
        return AW_ERR_ARGUMENT;
    time_t t = (time_t)now_seconds;
    struct tm utc;
    char when[32];
    if (gmtime_r(&t, &utc) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        return AW_ERR_ARGUMENT;
    json_t *root = json_pack("{s:s, s:s, s:I, s:s}", "eid", eid, "kind",
                             result->applied ? "firmware_applied" : "firmware_refused",
                             "fromVersion", (json_int_t)result->from_version, "time", when);
    aw_err err = root != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK && !result->applied &&
        json_object_set_new(root, "code", json_string(aw_err_name(result->refusal))) != 0)
        err = AW_ERR_NOMEM;
    if (err == AW_OK && result->has_manifest) {
        char digest[2 * 32 + 1];
        aw_hex_encode(result->manifest_sha256, sizeof(result->manifest_sha256), digest, false);
        /* a refused manifest's module id may not be UTF-8: then left out */
        json_t *module = json_string(result->module_id);
        if (module != NULL && json_object_set_new(root, "module", module) != 0)
            err = AW_ERR_NOMEM;
        if (err == AW_OK &&
            (json_object_set_new(root, "toVersion", json_integer((json_int_t)result->to_version)) !=
                 0 ||
             json_object_set_new(root, "manifestSha256", json_string(digest)) != 0))
            err = AW_ERR_NOMEM;
    }
    if (err == AW_OK) {
        *json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        if (*json == NULL)
            err = AW_ERR_NOMEM;
    }
    json_decref(root);
    return err;
}

aw_err ipa_firmware_report_send(const ipa_firmware_report_target *target, const char *json,
                                int *http_status)
{
    if (http_status != NULL)
        *http_status = 0;
    if (target == NULL || target->url == NULL || json == NULL || http_status == NULL)
        return AW_ERR_ARGUMENT;
    http_client_config config = {.ca_file = target->ca_file,
                                 .certificate_file = target->certificate_file,
                                 .key_file = target->key_file,
                                 .timeout_ms = target->timeout_ms};
    http_client *client = NULL;
    http_client_response *response = NULL;
    aw_err err = http_client_new(&config, &client);
    static const http_header headers[] = {{"Content-Type", "application/json"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = target->url,
                                   .headers = headers, .header_count = 1, .body = json,
                                   .body_len = strlen(json), .close_connection = true};
    if (err == AW_OK)
        err = http_client_send(client, &request, &response);
    if (err == AW_OK)
        *http_status = response->status;
    http_client_response_free(response);
    http_client_free(client);
    return err;
}
