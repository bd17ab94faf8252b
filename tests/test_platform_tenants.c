/* Tests of tenant isolation and the platform's security audit
 * (src/platform/api_rbac.c and the routes' tenant filters; docs/rbac.md):
 * tenant A's app makes orders, cards, callbacks and a dead letter; tenant
 * B's app gets 404 on every read and change of them (order get, items,
 * cancel, retry; card by EID, its history and its operations, list and
 * create; callback delete; dead letter replay), empty lists where it searches A's identifiers (cards by EID,
 * ICCID, IMSI, MSISDN; profiles; callbacks; dead letters) and only its own
 * statistics; a tenant_user naming A in `tenant` is refused I2201; an
 * operator and an auditor address A explicitly, the auditor without
 * changing anything. Then the audit log holds the actions with actor,
 * tenant and outcome and no secret, verifies (with signed checkpoints),
 * and verification finds an edited and a deleted platform record; the
 * auditor pages through it with GET /api/v1/audit. SQLite by
 * default, PostgreSQL with argument "postgresql". */
#include "platform_rbac_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#define HOOK_SECRET "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static role_app a_app, b_app;
static char order_a[PLATFORM_ORDER_ID_LENGTH + 1];
static char callback_a[PLATFORM_CALLBACK_ID_LENGTH + 1];
static char dead_a[PLATFORM_DELIVERY_ID_LENGTH + 1];
static char eid_a[PLATFORM_EID_DIGITS + 1];
static char iccid_a[PLATFORM_ICCID_MAX + 1];

