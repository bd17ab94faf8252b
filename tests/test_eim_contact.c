/* Last contact in batches (src/eim/contact.c, eim_package_poll in
 * package.c, the workers of server.c): an ESipa.GetEimPackage poll (SGP.32
 * 6.3.2.6) of an ACTIVE eUICC that finds nothing is a read, its last
 * contact written by the contact cache's flush (one transaction per
 * interval, and at a clean shutdown); a first contact (REGISTERED ->
 * ACTIVE) and a package handed out are committed at once; a crash (the
 * cache dropped unflushed) loses at most the contacts since the last
 * flush. Run on SQLite and on PostgreSQL (tests/pg-harness.sh). */
#include "eim_testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/pem.h>

#include "core/http_client.h"
#include "core/sgp32_esipa.h"

static char eid0[EIM_EID_DIGITS + 1];
static char eid1[EIM_EID_DIGITS + 1];

static eim_euicc registry_row(db_connection *db, const char *eid)
{
    eim_euicc e;
    assert_int_equal(eim_registry_get(db, eid, &e), AW_OK);
    return e;
}

static void make_active(db_connection *db, const char *eid, int64_t ms)
{
    db_param p[] = {DB_PARAM_INT64(EIM_EUICC_ACTIVE), DB_PARAM_INT64(ms), DB_PARAM_TEXT(eid)};
    int64_t changes = 0;
    assert_int_equal(db_execute(db,
                                "UPDATE eim_euiccs SET state = ?, last_contact_ms = ? "
                                "WHERE eid = ?",
                                p, 3, &changes),
                     AW_OK);
    assert_int_equal(changes, 1);
}

/* ---- the cache alone ---------------------------------------------------------- */

