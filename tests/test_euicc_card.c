/* Tests for the eUICC APDU layer (src/euicc/card.c, apdu.c): what a
 * terminal sees over ISO/IEC 7816-4 / ETSI TS 102 221 / SGP.22 5.7.2. */
#include "testutil.h"

#include "euicc/apdu.h"
#include "euicc/card.h"

#define ISDR "A0000005591010FFFFFFFF8900000100"

/* Test handler: "BF2E00" answers 300 bytes (longer than one response),
 * a command starting FF is refused 6A80, anything else is echoed. */
static size_t last_command_len;

static enum euicc_sw test_handler(void *ctx, unsigned channel, const uint8_t *command,
                                  size_t len, uint8_t **response, size_t *response_len)
{
    (void)ctx;
    (void)channel;
    last_command_len = len;
    if (len >= 1 && command[0] == 0xFF)
        return EUICC_SW_INCORRECT_DATA;
    if (len == 3 && command[0] == 0xBF && command[1] == 0x2E && command[2] == 0x00) {
        *response = malloc(300);
        for (size_t i = 0; i < 300; i++)
            (*response)[i] = (uint8_t)i;
        *response_len = 300;
        return EUICC_SW_OK;
    }
    *response = malloc(len);
    memcpy(*response, command, len);
    *response_len = len;
    return EUICC_SW_OK;
}

/* Send a hex APDU, return the status word; response data copied to data. */
static unsigned tx(euicc_card *card, const char *hex, uint8_t *data, size_t *data_len)
{
    size_t len;
    uint8_t *cmd = test_hex(hex, &len);
    uint8_t resp[EUICC_CARD_RESPONSE_MAX];
    size_t resp_len;
    enum euicc_sw sw = euicc_card_transmit(card, cmd, len, resp, sizeof(resp), &resp_len);
    free(cmd);
    assert_true(resp_len >= 2);
    unsigned wire_sw = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
    assert_int_equal(wire_sw, (unsigned)sw);
    if (data != NULL) {
        memcpy(data, resp, resp_len - 2);
        *data_len = resp_len - 2;
    } else {
        assert_int_equal(resp_len, 2); /* caller expects no data */
    }
    return wire_sw;
}

static void card_setup(euicc_card *card, euicc_protocol protocol)
{
    euicc_card_init(card, protocol, test_handler, NULL);
}

static void test_atr(void **state)
{
    (void)state;
    size_t len;
    const uint8_t *atr = euicc_card_atr(&len);
    assert_true(len > 4);
    assert_int_equal(atr[0], 0x3B);
    uint8_t x = 0;
    for (size_t i = 1; i < len; i++)
        x ^= atr[i];
    assert_int_equal(x, 0); /* TCK correct */
    /* walk the interface bytes and collect the offered protocols */
    unsigned offered = 0;
    size_t i = 1;
    uint8_t y = atr[i] >> 4;
    i++;
    for (;;) {
        if (y & 1) i++;
        if (y & 2) i++;
        if (y & 4) i++;
        if (!(y & 8)) break;
        uint8_t td = atr[i++];
        offered |= 1u << (td & 0x0F);
        y = td >> 4;
    }
    assert_true(offered & (1u << 0));
    assert_true(offered & (1u << 1));
    assert_int_equal(len - i - 1, atr[1] & 0x0F); /* historical bytes, then TCK */
}

