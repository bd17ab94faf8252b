/* airwrite platform: the location policy's routes (location-bound writing,
 * 境外禁写, issue 8; location_policy.h, docs/location.md, docs/openapi.yaml):
 *   GET /api/v1/location-policy   the policy in force for the tenant acted on
 *   PUT /api/v1/location-policy   the tenant's own policy (LocationPolicy JSON)
 * Permission location_policy.manage (platform_admin, security_officer,
 * docs/rbac.md); both roles are cross-tenant and name the tenant with
 * ?tenant= (api_rbac.c); nothing else may be in the query. A change is
 * audited as location_policy.set. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "platform/location_policy.h"
#include "platform/platform_internal.h"

static const char *action_name(location_action action)
{
    return action == LOCATION_ACTION_HOLD ? "hold" : "refuse";
}

static bool action_member(const json_t *root, const char *name, location_action *out)
{
    const json_t *value = json_object_get(root, name);
    if (value == NULL)
        return true; /* the default stands */
    const char *text = json_string_value(value);
    if (text != NULL && strcmp(text, "refuse") == 0)
        *out = LOCATION_ACTION_REFUSE;
    else if (text != NULL && strcmp(text, "hold") == 0)
        *out = LOCATION_ACTION_HOLD;
    else
        return false;
    return true;
}

static bool integer_member(const json_t *root, const char *name, int64_t *out)
{
    const json_t *value = json_object_get(root, name);
    if (value == NULL)
        return true;
    if (!json_is_integer(value))
        return false;
    *out = (int64_t)json_integer_value(value);
    return true;
}

static bool regions_member(const json_t *root, location_policy *policy)
{
    const json_t *regions = json_object_get(root, "regions");
    if (!json_is_array(regions) || json_array_size(regions) > LOCATION_POLICY_REGIONS_MAX)
        return false;
    policy->region_count = 0;
    size_t i;
    const json_t *name;
    json_array_foreach(regions, i, name)
    {
        const char *text = json_string_value(name);
        if (text == NULL || strlen(text) > LOCATION_REGION_NAME_MAX)
            return false;
        memcpy(policy->regions[policy->region_count++], text, strlen(text) + 1);
    }
    return true;
}

aw_err location_policy_parse_json(const uint8_t *body, size_t len, location_policy *out)
{
    static const char *const allowed[] = {"enabled",        "regions",         "inlineRegion",
                                          "maxAgeSeconds",  "maxAccuracyMeters",
                                          "maxSpeedKmh",    "onMissing",       "onStale",
                                          "onImplausible",  "holdSeconds",     NULL};
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    location_policy_default(out);
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, &root);
    if (err != AW_OK)
        return err;
    const json_t *enabled = json_object_get(root, "enabled");
    const json_t *inline_region = json_object_get(root, "inlineRegion");
    const char *text = json_string_value(inline_region);
    bool ok = json_is_boolean(enabled) && regions_member(root, out) &&
              (inline_region == NULL || json_is_null(inline_region) ||
               (text != NULL && strlen(text) <= LOCATION_INLINE_REGION_MAX)) &&
              integer_member(root, "maxAgeSeconds", &out->max_age_s) &&
              integer_member(root, "maxAccuracyMeters", &out->max_accuracy_m) &&
              integer_member(root, "maxSpeedKmh", &out->max_speed_kmh) &&
              integer_member(root, "holdSeconds", &out->hold_s) &&
              action_member(root, "onMissing", &out->on_missing) &&
              action_member(root, "onStale", &out->on_stale) &&
              action_member(root, "onImplausible", &out->on_implausible);
    if (ok) {
        out->enabled = json_is_true(enabled);
        if (text != NULL)
            memcpy(out->inline_region, text, strlen(text) + 1);
        err = location_policy_check(out);
    } else
        err = AW_ERR_LOCATION_POLICY;
    json_decref(root);
    if (err != AW_OK)
        location_policy_default(out);
    return err;
}

