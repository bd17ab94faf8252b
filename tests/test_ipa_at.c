/* The IPA's AT transport (src/ipa/at.c, at_parse.c) against a module
 * emulator on a pseudo-terminal (ipa_modem.h) in front of the software
 * eUICC: logical channels through +CCHO/+CGLA/+CCHC (3GPP TS 27.007
 * 8.43-8.46) and the +CSIM fallback (8.17) with our own MANAGE CHANNEL,
 * echo, unsolicited lines, and one test per error path: ERROR, +CME ERROR
 * (numeric and verbose), a mute module, an unanswered probe, refused
 * channel, missing or unusable session id, junk,
 * length mismatch, odd hex, missing information line, truncated line,
 * silence (timeout), overlong line, control bytes, hang-up, bad options;
 * then the reply parser directly. */
#include "ipa_modem.h"

#include "ipa/at_parse.h"

static test_euicc t;
static modem m;

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    te_teardown(&t);
    return 0;
}

static aw_err open_at(modem_mode mode, bool force_csim, int timeout_ms, ipa_transport **out)
{
    int fd;
    modem_start(&m, mode, t.card, &fd);
    ipa_at_options options = {.fd = fd, .timeout_ms = timeout_ms, .force_csim = force_csim};
    return ipa_transport_open_at(&options, out);
}

/* Open, run GetEID, check the EID, close; returns the transport's mode. */
static bool run_eid(modem_mode mode, bool force_csim)
{
    ipa_transport *transport = NULL;
    assert_int_equal(open_at(mode, force_csim, 2000, &transport), AW_OK);
    ipa *session = NULL;
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    test_assert_hex(eid, sizeof(eid), AW_PKI_DEFAULT_EID);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    assert_int_equal(profiles.profile_info_list_ok.count, 0);
    bool csim = ipa_transport_at_uses_csim(transport);
    ipa_close(session);
    ipa_transport_close(transport);
    modem_stop(&m, false);
    assert_int_equal(atomic_load(&m.class_mismatches), 0);
    return csim;
}

static void test_logical_channel_commands(void **state)
{
    (void)state;
    assert_false(run_eid(MODEM_NORMAL, false));
    assert_string_equal(m.last_command, "AT+CCHC=1"); /* ipa_close closed the channel */
    assert_false(run_eid(MODEM_PREFIXED_CCHO, false));
    assert_false(run_eid(MODEM_ECHO, false));
    assert_false(run_eid(MODEM_URC, false));
}

static void test_csim_fallback(void **state)
{
    (void)state;
    assert_true(run_eid(MODEM_NO_CCHO, false));
    /* the channel was closed with MANAGE CHANNEL through +CSIM */
    assert_string_equal(m.last_command, "AT+CSIM=8,\"00708001\"");
    assert_true(run_eid(MODEM_NORMAL, true));
}

static void expect_open_error(modem_mode mode, aw_err want)
{
    ipa_transport *transport = (ipa_transport *)&t;
    assert_int_equal(open_at(mode, false, 500, &transport), want);
    assert_null(transport);
    modem_stop(&m, false); /* the transport closed the terminal */
}

static void expect_session_error(modem_mode mode, aw_err want, long detail)
{
    ipa_transport *transport = NULL;
    assert_int_equal(open_at(mode, false, 300, &transport), AW_OK);
    ipa *session = NULL;
    assert_int_equal(ipa_open(transport, NULL, &session), want);
    assert_null(session);
    assert_int_equal(transport->detail, detail);
    ipa_transport_close(transport);
    modem_stop(&m, false);
}

static void expect_command_error(modem_mode mode, aw_err want)
{
    ipa_transport *transport = NULL;
    assert_int_equal(open_at(mode, false, 300, &transport), AW_OK);
    ipa *session = NULL;
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), want);
    if (mode == MODEM_CME_NUMERIC)
        assert_int_equal(transport->detail, 21);
    if (mode == MODEM_CME_TEXT)
        assert_int_equal(transport->detail, -1);
    if (mode == MODEM_HANGUP) /* nothing reaches a module that went away */
        assert_int_equal(ipa_transport_close_channel(transport, ipa_channel(session)), AW_ERR_IO);
    ipa_close(session);
    ipa_transport_close(transport);
    modem_stop(&m, false);
}

