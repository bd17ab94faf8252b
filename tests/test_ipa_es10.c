/* The IPA's ES10 client (src/ipa/ipa.h) against the software eUICC in
 * process, under T=1 and T=0 (61xx GET RESPONSE): session on a logical
 * channel with the ISD-R selected, GetEID, GetEUICCInfo1/2,
 * GetEUICCChallenge, GetProfilesInfo, Enable/Disable/DeleteProfile,
 * List/Retrieve/RemoveNotification, the SGP.32 AddInitialEim,
 * GetEimConfigurationData, LoadEuiccPackage and IpaEuiccDataRequest,
 * STORE DATA segmentation (SGP.22 5.7.2) checked APDU by APDU, and a card
 * status word surfacing as AW_ERR_IPA_STATUS_WORD. */
#include "ipa_testutil.h"

#include "euicc_sgp32_testutil.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"

static test_euicc t;
static card_transport *transport;
static ipa *session;

static int setup_protocol(euicc_protocol protocol)
{
    te_setup(&t, AW_PKI_CURVE_NIST_P256, protocol);
    static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                    SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE |
                                        SGP22_NOTIFICATION_DELETE,
                                    0};
    static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL,
                                    0, 0};
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    transport = card_transport_new(t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    return 0;
}

static int setup_t1(void **state)
{
    (void)state;
    return setup_protocol(EUICC_PROTOCOL_T1);
}

static int setup_t0(void **state)
{
    (void)state;
    return setup_protocol(EUICC_PROTOCOL_T0);
}

static int teardown(void **state)
{
    (void)state;
    ipa_close(session);
    session = NULL;
    ipa_transport_close(&transport->base);
    te_teardown(&t);
    return 0;
}

static sgp22_profile_identifier by_iccid(const char *text, uint8_t bytes[EUICC_ICCID_SIZE])
{
    test_iccid_bytes(text, bytes);
    return (sgp22_profile_identifier){SGP22_PROFILE_IDENTIFIER_ICCID, {bytes, EUICC_ICCID_SIZE}};
}

static int64_t state_of(const char *iccid)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    sgp22_profile_identifier id = by_iccid(iccid, bytes);
    sgp22_profile_info_list_request q = {.search_kind = SGP22_PROFILE_SEARCH_ICCID,
                                         .search_value = id.value};
    sgp22_profile_info_list_response r;
    assert_int_equal(ipa_es10c_get_profiles_info(session, &q, &r), AW_OK);
    assert_int_equal(r.kind, SGP22_PROFILE_INFO_LIST_OK);
    if (r.profile_info_list_ok.count == 0)
        return -1;
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, r.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    return info.profile_state;
}

static void test_session_and_eid(void **state)
{
    (void)state;
    /* MANAGE CHANNEL then SELECT ISD-R on the channel it gave */
    unsigned channel = ipa_channel(session);
    assert_true(channel >= 1 && channel <= 3);
    assert_string_equal(transport->log.apdus[0], "0070000001");
    char select[64];
    snprintf(select, sizeof(select), "%02XA4040010" TEST_ISDR_AID "00", channel);
    assert_string_equal(transport->log.apdus[1], select);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    test_assert_hex(eid, sizeof(eid), AW_PKI_DEFAULT_EID);
    assert_int_equal(ipa_status_word(session), 0x9000);
    /* STORE DATA on the channel, one block, P1 91 (after the SELECT's
     * GET RESPONSE under T=0) */
    char store[64];
    snprintf(store, sizeof(store), "%02XE2910006BF3E035C015A00", 0x80 | channel);
    size_t at = t.protocol == EUICC_PROTOCOL_T0 ? 3 : 2;
    assert_string_equal(transport->log.apdus[at], store);
}

