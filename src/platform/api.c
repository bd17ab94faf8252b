/* airwrite platform: the HTTPS router of the northbound API, /api/v1, on
 * core's http_server. Every call passes the same chain before its handler:
 * request id -> body bounds -> signature headers -> timestamp window -> app
 * -> HMAC signature -> nonce once -> app enabled -> token bucket -> daily
 * quota -> (bearer token) -> handler. The app, its role and the bearer
 * token's facts come from the credential cache (credential_cache.c) when an
 * earlier call read them within its TTL. docs/api-signature.md and
 * docs/api-errors.md describe what a client sees; docs/openapi.yaml the
 * routes. Handlers run on the server's loop thread and use the database
 * connection there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/inventory_internal.h" /* the query routes */
#include "platform/card_ops_internal.h" /* the card operation routes */
#include "platform/device_lock_internal.h" /* card-device locking routes */
#include "platform/terminal_info_internal.h" /* terminal information route */
#include "platform/order_commit.h" /* POST /api/v1/orders' group commit */
#include "platform/credential_cache.h" /* apps and tokens of earlier calls */

#define PURGE_INTERVAL_MS (60 * 1000)
/* Token pairs are deleted a week after their refresh token expired, so a
 * client presenting one meanwhile is told "expired", not "invalid". */
#define TOKEN_KEEP_MS (7LL * 86400 * 1000)
#define QUOTA_OFFSET_MAX_MINUTES (14 * 60)


/* ---- Answers ------------------------------------------------------------- */

void platform_api_reply_text(api_call *call, int status, const char *json, size_t len)
{
    platform_api_count_answer(call, status); /* api_indicators.c */
    http_request_set_status(call->request, status);
    /* header values here are constants or generated: they cannot fail on
     * CR/LF; a failed allocation leaves the header out, the status stands */
    (void)http_request_add_header(call->request, "Content-Type", "application/json");
    (void)http_request_add_header(call->request, "Cache-Control", "no-store");
    if (http_request_set_body(call->request, json, len) != AW_OK)
        http_request_set_status(call->request, 500);
}

static void reply_error(api_call *call, platform_api_error error, int64_t retry_after_s)
{
    platform_api_reply_error_details(call, error, retry_after_s, NULL);
}

void platform_api_reply_error_details(api_call *call, platform_api_error error,
                                      int64_t retry_after_s, json_t *errors)
{
    const platform_api_error_info *info = platform_api_error_get(error);
    platform_api_exception_note(call, info); /* api_exceptions.c */
    char *json = NULL;
    size_t len = 0;
    aw_err err = platform_api_error_body(error, call->request_id, &json, &len);
    if (err == AW_OK && errors != NULL) {
        /* the per-line details of a batch refusal ride beside the model's
         * three members */
        json_t *root = json_loads(json, 0, NULL);
        free(json);
        json = NULL;
        if (root != NULL && json_object_set_new(root, "errors", errors) == 0)
            json = json_dumps(root, JSON_COMPACT);
        else
            json_decref(errors);
        errors = NULL;
        json_decref(root);
        err = json != NULL ? AW_OK : AW_ERR_NOMEM;
        len = json != NULL ? strlen(json) : 0;
    }
    json_decref(errors);
    if (err != AW_OK) {
        http_request_set_status(call->request, 500);
        return;
    }
    if (retry_after_s > 0) {
        char value[24];
        snprintf(value, sizeof(value), "%lld", (long long)retry_after_s);
        (void)http_request_add_header(call->request, "Retry-After", value);
    }
    if (error == PLATFORM_API_TOKEN_MISSING || error == PLATFORM_API_TOKEN_INVALID ||
        error == PLATFORM_API_TOKEN_EXPIRED || error == PLATFORM_API_TOKEN_REVOKED)
        (void)http_request_add_header(call->request, "WWW-Authenticate",
                                      error == PLATFORM_API_TOKEN_MISSING
                                          ? "Bearer realm=\"airwrite\""
                                          : "Bearer realm=\"airwrite\", error=\"invalid_token\"");
    platform_api_reply_text(call, info->http_status, json, len);
    free(json);
}

