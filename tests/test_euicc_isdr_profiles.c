/* Tests of ES10c profile management and the notification list of the
 * ISD-R core (es10c.c, es10c_info.c, notification.c, the host callbacks of
 * isdr.c) over APDUs under T=0: every result code of EnableProfile,
 * DisableProfile, DeleteProfile, eUICCMemoryReset, SetNickname,
 * GetProfilesInfo and RemoveNotificationFromList, and the signatures of
 * the OtherSignedNotifications checked with CERT.EUICC's key. */
#include "euicc_isdr_testutil.h"

#include "core/sgp22_profile_info.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"
#define ICCID3 "8944500000000000030"
#define ALL_OPERATIONS                                                                    \
    (SGP22_NOTIFICATION_INSTALL | SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE | \
     SGP22_NOTIFICATION_DELETE)

static test_euicc t;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                ALL_OPERATIONS, 0};
static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL, 0,
                                SGP22_PPR1 | SGP22_PPR2};
static const test_profile p3 = {ICCID3, "001010000000003", SGP22_PROFILE_CLASS_TEST,
                                SGP22_NOTIFICATION_INSTALL, 0};

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_BRAINPOOL_P256R1, EUICC_PROTOCOL_T0);
    te_select_isdr(&t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    te_teardown(&t);
    return 0;
}

/* Send an encoded command; return the [0] INTEGER result of its response. */
static int64_t send_for_result(uint8_t *command, size_t len)
{
    uint8_t *r = NULL;
    size_t n;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    der_node top, result;
    der_reader outer, inner;
    assert_int_equal(der_decode_single(r, n, &top), AW_OK);
    der_reader_init(&outer, r, n);
    assert_int_equal(der_read_node(&outer, &top), AW_OK);
    assert_int_equal(der_reader_enter(&outer, &top, &inner), AW_OK);
    assert_int_equal(der_read_expect(&inner, DER_CTX(0), &result), AW_OK);
    int64_t value;
    assert_int_equal(der_node_get_int64(&result, &value), AW_OK);
    free(command);
    free(r);
    return value;
}

static sgp22_profile_identifier by_iccid(const char *iccid, uint8_t buf[EUICC_ICCID_SIZE])
{
    test_iccid_bytes(iccid, buf);
    return (sgp22_profile_identifier){SGP22_PROFILE_IDENTIFIER_ICCID, {buf, EUICC_ICCID_SIZE}};
}

static int64_t enable_or_disable(uint32_t tag, sgp22_profile_identifier id)
{
    sgp22_enable_profile_request request = {.profile_identifier = id, .refresh_flag = false};
    uint8_t *command = NULL;
    size_t len;
    if (tag == SGP22_TAG_ENABLE_PROFILE)
        assert_int_equal(sgp22_encode_enable_profile_request(&request, &command, &len), AW_OK);
    else
        assert_int_equal(sgp22_encode_disable_profile_request(&request, &command, &len), AW_OK);
    return send_for_result(command, len);
}

static int64_t delete_profile(sgp22_profile_identifier id)
{
    sgp22_delete_profile_request request = {.profile_identifier = id};
    uint8_t *command = NULL;
    size_t len;
    assert_int_equal(sgp22_encode_delete_profile_request(&request, &command, &len), AW_OK);
    return send_for_result(command, len);
}

static int64_t memory_reset(uint32_t options)
{
    sgp22_euicc_memory_reset_request request = {.reset_options = options};
    uint8_t *command = NULL;
    size_t len;
    assert_int_equal(sgp22_encode_euicc_memory_reset_request(&request, &command, &len), AW_OK);
    return send_for_result(command, len);
}

static int64_t set_nickname(const char *iccid, const char *nickname)
{
    uint8_t buf[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, buf);
    sgp22_set_nickname_request request = {
        .iccid = {buf, EUICC_ICCID_SIZE},
        .profile_nickname = {(const uint8_t *)nickname, strlen(nickname)},
    };
    uint8_t *command = NULL;
    size_t len;
    assert_int_equal(sgp22_encode_set_nickname_request(&request, &command, &len), AW_OK);
    return send_for_result(command, len);
}

static int64_t remove_notification(int64_t seq)
{
    sgp22_notification_sent_request request = {.seq_number = seq};
    uint8_t *command = NULL;
    size_t len;
    assert_int_equal(sgp22_encode_notification_sent_request(&request, &command, &len), AW_OK);
    return send_for_result(command, len);
}

/* GetProfilesInfo with a request; returns the decoded response (r owned). */
static sgp22_profile_info_list_response profiles_info(const sgp22_profile_info_list_request *q,
                                                      uint8_t **r)
{
    uint8_t *command = NULL;
    size_t len, n;
    assert_int_equal(sgp22_encode_profile_info_list_request(q, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, r, &n), 0x9000);
    free(command);
    sgp22_profile_info_list_response response;
    assert_int_equal(sgp22_decode_profile_info_list_response(*r, n, &response), AW_OK);
    return response;
}

