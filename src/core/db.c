/* airwrite core: database front end (db.h): opening by URL, argument and
 * state checks, typed row getters and transactions, dispatched to the SQLite
 * (db_sqlite.c) or PostgreSQL (db_pg.c) backend through struct db_ops. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db_internal.h"

void db_set_error(db_connection *db, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(db->error, sizeof(db->error), format, ap);
    va_end(ap);
}

void db_report_open_error(const db_connection *db, const db_options *options)
{
    if (options->error != NULL && options->error_size > 0)
        snprintf(options->error, options->error_size, "%s", db->error);
}

aw_err db_open(const char *url, const db_options *options, db_connection **db)
{
    if (db != NULL)
        *db = NULL;
    if (url == NULL || db == NULL)
        return AW_ERR_ARGUMENT;
    db_options effective = {0};
    if (options != NULL)
        effective = *options;
    if (effective.busy_timeout_ms == 0)
        effective.busy_timeout_ms = DB_DEFAULT_BUSY_TIMEOUT_MS;
    if (effective.connect_timeout_s == 0)
        effective.connect_timeout_s = DB_DEFAULT_CONNECT_TIMEOUT_S;

    db_url *parsed = malloc(sizeof(*parsed));
    if (parsed == NULL)
        return AW_ERR_NOMEM;
    if (effective.error != NULL && effective.error_size > 0)
        effective.error[0] = '\0';
    aw_err err = db_url_parse(url, parsed);
    if (err != AW_OK) {
        if (effective.error != NULL && effective.error_size > 0)
            snprintf(effective.error, effective.error_size, "malformed database URL");
        goto cleanup;
    }
    if (parsed->backend == DB_BACKEND_SQLITE)
        err = db_sqlite_open(parsed, &effective, db);
    else
        err = db_pg_open(parsed, &effective, db);
cleanup:
    /* The PostgreSQL URL may hold a password. */
    memset(parsed, 0, sizeof(*parsed));
    free(parsed);
    return err;
}

void db_close(db_connection *db)
{
    if (db == NULL)
        return;
    db->ops->close(db);
}

db_backend db_get_backend(const db_connection *db)
{
    return db->backend;
}

const char *db_last_error(const db_connection *db)
{
    return db == NULL ? "" : db->error;
}

int64_t db_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static aw_err check_statement(const db_connection *db, const char *sql, const db_param *params,
                              size_t count)
{
    if (db == NULL || sql == NULL || (count > 0 && params == NULL) || count > DB_MAX_PARAMS)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < count; i++) {
        switch (params[i].type) {
        case DB_TYPE_NULL:
        case DB_TYPE_INT64:
            break;
        case DB_TYPE_TEXT:
            if (params[i].text == NULL)
                return AW_ERR_ARGUMENT;
            break;
        case DB_TYPE_BLOB:
            if (params[i].blob == NULL && params[i].blob_len > 0)
                return AW_ERR_ARGUMENT;
            break;
        default:
            return AW_ERR_ARGUMENT;
        }
    }
    return AW_OK;
}

aw_err db_execute(db_connection *db, const char *sql, const db_param *params, size_t count,
                  int64_t *changes)
{
    if (changes != NULL)
        *changes = 0;
    aw_err err = check_statement(db, sql, params, count);
    if (err != AW_OK)
        return err;
    return db->ops->execute(db, sql, params, count, changes);
}