static void test_cache(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    eim_contact_cache *cache = NULL;
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    eim_test_register(db, eid1, 0, -1, NULL, NULL);
    make_active(db, eid0, 1000);
    make_active(db, eid1, 5000);
    assert_int_equal(eim_contact_cache_new(&cache), AW_OK);
    assert_int_equal(eim_contact_cache_pending(cache), 0);
    assert_int_equal(eim_contact_cache_flush(cache, db), AW_OK); /* nothing: no transaction */

    assert_int_equal(eim_contact_cache_note(cache, eid0, 2000), AW_OK);
    assert_int_equal(eim_contact_cache_note(cache, eid0, 1500), AW_OK); /* later time wins */
    assert_int_equal(eim_contact_cache_note(cache, eid1, 4000), AW_OK);
    assert_int_equal(eim_contact_cache_pending(cache), 2);
    /* not written before the flush */
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 1000);

    /* a flush inside another transaction fails and keeps everything */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(eim_contact_cache_flush(cache, db), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(eim_contact_cache_pending(cache), 2);

    assert_int_equal(eim_contact_cache_flush(cache, db), AW_OK);
    assert_int_equal(eim_contact_cache_pending(cache), 0);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 2000);
    /* a row's time only moves forward: eid1's 5000 stays */
    assert_int_equal(registry_row(db, eid1).last_contact_ms, 5000);

    /* refused input */
    assert_int_equal(eim_contact_cache_note(cache, "89049032", 1), AW_ERR_EIM_IMPORT_EID);
    assert_int_equal(eim_contact_cache_note(cache, eid0, 0), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_note(NULL, eid0, 1), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_note(cache, NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_flush(NULL, db), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_flush(cache, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_new(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(eim_contact_cache_pending(NULL), 0);
    eim_contact_cache_free(NULL);
    eim_contact_cache_free(cache);
    db_close(db);
}

/* Past its first capacity the cache grows; one flush writes all. */
static void test_cache_grows(void **state)
{
    (void)state;
    enum { COUNT = 3000 };
    db_connection *db = eim_test_db_fresh();
    eim_contact_cache *cache = NULL;
    eim_batch batch = {.records = calloc(COUNT, sizeof(eim_euicc)), .count = COUNT};
    assert_non_null(batch.records);
    for (unsigned i = 0; i < COUNT; i++) {
        char eid[EIM_EID_DIGITS + 1];
        eim_test_eid(100 + i, eid);
        eim_test_record(&batch.records[i], eid, 0, -1, NULL, NULL);
    }
    assert_int_equal(eim_registry_import(db, &batch, NULL, 1, NULL), AW_OK);
    assert_int_equal(eim_contact_cache_new(&cache), AW_OK);
    for (unsigned i = 0; i < COUNT; i++)
        assert_int_equal(eim_contact_cache_note(cache, batch.records[i].eid, 7000 + i), AW_OK);
    assert_int_equal(eim_contact_cache_pending(cache), COUNT);
    assert_int_equal(eim_contact_cache_flush(cache, db), AW_OK);
    int64_t written = 0;
    assert_int_equal(db_query_int64(db,
                                    "SELECT COUNT(*) FROM eim_euiccs WHERE last_contact_ms >= 7000",
                                    NULL, 0, &written),
                     AW_OK);
    assert_int_equal(written, COUNT);
    assert_int_equal(registry_row(db, batch.records[COUNT - 1].eid).last_contact_ms,
                     7000 + COUNT - 1);
    eim_contact_cache_free(cache);
    free(batch.records); /* no certificates */
    db_close(db);
}

/* ---- polls ---------------------------------------------------------------------- */

static void test_poll(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    eim_contact_cache *cache = NULL;
    uint8_t *out = NULL;
    size_t len = 0;
    int64_t id = 0;
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    assert_int_equal(eim_contact_cache_new(&cache), AW_OK);

    /* first contact: REGISTERED -> ACTIVE committed at once, nothing cached */
    assert_int_equal(eim_package_poll(db, cache, eid0, 10000, &out, &len, &id), AW_ERR_NOT_FOUND);
    assert_null(out);
    eim_euicc e = registry_row(db, eid0);
    assert_int_equal(e.state, EIM_EUICC_ACTIVE);
    assert_int_equal(e.last_contact_ms, 10000);
    assert_int_equal(eim_contact_cache_pending(cache), 0);

    /* ACTIVE, nothing waiting: a read; the contact waits in the cache */
    assert_int_equal(eim_package_poll(db, cache, eid0, 11000, &out, &len, &id), AW_ERR_NOT_FOUND);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 10000);
    assert_int_equal(eim_contact_cache_pending(cache), 1);
    /* the batch writes it */
    assert_int_equal(eim_contact_cache_flush(cache, db), AW_OK);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 11000);

    /* a crash: the cache is lost unflushed; the row keeps the last flush's
     * time, older than the lost contact by at most the interval */
    assert_int_equal(eim_package_poll(db, cache, eid0, 12000, &out, &len, &id), AW_ERR_NOT_FOUND);
    eim_contact_cache_free(cache);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 11000);

    /* a package waiting: handed out and committed with the contact */
    assert_int_equal(eim_contact_cache_new(&cache), AW_OK);
    int64_t queued = 0;
    assert_int_equal(eim_package_enqueue_euicc_data(db, eid0, (const uint8_t *)"\xA5", 1, 12500,
                                                    &queued),
                     AW_OK);
    assert_int_equal(eim_package_poll(db, cache, eid0, 13000, &out, &len, &id), AW_OK);
    assert_non_null(out);
    assert_int_equal(id, queued);
    free(out);
    out = NULL;
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 13000);
    assert_int_equal(eim_contact_cache_pending(cache), 0);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid0, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_SENT);
    eim_package_records_free(records, count);

    /* errors */
    assert_int_equal(eim_package_poll(db, cache, eid1, 14000, &out, &len, &id),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(eim_package_poll(NULL, cache, eid0, 14000, &out, &len, &id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_poll(db, cache, eid0, 14000, NULL, &len, &id), AW_ERR_ARGUMENT);
    /* without a cache: committed at once, as eim_package_next */
    assert_int_equal(eim_package_poll(db, NULL, eid0, 15000, &out, &len, &id), AW_OK);
    free(out);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 15000);
    eim_contact_cache_free(cache);
    db_close(db);
}

/* ---- the server's workers --------------------------------------------------------- */

static char tls_dir[300];
static char ca_path[400];

/* Outside any test (main): reports failure instead of asserting. */
static bool write_pem(const char *name, X509 *cert, EVP_PKEY *key)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", tls_dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    bool ok = (cert != NULL ? PEM_write_X509(f, cert)
                            : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)) == 1;
    return fclose(f) == 0 && ok;
}

typedef struct running_eim {
    struct event_base *base;
    eim_server *server;
    pthread_t loop;
    char url[128];
} running_eim;

