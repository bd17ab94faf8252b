/* Tests of number resources and business scope in the store (src/platform:
 * scope.c, pools.c, numbers.c): business scope rules with whitelists;
 * profile types and tenants' scopes; the order target checks (every refusal: unknown
 * profile type, out of scope, unknown or another tenant's pool, exhausted
 * pool counting outstanding items, an idempotent repeat not refused);
 * pools (every form and overlap refusal), numbers added within segments
 * and ranges; the number machine free -> reserved -> in_use -> cooling ->
 * free with its history, reservations idempotent per item, a cooling number
 * not reusable before the pool's period, four connections reserving at once
 * never taking one number twice. (Cards, profiles and the queries:
 * test_platform_cards.c.) SQLite by default; PostgreSQL with the argument
 * "postgresql" under tests/pg-harness.sh. */
#include "platform_inventory_testutil.h"
#include "platform_testutil.h"

#include <pthread.h>
#include <stdlib.h>

#define NOW PLATFORM_TEST_NOW_MS
#define DAY_MS (86400LL * 1000)

static const char *pg_url;

static struct {
    platform_test_db tdb;
    db_connection *db;
} fx;

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&fx.tdb, pg_url);
    fx.db = platform_test_db_open(&fx.tdb);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(fx.db);
    platform_test_db_remove(&fx.tdb);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

static platform_business_scope scope_of(bool data, const char *sms, const char *voice)
{
    platform_business_scope s = {.data = data};
    if (sms != NULL) {
        s.sms = true;
        for (const char *p = sms; *p != '\0'; s.sms_count++) {
            size_t len = strcspn(p, ",");
            memcpy(s.sms_whitelist[s.sms_count], p, len);
            p += len + (p[len] == ',');
        }
    }
    if (voice != NULL) {
        s.voice = true;
        snprintf(s.voice_whitelist[0], sizeof(s.voice_whitelist[0]), "%s", voice);
        s.voice_count = 1;
    }
    return s;
}

/* ---- Business scope -------------------------------------------------------- */

static void test_scope_rules(void **state)
{
    (void)state;
    platform_business_scope data = scope_of(true, NULL, NULL);
    platform_business_scope sms = scope_of(false, "10658888", NULL);
    platform_business_scope both = scope_of(true, "10658888,+8613800000000", "106590");
    platform_business_scope none = {0};
    assert_true(platform_business_scope_valid(&data));
    assert_true(platform_business_scope_valid(&both));
    assert_true(platform_business_scope_within(&data, &data));
    assert_true(platform_business_scope_within(&data, &both));
    assert_true(platform_business_scope_within(&sms, &both));
    assert_false(platform_business_scope_within(&data, &none));
    assert_false(platform_business_scope_within(&sms, &data));
    assert_false(platform_business_scope_within(&both, &data));
    /* a whitelisted number the tenant does not have */
    platform_business_scope other = scope_of(false, "10650000", NULL);
    assert_false(platform_business_scope_within(&other, &both));
    /* forms: SMS without a whitelist, a whitelist without SMS, bad numbers,
     * a number twice */
    platform_business_scope bad = scope_of(true, NULL, NULL);
    bad.sms = true;
    assert_false(platform_business_scope_valid(&bad));
    bad = scope_of(true, NULL, NULL);
    bad.sms_count = 1;
    snprintf(bad.sms_whitelist[0], sizeof(bad.sms_whitelist[0]), "10658888");
    assert_false(platform_business_scope_valid(&bad));
    bad = scope_of(false, "12", NULL);
    assert_false(platform_business_scope_valid(&bad));
    bad = scope_of(false, "1065a888", NULL);
    assert_false(platform_business_scope_valid(&bad));
    bad = scope_of(false, "10658888,10658888", NULL);
    assert_false(platform_business_scope_valid(&bad));
    assert_false(platform_business_scope_valid(NULL));
    assert_false(platform_business_scope_within(&bad, &both));
}

