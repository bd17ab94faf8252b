/* Tests of the information query routes (src/platform/api_query.c) and the
 * order refusals of number resources and business scope over real HTTPS on
 * loopback: GET /api/v1/cards (filters eid, iccid, imsi, msisdn, state;
 * limit and cursor), /cards/{eid} with its profiles, /cards/{eid}/history,
 * /profiles, /number-pools and /number-pools/{name} with numbers per
 * state, /statistics over a period; every error of these routes (I1002 bad
 * filters, cursors, limits and unknown parameters, A5001, A5002, I1005);
 * POST /api/v1/orders refused with A4001..A4004; and tenant B seeing none of
 * tenant A's cards, profiles or pools through any route. Responses are
 * recorded for the OpenAPI check (tests/platform_openapi). SQLite by
 * default; PostgreSQL with the argument "postgresql" under pg-harness.sh. */
#include "platform_api_testutil.h"

#include "core/saip.h"

static platform_token_pair token;
static char eids[4][33];   /* tenant-a's cards 0..2, tenant-b's card 3 */
static char iccids[4][21];

static void iccid_of(unsigned long long n, char iccid[21])
{
    snprintf(iccid, 21, "898600%012llu", n);
    iccid[18] = saip_iccid_check_digit(iccid, 18);
    iccid[19] = '\0';
}

/* One written profile per card: IMSI 46000000000000n, MSISDN 144000000000n. */
static void card_written(const char *tenant, size_t i, const char *profile_type)
{
    char imsi[16], msisdn[16];
    platform_test_eid(700 + i, eids[i]);
    iccid_of(700 + i, iccids[i]);
    snprintf(imsi, sizeof(imsi), "46000000000000%zu", i);
    snprintf(msisdn, sizeof(msisdn), "144000000000%zu", i);
    platform_profile_record r = {.tenant = tenant, .eid = eids[i], .iccid = iccids[i],
                                 .imsi = imsi, .msisdn = msisdn, .profile_type = profile_type};
    assert_int_equal(platform_profile_record_written(fx.admin, &r, "executor", NOW), AW_OK);
}

static int setup_query(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    token = issue(NULL, NULL);
    platform_test_pool(fx.admin, "tenant-a", "q-pool", "q-data", "14500", "460050000000000", 2,
                       86400000);
    platform_test_pool(fx.admin, "tenant-b", "q-pool-b", "q-data", "14501", "460050000100000", 2,
                       0);
    platform_business_scope sms = {.sms = true, .sms_count = 1, .sms_whitelist = {"10658888"}};
    assert_int_equal(platform_profile_type_define(fx.admin, "q-sms", &sms, NOW), AW_OK);
    for (size_t i = 0; i < 3; i++)
        card_written("tenant-a", i, "q-data");
    card_written("tenant-b", 3, "q-data");
    /* card 2 retired */
    assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_CARD, "tenant-a",
                                                   eids[2], "retired", "returned", "operator",
                                                   NOW, NULL),
                     AW_OK);
    return 0;
}

static call_spec get_spec(const char *path, const char *query)
{
    return (call_spec){.method = AW_HTTP_METHOD_GET, .path = path, .query = query,
                       .bearer = token.access_token};
}

/* GET path?query, expect 200: the body (the caller frees the reply). */
static reply get_ok(const char *path, const char *query)
{
    call_spec spec = get_spec(path, query);
    reply r = call(&spec);
    if (r.status != 200)
        print_error("GET %s?%s: %d %s\n", path, query != NULL ? query : "", r.status,
                    json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    return r;
}

static size_t list_size(const char *path, const char *query, const char *member)
{
    reply r = get_ok(path, query);
    size_t n = json_array_size(json_object_get(r.body, member));
    reply_free(&r);
    return n;
}

static void test_order_refusals(void **state)
{
    (void)state;
    char body[256];
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                      .bearer = token.access_token};
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"q-unknown\"}", eids[0]);
    expect_error(&spec, "A4001");
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"q-sms\"}", eids[0]);
    expect_error(&spec, "A4002");
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"numberPool\":\"q-pool-b\"}", eids[0]);
    expect_error(&spec, "A4003");
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"numberPool\":\"q-nothing\"}", eids[0]);
    expect_error(&spec, "A4003");
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",\"%s\",\"%s\"],\"numberPool\":\"q-pool\"}",
             eids[0], eids[1], eids[2]);
    expect_error(&spec, "A4004");
    /* two numbers for two EIDs, then none left (CSV) */
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",\"%s\"],\"numberPool\":\"q-pool\"}", eids[0],
             eids[1]);
    spec.idempotency_key = "two";
    expect_ok(&spec);
    expect_ok(&spec); /* the repeat is answered, not refused for its own items */
    snprintf(body, sizeof(body), "%s\n", eids[2]);
    spec.idempotency_key = NULL;
    spec.content_type = "text/csv";
    spec.query = "numberPool=q-pool";
    expect_error(&spec, "A4004");
    /* the pool shows nothing taken yet: the items reserve when executed */
    reply r = get_ok("/api/v1/number-pools/q-pool", NULL);
    json_t *numbers = json_object_get(r.body, "numbers");
    assert_int_equal(json_integer_value(json_object_get(numbers, "free")), 2);
    assert_int_equal(json_integer_value(json_object_get(numbers, "available")), 2);
    reply_free(&r);
}

