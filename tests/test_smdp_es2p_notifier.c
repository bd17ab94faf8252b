/* Delivery of ES2+.HandleDownloadProgressInfo (src/smdp/es2p_notifier.h,
 * SGP.22 5.3.5 over 6.5.2.5 with mutual TLS) to an operator's HTTPS server
 * on loopback, with the clock under the test's control: the request as the
 * operator sees it; an operator down at first, then up (delivered after the
 * retry, not before its backoff); a restart between the state change and
 * the delivery, and a worker that died holding the lease (delivered once);
 * the dead letter after the attempt limit; refusals (HTTP 500, operator not
 * configured, unreadable payload, untrusted operator certificate, SM-DP+
 * certificate refused by the operator); the worker thread woken after
 * queuing; and every configuration error. */
#include "smdp_es2p_notify_testutil.h"
#include "smdp_es2p_testutil.h"

#include "core/base64.h"
#include "core/db_queue.h"
#include "smdp/es2p.h"
#include "smdp/es2p_notifier.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

typedef struct fixture {
    char dir[64];
    char db_url[128];
    db_connection *db;
    notify_pki smdp;     /* the SM-DP+'s TLS client certificate and CA */
    notify_pki operator; /* the operator's server certificate and CA */
    notify_pki rogue;    /* another CA altogether */
    operator_server op;
    smdp_operator_endpoint endpoint;
    char base_url[64];
    smdp_es2p_caller caller;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-es2pn-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char key[128];
    snprintf(f->db_url, sizeof(f->db_url), "sqlite:%s/smdp.db", f->dir);
    snprintf(key, sizeof(key), "%s/storage.key", f->dir);
    assert_int_equal(db_open(f->db_url, NULL, &f->db), AW_OK);
    es2p_test_fill_inventory(f->db, key);
    assert_int_equal(smdp_es2p_migrate(f->db), AW_OK);
    notify_pki_make(&f->smdp, NULL);
    notify_pki_make(&f->operator, NULL);
    notify_pki_make(&f->rogue, NULL);
    operator_init(&f->op);
    f->op.port = operator_free_port(&f->operator);
    snprintf(f->base_url, sizeof(f->base_url), "https://127.0.0.1:%u", (unsigned)f->op.port);
    /* the order's operator: its certificate subject and requester */
    f->caller = (smdp_es2p_caller){f->operator.tls_subject, "op1", NULL};
    f->endpoint = (smdp_operator_endpoint){.subject = f->operator.tls_subject,
                                           .requester_id = "op1",
                                           .base_url = f->base_url};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    operator_free(&f->op);
    db_close(f->db);
    notify_pki_remove(&f->smdp);
    notify_pki_remove(&f->operator);
    notify_pki_remove(&f->rogue);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static smdp_notifier_config notifier_config(fixture *f)
{
    return (smdp_notifier_config){.database_url = f->db_url,
                                  .ca_file = f->operator.ci,
                                  .certificate_file = f->smdp.tls_cert,
                                  .key_file = f->smdp.tls_key,
                                  .requester_identifier = "smdp.example.com",
                                  .endpoints = &f->endpoint,
                                  .endpoint_count = 1,
                                  .timeout_ms = 5000};
}

static smdp_notifier *notifier_new(fixture *f, int64_t max_attempts)
{
    smdp_notifier_config config = notifier_config(f);
    config.max_attempts = max_attempts;
    smdp_notifier *n = NULL;
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    return n;
}

/* An order of the operator released, then its BPP download (point 3)
 * queued with the state change. */
static void queue_notification(fixture *f, const char *iccid, int64_t now_ms)
{
    char out[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1];
    smdp_es2p_result r;
    smdp_download_order order = {.iccid = iccid, .eid = ES2P_TEST_EID1, .caller = &f->caller};
    assert_int_equal(smdp_es2p_download_order(f->db, &order, now_ms, out, &r), AW_OK);
    assert_true(r.success);
    smdp_confirm_order c = {.iccid = iccid, .release_flag = true, .caller = &f->caller};
    assert_int_equal(smdp_es2p_confirm_order(f->db, &c, now_ms, matching_id, &r), AW_OK);
    assert_true(r.success);
    static const smdp_state released[] = {SMDP_STATE_RELEASED};
    smdp_progress progress = {.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD};
    assert_int_equal(smdp_es2p_progress(f->db, iccid, released, 1, SMDP_STATE_DOWNLOADED, "sent",
                                        &progress, now_ms),
                     AW_OK);
}

static db_job_info job_info(fixture *f, int64_t id)
{
    db_job_info info;
    assert_int_equal(db_queue_get_job(f->db, id, &info), AW_OK);
    return info;
}

static size_t deliver(smdp_notifier *n, int64_t now_ms)
{
    size_t delivered = 99;
    assert_int_equal(smdp_notifier_deliver_due(n, now_ms, &delivered), AW_OK);
    return delivered;
}

/* ---- Delivered, as the operator sees it ------------------------------------ */

static void test_delivered_request(void **state)
{
    fixture *f = *state;
    operator_start(&f->op, &f->operator, f->smdp.ci);
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier *n = notifier_new(f, 0);
    assert_int_equal(deliver(n, T0), 1);
    assert_int_equal(operator_count(&f->op), 1);
    operator_received *r = &f->op.received[0];
    /* mutual TLS: the operator saw the SM-DP+'s certificate */
    assert_string_equal(r->peer_subject, f->smdp.tls_subject);
    assert_string_equal(r->admin_protocol, "gsma/rsp/v2.2.0");
    json_t *header = json_object_get(r->body, "header");
    assert_string_equal(json_string_value(json_object_get(header, "functionRequesterIdentifier")),
                        "smdp.example.com");
    assert_string_equal(json_string_value(json_object_get(header, "functionCallIdentifier")),
                        "notification-1");
    assert_string_equal(json_string_value(json_object_get(r->body, "iccid")), ES2P_TEST_ICCID1);
    assert_string_equal(json_string_value(json_object_get(r->body, "eid")), ES2P_TEST_EID1);
    assert_string_equal(json_string_value(json_object_get(r->body, "profileType")),
                        ES2P_TEST_TYPE);
    assert_string_equal(json_string_value(json_object_get(r->body, "timestamp")),
                        "2026-01-01T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(r->body, "notificationPointId")), 3);
    assert_null(json_object_get(r->body, "route")); /* routing stays in the SM-DP+ */
    assert_int_equal(job_info(f, 1).state, DB_JOB_DONE);
    /* nothing left: a later pass sends nothing again */
    assert_int_equal(deliver(n, T0 + 60000), 0);
    assert_int_equal(operator_count(&f->op), 1);
    smdp_notifier_free(n);
}

/* ---- Retries, restarts, dead letters ------------------------------------------ */

static void test_operator_down_then_up(void **state)
{
    fixture *f = *state;
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier *n = notifier_new(f, 0);
    /* nobody listens: failed, ready again after the first backoff */
    assert_int_equal(deliver(n, T0), 0);
    db_job_info info = job_info(f, 1);
    assert_int_equal(info.state, DB_JOB_READY);
    assert_int_equal(info.attempts, 1);
    assert_int_equal(info.last_error, AW_ERR_HTTP_CONNECT);
    assert_int_equal(info.run_after_ms, T0 + SMDP_NOTIFY_BACKOFF_MS);
    operator_start(&f->op, &f->operator, f->smdp.ci);
    /* not before its backoff */
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS - 1), 0);
    assert_int_equal(operator_count(&f->op), 0);
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS), 1);
    assert_int_equal(operator_count(&f->op), 1);
    info = job_info(f, 1);
    assert_int_equal(info.state, DB_JOB_DONE);
    assert_int_equal(info.attempts, 2);
    smdp_notifier_free(n);
}

