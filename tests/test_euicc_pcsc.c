/* PC/SC end to end: pcscd with the vsmartcard vpcd reader driver, the
 * software eUICC behind it (connected to the driver over 127.0.0.1), and
 * this test as an ordinary PC/SC application
 * (libpcsclite) selecting the ISD-R and using logical channels.
 *
 * pcscd runs with a private reader.conf.d (--config); Debian's pcscd always
 * serves the system socket /run/pcscd/pcscd.comm, so the test needs no other
 * pcscd running. Skipped, with the reason, when pcscd or the vpcd driver is
 * not installed or another pcscd is running. */
#include "pcsc_testutil.h"

#include "euicc/vpcd.h"

#define ISDR "A0000005591010FFFFFFFF8900000100"

static char workdir[] = "/tmp/aw-pcsc-XXXXXX";
static pid_t card_pid = -1, pcscd_pid = -1;
static SCARDCONTEXT context;
static SCARDHANDLE handle;
static DWORD protocol;

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(workdir));
    unsigned port = pcsc_test_pick_port();
    pcscd_pid = pcsc_test_start_pcscd(workdir, port);

    card_pid = fork();
    assert_true(card_pid >= 0);
    if (card_pid == 0) {
        char port_text[8];
        snprintf(port_text, sizeof(port_text), "%u", port);
        int fd = -1;
        for (int i = 0; i < 100 && euicc_vpcd_connect("127.0.0.1", port_text, &fd) != AW_OK; i++)
            pcsc_test_sleep_ms(100);
        if (fd < 0)
            _exit(100);
        euicc_card card;
        euicc_card_init(&card, EUICC_PROTOCOL_T1, NULL, NULL);
        aw_err err = euicc_vpcd_serve(&card, fd);
        euicc_card_free(&card);
        _exit((int)err);
    }

    pcsc_test_connect(workdir, &context, &handle, &protocol);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    SCardDisconnect(handle, SCARD_LEAVE_CARD);
    SCardReleaseContext(context);
    pcsc_test_stop(&pcscd_pid);
    pcsc_test_stop(&card_pid);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Transmit a hex APDU through PC/SC; follow 61xx with GET RESPONSE as a
 * T=0 terminal must. Returns the final status word; data in out. */
static unsigned transmit(const char *hex, uint8_t *out, size_t *out_len)
{
    size_t len;
    uint8_t *cmd = test_hex(hex, &len);
    const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    uint8_t resp[260];
    DWORD resp_len = sizeof(resp);
    assert_int_equal(SCardTransmit(handle, pci, cmd, (DWORD)len, NULL, resp, &resp_len),
                     SCARD_S_SUCCESS);
    uint8_t channel_bits = cmd[0] & 0x03u;
    free(cmd);
    assert_true(resp_len >= 2);
    *out_len = 0;
    unsigned sw = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
    memcpy(out, resp, resp_len - 2);
    *out_len = resp_len - 2;
    while ((sw & 0xFF00) == 0x6100) {
        uint8_t get[5] = {channel_bits, 0xC0, 0x00, 0x00, (uint8_t)sw};
        resp_len = sizeof(resp);
        assert_int_equal(SCardTransmit(handle, pci, get, 5, NULL, resp, &resp_len),
                         SCARD_S_SUCCESS);
        sw = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
        memcpy(out + *out_len, resp, resp_len - 2);
        *out_len += resp_len - 2;
    }
    return sw;
}

static void test_select_isdr_over_pcsc(void **state)
{
    (void)state;
    uint8_t data[1024];
    size_t n;
    assert_true(protocol == SCARD_PROTOCOL_T0 || protocol == SCARD_PROTOCOL_T1);
    /* the reader reports the card's ATR */
    uint8_t atr[64];
    DWORD atr_len = sizeof(atr), state_flags, proto, reader_len = 0;
    assert_int_equal(SCardStatus(handle, NULL, &reader_len, &state_flags, &proto, atr, &atr_len),
                     SCARD_S_SUCCESS);
    size_t want_len;
    const uint8_t *want = euicc_card_atr(&want_len);
    assert_int_equal(atr_len, want_len);
    assert_memory_equal(atr, want, want_len);

    assert_int_equal(transmit("00A4040010" ISDR "00", data, &n), 0x9000);
    assert_int_equal(data[0], 0x6F);
    test_assert_hex(data + 2, 18, "8410" ISDR);
    assert_int_equal(transmit("00A4040010A0000005591010FFFFFFFF8900000200", data, &n), 0x6A82);
}

static void test_logical_channels_over_pcsc(void **state)
{
    (void)state;
    uint8_t data[1024];
    size_t n;
    assert_int_equal(transmit("0070000001", data, &n), 0x9000);
    assert_int_equal(n, 1);
    unsigned channel = data[0];
    assert_true(channel >= 1 && channel <= 3);
    char apdu[64];
    snprintf(apdu, sizeof(apdu), "8%XE2910003BF2E0000", channel);
    assert_int_equal(transmit(apdu, data, &n), 0x6D00); /* ISD-R not selected there */
    snprintf(apdu, sizeof(apdu), "0%XA4040C10" ISDR, channel);
    assert_int_equal(transmit(apdu, data, &n), 0x9000);
    assert_int_equal(transmit("0070800000", data, &n), 0x6A86);
    snprintf(apdu, sizeof(apdu), "007080%02X00", channel);
    assert_int_equal(transmit(apdu, data, &n), 0x9000);
    snprintf(apdu, sizeof(apdu), "0%XA4040C10" ISDR, channel);
    assert_int_equal(transmit(apdu, data, &n), 0x6881);
}

int main(void)
{
    if (pcsc_test_skip())
        return TEST_SKIP_EXIT;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_isdr_over_pcsc),
        cmocka_unit_test(test_logical_channels_over_pcsc),
    };
    return cmocka_run_group_tests_name("euicc_pcsc", tests, setup, teardown);
}
