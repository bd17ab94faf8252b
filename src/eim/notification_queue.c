/* airwrite eIM: notifications held for forwarding (SGP.32 6.3.2.4
 * ESipa.HandleNotification; SGP.22 3.5: a notification leaves the eUICC's
 * pending list only once its receiver has it, so an eIM that answers the
 * IPA must hold what it could not forward yet).
 *
 * Each held notification is a row of eim_notification_queue (the exact
 * bytes the eUICC signed, its notificationAddress, its status) and a core
 * db_queue job in EIM_NOTIFICATION_QUEUE whose payload names the row: the
 * job gives the forwarder leases, exponential backoff and bounded
 * attempts; the row outlives the job, so a dead notification can be listed
 * and replayed with a fresh job (dedupe key "notification:<id>:<replay>").
 * The row is unique per (eUICC identity, seqNumber), so a notification the
 * IPA sends again is never held, nor forwarded, twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_queue.h"
#include "eim/eim_internal.h"

#define QUEUE_TABLE(id_column, blob)                                                        \
    "CREATE TABLE eim_notification_queue (\n"                                              \
    "  id " id_column ",\n"                                                                 \
    "  identity TEXT NOT NULL,\n"                                                           \
    "  seq_number BIGINT NOT NULL,\n"                                                       \
    "  notification_address TEXT NOT NULL,\n"                                               \
    "  notification " blob " NOT NULL,\n"                                                   \
    "  status INTEGER NOT NULL,\n"                                                          \
    "  attempts BIGINT NOT NULL DEFAULT 0,\n"                                               \
    "  max_attempts BIGINT NOT NULL,\n"                                                     \
    "  retry_ms BIGINT NOT NULL,\n"                                                         \
    "  last_error BIGINT NOT NULL DEFAULT 0,\n"                                             \
    "  replays BIGINT NOT NULL DEFAULT 0,\n"                                                \
    "  created_ms BIGINT NOT NULL,\n"                                                       \
    "  updated_ms BIGINT NOT NULL,\n"                                                       \
    "  UNIQUE (identity, seq_number));\n"                                                   \
    "CREATE INDEX eim_notification_queue_status ON eim_notification_queue (status, id);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "notifications held for forwarding to their receivers",
        .sqlite_sql = QUEUE_TABLE("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        .postgresql_sql = QUEUE_TABLE("BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
};

aw_err eim_notification_queue_migrate(db_connection *db)
{
    aw_err err = db_queue_migrate(db);
    if (err == AW_OK)
        err = db_migrate(db, "eim_notification_queue", migrations,
                         sizeof(migrations) / sizeof(migrations[0]), NULL);
    return err;
}

const char *eim_notification_status_name(eim_notification_status status)
{
    switch (status) {
    case EIM_NOTIFICATION_PENDING:
        return "pending";
    case EIM_NOTIFICATION_FORWARDED:
        return "forwarded";
    case EIM_NOTIFICATION_DEAD:
        return "dead";
    default:
        return NULL;
    }
}

/* The job of row id's replay-th forwarding. */
static aw_err enqueue(db_connection *db, int64_t id, int64_t replay, int64_t attempts,
                      int64_t retry_ms, int64_t run_after_ms, int64_t now_ms)
{
    char payload[24], dedupe[64];
    snprintf(payload, sizeof(payload), "%lld", (long long)id);
    snprintf(dedupe, sizeof(dedupe), "notification:%lld:%lld", (long long)id, (long long)replay);
    db_job_spec spec = {.queue = EIM_NOTIFICATION_QUEUE,
                        .kind = "forward",
                        .payload = payload,
                        .payload_len = strlen(payload),
                        .run_after_ms = run_after_ms,
                        .dedupe_key = dedupe,
                        .max_attempts = attempts,
                        .backoff_ms = retry_ms};
    int64_t job_id = 0;
    return db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
}

typedef struct hold_args {
    const char *identity;
    int64_t seq_number;
    const char *address;
    aw_slice pending;
    int64_t attempts, retry_ms, now_ms;
} hold_args;

