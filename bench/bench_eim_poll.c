/* Benchmark of the eIM's ESipa.GetEimPackage (SGP.32 6.3.2.6, ASN.1 binding
 * 6.3 on HTTPS, src/eim/server.c) with many registered eUICCs (issue 5):
 *   - N eUICCs registered in one transaction (eim_registry_import) in a
 *     SQLite file, then all marked ACTIVE (each IPA polled before: a poll
 *     that finds nothing is then a read, its last contact written by the
 *     worker's contact cache once a second, src/eim/contact.c), a few of
 *     them with a queued eUICC Package
 *     (listProfileInfo, handed out again on every poll until a result);
 *   - the eIM server in-process on loopback (its own event-loop thread and
 *     worker threads), polled by simulated IPAs: client threads, each with
 *     a keep-alive HTTPS connection (core http_client), sending
 *     GetEimPackageRequest for random registered EIDs (1 poll in 100 for
 *     an EID with a package) for a fixed time: polls/s, p50/p99 latency;
 *   - memory: process RSS growth after registration and after the run over
 *     N, and the database file size (with its WAL) over N; goal < 2 KiB per
 *     registered eUICC;
 *   - bounds in the same run: the same clients against a core http_server
 *     empty POST handler on the same event loop (the HTTPS ceiling), and
 *     eim_esipa_handle called directly on one thread (database and codec,
 *     no HTTP).
 * Arguments: [N eUICCs (100000)] [seconds per figure (5)] [client threads
 * (4)] [database directory (/tmp)]. Prints figures only. */
#include <arpa/inet.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/pem.h>

#include "core/db.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "core/pki.h"
#include "core/sgp32_esipa.h"
#include "eim/eim.h"

#define BENCH_MAX_THREADS 16
#define BENCH_QUEUED 100u             /* eUICCs with a queued package */
#define BENCH_QUEUED_EVERY 100u       /* one poll in this many targets them */
#define BENCH_BUCKETS 100000u         /* latency histogram: 1 us buckets to 100 ms */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Process RSS once the allocator has handed its free memory back: what
 * is live, not what glibc keeps for later. */
static long rss_trimmed_bytes(void)
{
    malloc_trim(0);
    return rss_bytes();
}

static char dir[256];
static char ca_path[300], cert_path[300], key_path[300], db_path[300], wal_path[300];
static crypto_key *eim_signing_key;
static pki_certificate *ci_certificate;

/* The database's own size (pages in use, WAL content included), apart
 * from how far its files have grown. */
static long database_bytes(void)
{
    db_connection *db = NULL;
    int64_t pages = 0, page_size = 0;
    if (db_open(db_path, NULL, &db) != AW_OK ||
        db_query_int64(db, "PRAGMA page_count", NULL, 0, &pages) != AW_OK ||
        db_query_int64(db, "PRAGMA page_size", NULL, 0, &page_size) != AW_OK)
        pages = -1;
    db_close(db);
    return pages < 0 ? -1 : (long)(pages * page_size);
}

static int write_pki(void)
{
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    pki_hierarchy h;
    if (pki_issue_hierarchy(&params, &h) != AW_OK)
        return -1;
    snprintf(ca_path, sizeof(ca_path), "%s/ci.pem", dir);
    snprintf(cert_path, sizeof(cert_path), "%s/dptls.pem", dir);
    snprintf(key_path, sizeof(key_path), "%s/dptls.key.pem", dir);
    FILE *ca = fopen(ca_path, "w"), *cert = fopen(cert_path, "w"), *key = fopen(key_path, "w");
    int ok = ca && cert && key &&
             PEM_write_X509(ca, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_CI])) &&
             PEM_write_X509(cert, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS])) &&
             PEM_write_PrivateKey(key, h.key[AW_PKI_ROLE_DP_TLS], NULL, NULL, 0, NULL, NULL);
    if (ca)
        fclose(ca);
    if (cert)
        fclose(cert);
    if (key)
        fclose(key);
    pki_hierarchy_free(&h);
    if (!ok)
        return -1;
    FILE *f = fopen(ca_path, "r");
    char buffer[8192];
    size_t len = f != NULL ? fread(buffer, 1, sizeof(buffer), f) : 0;
    if (f != NULL)
        fclose(f);
    return pki_certificate_parse_pem(buffer, len, &ci_certificate) == AW_OK &&
                   crypto_generate_key(CRYPTO_CURVE_NIST_P256, &eim_signing_key) == AW_OK
               ? 0
               : -1;
}

