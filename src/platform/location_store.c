/* airwrite platform: what location-bound writing keeps (db_migrate
 * component "platform_location"; docs/location.md "Storage"): each card's
 * last two fixes (the latest for the decision, the one before for the
 * speed check), each tenant's policy, and the holds of items and card
 * operations waiting for a usable fix. Coordinates are stored as integer
 * 1e-7 degrees (about 1 cm), accuracies as integer centimetres: the
 * database layer has no floating type, and both are finer than any fix. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "platform/card_ops_internal.h"
#include "platform/executor_internal.h"
#include "platform/location_policy.h"

#define LOCATION_SCALE 1e7     /* degrees -> stored integer */
#define ACCURACY_SCALE 100.0   /* metres -> centimetres */

#define FIX_COLUMNS(prefix)                                                                   \
    " " prefix "kind INTEGER, " prefix "latitude BIGINT, " prefix "longitude BIGINT, "        \
    prefix "accuracy_cm BIGINT, " prefix "fix_time BIGINT, " prefix "mcc TEXT, " prefix       \
    "mnc TEXT, " prefix "tac BIGINT, " prefix "cell_id BIGINT,"

#define LOCATION_SCHEMA                                                                       \
    "CREATE TABLE platform_location_fixes (\n"                                                \
    "  eid TEXT PRIMARY KEY,\n" FIX_COLUMNS("") FIX_COLUMNS("previous_")                      \
    "  received_at BIGINT NOT NULL\n"                                                         \
    ");\n"                                                                                    \
    "CREATE TABLE platform_location_policies (\n"                                             \
    "  tenant TEXT PRIMARY KEY,\n"                                                            \
    "  enabled INTEGER NOT NULL,\n"                                                           \
    "  regions TEXT NOT NULL,\n"                                                              \
    "  inline_region TEXT NOT NULL,\n"                                                        \
    "  max_age_s BIGINT NOT NULL,\n"                                                          \
    "  max_accuracy_m BIGINT NOT NULL,\n"                                                     \
    "  max_speed_kmh BIGINT NOT NULL,\n"                                                      \
    "  on_missing INTEGER NOT NULL,\n"                                                        \
    "  on_stale INTEGER NOT NULL,\n"                                                          \
    "  on_implausible INTEGER NOT NULL,\n"                                                    \
    "  hold_s BIGINT NOT NULL,\n"                                                             \
    "  updated_at BIGINT NOT NULL\n"                                                          \
    ");\n"                                                                                    \
    "CREATE TABLE platform_location_holds (\n"                                                \
    "  subject TEXT PRIMARY KEY,\n"                                                           \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  order_id TEXT,\n"                                                                      \
    "  operation_id TEXT,\n"                                                                  \
    "  since_s BIGINT NOT NULL,\n"                                                            \
    "  until_s BIGINT NOT NULL\n"                                                             \
    ");\n"                                                                                    \
    "CREATE INDEX platform_location_holds_eid ON platform_location_holds (eid);\n"

static const db_migration migrations[] = {
    {.version = 1,
     .description = "location-bound writing: latest fixes, tenant policies, holds",
     .sqlite_sql = LOCATION_SCHEMA,
     .postgresql_sql = LOCATION_SCHEMA},
};

