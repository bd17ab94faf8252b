/* airwrite platform: write orders (写卡订单) of 《物联网 eSIM 空中写卡技术应用服务
 * 规范》: one order per request of an app, one item per EID, scoped to the app's
 * tenant; idempotent creation (Idempotency-Key); progress per item status as
 * counters moved with the items (order_progress.c), item start and end times;
 * cancel and retry. States follow lifecycle.c's machines, every change in its
 * history (an order's items' rows all at once: order_history.c). The executor
 * (executor*.c) runs items through platform_order_item_transition; each
 * item's job is queued in the transaction that creates the order or retries
 * it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/hex.h"
#include "platform/order_history.h"
#include "platform/order_progress.h"
#include "platform/platform_internal.h"

const char *const platform_item_statuses[5] = {"pending", "in_progress", "written", "failed",
                                               "cancelled"};

#define ORDER_COLUMNS PLATFORM_ORDER_COLUMNS
/* rows per multi-row INSERT of items: 4 parameters each, DB_MAX_PARAMS in all */
#define ITEMS_PER_INSERT (DB_MAX_PARAMS / 4u)

bool platform_idempotency_key_valid(const char *key)
{
    if (key == NULL)
        return false;
    size_t len = strlen(key);
    return len > 0 && len <= PLATFORM_IDEMPOTENCY_KEY_MAX &&
           strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") ==
               len;
}

static bool order_id_valid(const char *order_id)
{
    return order_id != NULL && strlen(order_id) == PLATFORM_ORDER_ID_LENGTH &&
           strncmp(order_id, "ord_", 4) == 0 &&
           strspn(order_id + 4, "0123456789abcdef") == PLATFORM_ORDER_ID_LENGTH - 4;
}

static bool error_code_valid(const char *code)
{
    return code != NULL && strlen(code) == 5 && strchr("AWIT", code[0]) != NULL &&
           strspn(code + 1, "0123456789") == 4;
}

static const char *target_kind_name(platform_target_kind kind)
{
    return kind == PLATFORM_TARGET_PROFILE_TYPE ? "profileType" : "numberPool";
}

static aw_err copy_column(db_rows *rows, size_t column, char *out, size_t size)
{
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL) {
        out[0] = '\0';
        return AW_OK;
    }
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_OK && strlen(text) >= size)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, strlen(text) + 1);
    return err;
}

aw_err platform_order_read_row(db_rows *rows, platform_order *order)
{
    char kind[16];
    aw_err err = copy_column(rows, 0, order->order_id, sizeof(order->order_id));
    if (err == AW_OK)
        err = copy_column(rows, 1, order->tenant, sizeof(order->tenant));
    if (err == AW_OK)
        err = copy_column(rows, 2, order->app_id, sizeof(order->app_id));
    if (err == AW_OK)
        err = copy_column(rows, 3, order->idempotency_key, sizeof(order->idempotency_key));
    if (err == AW_OK)
        err = copy_column(rows, 4, kind, sizeof(kind));
    if (err == AW_OK)
        err = copy_column(rows, 5, order->target, sizeof(order->target));
    if (err == AW_OK)
        err = copy_column(rows, 6, order->status, sizeof(order->status));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 7, &order->item_count);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &order->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &order->updated_at_ms);
    for (size_t i = 0; err == AW_OK && i < 5; i++)
        err = db_rows_get_int64(rows, 10 + i, &order->progress[i]);
    if (err == AW_OK)
        order->target_kind = strcmp(kind, "profileType") == 0 ? PLATFORM_TARGET_PROFILE_TYPE
                                                              : PLATFORM_TARGET_NUMBER_POOL;
    return err;
}

/* The order row with its progress counters (order_progress.c): one row
 * whatever the order's size. */
