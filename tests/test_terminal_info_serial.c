/* The terminal information's AT runner on a module's port
 * (src/ipa/terminal_info_serial.c) against a module emulated on the master
 * side of a pseudo-terminal: the answers of 3GPP TS 27.007 (+CGSN, +CGMR,
 * +CSQ, +CESQ, +CEREG, +COPS) and +QGPSLOC collected into a record through
 * the real serial open (termios on the pty); echo and unsolicited lines
 * skipped; ERROR, +CME ERROR, silence, a line too long, a control byte,
 * too many lines and a module gone each give their error. */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "ipa/at_parse.h"
#include "ipa/terminal_info.h"

typedef enum behaviour {
    ANSWER = 0, /* the scripted line (if any), then OK */
    ECHO_URC,   /* echo, an unsolicited +CREG:, then the answer */
    ERROR_CODE,
    CME,
    SILENT,
    LONG_LINE,
    CONTROL,
    MANY_LINES,
    HANG_UP,
} behaviour;

typedef struct module {
    int master;
    pthread_t thread;
    behaviour mode;
} module;

static const char *const answers[][2] = {
    {"AT+CGSN", "356938035643809"},
    {"AT+CGMR", "EC25EFAR06A06M4G"},
    {"AT+CSQ", "+CSQ: 18,99"},
    {"AT+CESQ", "+CESQ: 99,99,255,255,19,40"},
    {"AT+QGPSLOC=2", NULL}, /* no fix: +CME ERROR: 516 */
    {"AT+CEREG=2", ""},
    {"AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"},
    {"AT+COPS=3,2", ""},
    {"AT+COPS?", "+COPS: 0,2,\"46000\",7"},
};

static void say(module *m, const char *text)
{
    size_t len = strlen(text), sent = 0;
    while (sent < len) {
        ssize_t n = write(m->master, text + sent, len - sent);
        if (n <= 0)
            return;
        sent += (size_t)n;
    }
}

static void answer(module *m, const char *command)
{
    char out[2048];
    if (m->mode == SILENT)
        return;
    if (m->mode == HANG_UP) {
        close(m->master);
        m->master = -1;
        return;
    }
    if (m->mode == ERROR_CODE) {
        say(m, "\r\nERROR\r\n");
        return;
    }
    if (m->mode == CME) {
        say(m, "\r\n+CME ERROR: 10\r\n");
        return;
    }
    if (m->mode == LONG_LINE) {
        memset(out, 'A', IPA_AT_LINE_MAX + 10);
        out[IPA_AT_LINE_MAX + 10] = '\0';
        say(m, out);
        say(m, "\r\nOK\r\n");
        return;
    }
    if (m->mode == CONTROL) {
        say(m, "\r\n35693\00103564\r\nOK\r\n");
        return;
    }
    if (m->mode == MANY_LINES) {
        for (int i = 0; i < 20; i++)
            say(m, "\r\n+CREG: 1\r\n");
        say(m, "\r\nOK\r\n");
        return;
    }
    if (m->mode == ECHO_URC) {
        snprintf(out, sizeof(out), "%s\r\r\n+CREG: 1,\"00C3\",\"0010B18B\"\r\n", command);
        say(m, out);
    }
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        if (strcmp(answers[i][0], command) != 0)
            continue;
        if (answers[i][1] == NULL) {
            say(m, "\r\n+CME ERROR: 516\r\n");
        } else {
            snprintf(out, sizeof(out), "%s%s%sOK\r\n", answers[i][1][0] != '\0' ? "\r\n" : "",
                     answers[i][1], answers[i][1][0] != '\0' ? "\r\n\r\n" : "\r\n");
            say(m, out);
        }
        return;
    }
    say(m, "\r\nERROR\r\n");
}

