/* airwrite platform: what the card operation files share (card_ops.c,
 * card_ops_finish.c, card_ops_run.c, api_card_ops.c; platform.h "Card
 * operations"). */
#ifndef AIRWRITE_PLATFORM_CARD_OPS_INTERNAL_H
#define AIRWRITE_PLATFORM_CARD_OPS_INTERNAL_H

#include "platform/platform_internal.h"

#define CARD_OP_JOB_STEP "step"           /* the operation's next step (payload: its id) */
#define CARD_OP_ACCEPTED "accepted"       /* no package yet */
#define CARD_OP_SENT "sent"               /* the package is queued at the eIM */
#define CARD_OP_SUCCEEDED "succeeded"
#define CARD_OP_FAILED "failed"
#define CARD_OP_ACTOR "card-ops"          /* lifecycle actor of the eUICC's results */

/* The operation operation_id of any tenant. AW_ERR_PLATFORM_CARD_OP_UNKNOWN. */
aw_err card_op_load(db_connection *db, const char *operation_id, platform_card_op *op);

/* Queue the operation's next step at run_after_ms (in the caller's
 * transaction, or on its own). */
aw_err card_op_enqueue_step(db_connection *db, const char *operation_id, int64_t run_after_ms,
                            int64_t now_ms);

/* The package is queued at the eIM as package_id: accepted -> sent with
 * its deadline, and the next step (a look at its result) at
 * next_step_ms; one transaction. AW_ERR_STATE when the operation is no
 * longer accepted. */
aw_err card_op_mark_sent(db_connection *db, const char *operation_id, int64_t package_id,
                         int64_t deadline_ms, int64_t next_step_ms, int64_t now_ms);

/* End an accepted or sent operation in one transaction: succeeded (the
 * PSMO's result was ok: the profiles' records move, card_ops_finish.c) or
 * failed with error (euicc_result the eUICC's or IPA's result name, "" for
 * none), and card.operation.finished to the tenant's callbacks. An
 * operation already ended is left as it is (AW_OK: a repeated step). */
aw_err card_op_finish(db_connection *db, const char *operation_id, bool succeeded,
                      platform_card_op_error error, const char *euicc_result, int64_t now_ms);

/* api_card_ops.c: the dispatcher of /api/v1/cards/{eid}/operations[/{id}]
 * for api.c's fallback; false when the path is not one of them. */
bool platform_api_card_ops_dispatch(platform_api *api, http_request *request);

#endif
