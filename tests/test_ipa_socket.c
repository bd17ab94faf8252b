/* The IPA's socket transport (src/ipa/socket.c, vsmartcard vpcd framing)
 * against the real airwrite-euicc program (argv[1]) in its --listen mode,
 * with a state holding one profile: session, GetEID, GetProfilesInfo,
 * Enable/Disable, notifications; a reconnect is a fresh power-up. Then
 * the error paths against a fake card in a thread: nothing listening,
 * a listener that never accepts (connect and ATR time out), an ATR that
 * is no ATR, an oversized frame, silence (timeout), a
 * connection closed mid-answer, and bad arguments. */
#include "ipa_testutil.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define ICCID1 "8944500000000000014"

static const char *program;
static test_euicc t;
static pid_t card_pid = -1;
static char port_text[8];

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A loopback listener on a free port chosen by the kernel. */
static int listen_any(unsigned *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(s, 1), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return s;
}

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    uint8_t aid[16];
    const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                             SGP22_NOTIFICATION_ENABLE, 0};
    te_install(&t, &p1, aid);
    te_close(&t);
    unsigned port;
    close(listen_any(&port)); /* free right now; the program binds it */
    snprintf(port_text, sizeof(port_text), "%u", port);
    card_pid = fork();
    assert_true(card_pid >= 0);
    if (card_pid == 0) {
        char endpoint[64];
        snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", port);
        execl(program, "airwrite-euicc", "--state", t.state, "--identity", t.pki, "--listen",
              endpoint, (char *)NULL);
        _exit(102);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (card_pid > 0) {
        kill(card_pid, SIGTERM);
        waitpid(card_pid, NULL, 0);
    }
    te_teardown(&t);
    return 0;
}

static ipa_transport *connect_card(void)
{
    ipa_transport *transport = NULL;
    aw_err err = AW_ERR_IPA_CONNECT;
    for (int i = 0; i < 100 && err == AW_ERR_IPA_CONNECT; i++) {
        err = ipa_transport_open_socket("127.0.0.1", port_text, 5000, &transport);
        if (err == AW_ERR_IPA_CONNECT)
            sleep_ms(50);
    }
    assert_int_equal(err, AW_OK);
    return transport;
}

static void test_es10_over_socket(void **state)
{
    (void)state;
    ipa_transport *transport = connect_card();
    ipa *session = NULL;
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    uint8_t eid[SGP22_EID_SIZE];
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    test_assert_hex(eid, sizeof(eid), AW_PKI_DEFAULT_EID);
    sgp22_profile_info_list_response profiles;
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    assert_int_equal(profiles.profile_info_list_ok.count, 1);
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID1, iccid);
    sgp22_profile_identifier id = {SGP22_PROFILE_IDENTIFIER_ICCID, {iccid, sizeof(iccid)}};
    int64_t result;
    assert_int_equal(ipa_es10c_enable_profile(session, &id, false, &result), AW_OK);
    assert_int_equal(result, SGP22_ENABLE_RESULT_OK);
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, SGP22_NOTIFICATION_ENABLE, &list),
                     AW_OK);
    assert_int_equal(list.notification_metadata_list.count, 1);
    /* a second session on the same card gets its own channel */
    ipa *second = NULL;
    assert_int_equal(ipa_open(transport, NULL, &second), AW_OK);
    assert_int_not_equal(ipa_channel(second), ipa_channel(session));
    ipa_close(second);
    ipa_close(session);
    ipa_transport_close(transport);

    /* reconnecting powers the card up again: state kept, channels fresh */
    transport = connect_card();
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    assert_int_equal(ipa_channel(session), 1);
    assert_int_equal(ipa_es10c_disable_profile(session, &id, false, &result), AW_OK);
    assert_int_equal(result, SGP22_DISABLE_RESULT_OK);
    ipa_close(session);
    ipa_transport_close(transport);
}

/* ---- a fake card that misbehaves ---------------------------------------- */

typedef enum fake_mode { FAKE_NOT_ATR, FAKE_OVERSIZED, FAKE_SILENT, FAKE_HANGUP } fake_mode;

typedef struct fake_card {
    int listener;
    fake_mode mode;
    pthread_t thread;
} fake_card;

static void read_frame(int fd)
{
    uint8_t header[2], body[600];
    if (recv(fd, header, 2, MSG_WAITALL) != 2)
        return;
    size_t n = (size_t)header[0] << 8 | header[1];
    if (n <= sizeof(body))
        assert_int_equal(recv(fd, body, n, MSG_WAITALL), (ssize_t)n);
}

