/* airwrite platform: the router's authorization step and the platform's
 * security audit (T/CA group standard, security management: roles and
 * permissions on every API route, tenants isolated, an audit record of
 * every security-relevant action; docs/rbac.md):
 *   - platform_api_authorize, the last step of api.c's chain: the route's
 *     permission from rbac.c's table (none: refused, fail closed) against
 *     the caller's role, then the tenant the call acts on;
 *   - console sessions: a bearer token bound to a user gives the call the
 *     user's role and tenant;
 *   - POST /api/v1/auth/login: username + password (scrypt, throttled) ->
 *     an access token of the signing app bound to the user;
 *   - platform_api_audit: core's hash-chained audit log (core/audit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/credential_cache.h"

#define TENANT_PARAMETER "tenant"
#define DETAILS_PATH_MAX 256u /* bytes of the request path kept in a refusal's details */

static const audit_options default_audit = {.suite = CRYPTO_SUITE_INTERNATIONAL};

static const audit_options *audit_options_of(const platform_api *api)
{
    return api->config.audit != NULL ? api->config.audit : &default_audit;
}

aw_err platform_api_audit(api_call *call, const char *action, const char *target,
                          audit_outcome outcome, const char *details)
{
    return platform_api_audit_on(call->api->config.db, call, action, target, outcome, details);
}

/* The audit event of call (*text: its details, to be freed). */
static aw_err event_of(api_call *call, const char *action, const char *target,
                       audit_outcome outcome, const char *details, audit_event *event,
                       char **text)
{
    *text = NULL;
    /* a console user acts through an app; a cross-tenant role names its own
     * tenant beside the one acted on */
    bool user = call->username[0] != '\0';
    bool other_tenant =
        call->home_tenant[0] != '\0' && strcmp(call->home_tenant, call->app.tenant) != 0;
    if (details != NULL || user || other_tenant) {
        json_t *object = details != NULL ? json_loads(details, 0, NULL) : json_object();
        if (object == NULL || !json_is_object(object)) {
            json_decref(object);
            return AW_ERR_ARGUMENT;
        }
        if (user)
            json_object_set_new(object, "appId", json_string(call->app.app_id));
        if (other_tenant)
            json_object_set_new(object, "actorTenant", json_string(call->home_tenant));
        *text = json_dumps(object, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(object);
        if (*text == NULL)
            return AW_ERR_NOMEM;
    }
    *event = (audit_event){
        .actor_type = user ? AUDIT_ACTOR_USER : AUDIT_ACTOR_APP,
        .actor_id = user ? call->username : call->app.app_id,
        .actor_role = platform_role_name(call->role),
        .tenant = call->app.tenant,
        .action = action,
        .target = target,
        .outcome = outcome,
        .source_address = http_request_peer_address(call->request),
        .request_id = call->request_id,
        .details = *text != NULL ? *text : "{}", /* an app's own call, no details */
    };
    return AW_OK;
}

aw_err platform_api_audit_on(db_connection *db, api_call *call, const char *action,
                             const char *target, audit_outcome outcome, const char *details)
{
    audit_event event;
    char *text = NULL;
    aw_err err = event_of(call, action, target, outcome, details, &event, &text);
    if (err == AW_OK)
        err = audit_append(db, audit_options_of(call->api), &event, call->now_ms, NULL);
    free(text);
    return err;
}

aw_err platform_api_audit_many_on(db_connection *db, api_call *const *calls,
                                  const char *const *targets, size_t count, const char *action,
                                  audit_outcome outcome)
{
    if (count == 0)
        return AW_OK;
    audit_event *events = calloc(count, sizeof(*events));
    int64_t *times = calloc(count, sizeof(*times));
    char **texts = calloc(count, sizeof(*texts));
    aw_err err = events != NULL && times != NULL && texts != NULL ? AW_OK : AW_ERR_NOMEM;
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        err = event_of(calls[i], action, targets[i], outcome, NULL, &events[i], &texts[i]);
        times[i] = calls[i]->now_ms;
    }
    if (err == AW_OK)
        err = audit_append_many(db, audit_options_of(calls[0]->api), events, times, count, NULL);
    for (size_t i = 0; texts != NULL && i < count; i++)
        free(texts[i]);
    free(texts);
    free(times);
    free(events);
    return err;
}

