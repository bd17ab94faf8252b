/* airwrite platform: database schema of number resources and business scope
 * (号码使用, 合规业务范围 of 《物联网 eSIM 空中写卡技术应用服务规范》), cards and
 * profiles, applied through core's per-component migrations (db.h) as
 * component "platform.inventory". States live in platform_lifecycle_states
 * (machines card, profile, number), so these tables hold only what the
 * machines do not: identities, links, pools and scopes. Also the helpers
 * the inventory files share (inventory_internal.h). */
#include <string.h>

#include "platform/inventory_internal.h"

/* Whitelists are stored as their numbers joined by ',' (each 3..20 of
 * [0-9+], so the separator is unambiguous). */
#define INVENTORY(ID)                                                                          \
    "CREATE TABLE platform_profile_types (\n"                                                 \
    "  name TEXT PRIMARY KEY,\n"                                                              \
    "  data INTEGER NOT NULL CHECK (data IN (0, 1)),\n"                                       \
    "  sms INTEGER NOT NULL CHECK (sms IN (0, 1)),\n"                                         \
    "  voice INTEGER NOT NULL CHECK (voice IN (0, 1)),\n"                                     \
    "  sms_whitelist TEXT NOT NULL,\n"                                                        \
    "  voice_whitelist TEXT NOT NULL,\n"                                                      \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE TABLE platform_tenant_scopes (\n"                                                 \
    "  tenant TEXT PRIMARY KEY,\n"                                                            \
    "  data INTEGER NOT NULL CHECK (data IN (0, 1)),\n"                                       \
    "  sms INTEGER NOT NULL CHECK (sms IN (0, 1)),\n"                                         \
    "  voice INTEGER NOT NULL CHECK (voice IN (0, 1)),\n"                                     \
    "  sms_whitelist TEXT NOT NULL,\n"                                                        \
    "  voice_whitelist TEXT NOT NULL,\n"                                                      \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE TABLE platform_number_pools (\n"                                                  \
    "  id " ID ",\n"                                                                          \
    "  name TEXT NOT NULL UNIQUE,\n"                                                          \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  profile_type TEXT NOT NULL,\n"                                                         \
    "  msisdn_length BIGINT NOT NULL,\n"                                                      \
    "  cooling_ms BIGINT NOT NULL CHECK (cooling_ms >= 0),\n"                                 \
    "  created_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_number_pools_tenant ON platform_number_pools (tenant, id);\n"      \
    "CREATE TABLE platform_pool_ranges (\n"                                                   \
    "  pool TEXT NOT NULL,\n"                                                                 \
    "  kind TEXT NOT NULL CHECK (kind IN ('msisdn', 'imsi')),\n"                              \
    "  range_first TEXT NOT NULL,\n"                                                          \
    "  range_last TEXT NOT NULL,\n"                                                           \
    "  PRIMARY KEY (pool, kind, range_first));\n"                                             \
    "CREATE TABLE platform_numbers (\n"                                                       \
    "  msisdn TEXT PRIMARY KEY,\n"                                                            \
    "  imsi TEXT NOT NULL UNIQUE,\n"                                                          \
    "  pool TEXT NOT NULL,\n"                                                                 \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  order_id TEXT,\n"                                                                      \
    "  eid TEXT,\n"                                                                           \
    "  iccid TEXT,\n"                                                                         \
    "  created_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_numbers_pool ON platform_numbers (pool, msisdn);\n"                \
    "CREATE INDEX platform_numbers_holder ON platform_numbers (order_id, eid);\n"             \
    "CREATE TABLE platform_cards (\n"                                                         \
    "  id " ID ",\n"                                                                          \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (tenant, eid));\n"                                                              \
    "CREATE INDEX platform_cards_created ON platform_cards (tenant, created_at);\n"           \
    "CREATE TABLE platform_profiles (\n"                                                      \
    "  id " ID ",\n"                                                                          \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  imsi TEXT,\n"                                                                          \
    "  msisdn TEXT,\n"                                                                        \
    "  profile_type TEXT NOT NULL,\n"                                                         \
    "  order_id TEXT,\n"                                                                      \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (tenant, iccid));\n"                                                            \
    "CREATE INDEX platform_profiles_eid ON platform_profiles (tenant, eid);\n"                \
    "CREATE INDEX platform_profiles_imsi ON platform_profiles (tenant, imsi);\n"              \
    "CREATE INDEX platform_profiles_msisdn ON platform_profiles (tenant, msisdn);\n"          \
    "CREATE INDEX platform_profiles_created ON platform_profiles (tenant, created_at);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "profile types, tenants' business scopes, number pools and numbers, "
                       "cards and profiles",
        .sqlite_sql = INVENTORY("INTEGER PRIMARY KEY AUTOINCREMENT"),
        .postgresql_sql = INVENTORY("BIGSERIAL PRIMARY KEY"),
    },
};

