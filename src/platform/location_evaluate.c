/* airwrite platform: the location policy and its decision (境外禁写,
 * location verification; docs/location.md "Decision"): a card's latest fix
 * against the allowed regions of its tenant's policy. Pure functions: the
 * fixes, the policy and the regions in, a verdict out.
 *
 * Order of the checks: no fix -> missing; values no device can report (a
 * kind of neither GNSS nor cell, coordinates out of range or 0/0, an
 * accuracy below 0 or over LOCATION_ACCURACY_ABSURD_M, or unknown when the
 * policy requires one, a fix from the future, a jump faster than the
 * policy's speed from the fix before) -> implausible; older than max_age
 * -> stale; else the region test: a position (GNSS; a cell resolved to a
 * position with an accuracy radius) must lie in a region's polygons, a
 * cell known only by its MCC (3GPP TS 23.003 2.2) in a region of the
 * MCC's country (ITU-T E.212). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "platform/location_policy.h"

#define LOCATION_ACCURACY_ABSURD_M 1000000 /* 1000 km: no fix at all */
#define LOCATION_FUTURE_SLACK_S 60           /* clock skew between device and platform */
#define LOCATION_MAX_AGE_CEILING_S (30 * 86400)
#define LOCATION_HOLD_CEILING_S (7 * 86400)
#define LOCATION_SPEED_CEILING_KMH 100000

void location_policy_default(location_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->enabled = false;
    policy->region_count = 1;
    snprintf(policy->regions[0], sizeof(policy->regions[0]), "CN");
    policy->max_age_s = 600;
    policy->max_accuracy_m = 0;
    policy->max_speed_kmh = 1000; /* faster than an airliner */
    policy->on_missing = LOCATION_ACTION_HOLD;
    policy->on_stale = LOCATION_ACTION_HOLD;
    policy->on_implausible = LOCATION_ACTION_REFUSE;
    policy->hold_s = 3600;
}

static bool action_valid(location_action action)
{
    return action == LOCATION_ACTION_REFUSE || action == LOCATION_ACTION_HOLD;
}

aw_err location_policy_check(const location_policy *policy)
{
    if (policy == NULL)
        return AW_ERR_ARGUMENT;
    if (policy->region_count > LOCATION_POLICY_REGIONS_MAX ||
        memchr(policy->inline_region, '\0', sizeof(policy->inline_region)) == NULL)
        return AW_ERR_LOCATION_POLICY;
    for (size_t i = 0; i < policy->region_count; i++)
        if (!location_region_name_valid(policy->regions[i],
                                        strnlen(policy->regions[i], sizeof(policy->regions[i]))))
            return AW_ERR_LOCATION_POLICY;
    if (policy->inline_region[0] != '\0') {
        location_region *region = NULL;
        aw_err err = location_region_parse((const uint8_t *)policy->inline_region,
                                           strlen(policy->inline_region), &region);
        location_region_free(region);
        if (err == AW_ERR_NOMEM)
            return err;
        if (err != AW_OK)
            return AW_ERR_LOCATION_POLICY;
    }
    if (policy->enabled && policy->region_count == 0 && policy->inline_region[0] == '\0')
        return AW_ERR_LOCATION_POLICY; /* nothing would be allowed anywhere */
    if (policy->max_age_s < 1 || policy->max_age_s > LOCATION_MAX_AGE_CEILING_S ||
        policy->hold_s < 1 || policy->hold_s > LOCATION_HOLD_CEILING_S ||
        policy->max_accuracy_m < 0 || policy->max_accuracy_m > LOCATION_ACCURACY_ABSURD_M ||
        policy->max_speed_kmh < 0 || policy->max_speed_kmh > LOCATION_SPEED_CEILING_KMH ||
        !action_valid(policy->on_missing) || !action_valid(policy->on_stale) ||
        !action_valid(policy->on_implausible))
        return AW_ERR_LOCATION_POLICY;
    return AW_OK;
}

void location_region_set_clear(location_region_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        location_region_free(set->regions[i]);
    memset(set, 0, sizeof(*set));
}

aw_err location_region_set_load(const location_policy *policy, const char *directory,
                                location_region_set *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (policy == NULL || policy->region_count > LOCATION_POLICY_REGIONS_MAX)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < policy->region_count; i++) {
        err = directory != NULL ? location_region_load(directory, policy->regions[i],
                                                       &out->regions[out->count])
                                : AW_ERR_NOT_FOUND;
        if (err == AW_OK)
            out->count++;
    }
    if (err == AW_OK && policy->inline_region[0] != '\0') {
        err = location_region_parse((const uint8_t *)policy->inline_region,
                                    strlen(policy->inline_region), &out->regions[out->count]);
        if (err == AW_OK)
            out->count++;
    }
    if (err != AW_OK)
        location_region_set_clear(out);
    return err;
}

/* A position the region test may use: GNSS always, a cell only when the
 * reporter resolved it (an accuracy radius). */
