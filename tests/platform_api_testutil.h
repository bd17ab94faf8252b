/* The HTTPS fixture of the platform's API tests (test code only): a fresh
 * database, a key ring, an app, the /api/v1 server on loopback on the
 * test's clock, and one signed call (call_spec -> reply) that records the
 * answer for tests/platform_openapi/check.js (AW_PLATFORM_RECORD) and
 * checks the error model on every answer. Included by one test file each. */
#ifndef AIRWRITE_TESTS_PLATFORM_API_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_API_TESTUTIL_H

#include "http_testutil.h"
#include "platform_inventory_testutil.h"
#include "platform_testutil.h"

#include <stdatomic.h>

#include <jansson.h>

#define NOW 1764567890000LL /* 2025-12-01 05:44:50 UTC */

static test_pki pki;
static _Atomic int64_t clock_ms;
static const char *pg_url; /* run on PostgreSQL (argument "postgresql") */
/* the API with a committer thread (airwrited's way): every call's nonce and
 * quota commit there (argument "threaded" where a test's main takes it) */
static bool committer_thread;

static int64_t test_clock(void *userdata)
{
    (void)userdata;
    return atomic_load(&clock_ms);
}

static struct {
    platform_test_db tdb;
    db_connection *admin;     /* the test thread's connection */
    db_connection *server_db; /* the loop thread's */
    db_connection *order_db;  /* the committer thread's (committer_thread) */
    platform_key_ring *ring;
    test_server ts;
    platform_api *api;
    http_client *client;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
} fx;

/* The fixture's server, its API with settings' fields (NULL: none) beside
 * the fixture's connection, key ring and clock. */
static void server_start_with(const platform_api_config *settings)
{
    fx.server_db = platform_test_db_open(&fx.tdb);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .max_body_size = 2 * 1024 * 1024,
                                 .timeout_ms = 5000};
    test_server_new(&fx.ts, &config);
    platform_api_config api_config = settings != NULL ? *settings : (platform_api_config){0};
    api_config.db = fx.server_db;
    api_config.keys = fx.ring;
    api_config.clock = test_clock;
    if (committer_thread && api_config.order_db[0] == NULL)
        api_config.order_db[0] = fx.order_db = platform_test_db_open(&fx.tdb);
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &fx.api), AW_OK);
    test_server_run(&fx.ts);
}

static void server_start(void)
{
    server_start_with(NULL);
}

static void server_stop(void)
{
    if (fx.order_db != NULL) {
        /* the committer thread's event is on the server's base: its API
         * goes first, once the loop stopped (platform.h, order_db) */
        test_server_halt(&fx.ts);
        platform_api_free(fx.api);
        fx.api = NULL;
    }
    test_server_free(&fx.ts);
    platform_api_free(fx.api);
    db_close(fx.server_db);
    db_close(fx.order_db); /* after its committer, gone with the API */
    fx.api = NULL;
    fx.server_db = NULL;
    fx.order_db = NULL;
}

/* The test thread's one-value query sql over the fixture's database, with
 * text bound to its one parameter (NULL: none). */
static inline int64_t admin_count(const char *sql, const char *text)
{
    db_param p = DB_PARAM_TEXT(text);
    int64_t n = -1;
    assert_int_equal(db_query_int64(fx.admin, sql, text != NULL ? &p : NULL, text != NULL ? 1 : 0,
                                    &n),
                     AW_OK);
    return n;
}

static inline int64_t admin_rows(const char *sql)
{
    return admin_count(sql, NULL);
}

static platform_app new_app(const platform_app_limits *limits, char *secret)
{
    platform_app app;
    assert_int_equal(
        platform_app_create(fx.admin, fx.ring, "tenant-a", limits, NOW, &app, secret), AW_OK);
    return app;
}