static void test_cards(void **state)
{
    (void)state;
    reply r = get_ok("/api/v1/cards", NULL);
    json_t *cards = json_object_get(r.body, "cards");
    assert_int_equal(json_array_size(cards), 3);
    assert_true(json_is_null(json_object_get(r.body, "nextCursor")));
    json_t *card = json_array_get(cards, 0);
    assert_string_equal(json_string_value(json_object_get(card, "eid")), eids[0]);
    assert_string_equal(json_string_value(json_object_get(card, "state")), "active");
    json_t *profile = json_array_get(json_object_get(card, "profiles"), 0);
    assert_string_equal(json_string_value(json_object_get(profile, "iccid")), iccids[0]);
    assert_string_equal(json_string_value(json_object_get(profile, "msisdn")), "1440000000000");
    assert_string_equal(json_string_value(json_object_get(profile, "state")), "installed");
    reply_free(&r);
    /* filters */
    char query[128];
    snprintf(query, sizeof(query), "eid=%s", eids[1]);
    assert_int_equal(list_size("/api/v1/cards", query, "cards"), 1);
    snprintf(query, sizeof(query), "iccid=%s", iccids[1]);
    assert_int_equal(list_size("/api/v1/cards", query, "cards"), 1);
    assert_int_equal(list_size("/api/v1/cards", "imsi=460000000000001", "cards"), 1);
    assert_int_equal(list_size("/api/v1/cards", "msisdn=1440000000002", "cards"), 1);
    assert_int_equal(list_size("/api/v1/cards", "state=retired", "cards"), 1);
    assert_int_equal(list_size("/api/v1/cards", "state=active&msisdn=1440000000002", "cards"), 0);
    /* pages of 2 */
    r = get_ok("/api/v1/cards", "limit=2");
    assert_int_equal(json_array_size(json_object_get(r.body, "cards")), 2);
    const char *next = json_string_value(json_object_get(r.body, "nextCursor"));
    assert_non_null(next);
    snprintf(query, sizeof(query), "limit=2&cursor=%s", next);
    reply_free(&r);
    r = get_ok("/api/v1/cards", query);
    assert_int_equal(json_array_size(json_object_get(r.body, "cards")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.body, "cards"), 0), "eid")),
                        eids[2]);
    assert_true(json_is_null(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    /* I1002: malformed filters, limits, cursors, unknown parameters */
    static const char *const bad[] = {
        "eid=123",          "iccid=8986000000000000001", "imsi=46",     "msisdn=14a",
        "state=enabled",    "limit=0",                   "limit=201",   "limit=x",
        "cursor=-1",        "cursor=1234567890123456789", "color=red",  "profileType=q-data",
        "eid=%zz",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec spec = get_spec("/api/v1/cards", bad[i]);
        expect_error(&spec, "I1002");
    }
}

static void test_card_and_history(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/cards/%s", eids[0]);
    reply r = get_ok(path, NULL);
    assert_string_equal(json_string_value(json_object_get(r.body, "eid")), eids[0]);
    assert_int_equal(json_array_size(json_object_get(r.body, "profiles")), 1);
    reply_free(&r);
    call_spec spec = get_spec(path, "limit=1");
    expect_error(&spec, "I1002");
    spec = get_spec(path, NULL);
    spec.method = AW_HTTP_METHOD_POST;
    expect_error(&spec, "I1005");
    /* history: registered, active, then the profile's four steps */
    snprintf(path, sizeof(path), "/api/v1/cards/%s/history", eids[0]);
    r = get_ok(path, "limit=2");
    json_t *events = json_object_get(r.body, "events");
    assert_int_equal(json_array_size(events), 2);
    assert_true(json_is_null(json_object_get(json_array_get(events, 0), "from")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "to")),
                        "active");
    char query[64];
    snprintf(query, sizeof(query), "cursor=%s",
             json_string_value(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    r = get_ok(path, query);
    events = json_object_get(r.body, "events");
    assert_int_equal(json_array_size(events), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 3), "to")),
                        "installed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 3), "machine")),
                        "profile");
    reply_free(&r);
    spec = get_spec(path, "cursor=abc");
    expect_error(&spec, "I1002");
    spec = get_spec(path, NULL);
    spec.method = AW_HTTP_METHOD_DELETE;
    expect_error(&spec, "I1005");
    /* unknown and malformed EIDs: A5001 */
    char unknown[33];
    platform_test_eid(999, unknown);
    snprintf(path, sizeof(path), "/api/v1/cards/%s", unknown);
    spec = get_spec(path, NULL);
    expect_error(&spec, "A5001");
    spec = get_spec("/api/v1/cards/not-an-eid", NULL);
    expect_error(&spec, "A5001");
    snprintf(path, sizeof(path), "/api/v1/cards/%s/history", unknown);
    spec = get_spec(path, NULL);
    expect_error(&spec, "A5001");
    /* paths the dispatcher does not take */
    spec = get_spec("/api/v1/cards/x/y", NULL);
    expect_error(&spec, "I1006");
}

