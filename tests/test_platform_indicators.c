/* Tests of the quality indicators (src/platform/indicators*.c,
 * api_indicators.c; docs/indicators.md): data seeded through the real code
 * paths (orders created and items moved by platform_order_item_transition
 * on a controlled clock, a re-trigger recorded as the executor does,
 * deliveries to a loopback receiver that fails one callback, signed API
 * calls that succeed and fail, exceptions recorded and resolved) and every
 * indicator compared with a value computed by hand in the test; tenants
 * kept apart; period boundaries (from included, to excluded); an empty
 * period giving nulls; thresholds raising
 * exceptions; the Prometheus text and GET /metrics; GET /api/v1/indicators
 * for a tenant user and for a cross-tenant role. SQLite by default;
 * PostgreSQL with the argument "postgresql" under pg-harness.sh. */
#include "platform_api_testutil.h"

#include <pthread.h>

#include <event2/event.h>

#define MINUTE_MS 60000LL
#define HOUR_MS (60 * MINUTE_MS)
#define T0 (NOW + 10 * MINUTE_MS) /* items' times start here */

static const char hook_secret[] = "cbsecret-0123456789abcdef0123456789abcdef0123456789abcdef0123456";

/* ---- Seeding --------------------------------------------------------------- */

static platform_app app_b;
static char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];

static platform_batch *make_order(const platform_app *app, size_t n, unsigned long long base,
                                  char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char *body = malloc(n * 33);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++) {
        platform_test_eid(base + i, body + i * 33);
        body[i * 33 + 32] = '\n';
    }
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, n * 33, &batch), AW_OK);
    free(body);
    batch->target_kind = PLATFORM_TARGET_PROFILE_TYPE;
    snprintf(batch->target, sizeof(batch->target), "iot-basic");
    uint8_t hash[32] = {0};
    platform_order order;
    assert_int_equal(
        platform_order_create(fx.admin, app, NULL, hash, batch, NOW, &order, NULL), AW_OK);
    snprintf(order_id, PLATFORM_ORDER_ID_LENGTH + 1, "%s", order.order_id);
    return batch;
}

static void step(const char *order_id, const char *eid, const char *to, int64_t at)
{
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, to,
                                                    strcmp(to, "failed") == 0 ? "W3001" : NULL,
                                                    "test", "executor", at),
                     AW_OK);
}

/* Hand-computed (docs/indicators.md examples):
 * tenant-a: 11 items; 0..6 written after {1, 2, 3, 4, 5, 6, 20} s (item 1
 *   re-triggered, item 2 claimed again after a lost lease: not first
 *   attempts), 7..9 failed, 10 cancelled (no write outcome):
 *   write success 7/10, first attempt 5/10, mean 41000/7 ms, p95 rank
 *   ceil(0.95 * 7) = 7 -> 20000 ms.
 * tenant-b: 20 items written after 1..20 s: 20/20, 20/20, mean 10500 ms,
 *   p95 rank ceil(19) = 19 -> 19000 ms.
 * all: 27/30, 25/30, mean 251000/27 ms, p95 rank ceil(25.65) = 26 of
 *   {1,1,2,2,..,6,6,7,..,19,20,20} s -> 20000 ms. */
static const int64_t durations_a[7] = {1000, 2000, 3000, 4000, 5000, 6000, 20000};