static void *run_loop(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void eim_start(running_eim *r, unsigned flush_ms)
{
    r->base = event_base_new();
    assert_non_null(r->base);
    eim_config config = {.pki_directory = tls_dir, .database_url = eim_test_database.url,
                         .contact_flush_ms = flush_ms};
    assert_int_equal(eim_server_new(r->base, &config, &r->server), AW_OK);
    snprintf(r->url, sizeof(r->url), "https://127.0.0.1:%u" EIM_ESIPA_PATH,
             (unsigned)eim_server_port(r->server));
    assert_int_equal(pthread_create(&r->loop, NULL, run_loop, r->base), 0);
}

static void eim_stop(running_eim *r)
{
    event_base_loopexit(r->base, NULL);
    assert_int_equal(pthread_join(r->loop, NULL), 0);
    eim_server_free(r->server); /* a clean shutdown: the workers flush */
    event_base_free(r->base);
}

/* One GetEimPackage over HTTPS: noEimPackageAvailable expected. */
static void poll_over_https(const running_eim *r, const char *eid)
{
    http_client *client = NULL;
    http_client_config client_config = {.ca_file = ca_path};
    assert_int_equal(http_client_new(&client_config, &client), AW_OK);
    sgp32_esipa_message_from_ipa_to_eim m;
    uint8_t octets[SGP32_EID_LENGTH], *body = NULL;
    size_t len = 0;
    memset(&m, 0, sizeof(m));
    assert_int_equal(eim_eid_to_octets(eid, octets), AW_OK);
    m.kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    m.get_eim_package_request.eid_value = (aw_slice){octets, sizeof(octets)};
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(&m, &body, &len), AW_OK);
    http_header header = {"Content-Type", EIM_ESIPA_CONTENT_TYPE};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = r->url,
                                   .headers = &header, .header_count = 1, .body = body,
                                   .body_len = len};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(client, &request, &response), AW_OK);
    assert_int_equal(response->status, 200);
    sgp32_esipa_message_from_eim_to_ipa answer;
    assert_int_equal(
        sgp32_decode_esipa_message_from_eim_to_ipa(response->body, response->body_len, &answer),
        AW_OK);
    assert_int_equal(answer.get_eim_package_response.kind, SGP32_EIM_PACKAGE_ERROR);
    assert_int_equal(answer.get_eim_package_response.eim_package_error,
                     SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
    http_client_response_free(response);
    http_client_free(client);
    free(body);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* An idle worker writes its contacts when the interval is over. */
static void test_server_interval(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    running_eim r;
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    make_active(db, eid0, 1000);
    eim_start(&r, 200);
    int64_t before = db_clock_ms();
    poll_over_https(&r, eid0);
    /* within the interval it waits in memory (the poll is a read) */
    int64_t seen = registry_row(db, eid0).last_contact_ms;
    int64_t elapsed = db_clock_ms() - before;
    if (elapsed < 150)
        assert_int_equal(seen, 1000);
    /* after it, the batch has written it without any shutdown */
    for (int i = 0; i < 100 && seen < before; i++) {
        sleep_ms(50);
        seen = registry_row(db, eid0).last_contact_ms;
    }
    assert_true(seen >= before);
    assert_true(seen <= db_clock_ms());
    eim_stop(&r);
    db_close(db);
}

/* A clean shutdown writes what a long interval still held. */
static void test_server_shutdown(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    running_eim r;
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    eim_test_register(db, eid1, 0, -1, NULL, NULL);
    make_active(db, eid0, 1000);
    eim_start(&r, 3600u * 1000u);
    int64_t before = db_clock_ms();
    poll_over_https(&r, eid0);
    poll_over_https(&r, eid1); /* first contact: written at once */
    eim_euicc e1 = registry_row(db, eid1);
    assert_int_equal(e1.state, EIM_EUICC_ACTIVE);
    assert_true(e1.last_contact_ms >= before);
    assert_int_equal(registry_row(db, eid0).last_contact_ms, 1000);
    eim_stop(&r);
    assert_true(registry_row(db, eid0).last_contact_ms >= before);
    db_close(db);
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_eim_contact");
    if (status != 0)
        return status;
    eim_test_eid(1, eid0);
    eim_test_eid(2, eid1);
    /* the eIM's PKI directory: a CI and a TLS credential */
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    pki_hierarchy h;
    if (pki_issue_hierarchy(&params, &h) != AW_OK)
        return 1;
    snprintf(tls_dir, sizeof(tls_dir), "%s/pki", eim_test_database.temp_dir);
    snprintf(ca_path, sizeof(ca_path), "%s/ci.pem", tls_dir);
    bool written = mkdir(tls_dir, 0700) == 0 &&
                   write_pem("ci.pem", (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_CI]),
                             NULL) &&
                   write_pem("dptls.pem",
                             (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS]), NULL) &&
                   write_pem("dptls.key.pem", NULL, h.key[AW_PKI_ROLE_DP_TLS]);
    pki_hierarchy_free(&h);
    if (!written) {
        eim_test_db_cleanup();
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_grows),
        cmocka_unit_test(test_poll),
        cmocka_unit_test(test_server_interval),
        cmocka_unit_test(test_server_shutdown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
