/* The web console's part of the platform router (src/platform/api_console.c,
 * docs/console.md): platform_console_file_read (every refusal: traversal,
 * hidden, encoded, unknown type, symlink out of the directory, directory,
 * size, missing directory), the files over HTTPS with their security
 * headers, and the console's unsigned calls: login, a session's bearer
 * token, and each refusal (no token, the app's own token, token issue
 * unsigned, console app unknown, disabled or over its rate; no console
 * configured: every call signed as before); the unsigned logins' own token
 * bucket (a flood refused I3001 with Retry-After while the sessions' calls
 * pass, and the other way round; its settings bounded). */
#include "platform_rbac_testutil.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOOD_PASSWORD "correct horse battery staple"

static char console_dir[PATH_MAX];
static char outside[PATH_MAX];

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* console_dir: index.html, app.js, sub/a.css, a directory named d.js, an
 * inner symlink (ok.js -> app.js) and one out of it (leak.js) */
static void console_dir_make(void)
{
    char base[] = "/tmp/aw-console-XXXXXX";
    assert_non_null(mkdtemp(base));
    snprintf(console_dir, sizeof(console_dir), "%s/console", base);
    snprintf(outside, sizeof(outside), "%s/outside.js", base);
    assert_int_equal(mkdir(console_dir, 0700), 0);
    write_file(console_dir, "index.html", "<!DOCTYPE html><title>t</title>", 31);
    write_file(console_dir, "app.js", "'use strict';", 13);
    write_file(base, "outside.js", "secret", 6);
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/sub", console_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(path, "a.css", "body{}", 6);
    snprintf(path, sizeof(path), "%s/d.js", console_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/ok.js", console_dir);
    assert_int_equal(symlink("app.js", path), 0);
    snprintf(path, sizeof(path), "%s/leak.js", console_dir);
    assert_int_equal(symlink(outside, path), 0);
}

static void console_dir_remove(void)
{
    char command[PATH_MAX + 16];
    snprintf(command, sizeof(command), "rm -rf '%.*s'", (int)(strrchr(console_dir, '/') - console_dir),
             console_dir);
    assert_int_equal(system(command), 0);
}

static void expect_read(const char *name, aw_err expected, const char *type)
{
    char *data = (char *)1;
    size_t len = 1;
    const char *got_type = "x";
    aw_err err = platform_console_file_read(console_dir, name, &data, &len, &got_type);
    if (err != expected)
        print_error("%s: %s, expected %s\n", name, aw_err_name(err), aw_err_name(expected));
    assert_int_equal(err, expected);
    if (expected == AW_OK) {
        assert_non_null(data);
        assert_true(len > 0);
        assert_string_equal(got_type, type);
    } else {
        assert_null(data);
        assert_int_equal(len, 0);
        assert_null(got_type);
    }
    free(data);
}

static void test_file_read(void **state)
{
    (void)state;
    expect_read("index.html", AW_OK, "text/html; charset=utf-8");
    expect_read("app.js", AW_OK, "text/javascript; charset=utf-8");
    expect_read("sub/a.css", AW_OK, "text/css; charset=utf-8");
    expect_read("ok.js", AW_OK, "text/javascript; charset=utf-8"); /* a symlink inside */
    static const char *const refused[] = {
        "", "..", "../outside.js", "sub/../app.js", "./app.js", ".hidden.js", "sub//a.css",
        "/etc/passwd", "sub/", "%2e%2e/outside.js", "app.js%00", "a\\b.js", "app js",
        "missing.js", "app.txt", "noextension", "d.js", "leak.js",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        expect_read(refused[i], AW_ERR_NOT_FOUND, NULL);
    char long_name[200];
    memset(long_name, 'a', sizeof(long_name));
    memcpy(long_name + sizeof(long_name) - 4, ".js", 4);
    expect_read(long_name, AW_ERR_NOT_FOUND, NULL);
    /* one byte over the bound */
    char *big = calloc(1, PLATFORM_CONSOLE_FILE_MAX + 1);
    assert_non_null(big);
    write_file(console_dir, "big.js", big, PLATFORM_CONSOLE_FILE_MAX + 1);
    free(big);
    expect_read("big.js", AW_ERR_LIMIT, NULL);
    /* arguments and an unusable directory */
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    assert_int_equal(platform_console_file_read(NULL, "app.js", &data, &len, &type),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_console_file_read(console_dir, NULL, &data, &len, &type),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_console_file_read(console_dir, "app.js", NULL, &len, &type),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_console_file_read("/nonexistent/console", "app.js", &data, &len,
                                                &type),
                     AW_ERR_IO);
    assert_null(data);
}

/* ---- over HTTPS -------------------------------------------------------------- */

/* The server with the console of app_id and dir, its unsigned logins'
 * bucket of rate per minute and burst (0: the defaults). */
static void console_server_start_limits(const char *app_id, const char *dir, int64_t rate,
                                        int64_t burst)
{
    server_stop();
    server_start_with(&(platform_api_config){.audit = &audit_config,
                                             .password_parameters = &fast_scrypt,
                                             .console_dir = dir, .console_app_id = app_id,
                                             .console_login_rate_per_minute = rate,
                                             .console_login_burst = burst});
}

static void console_server_start(const char *app_id, const char *dir)
{
    console_server_start_limits(app_id, dir, 0, 0);
}

static int console_setup(void **state)
{
    rbac_setup(state);
    console_server_start(fx.app.app_id, console_dir);
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, "dora", "tenant-a", PLATFORM_ROLE_OPERATOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_OK);
    return 0;
}

enum { STATIC_CSP, STATIC_NOSNIFF, STATIC_TYPE, STATIC_CACHE, STATIC_LOCATION, STATIC_FRAME,
       STATIC_COUNT };
static const char *const static_headers[STATIC_COUNT] = {
    "Content-Security-Policy", "X-Content-Type-Options", "Content-Type", "Cache-Control",
    "Location", "X-Frame-Options"};

/* GET (or method) path without any signature header; the answer's status,
 * the static_headers in header[] (freed by the caller), the body's length. */
static int static_get(aw_http_method method, const char *path, char *header[STATIC_COUNT],
                      size_t *body_len)
{
    char url[700];
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, path);
    http_client_request request = {.method = method, .url = url,
                                   .response_header_names = static_headers,
                                   .response_header_count = STATIC_COUNT};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(fx.client, &request, &response), AW_OK);
    int status = response->status;
    for (size_t i = 0; i < STATIC_COUNT; i++)
        header[i] = response->header_values[i] != NULL ? strdup(response->header_values[i])
                                                       : NULL;
    *body_len = response->body_len;
    http_client_response_free(response);
    return status;
}

