/* The IPA sends the notifications left pending on the eUICC (src/ipa/
 * notification.c; SGP.22 3.5: ES10b.ListNotification, RetrieveNotifications-
 * List, HandleNotification, RemoveNotificationFromList only once accepted)
 * with airwrite's SM-DP+ and eIM on loopback (eim_relay_testutil.h) and the
 * software eUICC. A relayed download leaves its PIR pending, as an IPA
 * restarted between the installation and the notification would:
 * - direct, from the poll loop (a fresh poller, as after a restart): the
 *   SM-DP+ unreachable, the PIR stays on the eUICC; reachable, the next
 *   cycle delivers it, removes it, and the SM-DP+ records the installation;
 * - indirect, through the eIM: the eIM unable to hold it (its database
 *   refusing, the SM-DP+ down) answers 500 and the PIR stays; then, in a
 *   poll cycle, the eIM holds it (204), the PIR is removed, and the eIM's
 *   forwarder delivers it;
 *   A cycle whose GetEimPackage fails still sends them;
 * - the card's answers by script: list errors, a notification gone
 *   meanwhile, one that does not decode, an empty list, a removal the
 *   eUICC refuses after the eIM took it; and the arguments (the poll
 *   loop's cycle ends with the hook's error).
 * Argument: sqlite (or postgresql through tests/pg-harness.sh). */
#include "notify_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "core/hex.h"
#include "ipa/notification.h"
#include "ipa_testutil.h"

static relay_harness h;
static card_transport *transport;
static ipa *session;
static char ca[200];
static ipa_download_config config;
static ipa_smdp_route route;

static int setup(void **state)
{
    (void)state;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    transport = card_transport_new(h.smdp.device.t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    snprintf(ca, sizeof(ca), "%s/ci.pem", h.smdp.device.t.pki);
    memset(&config, 0, sizeof(config));
    config.smdp_ca_file = ca;
    route = (ipa_smdp_route){LPA_SMDP_ADDRESS, h.smdp_url};
    config.smdp_routes = &route;
    config.smdp_route_count = 1;
    config.eim_url = h.json_base;
    config.eim_ca_file = ca;
    config.timeout_ms = 20000;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipa_close(session);
    ipa_transport_close(&transport->base);
    relay_close(&h);
    return 0;
}

static size_t pending_on_euicc(void)
{
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, 0, &list), AW_OK);
    assert_int_equal(list.kind, SGP22_NOTIFICATION_LIST_OK);
    return list.notification_metadata_list.count;
}

static ipa_esipa *eim_client(void)
{
    ipa_esipa_config ec = {.eim_url = h.json_base, .ca_file = ca, .timeout_ms = 20000};
    ipa_esipa *client = NULL;
    assert_int_equal(ipa_esipa_new(&ec, &client), AW_OK);
    return client;
}

/* One poll cycle of a freshly started IPA. */
static void poll_once(ipa_esipa *esipa, const ipa_notification_config *nc,
                      ipa_poll_report *report)
{
    ipa_poll_config pc = {.session = session, .esipa = esipa,
                          .notifications = {ipa_notifications_hook, (void *)nc}};
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&pc, &poller), AW_OK);
    assert_int_equal(ipa_poll_once(poller, report), AW_OK);
    assert_int_equal(report->event, IPA_POLL_NO_PACKAGE);
    ipa_poller_free(poller);
}

