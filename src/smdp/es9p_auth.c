/* airwrite SM-DP+: ES9+.InitiateAuthentication (SGP.22 5.6.1) and
 * ES9+.AuthenticateClient (SGP.22 5.6.3), the SM-DP+ side of the Common
 * Mutual Authentication procedure (SGP.22 3.1.2) and of the start of the
 * download (3.1.3), plus the helpers es9p_internal.h shares. */
#include "smdp/es9p_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_euicc_info.h"

/* MatchingId as accepted here: the Activation Code's matching ID field is at
 * most 255 characters (SGP.22 4.1). */
#define ES9P_MATCHING_ID_MAX 255

void es9p_signature_tlv(const uint8_t signature[CRYPTO_SIGNATURE_SIZE],
                        uint8_t out[ES9P_SIGNATURE_TLV_SIZE])
{
    out[0] = 0x5F;
    out[1] = 0x37;
    out[2] = CRYPTO_SIGNATURE_SIZE;
    memcpy(out + 3, signature, CRYPTO_SIGNATURE_SIZE);
}

bool es9p_transaction_id_equal(aw_slice candidate, const uint8_t id[ES9P_TRANSACTION_ID_SIZE])
{
    return candidate.len == ES9P_TRANSACTION_ID_SIZE &&
           memcmp(candidate.ptr, id, ES9P_TRANSACTION_ID_SIZE) == 0;
}

aw_err es9p_session_load(const es9p_server *server, aw_slice transaction_id, time_t now,
                         unsigned allowed_states, es9p_session *session, es9p_status *status)
{
    aw_err err = server->store->get(server->store->userdata, transaction_id.ptr,
                                    transaction_id.len, now, session);
    if (err == AW_ERR_NOT_FOUND || (err == AW_OK && !(allowed_states & (1u << session->state)))) {
        *status = ES9P_STATUS_TRANSACTION_UNKNOWN;
        return AW_OK;
    }
    if (err == AW_OK)
        *status = ES9P_STATUS_OK;
    return err;
}

