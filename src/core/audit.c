/* airwrite core: the audit log in the database (T/CA group standard,
 * security management: audit), schema, appends, checkpoints and listing;
 * see audit.h and docs/audit-log.md. */
#include "core/audit.h"

#include <stdlib.h>
#include <string.h>

#include "core/audit_internal.h"

/* UPDATE and DELETE are refused by triggers: the log is append-only for
 * everyone who does not drop the triggers first (the hash chain and the
 * checkpoints catch those who do). The head row is the append lock and the
 * chain's suite; it is not trusted by audit_verify. */
static const db_migration migrations[] = {
    {1, "audit hash chain and signed checkpoints",
     "CREATE TABLE aw_audit_entry ("
     " seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, suite INTEGER NOT NULL,"
     " actor_type INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,"
     " tenant TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
     " outcome INTEGER NOT NULL, source_address TEXT NOT NULL, request_id TEXT NOT NULL,"
     " details TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
     "CREATE INDEX aw_audit_entry_prev_hash ON aw_audit_entry (prev_hash);"
     "CREATE TABLE aw_audit_head ("
     " id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
     " suite INTEGER NOT NULL, hash BLOB NOT NULL);"
     "INSERT INTO aw_audit_head (id, seq, suite, hash) VALUES (1, 0, 0, zeroblob(32));"
     "CREATE TABLE aw_audit_checkpoint ("
     " id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
     " suite INTEGER NOT NULL, head_hash BLOB NOT NULL, key_id BLOB NOT NULL,"
     " signature BLOB NOT NULL);"
     "CREATE TRIGGER aw_audit_entry_no_update BEFORE UPDATE ON aw_audit_entry"
     " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
     "CREATE TRIGGER aw_audit_entry_no_delete BEFORE DELETE ON aw_audit_entry"
     " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
     "CREATE TRIGGER aw_audit_checkpoint_no_update BEFORE UPDATE ON aw_audit_checkpoint"
     " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
     "CREATE TRIGGER aw_audit_checkpoint_no_delete BEFORE DELETE ON aw_audit_checkpoint"
     " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
     "CREATE TABLE aw_audit_entry ("
     " seq BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, suite INTEGER NOT NULL,"
     " actor_type INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,"
     " tenant TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
     " outcome INTEGER NOT NULL, source_address TEXT NOT NULL, request_id TEXT NOT NULL,"
     " details TEXT NOT NULL, prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL);"
     "CREATE INDEX aw_audit_entry_prev_hash ON aw_audit_entry (prev_hash);"
     "CREATE TABLE aw_audit_head ("
     " id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,"
     " suite INTEGER NOT NULL, hash BYTEA NOT NULL);"
     "INSERT INTO aw_audit_head (id, seq, suite, hash)"
     " VALUES (1, 0, 0, decode(repeat('00', 32), 'hex'));"
     "CREATE TABLE aw_audit_checkpoint ("
     " id BIGSERIAL PRIMARY KEY, seq BIGINT NOT NULL, time_ms BIGINT NOT NULL,"
     " suite INTEGER NOT NULL, head_hash BYTEA NOT NULL, key_id BYTEA NOT NULL,"
     " signature BYTEA NOT NULL);"
     "CREATE FUNCTION aw_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
     " BEGIN RAISE EXCEPTION 'audit log is append-only'"
     " USING ERRCODE = 'integrity_constraint_violation'; END $$;"
     "CREATE TRIGGER aw_audit_entry_append_only BEFORE UPDATE OR DELETE ON aw_audit_entry"
     " FOR EACH ROW EXECUTE FUNCTION aw_audit_refuse_change();"
     "CREATE TRIGGER aw_audit_entry_no_truncate BEFORE TRUNCATE ON aw_audit_entry"
     " FOR EACH STATEMENT EXECUTE FUNCTION aw_audit_refuse_change();"
     "CREATE TRIGGER aw_audit_checkpoint_append_only BEFORE UPDATE OR DELETE"
     " ON aw_audit_checkpoint FOR EACH ROW EXECUTE FUNCTION aw_audit_refuse_change();"
     "CREATE TRIGGER aw_audit_checkpoint_no_truncate BEFORE TRUNCATE ON aw_audit_checkpoint"
     " FOR EACH STATEMENT EXECUTE FUNCTION aw_audit_refuse_change();"},
    /* Every append wrote a page of the prev_hash index at a random place
     * (a hash orders nothing): a quarter of an order's WAL bytes. Its one
     * reader, audit_verify's search for a reordered entry after a broken
     * link, walks the primary key from that entry on instead: once, on a
     * log that already failed, where pass 1 read the whole log anyway. */
    {2, "no prev_hash index (the chain is walked by seq)",
     "DROP INDEX aw_audit_entry_prev_hash;", "DROP INDEX aw_audit_entry_prev_hash;"},
};