static void seed_items(void)
{
    char order_a[PLATFORM_ORDER_ID_LENGTH + 1], order_b[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *a = make_order(&fx.app, 11, 1000, order_a);
    platform_batch *b = make_order(&app_b, 20, 2000, order_b);
    for (size_t i = 0; i < 7; i++) {
        int64_t start = T0 + (int64_t)i * 100;
        step(order_a, a->eids[i], "in_progress", start);
        if (i == 1) /* what executor_item.c's watch records when it triggers again */
            assert_int_equal(platform_indicators_record_retrigger(fx.admin, order_a, a->eids[i],
                                                                  start + 10),
                             AW_OK);
        if (i == 2) { /* a lost lease: started a second time, timed from the first */
            step(order_a, a->eids[i], "pending", start + 10);
            step(order_a, a->eids[i], "in_progress", start + 20);
        }
        step(order_a, a->eids[i], "written", start + durations_a[i]);
    }
    for (size_t i = 7; i < 10; i++) {
        step(order_a, a->eids[i], "in_progress", T0 + 1000);
        step(order_a, a->eids[i], "failed", T0 + 30000);
    }
    platform_order order;
    assert_int_equal(platform_order_cancel(fx.admin, fx.app.tenant, order_a, "test", T0 + 40000,
                                           &order),
                     AW_OK);
    for (size_t i = 0; i < 20; i++) {
        int64_t start = T0 + 50000 + (int64_t)i * 10;
        step(order_b, b->eids[i], "in_progress", start);
        step(order_b, b->eids[i], "written", start + (int64_t)(i + 1) * 1000);
    }
    platform_batch_free(a);
    platform_batch_free(b);
}

static int setup_indicators(void **state)
{
    setup(state);
    app_b = new_app(NULL, secret_b);
    /* new_app names tenant-a: move app_b's rows to tenant-b */
    db_param params[] = {DB_PARAM_TEXT(app_b.app_id)};
    assert_int_equal(db_execute(fx.admin, "UPDATE platform_apps SET tenant = 'tenant-b' WHERE "
                                          "app_id = ?",
                                params, 1, NULL),
                     AW_OK);
    snprintf(app_b.tenant, sizeof(app_b.tenant), "tenant-b");
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    return 0;
}

static double distance(double a, double b)
{
    return a > b ? a - b : b - a;
}

static void assert_value(const platform_indicators *in, platform_indicator which,
                         double expected)
{
    double value = -1;
    assert_true(platform_indicator_value(in, which, &value));
    if (distance(value, expected) > 1e-12)
        print_error("%s: %.17g, expected %.17g\n", platform_indicator_name(which), value,
                    expected);
    assert_true(distance(value, expected) <= 1e-12);
}

static void assert_unknown(const platform_indicators *in, platform_indicator which)
{
    double value = -1;
    assert_false(platform_indicator_value(in, which, &value));
    assert_true(value == 0);
}

/* ---- Items -------------------------------------------------------------------- */

static void test_items(void **state)
{
    (void)state;
    seed_items();
    platform_indicators in;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0, T0 + HOUR_MS,
                                                 &in),
                     AW_OK);
    assert_int_equal(in.items_written, 7);
    assert_int_equal(in.items_failed, 3);
    assert_int_equal(in.items_first_attempt, 5);
    assert_int_equal(in.write_time_sum_ms, 41000);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_SUCCESS, 0.7);
    assert_value(&in, PLATFORM_INDICATOR_FIRST_ATTEMPT, 0.5);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_AVERAGE, 41000.0 / 7);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_P95, 20000);
    assert_unknown(&in, PLATFORM_INDICATOR_API_SUCCESS);
    assert_unknown(&in, PLATFORM_INDICATOR_CALLBACK_SUCCESS);
    assert_unknown(&in, PLATFORM_INDICATOR_EXCEPTION_CLOSURE);

    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-b", NULL, T0, T0 + HOUR_MS,
                                                 &in),
                     AW_OK);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_SUCCESS, 1.0);
    assert_value(&in, PLATFORM_INDICATOR_FIRST_ATTEMPT, 1.0);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_AVERAGE, 10500);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_P95, 19000);

    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, T0, T0 + HOUR_MS, &in),
                     AW_OK);
    assert_string_equal(in.tenant, "");
    assert_value(&in, PLATFORM_INDICATOR_WRITE_SUCCESS, 0.9);
    assert_value(&in, PLATFORM_INDICATOR_FIRST_ATTEMPT, 25.0 / 30);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_AVERAGE, 251000.0 / 27);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_P95, 20000);

    /* boundaries: item 0 of tenant-a ended at T0 + 1000 exactly */
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0, T0 + 1000, &in),
                     AW_OK);
    assert_unknown(&in, PLATFORM_INDICATOR_WRITE_SUCCESS);
    assert_unknown(&in, PLATFORM_INDICATOR_WRITE_TIME_P95);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0 + 1000,
                                                 T0 + 1001, &in),
                     AW_OK);
    assert_int_equal(in.items_written, 1);
    assert_value(&in, PLATFORM_INDICATOR_WRITE_TIME_P95, 1000);

    /* an empty period: every indicator null, no division */
    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, NOW - HOUR_MS, NOW, &in),
                     AW_OK);
    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++)
        assert_unknown(&in, (platform_indicator)i);
    json_t *json = platform_indicators_json(&in);
    assert_true(json_is_null(json_object_get(json, "writeSuccessRate")));
    assert_true(json_is_null(json_object_get(json, "p95WriteTimeMs")));
    assert_null(json_object_get(json, "tenant"));
    json_decref(json);
}

