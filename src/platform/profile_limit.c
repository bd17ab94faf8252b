/* airwrite platform: the profile count limit per eUICC and per tenant (issue 8 "Profile count
 * limit", platform_profile_limit.h). What counts as occupying an eUICC follows SGP.22 2.2.4:
 * every installed ISD-P, enabled or not (platform states installed, enabled, disabled), plus
 * the order items on their way to it (pending, in progress). The policy lives in the
 * database (table platform_profile_limits: scope '*' the per-eUICC default written from
 * airwrited's [profile_limit], scope <tenant> a tenant's own limit), so every process serving
 * the same database (airwrited, airwrite-platform serve, executors) applies the same one. */
#include <string.h>

#include "platform/platform_internal.h"

#define DEFAULT_SCOPE "*"
/* pg_advisory_xact_lock key of the order checks ("AWPL") */
#define ADVISORY_KEY 0x4157504CLL

/* The profile states that occupy the eUICC, and the item states heading to it. */
#define OCCUPYING "('installed', 'enabled', 'disabled')"
#define INSTALLED_OF(eid_expression)                                                           \
    "(SELECT COUNT(*) FROM platform_profiles p JOIN platform_lifecycle_states s ON "          \
    "s.machine = 'profile' AND s.tenant = p.tenant AND s.entity_id = p.iccid WHERE p.eid = " \
    eid_expression " AND s.state IN " OCCUPYING ")"

#define TABLES                                                                                 \
    "CREATE TABLE platform_profile_limits (\n"                                                \
    "  scope TEXT PRIMARY KEY,\n"                                                             \
    "  max_profiles BIGINT NOT NULL CHECK (max_profiles >= 1),\n"                             \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_order_items_eid ON platform_order_items (eid, status);\n"          \
    "CREATE INDEX platform_profiles_by_eid ON platform_profiles (eid);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "profile count limits (per-eUICC default, per tenant) and the indexes "
                       "of the per-EID counts",
        .sqlite_sql = TABLES,
        .postgresql_sql = TABLES,
    },
};

aw_err platform_profile_limit_migrate(db_connection *db)
{
    return db_migrate(db, "platform_profile_limit", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

static bool limit_valid(int64_t max_profiles)
{
    return max_profiles >= 1 && max_profiles <= PLATFORM_PROFILE_LIMIT_MAX;
}

static aw_err scope_set(db_connection *db, const char *scope, int64_t max_profiles,
                        int64_t now_ms)
{
    if (max_profiles == 0) {
        db_param key[] = {DB_PARAM_TEXT(scope)};
        return db_execute(db, "DELETE FROM platform_profile_limits WHERE scope = ?", key, 1,
                          NULL);
    }
    db_param params[] = {DB_PARAM_TEXT(scope), DB_PARAM_INT64(max_profiles),
                         DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_profile_limits (scope, max_profiles, updated_at) "
                      "VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET max_profiles = "
                      "excluded.max_profiles, updated_at = excluded.updated_at",
                      params, 3, NULL);
}

aw_err platform_profile_limit_configure(db_connection *db,
                                        const platform_profile_limit_settings *settings,
                                        int64_t now_ms)
{
    if (db == NULL || settings == NULL ||
        (settings->enabled && !limit_valid(settings->max_per_euicc)))
        return AW_ERR_ARGUMENT;
    return scope_set(db, DEFAULT_SCOPE, settings->enabled ? settings->max_per_euicc : 0, now_ms);
}

aw_err platform_profile_limit_set_tenant(db_connection *db, const char *tenant,
                                         int64_t max_profiles, int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_tenant_valid(tenant) || (max_profiles != 0 && !limit_valid(max_profiles)))
        return AW_ERR_PLATFORM_FIELD;
    return scope_set(db, tenant, max_profiles, now_ms);
}

aw_err platform_profile_limit_get(db_connection *db, const char *tenant,
                                  platform_profile_limit *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || tenant == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(DEFAULT_SCOPE), DB_PARAM_TEXT(tenant)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t tenant_max = 0;
    /* two primary-key reads in one row (NULL: no such scope): every order
     * runs this, and SQLite answered "scope IN (?, ?)" through a temporary
     * table built for each run, at three times the cost */
    aw_err err = db_query(db,
                          "SELECT (SELECT max_profiles FROM platform_profile_limits WHERE "
                          "scope = ?), (SELECT max_profiles FROM platform_profile_limits WHERE "
                          "scope = ?)",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row && db_rows_column_type(rows, 0) != DB_TYPE_NULL)
        err = db_rows_get_int64(rows, 0, &out->default_max);
    /* the default's own scope is no tenant's override */
    if (err == AW_OK && has_row && db_rows_column_type(rows, 1) != DB_TYPE_NULL &&
        strcmp(tenant, DEFAULT_SCOPE) != 0)
        err = db_rows_get_int64(rows, 1, &tenant_max);
    db_rows_free(rows);
    if (err != AW_OK || out->default_max == 0) { /* the policy is off */
        memset(out, 0, sizeof(*out));
        return err;
    }
    out->enabled = true;
    out->tenant_override = tenant_max != 0;
    out->max_profiles = tenant_max != 0 ? tenant_max : out->default_max;
    return AW_OK;
}

aw_err platform_profile_limit_count(db_connection *db, const char *eid, int64_t *installed,
                                    int64_t *in_flight)
{
    if (installed != NULL)
        *installed = 0;
    if (in_flight != NULL)
        *in_flight = 0;
    if (db == NULL || eid == NULL || installed == NULL || in_flight == NULL)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(eid)};
    aw_err err = db_query_int64(db, "SELECT " INSTALLED_OF("?"), key, 1, installed);
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_order_items WHERE eid = ? AND "
                             "status IN ('pending', 'in_progress')",
                             key, 1, in_flight);
    return err;
}

