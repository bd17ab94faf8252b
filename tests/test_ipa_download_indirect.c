/* The IPA's indirect Profile download (src/ipa/download.c,
 * download_esipa.c; SGP.32 3.2.2, ESipa 6.3.2.1-6.3.2.5 on the ASN.1
 * binding): airwrite's SM-DP+ and eIM in process over real HTTPS on
 * loopback (eim_relay_testutil.h), the eIM relaying to the SM-DP+, the
 * software eUICC reached through the IPA's ES10 client. The IPA fetches the
 * eIM's trigger with GetEimPackage and downloads with its eimTransactionId:
 * on both curves the eUICC then holds the ICCID, the PIR went out with
 * HandleNotificationEsipa (204) and was removed from the eUICC; the poll
 * loop's hook gives the ProfileDownloadTriggerResult. Then every error: a
 * refused Matching ID (matchingIdRefused, the session cancelled), an
 * unreachable SM-DP+ and an unknown eimTransactionId (InitiateAuthentication
 * errors), an unreachable eIM, a bad Activation Code, an SM-DS trigger and
 * the configuration refused. Argument: sqlite (or postgresql through
 * tests/pg-harness.sh). */
#include "eim_relay_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "ipa/download.h"
#include "ipa_testutil.h"

static relay_harness h;
static card_transport *transport;
static ipa *session;
static char ca[200];
static ipa_download_config config;

static void open_all(aw_pki_curve curve)
{
    relay_open(&h, curve);
    transport = card_transport_new(h.smdp.device.t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    snprintf(ca, sizeof(ca), "%s/ci.pem", h.smdp.device.t.pki);
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memset(&config, 0, sizeof(config));
    memcpy(config.device_info.tac, tac, sizeof(tac));
    config.eim_url = h.json_base;
    config.eim_ca_file = ca;
    config.timeout_ms = 20000;
    config.trigger_mode = IPA_DOWNLOAD_INDIRECT;
}

static void close_all(void)
{
    ipa_close(session);
    ipa_transport_close(&transport->base);
    relay_close(&h);
}

/* Queue a trigger with activation_code at the eIM and fetch it with
 * ESipa.GetEimPackage; *trigger points into the returned answer. */
static uint8_t *fetch_trigger(const char *activation_code,
                              sgp32_esipa_message_from_eim_to_ipa *m)
{
    int64_t id = 0;
    size_t len = 0;
    eim_download_trigger queued = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                   .activation_code = activation_code};
    assert_int_equal(eim_package_enqueue_download_trigger(h.db, AW_PKI_DEFAULT_EID, &queued,
                                                          db_clock_ms(), &id),
                     AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF4F);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(&h, &b, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, m, &len);
    assert_int_equal(m->get_eim_package_response.kind, SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER);
    assert_true(m->get_eim_package_response.profile_download_trigger_request
                    .has_eim_transaction_id);
    return answer;
}

static bool holds(const char *iccid)
{
    sgp22_profile_info_list_response profiles;
    sgp22_list_iter it;
    sgp22_profile_info info;
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    sgp22_list_iter_init(&it, profiles.profile_info_list_ok.raw);
    while (sgp22_profile_info_list_next(&it, &info) == AW_OK)
        if (info.iccid.len == EUICC_ICCID_SIZE && memcmp(info.iccid.ptr, bytes, 10) == 0)
            return true;
    return false;
}

/* The download's ProfileDownloadTriggerResult delivered to the eIM with
 * ProvideEimPackageResult (SGP.32 6.3.2.7), as the poll loop does; the
 * eIM's package of that trigger then has a result: state. */
static void deliver(const sgp32_profile_download_trigger_request *trigger,
                    const ipa_download_result *r, eim_package_state state)
{
    uint8_t *result = NULL, *answer = NULL;
    size_t result_len = 0, len = 0;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    assert_int_equal(ipa_download_trigger_result(trigger, r, &result, &result_len), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF50);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_put_raw(&b, result, result_len);
    der_builder_end(&b);
    answer = relay_exchange(&h, &b, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, m, &len);
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_true(count > 0);
    assert_int_equal(packages[count - 1].state, state);
    eim_package_records_free(packages, count);
    free(answer);
    free(result);
    free(m);
}

