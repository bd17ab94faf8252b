/* airwrite eUICC: vpcd transport. See vpcd.h. */
#include "euicc/vpcd.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Longest message accepted from the reader: an extended APDU. */
#define VPCD_MAX_MESSAGE (4 + 3 + 65535 + 2)

aw_err euicc_vpcd_handle_message(euicc_card *card, const uint8_t *msg, size_t len,
                                 uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    *reply_len = 0;
    if (len == 0)
        return AW_ERR_ARGUMENT;
    if (len == 1) {
        switch (msg[0]) {
        case EUICC_VPCD_POWER_OFF:
        case EUICC_VPCD_POWER_ON:
        case EUICC_VPCD_RESET:
            /* every power transition is a reset of the card's volatile state */
            euicc_card_reset(card);
            return AW_OK;
        case EUICC_VPCD_GET_ATR: {
            size_t atr_len;
            const uint8_t *atr = euicc_card_atr(&atr_len);
            if (atr_len > reply_cap)
                return AW_ERR_BUFFER_TOO_SMALL;
            memcpy(reply, atr, atr_len);
            *reply_len = atr_len;
            return AW_OK;
        }
        default:
            return AW_ERR_ARGUMENT;
        }
    }
    euicc_card_transmit(card, msg, len, reply, reply_cap, reply_len);
    return *reply_len >= 2 ? AW_OK : AW_ERR_BUFFER_TOO_SMALL;
}

static aw_err read_exact(int fd, uint8_t *buf, size_t len, bool *eof)
{
    size_t got = 0;
    *eof = false;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return AW_ERR_IO;
        if (n == 0) {
            *eof = got == 0;
            return *eof ? AW_OK : AW_ERR_IO; /* EOF inside a message is an error */
        }
        got += (size_t)n;
    }
    return AW_OK;
}

static aw_err write_exact(int fd, const uint8_t *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = write(fd, buf + sent, len - sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return AW_ERR_IO;
        sent += (size_t)n;
    }
    return AW_OK;
}

static aw_err serve_one(euicc_card *card, int fd, uint8_t *msg, bool *eof)
{
    uint8_t header[2];
    uint8_t reply[2 + EUICC_CARD_RESPONSE_MAX];
    aw_err err = read_exact(fd, header, sizeof(header), eof);
    if (err != AW_OK || *eof)
        return err;
    size_t len = (size_t)header[0] << 8 | header[1];
    if (len == 0 || len > VPCD_MAX_MESSAGE)
        return AW_ERR_ARGUMENT;
    bool short_read;
    err = read_exact(fd, msg, len, &short_read);
    if (err != AW_OK || short_read)
        return AW_ERR_IO;
    size_t reply_len;
    err = euicc_vpcd_handle_message(card, msg, len, reply + 2, sizeof(reply) - 2, &reply_len);
    if (err != AW_OK || reply_len == 0)
        return err;
    reply[0] = (uint8_t)(reply_len >> 8);
    reply[1] = (uint8_t)reply_len;
    return write_exact(fd, reply, 2 + reply_len);
}

aw_err euicc_vpcd_serve(euicc_card *card, int fd)
{
    uint8_t *msg = malloc(VPCD_MAX_MESSAGE);
    if (msg == NULL)
        return AW_ERR_NOMEM;
    aw_err err;
    bool eof = false;
    do
        err = serve_one(card, fd, msg, &eof);
    while (err == AW_OK && !eof);
    free(msg);
    return err;
}

aw_err euicc_vpcd_connect(const char *host, const char *port, int *fd)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
    *fd = -1;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return AW_ERR_IO;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0)
            continue;
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            *fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    return *fd >= 0 ? AW_OK : AW_ERR_IO;
}

aw_err euicc_vpcd_listen(const char *address, const char *port, int *listen_fd)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL, *ai;
    *listen_fd = -1;
    if (getaddrinfo(address, port, &hints, &res) != 0)
        return AW_ERR_IO;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0)
            continue;
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, 1) == 0) {
            *listen_fd = s;
            break;
        }
        close(s);
    }
    freeaddrinfo(res);
    return *listen_fd >= 0 ? AW_OK : AW_ERR_IO;
}
