/* Card-device locking on the platform (src/platform/device_lock.c,
 * device_lock_sweep.c, api_device_lock.c, device_lock_report.c;
 * docs/device-lock.md): the binding store with every refusal; the sweep
 * taking bindings to the eIM's database and, with the policy on, its
 * mismatches to a T3101 exception, a lock, a PSMO disable of the enabled
 * profile and a system audit entry (off: nothing collected; without
 * lock_on_mismatch: the exception only); the routes over real HTTPS with
 * each role (operator binds and locks, only the platform administrator
 * unlocks; neither tenant user nor security officer) and every A72xx code; a locked card's
 * card operations refused; the devices' card refusals (strict parse, 403,
 * 400, 204 with T3102). Responses are recorded for the OpenAPI check. */
#include "platform_api_testutil.h"
#include "eim_testutil.h"

#include <openssl/x509v3.h>

#include "core/audit.h"
#include "platform/platform_device_lock_report.h"

#define EID "89049032123451234512345678901235"
#define OTHER_EID "89049032123451234512345678901288"
#define ICCID "8944000000000000019"
#define IMEI "490154203237518"
#define OTHER_IMEI "356938035643809"
#define BINDING_PATH "/api/v1/cards/" EID "/device-binding"

/* A card of tenant-a with ICCID enabled on it. */
static void card_with_enabled_profile(void)
{
    platform_profile_record record = {.tenant = "tenant-a", .eid = EID, .iccid = ICCID,
                                      .profile_type = "iot-basic"};
    assert_int_equal(platform_profile_record_written(fx.admin, &record, "executor", NOW), AW_OK);
    assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_PROFILE,
                                                   "tenant-a", ICCID, "enabled", "test", "test",
                                                   NOW, NULL),
                     AW_OK);
}

static int setup_lock(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    card_with_enabled_profile();
    return 0;
}