static void test_parse_apdu_cases(void **state)
{
    (void)state;
    euicc_apdu a;
    size_t len;
    uint8_t *b = test_hex("00A40400", &len);
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_false(a.has_le);
    assert_int_equal(a.lc, 0);
    free(b);
    b = test_hex("00C0000000", &len);
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_true(a.has_le);
    assert_int_equal(a.le, 256);
    free(b);
    b = test_hex("80E2910003BF2E00", &len);
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_int_equal(a.lc, 3);
    assert_false(a.has_le);
    free(b);
    b = test_hex("80E2910003BF2E0000", &len);
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_int_equal(a.lc, 3);
    assert_int_equal(a.le, 256);
    free(b);
    b = test_hex("80E2910000000301020300", &len); /* extended case 4, wrong Le width */
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_WRONG_LENGTH);
    free(b);
    b = test_hex("80E29100000003010203", &len); /* extended case 3 */
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_true(a.extended);
    assert_int_equal(a.lc, 3);
    free(b);
    b = test_hex("80E291000000030102030000", &len); /* extended case 4, Le 0000 */
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_int_equal(a.le, 65536);
    free(b);
    b = test_hex("00C00000000100", &len); /* extended case 2 */
    assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_OK);
    assert_int_equal(a.le, 256);
    free(b);
    /* lengths that match no case */
    static const char *bad[] = {"00A404", "00A4040005AABB", "00A404000302", "00A4040000000201",
                                "80E2910000000001"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b = test_hex(bad[i], &len);
        assert_int_equal(euicc_parse_apdu(b, len, &a), EUICC_SW_WRONG_LENGTH);
        free(b);
    }
    assert_int_equal(euicc_parse_apdu(NULL, 0, &a), EUICC_SW_WRONG_LENGTH);
}

static void test_parse_class(void **state)
{
    (void)state;
    euicc_class c;
    assert_int_equal(euicc_parse_class(0x00, &c), EUICC_SW_OK);
    assert_int_equal(c.channel, 0);
    assert_false(c.proprietary);
    assert_int_equal(euicc_parse_class(0x83, &c), EUICC_SW_OK);
    assert_int_equal(c.channel, 3);
    assert_true(c.proprietary);
    assert_int_equal(euicc_parse_class(0x40, &c), EUICC_SW_OK);
    assert_int_equal(c.channel, 4);
    assert_int_equal(euicc_parse_class(0x4F, &c), EUICC_SW_OK);
    assert_int_equal(c.channel, 19);
    assert_int_equal(euicc_parse_class(0xCF, &c), EUICC_SW_OK);
    assert_int_equal(c.channel, 19);
    assert_true(c.proprietary);
    assert_int_equal(euicc_parse_class(0x84, &c), EUICC_SW_OK);
    assert_true(c.secure_messaging);
    assert_int_equal(euicc_parse_class(0x60, &c), EUICC_SW_OK);
    assert_true(c.secure_messaging);
    assert_int_equal(euicc_parse_class(0x10, &c), EUICC_SW_OK);
    assert_true(c.chaining);
    assert_int_equal(euicc_parse_class(0xFF, &c), EUICC_SW_CLA_NOT_SUPPORTED);
    assert_int_equal(euicc_parse_class(0x20, &c), EUICC_SW_CLA_NOT_SUPPORTED);
    assert_int_equal(euicc_parse_class(0xA0, &c), EUICC_SW_CLA_NOT_SUPPORTED);
    assert_int_equal(euicc_parse_class(0xD0, &c), EUICC_SW_CLA_NOT_SUPPORTED);
}

