/* airwrite platform: what the card-device locking files share
 * (device_lock.c, device_lock_sweep.c, api_device_lock.c;
 * platform_device_lock.h, docs/device-lock.md). */
#ifndef AIRWRITE_PLATFORM_DEVICE_LOCK_INTERNAL_H
#define AIRWRITE_PLATFORM_DEVICE_LOCK_INTERNAL_H

#include "platform/platform_internal.h"

#define DEVICE_LOCK_TENANTS_MAX 8u /* tenants holding one EID that are told */

/* The tenants holding a live binding of card eid, at most max, by name. */
aw_err device_lock_tenants(db_connection *db, const char *eid,
                           char tenants[][PLATFORM_TENANT_MAX + 1], size_t max, size_t *count);

/* The tenants holding a binding of profile iccid, at most max, by name
 * (device_lock_profile.c). */
aw_err device_lock_profile_tenants(db_connection *db, const char *iccid,
                                   char tenants[][PLATFORM_TENANT_MAX + 1], size_t max,
                                   size_t *count);

/* api_device_lock.c: the dispatcher of /api/v1/cards/{eid}/device-binding[/lock|/unlock]
 * for api.c's fallback; false when the path is not one of them. */
bool platform_api_device_lock_dispatch(platform_api *api, http_request *request);

#endif
