/* airwrite eUICC: the ES10b authentication half of the download engine
 * (isdr.h): GetEUICCChallenge (SGP.22 5.7.7), AuthenticateServer (5.7.13,
 * common mutual authentication 3.1.2), PrepareDownload (5.7.5, 3.1.3.1) and
 * CancelSession (5.7.14), plus the session life cycle. The BPP itself is in
 * download_bpp.c.
 *
 * Function results SGP.22 defines (AuthenticateErrorCode, DownloadErrorCode,
 * cancelSessionResponseError) are answered inside the response; aw_err is
 * kept for commands that do not decode and for internal failures. */
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_download.h"
#include "core/sgp22_tags.h"
#include "euicc/download_internal.h"

/* ---- session life cycle ------------------------------------------------- */

aw_err euicc_download_new(const euicc_identity *identity, const euicc_download_host *host,
                          euicc_download **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (identity == NULL || host == NULL || identity->euicc_key == NULL ||
        identity->euicc_certificate == NULL || identity->eum_certificate == NULL ||
        identity->trust == NULL || host->next_sequence_number == NULL ||
        host->iccid_exists == NULL || host->has_room == NULL ||
        host->allocate_isdp_aid == NULL || host->commit_profile == NULL ||
        host->record_failed_installation == NULL)
        return AW_ERR_ARGUMENT;
    euicc_download *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return AW_ERR_NOMEM;
    d->identity = identity;
    d->host = *host;
    download_load_clear(&d->load);
    *out = d;
    return AW_OK;
}

void download_clear_session(euicc_download *download)
{
    download_load_clear(&download->load);
    crypto_key_free(download->dp_pb_key);
    download->dp_pb_key = NULL;
    crypto_cleanse(download->challenge, sizeof(download->challenge));
    memset(download->transaction_id, 0, sizeof(download->transaction_id));
    download->transaction_id_len = 0;
    download->server_address_len = 0;
    download->smdp_oid_len = 0;
    download->stage = DOWNLOAD_IDLE;
}

void download_forget_one_time_key(euicc_download *download)
{
    crypto_key_free(download->one_time_key);
    download->one_time_key = NULL;
    memset(download->one_time_point, 0, sizeof(download->one_time_point));
}

void euicc_download_reset(euicc_download *download)
{
    if (download == NULL)
        return;
    download_clear_session(download);
    download_forget_one_time_key(download);
}

void euicc_download_free(euicc_download *download)
{
    if (download == NULL)
        return;
    euicc_download_reset(download);
    free(download);
}

bool euicc_download_loading(const euicc_download *download)
{
    return download != NULL && download->stage == DOWNLOAD_LOADING;
}

/* ---- helpers ------------------------------------------------------------- */

aw_err download_sign(const euicc_download *download, const uint8_t *data, size_t len,
                     uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    return crypto_sign_ecdsa(download->identity->euicc_key, data, len, signature);
}

bool download_transaction_matches(const euicc_download *download, aw_slice value)
{
    return download->transaction_id_len > 0 && value.len == download->transaction_id_len &&
           memcmp(value.ptr, download->transaction_id, value.len) == 0;
}

/* A signature as the data object SGP.22 signs over: 5F37 || 40 || r||s. */
static aw_err encode_signature_object(aw_slice signature, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_put_slice(&b, SGP22_TAG_EUICC_SIGNATURE, signature);
    return der_builder_finish(&b, out, out_len);
}

/* Verify an r||s signature over first || second (the second data object
 * appended as SGP.22 5.7.5 requires). */
static aw_err verify_over_pair(const crypto_key *key, aw_slice first, aw_slice second,
                               aw_slice signature)
{
    uint8_t *buf = malloc(first.len + second.len);
    if (buf == NULL)
        return AW_ERR_NOMEM;
    memcpy(buf, first.ptr, first.len);
    if (second.len > 0)
        memcpy(buf + first.len, second.ptr, second.len);
    aw_err err = crypto_verify_ecdsa(key, buf, first.len + second.len, signature.ptr,
                                     signature.len);
    free(buf);
    return err;
}

/* SM-DP+ OID of a DP certificate (subjectAltName registeredID, SGP.22
 * 4.5.2.1.0.3) as DER content octets. */
