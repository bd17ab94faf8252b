/* airwrite platform: business scope (合规业务范围 of 《物联网 eSIM 空中写卡技术
 * 应用服务规范》). IoT cards are sold for a declared business: mobile data
 * only, or also SMS / voice directed to a whitelist of numbers (定向短信,
 * 定向语音). A profile type carries the scope its profiles provide; each
 * tenant has the scope it may use; an order is refused when its profile
 * type (a number pool's: the pool's profile type) needs more than the
 * tenant's scope, or its pool is not the tenant's or is short of numbers. */
#include <stdio.h>
#include <string.h>

#include "platform/inventory_internal.h"

/* 3..20 characters: digits, optionally one '+' first (E.164 numbers and
 * national short codes of directed services). */
static bool whitelist_number_valid(const char *number)
{
    const char *digits = number[0] == '+' ? number + 1 : number;
    return inventory_digits_valid(digits, 3, PLATFORM_WHITELIST_NUMBER_MAX - (digits != number));
}

static bool whitelist_valid(bool on, size_t count,
                            const char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    if (!on)
        return count == 0;
    if (count == 0 || count > PLATFORM_WHITELIST_MAX)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (memchr(list[i], '\0', PLATFORM_WHITELIST_NUMBER_MAX + 1) == NULL ||
            !whitelist_number_valid(list[i]))
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(list[i], list[j]) == 0)
                return false;
    }
    return true;
}

bool platform_business_scope_valid(const platform_business_scope *scope)
{
    return scope != NULL && whitelist_valid(scope->sms, scope->sms_count, scope->sms_whitelist) &&
           whitelist_valid(scope->voice, scope->voice_count, scope->voice_whitelist);
}

static bool listed(const char *number, size_t count,
                   const char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(number, list[i]) == 0)
            return true;
    return false;
}

static bool whitelist_within(bool inner_on, size_t inner_count,
                             const char (*inner)[PLATFORM_WHITELIST_NUMBER_MAX + 1], bool outer_on,
                             size_t outer_count,
                             const char (*outer)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    if (!inner_on)
        return true;
    if (!outer_on)
        return false;
    for (size_t i = 0; i < inner_count; i++)
        if (!listed(inner[i], outer_count, outer))
            return false;
    return true;
}

bool platform_business_scope_within(const platform_business_scope *inner,
                                    const platform_business_scope *outer)
{
    if (!platform_business_scope_valid(inner) || !platform_business_scope_valid(outer))
        return false;
    return (!inner->data || outer->data) &&
           whitelist_within(inner->sms, inner->sms_count, inner->sms_whitelist, outer->sms,
                            outer->sms_count, outer->sms_whitelist) &&
           whitelist_within(inner->voice, inner->voice_count, inner->voice_whitelist,
                            outer->voice, outer->voice_count, outer->voice_whitelist);
}

/* ---- Stored form ------------------------------------------------------------ */

#define WHITELIST_TEXT_MAX (PLATFORM_WHITELIST_MAX * (PLATFORM_WHITELIST_NUMBER_MAX + 1))

static void whitelist_join(size_t count, const char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1],
                           char text[WHITELIST_TEXT_MAX + 1])
{
    size_t len = 0;
    text[0] = '\0';
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(text + len, WHITELIST_TEXT_MAX + 1 - len, "%s%s",
                                i > 0 ? "," : "", list[i]);
}

static aw_err whitelist_split(const char *text, size_t *count,
                              char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    *count = 0;
    while (*text != '\0') {
        size_t len = strcspn(text, ",");
        if (*count == PLATFORM_WHITELIST_MAX || len == 0 || len > PLATFORM_WHITELIST_NUMBER_MAX)
            return AW_ERR_DB_TYPE;
        memcpy(list[*count], text, len);
        list[(*count)++][len] = '\0';
        text += len + (text[len] == ',');
    }
    return AW_OK;
}

/* Columns data, sms, voice, sms_whitelist, voice_whitelist of a row, from
 * column first on. */
