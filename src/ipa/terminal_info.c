/* airwrite IPA: sealing the terminal information record to the platform's
 * key (core/crypto_envelope.h: SM2 encryption GB/T 32918.4 or ECIES on
 * P-256 per SEC 1 v2 5.1, signed with the device's key) and sending it to
 * POST /terminal/v1/info over mutual TLS (the device's client certificate
 * names its EID, as for the terminal reports of docs/firmware-update.md).
 * docs/terminal-info.md. */
#include "ipa/terminal_info.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/hex.h"
#include "core/http_client.h"

aw_err ipa_terminal_info_seal(const terminal_info_record *record,
                              const crypto_envelope_key *platform_key, uint32_t key_id,
                              const crypto_suite_key *device_key, uint8_t **envelope,
                              size_t *len)
{
    if (envelope != NULL)
        *envelope = NULL;
    if (len != NULL)
        *len = 0;
    if (record == NULL || platform_key == NULL || device_key == NULL || envelope == NULL ||
        len == NULL)
        return AW_ERR_ARGUMENT;
    crypto_envelope_header header = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO,
                                     .time = record->time};
    size_t eid_len = 0;
    /* the EID's 32 digits are its 16 bytes in hex (SGP.22 4.1 EID) */
    if (strlen(record->eid) != TERMINAL_INFO_EID_DIGITS ||
        aw_hex_decode(record->eid, header.eid, sizeof(header.eid), &eid_len) != AW_OK ||
        eid_len != CRYPTO_ENVELOPE_EID_SIZE)
        return AW_ERR_TERMINAL_INFO;
    char *json = NULL;
    size_t json_len = 0;
    aw_err err = terminal_info_encode(record, &json, &json_len);
    if (err == AW_OK)
        err = crypto_envelope_seal(platform_key, key_id, device_key, &header,
                                   (const uint8_t *)json, json_len, envelope, len);
    if (json != NULL)
        OPENSSL_cleanse(json, json_len);
    free(json);
    return err;
}

/* "code" of a JSON answer {"code","message"}, when there is one. */
static void answer_code(const http_client_response *response, char code[16])
{
    code[0] = '\0';
    json_error_t error;
    json_t *root = response->body_len > 0 && response->body_len <= 4096
                       ? json_loadb((const char *)response->body, response->body_len, 0, &error)
                       : NULL;
    const char *text = json_string_value(json_object_get(root, "code"));
    if (text != NULL && strlen(text) < 16)
        memcpy(code, text, strlen(text) + 1);
    json_decref(root);
}

aw_err ipa_terminal_info_send(const ipa_terminal_info_target *target, const uint8_t *envelope,
                              size_t len, int *http_status, char answer[16])
{
    if (http_status != NULL)
        *http_status = 0;
    if (answer != NULL)
        answer[0] = '\0';
    if (target == NULL || target->url == NULL || envelope == NULL || http_status == NULL ||
        answer == NULL)
        return AW_ERR_ARGUMENT;
    http_client_config config = {.ca_file = target->ca_file,
                                 .certificate_file = target->certificate_file,
                                 .key_file = target->key_file,
                                 .timeout_ms = target->timeout_ms};
    http_client *client = NULL;
    http_client_response *response = NULL;
    aw_err err = http_client_new(&config, &client);
    static const http_header headers[] = {{"Content-Type", "application/octet-stream"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = target->url,
                                   .headers = headers, .header_count = 1, .body = envelope,
                                   .body_len = len, .close_connection = true};
    if (err == AW_OK)
        err = http_client_send(client, &request, &response);
    if (err == AW_OK) {
        *http_status = response->status;
        answer_code(response, answer);
    }
    http_client_response_free(response);
    http_client_free(client);
    return err;
}

aw_err ipa_terminal_info_load_device_key(const char *pem, size_t len, crypto_suite_key **out)
{
    if (out != NULL)
        *out = NULL;
    if (pem == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = crypto_suite_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, pem, len, out);
    if (err == AW_ERR_SUITE_MISMATCH)
        err = crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, pem, len, out);
    return err == AW_ERR_SUITE_MISMATCH ? AW_ERR_SUITE_KEY : err;
}