static size_t count_notifications(uint32_t filter)
{
    sgp22_list_notification_request q = {.has_profile_management_operation = filter != 0,
                                         .profile_management_operation = filter};
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp22_encode_list_notification_request(&q, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    sgp22_list_notification_response response;
    assert_int_equal(sgp22_decode_list_notification_response(r, n, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_NOTIFICATION_LIST_OK);
    free(command);
    free(r);
    return response.notification_metadata_list.count;
}

static void test_get_profiles_info(void **state)
{
    (void)state;
    size_t n;
    uint8_t *r = te_call(&t, "BF2D00", &n);
    test_assert_hex(r, n, "BF2D02A000");
    free(r);
    uint8_t aid1[16], aid3[16];
    size_t aid1_len = te_install(&t, &p1, aid1);
    uint8_t aid2[16];
    size_t aid2_len = te_install(&t, &p2, aid2);
    size_t aid3_len = te_install(&t, &p3, aid3);
    assert_int_equal(aid1_len, 16);
    assert_memory_not_equal(aid1, aid2, aid2_len);
    assert_int_equal(aid3_len, 16);

    sgp22_profile_info_list_request q;
    memset(&q, 0, sizeof(q));
    sgp22_profile_info_list_response response = profiles_info(&q, &r);
    assert_int_equal(response.kind, SGP22_PROFILE_INFO_LIST_OK);
    assert_int_equal(response.profile_info_list_ok.count, 3);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid1[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID1, iccid1);
    assert_memory_equal(info.iccid.ptr, iccid1, EUICC_ICCID_SIZE);
    assert_memory_equal(info.isdp_aid.ptr, aid1, aid1_len);
    assert_int_equal(info.profile_state, SGP22_PROFILE_STATE_DISABLED);
    assert_false(info.has_profile_nickname);
    assert_int_equal(info.profile_class, SGP22_PROFILE_CLASS_OPERATIONAL);
    assert_memory_equal(info.service_provider_name.ptr, "airwrite", 8);
    assert_true(info.has_notification_configuration_info);
    assert_false(info.has_profile_policy_rules);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    assert_true(info.has_profile_policy_rules);
    assert_int_equal(info.profile_policy_rules, SGP22_PPR1 | SGP22_PPR2);
    free(r);

    /* searchCriteria */
    q.search_kind = SGP22_PROFILE_SEARCH_ISDP_AID;
    q.search_value = (aw_slice){aid3, aid3_len};
    response = profiles_info(&q, &r);
    assert_int_equal(response.profile_info_list_ok.count, 1);
    free(r);
    uint8_t iccid_buf[EUICC_ICCID_SIZE];
    q.search_kind = SGP22_PROFILE_SEARCH_ICCID;
    q.search_value = by_iccid(ICCID2, iccid_buf).value;
    response = profiles_info(&q, &r);
    assert_int_equal(response.profile_info_list_ok.count, 1);
    free(r);
    q.search_value = by_iccid("8944500000000000048", iccid_buf).value;
    response = profiles_info(&q, &r);
    assert_int_equal(response.kind, SGP22_PROFILE_INFO_LIST_OK);
    assert_int_equal(response.profile_info_list_ok.count, 0);
    free(r);
    q.search_kind = SGP22_PROFILE_SEARCH_PROFILE_CLASS;
    q.search_profile_class = SGP22_PROFILE_CLASS_TEST;
    response = profiles_info(&q, &r);
    assert_int_equal(response.profile_info_list_ok.count, 1);
    free(r);
    q.search_profile_class = 7;
    response = profiles_info(&q, &r);
    assert_int_equal(response.kind, SGP22_PROFILE_INFO_LIST_ERROR);
    assert_int_equal(response.profile_info_list_error,
                     SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES);
    free(r);

    /* tagList: only ICCID and profileState */
    memset(&q, 0, sizeof(q));
    static const uint8_t tags[] = {0x5A, 0x9F, 0x70};
    q.has_tag_list = true;
    q.tag_list = (aw_slice){tags, sizeof(tags)};
    response = profiles_info(&q, &r);
    assert_int_equal(response.profile_info_list_ok.count, 3);
    sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
    while (sgp22_profile_info_list_next(&it, &info) == AW_OK) {
        assert_true(info.has_iccid && info.has_profile_state);
        assert_false(info.has_isdp_aid || info.has_profile_name || info.has_profile_class ||
                     info.has_service_provider_name || info.has_notification_configuration_info);
    }
    free(r);
    static const uint8_t broken_tags[] = {0x5A, 0x9F};
    q.tag_list = (aw_slice){broken_tags, sizeof(broken_tags)};
    response = profiles_info(&q, &r);
    assert_int_equal(response.kind, SGP22_PROFILE_INFO_LIST_ERROR);
    assert_int_equal(response.profile_info_list_error,
                     SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES);
    free(r);

    /* SetNickname, SGP.22 5.7.21 */
    assert_int_equal(set_nickname(ICCID3, "lab unit"), SGP22_SET_NICKNAME_RESULT_OK);
    assert_int_equal(set_nickname("8944500000000000048", "x"),
                     SGP22_SET_NICKNAME_RESULT_ICCID_NOT_FOUND);
    memset(&q, 0, sizeof(q));
    q.search_kind = SGP22_PROFILE_SEARCH_ICCID;
    q.search_value = by_iccid(ICCID3, iccid_buf).value;
    response = profiles_info(&q, &r);
    sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    assert_true(info.has_profile_nickname);
    assert_memory_equal(info.profile_nickname.ptr, "lab unit", 8);
    free(r);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_INSTALL), 3);
}

