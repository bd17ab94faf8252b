/* Tests of the group commit of POST /api/v1/orders (src/platform/
 * order_commit.c) over real HTTPS on loopback, the server waiting the
 * longest commit delay so that calls sent together share one transaction:
 *   - concurrent orders from several threads: each stored exactly once,
 *     all in one batch;
 *   - two calls with one Idempotency-Key in one batch: one order, the same
 *     answer, the second marked Idempotent-Replayed;
 *   - a refused order (scope A4001), a replayed nonce (I2006) and an order
 *     whose insert the database refuses (a trigger: I9001) in a batch with
 *     good ones: only they fail, their nonces stay spent, the others stand;
 *   - the batch's transaction failing at COMMIT (a deferred constraint), or
 *     at an order's audit record (written last): every waiting call
 *     answered I9001, no order, no nonce kept;
 *   - a lock held elsewhere past the timeout: on SQLite the batch's BEGIN
 *     (every call I9002), on PostgreSQL one call's nonce (that call alone
 *     I9002); the refused call goes through when sent again.
 *   - threaded: the API freed while the thread's transaction waits and a
 *     second batch is queued: the first commits, the second is dropped.
 * SQLite by default; PostgreSQL with the argument "postgresql" under
 * pg-harness.sh; with the argument "threaded" (after "postgresql" if both)
 * the transactions run on the committer's own threads and connections
 * (platform_api_config.order_db, airwrited's way: one on SQLite, three here
 * on PostgreSQL), with the same outcomes. */
#include "platform_api_testutil.h"
#include "platform_commit_testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#define THREADS 6
#define POISON_ORDER_KEY "poison-order"   /* its insert fails at once */
#define POISON_COMMIT_KEY "poison-commit" /* fails the batch's COMMIT */

static platform_token_pair token;
static bool threaded;            /* "threaded": the committer thread */
#define ORDER_THREADS_POSTGRESQL 3
static db_connection *order_db[ORDER_THREADS_POSTGRESQL]; /* their connections */

/* The fixture, its server waiting PLATFORM_ORDER_COMMIT_DELAY_MAX_MS for
 * more orders, limits no test reaches and a token. */
static int setup_commit(void **state)
{
    setup(state);
    server_stop();
    fx.server_db = platform_test_db_open(&fx.tdb);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .max_body_size = 2 * 1024 * 1024,
                                 .timeout_ms = 10000};
    test_server_new(&fx.ts, &config);
    /* a longer wait is refused */
    platform_api_config api_config = {.db = fx.server_db, .keys = fx.ring, .clock = test_clock};
    api_config.order_commit_delay_ms = PLATFORM_ORDER_COMMIT_DELAY_MAX_MS + 1;
    platform_api *refused = (platform_api *)&api_config;
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &refused), AW_ERR_ARGUMENT);
    assert_null(refused);
    api_config.order_commit_delay_ms = PLATFORM_ORDER_COMMIT_DELAY_MAX_MS;
    /* the loop's own connection cannot serve the thread too */
    api_config.order_db[0] = fx.server_db;
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &refused), AW_ERR_ARGUMENT);
    assert_null(refused);
    api_config.order_db[0] = NULL;
    size_t threads = !threaded ? 0 : pg_url != NULL ? ORDER_THREADS_POSTGRESQL : 1;
    for (size_t i = 0; i < threads; i++)
        api_config.order_db[i] = order_db[i] = platform_test_db_open(&fx.tdb);
    /* nor one connection for two threads */
    if (threads > 0) {
        api_config.order_db[threads] = order_db[0];
        assert_int_equal(platform_api_new(fx.ts.server, &api_config, &refused),
                         AW_ERR_ARGUMENT);
        assert_null(refused);
        api_config.order_db[threads] = NULL;
    }
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &fx.api), AW_OK);
    test_server_run(&fx.ts);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 1000};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    token = issue(NULL, NULL);
    return 0;
}

