/* Benchmark of the platform's northbound order API, POST /api/v1/orders
 * (src/platform/api_orders.c behind api.c's chain: HMAC-SHA256 signature of
 * docs/api-signature.md, nonce once, token bucket, daily quota, bearer
 * token), on SQLite and on PostgreSQL (a throwaway server started with
 * tests/pg-harness.sh), the executor not running: the API path only, not
 * the downloads. Each figure comes with its bound, measured in the same run
 * on the same http_server and event loop:
 *   - empty: a bench-only POST route answering 200 without work (the
 *     HTTPS ceiling of one loop thread) with the same request bytes,
 *     measured before and again right after the 1-EID orders (the goal's
 *     share is taken against the mean: a shared machine's speed drifts);
 *   - commits: one-row transactions per second on the same database (one
 *     connection, no HTTP): the storage's ceiling for a call that commits
 *     alone (an order shares its commit with the orders waiting beside it:
 *     src/platform/order_commit.c; the calls per commit are printed);
 *   - ping: GET /api/v1/ping, the whole signed chain with nothing after it
 *     (what every call pays before its handler: its nonce in the shared
 *     commit of the committer thread, then the handler run again);
 *   - single-device orders (one EID each), then batch orders (100 EIDs):
 *     orders/s and p50/p99, against the goal of the plan (single-device
 *     order rate >= 30% of the empty rate, p99 < 20 ms).
 * Load: wrk (Debian's wrk), one connection pool on one thread, replaying
 * requests written beforehand with bench/api_orders.lua: every request is
 * signed with its own nonce and timestamp, which wrk's Lua cannot do (no
 * HMAC), so the bench signs them in C and wrk sends them round-robin. A
 * replayed nonce would be refused (401): the run fails if any answer is not
 * 2xx.
 * Also: one item transition's cost in an order of 100 and of 10,000 items
 * (order progress by counters, src/platform/order_progress.c), beside the
 * per-transition count of the items that the counters replaced.
 * Arguments: [seconds per figure (5)] [wrk connections (32: enough waiting
 * calls for a group commit to share its sync, as an API with many clients
 * sees; the empty bound uses the same)] [sqlite|
 * postgresql|both (both)] [EIDs per batch order (100)] [directory of the
 * SQLite file (a new one under /tmp)] [order committer threads (0: one, as
 * airwrited's default)]. Prints figures only;
 * exit 1 when a run fails (no wrk, refused answers, setup errors). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/pem.h>

#include "core/crypto.h"
#include "core/hex.h"
#include "core/http_server.h"
#include "core/pki.h"
#include "platform/platform.h"

#define TENANT "bench-tenant"
#define PROFILE_TYPE "bench-type"
#define EMPTY_PATH "/bench/empty"
#define EMPTY_REQUESTS 2000u      /* replayed: the empty route checks nothing */
#define REQUESTS_MAX 2000000u
#define ORDER_GOAL_SHARE 0.30
#define ORDER_GOAL_P99_MS 20.0

static char dir[64] = "/tmp/aw_bench_api_XXXXXX";
/* order committer threads (argument 6); 0: airwrited's default by backend */
static size_t committer_threads;
static char cert_path[128], key_path[128];
static unsigned long long eid_serial;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_pki(void)
{
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    pki_hierarchy h;
    if (pki_issue_hierarchy(&params, &h) != AW_OK)
        return -1;
    snprintf(cert_path, sizeof(cert_path), "%s/tls.pem", dir);
    snprintf(key_path, sizeof(key_path), "%s/tls.key.pem", dir);
    FILE *cert = fopen(cert_path, "w"), *key = fopen(key_path, "w");
    int ok = cert && key &&
             PEM_write_X509(cert, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS])) &&
             PEM_write_PrivateKey(key, h.key[AW_PKI_ROLE_DP_TLS], NULL, NULL, 0, NULL, NULL);
    if (cert)
        fclose(cert);
    if (key)
        fclose(key);
    pki_hierarchy_free(&h);
    return ok ? 0 : -1;
}

