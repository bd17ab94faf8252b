/* airwrite core: relational storage on SQLite (default, one file in WAL
 * mode) or PostgreSQL (libpq), for SM-DP+ orders and profiles, eIM
 * registries and queues, and platform orders.
 *
 * - Open from a URL: "sqlite:PATH", a plain PATH, or "postgresql://..."
 *   (also "postgres://"), see db_url_parse.
 * - Parameterised statements only: values never go into SQL text. The
 *   portable placeholder is '?'; SQLite uses it as is, the PostgreSQL
 *   backend rewrites the n-th '?' outside quotes, comments and dollar
 *   quotes to $n (so PostgreSQL's jsonb operators ?, ?| and ?& and E'\''
 *   escapes cannot be written; use jsonb_exists() and '' instead).
 *   Parameters: NULL, int64, text (UTF-8), blob.
 * - Portable column types: INTEGER/BIGINT (read with db_rows_get_int64;
 *   PostgreSQL smallint, integer, bigint and boolean), TEXT (PostgreSQL text,
 *   varchar, char), BLOB (PostgreSQL bytea). Keep times as int64 milliseconds
 *   since the Unix epoch. Other PostgreSQL types (numeric, timestamp, ...)
 *   are reported as AW_ERR_DB_TYPE by every getter.
 * - Errors are typed (AW_ERR_DB_*). db_last_error gives a diagnostic for
 *   logs that never contains parameter values or passwords.
 *
 * One db_connection is used by one thread at a time. After fork() a child
 * must not use or close its parent's connection: open its own.
 */
#ifndef AIRWRITE_CORE_DB_H
#define AIRWRITE_CORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DB_URL_MAX 2048u                    /* longest accepted URL or path */
#define DB_DEFAULT_BUSY_TIMEOUT_MS 5000u
#define DB_DEFAULT_CONNECT_TIMEOUT_S 10u
#define DB_MAX_PARAMS 64u                   /* parameters per statement */
#define DB_TRANSACTION_MAX_ATTEMPTS 8u      /* db_transaction_run tries */
#define DB_COMPONENT_MAX 64u                /* db_migrate component name length */

typedef enum db_backend {
    DB_BACKEND_SQLITE = 1,
    DB_BACKEND_POSTGRESQL = 2,
} db_backend;

/* --- URL ---------------------------------------------------------------- */

typedef struct db_url {
    db_backend backend;
    /* SQLite: the file path (":memory:" for "sqlite::memory:").
     * PostgreSQL: the URL exactly as given, handed to libpq. */
    char target[DB_URL_MAX + 1];
    /* Safe for logs: for PostgreSQL scheme, user, hosts and database name,
     * without password or query parameters; for SQLite the path. */
    char redacted[DB_URL_MAX + 1];
} db_url;

/* Parse a database URL (bounded: at most DB_URL_MAX bytes, printable
 * characters only, %XX escapes checked, ports 1..65535). A string starting
 * with an unknown "scheme:" is refused rather than taken as a file name.
 * AW_ERR_ARGUMENT for NULL, AW_ERR_DB_URL for anything malformed. */
aw_err db_url_parse(const char *url, db_url *out);

/* --- Connection --------------------------------------------------------- */

typedef struct db_connection db_connection;

typedef struct db_options {
    /* How long a statement waits for a lock before AW_ERR_DB_BUSY:
     * SQLite busy timeout, PostgreSQL lock_timeout. 0: default. */
    unsigned busy_timeout_ms;
    unsigned connect_timeout_s;             /* PostgreSQL only; 0: default */
    /* Optional: when db_open fails, receives why (as db_last_error: no
     * password, e.g. libpq's "connection refused"), NUL-terminated. */
    char *error;
    size_t error_size;
} db_options;

/* Open a connection. options may be NULL (defaults). SQLite: the file is
 * created with mode 0600 if absent; WAL journal, synchronous=FULL, foreign
 * keys on. PostgreSQL: client encoding UTF8, lock_timeout set.
 * AW_ERR_DB_URL, AW_ERR_DB_CONNECTION, AW_ERR_NOMEM. */
aw_err db_open(const char *url, const db_options *options, db_connection **db);

/* Close (rolls back an open transaction). NULL-safe. */
void db_close(db_connection *db);

db_backend db_get_backend(const db_connection *db);

/* Diagnostic of the last failure on this connection, for logs: backend
 * error code, SQLSTATE, constraint name or the SQLite message; never
 * parameter values (PostgreSQL messages are kept only for syntax/schema
 * and constraint classes, whose texts carry names, not values). "" if none. */
const char *db_last_error(const db_connection *db);

/* Wall-clock time in milliseconds since the Unix epoch (CLOCK_REALTIME),
 * the time base of db_queue. */
int64_t db_clock_ms(void);

/* --- Parameters --------------------------------------------------------- */

typedef enum db_type {
    DB_TYPE_NULL = 0,
    DB_TYPE_INT64,
    DB_TYPE_TEXT,
    DB_TYPE_BLOB,
    DB_TYPE_OTHER,                          /* a result type outside the portable set */
} db_type;

typedef struct db_param {
    db_type type;                           /* NULL, INT64, TEXT or BLOB */
    int64_t int64;
    const char *text;                       /* NUL-terminated UTF-8 */
    const void *blob;
    size_t blob_len;
} db_param;

