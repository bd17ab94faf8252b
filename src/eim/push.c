/* airwrite eIM: eIM Package injection, the eIM's side (SGP.32 3.1.1.2 "eIM
 * Package Injection", 6.3.2.8 ESipa.TransferEimPackage: the eIM is the
 * client and POSTs the TransferEimPackageRequest to the IPA; 6.1 HTTPS,
 * 6.3 ASN.1 binding on /gsma/rsp2/asn1).
 *
 * The next queued package of the eUICC (eim_package_next, the one GetEimPackage
 * would hand out) goes to the IPA as the request's alternative of the same
 * tag. What the IPA answers takes the path of ESipa.ProvideEimPackageResult
 * (6.3.2.7), unchanged: euiccPackageResult, ePRAndNotifications and
 * ipaEuiccDataResponse are also EimPackageResult alternatives, tag for tag,
 * and eimPackageError becomes the eimPackageResultResponseError naming the
 * package's eimTransactionId; the ProvideEimPackageResult so formed is
 * served by eim_esipa_handle (or eim_relay_serve, which also forwards the
 * notifications), so a pushed result is verified and recorded exactly as a
 * polled one. eimPackageReceived: the IPA runs the package (a download
 * trigger) and reports by ProvideEimPackageResult to this eIM's ESipa
 * server. The EimAcknowledgements of what was recorded go back to the IPA
 * as a TransferEimPackageRequest of their own, so the eUICC forgets those
 * results (6.3.2.7, ES10b EimAcknowledgements). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"
#include "eim/eim_internal.h"

#define EIM_PUSH_URL_MAX 512u
#define EIM_PUSH_RESPONSE_MAX (1024u * 1024u) /* a result with a profile list fits */

struct eim_pusher {
    http_client *client;
};

aw_err eim_pusher_new(const eim_push_config *config, eim_pusher **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    /* SGP.32 3.1.2: the IPA authenticates the eIM, so the eIM presents its
     * TLS certificate (the IPA's listener requires one) */
    if (config == NULL || config->ca_file == NULL || config->certificate_file == NULL ||
        config->key_file == NULL)
        return AW_ERR_ARGUMENT;
    eim_pusher *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    http_client_config http = {
        .ca_file = config->ca_file,
        .certificate_file = config->certificate_file,
        .key_file = config->key_file,
        .timeout_ms = config->timeout_ms,
        .max_response_size = EIM_PUSH_RESPONSE_MAX,
        .tls12_only = config->tls12_only,
    };
    aw_err err = http_client_new(&http, &p->client);
    if (err != AW_OK) {
        eim_pusher_free(p);
        return err;
    }
    *out = p;
    return AW_OK;
}

void eim_pusher_free(eim_pusher *pusher)
{
    if (pusher == NULL)
        return;
    http_client_free(pusher->client);
    free(pusher);
}

/* POST one TransferEimPackageRequest; *response is the IPA's answer body,
 * checked against the binding (6.1: 200, application/x-gsma-rsp-asn1). */
static aw_err transfer(eim_pusher *pusher, const char *url, const uint8_t *request, size_t len,
                       http_client_response **response)
{
    char endpoint[EIM_PUSH_URL_MAX];
    int n = snprintf(endpoint, sizeof(endpoint), "%s%s", url, EIM_ESIPA_PATH);
    if (n < 0 || (size_t)n >= sizeof(endpoint))
        return AW_ERR_ARGUMENT;
    static const char *const names[] = {"Content-Type"};
    const http_header headers[] = {
        {"Content-Type", EIM_ESIPA_CONTENT_TYPE},
        {"X-Admin-Protocol", EIM_ESIPA_ADMIN_PROTOCOL},
    };
    http_client_request r = {
        .method = AW_HTTP_METHOD_POST,
        .url = endpoint,
        .headers = headers,
        .header_count = sizeof(headers) / sizeof(headers[0]),
        .body = request,
        .body_len = len,
        .response_header_names = names,
        .response_header_count = 1,
    };
    aw_err err = http_client_send(pusher->client, &r, response);
    if (err != AW_OK)
        return err;
    const char *type = (*response)->header_values[0];
    size_t type_len = strlen(EIM_ESIPA_CONTENT_TYPE);
    if ((*response)->status != 200 || type == NULL ||
        strncmp(type, EIM_ESIPA_CONTENT_TYPE, type_len) != 0 ||
        (type[type_len] != '\0' && type[type_len] != ';')) {
        http_client_response_free(*response);
        *response = NULL;
        return AW_ERR_EIM_PUSH_RESPONSE;
    }
    return AW_OK;
}

/* The eimTransactionId of a queued package (EuiccPackageRequest,
 * IpaEuiccDataRequest or ProfileDownloadTriggerRequest TLV as stored):
 * eimPackageError names no package, the transaction id the eIM gave it
 * does. Empty when it has none. */
