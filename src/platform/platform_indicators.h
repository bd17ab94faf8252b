/* airwrite platform: quality indicators (质量指标) of the management control
 * (管理控制) part of 《物联网 eSIM 空中写卡技术应用服务规范》 (issue 7), part
 * of the platform's one public header (included at the end of
 * platform/platform.h; include that, not this). docs/indicators.md gives
 * every formula, the null rule and the thresholds. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_INDICATORS_H
#define AIRWRITE_PLATFORM_PLATFORM_INDICATORS_H

/* ---- Indicators over a period (indicators.c) ------------------------------ */

/* The indicators, each a rate or a time computed from stored rows. */
typedef enum platform_indicator {
    PLATFORM_INDICATOR_WRITE_SUCCESS = 0,   /* written / (written + failed) */
    PLATFORM_INDICATOR_FIRST_ATTEMPT,       /* written at the first attempt / (written + failed) */
    PLATFORM_INDICATOR_WRITE_TIME_AVERAGE,  /* mean of end - start of written items, ms */
    PLATFORM_INDICATOR_WRITE_TIME_P95,      /* nearest-rank 95th percentile of the same, ms */
    PLATFORM_INDICATOR_API_SUCCESS,         /* 2xx answers / all answers */
    PLATFORM_INDICATOR_CALLBACK_SUCCESS,    /* delivered / (delivered + dead) */
    PLATFORM_INDICATOR_EXCEPTION_CLOSURE,   /* resolved within the time limit / resolved */
    PLATFORM_INDICATOR__COUNT
} platform_indicator;

/* "write_success", "first_attempt", "write_time_average", "write_time_p95",
 * "api_success", "callback_success", "exception_closure"; NULL outside. */
const char *platform_indicator_name(platform_indicator indicator);

/* What the indicators of one tenant (or all) over [from_ms, to_ms) are made
 * of: exact counts, so every rate is numerator / denominator. */
typedef struct platform_indicators {
    char tenant[PLATFORM_TENANT_MAX + 1]; /* "" for all tenants */
    int64_t from_ms, to_ms;
    /* items whose final status (written, failed) was reached in the period */
    int64_t items_written, items_failed;
    int64_t items_first_attempt;   /* written, started once, never re-triggered */
    int64_t write_time_sum_ms;     /* over items_written */
    int64_t write_time_p95_ms;     /* nearest rank; 0 when items_written is 0 */
    /* /api/v1 answers in the period, by status class */
    int64_t api_calls, api_2xx, api_3xx, api_4xx, api_5xx;
    /* callback deliveries that ended in the period */
    int64_t callbacks_delivered, callbacks_dead;
    /* exceptions resolved in the period (and not reopened) */
    int64_t exceptions_resolved, exceptions_resolved_in_time;
} platform_indicators;

/* The value of one indicator: a ratio in [0, 1] or a time in ms. false
 * (value 0) when its denominator is 0: the indicator is null, never a
 * division by zero. */
bool platform_indicator_value(const platform_indicators *indicators,
                              platform_indicator indicator, double *value);

/* Create or upgrade the indicator tables (db_migrate component
 * "platform_indicators"); platform_migrate calls it. */
aw_err platform_indicators_migrate(db_connection *db);

/* Compute the indicators of tenant (NULL or "": all tenants) over
 * [from_ms, to_ms); an exception is resolved in time when it was resolved
 * within the time limit of its class and grade under policy (NULL:
 * defaults) from when it was first seen. AW_ERR_PLATFORM_FIELD: from_ms < 0
 * or from_ms >= to_ms, a malformed tenant. */
aw_err platform_indicators_compute(db_connection *db, const char *tenant,
                                   const struct platform_exception_policy *policy,
                                   int64_t from_ms, int64_t to_ms, platform_indicators *out);

/* The executor triggered an item's download again within its round
 * (download_attempts, SGP.22 3.1.3): the item is no first-attempt write
 * any more. In the caller's transaction or one of its own. */
aw_err platform_indicators_record_retrigger(db_connection *db, const char *order_id,
                                            const char *eid, int64_t now_ms);

/* ---- API call accounting (indicators_calls.c) ----------------------------- */

/* Every /api/v1 answer is counted in memory per (minute, tenant, app, route
 * group, status class) and the counts are added to the database
 * (platform_api_call_counts) when the minute changes, when
 * PLATFORM_CALL_COUNT_KEYS_MAX keys are held, and on flush: no database
 * work per call. A crash loses at most the counts not yet flushed. */
#define PLATFORM_CALL_COUNT_KEYS_MAX 512u
#define PLATFORM_ROUTE_GROUP_MAX 16u

typedef struct platform_call_counts platform_call_counts;

aw_err platform_call_counts_new(platform_call_counts **out);
/* Frees without flushing (flush first). NULL-safe. */
void platform_call_counts_free(platform_call_counts *counts);
/* Count one answer of status to path by app_id of tenant ("" when the
 * caller was not identified) at now_ms; may flush to db first (its errors
 * are returned, the call is counted anyway). AW_ERR_ARGUMENT: a NULL
 * argument or status outside 100..599. */
aw_err platform_call_counts_add(platform_call_counts *counts, db_connection *db, int64_t now_ms,
                                const char *tenant, const char *app_id, const char *path,
                                int status);
/* Add what is held to db in one transaction and forget it (kept on error). */
aw_err platform_call_counts_flush(platform_call_counts *counts, db_connection *db);
/* The route group of a path: its segment after /api/v1/ when it is one of
 * the API's ("auth", "orders", ...), else "other". */
