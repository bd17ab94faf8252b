/* The IPA's direct Profile download (src/ipa/download.c, download_es9p.c;
 * SGP.32 3.2.1, SGP.22 3.1.3): airwrite's SM-DP+ in process (ES9+ over
 * real HTTPS on loopback, smdp_lpa_testutil.h) with released orders, and
 * the software eUICC reached through the IPA's ES10 client over a test
 * transport (ipa_testutil.h). On both curves the profile is installed (the
 * eUICC then holds the ICCID), its ProfileInstallationResult delivered and
 * removed from the eUICC; the poll loop's hook does the same from a
 * trigger. Then every error: a refused Matching ID (8.2.6 / 3.8, the
 * session cancelled), a required Confirmation Code missing and wrong
 * (8.2.7 / 3.8, postponed) before the right one, an SM-DP+ OID other than
 * its certificate's (SGP.22 4.1), an unreachable SM-DP+, a
 * bad Activation Code in a trigger, no default SM-DP+ address, a default
 * SM-DP+ without an order for the EID, and the configuration refused. */
#include "smdp_lpa_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "ipa/download.h"
#include "ipa_testutil.h"

#define DIRECT_ICCID "8944000000000222225"
#define DIRECT_MATCHING_ID "IPA-DIRECT-0001"
#define CC_ICCID "8944000000000333337"
#define CC_MATCHING_ID "IPA-DIRECT-CC01"
#define CC_CODE "7342"

typedef struct direct_harness {
    lpa_smdp smdp;
    card_transport *transport;
    ipa *session;
    char ca[200];
    char smdp_url[64];
    ipa_smdp_route route;
    ipa_download_config config;
} direct_harness;

static direct_harness h;

