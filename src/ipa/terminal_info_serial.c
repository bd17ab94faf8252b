/* airwrite IPA: running the terminal information's AT commands (3GPP TS
 * 27.007; V.250 5.7 result codes) on a cellular module's AT port, for
 * ipa_terminal_info_collect. Lines are split by at_parse.c's reader; each
 * reply is read with a deadline. */
#include "ipa/at_parse.h"
#include "ipa/terminal_info.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 5000
#define COMMAND_MAX 64u

struct ipa_terminal_info_serial {
    int fd;
    int timeout_ms;
    ipa_at_line_reader reader;
};

static bool speed_of(unsigned baud, speed_t *out)
{
    static const struct {
        unsigned baud;
        speed_t speed;
    } table[] = {{9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600},
                 {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600}};
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].baud == baud) {
            *out = table[i].speed;
            return true;
        }
    return false;
}

aw_err ipa_terminal_info_serial_open_fd(int fd, int timeout_ms, ipa_terminal_info_serial **out)
{
    *out = NULL;
    if (fd < 0 || timeout_ms < 0)
        return AW_ERR_ARGUMENT;
    ipa_terminal_info_serial *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        close(fd);
        return AW_ERR_NOMEM;
    }
    s->fd = fd;
    s->timeout_ms = timeout_ms != 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    *out = s;
    return AW_OK;
}

aw_err ipa_terminal_info_serial_open(const char *device, unsigned baud, int timeout_ms,
                                     ipa_terminal_info_serial **out)
{
    *out = NULL;
    speed_t speed;
    if (device == NULL || !speed_of(baud != 0 ? baud : 115200u, &speed) || timeout_ms < 0)
        return AW_ERR_ARGUMENT;
    /* O_NONBLOCK: not waiting for carrier detect; cleared once CLOCAL is set */
    int fd = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    struct termios tio;
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (flags < 0 || tcgetattr(fd, &tio) != 0) {
        if (fd >= 0)
            close(fd);
        return AW_ERR_IPA_CONNECT;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        close(fd);
        return AW_ERR_IPA_CONNECT;
    }
    tcflush(fd, TCIOFLUSH);
    return ipa_terminal_info_serial_open_fd(fd, timeout_ms, out);
}

void ipa_terminal_info_serial_close(ipa_terminal_info_serial *serial)
{
    if (serial == NULL)
        return;
    close(serial->fd);
    free(serial);
}

static long remaining_ms(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000L + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

/* One line of the reply: OK / ERROR end it; the command's own "+XXX:"
 * line, or (for commands whose answer has no prefix: +CGSN, +CGMR) the
 * first bare line, is the information. */
static aw_err take_line(const char *command, const char *text, char *info, bool *done)
{
    char prefix[COMMAND_MAX];
    size_t plen = strcspn(command, "=?");
    snprintf(prefix, sizeof(prefix), "%.*s:", (int)plen, command);
    if (strcmp(text, "OK") == 0) {
        *done = true;
        return AW_OK;
    }
    if (strcmp(text, "ERROR") == 0 || strncmp(text, "+CME ERROR:", 11) == 0) {
        *done = true;
        return AW_ERR_IPA_MODEM_ERROR;
    }
    if (strncmp(text, "AT", 2) == 0)
        return AW_OK; /* echo */
    bool ours = strncmp(text, prefix, strlen(prefix)) == 0;
    if (text[0] == '+' && !ours)
        return AW_OK; /* an unsolicited result code */
    if (info[0] == '\0')
        memcpy(info, text, strlen(text) + 1);
    return AW_OK;
}

aw_err ipa_terminal_info_serial_command(void *userdata, const char *command,
                                        char line[IPA_TERMINAL_INFO_LINE_MAX + 1])
{
    ipa_terminal_info_serial *s = userdata;
    line[0] = '\0';
    char text[COMMAND_MAX + 4];
    if (s == NULL || command == NULL || strlen(command) >= COMMAND_MAX)
        return AW_ERR_ARGUMENT;
    int n = snprintf(text, sizeof(text), "AT%s\r", command);
    tcflush(s->fd, TCIFLUSH); /* a late answer to an earlier command is not this one's */
    for (int sent = 0; sent < n;) {
        ssize_t w = write(s->fd, text + sent, (size_t)(n - sent));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return AW_ERR_IO;
        sent += (int)w;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += s->timeout_ms / 1000;
    deadline.tv_nsec += (long)(s->timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    ipa_at_line_reader_init(&s->reader);
    char info[IPA_TERMINAL_INFO_LINE_MAX + 1] = "";
    unsigned lines = 0;
    aw_err err = AW_OK;
    bool done = false;
    while (err == AW_OK && !done) {
        long wait = remaining_ms(&deadline);
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int ready = wait > 0 ? poll(&p, 1, (int)wait) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            return AW_ERR_IPA_TIMEOUT;
        uint8_t chunk[256];
        ssize_t got = ready < 0 ? -1 : read(s->fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return AW_ERR_IO;
        for (ssize_t i = 0; i < got && err == AW_OK && !done; i++) {
            bool complete = false;
            err = ipa_at_line_reader_feed(&s->reader, chunk[i], &complete);
            if (err == AW_OK && complete && ++lines > IPA_AT_REPLY_LINES_MAX)
                err = AW_ERR_IPA_PROTOCOL;
            if (err == AW_OK && complete)
                err = take_line(command, s->reader.line, info, &done);
        }
    }
    if (err == AW_OK)
        memcpy(line, info, strlen(info) + 1);
    return err;
}
