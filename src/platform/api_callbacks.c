/* airwrite platform: the callback routes of the northbound API
 * (docs/api-callbacks.md):
 *   POST   /api/v1/callbacks                           register a URL, secret, events
 *   GET    /api/v1/callbacks                           the app's callbacks
 *   DELETE /api/v1/callbacks/{id}                      unregister
 *   GET    /api/v1/callbacks/dead-letters              the tenant's dead letters, paged
 *   POST   /api/v1/callbacks/dead-letters/{id}/replay  deliver again
 * Every route runs the whole chain of api.c, bearer token included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/platform_internal.h"

#define CALLBACKS_PREFIX "/api/v1/callbacks/"
#define DEAD_LETTERS_PREFIX "/api/v1/callbacks/dead-letters/"
#define REPLAY_SUFFIX "/replay"
#define CURSOR_DIGITS_MAX 18u

static json_t *callback_json(const platform_callback *cb)
{
    json_t *events = json_array();
    for (unsigned bit = 1; events != NULL && bit <= PLATFORM_EVENT_ALL; bit <<= 1)
        if ((cb->events & bit) != 0)
            json_array_append_new(events,
                                  json_string(platform_event_type_name((platform_event_type)bit)));
    return json_pack("{s:s, s:s, s:o, s:I}", "callbackId", cb->callback_id, "url", cb->url,
                     "events", events, "createdAt", (json_int_t)cb->created_at_ms);
}

/* {"url", "secret", "events": [names]}; the secret's copy inside jansson
 * is erased before it is freed. */
static aw_err parse_register(const uint8_t *body, size_t len, char *url, char *secret,
                             unsigned *events)
{
    static const char *const allowed[] = {"url", "secret", "events", NULL};
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, &root);
    if (err != AW_OK)
        return err;
    const json_t *u = json_object_get(root, "url");
    const json_t *s = json_object_get(root, "secret");
    const json_t *e = json_object_get(root, "events");
    *events = 0;
    if (!json_is_string(u) || json_string_length(u) > PLATFORM_CALLBACK_URL_MAX ||
        !json_is_string(s) || json_string_length(s) != PLATFORM_CALLBACK_SECRET_LENGTH ||
        !json_is_array(e) || json_array_size(e) == 0)
        err = AW_ERR_PLATFORM_FIELD;
    for (size_t i = 0; err == AW_OK && i < json_array_size(e); i++) {
        platform_event_type type =
            platform_event_type_from_name(json_string_value(json_array_get(e, i)));
        if (type == 0 || (*events & (unsigned)type) != 0)
            err = AW_ERR_PLATFORM_FIELD; /* unknown or repeated */
        *events |= (unsigned)type;
    }
    if (err == AW_OK) {
        memcpy(url, json_string_value(u), json_string_length(u) + 1);
        memcpy(secret, json_string_value(s), PLATFORM_CALLBACK_SECRET_LENGTH + 1);
    }
    if (json_is_string(s))
        OPENSSL_cleanse((char *)json_string_value(s), json_string_length(s));
    json_decref(root);
    return err;
}

/* POST /api/v1/callbacks */
void platform_api_handle_callback_register(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_JSON, true))
        return;
    char url[PLATFORM_CALLBACK_URL_MAX + 1];
    char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    unsigned events = 0;
    aw_err err = parse_register(call.body, call.body_len, url, secret, &events);
    platform_callback cb;
    if (err == AW_OK)
        err = platform_callback_register(api->config.db, api->config.keys, &call.app, url, secret,
                                         events, call.now_ms, &cb);
    OPENSSL_cleanse(secret, sizeof(secret));
    /* a callback carries a signing secret: recorded (never the secret) */
    if (err == AW_OK)
        (void)platform_api_audit(&call, "callback.register", cb.callback_id,
                                 AUDIT_OUTCOME_SUCCESS, NULL);
    if (err == AW_ERR_STATE) {
        platform_api_reply_error_details(&call, PLATFORM_API_CALLBACK_EXISTS, 0, NULL);
        return;
    }
    if (err == AW_ERR_LIMIT) {
        platform_api_reply_error_details(&call, PLATFORM_API_CALLBACK_LIMIT, 0, NULL);
        return;
    }
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, callback_json(&cb));
}

/* GET /api/v1/callbacks */
void platform_api_handle_callback_list(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    platform_callback *list = NULL;
    size_t count = 0;
    aw_err err = platform_callback_list(api->config.db, call.app.app_id, &list, &count);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; items != NULL && i < count; i++)
        json_array_append_new(items, callback_json(&list[i]));
    free(list);
    platform_api_reply_json(&call, json_pack("{s:o}", "callbacks", items));
}