static void test_restart_delivers_once(void **state)
{
    fixture *f = *state;
    /* the state change is committed with its notification; the daemon
     * stops before any pass */
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier *first = notifier_new(f, 0);
    smdp_notifier_free(first);
    /* another worker claimed the second one and died holding the lease */
    queue_notification(f, ES2P_TEST_ICCID2, T0);
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_claim(f->db, SMDP_NOTIFY_QUEUE, "crashed", 1, 1000, T0 + 1, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(jobs[0].id, 1); /* the oldest first */
    db_jobs_free(jobs, count);

    operator_start(&f->op, &f->operator, f->smdp.ci);
    smdp_notifier *second = notifier_new(f, 0);
    assert_int_equal(deliver(second, T0 + 2), 1); /* job 2; job 1 is leased */
    assert_int_equal(deliver(second, T0 + 1001), 1); /* the lease ran out: reclaimed */
    assert_int_equal(deliver(second, T0 + 100000), 0);
    assert_int_equal(operator_count(&f->op), 2);
    const char *first_iccid =
        json_string_value(json_object_get(f->op.received[0].body, "iccid"));
    const char *second_iccid =
        json_string_value(json_object_get(f->op.received[1].body, "iccid"));
    assert_string_equal(first_iccid, ES2P_TEST_ICCID2);
    assert_string_equal(second_iccid, ES2P_TEST_ICCID1);
    assert_int_equal(job_info(f, 1).state, DB_JOB_DONE);
    assert_int_equal(job_info(f, 2).state, DB_JOB_DONE);
    smdp_notifier_free(second);
}

static void test_dead_letter(void **state)
{
    fixture *f = *state;
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier *n = notifier_new(f, 2);
    assert_int_equal(deliver(n, T0), 0);
    assert_int_equal(job_info(f, 1).state, DB_JOB_READY);
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS), 0);
    db_job_info info = job_info(f, 1);
    assert_int_equal(info.state, DB_JOB_DEAD);
    assert_int_equal(info.attempts, 2);
    int64_t dead = 0;
    assert_int_equal(db_queue_count(f->db, SMDP_NOTIFY_QUEUE, DB_JOB_DEAD, &dead), AW_OK);
    assert_int_equal(dead, 1);
    /* a dead letter is never sent again, even to an operator now up */
    operator_start(&f->op, &f->operator, f->smdp.ci);
    assert_int_equal(deliver(n, T0 + 3600000), 0);
    assert_int_equal(operator_count(&f->op), 0);
    smdp_notifier_free(n);
}

