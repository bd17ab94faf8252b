/* Tests of the SM-DP+ ES9+ session logic (src/smdp/es9p_session.h, SGP.22
 * 5.6.1 to 5.6.5) end to end against an in-test eUICC on both curves, with
 * every status code the functions return (SGP.22 5.6.x error tables). */
#include "smdp_es9p_testutil.h"
#include "pki_testutil.h"

#include <openssl/asn1.h>

/* Run the tests for both curves: state carries the curve. */
static aw_pki_curve test_curve(void **state)
{
    return (aw_pki_curve)(intptr_t)*state;
}

static int setup_p256(void **state)
{
    *state = (void *)(intptr_t)AW_PKI_CURVE_NIST_P256;
    return 0;
}

static int setup_brainpool(void **state)
{
    *state = (void *)(intptr_t)AW_PKI_CURVE_BRAINPOOL_P256R1;
    return 0;
}

static const fx_auth_options auth_ok = {0};
static const fx_prepare_options prepare_ok = {0};

static void set_not_after_past(X509 *x, const void *arg)
{
    (void)arg;
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), FX_NOW - TEST_DAY));
}

/* ---- Full flow --------------------------------------------------------- */

static void test_download_flow(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    assert_int_equal(es9p_memory_store_count(fx.memory, FX_NOW), 1);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    assert_string_equal(fx.fake.last_eid, AW_PKI_DEFAULT_EID);
    es9p_get_bound_profile_package_response bpp;
    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &bpp), ES9P_STATUS_OK);
    assert_int_equal(fx.fake.bind_calls, 1);
    assert_memory_equal(bpp.transaction_id, fx.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    assert_int_equal(bpp.bound_profile_package[0], 0xBF);
    es9p_get_bound_profile_package_response_clear(&bpp);

    size_t len;
    uint8_t *pir = fx_installation_result(&fx, true, false, &len);
    es9p_status status;
    assert_int_equal(es9p_handle_notification(&fx.server, (aw_slice){pir, len}, FX_NOW, &status),
                     AW_OK);
    assert_int_equal(status, ES9P_STATUS_OK);
    assert_int_equal(fx.fake.installation_calls, 1);
    assert_true(fx.fake.installation_success);
    assert_int_equal(es9p_memory_store_count(fx.memory, FX_NOW), 0); /* session ended */
    free(pir);
    fx_close(&fx);
}

/* ---- InitiateAuthentication (5.6.1) ----------------------------------------- */

static es9p_status initiate_with(fixture *fx, const char *address, size_t challenge_len,
                                 const uint8_t *info1, size_t info1_len)
{
    es9p_initiate_authentication_request req = {
        .euicc_challenge = {fx->euicc_challenge, challenge_len},
        .euicc_info1 = {info1, info1_len},
        .smdp_address = {(const uint8_t *)address, strlen(address)},
    };
    es9p_initiate_authentication_response resp;
    es9p_status status;
    assert_int_equal(es9p_initiate_authentication(&fx->server, &req, FX_NOW, &resp, &status),
                     AW_OK);
    if (status != ES9P_STATUS_OK)
        assert_null(resp.server_signed1);
    es9p_initiate_authentication_response_clear(&resp);
    return status;
}

