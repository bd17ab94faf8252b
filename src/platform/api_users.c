/* airwrite platform: the console users over the API (T/CA group standard,
 * security management: user and role management by the security
 * administrator, every change audited; docs/rbac.md "Console users and
 * logins"):
 *   GET  /api/v1/users                   users.read: platform_admin and
 *                                        security_officer; the users of the
 *                                        tenant acted on, by name, filtered
 *                                        by role, a page at a time
 *   POST /api/v1/users                   security.manage: a new user of the
 *                                        tenant acted on (user.create)
 *   POST /api/v1/users/{username}/role   security.manage: a new role
 *                                        (user.role)
 * Tenants are isolated as elsewhere: a user of another tenant answers
 * A7501 like one that does not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/inventory_internal.h"
#include "platform/platform_internal.h"

#define USERS_PATH "/api/v1/users"
#define ROLE_SUFFIX "/role"

static json_t *user_json(const platform_user *u)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "username", u->username, "tenant",
                     u->tenant, "role", platform_role_name(u->role), "enabled", u->enabled,
                     "createdAt", (json_int_t)u->created_at_ms, "updatedAt",
                     (json_int_t)u->updated_at_ms);
}

/* The API error of a users' store failure. */
static void reply_users_err(api_call *call, aw_err err)
{
    switch (err) {
    case AW_ERR_NOT_FOUND:
        platform_api_reply_error_details(call, PLATFORM_API_USER_UNKNOWN, 0, NULL);
        return;
    case AW_ERR_STATE:
        platform_api_reply_error_details(call, PLATFORM_API_USER_EXISTS, 0, NULL);
        return;
    case AW_ERR_PASSWORD_TOO_SHORT:
    case AW_ERR_PASSWORD_TOO_LONG:
    case AW_ERR_PASSWORD_ENCODING:
    case AW_ERR_PASSWORD_USER_NAME:
    case AW_ERR_PASSWORD_COMMON:
        platform_api_reply_error_details(call, PLATFORM_API_USER_PASSWORD_POLICY, 0, NULL);
        return;
    default:
        platform_api_reply_err(call, err);
    }
}

/* user.create / user.role of target user:NAME. */
static aw_err users_audit(api_call *call, const char *action, const char *username,
                          json_t *details)
{
    char target[PLATFORM_USERNAME_MAX + 6];
    snprintf(target, sizeof(target), "user:%s", username);
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(details);
    if (text == NULL)
        return AW_ERR_NOMEM;
    aw_err err = platform_api_audit(call, action, target, AUDIT_OUTCOME_SUCCESS, text);
    free(text);
    return err;
}

/* GET /api/v1/users?role=&limit=&cursor= */
static void handle_list(api_call *call)
{
    static const char *const allowed[] = {"role", "limit", "cursor", NULL};
    http_request *request = call->request;
    aw_err err = inventory_query_names_allowed(http_request_query(request), allowed)
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    const char *value = NULL;
    platform_role role = 0;
    if (err == AW_OK && http_request_query_parameter(request, "role", &value) == AW_OK &&
        (role = platform_role_from_name(value)) == 0)
        err = AW_ERR_PLATFORM_FIELD;
    size_t limit = PLATFORM_USER_PAGE_DEFAULT;
    if (err == AW_OK && http_request_query_parameter(request, "limit", &value) == AW_OK) {
        size_t len = strlen(value);
        if (len == 0 || len > 3 || strspn(value, "0123456789") != len || value[0] == '0' ||
            strtoul(value, NULL, 10) > PLATFORM_USER_PAGE_MAX)
            err = AW_ERR_PLATFORM_FIELD;
        else
            limit = strtoul(value, NULL, 10);
    }
    const char *cursor = NULL;
    if (err == AW_OK && http_request_query_parameter(request, "cursor", &cursor) == AW_OK &&
        !platform_username_valid(cursor))
        err = AW_ERR_PLATFORM_FIELD;
    platform_user *users = NULL;
    size_t count = 0;
    /* one more than asked: whether a next page exists */
    if (err == AW_OK)
        err = platform_user_list(call->api->config.db, call->app.tenant, role, cursor,
                                 limit + 1, &users, &count);
    json_t *list = err == AW_OK ? json_array() : NULL;
    if (err == AW_OK && list == NULL)
        err = AW_ERR_NOMEM;
    for (size_t i = 0; err == AW_OK && i < count && i < limit; i++)
        if (json_array_append_new(list, user_json(&users[i])) != 0)
            err = AW_ERR_NOMEM;
    json_t *next =
        err == AW_OK && count > limit ? json_string(users[limit - 1].username) : json_null();
    free(users);
    if (err != AW_OK) {
        json_decref(list);
        json_decref(next);
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, json_pack("{s:o, s:o}", "users", list, "nextCursor", next));
}

