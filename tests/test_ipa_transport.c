/* The IPA's shared APDU layers (src/ipa/transport.c, es10_apdu.c, the ES10
 * decoders in ipa.c/es10*.c) against scripted card answers: class byte
 * coding of channels 0-19 (ISO/IEC 7816-4 5.4.1), T=0 61xx GET RESPONSE
 * and 6Cxx re-issue (ISO/IEC 7816-3 12.2), MANAGE CHANNEL + SELECT, STORE
 * DATA blocks, and one test per error path. */
#include "ipa_testutil.h"

#include "ipa/es10_apdu.h"

static script_transport s;

static int teardown(void **state)
{
    (void)state;
    test_log_clear(&s.log);
    return 0;
}

static void test_class_byte(void **state)
{
    (void)state;
    assert_int_equal(ipa_apdu_class(0x00, 0), 0x00);
    assert_int_equal(ipa_apdu_class(0x80, 1), 0x81);
    assert_int_equal(ipa_apdu_class(0x81, 3), 0x83);
    assert_int_equal(ipa_apdu_class(0x00, 4), 0x40);
    assert_int_equal(ipa_apdu_class(0x80, 4), 0xC0);
    assert_int_equal(ipa_apdu_class(0x80, 19), 0xCF);
    assert_int_equal(ipa_apdu_class(0x03, 2), 0x02); /* old channel bits replaced */
}

static void exchange(const char *command_hex, uint8_t *out, size_t cap, size_t *n, uint16_t *sw,
                     aw_err want)
{
    size_t len;
    uint8_t *command = test_hex(command_hex, &len);
    assert_int_equal(ipa_transport_exchange(&s.base, 5, command, len, out, cap, n, sw), want);
    free(command);
}

static void test_get_response_and_reissue(void **state)
{
    (void)state;
    static const char *const answers[] = {"61 03", "AABB 61 02", "6C 01", "CC 9000", NULL};
    script_init(&s, answers);
    uint8_t out[16];
    size_t n;
    uint16_t sw;
    exchange("80E2910003BF2E0000", out, sizeof(out), &n, &sw, AW_OK);
    assert_int_equal(sw, 0x9000);
    test_assert_hex(out, n, "AABBCC");
    assert_int_equal(s.log.count, 4);
    assert_string_equal(s.log.apdus[0], "C1E2910003BF2E0000"); /* channel 5 */
    assert_string_equal(s.log.apdus[1], "41C0000003");
    assert_string_equal(s.log.apdus[2], "41C0000002");
    assert_string_equal(s.log.apdus[3], "41C0000001"); /* 6C01: re-issued with Le 01 */
}