/* The end-time index holds ended items only (indicators.c migration 2), and
 * SQLite's planner still takes it for a period's items. */
static void test_items_index(void **state)
{
    (void)state;
    seed_items();
    db_rows *rows = NULL;
    bool has_row = false;
    const char *text = NULL;
    const char *definition_sql =
        pg_url != NULL
            ? "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_order_items_finished'"
            : "SELECT sql FROM sqlite_schema WHERE name = 'platform_order_items_finished'";
    assert_int_equal(db_query(fx.admin, definition_sql, NULL, 0, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_non_null(strstr(text, "finished_at IS NOT NULL"));
    db_rows_free(rows);
    if (pg_url != NULL)
        return;
    assert_int_equal(db_query(fx.admin,
                              "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM platform_order_items i "
                              "JOIN platform_orders o ON o.order_id = i.order_id "
                              "WHERE i.finished_at >= ? AND i.finished_at < ?",
                              (db_param[]){DB_PARAM_INT64(T0), DB_PARAM_INT64(T0 + HOUR_MS)}, 2,
                              &rows),
                     AW_OK);
    bool used = false;
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        assert_int_equal(db_rows_get_text(rows, 3, &text), AW_OK);
        used = used || strstr(text, "platform_order_items_finished") != NULL;
    }
    db_rows_free(rows);
    assert_true(used);
}

static void test_compute_errors(void **state)
{
    (void)state;
    platform_indicators in;
    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, T0, T0, &in),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, -1, T0, &in),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_indicators_compute(fx.admin, "bad tenant", NULL, 0, T0, &in),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_indicators_compute(NULL, NULL, NULL, 0, T0, &in), AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, 0, T0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicators_record_retrigger(fx.admin, "", "1", T0),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicators_record_retrigger(NULL, "o", "1", T0), AW_ERR_ARGUMENT);
    assert_false(platform_indicator_value(NULL, PLATFORM_INDICATOR_WRITE_SUCCESS, NULL));
    assert_unknown(&in, PLATFORM_INDICATOR__COUNT);
    assert_null(platform_indicator_name(PLATFORM_INDICATOR__COUNT));
    assert_null(platform_indicator_cause(PLATFORM_INDICATOR__COUNT));
}

/* ---- API calls ------------------------------------------------------------------ */

static void ping(const char *bearer, const char *signature, int expected)
{
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping", .bearer = bearer,
                      .signature = signature};
    reply r = call(&spec);
    assert_int_equal(r.status, expected);
    reply_free(&r);
}

static void test_api_calls(void **state)
{
    (void)state;
    int64_t minute = (NOW / MINUTE_MS + 120) * MINUTE_MS;
    atomic_store(&clock_ms, minute + 5000);
    platform_token_pair pair = issue(NULL, NULL);                      /* 2xx */
    for (int i = 0; i < 3; i++)
        ping(pair.access_token, NULL, 200);                            /* 3 x 2xx */
    static const char bad[PLATFORM_SIGNATURE_HEX + 1] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    ping(pair.access_token, bad, 401);                                 /* 4xx */
    ping("awat_0000000000000000000000000000000000000000000000000000000000000000", NULL,
         401);                                                         /* 4xx */
    call_spec unknown = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/nothing"};
    reply r = call(&unknown);                                          /* not identified */
    assert_int_equal(r.status, 404);
    reply_free(&r);
    /* the next minute: flushed when the minute changes, outside [minute, +1 min) */
    atomic_store(&clock_ms, minute + MINUTE_MS);
    ping(pair.access_token, NULL, 200);
    server_stop(); /* the router flushes what it holds when freed */
    server_start();

    platform_indicators in;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, minute,
                                                 minute + MINUTE_MS, &in),
                     AW_OK);
    assert_int_equal(in.api_calls, 6);
    assert_int_equal(in.api_2xx, 4);
    assert_int_equal(in.api_4xx, 2);
    assert_int_equal(in.api_5xx, 0);
    assert_value(&in, PLATFORM_INDICATOR_API_SUCCESS, 4.0 / 6);
    assert_int_equal(platform_indicators_compute(fx.admin, NULL, NULL, minute,
                                                 minute + MINUTE_MS, &in),
                     AW_OK);
    assert_int_equal(in.api_calls, 7);
    assert_int_equal(in.api_4xx, 3);
    assert_value(&in, PLATFORM_INDICATOR_API_SUCCESS, 4.0 / 7);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, minute + MINUTE_MS,
                                                 minute + 2 * MINUTE_MS, &in),
                     AW_OK);
    assert_int_equal(in.api_calls, 1);
    assert_value(&in, PLATFORM_INDICATOR_API_SUCCESS, 1.0);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-b", NULL, minute,
                                                 minute + 2 * MINUTE_MS, &in),
                     AW_OK);
    assert_unknown(&in, PLATFORM_INDICATOR_API_SUCCESS);
}