/* 403 I2201, recorded as denied with the route and the permission. */
static void refuse(api_call *call, const char *permission)
{
    const char *path = http_request_path(call->request);
    char kept[DETAILS_PATH_MAX + 1];
    snprintf(kept, sizeof(kept), "%s", path != NULL ? path : "");
    json_t *details = json_pack("{s:s, s:s, s:s}", "method",
                                http_method_name(http_request_method(call->request)), "path",
                                kept, "permission", permission);
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(details);
    /* the refusal stands whether or not its record could be written */
    (void)platform_api_audit(call, "permission.denied", NULL, AUDIT_OUTCOME_DENIED, text);
    free(text);
    platform_api_reply_error_details(call, PLATFORM_API_PERMISSION_DENIED, 0, NULL);
}

aw_err platform_api_session_user(api_call *call, const char *access_token,
                                 const platform_credential_token *token)
{
    platform_user user;
    aw_err err = platform_credential_cache_session(call->api->credentials, call->api->config.db,
                                                   access_token, token, call->now_ms, &user);
    if (err != AW_OK)
        return err;
    if (user.username[0] == '\0')
        return AW_OK; /* the app's own token */
    snprintf(call->username, sizeof(call->username), "%s", user.username);
    snprintf(call->app.tenant, sizeof(call->app.tenant), "%s", user.tenant);
    call->role = user.role;
    return AW_OK;
}

bool platform_api_authorize(api_call *call)
{
    if (call->role == 0) {
        /* not a console session: the app's role */
        aw_err err = platform_credential_cache_role(call->api->credentials, call->api->config.db,
                                                    call->app.app_id, call->now_ms, &call->role);
        if (err != AW_OK) {
            platform_api_reply_err(call, err);
            return false;
        }
    }
    snprintf(call->home_tenant, sizeof(call->home_tenant), "%s", call->app.tenant);
    platform_permission permission = PLATFORM_PERMISSION_SESSION;
    if (platform_route_permission_find(http_request_method(call->request),
                                       http_request_path(call->request),
                                       &permission) != AW_OK) {
        refuse(call, "none"); /* a route without an entry in rbac.c */
        return false;
    }
    if (!platform_role_allows(call->role, permission)) {
        refuse(call, platform_permission_name(permission));
        return false;
    }
    /* the tenant acted on: a malformed query is left to the handler (I1002) */
    const char *tenant = NULL;
    if (http_request_query_parameter(call->request, TENANT_PARAMETER, &tenant) != AW_OK ||
        strcmp(tenant, call->app.tenant) == 0)
        return true;
    if (!platform_role_cross_tenant(call->role)) {
        refuse(call, "tenant.other");
        return false;
    }
    if (!platform_tenant_valid(tenant)) {
        platform_api_reply_err(call, AW_ERR_PLATFORM_FIELD);
        return false;
    }
    snprintf(call->app.tenant, sizeof(call->app.tenant), "%s", tenant);
    return true;
}

/* ---- POST /api/v1/auth/login -------------------------------------------------- */

aw_err platform_json_parse_login(const uint8_t *body, size_t len,
                                 char username[PLATFORM_USERNAME_MAX + 1],
                                 char password[PASSWORD_BYTES_MAX + 1])
{
    static const char *const allowed[] = {"username", "password", NULL};
    if (username != NULL)
        username[0] = '\0';
    if (password != NULL)
        password[0] = '\0';
    if (body == NULL || username == NULL || password == NULL)
        return AW_ERR_ARGUMENT;
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, &root);
    if (err != AW_OK)
        return err;
    const json_t *u = json_object_get(root, "username");
    const json_t *p = json_object_get(root, "password");
    if (!json_is_string(u) || !platform_username_valid(json_string_value(u)) ||
        !json_is_string(p) || json_string_length(p) == 0 ||
        json_string_length(p) > PASSWORD_BYTES_MAX)
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK) {
        memcpy(username, json_string_value(u), json_string_length(u) + 1);
        memcpy(password, json_string_value(p), json_string_length(p) + 1);
    }
    if (json_is_string(p))
        OPENSSL_cleanse((char *)json_string_value(p), json_string_length(p));
    json_decref(root);
    return err;
}

