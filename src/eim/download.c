/* airwrite eIM: Profile Download Triggers (SGP.32 2.11.3
 * ProfileDownloadTriggerRequest / ProfileDownloadTriggerResult, an eIM
 * Package of GetEimPackage 6.3.2.6 answered by ProvideEimPackageResult
 * 6.3.2.7; the eIM-triggered downloads of SGP.32 3.2).
 *
 * The trigger tells the IPA where to download from: an Activation Code
 * (SGP.22 4.1: "1$SM-DP+ address$Matching ID[$...]"), the eUICC's default
 * SM-DP+, or an SM-DS. The result is matched by eimTransactionId. A
 * ProfileInstallationResult counts only when euiccSignPIR verifies over
 * its profileInstallationResultData (BF27) as received, with the key of
 * the eUICC's certificate chain (SGP.22 5.7.6, 4.5.2.2); a
 * profileDownloadError is the IPA's report and is recorded as such. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_bpp.h"
#include "core/sgp32_trigger.h"
#include "eim/eim_internal.h"

/* SGP.22 4.1: AC_Format "1", then the SM-DP+ address and the Matching ID,
 * '$'-separated; UTF-8 of at most 255 bytes (activationCode SIZE(0..255)). */
static bool activation_code_valid(const char *code)
{
    size_t n = code != NULL ? strnlen(code, SGP32_ACTIVATION_CODE_MAX + 1) : 0;
    if (n < 4 || n > SGP32_ACTIVATION_CODE_MAX || strncmp(code, "1$", 2) != 0)
        return false;
    const char *second = memchr(code + 2, '$', n - 2);
    if (second == NULL || second == code + 2) /* an SM-DP+ address is required */
        return false;
    return der_check_utf8((aw_slice){(const uint8_t *)code, n}, 1, SGP32_ACTIVATION_CODE_MAX) ==
           AW_OK;
}

static aw_err fill_trigger(const eim_download_trigger *trigger,
                           sgp32_profile_download_trigger_request *request)
{
    sgp32_profile_download_data *d = &request->profile_download_data;
    request->has_profile_download_data = true;
    switch (trigger->kind) {
    case EIM_DOWNLOAD_ACTIVATION_CODE:
        if (!activation_code_valid(trigger->activation_code))
            return AW_ERR_EIM_PACKAGE;
        d->kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
        d->activation_code = (aw_slice){(const uint8_t *)trigger->activation_code,
                                        strlen(trigger->activation_code)};
        return AW_OK;
    case EIM_DOWNLOAD_DEFAULT_SMDP:
        d->kind = SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP;
        return AW_OK;
    case EIM_DOWNLOAD_SMDS: {
        d->kind = SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS;
        const char *address = trigger->smds_address;
        size_t n = address != NULL ? strnlen(address, 256) : 0;
        if (address == NULL)
            return AW_OK; /* the eUICC's root SM-DS */
        if (n == 0 || n > 255 ||
            der_check_utf8((aw_slice){(const uint8_t *)address, n}, 1, 255) != AW_OK)
            return AW_ERR_EIM_PACKAGE;
        d->contact_smds.has_smds_address = true;
        d->contact_smds.smds_address = (aw_slice){(const uint8_t *)address, n};
        return AW_OK;
    }
    default:
        return AW_ERR_EIM_PACKAGE;
    }
}

aw_err eim_package_enqueue_download_trigger(db_connection *db, const char *eid,
                                            const eim_download_trigger *trigger, int64_t now_ms,
                                            int64_t *package_id)
{
    sgp32_profile_download_trigger_request request;
    uint8_t transaction_id[EIM_TRANSACTION_ID_SIZE];
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    int64_t id = 0, count = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (db == NULL || eid == NULL || trigger == NULL)
        return AW_ERR_ARGUMENT;
    memset(&request, 0, sizeof(request));
    aw_err err = fill_trigger(trigger, &request);
    if (err != AW_OK)
        return err;
    request.has_eim_transaction_id = true;
    request.eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    err = crypto_random_bytes(transaction_id, sizeof(transaction_id));
    if (err == AW_OK)
        err = sgp32_encode_profile_download_trigger_request(&request, &encoded, &encoded_len);
    db_param who = DB_PARAM_TEXT(eid);
    if (err == AW_OK)
        err = db_query_int64(db, "SELECT COUNT(*) FROM eim_euiccs WHERE eid = ?", &who, 1, &count);
    if (err == AW_OK && count == 0)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = eim_package_insert(db, eid, EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER,
                                 (aw_slice){transaction_id, sizeof(transaction_id)},
                                 (aw_slice){encoded, encoded_len}, now_ms, &id);
    free(encoded);
    if (err == AW_OK && package_id != NULL)
        *package_id = id;
    return err;
}