static void test_store(void **state)
{
    (void)state;
    db_connection *db = fx.admin;
    platform_device_binding b;
    assert_int_equal(platform_device_binding_set(db, "tenant-a", OTHER_EID, IMEI, "t", NOW, &b),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);
    assert_int_equal(platform_device_binding_set(db, "tenant-b", EID, IMEI, "t", NOW, &b),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);
    assert_int_equal(platform_device_binding_set(db, "tenant-a", EID, "490154203237519", "t",
                                                 NOW, &b),
                     AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(platform_device_binding_set(db, "tenant-a", "12", IMEI, "t", NOW, &b),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_device_binding_get(db, "tenant-a", EID, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_device_lock(db, "tenant-a", EID, "manual", "", "t", NOW),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_device_binding_set(db, "tenant-a", EID, IMEI, "op", NOW, &b), AW_OK);
    assert_string_equal(b.device, IMEI);
    assert_false(b.locked);
    assert_false(b.synced);
    assert_string_equal(b.bound_by, "op");
    assert_int_equal(platform_device_binding_set(db, "tenant-a", EID, "49015420", "op", NOW + 1,
                                                 &b),
                     AW_OK);
    assert_string_equal(b.device, "49015420");
    assert_int_equal(platform_device_lock_check(db, "tenant-a", EID), AW_OK);
    assert_int_equal(platform_device_lock(db, "tenant-a", EID, "manual", "", "op", NOW + 2),
                     AW_OK);
    assert_int_equal(platform_device_lock_check(db, "tenant-a", EID),
                     AW_ERR_PLATFORM_DEVICE_LOCKED);
    assert_int_equal(platform_device_lock(db, "tenant-a", EID, "manual", "", "op", NOW + 3),
                     AW_ERR_PLATFORM_DEVICE_LOCKED);
    assert_int_equal(platform_device_binding_set(db, "tenant-a", EID, IMEI, "op", NOW + 3, &b),
                     AW_ERR_PLATFORM_DEVICE_LOCKED);
    assert_int_equal(platform_device_binding_remove(db, "tenant-a", EID, NOW + 3),
                     AW_ERR_PLATFORM_DEVICE_LOCKED);
    assert_int_equal(platform_device_unlock(db, "tenant-a", EID, NOW + 4, &b), AW_OK);
    assert_string_equal(b.lock_cause, "manual");
    assert_string_equal(b.locked_by, "op");
    assert_int_equal(platform_device_unlock(db, "tenant-a", EID, NOW + 5, &b),
                     AW_ERR_PLATFORM_DEVICE_NOT_LOCKED);
    assert_int_equal(platform_device_binding_remove(db, "tenant-a", EID, NOW + 6), AW_OK);
    assert_int_equal(platform_device_binding_get(db, "tenant-a", EID, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_device_binding_remove(db, "tenant-a", EID, NOW + 7),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    assert_int_equal(platform_device_unlock(db, "tenant-a", EID, NOW + 7, &b),
                     AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN);
    /* bound again in place of the removed row */
    assert_int_equal(platform_device_binding_set(db, "tenant-a", EID, IMEI, "op", NOW + 8, &b),
                     AW_OK);
    assert_int_equal(platform_device_lock_check(db, "tenant-a", EID), AW_OK);
    platform_device_lock_policy policy;
    platform_device_lock_policy_default(&policy);
    assert_false(policy.enabled);
    assert_true(policy.lock_on_mismatch);
}

/* A mismatch as the eIM records it (eim_device_binding_check). */
static void eim_mismatch(db_connection *eim_db, const char *imei)
{
    db_param p[] = {DB_PARAM_TEXT(EID), DB_PARAM_TEXT(IMEI), DB_PARAM_TEXT("35693803"),
                    DB_PARAM_TEXT(imei), DB_PARAM_INT64(NOW)};
    assert_int_equal(db_execute(eim_db,
                                "INSERT INTO eim_device_mismatches (eid, bound, tac, imei, "
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

static int64_t audit_count(const char *action)
{
    int64_t n = 0;
    db_param p = DB_PARAM_TEXT(action);
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM aw_audit_entry WHERE action = ?", &p,
                                    1, &n),
                     AW_OK);
    return n;
}

static void test_sweep(void **state)
{
    (void)state;
    db_connection *eim_db = eim_test_db_fresh();
    platform_exception_policy exceptions;
    platform_exception_policy_default(&exceptions);
    platform_device_lock_policy policy;
    platform_device_lock_policy_default(&policy);
    platform_device_lock_stats stats;
    char device[EIM_DEVICE_TEXT_MAX + 1];
    bool found = false;
    platform_device_binding b;

    /* the binding reaches the eIM whatever the policy */
    assert_int_equal(platform_device_binding_set(fx.admin, "tenant-a", EID, IMEI, "op", NOW, &b),
                     AW_OK);
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, NULL, &exceptions, NOW, &stats),
                     AW_OK);
    assert_int_equal(stats.pushed, 1);
    assert_int_equal(eim_device_binding_get(eim_db, EID, device, &found), AW_OK);
    assert_true(found);
    assert_string_equal(device, IMEI);
    assert_int_equal(platform_device_binding_get(fx.admin, "tenant-a", EID, &b), AW_OK);
    assert_true(b.synced);

    /* off: the eIM's mismatch stays there */
    eim_mismatch(eim_db, OTHER_IMEI);
    assert_int_equal(
        platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW, &stats), AW_OK);
    assert_int_equal(stats.mismatches, 0);
    assert_int_equal(exceptions_of("T3101", NULL), 0);

    /* on: T3101, the lock, a PSMO disable of the enabled profile, audited */
    policy.enabled = true;
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW + 1,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 1);
    assert_int_equal(stats.locked, 1);
    assert_int_equal(stats.disables, 1);
    platform_exception e;
    assert_int_equal(exceptions_of("T3101", &e), 1);
    assert_int_equal(e.grade, PLATFORM_GRADE_SERIOUS);
    assert_string_equal(e.eid, EID);
    assert_string_equal(e.source, "eim");
    assert_non_null(strstr(e.detail, OTHER_IMEI));
    assert_int_equal(platform_device_binding_get(fx.admin, "tenant-a", EID, &b), AW_OK);
    assert_true(b.locked);
    assert_string_equal(b.lock_cause, "T3101");
    assert_string_equal(b.exception_id, e.exception_id);
    assert_string_equal(b.locked_by, PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR);
    platform_card_op *ops = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_card_op_list(fx.admin, "tenant-a", EID, 0, 10, &ops, &count, &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(ops[0].kind, PLATFORM_CARD_OP_DISABLE);
    assert_string_equal(ops[0].iccid, ICCID);
    assert_string_equal(ops[0].app_id, PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR);
    free(ops);
    assert_int_equal(audit_count("device_binding.lock"), 1);

    /* nothing new: nothing done; a repeat while locked bumps the exception only */
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW + 2,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 0);
    eim_mismatch(eim_db, "");
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW + 3,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 1);
    assert_int_equal(stats.locked, 0);
    assert_int_equal(exceptions_of("T3101", &e), 1);
    assert_int_equal(e.count, 2);
    assert_int_equal(audit_count("device_binding.lock"), 1);

    /* unlocked and unbound: removed at the eIM, then the row is gone */
    assert_int_equal(platform_device_unlock(fx.admin, "tenant-a", EID, NOW + 4, NULL), AW_OK);
    assert_int_equal(platform_device_binding_remove(fx.admin, "tenant-a", EID, NOW + 5), AW_OK);
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW + 6,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.removed, 1);
    assert_int_equal(eim_device_binding_get(eim_db, EID, device, &found), AW_OK);
    assert_false(found);

    /* without lock_on_mismatch: the exception, no lock */
    assert_int_equal(platform_device_binding_set(fx.admin, "tenant-a", EID, IMEI, "op", NOW + 7,
                                                 &b),
                     AW_OK);
    policy.lock_on_mismatch = false;
    eim_mismatch(eim_db, OTHER_IMEI);
    assert_int_equal(platform_device_lock_sweep(fx.admin, eim_db, &policy, &exceptions, NOW + 8,
                                                &stats),
                     AW_OK);
    assert_int_equal(stats.mismatches, 1);
    assert_int_equal(stats.locked, 0);
    assert_int_equal(platform_device_lock_check(fx.admin, "tenant-a", EID), AW_OK);
    assert_int_equal(platform_device_lock_sweep(NULL, eim_db, &policy, &exceptions, NOW, &stats),
                     AW_ERR_ARGUMENT);
    db_close(eim_db);
}