void platform_api_reply_err(api_call *call, aw_err err)
{
    reply_error(call, platform_api_error_from_err(err), 0);
}

/* Erase the string members of a flat object (tokens) before it is freed. */
static void cleanse_strings(json_t *root)
{
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (json_is_string(value))
            OPENSSL_cleanse((char *)json_string_value(value), json_string_length(value));
    }
}

void platform_api_reply_json(api_call *call, json_t *root)
{
    char *json = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    if (root != NULL)
        cleanse_strings(root);
    json_decref(root);
    if (json == NULL) {
        reply_error(call, PLATFORM_API_INTERNAL, 0);
        return;
    }
    platform_api_reply_text(call, 200, json, strlen(json));
    OPENSSL_cleanse(json, strlen(json)); /* may hold tokens */
    free(json);
}

/* ---- The chain ------------------------------------------------------------ */

static bool begin_call(platform_api *api, http_request *request, api_call *call)
{
    memset(call, 0, sizeof(*call));
    call->api = api;
    call->request = request;
    if (platform_request_id_new(call->request_id) != AW_OK) {
        http_request_set_status(request, 500);
        return false;
    }
    (void)http_request_add_header(request, PLATFORM_HEADER_REQUEST_ID, call->request_id);
    call->now_ms = api->config.clock(api->config.clock_userdata);
    call->body = http_request_body(request, &call->body_len);
    if (call->now_ms - api->last_purge_ms >= PURGE_INTERVAL_MS) {
        /* housekeeping; a failure only leaves rows for the next attempt,
         * rows that are harmless (expired nonces, dead token pairs) */
        api->last_purge_ms = call->now_ms;
        (void)platform_nonce_purge(api->config.db, call->now_ms, NULL);
        (void)platform_token_purge(api->config.db, call->now_ms - TOKEN_KEEP_MS, NULL);
        (void)platform_user_session_purge(api->config.db, call->now_ms - TOKEN_KEEP_MS, NULL);
    }
    return true;
}

