/* airwrite IPA: the Profile download procedure (SGP.32 3.2 direct and
 * indirect Profile download; SGP.22 3.1.3 steps as the LPA performs them,
 * 3.0.1 and 3.1.3 error handling with ES10b.CancelSession), the
 * ProfileDownloadTriggerResult for the eIM (SGP.32 2.11.3) and the poll
 * loop's download hook. The server (ES9+ or ESipa) is behind
 * download_server_ops (download_internal.h). */
#include "ipa/download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/pki.h"
#include "core/sgp22_es9.h"
#include "core/sgp22_tags.h"
#include "ipa/download_internal.h"

void ipa_download_result_clear(ipa_download_result *result)
{
    if (result == NULL)
        return;
    free(result->error_response);
    free(result->installation_result);
    memset(result, 0, sizeof(*result));
}

aw_err download_keep_error_response(ipa_download_result *result, const uint8_t *bytes,
                                    size_t len)
{
    free(result->error_response);
    result->error_response = NULL;
    result->error_response_len = 0;
    if (len == 0)
        return AW_OK;
    result->error_response = malloc(len);
    if (result->error_response == NULL)
        return AW_ERR_NOMEM;
    memcpy(result->error_response, bytes, len);
    result->error_response_len = len;
    return AW_OK;
}

aw_err download_http_client(const ipa_download_config *config, const char *ca_file,
                            size_t max_response, http_client **out)
{
    http_client_config http = {
        .ca_file = ca_file,
        .connect_timeout_ms = config->connect_timeout_ms,
        .timeout_ms = config->timeout_ms,
        .max_response_size = max_response,
        .tls12_only = config->tls12_only,
    };
    return http_client_new(&http, out);
}

static aw_err copy_bytes(aw_slice from, uint8_t **to, size_t *len)
{
    *to = malloc(from.len != 0 ? from.len : 1);
    if (*to == NULL)
        return AW_ERR_NOMEM;
    memcpy(*to, from.ptr, from.len);
    *len = from.len;
    return AW_OK;
}

/* ctxParams1 (SGP.22 5.7.13 CtxParams1 ctxParamsForCommonAuthentication):
 * the eIM's own when it made one (SGP.32 eimCtxParams1Generation), else
 * the Matching ID (the eIM's, else the caller's) and the DeviceInfo
 * (SGP.22 4.2). */
static void put_ctx_params1(der_builder *b, const ipa_download_config *config,
                            const download_initiated *init, const char *matching_id)
{
    if (init->has_ctx_params1) {
        der_put_raw(b, init->ctx_params1.ptr, init->ctx_params1.len);
        return;
    }
    const ipa_device_info *device = &config->device_info;
    der_builder_begin(b, DER_CTX_CONS(0));
    if (init->has_matching_id)
        der_put_slice(b, DER_CTX(0), init->matching_id);
    else if (matching_id != NULL)
        der_put_tlv(b, DER_CTX(0), (const uint8_t *)matching_id, strlen(matching_id));
    der_builder_begin(b, DER_CTX_CONS(1));
    der_put_tlv(b, DER_CTX(0), device->tac, sizeof(device->tac));
    der_builder_begin(b, DER_CTX_CONS(1));
    der_put_raw(b, device->device_capabilities, device->device_capabilities_len);
    der_builder_end(b);
    if (device->has_imei)
        der_put_tlv(b, DER_CTX(2), device->imei, sizeof(device->imei));
    der_builder_end(b);
    der_builder_end(b);
}

/* ES10b.AuthenticateServer (SGP.22 5.7.13) with the server's
 * InitiateAuthentication answer; *response: a copy of the eUICC's
 * AuthenticateServerResponse (BF38). */
static aw_err authenticate_server(ipa *session, const ipa_download_config *config,
                                  const download_initiated *init, const char *matching_id,
                                  uint8_t **response, size_t *response_len, int64_t *error_code)
{
    der_builder b;
    uint8_t *command = NULL;
    size_t command_len = 0;
    sgp22_authenticate_server_request request;
    sgp22_authenticate_server_response answer;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_AUTHENTICATE_SERVER);
    der_put_raw(&b, init->server_signed1.ptr, init->server_signed1.len);
    der_put_slice(&b, SGP22_TAG_EUICC_SIGNATURE, init->server_signature1);
    der_put_slice(&b, DER_TAG_OCTET_STRING, init->ci_pkid);
    der_put_raw(&b, init->server_certificate.ptr, init->server_certificate.len);
    put_ctx_params1(&b, config, init, matching_id);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &command, &command_len);
    /* decoding what we built checks the server's parts and the configured
     * DeviceCapabilities are well-formed before the eUICC sees them */
    if (err == AW_OK)
        err = sgp22_decode_authenticate_server_request(command, command_len, &request);
    if (err == AW_OK)
        err = ipa_es10b_authenticate_server(session, &request, &answer);
    if (err == AW_OK)
        err = copy_bytes(answer.raw, response, response_len);
    if (err == AW_OK && answer.kind == SGP22_RESPONSE_ERROR)
        *error_code = answer.error.authenticate_error_code;
    free(command);
    return err;
}

