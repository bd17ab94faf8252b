/* airwrited: [profile_limit], the profile count limit per eUICC (issue 8 "Profile count
 * limit"; platform_profile_limit.h, docs/airwrited.md):
 *   enabled        yes/no (default no: nothing limited beyond the eUICC's capacity)
 *   max_per_euicc  1..255 profiles on one eUICC (default 2, the domestic policy's)
 * The platform role writes it to its database at start, so every process serving that
 * database (orders, executor) applies it; a tenant's own limit is set through the API
 * (PUT /api/v1/profile-limit). */
#include <stdio.h>

#include "cli/airwrited.h"
#include "core/db.h"

aw_err airwrited_settings_load_profile_limit(const aw_config *config,
                                             airwrited_settings *settings,
                                             config_position *where)
{
    platform_profile_limit_settings *limit = &settings->profile_limit;
    uint64_t max = PLATFORM_PROFILE_LIMIT_DEFAULT;
    limit->enabled = false;
    aw_err err = config_get_bool(config, "profile_limit", "enabled", &limit->enabled, where);
    if (err == AW_OK)
        err = config_get_uint(config, "profile_limit", "max_per_euicc", 1,
                              PLATFORM_PROFILE_LIMIT_MAX, &max, where);
    limit->max_per_euicc = (int64_t)max;
    return err;
}

aw_err airwrited_profile_limit_apply(const airwrited_settings *settings, char *message,
                                     size_t cap)
{
    db_connection *db = NULL;
    aw_err err = db_open(settings->platform.database, NULL, &db);
    if (err == AW_OK)
        err = platform_profile_limit_configure(db, &settings->profile_limit, db_clock_ms());
    db_close(db);
    if (err != AW_OK)
        snprintf(message, cap, "[profile_limit]: the platform database: %s (%s)",
                 aw_err_message(err), aw_err_name(err));
    return err;
}