static void test_profile_types_and_scopes(void **state)
{
    (void)state;
    platform_business_scope both = scope_of(true, "10658888,+8613800000000", "106590");
    platform_business_scope got;
    assert_int_equal(platform_profile_type_define(fx.db, "iot-sms", &both, NOW), AW_OK);
    assert_int_equal(platform_profile_type_get(fx.db, "iot-sms", &got), AW_OK);
    assert_true(got.data && got.sms && got.voice);
    assert_int_equal(got.sms_count, 2);
    assert_string_equal(got.sms_whitelist[1], "+8613800000000");
    assert_string_equal(got.voice_whitelist[0], "106590");
    /* redefined */
    platform_business_scope data = scope_of(true, NULL, NULL);
    assert_int_equal(platform_profile_type_define(fx.db, "iot-sms", &data, NOW + 1), AW_OK);
    assert_int_equal(platform_profile_type_get(fx.db, "iot-sms", &got), AW_OK);
    assert_false(got.sms);
    assert_int_equal(platform_profile_type_get(fx.db, "nope", &got),
                     AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN);
    assert_int_equal(platform_profile_type_get(fx.db, "bad name", &got),
                     AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN);
    /* a profile type provides something; names and scopes have their form */
    platform_business_scope none = {0};
    assert_int_equal(platform_profile_type_define(fx.db, "empty", &none, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_type_define(fx.db, "bad name", &data, NOW),
                     AW_ERR_ARGUMENT);
    /* tenants: none set is the empty scope; set, read back */
    assert_int_equal(platform_tenant_scope_get(fx.db, "tenant-a", &got), AW_OK);
    assert_false(got.data || got.sms || got.voice);
    assert_int_equal(platform_tenant_scope_set(fx.db, "tenant-a", &both, NOW), AW_OK);
    assert_int_equal(platform_tenant_scope_get(fx.db, "tenant-a", &got), AW_OK);
    assert_true(platform_business_scope_within(&both, &got));
    assert_int_equal(platform_tenant_scope_set(fx.db, "bad tenant", &both, NOW), AW_ERR_ARGUMENT);
    platform_business_scope bad = scope_of(false, "1", NULL);
    assert_int_equal(platform_tenant_scope_set(fx.db, "tenant-a", &bad, NOW), AW_ERR_ARGUMENT);
}

static void test_order_checks(void **state)
{
    (void)state;
    platform_business_scope sms = scope_of(false, "10658888", NULL);
    platform_business_scope sms_other = scope_of(false, "10659999", NULL);
    assert_int_equal(platform_profile_type_define(fx.db, "iot-sms", &sms, NOW), AW_OK);
    assert_int_equal(platform_profile_type_define(fx.db, "iot-sms-2", &sms_other, NOW), AW_OK);
    platform_test_inventory_allow(fx.db, "tenant-a", "iot-data");
    /* A4001 */
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "unknown", 1, NOW),
                     AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "iot-data", 1, NOW),
                     AW_OK);
    /* A4002: data-only tenant, SMS type; then an SMS scope with another
     * whitelist; then the right one; a tenant without a scope */
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "iot-sms", 1, NOW),
                     AW_ERR_PLATFORM_SCOPE);
    platform_business_scope tenant = scope_of(true, "10658888", NULL);
    assert_int_equal(platform_tenant_scope_set(fx.db, "tenant-a", &tenant, NOW), AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "iot-sms", 1, NOW),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "iot-sms-2", 1,
                                                 NOW),
                     AW_ERR_PLATFORM_SCOPE);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-c", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "iot-data", 1, NOW),
                     AW_ERR_PLATFORM_SCOPE);
    /* A4003: no such pool; another tenant's pool */
    platform_test_pool(fx.db, "tenant-a", "pool-a", "iot-data", "14409", "460040000000000", 3, 0);
    platform_test_pool(fx.db, "tenant-b", "pool-b", "iot-data", "14410", "460040000100000", 3, 0);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-x", 1, NOW),
                     AW_ERR_PLATFORM_POOL_UNKNOWN);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-b", 1, NOW),
                     AW_ERR_PLATFORM_POOL_UNKNOWN);
    /* a pool whose profile type is outside the scope: A4002 */
    platform_number_pool sms_pool = {.name = "pool-sms", .tenant = "tenant-a",
                                     .profile_type = "iot-sms-2", .msisdn_length = 13,
                                     .segment_count = 1, .segments = {"14411"}, .range_count = 1,
                                     .ranges = {{"460040000200000", "460040000299999"}}};
    assert_int_equal(platform_number_pool_create(fx.db, &sms_pool, NOW), AW_OK);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "pool-sms", "1441100000000",
                                         "460040000200000", 5, "test", NOW),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-sms", 1, NOW),
                     AW_ERR_PLATFORM_SCOPE);
    /* A4004: 3 numbers; an order of 2 leaves 1 outstanding */
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 3, NOW),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 4, NOW),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_NUMBER_POOL, "pool-a",
                        2, 100, "key-1", order_id);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 2, NOW),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 1, NOW),
                     AW_OK);
    /* the repeat of an accepted order is not counted against itself */
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", "key-1",
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 2, NOW),
                     AW_OK);
    /* an item holding its number no longer counts as outstanding */
    char eid[33];
    platform_test_eid(100, eid);
    platform_number number;
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "test",
                                             NOW, &number),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 1, NOW),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 2, NOW),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    /* a cancelled order's items are not outstanding */
    platform_order order;
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", order_id, "test", NOW, &order),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 2, NOW),
                     AW_OK);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_PROFILE_TYPE, "bad name", 1, NOW),
                     AW_ERR_ARGUMENT);
}

