/* airwrite core: durable job queue (db_queue.h) on db.h.
 *
 * One table, job_queue, for all queues. Claiming uses PostgreSQL's
 * FOR UPDATE SKIP LOCKED (PostgreSQL 15 docs, SELECT: The Locking Clause),
 * so concurrent airwrited processes each take different rows without
 * waiting; on SQLite the same statements run under BEGIN IMMEDIATE, which
 * gives one claimer at a time the write lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/db_internal.h"
#include "core/db_queue.h"

static const db_migration queue_migrations[] = {
    {1, "job_queue table",
     "CREATE TABLE job_queue ("
     " id INTEGER PRIMARY KEY AUTOINCREMENT,"
     " queue TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " payload BLOB NOT NULL,"
     " dedupe_key TEXT,"
     " state INTEGER NOT NULL,"
     " run_after BIGINT NOT NULL,"
     " attempts BIGINT NOT NULL DEFAULT 0,"
     " max_attempts BIGINT NOT NULL,"
     " backoff_ms BIGINT NOT NULL,"
     " worker TEXT,"
     " lease_until BIGINT,"
     " last_error BIGINT NOT NULL DEFAULT 0,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL,"
     " UNIQUE (queue, dedupe_key));"
     "CREATE INDEX job_queue_due ON job_queue (queue, state, run_after);"
     "CREATE INDEX job_queue_lease ON job_queue (queue, state, lease_until);",
     "CREATE TABLE job_queue ("
     " id BIGSERIAL PRIMARY KEY,"
     " queue TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " payload BYTEA NOT NULL,"
     " dedupe_key TEXT,"
     " state INTEGER NOT NULL,"
     " run_after BIGINT NOT NULL,"
     " attempts BIGINT NOT NULL DEFAULT 0,"
     " max_attempts BIGINT NOT NULL,"
     " backoff_ms BIGINT NOT NULL,"
     " worker TEXT,"
     " lease_until BIGINT,"
     " last_error BIGINT NOT NULL DEFAULT 0,"
     " created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL,"
     " UNIQUE (queue, dedupe_key));"
     "CREATE INDEX job_queue_due ON job_queue (queue, state, run_after);"
     "CREATE INDEX job_queue_lease ON job_queue (queue, state, lease_until);"},
    /* Only leased jobs (state 1) have a lease to expire: the reclaim's
     * "state = 1 AND lease_until <= ?" is the index's one reader. Every
     * enqueued and every finished job had its entry in it all the same, one
     * more B-tree written per job (an order's item job, a callback's
     * delivery); now a job has one only while it is leased. */
    {2, "lease index of leased jobs only",
     "DROP INDEX job_queue_lease;"
     "CREATE INDEX job_queue_leased ON job_queue (queue, lease_until) WHERE state = 1;",
     "DROP INDEX job_queue_lease;"
     "CREATE INDEX job_queue_leased ON job_queue (queue, lease_until) WHERE state = 1;"},
};

/* The row lock clause only PostgreSQL has; SQLite holds the write lock. */
#define CLAIM_SQL(lock)                                                                    \
    "UPDATE job_queue SET state = 1, worker = ?, lease_until = ?,"                         \
    " attempts = attempts + 1, updated_at = ?"                                             \
    " WHERE id IN (SELECT id FROM job_queue WHERE queue = ? AND state = 0"                 \
    " AND run_after <= ? ORDER BY run_after, id LIMIT ?" lock ")"                          \
    " RETURNING id, kind, payload, dedupe_key, attempts, max_attempts"

#define RECLAIM_SQL(lock)                                                                  \
    "UPDATE job_queue SET state = CASE WHEN attempts >= max_attempts THEN 3 ELSE 0 END,"   \
    " worker = NULL, lease_until = NULL, run_after = ?, updated_at = ?"                    \
    " WHERE id IN (SELECT id FROM job_queue WHERE queue = ? AND state = 1"                 \
    " AND lease_until <= ?" lock ")"

static const char claim_sqlite_sql[] = CLAIM_SQL("");
static const char claim_postgresql_sql[] = CLAIM_SQL(" FOR UPDATE SKIP LOCKED");
static const char reclaim_sqlite_sql[] = RECLAIM_SQL("");
static const char reclaim_postgresql_sql[] = RECLAIM_SQL(" FOR UPDATE SKIP LOCKED");

aw_err db_queue_migrate(db_connection *db)
{
    return db_migrate(db, "db_queue", queue_migrations,
                      sizeof(queue_migrations) / sizeof(queue_migrations[0]), NULL);
}

