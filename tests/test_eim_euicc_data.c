/* eIM IPA eUICC data (src/eim/euicc_data.c, SGP.32 2.11.2) against the real
 * software eUICC in-process: the eIM learns the eUICC's certificates from an
 * IpaEuiccDataResponse (eumCertificate, euiccCertificate) and keeps them
 * once their chain verifies; a result whose answer was lost (the package
 * sent again is refused with replayError) is recovered from
 * euiccPackageResultList, recorded, and acknowledged until the eUICC drops
 * it (EimAcknowledgements, 6.3.2.7); every refusal of a data request or
 * response is checked. SQLite. */
#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"

#define ICCID1 "8944500000000000014"

static test_euicc t;
static test_eim eim;
static eim_key_ring *keys;
static db_connection *db;
static pki_trust_store *trust;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

static crypto_key *eim_key(void)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, t.hierarchy.key[AW_PKI_ROLE_EIM], NULL, NULL,
                                              0, NULL, NULL),
                     1);
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
    sgp32_eim_configuration_data c = test_eim_configuration(&eim, 0, -1);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", eim_key()), AW_OK);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    db = eim_test_db_fresh();
    /* registered without certificates: the eIM learns them */
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, NULL, NULL);
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

static uint8_t *es10(const uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *r = NULL;
    assert_int_equal(te_es10(&t, command, len, &r, response_len), 0x9000);
    return r;
}

/* The next eIM Package handed to the eUICC: its answer (malloc'd). */
static uint8_t *deliver_next(size_t *len)
{
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    uint8_t *r = es10(package, package_len, len);
    free(package);
    assert_non_null(r);
    return r;
}

static void queue_data(const char *tags)
{
    assert_int_equal(eim_package_enqueue_euicc_data(db, AW_PKI_DEFAULT_EID, (const uint8_t *)tags,
                                                    strlen(tags), db_clock_ms(), NULL),
                     AW_OK);
}

static void test_certificates_and_lost_result(void **state)
{
    (void)state;
    size_t len = 0;
    eim_euicc_data_info info;
    /* the certificates: kept after their chain verifies */
    queue_data("\xA5\xA6");
    uint8_t *response = deliver_next(&len);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), &info),
                     AW_OK);
    assert_true(info.certificates_stored);
    assert_int_equal(info.result_count, 0);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_REPLAY);
    free(response);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    aw_slice der = pki_certificate_der(t.hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(got.euicc_certificate_len, der.len);
    assert_memory_equal(got.euicc_certificate, der.ptr, der.len);
    eim_euicc_clear(&got);

    /* a package whose answer is lost: sent again, refused with replayError */
    eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &enable, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
    free(deliver_next(&len));
    queue_data(EIM_EUICC_DATA_DEFAULT_TAGS);
    response = deliver_next(&len);
    eim_result_info result;
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                       db_clock_ms(), &result),
                     AW_OK);
    assert_int_equal(result.error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    free(response);
    /* the data request recovers the real result, twice until acknowledged */
    int64_t seq = -1;
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            queue_data("\xA2");
        response = deliver_next(&len);
        assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                               db_clock_ms(), &info),
                         AW_OK);
        assert_int_equal(info.result_count, 1);
        assert_int_equal(info.results_recorded, 1);
        assert_int_equal(info.seq_number_count, 1);
        assert_true(round == 0 || info.seq_numbers[0] == seq);
        seq = info.seq_numbers[0];
        free(response);
    }
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 4);
    assert_int_equal(records[0].kind, EIM_PACKAGE_KIND_EUICC_DATA);
    assert_int_equal(records[1].kind, EIM_PACKAGE_KIND_EUICC_PACKAGE);
    assert_int_equal(records[1].state, EIM_PACKAGE_DONE);
    assert_int_equal(records[1].seq_number, seq);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(records[i].state, EIM_PACKAGE_DONE);
    eim_package_records_free(records, count);
    /* acknowledged: the eUICC drops it */
    sgp32_eim_acknowledgements acks = {.count = 1, .seq_numbers = {seq}};
    uint8_t *command = NULL;
    size_t command_len = 0;
    assert_int_equal(sgp32_encode_eim_acknowledgements(&acks, &command, &command_len), AW_OK);
    free(es10(command, command_len, &len));
    free(command);
    queue_data("\xA2");
    response = deliver_next(&len);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.result_count, 0);
    free(response);
}