aw_err platform_profile_limit_check_order(db_connection *db, const char *tenant,
                                          const char *order_id)
{
    if (db == NULL || tenant == NULL || order_id == NULL)
        return AW_ERR_ARGUMENT;
    platform_profile_limit limit;
    aw_err err = platform_profile_limit_get(db, tenant, &limit);
    if (err != AW_OK || !limit.enabled)
        return err;
    /* PostgreSQL runs this in READ COMMITTED (the API's call transaction): without one
     * lock, two orders for the same EID would each miss the other's uncommitted items.
     * After the lock each statement sees every order committed before it. SQLite holds
     * its write lock from BEGIN IMMEDIATE already. */
    if (db_get_backend(db) == DB_BACKEND_POSTGRESQL) {
        db_param lock[] = {DB_PARAM_INT64(ADVISORY_KEY)};
        err = db_execute(db, "SELECT pg_advisory_xact_lock(?)", lock, 1, NULL);
        if (err != AW_OK)
            return err;
    }
    /* the order's own items are pending: each counts itself */
    db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_INT64(limit.max_profiles)};
    int64_t line = 0;
    err = db_query_int64(db,
                         "SELECT i.line FROM platform_order_items i WHERE i.order_id = ? AND "
                         "(SELECT COUNT(*) FROM platform_order_items o WHERE o.eid = i.eid AND "
                         "o.status IN ('pending', 'in_progress')) + " INSTALLED_OF("i.eid")
                         " > ? ORDER BY i.line LIMIT 1",
                         params, 2, &line);
    if (err == AW_ERR_DB_NOT_FOUND)
        return AW_OK;
    return err == AW_OK ? AW_ERR_PLATFORM_PROFILE_LIMIT : err;
}

aw_err platform_profile_limit_check_item(db_connection *db, const char *tenant,
                                         const char *order_id, const char *eid, bool *refused)
{
    if (refused != NULL)
        *refused = false;
    if (db == NULL || tenant == NULL || order_id == NULL || eid == NULL || refused == NULL)
        return AW_ERR_ARGUMENT;
    platform_profile_limit limit;
    aw_err err = platform_profile_limit_get(db, tenant, &limit);
    if (err != AW_OK || !limit.enabled)
        return err;
    db_param key[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t id = 0, started_at = 0;
    err = db_query(db,
                   "SELECT id, COALESCE(started_at, 0) FROM platform_order_items WHERE "
                   "order_id = ? AND eid = ?",
                   key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &started_at);
    db_rows_free(rows);
    if (err != AW_OK)
        return err;
    /* the items that started first keep their places: pending ones have not
     * started, and one that starts later yields to this one */
    db_param params[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(eid), DB_PARAM_INT64(id),
                         DB_PARAM_INT64(started_at), DB_PARAM_INT64(started_at),
                         DB_PARAM_INT64(id)};
    int64_t occupied = 0;
    err = db_query_int64(db,
                         "SELECT " INSTALLED_OF("?") " + (SELECT COUNT(*) FROM "
                         "platform_order_items o WHERE o.eid = ? AND o.id <> ? AND o.status = "
                         "'in_progress' AND (COALESCE(o.started_at, 0) < ? OR "
                         "(COALESCE(o.started_at, 0) = ? AND o.id < ?)))",
                         params, 6, &occupied);
    if (err == AW_OK)
        *refused = occupied + 1 > limit.max_profiles;
    return err;
}