static void test_initiate_authentication(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    aw_pki_key_id other = {.bytes = {1, 2, 3}, .len = 3};
    size_t len;
    uint8_t *info = fx_euicc_info1(&fx.credential.ci_pkid, &fx.credential.ci_pkid, &len);

    /* the signature verifies with CERT.DPauth over the serverSigned1 bytes */
    es9p_initiate_authentication_request req = {
        .euicc_challenge = {fx.euicc_challenge, 16},
        .euicc_info1 = {info, len},
        .smdp_address = {(const uint8_t *)"SMDP.Example.COM", 16},
    };
    es9p_initiate_authentication_response resp;
    es9p_status status;
    assert_int_equal(es9p_initiate_authentication(&fx.server, &req, FX_NOW, &resp, &status),
                     AW_OK);
    assert_int_equal(status, ES9P_STATUS_OK); /* address compared case-insensitively */
    crypto_key *dpauth = NULL;
    aw_slice cert = fx_der(&fx, AW_PKI_ROLE_DP_AUTH);
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &dpauth), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(dpauth, resp.server_signed1, resp.server_signed1_len,
                                         resp.server_signature1, CRYPTO_SIGNATURE_SIZE),
                     AW_OK);
    crypto_key_free(dpauth);
    assert_memory_equal(resp.server_certificate.ptr, cert.ptr, cert.len);
    assert_memory_equal(resp.euicc_ci_pkid_to_be_used.bytes, fx.credential.ci_pkid.bytes,
                        fx.credential.ci_pkid.len);
    sgp22_server_signed1 s1;
    assert_int_equal(sgp22_decode_server_signed1(resp.server_signed1, resp.server_signed1_len,
                                                 &s1), AW_OK);
    assert_memory_equal(s1.euicc_challenge.ptr, fx.euicc_challenge, 16);
    assert_memory_equal(s1.transaction_id.ptr, resp.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    es9p_initiate_authentication_response_clear(&resp);

    assert_int_equal(initiate_with(&fx, "other.example.com", 16, info, len),
                     ES9P_STATUS_INVALID_SMDP_ADDRESS);
    assert_int_equal(initiate_with(&fx, FX_ADDRESS, 15, info, len), ES9P_STATUS_INVALID_ELEMENT);
    assert_int_equal(initiate_with(&fx, FX_ADDRESS, 16, info, len - 1),
                     ES9P_STATUS_INVALID_ELEMENT);
    free(info);

    info = fx_euicc_info1(&other, &fx.credential.ci_pkid, &len);
    assert_int_equal(initiate_with(&fx, FX_ADDRESS, 16, info, len),
                     ES9P_STATUS_CI_PKID_NOT_SUPPORTED);
    free(info);
    info = fx_euicc_info1(&fx.credential.ci_pkid, &other, &len);
    assert_int_equal(initiate_with(&fx, FX_ADDRESS, 16, info, len),
                     ES9P_STATUS_NO_DPAUTH_CERTIFICATE);
    free(info);

    /* svn 3.0.0: not an SGP.22 v2 eUICC */
    aw_slice item = {fx.credential.ci_pkid.bytes, fx.credential.ci_pkid.len};
    static const uint8_t svn3[3] = {3, 0, 0};
    sgp22_euicc_info1 v3;
    memset(&v3, 0, sizeof(v3));
    v3.svn = (aw_slice){svn3, 3};
    v3.euicc_ci_pkid_list_for_verification = (sgp22_octets_list){{NULL, 0}, 1, &item};
    v3.euicc_ci_pkid_list_for_signing = (sgp22_octets_list){{NULL, 0}, 1, &item};
    assert_int_equal(sgp22_encode_euicc_info1(&v3, &info, &len), AW_OK);
    assert_int_equal(initiate_with(&fx, FX_ADDRESS, 16, info, len),
                     ES9P_STATUS_EUICC_VERSION_NOT_SUPPORTED);
    free(info);
    fx_close(&fx);
}

/* ---- AuthenticateClient (5.6.3) ------------------------------------------- */

