/* airwritectl's API client (src/cli/airwritectl_client.h) against the real
 * /api/v1 router on loopback: tokens issued, cached (mode 0600), reused,
 * refreshed on expiry, renewed when the platform refuses them (revoked,
 * expired before the cache says); error answers with their code, requestId
 * and exit status (bad secret, unknown order); 429 Retry-After waited out
 * within the bound and reported beyond it; no answer and answers that are
 * not JSON; the token cache's refusals; and the small parsers. */
#include "airwritectl_testutil.h"

#include <fcntl.h>

static aw_err ping(ctl_client *client, ctl_response *response, ctl_error *error)
{
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping"};
    return ctl_client_call(client, &request, response, error);
}

static void expect_ping_ok(ctl_client *client)
{
    ctl_response response;
    ctl_error error;
    assert_int_equal(ping(client, &response, &error), AW_OK);
    assert_int_equal(response.status, 200);
    assert_string_equal(json_string_value(json_object_get(response.json, "appId")),
                        fx.app.app_id);
    assert_int_equal(strlen(response.request_id), PLATFORM_REQUEST_ID_LENGTH);
    ctl_response_clear(&response);
}

static ctl_token token_of(ctl_client *client, bool force, ctl_token_source want)
{
    ctl_token token;
    ctl_token_source source;
    ctl_error error;
    assert_int_equal(ctl_client_token(client, force, &token, &source, &error), AW_OK);
    assert_int_equal(source, want);
    assert_int_equal(strncmp(token.access_token, "awat_", 5), 0);
    assert_int_equal(strncmp(token.refresh_token, "awrt_", 5), 0);
    return token;
}

