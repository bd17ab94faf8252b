/* libFuzzer target: what the quality indicators take from outside and
 * render (src/platform/indicators_monitor.c, indicators_exposure.c,
 * indicators.c; docs/indicators.md). The first byte picks the part:
 *   0: an airwrited [indicators] setting "key\nvalue" into the defaults
 *      (platform_indicator_settings_set), then the whole check;
 *   1: indicator counts (8 bytes each, bounded as COUNT(*) and SUM rows
 *      are) and thresholds from the input, then every value, every breach
 *      test, the Prometheus text and the JSON object.
 * Properties checked beyond "no crash":
 * - a setting answers AW_OK, AW_ERR_CONFIG_KEY or AW_ERR_CONFIG_VALUE; after
 *   AW_OK the value is in range (a rate 0..10^6 ppm, a time 1 ms..31 days,
 *   window and interval from 1 s, min_samples 1..10^6) and the check
 *   answers AW_OK or AW_ERR_CONFIG_CONFLICT;
 * - a rate is null exactly when its denominator is 0, else in [0, 1] when
 *   its numerator is within its denominator; a null indicator never breaks
 *   its threshold and no indicator breaks an absent one;
 * - every Prometheus line is a comment or an "airwrite_" sample ending in
 *   a newline, with a tenant label only for a valid tenant name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/platform_internal.h" /* platform_tenant_valid */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 128
#define COUNT_BITS 40 /* counts of rows: far below 2^40 */
#define SUM_BITS 56   /* sums of ms */

static void check_setting(const uint8_t *data, size_t size)
{
    char text[TEXT_MAX + 1];
    size_t len = size < TEXT_MAX ? size : TEXT_MAX;
    memcpy(text, data, len);
    text[len] = '\0';
    if (strlen(text) != len)
        return; /* a NUL inside: configuration text never has one */
    char *value = strchr(text, '\n');
    if (value == NULL)
        return;
    *value++ = '\0';
    platform_indicator_settings s;
    platform_indicator_settings_default(&s);
    aw_err err = platform_indicator_settings_set(&s, text, value);
    if (err != AW_OK && err != AW_ERR_CONFIG_KEY && err != AW_ERR_CONFIG_VALUE)
        abort();
    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++) {
        if (!s.has_threshold[i])
            continue;
        bool time = i == PLATFORM_INDICATOR_WRITE_TIME_AVERAGE ||
                    i == PLATFORM_INDICATOR_WRITE_TIME_P95;
        if (s.threshold[i] < (time ? 1 : 0) ||
            s.threshold[i] > (time ? 31 * 86400LL * 1000 : PLATFORM_INDICATOR_PPM))
            abort();
    }
    if (s.window_ms < 1000 || s.interval_ms < 1000 || s.min_samples < 1 ||
        s.min_samples > 1000000)
        abort();
    err = platform_indicator_settings_check(&s);
    if (err != AW_OK && err != AW_ERR_CONFIG_CONFLICT)
        abort();
}

static int64_t take(const uint8_t **data, size_t *size, unsigned bits)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8 && *size > 0; i++, (*data)++, (*size)--)
        v = (v << 8) | **data;
    return (int64_t)(v & ((1ULL << bits) - 1));
}

static void check_render(const char *text, size_t len)
{
    if (strlen(text) != len || (len > 0 && text[len - 1] != '\n'))
        abort();
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (end == NULL)
            abort();
        if (line[0] != '#' && strncmp(line, "airwrite_", 9) != 0)
            abort();
        const char *label = memchr(line, '{', (size_t)(end - line));
        if (line[0] != '#' && label != NULL) {
            char tenant[PLATFORM_TENANT_MAX + 1];
            const char *open = label + sizeof("{tenant=\"") - 1;
            const char *close = memchr(open, '"', (size_t)(end - open));
            if (strncmp(label, "{tenant=\"", 9) != 0 || close == NULL ||
                (size_t)(close - open) > PLATFORM_TENANT_MAX)
                abort();
            memcpy(tenant, open, (size_t)(close - open));
            tenant[close - open] = '\0';
            if (!platform_tenant_valid(tenant))
                abort();
        }
        line = end + 1;
    }
}

static void check_indicators(const uint8_t *data, size_t size)
{
    platform_indicators in;
    memset(&in, 0, sizeof(in));
    in.items_written = take(&data, &size, COUNT_BITS);
    in.items_failed = take(&data, &size, COUNT_BITS);
    in.items_first_attempt = take(&data, &size, COUNT_BITS) % (in.items_written + 1);
    in.write_time_sum_ms = take(&data, &size, SUM_BITS);
    in.write_time_p95_ms = take(&data, &size, SUM_BITS);
    in.api_2xx = take(&data, &size, COUNT_BITS);
    in.api_4xx = take(&data, &size, COUNT_BITS);
    in.api_5xx = take(&data, &size, COUNT_BITS);
    in.api_calls = in.api_2xx + in.api_4xx + in.api_5xx;
    in.callbacks_delivered = take(&data, &size, COUNT_BITS);
    in.callbacks_dead = take(&data, &size, COUNT_BITS);
    in.exceptions_resolved = take(&data, &size, COUNT_BITS);
    in.exceptions_resolved_in_time = take(&data, &size, COUNT_BITS) % (in.exceptions_resolved + 1);
    in.from_ms = 0;
    in.to_ms = 3600000;
    platform_indicator_settings s;
    platform_indicator_settings_default(&s);
    s.min_samples = 1 + take(&data, &size, 20) % 1000000;
    uint8_t which = size > 0 ? *data : 0;
    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++) {
        s.has_threshold[i] = (which >> i) & 1;
        s.threshold[i] = take(&data, &size, 31) % (PLATFORM_INDICATOR_PPM + 1);
    }
    size_t tenant_len = size < PLATFORM_TENANT_MAX ? size : PLATFORM_TENANT_MAX;
    memcpy(in.tenant, data, tenant_len);
    in.tenant[tenant_len] = '\0';

    for (size_t i = 0; i < PLATFORM_INDICATOR__COUNT; i++) {
        double value = -1;
        bool known = platform_indicator_value(&in, (platform_indicator)i, &value);
        bool time = i == PLATFORM_INDICATOR_WRITE_TIME_AVERAGE ||
                    i == PLATFORM_INDICATOR_WRITE_TIME_P95;
        if (!known && value != 0)
            abort();
        if (known && !time && (value < 0 || value > 1))
            abort();
        bool breached = platform_indicator_breached(&s, &in, (platform_indicator)i);
        if (breached && (!known || !s.has_threshold[i]))
            abort();
    }
    platform_indicators list[2];
    list[0] = in;
    list[0].tenant[0] = '\0';
    list[1] = in;
    char *text = NULL;
    size_t len = 0;
    if (platform_indicators_prometheus(list, 2, s.window_ms, &text, &len) == AW_OK)
        check_render(text, len);
    free(text);
    json_decref(platform_indicators_json(&in));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == 0)
        check_setting(data + 1, size - 1);
    else if (data[0] == 1)
        check_indicators(data + 1, size - 1);
    return 0;
}