/* The fixture's, then the committer thread's connection (after the API).
 * The committer keeps an event on the server's base: its API goes before
 * the base (platform.h, order_db). */
static int teardown_commit(void **state)
{
    test_server_halt(&fx.ts);
    platform_api_free(fx.api);
    fx.api = NULL;
    int rc = teardown(state);
    for (size_t i = 0; i < ORDER_THREADS_POSTGRESQL; i++) {
        db_close(order_db[i]);
        order_db[i] = NULL;
    }
    return rc;
}

/* ---- Calls sent together from threads ------------------------------------- */

typedef struct order_call {
    char body[160];
    const char *profile_type;     /* NULL: iot-basic */
    unsigned long long eid;
    const char *idempotency_key;  /* NULL: none */
    char nonce[40];               /* "": a fresh one */
    char timestamp[24];           /* "": now */
    unsigned timeout_ms;          /* 0: 20 s */
    /* the answer */
    bool sent;
    int status;
    char code[8];
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    bool replayed;
} order_call;

/* One signed order on its own connection (http_client is one per thread);
 * no cmocka assertion off the main thread: the outcome is in c. */
static void *send_order(void *arg)
{
    order_call *c = arg;
    char eid[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(c->eid, eid);
    snprintf(c->body, sizeof(c->body), "{\"profileType\":\"%s\",\"eids\":[\"%s\"]}",
             c->profile_type != NULL ? c->profile_type : "iot-basic", eid);
    if (c->timestamp[0] == '\0')
        snprintf(c->timestamp, sizeof(c->timestamp), "%lld",
                 (long long)(atomic_load(&clock_ms) / 1000));
    if (c->nonce[0] == '\0') {
        uint8_t random[12];
        if (crypto_random_bytes(random, sizeof(random)) != AW_OK)
            return NULL;
        aw_hex_encode(random, sizeof(random), c->nonce, false);
    }
    platform_signed_request signed_request = {
        .method = "POST", .path = "/api/v1/orders", .app_id = fx.app.app_id,
        .timestamp = c->timestamp, .nonce = c->nonce, .body = (const uint8_t *)c->body,
        .body_len = strlen(c->body)};
    char signature[PLATFORM_SIGNATURE_HEX + 1], authorization[128], url[256];
    if (platform_signature_sign(&signed_request, fx.secret, signature) != AW_OK)
        return NULL;
    snprintf(authorization, sizeof(authorization), "Bearer %s", token.access_token);
    http_header headers[8] = {{PLATFORM_HEADER_APP_ID, fx.app.app_id},
                              {PLATFORM_HEADER_TIMESTAMP, c->timestamp},
                              {PLATFORM_HEADER_NONCE, c->nonce},
                              {PLATFORM_HEADER_SIGNATURE, signature},
                              {"Authorization", authorization},
                              {"Content-Type", "application/json"}};
    size_t count = 6;
    if (c->idempotency_key != NULL)
        headers[count++] = (http_header){"Idempotency-Key", c->idempotency_key};
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, "/api/v1/orders");
    http_client_config config = {.ca_file = pki.ci,
                                 .timeout_ms = c->timeout_ms != 0 ? c->timeout_ms : 20000};
    http_client *client = NULL;
    if (http_client_new(&config, &client) != AW_OK)
        return NULL;
    static const char *const names[] = {"Idempotent-Replayed"};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url,
                                   .headers = headers, .header_count = count,
                                   .body = c->body, .body_len = strlen(c->body),
                                   .response_header_names = names, .response_header_count = 1};
    http_client_response *response = NULL;
    pthread_barrier_wait(&start_line);
    if (http_client_send(client, &request, &response) == AW_OK) {
        c->sent = true;
        c->status = response->status;
        c->replayed = response->header_values[0] != NULL;
        json_t *root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        snprintf(c->code, sizeof(c->code), "%s",
                 json_string_value(json_object_get(root, "code")) != NULL
                     ? json_string_value(json_object_get(root, "code"))
                     : "");
        snprintf(c->order_id, sizeof(c->order_id), "%s",
                 json_string_value(json_object_get(root, "orderId")) != NULL
                     ? json_string_value(json_object_get(root, "orderId"))
                     : "");
        json_decref(root);
        http_client_response_free(response);
    }
    http_client_free(client);
    return NULL;
}