static void *fake_run(void *arg)
{
    fake_card *f = arg;
    int fd = accept(f->listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    read_frame(fd); /* power on */
    read_frame(fd); /* get ATR */
    static const uint8_t not_atr[] = {0x00, 0x02, 0x12, 0x34};
    static const uint8_t atr[] = {0x00, 0x02, 0x3B, 0x00};
    static const uint8_t oversized[] = {0x01, 0x03};
    static const uint8_t half[] = {0x00, 0x04, 0x90};
    switch (f->mode) {
    case FAKE_NOT_ATR:
        assert_int_equal(send(fd, not_atr, sizeof(not_atr), 0), (ssize_t)sizeof(not_atr));
        break;
    case FAKE_OVERSIZED:
    case FAKE_SILENT:
    case FAKE_HANGUP:
        assert_int_equal(send(fd, atr, sizeof(atr), 0), (ssize_t)sizeof(atr));
        read_frame(fd); /* MANAGE CHANNEL */
        if (f->mode == FAKE_OVERSIZED)
            assert_int_equal(send(fd, oversized, sizeof(oversized), 0), 2);
        else if (f->mode == FAKE_HANGUP)
            assert_int_equal(send(fd, half, sizeof(half), 0), 3);
        else
            sleep_ms(400);
        break;
    }
    close(fd);
    return NULL;
}

static void expect_fake(fake_mode mode, aw_err at_open, aw_err at_session)
{
    fake_card f = {.mode = mode};
    unsigned port;
    char text[8];
    f.listener = listen_any(&port);
    snprintf(text, sizeof(text), "%u", port);
    assert_int_equal(pthread_create(&f.thread, NULL, fake_run, &f), 0);
    ipa_transport *transport = NULL;
    assert_int_equal(ipa_transport_open_socket("127.0.0.1", text, 200, &transport), at_open);
    if (at_open == AW_OK) {
        ipa *session = NULL;
        assert_int_equal(ipa_open(transport, NULL, &session), at_session);
        ipa_transport_close(transport);
    }
    pthread_join(f.thread, NULL);
    close(f.listener);
}

static void test_socket_errors(void **state)
{
    (void)state;
    ipa_transport *transport = (ipa_transport *)&t;
    unsigned port;
    char text[8];
    close(listen_any(&port)); /* nothing listens there now */
    snprintf(text, sizeof(text), "%u", port);
    assert_int_equal(ipa_transport_open_socket("127.0.0.1", text, 200, &transport),
                     AW_ERR_IPA_CONNECT);
    assert_null(transport);
    assert_int_equal(ipa_transport_open_socket("no-such-host.invalid", "1", 200, &transport),
                     AW_ERR_IPA_CONNECT);
    assert_int_equal(ipa_transport_open_socket(NULL, "1", 200, &transport), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_transport_open_socket("127.0.0.1", "1", 0, &transport),
                     AW_ERR_ARGUMENT);
    /* a listener whose backlog is full: the handshake is never answered */
    int full = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sin_len = sizeof(sin);
    assert_int_equal(bind(full, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(full, 0), 0);
    assert_int_equal(getsockname(full, (struct sockaddr *)&sin, &sin_len), 0);
    snprintf(text, sizeof(text), "%u", ntohs(sin.sin_port));
    /* the first connections queue and wait for an ATR that never comes;
     * once the queue is full the connect itself times out */
    for (int i = 0; i < 4; i++)
        assert_int_equal(ipa_transport_open_socket("127.0.0.1", text, 200, &transport),
                         AW_ERR_IPA_TIMEOUT);
    close(full);
    expect_fake(FAKE_NOT_ATR, AW_ERR_IPA_PROTOCOL, AW_OK);
    expect_fake(FAKE_OVERSIZED, AW_OK, AW_ERR_IPA_PROTOCOL);
    expect_fake(FAKE_SILENT, AW_OK, AW_ERR_IPA_TIMEOUT);
    expect_fake(FAKE_HANGUP, AW_OK, AW_ERR_IPA_PROTOCOL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ipa_socket PATH-TO-airwrite-euicc\n");
        return 1;
    }
    program = argv[1];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_es10_over_socket),
        cmocka_unit_test(test_socket_errors),
    };
    return cmocka_run_group_tests_name("ipa_socket", tests, setup, teardown);
}
