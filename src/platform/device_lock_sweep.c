/* airwrite platform: the card-device locking sweep (platform_device_lock.h,
 * docs/device-lock.md), run by the executor's exception sweep: bindings go
 * to the eIM through its public header (eim_device_binding_set/remove, as
 * card operations queue their PSMOs), and the eIM's refusals of downloads
 * whose eUICC-signed DeviceInfo (SGP.22 5.7.13 euiccSigned1, 4.2) names
 * another device come back as terminal exceptions T3101, a lock, and a PSMO
 * disable of the enabled profile (SGP.32 2.11.1.1 disable, SGP.22 5.7.17). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/audit.h"
#include "core/crypto.h"
#include "eim/eim.h"
#include "platform/device_lock_internal.h"

static const audit_options default_audit = {.suite = CRYPTO_SUITE_INTERNATIONAL};

typedef struct pending {
    char tenant[PLATFORM_TENANT_MAX + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    char device[PLATFORM_DEVICE_TEXT_MAX + 1];
    bool removed;
    int64_t updated_at_ms;
} pending;

/* The rows the eIM does not have yet (at most PLATFORM_DEVICE_LOCK_SWEEP_PAGE). */
static aw_err pending_rows(db_connection *db, pending *out, size_t *count)
{
    *count = 0;
    db_rows *rows = NULL;
    bool has_row = false;
    db_param limit = DB_PARAM_INT64(PLATFORM_DEVICE_LOCK_SWEEP_PAGE);
    aw_err err = db_query(db,
                          "SELECT tenant, eid, device, removed, updated_at FROM "
                          "platform_device_bindings WHERE synced = 0 ORDER BY updated_at LIMIT ?",
                          &limit, 1, &rows);
    while (err == AW_OK && *count < PLATFORM_DEVICE_LOCK_SWEEP_PAGE &&
           (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        pending *p = &out[*count];
        const char *text = NULL;
        int64_t removed = 0;
        err = db_rows_get_text(rows, 0, &text);
        if (err == AW_OK)
            snprintf(p->tenant, sizeof(p->tenant), "%s", text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 1, &text)) == AW_OK)
            snprintf(p->eid, sizeof(p->eid), "%s", text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 2, &text)) == AW_OK)
            snprintf(p->device, sizeof(p->device), "%s", text);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &removed);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 4, &p->updated_at_ms);
        p->removed = removed != 0;
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}

/* The device the eIM should hold for eid: the most recently changed live
 * binding of any tenant holding the card; *found false when none. */
static aw_err effective_device(db_connection *db, const char *eid,
                               char device[PLATFORM_DEVICE_TEXT_MAX + 1], bool *found)
{
    device[0] = '\0';
    db_param key = DB_PARAM_TEXT(eid);
    db_rows *rows = NULL;
    const char *text = NULL;
    aw_err err = db_query(db,
                          "SELECT device FROM platform_device_bindings WHERE eid = ? AND "
                          "removed = 0 ORDER BY updated_at DESC, tenant LIMIT 1",
                          &key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found && (err = db_rows_get_text(rows, 0, &text)) == AW_OK)
        snprintf(device, PLATFORM_DEVICE_TEXT_MAX + 1, "%s", text);
    db_rows_free(rows);
    return err;
}

/* The row is what the eIM now holds, unless it changed meanwhile. */
static aw_err mark_synced(db_connection *db, const pending *p)
{
    db_param key[] = {DB_PARAM_TEXT(p->tenant), DB_PARAM_TEXT(p->eid),
                      DB_PARAM_INT64(p->updated_at_ms)};
    return db_execute(db,
                      p->removed ? "DELETE FROM platform_device_bindings WHERE tenant = ? AND "
                                   "eid = ? AND updated_at = ? AND removed = 1"
                                 : "UPDATE platform_device_bindings SET synced = 1 WHERE tenant = "
                                   "? AND eid = ? AND updated_at = ? AND removed = 0",
                      key, 3, NULL);
}