static aw_err order_load(db_connection *db, const char *tenant, const char *order_id,
                         platform_order *order)
{
    memset(order, 0, sizeof(*order));
    db_param key[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(tenant)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT " ORDER_COLUMNS " FROM platform_orders WHERE order_id = ? AND "
                          "tenant = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_PLATFORM_ORDER_UNKNOWN;
    if (err == AW_OK)
        err = platform_order_read_row(rows, order);
    db_rows_free(rows);
    return err;
}

aw_err platform_order_get(db_connection *db, const char *tenant, const char *order_id,
                          platform_order *order)
{
    if (db == NULL || tenant == NULL || order == NULL)
        return AW_ERR_ARGUMENT;
    memset(order, 0, sizeof(*order));
    if (!order_id_valid(order_id))
        return AW_ERR_PLATFORM_ORDER_UNKNOWN;
    return order_load(db, tenant, order_id, order);
}

/* ---- Create -------------------------------------------------------------- */

typedef struct create_args {
    const platform_app *app;
    const char *idempotency_key;
    const uint8_t *request_hash;
    const platform_batch *batch;
    int64_t now_ms;
    platform_order *order;
    bool created;
} create_args;

/* The order an earlier request with the same key made: AW_ERR_NOT_FOUND
 * when there is none. */
static aw_err find_idempotent(db_connection *db, create_args *a)
{
    db_param key[] = {DB_PARAM_TEXT(a->app->tenant), DB_PARAM_TEXT(a->idempotency_key)};
    db_rows *rows = NULL;
    bool has_row = false;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1] = "";
    bool same = false;
    aw_err err = db_query(db,
                          "SELECT order_id, request_hash FROM platform_orders WHERE tenant = ? "
                          "AND idempotency_key = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    const uint8_t *hash = NULL;
    size_t hash_len = 0;
    if (err == AW_OK)
        err = copy_column(rows, 0, order_id, sizeof(order_id));
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 1, &hash, &hash_len);
    if (err == AW_OK)
        same = hash_len == CRYPTO_SHA256_SIZE &&
               CRYPTO_memcmp(hash, a->request_hash, CRYPTO_SHA256_SIZE) == 0;
    db_rows_free(rows);
    if (err != AW_OK)
        return err;
    if (!same)
        return AW_ERR_PLATFORM_IDEMPOTENCY;
    a->created = false;
    return order_load(db, a->app->tenant, order_id, a->order);
}

static aw_err insert_items(db_connection *db, const char *order_id, const platform_batch *batch,
                           int64_t now_ms)
{
    static const char head[] =
        "INSERT INTO platform_order_items (order_id, line, eid, status, updated_at) VALUES ";
    static const char row[] = "(?, ?, ?, 'pending', ?)";
    char sql[sizeof(head) + ITEMS_PER_INSERT * (sizeof(row) + 2)];
    db_param params[ITEMS_PER_INSERT * 4];
    aw_err err = AW_OK;
    for (size_t start = 0; err == AW_OK && start < batch->count; start += ITEMS_PER_INSERT) {
        size_t n = batch->count - start < ITEMS_PER_INSERT ? batch->count - start
                                                            : ITEMS_PER_INSERT;
        size_t len = 0;
        memcpy(sql, head, sizeof(head) - 1);
        len = sizeof(head) - 1;
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                sql[len++] = ',';
            memcpy(sql + len, row, sizeof(row) - 1);
            len += sizeof(row) - 1;
            params[i * 4] = DB_PARAM_TEXT(order_id);
            params[i * 4 + 1] = DB_PARAM_INT64((int64_t)batch->lines[start + i]);
            params[i * 4 + 2] = DB_PARAM_TEXT(batch->eids[start + i]);
            params[i * 4 + 3] = DB_PARAM_INT64(now_ms);
        }
        sql[len] = '\0';
        err = db_execute(db, sql, params, n * 4, NULL);
    }
    return err;
}

