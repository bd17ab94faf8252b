/* PC/SC end to end for the ISD-R core: pcscd with the vsmartcard vpcd
 * reader driver, the airwrite-euicc program (argv[1]) connected to it over
 * 127.0.0.1 with a state holding one installed profile, and this test as an
 * ordinary PC/SC application sending ES10 commands in STORE DATA
 * (SGP.22 5.7.2): GetEID (5.7.20) and GetProfilesInfo (5.7.15). Then the
 * program's dump and argument errors. Skipped, with the reason, when pcscd
 * or the vpcd driver is missing or another pcscd is running (the approach
 * of test_euicc_pcsc.c). */
#include "euicc_isdr_testutil.h"

#include "pcsc_testutil.h"

#include "core/sgp22_profile_info.h"

#define ICCID1 "8944500000000000014"

static const char *program;
static test_euicc t;
static pid_t card_pid = -1, pcscd_pid = -1;
static SCARDCONTEXT context;
static SCARDHANDLE handle;
static DWORD protocol;

static int setup(void **state)
{
    (void)state;
    /* the state the program will serve: one profile installed */
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    uint8_t aid[16];
    const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    te_install(&t, &p1, aid);
    te_close(&t);

    unsigned port = pcsc_test_pick_port();
    pcscd_pid = pcsc_test_start_pcscd(t.dir, port);
    card_pid = fork();
    assert_true(card_pid >= 0);
    if (card_pid == 0) {
        char endpoint[64];
        snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", port);
        execl(program, "airwrite-euicc", "--state", t.state, "--identity", t.pki, "--vpcd",
              endpoint, (char *)NULL);
        _exit(102);
    }

    pcsc_test_connect(t.dir, &context, &handle, &protocol);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    SCardDisconnect(handle, SCARD_LEAVE_CARD);
    SCardReleaseContext(context);
    pcsc_test_stop(&pcscd_pid);
    pcsc_test_stop(&card_pid);
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
    if (pcsc_test_skip())
        return TEST_SKIP_EXIT;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_es10_over_pcsc),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests_name("euicc_isdr_pcsc", tests, setup, teardown);
}