/* ---- The platform: database, app, token, server on its loop thread -------- */

typedef struct platform_fixture {
    const char *name;               /* "SQLite", "PostgreSQL" */
    size_t committers;              /* order committer threads */
    char url[600];
    db_connection *admin;           /* this thread's */
    db_connection *server_db;       /* the loop thread's */
    /* the order committer threads', as many as airwrited opens by default */
    db_connection *order_db[PLATFORM_ORDER_COMMIT_THREADS_MAX];
    platform_key_ring *ring;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_token_pair token;
    struct event_base *base;
    http_server *server;
    platform_api *api;
    pthread_t thread;
    bool running;
    uint16_t port;
} platform_fixture;

static void handle_empty(http_request *request, void *userdata)
{
    (void)userdata;
    http_request_set_status(request, 200);
}

static void *loop_main(void *arg)
{
    platform_fixture *f = arg;
    event_base_dispatch(f->base);
    return NULL;
}

static aw_err platform_fixture_start(platform_fixture *f)
{
    uint8_t key[PLATFORM_STORAGE_KEY_SIZE];
    platform_business_scope data = {.data = true};
    /* limits no run reaches: the bench measures the chain, not a refusal */
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX, .daily_quota = 0};
    int64_t now = db_clock_ms();
    aw_err err = db_open(f->url, NULL, &f->admin);
    if (err == AW_OK)
        err = platform_migrate(f->admin);
    if (err == AW_OK)
        err = db_open(f->url, NULL, &f->server_db);
    size_t committers = committer_threads != 0 ? committer_threads : 1;
    f->committers = committers;
    for (size_t i = 0; err == AW_OK && i < committers; i++)
        err = db_open(f->url, NULL, &f->order_db[i]);
    if (err == AW_OK)
        err = platform_key_ring_new(&f->ring);
    if (err == AW_OK)
        err = crypto_random_bytes(key, sizeof(key));
    if (err == AW_OK)
        err = platform_key_ring_add(f->ring, 1, key);
    crypto_cleanse(key, sizeof(key));
    if (err == AW_OK)
        err = platform_profile_type_define(f->admin, PROFILE_TYPE, &data, now);
    if (err == AW_OK)
        err = platform_tenant_scope_set(f->admin, TENANT, &data, now);
    if (err == AW_OK)
        err = platform_app_create(f->admin, f->ring, TENANT, &limits, now, &f->app, f->secret);
    if (err == AW_OK)
        err = platform_token_issue(f->admin, f->app.app_id, 3600000, 7200000, now, &f->token);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = cert_path,
                                 .key_file = key_path, .max_body_size = 2u * 1024u * 1024u};
    if (err == AW_OK) {
        f->base = event_base_new();
        err = f->base != NULL ? http_server_new(f->base, &config, &f->server) : AW_ERR_NOMEM;
    }
    platform_api_config api_config = {.db = f->server_db, .keys = f->ring};
    memcpy(api_config.order_db, f->order_db, sizeof(api_config.order_db));
    if (err == AW_OK)
        err = platform_api_new(f->server, &api_config, &f->api);
    if (err == AW_OK)
        err = http_server_route(f->server, AW_HTTP_METHOD_POST, EMPTY_PATH, handle_empty, NULL);
    if (err == AW_OK)
        err = http_server_start(f->server);
    if (err == AW_OK && pthread_create(&f->thread, NULL, loop_main, f) != 0)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        f->running = true;
        f->port = http_server_port(f->server);
    }
    return err;
}