aw_err platform_location_migrate(db_connection *db)
{
    return db_migrate(db, "platform_location", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

/* "" or 2..3 digits (3GPP TS 23.003 2.2: MCC 3 digits, MNC 2 or 3). */
static bool digits_valid(const char *text, size_t min, size_t max)
{
    size_t len = strnlen(text, 4);
    if (len == 0)
        return true;
    if (len < min || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

static bool eid_valid(const char *eid)
{
    if (eid == NULL || strlen(eid) != PLATFORM_EID_DIGITS)
        return false;
    for (size_t i = 0; i < PLATFORM_EID_DIGITS; i++)
        if (eid[i] < '0' || eid[i] > '9')
            return false;
    return true;
}

static int64_t scaled(double value, double scale)
{
    double v = round(value * scale);
    /* well inside int64 for every finite value the policy can judge; out
     * of range values are clamped (and still implausible) */
    if (v > 9e15)
        v = 9e15;
    if (v < -9e15)
        v = -9e15;
    return (int64_t)v;
}

typedef struct record_args {
    const char *eid;
    const platform_location_fix *fix;
    int64_t now;
} record_args;

/* Items and operations held for this card: their jobs at once. */
static aw_err release_holds(db_connection *db, const char *eid, int64_t now_ms)
{
    db_param key[] = {DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT order_id, operation_id FROM platform_location_holds WHERE "
                          "eid = ? ORDER BY subject",
                          key, 1, &rows);
    /* at most a few per card: gathered first, queued after the rows */
    char orders[8][PLATFORM_ORDER_ID_LENGTH + 1], operations[8][PLATFORM_CARD_OP_ID_LENGTH + 1];
    size_t order_count = 0, operation_count = 0;
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        const char *text = NULL;
        if (db_rows_get_text(rows, 0, &text) == AW_OK && order_count < 8 &&
            strlen(text) == PLATFORM_ORDER_ID_LENGTH)
            memcpy(orders[order_count++], text, PLATFORM_ORDER_ID_LENGTH + 1);
        if (db_rows_get_text(rows, 1, &text) == AW_OK && operation_count < 8 &&
            strlen(text) == PLATFORM_CARD_OP_ID_LENGTH)
            memcpy(operations[operation_count++], text, PLATFORM_CARD_OP_ID_LENGTH + 1);
    }
    db_rows_free(rows);
    for (size_t i = 0; err == AW_OK && i < order_count; i++)
        err = platform_executor_enqueue_job(db, EXECUTOR_JOB_ITEM, orders[i], eid, 0, now_ms,
                                            now_ms);
    for (size_t i = 0; err == AW_OK && i < operation_count; i++)
        err = card_op_enqueue_step(db, operations[i], now_ms, now_ms);
    return err;
}

static aw_err record_in(db_connection *db, void *arg)
{
    record_args *a = arg;
    const platform_location_fix *f = a->fix;
    db_param params[] = {
        DB_PARAM_TEXT(a->eid),
        DB_PARAM_INT64((int64_t)f->kind),
        DB_PARAM_INT64(scaled(f->latitude, LOCATION_SCALE)),
        DB_PARAM_INT64(scaled(f->longitude, LOCATION_SCALE)),
        DB_PARAM_INT64(scaled(f->accuracy_m, ACCURACY_SCALE)),
        DB_PARAM_INT64(f->fix_time),
        DB_PARAM_TEXT(f->mcc),
        DB_PARAM_TEXT(f->mnc),
        DB_PARAM_INT64((int64_t)f->tac),
        /* an NCI has 36 bits, an ECI 28 (3GPP TS 23.003 19.6A NCGI, 19.6 ECGI): the
         * mask only keeps a nonsense value from becoming negative */
        DB_PARAM_INT64((int64_t)(f->cell_id & 0x7FFFFFFFFFFFFFFFull)),
        DB_PARAM_INT64(a->now),
    };
    /* the latest becomes the one before (UPDATE's right-hand sides read
     * the row as it was) */
    aw_err err = db_execute(
        db,
        "INSERT INTO platform_location_fixes (eid, kind, latitude, longitude, accuracy_cm, "
        "fix_time, mcc, mnc, tac, cell_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (eid) DO UPDATE SET previous_kind = platform_location_fixes.kind, "
        "previous_latitude = platform_location_fixes.latitude, "
        "previous_longitude = platform_location_fixes.longitude, "
        "previous_accuracy_cm = platform_location_fixes.accuracy_cm, "
        "previous_fix_time = platform_location_fixes.fix_time, "
        "previous_mcc = platform_location_fixes.mcc, previous_mnc = platform_location_fixes.mnc, "
        "previous_tac = platform_location_fixes.tac, "
        "previous_cell_id = platform_location_fixes.cell_id, kind = excluded.kind, "
        "latitude = excluded.latitude, longitude = excluded.longitude, "
        "accuracy_cm = excluded.accuracy_cm, fix_time = excluded.fix_time, mcc = excluded.mcc, "
        "mnc = excluded.mnc, tac = excluded.tac, cell_id = excluded.cell_id, "
        "received_at = excluded.received_at",
        params, sizeof(params) / sizeof(params[0]), NULL);
    /* holds an hour past their end: their subject ended otherwise (an item
     * cancelled while held: its end job found it so and left the row) */
    db_param stale[] = {DB_PARAM_TEXT(a->eid), DB_PARAM_INT64(a->now - 3600)};
    if (err == AW_OK)
        err = db_execute(db,
                         "DELETE FROM platform_location_holds WHERE eid = ? AND until_s < ?",
                         stale, 2, NULL);
    if (err == AW_OK)
        err = release_holds(db, a->eid, a->now * 1000);
    return err;
}

aw_err platform_location_record(db_connection *db, const char *eid,
                                const platform_location_fix *fix, int64_t now)
{
    if (db == NULL || fix == NULL)
        return AW_ERR_ARGUMENT;
    if (!eid_valid(eid))
        return AW_ERR_PLATFORM_EID;
    if ((fix->kind != PLATFORM_LOCATION_GNSS && fix->kind != PLATFORM_LOCATION_CELL) ||
        !isfinite(fix->latitude) || !isfinite(fix->longitude) || !isfinite(fix->accuracy_m) ||
        memchr(fix->mcc, '\0', sizeof(fix->mcc)) == NULL ||
        memchr(fix->mnc, '\0', sizeof(fix->mnc)) == NULL || !digits_valid(fix->mcc, 3, 3) ||
        !digits_valid(fix->mnc, 2, 3))
        return AW_ERR_LOCATION_FIX;
    record_args a = {.eid = eid, .fix = fix, .now = now};
    return platform_in_transaction(db, record_in, &a);
}

/* Columns first..first+8 of a fix; *present false when kind is NULL. */
static aw_err read_fix(db_rows *rows, size_t first, platform_location_fix *fix, bool *present)
{
    *present = false;
    memset(fix, 0, sizeof(*fix));
    if (db_rows_column_type(rows, first) == DB_TYPE_NULL)
        return AW_OK;
    int64_t v[9] = {0};
    const char *mcc = NULL, *mnc = NULL;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < 9; i++) {
        if (i == 5)
            err = db_rows_get_text(rows, first + i, &mcc);
        else if (i == 6)
            err = db_rows_get_text(rows, first + i, &mnc);
        else
            err = db_rows_get_int64(rows, first + i, &v[i]);
    }
    if (err != AW_OK)
        return err;
    if (strlen(mcc) >= sizeof(fix->mcc) || strlen(mnc) >= sizeof(fix->mnc))
        return AW_ERR_DB_TYPE;
    fix->kind = (platform_location_kind)v[0];
    fix->latitude = (double)v[1] / LOCATION_SCALE;
    fix->longitude = (double)v[2] / LOCATION_SCALE;
    fix->accuracy_m = (double)v[3] / ACCURACY_SCALE;
    fix->fix_time = v[4];
    memcpy(fix->mcc, mcc, strlen(mcc) + 1);
    memcpy(fix->mnc, mnc, strlen(mnc) + 1);
    fix->tac = (uint32_t)v[7];
    fix->cell_id = (uint64_t)v[8];
    *present = true;
    return AW_OK;
}

aw_err platform_location_fixes_read(db_connection *db, const char *eid, location_fixes *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (db == NULL || eid == NULL)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT kind, latitude, longitude, accuracy_cm, fix_time, mcc, mnc, "
                          "tac, cell_id, previous_kind, previous_latitude, previous_longitude, "
                          "previous_accuracy_cm, previous_fix_time, previous_mcc, previous_mnc, "
                          "previous_tac, previous_cell_id FROM platform_location_fixes WHERE "
                          "eid = ?",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row)
        err = read_fix(rows, 0, &out->latest, &out->has_latest);
    if (err == AW_OK && has_row)
        err = read_fix(rows, 9, &out->previous, &out->has_previous);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

/* "CN,EU-WEST" <-> the policy's names. */
static aw_err regions_join(const location_policy *policy, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < policy->region_count; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i == 0 ? "" : ",",
                         policy->regions[i]);
        if (n < 0 || (size_t)n >= size - used)
            return AW_ERR_LOCATION_POLICY;
        used += (size_t)n;
    }
    return AW_OK;
}

