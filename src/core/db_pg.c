/* airwrite core: PostgreSQL backend of db.h on libpq (PostgreSQL 9.5 or
 * later: ON CONFLICT, FOR UPDATE SKIP LOCKED).
 *
 * Statements go through PQexecParams (extended protocol: one statement per
 * call, values never inside the SQL text), after the portable '?'
 * placeholders are rewritten to $1..$n (PostgreSQL 15 docs, 4.2.2 Positional
 * Parameters). Results are asked for in binary format so that bytea arrives
 * as raw bytes and integers need no text parsing. SELECT, INSERT, UPDATE,
 * DELETE and WITH statements are prepared once per connection (PQprepare,
 * 34.3.1) and then run by name (PQexecPrepared): the server parses and
 * analyses each text once instead of at every call, as the SQLite backend
 * keeps its compiled statements (an order runs the same ~20 statements).
 *
 * A lost connection (server restart, terminated backend) fails the current
 * call with AW_ERR_DB_CONNECTION; the next call reconnects (PQreset) unless a
 * transaction was open, whose loss the caller must see by its rollback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "core/db_internal.h"

/* Type OIDs (src/include/catalog/pg_type.dat, stable since 7.x). */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_NAME 19
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_TEXT 25
#define PG_OID_UNKNOWN 705
#define PG_OID_BPCHAR 1042
#define PG_OID_VARCHAR 1043

#define PG_MIN_SERVER_VERSION 90500

/* Prepared statements kept per connection (named "aw<index>"), found by
 * SQL text and parameter types (a text parameter's type is left to the
 * server, so the same text with other types is another statement). They
 * live as long as the session: a reconnect forgets them all. Past the
 * limit, further texts run unprepared; none is ever deallocated (which an
 * aborted transaction would refuse). The server re-plans a kept statement
 * after a schema change of its tables (PostgreSQL 15 docs, PREPARE). */
#define PG_STATEMENT_CACHE 256

typedef struct pg_prepared {
    char *sql;                              /* as given, before the $n rewrite */
    char types[DB_MAX_PARAMS + 1];          /* one letter per parameter */
    uint64_t hash;
} pg_prepared;

typedef struct pg_connection {
    struct db_connection base;
    PGconn *conn;
    unsigned busy_timeout_ms;
    pg_prepared prepared[PG_STATEMENT_CACHE];
    size_t prepared_count;
} pg_connection;

typedef struct pg_rows {
    struct db_rows base;
    PGresult *result;
    int row_count;
    int current;                            /* -1 before the first row */
} pg_rows;

static pg_connection *connection_of(db_connection *db)
{
    return (pg_connection *)db;
}

/* Map a failed result to aw_err (SQLSTATE classes, PostgreSQL 15 docs,
 * Appendix A). The diagnostic keeps the SQLSTATE, the constraint name and,
 * only for the syntax/schema class (42), the primary message: data error
 * messages (class 22) quote the offending value. */
static aw_err map_result_error(pg_connection *c, const PGresult *result)
{
    const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL || PQstatus(c->conn) == CONNECTION_BAD) {
        db_set_error(&c->base, "postgresql: connection lost%s%s", state ? ", SQLSTATE " : "",
                     state ? state : "");
        return AW_ERR_DB_CONNECTION;
    }
    const char *constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    const char *primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    if (strncmp(state, "42", 2) == 0) {
        db_set_error(&c->base, "postgresql: SQLSTATE %s: %s", state, primary ? primary : "");
        return AW_ERR_DB_SCHEMA;
    }
    db_set_error(&c->base, "postgresql: SQLSTATE %s%s%s", state, constraint ? " constraint " : "",
                 constraint ? constraint : "");
    if (strcmp(state, "23505") == 0)
        return AW_ERR_DB_UNIQUE;
    if (strncmp(state, "23", 2) == 0)
        return AW_ERR_DB_CONSTRAINT;
    /* serialization_failure, deadlock_detected: retry the transaction */
    c->base.conflict = strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
    if (c->base.conflict)
        return AW_ERR_DB_BUSY;
    /* lock_not_available: lock_timeout ran out */
    if (strcmp(state, "55P03") == 0)
        return AW_ERR_DB_BUSY;
    /* connection_exception, admin/crash shutdown, cannot_connect_now */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return AW_ERR_DB_CONNECTION;
    return AW_ERR_DB_FAILED;
}

