/* airwrite platform: the write-order routes of the northbound API
 * (《物联网 eSIM 空中写卡技术应用服务规范》 写卡申请 and 进度查询):
 *   POST /api/v1/orders                 create (JSON or CSV, Idempotency-Key)
 *   GET  /api/v1/orders/{id}            the order and its progress
 *   GET  /api/v1/orders/{id}/items      items, paged (limit, cursor, status)
 *   POST /api/v1/orders/{id}/cancel
 *   POST /api/v1/orders/{id}/retry      failed items back to pending
 * (GET /api/v1/orders, the list, is api_order_list.c.)
 * Every route runs the whole chain of api.c (signature, limits, bearer
 * token) and sees only the calling app's tenant: another tenant's order is
 * A2001 404, as one that does not exist. docs/openapi.yaml is exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto.h"
#include "platform/order_commit.h"
#include "platform/platform_internal.h"

#define ORDERS_PREFIX "/api/v1/orders/"
#define CURSOR_DIGITS_MAX 18u

json_t *platform_api_order_json(const platform_order *order)
{
    json_t *progress = json_object();
    static const char *const names[5] = {"pending", "inProgress", "written", "failed",
                                         "cancelled"};
    for (size_t i = 0; progress != NULL && i < 5; i++)
        json_object_set_new(progress, names[i], json_integer(order->progress[i]));
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:I, s:o, s:I, s:I}", "orderId", order->order_id, "status",
        order->status,
        order->target_kind == PLATFORM_TARGET_PROFILE_TYPE ? "profileType" : "numberPool",
        order->target, "itemCount", (json_int_t)order->item_count, "progress", progress,
        "createdAt", (json_int_t)order->created_at_ms, "updatedAt",
        (json_int_t)order->updated_at_ms);
    if (root != NULL && order->idempotency_key[0] != '\0' &&
        json_object_set_new(root, "idempotencyKey", json_string(order->idempotency_key)) != 0) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* A string that JSON carries as it is (RFC 8259 7): printable ASCII
 * without quote or backslash. */
