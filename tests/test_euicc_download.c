/* Tests of the download engine's authentication half (src/euicc/download.c):
 * ES10b.GetEUICCChallenge (SGP.22 5.7.7), AuthenticateServer (5.7.13),
 * PrepareDownload (5.7.5), CancelSession (5.7.14) and session discipline,
 * against a test SM-DP+ on a fresh PKI of each curve. */
#include "euicc_download_testutil.h"

#include <openssl/evp.h>

enum { SIM_P256, SIM_BRAINPOOL, SIM_OTHER, SIM_COUNT };
static sim sims[SIM_COUNT];

static int group_setup(void **state)
{
    (void)state;
    if (sim_init(&sims[SIM_P256], AW_PKI_CURVE_NIST_P256, TEST_NOW) != AW_OK ||
        sim_init(&sims[SIM_BRAINPOOL], AW_PKI_CURVE_BRAINPOOL_P256R1, TEST_NOW) != AW_OK ||
        sim_init(&sims[SIM_OTHER], AW_PKI_CURVE_NIST_P256, TEST_NOW) != AW_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < SIM_COUNT; i++)
        sim_free(&sims[i]);
    return 0;
}

/* A certificate of the given role issued by the CI of s, with a subject key
 * of another curve or another SM-DP+ OID. */
static pki_certificate *issue_dp(const sim *s, aw_pki_role role, aw_pki_curve key_curve,
                                 const char *oid, EVP_PKEY **key_out)
{
    EVP_PKEY *key = NULL;
    pki_certificate *cert = NULL;
    pki_issue_request request = {
        .role = role,
        .organization = "airwrite test",
        .common_name = "SM-DP+",
        .registered_id = oid,
        .not_before = TEST_NOW - 3600,
        .not_after = TEST_NOW + 86400,
    };
    assert_int_equal(pki_generate_key(key_curve, &key), AW_OK);
    assert_int_equal(pki_issue_certificate(&request, key, s->pki.cert[AW_PKI_ROLE_CI],
                                           s->pki.key[AW_PKI_ROLE_CI], &cert),
                     AW_OK);
    *key_out = key;
    return cert;
}

/* ---- GetEUICCChallenge -------------------------------------------------- */

static void test_challenge_fresh(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    uint8_t first[16];
    memcpy(first, fx.challenge, 16);
    fx_challenge(&fx);
    assert_memory_not_equal(first, fx.challenge, 16);
    fixture_close(&fx);
}

static void test_challenge_malformed(void **state)
{
    (void)state;
    static const uint8_t bad[] = {0xBF, 0x2E, 0x01};
    uint8_t *response = NULL;
    size_t len = 0;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    assert_int_not_equal(euicc_download_get_challenge(fx.engine, bad, sizeof(bad), &response,
                                                      &len),
                         AW_OK);
    assert_null(response);
    fixture_close(&fx);
}

/* ---- AuthenticateServer ---------------------------------------------------- */

