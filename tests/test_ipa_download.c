/* The IPA's ES10b download functions (src/ipa/es10b.c) against the
 * software eUICC in process, with the test SM-DP+ of euicc_download_sim.h
 * on the other side: GetEUICCChallenge (SGP.22 5.7.7), AuthenticateServer
 * (5.7.13), PrepareDownload (5.7.5) and LoadBoundProfilePackage (5.7.6,
 * segments of 2.5.5) install a profile the eUICC then lists and notifies;
 * under T=1 and T=0. Then the results the eUICC defines: a tampered
 * serverSigned1 (AuthenticateResponseError), a BPP whose metadata names
 * another ICCID (a failed ProfileInstallationResult), CancelSession
 * (5.7.14) after authentication, and a card that never answers a BPP with
 * a result (AW_ERR_IPA_PROTOCOL). */
#include "ipa_testutil.h"

#include "euicc_download_sim.h"

static test_euicc t;
static sim s;
static card_transport *transport;
static ipa *session;

static int setup_protocol(euicc_protocol protocol)
{
    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "/tmp/aw-ipa-dl-XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = protocol;
    assert_int_equal(sim_init(&s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    assert_int_equal(mkdir(t.pki, 0700), 0);
    test_write_pem(t.pki, "ci.pem", s.pki.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(t.pki, "eum.pem", s.pki.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(t.pki, "euicc.pem", s.pki.cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(t.pki, "euicc.key.pem", NULL, s.pki.key[AW_PKI_ROLE_EUICC]);
    te_open(&t);
    transport = card_transport_new(t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    return 0;
}

static int setup_t1(void **state)
{
    (void)state;
    return setup_protocol(EUICC_PROTOCOL_T1);
}

static int setup_t0(void **state)
{
    (void)state;
    return setup_protocol(EUICC_PROTOCOL_T0);
}

static int teardown(void **state)
{
    (void)state;
    ipa_close(session);
    ipa_transport_close(&transport->base);
    te_close(&t);
    sim_free(&s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Challenge, then AuthenticateServer with the SM-DP+'s request. */
static void authenticate(const sim_auth_options *options, sgp22_authenticate_server_response *out)
{
    uint8_t challenge[16];
    assert_int_equal(ipa_es10b_get_euicc_challenge(session, challenge), AW_OK);
    uint8_t *command = NULL;
    size_t len = 0;
    assert_int_equal(sim_authenticate_server_request(&s, challenge, options, &command, &len),
                     AW_OK);
    sgp22_authenticate_server_request request;
    assert_int_equal(sgp22_decode_authenticate_server_request(command, len, &request), AW_OK);
    assert_int_equal(ipa_es10b_authenticate_server(session, &request, out), AW_OK);
    free(command);
}

static void prepare(void)
{
    uint8_t *command = NULL;
    size_t len = 0;
    assert_int_equal(sim_prepare_download_request(&s, &(sim_prepare_options){0}, &command, &len),
                     AW_OK);
    sgp22_prepare_download_request request;
    assert_int_equal(sgp22_decode_prepare_download_request(command, len, &request), AW_OK);
    sgp22_prepare_download_response response;
    assert_int_equal(ipa_es10b_prepare_download(session, &request, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_RESPONSE_OK);
    assert_int_equal(sim_take_prepare_response(&s, response.raw.ptr, response.raw.len), AW_OK);
    free(command);
}

/* The whole download; the PIR's finalResult. */
static int64_t download(const sim_bpp_options *options)
{
    sgp22_authenticate_server_response auth;
    authenticate(&(sim_auth_options){0}, &auth);
    assert_int_equal(auth.kind, SGP22_RESPONSE_OK);
    assert_int_equal(sim_take_authenticate_response(&s, auth.raw.ptr, auth.raw.len), AW_OK);
    prepare();
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    assert_int_equal(sim_bound_profile_package(&s, options, &bpp, &bpp_len), AW_OK);
    sgp22_profile_installation_result pir;
    assert_int_equal(ipa_es10b_load_bound_profile_package(session, bpp, bpp_len, &pir), AW_OK);
    der_bytes_free(bpp, bpp_len);
    return pir.data.final_result;
}

static void test_download(void **state)
{
    (void)state;
    assert_int_equal(download(&(sim_bpp_options){0}), SGP22_FINAL_RESULT_SUCCESS);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    assert_int_equal(profiles.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, profiles.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid[EUICC_ICCID_SIZE];
    sim_iccid_bytes(SIM_ICCID, iccid);
    assert_memory_equal(info.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, SGP22_NOTIFICATION_INSTALL, &list),
                     AW_OK);
    assert_int_equal(list.notification_metadata_list.count, 1);
}

static void test_failed_installation(void **state)
{
    (void)state;
    sim_bpp_options options = {.metadata_iccid = "8988211000000012354"};
    assert_int_equal(download(&options), SGP22_FINAL_RESULT_ERROR);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    assert_int_equal(profiles.profile_info_list_ok.count, 0);
}

static void test_authentication_refused(void **state)
{
    (void)state;
    sgp22_authenticate_server_response auth;
    authenticate(&(sim_auth_options){.tamper = true}, &auth);
    assert_int_equal(auth.kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(auth.error.authenticate_error_code,
                     SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE);
}

static void test_cancel_session(void **state)
{
    (void)state;
    sgp22_authenticate_server_response auth;
    authenticate(&(sim_auth_options){0}, &auth);
    assert_int_equal(auth.kind, SGP22_RESPONSE_OK);
    sgp22_cancel_session_request cancel = {
        .transaction_id = auth.ok.euicc_signed1.transaction_id,
        .reason = SGP22_CANCEL_SESSION_END_USER_REJECTION};
    uint8_t transaction_id[16];
    memcpy(transaction_id, cancel.transaction_id.ptr, cancel.transaction_id.len);
    cancel.transaction_id.ptr = transaction_id; /* the response buffer is reused */
    sgp22_cancel_session_response response;
    assert_int_equal(ipa_es10b_cancel_session(session, &cancel, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_RESPONSE_OK);
    assert_int_equal(response.ok.euicc_cancel_session_signed.reason,
                     SGP22_CANCEL_SESSION_END_USER_REJECTION);
    /* nothing to cancel any more */
    assert_int_equal(ipa_es10b_cancel_session(session, &cancel, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_RESPONSE_ERROR);
}

/* A card answering every segment 9000 without a ProfileInstallationResult
 * leaves the IPA with nothing: a protocol error, after the last segment. */
static void test_bpp_without_result(void **state)
{
    (void)state;
    sgp22_authenticate_server_response auth;
    authenticate(&(sim_auth_options){0}, &auth);
    assert_int_equal(sim_take_authenticate_response(&s, auth.raw.ptr, auth.raw.len), AW_OK);
    prepare();
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    assert_int_equal(sim_bound_profile_package(&s, &(sim_bpp_options){0}, &bpp, &bpp_len), AW_OK);
    static const char *answers[TEST_LOG_MAX + 1];
    answers[0] = "01 9000"; /* MANAGE CHANNEL */
    for (size_t i = 1; i < TEST_LOG_MAX; i++)
        answers[i] = "9000";
    script_transport mute;
    script_init(&mute, answers);
    ipa *other = NULL;
    assert_int_equal(ipa_open(&mute.base, NULL, &other), AW_OK);
    sgp22_profile_installation_result pir;
    assert_int_equal(ipa_es10b_load_bound_profile_package(other, bpp, bpp_len, &pir),
                     AW_ERR_IPA_PROTOCOL);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    size_t segments = 0;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while (sgp22_bpp_splitter_next(&splitter, &segment) == AW_OK)
        segments++;
    assert_true(segments > 3);
    assert_true(mute.log.count >= 2 + segments); /* every segment went out */
    ipa_close(other);
    test_log_clear(&mute.log);
    der_bytes_free(bpp, bpp_len);
}

#define BOTH(test)                                                     \
    cmocka_unit_test_setup_teardown(test, setup_t1, teardown),         \
        cmocka_unit_test_setup_teardown(test, setup_t0, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_download),
        cmocka_unit_test_setup_teardown(test_failed_installation, setup_t1, teardown),
        cmocka_unit_test_setup_teardown(test_authentication_refused, setup_t1, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_session, setup_t1, teardown),
        cmocka_unit_test_setup_teardown(test_bpp_without_result, setup_t1, teardown),
    };
    return cmocka_run_group_tests_name("ipa_download", tests, NULL, NULL);
}