/* Send calls[0..n) together; the batches they made. */
static void send_together(order_call *calls, size_t n, platform_order_commit_stats *delta)
{
    send_together_with(send_order, calls, sizeof(*calls), n, delta);
    for (size_t i = 0; i < n; i++)
        assert_true(calls[i].sent);
}

/* Send one call again exactly as before (same nonce and timestamp). */
static void send_again(order_call *c)
{
    order_call again = *c;
    again.sent = false;
    send_together(&again, 1, &(platform_order_commit_stats){0});
    *c = again;
}

static int64_t orders_of_eid(unsigned long long n)
{
    char eid[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(n, eid);
    db_param p[] = {DB_PARAM_TEXT(eid)};
    int64_t count = -1;
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM platform_order_items WHERE eid = ?", p,
                                    1, &count),
                     AW_OK);
    return count;
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_concurrent_orders(void **state)
{
    (void)state;
    int64_t orders = admin_rows("SELECT COUNT(*) FROM platform_orders");
    int64_t audited =
        admin_rows("SELECT COUNT(*) FROM aw_audit_entry WHERE action = 'order.create'");
    order_call calls[THREADS];
    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < THREADS; i++)
        calls[i].eid = 100 + i;
    platform_order_commit_stats delta;
    send_together(calls, THREADS, &delta);
    for (size_t i = 0; i < THREADS; i++) {
        assert_int_equal(calls[i].status, 200);
        assert_false(calls[i].replayed);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(calls[i].order_id, calls[j].order_id);
        assert_int_equal(orders_of_eid(100 + i), 1); /* exactly once */
    }
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders + THREADS);
    /* each order attributed in the audit chain, which still verifies */
    assert_int_equal(
        admin_rows("SELECT COUNT(*) FROM aw_audit_entry WHERE action = 'order.create'"),
        audited + THREADS);
    audit_report report;
    assert_int_equal(audit_verify(fx.admin, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, &report), AW_OK);
    /* they shared transactions: fewer commits than calls */
    assert_int_equal(delta.submissions, THREADS);
    assert_true(delta.batches < THREADS);
    assert_true(delta.largest_batch >= 2);
    assert_int_equal(delta.failed_batches, 0);
    assert_int_equal(delta.rerun_batches, 0); /* no savepoint needed */
}

static void test_same_key_in_batch(void **state)
{
    (void)state;
    order_call calls[2];
    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < 2; i++) {
        calls[i].eid = 200;
        calls[i].idempotency_key = "same-key-in-one-batch";
    }
    platform_order_commit_stats delta;
    send_together(calls, 2, &delta);
    assert_int_equal(delta.batches, 1); /* both in one transaction */
    assert_int_equal(delta.rerun_batches, 0); /* the repeat reads only */
    assert_int_equal(calls[0].status, 200);
    assert_int_equal(calls[1].status, 200);
    assert_string_equal(calls[0].order_id, calls[1].order_id);
    assert_true(calls[0].replayed != calls[1].replayed); /* one created, one repeat */
    assert_int_equal(orders_of_eid(200), 1);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders WHERE idempotency_key = "
                                "'same-key-in-one-batch'"),
                     1);
    /* later, alone: the same request is the same order, another one with
     * the key a conflict */
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders",
                      .body = calls[0].body, .bearer = token.access_token,
                      .idempotency_key = "same-key-in-one-batch"};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "orderId")), calls[0].order_id);
    assert_non_null(r.header[REPLY_IDEMPOTENT_REPLAYED]);
    reply_free(&r);
    char eid[PLATFORM_EID_DIGITS + 1], other[160];
    platform_test_eid(200, eid);
    snprintf(other, sizeof(other), "{\"profileType\":\"p\",\"eids\":[\"%s\"]}", eid);
    spec.body = other;
    expect_error(&spec, "I4001");
}