static bool has_position(const platform_location_fix *fix)
{
    return fix->kind == PLATFORM_LOCATION_GNSS ||
           (fix->kind == PLATFORM_LOCATION_CELL && fix->accuracy_m > 0);
}

static const char *implausible_reason(const location_policy *policy, const location_fixes *fixes,
                                      int64_t now)
{
    const platform_location_fix *fix = &fixes->latest;
    if (fix->kind != PLATFORM_LOCATION_GNSS && fix->kind != PLATFORM_LOCATION_CELL)
        return "fix of no known kind";
    if (fix->fix_time > now + LOCATION_FUTURE_SLACK_S)
        return "fix taken in the future";
    if (!isfinite(fix->accuracy_m) || fix->accuracy_m < 0 ||
        fix->accuracy_m > LOCATION_ACCURACY_ABSURD_M)
        return "absurd accuracy";
    if (!has_position(fix)) /* a cell by its MCC only */
        return fix->mcc[0] == '\0' ? "cell fix without MCC or position" : NULL;
    if (!isfinite(fix->latitude) || !isfinite(fix->longitude) || fix->latitude < -90 ||
        fix->latitude > 90 || fix->longitude < -180 || fix->longitude > 180)
        return "coordinates out of range";
    if (fix->latitude == 0 && fix->longitude == 0)
        return "coordinates 0/0 (no fix)";
    if (policy->max_accuracy_m > 0 &&
        (fix->accuracy_m == 0 || fix->accuracy_m > (double)policy->max_accuracy_m))
        return "accuracy unknown or worse than the policy's";
    const platform_location_fix *before = &fixes->previous;
    if (policy->max_speed_kmh > 0 && fixes->has_previous && has_position(before) &&
        isfinite(before->latitude) && isfinite(before->longitude)) {
        /* the accuracies are uncertainty, not movement */
        double metres = location_distance_m(before->latitude, before->longitude, fix->latitude,
                                            fix->longitude) -
                        fix->accuracy_m - before->accuracy_m;
        int64_t seconds = fix->fix_time - before->fix_time;
        if (seconds < 1)
            seconds = 1;
        if (metres > 0 && metres / (double)seconds * 3.6 > (double)policy->max_speed_kmh)
            return "moved faster than the policy's speed since the fix before";
    }
    return NULL;
}

static bool inside_regions(const location_region_set *regions, const platform_location_fix *fix)
{
    const char *country = has_position(fix) ? NULL : location_country_of_mcc(fix->mcc);
    for (size_t i = 0; regions != NULL && i < regions->count; i++) {
        const location_region *region = regions->regions[i];
        if (has_position(fix) && location_region_contains(region, fix->latitude, fix->longitude))
            return true;
        if (country != NULL && strcmp(region->country, country) == 0)
            return true;
    }
    return false;
}

void location_evaluate(const location_policy *policy, const location_region_set *regions,
                       const location_fixes *fixes, int64_t now, location_decision *out)
{
    *out = (location_decision){.verdict = LOCATION_INSIDE, .action = LOCATION_ACTION_REFUSE,
                               .reason = "location policy off"};
    if (policy == NULL || !policy->enabled)
        return;
    if (fixes == NULL || !fixes->has_latest) {
        *out = (location_decision){LOCATION_MISSING, policy->on_missing, "no location fix"};
        return;
    }
    const char *reason = implausible_reason(policy, fixes, now);
    if (reason != NULL) {
        *out = (location_decision){LOCATION_IMPLAUSIBLE, policy->on_implausible, reason};
        return;
    }
    if (now - fixes->latest.fix_time > policy->max_age_s) {
        *out = (location_decision){LOCATION_STALE, policy->on_stale,
                                   "latest fix older than the policy's age"};
        return;
    }
    if (inside_regions(regions, &fixes->latest))
        *out = (location_decision){LOCATION_INSIDE, LOCATION_ACTION_REFUSE,
                                   "inside an allowed region"};
    else
        *out = (location_decision){LOCATION_OUTSIDE, LOCATION_ACTION_REFUSE,
                                   "outside every allowed region"};
}

static const char *const exception_codes[] = {
    [LOCATION_OUTSIDE] = "T3301", [LOCATION_MISSING] = "T3302",
    [LOCATION_STALE] = "T3303", [LOCATION_IMPLAUSIBLE] = "T3304",
};

const char *location_exception_code(location_verdict verdict)
{
    if (verdict <= LOCATION_INSIDE || verdict > LOCATION_IMPLAUSIBLE)
        return NULL;
    return exception_codes[verdict];
}

const char *location_verdict_name(location_verdict verdict)
{
    switch (verdict) {
    case LOCATION_INSIDE: return "inside";
    case LOCATION_OUTSIDE: return "outside";
    case LOCATION_MISSING: return "missing";
    case LOCATION_STALE: return "stale";
    case LOCATION_IMPLAUSIBLE: return "implausible";
    }
    return "unknown";
}