static int setup(void **state)
{
    (void)state;
    fixture_start(NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_stop();
    return 0;
}

/* ---- Tokens ------------------------------------------------------------------ */

static void test_token_issued_cached_reused(void **state)
{
    (void)state;
    ctl_client *client = fixture_client(NULL, fx.cache, 0);
    ctl_token first = token_of(client, false, CTL_TOKEN_ISSUED);
    int64_t now = fixture_clock(NULL);
    assert_true(first.access_expires_at_ms > now + (PLATFORM_DEFAULT_ACCESS_TTL_S - 5) * 1000);
    assert_true(first.refresh_expires_at_ms > now + (PLATFORM_DEFAULT_REFRESH_TTL_S - 5) * 1000LL);
    struct stat st;
    assert_int_equal(stat(fx.cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* held by the client for its next calls */
    ctl_token again = token_of(client, false, CTL_TOKEN_MEMORY);
    assert_string_equal(again.access_token, first.access_token);
    expect_ping_ok(client);
    ctl_client_free(client);
    /* another run reads the cache */
    client = fixture_client(NULL, fx.cache, 0);
    again = token_of(client, false, CTL_TOKEN_CACHED);
    assert_string_equal(again.access_token, first.access_token);
    assert_int_equal(again.access_expires_at_ms, first.access_expires_at_ms);
    expect_ping_ok(client);
    /* --new: renewed through the refresh token, which then is spent */
    ctl_token renewed = token_of(client, true, CTL_TOKEN_REFRESHED);
    assert_string_not_equal(renewed.access_token, first.access_token);
    expect_ping_ok(client);
    ctl_client_free(client);
    ctl_token cached;
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, fx.app.app_id, &cached), AW_OK);
    assert_string_equal(cached.access_token, renewed.access_token);
    /* no cache: a new token per client */
    client = fixture_client(NULL, NULL, 0);
    ctl_token own = token_of(client, false, CTL_TOKEN_ISSUED);
    assert_string_not_equal(own.access_token, renewed.access_token);
    ctl_client_free(client);
}

static void test_token_expired_refreshed(void **state)
{
    (void)state;
    ctl_client *client = fixture_client(NULL, fx.cache, 0);
    ctl_token first = token_of(client, false, CTL_TOKEN_ISSUED);
    /* within the margin before its expiry: renewed before it is used */
    atomic_store(&clock_offset_ms, (PLATFORM_DEFAULT_ACCESS_TTL_S - CTL_TOKEN_MARGIN_S + 1) * 1000LL);
    expect_ping_ok(client);
    ctl_token now = token_of(client, false, CTL_TOKEN_MEMORY);
    assert_string_not_equal(now.access_token, first.access_token);
    assert_string_not_equal(now.refresh_token, first.refresh_token);
    ctl_client_free(client);
    /* the refreshed pair reached the cache */
    client = fixture_client(NULL, fx.cache, 0);
    ctl_token cached = token_of(client, false, CTL_TOKEN_CACHED);
    assert_string_equal(cached.access_token, now.access_token);
    ctl_client_free(client);
    /* both expired (refresh token too): a new pair from the secret */
    atomic_fetch_add(&clock_offset_ms, (PLATFORM_DEFAULT_REFRESH_TTL_S + 60) * 1000LL);
    client = fixture_client(NULL, fx.cache, 0);
    ctl_token issued = token_of(client, false, CTL_TOKEN_ISSUED);
    assert_string_not_equal(issued.refresh_token, now.refresh_token);
    expect_ping_ok(client);
    ctl_client_free(client);
}

/* The platform refuses a token the cache still calls valid: renewed once
 * and the call passes. */
static void test_token_refused_renewed(void **state)
{
    (void)state;
    ctl_client *client = fixture_client(NULL, fx.cache, 0);
    ctl_token first = token_of(client, false, CTL_TOKEN_ISSUED);
    bool revoked = false;
    assert_int_equal(platform_token_revoke(fx.admin, fx.app.app_id, first.access_token,
                                           fixture_clock(NULL), &revoked),
                     AW_OK);
    assert_true(revoked);
    /* I2104: the refresh token of the revoked pair is refused too: new pair */
    expect_ping_ok(client);
    ctl_token after = token_of(client, false, CTL_TOKEN_MEMORY);
    assert_string_not_equal(after.access_token, first.access_token);
    ctl_client_free(client);

    /* I2103: a cache that says "valid" for a token the platform has expired */
    fixture_stop();
    fixture_start(NULL, 120);
    client = fixture_client(NULL, fx.cache, 0);
    first = token_of(client, false, CTL_TOKEN_ISSUED);
    ctl_client_free(client);
    first.access_expires_at_ms = fixture_clock(NULL) + 86400000;
    assert_int_equal(ctl_token_cache_save(fx.cache, fx.base_url, fx.app.app_id, &first), AW_OK);
    atomic_store(&clock_offset_ms, 130 * 1000);
    client = fixture_client(NULL, fx.cache, 0);
    expect_ping_ok(client);
    after = token_of(client, false, CTL_TOKEN_MEMORY);
    assert_string_not_equal(after.access_token, first.access_token);
    /* renewed through the refresh token: the old refresh token is spent */
    ctl_token reloaded;
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, fx.app.app_id, &reloaded),
                     AW_OK);
    assert_string_equal(reloaded.access_token, after.access_token);
    ctl_client_free(client);
}

/* ---- Errors ------------------------------------------------------------------ */

static void test_bad_secret(void **state)
{
    (void)state;
    char wrong[PLATFORM_APP_SECRET_LENGTH + 1];
    memcpy(wrong, fx.secret, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    ctl_client *client = fixture_client(wrong, fx.cache, 0);
    ctl_response response;
    ctl_error error;
    assert_int_equal(ping(client, &response, &error), AW_ERR_CTL_API);
    assert_null(response.json);
    assert_int_equal(error.err, AW_ERR_CTL_API);
    assert_int_equal(error.http_status, 401);
    assert_string_equal(error.code, "I2004");
    assert_string_equal(error.message, "signature does not verify");
    assert_int_equal(strlen(error.request_id), PLATFORM_REQUEST_ID_LENGTH);
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_AUTHENTICATION);
    ctl_error_clear(&error);
    /* nothing was cached */
    struct stat st;
    assert_int_not_equal(stat(fx.cache, &st), 0);
    ctl_client_free(client);
}