static void headers_free(char *header[STATIC_COUNT])
{
    for (size_t i = 0; i < STATIC_COUNT; i++)
        free(header[i]);
}

static void test_static_files(void **state)
{
    (void)state;
    char *h[STATIC_COUNT];
    size_t len = 0;
    assert_int_equal(static_get(AW_HTTP_METHOD_GET, "/console/", h, &len), 200);
    assert_int_equal(len, 31);
    assert_string_equal(h[STATIC_TYPE], "text/html; charset=utf-8");
    assert_non_null(strstr(h[STATIC_CSP], "default-src 'self'"));
    assert_non_null(strstr(h[STATIC_CSP], "frame-ancestors 'none'"));
    assert_null(strstr(h[STATIC_CSP], "unsafe"));
    assert_string_equal(h[STATIC_NOSNIFF], "nosniff");
    assert_string_equal(h[STATIC_FRAME], "DENY");
    assert_string_equal(h[STATIC_CACHE], "no-cache");
    headers_free(h);
    assert_int_equal(static_get(AW_HTTP_METHOD_GET, "/console/sub/a.css", h, &len), 200);
    assert_string_equal(h[STATIC_TYPE], "text/css; charset=utf-8");
    headers_free(h);
    assert_int_equal(static_get(AW_HTTP_METHOD_GET, "/console", h, &len), 301);
    assert_string_equal(h[STATIC_LOCATION], "/console/");
    headers_free(h);
    static const char *const refused[] = {"/console/leak.js", "/console/%2e%2e/outside.js",
                                          "/console/.hidden.js", "/console/missing.js"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(static_get(AW_HTTP_METHOD_GET, refused[i], h, &len), 404);
        assert_non_null(h[STATIC_CSP]); /* the refusals carry the headers too */
        headers_free(h);
    }
    char *big = calloc(1, PLATFORM_CONSOLE_FILE_MAX + 1);
    assert_non_null(big);
    write_file(console_dir, "big.js", big, PLATFORM_CONSOLE_FILE_MAX + 1);
    free(big);
    assert_int_equal(static_get(AW_HTTP_METHOD_GET, "/console/big.js", h, &len), 403);
    headers_free(h);
    assert_int_equal(static_get(AW_HTTP_METHOD_POST, "/console/app.js", h, &len), 405);
    headers_free(h);
    /* the console's directory gone: 500, nothing else served */
    console_server_start(fx.app.app_id, "/nonexistent/console");
    assert_int_equal(static_get(AW_HTTP_METHOD_GET, "/console/app.js", h, &len), 500);
    headers_free(h);
    /* no console: the API's own 404 */
    console_server_start(NULL, NULL);
    call_spec none = {.method = AW_HTTP_METHOD_GET, .path = "/console/app.js"};
    expect_error(&none, "I1006");
}

