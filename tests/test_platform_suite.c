/* Tests of the crypto suite of each app (issue 8, platform/platform_suite.h):
 * the domestic worked examples of docs/api-signature.md (HMAC-SM3 over the
 * canonical string with an SM3 body hash, values first computed with the
 * npm package sm-crypto), the scheme names, every branch of the platform's
 * check (platform_signature_verify_app), the suite stored with the app and
 * the default suite, the /api/v1 chain over HTTPS for a domestic and an
 * international app (I7101, I2001, I2004 and the accepted calls, token
 * endpoints included), and callbacks signed with the app's scheme and
 * naming it in X-AW-Signature-Algorithm, checked by a receiver; and the
 * independent cross-check: tests/platform_suite_crosscheck.js (npm
 * sm-crypto, written from the document) signs whole domestic requests and
 * sends them over HTTPS to this server, and verifies a domestic callback
 * (skipped with the reason when node or the package is missing). The
 * Debian OpenSSL's SM2/SM3/SM4 support is stated by crypto_suite_query. */
#include "platform_api_testutil.h"
#include "sm_node_testutil.h"

#include "cli/airwritectl_client.h"

#include <pthread.h>

static const char example_secret[] =
    "5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
static const char example_body[] =
    "{\"appId\":\"app0123456789abcdef\",\"appSecret\":"
    "\"5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70\"}";

static platform_signed_request example_c(void)
{
    return (platform_signed_request){.method = "GET",
                                     .path = "/api/v1/ping",
                                     .query = "z=9&a=2&a=10&flag",
                                     .app_id = "app0123456789abcdef",
                                     .timestamp = "1764567890",
                                     .nonce = "n0nce-Example_0001"};
}

static platform_signed_request example_d(void)
{
    return (platform_signed_request){.method = "POST",
                                     .path = "/api/v1/auth/token",
                                     .app_id = "app0123456789abcdef",
                                     .timestamp = "1764567890",
                                     .nonce = "Zm9vYmFyLW5vbmNlLTAy",
                                     .body = (const uint8_t *)example_body,
                                     .body_len = sizeof(example_body) - 1};
}

static void check_domestic_example(const platform_signed_request *request,
                                   const char *want_canonical, const char *want_signature)
{
    char *canonical = NULL;
    assert_int_equal(platform_signature_canonical_suite(CRYPTO_SUITE_DOMESTIC, request,
                                                        &canonical),
                     AW_OK);
    assert_string_equal(canonical, want_canonical);
    char hex[PLATFORM_SIGNATURE_HEX + 1];
    assert_int_equal(
        platform_signature_sign_suite(CRYPTO_SUITE_DOMESTIC, request, example_secret, hex), AW_OK);
    assert_string_equal(hex, want_signature);
    /* the document shows exactly these values, so it cannot drift */
    char *doc = platform_test_source_file("docs/api-signature.md");
    char block[1024];
    snprintf(block, sizeof(block), "```\n%s\n```", canonical);
    assert_non_null(strstr(doc, block));
    char line[128];
    snprintf(line, sizeof(line), "`X-AW-Signature: %s`", hex);
    assert_non_null(strstr(doc, line));
    free(doc);
    free(canonical);
}

static void test_doc_examples_domestic(void **state)
{
    (void)state;
    platform_signed_request c = example_c(), d = example_d();
    check_domestic_example(&c,
                           "AW-HMAC-SM3\nGET\n/api/v1/ping\na=10&a=2&flag=&z=9\n"
                           "app0123456789abcdef\n1764567890\nn0nce-Example_0001\n"
                           "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
                           "87fbba7495b3f6f0d76de9965b515dd61d83ebe2115b20b6fa92cbaee2be550e");
    check_domestic_example(&d,
                           "AW-HMAC-SM3\nPOST\n/api/v1/auth/token\n\napp0123456789abcdef\n"
                           "1764567890\nZm9vYmFyLW5vbmNlLTAy\n"
                           "e4819df29535fa0cdee71c35e9f63772234faa3377165e4ef096637ee31eb6cd",
                           "8243283fa3121288391e892b8c5c12360f5fcdacbd160b7448326c3ab149a111");
    /* the international functions are the _suite ones with the international suite */
    char a[PLATFORM_SIGNATURE_HEX + 1], b[PLATFORM_SIGNATURE_HEX + 1];
    assert_int_equal(platform_signature_sign(&d, example_secret, a), AW_OK);
    assert_int_equal(
        platform_signature_sign_suite(CRYPTO_SUITE_INTERNATIONAL, &d, example_secret, b), AW_OK);
    assert_string_equal(a, b);
    assert_string_equal(a, "bbac5ffb76cff618e7fb6b200b0f7c78ff043da2b315b88941b00e44b9cf8376");
}

