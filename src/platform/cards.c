/* airwrite platform: the cards (eUICCs, by EID) of a tenant and the profiles
 * written to them (by ICCID, with IMSI, MSISDN and profile type), kept as
 * the SM-DP+ and the card report them (SGP.22 5.3.1 DownloadOrder names the
 * ICCID; 5.3.5 HandleDownloadProgressInfo the download's end; 3.2 local
 * profile management). States are the card and profile machines of
 * lifecycle.c; a profile's MSISDN from a number pool moves with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/saip.h"
#include "platform/inventory_internal.h"

aw_err platform_iccid_check(const char *iccid)
{
    /* ITU-T E.118 4.2 */
    return iccid != NULL && inventory_digits_valid(iccid, 19, PLATFORM_ICCID_MAX) &&
                   saip_iccid_luhn_ok(iccid)
               ? AW_OK
               : AW_ERR_PLATFORM_ICCID;
}

static aw_err card_ensure_in(db_connection *db, const char *tenant, const char *eid,
                             const char *actor, int64_t now_ms, bool *created)
{
    int64_t exists = 0;
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid), DB_PARAM_INT64(now_ms)};
    *created = false;
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM platform_cards WHERE tenant = ? AND eid = ?",
                                key, 2, &exists);
    if (err != AW_OK || exists != 0)
        return err;
    err = db_execute(db, "INSERT INTO platform_cards (tenant, eid, created_at) VALUES (?, ?, ?)",
                     key, 3, NULL);
    if (err == AW_OK)
        err = platform_lifecycle_create(db, PLATFORM_LIFECYCLE_CARD, tenant, eid,
                                        "first order for the card", actor, now_ms);
    *created = err == AW_OK;
    return err;
}

typedef struct card_args {
    const char *tenant;
    const char *eid;
    const char *actor;
    int64_t now_ms;
    bool created;
} card_args;

static aw_err card_in(db_connection *db, void *arg)
{
    card_args *a = arg;
    return card_ensure_in(db, a->tenant, a->eid, a->actor, a->now_ms, &a->created);
}