/* (c) direct: kept while the SM-DP+ is away, delivered by the next cycle. */
static void test_poll_direct(void **state)
{
    (void)state;
    uint8_t tid[16];
    size_t tid_len = 0, pir_len = 0;
    uint8_t *pir = notify_download(&h, NULL, tid, &tid_len, &pir_len);
    assert_int_equal(pending_on_euicc(), 1);
    assert_int_not_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);
    ipa_esipa *esipa = eim_client();
    ipa_notification_config nc = {.mode = IPA_DOWNLOAD_DIRECT, .download = &config};
    ipa_poll_report report;

    route.url = h.dead_url;
    poll_once(esipa, &nc, &report);
    assert_int_equal(report.notifications_sent, 0);
    assert_int_equal(report.notifications_kept, 1);
    assert_int_equal(pending_on_euicc(), 1);
    assert_int_not_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);

    /* the SM-DP+ back, the eIM away: the cycle fails, the PIR goes all
     * the same */
    route.url = h.smdp_url;
    ipa_esipa_config away = {.eim_url = h.dead_url, .ca_file = ca, .timeout_ms = 20000};
    ipa_esipa *unreachable = NULL;
    assert_int_equal(ipa_esipa_new(&away, &unreachable), AW_OK);
    ipa_poll_config pc = {.session = session, .esipa = unreachable,
                          .notifications = {ipa_notifications_hook, &nc}};
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&pc, &poller), AW_OK);
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_HTTP_CONNECT);
    ipa_poller_free(poller);
    ipa_esipa_free(unreachable);
    assert_int_equal(report.notifications_sent, 1);
    assert_int_equal(report.notifications_kept, 0);
    assert_int_equal(pending_on_euicc(), 0);
    assert_int_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);

    /* nothing left: nothing sent */
    poll_once(esipa, &nc, &report);
    assert_int_equal(report.notifications_sent + report.notifications_kept, 0);
    ipa_esipa_free(esipa);
    free(pir);
}

static size_t held_by_eim(eim_notification_status status)
{
    eim_notification_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_notification_list(h.db, status, 0, 10, &records, &count), AW_OK);
    free(records);
    return count;
}

/* (b) indirect: the eIM that cannot hold it answers an error; kept. */
static void test_indirect_through_eim(void **state)
{
    (void)state;
    uint8_t tid[16];
    size_t tid_len = 0, pir_len = 0;
    uint8_t *pir = notify_download(&h, NULL, tid, &tid_len, &pir_len);
    ipa_esipa *esipa = eim_client();
    ipa_notification_config nc = {.mode = IPA_DOWNLOAD_INDIRECT, .esipa = esipa};
    ipa_notification_report report;

    h.routes[0].base_url = h.dead_url;
    notify_refuse_inserts(&h, "eim_notification_queue", true);
    assert_int_equal(ipa_notifications_send_pending(session, &nc, &report), AW_OK);
    assert_int_equal(report.pending, 1);
    assert_int_equal(report.sent, 0);
    assert_int_equal(report.kept, 1);
    assert_int_equal(report.last_error, AW_ERR_IPA_ESIPA_HTTP_STATUS);
    assert_int_equal(pending_on_euicc(), 1);
    assert_int_equal(held_by_eim(EIM_NOTIFICATION_PENDING), 0);

    /* the eIM holds it now: the next poll cycle has it accepted and
     * removes it from the eUICC */
    notify_refuse_inserts(&h, "eim_notification_queue", false);
    ipa_poll_report cycle;
    poll_once(esipa, &nc, &cycle);
    assert_int_equal(cycle.notifications_sent, 1);
    assert_int_equal(cycle.notifications_kept, 0);
    assert_int_equal(pending_on_euicc(), 0);
    assert_int_equal(held_by_eim(EIM_NOTIFICATION_PENDING), 1);
    assert_int_not_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);

    /* and forwards it once the SM-DP+ is back */
    h.routes[0].base_url = h.smdp_url;
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    notify_library_relay(&h, 0, 0, &relay, &trust);
    eim_context context = {.db = h.db, .trust = trust};
    eim_notification_stats stats = {0};
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10,
                                                  db_clock_ms() + 24 * 3600 * 1000LL, &stats),
                     AW_OK);
    assert_int_equal(stats.forwarded, 1);
    assert_int_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);
    eim_relay_free(relay);
    pki_trust_store_free(trust);
    ipa_esipa_free(esipa);
    free(pir);
}