/* A trigger (and on PostgreSQL its function) called name, refusing the
 * inserts into table whose new row matches when (SQL over NEW). */
static void poison_inserts(const char *name, const char *table, const char *when)
{
    char sql[2][512];
    if (pg_url == NULL) {
        snprintf(sql[0], sizeof(sql[0]),
                 "CREATE TRIGGER %s BEFORE INSERT ON %s WHEN %s BEGIN "
                 "SELECT RAISE(ABORT, 'poisoned'); END",
                 name, table, when);
        assert_int_equal(db_execute(fx.admin, sql[0], NULL, 0, NULL), AW_OK);
        return;
    }
    snprintf(sql[0], sizeof(sql[0]),
             "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql "
             "AS $$ BEGIN RAISE EXCEPTION 'poisoned'; END $$",
             name);
    snprintf(sql[1], sizeof(sql[1]),
             "CREATE TRIGGER %s BEFORE INSERT ON %s FOR EACH ROW WHEN (%s) "
             "EXECUTE FUNCTION %s()",
             name, table, when, name);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(db_execute(fx.admin, sql[i], NULL, 0, NULL), AW_OK);
}

static void test_bad_orders_in_batch(void **state)
{
    (void)state;
    poison_inserts("poison_order", "platform_orders",
                   "NEW.idempotency_key = '" POISON_ORDER_KEY "'");
    int64_t orders = admin_rows("SELECT COUNT(*) FROM platform_orders");
    order_call calls[THREADS];
    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < THREADS; i++)
        calls[i].eid = 300 + i;
    calls[1].profile_type = "iot-nope0"; /* unknown profile type: A4001 */
    calls[3].idempotency_key = POISON_ORDER_KEY;
    /* 4 and 5 carry one nonce: the second of them is a replay */
    snprintf(calls[4].nonce, sizeof(calls[4].nonce), "one-nonce-twice-in-a-batch");
    snprintf(calls[5].nonce, sizeof(calls[5].nonce), "one-nonce-twice-in-a-batch");
    platform_order_commit_stats delta;
    send_together(calls, THREADS, &delta);
    assert_int_equal(delta.failed_batches, 0);
    assert_true(delta.batches < THREADS);
    /* the poisoned insert made its transaction run again with savepoints */
    assert_true(delta.rerun_batches >= 1);
    assert_int_equal(calls[0].status, 200);
    assert_int_equal(calls[2].status, 200);
    assert_int_equal(calls[1].status, 422);
    assert_string_equal(calls[1].code, "A4001");
    assert_int_equal(calls[3].status, 500);
    assert_string_equal(calls[3].code, "I9001");
    /* one of the pair is stored, the other refused as a replay */
    size_t won = calls[4].status == 200 ? 4 : 5, lost = won == 4 ? 5 : 4;
    assert_int_equal(calls[won].status, 200);
    assert_int_equal(calls[lost].status, 401);
    assert_string_equal(calls[lost].code, "I2006");
    assert_int_equal(orders_of_eid(300 + won), 1);
    assert_int_equal(orders_of_eid(300 + lost), 0);
    assert_int_equal(orders_of_eid(301), 0);
    assert_int_equal(orders_of_eid(303), 0);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders + 3);
    /* the refused calls' nonces stay spent: sent again, they are replays */
    send_again(&calls[1]);
    assert_string_equal(calls[1].code, "I2006");
    send_again(&calls[3]);
    assert_string_equal(calls[3].code, "I2006");
}