static aw_err push_bindings(db_connection *db, db_connection *eim_db, int64_t now_ms,
                            platform_device_lock_stats *stats)
{
    pending *rows = calloc(PLATFORM_DEVICE_LOCK_SWEEP_PAGE, sizeof(*rows));
    size_t count = 0;
    if (rows == NULL)
        return AW_ERR_NOMEM;
    aw_err err = pending_rows(db, rows, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        char device[PLATFORM_DEVICE_TEXT_MAX + 1];
        bool found = false;
        err = effective_device(db, rows[i].eid, device, &found);
        if (err == AW_OK && found) {
            err = eim_device_binding_set(eim_db, rows[i].eid, device, now_ms);
            stats->pushed++;
        } else if (err == AW_OK) {
            err = eim_device_binding_remove(eim_db, rows[i].eid);
            stats->removed++;
        }
        if (err == AW_OK)
            err = mark_synced(db, &rows[i]);
    }
    free(rows);
    return err;
}

/* The enabled profile of tenant's card (the one a PSMO disable takes);
 * *found false when none is enabled. */
static aw_err enabled_profile(db_connection *db, const char *tenant, const char *eid,
                              char iccid[PLATFORM_ICCID_MAX + 1], bool *found)
{
    iccid[0] = '\0';
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    const char *text = NULL;
    aw_err err = db_query(db,
                          "SELECT p.iccid FROM platform_profiles p JOIN platform_lifecycle_states "
                          "s ON s.machine = 'profile' AND s.tenant = p.tenant AND s.entity_id = "
                          "p.iccid WHERE p.tenant = ? AND p.eid = ? AND s.state = 'enabled' "
                          "ORDER BY p.iccid LIMIT 1",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found && (err = db_rows_get_text(rows, 0, &text)) == AW_OK) {
        if (strlen(text) > PLATFORM_ICCID_MAX)
            err = AW_ERR_DB_TYPE;
        else
            memcpy(iccid, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    return err;
}

typedef struct mismatch_args {
    const eim_device_mismatch *m;
    const platform_device_lock_policy *policy;
    const platform_exception_policy *exceptions;
    int64_t now_ms;
    platform_device_lock_stats round; /* this mismatch's counts, kept on commit */
} mismatch_args;

static aw_err audit_lock(db_connection *db, const mismatch_args *a, const char *tenant,
                         const char *exception_id, const char *operation_id)
{
    json_t *details = json_pack("{s:s, s:s, s:s, s:s, s:s}", "bound", a->m->bound, "tac",
                                a->m->tac, "imei", a->m->imei, "exceptionId", exception_id,
                                "disableOperationId", operation_id);
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(details);
    if (text == NULL)
        return AW_ERR_NOMEM;
    char target[PLATFORM_EID_DIGITS + 8];
    snprintf(target, sizeof(target), "eid:%s", a->m->eid);
    audit_event event = {.actor_type = AUDIT_ACTOR_SYSTEM,
                         .actor_id = PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR,
                         .tenant = tenant,
                         .action = "device_binding.lock",
                         .target = target,
                         .outcome = AUDIT_OUTCOME_SUCCESS,
                         .details = text};
    aw_err err = audit_append(db, a->policy->audit != NULL ? a->policy->audit : &default_audit,
                              &event, a->now_ms, NULL);
    free(text);
    return err;
}

/* A PSMO disable of the enabled profile, as a card operation of the
 * system (idempotent per mismatch); operation_id "" when none was queued. */
static aw_err queue_disable(db_connection *db, mismatch_args *a, const char *tenant,
                            char operation_id[PLATFORM_CARD_OP_ID_LENGTH + 1])
{
    operation_id[0] = '\0';
    platform_card_op_request request;
    memset(&request, 0, sizeof(request));
    bool found = false;
    aw_err err = enabled_profile(db, tenant, a->m->eid, request.iccid, &found);
    if (err != AW_OK || !found)
        return err;
    request.kind = PLATFORM_CARD_OP_DISABLE;
    platform_app system = {.enabled = true};
    snprintf(system.app_id, sizeof(system.app_id), "%s", PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR);
    snprintf(system.tenant, sizeof(system.tenant), "%.*s", (int)PLATFORM_TENANT_MAX, tenant);
    char key[48];
    snprintf(key, sizeof(key), "device-lock-%lld", (long long)a->m->id);
    uint8_t hash[CRYPTO_SHA256_SIZE];
    err = crypto_sha256((const uint8_t *)key, strlen(key), hash);
    platform_card_op op;
    bool created = false;
    if (err == AW_OK)
        err = platform_card_op_create(db, &system, a->m->eid, &request, key, hash, a->now_ms,
                                      &op, &created);
    if (err == AW_ERR_PLATFORM_CARD_OP_BUSY || err == AW_ERR_PLATFORM_PROFILE_STATE)
        return AW_OK; /* another operation runs: the lock alone holds the card */
    if (err == AW_OK) {
        memcpy(operation_id, op.operation_id, sizeof(op.operation_id));
        a->round.disables += created ? 1 : 0;
    }
    return err;
}

/* A refused download of a bound profile: T3101 for each tenant holding
 * the profile's binding. No lock and no disable: the download stopped at
 * AuthenticateClient, so the profile never reached the card, and the card
 * itself may be bound to nothing. */
static aw_err profile_mismatch_in(db_connection *db, mismatch_args *a)
{
    const eim_device_mismatch *m = a->m;
    char tenants[DEVICE_LOCK_TENANTS_MAX][PLATFORM_TENANT_MAX + 1];
    size_t count = 0;
    aw_err err = device_lock_profile_tenants(db, m->iccid, tenants, DEVICE_LOCK_TENANTS_MAX,
                                             &count);
    char object[PLATFORM_ICCID_MAX + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "iccid:%s", m->iccid);
    /* the card is in the exception's eid */
    snprintf(detail, sizeof(detail),
             "eUICC-signed DeviceInfo names TAC %.8s IMEI %.16s, profile %.20s is bound to %.16s",
             m->tac[0] != '\0' ? m->tac : "malformed", m->imei[0] != '\0' ? m->imei : "none",
             m->iccid, m->bound);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        platform_exception_signal s = {.tenant = tenants[i],
                                       .code = PLATFORM_DEVICE_LOCK_MISMATCH_CODE,
                                       .grade = PLATFORM_GRADE_SERIOUS, .source = "eim",
                                       .object = object, .detail = detail, .eid = m->eid,
                                       .iccid = m->iccid};
        err = platform_exception_record(db, a->exceptions, &s, a->now_ms, NULL, NULL);
    }
    return err;
}

static aw_err mismatch_in(db_connection *db, void *arg)
{
    mismatch_args *a = arg;
    const eim_device_mismatch *m = a->m;
    memset(&a->round, 0, sizeof(a->round));
    char tenants[DEVICE_LOCK_TENANTS_MAX][PLATFORM_TENANT_MAX + 1];
    size_t count = 0;
    aw_err err = AW_OK;
    if (m->iccid[0] != '\0')
        err = profile_mismatch_in(db, a); /* count stays 0: no card lock */
    else
        err = device_lock_tenants(db, m->eid, tenants, DEVICE_LOCK_TENANTS_MAX, &count);
    char object[PLATFORM_EID_DIGITS + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "eid:%s", m->eid);
    snprintf(detail, sizeof(detail),
             "eUICC-signed DeviceInfo names TAC %s IMEI %s, the card is bound to %s",
             m->tac[0] != '\0' ? m->tac : "malformed", m->imei[0] != '\0' ? m->imei : "none",
             m->bound);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1] = "";
        platform_exception_signal s = {.tenant = tenants[i],
                                       .code = PLATFORM_DEVICE_LOCK_MISMATCH_CODE,
                                       .grade = PLATFORM_GRADE_SERIOUS, .source = "eim",
                                       .object = object, .detail = detail, .eid = m->eid};
        err = platform_exception_record(db, a->exceptions, &s, a->now_ms, exception_id, NULL);
        if (err != AW_OK || !a->policy->lock_on_mismatch)
            continue;
        err = platform_device_lock(db, tenants[i], m->eid, PLATFORM_DEVICE_LOCK_MISMATCH_CODE,
                                   exception_id, PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR, a->now_ms);
        if (err == AW_ERR_PLATFORM_DEVICE_LOCKED) {
            err = AW_OK; /* locked already: the exception counts the repeat */
            continue;
        }
        char operation_id[PLATFORM_CARD_OP_ID_LENGTH + 1] = "";
        if (err == AW_OK)
            err = queue_disable(db, a, tenants[i], operation_id);
        if (err == AW_OK)
            err = audit_lock(db, a, tenants[i], exception_id, operation_id);
        if (err == AW_OK)
            a->round.locked++;
    }
    db_param cursor = DB_PARAM_INT64(m->id);
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_device_lock_cursor SET last_mismatch = ? WHERE id = 1",
                         &cursor, 1, NULL);
    return err;
}

