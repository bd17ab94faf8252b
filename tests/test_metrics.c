/* Tests of the Prometheus text exposition (src/core/metrics.c,
 * metrics_http.c): exact text of counters and histograms (format 0.0.4),
 * escaping, every error path, and the plain HTTP listener (GET, HEAD, 404,
 * 405, a port in use). */
#include "metrics_testutil.h"

#include <math.h>
#include <pthread.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/metrics.h"

static char *render(metrics_registry *registry)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(metrics_registry_render(registry, &text, &len), AW_OK);
    assert_int_equal(len, strlen(text));
    return text;
}

static void test_exact_text(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_counter *plain = NULL, *calls = NULL;
    metrics_histogram *latency = NULL, *bare = NULL;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    static const char *const call_labels[] = {"function", "result"};
    static const char *const latency_labels[] = {"function"};
    static const double bounds[] = {0.25, 1, 2.5};
    assert_int_equal(metrics_counter_new(r, "aw_sessions_total", "Sessions started.", NULL, 0,
                                         &plain),
                     AW_OK);
    assert_int_equal(metrics_counter_new(r, "aw_calls_total", "Calls by function and result.",
                                         call_labels, 2, &calls),
                     AW_OK);
    assert_int_equal(metrics_histogram_new(r, "aw_duration_seconds", "Request latency.",
                                           latency_labels, 1, bounds, 3, &latency),
                     AW_OK);
    assert_int_equal(metrics_histogram_new(r, "aw_size_bytes", "Sizes.", NULL, 0, bounds, 1,
                                           &bare),
                     AW_OK);
    /* a family without samples still has its HELP and TYPE */
    char *text = render(r);
    assert_string_equal(text, "# HELP aw_sessions_total Sessions started.\n"
                              "# TYPE aw_sessions_total counter\n"
                              "# HELP aw_calls_total Calls by function and result.\n"
                              "# TYPE aw_calls_total counter\n"
                              "# HELP aw_duration_seconds Request latency.\n"
                              "# TYPE aw_duration_seconds histogram\n"
                              "# HELP aw_size_bytes Sizes.\n"
                              "# TYPE aw_size_bytes histogram\n");
    free(text);

    assert_int_equal(metrics_counter_add(plain, NULL, 1), AW_OK);
    assert_int_equal(metrics_counter_add(plain, NULL, 2), AW_OK);
    const char *ok[] = {"initiateAuthentication", "success"};
    const char *failed[] = {"authenticateClient", "failed"};
    assert_int_equal(metrics_counter_add(calls, ok, 1), AW_OK);
    assert_int_equal(metrics_counter_add(calls, failed, 1), AW_OK);
    assert_int_equal(metrics_counter_add(calls, ok, 4), AW_OK);
    const char *init[] = {"initiateAuthentication"};
    assert_int_equal(metrics_histogram_observe(latency, init, 0.125), AW_OK);
    assert_int_equal(metrics_histogram_observe(latency, init, 0.25), AW_OK); /* le is inclusive */
    assert_int_equal(metrics_histogram_observe(latency, init, 2), AW_OK);
    assert_int_equal(metrics_histogram_observe(latency, init, 30), AW_OK);
    assert_int_equal(metrics_histogram_observe(bare, NULL, 0.1), AW_OK);
    text = render(r);
    assert_string_equal(text,
                        "# HELP aw_sessions_total Sessions started.\n"
                        "# TYPE aw_sessions_total counter\n"
                        "aw_sessions_total 3\n"
                        "# HELP aw_calls_total Calls by function and result.\n"
                        "# TYPE aw_calls_total counter\n"
                        "aw_calls_total{function=\"initiateAuthentication\",result=\"success\"} 5\n"
                        "aw_calls_total{function=\"authenticateClient\",result=\"failed\"} 1\n"
                        "# HELP aw_duration_seconds Request latency.\n"
                        "# TYPE aw_duration_seconds histogram\n"
                        "aw_duration_seconds_bucket{function=\"initiateAuthentication\","
                        "le=\"0.25\"} 2\n"
                        "aw_duration_seconds_bucket{function=\"initiateAuthentication\","
                        "le=\"1\"} 2\n"
                        "aw_duration_seconds_bucket{function=\"initiateAuthentication\","
                        "le=\"2.5\"} 3\n"
                        "aw_duration_seconds_bucket{function=\"initiateAuthentication\","
                        "le=\"+Inf\"} 4\n"
                        "aw_duration_seconds_sum{function=\"initiateAuthentication\"} 32.375\n"
                        "aw_duration_seconds_count{function=\"initiateAuthentication\"} 4\n"
                        "# HELP aw_size_bytes Sizes.\n"
                        "# TYPE aw_size_bytes histogram\n"
                        "aw_size_bytes_bucket{le=\"0.25\"} 1\n"
                        "aw_size_bytes_bucket{le=\"+Inf\"} 1\n"
                        "aw_size_bytes_sum 0.1\n"
                        "aw_size_bytes_count 1\n");
    free(text);
    metrics_registry_free(r);
}