/* A deferred check that fails COMMIT once an order with POISON_COMMIT_KEY
 * is in the transaction. */
static void poison_commit(void)
{
    if (pg_url == NULL) {
        static const char *const sql[] = {
            "CREATE TABLE poison_parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE poison_child (parent INTEGER REFERENCES poison_parent (id) "
            "DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TRIGGER poison_commit AFTER INSERT ON platform_orders WHEN "
            "NEW.idempotency_key = '" POISON_COMMIT_KEY "' BEGIN INSERT INTO poison_child "
            "VALUES (1); END"};
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(db_execute(fx.admin, sql[i], NULL, 0, NULL), AW_OK);
        return;
    }
    assert_int_equal(db_execute(fx.admin,
                                "CREATE FUNCTION poison_commit() RETURNS trigger LANGUAGE "
                                "plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned commit'; END $$",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(db_execute(fx.admin,
                                "CREATE CONSTRAINT TRIGGER poison_commit AFTER INSERT ON "
                                "platform_orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN "
                                "(NEW.idempotency_key = '" POISON_COMMIT_KEY "') EXECUTE "
                                "FUNCTION poison_commit()",
                                NULL, 0, NULL),
                     AW_OK);
}

/* Send calls[0..n) together into one transaction that fails whole: every
 * call answered I9001, none of their EIDs ordered. */
static void send_failing_whole(order_call *calls, size_t n)
{
    platform_order_commit_stats delta;
    send_together(calls, n, &delta);
    assert_int_equal(delta.batches, 1);
    assert_int_equal(delta.failed_batches, 1);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(calls[i].status, 500);
        assert_string_equal(calls[i].code, "I9001");
        assert_int_equal(orders_of_eid(calls[i].eid), 0);
    }
}

static void test_batch_failure(void **state)
{
    (void)state;
    poison_commit();
    int64_t orders = admin_rows("SELECT COUNT(*) FROM platform_orders");
    int64_t nonces = admin_rows("SELECT COUNT(*) FROM platform_nonces");
    order_call calls[3];
    memset(calls, 0, sizeof(calls));
    for (size_t i = 0; i < 3; i++)
        calls[i].eid = 400 + i;
    calls[1].idempotency_key = POISON_COMMIT_KEY;
    /* one transaction, failed whole: everyone waiting is told, nothing kept */
    send_failing_whole(calls, 3);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_order_items WHERE order_id NOT IN "
                                "(SELECT order_id FROM platform_orders)"),
                     0);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_nonces"), nonces);
    /* as if never sent: the same signed call goes through on its own */
    send_again(&calls[0]);
    assert_int_equal(calls[0].status, 200);
    assert_int_equal(orders_of_eid(400), 1);
    /* and the server goes on committing */
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders",
                      .body = calls[2].body, .bearer = token.access_token};
    expect_ok(&spec);
    assert_int_equal(orders_of_eid(402), 1);
}

/* The audit records come last in the transaction (order_commit.c): one
 * that cannot be written fails the batch whole, so no order stands
 * unattributed, and the calls may be sent again as they are. */
static void test_audit_failure(void **state)
{
    (void)state;
    poison_inserts("poison_audit", "aw_audit_entry", "NEW.action = 'order.create'");
    int64_t nonces = admin_rows("SELECT COUNT(*) FROM platform_nonces");
    order_call calls[2];
    memset(calls, 0, sizeof(calls));
    calls[0].eid = 450;
    calls[1].eid = 451;
    send_failing_whole(calls, 2);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_nonces"), nonces);
    assert_int_equal(db_execute(fx.admin,
                                pg_url == NULL ? "DROP TRIGGER poison_audit"
                                               : "DROP TRIGGER poison_audit ON aw_audit_entry",
                                NULL, 0, NULL),
                     AW_OK);
    send_again(&calls[0]);
    assert_int_equal(calls[0].status, 200);
    assert_int_equal(orders_of_eid(450), 1);
}