aw_err es9p_verify_euicc_signature(const es9p_euicc_key *key, aw_slice part1, aw_slice part2,
                                   aw_slice signature, bool *valid)
{
    *valid = false;
    crypto_key *public_key = NULL;
    uint8_t *data = NULL;
    aw_err err = AW_OK;
    if (key->curve == 0 ||
        crypto_key_from_point(key->curve, key->point, CRYPTO_POINT_SIZE, &public_key) != AW_OK)
        goto cleanup; /* no usable key: the signature cannot be valid */
    if (part2.len == 0) { /* one part: verified where it lies */
        *valid = crypto_verify_ecdsa(public_key, part1.ptr, part1.len, signature.ptr,
                                     signature.len) == AW_OK;
        goto cleanup;
    }
    data = malloc(part1.len + part2.len + 1);
    if (data == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    if (part1.len != 0)
        memcpy(data, part1.ptr, part1.len);
    if (part2.len != 0)
        memcpy(data + part1.len, part2.ptr, part2.len);
    *valid = crypto_verify_ecdsa(public_key, data, part1.len + part2.len, signature.ptr,
                                 signature.len) == AW_OK;
cleanup:
    free(data);
    crypto_key_free(public_key);
    return err;
}

/* PK.EUICC.ECDSA of a parsed certificate (a curve of SGP.22 2.6.5). */
static aw_err es9p_euicc_key_from_parsed(const pki_certificate *certificate, es9p_euicc_key *out)
{
    aw_pki_curve curve;
    memset(out, 0, sizeof(*out));
    aw_err err = pki_certificate_get_public_point(certificate, &curve, out->point);
    if (err != AW_OK)
        return err;
    out->curve = curve == AW_PKI_CURVE_NIST_P256 ? CRYPTO_CURVE_NIST_P256
                                                 : CRYPTO_CURVE_BRAINPOOL_P256R1;
    return AW_OK;
}

aw_err es9p_euicc_key_from_certificate(aw_slice der, es9p_euicc_key *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    pki_certificate *certificate = NULL;
    aw_err err = pki_certificate_parse(der.ptr, der.len, &certificate);
    if (err == AW_OK)
        err = es9p_euicc_key_from_parsed(certificate, out);
    pki_certificate_free(certificate);
    return err;
}

/* Case-insensitive comparison of the received SM-DP+ address with our own
 * (SGP.22 5.6.1: "the comparison SHALL be case-insensitive"). */
static bool es9p_address_equal(aw_slice received, const char *own)
{
    size_t len = strlen(own);
    if (received.len != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t a = received.ptr[i], b = (uint8_t)own[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (a != b)
            return false;
    }
    return true;
}

static bool es9p_pkid_equal(aw_slice pkid, const aw_pki_key_id *id)
{
    return pkid.len == id->len && memcmp(pkid.ptr, id->bytes, id->len) == 0;
}

/* Does the list hold one of the given PKIDs? */
static bool es9p_list_has_trusted(const sgp22_octets_list *list, const aw_pki_key_id *ids,
                                  size_t count)
{
    sgp22_list_iter it;
    aw_slice pkid;
    sgp22_list_iter_init(&it, list->raw);
    while (sgp22_octets_list_next(&it, &pkid) == AW_OK) {
        for (size_t i = 0; i < count; i++) {
            if (es9p_pkid_equal(pkid, &ids[i]))
                return true;
        }
    }
    return false;
}

/* First credential (in the eUICC's order of preference) whose CI is in the
 * eUICC's list for verification. */
static bool es9p_select_credential(const es9p_server *server, const sgp22_octets_list *list,
                                   size_t *index)
{
    sgp22_list_iter it;
    aw_slice pkid;
    sgp22_list_iter_init(&it, list->raw);
    while (sgp22_octets_list_next(&it, &pkid) == AW_OK) {
        for (size_t i = 0; i < server->credential_count; i++) {
            if (es9p_pkid_equal(pkid, &server->credentials[i].ci_pkid)) {
                *index = i;
                return true;
            }
        }
    }
    return false;
}

void es9p_initiate_authentication_response_clear(es9p_initiate_authentication_response *response)
{
    if (response == NULL)
        return;
    free(response->server_signed1);
    memset(response, 0, sizeof(*response));
}

aw_err es9p_initiate_authentication(const es9p_server *server,
                                    const es9p_initiate_authentication_request *request,
                                    time_t now, es9p_initiate_authentication_response *response,
                                    es9p_status *status)
{
    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (status != NULL)
        *status = ES9P_STATUS_EXECUTION_ERROR;
    if (server == NULL || request == NULL || response == NULL || status == NULL)
        return AW_ERR_ARGUMENT;

    es9p_session session;
    memset(&session, 0, sizeof(session));
    der_builder b;
    der_builder_init(&b);
    aw_err err = AW_OK;

    /* Verify that the received address matches the SM-DP+'s own. */
    if (!es9p_address_equal(request->smdp_address, server->smdp_address)) {
        *status = ES9P_STATUS_INVALID_SMDP_ADDRESS;
        goto cleanup;
    }
    sgp22_euicc_info1 info1;
    if (request->euicc_challenge.len != ES9P_CHALLENGE_SIZE ||
        sgp22_decode_euicc_info1(request->euicc_info1.ptr, request->euicc_info1.len, &info1) !=
            AW_OK) {
        *status = ES9P_STATUS_INVALID_ELEMENT;
        goto cleanup;
    }
    /* Verify the Specification Version Number: this SM-DP+ serves SGP.22
     * v2 eUICCs (svn major 2). */
    if (info1.svn.len != 3 || info1.svn.ptr[0] != 2) {
        *status = ES9P_STATUS_EUICC_VERSION_NOT_SUPPORTED;
        goto cleanup;
    }
    /* The eUICC's certificate must chain to a CI this SM-DP+ trusts
     * (euiccCiPKIdListForSigning). */
    if (!es9p_list_has_trusted(&info1.euicc_ci_pkid_list_for_signing, server->trusted_ci_pkids,
                               server->trusted_ci_pkid_count)) {
        *status = ES9P_STATUS_CI_PKID_NOT_SUPPORTED;
        goto cleanup;
    }
    /* Select a CERT.DPauth the eUICC can verify (euiccCiPKIdListForVerification);
     * its CI is euiccCiPKIdToBeUsed. */
    if (!es9p_select_credential(server, &info1.euicc_ci_pkid_list_for_verification,
                                &session.credential_index)) {
        *status = ES9P_STATUS_NO_DPAUTH_CERTIFICATE;
        goto cleanup;
    }
    const es9p_credential *credential = &server->credentials[session.credential_index];

    /* Generate the TransactionID and the serverChallenge. */
    err = crypto_random_bytes(session.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    if (err == AW_OK)
        err = crypto_random_bytes(session.server_challenge, ES9P_CHALLENGE_SIZE);
    if (err != AW_OK)
        goto cleanup;

    /* serverSigned1 (SGP.22 5.7.13) signed with SK.DPauth.ECDSA over its
     * exact encoding. */
    sgp22_server_signed1 signed1;
    memset(&signed1, 0, sizeof(signed1));
    signed1.transaction_id = (aw_slice){session.transaction_id, ES9P_TRANSACTION_ID_SIZE};
    signed1.euicc_challenge = request->euicc_challenge;
    signed1.server_address = (aw_slice){(const uint8_t *)server->smdp_address,
                                        strlen(server->smdp_address)};
    signed1.server_challenge = (aw_slice){session.server_challenge, ES9P_CHALLENGE_SIZE};
    sgp22_put_server_signed1(&b, &signed1);
    err = der_builder_finish(&b, &response->server_signed1, &response->server_signed1_len);
    if (err == AW_OK)
        err = crypto_sign_ecdsa(credential->dpauth_key, response->server_signed1,
                                response->server_signed1_len, response->server_signature1);
    if (err != AW_OK)
        goto cleanup;

    session.state = ES9P_SESSION_INITIATED;
    session.expires = now + server->session_lifetime;
    err = server->store->put(server->store->userdata, &session, now);
    if (err != AW_OK)
        goto cleanup;

    memcpy(response->transaction_id, session.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    response->euicc_ci_pkid_to_be_used = credential->ci_pkid;
    response->server_certificate = pki_certificate_der(credential->dpauth_certificate);
    *status = ES9P_STATUS_OK;
cleanup:
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    der_builder_free(&b);
    if (*status != ES9P_STATUS_OK)
        es9p_initiate_authentication_response_clear(response);
    return err;
}

/* Map a failed role check to the certificate's expired/invalid status. */
static es9p_status es9p_certificate_status(aw_err err, es9p_status expired, es9p_status invalid)
{
    return err == AW_ERR_PKI_EXPIRED ? expired : invalid;
}

/* Why a chain that pki_verify_euicc_chain refused fails, as SGP.22 5.6.3
 * names it: each certificate's own checks first (EUM, then eUICC and its
 * link to the EUM), then the link to a CI (chain_err). */
static es9p_status es9p_chain_status(const pki_certificate *eum, const pki_certificate *euicc,
                                     time_t now, aw_err chain_err)
{
    aw_err check = pki_check_role(eum, AW_PKI_ROLE_EUM, now);
    if (check != AW_OK)
        return es9p_certificate_status(check, ES9P_STATUS_EUM_CERTIFICATE_EXPIRED,
                                       ES9P_STATUS_EUM_CERTIFICATE_INVALID);
    check = pki_check_role(euicc, AW_PKI_ROLE_EUICC, now);
    if (check == AW_OK)
        check = pki_check_issued_by(euicc, eum);
    if (check != AW_OK)
        return es9p_certificate_status(check, ES9P_STATUS_EUICC_CERTIFICATE_EXPIRED,
                                       ES9P_STATUS_EUICC_CERTIFICATE_INVALID);
    if (chain_err == AW_ERR_PKI_UNKNOWN_CI || chain_err == AW_ERR_PKI_CI_NOT_ALLOWED)
        return ES9P_STATUS_CI_UNKNOWN;
    if (chain_err == AW_ERR_PKI_NAME_CONSTRAINTS || chain_err == AW_ERR_PKI_EID ||
        chain_err == AW_ERR_PKI_EID_FORMAT)
        return ES9P_STATUS_EUICC_CERTIFICATE_INVALID;
    /* both certificates passed their own checks: what is left is the EUM's
     * link to the CI */
    return ES9P_STATUS_EUM_CERTIFICATE_INVALID;
}

aw_err es9p_verify_euicc_chain(const es9p_server *server, aw_slice eum_der, aw_slice euicc_der,
                               time_t now, char eid[AW_PKI_EID_DIGITS + 1], es9p_euicc_key *key,
                               es9p_status *status)
{
    pki_certificate *parsed_eum = NULL, *euicc = NULL;
    const pki_certificate *eum = NULL;
    memset(key, 0, sizeof(*key));
    aw_err parsed = server->eum_cache != NULL
                        ? es9p_certificate_cache_get(server->eum_cache, eum_der, &eum)
                        : pki_certificate_parse(eum_der.ptr, eum_der.len, &parsed_eum);
    if (parsed == AW_ERR_NOMEM)
        return AW_ERR_NOMEM;
    if (parsed != AW_OK) {
        *status = ES9P_STATUS_EUM_CERTIFICATE_INVALID;
        goto cleanup;
    }
    if (parsed_eum != NULL)
        eum = parsed_eum;
    if (pki_certificate_parse(euicc_der.ptr, euicc_der.len, &euicc) != AW_OK) {
        *status = ES9P_STATUS_EUICC_CERTIFICATE_INVALID;
        goto cleanup;
    }
    /* The whole chain in one pass (each signature checked once); only a
     * refused chain is examined again, for its status code. */
    pki_verify_options options = {.now = now};
    pki_verify_result result;
    aw_err check = pki_verify_euicc_chain(server->trust_store, eum, euicc, &options, &result);
    if (check != AW_OK) {
        *status = es9p_chain_status(eum, euicc, now, check);
        goto cleanup;
    }
    if (es9p_euicc_key_from_parsed(euicc, key) != AW_OK) {
        *status = ES9P_STATUS_EUICC_CERTIFICATE_INVALID;
        goto cleanup;
    }
    memcpy(eid, result.eid, sizeof(result.eid));
    *status = ES9P_STATUS_OK;
cleanup:
    pki_certificate_free(parsed_eum);
    pki_certificate_free(euicc);
    return AW_OK;
}

void es9p_authenticate_client_response_clear(es9p_authenticate_client_response *response)
{
    if (response == NULL)
        return;
    free(response->profile_metadata);
    free(response->smdp_signed2);
    memset(response, 0, sizeof(*response));
}

/* ctxParams1 matchingId as a C string; false when it cannot be one. */
static bool es9p_matching_id_string(aw_slice matching_id, char out[ES9P_MATCHING_ID_MAX + 1])
{
    if (matching_id.len > ES9P_MATCHING_ID_MAX ||
        memchr(matching_id.ptr, 0, matching_id.len) != NULL)
        return false;
    if (matching_id.len != 0)
        memcpy(out, matching_id.ptr, matching_id.len);
    out[matching_id.len] = '\0';
    return true;
}

aw_err es9p_authenticate_client(const es9p_server *server,
                                const es9p_authenticate_client_request *request, time_t now,
                                es9p_authenticate_client_response *response, es9p_status *status)
{
    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (status != NULL)
        *status = ES9P_STATUS_EXECUTION_ERROR;
    if (server == NULL || request == NULL || response == NULL || status == NULL)
        return AW_ERR_ARGUMENT;

    es9p_session session;
    es9p_order order;
    memset(&order, 0, sizeof(order));
    uint8_t *signed_data = NULL;
    der_builder b;
    der_builder_init(&b);
    bool valid = false;
    char matching_id[ES9P_MATCHING_ID_MAX + 1];

    /* Verify that the transactionId is known and relates to an ongoing RSP
     * session (8.10.1 / 3.9). */
    aw_err err = es9p_session_load(server, request->transaction_id, now,
                                   1u << ES9P_SESSION_INITIATED, &session, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    *status = ES9P_STATUS_EXECUTION_ERROR;

    sgp22_authenticate_server_response asr;
    if (sgp22_decode_authenticate_server_response(request->authenticate_server_response.ptr,
                                                  request->authenticate_server_response.len,
                                                  &asr) != AW_OK ||
        asr.kind != SGP22_RESPONSE_OK) {
        /* an authenticateResponseError ends here too: there is nothing to
         * authenticate */
        *status = ES9P_STATUS_INVALID_ELEMENT;
        goto cleanup;
    }
    const sgp22_authenticate_response_ok *ok = &asr.ok;

    /* Verify CERT.EUM and CERT.EUICC (8.1.2, 8.1.3, 8.11.1). */
    err = es9p_verify_euicc_chain(server, ok->eum_certificate, ok->euicc_certificate, now,
                                  session.eid, &session.euicc_key, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;

    /* Verify euiccSignature1 over euiccSigned1 as received (8.1 / 6.1). */
    err = es9p_verify_euicc_signature(&session.euicc_key, ok->euicc_signed1.raw,
                                      (aw_slice){NULL, 0}, ok->euicc_signature1, &valid);
    if (err != AW_OK)
        goto cleanup;
    if (!valid) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        goto cleanup;
    }
    /* The signed transactionId must be this session's. */
    if (!es9p_transaction_id_equal(ok->euicc_signed1.transaction_id, session.transaction_id)) {
        *status = ES9P_STATUS_TRANSACTION_UNKNOWN;
        goto cleanup;
    }
    /* Verify that the serverChallenge matches the session's (8.1 / 6.1). */
    if (ok->euicc_signed1.server_challenge.len != ES9P_CHALLENGE_SIZE ||
        memcmp(ok->euicc_signed1.server_challenge.ptr, session.server_challenge,
               ES9P_CHALLENGE_SIZE) != 0) {
        *status = ES9P_STATUS_EUICC_VERIFICATION_FAILED;
        goto cleanup;
    }

    /* ctxParamsForCommonAuthentication: find the order by matchingId and
     * EID (3.1.3 step 10: 8.2.6, 8.1.1, 8.2, 8.8.5, 8.2.5 from the backend). */
    const sgp22_ctx_params1 *ctx = &ok->euicc_signed1.ctx_params1;
    if (ctx->has_matching_id && !es9p_matching_id_string(ctx->matching_id, matching_id)) {
        *status = ES9P_STATUS_MATCHING_ID_REFUSED;
        goto cleanup;
    }
    err = server->backend->find_order(server->backend->userdata,
                                      ctx->has_matching_id ? matching_id : NULL, session.eid,
                                      now, &order, status);
    if (err != AW_OK || *status != ES9P_STATUS_OK)
        goto cleanup;
    /* profileMetadata goes to the eUICC as is: it must be one
     * StoreMetadataRequest (SGP.22 5.5.3) */
    sgp22_store_metadata_request metadata;
    if (order.profile_metadata == NULL || order.order_id[ES9P_ORDER_ID_MAX - 1] != '\0' ||
        sgp22_decode_store_metadata_request(order.profile_metadata, order.profile_metadata_len,
                                            &metadata) != AW_OK) {
        err = AW_ERR_STATE; /* the backend broke its contract */
        goto cleanup;
    }

    /* smdpSigned2 {transactionId, ccRequiredFlag} (SGP.22 5.7.5); this
     * SM-DP+ binds after GetBoundProfilePackage, so no bppEuiccOtpk. */
    sgp22_smdp_signed2 signed2;
    memset(&signed2, 0, sizeof(signed2));
    signed2.transaction_id = (aw_slice){session.transaction_id, ES9P_TRANSACTION_ID_SIZE};
    signed2.cc_required_flag = order.cc_required;
    sgp22_put_smdp_signed2(&b, &signed2);
    err = der_builder_finish(&b, &response->smdp_signed2, &response->smdp_signed2_len);
    if (err != AW_OK)
        goto cleanup;

    /* smdpSignature2 covers smdpSigned2 || euiccSignature1 with its tag
     * 5F37 (SGP.22 5.7.5), signed with SK.DPpb.ECDSA. */
    signed_data = malloc(response->smdp_signed2_len + ES9P_SIGNATURE_TLV_SIZE);
    if (signed_data == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(signed_data, response->smdp_signed2, response->smdp_signed2_len);
    es9p_signature_tlv(ok->euicc_signature1.ptr, signed_data + response->smdp_signed2_len);
    const es9p_credential *credential = &server->credentials[session.credential_index];
    err = crypto_sign_ecdsa(credential->dppb_key, signed_data,
                            response->smdp_signed2_len + ES9P_SIGNATURE_TLV_SIZE,
                            response->smdp_signature2);
    if (err != AW_OK)
        goto cleanup;

    /* Attach the eUICC, the order and smdpSignature2 to the session. */
    session.state = ES9P_SESSION_AUTHENTICATED;
    memcpy(session.order_id, order.order_id, ES9P_ORDER_ID_MAX);
    session.cc_required = order.cc_required;
    memcpy(session.confirmation_code_hash, order.confirmation_code_hash, CRYPTO_SHA256_SIZE);
    memcpy(session.smdp_signature2, response->smdp_signature2, CRYPTO_SIGNATURE_SIZE);
    err = server->store->put(server->store->userdata, &session, now);
    if (err != AW_OK)
        goto cleanup;

    memcpy(response->transaction_id, session.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    response->profile_metadata = order.profile_metadata;
    response->profile_metadata_len = order.profile_metadata_len;
    order.profile_metadata = NULL;
    response->smdp_certificate = pki_certificate_der(credential->dppb_certificate);
    *status = ES9P_STATUS_OK;
cleanup:
    if (err != AW_OK)
        *status = ES9P_STATUS_EXECUTION_ERROR; /* our failure, whatever was found */
    free(signed_data);
    der_builder_free(&b);
    free(order.profile_metadata);
    crypto_cleanse(&order, sizeof(order));
    crypto_cleanse(&session, sizeof(session));
    if (*status != ES9P_STATUS_OK)
        es9p_authenticate_client_response_clear(response);
    return err;
}
