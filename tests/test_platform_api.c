/* Tests of the platform's /api/v1 router (src/platform/api.c) over real
 * HTTPS on loopback: token issue, refresh, revoke and expiry; signatures
 * (valid, wrong secret, wrong body, tampered query, timestamp too old/new,
 * replayed nonce also after a restart, missing or malformed headers);
 * unknown and disabled apps; rate limit and quota (429 + Retry-After; the
 * quota and the nonce in one commit);
 * and on every answer the error body shape and the X-Request-Id header.
 * The server's clock is the test's, so expiry needs no sleeping. SQLite by
 * default; PostgreSQL with the argument "postgresql" under pg-harness.sh.
 * With AW_PLATFORM_RECORD=<file>, every response is appended to file as a
 * JSON line, which tests/platform_openapi_check.js checks against
 * docs/openapi.yaml. */
#include "platform_api_testutil.h"

static call_spec ping_spec(const char *bearer)
{
    return (call_spec){.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping", .bearer = bearer};
}

static platform_token_pair refresh(const char *refresh_token)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", refresh_token);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/refresh", .body = body};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    platform_token_pair pair = {0};
    snprintf(pair.access_token, sizeof(pair.access_token), "%s",
             json_string_value(json_object_get(r.body, "accessToken")));
    snprintf(pair.refresh_token, sizeof(pair.refresh_token), "%s",
             json_string_value(json_object_get(r.body, "refreshToken")));
    reply_free(&r);
    return pair;
}

/* ---- Tokens ------------------------------------------------------------------ */

static void test_token_issue_ping(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL);
    call_spec spec = ping_spec(pair.access_token);
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "appId")), fx.app.app_id);
    assert_string_equal(json_string_value(json_object_get(r.body, "tenant")), "tenant-a");
    assert_int_equal(json_integer_value(json_object_get(r.body, "tokenExpiresAt")),
                     NOW + PLATFORM_DEFAULT_ACCESS_TTL_S * 1000LL);
    assert_int_equal(json_integer_value(json_object_get(r.body, "serverTime")), NOW);
    /* every answer gets its own request id */
    reply again = call(&spec);
    assert_string_not_equal(again.header[REPLY_REQUEST_ID], r.header[REPLY_REQUEST_ID]);
    reply_free(&again);
    reply_free(&r);
    /* the signature also covers a query the route ignores */
    spec.query = "z=9&a=2&a=10&flag";
    expect_ok(&spec);
}

static void test_token_refresh_revoke(void **state)
{
    (void)state;
    platform_token_pair first = issue(NULL, NULL);
    platform_token_pair second = refresh(first.refresh_token);
    call_spec ping = ping_spec(first.access_token);
    expect_error(&ping, "I2104"); /* replaced by the refresh */
    ping = ping_spec(second.access_token);
    expect_ok(&ping);
    /* a refresh token works once */
    char body[128];
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", first.refresh_token);
    call_spec again = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/refresh", .body = body};
    expect_error(&again, "I2104");
    /* an access token is not a refresh token */
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", second.access_token);
    expect_error(&again, "I2102");
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", second.refresh_token);
    expect_error(&again, "I1002"); /* wrong member */
    /* revoke a second pair's access token using the first live one */
    platform_token_pair third = issue(NULL, NULL);
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", third.access_token);
    call_spec revoke = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/revoke", .body = body,
                        .bearer = second.access_token};
    reply r = call(&revoke);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "revoked")));
    reply_free(&r);
    r = call(&revoke); /* again: nothing left to revoke */
    assert_int_equal(r.status, 200);
    assert_true(json_is_false(json_object_get(r.body, "revoked")));
    reply_free(&r);
    ping = ping_spec(third.access_token);
    expect_error(&ping, "I2104");
    /* its refresh token went with it */
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", third.refresh_token);
    expect_error(&again, "I2104");
    /* revoke needs a bearer token */
    revoke.bearer = NULL;
    expect_error(&revoke, "I2101");
}

static void test_token_expiry(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL);
    atomic_store(&clock_ms, NOW + PLATFORM_DEFAULT_ACCESS_TTL_S * 1000LL - 1000);
    call_spec ping = ping_spec(pair.access_token);
    expect_ok(&ping);
    atomic_store(&clock_ms, NOW + PLATFORM_DEFAULT_ACCESS_TTL_S * 1000LL);
    reply r = call(&ping);
    assert_int_equal(r.status, 401);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I2103");
    assert_non_null(r.header[REPLY_WWW_AUTHENTICATE]);
    assert_non_null(strstr(r.header[REPLY_WWW_AUTHENTICATE], "invalid_token"));
    reply_free(&r);
    /* the refresh token still works, until its own expiry */
    platform_token_pair next = refresh(pair.refresh_token);
    atomic_store(&clock_ms, atomic_load(&clock_ms) + PLATFORM_DEFAULT_REFRESH_TTL_S * 1000LL);
    char body[128];
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", next.refresh_token);
    call_spec again = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/refresh", .body = body};
    expect_error(&again, "I2103");
}