/* "application/json", optionally with parameters (RFC 9110 8.3). */
static bool content_type_json(const char *value)
{
    static const char type[] = "application/json";
    if (value == NULL || strncasecmp(value, type, sizeof(type) - 1) != 0)
        return false;
    char next = value[sizeof(type) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

/* "text/csv" (RFC 7111), optionally with parameters. */
static bool content_type_csv(const char *value)
{
    static const char type[] = "text/csv";
    if (value == NULL || strncasecmp(value, type, sizeof(type) - 1) != 0)
        return false;
    char next = value[sizeof(type) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

/* JSON routes: size and media type. A body sent to another route is only
 * signed over (its hash is in the canonical string), never read. */
static bool check_body(api_call *call, platform_api_body body)
{
    if (body == PLATFORM_API_BODY_NONE)
        return true;
    if (body == PLATFORM_API_BODY_ORDER) {
        call->writes_deferred = true; /* group commit (order_commit.c) */
        const char *type = http_request_header(call->request, "Content-Type");
        call->body_is_csv = content_type_csv(type);
        if (call->body_len > PLATFORM_BATCH_MAX_BODY) {
            reply_error(call, PLATFORM_API_BATCH_SIZE, 0);
            return false;
        }
        if (!call->body_is_csv && !content_type_json(type)) {
            reply_error(call, PLATFORM_API_UNSUPPORTED_ORDER_MEDIA_TYPE, 0);
            return false;
        }
        return true;
    }
    if (call->body_len > PLATFORM_JSON_MAX_BODY) {
        reply_error(call, PLATFORM_API_BODY_TOO_LARGE, 0);
        return false;
    }
    if (!content_type_json(http_request_header(call->request, "Content-Type"))) {
        reply_error(call, PLATFORM_API_UNSUPPORTED_MEDIA_TYPE, 0);
        return false;
    }
    return true;
}

static bool authenticate(api_call *call)
{
    platform_api *api = call->api;
    http_request *request = call->request;
    platform_signature_headers headers;
    aw_err err = platform_signature_parse_headers(
        http_request_header(request, PLATFORM_HEADER_APP_ID),
        http_request_header(request, PLATFORM_HEADER_TIMESTAMP),
        http_request_header(request, PLATFORM_HEADER_NONCE),
        http_request_header(request, PLATFORM_HEADER_SIGNATURE), &headers);
    if (err == AW_OK)
        err = platform_signature_check_time(headers.timestamp_s, call->now_ms,
                                            api->config.timestamp_window_s);
    char secret[PLATFORM_APP_SECRET_LENGTH + 1] = "";
    if (err == AW_OK)
        err = platform_credential_cache_app(api->credentials, api->config.db, api->config.keys,
                                            headers.app_id, call->now_ms, &call->app, secret);
    if (err == AW_OK) {
        platform_signed_request signed_request = {
            .method = http_method_name(http_request_method(request)),
            .path = http_request_path(request),
            .query = http_request_query(request),
            .app_id = headers.app_id,
            .timestamp = headers.timestamp,
            .nonce = headers.nonce,
            .body = call->body,
            .body_len = call->body_len,
        };
        /* the app's suite picks the scheme (issue 8, platform_suite.h) */
        err = platform_signature_verify_app(
            call->app.suite, http_request_header(request, PLATFORM_HEADER_SIGNATURE_ALGORITHM),
            &signed_request, secret, headers.signature);
    }
    OPENSSL_cleanse(secret, sizeof(secret));
    /* With a daily quota, the nonce and the quota commit together, once
     * (one WAL sync on SQLite, one commit on PostgreSQL, instead of two),
     * before any answer: a refused call still spends its nonce. Inside a
     * caller's transaction (api_orders.c) they commit with it; without the
     * lock (BEGIN failed) each commits alone. Without a quota the nonce is
     * the only write and commits alone anyway. */
    db_connection *db = api->config.db;
    /* POST /api/v1/orders leaves both to its order's group commit
     * (order_commit.c): recorded in the batch's transaction, or alone when
     * the chain refuses the call after this step */
    bool deferred = call->writes_deferred;
    bool own = !deferred && err == AW_OK && call->app.limits.daily_quota > 0 &&
               !db_in_transaction(db) && db_begin(db) == AW_OK;
    /* remembered until no request with this timestamp can pass the window */
    int64_t nonce_expires_at_ms =
        err == AW_OK ? (headers.timestamp_s + api->config.timestamp_window_s + 1) * 1000 : 0;
    if (err == AW_OK && deferred) {
        call->deferred_nonce = headers.nonce;
        call->deferred_nonce_expires_at_ms = nonce_expires_at_ms;
    } else if (err == AW_OK) {
        err = platform_nonce_record(api->config.db, headers.app_id, headers.nonce,
                                    nonce_expires_at_ms, call->now_ms);
    }
    if (err == AW_OK && !call->app.enabled)
        err = AW_ERR_PLATFORM_APP_DISABLED;
    int64_t retry_after_s = 0;
    if (err == AW_OK)
        err = platform_rate_limiter_take(api->limiter, call->app.app_id, &call->app.limits,
                                         call->now_ms, &retry_after_s);
    if (err == AW_OK && deferred)
        call->deferred_quota = true;
    else if (err == AW_OK)
        err = platform_quota_take(api->config.db, call->app.app_id, &call->app.limits,
                                  api->config.quota_utc_offset_minutes, call->now_ms,
                                  &retry_after_s);
    aw_err committed = own ? db_commit(db) : AW_OK;
    if (err == AW_OK) /* a refusal stands whatever the commit does */
        err = committed;
    if (err != AW_OK) {
        reply_error(call, platform_api_error_from_err(err), retry_after_s);
        return false;
    }
    return true;
}

/* Authorization: Bearer <token> (RFC 6750 2.1) of the signing app. */
static bool authenticate_bearer(api_call *call)
{
    const char *value = http_request_header(call->request, "Authorization");
    static const char scheme[] = "Bearer ";
    if (value == NULL || strncasecmp(value, scheme, sizeof(scheme) - 1) != 0) {
        reply_error(call, PLATFORM_API_TOKEN_MISSING, 0);
        return false;
    }
    const char *token = value + sizeof(scheme) - 1;
    platform_credential_token facts;
    aw_err err = platform_credential_cache_token(call->api->credentials, call->api->config.db,
                                                 token, call->now_ms, &facts);
    if (err == AW_OK && strcmp(facts.app_id, call->app.app_id) != 0)
        err = AW_ERR_PLATFORM_TOKEN_INVALID; /* a token only works for its own app */
    if (err == AW_OK)
        call->token_expires_at_ms = facts.expires_at_ms;
    if (err == AW_OK) /* a console session acts as its user (api_rbac.c) */
        err = platform_api_session_user(call, token, &facts);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return false;
    }
    return true;
}

/* The chain's second run for a call whose writes committed (below): the
 * call as the first run left it, its writes done. */
static bool resume_call(platform_api *api, http_request *request, api_call *call)
{
    if (api->resuming == NULL || api->resuming->request != request)
        return false;
    *call = *api->resuming;
    api->resuming = NULL;
    call->writes_deferred = false;
    call->deferred_nonce = NULL;
    call->deferred_quota = false;
    return true;
}

bool platform_api_run_chain(platform_api *api, http_request *request, api_call *call,
                           platform_api_body body, bool bearer)
{
    if (resume_call(api, request, call))
        return true;
    /* With committer threads every route's chain leaves its nonce and
     * quota to the shared commit of orders (order_commit.c), instead of a
     * commit and sync of its own on the loop thread that holds every other
     * call meanwhile: the request waits deferred, and the handler runs again
     * once they committed (resume_call above). POST /api/v1/orders defers
     * them in check_body and commits its order with them. */
    bool takes_calls = body != PLATFORM_API_BODY_ORDER &&
                       platform_order_committer_takes_calls(api->order_committer);
    if (!begin_call(api, request, call))
        return false;
    call->writes_deferred = takes_calls;
    /* last, the route's permission against the caller's role (api_rbac.c) */
    bool passed = check_body(call, body) &&
                  (platform_api_console_call(call) /* the browser console's, api_console.c */
                       ? platform_api_console_authenticate(call, bearer)
                       : authenticate(call) && (!bearer || authenticate_bearer(call))) &&
                  platform_api_authorize(call);
    if (!takes_calls)
        return passed;
    if (!passed) { /* a refused call still spends its nonce (and quota) */
        platform_order_commit_refuse(api->order_committer, call);
        return false;
    }
    if (!platform_order_commit_call_has_writes(call))
        return true; /* a console session's call: nothing was deferred */
    platform_order_commit_submit_call(api->order_committer, call);
    return false;
}

static bool run_chain(platform_api *api, http_request *request, api_call *call, bool has_body,
                      bool bearer)
{
    return platform_api_run_chain(api, request, call,
                                  has_body ? PLATFORM_API_BODY_JSON : PLATFORM_API_BODY_NONE,
                                  bearer);
}

/* ---- Handlers ------------------------------------------------------------- */

static json_t *token_pair_json(const platform_token_pair *pair, int64_t now_ms)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:I}", "accessToken", pair->access_token, "tokenType",
                     "Bearer", "expiresIn", (json_int_t)((pair->access_expires_at_ms - now_ms) / 1000),
                     "refreshToken", pair->refresh_token, "refreshExpiresIn",
                     (json_int_t)((pair->refresh_expires_at_ms - now_ms) / 1000));
}

