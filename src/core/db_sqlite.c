/* airwrite core: SQLite backend of db.h (SQLite 3.35 or later, for
 * RETURNING and ON CONFLICT; https://sqlite.org/c3ref/intro.html).
 *
 * One file in WAL mode (https://sqlite.org/wal.html) so readers never block
 * the writer; synchronous=FULL so a committed order survives power loss;
 * transactions start with BEGIN IMMEDIATE so that two writers are ordered
 * by the busy timeout at BEGIN rather than failing on a lock upgrade in the
 * middle (SQLITE_BUSY there cannot be waited out); secure_delete so that
 * deleted rows (emptied job payloads, removed profiles) are overwritten in
 * the file rather than left in free pages; temp_store=MEMORY so that the
 * statement and savepoint journals (https://sqlite.org/tempfiles.html 2.6)
 * stay in memory: they only undo a statement or a savepoint inside an open
 * transaction, crash recovery never reads them (the WAL does that), and
 * on disk each transaction that needed one created, wrote, unlinked and
 * closed a file in /var/tmp holding copies of its pages (an order's rows
 * in clear; a third of an order's system calls, bench/bench_api_orders).
 * URI file names are not enabled: the path is a path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/db_internal.h"

/* Prepared statements kept per connection for reuse, found by their SQL
 * text (sqlite3_sql): a service runs the same few dozen statements over
 * and over, and compiling one costs more than running it (the SM-DP+ ran
 * ~28 per download, the largest share of its CPU after the crypto:
 * bench/bench_smdp_download). A kept statement is reset and its bindings
 * cleared as soon as its user is done, so between uses it holds no lock,
 * no row and no bound value; prepare_v2 statements recompile themselves
 * after a schema change. */
#define SQLITE_STATEMENT_CACHE 64

typedef struct sqlite_cached {
    sqlite3_stmt *statement;                /* NULL: free slot */
    const char *taken_as;                   /* the caller's text at its last take, or NULL */
    uint64_t hash;                          /* of its SQL text, compared first */
    bool in_use;                            /* with a running execute or open rows */
    uint64_t last_use;                      /* for eviction */
} sqlite_cached;

typedef struct sqlite_connection {
    struct db_connection base;
    sqlite3 *handle;
    sqlite_cached cache[SQLITE_STATEMENT_CACHE];
    uint64_t uses;
} sqlite_connection;

typedef struct sqlite_rows {
    struct db_rows base;
    sqlite3_stmt *statement;
    bool done;                              /* SQLITE_DONE seen: never step again */
} sqlite_rows;

static sqlite_connection *connection_of(db_connection *db)
{
    return (sqlite_connection *)db;
}

/* Map a result code to aw_err and record a diagnostic. SQLite's messages
 * name tables, columns and constraints, never bound values. in_prepare:
 * SQLITE_ERROR while preparing is a syntax or schema error. */
static aw_err map_error(sqlite_connection *c, int rc, bool in_prepare)
{
    db_set_error(&c->base, "sqlite %d: %s", rc, sqlite3_errmsg(c->handle));
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return AW_ERR_DB_UNIQUE;
    switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
        return AW_ERR_DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return AW_ERR_DB_BUSY;
    case SQLITE_NOMEM:
        return AW_ERR_NOMEM;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
        return AW_ERR_DB_CONNECTION;
    case SQLITE_ERROR:
        return in_prepare ? AW_ERR_DB_SCHEMA : AW_ERR_DB_FAILED;
    default:
        return AW_ERR_DB_FAILED;
    }
}

static bool only_whitespace(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* FNV-1a of the SQL text: most lookups then skip strcmp. */
static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *sql != '\0'; sql++)
        h = (h ^ (uint8_t)*sql) * 0x100000001b3u;
    return h;
}

static sqlite3_stmt *cache_use(sqlite_connection *c, sqlite_cached *slot, const char *sql)
{
    slot->in_use = true;
    slot->last_use = ++c->uses;
    slot->taken_as = sql;
    return slot->statement;
}

/* An idle kept statement for sql, now in use; NULL when there is none.
 * Callers pass the same literal again and again: a slot last taken at this
 * very address is found without hashing the text (the largest share of a
 * lookup, ~0.4 us for a long statement on the order path). The text is
 * compared all the same: the address may hold another text by now (a
 * caller's buffer). */