static aw_err certificate_smdp_oid(const pki_certificate *cert, uint8_t out[DOWNLOAD_OID_MAX],
                                   size_t *out_len)
{
    char text[128];
    *out_len = 0;
    aw_err err = pki_certificate_get_registered_id(cert, text, sizeof(text));
    if (err != AW_OK)
        return err;
    ASN1_OBJECT *oid = OBJ_txt2obj(text, 1);
    if (oid == NULL)
        return AW_ERR_PKI_SUBJECT_ALT_NAME;
    int len = OBJ_length(oid);
    const unsigned char *data = OBJ_get0_data(oid);
    if (len <= 0 || data == NULL || (size_t)len > DOWNLOAD_OID_MAX) {
        err = AW_ERR_PKI_SUBJECT_ALT_NAME;
    } else {
        memcpy(out, data, (size_t)len);
        *out_len = (size_t)len;
    }
    ASN1_OBJECT_free(oid);
    return err;
}

/* An SM-DP+ certificate received in a command: parsed, verified against the
 * CIs the eUICC allows for verification (SGP.22 4.5.2.2), and its public key. */
static aw_err verify_server_certificate(const euicc_download *d, aw_slice der, aw_pki_role role,
                                        time_t now, pki_certificate **cert, crypto_key **key)
{
    const euicc_identity *id = d->identity;
    pki_verify_options options = {
        .now = now,
        .ci_pkids = id->ci_pkids_verification,
        .ci_pkid_count = id->ci_pkid_verification_count,
    };
    *cert = NULL;
    *key = NULL;
    aw_err err = pki_certificate_parse(der.ptr, der.len, cert);
    if (err == AW_OK)
        err = pki_verify_server_certificate(id->trust, *cert, role, &options, NULL);
    if (err == AW_OK)
        err = crypto_key_from_certificate(der.ptr, der.len, key);
    if (err != AW_OK) {
        pki_certificate_free(*cert);
        *cert = NULL;
    }
    return err;
}

static bool is_curve_error(aw_err err)
{
    return err == AW_ERR_PKI_CURVE || err == AW_ERR_PKI_CURVE_MISMATCH ||
           err == AW_ERR_CRYPTO_CURVE;
}

/* ---- ES10b.GetEUICCChallenge, SGP.22 5.7.7 -------------------------------- */