static aw_err collect_mismatches(db_connection *db, db_connection *eim_db,
                                 const platform_device_lock_policy *policy,
                                 const platform_exception_policy *exceptions, int64_t now_ms,
                                 platform_device_lock_stats *stats)
{
    int64_t after = 0;
    aw_err err = db_query_int64(
        db, "SELECT last_mismatch FROM platform_device_lock_cursor WHERE id = 1", NULL, 0, &after);
    eim_device_mismatch *list = NULL;
    size_t count = 0;
    if (err == AW_OK)
        err = eim_device_mismatch_list(eim_db, after, PLATFORM_DEVICE_LOCK_SWEEP_PAGE, &list,
                                       &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        mismatch_args a = {.m = &list[i], .policy = policy, .exceptions = exceptions,
                           .now_ms = now_ms};
        err = db_transaction_run(db, mismatch_in, &a, NULL);
        if (err == AW_OK) {
            stats->mismatches++;
            stats->locked += a.round.locked;
            stats->disables += a.round.disables;
        }
    }
    free(list);
    return err;
}

aw_err platform_device_lock_expect(db_connection *db, db_connection *eim_db, const char *tenant,
                                   const char *eid, const char *iccid, const char *matching_id,
                                   int64_t now_ms)
{
    if (db == NULL || eim_db == NULL || eid == NULL || matching_id == NULL)
        return AW_ERR_ARGUMENT;
    platform_profile_binding binding;
    aw_err err = platform_profile_binding_get(db, tenant, iccid, &binding);
    if (err == AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN)
        return AW_OK; /* an unbound profile downloads as SGP.32 has it */
    if (err == AW_OK)
        err = eim_device_binding_expect(eim_db, eid, matching_id, iccid, binding.device, now_ms);
    return err;
}

