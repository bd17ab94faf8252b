/* airwrite platform: the profile count limit per eUICC and per tenant (issue 8 "Profile count
 * limit"; docs/COMPLIANCE.md section profilelimit). A part of the one public header
 * (platform.h includes it).
 *
 * Under the policy ([profile_limit] enabled in airwrited) an eUICC may hold at most
 * max_per_euicc profiles (default 2), or the ordering tenant's own limit when a platform
 * administrator set one. A card's count is what occupies its eUICC: the platform's profiles
 * of that EID in installed, enabled or disabled (SGP.22: every installed ISD-P, whatever its
 * state), plus the order items heading to that EID (pending or in progress), so two
 * concurrent orders cannot both take the last place. POST /orders is refused whole with
 * A7401 when any EID would exceed its limit; the executor checks again before the ES2+
 * DownloadOrder (W7401); an eUICC that refuses a download with errorReason
 * installFailedDueToInsufficientMemoryForProfile (SGP.22 5.7.6) fails the item with W7402.
 * Without the policy nothing is limited beyond the eUICC's real capacity. */
#ifndef AIRWRITE_PLATFORM_PROFILE_LIMIT_H
#define AIRWRITE_PLATFORM_PROFILE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "core/http_server.h"

#define PLATFORM_PROFILE_LIMIT_DEFAULT 2   /* max_per_euicc under the domestic policy */
#define PLATFORM_PROFILE_LIMIT_MAX 255     /* the largest limit accepted */
#define PLATFORM_PROFILE_LIMIT_ITEM_CODE "W7401"  /* refused at execution */
#define PLATFORM_PROFILE_LIMIT_EUICC_CODE "W7402" /* the eUICC had no room (SGP.22 5.7.6) */

/* [profile_limit] of airwrited */
typedef struct platform_profile_limit_settings {
    bool enabled;
    int64_t max_per_euicc;                 /* 1..PLATFORM_PROFILE_LIMIT_MAX */
} platform_profile_limit_settings;

/* The limit in force for one tenant's orders. */
typedef struct platform_profile_limit {
    bool enabled;                          /* the policy is on */
    int64_t max_profiles;                  /* the limit applied (0 when off) */
    int64_t default_max;                   /* the per-eUICC default (0 when off) */
    bool tenant_override;                  /* max_profiles is the tenant's own */
} platform_profile_limit;

/* db_migrate component "platform_profile_limit": the policy table and the indexes the
 * counts use (after platform.inventory: called from platform_inventory_migrate). */
aw_err platform_profile_limit_migrate(db_connection *db);

/* Store the daemon's [profile_limit] (airwrited at start): enabled writes the per-eUICC
 * default, disabled removes it (tenant overrides stay, dormant). AW_ERR_ARGUMENT for a
 * max_per_euicc outside 1..PLATFORM_PROFILE_LIMIT_MAX when enabled; AW_ERR_DB_*. */
aw_err platform_profile_limit_configure(db_connection *db,
                                        const platform_profile_limit_settings *settings,
                                        int64_t now_ms);

/* A tenant's own limit (1..PLATFORM_PROFILE_LIMIT_MAX), or 0 to remove it.
 * AW_ERR_PLATFORM_FIELD for a bad tenant or value; AW_ERR_DB_*. */
aw_err platform_profile_limit_set_tenant(db_connection *db, const char *tenant,
                                         int64_t max_profiles, int64_t now_ms);

/* The limit for tenant's orders (all zero and false when the policy is off). */
aw_err platform_profile_limit_get(db_connection *db, const char *tenant,
                                  platform_profile_limit *out);

/* What occupies eid's eUICC: installed (installed, enabled or disabled profiles of every
 * tenant) and in_flight (order items of the EID pending or in progress). */
aw_err platform_profile_limit_count(db_connection *db, const char *eid, int64_t *installed,
                                    int64_t *in_flight);

/* At order creation, after the order's items are inserted (orders.c, in its transaction):
 * AW_ERR_PLATFORM_PROFILE_LIMIT when an EID of the order would hold more than the tenant's
 * limit, counting the order's own items. AW_OK when the policy is off. Serialised per
 * database (SQLite write lock; PostgreSQL transaction advisory lock). */
aw_err platform_profile_limit_check_order(db_connection *db, const char *tenant,
                                          const char *order_id);

/* At execution, before the ES2+ DownloadOrder (executor_item.c): *refused when the EID's
 * installed profiles plus the items of the EID that started before this one (in progress)
 * leave no place for it under the tenant's limit. */
aw_err platform_profile_limit_check_item(db_connection *db, const char *tenant,
                                         const char *order_id, const char *eid, bool *refused);

/* The item code of a failed installation: W7402 when result_data (base64 of the
 * ProfileInstallationResultData the SM-DP+ forwards, SGP.22 5.3.5 / 6.5.2.5) or error_reason
 * (the eUICC's errorReason the eIM recorded) is installFailedDueToInsufficientMemoryForProfile
 * (10); NULL otherwise (result_data NULL, malformed, or another reason). */
const char *platform_profile_limit_failure_code(const char *result_data, int64_t error_reason);

/* The router's (api.c): GET and PUT /api/v1/profile-limit (api_profile_limit.c). */
void platform_api_handle_profile_limit_get(http_request *request, void *userdata);
void platform_api_handle_profile_limit_put(http_request *request, void *userdata);

#endif