static void test_call_counts(void **state)
{
    (void)state;
    assert_string_equal(platform_route_group("/api/v1/orders/ord_1/items"), "orders");
    assert_string_equal(platform_route_group("/api/v1/number-pools"), "number-pools");
    assert_string_equal(platform_route_group("/api/v1/ordersx"), "other");
    assert_string_equal(platform_route_group("/metrics"), "other");
    assert_string_equal(platform_route_group(NULL), "other");
    platform_call_counts *counts = NULL;
    assert_int_equal(platform_call_counts_new(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_call_counts_new(&counts), AW_OK);
    assert_int_equal(platform_call_counts_add(counts, fx.admin, T0, "t", "a", "/api/v1/ping", 99),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_call_counts_add(counts, fx.admin, T0, "t", "a", "/", 600),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_call_counts_add(counts, NULL, T0, "t", "a", "/", 200),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_call_counts_flush(counts, fx.admin), AW_OK); /* nothing held */
    assert_int_equal(platform_call_counts_flush(NULL, fx.admin), AW_ERR_ARGUMENT);
    /* more keys than held in memory: flushed when full, none lost */
    for (unsigned i = 0; i < PLATFORM_CALL_COUNT_KEYS_MAX + 10; i++) {
        char app[16];
        snprintf(app, sizeof(app), "app-%u", i);
        assert_int_equal(platform_call_counts_add(counts, fx.admin, T0, "tenant-c", app,
                                                  "/api/v1/ping", i % 2 == 0 ? 200 : 503),
                         AW_OK);
    }
    assert_int_equal(platform_call_counts_flush(counts, fx.admin), AW_OK);
    platform_call_counts_free(counts);
    platform_call_counts_free(NULL);
    platform_indicators in;
    int64_t minute = T0 / MINUTE_MS * MINUTE_MS;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-c", NULL, minute,
                                                 minute + MINUTE_MS, &in),
                     AW_OK);
    assert_int_equal(in.api_calls, PLATFORM_CALL_COUNT_KEYS_MAX + 10);
    assert_int_equal(in.api_5xx, (PLATFORM_CALL_COUNT_KEYS_MAX + 10) / 2);
    assert_value(&in, PLATFORM_INDICATOR_API_SUCCESS, 0.5);
}

/* ---- Callback deliveries -------------------------------------------------------- */

static test_server receiver;

/* /hooks/ok accepts, /hooks/fail answers 500 every time. */
static void receiver_handle(http_request *request, void *userdata)
{
    (void)userdata;
    http_request_set_status(request, strcmp(http_request_path(request), "/hooks/ok") == 0 ? 200
                                                                                          : 500);
}

