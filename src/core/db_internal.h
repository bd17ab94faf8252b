/* airwrite core: database backend seam (internal to db*.c).
 *
 * Each backend (db_sqlite.c, db_pg.c) fills one db_ops table; db.c checks
 * arguments and state, then dispatches through it. Connection and rows
 * objects of a backend start with the common headers below. */
#ifndef AIRWRITE_CORE_DB_INTERNAL_H
#define AIRWRITE_CORE_DB_INTERNAL_H

#include "core/db.h"

#define DB_ERROR_TEXT_MAX 256u

struct db_ops {
    aw_err (*execute)(db_connection *db, const char *sql, const db_param *params, size_t count,
                      int64_t *changes);
    aw_err (*query)(db_connection *db, const char *sql, const db_param *params, size_t count,
                    db_rows **rows);
    /* Several statements without parameters (migrations). */
    aw_err (*script)(db_connection *db, const char *sql);
    aw_err (*rows_next)(db_rows *rows, bool *has_row);
    /* Type of a column of the current row; the getters below are only called
     * after it returned their type for that column. */
    db_type (*column_type)(const db_rows *rows, size_t column);
    int64_t (*column_int64)(const db_rows *rows, size_t column);
    const char *(*column_text)(const db_rows *rows, size_t column);
    const uint8_t *(*column_blob)(const db_rows *rows, size_t column, size_t *len);
    void (*rows_free)(db_rows *rows);
    void (*close)(db_connection *db);
    const char *begin_sql;                  /* db_begin */
    const char *begin_serializable_sql;     /* db_transaction_run */
    /* Statement run right after begin_sql in db_migrate to serialise
     * migrating processes (NULL when begin_sql already does). */
    const char *migration_lock_sql;
};

struct db_connection {
    const struct db_ops *ops;
    db_backend backend;
    bool in_transaction;
    /* The last AW_ERR_DB_BUSY was a conflict that an immediate retry of the
     * transaction resolves (serialization failure, deadlock), not a lock
     * wait that already ran out its timeout. */
    bool conflict;
    char error[DB_ERROR_TEXT_MAX];
};

struct db_rows {
    const struct db_ops *ops;
    db_connection *db;
    size_t columns;
    bool has_row;                           /* a current row exists */
};

/* Record a diagnostic for db_last_error (printf-style, truncated). Callers
 * pass codes and names only, never parameter values. */
void db_set_error(db_connection *db, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* On a failed open: hand the diagnostic to options->error, if given. */
void db_report_open_error(const db_connection *db, const db_options *options);

aw_err db_sqlite_open(const db_url *url, const db_options *options, db_connection **db);
aw_err db_pg_open(const db_url *url, const db_options *options, db_connection **db);

#endif