static void check_authenticate_ok(sim *s)
{
    fixture fx;
    sim_auth_options o = {0};
    uint8_t *response = NULL;
    size_t len = 0;
    sgp22_authenticate_server_response decoded;
    fixture_open(&fx, s);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate_at(&fx, &o, TEST_NOW, &response, &len), 0);
    assert_int_equal(sgp22_decode_authenticate_server_response(response, len, &decoded), AW_OK);
    const sgp22_euicc_signed1 *signed1 = &decoded.ok.euicc_signed1;
    /* euiccSignature1 verifies under CERT.EUICC over the exact euiccSigned1 */
    crypto_key *key = fx_euicc_public_key(&fx);
    assert_int_equal(crypto_verify_ecdsa(key, signed1->raw.ptr, signed1->raw.len,
                                         decoded.ok.euicc_signature1.ptr,
                                         decoded.ok.euicc_signature1.len),
                     AW_OK);
    crypto_key_free(key);
    assert_memory_equal(signed1->transaction_id.ptr, s->transaction_id, 16);
    assert_int_equal(signed1->server_address.len, strlen(SIM_SERVER_ADDRESS));
    assert_memory_equal(signed1->server_address.ptr, SIM_SERVER_ADDRESS,
                        strlen(SIM_SERVER_ADDRESS));
    assert_int_equal(signed1->server_challenge.len, 16);
    assert_int_equal(signed1->server_challenge.ptr[0], 0x5C);
    assert_int_equal(signed1->euicc_info2.len, sizeof(sim_euicc_info2));
    assert_memory_equal(signed1->euicc_info2.ptr, sim_euicc_info2, sizeof(sim_euicc_info2));
    assert_int_equal(signed1->ctx_params1.raw.len, sizeof(sim_ctx_params1));
    assert_memory_equal(signed1->ctx_params1.raw.ptr, sim_ctx_params1, sizeof(sim_ctx_params1));
    aw_slice euicc = pki_certificate_der(s->identity.euicc_certificate);
    aw_slice eum = pki_certificate_der(s->identity.eum_certificate);
    assert_int_equal(decoded.ok.euicc_certificate.len, euicc.len);
    assert_memory_equal(decoded.ok.euicc_certificate.ptr, euicc.ptr, euicc.len);
    assert_int_equal(decoded.ok.eum_certificate.len, eum.len);
    assert_memory_equal(decoded.ok.eum_certificate.ptr, eum.ptr, eum.len);
    free(response);
    fixture_close(&fx);
}

static void test_authenticate_ok_p256(void **state)
{
    (void)state;
    check_authenticate_ok(&sims[SIM_P256]);
}

static void test_authenticate_ok_brainpool(void **state)
{
    (void)state;
    check_authenticate_ok(&sims[SIM_BRAINPOOL]);
}

/* Run one AuthenticateServer after a challenge and return its error code. */
static int64_t authenticate_with(const sim_auth_options *o, time_t now, bool with_challenge)
{
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    if (with_challenge)
        fx_challenge(&fx);
    int64_t code = fx_authenticate_at(&fx, o, now, NULL, NULL);
    /* a failed authentication leaves no session to prepare a download on */
    sim_prepare_options prepare = {0};
    if (code != 0)
        assert_int_equal(fx_prepare(&fx, &prepare), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
    return code;
}

static void test_authenticate_wrong_challenge(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options o = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    fx.challenge[3] ^= 0x40;
    assert_int_equal(fx_authenticate(&fx, &o), SGP22_AUTHENTICATE_ERROR_EUICC_CHALLENGE_MISMATCH);
    fixture_close(&fx);
}

static void test_authenticate_tampered(void **state)
{
    (void)state;
    sim_auth_options o = {.tamper = true};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE);
}

static void test_authenticate_wrong_key(void **state)
{
    (void)state;
    /* signed by another SM-DP+'s key under our DPauth certificate */
    sim_auth_options o = {.signing_key = sims[SIM_OTHER].dp_auth_key};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE);
}

static void test_authenticate_untrusted_ci(void **state)
{
    (void)state;
    sim_auth_options o = {.certificate = sims[SIM_OTHER].pki.cert[AW_PKI_ROLE_DP_AUTH],
                          .signing_key = sims[SIM_OTHER].dp_auth_key};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_INVALID_CERTIFICATE);
}

static void test_authenticate_wrong_role(void **state)
{
    (void)state;
    /* CERT.DPpb presented as CERT.DPauth: its policy OID is id-rspRole-dp-pb */
    sim_auth_options o = {.certificate = sims[SIM_P256].pki.cert[AW_PKI_ROLE_DP_PB],
                          .signing_key = sims[SIM_P256].dp_pb_key};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_INVALID_OID);
}

static void test_authenticate_expired(void **state)
{
    (void)state;
    sim_auth_options o = {0};
    /* CERT.DPauth is valid 3 years from TEST_NOW - 1 h */
    assert_int_equal(authenticate_with(&o, TEST_NOW + 4 * 365 * 86400, true),
                     SGP22_AUTHENTICATE_ERROR_INVALID_CERTIFICATE);
}

static void test_authenticate_unknown_ci_pkid(void **state)
{
    (void)state;
    sim_auth_options o = {.ci_pkid = &sims[SIM_OTHER].identity.ci_pkids_signing[0]};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_CI_PK_UNKNOWN);
}

