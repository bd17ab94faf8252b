/* The platform's profile count limit (issue 8 "Profile count limit", src/platform/
 * profile_limit.c, api_profile_limit.c, profile_limit_result.c): the counting rules (profiles
 * installed, enabled or disabled on the EID's eUICC, of every tenant, and the items heading
 * to it; not reserved, available or deleted profiles, nor cancelled or failed items), order
 * creation refused whole at the limit (and its rows taken back), the tenant's own limit, the
 * policy off changing nothing, two concurrent orders for one EID at the limit (exactly one
 * passes), the executor's re-check (items that started first keep their places), the W7402
 * mapping of errorReason installFailedDueToInsufficientMemoryForProfile, and the routes GET /
 * PUT /api/v1/profile-limit and POST /api/v1/orders' A7401 over HTTPS (answers recorded for
 * the OpenAPI check). SQLite by default; PostgreSQL with the argument "postgresql" under
 * pg-harness.sh. */
#include "platform_api_testutil.h"
#include "platform_rbac_testutil.h"

#include <pthread.h>

#include "core/base64.h"
#include "core/sgp22_bpp.h"

#define TENANT "tenant-a"

static const platform_profile_limit_settings policy_on = {.enabled = true,
                                                          .max_per_euicc = 2};

static void configure(bool enabled, int64_t max)
{
    platform_profile_limit_settings settings = {.enabled = enabled, .max_per_euicc = max};
    assert_int_equal(platform_profile_limit_configure(fx.admin, &settings, NOW), AW_OK);
}

/* An ICCID with its Luhn digit (ITU-T E.118): 8988211 and 11 digits of n. */
static void iccid_of(unsigned n, char iccid[20])
{
    snprintf(iccid, 20, "8988211%011u", n);
    unsigned sum = 0;
    for (int i = 17; i >= 0; i--) {
        unsigned d = (unsigned)(iccid[i] - '0');
        if ((17 - i) % 2 == 0)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    iccid[18] = (char)('0' + (10 - sum % 10) % 10);
    iccid[19] = '\0';
}

/* A profile of tenant on eid, installed (the executor's record), then moved to state. */
static void profile_in(const char *tenant, const char *eid, unsigned n, const char *state)
{
    char iccid[20];
    iccid_of(n, iccid);
    platform_profile_record record = {.tenant = tenant, .eid = eid, .iccid = iccid,
                                      .profile_type = "iot-basic"};
    if (strcmp(state, "reserved") == 0) {
        assert_int_equal(platform_profile_record_reserved(fx.admin, &record, "test", NOW), AW_OK);
        return;
    }
    assert_int_equal(platform_profile_record_written(fx.admin, &record, "test", NOW), AW_OK);
    if (strcmp(state, "disabled") == 0 || strcmp(state, "enabled") == 0)
        assert_int_equal(platform_profile_transition(fx.admin, tenant, iccid, "enabled", "test",
                                                     "test", NOW),
                         AW_OK);
    if (strcmp(state, "disabled") == 0 || strcmp(state, "deleted") == 0)
        assert_int_equal(platform_profile_transition(fx.admin, tenant, iccid,
                                                     strcmp(state, "deleted") == 0 ? "deleted"
                                                                                   : "disabled",
                                                     "test", "test", NOW),
                         AW_OK);
}

/* An order of fx.app for eids on db: its result and id. */
static aw_err order_for(db_connection *db, const char *const *eids, size_t count,
                        char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char body[1024];
    size_t len = (size_t)snprintf(body, sizeof(body), "{\"profileType\":\"iot-basic\",\"eids\":[");
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, "%s\"%s\"", i > 0 ? "," : "",
                                eids[i]);
    snprintf(body + len, sizeof(body) - len, "]}");
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_json((const uint8_t *)body, strlen(body), &batch),
                     AW_OK);
    uint8_t hash[32];
    assert_int_equal(crypto_random_bytes(hash, sizeof(hash)), AW_OK);
    platform_order order;
    bool created = false;
    aw_err err = platform_order_create(db, &fx.app, NULL, hash, batch, NOW, &order, &created);
    platform_batch_free(batch);
    if (order_id != NULL)
        snprintf(order_id, PLATFORM_ORDER_ID_LENGTH + 1, "%s", order.order_id);
    assert_true(err != AW_OK || created);
    return err;
}