/* POST /api/v1/auth/token */
static void handle_token(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!run_chain(api, request, &call, true, false))
        return;
    platform_token_request body;
    aw_err err = platform_json_parse_token_request(call.body, call.body_len, &body);
    char secret[PLATFORM_APP_SECRET_LENGTH + 1] = "";
    platform_app app;
    if (err == AW_OK && strcmp(body.app_id, call.app.app_id) != 0)
        err = AW_ERR_PLATFORM_CREDENTIALS; /* must be the signing app */
    if (err == AW_OK)
        err = platform_credential_cache_app(api->credentials, api->config.db, api->config.keys,
                                            body.app_id, call.now_ms, &app, secret);
    if (err == AW_OK && (strlen(body.app_secret) != PLATFORM_APP_SECRET_LENGTH ||
                         CRYPTO_memcmp(body.app_secret, secret, PLATFORM_APP_SECRET_LENGTH) != 0))
        err = AW_ERR_PLATFORM_CREDENTIALS;
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(&body, sizeof(body));
    if (err == AW_ERR_PLATFORM_CREDENTIALS) /* recorded, refused whatever the record did */
        (void)platform_api_audit(&call, "token.issue", NULL, AUDIT_OUTCOME_FAILURE, NULL);
    platform_token_pair pair;
    if (err == AW_OK)
        err = platform_token_issue(api->config.db, call.app.app_id, api->config.access_ttl_s * 1000,
                                   api->config.refresh_ttl_s * 1000, call.now_ms, &pair);
    /* a pair is handed out only once its issue is recorded */
    if (err == AW_OK &&
        (err = platform_api_audit(&call, "token.issue", NULL, AUDIT_OUTCOME_SUCCESS, NULL)) !=
            AW_OK) {
        bool revoked = false;
        (void)platform_token_revoke(api->config.db, call.app.app_id, pair.access_token,
                                    call.now_ms, &revoked);
        OPENSSL_cleanse(&pair, sizeof(pair));
    }
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, token_pair_json(&pair, call.now_ms));
    OPENSSL_cleanse(&pair, sizeof(pair));
}

