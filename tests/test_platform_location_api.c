/* GET / PUT /api/v1/location-policy over HTTPS (src/platform/api_location.c,
 * docs/location.md, docs/openapi.yaml): the [location] defaults shown for a
 * tenant without its own policy, a tenant's policy set by the platform
 * administrator and by the security officer, refused to a tenant user
 * (I2201), every refusal of the body (I1001, I1002, A7301 per bound) and
 * the query (I1002), a region not installed (A7302), each change audited;
 * the codes' rows in docs/api-errors.md. Responses are recorded for the
 * OpenAPI check. The region files: $AW_SOURCE_ROOT/data/regions. */
#include "platform_rbac_testutil.h"

#define TENANT "tenant-a"
#define POLICY_PATH "/api/v1/location-policy"

static char regions_dir[1024];
static platform_location_config location;

static int location_setup(void **state)
{
    rbac_setup(state); /* then restarted with the location configuration */
    server_stop();
    location_policy_default(&location.defaults);
    location.enabled = true;
    location.defaults.enabled = true;
    location.data_directory = regions_dir;
    server_start_with(&(platform_api_config){.audit = &audit_config,
                                             .password_parameters = &fast_scrypt,
                                             .location = &location});
    return 0;
}

/* The audit record of a policy change by role with outcome. */
static void expect_audited(const char *role, audit_outcome outcome, const char *detail)
{
    audit_entry entries[64];
    size_t count = 0;
    assert_int_equal(audit_list(fx.admin, 1, entries, 64, &count), AW_OK);
    bool found = false;
    for (size_t i = 0; i < count; i++)
        if (strcmp(entries[i].action, "location_policy.set") == 0 &&
            strcmp(entries[i].target, TENANT) == 0 && strcmp(entries[i].actor_role, role) == 0 &&
            entries[i].outcome == outcome && strstr(entries[i].details, detail) != NULL)
            found = true;
    if (!found)
        print_error("no audit record location_policy.set by %s with %s\n", role, detail);
    assert_true(found);
}

