/* airwrite platform: the settings and thresholds of the quality indicators
 * (管理控制 质量指标 of 《物联网 eSIM 空中写卡技术应用服务规范》, issue 7)
 * and their evaluation over a rolling window, each breach recorded as a
 * graded exception of the tenant (platform_exception_record).
 * docs/indicators.md "Thresholds" describes settings and cause codes. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform_internal.h"

#define WINDOW_MAX_MS (31 * 86400LL * 1000)
#define MIN_SAMPLES_MAX 1000000
#define PERCENT_DECIMALS_MAX 4
#define RATIO_DECIMALS_MAX 6

/* ---- Settings --------------------------------------------------------------- */

void platform_indicator_settings_default(platform_indicator_settings *settings)
{
    if (settings == NULL)
        return;
    memset(settings, 0, sizeof(*settings));
    settings->window_ms = PLATFORM_INDICATOR_DEFAULT_WINDOW_MS;
    settings->interval_ms = PLATFORM_INDICATOR_DEFAULT_INTERVAL_MS;
    settings->min_samples = PLATFORM_INDICATOR_DEFAULT_MIN_SAMPLES;
}

static bool indicator_is_time(platform_indicator indicator)
{
    return indicator == PLATFORM_INDICATOR_WRITE_TIME_AVERAGE ||
           indicator == PLATFORM_INDICATOR_WRITE_TIME_P95;
}

/* "<n>ms|s|m|h|d", n without leading zero, in min_ms..WINDOW_MAX_MS. */
static bool parse_duration(const char *value, int64_t min_ms, int64_t *ms)
{
    size_t digits = 0;
    int64_t n = 0;
    while (isdigit((unsigned char)value[digits]) && digits < 10)
        n = n * 10 + (value[digits++] - '0');
    if (digits == 0 || (value[0] == '0' && digits > 1))
        return false;
    const char *unit = value + digits;
    int64_t scale = strcmp(unit, "ms") == 0  ? 1
                    : strcmp(unit, "s") == 0 ? 1000
                    : strcmp(unit, "m") == 0 ? 60 * 1000
                    : strcmp(unit, "h") == 0 ? 3600 * 1000
                    : strcmp(unit, "d") == 0 ? 86400LL * 1000
                                             : 0;
    if (scale == 0 || n > WINDOW_MAX_MS / scale || n * scale < min_ms)
        return false;
    *ms = n * scale;
    return true;
}

/* "0", "1", "0.<1..6 digits>", "1.0..." or "<0..100>[.<1..4 digits>]%":
 * the ratio in parts per million, at most 1. */
static bool parse_ratio(const char *value, int64_t *ppm)
{
    size_t len = strlen(value);
    bool percent = len > 0 && value[len - 1] == '%';
    size_t end = percent ? len - 1 : len;
    int64_t whole = 0, fraction = 0;
    size_t i = 0, decimals = 0;
    while (i < end && isdigit((unsigned char)value[i]) && i < 3)
        whole = whole * 10 + (value[i++] - '0');
    if (i == 0 || (value[0] == '0' && i > 1))
        return false;
    if (i < end && value[i] == '.') {
        i++;
        while (i < end && isdigit((unsigned char)value[i]) &&
               decimals < (percent ? PERCENT_DECIMALS_MAX : RATIO_DECIMALS_MAX)) {
            fraction = fraction * 10 + (value[i++] - '0');
            decimals++;
        }
        if (decimals == 0)
            return false;
    }
    if (i != end)
        return false;
    /* to millionths: a ratio has 6 decimals, a percentage 4 */
    for (size_t d = decimals; d < (percent ? PERCENT_DECIMALS_MAX : RATIO_DECIMALS_MAX); d++)
        fraction *= 10;
    int64_t result = whole * (percent ? 10000 : PLATFORM_INDICATOR_PPM) + fraction;
    if (result > PLATFORM_INDICATOR_PPM)
        return false;
    *ppm = result;
    return true;
}

