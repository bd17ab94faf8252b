/* The IPA's download procedure itself (src/ipa/download.c, download_run
 * over download_server_ops, download_internal.h) against the software
 * eUICC through the IPA's ES10 client, with a scripted server built on
 * the test SM-DP+ of euicc_download_sim.h: the paths a real SM-DP+ cannot
 * be made to take. The eUICC refusing AuthenticateServer or PrepareDownload
 * (its answer still sent to the server, its code reported), a failed
 * ProfileInstallationResult (reported, delivered, and what the eIM hears),
 * HandleNotification failing (installed; the PIR kept on the eUICC),
 * GetBoundProfilePackage unreachable (CancelSession timeout) and refused
 * (undefinedReason), the server's own ctxParams1, Matching ID and hashCc
 * (SGP.32 eIM-generated) used, and hashCc computed as SGP.22 5.7.5 says. */
#include "ipa_testutil.h"

#include "euicc_download_sim.h"
#include "ipa/download_internal.h"

static test_euicc t;
static sim s;
static card_transport *transport;
static ipa *session;

/* ---- a scripted server -------------------------------------------------- */

typedef struct fake_server {
    sim_auth_options auth;
    sim_prepare_options prepare;
    sim_bpp_options bpp;
    int64_t refuse_authenticate_client; /* non-zero: that ESipa-style error */
    aw_err get_bpp_error;               /* AW_OK, or returned by get_bpp */
    int64_t refuse_get_bpp;
    aw_err notify_error;
    download_initiated extra;           /* ctx_params1 / matching_id to hand out */
    bool has_hash_cc;
    uint8_t hash_cc[32];
    /* kept buffers the slices point into */
    uint8_t *auth_request, *prepare_request, *package;
    size_t auth_request_len, prepare_request_len, package_len;
    /* what the IPA sent */
    uint8_t asr[4096], pdr[512];
    size_t asr_len, pdr_len;
    size_t cancels, notifications;
    int64_t cancel_reason;
} fake_server;

static fake_server f;

static aw_err keep(uint8_t *to, size_t cap, size_t *len, aw_slice from)
{
    assert_true(from.len <= cap);
    memcpy(to, from.ptr, from.len);
    *len = from.len;
    return AW_OK;
}

static aw_err fake_initiate(void *server, const uint8_t challenge[16], aw_slice euicc_info1,
                            const char *smdp_address, download_initiated *out,
                            ipa_download_result *result)
{
    (void)server;
    (void)result;
    assert_true(euicc_info1.len > 0);
    assert_string_equal(smdp_address, SIM_SERVER_ADDRESS);
    sgp22_authenticate_server_request request;
    free(f.auth_request);
    assert_int_equal(sim_authenticate_server_request(&s, challenge, &f.auth, &f.auth_request,
                                                     &f.auth_request_len),
                     AW_OK);
    assert_int_equal(sgp22_decode_authenticate_server_request(f.auth_request,
                                                              f.auth_request_len, &request),
                     AW_OK);
    *out = f.extra;
    out->server_signed1 = request.server_signed1.raw;
    out->server_signature1 = request.server_signature1;
    out->ci_pkid = request.euicc_ci_pkid_to_be_used;
    out->server_certificate = request.server_certificate;
    return AW_OK;
}

