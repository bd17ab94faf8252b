/* airwrite platform: the lifecycle history (platform_lifecycle_history, the
 * table of lifecycle.c) of a write order's items, for orders.c. An item's
 * history is kept like any entity's (machine "orderItem", entity
 * "order_id:eid"), but written for all of an order's items at once: one
 * INSERT for the order and its items when it is created, one INSERT ...
 * SELECT over the items that move together when it is cancelled or
 * retried, instead of platform_lifecycle_record's one row per statement
 * (an order holds up to PLATFORM_BATCH_MAX_EIDS items). The caller's
 * transaction holds the rows with the change they record. */
#include <stdio.h>
#include <string.h>

#include "platform/order_history.h"
#include "platform/platform_internal.h"

#define ITEM_MACHINE "orderItem"

/* One statement whatever the number of items (an order's creation:
 * platform_order_history_record_created). */
aw_err platform_order_history_record_items(db_connection *db, const char *tenant,
                                           const char *order_id, const char *from,
                                           const char *to, const char *cause, const char *actor,
                                           int64_t now_ms)
{
    db_param params[] = {DB_PARAM_TEXT(tenant),    DB_PARAM_TEXT(from),   DB_PARAM_TEXT(to),
                         DB_PARAM_TEXT(cause),     DB_PARAM_TEXT(actor),  DB_PARAM_INT64(now_ms),
                         DB_PARAM_TEXT(order_id),  DB_PARAM_TEXT(from)};
    return db_execute(db,
                      "INSERT INTO platform_lifecycle_history (machine, tenant, entity_id, "
                      "from_state, to_state, cause, actor, at) SELECT '" ITEM_MACHINE
                      "', ?, order_id || ':' || eid, ?, ?, ?, ?, ? FROM platform_order_items "
                      "WHERE order_id = ? AND status = ? ORDER BY id",
                      params, 8, NULL);
}

/* The history of a new order: its own row (platform_lifecycle_record's),
 * then one per item in the items' order (platform_order_history_record_items'
 * with from NULL), in one statement whatever the order's size (one
 * AUTOINCREMENT update, one PostgreSQL round trip). Up to
 * HISTORY_VALUES_ITEMS items (a single device's order, nearly every one) as
 * values: no reading back of the items just inserted, no sort; more
 * selected from the items. */
#define HISTORY_VALUES_PARAMS 6u
#define HISTORY_VALUES_ITEMS (DB_MAX_PARAMS / HISTORY_VALUES_PARAMS - 1u)
#define HISTORY_ENTITY_MAX (PLATFORM_ORDER_ID_LENGTH + 1u + PLATFORM_EID_DIGITS)

static aw_err record_created_values(db_connection *db, const platform_order *o,
                                    const platform_batch *batch, const char *cause,
                                    int64_t now_ms)
{
    static const char head[] =
        "INSERT INTO platform_lifecycle_history (machine, tenant, entity_id, from_state, "
        "to_state, cause, actor, at) VALUES ('order', ?, ?, NULL, ?, ?, ?, ?)";
    static const char row[] = ",('" ITEM_MACHINE "', ?, ?, NULL, ?, ?, ?, ?)";
    char sql[sizeof(head) + HISTORY_VALUES_ITEMS * (sizeof(row) - 1)];
    char entities[HISTORY_VALUES_ITEMS][HISTORY_ENTITY_MAX + 1];
    db_param params[(HISTORY_VALUES_ITEMS + 1) * HISTORY_VALUES_PARAMS];
    const char *item_state = platform_lifecycle_initial_state(PLATFORM_LIFECYCLE_ORDER_ITEM);
    size_t len = sizeof(head) - 1;
    memcpy(sql, head, len);
    for (size_t i = 0; i <= batch->count; i++) {
        db_param *p = params + i * HISTORY_VALUES_PARAMS;
        const char *entity = o->order_id;
        if (i > 0) {
            snprintf(entities[i - 1], sizeof(entities[i - 1]), "%s:%s", o->order_id,
                     batch->eids[i - 1]);
            entity = entities[i - 1];
            memcpy(sql + len, row, sizeof(row) - 1);
            len += sizeof(row) - 1;
        }
        p[0] = DB_PARAM_TEXT(o->tenant);
        p[1] = DB_PARAM_TEXT(entity);
        p[2] = DB_PARAM_TEXT(i == 0 ? o->status : item_state);
        p[3] = DB_PARAM_TEXT(cause);
        p[4] = DB_PARAM_TEXT(o->app_id);
        p[5] = DB_PARAM_INT64(now_ms);
    }
    sql[len] = '\0';
    return db_execute(db, sql, params, (batch->count + 1) * HISTORY_VALUES_PARAMS, NULL);
}

aw_err platform_order_history_record_created(db_connection *db, const platform_order *o,
                                             const platform_batch *batch, const char *cause,
                                             int64_t now_ms)
{
    if (!platform_lifecycle_actor_valid(o->app_id))
        return AW_ERR_ARGUMENT;
    if (batch->count <= HISTORY_VALUES_ITEMS)
        return record_created_values(db, o, batch, cause, now_ms);
    const char *item_state = platform_lifecycle_initial_state(PLATFORM_LIFECYCLE_ORDER_ITEM);
    db_param params[] = {DB_PARAM_TEXT(o->tenant),   DB_PARAM_TEXT(cause),
                         DB_PARAM_TEXT(o->app_id),   DB_PARAM_INT64(now_ms),
                         DB_PARAM_TEXT(o->order_id), DB_PARAM_TEXT(o->status),
                         DB_PARAM_TEXT(item_state),  DB_PARAM_TEXT(o->order_id)};
    return db_execute(db,
                      "INSERT INTO platform_lifecycle_history (machine, tenant, entity_id, "
                      "from_state, to_state, cause, actor, at) SELECT h.machine, ?, "
                      "h.entity_id, NULL, h.to_state, ?, ?, ? FROM (SELECT 0 AS id, 'order' AS "
                      "machine, ? AS entity_id, ? AS to_state UNION ALL SELECT id, '" ITEM_MACHINE
                      "', order_id || ':' || eid, ? FROM platform_order_items WHERE order_id = ?) "
                      "AS h ORDER BY h.id",
                      params, 8, NULL);
}