/* 200 and its body (the caller frees). */
static json_t *get_ok(const call_spec *spec)
{
    reply r = call(spec);
    if (r.status != 200)
        print_error("%s: %d %s\n", spec->path, r.status,
                    json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    json_t *body = json_incref(r.body);
    reply_free(&r);
    return body;
}

/* Tenant A's objects, made through the API by A's app. */
static void tenant_a_objects(void)
{
    role_app_make(&a_app, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    role_app_make(&b_app, "tenant-b", PLATFORM_ROLE_TENANT_USER);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"url\":\"https://127.0.0.1:9/hook\",\"secret\":\"%s\",\"events\":[\"order.accepted\"]}",
             HOOK_SECRET);
    call_spec spec = role_spec(&a_app, AW_HTTP_METHOD_POST, "/api/v1/callbacks", NULL, body);
    json_t *root = get_ok(&spec);
    snprintf(callback_a, sizeof(callback_a), "%s",
             json_string_value(json_object_get(root, "callbackId")));
    json_decref(root);
    platform_test_eid(4242, eid_a);
    snprintf(body, sizeof(body), "{\"profileType\":\"iot-basic\",\"eids\":[\"%s\"]}", eid_a);
    spec = role_spec(&a_app, AW_HTTP_METHOD_POST, "/api/v1/orders", NULL, body);
    root = get_ok(&spec);
    snprintf(order_a, sizeof(order_a), "%s", json_string_value(json_object_get(root, "orderId")));
    json_decref(root);
    /* the order.accepted delivery to A's callback dies (as after its attempts) */
    assert_int_equal(db_execute(fx.admin, "UPDATE platform_callback_deliveries SET status = 'dead'",
                                NULL, 0, NULL),
                     AW_OK);
    spec = role_spec(&a_app, AW_HTTP_METHOD_GET, "/api/v1/callbacks/dead-letters", NULL, NULL);
    root = get_ok(&spec);
    json_t *list = json_object_get(root, "deadLetters");
    assert_int_equal(json_array_size(list), 1);
    snprintf(dead_a, sizeof(dead_a), "%s",
             json_string_value(json_object_get(json_array_get(list, 0), "deliveryId")));
    json_decref(root);
    /* a card written for A: IMSI, MSISDN, ICCID to search by */
    platform_test_iccid(4242, iccid_a);
    platform_profile_record record = {.tenant = "tenant-a", .eid = eid_a, .iccid = iccid_a,
                                      .imsi = "460001234567890", .msisdn = "1440012345678",
                                      .profile_type = "iot-basic"};
    assert_int_equal(platform_profile_record_written(fx.admin, &record, "executor", NOW), AW_OK);
}

static void expect_path_error(const role_app *app, aw_http_method method, const char *path,
                              const char *query, const char *code)
{
    call_spec spec = role_spec(app, method, path, query, method == AW_HTTP_METHOD_POST ? "{}" : NULL);
    expect_error(&spec, code);
}

/* An empty list member of a GET of app. */
static void expect_empty(const role_app *app, const char *path, const char *query,
                         const char *member)
{
    call_spec spec = role_spec(app, AW_HTTP_METHOD_GET, path, query, NULL);
    json_t *root = get_ok(&spec);
    if (json_array_size(json_object_get(root, member)) != 0)
        print_error("%s?%s: %s not empty\n", path, query != NULL ? query : "", member);
    assert_true(json_is_array(json_object_get(root, member)));
    assert_int_equal(json_array_size(json_object_get(root, member)), 0);
    json_decref(root);
}

static void test_tenant_isolation(void **state)
{
    (void)state;
    tenant_a_objects();
    char path[160], query[80];
    /* B on A's order: 404 as if it did not exist (docs/rbac.md) */
    snprintf(path, sizeof(path), "/api/v1/orders/%s", order_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, path, NULL, "A2001");
    snprintf(path, sizeof(path), "/api/v1/orders/%s/items", order_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, path, NULL, "A2001");
    snprintf(path, sizeof(path), "/api/v1/orders/%s/cancel", order_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_POST, path, NULL, "A2001");
    snprintf(path, sizeof(path), "/api/v1/orders/%s/retry", order_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_POST, path, NULL, "A2001");
    /* cards: by EID 404; searches by every identifier find nothing */
    snprintf(path, sizeof(path), "/api/v1/cards/%s", eid_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, path, NULL, "A5001");
    snprintf(path, sizeof(path), "/api/v1/cards/%s/history", eid_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, path, NULL, "A5001");
    /* card operations on A's card (api_card_ops.c): as no card */
    snprintf(path, sizeof(path), "/api/v1/cards/%s/operations", eid_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, path, NULL, "A5001");
    char op_body[128];
    snprintf(op_body, sizeof(op_body), "{\"operation\":\"disable\",\"iccid\":\"%s\"}", iccid_a);
    call_spec op = role_spec(&b_app, AW_HTTP_METHOD_POST, path, NULL, op_body);
    expect_error(&op, "A5001");
    snprintf(query, sizeof(query), "eid=%s", eid_a);
    expect_empty(&b_app, "/api/v1/cards", query, "cards");
    snprintf(query, sizeof(query), "iccid=%s", iccid_a);
    expect_empty(&b_app, "/api/v1/cards", query, "cards");
    expect_empty(&b_app, "/api/v1/cards", "imsi=460001234567890", "cards");
    expect_empty(&b_app, "/api/v1/cards", "msisdn=1440012345678", "cards");
    expect_empty(&b_app, "/api/v1/profiles", query, "profiles");
    expect_empty(&b_app, "/api/v1/cards", NULL, "cards");
    /* callbacks and dead letters */
    expect_empty(&b_app, "/api/v1/callbacks", NULL, "callbacks");
    snprintf(path, sizeof(path), "/api/v1/callbacks/%s", callback_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_DELETE, path, NULL, "A3001");
    expect_empty(&b_app, "/api/v1/callbacks/dead-letters", NULL, "deadLetters");
    snprintf(path, sizeof(path), "/api/v1/callbacks/dead-letters/%s/replay", dead_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_POST, path, NULL, "A3002");
    /* number pools: A's are not B's */
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, "/api/v1/number-pools/cmiot-pool-1", NULL,
                      "A5002");
    /* statistics: only B's own (nothing) */
    call_spec spec = role_spec(&b_app, AW_HTTP_METHOD_GET, "/api/v1/statistics", NULL, NULL);
    json_t *root = get_ok(&spec);
    assert_int_equal(json_object_size(json_object_get(root, "orders")), 0);
    assert_int_equal(json_object_size(json_object_get(root, "cards")), 0);
    json_decref(root);
    /* a tenant_user never names another tenant; its own is no change */
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, "/api/v1/cards", "tenant=tenant-a", "I2201");
    expect_empty(&b_app, "/api/v1/cards", "tenant=tenant-b", "cards");
    /* nothing of A changed: A still sees all of it */
    snprintf(path, sizeof(path), "/api/v1/orders/%s", order_a);
    spec = role_spec(&a_app, AW_HTTP_METHOD_GET, path, NULL, NULL);
    root = get_ok(&spec);
    assert_string_equal(json_string_value(json_object_get(root, "status")), "accepted");
    json_decref(root);
    spec = role_spec(&a_app, AW_HTTP_METHOD_GET, "/api/v1/callbacks", NULL, NULL);
    root = get_ok(&spec);
    assert_int_equal(json_array_size(json_object_get(root, "callbacks")), 1);
    json_decref(root);
    snprintf(query, sizeof(query), "eid=%s", eid_a);
    spec = role_spec(&a_app, AW_HTTP_METHOD_GET, "/api/v1/cards", query, NULL);
    root = get_ok(&spec);
    assert_int_equal(json_array_size(json_object_get(root, "cards")), 1);
    json_decref(root);
}

