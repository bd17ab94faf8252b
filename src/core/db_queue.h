/* airwrite core: durable job queue in the database (SQLite or PostgreSQL),
 * shared by every airwrited process on the same database.
 *
 * A job is enqueued (optionally in the caller's transaction, next to the
 * business rows that caused it), claimed by one worker under a lease,
 * then completed or failed. A failed job is retried with exponential
 * backoff until max_attempts, then it is dead. A worker that dies keeps its
 * lease until it expires; then the job is claimable again (db_queue_claim
 * reclaims expired leases first), and the attempt it used counts, so a job
 * that kills its workers ends dead instead of looping.
 *
 * Exactly one worker holds a job at a time: claiming is
 * UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) on PostgreSQL
 * (concurrent claimers skip each other's rows instead of waiting) and the
 * same statement inside BEGIN IMMEDIATE on SQLite (claimers take turns on
 * the write lock). Complete, fail and extend act only while the job is
 * still leased to the calling worker; AW_ERR_DB_NOT_FOUND tells a worker its
 * lease was lost (expired and reclaimed), so it must drop its result.
 * Delivery is at least once per lease: make handlers idempotent, or
 * complete the job in the same transaction as the handler's writes.
 *
 * Times are caller-supplied milliseconds since the Unix epoch (db_clock_ms),
 * so the library never sleeps; processes sharing a database need clocks in
 * step to well under the lease length.
 */
#ifndef AIRWRITE_CORE_DB_QUEUE_H
#define AIRWRITE_CORE_DB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

#define DB_QUEUE_NAME_MAX 64u               /* queue and kind names */
#define DB_QUEUE_WORKER_MAX 128u            /* worker id */
#define DB_QUEUE_DEDUPE_MAX 256u            /* dedupe key */
#define DB_QUEUE_PAYLOAD_MAX (16u * 1024u * 1024u)
#define DB_QUEUE_CLAIM_MAX 100u             /* jobs per claim */
#define DB_QUEUE_DEFAULT_MAX_ATTEMPTS 5
#define DB_QUEUE_DEFAULT_BACKOFF_MS 1000
#define DB_QUEUE_BACKOFF_CAP_MS (3600 * 1000) /* longest retry delay */

typedef enum db_job_state {
    DB_JOB_READY = 0,                       /* waiting for run_after */
    DB_JOB_RUNNING = 1,                     /* leased to a worker */
    DB_JOB_DONE = 2,
    DB_JOB_DEAD = 3,                        /* failed permanently or too often */
} db_job_state;

/* Create or upgrade the queue's table (component "db_queue" in
 * schema_migrations). Call once at start-up, like every component. */
aw_err db_queue_migrate(db_connection *db);

typedef struct db_job_spec {
    const char *queue;                      /* required: e.g. "eim.package" */
    const char *kind;                       /* required: the job's type within the queue */
    const void *payload;                    /* may be NULL when payload_len is 0 */
    size_t payload_len;                     /* at most DB_QUEUE_PAYLOAD_MAX */
    int64_t run_after_ms;                   /* not before; 0: now */
    const char *dedupe_key;                 /* NULL: none; unique per queue */
    int64_t max_attempts;                   /* 0: DB_QUEUE_DEFAULT_MAX_ATTEMPTS */
    int64_t backoff_ms;                     /* first retry delay; 0: DB_QUEUE_DEFAULT_BACKOFF_MS */
} db_job_spec;

/* Add a job. With a dedupe key already present in the queue (in any state,
 * until purged) nothing is added: *job_id is the existing job and *created
 * false. created may be NULL. Works inside the caller's transaction.
 * AW_ERR_ARGUMENT for missing or over-long names, AW_ERR_LIMIT for the
 * payload size. */
aw_err db_queue_enqueue(db_connection *db, const db_job_spec *spec, int64_t now_ms,
                        int64_t *job_id, bool *created);

