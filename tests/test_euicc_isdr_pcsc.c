/* PC/SC end to end for the ISD-R core: pcscd with the vsmartcard vpcd
 * reader driver, the airwrite-euicc program (argv[1]) connected to it over
 * 127.0.0.1 with a state holding one installed profile, and this test as an
 * ordinary PC/SC application sending ES10 commands in STORE DATA
 * (SGP.22 5.7.2): GetEID (5.7.20) and GetProfilesInfo (5.7.15). Then the
 * program's dump and argument errors. Skipped, with the reason, when pcscd
 * or the vpcd driver is missing or another pcscd is running (the approach
 * of test_euicc_pcsc.c). */
#include "euicc_isdr_testutil.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <winscard.h>

#include "core/sgp22_profile_info.h"

#define PCSCD "/usr/sbin/pcscd"
#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define ICCID1 "8944500000000000014"

static const char *program;
static test_euicc t;
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
            struct sockaddr_in sin = {.sin_family = AF_INET,
                                      .sin_port = htons((uint16_t)(port + k))};
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
    /* the state the program will serve: one profile installed */
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    uint8_t aid[16];
    const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    te_install(&t, &p1, aid);
    te_close(&t);

    unsigned port = pick_port();
    char path[512];
    snprintf(path, sizeof(path), "%s/reader.conf.d", t.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/reader.conf.d/airwrite-euicc", t.dir);
    FILE *conf = fopen(path, "w");
    assert_non_null(conf);
    fprintf(conf, "FRIENDLYNAME \"airwrite eUICC\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n", port,
            VPCD_DRIVER);
    fclose(conf);

    pcscd_pid = fork();
    assert_true(pcscd_pid >= 0);
    if (pcscd_pid == 0) {
        char confdir[512], log[512];
        snprintf(confdir, sizeof(confdir), "%s/reader.conf.d", t.dir);
        snprintf(log, sizeof(log), "%s/pcscd.log", t.dir);
        if (freopen(log, "w", stdout) == NULL || dup2(fileno(stdout), 2) < 0)
            _exit(101);
        execl(PCSCD, "pcscd", "--foreground", "--config", confdir, "--debug", (char *)NULL);
        _exit(102);
    }
    card_pid = fork();
    assert_true(card_pid >= 0);
    if (card_pid == 0) {
        char endpoint[64];
        snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", port);
        execl(program, "airwrite-euicc", "--state", t.state, "--identity", t.pki, "--vpcd",
              endpoint, (char *)NULL);
        _exit(102);
    }

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
        print_error("pcscd log: %s/pcscd.log\n", t.dir);
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
    te_teardown(&t);
    return 0;
}

/* Transmit a hex APDU through PC/SC, following 61xx with GET RESPONSE. */
static unsigned transmit(const char *hex, uint8_t *out, size_t *out_len)
{
    size_t len;
    uint8_t *cmd = test_hex(hex, &len);
    const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    uint8_t resp[260];
    DWORD resp_len = sizeof(resp);
    assert_int_equal(SCardTransmit(handle, pci, cmd, (DWORD)len, NULL, resp, &resp_len),
                     SCARD_S_SUCCESS);
    free(cmd);
    assert_true(resp_len >= 2);
    unsigned sw = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
    memcpy(out, resp, resp_len - 2);
    *out_len = resp_len - 2;
    while ((sw & 0xFF00) == 0x6100) {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
        resp_len = sizeof(resp);
        assert_int_equal(SCardTransmit(handle, pci, get, 5, NULL, resp, &resp_len),
                         SCARD_S_SUCCESS);
        sw = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
        memcpy(out + *out_len, resp, resp_len - 2);
        *out_len += resp_len - 2;
    }
    return sw;
}

static void test_es10_over_pcsc(void **state)
{
    (void)state;
    uint8_t data[4096];
    size_t n;
    assert_int_equal(transmit("00A4040010" TEST_ISDR_AID "00", data, &n), 0x9000);
    /* ES10c.GetEID */
    assert_int_equal(transmit("80E2910006BF3E035C015A00", data, &n), 0x9000);
    test_assert_hex(data, n, "BF3E125A10" AW_PKI_DEFAULT_EID);
    /* ES10c.GetProfilesInfo: the installed profile */
    assert_int_equal(transmit("80E2910003BF2D0000", data, &n), 0x9000);
    sgp22_profile_info_list_response response;
    assert_int_equal(sgp22_decode_profile_info_list_response(data, n, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_PROFILE_INFO_LIST_OK);
    assert_int_equal(response.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID1, iccid);
    assert_memory_equal(info.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(info.profile_state, SGP22_PROFILE_STATE_DISABLED);
    /* an unknown function */
    assert_int_equal(transmit("80E2910003BF500000", data, &n), 0x6A88);
}

static int run(const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", program, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cli(void **state)
{
    (void)state;
    char out[8192], args[600];
    snprintf(args, sizeof(args), "--state '%s' dump", t.state);
    assert_int_equal(run(args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "iccid " ICCID1));
    assert_non_null(strstr(out, "imsi 001010000000001"));
    assert_null(strstr(out, TEST_KI));
    snprintf(args, sizeof(args), "--state '%s' --identity '%s' dump", t.state, t.pki);
    assert_int_equal(run(args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "EID: " AW_PKI_DEFAULT_EID));
    assert_int_equal(run("--help", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "usage: airwrite-euicc"));
    assert_int_equal(run("--bogus", out, sizeof(out)), 2);
    assert_int_equal(run("dump", out, sizeof(out)), 2); /* no --state */
    snprintf(args, sizeof(args), "--state '%s' --identity '%s'", t.state, t.pki);
    assert_int_equal(run(args, out, sizeof(out)), 2); /* no transport */
    snprintf(args, sizeof(args), "--state '%s' --identity /nonexistent --vpcd 127.0.0.1:1",
             t.state);
    assert_int_equal(run(args, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "AW_ERR_NOT_FOUND"));
    assert_int_equal(run("--state /nonexistent/x dump", out, sizeof(out)), 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_euicc_isdr_pcsc PATH-TO-airwrite-euicc\n");
        return 1;
    }
    program = argv[1];
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
        cmocka_unit_test(test_es10_over_pcsc),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests_name("euicc_isdr_pcsc", tests, setup, teardown);
}