static bool json_plain(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

bool platform_api_order_json_text(const platform_order *o, char *out, size_t cap, size_t *len)
{
    *len = 0;
    const char *target_name =
        o->target_kind == PLATFORM_TARGET_PROFILE_TYPE ? "profileType" : "numberPool";
    if (!json_plain(o->order_id) || !json_plain(o->status) || !json_plain(o->target) ||
        !json_plain(o->idempotency_key))
        return false;
    bool key = o->idempotency_key[0] != '\0';
    int n = snprintf(out, cap,
                     "{\"orderId\":\"%s\",\"status\":\"%s\",\"%s\":\"%s\",\"itemCount\":%lld,"
                     "\"progress\":{\"pending\":%lld,\"inProgress\":%lld,\"written\":%lld,"
                     "\"failed\":%lld,\"cancelled\":%lld},\"createdAt\":%lld,\"updatedAt\":%lld"
                     "%s%s%s}",
                     o->order_id, o->status, target_name, o->target, (long long)o->item_count,
                     (long long)o->progress[0], (long long)o->progress[1],
                     (long long)o->progress[2], (long long)o->progress[3],
                     (long long)o->progress[4], (long long)o->created_at_ms,
                     (long long)o->updated_at_ms, key ? ",\"idempotencyKey\":\"" : "",
                     o->idempotency_key, key ? "\"" : "");
    if (n < 0 || (size_t)n >= cap)
        return false;
    *len = (size_t)n;
    return true;
}

static platform_api_error line_error_code(platform_line_error error)
{
    switch (error) {
    case PLATFORM_LINE_DUPLICATE_EID: return PLATFORM_API_DUPLICATE_EID;
    case PLATFORM_LINE_MALFORMED: return PLATFORM_API_MALFORMED_LINE;
    case PLATFORM_LINE_INVALID_EID: break;
    }
    return PLATFORM_API_INVALID_EID;
}

/* 400 with the first line's code and every reported line in "errors". */
static void reply_batch_errors(api_call *call, const platform_batch *batch)
{
    json_t *errors = json_array();
    for (size_t i = 0; errors != NULL && i < batch->error_count; i++) {
        const platform_api_error_info *info =
            platform_api_error_get(line_error_code(batch->errors[i].error));
        json_array_append_new(errors, json_pack("{s:I, s:s, s:s}", "line",
                                                (json_int_t)batch->errors[i].line, "code",
                                                info->code, "message", info->message));
    }
    platform_api_reply_error_details(call, line_error_code(batch->errors[0].error), 0, errors);
}

/* 409 A7401 with every line whose EID is over its profile count limit in
 * "errors", as reply_batch_errors names the lines of A1001..A1003. The
 * refused order rolled back: each EID is counted again as it stands, plus
 * the one item the order would have added (duplicates were refused A1002).
 * No line found (the count moved meanwhile): no "errors". */
static void reply_limit_errors(api_call *call, const platform_batch *batch)
{
    db_connection *db = call->api->config.db;
    const platform_api_error_info *info = platform_api_error_get(PLATFORM_API_PROFILE_LIMIT);
    platform_profile_limit limit;
    json_t *errors = json_array();
    aw_err err = platform_profile_limit_get(db, call->app.tenant, &limit);
    for (size_t i = 0; err == AW_OK && errors != NULL && limit.enabled && i < batch->count &&
                       json_array_size(errors) < PLATFORM_BATCH_MAX_ERRORS;
         i++) {
        int64_t installed = 0, in_flight = 0;
        err = platform_profile_limit_count(db, batch->eids[i], &installed, &in_flight);
        if (err == AW_OK && installed + in_flight + 1 > limit.max_profiles)
            json_array_append_new(errors, json_pack("{s:I, s:s, s:s}", "line",
                                                    (json_int_t)batch->lines[i], "code",
                                                    info->code, "message", info->message));
    }
    if (errors != NULL && json_array_size(errors) == 0) {
        json_decref(errors);
        errors = NULL;
    }
    platform_api_reply_error_details(call, PLATFORM_API_PROFILE_LIMIT, 0, errors);
}

/* CSV orders name their target in the query: exactly one parameter,
 * profileType or numberPool. */
static aw_err csv_target(api_call *call, platform_batch *batch)
{
    const char *query = http_request_query(call->request);
    if (query == NULL || strchr(query, '&') != NULL)
        return AW_ERR_PLATFORM_FIELD;
    const char *value = NULL;
    platform_target_kind kind = PLATFORM_TARGET_PROFILE_TYPE;
    aw_err err = http_request_query_parameter(call->request, "profileType", &value);
    if (err == AW_ERR_NOT_FOUND) {
        kind = PLATFORM_TARGET_NUMBER_POOL;
        err = http_request_query_parameter(call->request, "numberPool", &value);
    }
    if (err != AW_OK || !platform_target_valid(value))
        return AW_ERR_PLATFORM_FIELD;
    batch->target_kind = kind;
    snprintf(batch->target, sizeof(batch->target), "%s", value);
    return AW_OK;
}

/* What makes two requests "the same" for Idempotency-Key: media type,
 * query and body (the signed parts that carry the order). */
static aw_err request_hash(const api_call *call, uint8_t hash[CRYPTO_SHA256_SIZE])
{
    const char *query = http_request_query(call->request);
    size_t query_len = query != NULL ? strlen(query) : 0;
    size_t len = 5 + query_len + 1 + call->body_len;
    uint8_t *data = malloc(len);
    if (data == NULL)
        return AW_ERR_NOMEM;
    memcpy(data, call->body_is_csv ? "csv\n\0" : "json\n", 5);
    if (query_len > 0)
        memcpy(data + 5, query, query_len);
    data[5 + query_len] = '\n';
    if (call->body_len > 0)
        memcpy(data + 6 + query_len, call->body, call->body_len);
    aw_err err = crypto_sha256(data, len, hash);
    free(data);
    return err;
}

/* The order a call carries: Idempotency-Key form, the CSV or JSON batch
 * (line errors kept in *batch for the answer), the request hash. Nothing
 * here touches the database: the order waits for its group commit
 * (order_commit.c). */
static aw_err order_parse(api_call *call, const char *key, platform_batch **batch,
                          uint8_t hash[CRYPTO_SHA256_SIZE])
{
    *batch = NULL;
    if (key != NULL && !platform_idempotency_key_valid(key))
        return AW_ERR_PLATFORM_FIELD;
    aw_err err = AW_OK;
    if (call->body_is_csv) {
        err = platform_batch_parse_csv(call->body, call->body_len, batch);
        /* the target first: a request without one is malformed whatever
         * its lines hold */
        if (*batch != NULL) {
            aw_err target_err = csv_target(call, *batch);
            if (target_err != AW_OK)
                err = target_err;
        }
    } else {
        err = http_request_query(call->request) != NULL
                  ? AW_ERR_PLATFORM_FIELD /* JSON orders carry everything in the body */
                  : platform_batch_parse_json(call->body, call->body_len, batch);
    }
    if (err == AW_OK)
        err = request_hash(call, hash);
    return err;
}

void platform_api_order_answer(api_call *call, aw_err err, int64_t retry_after_s,
                               const platform_batch *batch, const platform_order *order,
                               bool created)
{
    if (err == AW_ERR_PLATFORM_EID && batch != NULL && batch->error_count > 0) {
        reply_batch_errors(call, batch);
        return;
    }
    if (err == AW_ERR_PLATFORM_PROFILE_LIMIT && batch != NULL) {
        reply_limit_errors(call, batch);
        return;
    }
    if (err != AW_OK) {
        platform_api_reply_error_details(call, platform_api_error_from_err(err), retry_after_s,
                                         NULL);
        return;
    }
    /* a repeat answers with the original order (as Stripe's
     * Idempotent-Replayed convention, draft-ietf-httpapi-idempotency-key-header) */
    if (!created)
        (void)http_request_add_header(call->request, "Idempotent-Replayed", "true");
    /* the answer to nearly every order written as it is, without building
     * and dumping a tree (a share of the order path's CPU); an order whose
     * strings would need escaping goes through jansson */
    char text[PLATFORM_ORDER_JSON_TEXT_MAX];
    size_t len = 0;
    if (platform_api_order_json_text(order, text, sizeof(text), &len))
        platform_api_reply_text(call, 200, text, len);
    else
        platform_api_reply_json(call, platform_api_order_json(order));
}

/* POST /api/v1/orders: the chain and the order's parsing here, then the
 * group commit (order_commit.c): the call's nonce and quota, the order and
 * its audit record commit with the other orders waiting, in one
 * transaction and one sync (bench/bench_api_orders.c), and the order is
 * answered only once committed. A refusal by the chain stands alone. */
void platform_api_handle_order_create(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    platform_order_submission submission;
    memset(&submission, 0, sizeof(submission));
    if (!platform_api_run_chain(api, request, &submission.call, PLATFORM_API_BODY_ORDER, true)) {
        platform_order_commit_refuse(api->order_committer, &submission.call);
        return;
    }
    submission.idempotency_key = http_request_header(request, "Idempotency-Key");
    submission.refused = order_parse(&submission.call, submission.idempotency_key,
                                     &submission.batch, submission.request_hash);
    platform_order_commit_submit(api->order_committer, &submission);
}

/* ---- /api/v1/orders/{id}... ---------------------------------------------- */

typedef enum order_action {
    ACTION_GET = 0,
    ACTION_ITEMS,
    ACTION_CANCEL,
    ACTION_RETRY,
} order_action;

static const struct {
    const char *suffix; /* after the id: "" or "/items", ... */
    aw_http_method method;
} actions[] = {
    [ACTION_GET] = {"", AW_HTTP_METHOD_GET},
    [ACTION_ITEMS] = {"/items", AW_HTTP_METHOD_GET},
    [ACTION_CANCEL] = {"/cancel", AW_HTTP_METHOD_POST},
    [ACTION_RETRY] = {"/retry", AW_HTTP_METHOD_POST},
};

/* limit, cursor and status of GET .../items; AW_ERR_PLATFORM_FIELD. */
static aw_err items_query(http_request *request, size_t *limit, int64_t *after_id,
                          const char **status)
{
    *limit = PLATFORM_ITEMS_PAGE_DEFAULT;
    *after_id = 0;
    *status = NULL;
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
        *after_id = (int64_t)strtoll(value, NULL, 10);
    } else if (err != AW_ERR_NOT_FOUND) {
        return AW_ERR_PLATFORM_FIELD;
    }
    err = http_request_query_parameter(request, "status", status);
    if (err == AW_ERR_NOT_FOUND) {
        *status = NULL;
        return AW_OK;
    }
    if (err != AW_OK || !platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_ORDER_ITEM, *status))
        return AW_ERR_PLATFORM_FIELD;
    return AW_OK;
}