static void test_token_request_errors(void **state)
{
    (void)state;
    char other_secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app other = new_app(NULL, other_secret);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/token"};
    /* wrong appSecret (the signature itself is right) */
    char *body = token_body(fx.app.app_id, other_secret);
    spec.body = body;
    expect_error(&spec, "I2007");
    free(body);
    /* the body names another app than the signing one */
    body = token_body(other.app_id, other_secret);
    spec.body = body;
    expect_error(&spec, "I2007");
    free(body);
    /* a shorter secret */
    body = token_body(fx.app.app_id, "abc");
    spec.body = body;
    expect_error(&spec, "I2007");
    free(body);
    spec.body = "{\"appId\": ";
    expect_error(&spec, "I1001");
    spec.body = "[[[[[[[[[[]]]]]]]]]]";
    expect_error(&spec, "I1001");
    spec.body = "{\"appId\":\"x\"}";
    expect_error(&spec, "I1002");
    spec.body = "{\"appId\":\"x\",\"appSecret\":\"y\"}";
    spec.content_type = "text/plain";
    expect_error(&spec, "I1004");
    spec.content_type = "application/json; charset=utf-8"; /* parameters are fine */
    expect_error(&spec, "I2007");
    spec.content_type = "application/jsonx";
    expect_error(&spec, "I1004");
    spec.content_type = NULL;
    char *big = malloc(PLATFORM_JSON_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, ' ', PLATFORM_JSON_MAX_BODY + 1);
    big[0] = '{';
    big[PLATFORM_JSON_MAX_BODY - 1] = '}';
    big[PLATFORM_JSON_MAX_BODY + 1] = '\0';
    spec.body = big;
    expect_error(&spec, "I1003");
    free(big);
}

static void test_bearer_errors(void **state)
{
    (void)state;
    char other_secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app other = new_app(NULL, other_secret);
    platform_token_pair mine = issue(NULL, NULL);
    platform_token_pair theirs = issue(&other, other_secret);
    call_spec ping = ping_spec(NULL);
    reply r = call(&ping);
    assert_int_equal(r.status, 401);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I2101");
    assert_non_null(r.header[REPLY_WWW_AUTHENTICATE]);
    reply_free(&r);
    ping = ping_spec("awat_nonsense");
    expect_error(&ping, "I2102");
    ping = ping_spec(theirs.access_token); /* another app's token */
    expect_error(&ping, "I2102");
    ping = ping_spec(mine.refresh_token);
    expect_error(&ping, "I2102");
    ping = ping_spec(mine.access_token);
    expect_ok(&ping);
}

/* ---- Signatures --------------------------------------------------------------- */

static void test_signature_errors(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL);
    call_spec ping = ping_spec(pair.access_token);
    char wrong[PLATFORM_APP_SECRET_LENGTH + 1];
    memcpy(wrong, fx.secret, sizeof(wrong));
    wrong[5] = wrong[5] == 'a' ? 'b' : 'a';
    ping.secret = wrong;
    expect_error(&ping, "I2004");
    /* the body sent is not the body signed */
    char body[128];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", pair.refresh_token);
    call_spec revoke = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/revoke", .body = body,
                        .bearer = pair.access_token, .signed_body = "{\"token\":\"other\"}"};
    expect_error(&revoke, "I2004");
    /* the query sent is not the query signed */
    ping = ping_spec(pair.access_token);
    ping.query = "a=2";
    ping.signed_query = "a=1";
    expect_error(&ping, "I2004");
    ping.signed_query = NULL;
    ping.query = "a&&b"; /* malformed: refused before any use */
    expect_error(&ping, "I1002");
    /* the timestamp window, both ways */
    ping = ping_spec(pair.access_token);
    ping.timestamp_offset_s = -301;
    expect_error(&ping, "I2005");
    ping.timestamp_offset_s = 301;
    expect_error(&ping, "I2005");
    ping.timestamp_offset_s = -300;
    expect_ok(&ping);
    ping.timestamp_offset_s = 300;
    expect_ok(&ping);
    /* each header missing, then malformed */
    for (size_t i = 0; i < 4; i++) {
        ping = ping_spec(pair.access_token);
        ping.omit[i] = true;
        expect_error(&ping, "I2001");
    }
    ping = ping_spec(pair.access_token);
    ping.signature = "00";
    expect_error(&ping, "I2001");
    ping.signature = NULL;
    ping.nonce = "short";
    expect_error(&ping, "I2001");
    /* unknown app */
    ping = ping_spec(pair.access_token);
    ping.app_id = "app0000000000000000";
    expect_error(&ping, "I2002");
    /* revoke was refused before it ran: the pair still works */
    ping = ping_spec(pair.access_token);
    expect_ok(&ping);
}