static aw_err regions_split(const char *text, location_policy *policy)
{
    policy->region_count = 0;
    while (*text != '\0') {
        const char *comma = strchr(text, ',');
        size_t len = comma != NULL ? (size_t)(comma - text) : strlen(text);
        if (len == 0 || len > LOCATION_REGION_NAME_MAX ||
            policy->region_count >= LOCATION_POLICY_REGIONS_MAX)
            return AW_ERR_DB_TYPE;
        memcpy(policy->regions[policy->region_count], text, len);
        policy->regions[policy->region_count++][len] = '\0';
        text += len + (comma != NULL);
    }
    return AW_OK;
}

aw_err platform_location_policy_read(db_connection *db, const char *tenant,
                                     location_policy *out, bool *found)
{
    if (out == NULL || found == NULL)
        return AW_ERR_ARGUMENT;
    *found = false;
    location_policy_default(out);
    if (db == NULL || tenant == NULL)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(tenant)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT enabled, regions, inline_region, max_age_s, max_accuracy_m, "
                          "max_speed_kmh, on_missing, on_stale, on_implausible, hold_s FROM "
                          "platform_location_policies WHERE tenant = ?",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row) {
        int64_t v[10] = {0};
        const char *regions = NULL, *inline_region = NULL;
        for (size_t i = 0; err == AW_OK && i < 10; i++) {
            if (i == 1)
                err = db_rows_get_text(rows, i, &regions);
            else if (i == 2)
                err = db_rows_get_text(rows, i, &inline_region);
            else
                err = db_rows_get_int64(rows, i, &v[i]);
        }
        if (err == AW_OK)
            err = regions_split(regions, out);
        if (err == AW_OK && strlen(inline_region) >= sizeof(out->inline_region))
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK) {
            memcpy(out->inline_region, inline_region, strlen(inline_region) + 1);
            out->enabled = v[0] != 0;
            out->max_age_s = v[3];
            out->max_accuracy_m = v[4];
            out->max_speed_kmh = v[5];
            out->on_missing = (location_action)v[6];
            out->on_stale = (location_action)v[7];
            out->on_implausible = (location_action)v[8];
            out->hold_s = v[9];
            *found = true;
        }
    }
    db_rows_free(rows);
    if (err != AW_OK) {
        location_policy_default(out);
        *found = false;
    }
    return err;
}