aw_err euicc_download_get_challenge(euicc_download *download, const uint8_t *command, size_t len,
                                    uint8_t **response, size_t *response_len)
{
    sgp22_get_euicc_challenge_request request;
    sgp22_get_euicc_challenge_response answer;
    if (response == NULL || response_len == NULL)
        return AW_ERR_ARGUMENT;
    *response = NULL;
    *response_len = 0;
    if (download == NULL || command == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = sgp22_decode_get_euicc_challenge_request(command, len, &request);
    if (err != AW_OK)
        return err;
    /* A new challenge starts a new common mutual authentication (3.1.2):
     * whatever session was open is forgotten. */
    download_clear_session(download);
    err = crypto_random_bytes(download->challenge, sizeof(download->challenge));
    if (err != AW_OK)
        return err;
    memset(&answer, 0, sizeof(answer));
    answer.euicc_challenge.ptr = download->challenge;
    answer.euicc_challenge.len = sizeof(download->challenge);
    err = sgp22_encode_get_euicc_challenge_response(&answer, response, response_len);
    if (err == AW_OK)
        download->stage = DOWNLOAD_CHALLENGED;
    return err;
}

/* ---- ES10b.AuthenticateServer, SGP.22 5.7.13 ------------------------------ */

static aw_err answer_authenticate_error(aw_slice transaction_id, int64_t code,
                                        uint8_t **response, size_t *response_len)
{
    sgp22_authenticate_server_response answer;
    memset(&answer, 0, sizeof(answer));
    answer.kind = SGP22_RESPONSE_ERROR;
    answer.error.transaction_id = transaction_id;
    answer.error.authenticate_error_code = code;
    return sgp22_encode_authenticate_server_response(&answer, response, response_len);
}

static bool pkid_in_list(const aw_pki_key_id *list, size_t count, aw_slice pkid)
{
    for (size_t i = 0; i < count; i++)
        if (list[i].len == pkid.len && memcmp(list[i].bytes, pkid.ptr, pkid.len) == 0)
            return true;
    return false;
}

/* AuthenticateErrorCode for a CERT.XXauth.ECDSA that fails verification. */
static int64_t authenticate_certificate_error(aw_err err)
{
    if (is_curve_error(err))
        return SGP22_AUTHENTICATE_ERROR_UNSUPPORTED_CURVE;
    /* The certificate policy names another role, or the certificate carries
     * no SM-DP+ OID: the certificate's OID is not acceptable here. */
    if (err == AW_ERR_PKI_POLICY || err == AW_ERR_PKI_SUBJECT_ALT_NAME)
        return SGP22_AUTHENTICATE_ERROR_INVALID_OID;
    return SGP22_AUTHENTICATE_ERROR_INVALID_CERTIFICATE;
}

/* The checks of 5.7.13 in order. 0 when they all pass, else the
 * AuthenticateErrorCode; aw_err only for internal failures. On success
 * the session keeps the SM-DP+ OID of CERT.DPauth.ECDSA. */
static aw_err check_authenticate_request(euicc_download *d,
                                         const sgp22_authenticate_server_request *request,
                                         time_t now, int64_t *code)
{
    const euicc_identity *id = d->identity;
    const sgp22_server_signed1 *signed1 = &request->server_signed1;
    pki_certificate *cert = NULL;
    crypto_key *key = NULL;
    *code = 0;
    if (d->stage != DOWNLOAD_CHALLENGED) {
        /* No GetEUICCChallenge preceded: nothing to authenticate against. */
        *code = SGP22_AUTHENTICATE_ERROR_NO_SESSION_CONTEXT;
        return AW_OK;
    }
    /* The eUICC must hold a certificate chain to the CI the server asks
     * for (EUICCInfo1 euiccCiPKIdListForSigning, SGP.22 4.3). */
    if (!pkid_in_list(id->ci_pkids_signing, id->ci_pkid_signing_count,
                      request->euicc_ci_pkid_to_be_used)) {
        *code = SGP22_AUTHENTICATE_ERROR_CI_PK_UNKNOWN;
        return AW_OK;
    }
    aw_err err = verify_server_certificate(d, request->server_certificate, AW_PKI_ROLE_DP_AUTH,
                                           now, &cert, &key);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) {
        *code = authenticate_certificate_error(err);
        return AW_OK;
    }
    /* serverSignature1 covers the serverSigned1 TLV exactly as received. */
    err = crypto_verify_ecdsa(key, signed1->raw.ptr, signed1->raw.len,
                              request->server_signature1.ptr, request->server_signature1.len);
    if (err != AW_OK) {
        *code = SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE;
    } else if (signed1->euicc_challenge.len != DOWNLOAD_CHALLENGE_SIZE ||
               !crypto_equal(signed1->euicc_challenge.ptr, d->challenge,
                             DOWNLOAD_CHALLENGE_SIZE)) {
        *code = SGP22_AUTHENTICATE_ERROR_EUICC_CHALLENGE_MISMATCH;
    } else if (certificate_smdp_oid(cert, d->smdp_oid, &d->smdp_oid_len) != AW_OK) {
        *code = SGP22_AUTHENTICATE_ERROR_INVALID_OID;
    }
    pki_certificate_free(cert);
    crypto_key_free(key);
    return AW_OK;
}

/* euiccSigned1 {transactionId, serverAddress, serverChallenge, euiccInfo2,
 * ctxParams1} signed with SK.EUICC.ECDSA, answered as AuthenticateResponseOk. */
static aw_err answer_authenticate_ok(euicc_download *d,
                                     const sgp22_authenticate_server_request *request,
                                     aw_slice euicc_info2, uint8_t **response,
                                     size_t *response_len)
{
    sgp22_euicc_signed1 signed1;
    sgp22_authenticate_server_response answer;
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    memset(&signed1, 0, sizeof(signed1));
    signed1.transaction_id = request->server_signed1.transaction_id;
    signed1.server_address = request->server_signed1.server_address;
    signed1.server_challenge = request->server_signed1.server_challenge;
    signed1.euicc_info2 = euicc_info2;
    signed1.ctx_params1 = request->ctx_params1; /* its raw TLV, verbatim */
    der_builder_init(&b);
    sgp22_put_euicc_signed1(&b, &signed1);
    aw_err err = der_builder_finish(&b, &signed_bytes, &signed_len);
    if (err == AW_OK)
        err = download_sign(d, signed_bytes, signed_len, d->euicc_signature1);
    if (err == AW_OK) {
        memset(&answer, 0, sizeof(answer));
        answer.kind = SGP22_RESPONSE_OK;
        answer.ok.euicc_signed1.raw.ptr = signed_bytes;
        answer.ok.euicc_signed1.raw.len = signed_len;
        answer.ok.euicc_signature1.ptr = d->euicc_signature1;
        answer.ok.euicc_signature1.len = CRYPTO_SIGNATURE_SIZE;
        answer.ok.euicc_certificate = pki_certificate_der(d->identity->euicc_certificate);
        answer.ok.eum_certificate = pki_certificate_der(d->identity->eum_certificate);
        err = sgp22_encode_authenticate_server_response(&answer, response, response_len);
    }
    free(signed_bytes);
    return err;
}

