/* Tests of roles and permissions (src/platform/rbac.c, api_rbac.c, users.c;
 * docs/rbac.md): the role -> permission table against docs/rbac.md and the
 * separation of duties; the route table against docs/openapi.yaml (every
 * route has a permission); every role against every route of the table
 * over HTTPS (allowed or I2201 as the table says), a route without an entry
 * refused; roles of apps; console users (policy, duplicates, disable) and
 * POST /api/v1/auth/login (success as the user's role and tenant, wrong
 * password I2202, lockout I2203 with Retry-After, disabled user's session
 * revoked, a session's refresh token refused). SQLite by default,
 * PostgreSQL with argument "postgresql". */
#include "platform_rbac_testutil.h"

#include <signal.h>
#include <unistd.h>

#include <event2/thread.h>

#include "core/file.h"

static const platform_role all_roles[PLATFORM_ROLE_COUNT] = {
    PLATFORM_ROLE_PLATFORM_ADMIN, PLATFORM_ROLE_OPERATOR, PLATFORM_ROLE_TENANT_USER,
    PLATFORM_ROLE_AUDITOR, PLATFORM_ROLE_SECURITY_OFFICER};

/* ---- The model ---------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < PLATFORM_ROLE_COUNT; i++) {
        const char *name = platform_role_name(all_roles[i]);
        assert_non_null(name);
        assert_int_equal(platform_role_from_name(name), all_roles[i]);
        /* every role opens a session */
        assert_true(platform_role_allows(all_roles[i], PLATFORM_PERMISSION_SESSION));
    }
    assert_null(platform_role_name(0));
    assert_null(platform_role_name((platform_role)6));
    assert_int_equal(platform_role_from_name("root"), 0);
    assert_int_equal(platform_role_from_name(NULL), 0);
    for (int p = 0; p < PLATFORM_PERMISSION__COUNT; p++)
        assert_non_null(platform_permission_name((platform_permission)p));
    assert_null(platform_permission_name(PLATFORM_PERMISSION__COUNT));
    assert_false(platform_role_allows(0, PLATFORM_PERMISSION_SESSION));
    assert_false(platform_role_allows(PLATFORM_ROLE_PLATFORM_ADMIN, PLATFORM_PERMISSION__COUNT));
    assert_false(platform_role_cross_tenant(PLATFORM_ROLE_TENANT_USER));
    assert_false(platform_role_cross_tenant(0));
    assert_true(platform_role_cross_tenant(PLATFORM_ROLE_OPERATOR));
}

/* GB/T 22239-2019 three-administrator split, as docs/rbac.md states it. */
static void test_separation_of_duties(void **state)
{
    (void)state;
    static const platform_permission changes[] = {
        PLATFORM_PERMISSION_ORDERS_WRITE,       PLATFORM_PERMISSION_CARDS_OPERATE,
        PLATFORM_PERMISSION_CALLBACKS_MANAGE,   PLATFORM_PERMISSION_DEAD_LETTERS_REPLAY,
        PLATFORM_PERMISSION_INVENTORY_MANAGE,   PLATFORM_PERMISSION_SECURITY_MANAGE,
        PLATFORM_PERMISSION_EXCEPTIONS_HANDLE,  PLATFORM_PERMISSION_REVIEWS_WRITE};
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
        assert_false(platform_role_allows(PLATFORM_ROLE_AUDITOR, changes[i]));
    assert_true(platform_role_allows(PLATFORM_ROLE_AUDITOR, PLATFORM_PERMISSION_AUDIT_READ));
    /* the security officer: credentials, the users' list and the location
     * policy (a security policy, docs/location.md) only, no business data */
    for (int p = 0; p < PLATFORM_PERMISSION__COUNT; p++)
        assert_int_equal(platform_role_allows(PLATFORM_ROLE_SECURITY_OFFICER, (platform_permission)p),
                         p == PLATFORM_PERMISSION_SESSION || p == PLATFORM_PERMISSION_SECURITY_MANAGE ||
                             p == PLATFORM_PERMISSION_USERS_READ ||
                             p == PLATFORM_PERMISSION_LOCATION_POLICY_MANAGE);
    /* only the auditor reads the audit log; only the officer manages credentials */
    for (size_t i = 0; i < PLATFORM_ROLE_COUNT; i++) {
        assert_int_equal(platform_role_allows(all_roles[i], PLATFORM_PERMISSION_AUDIT_READ),
                         all_roles[i] == PLATFORM_ROLE_AUDITOR);
        assert_int_equal(platform_role_allows(all_roles[i], PLATFORM_PERMISSION_SECURITY_MANAGE),
                         all_roles[i] == PLATFORM_ROLE_SECURITY_OFFICER);
    }
}

