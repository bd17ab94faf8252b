/* airwrite eIM: card-device locking (机卡互锁, eim_device_binding.h): the
 * bindings the platform sets, and the check of the eUICC-signed DeviceInfo
 * of an indirect download's AuthenticateClient (SGP.32 6.3.2.2; SGP.22
 * 5.7.13 euiccSigned1 with ctxParams1 DeviceInfo, 4.2; chain 4.5.2.2).
 * docs/device-lock.md. */
#include <stdlib.h>
#include <string.h>

#include "core/device_identity.h"
#include "eim/eim_internal.h"

#define BINDING_TABLES(ID)                                                                     \
    "CREATE TABLE eim_device_bindings (\n"                                                    \
    "  eid TEXT PRIMARY KEY,\n"                                                               \
    "  device TEXT NOT NULL,\n"                                                               \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE TABLE eim_device_mismatches (\n"                                                  \
    "  id " ID ",\n"                                                                          \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  bound TEXT NOT NULL,\n"                                                                \
    "  tac TEXT NOT NULL,\n"                                                                  \
    "  imei TEXT NOT NULL,\n"                                                                 \
    "  seen_at BIGINT NOT NULL);\n"

/* Version 2: bindings per profile. The platform names, per download
 * trigger (eIM-held matchingId of its Activation Code), the profile's ICCID
 * and its device; the eUICC signs the same matchingId in ctxParams1 (SGP.22
 * 5.7.13), so the check ties the signed DeviceInfo to the profile. The
 * last verified device of each card is kept for the platform. */
#define PROFILE_TABLES(ID)                                                                     \
    "CREATE TABLE eim_download_expectations (\n"                                              \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  matching_id TEXT NOT NULL,\n"                                                          \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  device TEXT NOT NULL,\n"                                                               \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (eid, matching_id));\n"                                                    \
    "ALTER TABLE eim_device_mismatches ADD COLUMN iccid TEXT NOT NULL DEFAULT '';\n"          \
    "CREATE TABLE eim_device_verifications (\n"                                               \
    "  id " ID ",\n"                                                                          \
    "  eid TEXT NOT NULL UNIQUE,\n"                                                           \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  tac TEXT NOT NULL,\n"                                                                  \
    "  imei TEXT NOT NULL,\n"                                                                 \
    "  seen_at BIGINT NOT NULL);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "card-device bindings and refused downloads",
        .sqlite_sql = BINDING_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT"),
        .postgresql_sql = BINDING_TABLES("BIGSERIAL PRIMARY KEY"),
    },
    {
        .version = 2,
        .description = "profile-device bindings per download, last verified device per card",
        .sqlite_sql = PROFILE_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT"),
        .postgresql_sql = PROFILE_TABLES("BIGSERIAL PRIMARY KEY"),
    },
};

aw_err eim_device_binding_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "eim_device_binding", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

static bool eid_valid(const char *eid)
{
    return eid != NULL && strlen(eid) == EIM_EID_DIGITS &&
           strspn(eid, "0123456789") == EIM_EID_DIGITS;
}

aw_err eim_device_binding_set(db_connection *db, const char *eid, const char *device,
                              int64_t now_ms)
{
    if (db == NULL || !eid_valid(eid) || device == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = device_identity_check_text(device);
    if (err != AW_OK)
        return err;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(device), DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO eim_device_bindings (eid, device, updated_at) VALUES (?, ?, ?) "
                      "ON CONFLICT (eid) DO UPDATE SET device = excluded.device, "
                      "updated_at = excluded.updated_at",
                      p, 3, NULL);
}

aw_err eim_device_binding_remove(db_connection *db, const char *eid)
{
    if (db == NULL || !eid_valid(eid))
        return AW_ERR_ARGUMENT;
    db_param p = DB_PARAM_TEXT(eid);
    return db_execute(db, "DELETE FROM eim_device_bindings WHERE eid = ?", &p, 1, NULL);
}

