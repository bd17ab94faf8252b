/* PC/SC end to end: pcscd with the vsmartcard vpcd reader driver, the
 * software eUICC behind it (connected to the driver over 127.0.0.1), and
 * this test as an ordinary PC/SC application
 * (libpcsclite) selecting the ISD-R and using logical channels.
 *
 * pcscd runs with a private reader.conf.d (--config); Debian's pcscd always
 * serves the system socket /run/pcscd/pcscd.comm, so the test needs no other
 * pcscd running. Skipped, with the reason, when pcscd or the vpcd driver is
 * not installed or another pcscd is running. */
#include "testutil.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#include "euicc/vpcd.h"

#define PCSCD "/usr/sbin/pcscd"
#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define ISDR "A0000005591010FFFFFFFF8900000100"

static char workdir[] = "/tmp/aw-pcsc-XXXXXX";
static pid_t card_pid = -1, pcscd_pid = -1;
static SCARDCONTEXT context;
static SCARDHANDLE handle;
static DWORD protocol;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A port pair (vpcd opens one port per slot, two slots) free right now. */
static unsigned pick_port(void)
{
    for (unsigned attempt = 0; attempt < 200; attempt++) {
        unsigned port = 20000 + (unsigned)((getpid() * 7919u + attempt * 104729u) % 20000u);
        bool free_pair = true;
        for (unsigned k = 0; k < 2 && free_pair; k++) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + k))};
            free_pair = s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
            if (s >= 0)
                close(s);
        }
        if (free_pair)
            return port;
    }
    fail_msg("no free port pair for vpcd");
    return 0;
}

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(workdir));
    unsigned port = pick_port();

    /* pcscd's vpcd driver listens (DEVICENAME /dev/null:PORT, its default
     * mode); the card connects to it over loopback, as airwrite-euicc
     * --vpcd 127.0.0.1:PORT does. */
    char path[512];
    snprintf(path, sizeof(path), "%s/reader.conf.d", workdir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/reader.conf.d/airwrite-euicc", workdir);
    FILE *conf = fopen(path, "w");
    assert_non_null(conf);
    fprintf(conf, "FRIENDLYNAME \"airwrite eUICC\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n", port,
            VPCD_DRIVER);
    fclose(conf);

    pcscd_pid = fork();
    assert_true(pcscd_pid >= 0);
    if (pcscd_pid == 0) {
        char confdir[512], log[512];
        snprintf(confdir, sizeof(confdir), "%s/reader.conf.d", workdir);
        snprintf(log, sizeof(log), "%s/pcscd.log", workdir);
        if (freopen(log, "w", stdout) == NULL || dup2(fileno(stdout), 2) < 0)
            _exit(101);
        execl(PCSCD, "pcscd", "--foreground", "--config", confdir, "--debug", (char *)NULL);
        _exit(102);
    }

    card_pid = fork();
    assert_true(card_pid >= 0);
    if (card_pid == 0) {
        char port_text[8];
        snprintf(port_text, sizeof(port_text), "%u", port);
        int fd = -1;
        for (int i = 0; i < 100 && euicc_vpcd_connect("127.0.0.1", port_text, &fd) != AW_OK; i++)
            sleep_ms(100);
        if (fd < 0)
            _exit(100);
        euicc_card card;
        euicc_card_init(&card, EUICC_PROTOCOL_T1, NULL, NULL);
        aw_err err = euicc_vpcd_serve(&card, fd);
        euicc_card_free(&card);
        _exit((int)err);
    }

    /* Wait (bounded) for pcscd, then for the reader to show a card. */
    LONG rv = SCARD_E_NO_SERVICE;
    for (int i = 0; i < 100 && rv != SCARD_S_SUCCESS; i++) {
        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
        if (rv != SCARD_S_SUCCESS)
            sleep_ms(100);
    }
    assert_int_equal(rv, SCARD_S_SUCCESS);
    char readers[1024];
    for (int i = 0; i < 100; i++) {
        DWORD len = sizeof(readers);
        rv = SCardListReaders(context, NULL, readers, &len);
        if (rv == SCARD_S_SUCCESS && strstr(readers, "airwrite eUICC") != NULL) {
            rv = SCardConnect(context, readers, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &handle, &protocol);
            if (rv == SCARD_S_SUCCESS)
                break;
        }
        sleep_ms(100);
    }
    if (rv != SCARD_S_SUCCESS)
        print_error("pcscd log: %s/pcscd.log\n", workdir);
    assert_int_equal(rv, SCARD_S_SUCCESS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    SCardDisconnect(handle, SCARD_LEAVE_CARD);
    SCardReleaseContext(context);
    if (pcscd_pid > 0) {
        kill(pcscd_pid, SIGTERM);
        waitpid(pcscd_pid, NULL, 0);
    }
    if (card_pid > 0) {
        kill(card_pid, SIGTERM);
        waitpid(card_pid, NULL, 0);
    }
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
    if (access(PCSCD, X_OK) != 0 || access(VPCD_DRIVER, R_OK) != 0) {
        printf("skipped: needs %s and %s (scripts/setup-deps installs pcscd and "
               "vsmartcard-vpcd)\n", PCSCD, VPCD_DRIVER);
        return TEST_SKIP_EXIT;
    }
    FILE *pid_file = fopen("/run/pcscd/pcscd.pid", "r");
    if (pid_file != NULL) {
        int pid = 0;
        bool running = fscanf(pid_file, "%d", &pid) == 1 && pid > 0 && kill(pid, 0) == 0;
        fclose(pid_file);
        if (running) {
            printf("skipped: another pcscd (pid %d) owns /run/pcscd/pcscd.comm\n", pid);
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_isdr_over_pcsc),
        cmocka_unit_test(test_logical_channels_over_pcsc),
    };
    return cmocka_run_group_tests_name("euicc_pcsc", tests, setup, teardown);
}
