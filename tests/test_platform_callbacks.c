/* Tests of callbacks (src/platform/callbacks.c, callback_delivery.c,
 * api_callbacks.c) over real HTTPS on loopback: the registration routes and
 * every error answer; events written in the transaction of their state
 * change (a refused order writes none); delivery on a worker thread to a
 * receiver (core http_server) that verifies each signature with
 * platform_signature_verify, fails first and then accepts; the backoff on
 * the test's clock; a receiver that always fails until the delivery is a
 * dead letter, listed and replayed; a deleted callback's delivery dying;
 * lifecycle, item and exception events. SQLite by default; PostgreSQL
 * with the argument "postgresql" under pg-harness.sh. Responses are
 * recorded for the OpenAPI check. */
#include "platform_api_testutil.h"

#include <pthread.h>

#include "core/db_queue.h"
#include "platform/platform_internal.h" /* platform_event_emitf */

static const char hook_secret[] = "cbsecret-0123456789abcdef0123456789abcdef0123456789abcdef0123456";

static platform_token_pair token;

/* ---- The receiver ----------------------------------------------------------- */

static struct {
    test_server ts;
    pthread_mutex_t lock;
    int fail_remaining;     /* answer 500 this many times */
    bool always_fail;
    int attempts;
    int bad_signatures;
    int delivered;
    char types[32][24];     /* event types accepted, in order */
    json_t *last;           /* body of the last accepted event */
    char last_nonce[80];
} rx;

static void receiver_handle(http_request *request, void *userdata)
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
    pthread_mutex_lock(&rx.lock);
    rx.attempts++;
    int status = 200;
    if (err != AW_OK) {
        rx.bad_signatures++;
        status = 401;
    } else if (rx.always_fail || rx.fail_remaining > 0) {
        if (rx.fail_remaining > 0)
            rx.fail_remaining--;
        status = 500;
    } else {
        json_t *event = json_loadb((const char *)body, len, 0, NULL);
        const char *type = json_string_value(json_object_get(event, "type"));
        const char *header_type = http_request_header(request, PLATFORM_HEADER_EVENT_TYPE);
        const char *header_id = http_request_header(request, PLATFORM_HEADER_EVENT_ID);
        const char *event_id = json_string_value(json_object_get(event, "eventId"));
        if (type == NULL || header_type == NULL || strcmp(type, header_type) != 0 ||
            header_id == NULL || event_id == NULL || strcmp(header_id, event_id) != 0) {
            status = 400;
        } else if (rx.delivered < 32) {
            snprintf(rx.types[rx.delivered], sizeof(rx.types[0]), "%s", type);
        }
        if (status == 200) {
            rx.delivered++;
            json_decref(rx.last);
            rx.last = json_incref(event);
            snprintf(rx.last_nonce, sizeof(rx.last_nonce), "%s", headers.nonce);
        }
        json_decref(event);
    }
    pthread_mutex_unlock(&rx.lock);
    http_request_set_status(request, status);
}

static void receiver_start(void)
{
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .timeout_ms = 5000};
    test_server_new(&rx.ts, &config);
    assert_int_equal(http_server_route(rx.ts.server, AW_HTTP_METHOD_POST, "/hooks/airwrite",
                                       receiver_handle, NULL),
                     AW_OK);
    test_server_run(&rx.ts);
}

static int setup_callbacks(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    token = issue(NULL, NULL);
    pthread_mutex_init(&rx.lock, NULL);
    receiver_start();
    return 0;
}

static int teardown_callbacks(void **state)
{
    test_server_free(&rx.ts);
    json_decref(rx.last);
    pthread_mutex_destroy(&rx.lock);
    memset(&rx, 0, sizeof(rx));
    return teardown(state);
}

/* ---- The delivery worker: one round on its own thread ------------------------ */

typedef struct round {
    platform_delivery_stats stats;
    aw_err err;
} round;

