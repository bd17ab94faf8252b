/* The fixture of the graded exception tests (test code only; included by
 * one test file each): the HTTPS API fixture (platform_api_testutil.h) with
 * a short exception policy (limits general 60 s .. critical 10 s, refused
 * calls threshold 3, silence 1 h), the app a platform administrator, a
 * receiver that verifies every event's signature (and refuses on
 * /hooks/fail), one round of the delivery worker, and the steps of an
 * exception's handling and its review checked over the API. */
#ifndef AIRWRITE_TESTS_PLATFORM_EXCEPTIONS_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_EXCEPTIONS_TESTUTIL_H

#include "platform_api_testutil.h"

#include <pthread.h>

#include "core/base64.h"

static const char hook_secret[] =
    "exsecret-0123456789abcdef0123456789abcdef0123456789abcdef0123456";
#define SECOND 1000LL

static platform_token_pair token;
static platform_exception_policy policy;

/* ---- The receiver: verifies every signature, refuses on /hooks/fail ---------- */

static struct {
    test_server ts;
    pthread_mutex_t lock;
    int bad_signatures;
    int refused;
    size_t count;
    json_t *events[32];       /* accepted bodies, in order */
} rx;

static inline void receiver_handle(http_request *request, void *userdata)
{
    (void)userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    platform_signature_headers headers;
    aw_err err = platform_signature_parse_headers(
        http_request_header(request, PLATFORM_HEADER_APP_ID),
        http_request_header(request, PLATFORM_HEADER_TIMESTAMP),
        http_request_header(request, PLATFORM_HEADER_NONCE),
        http_request_header(request, PLATFORM_HEADER_SIGNATURE), &headers);
    if (err == AW_OK) {
        platform_signed_request signed_request = {.method = "POST",
                                                  .path = http_request_path(request),
                                                  .query = http_request_query(request),
                                                  .app_id = headers.app_id,
                                                  .timestamp = headers.timestamp,
                                                  .nonce = headers.nonce,
                                                  .body = body,
                                                  .body_len = len};
        err = platform_signature_verify(&signed_request, hook_secret, headers.signature);
    }
    bool fail = strcmp(http_request_path(request), "/hooks/fail") == 0;
    pthread_mutex_lock(&rx.lock);
    int status = 200;
    if (err != AW_OK) {
        rx.bad_signatures++;
        status = 401;
    } else if (fail) {
        rx.refused++;
        status = 503;
    } else if (rx.count < 32) {
        rx.events[rx.count++] = json_loadb((const char *)body, len, 0, NULL);
    }
    pthread_mutex_unlock(&rx.lock);
    http_request_set_status(request, status);
}

static inline void api_start(void)
{
    server_start_with(&(platform_api_config){.exceptions = &policy});
}

static inline int setup_exceptions(void **state)
{
    setup(state);
    /* short limits the test's clock passes: general 60 s .. critical 10 s */
    platform_exception_policy_default(&policy);
    static const char *const limits[4] = {"60s", "30s", "20s", "10s"};
    static const char *const grades[4] = {"general", "significant", "serious", "critical"};
    static const char *const classes[4] = {"application", "write", "interface", "terminal"};
    for (size_t c = 0; c < 4; c++)
        for (size_t g = 0; g < 4; g++) {
            char key[32];
            snprintf(key, sizeof(key), "%s_%s", classes[c], grades[g]);
            assert_int_equal(platform_exception_policy_set(&policy, key, limits[g]), AW_OK);
        }
    assert_int_equal(platform_exception_policy_set(&policy, "silence", "1h"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&policy, "api_error_threshold", "3"), AW_OK);
    assert_int_equal(platform_exception_policy_check(&policy), AW_OK);
    server_stop();
    api_start();
    platform_app_limits unlimited = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                     .burst = PLATFORM_LIMIT_MAX, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &unlimited, NOW), AW_OK);
    /* exceptions are handled and callbacks registered by the platform
     * administrator (docs/rbac.md) */
    assert_int_equal(
        platform_app_role_set(fx.admin, fx.app.app_id, PLATFORM_ROLE_PLATFORM_ADMIN, NOW), AW_OK);
    token = issue(NULL, NULL);
    pthread_mutex_init(&rx.lock, NULL);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .timeout_ms = 5000};
    test_server_new(&rx.ts, &config);
    assert_int_equal(http_server_route(rx.ts.server, AW_HTTP_METHOD_POST, "/hooks/airwrite",
                                       receiver_handle, NULL),
                     AW_OK);
    assert_int_equal(http_server_route(rx.ts.server, AW_HTTP_METHOD_POST, "/hooks/fail",
                                       receiver_handle, NULL),
                     AW_OK);
    test_server_run(&rx.ts);
    return 0;
}

