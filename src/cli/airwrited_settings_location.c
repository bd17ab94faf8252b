/* airwrited: [location], location-bound writing (境外禁写, issue 8;
 * platform/location_policy.h, docs/location.md, docs/airwrited.md):
 *   enabled          yes/no (default no: no location check, behaviour unchanged)
 *   region           a region name, repeatable (default CN): <data_dir>/<name>.region
 *   data_dir         the region files (default AIRWRITED_REGIONS_DIR, the installed
 *                    data/regions; relative: under the state directory)
 *   max_age_s        a fix older is stale (1..2592000, default 600)
 *   max_accuracy_m   a position less accurate is implausible (0: no limit, default)
 *   max_speed_kmh    a faster jump between fixes is implausible (0: no check; default 1000)
 *   on_missing, on_stale, on_implausible   refuse or hold (defaults hold, hold, refuse)
 *   hold_s           how long a held write waits for a usable fix (1..604800, default 3600)
 * These are the policy of every tenant without its own (PUT
 * /api/v1/location-policy). With enabled, the region files must load. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/airwrited.h"

#define SECTION "location"

static aw_err fail_at(const aw_config *config, const char *key, size_t index,
                      config_position *where, aw_err err)
{
    const char *value = NULL;
    size_t line = 0;
    (void)config_get_text(config, SECTION, key, index, &value, &line);
    where->line = line;
    snprintf(where->section, sizeof(where->section), "%s", SECTION);
    snprintf(where->key, sizeof(where->key), "%s", key);
    return err;
}

static aw_err action(const aw_config *config, const char *key, location_action *out,
                     config_position *where)
{
    const char *value = NULL;
    if (config_get_text(config, SECTION, key, 0, &value, NULL) != AW_OK)
        return AW_OK; /* absent: the default stands */
    if (strcmp(value, "refuse") == 0)
        *out = LOCATION_ACTION_REFUSE;
    else if (strcmp(value, "hold") == 0)
        *out = LOCATION_ACTION_HOLD;
    else
        return fail_at(config, key, 0, where, AW_ERR_CONFIG_VALUE);
    return AW_OK;
}

static aw_err number(const aw_config *config, const char *key, uint64_t min, uint64_t max,
                     int64_t *out, config_position *where)
{
    uint64_t value = (uint64_t)*out;
    aw_err err = config_get_uint(config, SECTION, key, min, max, &value, where);
    *out = (int64_t)value;
    return err;
}

aw_err airwrited_settings_load_location(const aw_config *config, airwrited_settings *settings,
                                        const char *data_directory, config_position *where)
{
    platform_location_config *location = &settings->location;
    location_policy *policy = &location->defaults;
    location_policy_default(policy);
    location->enabled = false;
    location->data_directory = data_directory;
    aw_err err = config_get_bool(config, SECTION, "enabled", &location->enabled, where);
    size_t regions = config_count(config, SECTION, "region");
    if (err == AW_OK && regions > LOCATION_POLICY_REGIONS_MAX)
        err = fail_at(config, "region", LOCATION_POLICY_REGIONS_MAX, where, AW_ERR_LIMIT);
    if (err == AW_OK && regions != 0)
        policy->region_count = 0;
    for (size_t i = 0; err == AW_OK && i < regions; i++) {
        const char *name = NULL;
        (void)config_get_text(config, SECTION, "region", i, &name, NULL);
        if (strlen(name) > LOCATION_REGION_NAME_MAX)
            return fail_at(config, "region", i, where, AW_ERR_CONFIG_VALUE);
        snprintf(policy->regions[policy->region_count++], sizeof(policy->regions[0]), "%s",
                 name);
    }
    if (err == AW_OK)
        err = number(config, "max_age_s", 1, 30u * 86400, &policy->max_age_s, where);
    if (err == AW_OK)
        err = number(config, "max_accuracy_m", 0, 1000000, &policy->max_accuracy_m, where);
    if (err == AW_OK)
        err = number(config, "max_speed_kmh", 0, 100000, &policy->max_speed_kmh, where);
    if (err == AW_OK)
        err = number(config, "hold_s", 1, 7u * 86400, &policy->hold_s, where);
    if (err == AW_OK)
        err = action(config, "on_missing", &policy->on_missing, where);
    if (err == AW_OK)
        err = action(config, "on_stale", &policy->on_stale, where);
    if (err == AW_OK)
        err = action(config, "on_implausible", &policy->on_implausible, where);
    policy->enabled = location->enabled;
    if (err == AW_OK && location_policy_check(policy) != AW_OK)
        err = fail_at(config, "region", 0, where, AW_ERR_CONFIG_VALUE);
    /* an enabled policy must be able to judge: its region files load now */
    if (err == AW_OK && location->enabled) {
        location_region_set set;
        aw_err load = location_region_set_load(policy, data_directory, &set);
        location_region_set_clear(&set);
        /* no such directory: data_dir's fault; else a region's file */
        if (load != AW_OK)
            err = fail_at(config, access(data_directory, X_OK) != 0 ? "data_dir" : "region", 0,
                          where, AW_ERR_CONFIG_VALUE);
    }
    return err;
}