static void *round_thread(void *arg)
{
    round *r = arg;
    /* the worker's own connection and client, as a daemon's worker has */
    db_connection *db = NULL;
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 5000};
    r->err = db_open(fx.tdb.url, NULL, &db);
    if (r->err == AW_OK)
        r->err = http_client_new(&config, &client);
    if (r->err == AW_OK)
        r->err = platform_callback_deliver(db, fx.ring, client, "test-worker-1", 10,
                                           atomic_load(&clock_ms), &r->stats);
    http_client_free(client);
    db_close(db);
    return NULL;
}

static platform_delivery_stats deliver_round(void)
{
    round r;
    memset(&r, 0, sizeof(r));
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, round_thread, &r), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(r.err, AW_OK);
    return r.stats;
}

static int64_t queue_count(db_job_state state)
{
    int64_t n = -1;
    assert_int_equal(db_queue_count(fx.admin, PLATFORM_CALLBACK_QUEUE, state, &n), AW_OK);
    return n;
}

/* ---- Helpers ------------------------------------------------------------------ */

static void hook_url(char *url, size_t size)
{
    test_url(url, size, "127.0.0.1", &rx.ts, "/hooks/airwrite");
}

/* POST /api/v1/callbacks for the receiver: the callback id. */
static void register_hook(const char *events, char id[PLATFORM_CALLBACK_ID_LENGTH + 1])
{
    char url[256], body[512];
    hook_url(url, sizeof(url));
    snprintf(body, sizeof(body), "{\"url\":\"%s\",\"secret\":\"%s\",\"events\":%s}", url,
             hook_secret, events);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/callbacks", .body = body,
                      .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    snprintf(id, PLATFORM_CALLBACK_ID_LENGTH + 1, "%s",
             json_string_value(json_object_get(r.body, "callbackId")));
    assert_int_equal(strlen(id), PLATFORM_CALLBACK_ID_LENGTH);
    assert_string_equal(json_string_value(json_object_get(r.body, "url")), url);
    assert_null(json_object_get(r.body, "secret"));
    reply_free(&r);
}

/* POST /api/v1/orders with one EID: the order id. */
static void create_order(unsigned long long n, char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char eid[33], body[128];
    platform_test_eid(n, eid);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"iot-basic\"}", eid);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                      .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    snprintf(order_id, PLATFORM_ORDER_ID_LENGTH + 1, "%s",
             json_string_value(json_object_get(r.body, "orderId")));
    reply_free(&r);
}

static call_spec dead_letters_spec(const char *query)
{
    return (call_spec){.method = AW_HTTP_METHOD_GET, .path = "/api/v1/callbacks/dead-letters",
                       .query = query, .bearer = token.access_token};
}

/* ---- Tests -------------------------------------------------------------------- */

