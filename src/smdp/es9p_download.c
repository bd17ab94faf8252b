/* airwrite SM-DP+: ES9+.GetBoundProfilePackage (SGP.22 5.6.2, 3.1.3 steps
 * 15 to 17), ES9+.HandleNotification (5.6.4, 3.1.3 step 23 onwards and 3.5)
 * and ES9+.CancelSession (5.6.5, 3.5.1). */
#include "smdp/es9p_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "core/sgp22_download.h"

static const aw_slice es9p_no_slice = {NULL, 0};

void es9p_get_bound_profile_package_response_clear(
    es9p_get_bound_profile_package_response *response)
{
    if (response == NULL)
        return;
    free(response->bound_profile_package);
    memset(response, 0, sizeof(*response));
}

/* Hashed Confirmation Code = SHA-256(SHA-256(CC) || TransactionID)
 * (SGP.22 3.1.3 step 12 / 5.7.5 hashCc), compared in constant time. */
static aw_err es9p_check_hash_cc(const es9p_session *session, aw_slice hash_cc, bool *match)
{
    uint8_t input[CRYPTO_SHA256_SIZE + ES9P_TRANSACTION_ID_SIZE];
    uint8_t expected[CRYPTO_SHA256_SIZE];
    *match = false;
    memcpy(input, session->confirmation_code_hash, CRYPTO_SHA256_SIZE);
    memcpy(input + CRYPTO_SHA256_SIZE, session->transaction_id, ES9P_TRANSACTION_ID_SIZE);
    aw_err err = crypto_sha256(input, sizeof(input), expected);
    if (err == AW_OK)
        *match = hash_cc.len == CRYPTO_SHA256_SIZE &&
                 crypto_equal(hash_cc.ptr, expected, CRYPTO_SHA256_SIZE);
    crypto_cleanse(input, sizeof(input));
    crypto_cleanse(expected, sizeof(expected));
    return err;
}