static bool name_valid(const char *name, size_t max, bool allow_null)
{
    if (name == NULL)
        return allow_null;
    size_t len = strnlen(name, max + 1);
    return len > 0 && len <= max;
}

static bool spec_valid(const db_job_spec *spec)
{
    return name_valid(spec->queue, DB_QUEUE_NAME_MAX, false) &&
           name_valid(spec->kind, DB_QUEUE_NAME_MAX, false) &&
           !(spec->payload == NULL && spec->payload_len > 0) && spec->max_attempts >= 0 &&
           spec->backoff_ms >= 0 && spec->run_after_ms >= 0;
}

aw_err db_queue_enqueue(db_connection *db, const db_job_spec *spec, int64_t now_ms,
                        int64_t *job_id, bool *created)
{
    if (job_id != NULL)
        *job_id = 0;
    if (created != NULL)
        *created = false;
    if (db == NULL || spec == NULL || job_id == NULL || now_ms < 0 || !spec_valid(spec) ||
        !name_valid(spec->dedupe_key, DB_QUEUE_DEDUPE_MAX, true))
        return AW_ERR_ARGUMENT;
    if (spec->payload_len > DB_QUEUE_PAYLOAD_MAX)
        return AW_ERR_LIMIT;
    int64_t max_attempts = spec->max_attempts ? spec->max_attempts : DB_QUEUE_DEFAULT_MAX_ATTEMPTS;
    int64_t backoff_ms = spec->backoff_ms ? spec->backoff_ms : DB_QUEUE_DEFAULT_BACKOFF_MS;
    int64_t run_after = spec->run_after_ms ? spec->run_after_ms : now_ms;

    db_param params[9] = {
        DB_PARAM_TEXT(spec->queue),
        DB_PARAM_TEXT(spec->kind),
        DB_PARAM_BLOB(spec->payload, spec->payload_len),
        spec->dedupe_key ? DB_PARAM_TEXT(spec->dedupe_key) : DB_PARAM_NULL,
        DB_PARAM_INT64(run_after),
        DB_PARAM_INT64(max_attempts),
        DB_PARAM_INT64(backoff_ms),
        DB_PARAM_INT64(now_ms),
        DB_PARAM_INT64(now_ms),
    };
    aw_err err = db_query_int64(db,
                                "INSERT INTO job_queue (queue, kind, payload, dedupe_key, state,"
                                " run_after, max_attempts, backoff_ms, created_at, updated_at)"
                                " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)"
                                " ON CONFLICT (queue, dedupe_key) DO NOTHING RETURNING id",
                                params, 9, job_id);
    if (err == AW_OK) {
        if (created != NULL)
            *created = true;
        return AW_OK;
    }
    if (err != AW_ERR_DB_NOT_FOUND || spec->dedupe_key == NULL)
        return err;
    /* The key exists: answer with its job. Not visible only when the other
     * insert committed after this transaction's snapshot: retry then. */
    db_param key[2] = {DB_PARAM_TEXT(spec->queue), DB_PARAM_TEXT(spec->dedupe_key)};
    err = db_query_int64(db, "SELECT id FROM job_queue WHERE queue = ? AND dedupe_key = ?", key,
                         2, job_id);
    return err == AW_ERR_DB_NOT_FOUND ? AW_ERR_DB_BUSY : err;
}

/* One multi-row INSERT of specs[0..n) (n <= DB_QUEUE_BATCH_ROWS). */
static aw_err insert_rows(db_connection *db, const db_job_spec *specs, size_t n, int64_t now_ms)
{
    static const char head[] = "INSERT INTO job_queue (queue, kind, payload, dedupe_key, state,"
                               " run_after, max_attempts, backoff_ms, created_at, updated_at)"
                               " VALUES ";
    static const char row[] = "(?, ?, ?, NULL, 0, ?, ?, ?, ?, ?)";
    char sql[sizeof(head) + DB_QUEUE_BATCH_ROWS * sizeof(row)];
    db_param params[DB_QUEUE_BATCH_ROWS * 8];
    size_t len = sizeof(head) - 1;
    memcpy(sql, head, len);
    for (size_t i = 0; i < n; i++) {
        const db_job_spec *spec = &specs[i];
        if (i > 0)
            sql[len++] = ',';
        memcpy(sql + len, row, sizeof(row) - 1);
        len += sizeof(row) - 1;
        db_param *p = &params[i * 8];
        p[0] = DB_PARAM_TEXT(spec->queue);
        p[1] = DB_PARAM_TEXT(spec->kind);
        p[2] = DB_PARAM_BLOB(spec->payload, spec->payload_len);
        p[3] = DB_PARAM_INT64(spec->run_after_ms ? spec->run_after_ms : now_ms);
        p[4] = DB_PARAM_INT64(spec->max_attempts ? spec->max_attempts
                                                 : DB_QUEUE_DEFAULT_MAX_ATTEMPTS);
        p[5] = DB_PARAM_INT64(spec->backoff_ms ? spec->backoff_ms : DB_QUEUE_DEFAULT_BACKOFF_MS);
        p[6] = DB_PARAM_INT64(now_ms);
        p[7] = DB_PARAM_INT64(now_ms);
    }
    sql[len] = '\0';
    int64_t inserted = 0;
    aw_err err = db_execute(db, sql, params, n * 8, &inserted);
    /* no conflict target: every row goes in or the statement fails */
    if (err == AW_OK && inserted != (int64_t)n)
        err = AW_ERR_DB_FAILED;
    return err;
}