static aw_err create_in(db_connection *db, void *arg)
{
    create_args *a = arg;
    a->created = false;
    if (a->idempotency_key != NULL) {
        aw_err err = find_idempotent(db, a);
        if (err != AW_ERR_NOT_FOUND)
            return err;
    }
    platform_order *o = a->order;
    memset(o, 0, sizeof(*o));
    /* 48 bits of creation time, then 48 random: ids made one after the
     * other sort together, so the B-tree pages of the indexes on order_id
     * (orders, items, jobs, history) that consecutive orders touch are the
     * same few, and a group commit (order_commit.c) writes each once
     * instead of one random page per order and index. Tenants never see
     * each other's orders: the id carries no secret. */
    uint8_t id[(PLATFORM_ORDER_ID_LENGTH - 4) / 2];
    uint64_t created = (uint64_t)a->now_ms;
    for (size_t i = 0; i < 6; i++)
        id[i] = (uint8_t)(created >> (8 * (5 - i)));
    aw_err err = crypto_random_id_bytes(id + 6, sizeof(id) - 6);
    if (err != AW_OK)
        return err;
    memcpy(o->order_id, "ord_", 4);
    aw_hex_encode(id, sizeof(id), o->order_id + 4, false);
    snprintf(o->tenant, sizeof(o->tenant), "%s", a->app->tenant);
    snprintf(o->app_id, sizeof(o->app_id), "%s", a->app->app_id);
    if (a->idempotency_key != NULL)
        snprintf(o->idempotency_key, sizeof(o->idempotency_key), "%s", a->idempotency_key);
    o->target_kind = a->batch->target_kind;
    snprintf(o->target, sizeof(o->target), "%s", a->batch->target);
    snprintf(o->status, sizeof(o->status), "%s",
             platform_lifecycle_initial_state(PLATFORM_LIFECYCLE_ORDER));
    o->item_count = (int64_t)a->batch->count;
    o->progress[0] = o->item_count;
    o->created_at_ms = o->updated_at_ms = a->now_ms;
    db_param params[] = {DB_PARAM_TEXT(o->order_id),
                         DB_PARAM_TEXT(o->tenant),
                         DB_PARAM_TEXT(o->app_id),
                         a->idempotency_key != NULL ? DB_PARAM_TEXT(a->idempotency_key)
                                                    : DB_PARAM_NULL,
                         DB_PARAM_BLOB(a->request_hash, CRYPTO_SHA256_SIZE),
                         DB_PARAM_TEXT(target_kind_name(o->target_kind)),
                         DB_PARAM_TEXT(o->target),
                         DB_PARAM_TEXT(o->status),
                         DB_PARAM_INT64(o->item_count),
                         DB_PARAM_INT64(a->now_ms),
                         DB_PARAM_INT64(a->now_ms),
                         DB_PARAM_INT64(o->item_count)};
    /* every item pending: the counters start there (order_progress.c) */
    err = db_execute(db,
                     "INSERT INTO platform_orders (order_id, tenant, app_id, idempotency_key, "
                     "request_hash, target_kind, target, status, item_count, created_at, "
                     "updated_at, progress_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     params, 12, NULL);
    if (err == AW_OK)
        err = insert_items(db, o->order_id, a->batch, a->now_ms);
    if (err == AW_OK) /* A7401: an EID over its profile count limit (profile_limit.c) */
        err = platform_profile_limit_check_order(db, o->tenant, o->order_id);
    const char(*eids)[PLATFORM_EID_DIGITS + 1] = (const char(*)[PLATFORM_EID_DIGITS + 1])
                                                     a->batch->eids;
    if (err == AW_OK) /* several jobs per statement (db_queue_enqueue_batch) */
        err = platform_executor_enqueue_items(db, o->order_id, eids, a->batch->count, a->now_ms);
    if (err == AW_OK)
        err = platform_order_history_record_created(db, o, a->batch, "order accepted",
                                                     a->now_ms);
    if (err == AW_OK)
        err = platform_event_emitf(db, o->tenant, PLATFORM_EVENT_ORDER_ACCEPTED, a->now_ms,
                                   "{s:s, s:s, s:s, s:I}", "orderId", o->order_id, "status",
                                   o->status, target_kind_name(o->target_kind), o->target,
                                   "itemCount", (json_int_t)o->item_count);
    if (err == AW_OK)
        a->created = true;
    return err;
}

aw_err platform_order_create(db_connection *db, const platform_app *app,
                             const char *idempotency_key, const uint8_t request_hash[32],
                             const platform_batch *batch, int64_t now_ms, platform_order *order,
                             bool *created)
{
    if (created != NULL)
        *created = false;
    if (order != NULL)
        memset(order, 0, sizeof(*order));
    if (db == NULL || app == NULL || request_hash == NULL || batch == NULL || order == NULL ||
        batch->error_total != 0 || batch->count == 0 ||
        batch->count > PLATFORM_BATCH_MAX_EIDS || !platform_target_valid(batch->target) ||
        (batch->target_kind != PLATFORM_TARGET_PROFILE_TYPE &&
         batch->target_kind != PLATFORM_TARGET_NUMBER_POOL) ||
        (idempotency_key != NULL && !platform_idempotency_key_valid(idempotency_key)))
        return AW_ERR_ARGUMENT;
    create_args a = {.app = app, .idempotency_key = idempotency_key,
                     .request_hash = request_hash, .batch = batch, .now_ms = now_ms,
                     .order = order};
    aw_err err = platform_in_transaction(db, create_in, &a);
    if (err == AW_ERR_DB_UNIQUE && idempotency_key != NULL && !db_in_transaction(db))
        /* a concurrent request with the same key won the insert: answer
         * as for a repeat (same order, or the key conflict) */
        err = platform_in_transaction(db, create_in, &a);
    if (created != NULL)
        *created = err == AW_OK && a.created;
    return err;
}

/* ---- List items ------------------------------------------------------------ */

static bool item_status_valid(const char *status)
{
    return platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_ORDER_ITEM, status);
}