static void test_app_disabled(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL);
    assert_int_equal(platform_app_set_enabled(fx.admin, fx.app.app_id, false, NOW), AW_OK);
    call_spec ping = ping_spec(pair.access_token);
    expect_error(&ping, "I2003");
    /* a bad signature is still reported as such: disabled is told only to the app itself */
    ping.secret = "0000000000000000000000000000000000000000000000000000000000000000";
    expect_error(&ping, "I2004");
    assert_int_equal(platform_app_set_enabled(fx.admin, fx.app.app_id, true, NOW), AW_OK);
    ping.secret = NULL;
    expect_ok(&ping);
}

static void test_replay(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL);
    call_spec ping = ping_spec(pair.access_token);
    ping.nonce = "replayed-nonce-000001";
    expect_ok(&ping);
    expect_error(&ping, "I2006");
    /* a refused call (bad signature) does not spend its nonce */
    call_spec fresh = ping_spec(pair.access_token);
    fresh.nonce = "replayed-nonce-000002";
    fresh.signature = "0000000000000000000000000000000000000000000000000000000000000000";
    expect_error(&fresh, "I2004");
    fresh.signature = NULL;
    expect_ok(&fresh);
    /* a restart: new server, new database connection */
    server_stop();
    server_start();
    expect_error(&ping, "I2006");
    expect_error(&fresh, "I2006");
    /* a new nonce passes */
    ping.nonce = "replayed-nonce-000003";
    expect_ok(&ping);
    /* threaded: the calls' nonces went through the committer (three since
     * the restart: two replays, refused there, and the new nonce, whose
     * handler ran again once it committed); otherwise none did */
    platform_order_commit_stats stats;
    platform_api_order_commit_stats(fx.api, &stats);
    assert_int_equal(stats.submissions, committer_thread ? 3 : 0);
}

/* ---- Limits ------------------------------------------------------------------- */

static void test_rate_limit(void **state)
{
    (void)state;
    platform_app_limits limits = {.rate_per_minute = 6, .burst = 2, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    platform_token_pair pair = issue(NULL, NULL); /* the token call counts too */
    call_spec ping = ping_spec(pair.access_token);
    expect_ok(&ping);
    reply r = call(&ping);
    assert_int_equal(r.status, 429);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I3001");
    assert_string_equal(r.header[REPLY_RETRY_AFTER], "10"); /* 60 s / 6 calls */
    reply_free(&r);
    atomic_store(&clock_ms, NOW + 4000);
    r = call(&ping);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.header[REPLY_RETRY_AFTER], "6");
    reply_free(&r);
    atomic_store(&clock_ms, NOW + 10000);
    expect_ok(&ping);
    /* limits are read per call: raising them helps at once */
    limits.burst = 5;
    limits.rate_per_minute = 600;
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    atomic_store(&clock_ms, NOW + 10100);
    expect_ok(&ping);
}

static void test_quota(void **state)
{
    (void)state;
    platform_app_limits limits = {.rate_per_minute = 6000, .burst = 100, .daily_quota = 3};
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app = new_app(&limits, secret);
    platform_token_pair pair = issue(&app, secret);
    call_spec ping = ping_spec(pair.access_token);
    ping.app_id = app.app_id;
    ping.secret = secret;
    expect_ok(&ping);
    expect_ok(&ping);
    reply r = call(&ping);
    assert_int_equal(r.status, 429);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I3002");
    char want[24];
    int64_t midnight = (NOW / 86400000 + 1) * 86400000;
    snprintf(want, sizeof(want), "%lld", (long long)((midnight - NOW) / 1000));
    assert_string_equal(r.header[REPLY_RETRY_AFTER], want);
    reply_free(&r);
    /* the next day (with a new token: the first one has expired by then) */
    atomic_store(&clock_ms, midnight);
    pair = issue(&app, secret);
    ping.bearer = pair.access_token;
    expect_ok(&ping);
    /* the other app is not affected */
    atomic_store(&clock_ms, NOW);
    platform_token_pair mine = issue(NULL, NULL);
    ping = ping_spec(mine.access_token);
    expect_ok(&ping);
}

/* The nonce and the quota commit together (api.c authenticate): a call
 * the quota refuses still spends its nonce; when their commit fails the
 * call is refused and neither is recorded, so the nonce can come again. */
