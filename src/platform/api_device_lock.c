/* airwrite platform: the card-device locking routes of the northbound API
 * (机卡互锁; platform_device_lock.h, docs/device-lock.md):
 *   GET    /api/v1/cards/{eid}/device-binding          the binding and its lock
 *   PUT    /api/v1/cards/{eid}/device-binding          {"device": IMEI|IMEISV|TAC}
 *   DELETE /api/v1/cards/{eid}/device-binding          unbind (not while locked); answers the
 *                                                      binding removed
 *   POST   /api/v1/cards/{eid}/device-binding/lock     lock by hand
 *   POST   /api/v1/cards/{eid}/device-binding/unlock   lift the lock
 *   GET    /api/v1/profiles/{iccid}/device-binding     a profile's binding
 *   PUT    /api/v1/profiles/{iccid}/device-binding     {"device": IMEI|IMEISV|TAC}
 *   DELETE /api/v1/profiles/{iccid}/device-binding     unbind; answers the binding removed
 * Every route runs the whole chain of api.c (permissions: rbac.c, unlock
 * needs device_binding.unlock, the others device_binding.manage or
 * cards.read) and sees only the tenant acted on; every change is audited
 * with its actor. docs/openapi.yaml is exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/device_lock_internal.h"

#define CARDS_PREFIX "/api/v1/cards/"
#define PROFILES_PREFIX "/api/v1/profiles/"
#define BINDING_SEGMENT "/device-binding"

typedef enum binding_route {
    ROUTE_BINDING = 0,
    ROUTE_LOCK,
    ROUTE_UNLOCK,
} binding_route;

static json_t *binding_json(const platform_device_binding *b)
{
    json_t *root = json_pack("{s:s, s:s, s:b, s:b, s:s, s:I, s:I}", "eid", b->eid, "device",
                             b->device, "locked", b->locked, "atEim", b->synced, "boundBy",
                             b->bound_by, "createdAt", (json_int_t)b->created_at_ms, "updatedAt",
                             (json_int_t)b->updated_at_ms);
    if (root != NULL && b->locked) {
        json_object_set_new(root, "lockCause", json_string(b->lock_cause));
        json_object_set_new(root, "lockedBy", json_string(b->locked_by));
        json_object_set_new(root, "lockedAt", json_integer(b->locked_at_ms));
        if (b->exception_id[0] != '\0')
            json_object_set_new(root, "exceptionId", json_string(b->exception_id));
    }
    return root;
}

/* "app:<appId>" or "user:<username>", as the audit log names the actor. */
static void actor_of(const api_call *call, char out[PLATFORM_DEVICE_ACTOR_MAX + 1])
{
    if (call->username[0] != '\0')
        snprintf(out, PLATFORM_DEVICE_ACTOR_MAX + 1, "user:%s", call->username);
    else
        snprintf(out, PLATFORM_DEVICE_ACTOR_MAX + 1, "app:%s", call->app.app_id);
}

/* {"device": "..."}: one member, a string. */
static aw_err parse_device(const api_call *call, char device[PLATFORM_DEVICE_TEXT_MAX + 1])
{
    json_error_t error;
    json_t *root = json_loadb((const char *)call->body, call->body_len, JSON_REJECT_DUPLICATES,
                              &error);
    aw_err err = root == NULL ? AW_ERR_PLATFORM_JSON : AW_OK;
    const json_t *value = root != NULL ? json_object_get(root, "device") : NULL;
    if (err == AW_OK && (!json_is_object(root) || json_object_size(root) != 1 ||
                         !json_is_string(value)))
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK && json_string_length(value) > PLATFORM_DEVICE_TEXT_MAX)
        err = AW_ERR_DEVICE_IDENTITY_FORMAT;
    if (err == AW_OK)
        snprintf(device, PLATFORM_DEVICE_TEXT_MAX + 1, "%s", json_string_value(value));
    json_decref(root);
    return err;
}

static void audit(api_call *call, const char *action, const char *eid, audit_outcome outcome,
                  json_t *details)
{
    char target[PLATFORM_EID_DIGITS + 8];
    snprintf(target, sizeof(target), "eid:%s", eid);
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(details);
    (void)platform_api_audit(call, action, target, outcome, text);
    free(text);
}