static void test_unknown_order(void **state)
{
    (void)state;
    ctl_client *client = fixture_client(NULL, NULL, 0);
    ctl_request request = {.method = AW_HTTP_METHOD_GET,
                           .path = "/api/v1/orders/ord_000000000000000000000000"};
    ctl_response response;
    ctl_error error;
    assert_int_equal(ctl_client_call(client, &request, &response, &error), AW_ERR_CTL_API);
    assert_int_equal(error.http_status, 404);
    assert_string_equal(error.code, "A2001");
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_APPLICATION);
    assert_non_null(error.body);
    assert_string_equal(json_string_value(json_object_get(error.body, "requestId")),
                        error.request_id);
    ctl_error_clear(&error);
    assert_null(error.body);
    assert_int_equal(error.retry_after_s, -1);
    ctl_client_free(client);
}

static void test_rate_limited_waited(void **state)
{
    (void)state;
    platform_app_limits limits = {.rate_per_minute = 6, .burst = 2, .daily_quota = 0};
    assert_int_equal(
        platform_app_set_limits(fx.admin, fx.app.app_id, &limits, fixture_clock(NULL)), AW_OK);
    ctl_client *client = fixture_client(NULL, NULL, 30);
    expect_ping_ok(client); /* token + ping: the bucket is empty */
    assert_int_equal(slept_s, 0);
    ctl_response response;
    ctl_error error;
    assert_int_equal(ping(client, &response, &error), AW_OK);
    /* 6 calls a minute: one every 10 s, waited out (the fixture's sleep
     * moves both clocks) */
    assert_true(slept_s >= 9 && slept_s <= 11);
    assert_int_equal(response.waited_s, slept_s);
    ctl_response_clear(&response);
    ctl_client_free(client);
}

static void test_rate_limited_beyond_bound(void **state)
{
    (void)state;
    platform_app_limits limits = {.rate_per_minute = 1, .burst = 2, .daily_quota = 0};
    assert_int_equal(
        platform_app_set_limits(fx.admin, fx.app.app_id, &limits, fixture_clock(NULL)), AW_OK);
    ctl_client *client = fixture_client(NULL, NULL, 5);
    expect_ping_ok(client);
    ctl_response response;
    ctl_error error;
    assert_int_equal(ping(client, &response, &error), AW_ERR_CTL_API);
    assert_int_equal(error.http_status, 429);
    assert_string_equal(error.code, "I3001");
    assert_true(error.retry_after_s > 5 && error.retry_after_s <= 60);
    assert_int_equal(error.waited_s, 0);
    assert_int_equal(slept_s, 0);
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_LIMITED);
    ctl_error_clear(&error);
    ctl_client_free(client);
    /* a negative bound never waits */
    client = fixture_client(NULL, NULL, -1);
    assert_int_equal(ping(client, &response, &error), AW_ERR_CTL_API);
    assert_string_equal(error.code, "I3001");
    assert_int_equal(slept_s, 0);
    ctl_error_clear(&error);
    ctl_client_free(client);
    /* the daily quota: Retry-After until the day ends, beyond any bound */
    limits = (platform_app_limits){.rate_per_minute = 600, .burst = 20, .daily_quota = 1};
    assert_int_equal(
        platform_app_set_limits(fx.admin, fx.app.app_id, &limits, fixture_clock(NULL)), AW_OK);
    client = fixture_client(NULL, NULL, 60);
    assert_int_equal(ping(client, &response, &error), AW_ERR_CTL_API);
    assert_string_equal(error.code, "I3002");
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_LIMITED);
    ctl_error_clear(&error);
    ctl_client_free(client);
}

static void test_no_answer(void **state)
{
    (void)state;
    /* a port nobody listens on: the fixture's, after its server stopped */
    char url[64];
    snprintf(url, sizeof(url), "%s", fx.base_url);
    test_server_halt(&fx.ts);
    http_server_free(fx.ts.server);
    fx.ts.server = NULL;
    ctl_client_config config = {.base_url = url, .ca_file = pki.ci, .app_id = fx.app.app_id,
                                .app_secret = fx.secret, .timeout_ms = 3000};
    ctl_client *client = NULL;
    assert_int_equal(ctl_client_new(&config, &client), AW_OK);
    ctl_response response;
    ctl_error error;
    assert_int_equal(ping(client, &response, &error), AW_ERR_HTTP_CONNECT);
    assert_int_equal(error.err, AW_ERR_HTTP_CONNECT);
    assert_int_equal(error.http_status, 0);
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_TRANSPORT);
    ctl_error_clear(&error);
    ctl_client_free(client);
}