static int setup(void **state)
{
    (void)state;
    atomic_store(&clock_ms, NOW);
    platform_test_db_make(&fx.tdb, pg_url);
    fx.admin = platform_test_db_open(&fx.tdb);
    /* the profile types, scopes and pools the order tests name (A4001..A4004 otherwise) */
    platform_test_inventory_default(fx.admin);
    fx.ring = platform_test_ring(1);
    fx.app = new_app(NULL, fx.secret);
    server_start();
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 10000};
    assert_int_equal(http_client_new(&config, &fx.client), AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_client_free(fx.client);
    server_stop();
    db_close(fx.admin);
    platform_key_ring_free(fx.ring);
    platform_test_db_remove(&fx.tdb);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* ---- One call -------------------------------------------------------------- */

enum { HEADER_APP_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE };

typedef struct call_spec {
    aw_http_method method;
    const char *path;
    const char *query;           /* sent and signed */
    const char *body;
    const char *content_type;    /* NULL: application/json when there is a body */
    const char *app_id;          /* NULL: fx.app */
    const char *secret;          /* NULL: fx.secret */
    int64_t timestamp_offset_s;
    const char *nonce;           /* NULL: a fresh one */
    const char *bearer;
    bool omit[4];                /* leave out a signature header */
    const char *signed_body;     /* sign this instead of body */
    const char *signed_query;    /* sign this instead of query */
    const char *signature;       /* send this instead of the signature */
    const char *idempotency_key; /* Idempotency-Key header */
} call_spec;

enum { REPLY_REQUEST_ID, REPLY_RETRY_AFTER, REPLY_ALLOW, REPLY_WWW_AUTHENTICATE, REPLY_CONTENT_TYPE,
       REPLY_IDEMPOTENT_REPLAYED, REPLY_HEADER_COUNT };
static const char *const reply_headers[REPLY_HEADER_COUNT] = {
    "X-Request-Id", "Retry-After", "Allow", "WWW-Authenticate", "Content-Type",
    "Idempotent-Replayed"};

typedef struct reply {
    int status;
    json_t *body;                /* NULL when empty or not JSON */
    char *header[REPLY_HEADER_COUNT]; /* reply_headers */
} reply;

static void reply_free(reply *r)
{
    json_decref(r->body);
    for (size_t i = 0; i < REPLY_HEADER_COUNT; i++)
        free(r->header[i]);
    memset(r, 0, sizeof(*r));
}

static void record(const call_spec *spec, const reply *r)
{
    const char *path = getenv("AW_PLATFORM_RECORD");
    if (path == NULL)
        return;
    json_t *headers = json_object();
    for (size_t i = 0; i < REPLY_HEADER_COUNT; i++)
        if (r->header[i] != NULL)
            json_object_set_new(headers, reply_headers[i], json_string(r->header[i]));
    json_t *line = json_pack("{s:s, s:s, s:i, s:o, s:O?}", "method", http_method_name(spec->method),
                             "path", spec->path, "status", r->status, "headers", headers, "body",
                             r->body);
    assert_non_null(line);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    assert_int_equal(json_dumpf(line, f, JSON_COMPACT), 0);
    fputc('\n', f);
    fclose(f);
    json_decref(line);
}

/* What every answer must satisfy. */
static void check_reply_shape(const reply *r)
{
    const char *id = r->header[REPLY_REQUEST_ID];
    assert_non_null(id);
    assert_int_equal(strlen(id), PLATFORM_REQUEST_ID_LENGTH);
    assert_int_equal(strspn(id, "0123456789abcdef"), PLATFORM_REQUEST_ID_LENGTH);
    assert_non_null(r->header[REPLY_CONTENT_TYPE]);
    assert_string_equal(r->header[REPLY_CONTENT_TYPE], "application/json");
    assert_non_null(r->body);
    if (r->status == 200 || r->status == 202) /* 202: accepted card operations */
        return;
    /* the error model: exactly {code, message, requestId}, status of the
     * code; batch refusals (A1xxx, and A7401 of the profile count limit)
     * add "errors", one entry per line */
    const char *code = json_string_value(json_object_get(r->body, "code"));
    assert_non_null(code);
    if ((strncmp(code, "A1", 2) == 0 || strcmp(code, "A7401") == 0) &&
        json_object_get(r->body, "errors") != NULL) {
        assert_true(json_is_array(json_object_get(r->body, "errors")));
        assert_int_equal(json_object_size(r->body), 4);
    } else {
        assert_int_equal(json_object_size(r->body), 3);
    }
    assert_non_null(json_string_value(json_object_get(r->body, "message")));
    assert_string_equal(json_string_value(json_object_get(r->body, "requestId")), id);
    bool found = false;
    for (int e = 0; e < PLATFORM_API_ERROR__COUNT && !found; e++) {
        const platform_api_error_info *info = platform_api_error_get((platform_api_error)e);
        if (strcmp(info->code, code) == 0) {
            found = true;
            assert_int_equal(info->http_status, r->status);
            assert_string_equal(json_string_value(json_object_get(r->body, "message")),
                                info->message);
        }
    }
    assert_true(found);
    if (r->status == 429)
        assert_non_null(r->header[REPLY_RETRY_AFTER]);
}

static reply call(const call_spec *spec)
{
    const char *app_id = spec->app_id != NULL ? spec->app_id : fx.app.app_id;
    const char *secret = spec->secret != NULL ? spec->secret : fx.secret;
    char timestamp[24], nonce[40], signature[PLATFORM_SIGNATURE_HEX + 1];
    snprintf(timestamp, sizeof(timestamp), "%lld",
             (long long)(atomic_load(&clock_ms) / 1000 + spec->timestamp_offset_s));
    if (spec->nonce != NULL) {
        snprintf(nonce, sizeof(nonce), "%s", spec->nonce);
    } else {
        uint8_t random[12];
        assert_int_equal(crypto_random_bytes(random, sizeof(random)), AW_OK);
        aw_hex_encode(random, sizeof(random), nonce, false);
    }
    const char *signed_body = spec->signed_body != NULL ? spec->signed_body : spec->body;
    platform_signed_request signed_request = {
        .method = http_method_name(spec->method),
        .path = spec->path,
        .query = spec->signed_query != NULL ? spec->signed_query : spec->query,
        .app_id = app_id,
        .timestamp = timestamp,
        .nonce = nonce,
        .body = (const uint8_t *)signed_body,
        .body_len = signed_body != NULL ? strlen(signed_body) : 0,
    };
    /* malformed parts cannot be signed: send a well-formed wrong signature */
    if (platform_signature_sign(&signed_request, secret, signature) != AW_OK) {
        memset(signature, '0', PLATFORM_SIGNATURE_HEX);
        signature[PLATFORM_SIGNATURE_HEX] = '\0';
    }
    http_header headers[9];
    size_t count = 0;
    const char *values[4] = {app_id, timestamp, nonce,
                             spec->signature != NULL ? spec->signature : signature};
    const char *names[4] = {PLATFORM_HEADER_APP_ID, PLATFORM_HEADER_TIMESTAMP,
                            PLATFORM_HEADER_NONCE, PLATFORM_HEADER_SIGNATURE};
    for (size_t i = 0; i < 4; i++)
        if (!spec->omit[i])
            headers[count++] = (http_header){names[i], values[i]};
    char authorization[128];
    if (spec->bearer != NULL) {
        snprintf(authorization, sizeof(authorization), "Bearer %s", spec->bearer);
        headers[count++] = (http_header){"Authorization", authorization};
    }
    if (spec->idempotency_key != NULL)
        headers[count++] = (http_header){"Idempotency-Key", spec->idempotency_key};
    if (spec->body != NULL || spec->content_type != NULL)
        headers[count++] = (http_header){
            "Content-Type", spec->content_type != NULL ? spec->content_type : "application/json"};
    char url[700];
    char target[600];
    snprintf(target, sizeof(target), "%s%s%s", spec->path, spec->query != NULL ? "?" : "",
             spec->query != NULL ? spec->query : "");
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, target);
    http_client_request request = {.method = spec->method,
                                   .url = url,
                                   .headers = headers,
                                   .header_count = count,
                                   .body = spec->body,
                                   .body_len = spec->body != NULL ? strlen(spec->body) : 0,
                                   .response_header_names = reply_headers,
                                   .response_header_count = REPLY_HEADER_COUNT};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(fx.client, &request, &response), AW_OK);
    reply r = {.status = response->status};
    if (response->body_len > 0) {
        json_error_t error;
        r.body = json_loadb((const char *)response->body, response->body_len, 0, &error);
    }
    for (size_t i = 0; i < REPLY_HEADER_COUNT; i++)
        r.header[i] = response->header_values[i] != NULL ? strdup(response->header_values[i])
                                                          : NULL;
    http_client_response_free(response);
    record(spec, &r);
    check_reply_shape(&r);
    return r;
}

