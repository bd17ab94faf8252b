/* airwrite eIM: the eIM side of ESipa (SGP.32 5.14, ASN.1 binding 6.3) for
 * eIM Packages: ESipa.GetEimPackage (6.3.2.6) hands out the next queued
 * package of the EID (an EuiccPackageRequest, an IpaEuiccDataRequest or a
 * ProfileDownloadTriggerRequest); ESipa.ProvideEimPackageResult (6.3.2.7)
 * verifies and records the eUICC's signed EuiccPackageResult (alone or
 * beside notifications, which relay_notify.c forwards), the
 * IpaEuiccDataResponse or the
 * ProfileDownloadTriggerResult, and acknowledges the seqNumbers recorded with
 * EimAcknowledgements, so the IPA can have the eUICC drop those results
 * (ES10b EimAcknowledgements, BF53).
 *
 * A poll that finds nothing is a read: the last contact goes to the
 * context's contact cache (contact.c, eim_package_poll). A v1.0 IPA sends
 * ProvideEimPackageResult without eidValue: for eUICCs registered as v1.0
 * the result names its eUICC through the package it answers, and the
 * answer takes the v1.0 form (docs/sgp32-versions.md #3, #4); the v1.0
 * notificationList (#5) and profileDownloadError (#16) are taken only from
 * eUICCs registered as v1.0. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"
#include "core/sgp32_trigger.h"
#include "eim/eim_internal.h"

/* GetEimPackageResponse carrying a stored EuiccPackageRequest TLV: the
 * CHOICE alternative [81] inside [79] (6.3.2.6), the package's bytes as
 * signed. */
static aw_err answer_package(const uint8_t *package, size_t len, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_GET_EIM_PACKAGE);
    der_put_raw(&b, package, len);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

static aw_err answer_package_error(int64_t code, uint8_t **out, size_t *out_len)
{
    sgp32_esipa_message_from_eim_to_ipa m;
    memset(&m, 0, sizeof(m));
    m.kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m.get_eim_package_response.kind = SGP32_EIM_PACKAGE_ERROR;
    m.get_eim_package_response.eim_package_error = code;
    return sgp32_encode_esipa_message_from_eim_to_ipa(&m, out, out_len);
}

/* 6.3.2.6 ESipa.GetEimPackage */
static aw_err get_eim_package(const eim_context *c, const sgp32_get_eim_package_request *r,
                              int64_t now_ms, uint8_t **out, size_t *out_len, aw_err *verdict)
{
    char eid[EIM_EID_DIGITS + 1];
    uint8_t *package = NULL;
    size_t package_len = 0;
    if (eim_eid_from_octets(r->eid_value.ptr, r->eid_value.len, eid) != AW_OK) {
        *verdict = AW_ERR_EIM_IMPORT_EID;
        return answer_package_error(SGP32_EIM_PACKAGE_ERROR_INVALID_EID, out, out_len);
    }
    aw_err err = eim_package_poll(c->db, c->contacts, eid, now_ms, &package, &package_len, NULL);
    if (err == AW_ERR_EIM_UNKNOWN_EUICC || err == AW_ERR_NOT_FOUND) {
        *verdict = err;
        return answer_package_error(err == AW_ERR_NOT_FOUND
                                        ? SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE
                                        : SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND,
                                    out, out_len);
    }
    if (err == AW_OK)
        err = answer_package(package, package_len, out, out_len);
    free(package);
    return err;
}

static aw_err answer_provide(const sgp32_provide_eim_package_result_response *response,
                             uint8_t **out, size_t *out_len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response = *response;
    aw_err err = sgp32_encode_esipa_message_from_eim_to_ipa(m, out, out_len);
    free(m);
    return err;
}

static aw_err answer_provide_error(int64_t code, uint8_t **out, size_t *out_len)
{
    sgp32_provide_eim_package_result_response response;
    memset(&response, 0, sizeof(response));
    response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ERROR;
    response.error = code;
    return answer_provide(&response, out, out_len);
}

/* The eUICC registered as v1.0 whose trigger a ProfileDownloadTriggerResult
 * (BF54 as received) answers, by its eimTransactionId, read the v1.0 way
 * (docs/sgp32-versions.md #16). */
static aw_err trigger_euicc_v1_0(db_connection *db, aw_slice result,
                                 char eid[EIM_EID_DIGITS + 1])
{
    sgp32_profile_download_trigger_result decoded;
    aw_err err = sgp32_decode_profile_download_trigger_result_v1_0(result.ptr, result.len,
                                                                   &decoded);
    if (err != AW_OK || !decoded.has_eim_transaction_id)
        return AW_ERR_EIM_UNKNOWN_EUICC;
    return eim_package_find_euicc_v1_0(db, EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER,
                                       decoded.eim_transaction_id, eid);
}

