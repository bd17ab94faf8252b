/* airwrite platform: the lifecycle history rows of a write order's items
 * (order_history.c), for orders.c only. */
#ifndef AIRWRITE_PLATFORM_ORDER_HISTORY_H
#define AIRWRITE_PLATFORM_ORDER_HISTORY_H

#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "platform/platform.h"

/* One history row for every item of order_id now in status from, moving to
 * to, in the items' order, in the caller's transaction before it moves
 * them. The caller checked the move against the item machine. */
aw_err platform_order_history_record_items(db_connection *db, const char *tenant,
                                           const char *order_id, const char *from,
                                           const char *to, const char *cause, const char *actor,
                                           int64_t now_ms);

/* The history of a new order (in order's status, its items in the item
 * machine's initial state, pending): the order's row, then one per item of
 * batch in the items' order, with cause and the order's app as actor, in
 * the caller's transaction after it inserted the items.
 * AW_ERR_ARGUMENT: an app id platform_lifecycle_actor_valid refuses. */
aw_err platform_order_history_record_created(db_connection *db, const platform_order *order,
                                             const platform_batch *batch, const char *cause,
                                             int64_t now_ms);

#endif
