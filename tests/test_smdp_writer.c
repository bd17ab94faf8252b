/* The SM-DP+ daemon's database writer (src/smdp/writer.h): the state
 * changes of ES9+ requests (SGP.22 3.1.3 step 17 "downloaded", 5.6.4
 * "installed") committed on their own thread, grouped, each answer sent
 * only once its changes are durable. Unit tests of the writer (group
 * commit with one refused member, errors, everything committed on free)
 * and, through the daemon with the software eUICC, parallel downloads, a
 * commit failure answered 1.2 / 4.2 and retried, a shutdown with a request
 * waiting for its commit, and a daemon killed (SIGKILL) right after its
 * answer: the state is in the database. */
#include "smdp_lpa_testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "smdp/writer.h"

#define WT_TYPE "iot-basic"
#define WT_PROFILES 12u
#define WT_DEVICES 3u
#define WT_SESSIONS_PER_DEVICE 2u

static void wt_iccid(unsigned index, char out[20])
{
    snprintf(out, 20, "894400000000%06u", index);
    out[18] = saip_iccid_check_digit(out, 18);
    out[19] = '\0';
}

static void wt_matching_id(unsigned index, char out[32])
{
    snprintf(out, 32, "WRITER-%04u", index);
}

/* PKI, WT_PROFILES subscribers and their released orders. */
static void wt_prepare(lpa_smdp *x)
{
    lpa_prepare(x, "/tmp/aw-smdpw-XXXXXX", AW_PKI_CURVE_NIST_P256);
    db_connection *db = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_inventory_open(x, &db, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(db, WT_TYPE, template_package, template_len);
    char csv[64 + WT_PROFILES * 128];
    size_t used = (size_t)snprintf(csv, sizeof(csv), "iccid,imsi,ki,opc\n");
    for (unsigned i = 0; i < WT_PROFILES; i++) {
        char iccid[20];
        wt_iccid(i, iccid);
        used += (size_t)snprintf(csv + used, sizeof(csv) - used, "%s,234150%09u,%032X,%032X\n",
                                 iccid, i, i + 1, i + 2);
    }
    lpa_import_csv(db, ring, WT_TYPE, csv, used);
    for (unsigned i = 0; i < WT_PROFILES; i++) {
        char iccid[20], match[32];
        wt_iccid(i, iccid);
        wt_matching_id(i, match);
        lpa_release_order(db, iccid, match, NULL);
    }
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(db);
}

static smdp_state wt_state(const lpa_smdp *x, unsigned index)
{
    db_connection *db = NULL;
    char iccid[20];
    smdp_profile_info info;
    wt_iccid(index, iccid);
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, iccid, &info), AW_OK);
    db_close(db);
    return info.state;
}

/* ---- the writer alone ------------------------------------------------------ */

typedef struct wt_done {
    smdp_writer *writer;          /* set: submit again from the callback */
    const smdp_backend_changes *again;
    aw_err result;
    aw_err resubmit;
    int calls;
} wt_done;

static void wt_on_done(void *userdata, aw_err result)
{
    wt_done *done = userdata;
    done->result = result;
    done->calls++;
    if (done->writer != NULL)
        done->resubmit = smdp_writer_submit(done->writer, done->again, wt_on_done, done);
}

/* One change of profile index from `from` to `to` with no notification. */
static void wt_change(smdp_backend_changes *changes, unsigned index, smdp_state from,
                      smdp_state to)
{
    memset(changes, 0, sizeof(*changes));
    smdp_backend_change *c = &changes->items[0];
    wt_iccid(index, c->iccid);
    c->from[0] = from;
    c->from_count = 1;
    c->to = to;
    c->cause = "writer test";
    c->now_ms = db_clock_ms();
    changes->count = 1;
}

/* While a test connection holds the write lock, the writer waits with the
 * first submission; the next three wait behind it and are committed in
 * one transaction, where the refused one (its state is not `from`) fails
 * alone. */
