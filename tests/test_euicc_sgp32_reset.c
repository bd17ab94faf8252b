/* Tests of ES10b.EuiccMemoryReset as SGP.32 5.9.5 defines it (BF64) on the
 * software eUICC over APDUs, on both curves: each resetOptions bit
 * (operational, field-loaded test and provisioning Profiles, default SM-DP+
 * address, eIM Configuration Data with the results and rollback only an eIM
 * could use, immediate enabling configuration) does exactly its part; the
 * answer carries resetEimResult [1] / resetImmediateEnableConfigResult [2]
 * only when asked, with nothingToDelete(1) when there was nothing; no
 * Notification is queued for the Profiles it deletes; a reset survives a
 * restart; a malformed request is refused with 6A80 and changes nothing;
 * the SGP.22 form (BF34) still resets only its own three bits. */
#include "euicc_sgp32_testutil.h"

#include "core/sgp32_tags.h"

#define ICCID_OPERATIONAL "8944500000000000014"
#define ICCID_TEST "8944500000000000022"
#define ICCID_PROVISIONING "8944500000000000030"

static test_euicc t;
static test_eim eim1;
static const test_profile operational = {ICCID_OPERATIONAL, "001010000000001",
                                         SGP22_PROFILE_CLASS_OPERATIONAL,
                                         SGP22_NOTIFICATION_DELETE, 0};
static const test_profile test_class = {ICCID_TEST, "001010000000002", SGP22_PROFILE_CLASS_TEST,
                                        SGP22_NOTIFICATION_DELETE, 0};
static const test_profile provisioning = {ICCID_PROVISIONING, "001010000000003",
                                          SGP22_PROFILE_CLASS_PROVISIONING,
                                          SGP22_NOTIFICATION_DELETE, 0};

static void install_all(void)
{
    uint8_t aid[16];
    te_install(&t, &operational, aid);
    te_install(&t, &test_class, aid);
    te_install(&t, &provisioning, aid);
}

static int setup_curve(aw_pki_curve curve)
{
    te_setup(&t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim1, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    install_all();
    return 0;
}

static int setup_nist(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_NIST_P256);
}

static int setup_brainpool(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

static int teardown(void **state)
{
    (void)state;
    test_eim_free(&eim1);
    te_teardown(&t);
    return 0;
}

static void reopen(void)
{
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
}

static bool present(const char *iccid)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    return euicc_state_find_iccid(t.card->state, bytes) >= 0;
}

/* Send a hex command and require the exact hex answer. */
static void expect(const char *command, const char *answer)
{
    size_t n, expected_len;
    uint8_t *r = te_call(&t, command, &n);
    uint8_t *expected = test_hex(answer, &expected_len);
    assert_int_equal(n, expected_len);
    assert_memory_equal(r, expected, n);
    free(expected);
    free(r);
}

static void add_eim1(void)
{
    sgp32_eim_configuration_data c = test_eim_configuration(&eim1, 1, -1);
    size_t len, n;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
}