/* 6.3.2.7 ESipa.ProvideEimPackageResult */
static aw_err provide_eim_package_result(const eim_context *c,
                                         const sgp32_provide_eim_package_result *r,
                                         int64_t now_ms, uint8_t **out, size_t *out_len,
                                         aw_err *verdict)
{
    char eid[EIM_EID_DIGITS + 1];
    const sgp32_eim_package_result *result = &r->eim_package_result;
    aw_slice package_result;
    if (result->kind == SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT)
        package_result = result->euicc_package_result.raw;
    else if (result->kind == SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS)
        package_result = result->epr_and_notifications.euicc_package_result.raw;
    else if (result->kind == SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE)
        package_result = result->ipa_euicc_data_response.raw;
    else if (result->kind == SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT)
        package_result = result->profile_download_trigger_result.raw;
    else if (result->kind == SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR)
        package_result = result->response_error.raw;
    else
        return AW_ERR_STATE; /* v1.0 bare eimPackageError: names no package */
    /* SGP.32 v1.0 sent no eidValue: its result may name the eUICC through
     * the package it answers, for eUICCs registered as v1.0 only; such an
     * IPA is answered in the v1.0 form (BF50 with nothing inside when
     * there is nothing to acknowledge, also for a refusal: v1.0 has no
     * provideEimPackageResultError) */
    bool v1_0 = false;
    bool signed_result = result->kind == SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT ||
                         result->kind == SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS;
    if (!r->has_eid_value) {
        aw_err found = AW_ERR_EIM_UNKNOWN_EUICC;
        if (signed_result)
            found = eim_result_find_euicc_v1_0(c->db, package_result.ptr, package_result.len,
                                               eid);
        else if (result->kind == SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT)
            found = trigger_euicc_v1_0(c->db, package_result, eid);
        if (eim_internal_failure(found))
            return found;
        if (found != AW_OK) {
            *verdict = AW_ERR_EIM_UNKNOWN_EUICC;
            return answer_provide_error(SGP32_PROVIDE_RESULT_MISSING_EID, out, out_len);
        }
        v1_0 = true;
    } else if (eim_eid_from_octets(r->eid_value.ptr, r->eid_value.len, eid) != AW_OK) {
        *verdict = AW_ERR_EIM_IMPORT_EID;
        return answer_provide_error(SGP32_PROVIDE_RESULT_INVALID_EID, out, out_len);
    }
    /* a v1.0 notificationList ([43]) only from an eUICC registered as v1.0:
     * the message cannot choose its version (docs/sgp32-versions.md #5) */
    if (!v1_0 && result->kind == SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS &&
        result->epr_and_notifications.notification_list_kind ==
            SGP32_EPR_NOTIFICATION_LIST_V1_0) {
        aw_err refused = eim_registry_require_v1_0(c->db, eid);
        if (refused != AW_OK) {
            if (eim_internal_failure(refused))
                return refused;
            *verdict = refused;
            return answer_provide_error(refused == AW_ERR_EIM_UNKNOWN_EUICC
                                            ? SGP32_PROVIDE_RESULT_EID_NOT_FOUND
                                            : SGP32_PROVIDE_RESULT_UNDEFINED_ERROR,
                                        out, out_len);
        }
    }
    eim_result_info info;
    eim_euicc_data_info *data = NULL;
    bool nothing_kept = false;
    memset(&info, 0, sizeof(info));
    aw_err err;
    if (result->kind == SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE) {
        data = calloc(1, sizeof(*data));
        err = data == NULL ? AW_ERR_NOMEM
                           : eim_euicc_data_record(c->db, c->trust, eid, package_result.ptr,
                                                   package_result.len, now_ms, data);
    } else if (result->kind == SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT) {
        /* the installation result reaches the eUICC's pending notifications
         * and the SM-DP+, not the eIM's acknowledgements: nothing to ack */
        err = eim_download_result_record(c->db, c->trust, eid, package_result.ptr,
                                         package_result.len, now_ms, NULL);
        nothing_kept = true;
    } else if (result->kind == SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR) {
        const sgp32_eim_package_result_response_error *e = &result->response_error;
        err = eim_package_error_record(
            c->db, eid, e->has_eim_transaction_id ? e->eim_transaction_id.ptr : NULL,
            e->has_eim_transaction_id ? e->eim_transaction_id.len : 0,
            e->eim_package_result_error_code, package_result.ptr, package_result.len, now_ms,
            NULL);
        nothing_kept = true;
    } else {
        err = eim_result_record(c->db, c->trust, eid, package_result.ptr, package_result.len,
                                now_ms, &info);
    }
    if (eim_internal_failure(err)) {
        free(data);
        return err; /* our failure, not the result's: no answer that claims otherwise */
    }
    *verdict = err;
    if (err != AW_OK && v1_0) {
        sgp32_provide_eim_package_result_response nothing;
        memset(&nothing, 0, sizeof(nothing));
        nothing.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0;
        return answer_provide(&nothing, out, out_len);
    }
    if (err != AW_OK) {
        free(data);
        return answer_provide_error(err == AW_ERR_EIM_UNKNOWN_EUICC
                                        ? SGP32_PROVIDE_RESULT_EID_NOT_FOUND
                                        : SGP32_PROVIDE_RESULT_UNDEFINED_ERROR,
                                    out, out_len);
    }
    sgp32_provide_eim_package_result_response response;
    memset(&response, 0, sizeof(response));
    if (data != NULL) {
        /* the recovered results' seqNumbers; nothing else is kept for us */
        response.kind = data->seq_number_count > 0 ? SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS
                                                   : SGP32_PROVIDE_RESULT_RESPONSE_EMPTY;
        response.eim_acknowledgements.count = data->seq_number_count;
        memcpy(response.eim_acknowledgements.seq_numbers, data->seq_numbers,
               data->seq_number_count * sizeof(data->seq_numbers[0]));
        free(data);
    } else if (nothing_kept || info.is_error) {
        /* a signed error is not kept by the eUICC: nothing to acknowledge */
        response.kind = v1_0 ? SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0
                             : SGP32_PROVIDE_RESULT_RESPONSE_EMPTY;
    } else {
        response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS;
        response.eim_acknowledgements.count = 1;
        response.eim_acknowledgements.seq_numbers[0] = info.seq_number;
    }
    return answer_provide(&response, out, out_len);
}

