/* airwrite platform: what the executor's files share (platform.h
 * "Executor"). */
#ifndef AIRWRITE_PLATFORM_EXECUTOR_INTERNAL_H
#define AIRWRITE_PLATFORM_EXECUTOR_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/db_queue.h"
#include "platform/platform_internal.h"

struct http_client;

#define EXECUTOR_JOB_ITEM "item"       /* run the item's next steps */
#define EXECUTOR_JOB_TIMEOUT "timeout" /* fail the item of a round without result */
#define EXECUTOR_JOB_WATCH "watch"     /* look at the eIM's record of the round's triggers */
#define EXECUTOR_JOB_WITHDRAW "withdraw" /* the order was cancelled: withdraw the trigger */
#define EXECUTOR_JOB_EXCEPTIONS "exceptions" /* the exception sweep (executor_exceptions.c) */
#define EXECUTOR_PAYLOAD_MAX 96u
#define EXECUTOR_WORKERS_MAX 64u
#define EXECUTOR_CLAIM_BATCH 8u

/* Stages of an item's row (platform_executor_item.stage). */
#define EXECUTOR_STAGE_STARTED "started"     /* in_progress; no ES2+ order yet */
#define EXECUTOR_STAGE_ORDERED "ordered"     /* DownloadOrder answered: ICCID, Matching ID chosen */
#define EXECUTOR_STAGE_CONFIRMED "confirmed" /* ConfirmOrder (released) answered */
#define EXECUTOR_STAGE_TRIGGERED "triggered" /* the eIM holds the trigger; waiting for the result */
#define EXECUTOR_STAGE_DONE "done"           /* written or failed */

typedef struct executor_worker {
    struct platform_executor *executor;
    char name[96];                   /* lease owner */
    db_connection *db;               /* the platform's database */
    db_connection *eim_db;           /* the eIM's database */
    struct http_client *http;        /* ES2+ to the SM-DP+ (mutual TLS) */
    pthread_t thread;
} executor_worker;

struct platform_executor {
    platform_executor_config config; /* defaults filled in; strings borrowed */
    db_connection *notify_db;        /* the notification endpoint's (loop thread) */
    executor_worker *workers;
    unsigned worker_count;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool woken;
    bool running;
    bool stopping;
    platform_executor_stats stats;   /* under lock */
};

int64_t executor_now(const platform_executor *executor);
void executor_count(platform_executor *executor, const platform_executor_stats *add);

/* Queue a job of kind for the item (payload "<order id>:<eid>:<round>"). */
aw_err platform_executor_enqueue_job(db_connection *db, const char *kind, const char *order_id,
                                     const char *eid, int64_t round, int64_t run_after_ms,
                                     int64_t now_ms);
/* Its payload back; false when malformed. */
bool platform_executor_parse_payload(const uint8_t *payload, size_t len,
                                     char order_id[PLATFORM_ORDER_ID_LENGTH + 1],
                                     char eid[PLATFORM_EID_DIGITS + 1], int64_t *round);

/* The item's row (AW_ERR_NOT_FOUND) and its write (insert or update). */
aw_err platform_executor_item_read(db_connection *db, const char *order_id, const char *eid,
                                   platform_executor_item *item);
aw_err platform_executor_item_write(db_connection *db, const char *order_id, const char *eid,
                                    const platform_executor_item *item, int64_t now_ms);

/* An item that failed gives back what the platform's records hold for it:
 * its profile (reserved -> available, and its pool number) or its
 * reserved pool number. */
aw_err executor_release_inventory(db_connection *db, const char *tenant,
                                  platform_executor_item *row, const char *cause,
                                  int64_t now_ms);

/* The item a result is for, with its order's target (all borrowed). */
typedef struct executor_result_item {
    const char *order_id;
    const char *eid;
    const char *tenant;
    const char *target_kind;
    const char *target;
} executor_result_item;

/* Inside a transaction, for an in_progress item: written, with the
 * platform's records of its profile (card active, profile installed, a pool
 * number in use; records that refuse do not hold it back) and its row done
 * (executor_notify.c). */
aw_err executor_item_written(db_connection *db, const executor_result_item *item,
                             platform_executor_item *row, const char *iccid, const char *actor,
                             const char *cause, int64_t now_ms);

/* What became of one job. */
typedef enum executor_outcome {
    EXECUTOR_JOB_COMPLETE = 0,       /* nothing left for this job */
    EXECUTOR_JOB_RETRY,              /* transport failure: run it again later */
    EXECUTOR_JOB_LEASE_LOST,         /* another worker owns it now: leave it */
} executor_outcome;

/* One round of card operation steps on the worker's connections when the
 * executor holds the eIM's keys (card_ops_run.c): how many steps made
 * progress (0 also without keys or on a database failure). */
int64_t executor_card_ops_pass(executor_worker *worker, int64_t now_ms);

/* The exception sweep (executor_exceptions.c, docs/exceptions.md): queue
 * the job of the next time slot of interval_ms (one per slot, whoever
 * queues it), and run one: escalation, silent devices, the next job. */
aw_err executor_exception_sweep_schedule(db_connection *db, int64_t interval_ms, int64_t now_ms);
aw_err executor_exception_sweep(executor_worker *worker, int64_t now_ms);

/* Run one claimed job (executor_item.c). */
aw_err executor_run_job(executor_worker *worker, const db_job *job, int64_t now_ms,
                        executor_outcome *outcome, platform_executor_stats *stats);

#endif