aw_err audit_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "audit", migrations, sizeof(migrations) / sizeof(migrations[0]), NULL);
}

/* ---- Reading rows -------------------------------------------------------- */

static aw_err read_text(const db_rows *rows, size_t column, char *out, size_t bound)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_ERR_DB_TYPE)
        return AW_ERR_AUDIT_FORMAT;
    if (err != AW_OK)
        return err;
    size_t len = strnlen(text, bound + 1);
    if (len > bound)
        return AW_ERR_AUDIT_FORMAT;
    memcpy(out, text, len + 1);
    return AW_OK;
}

static aw_err read_hash(const db_rows *rows, size_t column, uint8_t out[AUDIT_HASH_SIZE])
{
    const uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = db_rows_get_blob(rows, column, &data, &len);
    if (err == AW_ERR_DB_TYPE || (err == AW_OK && len != AUDIT_HASH_SIZE))
        return AW_ERR_AUDIT_FORMAT;
    if (err == AW_OK)
        memcpy(out, data, AUDIT_HASH_SIZE);
    return err;
}

/* A small enumeration stored as an integer; out-of-range values become 0,
 * which every check refuses. */
static aw_err read_small(const db_rows *rows, size_t column, int *out)
{
    int64_t value = 0;
    aw_err err = db_rows_get_int64(rows, column, &value);
    if (err == AW_ERR_DB_TYPE)
        return AW_ERR_AUDIT_FORMAT;
    *out = value >= 0 && value <= 255 ? (int)value : 0;
    return err;
}