static aw_err package_transaction_id(const uint8_t *package, size_t len, uint8_t *out,
                                     size_t *out_len)
{
    *out_len = 0;
    sgp32_transfer_eim_package_request *r = malloc(sizeof(*r));
    if (r == NULL)
        return AW_ERR_NOMEM;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_TRANSFER_EIM_PACKAGE);
    der_put_raw(&b, package, len);
    der_builder_end(&b);
    uint8_t *wrapped = NULL;
    size_t wrapped_len = 0;
    aw_err err = der_builder_finish(&b, &wrapped, &wrapped_len);
    if (err == AW_OK)
        err = sgp32_decode_transfer_eim_package_request(wrapped, wrapped_len, r);
    if (err == AW_OK) {
        bool has = false;
        aw_slice id = {NULL, 0};
        if (r->kind == SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST) {
            has = r->euicc_package_request.euicc_package_signed.has_eim_transaction_id;
            id = r->euicc_package_request.euicc_package_signed.eim_transaction_id;
        } else if (r->kind == SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST) {
            has = r->ipa_euicc_data_request.has_eim_transaction_id;
            id = r->ipa_euicc_data_request.eim_transaction_id;
        } else if (r->kind == SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER) {
            has = r->profile_download_trigger_request.has_eim_transaction_id;
            id = r->profile_download_trigger_request.eim_transaction_id;
        }
        if (has && id.len <= EIM_TRANSACTION_ID_SIZE) {
            memcpy(out, id.ptr, id.len);
            *out_len = id.len;
        }
    }
    free(wrapped);
    free(r);
    return err;
}

/* The ProvideEimPackageResult (BF50) that says what response says, for eid. */
static aw_err as_provide_result(const sgp32_transfer_eim_package_response *response,
                                const uint8_t eid[SGP32_EID_LENGTH], aw_slice transaction_id,
                                uint8_t **out, size_t *out_len)
{
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    sgp32_provide_eim_package_result *p = &m->provide_eim_package_result;
    p->has_eid_value = true;
    p->eid_value = (aw_slice){eid, SGP32_EID_LENGTH};
    sgp32_eim_package_result *r = &p->eim_package_result;
    switch (response->kind) {
    case SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT:
        r->kind = SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT;
        r->euicc_package_result = response->euicc_package_result;
        break;
    case SGP32_TRANSFER_RESPONSE_EPR_AND_NOTIFICATIONS:
        r->kind = SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS;
        r->epr_and_notifications = response->epr_and_notifications;
        break;
    case SGP32_TRANSFER_RESPONSE_IPA_EUICC_DATA_RESPONSE:
        r->kind = SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE;
        r->ipa_euicc_data_response = response->ipa_euicc_data_response;
        break;
    default: /* eimPackageError, with or without a correlation id */
        r->kind = SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR;
        r->response_error.eim_package_result_error_code =
            response->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR
                ? response->eim_package_error
                : response->error_with_cid.eim_package_error;
        r->response_error.has_eim_transaction_id = transaction_id.len > 0;
        r->response_error.eim_transaction_id = transaction_id;
        break;
    }
    aw_err err = sgp32_encode_esipa_message_from_ipa_to_eim(m, out, out_len);
    free(m);
    return err;
}

/* EimAcknowledgements of a ProvideEimPackageResultResponse as the
 * TransferEimPackageRequest that carries them to the IPA (NULL: none). */
static aw_err acknowledgements_request(const uint8_t *answer, size_t len, uint8_t **out,
                                       size_t *out_len, size_t *count)
{
    sgp32_esipa_message_from_eim_to_ipa *m = malloc(sizeof(*m));
    sgp32_transfer_eim_package_request *t = calloc(1, sizeof(*t));
    aw_err err = m == NULL || t == NULL ? AW_ERR_NOMEM : AW_OK;
    if (err == AW_OK)
        err = sgp32_decode_esipa_message_from_eim_to_ipa(answer, len, m);
    if (err == AW_OK && m->kind == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE &&
        m->provide_eim_package_result_response.kind ==
            SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS &&
        m->provide_eim_package_result_response.eim_acknowledgements.count > 0) {
        t->kind = SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS;
        t->eim_acknowledgements = m->provide_eim_package_result_response.eim_acknowledgements;
        *count = t->eim_acknowledgements.count;
        err = sgp32_encode_transfer_eim_package_request(t, out, out_len);
    }
    free(t);
    free(m);
    return err;
}