/* euiccSignPIR over profileInstallationResultData as received (SGP.22 5.7.6). */
aw_err eim_download_verify_installation(db_connection *db, const pki_trust_store *trust,
                                        const char *eid, aw_slice pir, int64_t now_ms,
                                        bool *installed, int64_t *error_reason)
{
    eim_euicc euicc;
    crypto_key *key = NULL;
    sgp22_profile_installation_result *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp22_decode_profile_installation_result(pir.ptr, pir.len, decoded);
    if (err == AW_OK)
        err = eim_registry_get(db, eid, &euicc);
    if (err == AW_OK) {
        err = eim_euicc_public_key(&euicc, trust, now_ms, &key);
        eim_euicc_clear(&euicc);
    }
    if (err == AW_OK)
        err = crypto_verify_ecdsa(key, decoded->data.raw.ptr, decoded->data.raw.len,
                                  decoded->euicc_sign_pir.ptr, decoded->euicc_sign_pir.len);
    if (err == AW_OK) {
        *installed = decoded->data.final_result == SGP22_FINAL_RESULT_SUCCESS;
        *error_reason = *installed ? 0 : decoded->data.error.error_reason;
    }
    crypto_key_free(key);
    free(decoded);
    return err;
}

/* The result recorded for a finished trigger equals the PIR or the whole
 * ProfileDownloadTriggerResult received now: the relay records the PIR it
 * forwarded (relay_notify.c) and the IPA's ProvideEimPackageResult still
 * reports the trigger (SGP.32 3.2: the IPA always ends the procedure with
 * its result), or the same report comes again after a lost answer. */
static aw_err recorded_equals(db_connection *db, int64_t package_id, aw_slice pir, aw_slice result,
                              bool *equal)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *stored = NULL;
    size_t stored_len = 0;
    *equal = false;
    db_param p = DB_PARAM_INT64(package_id);
    aw_err err = db_query(db, "SELECT result FROM eim_packages WHERE id = ?", &p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row && db_rows_column_type(rows, 0) != DB_TYPE_NULL)
        err = db_rows_get_blob(rows, 0, &stored, &stored_len);
    if (err == AW_OK && stored != NULL)
        *equal = (stored_len == pir.len && memcmp(stored, pir.ptr, pir.len) == 0) ||
                 (stored_len == result.len && memcmp(stored, result.ptr, result.len) == 0);
    db_rows_free(rows);
    return err;
}

