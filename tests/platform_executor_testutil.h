/* Harness of the executor tests (test code only), everything in process
 * over HTTPS on loopback:
 *   - the real SM-DP+ (smdp_server_new) with ES2+ for the platform as its
 *     operator (mutual TLS) and HandleDownloadProgressInfo sent to it;
 *   - the platform: its database (an app with a callback subscribed to
 *     every event), the executor, and its notification endpoint on an
 *     HTTPS server that requires the SM-DP+'s client certificate;
 *   - the real eIM (eim_server_new) on the database the executor writes
 *     triggers to, relaying downloads to the SM-DP+;
 *   - devices: software eUICCs (each its own EID, certificates issued by
 *     the test EUM) with an IPA polling the eIM (ipa_poller, indirect
 *     download hook).
 * The executor's clock is the wall clock plus exec_clock_offset, so tests
 * move it past leases, backoffs and result times. The platform's database
 * is SQLite, or PostgreSQL (exec_platform_pg_url); the SM-DP+'s and the
 * eIM's are SQLite. */
#ifndef AIRWRITE_TESTS_PLATFORM_EXECUTOR_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_EXECUTOR_TESTUTIL_H

#include "smdp_lpa_testutil.h"
#include "eim_testutil.h"
#include "ipa_testutil.h"
#include "platform_testutil.h"
#include "smdp_es2p_notify_testutil.h"

#include "core/db_queue.h"
#include "core/es2p_client.h"
#include "ipa/download.h"
#include "ipa/esipa.h"
#include "platform/platform.h"
#include "smdp/es2p_notifier.h"

#define EXEC_TYPE "iot-basic"
#define EXEC_REQUESTER "airwrite-platform"
#define EXEC_DEVICES_MAX 3
#define EXEC_PROFILES_CSV                                                                      \
    "iccid,imsi,ki,opc\n"                                                                      \
    "8944000000000123456,234150999999991,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,"                    \
    "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n"                                                       \
    "8944000000000123464,234150999999992,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5B,"                    \
    "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A6\n"                                                       \
    "8944000000000123472,234150999999993,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5C,"                    \
    "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A7\n"                                                       \
    "8944000000000123480,234150999999994,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5D,"                    \
    "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A8\n"

static int64_t exec_clock_offset;
/* The platform's database: PostgreSQL at this URL, or SQLite when NULL. */
static const char *exec_platform_pg_url;

/* Run once at the executor's next reading of the clock (then cleared). */
static void (*exec_clock_hook)(void);

static inline int64_t exec_clock(void *userdata)
{
    (void)userdata;
    void (*hook)(void) = exec_clock_hook;
    exec_clock_hook = NULL;
    if (hook != NULL)
        hook();
    return db_clock_ms() + exec_clock_offset;
}

/* One device: eUICC, IPA session, ESipa client, poller. */
typedef struct exec_device {
    test_euicc own;              /* devices after the first: their own identity */
    test_euicc *t;               /* the eUICC */
    pki_certificate *cert;       /* its CERT.EUICC (devices after the first) */
    char eid[PLATFORM_EID_DIGITS + 1];
    card_transport *transport;
    ipa *session;
    ipa_esipa *esipa;
    ipa_poller *poller;
    ipa_download_config download;
} exec_device;

typedef struct exec_harness {
    lpa_smdp smdp;               /* SM-DP+ PKI (smdp.device.t.pki), server, first eUICC */
    notify_pki platform_pki;     /* the platform's TLS certificate under its own CI */
    char smdp_subject[256];      /* the SM-DP+'s DPtls subject */
    char ca[200];                /* the SM-DP+ PKI's CI: trust anchor of every TLS */
    char es2p_url[64];
    smdp_operator_endpoint operator_endpoint;
    char notify_url[64];
    struct event_base *platform_base;
    http_server *platform_server;
    pthread_t platform_thread;
    platform_test_db pdb;
    db_connection *db;           /* the test's connection to the platform database */
    platform_key_ring *ring;
    platform_app app;
    platform_executor_config config;
    const char *subjects[1];
    platform_executor *executor;
    db_connection *eim_db;       /* the test's connection to the eIM database */
    struct event_base *eim_base;
    eim_server *eim;
    pthread_t eim_thread;
    char eim_base_url[64];
    eim_smdp_route route;
    char smdp_url[64];
    exec_device devices[EXEC_DEVICES_MAX];
    size_t device_count;
} exec_harness;