static void test_exchange_errors(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n;
    uint16_t sw;
    /* a response without a status word */
    static const char *const short_answer[] = {"90", NULL};
    script_init(&s, short_answer);
    exchange("00B0000000", out, sizeof(out), &n, &sw, AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    /* more data than the caller's bound, over GET RESPONSE */
    static const char *const long_answer[] = {"010203 6103", "040506 9000", NULL};
    script_init(&s, long_answer);
    exchange("00B0000000", out, sizeof(out), &n, &sw, AW_ERR_IPA_RESPONSE_TOO_LONG);
    test_log_clear(&s.log);
    /* a card that announces data and never gives any */
    static const char *const endless[] = {"6100", "6100", "6100", "6100", "6100",
                                          "6100", "6100", "6100", "6100", NULL};
    script_init(&s, endless);
    exchange("00B0000000", out, sizeof(out), &n, &sw, AW_ERR_IPA_PROTOCOL);
    assert_int_equal(s.log.count, 8);
    test_log_clear(&s.log);
    /* 6Cxx answering a command without Le (case 3) */
    static const char *const wrong_le[] = {"6C10", NULL};
    script_init(&s, wrong_le);
    exchange("00D6000002AABB", out, sizeof(out), &n, &sw, AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    /* the transport's own failure passes through */
    static const char *const none[] = {NULL};
    script_init(&s, none);
    s.fail_at = 1;
    s.fail_err = AW_ERR_IPA_TIMEOUT;
    exchange("00B0000000", out, sizeof(out), &n, &sw, AW_ERR_IPA_TIMEOUT);
    test_log_clear(&s.log);
    /* arguments: too short, too long, bad channel */
    uint8_t big[IPA_APDU_COMMAND_MAX + 1] = {0};
    assert_int_equal(ipa_transport_exchange(&s.base, 0, big, 3, out, 4, &n, &sw), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_transport_exchange(&s.base, 0, big, sizeof(big), out, 4, &n, &sw),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_transport_exchange(&s.base, 20, big, 5, out, 4, &n, &sw),
                     AW_ERR_ARGUMENT);
}

static aw_err open_channel(unsigned *channel)
{
    return ipa_transport_open_channel(&s.base, (const uint8_t *)IPA_ISDR_AID, IPA_ISDR_AID_SIZE,
                                      channel);
}

static void test_channel(void **state)
{
    (void)state;
    unsigned channel = 99;
    static const char *const ok[] = {"07 9000", "6F00 9000", "9000", NULL};
    script_init(&s, ok);
    assert_int_equal(open_channel(&channel), AW_OK);
    assert_int_equal(channel, 7);
    assert_string_equal(s.log.apdus[0], "0070000001");
    assert_string_equal(s.log.apdus[1], "43A4040010" TEST_ISDR_AID "00");
    assert_int_equal(ipa_transport_close_channel(&s.base, channel), AW_OK);
    assert_string_equal(s.log.apdus[2], "00708007");
    test_log_clear(&s.log);
}

static void test_channel_errors(void **state)
{
    (void)state;
    unsigned channel = 99;
    /* no channel left */
    static const char *const refused[] = {"6A81", NULL};
    script_init(&s, refused);
    assert_int_equal(open_channel(&channel), AW_ERR_IPA_NO_CHANNEL);
    assert_int_equal(channel, 0);
    assert_int_equal(s.base.detail, 0x6A81);
    test_log_clear(&s.log);
    /* a channel number out of range, or no byte / two bytes */
    static const char *const zero[] = {"00 9000", NULL};
    script_init(&s, zero);
    assert_int_equal(open_channel(&channel), AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    static const char *const twenty[] = {"14 9000", NULL};
    script_init(&s, twenty);
    assert_int_equal(open_channel(&channel), AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    static const char *const two[] = {"0102 9000", NULL};
    script_init(&s, two);
    assert_int_equal(open_channel(&channel), AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    /* no ISD-R: the channel is closed again */
    static const char *const no_isdr[] = {"01 9000", "6A82", "9000", NULL};
    script_init(&s, no_isdr);
    assert_int_equal(open_channel(&channel), AW_ERR_IPA_SELECT);
    assert_int_equal(s.base.detail, 0x6A82);
    assert_string_equal(s.log.apdus[2], "00708001");
    test_log_clear(&s.log);
    /* the transport fails during SELECT */
    static const char *const dies[] = {"01 9000", "9000", NULL};
    script_init(&s, dies);
    s.fail_at = 2;
    s.fail_err = AW_ERR_IO;
    assert_int_equal(open_channel(&channel), AW_ERR_IO);
    test_log_clear(&s.log);
    /* AID length outside 5..16 */
    script_init(&s, refused);
    assert_int_equal(ipa_transport_open_channel(&s.base, (const uint8_t *)IPA_ISDR_AID, 4,
                                                &channel),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_transport_open_channel(&s.base, (const uint8_t *)IPA_ISDR_AID, 17,
                                                &channel),
                     AW_ERR_ARGUMENT);
    /* close refused; bad channel numbers */
    script_init(&s, refused);
    assert_int_equal(ipa_transport_close_channel(&s.base, 3), AW_ERR_IPA_NO_CHANNEL);
    assert_int_equal(ipa_transport_close_channel(&s.base, 0), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_transport_close_channel(&s.base, 20), AW_ERR_ARGUMENT);
    test_log_clear(&s.log);
}

static void test_store_data_errors(void **state)
{
    (void)state;
    uint8_t command[600], out[64];
    memset(command, 0xAB, sizeof(command));
    size_t n;
    uint16_t sw;
    /* data answering an intermediate block */
    static const char *const chatty[] = {"01 9000", NULL};
    script_init(&s, chatty);
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 255, command, 300, out, sizeof(out), &n, &sw),
                     AW_ERR_IPA_PROTOCOL);
    test_log_clear(&s.log);
    /* an intermediate block refused: stop there */
    static const char *const refused[] = {"6A80", NULL};
    script_init(&s, refused);
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 255, command, 300, out, sizeof(out), &n, &sw),
                     AW_ERR_IPA_STATUS_WORD);
    assert_int_equal(sw, 0x6A80);
    assert_int_equal(s.log.count, 1);
    test_log_clear(&s.log);
    /* the transport fails */
    script_init(&s, refused);
    s.fail_at = 1;
    s.fail_err = AW_ERR_IPA_CONNECT;
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 255, command, 10, out, sizeof(out), &n, &sw),
                     AW_ERR_IPA_CONNECT);
    test_log_clear(&s.log);
    /* arguments */
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 255, command, 0, out, sizeof(out), &n, &sw),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 0, command, 10, out, sizeof(out), &n, &sw),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 256, command, 10, out, sizeof(out), &n, &sw),
                     AW_ERR_ARGUMENT);
    /* 257 blocks of 2 bytes: more than P2 can number */
    assert_int_equal(ipa_es10_transmit(&s.base, 1, 2, command, 514, out, sizeof(out), &n, &sw),
                     AW_ERR_ARGUMENT);
}