aw_err platform_order_list_items(db_connection *db, const char *tenant, const char *order_id,
                                 const char *status, int64_t after_id, size_t limit,
                                 platform_order_item **items, size_t *count, bool *more)
{
    if (items != NULL)
        *items = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    if (db == NULL || tenant == NULL || items == NULL || count == NULL || more == NULL)
        return AW_ERR_ARGUMENT;
    if ((status != NULL && !item_status_valid(status)) || limit == 0 ||
        limit > PLATFORM_ITEMS_PAGE_MAX || after_id < 0)
        return AW_ERR_PLATFORM_FIELD;
    platform_order order;
    aw_err err = platform_order_get(db, tenant, order_id, &order);
    if (err != AW_OK)
        return err;
    platform_order_item *list = calloc(limit, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_INT64(after_id),
                         DB_PARAM_INT64((int64_t)limit + 1), DB_PARAM_NULL};
    if (status != NULL) { /* order_id, after_id, status, limit */
        params[3] = params[2];
        params[2] = DB_PARAM_TEXT(status);
    }
    db_rows *rows = NULL;
    err = db_query(db,
                   status != NULL
                       ? "SELECT id, eid, line, status, error_code, updated_at, started_at, "
                         "finished_at FROM platform_order_items WHERE order_id = ? AND id > ? "
                         "AND status = ? ORDER BY id LIMIT ?"
                       : "SELECT id, eid, line, status, error_code, updated_at, started_at, "
                         "finished_at FROM platform_order_items WHERE order_id = ? AND id > ? "
                         "ORDER BY id LIMIT ?",
                   params, status != NULL ? 4 : 3, &rows);
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (n == limit) {
            *more = true;
            break;
        }
        platform_order_item *item = &list[n];
        err = db_rows_get_int64(rows, 0, &item->id);
        if (err == AW_OK)
            err = copy_column(rows, 1, item->eid, sizeof(item->eid));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 2, &item->line);
        if (err == AW_OK)
            err = copy_column(rows, 3, item->status, sizeof(item->status));
        if (err == AW_OK)
            err = copy_column(rows, 4, item->error_code, sizeof(item->error_code));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &item->updated_at_ms);
        if (err == AW_OK && db_rows_column_type(rows, 6) != DB_TYPE_NULL)
            err = db_rows_get_int64(rows, 6, &item->started_at_ms);
        if (err == AW_OK && db_rows_column_type(rows, 7) != DB_TYPE_NULL)
            err = db_rows_get_int64(rows, 7, &item->finished_at_ms);
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(list);
        *more = false;
        return err;
    }
    *items = list;
    *count = n;
    return AW_OK;
}

/* ---- Cancel, retry, item steps ---------------------------------------------- */

typedef struct order_change {
    const char *tenant;
    const char *order_id;
    const char *actor;
    int64_t now_ms;
    platform_order *order;
    int64_t retried;
} order_change;

static aw_err order_set_status(db_connection *db, platform_order *order, const char *to,
                               const char *cause, const char *actor, int64_t now_ms)
{
    if (!platform_lifecycle_allowed(PLATFORM_LIFECYCLE_ORDER, order->status, to))
        return AW_ERR_PLATFORM_ORDER_STATE;
    db_param params[] = {DB_PARAM_TEXT(to), DB_PARAM_INT64(now_ms),
                         DB_PARAM_TEXT(order->order_id), DB_PARAM_TEXT(order->status)};
    int64_t changed = 0;
    aw_err err = db_execute(db,
                            "UPDATE platform_orders SET status = ?, updated_at = ? WHERE "
                            "order_id = ? AND status = ?",
                            params, 4, &changed);
    if (err == AW_OK && changed != 1)
        err = AW_ERR_DB_BUSY;
    if (err == AW_OK)
        err = platform_lifecycle_record(db, PLATFORM_LIFECYCLE_ORDER, order->tenant,
                                        order->order_id, order->status, to, cause, actor, now_ms);
    bool finished = strcmp(to, "completed") == 0 || strcmp(to, "partially_completed") == 0 ||
                    strcmp(to, "failed") == 0 || strcmp(to, "cancelled") == 0;
    if (err == AW_OK && finished)
        err = platform_event_emitf(db, order->tenant, PLATFORM_EVENT_ORDER_FINISHED, now_ms,
                                   "{s:s, s:s, s:s}", "orderId", order->order_id, "from",
                                   order->status, "status", to);
    if (err == AW_OK) {
        snprintf(order->status, sizeof(order->status), "%s", to);
        order->updated_at_ms = now_ms;
    }
    return err;
}