static void test_authenticate_curve_mismatch(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    pki_certificate *cert = issue_dp(&sims[SIM_P256], AW_PKI_ROLE_DP_AUTH,
                                     AW_PKI_CURVE_BRAINPOOL_P256R1, AW_PKI_TEST_SMDP_OID, &key);
    crypto_key *signing = NULL;
    assert_int_equal(sim_key_from_evp(key, &signing), AW_OK);
    sim_auth_options o = {.certificate = cert, .signing_key = signing};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true),
                     SGP22_AUTHENTICATE_ERROR_UNSUPPORTED_CURVE);
    crypto_key_free(signing);
    EVP_PKEY_free(key);
    pki_certificate_free(cert);
}

static void test_authenticate_oid_too_long(void **state)
{
    (void)state;
    /* a registeredID far longer than any SM-DP+ OID */
    char oid[400] = "2.999";
    for (int i = 0; i < 40; i++)
        strcat(oid, ".1234567");
    EVP_PKEY *key = NULL;
    pki_certificate *cert = issue_dp(&sims[SIM_P256], AW_PKI_ROLE_DP_AUTH,
                                     AW_PKI_CURVE_NIST_P256, oid, &key);
    crypto_key *signing = NULL;
    assert_int_equal(sim_key_from_evp(key, &signing), AW_OK);
    sim_auth_options o = {.certificate = cert, .signing_key = signing};
    assert_int_equal(authenticate_with(&o, TEST_NOW, true), SGP22_AUTHENTICATE_ERROR_INVALID_OID);
    crypto_key_free(signing);
    EVP_PKEY_free(key);
    pki_certificate_free(cert);
}

static void test_authenticate_address_too_long(void **state)
{
    (void)state;
    char address[EUICC_ADDRESS_MAX + 2];
    memset(address, 'a', sizeof(address) - 1);
    address[sizeof(address) - 1] = '\0';
    sim_auth_options o = {.server_address = address};
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    aw_slice info2 = {sim_euicc_info2, sizeof(sim_euicc_info2)};
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(sim_authenticate_server_request(fx.sim, fx.challenge, &o, &request,
                                                     &request_len),
                     AW_OK);
    assert_int_equal(euicc_download_authenticate_server(fx.engine, request, request_len, info2,
                                                        TEST_NOW, &response, &len),
                     AW_ERR_DER_CONSTRAINT);
    assert_null(response);
    free(request);
    /* one byte shorter is taken */
    address[EUICC_ADDRESS_MAX] = '\0';
    assert_int_equal(fx_authenticate(&fx, &o), 0);
    fixture_close(&fx);
}

static void test_authenticate_without_challenge(void **state)
{
    (void)state;
    sim_auth_options o = {0};
    assert_int_equal(authenticate_with(&o, TEST_NOW, false),
                     SGP22_AUTHENTICATE_ERROR_NO_SESSION_CONTEXT);
}

static void test_authenticate_challenge_single_use(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options o = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &o), 0);
    assert_int_equal(fx_authenticate(&fx, &o), SGP22_AUTHENTICATE_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
}

static void test_authenticate_malformed(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options o = {0};
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    aw_slice info2 = {sim_euicc_info2, sizeof(sim_euicc_info2)};
    aw_slice not_info2 = {sim_ctx_params1, sizeof(sim_ctx_params1)};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(sim_authenticate_server_request(fx.sim, fx.challenge, &o, &request,
                                                     &request_len),
                     AW_OK);
    /* truncated command: no response, the dispatcher answers 6A80 */
    assert_int_not_equal(euicc_download_authenticate_server(fx.engine, request, request_len - 1,
                                                            info2, TEST_NOW, &response, &len),
                         AW_OK);
    assert_null(response);
    /* the caller's EUICCInfo2 must be a BF22 TLV */
    assert_int_equal(euicc_download_authenticate_server(fx.engine, request, request_len,
                                                        not_info2, TEST_NOW, &response, &len),
                     AW_ERR_ARGUMENT);
    free(request);
    fixture_close(&fx);
}