static void test_callback_routes(void **state)
{
    (void)state;
    char id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    register_hook("[\"order.accepted\",\"exception.raised\"]", id);
    call_spec list = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/callbacks",
                      .bearer = token.access_token};
    reply r = call(&list);
    assert_int_equal(r.status, 200);
    json_t *callbacks = json_object_get(r.body, "callbacks");
    assert_int_equal(json_array_size(callbacks), 1);
    json_t *events = json_object_get(json_array_get(callbacks, 0), "events");
    assert_int_equal(json_array_size(events), 2);
    assert_string_equal(json_string_value(json_array_get(events, 0)), "order.accepted");
    assert_string_equal(json_string_value(json_array_get(events, 1)), "exception.raised");
    reply_free(&r);

    char url[256], body[700];
    hook_url(url, sizeof(url));
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/callbacks", .body = body,
                      .bearer = token.access_token};
    /* I4003: the same URL again */
    snprintf(body, sizeof(body), "{\"url\":\"%s\",\"secret\":\"%s\",\"events\":[\"item.failed\"]}",
             url, hook_secret);
    expect_error(&spec, "I4003");
    /* I1002: http, user info, fragment; short secret; unknown, repeated or no events */
    static const struct {
        const char *url;
        int secret_length;
        const char *events;
    } bad[] = {
        {"http://127.0.0.1/x", 64, "[\"item.failed\"]"},
        {"https://u:p@127.0.0.1/x", 64, "[\"item.failed\"]"},
        {"https://127.0.0.1/x#f", 64, "[\"item.failed\"]"},
        {"https://127.0.0.1/x", 63, "[\"item.failed\"]"},
        {"https://127.0.0.1/x", 64, "[\"item.lost\"]"},
        {"https://127.0.0.1/x", 64, "[\"item.failed\",\"item.failed\"]"},
        {"https://127.0.0.1/x", 64, "[]"},
        {"https://127.0.0.1/x", 64, "[\"item.failed\"],\"x\":1"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"url\":\"%s\",\"secret\":\"%.*s\",\"events\":%s}",
                 bad[i].url, bad[i].secret_length, hook_secret, bad[i].events);
        expect_error(&spec, "I1002");
    }
    snprintf(body, sizeof(body), "{\"url\":");
    expect_error(&spec, "I1001");
    /* I4004: 16 per app */
    for (int i = 1; i < (int)PLATFORM_CALLBACKS_PER_APP_MAX; i++) {
        snprintf(body, sizeof(body),
                 "{\"url\":\"https://127.0.0.1/h%d\",\"secret\":\"%s\",\"events\":[\"item.failed\"]}",
                 i, hook_secret);
        expect_ok(&spec);
    }
    snprintf(body, sizeof(body),
             "{\"url\":\"https://127.0.0.1/h99\",\"secret\":\"%s\",\"events\":[\"item.failed\"]}",
             hook_secret);
    expect_error(&spec, "I4004");
    /* DELETE: another app's callback, an unknown one: A3001 */
    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-a", NULL, NOW, &app_b,
                                         secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/callbacks/%s", id);
    call_spec del = {.method = AW_HTTP_METHOD_DELETE, .path = path,
                     .app_id = app_b.app_id, .secret = secret_b, .bearer = token_b.access_token};
    expect_error(&del, "A3001");
    del = (call_spec){.method = AW_HTTP_METHOD_DELETE, .path = path, .bearer = token.access_token};
    r = call(&del);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "deleted")));
    reply_free(&r);
    expect_error(&del, "A3001");
    /* other methods on the dispatched paths: 405 with Allow */
    call_spec wrong = {.method = AW_HTTP_METHOD_GET, .path = path, .bearer = token.access_token};
    r = call(&wrong);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "DELETE");
    reply_free(&r);
    wrong = (call_spec){.method = AW_HTTP_METHOD_GET,
                        .path = "/api/v1/callbacks/dead-letters/dlv_00/replay",
                        .bearer = token.access_token};
    r = call(&wrong);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "POST");
    reply_free(&r);
    wrong = (call_spec){.method = AW_HTTP_METHOD_DELETE, .path = "/api/v1/callbacks/dead-letters",
                        .bearer = token.access_token};
    r = call(&wrong);
    assert_int_equal(r.status, 405);
    reply_free(&r);
    call_spec unknown = {.method = AW_HTTP_METHOD_POST,
                         .path = "/api/v1/callbacks/dead-letters/dlv_00/again",
                         .bearer = token.access_token};
    expect_error(&unknown, "I1006");
    /* replay of no dead letter: A3002; paging errors: I1002 */
    call_spec replay = {.method = AW_HTTP_METHOD_POST,
                        .path = "/api/v1/callbacks/dead-letters/dlv_000000000000000000000000/replay",
                        .bearer = token.access_token};
    expect_error(&replay, "A3002");
    call_spec dead = dead_letters_spec(NULL);
    r = call(&dead);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "deadLetters")), 0);
    assert_true(json_is_null(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    static const char *const bad_pages[] = {"limit=0", "limit=5000", "cursor=x", "limit=01"};
    for (size_t i = 0; i < 4; i++) {
        dead = dead_letters_spec(bad_pages[i]);
        expect_error(&dead, "I1002");
    }
}

/* Fails first, then accepts: retried after the backoff, signature valid. */
static void test_delivery_retry(void **state)
{
    (void)state;
    char id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    register_hook("[\"order.accepted\",\"order.finished\"]", id);
    rx.fail_remaining = 1;
    /* a refused order writes no event */
    char body[128];
    snprintf(body, sizeof(body), "{\"eids\":[\"1\"],\"profileType\":\"p\"}");
    call_spec refused = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                         .bearer = token.access_token};
    expect_error(&refused, "A1001");
    assert_int_equal(queue_count(DB_JOB_READY), 0);
    /* an accepted one writes it with the order */
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(1, order_id);
    assert_int_equal(queue_count(DB_JOB_READY), 1);
    platform_delivery_stats s = deliver_round();
    assert_int_equal(s.retrying, 1);
    assert_int_equal(s.delivered, 0);
    assert_int_equal(rx.attempts, 1);
    /* not due before the backoff */
    atomic_fetch_add(&clock_ms, PLATFORM_CALLBACK_BACKOFF_MS - 1);
    s = deliver_round();
    assert_int_equal(s.delivered + s.retrying + s.dead, 0);
    atomic_fetch_add(&clock_ms, 1);
    s = deliver_round();
    assert_int_equal(s.delivered, 1);
    assert_int_equal(rx.attempts, 2);
    assert_int_equal(rx.bad_signatures, 0);
    assert_int_equal(rx.delivered, 1);
    assert_string_equal(json_string_value(json_object_get(rx.last, "type")), "order.accepted");
    assert_string_equal(json_string_value(json_object_get(rx.last, "tenant")), "tenant-a");
    json_t *data = json_object_get(rx.last, "data");
    assert_string_equal(json_string_value(json_object_get(data, "orderId")), order_id);
    assert_int_equal(json_integer_value(json_object_get(data, "itemCount")), 1);
    assert_non_null(strstr(rx.last_nonce, "-2")); /* the second attempt's nonce */
    assert_int_equal(queue_count(DB_JOB_DONE), 1);
    /* cancel: order.finished */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/orders/%s/cancel", order_id);
    call_spec cancel = {.method = AW_HTTP_METHOD_POST, .path = path, .bearer = token.access_token};
    expect_ok(&cancel);
    s = deliver_round();
    assert_int_equal(s.delivered, 1);
    assert_string_equal(rx.types[1], "order.finished");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rx.last, "data"), "status")),
        "cancelled");
}