/* An item status that ends the item's write (its finished_at is set). */
static bool item_status_final(const char *status)
{
    return strcmp(status, "written") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "cancelled") == 0;
}

/* Items of an order in status from all move to to (checked against the
 * item machine by the caller's choice of from/to), and the order's
 * counters with them. */
static aw_err items_move(db_connection *db, const platform_order *order, const char *from,
                         const char *to, const char *cause, const char *actor, int64_t now_ms,
                         int64_t *moved)
{
    aw_err err = platform_order_history_record_items(db, order->tenant, order->order_id, from,
                                                     to, cause, actor, now_ms);
    db_param params[] = {DB_PARAM_TEXT(to), DB_PARAM_INT64(now_ms),
                         item_status_final(to) ? DB_PARAM_INT64(now_ms) : DB_PARAM_NULL,
                         DB_PARAM_TEXT(order->order_id), DB_PARAM_TEXT(from)};
    int64_t count = 0;
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_order_items SET status = ?, error_code = NULL, "
                         "updated_at = ?, finished_at = ? WHERE order_id = ? AND status = ?",
                         params, 5, &count);
    if (err == AW_OK)
        err = platform_order_progress_move(db, order->order_id, from, to, count);
    if (moved != NULL)
        *moved = count;
    return err;
}

typedef aw_err (*items_enqueue_fn)(db_connection *db, const char *order_id,
                                   const char (*eids)[PLATFORM_EID_DIGITS + 1], size_t count,
                                   int64_t now_ms);

/* An executor job (enqueue's) for every item of order_id in status, in
 * the caller's transaction: the failed ones of a retry before they move
 * back to pending, the ones in progress when the order is cancelled. */
static aw_err enqueue_in_status(db_connection *db, const char *order_id, const char *status,
                                items_enqueue_fn enqueue, int64_t now_ms)
{
    db_param key[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(status)};
    db_rows *rows = NULL;
    bool has_row = false;
    size_t count = 0, cap = 0;
    char(*eids)[PLATFORM_EID_DIGITS + 1] = NULL;
    aw_err err = db_query(db,
                          "SELECT eid FROM platform_order_items WHERE order_id = ? AND status = "
                          "? ORDER BY id",
                          key, 2, &rows);
    while (err == AW_OK) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (count == cap) {
            size_t grown = cap == 0 ? 64 : cap * 2;
            void *more = realloc(eids, grown * sizeof(*eids));
            if (more == NULL) {
                err = AW_ERR_NOMEM;
                break;
            }
            eids = more;
            cap = grown;
        }
        err = copy_column(rows, 0, eids[count], sizeof(eids[count]));
        count++;
    }
    db_rows_free(rows); /* before the next statement on this connection */
    if (err == AW_OK && count > 0)
        err = enqueue(db, order_id, (const char(*)[PLATFORM_EID_DIGITS + 1])eids, count, now_ms);
    free(eids);
    return err;
}

static aw_err cancel_in(db_connection *db, void *arg)
{
    order_change *c = arg;
    aw_err err = order_load(db, c->tenant, c->order_id, c->order);
    if (err == AW_OK)
        err = order_set_status(db, c->order, "cancelled", "cancelled by the app", c->actor,
                               c->now_ms);
    if (err == AW_OK)
        err = items_move(db, c->order, "pending", "cancelled", "order cancelled", c->actor,
                         c->now_ms, NULL);
    /* the items under way: their triggers withdrawn where the device has
     * not yet taken them (executor_item.c) */
    if (err == AW_OK)
        err = enqueue_in_status(db, c->order->order_id, "in_progress",
                                platform_executor_enqueue_withdrawals, c->now_ms);
    if (err == AW_OK)
        err = order_load(db, c->tenant, c->order_id, c->order);
    return err;
}

