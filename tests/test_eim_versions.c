/* SGP.32 v1.0 peers at the eIM (docs/sgp32-versions.md; src/eim/result.c,
 * esipa.c, registry.c): the SGP.32 version each eUICC is registered with,
 * and the two v1.0 tolerances it selects, each tested with v1.0-style
 * messages built here with the project's own encoders and keys:
 *  - euiccSignEPR / euiccSignEPE over the signed data followed by the
 *    eimSignature (v1.0 2.11.2.1; data || associationToken since v1.1),
 *    accepted for an eUICC registered as v1.0 and refused otherwise;
 *  - ProvideEimPackageResult without eidValue (v1.0 had none): the eUICC
 *    found through the package's eimTransactionId when it is registered
 *    as v1.0, answered in the v1.0 form; missingEid otherwise;
 * the v1.0 encodings the v1.2 decoders already take (GetEimPackageRequest
 * rPLMN [1], EimIdInfo eimIdType [4]), and no v1.1 PSMO queued for a v1.0
 * eUICC. */
#include "eim_versions_testutil.h"

/* ---- registry ------------------------------------------------------------------ */

static void test_registry_version(void **state)
{
    (void)state;
    eim_euicc e;
    assert_int_equal(eim_registry_get(db, eid, &e), AW_OK);
    assert_int_equal(e.sgp32_version, EIM_SGP32_VERSION_1_2); /* the default */
    eim_euicc_clear(&e);
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(eim_registry_get(db, eid, &e), AW_OK);
    assert_int_equal(e.sgp32_version, EIM_SGP32_VERSION_1_0);
    eim_euicc_clear(&e);
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, (eim_sgp32_version)103),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_registry_set_sgp32_version(NULL, eid, EIM_SGP32_VERSION_1_0),
                     AW_ERR_ARGUMENT);
    char other[EIM_EID_DIGITS + 1];
    eim_test_eid(9, other);
    assert_int_equal(eim_registry_set_sgp32_version(db, other, EIM_SGP32_VERSION_1_0),
                     AW_ERR_EIM_UNKNOWN_EUICC);

    /* bulk registration: the sgp32_version column */
    const eim_registry_defaults defaults = {.eim_id = EIM_TEST_EIM_ID};
    char csv[200];
    eim_batch *batch = NULL;
    size_t line = 0;
    snprintf(csv, sizeof(csv), "eid,sgp32_version\n%s,1.0\n", other);
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)csv, strlen(csv), &defaults, &batch,
                                            &line),
                     AW_OK);
    assert_int_equal(batch->records[0].sgp32_version, EIM_SGP32_VERSION_1_0);
    assert_int_equal(eim_registry_import(db, batch, NULL, db_clock_ms(), &line), AW_OK);
    eim_batch_free(batch);
    assert_int_equal(eim_registry_get(db, other, &e), AW_OK);
    assert_int_equal(e.sgp32_version, EIM_SGP32_VERSION_1_0);
    eim_euicc_clear(&e);
    snprintf(csv, sizeof(csv), "{\"euiccs\": [{\"eid\": \"%s\", \"sgp32_version\": \"1.1\"}]}",
             eid);
    assert_int_equal(eim_registry_parse_json((const uint8_t *)csv, strlen(csv), &defaults,
                                             &batch, &line),
                     AW_OK);
    assert_int_equal(batch->records[0].sgp32_version, EIM_SGP32_VERSION_1_1);
    eim_batch_free(batch);
    /* versions this eIM does not know are refused */
    snprintf(csv, sizeof(csv), "eid,sgp32_version\n%s,2.0\n", other);
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)csv, strlen(csv), &defaults, &batch,
                                            &line),
                     AW_ERR_EIM_IMPORT_FIELD);
    assert_int_equal(line, 2); /* the CSV line, after the header */
    eim_euicc bad;
    char third[EIM_EID_DIGITS + 1];
    eim_test_eid(10, third);
    eim_test_record(&bad, third, 0, -1, NULL, NULL);
    bad.sgp32_version = (eim_sgp32_version)3;
    eim_batch one = {.records = &bad, .count = 1};
    assert_int_equal(eim_registry_import(db, &one, NULL, db_clock_ms(), &line),
                     AW_ERR_EIM_IMPORT_FIELD);
    eim_euicc_clear(&bad);
}

/* ---- the v1.0 signature input -------------------------------------------------------- */