/* Always failing: a dead letter after PLATFORM_CALLBACK_MAX_ATTEMPTS,
 * listed, replayed, then delivered. */
static void test_dead_letter_replay(void **state)
{
    (void)state;
    char id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    register_hook("[\"order.accepted\"]", id);
    rx.always_fail = true;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(2, order_id);
    create_order(3, order_id);
    platform_delivery_stats total = {0};
    for (int i = 0; i < PLATFORM_CALLBACK_MAX_ATTEMPTS; i++) {
        platform_delivery_stats s = deliver_round();
        total.retrying += s.retrying;
        total.dead += s.dead;
        atomic_fetch_add(&clock_ms, 3600 * 1000); /* past any backoff */
    }
    assert_int_equal(total.dead, 2);
    assert_int_equal(total.retrying, 2 * (PLATFORM_CALLBACK_MAX_ATTEMPTS - 1));
    assert_int_equal(rx.attempts, 2 * PLATFORM_CALLBACK_MAX_ATTEMPTS);
    assert_int_equal(queue_count(DB_JOB_DEAD), 2);
    token = issue(NULL, NULL); /* the first token expired during the hours above */
    /* listed, a page at a time */
    call_spec dead = dead_letters_spec("limit=1");
    reply r = call(&dead);
    assert_int_equal(r.status, 200);
    json_t *letters = json_object_get(r.body, "deadLetters");
    assert_int_equal(json_array_size(letters), 1);
    json_t *letter = json_array_get(letters, 0);
    assert_int_equal(json_integer_value(json_object_get(letter, "attempts")),
                     PLATFORM_CALLBACK_MAX_ATTEMPTS);
    assert_int_equal(json_integer_value(json_object_get(letter, "lastStatus")), 500);
    assert_string_equal(json_string_value(json_object_get(letter, "callbackId")), id);
    assert_string_equal(json_string_value(json_object_get(letter, "type")), "order.accepted");
    char delivery_id[PLATFORM_DELIVERY_ID_LENGTH + 1];
    snprintf(delivery_id, sizeof(delivery_id), "%s",
             json_string_value(json_object_get(letter, "deliveryId")));
    char query[64];
    snprintf(query, sizeof(query), "limit=1&cursor=%s",
             json_string_value(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    dead = dead_letters_spec(query);
    r = call(&dead);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "deadLetters")), 1);
    assert_true(json_is_null(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    /* another tenant sees none and cannot replay them */
    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", NULL, NOW, &app_b,
                                         secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/callbacks/dead-letters/%s/replay", delivery_id);
    call_spec replay_b = {.method = AW_HTTP_METHOD_POST, .path = path, .app_id = app_b.app_id,
                          .secret = secret_b, .bearer = token_b.access_token};
    expect_error(&replay_b, "A3002");
    call_spec dead_b = dead_letters_spec(NULL);
    dead_b.app_id = app_b.app_id;
    dead_b.secret = secret_b;
    dead_b.bearer = token_b.access_token;
    r = call(&dead_b);
    assert_int_equal(json_array_size(json_object_get(r.body, "deadLetters")), 0);
    reply_free(&r);
    /* replay: delivered once the receiver recovers; a second replay is A3002 */
    call_spec replay = {.method = AW_HTTP_METHOD_POST, .path = path, .bearer = token.access_token};
    r = call(&replay);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "pending");
    reply_free(&r);
    expect_error(&replay, "A3002");
    rx.always_fail = false;
    platform_delivery_stats s = deliver_round();
    assert_int_equal(s.delivered, 1);
    assert_int_equal(rx.bad_signatures, 0);
    dead = dead_letters_spec(NULL);
    r = call(&dead);
    assert_int_equal(json_array_size(json_object_get(r.body, "deadLetters")), 1);
    reply_free(&r);
}