static void handle_items(api_call *call, const char *order_id)
{
    size_t limit = 0;
    int64_t after_id = 0;
    const char *status = NULL;
    aw_err err = items_query(call->request, &limit, &after_id, &status);
    platform_order_item *items = NULL;
    size_t count = 0;
    bool more = false;
    if (err == AW_OK)
        err = platform_order_list_items(call->api->config.db, call->app.tenant, order_id, status,
                                        after_id, limit, &items, &count, &more);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++) {
        json_t *item = json_pack("{s:s, s:I, s:s, s:I}", "eid", items[i].eid, "line",
                                 (json_int_t)items[i].line, "status", items[i].status,
                                 "updatedAt", (json_int_t)items[i].updated_at_ms);
        if (item != NULL && items[i].error_code[0] != '\0')
            json_object_set_new(item, "errorCode", json_string(items[i].error_code));
        if (item != NULL && items[i].started_at_ms != 0)
            json_object_set_new(item, "startedAt", json_integer(items[i].started_at_ms));
        if (item != NULL && items[i].finished_at_ms != 0)
            json_object_set_new(item, "finishedAt", json_integer(items[i].finished_at_ms));
        json_array_append_new(list, item);
    }
    char cursor[24];
    if (more)
        snprintf(cursor, sizeof(cursor), "%lld", (long long)items[count - 1].id);
    free(items);
    platform_api_reply_json(call, json_pack("{s:o, s:o}", "items", list, "nextCursor",
                                            more ? json_string(cursor) : json_null()));
}