static inline void *exec_loop(void *arg)
{
    event_base_loop((struct event_base *)arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static inline void exec_subject(const pki_certificate *cert, char out[256])
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_true(X509_NAME_print_ex(bio, X509_get_subject_name(pki_certificate_x509(cert)), 0,
                                   XN_FLAG_RFC2253) >= 0);
    char *text = NULL;
    long len = BIO_get_mem_data(bio, &text);
    assert_true(len > 0 && len < 256);
    memcpy(out, text, (size_t)len);
    out[len] = '\0';
    BIO_free(bio);
}

/* The SM-DP+ with ES2+ for the platform and notifications to it. */
static inline void exec_smdp_start(exec_harness *h)
{
    lpa_smdp *x = &h->smdp;
    x->base = event_base_new();
    assert_non_null(x->base);
    h->operator_endpoint = (smdp_operator_endpoint){.subject = h->platform_pki.tls_subject,
                                                    .requester_id = EXEC_REQUESTER,
                                                    .base_url = h->notify_url};
    smdp_config config = {.pki_directory = x->device.t.pki, .database_url = x->db_url,
                          .key_ring_file = x->key_file, .address = "127.0.0.1",
                          .smdp_address = LPA_SMDP_ADDRESS,
                          .es2p_client_ca_file = h->platform_pki.ci,
                          .es2p_operator_ca_file = h->platform_pki.ci,
                          .es2p_operators = &h->operator_endpoint, .es2p_operator_count = 1,
                          .es2p_notify_poll_ms = 50};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    assert_int_equal(pthread_create(&x->thread, NULL, lpa_loop, x), 0);
    snprintf(h->es2p_url, sizeof(h->es2p_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_es2p_port(x->server));
    snprintf(h->smdp_url, sizeof(h->smdp_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
}

/* The platform's notification server: HTTPS, clients under the SM-DP+'s CI. */
static inline void exec_platform_server(exec_harness *h)
{
    h->platform_base = event_base_new();
    assert_non_null(h->platform_base);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = h->platform_pki.tls_cert,
                                 .key_file = h->platform_pki.tls_key,
                                 .client_ca_file = h->ca};
    assert_int_equal(http_server_new(h->platform_base, &config, &h->platform_server), AW_OK);
}

/* A device after the first: a new key and CERT.EUICC for eid from the test
 * EUM, beside copies of ci.pem and eum.pem. */
static inline void exec_device_identity(exec_harness *h, exec_device *d, size_t index)
{
    test_euicc *first = &h->smdp.device.t;
    test_euicc *t = &d->own;
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "%s", first->dir);
    snprintf(t->pki, sizeof(t->pki), "%s/pki-%zu", first->dir, index);
    snprintf(t->state, sizeof(t->state), "%s/state-%zu", first->dir, index);
    t->protocol = first->protocol;
    assert_int_equal(mkdir(t->pki, 0700), 0);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    time_t now = time(NULL);
    pki_issue_request request = {.role = AW_PKI_ROLE_EUICC,
                                 .organization = "airwrite Test EUM",
                                 .common_name = "airwrite Test eUICC",
                                 .eid = d->eid,
                                 .not_before = now - 3600,
                                 .not_after = now + 86400};
    assert_int_equal(pki_issue_certificate(&request, key, first->hierarchy.cert[AW_PKI_ROLE_EUM],
                                           first->hierarchy.key[AW_PKI_ROLE_EUM], &d->cert),
                     AW_OK);
    test_write_pem(t->pki, "ci.pem", first->hierarchy.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(t->pki, "eum.pem", first->hierarchy.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(t->pki, "euicc.pem", d->cert, NULL);
    test_write_pem(t->pki, "euicc.key.pem", NULL, key);
    EVP_PKEY_free(key);
    d->t = t;
}

static inline void exec_device_open(exec_harness *h, size_t index)
{
    exec_device *d = &h->devices[index];
    test_euicc *first = &h->smdp.device.t;
    const pki_certificate *cert = first->hierarchy.cert[AW_PKI_ROLE_EUICC];
    if (index == 0) {
        snprintf(d->eid, sizeof(d->eid), "%s", AW_PKI_DEFAULT_EID);
        d->t = first;
    } else {
        platform_test_eid(1000 + index, d->eid);
        exec_device_identity(h, d, index);
        cert = d->cert;
    }
    te_open(d->t);
    te_select_isdr(d->t);
    eim_test_register(h->eim_db, d->eid, 0, -1, cert, first->hierarchy.cert[AW_PKI_ROLE_EUM]);
    d->transport = card_transport_new(d->t->card);
    assert_int_equal(ipa_open(&d->transport->base, NULL, &d->session), AW_OK);
    ipa_esipa_config esipa = {.eim_url = h->eim_base_url, .ca_file = h->ca,
                              .timeout_ms = 20000};
    assert_int_equal(ipa_esipa_new(&esipa, &d->esipa), AW_OK);
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memcpy(d->download.device_info.tac, tac, sizeof(tac));
    d->download.eim_url = h->eim_base_url;
    d->download.eim_ca_file = h->ca;
    d->download.timeout_ms = 20000;
    d->download.trigger_mode = IPA_DOWNLOAD_INDIRECT;
    ipa_poll_config poll = {.session = d->session, .esipa = d->esipa,
                            .download = {.run = ipa_download_trigger_run,
                                         .userdata = &d->download,
                                         .features = ipa_download_features(&d->download)}};
    assert_int_equal(ipa_poller_new(&poll, &d->poller), AW_OK);
    h->device_count = index + 1;
}

static inline void exec_device_close(exec_device *d, bool first)
{
    ipa_poller_free(d->poller);
    ipa_esipa_free(d->esipa);
    ipa_close(d->session);
    ipa_transport_close(&d->transport->base);
    if (!first) {
        te_close(d->t);
        pki_certificate_free(d->cert);
    }
}

/* Everything up; devices devices (1..EXEC_DEVICES_MAX) opened. The
 * executor is created (not started): tests run passes or start it. */
static inline void exec_open(exec_harness *h, size_t devices)
{
    memset(h, 0, sizeof(*h));
    exec_clock_offset = 0;
    lpa_smdp *x = &h->smdp;
    lpa_prepare(x, "/tmp/aw-exec-XXXXXX", AW_PKI_CURVE_NIST_P256);
    snprintf(h->ca, sizeof(h->ca), "%s/ci.pem", x->device.t.pki);
    exec_subject(x->device.t.hierarchy.cert[AW_PKI_ROLE_DP_TLS], h->smdp_subject);
    db_connection *inventory = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_inventory_open(x, &inventory, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(inventory, EXEC_TYPE, template_package, template_len);
    lpa_import_csv(inventory, ring, EXEC_TYPE, EXEC_PROFILES_CSV, strlen(EXEC_PROFILES_CSV));
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(inventory);
    notify_pki_make(&h->platform_pki, "Airwrite Platform");

    exec_platform_server(h);
    platform_test_db_make(&h->pdb, exec_platform_pg_url);
    h->db = platform_test_db_open(&h->pdb);
    h->ring = platform_test_ring(1);
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_create(h->db, h->ring, "tenant1", NULL, db_clock_ms(),
                                         &h->app, secret),
                     AW_OK);
    platform_callback callback;
    assert_int_equal(platform_callback_register(h->db, h->ring, &h->app,
                                                "https://callbacks.example.com/aw",
                                                "0123456789abcdef0123456789abcdef0123456789abcdef"
                                                "0123456789abcdef",
                                                PLATFORM_EVENT_ALL, db_clock_ms(), &callback),
                     AW_OK);

    h->eim_db = eim_test_db_fresh();
    h->subjects[0] = h->smdp_subject;
    h->config = (platform_executor_config){
        .database_url = h->pdb.url, .eim_database_url = eim_test_database.url,
        .smdp_address = LPA_SMDP_ADDRESS, .ca_file = h->ca,
        .certificate_file = h->platform_pki.tls_cert, .key_file = h->platform_pki.tls_key,
        .requester_identifier = EXEC_REQUESTER, .smdp_subjects = h->subjects,
        .smdp_subject_count = 1, .workers = 1, .result_timeout_ms = 600000,
        .lease_ms = 30000, .max_attempts = 3, .poll_ms = 50, .http_timeout_ms = 10000,
        .clock = exec_clock};
    /* the SM-DP+'s address is known once it listens (after the platform's
     * server, which it notifies): the executor borrows the string, which
     * is filled in below */
    snprintf(h->es2p_url, sizeof(h->es2p_url), "https://127.0.0.1:1");
    h->config.smdp_es2p_url = h->es2p_url;
    assert_int_equal(platform_executor_new(&h->config, &h->executor), AW_OK);
    assert_int_equal(platform_executor_register_notifications(h->executor, h->platform_server),
                     AW_OK);
    assert_int_equal(http_server_start(h->platform_server), AW_OK);
    snprintf(h->notify_url, sizeof(h->notify_url), "https://127.0.0.1:%u",
             (unsigned)http_server_port(h->platform_server));
    assert_int_equal(pthread_create(&h->platform_thread, NULL, exec_loop, h->platform_base), 0);

    exec_smdp_start(h);

    h->route = (eim_smdp_route){LPA_SMDP_ADDRESS, h->smdp_url};
    h->eim_base = event_base_new();
    assert_non_null(h->eim_base);
    eim_config eim = {.pki_directory = x->device.t.pki, .database_url = eim_test_database.url,
                      .smdp_routes = &h->route, .smdp_route_count = 1, .smdp_timeout_ms = 10000};
    assert_int_equal(eim_server_new(h->eim_base, &eim, &h->eim), AW_OK);
    assert_int_equal(pthread_create(&h->eim_thread, NULL, exec_loop, h->eim_base), 0);
    snprintf(h->eim_base_url, sizeof(h->eim_base_url), "https://127.0.0.1:%u",
             (unsigned)eim_server_port(h->eim));
    for (size_t i = 0; i < devices; i++)
        exec_device_open(h, i);
}

static inline void exec_close(exec_harness *h)
{
    platform_executor_stop(h->executor);
    for (size_t i = h->device_count; i > 0; i--)
        exec_device_close(&h->devices[i - 1], i == 1);
    event_base_loopexit(h->eim_base, NULL);
    assert_int_equal(pthread_join(h->eim_thread, NULL), 0);
    eim_server_stop(h->eim);
    eim_server_free(h->eim);
    event_base_free(h->eim_base);
    db_close(h->eim_db);
    lpa_halt(&h->smdp);
    event_base_loopexit(h->platform_base, NULL);
    assert_int_equal(pthread_join(h->platform_thread, NULL), 0);
    http_server_stop(h->platform_server);
    http_server_free(h->platform_server);
    event_base_free(h->platform_base);
    /* the route's executor: freed after the server's last request */
    platform_executor_free(h->executor);
    platform_key_ring_free(h->ring);
    db_close(h->db);
    platform_test_db_remove(&h->pdb);
    notify_pki_remove(&h->platform_pki);
    lpa_close(&h->smdp);
}

/* ---- what the tests use: the harness of the running test --------------- */

static exec_harness h;

/* Each test's fixture (cmocka setup and teardown): exec_devices devices,
 * set by the test's main before exec_run_tests (a variable: a constant 1
 * lets GCC clone exec_open into a false -Wformat-truncation in
 * eim_testutil.h). */
static size_t exec_devices = EXEC_DEVICES_MAX;

static inline int exec_setup(void **state)
{
    (void)state;
    exec_open(&h, exec_devices);
    return 0;
}

static inline int exec_teardown(void **state)
{
    (void)state;
    exec_close(&h);
    return 0;
}

#define EXEC_TEST(test) cmocka_unit_test_setup_teardown(test, exec_setup, exec_teardown)

/* A test's main after its own arguments: SIGPIPE ignored (a peer may
 * hang up), libevent's locks for the loop threads, the eIM's database of
 * argv[1] (eim_test_db_init: sqlite or postgresql), the tests, cleanup. */
static inline int exec_run_tests(int argc, char **argv, const char *name,
                                 const struct CMUnitTest *tests, size_t count)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(argc, argv, name);
    if (status != 0)
        return status;
    status = _cmocka_run_group_tests(name, tests, count, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}

/* An order of eids for target (a profile type, or with pool a number pool). */
static inline void order_on(const char *const *eids, size_t count, const char *target, bool pool,
                     platform_order *order)
{
    platform_batch batch;
    memset(&batch, 0, sizeof(batch));
    batch.target_kind = pool ? PLATFORM_TARGET_NUMBER_POOL : PLATFORM_TARGET_PROFILE_TYPE;
    snprintf(batch.target, sizeof(batch.target), "%s", target);
    batch.count = count;
    batch.eids = calloc(count, sizeof(*batch.eids));
    batch.lines = calloc(count, sizeof(*batch.lines));
    assert_non_null(batch.eids);
    assert_non_null(batch.lines);
    for (size_t i = 0; i < count; i++) {
        snprintf(batch.eids[i], sizeof(batch.eids[i]), "%s", eids[i]);
        batch.lines[i] = i + 1;
    }
    uint8_t hash[32];
    assert_int_equal(crypto_random_bytes(hash, sizeof(hash)), AW_OK);
    bool created = false;
    assert_int_equal(platform_order_create(h.db, &h.app, NULL, hash, &batch, exec_clock(NULL),
                                           order, &created),
                     AW_OK);
    assert_true(created);
    free(batch.eids);
    free(batch.lines);
}

static inline void order_of(const char *const *eids, size_t count, const char *target,
                     platform_order *order)
{
    order_on(eids, count, target, false, order);
}

static inline void device_order(size_t count, const char *target, platform_order *order)
{
    const char *eids[EXEC_DEVICES_MAX];
    for (size_t i = 0; i < count; i++)
        eids[i] = h.devices[i].eid;
    order_of(eids, count, target, order);
}

/* The order again (platform_order_get clears its output first: the id is
 * copied). */
static inline void reload(platform_order *order)
{
    char id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(id, sizeof(id), "%s", order->order_id);
    assert_int_equal(platform_order_get(h.db, "tenant1", id, order), AW_OK);
}

/* Another executor of the harness whose eIM database does not work (a
 * file never migrated), with max_attempts attempts per job (0: the
 * harness's): an item then stops at its trigger step. */
static inline platform_executor *exec_executor_without_eim(int64_t max_attempts)
{
    char url[256];
    snprintf(url, sizeof(url), "sqlite:%s/not-an-eim.db", h.smdp.device.t.dir);
    platform_executor_config config = h.config;
    config.eim_database_url = url;
    if (max_attempts > 0)
        config.max_attempts = max_attempts;
    platform_executor *executor = NULL;
    assert_int_equal(platform_executor_new(&config, &executor), AW_OK);
    return executor;
}

static inline platform_executor_stats run(void)
{
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(h.executor, exec_clock(NULL), 100, &stats),
                     AW_OK);
    return stats;
}

static inline void expect_item(const char *order_id, const char *eid, const char *status,
                        const char *code)
{
    platform_order_item *items = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_order_list_items(h.db, "tenant1", order_id, NULL, 0, 100, &items,
                                               &count, &more),
                     AW_OK);
    bool found = false;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(items[i].eid, eid) != 0)
            continue;
        found = true;
        assert_string_equal(items[i].status, status);
        assert_string_equal(items[i].error_code, code != NULL ? code : "");
    }
    free(items);
    assert_true(found);
}

