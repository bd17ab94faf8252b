/* airwrite platform: request signatures of the northbound API
 * (docs/api-signature.md): HMAC-SHA256 (RFC 2104, FIPS 198-1) under the
 * app's secret over a canonical string of method, path, sorted query,
 * appId, timestamp, nonce and SHA-256 of the body, or for an app of the
 * domestic suite (issue 8) HMAC-SM3 (GM/T 0042) with an SM3 body hash
 * (GB/T 32905) through core/crypto_suite.h; a timestamp window and
 * once-only nonces kept in the database against replays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/hex.h"
#include "platform/platform_internal.h"

/* ---- Form of the signed parts ------------------------------------------- */

static bool method_valid(const char *method)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; method != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(method, methods[i]) == 0)
            return true;
    return false;
}

/* Visible ASCII without '#'; '?' only where allowed. */
static bool text_valid(const char *text, size_t len, bool question_ok)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x21 || c > 0x7E || c == '#' || (c == '?' && !question_ok))
            return false;
    }
    return true;
}

static bool timestamp_valid(const char *timestamp, int64_t *seconds)
{
    size_t n = timestamp != NULL ? strnlen(timestamp, PLATFORM_TIMESTAMP_DIGITS_MAX + 1) : 0;
    if (n == 0 || n > PLATFORM_TIMESTAMP_DIGITS_MAX || timestamp[0] == '0')
        return false;
    int64_t value = 0;
    for (size_t i = 0; i < n; i++) {
        if (timestamp[i] < '0' || timestamp[i] > '9')
            return false;
        value = value * 10 + (timestamp[i] - '0');
    }
    *seconds = value;
    return true;
}