static void test_select_isdr(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T1);
    /* STORE DATA before the ISD-R is selected: the MF knows no such INS */
    assert_int_equal(tx(&card, "80E2910003BF2E0000", NULL, NULL), 0x6D00);
    assert_int_equal(tx(&card, "00A4040010" ISDR "00", data, &n), 0x9000);
    assert_true(n > 20);
    assert_int_equal(data[0], 0x6F);
    assert_int_equal(data[1], n - 2);
    test_assert_hex(data + 2, 18, "8410" ISDR);
    /* P2 0C: no data */
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    /* unknown AID, bad P2, bad P1, bad lengths */
    assert_int_equal(tx(&card, "00A4040010A0000005591010FFFFFFFF8900000200", NULL, NULL), 0x6A82);
    assert_int_equal(tx(&card, "00A4040210" ISDR, NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "00A4080010" ISDR, NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "00A40400", NULL, NULL), 0x6700);
    /* the ISD-R stays selected after a failed SELECT */
    assert_int_equal(tx(&card, "80E2910003BF2E0000", data, &n), 0x6101 + 0x2B);
    /* MF by file ID deselects it */
    assert_int_equal(tx(&card, "00A4000C023F00", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80E2910003BF2E0000", NULL, NULL), 0x6D00);
    assert_int_equal(tx(&card, "00A4000402" "3F00" "00", data, &n), 0x9000);
    assert_int_equal(data[0], 0x62);
    assert_int_equal(tx(&card, "00A4000C022F00", NULL, NULL), 0x6A82);
    assert_int_equal(tx(&card, "00A4000C013F", NULL, NULL), 0x6700);
    euicc_card_free(&card);
}

static void test_select_t0_get_response(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256], fci[256];
    size_t n, fci_len;
    card_setup(&card, EUICC_PROTOCOL_T0);
    /* case 4 under T=0: data announced with 61xx */
    unsigned sw = tx(&card, "00A4040010" ISDR "00", NULL, NULL);
    assert_int_equal(sw & 0xFF00, 0x6100);
    fci_len = sw & 0xFF;
    /* Le too long: 6Cxx with the exact length, data kept */
    assert_int_equal(tx(&card, "00C00000FF", NULL, NULL), 0x6C00 | fci_len);
    /* shorter Le: that much, and 61xx for the rest */
    assert_int_equal(tx(&card, "00C0000004", data, &n), 0x6100 | (fci_len - 4));
    assert_int_equal(n, 4);
    memcpy(fci, data, 4);
    char le[16];
    snprintf(le, sizeof(le), "00C00000%02X", (unsigned)(fci_len - 4));
    assert_int_equal(tx(&card, le, data, &n), 0x9000);
    memcpy(fci + 4, data, n);
    assert_int_equal(fci[0], 0x6F);
    assert_int_equal(fci[1], fci_len - 2);
    /* nothing left to get */
    assert_int_equal(tx(&card, "00C0000000", NULL, NULL), 0x6985);
    /* GET RESPONSE with parameters or without Le */
    assert_int_equal(tx(&card, "00A4040010" ISDR "00", NULL, NULL), 0x6100 | fci_len);
    assert_int_equal(tx(&card, "00C0010000", NULL, NULL), 0x6A86);
    euicc_card_free(&card);
}

static void test_long_response_t1(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T1);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    /* 300 bytes: 256 at once with 612C, then GET RESPONSE */
    assert_int_equal(tx(&card, "80E2910003BF2E0000", data, &n), 0x612C);
    assert_int_equal(n, 256);
    for (size_t i = 0; i < 256; i++)
        assert_int_equal(data[i], (uint8_t)i);
    assert_int_equal(tx(&card, "00C000002C", data, &n), 0x9000);
    assert_int_equal(n, 44);
    for (size_t i = 0; i < 44; i++)
        assert_int_equal(data[i], (uint8_t)(256 + i));
    /* no Le: all announced with 61xx (61 00 = 256 or more) */
    assert_int_equal(tx(&card, "80E2910003BF2E00", NULL, NULL), 0x6100);
    /* pending data is lost when another command comes first */
    assert_int_equal(tx(&card, "80F2000C00", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "00C0000000", NULL, NULL), 0x6985);
    euicc_card_free(&card);
}

static void test_long_response_t0(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T0);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80E2910003BF2E0000", NULL, NULL), 0x6100);
    assert_int_equal(tx(&card, "00C0000000", data, &n), 0x612C);
    assert_int_equal(n, 256);
    assert_int_equal(tx(&card, "00C0000030", NULL, NULL), 0x6C2C);
    assert_int_equal(tx(&card, "00C000002C", data, &n), 0x9000);
    assert_int_equal(data[43], (uint8_t)299);
    euicc_card_free(&card);
}

