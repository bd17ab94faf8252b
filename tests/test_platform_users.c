/* Tests of the console users over the API (src/platform/api_users.c,
 * users.c; docs/rbac.md "Console users and logins"): GET /api/v1/users
 * (platform_admin and security_officer; the tenant acted on only, role
 * filter, paging, every malformed parameter), POST /api/v1/users (the
 * security officer's; created, audited without the password; exists A7502,
 * password policy A7503, malformed bodies), POST /api/v1/users/{name}/role
 * (audited; a session takes the new role at its next call; another
 * tenant's user, an unknown or malformed name A7501), the other methods 405
 * and the library's argument errors. SQLite by default, PostgreSQL with
 * argument "postgresql". */
#include "platform_rbac_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#define GOOD_PASSWORD "correct horse battery staple"

static void user_make(const char *name, const char *tenant, platform_role role)
{
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, name, tenant, role, GOOD_PASSWORD,
                                          &fast_scrypt, NOW, &user),
                     AW_OK);
}

/* GET query as app a: the usernames of the page joined by ',' in names,
 * its nextCursor (or "") in next. */
static void list_names(const role_app *a, const char *query, char *names, size_t names_size,
                       char *next, size_t next_size)
{
    call_spec spec = role_spec(a, AW_HTTP_METHOD_GET, "/api/v1/users", query, NULL);
    reply r = call(&spec);
    if (r.status != 200)
        print_error("GET /api/v1/users?%s: %d\n", query != NULL ? query : "", r.status);
    assert_int_equal(r.status, 200);
    names[0] = '\0';
    const json_t *users = json_object_get(r.body, "users");
    assert_true(json_is_array(users));
    for (size_t i = 0; i < json_array_size(users); i++) {
        const json_t *u = json_array_get(users, i);
        /* every member, and never a password hash */
        assert_non_null(json_string_value(json_object_get(u, "tenant")));
        assert_non_null(json_string_value(json_object_get(u, "role")));
        assert_true(json_is_boolean(json_object_get(u, "enabled")));
        assert_true(json_is_integer(json_object_get(u, "createdAt")));
        assert_null(json_object_get(u, "password"));
        assert_null(json_object_get(u, "passwordHash"));
        size_t used = strlen(names);
        snprintf(names + used, names_size - used, "%s%s", used > 0 ? "," : "",
                 json_string_value(json_object_get(u, "username")));
    }
    const json_t *cursor = json_object_get(r.body, "nextCursor");
    assert_true(json_is_null(cursor) || json_is_string(cursor));
    snprintf(next, next_size, "%s", json_is_string(cursor) ? json_string_value(cursor) : "");
    reply_free(&r);
}

static void test_list(void **state)
{
    (void)state;
    user_make("ann", "tenant-a", PLATFORM_ROLE_OPERATOR);
    user_make("bob", "tenant-a", PLATFORM_ROLE_AUDITOR);
    user_make("cy", "tenant-a", PLATFORM_ROLE_OPERATOR);
    user_make("dee", "tenant-b", PLATFORM_ROLE_TENANT_USER);
    role_app officer, admin;
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    role_app_make(&admin, "tenant-a", PLATFORM_ROLE_PLATFORM_ADMIN);
    char names[256], next[PLATFORM_USERNAME_MAX + 1];
    list_names(&officer, NULL, names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "ann,bob,cy"); /* tenant-a only, by name */
    assert_string_equal(next, "");
    list_names(&admin, "role=operator", names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "ann,cy");
    /* paging: the cursor is the last name answered */
    list_names(&officer, "limit=2", names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "ann,bob");
    assert_string_equal(next, "bob");
    list_names(&officer, "limit=2&cursor=bob", names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "cy");
    assert_string_equal(next, "");
    /* a cross-tenant role names the other tenant */
    list_names(&officer, "tenant=tenant-b", names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "dee");
    list_names(&officer, "tenant=tenant-c", names, sizeof(names), next, sizeof(next));
    assert_string_equal(names, "");
    /* every malformed parameter */
    static const char *const bad[] = {"role=root", "role=", "limit=0", "limit=201", "limit=x",
                                      "limit=0010", "cursor=bad%20name", "cursor=",
                                      "sort=name", "tenant=bad%20tenant"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec spec = role_spec(&officer, AW_HTTP_METHOD_GET, "/api/v1/users", bad[i], NULL);
        expect_error(&spec, "I1002");
    }
    /* the business roles see no users */
    static const platform_role refused[] = {PLATFORM_ROLE_OPERATOR, PLATFORM_ROLE_TENANT_USER,
                                            PLATFORM_ROLE_AUDITOR};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        role_app a;
        role_app_make(&a, "tenant-a", refused[i]);
        call_spec spec = role_spec(&a, AW_HTTP_METHOD_GET, "/api/v1/users", NULL, NULL);
        expect_error(&spec, "I2201");
    }
}