static void test_quota_nonce_one_commit(void **state)
{
    (void)state;
    platform_app_limits limits = {.rate_per_minute = 6000, .burst = 100, .daily_quota = 2};
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app = new_app(&limits, secret);
    platform_token_pair pair = issue(&app, secret); /* the first call of the quota */
    call_spec ping = ping_spec(pair.access_token);
    ping.app_id = app.app_id;
    ping.secret = secret;
    ping.nonce = "quota-nonce-000001";
    expect_ok(&ping);
    ping.nonce = "quota-nonce-000002";
    expect_error(&ping, "I3002");
    expect_error(&ping, "I2006"); /* refused, yet its nonce is spent */
    assert_int_equal(admin_count("SELECT used FROM platform_quota_usage WHERE app_id = ?",
                                 app.app_id),
                     2);

    /* a commit that fails (a deferred foreign key, checked at COMMIT) */
    limits.daily_quota = 100;
    assert_int_equal(platform_app_set_limits(fx.admin, app.app_id, &limits, NOW), AW_OK);
    static const char *const schema[] = {
        "DROP TABLE platform_quota_usage",
        "CREATE TABLE quota_days (day BIGINT PRIMARY KEY)",
        "CREATE TABLE platform_quota_usage (app_id TEXT NOT NULL, day BIGINT NOT NULL, used "
        "BIGINT NOT NULL, PRIMARY KEY (app_id, day), FOREIGN KEY (day) REFERENCES quota_days "
        "(day) DEFERRABLE INITIALLY DEFERRED)",
    };
    for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
        assert_int_equal(db_execute(fx.admin, schema[i], NULL, 0, NULL), AW_OK);
    ping.nonce = "quota-nonce-000003";
    expect_error(&ping, "I9001");
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?",
                                 ping.nonce),
                     0);
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_quota_usage WHERE app_id = ?",
                                 app.app_id),
                     0);
    /* the same nonce passes once the commit can */
    db_param day = DB_PARAM_INT64(NOW / 86400000);
    assert_int_equal(db_execute(fx.admin, "INSERT INTO quota_days (day) VALUES (?)", &day, 1, NULL),
                     AW_OK);
    expect_ok(&ping);
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?",
                                 ping.nonce),
                     1);
}

/* ---- Routing -------------------------------------------------------------------- */

static void test_routing(void **state)
{
    (void)state;
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/auth/token"};
    reply r = call(&spec);
    assert_int_equal(r.status, 405);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I1005");
    assert_string_equal(r.header[REPLY_ALLOW], "POST");
    reply_free(&r);
    spec = (call_spec){.method = AW_HTTP_METHOD_DELETE, .path = "/api/v1/ping"};
    r = call(&spec);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "GET");
    reply_free(&r);
    spec = (call_spec){.method = AW_HTTP_METHOD_PUT, .path = "/api/v1/auth/revoke", .body = "{}"};
    expect_error(&spec, "I1005");
    /* a path no route has, whatever the method: I1006 404 with the JSON
     * error body and X-Request-Id (checked by expect_error), no Allow */
    spec = (call_spec){.method = AW_HTTP_METHOD_GET, .path = "/api/v1/nothing"};
    r = call(&spec);
    assert_int_equal(r.status, 404);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I1006");
    assert_null(r.header[REPLY_ALLOW]);
    reply_free(&r);
    spec = (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v2/x", .body = "{}"};
    expect_error(&spec, "I1006");
}

static void test_api_new_errors(void **state)
{
    (void)state;
    platform_api *api = (platform_api *)&api; /* set to NULL on every refusal */
    platform_api_config good = {.db = fx.admin, .keys = fx.ring};
    assert_int_equal(platform_api_new(fx.ts.server, NULL, &api), AW_ERR_ARGUMENT);
    assert_null(api);
    assert_int_equal(platform_api_new(NULL, &good, &api), AW_ERR_ARGUMENT);
    assert_int_equal(platform_api_new(fx.ts.server, &good, NULL), AW_ERR_ARGUMENT);
    platform_api_config bad = good;
    bad.db = NULL;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad = good;
    bad.keys = NULL;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad = good;
    bad.timestamp_window_s = -1;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad = good;
    bad.access_ttl_s = -1;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad = good;
    bad.refresh_ttl_s = -1;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad = good;
    bad.quota_utc_offset_minutes = 841;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    bad.quota_utc_offset_minutes = -841;
    assert_int_equal(platform_api_new(fx.ts.server, &bad, &api), AW_ERR_ARGUMENT);
    /* the fixture's API already holds the routes of this server */
    assert_int_equal(platform_api_new(fx.ts.server, &good, &api), AW_ERR_STATE);
    assert_null(api);
    platform_api_free(NULL);
}

int main(int argc, char **argv)
{
    int arg = 1;
    if (argc > arg && strcmp(argv[arg], "postgresql") == 0) {
        arg++;
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    /* every call's chain writes through the committer thread */
    committer_thread = argc > arg && strcmp(argv[arg], "threaded") == 0;
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads(); /* test_server_halt stops the loop from this thread */
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_issue_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_refresh_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_request_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bearer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_nonce_one_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_new_errors, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