/* Verify one OtherSignedNotification: signature by SK.EUICC over the
 * tbsOtherNotification bytes, certificates attached; returns its metadata. */
static void check_signed(const sgp22_pending_notification *pending, uint32_t event,
                         const char *iccid)
{
    assert_int_equal(pending->kind, SGP22_PENDING_OTHER_SIGNED_NOTIFICATION);
    const sgp22_other_signed_notification *s = &pending->other_signed_notification;
    aw_slice cert = pki_certificate_der(t.hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(s->euicc_certificate.len, cert.len);
    assert_memory_equal(s->euicc_certificate.ptr, cert.ptr, cert.len);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &key), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(key, s->tbs_other_notification.raw.ptr,
                                         s->tbs_other_notification.raw.len,
                                         s->euicc_notification_signature.ptr,
                                         s->euicc_notification_signature.len),
                     AW_OK);
    crypto_key_free(key);
    assert_int_equal(s->tbs_other_notification.profile_management_operation, event);
    uint8_t want[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, want);
    assert_memory_equal(s->tbs_other_notification.iccid.ptr, want, EUICC_ICCID_SIZE);
    assert_memory_equal(s->tbs_other_notification.notification_address.ptr, TEST_NOTIFY_ADDRESS,
                        strlen(TEST_NOTIFY_ADDRESS));
}

/* RetrieveNotificationsList; returns the number of entries, the first in *first. */
static size_t retrieve(sgp22_notification_search_kind kind, int64_t seq, uint32_t op,
                       sgp22_pending_notification *first, uint8_t **r)
{
    sgp22_retrieve_notifications_list_request q = {
        .search_kind = kind, .seq_number = seq, .profile_management_operation = op};
    uint8_t *command = NULL;
    size_t len, n;
    assert_int_equal(sgp22_encode_retrieve_notifications_list_request(&q, &command, &len),
                     AW_OK);
    assert_int_equal(te_es10(&t, command, len, r, &n), 0x9000);
    free(command);
    sgp22_retrieve_notifications_list_response response;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(*r, n, &response),
                     AW_OK);
    sgp22_list_iter it;
    sgp22_list_iter_init(&it, response.notification_list.raw);
    if (response.notification_list.count > 0)
        assert_int_equal(sgp22_pending_notification_list_next(&it, first), AW_OK);
    return response.notification_list.count;
}