static void test_callbacks(void **state)
{
    (void)state;
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .timeout_ms = 5000};
    test_server_new(&receiver, &config);
    assert_int_equal(http_server_route(receiver.server, AW_HTTP_METHOD_POST, "/hooks/ok",
                                       receiver_handle, NULL),
                     AW_OK);
    assert_int_equal(http_server_route(receiver.server, AW_HTTP_METHOD_POST, "/hooks/fail",
                                       receiver_handle, NULL),
                     AW_OK);
    test_server_run(&receiver);
    const char *paths[2] = {"/hooks/ok", "/hooks/fail"};
    for (size_t i = 0; i < 2; i++) {
        char url[256];
        test_url(url, sizeof(url), "127.0.0.1", &receiver, paths[i]);
        platform_callback cb;
        assert_int_equal(platform_callback_register(fx.admin, fx.ring, &fx.app, url, hook_secret,
                                                    PLATFORM_EVENT_ORDER_ACCEPTED, T0, &cb),
                         AW_OK);
    }
    /* 3 events x 2 callbacks; every attempt a round later than any backoff */
    for (int i = 0; i < 3; i++) {
        int64_t queued = 0;
        assert_int_equal(platform_event_emit(fx.admin, "tenant-a", PLATFORM_EVENT_ORDER_ACCEPTED,
                                             "{}", T0, &queued),
                         AW_OK);
        assert_int_equal(queued, 2);
    }
    platform_delivery_stats total = {0};
    for (int round = 0; round <= PLATFORM_CALLBACK_MAX_ATTEMPTS; round++)
        assert_int_equal(platform_callback_deliver(fx.admin, fx.ring, fx.client, "test", 50,
                                                   T0 + round * HOUR_MS, &total),
                         AW_OK);
    test_server_free(&receiver);
    assert_int_equal(total.delivered, 3);
    assert_int_equal(total.dead, 3);
    /* delivered in the first round, dead in the last */
    platform_indicators in;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0,
                                                 T0 + 10 * HOUR_MS, &in),
                     AW_OK);
    assert_int_equal(in.callbacks_delivered, 3);
    assert_int_equal(in.callbacks_dead, 3);
    assert_value(&in, PLATFORM_INDICATOR_CALLBACK_SUCCESS, 0.5);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0, T0 + 1, &in),
                     AW_OK);
    assert_value(&in, PLATFORM_INDICATOR_CALLBACK_SUCCESS, 1.0);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-b", NULL, T0,
                                                 T0 + 10 * HOUR_MS, &in),
                     AW_OK);
    assert_unknown(&in, PLATFORM_INDICATOR_CALLBACK_SUCCESS);
}

/* ---- Exceptions ------------------------------------------------------------------- */

static void resolve(const char *exception_id, int64_t at)
{
    static const char *const path[] = {"acknowledged", "handling", "resolved"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", exception_id, path[i],
                                                       "tester", "", at, NULL),
                         AW_OK);
}

static void test_exception_closure(void **state)
{
    (void)state;
    /* three write exceptions (general: 72 h limit): one resolved after 1 h,
     * one after 80 h, one never */
    char ids[3][PLATFORM_EXCEPTION_ID_LENGTH + 1];
    for (int i = 0; i < 3; i++) {
        char object[32];
        snprintf(object, sizeof(object), "eid:%d", i);
        platform_exception_signal s = {.tenant = "tenant-a", .code = "W3001",
                                       .source = "executor", .object = object};
        assert_int_equal(platform_exception_record(fx.admin, NULL, &s, T0, ids[i], NULL), AW_OK);
    }
    resolve(ids[0], T0 + HOUR_MS);
    resolve(ids[1], T0 + 80 * HOUR_MS);
    platform_indicators in;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0,
                                                 T0 + 100 * HOUR_MS, &in),
                     AW_OK);
    assert_int_equal(in.exceptions_resolved, 2);
    assert_int_equal(in.exceptions_resolved_in_time, 1);
    assert_value(&in, PLATFORM_INDICATOR_EXCEPTION_CLOSURE, 0.5);
    /* a longer limit for write/general (policy): both in time */
    platform_exception_policy policy;
    platform_exception_policy_default(&policy);
    policy.time_limit_ms[PLATFORM_ERROR_CLASS_WRITE - 1][PLATFORM_GRADE_GENERAL - 1] =
        90 * HOUR_MS;
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", &policy, T0,
                                                 T0 + 100 * HOUR_MS, &in),
                     AW_OK);
    assert_value(&in, PLATFORM_INDICATOR_EXCEPTION_CLOSURE, 1.0);
    /* the period holds the resolution time: only the first */
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-a", NULL, T0, T0 + 2 * HOUR_MS,
                                                 &in),
                     AW_OK);
    assert_int_equal(in.exceptions_resolved, 1);
    assert_int_equal(platform_indicators_compute(fx.admin, "tenant-b", NULL, T0,
                                                 T0 + 100 * HOUR_MS, &in),
                     AW_OK);
    assert_unknown(&in, PLATFORM_INDICATOR_EXCEPTION_CLOSURE);
}