aw_err db_queue_enqueue_batch(db_connection *db, const db_job_spec *specs, size_t count,
                              int64_t now_ms)
{
    if (db == NULL || specs == NULL || count == 0 || count > DB_QUEUE_BATCH_MAX || now_ms < 0)
        return AW_ERR_ARGUMENT;
    /* every spec before any row: a refused one adds nothing */
    for (size_t i = 0; i < count; i++) {
        if (!spec_valid(&specs[i]) || specs[i].dedupe_key != NULL)
            return AW_ERR_ARGUMENT;
        if (specs[i].payload_len > DB_QUEUE_PAYLOAD_MAX)
            return AW_ERR_LIMIT;
    }
    bool own_transaction = !db_in_transaction(db);
    aw_err err = own_transaction ? db_begin(db) : AW_OK;
    for (size_t start = 0; err == AW_OK && start < count; start += DB_QUEUE_BATCH_ROWS) {
        size_t n = count - start < DB_QUEUE_BATCH_ROWS ? count - start : DB_QUEUE_BATCH_ROWS;
        err = insert_rows(db, specs + start, n, now_ms);
    }
    if (own_transaction && db_in_transaction(db)) {
        if (err == AW_OK)
            err = db_commit(db);
        else
            (void)db_rollback(db);
    }
    return err;
}

void db_jobs_free(db_job *jobs, size_t count)
{
    if (jobs == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        free(jobs[i].kind);
        free(jobs[i].dedupe_key);
        if (jobs[i].payload != NULL)
            OPENSSL_cleanse(jobs[i].payload, jobs[i].payload_len);
        free(jobs[i].payload);
    }
    free(jobs);
}

/* Copy the current RETURNING row of the claim statement into job. */
static aw_err read_job(const db_rows *rows, db_job *job)
{
    const char *kind = NULL, *dedupe = NULL;
    const uint8_t *payload = NULL;
    aw_err err = db_rows_get_int64(rows, 0, &job->id);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &kind);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 2, &payload, &job->payload_len);
    if (err == AW_OK && db_rows_column_type(rows, 3) != DB_TYPE_NULL)
        err = db_rows_get_text(rows, 3, &dedupe);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &job->attempt);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &job->max_attempts);
    if (err != AW_OK)
        return err;
    job->kind = strdup(kind);
    job->dedupe_key = dedupe ? strdup(dedupe) : NULL;
    job->payload = malloc(job->payload_len ? job->payload_len : 1);
    if (job->kind == NULL || (dedupe != NULL && job->dedupe_key == NULL) || job->payload == NULL)
        return AW_ERR_NOMEM;
    memcpy(job->payload, payload, job->payload_len);
    return AW_OK;
}

static int compare_jobs(const void *a, const void *b)
{
    int64_t x = ((const db_job *)a)->id, y = ((const db_job *)b)->id;
    return (x > y) - (x < y);
}

/* Reclaim, then claim, inside the transaction already open. */
static aw_err claim_in_transaction(db_connection *db, const char *queue, const char *worker,
                                   size_t limit, int64_t lease_until, int64_t now_ms,
                                   db_job *jobs, size_t *count)
{
    aw_err err = db_queue_reclaim_expired(db, queue, now_ms, NULL);
    if (err != AW_OK)
        return err;
    db_param params[6] = {
        DB_PARAM_TEXT(worker), DB_PARAM_INT64(lease_until), DB_PARAM_INT64(now_ms),
        DB_PARAM_TEXT(queue),  DB_PARAM_INT64(now_ms),      DB_PARAM_INT64((int64_t)limit),
    };
    db_rows *rows = NULL;
    err = db_query(db, db->backend == DB_BACKEND_SQLITE ? claim_sqlite_sql : claim_postgresql_sql,
                   params, 6, &rows);
    while (err == AW_OK) {
        bool has_row = false;
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (*count == limit) { /* the LIMIT makes this impossible */
            err = AW_ERR_DB_FAILED;
            break;
        }
        jobs[*count].lease_until_ms = lease_until;
        err = read_job(rows, &jobs[(*count)++]);
    }
    db_rows_free(rows);
    return err;
}

