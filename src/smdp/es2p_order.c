/* airwrite SM-DP+: ES2+ order records (SGP.22 5.3.1: the operator placing
 * a DownloadOrder is the one the order answers to; 5.3.5: the one notified)
 * and order expiry (SGP.22 5.6.3 "8.8.5 / 4.10 Download order - Time to Live
 * Expired"). See es2p.h for the rules and es2p_order.h for the helpers. */
#include "smdp/es2p_order.h"

#include <string.h>

#include "core/db_queue.h"
#include "smdp/es2p_notify.h"
#include "smdp/inventory_internal.h"

#define ES2P_ORDER_COMPONENT "smdp_es2p"

/* smdp_es2p_orders: one row per order placed by an operator, from
 * DownloadOrder until CancelOrder (an installed profile keeps its row: the
 * order's operator is still the one its later notifications concern). */
#define ES2P_ORDER_SQL                                                                         \
    "CREATE TABLE smdp_es2p_orders (\n"                                                       \
    "  iccid TEXT PRIMARY KEY REFERENCES smdp_profiles (iccid),\n"                            \
    "  operator_subject TEXT NOT NULL,\n"                                                     \
    "  requester_id TEXT NOT NULL,\n"                                                         \
    "  expires_at BIGINT,\n"                                                                  \
    "  expired_at BIGINT,\n"                                                                  \
    "  created_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX smdp_es2p_orders_expiry ON smdp_es2p_orders (expires_at);\n"

/* the functionCallIdentifier of the DownloadOrder that placed the order
 * (es2p.h smdp_es2p_caller: a repeated call gets the same profile) */
#define ES2P_ORDER_CALL_SQL "ALTER TABLE smdp_es2p_orders ADD COLUMN call_identifier TEXT;\n"

static const db_migration es2p_order_migrations[] = {
    {
        .version = 1,
        .description = "ES2+ order operators and expiry",
        .sqlite_sql = ES2P_ORDER_SQL,
        .postgresql_sql = ES2P_ORDER_SQL,
    },
    {
        .version = 2,
        .description = "ES2+ DownloadOrder call identifiers",
        .sqlite_sql = ES2P_ORDER_CALL_SQL,
        .postgresql_sql = ES2P_ORDER_CALL_SQL,
    },
};

aw_err smdp_es2p_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_queue_migrate(db);
    if (err == AW_OK)
        err = db_migrate(db, ES2P_ORDER_COMPONENT, es2p_order_migrations,
                         sizeof(es2p_order_migrations) / sizeof(es2p_order_migrations[0]), NULL);
    return err;
}

aw_err es2p_order_tracking(db_connection *db, bool *tracking)
{
    int64_t version = 0;
    aw_err err = db_schema_version(db, ES2P_ORDER_COMPONENT, &version);
    *tracking = err == AW_OK && version > 0;
    return err;
}

static aw_err es2p_order_copy(const db_rows *rows, size_t column, char *out, size_t cap)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t n = strnlen(text, cap);
    if (n == cap)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, n + 1);
    return AW_OK;
}

static aw_err es2p_order_optional_time(const db_rows *rows, size_t column, int64_t *out)
{
    *out = 0;
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    return db_rows_get_int64(rows, column, out);
}

aw_err es2p_order_read(db_connection *db, const char *iccid, es2p_order_row *row)
{
    memset(row, 0, sizeof(*row));
    bool tracking = false;
    aw_err err = es2p_order_tracking(db, &tracking);
    if (err != AW_OK || !tracking)
        return err;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    err = db_query(db,
                   "SELECT operator_subject, requester_id, expires_at, expired_at "
                   "FROM smdp_es2p_orders WHERE iccid = ?",
                   p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &row->found);
    if (err == AW_OK && row->found)
        err = es2p_order_copy(rows, 0, row->operator_subject, sizeof(row->operator_subject));
    if (err == AW_OK && row->found)
        err = es2p_order_copy(rows, 1, row->requester_id, sizeof(row->requester_id));
    if (err == AW_OK && row->found)
        err = es2p_order_optional_time(rows, 2, &row->expires_at_ms);
    if (err == AW_OK && row->found)
        err = es2p_order_optional_time(rows, 3, &row->expired_at_ms);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(row, 0, sizeof(*row));
    return err;
}