static aw_err hold_in(db_connection *db, void *arg)
{
    const hold_args *a = arg;
    db_param p[] = {DB_PARAM_TEXT(a->identity),
                    DB_PARAM_INT64(a->seq_number),
                    DB_PARAM_TEXT(a->address),
                    DB_PARAM_BLOB(a->pending.ptr, a->pending.len),
                    DB_PARAM_INT64(EIM_NOTIFICATION_PENDING),
                    DB_PARAM_INT64(a->attempts),
                    DB_PARAM_INT64(a->retry_ms),
                    DB_PARAM_INT64(a->now_ms),
                    DB_PARAM_INT64(a->now_ms)};
    /* held before: nothing to add (looked up first: a failed INSERT would
     * end a PostgreSQL transaction) */
    int64_t id = 0, seen = 0;
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM eim_notification_queue WHERE identity = ? "
                                "AND seq_number = ?",
                                p, 2, &seen);
    if (err != AW_OK || seen > 0)
        return err;
    err = db_execute(db,
                     "INSERT INTO eim_notification_queue (identity, seq_number, "
                     "notification_address, notification, status, max_attempts, retry_ms, "
                     "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     p, 9, NULL);
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT id FROM eim_notification_queue WHERE identity = ? AND "
                             "seq_number = ?",
                             p, 2, &id);
    /* the first attempt was the relay's own: the forwarder's comes after
     * the first backoff */
    if (err == AW_OK)
        err = enqueue(db, id, 0, a->attempts, a->retry_ms, a->now_ms + a->retry_ms, a->now_ms);
    return err;
}

/* fn in the caller's transaction when one is open, else in its own. */
static aw_err in_transaction(db_connection *db, db_transaction_fn fn, void *arg)
{
    if (db_in_transaction(db))
        return fn(db, arg);
    return db_transaction_run(db, fn, arg, NULL);
}

aw_err eim_notification_hold(db_connection *db, const char *identity, int64_t seq_number,
                             aw_slice address, aw_slice pending, int64_t attempts,
                             int64_t retry_ms, int64_t now_ms)
{
    char text[256];
    if (db == NULL || identity == NULL || pending.ptr == NULL || pending.len == 0 ||
        attempts <= 0 || retry_ms <= 0 || address.len >= sizeof(text))
        return AW_ERR_ARGUMENT;
    if (address.len > 0)
        memcpy(text, address.ptr, address.len);
    text[address.len] = '\0';
    hold_args a = {.identity = identity, .seq_number = seq_number, .address = text,
                   .pending = pending, .attempts = attempts, .retry_ms = retry_ms,
                   .now_ms = now_ms};
    return in_transaction(db, hold_in, &a);
}

aw_err eim_notification_is_held(db_connection *db, const char *identity, int64_t seq_number,
                                bool *held)
{
    *held = false;
    int64_t count = 0;
    db_param p[] = {DB_PARAM_TEXT(identity), DB_PARAM_INT64(seq_number),
                    DB_PARAM_INT64(EIM_NOTIFICATION_FORWARDED)};
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM eim_notification_queue WHERE identity = ? "
                                "AND seq_number = ? AND status <> ?",
                                p, 3, &count);
    *held = err == AW_OK && count > 0;
    return err;
}

static aw_err copy_column(const db_rows *rows, size_t column, char *out, size_t cap)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    return err == AW_OK ? eim_copy_text(out, cap, text) : err;
}

#define RECORD_COLUMNS                                                                      \
    "id, identity, seq_number, notification_address, status, attempts, last_error, "      \
    "replays, created_ms, updated_ms"

static aw_err read_record(const db_rows *rows, eim_notification_record *r)
{
    int64_t status = 0;
    aw_err err = db_rows_get_int64(rows, 0, &r->id);
    if (err == AW_OK)
        err = copy_column(rows, 1, r->identity, sizeof(r->identity));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &r->seq_number);
    if (err == AW_OK)
        err = copy_column(rows, 3, r->address, sizeof(r->address));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &status);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &r->attempts);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 6, &r->last_error);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 7, &r->replays);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &r->created_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &r->updated_ms);
    r->status = (eim_notification_status)status;
    if (err == AW_OK && eim_notification_status_name(r->status) == NULL)
        err = AW_ERR_DB_TYPE;
    return err == AW_ERR_LIMIT ? AW_ERR_DB_TYPE : err;
}

aw_err eim_notification_list(db_connection *db, eim_notification_status status, int64_t after_id,
                             size_t limit, eim_notification_record **out, size_t *count)
{
    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || out == NULL || count == NULL || limit == 0 ||
        limit > EIM_NOTIFICATION_LIST_MAX || eim_notification_status_name(status) == NULL)
        return AW_ERR_ARGUMENT;
    eim_notification_record *records = calloc(limit, sizeof(*records));
    if (records == NULL)
        return AW_ERR_NOMEM;
    db_param p[] = {DB_PARAM_INT64(status), DB_PARAM_INT64(after_id),
                    DB_PARAM_INT64((int64_t)limit)};
    db_rows *rows = NULL;
    bool has_row = false;
    size_t n = 0;
    aw_err err = db_query(db,
                          "SELECT " RECORD_COLUMNS " FROM eim_notification_queue WHERE "
                          "status = ? AND id > ? ORDER BY id LIMIT ?",
                          p, 3, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row &&
           n < limit) {
        err = read_record(rows, &records[n]);
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(records);
        return err;
    }
    *out = records;
    *count = n;
    return AW_OK;
}