static void test_routes(void **state)
{
    (void)state;
    static role_app user, operator, officer, admin;
    role_app_make(&user, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    role_app_make(&operator, "tenant-a", PLATFORM_ROLE_OPERATOR);
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    role_app_make(&admin, "tenant-a", PLATFORM_ROLE_PLATFORM_ADMIN);
    const char *body = "{\"device\":\"" IMEI "\"}";
    const aw_http_method get = AW_HTTP_METHOD_GET, put = AW_HTTP_METHOD_PUT,
                         post = AW_HTTP_METHOD_POST, del = AW_HTTP_METHOD_DELETE;

    call_spec read = {.method = get, .path = BINDING_PATH, .app_id = user.app.app_id,
                      .secret = user.secret, .bearer = user.token.access_token};
    expect_error(&read, "A7202");
    /* a tenant user may read but not bind */
    role_expect(&user, put, BINDING_PATH, body, 403, "I2201");
    role_expect(&operator, put, BINDING_PATH, "{\"device\":\"4901542032375\"}", 400, "A7204");
    role_expect(&operator, put, BINDING_PATH, "{\"device\":7}", 400, "I1002");
    role_expect(&operator, put, BINDING_PATH, "{\"device\":", 400, NULL);
    role_expect(&operator, put, "/api/v1/cards/" OTHER_EID "/device-binding", body, 404, "A5001");
    role_expect(&operator, post, BINDING_PATH "/lock", NULL, 404, "A7202");
    reply r = role_call(&operator, put, BINDING_PATH, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "device")), IMEI);
    assert_false(json_boolean_value(json_object_get(r.body, "locked")));
    reply_free(&r);
    expect_ok(&read);
    role_expect(&admin, post, BINDING_PATH "/unlock", NULL, 409, "A7203");

    /* locked by the operator: no card operation, no unbinding, no rebinding */
    r = role_call(&operator, post, BINDING_PATH "/lock", NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_boolean_value(json_object_get(r.body, "locked")));
    assert_string_equal(json_string_value(json_object_get(r.body, "lockCause")), "manual");
    reply_free(&r);
    role_expect(&operator, post, BINDING_PATH "/lock", NULL, 409, "A7201");
    role_expect(&operator, del, BINDING_PATH, NULL, 409, "A7201");
    role_expect(&operator, put, BINDING_PATH, body, 409, "A7201");
    role_expect(&user, post, "/api/v1/cards/" EID "/operations",
           "{\"operation\":\"disable\",\"iccid\":\"" ICCID "\"}", 409, "A7201");
    /* only the platform administrator unlocks */
    role_expect(&operator, post, BINDING_PATH "/unlock", NULL, 403, "I2201");
    role_expect(&user, post, BINDING_PATH "/unlock", NULL, 403, "I2201");
    role_expect(&officer, post, BINDING_PATH "/unlock", NULL, 403, "I2201");
    role_expect(&officer, post, BINDING_PATH "/lock", NULL, 403, "I2201");
    r = role_call(&admin, post, BINDING_PATH "/unlock", NULL);
    assert_int_equal(r.status, 200);
    assert_false(json_boolean_value(json_object_get(r.body, "locked")));
    reply_free(&r);
    role_expect(&admin, post, BINDING_PATH "/lock", NULL, 200, NULL);
    role_expect(&admin, post, BINDING_PATH "/unlock", NULL, 200, NULL);
    r = role_call(&operator, del, BINDING_PATH, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "device")), IMEI);
    reply_free(&r);
    role_expect(&operator, del, BINDING_PATH, NULL, 404, "A7202");
    role_expect(&operator, post, BINDING_PATH, NULL, 405, "I1005");
    role_expect(&operator, get, BINDING_PATH "/unlock", NULL, 405, "I1005");

    /* every change in the audit log, with its actor; the refusals too */
    assert_int_equal(audit_count("device_binding.bind"), 2); /* one denied while locked */
    assert_int_equal(audit_count("device_binding.lock"), 2);
    assert_int_equal(audit_count("device_binding.unlock"), 2);
    assert_int_equal(audit_count("device_binding.unbind"), 2); /* one denied while locked */
}

