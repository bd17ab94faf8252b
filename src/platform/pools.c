/* airwrite platform: number pools (号码使用 of 《物联网 eSIM 空中写卡技术应用服务
 * 规范》): the MSISDN segments (prefixes of numbers of one length, e.g. the
 * 13-digit IoT MSISDNs) and IMSI ranges (3GPP TS 23.003 2.2) allotted to a
 * tenant, with the profile type written with their numbers and the cooling
 * period a released number rests before reuse. Pools never overlap: an
 * MSISDN or IMSI belongs to at most one pool. The numbers themselves are in
 * numbers.c. */
#include <stdlib.h>
#include <string.h>

#include "platform/inventory_internal.h"

#define COOLING_MS_MAX (10LL * 366 * 86400 * 1000) /* ten years */
#define MSISDN_LENGTH_MIN 5u

static bool imsi_range_valid(const platform_imsi_range *range)
{
    size_t len = strnlen(range->first, PLATFORM_IMSI_MAX + 1);
    return inventory_digits_valid(range->first, 6, PLATFORM_IMSI_MAX) &&
           inventory_digits_valid(range->last, 6, PLATFORM_IMSI_MAX) &&
           strlen(range->last) == len &&
           strcmp(range->first, range->last) <= 0;
}

static bool pool_form_valid(const platform_number_pool *pool)
{
    if (!platform_target_valid(pool->name) || !platform_tenant_valid(pool->tenant) ||
        !platform_target_valid(pool->profile_type) || pool->msisdn_length < MSISDN_LENGTH_MIN ||
        pool->msisdn_length > PLATFORM_MSISDN_MAX || pool->cooling_ms < 0 ||
        pool->cooling_ms > COOLING_MS_MAX || pool->segment_count == 0 ||
        pool->segment_count > PLATFORM_POOL_RANGES_MAX || pool->range_count == 0 ||
        pool->range_count > PLATFORM_POOL_RANGES_MAX)
        return false;
    for (size_t i = 0; i < pool->segment_count; i++)
        if (!inventory_digits_valid(pool->segments[i], 1, pool->msisdn_length))
            return false;
    for (size_t i = 0; i < pool->range_count; i++)
        if (!imsi_range_valid(&pool->ranges[i]))
            return false;
    return true;
}

/* Two MSISDN segments of numbers of the same length share numbers when
 * one is a prefix of the other. */
static bool segments_meet(const char *a, const char *b)
{
    size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);
    return strncmp(a, b, n) == 0;
}

/* Equal-length digit strings compare as their numbers. */
static bool ranges_meet(const char *first_a, const char *last_a, const char *first_b,
                        const char *last_b)
{
    return strlen(first_a) == strlen(first_b) && strcmp(first_a, last_b) <= 0 &&
           strcmp(first_b, last_a) <= 0;
}

/* Whether the pool's segments and ranges meet each other's or a stored
 * pool's: AW_ERR_PLATFORM_NUMBER_RANGE. */
static aw_err overlap_check(db_connection *db, const platform_number_pool *pool)
{
    for (size_t i = 0; i < pool->segment_count; i++)
        for (size_t j = 0; j < i; j++)
            if (segments_meet(pool->segments[i], pool->segments[j]))
                return AW_ERR_PLATFORM_NUMBER_RANGE;
    for (size_t i = 0; i < pool->range_count; i++)
        for (size_t j = 0; j < i; j++)
            if (ranges_meet(pool->ranges[i].first, pool->ranges[i].last, pool->ranges[j].first,
                            pool->ranges[j].last))
                return AW_ERR_PLATFORM_NUMBER_RANGE;
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT r.kind, r.range_first, r.range_last, p.msisdn_length FROM "
                          "platform_pool_ranges r JOIN platform_number_pools p ON p.name = r.pool",
                          NULL, 0, &rows);
    bool found = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        const char *kind = NULL, *first = NULL, *last = NULL;
        int64_t length = 0;
        err = db_rows_get_text(rows, 0, &kind);
        if (err == AW_OK)
            err = db_rows_get_text(rows, 1, &first);
        if (err == AW_OK)
            err = db_rows_get_text(rows, 2, &last);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &length);
        if (err != AW_OK)
            break;
        if (strcmp(kind, "msisdn") == 0) {
            for (size_t i = 0; i < pool->segment_count && err == AW_OK; i++)
                if (length == pool->msisdn_length && segments_meet(pool->segments[i], first))
                    err = AW_ERR_PLATFORM_NUMBER_RANGE;
        } else {
            for (size_t i = 0; i < pool->range_count && err == AW_OK; i++)
                if (ranges_meet(pool->ranges[i].first, pool->ranges[i].last, first, last))
                    err = AW_ERR_PLATFORM_NUMBER_RANGE;
        }
    }
    db_rows_free(rows);
    return err;
}