aw_err es2p_order_record(db_connection *db, const char *iccid, const smdp_es2p_caller *caller,
                         int64_t expires_at_ms, int64_t now_ms)
{
    bool tracking = false;
    aw_err err = es2p_order_tracking(db, &tracking);
    if (err != AW_OK)
        return err;
    if (!tracking)
        return AW_ERR_STATE; /* smdp_es2p_migrate was not run */
    db_param key[] = {DB_PARAM_TEXT(iccid)};
    err = db_execute(db, "DELETE FROM smdp_es2p_orders WHERE iccid = ?", key, 1, NULL);
    if (err != AW_OK)
        return err;
    /* an administrative order with a lifetime has no operator: "" */
    db_param p[] = {
        DB_PARAM_TEXT(iccid),
        DB_PARAM_TEXT(caller != NULL ? caller->subject : ""),
        DB_PARAM_TEXT(caller != NULL ? caller->requester_id : ""),
        expires_at_ms > 0 ? DB_PARAM_INT64(expires_at_ms) : DB_PARAM_NULL,
        DB_PARAM_INT64(now_ms),
        caller != NULL && caller->call_identifier != NULL && caller->call_identifier[0] != '\0'
            ? DB_PARAM_TEXT(caller->call_identifier)
            : DB_PARAM_NULL,
    };
    return db_execute(db,
                      "INSERT INTO smdp_es2p_orders (iccid, operator_subject, requester_id, "
                      "expires_at, created_at, call_identifier) VALUES (?, ?, ?, ?, ?, ?)",
                      p, 6, NULL);
}

aw_err es2p_order_forget(db_connection *db, const char *iccid)
{
    bool tracking = false;
    aw_err err = es2p_order_tracking(db, &tracking);
    if (err != AW_OK || !tracking)
        return err;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    return db_execute(db, "DELETE FROM smdp_es2p_orders WHERE iccid = ?", p, 1, NULL);
}

bool es2p_order_caller_allowed(const es2p_order_row *row, const smdp_es2p_caller *caller)
{
    if (caller == NULL)
        return true;
    /* an operator acts only on its own orders: same verified certificate
     * subject and same functionRequesterIdentifier */
    return row->found && row->operator_subject[0] != '\0' &&
           strcmp(row->operator_subject, caller->subject) == 0 &&
           strcmp(row->requester_id, caller->requester_id) == 0;
}

aw_err es2p_order_expire_if_due(db_connection *db, const char *iccid, es2p_order_row *row,
                                int64_t now_ms, bool *expired)
{
    *expired = row->found && row->expired_at_ms != 0;
    if (!row->found || row->expired_at_ms != 0 || row->expires_at_ms == 0 ||
        now_ms < row->expires_at_ms)
        return AW_OK;
    /* The order waits for its download until the bound profile package is
     * sent (SGP.22 3.1.3 step 17); from then on the eUICC's
     * ProfileInstallationResult decides its outcome (an expiry would
     * contradict a profile already being installed), and a profile
     * installed, in error or back in the pool has nothing left to expire */
    static const smdp_state pending[] = {SMDP_STATE_ALLOCATED, SMDP_STATE_LINKED,
                                         SMDP_STATE_CONFIRMED, SMDP_STATE_RELEASED};
    smdp_state state;
    aw_err err = smdp_inventory_read_state(db, iccid, &state);
    if (err != AW_OK)
        return err;
    size_t i = 0;
    while (i < sizeof(pending) / sizeof(pending[0]) && pending[i] != state)
        i++;
    if (i == sizeof(pending) / sizeof(pending[0]))
        return AW_OK;
    err = smdp_inventory_change_state(db, iccid, pending, sizeof(pending) / sizeof(pending[0]),
                                      SMDP_STATE_ERROR, "download order expired", now_ms, NULL);
    db_param p[] = {DB_PARAM_INT64(now_ms), DB_PARAM_TEXT(iccid)};
    if (err == AW_OK)
        err = db_execute(db, "UPDATE smdp_es2p_orders SET expired_at = ? WHERE iccid = ?", p, 2,
                         NULL);
    /* SGP.22 5.6.3: expiry is part of the eligibility check (point 1) */
    smdp_progress progress = {.point = SMDP_NOTIFY_POINT_ELIGIBILITY,
                              .subject_code = "8.8.5",
                              .reason_code = "4.10",
                              .message = "The Download order has expired"};
    if (err == AW_OK)
        err = smdp_es2p_notify_enqueue(db, iccid, &progress, now_ms);
    if (err == AW_OK) {
        row->expired_at_ms = now_ms;
        *expired = true;
    }
    return err;
}

