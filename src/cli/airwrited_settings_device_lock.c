/* airwrited: [device_lock], card-device locking (机卡互锁, issue 8;
 * platform_device_lock.h, docs/device-lock.md):
 *   enabled           yes/no (default no: the eIM checks no DeviceInfo, no
 *                     mismatch is collected; SGP.22/SGP.32 unchanged)
 *   lock_on_mismatch  yes/no (default yes: a mismatch locks the card and
 *                     disables its enabled profile until an unlock)
 * The eIM role checks AuthenticateClient's eUICC-signed DeviceInfo when
 * enabled; the executor's sweep takes bindings to the eIM and collects its
 * mismatches (its sweep_interval, [exceptions]). */
#include "cli/airwrited.h"

aw_err airwrited_settings_load_device_lock(const aw_config *config, airwrited_settings *settings,
                                           config_position *where)
{
    platform_device_lock_policy *policy = &settings->device_lock;
    platform_device_lock_policy_default(policy);
    aw_err err = config_get_bool(config, "device_lock", "enabled", &policy->enabled, where);
    if (err == AW_OK)
        err = config_get_bool(config, "device_lock", "lock_on_mismatch",
                              &policy->lock_on_mismatch, where);
    return err;
}