static void remove_files(void)
{
    char shm[320];
    snprintf(shm, sizeof(shm), "%s-shm", db_path);
    unlink(ca_path);
    unlink(cert_path);
    unlink(key_path);
    unlink(db_path);
    unlink(wal_path);
    unlink(shm);
    rmdir(dir);
}

/* The i-th bench EID: 30 digits, then the check digits (SGP.29). */
static void bench_eid(size_t i, char out[EIM_EID_DIGITS + 1])
{
    char first30[31];
    snprintf(first30, sizeof(first30), "89049032%022zu", i);
    if (pki_eid_complete(first30, out) != AW_OK)
        out[0] = '\0';
}

/* ---- registration ------------------------------------------------------------ */

static int register_euiccs(size_t n, double *seconds)
{
    db_connection *db = NULL;
    eim_key_ring *keys = NULL;
    eim_batch batch = {.records = calloc(n, sizeof(eim_euicc)), .count = n};
    int rc = -1;
    if (batch.records == NULL || db_open(db_path, NULL, &db) != AW_OK || eim_migrate(db) != AW_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        bench_eid(i, batch.records[i].eid);
        snprintf(batch.records[i].eim_id, sizeof(batch.records[i].eim_id), "bench.eim");
        snprintf(batch.records[i].signing_key, sizeof(batch.records[i].signing_key), "eim");
    }
    double start = now_seconds();
    if (eim_registry_import(db, &batch, NULL, db_clock_ms(), NULL) != AW_OK)
        goto cleanup;
    *seconds = now_seconds() - start;
    /* steady state: every IPA has polled before (its first contact, the
     * REGISTERED -> ACTIVE change, is committed at once and is not what a
     * fleet's polls are) */
    db_param active[] = {DB_PARAM_INT64(EIM_EUICC_ACTIVE), DB_PARAM_INT64(db_clock_ms())};
    if (db_execute(db, "UPDATE eim_euiccs SET state = ?, last_contact_ms = ?", active, 2, NULL) !=
        AW_OK)
        goto cleanup;
    if (eim_key_ring_new(&keys) != AW_OK)
        goto cleanup;
    crypto_key *key = eim_signing_key;
    eim_signing_key = NULL;
    if (eim_key_ring_add(keys, "eim", key) != AW_OK)
        goto cleanup;
    eim_operation op = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    for (size_t i = 0; i < BENCH_QUEUED && i < n; i++) {
        if (eim_package_enqueue(db, keys, batch.records[i].eid, &op, 1, db_clock_ms(), NULL,
                                NULL) != AW_OK)
            goto cleanup;
    }
    rc = 0;
cleanup:
    eim_key_ring_free(keys);
    db_close(db);
    free(batch.records); /* no certificates: nothing else to clear */
    return rc;
}

/* ---- simulated IPAs ----------------------------------------------------------- */

typedef struct client_job {
    char url[128];
    size_t n;
    double deadline;
    unsigned seed;
    unsigned long done, failed, packages;
    uint32_t *histogram; /* BENCH_BUCKETS + 1 (overflow) */
} client_job;

static aw_err get_eim_package_request(const char *eid, uint8_t **out, size_t *out_len)
{
    uint8_t octets[SGP32_EID_LENGTH];
    aw_err err = eim_eid_to_octets(eid, octets);
    if (err != AW_OK)
        return err;
    sgp32_esipa_message_from_ipa_to_eim m;
    memset(&m, 0, sizeof(m));
    m.kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    m.get_eim_package_request.eid_value = (aw_slice){octets, sizeof(octets)};
    return sgp32_encode_esipa_message_from_ipa_to_eim(&m, out, out_len);
}