/* Lifecycle, item and exception events; a deleted callback's delivery dies. */
static void test_events(void **state)
{
    (void)state;
    char id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    register_hook("[\"lifecycle.changed\",\"item.written\",\"item.failed\",\"exception.raised\"]",
                  id);
    assert_int_equal(platform_lifecycle_create(fx.admin, PLATFORM_LIFECYCLE_NUMBER, "tenant-a",
                                               "8613800000001", "number imported", "operator",
                                               NOW),
                     AW_OK);
    assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_NUMBER,
                                                   "tenant-a", "8613800000001", "reserved",
                                                   "order", "operator", NOW, NULL),
                     AW_OK);
    /* a refused transition writes no event */
    assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_NUMBER,
                                                   "tenant-a", "8613800000001", "cooling", "x",
                                                   "operator", NOW, NULL),
                     AW_ERR_PLATFORM_TRANSITION);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1], eid[33];
    create_order(4, order_id); /* order.accepted: not subscribed */
    platform_test_eid(4, eid);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "in_progress", NULL,
                                                    "start", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "failed", "T1001",
                                                    "eUICC memory full", "executor", NOW),
                     AW_OK);
    assert_int_equal(queue_count(DB_JOB_READY), 4);
    platform_delivery_stats s = deliver_round();
    assert_int_equal(s.delivered, 4);
    static const char *const want[] = {"lifecycle.changed", "lifecycle.changed", "item.failed",
                                       "exception.raised"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(rx.types[i], want[i]);
    json_t *data = json_object_get(rx.last, "data");
    assert_string_equal(json_string_value(json_object_get(data, "code")), "T1001");
    assert_string_equal(json_string_value(json_object_get(data, "eid")), eid);
    /* a callback deleted while its delivery waits: the delivery dies
     * without being sent */
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "pending", NULL,
                                                    "retry", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "in_progress", NULL,
                                                    "start", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, "written", NULL,
                                                    "installed", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_callback_delete(fx.admin, fx.app.app_id, id), AW_OK);
    int attempts = rx.attempts;
    s = deliver_round();
    assert_int_equal(s.dead, 1);
    assert_int_equal(rx.attempts, attempts);
    platform_dead_letter *letters = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_dead_letter_list(fx.admin, "tenant-a", 0, 10, &letters, &count,
                                               &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(letters[0].event_type, "item.written");
    assert_int_equal(letters[0].last_status, 0);
    free(letters);
}

