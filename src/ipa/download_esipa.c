/* airwrite IPA: indirect Profile download (SGP.32 3.2.2): the download
 * procedure's server is the eIM over ESipa (SGP.32 5.14.1-5.14.5,
 * InitiateAuthenticationRequestEsipa 6.3.2.1, AuthenticateClientRequest-
 * Esipa 6.3.2.2, GetBoundProfilePackageRequestEsipa 6.3.2.3,
 * HandleNotificationEsipa 6.3.2.4, CancelSessionRequestEsipa 6.3.2.5) on
 * the ASN.1 binding (6.1) or, with config->esipa_binding, the JSON binding
 * (6.4.1, translated by the ESipa client), which the eIM relays to the
 * SM-DP+.
 *
 * Every message goes through one ESipa client (esipa.h), so one TLS
 * connection carries the whole download: ipa_esipa_exchange_der for the
 * functions with an answer, ipa_esipa_notify for HandleNotificationEsipa,
 * which the eIM answers 204 without a body. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_tags.h"
#include "ipa/download_internal.h"

typedef struct esipa_server {
    ipa_esipa *client;
    const sgp32_profile_download_trigger_request *trigger;
    sgp32_esipa_message_from_eim_to_ipa answer; /* decoded, points into the client's answer */
} esipa_server;

/* POST the message built in b and decode the answer of kind expected. */
static aw_err esipa_exchange(esipa_server *s, der_builder *b, sgp32_esipa_eim_to_ipa_kind expected)
{
    uint8_t *body = NULL;
    size_t len = 0;
    memset(&s->answer, 0, sizeof(s->answer));
    aw_err err = der_builder_finish(b, &body, &len);
    if (err == AW_OK)
        err = ipa_esipa_exchange_der(s->client, body, len, expected, &s->answer);
    free(body);
    return err;
}

/* An ESipa error alternative: the code and the answer kept. */
static aw_err esipa_refused(esipa_server *s, int64_t code, ipa_download_result *result)
{
    result->error_code = code;
    aw_err err = download_keep_error_response(result, s->answer.raw.ptr, s->answer.raw.len);
    return err != AW_OK ? err : AW_ERR_IPA_DOWNLOAD_REJECTED;
}

/* SGP.32 6.3.2.1 InitiateAuthenticationRequestEsipa: smdpAddress absent
 * for contactDefaultSmdp (the eIM fills it), the trigger's
 * eimTransactionId. */
static aw_err esipa_initiate(void *server, const uint8_t challenge[16], aw_slice euicc_info1,
                             const char *smdp_address, download_initiated *out,
                             ipa_download_result *result)
{
    esipa_server *s = server;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_INITIATE_AUTHENTICATION);
    der_put_tlv(&b, DER_CTX(1), challenge, 16);
    if (smdp_address != NULL)
        der_put_tlv(&b, DER_CTX(3), (const uint8_t *)smdp_address, strlen(smdp_address));
    der_put_raw(&b, euicc_info1.ptr, euicc_info1.len);
    if (s->trigger->has_eim_transaction_id)
        der_put_slice(&b, DER_CTX(2), s->trigger->eim_transaction_id);
    der_builder_end(&b);
    aw_err err = esipa_exchange(s, &b, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE);
    if (err != AW_OK)
        return err;
    const sgp32_initiate_authentication_response_esipa *r =
        &s->answer.initiate_authentication_response;
    if (r->kind != SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK)
        return esipa_refused(s, r->error, result);
    out->server_signed1 = r->ok.server_signed1;
    out->server_signature1 = r->ok.server_signature1;
    out->ci_pkid = r->ok.euicc_ci_pk_identifier_to_be_used;
    out->server_certificate = r->ok.server_certificate;
    out->has_matching_id = r->ok.has_matching_id;
    out->matching_id = r->ok.matching_id;
    out->has_ctx_params1 = r->ok.has_ctx_params1;
    out->ctx_params1 = r->ok.ctx_params1;
    return AW_OK;
}

/* SGP.32 6.3.2.2 AuthenticateClientRequestEsipa */
static aw_err esipa_authenticate_client(void *server, const download_initiated *session,
                                        aw_slice authenticate_server_response,
                                        download_authenticated *out, ipa_download_result *result)
{
    esipa_server *s = server;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_AUTHENTICATE_CLIENT);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_raw(&b, authenticate_server_response.ptr, authenticate_server_response.len);
    der_builder_end(&b);
    aw_err err = esipa_exchange(s, &b, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE);
    if (err != AW_OK)
        return err;
    const sgp32_authenticate_client_response_esipa *r = &s->answer.authenticate_client_response;
    /* authenticateClientOkDSEsipa (an SM-DS event) cannot answer a download */
    if (r->kind != SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP)
        return esipa_refused(s, r->kind == SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR ? r->error : 0,
                             result);
    memset(out, 0, sizeof(*out));
    out->smdp_signed2 = r->ok_dp.smdp_signed2;
    out->smdp_signature2 = r->ok_dp.smdp_signature2;
    out->smdp_certificate = r->ok_dp.smdp_certificate;
    out->has_hash_cc = r->ok_dp.has_hash_cc;
    out->hash_cc = r->ok_dp.hash_cc;
    return AW_OK;
}