#define DB_PARAM_NULL ((db_param){.type = DB_TYPE_NULL})
#define DB_PARAM_INT64(v) ((db_param){.type = DB_TYPE_INT64, .int64 = (v)})
#define DB_PARAM_TEXT(s) ((db_param){.type = DB_TYPE_TEXT, .text = (s)})
#define DB_PARAM_BLOB(p, n) ((db_param){.type = DB_TYPE_BLOB, .blob = (p), .blob_len = (n)})

/* --- Statements --------------------------------------------------------- */

/* Run one statement, discarding any rows. changes (may be NULL) receives
 * the number of rows inserted, updated or deleted. The number of '?' must
 * equal count (AW_ERR_ARGUMENT otherwise). */
aw_err db_execute(db_connection *db, const char *sql, const db_param *params, size_t count,
                  int64_t *changes);

typedef struct db_rows db_rows;

/* Run one statement returning rows (SELECT, or ... RETURNING). Iterate with
 * db_rows_next; free with db_rows_free before the next statement on this
 * connection. */
aw_err db_query(db_connection *db, const char *sql, const db_param *params, size_t count,
                db_rows **rows);

/* Advance to the next row: *has_row false at the end. */
aw_err db_rows_next(db_rows *rows, bool *has_row);

size_t db_rows_column_count(const db_rows *rows);

/* Type of a column of the current row (DB_TYPE_OTHER also for a bad index). */
db_type db_rows_column_type(const db_rows *rows, size_t column);

/* Typed getters on the current row. AW_ERR_DB_TYPE if the value is NULL or
 * of another type, AW_ERR_ARGUMENT for a bad column index or no current row.
 * Text and blob pointers stay valid until the next db_rows_next or
 * db_rows_free; an empty blob gives a non-NULL pointer and length 0. */
aw_err db_rows_get_int64(const db_rows *rows, size_t column, int64_t *value);
aw_err db_rows_get_text(const db_rows *rows, size_t column, const char **text);
aw_err db_rows_get_blob(const db_rows *rows, size_t column, const uint8_t **data, size_t *len);
/* The text of column copied into out (NUL-terminated); AW_ERR_DB_TYPE also
 * when it does not fit in cap bytes (a stored value longer than its field). */
aw_err db_rows_copy_text(const db_rows *rows, size_t column, char *out, size_t cap);

void db_rows_free(db_rows *rows);

/* First column of the first row as int64 (e.g. COUNT(*), RETURNING id).
 * AW_ERR_DB_NOT_FOUND if there is no row. */
aw_err db_query_int64(db_connection *db, const char *sql, const db_param *params, size_t count,
                      int64_t *value);

/* --- Transactions ------------------------------------------------------- */

/* SQLite: BEGIN IMMEDIATE (takes the write lock now, so a transaction never
 * fails half-way on a lock upgrade). PostgreSQL: BEGIN (READ COMMITTED).
 * AW_ERR_STATE if a transaction is already open. */
aw_err db_begin(db_connection *db);
aw_err db_commit(db_connection *db);    /* AW_ERR_STATE if none is open */
aw_err db_rollback(db_connection *db);  /* AW_ERR_STATE if none is open */
bool db_in_transaction(const db_connection *db);

typedef aw_err (*db_transaction_fn)(db_connection *db, void *arg);

/* Run fn in a transaction and commit if it returns AW_OK, else roll back
 * and return its error. PostgreSQL: ISOLATION LEVEL SERIALIZABLE; SQLite:
 * BEGIN IMMEDIATE. When fn or COMMIT fails with AW_ERR_DB_BUSY from a
 * PostgreSQL serialization failure or deadlock, the whole transaction is
 * retried at once, up to DB_TRANSACTION_MAX_ATTEMPTS times, so fn must have
 * no effects outside the database. A lock wait that ran out its busy
 * timeout (SQLite busy, PostgreSQL lock_timeout) returns AW_ERR_DB_BUSY
 * without a retry. attempts (may be NULL) receives the number of tries. */
aw_err db_transaction_run(db_connection *db, db_transaction_fn fn, void *arg,
                          unsigned *attempts);

/* --- Migrations --------------------------------------------------------- */

typedef struct db_migration {
    int64_t version;                        /* 1, 2, 3, ...: strictly increasing */
    const char *description;
    const char *sqlite_sql;                 /* one or more statements, no parameters */
    const char *postgresql_sql;
} db_migration;

/* Bring component's schema to the last version of migrations (each
 * component owns its own version sequence in table schema_migrations:
 * component, version, description, applied_at). Pending migrations are
 * applied in order in one transaction together with their
 * schema_migrations rows: all or nothing. Concurrent callers (several
 * processes) are serialised (SQLite write lock, PostgreSQL advisory lock), so
 * each migration runs once. version (may be NULL) receives the schema
 * version now in force.
 * AW_ERR_DB_SCHEMA_NEWER if the database holds a version above the last one
 * given (written by newer code: refuse to work on it); AW_ERR_ARGUMENT for an
 * empty component name or a list not strictly increasing from >= 1;
 * AW_ERR_STATE inside a transaction; a failing migration's error otherwise. */
aw_err db_migrate(db_connection *db, const char *component, const db_migration *migrations,
                  size_t count, int64_t *version);

/* Current schema version of component (0 if none applied). */
aw_err db_schema_version(db_connection *db, const char *component, int64_t *version);

#endif