static void platform_fixture_stop(platform_fixture *f)
{
    if (f->running) {
        event_base_loopexit(f->base, NULL);
        pthread_join(f->thread, NULL);
    }
    http_server_free(f->server);
    platform_api_free(f->api);
    if (f->base != NULL)
        event_base_free(f->base);
    db_close(f->server_db);
    for (size_t i = 0; i < PLATFORM_ORDER_COMMIT_THREADS_MAX; i++) {
        db_close(f->order_db[i]);
        f->order_db[i] = NULL;
    }
    db_close(f->admin);
    platform_key_ring_free(f->ring);
    OPENSSL_cleanse(f->secret, sizeof(f->secret));
    f->running = false;
    f->server = NULL;
    f->api = NULL;
    f->base = NULL;
    f->server_db = f->admin = NULL;
    f->ring = NULL;
}

/* ---- Requests, signed one by one ------------------------------------------ */

static void next_eid(char eid[PLATFORM_EID_DIGITS + 1])
{
    snprintf(eid, PLATFORM_EID_DIGITS + 1, "890490320000%018llu", ++eid_serial);
    char check[3];
    if (platform_eid_check_digits(eid, 30, check) == AW_OK)
        memcpy(eid + 30, check, 3);
}

/* {"profileType":"bench-type","eids":[n fresh EIDs]} */
static size_t order_body(char *body, size_t cap, size_t eids)
{
    size_t len = (size_t)snprintf(body, cap, "{\"profileType\":\"" PROFILE_TYPE "\",\"eids\":[");
    for (size_t i = 0; i < eids && len + 40 < cap; i++) {
        body[len++] = '"';
        next_eid(body + len);
        len += PLATFORM_EID_DIGITS;
        body[len++] = '"';
        body[len++] = i + 1 < eids ? ',' : ']';
    }
    body[len++] = '}';
    body[len] = '\0';
    return len;
}

typedef enum request_kind {
    REQUEST_EMPTY = 0, /* POST EMPTY_PATH, an order's bytes */
    REQUEST_PING,      /* GET /api/v1/ping */
    REQUEST_ORDER,     /* POST /api/v1/orders */
} request_kind;

/* count requests of kind, each "<length>\n<request>", into path; eids per
 * order body. A fresh random nonce and the current time per request. */
static int write_requests(const platform_fixture *f, const char *path, request_kind kind,
                          size_t count, size_t eids)
{
    FILE *out = fopen(path, "w");
    size_t body_cap = 64 + eids * 40;
    char *body = malloc(body_cap);
    size_t request_cap = body_cap + 1024;
    char *request = malloc(request_cap);
    int ok = out != NULL && body != NULL && request != NULL;
    bool get = kind == REQUEST_PING;
    const char *target = kind == REQUEST_EMPTY ? EMPTY_PATH
                         : get                 ? "/api/v1/ping"
                                               : "/api/v1/orders";
    for (size_t i = 0; ok && i < count; i++) {
        size_t body_len = get ? 0 : order_body(body, body_cap, eids);
        char nonce[33], timestamp[24], signature[PLATFORM_SIGNATURE_HEX + 1];
        /* drawn at random, as clients are told to (docs/api-signature.md):
         * counted nonces would all land at one end of the nonces' key */
        uint8_t nonce_bytes[16];
        ok = crypto_random_bytes(nonce_bytes, sizeof(nonce_bytes)) == AW_OK;
        aw_hex_encode(nonce_bytes, sizeof(nonce_bytes), nonce, false);
        snprintf(timestamp, sizeof(timestamp), "%lld", (long long)(db_clock_ms() / 1000));
        platform_signed_request signed_request = {
            .method = get ? "GET" : "POST", .path = target, .app_id = f->app.app_id,
            .timestamp = timestamp, .nonce = nonce, .body = (const uint8_t *)body,
            .body_len = body_len};
        ok = ok && platform_signature_sign(&signed_request, f->secret, signature) == AW_OK;
        int n = snprintf(request, request_cap,
                         "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s"
                         "Content-Length: %zu\r\n" PLATFORM_HEADER_APP_ID ": %s\r\n"
                         PLATFORM_HEADER_TIMESTAMP ": %s\r\n" PLATFORM_HEADER_NONCE ": %s\r\n"
                         PLATFORM_HEADER_SIGNATURE ": %s\r\nAuthorization: Bearer %s\r\n\r\n",
                         signed_request.method, target, (unsigned)f->port,
                         get ? "" : "Content-Type: application/json\r\n", body_len,
                         f->app.app_id, timestamp, nonce, signature, f->token.access_token);
        ok = ok && n > 0 && (size_t)n + body_len < request_cap &&
             fprintf(out, "%zu\n", (size_t)n + body_len) > 0 &&
             fwrite(request, 1, (size_t)n, out) == (size_t)n &&
             fwrite(body, 1, body_len, out) == body_len;
    }
    if (out != NULL && fclose(out) != 0)
        ok = 0;
    free(body);
    free(request);
    return ok ? 0 : -1;
}

