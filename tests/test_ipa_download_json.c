/* The IPA's indirect Profile download over the ESipa JSON binding (SGP.32
 * 3.2.2; 6.4.1.1 InitiateAuthentication, 6.4.1.2 AuthenticateClient,
 * 6.4.1.3 GetBoundProfilePackage, 6.4.1.7 HandleNotification, 6.4.1.8
 * CancelSession; 6.4.1.5 / 6.4.1.6 for the trigger and its result):
 * airwrite's SM-DP+ and eIM in process over real HTTPS on loopback
 * (eim_relay_testutil.h), the IPA's ESipa client with
 * IPA_ESIPA_BINDING_JSON (ipa_download_config.esipa_binding), the software
 * eUICC through the IPA's ES10 client. The IPA fetches the trigger with
 * GetEimPackage over JSON, downloads with its eimTransactionId: on both
 * curves the eUICC then holds the ICCID, the PIR went out with
 * handleNotification (204) and was removed, and the
 * ProvideEimPackageResult over JSON closes the trigger. Then the errors
 * through the JSON answers: a refused Matching ID ("Failed" 8.2.6 / 3.8,
 * read back as matchingIdRefused; the session cancelled over JSON) and an
 * unknown eimTransactionId (8.31.2 / 3.10). Argument: sqlite. */
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
static ipa_esipa *client; /* the IPA's JSON client for the eIM Package functions */

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
    config.tls12_only = curve == AW_PKI_CURVE_BRAINPOOL_P256R1;
    config.trigger_mode = IPA_DOWNLOAD_INDIRECT;
    config.esipa_binding = IPA_ESIPA_BINDING_JSON;
    ipa_esipa_config c = {.eim_url = h.json_base, .ca_file = ca, .timeout_ms = 20000,
                          .tls12_only = config.tls12_only,
                          .binding = IPA_ESIPA_BINDING_JSON};
    assert_int_equal(ipa_esipa_new(&c, &client), AW_OK);
    char expect[96];
    snprintf(expect, sizeof(expect), "%s/gsma/rsp2/esipa/", h.json_base);
    assert_string_equal(ipa_esipa_url(client), expect);
}

static void close_all(void)
{
    ipa_esipa_free(client);
    ipa_close(session);
    ipa_transport_close(&transport->base);
    relay_close(&h);
}

/* Queue a trigger with activation_code and fetch it over JSON
 * (6.4.1.5); *m points into the client's answer. */
static void fetch_trigger(const char *activation_code, sgp32_esipa_message_from_eim_to_ipa *m)
{
    int64_t id = 0;
    eim_download_trigger queued = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                   .activation_code = activation_code};
    assert_int_equal(eim_package_enqueue_download_trigger(h.db, AW_PKI_DEFAULT_EID, &queued,
                                                          db_clock_ms(), &id),
                     AW_OK);
    sgp32_esipa_message_from_ipa_to_eim request;
    memset(&request, 0, sizeof(request));
    request.kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    request.get_eim_package_request.eid_value = (aw_slice){h.eid, sizeof(h.eid)};
    assert_int_equal(ipa_esipa_exchange(client, &request, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, m),
                     AW_OK);
    assert_int_equal(m->get_eim_package_response.kind, SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER);
    assert_true(m->get_eim_package_response.profile_download_trigger_request
                    .has_eim_transaction_id);
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

/* The download's ProfileDownloadTriggerResult delivered over JSON
 * (6.4.1.6); the trigger's package then has state. */
static void deliver(const sgp32_profile_download_trigger_request *trigger,
                    const ipa_download_result *r, eim_package_state state)
{
    uint8_t *result = NULL, *message = NULL;
    size_t result_len = 0, len = 0;
    assert_int_equal(ipa_download_trigger_result(trigger, r, &result, &result_len), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF50);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_put_raw(&b, result, result_len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &message, &len), AW_OK);
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    assert_int_equal(ipa_esipa_exchange_der(client, message, len,
                                            SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, m),
                     AW_OK);
    assert_int_not_equal(m->provide_eim_package_result_response.kind,
                         SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_true(count > 0);
    assert_int_equal(packages[count - 1].state, state);
    eim_package_records_free(packages, count);
    free(m);
    free(message);
    free(result);
}