/* ---- Pools and numbers ------------------------------------------------------ */

static platform_number_pool pool_of(const char *name, const char *segment, const char *first,
                                    const char *last)
{
    platform_number_pool pool = {.tenant = "tenant-a", .profile_type = "iot-data",
                                 .msisdn_length = 13, .cooling_ms = 90 * DAY_MS,
                                 .segment_count = 1, .range_count = 1};
    snprintf(pool.name, sizeof(pool.name), "%s", name);
    snprintf(pool.segments[0], sizeof(pool.segments[0]), "%s", segment);
    snprintf(pool.ranges[0].first, sizeof(pool.ranges[0].first), "%s", first);
    snprintf(pool.ranges[0].last, sizeof(pool.ranges[0].last), "%s", last);
    return pool;
}

static void test_pools(void **state)
{
    (void)state;
    platform_test_inventory_allow(fx.db, "tenant-a", "iot-data");
    platform_number_pool pool = pool_of("p1", "1440", "460040000000000", "460040000009999");
    pool.segment_count = 2;
    snprintf(pool.segments[1], sizeof(pool.segments[1]), "1064");
    assert_int_equal(platform_number_pool_create(fx.db, &pool, NOW), AW_OK);
    assert_true(pool.id > 0);
    /* the name once */
    platform_number_pool again = pool_of("p1", "1441", "460050000000000", "460050000009999");
    assert_int_equal(platform_number_pool_create(fx.db, &again, NOW), AW_ERR_STATE);
    /* overlaps: a longer segment inside another pool's, an IMSI range
     * meeting another, two segments of one pool */
    platform_number_pool overlap = pool_of("p2", "14401", "460050000000000", "460050000009999");
    assert_int_equal(platform_number_pool_create(fx.db, &overlap, NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    overlap = pool_of("p2", "1441", "460040000009999", "460040000019999");
    assert_int_equal(platform_number_pool_create(fx.db, &overlap, NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    overlap = pool_of("p2", "1441", "460050000000000", "460050000009999");
    overlap.segment_count = 2;
    snprintf(overlap.segments[1], sizeof(overlap.segments[1]), "144");
    assert_int_equal(platform_number_pool_create(fx.db, &overlap, NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    /* the same prefix for numbers of another length is another segment */
    platform_number_pool other_length = pool_of("p3", "1440", "460060000000000",
                                                "460060000009999");
    other_length.msisdn_length = 11;
    assert_int_equal(platform_number_pool_create(fx.db, &other_length, NOW), AW_OK);
    /* profile type unknown; forms */
    platform_number_pool bad = pool_of("p4", "1442", "460070000000000", "460070000009999");
    snprintf(bad.profile_type, sizeof(bad.profile_type), "nope");
    assert_int_equal(platform_number_pool_create(fx.db, &bad, NOW),
                     AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN);
    platform_number_pool forms[6];
    for (size_t i = 0; i < 6; i++)
        forms[i] = pool_of("p4", "1442", "460070000000000", "460070000009999");
    forms[0].msisdn_length = 4;
    forms[1].cooling_ms = -1;
    forms[2].segment_count = 0;
    snprintf(forms[3].ranges[0].last, sizeof(forms[3].ranges[0].last), "46007000000999");
    snprintf(forms[4].ranges[0].first, sizeof(forms[4].ranges[0].first), "460079999999999");
    snprintf(forms[5].segments[0], sizeof(forms[5].segments[0]), "14420000000000");
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(platform_number_pool_create(fx.db, &forms[i], NOW), AW_ERR_ARGUMENT);

    /* numbers: within the segments and ranges, once */
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000000",
                                         "460040000000000", 10, "admin", NOW),
                     AW_OK);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1064000000000",
                                         "460040000000100", 2, "admin", NOW),
                     AW_OK);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000005",
                                         "460040000000200", 1, "admin", NOW),
                     AW_ERR_STATE);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000100",
                                         "460040000000005", 1, "admin", NOW),
                     AW_ERR_STATE);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1450000000000",
                                         "460040000000300", 1, "admin", NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "144000000000",
                                         "460040000000300", 1, "admin", NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000300",
                                         "460040000099999", 1, "admin", NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    /* the last ones run past the IMSI range: none is added */
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000500",
                                         "460040000009998", 3, "admin", NOW),
                     AW_ERR_PLATFORM_NUMBER_RANGE);
    assert_int_equal(platform_number_add(fx.db, "tenant-b", "p1", "1440000000500",
                                         "460040000000500", 1, "admin", NOW),
                     AW_ERR_PLATFORM_POOL_UNKNOWN);
    assert_int_equal(platform_number_add(fx.db, "tenant-a", "p1", "1440000000500",
                                         "460040000000500", 0, "admin", NOW),
                     AW_ERR_ARGUMENT);
    platform_number_pool got;
    platform_pool_counts counts;
    assert_int_equal(platform_number_pool_get(fx.db, "tenant-a", "p1", NOW, &got, &counts),
                     AW_OK);
    assert_int_equal(counts.free, 12);
    assert_int_equal(counts.available, 12);
    assert_int_equal(counts.reserved + counts.in_use + counts.cooling, 0);
    assert_int_equal(got.segment_count, 2);
    assert_string_equal(got.segments[0], "1064");
    assert_int_equal(got.range_count, 1);
    assert_int_equal(got.cooling_ms, 90 * DAY_MS);
    assert_int_equal(platform_number_pool_get(fx.db, "tenant-b", "p1", NOW, &got, &counts),
                     AW_ERR_PLATFORM_POOL_UNKNOWN);
    /* the list, paged */
    platform_number_pool *list = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_number_pool_list(fx.db, "tenant-a", 0, 1, &list, &count, &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_true(more);
    int64_t cursor = list[0].id;
    free(list);
    assert_int_equal(platform_number_pool_list(fx.db, "tenant-a", cursor, 10, &list, &count,
                                               &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_false(more);
    assert_string_equal(list[0].name, "p3");
    free(list);
    assert_int_equal(platform_number_pool_list(fx.db, "tenant-b", 0, 10, &list, &count, &more),
                     AW_OK);
    assert_int_equal(count, 0);
    assert_null(list);
    assert_int_equal(platform_number_pool_list(fx.db, "tenant-a", 0, 0, &list, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_number_pool_list(fx.db, "tenant-a", -1, 10, &list, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
}

/* The recorded transitions of number msisdn of tenant-a, as "from>to,...". */
static void number_history(const char *msisdn, char *out, size_t size)
{
    platform_lifecycle_event *events = NULL;
    size_t count = 0;
    assert_int_equal(platform_lifecycle_history(fx.db, PLATFORM_LIFECYCLE_NUMBER, "tenant-a",
                                                msisdn, 64, &events, &count),
                     AW_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s>%s", i > 0 ? "," : "",
                                events[i].from, events[i].to);
    free(events);
}

static void test_number_lifecycle(void **state)
{
    (void)state;
    /* one number, cooling 90 days */
    platform_test_pool(fx.db, "tenant-a", "pool-a", "iot-data", "14409", "460040000000000", 1,
                       90 * DAY_MS);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1], order_2[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_NUMBER_POOL, "pool-a",
                        1, 1, NULL, order_id);
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_NUMBER_POOL, "pool-a",
                        1, 2, NULL, order_2);
    char eid[33], eid_2[33], iccid[21];
    platform_test_eid(1, eid);
    platform_test_eid(2, eid_2);
    platform_test_iccid(1, iccid);
    platform_number n, again;
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "exec",
                                             NOW, &n),
                     AW_OK);
    assert_string_equal(n.msisdn, "1440900000000");
    assert_string_equal(n.imsi, "460040000000000");
    assert_string_equal(n.state, "reserved");
    assert_string_equal(n.profile_type, "iot-data");
    assert_string_equal(n.order_id, order_id);
    /* the same step again: the same number */
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "exec",
                                             NOW + 1, &again),
                     AW_OK);
    assert_string_equal(again.msisdn, n.msisdn);
    /* nothing left for another item */
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_2, eid_2, "exec",
                                             NOW, &again),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    assert_int_equal(platform_number_reserve(fx.db, "tenant-b", "pool-a", order_2, eid_2, "exec",
                                             NOW, &again),
                     AW_ERR_PLATFORM_POOL_UNKNOWN);
    /* the item failed: the number is free at once and can be reserved again */
    assert_int_equal(platform_number_release(fx.db, "tenant-a", n.msisdn, "item failed", "exec",
                                             NOW + 10),
                     AW_OK);
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &again), AW_OK);
    assert_string_equal(again.state, "free");
    assert_string_equal(again.order_id, "");
    assert_int_equal(platform_number_release(fx.db, "tenant-a", n.msisdn, "again", "exec",
                                             NOW + 10),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "exec",
                                             NOW + 20, &n),
                     AW_OK);
    /* commit: in use by the profile; a second commit is refused */
    assert_int_equal(platform_number_commit(fx.db, "tenant-a", n.msisdn, iccid, "exec", NOW + 30),
                     AW_OK);
    assert_int_equal(platform_number_commit(fx.db, "tenant-a", n.msisdn, iccid, "exec", NOW + 30),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &again), AW_OK);
    assert_string_equal(again.state, "in_use");
    assert_string_equal(again.iccid, iccid);
    /* released from use: cooling for 90 days */
    int64_t released_at = NOW + 40;
    assert_int_equal(platform_number_release(fx.db, "tenant-a", n.msisdn, "profile deleted",
                                             "exec", released_at),
                     AW_OK);
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &again), AW_OK);
    assert_string_equal(again.state, "cooling");
    assert_int_equal(again.state_since_ms, released_at);
    platform_number_pool pool;
    platform_pool_counts counts;
    assert_int_equal(platform_number_pool_get(fx.db, "tenant-a", "pool-a", released_at, &pool,
                                              &counts),
                     AW_OK);
    assert_int_equal(counts.cooling, 1);
    assert_int_equal(counts.available, 0);
    /* not reusable one ms before the period ends */
    int64_t ends = released_at + 90 * DAY_MS;
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_2, eid_2, "exec",
                                             ends - 1, &again),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    int64_t freed = -1;
    assert_int_equal(platform_number_release_cooled(fx.db, "tenant-a", "pool-a", "house",
                                                    ends - 1, &freed),
                     AW_OK);
    assert_int_equal(freed, 0);
    assert_int_equal(platform_order_check_target(fx.db, "tenant-a", NULL,
                                                 PLATFORM_TARGET_NUMBER_POOL, "pool-a", 1,
                                                 ends - 1),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
    /* at the end of the period it is available, and reserved through free */
    assert_int_equal(platform_number_pool_get(fx.db, "tenant-a", "pool-a", ends, &pool, &counts),
                     AW_OK);
    assert_int_equal(counts.available, 1);
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_2, eid_2, "exec",
                                             ends, &again),
                     AW_OK);
    assert_string_equal(again.msisdn, n.msisdn);
    assert_string_equal(again.eid, eid_2);
    char history[512];
    number_history(n.msisdn, history, sizeof(history));
    assert_string_equal(history, ">free,free>reserved,reserved>free,free>reserved,"
                                 "reserved>in_use,in_use>cooling,cooling>free,free>reserved");
    /* housekeeping frees cooled numbers */
    assert_int_equal(platform_number_commit(fx.db, "tenant-a", n.msisdn, iccid, "exec", ends),
                     AW_OK);
    assert_int_equal(platform_number_release(fx.db, "tenant-a", n.msisdn, "deleted", "exec", ends),
                     AW_OK);
    assert_int_equal(platform_number_release_cooled(fx.db, "tenant-a", "pool-a", "house",
                                                    ends + 90 * DAY_MS, &freed),
                     AW_OK);
    assert_int_equal(freed, 1);
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &again), AW_OK);
    assert_string_equal(again.state, "free");
    /* unknown numbers */
    assert_int_equal(platform_number_get(fx.db, "tenant-b", n.msisdn, &again), AW_ERR_NOT_FOUND);
    assert_int_equal(platform_number_release(fx.db, "tenant-a", "1449", "x", "exec", NOW),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_number_commit(fx.db, "tenant-a", "x", iccid, "exec", NOW),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_number_commit(fx.db, "tenant-a", n.msisdn, "1234", "exec", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", "ord_x", eid, "exec",
                                             NOW, &again),
                     AW_ERR_ARGUMENT);
}

