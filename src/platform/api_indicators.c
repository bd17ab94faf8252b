/* airwrite platform: the quality indicators (管理控制 质量指标, issue 7) on
 * the northbound API (docs/indicators.md, docs/openapi.yaml):
 *   GET /api/v1/indicators?from=&to=[&tenant=]  the tenant's indicators over
 *       [from, to) (default: the 24 hours before now), and for the roles that
 *       may address other tenants the indicators of all tenants ("overall");
 *   GET /metrics  the Prometheus gauges of the last periodic evaluation, on
 *       the API listener when [indicators] metrics_on_api (no signature:
 *       what a Prometheus server scrapes, like the SM-DP+'s metrics_on_es9p);
 * and the accounting of every /api/v1 answer (platform_api_count_answer). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/metrics.h"
#include "platform/inventory_internal.h" /* inventory_query_names_allowed */
#include "platform/platform_internal.h"

#define INDICATORS_PATH "/api/v1/indicators"
#define METRICS_PATH "/metrics"
#define DEFAULT_PERIOD_MS (86400LL * 1000)
#define TIME_DIGITS_MAX 15u

void platform_api_count_answer(api_call *call, int status)
{
    /* the caller's own tenant (a cross-tenant role acting on another counts
     * as its own); "" when the chain did not identify the app */
    const char *tenant = call->home_tenant[0] != '\0' ? call->home_tenant : call->app.tenant;
    /* an error here only loses this count or delays the flush: the answer
     * itself stands */
    (void)platform_call_counts_add(call->api->call_counts, call->api->config.db, call->now_ms,
                                   tenant, call->app.app_id, http_request_path(call->request),
                                   status);
}

/* A time in ms: 1..TIME_DIGITS_MAX digits; left as it is when absent. */
static aw_err time_parameter(http_request *request, const char *name, int64_t *out)
{
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, name, &value);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    size_t len = err == AW_OK ? strlen(value) : 0;
    if (err != AW_OK || len == 0 || len > TIME_DIGITS_MAX ||
        strspn(value, "0123456789") != len || (value[0] == '0' && len > 1))
        return AW_ERR_PLATFORM_FIELD;
    *out = (int64_t)strtoll(value, NULL, 10);
    return AW_OK;
}

static void handle_indicators(platform_api *api, http_request *request)
{
    static const char *const allowed[] = {"from", "to", "tenant", NULL};
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    int64_t to = call.now_ms, from = -1;
    aw_err err = inventory_query_names_allowed(http_request_query(request), allowed)
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = time_parameter(request, "to", &to);
    if (err == AW_OK)
        err = time_parameter(request, "from", &from);
    if (err == AW_OK && from < 0)
        from = to > DEFAULT_PERIOD_MS ? to - DEFAULT_PERIOD_MS : 0;
    /* this process's answers so far count too */
    if (err == AW_OK)
        err = platform_call_counts_flush(api->call_counts, api->config.db);
    platform_indicators tenant, overall;
    if (err == AW_OK)
        err = platform_indicators_compute(api->config.db, call.app.tenant,
                                          api->config.exceptions, from, to, &tenant);
    bool all = platform_role_cross_tenant(call.role);
    if (err == AW_OK && all)
        err = platform_indicators_compute(api->config.db, NULL, api->config.exceptions, from, to,
                                          &overall);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    json_t *root = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                             "tenant", platform_indicators_json(&tenant));
    if (root != NULL && all &&
        json_object_set_new(root, "overall", platform_indicators_json(&overall)) != 0) {
        json_decref(root);
        root = NULL;
    }
    platform_api_reply_json(&call, root);
}

/* The monitor's text as it is: no chain, nothing from the database. */
static void handle_metrics(platform_api *api, http_request *request)
{
    char *text = NULL;
    size_t len = 0;
    if (http_request_method(request) != AW_HTTP_METHOD_GET) {
        platform_api_reply_method_not_allowed(api, request, "GET");
        return;
    }
    if (platform_indicator_monitor_metrics(api->config.indicators, &text, &len) != AW_OK) {
        http_request_set_status(request, 500);
        return;
    }
    http_request_set_status(request, 200);
    (void)http_request_add_header(request, "Content-Type", METRICS_CONTENT_TYPE);
    (void)http_request_add_header(request, "Cache-Control", "no-store");
    if (http_request_set_body(request, text, len) != AW_OK)
        http_request_set_status(request, 500);
    free(text);
}

bool platform_api_indicators_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    if (strcmp(path, METRICS_PATH) == 0 &&
        platform_indicator_monitor_serves_metrics(api->config.indicators)) {
        handle_metrics(api, request);
        return true;
    }
    if (strcmp(path, INDICATORS_PATH) != 0)
        return false;
    if (http_request_method(request) != AW_HTTP_METHOD_GET)
        platform_api_reply_method_not_allowed(api, request, "GET");
    else
        handle_indicators(api, request);
    return true;
}
