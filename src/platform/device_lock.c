/* airwrite platform: card-device locking (机卡互锁, issue 8;
 * platform_device_lock.h, docs/device-lock.md): the bindings of cards to
 * devices (IMEI, IMEISV or TAC as SGP.22 DeviceInfo carries them, 4.2),
 * the lock and its lifting, and the check card operations and writes make.
 * The eIM side and the sweep that joins both are device_lock_sweep.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_identity.h"
#include "platform/device_lock_internal.h"

#define LOCK_TABLES(ID)                                                                        \
    "CREATE TABLE platform_device_bindings (\n"                                               \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  device TEXT NOT NULL,\n"                                                               \
    "  removed INTEGER NOT NULL DEFAULT 0,\n" /* unbound; deleted once the eIM forgot it */   \
    "  locked INTEGER NOT NULL DEFAULT 0,\n"                                                  \
    "  lock_cause TEXT,\n"                                                                    \
    "  exception_id TEXT,\n"                                                                  \
    "  locked_by TEXT,\n"                                                                     \
    "  locked_at BIGINT NOT NULL DEFAULT 0,\n"                                                \
    "  synced INTEGER NOT NULL DEFAULT 0,\n"                                                  \
    "  bound_by TEXT NOT NULL,\n"                                                             \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (tenant, eid));\n"                                                         \
    "CREATE INDEX platform_device_bindings_sync ON platform_device_bindings (synced);\n"      \
    "CREATE INDEX platform_device_bindings_eid ON platform_device_bindings (eid);\n"          \
    "CREATE TABLE platform_device_lock_cursor (\n"                                            \
    "  id INTEGER PRIMARY KEY,\n"                                                             \
    "  last_mismatch BIGINT NOT NULL);\n"                                                     \
    "INSERT INTO platform_device_lock_cursor (id, last_mismatch) VALUES (1, 0);\n"

/* Version 2 (device_lock_profile.c): bindings per profile (ICCID), the
 * last device each card's eUICC signed (from the eIM), its cursor, and the
 * policy as the executor's sweep last applied it. */
#define PROFILE_TABLES                                                                         \
    "CREATE TABLE platform_profile_device_bindings (\n"                                       \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  device TEXT NOT NULL,\n"                                                               \
    "  bound_by TEXT NOT NULL,\n"                                                             \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (tenant, iccid));\n"                                                       \
    "CREATE TABLE platform_device_verified (\n"                                               \
    "  eid TEXT PRIMARY KEY,\n"                                                               \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  tac TEXT NOT NULL,\n"                                                                  \
    "  imei TEXT NOT NULL,\n"                                                                 \
    "  verified_at BIGINT NOT NULL);\n"                                                       \
    "ALTER TABLE platform_device_lock_cursor ADD COLUMN last_verification BIGINT NOT NULL "   \
    "DEFAULT 0;\n"                                                                            \
    "ALTER TABLE platform_device_lock_cursor ADD COLUMN policy_enabled INTEGER NOT NULL "     \
    "DEFAULT 0;\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "card-device bindings, locks, the eIM mismatch cursor",
        .sqlite_sql = LOCK_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT"),
        .postgresql_sql = LOCK_TABLES("BIGSERIAL PRIMARY KEY"),
    },
    {
        .version = 2,
        .description = "profile-device bindings, last verified device per card",
        .sqlite_sql = PROFILE_TABLES,
        .postgresql_sql = PROFILE_TABLES,
    },
};

void platform_device_lock_policy_default(platform_device_lock_policy *policy)
{
    if (policy == NULL)
        return;
    memset(policy, 0, sizeof(*policy));
    policy->lock_on_mismatch = true;
}

aw_err platform_device_lock_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_device_lock", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

#define BINDING_COLUMNS                                                                        \
    "tenant, eid, device, locked, lock_cause, exception_id, locked_by, locked_at, synced, "   \
    "bound_by, created_at, updated_at"