/* SGP.32 6.3.2.3 GetBoundProfilePackageRequestEsipa */
static aw_err esipa_get_bound_profile_package(void *server, const download_initiated *session,
                                              aw_slice prepare_download_response, aw_slice *bpp,
                                              ipa_download_result *result)
{
    esipa_server *s = server;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_raw(&b, prepare_download_response.ptr, prepare_download_response.len);
    der_builder_end(&b);
    aw_err err = esipa_exchange(s, &b, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE);
    if (err != AW_OK)
        return err;
    const sgp32_get_bound_profile_package_response_esipa *r =
        &s->answer.get_bound_profile_package_response;
    if (r->kind != SGP32_GET_BPP_RESPONSE_OK)
        return esipa_refused(s, r->error, result);
    *bpp = r->ok.bound_profile_package;
    return AW_OK;
}

/* SGP.32 6.3.2.5 CancelSessionRequestEsipa: [1] IMPLICIT on the tagged
 * CHOICE, so A1 around the eUICC's BF41 content. */
static aw_err esipa_cancel_session(void *server, const download_initiated *session,
                                   aw_slice cancel_session_response)
{
    esipa_server *s = server;
    der_node node;
    aw_err err = der_decode_single(cancel_session_response.ptr, cancel_session_response.len,
                                   &node);
    if (err != AW_OK)
        return err;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_CANCEL_SESSION);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_slice(&b, DER_CTX_CONS(1), node.value);
    der_builder_end(&b);
    err = esipa_exchange(s, &b, SGP32_ESIPA_CANCEL_SESSION_RESPONSE);
    if (err == AW_OK && s->answer.cancel_session_response.kind != SGP32_CANCEL_SESSION_RESPONSE_OK)
        err = AW_ERR_IPA_DOWNLOAD_REJECTED;
    return err;
}

aw_err download_esipa_notify(ipa_esipa *client, aw_slice pending)
{
    /* SGP.32 6.3.2.4 HandleNotificationEsipa pendingNotification ([0]
     * EXPLICIT): the eIM answers 204 No Content (6.1) */
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_HANDLE_NOTIFICATION);
    der_builder_begin(&b, DER_CTX_CONS(0));
    der_put_raw(&b, pending.ptr, pending.len);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *body = NULL;
    size_t len = 0;
    aw_err err = der_builder_finish(&b, &body, &len);
    if (err == AW_OK)
        err = ipa_esipa_notify(client, body, len);
    free(body);
    return err;
}

static aw_err esipa_handle_notification(void *server, aw_slice pending_notification)
{
    esipa_server *s = server;
    return download_esipa_notify(s->client, pending_notification);
}

static const download_server_ops esipa_ops = {
    .initiate = esipa_initiate,
    .authenticate_client = esipa_authenticate_client,
    .get_bound_profile_package = esipa_get_bound_profile_package,
    .cancel_session = esipa_cancel_session,
    .handle_notification = esipa_handle_notification,
};

aw_err ipa_download_indirect(ipa *session, const ipa_download_config *config,
                             const sgp32_profile_download_trigger_request *trigger,
                             ipa_download_result *result)
{
    ipa_activation_code code;
    const ipa_activation_code *use = NULL;
    esipa_server s;
    memset(result, 0, sizeof(*result));
    memset(&s, 0, sizeof(s));
    if (session == NULL || config == NULL || trigger == NULL || config->eim_url == NULL ||
        config->eim_ca_file == NULL)
        return AW_ERR_ARGUMENT;
    /* ipa_esipa_new refuses an eim_url that is not "https://HOST[:PORT]" */
    ipa_esipa_config client = {
        .eim_url = config->eim_url,
        .ca_file = config->eim_ca_file,
        .connect_timeout_ms = config->connect_timeout_ms,
        .timeout_ms = config->timeout_ms,
        .tls12_only = config->tls12_only,
        .binding = config->esipa_binding,
        .minimize_esipa_bytes = config->minimize_esipa_bytes,
        .eim_sgp32_v1_0 = config->eim_sgp32_v1_0,
    };
    aw_err err = ipa_esipa_new(&client, &s.client);
    if (err != AW_OK)
        return err;
    if (trigger->has_profile_download_data) {
        const sgp32_profile_download_data *data = &trigger->profile_download_data;
        if (data->kind == SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE) {
            err = ipa_activation_code_parse((const char *)data->activation_code.ptr,
                                            data->activation_code.len, &code);
            use = &code;
        } else if (data->kind == SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS) {
            err = AW_ERR_NOT_FOUND; /* SM-DS event retrieval: not implemented */
        }
    }
    if (err != AW_OK) {
        result->stage = IPA_DOWNLOAD_STAGE_ADDRESS;
    } else {
        s.trigger = trigger;
        err = download_run(session, config, &esipa_ops, &s,
                           use != NULL ? use->smdp_address : NULL,
                           use != NULL ? use->matching_id : NULL,
                           use != NULL ? use->smdp_oid : NULL, result);
    }
    ipa_esipa_free(s.client);
    return err;
}