static bool nonce_valid(const char *nonce)
{
    size_t n = nonce != NULL ? strnlen(nonce, PLATFORM_NONCE_MAX + 1) : 0;
    if (n < PLATFORM_NONCE_MIN || n > PLATFORM_NONCE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = nonce[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- Canonical query ----------------------------------------------------- */

typedef struct query_parameter {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} query_parameter;

static int compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static int compare_parameters(const void *a, const void *b)
{
    const query_parameter *x = a, *y = b;
    int c = compare_bytes(x->name, x->name_len, y->name, y->name_len);
    return c != 0 ? c : compare_bytes(x->value, x->value_len, y->value, y->value_len);
}

/* Split the raw query at '&' and each element at its first '=' (no
 * percent-decoding: the bytes as sent are signed). */
static aw_err split_query(const char *query, size_t len, query_parameter *params, size_t *count)
{
    *count = 0;
    size_t start = 0;
    while (start <= len) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp != NULL ? (size_t)(amp - query) : len;
        if (end == start)
            return AW_ERR_PLATFORM_FIELD; /* "a&&b", "&a", "a&" */
        if (*count == PLATFORM_QUERY_PARAMETERS_MAX)
            return AW_ERR_LIMIT;
        query_parameter *p = &params[(*count)++];
        p->name = query + start;
        const char *eq = memchr(p->name, '=', end - start);
        p->name_len = eq != NULL ? (size_t)(eq - p->name) : end - start;
        p->value = eq != NULL ? eq + 1 : query + end;
        p->value_len = eq != NULL ? end - start - p->name_len - 1 : 0;
        if (p->name_len == 0)
            return AW_ERR_PLATFORM_FIELD; /* "=x" */
        start = end + 1;
    }
    qsort(params, *count, sizeof(params[0]), compare_parameters);
    return AW_OK;
}

/* ---- Canonical string ---------------------------------------------------- */

const char *platform_signature_algorithm(crypto_suite suite)
{
    switch (suite) {
    case CRYPTO_SUITE_INTERNATIONAL: return PLATFORM_SIGNATURE_ALGORITHM;
    case CRYPTO_SUITE_DOMESTIC: return PLATFORM_SIGNATURE_ALGORITHM_SM3;
    }
    return NULL;
}

aw_err platform_signature_algorithm_parse(const char *name, crypto_suite *suite)
{
    if (suite == NULL)
        return AW_ERR_ARGUMENT;
    *suite = 0;
    if (name != NULL && strcmp(name, PLATFORM_SIGNATURE_ALGORITHM) == 0)
        *suite = CRYPTO_SUITE_INTERNATIONAL;
    else if (name != NULL && strcmp(name, PLATFORM_SIGNATURE_ALGORITHM_SM3) == 0)
        *suite = CRYPTO_SUITE_DOMESTIC;
    return *suite != 0 ? AW_OK : AW_ERR_PLATFORM_AUTH_HEADER;
}

aw_err platform_signature_canonical(const platform_signed_request *request, char **canonical)
{
    return platform_signature_canonical_suite(CRYPTO_SUITE_INTERNATIONAL, request, canonical);
}

aw_err platform_signature_canonical_suite(crypto_suite suite,
                                          const platform_signed_request *request,
                                          char **canonical)
{
    if (canonical == NULL)
        return AW_ERR_ARGUMENT;
    *canonical = NULL;
    const char *algorithm = platform_signature_algorithm(suite);
    if (algorithm == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    if (request == NULL || (request->body == NULL && request->body_len != 0))
        return AW_ERR_ARGUMENT;
    if (!method_valid(request->method) || request->path == NULL || request->path[0] != '/')
        return AW_ERR_ARGUMENT;
    size_t path_len = strnlen(request->path, PLATFORM_PATH_MAX + 1);
    const char *query = request->query != NULL ? request->query : "";
    size_t query_len = strnlen(query, PLATFORM_QUERY_MAX + 1);
    if (path_len > PLATFORM_PATH_MAX || query_len > PLATFORM_QUERY_MAX)
        return AW_ERR_LIMIT;
    if (!text_valid(request->path, path_len, false))
        return AW_ERR_ARGUMENT;
    if (!text_valid(query, query_len, true))
        return AW_ERR_PLATFORM_FIELD;
    int64_t seconds = 0;
    if (!platform_app_id_valid(request->app_id) || !timestamp_valid(request->timestamp, &seconds) ||
        !nonce_valid(request->nonce))
        return AW_ERR_PLATFORM_AUTH_HEADER;

    query_parameter params[PLATFORM_QUERY_PARAMETERS_MAX];
    size_t count = 0;
    if (query_len > 0) {
        aw_err err = split_query(query, query_len, params, &count);
        if (err != AW_OK)
            return err;
    }
    /* line 8: SHA-256 or SM3 of the body, the suite's hash */
    uint8_t body_hash[CRYPTO_SUITE_HASH_SIZE];
    aw_err err = crypto_suite_hash(suite,
                                   request->body != NULL ? request->body : (const uint8_t *)"",
                                   request->body_len, body_hash);
    if (err != AW_OK)
        return err;
    char body_hex[2 * CRYPTO_SUITE_HASH_SIZE + 1];
    aw_hex_encode(body_hash, sizeof(body_hash), body_hex, false);

    /* every part is bounded above, so this size cannot overflow; the
     * canonical query is at most one '=' per parameter longer than the raw */
    size_t cap = strlen(algorithm) + 1 + strlen(request->method) + path_len +
                 query_len + count + 1 + strlen(request->app_id) + strlen(request->timestamp) +
                 strlen(request->nonce) + sizeof(body_hex) + 8;
    char *out = malloc(cap);
    if (out == NULL)
        return AW_ERR_NOMEM;
    size_t pos = (size_t)snprintf(out, cap, "%s\n%s\n%s\n", algorithm, request->method,
                                  request->path);
    for (size_t i = 0; i < count; i++) {
        pos += (size_t)snprintf(out + pos, cap - pos, "%s%.*s=%.*s", i == 0 ? "" : "&",
                                (int)params[i].name_len, params[i].name,
                                (int)params[i].value_len, params[i].value);
    }
    snprintf(out + pos, cap - pos, "\n%s\n%s\n%s\n%s", request->app_id, request->timestamp,
             request->nonce, body_hex);
    *canonical = out;
    return AW_OK;
}

static aw_err compute_mac(crypto_suite suite, const platform_signed_request *request,
                          const char *secret, uint8_t mac[PLATFORM_SIGNATURE_SIZE])
{
    if (secret == NULL || secret[0] == '\0')
        return AW_ERR_ARGUMENT;
    char *canonical = NULL;
    aw_err err = platform_signature_canonical_suite(suite, request, &canonical);
    if (err != AW_OK)
        return err;
    /* HMAC-SHA256 (RFC 2104) or HMAC-SM3 (GM/T 0042), both 32 bytes */
    err = crypto_suite_hmac(suite, (const uint8_t *)secret, strlen(secret),
                            (const uint8_t *)canonical, strlen(canonical), mac);
    if (err != AW_OK && err != AW_ERR_NOMEM)
        err = AW_ERR_CRYPTO;
    free(canonical);
    return err;
}

aw_err platform_signature_sign(const platform_signed_request *request, const char *secret,
                               char signature_hex[PLATFORM_SIGNATURE_HEX + 1])
{
    return platform_signature_sign_suite(CRYPTO_SUITE_INTERNATIONAL, request, secret,
                                         signature_hex);
}

aw_err platform_signature_sign_suite(crypto_suite suite, const platform_signed_request *request,
                                     const char *secret,
                                     char signature_hex[PLATFORM_SIGNATURE_HEX + 1])
{
    if (signature_hex == NULL)
        return AW_ERR_ARGUMENT;
    signature_hex[0] = '\0';
    uint8_t mac[PLATFORM_SIGNATURE_SIZE];
    aw_err err = compute_mac(suite, request, secret, mac);
    if (err == AW_OK)
        aw_hex_encode(mac, sizeof(mac), signature_hex, false);
    return err;
}

aw_err platform_signature_verify(const platform_signed_request *request, const char *secret,
                                 const uint8_t signature[PLATFORM_SIGNATURE_SIZE])
{
    return platform_signature_verify_suite(CRYPTO_SUITE_INTERNATIONAL, request, secret,
                                           signature);
}

aw_err platform_signature_verify_suite(crypto_suite suite, const platform_signed_request *request,
                                       const char *secret,
                                       const uint8_t signature[PLATFORM_SIGNATURE_SIZE])
{
    if (signature == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t mac[PLATFORM_SIGNATURE_SIZE];
    aw_err err = compute_mac(suite, request, secret, mac);
    if (err == AW_OK && CRYPTO_memcmp(mac, signature, sizeof(mac)) != 0)
        err = AW_ERR_MAC;
    OPENSSL_cleanse(mac, sizeof(mac));
    return err;
}

aw_err platform_signature_verify_app(crypto_suite app_suite, const char *algorithm_header,
                                     const platform_signed_request *request, const char *secret,
                                     const uint8_t signature[PLATFORM_SIGNATURE_SIZE])
{
    crypto_suite other = app_suite == CRYPTO_SUITE_DOMESTIC ? CRYPTO_SUITE_INTERNATIONAL
                                                            : CRYPTO_SUITE_DOMESTIC;
    if (platform_signature_algorithm(app_suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    if (algorithm_header != NULL) {
        crypto_suite named = 0;
        aw_err err = platform_signature_algorithm_parse(algorithm_header, &named);
        if (err != AW_OK)
            return err;
        if (named != app_suite)
            return AW_ERR_PLATFORM_SIGNATURE_SUITE;
    }
    aw_err err = platform_signature_verify_suite(app_suite, request, secret, signature);
    /* only on a failure: tell a client signing with the wrong suite apart
     * from a wrong secret or a changed request */
    if (err == AW_ERR_MAC &&
        platform_signature_verify_suite(other, request, secret, signature) == AW_OK)
        err = AW_ERR_PLATFORM_SIGNATURE_SUITE;
    return err;
}

/* ---- Headers, time window, nonces ---------------------------------------- */

aw_err platform_signature_parse_headers(const char *app_id, const char *timestamp,
                                        const char *nonce, const char *signature,
                                        platform_signature_headers *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    size_t len = 0;
    if (!platform_app_id_valid(app_id) || !timestamp_valid(timestamp, &out->timestamp_s) ||
        !nonce_valid(nonce) || signature == NULL ||
        strnlen(signature, PLATFORM_SIGNATURE_HEX + 1) != PLATFORM_SIGNATURE_HEX ||
        aw_hex_decode(signature, out->signature, sizeof(out->signature), &len) != AW_OK ||
        len != PLATFORM_SIGNATURE_SIZE) {
        memset(out, 0, sizeof(*out));
        return AW_ERR_PLATFORM_AUTH_HEADER;
    }
    out->app_id = app_id;
    out->timestamp = timestamp;
    out->nonce = nonce;
    return AW_OK;
}

aw_err platform_signature_check_time(int64_t timestamp_s, int64_t now_ms, int64_t window_s)
{
    if (window_s < 0)
        return AW_ERR_ARGUMENT;
    int64_t now_s = now_ms / 1000;
    int64_t delta = timestamp_s - now_s;
    return delta > window_s || delta < -window_s ? AW_ERR_PLATFORM_TIMESTAMP : AW_OK;
}

aw_err platform_nonce_record(db_connection *db, const char *app_id, const char *nonce,
                             int64_t expires_at_ms, int64_t now_ms)
{
    if (db == NULL || !platform_app_id_valid(app_id) || !nonce_valid(nonce))
        return AW_ERR_ARGUMENT;
    /* One statement, so two processes racing on one nonce cannot both win:
     * a live row makes the upsert's WHERE false and nothing changes; an
     * expired row not yet purged may be taken over. The key leads with the
     * expiry (schema.c, version 6): a replay repeats the signed timestamp
     * the expiry is made of, and meets its own row. */
    const db_param p[] = {DB_PARAM_TEXT(app_id), DB_PARAM_TEXT(nonce),
                          DB_PARAM_INT64(expires_at_ms), DB_PARAM_INT64(now_ms)};
    int64_t changes = 0;
    aw_err err = db_execute(db,
                            "INSERT INTO platform_nonces (app_id, nonce, expires_at) "
                            "VALUES (?, ?, ?) ON CONFLICT (expires_at, app_id, nonce) DO UPDATE "
                            "SET expires_at = excluded.expires_at "
                            "WHERE platform_nonces.expires_at <= ?",
                            p, 4, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_PLATFORM_NONCE_REPLAYED;
    return err;
}

aw_err platform_nonce_purge(db_connection *db, int64_t now_ms, int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    const db_param p[] = {DB_PARAM_INT64(now_ms)};
    return db_execute(db, "DELETE FROM platform_nonces WHERE expires_at <= ?", p, 1, deleted);
}