static aw_err copy_text(db_rows *rows, size_t column, char *out, size_t cap)
{
    out[0] = '\0';
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    return db_rows_copy_text(rows, column, out, cap);
}

static aw_err read_binding(db_rows *rows, platform_device_binding *b)
{
    int64_t locked = 0, synced = 0;
    aw_err err = copy_text(rows, 0, b->tenant, sizeof(b->tenant));
    if (err == AW_OK)
        err = copy_text(rows, 1, b->eid, sizeof(b->eid));
    if (err == AW_OK)
        err = copy_text(rows, 2, b->device, sizeof(b->device));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 3, &locked);
    if (err == AW_OK)
        err = copy_text(rows, 4, b->lock_cause, sizeof(b->lock_cause));
    if (err == AW_OK)
        err = copy_text(rows, 5, b->exception_id, sizeof(b->exception_id));
    if (err == AW_OK)
        err = copy_text(rows, 6, b->locked_by, sizeof(b->locked_by));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 7, &b->locked_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &synced);
    if (err == AW_OK)
        err = copy_text(rows, 9, b->bound_by, sizeof(b->bound_by));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 10, &b->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 11, &b->updated_at_ms);
    b->locked = locked != 0;
    b->synced = synced != 0;
    return err;
}

/* The live (not removed) binding; AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN. */
static aw_err load(db_connection *db, const char *tenant, const char *eid,
                   platform_device_binding *out)
{
    memset(out, 0, sizeof(*out));
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT " BINDING_COLUMNS " FROM platform_device_bindings WHERE "
                          "tenant = ? AND eid = ? AND removed = 0",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    if (err == AW_OK)
        err = read_binding(rows, out);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

static bool names_valid(const char *tenant, const char *eid)
{
    return tenant != NULL && tenant[0] != '\0' && strlen(tenant) <= PLATFORM_TENANT_MAX &&
           eid != NULL && strlen(eid) == PLATFORM_EID_DIGITS &&
           strspn(eid, "0123456789") == PLATFORM_EID_DIGITS;
}

typedef struct set_args {
    const char *tenant, *eid, *device, *actor;
    int64_t now_ms;
    platform_device_binding *out;
} set_args;

static aw_err set_in(db_connection *db, void *arg)
{
    set_args *a = arg;
    platform_card card;
    platform_device_binding current;
    aw_err err = platform_card_get(db, a->tenant, a->eid, &card);
    if (err != AW_OK)
        return err;
    err = load(db, a->tenant, a->eid, &current);
    if (err == AW_OK && current.locked)
        return AW_ERR_PLATFORM_DEVICE_LOCKED;
    if (err != AW_OK && err != AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN)
        return err;
    db_param p[] = {DB_PARAM_TEXT(a->tenant), DB_PARAM_TEXT(a->eid), DB_PARAM_TEXT(a->device),
                    DB_PARAM_TEXT(a->actor), DB_PARAM_INT64(a->now_ms), DB_PARAM_INT64(a->now_ms)};
    /* a removed row not yet forgotten by the eIM is bound again in place */
    err = db_execute(db,
                     "INSERT INTO platform_device_bindings (tenant, eid, device, bound_by, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, eid) "
                     "DO UPDATE SET device = excluded.device, bound_by = excluded.bound_by, "
                     "removed = 0, synced = 0, updated_at = excluded.updated_at",
                     p, 6, NULL);
    if (err == AW_OK && a->out != NULL)
        err = load(db, a->tenant, a->eid, a->out);
    return err;
}

aw_err platform_device_binding_set(db_connection *db, const char *tenant, const char *eid,
                                   const char *device, const char *actor, int64_t now_ms,
                                   platform_device_binding *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || !names_valid(tenant, eid) || device == NULL || actor == NULL ||
        strlen(actor) > PLATFORM_DEVICE_ACTOR_MAX)
        return AW_ERR_ARGUMENT;
    aw_err err = device_identity_check_text(device);
    if (err != AW_OK)
        return err;
    set_args a = {.tenant = tenant, .eid = eid, .device = device, .actor = actor,
                  .now_ms = now_ms, .out = out};
    return platform_in_transaction(db, set_in, &a);
}