static aw_err scope_read(db_rows *rows, size_t first, platform_business_scope *scope)
{
    int64_t flags[3] = {0};
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < 3; i++)
        err = db_rows_get_int64(rows, first + i, &flags[i]);
    const char *sms = NULL, *voice = NULL;
    if (err == AW_OK)
        err = db_rows_get_text(rows, first + 3, &sms);
    if (err == AW_OK)
        err = db_rows_get_text(rows, first + 4, &voice);
    if (err == AW_OK)
        err = whitelist_split(sms, &scope->sms_count, scope->sms_whitelist);
    if (err == AW_OK)
        err = whitelist_split(voice, &scope->voice_count, scope->voice_whitelist);
    scope->data = flags[0] != 0;
    scope->sms = flags[1] != 0;
    scope->voice = flags[2] != 0;
    if (err == AW_OK && !platform_business_scope_valid(scope))
        err = AW_ERR_DB_TYPE;
    return err;
}

/* Insert or replace the scope row of key in table (a constant). */
static aw_err scope_write(db_connection *db, const char *sql, const char *key,
                          const platform_business_scope *scope, int64_t now_ms)
{
    char sms[WHITELIST_TEXT_MAX + 1], voice[WHITELIST_TEXT_MAX + 1];
    whitelist_join(scope->sms_count, scope->sms_whitelist, sms);
    whitelist_join(scope->voice_count, scope->voice_whitelist, voice);
    db_param params[] = {DB_PARAM_TEXT(key),          DB_PARAM_INT64(scope->data),
                         DB_PARAM_INT64(scope->sms),   DB_PARAM_INT64(scope->voice),
                         DB_PARAM_TEXT(sms),           DB_PARAM_TEXT(voice),
                         DB_PARAM_INT64(now_ms)};
    return db_execute(db, sql, params, 7, NULL);
}

static aw_err scope_load(db_connection *db, const char *sql, const char *key,
                         platform_business_scope *scope, bool *found)
{
    db_param params[] = {DB_PARAM_TEXT(key)};
    db_rows *rows = NULL;
    *found = false;
    aw_err err = db_query(db, sql, params, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found)
        err = scope_read(rows, 0, scope);
    db_rows_free(rows);
    return err;
}

aw_err platform_profile_type_define(db_connection *db, const char *name,
                                    const platform_business_scope *scope, int64_t now_ms)
{
    if (db == NULL || !platform_target_valid(name) || !platform_business_scope_valid(scope) ||
        !(scope->data || scope->sms || scope->voice))
        return AW_ERR_ARGUMENT;
    return scope_write(db,
                       "INSERT INTO platform_profile_types (name, data, sms, voice, "
                       "sms_whitelist, voice_whitelist, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET data = excluded.data, sms = "
                       "excluded.sms, voice = excluded.voice, sms_whitelist = "
                       "excluded.sms_whitelist, voice_whitelist = excluded.voice_whitelist, "
                       "updated_at = excluded.updated_at",
                       name, scope, now_ms);
}

aw_err platform_profile_type_get(db_connection *db, const char *name,
                                 platform_business_scope *scope)
{
    if (scope != NULL)
        memset(scope, 0, sizeof(*scope));
    if (db == NULL || scope == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_target_valid(name))
        return AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN;
    bool found = false;
    aw_err err = scope_load(db,
                            "SELECT data, sms, voice, sms_whitelist, voice_whitelist FROM "
                            "platform_profile_types WHERE name = ?",
                            name, scope, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN;
    return err;
}

aw_err platform_tenant_scope_set(db_connection *db, const char *tenant,
                                 const platform_business_scope *scope, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || !platform_business_scope_valid(scope))
        return AW_ERR_ARGUMENT;
    return scope_write(db,
                       "INSERT INTO platform_tenant_scopes (tenant, data, sms, voice, "
                       "sms_whitelist, voice_whitelist, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (tenant) DO UPDATE SET data = excluded.data, sms = "
                       "excluded.sms, voice = excluded.voice, sms_whitelist = "
                       "excluded.sms_whitelist, voice_whitelist = excluded.voice_whitelist, "
                       "updated_at = excluded.updated_at",
                       tenant, scope, now_ms);
}