/* POST /api/v1/auth/refresh */
static void handle_refresh(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!run_chain(api, request, &call, true, false))
        return;
    char token[PLATFORM_TOKEN_LENGTH + 1];
    aw_err err = platform_json_parse_token_member(call.body, call.body_len, "refreshToken", token);
    /* a console session is not refreshed (its pair would lose its user):
     * the console logs in again */
    bool is_session = false;
    if (err == AW_OK)
        err = platform_user_session_is_refresh(api->config.db, token, &is_session);
    if (err == AW_OK && is_session)
        err = AW_ERR_PLATFORM_TOKEN_INVALID;
    platform_token_pair pair;
    if (err == AW_OK)
        err = platform_token_refresh(api->config.db, call.app.app_id, token,
                                     api->config.access_ttl_s * 1000,
                                     api->config.refresh_ttl_s * 1000, call.now_ms, &pair);
    OPENSSL_cleanse(token, sizeof(token));
    if (err == AW_OK &&
        (err = platform_api_audit(&call, "token.refresh", NULL, AUDIT_OUTCOME_SUCCESS, NULL)) !=
            AW_OK) {
        bool revoked = false;
        (void)platform_token_revoke(api->config.db, call.app.app_id, pair.access_token,
                                    call.now_ms, &revoked);
        OPENSSL_cleanse(&pair, sizeof(pair));
    }
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, token_pair_json(&pair, call.now_ms));
    OPENSSL_cleanse(&pair, sizeof(pair));
}

/* POST /api/v1/auth/revoke */
static void handle_revoke(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!run_chain(api, request, &call, true, true))
        return;
    char token[PLATFORM_TOKEN_LENGTH + 1];
    aw_err err = platform_json_parse_token_member(call.body, call.body_len, "token", token);
    bool revoked = false;
    if (err == AW_OK)
        err = platform_token_revoke(api->config.db, call.app.app_id, token, call.now_ms, &revoked);
    OPENSSL_cleanse(token, sizeof(token));
    if (err == AW_OK && revoked)
        err = platform_api_audit(&call, "token.revoke", NULL, AUDIT_OUTCOME_SUCCESS, NULL);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, json_pack("{s:b}", "revoked", revoked));
}

/* GET /api/v1/ping: who the platform thinks is calling (app, tenant acted
 * on, role; a console session's user). */
static void handle_ping(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!run_chain(api, request, &call, false, true))
        return;
    json_t *root = json_pack("{s:s, s:s, s:s, s:I, s:I}", "appId", call.app.app_id, "tenant",
                             call.app.tenant, "role", platform_role_name(call.role),
                             "tokenExpiresAt", (json_int_t)call.token_expires_at_ms,
                             "serverTime", (json_int_t)call.now_ms);
    /* a console session names its user (api_rbac.c) */
    if (root != NULL && call.username[0] != '\0' &&
        json_object_set_new(root, "username", json_string(call.username)) != 0) {
        json_decref(root);
        root = NULL;
    }
    platform_api_reply_json(&call, root);
}