/* Label values escape \\, \" and newline; help texts \\ and newline. */
static void test_escaping(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_counter *c = NULL;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    static const char *const labels[] = {"v"};
    assert_int_equal(metrics_counter_new(r, "a:b_total", "Line one\\two\nthree \"q\"", labels, 1,
                                         &c),
                     AW_OK);
    const char *value[] = {"x\"y\\z\nw"};
    assert_int_equal(metrics_counter_add(c, value, 7), AW_OK);
    const char *empty[] = {""};
    assert_int_equal(metrics_counter_add(c, empty, 0), AW_OK);
    char *text = render(r);
    assert_string_equal(text, "# HELP a:b_total Line one\\\\two\\nthree \"q\"\n"
                              "# TYPE a:b_total counter\n"
                              "a:b_total{v=\"x\\\"y\\\\z\\nw\"} 7\n"
                              "a:b_total{v=\"\"} 0\n");
    free(text);
    metrics_registry_free(r);
}

static void test_shortest_doubles(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_histogram *h = NULL;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    assert_int_equal(metrics_histogram_new(r, "t_seconds", "t", NULL, 0, metrics_latency_bounds,
                                           metrics_latency_bound_count, &h),
                     AW_OK);
    assert_int_equal(metrics_histogram_observe(h, NULL, 0.1), AW_OK);
    assert_int_equal(metrics_histogram_observe(h, NULL, 0.2), AW_OK);
    assert_int_equal(metrics_histogram_observe(h, NULL, -1), AW_OK); /* below every bound */
    char *text = render(r);
    assert_non_null(strstr(text, "t_seconds_bucket{le=\"0.001\"} 1\n"
                                 "t_seconds_bucket{le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(text, "t_seconds_bucket{le=\"0.1\"} 2\n"));
    assert_non_null(strstr(text, "t_seconds_bucket{le=\"0.25\"} 3\n"));
    assert_non_null(strstr(text, "t_seconds_bucket{le=\"10\"} 3\n"
                                 "t_seconds_bucket{le=\"+Inf\"} 3\n"));
    /* 0.1 + 0.2 - 1 in binary, written as its shortest round-trip form */
    assert_non_null(strstr(text, "t_seconds_sum -0.7\n"));
    assert_non_null(strstr(text, "t_seconds_count 3\n"));
    free(text);
    metrics_registry_free(r);
}

static void test_family_errors(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_counter *c = (metrics_counter *)&r;
    metrics_histogram *h = (metrics_histogram *)&r;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    static const char *const one[] = {"function"};
    static const char *const twice[] = {"a", "a"};
    static const char *const reserved[] = {"__name"};
    static const char *const le[] = {"le"};
    static const char *const bad[] = {"has:colon"};
    static const char *const nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    static const double bounds[] = {1, 2};
    assert_int_equal(metrics_counter_new(r, "no_suffix", "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_null(c);
    assert_int_equal(metrics_counter_new(r, "9_total", "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "a-b_total", "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "", "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, NULL, "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", NULL, NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(NULL, "x_total", "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", NULL, 0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", NULL, 1, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", twice, 2, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", reserved, 1, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", bad, 1, &c), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_new(r, "x_total", "h", nine, 9, &c), AW_ERR_ARGUMENT);
    char long_name[METRICS_NAME_MAX + 8];
    memset(long_name, 'a', sizeof(long_name));
    memcpy(long_name + sizeof(long_name) - 7, "_total", 7);
    assert_int_equal(metrics_counter_new(r, long_name, "h", NULL, 0, &c), AW_ERR_ARGUMENT);
    char long_help[METRICS_HELP_MAX + 2];
    memset(long_help, 'h', sizeof(long_help) - 1);
    long_help[sizeof(long_help) - 1] = '\0';
    assert_int_equal(metrics_counter_new(r, "x_total", long_help, NULL, 0, &c), AW_ERR_ARGUMENT);
    /* a name used twice */
    assert_int_equal(metrics_counter_new(r, "x_total", "h", one, 1, &c), AW_OK);
    metrics_counter *again = NULL;
    assert_int_equal(metrics_counter_new(r, "x_total", "h", NULL, 0, &again), AW_ERR_STATE);
    assert_null(again);
    assert_int_equal(metrics_histogram_new(r, "x_total", "h", NULL, 0, bounds, 2, &h),
                     AW_ERR_STATE);
    assert_null(h);
    /* histogram bounds and the reserved "le" label */
    static const double unsorted[] = {2, 1};
    static const double equal[] = {1, 1};
    const double nan_bound[] = {NAN};
    const double inf_bound[] = {1, INFINITY};
    double many[METRICS_BUCKETS_MAX + 1];
    for (size_t i = 0; i <= METRICS_BUCKETS_MAX; i++)
        many[i] = (double)i;
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", le, 1, bounds, 2, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, unsorted, 2, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, equal, 2, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, nan_bound, 1, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, inf_bound, 2, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, bounds, 0, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, NULL, 2, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, many,
                                           METRICS_BUCKETS_MAX + 1, &h),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, bounds, 2, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", NULL, 0, many,
                                           METRICS_BUCKETS_MAX, &h),
                     AW_OK);
    /* "le" is an ordinary label of a counter */
    metrics_counter *with_le = NULL;
    assert_int_equal(metrics_counter_new(r, "le_total", "h", le, 1, &with_le), AW_OK);
    metrics_registry_free(r);
    metrics_registry_free(NULL);
    assert_int_equal(metrics_registry_new(NULL), AW_ERR_ARGUMENT);
}

static void test_update_errors(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_counter *c = NULL;
    metrics_histogram *h = NULL;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    static const char *const labels[] = {"a", "b"};
    static const double bounds[] = {1};
    assert_int_equal(metrics_counter_new(r, "c_total", "h", labels, 2, &c), AW_OK);
    assert_int_equal(metrics_histogram_new(r, "h_seconds", "h", labels, 2, bounds, 1, &h), AW_OK);
    const char *missing[] = {"x", NULL};
    assert_int_equal(metrics_counter_add(c, NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_counter_add(c, missing, 1), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_observe(h, NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_observe(h, missing, 1), AW_ERR_ARGUMENT);
    char long_value[METRICS_VALUE_MAX + 2];
    memset(long_value, 'v', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    const char *too_long[] = {"x", long_value};
    assert_int_equal(metrics_counter_add(c, too_long, 1), AW_ERR_ARGUMENT);
    const char *fine[] = {"x", "y"};
    assert_int_equal(metrics_histogram_observe(h, fine, NAN), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_histogram_observe(h, fine, INFINITY), AW_ERR_ARGUMENT);
    /* metrics off: NULL families accept updates and count nothing */
    assert_int_equal(metrics_counter_add(NULL, fine, 1), AW_OK);
    assert_int_equal(metrics_histogram_observe(NULL, fine, 1), AW_OK);
    /* the series limit */
    char value[16];
    const char *values[] = {"x", value};
    for (unsigned i = 0; i < METRICS_SERIES_MAX; i++) {
        snprintf(value, sizeof(value), "%u", i);
        assert_int_equal(metrics_counter_add(c, values, 1), AW_OK);
    }
    snprintf(value, sizeof(value), "new");
    assert_int_equal(metrics_counter_add(c, values, 1), AW_ERR_LIMIT);
    snprintf(value, sizeof(value), "7");
    assert_int_equal(metrics_counter_add(c, values, 1), AW_OK); /* existing series still count */
    char *text = render(r);
    assert_int_equal(metrics_test_value(text, "c_total{a=\"x\",b=\"7\"}"), 2);
    assert_int_equal(metrics_test_value(text, "c_total{a=\"x\",b=\"new\"}"), -1);
    free(text);
    char *none = (char *)&r;
    size_t len = 1;
    assert_int_equal(metrics_registry_render(NULL, &none, &len), AW_ERR_ARGUMENT);
    assert_null(none);
    assert_int_equal(len, 0);
    assert_int_equal(metrics_registry_render(r, NULL, &len), AW_ERR_ARGUMENT);
    metrics_registry_free(r);
}

/* ---- The plain HTTP listener ------------------------------------------------- */

static void *loop_thread(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void test_http_listener(void **state)
{
    (void)state;
    metrics_registry *r = NULL;
    metrics_counter *c = NULL;
    assert_int_equal(metrics_registry_new(&r), AW_OK);
    assert_int_equal(metrics_counter_new(r, "scrapes_total", "Scrapes.", NULL, 0, &c), AW_OK);
    assert_int_equal(metrics_counter_add(c, NULL, 41), AW_OK);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    metrics_server *server = NULL, *second = (metrics_server *)&r;
    assert_int_equal(metrics_server_new(base, "127.0.0.1", 0, r, &server), AW_OK);
    uint16_t port = metrics_server_port(server);
    assert_int_not_equal(port, 0);
    /* the port is taken */
    assert_int_equal(metrics_server_new(base, "127.0.0.1", port, r, &second), AW_ERR_HTTP_BIND);
    assert_null(second);
    assert_int_equal(metrics_server_new(base, "192.0.2.1", 0, r, &second), AW_ERR_HTTP_BIND);
    assert_int_equal(metrics_server_new(NULL, "127.0.0.1", 0, r, &second), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_server_new(base, NULL, 0, r, &second), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_server_new(base, "127.0.0.1", 0, NULL, &second), AW_ERR_ARGUMENT);
    assert_int_equal(metrics_server_new(base, "127.0.0.1", 0, r, NULL), AW_ERR_ARGUMENT);

    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, loop_thread, base), 0);
    char *body = metrics_test_scrape(port, "/metrics");
    assert_string_equal(body, "# HELP scrapes_total Scrapes.\n# TYPE scrapes_total counter\n"
                              "scrapes_total 41\n");
    free(body);
    /* updates show in the next scrape; a query string is ignored */
    assert_int_equal(metrics_counter_add(c, NULL, 1), AW_OK);
    body = metrics_test_scrape(port, "/metrics?x=1");
    assert_int_equal(metrics_test_value(body, "scrapes_total"), 42);
    free(body);
    char *response = metrics_test_request(port, "HEAD", "/metrics");
    assert_true(strncmp(response + 8, " 200 ", 5) == 0);
    assert_null(strstr(response, "scrapes_total"));
    free(response);
    response = metrics_test_request(port, "GET", "/other");
    assert_true(strncmp(response + 8, " 404 ", 5) == 0);
    free(response);
    response = metrics_test_request(port, "POST", "/metrics");
    assert_true(strncmp(response + 8, " 405 ", 5) == 0);
    assert_non_null(strstr(response, "\r\nAllow: GET, HEAD\r\n"));
    free(response);
    event_base_loopexit(base, NULL);
    assert_int_equal(pthread_join(thread, NULL), 0);
    metrics_server_free(server);
    metrics_server_free(NULL);
    assert_int_equal(metrics_server_port(NULL), 0);
    event_base_free(base);
    metrics_registry_free(r);
}

int main(void)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_text),    cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_shortest_doubles), cmocka_unit_test(test_family_errors),
        cmocka_unit_test(test_update_errors), cmocka_unit_test(test_http_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