/* docs/rbac.md: one row "| `name` | x/- ... |" per permission, columns in
 * the order of all_roles; it must say what the code does. */
static void test_docs_table(void **state)
{
    (void)state;
    char *doc = platform_test_source_file("docs/rbac.md");
    assert_non_null(strstr(doc, "| permission | platform_admin | operator | tenant_user | auditor "
                                "| security_officer |"));
    for (int p = 0; p < PLATFORM_PERMISSION__COUNT; p++) {
        char start[64];
        snprintf(start, sizeof(start), "\n| `%s` |", platform_permission_name((platform_permission)p));
        const char *row = strstr(doc, start);
        if (row == NULL)
            print_error("docs/rbac.md has no row for %s\n", start + 1);
        assert_non_null(row);
        row += strlen(start);
        for (size_t r = 0; r < PLATFORM_ROLE_COUNT; r++) {
            row += strspn(row, " ");
            bool yes = row[0] == 'x';
            assert_true(row[0] == 'x' || row[0] == '-');
            if (yes != platform_role_allows(all_roles[r], (platform_permission)p))
                print_error("docs/rbac.md %s, %s\n", start + 1, platform_role_name(all_roles[r]));
            assert_int_equal(yes, platform_role_allows(all_roles[r], (platform_permission)p));
            row = strchr(row, '|');
            assert_non_null(row);
            row++;
        }
    }
    free(doc);
}

/* ---- The route table ---------------------------------------------------------------- */

static aw_http_method method_of(const char *name)
{
    static const struct {
        const char *name;
        aw_http_method method;
    } methods[] = {{"get", AW_HTTP_METHOD_GET},   {"post", AW_HTTP_METHOD_POST},
                   {"put", AW_HTTP_METHOD_PUT},   {"delete", AW_HTTP_METHOD_DELETE},
                   {"patch", AW_HTTP_METHOD_PATCH}};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(methods[i].name, name) == 0)
            return methods[i].method;
    return 0;
}

/* Every operation of docs/openapi.yaml ("  /path:" then "    method:") has
 * an entry (the reverse, every entry documented, is the route owners'
 * docs; entries are checked to name a permission). */
static void test_route_table_covers_openapi(void **state)
{
    (void)state;
    char *yaml = platform_test_source_file("docs/openapi.yaml");
    size_t count = 0;
    const platform_route_permission *table = platform_route_permissions(&count);
    assert_true(count > 0);
    bool *seen = calloc(count, sizeof(bool));
    assert_non_null(seen);
    char path[256] = "";
    size_t operations = 0;
    for (char *line = strtok(yaml, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "  /", 3) == 0) {
            size_t len = strcspn(line + 2, ":");
            snprintf(path, sizeof(path), "%.*s", (int)len, line + 2);
            continue;
        }
        if (line[0] != ' ' && line[0] != '\0')
            path[0] = '\0'; /* left paths: */
        char name[16];
        if (path[0] == '\0' || strncmp(line, "    ", 4) != 0 || line[4] == ' ' ||
            sscanf(line + 4, "%15[a-z]:", name) != 1 || method_of(name) == 0)
            continue;
        operations++;
        platform_permission permission;
        if (platform_route_permission_find(method_of(name), path, &permission) != AW_OK)
            print_error("no permission entry for %s %s\n", name, path);
        assert_int_equal(platform_route_permission_find(method_of(name), path, &permission),
                         AW_OK);
        for (size_t i = 0; i < count; i++)
            if (table[i].method == method_of(name) && strcmp(table[i].pattern, path) == 0)
                seen[i] = true;
    }
    assert_true(operations >= 22); /* the file was read: every route of issue 6 */
    /* one entry per route */
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++)
            assert_false(table[i].method == table[j].method &&
                         strcmp(table[i].pattern, table[j].pattern) == 0);
    size_t documented = 0;
    for (size_t i = 0; i < count; i++) {
        if (!seen[i])
            print_error("note: %s %s is not in docs/openapi.yaml yet\n",
                        http_method_name(table[i].method), table[i].pattern);
        documented += seen[i] ? 1 : 0;
        assert_non_null(platform_permission_name(table[i].permission));
    }
    assert_int_equal(documented, operations);
    free(seen);
    free(yaml);
}