static void *module_main(void *arg)
{
    module *m = arg;
    char command[256];
    size_t len = 0;
    uint8_t byte;
    while (m->master >= 0 && read(m->master, &byte, 1) == 1) {
        if (byte == '\r') {
            command[len] = '\0';
            answer(m, command);
            len = 0;
        } else if (len + 1 < sizeof(command)) {
            command[len++] = (char)byte;
        }
    }
    return NULL;
}

/* A module on a new pty; the runner opened on its slave by path. */
static ipa_terminal_info_serial *start(module *m, behaviour mode, int timeout_ms)
{
    memset(m, 0, sizeof(*m));
    m->mode = mode;
    m->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m->master >= 0);
    assert_int_equal(grantpt(m->master), 0);
    assert_int_equal(unlockpt(m->master), 0);
    ipa_terminal_info_serial *s = NULL;
    assert_int_equal(ipa_terminal_info_serial_open(ptsname(m->master), 115200, timeout_ms, &s),
                     AW_OK);
    assert_int_equal(pthread_create(&m->thread, NULL, module_main, m), 0);
    return s;
}

static void stop(module *m, ipa_terminal_info_serial *s)
{
    ipa_terminal_info_serial_close(s); /* the master's read ends */
    if (m->master >= 0)
        close(m->master);
    m->master = -1;
    pthread_join(m->thread, NULL);
}

static void test_collect(void **state)
{
    (void)state;
    for (int mode = ANSWER; mode <= ECHO_URC; mode++) {
        module m;
        ipa_terminal_info_serial *s = start(&m, (behaviour)mode, 2000);
        ipa_terminal_info_source source = {.at_command = ipa_terminal_info_serial_command,
                                           .userdata = s};
        terminal_info_record r;
        assert_int_equal(ipa_terminal_info_collect(&source, "89049032123456789012345678901234",
                                                   1796106000, &r),
                         AW_OK);
        assert_string_equal(r.imei, "356938035643809");
        assert_string_equal(r.firmware, "EC25EFAR06A06M4G");
        assert_int_equal(r.rssi, 18);
        assert_int_equal(r.rsrq, 19);
        assert_int_equal(r.rsrp, 40);
        assert_int_equal(r.location.kind, TERMINAL_INFO_LOCATION_CELL);
        assert_string_equal(r.location.mcc, "460");
        assert_string_equal(r.location.mnc, "00");
        assert_int_equal(r.location.tac, 0x1A2B);
        assert_int_equal(r.location.cell_id, 0x01A2B3C4);
        stop(&m, s);
    }
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        behaviour mode;
        aw_err err;
    } cases[] = {{ERROR_CODE, AW_ERR_IPA_MODEM_ERROR}, {CME, AW_ERR_IPA_MODEM_ERROR},
                 {SILENT, AW_ERR_IPA_TIMEOUT},        {LONG_LINE, AW_ERR_IPA_RESPONSE_TOO_LONG},
                 {CONTROL, AW_ERR_IPA_PROTOCOL},      {MANY_LINES, AW_ERR_IPA_PROTOCOL},
                 {HANG_UP, AW_ERR_IO}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        module m;
        ipa_terminal_info_serial *s = start(&m, cases[i].mode, 300);
        char line[IPA_TERMINAL_INFO_LINE_MAX + 1];
        aw_err err = ipa_terminal_info_serial_command(s, "+CGSN", line);
        assert_int_equal(err, cases[i].err);
        assert_int_equal(line[0], '\0');
        stop(&m, s);
    }
    ipa_terminal_info_serial *s = NULL;
    assert_int_equal(ipa_terminal_info_serial_open("/nonexistent/tty", 115200, 0, &s),
                     AW_ERR_IPA_CONNECT);
    assert_int_equal(ipa_terminal_info_serial_open("/dev/null", 12345, 0, &s), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_terminal_info_serial_open("/dev/null", 115200, 0, &s),
                     AW_ERR_IPA_CONNECT); /* not a terminal */
    assert_int_equal(ipa_terminal_info_serial_open_fd(-1, 0, &s), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
