/* eim_package_result_status (src/eim/package_status.c): what became of one
 * eUICC Package, read from what the eIM recorded, against the real
 * software eUICC in-process: waiting while queued and sent; executed with
 * each PSMO's result (SGP.32 2.11.1.2 EuiccResultData: enableResult ok,
 * then profileNotInDisabledState for the same enable again); a signed
 * EuiccPackageError (replayError); an EuiccPackageErrorUnsigned (tampered
 * eimSignature); the IPA's EimPackageResultResponseError; and the
 * refusals (another eUICC's package, a download trigger, bad arguments).
 *   test_eim_package_status sqlite */
#include "psmo_testutil.h"

static psmo_fixture f;

static int setup(void **state)
{
    (void)state;
    psmo_fixture_setup(&f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    psmo_fixture_teardown(&f);
    return 0;
}

static int64_t enqueue(eim_operation_kind kind, const char *iccid)
{
    eim_operation op = {.kind = kind, .iccid = iccid};
    int64_t id = 0;
    assert_int_equal(
        eim_package_enqueue(f.eim_db, f.keys, AW_PKI_DEFAULT_EID, &op, 1, db_clock_ms(), &id, NULL),
        AW_OK);
    return id;
}

static void test_executed(void **state)
{
    (void)state;
    eim_package_status status;
    int64_t id = enqueue(EIM_OPERATION_ENABLE, PSMO_ICCID1);
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_WAITING);
    assert_int_equal(status.result_ms, 0);
    assert_true(psmo_fixture_poll(&f));
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_EXECUTED);
    assert_int_equal(status.result_count, 1);
    assert_int_equal(status.results[0].kind, SGP32_EUICC_RESULT_ENABLE);
    assert_int_equal(status.results[0].code, SGP32_RESULT_OK);
    assert_true(status.result_ms > 0);

    /* enabled already: SGP.22 ES10c.EnableProfile profileNotInDisabledState */
    id = enqueue(EIM_OPERATION_ENABLE, PSMO_ICCID1);
    assert_true(psmo_fixture_poll(&f));
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_EXECUTED);
    assert_int_equal(status.results[0].code, SGP32_RESULT_PROFILE_NOT_IN_DISABLED_STATE);

    /* two PSMOs in one package, their results in order */
    static const eim_operation pair[] = {{.kind = EIM_OPERATION_DISABLE, .iccid = PSMO_ICCID1},
                                         {.kind = EIM_OPERATION_DELETE, .iccid = PSMO_ICCID1}};
    assert_int_equal(eim_package_enqueue(f.eim_db, f.keys, AW_PKI_DEFAULT_EID, pair, 2,
                                         db_clock_ms(), &id, NULL),
                     AW_OK);
    assert_true(psmo_fixture_poll(&f));
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.result_count, 2);
    assert_int_equal(status.results[0].kind, SGP32_EUICC_RESULT_DISABLE);
    assert_int_equal(status.results[0].code, SGP32_RESULT_OK);
    assert_int_equal(status.results[1].kind, SGP32_EUICC_RESULT_DELETE);
    assert_int_equal(status.results[1].code, SGP32_RESULT_OK);
}

static void test_refused_signed(void **state)
{
    (void)state;
    /* the eUICC accepted counter 5 already: the eIM's counter 1 is a replay */
    static const eim_operation list = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    static const uint8_t tid[] = {1, 2, 3};
    eim_package_params params = {.eim_id = EIM_TEST_EIM_ID, .eid = AW_PKI_DEFAULT_EID,
                                 .counter_value = 5, .transaction_id = tid,
                                 .transaction_id_len = sizeof(tid)};
    uint8_t *package = NULL, *result = NULL;
    size_t package_len = 0, result_len = 0;
    assert_int_equal(eim_package_build(&params, &list, 1, eim_key_ring_find(f.keys, "eim"),
                                       &package, &package_len),
                     AW_OK);
    assert_int_equal(te_es10(&f.euicc, package, package_len, &result, &result_len), 0x9000);
    free(package);
    free(result);
    int64_t id = enqueue(EIM_OPERATION_ENABLE, PSMO_ICCID2);
    assert_true(psmo_fixture_poll(&f));
    eim_package_status status;
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_REFUSED);
    assert_int_equal(status.error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    assert_int_equal(status.result_count, 0);
}