static void test_route_find(void **state)
{
    (void)state;
    platform_permission p = PLATFORM_PERMISSION__COUNT;
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_POST, "/api/v1/orders/ord_1/cancel", &p),
                     AW_OK);
    assert_int_equal(p, PLATFORM_PERMISSION_ORDERS_WRITE);
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_GET, "/api/v1/callbacks/dead-letters", &p),
                     AW_OK);
    assert_int_equal(p, PLATFORM_PERMISSION_DEAD_LETTERS_READ);
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_DELETE, "/api/v1/callbacks/cb_1", &p),
                     AW_OK);
    assert_int_equal(p, PLATFORM_PERMISSION_CALLBACKS_MANAGE);
    /* no entry: another method, an empty or extra segment, a prefix */
    static const char *const misses[] = {"/api/v1/orders//cancel", "/api/v1/orders/x/cancel/",
                                         "/api/v1/orders/x/cancel/y", "/api/v1/order",
                                         "/api/v1/orders/", "", "/"};
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_POST, misses[i], &p),
                         AW_ERR_NOT_FOUND);
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_PUT, "/api/v1/orders", &p),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_GET, NULL, &p), AW_ERR_ARGUMENT);
    assert_int_equal(platform_route_permission_find(AW_HTTP_METHOD_GET, "/", NULL), AW_ERR_ARGUMENT);
}

/* ---- Every role on every route ------------------------------------------------------- */

/* The call's answer status and code ("" for 200). */
static int call_code(const call_spec *spec, char code[8])
{
    reply r = call(spec);
    int status = r.status;
    snprintf(code, 8, "%s", status == 200 ? "" : json_string_value(json_object_get(r.body, "code")));
    reply_free(&r);
    return status;
}

/* pattern with "{...}" segments as "zz0". */
static void sample_path(const char *pattern, char *out, size_t size)
{
    size_t n = 0;
    while (*pattern != '\0' && n + 4 < size) {
        if (*pattern == '{') {
            memcpy(out + n, "zz0", 3);
            n += 3;
            pattern = strchr(pattern, '}') + 1;
        } else {
            out[n++] = *pattern++;
        }
    }
    out[n] = '\0';
}

static void test_every_role_every_route(void **state)
{
    (void)state;
    size_t count = 0;
    const platform_route_permission *table = platform_route_permissions(&count);
    for (size_t r = 0; r < PLATFORM_ROLE_COUNT; r++) {
        role_app a;
        role_app_make(&a, "tenant-a", all_roles[r]);
        for (size_t i = 0; i < count; i++) {
            char path[128];
            sample_path(table[i].pattern, path, sizeof(path));
            /* a body for the routes that take one (PUT: helper profilelimit) */
            bool post = table[i].method == AW_HTTP_METHOD_POST ||
                        table[i].method == AW_HTTP_METHOD_PUT;
            call_spec spec = role_spec(&a, table[i].method, path, NULL, post ? "{}" : NULL);
            char code[8];
            int status = call_code(&spec, code);
            bool refused = status == 403 && strcmp(code, "I2201") == 0;
            bool allowed = platform_role_allows(all_roles[r], table[i].permission);
            if (refused == allowed)
                print_error("%s %s as %s: %d %s\n", http_method_name(table[i].method), path,
                            platform_role_name(all_roles[r]), status, code);
            assert_int_not_equal(refused, allowed);
        }
    }
}

