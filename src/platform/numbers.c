/* airwrite platform: number resources (MSISDN with its IMSI) of the number
 * pools, through the number machine of lifecycle.c (号码使用 of 《物联网 eSIM
 * 空中写卡技术应用服务规范》, docs/lifecycle.md):
 *   free -> reserved     the executor reserves one for an item of a pool order
 *   reserved -> in_use   the profile carrying it was written
 *   reserved -> free     the item failed: the number was never used
 *   in_use -> cooling    its profile was deleted: the number rests
 *   cooling -> free      only once the pool's cooling period has passed
 * Each number row names its holder (order, EID, ICCID) while it is taken. */
#include <stdio.h>
#include <string.h>

#include "platform/inventory_internal.h"

#define NUMBER_JOIN                                                                            \
    "platform_numbers n JOIN platform_lifecycle_states s ON s.machine = 'number' AND "        \
    "s.tenant = n.tenant AND s.entity_id = n.msisdn"

aw_err inventory_pool_counts(db_connection *db, const platform_number_pool *pool, int64_t now_ms,
                             platform_pool_counts *counts)
{
    memset(counts, 0, sizeof(*counts));
    db_param key[] = {DB_PARAM_TEXT(pool->name), DB_PARAM_INT64(now_ms - pool->cooling_ms)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT s.state, COUNT(*) FROM " NUMBER_JOIN
                          " WHERE n.pool = ? GROUP BY s.state",
                          key, 1, &rows);
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        const char *state = NULL;
        int64_t n = 0;
        err = db_rows_get_text(rows, 0, &state);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &n);
        if (err != AW_OK)
            break;
        if (strcmp(state, "free") == 0)
            counts->free = n;
        else if (strcmp(state, "reserved") == 0)
            counts->reserved = n;
        else if (strcmp(state, "in_use") == 0)
            counts->in_use = n;
        else if (strcmp(state, "cooling") == 0)
            counts->cooling = n;
    }
    db_rows_free(rows);
    int64_t cooled = 0;
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM " NUMBER_JOIN
                             " WHERE n.pool = ? AND s.state = 'cooling' AND s.updated_at <= ?",
                             key, 2, &cooled);
    counts->available = counts->free + cooled;
    return err;
}

/* first + i as a decimal number of the same length; false on overflow. */
static bool decimal_add(const char *first, size_t i, char *out)
{
    size_t len = strlen(first);
    memcpy(out, first, len + 1);
    for (size_t k = len; k > 0 && i > 0; k--) {
        size_t digit = (size_t)(out[k - 1] - '0') + i % 10;
        i /= 10;
        if (digit > 9) {
            digit -= 10;
            i++;
        }
        out[k - 1] = (char)('0' + digit);
    }
    return i == 0;
}

static bool msisdn_in_pool(const platform_number_pool *pool, const char *msisdn)
{
    if (strlen(msisdn) != pool->msisdn_length)
        return false;
    for (size_t i = 0; i < pool->segment_count; i++)
        if (strncmp(msisdn, pool->segments[i], strlen(pool->segments[i])) == 0)
            return true;
    return false;
}

static bool imsi_in_pool(const platform_number_pool *pool, const char *imsi)
{
    for (size_t i = 0; i < pool->range_count; i++)
        if (strlen(imsi) == strlen(pool->ranges[i].first) &&
            strcmp(imsi, pool->ranges[i].first) >= 0 && strcmp(imsi, pool->ranges[i].last) <= 0)
            return true;
    return false;
}

typedef struct add_args {
    const char *tenant;
    const char *pool;
    const char *msisdn_first;
    const char *imsi_first;
    size_t count;
    const char *actor;
    int64_t now_ms;
} add_args;

