/* airwrite platform: card-device locking per profile (机卡互锁, issue 8;
 * platform_device_lock.h, docs/device-lock.md). A profile (ICCID) is bound
 * to a device (IMEI, IMEISV or TAC, 3GPP TS 23.003 6.2). The eUICC signs
 * the device only inside a download (SGP.22 5.7.13 euiccSigned1:
 * ctxParams1 with matchingId and DeviceInfo, 4.2), so the binding travels
 * with the download trigger: the executor names the profile and device for
 * the trigger's matchingId at the eIM, which ties the signed matchingId to
 * them (device_lock_sweep.c). Enable and switch (SGP.32 2.11.1.1 PSMOs)
 * carry nothing signed about the device: the platform compares the card's
 * last eUICC-signed device, collected by the sweep, with the binding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_identity.h"
#include "platform/device_lock_internal.h"

#define PROFILE_COLUMNS "tenant, iccid, device, bound_by, created_at, updated_at"

static aw_err load(db_connection *db, const char *tenant, const char *iccid,
                   platform_profile_binding *out)
{
    memset(out, 0, sizeof(*out));
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(iccid)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT " PROFILE_COLUMNS " FROM platform_profile_device_bindings "
                          "WHERE tenant = ? AND iccid = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    if (err == AW_OK)
        err = db_rows_copy_text(rows, 0, out->tenant, sizeof(out->tenant));
    if (err == AW_OK)
        err = db_rows_copy_text(rows, 1, out->iccid, sizeof(out->iccid));
    if (err == AW_OK)
        err = db_rows_copy_text(rows, 2, out->device, sizeof(out->device));
    if (err == AW_OK)
        err = db_rows_copy_text(rows, 3, out->bound_by, sizeof(out->bound_by));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &out->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &out->updated_at_ms);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

static bool tenant_valid(const char *tenant)
{
    return tenant != NULL && tenant[0] != '\0' && strlen(tenant) <= PLATFORM_TENANT_MAX;
}

aw_err platform_profile_binding_set(db_connection *db, const char *tenant, const char *iccid,
                                    const char *device, const char *actor, int64_t now_ms,
                                    platform_profile_binding *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || !tenant_valid(tenant) || iccid == NULL || device == NULL ||
        actor == NULL || strlen(actor) > PLATFORM_DEVICE_ACTOR_MAX)
        return AW_ERR_ARGUMENT;
    if (platform_iccid_check(iccid) != AW_OK)
        return AW_ERR_PLATFORM_FIELD;
    aw_err err = device_identity_check_text(device);
    if (err != AW_OK)
        return err;
    db_param p[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(iccid), DB_PARAM_TEXT(device),
                    DB_PARAM_TEXT(actor),  DB_PARAM_INT64(now_ms), DB_PARAM_INT64(now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_profile_device_bindings (tenant, iccid, device, "
                     "bound_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                     "(tenant, iccid) DO UPDATE SET device = excluded.device, bound_by = "
                     "excluded.bound_by, updated_at = excluded.updated_at",
                     p, 6, NULL);
    if (err == AW_OK && out != NULL)
        err = load(db, tenant, iccid, out);
    return err;
}

aw_err platform_profile_binding_get(db_connection *db, const char *tenant, const char *iccid,
                                    platform_profile_binding *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (!tenant_valid(tenant) || iccid == NULL || platform_iccid_check(iccid) != AW_OK)
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    return load(db, tenant, iccid, out);
}

aw_err platform_profile_binding_remove(db_connection *db, const char *tenant, const char *iccid)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!tenant_valid(tenant) || iccid == NULL || platform_iccid_check(iccid) != AW_OK)
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(iccid)};
    int64_t changed = 0;
    aw_err err = db_execute(db,
                            "DELETE FROM platform_profile_device_bindings WHERE tenant = ? AND "
                            "iccid = ?",
                            key, 2, &changed);
    if (err == AW_OK && changed == 0)
        err = AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    return err;
}

/* The card's last eUICC-signed device; *found false when none. */
static aw_err last_verified(db_connection *db, const char *eid, device_identity *reported,
                            bool *found)
{
    memset(reported, 0, sizeof(*reported));
    db_param key = DB_PARAM_TEXT(eid);
    db_rows *rows = NULL;
    aw_err err = db_query(db, "SELECT tac, imei FROM platform_device_verified WHERE eid = ?",
                          &key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found)
        err = db_rows_copy_text(rows, 0, reported->tac, sizeof(reported->tac));
    if (err == AW_OK && *found)
        err = db_rows_copy_text(rows, 1, reported->imei, sizeof(reported->imei));
    db_rows_free(rows);
    if (err != AW_OK)
        *found = false;
    return err;
}

aw_err platform_profile_binding_check(db_connection *db, const char *tenant, const char *eid,
                                      const char *iccid)
{
    if (db == NULL || tenant == NULL || eid == NULL || iccid == NULL)
        return AW_ERR_ARGUMENT;
    int64_t enabled = 0;
    aw_err err = db_query_int64(
        db, "SELECT policy_enabled FROM platform_device_lock_cursor WHERE id = 1", NULL, 0,
        &enabled);
    if (err != AW_OK || enabled == 0)
        return err;
    platform_profile_binding binding;
    err = platform_profile_binding_get(db, tenant, iccid, &binding);
    if (err == AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN)
        return AW_OK;
    device_identity reported;
    bool found = false;
    if (err == AW_OK)
        err = last_verified(db, eid, &reported, &found);
    /* no eUICC-signed word on the card's device, or another device */
    if (err == AW_OK && (!found || !device_identity_matches(binding.device, &reported)))
        err = AW_ERR_PLATFORM_DEVICE_UNVERIFIED;
    return err;
}

/* The tenants holding a binding of profile iccid (at most max). */
aw_err device_lock_profile_tenants(db_connection *db, const char *iccid,
                                   char tenants[][PLATFORM_TENANT_MAX + 1], size_t max,
                                   size_t *count)
{
    *count = 0;
    db_param key = DB_PARAM_TEXT(iccid);
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT tenant FROM platform_profile_device_bindings WHERE iccid = ? "
                          "ORDER BY tenant",
                          &key, 1, &rows);
    while (err == AW_OK && *count < max && (err = db_rows_next(rows, &has_row)) == AW_OK &&
           has_row) {
        err = db_rows_copy_text(rows, 0, tenants[*count], PLATFORM_TENANT_MAX + 1);
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}