static void test_group_commit(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    smdp_writer *writer = NULL;
    assert_int_equal(smdp_writer_new(base, x.db_url, &writer), AW_OK);
    db_connection *lock = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &lock), AW_OK);
    assert_int_equal(db_begin(lock), AW_OK); /* BEGIN IMMEDIATE: the write lock */

    smdp_backend_changes changes[4];
    wt_done done[4];
    memset(done, 0, sizeof(done));
    wt_change(&changes[0], 0, SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED);
    wt_change(&changes[1], 1, SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED);
    wt_change(&changes[2], 2, SMDP_STATE_DOWNLOADED, SMDP_STATE_INSTALLED); /* refused */
    wt_change(&changes[3], 3, SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED);
    assert_int_equal(smdp_writer_submit(writer, &changes[0], wt_on_done, &done[0]), AW_OK);
    usleep(100 * 1000); /* the writer took the first and waits for the lock */
    for (int i = 1; i < 4; i++)
        assert_int_equal(smdp_writer_submit(writer, &changes[i], wt_on_done, &done[i]), AW_OK);
    assert_int_equal(db_rollback(lock), AW_OK);
    int delivered = 0;
    while (delivered < 4) {
        assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
        delivered = done[0].calls + done[1].calls + done[2].calls + done[3].calls;
    }
    assert_int_equal(done[0].result, AW_OK);
    assert_int_equal(done[1].result, AW_OK);
    assert_int_equal(done[2].result, AW_ERR_STATE);
    assert_int_equal(done[3].result, AW_OK);
    smdp_writer_stats stats;
    smdp_writer_get_stats(writer, &stats);
    assert_int_equal(stats.submitted, 4);
    assert_int_equal(stats.committed, 3);
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.transactions, 2); /* the first alone, then three in one */
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_DOWNLOADED);
    assert_int_equal(wt_state(&x, 1), SMDP_STATE_DOWNLOADED);
    assert_int_equal(wt_state(&x, 2), SMDP_STATE_RELEASED);
    assert_int_equal(wt_state(&x, 3), SMDP_STATE_DOWNLOADED);
    smdp_writer_free(writer);
    db_close(lock);
    event_base_free(base);
    te_teardown(&x.device.t);
}

/* smdp_writer_free commits what is queued and calls every done callback
 * (a submission from one of them is refused: AW_ERR_STATE). */
static void test_free_commits_queue(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    smdp_writer *writer = NULL;
    assert_int_equal(smdp_writer_new(base, x.db_url, &writer), AW_OK);
    smdp_backend_changes changes[3];
    wt_done done[3];
    memset(done, 0, sizeof(done));
    for (unsigned i = 0; i < 3; i++) {
        wt_change(&changes[i], 4 + i, SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED);
        assert_int_equal(smdp_writer_submit(writer, &changes[i], wt_on_done, &done[i]), AW_OK);
    }
    done[2].writer = writer;
    done[2].again = &changes[2];
    done[2].resubmit = AW_OK;
    smdp_writer_free(writer); /* the loop never ran */
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(done[i].calls, 1);
        assert_int_equal(done[i].result, AW_OK);
        assert_int_equal(wt_state(&x, 4 + i), SMDP_STATE_DOWNLOADED);
    }
    assert_int_equal(done[2].resubmit, AW_ERR_STATE);
    smdp_writer_free(NULL);
    event_base_free(base);
    te_teardown(&x.device.t);
}

static void test_writer_errors(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    assert_non_null(base);
    smdp_writer *writer = (smdp_writer *)&writer;
    assert_int_equal(smdp_writer_new(NULL, "sqlite::memory:", &writer), AW_ERR_ARGUMENT);
    assert_null(writer);
    assert_int_equal(smdp_writer_new(base, NULL, &writer), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_writer_new(base, "sqlite::memory:", NULL), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_writer_new(base, "nosuchscheme://x", &writer), AW_ERR_DB_URL);
    assert_null(writer);
    assert_int_equal(smdp_writer_new(base, "sqlite::memory:", &writer), AW_OK);
    smdp_backend_changes empty = {.count = 0}, one;
    wt_change(&one, 0, SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED);
    wt_done done = {0};
    assert_int_equal(smdp_writer_submit(NULL, &one, wt_on_done, &done), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_writer_submit(writer, NULL, wt_on_done, &done), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_writer_submit(writer, &empty, wt_on_done, &done), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_writer_submit(writer, &one, NULL, &done), AW_ERR_ARGUMENT);
    /* a database without the inventory: the change fails, nothing else */
    assert_int_equal(smdp_writer_submit(writer, &one, wt_on_done, &done), AW_OK);
    while (done.calls == 0)
        assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
    assert_int_not_equal(done.result, AW_OK);
    smdp_writer_stats stats;
    smdp_writer_get_stats(writer, &stats);
    assert_int_equal(stats.failed, 1);
    smdp_writer_get_stats(NULL, &stats);
    assert_int_equal(stats.submitted, 0);
    smdp_writer_get_stats(writer, NULL);
    smdp_writer_free(writer);
    smdp_server_stats server_stats = {.writes_submitted = 7};
    smdp_server_get_stats(NULL, &server_stats);
    assert_int_equal(server_stats.writes_submitted, 0);
    smdp_server_get_stats(NULL, NULL);
    /* smdp_backend_changes_apply outside a transaction, and bad arguments */
    db_connection *db = NULL;
    assert_int_equal(db_open("sqlite::memory:", NULL, &db), AW_OK);
    assert_int_equal(smdp_backend_changes_apply(db, &one), AW_ERR_STATE);
    assert_int_equal(smdp_backend_changes_apply(NULL, &one), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_backend_changes_apply(db, NULL), AW_ERR_ARGUMENT);
    db_close(db);
    smdp_backend_changes_clear(NULL);
    event_base_free(base);
}