aw_err platform_order_cancel(db_connection *db, const char *tenant, const char *order_id,
                             const char *actor, int64_t now_ms, platform_order *order)
{
    if (db == NULL || tenant == NULL || actor == NULL || order == NULL)
        return AW_ERR_ARGUMENT;
    memset(order, 0, sizeof(*order));
    if (!order_id_valid(order_id))
        return AW_ERR_PLATFORM_ORDER_UNKNOWN;
    order_change c = {.tenant = tenant, .order_id = order_id, .actor = actor, .now_ms = now_ms,
                      .order = order};
    return platform_in_transaction(db, cancel_in, &c);
}

static aw_err retry_in(db_connection *db, void *arg)
{
    order_change *c = arg;
    c->retried = 0;
    aw_err err = order_load(db, c->tenant, c->order_id, c->order);
    if (err == AW_OK && (strcmp(c->order->status, "cancelled") == 0 || c->order->progress[3] == 0))
        err = AW_ERR_PLATFORM_ORDER_STATE;
    if (err == AW_OK && (strcmp(c->order->status, "failed") == 0 ||
                         strcmp(c->order->status, "partially_completed") == 0))
        err = order_set_status(db, c->order, "processing", "retry of failed items", c->actor,
                               c->now_ms);
    if (err == AW_OK)
        err = enqueue_in_status(db, c->order->order_id, "failed",
                                platform_executor_enqueue_items, c->now_ms);
    if (err == AW_OK)
        err = items_move(db, c->order, "failed", "pending", "retry", c->actor, c->now_ms,
                         &c->retried);
    if (err == AW_OK)
        err = order_load(db, c->tenant, c->order_id, c->order);
    return err;
}

aw_err platform_order_retry(db_connection *db, const char *tenant, const char *order_id,
                            const char *actor, int64_t now_ms, platform_order *order,
                            int64_t *retried)
{
    if (retried != NULL)
        *retried = 0;
    if (db == NULL || tenant == NULL || actor == NULL || order == NULL || retried == NULL)
        return AW_ERR_ARGUMENT;
    memset(order, 0, sizeof(*order));
    if (!order_id_valid(order_id))
        return AW_ERR_PLATFORM_ORDER_UNKNOWN;
    order_change c = {.tenant = tenant, .order_id = order_id, .actor = actor, .now_ms = now_ms,
                      .order = order};
    aw_err err = platform_in_transaction(db, retry_in, &c);
    if (err == AW_OK)
        *retried = c.retried;
    return err;
}

typedef struct item_step {
    const char *order_id;
    const char *eid;
    const char *to;
    const char *error_code;
    const char *cause;
    const char *actor;
    int64_t now_ms;
} item_step;