/* The audit record of action with target, and that none holds the password. */
static void expect_audited(const char *action, const char *target, const char *detail)
{
    audit_entry entries[64];
    size_t count = 0;
    assert_int_equal(audit_list(fx.admin, 1, entries, 64, &count), AW_OK);
    bool found = false;
    for (size_t i = 0; i < count; i++) {
        assert_null(strstr(entries[i].details, GOOD_PASSWORD));
        assert_null(strstr(entries[i].details, "another long passphrase"));
        if (strcmp(entries[i].action, action) == 0 && strcmp(entries[i].target, target) == 0 &&
            strstr(entries[i].details, detail) != NULL &&
            strcmp(entries[i].actor_role, "security_officer") == 0)
            found = true;
    }
    if (!found)
        print_error("no audit record %s %s %s\n", action, target, detail);
    assert_true(found);
}

static void test_create(void **state)
{
    (void)state;
    role_app officer, admin;
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    role_app_make(&admin, "tenant-a", PLATFORM_ROLE_PLATFORM_ADMIN);
    const char *body = "{\"username\":\"eve.ops\",\"role\":\"operator\","
                       "\"password\":\"another long passphrase\"}";
    call_spec spec = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users", NULL, body);
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "username")), "eve.ops");
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), "tenant-a");
    assert_string_equal(json_string_value(json_object_get(r.body, "role")), "operator");
    assert_true(json_is_true(json_object_get(r.body, "enabled")));
    reply_free(&r);
    expect_audited("user.create", "user:eve.ops", "\"role\":\"operator\"");
    /* the new user logs in */
    platform_user user;
    int64_t retry = 0;
    bool locked = false;
    assert_int_equal(platform_user_login(fx.admin, NULL, &fast_scrypt, "eve.ops",
                                         "another long passphrase", "192.0.2.1", NOW, &user,
                                         &retry, &locked),
                     AW_OK);
    assert_int_equal(user.role, PLATFORM_ROLE_OPERATOR);
    /* in another tenant when the officer names it */
    call_spec other = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users",
                                "tenant=tenant-b",
                                "{\"username\":\"fay\",\"role\":\"tenant_user\","
                                "\"password\":\"another long passphrase\"}");
    expect_ok(&other);
    assert_int_equal(platform_user_get(fx.admin, "fay", &user), AW_OK);
    assert_string_equal(user.tenant, "tenant-b");
    /* names are unique across tenants */
    expect_error(&spec, "A7502");
    /* the password policy */
    call_spec weak = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users", NULL,
                               "{\"username\":\"gil\",\"role\":\"operator\","
                               "\"password\":\"short\"}");
    expect_error(&weak, "A7503");
    weak.body = "{\"username\":\"gil\",\"role\":\"operator\",\"password\":\"qwerty123456\"}";
    expect_error(&weak, "A7503");
    assert_int_equal(platform_user_get(fx.admin, "gil", &user), AW_ERR_NOT_FOUND);
    /* malformed bodies */
    static const char *const bad[] = {
        "{\"username\":\"bad name\",\"role\":\"operator\","
        "\"password\":\"another long passphrase\"}",
        "{\"username\":\"gil\",\"role\":\"root\",\"password\":\"another long passphrase\"}",
        "{\"username\":\"gil\",\"role\":\"operator\",\"password\":\"\"}",
        "{\"username\":\"gil\",\"role\":\"operator\"}",
        "{\"username\":\"gil\",\"role\":\"operator\",\"password\":\"another long passphrase\","
        "\"tenant\":\"tenant-b\"}",
        "{\"username\":7,\"role\":\"operator\",\"password\":\"another long passphrase\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec b = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users", NULL, bad[i]);
        expect_error(&b, "I1002");
    }
    call_spec junk = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users", NULL, "{\"user");
    expect_error(&junk, "I1001");
    /* the platform administrator reads the list but manages no credentials */
    call_spec by_admin = role_spec(&admin, AW_HTTP_METHOD_POST, "/api/v1/users", NULL, body);
    expect_error(&by_admin, "I2201");
}