aw_err platform_indicator_settings_set(platform_indicator_settings *settings, const char *key,
                                       const char *value)
{
    if (settings == NULL || key == NULL || value == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++) {
        char name[48];
        bool time = indicator_is_time((platform_indicator)i);
        snprintf(name, sizeof(name), "%s_%s", platform_indicator_name((platform_indicator)i),
                 time ? "max" : "min");
        if (strcmp(key, name) != 0)
            continue;
        int64_t parsed = 0;
        if (!(time ? parse_duration(value, 1, &parsed) : parse_ratio(value, &parsed)))
            return AW_ERR_CONFIG_VALUE;
        settings->threshold[i] = parsed;
        settings->has_threshold[i] = true;
        return AW_OK;
    }
    int64_t parsed = 0;
    if (strcmp(key, "window") == 0 || strcmp(key, "interval") == 0) {
        if (!parse_duration(value, 1000, &parsed))
            return AW_ERR_CONFIG_VALUE;
        *(strcmp(key, "window") == 0 ? &settings->window_ms : &settings->interval_ms) = parsed;
        return AW_OK;
    }
    if (strcmp(key, "min_samples") == 0) {
        char *end = NULL;
        if (!isdigit((unsigned char)value[0]) || strlen(value) > 7)
            return AW_ERR_CONFIG_VALUE;
        long long n = strtoll(value, &end, 10);
        if (*end != '\0' || n < 1 || n > MIN_SAMPLES_MAX)
            return AW_ERR_CONFIG_VALUE;
        settings->min_samples = n;
        return AW_OK;
    }
    if (strcmp(key, "metrics_on_api") == 0) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return AW_ERR_CONFIG_VALUE;
        settings->metrics_on_api = strcmp(value, "true") == 0;
        return AW_OK;
    }
    return AW_ERR_CONFIG_KEY;
}

aw_err platform_indicator_settings_check(const platform_indicator_settings *settings)
{
    if (settings == NULL)
        return AW_ERR_ARGUMENT;
    if (settings->window_ms < 1000 || settings->window_ms > WINDOW_MAX_MS ||
        settings->interval_ms < 1000 || settings->interval_ms > settings->window_ms ||
        settings->min_samples < 1 || settings->min_samples > MIN_SAMPLES_MAX)
        return AW_ERR_CONFIG_CONFLICT;
    return AW_OK;
}

/* ---- Thresholds ------------------------------------------------------------ */

/* The samples behind an indicator (its denominator). */
static int64_t samples(const platform_indicators *in, platform_indicator indicator)
{
    switch (indicator) {
    case PLATFORM_INDICATOR_WRITE_SUCCESS:
    case PLATFORM_INDICATOR_FIRST_ATTEMPT:
        return in->items_written + in->items_failed;
    case PLATFORM_INDICATOR_WRITE_TIME_AVERAGE:
    case PLATFORM_INDICATOR_WRITE_TIME_P95:
        return in->items_written;
    case PLATFORM_INDICATOR_API_SUCCESS:
        return in->api_calls;
    case PLATFORM_INDICATOR_CALLBACK_SUCCESS:
        return in->callbacks_delivered + in->callbacks_dead;
    default:
        return in->exceptions_resolved;
    }
}

/* The numerator of a rate. */
static int64_t successes(const platform_indicators *in, platform_indicator indicator)
{
    switch (indicator) {
    case PLATFORM_INDICATOR_WRITE_SUCCESS:
        return in->items_written;
    case PLATFORM_INDICATOR_FIRST_ATTEMPT:
        return in->items_first_attempt;
    case PLATFORM_INDICATOR_API_SUCCESS:
        return in->api_2xx;
    case PLATFORM_INDICATOR_CALLBACK_SUCCESS:
        return in->callbacks_delivered;
    default:
        return in->exceptions_resolved_in_time;
    }
}

bool platform_indicator_breached(const platform_indicator_settings *settings,
                                 const platform_indicators *in, platform_indicator indicator)
{
    if (settings == NULL || in == NULL || (unsigned)indicator >= PLATFORM_INDICATOR__COUNT ||
        !settings->has_threshold[indicator])
        return false;
    int64_t n = samples(in, indicator);
    if (n <= 0 || n < settings->min_samples)
        return false;
    /* exact comparisons of products in 128 bits: a limit of 31 days in ms
     * times a count cannot overflow them */
    __int128 limit = settings->threshold[indicator];
    if (indicator == PLATFORM_INDICATOR_WRITE_TIME_AVERAGE)
        return in->write_time_sum_ms > limit * n; /* mean > limit */
    if (indicator == PLATFORM_INDICATOR_WRITE_TIME_P95)
        return in->write_time_p95_ms > limit;
    /* successes / n < limit / 10^6 */
    return (__int128)successes(in, indicator) * PLATFORM_INDICATOR_PPM < limit * n;
}