static sqlite3_stmt *cache_take(sqlite_connection *c, const char *sql)
{
    for (size_t i = 0; i < SQLITE_STATEMENT_CACHE; i++) {
        sqlite_cached *slot = &c->cache[i];
        if (slot->statement != NULL && !slot->in_use && slot->taken_as == sql &&
            strcmp(sqlite3_sql(slot->statement), sql) == 0)
            return cache_use(c, slot, sql);
    }
    uint64_t hash = sql_hash(sql);
    for (size_t i = 0; i < SQLITE_STATEMENT_CACHE; i++) {
        sqlite_cached *slot = &c->cache[i];
        if (slot->statement != NULL && !slot->in_use && slot->hash == hash &&
            strcmp(sqlite3_sql(slot->statement), sql) == 0)
            return cache_use(c, slot, sql);
    }
    return NULL;
}

/* The user of statement is done: reset it, clear its bindings and keep it
 * (evicting the least recently used idle one when full), or finalize it. */
static void statement_release(sqlite_connection *c, sqlite3_stmt *statement)
{
    if (statement == NULL)
        return;
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    sqlite_cached *victim = NULL;
    for (size_t i = 0; i < SQLITE_STATEMENT_CACHE; i++) {
        sqlite_cached *slot = &c->cache[i];
        if (slot->statement == statement) {
            slot->in_use = false;
            return;
        }
        if (slot->statement == NULL) {
            if (victim == NULL || victim->statement != NULL)
                victim = slot;
        } else if (!slot->in_use && (victim == NULL || (victim->statement != NULL &&
                                                         slot->last_use < victim->last_use))) {
            victim = slot;
        }
    }
    if (victim == NULL) {
        sqlite3_finalize(statement);
        return;
    }
    sqlite3_finalize(victim->statement);
    victim->statement = statement;
    victim->taken_as = NULL; /* its caller's text may be gone: found by hash next */
    victim->hash = sql_hash(sqlite3_sql(statement));
    victim->in_use = false;
    victim->last_use = ++c->uses;
}

/* Prepare exactly one statement (or take the kept one) and bind its
 * parameters. copy: SQLite keeps its own copy of text and blobs (rows
 * outlive the caller's parameters). */
static aw_err prepare(sqlite_connection *c, const char *sql, const db_param *params, size_t count,
                      bool copy, sqlite3_stmt **out)
{
    *out = NULL;
    sqlite3_stmt *statement = cache_take(c, sql);
    bool kept = statement != NULL;
    const char *tail = NULL;
    aw_err err = AW_OK;
    int rc = SQLITE_OK;
    if (kept)
        goto bind; /* its text was checked when it was first prepared */
    rc = sqlite3_prepare_v2(c->handle, sql, -1, &statement, &tail);
    if (rc != SQLITE_OK) {
        err = map_error(c, rc, true);
        goto cleanup;
    }
    /* One statement per call: a second one would silently not run (the
     * PostgreSQL extended protocol refuses it as a syntax error too). */
    if (tail != NULL && !only_whitespace(tail)) {
        db_set_error(&c->base, "sqlite: more than one statement");
        err = AW_ERR_DB_SCHEMA;
        goto cleanup;
    }
bind:
    if (statement == NULL || (size_t)sqlite3_bind_parameter_count(statement) != count) {
        db_set_error(&c->base, "sqlite: not one statement with %zu parameters", count);
        err = AW_ERR_ARGUMENT;
        goto cleanup;
    }
    sqlite3_destructor_type keep = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
    for (size_t i = 0; i < count; i++) {
        int index = (int)i + 1;
        const db_param *p = &params[i];
        switch (p->type) {
        case DB_TYPE_INT64:
            rc = sqlite3_bind_int64(statement, index, p->int64);
            break;
        case DB_TYPE_TEXT:
            rc = sqlite3_bind_text64(statement, index, p->text, strlen(p->text), keep,
                                     SQLITE_UTF8);
            break;
        case DB_TYPE_BLOB:
            /* A NULL pointer would bind SQL NULL, not an empty blob. */
            if (p->blob_len == 0)
                rc = sqlite3_bind_zeroblob(statement, index, 0);
            else
                rc = sqlite3_bind_blob64(statement, index, p->blob, p->blob_len, keep);
            break;
        default:
            rc = sqlite3_bind_null(statement, index);
            break;
        }
        if (rc != SQLITE_OK) {
            err = rc == SQLITE_TOOBIG ? AW_ERR_LIMIT : map_error(c, rc, false);
            goto cleanup;
        }
    }
    *out = statement;
    statement = NULL;
cleanup:
    if (kept)
        statement_release(c, statement);
    else
        sqlite3_finalize(statement);
    return err;
}