aw_err euicc_download_authenticate_server(euicc_download *download, const uint8_t *command,
                                          size_t len, aw_slice euicc_info2, time_t now,
                                          uint8_t **response, size_t *response_len)
{
    sgp22_authenticate_server_request request;
    int64_t code = 0;
    if (response == NULL || response_len == NULL)
        return AW_ERR_ARGUMENT;
    *response = NULL;
    *response_len = 0;
    if (download == NULL || command == NULL || euicc_info2.ptr == NULL ||
        euicc_info2.len < 2 || euicc_info2.ptr[0] != 0xBF || euicc_info2.ptr[1] != 0x22)
        return AW_ERR_ARGUMENT;
    aw_err err = sgp22_decode_authenticate_server_request(command, len, &request);
    if (err != AW_OK)
        return err;
    const sgp22_server_signed1 *signed1 = &request.server_signed1;
    if (signed1->server_address.len > EUICC_ADDRESS_MAX)
        return AW_ERR_DER_CONSTRAINT;
    err = check_authenticate_request(download, &request, now, &code);
    if (err == AW_OK && code != 0) {
        download_clear_session(download); /* the challenge is used up */
        return answer_authenticate_error(signed1->transaction_id, code, response,
                                         response_len);
    }
    if (err == AW_OK)
        err = answer_authenticate_ok(download, &request, euicc_info2, response, response_len);
    if (err != AW_OK) {
        download_clear_session(download);
        return err;
    }
    /* The session now belongs to this transaction (3.1.2). */
    crypto_cleanse(download->challenge, sizeof(download->challenge));
    memcpy(download->transaction_id, signed1->transaction_id.ptr, signed1->transaction_id.len);
    download->transaction_id_len = signed1->transaction_id.len;
    if (signed1->server_address.len > 0)
        memcpy(download->server_address, signed1->server_address.ptr,
               signed1->server_address.len);
    download->server_address_len = signed1->server_address.len;
    download->stage = DOWNLOAD_AUTHENTICATED;
    return AW_OK;
}

/* ---- ES10b.PrepareDownload, SGP.22 5.7.5 ---------------------------------- */

static aw_err answer_download_error(aw_slice transaction_id, int64_t code, uint8_t **response,
                                    size_t *response_len)
{
    sgp22_prepare_download_response answer;
    memset(&answer, 0, sizeof(answer));
    answer.kind = SGP22_RESPONSE_ERROR;
    answer.error.transaction_id = transaction_id;
    answer.error.download_error_code = code;
    return sgp22_encode_prepare_download_response(&answer, response, response_len);
}

/* The checks of 5.7.5 in order: 0 or the DownloadErrorCode. On success
 * *key is PK.DPpb.ECDSA. */