/* ---- Settings and thresholds ------------------------------------------------------ */

/* The tenant's exceptions from the indicators (the failed items raised
 * their own W3001 ones), moved to the front of list. */
static size_t exceptions_of(const char *tenant, platform_exception **list)
{
    size_t count = 0, kept = 0;
    bool more = false;
    platform_exception_filter filter = {0};
    assert_int_equal(platform_exception_list(fx.admin, tenant, &filter, 0, 50, list, &count,
                                             &more),
                     AW_OK);
    for (size_t i = 0; i < count; i++)
        if (strcmp((*list)[i].source, "indicators") == 0)
            (*list)[kept++] = (*list)[i];
    return kept;
}

static void test_thresholds_raise(void **state)
{
    (void)state;
    seed_items();
    platform_indicator_settings s;
    platform_indicator_settings_default(&s);
    assert_int_equal(platform_indicator_settings_set(&s, "write_success_min", "0.9"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "first_attempt_min", "60%"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "write_time_p95_max", "30s"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "min_samples", "5"), AW_OK);
    platform_indicators *list = NULL;
    size_t count = 0;
    int64_t raised = 0;
    assert_int_equal(platform_indicators_evaluate(fx.admin, &s, NULL, T0 + HOUR_MS, &list,
                                                  &count, &raised),
                     AW_OK);
    /* all, tenant-a, tenant-b; tenant-a below 0.9 and 0.6, nobody above 30 s */
    assert_int_equal(count, 3);
    assert_string_equal(list[0].tenant, "");
    assert_string_equal(list[1].tenant, "tenant-a");
    assert_string_equal(list[2].tenant, "tenant-b");
    assert_value(&list[1], PLATFORM_INDICATOR_WRITE_SUCCESS, 0.7);
    free(list);
    assert_int_equal(raised, 2);
    platform_exception *found = NULL;
    assert_int_equal(exceptions_of("tenant-a", &found), 2);
    bool w5001 = false, w5002 = false;
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(found[i].source, "indicators");
        assert_int_equal(found[i].error_class, PLATFORM_ERROR_CLASS_WRITE);
        if (strcmp(found[i].code, "W5001") == 0) {
            w5001 = true;
            assert_string_equal(found[i].object, "indicator:write_success");
        } else if (strcmp(found[i].code, "W5002") == 0) {
            w5002 = true;
            assert_string_equal(found[i].object, "indicator:first_attempt");
        }
    }
    assert_true(w5001 && w5002);
    free(found);
    assert_int_equal(exceptions_of("tenant-b", &found), 0);
    free(found);
    /* evaluated again: the same open exceptions, counted twice */
    assert_int_equal(platform_indicators_evaluate(fx.admin, &s, NULL, T0 + HOUR_MS, NULL, NULL,
                                                  &raised),
                     AW_OK);
    assert_int_equal(raised, 2);
    assert_int_equal(exceptions_of("tenant-a", &found), 2);
    assert_int_equal(found[0].count, 2);
    free(found);
    /* a window without the items: nothing */
    assert_int_equal(platform_indicators_evaluate(fx.admin, &s, NULL, T0 + 3 * HOUR_MS, NULL,
                                                  NULL, &raised),
                     AW_OK);
    assert_int_equal(raised, 0);
    assert_int_equal(platform_indicators_evaluate(NULL, &s, NULL, T0, NULL, NULL, &raised),
                     AW_ERR_ARGUMENT);
    s.interval_ms = s.window_ms + 1;
    assert_int_equal(platform_indicators_evaluate(fx.admin, &s, NULL, T0, NULL, NULL, &raised),
                     AW_ERR_ARGUMENT);
}

/* ---- Exposure: Prometheus text, /metrics, /api/v1/indicators ------------------------ */

static platform_indicator_monitor *monitor;
static platform_indicator_settings monitor_settings;

static void server_start_with_monitor(void)
{
    server_stop();
    server_start_with(&(platform_api_config){.indicators = monitor});
}

