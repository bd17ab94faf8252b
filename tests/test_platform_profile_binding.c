/* Card-device locking per profile (ICCID) on the platform
 * (src/platform/device_lock_profile.c, device_lock_sweep.c, api_device_lock.c;
 * docs/device-lock.md) and the per-line errors of an order refused by the
 * profile count limit (api_orders.c, A7401): the binding store with every
 * refusal; the executor's hook giving a bound profile's device to the eIM
 * with its trigger (nothing for an unbound one); the sweep taking the
 * policy, the cards' last verified devices and a profile's refused download
 * (T3101 naming the ICCID, no lock, no PSMO); the enable/switch check
 * (policy off, unverified, another device, the bound device); the routes
 * over HTTPS per role with every code, audited; card operations refused
 * A7205; POST /orders refused A7401 with the lines over the limit, JSON and
 * CSV. Responses are recorded for the OpenAPI check. SQLite by default;
 * PostgreSQL with the argument "postgresql" under pg-harness.sh. */
#include "platform_api_testutil.h"
#include "eim_testutil.h"

#define EID "89049032123451234512345678901235"
#define ICCID "8944000000000000019"  /* enabled on EID */
#define ICCID2 "8944000000000000027" /* installed on EID */
#define ICCID3 "8944000000000000035" /* never written */
#define IMEI "490154203237518"
#define OTHER_IMEI "356938035643809"
#define TAC "49015420"
#define PROFILE_PATH(iccid) "/api/v1/profiles/" iccid "/device-binding"

static void profile_written(const char *eid, const char *iccid, bool enabled)
{
    platform_profile_record record = {.tenant = "tenant-a", .eid = eid, .iccid = iccid,
                                      .profile_type = "iot-basic"};
    assert_int_equal(platform_profile_record_written(fx.admin, &record, "executor", NOW), AW_OK);
    if (enabled)
        assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_PROFILE,
                                                       "tenant-a", iccid, "enabled", "test",
                                                       "test", NOW, NULL),
                         AW_OK);
}

static int setup_binding(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    profile_written(EID, ICCID, true);
    profile_written(EID, ICCID2, false);
    return 0;
}