static inline int64_t count_sql(db_connection *db, const char *sql, const char *text)
{
    db_param param = DB_PARAM_TEXT(text);
    int64_t n = 0;
    assert_int_equal(db_query_int64(db, sql, &param, text != NULL ? 1 : 0, &n), AW_OK);
    return n;
}

static inline int64_t events(const char *type)
{
    return count_sql(h.db,
                     "SELECT COUNT(*) FROM platform_callback_deliveries WHERE event_type = ?",
                     type);
}

/* Events of type whose body holds text. */
static inline int64_t events_with(const char *type, const char *text)
{
    db_param param = DB_PARAM_TEXT(type);
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t n = 0;
    assert_int_equal(db_query(h.db,
                              "SELECT body FROM platform_callback_deliveries WHERE event_type = ?",
                              &param, 1, &rows),
                     AW_OK);
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        const uint8_t *body = NULL;
        size_t len = 0;
        assert_int_equal(db_rows_get_blob(rows, 0, &body, &len), AW_OK);
        if (memmem(body, len, text, strlen(text)) != NULL)
            n++;
    }
    db_rows_free(rows);
    return n;
}

/* Profiles of the SM-DP+ taken out of the pool (any state but available). */
static inline int64_t smdp_orders(void)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(h.smdp.db_url, NULL, &db), AW_OK);
    int64_t n = count_sql(db, "SELECT COUNT(*) FROM smdp_profiles WHERE state <> 'available'",
                          NULL);
    db_close(db);
    return n;
}

