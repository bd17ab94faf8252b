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

/* The order in a savepoint of the call's transaction: a failure takes back
 * the order's rows only, the call (its nonce and quota) stays recorded. A
 * concurrent request with the same Idempotency-Key that won the insert
 * (PostgreSQL, READ COMMITTED: its row is visible to the next statement)
 * is answered as a repeat, as platform_order_create does on its own. */
static aw_err create_in_savepoint(db_connection *db, const api_call *call, const char *key,
                                  const uint8_t hash[CRYPTO_SHA256_SIZE],
                                  const platform_batch *batch, platform_order *order,
                                  bool *created)
{
    aw_err err = AW_ERR_DB_UNIQUE;
    for (int attempt = 0; err == AW_ERR_DB_UNIQUE && attempt < 2; attempt++) {
        err = db_execute(db, "SAVEPOINT order_create", NULL, 0, NULL);
        if (err != AW_OK)
            return err;
        err = platform_order_check_target(db, call->app.tenant, key, batch->target_kind,
                                          batch->target, batch->count, call->now_ms);
        if (err == AW_OK)
            err = platform_order_create(db, &call->app, key, hash, batch, call->now_ms, order,
                                        created);
        if (err != AW_OK) {
            aw_err undone = db_execute(db, "ROLLBACK TO SAVEPOINT order_create", NULL, 0, NULL);
            if (undone != AW_OK)
                return undone;
        }
        aw_err released = db_execute(db, "RELEASE SAVEPOINT order_create", NULL, 0, NULL);
        if (released != AW_OK)
            return released;
        if (key == NULL)
            break;
    }
    return err;
}

/* The order of a call that passed the chain; replies to every failure,
 * leaves the success (err AW_OK) to the caller. */
static aw_err order_submit(platform_api *api, api_call *call, bool in_call_transaction,
                           platform_order *order, bool *created)
{
    http_request *request = call->request;
    const char *key = http_request_header(request, "Idempotency-Key");
    aw_err err = key == NULL || platform_idempotency_key_valid(key) ? AW_OK
                                                                     : AW_ERR_PLATFORM_FIELD;
    platform_batch *batch = NULL;
    if (err == AW_OK && call->body_is_csv) {
        err = platform_batch_parse_csv(call->body, call->body_len, &batch);
        /* the target first: a request without one is malformed whatever
         * its lines hold */
        if (batch != NULL) {
            aw_err target_err = csv_target(call, batch);
            if (target_err != AW_OK)
                err = target_err;
        }
    } else if (err == AW_OK) {
        err = http_request_query(request) != NULL
                  ? AW_ERR_PLATFORM_FIELD /* JSON orders carry everything in the body */
                  : platform_batch_parse_json(call->body, call->body_len, &batch);
    }
    if (err == AW_ERR_PLATFORM_EID && batch != NULL && batch->error_count > 0) {
        reply_batch_errors(call, batch);
        platform_batch_free(batch);
        return err;
    }
    uint8_t hash[CRYPTO_SHA256_SIZE];
    if (err == AW_OK)
        err = request_hash(call, hash);
    /* number resources and business scope (scope.c): A4001..A4004 */
    if (err == AW_OK && in_call_transaction) {
        err = create_in_savepoint(api->config.db, call, key, hash, batch, order, created);
    } else if (err == AW_OK) {
        err = platform_order_check_target(api->config.db, call->app.tenant, key,
                                          batch->target_kind, batch->target, batch->count,
                                          call->now_ms);
        if (err == AW_OK)
            err = platform_order_create(api->config.db, &call->app, key, hash, batch,
                                        call->now_ms, order, created);
    }
    platform_batch_free(batch);
    if (err != AW_OK)
        platform_api_reply_err(call, err);
    return err;
}

/* POST /api/v1/orders in one transaction: the chain's writes (nonce, daily
 * quota) and the order's commit together, so a call costs one commit (one
 * WAL sync on SQLite) instead of three (bench/bench_api_orders.c). The
 * order is answered only once committed; a refusal stands whatever the
 * commit does (the call then was not recorded, as if it never came). */
void platform_api_handle_order_create(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    db_connection *db = api->config.db;
    /* no transaction of its own (the lock not had): each step commits alone */
    bool own = !db_in_transaction(db) && db_begin(db) == AW_OK;
    api_call call;
    platform_order order;
    bool created = false;
    aw_err err = AW_ERR_STATE;
    bool passed = platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_ORDER, true);
    if (passed)
        err = order_submit(api, &call, own, &order, &created);
    /* the audit record of who ordered commits with the order (api_rbac.c);
     * without it the order is taken back */
    bool recorded = err != AW_OK || !created ||
                    platform_api_audit(&call, "order.create", order.order_id,
                                       AUDIT_OUTCOME_SUCCESS, NULL) == AW_OK;
    aw_err committed = !own ? AW_OK : recorded ? db_commit(db) : db_rollback(db);
    if (err != AW_OK)
        return; /* refused: answered already */
    if (!recorded)
        committed = AW_ERR_STATE; /* I9001 */
    if (committed != AW_OK) {
        platform_api_reply_err(&call, committed);
        return;
    }
    /* a repeat answers with the original order (as Stripe's
     * Idempotent-Replayed convention, draft-ietf-httpapi-idempotency-key-header) */
    if (!created)
        (void)http_request_add_header(request, "Idempotent-Replayed", "true");
    platform_api_reply_json(&call, platform_api_order_json(&order));
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
