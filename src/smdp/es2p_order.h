/* airwrite SM-DP+: internals of the ES2+ order records shared by es2p.c,
 * es2p_order.c and es2p_notify.c: which operator placed an order (SGP.22
 * 5.3: the Function Requester of DownloadOrder) and when it expires (SGP.22
 * 5.6.3 "Download order - Time to Live Expired"). Every function here runs
 * inside the caller's open transaction. */
#ifndef AIRWRITE_SMDP_ES2P_ORDER_H
#define AIRWRITE_SMDP_ES2P_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "smdp/es2p.h"

/* One row of smdp_es2p_orders. */
typedef struct es2p_order_row {
    bool found;
    char operator_subject[SMDP_ES2P_CALLER_MAX + 1];
    char requester_id[SMDP_ES2P_CALLER_MAX + 1];
    int64_t expires_at_ms;  /* 0: never */
    int64_t expired_at_ms;  /* 0: not expired */
} es2p_order_row;

/* Is the order schema (smdp_es2p_migrate) in place? Databases that only
 * hold the inventory (tools, older tests) have administrative orders only. */
aw_err es2p_order_tracking(db_connection *db, bool *tracking);

/* The order row of iccid (row->found false when there is none). */
aw_err es2p_order_read(db_connection *db, const char *iccid, es2p_order_row *row);

/* Record the operator and expiry of a new order (replacing a stale row). */
aw_err es2p_order_record(db_connection *db, const char *iccid, const smdp_es2p_caller *caller,
                         int64_t expires_at_ms, int64_t now_ms);

/* The order is over (CancelOrder): its row goes. */
aw_err es2p_order_forget(db_connection *db, const char *iccid);

/* May caller act on the order of row? An administrative caller (NULL) may
 * act on any order; an operator only on the orders it placed. */
bool es2p_order_caller_allowed(const es2p_order_row *row, const smdp_es2p_caller *caller);

/* If the order of iccid is past its expiry and not completed, terminate it
 * now: the profile goes to error, the row records the time and the
 * operator is notified (SGP.22 5.3.5 notification point 1, 8.8.5 / 4.10),
 * all in the caller's transaction. *expired tells whether the order is
 * expired (now or earlier). */
aw_err es2p_order_expire_if_due(db_connection *db, const char *iccid, es2p_order_row *row,
                                int64_t now_ms, bool *expired);

#endif