/* The backend with smdp_backend.deferred collects instead of committing
 * (AW_ERR_LIMIT past SMDP_BACKEND_CHANGES_MAX); applying the collected
 * changes stops at the first refused one. */
static void test_backend_deferred(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    smdp_backend_changes changes = {.count = 0};
    smdp_backend backend = {.db = db, .deferred = &changes};
    es9p_backend callbacks = smdp_backend_interface(&backend);
    char iccid[20];
    wt_iccid(8, iccid);
    for (unsigned i = 0; i < SMDP_BACKEND_CHANGES_MAX; i++)
        assert_int_equal(callbacks.session_cancelled(callbacks.userdata, iccid, 0), AW_OK);
    assert_int_equal(changes.count, SMDP_BACKEND_CHANGES_MAX);
    assert_int_equal(callbacks.session_cancelled(callbacks.userdata, iccid, 0), AW_ERR_LIMIT);
    assert_int_equal(wt_state(&x, 8), SMDP_STATE_RELEASED); /* nothing committed */
    assert_int_equal(db_begin(db), AW_OK);
    /* the first moves the order to error, the second finds it there */
    assert_int_equal(smdp_backend_changes_apply(db, &changes), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    smdp_backend_changes_clear(&changes);
    assert_int_equal(changes.count, 0);
    assert_int_equal(wt_state(&x, 8), SMDP_STATE_RELEASED);
    db_close(db);
    te_teardown(&x.device.t);
}

/* ---- through the daemon ---------------------------------------------------- */

typedef struct wt_device_run {
    lpa_smdp *x;
    lpa_device device;
    unsigned first;
    char state_dir[200];
    pthread_t thread;
} wt_device_run;

static void *wt_device_main(void *arg)
{
    wt_device_run *run = arg;
    for (unsigned i = 0; i < WT_SESSIONS_PER_DEVICE; i++) {
        char match[32], iccid[20];
        wt_matching_id(run->first + i, match);
        wt_iccid(run->first + i, iccid);
        lpa_download(&run->device, match);
        lpa_delete_profile(&run->device, iccid);
    }
    return NULL;
}

/* WT_DEVICES eUICCs download at once: every order ends installed, each
 * session's two changes committed by the writer. */
static void test_parallel_sessions(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    lpa_open(&x);
    wt_device_run runs[WT_DEVICES];
    for (unsigned d = 0; d < WT_DEVICES; d++) {
        runs[d].x = &x;
        runs[d].first = d * WT_SESSIONS_PER_DEVICE;
        snprintf(runs[d].state_dir, sizeof(runs[d].state_dir), "%s/state-%u", x.device.t.dir,
                 d);
        lpa_device_open(&runs[d].device, &x, runs[d].state_dir);
    }
    for (unsigned d = 0; d < WT_DEVICES; d++)
        assert_int_equal(pthread_create(&runs[d].thread, NULL, wt_device_main, &runs[d]), 0);
    for (unsigned d = 0; d < WT_DEVICES; d++)
        assert_int_equal(pthread_join(runs[d].thread, NULL), 0);
    smdp_server_stats stats;
    smdp_server_get_stats(x.server, &stats);
    assert_int_equal(stats.writes_submitted, 2 * WT_DEVICES * WT_SESSIONS_PER_DEVICE);
    assert_int_equal(stats.writes_committed, 2 * WT_DEVICES * WT_SESSIONS_PER_DEVICE);
    assert_int_equal(stats.writes_failed, 0);
    assert_true(stats.write_transactions >= 1);
    assert_true(stats.write_transactions <= stats.writes_committed);
    lpa_halt(&x);
    for (unsigned i = 0; i < WT_DEVICES * WT_SESSIONS_PER_DEVICE; i++)
        assert_int_equal(wt_state(&x, i), SMDP_STATE_INSTALLED);
    assert_int_equal(wt_state(&x, WT_DEVICES * WT_SESSIONS_PER_DEVICE), SMDP_STATE_RELEASED);
    for (unsigned d = 0; d < WT_DEVICES; d++)
        lpa_device_close(&runs[d].device);
    lpa_close(&x);
}

/* HandleNotification with the PIR, expecting HTTP expect (200: the JSON). */
static json_t *wt_notify(lpa_device *d, const uint8_t *pir, size_t pir_len, int expect)
{
    char *pir64 = lpa_base64(pir, pir_len);
    char *body = malloc(strlen(pir64) + 64);
    assert_non_null(body);
    sprintf(body, "{\"pendingNotification\":\"%s\"}", pir64);
    json_t *reply = lpa_post(d, LPA_HANDLE_NOTIFICATION, body, expect);
    free(body);
    free(pir64);
    return reply;
}

/* Up to the ProfileInstallationResult of order index (GetBoundProfilePackage
 * answered, so the order is downloaded). */
static uint8_t *wt_install(lpa_device *d, unsigned index, size_t *pir_len)
{
    char match[32], transaction_id[33];
    size_t bpp_len = 0;
    wt_matching_id(index, match);
    json_t *auth = lpa_authenticate(d, match, transaction_id);
    lpa_expect_status(auth, NULL, NULL);
    json_t *reply = lpa_prepare_download(d, auth, transaction_id, NULL);
    json_decref(auth);
    lpa_expect_status(reply, NULL, NULL);
    uint8_t *bpp = lpa_unbase64(reply, "boundProfilePackage", &bpp_len);
    json_decref(reply);
    uint8_t *pir = lpa_load_bpp(d, bpp, bpp_len, pir_len);
    free(bpp);
    return pir;
}

static void wt_sql(const lpa_smdp *x, const char *sql)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(db_execute(db, sql, NULL, 0, NULL), AW_OK);
    db_close(db);
}