/* Make the call and expect error code (status checked by check_reply_shape). */
static void expect_error(const call_spec *spec, const char *code)
{
    reply r = call(spec);
    if (r.status == 200 || strcmp(json_string_value(json_object_get(r.body, "code")), code) != 0)
        print_error("expected %s, got %d %s\n", code, r.status,
                    r.status == 200 ? "" : json_string_value(json_object_get(r.body, "code")));
    assert_int_not_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), code);
    reply_free(&r);
}

static void expect_ok(const call_spec *spec)
{
    reply r = call(spec);
    if (r.status != 200)
        print_error("expected 200, got %d %s\n", r.status,
                    json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    reply_free(&r);
}

/* ---- Helpers on top ---------------------------------------------------------- */

static char *token_body(const char *app_id, const char *secret)
{
    char *body = malloc(256);
    assert_non_null(body);
    snprintf(body, 256, "{\"appId\":\"%s\",\"appSecret\":\"%s\"}", app_id, secret);
    return body;
}

/* POST /api/v1/auth/token for app (NULL: fx.app): the pair. */
static platform_token_pair issue(const platform_app *app, const char *secret)
{
    const char *app_id = app != NULL ? app->app_id : fx.app.app_id;
    const char *key = secret != NULL ? secret : fx.secret;
    char *body = token_body(app_id, key);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/auth/token", .body = body,
                      .app_id = app_id, .secret = key};
    reply r = call(&spec);
    free(body);
    assert_int_equal(r.status, 200);
    platform_token_pair pair = {0};
    snprintf(pair.access_token, sizeof(pair.access_token), "%s",
             json_string_value(json_object_get(r.body, "accessToken")));
    snprintf(pair.refresh_token, sizeof(pair.refresh_token), "%s",
             json_string_value(json_object_get(r.body, "refreshToken")));
    assert_string_equal(json_string_value(json_object_get(r.body, "tokenType")), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(r.body, "expiresIn")),
                     PLATFORM_DEFAULT_ACCESS_TTL_S);
    assert_int_equal(json_integer_value(json_object_get(r.body, "refreshExpiresIn")),
                     PLATFORM_DEFAULT_REFRESH_TTL_S);
    assert_int_equal(strlen(pair.access_token), PLATFORM_TOKEN_LENGTH);
    reply_free(&r);
    return pair;
}