static void test_store_data_chaining(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T1);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);

    /* three blocks of 1, 200 and 255 bytes: the handler sees all 456 */
    char block[2 * 255 + 32];
    assert_int_equal(tx(&card, "80E2110001AA", NULL, NULL), 0x9000);
    strcpy(block, "80E21101C8");
    for (int i = 0; i < 200; i++)
        strcat(block, "BB");
    assert_int_equal(tx(&card, block, NULL, NULL), 0x9000);
    strcpy(block, "80E29102FF");
    for (int i = 0; i < 255; i++)
        strcat(block, "CC");
    strcat(block, "00");
    last_command_len = 0;
    assert_int_equal(tx(&card, block, data, &n), 0x61C8); /* echo: 456 = 256 + 200 */
    assert_int_equal(last_command_len, 456);
    assert_int_equal(n, 256);
    assert_int_equal(data[0], 0xAA);
    assert_int_equal(data[1], 0xBB);

    /* block out of sequence: refused and the sequence abandoned */
    assert_int_equal(tx(&card, "80E2110001AA", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80E2910201BB00", NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "80E2910101BB00", NULL, NULL), 0x6A86);
    /* a fresh sequence must start at block 0 */
    assert_int_equal(tx(&card, "80E2910101BB00", NULL, NULL), 0x6A86);
    /* P1 other than 11/91 */
    assert_int_equal(tx(&card, "80E2900001BB00", NULL, NULL), 0x6A86);
    /* no data */
    assert_int_equal(tx(&card, "80E2910000", NULL, NULL), 0x6700);
    /* a sequence interrupted by another command is dropped */
    assert_int_equal(tx(&card, "80E2110001AA", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80F2000C00", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80E2910101BB00", NULL, NULL), 0x6A86);
    /* the handler's refusal reaches the terminal */
    assert_int_equal(tx(&card, "80E2910001FF00", NULL, NULL), 0x6A80);
    euicc_card_free(&card);
}

static void test_store_data_limit(void **state)
{
    (void)state;
    euicc_card card;
    card_setup(&card, EUICC_PROTOCOL_T1);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    uint8_t cmd[5 + 255];
    uint8_t resp[EUICC_CARD_RESPONSE_MAX];
    size_t resp_len;
    memset(cmd, 0x5A, sizeof(cmd));
    cmd[0] = 0x80;
    cmd[1] = 0xE2;
    cmd[2] = 0x11;
    cmd[4] = 0xFF;
    enum euicc_sw sw = EUICC_SW_OK;
    unsigned block;
    for (block = 0; block < 256 && sw == EUICC_SW_OK; block++) {
        cmd[3] = (uint8_t)block;
        sw = euicc_card_transmit(&card, cmd, sizeof(cmd), resp, sizeof(resp), &resp_len);
    }
    assert_int_equal(sw, EUICC_SW_NOT_ENOUGH_MEMORY);
    assert_int_equal(block - 1, EUICC_MAX_ES10_COMMAND / 255);
    euicc_card_free(&card);
}

static void test_manage_channel(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T1);
    /* a command on a channel that is not open */
    assert_int_equal(tx(&card, "01A4040C10" ISDR, NULL, NULL), 0x6881);
    assert_int_equal(tx(&card, "0070000001", data, &n), 0x9000);
    assert_int_equal(n, 1);
    assert_int_equal(data[0], 1);
    /* open from the basic channel: the MF is selected on the new channel */
    assert_int_equal(tx(&card, "81E2910003BF2E0000", NULL, NULL), 0x6D00);
    assert_int_equal(tx(&card, "01A4040C10" ISDR, NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "81E2910003AABBCC00", data, &n), 0x9000);
    assert_int_equal(n, 3);
    /* opened from channel 1, channel 2 inherits the ISD-R selection */
    assert_int_equal(tx(&card, "0170000001", data, &n), 0x9000);
    assert_int_equal(data[0], 2);
    assert_int_equal(tx(&card, "82E2910001AA00", data, &n), 0x9000);
    /* open all the rest: 3..19, then none is left */
    for (unsigned i = 3; i < EUICC_MAX_CHANNELS; i++) {
        assert_int_equal(tx(&card, "0070000001", data, &n), 0x9000);
        assert_int_equal(data[0], i);
    }
    assert_int_equal(tx(&card, "0070000001", NULL, NULL), 0x6A81);
    /* channel 19 uses the further class bytes 4F / CF */
    assert_int_equal(tx(&card, "4FA4040C10" ISDR, NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "CFE2910001AA00", data, &n), 0x9000);
    /* close and reopen a given channel */
    assert_int_equal(tx(&card, "0070800500", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "41A4040C10" ISDR, NULL, NULL), 0x6881);
    assert_int_equal(tx(&card, "0070800500", NULL, NULL), 0x6881);
    assert_int_equal(tx(&card, "0070000500", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "0070000500", NULL, NULL), 0x6A86); /* already open */
    assert_int_equal(tx(&card, "0070001400", NULL, NULL), 0x6881); /* channel 20 */
    assert_int_equal(tx(&card, "0070800000", NULL, NULL), 0x6A86); /* basic channel */
    assert_int_equal(tx(&card, "0070400000", NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "007000000101", NULL, NULL), 0x6700);
    /* reset closes every logical channel */
    euicc_card_reset(&card);
    assert_int_equal(tx(&card, "01A4040C10" ISDR, NULL, NULL), 0x6881);
    assert_int_equal(tx(&card, "80E2910001AA00", NULL, NULL), 0x6D00);
    euicc_card_free(&card);
}