static void harness_open(aw_pki_curve curve)
{
    memset(&h, 0, sizeof(h));
    lpa_smdp *x = &h.smdp;
    db_connection *inventory = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_prepare(x, "/tmp/aw-ipadl-direct-XXXXXX", curve);
    lpa_inventory_open(x, &inventory, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(inventory, "iot-basic", template_package, template_len);
    static const char csv[] = "iccid,imsi,ki,opc\n"
                              DIRECT_ICCID ",234150999999991,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,"
                              "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n"
                              CC_ICCID ",234150999999992,5B5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,"
                              "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n";
    lpa_import_csv(inventory, ring, "iot-basic", csv, strlen(csv));
    lpa_release_order(inventory, DIRECT_ICCID, DIRECT_MATCHING_ID, NULL);
    lpa_release_order(inventory, CC_ICCID, CC_MATCHING_ID, CC_CODE);
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(inventory);
    lpa_open(x);
    h.transport = card_transport_new(x->device.t.card);
    assert_int_equal(ipa_open(&h.transport->base, NULL, &h.session), AW_OK);
    snprintf(h.ca, sizeof(h.ca), "%s/ci.pem", x->device.t.pki);
    snprintf(h.smdp_url, sizeof(h.smdp_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    h.route = (ipa_smdp_route){LPA_SMDP_ADDRESS, h.smdp_url};
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    static const uint8_t capabilities[] = {0x80, 0x03, 0x0F, 0x00, 0x00}; /* gsm rel. 15 */
    memcpy(h.config.device_info.tac, tac, sizeof(tac));
    h.config.device_info.has_imei = true;
    memset(h.config.device_info.imei, 0x53, IPA_IMEI_SIZE);
    h.config.device_info.device_capabilities = capabilities;
    h.config.device_info.device_capabilities_len = sizeof(capabilities);
    h.config.smdp_ca_file = h.ca;
    h.config.smdp_routes = &h.route;
    h.config.smdp_route_count = 1;
    h.config.timeout_ms = 20000;
}

static void harness_close(void)
{
    ipa_close(h.session);
    ipa_transport_close(&h.transport->base);
    lpa_close(&h.smdp);
}

static void parse(const char *text, ipa_activation_code *code)
{
    assert_int_equal(ipa_activation_code_parse(text, strlen(text), code), AW_OK);
}

/* Whether the eUICC holds a profile with iccid. */
static bool holds(const char *iccid)
{
    sgp22_profile_info_list_response profiles;
    sgp22_list_iter it;
    sgp22_profile_info info;
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    assert_int_equal(ipa_es10c_get_profiles_info(h.session, NULL, &profiles), AW_OK);
    sgp22_list_iter_init(&it, profiles.profile_info_list_ok.raw);
    while (sgp22_profile_info_list_next(&it, &info) == AW_OK)
        if (info.iccid.len == EUICC_ICCID_SIZE && memcmp(info.iccid.ptr, bytes, 10) == 0)
            return true;
    return false;
}

static size_t pending_installs(void)
{
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(h.session, SGP22_NOTIFICATION_INSTALL, &list),
                     AW_OK);
    return list.notification_metadata_list.count;
}

/* A successful download's result: the PIR, delivered, removed. */
static void expect_installed(const ipa_download_result *r)
{
    assert_int_equal(r->stage, IPA_DOWNLOAD_STAGE_NONE);
    assert_non_null(r->installation_result);
    sgp22_profile_installation_result pir;
    assert_int_equal(sgp22_decode_profile_installation_result(r->installation_result,
                                                              r->installation_result_len, &pir),
                     AW_OK);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_true(r->notified);
    assert_true(r->removed);
    assert_false(r->cancelled);
    assert_int_equal(pending_installs(), 0);
}

static void download(aw_pki_curve curve)
{
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(curve);
    assert_false(holds(DIRECT_ICCID));
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID, &code);
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_OK);
    expect_installed(&r);
    assert_true(holds(DIRECT_ICCID));
    ipa_download_result_clear(&r);
    ipa_download_result_clear(&r); /* cleared twice: NULL-safe */
    harness_close();
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

/* A trigger as the eIM sends it, with eimTransactionId 16 x 0x42. */
static uint8_t *make_trigger(const char *activation_code,
                             sgp32_profile_download_trigger_request *out)
{
    static const uint8_t eim_tid[16] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                        0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
    sgp32_profile_download_trigger_request t;
    uint8_t *der = NULL;
    size_t len = 0;
    memset(&t, 0, sizeof(t));
    t.has_profile_download_data = true;
    t.profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
    t.profile_download_data.activation_code =
        (aw_slice){(const uint8_t *)activation_code, strlen(activation_code)};
    t.has_eim_transaction_id = true;
    t.eim_transaction_id = (aw_slice){eim_tid, sizeof(eim_tid)};
    assert_int_equal(sgp32_encode_profile_download_trigger_request(&t, &der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_request(der, len, out), AW_OK);
    return der;
}

/* The hook's ProfileDownloadTriggerResult decoded (der kept in *der). */
static void run_hook(const char *activation_code, sgp32_profile_download_trigger_result *out,
                     uint8_t **der)
{
    sgp32_profile_download_trigger_request trigger;
    size_t len = 0;
    uint8_t *request = make_trigger(activation_code, &trigger);
    ipa_download_hook hook = {.run = ipa_download_trigger_run, .userdata = &h.config,
                              .features = ipa_download_features(&h.config)};
    assert_int_equal(hook.features, SGP32_IPA_DIRECT_RSP_SERVER_COMMUNICATION);
    assert_int_equal(hook.run(hook.userdata, h.session, &trigger, der, &len), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_result(*der, len, out), AW_OK);
    assert_true(out->has_eim_transaction_id);
    assert_memory_equal(out->eim_transaction_id.ptr, trigger.eim_transaction_id.ptr, 16);
    free(request);
}

static void test_hook(void **state)
{
    (void)state;
    sgp32_profile_download_trigger_result result;
    uint8_t *der = NULL;
    harness_open(AW_PKI_CURVE_NIST_P256);
    /* a bad Activation Code: profileDownloadError undefinedError, nothing sent */
    run_hook("1$" LPA_SMDP_ADDRESS "$lower-case", &result, &der);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR);
    assert_int_equal(result.result_data.profile_download_error.profile_download_error_reason,
                     SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    assert_false(result.result_data.profile_download_error.has_error_response);
    free(der);
    /* the download: the PIR goes to the eIM */
    run_hook("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID, &result, &der);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION);
    sgp22_profile_installation_result pir;
    assert_int_equal(sgp22_decode_profile_installation_result(
                         result.result_data.profile_installation_result.ptr,
                         result.result_data.profile_installation_result.len, &pir),
                     AW_OK);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_true(holds(DIRECT_ICCID));
    free(der);
    harness_close();
}

static void test_matching_id_refused(void **state)
{
    (void)state;
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    parse("1$" LPA_SMDP_ADDRESS "$UNKNOWN-0001", &code);
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT);
    assert_string_equal(r.subject_code, "8.2.6");
    assert_string_equal(r.reason_code, "3.8");
    assert_true(r.cancelled);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_UNDEFINED_REASON);
    /* the SM-DP+ ended its session when it refused: CancelSession sent,
     * not accepted */
    assert_false(r.server_cancelled);
    assert_null(r.installation_result);
    assert_false(holds(DIRECT_ICCID));
    ipa_download_result_clear(&r);
    /* the eUICC's session is gone: the next download starts afresh */
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID, &code);
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_OK);
    expect_installed(&r);
    ipa_download_result_clear(&r);
    harness_close();
}