/* ---- PrepareDownload ----------------------------------------------------- */

static void check_prepare_ok(sim *s)
{
    fixture fx;
    sim_auth_options auth = {0};
    sim_prepare_options o = {.cc_required = true, .with_hash_cc = true};
    uint8_t *response = NULL;
    size_t len = 0;
    sgp22_prepare_download_response decoded;
    fixture_open(&fx, s);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(fx_prepare_at(&fx, &o, TEST_NOW, &response, &len), 0);
    assert_int_equal(sgp22_decode_prepare_download_response(response, len, &decoded), AW_OK);
    const sgp22_euicc_signed2 *signed2 = &decoded.ok.euicc_signed2;
    assert_memory_equal(signed2->transaction_id.ptr, s->transaction_id, 16);
    assert_true(signed2->has_hash_cc);
    assert_int_equal(signed2->hash_cc.ptr[0], 0xCC);
    /* otPK.EUICC.ECKA lies on the curve of CERT.DPpb */
    crypto_key *otpk = NULL;
    assert_int_equal(crypto_key_from_point(crypto_key_curve(s->dp_pb_key),
                                           signed2->euicc_otpk.ptr, signed2->euicc_otpk.len,
                                           &otpk),
                     AW_OK);
    crypto_key_free(otpk);
    /* euiccSignature2 covers euiccSigned2 || smdpSignature2 data object */
    uint8_t object[3 + CRYPTO_SIGNATURE_SIZE];
    sim_signature_object(s->smdp_signature2, object);
    size_t total = signed2->raw.len + sizeof(object);
    uint8_t *signed_data = malloc(total);
    assert_non_null(signed_data);
    memcpy(signed_data, signed2->raw.ptr, signed2->raw.len);
    memcpy(signed_data + signed2->raw.len, object, sizeof(object));
    crypto_key *key = fx_euicc_public_key(&fx);
    assert_int_equal(crypto_verify_ecdsa(key, signed_data, total,
                                         decoded.ok.euicc_signature2.ptr,
                                         decoded.ok.euicc_signature2.len),
                     AW_OK);
    /* ... and not euiccSigned2 alone */
    assert_int_equal(crypto_verify_ecdsa(key, signed2->raw.ptr, signed2->raw.len,
                                         decoded.ok.euicc_signature2.ptr,
                                         decoded.ok.euicc_signature2.len),
                     AW_ERR_SIGNATURE);
    crypto_key_free(key);
    free(signed_data);
    free(response);
    fixture_close(&fx);
}

static void test_prepare_ok_p256(void **state)
{
    (void)state;
    check_prepare_ok(&sims[SIM_P256]);
}

static void test_prepare_ok_brainpool(void **state)
{
    (void)state;
    check_prepare_ok(&sims[SIM_BRAINPOOL]);
}

/* After a good authentication, one PrepareDownload; its error code. */
static int64_t prepare_with(const sim_prepare_options *o)
{
    fixture fx;
    sim_auth_options auth = {0};
    sim_prepare_options good = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    int64_t code = fx_prepare(&fx, o);
    /* an error leaves the authenticated session in place */
    if (code != 0)
        assert_int_equal(fx_prepare(&fx, &good), 0);
    fixture_close(&fx);
    return code;
}

static void test_prepare_transaction_mismatch(void **state)
{
    (void)state;
    sim_prepare_options o = {.transaction_id_first = 0x11};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_INVALID_TRANSACTION_ID);
}

static void test_prepare_tampered(void **state)
{
    (void)state;
    sim_prepare_options o = {.tamper = true};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_INVALID_SIGNATURE);
}

static void test_prepare_missing_hash_cc(void **state)
{
    (void)state;
    sim_prepare_options o = {.cc_required = true};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_UNDEFINED);
}

static void test_prepare_untrusted_ci(void **state)
{
    (void)state;
    sim_prepare_options o = {.certificate = sims[SIM_OTHER].pki.cert[AW_PKI_ROLE_DP_PB],
                             .signing_key = sims[SIM_OTHER].dp_pb_key};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE);
}