static void test_database_busy(void **state)
{
    (void)state;
    order_call calls[2];
    memset(calls, 0, sizeof(calls));
    calls[0].eid = 500;
    calls[1].eid = 501;
    snprintf(calls[0].nonce, sizeof(calls[0].nonce), "nonce-held-by-another-transaction");
    platform_order_commit_stats delta;
    if (pg_url == NULL) {
        /* SQLite: another connection holds the write lock past the busy
         * timeout: the batch's BEGIN fails, everyone waiting is told */
        assert_int_equal(db_begin(fx.admin), AW_OK);
        send_together(calls, 2, &delta);
        assert_int_equal(db_rollback(fx.admin), AW_OK);
        assert_int_equal(delta.batches, 1);
        assert_int_equal(delta.failed_batches, 1);
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(calls[i].status, 503);
            assert_string_equal(calls[i].code, "I9002");
            assert_int_equal(orders_of_eid(500 + i), 0);
        }
    } else {
        /* PostgreSQL: another transaction holds call 0's nonce (its key:
         * the expiry its timestamp gives, app, nonce): its savepoint runs
         * out the lock timeout alone, call 1 stands */
        int64_t timestamp_s = atomic_load(&clock_ms) / 1000;
        snprintf(calls[0].timestamp, sizeof(calls[0].timestamp), "%lld", (long long)timestamp_s);
        assert_int_equal(db_begin(fx.admin), AW_OK);
        db_param nonce[] = {DB_PARAM_TEXT(fx.app.app_id), DB_PARAM_TEXT(calls[0].nonce),
                            DB_PARAM_INT64((timestamp_s + PLATFORM_DEFAULT_WINDOW_S + 1) * 1000)};
        assert_int_equal(db_execute(fx.admin,
                                    "INSERT INTO platform_nonces (app_id, nonce, expires_at) "
                                    "VALUES (?, ?, ?)",
                                    nonce, 3, NULL),
                         AW_OK);
        send_together(calls, 2, &delta);
        assert_int_equal(db_rollback(fx.admin), AW_OK);
        assert_int_equal(delta.failed_batches, 0);
        assert_int_equal(delta.rerun_batches, 1); /* the lock timeout, then savepoints */
        assert_int_equal(calls[0].status, 503);
        assert_string_equal(calls[0].code, "I9002");
        assert_int_equal(calls[1].status, 200);
        assert_int_equal(orders_of_eid(500), 0);
        assert_int_equal(orders_of_eid(501), 1);
    }
    /* nothing of the refused call was kept: sent again as is, it goes through */
    send_again(&calls[0]);
    assert_int_equal(calls[0].status, 200);
    assert_int_equal(orders_of_eid(500), 1);
}

/* ---- Shutdown with orders in flight (the committer thread) ----------------- */

static unsigned long long pending_requests(void)
{
    http_server_stats stats;
    http_server_get_stats(fx.ts.server, &stats);
    return stats.requests_pending;
}

/* Send c from a thread of its own; back once the server holds it
 * deferred (pending reaches want) and its batch was closed (the delay). */
static void send_async(order_call *c, pthread_t *thread, unsigned long long want)
{
    assert_int_equal(pthread_barrier_init(&start_line, NULL, 1), 0);
    assert_int_equal(pthread_create(thread, NULL, send_order, c), 0);
    for (int i = 0; i < 500 && pending_requests() < want; i++)
        usleep(10000);
    assert_int_equal(pending_requests(), want);
    pthread_barrier_destroy(&start_line);
    usleep((PLATFORM_ORDER_COMMIT_DELAY_MAX_MS + 300u) * 1000u);
}

static pid_t test_thread;      /* the thread that frees the API */
static atomic_bool freeing;    /* it is about to call platform_api_free */