static void test_unsigned_error(void **state)
{
    (void)state;
    int64_t id = enqueue(EIM_OPERATION_ENABLE, PSMO_ICCID1);
    uint8_t *package = NULL, *result = NULL;
    size_t package_len = 0, result_len = 0;
    assert_int_equal(eim_package_next(f.eim_db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    package[package_len - 1] ^= 0x01; /* the signature's last byte */
    assert_int_equal(te_es10(&f.euicc, package, package_len, &result, &result_len), 0x9000);
    free(package);
    assert_int_equal(eim_result_record(f.eim_db, f.trust, AW_PKI_DEFAULT_EID, result, result_len,
                                       db_clock_ms(), NULL),
                     AW_OK);
    free(result);
    eim_package_status status;
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_UNSIGNED_ERROR);
    assert_int_equal(status.error_code, SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR);
}

static void test_ipa_error(void **state)
{
    (void)state;
    int64_t id = enqueue(EIM_OPERATION_DISABLE, PSMO_ICCID1);
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(eim_package_next(f.eim_db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    assert_non_null(request);
    assert_int_equal(sgp32_decode_euicc_package_request(package, package_len, request), AW_OK);
    aw_slice tid = request->euicc_package_signed.eim_transaction_id;
    /* the IPA's EimPackageResultResponseError (SGP.32 6.3.2.7): any
     * answer other than an EuiccPackageResult, kept as received */
    static const uint8_t error[] = {0x30, 0x03, 0x02, 0x01, 0x02};
    assert_int_equal(eim_package_error_record(f.eim_db, AW_PKI_DEFAULT_EID, tid.ptr, tid.len, 2,
                                              error, sizeof(error), db_clock_ms(), NULL),
                     AW_OK);
    free(request);
    free(package);
    eim_package_status status;
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status), AW_OK);
    assert_int_equal(status.outcome, EIM_PACKAGE_OUTCOME_IPA_ERROR);
    assert_int_equal(status.error_code, 2);
}

static void test_refusals(void **state)
{
    (void)state;
    eim_package_status status;
    int64_t id = enqueue(EIM_OPERATION_ENABLE, PSMO_ICCID1);
    char other[EIM_EID_DIGITS + 1];
    eim_test_eid(7, other);
    /* another eUICC's, an unknown id, a download trigger */
    assert_int_equal(eim_package_result_status(f.eim_db, other, id, &status), AW_ERR_NOT_FOUND);
    assert_int_equal(status.outcome, 0);
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id + 100, &status),
                     AW_ERR_NOT_FOUND);
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$MATCH-1"};
    int64_t trigger_id = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(f.eim_db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &trigger_id),
                     AW_OK);
    assert_int_equal(
        eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, trigger_id, &status),
        AW_ERR_NOT_FOUND);
    /* a stored result that is not DER */
    static const uint8_t junk[] = {0xBF, 0x51, 0x05, 0x01};
    db_param p[] = {DB_PARAM_BLOB(junk, sizeof(junk)), DB_PARAM_INT64(EIM_PACKAGE_DONE),
                    DB_PARAM_INT64(id)};
    assert_int_equal(db_execute(f.eim_db,
                                "UPDATE eim_packages SET result = ?, state = ? WHERE id = ?", p,
                                3, NULL),
                     AW_OK);
    assert_int_not_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status),
                         AW_OK);
    assert_int_equal(status.outcome, 0);
    /* done without a result */
    db_param q[] = {DB_PARAM_INT64(id)};
    assert_int_equal(
        db_execute(f.eim_db, "UPDATE eim_packages SET result = NULL WHERE id = ?", q, 1, NULL),
        AW_OK);
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, &status),
                     AW_ERR_DB_FAILED);
    assert_int_equal(eim_package_result_status(NULL, AW_PKI_DEFAULT_EID, id, &status),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_result_status(f.eim_db, NULL, id, &status), AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, 0, &status),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_result_status(f.eim_db, AW_PKI_DEFAULT_EID, id, NULL),
                     AW_ERR_ARGUMENT);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_package_status");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_executed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipa_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