/* ---- wrk ------------------------------------------------------------------- */

typedef struct wrk_result {
    double rate;         /* answers per second */
    double p50_ms, p99_ms;
    long requests, non2xx, socket_errors;
    double loop_cpu_us;  /* CPU time of the server's loop thread per answer */
    double server_cpu_us; /* of the whole server (loop, order committer thread) per answer */
} wrk_result;

/* CPU seconds the whole process has used: the server's loop and order
 * committer threads (the main thread waits on wrk meanwhile; a PostgreSQL
 * server's own processes are not counted). */
static double server_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds the server's loop thread has used: per answer, a figure the
 * other sessions on a shared machine barely move, unlike the rates. */
static double loop_cpu_seconds(const platform_fixture *f)
{
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(f->thread, &clock) != 0 || clock_gettime(clock, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_wrk(const platform_fixture *f, const char *requests, int seconds,
                   int connections, wrk_result *out)
{
    memset(out, 0, sizeof(*out));
    char command[1024];
    snprintf(command, sizeof(command),
             "wrk -t1 -c%d -d%ds --timeout 10s -s '%s' https://127.0.0.1:%u -- '%s' 1 2>&1",
             connections, seconds, BENCH_API_ORDERS_LUA, (unsigned)f->port, requests);
    FILE *pipe = popen(command, "r");
    if (pipe == NULL)
        return -1;
    char line[512];
    long duration_us = 0, p50_us = 0, p99_us = 0;
    int found = 0;
    while (fgets(line, sizeof(line), pipe) != NULL)
        if (sscanf(line, "AW_BENCH requests=%ld duration_us=%ld p50_us=%ld p99_us=%ld "
                         "non2xx=%ld socket_errors=%ld",
                   &out->requests, &duration_us, &p50_us, &p99_us, &out->non2xx,
                   &out->socket_errors) == 6)
            found = 1;
    int status = pclose(pipe);
    if (!found || status != 0 || duration_us <= 0)
        return -1;
    out->rate = (double)out->requests * 1e6 / (double)duration_us;
    out->p50_ms = (double)p50_us / 1000.0;
    out->p99_ms = (double)p99_us / 1000.0;
    return 0;
}

static void print_result(const char *what, const wrk_result *r)
{
    printf("  %-44s: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU per answer: loop %6.1f us, "
           "server %6.1f us\n",
           what, r->rate, r->p50_ms, r->p99_ms, r->loop_cpu_us, r->server_cpu_us);
}

/* Write count requests of kind and run wrk on them; -1 on any failure or
 * refused answer (said on stderr). */
static int measure(const platform_fixture *f, request_kind kind, size_t count, size_t eids,
                   int seconds, int connections, wrk_result *r)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/requests-%d.txt", dir, (int)kind);
    int rc = write_requests(f, path, kind, count, eids);
    if (rc != 0)
        fprintf(stderr, "bench_api_orders: cannot write %s\n", path);
    double cpu_before = loop_cpu_seconds(f), server_before = server_cpu_seconds();
    if (rc == 0 && run_wrk(f, path, seconds, connections, r) != 0) {
        fprintf(stderr, "bench_api_orders: wrk failed (is Debian's wrk installed?)\n");
        rc = -1;
    }
    if (rc == 0 && r->requests > 0) {
        r->loop_cpu_us = (loop_cpu_seconds(f) - cpu_before) * 1e6 / (double)r->requests;
        r->server_cpu_us = (server_cpu_seconds() - server_before) * 1e6 / (double)r->requests;
    }
    if (rc == 0 && (r->non2xx > 0 || r->socket_errors > 0)) {
        fprintf(stderr, "bench_api_orders: %s: %ld answers not 2xx, %ld socket errors of %ld%s\n",
                f->name, r->non2xx, r->socket_errors, r->requests,
                r->requests >= (long)count ? " (more requests than written: raise the count)"
                                           : "");
        rc = -1;
    }
    unlink(path);
    return rc;
}

static int64_t stored_orders(const platform_fixture *f)
{
    int64_t n = -1;
    if (db_query_int64(f->admin, "SELECT COUNT(*) FROM platform_orders", NULL, 0, &n) != AW_OK)
        n = -1;
    return n;
}

/* ---- Item transitions: counters vs counting ------------------------------ */

/* Mean ms of one pending -> in_progress transition over moves items of a
 * new order of size items; with count_ms (may be NULL), the mean ms of the
 * per-status COUNT(*) of that order the counters replaced. */
static int transition_cost(const platform_fixture *f, size_t size, size_t moves,
                           double *transition_ms, double *count_ms)
{
    char *csv = malloc(size * (PLATFORM_EID_DIGITS + 1));
    if (csv == NULL)
        return -1;
    for (size_t i = 0; i < size; i++) {
        next_eid(csv + i * (PLATFORM_EID_DIGITS + 1));
        csv[i * (PLATFORM_EID_DIGITS + 1) + PLATFORM_EID_DIGITS] = '\n';
    }
    platform_batch *batch = NULL;
    aw_err err = platform_batch_parse_csv((const uint8_t *)csv, size * (PLATFORM_EID_DIGITS + 1),
                                          &batch);
    free(csv);
    platform_order order;
    memset(&order, 0, sizeof(order));
    uint8_t hash[CRYPTO_SHA256_SIZE] = {0};
    if (err == AW_OK) {
        batch->target_kind = PLATFORM_TARGET_PROFILE_TYPE;
        snprintf(batch->target, sizeof(batch->target), PROFILE_TYPE);
        err = platform_order_create(f->admin, &f->app, NULL, hash, batch, db_clock_ms(), &order,
                                    NULL);
    }
    double start = now_seconds();
    for (size_t i = 0; err == AW_OK && i < moves; i++)
        err = platform_order_item_transition(f->admin, order.order_id, batch->eids[i],
                                             "in_progress", NULL, "bench", "bench",
                                             db_clock_ms());
    *transition_ms = (now_seconds() - start) * 1000.0 / (double)moves;
    if (err == AW_OK && count_ms != NULL) {
        db_param key[] = {DB_PARAM_TEXT(order.order_id)};
        start = now_seconds();
        for (int i = 0; err == AW_OK && i < 20; i++) {
            db_rows *rows = NULL;
            bool has_row = true;
            err = db_query(f->admin,
                           "SELECT status, COUNT(*) FROM platform_order_items WHERE order_id = ? "
                           "GROUP BY status",
                           key, 1, &rows);
            while (err == AW_OK && has_row)
                err = db_rows_next(rows, &has_row);
            db_rows_free(rows);
        }
        *count_ms = (now_seconds() - start) * 1000.0 / 20.0;
    }
    platform_batch_free(batch);
    return err == AW_OK ? 0 : -1;
}

/* One-row transactions per second on the database for about seconds, on
 * this thread's connection: what storage allows anything that commits once
 * per call (a WAL sync each on SQLite, a round trip and a commit on
 * PostgreSQL). -1 on a database error. */
static double commit_rate(const platform_fixture *f, double seconds)
{
    if (db_execute(f->admin, "CREATE TABLE bench_commits (n BIGINT NOT NULL)", NULL, 0, NULL) !=
        AW_OK)
        return -1;
    long n = 0;
    double start = now_seconds(), elapsed = 0;
    while (elapsed < seconds) {
        db_param value[] = {DB_PARAM_INT64(n)};
        if (db_begin(f->admin) != AW_OK)
            return -1;
        if (db_execute(f->admin, "INSERT INTO bench_commits (n) VALUES (?)", value, 1, NULL) !=
            AW_OK) {
            db_rollback(f->admin);
            return -1;
        }
        if (db_commit(f->admin) != AW_OK)
            return -1;
        n++;
        elapsed = now_seconds() - start;
    }
    return (double)n / elapsed;
}

/* Calls per shared transaction of the group commit (order_commit.c) since
 * before. */
static void print_group_commit(const platform_fixture *f, const platform_order_commit_stats *before)
{
    platform_order_commit_stats now;
    platform_api_order_commit_stats(f->api, &now);
    uint64_t batches = now.batches - before->batches;
    uint64_t calls = now.submissions - before->submissions;
    printf("  %-44s: %llu calls in %llu commits (%.2f per commit, largest so far %llu)\n",
           "  group commit", (unsigned long long)calls, (unsigned long long)batches,
           batches > 0 ? (double)calls / (double)batches : 0.0,
           (unsigned long long)now.largest_batch);
}

/* ---- One database ---------------------------------------------------------- */

static int bench_database(platform_fixture *f, int seconds, int connections, size_t batch_eids)
{
    if (platform_fixture_start(f) != AW_OK) {
        fprintf(stderr, "bench_api_orders: %s: platform setup failed\n", f->name);
        platform_fixture_stop(f);
        return -1;
    }
    printf("%s (%s), wrk -t1 -c%d, %d s per figure, %u order committer thread(s), the executor "
           "not running:\n",
           f->name,
           f->url[0] == 's' ? "WAL, synchronous=FULL"
                            : "loopback, pg-harness.sh: fsync off, synchronous_commit off",
           connections, seconds, (unsigned)f->committers);
    wrk_result empty, ping, single, batch;
    platform_order_commit_stats commits_batch = {0};
    int rc = measure(f, REQUEST_EMPTY, EMPTY_REQUESTS, 1, seconds, connections, &empty);
    /* never more answers than the empty route gives: that many fresh nonces */
    size_t count = (size_t)(empty.rate * seconds * 1.2) + 1000;
    if (count > REQUESTS_MAX)
        count = REQUESTS_MAX;
    double commits = rc == 0 ? commit_rate(f, seconds / 2.0 + 0.5) : -1;
    if (rc == 0 && commits < 0) {
        fprintf(stderr, "bench_api_orders: %s: one-row commits failed\n", f->name);
        rc = -1;
    }
    if (rc == 0) {
        print_result("bound: empty handler, same request bytes", &empty);
        printf("  %-44s: %8.0f commits/s\n", "bound: one-row transactions, commit each",
               commits);
        rc = measure(f, REQUEST_PING, count, 0, seconds, connections, &ping);
    }
    if (rc == 0) {
        print_result("signed chain only (GET /api/v1/ping)", &ping);
        int64_t before = stored_orders(f);
        platform_order_commit_stats commits_before;
        platform_api_order_commit_stats(f->api, &commits_before);
        rc = measure(f, REQUEST_ORDER, count, 1, seconds, connections, &single);
        int64_t stored = stored_orders(f) - before;
        if (rc == 0) {
            print_result("POST /api/v1/orders, 1 EID", &single);
            printf("  %-44s: %lld stored for %ld answers\n", "  orders in the database",
                   (long long)stored, single.requests);
            print_group_commit(f, &commits_before);
        }
    }
    /* the bound again right after the orders: a machine whose speed drifts
     * during the run (a shared VM) moves both; the share is taken against
     * the mean of the two */
    wrk_result empty_after;
    if (rc == 0)
        rc = measure(f, REQUEST_EMPTY, EMPTY_REQUESTS, 1, seconds, connections, &empty_after);
    if (rc == 0)
        print_result("bound again: empty handler, after the orders", &empty_after);
    if (rc == 0) {
        size_t batch_count = (size_t)(single.rate * seconds * 1.5) + 200;
        platform_api_order_commit_stats(f->api, &commits_batch);
        rc = measure(f, REQUEST_ORDER, batch_count, batch_eids, seconds, connections, &batch);
    }
    if (rc == 0) {
        char what[64];
        snprintf(what, sizeof(what), "POST /api/v1/orders, %zu EIDs", batch_eids);
        print_result(what, &batch);
        print_group_commit(f, &commits_batch);
        printf("  %-44s: %8.0f EIDs/s\n", "  items accepted", batch.rate * (double)batch_eids);
        double bound = (empty.rate + empty_after.rate) / 2;
        double share = single.rate / bound;
        bool met = share >= ORDER_GOAL_SHARE && single.p99_ms < ORDER_GOAL_P99_MS;
        printf("  goal (1-EID orders >= %.0f%% of the empty rate, p99 < %.0f ms): %.1f%% of "
               "%.0f/s (the empty rate before and after), p99 %.2f ms: %s\n",
               ORDER_GOAL_SHARE * 100, ORDER_GOAL_P99_MS, share * 100, bound, single.p99_ms,
               met ? "met" : "MISSED");
        /* the share the loop thread's CPU allows, whatever the machine's load */
        printf("  %-44s: %.1f%% (%.0f us per empty answer / %.0f us per order)\n",
               "  CPU-bound share (loop thread)",
               single.loop_cpu_us > 0 ? 100.0 * empty.loop_cpu_us / single.loop_cpu_us : 0.0,
               empty.loop_cpu_us, single.loop_cpu_us);
        printf("  %-44s: %.1f%% (%.0f us per empty answer / %.0f us per order)\n",
               "  CPU-bound share (whole server)",
               single.server_cpu_us > 0 ? 100.0 * empty.server_cpu_us / single.server_cpu_us
                                        : 0.0,
               empty.server_cpu_us, single.server_cpu_us);
    }
    double small = 0, large = 0, counting = 0;
    if (rc == 0 && (transition_cost(f, 100, 100, &small, NULL) != 0 ||
                    transition_cost(f, PLATFORM_BATCH_MAX_EIDS, 1000, &large, &counting) != 0)) {
        fprintf(stderr, "bench_api_orders: %s: item transitions failed\n", f->name);
        rc = -1;
    }
    if (rc == 0)
        printf("  item transition (executor step), order of 100 items: %.3f ms, of %u items: "
               "%.3f ms\n  (the per-transition COUNT(*) by status the counters replaced, "
               "%u items: %.3f ms)\n",
               small, PLATFORM_BATCH_MAX_EIDS, large, PLATFORM_BATCH_MAX_EIDS, counting);
    platform_fixture_stop(f);
    return rc;
}

/* ---- PostgreSQL through tests/pg-harness.sh ------------------------------- */

static char pg_dir[64];

static int postgresql_start(char *url, size_t cap)
{
    snprintf(pg_dir, sizeof(pg_dir), "/tmp/aw_bench_api_pg_XXXXXX");
    if (mkdtemp(pg_dir) == NULL)
        return -1;
    char command[256];
    snprintf(command, sizeof(command), "sh '%s' start '%s'", BENCH_PG_HARNESS, pg_dir);
    FILE *pipe = popen(command, "r");
    if (pipe == NULL)
        return -1;
    url[0] = '\0';
    char line[600];
    while (fgets(line, sizeof(line), pipe) != NULL)
        if (strncmp(line, "postgresql://", 13) == 0 || strncmp(line, "postgres://", 11) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(url, cap, "%s", line);
        }
    int status = pclose(pipe);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        return 77; /* no PostgreSQL server binaries (pg-harness.sh) */
    return status == 0 && url[0] != '\0' ? 0 : -1;
}

static void postgresql_stop(void)
{
    char command[256];
    snprintf(command, sizeof(command), "sh '%s' stop '%s' >/dev/null 2>&1", BENCH_PG_HARNESS,
             pg_dir);
    if (system(command) != 0)
        fprintf(stderr, "bench_api_orders: could not stop PostgreSQL in %s\n", pg_dir);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 5;
    int connections = argc > 2 ? atoi(argv[2]) : 32;
    const char *which = argc > 3 ? argv[3] : "both";
    long batch_eids = argc > 4 ? atol(argv[4]) : 100;
    const char *db_dir = argc > 5 ? argv[5] : dir;
    long threads = argc > 6 ? atol(argv[6]) : 0;
    if (threads < 0 || threads > (long)PLATFORM_ORDER_COMMIT_THREADS_MAX) {
        fprintf(stderr, "bench_api_orders: committer threads 0..%u\n",
                PLATFORM_ORDER_COMMIT_THREADS_MAX);
        return 1;
    }
    committer_threads = (size_t)threads;
    bool sqlite = strcmp(which, "sqlite") == 0 || strcmp(which, "both") == 0;
    bool postgresql = strcmp(which, "postgresql") == 0 || strcmp(which, "both") == 0;
    if (seconds < 1 || seconds > 600 || connections < 1 || connections > 1000 ||
        (!sqlite && !postgresql) || batch_eids < 1 || batch_eids > PLATFORM_BATCH_MAX_EIDS) {
        fprintf(stderr, "usage: bench_api_orders [seconds (5)] [wrk connections (32)] "
                        "[sqlite|postgresql|both] [EIDs per batch order (100)] "
                        "[SQLite directory (/tmp)] [committer threads (0)]\n");
        return 2;
    }
    if (system("command -v wrk >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench_api_orders: wrk not found (apt-get install wrk)\n");
        return 1;
    }
    /* wrk closes its connections at the end of a run, answers in flight */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    evthread_use_pthreads();
    if (mkdtemp(dir) == NULL || write_pki() != 0) {
        fprintf(stderr, "bench_api_orders: cannot make the TLS credentials\n");
        return 1;
    }
    int rc = 0;
    if (sqlite) {
        platform_fixture f = {.name = "SQLite"};
        snprintf(f.url, sizeof(f.url), "sqlite:%s/aw_bench_api_%ld.db", db_dir, (long)getpid());
        rc |= bench_database(&f, seconds, connections, (size_t)batch_eids);
        static const char *const suffixes[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            char path[1200];
            snprintf(path, sizeof(path), "%s%s", f.url + 7, suffixes[i]);
            unlink(path);
        }
    }
    if (postgresql) {
        platform_fixture f = {.name = "PostgreSQL"};
        int started = postgresql_start(f.url, sizeof(f.url));
        if (started == 77) {
            printf("PostgreSQL: skipped, no server binaries (scripts/setup-deps installs them)\n");
            rmdir(pg_dir);
        } else if (started != 0) {
            fprintf(stderr, "bench_api_orders: no PostgreSQL (tests/pg-harness.sh start failed)\n");
            rc = 1;
            postgresql_stop();
        } else {
            rc |= bench_database(&f, seconds, connections, (size_t)batch_eids);
            postgresql_stop();
        }
    }
    unlink(cert_path);
    unlink(key_path);
    rmdir(dir);
    return rc == 0 ? 0 : 1;
}
