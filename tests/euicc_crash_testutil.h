/* Helpers for the eUICC crash test (test code only): run the real
 * airwrite-euicc as a child process serving vpcd on a loopback port, kill
 * it with SIGKILL from a one-shot timer, and act as the reader: messages
 * framed as vsmartcard's vpcd does (2-byte big-endian length, vpcd.h),
 * ES10 commands sent as STORE DATA blocks (SGP.22 5.7.2) and their
 * responses gathered with GET RESPONSE (ISO/IEC 7816-4 61xx).
 *
 * Every reader call returns false when the card went away (the connection
 * ended, which is how a kill shows); a status word other than 9000 on a
 * live card fails the test. */
#ifndef AIRWRITE_TESTS_EUICC_CRASH_TESTUTIL_H
#define AIRWRITE_TESTS_EUICC_CRASH_TESTUTIL_H

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "euicc/card.h"

#define CRASH_ISDR_SELECT "00A4040010A0000005591010FFFFFFFF890000010000"
#define CRASH_VPCD_GET_ATR 0x04
#define CRASH_MESSAGE_MAX 261 /* a short command APDU: 5 + 255 + Le */

/* The process the timer kills (0: none). pid_t is an int on Linux, so a
 * sig_atomic_t holds it and the handler may read it. */
static volatile sig_atomic_t crash_victim;
/* Set by the handler before it kills: a reader that loses the card with
 * this still 0 was dropped by the card itself. */
static volatile sig_atomic_t crash_fired;

static void crash_on_timer(int signal_number)
{
    (void)signal_number;
    if (crash_victim > 0) {
        crash_fired = 1;
        kill((pid_t)crash_victim, SIGKILL); /* async-signal-safe */
    }
}

static inline void crash_install_timer_handler(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = crash_on_timer;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
}

/* Arm (microseconds > 0) or disarm (0) the one-shot kill timer. */
static inline void crash_set_timer(long microseconds)
{
    struct itimerval timer;
    memset(&timer, 0, sizeof(timer));
    timer.it_value.tv_sec = microseconds / 1000000L;
    timer.it_value.tv_usec = microseconds % 1000000L;
    if (microseconds > 0 && timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0)
        timer.it_value.tv_usec = 1;
    assert_int_equal(setitimer(ITIMER_REAL, &timer, NULL), 0);
}

static inline void crash_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline double crash_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback port free right now (the kernel's pick for port 0). */
static inline unsigned crash_free_port(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
    close(s);
    return ntohs(sin.sin_port);
}

/* Start program with argv (NULL-terminated), stdout to out_path (NULL:
 * inherited). The child dies with the test if the test dies. */
static inline pid_t crash_spawn(const char *program, char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (out_path != NULL) {
            int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
                _exit(126);
            close(fd);
        }
        execv(program, argv);
        _exit(127);
    }
    return pid;
}

/* waitpid without EINTR. */
static inline int crash_wait(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    return status;
}

/* Connect to the card listening on 127.0.0.1:port; -1 when the child
 * ended first (its status in *status, *ended set). */
static inline int crash_connect(unsigned port, pid_t child, bool *ended, int *status)
{
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    *ended = false;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
            return fd;
        close(fd);
        pid_t done = waitpid(child, status, WNOHANG);
        if (done == child) {
            *ended = true;
            return -1;
        }
        crash_sleep_ms(1);
    }
}

static inline bool crash_read_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false; /* EOF or ECONNRESET: the card is gone */
        got += (size_t)n;
    }
    return true;
}

static inline bool crash_write_exact(int fd, const uint8_t *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += (size_t)n;
    }
    return true;
}

/* One vpcd exchange: message out, reply in (reply_cap at least
 * EUICC_CARD_RESPONSE_MAX). */