/* A package handed out (not an eimPackageError). */
static bool answer_has_package(const uint8_t *body, size_t len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    bool package = m != NULL && sgp32_decode_esipa_message_from_eim_to_ipa(body, len, m) == AW_OK &&
                   m->kind == SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE &&
                   m->get_eim_package_response.kind != SGP32_EIM_PACKAGE_ERROR;
    free(m);
    return package;
}

static void *client_thread(void *arg)
{
    client_job *job = arg;
    http_client_config config = {.ca_file = ca_path};
    http_client *client = NULL;
    if (http_client_new(&config, &client) != AW_OK)
        return NULL;
    http_header headers[] = {{"Content-Type", EIM_ESIPA_CONTENT_TYPE}};
    for (unsigned long i = 0; now_seconds() < job->deadline; i++) {
        size_t index = i % BENCH_QUEUED_EVERY == 0
                           ? (size_t)rand_r(&job->seed) % (BENCH_QUEUED < job->n ? BENCH_QUEUED
                                                                                  : job->n)
                           : ((size_t)rand_r(&job->seed) * 65536u +
                              (size_t)rand_r(&job->seed)) % job->n;
        char eid[EIM_EID_DIGITS + 1];
        uint8_t *body = NULL;
        size_t body_len = 0;
        bench_eid(index, eid);
        if (get_eim_package_request(eid, &body, &body_len) != AW_OK) {
            job->failed++;
            continue;
        }
        http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = job->url,
                                       .headers = headers, .header_count = 1, .body = body,
                                       .body_len = body_len};
        http_client_response *response = NULL;
        double start = now_seconds();
        aw_err err = http_client_send(client, &request, &response);
        double elapsed_us = (now_seconds() - start) * 1e6;
        if (err == AW_OK && response->status == 200) {
            job->done++;
            size_t bucket = elapsed_us < BENCH_BUCKETS ? (size_t)elapsed_us : BENCH_BUCKETS;
            job->histogram[bucket]++;
            if (response->body_len > 0 && answer_has_package(response->body, response->body_len))
                job->packages++;
        } else {
            job->failed++;
        }
        http_client_response_free(response);
        free(body);
    }
    http_client_free(client);
    return NULL;
}

typedef struct run_figures {
    double rate;
    unsigned long done, failed, packages;
    double p50_us, p99_us;
} run_figures;

static double percentile(const uint32_t *histogram, unsigned long total, double fraction)
{
    unsigned long want = (unsigned long)((double)total * fraction), seen = 0;
    for (size_t b = 0; b <= BENCH_BUCKETS; b++) {
        seen += histogram[b];
        if (seen > want)
            return (double)b + 0.5;
    }
    return BENCH_BUCKETS;
}

