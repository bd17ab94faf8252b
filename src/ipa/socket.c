/* airwrite IPA: APDU transport over a stream socket speaking the vsmartcard
 * vpcd framing (virtualsmartcard "Creating a virtual smart card"): each
 * message is a 2-byte big-endian length and its bytes; a one-byte message
 * is a control code (00 power off, 01 power on, 02 reset, 04 get ATR),
 * anything else an APDU answered by one response. Here the IPA plays the
 * reader, against airwrite-euicc --listen (its reverse mode). */
#include "ipa/transport.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VPCD_POWER_ON 0x01u
#define VPCD_GET_ATR 0x04u
#define ATR_MAX 33u /* ISO/IEC 7816-3 8.2.1: TS + at most 32 characters */

typedef struct socket_transport {
    ipa_transport base;
    int fd;
    int timeout_ms;
} socket_transport;

static aw_err write_all(socket_transport *s, const uint8_t *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(s->fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->base.detail = errno;
            return AW_ERR_IO;
        }
        sent += (size_t)n;
    }
    return AW_OK;
}

static aw_err read_all(socket_transport *s, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int ready = poll(&p, 1, s->timeout_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            return AW_ERR_IPA_TIMEOUT;
        ssize_t n = ready < 0 ? -1 : recv(s->fd, buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->base.detail = errno;
            return AW_ERR_IO;
        }
        if (n == 0)
            return AW_ERR_IPA_PROTOCOL; /* the card went away mid-answer */
        got += (size_t)n;
    }
    return AW_OK;
}

static aw_err send_message(socket_transport *s, const uint8_t *msg, size_t len)
{
    uint8_t frame[2 + IPA_APDU_COMMAND_MAX];
    assert(len > 0 && len <= IPA_APDU_COMMAND_MAX); /* the callers' bounds */
    frame[0] = (uint8_t)(len >> 8);
    frame[1] = (uint8_t)len;
    memcpy(frame + 2, msg, len);
    return write_all(s, frame, 2 + len);
}

/* One reply of at most cap bytes; a longer announced length is refused
 * before a byte of it is read. */
static aw_err receive_message(socket_transport *s, uint8_t *reply, size_t cap, size_t *len)
{
    uint8_t header[2];
    *len = 0;
    aw_err err = read_all(s, header, sizeof(header));
    if (err != AW_OK)
        return err;
    size_t n = (size_t)header[0] << 8 | header[1];
    if (n == 0 || n > cap)
        return AW_ERR_IPA_PROTOCOL;
    err = read_all(s, reply, n);
    if (err == AW_OK)
        *len = n;
    return err;
}

static aw_err socket_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                              size_t len, uint8_t *response, size_t *response_len)
{
    socket_transport *s = (socket_transport *)t;
    (void)channel; /* carried in the class byte */
    *response_len = 0;
    /* ipa_transport_exchange sends at least a 4-byte header, never a
     * one-byte message that would read as a control code */
    aw_err err = send_message(s, command, len);
    if (err == AW_OK)
        err = receive_message(s, response, IPA_APDU_RESPONSE_MAX, response_len);
    return err;
}

static void socket_destroy(ipa_transport *t)
{
    socket_transport *s = (socket_transport *)t;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static const ipa_transport_ops socket_ops = {
    .name = "socket",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = socket_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = socket_destroy,
};

/* connect(2) bounded by timeout_ms: non-blocking, then poll for the
 * outcome; the socket is blocking again afterwards. */
static aw_err connect_bounded(int fd, const struct addrinfo *ai, int timeout_ms)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return AW_ERR_IPA_CONNECT;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS)
            return AW_ERR_IPA_CONNECT;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int ready;
        do
            ready = poll(&p, 1, timeout_ms);
        while (ready < 0 && errno == EINTR);
        if (ready == 0)
            return AW_ERR_IPA_TIMEOUT;
        int error = 0;
        socklen_t len = sizeof(error);
        if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0)
            return AW_ERR_IPA_CONNECT;
    }
    return fcntl(fd, F_SETFL, flags) == 0 ? AW_OK : AW_ERR_IPA_CONNECT;
}

static aw_err connect_to(const char *host, const char *port, int timeout_ms, int *fd)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    aw_err err = AW_ERR_IPA_CONNECT;
    *fd = -1;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return AW_ERR_IPA_CONNECT;
    for (struct addrinfo *ai = res; ai != NULL && *fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0)
            continue;
        err = connect_bounded(s, ai, timeout_ms);
        if (err == AW_OK)
            *fd = s;
        else
            close(s);
    }
    freeaddrinfo(res);
    return err;
}

aw_err ipa_transport_open_socket(const char *host, const char *port, int timeout_ms,
                                 ipa_transport **out)
{
    *out = NULL;
    if (host == NULL || port == NULL || timeout_ms <= 0)
        return AW_ERR_ARGUMENT;
    socket_transport *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    s->base.ops = &socket_ops;
    s->timeout_ms = timeout_ms;
    aw_err err = connect_to(host, port, timeout_ms, &s->fd);
    /* power the card on, then read its ATR: proves a card answers */
    static const uint8_t power_on = VPCD_POWER_ON, get_atr = VPCD_GET_ATR;
    uint8_t atr[ATR_MAX];
    size_t atr_len = 0;
    if (err == AW_OK)
        err = send_message(s, &power_on, 1);
    if (err == AW_OK)
        err = send_message(s, &get_atr, 1);
    if (err == AW_OK)
        err = receive_message(s, atr, sizeof(atr), &atr_len);
    if (err == AW_OK && atr[0] != 0x3B && atr[0] != 0x3F) /* TS: direct or inverse convention */
        err = AW_ERR_IPA_PROTOCOL;
    if (err != AW_OK) {
        socket_destroy(&s->base);
        return err;
    }
    *out = &s->base;
    return AW_OK;
}