aw_err db_query(db_connection *db, const char *sql, const db_param *params, size_t count,
                db_rows **rows)
{
    if (rows != NULL)
        *rows = NULL;
    if (rows == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = check_statement(db, sql, params, count);
    if (err != AW_OK)
        return err;
    return db->ops->query(db, sql, params, count, rows);
}

aw_err db_rows_next(db_rows *rows, bool *has_row)
{
    if (has_row != NULL)
        *has_row = false;
    if (rows == NULL || has_row == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = rows->ops->rows_next(rows, &rows->has_row);
    if (err != AW_OK)
        rows->has_row = false;
    *has_row = rows->has_row;
    return err;
}

size_t db_rows_column_count(const db_rows *rows)
{
    return rows == NULL ? 0 : rows->columns;
}

db_type db_rows_column_type(const db_rows *rows, size_t column)
{
    if (rows == NULL || !rows->has_row || column >= rows->columns)
        return DB_TYPE_OTHER;
    return rows->ops->column_type(rows, column);
}

/* Common check of the getters: a current row, a valid column, and a value
 * of the wanted type (NULL counts as another type). */
static aw_err check_column(const db_rows *rows, size_t column, db_type wanted)
{
    if (rows == NULL || !rows->has_row || column >= rows->columns)
        return AW_ERR_ARGUMENT;
    return rows->ops->column_type(rows, column) == wanted ? AW_OK : AW_ERR_DB_TYPE;
}

aw_err db_rows_get_int64(const db_rows *rows, size_t column, int64_t *value)
{
    if (value == NULL)
        return AW_ERR_ARGUMENT;
    *value = 0;
    aw_err err = check_column(rows, column, DB_TYPE_INT64);
    if (err == AW_OK)
        *value = rows->ops->column_int64(rows, column);
    return err;
}

aw_err db_rows_get_text(const db_rows *rows, size_t column, const char **text)
{
    if (text == NULL)
        return AW_ERR_ARGUMENT;
    *text = NULL;
    aw_err err = check_column(rows, column, DB_TYPE_TEXT);
    if (err == AW_OK)
        *text = rows->ops->column_text(rows, column);
    return err;
}

aw_err db_rows_copy_text(const db_rows *rows, size_t column, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return AW_ERR_ARGUMENT;
    out[0] = '\0';
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    size_t len = err == AW_OK ? strlen(text) : 0;
    if (err == AW_OK && len >= cap)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, len + 1);
    return err;
}

aw_err db_rows_get_blob(const db_rows *rows, size_t column, const uint8_t **data, size_t *len)
{
    if (data == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    *data = NULL;
    *len = 0;
    aw_err err = check_column(rows, column, DB_TYPE_BLOB);
    if (err == AW_OK)
        *data = rows->ops->column_blob(rows, column, len);
    return err;
}

void db_rows_free(db_rows *rows)
{
    if (rows == NULL)
        return;
    rows->ops->rows_free(rows);
}

aw_err db_query_int64(db_connection *db, const char *sql, const db_param *params, size_t count,
                      int64_t *value)
{
    if (value == NULL)
        return AW_ERR_ARGUMENT;
    *value = 0;
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db, sql, params, count, &rows);
    if (err != AW_OK)
        goto cleanup;
    err = db_rows_next(rows, &has_row);
    if (err != AW_OK)
        goto cleanup;
    if (!has_row) {
        err = AW_ERR_DB_NOT_FOUND;
        goto cleanup;
    }
    err = db_rows_get_int64(rows, 0, value);
cleanup:
    db_rows_free(rows);
    return err;
}

static aw_err begin_with(db_connection *db, const char *sql)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (db->in_transaction)
        return AW_ERR_STATE;
    aw_err err = db->ops->execute(db, sql, NULL, 0, NULL);
    if (err == AW_OK)
        db->in_transaction = true;
    return err;
}

aw_err db_begin(db_connection *db)
{
    return begin_with(db, db == NULL ? NULL : db->ops->begin_sql);
}

aw_err db_commit(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!db->in_transaction)
        return AW_ERR_STATE;
    aw_err err = db->ops->execute(db, "COMMIT", NULL, 0, NULL);
    if (err != AW_OK) {
        /* A failed COMMIT (serialization failure, SQLite busy) leaves the
         * transaction to be rolled back; do it here so the connection is
         * usable again whatever the caller does next. */
        (void)db->ops->execute(db, "ROLLBACK", NULL, 0, NULL);
    }
    db->in_transaction = false;
    return err;
}

aw_err db_rollback(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!db->in_transaction)
        return AW_ERR_STATE;
    db->in_transaction = false;
    return db->ops->execute(db, "ROLLBACK", NULL, 0, NULL);
}

bool db_in_transaction(const db_connection *db)
{
    return db != NULL && db->in_transaction;
}

aw_err db_transaction_run(db_connection *db, db_transaction_fn fn, void *arg,
                          unsigned *attempts)
{
    if (attempts != NULL)
        *attempts = 0;
    if (db == NULL || fn == NULL)
        return AW_ERR_ARGUMENT;
    if (db->in_transaction)
        return AW_ERR_STATE;
    aw_err err = AW_OK;
    for (unsigned attempt = 1; attempt <= DB_TRANSACTION_MAX_ATTEMPTS; attempt++) {
        if (attempts != NULL)
            *attempts = attempt;
        db->conflict = false;
        err = begin_with(db, db->ops->begin_serializable_sql);
        if (err == AW_OK) {
            err = fn(db, arg);
            if (err == AW_OK)
                err = db_commit(db);
            else
                (void)db_rollback(db);
        }
        /* A lock wait that timed out is not retried: that would multiply
         * the caller's wait by the number of attempts. */
        if (err != AW_ERR_DB_BUSY || !db->conflict)
            break;
    }
    return err;
}
