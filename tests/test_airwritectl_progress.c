/* airwritectl order watch's progress formatting (src/cli/airwritectl_progress.h):
 * the bar for given counts and widths (exact width, cell boundaries, the
 * narrow fallback), the plain line of non-terminal output, the rate and ETA,
 * and the counts read from an Order (docs/openapi.yaml) with their refusals. */
#include "testutil.h"

#include "cli/airwritectl_progress.h"

static ctl_progress_counts counts(int64_t total, int64_t pending, int64_t in_progress,
                                  int64_t written, int64_t failed, int64_t cancelled)
{
    ctl_progress_counts c = {.total = total, .pending = pending, .in_progress = in_progress,
                             .written = written, .failed = failed, .cancelled = cancelled};
    return c;
}

static void test_bar_exact(void **state)
{
    (void)state;
    ctl_progress_counts c = counts(100, 50, 5, 40, 5, 0);
    ctl_progress_estimate e = {.rate = 12.5, .eta_s = 4, .elapsed_s = 3};
    char out[CTL_PROGRESS_LINE_MAX];
    size_t len = ctl_progress_format_bar(&c, &e, 80, out, sizeof(out));
    const char *text = "45/100 written 40 failed 5 pending 55 12.5/s ETA 0:04";
    assert_int_equal(len, 80);
    assert_int_equal(strlen(out), 80);
    /* 80 - text - "[" "]" " " = cells */
    size_t cells = 80 - strlen(text) - 3;
    assert_string_equal(out + cells + 3, text);
    assert_int_equal(out[0], '[');
    assert_int_equal(out[cells + 1], ']');
    size_t written = cells * 40 / 100, failed_end = cells * 45 / 100;
    for (size_t i = 0; i < cells; i++)
        assert_int_equal(out[1 + i], i < written ? '#' : i < failed_end ? 'x' : '.');
}

static void test_bar_finished_and_empty(void **state)
{
    (void)state;
    char out[CTL_PROGRESS_LINE_MAX];
    ctl_progress_estimate e = {.rate = 3.0, .eta_s = 0};
    /* all done: the bar is full, cancelled shown as '-' and in the text */
    ctl_progress_counts c = counts(3, 0, 0, 1, 1, 1);
    size_t len = ctl_progress_format_bar(&c, &e, 80, out, sizeof(out));
    assert_int_equal(len, 80);
    assert_non_null(strstr(out, "3/3 written 1 failed 1 pending 0 cancelled 1 3.0/s ETA 0:00"));
    const char *close = strchr(out, ']');
    assert_non_null(close);
    size_t cells = (size_t)(close - out) - 1;
    assert_int_equal(strspn(out + 1, "#"), cells / 3);
    assert_null(memchr(out, '.', cells + 1));
    assert_int_equal(out[cells], '-');
    /* nothing done, rate unknown */
    ctl_progress_estimate unknown = {.rate = 0.0, .eta_s = -1};
    c = counts(10000, 10000, 0, 0, 0, 0);
    ctl_progress_format_bar(&c, &unknown, 72, out, sizeof(out));
    assert_int_equal(strlen(out), 72);
    assert_non_null(strstr(out, "] 0/10000 written 0 failed 0 pending 10000 0.0/s ETA --:--"));
    assert_int_equal(strspn(out + 1, "."), strchr(out, ']') - out - 1);
    /* no items at all */
    c = counts(0, 0, 0, 0, 0, 0);
    ctl_progress_format_bar(&c, &unknown, 70, out, sizeof(out));
    assert_int_equal(strlen(out), 70);
    assert_int_equal(out[0], '[');
    /* an hour or more */
    ctl_progress_estimate long_eta = {.rate = 0.5, .eta_s = 3725};
    c = counts(5000, 1862, 0, 3138, 0, 0);
    ctl_progress_format_bar(&c, &long_eta, 100, out, sizeof(out));
    assert_non_null(strstr(out, "ETA 1:02:05"));
}

