/* airwrite platform: the progress of write orders (进度查询 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》) kept as one counter per item
 * status on the order's row, and the time each item started and ended.
 *
 * Counting an order's items by status on every item transition made the
 * executor's order_follow quadratic in the order's size; the counters move
 * in the transaction that moves the items (platform_order_progress_move),
 * so reading the progress is one row whatever the order's size, and a crash
 * leaves counters and rows together (both committed or neither).
 *
 * Item times: started_at is when the executor first claimed the item (its
 * first pending -> in_progress; kept across a lost lease and a retry, so a
 * write is timed from its real start); finished_at is when it last reached
 * written, failed or cancelled (cleared when it goes back to pending).
 * Both are NULL until they happen. */
#include <stdio.h>
#include <string.h>

#include "platform/order_progress.h"
#include "platform/platform_internal.h"

/* Column of each item status, in the order of platform_item_statuses. */
static const char *const counter_columns[5] = {"progress_pending", "progress_in_progress",
                                               "progress_written", "progress_failed",
                                               "progress_cancelled"};

/* The same statements on both databases: ADD COLUMN with a constant
 * default, then the backfill of orders and items stored before. */
#define COUNT_OF(STATUS)                                                                       \
    "(SELECT COUNT(*) FROM platform_order_items i WHERE i.order_id = "                        \
    "platform_orders.order_id AND i.status = '" STATUS "')"
#define PROGRESS_COLUMNS                                                                       \
    "ALTER TABLE platform_orders ADD COLUMN progress_pending BIGINT NOT NULL DEFAULT 0;\n"     \
    "ALTER TABLE platform_orders ADD COLUMN progress_in_progress BIGINT NOT NULL DEFAULT 0;\n" \
    "ALTER TABLE platform_orders ADD COLUMN progress_written BIGINT NOT NULL DEFAULT 0;\n"     \
    "ALTER TABLE platform_orders ADD COLUMN progress_failed BIGINT NOT NULL DEFAULT 0;\n"      \
    "ALTER TABLE platform_orders ADD COLUMN progress_cancelled BIGINT NOT NULL DEFAULT 0;\n"   \
    "ALTER TABLE platform_order_items ADD COLUMN started_at BIGINT;\n"                        \
    "ALTER TABLE platform_order_items ADD COLUMN finished_at BIGINT;\n"                       \
    "UPDATE platform_orders SET progress_pending = " COUNT_OF("pending") ",\n"                \
    "  progress_in_progress = " COUNT_OF("in_progress") ",\n"                                 \
    "  progress_written = " COUNT_OF("written") ",\n"                                         \
    "  progress_failed = " COUNT_OF("failed") ",\n"                                           \
    "  progress_cancelled = " COUNT_OF("cancelled") ";\n"                                     \
    "UPDATE platform_order_items SET finished_at = updated_at\n"                              \
    "  WHERE status IN ('written', 'failed', 'cancelled');\n"                                 \
    "UPDATE platform_order_items SET started_at = (SELECT MIN(h.at) FROM\n"                   \
    "  platform_lifecycle_history h WHERE h.machine = 'orderItem' AND h.tenant =\n"           \
    "  (SELECT o.tenant FROM platform_orders o WHERE o.order_id =\n"                          \
    "  platform_order_items.order_id) AND h.entity_id = platform_order_items.order_id\n"      \
    "  || ':' || platform_order_items.eid AND h.to_state = 'in_progress');\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "order progress counters, item start and end times (backfilled)",
        .sqlite_sql = PROGRESS_COLUMNS,
        .postgresql_sql = PROGRESS_COLUMNS,
    },
};

aw_err platform_order_progress_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_order_progress", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

int platform_order_progress_index(const char *status)
{
    for (int i = 0; status != NULL && i < 5; i++)
        if (strcmp(status, platform_item_statuses[i]) == 0)
            return i;
    return -1;
}

aw_err platform_order_progress_move(db_connection *db, const char *order_id, const char *from,
                                    const char *to, int64_t count)
{
    int f = platform_order_progress_index(from), t = platform_order_progress_index(to);
    if (db == NULL || order_id == NULL || f < 0 || t < 0 || count < 0)
        return AW_ERR_ARGUMENT;
    if (count == 0 || f == t)
        return AW_OK;
    /* the column names come from the fixed table above, never from input */
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE platform_orders SET %s = %s - ?, %s = %s + ? WHERE order_id = ?",
             counter_columns[f], counter_columns[f], counter_columns[t], counter_columns[t]);
    db_param params[] = {DB_PARAM_INT64(count), DB_PARAM_INT64(count), DB_PARAM_TEXT(order_id)};
    int64_t changed = 0;
    aw_err err = db_execute(db, sql, params, 3, &changed);
    if (err == AW_OK && changed != 1)
        err = AW_ERR_NOT_FOUND;
    return err;
}