static void test_module_errors(void **state)
{
    (void)state;
    expect_open_error(MODEM_NO_SIM_ACCESS, AW_ERR_IPA_MODEM_ERROR);
    expect_open_error(MODEM_ERROR_ON_ECHO_OFF, AW_ERR_IPA_MODEM_ERROR);
    expect_open_error(MODEM_MUTE, AW_ERR_IPA_TIMEOUT);
    expect_open_error(MODEM_SILENT_PROBE, AW_ERR_IPA_TIMEOUT);
    expect_session_error(MODEM_CCHO_NO_ID, AW_ERR_IPA_PROTOCOL, 0);
    expect_session_error(MODEM_CCHO_BAD_ID, AW_ERR_IPA_PROTOCOL, 0);
    expect_session_error(MODEM_CCHO_REFUSED, AW_ERR_IPA_NO_CHANNEL, 4);
    /* session 25: refused, and closed again (+CCHC=25, which the card
     * answers with an error the IPA has no use for) */
    expect_session_error(MODEM_SESSION_25, AW_ERR_IPA_NO_CHANNEL, 21);
    assert_string_equal(m.last_command, "AT+CCHC=25");
    expect_command_error(MODEM_CME_NUMERIC, AW_ERR_IPA_MODEM_ERROR);
    expect_command_error(MODEM_CME_TEXT, AW_ERR_IPA_MODEM_ERROR);
}

static void test_malformed_replies(void **state)
{
    (void)state;
    expect_command_error(MODEM_GARBAGE, AW_ERR_IPA_PROTOCOL);
    expect_command_error(MODEM_BAD_LENGTH, AW_ERR_IPA_PROTOCOL);
    expect_command_error(MODEM_ODD_HEX, AW_ERR_IPA_PROTOCOL);
    expect_command_error(MODEM_NO_INFO, AW_ERR_IPA_PROTOCOL);
    expect_command_error(MODEM_CONTROL_BYTE, AW_ERR_IPA_PROTOCOL);
    expect_command_error(MODEM_LONG_LINE, AW_ERR_IPA_RESPONSE_TOO_LONG);
}

static void test_timeouts_and_hangup(void **state)
{
    (void)state;
    expect_command_error(MODEM_TRUNCATED, AW_ERR_IPA_TIMEOUT);
    expect_command_error(MODEM_SILENT, AW_ERR_IPA_TIMEOUT);
    expect_command_error(MODEM_HANGUP, AW_ERR_IO);
}

static void test_bad_options(void **state)
{
    (void)state;
    ipa_transport *transport = NULL;
    assert_int_equal(ipa_transport_open_at(NULL, &transport), AW_ERR_ARGUMENT);
    ipa_at_options none = {.fd = -1};
    assert_int_equal(ipa_transport_open_at(&none, &transport), AW_ERR_ARGUMENT);
    ipa_at_options negative = {.fd = -1, .device = "/dev/null", .timeout_ms = -1};
    assert_int_equal(ipa_transport_open_at(&negative, &transport), AW_ERR_ARGUMENT);
    /* an fd given is closed even when the options are refused */
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    ipa_at_options negative_fd = {.fd = pipe_fds[0], .timeout_ms = -1};
    assert_int_equal(ipa_transport_open_at(&negative_fd, &transport), AW_ERR_ARGUMENT);
    assert_int_equal(fcntl(pipe_fds[0], F_GETFD), -1);
    close(pipe_fds[1]);
    ipa_at_options missing = {.fd = -1, .device = "/nonexistent/ttyUSB9"};
    assert_int_equal(ipa_transport_open_at(&missing, &transport), AW_ERR_IPA_CONNECT);
    /* not a terminal */
    ipa_at_options not_tty = {.fd = -1, .device = "/dev/null"};
    assert_int_equal(ipa_transport_open_at(&not_tty, &transport), AW_ERR_IPA_CONNECT);
    /* a speed termios has no constant for */
    int fd;
    modem_start(&m, MODEM_NORMAL, t.card, &fd);
    ipa_at_options odd_speed = {.fd = fd, .baud = 12345};
    assert_int_equal(ipa_transport_open_at(&odd_speed, &transport), AW_ERR_ARGUMENT);
    assert_null(transport);
    modem_stop(&m, false);
    /* other transports are not AT */
    assert_false(ipa_transport_at_uses_csim(&(ipa_transport){.ops = &card_transport_ops}));
}

