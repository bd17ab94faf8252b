/* Notifications the eIM holds when it cannot forward them at once
 * (src/eim/notification_queue.c, notification_forward.c, relay_notify.c;
 * SGP.32 6.3.2.4 ESipa.HandleNotification relayed by ES9+.HandleNotification,
 * SGP.22 3.5): the real SM-DP+ and eIM on loopback (eim_relay_testutil.h),
 * a relayed download whose PIR reaches the eIM while the SM-DP+ is down.
 * - The eIM answers 204 and holds the PIR; it records the installation
 *   itself at once; the PIR sent again is held once, never forwarded
 *   twice; when the SM-DP+ is back, the server's forwarder takes it there
 *   and the SM-DP+ records the installation; sent once more, a replay.
 * - The eIM's database refusing to hold it (or to take its arrival): the
 *   IPA gets HTTP 500 (it keeps the notification), nothing is recorded
 *   half; the next arrival does it all.
 * - A receiver that stays down: retried with backoff until the attempts
 *   are used up, then dead; `airwrite-eim notifications` lists it,
 *   `airwrite-eim notification-replay` gives it to the forwarder again,
 *   which delivers it; a replay of what is not dead is refused.
 * - A job naming no held notification dies; arguments are checked.
 * Arguments: sqlite or postgresql (through tests/pg-harness.sh), and the
 * airwrite-eim binary. */
#include "notify_testutil.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/thread.h>

#include "core/db_queue.h"
#include "eim/eim_internal.h"

#define DAY_MS (24 * 3600 * 1000LL)

static const char *cli;

static size_t count_status(db_connection *db, eim_notification_status status)
{
    eim_notification_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_notification_list(db, status, 0, 10, &records, &count), AW_OK);
    free(records);
    return count;
}

static bool forwarded(relay_harness *h, int64_t seq)
{
    bool done = false;
    assert_int_equal(eim_notification_forwarded(h->db, AW_PKI_DEFAULT_EID, seq, &done), AW_OK);
    return done;
}

static int64_t jobs_of_queue(db_connection *db)
{
    int64_t total = 0;
    for (int state = DB_JOB_READY; state <= DB_JOB_DEAD; state++) {
        int64_t n = 0;
        assert_int_equal(db_queue_count(db, EIM_NOTIFICATION_QUEUE, (db_job_state)state, &n),
                         AW_OK);
        total += n;
    }
    return total;
}

/* (a) SM-DP+ down: held, forwarded by the server's forwarder once it is up. */
static void test_held_until_smdp_up(void **state)
{
    (void)state;
    relay_harness h;
    relay_tuning tuning = {.notification_poll_ms = 50, .notification_retry_ms = 200};
    relay_open_tuned(&h, AW_PKI_CURVE_NIST_P256, &tuning);
    uint8_t tid[16];
    size_t tid_len = 0, pir_len = 0;
    int64_t trigger = 0;
    uint8_t *pir = notify_download(&h, &trigger, tid, &tid_len, &pir_len);
    int64_t seq = notify_seq_number(pir, pir_len);
    smdp_state before = notify_smdp_state(&h);
    assert_int_not_equal(before, SMDP_STATE_INSTALLED);

    h.routes[0].base_url = h.dead_url; /* the SM-DP+ cannot be reached */
    assert_int_equal(notify_post(&h, pir, pir_len), 204);
    /* the eIM's own record of the result, at once */
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_INSTALLED);
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_int_equal(packages[0].package_id, trigger);
    assert_int_equal(packages[0].state, EIM_PACKAGE_DONE);
    eim_package_records_free(packages, count);
    /* held, not forwarded, the SM-DP+ none the wiser */
    eim_notification_record *held = NULL;
    assert_int_equal(eim_notification_list(h.db, EIM_NOTIFICATION_PENDING, 0, 10, &held, &count),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(held[0].identity, AW_PKI_DEFAULT_EID);
    assert_int_equal(held[0].seq_number, seq);
    assert_string_equal(held[0].address, LPA_SMDP_ADDRESS);
    free(held);
    assert_false(forwarded(&h, seq));
    assert_int_equal(notify_smdp_state(&h), before);

    /* sent again: the same answer, held once */
    assert_int_equal(notify_post(&h, pir, pir_len), 204);
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    notify_library_relay(&h, 0, 0, &relay, &trust);
    aw_err verdict = AW_OK;
    assert_int_equal(notify_serve(&h, relay, trust, pir, pir_len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_NOTIFICATION_HELD);
    assert_int_equal(jobs_of_queue(h.db), 1);

    /* the SM-DP+ back: the forwarder delivers it */
    h.routes[0].base_url = h.smdp_url;
    for (int i = 0; i < 600 && !forwarded(&h, seq); i++)
        usleep(50 * 1000);
    assert_true(forwarded(&h, seq));
    assert_int_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_FORWARDED), 1);
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_PENDING), 0);
    int64_t done = 0;
    assert_int_equal(db_queue_count(h.db, EIM_NOTIFICATION_QUEUE, DB_JOB_DONE, &done), AW_OK);
    assert_int_equal(done, 1);

    /* once more: a replay, nothing forwarded, nothing held */
    assert_int_equal(notify_serve(&h, relay, trust, pir, pir_len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_RESULT_REPLAY);
    assert_int_equal(notify_post(&h, pir, pir_len), 204);
    assert_int_equal(jobs_of_queue(h.db), 1);

    eim_relay_free(relay);
    pki_trust_store_free(trust);
    free(pir);
    relay_close(&h);
}