/* The commit of "installed" fails (a trigger refuses it): the LPA gets
 * 1.2 / 4.2 Execution Error instead of 204, the session stays, and the
 * same notification sent again once the database accepts it installs. */
static void test_commit_failure_answered(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    lpa_open(&x);
    size_t pir_len = 0;
    uint8_t *pir = wt_install(&x.device, 0, &pir_len);
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_DOWNLOADED);
    wt_sql(&x, "CREATE TRIGGER wt_refuse BEFORE UPDATE OF state ON smdp_profiles "
               "WHEN NEW.state = 'installed' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    json_t *failed = wt_notify(&x.device, pir, pir_len, 200);
    lpa_expect_status(failed, "1.2", "4.2");
    json_decref(failed);
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_DOWNLOADED);
    smdp_server_stats stats;
    smdp_server_get_stats(x.server, &stats);
    assert_int_equal(stats.writes_failed, 1);
    wt_sql(&x, "DROP TRIGGER wt_refuse");
    assert_null(wt_notify(&x.device, pir, pir_len, 204));
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_INSTALLED);
    free(pir);
    lpa_close(&x);
}

typedef struct wt_pending_post {
    lpa_device *device;
    const char *body;
    int status;      /* HTTP status; 0 when the connection ended without one */
    pthread_t thread;
} wt_pending_post;

static void *wt_post_main(void *arg)
{
    wt_pending_post *post = arg;
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/es9plus/handleNotification",
             post->device->base_url);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = post->body,
                                   .body_len = strlen(post->body)};
    http_client_response *response = NULL;
    if (http_client_send(post->device->client, &request, &response) == AW_OK)
        post->status = response->status;
    http_client_response_free(response);
    return NULL;
}

/* The daemon is shut down while a notification waits for its commit (a
 * test connection holds the write lock): the request is not answered as
 * handled, the writer still commits it (the state holds, the LPA would
 * retry), and nothing leaks (ASan). */
