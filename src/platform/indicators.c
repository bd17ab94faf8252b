/* airwrite platform: quality indicators (质量指标) of the management control
 * (管理控制) part of 《物联网 eSIM 空中写卡技术应用服务规范》 (issue 7),
 * computed per tenant or over all tenants for a period [from, to) from the
 * rows the platform keeps anyway (docs/indicators.md has the formulas):
 *
 *   write success        written / (written + failed), items whose final
 *                        status was reached in the period (cancelled items
 *                        are no write outcome);
 *   first-attempt        items written that were started once (one
 *                        pending -> in_progress in their history) and never
 *                        re-triggered within their round, over the same
 *                        denominator;
 *   write time           finished_at - started_at of the items written (the
 *                        executor's first claim, order_progress.c; the
 *                        order's creation for an item without one): the
 *                        mean and the nearest-rank 95th percentile;
 *   API call success     2xx answers / all answers (platform_api_call_counts,
 *                        indicators_calls.c), minute buckets whose start is
 *                        in the period;
 *   callback delivery    delivered / (delivered + dead), deliveries that
 *                        ended (status last set) in the period;
 *   exception closure    exceptions resolved in the period (and resolved or
 *                        closed now) within the time limit of their class
 *                        and grade from first seen / those resolved.
 *
 * Every rate is kept as its two counts; the ratio is formed only when read
 * (platform_indicator_value), and a zero denominator gives null. */
#include <stdio.h>
#include <string.h>

#include "platform/platform_internal.h"

static const char *const indicator_names[PLATFORM_INDICATOR__COUNT] = {
    "write_success",      "first_attempt",    "write_time_average", "write_time_p95",
    "api_success",        "callback_success", "exception_closure",
};

const char *platform_indicator_name(platform_indicator indicator)
{
    return (unsigned)indicator < PLATFORM_INDICATOR__COUNT ? indicator_names[indicator] : NULL;
}

static bool ratio(int64_t numerator, int64_t denominator, double *value)
{
    if (denominator <= 0)
        return false;
    *value = (double)numerator / (double)denominator;
    return true;
}

bool platform_indicator_value(const platform_indicators *in, platform_indicator indicator,
                              double *value)
{
    if (value != NULL)
        *value = 0;
    if (in == NULL || value == NULL)
        return false;
    int64_t ended = in->items_written + in->items_failed;
    switch (indicator) {
    case PLATFORM_INDICATOR_WRITE_SUCCESS:
        return ratio(in->items_written, ended, value);
    case PLATFORM_INDICATOR_FIRST_ATTEMPT:
        return ratio(in->items_first_attempt, ended, value);
    case PLATFORM_INDICATOR_WRITE_TIME_AVERAGE:
        return ratio(in->write_time_sum_ms, in->items_written, value);
    case PLATFORM_INDICATOR_WRITE_TIME_P95:
        if (in->items_written <= 0)
            return false;
        *value = (double)in->write_time_p95_ms;
        return true;
    case PLATFORM_INDICATOR_API_SUCCESS:
        return ratio(in->api_2xx, in->api_calls, value);
    case PLATFORM_INDICATOR_CALLBACK_SUCCESS:
        return ratio(in->callbacks_delivered, in->callbacks_delivered + in->callbacks_dead, value);
    case PLATFORM_INDICATOR_EXCEPTION_CLOSURE:
        return ratio(in->exceptions_resolved_in_time, in->exceptions_resolved, value);
    default:
        return false;
    }
}

/* ---- Schema ------------------------------------------------------------------ */

/* API answers per minute bucket; re-triggered downloads per item; indexes
 * on the end times the indicators select on. */