static aw_err add_in(db_connection *db, void *arg)
{
    const add_args *a = arg;
    platform_number_pool pool;
    aw_err err = inventory_pool_load(db, a->tenant, a->pool, &pool);
    char cause[PLATFORM_CAUSE_MAX + 1];
    snprintf(cause, sizeof(cause), "added to number pool %s", pool.name);
    for (size_t i = 0; err == AW_OK && i < a->count; i++) {
        char msisdn[PLATFORM_MSISDN_MAX + 1], imsi[PLATFORM_IMSI_MAX + 1];
        if (!decimal_add(a->msisdn_first, i, msisdn) || !decimal_add(a->imsi_first, i, imsi) ||
            !msisdn_in_pool(&pool, msisdn) || !imsi_in_pool(&pool, imsi)) {
            err = AW_ERR_PLATFORM_NUMBER_RANGE;
            break;
        }
        int64_t exists = 0;
        db_param key[] = {DB_PARAM_TEXT(msisdn), DB_PARAM_TEXT(imsi)};
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_numbers WHERE msisdn = ? OR imsi = ?",
                             key, 2, &exists);
        if (err == AW_OK && exists != 0)
            err = AW_ERR_STATE;
        db_param row[] = {key[0], key[1], DB_PARAM_TEXT(pool.name), DB_PARAM_TEXT(pool.tenant),
                          DB_PARAM_INT64(a->now_ms)};
        if (err == AW_OK)
            err = db_execute(db,
                             "INSERT INTO platform_numbers (msisdn, imsi, pool, tenant, "
                             "created_at) VALUES (?, ?, ?, ?, ?)",
                             row, 5, NULL);
        if (err == AW_OK)
            err = platform_lifecycle_create(db, PLATFORM_LIFECYCLE_NUMBER, pool.tenant, msisdn,
                                            cause, a->actor, a->now_ms);
    }
    return err;
}

aw_err platform_number_add(db_connection *db, const char *tenant, const char *pool,
                           const char *msisdn_first, const char *imsi_first, size_t count,
                           const char *actor, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || pool == NULL ||
        !inventory_digits_valid(msisdn_first, 1, PLATFORM_MSISDN_MAX) ||
        !inventory_digits_valid(imsi_first, 6, PLATFORM_IMSI_MAX) || count == 0 ||
        count > PLATFORM_NUMBERS_ADD_MAX || actor == NULL)
        return AW_ERR_ARGUMENT;
    add_args a = {.tenant = tenant, .pool = pool, .msisdn_first = msisdn_first,
                  .imsi_first = imsi_first, .count = count, .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, add_in, &a);
}

static aw_err number_read(db_connection *db, const char *where, const db_param *params,
                          size_t count, platform_number *number)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT n.msisdn, n.imsi, n.pool, p.profile_type, s.state, n.order_id, n.eid, "
             "n.iccid, s.updated_at FROM " NUMBER_JOIN
             " JOIN platform_number_pools p ON p.name = n.pool WHERE %s",
             where);
    memset(number, 0, sizeof(*number));
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db, sql, params, count, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = inventory_copy_text(rows, 0, number->msisdn, sizeof(number->msisdn));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, number->imsi, sizeof(number->imsi));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, number->pool, sizeof(number->pool));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 3, number->profile_type, sizeof(number->profile_type));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 4, number->state, sizeof(number->state));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 5, number->order_id, sizeof(number->order_id));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 6, number->eid, sizeof(number->eid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 7, number->iccid, sizeof(number->iccid));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &number->state_since_ms);
    db_rows_free(rows);
    return err;
}

aw_err platform_number_get(db_connection *db, const char *tenant, const char *msisdn,
                           platform_number *number)
{
    if (number != NULL)
        memset(number, 0, sizeof(*number));
    if (db == NULL || number == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    if (!inventory_digits_valid(msisdn, 1, PLATFORM_MSISDN_MAX))
        return AW_ERR_NOT_FOUND;
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(msisdn)};
    return number_read(db, "n.tenant = ? AND n.msisdn = ?", params, 2, number);
}

static aw_err holder_set(db_connection *db, const char *msisdn, const char *order_id,
                         const char *eid, const char *iccid)
{
    db_param params[] = {order_id != NULL ? DB_PARAM_TEXT(order_id) : DB_PARAM_NULL,
                         eid != NULL ? DB_PARAM_TEXT(eid) : DB_PARAM_NULL,
                         iccid != NULL ? DB_PARAM_TEXT(iccid) : DB_PARAM_NULL,
                         DB_PARAM_TEXT(msisdn)};
    return db_execute(db,
                      "UPDATE platform_numbers SET order_id = ?, eid = ?, iccid = ? WHERE "
                      "msisdn = ?",
                      params, 4, NULL);
}