aw_err audit_read_entry_row(const db_rows *rows, audit_entry *entry)
{
    memset(entry, 0, sizeof(*entry));
    int suite = 0, actor_type = 0, outcome = 0;
    aw_err err = db_rows_get_int64(rows, 0, &entry->seq);
    if (err == AW_ERR_DB_TYPE)
        return AW_ERR_AUDIT_FORMAT;
    if (err != AW_OK || (err = db_rows_get_int64(rows, 1, &entry->time_ms)) != AW_OK ||
        (err = read_small(rows, 2, &suite)) != AW_OK ||
        (err = read_small(rows, 3, &actor_type)) != AW_OK ||
        (err = read_text(rows, 4, entry->actor_id, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 5, entry->actor_role, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 6, entry->tenant, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 7, entry->action, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 8, entry->target, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_small(rows, 9, &outcome)) != AW_OK ||
        (err = read_text(rows, 10, entry->source_address, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 11, entry->request_id, AUDIT_FIELD_MAX)) != AW_OK ||
        (err = read_text(rows, 12, entry->details, AUDIT_DETAILS_MAX)) != AW_OK ||
        (err = read_hash(rows, 13, entry->prev_hash)) != AW_OK ||
        (err = read_hash(rows, 14, entry->hash)) != AW_OK)
        return err == AW_ERR_DB_TYPE ? AW_ERR_AUDIT_FORMAT : err;
    entry->suite = (crypto_suite)suite;
    entry->actor_type = (audit_actor_type)actor_type;
    entry->outcome = (audit_outcome)outcome;
    return AW_OK;
}

/* ---- The head row (append lock) -------------------------------------------- */

typedef struct head_row {
    int64_t seq;
    int64_t suite;
    uint8_t hash[AUDIT_HASH_SIZE];
} head_row;

/* Lock and read the head: PostgreSQL row lock (a READ COMMITTED waiter then
 * reads the committed new head; a SERIALIZABLE one fails with a
 * serialization error and its db_transaction_run retries); SQLite's
 * BEGIN IMMEDIATE already holds the write lock. */
static aw_err lock_head(db_connection *db, head_row *head)
{
    memset(head, 0, sizeof(*head));
    const char *sql = db_get_backend(db) == DB_BACKEND_POSTGRESQL
                          ? "SELECT seq, suite, hash FROM aw_audit_head WHERE id = 1 FOR UPDATE"
                          : "SELECT seq, suite, hash FROM aw_audit_head WHERE id = 1";
    db_rows *rows = NULL;
    aw_err err = db_query(db, sql, NULL, 0, &rows);
    if (err != AW_OK)
        return err;
    bool has_row = false;
    if ((err = db_rows_next(rows, &has_row)) == AW_OK) {
        if (!has_row)
            err = AW_ERR_AUDIT_FORMAT;
        else if ((err = db_rows_get_int64(rows, 0, &head->seq)) != AW_OK ||
                 (err = db_rows_get_int64(rows, 1, &head->suite)) != AW_OK ||
                 (err = read_hash(rows, 2, head->hash)) != AW_OK)
            err = err == AW_ERR_DB_TYPE ? AW_ERR_AUDIT_FORMAT : err;
    }
    db_rows_free(rows);
    return err;
}

static aw_err check_key(crypto_suite suite, const crypto_suite_key *key)
{
    if (crypto_suite_key_suite(key) != suite)
        return AW_ERR_SUITE_MISMATCH;
    return crypto_suite_key_is_private(key) ? AW_OK : AW_ERR_SUITE_KEY;
}

/* Sign (seq, hash) now and store the checkpoint (inside the transaction). */
static aw_err write_checkpoint(db_connection *db, crypto_suite suite,
                               const crypto_suite_key *key, int64_t seq,
                               const uint8_t hash[AUDIT_HASH_SIZE], int64_t now_ms,
                               audit_checkpoint_info *out)
{
    audit_checkpoint_info cp = {.seq = seq, .time_ms = now_ms, .suite = suite};
    memcpy(cp.head_hash, hash, AUDIT_HASH_SIZE);
    uint8_t message[AUDIT_CHECKPOINT_MESSAGE_SIZE];
    aw_err err = audit_key_id(key, cp.key_id);
    if (err == AW_OK)
        err = audit_checkpoint_message(&cp, message);
    if (err == AW_OK)
        err = crypto_suite_sign(key, message, sizeof(message), cp.signature,
                                sizeof(cp.signature), &cp.signature_len);
    if (err != AW_OK)
        return err;
    db_param params[] = {DB_PARAM_INT64(seq),
                         DB_PARAM_INT64(now_ms),
                         DB_PARAM_INT64(suite),
                         DB_PARAM_BLOB(cp.head_hash, AUDIT_HASH_SIZE),
                         DB_PARAM_BLOB(cp.key_id, AUDIT_KEY_ID_SIZE),
                         DB_PARAM_BLOB(cp.signature, cp.signature_len)};
    db_rows *rows = NULL;
    err = db_query(db,
                   "INSERT INTO aw_audit_checkpoint (seq, time_ms, suite, head_hash, key_id,"
                   " signature) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                   params, 6, &rows);
    bool has_row = false;
    if (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK)
        err = has_row ? db_rows_get_int64(rows, 0, &cp.id) : AW_ERR_DB_FAILED;
    db_rows_free(rows);
    if (err == AW_OK && out != NULL)
        *out = cp;
    return err;
}

/* ---- Append ------------------------------------------------------------ */

typedef struct append_job {
    const audit_options *options;
    const audit_event *events;
    const int64_t *times_ms; /* one per event */
    size_t count;
    int64_t seq; /* the last appended */
} append_job;

/* One entry after prev (its hash into hash); with move_head the head row
 * moves to it too. */
static aw_err insert_entry(db_connection *db, crypto_suite suite, int64_t seq, int64_t now_ms,
                           const audit_event *e, const uint8_t prev[AUDIT_HASH_SIZE],
                           uint8_t hash[AUDIT_HASH_SIZE], uint8_t *buffer, bool move_head)
{
    /* hash = H(prev_hash || canonical encoding) (docs/audit-log.md) */
    memcpy(buffer, prev, AUDIT_HASH_SIZE);
    size_t len = 0;
    aw_err err = audit_entry_encode(seq, now_ms, suite, e, buffer + AUDIT_HASH_SIZE,
                                    AUDIT_CANONICAL_MAX, &len);
    if (err == AW_OK)
        err = crypto_suite_hash(suite, buffer, AUDIT_HASH_SIZE + len, hash);
    if (err != AW_OK)
        return err;
#define TEXT_OR_EMPTY(s) DB_PARAM_TEXT((s) != NULL ? (s) : "")
    db_param params[] = {DB_PARAM_INT64(seq),
                         DB_PARAM_INT64(now_ms),
                         DB_PARAM_INT64(suite),
                         DB_PARAM_INT64(e->actor_type),
                         DB_PARAM_TEXT(e->actor_id),
                         TEXT_OR_EMPTY(e->actor_role),
                         TEXT_OR_EMPTY(e->tenant),
                         DB_PARAM_TEXT(e->action),
                         TEXT_OR_EMPTY(e->target),
                         DB_PARAM_INT64(e->outcome),
                         TEXT_OR_EMPTY(e->source_address),
                         TEXT_OR_EMPTY(e->request_id),
                         DB_PARAM_TEXT(e->details != NULL ? e->details : "{}"),
                         DB_PARAM_BLOB(prev, AUDIT_HASH_SIZE),
                         DB_PARAM_BLOB(hash, AUDIT_HASH_SIZE)};
#undef TEXT_OR_EMPTY
    db_param head_params[] = {DB_PARAM_INT64(seq), DB_PARAM_INT64(suite),
                              DB_PARAM_BLOB(hash, AUDIT_HASH_SIZE)};
    if (move_head && db_get_backend(db) == DB_BACKEND_POSTGRESQL) {
        /* the entry and the head in one statement (a data-modifying WITH,
         * PostgreSQL 15 docs 7.8.4): one round trip fewer; both or
         * neither, as two statements in the transaction would be */
        db_param both[3 + sizeof(params) / sizeof(params[0])];
        memcpy(both, head_params, sizeof(head_params));
        memcpy(both + 3, params, sizeof(params));
        return db_execute(db,
                          "WITH head AS (UPDATE aw_audit_head SET seq = ?, suite = ?, hash = ?"
                          " WHERE id = 1) INSERT INTO aw_audit_entry (" AUDIT_ENTRY_COLUMNS ")"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          both, sizeof(both) / sizeof(both[0]), NULL);
    }
    err = db_execute(db,
                     "INSERT INTO aw_audit_entry (" AUDIT_ENTRY_COLUMNS ")"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     params, sizeof(params) / sizeof(params[0]), NULL);
    if (err == AW_OK && move_head)
        err = db_execute(db, "UPDATE aw_audit_head SET seq = ?, suite = ?, hash = ? WHERE id = 1",
                         head_params, 3, NULL);
    return err;
}

/* The job's entries one after the other from the locked head, each
 * checkpointed when its seq falls on the interval, the head moved with the
 * last: the head row is read and written once however many entries (a
 * group commit's orders: platform order_commit.c). */
static aw_err append_locked(db_connection *db, append_job *job)
{
    head_row head;
    aw_err err = lock_head(db, &head);
    if (err != AW_OK)
        return err;
    crypto_suite suite = job->options->suite;
    if (head.seq > 0 && head.suite != (int64_t)suite)
        return AW_ERR_AUDIT_SUITE;
    uint8_t *buffer = malloc(AUDIT_HASH_SIZE + AUDIT_CANONICAL_MAX);
    if (buffer == NULL)
        return AW_ERR_NOMEM;
    const audit_options *o = job->options;
    int64_t seq = head.seq;
    uint8_t hash[AUDIT_HASH_SIZE];
    memcpy(hash, head.hash, AUDIT_HASH_SIZE);
    for (size_t i = 0; err == AW_OK && i < job->count; i++) {
        uint8_t prev[AUDIT_HASH_SIZE];
        memcpy(prev, hash, AUDIT_HASH_SIZE);
        seq++;
        err = insert_entry(db, suite, seq, job->times_ms[i], &job->events[i], prev, hash,
                           buffer, i + 1 == job->count);
        if (err == AW_OK && o->checkpoint_key != NULL && o->checkpoint_interval > 0 &&
            seq % (int64_t)o->checkpoint_interval == 0)
            err = write_checkpoint(db, suite, o->checkpoint_key, seq, hash, job->times_ms[i],
                                   NULL);
    }
    free(buffer);
    if (err == AW_OK)
        job->seq = seq;
    return err;
}

/* Run fn in the caller's transaction if one is open, else in its own
 * (BEGIN IMMEDIATE / READ COMMITTED: the head row lock serialises). */
static aw_err run_locked(db_connection *db, aw_err (*fn)(db_connection *, void *), void *arg)
{
    if (db_in_transaction(db))
        return fn(db, arg);
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = fn(db, arg);
    if (err == AW_OK)
        err = db_commit(db);
    if (err != AW_OK && db_in_transaction(db))
        (void)db_rollback(db);
    return err;
}

static aw_err append_fn(db_connection *db, void *arg)
{
    return append_locked(db, arg);
}

aw_err audit_append_many(db_connection *db, const audit_options *options,
                         const audit_event *events, const int64_t *times_ms, size_t count,
                         int64_t *last_seq)
{
    if (last_seq != NULL)
        *last_seq = 0;
    if (db == NULL || options == NULL || count == 0 || events == NULL || times_ms == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < count; i++)
        err = audit_event_check(&events[i]);
    if (err != AW_OK)
        return err;
    if (crypto_suite_name(options->suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    if (options->checkpoint_key != NULL &&
        (err = check_key(options->suite, options->checkpoint_key)) != AW_OK)
        return err;
    append_job job = {.options = options, .events = events, .times_ms = times_ms,
                      .count = count};
    err = run_locked(db, append_fn, &job);
    if (err == AW_OK && last_seq != NULL)
        *last_seq = job.seq;
    return err;
}

aw_err audit_append(db_connection *db, const audit_options *options, const audit_event *event,
                    int64_t now_ms, int64_t *seq)
{
    return audit_append_many(db, options, event, &now_ms, 1, seq);
}

/* ---- Checkpoint on demand -------------------------------------------------- */

typedef struct checkpoint_job {
    crypto_suite suite;
    const crypto_suite_key *key;
    int64_t now_ms;
    audit_checkpoint_info info;
} checkpoint_job;

static aw_err checkpoint_fn(db_connection *db, void *arg)
{
    checkpoint_job *job = arg;
    head_row head;
    aw_err err = lock_head(db, &head);
    if (err != AW_OK)
        return err;
    if (head.seq == 0)
        return AW_ERR_STATE;
    if (head.suite != (int64_t)job->suite)
        return AW_ERR_AUDIT_SUITE;
    return write_checkpoint(db, job->suite, job->key, head.seq, head.hash, job->now_ms,
                            &job->info);
}

aw_err audit_checkpoint(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                        int64_t now_ms, audit_checkpoint_info *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || key == NULL)
        return AW_ERR_ARGUMENT;
    if (crypto_suite_name(suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    aw_err err = check_key(suite, key);
    if (err != AW_OK)
        return err;
    checkpoint_job job = {.suite = suite, .key = key, .now_ms = now_ms};
    err = run_locked(db, checkpoint_fn, &job);
    if (err == AW_OK && out != NULL)
        *out = job.info;
    return err;
}

/* ---- Listing --------------------------------------------------------------- */

aw_err audit_list(db_connection *db, int64_t from_seq, audit_entry *entries, size_t max,
                  size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || entries == NULL || count == NULL || max == 0 || max > AUDIT_LIST_MAX)
        return AW_ERR_ARGUMENT;
    db_param params[] = {DB_PARAM_INT64(from_seq), DB_PARAM_INT64((int64_t)max)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT " AUDIT_ENTRY_COLUMNS " FROM aw_audit_entry"
                          " WHERE seq >= ? ORDER BY seq LIMIT ?",
                          params, 2, &rows);
    if (err != AW_OK)
        return err;
    size_t n = 0;
    bool has_row = false;
    while (n < max && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row &&
           (err = audit_read_entry_row(rows, &entries[n])) == AW_OK)
        n++;
    db_rows_free(rows);
    *count = n;
    return err;
}