/* ---- Refusals ------------------------------------------------------------------ */

static void test_operator_refuses(void **state)
{
    fixture *f = *state;
    operator_start(&f->op, &f->operator, f->smdp.ci);
    operator_answer(&f->op, 500);
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier *n = notifier_new(f, 0);
    assert_int_equal(deliver(n, T0), 0);
    db_job_info info = job_info(f, 1);
    assert_int_equal(info.state, DB_JOB_READY);
    assert_int_equal(info.last_error, AW_ERR_HTTP_TRANSFER);
    operator_answer(&f->op, 204);
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS), 1);
    assert_int_equal(operator_count(&f->op), 1);
    smdp_notifier_free(n);
}

static void test_operator_not_configured(void **state)
{
    fixture *f = *state;
    operator_start(&f->op, &f->operator, f->smdp.ci);
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    /* an endpoint for another requester of the same certificate only */
    smdp_operator_endpoint other = {.subject = f->operator.tls_subject,
                                    .requester_id = "op9",
                                    .base_url = f->base_url};
    smdp_notifier_config config = notifier_config(f);
    config.endpoints = &other;
    smdp_notifier *n = NULL;
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    assert_int_equal(deliver(n, T0), 0);
    db_job_info info = job_info(f, 1);
    assert_int_equal(info.state, DB_JOB_READY); /* configuration may still come */
    assert_int_equal(info.last_error, AW_ERR_NOT_FOUND);
    smdp_notifier_free(n);
    /* matched by requester alone once configured */
    other = (smdp_operator_endpoint){.requester_id = "op1", .base_url = f->base_url};
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS), 1);
    smdp_notifier_free(n);
}

static void test_unreadable_payload(void **state)
{
    fixture *f = *state;
    operator_start(&f->op, &f->operator, f->smdp.ci);
    static const char *const payloads[] = {"not json", "{\"route\":{\"subject\":\"x\"},\"body\":{}}",
                                           "{\"route\":{\"subject\":\"x\",\"requester\":\"y\"}}"};
    for (size_t i = 0; i < 3; i++) {
        int64_t id = 0;
        db_job_spec spec = {.queue = SMDP_NOTIFY_QUEUE, .kind = SMDP_NOTIFY_KIND,
                            .payload = payloads[i], .payload_len = strlen(payloads[i])};
        assert_int_equal(db_queue_enqueue(f->db, &spec, T0, &id, NULL), AW_OK);
    }
    smdp_notifier *n = notifier_new(f, 0);
    assert_int_equal(deliver(n, T0), 0);
    for (int64_t id = 1; id <= 3; id++) {
        db_job_info info = job_info(f, id);
        assert_int_equal(info.state, DB_JOB_DEAD); /* never improves: dead at once */
        assert_int_equal(info.last_error, AW_ERR_ARGUMENT);
    }
    assert_int_equal(operator_count(&f->op), 0);
    smdp_notifier_free(n);
}