/* Add count jobs (1..DB_QUEUE_BATCH_MAX) with multi-row INSERTs of
 * DB_QUEUE_BATCH_ROWS rows each, instead of one statement (and, on
 * PostgreSQL, one round trip) per job: a 100-EID order's jobs in 13
 * statements instead of 100. Each spec is checked as by db_queue_enqueue
 * and must have no dedupe key (AW_ERR_ARGUMENT): a key already present
 * would leave a job out without saying which. Nothing is added when any
 * spec is refused. All or nothing: in its own transaction, or in the
 * caller's, which a failure leaves to the caller to roll back. The jobs'
 * ids are not returned (RETURNING rows of a multi-row INSERT come in no
 * defined order); otherwise the jobs are as if enqueued one by one. */
#define DB_QUEUE_BATCH_MAX 100000u
#define DB_QUEUE_BATCH_ROWS (DB_MAX_PARAMS / 8u) /* 8 parameters per job */
aw_err db_queue_enqueue_batch(db_connection *db, const db_job_spec *specs, size_t count,
                              int64_t now_ms);

typedef struct db_job {
    int64_t id;
    char *kind;
    uint8_t *payload;                       /* zeroised on free */
    size_t payload_len;
    char *dedupe_key;                       /* NULL if none */
    int64_t attempt;                        /* 1 on the first claim */
    int64_t max_attempts;
    int64_t lease_until_ms;
} db_job;

/* Claim up to limit (1..DB_QUEUE_CLAIM_MAX) due jobs of queue, oldest
 * run_after first, leased to worker until now_ms + lease_ms; expired leases
 * are reclaimed first. *jobs (free with db_jobs_free) is NULL when *count is
 * 0. Runs in its own transaction, or in the caller's if one is open. */
aw_err db_queue_claim(db_connection *db, const char *queue, const char *worker, size_t limit,
                      int64_t lease_ms, int64_t now_ms, db_job **jobs, size_t *count);

void db_jobs_free(db_job *jobs, size_t count);

/* Mark done (the payload is emptied: it is no longer needed and may be
 * sensitive; the row keeps the dedupe key). AW_ERR_DB_NOT_FOUND if the job
 * is not leased to worker. */
aw_err db_queue_complete(db_connection *db, int64_t job_id, const char *worker, int64_t now_ms);

/* Record a failure with error_code (the caller's aw_err or a spec code).
 * retry false, or attempts used up: dead. Otherwise ready again at now_ms +
 * backoff_ms * 2^(attempt-1), at most DB_QUEUE_BACKOFF_CAP_MS. new_state
 * (may be NULL) receives DB_JOB_READY or DB_JOB_DEAD.
 * AW_ERR_DB_NOT_FOUND if the job is not leased to worker. */
aw_err db_queue_fail(db_connection *db, int64_t job_id, const char *worker, int64_t now_ms,
                     int64_t error_code, bool retry, db_job_state *new_state);

/* Keep a long job: lease until now_ms + lease_ms.
 * AW_ERR_DB_NOT_FOUND if the job is not leased to worker. */
aw_err db_queue_extend_lease(db_connection *db, int64_t job_id, const char *worker,
                             int64_t lease_ms, int64_t now_ms);

/* Make jobs whose lease expired at now_ms claimable again (or dead when
 * their attempts are used up). reclaimed (may be NULL) receives how many. */
aw_err db_queue_reclaim_expired(db_connection *db, const char *queue, int64_t now_ms,
                                int64_t *reclaimed);

typedef struct db_job_info {
    db_job_state state;
    int64_t attempts;
    int64_t max_attempts;
    int64_t run_after_ms;
    int64_t lease_until_ms;                 /* 0 unless running */
    int64_t last_error;                     /* error_code of the last failure, 0 if none */
    char worker[DB_QUEUE_WORKER_MAX + 1];   /* "" unless running */
} db_job_info;

/* State of one job. AW_ERR_DB_NOT_FOUND if there is no such job. */
aw_err db_queue_get_job(db_connection *db, int64_t job_id, db_job_info *info);

/* Number of jobs of queue in state. */
aw_err db_queue_count(db_connection *db, const char *queue, db_job_state state, int64_t *count);

/* Delete done jobs of queue last updated before before_ms (their dedupe
 * keys become free again). deleted may be NULL. */
aw_err db_queue_purge_done(db_connection *db, const char *queue, int64_t before_ms,
                           int64_t *deleted);

#endif