static call_spec unsigned_spec(aw_http_method method, const char *path, const char *body,
                               const char *bearer)
{
    return (call_spec){.method = method, .path = path, .body = body, .bearer = bearer,
                       .omit = {true, true, true, true}};
}

static void login(char access[PLATFORM_TOKEN_LENGTH + 1])
{
    call_spec spec = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/login",
                                   "{\"username\":\"dora\",\"password\":\"" GOOD_PASSWORD "\"}",
                                   NULL);
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    snprintf(access, PLATFORM_TOKEN_LENGTH + 1, "%s",
             json_string_value(json_object_get(r.body, "accessToken")));
    reply_free(&r);
}

static void test_unsigned_session(void **state)
{
    (void)state;
    char access[PLATFORM_TOKEN_LENGTH + 1];
    login(access);
    call_spec ping = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, access);
    reply r = call(&ping);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "username")), "dora");
    assert_string_equal(json_string_value(json_object_get(r.body, "role")), "operator");
    assert_string_equal(json_string_value(json_object_get(r.body, "appId")), fx.app.app_id);
    reply_free(&r);
    /* the user's role still decides: an operator reads no audit log */
    call_spec audit = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/audit", NULL, access);
    expect_error(&audit, "I2201");
    /* a wrong password, unsigned, is the same I2202 */
    call_spec wrong = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/login",
                                    "{\"username\":\"dora\",\"password\":\"not the password\"}",
                                    NULL);
    expect_error(&wrong, "I2202");
    /* no token; a malformed one; the app's own token (signed calls only) */
    call_spec bare = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, NULL);
    expect_error(&bare, "I2101");
    call_spec junk = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, "awat_00");
    expect_error(&junk, "I2102");
    platform_token_pair own = issue(NULL, NULL);
    call_spec app_token = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL,
                                        own.access_token);
    expect_error(&app_token, "I2102");
    /* signed, the app's token works as before */
    call_spec signed_ping = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                             .bearer = own.access_token};
    expect_ok(&signed_ping);
    /* token issue and refresh stay signed */
    call_spec token = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/token", "{}", NULL);
    expect_error(&token, "I2001");
    call_spec refresh = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/refresh", "{}", NULL);
    expect_error(&refresh, "I2001");
    /* logging out revokes the session */
    char body[128];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", access);
    call_spec revoke = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/revoke", body, access);
    expect_ok(&revoke);
    expect_error(&ping, "I2104");
}

