/* airwrite platform: GET /api/v1/orders, the write orders of the calling
 * app's tenant (写卡订单 进度查询 of 《物联网 eSIM 空中写卡技术应用服务规范》),
 * newest first, a page at a time, each as GET /api/v1/orders/{id} answers
 * it. The conventions of the query routes (api_query.c): limit 1..200
 * (default 50), cursor = the previous page's nextCursor (null on the last
 * page), an unknown or malformed parameter is I1002; a cross-tenant role
 * names the tenant with ?tenant= (api_rbac.c). Filters: status (an order
 * state), profileType or numberPool, createdFrom (ms, included) and
 * createdTo (ms, excluded). docs/openapi.yaml is exact. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/inventory_internal.h"
#include "platform/platform_internal.h"

#define TIME_DIGITS_MAX 18u

/* 1..digits digits without a leading zero (zero itself when zero_ok); out
 * is left as it is when the parameter is absent. */
static aw_err number_parameter(http_request *request, const char *name, size_t digits,
                               bool zero_ok, int64_t *out)
{
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, name, &value);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    size_t len = err == AW_OK ? strlen(value) : 0;
    if (err != AW_OK || len == 0 || len > digits || strspn(value, "0123456789") != len ||
        (value[0] == '0' && (len > 1 || !zero_ok)))
        return AW_ERR_PLATFORM_FIELD;
    *out = (int64_t)strtoll(value, NULL, 10);
    return AW_OK;
}

/* A text parameter: NULL when absent; AW_ERR_PLATFORM_FIELD when malformed. */
static aw_err text_parameter(http_request *request, const char *name, const char **out)
{
    aw_err err = http_request_query_parameter(request, name, out);
    if (err == AW_ERR_NOT_FOUND) {
        *out = NULL;
        return AW_OK;
    }
    return err == AW_OK ? AW_OK : AW_ERR_PLATFORM_FIELD;
}

static aw_err list_query(http_request *request, platform_order_filter *filter, size_t *limit,
                         const char **cursor)
{
    static const char *const allowed[] = {"status",    "profileType", "numberPool", "createdFrom",
                                          "createdTo", "limit",       "cursor",     NULL};
    memset(filter, 0, sizeof(*filter));
    *limit = PLATFORM_ORDER_PAGE_DEFAULT;
    *cursor = NULL;
    if (!inventory_query_names_allowed(http_request_query(request), allowed))
        return AW_ERR_PLATFORM_FIELD;
    int64_t limit_value = PLATFORM_ORDER_PAGE_DEFAULT;
    const char *profile_type = NULL, *pool = NULL;
    aw_err err = number_parameter(request, "limit", 3, false, &limit_value);
    if (err == AW_OK && limit_value > PLATFORM_ORDER_PAGE_MAX)
        err = AW_ERR_PLATFORM_FIELD;
    *limit = (size_t)limit_value;
    if (err == AW_OK)
        err = text_parameter(request, "cursor", cursor);
    if (err == AW_OK)
        err = text_parameter(request, "status", &filter->status);
    if (err == AW_OK)
        err = text_parameter(request, "profileType", &profile_type);
    if (err == AW_OK)
        err = text_parameter(request, "numberPool", &pool);
    if (err == AW_OK && profile_type != NULL && pool != NULL)
        err = AW_ERR_PLATFORM_FIELD; /* an order has one target */
    filter->target_kind = pool != NULL ? PLATFORM_TARGET_NUMBER_POOL : PLATFORM_TARGET_PROFILE_TYPE;
    filter->target = pool != NULL ? pool : profile_type;
    if (err == AW_OK)
        err = number_parameter(request, "createdFrom", TIME_DIGITS_MAX, true,
                               &filter->created_from_ms);
    if (err == AW_OK) /* from 1: the store reads createdTo 0 as no bound */
        err = number_parameter(request, "createdTo", TIME_DIGITS_MAX, false,
                               &filter->created_to_ms);
    return err;
}

/* GET /api/v1/orders */
void platform_api_handle_order_list(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    platform_order_filter filter;
    size_t limit = 0;
    const char *cursor = NULL;
    platform_order *orders = NULL;
    size_t count = 0;
    char next[PLATFORM_ORDER_CURSOR_SIZE];
    aw_err err = list_query(request, &filter, &limit, &cursor);
    if (err == AW_OK)
        err = platform_order_list(api->config.db, call.app.tenant, &filter, cursor, limit,
                                  &orders, &count, next);
    json_t *list = err == AW_OK ? json_array() : NULL;
    if (err == AW_OK && list == NULL)
        err = AW_ERR_NOMEM;
    for (size_t i = 0; err == AW_OK && i < count; i++)
        if (json_array_append_new(list, platform_api_order_json(&orders[i])) != 0)
            err = AW_ERR_NOMEM;
    free(orders);
    if (err != AW_OK) {
        json_decref(list);
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "orders", list, "nextCursor",
                                             next[0] != '\0' ? json_string(next) : json_null()));
}