static void test_bar_narrow(void **state)
{
    (void)state;
    ctl_progress_counts c = counts(100, 55, 0, 40, 5, 0);
    ctl_progress_estimate e = {.rate = 12.5, .eta_s = 4};
    const char *text = "45/100 written 40 failed 5 pending 55 12.5/s ETA 0:04";
    char out[CTL_PROGRESS_LINE_MAX];
    /* room for the text but not for CTL_PROGRESS_MIN_BAR cells: text only */
    size_t width = strlen(text) + 3 + CTL_PROGRESS_MIN_BAR - 1;
    assert_int_equal(ctl_progress_format_bar(&c, &e, (unsigned)width, out, sizeof(out)),
                     strlen(text));
    assert_string_equal(out, text);
    /* exactly enough for the smallest bar */
    assert_int_equal(ctl_progress_format_bar(&c, &e, (unsigned)width + 1, out, sizeof(out)),
                     width + 1);
    assert_int_equal(out[0], '[');
    /* narrower than the text: cut to the width */
    assert_int_equal(ctl_progress_format_bar(&c, &e, 20, out, sizeof(out)), 20);
    assert_memory_equal(out, text, 20);
    /* a buffer smaller than the width: cut to the buffer */
    char small[16];
    assert_int_equal(ctl_progress_format_bar(&c, &e, 200, small, sizeof(small)), 15);
    assert_memory_equal(small, text, 15);
    assert_int_equal(ctl_progress_format_bar(&c, &e, 80, small, 0), 0);
}

static void test_plain_line(void **state)
{
    (void)state;
    ctl_progress_counts c = counts(100, 50, 5, 40, 5, 0);
    ctl_progress_estimate e = {.rate = 12.5, .eta_s = 4, .elapsed_s = 12};
    char out[CTL_PROGRESS_LINE_MAX];
    size_t len = ctl_progress_format_line(&c, &e, "processing", out, sizeof(out));
    const char *want = "12s processing: 45/100 done, written 40, failed 5, pending 55, "
                       "12.5/s, ETA 0:04";
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    /* no control characters: it goes to logs and pipes */
    for (size_t i = 0; i < len; i++)
        assert_true(out[i] >= ' ' && out[i] <= '~');
    c = counts(4, 0, 0, 2, 1, 1);
    ctl_progress_estimate done = {.rate = 1.0, .eta_s = 0, .elapsed_s = 4};
    ctl_progress_format_line(&c, &done, "partially_completed", out, sizeof(out));
    assert_string_equal(out, "4s partially_completed: 4/4 done, written 2, failed 1, pending 0, "
                             "cancelled 1, 1.0/s, ETA 0:00");
    char small[10];
    assert_int_equal(ctl_progress_format_line(&c, &done, NULL, small, sizeof(small)), 9);
    assert_string_equal(small, "4s ?: 4/4");
}

static void test_rate_and_eta(void **state)
{
    (void)state;
    ctl_progress_tracker t = {0};
    /* first sample: the baseline, nothing measured */
    ctl_progress_counts c = counts(100, 90, 0, 10, 0, 0);
    ctl_progress_estimate e = ctl_progress_update(&t, &c, 1000000);
    assert_true(e.rate == 0.0);
    assert_int_equal(e.eta_s, -1);
    assert_int_equal(e.elapsed_s, 0);
    /* 20 more finished in 4 s: 5/s, 70 left: 14 s */
    c = counts(100, 60, 10, 25, 5, 0);
    e = ctl_progress_update(&t, &c, 1004000);
    assert_true(e.rate > 4.999 && e.rate < 5.001);
    assert_int_equal(e.eta_s, 14);
    assert_int_equal(e.elapsed_s, 4);
    /* nothing left: ETA 0 */
    c = counts(100, 0, 0, 90, 5, 5);
    e = ctl_progress_update(&t, &c, 1010000);
    assert_int_equal(e.eta_s, 0);
    assert_true(e.rate > 8.999 && e.rate < 9.001);
    /* a clock that does not advance: no division */
    ctl_progress_tracker same = {0};
    ctl_progress_update(&same, &c, 5);
    e = ctl_progress_update(&same, &c, 5);
    assert_true(e.rate == 0.0);
}