/* The stored body of an event, byte for byte: the keys in the order the
 * contract shows (docs/api-callbacks.md), the data object as written. */
static void test_event_body(void **state)
{
    (void)state;
    char id[PLATFORM_CALLBACK_ID_LENGTH + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(5, order_id); /* nobody subscribed yet: no delivery */
    int64_t deliveries = -1;
    assert_int_equal(db_query_int64(fx.admin, "SELECT COUNT(*) FROM platform_callback_deliveries",
                                    NULL, 0, &deliveries),
                     AW_OK);
    assert_int_equal(deliveries, 0);
    register_hook("[\"order.accepted\"]", id);
    create_order(6, order_id);
    platform_order order;
    assert_int_equal(platform_order_get(fx.admin, "tenant-a", order_id, &order), AW_OK);
    db_rows *rows = NULL;
    bool has_row = false;
    const char *event_id = NULL;
    const uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(db_query(fx.admin,
                              "SELECT event_id, body FROM platform_callback_deliveries WHERE "
                              "event_type = 'order.accepted'",
                              NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &event_id), AW_OK);
    assert_int_equal(db_rows_get_blob(rows, 1, &body, &len), AW_OK);
    char want[512];
    int n = snprintf(want, sizeof(want),
                     "{\"eventId\":\"%s\",\"type\":\"order.accepted\",\"tenant\":\"tenant-a\","
                     "\"occurredAt\":%lld,\"data\":{\"orderId\":\"%s\",\"status\":\"accepted\","
                     "\"profileType\":\"iot-basic\",\"itemCount\":1}}",
                     event_id, (long long)order.created_at_ms, order_id);
    assert_true(n > 0 && (size_t)n < sizeof(want));
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(body, want, len);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_false(has_row);
    db_rows_free(rows);
    /* a data format that is no object, and no tenant, write nothing */
    assert_int_equal(platform_event_emitf(fx.admin, "tenant-a", PLATFORM_EVENT_ORDER_ACCEPTED,
                                          NOW, "[s]", "x"),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_event_emitf(fx.admin, NULL, PLATFORM_EVENT_ORDER_ACCEPTED, NOW,
                                          "{s:s}", "a", "b"),
                     AW_ERR_ARGUMENT);
    assert_int_equal(db_query_int64(fx.admin, "SELECT COUNT(*) FROM platform_callback_deliveries",
                                    NULL, 0, &deliveries),
                     AW_OK);
    assert_int_equal(deliveries, 1);
    /* an app's own order is audited with empty details, as JSON "{}" */
    int64_t audited = -1;
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM aw_audit_entry WHERE action = "
                                    "'order.create' AND details = '{}'",
                                    NULL, 0, &audited),
                     AW_OK);
    assert_int_equal(audited, 2);
    audit_report report;
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, &report), AW_OK);
}