static inline bool crash_vpcd_exchange(int fd, const uint8_t *msg, size_t len, uint8_t *reply,
                                       size_t reply_cap, size_t *reply_len)
{
    /* one send per message: a header sent alone would wait for the
     * peer's delayed ACK (Nagle) before the body follows */
    uint8_t framed[2 + CRASH_MESSAGE_MAX], header[2];
    assert_true(len <= CRASH_MESSAGE_MAX);
    framed[0] = (uint8_t)(len >> 8);
    framed[1] = (uint8_t)len;
    memcpy(framed + 2, msg, len);
    if (!crash_write_exact(fd, framed, 2 + len) || !crash_read_exact(fd, header, 2))
        return false;
    *reply_len = (size_t)header[0] << 8 | header[1];
    assert_true(*reply_len <= reply_cap);
    return crash_read_exact(fd, reply, *reply_len);
}

/* One APDU: data appended to out (capacity out_cap), status word in *sw. */
static inline bool crash_apdu(int fd, const uint8_t *apdu, size_t len, uint8_t *out,
                              size_t out_cap, size_t *out_len, unsigned *sw)
{
    uint8_t reply[EUICC_CARD_RESPONSE_MAX];
    size_t reply_len = 0;
    if (!crash_vpcd_exchange(fd, apdu, len, reply, sizeof(reply), &reply_len))
        return false;
    assert_true(reply_len >= 2);
    assert_true(*out_len + reply_len - 2 <= out_cap);
    *sw = (unsigned)reply[reply_len - 2] << 8 | reply[reply_len - 1];
    memcpy(out + *out_len, reply, reply_len - 2);
    *out_len += reply_len - 2;
    return true;
}

/* Power-up as a reader does: the ATR, then SELECT ISD-R (T=1: Le 00). */
static inline bool crash_card_start(int fd)
{
    uint8_t atr[EUICC_CARD_RESPONSE_MAX], out[512];
    size_t atr_len = 0, apdu_len = 0, out_len = 0;
    uint8_t get_atr = CRASH_VPCD_GET_ATR;
    unsigned sw = 0;
    if (!crash_vpcd_exchange(fd, &get_atr, 1, atr, sizeof(atr), &atr_len))
        return false;
    assert_true(atr_len > 2);
    uint8_t *apdu = test_hex(CRASH_ISDR_SELECT, &apdu_len);
    bool alive = crash_apdu(fd, apdu, apdu_len, out, sizeof(out), &out_len, &sw);
    free(apdu);
    while (alive && (sw & 0xFF00u) == 0x6100u) {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
        alive = crash_apdu(fd, get, sizeof(get), out, sizeof(out), &out_len, &sw);
    }
    if (alive && sw != 0x9000)
        fail_msg("SELECT ISD-R answered %04X", sw);
    return alive;
}

/* An ES10 command in STORE DATA blocks of 255 bytes (SGP.22 5.7.2), the
 * response gathered through 61xx. *response is malloc'd, NULL when the
 * card answered no data. */
static inline bool crash_es10(int fd, const uint8_t *command, size_t len, uint8_t **response,
                              size_t *response_len)
{
    const size_t cap = 70000;
    uint8_t *out = malloc(cap);
    size_t n = 0, offset = 0;
    unsigned sw = 0x9000;
    bool alive = true;
    *response = NULL;
    *response_len = 0;
    assert_non_null(out);
    for (unsigned number = 0; alive && sw == 0x9000 && offset < len; number++) {
        size_t chunk = len - offset < 255 ? len - offset : 255;
        bool last = offset + chunk == len;
        uint8_t apdu[261] = {0x80, 0xE2, last ? 0x91 : 0x11, (uint8_t)number, (uint8_t)chunk};
        memcpy(apdu + 5, command + offset, chunk);
        size_t apdu_len = 5 + chunk;
        if (last)
            apdu[apdu_len++] = 0x00; /* case 4 with Le under T=1 */
        alive = crash_apdu(fd, apdu, apdu_len, out, cap, &n, &sw);
        offset += chunk;
    }
    while (alive && (sw & 0xFF00u) == 0x6100u) {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
        alive = crash_apdu(fd, get, sizeof(get), out, cap, &n, &sw);
    }
    if (alive && sw != 0x9000) {
        free(out);
        fail_msg("ES10 command %02X%02X answered %04X", command[0], len > 1 ? command[1] : 0,
                 sw);
    }
    if (!alive || n == 0) {
        free(out);
        return alive;
    }
    *response = out;
    *response_len = n;
    return true;
}

#endif