static void test_store(void **state)
{
    (void)state;
    db_connection *db = fx.admin;
    platform_profile_binding b;
    assert_int_equal(platform_profile_binding_set(db, "tenant-a", "8944000000000000018", IMEI,
                                                  "op", NOW, &b),
                     AW_ERR_PLATFORM_FIELD); /* Luhn digit wrong */
    assert_int_equal(platform_profile_binding_set(db, "tenant-a", ICCID, "490154203237519", "op",
                                                  NOW, &b),
                     AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(platform_profile_binding_set(db, "", ICCID, IMEI, "op", NOW, &b),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_binding_set(NULL, "tenant-a", ICCID, IMEI, "op", NOW, &b),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_binding_get(db, "tenant-a", ICCID, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_profile_binding_get(db, "tenant-a", "x", &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_profile_binding_get(db, "tenant-a", ICCID, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_profile_binding_remove(db, "tenant-a", ICCID),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_profile_binding_remove(db, "tenant-a", "x"),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_profile_binding_remove(NULL, "tenant-a", ICCID), AW_ERR_ARGUMENT);
    /* a profile not yet written may be bound; rebinding replaces the device */
    assert_int_equal(platform_profile_binding_set(db, "tenant-a", ICCID3, IMEI, "op", NOW, &b),
                     AW_OK);
    assert_string_equal(b.device, IMEI);
    assert_string_equal(b.bound_by, "op");
    assert_int_equal(platform_profile_binding_set(db, "tenant-a", ICCID3, TAC, "op2", NOW + 1,
                                                  &b),
                     AW_OK);
    assert_string_equal(b.device, TAC);
    assert_int_equal(b.created_at_ms, NOW);
    assert_int_equal(b.updated_at_ms, NOW + 1);
    /* another tenant sees none */
    assert_int_equal(platform_profile_binding_get(db, "tenant-b", ICCID3, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_profile_binding_remove(db, "tenant-a", ICCID3), AW_OK);
    assert_int_equal(platform_profile_binding_get(db, "tenant-a", ICCID3, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
}

static int64_t count_rows(db_connection *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(db, sql, NULL, 0, &n), AW_OK);
    return n;
}

/* The executor's hook before a download trigger (executor_item.c). */
static void test_expect(void **state)
{
    (void)state;
    db_connection *eim_db = eim_test_db_fresh();
    assert_int_equal(platform_device_lock_expect(fx.admin, eim_db, "tenant-a", EID, ICCID3,
                                                 "MATCH-1", NOW),
                     AW_OK);
    assert_int_equal(count_rows(eim_db, "SELECT COUNT(*) FROM eim_download_expectations"), 0);
    assert_int_equal(platform_profile_binding_set(fx.admin, "tenant-a", ICCID3, IMEI, "op", NOW,
                                                  NULL),
                     AW_OK);
    /* another tenant's trigger of the same ICCID is not bound */
    assert_int_equal(platform_device_lock_expect(fx.admin, eim_db, "tenant-b", EID, ICCID3,
                                                 "MATCH-0", NOW),
                     AW_OK);
    assert_int_equal(count_rows(eim_db, "SELECT COUNT(*) FROM eim_download_expectations"), 0);
    assert_int_equal(platform_device_lock_expect(fx.admin, eim_db, "tenant-a", EID, ICCID3,
                                                 "MATCH-1", NOW),
                     AW_OK);
    assert_int_equal(count_rows(eim_db,
                                "SELECT COUNT(*) FROM eim_download_expectations WHERE eid = '" EID
                                "' AND matching_id = 'MATCH-1' AND iccid = '" ICCID3
                                "' AND device = '" IMEI "'"),
                     1);
    /* a Matching ID the eIM cannot hold */
    assert_int_equal(platform_device_lock_expect(fx.admin, eim_db, "tenant-a", EID, ICCID3,
                                                 "MATCH 2", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_device_lock_expect(fx.admin, NULL, "tenant-a", EID, ICCID3,
                                                 "MATCH-1", NOW),
                     AW_ERR_ARGUMENT);
    db_close(eim_db);
}

static void eim_verified(db_connection *eim_db, const char *iccid, const char *imei)
{
    db_param key = DB_PARAM_TEXT(EID);
    assert_int_equal(db_execute(eim_db, "DELETE FROM eim_device_verifications WHERE eid = ?",
                                &key, 1, NULL),
                     AW_OK);
    db_param p[] = {DB_PARAM_TEXT(EID), DB_PARAM_TEXT(iccid), DB_PARAM_TEXT(TAC),
                    DB_PARAM_TEXT(imei), DB_PARAM_INT64(NOW)};
    assert_int_equal(db_execute(eim_db,
                                "INSERT INTO eim_device_verifications (eid, iccid, tac, imei, "
                                "seen_at) VALUES (?, ?, ?, ?, ?)",
                                p, 5, NULL),
                     AW_OK);
}

static size_t exceptions_of(const char *code, platform_exception *first)
{
    platform_exception *list = NULL;
    size_t count = 0, matching = 0;
    bool more = false;
    assert_int_equal(platform_exception_list(fx.admin, "tenant-a", NULL, 0, 100, &list, &count,
                                             &more),
                     AW_OK);
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].code, code) == 0 && matching++ == 0 && first != NULL)
            *first = list[i];
    free(list);
    return matching;
}

/* The sweep: policy, verified devices, a bound profile's refused download;
 * and the enable/switch check that uses them. */
static void test_sweep_and_check(void **state)
{
    (void)state;
    db_connection *db = fx.admin;
    db_connection *eim_db = eim_test_db_fresh();
    platform_exception_policy exceptions;
    platform_exception_policy_default(&exceptions);
    platform_device_lock_policy policy;
    platform_device_lock_policy_default(&policy);
    platform_device_lock_stats stats;
    assert_int_equal(platform_profile_binding_set(db, "tenant-a", ICCID2, IMEI, "op", NOW, NULL),
                     AW_OK);

    /* policy off (as the sweep last applied it): nothing checked, nothing collected */
    assert_int_equal(platform_profile_binding_check(db, "tenant-a", EID, ICCID2), AW_OK);
    eim_verified(eim_db, ICCID2, OTHER_IMEI);
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW, &stats),
                     AW_OK);
    assert_int_equal(stats.verified, 0);
    assert_int_equal(platform_profile_binding_check(db, "tenant-a", EID, ICCID2), AW_OK);

    /* on: the card's last verified device is another one */
    policy.enabled = true;
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW, &stats),
                     AW_OK);
    assert_int_equal(stats.verified, 1);
    assert_int_equal(platform_profile_binding_check(db, "tenant-a", EID, ICCID2),
                     AW_ERR_PLATFORM_DEVICE_UNVERIFIED);
    /* an unbound profile, and another tenant's view, are not checked */
    assert_int_equal(platform_profile_binding_check(db, "tenant-a", EID, ICCID), AW_OK);
    assert_int_equal(platform_profile_binding_check(db, "tenant-b", EID, ICCID2), AW_OK);
    /* a card never verified */
    assert_int_equal(platform_profile_binding_check(db, "tenant-a",
                                                    "89049032123451234512345678901288", ICCID2),
                     AW_ERR_PLATFORM_DEVICE_UNVERIFIED);
    assert_int_equal(platform_profile_binding_check(NULL, "tenant-a", EID, ICCID2),
                     AW_ERR_ARGUMENT);
    /* the bound device signed last: allowed; nothing new: nothing taken */
    eim_verified(eim_db, "", IMEI);
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW, &stats),
                     AW_OK);
    assert_int_equal(stats.verified, 1);
    assert_int_equal(platform_profile_binding_check(db, "tenant-a", EID, ICCID2), AW_OK);
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW, &stats),
                     AW_OK);
    assert_int_equal(stats.verified, 0);

    /* a bound profile's download refused by the eIM: T3101 naming it, no
     * lock (the card has no binding) and no PSMO */
    db_param p[] = {DB_PARAM_TEXT(EID), DB_PARAM_TEXT(IMEI), DB_PARAM_TEXT(ICCID2),
                    DB_PARAM_TEXT(TAC), DB_PARAM_TEXT(OTHER_IMEI), DB_PARAM_INT64(NOW)};
    assert_int_equal(db_execute(eim_db,
                                "INSERT INTO eim_device_mismatches (eid, bound, iccid, tac, imei, "
                                "seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                                p, 6, NULL),
                     AW_OK);
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW + 1,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 1);
    assert_int_equal(stats.locked, 0);
    assert_int_equal(stats.disables, 0);
    platform_exception e;
    assert_int_equal(exceptions_of("T3101", &e), 1);
    assert_string_equal(e.eid, EID);
    assert_string_equal(e.iccid, ICCID2);
    assert_string_equal(e.source, "eim");
    assert_int_equal(e.grade, PLATFORM_GRADE_SERIOUS);
    assert_non_null(strstr(e.detail, OTHER_IMEI));
    assert_non_null(strstr(e.detail, ICCID2));
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM platform_card_operations"), 0);
    platform_device_binding card;
    assert_int_equal(platform_device_binding_get(db, "tenant-a", EID, &card),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    /* a profile no tenant binds any more: the cursor moves, nobody is told */
    assert_int_equal(platform_profile_binding_remove(db, "tenant-a", ICCID2), AW_OK);
    assert_int_equal(db_execute(eim_db,
                                "INSERT INTO eim_device_mismatches (eid, bound, iccid, tac, imei, "
                                "seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                                p, 6, NULL),
                     AW_OK);
    assert_int_equal(platform_device_lock_sweep(db, eim_db, &policy, &exceptions, NOW + 2,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 1);
    assert_int_equal(exceptions_of("T3101", &e), 1);
    assert_int_equal(e.count, 1);
    db_close(eim_db);
}


static int64_t audit_count(const char *action, const char *target)
{
    int64_t n = 0;
    db_param p[] = {DB_PARAM_TEXT(action), DB_PARAM_TEXT(target)};
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM aw_audit_entry WHERE action = ? AND "
                                    "target = ?",
                                    p, 2, &n),
                     AW_OK);
    return n;
}