aw_err eim_download_result_record(db_connection *db, const pki_trust_store *trust,
                                  const char *eid, const uint8_t *result, size_t result_len,
                                  int64_t now_ms, eim_download_result_info *info)
{
    eim_download_result_info ignored;
    if (info == NULL)
        info = &ignored;
    memset(info, 0, sizeof(*info));
    if (db == NULL || trust == NULL || eid == NULL || result == NULL)
        return AW_ERR_ARGUMENT;
    /* SGP.32 v1.0 profileDownloadError has errorResponse where v1.1 put the
     * reason ([0]): the registered version says which reading applies, and
     * a v1.0 error is recorded as undefinedError (docs/sgp32-versions.md #16) */
    sgp32_profile_download_trigger_result decoded;
    aw_err err = eim_registry_require_v1_0(db, eid);
    bool v1_0 = err == AW_OK;
    if (eim_internal_failure(err))
        return err;
    if (v1_0)
        err = sgp32_decode_profile_download_trigger_result_v1_0(result, result_len, &decoded);
    else
        err = sgp32_decode_profile_download_trigger_result(result, result_len, &decoded);
    if (err == AW_OK && !decoded.has_eim_transaction_id)
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE; /* this eIM always sends one */
    if (err == AW_OK)
        err = eim_package_find_sent(db, eid, EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER,
                                    decoded.eim_transaction_id, &info->package_id);
    bool installation =
        decoded.result_data.kind == SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION;
    if (err == AW_ERR_EIM_RESULT_REPLAY && installation) {
        bool equal = false;
        aw_err check = recorded_equals(db, info->package_id,
                                       decoded.result_data.profile_installation_result,
                                       (aw_slice){result, result_len}, &equal);
        if (check != AW_OK)
            err = check;
        else if (equal)
            info->already_recorded = true; /* verified below like any, then nothing changes */
        if (equal)
            err = AW_OK;
    }
    if (err == AW_OK && installation) {
        err = eim_download_verify_installation(db, trust, eid,
                                               decoded.result_data.profile_installation_result,
                                               now_ms, &info->installed, &info->error_reason);
    } else if (err == AW_OK) {
        info->error_reason =
            v1_0 ? SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR
                 : decoded.result_data.profile_download_error.profile_download_error_reason;
    }
    if (err == AW_OK && !info->already_recorded)
        err = eim_package_finish(db, info->package_id, !info->installed, info->error_reason,
                                 (aw_slice){result, result_len}, now_ms);
    if (err != AW_OK)
        memset(info, 0, sizeof(*info));
    return err;
}

/* Whether a failed trigger's recorded result is the eUICC's signed
 * ProfileInstallationResult (BF37 relayed by HandleNotification, or inside
 * a ProfileDownloadTriggerResult) rather than the IPA's profileDownloadError. */
static bool result_has_installation(const uint8_t *result, size_t len)
{
    sgp32_profile_download_trigger_result decoded;
    if (len >= 2 && result[0] == 0xBF && result[1] == 0x37)
        return true;
    if (sgp32_decode_profile_download_trigger_result(result, len, &decoded) != AW_OK &&
        sgp32_decode_profile_download_trigger_result_v1_0(result, len, &decoded) != AW_OK)
        return false;
    return decoded.result_data.kind == SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION;
}

/* Whether a trigger's request (as this eIM wrote it) carries exactly
 * activation_code; one that does not decode is not ours. */
static bool trigger_carries(const uint8_t *request, size_t request_len,
                            const char *activation_code)
{
    sgp32_profile_download_trigger_request decoded;
    size_t n = strlen(activation_code);
    return sgp32_decode_profile_download_trigger_request(request, request_len, &decoded) ==
               AW_OK &&
           decoded.has_profile_download_data &&
           decoded.profile_download_data.kind == SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE &&
           decoded.profile_download_data.activation_code.len == n &&
           memcmp(decoded.profile_download_data.activation_code.ptr, activation_code, n) == 0;
}

/* One trigger package's row folded into the status (oldest first). */
static aw_err fold_trigger(db_rows *rows, const char *activation_code, eim_trigger_status *out)
{
    int64_t state = 0, error_code = 0;
    const uint8_t *request = NULL, *result = NULL;
    size_t request_len = 0, result_len = 0;
    aw_err err = db_rows_get_int64(rows, 0, &state);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 1, &request, &request_len);
    if (err == AW_OK && db_rows_column_type(rows, 2) != DB_TYPE_NULL)
        err = db_rows_get_blob(rows, 2, &result, &result_len);
    if (err == AW_OK && db_rows_column_type(rows, 3) != DB_TYPE_NULL)
        err = db_rows_get_int64(rows, 3, &error_code);
    if (err != AW_OK)
        return err;
    if (!trigger_carries(request, request_len, activation_code))
        return AW_OK;
    out->count++;
    if (out->outcome == EIM_TRIGGER_INSTALLED)
        return AW_OK; /* an installation stands whatever came after it */
    if (state == EIM_PACKAGE_DONE) {
        out->outcome = EIM_TRIGGER_INSTALLED;
        out->error_reason = 0;
    } else if (state == EIM_PACKAGE_FAILED && out->outcome != EIM_TRIGGER_WAITING) {
        /* a trigger still out waits for its own result first */
        out->outcome = result != NULL && result_has_installation(result, result_len)
                           ? EIM_TRIGGER_INSTALL_FAILED
                           : EIM_TRIGGER_DOWNLOAD_FAILED;
        out->error_reason = error_code;
    } else if (state == EIM_PACKAGE_QUEUED || state == EIM_PACKAGE_SENT) {
        out->outcome = EIM_TRIGGER_WAITING;
        out->error_reason = 0;
    }
    return AW_OK;
}