aw_err db_queue_claim(db_connection *db, const char *queue, const char *worker, size_t limit,
                      int64_t lease_ms, int64_t now_ms, db_job **jobs, size_t *count)
{
    if (jobs != NULL)
        *jobs = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || jobs == NULL || count == NULL || !name_valid(queue, DB_QUEUE_NAME_MAX, false) ||
        !name_valid(worker, DB_QUEUE_WORKER_MAX, false) || limit == 0 ||
        limit > DB_QUEUE_CLAIM_MAX || lease_ms <= 0 || now_ms < 0 ||
        now_ms > INT64_MAX - lease_ms)
        return AW_ERR_ARGUMENT;
    db_job *claimed = calloc(limit, sizeof(*claimed));
    if (claimed == NULL)
        return AW_ERR_NOMEM;
    size_t n = 0;
    bool own_transaction = !db_in_transaction(db);
    aw_err err = own_transaction ? db_begin(db) : AW_OK;
    if (err != AW_OK)
        goto cleanup;
    err = claim_in_transaction(db, queue, worker, limit, now_ms + lease_ms, now_ms, claimed, &n);
    if (own_transaction) {
        if (err == AW_OK)
            err = db_commit(db);
        else
            (void)db_rollback(db);
    }
    if (err != AW_OK)
        goto cleanup;
    if (n == 0) {
        free(claimed);
        claimed = NULL;
    } else {
        qsort(claimed, n, sizeof(*claimed), compare_jobs);
    }
    *jobs = claimed;
    *count = n;
    claimed = NULL;
cleanup:
    db_jobs_free(claimed, n);
    return err;
}

/* UPDATE of a job leased to worker: AW_ERR_DB_NOT_FOUND when no row matched. */
static aw_err update_leased(db_connection *db, const char *sql, const db_param *params,
                            size_t count)
{
    int64_t changes = 0;
    aw_err err = db_execute(db, sql, params, count, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_DB_NOT_FOUND;
    return err;
}

static bool lease_args_valid(const db_connection *db, const char *worker, int64_t now_ms)
{
    return db != NULL && name_valid(worker, DB_QUEUE_WORKER_MAX, false) && now_ms >= 0;
}

aw_err db_queue_complete(db_connection *db, int64_t job_id, const char *worker, int64_t now_ms)
{
    if (!lease_args_valid(db, worker, now_ms))
        return AW_ERR_ARGUMENT;
    db_param params[4] = {DB_PARAM_BLOB("", 0), DB_PARAM_INT64(now_ms), DB_PARAM_INT64(job_id),
                          DB_PARAM_TEXT(worker)};
    return update_leased(db,
                         "UPDATE job_queue SET state = 2, payload = ?, worker = NULL,"
                         " lease_until = NULL, updated_at = ?"
                         " WHERE id = ? AND worker = ? AND state = 1",
                         params, 4);
}

/* backoff_ms * 2^(attempt-1), capped: the doubling stops at the cap so it
 * cannot overflow. */
static int64_t retry_delay(int64_t backoff_ms, int64_t attempt)
{
    int64_t delay = backoff_ms;
    for (int64_t i = 1; i < attempt && delay < DB_QUEUE_BACKOFF_CAP_MS; i++)
        delay *= 2;
    return delay < DB_QUEUE_BACKOFF_CAP_MS ? delay : DB_QUEUE_BACKOFF_CAP_MS;
}

aw_err db_queue_fail(db_connection *db, int64_t job_id, const char *worker, int64_t now_ms,
                     int64_t error_code, bool retry, db_job_state *new_state)
{
    if (new_state != NULL)
        *new_state = DB_JOB_READY;
    if (!lease_args_valid(db, worker, now_ms))
        return AW_ERR_ARGUMENT;
    db_param key[2] = {DB_PARAM_INT64(job_id), DB_PARAM_TEXT(worker)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t attempts = 0, max_attempts = 0, backoff_ms = 0;
    aw_err err = db_query(db,
                          "SELECT attempts, max_attempts, backoff_ms FROM job_queue"
                          " WHERE id = ? AND worker = ? AND state = 1",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_DB_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &attempts);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &max_attempts);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &backoff_ms);
    db_rows_free(rows);
    if (err != AW_OK)
        return err;

    db_job_state state = (!retry || attempts >= max_attempts) ? DB_JOB_DEAD : DB_JOB_READY;
    int64_t delay = retry_delay(backoff_ms, attempts);
    int64_t run_after = now_ms > INT64_MAX - delay ? INT64_MAX : now_ms + delay;
    /* attempts in the WHERE: the lease read above is still the one updated. */
    db_param params[7] = {
        DB_PARAM_INT64((int64_t)state), DB_PARAM_INT64(run_after), DB_PARAM_INT64(error_code),
        DB_PARAM_INT64(now_ms),         DB_PARAM_INT64(job_id),    DB_PARAM_TEXT(worker),
        DB_PARAM_INT64(attempts),
    };
    err = update_leased(db,
                        "UPDATE job_queue SET state = ?, run_after = ?, last_error = ?,"
                        " worker = NULL, lease_until = NULL, updated_at = ?"
                        " WHERE id = ? AND worker = ? AND state = 1 AND attempts = ?",
                        params, 7);
    if (err == AW_OK && new_state != NULL)
        *new_state = state;
    return err;
}

