/* Tests of the quality indicators' settings and thresholds
 * (src/platform/indicators_monitor.c; docs/indicators.md "Thresholds"):
 * every configuration form and every error of
 * platform_indicator_settings_set and _check, and the exact comparisons of
 * platform_indicator_breached at and around each threshold, the sample
 * minimum and null indicators. No database. */
#include "testutil.h"

#include "platform/platform.h"

#define MINUTE_MS 60000LL
#define HOUR_MS (60 * MINUTE_MS)

static void test_settings(void **state)
{
    (void)state;
    platform_indicator_settings s;
    platform_indicator_settings_default(&s);
    assert_int_equal(platform_indicator_settings_check(&s), AW_OK);
    static const struct {
        const char *key, *value;
        int64_t expected;
    } good[] = {
        {"write_success_min", "0.95", 950000}, {"first_attempt_min", "95%", 950000},
        {"api_success_min", "99.5%", 995000},  {"callback_success_min", "1", 1000000},
        {"exception_closure_min", "0", 0},     {"write_success_min", "0.000001", 1},
        {"write_time_average_max", "90s", 90000}, {"write_time_p95_max", "250ms", 250},
        {"write_time_p95_max", "2h", 7200000},  {"api_success_min", "100%", 1000000},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(platform_indicator_settings_set(&s, good[i].key, good[i].value), AW_OK);
        size_t k = 0;
        while (k < PLATFORM_INDICATOR__COUNT &&
               strncmp(good[i].key, platform_indicator_name((platform_indicator)k),
                       strlen(platform_indicator_name((platform_indicator)k))) != 0)
            k++;
        assert_true(k < PLATFORM_INDICATOR__COUNT);
        assert_true(s.has_threshold[k]);
        assert_int_equal(s.threshold[k], good[i].expected);
    }
    static const struct {
        const char *key, *value;
    } bad[] = {
        {"write_success_min", "1.1"},   {"write_success_min", "0.1234567"},
        {"write_success_min", "95"},    {"write_success_min", "abc"},
        {"write_success_min", ""},      {"write_success_min", "-0.5"},
        {"write_success_min", "101%"},  {"write_success_min", "0."},
        {"write_success_min", "00.5"},  {"write_time_p95_max", "10"},
        {"write_time_p95_max", "0s"},   {"write_time_p95_max", "10w"},
        {"window", "500ms"},            {"window", "32d"},
        {"interval", "x"},              {"min_samples", "0"},
        {"min_samples", "10000001"},    {"min_samples", "1x"},
        {"metrics_on_api", "yes"},      {"write_time_p95_min", "1s"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        aw_err err = platform_indicator_settings_set(&s, bad[i].key, bad[i].value);
        if (err != AW_ERR_CONFIG_VALUE && err != AW_ERR_CONFIG_KEY)
            print_error("%s = %s accepted\n", bad[i].key, bad[i].value);
        assert_int_equal(err, strcmp(bad[i].key, "write_time_p95_min") == 0
                                  ? AW_ERR_CONFIG_KEY
                                  : AW_ERR_CONFIG_VALUE);
    }
    assert_int_equal(platform_indicator_settings_set(&s, "nothing", "1"), AW_ERR_CONFIG_KEY);
    assert_int_equal(platform_indicator_settings_set(NULL, "window", "1h"), AW_ERR_ARGUMENT);
    assert_int_equal(platform_indicator_settings_set(&s, "window", "1h"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "interval", "2h"), AW_OK);
    assert_int_equal(platform_indicator_settings_check(&s), AW_ERR_CONFIG_CONFLICT);
    assert_int_equal(platform_indicator_settings_set(&s, "interval", "1m"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "min_samples", "3"), AW_OK);
    assert_int_equal(platform_indicator_settings_set(&s, "metrics_on_api", "true"), AW_OK);
    assert_int_equal(platform_indicator_settings_check(&s), AW_OK);
    assert_int_equal(s.window_ms, HOUR_MS);
    assert_int_equal(s.interval_ms, MINUTE_MS);
    assert_int_equal(s.min_samples, 3);
    assert_true(s.metrics_on_api);
    assert_int_equal(platform_indicator_settings_check(NULL), AW_ERR_ARGUMENT);

    /* exact comparisons on 7 written of 10 */
    platform_indicators in = {.items_written = 7, .items_failed = 3, .items_first_attempt = 5,
                              .write_time_sum_ms = 41000, .write_time_p95_ms = 20000};
    platform_indicator_settings_default(&s);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_SUCCESS));
    assert_int_equal(platform_indicator_settings_set(&s, "write_success_min", "0.7"), AW_OK);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_SUCCESS));
    assert_int_equal(platform_indicator_settings_set(&s, "write_success_min", "0.700001"), AW_OK);
    assert_true(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_SUCCESS));
    assert_int_equal(platform_indicator_settings_set(&s, "min_samples", "11"), AW_OK);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_SUCCESS));
    assert_int_equal(platform_indicator_settings_set(&s, "min_samples", "1"), AW_OK);
    /* mean 41000/7 = 5857.1 ms: above 5857 ms, not above 5858 ms */
    assert_int_equal(platform_indicator_settings_set(&s, "write_time_average_max", "5857ms"),
                     AW_OK);
    assert_true(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_TIME_AVERAGE));
    assert_int_equal(platform_indicator_settings_set(&s, "write_time_average_max", "5858ms"),
                     AW_OK);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_TIME_AVERAGE));
    assert_int_equal(platform_indicator_settings_set(&s, "write_time_p95_max", "20s"), AW_OK);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_TIME_P95));
    assert_int_equal(platform_indicator_settings_set(&s, "write_time_p95_max", "19999ms"), AW_OK);
    assert_true(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_WRITE_TIME_P95));
    /* no data: never breached */
    assert_int_equal(platform_indicator_settings_set(&s, "api_success_min", "1"), AW_OK);
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR_API_SUCCESS));
    assert_false(platform_indicator_breached(NULL, &in, PLATFORM_INDICATOR_API_SUCCESS));
    assert_false(platform_indicator_breached(&s, &in, PLATFORM_INDICATOR__COUNT));
    /* each breach's cause: its class letter that of the indicator */
    static const char *const causes[PLATFORM_INDICATOR__COUNT] = {
        "W5001", "W5002", "W5003", "W5004", "I5004", "I5005", "A8001"};
    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++)
        assert_string_equal(platform_indicator_cause((platform_indicator)i), causes[i]);
    assert_null(platform_indicator_cause(PLATFORM_INDICATOR__COUNT));
    assert_null(platform_indicator_name(PLATFORM_INDICATOR__COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
