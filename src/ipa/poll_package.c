/* airwrite IPA: one eIM Package on the IPA's side (SGP.32 3.4 eUICC Package,
 * 3.5 IPA eUICC data, 3.2 Profile Download Trigger), the delivery of its
 * result (5.14.7 ProvideEimPackageResult, v1.2 shape: eidValue and one
 * EimPackageResult), the eIM's EimAcknowledgements passed to the eUICC
 * (6.3.2.7), and the recovery of results the IPA never saw (2.11.1.2: the
 * eUICC keeps each EuiccPackageResult until acknowledged; 2.11.2
 * euiccPackageResultList fetches them). See esipa.h. */
#include "ipa/poll_internal.h"

#include <stdlib.h>
#include <string.h>


/* IpaCapabilities (SGP.32 2.11.2): what this IPA implements. ipaFeatures:
 * none of its own (downloads belong to the hook, which declares its
 * features); ipaSupportedProtocols: ESipa retrieval over HTTPS, and
 * injection over HTTPS while a push listener serves the poller. */
static void put_capabilities(const ipa_poller *poller, uint8_t storage[8],
                             sgp32_ipa_capabilities *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t features = poller->config.download.run != NULL ? poller->config.download.features : 0;
    if (ipa_esipa_minimizes(poller->config.esipa)) /* the compact ESipa forms */
        features |= SGP32_IPA_MINIMIZE_ESIPA_BYTES;
    sgp32_bit_string_from_flags(features, storage, &out->ipa_features);
    out->has_ipa_supported_protocols = true;
    sgp32_bit_string_from_flags(SGP32_IPA_RETRIEVE_HTTPS |
                                    (poller->injection ? SGP32_IPA_INJECT_HTTPS : 0u),
                                storage + 4, &out->ipa_supported_protocols);
}