aw_err platform_card_ensure(db_connection *db, const char *tenant, const char *eid,
                            const char *actor, int64_t now_ms, bool *created)
{
    if (created != NULL)
        *created = false;
    if (db == NULL || !platform_tenant_valid(tenant) || eid == NULL || actor == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = platform_eid_check(eid, strlen(eid));
    if (err != AW_OK)
        return err;
    card_args a = {.tenant = tenant, .eid = eid, .actor = actor, .now_ms = now_ms};
    err = platform_in_transaction(db, card_in, &a);
    if (err == AW_OK && created != NULL)
        *created = a.created;
    return err;
}

aw_err platform_card_get(db_connection *db, const char *tenant, const char *eid,
                         platform_card *card)
{
    if (card != NULL)
        memset(card, 0, sizeof(*card));
    if (db == NULL || card == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    if (eid == NULL || platform_eid_check(eid, strlen(eid)) != AW_OK)
        return AW_ERR_PLATFORM_CARD_UNKNOWN;
    platform_query_filter filter = {.eid = eid};
    platform_card *list = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = platform_card_list(db, tenant, &filter, 0, 1, &list, &count, &more);
    if (err == AW_OK && count == 0)
        err = AW_ERR_PLATFORM_CARD_UNKNOWN;
    if (err == AW_OK)
        *card = list[0];
    free(list);
    return err;
}

/* ---- Profiles -------------------------------------------------------------------- */

static bool optional_digits(const char *text, size_t min, size_t max)
{
    return text == NULL || text[0] == '\0' || inventory_digits_valid(text, min, max);
}

static aw_err record_check(const platform_profile_record *r)
{
    if (r == NULL || !platform_tenant_valid(r->tenant) || !platform_target_valid(r->profile_type) ||
        !optional_digits(r->imsi, 6, PLATFORM_IMSI_MAX) ||
        !optional_digits(r->msisdn, 1, PLATFORM_MSISDN_MAX) ||
        (r->order_id != NULL && strlen(r->order_id) > PLATFORM_ORDER_ID_LENGTH))
        return AW_ERR_ARGUMENT;
    if (r->eid == NULL || platform_eid_check(r->eid, strlen(r->eid)) != AW_OK)
        return AW_ERR_PLATFORM_EID;
    return platform_iccid_check(r->iccid);
}

static db_param text_or_null(const char *text)
{
    return text != NULL && text[0] != '\0' ? DB_PARAM_TEXT(text) : DB_PARAM_NULL;
}

aw_err platform_profile_get(db_connection *db, const char *tenant, const char *iccid,
                            platform_profile *profile)
{
    if (profile != NULL)
        memset(profile, 0, sizeof(*profile));
    if (db == NULL || profile == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    if (platform_iccid_check(iccid) != AW_OK)
        return AW_ERR_NOT_FOUND;
    platform_query_filter filter = {.iccid = iccid};
    platform_profile *list = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = platform_profile_list(db, tenant, &filter, 0, 1, &list, &count, &more);
    if (err == AW_OK && count == 0)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        *profile = list[0];
    free(list);
    return err;
}

/* The profile row of the record: created (state available) when new; the
 * identities it carries are updated. A profile of another card is
 * AW_ERR_PLATFORM_TRANSITION (an ICCID lives on one eUICC). */
static aw_err profile_upsert(db_connection *db, const platform_profile_record *r,
                             const char *actor, int64_t now_ms, char state[PLATFORM_STATE_MAX + 1])
{
    platform_profile existing;
    aw_err err = platform_profile_get(db, r->tenant, r->iccid, &existing);
    if (err == AW_ERR_NOT_FOUND) {
        db_param row[] = {DB_PARAM_TEXT(r->tenant),      DB_PARAM_TEXT(r->iccid),
                          DB_PARAM_TEXT(r->eid),         text_or_null(r->imsi),
                          text_or_null(r->msisdn),       DB_PARAM_TEXT(r->profile_type),
                          text_or_null(r->order_id),     DB_PARAM_INT64(now_ms),
                          DB_PARAM_INT64(now_ms)};
        err = db_execute(db,
                         "INSERT INTO platform_profiles (tenant, iccid, eid, imsi, msisdn, "
                         "profile_type, order_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
                         "?, ?, ?, ?)",
                         row, 9, NULL);
        if (err == AW_OK)
            err = platform_lifecycle_create(db, PLATFORM_LIFECYCLE_PROFILE, r->tenant, r->iccid,
                                            "named by the SM-DP+", actor, now_ms);
        snprintf(state, PLATFORM_STATE_MAX + 1, "%s",
                 platform_lifecycle_initial_state(PLATFORM_LIFECYCLE_PROFILE));
        return err;
    }
    if (err != AW_OK)
        return err;
    snprintf(state, PLATFORM_STATE_MAX + 1, "%s", existing.state);
    if (strcmp(existing.eid, r->eid) != 0) {
        /* Only a profile back in the SM-DP+'s pool (a failed or cancelled
         * item's ES2+ CancelOrder, finalProfileStatusIndicator Available,
         * SGP.22 5.3.3) may be named again, and for another card: the next
         * DownloadOrder of its type may hand it out. Its old card's number
         * went with the failure (failed_in). On any card, it is not. */
        if (strcmp(existing.state, "available") != 0)
            return AW_ERR_PLATFORM_TRANSITION;
        db_param row[] = {DB_PARAM_TEXT(r->eid),         text_or_null(r->imsi),
                          text_or_null(r->msisdn),       DB_PARAM_TEXT(r->profile_type),
                          text_or_null(r->order_id),     DB_PARAM_INT64(now_ms),
                          DB_PARAM_TEXT(r->tenant),      DB_PARAM_TEXT(r->iccid)};
        return db_execute(db,
                          "UPDATE platform_profiles SET eid = ?, imsi = COALESCE(?, imsi), "
                          "msisdn = ?, profile_type = ?, order_id = ?, updated_at = ? "
                          "WHERE tenant = ? AND iccid = ?",
                          row, 8, NULL);
    }
    db_param row[] = {text_or_null(r->imsi),     text_or_null(r->msisdn),
                      DB_PARAM_TEXT(r->profile_type), text_or_null(r->order_id),
                      DB_PARAM_INT64(now_ms),   DB_PARAM_TEXT(r->tenant),
                      DB_PARAM_TEXT(r->iccid)};
    return db_execute(db,
                      "UPDATE platform_profiles SET imsi = COALESCE(?, imsi), msisdn = "
                      "COALESCE(?, msisdn), profile_type = ?, order_id = COALESCE(?, order_id), "
                      "updated_at = ? WHERE tenant = ? AND iccid = ?",
                      row, 7,
                      NULL);
}

typedef struct record_args {
    const platform_profile_record *record;
    const char *iccid;
    const char *tenant;
    const char *to;
    const char *cause;
    const char *actor;
    int64_t now_ms;
} record_args;

static aw_err reserved_in(db_connection *db, void *arg)
{
    const record_args *a = arg;
    const platform_profile_record *r = a->record;
    bool created = false;
    char state[PLATFORM_STATE_MAX + 1] = "";
    aw_err err = card_ensure_in(db, r->tenant, r->eid, a->actor, a->now_ms, &created);
    if (err == AW_OK)
        err = profile_upsert(db, r, a->actor, a->now_ms, state);
    if (err != AW_OK || strcmp(state, "reserved") == 0)
        return err; /* a repeat */
    static const char *const path[] = {"reserved", NULL};
    return inventory_walk_path(db, PLATFORM_LIFECYCLE_PROFILE, r->tenant, r->iccid, path,
                          "ES2+ DownloadOrder for the card", a->actor, a->now_ms);
}

aw_err platform_profile_record_reserved(db_connection *db, const platform_profile_record *record,
                                        const char *actor, int64_t now_ms)
{
    aw_err err = db == NULL || actor == NULL ? AW_ERR_ARGUMENT : record_check(record);
    if (err != AW_OK)
        return err;
    record_args a = {.record = record, .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, reserved_in, &a);
}

/* The steps from each state to installed (SGP.22 3.1.3: reserved by
 * DownloadOrder, downloaded as the BPP, installed on the eUICC). */
static const char *const *path_to_installed(const char *state)
{
    static const char *const from_available[] = {"reserved", "downloaded", "installed", NULL};
    if (strcmp(state, "available") == 0)
        return from_available;
    if (strcmp(state, "reserved") == 0)
        return from_available + 1;
    if (strcmp(state, "downloaded") == 0)
        return from_available + 2;
    return NULL;
}

static aw_err written_in(db_connection *db, void *arg)
{
    const record_args *a = arg;
    const platform_profile_record *r = a->record;
    bool created = false;
    char state[PLATFORM_STATE_MAX + 1] = "";
    char card_state[PLATFORM_STATE_MAX + 1] = "";
    aw_err err = card_ensure_in(db, r->tenant, r->eid, a->actor, a->now_ms, &created);
    if (err == AW_OK)
        err = inventory_state_get(db, PLATFORM_LIFECYCLE_CARD, r->tenant, r->eid, card_state,
                                  NULL);
    if (err == AW_OK && strcmp(card_state, "registered") == 0)
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_CARD, r->tenant, r->eid,
                                            "active", "first profile installed", a->actor,
                                            a->now_ms, NULL);
    if (err == AW_OK)
        err = profile_upsert(db, r, a->actor, a->now_ms, state);
    if (err != AW_OK)
        return err;
    const char *const *path = path_to_installed(state);
    bool installed = strcmp(state, "installed") == 0 || strcmp(state, "enabled") == 0 ||
                     strcmp(state, "disabled") == 0;
    if (path == NULL && !installed)
        return AW_ERR_PLATFORM_TRANSITION; /* deleted */
    if (path != NULL)
        err = inventory_walk_path(db, PLATFORM_LIFECYCLE_PROFILE, r->tenant, r->iccid, path,
                             "profile written to the card", a->actor, a->now_ms);
    bool pool_number = false;
    if (err == AW_OK && r->msisdn != NULL && r->msisdn[0] != '\0')
        err = inventory_number_use(db, r->tenant, r->msisdn, r->eid, r->iccid, a->actor,
                                   a->now_ms, &pool_number);
    return err;
}

aw_err platform_profile_record_written(db_connection *db, const platform_profile_record *record,
                                       const char *actor, int64_t now_ms)
{
    aw_err err = db == NULL || actor == NULL ? AW_ERR_ARGUMENT : record_check(record);
    if (err != AW_OK)
        return err;
    record_args a = {.record = record, .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, written_in, &a);
}

static aw_err failed_in(db_connection *db, void *arg)
{
    const record_args *a = arg;
    platform_profile profile;
    aw_err err = platform_profile_get(db, a->tenant, a->iccid, &profile);
    if (err == AW_OK && strcmp(profile.state, "reserved") != 0 &&
        strcmp(profile.state, "downloaded") != 0)
        err = AW_ERR_PLATFORM_TRANSITION;
    if (err == AW_OK)
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_PROFILE, a->tenant, a->iccid,
                                            "available", a->cause, a->actor, a->now_ms, NULL);
    if (err == AW_OK)
        err = inventory_number_unreserve(db, a->tenant, profile.eid, profile.order_id, a->cause,
                                         a->actor, a->now_ms);
    return err;
}

aw_err platform_profile_record_failed(db_connection *db, const char *tenant, const char *iccid,
                                      const char *cause, const char *actor, int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) || cause == NULL || actor == NULL)
        return AW_ERR_ARGUMENT;
    record_args a = {.tenant = tenant, .iccid = iccid, .cause = cause, .actor = actor,
                     .now_ms = now_ms};
    return platform_in_transaction(db, failed_in, &a);
}