static void test_profiles(void **state)
{
    (void)state;
    assert_int_equal(list_size("/api/v1/profiles", NULL, "profiles"), 3);
    assert_int_equal(list_size("/api/v1/profiles", "profileType=q-data&state=installed",
                               "profiles"),
                     3);
    assert_int_equal(list_size("/api/v1/profiles", "msisdn=1440000000001", "profiles"), 1);
    char query[64];
    snprintf(query, sizeof(query), "eid=%s", eids[2]);
    reply r = get_ok("/api/v1/profiles", query);
    json_t *p = json_array_get(json_object_get(r.body, "profiles"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "iccid")), iccids[2]);
    assert_string_equal(json_string_value(json_object_get(p, "imsi")), "460000000000002");
    assert_string_equal(json_string_value(json_object_get(p, "profileType")), "q-data");
    reply_free(&r);
    r = get_ok("/api/v1/profiles", "limit=1&cursor=0");
    assert_non_null(json_string_value(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    static const char *const bad[] = {"profileType=a%20b", "state=active", "limit=00", "x=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec spec = get_spec("/api/v1/profiles", bad[i]);
        expect_error(&spec, "I1002");
    }
}

static void test_pools_and_statistics(void **state)
{
    (void)state;
    /* tenant-a has cmiot-pool-1, pool-9 (platform_api_testutil.h) and q-pool */
    reply r = get_ok("/api/v1/number-pools", NULL);
    json_t *pools = json_object_get(r.body, "numberPools");
    assert_int_equal(json_array_size(pools), 3);
    reply_free(&r);
    r = get_ok("/api/v1/number-pools", "limit=2");
    assert_int_equal(json_array_size(json_object_get(r.body, "numberPools")), 2);
    assert_non_null(json_string_value(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    /* a number reserved and in use, one cooling */
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1] = "ord_000000000000000000000001";
    platform_number n;
    assert_int_equal(platform_number_reserve(fx.admin, "tenant-a", "q-pool", order_id, eids[0],
                                             "executor", NOW, &n),
                     AW_OK);
    r = get_ok("/api/v1/number-pools/q-pool", NULL);
    assert_string_equal(json_string_value(json_object_get(r.body, "profileType")), "q-data");
    assert_int_equal(json_integer_value(json_object_get(r.body, "msisdnLength")), 13);
    assert_int_equal(json_integer_value(json_object_get(r.body, "coolingPeriodMs")), 86400000);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(r.body, "msisdnSegments"), 0)), "14500");
    json_t *numbers = json_object_get(r.body, "numbers");
    assert_int_equal(json_integer_value(json_object_get(numbers, "free")), 1);
    assert_int_equal(json_integer_value(json_object_get(numbers, "reserved")), 1);
    assert_int_equal(json_integer_value(json_object_get(numbers, "available")), 1);
    reply_free(&r);
    call_spec spec = get_spec("/api/v1/number-pools/q-pool-b", NULL);
    expect_error(&spec, "A5002");
    spec = get_spec("/api/v1/number-pools/q-none", NULL);
    expect_error(&spec, "A5002");
    spec = get_spec("/api/v1/number-pools/q-pool", "limit=1");
    expect_error(&spec, "I1002");
    spec = get_spec("/api/v1/number-pools", "cursor=x");
    expect_error(&spec, "I1002");
    spec = get_spec("/api/v1/number-pools/q-pool", NULL);
    spec.method = AW_HTTP_METHOD_POST;
    expect_error(&spec, "I1005");

    /* statistics: one order of 2 EIDs, the cards and profiles above */
    char body[160];
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",\"%s\"],\"profileType\":\"q-data\"}", eids[0],
             eids[1]);
    spec = (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                       .bearer = token.access_token};
    expect_ok(&spec);
    r = get_ok("/api/v1/statistics", NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.body, "orders"),
                                                        "accepted")),
                     1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.body, "items"),
                                                        "pending")),
                     2);
    json_t *cards = json_object_get(r.body, "cards");
    assert_int_equal(json_integer_value(json_object_get(cards, "active")), 2);
    assert_int_equal(json_integer_value(json_object_get(cards, "retired")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.body, "profiles"),
                                                        "installed")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(r.body, "to")), NOW + 1);
    reply_free(&r);
    /* a period before everything */
    r = get_ok("/api/v1/statistics", "from=0&to=1000");
    assert_int_equal(json_object_size(json_object_get(r.body, "cards")), 0);
    assert_int_equal(json_object_size(json_object_get(r.body, "orders")), 0);
    reply_free(&r);
    static const char *const bad[] = {"from=5&to=5", "from=x", "to=-1", "since=0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spec = get_spec("/api/v1/statistics", bad[i]);
        expect_error(&spec, "I1002");
    }
    spec = get_spec("/api/v1/statistics", NULL);
    spec.method = AW_HTTP_METHOD_POST;
    expect_error(&spec, "I1005");
}