static aw_err check_prepare_request(euicc_download *d,
                                    const sgp22_prepare_download_request *request, time_t now,
                                    crypto_key **key, int64_t *code)
{
    pki_certificate *cert = NULL;
    uint8_t oid[DOWNLOAD_OID_MAX];
    size_t oid_len = 0;
    uint8_t *signature1 = NULL;
    size_t signature1_len = 0;
    *code = 0;
    *key = NULL;
    if (d->stage != DOWNLOAD_AUTHENTICATED) {
        *code = SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT;
        return AW_OK;
    }
    aw_err err = verify_server_certificate(d, request->smdp_certificate, AW_PKI_ROLE_DP_PB, now,
                                           &cert, key);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) {
        *code = is_curve_error(err) ? SGP22_DOWNLOAD_ERROR_UNSUPPORTED_CURVE
                                    : SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE;
        return AW_OK;
    }
    /* CERT.DPpb.ECDSA must belong to the SM-DP+ that authenticated with
     * CERT.DPauth.ECDSA: the same SM-DP+ OID (SGP.22 4.5.2.1.0.3). */
    if (certificate_smdp_oid(cert, oid, &oid_len) != AW_OK || oid_len != d->smdp_oid_len ||
        memcmp(oid, d->smdp_oid, oid_len) != 0) {
        *code = SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE;
        goto done;
    }
    /* smdpSignature2 covers smdpSigned2 as received followed by the
     * euiccSignature1 data object (tag 5F37 and length included). */
    aw_slice sig1 = {d->euicc_signature1, CRYPTO_SIGNATURE_SIZE};
    err = encode_signature_object(sig1, &signature1, &signature1_len);
    if (err != AW_OK)
        goto done;
    aw_slice second = {signature1, signature1_len};
    err = verify_over_pair(*key, request->smdp_signed2.raw, second, request->smdp_signature2);
    if (err == AW_ERR_NOMEM)
        goto done;
    if (err != AW_OK)
        *code = SGP22_DOWNLOAD_ERROR_INVALID_SIGNATURE;
    else if (!download_transaction_matches(d, request->smdp_signed2.transaction_id))
        *code = SGP22_DOWNLOAD_ERROR_INVALID_TRANSACTION_ID;
    else if (request->smdp_signed2.cc_required_flag && !request->has_hash_cc)
        /* Confirmation code required but none given: DownloadErrorCode
         * has no specific value for it. */
        *code = SGP22_DOWNLOAD_ERROR_UNDEFINED;
    err = AW_OK;
done:
    free(signature1);
    pki_certificate_free(cert);
    if (err != AW_OK || *code != 0) {
        crypto_key_free(*key);
        *key = NULL;
    }
    return err;
}

/* otSK/otPK.EUICC.ECKA for this download (5.7.5): the one a retry names in
 * bppEuiccOtpk if the eUICC still holds it, else a fresh pair on the curve
 * of PK.DPpb.ECDSA. */
static aw_err choose_one_time_key(euicc_download *d, const sgp22_smdp_signed2 *signed2)
{
    crypto_curve curve = crypto_key_curve(d->dp_pb_key);
    if (signed2->has_bpp_euicc_otpk && d->one_time_key != NULL &&
        crypto_key_curve(d->one_time_key) == curve &&
        signed2->bpp_euicc_otpk.len == CRYPTO_POINT_SIZE &&
        memcmp(signed2->bpp_euicc_otpk.ptr, d->one_time_point, CRYPTO_POINT_SIZE) == 0)
        return AW_OK;
    download_forget_one_time_key(d);
    aw_err err = crypto_generate_key(curve, &d->one_time_key);
    if (err == AW_OK)
        err = crypto_key_export_point(d->one_time_key, d->one_time_point);
    if (err != AW_OK)
        download_forget_one_time_key(d);
    return err;
}

/* euiccSigned2 {transactionId, otPK.EUICC.ECKA, hashCc} signed over
 * euiccSigned2 || smdpSignature2 data object, PrepareDownloadResponseOk. */
static aw_err answer_prepare_ok(euicc_download *d, const sgp22_prepare_download_request *request,
                                uint8_t **response, size_t *response_len)
{
    sgp22_euicc_signed2 signed2;
    sgp22_prepare_download_response answer;
    der_builder b;
    uint8_t *signed_bytes = NULL, *signature2 = NULL;
    size_t signed_len = 0, signature2_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    uint8_t *to_sign = NULL;
    aw_err err = choose_one_time_key(d, &request->smdp_signed2);
    if (err != AW_OK)
        return err;
    memset(&signed2, 0, sizeof(signed2));
    signed2.transaction_id.ptr = d->transaction_id;
    signed2.transaction_id.len = d->transaction_id_len;
    signed2.euicc_otpk.ptr = d->one_time_point;
    signed2.euicc_otpk.len = CRYPTO_POINT_SIZE;
    signed2.has_hash_cc = request->has_hash_cc;
    signed2.hash_cc = request->hash_cc;
    der_builder_init(&b);
    sgp22_put_euicc_signed2(&b, &signed2);
    err = der_builder_finish(&b, &signed_bytes, &signed_len);
    if (err == AW_OK)
        err = encode_signature_object(request->smdp_signature2, &signature2, &signature2_len);
    if (err == AW_OK) {
        to_sign = malloc(signed_len + signature2_len);
        if (to_sign == NULL)
            err = AW_ERR_NOMEM;
    }
    if (err == AW_OK) {
        memcpy(to_sign, signed_bytes, signed_len);
        memcpy(to_sign + signed_len, signature2, signature2_len);
        err = download_sign(d, to_sign, signed_len + signature2_len, signature);
    }
    if (err == AW_OK) {
        memset(&answer, 0, sizeof(answer));
        answer.kind = SGP22_RESPONSE_OK;
        answer.ok.euicc_signed2.raw.ptr = signed_bytes;
        answer.ok.euicc_signed2.raw.len = signed_len;
        answer.ok.euicc_signature2.ptr = signature;
        answer.ok.euicc_signature2.len = sizeof(signature);
        err = sgp22_encode_prepare_download_response(&answer, response, response_len);
    }
    free(to_sign);
    free(signature2);
    free(signed_bytes);
    return err;
}