static aw_err transition_in(db_connection *db, void *arg)
{
    const record_args *a = arg;
    platform_profile profile;
    aw_err err = platform_profile_get(db, a->tenant, a->iccid, &profile);
    if (err == AW_OK)
        err = platform_lifecycle_transition(db, PLATFORM_LIFECYCLE_PROFILE, a->tenant, a->iccid,
                                            a->to, a->cause, a->actor, a->now_ms, NULL);
    db_param params[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->tenant),
                         DB_PARAM_TEXT(a->iccid)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_profiles SET updated_at = ? WHERE tenant = ? AND "
                         "iccid = ?",
                         params, 3, NULL);
    /* a deleted profile frees its number, after the pool's cooling period */
    if (err == AW_OK && strcmp(a->to, "deleted") == 0 && profile.msisdn[0] != '\0')
        err = inventory_number_retire(db, a->tenant, profile.msisdn, a->iccid, a->actor,
                                      a->now_ms);
    return err;
}

aw_err platform_profile_transition(db_connection *db, const char *tenant, const char *iccid,
                                   const char *to, const char *cause, const char *actor,
                                   int64_t now_ms)
{
    if (db == NULL || !platform_tenant_valid(tenant) ||
        !platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_PROFILE, to) || cause == NULL ||
        actor == NULL)
        return AW_ERR_ARGUMENT;
    record_args a = {.tenant = tenant, .iccid = iccid, .to = to, .cause = cause, .actor = actor,
                     .now_ms = now_ms};
    return platform_in_transaction(db, transition_in, &a);
}