/* hashCc = SHA-256(SHA-256(Confirmation Code) | transactionId), SGP.22
 * 5.7.5 and 3.1.3.1. */
static aw_err hash_confirmation_code(const char *code, const download_initiated *init,
                                     uint8_t hash_cc[CRYPTO_SHA256_SIZE])
{
    uint8_t buffer[CRYPTO_SHA256_SIZE + DOWNLOAD_TRANSACTION_ID_MAX];
    aw_err err = crypto_sha256((const uint8_t *)code, strlen(code), buffer);
    if (err == AW_OK) {
        memcpy(buffer + CRYPTO_SHA256_SIZE, init->transaction_id, init->transaction_id_len);
        err = crypto_sha256(buffer, CRYPTO_SHA256_SIZE + init->transaction_id_len, hash_cc);
    }
    OPENSSL_cleanse(buffer, sizeof(buffer)); /* the Confirmation Code's hash is a secret */
    return err;
}

/* ES10b.PrepareDownload (SGP.22 5.7.5); *response: a copy of the
 * PrepareDownloadResponse (BF21). */
static aw_err prepare_download(ipa *session, const download_authenticated *auth,
                               const uint8_t *hash_cc, uint8_t **response, size_t *response_len,
                               int64_t *error_code)
{
    der_builder b;
    uint8_t *command = NULL;
    size_t command_len = 0;
    sgp22_prepare_download_request request;
    sgp22_prepare_download_response answer;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_PREPARE_DOWNLOAD);
    der_put_raw(&b, auth->smdp_signed2.ptr, auth->smdp_signed2.len);
    der_put_slice(&b, SGP22_TAG_EUICC_SIGNATURE, auth->smdp_signature2);
    if (hash_cc != NULL)
        der_put_tlv(&b, DER_TAG_OCTET_STRING, hash_cc, CRYPTO_SHA256_SIZE);
    der_put_raw(&b, auth->smdp_certificate.ptr, auth->smdp_certificate.len);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &command, &command_len);
    if (err == AW_OK)
        err = sgp22_decode_prepare_download_request(command, command_len, &request);
    if (err == AW_OK)
        err = ipa_es10b_prepare_download(session, &request, &answer);
    if (err == AW_OK)
        err = copy_bytes(answer.raw, response, response_len);
    if (err == AW_OK && answer.kind == SGP22_RESPONSE_ERROR)
        *error_code = answer.error.download_error_code;
    if (command != NULL)
        der_bytes_free(command, command_len);
    return err;
}

/* SGP.22 3.1.3 error handling: ES10b.CancelSession ends the eUICC's
 * session, and its signed answer goes to the server's CancelSession. Best
 * effort: the download's own error is what the caller reports. */
static void cancel_session(ipa *session, const download_server_ops *ops, void *server,
                           const download_initiated *init, int64_t reason,
                           ipa_download_result *result)
{
    sgp22_cancel_session_request request = {
        .transaction_id = {init->transaction_id, init->transaction_id_len},
        .reason = reason,
    };
    sgp22_cancel_session_response answer;
    if (ipa_es10b_cancel_session(session, &request, &answer) != AW_OK ||
        answer.kind != SGP22_RESPONSE_OK)
        return;
    result->cancelled = true;
    result->cancel_reason = reason;
    result->server_cancelled = ops->cancel_session(server, init, answer.raw) == AW_OK;
}

/* The CancelSessionReason after a server step failed with err (SGP.22
 * 5.7.14): timeout when the server could not be reached (the order stays
 * available, SGP.22 3.1.3.2), postponed for a refused Confirmation Code
 * (ES9+ 8.2.7 / 3.8, GetBoundProfilePackage error 3: the user may try
 * again), undefinedReason for any other refusal. */