static aw_err feed(ipa_at_reply *r, const char *line)
{
    return ipa_at_reply_line(r, line, strlen(line));
}

static void test_reply_parser(void **state)
{
    (void)state;
    ipa_at_reply r;
    ipa_at_reply_init(&r, "+CGLA", false);
    assert_int_equal(feed(&r, "AT+CGLA=1,4,\"0070\""), AW_OK); /* echo */
    assert_int_equal(feed(&r, "+CSQ: 10,99"), AW_OK);           /* unsolicited */
    assert_int_equal(feed(&r, "+CGLA: 4,\"9000\""), AW_OK);
    assert_int_equal(feed(&r, "+CGLA: 4,\"9000\""), AW_ERR_IPA_PROTOCOL); /* a second one */
    assert_int_equal(feed(&r, "OK"), AW_OK);
    assert_int_equal(r.final, IPA_AT_OK);
    assert_int_equal(feed(&r, "OK"), AW_ERR_STATE);
    uint8_t out[8];
    size_t n;
    assert_int_equal(ipa_at_parse_hex_response(r.info, out, sizeof(out), &n), AW_OK);
    test_assert_hex(out, n, "9000");

    ipa_at_reply_init(&r, "+CGLA", false);
    assert_int_equal(feed(&r, "junk"), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(feed(&r, "1"), AW_ERR_IPA_PROTOCOL); /* bare numbers only for +CCHO */
    assert_int_equal(ipa_at_reply_line(&r, "", 0), AW_ERR_IPA_PROTOCOL);
    for (unsigned i = 2; i < IPA_AT_REPLY_LINES_MAX; i++)
        assert_int_equal(feed(&r, "+CREG: 1"), AW_OK);
    assert_int_equal(feed(&r, "+CREG: 1"), AW_ERR_IPA_RESPONSE_TOO_LONG);

    ipa_at_reply_init(&r, NULL, false);
    assert_int_equal(feed(&r, "+CME ERROR:"), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(feed(&r, "+CME ERROR: 99999999"), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(feed(&r, "+CME ERROR: 10"), AW_OK);
    assert_int_equal(r.final, IPA_AT_CME_ERROR);
    assert_int_equal(r.cme_error, 10);

    /* hex responses: never trust the length */
    assert_int_equal(ipa_at_parse_hex_response("4\"9000\"", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("x,\"9000\"", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("4,9000", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("4,\"", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("2,\"90\"", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("4,\"90G0\"", out, 8, &n), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_hex_response("6,\"019000\"", out, 2, &n),
                     AW_ERR_IPA_RESPONSE_TOO_LONG);
    unsigned session;
    assert_int_equal(ipa_at_parse_session("0", &session), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_session("65536", &session), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_session("1a", &session), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_at_parse_session("3", &session), AW_OK);
    assert_int_equal(session, 3);

    /* the line reader */
    ipa_at_line_reader reader;
    bool complete = false;
    ipa_at_line_reader_init(&reader);
    assert_int_equal(ipa_at_line_reader_feed(&reader, 0x00, &complete), AW_ERR_IPA_PROTOCOL);
    for (unsigned i = 0; i <= IPA_AT_LINE_MAX; i++)
        assert_int_equal(ipa_at_line_reader_feed(&reader, 'A', &complete), AW_OK);
    assert_int_equal(ipa_at_line_reader_feed(&reader, '\n', &complete),
                     AW_ERR_IPA_RESPONSE_TOO_LONG);
    assert_int_equal(ipa_at_line_reader_feed(&reader, 'O', &complete), AW_OK);
    assert_int_equal(ipa_at_line_reader_feed(&reader, 'K', &complete), AW_OK);
    assert_int_equal(ipa_at_line_reader_feed(&reader, '\r', &complete), AW_OK);
    assert_true(complete);
    assert_string_equal(reader.line, "OK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logical_channel_commands),
        cmocka_unit_test(test_csim_fallback),
        cmocka_unit_test(test_module_errors),
        cmocka_unit_test(test_malformed_replies),
        cmocka_unit_test(test_timeouts_and_hangup),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_reply_parser),
    };
    return cmocka_run_group_tests_name("ipa_at", tests, setup, teardown);
}