static const char *const causes[PLATFORM_INDICATOR__COUNT] = {
    "W5001", "W5002", "W5003", "W5004", "I5004", "I5005", "A8001",
};

const char *platform_indicator_cause(platform_indicator indicator)
{
    return (unsigned)indicator < PLATFORM_INDICATOR__COUNT ? causes[indicator] : NULL;
}

/* ---- Evaluation --------------------------------------------------------------- */

static aw_err raise_breach(db_connection *db, const platform_exception_policy *policy,
                           const platform_indicator_settings *settings,
                           const platform_indicators *in, platform_indicator indicator,
                           int64_t now_ms)
{
    char object[64], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "indicator:%s", platform_indicator_name(indicator));
    double value = 0;
    (void)platform_indicator_value(in, indicator, &value);
    if (indicator_is_time(indicator))
        snprintf(detail, sizeof(detail), "%s %.0f ms above the maximum %" PRId64 " ms over %" PRId64
                 " s (%" PRId64 " writes)", platform_indicator_name(indicator), value,
                 settings->threshold[indicator], (in->to_ms - in->from_ms) / 1000,
                 samples(in, indicator));
    else
        snprintf(detail, sizeof(detail), "%s %.6f (%" PRId64 "/%" PRId64 ") below the minimum "
                 "%.6f over %" PRId64 " s", platform_indicator_name(indicator), value,
                 successes(in, indicator), samples(in, indicator),
                 (double)settings->threshold[indicator] / PLATFORM_INDICATOR_PPM,
                 (in->to_ms - in->from_ms) / 1000);
    platform_exception_signal signal = {.tenant = in->tenant, .code = causes[indicator],
                                        .source = "indicators", .object = object,
                                        .detail = detail};
    return platform_exception_record(db, policy, &signal, now_ms, NULL, NULL);
}

/* Tenants with an app, by name, at most PLATFORM_INDICATOR_TENANTS_MAX. */
static aw_err list_tenants(db_connection *db, platform_indicators *list, size_t *count)
{
    db_param params[] = {DB_PARAM_INT64(PLATFORM_INDICATOR_TENANTS_MAX)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT DISTINCT tenant FROM platform_apps ORDER BY tenant LIMIT ?",
                          params, 1, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        const char *tenant = NULL;
        err = db_rows_get_text(rows, 0, &tenant);
        if (err == AW_OK && platform_tenant_valid(tenant))
            snprintf(list[(*count)++].tenant, PLATFORM_TENANT_MAX + 1, "%s", tenant);
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_indicators_evaluate(db_connection *db,
                                    const platform_indicator_settings *settings,
                                    const platform_exception_policy *policy, int64_t now_ms,
                                    platform_indicators **list_out, size_t *count_out,
                                    int64_t *raised)
{
    if (list_out != NULL)
        *list_out = NULL;
    if (count_out != NULL)
        *count_out = 0;
    if (raised != NULL)
        *raised = 0;
    if (db == NULL || settings == NULL || platform_indicator_settings_check(settings) != AW_OK ||
        now_ms < settings->window_ms)
        return AW_ERR_ARGUMENT;
    platform_indicators *list = calloc(PLATFORM_INDICATOR_TENANTS_MAX + 1, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    size_t count = 1; /* list[0]: every tenant */
    int64_t from = now_ms - settings->window_ms;
    aw_err err = list_tenants(db, list, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        char tenant[PLATFORM_TENANT_MAX + 1];
        memcpy(tenant, list[i].tenant, sizeof(tenant));
        err = platform_indicators_compute(db, tenant, policy, from, now_ms, &list[i]);
        /* thresholds apply per tenant: an exception belongs to one */
        for (size_t k = 0; err == AW_OK && i > 0 && k < PLATFORM_INDICATOR__COUNT; k++) {
            if (!platform_indicator_breached(settings, &list[i], (platform_indicator)k))
                continue;
            err = raise_breach(db, policy, settings, &list[i], (platform_indicator)k, now_ms);
            if (err == AW_OK && raised != NULL)
                (*raised)++;
        }
    }
    if (err != AW_OK || list_out == NULL) {
        free(list);
        return err;
    }
    *list_out = list;
    if (count_out != NULL)
        *count_out = count;
    return AW_OK;
}