static aw_err fake_authenticate_client(void *server, const download_initiated *init,
                                       aw_slice asr, download_authenticated *out,
                                       ipa_download_result *result)
{
    (void)server;
    assert_int_equal(init->transaction_id_len, 16);
    assert_memory_equal(init->transaction_id, s.transaction_id, 16);
    keep(f.asr, sizeof(f.asr), &f.asr_len, asr);
    if (f.refuse_authenticate_client != 0) {
        result->error_code = f.refuse_authenticate_client;
        return AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
    if (sim_take_authenticate_response(&s, asr.ptr, asr.len) != AW_OK) {
        result->error_code = SGP32_AUTHENTICATE_CLIENT_EUICC_SIGNATURE_INVALID;
        return AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
    sgp22_prepare_download_request request;
    free(f.prepare_request);
    assert_int_equal(sim_prepare_download_request(&s, &f.prepare, &f.prepare_request,
                                                  &f.prepare_request_len),
                     AW_OK);
    assert_int_equal(sgp22_decode_prepare_download_request(f.prepare_request,
                                                           f.prepare_request_len, &request),
                     AW_OK);
    memset(out, 0, sizeof(*out));
    out->smdp_signed2 = request.smdp_signed2.raw;
    out->smdp_signature2 = request.smdp_signature2;
    out->smdp_certificate = request.smdp_certificate;
    out->has_hash_cc = f.has_hash_cc;
    out->hash_cc = (aw_slice){f.hash_cc, sizeof(f.hash_cc)};
    return AW_OK;
}

static aw_err fake_get_bpp(void *server, const download_initiated *init, aw_slice pdr,
                           aw_slice *bpp, ipa_download_result *result)
{
    (void)server;
    (void)init;
    keep(f.pdr, sizeof(f.pdr), &f.pdr_len, pdr);
    if (f.get_bpp_error != AW_OK)
        return f.get_bpp_error;
    if (f.refuse_get_bpp != 0) {
        result->error_code = f.refuse_get_bpp;
        return AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
    if (sim_take_prepare_response(&s, pdr.ptr, pdr.len) != AW_OK) {
        result->error_code = SGP32_GET_BPP_EUICC_SIGNATURE_INVALID;
        return AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
    if (f.package != NULL)
        der_bytes_free(f.package, f.package_len);
    assert_int_equal(sim_bound_profile_package(&s, &f.bpp, &f.package, &f.package_len), AW_OK);
    *bpp = (aw_slice){f.package, f.package_len};
    return AW_OK;
}

static aw_err fake_cancel(void *server, const download_initiated *init, aw_slice response)
{
    (void)server;
    sgp22_cancel_session_response decoded;
    assert_int_equal(sgp22_decode_cancel_session_response(response.ptr, response.len, &decoded),
                     AW_OK);
    assert_int_equal(decoded.kind, SGP22_RESPONSE_OK);
    assert_memory_equal(decoded.ok.euicc_cancel_session_signed.transaction_id.ptr,
                        init->transaction_id, init->transaction_id_len);
    f.cancels++;
    f.cancel_reason = decoded.ok.euicc_cancel_session_signed.reason;
    return AW_OK;
}

static aw_err fake_notify(void *server, aw_slice pending)
{
    (void)server;
    sgp22_profile_installation_result pir;
    assert_int_equal(sgp22_decode_profile_installation_result(pending.ptr, pending.len, &pir),
                     AW_OK);
    f.notifications++;
    return f.notify_error;
}

static const download_server_ops fake_ops = {
    .initiate = fake_initiate,
    .authenticate_client = fake_authenticate_client,
    .get_bound_profile_package = fake_get_bpp,
    .cancel_session = fake_cancel,
    .handle_notification = fake_notify,
};

/* ---- fixture ------------------------------------------------------------ */

static ipa_download_config config;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    memset(&f, 0, sizeof(f));
    memset(&config, 0, sizeof(config));
    snprintf(t.dir, sizeof(t.dir), "/tmp/aw-ipadl-proc-XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = EUICC_PROTOCOL_T1;
    assert_int_equal(sim_init(&s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    assert_int_equal(mkdir(t.pki, 0700), 0);
    test_write_pem(t.pki, "ci.pem", s.pki.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(t.pki, "eum.pem", s.pki.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(t.pki, "euicc.pem", s.pki.cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(t.pki, "euicc.key.pem", NULL, s.pki.key[AW_PKI_ROLE_EUICC]);
    te_open(&t);
    transport = card_transport_new(t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memcpy(config.device_info.tac, tac, sizeof(tac));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipa_close(session);
    ipa_transport_close(&transport->base);
    te_close(&t);
    sim_free(&s);
    free(f.auth_request);
    free(f.prepare_request);
    if (f.package != NULL)
        der_bytes_free(f.package, f.package_len);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static aw_err run(ipa_download_result *r)
{
    memset(r, 0, sizeof(*r));
    return download_run(session, &config, &fake_ops, NULL, SIM_SERVER_ADDRESS, "ABC", NULL, r);
}

static size_t pending_installs(void)
{
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, SGP22_NOTIFICATION_INSTALL, &list),
                     AW_OK);
    return list.notification_metadata_list.count;
}

/* The AuthenticateServerResponse / PrepareDownloadResponse the IPA sent. */
static sgp22_authenticate_server_response sent_asr(void)
{
    sgp22_authenticate_server_response asr;
    assert_int_equal(sgp22_decode_authenticate_server_response(f.asr, f.asr_len, &asr), AW_OK);
    return asr;
}

static sgp22_prepare_download_response sent_pdr(void)
{
    sgp22_prepare_download_response pdr;
    assert_int_equal(sgp22_decode_prepare_download_response(f.pdr, f.pdr_len, &pdr), AW_OK);
    return pdr;
}

/* ---- tests -------------------------------------------------------------- */

static void test_installed(void **state)
{
    (void)state;
    ipa_download_result r;
    assert_int_equal(run(&r), AW_OK);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_NONE);
    assert_int_equal(f.notifications, 1);
    assert_true(r.notified);
    assert_true(r.removed);
    assert_int_equal(pending_installs(), 0);
    /* ctxParams1: the caller's Matching ID and the configured DeviceInfo */
    sgp22_authenticate_server_response asr = sent_asr();
    assert_int_equal(asr.kind, SGP22_RESPONSE_OK);
    const sgp22_ctx_params1 *ctx = &asr.ok.euicc_signed1.ctx_params1;
    assert_true(ctx->has_matching_id);
    assert_int_equal(ctx->matching_id.len, 3);
    assert_memory_equal(ctx->matching_id.ptr, "ABC", 3);
    assert_memory_equal(ctx->device_info.tac.ptr, config.device_info.tac, IPA_TAC_SIZE);
    assert_false(ctx->device_info.has_imei);
    /* no Confirmation Code asked for: no hashCc */
    assert_false(sent_pdr().ok.euicc_signed2.has_hash_cc);
    ipa_download_result_clear(&r);
}

static void test_notification_fails(void **state)
{
    (void)state;
    ipa_download_result r;
    f.notify_error = AW_ERR_HTTP_CONNECT;
    /* installed; the PIR stays on the eUICC for a later delivery */
    assert_int_equal(run(&r), AW_OK);
    assert_non_null(r.installation_result);
    assert_false(r.notified);
    assert_false(r.removed);
    assert_int_equal(pending_installs(), 1);
    ipa_download_result_clear(&r);
}

static void test_installation_failed(void **state)
{
    (void)state;
    ipa_download_result r;
    f.bpp.metadata_iccid = "8988211000000012354"; /* metadata names another ICCID */
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_LOAD_BOUND_PROFILE_PACKAGE);
    assert_non_null(r.installation_result);
    sgp22_profile_installation_result pir;
    assert_int_equal(sgp22_decode_profile_installation_result(r.installation_result,
                                                              r.installation_result_len, &pir),
                     AW_OK);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(r.error_code, pir.data.error.error_reason);
    assert_true(r.notified); /* the failure goes to the server too */
    assert_true(r.removed);
    assert_false(r.cancelled);
    /* the eIM hears the signed PIR, not a profileDownloadError */
    uint8_t *der = NULL;
    size_t len = 0;
    sgp32_profile_download_trigger_result result;
    assert_int_equal(ipa_download_trigger_result(NULL, &r, &der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(der, len, &result), AW_OK);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION);
    free(der);
    ipa_download_result_clear(&r);
}

static void test_authenticate_server_refused(void **state)
{
    (void)state;
    ipa_download_result r;
    f.auth.tamper = true;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_AUTHENTICATE_SERVER);
    assert_int_equal(r.error_code, SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE);
    /* the eUICC's error answer went to the server and is the errorResponse */
    assert_int_equal(sent_asr().kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(r.error_response_len, f.asr_len);
    assert_memory_equal(r.error_response, f.asr, f.asr_len);
    assert_int_equal(f.cancels, 0);
    assert_null(r.installation_result);
    ipa_download_result_clear(&r);
}

static void test_prepare_download_refused(void **state)
{
    (void)state;
    ipa_download_result r;
    f.prepare.tamper = true;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_PREPARE_DOWNLOAD);
    assert_int_equal(r.error_code, SGP22_DOWNLOAD_ERROR_INVALID_SIGNATURE);
    assert_int_equal(sent_pdr().kind, SGP22_RESPONSE_ERROR);
    assert_memory_equal(r.error_response, f.pdr, f.pdr_len);
    assert_int_equal(f.cancels, 0);
    ipa_download_result_clear(&r);
}

static void test_authenticate_client_refused(void **state)
{
    (void)state;
    ipa_download_result r;
    f.refuse_authenticate_client = SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT);
    assert_int_equal(r.error_code, SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED);
    assert_true(r.cancelled);
    assert_true(r.server_cancelled);
    assert_int_equal(f.cancels, 1);
    assert_int_equal(f.cancel_reason, SGP22_CANCEL_SESSION_UNDEFINED_REASON);
    ipa_download_result_clear(&r);
}

static void test_get_bpp_unreachable(void **state)
{
    (void)state;
    ipa_download_result r;
    f.get_bpp_error = AW_ERR_HTTP_TIMEOUT;
    assert_int_equal(run(&r), AW_ERR_HTTP_TIMEOUT);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_GET_BOUND_PROFILE_PACKAGE);
    assert_true(r.cancelled);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_TIMEOUT);
    assert_int_equal(f.cancel_reason, SGP22_CANCEL_SESSION_TIMEOUT);
    /* what the eIM hears: profileDownloadError without an errorResponse */
    uint8_t *der = NULL;
    size_t len = 0;
    sgp32_profile_download_trigger_result result;
    assert_int_equal(ipa_download_trigger_result(NULL, &r, &der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(der, len, &result), AW_OK);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR);
    assert_false(result.result_data.profile_download_error.has_error_response);
    free(der);
    ipa_download_result_clear(&r);
}

static void test_get_bpp_refused(void **state)
{
    (void)state;
    ipa_download_result r;
    f.refuse_get_bpp = SGP32_GET_BPP_REBINDING_REFUSED;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.error_code, SGP32_GET_BPP_REBINDING_REFUSED);
    assert_int_equal(f.cancel_reason, SGP22_CANCEL_SESSION_UNDEFINED_REASON);
    ipa_download_result_clear(&r);
    /* a refused Confirmation Code: postponed, so the order stays */
    f.refuse_get_bpp = SGP32_GET_BPP_CONFIRMATION_CODE_REFUSED;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_POSTPONED);
    ipa_download_result_clear(&r);
}

/* SGP.22 5.7.5: hashCc = SHA-256(SHA-256(CC) | transactionId). */
static void test_confirmation_code_hash(void **state)
{
    (void)state;
    ipa_download_result r;
    uint8_t buffer[32 + 16], expect[32];
    f.prepare.cc_required = true;
    config.confirmation_code = "7342";
    assert_int_equal(crypto_sha256((const uint8_t *)"7342", 4, buffer), AW_OK);
    memcpy(buffer + 32, s.transaction_id, 16);
    assert_int_equal(crypto_sha256(buffer, sizeof(buffer), expect), AW_OK);
    assert_int_equal(run(&r), AW_OK);
    sgp22_prepare_download_response pdr = sent_pdr();
    assert_true(pdr.ok.euicc_signed2.has_hash_cc);
    assert_memory_equal(pdr.ok.euicc_signed2.hash_cc.ptr, expect, 32);
    ipa_download_result_clear(&r);
}

/* SGP.32: an eIM that generates ctxParams1 / handles download data gives
 * its ctxParams1, Matching ID or hashCc; the IPA uses them as given. */
static void test_server_provided(void **state)
{
    (void)state;
    ipa_download_result r;
    static const uint8_t ctx[] = {0xA0, 0x0E, 0x80, 0x02, 0x45, 0x49, 0xA1, 0x08,
                                  0x80, 0x04, 0x01, 0x02, 0x03, 0x04, 0xA1, 0x00};
    f.extra.has_ctx_params1 = true;
    f.extra.ctx_params1 = (aw_slice){ctx, sizeof(ctx)};
    f.prepare.cc_required = true;
    f.has_hash_cc = true;
    memset(f.hash_cc, 0x77, sizeof(f.hash_cc));
    assert_int_equal(run(&r), AW_OK);
    sgp22_authenticate_server_response asr = sent_asr();
    assert_int_equal(asr.ok.euicc_signed1.ctx_params1.raw.len, sizeof(ctx));
    assert_memory_equal(asr.ok.euicc_signed1.ctx_params1.raw.ptr, ctx, sizeof(ctx));
    sgp22_prepare_download_response pdr = sent_pdr();
    assert_memory_equal(pdr.ok.euicc_signed2.hash_cc.ptr, f.hash_cc, 32);
    ipa_download_result_clear(&r);
}

static void test_server_matching_id(void **state)
{
    (void)state;
    ipa_download_result r;
    static const uint8_t eim_matching_id[] = "EIM-1";
    f.extra.has_matching_id = true;
    f.extra.matching_id = (aw_slice){eim_matching_id, 5};
    assert_int_equal(run(&r), AW_OK);
    sgp22_authenticate_server_response asr = sent_asr();
    assert_int_equal(asr.ok.euicc_signed1.ctx_params1.matching_id.len, 5);
    assert_memory_equal(asr.ok.euicc_signed1.ctx_params1.matching_id.ptr, "EIM-1", 5);
    ipa_download_result_clear(&r);
}

/* A required Confirmation Code that nobody has: postponed. */
static void test_confirmation_code_missing(void **state)
{
    (void)state;
    ipa_download_result r;
    f.prepare.cc_required = true;
    assert_int_equal(run(&r), AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_CONFIRMATION_CODE);
    assert_int_equal(f.cancel_reason, SGP22_CANCEL_SESSION_POSTPONED);
    assert_int_equal(f.pdr_len, 0); /* PrepareDownload never ran */
    ipa_download_result_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notification_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_installation_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticate_server_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_download_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticate_client_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_bpp_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_bpp_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_code_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_provided, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_matching_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_code_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