static void handle_put(api_call *call, const char *eid)
{
    char device[PLATFORM_DEVICE_TEXT_MAX + 1], actor[PLATFORM_DEVICE_ACTOR_MAX + 1];
    platform_device_binding before, after;
    actor_of(call, actor);
    aw_err err = parse_device(call, device);
    aw_err had = err == AW_OK ? platform_device_binding_get(call->api->config.db,
                                                            call->app.tenant, eid, &before)
                              : AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    if (err == AW_OK)
        err = platform_device_binding_set(call->api->config.db, call->app.tenant, eid, device,
                                          actor, call->now_ms, &after);
    if (err == AW_OK)
        audit(call, "device_binding.bind", eid, AUDIT_OUTCOME_SUCCESS,
              json_pack("{s:s, s:s?}", "device", device, "previous",
                        had == AW_OK ? before.device : NULL));
    else if (err == AW_ERR_PLATFORM_DEVICE_LOCKED)
        audit(call, "device_binding.bind", eid, AUDIT_OUTCOME_DENIED,
              json_pack("{s:s}", "reason", "locked"));
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, binding_json(&after));
}

static void handle_get(api_call *call, const char *eid)
{
    platform_device_binding b;
    aw_err err = platform_device_binding_get(call->api->config.db, call->app.tenant, eid, &b);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, binding_json(&b));
}

static void handle_delete(api_call *call, const char *eid)
{
    platform_device_binding b;
    db_connection *db = call->api->config.db;
    aw_err err = platform_device_binding_get(db, call->app.tenant, eid, &b);
    if (err == AW_OK)
        err = platform_device_binding_remove(db, call->app.tenant, eid, call->now_ms);
    if (err == AW_OK || err == AW_ERR_PLATFORM_DEVICE_LOCKED)
        audit(call, "device_binding.unbind", eid,
              err == AW_OK ? AUDIT_OUTCOME_SUCCESS : AUDIT_OUTCOME_DENIED,
              json_pack("{s:s}", "device", b.device));
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, binding_json(&b));
}

static void handle_lock(api_call *call, const char *eid, bool lock)
{
    db_connection *db = call->api->config.db;
    char actor[PLATFORM_DEVICE_ACTOR_MAX + 1];
    platform_device_binding b;
    actor_of(call, actor);
    aw_err err = lock ? platform_device_lock(db, call->app.tenant, eid, "manual", "", actor,
                                             call->now_ms)
                      : platform_device_unlock(db, call->app.tenant, eid, call->now_ms, &b);
    if (err == AW_OK)
        audit(call, lock ? "device_binding.lock" : "device_binding.unlock", eid,
              AUDIT_OUTCOME_SUCCESS,
              lock ? json_pack("{s:s}", "cause", "manual")
                   : json_pack("{s:s, s:s, s:s?}", "cause", b.lock_cause, "lockedBy",
                               b.locked_by, "exceptionId",
                               b.exception_id[0] != '\0' ? b.exception_id : NULL));
    if (err == AW_OK)
        err = platform_device_binding_get(db, call->app.tenant, eid, &b);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, binding_json(&b));
}

/* ---- /api/v1/profiles/{iccid}/device-binding (device_lock_profile.c) ---- */

static json_t *profile_binding_json(const platform_profile_binding *b)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I}", "iccid", b->iccid, "device", b->device,
                     "boundBy", b->bound_by, "createdAt", (json_int_t)b->created_at_ms,
                     "updatedAt", (json_int_t)b->updated_at_ms);
}

static void profile_audit(api_call *call, const char *action, const char *iccid, json_t *details)
{
    char target[PLATFORM_ICCID_MAX + 8];
    snprintf(target, sizeof(target), "iccid:%s", iccid);
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(details);
    (void)platform_api_audit(call, action, target, AUDIT_OUTCOME_SUCCESS, text);
    free(text);
}

