/* The wrong-EID case of the IoT end-to-end tests (issue 5), which has no
 * CLI path (the eIM hands out only the asking EID's packages): the eIM
 * library (src/eim) with two eUICCs registered, the real software eUICC
 * in-process. A signed eUICC Package the eIM queued for the other EID is
 * delivered to this eUICC: the eUICC answers a signed invalidEid(3) and
 * runs nothing (SGP.32 5.9.1 step 3). The eIM refuses that answer as this
 * eUICC's (no package with that counterValue sent to it; one with the same
 * counterValue but another eimTransactionId is no match either), and
 * does not take it for the EID the package was queued for either: the
 * signing eUICC's certificate names another EID (2.11.1.2); both packages
 * stay sent. This eUICC's own package with the same counterValue then runs
 * and is recorded done. tests/test_iot_e2e_pcsc.sh covers the rest of
 * the chain over PC/SC. */
#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"

#define ICCID1 "8944500000000000014"

static test_euicc t;
static test_eim eim;
static eim_key_ring *keys;
static db_connection *db;
static pki_trust_store *trust;
static char other_eid[EIM_EID_DIGITS + 1];

/* The private key of role as a crypto_key. */
static crypto_key *role_key(aw_pki_role role)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(
        PEM_write_bio_PrivateKey(bio, t.hierarchy.key[role], NULL, NULL, 0, NULL, NULL), 1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key), AW_OK);
    BIO_free(bio);
    return key;
}

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim, &t, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", role_key(AW_PKI_ROLE_EIM)), AW_OK);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    db = eim_test_db_fresh();
    /* AddInitialEim: this eUICC trusts the eIM */
    sgp32_eim_configuration_data c = test_eim_configuration(&eim, 0, -1);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    sgp32_add_initial_eim_response response;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    assert_int_equal(sgp32_decode_add_initial_eim_response(r, n, &response), AW_OK);
    assert_int_equal(response.kind, SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    free(command);
    free(r);
    /* both eUICCs registered; the other one's package is misrouted here,
     * and its registration holds this eUICC's certificates (an operator's
     * mix-up of records: the eIM must still not credit the answer to it) */
    eim_test_eid(7, other_eid);
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, t.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      t.hierarchy.cert[AW_PKI_ROLE_EUM]);
    eim_test_register(db, other_eid, 0, -1, t.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      t.hierarchy.cert[AW_PKI_ROLE_EUM]);
    uint8_t aid[16];
    const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    te_install(&t, &p1, aid);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    pki_trust_store_free(trust);
    eim_key_ring_free(keys);
    test_eim_free(&eim);
    te_teardown(&t);
    return 0;
}

/* Queue "enable ICCID1" for eid; its counterValue. */
static int64_t enqueue_enable(const char *eid)
{
    const eim_operation op = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    int64_t id = 0, counter = 0;
    assert_int_equal(eim_package_enqueue(db, keys, eid, &op, 1, db_clock_ms(), &id, &counter),
                     AW_OK);
    return counter;
}

/* Hand eid's next package to this eUICC; its EuiccPackageResult. */
static uint8_t *deliver(const char *eid, size_t *len, sgp32_euicc_package_result *decoded)
{
    uint8_t *package = NULL, *r = NULL;
    size_t package_len = 0;
    int64_t id = 0;
    assert_int_equal(eim_package_next(db, eid, db_clock_ms(), &package, &package_len, &id),
                     AW_OK);
    assert_int_equal(te_es10(&t, package, package_len, &r, len), 0x9000);
    free(package);
    assert_non_null(r);
    assert_int_equal(sgp32_decode_euicc_package_result(r, *len, decoded), AW_OK);
    return r;
}

/* The state the eIM recorded for eid's only package. */
static void expect_record(const char *eid, eim_package_state state, int64_t error_code)
{
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, state);
    if (state == EIM_PACKAGE_FAILED)
        assert_int_equal(records[0].error_code, error_code);
    eim_package_records_free(records, count);
}

static void test_wrong_eid(void **state)
{
    (void)state;
    assert_int_equal(enqueue_enable(other_eid), 1);
    assert_int_equal(enqueue_enable(AW_PKI_DEFAULT_EID), 1);
    size_t len = 0;
    sgp32_euicc_package_result decoded;
    uint8_t *misrouted = deliver(other_eid, &len, &decoded);
    assert_int_equal(decoded.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    const sgp32_euicc_package_error_data_signed *e =
        &decoded.error_signed.euicc_package_error_data_signed;
    assert_int_equal(e->euicc_package_error_code, SGP32_EUICC_PACKAGE_ERROR_INVALID_EID);
    assert_int_equal(e->counter_value, 1);
    /* nothing ran: the profile is still disabled, the counter not spent */
    assert_false(t.card->state->profiles[0].enabled);

    /* the IPA hands the answer in as this eUICC's: nothing of this eUICC's
     * was sent with that counterValue */
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, misrouted, len,
                                       db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    /* this eUICC's own package 1 sent: same counterValue, another
     * eimTransactionId */
    sgp32_euicc_package_result own_decoded;
    size_t own_len = 0;
    uint8_t *own = deliver(AW_PKI_DEFAULT_EID, &own_len, &own_decoded);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, misrouted, len,
                                       db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_MISMATCH);
    expect_record(AW_PKI_DEFAULT_EID, EIM_PACKAGE_SENT, 0);

    /* nor for the EID it was queued for: this eUICC's certificate (even
     * where a registration mix-up put it on the other EID's record) names
     * another EID, so the answer is not the other eUICC's */
    eim_result_info info;
    assert_int_equal(eim_result_record(db, trust, other_eid, misrouted, len, db_clock_ms(),
                                       &info),
                     AW_ERR_PKI_EID);
    expect_record(other_eid, EIM_PACKAGE_SENT, 0);

    /* this eUICC's own package ran (counter 1 was still unspent) */
    assert_int_equal(own_decoded.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    assert_true(t.card->state->profiles[0].enabled);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, own, own_len,
                                       db_clock_ms(), &info),
                     AW_OK);
    assert_false(info.is_error);
    expect_record(AW_PKI_DEFAULT_EID, EIM_PACKAGE_DONE, 0);
    free(own);
    free(misrouted);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_iot_wrong_eid");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrong_eid, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