/* ---- Concurrent reservations ------------------------------------------------ */

#define WORKERS 4
#define PER_WORKER 10

typedef struct reserver {
    const char *order_id;
    unsigned long long first_eid;
    char msisdn[PER_WORKER][PLATFORM_MSISDN_MAX + 1];
    aw_err err;
} reserver;

/* Reserve PER_WORKER numbers on a connection of its own. */
static void *reserve_thread(void *arg)
{
    reserver *r = arg;
    db_connection *db = NULL;
    r->err = db_open(fx.tdb.url, NULL, &db);
    for (size_t i = 0; r->err == AW_OK && i < PER_WORKER; i++) {
        char eid[33];
        platform_number n;
        platform_test_eid(r->first_eid + i, eid);
        r->err = platform_number_reserve(db, "tenant-a", "pool-a", r->order_id, eid, "worker",
                                         NOW, &n);
        memcpy(r->msisdn[i], n.msisdn, sizeof(n.msisdn));
    }
    db_close(db);
    return NULL;
}

/* Executors reserving from one pool at once never take one number twice. */
static void test_concurrent_reservations(void **state)
{
    (void)state;
    platform_test_pool(fx.db, "tenant-a", "pool-a", "iot-data", "14409", "460040000000000",
                       WORKERS * PER_WORKER, 0);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_NUMBER_POOL, "pool-a",
                        WORKERS * PER_WORKER + 1, 1, NULL, order_id);
    reserver workers[WORKERS];
    pthread_t threads[WORKERS];
    for (size_t w = 0; w < WORKERS; w++) {
        workers[w] = (reserver){.order_id = order_id, .first_eid = 1 + w * PER_WORKER};
        assert_int_equal(pthread_create(&threads[w], NULL, reserve_thread, &workers[w]), 0);
    }
    for (size_t w = 0; w < WORKERS; w++)
        assert_int_equal(pthread_join(threads[w], NULL), 0);
    for (size_t w = 0; w < WORKERS; w++) {
        assert_int_equal(workers[w].err, AW_OK);
        for (size_t i = 0; i < PER_WORKER; i++)
            for (size_t v = 0; v <= w; v++)
                for (size_t j = 0; j < (v == w ? i : PER_WORKER); j++)
                    assert_string_not_equal(workers[w].msisdn[i], workers[v].msisdn[j]);
    }
    char eid[33];
    platform_number n;
    platform_test_eid(1 + WORKERS * PER_WORKER, eid);
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "worker",
                                             NOW, &n),
                     AW_ERR_PLATFORM_POOL_EXHAUSTED);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_rules),
        cmocka_unit_test_setup_teardown(test_profile_types_and_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_number_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_reservations, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