/* (b) the eIM's database refusing: an error, so the IPA keeps it. */
static void test_store_refused(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    uint8_t tid[16];
    size_t tid_len = 0, pir_len = 0;
    int64_t trigger = 0;
    uint8_t *pir = notify_download(&h, &trigger, tid, &tid_len, &pir_len);
    int64_t seq = notify_seq_number(pir, pir_len);
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    notify_library_relay(&h, 0, 0, &relay, &trust);
    aw_err verdict = AW_OK;

    /* its arrival cannot be written: nothing recorded */
    notify_refuse_inserts(&h, "eim_notifications", true);
    assert_int_equal(notify_post(&h, pir, pir_len), 500);
    assert_true(eim_internal_failure(notify_serve(&h, relay, trust, pir, pir_len, &verdict)));
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_BPP_SENT);
    notify_refuse_inserts(&h, "eim_notifications", false);

    /* the SM-DP+ down and the hold refused: 500, nothing held */
    h.routes[0].base_url = h.dead_url;
    notify_refuse_inserts(&h, "eim_notification_queue", true);
    assert_int_equal(notify_post(&h, pir, pir_len), 500);
    assert_true(eim_internal_failure(notify_serve(&h, relay, trust, pir, pir_len, &verdict)));
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_PENDING), 0);
    assert_int_equal(jobs_of_queue(h.db), 0);
    assert_false(forwarded(&h, seq));
    /* its arrival was recorded, once */
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_INSTALLED);
    notify_refuse_inserts(&h, "eim_notification_queue", false);

    /* the IPA's next attempt, the SM-DP+ up: forwarded at once */
    h.routes[0].base_url = h.smdp_url;
    assert_int_equal(notify_post(&h, pir, pir_len), 204);
    assert_true(forwarded(&h, seq));
    assert_int_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);
    assert_int_equal(jobs_of_queue(h.db), 0);

    eim_relay_free(relay);
    pki_trust_store_free(trust);
    free(pir);
    relay_close(&h);
}