/* A server that answers 200 with text, 500 without an error body, and
 * token pairs of the wrong form (token_answer). */
static const char *token_answer;
static void answer_text(http_request *request, void *userdata)
{
    (void)userdata;
    const char *path = http_request_path(request);
    bool fail = strcmp(path, "/api/v1/fail") == 0;
    http_request_set_status(request, fail ? 500 : 200);
    const char *body = fail ? "<html>oops</html>" : "not json";
    if (strcmp(path, "/api/v1/auth/token") == 0 && token_answer != NULL)
        body = token_answer;
    (void)http_request_set_body(request, body, strlen(body));
}

static void test_answer_not_json(void **state)
{
    (void)state;
    test_server other;
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key};
    test_server_new(&other, &config);
    assert_int_equal(http_server_set_fallback(other.server, answer_text, NULL), AW_OK);
    test_server_run(&other);
    char url[64];
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", (unsigned)http_server_port(other.server));
    ctl_client_config client_config = {.base_url = url, .ca_file = pki.ci,
                                       .app_id = fx.app.app_id, .app_secret = fx.secret};
    ctl_client *client = NULL;
    assert_int_equal(ctl_client_new(&client_config, &client), AW_OK);
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/x", .anonymous = true};
    ctl_response response;
    ctl_error error;
    assert_int_equal(ctl_client_call(client, &request, &response, &error), AW_ERR_CTL_RESPONSE);
    assert_int_equal(error.http_status, 200);
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_TRANSPORT);
    ctl_error_clear(&error);
    request.path = "/api/v1/fail";
    assert_int_equal(ctl_client_call(client, &request, &response, &error), AW_ERR_CTL_API);
    assert_int_equal(error.http_status, 500);
    assert_string_equal(error.code, "");
    assert_string_equal(error.message, "HTTP status 500");
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_INTERFACE);
    ctl_error_clear(&error);
    /* a token answer that is not a TokenPair: not JSON, a token of the wrong
     * form (no header or cache ever gets it), a lifetime not positive */
    request.path = "/api/v1/ping";
    request.anonymous = false;
    static const char *const pairs[] = {
        NULL,
        "{\"accessToken\":\"awat_00000000000000000000000000000000000000000000000000000000000000\r\n\","
        "\"refreshToken\":\"awrt_0000000000000000000000000000000000000000000000000000000000000000\","
        "\"tokenType\":\"Bearer\",\"expiresIn\":10,\"refreshExpiresIn\":10}",
        "{\"accessToken\":\"awat_0000000000000000000000000000000000000000000000000000000000000000\","
        "\"refreshToken\":\"awrt_0000000000000000000000000000000000000000000000000000000000000000\","
        "\"tokenType\":\"Bearer\",\"expiresIn\":0,\"refreshExpiresIn\":10}",
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        token_answer = pairs[i];
        assert_int_equal(ctl_client_call(client, &request, &response, &error),
                         AW_ERR_CTL_RESPONSE);
        assert_int_equal(error.err, AW_ERR_CTL_RESPONSE);
        ctl_error_clear(&error);
    }
    token_answer = NULL;
    ctl_client_free(client);
    test_server_free(&other);
}

