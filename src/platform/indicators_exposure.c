/* airwrite platform: the quality indicators (管理控制 质量指标, issue 7) as
 * the API's JSON object (docs/openapi.yaml Indicators) and as Prometheus
 * gauges in the text exposition format 0.0.4 (Prometheus "Exposition
 * formats": "# HELP" and "# TYPE" per family, then its samples), and the
 * monitor that evaluates them periodically on the router's event loop.
 * Series are per tenant (bounded by PLATFORM_INDICATOR_TENANTS_MAX), never
 * per app or EID. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <jansson.h>

#include "platform/platform_internal.h"

/* ---- JSON ------------------------------------------------------------------ */

/* Member names of the indicators, in platform_indicator order. */
static const char *const json_names[PLATFORM_INDICATOR__COUNT] = {
    "writeSuccessRate",    "firstAttemptSuccessRate",     "averageWriteTimeMs",
    "p95WriteTimeMs",      "apiCallSuccessRate",          "callbackDeliverySuccessRate",
    "exceptionClosureInTimeRate",
};

json_t *platform_indicators_json(const platform_indicators *in)
{
    if (in == NULL)
        return NULL;
    json_t *counts = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "itemsWritten",
        (json_int_t)in->items_written, "itemsFailed", (json_int_t)in->items_failed,
        "itemsFirstAttempt", (json_int_t)in->items_first_attempt, "writeTimeSumMs",
        (json_int_t)in->write_time_sum_ms, "apiCalls", (json_int_t)in->api_calls, "api2xx",
        (json_int_t)in->api_2xx, "api3xx", (json_int_t)in->api_3xx, "api4xx",
        (json_int_t)in->api_4xx, "api5xx", (json_int_t)in->api_5xx, "callbacksDelivered",
        (json_int_t)in->callbacks_delivered, "callbacksDead", (json_int_t)in->callbacks_dead,
        "exceptionsResolved", (json_int_t)in->exceptions_resolved, "exceptionsResolvedInTime",
        (json_int_t)in->exceptions_resolved_in_time);
    json_t *root = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)in->from_ms, "to",
                             (json_int_t)in->to_ms, "counts", counts);
    if (root == NULL)
        return NULL;
    bool ok = in->tenant[0] == '\0' ||
              json_object_set_new(root, "tenant", json_string(in->tenant)) == 0;
    for (size_t i = 0; ok && i < PLATFORM_INDICATOR__COUNT; i++) {
        double value = 0;
        json_t *member = NULL;
        if (!platform_indicator_value(in, (platform_indicator)i, &value))
            member = json_null();
        else if (i == PLATFORM_INDICATOR_WRITE_TIME_P95)
            member = json_integer((json_int_t)in->write_time_p95_ms);
        else
            member = json_real(value);
        ok = json_object_set_new(root, json_names[i], member) == 0;
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- Prometheus ---------------------------------------------------------- */

static const struct {
    const char *name;
    const char *help;
    double scale; /* ratios as they are; ms to seconds */
} families[PLATFORM_INDICATOR__COUNT] = {
    {"airwrite_write_success_ratio",
     "Items written / items written or failed in the window (docs/indicators.md).", 1},
    {"airwrite_write_first_attempt_ratio",
     "Items written at their first attempt / items written or failed in the window.", 1},
    {"airwrite_write_time_average_seconds",
     "Mean write time (end - start) of the items written in the window.", 0.001},
    {"airwrite_write_time_p95_seconds",
     "Nearest-rank 95th percentile write time of the items written in the window.", 0.001},
    {"airwrite_api_call_success_ratio", "API answers 2xx / all API answers in the window.", 1},
    {"airwrite_callback_delivery_success_ratio",
     "Callback deliveries delivered / delivered or dead in the window.", 1},
    {"airwrite_exception_closure_in_time_ratio",
     "Exceptions resolved within their time limit / resolved in the window.", 1},
};

typedef struct text_buffer {
    char *data;
    size_t len, cap;
    bool failed;
} text_buffer;

static void put(text_buffer *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void put(text_buffer *t, const char *format, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, format, args);
        va_end(args);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n + 1;
        char *grown = realloc(t->data, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
}

aw_err platform_indicators_prometheus(const platform_indicators *list, size_t count,
                                      int64_t window_ms, char **text, size_t *len)
{
    if (text != NULL)
        *text = NULL;
    if (len != NULL)
        *len = 0;
    if (text == NULL || len == NULL || (list == NULL && count > 0))
        return AW_ERR_ARGUMENT;
    text_buffer t = {.data = malloc(4096), .cap = 4096};
    if (t.data == NULL)
        return AW_ERR_NOMEM;
    t.data[0] = '\0';
    put(&t, "# HELP airwrite_indicator_window_seconds Length of the window the indicators "
            "cover, ending at their evaluation.\n# TYPE airwrite_indicator_window_seconds "
            "gauge\nairwrite_indicator_window_seconds %.10g\n",
        (double)window_ms / 1000);
    for (size_t f = 0; f < PLATFORM_INDICATOR__COUNT; f++) {
        put(&t, "# HELP %s %s\n# TYPE %s gauge\n", families[f].name, families[f].help,
            families[f].name);
        for (size_t i = 0; i < count; i++) {
            double value = 0;
            /* tenant names are [A-Za-z0-9._-]: nothing to escape */
            if (!platform_indicator_value(&list[i], (platform_indicator)f, &value) ||
                (list[i].tenant[0] != '\0' && !platform_tenant_valid(list[i].tenant)))
                continue;
            if (list[i].tenant[0] == '\0')
                put(&t, "%s %.10g\n", families[f].name, value * families[f].scale);
            else
                put(&t, "%s{tenant=\"%s\"} %.10g\n", families[f].name, list[i].tenant,
                    value * families[f].scale);
        }
    }
    if (t.failed) {
        free(t.data);
        return AW_ERR_NOMEM;
    }
    *text = t.data;
    *len = t.len;
    return AW_OK;
}

/* ---- The monitor ------------------------------------------------------------ */

struct platform_indicator_monitor {
    db_connection *db;
    const platform_indicator_settings *settings;
    const platform_exception_policy *policy;
    platform_clock_fn clock;
    void *clock_userdata;
    struct event *timer;
    char *metrics;                 /* the last evaluation's text */
    size_t metrics_len;
};

static int64_t monitor_default_clock(void *userdata)
{
    (void)userdata;
    return db_clock_ms();
}

aw_err platform_indicator_monitor_run(platform_indicator_monitor *monitor, int64_t *raised)
{
    if (raised != NULL)
        *raised = 0;
    if (monitor == NULL)
        return AW_ERR_ARGUMENT;
    platform_indicators *list = NULL;
    size_t count = 0;
    aw_err err = platform_indicators_evaluate(monitor->db, monitor->settings, monitor->policy,
                                              monitor->clock(monitor->clock_userdata), &list,
                                              &count, raised);
    char *text = NULL;
    size_t len = 0;
    if (err == AW_OK)
        err = platform_indicators_prometheus(list, count, monitor->settings->window_ms, &text,
                                             &len);
    free(list);
    if (err != AW_OK)
        return err;
    free(monitor->metrics);
    monitor->metrics = text;
    monitor->metrics_len = len;
    return AW_OK;
}

/* The timer: a failed evaluation keeps the last text and is tried again at
 * the next tick (the database may be back by then). */
static void monitor_tick(evutil_socket_t fd, short what, void *userdata)
{
    (void)fd;
    (void)what;
    (void)platform_indicator_monitor_run(userdata, NULL);
}

aw_err platform_indicator_monitor_new(struct event_base *base, db_connection *db,
                                      const platform_indicator_settings *settings,
                                      const platform_exception_policy *policy,
                                      platform_clock_fn clock, void *clock_userdata,
                                      platform_indicator_monitor **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (db == NULL || settings == NULL || platform_indicator_settings_check(settings) != AW_OK)
        return AW_ERR_ARGUMENT;
    platform_indicator_monitor *monitor = calloc(1, sizeof(*monitor));
    if (monitor == NULL)
        return AW_ERR_NOMEM;
    monitor->db = db;
    monitor->settings = settings;
    monitor->policy = policy;
    monitor->clock = clock != NULL ? clock : monitor_default_clock;
    monitor->clock_userdata = clock_userdata;
    aw_err err = platform_indicators_prometheus(NULL, 0, settings->window_ms, &monitor->metrics,
                                                &monitor->metrics_len);
    if (err == AW_OK && base != NULL) {
        struct timeval interval = {.tv_sec = (time_t)(settings->interval_ms / 1000),
                                   .tv_usec = (suseconds_t)(settings->interval_ms % 1000) * 1000};
        monitor->timer = event_new(base, -1, EV_PERSIST, monitor_tick, monitor);
        if (monitor->timer == NULL || event_add(monitor->timer, &interval) != 0)
            err = AW_ERR_NOMEM;
        else /* the first evaluation as soon as the loop runs, then every interval */
            event_active(monitor->timer, EV_TIMEOUT, 0);
    }
    if (err != AW_OK) {
        platform_indicator_monitor_free(monitor);
        return err;
    }
    *out = monitor;
    return AW_OK;
}

void platform_indicator_monitor_free(platform_indicator_monitor *monitor)
{
    if (monitor == NULL)
        return;
    if (monitor->timer != NULL)
        event_free(monitor->timer);
    free(monitor->metrics);
    free(monitor);
}

aw_err platform_indicator_monitor_metrics(platform_indicator_monitor *monitor, char **text,
                                          size_t *len)
{
    if (text != NULL)
        *text = NULL;
    if (len != NULL)
        *len = 0;
    if (monitor == NULL || text == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    *text = malloc(monitor->metrics_len + 1);
    if (*text == NULL)
        return AW_ERR_NOMEM;
    memcpy(*text, monitor->metrics, monitor->metrics_len + 1);
    *len = monitor->metrics_len;
    return AW_OK;
}

bool platform_indicator_monitor_serves_metrics(const platform_indicator_monitor *monitor)
{
    return monitor != NULL && monitor->settings->metrics_on_api;
}
