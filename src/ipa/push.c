/* airwrite IPA: ESipa.TransferEimPackage on the IPA's side (SGP.32 3.1.1.2
 * eIM Package Injection, 6.3.2.8): the eIM's TransferEimPackageRequest run
 * by the poll loop's steps (poll_package.c) and answered with a
 * TransferEimPackageResponse. See push.h. */
#include "ipa/poll_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"

void ipa_push_outcome_clear(ipa_push_outcome *outcome)
{
    if (outcome == NULL)
        return;
    free(outcome->trigger);
    memset(outcome, 0, sizeof(*outcome));
}

/* Encode one TransferEimPackageResponse. */
static aw_err encode_answer(const sgp32_transfer_eim_package_response *response,
                            ipa_push_outcome *outcome, uint8_t **out, size_t *out_len)
{
    outcome->answer = response->kind;
    return sgp32_encode_transfer_eim_package_response(response, out, out_len);
}

/* eimPackageError (6.3.2.8: invalidPackageFormat, unknownPackage,
 * undefinedError); cause says why, for the caller's log. */
static aw_err answer_error(int64_t code, aw_err cause, ipa_push_outcome *outcome, uint8_t **out,
                           size_t *out_len)
{
    sgp32_transfer_eim_package_response response;
    memset(&response, 0, sizeof(response));
    response.kind = SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR;
    response.eim_package_error = code;
    outcome->eim_package_error = code;
    outcome->cause = cause;
    return encode_answer(&response, outcome, out, out_len);
}

static aw_err answer_received(ipa_push_outcome *outcome, uint8_t **out, size_t *out_len)
{
    sgp32_transfer_eim_package_response response;
    memset(&response, 0, sizeof(response));
    response.kind = SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED;
    return encode_answer(&response, outcome, out, out_len);
}

/* A failure of the IPA itself, as opposed to the card's or the peer's: no
 * answer can honestly be given. */
static bool internal_failure(aw_err err)
{
    return err == AW_ERR_NOMEM;
}

/* The result the poll loop would deliver (a ProvideEimPackageResult, BF50)
 * answered inline instead: its EimPackageResult alternatives euiccPackageResult
 * and ipaEuiccDataResponse are also TransferEimPackageResponse's, tag for
 * tag, and go back byte for byte (the eUICC's signature covers them). */
static aw_err answer_result(const uint8_t *message, size_t len, ipa_push_outcome *outcome,
                            uint8_t **out, size_t *out_len)
{
    sgp32_esipa_message_from_ipa_to_eim *m = malloc(sizeof(*m));
    sgp32_transfer_eim_package_response *response = calloc(1, sizeof(*response));
    aw_err err = m == NULL || response == NULL ? AW_ERR_NOMEM : AW_OK;
    if (err == AW_OK)
        err = sgp32_decode_esipa_message_from_ipa_to_eim(message, len, m);
    if (err == AW_OK) {
        const sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
        if (m->kind != SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT) {
            err = AW_ERR_STATE;
        } else if (r->kind == SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT) {
            response->kind = SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT;
            response->euicc_package_result = r->euicc_package_result;
        } else if (r->kind == SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE) {
            response->kind = SGP32_TRANSFER_RESPONSE_IPA_EUICC_DATA_RESPONSE;
            response->ipa_euicc_data_response = r->ipa_euicc_data_response;
        } else {
            err = AW_ERR_STATE; /* poll_run_* make no other result here */
        }
    }
    if (err == AW_OK)
        err = encode_answer(response, outcome, out, out_len);
    free(response);
    free(m);
    return err;
}

/* unknownPackage(2): one well-formed BF4E holding one TLV whose tag is none
 * of the request's alternatives (a later version's package). */
static bool unknown_alternative(const uint8_t *request, size_t len)
{
    der_node outer, inner;
    der_reader r, child;
    der_reader_init(&r, request, len);
    if (der_read_expect(&r, SGP32_TAG_TRANSFER_EIM_PACKAGE, &outer) != AW_OK ||
        der_reader_finish(&r) != AW_OK || der_reader_enter(&r, &outer, &child) != AW_OK ||
        der_read_node(&child, &inner) != AW_OK || der_reader_finish(&child) != AW_OK)
        return false;
    return inner.tag != SGP32_TAG_EUICC_PACKAGE && inner.tag != SGP32_TAG_IPA_EUICC_DATA &&
           inner.tag != SGP32_TAG_EIM_ACKNOWLEDGEMENTS &&
           inner.tag != SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER;
}