/* ---- The token cache --------------------------------------------------------- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_token_cache_refusals(void **state)
{
    (void)state;
    ctl_token token = {.access_expires_at_ms = 1, .refresh_expires_at_ms = 2};
    memset(token.access_token, 'a', PLATFORM_TOKEN_LENGTH);
    memcpy(token.access_token, "awat_", 5);
    memset(token.refresh_token, 'b', PLATFORM_TOKEN_LENGTH);
    memcpy(token.refresh_token, "awrt_", 5);
    ctl_token loaded;
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, "app1", &loaded),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(ctl_token_cache_save(fx.cache, fx.base_url, "app1", &token), AW_OK);
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, "app1", &loaded), AW_OK);
    assert_memory_equal(&loaded, &token, sizeof(token));
    /* another app's or another server's */
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, "app2", &loaded),
                     AW_ERR_CTL_TOKEN_CACHE);
    assert_int_equal(loaded.access_token[0], '\0');
    assert_int_equal(ctl_token_cache_load(fx.cache, "https://127.0.0.1:1", "app1", &loaded),
                     AW_ERR_CTL_TOKEN_CACHE);
    /* readable by others */
    assert_int_equal(chmod(fx.cache, 0644), 0);
    assert_int_equal(ctl_token_cache_load(fx.cache, fx.base_url, "app1", &loaded),
                     AW_ERR_CTL_TOKEN_CACHE);
    /* a symlink to a private file */
    assert_int_equal(chmod(fx.cache, 0600), 0);
    char link_path[160];
    snprintf(link_path, sizeof(link_path), "%s/link.json", fx.dir);
    assert_int_equal(symlink(fx.cache, link_path), 0);
    assert_int_equal(ctl_token_cache_load(link_path, fx.base_url, "app1", &loaded),
                     AW_ERR_CTL_TOKEN_CACHE);
    /* malformed, a token of the wrong form, empty, oversize, a directory */
    static const char *const bad[] = {
        "{",
        "{\"baseUrl\":\"u\",\"appId\":\"app1\",\"accessToken\":\"x\",\"accessExpiresAt\":1,"
        "\"refreshToken\":\"y\",\"refreshExpiresAt\":2}",
        "[]",
        "",
    };
    char path[160];
    snprintf(path, sizeof(path), "%s/bad.json", fx.dir);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i], 0600);
        assert_int_equal(ctl_token_cache_load(path, "u", "app1", &loaded),
                         AW_ERR_CTL_TOKEN_CACHE);
    }
    char *big = malloc(CTL_TOKEN_CACHE_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', CTL_TOKEN_CACHE_MAX + 1);
    big[CTL_TOKEN_CACHE_MAX + 1] = '\0';
    write_file(path, big, 0600);
    free(big);
    assert_int_equal(ctl_token_cache_load(path, "u", "app1", &loaded), AW_ERR_CTL_TOKEN_CACHE);
    assert_int_equal(ctl_token_cache_load(fx.dir, "u", "app1", &loaded), AW_ERR_CTL_TOKEN_CACHE);
    /* a client over a refused cache issues a token and replaces the file */
    write_file(fx.cache, "{", 0644);
    ctl_client *client = fixture_client(NULL, fx.cache, 0);
    token_of(client, false, CTL_TOKEN_ISSUED);
    struct stat st;
    assert_int_equal(stat(fx.cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ctl_client_free(client);
    /* a cache that cannot be written: the token call fails with AW_ERR_IO */
    snprintf(path, sizeof(path), "%s/missing/token.json", fx.dir);
    client = fixture_client(NULL, path, 0);
    ctl_error error;
    assert_int_equal(ctl_client_token(client, false, NULL, NULL, &error), AW_ERR_IO);
    assert_int_equal(error.err, AW_ERR_IO);
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_USAGE);
    ctl_client_free(client);
    assert_int_equal(ctl_token_cache_save(NULL, "u", "a", &token), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_token_cache_load(NULL, "u", "a", &loaded), AW_ERR_ARGUMENT);
}

/* ---- Construction and the small parsers --------------------------------------- */

static void test_client_new_refusals(void **state)
{
    (void)state;
    ctl_client *client = (ctl_client *)1;
    ctl_client_config good = {.base_url = "https://127.0.0.1:8443", .ca_file = pki.ci,
                              .app_id = "app0123", .app_secret = "s3cret"};
    static const char *const bad_urls[] = {"http://127.0.0.1", "https://", "https://h/api",
                                           "https://h?x", "https://u@h", "https://h x"};
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        ctl_client_config c = good;
        c.base_url = bad_urls[i];
        assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
        assert_null(client);
    }
    ctl_client_config c = good;
    c.app_id = "app id";
    assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
    c = good;
    c.app_secret = "";
    assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
    c.app_secret = "with space";
    assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
    char long_secret[PLATFORM_APP_SECRET_LENGTH + 2];
    memset(long_secret, 'a', sizeof(long_secret) - 1);
    long_secret[sizeof(long_secret) - 1] = '\0';
    c.app_secret = long_secret;
    assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
    c = good;
    c.ca_file = NULL;
    assert_int_equal(ctl_client_new(&c, &client), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_client_new(NULL, &client), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_client_new(&good, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_client_new(&good, &client), AW_OK);
    ctl_error error;
    ctl_response response;
    assert_int_equal(ctl_client_call(client, NULL, &response, &error), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_client_call(NULL, NULL, &response, &error), AW_ERR_ARGUMENT);
    assert_int_equal(ctl_client_token(NULL, false, NULL, NULL, &error), AW_ERR_ARGUMENT);
    ctl_client_free(client);
    ctl_client_free(NULL);
    ctl_error_clear(NULL);
    ctl_response_clear(NULL);
}

static void test_error_from_answer(void **state)
{
    (void)state;
    ctl_error error;
    const char *body = "{\"code\":\"A1001\",\"message\":\"invalid EID\",\"requestId\":"
                       "\"0123456789abcdef0123456789abcdef\",\"errors\":[{\"line\":2,"
                       "\"code\":\"A1001\",\"message\":\"invalid EID\"}]}";
    ctl_error_from_answer(400, (const uint8_t *)body, strlen(body), "ffff", &error);
    assert_int_equal(error.err, AW_ERR_CTL_API);
    assert_string_equal(error.code, "A1001");
    assert_string_equal(error.message, "invalid EID");
    assert_string_equal(error.request_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(json_array_size(json_object_get(error.body, "errors")), 1);
    ctl_error_clear(&error);
    /* not an error body: the status, the header's request id */
    static const char *const others[] = {"", "[]", "{\"code\":1}", "{\"code\":\"I12345678\"}",
                                         "{\"code\":\"I1001\",\"code\":\"I1002\"}",
                                         "{\"code\":\"\"}", "{\"code\":\"i1001\"}",
                                         "{\"code\":\"I10a1\"}", "{\"code\":\"\\u001b[2J\"}"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        ctl_error_from_answer(502, (const uint8_t *)others[i], strlen(others[i]),
                              "fedcba9876543210fedcba9876543210", &error);
        assert_string_equal(error.code, "");
        assert_string_equal(error.message, "HTTP status 502");
        assert_string_equal(error.request_id, "fedcba9876543210fedcba9876543210");
        assert_null(error.body);
        assert_int_equal(ctl_exit_status(&error), CTL_EXIT_INTERFACE);
    }
    static const struct {
        const char *code;
        int exit_status;
    } classes[] = {{"A2002", CTL_EXIT_APPLICATION}, {"W1001", CTL_EXIT_WRITE},
                   {"T1001", CTL_EXIT_TERMINAL},    {"I1002", CTL_EXIT_INTERFACE},
                   {"I2101", CTL_EXIT_AUTHENTICATION}, {"I3002", CTL_EXIT_LIMITED},
                   {"I9002", CTL_EXIT_INTERFACE}};
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        char text[96];
        snprintf(text, sizeof(text), "{\"code\":\"%s\",\"message\":\"m\"}", classes[i].code);
        ctl_error_from_answer(400, (const uint8_t *)text, strlen(text), NULL, &error);
        assert_int_equal(ctl_exit_status(&error), classes[i].exit_status);
        ctl_error_clear(&error);
    }
    /* what reaches a terminal: no control characters, no odd request id */
    const char *hostile = "{\"code\":\"I9001\",\"message\":\"a\\u001b[2Jb\\r\\nc\","
                          "\"requestId\":\"\\u001b]0;x\"}";
    ctl_error_from_answer(500, (const uint8_t *)hostile, strlen(hostile), "not-an-id", &error);
    assert_string_equal(error.code, "I9001");
    assert_string_equal(error.message, "a?[2Jb??c");
    assert_string_equal(error.request_id, "");
    ctl_error_clear(&error);
    /* transient: no answer, or 5xx; not 4xx, certificates, bad answers */
    static const struct {
        aw_err err;
        int status;
        bool transient;
    } kinds[] = {{AW_ERR_HTTP_CONNECT, 0, true},      {AW_ERR_HTTP_TIMEOUT, 0, true},
                 {AW_ERR_HTTP_TRANSFER, 0, true},     {AW_ERR_CTL_API, 503, true},
                 {AW_ERR_CTL_API, 500, true},         {AW_ERR_CTL_API, 429, false},
                 {AW_ERR_CTL_API, 404, false},        {AW_ERR_HTTP_CERTIFICATE, 0, false},
                 {AW_ERR_HTTP_TLS, 0, false},         {AW_ERR_CTL_RESPONSE, 200, false}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        ctl_error e = {.err = kinds[i].err, .http_status = kinds[i].status};
        assert_int_equal(ctl_error_transient(&e), kinds[i].transient);
    }
    error.err = AW_ERR_NOMEM;
    assert_int_equal(ctl_exit_status(&error), CTL_EXIT_USAGE);
    assert_int_equal(ctl_exit_status(NULL), CTL_EXIT_USAGE);
}

static void test_small_parsers(void **state)
{
    (void)state;
    assert_int_equal(ctl_retry_after_parse("10"), 10);
    assert_int_equal(ctl_retry_after_parse("0"), 0);
    assert_int_equal(ctl_retry_after_parse("86400"), 86400);
    assert_int_equal(ctl_retry_after_parse("86401"), -1);
    assert_int_equal(ctl_retry_after_parse("9999999"), -1);
    assert_int_equal(ctl_retry_after_parse("-1"), -1);
    assert_int_equal(ctl_retry_after_parse(""), -1);
    assert_int_equal(ctl_retry_after_parse(NULL), -1);
    assert_int_equal(ctl_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
    char out[16];
    assert_int_equal(ctl_encode_component("ord_1-a.b~c", out, sizeof(out)), AW_OK);
    assert_string_equal(out, "ord_1-a.b~c");
    assert_int_equal(ctl_encode_component("a/b?c&d é", out, sizeof(out)), AW_ERR_LIMIT);
    char wide[64];
    assert_int_equal(ctl_encode_component("a/b?c&d é", wide, sizeof(wide)), AW_OK);
    assert_string_equal(wide, "a%2Fb%3Fc%26d%20%C3%A9");
    assert_int_equal(ctl_encode_component("abc", out, 3), AW_ERR_LIMIT);
    char token[PLATFORM_TOKEN_LENGTH + 2];
    memset(token, 'f', PLATFORM_TOKEN_LENGTH);
    memcpy(token, "awat_", 5);
    token[PLATFORM_TOKEN_LENGTH] = '\0';
    assert_true(ctl_token_valid(token, "awat_"));
    assert_false(ctl_token_valid(token, "awrt_"));
    assert_false(ctl_token_valid(NULL, "awat_"));
    token[10] = 'F'; /* lowercase only */
    assert_false(ctl_token_valid(token, "awat_"));
    token[10] = 'f';
    token[PLATFORM_TOKEN_LENGTH] = 'f'; /* one too long */
    token[PLATFORM_TOKEN_LENGTH + 1] = '\0';
    assert_false(ctl_token_valid(token, "awat_"));
    token[PLATFORM_TOKEN_LENGTH - 1] = '\0'; /* one too short */
    assert_false(ctl_token_valid(token, "awat_"));
    assert_int_equal(ctl_encode_component("", out, 0), AW_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_issued_cached_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_expired_refreshed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_refused_renewed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limited_waited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limited_beyond_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_not_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_cache_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_new_refusals, setup, teardown),
        cmocka_unit_test(test_error_from_answer),
        cmocka_unit_test(test_small_parsers),
    };
    return cmocka_run_group_tests(tests, fixture_global_setup, fixture_global_teardown);
}