static void test_routes(void **state)
{
    (void)state;
    static role_app user, operator, officer;
    role_app_make(&user, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    role_app_make(&operator, "tenant-a", PLATFORM_ROLE_OPERATOR);
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    const char *body = "{\"device\":\"" IMEI "\"}";
    const aw_http_method get = AW_HTTP_METHOD_GET, put = AW_HTTP_METHOD_PUT,
                         post = AW_HTTP_METHOD_POST, del = AW_HTTP_METHOD_DELETE;
    const char *path = PROFILE_PATH(ICCID2);

    role_expect(&user, get, path, NULL, 404, "A7202");
    role_expect(&user, get, PROFILE_PATH("12"), NULL, 404, "A7202");
    role_expect(&user, put, path, body, 403, "I2201");
    role_expect(&officer, put, path, body, 403, "I2201");
    role_expect(&operator, put, path, "{\"device\":\"4901542032375\"}", 400, "A7204");
    role_expect(&operator, put, path, "{\"device\":7}", 400, "I1002");
    role_expect(&operator, put, path, "{\"device\":\"" IMEI "\",\"x\":1}", 400, "I1002");
    role_expect(&operator, put, PROFILE_PATH("8944000000000000018"), body, 400, "I1002");
    role_expect(&operator, del, path, NULL, 404, "A7202");
    role_expect(&operator, post, path, NULL, 405, "I1005");
    reply r = role_call(&operator, put, path, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "iccid")), ICCID2);
    assert_string_equal(json_string_value(json_object_get(r.body, "device")), IMEI);
    assert_non_null(strstr(json_string_value(json_object_get(r.body, "boundBy")), "app:"));
    reply_free(&r);
    role_expect(&operator, put, path, "{\"device\":\"" TAC "\"}", 200, NULL);
    r = role_call(&user, get, path, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "device")), TAC);
    reply_free(&r);

    /* under the policy, with no verified device of the card: enable and
     * switch to the bound profile refused A7205; other operations go on */
    db_param on = DB_PARAM_INT64(1);
    assert_int_equal(db_execute(fx.admin,
                                "UPDATE platform_device_lock_cursor SET policy_enabled = ? "
                                "WHERE id = 1",
                                &on, 1, NULL),
                     AW_OK);
    const char *ops = "/api/v1/cards/" EID "/operations";
    role_expect(&user, post, ops, "{\"operation\":\"enable\",\"iccid\":\"" ICCID2 "\"}", 409,
           "A7205");
    role_expect(&user, post, ops,
           "{\"operation\":\"switch\",\"iccid\":\"" ICCID "\",\"toIccid\":\"" ICCID2 "\"}", 409,
           "A7205");
    role_expect(&user, post, ops, "{\"operation\":\"delete\",\"iccid\":\"" ICCID2 "\"}", 202, NULL);

    r = role_call(&operator, del, path, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "device")), TAC);
    reply_free(&r);
    role_expect(&user, get, path, NULL, 404, "A7202");
    assert_int_equal(audit_count("device_binding.bind", "iccid:" ICCID2), 2);
    assert_int_equal(audit_count("device_binding.unbind", "iccid:" ICCID2), 1);
}