/* Run the package of r (decoded from a copy the caller owns). */
static aw_err run_request(ipa_poller *poller, const sgp32_transfer_eim_package_request *r,
                          ipa_push_outcome *outcome, uint8_t **out, size_t *out_len)
{
    uint8_t *message = NULL;
    size_t message_len = 0;
    aw_err err;
    switch (r->kind) {
    case SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST:
        /* SGP.32 3.4 through ES10b.LoadEuiccPackage; the journal leaves
         * LOADING once the answer holds the result: the eUICC keeps it until
         * the eIM acknowledges it (2.11.1.2), so an answer lost on the way
         * is recovered with an IpaEuiccDataRequest, never lost */
        err = poll_run_euicc_package(poller, r->euicc_package_request.raw.ptr,
                                     r->euicc_package_request.raw.len, &message, &message_len);
        if (err == AW_OK)
            err = answer_result(message, message_len, outcome, out, out_len);
        if (err == AW_OK) {
            /* the answer holds the eUICC's result whatever the file says:
             * a journal write failure is logged, not answered as a failure */
            aw_err journal = poll_set_state(poller, IPA_JOURNAL_IDLE, NULL, 0, NULL, 0);
            if (journal != AW_OK)
                outcome->cause = journal;
        }
        break;
    case SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST:
        err = poll_run_euicc_data(poller, &r->ipa_euicc_data_request, &message, &message_len);
        if (err == AW_OK)
            err = answer_result(message, message_len, outcome, out, out_len);
        break;
    case SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS:
        /* 6.3.2.7 acknowledgements pushed: the eUICC forgets those results */
        err = ipa_es10b_eim_acknowledgements(poller->config.session, &r->eim_acknowledgements);
        if (err == AW_OK) {
            outcome->acknowledged = r->eim_acknowledgements.count;
            err = answer_received(outcome, out, out_len);
        }
        break;
    case SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER:
        /* 3.2: received now, the result later by ProvideEimPackageResult */
        outcome->trigger = malloc(r->profile_download_trigger_request.raw.len);
        if (outcome->trigger == NULL)
            return AW_ERR_NOMEM;
        memcpy(outcome->trigger, r->profile_download_trigger_request.raw.ptr,
               r->profile_download_trigger_request.raw.len);
        outcome->trigger_len = r->profile_download_trigger_request.raw.len;
        err = answer_received(outcome, out, out_len);
        break;
    default:
        err = AW_ERR_STATE; /* the decoder yields only the four alternatives */
        break;
    }
    free(message);
    return err;
}

aw_err ipa_push_handle(ipa_poller *poller, const uint8_t *request, size_t len, uint8_t **answer,
                       size_t *answer_len, ipa_push_outcome *outcome)
{
    if (answer != NULL)
        *answer = NULL;
    if (answer_len != NULL)
        *answer_len = 0;
    if (outcome != NULL)
        memset(outcome, 0, sizeof(*outcome));
    if (poller == NULL || (request == NULL && len > 0) || answer == NULL || answer_len == NULL ||
        outcome == NULL)
        return AW_ERR_ARGUMENT;
    if (len > IPA_PUSH_BODY_MAX)
        return answer_error(SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT, AW_ERR_LIMIT, outcome,
                            answer, answer_len);
    /* a copy: the decoded package points into it while the card works */
    uint8_t *copy = malloc(len > 0 ? len : 1);
    sgp32_transfer_eim_package_request *r = malloc(sizeof(*r));
    aw_err err = copy == NULL || r == NULL ? AW_ERR_NOMEM : AW_OK;
    if (err == AW_OK) {
        if (len > 0)
            memcpy(copy, request, len);
        aw_err decoded = sgp32_decode_transfer_eim_package_request(copy, len, r);
        if (decoded == AW_ERR_NOMEM) {
            err = decoded;
        } else if (decoded != AW_OK) {
            err = answer_error(unknown_alternative(copy, len)
                                   ? SGP32_EIM_PACKAGE_RESULT_UNKNOWN_PACKAGE
                                   : SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT,
                               decoded, outcome, answer, answer_len);
            goto done;
        }
    }
    if (err != AW_OK)
        goto done;
    outcome->package = r->kind;
    if (poller->state != IPA_JOURNAL_IDLE) {
        /* what the journal holds goes first (its result to the eIM, its
         * acknowledgements to the eUICC, or its recovery): running another
         * package now would overwrite it */
        ipa_poll_report report;
        memset(&report, 0, sizeof(report));
        err = poll_finish_in_flight(poller, &report);
        outcome->recovered = report.recovered;
        if (err != AW_OK && !internal_failure(err)) {
            err = answer_error(SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR, err, outcome, answer,
                               answer_len);
            goto done;
        }
    }
    if (err == AW_OK)
        err = run_request(poller, r, outcome, answer, answer_len);
    if (err != AW_OK && !internal_failure(err)) {
        /* the card or the eIM (a trigger's predecessor) failed: the eIM
         * keeps the package as sent and may push it again */
        free(*answer);
        *answer = NULL;
        *answer_len = 0;
        free(outcome->trigger);
        outcome->trigger = NULL;
        outcome->trigger_len = 0;
        err = answer_error(SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR, err, outcome, answer,
                           answer_len);
    }
done:
    free(r);
    free(copy);
    if (err != AW_OK) {
        free(*answer);
        *answer = NULL;
        *answer_len = 0;
        ipa_push_outcome_clear(outcome);
    }
    return err;
}

aw_err ipa_push_run_trigger(ipa_poller *poller, const uint8_t *trigger, size_t len,
                            ipa_poll_report *report)
{
    if (report != NULL)
        memset(report, 0, sizeof(*report));
    if (poller == NULL || trigger == NULL || report == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_profile_download_trigger_request decoded;
    aw_err err = sgp32_decode_profile_download_trigger_request(trigger, len, &decoded);
    if (err != AW_OK)
        return err;
    report->event = IPA_POLL_DOWNLOAD_TRIGGER;
    uint8_t *message = NULL;
    size_t message_len = 0;
    err = poll_run_download_trigger(poller, &decoded, &message, &message_len);
    if (err == AW_OK)
        err = poll_save_and_deliver(poller, message, message_len, report);
    free(message);
    return err;
}