/* lock_timeout is the PostgreSQL side of the busy timeout; set per session,
 * so again after every reconnect. Parameterised like everything else. */
static aw_err apply_session_settings(pg_connection *c)
{
    char value[16];
    snprintf(value, sizeof(value), "%u", c->busy_timeout_ms);
    const char *values[1] = {value};
    PGresult *result = PQexecParams(c->conn, "SELECT set_config('lock_timeout', $1, false)", 1,
                                    NULL, values, NULL, NULL, 0);
    aw_err err = PQresultStatus(result) == PGRES_TUPLES_OK ? AW_OK
                                                           : map_result_error(c, result);
    PQclear(result);
    return err;
}

static void prepared_forget(pg_connection *c)
{
    for (size_t i = 0; i < c->prepared_count; i++)
        free(c->prepared[i].sql);
    c->prepared_count = 0;
}

/* Reconnect a broken connection before a call; not inside a transaction. */
static aw_err ensure_connected(pg_connection *c)
{
    if (PQstatus(c->conn) == CONNECTION_OK)
        return AW_OK;
    if (c->base.in_transaction) {
        db_set_error(&c->base, "postgresql: connection lost inside a transaction");
        return AW_ERR_DB_CONNECTION;
    }
    PQreset(c->conn);
    prepared_forget(c); /* the old session's statements are gone */
    if (PQstatus(c->conn) != CONNECTION_OK) {
        db_set_error(&c->base, "postgresql: reconnect failed");
        return AW_ERR_DB_CONNECTION;
    }
    return apply_session_settings(c);
}

static bool is_identifier_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Length of a dollar-quote opening tag "$tag$" at s (tag empty or an
 * identifier not starting with a digit), 0 if s does not start one
 * (PostgreSQL 15 docs, 4.1.2.4). */
static size_t dollar_tag_length(const char *s)
{
    size_t i = 1;
    if (s[i] >= '0' && s[i] <= '9')
        return 0;
    while (is_identifier_char(s[i]) && s[i] != '$')
        i++;
    return s[i] == '$' ? i + 1 : 0;
}

/* Copy sql to a new string with the n-th '?' outside string literals,
 * quoted identifiers, comments and dollar quotes replaced by $n. */
static aw_err rewrite_placeholders(const char *sql, char **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t len = strlen(sql);
    if (len > (SIZE_MAX - 1) / 3)
        return AW_ERR_LIMIT;
    /* '?' (1 byte) becomes at most "$64" (3 bytes). */
    char *buf = malloc(3 * len + 1);
    if (buf == NULL)
        return AW_ERR_NOMEM;
    size_t n = 0, params = 0, i = 0;
    while (i < len) {
        char ch = sql[i];
        size_t skip = 0;
        if (ch == '\'' || ch == '"') {
            /* A doubled quote inside is an escaped quote: the scan resumes
             * at it and starts a new literal, which ends the same way. */
            const char *end = strchr(sql + i + 1, ch);
            skip = end ? (size_t)(end - (sql + i)) + 1 : len - i;
        } else if (ch == '-' && sql[i + 1] == '-') {
            const char *end = strchr(sql + i, '\n');
            skip = end ? (size_t)(end - (sql + i)) : len - i;
        } else if (ch == '/' && sql[i + 1] == '*') {
            /* Block comments nest in PostgreSQL. */
            size_t j = i + 2, depth = 1;
            while (j < len && depth > 0) {
                if (sql[j] == '/' && sql[j + 1] == '*') {
                    depth++;
                    j += 2;
                } else if (sql[j] == '*' && sql[j + 1] == '/') {
                    depth--;
                    j += 2;
                } else {
                    j++;
                }
            }
            skip = j - i;
        } else if (ch == '$' && (i == 0 || !is_identifier_char(sql[i - 1]))) {
            size_t tag = dollar_tag_length(sql + i);
            if (tag > 0) {
                const char *end = sql + i + tag;
                for (;;) {
                    end = strchr(end, '$');
                    if (end == NULL || strncmp(end, sql + i, tag) == 0)
                        break;
                    end++;
                }
                skip = end ? (size_t)(end - (sql + i)) + tag : len - i;
            }
        } else if (ch == '?') {
            if (++params > DB_MAX_PARAMS) {
                free(buf);
                return AW_ERR_ARGUMENT;
            }
            n += (size_t)sprintf(buf + n, "$%zu", params);
            i++;
            continue;
        }
        if (skip == 0)
            skip = 1;
        memcpy(buf + n, sql + i, skip);
        n += skip;
        i += skip;
    }
    buf[n] = '\0';
    *out = buf;
    *count = params;
    return AW_OK;
}