/* Send EimAcknowledgements (BF53 DER) to the eUICC. */
static aw_err pass_acknowledgements(ipa_poller *poller, const uint8_t *acks, size_t len,
                                    ipa_poll_report *report)
{
    sgp32_eim_acknowledgements *decoded = malloc(sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_eim_acknowledgements(acks, len, decoded);
    if (err == AW_OK)
        err = ipa_es10b_eim_acknowledgements(poller->config.session, decoded);
    if (err == AW_OK)
        report->acknowledged += decoded->count;
    free(decoded);
    return err;
}

/* Deliver one ProvideEimPackageResult (DER) and act on the answer. journaled:
 * the message is the poller's DELIVERING state, which then becomes
 * ACKNOWLEDGING (with the acknowledgements) or IDLE. Not journaled (a
 * recovered result, still held by the eUICC): acknowledgements go to the
 * eUICC at once. A provideEimPackageResultError is the eIM's final word on
 * that result: it is counted, not retried. */
static aw_err deliver(ipa_poller *poller, const uint8_t *message, size_t len, bool journaled,
                      ipa_poll_report *report)
{
    sgp32_esipa_message_from_eim_to_ipa *answer = malloc(sizeof(*answer));
    if (answer == NULL)
        return AW_ERR_NOMEM;
    aw_err err = ipa_esipa_exchange_der(poller->config.esipa, message, len,
                                        SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, answer);
    uint8_t *acks = NULL;
    size_t acks_len = 0;
    if (err == AW_OK) {
        const sgp32_provide_eim_package_result_response *r =
            &answer->provide_eim_package_result_response;
        report->delivered++;
        if (r->kind == SGP32_PROVIDE_RESULT_RESPONSE_ERROR) {
            report->refused++;
            report->provide_error = r->error;
        } else if (r->kind == SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS &&
                   r->eim_acknowledgements.count > 0) {
            err = sgp32_encode_eim_acknowledgements(&r->eim_acknowledgements, &acks, &acks_len);
        }
    }
    free(answer);
    if (err == AW_OK && journaled) {
        err = poll_set_state(poller,
                             acks != NULL ? IPA_JOURNAL_ACKNOWLEDGING : IPA_JOURNAL_IDLE, NULL, 0,
                             acks, acks_len);
        if (err == AW_OK)
            poll_checkpoint(poller, IPA_POLL_CHECKPOINT_DELIVERED);
        if (err == AW_OK && acks != NULL)
            err = pass_acknowledgements(poller, acks, acks_len, report);
        if (err == AW_OK && acks != NULL)
            err = poll_set_state(poller, IPA_JOURNAL_IDLE, NULL, 0, NULL, 0);
    } else if (err == AW_OK && acks != NULL) {
        err = pass_acknowledgements(poller, acks, acks_len, report);
    }
    free(acks);
    return err;
}

/* A ProvideEimPackageResult of result (kind and union member set by the
 * caller) for this eUICC, encoded. */
static aw_err encode_result(const ipa_poller *poller, sgp32_esipa_message_from_ipa_to_eim *m,
                            uint8_t **out, size_t *out_len)
{
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.has_eid_value = true;
    m->provide_eim_package_result.eid_value = (aw_slice){poller->eid, sizeof(poller->eid)};
    return sgp32_encode_esipa_message_from_ipa_to_eim(m, out, out_len);
}

/* An EuiccPackageResult TLV as a ProvideEimPackageResult. */
static aw_err encode_package_result(const ipa_poller *poller, const uint8_t *result, size_t len,
                                    uint8_t **out, size_t *out_len)
{
    *out = NULL;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
    r->kind = SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT;
    aw_err err = sgp32_decode_euicc_package_result(result, len, &r->euicc_package_result);
    if (err == AW_OK)
        err = encode_result(poller, m, out, out_len);
    free(m);
    return err;
}

/* Recovery (journal LOADING): a package reached the eUICC but its result
 * never reached the journal. Every result the eUICC still holds is fetched
 * (IpaEuiccDataRequest, tagList euiccPackageResultList) and delivered; the
 * journal stays LOADING until all are, so a crash here repeats the fetch
 * (a result delivered twice is refused by the eIM, recorded once). */
static aw_err recover(ipa_poller *poller, ipa_poll_report *report)
{
    static const uint8_t tags[] = {0xA2}; /* euiccPackageResultList */
    sgp32_ipa_euicc_data_request request = {.tag_list = {tags, sizeof(tags)}};
    sgp32_ipa_euicc_data_response *response = malloc(sizeof(*response));
    uint8_t *list = NULL;
    size_t list_len = 0;
    if (response == NULL)
        return AW_ERR_NOMEM;
    aw_err err = ipa_es10b_ipa_euicc_data_request(poller->config.session, &request, response);
    if (err == AW_OK && response->kind != SGP32_IPA_EUICC_DATA_RESPONSE_DATA)
        err = AW_ERR_IPA_PROTOCOL; /* the eUICC refused a tagList it must serve */
    if (err == AW_OK && response->ipa_euicc_data.has_euicc_package_result_list) {
        /* copied: the session's buffer is reused by the acknowledgements */
        aw_slice l = response->ipa_euicc_data.euicc_package_result_list;
        list = malloc(l.len);
        if (list == NULL)
            err = AW_ERR_NOMEM;
        else
            memcpy(list, l.ptr, l.len);
        list_len = l.len;
    }
    free(response);
    if (err == AW_OK && list != NULL) {
        sgp32_list_iterator it;
        aw_slice element;
        err = sgp32_list_iterator_init(&it, (aw_slice){list, list_len});
        while (err == AW_OK && (err = sgp32_list_next(&it, &element)) == AW_OK) {
            uint8_t *message = NULL;
            size_t len = 0;
            err = encode_package_result(poller, element.ptr, element.len, &message, &len);
            if (err == AW_OK)
                err = deliver(poller, message, len, false, report);
            if (err == AW_OK)
                report->recovered++;
            free(message);
        }
        if (err == AW_ERR_NOT_FOUND)
            err = AW_OK;
    }
    free(list);
    if (err == AW_OK)
        err = poll_set_state(poller, IPA_JOURNAL_IDLE, NULL, 0, NULL, 0);
    return err;
}

aw_err poll_finish_in_flight(ipa_poller *poller, ipa_poll_report *report)
{
    aw_err err = AW_OK;
    switch (poller->state) {
    case IPA_JOURNAL_IDLE:
        break;
    case IPA_JOURNAL_DELIVERING:
        err = deliver(poller, poller->message, poller->message_len, true, report);
        if (err == AW_OK)
            report->recovered++;
        break;
    case IPA_JOURNAL_ACKNOWLEDGING:
        err = pass_acknowledgements(poller, poller->acknowledgements,
                                    poller->acknowledgements_len, report);
        if (err == AW_OK)
            err = poll_set_state(poller, IPA_JOURNAL_IDLE, NULL, 0, NULL, 0);
        break;
    case IPA_JOURNAL_LOADING:
        err = recover(poller, report);
        break;
    }
    return err;
}

aw_err poll_save_and_deliver(ipa_poller *poller, const uint8_t *message, size_t len,
                             ipa_poll_report *report)
{
    aw_err err = poll_set_state(poller, IPA_JOURNAL_DELIVERING, message, len, NULL, 0);
    if (err != AW_OK)
        return err;
    poll_checkpoint(poller, IPA_POLL_CHECKPOINT_RESULT_SAVED);
    return deliver(poller, poller->message, poller->message_len, true, report);
}

/* SGP.32 3.4: ES10b.LoadEuiccPackage. The journal says LOADING before the
 * package reaches the eUICC, so a crash before the result is saved leads
 * to recovery. */
aw_err poll_run_euicc_package(ipa_poller *poller, const uint8_t *package, size_t len,
                              uint8_t **message, size_t *message_len)
{
    *message = NULL;
    *message_len = 0;
    aw_err err = poll_set_state(poller, IPA_JOURNAL_LOADING, NULL, 0, NULL, 0);
    sgp32_euicc_package_result *result = malloc(sizeof(*result));
    if (result == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = ipa_es10b_load_euicc_package(poller->config.session, package, len, result);
    if (err == AW_OK) {
        poll_checkpoint(poller, IPA_POLL_CHECKPOINT_LOADED);
        err = encode_package_result(poller, result->raw.ptr, result->raw.len, message,
                                    message_len);
    }
    free(result);
    return err;
}

/* Whether tagList (one- or two-octet tags, X.690 8.1.2) names tag. */
static bool tag_list_has(aw_slice list, uint8_t tag)
{
    for (size_t i = 0; i < list.len; i++) {
        if (list.ptr[i] == tag)
            return true;
        if ((list.ptr[i] & 0x1Fu) == 0x1Fu)
            i++; /* skip the second octet of a two-octet tag */
    }
    return false;
}

/* SGP.32 3.5 / 2.11.2: the eUICC answers; the IPA adds its own item
 * ipaCapabilities (A8) when asked. */
aw_err poll_run_euicc_data(ipa_poller *poller, const sgp32_ipa_euicc_data_request *request,
                           uint8_t **message, size_t *message_len)
{
    *message = NULL;
    *message_len = 0;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
    r->kind = SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE;
    uint8_t storage[8];
    aw_err err = ipa_es10b_ipa_euicc_data_request(poller->config.session, request,
                                                  &r->ipa_euicc_data_response);
    if (err == AW_OK && r->ipa_euicc_data_response.kind == SGP32_IPA_EUICC_DATA_RESPONSE_DATA &&
        tag_list_has(request->tag_list, 0xA8)) {
        sgp32_ipa_euicc_data *data = &r->ipa_euicc_data_response.ipa_euicc_data;
        data->raw = (aw_slice){NULL, 0}; /* re-encoded with the IPA's item */
        r->ipa_euicc_data_response.raw = (aw_slice){NULL, 0};
        data->has_ipa_capabilities = true;
        put_capabilities(poller, storage, &data->ipa_capabilities);
    }
    if (err == AW_OK)
        err = encode_result(poller, m, message, message_len);
    free(m);
    return err;
}

/* SGP.32 3.2: the download hook, or profileDownloadError undefinedError. */
aw_err poll_run_download_trigger(ipa_poller *poller,
                                 const sgp32_profile_download_trigger_request *trigger,
                                 uint8_t **message, size_t *message_len)
{
    *message = NULL;
    *message_len = 0;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
    r->kind = SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
    sgp32_profile_download_trigger_result *t = &r->profile_download_trigger_result;
    uint8_t *hook_result = NULL;
    size_t hook_len = 0;
    aw_err err = AW_ERR_STATE;
    if (poller->config.download.run != NULL)
        err = poller->config.download.run(poller->config.download.userdata,
                                          poller->config.session, trigger, &hook_result,
                                          &hook_len);
    if (err == AW_OK)
        err = sgp32_decode_profile_download_trigger_result(hook_result, hook_len, t);
    if (err != AW_OK) {
        /* no hook, or it failed: the eIM must still learn the outcome */
        memset(t, 0, sizeof(*t));
        t->has_eim_transaction_id = trigger->has_eim_transaction_id;
        t->eim_transaction_id = trigger->eim_transaction_id;
        t->result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
        t->result_data.profile_download_error.profile_download_error_reason =
            SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR;
    }
    err = encode_result(poller, m, message, message_len);
    free(m);
    free(hook_result);
    return err;
}

aw_err poll_handle_package(ipa_poller *poller, const sgp32_get_eim_package_response *package,
                           ipa_poll_report *report)
{
    /* the answer lives in the ESipa client's buffer, which the next
     * exchange replaces: work on a copy */
    aw_slice raw = package->kind == SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST
                       ? package->euicc_package_request.raw
                   : package->kind == SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST
                       ? package->ipa_euicc_data_request.raw
                       : package->profile_download_trigger_request.raw;
    uint8_t *copy = malloc(raw.len > 0 ? raw.len : 1);
    if (copy == NULL)
        return AW_ERR_NOMEM;
    memcpy(copy, raw.ptr, raw.len);
    uint8_t *message = NULL;
    size_t message_len = 0;
    aw_err err;
    if (package->kind == SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST) {
        report->event = IPA_POLL_EUICC_PACKAGE;
        err = poll_run_euicc_package(poller, copy, raw.len, &message, &message_len);
    } else if (package->kind == SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST) {
        sgp32_ipa_euicc_data_request request;
        err = sgp32_decode_ipa_euicc_data_request(copy, raw.len, &request);
        if (err == AW_OK) {
            report->event = IPA_POLL_EUICC_DATA;
            err = poll_run_euicc_data(poller, &request, &message, &message_len);
        }
    } else {
        sgp32_profile_download_trigger_request trigger;
        err = sgp32_decode_profile_download_trigger_request(copy, raw.len, &trigger);
        if (err == AW_OK) {
            report->event = IPA_POLL_DOWNLOAD_TRIGGER;
            err = poll_run_download_trigger(poller, &trigger, &message, &message_len);
        }
    }
    if (err == AW_OK)
        err = poll_save_and_deliver(poller, message, message_len, report);
    free(message);
    free(copy);
    return err;
}