/* Tenant B (card 3, pool q-pool-b) through every query route. */
static void test_tenant_isolation(void **state)
{
    (void)state;
    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", NULL, NOW, &app_b,
                                         secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    char path[128], query[128];
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .app_id = app_b.app_id, .secret = secret_b,
                      .bearer = token_b.access_token};
    /* its own card only */
    spec.path = "/api/v1/cards";
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "cards")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.body, "cards"), 0), "eid")),
                        eids[3]);
    reply_free(&r);
    /* A's card by each key: nothing */
    const char *keys[4];
    char q_eid[64], q_iccid[64];
    snprintf(q_eid, sizeof(q_eid), "eid=%s", eids[0]);
    snprintf(q_iccid, sizeof(q_iccid), "iccid=%s", iccids[0]);
    keys[0] = q_eid;
    keys[1] = q_iccid;
    keys[2] = "imsi=460000000000000";
    keys[3] = "msisdn=1440000000000";
    for (size_t i = 0; i < 4; i++) {
        for (size_t route = 0; route < 2; route++) {
            spec.path = route == 0 ? "/api/v1/cards" : "/api/v1/profiles";
            spec.query = keys[i];
            r = call(&spec);
            assert_int_equal(r.status, 200);
            assert_int_equal(json_array_size(json_object_get(r.body, route == 0 ? "cards"
                                                                                : "profiles")),
                             0);
            reply_free(&r);
        }
    }
    spec.query = NULL;
    snprintf(path, sizeof(path), "/api/v1/cards/%s", eids[0]);
    spec.path = path;
    expect_error(&spec, "A5001");
    snprintf(path, sizeof(path), "/api/v1/cards/%s/history", eids[0]);
    expect_error(&spec, "A5001");
    spec.path = "/api/v1/number-pools/q-pool";
    expect_error(&spec, "A5002");
    spec.path = "/api/v1/number-pools";
    r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "numberPools")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.body, "numberPools"), 0), "name")),
                        "q-pool-b");
    reply_free(&r);
    spec.path = "/api/v1/statistics";
    r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.body, "cards"),
                                                        "active")),
                     1);
    reply_free(&r);
    /* and B's own card is A's A5001 */
    snprintf(path, sizeof(path), "/api/v1/cards/%s", eids[3]);
    call_spec own = get_spec(path, NULL);
    expect_error(&own, "A5001");
    snprintf(query, sizeof(query), "iccid=%s", iccids[3]);
    assert_int_equal(list_size("/api/v1/profiles", query, "profiles"), 0);
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
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_refusals, setup_query, teardown),
        cmocka_unit_test_setup_teardown(test_cards, setup_query, teardown),
        cmocka_unit_test_setup_teardown(test_card_and_history, setup_query, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup_query, teardown),
        cmocka_unit_test_setup_teardown(test_pools_and_statistics, setup_query, teardown),
        cmocka_unit_test_setup_teardown(test_tenant_isolation, setup_query, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