static void test_console_app_refusals(void **state)
{
    (void)state;
    char access[PLATFORM_TOKEN_LENGTH + 1];
    login(access);
    call_spec ping = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, access);
    /* the console app disabled: its users' calls stop too */
    assert_int_equal(platform_app_set_enabled(fx.admin, fx.app.app_id, false, NOW), AW_OK);
    expect_error(&ping, "I2003");
    assert_int_equal(platform_app_set_enabled(fx.admin, fx.app.app_id, true, NOW), AW_OK);
    expect_ok(&ping);
    /* a session of another app is not the console's */
    role_app other;
    role_app_make(&other, "tenant-a", PLATFORM_ROLE_OPERATOR);
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(fx.admin, other.app.app_id, 60000, 60000, NOW, &pair),
                     AW_OK);
    assert_int_equal(platform_user_session_bind(fx.admin, "dora", &pair, NOW), AW_OK);
    call_spec foreign = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL,
                                      pair.access_token);
    expect_error(&foreign, "I2102");
    /* that app signs its own calls as before */
    call_spec other_ping = role_spec(&other, AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, NULL);
    expect_ok(&other_ping);
    /* the console app's rate holds for its users together */
    platform_app_limits tight = {.rate_per_minute = 1, .burst = 1, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &tight, NOW), AW_OK);
    console_server_start(fx.app.app_id, console_dir); /* a fresh token bucket */
    expect_ok(&ping);
    expect_error(&ping, "I3001");
    /* a console app that does not exist */
    console_server_start("app00000000000000ff", console_dir);
    call_spec spec = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/login",
                                   "{\"username\":\"dora\",\"password\":\"" GOOD_PASSWORD "\"}",
                                   NULL);
    expect_error(&spec, "I2002");
    /* no console: an unsigned call is refused as before */
    console_server_start(NULL, NULL);
    expect_error(&spec, "I2001");
    expect_error(&ping, "I2001");
}

/* The unsigned logins have a token bucket of their own: a flood of them is
 * refused 429 I3001 with Retry-After while the sessions' calls pass, and a
 * console app out of calls still lets its users log in. */
static void test_login_bucket(void **state)
{
    (void)state;
    char access[PLATFORM_TOKEN_LENGTH + 1];
    console_server_start_limits(fx.app.app_id, console_dir, 1, 2);
    login(access);
    call_spec wrong = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/login",
                                    "{\"username\":\"dora\",\"password\":\"not the password\"}",
                                    NULL);
    expect_error(&wrong, "I2202"); /* a failed login takes from the bucket too */
    call_spec again = unsigned_spec(AW_HTTP_METHOD_POST, "/api/v1/auth/login",
                                    "{\"username\":\"dora\",\"password\":\"" GOOD_PASSWORD "\"}",
                                    NULL);
    reply r = call(&again);
    assert_int_equal(r.status, 429);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I3001");
    /* one login a minute: a whole minute until the next */
    assert_non_null(r.header[REPLY_RETRY_AFTER]);
    assert_string_equal(r.header[REPLY_RETRY_AFTER], "60");
    reply_free(&r);
    /* the session's calls are the console app's, untouched by the logins */
    call_spec ping = unsigned_spec(AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, access);
    for (int i = 0; i < 5; i++)
        expect_ok(&ping);
    /* a signed login is the app's call: its bucket, not the console's logins' */
    call_spec signed_login = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/login",
                              .body = again.body};
    expect_ok(&signed_login);
    /* the other way: the console app out of calls, its users still log in */
    platform_app_limits tight = {.rate_per_minute = 1, .burst = 1, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &tight, NOW), AW_OK);
    console_server_start(fx.app.app_id, console_dir);
    expect_ok(&ping);
    expect_error(&ping, "I3001");
    for (int i = 0; i < 3; i++)
        login(access);
    /* the bucket's settings are bounded */
    server_stop();
    fx.server_db = platform_test_db_open(&fx.tdb);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key, .timeout_ms = 5000};
    test_server_new(&fx.ts, &config);
    platform_api_config bad = {.db = fx.server_db, .keys = fx.ring,
                               .console_login_rate_per_minute = -1};
    platform_api *api = (platform_api *)1;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    assert_null(api);
    bad.console_login_rate_per_minute = 0;
    bad.console_login_burst = PLATFORM_LIMIT_MAX + 1LL;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    assert_null(api);
    test_server_run(&fx.ts);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    console_dir_make();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_read),
        cmocka_unit_test_setup_teardown(test_static_files, console_setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_session, console_setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_app_refusals, console_setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_bucket, console_setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    console_dir_remove();
    test_pki_remove(&pki);
    return failed;
}