/* A route the table does not list is refused before its handler (fail
 * closed), whatever the role. */
static void test_unlisted_route_refused(void **state)
{
    (void)state;
    role_app admin;
    role_app_make(&admin, "ops", PLATFORM_ROLE_PLATFORM_ADMIN);
    call_spec spec = role_spec(&admin, AW_HTTP_METHOD_GET, UNLISTED_PATH, NULL, NULL);
    /* not an API route: kept out of the OpenAPI check's recording */
    char *record_path = getenv("AW_PLATFORM_RECORD") != NULL
                            ? strdup(getenv("AW_PLATFORM_RECORD"))
                            : NULL;
    unsetenv("AW_PLATFORM_RECORD");
    expect_error(&spec, "I2201");
    if (record_path != NULL)
        setenv("AW_PLATFORM_RECORD", record_path, 1);
    free(record_path);
    spec = role_spec(&admin, AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, NULL);
    expect_ok(&spec);
}

/* ---- Roles of apps ------------------------------------------------------------------------ */

static void test_app_roles(void **state)
{
    (void)state;
    platform_role role = 0;
    assert_int_equal(platform_app_role_get(fx.admin, fx.app.app_id, &role), AW_OK);
    assert_int_equal(role, PLATFORM_ROLE_TENANT_USER); /* never given one */
    assert_int_equal(platform_app_role_set(fx.admin, fx.app.app_id, PLATFORM_ROLE_AUDITOR, NOW),
                     AW_OK);
    assert_int_equal(platform_app_role_get(fx.admin, fx.app.app_id, &role), AW_OK);
    assert_int_equal(role, PLATFORM_ROLE_AUDITOR);
    assert_int_equal(platform_app_role_set(fx.admin, fx.app.app_id, PLATFORM_ROLE_OPERATOR, NOW),
                     AW_OK);
    assert_int_equal(platform_app_role_get(fx.admin, fx.app.app_id, &role), AW_OK);
    assert_int_equal(role, PLATFORM_ROLE_OPERATOR);
    /* errors */
    assert_int_equal(platform_app_role_set(fx.admin, "app0000000000000099", PLATFORM_ROLE_AUDITOR,
                                           NOW),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_role_set(fx.admin, fx.app.app_id, (platform_role)9, NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_app_role_get(fx.admin, "bad id!", &role),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(role, 0);
    assert_int_equal(platform_app_role_get(NULL, fx.app.app_id, &role), AW_ERR_ARGUMENT);
    /* a row this code did not write */
    assert_int_equal(db_execute(fx.admin, "UPDATE platform_app_roles SET role = 'root'", NULL, 0,
                                NULL),
                     AW_OK);
    assert_int_equal(platform_app_role_get(fx.admin, fx.app.app_id, &role), AW_ERR_DB_TYPE);
}

/* ---- Console users ----------------------------------------------------------------------- */

#define GOOD_PASSWORD "correct horse battery staple"

static void test_users(void **state)
{
    (void)state;
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, "alice", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_OK);
    assert_string_equal(user.username, "alice");
    assert_int_equal(user.role, PLATFORM_ROLE_AUDITOR);
    assert_true(user.enabled);
    /* stored as an scrypt PHC string, never in clear */
    char *hash = NULL;
    db_rows *rows = NULL;
    assert_int_equal(db_query(fx.admin, "SELECT password_hash FROM platform_users", NULL, 0, &rows),
                     AW_OK);
    bool has_row = false;
    const char *text = NULL;
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    hash = strdup(text);
    db_rows_free(rows);
    assert_int_equal(strncmp(hash, "$scrypt$ln=14,r=8,p=1$", 22), 0);
    assert_null(strstr(hash, GOOD_PASSWORD));
    assert_int_equal(password_verify(GOOD_PASSWORD, hash), AW_OK);
    free(hash);
    /* errors of create */
    assert_int_equal(platform_user_create(fx.admin, "alice", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_ERR_STATE);
    assert_int_equal(platform_user_create(fx.admin, "bob", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          "short", &fast_scrypt, NOW, &user),
                     AW_ERR_PASSWORD_TOO_SHORT);
    assert_int_equal(platform_user_create(fx.admin, "bob", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          "password1234", &fast_scrypt, NOW, &user),
                     AW_ERR_PASSWORD_COMMON);
    assert_int_equal(platform_user_create(fx.admin, "bad name", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_create(fx.admin, "bob", "tenant a", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_create(fx.admin, "bob", "tenant-a", (platform_role)0,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_get(fx.admin, "bob", &user), AW_ERR_NOT_FOUND);
    assert_int_equal(platform_user_get(fx.admin, "bad name", &user), AW_ERR_NOT_FOUND);
    /* password change and enable */
    assert_int_equal(platform_user_set_password(fx.admin, "alice", "another long secret phrase",
                                                &fast_scrypt, NOW + 1),
                     AW_OK);
    assert_int_equal(platform_user_set_password(fx.admin, "nobody", "another long secret phrase",
                                                &fast_scrypt, NOW + 1),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_user_set_password(fx.admin, "alice", "alice", &fast_scrypt, NOW),
                     AW_ERR_PASSWORD_TOO_SHORT);
    assert_int_equal(platform_user_set_enabled(fx.admin, "alice", false, NOW + 2), AW_OK);
    assert_int_equal(platform_user_get(fx.admin, "alice", &user), AW_OK);
    assert_false(user.enabled);
    assert_int_equal(user.updated_at_ms, NOW + 2);
    assert_int_equal(platform_user_set_enabled(fx.admin, "nobody", true, NOW), AW_ERR_NOT_FOUND);
    assert_int_equal(platform_user_set_enabled(fx.admin, "bad name", true, NOW), AW_ERR_NOT_FOUND);
}

static call_spec login_spec(const char *username, const char *password, char *body, size_t size)
{
    snprintf(body, size, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
    return (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/login", .body = body};
}

static void test_login(void **state)
{
    (void)state;
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, "carol", "tenant-b", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_OK);
    char body[256];
    call_spec spec = login_spec("carol", GOOD_PASSWORD, body, sizeof(body));
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "role")), "auditor");
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), "tenant-b");
    assert_null(json_object_get(r.body, "refreshToken")); /* sessions are not refreshed */
    char access[PLATFORM_TOKEN_LENGTH + 1];
    snprintf(access, sizeof(access), "%s", json_string_value(json_object_get(r.body, "accessToken")));
    reply_free(&r);
    /* the session acts as carol: her tenant, her role (no order writes) */
    call_spec ping = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping", .bearer = access};
    r = call(&ping);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), "tenant-b");
    assert_string_equal(json_string_value(json_object_get(r.body, "role")), "auditor");
    assert_string_equal(json_string_value(json_object_get(r.body, "username")), "carol");
    reply_free(&r);
    call_spec cancel = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders/ord_1/cancel",
                        .bearer = access};
    expect_error(&cancel, "I2201");
    /* the session's pair cannot be refreshed into an app pair: the refresh
     * token is never handed out, and a bound one is refused */
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(fx.admin, fx.app.app_id, 60000, 60000, NOW, &pair),
                     AW_OK);
    assert_int_equal(platform_user_session_bind(fx.admin, "carol", &pair, NOW), AW_OK);
    char refresh_body[160];
    snprintf(refresh_body, sizeof(refresh_body), "{\"refreshToken\":\"%s\"}", pair.refresh_token);
    call_spec refresh = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/refresh",
                         .body = refresh_body};
    expect_error(&refresh, "I2102");
    /* wrong password and unknown user: the same answer */
    call_spec wrong = login_spec("carol", "not her password at all", body, sizeof(body));
    expect_error(&wrong, "I2202");
    call_spec nobody = login_spec("nobody", GOOD_PASSWORD, body, sizeof(body));
    expect_error(&nobody, "I2202");
    /* malformed bodies */
    call_spec bad = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/login",
                     .body = "{\"username\":\"bad name\",\"password\":\"x\"}"};
    expect_error(&bad, "I1002");
    bad.body = "{\"username\":\"carol\",\"password\":\"\"}";
    expect_error(&bad, "I1002");
    bad.body = "{\"username\":\"carol\",\"password\":\"x\",\"role\":\"platform_admin\"}";
    expect_error(&bad, "I1002");
    /* disabling carol ends her session */
    assert_int_equal(platform_user_set_enabled(fx.admin, "carol", false, NOW), AW_OK);
    expect_error(&ping, "I2104");
    call_spec disabled = login_spec("carol", GOOD_PASSWORD, body, sizeof(body));
    expect_error(&disabled, "I2202");
}