static void test_confirmation_code(void **state)
{
    (void)state;
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    /* with the SM-DP+ OID of its CERT.DPauth, checked (SGP.22 4.1) */
    parse("1$" LPA_SMDP_ADDRESS "$" CC_MATCHING_ID "$" AW_PKI_TEST_SMDP_OID "$1", &code);
    /* none configured: postponed on the eUICC and at the SM-DP+ */
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_CONFIRMATION_CODE);
    assert_true(r.cancelled);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_POSTPONED);
    assert_true(r.server_cancelled);
    ipa_download_result_clear(&r);
    /* a wrong one: 8.2.7 / 3.8, postponed, the order kept */
    h.config.confirmation_code = "0000";
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_GET_BOUND_PROFILE_PACKAGE);
    assert_string_equal(r.subject_code, "8.2.7");
    assert_string_equal(r.reason_code, "3.8");
    assert_true(r.cancelled);
    assert_int_equal(r.cancel_reason, SGP22_CANCEL_SESSION_POSTPONED);
    assert_true(r.server_cancelled);
    assert_false(holds(CC_ICCID));
    ipa_download_result_clear(&r);
    /* the right one */
    h.config.confirmation_code = CC_CODE;
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_OK);
    expect_installed(&r);
    assert_true(holds(CC_ICCID));
    ipa_download_result_clear(&r);
    harness_close();
}

/* SGP.22 4.1: an SM-DP+ OID in the Activation Code other than its
 * CERT.DPauth's: refused before the eUICC authenticates the server */
static void test_smdp_oid_mismatch(void **state)
{
    (void)state;
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID "$1.3.6.1.4.1.31746", &code);
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION);
    assert_int_equal(r.error_code, SGP32_INITIATE_AUTHENTICATION_SMDP_OID_MISMATCH);
    assert_false(r.cancelled);
    ipa_download_result_clear(&r);
    /* the right OID: installed */
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID "$" AW_PKI_TEST_SMDP_OID, &code);
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_OK);
    assert_true(holds(DIRECT_ICCID));
    ipa_download_result_clear(&r);
    harness_close();
}

static void test_unreachable(void **state)
{
    (void)state;
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    h.route.url = "https://127.0.0.1:1";
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID, &code);
    aw_err err = ipa_download_direct(h.session, &h.config, &code, &r);
    assert_int_not_equal(err, AW_OK);
    assert_int_not_equal(err, AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION);
    assert_false(r.cancelled); /* the eUICC had no session yet */
    ipa_download_result_clear(&r);
    harness_close();
}

static void test_default_smdp(void **state)
{
    (void)state;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    /* the software eUICC has no defaultDpAddress */
    assert_int_equal(ipa_download_direct(h.session, &h.config, NULL, &r), AW_ERR_NOT_FOUND);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_ADDRESS);
    /* the configured one: no matchingId, and no order for this EID */
    h.config.default_smdp_address = LPA_SMDP_ADDRESS;
    assert_int_equal(ipa_download_direct(h.session, &h.config, NULL, &r),
                     AW_ERR_IPA_DOWNLOAD_REJECTED);
    assert_int_equal(r.stage, IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT);
    assert_string_not_equal(r.subject_code, "");
    assert_true(r.cancelled);
    ipa_download_result_clear(&r);
    harness_close();
}

static void test_configuration(void **state)
{
    (void)state;
    ipa_activation_code code;
    ipa_download_result r;
    harness_open(AW_PKI_CURVE_NIST_P256);
    parse("1$" LPA_SMDP_ADDRESS "$" DIRECT_MATCHING_ID, &code);
    h.config.smdp_ca_file = NULL;
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_ERR_ARGUMENT);
    h.config.smdp_ca_file = h.ca;
    h.route.url = "http://127.0.0.1:1";
    assert_int_equal(ipa_download_direct(h.session, &h.config, &code, &r), AW_ERR_ARGUMENT);
    /* DeviceCapabilities that are not DER never reach the eUICC */
    h.route.url = h.smdp_url;
    static const uint8_t broken[] = {0x80, 0x05, 0x0F};
    h.config.device_info.device_capabilities = broken;
    h.config.device_info.device_capabilities_len = sizeof(broken);
    aw_err err = ipa_download_direct(h.session, &h.config, &code, &r);
    assert_int_not_equal(err, AW_OK);
    assert_int_not_equal(err, AW_ERR_IPA_DOWNLOAD_REJECTED);
    ipa_download_result_clear(&r);
    harness_close();
}

int main(void)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_hook),
        cmocka_unit_test(test_matching_id_refused),
        cmocka_unit_test(test_confirmation_code),
        cmocka_unit_test(test_smdp_oid_mismatch),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_default_smdp),
        cmocka_unit_test(test_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