static aw_err sqlite_execute(db_connection *db, const char *sql, const db_param *params,
                             size_t count, int64_t *changes)
{
    sqlite_connection *c = connection_of(db);
    sqlite3_stmt *statement = NULL;
    aw_err err = prepare(c, sql, params, count, false, &statement);
    if (err != AW_OK)
        return err;
    int rc;
    do {
        rc = sqlite3_step(statement);
    } while (rc == SQLITE_ROW);
    if (rc != SQLITE_DONE)
        err = map_error(c, rc, false);
    else if (changes != NULL)
        *changes = sqlite3_changes64(c->handle);
    statement_release(c, statement);
    return err;
}

static aw_err sqlite_query(db_connection *db, const char *sql, const db_param *params,
                           size_t count, db_rows **out)
{
    sqlite_connection *c = connection_of(db);
    sqlite_rows *rows = calloc(1, sizeof(*rows));
    if (rows == NULL)
        return AW_ERR_NOMEM;
    aw_err err = prepare(c, sql, params, count, true, &rows->statement);
    if (err != AW_OK) {
        free(rows);
        return err;
    }
    rows->base.ops = db->ops;
    rows->base.db = db;
    rows->base.columns = (size_t)sqlite3_column_count(rows->statement);
    *out = &rows->base;
    return AW_OK;
}

