/* A cellular module emulator for the IPA's AT transport tests (test code
 * only): a thread on the master side of a pseudo-terminal answering the
 * AT commands of 3GPP TS 27.007 (+CCHO 8.45, +CGLA 8.43, +CCHC 8.46, +CSIM
 * 8.17, E0) in front of the in-process software eUICC, with modes that
 * misbehave the ways real modules do. */
#ifndef AIRWRITE_TESTS_IPA_MODEM_H
#define AIRWRITE_TESTS_IPA_MODEM_H

#include "ipa_testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

typedef enum modem_mode {
    MODEM_NORMAL = 0,
    MODEM_NO_CCHO,        /* +CCHO/+CGLA/+CCHC answer ERROR: the IPA must use +CSIM */
    MODEM_NO_SIM_ACCESS,  /* +CSIM too */
    MODEM_ECHO,           /* echoes commands until ATE0, and after (a broken E0) */
    MODEM_URC,            /* an unsolicited +CREG: line before every reply */
    MODEM_PREFIXED_CCHO,  /* "+CCHO: <id>" instead of the bare number */
    MODEM_CME_NUMERIC,    /* +CGLA answered +CME ERROR: 21 */
    MODEM_CME_TEXT,       /* +CGLA answered +CME ERROR: operation not allowed */
    MODEM_CCHO_REFUSED,   /* +CCHO answered +CME ERROR: 4 */
    MODEM_SESSION_25,     /* +CCHO gives session 25: no class byte can address it */
    MODEM_GARBAGE,        /* +CGLA answered by a line of junk */
    MODEM_BAD_LENGTH,     /* +CGLA: length not matching its hex */
    MODEM_ODD_HEX,        /* +CGLA: odd number of hex digits */
    MODEM_NO_INFO,        /* +CGLA answered OK alone */
    MODEM_TRUNCATED,      /* +CGLA: line cut off, then silence */
    MODEM_SILENT,         /* +CGLA never answered */
    MODEM_LONG_LINE,      /* a line longer than any valid reply */
    MODEM_CONTROL_BYTE,   /* a control byte inside a line */
    MODEM_HANGUP,         /* the module goes away on +CGLA */
    MODEM_ERROR_ON_ECHO_OFF, /* ATE0 answered ERROR */
    MODEM_MUTE,           /* answers nothing at all */
    MODEM_SILENT_PROBE,   /* AT+CCHO=? never answered */
    MODEM_CCHO_NO_ID,     /* +CCHO answered OK without a session id */
    MODEM_CCHO_BAD_ID,    /* +CCHO answered with session id 0 */
} modem_mode;

typedef struct modem {
    int master;
    int slave;
    modem_mode mode;
    euicc *card;
    pthread_t thread;
    bool echo;
    atomic_int class_mismatches; /* +CGLA APDUs whose class byte names another channel */
    atomic_int commands;
    char last_command[64];
} modem;

static inline void modem_write(modem *m, const char *text)
{
    size_t len = strlen(text), sent = 0;
    while (sent < len) {
        ssize_t n = write(m->master, text + sent, len - sent);
        if (n <= 0)
            return;
        sent += (size_t)n;
    }
}

/* The card answers an APDU given in hex; the reply in hex. */
static inline void modem_card(modem *m, const char *hex, size_t hex_len, char *out)
{
    uint8_t apdu[300], resp[EUICC_CARD_RESPONSE_MAX];
    char text[700];
    size_t len = 0, resp_len = 0;
    memcpy(text, hex, hex_len);
    text[hex_len] = '\0';
    if (aw_hex_decode(text, apdu, sizeof(apdu), &len) != AW_OK || len < 4) {
        strcpy(out, "6700");
        return;
    }
    euicc_transmit(m->card, apdu, len, resp, sizeof(resp), &resp_len);
    aw_hex_encode(resp, resp_len, out, true);
}

/* Channel named by a class byte (ISO/IEC 7816-4 5.4.1). */
static inline unsigned modem_class_channel(uint8_t cla)
{
    return (cla & 0x40u) ? 4u + (cla & 0x0Fu) : (cla & 0x03u);
}