static void download(aw_pki_curve curve)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    ipa_download_result r;
    assert_non_null(m);
    open_all(curve);
    uint8_t *answer = fetch_trigger("1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID, m);
    const sgp32_profile_download_trigger_request *trigger =
        &m->get_eim_package_response.profile_download_trigger_request;
    assert_int_equal(ipa_download_indirect(session, &config, trigger, &r), AW_OK);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_NONE);
    assert_non_null(r.installation_result);
    assert_true(r.notified);
    assert_true(r.removed);
    assert_false(r.cancelled);
    assert_true(holds(RELAY_ICCID));
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, SGP22_NOTIFICATION_INSTALL, &list),
                     AW_OK);
    assert_int_equal(list.notification_metadata_list.count, 0);

    /* what the eIM hears: the PIR under the trigger's eimTransactionId */
    uint8_t *der = NULL;
    size_t len = 0;
    sgp32_profile_download_trigger_result result;
    assert_int_equal(ipa_download_trigger_result(trigger, &r, &der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(der, len, &result), AW_OK);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION);
    assert_memory_equal(result.result_data.profile_installation_result.ptr,
                        r.installation_result, r.installation_result_len);
    assert_int_equal(result.eim_transaction_id.len, trigger->eim_transaction_id.len);
    assert_memory_equal(result.eim_transaction_id.ptr, trigger->eim_transaction_id.ptr,
                        trigger->eim_transaction_id.len);
    free(der);
    deliver(trigger, &r, EIM_PACKAGE_DONE);
    ipa_download_result_clear(&r);
    free(answer);
    free(m);
    close_all();
}

static void test_download_p256(void **state)
{
    (void)state;
    download(AW_PKI_CURVE_NIST_P256);
}