static void test_algorithm_names(void **state)
{
    (void)state;
    assert_string_equal(platform_signature_algorithm(CRYPTO_SUITE_INTERNATIONAL),
                        "AW-HMAC-SHA256");
    assert_string_equal(platform_signature_algorithm(CRYPTO_SUITE_DOMESTIC), "AW-HMAC-SM3");
    assert_null(platform_signature_algorithm((crypto_suite)0));
    crypto_suite suite = 9;
    assert_int_equal(platform_signature_algorithm_parse("AW-HMAC-SM3", &suite), AW_OK);
    assert_int_equal(suite, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(platform_signature_algorithm_parse("AW-HMAC-SHA256", &suite), AW_OK);
    assert_int_equal(suite, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(platform_signature_algorithm_parse("aw-hmac-sm3", &suite),
                     AW_ERR_PLATFORM_AUTH_HEADER);
    assert_int_equal(suite, 0);
    assert_int_equal(platform_signature_algorithm_parse(NULL, &suite),
                     AW_ERR_PLATFORM_AUTH_HEADER);
    assert_int_equal(platform_signature_algorithm_parse("AW-HMAC-SM3", NULL), AW_ERR_ARGUMENT);
}

static void test_verify_app(void **state)
{
    (void)state;
    platform_signed_request r = example_d();
    char sm3_hex[PLATFORM_SIGNATURE_HEX + 1], sha_hex[PLATFORM_SIGNATURE_HEX + 1];
    assert_int_equal(
        platform_signature_sign_suite(CRYPTO_SUITE_DOMESTIC, &r, example_secret, sm3_hex), AW_OK);
    assert_int_equal(platform_signature_sign(&r, example_secret, sha_hex), AW_OK);
    uint8_t sm3[32], sha[32], zero[32] = {0};
    size_t n = 0;
    assert_int_equal(aw_hex_decode(sm3_hex, sm3, sizeof(sm3), &n), AW_OK);
    assert_int_equal(aw_hex_decode(sha_hex, sha, sizeof(sha), &n), AW_OK);
    const crypto_suite D = CRYPTO_SUITE_DOMESTIC, I = CRYPTO_SUITE_INTERNATIONAL;
    /* the app's scheme, with or without the header */
    assert_int_equal(platform_signature_verify_app(D, NULL, &r, example_secret, sm3), AW_OK);
    assert_int_equal(platform_signature_verify_app(D, "AW-HMAC-SM3", &r, example_secret, sm3),
                     AW_OK);
    assert_int_equal(platform_signature_verify_app(I, NULL, &r, example_secret, sha), AW_OK);
    assert_int_equal(platform_signature_verify_app(I, "AW-HMAC-SHA256", &r, example_secret, sha),
                     AW_OK);
    /* the header names the other suite's scheme */
    assert_int_equal(platform_signature_verify_app(D, "AW-HMAC-SHA256", &r, example_secret, sm3),
                     AW_ERR_PLATFORM_SIGNATURE_SUITE);
    assert_int_equal(platform_signature_verify_app(I, "AW-HMAC-SM3", &r, example_secret, sha),
                     AW_ERR_PLATFORM_SIGNATURE_SUITE);
    /* signed with the other scheme, no header */
    assert_int_equal(platform_signature_verify_app(D, NULL, &r, example_secret, sha),
                     AW_ERR_PLATFORM_SIGNATURE_SUITE);
    assert_int_equal(platform_signature_verify_app(I, NULL, &r, example_secret, sm3),
                     AW_ERR_PLATFORM_SIGNATURE_SUITE);
    /* an unknown scheme name; a signature of neither; a changed request */
    assert_int_equal(platform_signature_verify_app(D, "AW-HMAC-MD5", &r, example_secret, sm3),
                     AW_ERR_PLATFORM_AUTH_HEADER);
    assert_int_equal(platform_signature_verify_app(D, NULL, &r, example_secret, zero), AW_ERR_MAC);
    r.nonce = "Zm9vYmFyLW5vbmNlLTAz";
    assert_int_equal(platform_signature_verify_app(D, NULL, &r, example_secret, sm3), AW_ERR_MAC);
    /* no suite */
    assert_int_equal(platform_signature_verify_app((crypto_suite)0, NULL, &r, example_secret, sm3),
                     AW_ERR_SUITE_UNKNOWN);
}

static void test_suite_unknown(void **state)
{
    (void)state;
    platform_signed_request r = example_c();
    char *canonical = (char *)1;
    assert_int_equal(platform_signature_canonical_suite((crypto_suite)3, &r, &canonical),
                     AW_ERR_SUITE_UNKNOWN);
    assert_null(canonical);
    char hex[PLATFORM_SIGNATURE_HEX + 1] = "x";
    assert_int_equal(platform_signature_sign_suite((crypto_suite)0, &r, example_secret, hex),
                     AW_ERR_SUITE_UNKNOWN);
    assert_string_equal(hex, "");
    uint8_t mac[32] = {0};
    assert_int_equal(platform_signature_verify_suite((crypto_suite)0, &r, example_secret, mac),
                     AW_ERR_SUITE_UNKNOWN);
    /* the international errors stay: malformed parts, no secret */
    r.method = "get";
    assert_int_equal(platform_signature_sign_suite(CRYPTO_SUITE_DOMESTIC, &r, example_secret, hex),
                     AW_ERR_ARGUMENT);
    r = example_c();
    assert_int_equal(platform_signature_sign_suite(CRYPTO_SUITE_DOMESTIC, &r, "", hex),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_signature_verify_suite(CRYPTO_SUITE_DOMESTIC, &r, example_secret,
                                                     NULL),
                     AW_ERR_ARGUMENT);
}

/* The suite is stored with the app; the default suite is recorded. */
static void test_app_suite_store(void **state)
{
    (void)state;
    platform_app app, got;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1], opened[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(fx.app.suite, CRYPTO_SUITE_INTERNATIONAL); /* platform_app_create */
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-a", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    assert_int_equal(app.suite, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(platform_app_get(fx.admin, app.app_id, &got), AW_OK);
    assert_int_equal(got.suite, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(platform_app_load_secret(fx.admin, fx.ring, app.app_id, &got, opened), AW_OK);
    assert_int_equal(got.suite, CRYPTO_SUITE_DOMESTIC);
    assert_string_equal(opened, secret);
    assert_int_equal(platform_app_get(fx.admin, fx.app.app_id, &got), AW_OK);
    assert_int_equal(got.suite, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-a", NULL,
                                               (crypto_suite)7, NOW, &app, secret),
                     AW_ERR_SUITE_UNKNOWN);
    assert_string_equal(secret, "");
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "bad tenant", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_ERR_ARGUMENT);

    crypto_suite suite = 0;
    assert_int_equal(platform_suite_default_get(fx.admin, &suite), AW_OK);
    assert_int_equal(suite, CRYPTO_SUITE_INTERNATIONAL); /* nothing recorded */
    assert_int_equal(platform_suite_default_set(fx.admin, CRYPTO_SUITE_DOMESTIC, NOW), AW_OK);
    assert_int_equal(platform_suite_default_get(fx.admin, &suite), AW_OK);
    assert_int_equal(suite, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(platform_suite_default_set(fx.admin, CRYPTO_SUITE_INTERNATIONAL, NOW + 1),
                     AW_OK);
    assert_int_equal(platform_suite_default_get(fx.admin, &suite), AW_OK);
    assert_int_equal(suite, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(platform_suite_default_set(fx.admin, (crypto_suite)0, NOW),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(platform_suite_default_set(NULL, CRYPTO_SUITE_DOMESTIC, NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_suite_default_get(fx.admin, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_suite_migrate(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_suite_migrate(fx.admin), AW_OK); /* again: nothing to do */
}

/* ---- Over HTTPS --------------------------------------------------------------- */

typedef struct suite_call {
    crypto_suite sign_with;
    const char *algorithm_header; /* NULL: not sent */
    const platform_app *app;
    const char *secret;
    aw_http_method method;
    const char *path;
    const char *body;
    const char *bearer;
} suite_call;

/* One call signed with sign_with; the answer's status and code ("" on 200). */
static int suite_send(const suite_call *c, char code[8], json_t **body_out)
{
    char timestamp[24], nonce[40], signature[PLATFORM_SIGNATURE_HEX + 1];
    snprintf(timestamp, sizeof(timestamp), "%lld", (long long)(atomic_load(&clock_ms) / 1000));
    uint8_t random[12];
    assert_int_equal(crypto_random_bytes(random, sizeof(random)), AW_OK);
    aw_hex_encode(random, sizeof(random), nonce, false);
    platform_signed_request signed_request = {
        .method = http_method_name(c->method), .path = c->path, .app_id = c->app->app_id,
        .timestamp = timestamp, .nonce = nonce, .body = (const uint8_t *)c->body,
        .body_len = c->body != NULL ? strlen(c->body) : 0};
    assert_int_equal(
        platform_signature_sign_suite(c->sign_with, &signed_request, c->secret, signature), AW_OK);
    http_header headers[7];
    size_t count = 0;
    headers[count++] = (http_header){PLATFORM_HEADER_APP_ID, c->app->app_id};
    headers[count++] = (http_header){PLATFORM_HEADER_TIMESTAMP, timestamp};
    headers[count++] = (http_header){PLATFORM_HEADER_NONCE, nonce};
    headers[count++] = (http_header){PLATFORM_HEADER_SIGNATURE, signature};
    if (c->algorithm_header != NULL)
        headers[count++] = (http_header){PLATFORM_HEADER_SIGNATURE_ALGORITHM, c->algorithm_header};
    char authorization[128];
    if (c->bearer != NULL) {
        snprintf(authorization, sizeof(authorization), "Bearer %s", c->bearer);
        headers[count++] = (http_header){"Authorization", authorization};
    }
    if (c->body != NULL)
        headers[count++] = (http_header){"Content-Type", "application/json"};
    char url[700];
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, c->path);
    http_client_request request = {.method = c->method, .url = url, .headers = headers,
                                   .header_count = count, .body = c->body,
                                   .body_len = c->body != NULL ? strlen(c->body) : 0,
                                   .response_header_names = reply_headers,
                                   .response_header_count = REPLY_HEADER_COUNT};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(fx.client, &request, &response), AW_OK);
    int status = response->status;
    json_t *body = json_loadb((const char *)response->body, response->body_len, 0, NULL);
    assert_non_null(body);
    /* every answer checked against docs/openapi.yaml by platform_openapi */
    reply answer = {.status = status, .body = body};
    for (size_t i = 0; i < REPLY_HEADER_COUNT; i++)
        answer.header[i] = response->header_values[i];
    call_spec spec = {.method = c->method, .path = c->path};
    record(&spec, &answer);
    check_reply_shape(&answer);
    snprintf(code, 8, "%s", status == 200 ? "" : json_string_value(json_object_get(body, "code")));
    http_client_response_free(response);
    if (body_out != NULL)
        *body_out = body;
    else
        json_decref(body);
    return status;
}

static void expect_code(const suite_call *c, int status, const char *want)
{
    char code[8];
    int got = suite_send(c, code, NULL);
    if (got != status || strcmp(code, want) != 0)
        print_error("expected %d %s, got %d %s\n", status, want, got, code);
    assert_int_equal(got, status);
    assert_string_equal(code, want);
}

static void test_api_domestic_app(void **state)
{
    (void)state;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1], body[256];
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-a", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    snprintf(body, sizeof(body), "{\"appId\":\"%s\",\"appSecret\":\"%s\"}", app.app_id, secret);
    suite_call c = {.sign_with = CRYPTO_SUITE_DOMESTIC, .app = &app, .secret = secret,
                    .method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/token", .body = body};
    /* the token endpoint signed with HMAC-SM3, with and without the header */
    json_t *answer = NULL;
    char code[8];
    assert_int_equal(suite_send(&c, code, &answer), 200);
    char access[PLATFORM_TOKEN_LENGTH + 1];
    snprintf(access, sizeof(access), "%s",
             json_string_value(json_object_get(answer, "accessToken")));
    json_decref(answer);
    c.algorithm_header = "AW-HMAC-SM3";
    expect_code(&c, 200, "");
    /* then a call with the token */
    suite_call ping = {.sign_with = CRYPTO_SUITE_DOMESTIC, .app = &app, .secret = secret,
                       .method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping", .bearer = access,
                       .algorithm_header = "AW-HMAC-SM3"};
    expect_code(&ping, 200, "");
    /* refusals: the other scheme signed or named, an unknown name, a wrong secret */
    ping.sign_with = CRYPTO_SUITE_INTERNATIONAL;
    ping.algorithm_header = NULL;
    expect_code(&ping, 401, "I7101");
    ping.algorithm_header = "AW-HMAC-SHA256";
    expect_code(&ping, 401, "I7101");
    ping.sign_with = CRYPTO_SUITE_DOMESTIC;
    expect_code(&ping, 401, "I7101");
    ping.algorithm_header = "AW-HMAC-SM4";
    expect_code(&ping, 401, "I2001");
    ping.algorithm_header = NULL;
    ping.secret = fx.secret;
    expect_code(&ping, 401, "I2004");
}

/* Policy off: an international app signs exactly as before; the SM3
 * scheme is refused for it. */
static void test_api_international_app(void **state)
{
    (void)state;
    platform_token_pair pair = issue(NULL, NULL); /* the shared client, unchanged */
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                      .bearer = pair.access_token}; /* no X-AW-Signature-Algorithm */
    expect_ok(&spec);
    spec.secret = "wrong-secret";
    expect_error(&spec, "I2004");
    suite_call ping = {.sign_with = CRYPTO_SUITE_INTERNATIONAL, .app = &fx.app,
                       .secret = fx.secret, .method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                       .bearer = pair.access_token};
    expect_code(&ping, 200, "");
    ping.algorithm_header = "AW-HMAC-SHA256";
    expect_code(&ping, 200, "");
    ping.algorithm_header = "AW-HMAC-SM3";
    expect_code(&ping, 401, "I7101");
    ping.algorithm_header = NULL;
    ping.sign_with = CRYPTO_SUITE_DOMESTIC;
    expect_code(&ping, 401, "I7101");
}

/* airwritectl's client signs in the configured suite: a domestic client's
 * calls pass for the domestic app, an unknown suite is refused at creation. */
static void test_ctl_client_suite(void **state)
{
    (void)state;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1], base[256];
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-a", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    test_url(base, sizeof(base), "127.0.0.1", &fx.ts, "");
    ctl_client_config config = {.base_url = base, .ca_file = pki.ci, .app_id = app.app_id,
                                .app_secret = secret, .suite = (crypto_suite)9,
                                .clock = test_clock, .max_wait_s = -1};
    ctl_client *client = (ctl_client *)1;
    assert_int_equal(ctl_client_new(&config, &client), AW_ERR_SUITE_UNKNOWN);
    assert_null(client);
    for (int domestic = 0; domestic < 2; domestic++) {
        config.suite = domestic ? CRYPTO_SUITE_DOMESTIC : 0; /* 0: international */
        assert_int_equal(ctl_client_new(&config, &client), AW_OK);
        /* the token endpoint (signed, anonymous), then a bearer call */
        ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping"};
        ctl_response answer;
        memset(&answer, 0, sizeof(answer));
        ctl_error error;
        memset(&error, 0, sizeof(error));
        aw_err err = ctl_client_call(client, &request, &answer, &error);
        if (domestic) {
            assert_int_equal(err, AW_OK);
            assert_string_equal(json_string_value(json_object_get(answer.json, "appId")),
                                app.app_id);
        } else {
            assert_int_equal(err, AW_ERR_CTL_API);
            assert_string_equal(error.code, "I7101");
        }
        ctl_response_clear(&answer);
        ctl_error_clear(&error);
        ctl_client_free(client);
    }
}

/* ---- Callbacks ---------------------------------------------------------------- */

static const char hook_secret[] = "cbsecret-0123456789abcdef0123456789abcdef0123456789abcdef0123456";

static struct {
    test_server ts;
    pthread_mutex_t lock;
    crypto_suite suite;   /* the scheme the receiver expects */
    int accepted, refused;
    char algorithm[32];   /* X-AW-Signature-Algorithm received */
    char *last;           /* the last callback's signed parts, as node's arguments */
} rx;

/* What a receiver does (docs/api-callbacks.md): the scheme from its app's
 * suite, the header must name it, the signature must verify under it. */
static void receiver_handle(http_request *request, void *userdata)
{
    (void)userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    platform_signature_headers headers;
    const char *algorithm = http_request_header(request, PLATFORM_HEADER_SIGNATURE_ALGORITHM);
    aw_err err = platform_signature_parse_headers(
        http_request_header(request, PLATFORM_HEADER_APP_ID),
        http_request_header(request, PLATFORM_HEADER_TIMESTAMP),
        http_request_header(request, PLATFORM_HEADER_NONCE),
        http_request_header(request, PLATFORM_HEADER_SIGNATURE), &headers);
    pthread_mutex_lock(&rx.lock);
    if (err == AW_OK) {
        platform_signed_request signed_request = {
            .method = "POST", .path = http_request_path(request),
            .query = http_request_query(request), .app_id = headers.app_id,
            .timestamp = headers.timestamp, .nonce = headers.nonce, .body = body,
            .body_len = len};
        /* header required on callbacks: it is always sent */
        err = algorithm == NULL ? AW_ERR_PLATFORM_AUTH_HEADER
                                : platform_signature_verify_app(rx.suite, algorithm,
                                                                &signed_request, hook_secret,
                                                                headers.signature);
    }
    snprintf(rx.algorithm, sizeof(rx.algorithm), "%s", algorithm != NULL ? algorithm : "");
    if (err == AW_OK) {
        /* METHOD PATH QUERY APP_ID TIMESTAMP NONCE BODY_HEX SIGNATURE ALGORITHM */
        const char *query = http_request_query(request);
        char *body_hex = hex_of(body, len);
        free(rx.last);
        size_t cap = strlen(body_hex) + 1024;
        rx.last = malloc(cap);
        assert_non_null(rx.last);
        snprintf(rx.last, cap, "POST '%s' '%s' %s %s %s %s %s '%s'", http_request_path(request),
                 query != NULL && query[0] != '\0' ? query : "-", headers.app_id,
                 headers.timestamp, headers.nonce, len > 0 ? body_hex : "-",
                 http_request_header(request, PLATFORM_HEADER_SIGNATURE), algorithm);
        free(body_hex);
    }
    if (err == AW_OK)
        rx.accepted++;
    else
        rx.refused++;
    pthread_mutex_unlock(&rx.lock);
    http_request_set_status(request, err == AW_OK ? 200 : 401);
}

static void *deliver_thread(void *arg)
{
    aw_err *result = arg;
    db_connection *db = NULL;
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 5000};
    *result = db_open(fx.tdb.url, NULL, &db);
    if (*result == AW_OK)
        *result = http_client_new(&config, &client);
    if (*result == AW_OK)
        *result = platform_callback_deliver(db, fx.ring, client, "suite-worker", 10,
                                            atomic_load(&clock_ms), NULL);
    http_client_free(client);
    db_close(db);
    return NULL;
}

/* Register the receiver for app, emit one event of its tenant, deliver. */
static void deliver_to(const platform_app *app, crypto_suite expected)
{
    rx.suite = expected;
    rx.accepted = rx.refused = 0;
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &rx.ts, "/hooks/airwrite?from=suite");
    platform_callback hook;
    assert_int_equal(platform_callback_register(fx.admin, fx.ring, app, url, hook_secret,
                                                PLATFORM_EVENT_ALL, NOW, &hook),
                     AW_OK);
    int64_t queued = 0;
    assert_int_equal(platform_event_emit(fx.admin, app->tenant, PLATFORM_EVENT_ORDER_ACCEPTED,
                                         "{\"orderId\":\"o1\"}", NOW, &queued),
                     AW_OK);
    assert_int_equal(queued, 1);
    aw_err result = AW_ERR_STATE;
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, deliver_thread, &result), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(result, AW_OK);
    assert_int_equal(platform_callback_delete(fx.admin, app->app_id, hook.callback_id), AW_OK);
}