/* Whether thread tid of this process is asleep (state S of
 * /proc/self/task/TID/stat, proc(5); its name in parentheses may hold
 * spaces and parentheses: the state follows the last ')'). */
static bool thread_asleep(pid_t tid)
{
    char path[64], stat[512];
    snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", (long)tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *end = strrchr(stat, ')');
    return end != NULL && end[1] == ' ' && end[2] == 'S';
}

/* Release the lock the committer thread's BEGIN waits for, but only once
 * platform_api_free told the committer to stop. A fixed wait (it was
 * 300 ms) raced the test thread's halt of the loop and its call to
 * platform_api_free: stalled longer on a loaded machine, the first
 * batch committed before the stop, the thread took the queued batch as
 * it should while the API lives, and order 601 was stored. After saying
 * it frees, the test thread sleeps first in platform_order_committer_free's
 * join of the committer thread, after it set the stop (the committer's
 * mutex is free: its thread waits in BEGIN, the loop is halted). The
 * bound only keeps a broken case from hanging: the checks then fail. */
static void *release_lock_later(void *arg)
{
    (void)arg;
    for (int i = 0; i < 30000 && !(atomic_load(&freeing) && thread_asleep(test_thread)); i++)
        usleep(1000);
    (void)db_rollback(fx.admin);
    return NULL;
}

/* The API freed while the thread's transaction waits for a lock and a
 * second batch is queued behind it: the running one finishes and commits,
 * the queued one is dropped uncommitted (its request only freed), and
 * nothing is left behind (ASan). Threaded on SQLite only (main). */
static void test_shutdown_in_flight(void **state)
{
    (void)state;
    order_call calls[2];
    memset(calls, 0, sizeof(calls));
    calls[0].eid = 600;
    calls[1].eid = 601;
    calls[0].timeout_ms = calls[1].timeout_ms = 3000; /* the halted loop answers nobody */
    pthread_t senders[2], releaser;
    /* the thread's BEGIN waits out both sends (each ~1.3 s, more on a
     * loaded machine): well inside its busy timeout, or it gives up (503)
     * before the lock is released and the test measures the machine */
    int64_t busy_ms = 0;
    assert_int_equal(db_query_int64(order_db[0], "PRAGMA busy_timeout = 60000", NULL, 0, &busy_ms),
                     AW_OK);
    assert_int_equal(busy_ms, 60000);
    assert_int_equal(db_begin(fx.admin), AW_OK); /* the thread's BEGIN waits */
    send_async(&calls[0], &senders[0], 1);       /* taken by the thread */
    send_async(&calls[1], &senders[1], 2);       /* queued behind it */
    test_thread = (pid_t)syscall(SYS_gettid);
    atomic_store(&freeing, false);
    assert_int_equal(pthread_create(&releaser, NULL, release_lock_later, NULL), 0);
    test_server_halt(&fx.ts);
    atomic_store(&freeing, true);
    platform_api_free(fx.api); /* waits for the running transaction */
    fx.api = NULL;
    pthread_join(releaser, NULL);
    assert_int_equal(orders_of_eid(600), 1);
    assert_int_equal(orders_of_eid(601), 0);
    for (size_t i = 0; i < 2; i++) {
        pthread_join(senders[i], NULL);
        assert_false(calls[i].sent);
    }
}

int main(int argc, char **argv)
{
    threaded = argc > 1 && strcmp(argv[argc - 1], "threaded") == 0;
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_orders, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_same_key_in_batch, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_bad_orders_in_batch, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_batch_failure, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_audit_failure, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_database_busy, setup_commit, teardown_commit),
        cmocka_unit_test_setup_teardown(test_shutdown_in_flight, setup_commit, teardown_commit),
    };
    /* the last one only where something is in flight: the thread, on SQLite */
    size_t count = sizeof(tests) / sizeof(tests[0]) - (threaded && pg_url == NULL ? 0 : 1);
    int failed = _cmocka_run_group_tests("order_commit", tests, count, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