static void test_prepare_wrong_role(void **state)
{
    (void)state;
    sim_prepare_options o = {.certificate = sims[SIM_P256].pki.cert[AW_PKI_ROLE_DP_AUTH],
                             .signing_key = sims[SIM_P256].dp_auth_key};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE);
}

static void test_prepare_other_smdp(void **state)
{
    (void)state;
    /* a valid DPpb of the same CI, but for another SM-DP+ OID */
    EVP_PKEY *key = NULL;
    pki_certificate *cert = issue_dp(&sims[SIM_P256], AW_PKI_ROLE_DP_PB,
                                     AW_PKI_CURVE_NIST_P256, "2.999.11", &key);
    crypto_key *signing = NULL;
    assert_int_equal(sim_key_from_evp(key, &signing), AW_OK);
    sim_prepare_options o = {.certificate = cert, .signing_key = signing};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE);
    crypto_key_free(signing);
    EVP_PKEY_free(key);
    pki_certificate_free(cert);
}

static void test_prepare_curve_mismatch(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    pki_certificate *cert = issue_dp(&sims[SIM_P256], AW_PKI_ROLE_DP_PB,
                                     AW_PKI_CURVE_BRAINPOOL_P256R1, AW_PKI_TEST_SMDP_OID, &key);
    crypto_key *signing = NULL;
    assert_int_equal(sim_key_from_evp(key, &signing), AW_OK);
    sim_prepare_options o = {.certificate = cert, .signing_key = signing};
    assert_int_equal(prepare_with(&o), SGP22_DOWNLOAD_ERROR_UNSUPPORTED_CURVE);
    crypto_key_free(signing);
    EVP_PKEY_free(key);
    pki_certificate_free(cert);
}

static void test_prepare_expired(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options auth = {0};
    sim_prepare_options o = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(fx_prepare_at(&fx, &o, TEST_NOW + 4 * 365 * 86400, NULL, NULL),
                     SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE);
    fixture_close(&fx);
}