/* What the IPA's own configuration lacks. */
static void test_arguments(void **state)
{
    (void)state;
    ipa_notification_report report;
    ipa_download_config no_ca = config;
    no_ca.smdp_ca_file = NULL;
    const ipa_notification_config bad[] = {
        {.mode = IPA_DOWNLOAD_INDIRECT},
        {.mode = IPA_DOWNLOAD_DIRECT},
        {.mode = IPA_DOWNLOAD_DIRECT, .download = &no_ca},
        {.mode = (ipa_download_mode)7, .download = &config},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ipa_notifications_send_pending(session, &bad[i], &report),
                         AW_ERR_ARGUMENT);
    assert_int_equal(ipa_notifications_send_pending(session, NULL, NULL), AW_ERR_ARGUMENT);
    ipa_notification_config good = {.mode = IPA_DOWNLOAD_DIRECT, .download = &config};
    assert_int_equal(ipa_notifications_send_pending(NULL, &good, NULL), AW_ERR_ARGUMENT);
    size_t sent = 9, kept = 9;
    assert_int_equal(ipa_notifications_hook(NULL, session, &sent, &kept), AW_ERR_ARGUMENT);
    assert_int_equal(sent + kept, 0);
    /* the poll loop ends its cycle with the hook's error */
    ipa_esipa *esipa = eim_client();
    ipa_poll_config pc = {.session = session, .esipa = esipa,
                          .notifications = {ipa_notifications_hook, NULL}};
    ipa_poller *poller = NULL;
    ipa_poll_report poll;
    assert_int_equal(ipa_poller_new(&pc, &poller), AW_OK);
    assert_int_equal(ipa_poll_once(poller, &poll), AW_ERR_ARGUMENT);
    ipa_poller_free(poller);
    ipa_esipa_free(esipa);
}

/* ListNotification with one notification (seqNumber 5, install, "abc"). */
#define LIST_ONE "BF2811 A00F BF2F0C 800105 81020780 0C03616263 9000"

/* The card's answers that end the sending: the error and what was sent. */
static void expect_card(const char *const *answers, aw_err expected, size_t pending)
{
    script_transport card;
    script_init(&card, answers);
    ipa *scripted = NULL;
    assert_int_equal(ipa_open(&card.base, NULL, &scripted), AW_OK);
    ipa_notification_config nc = {.mode = IPA_DOWNLOAD_DIRECT, .download = &config};
    ipa_notification_report report;
    assert_int_equal(ipa_notifications_send_pending(scripted, &nc, &report), expected);
    assert_int_equal(report.pending, pending);
    assert_int_equal(report.sent + report.kept + report.removed, 0);
    ipa_close(scripted); /* MANAGE CHANNEL close: the script's last answer */
    assert_null(answers[card.next]); /* every answer was asked for */
    test_log_clear(&card.log);
}

/* A PIR the eIM takes (to LPA_SMDP_ADDRESS, of no download it relayed:
 * forwarded as it is) but the eUICC does not delete: sent, not removed. */