/* The first number of pool in state (cooling: only those past the pool's
 * period, longest resting first). AW_ERR_NOT_FOUND. On PostgreSQL the rows
 * are locked and locked ones skipped (FOR UPDATE SKIP LOCKED, PostgreSQL 15
 * docs, SELECT: The Locking Clause), so concurrent executors each take
 * another number; SQLite's writers are serialised already. */
static aw_err pool_candidate(db_connection *db, const platform_number_pool *pool,
                             bool cooled, int64_t now_ms, char msisdn[PLATFORM_MSISDN_MAX + 1])
{
    static const char *const sql[2][2] = {
        {"SELECT n.msisdn FROM " NUMBER_JOIN " WHERE n.pool = ? AND s.state = 'free' ORDER BY "
         "n.msisdn LIMIT 1",
         "SELECT n.msisdn FROM " NUMBER_JOIN " WHERE n.pool = ? AND s.state = 'free' ORDER BY "
         "n.msisdn LIMIT 1 FOR UPDATE SKIP LOCKED"},
        {"SELECT n.msisdn FROM " NUMBER_JOIN " WHERE n.pool = ? AND s.state = 'cooling' AND "
         "s.updated_at <= ? ORDER BY s.updated_at, n.msisdn LIMIT 1",
         "SELECT n.msisdn FROM " NUMBER_JOIN " WHERE n.pool = ? AND s.state = 'cooling' AND "
         "s.updated_at <= ? ORDER BY s.updated_at, n.msisdn LIMIT 1 FOR UPDATE SKIP LOCKED"},
    };
    bool postgresql = db_get_backend(db) == DB_BACKEND_POSTGRESQL;
    db_param params[] = {DB_PARAM_TEXT(pool->name), DB_PARAM_INT64(now_ms - pool->cooling_ms)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db, sql[cooled][postgresql], params, cooled ? 2 : 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = inventory_copy_text(rows, 0, msisdn, PLATFORM_MSISDN_MAX + 1);
    db_rows_free(rows);
    return err;
}

typedef struct number_step {
    const char *tenant;
    const char *pool;
    const char *msisdn;
    const char *order_id;
    const char *eid;
    const char *iccid;
    const char *cause;
    const char *actor;
    int64_t now_ms;
    platform_number *number;
} number_step;

static aw_err reserve_in(db_connection *db, void *arg)
{
    number_step *s = arg;
    platform_number_pool pool;
    aw_err err = inventory_pool_load(db, s->tenant, s->pool, &pool);
    if (err != AW_OK)
        return err;
    db_param holder[] = {DB_PARAM_TEXT(s->tenant), DB_PARAM_TEXT(pool.name),
                         DB_PARAM_TEXT(s->order_id), DB_PARAM_TEXT(s->eid)};
    err = number_read(db, "n.tenant = ? AND n.pool = ? AND n.order_id = ? AND n.eid = ?", holder,
                      4, s->number);
    if (err == AW_OK)
        return AW_OK; /* a repeated step: the number it already holds */
    if (err != AW_ERR_NOT_FOUND)
        return err;
    char msisdn[PLATFORM_MSISDN_MAX + 1];
    err = pool_candidate(db, &pool, false, s->now_ms, msisdn);
    if (err == AW_ERR_NOT_FOUND) {
        err = pool_candidate(db, &pool, true, s->now_ms, msisdn);
        if (err == AW_OK)
            err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, s->tenant, msisdn,
                                                "free", "cooling period over", s->actor,
                                                s->now_ms, NULL);
    }
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_PLATFORM_POOL_EXHAUSTED;
    char cause[PLATFORM_CAUSE_MAX + 1];
    snprintf(cause, sizeof(cause), "reserved for order %s", s->order_id);
    if (err == AW_OK)
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, s->tenant, msisdn,
                                            "reserved", cause, s->actor, s->now_ms, NULL);
    if (err == AW_OK)
        err = holder_set(db, msisdn, s->order_id, s->eid, NULL);
    if (err == AW_OK)
        err = platform_number_get(db, s->tenant, msisdn, s->number);
    return err;
}