static void test_v1_0_signature(void **state)
{
    (void)state;
    eim_result_info info;
    size_t len = 0;
    /* registered as v1.2: the v1.0 input is refused, the package stays sent */
    sent s1 = send_package();
    uint8_t *v1_0 = result_for(&s1, SIGN_V1_0_DATA_OBJECT, false, 5, &len);
    assert_int_equal(record(v1_0, len, &info), AW_ERR_SIGNATURE);

    /* the operator records the eUICC as v1.0: the same bytes are accepted */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(record(v1_0, len, &info), AW_OK);
    assert_int_equal(info.seq_number, 5);
    assert_false(info.is_error);
    free(v1_0);

    /* the value-only reading of "eimSignature", and a signed error */
    sent s2 = send_package();
    uint8_t *value = result_for(&s2, SIGN_V1_0_VALUE, false, 6, &len);
    assert_int_equal(record(value, len, &info), AW_OK);
    assert_int_equal(info.seq_number, 6);
    free(value);
    sent s3 = send_package();
    uint8_t *error = result_for(&s3, SIGN_V1_0_DATA_OBJECT, true, 0, &len);
    assert_int_equal(record(error, len, &info), AW_OK);
    assert_true(info.is_error);
    free(error);

    /* the current input stays valid for a v1.0-registered eUICC */
    sent s4 = send_package();
    uint8_t *current = result_for(&s4, SIGN_V1_1, false, 7, &len);
    assert_int_equal(record(current, len, &info), AW_OK);
    free(current);

    /* a signature over anything else is refused, whatever the version */
    sent s5 = send_package();
    uint8_t *other = result_for(&s5, SIGN_OTHER, false, 8, &len);
    assert_int_equal(record(other, len, &info), AW_ERR_SIGNATURE);
    /* and the v1.0 input of another package's eimSignature too */
    sent wrong = s5;
    memcpy(wrong.eim_signature, s1.eim_signature, CRYPTO_SIGNATURE_SIZE);
    free(other);
    other = result_for(&wrong, SIGN_V1_0_DATA_OBJECT, false, 8, &len);
    assert_int_equal(record(other, len, &info), AW_ERR_SIGNATURE);
    free(other);
}

/* ---- ProvideEimPackageResult without eidValue ------------------------------------------ */

/* BF50 with the result and no eidValue, as a v1.0 IPA sends it. */
static uint8_t *provide_v1_0(const uint8_t *result, size_t result_len, aw_err *verdict,
                             size_t *answer_len)
{
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.eim_package_result.kind =
        SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT;
    assert_int_equal(sgp32_decode_euicc_package_result(
                         result, result_len,
                         &m->provide_eim_package_result.eim_package_result.euicc_package_result),
                     AW_OK);
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &request, &request_len), AW_OK);
    free(m);
    /* the v1.0 shape: BF50 directly around BF51 */
    assert_int_equal(request[0], 0xBF);
    assert_int_equal(request[1], 0x50);
    eim_context context = {.db = db, .trust = trust};
    assert_int_equal(eim_esipa_handle(&context, request, request_len, db_clock_ms(), &answer,
                                      answer_len, verdict),
                     AW_OK);
    free(request);
    return answer;
}

static void test_v1_0_provide_without_eid(void **state)
{
    (void)state;
    aw_err verdict = AW_OK;
    size_t len = 0, answer_len = 0;
    static const uint8_t missing_eid[] = {0xBF, 0x50, 0x03, 0x02, 0x01, 0x04};
    static const uint8_t ack_9[] = {0xBF, 0x50, 0x07, 0xBF, 0x53, 0x04, 0x80, 0x02, 0x00, 0x90};
    static const uint8_t v1_0_nothing[] = {0xBF, 0x50, 0x00};

    /* registered as v1.2: an eidValue is required */
    sent s1 = send_package();
    uint8_t *result = result_for(&s1, SIGN_V1_1, false, 0x90, &len);
    uint8_t *answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_ERR_EIM_UNKNOWN_EUICC);
    assert_memory_equal(answer, missing_eid, sizeof(missing_eid));
    assert_int_equal(answer_len, sizeof(missing_eid));
    free(answer);

    /* registered as v1.0: found through its package, recorded, acknowledged */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(answer_len, sizeof(ack_9));
    assert_memory_equal(answer, ack_9, sizeof(ack_9));
    free(answer);
    free(result);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_DONE);
    eim_package_records_free(records, count);

    /* a signed error: nothing to acknowledge, in the v1.0 form */
    sent s2 = send_package();
    result = result_for(&s2, SIGN_V1_0_DATA_OBJECT, true, 0, &len);
    answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(answer_len, sizeof(v1_0_nothing));
    assert_memory_equal(answer, v1_0_nothing, sizeof(v1_0_nothing));
    free(answer);
    free(result);

    /* a refusal (bad signature) is answered in the v1.0 form too */
    sent s3 = send_package();
    result = result_for(&s3, SIGN_OTHER, false, 0x91, &len);
    answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_ERR_SIGNATURE);
    assert_int_equal(answer_len, sizeof(v1_0_nothing));
    assert_memory_equal(answer, v1_0_nothing, sizeof(v1_0_nothing));
    free(answer);
    free(result);

    /* an eimTransactionId this eIM never sent names no eUICC */
    sent unknown = s3;
    memset(unknown.transaction_id, 0x5A, unknown.transaction_id_len);
    result = result_for(&unknown, SIGN_V1_1, false, 0x92, &len);
    answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_ERR_EIM_UNKNOWN_EUICC);
    assert_memory_equal(answer, missing_eid, sizeof(missing_eid));
    free(answer);
    free(result);

    /* nor does an unsigned error (it names no package in v1.0) */
    sgp32_euicc_package_result unsigned_error;
    memset(&unsigned_error, 0, sizeof(unsigned_error));
    unsigned_error.kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    unsigned_error.error_unsigned.eim_id =
        (aw_slice){(const uint8_t *)EIM_TEST_EIM_ID, strlen(EIM_TEST_EIM_ID)};
    assert_int_equal(sgp32_encode_euicc_package_result(&unsigned_error, &result, &len), AW_OK);
    answer = provide_v1_0(result, len, &verdict, &answer_len);
    assert_int_equal(verdict, AW_ERR_EIM_UNKNOWN_EUICC);
    assert_memory_equal(answer, missing_eid, sizeof(missing_eid));
    free(answer);
    free(result);
}