static int run_clients(const char *url, size_t n, int threads, double seconds, run_figures *f)
{
    client_job jobs[BENCH_MAX_THREADS];
    pthread_t ids[BENCH_MAX_THREADS];
    uint32_t *merged = calloc(BENCH_BUCKETS + 1, sizeof(uint32_t));
    memset(f, 0, sizeof(*f));
    if (merged == NULL)
        return -1;
    double start = now_seconds();
    int started = 0;
    for (int i = 0; i < threads; i++) {
        jobs[i] = (client_job){.n = n, .deadline = start + seconds, .seed = 12345u + (unsigned)i,
                               .histogram = calloc(BENCH_BUCKETS + 1, sizeof(uint32_t))};
        snprintf(jobs[i].url, sizeof(jobs[i].url), "%s", url);
        if (jobs[i].histogram == NULL || pthread_create(&ids[i], NULL, client_thread, &jobs[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(ids[i], NULL);
        f->done += jobs[i].done;
        f->failed += jobs[i].failed;
        f->packages += jobs[i].packages;
        for (size_t b = 0; b <= BENCH_BUCKETS; b++)
            merged[b] += jobs[i].histogram[b];
    }
    double elapsed = now_seconds() - start;
    for (int i = 0; i < threads && i <= started; i++)
        free(jobs[i].histogram);
    f->rate = (double)f->done / elapsed;
    f->p50_us = percentile(merged, f->done, 0.50);
    f->p99_us = percentile(merged, f->done, 0.99);
    free(merged);
    return started == threads ? 0 : -1;
}

/* ---- bounds -------------------------------------------------------------------- */

static void handle_empty(http_request *request, void *userdata)
{
    (void)request;
    (void)userdata;
}

/* GetEimPackage served by eim_esipa_handle on this thread: no HTTP. The
 * last contacts go to a contact cache flushed every EIM_CONTACT_FLUSH_MS,
 * as a server worker does. */
static double direct_rate(size_t n, double seconds)
{
    db_connection *db = NULL;
    pki_trust_store *trust = NULL;
    eim_contact_cache *contacts = NULL;
    double rate = -1;
    unsigned seed = 777;
    if (db_open(db_path, NULL, &db) != AW_OK || pki_trust_store_new(&trust) != AW_OK ||
        pki_trust_store_add_ci(trust, ci_certificate) != AW_OK ||
        eim_contact_cache_new(&contacts) != AW_OK)
        goto cleanup;
    eim_context context = {.db = db, .trust = trust, .contacts = contacts};
    unsigned long count = 0;
    double start = now_seconds(), flushed = start;
    while (now_seconds() - start < seconds) {
        if (now_seconds() - flushed >= EIM_CONTACT_FLUSH_MS / 1000.0) {
            if (eim_contact_cache_flush(contacts, db) != AW_OK)
                goto cleanup;
            flushed = now_seconds();
        }
        char eid[EIM_EID_DIGITS + 1];
        uint8_t *request = NULL, *answer = NULL;
        size_t request_len = 0, answer_len = 0;
        bench_eid(((size_t)rand_r(&seed) * 65536u + (size_t)rand_r(&seed)) % n, eid);
        aw_err err = get_eim_package_request(eid, &request, &request_len);
        if (err == AW_OK)
            err = eim_esipa_handle(&context, request, request_len, db_clock_ms(), &answer,
                                   &answer_len, NULL);
        free(request);
        free(answer);
        if (err != AW_OK)
            goto cleanup;
        count++;
    }
    if (eim_contact_cache_flush(contacts, db) == AW_OK)
        rate = (double)count / (now_seconds() - start);
cleanup:
    eim_contact_cache_free(contacts);
    pki_trust_store_free(trust);
    db_close(db);
    return rate;
}

static void *run_loop(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void print_run(const char *what, const run_figures *f)
{
    printf("  %-34s: %8.0f polls/s  p50 %7.0f us  p99 %7.0f us  (%lu ok, %lu failed, "
           "%lu with a package)\n",
           what, f->rate, f->p50_us, f->p99_us, f->done, f->failed, f->packages);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000u;
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 5.0;
    int threads = argc > 3 ? atoi(argv[3]) : 4;
    const char *parent = argc > 4 ? argv[4] : "/tmp";
    if (n == 0 || seconds <= 0 || threads < 1 || threads > BENCH_MAX_THREADS) {
        fprintf(stderr, "usage: bench_eim_poll [eUICCs] [seconds] [threads 1-%d] [db dir]\n",
                BENCH_MAX_THREADS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "%s/aw_bench_eim_XXXXXX", parent);
    if (evthread_use_pthreads() != 0 || mkdtemp(dir) == NULL || write_pki() != 0) {
        fprintf(stderr, "bench_eim_poll: setup failed\n");
        return 1;
    }
    snprintf(db_path, sizeof(db_path), "%s/eim.db", dir);
    snprintf(wal_path, sizeof(wal_path), "%s/eim.db-wal", dir);

    /* the server first, on the empty database: its baseline memory */
    struct event_base *base = event_base_new();
    eim_config config = {.pki_directory = dir, .database_url = db_path};
    eim_server *eim = NULL;
    http_server_config empty_config = {.address = "127.0.0.1", .certificate_file = cert_path,
                                       .key_file = key_path};
    http_server *empty = NULL;
    if (base == NULL || eim_server_new(base, &config, &eim) != AW_OK ||
        http_server_new(base, &empty_config, &empty) != AW_OK ||
        http_server_route(empty, AW_HTTP_METHOD_POST, EIM_ESIPA_PATH, handle_empty, NULL) !=
            AW_OK ||
        http_server_start(empty) != AW_OK) {
        fprintf(stderr, "bench_eim_poll: server setup failed\n");
        return 1;
    }
    pthread_t loop;
    pthread_create(&loop, NULL, run_loop, base);
    struct statfs fs;
    const char *fs_kind = statfs(dir, &fs) == 0 && fs.f_type == 0x01021994 ? "tmpfs" : "disk";
    printf("bench_eim_poll: %zu eUICCs, eIM on loopback (1 event loop + 2 workers), %d IPA "
           "threads, %ld CPUs, %.0f s per figure, SQLite in %s (%s)\n",
           n, threads, sysconf(_SC_NPROCESSORS_ONLN), seconds, parent, fs_kind);

    long rss_start = rss_bytes();
    double import_seconds = 0;
    if (register_euiccs(n, &import_seconds) != 0) {
        fprintf(stderr, "bench_eim_poll: registration failed\n");
        return 1;
    }
    long rss_registered = rss_bytes(), rss_registered_trimmed = rss_trimmed_bytes();
    long db_registered = database_bytes();
    long files_registered = file_size(db_path) + file_size(wal_path);
    printf("  registration (one transaction)   : %8.2f s, %8.0f eUICCs/s\n", import_seconds,
           (double)n / import_seconds);

    char eim_url[128], empty_url[128];
    snprintf(eim_url, sizeof(eim_url), "https://127.0.0.1:%u" EIM_ESIPA_PATH,
             (unsigned)eim_server_port(eim));
    snprintf(empty_url, sizeof(empty_url), "https://127.0.0.1:%u" EIM_ESIPA_PATH,
             (unsigned)http_server_port(empty));
    run_figures polls, bound;
    if (run_clients(eim_url, n, threads, seconds, &polls) != 0) {
        fprintf(stderr, "bench_eim_poll: client threads failed\n");
        return 1;
    }
    long rss_run = rss_bytes(), rss_run_trimmed = rss_trimmed_bytes();
    long db_run = database_bytes();
    long files_run = file_size(db_path) + file_size(wal_path);
    print_run("GetEimPackage, keep-alive HTTPS", &polls);
    if (run_clients(empty_url, n, threads, seconds, &bound) != 0) {
        fprintf(stderr, "bench_eim_poll: client threads failed\n");
        return 1;
    }
    print_run("bound: http_server empty handler", &bound);
    printf("  eIM / bound                      : %8.2f\n", polls.rate / bound.rate);
    double direct = direct_rate(n, seconds);
    printf("  eim_esipa_handle direct, 1 thread: %8.0f polls/s (database and codec, no HTTP)\n",
           direct);
    printf("  memory: RSS %.1f MiB at start (server up, empty database); growth per registered "
           "eUICC (goal < 2048 B):\n"
           "    after registration             : %8.1f B (%.1f B after malloc_trim)\n"
           "    after the polls                : %8.1f B (%.1f B after malloc_trim)\n",
           (double)rss_start / 1048576.0, (double)(rss_registered - rss_start) / (double)n,
           (double)(rss_registered_trimmed - rss_start) / (double)n,
           (double)(rss_run - rss_start) / (double)n,
           (double)(rss_run_trimmed - rss_start) / (double)n);
    printf("  database per eUICC (pages in use): %8.1f B after registration, %.1f B after the "
           "polls\n"
           "  files (db + WAL) per eUICC       : %8.1f B after registration, %.1f B after the "
           "polls\n",
           (double)db_registered / (double)n, (double)db_run / (double)n,
           (double)files_registered / (double)n, (double)files_run / (double)n);

    event_base_loopexit(base, NULL);
    pthread_join(loop, NULL);
    eim_server_free(eim);
    http_server_free(empty);
    event_base_free(base);
    pki_certificate_free(ci_certificate);
    crypto_key_free(eim_signing_key);
    remove_files();
    return 0;
}