aw_err platform_tenant_scope_get(db_connection *db, const char *tenant,
                                 platform_business_scope *scope)
{
    if (scope != NULL)
        memset(scope, 0, sizeof(*scope));
    if (db == NULL || scope == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    bool found = false;
    aw_err err = scope_load(db,
                            "SELECT data, sms, voice, sms_whitelist, voice_whitelist FROM "
                            "platform_tenant_scopes WHERE tenant = ?",
                            tenant, scope, &found);
    if (err == AW_OK && !found)
        memset(scope, 0, sizeof(*scope)); /* never given one: nothing allowed */
    return err;
}

/* ---- The order's target ------------------------------------------------------- */

/* Items of tenant's orders on pool still to be written that hold no number
 * yet: each will reserve one. */
static aw_err pool_demand(db_connection *db, const char *tenant, const char *pool, int64_t *demand)
{
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(pool)};
    return db_query_int64(db,
                          "SELECT COUNT(*) FROM platform_order_items i JOIN platform_orders o ON "
                          "o.order_id = i.order_id WHERE o.tenant = ? AND o.target_kind = "
                          "'numberPool' AND o.target = ? AND i.status IN ('pending', "
                          "'in_progress') AND NOT EXISTS (SELECT 1 FROM platform_numbers n "
                          "WHERE n.order_id = i.order_id AND n.eid = i.eid)",
                          params, 2, demand);
}

/* The profile type's scope and the tenant's in one statement (every order
 * reads both: on PostgreSQL one round trip fewer), with the errors and
 * defaults of platform_profile_type_get and platform_tenant_scope_get (a
 * name that is no valid one was never stored: unknown as well). */
static aw_err scopes_load(db_connection *db, const char *profile_type, const char *tenant,
                          platform_business_scope *needed, platform_business_scope *allowed)
{
    memset(needed, 0, sizeof(*needed));
    memset(allowed, 0, sizeof(*allowed));
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(profile_type)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT t.data, t.sms, t.voice, t.sms_whitelist, t.voice_whitelist, "
                          "s.data, s.sms, s.voice, s.sms_whitelist, s.voice_whitelist FROM "
                          "platform_profile_types t LEFT JOIN platform_tenant_scopes s ON "
                          "s.tenant = ? WHERE t.name = ?",
                          params, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN;
    if (err == AW_OK)
        err = scope_read(rows, 0, needed);
    /* a tenant never given a scope is allowed nothing */
    if (err == AW_OK && db_rows_column_type(rows, 5) != DB_TYPE_NULL)
        err = scope_read(rows, 5, allowed);
    db_rows_free(rows);
    return err;
}

aw_err platform_order_check_target(db_connection *db, const char *tenant,
                                   const char *idempotency_key, platform_target_kind kind,
                                   const char *target, size_t count, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || !platform_target_valid(target) ||
        (kind != PLATFORM_TARGET_PROFILE_TYPE && kind != PLATFORM_TARGET_NUMBER_POOL) ||
        count == 0)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    if (idempotency_key != NULL) {
        int64_t seen = 0;
        db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(idempotency_key)};
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_orders WHERE tenant = ? AND "
                             "idempotency_key = ?",
                             key, 2, &seen);
        if (err != AW_OK || seen > 0)
            return err; /* a repeat or a conflict: platform_order_create answers */
    }
    platform_number_pool pool;
    const char *profile_type = target;
    if (kind == PLATFORM_TARGET_NUMBER_POOL) {
        err = inventory_pool_load(db, tenant, target, &pool);
        if (err != AW_OK)
            return err;
        profile_type = pool.profile_type;
    }
    platform_business_scope needed, allowed;
    err = scopes_load(db, profile_type, tenant, &needed, &allowed);
    if (err == AW_OK && !platform_business_scope_within(&needed, &allowed))
        err = AW_ERR_PLATFORM_SCOPE;
    if (err != AW_OK || kind != PLATFORM_TARGET_NUMBER_POOL)
        return err;
    platform_pool_counts counts;
    int64_t demand = 0;
    err = inventory_pool_counts(db, &pool, now_ms, &counts);
    if (err == AW_OK)
        err = pool_demand(db, tenant, target, &demand);
    if (err == AW_OK && counts.available - demand < (int64_t)count)
        err = AW_ERR_PLATFORM_POOL_EXHAUSTED;
    return err;
}