static aw_err sqlite_script(db_connection *db, const char *sql)
{
    sqlite_connection *c = connection_of(db);
    int rc = sqlite3_exec(c->handle, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? AW_OK : map_error(c, rc, true);
}

static aw_err sqlite_rows_next(db_rows *base, bool *has_row)
{
    sqlite_rows *rows = (sqlite_rows *)base;
    *has_row = false;
    if (rows->done)
        return AW_OK;
    int rc = sqlite3_step(rows->statement);
    if (rc == SQLITE_ROW) {
        *has_row = true;
        return AW_OK;
    }
    rows->done = true;
    return rc == SQLITE_DONE ? AW_OK : map_error(connection_of(base->db), rc, false);
}

static db_type sqlite_column_type(const db_rows *base, size_t column)
{
    const sqlite_rows *rows = (const sqlite_rows *)base;
    switch (sqlite3_column_type(rows->statement, (int)column)) {
    case SQLITE_NULL:
        return DB_TYPE_NULL;
    case SQLITE_INTEGER:
        return DB_TYPE_INT64;
    case SQLITE_TEXT:
        return DB_TYPE_TEXT;
    case SQLITE_BLOB:
        return DB_TYPE_BLOB;
    default:
        return DB_TYPE_OTHER;
    }
}

static int64_t sqlite_column_int64(const db_rows *base, size_t column)
{
    return sqlite3_column_int64(((const sqlite_rows *)base)->statement, (int)column);
}

static const char *sqlite_column_text(const db_rows *base, size_t column)
{
    return (const char *)sqlite3_column_text(((const sqlite_rows *)base)->statement, (int)column);
}

static const uint8_t *sqlite_column_blob(const db_rows *base, size_t column, size_t *len)
{
    sqlite3_stmt *statement = ((const sqlite_rows *)base)->statement;
    const uint8_t *data = sqlite3_column_blob(statement, (int)column);
    *len = (size_t)sqlite3_column_bytes(statement, (int)column);
    return data != NULL ? data : (const uint8_t *)"";
}

static void sqlite_rows_free(db_rows *base)
{
    sqlite_rows *rows = (sqlite_rows *)base;
    statement_release(connection_of(base->db), rows->statement);
    free(rows);
}

static void sqlite_close(db_connection *db)
{
    sqlite_connection *c = connection_of(db);
    for (size_t i = 0; i < SQLITE_STATEMENT_CACHE; i++)
        sqlite3_finalize(c->cache[i].statement);
    if (db->in_transaction)
        (void)sqlite3_exec(c->handle, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(c->handle);
    free(c);
}

static const struct db_ops sqlite_ops = {
    .execute = sqlite_execute,
    .query = sqlite_query,
    .script = sqlite_script,
    .rows_next = sqlite_rows_next,
    .column_type = sqlite_column_type,
    .column_int64 = sqlite_column_int64,
    .column_text = sqlite_column_text,
    .column_blob = sqlite_column_blob,
    .rows_free = sqlite_rows_free,
    .close = sqlite_close,
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_serializable_sql = "BEGIN IMMEDIATE",
    .migration_lock_sql = NULL,
};

/* PRAGMA journal_mode answers with the mode in force, which stays "memory"
 * for an in-memory database and must be "wal" for a file. */
static aw_err enable_wal(sqlite_connection *c, bool in_memory)
{
    sqlite3_stmt *statement = NULL;
    aw_err err = AW_OK;
    int rc = sqlite3_prepare_v2(c->handle, "PRAGMA journal_mode=WAL", -1, &statement, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(statement);
    if (rc != SQLITE_ROW) {
        err = map_error(c, rc, false);
        goto cleanup;
    }
    const char *mode = (const char *)sqlite3_column_text(statement, 0);
    if (!in_memory && (mode == NULL || strcmp(mode, "wal") != 0)) {
        db_set_error(&c->base, "sqlite: WAL journal mode refused");
        err = AW_ERR_DB_FAILED;
    }
cleanup:
    sqlite3_finalize(statement);
    return err;
}

/* Serialises the creation of database files (see db_sqlite_open). */
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

/* No memory statistics (https://sqlite.org/c3ref/c_config_covering_index_scan.html,
 * SQLITE_CONFIG_MEMSTATUS): with them every allocation of SQLite takes a
 * process-wide mutex to count itself, and a savepoint's journal allocates
 * for each page it keeps (a twentieth of the order group commit's CPU when
 * it still took a savepoint per call). Nothing here reads the statistics or sets a soft
 * heap limit. Only possible before SQLite initialises: a process that
 * used SQLite before its first database here keeps the default. */
static pthread_once_t configure_once = PTHREAD_ONCE_INIT;

static void configure_library(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

aw_err db_sqlite_open(const db_url *url, const db_options *options, db_connection **db)
{
    *db = NULL;
    sqlite_connection *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    c->base.ops = &sqlite_ops;
    c->base.backend = DB_BACKEND_SQLITE;
    aw_err err = AW_OK;
    bool in_memory = strcmp(url->target, ":memory:") == 0;

    /* Create the file ourselves so it is 0600 (it holds orders and profile
     * data); SQLite gives the -wal and -shm files the same mode. Only a file
     * that does not exist yet is touched: closing any descriptor of a file
     * drops every POSIX lock the process holds on it (fcntl(2)), so opening
     * and closing an existing database that another connection of this
     * process uses would silently release that connection's locks. Another
     * process's connection, closing, would then take itself for the last
     * one and delete the WAL under us: later commits would go to a deleted
     * file (lost at restart) and no process would see the other's rows.
     * The mutex keeps the new file's descriptor closed before any other
     * connection of this process can open the file. */
    pthread_once(&configure_once, configure_library);
    if (!in_memory) {
        pthread_mutex_lock(&create_lock);
        int fd = open(url->target, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        int saved = errno;
        if (fd >= 0)
            close(fd);
        pthread_mutex_unlock(&create_lock);
        if (fd < 0 && saved != EEXIST) {
            db_set_error(&c->base, "sqlite: cannot create the database file");
            err = AW_ERR_DB_CONNECTION;
            goto cleanup;
        }
    }
    int rc = sqlite3_open_v2(url->target, &c->handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        err = c->handle != NULL ? map_error(c, rc, false) : AW_ERR_NOMEM;
        if (err != AW_ERR_NOMEM)
            err = AW_ERR_DB_CONNECTION;
        goto cleanup;
    }
    sqlite3_extended_result_codes(c->handle, 1);
    sqlite3_busy_timeout(c->handle,
                         options->busy_timeout_ms > INT_MAX ? INT_MAX
                                                            : (int)options->busy_timeout_ms);
    /* A file that is not a database shows here first (SQLITE_NOTADB). */
    err = enable_wal(c, in_memory);
    if (err == AW_OK)
        err = sqlite_script(&c->base, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                      " PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY");
    if (err != AW_OK)
        goto cleanup;
    *db = &c->base;
    c = NULL;
cleanup:
    if (c != NULL) {
        db_report_open_error(&c->base, options);
        sqlite3_close_v2(c->handle);
        free(c);
    }
    return err;
}