/* The sweep: the cards' last verified devices from the eIM, and the
 * policy as it applies it (device_lock_sweep.c). */
static aw_err collect_verified(db_connection *db, db_connection *eim_db, bool enabled,
                                    platform_device_lock_stats *stats)
{
    db_param flag = DB_PARAM_INT64(enabled ? 1 : 0);
    aw_err err = db_execute(db, "UPDATE platform_device_lock_cursor SET policy_enabled = ? "
                                "WHERE id = 1", &flag, 1, NULL);
    int64_t after = 0;
    if (err == AW_OK && enabled)
        err = db_query_int64(db,
                             "SELECT last_verification FROM platform_device_lock_cursor WHERE "
                             "id = 1",
                             NULL, 0, &after);
    eim_device_verification *list = NULL;
    size_t count = 0;
    if (err == AW_OK && enabled)
        err = eim_device_verification_list(eim_db, after, PLATFORM_DEVICE_LOCK_SWEEP_PAGE,
                                           &list, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        const eim_device_verification *v = &list[i];
        db_param p[] = {DB_PARAM_TEXT(v->eid), DB_PARAM_TEXT(v->iccid), DB_PARAM_TEXT(v->tac),
                        DB_PARAM_TEXT(v->imei), DB_PARAM_INT64(v->seen_at_ms)};
        err = db_execute(db,
                         "INSERT INTO platform_device_verified (eid, iccid, tac, imei, "
                         "verified_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (eid) DO UPDATE SET "
                         "iccid = excluded.iccid, tac = excluded.tac, imei = excluded.imei, "
                         "verified_at = excluded.verified_at",
                         p, 5, NULL);
        db_param cursor = DB_PARAM_INT64(v->id);
        if (err == AW_OK)
            err = db_execute(db,
                             "UPDATE platform_device_lock_cursor SET last_verification = ? "
                             "WHERE id = 1",
                             &cursor, 1, NULL);
        if (err == AW_OK)
            stats->verified++;
    }
    free(list);
    return err;
}

aw_err platform_device_lock_sweep(db_connection *db, db_connection *eim_db,
                                  const platform_device_lock_policy *policy,
                                  const platform_exception_policy *exceptions, int64_t now_ms,
                                  platform_device_lock_stats *stats)
{
    platform_device_lock_stats own;
    if (stats == NULL)
        stats = &own;
    memset(stats, 0, sizeof(*stats));
    if (db == NULL || eim_db == NULL)
        return AW_ERR_ARGUMENT;
    /* bindings reach the eIM whatever the policy: turning it on needs no resync */
    aw_err err = push_bindings(db, eim_db, now_ms, stats);
    bool enabled = policy != NULL && policy->enabled;
    if (err == AW_OK) /* the cards' last verified devices, for enable/switch checks */
        err = collect_verified(db, eim_db, enabled, stats);
    if (err == AW_OK && enabled)
        err = collect_mismatches(db, eim_db, policy, exceptions, now_ms, stats);
    return err;
}