static inline void modem_reply_hex(modem *m, const char *prefix, const char *hex)
{
    char line[700];
    if (m->mode == MODEM_URC)
        modem_write(m, "\r\n+CREG: 1\r\n");
    snprintf(line, sizeof(line), "\r\n%s: %zu,\"%s\"\r\n\r\nOK\r\n", prefix, strlen(hex), hex);
    modem_write(m, line);
}

static inline bool modem_misbehave_cgla(modem *m)
{
    switch (m->mode) {
    case MODEM_CME_NUMERIC:
        modem_write(m, "\r\n+CME ERROR: 21\r\n");
        return true;
    case MODEM_CME_TEXT:
        modem_write(m, "\r\n+CME ERROR: operation not allowed\r\n");
        return true;
    case MODEM_GARBAGE:
        modem_write(m, "\r\nxyzzy 42\r\n\r\nOK\r\n");
        return true;
    case MODEM_BAD_LENGTH:
        modem_write(m, "\r\n+CGLA: 99,\"9000\"\r\n\r\nOK\r\n");
        return true;
    case MODEM_ODD_HEX:
        modem_write(m, "\r\n+CGLA: 5,\"90001\"\r\n\r\nOK\r\n");
        return true;
    case MODEM_NO_INFO:
        modem_write(m, "\r\nOK\r\n");
        return true;
    case MODEM_TRUNCATED:
        modem_write(m, "\r\n+CGLA: 4,\"90");
        return true;
    case MODEM_SILENT:
        return true;
    case MODEM_LONG_LINE: {
        char line[800];
        memset(line, 'A', sizeof(line));
        line[0] = '\r';
        line[1] = '\n';
        line[sizeof(line) - 3] = '\r';
        line[sizeof(line) - 2] = '\n';
        line[sizeof(line) - 1] = '\0';
        modem_write(m, line);
        modem_write(m, "OK\r\n");
        return true;
    }
    case MODEM_CONTROL_BYTE:
        modem_write(m, "\r\n+CGLA: 4,\"90\x01" "00\"\r\n\r\nOK\r\n");
        return true;
    case MODEM_HANGUP:
        close(m->master);
        m->master = -1;
        return true;
    default:
        return false;
    }
}

