/* airwrite IPA: APDU transport over AT commands to a cellular module
 * (3GPP TS 27.007 8.45 +CCHO open logical channel, 8.43 +CGLA generic
 * logical channel access, 8.46 +CCHC close; 8.17 +CSIM generic SIM access
 * as the fallback, with MANAGE CHANNEL done by us). The serial line is put
 * in raw mode (POSIX termios); every reply is read with a deadline and
 * parsed by at_parse.c. */
#include "ipa/at_parse.h"
#include "ipa/transport.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/hex.h"

#define DEFAULT_BAUD 115200u
#define DEFAULT_TIMEOUT_MS 5000
/* AT+CGLA=65535,520,"<520 hex digits>"\r */
#define AT_COMMAND_MAX (32 + 2 * IPA_APDU_COMMAND_MAX)

typedef struct at_transport {
    ipa_transport base;
    int fd;
    int timeout_ms;
    bool csim; /* no +CCHO/+CGLA: +CSIM on the basic channel */
    ipa_at_line_reader reader;
} at_transport;

static long remaining_ms(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000L + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

static aw_err write_command(at_transport *a, const char *text, size_t len)
{
    size_t sent = 0;
    /* a late answer to a command we gave up on must not pass for this
     * command's: drop whatever input is pending */
    tcflush(a->fd, TCIFLUSH);
    while (sent < len) {
        ssize_t n = write(a->fd, text + sent, len - sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            a->base.detail = errno;
            return AW_ERR_IO;
        }
        sent += (size_t)n;
    }
    return AW_OK;
}

/* Send one command line and read its reply up to the final result code. */
static aw_err at_command(at_transport *a, const char *command, size_t len, ipa_at_reply *reply)
{
    aw_err err = write_command(a, command, len);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += a->timeout_ms / 1000;
    deadline.tv_nsec += (long)(a->timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    ipa_at_line_reader_init(&a->reader);
    while (err == AW_OK && reply->final == IPA_AT_PENDING) {
        long wait = remaining_ms(&deadline);
        if (wait <= 0)
            return AW_ERR_IPA_TIMEOUT;
        struct pollfd p = {.fd = a->fd, .events = POLLIN};
        int ready = poll(&p, 1, (int)wait);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            return AW_ERR_IPA_TIMEOUT;
        uint8_t chunk[256];
        ssize_t n = ready < 0 ? -1 : read(a->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            a->base.detail = n < 0 ? errno : 0;
            return AW_ERR_IO; /* the line hung up */
        }
        for (ssize_t i = 0; i < n && err == AW_OK; i++) {
            bool complete;
            err = ipa_at_line_reader_feed(&a->reader, chunk[i], &complete);
            if (err == AW_OK && complete)
                err = ipa_at_reply_line(reply, a->reader.line, a->reader.len);
            /* bytes after the final result code belong to nothing we asked */
            if (err == AW_OK && reply->final != IPA_AT_PENDING)
                break;
        }
    }
    if (err != AW_OK)
        return err;
    if (reply->final != IPA_AT_OK) {
        a->base.detail = reply->cme_error;
        return AW_ERR_IPA_MODEM_ERROR;
    }
    return AW_OK;
}

/* Commands with a hex APDU: AT+CGLA=<session>,<len>,"<hex>" or
 * AT+CSIM=<len>,"<hex>"; the reply's +CGLA:/+CSIM: line holds the answer. */
static aw_err at_transmit(ipa_transport *t, unsigned channel, const uint8_t *command, size_t len,
                          uint8_t *response, size_t *response_len)
{
    at_transport *a = (at_transport *)t;
    char text[AT_COMMAND_MAX], hex[2 * IPA_APDU_COMMAND_MAX + 1];
    *response_len = 0;
    assert(len >= 4 && len <= IPA_APDU_COMMAND_MAX); /* ipa_transport_exchange's bounds */
    aw_hex_encode(command, len, hex, true);
    int n;
    if (a->csim)
        n = snprintf(text, sizeof(text), "AT+CSIM=%zu,\"%s\"\r", 2 * len, hex);
    else
        n = snprintf(text, sizeof(text), "AT+CGLA=%u,%zu,\"%s\"\r", channel, 2 * len, hex);
    assert(n > 0 && (size_t)n < sizeof(text));
    ipa_at_reply reply;
    ipa_at_reply_init(&reply, a->csim ? "+CSIM" : "+CGLA", false);
    aw_err err = at_command(a, text, (size_t)n, &reply);
    if (err == AW_OK && !reply.has_info)
        err = AW_ERR_IPA_PROTOCOL;
    if (err == AW_OK)
        err = ipa_at_parse_hex_response(reply.info, response, IPA_APDU_RESPONSE_MAX,
                                        response_len);
    return err;
}

static aw_err at_open_channel(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                              unsigned *channel)
{
    at_transport *a = (at_transport *)t;
    if (a->csim)
        return ipa_transport_raw_open_channel(t, aid, aid_len, channel);
    char hex[2 * 16 + 1], text[64];
    aw_hex_encode(aid, aid_len, hex, true);
    int n = snprintf(text, sizeof(text), "AT+CCHO=\"%s\"\r", hex);
    ipa_at_reply reply;
    ipa_at_reply_init(&reply, "+CCHO", true);
    aw_err err = at_command(a, text, (size_t)n, &reply);
    if (err == AW_ERR_IPA_MODEM_ERROR)
        return AW_ERR_IPA_NO_CHANNEL; /* the module could not open or select: detail kept */
    if (err == AW_OK && !reply.has_info)
        err = AW_ERR_IPA_PROTOCOL;
    if (err == AW_OK)
        err = ipa_at_parse_session(reply.info, channel);
    return err;
}

static aw_err at_close_channel(ipa_transport *t, unsigned channel)
{
    at_transport *a = (at_transport *)t;
    if (a->csim)
        return ipa_transport_raw_close_channel(t, channel);
    char text[32];
    int n = snprintf(text, sizeof(text), "AT+CCHC=%u\r", channel);
    ipa_at_reply reply;
    ipa_at_reply_init(&reply, "+CCHC", false);
    return at_command(a, text, (size_t)n, &reply);
}

static void at_destroy(ipa_transport *t)
{
    at_transport *a = (at_transport *)t;
    if (a->fd >= 0)
        close(a->fd);
    free(a);
}

static const ipa_transport_ops at_ops = {
    .name = "at",
    .open_channel = at_open_channel,
    .transmit = at_transmit,
    .close_channel = at_close_channel,
    .destroy = at_destroy,
};

static bool baud_constant(unsigned baud, speed_t *out)
{
    static const struct {
        unsigned baud;
        speed_t constant;
    } table[] = {{9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
                 {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600}};
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].baud == baud) {
            *out = table[i].constant;
            return true;
        }
    }
    return false;
}