aw_err platform_number_reserve(db_connection *db, const char *tenant, const char *pool,
                               const char *order_id, const char *eid, const char *actor,
                               int64_t now_ms, platform_number *number)
{
    if (number != NULL)
        memset(number, 0, sizeof(*number));
    if (db == NULL || number == NULL || !platform_tenant_valid(tenant) || pool == NULL ||
        order_id == NULL || strlen(order_id) != PLATFORM_ORDER_ID_LENGTH || eid == NULL ||
        platform_eid_check(eid, strlen(eid)) != AW_OK || actor == NULL)
        return AW_ERR_ARGUMENT;
    number_step s = {.tenant = tenant, .pool = pool, .order_id = order_id, .eid = eid,
                     .actor = actor, .now_ms = now_ms, .number = number};
    if (db_in_transaction(db) || db_get_backend(db) != DB_BACKEND_POSTGRESQL)
        return platform_in_transaction(db, reserve_in, &s);
    /* PostgreSQL: READ COMMITTED with the candidate's rows locked, as
     * db_queue claims jobs: several executors reserving from one pool each
     * skip the others' numbers instead of failing each other's serializable
     * transactions over the same free rows */
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = reserve_in(db, &s);
    if (err == AW_OK)
        err = db_commit(db);
    else
        (void)db_rollback(db);
    if (err != AW_OK)
        memset(number, 0, sizeof(*number));
    return err;
}

static aw_err commit_in(db_connection *db, void *arg)
{
    number_step *s = arg;
    aw_err err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, s->tenant,
                                               s->msisdn, "in_use", "profile written",
                                               s->actor, s->now_ms, NULL);
    db_param params[] = {DB_PARAM_TEXT(s->iccid), DB_PARAM_TEXT(s->msisdn)};
    if (err == AW_OK)
        err = db_execute(db, "UPDATE platform_numbers SET iccid = ? WHERE msisdn = ?", params, 2,
                         NULL);
    return err;
}

aw_err platform_number_commit(db_connection *db, const char *tenant, const char *msisdn,
                              const char *iccid, const char *actor, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || platform_iccid_check(iccid) != AW_OK ||
        actor == NULL)
        return AW_ERR_ARGUMENT;
    if (!inventory_digits_valid(msisdn, 1, PLATFORM_MSISDN_MAX))
        return AW_ERR_NOT_FOUND;
    number_step s = {.tenant = tenant, .msisdn = msisdn, .iccid = iccid, .actor = actor,
                     .now_ms = now_ms};
    return platform_in_transaction(db, commit_in, &s);
}

static aw_err release_in(db_connection *db, void *arg)
{
    number_step *s = arg;
    char state[PLATFORM_STATE_MAX + 1] = "";
    aw_err err = inventory_state_get(db, PLATFORM_LIFECYCLE_NUMBER, s->tenant, s->msisdn, state,
                                 NULL);
    /* never used: free at once; used: cools down first */
    const char *to = strcmp(state, "in_use") == 0 ? "cooling" : "free";
    if (err == AW_OK)
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, s->tenant, s->msisdn,
                                            to, s->cause, s->actor, s->now_ms, NULL);
    if (err == AW_OK)
        err = holder_set(db, s->msisdn, NULL, NULL, NULL);
    return err;
}

aw_err platform_number_release(db_connection *db, const char *tenant, const char *msisdn,
                               const char *cause, const char *actor, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || cause == NULL || actor == NULL)
        return AW_ERR_ARGUMENT;
    if (!inventory_digits_valid(msisdn, 1, PLATFORM_MSISDN_MAX))
        return AW_ERR_NOT_FOUND;
    number_step s = {.tenant = tenant, .msisdn = msisdn, .cause = cause, .actor = actor,
                     .now_ms = now_ms};
    return platform_in_transaction(db, release_in, &s);
}

typedef struct cooled_args {
    const char *tenant;
    const char *pool;
    const char *actor;
    int64_t now_ms;
    int64_t released;
} cooled_args;