/* Wait until the SM-DP+ delivered count notifications (its queue's jobs
 * done) and has none left to send. */
static inline void wait_notifications_delivered(int64_t count)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(h.smdp.db_url, NULL, &db), AW_OK);
    int64_t done = 0, ready = 0, running = 0;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(db_queue_count(db, SMDP_NOTIFY_QUEUE, DB_JOB_DONE, &done), AW_OK);
        assert_int_equal(db_queue_count(db, SMDP_NOTIFY_QUEUE, DB_JOB_READY, &ready), AW_OK);
        assert_int_equal(db_queue_count(db, SMDP_NOTIFY_QUEUE, DB_JOB_RUNNING, &running),
                         AW_OK);
        if (done >= count && ready + running == 0)
            break;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    db_close(db);
    assert_true(done >= count);
    assert_int_equal(ready + running, 0);
}

/* Poll every device once (each downloads its trigger), then wait until
 * the order has no item in progress. */
static inline void devices_poll_and_wait(const char *order_id, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        ipa_poll_report report;
        assert_int_equal(ipa_poll_once(h.devices[i].poller, &report), AW_OK);
    }
    platform_order order;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(platform_order_get(h.db, "tenant1", order_id, &order), AW_OK);
        if (order.progress[0] + order.progress[1] == 0)
            return;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    fail_msg("items still in progress: %lld", (long long)order.progress[1]);
}

#endif