static void test_cross_tenant_roles(void **state)
{
    (void)state;
    tenant_a_objects();
    role_app operator_app, auditor_app;
    role_app_make(&operator_app, "ops", PLATFORM_ROLE_OPERATOR);
    role_app_make(&auditor_app, "audit", PLATFORM_ROLE_AUDITOR);
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/orders/%s", order_a);
    /* without naming the tenant: its own (ops), where A's order is not */
    expect_path_error(&operator_app, AW_HTTP_METHOD_GET, path, NULL, "A2001");
    call_spec spec = role_spec(&operator_app, AW_HTTP_METHOD_GET, path, "tenant=tenant-a", NULL);
    json_decref(get_ok(&spec));
    spec = role_spec(&auditor_app, AW_HTTP_METHOD_GET, path, "tenant=tenant-a", NULL);
    json_decref(get_ok(&spec));
    spec = role_spec(&auditor_app, AW_HTTP_METHOD_GET, "/api/v1/cards", "tenant=tenant-a", NULL);
    json_t *root = get_ok(&spec);
    assert_int_equal(json_array_size(json_object_get(root, "cards")), 1);
    json_decref(root);
    /* ping names the tenant acted on and the role */
    spec = role_spec(&operator_app, AW_HTTP_METHOD_GET, "/api/v1/ping", "tenant=tenant-a", NULL);
    root = get_ok(&spec);
    assert_string_equal(json_string_value(json_object_get(root, "tenant")), "tenant-a");
    assert_string_equal(json_string_value(json_object_get(root, "role")), "operator");
    assert_null(json_object_get(root, "username"));
    json_decref(root);
    /* the auditor changes nothing, in any tenant */
    snprintf(path, sizeof(path), "/api/v1/orders/%s/cancel", order_a);
    expect_path_error(&auditor_app, AW_HTTP_METHOD_POST, path, "tenant=tenant-a", "I2201");
    /* the operator may: the cancel is recorded for tenant-a, by ops */
    spec = role_spec(&operator_app, AW_HTTP_METHOD_POST, path, "tenant=tenant-a", NULL);
    root = get_ok(&spec);
    assert_string_equal(json_string_value(json_object_get(root, "status")), "cancelled");
    json_decref(root);
    /* a malformed tenant name */
    expect_path_error(&operator_app, AW_HTTP_METHOD_GET, "/api/v1/cards", "tenant=a%20b", "I1002");
}

/* ---- Audit ---------------------------------------------------------------------------- */

static audit_entry *entries;
static size_t entry_count;

static void read_log(void)
{
    free(entries);
    entries = calloc(AUDIT_LIST_MAX, sizeof(*entries));
    assert_non_null(entries);
    assert_int_equal(audit_list(fx.admin, 1, entries, AUDIT_LIST_MAX, &entry_count), AW_OK);
}

/* The first entry of action by actor_id (NULL: any). */
static const audit_entry *find_entry(const char *action, const char *actor_id)
{
    for (size_t i = 0; i < entry_count; i++)
        if (strcmp(entries[i].action, action) == 0 &&
            (actor_id == NULL || strcmp(entries[i].actor_id, actor_id) == 0))
            return &entries[i];
    print_error("no audit entry %s by %s\n", action, actor_id != NULL ? actor_id : "anyone");
    return NULL;
}