static inline int teardown_exceptions(void **state)
{
    test_server_free(&rx.ts);
    for (size_t i = 0; i < rx.count; i++)
        json_decref(rx.events[i]);
    pthread_mutex_destroy(&rx.lock);
    memset(&rx, 0, sizeof(rx));
    return teardown(state);
}

/* ---- Helpers -------------------------------------------------------------------- */

typedef struct round {
    platform_delivery_stats stats;
    aw_err err;
} round;

static inline void *round_thread(void *arg)
{
    round *r = arg;
    db_connection *db = NULL;
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 5000};
    r->err = db_open(fx.tdb.url, NULL, &db);
    if (r->err == AW_OK)
        r->err = http_client_new(&config, &client);
    if (r->err == AW_OK)
        r->err = platform_callback_deliver(db, fx.ring, client, "test-worker", 50,
                                           atomic_load(&clock_ms), &r->stats);
    http_client_free(client);
    db_close(db);
    return NULL;
}

static inline platform_delivery_stats deliver_round(void)
{
    round r;
    memset(&r, 0, sizeof(r));
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, round_thread, &r), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(r.err, AW_OK);
    return r.stats;
}

static inline void register_hook(const char *path, const char *events)
{
    char url[256], body[600];
    test_url(url, sizeof(url), "127.0.0.1", &rx.ts, path);
    snprintf(body, sizeof(body), "{\"url\":\"%s\",\"secret\":\"%s\",\"events\":%s}", url,
             hook_secret, events);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/callbacks", .body = body,
                      .bearer = token.access_token};
    expect_ok(&spec);
}

/* The accepted events of type, counted; the last one in *last (borrowed). */
static inline size_t received(const char *type, json_t **last)
{
    size_t n = 0;
    pthread_mutex_lock(&rx.lock);
    for (size_t i = 0; i < rx.count; i++)
        if (strcmp(json_string_value(json_object_get(rx.events[i], "type")), type) == 0) {
            n++;
            if (last != NULL)
                *last = rx.events[i];
        }
    assert_int_equal(rx.bad_signatures, 0);
    pthread_mutex_unlock(&rx.lock);
    return n;
}

/* GET /api/v1/exceptions with query: the list (caller frees). */
static inline json_t *list_exceptions(const char *query)
{
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/exceptions",
                      .query = query, .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    json_t *list = json_incref(json_object_get(r.body, "exceptions"));
    reply_free(&r);
    return list;
}

static inline void list_check_count(const char *query, size_t count)
{
    json_t *list = list_exceptions(query);
    assert_int_equal(json_array_size(list), count);
    json_decref(list);
}

/* The one exception of code (asserting there is exactly one). */
static inline void find_exception(const char *query, const char *code, char id[64], int64_t count,
                           const char *grade)
{
    json_t *list = list_exceptions(query);
    size_t found = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(e, "code")), code) != 0)
            continue;
        found++;
        snprintf(id, 64, "%s", json_string_value(json_object_get(e, "exceptionId")));
        assert_int_equal(json_integer_value(json_object_get(e, "count")), count);
        assert_string_equal(json_string_value(json_object_get(e, "grade")), grade);
        assert_string_equal(json_string_value(json_object_get(e, "state")), "open");
    }
    json_decref(list);
    assert_int_equal(found, 1);
}

static inline void transition(const char *id, const char *to, const char *expect_code)
{
    char path[128], body[128];
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s/transition", id);
    snprintf(body, sizeof(body), "{\"to\":\"%s\",\"note\":\"step to %s\"}", to, to);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = path, .body = body,
                      .bearer = token.access_token};
    if (expect_code != NULL) {
        expect_error(&spec, expect_code);
        return;
    }
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "state")), to);
    reply_free(&r);
}