static void test_authenticate_client_verification(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    fx_auth_options o = {.bad_signature = true};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    o = (fx_auth_options){.wrong_challenge = true};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    o = (fx_auth_options){.wrong_transaction_id = true};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_TRANSACTION_UNKNOWN);
    o = (fx_auth_options){.matching_id = "WRONG"};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_MATCHING_ID_REFUSED);
    o = (fx_auth_options){.no_matching_id = true};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_MATCHING_ID_REFUSED);

    /* an unknown transaction, and a session past its lifetime */
    size_t len;
    uint8_t *asr = fx_authenticate_server_response(&fx, &auth_ok, &len);
    uint8_t unknown[ES9P_TRANSACTION_ID_SIZE] = {0};
    es9p_authenticate_client_request req = {{unknown, sizeof(unknown)}, {asr, len}};
    es9p_authenticate_client_response resp;
    es9p_status status;
    assert_int_equal(es9p_authenticate_client(&fx.server, &req, FX_NOW, &resp, &status), AW_OK);
    assert_int_equal(status, ES9P_STATUS_TRANSACTION_UNKNOWN);
    req.transaction_id = (aw_slice){fx.transaction_id, ES9P_TRANSACTION_ID_SIZE};
    assert_int_equal(es9p_authenticate_client(&fx.server, &req, FX_NOW + FX_LIFETIME, &resp,
                                              &status), AW_OK);
    assert_int_equal(status, ES9P_STATUS_TRANSACTION_UNKNOWN);
    /* not an AuthenticateServerResponse */
    req.authenticate_server_response.len = len - 1;
    assert_int_equal(es9p_authenticate_client(&fx.server, &req, FX_NOW, &resp, &status), AW_OK);
    assert_int_equal(status, ES9P_STATUS_INVALID_ELEMENT);
    free(asr);

    /* the order statuses the backend gives are returned as they are */
    static const es9p_status backend_statuses[] = {
        ES9P_STATUS_EID_MISMATCH, ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED,
        ES9P_STATUS_PROFILE_NOT_RELEASED, ES9P_STATUS_NO_ELIGIBLE_PROFILE,
        ES9P_STATUS_DOWNLOAD_RETRIES_EXCEEDED};
    for (size_t i = 0; i < sizeof(backend_statuses) / sizeof(backend_statuses[0]); i++) {
        fx.fake.find_status = backend_statuses[i];
        assert_int_equal(fx_authenticate(&fx, &auth_ok), backend_statuses[i]);
    }
    fx.fake.find_status = ES9P_STATUS_OK;
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    /* the session moved on: a second AuthenticateClient is refused */
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_TRANSACTION_UNKNOWN);
    fx_close(&fx);
}

static void test_authenticate_client_certificates(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    fx_auth_options o;

    /* a DPauth certificate in the place of each */
    o = (fx_auth_options){.eum_certificate = fx_der(&fx, AW_PKI_ROLE_DP_AUTH)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUM_CERTIFICATE_INVALID);
    o = (fx_auth_options){.euicc_certificate = fx_der(&fx, AW_PKI_ROLE_DP_PB)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUICC_CERTIFICATE_INVALID);

    /* expired copies, same keys, re-signed by their issuers */
    pki_certificate *eum = test_remake(fx.pki.cert[AW_PKI_ROLE_EUM], fx.pki.key[AW_PKI_ROLE_CI],
                                       EVP_sha256(), set_not_after_past, NULL);
    o = (fx_auth_options){.eum_certificate = pki_certificate_der(eum)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUM_CERTIFICATE_EXPIRED);
    pki_certificate_free(eum);
    pki_certificate *euicc = test_remake(fx.pki.cert[AW_PKI_ROLE_EUICC],
                                         fx.pki.key[AW_PKI_ROLE_EUM], EVP_sha256(),
                                         set_not_after_past, NULL);
    o = (fx_auth_options){.euicc_certificate = pki_certificate_der(euicc)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUICC_CERTIFICATE_EXPIRED);
    pki_certificate_free(euicc);

    /* an eUICC under another EUM: not issued by the EUM sent */
    fixture other;
    fx_open(&other, test_curve(state));
    o = (fx_auth_options){.euicc_certificate = fx_der(&other, AW_PKI_ROLE_EUICC)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUICC_CERTIFICATE_INVALID);
    /* a whole chain under a CI this SM-DP+ does not trust */
    o = (fx_auth_options){.euicc_certificate = fx_der(&other, AW_PKI_ROLE_EUICC),
                          .eum_certificate = fx_der(&other, AW_PKI_ROLE_EUM)};
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_CI_UNKNOWN);
    fx_close(&other);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    fx_close(&fx);
}

/* ---- GetBoundProfilePackage (5.6.2) ------------------------------------ */