static void test_routes(void **state)
{
    (void)state;
    role_app admin, officer, user;
    role_app_make(&admin, "ops", PLATFORM_ROLE_PLATFORM_ADMIN);
    role_app_make(&officer, "ops", PLATFORM_ROLE_SECURITY_OFFICER);
    role_app_make(&user, TENANT, PLATFORM_ROLE_TENANT_USER);

    /* no policy of its own: the [location] defaults */
    call_spec get = role_spec(&admin, AW_HTTP_METHOD_GET, POLICY_PATH, "tenant=" TENANT, NULL);
    reply r = call(&get);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), TENANT);
    assert_string_equal(json_string_value(json_object_get(r.body, "source")), "default");
    assert_true(json_is_true(json_object_get(r.body, "enforced")));
    assert_true(json_is_true(json_object_get(r.body, "enabled")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "regions"), 0)),
                        "CN");
    assert_true(json_is_null(json_object_get(r.body, "inlineRegion")));
    assert_string_equal(json_string_value(json_object_get(r.body, "onMissing")), "hold");
    assert_string_equal(json_string_value(json_object_get(r.body, "onImplausible")), "refuse");
    reply_free(&r);

    /* the administrator sets the tenant's own */
    call_spec put = role_spec(&admin, AW_HTTP_METHOD_PUT, POLICY_PATH, "tenant=" TENANT,
                              "{\"enabled\":true,\"regions\":[\"CN\"],\"inlineRegion\":"
                              "\"region site\\npolygon\\n116 39\\n117 39\\n117 40\\n\","
                              "\"maxAgeSeconds\":120,\"maxAccuracyMeters\":50,"
                              "\"maxSpeedKmh\":300,\"onMissing\":\"refuse\","
                              "\"onStale\":\"hold\",\"onImplausible\":\"hold\","
                              "\"holdSeconds\":30}");
    r = call(&put);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "source")), "tenant");
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxAgeSeconds")), 120);
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxAccuracyMeters")), 50);
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxSpeedKmh")), 300);
    assert_int_equal(json_integer_value(json_object_get(r.body, "holdSeconds")), 30);
    assert_string_equal(json_string_value(json_object_get(r.body, "onMissing")), "refuse");
    assert_string_equal(json_string_value(json_object_get(r.body, "onImplausible")), "hold");
    assert_non_null(strstr(json_string_value(json_object_get(r.body, "inlineRegion")),
                           "region site"));
    reply_free(&r);
    location_policy stored;
    bool found = false;
    assert_int_equal(platform_location_policy_read(fx.admin, TENANT, &stored, &found), AW_OK);
    assert_true(found);
    assert_int_equal(stored.hold_s, 30);
    expect_ok(&get);

    /* the security officer too; off with the defaults for the rest */
    call_spec off = role_spec(&officer, AW_HTTP_METHOD_PUT, POLICY_PATH, "tenant=" TENANT,
                              "{\"enabled\":false,\"regions\":[]}");
    r = call(&off);
    assert_int_equal(r.status, 200);
    assert_false(json_is_true(json_object_get(r.body, "enabled")));
    assert_int_equal(json_integer_value(json_object_get(r.body, "maxAgeSeconds")), 600);
    reply_free(&r);
    call_spec officer_get = role_spec(&officer, AW_HTTP_METHOD_GET, POLICY_PATH,
                                      "tenant=" TENANT, NULL);
    r = call(&officer_get);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "source")), "tenant");
    reply_free(&r);

    /* a tenant user may neither read nor set it */
    call_spec user_get = role_spec(&user, AW_HTTP_METHOD_GET, POLICY_PATH, NULL, NULL);
    expect_error(&user_get, "I2201");
    call_spec user_put = role_spec(&user, AW_HTTP_METHOD_PUT, POLICY_PATH, NULL,
                                   "{\"enabled\":false,\"regions\":[]}");
    expect_error(&user_put, "I2201");

    /* the JSON layer: I1001 / I1002 */
    put.body = "{\"enabled\":true,";
    expect_error(&put, "I1001");
    put.body = "{\"enabled\":true,\"regions\":[\"CN\"],\"x\":1}";
    expect_error(&put, "I1002");
    put.body = "{\"enabled\":true,\"regions\":[\"CN\"]}";
    put.query = "tenant=" TENANT "&x=1";
    expect_error(&put, "I1002");
    put.query = "tenant=" TENANT;
    get.query = "x=1";
    expect_error(&get, "I1002");

    /* the values: A7301 each */
    static const char *const bad[] = {
        "{\"regions\":[\"CN\"]}",                                      /* enabled missing */
        "{\"enabled\":1,\"regions\":[\"CN\"]}",                        /* not a boolean */
        "{\"enabled\":true}",                                          /* regions missing */
        "{\"enabled\":true,\"regions\":\"CN\"}",                       /* not an array */
        "{\"enabled\":true,\"regions\":[1]}",                          /* not a name */
        "{\"enabled\":true,\"regions\":[\"a/b\"]}",                    /* a bad name */
        "{\"enabled\":true,\"regions\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}",
        "{\"enabled\":true,\"regions\":[]}",                           /* allows nothing */
        "{\"enabled\":true,\"regions\":[],\"inlineRegion\":\"region x\\n\"}", /* no polygon */
        "{\"enabled\":true,\"regions\":[],\"inlineRegion\":5}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"maxAgeSeconds\":0}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"maxAgeSeconds\":2592001}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"maxAgeSeconds\":\"600\"}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"holdSeconds\":604801}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"maxAccuracyMeters\":-1}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"maxSpeedKmh\":100001}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"onMissing\":\"wait\"}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"onStale\":true}",
        "{\"enabled\":true,\"regions\":[\"CN\"],\"onImplausible\":null}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put.body = bad[i];
        expect_error(&put, "A7301");
    }
    /* a region not installed: A7302 */
    put.body = "{\"enabled\":true,\"regions\":[\"XX\"]}";
    expect_error(&put, "A7302");
    /* every change audited, refusals too */
    expect_audited("platform_admin", AUDIT_OUTCOME_SUCCESS, "\"inline\":true");
    expect_audited("security_officer", AUDIT_OUTCOME_SUCCESS, "\"enabled\":false");
    expect_audited("platform_admin", AUDIT_OUTCOME_FAILURE, "\"regions\":0");
    /* the refusals left the policy as it was */
    assert_int_equal(platform_location_policy_read(fx.admin, TENANT, &stored, &found), AW_OK);
    assert_false(stored.enabled);
}

/* Every code of this concern has its row in docs/api-errors.md and
 * docs/exceptions.md. */
static void test_codes_documented(void **state)
{
    (void)state;
    char *doc = platform_test_source_file("docs/api-errors.md");
    static const char *const rows[] = {"| `A7301` |", "| `A7302` |", "| `T3301` |",
                                       "| `T3302` |", "| `T3303` |", "| `T3304` |",
                                       "| `T3305` |"};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (strstr(doc, rows[i]) == NULL)
            fail_msg("docs/api-errors.md lacks the row %s", rows[i]);
    free(doc);
    doc = platform_test_source_file("docs/exceptions.md");
    assert_non_null(strstr(doc, "| `T3301` | terminal | serious |"));
    free(doc);
    const platform_api_error_info *info = platform_api_error_get(PLATFORM_API_LOCATION_POLICY);
    assert_string_equal(info->code, "A7301");
    info = platform_api_error_get(PLATFORM_API_LOCATION_REGION_UNKNOWN);
    assert_string_equal(info->code, "A7302");
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
    const char *root = getenv("AW_SOURCE_ROOT");
    if (root == NULL) {
        printf("skip: AW_SOURCE_ROOT is not set (run under meson test)\n");
        return TEST_SKIP_EXIT;
    }
    snprintf(regions_dir, sizeof(regions_dir), "%s/data/regions", root);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, location_setup, teardown),
        cmocka_unit_test(test_codes_documented),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