/* An app of tenant with role (limits out of the way) and its token, and
 * calls made with it (static inline: not every test uses them). */
typedef struct role_app {
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_token_pair token;
} role_app;

static inline void role_app_make(role_app *a, const char *tenant, platform_role role)
{
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(
        platform_app_create(fx.admin, fx.ring, tenant, &limits, NOW, &a->app, a->secret), AW_OK);
    if (role != PLATFORM_ROLE_TENANT_USER)
        assert_int_equal(platform_app_role_set(fx.admin, a->app.app_id, role, NOW), AW_OK);
    a->token = issue(&a->app, a->secret);
}

/* A call of app a (bearer: its token). */
static inline call_spec role_spec(const role_app *a, aw_http_method method, const char *path,
                                  const char *query, const char *body)
{
    return (call_spec){.method = method, .path = path, .query = query, .body = body,
                       .app_id = a->app.app_id, .secret = a->secret,
                       .bearer = a->token.access_token};
}

/* One call of app who (its token) and its answer. */
static inline reply role_call(const role_app *who, aw_http_method method, const char *path,
                              const char *body)
{
    call_spec spec = role_spec(who, method, path, NULL, body);
    return call(&spec);
}

/* One call of app who answered status, and code when not NULL. */
static inline void role_expect(const role_app *who, aw_http_method method, const char *path,
                               const char *body, int status, const char *code)
{
    reply r = role_call(who, method, path, body);
    if (r.status != status)
        print_error("%s: expected %d, got %d %s\n", path, status, r.status,
                    r.body != NULL ? json_string_value(json_object_get(r.body, "code")) : "");
    assert_int_equal(r.status, status);
    if (code != NULL)
        assert_string_equal(json_string_value(json_object_get(r.body, "code")), code);
    reply_free(&r);
}

#endif
