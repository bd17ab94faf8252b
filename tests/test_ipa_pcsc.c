/* The IPA's PC/SC transport (src/ipa/pcsc.c) end to end: pcscd with the
 * vsmartcard vpcd reader driver on a private reader.conf.d and port, the
 * real airwrite-euicc program (argv[1]) connected to it with a state
 * holding one profile, this test as the IPA. Run once with either
 * protocol (pcscd settles on T=1) and once with T=0 alone, the card
 * preferring it (case 4 without Le, 61xx). Then the
 * error paths: a reader name nobody has, the vpcd's second slot with no
 * card, the card going away mid-session, pcscd without readers, and no
 * PC/SC service at all. Skipped, with the reason, when pcscd
 * or the driver is missing or another pcscd is running (Debian's pcscd
 * always serves /run/pcscd/pcscd.comm: the approach of
 * test_euicc_pcsc.c). */
#include "ipa_testutil.h"

#include "pcsc_testutil.h"

#define ICCID1 "8944500000000000014"

static const char *program;
static test_euicc t;
static pid_t card_pid = -1, pcscd_pid = -1;
static DWORD expected_protocol;          /* what pcscd must settle on */
static ipa_pcsc_protocol asked_protocol; /* what the IPA asks for */

static void start(const char *protocol_flag)
{
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
        execl(program, "airwrite-euicc", "--state", t.state, "--identity", t.pki,
              protocol_flag, "--vpcd", endpoint, (char *)NULL);
        _exit(102);
    }
}

static void stop(void)
{
    pcsc_test_stop(&pcscd_pid);
    pcsc_test_stop(&card_pid);
    te_teardown(&t);
}

/* Wait (bounded) until pcscd shows the card in the reader. */
static ipa_transport *connect_reader(void)
{
    ipa_transport *transport = NULL;
    aw_err err = AW_ERR_IPA_CONNECT;
    for (int i = 0; i < 150 && err != AW_OK; i++) {
        err = ipa_transport_open_pcsc("airwrite eUICC 00", asked_protocol, &transport);
        if (err != AW_OK)
            pcsc_test_sleep_ms(100);
    }
    if (err != AW_OK)
        print_error("pcscd log: %s/pcscd.log\n", t.dir);
    assert_int_equal(err, AW_OK);
    return transport;
}


static int setup_t1(void **state)
{
    (void)state;
    start("--t1");
    expected_protocol = SCARD_PROTOCOL_T1;
    asked_protocol = IPA_PCSC_ANY;
    return 0;
}

static int setup_t0(void **state)
{
    (void)state;
    start("--t0");
    expected_protocol = SCARD_PROTOCOL_T0;
    asked_protocol = IPA_PCSC_T0;
    return 0;
}

/* The protocol pcscd negotiated with the card, as a second application
 * sharing the reader sees it. */
static DWORD active_protocol(void)
{
    SCARDCONTEXT context;
    SCARDHANDLE handle;
    DWORD protocol = 0, len = 0;
    char readers[1024];
    assert_int_equal(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context),
                     SCARD_S_SUCCESS);
    len = sizeof(readers);
    assert_int_equal(SCardListReaders(context, NULL, readers, &len), SCARD_S_SUCCESS);
    assert_int_equal(SCardConnect(context, readers, SCARD_SHARE_SHARED,
                                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &handle, &protocol),
                     SCARD_S_SUCCESS);
    SCardDisconnect(handle, SCARD_LEAVE_CARD);
    SCardReleaseContext(context);
    return protocol;
}

static int teardown(void **state)
{
    (void)state;
    stop();
    return 0;
}

static void test_es10_over_pcsc(void **state)
{
    (void)state;
    ipa_transport *transport = connect_reader();
    assert_int_equal(active_protocol(), expected_protocol);
    ipa *session = NULL;
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    test_assert_hex(eid, sizeof(eid), AW_PKI_DEFAULT_EID);
    /* a response of several GET RESPONSE rounds: both certificates */
    static const uint8_t tags[] = {0xA5, 0xA6};
    sgp32_ipa_euicc_data_request q = {.tag_list = {tags, sizeof(tags)}};
    sgp32_ipa_euicc_data_response data;
    assert_int_equal(ipa_es10b_ipa_euicc_data_request(session, &q, &data), AW_OK);
    assert_int_equal(data.kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    assert_true(data.raw.len > 512);
    assert_true(data.ipa_euicc_data.has_euicc_certificate);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    assert_int_equal(profiles.profile_info_list_ok.count, 1);
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID1, iccid);
    sgp22_profile_identifier id = {SGP22_PROFILE_IDENTIFIER_ICCID, {iccid, sizeof(iccid)}};
    int64_t result;
    assert_int_equal(ipa_es10c_enable_profile(session, &id, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_OK);
    ipa_close(session);

    /* errors: nobody's reader; the driver's second slot has no card */
    ipa_transport *other = (ipa_transport *)&t;
    assert_int_equal(ipa_transport_open_pcsc("no such reader", IPA_PCSC_ANY, &other),
                     AW_ERR_IPA_NO_READER);
    assert_null(other);
    assert_int_equal(ipa_transport_open_pcsc("airwrite eUICC 01", IPA_PCSC_ANY, &other),
                     AW_ERR_IPA_NO_READER);

    /* the card goes away under an open session: the transmit fails */
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    kill(card_pid, SIGTERM);
    waitpid(card_pid, NULL, 0);
    card_pid = -1;
    aw_err err = AW_OK;
    for (int i = 0; i < 50 && err == AW_OK; i++) {
        err = ipa_es10c_get_eid(session, eid);
        if (err == AW_OK)
            pcsc_test_sleep_ms(100);
    }
    assert_int_equal(err, AW_ERR_IO);
    assert_int_not_equal(transport->detail, 0);
    ipa_close(session);
    ipa_transport_close(transport);
}

/* pcscd with no reader configured at all */
static int setup_no_readers(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    pcscd_pid = pcsc_test_start_pcscd(t.dir, 0);
    return 0;
}

static void test_no_readers(void **state)
{
    (void)state;
    ipa_transport *transport = NULL;
    aw_err err = AW_ERR_IPA_CONNECT;
    for (int i = 0; i < 100 && err == AW_ERR_IPA_CONNECT; i++) {
        err = ipa_transport_open_pcsc(NULL, IPA_PCSC_ANY, &transport);
        if (err == AW_ERR_IPA_CONNECT)
            pcsc_test_sleep_ms(100);
    }
    assert_int_equal(err, AW_ERR_IPA_NO_READER);
    assert_null(transport);
}

static void test_no_service(void **state)
{
    (void)state;
    ipa_transport *transport = NULL;
    assert_int_equal(ipa_transport_open_pcsc(NULL, IPA_PCSC_ANY, &transport),
                     AW_ERR_IPA_CONNECT);
    assert_int_equal(ipa_transport_open_pcsc(NULL, (ipa_pcsc_protocol)3, &transport),
                     AW_ERR_ARGUMENT);
    assert_null(transport);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ipa_pcsc PATH-TO-airwrite-euicc\n");
        return 1;
    }
    program = argv[1];
    if (pcsc_test_skip())
        return TEST_SKIP_EXIT;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_service),
        cmocka_unit_test_setup_teardown(test_es10_over_pcsc, setup_t1, teardown),
        cmocka_unit_test_setup_teardown(test_es10_over_pcsc, setup_t0, teardown),
        cmocka_unit_test_setup_teardown(test_no_readers, setup_no_readers, teardown),
        cmocka_unit_test(test_no_service),
    };
    return cmocka_run_group_tests_name("ipa_pcsc", tests, NULL, NULL);
}