/* What occupies an eUICC: installed, enabled, disabled profiles of every tenant; pending and
 * in-progress items. Not reserved or deleted profiles, nor cancelled items. */
static void test_counting_rules(void **state)
{
    (void)state;
    char eid[PLATFORM_EID_DIGITS + 1], other[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(1, eid);
    platform_test_eid(2, other);
    int64_t installed = -1, in_flight = -1;
    assert_int_equal(platform_profile_limit_count(fx.admin, eid, &installed, &in_flight), AW_OK);
    assert_int_equal(installed, 0);
    assert_int_equal(in_flight, 0);
    profile_in(TENANT, eid, 1, "installed");
    profile_in(TENANT, eid, 2, "enabled");
    profile_in(TENANT, eid, 3, "disabled");
    profile_in("tenant-b", eid, 4, "installed"); /* another tenant's profile on the same card */
    profile_in(TENANT, eid, 5, "deleted");
    profile_in(TENANT, eid, 6, "reserved");
    profile_in(TENANT, other, 7, "installed");
    const char *eids[] = {eid};
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1], cancelled[PLATFORM_ORDER_ID_LENGTH + 1];
    assert_int_equal(order_for(fx.admin, eids, 1, order_id), AW_OK);
    assert_int_equal(order_for(fx.admin, eids, 1, cancelled), AW_OK);
    platform_order order;
    assert_int_equal(platform_order_cancel(fx.admin, TENANT, cancelled, "test", NOW, &order),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "in_progress", NULL,
                                                    "test", "test", NOW),
                     AW_OK);
    assert_int_equal(platform_profile_limit_count(fx.admin, eid, &installed, &in_flight), AW_OK);
    assert_int_equal(installed, 4);
    assert_int_equal(in_flight, 1);
    assert_int_equal(platform_profile_limit_count(NULL, eid, &installed, &in_flight),
                     AW_ERR_ARGUMENT);
    assert_int_equal(installed, 0);
}

/* Policy on (max 2): one installed profile and a pending item fill the card; a third order
 * is refused whole (a batch with a free EID too) and leaves no row; the tenant's own limit
 * lets it pass; the policy off changes nothing. */