/* Raw 8N1, no flow control, no modem control lines; blocking I/O, every
 * read after poll() said there is input (so writes wait for the line, and
 * reads never spin). */
static aw_err configure_line(at_transport *a, unsigned baud)
{
    speed_t speed;
    struct termios tio;
    if (!baud_constant(baud, &speed))
        return AW_ERR_ARGUMENT;
    int flags = fcntl(a->fd, F_GETFL);
    if (flags < 0 || tcgetattr(a->fd, &tio) != 0) {
        a->base.detail = errno;
        return AW_ERR_IPA_CONNECT;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(a->fd, TCSANOW, &tio) != 0 ||
        fcntl(a->fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        a->base.detail = errno;
        return AW_ERR_IPA_CONNECT;
    }
    tcflush(a->fd, TCIOFLUSH);
    return AW_OK;
}

static aw_err simple_command(at_transport *a, const char *text)
{
    ipa_at_reply reply;
    ipa_at_reply_init(&reply, NULL, false);
    return at_command(a, text, strlen(text), &reply);
}

aw_err ipa_transport_open_at(const ipa_at_options *options, ipa_transport **out)
{
    *out = NULL;
    if (options == NULL)
        return AW_ERR_ARGUMENT;
    if ((options->fd < 0 && options->device == NULL) || options->timeout_ms < 0) {
        if (options->fd >= 0)
            close(options->fd);
        return AW_ERR_ARGUMENT;
    }
    at_transport *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        if (options->fd >= 0)
            close(options->fd);
        return AW_ERR_NOMEM;
    }
    a->base.ops = &at_ops;
    a->timeout_ms = options->timeout_ms != 0 ? options->timeout_ms : DEFAULT_TIMEOUT_MS;
    a->fd = options->fd;
    aw_err err = AW_OK;
    if (a->fd < 0) {
        /* O_NONBLOCK: not waiting for carrier detect; cleared once CLOCAL is set */
        a->fd = open(options->device, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (a->fd < 0) {
            a->base.detail = errno;
            err = AW_ERR_IPA_CONNECT;
        }
    }
    if (err == AW_OK)
        err = configure_line(a, options->baud != 0 ? options->baud : DEFAULT_BAUD);
    /* V.250 6.2.4: no echo, so replies hold only what the module says */
    if (err == AW_OK)
        err = simple_command(a, "ATE0\r");
    if (err == AW_OK && !options->force_csim) {
        /* TS 27.007 8.45: the test command answers OK where +CCHO exists */
        aw_err probe = simple_command(a, "AT+CCHO=?\r");
        a->csim = probe == AW_ERR_IPA_MODEM_ERROR;
        if (probe != AW_OK && probe != AW_ERR_IPA_MODEM_ERROR)
            err = probe;
    } else if (err == AW_OK) {
        a->csim = true;
    }
    if (err == AW_OK && a->csim)
        err = simple_command(a, "AT+CSIM=?\r");
    if (err != AW_OK) {
        at_destroy(&a->base);
        return err;
    }
    *out = &a->base;
    return AW_OK;
}

bool ipa_transport_at_uses_csim(const ipa_transport *t)
{
    return t->ops == &at_ops && ((const at_transport *)t)->csim;
}