aw_err euicc_download_prepare_download(euicc_download *download, const uint8_t *command,
                                       size_t len, time_t now, uint8_t **response,
                                       size_t *response_len)
{
    sgp22_prepare_download_request request;
    crypto_key *key = NULL;
    int64_t code = 0;
    if (response == NULL || response_len == NULL)
        return AW_ERR_ARGUMENT;
    *response = NULL;
    *response_len = 0;
    if (download == NULL || command == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = sgp22_decode_prepare_download_request(command, len, &request);
    if (err != AW_OK)
        return err;
    err = check_prepare_request(download, &request, now, &key, &code);
    if (err != AW_OK)
        return err;
    if (code != 0) {
        /* The authenticated session stays, so the LPA can still cancel it
         * with a signed CancelSession (3.1.3.1). */
        return answer_download_error(request.smdp_signed2.transaction_id, code, response,
                                     response_len);
    }
    download->dp_pb_key = key;
    err = answer_prepare_ok(download, &request, response, response_len);
    if (err != AW_OK) {
        download_clear_session(download);
        return err;
    }
    download->stage = DOWNLOAD_PREPARED;
    return AW_OK;
}

/* ---- ES10b.CancelSession, SGP.22 5.7.14 ----------------------------------- */

aw_err euicc_download_cancel_session(euicc_download *download, const uint8_t *command,
                                     size_t len, uint8_t **response, size_t *response_len)
{
    sgp22_cancel_session_request request;
    sgp22_cancel_session_response answer;
    sgp22_euicc_cancel_session_signed signed_part;
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    if (response == NULL || response_len == NULL)
        return AW_ERR_ARGUMENT;
    *response = NULL;
    *response_len = 0;
    if (download == NULL || command == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = sgp22_decode_cancel_session_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&answer, 0, sizeof(answer));
    if (download->stage < DOWNLOAD_AUTHENTICATED ||
        !download_transaction_matches(download, request.transaction_id)) {
        /* No session of that transaction to cancel: the session that is
         * open, if any, is left alone. */
        answer.kind = SGP22_RESPONSE_ERROR;
        answer.error = SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID;
        return sgp22_encode_cancel_session_response(&answer, response, response_len);
    }
    memset(&signed_part, 0, sizeof(signed_part));
    signed_part.transaction_id.ptr = download->transaction_id;
    signed_part.transaction_id.len = download->transaction_id_len;
    signed_part.smdp_oid.ptr = download->smdp_oid;
    signed_part.smdp_oid.len = download->smdp_oid_len;
    signed_part.reason = request.reason;
    der_builder_init(&b);
    sgp22_put_euicc_cancel_session_signed(&b, &signed_part);
    err = der_builder_finish(&b, &signed_bytes, &signed_len);
    if (err == AW_OK)
        err = download_sign(download, signed_bytes, signed_len, signature);
    if (err == AW_OK) {
        answer.kind = SGP22_RESPONSE_OK;
        answer.ok.euicc_cancel_session_signed.raw.ptr = signed_bytes;
        answer.ok.euicc_cancel_session_signed.raw.len = signed_len;
        answer.ok.euicc_cancel_session_signature.ptr = signature;
        answer.ok.euicc_cancel_session_signature.len = sizeof(signature);
        err = sgp22_encode_cancel_session_response(&answer, response, response_len);
    }
    free(signed_bytes);
    /* The session ends here whatever happened (5.7.14), otSK.EUICC.ECKA
     * with it: nothing was committed, so a BPP being loaded is dropped. */
    download_clear_session(download);
    download_forget_one_time_key(download);
    return err;
}
