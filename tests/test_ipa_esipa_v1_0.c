/* Both sides of SGP.32 v1.0 end to end (docs/sgp32-versions.md): the IPA
 * configured for a v1.0 eIM (ipa_esipa_config.eim_sgp32_v1_0: the messages
 * rewritten by sgp32_convert_esipa_message_to_v1_0, no eidValue) polls the
 * real eIM (src/eim server on loopback HTTPS, SQLite) where the eUICC is registered
 * as v1.0: an enable PSMO runs on the in-process software eUICC and its
 * signed result is attributed through its package, verified and
 * acknowledged in the v1.0 form; a download trigger's v1.0
 * profileDownloadError is recorded as undefinedError. With the eUICC
 * registered as v1.2 the same IPA's result is refused (no downgrade by
 * message). The software eUICC signs the v1.1 input (data ||
 * associationToken), which the eIM takes for a v1.0 eUICC as well; the v1.0
 * input itself is tested with the eIM alone (test_eim_versions.c). Also the
 * rewriting itself, form by form. */
#include "ipa_esipa_testutil.h"

#include <signal.h>

#include "core/sgp32_esipa.h"

static esipa_env env;

static int setup(void **state)
{
    (void)state;
    esipa_env_setup(&env, AW_PKI_CURVE_NIST_P256);
    /* the IPA speaks v1.0 to the eIM */
    ipa_esipa_free(env.esipa);
    ipa_esipa_config config = {.eim_url = env.base_url, .ca_file = env.ca_file,
                               .timeout_ms = 10000, .eim_sgp32_v1_0 = true};
    assert_int_equal(ipa_esipa_new(&config, &env.esipa), AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    esipa_env_teardown(&env);
    return 0;
}

static void test_enable_v1_0(void **state)
{
    (void)state;
    size_t count = 0;
    ipa_poll_report report;

    /* registered as v1.2 (the default): a result without eidValue is refused */
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(report.acknowledged, 0);
    assert_int_equal(esipa_package(&env, enable, &count).state, EIM_PACKAGE_SENT);
    assert_true(env.t.card->state->profiles[0].enabled); /* the eUICC ran it */
    assert_int_equal(env.t.card->state->package_result_count, 1); /* still pending */
    ipa_poller_free(poller);

    /* registered as v1.0: the next package's result is attributed, verified,
     * acknowledged; the eUICC drops its pending result */
    assert_int_equal(eim_registry_set_sgp32_version(env.db, AW_PKI_DEFAULT_EID,
                                                    EIM_SGP32_VERSION_1_0),
                     AW_OK);
    int64_t disable = esipa_enqueue(&env, EIM_OPERATION_DISABLE);
    poller = esipa_poller(&env, NULL, NULL);
    /* the refused package is handed out again first (still sent) or the
     * next one: run until the eIM has nothing left */
    test_clock clock = {.stop_after = 10};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    assert_int_equal(ipa_poll_run(poller, &c, true, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    eim_package_record r = esipa_package(&env, disable, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_false(env.t.card->state->profiles[0].enabled);
    ipa_poller_free(poller);
}

static void test_trigger_v1_0(void **state)
{
    (void)state;
    size_t count = 0;
    ipa_poll_report report;
    assert_int_equal(eim_registry_set_sgp32_version(env.db, AW_PKI_DEFAULT_EID,
                                                    EIM_SGP32_VERSION_1_0),
                     AW_OK);
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$MATCHING-1"};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(env.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    /* no download hook: the IPA reports a profileDownloadError, in v1.0 form */
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_DOWNLOAD_TRIGGER);
    assert_int_equal(report.delivered, 1);
    eim_package_record r = esipa_package(&env, id, &count);
    assert_int_equal(r.state, EIM_PACKAGE_FAILED);
    assert_int_equal(r.error_code, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    ipa_poller_free(poller);
}

static void test_client_arguments_v1_0(void **state)
{
    (void)state;
    ipa_esipa *client = NULL;
    ipa_esipa_config config = {.eim_url = env.base_url, .ca_file = env.ca_file,
                               .eim_sgp32_v1_0 = true, .minimize_esipa_bytes = true};
    assert_int_equal(ipa_esipa_new(&config, &client), AW_ERR_ARGUMENT);
    assert_null(client);
    /* the JSON binding translates the v1.2 forms only */
    config.minimize_esipa_bytes = false;
    config.binding = IPA_ESIPA_BINDING_JSON;
    assert_int_equal(ipa_esipa_new(&config, &client), AW_ERR_ARGUMENT);
    assert_null(client);
    config.binding = IPA_ESIPA_BINDING_ASN1;
    assert_int_equal(ipa_esipa_new(&config, &client), AW_OK);
    ipa_esipa_free(client);
}

/* The rewriting, form by form: hex in, hex out. */
static void expect_v1_0(const char *in_hex, const char *out_hex)
{
    size_t len = 0, out_len = 0;
    uint8_t *in = test_hex(in_hex, &len), *out = NULL;
    assert_int_equal(sgp32_convert_esipa_message_to_v1_0(in, len, &out, &out_len), AW_OK);
    test_assert_hex(out, out_len, out_hex);
    free(out);
    free(in);
}

#define EID_TLV "5A1089049032123451234512345678901235"
#define RESULT "BF5105A203800165"
#define PIR "BF3708BF270280005F3700"
#define TID "8203010203"

static void test_rewrite(void **state)
{
    (void)state;
    /* GetEimPackageRequest: stateChangeCause dropped, rPLMN [2] -> [1] */
    expect_v1_0("BF4F1C" EID_TLV "8000" "810105" "820362F210",
                "BF4F19" EID_TLV "8000" "810362F210");
    /* ProvideEimPackageResult: no eidValue */
    expect_v1_0("BF501A" EID_TLV RESULT, "BF5008" RESULT);
    /* ePRAndNotifications: notificationList [0] -> [43] { [0] } */
    expect_v1_0("BF5029" EID_TLV "3015" RESULT "A00B" PIR,
                "BF501A" "3018" RESULT "BF2B0D" "A00B" PIR);
    /* EimPackageResultResponseError [0] -> bare eimPackageError */
    expect_v1_0("BF501B" EID_TLV "A007" "8002" "0A0B" "020102", "BF5003020102");
    /* profileDownloadError { reason [0], errorResponse 04 } ->
     * { errorResponse [0] } */
    expect_v1_0("BF5025" EID_TLV "BF5410" TID "3009" "80017F" "0404DEADBEEF",
                "BF5010" "BF540D" TID "3006" "8004DEADBEEF");
    /* HandleNotification: the PendingNotification bare */
    expect_v1_0("BF3D0DA00B" PIR, "BF3D0B" PIR);
    expect_v1_0("BF3D0AA0083006BF2F005F3700", "BF3D083006BF2F005F3700");
    /* IpaEuiccData: no eimTransactionId */
    expect_v1_0("BF5020" EID_TLV "BF520BA009" "83026162" "8703010203",
                "BF5009" "BF5206A004" "83026162");
    /* unchanged: a CancelSession request */
    expect_v1_0("BF410A8003010203A103020105", "BF410A8003010203A103020105");
    /* what does not decode is refused */
    size_t n = 0;
    uint8_t *out = NULL, bad[] = {0xBF, 0x50, 0x01};
    assert_int_equal(sgp32_convert_esipa_message_to_v1_0(bad, sizeof(bad), &out, &n),
                     AW_ERR_DER_TRUNCATED);
    assert_null(out);
    assert_int_equal(sgp32_convert_esipa_message_to_v1_0(NULL, 0, &out, &n), AW_ERR_ARGUMENT);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_esipa_v1_0", "sqlite", NULL},
                                  "test_ipa_esipa_v1_0");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enable_v1_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_v1_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_arguments_v1_0, setup, teardown),
        cmocka_unit_test(test_rewrite),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