/* The answer of a login: the access token only (a console session is not
 * refreshed: the console logs in again). */
static json_t *session_json(const platform_token_pair *pair, const platform_user *user,
                            int64_t now_ms)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "accessToken", pair->access_token,
                     "tokenType", "Bearer", "expiresIn",
                     (json_int_t)((pair->access_expires_at_ms - now_ms) / 1000), "username",
                     user->username, "tenant", user->tenant, "role",
                     platform_role_name(user->role));
}

static void login_audit(api_call *call, const char *username, const char *action,
                        audit_outcome outcome)
{
    /* the attempt is the user's (named in target), made through the app */
    char target[PLATFORM_USERNAME_MAX + 6];
    snprintf(target, sizeof(target), "user:%s", username);
    (void)platform_api_audit(call, action, target, outcome, NULL);
}

void platform_api_handle_login(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_JSON, false))
        return;
    char username[PLATFORM_USERNAME_MAX + 1] = "";
    char *password = malloc(PASSWORD_BYTES_MAX + 1);
    aw_err err = password != NULL
                     ? platform_json_parse_login(call.body, call.body_len, username, password)
                     : AW_ERR_NOMEM;
    platform_user user;
    int64_t retry_after_s = 0;
    bool locked = false;
    if (err == AW_OK)
        err = platform_user_login(api->config.db, api->config.login_throttle,
                                  api->config.password_parameters, username, password,
                                  http_request_peer_address(request), call.now_ms, &user,
                                  &retry_after_s, &locked);
    if (password != NULL) {
        OPENSSL_cleanse(password, PASSWORD_BYTES_MAX + 1);
        free(password);
    }
    if (err == AW_ERR_THROTTLE_LOCKED) {
        login_audit(&call, username, "user.login", AUDIT_OUTCOME_DENIED);
        platform_api_reply_error_details(&call, PLATFORM_API_LOGIN_LOCKED, retry_after_s, NULL);
        return;
    }
    if (err == AW_ERR_PASSWORD_MISMATCH) {
        login_audit(&call, username, "user.login", AUDIT_OUTCOME_FAILURE);
        if (locked)
            login_audit(&call, username, "user.lockout", AUDIT_OUTCOME_SUCCESS);
        platform_api_reply_error_details(&call, PLATFORM_API_LOGIN_FAILED, 0, NULL);
        return;
    }
    platform_token_pair pair;
    if (err == AW_OK)
        err = platform_token_issue(api->config.db, call.app.app_id,
                                   api->config.access_ttl_s * 1000,
                                   api->config.access_ttl_s * 1000, call.now_ms, &pair);
    if (err == AW_OK) {
        err = platform_user_session_bind(api->config.db, user.username, &pair, call.now_ms);
        if (err != AW_OK) {
            /* never hand out (nor leave working) a pair that would act as the app */
            bool revoked = false;
            (void)platform_token_revoke(api->config.db, call.app.app_id, pair.access_token,
                                        call.now_ms, &revoked);
            OPENSSL_cleanse(&pair, sizeof(pair));
        }
    }
    if (err == AW_OK) {
        snprintf(call.username, sizeof(call.username), "%s", user.username);
        call.role = user.role;
        snprintf(call.app.tenant, sizeof(call.app.tenant), "%s", user.tenant);
        err = platform_api_audit(&call, "user.login", NULL, AUDIT_OUTCOME_SUCCESS, NULL);
        if (err != AW_OK) {
            bool revoked = false;
            (void)platform_token_revoke(api->config.db, call.app.app_id, pair.access_token,
                                        call.now_ms, &revoked);
            OPENSSL_cleanse(&pair, sizeof(pair));
        }
    }
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, session_json(&pair, &user, call.now_ms));
    OPENSSL_cleanse(&pair, sizeof(pair));
}