/* POST /orders refused by the profile count limit: the lines over it. */
static void test_limit_lines(void **state)
{
    (void)state;
    platform_profile_limit_settings settings = {.enabled = true, .max_per_euicc = 1};
    assert_int_equal(platform_profile_limit_configure(fx.admin, &settings, NOW), AW_OK);
    char eids[4][PLATFORM_EID_DIGITS + 1];
    for (unsigned i = 0; i < 4; i++)
        platform_test_eid(400 + i, eids[i]);
    profile_written(eids[1], ICCID3, false); /* the second and fourth are full */
    profile_written(eids[3], "8988211000000000003", false);
    char body[512];
    snprintf(body, sizeof(body), "{\"profileType\":\"iot-basic\",\"eids\":[\"%s\",\"%s\",\"%s\","
                                 "\"%s\"]}",
             eids[0], eids[1], eids[2], eids[3]);
    static role_app user;
    role_app_make(&user, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    call_spec order = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                       .app_id = user.app.app_id, .secret = user.secret,
                       .bearer = user.token.access_token};
    reply r = call(&order);
    assert_int_equal(r.status, 409);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "A7401");
    json_t *errors = json_object_get(r.body, "errors");
    assert_int_equal(json_array_size(errors), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 1), "line")), 4);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(errors, 0), "code")), "A7401");
    reply_free(&r);
    expect_error(&order, "A7401"); /* the same again: nothing was stored */
    /* CSV: lines as the file numbers them (header first) */
    snprintf(body, sizeof(body), "eid\n%s\n%s\n", eids[0], eids[1]);
    call_spec csv = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders",
                     .query = "profileType=iot-basic", .body = body, .content_type = "text/csv",
                     .app_id = user.app.app_id, .secret = user.secret,
                     .bearer = user.token.access_token};
    r = call(&csv);
    assert_int_equal(r.status, 409);
    errors = json_object_get(r.body, "errors");
    assert_int_equal(json_array_size(errors), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 3);
    reply_free(&r);
    /* nothing stored; the free EIDs alone pass */
    assert_int_equal(count_rows(fx.admin, "SELECT COUNT(*) FROM platform_orders"), 0);
    snprintf(body, sizeof(body), "{\"profileType\":\"iot-basic\",\"eids\":[\"%s\"]}", eids[0]);
    expect_ok(&order);
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
    int status = eim_test_db_init(2, (char *[]){argv[0], "sqlite", NULL},
                                  "test_platform_profile_binding");
    if (status != 0)
        return status;
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store, setup_binding, teardown),
        cmocka_unit_test_setup_teardown(test_expect, setup_binding, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_and_check, setup_binding, teardown),
        cmocka_unit_test_setup_teardown(test_routes, setup_binding, teardown),
        cmocka_unit_test_setup_teardown(test_limit_lines, setup_binding, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    eim_test_db_cleanup();
    return failed;
}
