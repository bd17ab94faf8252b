/* airwrite platform: the profile count limit's routes (issue 8 "Profile count limit",
 * platform_profile_limit.h; docs/openapi.yaml):
 *   GET /api/v1/profile-limit   the limit in force for the tenant acted on
 *   PUT /api/v1/profile-limit   {"maxProfiles": 1..255 | null}: the tenant's own limit, or
 *                               null to fall back to the per-eUICC default (platform_admin:
 *                               inventory.manage, docs/rbac.md)
 * A cross-tenant role names the tenant with ?tenant= (api_rbac.c); nothing else may be in
 * the query. The change is audited. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "platform/platform_internal.h"

/* Only the chain's tenant parameter, or no query at all. */
static bool query_valid(http_request *request)
{
    const char *query = http_request_query(request);
    const char *tenant = NULL;
    return query == NULL ||
           (strchr(query, '&') == NULL &&
            http_request_query_parameter(request, "tenant", &tenant) == AW_OK);
}

static void reply_limit(api_call *call)
{
    platform_profile_limit limit;
    aw_err err = platform_profile_limit_get(call->api->config.db, call->app.tenant, &limit);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    json_t *root = json_pack(
        "{s:s, s:b, s:o, s:o, s:o}", "tenant", call->app.tenant, "enabled", limit.enabled,
        "maxProfiles", limit.enabled ? json_integer(limit.max_profiles) : json_null(),
        "defaultMaxProfiles", limit.enabled ? json_integer(limit.default_max) : json_null(),
        "tenantMaxProfiles",
        limit.tenant_override ? json_integer(limit.max_profiles) : json_null());
    platform_api_reply_json(call, root);
}

void platform_api_handle_profile_limit_get(http_request *request, void *userdata)
{
    api_call call;
    if (!platform_api_run_chain(userdata, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    if (!query_valid(request)) {
        platform_api_reply_err(&call, AW_ERR_PLATFORM_FIELD);
        return;
    }
    reply_limit(&call);
}

/* {"maxProfiles": n | null}: *max_profiles 0 for null. */
static aw_err parse_limit(const uint8_t *body, size_t len, int64_t *max_profiles)
{
    static const char *const allowed[] = {"maxProfiles", NULL};
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, &root);
    if (err != AW_OK)
        return err;
    const json_t *value = json_object_get(root, "maxProfiles");
    *max_profiles = 0;
    if (json_is_integer(value) && json_integer_value(value) >= 1 &&
        json_integer_value(value) <= PLATFORM_PROFILE_LIMIT_MAX)
        *max_profiles = (int64_t)json_integer_value(value);
    else if (!json_is_null(value)) /* absent, out of range, or another type */
        err = AW_ERR_PLATFORM_FIELD;
    json_decref(root);
    return err;
}

void platform_api_handle_profile_limit_put(http_request *request, void *userdata)
{
    api_call call;
    if (!platform_api_run_chain(userdata, request, &call, PLATFORM_API_BODY_JSON, true))
        return;
    int64_t max_profiles = 0;
    aw_err err = query_valid(request) ? AW_OK : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = parse_limit(call.body, call.body_len, &max_profiles);
    if (err == AW_OK)
        err = platform_profile_limit_set_tenant(call.api->config.db, call.app.tenant,
                                                max_profiles, call.now_ms);
    char details[48];
    snprintf(details, sizeof(details), "{\"maxProfiles\":%lld}", (long long)max_profiles);
    (void)platform_api_audit(&call, "profile_limit.set", call.app.tenant,
                             err == AW_OK ? AUDIT_OUTCOME_SUCCESS : AUDIT_OUTCOME_FAILURE,
                             details);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    reply_limit(&call);
}