static void test_callback_suites(void **state)
{
    (void)state;
    pthread_mutex_init(&rx.lock, NULL);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key, .timeout_ms = 5000};
    test_server_new(&rx.ts, &config);
    assert_int_equal(http_server_route(rx.ts.server, AW_HTTP_METHOD_POST, "/hooks/airwrite",
                                       receiver_handle, NULL),
                     AW_OK);
    test_server_run(&rx.ts);

    /* international (policy off): HMAC-SHA256, named */
    deliver_to(&fx.app, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(rx.accepted, 1);
    assert_string_equal(rx.algorithm, "AW-HMAC-SHA256");

    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-dom", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    deliver_to(&app, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(rx.accepted, 1);
    assert_int_equal(rx.refused, 0);
    assert_string_equal(rx.algorithm, "AW-HMAC-SM3");
    /* a receiver expecting the other suite refuses it (negative check of the
     * receiver: the domestic signature is not an HMAC-SHA256 one) */
    deliver_to(&app, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(rx.accepted, 0);
    assert_int_equal(rx.refused, 1);

    test_server_free(&rx.ts);
    pthread_mutex_destroy(&rx.lock);
    free(rx.last);
    memset(&rx, 0, sizeof(rx));
}

/* ---- Independent cross-check with node + sm-crypto ------------------------------ */

static char node_modules[1200], node_script[1200];

static char *node_run(const char *args)
{
    size_t len = strlen(node_modules) + strlen(node_script) + strlen(args) + 64;
    char *cmd = malloc(len);
    assert_non_null(cmd);
    snprintf(cmd, len, "NODE_PATH='%s' node '%s' %s", node_modules, node_script, args);
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("node failed: %s\n", cmd);
    free(cmd);
    assert_non_null(out);
    return out;
}

static void test_node_domestic_request(void **state)
{
    (void)state;
    const char *why = sm_node_prepare("platform_suite_crosscheck.js", node_modules,
                                      sizeof(node_modules), node_script, sizeof(node_script));
    if (why != NULL) {
        printf("skip: %s\n", why);
        skip();
    }
    /* what this OpenSSL offers for the domestic suite (Debian 12: OpenSSL
     * 3.0 has SM2, SM3 and SM4 but composes SM4-GCM, crypto_suite_gcm.c) */
    crypto_suite_support support;
    assert_int_equal(crypto_suite_query(CRYPTO_SUITE_DOMESTIC, &support), AW_OK);
    assert_true(support.hash && support.hmac && support.signature && support.cipher);
    printf("openssl domestic suite: SM3 %d HMAC-SM3 %d SM2 %d SM4 %d native SM4-GCM %d\n",
           support.hash, support.hmac, support.signature, support.cipher, support.gcm_native);

    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1], base[256], args[1024];
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-a", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    test_url(base, sizeof(base), "127.0.0.1", &fx.ts, "");
    snprintf(args, sizeof(args), "call '%s' '%s' %s %s %lld", base, pki.ci, app.app_id, secret,
             (long long)(NOW / 1000));
    char *out = node_run(args);
    char want[256];
    /* token issued, the signed ping with it answered for this app, a wrong secret refused */
    snprintf(want, sizeof(want), "200 -\n200 %s\n401 I2004\n", app.app_id);
    assert_string_equal(out, want);
    free(out);
}