static int64_t cancel_reason(aw_err err, const ipa_download_result *result)
{
    if (err != AW_ERR_IPA_DOWNLOAD_REJECTED)
        return SGP22_CANCEL_SESSION_TIMEOUT;
    if (result->stage == IPA_DOWNLOAD_STAGE_GET_BOUND_PROFILE_PACKAGE &&
        (result->error_code == SGP22_GET_BPP_ERROR_CONFIRMATION_CODE_REFUSED ||
         (strcmp(result->subject_code, "8.2.7") == 0 && strcmp(result->reason_code, "3.8") == 0)))
        return SGP22_CANCEL_SESSION_POSTPONED;
    return SGP22_CANCEL_SESSION_UNDEFINED_REASON;
}

/* The PIR delivered (HandleNotification), then removed from the eUICC's
 * list (SGP.22 3.1.3 step 20 and 3.5, ES10b.RemoveNotificationFromList
 * 5.7.11). A failure leaves the PIR on the eUICC to be sent again later;
 * the installation itself stands. */
static void deliver_result(ipa *session, const download_server_ops *ops, void *server,
                           const sgp22_profile_installation_result *pir,
                           ipa_download_result *result)
{
    sgp22_notification_metadata metadata;
    int64_t status = -1;
    aw_slice pending = {result->installation_result, result->installation_result_len};
    if (ops->handle_notification(server, pending) != AW_OK)
        return;
    result->notified = true;
    if (sgp22_decode_notification_metadata(pir->data.notification_metadata.ptr,
                                           pir->data.notification_metadata.len,
                                           &metadata) != AW_OK)
        return;
    if (ipa_es10b_remove_notification_from_list(session, metadata.seq_number, &status) ==
            AW_OK &&
        status == 0)
        result->removed = true;
}

/* Steps after mutual authentication: PrepareDownload, GetBoundProfile-
 * Package, LoadBoundProfilePackage and the result's delivery. */