static void test_get_bound_profile_package(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    es9p_get_bound_profile_package_response resp;
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    /* before AuthenticateClient the transaction is not one to bind */
    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &resp), ES9P_STATUS_TRANSACTION_UNKNOWN);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);

    fx_prepare_options o = {.bad_signature = true};
    assert_int_equal(fx_get_bpp(&fx, &o, &resp), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    o = (fx_prepare_options){.wrong_transaction_id = true};
    assert_int_equal(fx_get_bpp(&fx, &o, &resp), ES9P_STATUS_TRANSACTION_UNKNOWN);
    assert_null(resp.bound_profile_package);
    fx.fake.bind_status = ES9P_STATUS_BPP_NOT_AVAILABLE;
    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &resp), ES9P_STATUS_BPP_NOT_AVAILABLE);
    fx.fake.bind_status = ES9P_STATUS_OK;

    /* a PrepareDownload error is no download */
    sgp22_prepare_download_response err_resp;
    memset(&err_resp, 0, sizeof(err_resp));
    err_resp.kind = SGP22_RESPONSE_ERROR;
    err_resp.error.transaction_id = (aw_slice){fx.transaction_id, ES9P_TRANSACTION_ID_SIZE};
    err_resp.error.download_error_code = SGP22_DOWNLOAD_ERROR_INVALID_SIGNATURE;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(sgp22_encode_prepare_download_response(&err_resp, &der, &len), AW_OK);
    es9p_get_bound_profile_package_request req = {
        {fx.transaction_id, ES9P_TRANSACTION_ID_SIZE}, {der, len}};
    es9p_status status;
    assert_int_equal(es9p_get_bound_profile_package(&fx.server, &req, FX_NOW, &resp, &status),
                     AW_OK);
    assert_int_equal(status, ES9P_STATUS_INVALID_ELEMENT);
    free(der);

    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &resp), ES9P_STATUS_OK);
    es9p_get_bound_profile_package_response_clear(&resp);
    /* bound once: no new binding for this session */
    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &resp), ES9P_STATUS_BPP_NOT_AVAILABLE);
    assert_int_equal(fx.fake.bind_calls, 2);
    fx_close(&fx);
}

static void test_confirmation_code(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    es9p_get_bound_profile_package_response resp;
    fx.fake.cc_required = true;
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    assert_int_equal(fx_get_bpp(&fx, &prepare_ok, &resp), ES9P_STATUS_CONFIRMATION_CODE_MISSING);
    fx_prepare_options wrong = {.with_hash_cc = true, .confirmation_code = "0000"};
    assert_int_equal(fx_get_bpp(&fx, &wrong, &resp), ES9P_STATUS_CONFIRMATION_CODE_REFUSED);
    fx_prepare_options right = {.with_hash_cc = true};
    assert_int_equal(fx_get_bpp(&fx, &right, &resp), ES9P_STATUS_OK);
    es9p_get_bound_profile_package_response_clear(&resp);
    assert_int_equal(fx.fake.cc_failures, 1);

    /* a new session: wrong codes up to the backend's limit end it */
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    assert_int_equal(fx_get_bpp(&fx, &wrong, &resp), ES9P_STATUS_CONFIRMATION_CODE_REFUSED);
    assert_int_equal(fx_get_bpp(&fx, &wrong, &resp),
                     ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED);
    assert_int_equal(fx_get_bpp(&fx, &right, &resp), ES9P_STATUS_TRANSACTION_UNKNOWN);
    fx_close(&fx);
}

/* ---- HandleNotification (5.6.4) ---------------------------------------------- */

static es9p_status notify(fixture *fx, const uint8_t *der, size_t len)
{
    es9p_status status;
    assert_int_equal(es9p_handle_notification(&fx->server, (aw_slice){der, len}, FX_NOW, &status),
                     AW_OK);
    return status;
}