aw_err platform_device_binding_get(db_connection *db, const char *tenant, const char *eid,
                                   platform_device_binding *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (!names_valid(tenant, eid))
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    return load(db, tenant, eid, out);
}

typedef struct change_args {
    const char *tenant, *eid, *cause, *exception_id, *actor;
    int64_t now_ms;
    platform_device_binding *out;
} change_args;

static aw_err remove_in(db_connection *db, void *arg)
{
    change_args *a = arg;
    platform_device_binding current;
    aw_err err = load(db, a->tenant, a->eid, &current);
    if (err == AW_OK && current.locked)
        err = AW_ERR_PLATFORM_DEVICE_LOCKED;
    db_param p[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->tenant), DB_PARAM_TEXT(a->eid)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_device_bindings SET removed = 1, synced = 0, "
                         "updated_at = ? WHERE tenant = ? AND eid = ?",
                         p, 3, NULL);
    return err;
}

aw_err platform_device_binding_remove(db_connection *db, const char *tenant, const char *eid,
                                      int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!names_valid(tenant, eid))
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    change_args a = {.tenant = tenant, .eid = eid, .now_ms = now_ms};
    return platform_in_transaction(db, remove_in, &a);
}

static aw_err lock_in(db_connection *db, void *arg)
{
    change_args *a = arg;
    platform_device_binding current;
    aw_err err = load(db, a->tenant, a->eid, &current);
    if (err == AW_OK && current.locked)
        err = AW_ERR_PLATFORM_DEVICE_LOCKED;
    db_param p[] = {DB_PARAM_TEXT(a->cause),
                    a->exception_id[0] != '\0' ? DB_PARAM_TEXT(a->exception_id) : DB_PARAM_NULL,
                    DB_PARAM_TEXT(a->actor),
                    DB_PARAM_INT64(a->now_ms),
                    DB_PARAM_INT64(a->now_ms),
                    DB_PARAM_TEXT(a->tenant),
                    DB_PARAM_TEXT(a->eid)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_device_bindings SET locked = 1, lock_cause = ?, "
                         "exception_id = ?, locked_by = ?, locked_at = ?, updated_at = ? "
                         "WHERE tenant = ? AND eid = ?",
                         p, 7, NULL);
    return err;
}

aw_err platform_device_lock(db_connection *db, const char *tenant, const char *eid,
                            const char *cause, const char *exception_id, const char *actor,
                            int64_t now_ms)
{
    if (db == NULL || cause == NULL || cause[0] == '\0' ||
        strlen(cause) > PLATFORM_EXCEPTION_CODE_MAX || exception_id == NULL ||
        strlen(exception_id) > PLATFORM_EXCEPTION_ID_LENGTH || actor == NULL ||
        strlen(actor) > PLATFORM_DEVICE_ACTOR_MAX)
        return AW_ERR_ARGUMENT;
    if (!names_valid(tenant, eid))
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    change_args a = {.tenant = tenant, .eid = eid, .cause = cause, .exception_id = exception_id,
                     .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, lock_in, &a);
}

static aw_err unlock_in(db_connection *db, void *arg)
{
    change_args *a = arg;
    aw_err err = load(db, a->tenant, a->eid, a->out);
    if (err == AW_OK && !a->out->locked)
        err = AW_ERR_PLATFORM_DEVICE_NOT_LOCKED;
    db_param p[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->tenant), DB_PARAM_TEXT(a->eid)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_device_bindings SET locked = 0, lock_cause = NULL, "
                         "exception_id = NULL, locked_by = NULL, locked_at = 0, updated_at = ? "
                         "WHERE tenant = ? AND eid = ?",
                         p, 3, NULL);
    return err;
}