/* FNV-1a of the SQL text and the parameter types. */
static uint64_t statement_hash(const char *sql, const char *types)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *sql != '\0'; sql++)
        h = (h ^ (uint8_t)*sql) * 0x100000001b3u;
    h = (h ^ 0xFFu) * 0x100000001b3u;
    for (; *types != '\0'; types++)
        h = (h ^ (uint8_t)*types) * 0x100000001b3u;
    return h;
}

/* Index of the kept statement for sql and types, -1 when there is none. */
static int prepared_find(const pg_connection *c, const char *sql, const char *types,
                         uint64_t hash)
{
    for (size_t i = 0; i < c->prepared_count; i++)
        if (c->prepared[i].hash == hash && strcmp(c->prepared[i].types, types) == 0 &&
            strcmp(c->prepared[i].sql, sql) == 0)
            return (int)i;
    return -1;
}

/* Statements worth keeping: the ones a service repeats. Transaction
 * control and DDL run unprepared. */
static bool preparable(const char *sql)
{
    static const char *const verbs[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"};
    sql += strspn(sql, " \t\r\n");
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        size_t n = strlen(verbs[i]);
        if (strncasecmp(sql, verbs[i], n) == 0 && !is_identifier_char(sql[n]))
            return true;
    }
    return false;
}

static void statement_name(size_t index, char name[16])
{
    snprintf(name, 16, "aw%zu", index);
}

/* Run one parameterised statement; *result is the successful result. */
static aw_err run(pg_connection *c, const char *sql, const db_param *params, size_t count,
                  PGresult **result)
{
    *result = NULL;
    char *rewritten = NULL;
    size_t placeholders = 0;
    PGresult *res = NULL;
    aw_err err = ensure_connected(c);
    if (err != AW_OK)
        return err;
    Oid types[DB_MAX_PARAMS];
    char type_letters[DB_MAX_PARAMS + 1];
    const char *values[DB_MAX_PARAMS];
    int lengths[DB_MAX_PARAMS];
    int formats[DB_MAX_PARAMS];
    char numbers[DB_MAX_PARAMS][24];
    for (size_t i = 0; i < count; i++) {
        types[i] = 0;
        values[i] = NULL;
        lengths[i] = 0;
        formats[i] = 0;
        switch (params[i].type) {
        case DB_TYPE_INT64:
            snprintf(numbers[i], sizeof(numbers[i]), "%lld", (long long)params[i].int64);
            types[i] = PG_OID_INT8;
            values[i] = numbers[i];
            break;
        case DB_TYPE_TEXT:
            /* Type left to the server (unknown): it takes the column's. */
            values[i] = params[i].text;
            break;
        case DB_TYPE_BLOB:
            if (params[i].blob_len > (size_t)INT32_MAX) {
                err = AW_ERR_LIMIT;
                goto cleanup;
            }
            types[i] = PG_OID_BYTEA;
            /* A NULL value pointer would send SQL NULL, not an empty bytea. */
            values[i] = params[i].blob_len > 0 ? (const char *)params[i].blob : "";
            lengths[i] = (int)params[i].blob_len;
            formats[i] = 1;
            break;
        default:
            break;
        }
        type_letters[i] = "nitbo"[params[i].type <= DB_TYPE_OTHER ? params[i].type : DB_TYPE_OTHER];
    }
    type_letters[count] = '\0';
    uint64_t hash = statement_hash(sql, type_letters);
    int kept = prepared_find(c, sql, type_letters, hash);
    char name[16];
    if (kept < 0) { /* its placeholders were counted when it was kept */
        err = rewrite_placeholders(sql, &rewritten, &placeholders);
        if (err != AW_OK)
            goto cleanup;
        if (placeholders != count) {
            db_set_error(&c->base, "postgresql: %zu placeholders for %zu parameters",
                         placeholders, count);
            err = AW_ERR_ARGUMENT;
            goto cleanup;
        }
    }
    if (kept < 0 && c->prepared_count < PG_STATEMENT_CACHE && preparable(sql)) {
        pg_prepared *slot = &c->prepared[c->prepared_count];
        slot->sql = strdup(sql);
        if (slot->sql == NULL) {
            err = AW_ERR_NOMEM;
            goto cleanup;
        }
        statement_name(c->prepared_count, name);
        res = PQprepare(c->conn, name, rewritten, (int)count, types);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            err = res == NULL ? AW_ERR_NOMEM : map_result_error(c, res);
            if (res == NULL && PQstatus(c->conn) == CONNECTION_BAD)
                err = AW_ERR_DB_CONNECTION;
            free(slot->sql);
            slot->sql = NULL;
            goto cleanup;
        }
        PQclear(res);
        memcpy(slot->types, type_letters, count + 1);
        slot->hash = hash;
        kept = (int)c->prepared_count++;
    }
    if (kept >= 0) {
        statement_name((size_t)kept, name);
        res = PQexecPrepared(c->conn, name, (int)count, values, lengths, formats, 1);
    } else {
        res = PQexecParams(c->conn, rewritten, (int)count, types, values, lengths, formats, 1);
    }
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        err = res == NULL ? AW_ERR_NOMEM : map_result_error(c, res);
        if (res == NULL && PQstatus(c->conn) == CONNECTION_BAD)
            err = AW_ERR_DB_CONNECTION;
        goto cleanup;
    }
    *result = res;
    res = NULL;