static inline void submit_report(const char *id)
{
    char path[128], body[512], encoded[64];
    static const char attachment[] = "timeline: 10:00 seen, 10:05 fixed";
    assert_int_equal(aw_base64_encode((const uint8_t *)attachment, strlen(attachment), encoded,
                                      sizeof(encoded)),
                     AW_OK);
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s/report", id);
    snprintf(body, sizeof(body),
             "{\"text\":\"原因与处理: cause found and fixed\",\"attachments\":[{\"name\":"
             "\"timeline.txt\",\"contentType\":\"text/plain\",\"data\":\"%s\"}]}",
             encoded);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = path, .body = body,
                      .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "hasReport")));
    reply_free(&r);
}

/* Escalate at the clock now: the exception of id is one grade up (to
 * grade), and the escalation event reached the receiver, signed. */
static inline void escalate_and_check(const char *id, const char *grade, int64_t expect_escalated)
{
    int64_t escalated = -1;
    assert_int_equal(platform_exception_escalate(fx.admin, &policy, atomic_load(&clock_ms),
                                                 &escalated),
                     AW_OK);
    assert_int_equal(escalated, expect_escalated);
    (void)deliver_round();
    json_t *last = NULL;
    assert_true(received("exception.escalated", &last) >= 1);
    json_t *data = json_object_get(last, "data");
    assert_string_equal(json_string_value(json_object_get(data, "exceptionId")), id);
    assert_string_equal(json_string_value(json_object_get(data, "grade")), grade);
    /* a second sweep at the same time finds nothing due */
    assert_int_equal(platform_exception_escalate(fx.admin, &policy, atomic_load(&clock_ms),
                                                 &escalated),
                     AW_OK);
    assert_int_equal(escalated, 0);
}

/* GET the exception: its history's entries in order. */
static inline void check_history(const char *id, const char *const *to_states, size_t count)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s", id);
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = path, .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    json_t *history = json_object_get(r.body, "history");
    assert_int_equal(json_array_size(history), count);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(history, i), "to")),
                            to_states[i]);
    json_t *report = json_object_get(r.body, "report");
    assert_string_equal(json_string_value(json_object_get(report, "text")),
                        "原因与处理: cause found and fixed");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(report, "attachments"), 0), "size")),
                     33);
    reply_free(&r);
}

/* GET /api/v1/reviews?query answered as HTML (not the JSON model call()
 * checks): the page, NUL-terminated. */
static inline char *get_html(const char *query)
{
    char timestamp[24], nonce[] = "html0123456789abcdef", signature[PLATFORM_SIGNATURE_HEX + 1];
    nonce[0] = (char)('a' + (atomic_load(&clock_ms) / 1000) % 26); /* one per call time */
    snprintf(timestamp, sizeof(timestamp), "%lld", (long long)(atomic_load(&clock_ms) / 1000));
    platform_signed_request signed_request = {.method = "GET", .path = "/api/v1/reviews",
                                              .query = query, .app_id = fx.app.app_id,
                                              .timestamp = timestamp, .nonce = nonce};
    assert_int_equal(platform_signature_sign(&signed_request, fx.secret, signature), AW_OK);
    char authorization[128], target[256], url[400];
    snprintf(authorization, sizeof(authorization), "Bearer %s", token.access_token);
    http_header headers[] = {{PLATFORM_HEADER_APP_ID, fx.app.app_id},
                             {PLATFORM_HEADER_TIMESTAMP, timestamp},
                             {PLATFORM_HEADER_NONCE, nonce},
                             {PLATFORM_HEADER_SIGNATURE, signature},
                             {"Authorization", authorization}};
    snprintf(target, sizeof(target), "/api/v1/reviews?%s", query);
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, target);
    static const char *const names[] = {"Content-Type"};
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url, .headers = headers,
                                   .header_count = 5, .response_header_names = names,
                                   .response_header_count = 1};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(fx.client, &request, &response), AW_OK);
    assert_int_equal(response->status, 200);
    assert_string_equal(response->header_values[0], "text/html; charset=utf-8");
    char *page = malloc(response->body_len + 1);
    assert_non_null(page);
    memcpy(page, response->body, response->body_len);
    page[response->body_len] = '\0';
    http_client_response_free(response);
    return page;
}

typedef struct expected_review {
    int64_t total, resolved, overdue, mean_ms, p95_ms;
    int64_t by_class[4], by_grade[4], closed;
    const char *top_code;
    int64_t top_count, top_signals;
} expected_review;

