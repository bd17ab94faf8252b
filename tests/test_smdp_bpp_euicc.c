/* The SM-DP+ BPP library (src/smdp/bpp.h) against the software eUICC's
 * download engine (src/euicc/download*.c): after a real GetEUICCChallenge,
 * AuthenticateServer and PrepareDownload exchange (the test SM-DP+ of
 * euicc_download_sim.h signs serverSigned1 / smdpSigned2 with SK.DPauth /
 * SK.DPpb), smdp_bpp_build binds a personalised package to the eUICC's
 * otPK.EUICC.ECKA, and the engine loads it segment by segment as the LPA
 * sends it (SGP.22 2.5.5, ES10b 5.7.6) and must install it. Both curves,
 * with and without ReplaceSessionKeys, both segmentations. */
#include "euicc_download_testutil.h"

#include "smdp/bpp.h"
#include "smdp/personalise.h"

#define SUBSCRIBER_ICCID "8944000000000123456"

static void install(aw_pki_curve curve, bool replace_session_keys,
                    smdp_bpp_segmentation segmentation)
{
    sim s;
    fixture fx;
    uint8_t *template_package = NULL, *package = NULL, *bpp = NULL;
    size_t template_len = 0, package_len = 0, bpp_len = 0;
    assert_int_equal(sim_init(&s, curve, TEST_NOW), AW_OK);
    fixture_open(&fx, &s);
    fx_prepared_session(&fx);

    saip_build_params params = sim_profile_params(SIM_ICCID);
    params.msisdn = "+15550000000";
    assert_int_equal(saip_build(&params, &template_package, &template_len), AW_OK);
    smdp_subscriber subscriber = {.iccid = SUBSCRIBER_ICCID, .imsi = "234150999999999",
                                  .msisdn = "+447700900123"};
    subscriber.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    subscriber.aka.key_len = 16;
    subscriber.aka.opc_len = 16;
    memset(subscriber.aka.key, 0x5A, 16);
    memset(subscriber.aka.opc, 0xA5, 16);
    assert_int_equal(smdp_personalise_profile(template_package, template_len, &subscriber,
                                              &package, &package_len), AW_OK);

    smdp_notification_configuration notify = {SMDP_NOTIFY_INSTALL | SMDP_NOTIFY_DELETE,
                                              SIM_SERVER_ADDRESS};
    smdp_profile_metadata metadata = {.service_provider_name = "Airwrite",
                                      .profile_name = "IoT",
                                      .profile_class = 2,
                                      .notifications = &notify,
                                      .notification_count = 1};
    smdp_bpp_request request = {
        .transaction_id = s.transaction_id,
        .transaction_id_len = sizeof(s.transaction_id),
        .eid = s.identity.eid_bytes,
        .euicc_otpk = s.euicc_otpk,
        .euicc_otpk_len = CRYPTO_POINT_SIZE,
        .dp_pb_key = s.dp_pb_key,
        .dp_pb_certificate = s.pki.cert[AW_PKI_ROLE_DP_PB],
        .metadata = &metadata,
        .profile = package,
        .profile_len = package_len,
        .replace_session_keys = replace_session_keys,
        .segmentation = segmentation,
    };
    assert_int_equal(smdp_bpp_build(&request, &bpp, &bpp_len), AW_OK);

    /* ES10b.LoadBoundProfilePackage, one STORE DATA sequence per segment */
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *response = NULL;
    size_t response_len = 0;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        assert_null(response); /* only the last segment is answered */
        assert_int_equal(euicc_download_load_segment(fx.engine, segment.bytes.ptr,
                                                     segment.bytes.len, &response,
                                                     &response_len), AW_OK);
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(response);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(response, response_len, &result),
                     AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_int_equal(fx.host.commits, 1);
    assert_int_equal(fx.host.failures, 0);
    uint8_t iccid[EUICC_ICCID_SIZE];
    sim_iccid_bytes(SUBSCRIBER_ICCID, iccid);
    assert_memory_equal(fx.host.committed.iccid, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(fx.host.committed.profile_package.len, package_len);
    assert_memory_equal(fx.host.committed.profile_package.ptr, package, package_len);

    free(response);
    der_bytes_free(bpp, bpp_len);
    der_bytes_free(package, package_len);
    der_bytes_free(template_package, template_len);
    saip_aka_cleanse(&subscriber.aka);
    fixture_close(&fx);
    sim_free(&s);
}

static void test_install_p256(void **state)
{
    (void)state;
    install(AW_PKI_CURVE_NIST_P256, false, SMDP_BPP_SEGMENT_FILL);
    install(AW_PKI_CURVE_NIST_P256, true, SMDP_BPP_SEGMENT_PER_ELEMENT);
}

static void test_install_brainpool(void **state)
{
    (void)state;
    install(AW_PKI_CURVE_BRAINPOOL_P256R1, true, SMDP_BPP_SEGMENT_FILL);
    install(AW_PKI_CURVE_BRAINPOOL_P256R1, false, SMDP_BPP_SEGMENT_PER_ELEMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_p256),
        cmocka_unit_test(test_install_brainpool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