static void test_shutdown_in_flight(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    lpa_open(&x);
    size_t pir_len = 0;
    uint8_t *pir = wt_install(&x.device, 0, &pir_len);
    char *pir64 = lpa_base64(pir, pir_len);
    char *body = malloc(strlen(pir64) + 64);
    assert_non_null(body);
    sprintf(body, "{\"pendingNotification\":\"%s\"}", pir64);
    db_connection *lock = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &lock), AW_OK);
    assert_int_equal(db_begin(lock), AW_OK);
    smdp_server_stats before, stats;
    smdp_server_get_stats(x.server, &before); /* GetBoundProfilePackage's change */
    assert_int_equal(before.writes_committed, 1);
    wt_pending_post post = {.device = &x.device, .body = body};
    assert_int_equal(pthread_create(&post.thread, NULL, wt_post_main, &post), 0);
    stats = before;
    for (int i = 0; i < 500 && stats.writes_submitted == before.writes_submitted; i++) {
        usleep(10 * 1000);
        smdp_server_get_stats(x.server, &stats);
    }
    assert_int_equal(stats.writes_submitted, before.writes_submitted + 1);
    event_base_loopexit(x.base, NULL);
    assert_int_equal(pthread_join(x.thread, NULL), 0);
    assert_int_equal(db_rollback(lock), AW_OK); /* the writer may go on */
    smdp_server_stop(x.server);
    smdp_server_free(x.server);
    x.server = NULL;
    assert_int_equal(pthread_join(post.thread, NULL), 0);
    assert_int_not_equal(post.status, 204);
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_INSTALLED);
    db_close(lock);
    free(body);
    free(pir64);
    free(pir);
    lpa_close(&x);
}

/* Run the daemon in a child process on x's files; returns its pid, the
 * port in *port. */
static pid_t wt_spawn_daemon(lpa_smdp *x, uint16_t *port)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct event_base *base = event_base_new();
        smdp_server *server = NULL;
        smdp_config config = {.pki_directory = x->device.t.pki, .database_url = x->db_url,
                              .key_ring_file = x->key_file, .address = "127.0.0.1",
                              .smdp_address = LPA_SMDP_ADDRESS};
        if (base == NULL || smdp_server_new(base, &config, &server) != AW_OK)
            _exit(1);
        uint16_t bound = smdp_server_port(server);
        if (write(fds[1], &bound, sizeof(bound)) != (ssize_t)sizeof(bound))
            _exit(1);
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], port, sizeof(*port)), (ssize_t)sizeof(*port));
    close(fds[0]);
    return pid;
}

/* The daemon is killed (SIGKILL) right after each answer: what it
 * answered is in the database (downloaded after GetBoundProfilePackage,
 * installed after HandleNotification). */
static void test_kill_after_answer(void **state)
{
    (void)state;
    lpa_smdp x;
    wt_prepare(&x);
    uint16_t port = 0;
    pid_t pid = wt_spawn_daemon(&x, &port);
    lpa_device *d = &x.device;
    te_open(&d->t);
    te_select_isdr(&d->t);
    snprintf(d->base_url, sizeof(d->base_url), "https://127.0.0.1:%u", (unsigned)port);
    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", d->t.pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &d->client), AW_OK);
    size_t pir_len = 0;
    uint8_t *pir = wt_install(d, 0, &pir_len);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_DOWNLOADED);
    /* again: the notification's answer, then the kill */
    http_client_free(d->client);
    pid = wt_spawn_daemon(&x, &port);
    snprintf(d->base_url, sizeof(d->base_url), "https://127.0.0.1:%u", (unsigned)port);
    assert_int_equal(http_client_new(&client, &d->client), AW_OK);
    /* the session lived in the killed process: a new one from the start */
    free(pir);
    char iccid[20];
    wt_iccid(0, iccid);
    lpa_delete_profile(d, iccid);
    pir = wt_install(d, 0, &pir_len);
    assert_null(wt_notify(d, pir, pir_len, 204));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(wt_state(&x, 0), SMDP_STATE_INSTALLED);
    free(pir);
    http_client_free(d->client);
    d->client = NULL;
    te_teardown(&d->t);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) /* lpa_halt's loopexit from this thread */
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_commit),
        cmocka_unit_test(test_free_commits_queue),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_backend_deferred),
        cmocka_unit_test(test_parallel_sessions),
        cmocka_unit_test(test_commit_failure_answered),
        cmocka_unit_test(test_shutdown_in_flight),
        cmocka_unit_test(test_kill_after_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