/* A device client certificate naming eid in its subject serialNumber. */
static aw_slice device_certificate(const char *eid, uint8_t **buffer)
{
    X509 *cert = X509_new();
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(cert);
    assert_non_null(key);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"device", -1,
                               -1, 0);
    if (eid != NULL)
        X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                   (const unsigned char *)eid, -1, -1, 0);
    X509_set_issuer_name(cert, name);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
    int len = i2d_X509(cert, NULL);
    assert_true(len > 0);
    *buffer = malloc((size_t)len);
    assert_non_null(*buffer);
    uint8_t *p = *buffer;
    assert_int_equal(i2d_X509(cert, &p), len);
    X509_free(cert);
    EVP_PKEY_free(key);
    return (aw_slice){*buffer, (size_t)len};
}

#define REFUSAL(device, card, extra)                                                           \
    "{\"deviceEid\":\"" device "\",\"cardEid\":\"" card "\",\"time\":\"2026-12-01T12:00:00Z\"" \
    extra "}"

static void test_refusals(void **state)
{
    (void)state;
    platform_device_refusal r;
    static const char *const bad[] = {
        "", "[]", "{",
        REFUSAL(OTHER_EID, EID, ",\"x\":1"),
        REFUSAL(OTHER_EID, EID, ",\"imei\":\"12345\""),
        REFUSAL(OTHER_EID, EID, ",\"imei\":\"49015420323751a\""),
        REFUSAL(OTHER_EID, OTHER_EID, ""),
        REFUSAL("8904903212345123451234567890123", EID, ""),
        REFUSAL("8904903212345123451234567890123x", EID, ""),
        "{\"deviceEid\":\"" OTHER_EID "\",\"cardEid\":\"" EID
        "\",\"time\":\"2026-13-01T12:00:00Z\"}",
        "{\"deviceEid\":\"" OTHER_EID "\",\"cardEid\":\"" EID "\"}",
        "{\"deviceEid\":\"" OTHER_EID "\",\"deviceEid\":\"" OTHER_EID "\",\"cardEid\":\"" EID
        "\",\"time\":\"2026-12-01T12:00:00Z\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(platform_device_refusal_parse((const uint8_t *)bad[i], strlen(bad[i]),
                                                       &r),
                         AW_ERR_TERMINAL_REPORT);
    char big[PLATFORM_DEVICE_REFUSAL_BODY_MAX + 2];
    memset(big, ' ', sizeof(big));
    assert_int_equal(platform_device_refusal_parse((const uint8_t *)big, sizeof(big), &r),
                     AW_ERR_TERMINAL_REPORT);
    const char *good = REFUSAL(OTHER_EID, EID, ",\"imei\":\"" OTHER_IMEI "\"");
    assert_int_equal(platform_device_refusal_parse((const uint8_t *)good, strlen(good), &r), AW_OK);
    assert_string_equal(r.device_eid, OTHER_EID);
    assert_string_equal(r.card_eid, EID);
    assert_string_equal(r.imei, OTHER_IMEI);

    uint8_t *own = NULL, *none = NULL, *other = NULL;
    aw_slice own_cert = device_certificate(OTHER_EID, &own);
    aw_slice no_eid = device_certificate(NULL, &none);
    aw_slice other_cert = device_certificate(EID, &other);
    int status = 0;
    char *answer = NULL;
    assert_int_equal(platform_device_refusal_handle(fx.admin, NULL, (aw_slice){NULL, 0},
                                                    (const uint8_t *)good, strlen(good), NOW,
                                                    &status, &answer),
                     AW_OK);
    assert_int_equal(status, 403);
    free(answer);
    assert_int_equal(platform_device_refusal_handle(fx.admin, NULL, no_eid, (const uint8_t *)good,
                                                    strlen(good), NOW, &status, &answer),
                     AW_OK);
    assert_int_equal(status, 403);
    free(answer);
    assert_int_equal(platform_device_refusal_handle(fx.admin, NULL, other_cert,
                                                    (const uint8_t *)good, strlen(good), NOW,
                                                    &status, &answer),
                     AW_OK);
    assert_int_equal(status, 403);
    assert_non_null(strstr(answer, "T2101"));
    free(answer);
    assert_int_equal(platform_device_refusal_handle(fx.admin, NULL, own_cert,
                                                    (const uint8_t *)"{}", 2, NOW, &status,
                                                    &answer),
                     AW_OK);
    assert_int_equal(status, 400);
    assert_non_null(strstr(answer, "T2102"));
    free(answer);
    assert_int_equal(exceptions_of("T3102", NULL), 0);
    assert_int_equal(platform_device_refusal_handle(fx.admin, NULL, own_cert,
                                                    (const uint8_t *)good, strlen(good), NOW,
                                                    &status, &answer),
                     AW_OK);
    assert_int_equal(status, 204);
    assert_null(answer);
    platform_exception e;
    assert_int_equal(exceptions_of("T3102", &e), 1); /* tenant-a holds the refused card */
    assert_int_equal(e.grade, PLATFORM_GRADE_SIGNIFICANT);
    assert_string_equal(e.eid, EID);
    assert_non_null(strstr(e.detail, OTHER_IMEI));
    assert_int_equal(platform_device_refusal_handle(NULL, NULL, own_cert, (const uint8_t *)good,
                                                    strlen(good), NOW, &status, &answer),
                     AW_ERR_ARGUMENT);
    free(own);
    free(none);
    free(other);
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
                                  "test_platform_device_lock");
    if (status != 0)
        return status;
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store, setup_lock, teardown),
        cmocka_unit_test_setup_teardown(test_sweep, setup_lock, teardown),
        cmocka_unit_test_setup_teardown(test_routes, setup_lock, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup_lock, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    eim_test_db_cleanup();
    return failed;
}