static void test_counts_from_order(void **state)
{
    (void)state;
    json_t *order = json_loads("{\"orderId\":\"ord_0\",\"itemCount\":7,\"progress\":{"
                               "\"pending\":1,\"inProgress\":2,\"written\":3,\"failed\":1,"
                               "\"cancelled\":0}}",
                               0, NULL);
    assert_non_null(order);
    ctl_progress_counts c;
    assert_int_equal(ctl_progress_counts_from_order(order, &c), AW_OK);
    assert_int_equal(c.total, 7);
    assert_int_equal(c.pending, 1);
    assert_int_equal(c.in_progress, 2);
    assert_int_equal(c.written, 3);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.cancelled, 0);
    json_decref(order);
    static const char *const bad[] = {
        "{\"progress\":{\"pending\":1,\"inProgress\":0,\"written\":0,\"failed\":0,"
        "\"cancelled\":0}}",                                 /* no itemCount */
        "{\"itemCount\":1}",                                 /* no progress */
        "{\"itemCount\":1,\"progress\":{\"pending\":1}}",    /* a status missing */
        "{\"itemCount\":1,\"progress\":{\"pending\":-1,\"inProgress\":0,\"written\":0,"
        "\"failed\":0,\"cancelled\":0}}",                    /* negative */
        "{\"itemCount\":1,\"progress\":{\"pending\":2,\"inProgress\":0,\"written\":0,"
        "\"failed\":0,\"cancelled\":0}}",                    /* over the total */
        "{\"itemCount\":\"1\",\"progress\":{}}",             /* not a number */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        order = json_loads(bad[i], 0, NULL);
        assert_non_null(order);
        assert_int_equal(ctl_progress_counts_from_order(order, &c), AW_ERR_CTL_RESPONSE);
        assert_int_equal(c.total, 0);
        json_decref(order);
    }
}

static void test_percentile(void **state)
{
    (void)state;
    int64_t v[10] = {900, 100, 500, 300, 700, 200, 1000, 400, 600, 800};
    assert_int_equal(ctl_progress_percentile(v, 10, 50), 500);
    assert_int_equal(ctl_progress_percentile(v, 10, 99), 1000);
    assert_int_equal(ctl_progress_percentile(v, 10, 100), 1000);
    assert_int_equal(ctl_progress_percentile(v, 10, 1), 100);
    assert_int_equal(ctl_progress_percentile(v, 10, 10), 100);
    assert_int_equal(ctl_progress_percentile(v, 10, 11), 200);
    for (size_t i = 1; i < 10; i++)
        assert_true(v[i - 1] <= v[i]); /* sorted in place */
    int64_t one[1] = {42};
    assert_int_equal(ctl_progress_percentile(one, 1, 50), 42);
    assert_int_equal(ctl_progress_percentile(one, 1, 99), 42);
    int64_t many[1000];
    for (size_t i = 0; i < 1000; i++)
        many[i] = (int64_t)(999 - i);
    assert_int_equal(ctl_progress_percentile(many, 1000, 50), 499);
    assert_int_equal(ctl_progress_percentile(many, 1000, 99), 989);
    assert_int_equal(ctl_progress_percentile(v, 0, 50), -1);
    assert_int_equal(ctl_progress_percentile(NULL, 3, 50), -1);
    assert_int_equal(ctl_progress_percentile(v, 10, 0), -1);
    assert_int_equal(ctl_progress_percentile(v, 10, 101), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_exact),
        cmocka_unit_test(test_bar_finished_and_empty),
        cmocka_unit_test(test_bar_narrow),
        cmocka_unit_test(test_plain_line),
        cmocka_unit_test(test_rate_and_eta),
        cmocka_unit_test(test_counts_from_order),
        cmocka_unit_test(test_percentile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