static inline void modem_command(modem *m, char *line, size_t len)
{
    char hex[700];
    unsigned session, n;
    int used = 0;
    atomic_fetch_add(&m->commands, 1);
    snprintf(m->last_command, sizeof(m->last_command), "%.*s", (int)len, line);
    if (m->echo) {
        modem_write(m, line);
        modem_write(m, "\r");
    }
    bool lacks_channels = m->mode == MODEM_NO_CCHO || m->mode == MODEM_NO_SIM_ACCESS;
    if (m->mode == MODEM_MUTE || (m->mode == MODEM_SILENT_PROBE && strcmp(line, "AT+CCHO=?") == 0))
        return;
    if (m->mode == MODEM_CCHO_NO_ID && strncmp(line, "AT+CCHO=\"", 9) == 0) {
        modem_write(m, "\r\nOK\r\n");
        return;
    }
    if (m->mode == MODEM_CCHO_BAD_ID && strncmp(line, "AT+CCHO=\"", 9) == 0) {
        modem_write(m, "\r\n0\r\n\r\nOK\r\n");
        return;
    }
    if (strcmp(line, "ATE0") == 0) {
        m->echo = m->mode == MODEM_ECHO;
        modem_write(m, m->mode == MODEM_ERROR_ON_ECHO_OFF ? "\r\nERROR\r\n" : "\r\nOK\r\n");
    } else if (strcmp(line, "AT+CCHO=?") == 0) {
        modem_write(m, lacks_channels ? "\r\nERROR\r\n" : "\r\nOK\r\n");
    } else if (strcmp(line, "AT+CSIM=?") == 0) {
        modem_write(m, m->mode == MODEM_NO_SIM_ACCESS ? "\r\nERROR\r\n" : "\r\nOK\r\n");
    } else if (!lacks_channels && sscanf(line, "AT+CCHO=\"%32[0-9A-F]\"%n", hex, &used) == 1 &&
               (size_t)used == len) {
        if (m->mode == MODEM_CCHO_REFUSED) {
            modem_write(m, "\r\n+CME ERROR: 4\r\n");
            return;
        }
        /* MANAGE CHANNEL, then SELECT by AID on the new channel */
        char resp[600], apdu[800];
        modem_card(m, "0070000001", 10, resp);
        if (strlen(resp) != 6 || strcmp(resp + 2, "9000") != 0) {
            modem_write(m, "\r\n+CME ERROR: 4\r\n");
            return;
        }
        unsigned channel = (unsigned)strtoul((char[3]){resp[0], resp[1], 0}, NULL, 16);
        snprintf(apdu, sizeof(apdu), "%02XA4040C%02zX%s", channel, strlen(hex) / 2, hex);
        modem_card(m, apdu, strlen(apdu), resp);
        if (strcmp(resp, "9000") != 0) {
            modem_write(m, "\r\n+CME ERROR: 4\r\n");
            return;
        }
        char out[64];
        if (m->mode == MODEM_SESSION_25)
            channel = 25;
        snprintf(out, sizeof(out), m->mode == MODEM_PREFIXED_CCHO ? "\r\n+CCHO: %u\r\n\r\nOK\r\n"
                                                                  : "\r\n%u\r\n\r\nOK\r\n",
                 channel);
        modem_write(m, out);
    } else if (!lacks_channels && sscanf(line, "AT+CCHC=%u%n", &session, &used) == 1 &&
               (size_t)used == len) {
        char resp[600], apdu[16];
        snprintf(apdu, sizeof(apdu), "007080%02X", session & 0xFFu);
        modem_card(m, apdu, strlen(apdu), resp);
        modem_write(m, strcmp(resp, "9000") == 0 ? "\r\nOK\r\n" : "\r\n+CME ERROR: 21\r\n");
    } else if (!lacks_channels &&
               sscanf(line, "AT+CGLA=%u,%u,\"%600[0-9A-F]\"%n", &session, &n, hex, &used) == 3 &&
               (size_t)used == len && n == strlen(hex)) {
        if (modem_misbehave_cgla(m))
            return;
        uint8_t cla = (uint8_t)strtoul((char[3]){hex[0], hex[1], 0}, NULL, 16);
        if (modem_class_channel(cla) != session)
            atomic_fetch_add(&m->class_mismatches, 1);
        char resp[600];
        modem_card(m, hex, n, resp);
        modem_reply_hex(m, "+CGLA", resp);
    } else if (m->mode != MODEM_NO_SIM_ACCESS &&
               sscanf(line, "AT+CSIM=%u,\"%600[0-9A-F]\"%n", &n, hex, &used) == 2 &&
               (size_t)used == len && n == strlen(hex)) {
        char resp[600];
        modem_card(m, hex, n, resp);
        modem_reply_hex(m, "+CSIM", resp);
    } else {
        modem_write(m, "\r\nERROR\r\n");
    }
}

static inline void *modem_run(void *arg)
{
    modem *m = arg;
    char line[1200];
    size_t len = 0;
    for (;;) {
        uint8_t byte;
        if (m->master < 0 || read(m->master, &byte, 1) != 1)
            return NULL; /* the slave side closed (EIO), or we hung up */
        if (byte == '\r') {
            line[len] = '\0';
            if (len > 0)
                modem_command(m, line, len);
            len = 0;
        } else if (byte != '\n' && len + 1 < sizeof(line)) {
            line[len++] = (char)byte;
        }
    }
}

/* Start the module; *slave_fd is the terminal for the transport. */
static inline void modem_start(modem *m, modem_mode mode, euicc *card, int *slave_fd)
{
    memset(m, 0, sizeof(*m));
    m->mode = mode;
    m->card = card;
    m->echo = true; /* V.250: echo is on until ATE0 */
    m->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m->master >= 0);
    assert_int_equal(grantpt(m->master), 0);
    assert_int_equal(unlockpt(m->master), 0);
    m->slave = open(ptsname(m->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(m->slave >= 0);
    *slave_fd = m->slave;
    assert_int_equal(pthread_create(&m->thread, NULL, modem_run, m), 0);
}

/* Stop after the transport closed the slave side (or with close_slave). */
static inline void modem_stop(modem *m, bool close_slave)
{
    if (close_slave)
        close(m->slave);
    pthread_join(m->thread, NULL);
    if (m->master >= 0)
        close(m->master);
}

#endif