/* POST /api/v1/users {"username", "role", "password"} */
static void handle_create(api_call *call)
{
    static const char *const allowed[] = {"username", "role", "password", NULL};
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(call->body, call->body_len, PLATFORM_JSON_MAX_BODY,
                                            allowed, &root);
    const json_t *u = json_object_get(root, "username");
    const json_t *r = json_object_get(root, "role");
    const json_t *p = json_object_get(root, "password");
    if (err == AW_OK &&
        (!json_is_string(u) || !platform_username_valid(json_string_value(u)) ||
         !json_is_string(r) || platform_role_from_name(json_string_value(r)) == 0 ||
         !json_is_string(p) || json_string_length(p) == 0 ||
         json_string_length(p) > PASSWORD_BYTES_MAX))
        err = AW_ERR_PLATFORM_FIELD;
    platform_user user;
    if (err == AW_OK)
        err = platform_user_create(call->api->config.db, json_string_value(u), call->app.tenant,
                                   platform_role_from_name(json_string_value(r)),
                                   json_string_value(p), call->api->config.password_parameters,
                                   call->now_ms, &user);
    if (json_is_string(p)) /* the password never outlives the call */
        OPENSSL_cleanse((char *)json_string_value(p), json_string_length(p));
    json_decref(root);
    if (err == AW_OK)
        err = users_audit(call, "user.create", user.username,
                          json_pack("{s:s}", "role", platform_role_name(user.role)));
    if (err != AW_OK) {
        reply_users_err(call, err);
        return;
    }
    platform_api_reply_json(call, user_json(&user));
}

/* POST /api/v1/users/{username}/role {"role"} */
static void handle_role(api_call *call, const char *username)
{
    static const char *const allowed[] = {"role", NULL};
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(call->body, call->body_len, PLATFORM_JSON_MAX_BODY,
                                            allowed, &root);
    const json_t *r = json_object_get(root, "role");
    platform_role role = json_is_string(r) ? platform_role_from_name(json_string_value(r)) : 0;
    if (err == AW_OK && role == 0)
        err = AW_ERR_PLATFORM_FIELD;
    json_decref(root);
    platform_user user;
    if (err == AW_OK)
        err = platform_user_get(call->api->config.db, username, &user);
    if (err == AW_OK && strcmp(user.tenant, call->app.tenant) != 0)
        err = AW_ERR_NOT_FOUND; /* another tenant's user: as one that does not exist */
    platform_role from = user.role;
    if (err == AW_OK)
        err = platform_user_set_role(call->api->config.db, username, role, call->now_ms);
    if (err == AW_OK)
        err = platform_user_get(call->api->config.db, username, &user);
    if (err == AW_OK)
        err = users_audit(call, "user.role", username,
                          json_pack("{s:s, s:s}", "from", platform_role_name(from), "to",
                                    platform_role_name(role)));
    if (err != AW_OK) {
        reply_users_err(call, err);
        return;
    }
    platform_api_reply_json(call, user_json(&user));
}

bool platform_api_users_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    static const char prefix[] = USERS_PATH "/";
    if (path == NULL || http_request_allowed_methods(request) != 0)
        return false;
    bool list = strcmp(path, USERS_PATH) == 0;
    char username[PLATFORM_USERNAME_MAX + 1] = "";
    if (!list) {
        /* /api/v1/users/{username}/role: one segment, then /role */
        if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
            return false;
        const char *name = path + sizeof(prefix) - 1;
        size_t len = strcspn(name, "/");
        if (len == 0 || strcmp(name + len, ROLE_SUFFIX) != 0)
            return false;
        /* a name too long or malformed is no user: A7501 after the chain */
        if (len <= PLATFORM_USERNAME_MAX)
            memcpy(username, name, len);
        username[len <= PLATFORM_USERNAME_MAX ? len : 0] = '\0';
    }
    aw_http_method method = http_request_method(request);
    if (!(method == AW_HTTP_METHOD_POST || (list && method == AW_HTTP_METHOD_GET))) {
        platform_api_reply_method_not_allowed(api, request, list ? "GET, POST" : "POST");
        return true;
    }
    api_call call;
    bool post = method == AW_HTTP_METHOD_POST;
    if (!platform_api_run_chain(api, request, &call,
                                post ? PLATFORM_API_BODY_JSON : PLATFORM_API_BODY_NONE, true))
        return true;
    if (!list)
        handle_role(&call, username);
    else if (post)
        handle_create(&call);
    else
        handle_list(&call);
    return true;
}