static char *get_metrics(int *status)
{
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, "/metrics");
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(fx.client, &request, &response), AW_OK);
    *status = response->status;
    char *text = strndup((const char *)response->body, response->body_len);
    http_client_response_free(response);
    assert_non_null(text);
    return text;
}

static json_t *get_indicators(const char *bearer, const char *query, int expected)
{
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/indicators",
                      .query = query, .bearer = bearer};
    reply r = call(&spec);
    assert_int_equal(r.status, expected);
    json_t *body = json_incref(r.body);
    reply_free(&r);
    return body;
}

static double member_real(json_t *object, const char *name)
{
    json_t *value = json_object_get(object, name);
    assert_true(json_is_number(value));
    return json_number_value(value);
}

static void test_exposure(void **state)
{
    (void)state;
    seed_items();
    platform_indicator_settings_default(&monitor_settings);
    assert_int_equal(platform_indicator_settings_set(&monitor_settings, "metrics_on_api", "true"),
                     AW_OK);
    atomic_store(&clock_ms, T0 + HOUR_MS);
    assert_int_equal(platform_indicator_monitor_new(NULL, fx.admin, &monitor_settings, NULL,
                                                    test_clock, NULL, &monitor),
                     AW_OK);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(platform_indicator_monitor_metrics(monitor, &text, &len), AW_OK);
    assert_non_null(strstr(text, "# TYPE airwrite_write_success_ratio gauge\n"));
    assert_null(strstr(text, "airwrite_write_success_ratio{"));
    free(text);
    int64_t raised = -1;
    assert_int_equal(platform_indicator_monitor_run(monitor, &raised), AW_OK);
    assert_int_equal(raised, 0); /* no thresholds */
    server_start_with_monitor();
    int status = 0;
    text = get_metrics(&status);
    assert_int_equal(status, 200);
    static const char *const expected[] = {
        "airwrite_indicator_window_seconds 3600\n",
        "airwrite_write_success_ratio 0.9\n",
        "airwrite_write_success_ratio{tenant=\"tenant-a\"} 0.7\n",
        "airwrite_write_success_ratio{tenant=\"tenant-b\"} 1\n",
        "airwrite_write_first_attempt_ratio{tenant=\"tenant-a\"} 0.5\n",
        "airwrite_write_time_average_seconds{tenant=\"tenant-b\"} 10.5\n",
        "airwrite_write_time_p95_seconds{tenant=\"tenant-a\"} 20\n",
        "airwrite_write_time_p95_seconds{tenant=\"tenant-b\"} 19\n",
        "# TYPE airwrite_api_call_success_ratio gauge\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        if (strstr(text, expected[i]) == NULL)
            print_error("missing %s in:\n%s", expected[i], text);
        assert_non_null(strstr(text, expected[i]));
    }
    assert_null(strstr(text, "airwrite_callback_delivery_success_ratio{")); /* null: left out */
    free(text);

    /* GET /api/v1/indicators: a tenant user sees its own tenant only */
    platform_token_pair pair = issue(NULL, NULL);
    char query[96];
    snprintf(query, sizeof(query), "from=%lld&to=%lld", (long long)T0,
             (long long)(T0 + HOUR_MS));
    json_t *body = get_indicators(pair.access_token, query, 200);
    json_t *tenant = json_object_get(body, "tenant");
    assert_string_equal(json_string_value(json_object_get(tenant, "tenant")), "tenant-a");
    assert_true(distance(member_real(tenant, "writeSuccessRate"), 0.7) < 1e-12);
    assert_true(distance(member_real(tenant, "firstAttemptSuccessRate"), 0.5) < 1e-12);
    assert_int_equal(json_integer_value(json_object_get(tenant, "p95WriteTimeMs")), 20000);
    assert_null(json_object_get(body, "overall"));
    json_decref(body);
    static const struct {
        const char *query, *code;
    } refused[] = {
        {"tenant=tenant-b", "I2201"}, {"from=5&to=5", "I1002"}, {"from=6&to=5", "I1002"},
        {"since=1", "I1002"}, {"from=01", "I1002"}, {"to=x", "I1002"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/indicators",
                          .query = refused[i].query, .bearer = pair.access_token};
        expect_error(&spec, refused[i].code);
    }
    call_spec post = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/indicators",
                      .body = "{}", .bearer = pair.access_token};
    expect_error(&post, "I1005");
    call_spec defaults = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/indicators",
                          .bearer = pair.access_token};
    expect_ok(&defaults); /* the 24 hours before now */
    /* an operator: any tenant, and all of them */
    assert_int_equal(platform_app_role_set(fx.admin, fx.app.app_id, PLATFORM_ROLE_OPERATOR, NOW),
                     AW_OK);
    snprintf(query, sizeof(query), "from=%lld&tenant=tenant-b&to=%lld", (long long)T0,
             (long long)(T0 + HOUR_MS));
    body = get_indicators(pair.access_token, query, 200);
    tenant = json_object_get(body, "tenant");
    assert_string_equal(json_string_value(json_object_get(tenant, "tenant")), "tenant-b");
    assert_int_equal(json_integer_value(json_object_get(tenant, "p95WriteTimeMs")), 19000);
    json_t *overall = json_object_get(body, "overall");
    assert_true(distance(member_real(overall, "writeSuccessRate"), 0.9) < 1e-12);
    assert_true(distance(member_real(overall, "averageWriteTimeMs"), 251000.0 / 27) < 1e-9);
    assert_true(json_is_null(json_object_get(overall, "callbackDeliverySuccessRate")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(overall, "counts"),
                                                        "itemsFailed")),
                     3);
    json_decref(body);
    server_stop();
    server_start();
    platform_indicator_monitor_free(monitor);
    monitor = NULL;
    platform_indicator_monitor_free(NULL);
}