/* Run the CLI; its exit status, its standard output in out. */
static int run_cli(char *out, size_t cap, const char *arguments)
{
    char command[3200];
    snprintf(command, sizeof(command), "'%s' %s 2>/dev/null", cli, arguments);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t n = fread(out, 1, cap - 1, pipe);
    out[n] = '\0';
    int status = pclose(pipe);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* (d) dead after its attempts, listed and replayed by the CLI. */
static void test_dead_and_replayed(void **state)
{
    (void)state;
    relay_harness h;
    /* the server's own forwarder never finds these due: the test drives
     * eim_notification_forward_due with its own clock */
    relay_tuning tuning = {.notification_retry_ms = 3600 * 1000};
    relay_open_tuned(&h, AW_PKI_CURVE_NIST_P256, &tuning);
    uint8_t tid[16];
    size_t tid_len = 0, pir_len = 0;
    int64_t trigger = 0;
    uint8_t *pir = notify_download(&h, &trigger, tid, &tid_len, &pir_len);
    int64_t seq = notify_seq_number(pir, pir_len);
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    notify_library_relay(&h, 3, 3600 * 1000, &relay, &trust);
    eim_context context = {.db = h.db, .trust = trust};
    aw_err verdict = AW_OK;

    h.routes[0].base_url = h.dead_url;
    assert_int_equal(notify_serve(&h, relay, trust, pir, pir_len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_ERR_HTTP_CONNECT);
    int64_t now = db_clock_ms();
    for (int attempt = 1; attempt <= 3; attempt++) {
        eim_notification_stats stats = {0};
        assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10,
                                                      now + attempt * DAY_MS, &stats),
                         AW_OK);
        assert_int_equal(stats.forwarded, 0);
        assert_int_equal(stats.retrying, attempt < 3 ? 1 : 0);
        assert_int_equal(stats.dead, attempt < 3 ? 0 : 1);
    }
    eim_notification_record *dead = NULL;
    size_t count = 0;
    assert_int_equal(eim_notification_list(h.db, EIM_NOTIFICATION_DEAD, 0, 10, &dead, &count),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(dead[0].attempts, 3);
    assert_int_equal(dead[0].last_error, AW_ERR_HTTP_CONNECT);
    assert_int_equal(dead[0].seq_number, seq);
    int64_t id = dead[0].id;
    free(dead);
    /* dead: nothing more is tried */
    eim_notification_stats stats = {0};
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10, now + 9 * DAY_MS,
                                                  &stats),
                     AW_OK);
    assert_int_equal(stats.forwarded + stats.retrying + stats.dead, 0);

    /* the operator's view and replay */
    char out[4096], arguments[2600], expect[160];
    snprintf(arguments, sizeof(arguments), "notifications --db '%s'", eim_test_database.url);
    assert_int_equal(run_cli(out, sizeof(out), arguments), 0);
    snprintf(expect, sizeof(expect), "notification %lld dead eUICC %s seqNumber %lld to %s",
             (long long)id, AW_PKI_DEFAULT_EID, (long long)seq, LPA_SMDP_ADDRESS);
    assert_non_null(strstr(out, expect));
    assert_non_null(strstr(out, "attempts 3 last error AW_ERR_HTTP_CONNECT"));
    assert_non_null(strstr(out, "1 dead"));
    snprintf(arguments, sizeof(arguments), "notifications --db '%s' sideways",
             eim_test_database.url);
    assert_int_equal(run_cli(out, sizeof(out), arguments), 2);
    snprintf(arguments, sizeof(arguments), "notification-replay --db '%s' %lld",
             eim_test_database.url, (long long)id);
    assert_int_equal(run_cli(out, sizeof(out), arguments), 0);
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_PENDING), 1);
    /* no longer dead: refused */
    assert_int_equal(run_cli(out, sizeof(out), arguments), 1);
    assert_int_equal(eim_notification_replay(h.db, id, db_clock_ms()), AW_ERR_NOT_FOUND);

    /* the receiver back: delivered */
    h.routes[0].base_url = h.smdp_url;
    memset(&stats, 0, sizeof(stats));
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10, now + 10 * DAY_MS,
                                                  &stats),
                     AW_OK);
    assert_int_equal(stats.forwarded, 1);
    assert_true(forwarded(&h, seq));
    assert_int_equal(notify_smdp_state(&h), SMDP_STATE_INSTALLED);
    eim_notification_record *done = NULL;
    assert_int_equal(
        eim_notification_list(h.db, EIM_NOTIFICATION_FORWARDED, 0, 10, &done, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(done[0].attempts, 4);
    assert_int_equal(done[0].replays, 1);
    assert_int_equal(done[0].last_error, 0);
    free(done);
    snprintf(arguments, sizeof(arguments), "notifications --db '%s' forwarded",
             eim_test_database.url);
    assert_int_equal(run_cli(out, sizeof(out), arguments), 0);
    assert_non_null(strstr(out, "1 forwarded"));
    /* forwarded: not replayable */
    assert_int_equal(eim_notification_replay(h.db, id, db_clock_ms()), AW_ERR_NOT_FOUND);

    eim_relay_free(relay);
    pki_trust_store_free(trust);
    free(pir);
    relay_close(&h);
}

/* Jobs naming no held notification die; arguments are refused. */
static void test_bad_jobs_and_arguments(void **state)
{
    (void)state;
    relay_harness h;
    relay_tuning tuning = {.notification_retry_ms = 3600 * 1000};
    relay_open_tuned(&h, AW_PKI_CURVE_NIST_P256, &tuning);
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    notify_library_relay(&h, 0, 0, &relay, &trust);
    eim_context context = {.db = h.db, .trust = trust};
    int64_t now = db_clock_ms();
    int64_t ids[2];
    static const char *const payloads[] = {"not a number", "999"};
    for (size_t i = 0; i < 2; i++) {
        db_job_spec spec = {.queue = EIM_NOTIFICATION_QUEUE, .kind = "forward",
                            .payload = payloads[i], .payload_len = strlen(payloads[i])};
        assert_int_equal(db_queue_enqueue(h.db, &spec, now, &ids[i], NULL), AW_OK);
    }
    eim_notification_stats stats = {0};
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10, now + DAY_MS,
                                                  &stats),
                     AW_OK);
    assert_int_equal(stats.forwarded + stats.retrying + stats.dead, 0);
    for (size_t i = 0; i < 2; i++) {
        db_job_info info;
        assert_int_equal(db_queue_get_job(h.db, ids[i], &info), AW_OK);
        assert_int_equal(info.state, DB_JOB_DEAD);
        assert_int_equal(info.last_error, i == 0 ? AW_ERR_DB_TYPE : AW_ERR_DB_NOT_FOUND);
    }

    eim_notification_record *records = (eim_notification_record *)1;
    size_t count = 1;
    assert_int_equal(eim_notification_list(h.db, EIM_NOTIFICATION_DEAD, 0, 0, &records, &count),
                     AW_ERR_ARGUMENT);
    assert_null(records);
    assert_int_equal(count, 0);
    assert_int_equal(eim_notification_list(h.db, (eim_notification_status)0, 0, 10, &records,
                                           &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_notification_list(h.db, EIM_NOTIFICATION_DEAD, 0,
                                           EIM_NOTIFICATION_LIST_MAX + 1, &records, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_notification_replay(NULL, 1, now), AW_ERR_ARGUMENT);
    assert_int_equal(eim_notification_replay(h.db, 12345, now), AW_ERR_NOT_FOUND);
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 0, now, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_notification_forward_due(NULL, &context, "test", 1, now, NULL),
                     AW_ERR_ARGUMENT);
    static const uint8_t bytes[] = {0x30, 0x00};
    aw_slice address = {(const uint8_t *)"x", 1}, pending = {bytes, sizeof(bytes)};
    assert_int_equal(eim_notification_hold(h.db, "id", 1, address, pending, 0, 1000, now),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_notification_hold(h.db, "id", 1, address, (aw_slice){NULL, 0}, 1, 1000,
                                           now),
                     AW_ERR_ARGUMENT);
    /* a forwarder whose lease was lost records nothing */
    assert_int_equal(eim_notification_hold(h.db, "id", 1, address, pending, 2, 1000, now),
                     AW_OK);
    db_job *jobs = NULL;
    size_t claimed = 0;
    assert_int_equal(db_queue_claim(h.db, EIM_NOTIFICATION_QUEUE, "first", 10, 60000,
                                    now + DAY_MS, &jobs, &claimed),
                     AW_OK);
    assert_int_equal(claimed, 1);
    eim_notification_record record;
    uint8_t *held = NULL;
    size_t held_len = 0;
    assert_int_equal(eim_notification_load(h.db, &jobs[0], &record, &held, &held_len), AW_OK);
    assert_int_equal(held_len, sizeof(bytes));
    assert_memory_equal(held, bytes, sizeof(bytes));
    db_job_state job_state = DB_JOB_READY;
    assert_int_equal(eim_notification_finish(h.db, &jobs[0], "second", &record, AW_OK,
                                             now + DAY_MS, &job_state),
                     AW_ERR_DB_NOT_FOUND);
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_PENDING), 1);
    assert_int_equal(count_status(h.db, EIM_NOTIFICATION_FORWARDED), 0);
    /* held again: nothing added */
    assert_int_equal(eim_notification_hold(h.db, "id", 1, address, pending, 2, 1000, now),
                     AW_OK);
    assert_int_equal(jobs_of_queue(h.db), 3);
    free(held);
    db_jobs_free(jobs, claimed);
    assert_null(eim_notification_status_name((eim_notification_status)9));
    assert_string_equal(eim_notification_status_name(EIM_NOTIFICATION_DEAD), "dead");

    eim_relay_free(relay);
    pki_trust_store_free(trust);
    relay_close(&h);
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    if (argc != 3) {
        fprintf(stderr, "usage: %s sqlite|postgresql AIRWRITE-EIM\n", argv[0]);
        return 2;
    }
    cli = argv[2];
    int status = eim_test_db_init(2, argv, "test_eim_notification_queue");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_until_smdp_up),
        cmocka_unit_test(test_store_refused),
        cmocka_unit_test(test_dead_and_replayed),
        cmocka_unit_test(test_bad_jobs_and_arguments),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