static aw_err page_query(http_request *request, size_t *limit, int64_t *after)
{
    *limit = PLATFORM_ITEMS_PAGE_DEFAULT;
    *after = 0;
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, "limit", &value);
    if (err == AW_OK) {
        size_t n = strlen(value);
        if (n == 0 || n > 4 || strspn(value, "0123456789") != n || value[0] == '0')
            return AW_ERR_PLATFORM_FIELD;
        *limit = (size_t)strtoul(value, NULL, 10);
        if (*limit > PLATFORM_ITEMS_PAGE_MAX)
            return AW_ERR_PLATFORM_FIELD;
    } else if (err != AW_ERR_NOT_FOUND) {
        return AW_ERR_PLATFORM_FIELD;
    }
    err = http_request_query_parameter(request, "cursor", &value);
    if (err == AW_OK) {
        size_t n = strlen(value);
        if (n == 0 || n > CURSOR_DIGITS_MAX || strspn(value, "0123456789") != n)
            return AW_ERR_PLATFORM_FIELD;
        *after = (int64_t)strtoll(value, NULL, 10);
    } else if (err != AW_ERR_NOT_FOUND) {
        return AW_ERR_PLATFORM_FIELD;
    }
    return AW_OK;
}

/* GET /api/v1/callbacks/dead-letters */
void platform_api_handle_dead_letters(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    size_t limit = 0;
    int64_t after = 0;
    aw_err err = page_query(request, &limit, &after);
    platform_dead_letter *list = NULL;
    size_t count = 0;
    bool more = false;
    if (err == AW_OK)
        err = platform_dead_letter_list(api->config.db, call.app.tenant, after, limit, &list,
                                        &count, &more);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; items != NULL && i < count; i++)
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "deliveryId",
                             list[i].delivery_id, "callbackId", list[i].callback_id, "eventId",
                             list[i].event_id, "type", list[i].event_type, "attempts",
                             (json_int_t)list[i].attempts, "lastStatus",
                             (json_int_t)list[i].last_status, "failedAt",
                             (json_int_t)list[i].failed_at_ms));
    char cursor[24];
    if (more)
        snprintf(cursor, sizeof(cursor), "%lld", (long long)list[count - 1].seq);
    free(list);
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "deadLetters", items, "nextCursor",
                                             more ? json_string(cursor) : json_null()));
}

static bool id_in_path(const char *start, size_t len, char *out, size_t size)
{
    if (len == 0 || len >= size || memchr(start, '/', len) != NULL)
        return false;
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

bool platform_api_callbacks_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    /* paths with exact routes (a 405 there) are core's and api.c's */
    if (http_request_allowed_methods(request) != 0 ||
        strncmp(path, CALLBACKS_PREFIX, sizeof(CALLBACKS_PREFIX) - 1) != 0)
        return false;
    char id[PLATFORM_DELIVERY_ID_LENGTH + 1];
    bool replay = false;
    if (strncmp(path, DEAD_LETTERS_PREFIX, sizeof(DEAD_LETTERS_PREFIX) - 1) == 0) {
        const char *start = path + sizeof(DEAD_LETTERS_PREFIX) - 1;
        size_t len = strlen(start);
        size_t suffix = sizeof(REPLAY_SUFFIX) - 1;
        if (len <= suffix || strcmp(start + len - suffix, REPLAY_SUFFIX) != 0 ||
            !id_in_path(start, len - suffix, id, sizeof(id)))
            return false;
        replay = true;
    } else {
        const char *start = path + sizeof(CALLBACKS_PREFIX) - 1;
        if (!id_in_path(start, strlen(start), id, sizeof(id)))
            return false;
    }
    aw_http_method method = replay ? AW_HTTP_METHOD_POST : AW_HTTP_METHOD_DELETE;
    if (http_request_method(request) != method) {
        platform_api_reply_method_not_allowed(api, request, http_method_name(method));
        return true;
    }
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return true;
    aw_err err = replay ? platform_dead_letter_replay(api->config.db, call.app.tenant, id,
                                                      call.now_ms)
                        : platform_callback_delete(api->config.db, call.app.app_id, id);
    if (err == AW_OK) /* api_rbac.c */
        (void)platform_api_audit(&call, replay ? "dead_letter.replay" : "callback.delete", id,
                                 AUDIT_OUTCOME_SUCCESS, NULL);
    if (err == AW_ERR_NOT_FOUND) {
        platform_api_reply_error_details(
            &call, replay ? PLATFORM_API_DEAD_LETTER_UNKNOWN : PLATFORM_API_CALLBACK_UNKNOWN, 0,
            NULL);
        return true;
    }
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return true;
    }
    platform_api_reply_json(&call, replay ? json_pack("{s:s, s:s}", "deliveryId", id, "status",
                                                      "pending")
                                          : json_pack("{s:s, s:b}", "callbackId", id,
                                                      "deleted", 1));
    return true;
}