#define INDICATOR_TABLES                                                                       \
    "CREATE TABLE platform_api_call_counts (\n"                                               \
    "  minute BIGINT NOT NULL,\n"                                                             \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  route_group TEXT NOT NULL,\n"                                                          \
    "  status_class BIGINT NOT NULL CHECK (status_class BETWEEN 1 AND 5),\n"                  \
    "  calls BIGINT NOT NULL,\n"                                                              \
    "  PRIMARY KEY (minute, tenant, app_id, route_group, status_class));\n"                   \
    "CREATE INDEX platform_api_call_counts_tenant ON platform_api_call_counts (tenant, minute);\n" \
    "CREATE TABLE platform_item_retriggers (\n"                                               \
    "  order_id TEXT NOT NULL,\n"                                                             \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  retriggers BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (order_id, eid));\n"                                                       \
    "CREATE INDEX platform_order_items_finished ON platform_order_items (finished_at);\n"     \
    "CREATE INDEX platform_callback_deliveries_updated\n"                                     \
    "  ON platform_callback_deliveries (updated_at);\n"                                       \
    "CREATE INDEX platform_exceptions_resolved ON platform_exceptions (resolved_at);\n"

/* Version 2: the items' end-time index holds ended items only. A new item
 * (no finished_at yet) then writes no entry there: one B-tree fewer in
 * the transaction of every order (bench/bench_api_orders), and the index
 * no longer grows with items that have not ended. The indicators select a
 * finished_at range, which implies NOT NULL: both databases still use it
 * (https://sqlite.org/partialindex.html 3.0; tests/test_platform_indicators.c). */
#define ITEMS_FINISHED_PARTIAL                                                                 \
    "DROP INDEX platform_order_items_finished;\n"                                              \
    "CREATE INDEX platform_order_items_finished ON platform_order_items (finished_at)\n"       \
    "  WHERE finished_at IS NOT NULL;\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "API call counts per minute, item re-triggers, end time indexes",
        .sqlite_sql = INDICATOR_TABLES,
        .postgresql_sql = INDICATOR_TABLES,
    },
    {
        .version = 2,
        .description = "items' end time index on ended items only",
        .sqlite_sql = ITEMS_FINISHED_PARTIAL,
        .postgresql_sql = ITEMS_FINISHED_PARTIAL,
    },
};

aw_err platform_indicators_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_indicators", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

aw_err platform_indicators_record_retrigger(db_connection *db, const char *order_id,
                                            const char *eid, int64_t now_ms)
{
    if (db == NULL || order_id == NULL || eid == NULL || order_id[0] == '\0' || eid[0] == '\0')
        return AW_ERR_ARGUMENT;
    db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid), DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_item_retriggers (order_id, eid, retriggers, "
                      "updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (order_id, eid) DO UPDATE "
                      "SET retriggers = platform_item_retriggers.retriggers + 1, "
                      "updated_at = excluded.updated_at",
                      params, 3, NULL);
}

/* ---- Computation ------------------------------------------------------------- */

/* The same period and tenant parameters for every query: "" is every tenant. */
typedef struct period {
    db_connection *db;
    const char *tenant;
    int64_t from_ms, to_ms;
} period;

#define PERIOD_PARAMS(p)                                                                       \
    DB_PARAM_INT64((p)->from_ms), DB_PARAM_INT64((p)->to_ms), DB_PARAM_TEXT((p)->tenant),     \
        DB_PARAM_TEXT((p)->tenant)