/* ---- The sweep ------------------------------------------------------------ */

#define ES2P_EXPIRE_CHUNK 32u

typedef struct expire_job {
    int64_t now_ms;
    size_t expired;
    size_t seen;
} expire_job;

/* One chunk of due orders, oldest expiry first, in one transaction. */
static aw_err expire_chunk(db_connection *db, void *arg)
{
    expire_job *job = arg;
    char iccids[ES2P_EXPIRE_CHUNK][SAIP_ICCID_TEXT];
    size_t n = 0;
    job->expired = 0;
    job->seen = 0;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_INT64(job->now_ms), DB_PARAM_INT64(ES2P_EXPIRE_CHUNK)};
    aw_err err = db_query(db,
                          "SELECT iccid FROM smdp_es2p_orders WHERE expires_at IS NOT NULL AND "
                          "expires_at <= ? AND expired_at IS NULL ORDER BY expires_at LIMIT ?",
                          p, 2, &rows);
    while (err == AW_OK && n < ES2P_EXPIRE_CHUNK) {
        bool has_row = false;
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        err = es2p_order_copy(rows, 0, iccids[n], sizeof(iccids[n]));
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    for (size_t i = 0; err == AW_OK && i < n; i++) {
        es2p_order_row row;
        bool expired = false;
        err = es2p_order_read(db, iccids[i], &row);
        if (err == AW_OK)
            err = es2p_order_expire_if_due(db, iccids[i], &row, job->now_ms, &expired);
        /* a completed order never expires: stamp it so the sweep skips it */
        db_param q[] = {DB_PARAM_TEXT(iccids[i])};
        if (err == AW_OK && !expired)
            err = db_execute(db, "UPDATE smdp_es2p_orders SET expires_at = NULL WHERE iccid = ?",
                             q, 1, NULL);
        if (err == AW_OK && expired)
            job->expired++;
    }
    job->seen = n;
    return err;
}

aw_err smdp_es2p_expire_orders(db_connection *db, int64_t now_ms, size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    bool tracking = false;
    aw_err err = es2p_order_tracking(db, &tracking);
    if (err != AW_OK || !tracking)
        return err;
    expire_job job = {.now_ms = now_ms};
    do {
        err = db_transaction_run(db, expire_chunk, &job, NULL);
        if (err == AW_OK && count != NULL)
            *count += job.expired;
    } while (err == AW_OK && job.seen == ES2P_EXPIRE_CHUNK);
    return err;
}

typedef struct expire_one_job {
    const char *iccid;
    int64_t now_ms;
    bool expired;
} expire_one_job;

static aw_err expire_one(db_connection *db, void *arg)
{
    expire_one_job *job = arg;
    es2p_order_row row;
    aw_err err = es2p_order_read(db, job->iccid, &row);
    return err == AW_OK ? es2p_order_expire_if_due(db, job->iccid, &row, job->now_ms,
                                                   &job->expired)
                        : err;
}

aw_err smdp_es2p_expire_order(db_connection *db, const char *iccid, int64_t now_ms,
                              bool *expired)
{
    if (expired != NULL)
        *expired = false;
    if (db == NULL || iccid == NULL || expired == NULL)
        return AW_ERR_ARGUMENT;
    /* Read first, without the write lock: ES9+ checks every order it finds
     * (SGP.22 5.6.3), and the daemon's writer thread may hold the lock
     * while it commits (writer.h); only a due order needs the transaction,
     * which reads the row again under the lock. */
    es2p_order_row row;
    aw_err err = es2p_order_read(db, iccid, &row);
    if (err != AW_OK)
        return err;
    if (!row.found || row.expired_at_ms != 0 || row.expires_at_ms == 0 ||
        now_ms < row.expires_at_ms) {
        *expired = row.found && row.expired_at_ms != 0;
        return AW_OK;
    }
    expire_one_job job = {.iccid = iccid, .now_ms = now_ms};
    err = db_transaction_run(db, expire_one, &job, NULL);
    if (err == AW_OK)
        *expired = job.expired;
    return err;
}