static aw_err order_tenant(db_connection *db, const char *order_id, char *tenant, size_t size)
{
    db_param key[] = {DB_PARAM_TEXT(order_id)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db, "SELECT tenant FROM platform_orders WHERE order_id = ?", key, 1,
                          &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = copy_column(rows, 0, tenant, size);
    db_rows_free(rows);
    return err;
}

/* The order follows its items (see platform_order_item_transition). */
static aw_err order_follow(db_connection *db, const item_step *s, const char *tenant)
{
    platform_order order;
    aw_err err = order_load(db, tenant, s->order_id, &order);
    if (err != AW_OK)
        return err;
    if (strcmp(order.status, "accepted") == 0 && strcmp(s->to, "in_progress") == 0)
        return order_set_status(db, &order, "processing", "first item started", s->actor,
                                s->now_ms);
    if (strcmp(order.status, "processing") != 0 || order.progress[0] + order.progress[1] > 0)
        return AW_OK;
    const char *final = order.progress[3] == 0   ? "completed"
                        : order.progress[2] == 0 ? "failed"
                                                 : "partially_completed";
    return order_set_status(db, &order, final, "no item left to write", s->actor, s->now_ms);
}

static aw_err item_step_in(db_connection *db, void *arg)
{
    const item_step *s = arg;
    char tenant[PLATFORM_TENANT_MAX + 1];
    char entity[PLATFORM_ENTITY_ID_MAX + 1];
    char from[PLATFORM_STATE_MAX + 1] = "";
    aw_err err = order_tenant(db, s->order_id, tenant, sizeof(tenant));
    db_param key[] = {DB_PARAM_TEXT(s->order_id), DB_PARAM_TEXT(s->eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT status FROM platform_order_items WHERE order_id = ? AND eid = ?",
                       key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = copy_column(rows, 0, from, sizeof(from));
    db_rows_free(rows);
    if (err == AW_OK && !platform_lifecycle_allowed(PLATFORM_LIFECYCLE_ORDER_ITEM, from, s->to))
        err = AW_ERR_PLATFORM_TRANSITION;
    if (err != AW_OK)
        return err;
    /* the order's row first, as cancel and retry lock it before its items:
     * one lock order, so PostgreSQL has no deadlock to break between them */
    err = platform_order_progress_move(db, s->order_id, from, s->to, 1);
    if (err != AW_OK)
        return err;
    bool failed = strcmp(s->to, "failed") == 0;
    /* the first claim starts the item's clock (kept across a lost lease or
     * a retry); reaching a final status stops it */
    db_param params[] = {DB_PARAM_TEXT(s->to),
                         failed && s->error_code != NULL ? DB_PARAM_TEXT(s->error_code)
                                                         : DB_PARAM_NULL,
                         DB_PARAM_INT64(s->now_ms),
                         strcmp(s->to, "in_progress") == 0 ? DB_PARAM_INT64(s->now_ms)
                                                            : DB_PARAM_NULL,
                         item_status_final(s->to) ? DB_PARAM_INT64(s->now_ms) : DB_PARAM_NULL,
                         DB_PARAM_TEXT(s->order_id), DB_PARAM_TEXT(s->eid)};
    err = db_execute(db,
                     "UPDATE platform_order_items SET status = ?, error_code = ?, updated_at = ?, "
                     "started_at = COALESCE(started_at, ?), finished_at = ? "
                     "WHERE order_id = ? AND eid = ?",
                     params, 7, NULL);
    snprintf(entity, sizeof(entity), "%s:%s", s->order_id, s->eid);
    if (err == AW_OK)
        err = platform_lifecycle_record(db, PLATFORM_LIFECYCLE_ORDER_ITEM, tenant, entity, from,
                                        s->to, s->cause, s->actor, s->now_ms);
    /* the ICCID of the item's ES2+ order, once the executor has one */
    platform_executor_item executed;
    const char *iccid = NULL;
    if (err == AW_OK && (failed || strcmp(s->to, "written") == 0)) {
        err = platform_executor_item_get(db, s->order_id, s->eid, &executed);
        if (err == AW_ERR_NOT_FOUND)
            err = AW_OK;
        else if (err == AW_OK && executed.iccid[0] != '\0')
            iccid = executed.iccid;
    }
    if (err == AW_OK && strcmp(s->to, "written") == 0)
        err = platform_event_emitf(db, tenant, PLATFORM_EVENT_ITEM_WRITTEN, s->now_ms,
                                   "{s:s, s:s, s:s?}", "orderId", s->order_id, "eid", s->eid,
                                   "iccid", iccid);
    if (err == AW_OK && failed)
        err = platform_event_emitf(db, tenant, PLATFORM_EVENT_ITEM_FAILED, s->now_ms,
                                   "{s:s, s:s, s:s?, s:s?}", "orderId", s->order_id, "eid",
                                   s->eid, "errorCode", s->error_code, "iccid", iccid);
    /* a failure with its code is one of the standard's graded exceptions
     * (the code's letter is its class), deduplicated per EID and code; a new
     * one emits exception.raised (exception_detect.c, docs/exceptions.md) */
    if (err == AW_OK && failed && s->error_code != NULL)
        err = platform_exception_on_item_failed(db, NULL, tenant, s->order_id, s->eid, iccid,
                                                s->error_code, s->cause, s->now_ms);
    if (err == AW_OK)
        err = order_follow(db, s, tenant);
    return err;
}

aw_err platform_order_item_transition(db_connection *db, const char *order_id, const char *eid,
                                      const char *to, const char *error_code, const char *cause,
                                      const char *actor, int64_t now_ms)
{
    if (db == NULL || !order_id_valid(order_id) || eid == NULL ||
        platform_eid_check(eid, strlen(eid)) != AW_OK ||
        !platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_ORDER_ITEM, to) ||
        (error_code != NULL && !error_code_valid(error_code)) || cause == NULL || actor == NULL)
        return AW_ERR_ARGUMENT;
    item_step s = {.order_id = order_id, .eid = eid, .to = to, .error_code = error_code,
                   .cause = cause, .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, item_step_in, &s);
}