cleanup:
    PQclear(res);
    free(rewritten);
    return err;
}

static aw_err pg_execute(db_connection *db, const char *sql, const db_param *params, size_t count,
                         int64_t *changes)
{
    PGresult *result = NULL;
    aw_err err = run(connection_of(db), sql, params, count, &result);
    if (err == AW_OK && changes != NULL) {
        /* "" for statements that change no rows by definition (BEGIN...). */
        *changes = strtoll(PQcmdTuples(result), NULL, 10);
    }
    PQclear(result);
    return err;
}

static aw_err pg_query(db_connection *db, const char *sql, const db_param *params, size_t count,
                       db_rows **out)
{
    pg_rows *rows = calloc(1, sizeof(*rows));
    if (rows == NULL)
        return AW_ERR_NOMEM;
    aw_err err = run(connection_of(db), sql, params, count, &rows->result);
    if (err != AW_OK) {
        free(rows);
        return err;
    }
    rows->base.ops = db->ops;
    rows->base.db = db;
    rows->base.columns = (size_t)PQnfields(rows->result);
    rows->row_count = PQntuples(rows->result);
    rows->current = -1;
    *out = &rows->base;
    return AW_OK;
}

static aw_err pg_script(db_connection *db, const char *sql)
{
    pg_connection *c = connection_of(db);
    aw_err err = ensure_connected(c);
    if (err != AW_OK)
        return err;
    /* Simple query protocol: several statements, no parameters. */
    PGresult *result = PQexec(c->conn, sql);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        err = result == NULL ? AW_ERR_NOMEM : map_result_error(c, result);
    PQclear(result);
    return err;
}

static aw_err pg_rows_next(db_rows *base, bool *has_row)
{
    pg_rows *rows = (pg_rows *)base;
    if (rows->current < rows->row_count)
        rows->current++;
    *has_row = rows->current < rows->row_count;
    return AW_OK;
}

