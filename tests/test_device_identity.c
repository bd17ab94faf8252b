/* Tests for the device identity of card-device locking
 * (src/core/device_identity.c): DeviceInfo tac/imei octets (SGP.22 4.2) to
 * digits, every malformed form refused, the binding text (3GPP TS 23.003
 * 6.2, check digit B.2) and the comparison rules. */
#include "testutil.h"

#include "core/device_identity.h"

/* IMEIs whose check digits (8, 9) follow 3GPP TS 23.003 Annex B.2. */
#define IMEI "490154203237518"
#define IMEISV "4901542032375101" /* same TAC + SNR, SVN 01 */
#define OTHER_IMEI "356938035643809"
#define TAC "49015420"

static sgp22_device_info info_of(const uint8_t *tac, size_t tac_len, const uint8_t *imei,
                                 size_t imei_len, bool has_imei)
{
    sgp22_device_info info;
    memset(&info, 0, sizeof(info));
    info.tac = (aw_slice){tac, tac_len};
    info.has_imei = has_imei;
    info.imei = (aw_slice){imei, imei_len};
    return info;
}

static void test_octets_round_trip(void **state)
{
    (void)state;
    uint8_t tac[4], imei[8], imeisv[8];
    assert_true(device_identity_digits_to_octets(TAC, tac, sizeof(tac)));
    test_assert_hex(tac, 4, "49015420");
    assert_true(device_identity_digits_to_octets(IMEI, imei, sizeof(imei)));
    test_assert_hex(imei, 8, "490154203237518F"); /* F fills the 16th nibble */
    assert_true(device_identity_digits_to_octets(IMEISV, imeisv, sizeof(imeisv)));
    test_assert_hex(imeisv, 8, "4901542032375101");
    device_identity id;
    sgp22_device_info info = info_of(tac, 4, imei, 8, true);
    assert_int_equal(device_identity_from_device_info(&info, &id), AW_OK);
    assert_string_equal(id.tac, TAC);
    assert_string_equal(id.imei, IMEI);
    info = info_of(tac, 4, imeisv, 8, true);
    assert_int_equal(device_identity_from_device_info(&info, &id), AW_OK);
    assert_string_equal(id.imei, IMEISV);
    /* no imei, and the empty imei deployed LPAs send: absent */
    info = info_of(tac, 4, NULL, 0, false);
    assert_int_equal(device_identity_from_device_info(&info, &id), AW_OK);
    assert_string_equal(id.imei, "");
    info = info_of(tac, 4, imei, 0, true);
    assert_int_equal(device_identity_from_device_info(&info, &id), AW_OK);
    assert_string_equal(id.imei, "");
}

static void test_octets_refused(void **state)
{
    (void)state;
    static const uint8_t tac[4] = {0x49, 0x01, 0x54, 0x20};
    static const uint8_t tac_filler[4] = {0x49, 0x01, 0x54, 0x2F};
    static const uint8_t tac_hex[4] = {0x49, 0x0A, 0x54, 0x20};
    static const uint8_t imei_short[7] = {0x49, 0x01, 0x54, 0x20, 0x32, 0x37, 0x51};
    static const uint8_t imei_inner_filler[8] = {0x49, 0x01, 0x54, 0xF0, 0x32, 0x37, 0x51, 0x8F};
    static const uint8_t imei_two_fillers[8] = {0x49, 0x01, 0x54, 0x20, 0x32, 0x37, 0x51, 0xFF};
    static const uint8_t imei_hex[8] = {0x49, 0x01, 0x54, 0x20, 0x32, 0x37, 0x5B, 0x8F};
    const sgp22_device_info bad[] = {
        info_of(tac, 3, NULL, 0, false),
        info_of(tac_filler, 4, NULL, 0, false),
        info_of(tac_hex, 4, NULL, 0, false),
        info_of(tac, 4, imei_short, sizeof(imei_short), true),
        info_of(tac, 4, imei_inner_filler, 8, true),
        info_of(tac, 4, imei_two_fillers, 8, true),
        info_of(tac, 4, imei_hex, 8, true),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        device_identity id;
        memset(&id, 'x', sizeof(id));
        assert_int_equal(device_identity_from_device_info(&bad[i], &id),
                         AW_ERR_DEVICE_IDENTITY_FORMAT);
        assert_string_equal(id.tac, "");
        assert_string_equal(id.imei, "");
    }
    device_identity id;
    assert_int_equal(device_identity_from_device_info(NULL, &id), AW_ERR_ARGUMENT);
    uint8_t out[4];
    assert_false(device_identity_digits_to_octets("123456789", out, sizeof(out)));
    assert_false(device_identity_digits_to_octets("1234a678", out, sizeof(out)));
    assert_false(device_identity_digits_to_octets("", out, sizeof(out)));
    assert_false(device_identity_digits_to_octets(NULL, out, sizeof(out)));
}

static void test_text(void **state)
{
    (void)state;
    assert_int_equal(device_identity_check_text(TAC), AW_OK);
    assert_int_equal(device_identity_check_text(IMEI), AW_OK);
    assert_int_equal(device_identity_check_text(IMEISV), AW_OK);
    assert_int_equal(device_identity_check_text(OTHER_IMEI), AW_OK);
    assert_int_equal(device_identity_check_text("490154203237519"),
                     AW_ERR_DEVICE_IDENTITY_FORMAT); /* wrong check digit */
    assert_int_equal(device_identity_check_text("4901542"), AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(device_identity_check_text("49015420323751011"),
                     AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(device_identity_check_text("4901542a"), AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(device_identity_check_text(""), AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(device_identity_check_text(NULL), AW_ERR_DEVICE_IDENTITY_FORMAT);
}

static void test_matches(void **state)
{
    (void)state;
    device_identity with_imei = {.tac = TAC, .imei = IMEI};
    device_identity with_imeisv = {.tac = TAC, .imei = IMEISV};
    device_identity other = {.tac = "35693803", .imei = OTHER_IMEI};
    device_identity no_imei = {.tac = TAC, .imei = ""};
    assert_true(device_identity_matches(IMEI, &with_imei));
    assert_true(device_identity_matches(IMEI, &with_imeisv)); /* same TAC + SNR */
    assert_true(device_identity_matches(IMEISV, &with_imei));
    assert_false(device_identity_matches(IMEI, &other));
    assert_false(device_identity_matches(IMEI, &no_imei)); /* IMEI bound, none reported */
    assert_true(device_identity_matches(TAC, &no_imei));
    assert_true(device_identity_matches(TAC, &with_imei));
    assert_false(device_identity_matches(TAC, &other));
    assert_false(device_identity_matches("490154203237519", &with_imei)); /* bad binding */
    assert_false(device_identity_matches(IMEI, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_octets_round_trip),
        cmocka_unit_test(test_octets_refused),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