aw_err eim_download_trigger_status(db_connection *db, const char *eid,
                                   const char *activation_code, eim_trigger_status *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || eid == NULL || activation_code == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT state, request, result, error_code FROM eim_packages "
                          "WHERE eid = ? AND kind = ? ORDER BY id",
                          p, 2, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row)
        err = fold_trigger(rows, activation_code, out);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

/* ---- Withdrawal ---------------------------------------------------------------- */

typedef struct withdraw_args {
    const char *eid;
    const char *activation_code;
    int64_t now_ms;
    eim_trigger_withdrawal *out;
} withdraw_args;

/* The queued triggers of the code go to WITHDRAWN, each only while still
 * queued: the poll's hand-out (package.c next_locked) changes a trigger
 * only while it is queued or sent, so a trigger is either withdrawn or
 * handed out, whichever commits first (PostgreSQL: SERIALIZABLE here, a
 * conflict runs the transaction again). */
static aw_err withdraw_in(db_connection *db, void *arg)
{
    withdraw_args *a = arg;
    memset(a->out, 0, sizeof(*a->out));
    db_param p[] = {DB_PARAM_TEXT(a->eid), DB_PARAM_INT64(EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t *queued = NULL;
    size_t count = 0, cap = 0;
    aw_err err = db_query(db,
                          "SELECT id, state, request FROM eim_packages "
                          "WHERE eid = ? AND kind = ? ORDER BY id",
                          p, 2, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        int64_t id = 0, state = 0;
        const uint8_t *request = NULL;
        size_t request_len = 0;
        err = db_rows_get_int64(rows, 0, &id);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &state);
        if (err == AW_OK)
            err = db_rows_get_blob(rows, 2, &request, &request_len);
        if (err != AW_OK || !trigger_carries(request, request_len, a->activation_code))
            continue;
        if (state == EIM_PACKAGE_SENT)
            a->out->outstanding++;
        else if (state == EIM_PACKAGE_DONE)
            a->out->installed++;
        if (state != EIM_PACKAGE_QUEUED)
            continue;
        if (count == cap) {
            size_t grown = cap == 0 ? 4 : cap * 2;
            int64_t *more = realloc(queued, grown * sizeof(*queued));
            if (more == NULL) {
                err = AW_ERR_NOMEM;
                break;
            }
            queued = more;
            cap = grown;
        }
        queued[count++] = id;
    }
    db_rows_free(rows); /* before the next statement on this connection */
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        int64_t changes = 0;
        db_param w[] = {DB_PARAM_INT64(EIM_PACKAGE_WITHDRAWN), DB_PARAM_INT64(a->now_ms),
                        DB_PARAM_INT64(queued[i]), DB_PARAM_INT64(EIM_PACKAGE_QUEUED)};
        err = db_execute(db,
                         "UPDATE eim_packages SET state = ?, result_ms = ? WHERE id = ? AND "
                         "state = ?",
                         w, 4, &changes);
        if (err == AW_OK)
            a->out->withdrawn += (size_t)changes;
    }
    free(queued);
    return err;
}

aw_err eim_download_trigger_withdraw(db_connection *db, const char *eid,
                                     const char *activation_code, int64_t now_ms,
                                     eim_trigger_withdrawal *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || eid == NULL || activation_code == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    withdraw_args a = {.eid = eid, .activation_code = activation_code, .now_ms = now_ms,
                       .out = out};
    aw_err err = db_transaction_run(db, withdraw_in, &a, NULL);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}