/* A ProvideEimPackageResult BF50 { [eidValue] BF54 } whose
 * profileDownloadError only the v1.0 reading takes (v1.0: 30 00, or an
 * errorResponse that is no INTEGER): handled as a v1.0 result of an eUICC
 * registered as v1.0, found by eidValue or by the trigger it answers.
 * *taken false leaves the v1.2 decoder's refusal standing. */
static aw_err provide_trigger_result_v1_0(const eim_context *c, const uint8_t *request,
                                          size_t len, int64_t now_ms, uint8_t **out,
                                          size_t *out_len, aw_err *verdict, bool *taken)
{
    char eid[EIM_EID_DIGITS + 1];
    der_reader top, inside;
    der_node outer, node;
    aw_slice eid_value = {NULL, 0};
    *taken = false;
    der_reader_init(&top, request, len);
    if (der_read_node(&top, &outer) != AW_OK || outer.tag != SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT ||
        !der_reader_at_end(&top) || der_reader_enter(&top, &outer, &inside) != AW_OK ||
        der_read_node(&inside, &node) != AW_OK)
        return AW_OK;
    if (node.tag == SGP32_TAG_EID) {
        eid_value = node.value;
        if (der_read_node(&inside, &node) != AW_OK)
            return AW_OK;
    }
    if (node.tag != SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER || !der_reader_at_end(&inside))
        return AW_OK;
    aw_err err = eid_value.ptr != NULL
                     ? eim_eid_from_octets(eid_value.ptr, eid_value.len, eid)
                     : trigger_euicc_v1_0(c->db, node.raw, eid);
    if (err == AW_OK)
        err = eim_registry_require_v1_0(c->db, eid);
    if (eim_internal_failure(err))
        return err;
    if (err != AW_OK)
        return AW_OK;
    *taken = true;
    err = eim_download_result_record(c->db, c->trust, eid, node.raw.ptr, node.raw.len, now_ms,
                                     NULL);
    if (eim_internal_failure(err))
        return err;
    *verdict = err;
    sgp32_provide_eim_package_result_response response;
    memset(&response, 0, sizeof(response));
    if (eid_value.ptr == NULL) {
        response.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0;
    } else if (err != AW_OK) {
        response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ERROR;
        response.error = SGP32_PROVIDE_RESULT_UNDEFINED_ERROR;
    } else {
        response.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY;
    }
    return answer_provide(&response, out, out_len);
}

aw_err eim_esipa_handle(const eim_context *context, const uint8_t *request, size_t len,
                        int64_t now_ms, uint8_t **out, size_t *out_len, aw_err *verdict)
{
    aw_err ignored;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (verdict == NULL)
        verdict = &ignored;
    *verdict = AW_OK;
    if (context == NULL || context->db == NULL || context->trust == NULL || request == NULL ||
        out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(request, len, m);
    if (err != AW_OK && !eim_internal_failure(err)) {
        bool taken = false;
        aw_err v1_0 = provide_trigger_result_v1_0(context, request, len, now_ms, out, out_len,
                                                  verdict, &taken);
        if (taken || v1_0 != AW_OK)
            err = v1_0;
    } else if (err == AW_OK) {
        switch (m->kind) {
        case SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST:
            err = get_eim_package(context, &m->get_eim_package_request, now_ms, out, out_len,
                                  verdict);
            break;
        case SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT:
            err = provide_eim_package_result(context, &m->provide_eim_package_result, now_ms,
                                             out, out_len, verdict);
            break;
        default:
            err = AW_ERR_STATE; /* the download relay functions come later */
            break;
        }
    }
    free(m);
    if (err != AW_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return err;
}