static void test_prepare_out_of_order(void **state)
{
    (void)state;
    fixture fx;
    sim_prepare_options o = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    /* before any authentication */
    assert_int_equal(fx_prepare(&fx, &o), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    /* after a challenge only */
    fx_challenge(&fx);
    assert_int_equal(fx_prepare(&fx, &o), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
    /* twice in one session */
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    assert_int_equal(fx_prepare(&fx, &o), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
}

/* A new session that asks for otPK.EUICC.ECKA again; returns whether the
 * eUICC gave the same one. */
static bool retry_keeps_otpk(fixture *fx, bool name_it_right)
{
    sim_auth_options auth = {0};
    uint8_t before[CRYPTO_POINT_SIZE], asked[CRYPTO_POINT_SIZE];
    memcpy(before, fx->sim->euicc_otpk, sizeof(before));
    memcpy(asked, before, sizeof(asked));
    if (!name_it_right)
        asked[1] ^= 0x01;
    sim_prepare_options o = {.bpp_euicc_otpk = asked};
    fx_challenge(fx);
    assert_int_equal(fx_authenticate(fx, &auth), 0);
    assert_int_equal(fx_prepare(fx, &o), 0);
    return memcmp(before, fx->sim->euicc_otpk, sizeof(before)) == 0;
}

static void test_prepare_retry_otpk(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    /* SGP.22 5.7.5: bppEuiccOtpk names the key pair of an earlier attempt */
    assert_true(retry_keeps_otpk(&fx, true));
    assert_false(retry_keeps_otpk(&fx, false));
    assert_true(retry_keeps_otpk(&fx, true));
    /* CancelSession and reset delete otSK.EUICC.ECKA */
    uint8_t *response = NULL;
    size_t len = 0;
    sgp22_cancel_session_request cancel_request = {
        .transaction_id = {fx.sim->transaction_id, 16},
        .reason = SGP22_CANCEL_SESSION_TIMEOUT,
    };
    uint8_t *request = NULL;
    size_t request_len = 0;
    assert_int_equal(sgp22_encode_cancel_session_request(&cancel_request, &request, &request_len),
                     AW_OK);
    assert_int_equal(euicc_download_cancel_session(fx.engine, request, request_len, &response,
                                                   &len),
                     AW_OK);
    free(request);
    free(response);
    assert_false(retry_keeps_otpk(&fx, true));
    euicc_download_reset(fx.engine);
    assert_false(retry_keeps_otpk(&fx, true));
    fixture_close(&fx);
}

static void test_prepare_malformed(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options auth = {0};
    sim_prepare_options o = {0};
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(sim_prepare_download_request(fx.sim, &o, &request, &request_len), AW_OK);
    assert_int_not_equal(euicc_download_prepare_download(fx.engine, request, request_len - 2,
                                                         TEST_NOW, &response, &len),
                         AW_OK);
    assert_null(response);
    free(request);
    fixture_close(&fx);
}

/* ---- CancelSession ------------------------------------------------------- */

static int64_t cancel(fixture *fx, uint8_t first_byte, uint8_t **out, size_t *out_len)
{
    uint8_t transaction_id[16];
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    sgp22_cancel_session_request cancel_request;
    sgp22_cancel_session_response decoded;
    memcpy(transaction_id, fx->sim->transaction_id, 16);
    if (first_byte != 0)
        transaction_id[0] = first_byte;
    memset(&cancel_request, 0, sizeof(cancel_request));
    cancel_request.transaction_id = (aw_slice){transaction_id, 16};
    cancel_request.reason = SGP22_CANCEL_SESSION_POSTPONED;
    assert_int_equal(sgp22_encode_cancel_session_request(&cancel_request, &request, &request_len),
                     AW_OK);
    assert_int_equal(euicc_download_cancel_session(fx->engine, request, request_len, &response,
                                                   &len),
                     AW_OK);
    free(request);
    assert_int_equal(sgp22_decode_cancel_session_response(response, len, &decoded), AW_OK);
    int64_t code = decoded.kind == SGP22_RESPONSE_OK ? -1 : decoded.error;
    if (out != NULL) {
        *out = response;
        *out_len = len;
    } else {
        free(response);
    }
    return code;
}

static void test_cancel_ok(void **state)
{
    (void)state;
    fixture fx;
    uint8_t *response = NULL;
    size_t len = 0;
    sgp22_cancel_session_response decoded;
    sim_prepare_options o = {0};
    fixture_open(&fx, &sims[SIM_BRAINPOOL]);
    fx_prepared_session(&fx);
    assert_int_equal(cancel(&fx, 0, &response, &len), -1);
    assert_int_equal(sgp22_decode_cancel_session_response(response, len, &decoded), AW_OK);
    const sgp22_euicc_cancel_session_signed *signed_part = &decoded.ok.euicc_cancel_session_signed;
    assert_memory_equal(signed_part->transaction_id.ptr, fx.sim->transaction_id, 16);
    test_assert_hex(signed_part->smdp_oid.ptr, signed_part->smdp_oid.len, "88370A"); /* 2.999.10 */
    assert_int_equal(signed_part->reason, SGP22_CANCEL_SESSION_POSTPONED);
    crypto_key *key = fx_euicc_public_key(&fx);
    assert_int_equal(crypto_verify_ecdsa(key, signed_part->raw.ptr, signed_part->raw.len,
                                         decoded.ok.euicc_cancel_session_signature.ptr,
                                         decoded.ok.euicc_cancel_session_signature.len),
                     AW_OK);
    crypto_key_free(key);
    free(response);
    /* the session is gone */
    assert_false(euicc_download_loading(fx.engine));
    assert_int_equal(cancel(&fx, 0, NULL, NULL), SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    assert_int_equal(fx_prepare(&fx, &o), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
}

static void test_cancel_wrong_transaction(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options auth = {0};
    sim_prepare_options o = {0};
    fixture_open(&fx, &sims[SIM_P256]);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(cancel(&fx, 0x33, NULL, NULL),
                     SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    /* the session of the real transaction goes on */
    assert_int_equal(fx_prepare(&fx, &o), 0);
    fixture_close(&fx);
}

static void test_cancel_without_session(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    assert_int_equal(cancel(&fx, 0, NULL, NULL), SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    fx_challenge(&fx);
    assert_int_equal(cancel(&fx, 0, NULL, NULL), SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    fixture_close(&fx);
}

static void test_cancel_malformed(void **state)
{
    (void)state;
    static const uint8_t bad[] = {0xBF, 0x41, 0x03, 0x80, 0x01};
    uint8_t *response = NULL;
    size_t len = 0;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    assert_int_not_equal(euicc_download_cancel_session(fx.engine, bad, sizeof(bad), &response,
                                                       &len),
                         AW_OK);
    assert_null(response);
    fixture_close(&fx);
}

/* ---- session discipline -------------------------------------------------- */

static void test_reset_forgets_session(void **state)
{
    (void)state;
    fixture fx;
    sim_prepare_options o = {0};
    uint8_t *response = NULL;
    size_t len = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    euicc_download_reset(fx.engine);
    assert_false(euicc_download_loading(fx.engine));
    static const uint8_t header[] = {0xBF, 0x36, 0x00};
    assert_int_equal(euicc_download_load_segment(fx.engine, header, sizeof(header), &response,
                                                 &len),
                     AW_ERR_STATE);
    assert_null(response);
    assert_int_equal(cancel(&fx, 0, NULL, NULL), SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    fx_challenge(&fx);
    assert_int_equal(fx_prepare(&fx, &o), SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT);
    fixture_close(&fx);
}

static void test_new_arguments(void **state)
{
    (void)state;
    euicc_download *engine = (euicc_download *)&engine;
    euicc_download_host host;
    memset(&host, 0, sizeof(host));
    assert_int_equal(euicc_download_new(&sims[SIM_P256].identity, &host, &engine),
                     AW_ERR_ARGUMENT);
    assert_null(engine);
    assert_int_equal(euicc_download_new(NULL, &host, &engine), AW_ERR_ARGUMENT);
    euicc_download_free(NULL);
    euicc_download_reset(NULL);
    assert_false(euicc_download_loading(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge_fresh),
        cmocka_unit_test(test_challenge_malformed),
        cmocka_unit_test(test_authenticate_ok_p256),
        cmocka_unit_test(test_authenticate_ok_brainpool),
        cmocka_unit_test(test_authenticate_wrong_challenge),
        cmocka_unit_test(test_authenticate_tampered),
        cmocka_unit_test(test_authenticate_wrong_key),
        cmocka_unit_test(test_authenticate_untrusted_ci),
        cmocka_unit_test(test_authenticate_wrong_role),
        cmocka_unit_test(test_authenticate_expired),
        cmocka_unit_test(test_authenticate_unknown_ci_pkid),
        cmocka_unit_test(test_authenticate_curve_mismatch),
        cmocka_unit_test(test_authenticate_oid_too_long),
        cmocka_unit_test(test_authenticate_address_too_long),
        cmocka_unit_test(test_authenticate_without_challenge),
        cmocka_unit_test(test_authenticate_challenge_single_use),
        cmocka_unit_test(test_authenticate_malformed),
        cmocka_unit_test(test_prepare_ok_p256),
        cmocka_unit_test(test_prepare_ok_brainpool),
        cmocka_unit_test(test_prepare_transaction_mismatch),
        cmocka_unit_test(test_prepare_tampered),
        cmocka_unit_test(test_prepare_missing_hash_cc),
        cmocka_unit_test(test_prepare_untrusted_ci),
        cmocka_unit_test(test_prepare_wrong_role),
        cmocka_unit_test(test_prepare_other_smdp),
        cmocka_unit_test(test_prepare_curve_mismatch),
        cmocka_unit_test(test_prepare_expired),
        cmocka_unit_test(test_prepare_out_of_order),
        cmocka_unit_test(test_prepare_retry_otpk),
        cmocka_unit_test(test_prepare_malformed),
        cmocka_unit_test(test_cancel_ok),
        cmocka_unit_test(test_cancel_wrong_transaction),
        cmocka_unit_test(test_cancel_without_session),
        cmocka_unit_test(test_cancel_malformed),
        cmocka_unit_test(test_reset_forgets_session),
        cmocka_unit_test(test_new_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