/* The download's trigger copied out of the client's answer (the next
 * exchange replaces it). */
static uint8_t *copy_trigger(const sgp32_esipa_message_from_eim_to_ipa *m,
                             sgp32_profile_download_trigger_request *trigger)
{
    aw_slice raw = m->get_eim_package_response.profile_download_trigger_request.raw;
    uint8_t *copy = malloc(raw.len);
    assert_non_null(copy);
    memcpy(copy, raw.ptr, raw.len);
    assert_int_equal(sgp32_decode_profile_download_trigger_request(copy, raw.len, trigger),
                     AW_OK);
    return copy;
}

static void download(aw_pki_curve curve)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    sgp32_profile_download_trigger_request trigger;
    ipa_download_result r;
    assert_non_null(m);
    open_all(curve);
    fetch_trigger("1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID, m);
    uint8_t *kept = copy_trigger(m, &trigger);
    assert_int_equal(ipa_download_indirect(session, &config, &trigger, &r), AW_OK);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_NONE);
    assert_non_null(r.installation_result);
    assert_true(r.notified); /* handleNotification answered 204 */
    assert_true(r.removed);
    assert_false(r.cancelled);
    assert_true(holds(RELAY_ICCID));
    /* the eIM relayed it: the download recorded as the SM-DP+ answered */
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_int_equal(count, 1);
    eim_package_records_free(packages, count);
    deliver(&trigger, &r, EIM_PACKAGE_DONE);
    ipa_download_result_clear(&r);
    free(kept);
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

/* The errors of the download functions as JSON answers. */
static void test_errors(void **state)
{
    (void)state;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    sgp32_profile_download_trigger_request trigger;
    ipa_download_result r;
    assert_non_null(m);
    open_all(AW_PKI_CURVE_NIST_P256);

    /* the SM-DP+ refuses the Matching ID: "Failed" 8.2.6 / 3.8 read back as
     * matchingIdRefused, the eUICC's session cancelled */
    fetch_trigger("1$" LPA_SMDP_ADDRESS "$RELAY-UNKNOWN", m);
    uint8_t *kept = copy_trigger(m, &trigger);
    assert_int_equal(ipa_download_indirect(session, &config, &trigger, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT);
    assert_int_equal(r.error_code, SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED);
    assert_non_null(r.error_response);
    assert_true(r.cancelled);
    deliver(&trigger, &r, EIM_PACKAGE_FAILED);
    ipa_download_result_clear(&r);
    free(kept);

    /* a trigger the eIM never sent: invalidEimTransactionId */
    static const uint8_t unknown[16] = {0xEE};
    static const char code[] = "1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID;
    sgp32_profile_download_trigger_request made;
    memset(&made, 0, sizeof(made));
    made.has_eim_transaction_id = true;
    made.eim_transaction_id = (aw_slice){unknown, sizeof(unknown)};
    made.has_profile_download_data = true;
    made.profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
    made.profile_download_data.activation_code = (aw_slice){(const uint8_t *)code,
                                                            strlen(code)};
    assert_int_equal(ipa_download_indirect(session, &config, &made, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION);
    assert_int_equal(r.error_code, SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID);
    ipa_download_result_clear(&r);

    /* after that, the download still goes through */
    fetch_trigger(code, m);
    kept = copy_trigger(m, &trigger);
    assert_int_equal(ipa_download_indirect(session, &config, &trigger, &r), AW_OK);
    assert_true(holds(RELAY_ICCID));
    ipa_download_result_clear(&r);
    free(kept);
    free(m);
    close_all();
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_ipa_download_json");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_errors),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