static void test_tls_refusals(void **state)
{
    fixture *f = *state;
    /* the operator's certificate is not under the configured CA */
    operator_start(&f->op, &f->operator, f->smdp.ci);
    queue_notification(f, ES2P_TEST_ICCID1, T0);
    smdp_notifier_config config = notifier_config(f);
    config.ca_file = f->rogue.ci;
    smdp_notifier *n = NULL;
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    assert_int_equal(deliver(n, T0), 0);
    assert_int_equal(job_info(f, 1).last_error, AW_ERR_HTTP_CERTIFICATE);
    smdp_notifier_free(n);
    /* the operator does not accept the SM-DP+'s certificate (TLS 1.3 may
     * report the refusal as a reset) */
    operator_stop(&f->op);
    operator_start(&f->op, &f->operator, f->rogue.ci);
    n = notifier_new(f, 0);
    assert_int_equal(deliver(n, T0 + SMDP_NOTIFY_BACKOFF_MS), 0);
    int64_t error = job_info(f, 1).last_error;
    assert_true(error == AW_ERR_HTTP_TLS || error == AW_ERR_HTTP_TRANSFER);
    /* no client certificate at all */
    smdp_notifier_free(n);
    config = notifier_config(f);
    config.certificate_file = NULL;
    config.key_file = NULL;
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    assert_int_equal(deliver(n, T0 + 3 * SMDP_NOTIFY_BACKOFF_MS), 0);
    error = job_info(f, 1).last_error;
    assert_true(error == AW_ERR_HTTP_TLS || error == AW_ERR_HTTP_TRANSFER);
    assert_int_equal(operator_count(&f->op), 0);
    smdp_notifier_free(n);
}

/* ---- The worker thread and the configuration ------------------------------------ */

static void test_worker_thread(void **state)
{
    fixture *f = *state;
    operator_start(&f->op, &f->operator, f->smdp.ci);
    smdp_notifier_config config = notifier_config(f);
    config.poll_ms = 60000; /* only a wake makes it pass again */
    smdp_notifier *n = NULL;
    assert_int_equal(smdp_notifier_new(&config, &n), AW_OK);
    assert_int_equal(smdp_notifier_start(n), AW_OK);
    assert_int_equal(smdp_notifier_start(n), AW_ERR_STATE);
    assert_int_equal(smdp_notifier_deliver_due(NULL, T0, NULL), AW_ERR_ARGUMENT);
    usleep(200000); /* let the first pass find nothing */
    queue_notification(f, ES2P_TEST_ICCID1, db_clock_ms());
    smdp_notifier_wake(n);
    assert_true(operator_wait(&f->op, 1, 10000));
    smdp_notifier_free(n);
    assert_int_equal(operator_count(&f->op), 1);
    smdp_notifier_wake(NULL);
    smdp_notifier_free(NULL);
    assert_int_equal(smdp_notifier_start(NULL), AW_ERR_ARGUMENT);
}

static void test_configuration_errors(void **state)
{
    fixture *f = *state;
    smdp_notifier *n = (smdp_notifier *)f;
    smdp_operator_endpoint no_url = {.subject = "CN=x", .base_url = NULL};
    smdp_operator_endpoint no_match = {.base_url = "https://127.0.0.1:1"};
    char long_url[SMDP_NOTIFIER_URL_MAX + 8];
    memset(long_url, 'a', sizeof(long_url) - 1);
    long_url[sizeof(long_url) - 1] = '\0';
    smdp_operator_endpoint too_long = {.subject = "CN=x", .base_url = long_url};
    for (int i = 0; i < 10; i++) {
        smdp_notifier_config c = notifier_config(f);
        switch (i) {
        case 0: c.database_url = NULL; break;
        case 1: c.ca_file = NULL; break;
        case 2: c.requester_identifier = NULL; break;
        case 3: c.requester_identifier = ""; break;
        case 4: c.endpoints = &no_url; break;
        case 5: c.endpoints = &no_match; break;
        case 6: c.endpoints = &too_long; break;
        case 7: c.endpoints = NULL; break;
        case 8: c.max_attempts = SMDP_NOTIFY_ATTEMPTS_CEILING + 1; break;
        default: c.lease_ms = -1; break;
        }
        assert_int_equal(smdp_notifier_new(&c, &n), AW_ERR_ARGUMENT);
        assert_null(n);
        n = (smdp_notifier *)f;
    }
    smdp_notifier_config c = notifier_config(f);
    assert_int_equal(smdp_notifier_new(NULL, &n), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_notifier_new(&c, NULL), AW_ERR_ARGUMENT);
    c.key_file = NULL; /* a certificate without its key (http_client_new) */
    assert_int_equal(smdp_notifier_new(&c, &n), AW_ERR_ARGUMENT);
    c = notifier_config(f);
    c.database_url = "nosuch://db";
    assert_int_equal(smdp_notifier_new(&c, &n), AW_ERR_DB_URL);
    assert_null(n);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivered_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_down_then_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_delivers_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_not_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_configuration_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