/* The library's own argument checks. */
static void test_store_errors(void **state)
{
    (void)state;
    assert_string_equal(platform_event_type_name(PLATFORM_EVENT_ITEM_FAILED), "item.failed");
    assert_null(platform_event_type_name((platform_event_type)3));
    assert_int_equal(platform_event_type_from_name("order.finished"),
                     PLATFORM_EVENT_ORDER_FINISHED);
    assert_int_equal(platform_event_type_from_name("order"), 0);
    assert_int_equal(platform_event_type_from_name(NULL), 0);
    assert_true(platform_callback_url_valid("https://example.com"));
    assert_true(platform_callback_url_valid("https://[::1]:8443/a?b=c"));
    assert_false(platform_callback_url_valid("https://"));
    assert_false(platform_callback_url_valid("https://:80/x"));
    assert_false(platform_callback_url_valid("https://a b/"));
    assert_false(platform_callback_url_valid(NULL));
    int64_t queued = 7;
    assert_int_equal(platform_event_emit(fx.admin, "tenant-a", PLATFORM_EVENT_ITEM_FAILED, "[1]",
                                         NOW, &queued),
                     AW_ERR_ARGUMENT);
    assert_int_equal(queued, 0);
    assert_int_equal(platform_event_emit(fx.admin, "tenant-a", (platform_event_type)0, "{}", NOW,
                                         &queued),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_event_emit(fx.admin, "tenant-a", PLATFORM_EVENT_ITEM_FAILED, "{}",
                                         NOW, &queued),
                     AW_OK);
    assert_int_equal(queued, 0); /* nobody subscribed */
    platform_callback cb;
    assert_int_equal(platform_callback_register(fx.admin, fx.ring, &fx.app, "https://x/y",
                                                hook_secret, PLATFORM_EVENT_ALL + 1u, NOW, &cb),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_callback_register(fx.admin, NULL, &fx.app, "https://x/y",
                                                hook_secret, 1, NOW, &cb),
                     AW_ERR_ARGUMENT);
    platform_key_ring *empty = NULL;
    assert_int_equal(platform_key_ring_new(&empty), AW_OK);
    assert_int_equal(platform_callback_register(fx.admin, empty, &fx.app, "https://x/y",
                                                hook_secret, 1, NOW, &cb),
                     AW_ERR_PLATFORM_KEY_FILE);
    platform_key_ring_free(empty);
    assert_int_equal(platform_callback_delete(fx.admin, fx.app.app_id, "cb_none"),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_dead_letter_replay(fx.admin, "tenant-a", "dlv_none", NOW),
                     AW_ERR_NOT_FOUND);
    platform_dead_letter *letters = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_dead_letter_list(fx.admin, "tenant-a", -1, 10, &letters, &count,
                                               &more),
                     AW_ERR_PLATFORM_FIELD);
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci};
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    assert_int_equal(platform_callback_deliver(fx.admin, fx.ring, client, "w", 0, NOW, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_callback_deliver(fx.admin, fx.ring, client, "w", 1, NOW, NULL),
                     AW_OK);
    http_client_free(client);
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
        cmocka_unit_test_setup_teardown(test_callback_routes, setup_callbacks, teardown_callbacks),
        cmocka_unit_test_setup_teardown(test_delivery_retry, setup_callbacks, teardown_callbacks),
        cmocka_unit_test_setup_teardown(test_dead_letter_replay, setup_callbacks,
                                        teardown_callbacks),
        cmocka_unit_test_setup_teardown(test_events, setup_callbacks, teardown_callbacks),
        cmocka_unit_test_setup_teardown(test_event_body, setup_callbacks, teardown_callbacks),
        cmocka_unit_test_setup_teardown(test_store_errors, setup_callbacks, teardown_callbacks),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