/* GET /api/v1/reviews from..to as JSON and HTML against expected. */
static inline void check_review(int64_t from, int64_t to, const expected_review *x)
{
    char query[96];
    snprintf(query, sizeof(query), "from=%lld&to=%lld", (long long)from, (long long)to);
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/reviews", .query = query,
                      .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    json_t *b = r.body;
    assert_int_equal(json_integer_value(json_object_get(b, "total")), x->total);
    assert_int_equal(json_integer_value(json_object_get(b, "resolved")), x->resolved);
    assert_int_equal(json_integer_value(json_object_get(b, "overdue")), x->overdue);
    json_t *handle = json_object_get(b, "timeToHandle");
    assert_int_equal(json_integer_value(json_object_get(handle, "meanMs")), x->mean_ms);
    assert_int_equal(json_integer_value(json_object_get(handle, "p95Ms")), x->p95_ms);
    static const char *const classes[4] = {"application", "write", "interface", "terminal"};
    static const char *const grades[4] = {"general", "significant", "serious", "critical"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "byClass"),
                                                            classes[i])),
                         x->by_class[i]);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "byGrade"),
                                                            grades[i])),
                         x->by_grade[i]);
    }
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(b, "byState"), "closed")), x->closed);
    json_t *top = json_array_get(json_object_get(b, "topCauses"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "code")), x->top_code);
    assert_int_equal(json_integer_value(json_object_get(top, "exceptions")), x->top_count);
    assert_int_equal(json_integer_value(json_object_get(top, "signals")), x->top_signals);
    assert_int_equal(json_array_size(json_object_get(b, "overdueItems")), (size_t)x->overdue);
    reply_free(&r);

    /* the same as HTML (not JSON: the reply body stays NULL) */
    snprintf(query, sizeof(query), "from=%lld&to=%lld&format=html", (long long)from,
             (long long)to);
    platform_review *review = NULL;
    assert_int_equal(platform_review_build(fx.admin, fx.app.tenant, from, to, to, &review), AW_OK);
    char *html = NULL;
    size_t len = 0;
    assert_int_equal(platform_review_html(review, &html, &len), AW_OK);
    platform_review_free(review);
    char row[96];
    snprintf(row, sizeof(row), "<tr><th>total</th><td>%lld</td></tr>", (long long)x->total);
    assert_non_null(strstr(html, row));
    snprintf(row, sizeof(row), "<tr><th>overdue</th><td>%lld</td></tr>", (long long)x->overdue);
    assert_non_null(strstr(html, row));
    snprintf(row, sizeof(row), "<tr><th>meanMs</th><td>%lld</td></tr>", (long long)x->mean_ms);
    assert_non_null(strstr(html, row));
    snprintf(row, sizeof(row), "<tr><td>%s</td><td>%lld</td><td>%lld</td></tr>", x->top_code,
             (long long)x->top_count, (long long)x->top_signals);
    assert_non_null(strstr(html, row));
    free(html);
    char *page = get_html(query);
    snprintf(row, sizeof(row), "<tr><th>total</th><td>%lld</td></tr>", (long long)x->total);
    assert_non_null(strstr(page, row));
    snprintf(row, sizeof(row), "<tr><td>%s</td><td>%lld</td><td>%lld</td></tr>", x->top_code,
             (long long)x->top_count, (long long)x->top_signals);
    assert_non_null(strstr(page, row));
    free(page);
}

static inline void advance(int64_t ms)
{
    atomic_fetch_add(&clock_ms, ms);
}

static inline void create_order(unsigned long long n, char order_id[64])
{
    char eid[33], body[160];
    platform_test_eid(n, eid);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"iot-basic\"}", eid);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                      .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    snprintf(order_id, 64, "%s", json_string_value(json_object_get(r.body, "orderId")));
    reply_free(&r);
}

static inline void create_and_fail(unsigned long long n, const char *code, char order_id[64])
{
    char eid[33];
    platform_test_eid(n, eid);
    create_order(n, order_id);
    int64_t now = atomic_load(&clock_ms);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "in_progress", NULL,
                                                    "start", "executor", now),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "failed", code,
                                                    "download failed (SM-DP+ notification)",
                                                    "executor", now),
                     AW_OK);
}


#endif