aw_err eim_device_binding_get(db_connection *db, const char *eid,
                              char device[EIM_DEVICE_TEXT_MAX + 1], bool *found)
{
    if (found != NULL)
        *found = false;
    if (device != NULL)
        device[0] = '\0';
    if (db == NULL || !eid_valid(eid) || device == NULL || found == NULL)
        return AW_ERR_ARGUMENT;
    db_param p = DB_PARAM_TEXT(eid);
    db_rows *rows = NULL;
    const char *text = NULL;
    aw_err err = db_query(db, "SELECT device FROM eim_device_bindings WHERE eid = ?", &p, 1,
                          &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found)
        err = db_rows_get_text(rows, 0, &text);
    if (err == AW_OK && *found) {
        /* only what eim_device_binding_set wrote is believed */
        if (device_identity_check_text(text) != AW_OK)
            err = AW_ERR_DB_TYPE;
        else
            memcpy(device, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    if (err != AW_OK) {
        *found = false;
        device[0] = '\0';
    }
    return err;
}

/* SGP.22 4.5.2.2: CI -> EUM -> eUICC; the eUICC certificate's key and EID. */
static aw_err verify_chain(const pki_trust_store *trust, const sgp22_authenticate_response_ok *ok,
                           int64_t now_ms, crypto_key **key, char eid[EIM_EID_DIGITS + 1])
{
    pki_certificate *euicc = NULL, *eum = NULL;
    pki_verify_options options = {.now = (time_t)(now_ms / 1000)};
    pki_verify_result result;
    memset(&result, 0, sizeof(result));
    aw_err err = pki_certificate_parse(ok->euicc_certificate.ptr, ok->euicc_certificate.len,
                                       &euicc);
    if (err == AW_OK)
        err = pki_certificate_parse(ok->eum_certificate.ptr, ok->eum_certificate.len, &eum);
    if (err == AW_OK)
        err = pki_verify_euicc_chain(trust, eum, euicc, &options, &result);
    if (err == AW_OK) {
        aw_slice der = pki_certificate_der(euicc);
        err = crypto_key_from_certificate(der.ptr, der.len, key);
    }
    if (err == AW_OK)
        memcpy(eid, result.eid, EIM_EID_DIGITS + 1);
    pki_certificate_free(euicc);
    pki_certificate_free(eum);
    return err;
}

/* iccid "" for a card binding, the profile's for a download expectation. */
static aw_err record_mismatch(db_connection *db, const char *eid, const char *bound,
                              const char *iccid, const device_identity *reported, int64_t now_ms)
{
    db_param p[] = {DB_PARAM_TEXT(eid),           DB_PARAM_TEXT(bound),
                    DB_PARAM_TEXT(iccid),         DB_PARAM_TEXT(reported->tac),
                    DB_PARAM_TEXT(reported->imei), DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO eim_device_mismatches (eid, bound, iccid, tac, imei, seen_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      p, 6, NULL);
}

static bool matching_id_valid(const char *matching_id)
{
    size_t len = matching_id != NULL ? strlen(matching_id) : 0;
    if (len == 0 || len > EIM_MATCHING_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)matching_id[i] < 0x21 || (unsigned char)matching_id[i] > 0x7E)
            return false;
    return true;
}

aw_err eim_device_binding_expect(db_connection *db, const char *eid, const char *matching_id,
                                 const char *iccid, const char *device, int64_t now_ms)
{
    size_t iccid_len = iccid != NULL ? strlen(iccid) : 0;
    if (db == NULL || !eid_valid(eid) || !matching_id_valid(matching_id) || iccid_len == 0 ||
        iccid_len > EIM_ICCID_TEXT_MAX || strspn(iccid, "0123456789") != iccid_len ||
        device == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = device_identity_check_text(device);
    if (err != AW_OK)
        return err;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(matching_id), DB_PARAM_TEXT(iccid),
                    DB_PARAM_TEXT(device), DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO eim_download_expectations (eid, matching_id, iccid, device, "
                      "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (eid, matching_id) DO "
                      "UPDATE SET iccid = excluded.iccid, device = excluded.device, "
                      "updated_at = excluded.updated_at",
                      p, 5, NULL);
}

/* The profile and device the platform expects for the download of the
 * signed matchingId (SGP.22 5.7.13 ctxParams1); *found false when none. */
static aw_err expectation(db_connection *db, const char *eid, const sgp22_ctx_params1 *ctx,
                          char iccid[EIM_ICCID_TEXT_MAX + 1],
                          char device[EIM_DEVICE_TEXT_MAX + 1], bool *found)
{
    *found = false;
    if (!ctx->has_matching_id || ctx->matching_id.len == 0 ||
        ctx->matching_id.len > EIM_MATCHING_ID_MAX)
        return AW_OK; /* no trigger of ours carries such a matchingId */
    char matching_id[EIM_MATCHING_ID_MAX + 1];
    memcpy(matching_id, ctx->matching_id.ptr, ctx->matching_id.len);
    matching_id[ctx->matching_id.len] = '\0';
    if (!matching_id_valid(matching_id))
        return AW_OK;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(matching_id)};
    db_rows *rows = NULL;
    const char *text = NULL;
    aw_err err = db_query(db,
                          "SELECT iccid, device FROM eim_download_expectations WHERE eid = ? AND "
                          "matching_id = ?",
                          p, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found && (err = db_rows_get_text(rows, 0, &text)) == AW_OK) {
        if (strlen(text) > EIM_ICCID_TEXT_MAX)
            err = AW_ERR_DB_TYPE;
        else
            memcpy(iccid, text, strlen(text) + 1);
    }
    if (err == AW_OK && *found && (err = db_rows_get_text(rows, 1, &text)) == AW_OK) {
        /* only what eim_device_binding_expect wrote is believed */
        if (device_identity_check_text(text) != AW_OK)
            err = AW_ERR_DB_TYPE;
        else
            memcpy(device, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    if (err != AW_OK)
        *found = false;
    return err;
}

/* The card's last eUICC-signed device, replacing the one before (a new id
 * for the platform's cursor). */
static aw_err record_verification(db_connection *db, const char *eid, const char *iccid,
                                  const device_identity *reported, int64_t now_ms)
{
    db_param key = DB_PARAM_TEXT(eid);
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(iccid), DB_PARAM_TEXT(reported->tac),
                    DB_PARAM_TEXT(reported->imei), DB_PARAM_INT64(now_ms)};
    aw_err err = db_execute(db, "DELETE FROM eim_device_verifications WHERE eid = ?", &key, 1,
                            NULL);
    if (err == AW_OK)
        err = db_execute(db,
                         "INSERT INTO eim_device_verifications (eid, iccid, tac, imei, seen_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         p, 5, NULL);
    return err;
}

aw_err eim_device_binding_check(db_connection *db, const pki_trust_store *trust,
                                aw_slice authenticate_server_response, int64_t now_ms,
                                char eid[EIM_EID_DIGITS + 1], aw_err *verdict)
{
    char own_eid[EIM_EID_DIGITS + 1] = "";
    if (eid == NULL)
        eid = own_eid;
    eid[0] = '\0';
    if (verdict != NULL)
        *verdict = AW_OK;
    if (db == NULL || trust == NULL || verdict == NULL ||
        (authenticate_server_response.ptr == NULL && authenticate_server_response.len != 0))
        return AW_ERR_ARGUMENT;
    sgp22_authenticate_server_response *response = calloc(1, sizeof(*response));
    crypto_key *key = NULL;
    char bound[EIM_DEVICE_TEXT_MAX + 1], expected[EIM_DEVICE_TEXT_MAX + 1];
    char iccid[EIM_ICCID_TEXT_MAX + 1] = "";
    bool found = false, expected_found = false;
    device_identity reported;
    memset(&reported, 0, sizeof(reported));
    if (response == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp22_decode_authenticate_server_response(authenticate_server_response.ptr,
                                                           authenticate_server_response.len,
                                                           response);
    if (err != AW_OK) {
        /* not a response the eUICC could have signed: refused as unverified */
        *verdict = AW_ERR_DEVICE_BINDING_SIGNATURE;
        err = AW_OK;
        goto cleanup;
    }
    if (response->kind != SGP22_RESPONSE_OK)
        goto cleanup; /* AuthenticateResponseError: the SM-DP+ ends the session */
    const sgp22_authenticate_response_ok *ok = &response->ok;
    /* nothing the response says is believed before chain and signature verify */
    if (verify_chain(trust, ok, now_ms, &key, eid) != AW_OK ||
        crypto_verify_ecdsa(key, ok->euicc_signed1.raw.ptr, ok->euicc_signed1.raw.len,
                            ok->euicc_signature1.ptr, ok->euicc_signature1.len) != AW_OK) {
        eid[0] = '\0';
        *verdict = AW_ERR_DEVICE_BINDING_SIGNATURE;
        goto cleanup;
    }
    const sgp22_ctx_params1 *ctx = &ok->euicc_signed1.ctx_params1;
    err = eim_device_binding_get(db, eid, bound, &found);
    if (err == AW_OK)
        err = expectation(db, eid, ctx, iccid, expected, &expected_found);
    if (err != AW_OK)
        goto cleanup;
    aw_err format = device_identity_from_device_info(&ctx->device_info, &reported);
    if (format == AW_OK) /* what the eUICC signed, whatever the bindings say */
        err = record_verification(db, eid, expected_found ? iccid : "", &reported, now_ms);
    /* a card bound to no device, and a profile bound to none, download as
     * SGP.32 has it */
    if (err == AW_OK && found) {
        aw_err card = format != AW_OK                            ? format
                      : !device_identity_matches(bound, &reported) ? AW_ERR_DEVICE_BINDING_MISMATCH
                                                                   : AW_OK;
        if (card != AW_OK) {
            *verdict = card;
            err = record_mismatch(db, eid, bound, "", &reported, now_ms);
        }
    }
    if (err == AW_OK && expected_found) {
        aw_err profile = format != AW_OK ? format
                         : !device_identity_matches(expected, &reported)
                             ? AW_ERR_DEVICE_BINDING_MISMATCH
                             : AW_OK;
        if (profile != AW_OK) {
            if (*verdict == AW_OK)
                *verdict = profile;
            err = record_mismatch(db, eid, expected, iccid, &reported, now_ms);
        }
    }
cleanup:
    crypto_key_free(key);
    free(response);
    return err;
}

aw_err eim_device_mismatch_list(db_connection *db, int64_t after, size_t limit,
                                eim_device_mismatch **list, size_t *count)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || list == NULL || count == NULL || limit == 0 ||
        limit > EIM_DEVICE_MISMATCH_PAGE_MAX)
        return AW_ERR_ARGUMENT;
    eim_device_mismatch *items = calloc(limit, sizeof(*items));
    if (items == NULL)
        return AW_ERR_NOMEM;
    db_param p[] = {DB_PARAM_INT64(after), DB_PARAM_INT64((int64_t)limit)};
    db_rows *rows = NULL;
    bool has_row = false;
    size_t n = 0;
    aw_err err = db_query(db,
                          "SELECT id, eid, bound, tac, imei, seen_at, iccid FROM "
                          "eim_device_mismatches "
                          "WHERE id > ? ORDER BY id LIMIT ?",
                          p, 2, &rows);
    while (err == AW_OK && n < limit && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        eim_device_mismatch *m = &items[n];
        err = db_rows_get_int64(rows, 0, &m->id);
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 1, m->eid, sizeof(m->eid));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 2, m->bound, sizeof(m->bound));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 3, m->tac, sizeof(m->tac));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 4, m->imei, sizeof(m->imei));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &m->seen_at_ms);
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 6, m->iccid, sizeof(m->iccid));
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(items);
        return err;
    }
    *list = items;
    *count = n;
    return AW_OK;
}