aw_err platform_location_policy_write(db_connection *db, const char *tenant,
                                      const location_policy *policy, int64_t now)
{
    if (db == NULL || tenant == NULL || policy == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = location_policy_check(policy);
    char regions[LOCATION_POLICY_REGIONS_MAX * (LOCATION_REGION_NAME_MAX + 1) + 1];
    if (err == AW_OK)
        err = regions_join(policy, regions, sizeof(regions));
    if (err != AW_OK)
        return err;
    db_param params[] = {
        DB_PARAM_TEXT(tenant),
        DB_PARAM_INT64(policy->enabled ? 1 : 0),
        DB_PARAM_TEXT(regions),
        DB_PARAM_TEXT(policy->inline_region),
        DB_PARAM_INT64(policy->max_age_s),
        DB_PARAM_INT64(policy->max_accuracy_m),
        DB_PARAM_INT64(policy->max_speed_kmh),
        DB_PARAM_INT64((int64_t)policy->on_missing),
        DB_PARAM_INT64((int64_t)policy->on_stale),
        DB_PARAM_INT64((int64_t)policy->on_implausible),
        DB_PARAM_INT64(policy->hold_s),
        DB_PARAM_INT64(now),
    };
    return db_execute(db,
                      "INSERT INTO platform_location_policies (tenant, enabled, regions, "
                      "inline_region, max_age_s, max_accuracy_m, max_speed_kmh, on_missing, "
                      "on_stale, on_implausible, hold_s, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET enabled = "
                      "excluded.enabled, regions = excluded.regions, inline_region = "
                      "excluded.inline_region, max_age_s = excluded.max_age_s, max_accuracy_m = "
                      "excluded.max_accuracy_m, max_speed_kmh = excluded.max_speed_kmh, "
                      "on_missing = excluded.on_missing, on_stale = excluded.on_stale, "
                      "on_implausible = excluded.on_implausible, hold_s = excluded.hold_s, "
                      "updated_at = excluded.updated_at",
                      params, sizeof(params) / sizeof(params[0]), NULL);
}