aw_err eim_push_record(const eim_context *context, eim_relay *relay, const char *eid,
                       const uint8_t *package, size_t package_len, const uint8_t *response,
                       size_t response_len, int64_t now_ms, eim_push_info *info,
                       uint8_t **acknowledgements, size_t *acknowledgements_len)
{
    if (acknowledgements != NULL)
        *acknowledgements = NULL;
    if (acknowledgements_len != NULL)
        *acknowledgements_len = 0;
    if (context == NULL || eid == NULL || package == NULL || response == NULL || info == NULL ||
        acknowledgements == NULL || acknowledgements_len == NULL)
        return AW_ERR_ARGUMENT;
    int64_t package_id = info->package_id; /* the caller's, kept */
    memset(info, 0, sizeof(*info));
    info->package_id = package_id;
    uint8_t eid_octets[SGP32_EID_LENGTH];
    aw_err err = eim_eid_to_octets(eid, eid_octets);
    if (err != AW_OK)
        return err;
    sgp32_transfer_eim_package_response *r = malloc(sizeof(*r));
    if (r == NULL)
        return AW_ERR_NOMEM;
    uint8_t transaction_id[EIM_TRANSACTION_ID_SIZE];
    size_t transaction_id_len = 0;
    uint8_t *message = NULL, *answer = NULL;
    size_t message_len = 0, answer_len = 0;
    if (sgp32_decode_transfer_eim_package_response(response, response_len, r) != AW_OK) {
        err = AW_ERR_EIM_PUSH_RESPONSE;
        goto done;
    }
    info->answer = r->kind;
    if (r->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED ||
        r->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED_WITH_CID) {
        info->pending = true; /* the result comes by ProvideEimPackageResult */
        goto done;
    }
    if (r->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR ||
        r->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR_WITH_CID) {
        info->eim_package_error = r->kind == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR
                                      ? r->eim_package_error
                                      : r->error_with_cid.eim_package_error;
        err = package_transaction_id(package, package_len, transaction_id, &transaction_id_len);
    }
    if (err == AW_OK)
        err = as_provide_result(r, eid_octets, (aw_slice){transaction_id, transaction_id_len},
                                &message, &message_len);
    if (err == AW_OK)
        err = relay != NULL ? eim_relay_serve(relay, context, message, message_len, now_ms,
                                              &answer, &answer_len, &info->verdict)
                            : eim_esipa_handle(context, message, message_len, now_ms, &answer,
                                               &answer_len, &info->verdict);
    if (err == AW_OK)
        err = acknowledgements_request(answer, answer_len, acknowledgements,
                                       acknowledgements_len, &info->acknowledged);
done:
    free(answer);
    free(message);
    free(r);
    return err;
}

aw_err eim_package_push(eim_pusher *pusher, const eim_context *context, eim_relay *relay,
                        const char *eid, const char *url, int64_t now_ms, eim_push_info *info)
{
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    if (pusher == NULL || context == NULL || context->db == NULL || context->trust == NULL ||
        eid == NULL || url == NULL || info == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t *package = NULL, *request = NULL, *acks = NULL;
    size_t package_len = 0, request_len = 0, acks_len = 0;
    http_client_response *response = NULL;
    /* the package GetEimPackage would hand out, marked sent: one whose
     * answer was lost goes again (its counterValue protects the eUICC) */
    aw_err err = eim_package_next(context->db, eid, now_ms, &package, &package_len,
                                  &info->package_id);
    if (err == AW_OK) {
        /* TransferEimPackageRequest: the stored alternative in [78] */
        der_builder b;
        der_builder_init(&b);
        der_builder_begin(&b, SGP32_TAG_TRANSFER_EIM_PACKAGE);
        der_put_raw(&b, package, package_len);
        der_builder_end(&b);
        err = der_builder_finish(&b, &request, &request_len);
    }
    if (err == AW_OK)
        err = transfer(pusher, url, request, request_len, &response);
    if (err == AW_OK)
        err = eim_push_record(context, relay, eid, package, package_len, response->body,
                              response->body_len, now_ms, info, &acks, &acks_len);
    if (err == AW_OK && acks != NULL) {
        /* recorded already: a failure here leaves the results on the eUICC
         * until the next acknowledgements, nothing more */
        http_client_response *ack_response = NULL;
        info->acknowledgement_error = transfer(pusher, url, acks, acks_len, &ack_response);
        if (info->acknowledgement_error == AW_OK) {
            sgp32_transfer_eim_package_response *a = malloc(sizeof(*a));
            if (a == NULL)
                info->acknowledgement_error = AW_ERR_NOMEM;
            else if (sgp32_decode_transfer_eim_package_response(ack_response->body,
                                                                ack_response->body_len,
                                                                a) != AW_OK ||
                     (a->kind != SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED &&
                      a->kind != SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED_WITH_CID))
                info->acknowledgement_error = AW_ERR_EIM_PUSH_RESPONSE;
            free(a);
        }
        http_client_response_free(ack_response);
    }
    http_client_response_free(response);
    free(acks);
    free(request);
    free(package);
    return err;
}

const char *eim_pusher_last_error(const eim_pusher *pusher)
{
    return pusher != NULL ? http_client_last_error(pusher->client) : "";
}