static aw_err download_install(ipa *session, const ipa_download_config *config,
                               const download_server_ops *ops, void *server,
                               const download_initiated *init,
                               const download_authenticated *auth, ipa_download_result *result)
{
    uint8_t hash_cc[CRYPTO_SHA256_SIZE];
    const uint8_t *hash = NULL;
    uint8_t *pdr = NULL;
    size_t pdr_len = 0;
    aw_slice bpp;
    sgp22_smdp_signed2 signed2;
    sgp22_profile_installation_result pir;
    aw_err err = sgp22_decode_smdp_signed2(auth->smdp_signed2.ptr, auth->smdp_signed2.len,
                                           &signed2);
    if (err != AW_OK)
        goto done;
    if (signed2.cc_required_flag) {
        /* SGP.22 3.1.3.1: the code hashed with this transactionId; the eIM
         * may have computed it (SGP.32 eimDownloadDataHandling) */
        if (auth->has_hash_cc && auth->hash_cc.len == CRYPTO_SHA256_SIZE) {
            hash = auth->hash_cc.ptr;
        } else if (config->confirmation_code != NULL) {
            err = hash_confirmation_code(config->confirmation_code, init, hash_cc);
            if (err != AW_OK)
                goto done;
            hash = hash_cc;
        } else {
            result->stage = IPA_DOWNLOAD_STAGE_CONFIRMATION_CODE;
            cancel_session(session, ops, server, init, SGP22_CANCEL_SESSION_POSTPONED, result);
            err = AW_ERR_IPA_DOWNLOAD_REJECTED;
            goto done;
        }
    }
    err = prepare_download(session, auth, hash, &pdr, &pdr_len, &result->error_code);
    if (err != AW_OK)
        goto done;
    if (result->error_code != 0) {
        /* the eUICC refused: its answer still goes to the server, which
         * ends the session on it (SGP.22 3.1.3.2) */
        result->stage = IPA_DOWNLOAD_STAGE_PREPARE_DOWNLOAD;
        err = download_keep_error_response(result, pdr, pdr_len);
        if (err == AW_OK) {
            ipa_download_result ignored = {0}; /* the eUICC's code is the one reported */
            ops->get_bound_profile_package(server, init, (aw_slice){pdr, pdr_len}, &bpp,
                                           &ignored);
            ipa_download_result_clear(&ignored);
            err = AW_ERR_IPA_DOWNLOAD_REJECTED;
        }
        goto done;
    }
    err = ops->get_bound_profile_package(server, init, (aw_slice){pdr, pdr_len}, &bpp, result);
    if (err != AW_OK) {
        result->stage = IPA_DOWNLOAD_STAGE_GET_BOUND_PROFILE_PACKAGE;
        cancel_session(session, ops, server, init, cancel_reason(err, result), result);
        goto done;
    }
    err = ipa_es10b_load_bound_profile_package(session, bpp.ptr, bpp.len, &pir);
    if (err == AW_OK)
        err = copy_bytes(pir.raw, &result->installation_result,
                         &result->installation_result_len);
    if (err != AW_OK)
        goto done;
    deliver_result(session, ops, server, &pir, result);
    if (pir.data.final_result != SGP22_FINAL_RESULT_SUCCESS) {
        result->stage = IPA_DOWNLOAD_STAGE_LOAD_BOUND_PROFILE_PACKAGE;
        result->error_code = pir.data.error.error_reason;
        err = AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
done:
    OPENSSL_cleanse(hash_cc, sizeof(hash_cc));
    free(pdr);
    return err;
}

/* SGP.22 4.1: an SM-DP+ OID in the Activation Code must be the one in
 * the SM-DP+'s CERT.DPauth.ECDSA (its subjectAltName registeredID,
 * 4.5.2.1.0.3). */
static aw_err check_smdp_oid(aw_slice certificate, const char *smdp_oid, bool *match)
{
    pki_certificate *cert = NULL;
    char oid[IPA_SMDP_OID_MAX + 1];
    *match = false;
    aw_err err = pki_certificate_parse(certificate.ptr, certificate.len, &cert);
    if (err == AW_OK)
        err = pki_certificate_get_registered_id(cert, oid, sizeof(oid));
    if (err == AW_OK)
        *match = strcmp(oid, smdp_oid) == 0;
    else if (err == AW_ERR_PKI_SUBJECT_ALT_NAME || err == AW_ERR_BUFFER_TOO_SMALL)
        err = AW_OK; /* no OID, or not the short one expected: no match */
    pki_certificate_free(cert);
    return err;
}

aw_err download_run(ipa *session, const ipa_download_config *config,
                    const download_server_ops *ops, void *server, const char *smdp_address,
                    const char *matching_id, const char *smdp_oid, ipa_download_result *result)
{
    uint8_t challenge[16];
    uint8_t *info1 = NULL, *asr = NULL;
    size_t info1_len = 0, asr_len = 0;
    sgp22_euicc_info1 euicc_info1;
    sgp22_server_signed1 signed1;
    download_initiated init;
    download_authenticated auth;
    memset(&init, 0, sizeof(init));
    memset(&auth, 0, sizeof(auth));

    /* Steps 1-3 (SGP.22 3.1.2): EUICCInfo1 and a fresh eUICC challenge
     * (EUICCInfo1 copied: the next command reuses the session buffer) */
    aw_err err = ipa_es10b_get_euicc_info1(session, &euicc_info1);
    if (err == AW_OK)
        err = copy_bytes(euicc_info1.raw, &info1, &info1_len);
    if (err == AW_OK)
        err = ipa_es10b_get_euicc_challenge(session, challenge);
    if (err != AW_OK)
        goto done;
    /* Steps 4-8: InitiateAuthentication */
    err = ops->initiate(server, challenge, (aw_slice){info1, info1_len}, smdp_address, &init,
                        result);
    if (err != AW_OK) {
        result->stage = IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION;
        goto done;
    }
    if (smdp_oid != NULL && smdp_oid[0] != '\0') {
        bool match = false;
        err = check_smdp_oid(init.server_certificate, smdp_oid, &match);
        if (err != AW_OK)
            goto done;
        if (!match) {
            /* before AuthenticateServer: the eUICC has no session to cancel */
            result->stage = IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION;
            result->error_code = SGP32_INITIATE_AUTHENTICATION_SMDP_OID_MISMATCH;
            err = AW_ERR_IPA_DOWNLOAD_REJECTED;
            goto done;
        }
    }
    /* the session's transactionId is serverSigned1's, which the eUICC
     * checks against the signature */
    err = sgp22_decode_server_signed1(init.server_signed1.ptr, init.server_signed1.len,
                                      &signed1);
    if (err != AW_OK)
        goto done;
    memcpy(init.transaction_id, signed1.transaction_id.ptr, signed1.transaction_id.len);
    init.transaction_id_len = signed1.transaction_id.len;
    /* Steps 9-12: ES10b.AuthenticateServer */
    err = authenticate_server(session, config, &init, matching_id, &asr, &asr_len,
                              &result->error_code);
    if (err != AW_OK)
        goto done;
    if (result->error_code != 0) {
        /* SGP.22 3.1.2.1: the eUICC's error goes to the server, which
         * ends its session on it */
        result->stage = IPA_DOWNLOAD_STAGE_AUTHENTICATE_SERVER;
        err = download_keep_error_response(result, asr, asr_len);
        if (err == AW_OK) {
            ipa_download_result ignored = {0}; /* the eUICC's code is the one reported */
            ops->authenticate_client(server, &init, (aw_slice){asr, asr_len}, &auth, &ignored);
            ipa_download_result_clear(&ignored);
            err = AW_ERR_IPA_DOWNLOAD_REJECTED;
        }
        goto done;
    }
    /* Steps 13-16: AuthenticateClient */
    err = ops->authenticate_client(server, &init, (aw_slice){asr, asr_len}, &auth, result);
    if (err != AW_OK) {
        result->stage = IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT;
        cancel_session(session, ops, server, &init, cancel_reason(err, result), result);
        goto done;
    }
    err = download_install(session, config, ops, server, &init, &auth, result);
done:
    OPENSSL_cleanse(challenge, sizeof(challenge));
    free(info1);
    free(asr);
    return err;
}

/* ---- the eIM's view (SGP.32 2.11.3) ------------------------------------ */

aw_err ipa_download_trigger_result(const sgp32_profile_download_trigger_request *trigger,
                                   const ipa_download_result *result, uint8_t **out,
                                   size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    sgp32_profile_download_trigger_result r;
    memset(&r, 0, sizeof(r));
    if (trigger != NULL && trigger->has_eim_transaction_id) {
        r.has_eim_transaction_id = true;
        r.eim_transaction_id = trigger->eim_transaction_id;
    }
    if (result->installation_result != NULL) {
        /* success or failure, the eUICC's signed result says it */
        r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION;
        r.result_data.profile_installation_result =
            (aw_slice){result->installation_result, result->installation_result_len};
    } else {
        r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
        sgp32_profile_download_error *e = &r.result_data.profile_download_error;
        e->profile_download_error_reason = SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR;
        e->has_error_response = result->error_response != NULL;
        e->error_response = (aw_slice){result->error_response, result->error_response_len};
    }
    return sgp32_encode_profile_download_trigger_result(&r, out, out_len);
}

aw_err ipa_download_trigger_run(void *userdata, ipa *session,
                                const sgp32_profile_download_trigger_request *trigger,
                                uint8_t **out, size_t *out_len)
{
    const ipa_download_config *config = userdata;
    ipa_download_result result;
    ipa_activation_code code;
    memset(&result, 0, sizeof(result));
    *out = NULL;
    *out_len = 0;
    if (config == NULL || trigger == NULL)
        return AW_ERR_ARGUMENT;
    /* whatever went wrong is in the result: the eIM hears of it as
     * profileDownloadError (no PIR) or the PIR itself */
    if (config->trigger_mode == IPA_DOWNLOAD_INDIRECT) {
        ipa_download_indirect(session, config, trigger, &result);
    } else {
        const sgp32_profile_download_data *data = &trigger->profile_download_data;
        if (!trigger->has_profile_download_data ||
            data->kind == SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP)
            ipa_download_direct(session, config, NULL, &result);
        else if (data->kind == SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE &&
                 ipa_activation_code_parse((const char *)data->activation_code.ptr,
                                           data->activation_code.len, &code) == AW_OK)
            ipa_download_direct(session, config, &code, &result);
        else
            result.stage = IPA_DOWNLOAD_STAGE_ADDRESS; /* bad code, or SM-DS */
    }
    aw_err err = ipa_download_trigger_result(trigger, &result, out, out_len);
    ipa_download_result_clear(&result);
    return err;
}

uint32_t ipa_download_features(const ipa_download_config *config)
{
    if (config->trigger_mode == IPA_DOWNLOAD_DIRECT)
        return SGP32_IPA_DIRECT_RSP_SERVER_COMMUNICATION;
    /* through the eIM: its matchingId / hashCc and its ctxParams1 are used
     * as given (download_run) */
    return SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION | SGP32_IPA_EIM_DOWNLOAD_DATA_HANDLING |
           SGP32_IPA_EIM_CTX_PARAMS1_GENERATION |
           (config->minimize_esipa_bytes ? SGP32_IPA_MINIMIZE_ESIPA_BYTES : 0u);
}
