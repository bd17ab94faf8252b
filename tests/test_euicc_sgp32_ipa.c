/* Tests of IpaEuiccDataRequest (SGP.32 2.11.2) and EimAcknowledgements
 * (6.3.2.7) on the software eUICC over APDUs, on both curves: each item of
 * the tagList, the search criteria, both IpaEuiccDataErrorCodes, and
 * acknowledgements removing eUICC Package results and notifications
 * persistently; plus the state file keeping eIMs and results. */
#include "euicc_sgp32_testutil.h"

#define ICCID1 "8944500000000000014"

static test_euicc t;
static test_eim eim1;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE, 0};

/* An eIM, p1 installed (one install notification), and two packages run:
 * enable p1 (a second notification) and disable p1 (a third), so two
 * pending results. */
static int setup_curve(aw_pki_curve curve)
{
    uint8_t aid[16], iccid[EUICC_ICCID_SIZE];
    sgp32_euicc_package_signed package;
    sgp32_euicc_package_result result;
    size_t len;
    te_setup(&t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim1, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    sgp32_eim_configuration_data c = test_eim_configuration(&eim1, 0, -1);
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    size_t n;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    te_install(&t, &p1, aid);
    test_iccid_bytes(ICCID1, iccid);
    for (int i = 0; i < 2; i++) {
        test_package_init(&package, eim1.eim_id, t.card->identity->eid_bytes, i + 1);
        package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
        package.euicc_package.psmo_count = 1;
        package.euicc_package.psmos[0].kind = i == 0 ? SGP32_PSMO_ENABLE : SGP32_PSMO_DISABLE;
        package.euicc_package.psmos[0].enable.iccid = (aw_slice){iccid, EUICC_ICCID_SIZE};
        r = test_run_package(&t, &eim1, &package, 0, true, &result);
        assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
        free(r);
    }
    assert_int_equal(t.card->state->package_result_count, 2);
    assert_int_equal(t.card->state->notification_count, 3);
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

/* Send an IpaEuiccDataRequest; the response decoded into *out (slices
 * into the returned buffer). */
static uint8_t *ipa_data(const sgp32_ipa_euicc_data_request *q, sgp32_ipa_euicc_data_response *out)
{
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp32_encode_ipa_euicc_data_request(q, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    assert_int_equal(sgp32_decode_ipa_euicc_data_response(r, n, out), AW_OK);
    free(command);
    return r;
}

static size_t list_count(aw_slice list)
{
    sgp32_list_iterator it;
    aw_slice element;
    size_t count = 0;
    assert_int_equal(sgp32_list_iterator_init(&it, list), AW_OK);
    while (sgp32_list_next(&it, &element) == AW_OK)
        count++;
    return count;
}

static void check_certificate(aw_slice tagged, aw_pki_role role)
{
    uint8_t *der = NULL;
    size_t len = 0;
    aw_slice expected = pki_certificate_der(t.hierarchy.cert[role]);
    assert_int_equal(sgp32_retag_as_sequence(tagged, &der, &len), AW_OK);
    assert_int_equal(len, expected.len);
    assert_memory_equal(der, expected.ptr, len);
    free(der);
}

static void test_ipa_euicc_data(void **state)
{
    (void)state;
    static const uint8_t tags[] = {0xA0, 0x81, 0xA2, 0xBF, 0x20, 0xBF, 0x22,
                                   0x83, 0x84, 0xA5, 0xA6, 0xA8, 0xA9};
    static const uint8_t transaction_id[2] = {0x12, 0x34};
    sgp32_ipa_euicc_data_request q;
    sgp32_ipa_euicc_data_response response;
    memset(&q, 0, sizeof(q));
    q.tag_list = (aw_slice){tags, sizeof(tags)};
    q.has_eim_transaction_id = true;
    q.eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    uint8_t *r = ipa_data(&q, &response);
    assert_int_equal(response.kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    const sgp32_ipa_euicc_data *d = &response.ipa_euicc_data;
    assert_true(d->has_notifications_list);
    assert_int_equal(list_count(d->notifications_list), 3);
    assert_false(d->has_default_smdp_address); /* none configured */
    assert_true(d->has_euicc_package_result_list);
    assert_int_equal(list_count(d->euicc_package_result_list), 2);
    assert_true(d->has_euicc_info1 && d->has_euicc_info2);
    assert_true(d->has_root_smds_address);
    assert_false(d->has_association_token || d->has_ipa_capabilities || d->has_device_info);
    check_certificate(d->eum_certificate, AW_PKI_ROLE_EUM);
    check_certificate(d->euicc_certificate, AW_PKI_ROLE_EUICC);
    assert_true(d->has_eim_transaction_id);
    assert_memory_equal(d->eim_transaction_id.ptr, transaction_id, 2);
    free(r);

    /* search criteria: one result by seqNumber, notifications by event */
    static const uint8_t a0a2[] = {0xA0, 0xA2};
    q.tag_list = (aw_slice){a0a2, sizeof(a0a2)};
    q.has_search_criteria_euicc_package_result = true;
    q.search_criteria_euicc_package_result.kind = SGP32_PACKAGE_RESULT_SEARCH_SEQ_NUMBER;
    q.search_criteria_euicc_package_result.seq_number =
        t.card->state->package_results[1].seq_number;
    uint8_t bits[4];
    q.has_search_criteria_notification = true;
    q.search_criteria_notification.kind = SGP32_NOTIFICATION_SEARCH_OPERATION;
    sgp32_bit_string_from_flags(SGP22_NOTIFICATION_INSTALL, bits,
                                &q.search_criteria_notification.profile_management_operation);
    r = ipa_data(&q, &response);
    assert_int_equal(list_count(response.ipa_euicc_data.euicc_package_result_list), 1);
    assert_int_equal(list_count(response.ipa_euicc_data.notifications_list), 1);
    free(r);

    /* incorrectTagList(1): a tag IpaEuiccData does not have, or cut short */
    memset(&q, 0, sizeof(q));
    q.tag_list = (aw_slice){(const uint8_t *)"\x99", 1};
    r = ipa_data(&q, &response);
    assert_int_equal(response.kind, SGP32_IPA_EUICC_DATA_RESPONSE_ERROR);
    assert_int_equal(response.error.ipa_euicc_data_error_code,
                     SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST);
    free(r);
    q.tag_list = (aw_slice){(const uint8_t *)"\xA0\xBF", 2};
    r = ipa_data(&q, &response);
    assert_int_equal(response.error.ipa_euicc_data_error_code,
                     SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST);
    free(r);
    /* euiccCiPKIdNotFound(5) */
    q.tag_list = (aw_slice){a0a2, sizeof(a0a2)};
    q.has_euicc_ci_pk_identifier_to_be_used = true;
    q.euicc_ci_pk_identifier_to_be_used = (aw_slice){(const uint8_t *)"\xFF\xFE", 2};
    r = ipa_data(&q, &response);
    assert_int_equal(response.error.ipa_euicc_data_error_code,
                     SGP32_IPA_EUICC_DATA_ERROR_EUICC_CI_PK_ID_NOT_FOUND);
    free(r);
    /* the eUICC's own CI PKID, truncated, is accepted */
    q.euicc_ci_pk_identifier_to_be_used =
        (aw_slice){t.card->identity->ci_pkids_signing[0].bytes, 4};
    r = ipa_data(&q, &response);
    assert_int_equal(response.kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    free(r);
    assert_int_equal(te_status(&t, "BF5200"), 0x6A80); /* tagList missing */
}

static void acknowledge(const int64_t *seq_numbers, size_t count)
{
    sgp32_eim_acknowledgements acks;
    memset(&acks, 0, sizeof(acks));
    acks.count = count;
    for (size_t i = 0; i < count; i++)
        acks.seq_numbers[i] = seq_numbers[i];
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp32_encode_eim_acknowledgements(&acks, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    assert_null(r); /* no response data */
    free(command);
}

static void test_acknowledgements(void **state)
{
    (void)state;
    euicc_state *s = t.card->state;
    int64_t seq[3] = {s->package_results[0].seq_number, s->notifications[0].seq_number,
                      s->next_sequence_number + 100 /* unknown: ignored */};
    int64_t kept_result = s->package_results[1].seq_number;
    acknowledge(seq, 3);
    assert_int_equal(s->package_result_count, 1);
    assert_int_equal(s->notification_count, 2);
    /* persisted: after a power cycle the same */
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    s = t.card->state;
    assert_int_equal(s->package_result_count, 1);
    assert_int_equal(s->package_results[0].seq_number, kept_result);
    assert_int_equal(s->notification_count, 2);
    assert_int_equal(s->eim_count, 1);
    acknowledge(&kept_result, 1);
    assert_int_equal(s->package_result_count, 0);
    assert_int_equal(te_status(&t, "BF5303020101"), 0x6A80); /* INTEGER, not [0] */
}

/* The state codec keeps eIMs and results, and refuses a result whose
 * seqNumber the counter has not reached. */
static void test_state_roundtrip(void **state)
{
    (void)state;
    euicc_state *s = t.card->state;
    uint8_t *file = NULL;
    size_t len = 0;
    assert_int_equal(euicc_state_encode(s, &file, &len), AW_OK);
    size_t eims = s->eim_count, results = s->package_result_count;
    assert_int_equal(euicc_state_decode(s, file, len), AW_OK);
    assert_int_equal(s->eim_count, eims);
    assert_int_equal(s->package_result_count, results);
    free(file);
    s->package_results[0].seq_number = s->next_sequence_number;
    assert_int_equal(euicc_state_encode(s, &file, &len), AW_OK);
    assert_int_equal(euicc_state_decode(s, file, len), AW_ERR_EUICC_STATE_CORRUPT);
    free(file);
    assert_int_equal(euicc_state_reload(s), AW_OK);
    assert_int_equal(s->package_result_count, results);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipa_euicc_data, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_ipa_euicc_data, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_acknowledgements, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_acknowledgements, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_state_roundtrip, setup_nist, teardown),
    };
    return cmocka_run_group_tests_name("euicc_sgp32_ipa", tests, NULL, NULL);
}
