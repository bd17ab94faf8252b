/* libFuzzer target: the platform API's request parsers (src/platform):
 * the signature header parser and canonicaliser (auth_signature.c) and the
 * JSON bodies of /auth/token, /auth/refresh and /auth/revoke (api_json.c).
 * The first byte picks the parser:
 *   0: token request JSON; 1: {"refreshToken"} JSON; 2: {"token"} JSON;
 *   3: a signed request as lines method, path, query, appId, timestamp,
 *      nonce, signature, then the body (the rest).
 * Properties checked beyond "no crash":
 * - a refused body leaves the outputs empty; an accepted one has members
 *   within their bounds;
 * - headers the parser accepts are exactly those the canonicaliser
 *   accepts; a canonical string has eight lines and starts with the
 *   algorithm; canonicalising again with its own sorted query gives the
 *   same string (the sort is a normal form);
 * - a signature made with platform_signature_sign verifies, the received
 *   one verifies exactly when it equals it. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char secret[] = "5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";

static void fuzz_token_request(const uint8_t *body, size_t len)
{
    platform_token_request out;
    aw_err err = platform_json_parse_token_request(body, len, &out);
    if (err == AW_OK) {
        size_t id = strlen(out.app_id), key = strlen(out.app_secret);
        if (id == 0 || id > PLATFORM_APP_ID_MAX || key == 0 || key > PLATFORM_APP_SECRET_LENGTH)
            abort();
    } else if ((err != AW_ERR_PLATFORM_JSON && err != AW_ERR_PLATFORM_FIELD) ||
               out.app_id[0] != '\0' || out.app_secret[0] != '\0') {
        abort();
    }
}

static void fuzz_token_member(const uint8_t *body, size_t len, const char *member)
{
    char token[PLATFORM_TOKEN_LENGTH + 1];
    aw_err err = platform_json_parse_token_member(body, len, member, token);
    if (err == AW_OK) {
        if (token[0] == '\0' || strlen(token) > PLATFORM_TOKEN_LENGTH)
            abort();
    } else if ((err != AW_ERR_PLATFORM_JSON && err != AW_ERR_PLATFORM_FIELD) || token[0] != '\0') {
        abort();
    }
}

/* Lines of the signed-request input; fields point into text. */
static size_t split_lines(char *text, size_t len, char *fields[7], size_t *body_offset)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i < len && count < 7; i++) {
        if (text[i] == '\n') {
            text[i] = '\0';
            fields[count++] = text + start;
            start = i + 1;
        }
    }
    *body_offset = start;
    return count;
}

static void check_canonical(const platform_signed_request *request, const char *canonical)
{
    static const char prefix[] = PLATFORM_SIGNATURE_ALGORITHM "\n";
    if (strncmp(canonical, prefix, sizeof(prefix) - 1) != 0)
        abort();
    size_t lines = 1;
    const char *line[8] = {canonical};
    for (const char *p = canonical; *p != '\0'; p++)
        if (*p == '\n' && lines < 8)
            line[lines++] = p + 1;
        else if (*p == '\n')
            abort();
    if (lines != 8)
        abort();
    /* line 3 is the canonical query: canonicalising it again changes nothing */
    size_t query_len = (size_t)(line[4] - line[3]) - 1;
    char *query = malloc(query_len + 1);
    if (query == NULL)
        abort();
    memcpy(query, line[3], query_len);
    query[query_len] = '\0';
    platform_signed_request again = *request;
    again.query = query;
    char *second = NULL;
    if (platform_signature_canonical(&again, &second) != AW_OK || strcmp(second, canonical) != 0)
        abort();
    free(second);
    free(query);
}

static void fuzz_signed_request(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char *fields[7] = {0};
    size_t body_offset = 0;
    if (split_lines(text, size, fields, &body_offset) == 7) {
        platform_signed_request request = {
            .method = fields[0], .path = fields[1], .query = fields[2][0] ? fields[2] : NULL,
            .app_id = fields[3], .timestamp = fields[4], .nonce = fields[5],
            .body = (const uint8_t *)text + body_offset, .body_len = size - body_offset};
        platform_signature_headers headers;
        aw_err header_err = platform_signature_parse_headers(fields[3], fields[4], fields[5],
                                                             fields[6], &headers);
        char *canonical = NULL;
        aw_err err = platform_signature_canonical(&request, &canonical);
        /* the header parser and the canonicaliser agree on the header forms */
        if (header_err == AW_OK && err == AW_ERR_PLATFORM_AUTH_HEADER)
            abort();
        if (err == AW_OK) {
            check_canonical(&request, canonical);
            char hex[PLATFORM_SIGNATURE_HEX + 1];
            uint8_t mac[PLATFORM_SIGNATURE_SIZE];
            if (platform_signature_sign(&request, secret, hex) != AW_OK ||
                platform_signature_parse_headers(fields[3], fields[4], fields[5], hex,
                                                 &headers) != AW_OK)
                abort();
            memcpy(mac, headers.signature, sizeof(mac));
            if (platform_signature_verify(&request, secret, mac) != AW_OK)
                abort();
            if (header_err == AW_OK) {
                platform_signature_headers received;
                if (platform_signature_parse_headers(fields[3], fields[4], fields[5], fields[6],
                                                     &received) != AW_OK)
                    abort();
                bool same = memcmp(received.signature, mac, sizeof(mac)) == 0;
                aw_err verified = platform_signature_verify(&request, secret, received.signature);
                if (verified != (same ? AW_OK : AW_ERR_MAC))
                    abort();
            }
        } else if (canonical != NULL) {
            abort();
        }
        free(canonical);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2 * PLATFORM_JSON_MAX_BODY)
        return 0;
    const uint8_t *rest = data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0: fuzz_token_request(rest, len); break;
    case 1: fuzz_token_member(rest, len, "refreshToken"); break;
    case 2: fuzz_token_member(rest, len, "token"); break;
    default: fuzz_signed_request(rest, len); break;
    }
    return 0;
}