static void test_info_and_challenge(void **state)
{
    (void)state;
    sgp22_euicc_info1 info1;
    assert_int_equal(ipa_es10b_get_euicc_info1(session, &info1), AW_OK);
    assert_int_equal(info1.euicc_ci_pkid_list_for_verification.count, 1);
    sgp22_euicc_info2 info2;
    assert_int_equal(ipa_es10b_get_euicc_info2(session, &info2), AW_OK);
    assert_int_equal(info2.euicc_ci_pkid_list_for_signing.count, 1);
    assert_int_equal(info2.svn.len, 3);
    uint8_t c1[16], c2[16], zero[16] = {0};
    assert_int_equal(ipa_es10b_get_euicc_challenge(session, c1), AW_OK);
    assert_int_equal(ipa_es10b_get_euicc_challenge(session, c2), AW_OK);
    assert_memory_not_equal(c1, c2, 16);
    assert_memory_not_equal(c1, zero, 16);
}

static void test_profiles(void **state)
{
    (void)state;
    sgp22_profile_info_list_response all;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &all), AW_OK);
    assert_int_equal(all.kind, SGP22_PROFILE_INFO_LIST_OK);
    assert_int_equal(all.profile_info_list_ok.count, 2);

    uint8_t b1[EUICC_ICCID_SIZE], b2[EUICC_ICCID_SIZE], unknown[EUICC_ICCID_SIZE];
    sgp22_profile_identifier p1 = by_iccid(ICCID1, b1), p2 = by_iccid(ICCID2, b2);
    sgp22_profile_identifier none = by_iccid("8944500000000000998", unknown);
    int64_t result;
    assert_int_equal(ipa_es10c_enable_profile(session, &p1, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_OK);
    assert_int_equal(state_of(ICCID1), SGP22_PROFILE_STATE_ENABLED);
    assert_int_equal(ipa_es10c_enable_profile(session, &p1, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_PROFILE_NOT_IN_DISABLED_STATE);
    assert_int_equal(ipa_es10c_enable_profile(session, &none, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(ipa_es10c_delete_profile(session, &p1, &result), AW_OK);
    assert_int_equal(result, SGP22_DELETE_RESULT_PROFILE_NOT_IN_DISABLED_STATE);
    assert_int_equal(ipa_es10c_disable_profile(session, &p1, false, &result), AW_OK);
    assert_int_equal(result, SGP22_DISABLE_RESULT_OK);
    assert_int_equal(state_of(ICCID1), SGP22_PROFILE_STATE_DISABLED);
    assert_int_equal(ipa_es10c_disable_profile(session, &p2, false, &result), AW_OK);
    assert_int_equal(result, SGP22_DISABLE_RESULT_PROFILE_NOT_IN_ENABLED_STATE);
    assert_int_equal(ipa_es10c_delete_profile(session, &p2, &result), AW_OK);
    assert_int_equal(result, SGP22_DELETE_RESULT_OK);
    assert_int_equal(state_of(ICCID2), -1);
    assert_int_equal(ipa_es10c_delete_profile(session, &p2, &result), AW_OK);
    assert_int_equal(result, SGP22_DELETE_RESULT_ICCID_OR_AID_NOT_FOUND);
}

static size_t list_count(uint32_t events)
{
    sgp22_list_notification_response r;
    assert_int_equal(ipa_es10b_list_notification(session, events, &r), AW_OK);
    assert_int_equal(r.kind, SGP22_NOTIFICATION_LIST_OK);
    return r.notification_metadata_list.count;
}

static void test_notifications(void **state)
{
    (void)state;
    /* two installs: two ProfileInstallationResults pending */
    assert_int_equal(list_count(0), 2);
    uint8_t b1[EUICC_ICCID_SIZE];
    sgp22_profile_identifier p1 = by_iccid(ICCID1, b1);
    int64_t result;
    assert_int_equal(ipa_es10c_enable_profile(session, &p1, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_OK);
    assert_int_equal(list_count(0), 3);
    assert_int_equal(list_count(SGP22_NOTIFICATION_ENABLE), 1);
    assert_int_equal(list_count(SGP22_NOTIFICATION_DELETE), 0);

    sgp22_retrieve_notifications_list_response r;
    assert_int_equal(ipa_es10b_retrieve_notifications_list(session, NULL, &r), AW_OK);
    assert_int_equal(r.kind, SGP22_NOTIFICATION_LIST_OK);
    assert_int_equal(r.notification_list.count, 3);
    /* the enable notification is signed: walk to it */
    sgp22_retrieve_notifications_list_request q = {
        .search_kind = SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION,
        .profile_management_operation = SGP22_NOTIFICATION_ENABLE};
    assert_int_equal(ipa_es10b_retrieve_notifications_list(session, &q, &r), AW_OK);
    assert_int_equal(r.notification_list.count, 1);
    sgp22_pending_notification pending;
    assert_int_equal(sgp22_decode_pending_notification(r.notification_list.raw.ptr,
                                                       r.notification_list.raw.len, &pending),
                     AW_OK);
    assert_int_equal(pending.kind, SGP22_PENDING_OTHER_SIGNED_NOTIFICATION);
    int64_t seq = pending.other_signed_notification.tbs_other_notification.seq_number;

    int64_t status;
    assert_int_equal(ipa_es10b_remove_notification_from_list(session, seq, &status), AW_OK);
    assert_int_equal(status, SGP22_DELETE_NOTIFICATION_OK);
    assert_int_equal(ipa_es10b_remove_notification_from_list(session, seq, &status), AW_OK);
    assert_int_equal(status, SGP22_DELETE_NOTIFICATION_NOTHING_TO_DELETE);
    assert_int_equal(list_count(0), 2);
}

/* Small STORE DATA blocks: every block 80|ch E2 11 nn, the last 91, then
 * the response gathered as a whole. */
static void test_segments(void **state)
{
    (void)state;
    ipa *small = NULL;
    ipa_options options = {.segment_size = 7};
    assert_int_equal(ipa_open(&transport->base, &options, &small), AW_OK);
    unsigned channel = ipa_channel(small);
    assert_int_not_equal(channel, ipa_channel(session));
    uint8_t b1[EUICC_ICCID_SIZE];
    sgp22_profile_identifier p1 = by_iccid(ICCID1, b1);
    sgp22_profile_info_list_request q = {.search_kind = SGP22_PROFILE_SEARCH_ICCID,
                                         .search_value = p1.value};
    test_log_clear(&transport->log);
    sgp22_profile_info_list_response r;
    assert_int_equal(ipa_es10c_get_profiles_info(small, &q, &r), AW_OK);
    assert_int_equal(r.profile_info_list_ok.count, 1);
    /* BF2D 0E A0 0C 5A 0A <10> = 17 bytes: blocks of 7, 7, 3 */
    assert_true(transport->log.count >= 3);
    char want[32];
    for (unsigned i = 0; i < 3; i++) {
        snprintf(want, sizeof(want), "%02XE2%02X%02X%02X", 0x80 | channel, i < 2 ? 0x11 : 0x91,
                 i, i < 2 ? 7 : 3);
        assert_memory_equal(transport->log.apdus[i], want, 10);
    }
    assert_string_equal(transport->log.apdus[0] + 10, "BF2D0EA00C5A0A");
    ipa_close(small);
    /* the channel is closed: MANAGE CHANNEL close of that channel */
    snprintf(want, sizeof(want), "007080%02X", channel);
    assert_string_equal(transport->log.apdus[transport->log.count - 1], want);
}

static void test_sgp32(void **state)
{
    (void)state;
    test_eim eim;
    test_eim_init(&eim, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    sgp32_get_eim_configuration_data_response *config = malloc(sizeof(*config));
    sgp32_add_initial_eim_request *add = calloc(1, sizeof(*add));
    sgp32_add_initial_eim_response *added = malloc(sizeof(*added));
    assert_true(config != NULL && add != NULL && added != NULL);
    assert_int_equal(ipa_es10b_get_eim_configuration_data(session, NULL, config), AW_OK);
    assert_int_equal(config->eim_configuration_count, 0);

    add->eim_configuration_count = 1;
    add->eim_configurations[0] = test_eim_configuration(&eim, 0, -1);
    assert_int_equal(ipa_es10b_add_initial_eim(session, add, added), AW_OK);
    assert_int_equal(added->kind, SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    assert_int_equal(ipa_es10b_add_initial_eim(session, add, added), AW_OK);
    assert_int_equal(added->kind, SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);

    sgp32_get_eim_configuration_data_request by_id = {
        .has_search_criteria = true,
        .search_criteria = {SGP32_EIM_SEARCH_EIM_ID, {(const uint8_t *)"eim1.example.com", 16}}};
    assert_int_equal(ipa_es10b_get_eim_configuration_data(session, &by_id, config), AW_OK);
    assert_int_equal(config->eim_configuration_count, 1);
    assert_memory_equal(config->eim_configurations[0].eim_id.ptr, "eim1.example.com", 16);

    /* LoadEuiccPackage: a signed listProfileInfo PSMO */
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    sgp32_euicc_package_signed package;
    test_package_init(&package, eim.eim_id, eid, 1);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 1;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_LIST_PROFILE_INFO;
    package.euicc_package.psmos[0].list_profile_info =
        (aw_slice){(const uint8_t *)"\xBF\x2D\x00", 3};
    size_t len;
    uint8_t *request = test_package_request(&eim, &package, 0, true, &len);
    sgp32_euicc_package_result result;
    assert_int_equal(ipa_es10b_load_euicc_package(session, request, len, &result), AW_OK);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    /* the same package again is a replay: a signed error */
    assert_int_equal(ipa_es10b_load_euicc_package(session, request, len, &result), AW_OK);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    free(request);

    static const uint8_t tags[] = {0xA0, 0xBF, 0x20};
    sgp32_ipa_euicc_data_request q = {.tag_list = {tags, sizeof(tags)}};
    sgp32_ipa_euicc_data_response data;
    assert_int_equal(ipa_es10b_ipa_euicc_data_request(session, &q, &data), AW_OK);
    assert_int_equal(data.kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    assert_true(data.ipa_euicc_data.has_notifications_list);
    assert_true(data.ipa_euicc_data.has_euicc_info1);
    assert_false(data.ipa_euicc_data.has_euicc_info2);
    free(config);
    free(add);
    free(added);
    test_eim_free(&eim);
}

/* A status word other than 9000 is AW_ERR_IPA_STATUS_WORD, its value kept. */
static void test_status_word(void **state)
{
    (void)state;
    aw_slice response;
    static const uint8_t unknown[] = {0xBF, 0x50, 0x00};
    assert_int_equal(ipa_es10_command(session, unknown, sizeof(unknown), &response),
                     AW_ERR_IPA_STATUS_WORD);
    assert_int_equal(ipa_status_word(session), 0x6A88);
    assert_null(response.ptr);
    /* the session still works */
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    static const uint8_t eid_command[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};
    assert_int_equal(ipa_es10_command(session, eid_command, sizeof(eid_command), &response),
                     AW_OK);
    assert_int_equal(response.len, 21);
}

static void test_open_errors(void **state)
{
    (void)state;
    ipa *other = (ipa *)&t; /* must be reset to NULL */
    ipa_options too_big = {.segment_size = 256};
    assert_int_equal(ipa_open(&transport->base, &too_big, &other), AW_ERR_ARGUMENT);
    assert_null(other);
    ipa_options too_small = {.response_max = 100};
    assert_int_equal(ipa_open(&transport->base, &too_small, &other), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_open(NULL, NULL, &other), AW_ERR_ARGUMENT);
    ipa_close(NULL);
    ipa_transport_close(NULL);
}

#define BOTH(test)                                                     \
    cmocka_unit_test_setup_teardown(test, setup_t1, teardown),         \
        cmocka_unit_test_setup_teardown(test, setup_t0, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_session_and_eid), BOTH(test_info_and_challenge), BOTH(test_profiles),
        BOTH(test_notifications), BOTH(test_segments), BOTH(test_sgp32),
        BOTH(test_status_word),
        cmocka_unit_test_setup_teardown(test_open_errors, setup_t1, teardown),
    };
    return cmocka_run_group_tests_name("ipa_es10", tests, NULL, NULL);
}