static void test_order_refused_at_limit(void **state)
{
    (void)state;
    char eid[PLATFORM_EID_DIGITS + 1], free_eid[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(10, eid);
    platform_test_eid(11, free_eid);
    const char *one[] = {eid};
    const char *both[] = {free_eid, eid};
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];

    /* off (the default): nothing limited */
    platform_profile_limit limit;
    assert_int_equal(platform_profile_limit_get(fx.admin, TENANT, &limit), AW_OK);
    assert_false(limit.enabled);
    profile_in(TENANT, eid, 10, "enabled");
    assert_int_equal(order_for(fx.admin, one, 1, order_id), AW_OK);
    assert_int_equal(order_for(fx.admin, one, 1, order_id), AW_OK);
    assert_int_equal(platform_order_cancel(fx.admin, TENANT, order_id, "test", NOW,
                                           &(platform_order){0}),
                     AW_OK);

    assert_int_equal(platform_profile_limit_configure(fx.admin, &policy_on, NOW), AW_OK);
    assert_int_equal(platform_profile_limit_get(fx.admin, TENANT, &limit), AW_OK);
    assert_true(limit.enabled);
    assert_int_equal(limit.max_profiles, 2);
    assert_false(limit.tenant_override);
    /* the default's own scope name is no tenant with an override */
    assert_int_equal(platform_profile_limit_get(fx.admin, "*", &limit), AW_OK);
    assert_true(limit.enabled);
    assert_int_equal(limit.max_profiles, 2);
    assert_false(limit.tenant_override);
    int64_t orders = admin_rows("SELECT COUNT(*) FROM platform_orders");
    int64_t items = admin_rows("SELECT COUNT(*) FROM platform_order_items");
    assert_int_equal(order_for(fx.admin, one, 1, NULL), AW_ERR_PLATFORM_PROFILE_LIMIT);
    assert_int_equal(order_for(fx.admin, both, 2, NULL), AW_ERR_PLATFORM_PROFILE_LIMIT);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_order_items"), items);
    /* one batch naming a free EID twice over its limit: its own items count */
    assert_int_equal(order_for(fx.admin, (const char *[]){free_eid}, 1, NULL), AW_OK);
    assert_int_equal(order_for(fx.admin, (const char *[]){free_eid}, 1, NULL), AW_OK);
    assert_int_equal(order_for(fx.admin, (const char *[]){free_eid}, 1, NULL),
                     AW_ERR_PLATFORM_PROFILE_LIMIT);

    /* the tenant's own limit, then back to the default */
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, TENANT, 3, NOW), AW_OK);
    assert_int_equal(platform_profile_limit_get(fx.admin, TENANT, &limit), AW_OK);
    assert_true(limit.tenant_override);
    assert_int_equal(limit.max_profiles, 3);
    assert_int_equal(limit.default_max, 2);
    assert_int_equal(order_for(fx.admin, one, 1, NULL), AW_OK);
    assert_int_equal(order_for(fx.admin, one, 1, NULL), AW_ERR_PLATFORM_PROFILE_LIMIT);
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, TENANT, 0, NOW), AW_OK);
    assert_int_equal(platform_profile_limit_get(fx.admin, TENANT, &limit), AW_OK);
    assert_false(limit.tenant_override);

    /* off again: unchanged behaviour, the tenant's limit dormant */
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, TENANT, 1, NOW), AW_OK);
    configure(false, 0);
    assert_int_equal(order_for(fx.admin, one, 1, NULL), AW_OK);
    assert_int_equal(platform_profile_limit_get(fx.admin, TENANT, &limit), AW_OK);
    assert_false(limit.enabled);
    assert_int_equal(limit.max_profiles, 0);
}

/* Settings and tenant limits outside their ranges. */
static void test_limit_values(void **state)
{
    (void)state;
    platform_profile_limit_settings bad = {.enabled = true, .max_per_euicc = 0};
    assert_int_equal(platform_profile_limit_configure(fx.admin, &bad, NOW), AW_ERR_ARGUMENT);
    bad.max_per_euicc = PLATFORM_PROFILE_LIMIT_MAX + 1;
    assert_int_equal(platform_profile_limit_configure(fx.admin, &bad, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_limit_configure(NULL, &policy_on, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, "bad tenant", 2, NOW),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, TENANT, -1, NOW),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_profile_limit_set_tenant(fx.admin, TENANT,
                                                       PLATFORM_PROFILE_LIMIT_MAX + 1, NOW),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_profile_limit_set_tenant(NULL, TENANT, 2, NOW), AW_ERR_ARGUMENT);
    platform_profile_limit limit;
    assert_int_equal(platform_profile_limit_get(fx.admin, NULL, &limit), AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_limit_check_order(fx.admin, TENANT, NULL),
                     AW_ERR_ARGUMENT);
    bool refused = true;
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT, NULL, "1", &refused),
                     AW_ERR_ARGUMENT);
    assert_false(refused);
}

/* Two orders for one EID at the limit at the same time, each on its own connection: exactly
 * one passes (SQLite's write lock, PostgreSQL's advisory lock). */
typedef struct racer {
    const char *eid;
    pthread_barrier_t *start;
    aw_err result;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    db_connection *db = platform_test_db_open(&fx.tdb);
    pthread_barrier_wait(r->start);
    r->result = order_for(db, (const char *[]){r->eid}, 1, NULL);
    db_close(db);
    return NULL;
}