static void handle_action(api_call *call, order_action action, const char *order_id)
{
    db_connection *db = call->api->config.db;
    platform_order order;
    int64_t retried = 0;
    aw_err err = AW_OK;
    switch (action) {
    case ACTION_ITEMS:
        handle_items(call, order_id);
        return;
    case ACTION_GET:
        err = platform_order_get(db, call->app.tenant, order_id, &order);
        break;
    case ACTION_CANCEL:
        err = platform_order_cancel(db, call->app.tenant, order_id, call->app.app_id,
                                    call->now_ms, &order);
        break;
    case ACTION_RETRY:
        err = platform_order_retry(db, call->app.tenant, order_id, call->app.app_id,
                                   call->now_ms, &order, &retried);
        break;
    }
    /* who cancelled or retried, refused or not (api_rbac.c); an unknown
     * order is not an action */
    if ((action == ACTION_CANCEL || action == ACTION_RETRY) &&
        err != AW_ERR_PLATFORM_ORDER_UNKNOWN)
        (void)platform_api_audit(call, action == ACTION_CANCEL ? "order.cancel" : "order.retry",
                                 order_id,
                                 err == AW_OK ? AUDIT_OUTCOME_SUCCESS : AUDIT_OUTCOME_FAILURE,
                                 NULL);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    json_t *root = platform_api_order_json(&order);
    if (root != NULL && action == ACTION_RETRY &&
        json_object_set_new(root, "retried", json_integer(retried)) != 0) {
        json_decref(root);
        root = NULL;
    }
    platform_api_reply_json(call, root);
}

bool platform_api_orders_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    size_t prefix = sizeof(ORDERS_PREFIX) - 1;
    if (http_request_allowed_methods(request) != 0 || strncmp(path, ORDERS_PREFIX, prefix) != 0)
        return false;
    const char *id = path + prefix;
    size_t id_len = strcspn(id, "/");
    if (id_len == 0 || id_len > PLATFORM_ORDER_ID_LENGTH)
        return false;
    const char *suffix = id + id_len;
    size_t action = 0;
    while (action < sizeof(actions) / sizeof(actions[0]) &&
           strcmp(actions[action].suffix, suffix) != 0)
        action++;
    if (action == sizeof(actions) / sizeof(actions[0]))
        return false;
    if (http_request_method(request) != actions[action].method) {
        /* a known path with another method: 405 with Allow (RFC 9110
         * 15.5.6), as core answers for exact routes; nothing else checked */
        platform_api_reply_method_not_allowed(api, request,
                                              http_method_name(actions[action].method));
        return true;
    }
    api_call call;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    memcpy(order_id, id, id_len);
    order_id[id_len] = '\0';
    if (platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        handle_action(&call, (order_action)action, order_id);
    return true;
}