/* Garbage answers surface as the decoder's typed error; an LBPP whose
 * segments are all answered without a result is a protocol error. */
static void test_decode_errors(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "01 9000", "9000",       /* open: channel 1, SELECT */
        "BF3E035A0100 9000",     /* GetEID: EID of one byte */
        "BF2D 9000",             /* GetProfilesInfo: truncated */
        "9000",                  /* GetEUICCInfo1: empty */
        NULL};
    script_init(&s, answers);
    ipa *session = NULL;
    ipa_options options = {.response_max = IPA_APDU_RESPONSE_MAX};
    assert_int_equal(ipa_open(&s.base, &options, &session), AW_OK);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_not_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_ERR_DER_TRUNCATED);
    sgp22_euicc_info1 info1;
    assert_int_not_equal(ipa_es10b_get_euicc_info1(session, &info1), AW_OK);
    /* an invalid BPP is refused before anything is sent */
    sgp22_profile_installation_result pir;
    size_t sent = s.log.count;
    static const uint8_t not_bpp[] = {0xBF, 0x36, 0x00};
    assert_int_not_equal(ipa_es10b_load_bound_profile_package(session, not_bpp, 3, &pir), AW_OK);
    assert_int_equal(s.log.count, sent);
    s.fail_at = s.log.count + 1;
    s.fail_err = AW_ERR_IO;
    ipa_close(session); /* the close fails at the transport: still freed */
    test_log_clear(&s.log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_byte),
        cmocka_unit_test_teardown(test_get_response_and_reissue, teardown),
        cmocka_unit_test_teardown(test_exchange_errors, teardown),
        cmocka_unit_test_teardown(test_channel, teardown),
        cmocka_unit_test_teardown(test_channel_errors, teardown),
        cmocka_unit_test_teardown(test_store_data_errors, teardown),
        cmocka_unit_test_teardown(test_decode_errors, teardown),
    };
    return cmocka_run_group_tests_name("ipa_transport", tests, NULL, NULL);
}