aw_err db_queue_extend_lease(db_connection *db, int64_t job_id, const char *worker,
                             int64_t lease_ms, int64_t now_ms)
{
    if (!lease_args_valid(db, worker, now_ms) || lease_ms <= 0 || now_ms > INT64_MAX - lease_ms)
        return AW_ERR_ARGUMENT;
    db_param params[4] = {DB_PARAM_INT64(now_ms + lease_ms), DB_PARAM_INT64(now_ms),
                          DB_PARAM_INT64(job_id), DB_PARAM_TEXT(worker)};
    return update_leased(db,
                         "UPDATE job_queue SET lease_until = ?, updated_at = ?"
                         " WHERE id = ? AND worker = ? AND state = 1",
                         params, 4);
}

aw_err db_queue_reclaim_expired(db_connection *db, const char *queue, int64_t now_ms,
                                int64_t *reclaimed)
{
    if (reclaimed != NULL)
        *reclaimed = 0;
    if (db == NULL || !name_valid(queue, DB_QUEUE_NAME_MAX, false) || now_ms < 0)
        return AW_ERR_ARGUMENT;
    db_param params[4] = {DB_PARAM_INT64(now_ms), DB_PARAM_INT64(now_ms), DB_PARAM_TEXT(queue),
                          DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      db->backend == DB_BACKEND_SQLITE ? reclaim_sqlite_sql
                                                       : reclaim_postgresql_sql,
                      params, 4, reclaimed);
}

aw_err db_queue_get_job(db_connection *db, int64_t job_id, db_job_info *info)
{
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    if (db == NULL || info == NULL)
        return AW_ERR_ARGUMENT;
    db_param key = DB_PARAM_INT64(job_id);
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t state = 0;
    aw_err err = db_query(db,
                          "SELECT state, attempts, max_attempts, run_after,"
                          " COALESCE(lease_until, 0), last_error, COALESCE(worker, '')"
                          " FROM job_queue WHERE id = ?",
                          &key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_DB_NOT_FOUND;
    int64_t *fields[5] = {&info->attempts, &info->max_attempts, &info->run_after_ms,
                          &info->lease_until_ms, &info->last_error};
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &state);
    for (size_t i = 0; err == AW_OK && i < 5; i++)
        err = db_rows_get_int64(rows, i + 1, fields[i]);
    const char *worker = NULL;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 6, &worker);
    if (err == AW_OK) {
        info->state = (db_job_state)state;
        snprintf(info->worker, sizeof(info->worker), "%s", worker);
    }
    db_rows_free(rows);
    if (err != AW_OK)
        memset(info, 0, sizeof(*info));
    return err;
}

aw_err db_queue_count(db_connection *db, const char *queue, db_job_state state, int64_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || count == NULL || !name_valid(queue, DB_QUEUE_NAME_MAX, false))
        return AW_ERR_ARGUMENT;
    db_param params[2] = {DB_PARAM_TEXT(queue), DB_PARAM_INT64((int64_t)state)};
    return db_query_int64(db, "SELECT COUNT(*) FROM job_queue WHERE queue = ? AND state = ?",
                          params, 2, count);
}

aw_err db_queue_purge_done(db_connection *db, const char *queue, int64_t before_ms,
                           int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    if (db == NULL || !name_valid(queue, DB_QUEUE_NAME_MAX, false))
        return AW_ERR_ARGUMENT;
    db_param params[2] = {DB_PARAM_TEXT(queue), DB_PARAM_INT64(before_ms)};
    return db_execute(db, "DELETE FROM job_queue WHERE queue = ? AND state = 2 AND updated_at < ?",
                      params, 2, deleted);
}
