/* airwritectl's client of the northbound API (airwritectl_client.h):
 * signed exchanges (docs/api-signature.md), bearer tokens (docs/openapi.yaml
 * /auth/token, /auth/refresh), the error model (docs/api-errors.md) and
 * 429 Retry-After waits (RFC 9110 10.2.3, RFC 6585 4). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/airwritectl_client.h"
#include "core/crypto.h"
#include "core/hex.h"
#include "core/http_client.h"

#define BASE_URL_MAX 256u
#define NONCE_BYTES 16u         /* 32 hex digits: within PLATFORM_NONCE_MIN..MAX */
#define MAX_ATTEMPTS 10         /* of one call through 429 answers */
#define RETRY_AFTER_MAX 86400
#define BEARER_MAX (sizeof("Bearer ") + PLATFORM_TOKEN_LENGTH)

struct ctl_client {
    char base_url[BASE_URL_MAX + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    crypto_suite suite; /* AW-HMAC-SHA256 or AW-HMAC-SM3 (docs/api-signature.md) */
    char *token_cache;
    int64_t max_wait_s;
    ctl_clock_fn clock;
    void *clock_userdata;
    ctl_sleep_fn sleep;
    void *sleep_userdata;
    http_client *http;
    ctl_token token;
    ctl_token_source origin; /* how the held token was obtained */
    bool have_token;
    bool cache_tried;
};

static int64_t real_clock(void *userdata)
{
    (void)userdata;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void real_sleep(int64_t seconds, void *userdata)
{
    (void)userdata;
    struct timespec left = {.tv_sec = (time_t)seconds, .tv_nsec = 0};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

static void error_reset(ctl_error *error)
{
    memset(error, 0, sizeof(*error));
    error->retry_after_s = -1;
}

void ctl_error_clear(ctl_error *error)
{
    if (error == NULL)
        return;
    json_decref(error->body);
    error_reset(error);
}

void ctl_response_clear(ctl_response *response)
{
    if (response == NULL)
        return;
    json_decref(response->json);
    memset(response, 0, sizeof(*response));
}

/* Erase every string member of a JSON object (tokens, secrets) before
 * jansson frees them. */
static void erase_strings(json_t *object)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        if (json_is_string(value))
            crypto_cleanse((char *)json_string_value(value), json_string_length(value));
    }
}

static bool app_id_valid(const char *id)
{
    size_t len = strlen(id);
    return len >= 1 && len <= PLATFORM_APP_ID_MAX &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* "https://host[:port]" only: requests append the path themselves. */
static bool base_url_valid(const char *url)
{
    static const char scheme[] = "https://";
    size_t len = strlen(url);
    if (len <= sizeof(scheme) - 1 || len > BASE_URL_MAX ||
        strncmp(url, scheme, sizeof(scheme) - 1) != 0)
        return false;
    for (const char *p = url + sizeof(scheme) - 1; *p != '\0'; p++)
        if (*p <= ' ' || *p > '~' || *p == '/' || *p == '?' || *p == '#' || *p == '@')
            return false;
    return true;
}

aw_err ctl_client_new(const ctl_client_config *config, ctl_client **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (config == NULL || config->base_url == NULL || config->ca_file == NULL ||
        config->app_id == NULL || config->app_secret == NULL ||
        !base_url_valid(config->base_url) || !app_id_valid(config->app_id))
        return AW_ERR_ARGUMENT;
    size_t secret_len = strlen(config->app_secret);
    if (secret_len == 0 || secret_len > PLATFORM_APP_SECRET_LENGTH)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < secret_len; i++)
        if (config->app_secret[i] <= ' ' || config->app_secret[i] > '~')
            return AW_ERR_ARGUMENT;
    if (config->suite != 0 && platform_signature_algorithm(config->suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    ctl_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    memcpy(c->base_url, config->base_url, strlen(config->base_url) + 1);
    memcpy(c->app_id, config->app_id, strlen(config->app_id) + 1);
    memcpy(c->secret, config->app_secret, secret_len + 1);
    c->suite = config->suite != 0 ? config->suite : CRYPTO_SUITE_INTERNATIONAL;
    c->max_wait_s = config->max_wait_s == 0 ? CTL_DEFAULT_MAX_WAIT_S : config->max_wait_s;
    c->clock = config->clock != NULL ? config->clock : real_clock;
    c->clock_userdata = config->clock_userdata;
    c->sleep = config->sleep != NULL ? config->sleep : real_sleep;
    c->sleep_userdata = config->sleep_userdata;
    http_client_config http = {.ca_file = config->ca_file, .timeout_ms = config->timeout_ms};
    aw_err err = AW_OK;
    if (config->token_cache != NULL && (c->token_cache = strdup(config->token_cache)) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = http_client_new(&http, &c->http);
    if (err != AW_OK) {
        ctl_client_free(c);
        return err;
    }
    *out = c;
    return AW_OK;
}

void ctl_client_free(ctl_client *client)
{
    if (client == NULL)
        return;
    http_client_free(client->http);
    free(client->token_cache);
    crypto_cleanse(client, sizeof(*client));
    free(client);
}

/* ---- Errors ------------------------------------------------------------------ */

static void copy_text(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text != NULL ? text : "");
}

void ctl_text_sanitize(char *text)
{
    for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* An error code: a class letter and digits (docs/api-errors.md "I2004"). */
static bool code_valid(const char *code)
{
    size_t len = strlen(code);
    return len >= 2 && len <= CTL_CODE_MAX && code[0] >= 'A' && code[0] <= 'Z' &&
           strspn(code + 1, "0123456789") == len - 1;
}

static bool request_id_valid(const char *id)
{
    return id != NULL && strlen(id) == PLATFORM_REQUEST_ID_LENGTH &&
           strspn(id, "0123456789abcdef") == PLATFORM_REQUEST_ID_LENGTH;
}

void ctl_error_from_answer(int status, const uint8_t *body, size_t len, const char *request_id,
                           ctl_error *error)
{
    error_reset(error);
    error->err = AW_ERR_CTL_API;
    error->http_status = status;
    if (request_id_valid(request_id))
        copy_text(error->request_id, sizeof(error->request_id), request_id);
    json_t *root = body != NULL ? json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL)
                                : NULL;
    const char *code = json_string_value(json_object_get(root, "code"));
    if (!json_is_object(root) || code == NULL || !code_valid(code)) {
        json_decref(root);
        snprintf(error->message, sizeof(error->message), "HTTP status %d", status);
        return;
    }
    copy_text(error->code, sizeof(error->code), code);
    copy_text(error->message, sizeof(error->message),
              json_string_value(json_object_get(root, "message")));
    ctl_text_sanitize(error->message); /* shown on terminals */
    const char *id = json_string_value(json_object_get(root, "requestId"));
    if (request_id_valid(id))
        copy_text(error->request_id, sizeof(error->request_id), id);
    error->body = root;
}

int64_t ctl_retry_after_parse(const char *value)
{
    if (value == NULL || *value == '\0' || strlen(value) > 6 ||
        strspn(value, "0123456789") != strlen(value))
        return -1;
    long seconds = strtol(value, NULL, 10);
    return seconds <= RETRY_AFTER_MAX ? seconds : -1;
}

int ctl_exit_status(const ctl_error *error)
{
    if (error == NULL)
        return CTL_EXIT_USAGE;
    switch (error->err) {
    case AW_ERR_CTL_API:
        switch (error->code[0]) {
        case 'A': return CTL_EXIT_APPLICATION;
        case 'W': return CTL_EXIT_WRITE;
        case 'T': return CTL_EXIT_TERMINAL;
        case 'I':
            return error->code[1] == '2'   ? CTL_EXIT_AUTHENTICATION
                   : error->code[1] == '3' ? CTL_EXIT_LIMITED
                                           : CTL_EXIT_INTERFACE;
        default: return CTL_EXIT_INTERFACE; /* an answer without an error body */
        }
    case AW_ERR_CTL_RESPONSE:
    case AW_ERR_HTTP_CONNECT:
    case AW_ERR_HTTP_TLS:
    case AW_ERR_HTTP_CERTIFICATE:
    case AW_ERR_HTTP_TIMEOUT:
    case AW_ERR_HTTP_TRANSFER:
    case AW_ERR_LIMIT: /* an answer over the client's size bound */
        return CTL_EXIT_TRANSPORT;
    default: return CTL_EXIT_USAGE;
    }
}

bool ctl_error_transient(const ctl_error *error)
{
    switch (error->err) {
    case AW_ERR_HTTP_CONNECT:
    case AW_ERR_HTTP_TIMEOUT:
    case AW_ERR_HTTP_TRANSFER: return true;
    case AW_ERR_CTL_API: return error->http_status >= 500 && error->http_status <= 599;
    default: return false;
    }
}

aw_err ctl_encode_component(const char *value, char *out, size_t cap)
{
    static const char unreserved[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        bool plain = strchr(unreserved, *p) != NULL;
        if (n + (plain ? 1 : 3) >= cap)
            return AW_ERR_LIMIT;
        if (plain) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    if (cap == 0)
        return AW_ERR_LIMIT;
    out[n] = '\0';
    return AW_OK;
}

/* ---- One signed exchange ----------------------------------------------------- */

enum { ANSWER_REQUEST_ID, ANSWER_RETRY_AFTER, ANSWER_REPLAYED, ANSWER_HEADER_COUNT };

/* Sign and send once (docs/api-signature.md: a new timestamp and nonce). */
static aw_err send_signed(ctl_client *c, const ctl_request *r, const char *bearer,
                          http_client_response **answer)
{
    char timestamp[24], nonce[2 * NONCE_BYTES + 1], signature[PLATFORM_SIGNATURE_HEX + 1];
    uint8_t random[NONCE_BYTES];
    aw_err err = crypto_random_bytes(random, sizeof(random));
    if (err != AW_OK)
        return err;
    aw_hex_encode(random, sizeof(random), nonce, false);
    snprintf(timestamp, sizeof(timestamp), "%lld",
             (long long)(c->clock(c->clock_userdata) / 1000));
    const char *method = http_method_name(r->method);
    platform_signed_request signed_request = {
        .method = method, .path = r->path, .query = r->query, .app_id = c->app_id,
        .timestamp = timestamp, .nonce = nonce, .body = r->body, .body_len = r->body_len};
    if ((err = platform_signature_sign_suite(c->suite, &signed_request, c->secret, signature)) !=
        AW_OK)
        return err;
    size_t url_len = strlen(c->base_url) + strlen(r->path) +
                     (r->query != NULL ? strlen(r->query) + 1 : 0) + 1;
    char *url = malloc(url_len);
    if (url == NULL)
        return AW_ERR_NOMEM;
    snprintf(url, url_len, "%s%s%s%s", c->base_url, r->path, r->query != NULL ? "?" : "",
             r->query != NULL ? r->query : "");
    http_header headers[9] = {
        {PLATFORM_HEADER_APP_ID, c->app_id},
        {PLATFORM_HEADER_TIMESTAMP, timestamp},
        {PLATFORM_HEADER_NONCE, nonce},
        {PLATFORM_HEADER_SIGNATURE, signature},
        {PLATFORM_HEADER_SIGNATURE_ALGORITHM, platform_signature_algorithm(c->suite)},
        {"Accept", "application/json"},
    };
    size_t count = 6;
    if (bearer != NULL)
        headers[count++] = (http_header){"Authorization", bearer};
    if (r->body_len > 0)
        headers[count++] = (http_header){
            "Content-Type", r->content_type != NULL ? r->content_type : "application/json"};
    if (r->idempotency_key != NULL)
        headers[count++] = (http_header){"Idempotency-Key", r->idempotency_key};
    static const char *const wanted[ANSWER_HEADER_COUNT] = {
        PLATFORM_HEADER_REQUEST_ID, "Retry-After", "Idempotent-Replayed"};
    http_client_request request = {.method = r->method,
                                   .url = url,
                                   .headers = headers,
                                   .header_count = count,
                                   .body = r->body,
                                   .body_len = r->body_len,
                                   .response_header_names = wanted,
                                   .response_header_count = ANSWER_HEADER_COUNT};
    err = http_client_send(c->http, &request, answer);
    free(url);
    return err;
}

/* Send r until it is answered other than 429, or the waits would pass the
 * bound. bearer: the Authorization value or NULL. */
static aw_err exchange(ctl_client *c, const ctl_request *r, const char *bearer,
                       ctl_response *response, ctl_error *error)
{
    int64_t waited = 0;
    for (int attempt = 1;; attempt++) {
        http_client_response *answer = NULL;
        aw_err err = send_signed(c, r, bearer, &answer);
        if (err != AW_OK) {
            error->err = err;
            /* libcurl's reason, for failures of the exchange itself */
            if (ctl_exit_status(error) == CTL_EXIT_TRANSPORT)
                copy_text(error->detail, sizeof(error->detail), http_client_last_error(c->http));
            error->waited_s = waited;
            return err;
        }
        const char *request_id = answer->header_values[ANSWER_REQUEST_ID];
        if (answer->status >= 200 && answer->status < 300) {
            json_t *root = json_loadb((const char *)answer->body, answer->body_len,
                                      JSON_REJECT_DUPLICATES, NULL);
            if (!json_is_object(root)) {
                json_decref(root);
                error->err = AW_ERR_CTL_RESPONSE;
                error->http_status = answer->status;
                if (request_id_valid(request_id))
                    copy_text(error->request_id, sizeof(error->request_id), request_id);
                err = AW_ERR_CTL_RESPONSE;
            } else {
                response->status = answer->status;
                response->json = root;
                if (request_id_valid(request_id))
                    copy_text(response->request_id, sizeof(response->request_id), request_id);
                const char *replayed = answer->header_values[ANSWER_REPLAYED];
                response->idempotent_replayed = replayed != NULL && strcmp(replayed, "true") == 0;
                response->waited_s = waited;
            }
            crypto_cleanse(answer->body, answer->body_len); /* may hold tokens */
            http_client_response_free(answer);
            return err;
        }
        ctl_error_from_answer(answer->status, answer->body, answer->body_len, request_id, error);
        int64_t retry_after = ctl_retry_after_parse(answer->header_values[ANSWER_RETRY_AFTER]);
        error->retry_after_s = retry_after;
        error->waited_s = waited;
        http_client_response_free(answer);
        /* A zero Retry-After still costs one second, so attempts are paced. */
        int64_t wait = retry_after > 0 ? retry_after : 1;
        if (error->http_status != 429 || retry_after < 0 || c->max_wait_s < 0 ||
            waited + wait > c->max_wait_s || attempt == MAX_ATTEMPTS)
            return AW_ERR_CTL_API;
        c->sleep(wait, c->sleep_userdata);
        waited += wait;
        ctl_error_clear(error);
    }
}

/* ---- Tokens ------------------------------------------------------------------ */

static bool token_refused(const ctl_error *error)
{
    return error->err == AW_ERR_CTL_API &&
           (strcmp(error->code, "I2102") == 0 || strcmp(error->code, "I2103") == 0 ||
            strcmp(error->code, "I2104") == 0);
}

/* The TokenPair answer (docs/openapi.yaml) into the client. */
static aw_err take_pair(ctl_client *c, const json_t *pair, int64_t now_ms, ctl_error *error)
{
    const char *access = json_string_value(json_object_get(pair, "accessToken"));
    const char *refresh = json_string_value(json_object_get(pair, "refreshToken"));
    json_t *expires_in = json_object_get(pair, "expiresIn");
    json_t *refresh_in = json_object_get(pair, "refreshExpiresIn");
    if (!ctl_token_valid(access, "awat_") || !ctl_token_valid(refresh, "awrt_") ||
        !json_is_integer(expires_in) ||
        !json_is_integer(refresh_in) || json_integer_value(expires_in) <= 0 ||
        json_integer_value(refresh_in) <= 0 || json_integer_value(expires_in) > INT32_MAX ||
        json_integer_value(refresh_in) > INT32_MAX) {
        error->err = AW_ERR_CTL_RESPONSE;
        return AW_ERR_CTL_RESPONSE;
    }
    memcpy(c->token.access_token, access, PLATFORM_TOKEN_LENGTH + 1);
    memcpy(c->token.refresh_token, refresh, PLATFORM_TOKEN_LENGTH + 1);
    c->token.access_expires_at_ms = now_ms + json_integer_value(expires_in) * 1000;
    c->token.refresh_expires_at_ms = now_ms + json_integer_value(refresh_in) * 1000;
    c->have_token = true;
    return AW_OK;
}

/* POST path with the JSON body of one or two string members (credentials:
 * the body text and its JSON are erased after the call). */
static aw_err token_call(ctl_client *c, const char *path, json_t *body, ctl_error *error)
{
    int64_t now_ms = c->clock(c->clock_userdata);
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    erase_strings(body);
    json_decref(body);
    if (text == NULL) {
        error->err = AW_ERR_NOMEM;
        return AW_ERR_NOMEM;
    }
    size_t len = strlen(text);
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = path,
                           .body = (const uint8_t *)text, .body_len = len, .anonymous = true};
    ctl_response response = {0};
    aw_err err = exchange(c, &request, NULL, &response, error);
    crypto_cleanse(text, len);
    free(text);
    if (err == AW_OK) {
        err = take_pair(c, response.json, now_ms, error);
        erase_strings(response.json);
    }
    ctl_response_clear(&response);
    return err;
}

static aw_err renew_token(ctl_client *c, int64_t now_ms, ctl_token_source *source,
                          ctl_error *error)
{
    aw_err err = AW_ERR_STATE;
    if (c->have_token && c->token.refresh_expires_at_ms - CTL_TOKEN_MARGIN_S * 1000 > now_ms) {
        err = token_call(c, "/api/v1/auth/refresh",
                         json_pack("{s:s}", "refreshToken", c->token.refresh_token), error);
        if (err == AW_OK) {
            *source = CTL_TOKEN_REFRESHED;
            return AW_OK;
        }
        if (!token_refused(error))
            return err;
        ctl_error_clear(error);
    }
    crypto_cleanse(&c->token, sizeof(c->token));
    c->have_token = false;
    err = token_call(c, "/api/v1/auth/token",
                     json_pack("{s:s, s:s}", "appId", c->app_id, "appSecret", c->secret), error);
    if (err == AW_OK)
        *source = CTL_TOKEN_ISSUED;
    return err;
}

aw_err ctl_client_token(ctl_client *client, bool force_new, ctl_token *token,
                        ctl_token_source *source, ctl_error *error)
{
    if (token != NULL)
        memset(token, 0, sizeof(*token));
    if (error == NULL)
        return AW_ERR_ARGUMENT;
    error_reset(error);
    if (client == NULL) {
        error->err = AW_ERR_ARGUMENT;
        return AW_ERR_ARGUMENT;
    }
    ctl_token_source from = CTL_TOKEN_MEMORY;
    int64_t now_ms = client->clock(client->clock_userdata);
    if (!client->have_token && !client->cache_tried && client->token_cache != NULL) {
        client->cache_tried = true;
        /* An unusable cache is as good as none: a new token replaces it. */
        if (ctl_token_cache_load(client->token_cache, client->base_url, client->app_id,
                                 &client->token) == AW_OK) {
            client->have_token = true;
            from = client->origin = CTL_TOKEN_CACHED;
        }
    }
    aw_err err = AW_OK;
    if (force_new || !client->have_token ||
        client->token.access_expires_at_ms - CTL_TOKEN_MARGIN_S * 1000 <= now_ms) {
        if ((err = renew_token(client, now_ms, &from, error)) == AW_OK)
            client->origin = from;
        if (err == AW_OK && client->token_cache != NULL &&
            (err = ctl_token_cache_save(client->token_cache, client->base_url, client->app_id,
                                        &client->token)) != AW_OK)
            error->err = err;
    }
    if (err != AW_OK)
        return err;
    if (token != NULL)
        *token = client->token;
    if (source != NULL)
        *source = from;
    return AW_OK;
}

ctl_token_source ctl_client_token_origin(const ctl_client *client)
{
    return client != NULL && client->have_token ? client->origin : CTL_TOKEN_MEMORY;
}

/* ---- Calls ------------------------------------------------------------------- */

aw_err ctl_client_call(ctl_client *client, const ctl_request *request, ctl_response *response,
                       ctl_error *error)
{
    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (error == NULL)
        return AW_ERR_ARGUMENT;
    error_reset(error);
    if (client == NULL || request == NULL || response == NULL || request->path == NULL) {
        error->err = AW_ERR_ARGUMENT;
        return AW_ERR_ARGUMENT;
    }
    for (bool renewed = false;; renewed = true) {
        char bearer[BEARER_MAX] = "";
        if (!request->anonymous) {
            aw_err err = ctl_client_token(client, false, NULL, NULL, error);
            if (err != AW_OK)
                return err;
            snprintf(bearer, sizeof(bearer), "Bearer %s", client->token.access_token);
        }
        aw_err err = exchange(client, request, request->anonymous ? NULL : bearer, response, error);
        crypto_cleanse(bearer, sizeof(bearer));
        if (err != AW_ERR_CTL_API || request->anonymous || renewed || !token_refused(error))
            return err;
        /* The platform refused the token (expired early, revoked, replaced by
         * a refresh elsewhere): renew it once, through the refresh token
         * first, and try the call again. */
        client->token.access_expires_at_ms = 0;
        client->cache_tried = true;
        ctl_error_clear(error);
    }
}