/* An IpaEuiccDataResponse built here for the request queued last. */
static uint8_t *response_for(bool with_tid, bool as_error, const pki_hierarchy *h, size_t *len,
                             uint8_t **package)
{
    size_t package_len = 0;
    sgp32_ipa_euicc_data_request request;
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), package,
                                      &package_len, NULL),
                     AW_OK);
    assert_int_equal(sgp32_decode_ipa_euicc_data_request(*package, package_len, &request), AW_OK);
    sgp32_ipa_euicc_data_response *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    uint8_t *euicc_der = NULL, *eum = NULL;
    if (as_error) {
        r->kind = SGP32_IPA_EUICC_DATA_RESPONSE_ERROR;
        r->error.has_eim_transaction_id = with_tid;
        r->error.eim_transaction_id = request.eim_transaction_id;
        r->error.ipa_euicc_data_error_code = SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST;
    } else {
        r->kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
        r->ipa_euicc_data.has_eim_transaction_id = with_tid;
        r->ipa_euicc_data.eim_transaction_id = request.eim_transaction_id;
        aw_slice a = pki_certificate_der(h->cert[AW_PKI_ROLE_EUICC]);
        aw_slice b = pki_certificate_der(h->cert[AW_PKI_ROLE_EUM]);
        euicc_der = malloc(a.len);
        eum = malloc(b.len);
        assert_non_null(euicc_der);
        assert_non_null(eum);
        memcpy(euicc_der, a.ptr, a.len);
        memcpy(eum, b.ptr, b.len);
        euicc_der[0] = 0xA6; /* [6] IMPLICIT Certificate */
        eum[0] = 0xA5;
        r->ipa_euicc_data.has_euicc_certificate = true;
        r->ipa_euicc_data.euicc_certificate = (aw_slice){euicc_der, a.len};
        r->ipa_euicc_data.has_eum_certificate = true;
        r->ipa_euicc_data.eum_certificate = (aw_slice){eum, b.len};
    }
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_ipa_euicc_data_response(r, &out, len), AW_OK);
    free(euicc_der);
    free(eum);
    free(r);
    return out;
}

static void test_refusals(void **state)
{
    (void)state;
    uint8_t *package = NULL, *response = NULL;
    size_t len = 0;
    char unknown[EIM_EID_DIGITS + 1];
    eim_test_eid(3, unknown);
    /* requests: tag lists and EIDs */
    static const char *const bad_tags[] = {"\x01", "\xBF", "\xBF\x99", "\xA2\xA2\xA2\xA2\xA2\xA2"
                                           "\xA2\xA2\xA2\xA2\xA2\xA2\xA2\xA2\xA2\xA2\xA2"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(eim_package_enqueue_euicc_data(db, AW_PKI_DEFAULT_EID,
                                                        (const uint8_t *)bad_tags[i],
                                                        strlen(bad_tags[i]), 0, NULL),
                         AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue_euicc_data(db, AW_PKI_DEFAULT_EID,
                                                    (const uint8_t *)bad_tags[3], 17, 0, NULL),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue_euicc_data(db, AW_PKI_DEFAULT_EID, NULL, 0, 0, NULL),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue_euicc_data(db, unknown, (const uint8_t *)"\xA5", 1, 0,
                                                    NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(eim_package_enqueue_euicc_data(NULL, unknown, (const uint8_t *)"\xA5", 1, 0,
                                                    NULL),
                     AW_ERR_ARGUMENT);

    /* responses: without eimTransactionId, for a request not yet sent */
    queue_data("\xA5\xA6");
    response = response_for(false, false, &t.hierarchy, &len, &package);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(response);
    free(package);
    queue_data("\xA5\xA6"); /* queued behind the one sent: never handed out */
    assert_int_equal(db_execute(db, "UPDATE eim_packages SET state = 1", NULL, 0, NULL), AW_OK);
    response = response_for(true, false, &t.hierarchy, &len, &package);
    assert_int_equal(db_execute(db, "UPDATE eim_packages SET state = 1", NULL, 0, NULL), AW_OK);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(response);
    free(package);
    /* certificates of another eUICC's PKI: the chain fails, nothing kept */
    pki_hierarchy other;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    assert_int_equal(pki_issue_hierarchy(&params, &other), AW_OK);
    response = response_for(true, false, &other, &len, &package);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_ERR_PKI_UNKNOWN_CI);
    pki_hierarchy_free(&other);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    assert_null(got.euicc_certificate);
    eim_euicc_clear(&got);
    /* the unknown EID, damaged DER, arguments */
    assert_int_equal(eim_euicc_data_record(db, trust, unknown, response, len, 0, NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_true(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len - 1, 0, NULL) >=
                AW_ERR_DER_TRUNCATED);
    assert_int_equal(eim_euicc_data_record(db, NULL, AW_PKI_DEFAULT_EID, response, len, 0, NULL),
                     AW_ERR_ARGUMENT);
    free(response);
    free(package);
    /* an error answer marks the request failed with its code, once */
    response = response_for(true, true, &t.hierarchy, &len, &package);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_OK);
    assert_int_equal(eim_euicc_data_record(db, trust, AW_PKI_DEFAULT_EID, response, len,
                                           db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_REPLAY);
    free(response);
    free(package);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    bool failed = false;
    for (size_t i = 0; i < count; i++)
        failed |= records[i].state == EIM_PACKAGE_FAILED &&
                  records[i].error_code == SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST;
    assert_true(failed);
    eim_package_records_free(records, count);
}

int main(void)
{
    char *args[] = {"test_eim_euicc_data", "sqlite"};
    int status = eim_test_db_init(2, args, "test_eim_euicc_data");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_certificates_and_lost_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