static void test_role(void **state)
{
    (void)state;
    user_make("hal", "tenant-a", PLATFORM_ROLE_OPERATOR);
    user_make("ivy", "tenant-b", PLATFORM_ROLE_OPERATOR);
    role_app officer;
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    /* hal's console session (a login signed by the test's app) */
    call_spec login = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/login",
                       .body = "{\"username\":\"hal\",\"password\":\"" GOOD_PASSWORD "\"}"};
    reply r = call(&login);
    assert_int_equal(r.status, 200);
    char access[PLATFORM_TOKEN_LENGTH + 1];
    snprintf(access, sizeof(access), "%s",
             json_string_value(json_object_get(r.body, "accessToken")));
    reply_free(&r);
    call_spec audit = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/audit", .bearer = access};
    expect_error(&audit, "I2201");
    call_spec change = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users/hal/role", NULL,
                                 "{\"role\":\"auditor\"}");
    r = call(&change);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "role")), "auditor");
    reply_free(&r);
    expect_audited("user.role", "user:hal", "\"from\":\"operator\"");
    /* the session takes the new role at its next call */
    expect_ok(&audit);
    /* another tenant's user, unless named; unknown and malformed names */
    call_spec foreign = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users/ivy/role", NULL,
                                  "{\"role\":\"auditor\"}");
    expect_error(&foreign, "A7501");
    foreign.query = "tenant=tenant-b";
    expect_ok(&foreign);
    static const char *const unknown[] = {
        "/api/v1/users/nobody/role", "/api/v1/users/bad%20name/role",
        "/api/v1/users/"
        "a123456789012345678901234567890123456789012345678901234567890123456789/role"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        call_spec u = role_spec(&officer, AW_HTTP_METHOD_POST, unknown[i], NULL,
                                "{\"role\":\"auditor\"}");
        expect_error(&u, "A7501");
    }
    /* malformed bodies */
    static const char *const bad[] = {"{\"role\":\"root\"}", "{\"role\":1}", "{}",
                                      "{\"role\":\"auditor\",\"tenant\":\"tenant-b\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec b = role_spec(&officer, AW_HTTP_METHOD_POST, "/api/v1/users/hal/role", NULL,
                                bad[i]);
        expect_error(&b, "I1002");
    }
    /* only the security officer */
    role_app admin;
    role_app_make(&admin, "tenant-a", PLATFORM_ROLE_PLATFORM_ADMIN);
    call_spec by_admin = role_spec(&admin, AW_HTTP_METHOD_POST, "/api/v1/users/hal/role", NULL,
                                   "{\"role\":\"operator\"}");
    expect_error(&by_admin, "I2201");
}

static void test_methods(void **state)
{
    (void)state;
    role_app officer;
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    call_spec spec = role_spec(&officer, AW_HTTP_METHOD_DELETE, "/api/v1/users", NULL, NULL);
    reply r = call(&spec);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "GET, POST");
    reply_free(&r);
    spec = role_spec(&officer, AW_HTTP_METHOD_GET, "/api/v1/users/hal/role", NULL, NULL);
    r = call(&spec);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "POST");
    reply_free(&r);
    /* paths near the route are not it */
    static const char *const other[] = {"/api/v1/users/hal", "/api/v1/users//role",
                                        "/api/v1/users/hal/role/x"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        call_spec o = role_spec(&officer, AW_HTTP_METHOD_POST, other[i], NULL, "{}");
        expect_error(&o, "I1006");
    }
}

/* The library's argument errors. */
static void test_library(void **state)
{
    (void)state;
    platform_user *users = (platform_user *)1;
    size_t count = 1;
    assert_int_equal(platform_user_list(NULL, "tenant-a", 0, NULL, 10, &users, &count),
                     AW_ERR_ARGUMENT);
    assert_null(users);
    assert_int_equal(count, 0);
    assert_int_equal(platform_user_list(fx.admin, "bad tenant", 0, NULL, 10, &users, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", (platform_role)9, NULL, 10, &users,
                                        &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, "bad name", 10, &users, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, NULL, 0, &users, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, NULL,
                                        PLATFORM_USER_PAGE_MAX + 2, &users, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, NULL, 10, NULL, &count),
                     AW_ERR_ARGUMENT);
    /* none: NULL and 0 */
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, NULL, 10, &users, &count),
                     AW_OK);
    assert_null(users);
    assert_int_equal(count, 0);
    /* a row this code did not write: refused, and the route answers I9001 */
    assert_int_equal(db_execute(fx.admin,
                                "INSERT INTO platform_users (username, tenant, role, "
                                "password_hash, enabled, created_at, updated_at) VALUES "
                                "('odd', 'tenant-a', 'root', 'x', 1, 0, 0)",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(platform_user_list(fx.admin, "tenant-a", 0, NULL, 10, &users, &count),
                     AW_ERR_DB_TYPE);
    assert_null(users);
    assert_int_equal(count, 0);
    role_app officer;
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    call_spec spec = role_spec(&officer, AW_HTTP_METHOD_GET, "/api/v1/users", NULL, NULL);
    expect_error(&spec, "I9001");
    assert_int_equal(platform_user_set_role(NULL, "hal", PLATFORM_ROLE_AUDITOR, NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_set_role(fx.admin, "hal", (platform_role)0, NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_set_role(fx.admin, "nobody", PLATFORM_ROLE_AUDITOR, NOW),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_user_set_role(fx.admin, "bad name", PLATFORM_ROLE_AUDITOR, NOW),
                     AW_ERR_NOT_FOUND);
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
        cmocka_unit_test_setup_teardown(test_list, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_create, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_role, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_library, rbac_setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