aw_err es9p_get_bound_profile_package(const es9p_server *server,
                                      const es9p_get_bound_profile_package_request *request,
                                      time_t now,
                                      es9p_get_bound_profile_package_response *response,
                                      es9p_status *status)
{
    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (status != NULL)
        *status = ES9P_STATUS_EXECUTION_ERROR;
    if (server == NULL || request == NULL || response == NULL || status == NULL)
        return AW_ERR_ARGUMENT;

    es9p_session session;
    bool valid = false;
    /* Verify that the transactionId is known (8.10.1 / 3.9). */
    aw_err err = es9p_session_load(server, request->transaction_id, now,
                                   1u << ES9P_SESSION_AUTHENTICATED | 1u << ES9P_SESSION_BOUND,
                                   &session, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    /* The profile of this session was already bound: no new binding. */
    if (session.state == ES9P_SESSION_BOUND) {
        *status = ES9P_STATUS_BPP_NOT_AVAILABLE;
        goto cleanup;
    }
    sgp22_prepare_download_response pdr;
    if (sgp22_decode_prepare_download_response(request->prepare_download_response.ptr,
                                               request->prepare_download_response.len,
                                               &pdr) != AW_OK ||
        pdr.kind != SGP22_RESPONSE_OK) {
        *status = ES9P_STATUS_INVALID_ELEMENT;
        goto cleanup;
    }
    /* Verify euiccSignature2, computed over euiccSigned2 || smdpSignature2
     * (tag 5F37 included, SGP.22 5.7.5), with PK.EUICC.ECDSA of the session. */
    uint8_t smdp_signature2_tlv[ES9P_SIGNATURE_TLV_SIZE];
    es9p_signature_tlv(session.smdp_signature2, smdp_signature2_tlv);
    err = es9p_verify_euicc_signature(&session.euicc_key, pdr.ok.euicc_signed2.raw,
                                      (aw_slice){smdp_signature2_tlv, sizeof(smdp_signature2_tlv)},
                                      pdr.ok.euicc_signature2, &valid);
    if (err != AW_OK)
        goto cleanup;
    if (!valid) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        goto cleanup;
    }
    if (!es9p_transaction_id_equal(pdr.ok.euicc_signed2.transaction_id, session.transaction_id)) {
        *status = ES9P_STATUS_TRANSACTION_UNKNOWN;
        goto cleanup;
    }
    /* Confirmation Code, when the order requires one (8.2.7). */
    if (session.cc_required) {
        if (!pdr.ok.euicc_signed2.has_hash_cc) {
            *status = ES9P_STATUS_CONFIRMATION_CODE_MISSING;
            goto cleanup;
        }
        bool match = false;
        err = es9p_check_hash_cc(&session, pdr.ok.euicc_signed2.hash_cc, &match);
        if (err != AW_OK)
            goto cleanup;
        if (!match) {
            err = server->backend->confirmation_code_failed(server->backend->userdata,
                                                            session.order_id, status);
            if (err == AW_OK && *status == ES9P_STATUS_OK)
                err = AW_ERR_STATE; /* a wrong code never passes */
            if (err != AW_OK)
                goto cleanup;
            /* at the retry limit the session ends */
            if (*status == ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED)
                err = server->store->remove(server->store->userdata, session.transaction_id,
                                            ES9P_TRANSACTION_ID_SIZE);
            goto cleanup;
        }
    }
    /* Bind the profile with otPK.EUICC.ECKA (3.1.3 step 17). */
    const es9p_credential *credential = &server->credentials[session.credential_index];
    es9p_bind_request bind = {
        .order_id = session.order_id,
        .eid = session.eid,
        .transaction_id = {session.transaction_id, ES9P_TRANSACTION_ID_SIZE},
        .euicc_otpk = pdr.ok.euicc_signed2.euicc_otpk,
        .euicc_signature2 = pdr.ok.euicc_signature2,
        .dppb_key = credential->dppb_key,
        .dppb_certificate = credential->dppb_certificate,
    };
    err = server->backend->bind_profile(server->backend->userdata, &bind,
                                        &response->bound_profile_package,
                                        &response->bound_profile_package_len, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    if (response->bound_profile_package == NULL) {
        err = AW_ERR_STATE; /* the backend broke its contract */
        goto cleanup;
    }
    session.state = ES9P_SESSION_BOUND;
    err = server->store->put(server->store->userdata, &session, now);
    if (err != AW_OK)
        goto cleanup;
    memcpy(response->transaction_id, session.transaction_id, ES9P_TRANSACTION_ID_SIZE);
cleanup:
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    crypto_cleanse(&session, sizeof(session));
    if (*status != ES9P_STATUS_OK)
        es9p_get_bound_profile_package_response_clear(response);
    return err;
}

/* ProfileInstallationResult: verify euiccSignPIR over the exact
 * ProfileInstallationResultData with the session's eUICC key, report, and
 * end the session (SGP.22 5.6.4, 3.1.3). */
static aw_err es9p_handle_installation_result(const es9p_server *server, aw_slice pir_der,
                                              time_t now, es9p_status *status)
{
    sgp22_profile_installation_result pir;
    es9p_session session;
    bool valid = false;
    aw_err err = AW_OK;
    if (sgp22_decode_profile_installation_result(pir_der.ptr, pir_der.len, &pir) != AW_OK) {
        *status = ES9P_STATUS_INVALID_ELEMENT;
        return AW_OK;
    }
    err = es9p_session_load(server, pir.data.transaction_id, now,
                            1u << ES9P_SESSION_AUTHENTICATED | 1u << ES9P_SESSION_BOUND,
                            &session, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    err = es9p_verify_euicc_signature(&session.euicc_key, pir.data.raw, es9p_no_slice, pir.euicc_sign_pir,
                                      &valid);
    if (err != AW_OK)
        goto cleanup;
    if (!valid) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        goto cleanup;
    }
    es9p_installation_report report = {
        .order_id = session.order_id,
        .eid = session.eid,
        .transaction_id = {session.transaction_id, ES9P_TRANSACTION_ID_SIZE},
        .success = pir.data.final_result == SGP22_FINAL_RESULT_SUCCESS,
        .result = &pir,
    };
    err = server->backend->installation_result(server->backend->userdata, &report);
    if (err == AW_OK)
        err = server->store->remove(server->store->userdata, session.transaction_id,
                                    ES9P_TRANSACTION_ID_SIZE);
cleanup:
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    crypto_cleanse(&session, sizeof(session));
    return err;
}

/* Other notifications: verify the included CERT.EUM / CERT.EUICC and the
 * signature over tbsOtherNotification (SGP.22 5.7.10), then report. */
static aw_err es9p_handle_other_notification(const es9p_server *server,
                                             const sgp22_other_signed_notification *other,
                                             time_t now, es9p_status *status)
{
    char eid[AW_PKI_EID_DIGITS + 1];
    es9p_euicc_key key;
    bool valid = false;
    aw_err err = es9p_verify_euicc_chain(server, other->eum_certificate, other->euicc_certificate,
                                         now, eid, &key, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        return err;
    err = es9p_verify_euicc_signature(&key, other->tbs_other_notification.raw, es9p_no_slice,
                                      other->euicc_notification_signature, &valid);
    if (err != AW_OK)
        return err;
    if (!valid) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        return AW_OK;
    }
    err = server->backend->other_notification(server->backend->userdata, eid,
                                              &other->tbs_other_notification);
    *status = err == AW_OK ? ES9P_STATUS_OK : ES9P_STATUS_EXECUTION_ERROR;
    return err;
}

aw_err es9p_handle_notification(const es9p_server *server, aw_slice pending_notification,
                                time_t now, es9p_status *status)
{
    if (status != NULL)
        *status = ES9P_STATUS_EXECUTION_ERROR;
    if (server == NULL || status == NULL)
        return AW_ERR_ARGUMENT;
    sgp22_pending_notification pending;
    if (sgp22_decode_pending_notification(pending_notification.ptr, pending_notification.len,
                                          &pending) != AW_OK) {
        *status = ES9P_STATUS_INVALID_ELEMENT;
        return AW_OK;
    }
    aw_err err;
    if (pending.kind == SGP22_PENDING_PROFILE_INSTALLATION_RESULT)
        err = es9p_handle_installation_result(server, pending.profile_installation_result, now,
                                              status);
    else
        err = es9p_handle_other_notification(server, &pending.other_signed_notification, now,
                                             status);
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    return err;
}

/* Does the smdpOid (content octets) name the configured SM-DP+ OID? */
static bool es9p_oid_matches(aw_slice oid_content, const char *dotted)
{
    ASN1_OBJECT *own = OBJ_txt2obj(dotted, 1);
    bool match = false;
    if (own != NULL) {
        const unsigned char *data = OBJ_get0_data(own);
        size_t len = OBJ_length(own);
        match = data != NULL && len == oid_content.len &&
                memcmp(data, oid_content.ptr, len) == 0;
    }
    ASN1_OBJECT_free(own);
    return match;
}

aw_err es9p_cancel_session(const es9p_server *server, const es9p_cancel_session_request *request,
                           time_t now, es9p_status *status)
{
    if (status != NULL)
        *status = ES9P_STATUS_EXECUTION_ERROR;
    if (server == NULL || request == NULL || status == NULL)
        return AW_ERR_ARGUMENT;
    es9p_session session;
    bool valid = false;
    /* Verify that the transactionId is known (8.10.1 / 3.9). */
    aw_err err = es9p_session_load(server, request->transaction_id, now,
                                   1u << ES9P_SESSION_INITIATED |
                                       1u << ES9P_SESSION_AUTHENTICATED |
                                       1u << ES9P_SESSION_BOUND,
                                   &session, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    sgp22_cancel_session_response csr;
    if (sgp22_decode_cancel_session_response(request->cancel_session_response.ptr,
                                             request->cancel_session_response.len,
                                             &csr) != AW_OK ||
        csr.kind != SGP22_RESPONSE_OK) {
        *status = ES9P_STATUS_INVALID_ELEMENT;
        goto cleanup;
    }
    const sgp22_euicc_cancel_session_signed *signed_part = &csr.ok.euicc_cancel_session_signed;
    /* Verify euiccCancelSessionSignature with PK.EUICC.ECDSA of the session
     * (8.1 / 6.1); before AuthenticateClient there is no eUICC key. */
    if (session.euicc_key.curve != 0) {
        err = es9p_verify_euicc_signature(&session.euicc_key, signed_part->raw, es9p_no_slice,
                                          csr.ok.euicc_cancel_session_signature, &valid);
        if (err != AW_OK)
            goto cleanup;
    }
    if (!valid) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        goto cleanup;
    }
    if (!es9p_transaction_id_equal(signed_part->transaction_id, session.transaction_id)) {
        *status = ES9P_STATUS_TRANSACTION_UNKNOWN;
        goto cleanup;
    }
    /* Verify that smdpOid is this SM-DP+'s (8.8 / 3.10). */
    if (!es9p_oid_matches(signed_part->smdp_oid, server->smdp_oid)) {
        *status = ES9P_STATUS_SMDP_OID_INVALID;
        goto cleanup;
    }
    /* Notify the order's owner and end the session (3.5.1). */
    err = server->backend->session_cancelled(server->backend->userdata, session.order_id,
                                             signed_part->reason);
    if (err == AW_OK)
        err = server->store->remove(server->store->userdata, session.transaction_id,
                                    ES9P_TRANSACTION_ID_SIZE);
    *status = err == AW_OK ? ES9P_STATUS_OK : ES9P_STATUS_EXECUTION_ERROR;
cleanup:
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    crypto_cleanse(&session, sizeof(session));
    return err;
}