static void test_concurrent_orders(void **state)
{
    (void)state;
    configure(true, 2);
    for (unsigned round = 0; round < 4; round++) {
        char eid[PLATFORM_EID_DIGITS + 1];
        platform_test_eid(100 + round, eid);
        profile_in(TENANT, eid, 100 + round, "installed");
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        racer racers[2] = {{.eid = eid, .start = &start}, {.eid = eid, .start = &start}};
        pthread_t threads[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&start);
        int passed = (racers[0].result == AW_OK) + (racers[1].result == AW_OK);
        int refused = (racers[0].result == AW_ERR_PLATFORM_PROFILE_LIMIT) +
                      (racers[1].result == AW_ERR_PLATFORM_PROFILE_LIMIT);
        assert_int_equal(passed, 1);
        assert_int_equal(refused, 1);
        int64_t installed = 0, in_flight = 0;
        assert_int_equal(platform_profile_limit_count(fx.admin, eid, &installed, &in_flight),
                         AW_OK);
        assert_int_equal(installed + in_flight, 2);
    }
}

/* The executor's re-check: the limit lowered after two orders were accepted; the item that
 * started first keeps its place, the later one is refused; pending items are not counted. */
static void test_item_recheck(void **state)
{
    (void)state;
    char eid[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(200, eid);
    const char *one[] = {eid};
    char first[PLATFORM_ORDER_ID_LENGTH + 1], second[PLATFORM_ORDER_ID_LENGTH + 1];
    bool refused = true;
    /* off: never refused */
    assert_int_equal(order_for(fx.admin, one, 1, first), AW_OK);
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT, first, eid, &refused),
                     AW_OK);
    assert_false(refused);
    configure(true, 3);
    assert_int_equal(order_for(fx.admin, one, 1, second), AW_OK);
    profile_in(TENANT, eid, 200, "installed");
    configure(true, 2); /* state changed after acceptance: 1 installed + 2 heading there */
    assert_int_equal(platform_order_item_transition(fx.admin, second, eid, "in_progress", NULL,
                                                    "test", "test", NOW + 1),
                     AW_OK);
    /* the first is still pending: the second (started) keeps its place */
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT, second, eid, &refused),
                     AW_OK);
    assert_false(refused);
    assert_int_equal(platform_order_item_transition(fx.admin, first, eid, "in_progress", NULL,
                                                    "test", "test", NOW + 2),
                     AW_OK);
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT, first, eid, &refused),
                     AW_OK);
    assert_true(refused);
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT, second, eid, &refused),
                     AW_OK);
    assert_false(refused);
    assert_int_equal(platform_profile_limit_check_item(fx.admin, TENANT,
                                                       "ord_000000000000000000000000", eid,
                                                       &refused),
                     AW_ERR_NOT_FOUND);
}

/* base64 of a ProfileInstallationResultData with errorResult {storeMetadata, reason}. */
static char *result_data(int64_t reason)
{
    static const uint8_t transaction_id[16] = {1};
    static const uint8_t metadata[] = {0xBF, 0x2F, 0x03, 0x80, 0x01, 0x01};
    static const uint8_t oid[] = {0x2B, 0x06, 0x01};
    sgp22_profile_installation_result_data data;
    memset(&data, 0, sizeof(data));
    data.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    data.notification_metadata = (aw_slice){metadata, sizeof(metadata)};
    data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    data.final_result = SGP22_FINAL_RESULT_ERROR;
    data.error.bpp_command_id = SGP22_BPP_COMMAND_STORE_METADATA;
    data.error.error_reason = reason;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(sgp22_encode_profile_installation_result_data(&data, &der, &len), AW_OK);
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(der, len, text, cap), AW_OK);
    free(der);
    return text;
}

/* errorReason installFailedDueToInsufficientMemoryForProfile (10) is W7402, from the SM-DP+'s
 * resultData or the eIM's recorded reason; anything else is left to the caller's code. */
static void test_failure_code(void **state)
{
    (void)state;
    char *full = result_data(SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE);
    char *exists = result_data(SGP22_ERROR_REASON_ICCID_ALREADY_EXISTS_ON_EUICC);
    assert_string_equal(platform_profile_limit_failure_code(full, 0), "W7402");
    assert_null(platform_profile_limit_failure_code(exists, 0));
    assert_null(platform_profile_limit_failure_code("not base64!", 10));
    assert_null(platform_profile_limit_failure_code("", 10));
    assert_null(platform_profile_limit_failure_code("vzeBgA==", 0));
    assert_string_equal(platform_profile_limit_failure_code(NULL, 10), "W7402");
    assert_null(platform_profile_limit_failure_code(NULL, 9));
    free(full);
    free(exists);
}

