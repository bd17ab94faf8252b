/* airwrite platform: POST /terminal/v1/info, the devices' encrypted
 * terminal information (platform_terminal_info.h; docs/terminal-info.md):
 * the device certificate's EID (SGP.22 4.5.2.1 subject serialNumber), the
 * envelope's signature with the certificate's key (FIPS 186-4 ECDSA or GB/T
 * 32918.2 SM2), decryption with the platform's key (GB/T 32918.4 SM2 or SEC
 * 1 ECIES), freshness and replay, then the record sealed at rest with the
 * storage key ring and its location handed to location_policy.h. */
#include "platform/platform_terminal_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/hex.h"
#include "platform/platform_terminal.h"

#define ENVELOPE_ID_HEX (2u * CRYPTO_ENVELOPE_ID_SIZE)

/* ---- The endpoint ------------------------------------------------------------- */

/* The certificate's EID (subject serialNumber, 32 digits, exactly one: the
 * terminal listener's rule, platform_terminal_certificate_eid) and its
 * public key as a signature key of its suite. */
static bool certificate_identity(aw_slice der, char eid[PLATFORM_EID_DIGITS + 1],
                                 crypto_suite_key **key)
{
    char subject[256];
    if (!platform_terminal_certificate_eid(der, eid, subject, sizeof(subject)))
        return false;
    const unsigned char *p = der.ptr; /* well-formed: parsed above */
    X509 *cert = d2i_X509(NULL, &p, (long)der.len);
    bool ok = cert != NULL;
    EVP_PKEY *pkey = ok ? X509_get0_pubkey(cert) : NULL;
    char group[32];
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    size_t group_len = 0, point_len = 0;
    ok = pkey != NULL &&
         EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &group_len) == 1 &&
         EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                         sizeof(point), &point_len) == 1 &&
         crypto_suite_key_from_point(strcmp(group, "SM2") == 0 ? CRYPTO_SUITE_DOMESTIC
                                                               : CRYPTO_SUITE_INTERNATIONAL,
                                     point, point_len, key) == AW_OK;
    X509_free(cert);
    return ok;
}

static aw_err refuse(int status, const char *code, const char *message, int *http_status,
                     char **answer)
{
    *http_status = status;
    return platform_terminal_answer(code, message, answer);
}

static const crypto_envelope_key *key_for(const platform_terminal_info_config *config,
                                          const crypto_envelope_header *header)
{
    for (size_t i = 0; i < config->key_count && i < PLATFORM_TERMINAL_INFO_KEYS_MAX; i++)
        if (config->keys[i].key_id == header->key_id &&
            crypto_envelope_key_suite(config->keys[i].key) == header->suite)
            return config->keys[i].key;
    return NULL;
}

aw_err platform_terminal_info_handle(db_connection *db, const platform_terminal_info_config *config,
                                     aw_slice peer_certificate, const uint8_t *body, size_t len,
                                     int64_t now_s, int *http_status, char **answer)
{
    if (answer != NULL)
        *answer = NULL;
    if (http_status != NULL)
        *http_status = 0;
    if (db == NULL || config == NULL || config->storage == NULL || http_status == NULL ||
        answer == NULL || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    char eid[PLATFORM_EID_DIGITS + 1], envelope_eid[PLATFORM_EID_DIGITS + 1];
    crypto_suite_key *device_key = NULL;
    if (!certificate_identity(peer_certificate, eid, &device_key))
        return refuse(403, "T3201", "device certificate missing or names no EID", http_status,
                      answer);
    crypto_envelope_view view;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    crypto_envelope_header header;
    terminal_info_record record;
    const crypto_envelope_key *key = NULL;
    aw_err err = crypto_envelope_parse(body, len, &view);
    if (err != AW_OK) {
        err = refuse(400, "T3202", "not a terminal information envelope", http_status, answer);
        goto cleanup;
    }
    aw_hex_encode(view.header.eid, CRYPTO_ENVELOPE_EID_SIZE, envelope_eid, false);
    if (strcmp(envelope_eid, eid) != 0) {
        err = refuse(403, "T3203", "envelope for another EID than the device certificate's",
                     http_status, answer);
        goto cleanup;
    }
    /* the signature first: only the device's own envelopes are looked into */
    err = crypto_suite_verify(device_key, view.signed_part, view.signed_len, view.signature,
                              view.signature_len);
    if (err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT) {
        err = refuse(403, "T3204", "envelope signature does not verify with the device key",
                     http_status, answer);
        goto cleanup;
    }
    if (err != AW_OK)
        goto cleanup;
    key = key_for(config, &view.header);
    if (key == NULL) {
        err = refuse(400, "T3205", "sealed to a key the platform does not hold", http_status,
                     answer);
        goto cleanup;
    }
    err = crypto_envelope_open(key, view.header.key_id, device_key, body, len, &header, &payload,
                               &payload_len);
    if (err == AW_ERR_ENVELOPE_DECRYPT || err == AW_ERR_ENVELOPE_FORMAT) {
        err = refuse(400, "T3206", "envelope does not decrypt", http_status, answer);
        goto cleanup;
    }
    if (err != AW_OK)
        goto cleanup;
    if (terminal_info_parse(payload, payload_len, &record) != AW_OK ||
        strcmp(record.eid, eid) != 0 || record.time != header.time) {
        err = refuse(400, "T3207", "malformed terminal information record", http_status, answer);
        goto cleanup;
    }
    int64_t window = config->freshness_s > 0 ? config->freshness_s
                                             : PLATFORM_TERMINAL_INFO_FRESHNESS_DEFAULT_S;
    if (header.time < now_s - window || header.time > now_s + window) {
        err = refuse(409, "T3208", "envelope time outside the freshness window", http_status,
                     answer);
        goto cleanup;
    }
    char envelope_id[ENVELOPE_ID_HEX + 1];
    aw_hex_encode(header.id, CRYPTO_ENVELOPE_ID_SIZE, envelope_id, false);
    bool replay = false;
    err = platform_terminal_info_store(db, config->storage, eid, envelope_id, &header, &record,
                                       payload, payload_len, now_s, &replay);
    if (err == AW_OK && replay)
        err = refuse(409, "T3209", "envelope already received", http_status, answer);
    else if (err == AW_OK)
        *http_status = 204;
cleanup:
    OPENSSL_cleanse(&record, sizeof(record));
    crypto_envelope_payload_free(payload, payload_len);
    crypto_suite_key_free(device_key);
    return err;
}

static int64_t wall_clock_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec;
}

static void info_handler(http_request *request, void *userdata)
{
    platform_terminal_info_endpoint *endpoint = userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    int status = 0;
    char *answer = NULL;
    aw_err err = platform_terminal_info_handle(endpoint->db, endpoint->config,
                                               http_request_peer_certificate(request), body, len,
                                               wall_clock_s(), &status, &answer);
    /* not taken for the platform's own failure: the device sends again */
    http_request_set_status(request, err == AW_OK ? status : 500);
    if (err == AW_OK && answer != NULL) {
        http_request_add_header(request, "Content-Type", "application/json");
        http_request_set_body(request, answer, strlen(answer));
    }
    free(answer);
}

aw_err platform_terminal_info_register(http_server *server,
                                       platform_terminal_info_endpoint *endpoint)
{
    if (server == NULL || endpoint == NULL || endpoint->db == NULL || endpoint->config == NULL)
        return AW_ERR_ARGUMENT;
    return http_server_route(server, AW_HTTP_METHOD_POST, PLATFORM_TERMINAL_INFO_PATH,
                             info_handler, endpoint);
}
