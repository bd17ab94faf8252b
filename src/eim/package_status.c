/* airwrite eIM: what became of one queued eUICC Package (SGP.32 2.11.1),
 * for its operator (the platform's card operations): waiting, or the
 * result the eIM recorded for it (result.c: a signed EuiccPackageResult
 * recorded only after its euiccSignEPR verified, SGP.32 2.11.1.2), read
 * back per operation (EuiccResultData: enableResult, disableResult,
 * deleteResult, ...). A recorded result is the eIM's own verified copy; it
 * is still decoded with the strict decoder, never trusted by length. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"
#include "eim/eim_internal.h"

/* The INTEGER result of the per-operation alternatives that carry one;
 * 0 for the others (listProfileInfo, getRAT, ...: their data is a TLV). */
static int64_t result_code(const sgp32_euicc_result_data *d)
{
    switch (d->kind) {
    case SGP32_EUICC_RESULT_ENABLE: return d->enable_result;
    case SGP32_EUICC_RESULT_DISABLE: return d->disable_result;
    case SGP32_EUICC_RESULT_DELETE: return d->delete_result;
    case SGP32_EUICC_RESULT_CONFIGURE_IMMEDIATE_ENABLE: return d->configure_immediate_enable_result;
    case SGP32_EUICC_RESULT_DELETE_EIM: return d->delete_eim_result;
    case SGP32_EUICC_RESULT_UPDATE_EIM: return d->update_eim_result;
    case SGP32_EUICC_RESULT_ROLLBACK: return d->rollback_result;
    case SGP32_EUICC_RESULT_SET_FALLBACK_ATTRIBUTE: return d->set_fallback_attribute_result;
    case SGP32_EUICC_RESULT_UNSET_FALLBACK_ATTRIBUTE: return d->unset_fallback_attribute_result;
    case SGP32_EUICC_RESULT_PROCESSING_TERMINATED: return d->processing_terminated;
    default: return 0;
    }
}

/* The recorded result of a finished package: an EuiccPackageResult (BF51)
 * in one of its three alternatives, or (the IPA could not process the
 * package, eim_package_error_record) an EimPackageResultResponseError. */
static aw_err read_result(const uint8_t *result, size_t len, eim_package_status *out)
{
    der_node outer;
    aw_err err = der_decode_single(result, len, &outer);
    if (err != AW_OK)
        return err;
    if (outer.tag != SGP32_TAG_EUICC_PACKAGE) { /* BF51: request and result share it */
        out->outcome = EIM_PACKAGE_OUTCOME_IPA_ERROR;
        return AW_OK;
    }
    sgp32_euicc_package_result *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    err = sgp32_decode_euicc_package_result(result, len, decoded);
    if (err == AW_OK) {
        switch (decoded->kind) {
        case SGP32_EUICC_PACKAGE_RESULT_SIGNED: {
            const sgp32_euicc_package_result_data_signed *d =
                &decoded->result_signed.euicc_package_result_data_signed;
            out->outcome = EIM_PACKAGE_OUTCOME_EXECUTED;
            out->result_count = d->euicc_result_count < EIM_MAX_OPERATIONS
                                    ? d->euicc_result_count
                                    : EIM_MAX_OPERATIONS;
            for (size_t i = 0; i < out->result_count; i++) {
                out->results[i].kind = d->euicc_result[i].kind;
                out->results[i].code = result_code(&d->euicc_result[i]);
            }
            break;
        }
        case SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED:
            out->outcome = EIM_PACKAGE_OUTCOME_REFUSED;
            out->error_code =
                decoded->error_signed.euicc_package_error_data_signed.euicc_package_error_code;
            break;
        case SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED:
            /* without a code of its own: the one result.c recorded for it */
            out->outcome = EIM_PACKAGE_OUTCOME_UNSIGNED_ERROR;
            if (decoded->error_unsigned.has_euicc_package_unsigned_error_code)
                out->error_code = decoded->error_unsigned.euicc_package_unsigned_error_code;
            break;
        default:
            err = AW_ERR_EIM_PACKAGE;
            break;
        }
    }
    free(decoded);
    return err;
}

aw_err eim_package_result_status(db_connection *db, const char *eid, int64_t package_id,
                                 eim_package_status *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || eid == NULL || out == NULL || package_id <= 0)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_INT64(package_id), DB_PARAM_TEXT(eid),
                    DB_PARAM_INT64(EIM_PACKAGE_KIND_EUICC_PACKAGE)};
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t state = 0;
    aw_err err = db_query(db,
                          "SELECT state, error_code, result, result_ms FROM eim_packages "
                          "WHERE id = ? AND eid = ? AND kind = ?",
                          p, 3, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &state);
    if (err == AW_OK && db_rows_column_type(rows, 1) != DB_TYPE_NULL)
        err = db_rows_get_int64(rows, 1, &out->error_code);
    if (err == AW_OK && db_rows_column_type(rows, 3) != DB_TYPE_NULL)
        err = db_rows_get_int64(rows, 3, &out->result_ms);
    if (err == AW_OK && (state == EIM_PACKAGE_QUEUED || state == EIM_PACKAGE_SENT))
        out->outcome = EIM_PACKAGE_OUTCOME_WAITING;
    else if (err == AW_OK && db_rows_column_type(rows, 2) == DB_TYPE_NULL)
        err = AW_ERR_DB_FAILED; /* finished without its result: not what result.c writes */
    else if (err == AW_OK) {
        const uint8_t *result = NULL;
        size_t result_len = 0;
        err = db_rows_get_blob(rows, 2, &result, &result_len);
        if (err == AW_OK)
            err = read_result(result, result_len, out);
    }
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}