/* An accepted getRAT package leaves a result pending acknowledgement. */
static void run_package(int64_t counter)
{
    sgp32_euicc_package_signed package;
    sgp32_euicc_package_result result;
    test_package_init(&package, eim1.eim_id, t.card->identity->eid_bytes, counter);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 1;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_GET_RAT;
    uint8_t *r = test_run_package(&t, &eim1, &package, 0, true, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    free(r);
}

/* resetOptions bits as a BIT STRING [2]: one content octet, MSB first. */
static void test_profile_classes(void **state)
{
    (void)state;
    size_t notifications = t.card->state->notification_count;
    /* deleteOperationalProfiles(0) */
    expect("BF640482020780", "BF6403800100");
    assert_false(present(ICCID_OPERATIONAL));
    assert_true(present(ICCID_TEST));
    assert_true(present(ICCID_PROVISIONING));
    /* the same again: nothing left to delete */
    expect("BF640482020780", "BF6403800101");
    /* deleteFieldLoadedTestProfiles(1) */
    expect("BF640482020640", "BF6403800100");
    assert_false(present(ICCID_TEST));
    assert_true(present(ICCID_PROVISIONING));
    /* deletePreLoadedTestProfiles(3): this eUICC has none */
    expect("BF640482020410", "BF6403800101");
    /* deleteProvisioningProfiles(4) */
    expect("BF640482020308", "BF6403800100");
    assert_false(present(ICCID_PROVISIONING));
    assert_int_equal(t.card->state->profile_count, 0);
    /* no deleteNotification for a reset */
    assert_int_equal(t.card->state->notification_count, notifications);
    reopen();
    assert_int_equal(t.card->state->profile_count, 0);
}

static void test_default_address(void **state)
{
    (void)state;
    /* SetDefaultDpAddress (BF3F) then resetDefaultSmdpAddress(2) */
    assert_int_equal(te_status(&t, "BF3F0B8009736D64702E74657374"), 0x9000);
    assert_true(t.card->state->has_default_dp_address);
    expect("BF640482020520", "BF6403800100");
    assert_false(t.card->state->has_default_dp_address);
    assert_int_equal(t.card->state->profile_count, 3); /* Profiles untouched */
    expect("BF640482020520", "BF6403800101");
}

static void test_eim_configuration_data(void **state)
{
    (void)state;
    add_eim1();
    run_package(2);
    assert_int_equal(t.card->state->eim_count, 1);
    assert_int_equal(t.card->state->package_result_count, 1);
    /* an eIM is associated: BF59 refused with associatedEimAlreadyExists */
    expect("BF59028000", "BF5903800102");
    /* resetEimConfigData(5) alone: resetResult and resetEimResult */
    expect("BF640482020204", "BF6406800100810100");
    assert_int_equal(t.card->state->eim_count, 0);
    assert_int_equal(t.card->state->package_result_count, 0);
    assert_int_equal(t.card->state->profile_count, 3);
    reopen();
    assert_int_equal(t.card->state->eim_count, 0);
    /* GetEimConfigurationData is empty; BF59 is the IPA's again */
    expect("BF5500", "BF5502A000");
    expect("BF59028000", "BF5903800100");
    /* again: nothing to delete in either result */
    expect("BF640482020204", "BF6406800101810101");
    /* and a new eIM can be added, starting over from its counter */
    add_eim1();
    run_package(2);
}

static void test_immediate_enable_configuration(void **state)
{
    (void)state;
    /* ConfigureImmediateProfileEnabling (no eIM): flag and an address */
    expect("BF59088000820474657374", "BF5903800100");
    assert_true(t.card->state->immediate_enable.configured);
    /* resetImmediateEnableConfig(6) */
    expect("BF640482020102", "BF6406800100820100");
    assert_false(t.card->state->immediate_enable.configured);
    assert_false(t.card->state->immediate_enable.flag);
    reopen();
    assert_false(t.card->state->immediate_enable.configured);
    assert_int_equal(t.card->state->profile_count, 3);
}

static void test_all_options(void **state)
{
    (void)state;
    add_eim1();
    /* bits 0-6 */
    expect("BF6404820201FE", "BF6409800100810100820100");
    assert_int_equal(t.card->state->profile_count, 0);
    assert_int_equal(t.card->state->eim_count, 0);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_int_equal(te_status(&t, "BF6400"), 0x6A80);             /* resetOptions missing */
    assert_int_equal(te_status(&t, "BF640483020780"), 0x6A80);    /* wrong tag */
    assert_int_equal(te_status(&t, "BF64048202078000"), 0x6A80);  /* not a TLV after */
    assert_int_equal(te_status(&t, "BF6406820207800500"), 0x6A80); /* trailing component */
    assert_int_equal(te_status(&t, "BF6403820108"), 0x6A80);      /* unused bits > 7 */
    assert_int_equal(t.card->state->profile_count, 3);
}

static void test_sgp22_form(void **state)
{
    (void)state;
    /* BF34 with bits 0, 1 and 4 set: SGP.22 knows 0-2 only, so the
     * provisioning Profile stays */
    expect("BF3404820203C8", "BF3403800100");
    assert_false(present(ICCID_OPERATIONAL));
    assert_true(present(ICCID_PROVISIONING));
}

#define RESET_TESTS(setup)                                                                  \
    cmocka_unit_test_setup_teardown(test_profile_classes, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_default_address, setup, teardown),             \
        cmocka_unit_test_setup_teardown(test_eim_configuration_data, setup, teardown),      \
        cmocka_unit_test_setup_teardown(test_immediate_enable_configuration, setup, teardown), \
        cmocka_unit_test_setup_teardown(test_all_options, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_sgp22_form, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {RESET_TESTS(setup_nist), RESET_TESTS(setup_brainpool)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