static void test_audit_records(void **state)
{
    (void)state;
    crypto_suite_key *key = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &key), AW_OK);
    audit_config.checkpoint_key = key;
    audit_config.checkpoint_interval = 4;
    tenant_a_objects();
    role_app operator_app;
    role_app_make(&operator_app, "ops", PLATFORM_ROLE_OPERATOR);
    char path[160], body[256];
    snprintf(path, sizeof(path), "/api/v1/orders/%s/cancel", order_a);
    expect_path_error(&b_app, AW_HTTP_METHOD_GET, "/api/v1/cards", "tenant=tenant-a", "I2201");
    call_spec spec = role_spec(&operator_app, AW_HTTP_METHOD_POST, path, "tenant=tenant-a", NULL);
    json_decref(get_ok(&spec));
    snprintf(path, sizeof(path), "/api/v1/callbacks/%s", callback_a);
    spec = role_spec(&a_app, AW_HTTP_METHOD_DELETE, path, NULL, NULL);
    json_decref(get_ok(&spec));
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, "erin", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          "erin's long passphrase", &fast_scrypt, NOW, &user),
                     AW_OK);
    snprintf(body, sizeof(body), "{\"username\":\"erin\",\"password\":\"wrong passphrase!!\"}");
    spec = (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/login", .body = body};
    expect_error(&spec, "I2202");
    snprintf(body, sizeof(body), "{\"username\":\"erin\",\"password\":\"erin's long passphrase\"}");
    expect_ok(&spec);
    char *token = token_body(a_app.app.app_id, "0000000000000000000000000000000000000000000000000000000000000000");
    spec = (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/token", .body = token,
                       .app_id = a_app.app.app_id, .secret = a_app.secret};
    expect_error(&spec, "I2007");
    free(token);

    read_log();
    const audit_entry *e = find_entry("token.issue", a_app.app.app_id);
    assert_non_null(e);
    assert_int_equal(e->actor_type, AUDIT_ACTOR_APP);
    assert_string_equal(e->actor_role, "tenant_user");
    assert_string_equal(e->tenant, "tenant-a");
    assert_int_equal(e->outcome, AUDIT_OUTCOME_SUCCESS);
    assert_int_equal(strlen(e->request_id), PLATFORM_REQUEST_ID_LENGTH);
    assert_string_equal(e->source_address, "127.0.0.1");
    e = find_entry("callback.register", a_app.app.app_id);
    assert_non_null(e);
    assert_string_equal(e->target, callback_a);
    e = find_entry("order.create", a_app.app.app_id);
    assert_non_null(e);
    assert_string_equal(e->target, order_a);
    e = find_entry("permission.denied", b_app.app.app_id);
    assert_non_null(e);
    assert_int_equal(e->outcome, AUDIT_OUTCOME_DENIED);
    assert_string_equal(e->tenant, "tenant-b");
    assert_non_null(strstr(e->details, "\"permission\":\"tenant.other\""));
    e = find_entry("order.cancel", operator_app.app.app_id);
    assert_non_null(e);
    assert_string_equal(e->tenant, "tenant-a");
    assert_string_equal(e->actor_role, "operator");
    assert_non_null(strstr(e->details, "\"actorTenant\":\"ops\""));
    assert_non_null(find_entry("callback.delete", a_app.app.app_id));
    e = find_entry("user.login", "erin");
    assert_non_null(e);
    assert_int_equal(e->actor_type, AUDIT_ACTOR_USER);
    assert_int_equal(e->outcome, AUDIT_OUTCOME_SUCCESS);
    assert_string_equal(e->actor_role, "auditor");
    e = find_entry("user.login", fx.app.app_id);
    assert_non_null(e);
    assert_int_equal(e->outcome, AUDIT_OUTCOME_FAILURE);
    assert_string_equal(e->target, "user:erin");
    e = find_entry("token.issue", NULL);
    for (size_t i = 0; i < entry_count; i++) {
        /* never a secret: app secrets, callback secrets, passwords, tokens */
        assert_null(strstr(entries[i].details, a_app.secret));
        assert_null(strstr(entries[i].details, HOOK_SECRET));
        assert_null(strstr(entries[i].details, "passphrase"));
        assert_null(strstr(entries[i].details, "awat_"));
        if (strcmp(entries[i].action, "token.issue") == 0 &&
            entries[i].outcome == AUDIT_OUTCOME_FAILURE)
            e = &entries[i];
    }
    assert_int_equal(e->outcome, AUDIT_OUTCOME_FAILURE);

    /* the chain verifies with its checkpoints ... */
    audit_report report;
    const crypto_suite_key *keys[1] = {key};
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report), AW_OK);
    assert_int_equal(report.entries, (int64_t)entry_count);
    assert_true(report.checkpoints >= 2);
    /* ... and finds an edited platform record, then a deleted one */
    if (fx.tdb.postgresql) {
        assert_int_equal(db_execute(fx.admin,
                                    "DROP TRIGGER aw_audit_entry_append_only ON aw_audit_entry",
                                    NULL, 0, NULL),
                         AW_OK);
    } else {
        assert_int_equal(db_execute(fx.admin, "DROP TRIGGER aw_audit_entry_no_update", NULL, 0, NULL),
                         AW_OK);
        assert_int_equal(db_execute(fx.admin, "DROP TRIGGER aw_audit_entry_no_delete", NULL, 0, NULL),
                         AW_OK);
    }
    int64_t seq = find_entry("order.cancel", operator_app.app.app_id)->seq;
    db_param p[] = {DB_PARAM_INT64(seq)};
    assert_int_equal(db_execute(fx.admin, "UPDATE aw_audit_entry SET tenant = 'tenant-b' WHERE seq = ?",
                                p, 1, NULL),
                     AW_OK);
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report),
                     AW_ERR_AUDIT_HASH);
    assert_int_equal(report.seq, seq);
    assert_int_equal(db_execute(fx.admin, "UPDATE aw_audit_entry SET tenant = 'tenant-a' WHERE seq = ?",
                                p, 1, NULL),
                     AW_OK);
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report), AW_OK);
    assert_int_equal(db_execute(fx.admin, "DELETE FROM aw_audit_entry WHERE seq = ?", p, 1, NULL),
                     AW_OK);
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report),
                     AW_ERR_AUDIT_GAP);
    assert_int_equal(report.seq, seq);
    free(entries);
    entries = NULL;
    audit_config.checkpoint_key = NULL;
    audit_config.checkpoint_interval = 0;
    crypto_suite_key_free(key);
}

