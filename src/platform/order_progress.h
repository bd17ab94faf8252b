/* airwrite platform: the progress of write orders kept as counters
 * (order_progress.c), for orders.c and schema.c only. */
#ifndef AIRWRITE_PLATFORM_ORDER_PROGRESS_H
#define AIRWRITE_PLATFORM_ORDER_PROGRESS_H

#include <stdint.h>

#include "core/db.h"
#include "core/error.h"

/* Create or upgrade the counter columns of platform_orders and the item
 * times of platform_order_items (db_migrate component
 * "platform_order_progress"), backfilling both for the orders already
 * stored; platform_migrate calls it after the "platform" component. */
aw_err platform_order_progress_migrate(db_connection *db);

/* Index of status in platform_item_statuses (and platform_order.progress);
 * -1 for anything else. */
int platform_order_progress_index(const char *status);

/* The SELECT list of an order's five counters, in the order of
 * platform_item_statuses: "progress_pending, ..., progress_cancelled". */
#define PLATFORM_ORDER_PROGRESS_COLUMNS                                                        \
    "progress_pending, progress_in_progress, progress_written, progress_failed, "            \
    "progress_cancelled"

/* The SELECT list of a whole order, as platform_order_read_row reads it. */
#define PLATFORM_ORDER_COLUMNS                                                                 \
    "order_id, tenant, app_id, idempotency_key, target_kind, target, status, item_count, "    \
    "created_at, updated_at, " PLATFORM_ORDER_PROGRESS_COLUMNS

/* count items of order_id went from status from to status to (both item
 * statuses): the two counters move in the caller's transaction, the one
 * that moved the items, so the counters never disagree with the rows.
 * AW_ERR_ARGUMENT: a status that is not an item status, count < 0;
 * AW_ERR_NOT_FOUND: no such order. */
aw_err platform_order_progress_move(db_connection *db, const char *order_id, const char *from,
                                    const char *to, int64_t count);

#endif