/* What no route takes (core's fallback): a path the API does not have, I1006
 * 404; a known path with another method, I1005 405, with the Allow header
 * core set (RFC 9110 15.5.6). Nothing else is checked. */
static void handle_unrouted(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    if (platform_api_terminal_info_dispatch(api, request) || /* api_terminal_info.c */
        platform_api_orders_dispatch(api, request) ||
        platform_api_callbacks_dispatch(api, request) || platform_api_query_dispatch(api, request) ||
        platform_api_exceptions_dispatch(api, request) ||
        platform_api_device_lock_dispatch(api, request) || /* api_device_lock.c */
        platform_api_card_ops_dispatch(api, request) ||
        platform_api_indicators_dispatch(api, request) || /* api_indicators.c */
        platform_api_users_dispatch(api, request) || /* api_users.c */
        platform_api_console_dispatch(api, request)) /* api_console.c */
        return;
    api_call call;
    if (!begin_call(api, request, &call))
        return;
    reply_error(&call,
                http_request_allowed_methods(request) != 0 ? PLATFORM_API_METHOD_NOT_ALLOWED
                                                           : PLATFORM_API_UNKNOWN_ROUTE,
                0);
}

void platform_api_reply_method_not_allowed(platform_api *api, http_request *request,
                                           const char *allow)
{
    api_call call;
    if (!begin_call(api, request, &call))
        return;
    (void)http_request_add_header(request, "Allow", allow);
    reply_error(&call, PLATFORM_API_METHOD_NOT_ALLOWED, 0);
}

/* ---- Setup ---------------------------------------------------------------- */