static void test_login_lockout(void **state)
{
    (void)state;
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, "dave", "tenant-a", PLATFORM_ROLE_OPERATOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_OK);
    char body[256];
    /* THROTTLE_POLICY_DEFAULT: the fifth failure locks the account a minute */
    for (int i = 0; i < 5; i++) {
        call_spec wrong = login_spec("dave", "not the password at all", body, sizeof(body));
        expect_error(&wrong, "I2202");
    }
    call_spec right = login_spec("dave", GOOD_PASSWORD, body, sizeof(body));
    reply r = call(&right);
    assert_int_equal(r.status, 429);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I2203");
    assert_string_equal(r.header[REPLY_RETRY_AFTER], "60");
    reply_free(&r);
    atomic_store(&clock_ms, NOW + 61 * 1000);
    right = login_spec("dave", GOOD_PASSWORD, body, sizeof(body));
    expect_ok(&right);
    /* library errors */
    int64_t wait_s = 0;
    bool locked = false;
    assert_int_equal(platform_user_login(fx.admin, NULL, &fast_scrypt, "dave", NULL, "127.0.0.1",
                                         NOW, &user, &wait_s, &locked),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_session_find(fx.admin, "awat_x", NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_session_bind(fx.admin, "bad name", &(platform_token_pair){0},
                                                NOW),
                     AW_ERR_ARGUMENT);
    bool is_session = true;
    assert_int_equal(platform_user_session_is_refresh(fx.admin, NULL, &is_session),
                     AW_ERR_ARGUMENT);
    assert_false(is_session);
    assert_int_equal(platform_user_get(NULL, "dave", &user), AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_set_password(fx.admin, "dave", NULL, &fast_scrypt, NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_set_enabled(NULL, "dave", true, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_user_create(NULL, "erin", "tenant-a", PLATFORM_ROLE_AUDITOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_rbac_migrate(NULL), AW_ERR_ARGUMENT);
    /* a session of a user disabled behind the tokens' back: refused itself */
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(fx.admin, fx.app.app_id, 60000, 60000, NOW, &pair),
                     AW_OK);
    assert_int_equal(platform_user_session_bind(fx.admin, "dave", &pair, NOW), AW_OK);
    assert_int_equal(platform_user_session_find(fx.admin, pair.access_token, &user), AW_OK);
    assert_string_equal(user.username, "dave");
    assert_int_equal(db_execute(fx.admin, "UPDATE platform_users SET enabled = 0", NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(platform_user_session_find(fx.admin, pair.access_token, &user),
                     AW_ERR_PLATFORM_TOKEN_REVOKED);
    assert_string_equal(user.username, "");
    assert_int_equal(platform_user_session_find(fx.admin, "awat_unbound", &user), AW_ERR_NOT_FOUND);
    /* housekeeping: bindings of pairs long expired go, live ones stay */
    int64_t deleted = -1;
    assert_int_equal(platform_user_session_purge(fx.admin, NOW, &deleted), AW_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(platform_user_session_purge(fx.admin, NOW + 60000 + 1, &deleted), AW_OK);
    assert_true(deleted >= 1);
    assert_int_equal(platform_user_session_find(fx.admin, pair.access_token, &user),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_user_session_purge(NULL, NOW, &deleted), AW_ERR_ARGUMENT);
    /* the login body parser */
    char name[PLATFORM_USERNAME_MAX + 1];
    char password[PASSWORD_BYTES_MAX + 1];
    static const char ok[] = "{\"username\":\"dave\",\"password\":\"pw\"}";
    assert_int_equal(platform_json_parse_login((const uint8_t *)ok, strlen(ok), name, password),
                     AW_OK);
    assert_string_equal(name, "dave");
    assert_string_equal(password, "pw");
    static const char broken[] = "{\"username\":";
    assert_int_equal(platform_json_parse_login((const uint8_t *)broken, strlen(broken), name,
                                               password),
                     AW_ERR_PLATFORM_JSON);
    assert_string_equal(name, "");
    static const char missing[] = "{\"username\":\"dave\"}";
    assert_int_equal(platform_json_parse_login((const uint8_t *)missing, strlen(missing), name,
                                               password),
                     AW_ERR_PLATFORM_FIELD);
    assert_string_equal(password, "");
    assert_int_equal(platform_json_parse_login(NULL, 0, name, password), AW_ERR_ARGUMENT);
}

/* The audit checkpoint key of a server: both suites, and the refusals. */
static void test_audit_key_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/aw_rbac_key_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/audit.pem", dir);
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t i = 0; i < 2; i++) {
        crypto_suite_support support;
        if (crypto_suite_query(suites[i], &support) != AW_OK)
            continue; /* SM2 absent from this OpenSSL */
        crypto_suite_key *made = NULL;
        assert_int_equal(crypto_suite_key_generate(suites[i], &made), AW_OK);
        char *pem = NULL;
        size_t len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(made, &pem, &len), AW_OK);
        assert_int_equal(aw_file_write_atomic(path, (const uint8_t *)pem, len, 0600), AW_OK);
        free(pem);
        audit_options options;
        crypto_suite_key *key = NULL;
        assert_int_equal(platform_audit_key_load(path, 7, &options, &key), AW_OK);
        assert_int_equal(options.suite, suites[i]);
        assert_ptr_equal(options.checkpoint_key, key);
        assert_int_equal(options.checkpoint_interval, 7);
        crypto_suite_key_free(key);
        /* a public key is no checkpoint key */
        assert_int_equal(crypto_suite_key_export_public_pem(made, &pem, &len), AW_OK);
        assert_int_equal(aw_file_write_atomic(path, (const uint8_t *)pem, len, 0600), AW_OK);
        free(pem);
        assert_int_equal(platform_audit_key_load(path, 7, &options, &key), AW_ERR_SUITE_MISMATCH);
        assert_null(key);
        assert_null(options.checkpoint_key);
        crypto_suite_key_free(made);
    }
    audit_options options;
    crypto_suite_key *key = NULL;
    assert_int_equal(platform_audit_key_load(path, 0, &options, &key), AW_ERR_ARGUMENT);
    assert_int_equal(platform_audit_key_load(path, 1000001, &options, &key), AW_ERR_ARGUMENT);
    unlink(path);
    assert_int_equal(platform_audit_key_load(path, 7, &options, &key), AW_ERR_NOT_FOUND);
    rmdir(dir);
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
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_separation_of_duties),
        cmocka_unit_test(test_docs_table),
        cmocka_unit_test(test_route_table_covers_openapi),
        cmocka_unit_test(test_route_find),
        cmocka_unit_test(test_audit_key_load),
        cmocka_unit_test_setup_teardown(test_every_role_every_route, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlisted_route_refused, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_roles, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, rbac_setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_lockout, rbac_setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