static aw_err insert_range(db_connection *db, const char *pool, const char *kind,
                           const char *first, const char *last)
{
    db_param params[] = {DB_PARAM_TEXT(pool), DB_PARAM_TEXT(kind), DB_PARAM_TEXT(first),
                         DB_PARAM_TEXT(last)};
    return db_execute(db,
                      "INSERT INTO platform_pool_ranges (pool, kind, range_first, range_last) "
                      "VALUES (?, ?, ?, ?)",
                      params, 4, NULL);
}

typedef struct create_args {
    platform_number_pool *pool;
    int64_t now_ms;
} create_args;

static aw_err create_in(db_connection *db, void *arg)
{
    create_args *a = arg;
    platform_number_pool *pool = a->pool;
    platform_business_scope scope;
    aw_err err = platform_profile_type_get(db, pool->profile_type, &scope);
    int64_t exists = 0;
    db_param name[] = {DB_PARAM_TEXT(pool->name)};
    if (err == AW_OK)
        err = db_query_int64(db, "SELECT COUNT(*) FROM platform_number_pools WHERE name = ?",
                             name, 1, &exists);
    if (err == AW_OK && exists != 0)
        err = AW_ERR_STATE;
    if (err == AW_OK)
        err = overlap_check(db, pool);
    db_param params[] = {DB_PARAM_TEXT(pool->name), DB_PARAM_TEXT(pool->tenant),
                         DB_PARAM_TEXT(pool->profile_type),
                         DB_PARAM_INT64((int64_t)pool->msisdn_length),
                         DB_PARAM_INT64(pool->cooling_ms), DB_PARAM_INT64(a->now_ms)};
    if (err == AW_OK)
        err = db_execute(db,
                         "INSERT INTO platform_number_pools (name, tenant, profile_type, "
                         "msisdn_length, cooling_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         params, 6, NULL);
    for (size_t i = 0; err == AW_OK && i < pool->segment_count; i++)
        err = insert_range(db, pool->name, "msisdn", pool->segments[i], pool->segments[i]);
    for (size_t i = 0; err == AW_OK && i < pool->range_count; i++)
        err = insert_range(db, pool->name, "imsi", pool->ranges[i].first, pool->ranges[i].last);
    if (err == AW_OK)
        err = db_query_int64(db, "SELECT id FROM platform_number_pools WHERE name = ?", name, 1,
                             &pool->id);
    return err;
}

aw_err platform_number_pool_create(db_connection *db, platform_number_pool *pool, int64_t now_ms)
{
    if (db == NULL || pool == NULL)
        return AW_ERR_ARGUMENT;
    /* the fixed-size members in use must hold strings before anything reads them */
    bool terminated = pool->segment_count <= PLATFORM_POOL_RANGES_MAX &&
                      pool->range_count <= PLATFORM_POOL_RANGES_MAX &&
                      memchr(pool->name, '\0', sizeof(pool->name)) != NULL &&
                      memchr(pool->tenant, '\0', sizeof(pool->tenant)) != NULL &&
                      memchr(pool->profile_type, '\0', sizeof(pool->profile_type)) != NULL;
    for (size_t i = 0; terminated && i < pool->segment_count; i++)
        terminated = memchr(pool->segments[i], '\0', sizeof(pool->segments[i])) != NULL;
    for (size_t i = 0; terminated && i < pool->range_count; i++)
        terminated = memchr(pool->ranges[i].first, '\0', sizeof(pool->ranges[i].first)) != NULL &&
                     memchr(pool->ranges[i].last, '\0', sizeof(pool->ranges[i].last)) != NULL;
    if (!terminated || !pool_form_valid(pool))
        return AW_ERR_ARGUMENT;
    pool->created_at_ms = now_ms;
    create_args a = {.pool = pool, .now_ms = now_ms};
    return platform_in_transaction(db, create_in, &a);
}

aw_err inventory_pool_load(db_connection *db, const char *tenant, const char *name,
                           platform_number_pool *pool)
{
    memset(pool, 0, sizeof(*pool));
    if (!platform_target_valid(name))
        return AW_ERR_PLATFORM_POOL_UNKNOWN;
    db_param key[] = {DB_PARAM_TEXT(name), DB_PARAM_TEXT(tenant)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT id, name, tenant, profile_type, msisdn_length, cooling_ms, "
                          "created_at FROM platform_number_pools WHERE name = ? AND tenant = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_POOL_UNKNOWN;
    int64_t length = 0;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &pool->id);
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, pool->name, sizeof(pool->name));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, pool->tenant, sizeof(pool->tenant));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 3, pool->profile_type, sizeof(pool->profile_type));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &length);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &pool->cooling_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 6, &pool->created_at_ms);
    db_rows_free(rows);
    rows = NULL;
    pool->msisdn_length = (unsigned)length;
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT kind, range_first, range_last FROM platform_pool_ranges WHERE "
                       "pool = ? ORDER BY kind, range_first",
                       key, 1, &rows);
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        const char *kind = NULL;
        err = db_rows_get_text(rows, 0, &kind);
        if (err == AW_OK && strcmp(kind, "msisdn") == 0) {
            if (pool->segment_count == PLATFORM_POOL_RANGES_MAX)
                err = AW_ERR_DB_TYPE;
            else
                err = inventory_copy_text(rows, 1, pool->segments[pool->segment_count++],
                                          PLATFORM_MSISDN_MAX + 1);
        } else if (err == AW_OK) {
            platform_imsi_range *range = &pool->ranges[pool->range_count];
            if (pool->range_count++ == PLATFORM_POOL_RANGES_MAX)
                err = AW_ERR_DB_TYPE;
            if (err == AW_OK)
                err = inventory_copy_text(rows, 1, range->first, sizeof(range->first));
            if (err == AW_OK)
                err = inventory_copy_text(rows, 2, range->last, sizeof(range->last));
        }
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_number_pool_get(db_connection *db, const char *tenant, const char *name,
                                int64_t now_ms, platform_number_pool *pool,
                                platform_pool_counts *counts)
{
    if (counts != NULL)
        memset(counts, 0, sizeof(*counts));
    if (pool != NULL)
        memset(pool, 0, sizeof(*pool));
    if (db == NULL || pool == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    aw_err err = inventory_pool_load(db, tenant, name, pool);
    if (err == AW_OK && counts != NULL)
        err = inventory_pool_counts(db, pool, now_ms, counts);
    return err;
}

aw_err platform_number_pool_list(db_connection *db, const char *tenant, int64_t after,
                                 size_t limit, platform_number_pool **list, size_t *count,
                                 bool *more)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    if (db == NULL || list == NULL || count == NULL || more == NULL ||
        !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    aw_err err = inventory_page_check(after, limit);
    if (err != AW_OK)
        return err;
    char (*names)[PLATFORM_TARGET_MAX + 1] = calloc(limit, sizeof(*names));
    platform_number_pool *pools = calloc(limit, sizeof(*pools));
    if (names == NULL || pools == NULL)
        err = AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_INT64(after),
                         DB_PARAM_INT64((int64_t)limit + 1)};
    db_rows *rows = NULL;
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT name FROM platform_number_pools WHERE tenant = ? AND id > ? "
                       "ORDER BY id LIMIT ?",
                       params, 3, &rows);
    size_t n = 0;
    bool found = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        if (n == limit) {
            *more = true;
            break;
        }
        err = inventory_copy_text(rows, 0, names[n++], PLATFORM_TARGET_MAX + 1);
    }
    db_rows_free(rows);
    for (size_t i = 0; err == AW_OK && i < n; i++)
        err = inventory_pool_load(db, tenant, names[i], &pools[i]);
    free(names);
    if (err != AW_OK || n == 0) {
        free(pools);
        *more = false;
        return err;
    }
    *list = pools;
    *count = n;
    return AW_OK;
}