static void test_remove_refused(void **state)
{
    (void)state;
    static const uint8_t tid[16] = {7, 7, 7};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x12, 0x00};
    uint8_t signature[64];
    memset(signature, 0x5A, sizeof(signature));
    sgp22_notification_metadata m;
    memset(&m, 0, sizeof(m));
    m.seq_number = 5;
    m.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    m.notification_address = (aw_slice){(const uint8_t *)LPA_SMDP_ADDRESS,
                                        strlen(LPA_SMDP_ADDRESS)};
    uint8_t *m_der = NULL, *pir_der = NULL, *list = NULL, *retrieved = NULL;
    size_t m_len = 0, pir_len = 0, list_len = 0, retrieved_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&m, &m_der, &m_len), AW_OK);
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){tid, sizeof(tid)};
    pir.data.notification_metadata = (aw_slice){m_der, m_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    pir.data.success.aid = (aw_slice){aid, sizeof(aid)};
    pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &pir_der, &pir_len), AW_OK);
    sgp22_list_notification_response lr;
    memset(&lr, 0, sizeof(lr));
    lr.kind = SGP22_NOTIFICATION_LIST_OK;
    lr.notification_metadata_list.items = &m;
    lr.notification_metadata_list.count = 1;
    assert_int_equal(sgp22_encode_list_notification_response(&lr, &list, &list_len), AW_OK);
    sgp22_pending_notification item = {.kind = SGP22_PENDING_PROFILE_INSTALLATION_RESULT,
                                       .profile_installation_result = {pir_der, pir_len}};
    sgp22_retrieve_notifications_list_response rr;
    memset(&rr, 0, sizeof(rr));
    rr.kind = SGP22_NOTIFICATION_LIST_OK;
    rr.notification_list.items = &item;
    rr.notification_list.count = 1;
    assert_int_equal(sgp22_encode_retrieve_notifications_list_response(&rr, &retrieved,
                                                                       &retrieved_len),
                     AW_OK);
    char list_hex[2 * 256 + 5], retrieved_hex[2 * 256 + 5];
    assert_true(list_len < 256 && retrieved_len < 256);
    aw_hex_encode(list, list_len, list_hex, true);
    strcat(list_hex, "9000");
    aw_hex_encode(retrieved, retrieved_len, retrieved_hex, true);
    strcat(retrieved_hex, "9000");
    /* NotificationSent: nothingToDelete */
    const char *const answers[] = {"01 9000", "9000", list_hex, retrieved_hex,
                                   "BF3003 800101 9000", "9000", NULL};
    script_transport card;
    script_init(&card, answers);
    ipa *scripted = NULL;
    assert_int_equal(ipa_open(&card.base, NULL, &scripted), AW_OK);
    ipa_esipa *esipa = eim_client();
    ipa_notification_config nc = {.mode = IPA_DOWNLOAD_INDIRECT, .esipa = esipa};
    ipa_notification_report report;
    assert_int_equal(ipa_notifications_send_pending(scripted, &nc, &report), AW_OK);
    assert_int_equal(report.pending, 1);
    assert_int_equal(report.sent, 1);
    assert_int_equal(report.removed, 0);
    assert_int_equal(report.kept, 0);
    ipa_close(scripted);
    assert_null(answers[card.next]);
    test_log_clear(&card.log);
    bool forwarded = false;
    assert_int_equal(eim_notification_forwarded(h.db, "transaction:07070700000000000000000000000000",
                                                5, &forwarded),
                     AW_OK);
    assert_true(forwarded);
    ipa_esipa_free(esipa);
    free(list);
    free(retrieved);
    free(pir_der);
    free(m_der);
}

static void test_card_answers(void **state)
{
    (void)state;
    /* listNotificationsResultError undefinedError */
    static const char *const list_error[] = {"01 9000", "9000", "BF2803 81017F 9000", "9000", NULL};
    expect_card(list_error, AW_ERR_IPA_PROTOCOL, 0);
    /* notificationsListResultError */
    static const char *const retrieve_error[] = {"01 9000", "9000", LIST_ONE,
                                                 "BF2B03 81017F 9000", "9000", NULL};
    expect_card(retrieve_error, AW_ERR_IPA_PROTOCOL, 1);
    /* no longer pending: nothing to send */
    static const char *const gone[] = {"01 9000", "9000", LIST_ONE, "BF2B02 A000 9000", "9000", NULL};
    expect_card(gone, AW_OK, 1);
    /* a PendingNotification that is none: the codec refuses it */
    static const char *const malformed[] = {"01 9000", "9000", LIST_ONE, "BF2B04 A002 3000 9000",
                                            "9000", NULL};
    expect_card(malformed, AW_ERR_DER_MISSING, 1);
    /* a ProfileInstallationResult that does not decode */
    static const char *const bad_pir[] = {"01 9000", "9000", LIST_ONE,
                                          "BF2B07 A005 BF37023000 9000", "9000", NULL};
    expect_card(bad_pir, AW_ERR_IPA_PROTOCOL, 1);
    /* nothing pending: one command */
    static const char *const empty[] = {"01 9000", "9000", "BF2802 A000 9000", "9000", NULL};
    expect_card(empty, AW_OK, 0);
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_ipa_notification");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_poll_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_through_eim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_refused, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