/* Only the chain's tenant parameter, or no query at all. */
static bool query_valid(http_request *request)
{
    const char *query = http_request_query(request);
    const char *tenant = NULL;
    return query == NULL ||
           (strchr(query, '&') == NULL &&
            http_request_query_parameter(request, "tenant", &tenant) == AW_OK);
}

static void reply_policy(api_call *call)
{
    const platform_location_config *config = call->api->config.location;
    location_policy policy;
    bool found = false;
    aw_err err = platform_location_policy_read(call->api->config.db, call->app.tenant, &policy,
                                               &found);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    if (!found && config != NULL) {
        policy = config->defaults;
        policy.enabled = config->enabled;
    }
    json_t *regions = json_array();
    for (size_t i = 0; regions != NULL && i < policy.region_count; i++)
        json_array_append_new(regions, json_string(policy.regions[i]));
    json_t *root = json_pack(
        "{s:s, s:b, s:s, s:b, s:o, s:o, s:I, s:I, s:I, s:s, s:s, s:s, s:I}", "tenant",
        call->app.tenant, "enforced", config != NULL && config->enabled, "source",
        found ? "tenant" : "default", "enabled", policy.enabled, "regions", regions,
        "inlineRegion",
        policy.inline_region[0] != '\0' ? json_string(policy.inline_region) : json_null(),
        "maxAgeSeconds", (json_int_t)policy.max_age_s, "maxAccuracyMeters",
        (json_int_t)policy.max_accuracy_m, "maxSpeedKmh", (json_int_t)policy.max_speed_kmh,
        "onMissing", action_name(policy.on_missing), "onStale", action_name(policy.on_stale),
        "onImplausible", action_name(policy.on_implausible), "holdSeconds",
        (json_int_t)policy.hold_s);
    platform_api_reply_json(call, root);
}

void platform_api_handle_location_policy_get(http_request *request, void *userdata)
{
    api_call call;
    if (!platform_api_run_chain(userdata, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    if (!query_valid(request)) {
        platform_api_reply_err(&call, AW_ERR_PLATFORM_FIELD);
        return;
    }
    reply_policy(&call);
}

/* Each named region installed where the executor will look for it. */
static aw_err regions_installed(const platform_location_config *config,
                                const location_policy *policy)
{
    if (config == NULL || config->data_directory == NULL)
        return policy->region_count == 0 ? AW_OK : AW_ERR_LOCATION_REGION;
    location_region_set set;
    aw_err err = location_region_set_load(policy, config->data_directory, &set);
    location_region_set_clear(&set);
    return err == AW_ERR_NOMEM ? err : err != AW_OK ? AW_ERR_LOCATION_REGION : AW_OK;
}

void platform_api_handle_location_policy_put(http_request *request, void *userdata)
{
    api_call call;
    if (!platform_api_run_chain(userdata, request, &call, PLATFORM_API_BODY_JSON, true))
        return;
    location_policy policy;
    aw_err err = query_valid(request) ? AW_OK : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = location_policy_parse_json(call.body, call.body_len, &policy);
    if (err == AW_OK)
        err = regions_installed(call.api->config.location, &policy);
    if (err == AW_OK)
        err = platform_location_policy_write(call.api->config.db, call.app.tenant, &policy,
                                             call.now_ms / 1000);
    char details[96];
    snprintf(details, sizeof(details), "{\"enabled\":%s,\"regions\":%zu,\"inline\":%s}",
             err == AW_OK && policy.enabled ? "true" : "false",
             err == AW_OK ? policy.region_count : 0,
             err == AW_OK && policy.inline_region[0] != '\0' ? "true" : "false");
    (void)platform_api_audit(&call, "location_policy.set", call.app.tenant,
                             err == AW_OK ? AUDIT_OUTCOME_SUCCESS : AUDIT_OUTCOME_FAILURE,
                             details);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    reply_policy(&call);
}