const char *platform_route_group(const char *path);

/* ---- Thresholds and evaluation (indicators_monitor.c); JSON, Prometheus
 *      text and the periodic monitor (indicators_exposure.c) ---------------- */

#define PLATFORM_INDICATOR_TENANTS_MAX 256u /* tenants evaluated and exposed */
#define PLATFORM_INDICATOR_DEFAULT_WINDOW_MS (3600LL * 1000)
#define PLATFORM_INDICATOR_DEFAULT_INTERVAL_MS (5 * 60LL * 1000)
#define PLATFORM_INDICATOR_DEFAULT_MIN_SAMPLES 10
#define PLATFORM_INDICATOR_PPM 1000000LL

/* airwrited [indicators]: a threshold per indicator (none by default), the
 * rolling window evaluated and exposed, how often, and how many samples an
 * indicator needs before its threshold applies. */
typedef struct platform_indicator_settings {
    bool has_threshold[PLATFORM_INDICATOR__COUNT];
    /* rates: the minimum in parts per million; times: the maximum in ms */
    int64_t threshold[PLATFORM_INDICATOR__COUNT];
    int64_t window_ms;
    int64_t interval_ms;
    int64_t min_samples;
    bool metrics_on_api;           /* GET /metrics on the API listener */
} platform_indicator_settings;

/* No thresholds, the default window, interval and samples, no /metrics. */
void platform_indicator_settings_default(platform_indicator_settings *settings);
/* Set one setting from its configuration text: "<indicator>_min" for the
 * rates (a ratio "0.95" of at most 6 decimals or a percentage "95%"),
 * "write_time_average_max" and "write_time_p95_max" (durations
 * "<n>ms|s|m|h"), "window" and "interval" (durations of 1 s to 31 days),
 * "min_samples" (1..1000000), "metrics_on_api" (true/false).
 * AW_ERR_CONFIG_KEY: unknown key; AW_ERR_CONFIG_VALUE: malformed or out of
 * range. */
aw_err platform_indicator_settings_set(platform_indicator_settings *settings, const char *key,
                                       const char *value);
/* Whole check: the interval not longer than the window.
 * AW_ERR_CONFIG_CONFLICT. */
aw_err platform_indicator_settings_check(const platform_indicator_settings *settings);

/* Whether indicators break settings' threshold of indicator: known, with at
 * least min_samples samples, and below the minimum (rates, compared
 * exactly) or above the maximum (times). */
bool platform_indicator_breached(const platform_indicator_settings *settings,
                                 const platform_indicators *indicators,
                                 platform_indicator indicator);

/* Cause code of an indicator's breach (docs/indicators.md): W5001..W5004,
 * I5004, I5005, A8001. */
const char *platform_indicator_cause(platform_indicator indicator);

/* Evaluate the window [now - window, now) of every tenant that has an app
 * (at most PLATFORM_INDICATOR_TENANTS_MAX, by name): each breached
 * threshold records an exception (platform_exception_record, source
 * "indicators", object "indicator:<name>", under policy; NULL: defaults).
 * list (may be NULL) receives the overall indicators first, then each
 * tenant's (malloc'd, count entries); raised (may be NULL) how many
 * breaches were recorded. */
aw_err platform_indicators_evaluate(db_connection *db,
                                    const platform_indicator_settings *settings,
                                    const struct platform_exception_policy *policy,
                                    int64_t now_ms, platform_indicators **list, size_t *count,
                                    int64_t *raised);

/* The Prometheus text exposition (format 0.0.4) of list (the first entry
 * with tenant "" is rendered without a tenant label): one gauge family per
 * indicator (docs/indicators.md "Metrics"), null indicators left out.
 * text malloc'd, NUL-terminated. */
aw_err platform_indicators_prometheus(const platform_indicators *list, size_t count,
                                      int64_t window_ms, char **text, size_t *len);

struct json_t;
/* One indicators object of the API (docs/openapi.yaml Indicators): every
 * indicator's value (null when unknown) and the counts. NULL on allocation
 * failure. */
struct json_t *platform_indicators_json(const platform_indicators *indicators);

/* The periodic evaluation on an event loop: every settings->interval_ms it
 * runs platform_indicators_evaluate on db (the loop thread's connection)
 * and keeps the Prometheus text for GET /metrics. */
typedef struct platform_indicator_monitor platform_indicator_monitor;

/* The first evaluation runs as soon as base's loop runs. base NULL: no
 * timer (platform_indicator_monitor_run by hand). settings and policy
 * borrowed; clock NULL: db_clock_ms. AW_ERR_ARGUMENT: db or settings
 * missing, settings failing platform_indicator_settings_check. */
aw_err platform_indicator_monitor_new(struct event_base *base, db_connection *db,
                                      const platform_indicator_settings *settings,
                                      const struct platform_exception_policy *policy,
                                      platform_clock_fn clock, void *clock_userdata,
                                      platform_indicator_monitor **out);
void platform_indicator_monitor_free(platform_indicator_monitor *monitor);
/* One evaluation now (what the timer does). raised as evaluate's. */
aw_err platform_indicator_monitor_run(platform_indicator_monitor *monitor, int64_t *raised);
/* A copy of the last evaluation's Prometheus text (malloc'd); before the
 * first, the families' headers only. */
aw_err platform_indicator_monitor_metrics(platform_indicator_monitor *monitor, char **text,
                                          size_t *len);
/* Whether GET /metrics is served on the API listener. */
bool platform_indicator_monitor_serves_metrics(const platform_indicator_monitor *monitor);

#endif