/* GET /api/v1/audit: the auditor pages through the log; each read recorded. */
static void test_audit_route(void **state)
{
    (void)state;
    tenant_a_objects();
    role_app auditor_app;
    role_app_make(&auditor_app, "audit", PLATFORM_ROLE_AUDITOR);
    call_spec spec = role_spec(&auditor_app, AW_HTTP_METHOD_GET, "/api/v1/audit", "limit=2", NULL);
    json_t *root = get_ok(&spec);
    json_t *list = json_object_get(root, "entries");
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(first, "action")), "token.issue");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "actor"), "type")), "app");
    assert_string_equal(json_string_value(json_object_get(first, "outcome")), "success");
    assert_true(json_is_object(json_object_get(first, "details")));
    assert_int_equal(strlen(json_string_value(json_object_get(first, "hash"))), 64);
    /* platform-wide: B's token after A's */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "tenant")),
                        "tenant-b");
    assert_int_equal(json_integer_value(json_object_get(root, "nextFrom")), 3);
    json_decref(root);
    /* the last page, across tenants, ends with this read's own record */
    spec = role_spec(&auditor_app, AW_HTTP_METHOD_GET, "/api/v1/audit",
                     "from=3&limit=200&tenant=tenant-a", NULL);
    root = get_ok(&spec);
    list = json_object_get(root, "entries");
    assert_true(json_is_null(json_object_get(root, "nextFrom")));
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "action")), "audit.read");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(last, "actor"), "role")), "auditor");
    assert_string_equal(json_string_value(json_object_get(last, "tenant")), "audit");
    json_decref(root);
    /* paging errors: I1002 */
    static const char *const bad[] = {"limit=0", "limit=201", "from=0", "from=x", "order=1",
                                      "limit=01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spec = role_spec(&auditor_app, AW_HTTP_METHOD_GET, "/api/v1/audit", bad[i], NULL);
        expect_error(&spec, "I1002");
    }
    /* nobody else reads it */
    spec = role_spec(&a_app, AW_HTTP_METHOD_GET, "/api/v1/audit", NULL, NULL);
    expect_error(&spec, "I2201");
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
        cmocka_unit_test_setup_teardown(test_tenant_isolation, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_tenant_roles, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_records, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_route, rbac_setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