aw_err eim_device_verification_list(db_connection *db, int64_t after, size_t limit,
                                    eim_device_verification **list, size_t *count)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || list == NULL || count == NULL || limit == 0 ||
        limit > EIM_DEVICE_MISMATCH_PAGE_MAX)
        return AW_ERR_ARGUMENT;
    eim_device_verification *items = calloc(limit, sizeof(*items));
    if (items == NULL)
        return AW_ERR_NOMEM;
    db_param p[] = {DB_PARAM_INT64(after), DB_PARAM_INT64((int64_t)limit)};
    db_rows *rows = NULL;
    bool has_row = false;
    size_t n = 0;
    aw_err err = db_query(db,
                          "SELECT id, eid, iccid, tac, imei, seen_at FROM "
                          "eim_device_verifications WHERE id > ? ORDER BY id LIMIT ?",
                          p, 2, &rows);
    while (err == AW_OK && n < limit && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        eim_device_verification *v = &items[n];
        err = db_rows_get_int64(rows, 0, &v->id);
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 1, v->eid, sizeof(v->eid));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 2, v->iccid, sizeof(v->iccid));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 3, v->tac, sizeof(v->tac));
        if (err == AW_OK)
            err = db_rows_copy_text(rows, 4, v->imei, sizeof(v->imei));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &v->seen_at_ms);
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(items);
        return err;
    }
    *list = items;
    *count = n;
    return AW_OK;
}