aw_err platform_inventory_migrate(db_connection *db)
{
    aw_err err = db_migrate(db, "platform.inventory", migrations,
                            sizeof(migrations) / sizeof(migrations[0]), NULL);
    /* the profile count limit's own component, on these tables (profile_limit.c) */
    return err == AW_OK ? platform_profile_limit_migrate(db) : err;
}

/* ---- Shared helpers ------------------------------------------------------------ */

bool inventory_digits_valid(const char *text, size_t min, size_t max)
{
    if (text == NULL)
        return false;
    size_t len = strnlen(text, max + 1);
    return len >= min && len <= max && strspn(text, "0123456789") == len;
}

aw_err inventory_copy_text(db_rows *rows, size_t column, char *out, size_t size)
{
    out[0] = '\0';
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t len = strlen(text);
    if (len >= size)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, len + 1);
    return AW_OK;
}

aw_err inventory_state_get(db_connection *db, platform_lifecycle_machine machine,
                           const char *tenant, const char *entity_id,
                           char state[PLATFORM_STATE_MAX + 1], int64_t *since_ms)
{
    db_param key[] = {DB_PARAM_TEXT(platform_lifecycle_machine_name(machine)),
                      DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(entity_id)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT state, updated_at FROM platform_lifecycle_states WHERE "
                          "machine = ? AND tenant = ? AND entity_id = ?",
                          key, 3, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = inventory_copy_text(rows, 0, state, PLATFORM_STATE_MAX + 1);
    if (err == AW_OK && since_ms != NULL)
        err = db_rows_get_int64(rows, 1, since_ms);
    db_rows_free(rows);
    return err;
}

aw_err inventory_walk_path(db_connection *db, platform_lifecycle_machine machine,
                           const char *tenant, const char *entity_id, const char *const *path,
                           const char *cause, const char *actor, int64_t now_ms)
{
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && path[i] != NULL; i++)
        err = platform_lifecycle_transition(db, machine, tenant, entity_id, path[i], cause, actor,
                                            now_ms, NULL);
    return err;
}

aw_err inventory_page_check(int64_t after, size_t limit)
{
    return after < 0 || limit == 0 || limit > PLATFORM_QUERY_PAGE_MAX ? AW_ERR_PLATFORM_FIELD
                                                                      : AW_OK;
}

bool inventory_query_names_allowed(const char *query, const char *const *allowed)
{
    if (query == NULL || *query == '\0')
        return true;
    for (;;) {
        size_t len = strcspn(query, "&");
        size_t name = strcspn(query, "=&");
        /* the router's own parameter, read by its authorization step (api_rbac.c) */
        bool known = name == 6 && len > 6 && strncmp(query, "tenant", 6) == 0;
        for (size_t i = 0; len > 0 && !known && allowed[i] != NULL; i++)
            known = strlen(allowed[i]) == name && strncmp(allowed[i], query, name) == 0;
        if (!known)
            return false; /* also an empty parameter ("a&&b", "a&") */
        if (query[len] == '\0')
            return true;
        query += len + 1;
    }
}