/* The monitor's timer on an event loop: its first evaluation runs as soon
 * as the loop does. */
static void test_monitor_timer(void **state)
{
    (void)state;
    seed_items();
    platform_indicator_settings settings;
    platform_indicator_settings_default(&settings);
    atomic_store(&clock_ms, T0 + HOUR_MS);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    platform_indicator_monitor *m = NULL;
    assert_int_equal(platform_indicator_monitor_new(base, fx.admin, &settings, NULL, test_clock,
                                                    NULL, &m),
                     AW_OK);
    assert_false(platform_indicator_monitor_serves_metrics(m));
    assert_int_equal(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(platform_indicator_monitor_metrics(m, &text, &len), AW_OK);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "airwrite_write_success_ratio{tenant=\"tenant-a\"} 0.7\n"));
    free(text);
    platform_indicator_monitor_free(m);
    event_base_free(base);
}

static void test_exposure_errors(void **state)
{
    (void)state;
    platform_indicator_settings s;
    platform_indicator_settings_default(&s);
    platform_indicator_monitor *m = NULL;
    assert_int_equal(platform_indicator_monitor_new(NULL, NULL, &s, NULL, NULL, NULL, &m),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicator_monitor_new(NULL, fx.admin, NULL, NULL, NULL, NULL, &m),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicator_monitor_new(NULL, fx.admin, &s, NULL, NULL, NULL, NULL),
                     AW_ERR_ARGUMENT);
    s.min_samples = 0;
    assert_int_equal(platform_indicator_monitor_new(NULL, fx.admin, &s, NULL, NULL, NULL, &m),
                     AW_ERR_ARGUMENT);
    assert_null(m);
    assert_int_equal(platform_indicator_monitor_run(NULL, NULL), AW_ERR_ARGUMENT);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(platform_indicator_monitor_metrics(NULL, &text, &len), AW_ERR_ARGUMENT);
    assert_false(platform_indicator_monitor_serves_metrics(NULL));
    assert_int_equal(platform_indicators_prometheus(NULL, 1, HOUR_MS, &text, &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicators_prometheus(NULL, 0, HOUR_MS, NULL, &len),
                     AW_ERR_ARGUMENT);
    assert_null(platform_indicators_json(NULL));
    /* without metrics_on_api, /metrics is a route the API does not have */
    int status = 0;
    text = get_metrics(&status);
    assert_int_equal(status, 404);
    free(text);
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
        cmocka_unit_test_setup_teardown(test_items, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_items_index, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_compute_errors, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_api_calls, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_call_counts, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_exception_closure, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_raise, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_exposure, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_timer, setup_indicators, teardown),
        cmocka_unit_test_setup_teardown(test_exposure_errors, setup_indicators, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