static aw_err cooled_in(db_connection *db, void *arg)
{
    cooled_args *a = arg;
    a->released = 0;
    platform_number_pool pool;
    aw_err err = inventory_pool_load(db, a->tenant, a->pool, &pool);
    char msisdn[PLATFORM_MSISDN_MAX + 1];
    while (err == AW_OK) {
        err = pool_candidate(db, &pool, true, a->now_ms, msisdn);
        if (err == AW_ERR_NOT_FOUND)
            return AW_OK;
        if (err == AW_OK)
            err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, a->tenant, msisdn,
                                                "free", "cooling period over", a->actor,
                                                a->now_ms, NULL);
        if (err == AW_OK)
            a->released++;
    }
    return err;
}

aw_err platform_number_release_cooled(db_connection *db, const char *tenant, const char *pool,
                                      const char *actor, int64_t now_ms, int64_t *released)
{
    if (released != NULL)
        *released = 0;
    if (db == NULL || !platform_tenant_valid(tenant) || pool == NULL || actor == NULL)
        return AW_ERR_ARGUMENT;
    cooled_args a = {.tenant = tenant, .pool = pool, .actor = actor, .now_ms = now_ms};
    aw_err err = platform_in_transaction(db, cooled_in, &a);
    if (err == AW_OK && released != NULL)
        *released = a.released;
    return err;
}

/* ---- For the profile records (cards.c) --------------------------------------- */

aw_err inventory_number_use(db_connection *db, const char *tenant, const char *msisdn,
                            const char *eid, const char *iccid, const char *actor,
                            int64_t now_ms, bool *is_pool_number)
{
    platform_number number;
    *is_pool_number = false;
    aw_err err = platform_number_get(db, tenant, msisdn, &number);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK; /* a number the SM-DP+ manages, not one of the pools */
    if (err != AW_OK)
        return err;
    *is_pool_number = true;
    if (strcmp(number.state, "in_use") == 0)
        return strcmp(number.iccid, iccid) == 0 ? AW_OK : AW_ERR_PLATFORM_TRANSITION;
    if (strcmp(number.state, "free") == 0) {
        /* taken without a reservation (a profile type order whose profile
         * carries a pool number): the record follows what the card holds */
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_NUMBER, tenant, msisdn,
                                            "reserved", "found on a written profile", actor,
                                            now_ms, NULL);
        if (err == AW_OK)
            err = holder_set(db, msisdn, NULL, eid, NULL);
    } else if (strcmp(number.state, "reserved") != 0 ||
               (number.eid[0] != '\0' && strcmp(number.eid, eid) != 0)) {
        return AW_ERR_PLATFORM_TRANSITION; /* cooling, or held for another card */
    }
    number_step s = {.tenant = tenant, .msisdn = msisdn, .iccid = iccid, .actor = actor,
                     .now_ms = now_ms};
    return err == AW_OK ? commit_in(db, &s) : err;
}

aw_err inventory_number_unreserve(db_connection *db, const char *tenant, const char *eid,
                                  const char *order_id, const char *cause, const char *actor,
                                  int64_t now_ms)
{
    platform_number number;
    db_param holder[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid)};
    aw_err err = number_read(db, "n.tenant = ? AND n.order_id = ? AND n.eid = ?", holder, 3,
                             &number);
    if (err == AW_ERR_NOT_FOUND || (err == AW_OK && strcmp(number.state, "reserved") != 0))
        return AW_OK;
    number_step s = {.tenant = tenant, .msisdn = number.msisdn, .cause = cause, .actor = actor,
                     .now_ms = now_ms};
    return err == AW_OK ? release_in(db, &s) : err;
}

aw_err inventory_number_retire(db_connection *db, const char *tenant, const char *msisdn,
                               const char *iccid, const char *actor, int64_t now_ms)
{
    platform_number number;
    aw_err err = platform_number_get(db, tenant, msisdn, &number);
    if (err == AW_ERR_NOT_FOUND ||
        (err == AW_OK && (strcmp(number.state, "in_use") != 0 || strcmp(number.iccid, iccid) != 0)))
        return AW_OK;
    number_step s = {.tenant = tenant, .msisdn = msisdn, .cause = "profile deleted",
                     .actor = actor, .now_ms = now_ms};
    return err == AW_OK ? release_in(db, &s) : err;
}