/* The int64 columns of the one row of sql (NULL sums read as 0). */
static aw_err query_row(const period *p, const char *sql, int64_t *values, size_t count)
{
    db_param params[] = {PERIOD_PARAMS(p)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(p->db, sql, params, 4, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        values[i] = 0;
        if (has_row && db_rows_column_type(rows, i) != DB_TYPE_NULL)
            err = db_rows_get_int64(rows, i, &values[i]);
    }
    db_rows_free(rows);
    return err;
}

/* the tenant parameter given twice: "" matches every tenant (typed for
 * PostgreSQL, which cannot infer a parameter compared with a literal) */
#define TENANT_IS(COLUMN) "(CAST(? AS TEXT) = '' OR " COLUMN " = ?)"
/* a count or sum as BIGINT on both databases (PostgreSQL's SUM of BIGINT
 * is NUMERIC) */
#define SUM_IF(CONDITION, VALUE)                                                               \
    "CAST(SUM(CASE WHEN " CONDITION " THEN " VALUE " ELSE 0 END) AS BIGINT)"

#define ITEMS_ENDED                                                                            \
    " FROM platform_order_items i JOIN platform_orders o ON o.order_id = i.order_id"          \
    " WHERE i.finished_at >= ? AND i.finished_at < ? AND " TENANT_IS("o.tenant")
#define WRITE_TIME "(i.finished_at - COALESCE(i.started_at, o.created_at))"

static aw_err compute_items(const period *p, platform_indicators *out)
{
    int64_t v[3];
    aw_err err = query_row(p,
                           "SELECT " SUM_IF("i.status = 'written'", "1") ", "
                           SUM_IF("i.status = 'failed'", "1") ", "
                           SUM_IF("i.status = 'written'", WRITE_TIME) ITEMS_ENDED,
                           v, 3);
    if (err != AW_OK)
        return err;
    out->items_written = v[0];
    out->items_failed = v[1];
    out->write_time_sum_ms = v[2];
    /* started once: one pending -> in_progress in the item's history (one
     * executor round), and no re-trigger within it */
    err = query_row(p,
                    "SELECT COUNT(*)" ITEMS_ENDED " AND i.status = 'written' AND "
                    "(SELECT COUNT(*) FROM platform_lifecycle_history h WHERE h.machine = "
                    "'orderItem' AND h.tenant = o.tenant AND h.entity_id = i.order_id || ':' "
                    "|| i.eid AND h.to_state = 'in_progress') <= 1 AND NOT EXISTS (SELECT 1 "
                    "FROM platform_item_retriggers r WHERE r.order_id = i.order_id AND "
                    "r.eid = i.eid AND r.retriggers > 0)",
                    v, 1);
    if (err != AW_OK || out->items_written == 0)
        return err;
    out->items_first_attempt = v[0];
    /* nearest rank (docs/indicators.md): the ceil(0.95 n)-th smallest */
    int64_t rank = (95 * out->items_written + 99) / 100;
    db_param params[] = {PERIOD_PARAMS(p), DB_PARAM_INT64(rank - 1)};
    return db_query_int64(p->db,
                          "SELECT " WRITE_TIME ITEMS_ENDED " AND i.status = 'written' ORDER BY "
                          WRITE_TIME " LIMIT 1 OFFSET ?",
                          params, 5, &out->write_time_p95_ms);
}

static aw_err compute_calls(const period *p, platform_indicators *out)
{
    db_param params[] = {PERIOD_PARAMS(p)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(p->db,
                          "SELECT status_class, CAST(SUM(calls) AS BIGINT) FROM "
                          "platform_api_call_counts WHERE minute >= ? AND minute < ? AND "
                          TENANT_IS("tenant") " GROUP BY status_class",
                          params, 4, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        int64_t status_class = 0, calls = 0;
        err = db_rows_get_int64(rows, 0, &status_class);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &calls);
        if (err != AW_OK)
            break;
        out->api_calls += calls;
        if (status_class == 2)
            out->api_2xx += calls;
        else if (status_class == 3)
            out->api_3xx += calls;
        else if (status_class == 4)
            out->api_4xx += calls;
        else if (status_class == 5)
            out->api_5xx += calls;
    }
    db_rows_free(rows);
    return err;
}

static aw_err compute_callbacks(const period *p, platform_indicators *out)
{
    int64_t v[2];
    aw_err err = query_row(p,
                           "SELECT " SUM_IF("status = 'delivered'", "1") ", "
                           SUM_IF("status = 'dead'", "1") " FROM "
                           "platform_callback_deliveries WHERE updated_at >= ? AND updated_at < ? "
                           "AND " TENANT_IS("tenant"),
                           v, 2);
    out->callbacks_delivered = v[0];
    out->callbacks_dead = v[1];
    return err;
}

static aw_err compute_exceptions(const period *p, const platform_exception_policy *policy,
                                 platform_indicators *out)
{
    db_param params[] = {PERIOD_PARAMS(p)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(p->db,
                          "SELECT error_class, grade, first_seen, resolved_at FROM "
                          "platform_exceptions WHERE resolved_at >= ? AND resolved_at < ? AND "
                          TENANT_IS("tenant") " AND state IN ('resolved', 'closed')",
                          params, 4, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        int64_t error_class = 0, grade = 0, first_seen = 0, resolved_at = 0;
        err = db_rows_get_int64(rows, 0, &error_class);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &grade);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 2, &first_seen);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &resolved_at);
        if (err != AW_OK)
            break;
        /* the limit of its class and grade, counted from first seen: the
         * deadline of an exception that entered "open" then */
        platform_exception e;
        memset(&e, 0, sizeof(e));
        e.error_class = (platform_error_class)error_class;
        e.grade = (platform_exception_grade)grade;
        snprintf(e.state, sizeof(e.state), "open");
        e.state_since_ms = first_seen;
        int64_t deadline = platform_exception_deadline(policy, &e);
        out->exceptions_resolved++;
        if (deadline != 0 && resolved_at <= deadline)
            out->exceptions_resolved_in_time++;
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_indicators_compute(db_connection *db, const char *tenant,
                                   const platform_exception_policy *policy, int64_t from_ms,
                                   int64_t to_ms, platform_indicators *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (tenant == NULL)
        tenant = "";
    if (from_ms < 0 || from_ms >= to_ms || (tenant[0] != '\0' && !platform_tenant_valid(tenant)))
        return AW_ERR_PLATFORM_FIELD;
    snprintf(out->tenant, sizeof(out->tenant), "%s", tenant);
    out->from_ms = from_ms;
    out->to_ms = to_ms;
    period p = {.db = db, .tenant = tenant, .from_ms = from_ms, .to_ms = to_ms};
    aw_err err = compute_items(&p, out);
    if (err == AW_OK)
        err = compute_calls(&p, out);
    if (err == AW_OK)
        err = compute_callbacks(&p, out);
    if (err == AW_OK)
        err = compute_exceptions(&p, policy, out);
    if (err != AW_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    return AW_OK;
}