/* GET / PUT /api/v1/profile-limit and POST /api/v1/orders' A7401 over HTTPS. */
static void test_routes(void **state)
{
    (void)state;
    role_app admin, user;
    role_app_make(&admin, "ops", PLATFORM_ROLE_PLATFORM_ADMIN);
    role_app_make(&user, TENANT, PLATFORM_ROLE_TENANT_USER);
    call_spec get = role_spec(&user, AW_HTTP_METHOD_GET, "/api/v1/profile-limit", NULL, NULL);
    reply r = call(&get);
    assert_int_equal(r.status, 200);
    assert_false(json_is_true(json_object_get(r.body, "enabled")));
    assert_true(json_is_null(json_object_get(r.body, "maxProfiles")));
    reply_free(&r);

    configure(true, 2);
    call_spec put = role_spec(&admin, AW_HTTP_METHOD_PUT, "/api/v1/profile-limit",
                              "tenant=" TENANT, "{\"maxProfiles\":1}");
    r = call(&put);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), TENANT);
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxProfiles")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.body, "tenantMaxProfiles")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.body, "defaultMaxProfiles")), 2);
    reply_free(&r);
    r = call(&get);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "enabled")));
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxProfiles")), 1);
    reply_free(&r);

    /* refusals: a tenant user may not set it; bad bodies and queries */
    expect_error(&(call_spec){.method = AW_HTTP_METHOD_PUT, .path = "/api/v1/profile-limit",
                              .body = "{\"maxProfiles\":3}", .app_id = user.app.app_id,
                              .secret = user.secret, .bearer = user.token.access_token},
                 "I2201");
    static const char *const bad_bodies[] = {"{\"maxProfiles\":0}", "{\"maxProfiles\":256}",
                                             "{\"maxProfiles\":\"2\"}", "{}",
                                             "{\"maxProfiles\":2,\"x\":1}"};
    for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
        put.body = bad_bodies[i];
        expect_error(&put, "I1002");
    }
    put.body = "{\"maxProfiles\":2}";
    put.query = "tenant=" TENANT "&limit=1";
    expect_error(&put, "I1002");
    get.query = "limit=1";
    expect_error(&get, "I1002");
    get.query = NULL;

    /* the order over the limit: 409 A7401, nothing stored */
    char eid[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(300, eid);
    char body[128];
    snprintf(body, sizeof(body), "{\"profileType\":\"iot-basic\",\"eids\":[\"%s\"]}", eid);
    call_spec order = role_spec(&user, AW_HTTP_METHOD_POST, "/api/v1/orders", NULL, body);
    expect_ok(&order);
    r = call(&order);
    assert_int_equal(r.status, 409);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "A7401");
    reply_free(&r);
    /* the refusal is an application exception (申请异常) of the app */
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_exceptions WHERE code = 'A7401' "
                                "AND error_class = 1 AND source = 'orders'"),
                     1);

    /* null: back to the per-eUICC default (2), and the order passes */
    put.query = "tenant=" TENANT;
    put.body = "{\"maxProfiles\":null}";
    r = call(&put);
    assert_int_equal(r.status, 200);
    assert_true(json_is_null(json_object_get(r.body, "tenantMaxProfiles")));
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxProfiles")), 2);
    reply_free(&r);
    expect_ok(&order);
}

/* Every code of this concern has its row in docs/api-errors.md. */
static void test_codes_documented(void **state)
{
    (void)state;
    char *doc = platform_test_source_file("docs/api-errors.md");
    static const char *const rows[] = {"| `A7401` |", "| `W7401` |", "| `W7402` |"};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (strstr(doc, rows[i]) == NULL)
            fail_msg("docs/api-errors.md lacks the row %s", rows[i]);
    free(doc);
    assert_string_equal(PLATFORM_PROFILE_LIMIT_ITEM_CODE, "W7401");
    assert_string_equal(PLATFORM_PROFILE_LIMIT_EUICC_CODE, "W7402");
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
        cmocka_unit_test_setup_teardown(test_counting_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_refused_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_item_recheck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_codes_documented, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