static void test_download_brainpool(void **state)
{
    (void)state;
    download(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

/* The poll loop's hook in indirect mode. */
static void test_hook(void **state)
{
    (void)state;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    open_all(AW_PKI_CURVE_NIST_P256);
    uint8_t *answer = fetch_trigger("1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID, m);
    uint8_t *der = NULL;
    size_t len = 0;
    ipa_download_hook hook = {.run = ipa_download_trigger_run, .userdata = &config,
                              .features = ipa_download_features(&config)};
    assert_true(hook.features & SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION);
    assert_false(hook.features & SGP32_IPA_DIRECT_RSP_SERVER_COMMUNICATION);
    assert_int_equal(hook.run(hook.userdata, session, NULL, &der, &len), AW_ERR_ARGUMENT);
    assert_null(der);
    sgp32_profile_download_trigger_result result;
    assert_int_equal(hook.run(hook.userdata, session,
                              &m->get_eim_package_response.profile_download_trigger_request,
                              &der, &len),
                     AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(der, len, &result), AW_OK);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION);
    assert_true(holds(RELAY_ICCID));
    free(der);
    free(answer);
    free(m);
    close_all();
}

/* An indirect download of a trigger with activation_code that fails with
 * expect at stage; the result kept in *r. */
static void expect_failure(const char *activation_code, aw_err expect, ipa_download_stage stage,
                 ipa_download_result *r)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    uint8_t *answer = fetch_trigger(activation_code, m);
    aw_err err = ipa_download_indirect(
        session, &config, &m->get_eim_package_response.profile_download_trigger_request, r);
    if (err != expect)
        fprintf(stderr, "%s: %s\n", activation_code, aw_err_name(err));
    assert_int_equal(err, expect);
    assert_int_equal(r->stage, stage);
    assert_null(r->installation_result);
    deliver(&m->get_eim_package_response.profile_download_trigger_request, r,
            EIM_PACKAGE_FAILED);
    free(answer);
    free(m);
}

static void test_errors(void **state)
{
    (void)state;
    ipa_download_result r;
    open_all(AW_PKI_CURVE_NIST_P256);

    /* the SM-DP+ refuses the Matching ID: matchingIdRefused relayed, the
     * eUICC's session cancelled */
    expect_failure("1$" LPA_SMDP_ADDRESS "$RELAY-UNKNOWN", AW_ERR_IPA_DOWNLOAD_REJECTED,
         IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT, &r);
    assert_int_equal(r.error_code, SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED);
    assert_non_null(r.error_response);
    assert_true(r.cancelled);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_UNDEFINED_REASON);
    assert_false(r.server_cancelled); /* the SM-DP+ ended the session as it refused */
    /* the eIM hears profileDownloadError with the refusing answer */
    uint8_t *der = NULL;
    size_t len = 0;
    sgp32_profile_download_trigger_result result;
    assert_int_equal(ipa_download_trigger_result(NULL, &r, &der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(der, len, &result), AW_OK);
    assert_false(result.has_eim_transaction_id);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR);
    assert_true(result.result_data.profile_download_error.has_error_response);
    assert_memory_equal(result.result_data.profile_download_error.error_response.ptr,
                        r.error_response, r.error_response_len);
    free(der);
    ipa_download_result_clear(&r);

    /* an SM-DP+ the eIM cannot reach: InitiateAuthentication error */
    expect_failure("1$" RELAY_UNREACHABLE "$" RELAY_MATCHING_ID, AW_ERR_IPA_DOWNLOAD_REJECTED,
         IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION, &r);
    assert_int_equal(r.error_code, SGP32_INITIATE_AUTHENTICATION_UNDEFINED_ERROR);
    assert_non_null(r.error_response);
    assert_false(r.cancelled);
    ipa_download_result_clear(&r);

    /* a bad Activation Code in the trigger: nothing sent */
    expect_failure("1$" LPA_SMDP_ADDRESS "$lower", AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID,
         IPA_DOWNLOAD_STAGE_ADDRESS, &r);
    ipa_download_result_clear(&r);

    /* a trigger the eIM never sent: invalidEimTransactionId */
    static const uint8_t unknown[16] = {0xEE};
    sgp32_profile_download_trigger_request made;
    memset(&made, 0, sizeof(made));
    made.has_eim_transaction_id = true;
    made.eim_transaction_id = (aw_slice){unknown, sizeof(unknown)};
    made.has_profile_download_data = true;
    made.profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
    static const char code[] = "1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID;
    made.profile_download_data.activation_code = (aw_slice){(const uint8_t *)code,
                                                            strlen(code)};
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION);
    assert_int_equal(r.error_code, SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID);
    ipa_download_result_clear(&r);

    /* SM-DS discovery is not implemented */
    made.profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS;
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r), AW_ERR_NOT_FOUND);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_ADDRESS);
    made.profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;

    /* the eIM unreachable */
    config.eim_url = "https://127.0.0.1:1";
    aw_err err = ipa_download_indirect(session, &config, &made, &r);
    assert_int_not_equal(err, AW_OK);
    assert_int_not_equal(err, AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION);
    ipa_download_result_clear(&r);

    /* configuration: no eIM, an eIM URL with a path, no CA */
    config.eim_url = NULL;
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r), AW_ERR_ARGUMENT);
    config.eim_url = "https://127.0.0.1:1/gsma";
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r), AW_ERR_ARGUMENT);
    config.eim_url = h.json_base;
    config.eim_ca_file = NULL;
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r), AW_ERR_ARGUMENT);
    config.eim_ca_file = ca;

    /* after all that, the download still goes through */
    assert_false(holds(RELAY_ICCID));
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    uint8_t *answer = fetch_trigger("1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID, m);
    assert_int_equal(ipa_download_indirect(
                         session, &config,
                         &m->get_eim_package_response.profile_download_trigger_request, &r),
                     AW_OK);
    assert_true(holds(RELAY_ICCID));
    ipa_download_result_clear(&r);
    free(answer);
    free(m);
    close_all();
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_ipa_download_indirect");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_hook),
        cmocka_unit_test(test_errors),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