aw_err platform_device_unlock(db_connection *db, const char *tenant, const char *eid,
                              int64_t now_ms, platform_device_binding *out)
{
    platform_device_binding own;
    if (out == NULL)
        out = &own;
    memset(out, 0, sizeof(*out));
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!names_valid(tenant, eid))
        return AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
    change_args a = {.tenant = tenant, .eid = eid, .now_ms = now_ms, .out = out};
    aw_err err = platform_in_transaction(db, unlock_in, &a);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

aw_err platform_device_lock_check(db_connection *db, const char *tenant, const char *eid)
{
    if (db == NULL || tenant == NULL || eid == NULL)
        return AW_ERR_ARGUMENT;
    int64_t locked = 0;
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid)};
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM platform_device_bindings WHERE tenant = ? "
                                "AND eid = ? AND removed = 0 AND locked = 1",
                                key, 2, &locked);
    if (err == AW_OK && locked > 0)
        err = AW_ERR_PLATFORM_DEVICE_LOCKED;
    return err;
}

/* The tenants holding a live binding of card eid (at most max). */
aw_err device_lock_tenants(db_connection *db, const char *eid,
                           char tenants[][PLATFORM_TENANT_MAX + 1], size_t max, size_t *count)
{
    *count = 0;
    db_param key = DB_PARAM_TEXT(eid);
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT tenant FROM platform_device_bindings WHERE eid = ? AND "
                          "removed = 0 ORDER BY tenant",
                          &key, 1, &rows);
    while (err == AW_OK && *count < max && (err = db_rows_next(rows, &has_row)) == AW_OK &&
           has_row) {
        err = copy_text(rows, 0, tenants[*count], PLATFORM_TENANT_MAX + 1);
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_device_lock_on_refused(db_connection *db, const platform_exception_policy *policy,
                                       const char *device_eid, const char *card_eid,
                                       const char *imei, int64_t now_ms)
{
    if (db == NULL || device_eid == NULL || card_eid == NULL || imei == NULL)
        return AW_ERR_ARGUMENT;
    /* the card refused is the one to look at; the tenants holding the
     * device's own card are told too (its device met a foreign card) */
    const char *eids[2] = {card_eid, device_eid};
    char object[PLATFORM_EID_DIGITS + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(detail, sizeof(detail),
             "device of card %s (IMEI %s) refused card %s: not bound to it", device_eid,
             imei[0] != '\0' ? imei : "unknown", card_eid);
    aw_err err = AW_OK;
    for (size_t e = 0; err == AW_OK && e < 2; e++) {
        if (e == 1 && strcmp(device_eid, card_eid) == 0)
            break;
        char tenants[DEVICE_LOCK_TENANTS_MAX][PLATFORM_TENANT_MAX + 1];
        size_t count = 0;
        db_param key = DB_PARAM_TEXT(eids[e]);
        db_rows *rows = NULL;
        bool has_row = false;
        err = db_query(db, "SELECT DISTINCT tenant FROM platform_cards WHERE eid = ? "
                           "ORDER BY tenant", &key, 1, &rows);
        while (err == AW_OK && count < DEVICE_LOCK_TENANTS_MAX &&
               (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
            err = copy_text(rows, 0, tenants[count], PLATFORM_TENANT_MAX + 1);
            if (err == AW_OK)
                count++;
        }
        db_rows_free(rows);
        snprintf(object, sizeof(object), "eid:%s", eids[e]);
        for (size_t i = 0; err == AW_OK && i < count; i++) {
            platform_exception_signal s = {.tenant = tenants[i],
                                           .code = PLATFORM_DEVICE_LOCK_REFUSED_CODE,
                                           .grade = PLATFORM_GRADE_SIGNIFICANT,
                                           .source = "terminal", .object = object,
                                           .detail = detail, .eid = eids[e]};
            err = platform_exception_record(db, policy, &s, now_ms, NULL, NULL);
        }
    }
    return err;
}