/* ---- v1.0 encodings the v1.2 decoders already take ------------------------------------ */

/* GetEimPackageRequest of v1.0: rPLMN was [1] (v1.1 moved it to [2] and gave
 * [1] to stateChangeCause). The eIM uses neither: the poll is served. */
static void test_v1_0_get_eim_package(void **state)
{
    (void)state;
    uint8_t octets[SGP32_EID_LENGTH], *request = NULL, *answer = NULL;
    size_t request_len = 0, answer_len = 0;
    static const uint8_t rplmn[] = {0x62, 0xF2, 0x10}; /* MCC 262, MNC 01 */
    assert_int_equal(eim_eid_to_octets(eid, octets), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_GET_EIM_PACKAGE);
    der_put_tlv(&b, SGP32_TAG_EID, octets, sizeof(octets));
    der_put_tlv(&b, DER_CTX(1), rplmn, sizeof(rplmn));
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &request, &request_len), AW_OK);
    eim_context context = {.db = db, .trust = trust};
    aw_err verdict = AW_OK;
    assert_int_equal(eim_esipa_handle(&context, request, request_len, db_clock_ms(), &answer,
                                      &answer_len, &verdict),
                     AW_OK);
    assert_int_equal(verdict, AW_ERR_NOT_FOUND);
    static const uint8_t none[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01}; /* noEimPackageAvailable */
    assert_int_equal(answer_len, sizeof(none));
    assert_memory_equal(answer, none, sizeof(none));
    free(answer);
    free(request);
}

/* listEimResult of a v1.0 eUICC: EimIdInfo.eimIdType was [4] (v1.1: [2]);
 * the decoders keep it as an unknown trailing component, so the signed
 * result verifies and is recorded as received. */
static void test_v1_0_list_eim(void **state)
{
    (void)state;
    static const uint8_t eim_id_type_v1_0[] = {0x84, 0x01, 0x02}; /* eimIdTypeFqdn */
    sgp32_euicc_result_data op;
    memset(&op, 0, sizeof(op));
    op.kind = SGP32_EUICC_RESULT_LIST_EIM;
    op.list_eim_result.kind = SGP32_LIST_EIM_RESULT_EIM_ID_LIST;
    op.list_eim_result.eim_id_count = 1;
    op.list_eim_result.eim_ids[0].eim_id =
        (aw_slice){(const uint8_t *)EIM_TEST_EIM_ID, strlen(EIM_TEST_EIM_ID)};
    op.list_eim_result.eim_ids[0].extensions =
        (aw_slice){eim_id_type_v1_0, sizeof(eim_id_type_v1_0)};
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    sent s = send_package();
    size_t len = 0;
    uint8_t *result = result_with(&s, SIGN_V1_0_DATA_OBJECT, false, 11, &op, &len);
    eim_result_info info;
    assert_int_equal(record(result, len, &info), AW_OK);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].result_len, len);
    assert_memory_equal(records[0].result, result, len);
    eim_package_records_free(records, count);
    free(result);
}

/* PSMOs that v1.0 lacks are not queued for an eUICC registered as v1.0. */
static void test_v1_0_operations(void **state)
{
    (void)state;
    eim_operation set_fallback = {.kind = EIM_OPERATION_SET_FALLBACK_ATTRIBUTE,
                                  .iccid = "8944500000000000014"};
    eim_operation unset_fallback = {.kind = EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE};
    eim_operation set_address = {.kind = EIM_OPERATION_SET_DEFAULT_DP_ADDRESS,
                                 .address = "smdp.example"};
    eim_operation list = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    eim_operation mixed[] = {list, set_address};
    int64_t counter = 0;
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(eim_package_enqueue(db, keys, eid, &set_fallback, 1, 1, NULL, &counter),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue(db, keys, eid, &unset_fallback, 1, 1, NULL, &counter),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue(db, keys, eid, mixed, 2, 1, NULL, &counter),
                     AW_ERR_EIM_PACKAGE);
    /* no counterValue was spent on them */
    assert_int_equal(eim_package_enqueue(db, keys, eid, &list, 1, 1, NULL, &counter), AW_OK);
    assert_int_equal(counter, 1);
    /* a v1.2 eUICC takes them */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_2), AW_OK);
    assert_int_equal(eim_package_enqueue(db, keys, eid, &set_address, 1, 1, NULL, &counter),
                     AW_OK);
    assert_int_equal(counter, 2);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_versions");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registry_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_provide_without_eid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_get_eim_package, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_list_eim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_operations, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