static void test_handle_notification(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    size_t len;
    uint8_t *pir = fx_installation_result(&fx, true, false, &len);
    /* no session for that transaction */
    assert_int_equal(notify(&fx, pir, len), ES9P_STATUS_TRANSACTION_UNKNOWN);
    free(pir);

    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    pir = fx_installation_result(&fx, false, true, &len);
    assert_int_equal(notify(&fx, pir, len), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    assert_int_equal(fx.fake.installation_calls, 0);
    free(pir);
    pir = fx_installation_result(&fx, false, false, &len);
    assert_int_equal(notify(&fx, pir, len), ES9P_STATUS_OK);
    assert_int_equal(fx.fake.installation_calls, 1);
    assert_false(fx.fake.installation_success);
    free(pir);

    uint8_t *other = fx_other_notification(&fx, false, &len);
    assert_int_equal(notify(&fx, other, len), ES9P_STATUS_OK);
    assert_int_equal(fx.fake.other_calls, 1);
    assert_int_equal(fx.fake.other_seq_number, 7);
    assert_string_equal(fx.fake.last_eid, AW_PKI_DEFAULT_EID);
    free(other);
    other = fx_other_notification(&fx, true, &len);
    assert_int_equal(notify(&fx, other, len), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    assert_int_equal(fx.fake.other_calls, 1);
    assert_int_equal(notify(&fx, other, len - 1), ES9P_STATUS_INVALID_ELEMENT);
    free(other);
    fx_close(&fx);
}

/* ---- CancelSession (5.6.5) ----------------------------------------------------- */

static es9p_status cancel(fixture *fx, const uint8_t *der, size_t len)
{
    es9p_cancel_session_request req = {{fx->transaction_id, ES9P_TRANSACTION_ID_SIZE}, {der, len}};
    es9p_status status;
    assert_int_equal(es9p_cancel_session(&fx->server, &req, FX_NOW, &status), AW_OK);
    return status;
}

static void test_cancel_session(void **state)
{
    fixture fx;
    fx_open(&fx, test_curve(state));
    size_t len;
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    uint8_t *csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_POSTPONED, false, false,
                                              &len);
    /* before AuthenticateClient there is no eUICC key to verify with */
    assert_int_equal(cancel(&fx, csr, len), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    free(csr);
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);
    csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_POSTPONED, true, false, &len);
    assert_int_equal(cancel(&fx, csr, len), ES9P_STATUS_EUICC_VERIFICATION_FAILED);
    assert_int_equal(cancel(&fx, csr, len - 1), ES9P_STATUS_INVALID_ELEMENT);
    free(csr);
    csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_POSTPONED, false, true, &len);
    assert_int_equal(cancel(&fx, csr, len), ES9P_STATUS_SMDP_OID_INVALID);
    free(csr);
    assert_int_equal(fx.fake.cancel_calls, 0);
    csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_END_USER_REJECTION, false, false,
                                     &len);
    assert_int_equal(cancel(&fx, csr, len), ES9P_STATUS_OK);
    assert_int_equal(fx.fake.cancel_calls, 1);
    assert_int_equal(fx.fake.cancel_reason, SGP22_CANCEL_SESSION_END_USER_REJECTION);
    /* the session is gone */
    assert_int_equal(cancel(&fx, csr, len), ES9P_STATUS_TRANSACTION_UNKNOWN);
    free(csr);
    fx_close(&fx);
}

/* ---- Store, status table, arguments ----------------------------------------- */