typedef struct replay_args {
    int64_t id;
    int64_t now_ms;
} replay_args;

static aw_err replay_in(db_connection *db, void *arg)
{
    const replay_args *a = arg;
    db_param key[] = {DB_PARAM_INT64(a->id), DB_PARAM_INT64(EIM_NOTIFICATION_DEAD)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t replays = 0, attempts = 0, retry_ms = 0;
    aw_err err = db_query(db,
                          "SELECT replays, max_attempts, retry_ms FROM eim_notification_queue "
                          "WHERE id = ? AND status = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &replays);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &attempts);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &retry_ms);
    db_rows_free(rows);
    db_param p[] = {DB_PARAM_INT64(EIM_NOTIFICATION_PENDING), DB_PARAM_INT64(replays + 1),
                    DB_PARAM_INT64(a->now_ms), DB_PARAM_INT64(a->id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE eim_notification_queue SET status = ?, replays = ?, "
                         "updated_ms = ? WHERE id = ?",
                         p, 4, NULL);
    if (err == AW_OK)
        err = enqueue(db, a->id, replays + 1, attempts, retry_ms, a->now_ms, a->now_ms);
    return err;
}

aw_err eim_notification_replay(db_connection *db, int64_t id, int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    replay_args a = {.id = id, .now_ms = now_ms};
    return in_transaction(db, replay_in, &a);
}

aw_err eim_notification_load(db_connection *db, const db_job *job, eim_notification_record *out,
                             uint8_t **pending, size_t *pending_len)
{
    *pending = NULL;
    *pending_len = 0;
    memset(out, 0, sizeof(*out));
    char text[24];
    if (job->payload_len == 0 || job->payload_len >= sizeof(text))
        return AW_ERR_DB_TYPE;
    memcpy(text, job->payload, job->payload_len);
    text[job->payload_len] = '\0';
    char *end = NULL;
    long long id = strtoll(text, &end, 10);
    if (*end != '\0' || id <= 0)
        return AW_ERR_DB_TYPE;
    db_param key = DB_PARAM_INT64(id);
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *bytes = NULL;
    size_t len = 0;
    aw_err err = db_query(db,
                          "SELECT " RECORD_COLUMNS ", notification FROM eim_notification_queue "
                          "WHERE id = ?",
                          &key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_DB_NOT_FOUND;
    if (err == AW_OK)
        err = read_record(rows, out);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 10, &bytes, &len);
    if (err == AW_OK && len == 0)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK && (*pending = malloc(len)) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        memcpy(*pending, bytes, len);
        *pending_len = len;
    }
    db_rows_free(rows);
    return err;
}

typedef struct finish_args {
    const db_job *job;
    const char *worker;
    const eim_notification_record *record;
    aw_err verdict;
    int64_t now_ms;
    db_job_state state; /* out */
} finish_args;

static aw_err finish_in(db_connection *db, void *arg)
{
    finish_args *a = arg;
    aw_err err;
    if (a->verdict == AW_OK) {
        err = db_queue_complete(db, a->job->id, a->worker, a->now_ms);
        a->state = DB_JOB_DONE;
        db_param p[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->record->identity),
                        DB_PARAM_INT64(a->record->seq_number)};
        if (err == AW_OK)
            err = db_execute(db,
                             "UPDATE eim_notifications SET forwarded_ms = ? WHERE identity = ? "
                             "AND seq_number = ? AND forwarded_ms IS NULL",
                             p, 3, NULL);
    } else {
        err = db_queue_fail(db, a->job->id, a->worker, a->now_ms, a->verdict, true, &a->state);
    }
    eim_notification_status status = a->state == DB_JOB_DONE   ? EIM_NOTIFICATION_FORWARDED
                                     : a->state == DB_JOB_DEAD ? EIM_NOTIFICATION_DEAD
                                                               : EIM_NOTIFICATION_PENDING;
    db_param p[] = {DB_PARAM_INT64(status), DB_PARAM_INT64(a->verdict),
                    DB_PARAM_INT64(a->now_ms), DB_PARAM_INT64(a->record->id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE eim_notification_queue SET status = ?, attempts = attempts + 1, "
                         "last_error = ?, updated_ms = ? WHERE id = ?",
                         p, 4, NULL);
    return err;
}

aw_err eim_notification_finish(db_connection *db, const db_job *job, const char *worker,
                               const eim_notification_record *record, aw_err verdict,
                               int64_t now_ms, db_job_state *state)
{
    finish_args a = {.job = job, .worker = worker, .record = record, .verdict = verdict,
                     .now_ms = now_ms};
    aw_err err = db_transaction_run(db, finish_in, &a, NULL);
    *state = a.state;
    return err;
}
