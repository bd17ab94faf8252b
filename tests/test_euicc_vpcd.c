/* Tests for the vpcd transport (src/euicc/vpcd.c): message handling, and a
 * real stream: a forked card process served over a socket pair. */
#include "testutil.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "euicc/vpcd.h"

#define ISDR "A0000005591010FFFFFFFF8900000100"

static void count_reset(void *ctx)
{
    (*(unsigned *)ctx)++;
}

static void test_handle_messages(void **state)
{
    (void)state;
    euicc_card card;
    unsigned resets = 0;
    euicc_card_init(&card, EUICC_PROTOCOL_T1, NULL, NULL);
    euicc_card_set_reset_hook(&card, count_reset, &resets);
    uint8_t reply[EUICC_CARD_RESPONSE_MAX];
    size_t n;
    static const uint8_t on[] = {EUICC_VPCD_POWER_ON}, atr[] = {EUICC_VPCD_GET_ATR},
                         bad[] = {0x03};
    assert_int_equal(euicc_vpcd_handle_message(&card, on, 1, reply, sizeof(reply), &n), AW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(resets, 1); /* the layers above are told of the reset */
    assert_int_equal(euicc_vpcd_handle_message(&card, atr, 1, reply, sizeof(reply), &n), AW_OK);
    size_t atr_len;
    const uint8_t *expected = euicc_card_atr(&atr_len);
    assert_int_equal(n, atr_len);
    assert_memory_equal(reply, expected, atr_len);
    assert_int_equal(euicc_vpcd_handle_message(&card, atr, 1, reply, 4, &n), AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(euicc_vpcd_handle_message(&card, bad, 1, reply, sizeof(reply), &n),
                     AW_ERR_ARGUMENT);
    assert_int_equal(euicc_vpcd_handle_message(&card, bad, 0, reply, sizeof(reply), &n),
                     AW_ERR_ARGUMENT);
    /* an APDU opens a channel; power off resets it */
    static const uint8_t open_channel[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    assert_int_equal(euicc_vpcd_handle_message(&card, open_channel, sizeof(open_channel), reply,
                                               sizeof(reply), &n), AW_OK);
    test_assert_hex(reply, n, "019000");
    static const uint8_t off[] = {EUICC_VPCD_POWER_OFF};
    assert_int_equal(euicc_vpcd_handle_message(&card, off, 1, reply, sizeof(reply), &n), AW_OK);
    assert_false(card.channels[1].open);
    assert_int_equal(resets, 2);
    euicc_card_free(&card);
}

static void send_message(int fd, const char *hex)
{
    size_t len;
    uint8_t *body = test_hex(hex, &len);
    uint8_t header[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    assert_int_equal(write(fd, header, 2), 2);
    assert_int_equal(write(fd, body, len), (ssize_t)len);
    free(body);
}

static void expect_message(int fd, const char *hex)
{
    uint8_t header[2], body[512];
    assert_int_equal(read(fd, header, 2), 2);
    size_t len = (size_t)header[0] << 8 | header[1];
    assert_true(len <= sizeof(body));
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, body + got, len - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    test_assert_hex(body, len, hex);
}

/* Fork a card process serving one end of a socket pair; returns its pid. */
static pid_t start_card(int *reader_fd)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        euicc_card card;
        euicc_card_init(&card, EUICC_PROTOCOL_T1, NULL, NULL);
        aw_err err = euicc_vpcd_serve(&card, sv[1]);
        euicc_card_free(&card);
        _exit((int)err);
    }
    close(sv[1]);
    *reader_fd = sv[0];
    return pid;
}

static int wait_card(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_serve_stream(void **state)
{
    (void)state;
    int fd;
    pid_t pid = start_card(&fd);
    send_message(fd, "01"); /* power on: no reply */
    send_message(fd, "04"); /* ATR */
    size_t atr_len;
    const uint8_t *atr = euicc_card_atr(&atr_len);
    char atr_hex[2 * 64 + 1];
    aw_hex_encode(atr, atr_len, atr_hex, true);
    expect_message(fd, atr_hex);
    send_message(fd, "00A4040C10" ISDR);
    expect_message(fd, "9000");
    send_message(fd, "80E2910003BF2E0000"); /* no ISD-R handler in this card */
    expect_message(fd, "6D00");
    close(fd);
    assert_int_equal(wait_card(pid), AW_OK);
}

static void test_serve_refuses_bad_stream(void **state)
{
    (void)state;
    int fd;
    pid_t pid = start_card(&fd);
    static const uint8_t empty[] = {0x00, 0x00};
    assert_int_equal(write(fd, empty, 2), 2);
    assert_int_equal(wait_card(pid), AW_ERR_ARGUMENT);
    close(fd);

    pid = start_card(&fd);
    static const uint8_t cut[] = {0x00, 0x05, 0x00, 0xA4}; /* message cut short */
    assert_int_equal(write(fd, cut, sizeof(cut)), (ssize_t)sizeof(cut));
    close(fd);
    assert_int_equal(wait_card(pid), AW_ERR_IO);

    pid = start_card(&fd);
    send_message(fd, "07"); /* unknown control code */
    assert_int_equal(wait_card(pid), AW_ERR_ARGUMENT);
    close(fd);
}

static void test_listen_connect(void **state)
{
    (void)state;
    int lfd, cfd;
    assert_int_equal(euicc_vpcd_listen("127.0.0.1", "0", &lfd), AW_OK);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&ss, &sl), 0);
    char port[8];
    snprintf(port, sizeof(port), "%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
    assert_int_equal(euicc_vpcd_connect("127.0.0.1", port, &cfd), AW_OK);
    int afd = accept(lfd, NULL, NULL);
    assert_true(afd >= 0);
    close(afd);
    close(cfd);
    close(lfd);
    assert_int_equal(euicc_vpcd_connect("127.0.0.1", "1", &cfd), AW_ERR_IO); /* nobody there */
    assert_int_equal(cfd, -1);
    assert_int_equal(euicc_vpcd_listen("256.0.0.1", "0", &lfd), AW_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_messages),
        cmocka_unit_test(test_serve_stream),
        cmocka_unit_test(test_serve_refuses_bad_stream),
        cmocka_unit_test(test_listen_connect),
    };
    return cmocka_run_group_tests_name("euicc_vpcd", tests, NULL, NULL);
}