static int64_t decode_big_endian(const uint8_t *p, int len)
{
    uint64_t v = (p[0] & 0x80) ? UINT64_MAX : 0;
    for (int i = 0; i < len; i++)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

static db_type pg_column_type(const db_rows *base, size_t column)
{
    const pg_rows *rows = (const pg_rows *)base;
    int col = (int)column;
    if (PQgetisnull(rows->result, rows->current, col))
        return DB_TYPE_NULL;
    int len = PQgetlength(rows->result, rows->current, col);
    switch (PQftype(rows->result, col)) {
    case PG_OID_INT8:
        return len == 8 ? DB_TYPE_INT64 : DB_TYPE_OTHER;
    case PG_OID_INT4:
        return len == 4 ? DB_TYPE_INT64 : DB_TYPE_OTHER;
    case PG_OID_INT2:
        return len == 2 ? DB_TYPE_INT64 : DB_TYPE_OTHER;
    case PG_OID_BOOL:
        return len == 1 ? DB_TYPE_INT64 : DB_TYPE_OTHER;
    case PG_OID_TEXT:
    case PG_OID_VARCHAR:
    case PG_OID_BPCHAR:
    case PG_OID_NAME:
    case PG_OID_UNKNOWN:
        return DB_TYPE_TEXT;
    case PG_OID_BYTEA:
        return DB_TYPE_BLOB;
    default:
        return DB_TYPE_OTHER;
    }
}

static int64_t pg_column_int64(const db_rows *base, size_t column)
{
    const pg_rows *rows = (const pg_rows *)base;
    const uint8_t *p = (const uint8_t *)PQgetvalue(rows->result, rows->current, (int)column);
    int len = PQgetlength(rows->result, rows->current, (int)column);
    if (PQftype(rows->result, (int)column) == PG_OID_BOOL)
        return p[0] != 0;
    return decode_big_endian(p, len);
}

static const char *pg_column_text(const db_rows *base, size_t column)
{
    const pg_rows *rows = (const pg_rows *)base;
    /* Binary values are also followed by a NUL byte (libpq 34.3.2). */
    return PQgetvalue(rows->result, rows->current, (int)column);
}

static const uint8_t *pg_column_blob(const db_rows *base, size_t column, size_t *len)
{
    const pg_rows *rows = (const pg_rows *)base;
    *len = (size_t)PQgetlength(rows->result, rows->current, (int)column);
    return (const uint8_t *)PQgetvalue(rows->result, rows->current, (int)column);
}

static void pg_rows_free(db_rows *base)
{
    pg_rows *rows = (pg_rows *)base;
    PQclear(rows->result);
    free(rows);
}

static void pg_close(db_connection *db)
{
    /* The server rolls back an open transaction when the session ends. */
    PQfinish(connection_of(db)->conn);
    prepared_forget(connection_of(db));
    free(db);
}

static const struct db_ops pg_ops = {
    .execute = pg_execute,
    .query = pg_query,
    .script = pg_script,
    .rows_next = pg_rows_next,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .rows_free = pg_rows_free,
    .close = pg_close,
    .begin_sql = "BEGIN",
    .begin_serializable_sql = "BEGIN ISOLATION LEVEL SERIALIZABLE",
    /* One lock key for all migrating airwrite processes ("awdbmig1"). */
    .migration_lock_sql = "SELECT pg_advisory_xact_lock(7022362926153484593)",
};

/* libpq's default prints server notices to stderr; library code never
 * prints, and a notice may quote data. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

aw_err db_pg_open(const db_url *url, const db_options *options, db_connection **db)
{
    *db = NULL;
    pg_connection *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    c->base.ops = &pg_ops;
    c->base.backend = DB_BACKEND_POSTGRESQL;
    c->busy_timeout_ms = options->busy_timeout_ms;
    aw_err err = AW_OK;

    char timeout[16];
    snprintf(timeout, sizeof(timeout), "%u", options->connect_timeout_s);
    /* Keywords before "dbname" are defaults the URL may override; those after
     * it override the URL (libpq 34.1, expand_dbname). */
    const char *const keywords[] = {"connect_timeout", "application_name", "dbname",
                                    "client_encoding", NULL};
    const char *const values[] = {timeout, "airwrite", url->target, "UTF8", NULL};
    c->conn = PQconnectdbParams(keywords, values, 1);
    if (c->conn == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
        /* libpq's reason (host, port, "Connection refused", "password
         * authentication failed for user ..."): it never repeats the
         * password. First line only. */
        const char *reason = PQerrorMessage(c->conn);
        db_set_error(&c->base, "postgresql: %.*s", (int)strcspn(reason, "\n"), reason);
        err = AW_ERR_DB_CONNECTION;
        goto cleanup;
    }
    PQsetNoticeProcessor(c->conn, ignore_notice, NULL);
    if (PQserverVersion(c->conn) < PG_MIN_SERVER_VERSION) {
        db_set_error(&c->base, "postgresql: server older than 9.5");
        err = AW_ERR_DB_CONNECTION;
        goto cleanup;
    }
    err = apply_session_settings(c);
    if (err != AW_OK)
        goto cleanup;
    *db = &c->base;
    c = NULL;
cleanup:
    if (c != NULL) {
        db_report_open_error(&c->base, options);
        PQfinish(c->conn);
        free(c);
    }
    return err;
}