static void test_memory_store(void **state)
{
    (void)state;
    es9p_memory_store *memory = NULL;
    assert_int_equal(es9p_memory_store_new(0, &memory), AW_ERR_ARGUMENT);
    assert_null(memory);
    assert_int_equal(es9p_memory_store_new(2, &memory), AW_OK);
    es9p_session_store store = es9p_memory_store_interface(memory);
    es9p_session s, got;
    memset(&s, 0, sizeof(s));
    s.state = ES9P_SESSION_INITIATED;
    s.expires = FX_NOW + 10;
    for (uint8_t i = 0; i < 2; i++) {
        s.transaction_id[0] = i;
        assert_int_equal(store.put(store.userdata, &s, FX_NOW), AW_OK);
    }
    s.transaction_id[0] = 2;
    assert_int_equal(store.put(store.userdata, &s, FX_NOW), AW_ERR_LIMIT);
    /* once the others expire their slots are reused */
    assert_int_equal(store.put(store.userdata, &s, FX_NOW + 10), AW_OK);
    assert_int_equal(es9p_memory_store_count(memory, FX_NOW + 10), 0);
    assert_int_equal(store.get(store.userdata, s.transaction_id, 16, FX_NOW, &got), AW_OK);
    assert_int_equal(store.get(store.userdata, s.transaction_id, 15, FX_NOW, &got),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(store.remove(store.userdata, s.transaction_id, 16), AW_OK);
    assert_int_equal(store.get(store.userdata, s.transaction_id, 16, FX_NOW, &got),
                     AW_ERR_NOT_FOUND);
    es9p_memory_store_free(memory);
    es9p_memory_store_free(NULL);
}

static void test_status_table(void **state)
{
    (void)state;
    assert_null(es9p_status_subject_code(ES9P_STATUS_OK));
    assert_null(es9p_status_subject_code(ES9P_STATUS__COUNT));
    assert_null(es9p_status_reason_code(ES9P_STATUS__COUNT));
    assert_string_equal(es9p_status_message(ES9P_STATUS__COUNT), "Unknown status");
    for (int s = 1; s < ES9P_STATUS__COUNT; s++) {
        assert_non_null(es9p_status_subject_code((es9p_status)s));
        assert_non_null(es9p_status_reason_code((es9p_status)s));
    }
    /* spot checks against SGP.22 5.6.x */
    assert_string_equal(es9p_status_subject_code(ES9P_STATUS_TRANSACTION_UNKNOWN), "8.10.1");
    assert_string_equal(es9p_status_reason_code(ES9P_STATUS_TRANSACTION_UNKNOWN), "3.9");
    assert_string_equal(es9p_status_subject_code(ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED), "8.8.5");
    assert_string_equal(es9p_status_reason_code(ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED), "4.10");
    assert_string_equal(es9p_status_reason_code(ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED),
                        "6.4");
}

/* Our own failures and backend contract breaches: aw_err, status 1.2/4.2. */
static void test_internal_failures(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    size_t len;
    uint8_t *info = fx_euicc_info1(&fx.credential.ci_pkid, &fx.credential.ci_pkid, &len);
    es9p_initiate_authentication_request req = {
        .euicc_challenge = {fx.euicc_challenge, 16},
        .euicc_info1 = {info, len},
        .smdp_address = {(const uint8_t *)FX_ADDRESS, strlen(FX_ADDRESS)},
    };
    es9p_initiate_authentication_response resp;
    es9p_status status;
    for (int i = 0; i < 8; i++) { /* the store holds 8 */
        assert_int_equal(es9p_initiate_authentication(&fx.server, &req, FX_NOW, &resp, &status),
                         AW_OK);
        es9p_initiate_authentication_response_clear(&resp);
    }
    assert_int_equal(es9p_initiate_authentication(&fx.server, &req, FX_NOW, &resp, &status),
                     AW_ERR_LIMIT);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    assert_null(resp.server_signed1);
    free(info);
    fx_close(&fx);

    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    size_t asr_len;
    uint8_t *asr = fx_authenticate_server_response(&fx, &auth_ok, &asr_len);
    es9p_authenticate_client_request areq = {{fx.transaction_id, ES9P_TRANSACTION_ID_SIZE},
                                             {asr, asr_len}};
    es9p_authenticate_client_response aresp;
    fx.fake.find_error = AW_ERR_DB_FAILED;
    assert_int_equal(es9p_authenticate_client(&fx.server, &areq, FX_NOW, &aresp, &status),
                     AW_ERR_DB_FAILED);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    fx.fake.find_error = AW_OK;
    fx.fake.find_without_metadata = true;
    assert_int_equal(es9p_authenticate_client(&fx.server, &areq, FX_NOW, &aresp, &status),
                     AW_ERR_STATE);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    assert_null(aresp.smdp_signed2);
    fx.fake.find_without_metadata = false;
    fx.fake.find_bad_metadata = true;
    assert_int_equal(es9p_authenticate_client(&fx.server, &areq, FX_NOW, &aresp, &status),
                     AW_ERR_STATE);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    free(asr);
    fx.fake.find_bad_metadata = false;
    fx.fake.cc_required = true;
    assert_int_equal(fx_authenticate(&fx, &auth_ok), ES9P_STATUS_OK);

    /* a backend that lets a wrong code pass, or binds nothing */
    fx_prepare_options wrong = {.with_hash_cc = true, .confirmation_code = "1"};
    uint8_t otpk[CRYPTO_POINT_SIZE];
    uint8_t *pdr = fx_prepare_download_response(&fx, &wrong, otpk, &len);
    es9p_get_bound_profile_package_request greq = {
        {fx.transaction_id, ES9P_TRANSACTION_ID_SIZE}, {pdr, len}};
    es9p_get_bound_profile_package_response gresp;
    fx.fake.cc_failed_says_ok = true;
    assert_int_equal(es9p_get_bound_profile_package(&fx.server, &greq, FX_NOW, &gresp, &status),
                     AW_ERR_STATE);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    free(pdr);
    fx_prepare_options right = {.with_hash_cc = true};
    pdr = fx_prepare_download_response(&fx, &right, otpk, &len);
    greq.prepare_download_response = (aw_slice){pdr, len};
    fx.fake.bind_without_package = true;
    assert_int_equal(es9p_get_bound_profile_package(&fx.server, &greq, FX_NOW, &gresp, &status),
                     AW_ERR_STATE);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    free(pdr);

    /* the backend cannot record a result: the LPA is told, the session stays */
    fx.fake.report_error = AW_ERR_DB_BUSY;
    uint8_t *pir = fx_installation_result(&fx, true, false, &len);
    assert_int_equal(es9p_handle_notification(&fx.server, (aw_slice){pir, len}, FX_NOW, &status),
                     AW_ERR_DB_BUSY);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    assert_int_equal(es9p_memory_store_count(fx.memory, FX_NOW), 1);
    free(pir);
    uint8_t *csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_TIMEOUT, false, false,
                                              &len);
    es9p_cancel_session_request creq = {{fx.transaction_id, ES9P_TRANSACTION_ID_SIZE},
                                        {csr, len}};
    assert_int_equal(es9p_cancel_session(&fx.server, &creq, FX_NOW, &status), AW_ERR_DB_BUSY);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    free(csr);
    fx_close(&fx);
}