static const struct {
    const char *path;
    aw_http_method method;
    http_handler handler;
} routes[] = {
    {"/api/v1/auth/token", AW_HTTP_METHOD_POST, handle_token},
    {"/api/v1/auth/refresh", AW_HTTP_METHOD_POST, handle_refresh},
    {"/api/v1/auth/revoke", AW_HTTP_METHOD_POST, handle_revoke},
    {"/api/v1/auth/login", AW_HTTP_METHOD_POST, platform_api_handle_login}, /* api_rbac.c */
    {"/api/v1/audit", AW_HTTP_METHOD_GET, platform_api_handle_audit}, /* api_audit.c */
    {"/api/v1/ping", AW_HTTP_METHOD_GET, handle_ping},
    {"/api/v1/orders", AW_HTTP_METHOD_POST, platform_api_handle_order_create},
    {"/api/v1/orders", AW_HTTP_METHOD_GET, platform_api_handle_order_list}, /* api_order_list.c */
    {"/api/v1/callbacks", AW_HTTP_METHOD_POST, platform_api_handle_callback_register},
    {"/api/v1/callbacks", AW_HTTP_METHOD_GET, platform_api_handle_callback_list},
    {"/api/v1/callbacks/dead-letters", AW_HTTP_METHOD_GET, platform_api_handle_dead_letters},
    {"/api/v1/profile-limit", AW_HTTP_METHOD_GET, platform_api_handle_profile_limit_get},
    {"/api/v1/profile-limit", AW_HTTP_METHOD_PUT, platform_api_handle_profile_limit_put},
    {"/api/v1/location-policy", AW_HTTP_METHOD_GET, platform_api_handle_location_policy_get},
    {"/api/v1/location-policy", AW_HTTP_METHOD_PUT, platform_api_handle_location_policy_put},
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

static int64_t default_clock(void *userdata)
{
    (void)userdata;
    return db_clock_ms();
}

/* The order committer's connections: those before the first NULL, each
 * distinct and not the loop's; SIZE_MAX when one is not. */
static size_t order_db_count(const platform_api_config *config)
{
    size_t n = 0;
    while (n < PLATFORM_ORDER_COMMIT_THREADS_MAX && config->order_db[n] != NULL) {
        if (config->order_db[n] == config->db) /* one connection, two threads */
            return SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (config->order_db[i] == config->order_db[n])
                return SIZE_MAX;
        n++;
    }
    return n;
}

aw_err platform_api_new(http_server *server, const platform_api_config *config,
                        platform_api **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (server == NULL || config == NULL || config->db == NULL || config->keys == NULL ||
        config->order_commit_delay_ms > PLATFORM_ORDER_COMMIT_DELAY_MAX_MS ||
        order_db_count(config) == SIZE_MAX ||
        config->timestamp_window_s < 0 || config->access_ttl_s < 0 || config->refresh_ttl_s < 0 ||
        config->quota_utc_offset_minutes < -QUOTA_OFFSET_MAX_MINUTES ||
        config->quota_utc_offset_minutes > QUOTA_OFFSET_MAX_MINUTES ||
        config->console_login_rate_per_minute < 0 ||
        config->console_login_rate_per_minute > PLATFORM_LIMIT_MAX ||
        config->console_login_burst < 0 || config->console_login_burst > PLATFORM_LIMIT_MAX ||
        (config->credential_cache_ms != PLATFORM_CREDENTIAL_CACHE_OFF &&
         (config->credential_cache_ms < 0 ||
          config->credential_cache_ms > PLATFORM_CREDENTIAL_CACHE_MAX_MS)))
        return AW_ERR_ARGUMENT;
    platform_api *api = calloc(1, sizeof(*api));
    if (api == NULL)
        return AW_ERR_NOMEM;
    api->config = *config;
    if (api->config.clock == NULL)
        api->config.clock = default_clock;
    if (api->config.timestamp_window_s == 0)
        api->config.timestamp_window_s = PLATFORM_DEFAULT_WINDOW_S;
    if (api->config.access_ttl_s == 0)
        api->config.access_ttl_s = PLATFORM_DEFAULT_ACCESS_TTL_S;
    if (api->config.refresh_ttl_s == 0)
        api->config.refresh_ttl_s = PLATFORM_DEFAULT_REFRESH_TTL_S;
    if (api->config.console_login_rate_per_minute == 0)
        api->config.console_login_rate_per_minute = PLATFORM_CONSOLE_LOGIN_RATE_DEFAULT;
    if (api->config.console_login_burst == 0)
        api->config.console_login_burst = PLATFORM_CONSOLE_LOGIN_BURST_DEFAULT;
    if (api->config.credential_cache_ms == 0)
        api->config.credential_cache_ms = PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS;
    api->last_purge_ms = api->config.clock(api->config.clock_userdata);
    aw_err err = platform_rate_limiter_new(&api->limiter);
    if (err == AW_OK) /* api_console.c */
        err = platform_rate_limiter_new(&api->login_limiter);
    if (err == AW_OK) /* answers counted for the indicators (indicators_calls.c) */
        err = platform_call_counts_new(&api->call_counts);
    if (err == AW_OK && api->config.credential_cache_ms != PLATFORM_CREDENTIAL_CACHE_OFF)
        err = platform_credential_cache_new(PLATFORM_CREDENTIAL_CACHE_ENTRIES,
                                            api->config.credential_cache_ms, &api->credentials);
    for (size_t i = 0; err == AW_OK && i < ROUTE_COUNT; i++)
        err = http_server_route(server, routes[i].method, routes[i].path, routes[i].handler, api);
    if (err == AW_OK)
        err = platform_api_query_routes(server, api);
    if (err == AW_OK)
        err = http_server_set_fallback(server, handle_unrouted, api);
    if (err == AW_OK) /* POST /api/v1/orders' group commit (order_commit.c) */
        err = platform_order_committer_new(api, http_server_event_base(server),
                                           config->order_commit_delay_ms, config->order_db,
                                           order_db_count(config), &api->order_committer);
    if (err != AW_OK) {
        platform_api_free(api);
        return err;
    }
    *out = api;
    return AW_OK;
}

void platform_api_free(platform_api *api)
{
    if (api == NULL)
        return;
    platform_order_committer_free(api->order_committer); /* before the connection goes */
    platform_api_exception_flush(api); /* refusals counted, not yet added */
    platform_rate_limiter_free(api->limiter);
    platform_rate_limiter_free(api->login_limiter);
    if (api->call_counts != NULL) /* what is held goes to the database first */
        (void)platform_call_counts_flush(api->call_counts, api->config.db);
    platform_call_counts_free(api->call_counts);
    platform_credential_cache_free(api->credentials);
    free(api);
}