static void test_class_and_ins_errors(void **state)
{
    (void)state;
    euicc_card card;
    card_setup(&card, EUICC_PROTOCOL_T1);
    assert_int_equal(tx(&card, "80A4040C10" ISDR, NULL, NULL), 0x6E00); /* proprietary SELECT */
    assert_int_equal(tx(&card, "04A4040C10" ISDR, NULL, NULL), 0x6882); /* secure messaging */
    assert_int_equal(tx(&card, "10A4040C10" ISDR, NULL, NULL), 0x6884); /* ISO chaining */
    assert_int_equal(tx(&card, "FFA4040C10" ISDR, NULL, NULL), 0x6E00);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "00E2910001AA00", NULL, NULL), 0x6E00); /* inter-industry STORE DATA */
    assert_int_equal(tx(&card, "80CA00FE00", NULL, NULL), 0x6D00);      /* unknown INS */
    assert_int_equal(tx(&card, "00A404", NULL, NULL), 0x6700);
    /* response buffer too small for a response */
    uint8_t small[8];
    size_t len;
    static const uint8_t status[] = {0x80, 0xF2, 0x00, 0x0C, 0x00};
    assert_int_equal(euicc_card_transmit(&card, status, sizeof(status), small, sizeof(small), &len),
                     EUICC_SW_TECHNICAL_PROBLEM);
    assert_int_equal(len, 2);
    euicc_card_free(&card);
}

static void test_terminal_capability_and_status(void **state)
{
    (void)state;
    euicc_card card;
    uint8_t data[256];
    size_t n;
    card_setup(&card, EUICC_PROTOCOL_T1);
    /* TS 102 221 11.1.19: eUICC-related terminal capabilities (83) */
    assert_int_equal(tx(&card, "80AA000005A903830107", NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80AA000005A803830107", NULL, NULL), 0x6A80);
    assert_int_equal(tx(&card, "80AA000004A9058301", NULL, NULL), 0x6A80);
    assert_int_equal(tx(&card, "80AA010005A903830107", NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "80AA0000", NULL, NULL), 0x6700);
    assert_int_equal(tx(&card, "00AA000005A903830107", NULL, NULL), 0x6E00);
    /* STATUS on the MF, then on the ISD-R */
    assert_int_equal(tx(&card, "80F2000000", data, &n), 0x9000);
    assert_int_equal(data[0], 0x62);
    assert_int_equal(tx(&card, "80F2000100", NULL, NULL), 0x6A88);
    assert_int_equal(tx(&card, "00A4040C10" ISDR, NULL, NULL), 0x9000);
    assert_int_equal(tx(&card, "80F2000100", data, &n), 0x9000);
    test_assert_hex(data, n, "8410" ISDR);
    assert_int_equal(tx(&card, "80F2000000", data, &n), 0x9000);
    assert_int_equal(data[0], 0x6F);
    assert_int_equal(tx(&card, "80F2030C00", NULL, NULL), 0x6A86);
    assert_int_equal(tx(&card, "80F2000D00", NULL, NULL), 0x6A86);
    euicc_card_free(&card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atr),
        cmocka_unit_test(test_parse_apdu_cases),
        cmocka_unit_test(test_parse_class),
        cmocka_unit_test(test_select_isdr),
        cmocka_unit_test(test_select_t0_get_response),
        cmocka_unit_test(test_long_response_t1),
        cmocka_unit_test(test_long_response_t0),
        cmocka_unit_test(test_store_data_chaining),
        cmocka_unit_test(test_store_data_limit),
        cmocka_unit_test(test_manage_channel),
        cmocka_unit_test(test_class_and_ins_errors),
        cmocka_unit_test(test_terminal_capability_and_status),
    };
    return cmocka_run_group_tests_name("euicc_card", tests, NULL, NULL);
}