static void test_arguments(void **state)
{
    (void)state;
    es9p_status status = ES9P_STATUS_OK;
    assert_int_equal(es9p_initiate_authentication(NULL, NULL, 0, NULL, &status), AW_ERR_ARGUMENT);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    assert_int_equal(es9p_authenticate_client(NULL, NULL, 0, NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_get_bound_profile_package(NULL, NULL, 0, NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_handle_notification(NULL, (aw_slice){NULL, 0}, 0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_cancel_session(NULL, NULL, 0, NULL), AW_ERR_ARGUMENT);
    es9p_initiate_authentication_response_clear(NULL);
    es9p_authenticate_client_response_clear(NULL);
    es9p_get_bound_profile_package_response_clear(NULL);
}

#define BOTH_CURVES(t)                                                                    \
    cmocka_unit_test_setup(t, setup_p256), cmocka_unit_test_setup(t, setup_brainpool)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH_CURVES(test_download_flow),
        BOTH_CURVES(test_initiate_authentication),
        BOTH_CURVES(test_authenticate_client_verification),
        BOTH_CURVES(test_authenticate_client_certificates),
        BOTH_CURVES(test_get_bound_profile_package),
        BOTH_CURVES(test_confirmation_code),
        BOTH_CURVES(test_handle_notification),
        BOTH_CURVES(test_cancel_session),
        cmocka_unit_test(test_memory_store),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_internal_failures),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