static void handle_profile(api_call *call, aw_http_method method, const char *iccid)
{
    db_connection *db = call->api->config.db;
    const char *tenant = call->app.tenant;
    platform_profile_binding before, after;
    aw_err had = platform_profile_binding_get(db, tenant, iccid, &before);
    aw_err err = had;
    if (method == AW_HTTP_METHOD_PUT) {
        char device[PLATFORM_DEVICE_TEXT_MAX + 1], actor[PLATFORM_DEVICE_ACTOR_MAX + 1];
        actor_of(call, actor);
        err = parse_device(call, device);
        if (err == AW_OK)
            err = platform_profile_binding_set(db, tenant, iccid, device, actor, call->now_ms,
                                               &after);
        if (err == AW_OK)
            profile_audit(call, "device_binding.bind", iccid,
                          json_pack("{s:s, s:s?}", "device", device, "previous",
                                    had == AW_OK ? before.device : NULL));
    } else if (method == AW_HTTP_METHOD_DELETE && err == AW_OK) {
        err = platform_profile_binding_remove(db, tenant, iccid);
        if (err == AW_OK)
            profile_audit(call, "device_binding.unbind", iccid,
                          json_pack("{s:s}", "device", before.device));
        after = before;
    } else {
        after = before;
    }
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, profile_binding_json(&after));
}

static bool dispatch_profile(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    size_t prefix = sizeof(PROFILES_PREFIX) - 1;
    if (strncmp(path, PROFILES_PREFIX, prefix) != 0)
        return false;
    const char *iccid_start = path + prefix;
    size_t iccid_len = strcspn(iccid_start, "/");
    if (iccid_len == 0 || iccid_len > PLATFORM_ICCID_MAX ||
        strcmp(iccid_start + iccid_len, BINDING_SEGMENT) != 0)
        return false;
    aw_http_method method = http_request_method(request);
    if (method != AW_HTTP_METHOD_GET && method != AW_HTTP_METHOD_PUT &&
        method != AW_HTTP_METHOD_DELETE) {
        platform_api_reply_method_not_allowed(api, request, "GET, PUT, DELETE");
        return true;
    }
    char iccid[PLATFORM_ICCID_MAX + 1];
    memcpy(iccid, iccid_start, iccid_len);
    iccid[iccid_len] = '\0';
    api_call call;
    if (!platform_api_run_chain(api, request, &call,
                                method == AW_HTTP_METHOD_PUT ? PLATFORM_API_BODY_JSON
                                                             : PLATFORM_API_BODY_NONE,
                                true))
        return true;
    handle_profile(&call, method, iccid);
    return true;
}

bool platform_api_device_lock_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    size_t prefix = sizeof(CARDS_PREFIX) - 1;
    if (http_request_allowed_methods(request) != 0)
        return false;
    if (dispatch_profile(api, request))
        return true;
    if (strncmp(path, CARDS_PREFIX, prefix) != 0)
        return false;
    const char *eid_start = path + prefix;
    size_t eid_len = strcspn(eid_start, "/");
    const char *rest = eid_start + eid_len;
    size_t segment = sizeof(BINDING_SEGMENT) - 1;
    if (eid_len == 0 || eid_len > PLATFORM_EID_DIGITS ||
        strncmp(rest, BINDING_SEGMENT, segment) != 0)
        return false;
    const char *tail = rest + segment;
    binding_route route;
    if (tail[0] == '\0')
        route = ROUTE_BINDING;
    else if (strcmp(tail, "/lock") == 0)
        route = ROUTE_LOCK;
    else if (strcmp(tail, "/unlock") == 0)
        route = ROUTE_UNLOCK;
    else
        return false;
    aw_http_method method = http_request_method(request);
    bool allowed = route == ROUTE_BINDING
                       ? method == AW_HTTP_METHOD_GET || method == AW_HTTP_METHOD_PUT ||
                             method == AW_HTTP_METHOD_DELETE
                       : method == AW_HTTP_METHOD_POST;
    if (!allowed) {
        platform_api_reply_method_not_allowed(api, request,
                                              route == ROUTE_BINDING ? "GET, PUT, DELETE"
                                                                     : "POST");
        return true;
    }
    char eid[PLATFORM_EID_DIGITS + 1];
    memcpy(eid, eid_start, eid_len);
    eid[eid_len] = '\0';
    api_call call;
    bool put = method == AW_HTTP_METHOD_PUT;
    if (!platform_api_run_chain(api, request, &call,
                                put ? PLATFORM_API_BODY_JSON : PLATFORM_API_BODY_NONE, true))
        return true;
    if (route == ROUTE_LOCK || route == ROUTE_UNLOCK)
        handle_lock(&call, eid, route == ROUTE_LOCK);
    else if (put)
        handle_put(&call, eid);
    else if (method == AW_HTTP_METHOD_DELETE)
        handle_delete(&call, eid);
    else
        handle_get(&call, eid);
    return true;
}