static void test_node_domestic_callback(void **state)
{
    (void)state;
    const char *why = sm_node_prepare("platform_suite_crosscheck.js", node_modules,
                                      sizeof(node_modules), node_script, sizeof(node_script));
    if (why != NULL) {
        printf("skip: %s\n", why);
        skip();
    }
    pthread_mutex_init(&rx.lock, NULL);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key, .timeout_ms = 5000};
    test_server_new(&rx.ts, &config);
    assert_int_equal(http_server_route(rx.ts.server, AW_HTTP_METHOD_POST, "/hooks/airwrite",
                                       receiver_handle, NULL),
                     AW_OK);
    test_server_run(&rx.ts);
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_create_suite(fx.admin, fx.ring, "tenant-dom", NULL,
                                               CRYPTO_SUITE_DOMESTIC, NOW, &app, secret),
                     AW_OK);
    deliver_to(&app, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(rx.accepted, 1);
    assert_non_null(rx.last);
    char args[8192];
    snprintf(args, sizeof(args), "verify '%s' %s", hook_secret, rx.last);
    char *out = node_run(args);
    assert_string_equal(out, "ok\n");
    free(out);
    /* the same parts under another secret: node refuses (its check can fail) */
    snprintf(args, sizeof(args), "verify '%s' %s", example_secret, rx.last);
    out = node_run(args);
    assert_string_equal(out, "bad\n");
    free(out);
    test_server_free(&rx.ts);
    pthread_mutex_destroy(&rx.lock);
    free(rx.last);
    memset(&rx, 0, sizeof(rx));
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
        cmocka_unit_test(test_doc_examples_domestic),
        cmocka_unit_test(test_algorithm_names),
        cmocka_unit_test(test_verify_app),
        cmocka_unit_test(test_suite_unknown),
        cmocka_unit_test_setup_teardown(test_app_suite_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_domestic_app, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_international_app, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctl_client_suite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_suites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_domestic_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_domestic_callback, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
