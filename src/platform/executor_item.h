/* airwrite platform: one order item's job as its steps see it, shared by
 * executor_item.c (the steps up to the trigger, and the shared ends of an
 * item: failed or cancelled) and executor_watch.c (the jobs of a round
 * waiting for its result). Internal to the executor. */
#ifndef AIRWRITE_PLATFORM_EXECUTOR_ITEM_H
#define AIRWRITE_PLATFORM_EXECUTOR_ITEM_H

#include "platform/executor_internal.h"

#define EXECUTOR_ACTOR "executor"
#define EIM_ACTOR "eim"
#define ACTIVATION_CODE_MAX (8 + 255 + PLATFORM_MATCHING_ID_MAX)

/* What the item job knows about its item. */
typedef struct item_job {
    executor_worker *worker;
    const db_job *job;
    int64_t now_ms;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    int64_t round;                       /* the timeout job's round */
    char status[PLATFORM_STATE_MAX + 1]; /* the item's */
    char order_status[PLATFORM_STATE_MAX + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    char target_kind[16];
    char target[PLATFORM_TARGET_MAX + 1];
    char profile_type[PLATFORM_TARGET_MAX + 1]; /* what DownloadOrder asks for */
    char imsi[PLATFORM_IMSI_MAX + 1];           /* a pool number's, else "" */
    platform_executor_item row;
    bool started;                        /* the job moved the item to in_progress */
    platform_executor_stats *stats;
} item_job;

/* Fail the item with its code, in one transaction with the row's end. */
typedef struct fail_args {
    item_job *job;
    const char *code;                    /* A/W code of the failure */
    const char *cause;
    const char *to;                      /* NULL: failed; or cancelled (executor_item_withdraw) */
    const char *stage_required;          /* NULL: any; else only from this stage */
    int64_t round_required;              /* 0: any */
    bool keep_records;                   /* the ICCID is another card's: leave its records */
    bool ended;                          /* the item moved (its transaction ran) */
} fail_args;

/* The item's status and its order's target and status (in the job);
 * AW_ERR_NOT_FOUND. */
aw_err executor_item_load(db_connection *db, item_job *j);

/* The item ends as f says (failed with its code, or cancelled), its ES2+
 * order cancelled first (SGP.22 5.3.3, best effort), in one transaction
 * with its row's end and its records' release; counted in the job's
 * stats. */
aw_err executor_item_fail(item_job *j, fail_args *f);

/* The item's order was cancelled (orders.c) while the item was under way
 * and before its device took a download trigger: it ends cancelled as a
 * failure would end (executor_item_fail). From stage_required only (NULL:
 * any), in the job's round. */
aw_err executor_item_withdraw(item_job *j, const char *stage_required, const char *cause);

/* Whether the order was cancelled, as executor_item_load read it. */
bool executor_item_order_cancelled(const item_job *j);

/* The round's Activation Code, "1$<smdpAddress>$<matchingId>" (SGP.22 4.1). */
void executor_item_activation_code(const item_job *j, char code[ACTIVATION_CODE_MAX]);

/* The jobs of a round that waits for its result (executor_watch.c). */
aw_err executor_run_timeout(item_job *j);
aw_err executor_run_watch(item_job *j);
aw_err executor_run_withdraw(item_job *j, executor_outcome *outcome);

#endif