static void test_profile_management(void **state)
{
    (void)state;
    uint8_t aid1[16], aid2[16], aid3[16], buf[EUICC_ICCID_SIZE], unknown_buf[EUICC_ICCID_SIZE];
    uint8_t *r = NULL;
    size_t aid1_len = te_install(&t, &p1, aid1);
    te_install(&t, &p2, aid2);
    te_install(&t, &p3, aid3);
    sgp22_profile_identifier id1_aid = {SGP22_PROFILE_IDENTIFIER_ISDP_AID, {aid1, aid1_len}};
    sgp22_profile_identifier unknown = by_iccid("8944500000000000048", unknown_buf);

    /* EnableProfile, SGP.22 5.7.16 */
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, unknown),
                     SGP22_ENABLE_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, id1_aid), SGP22_ENABLE_RESULT_OK);
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, by_iccid(ICCID1, buf)),
                     SGP22_ENABLE_RESULT_PROFILE_NOT_IN_DISABLED_STATE);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_ENABLE), 1);
    /* DisableProfile, 5.7.17 */
    assert_int_equal(enable_or_disable(SGP22_TAG_DISABLE_PROFILE, id1_aid),
                     SGP22_DISABLE_RESULT_OK);
    assert_int_equal(enable_or_disable(SGP22_TAG_DISABLE_PROFILE, id1_aid),
                     SGP22_DISABLE_RESULT_PROFILE_NOT_IN_ENABLED_STATE);
    assert_int_equal(enable_or_disable(SGP22_TAG_DISABLE_PROFILE, unknown),
                     SGP22_DISABLE_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_DISABLE), 1);
    /* enabling P2 (no notification configured) while P1 is enabled
     * disables P1, which notifies */
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, id1_aid), SGP22_ENABLE_RESULT_OK);
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, by_iccid(ICCID2, buf)),
                     SGP22_ENABLE_RESULT_OK);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_DISABLE), 2);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_ENABLE), 2);
    /* PPR1 on the enabled P2 (2.4.5) */
    assert_int_equal(enable_or_disable(SGP22_TAG_ENABLE_PROFILE, id1_aid),
                     SGP22_ENABLE_RESULT_DISALLOWED_BY_POLICY);
    assert_int_equal(enable_or_disable(SGP22_TAG_DISABLE_PROFILE, by_iccid(ICCID2, buf)),
                     SGP22_DISABLE_RESULT_DISALLOWED_BY_POLICY);
    /* DeleteProfile, 5.7.18 */
    assert_int_equal(delete_profile(by_iccid(ICCID2, buf)),
                     SGP22_DELETE_RESULT_PROFILE_NOT_IN_DISABLED_STATE);
    assert_int_equal(delete_profile(unknown), SGP22_DELETE_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(delete_profile(id1_aid), SGP22_DELETE_RESULT_OK);
    assert_int_equal(delete_profile(id1_aid), SGP22_DELETE_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_DELETE), 1);

    /* the signed notifications, SGP.22 5.7.10 */
    sgp22_pending_notification pending;
    assert_int_equal(retrieve(SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION, 0,
                              SGP22_NOTIFICATION_DELETE, &pending, &r),
                     1);
    check_signed(&pending, SGP22_NOTIFICATION_DELETE, ICCID1);
    int64_t delete_seq = pending.other_signed_notification.tbs_other_notification.seq_number;
    free(r);
    assert_int_equal(retrieve(SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER, delete_seq, 0, &pending, &r),
                     1);
    check_signed(&pending, SGP22_NOTIFICATION_DELETE, ICCID1);
    free(r);
    assert_int_equal(retrieve(SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION, 0,
                              SGP22_NOTIFICATION_ENABLE, &pending, &r),
                     2);
    check_signed(&pending, SGP22_NOTIFICATION_ENABLE, ICCID1);
    free(r);
    /* 3 installs, 2 enables, 2 disables, 1 delete */
    assert_int_equal(retrieve(SGP22_NOTIFICATION_SEARCH_NONE, 0, 0, &pending, &r), 8);
    assert_int_equal(pending.kind, SGP22_PENDING_PROFILE_INSTALLATION_RESULT);
    free(r);
    assert_int_equal(retrieve(SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER, 999, 0, &pending, &r), 0);
    free(r);

    /* RemoveNotificationFromList, 5.7.11; persisted */
    assert_int_equal(remove_notification(delete_seq), SGP22_DELETE_NOTIFICATION_OK);
    assert_int_equal(remove_notification(delete_seq), SGP22_DELETE_NOTIFICATION_NOTHING_TO_DELETE);
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    assert_int_equal(count_notifications(0), 7);
    assert_int_equal(count_notifications(SGP22_NOTIFICATION_DELETE), 0);

    /* eUICCMemoryReset, 5.7.19: PPRs do not protect against it */
    assert_int_equal(memory_reset(SGP22_RESET_DEFAULT_SMDP_ADDRESS),
                     SGP22_RESET_RESULT_NOTHING_TO_DELETE);
    assert_int_equal(memory_reset(SGP22_RESET_DELETE_OPERATIONAL_PROFILES), SGP22_RESET_RESULT_OK);
    assert_int_equal(memory_reset(SGP22_RESET_DELETE_OPERATIONAL_PROFILES),
                     SGP22_RESET_RESULT_NOTHING_TO_DELETE);
    assert_int_equal(t.card->state->profile_count, 1); /* the test profile stays */
    assert_int_equal(memory_reset(SGP22_RESET_DELETE_FIELD_LOADED_TEST_PROFILES),
                     SGP22_RESET_RESULT_OK);
    assert_int_equal(t.card->state->profile_count, 0);
    t.card->state->has_default_dp_address = true;
    snprintf(t.card->state->default_dp_address, 32, "smdp.example.com");
    assert_int_equal(memory_reset(SGP22_RESET_DEFAULT_SMDP_ADDRESS), SGP22_RESET_RESULT_OK);
    assert_false(t.card->state->has_default_dp_address);
    assert_int_equal(te_status(&t, "BF3400"), 0x6A80); /* resetOptions missing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_profiles_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_management, setup, teardown),
    };
    return cmocka_run_group_tests_name("euicc_isdr_profiles", tests, NULL, NULL);
}
