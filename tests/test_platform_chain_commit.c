/* Tests of the other routes' calls in the group commit (src/platform/
 * order_commit.c, api.c platform_api_run_chain): with a committer thread,
 * as airwrited runs the API, a call's nonce and daily quota commit in the
 * shared transaction and its handler runs again after it, over real HTTPS
 * on loopback, the server waiting the longest commit delay so that calls
 * sent together share one transaction:
 *   - two calls with one nonce and timestamp in one batch: one answered,
 *     the other I2006, one nonce kept;
 *   - calls that write (callback registrations) sent together: each
 *     handler ran once, after the commit (one row and one audit entry per
 *     call);
 *   - a call the chain refuses after its signature (an order too):
 *     answered once its nonce committed there, which stays spent; one
 *     refused before it
 *     (a wrong signature) is answered at once;
 *   - a call whose nonce the database refuses (a trigger) beside a good
 *     one: it alone is answered I9001, nothing of it kept, its handler not
 *     run, and the same call passes once the database takes it;
 *   - a client gone while its call waits: its handler still runs and the
 *     answer goes nowhere; the server serves on.
 * SQLite by default; PostgreSQL with the argument "postgresql" under
 * pg-harness.sh. The chain's refusals, quota and replays through the
 * committer are test_platform_api's, run with the argument "threaded". */
#include "platform_api_testutil.h"
#include "platform_commit_testutil.h"

#define POISON_NONCE "poison-chain-nonce"

static platform_token_pair token;

/* The fixture's server with a committer thread waiting
 * PLATFORM_ORDER_COMMIT_DELAY_MAX_MS for more calls, and a token. */
static int setup_chain(void **state)
{
    committer_thread = true;
    setup(state);
    server_stop();
    platform_api_config settings = {.order_commit_delay_ms = PLATFORM_ORDER_COMMIT_DELAY_MAX_MS};
    server_start_with(&settings);
    token = issue(NULL, NULL);
    return 0;
}

/* ---- Calls sent together from threads ------------------------------------- */

typedef struct chain_call {
    aw_http_method method;
    const char *path;
    char body[512];             /* "": none */
    char nonce[40];             /* "": a fresh one */
    char timestamp[24];         /* "": now */
    unsigned timeout_ms;        /* 0: 20 s */
    /* the answer */
    bool sent;
    int status;
    char code[8];
} chain_call;

/* One signed call on its own connection (http_client is one per thread);
 * no cmocka assertion off the main thread: the outcome is in c. */
static void *send_call(void *arg)
{
    chain_call *c = arg;
    if (c->timestamp[0] == '\0')
        snprintf(c->timestamp, sizeof(c->timestamp), "%lld",
                 (long long)(atomic_load(&clock_ms) / 1000));
    if (c->nonce[0] == '\0') {
        uint8_t random[12];
        if (crypto_random_bytes(random, sizeof(random)) != AW_OK)
            return NULL;
        aw_hex_encode(random, sizeof(random), c->nonce, false);
    }
    size_t body_len = strlen(c->body);
    platform_signed_request signed_request = {
        .method = http_method_name(c->method), .path = c->path, .app_id = fx.app.app_id,
        .timestamp = c->timestamp, .nonce = c->nonce, .body = (const uint8_t *)c->body,
        .body_len = body_len};
    char signature[PLATFORM_SIGNATURE_HEX + 1], authorization[128], url[256];
    if (platform_signature_sign(&signed_request, fx.secret, signature) != AW_OK)
        return NULL;
    snprintf(authorization, sizeof(authorization), "Bearer %s", token.access_token);
    http_header headers[6] = {{PLATFORM_HEADER_APP_ID, fx.app.app_id},
                              {PLATFORM_HEADER_TIMESTAMP, c->timestamp},
                              {PLATFORM_HEADER_NONCE, c->nonce},
                              {PLATFORM_HEADER_SIGNATURE, signature},
                              {"Authorization", authorization},
                              {"Content-Type", "application/json"}};
    test_url(url, sizeof(url), "127.0.0.1", &fx.ts, c->path);
    http_client_config config = {.ca_file = pki.ci,
                                 .timeout_ms = c->timeout_ms != 0 ? c->timeout_ms : 20000};
    http_client *client = NULL;
    if (http_client_new(&config, &client) != AW_OK)
        return NULL;
    http_client_request request = {.method = c->method, .url = url, .headers = headers,
                                   .header_count = body_len > 0 ? 6 : 5,
                                   .body = body_len > 0 ? c->body : NULL, .body_len = body_len};
    http_client_response *response = NULL;
    pthread_barrier_wait(&start_line);
    if (http_client_send(client, &request, &response) == AW_OK) {
        c->sent = true;
        c->status = response->status;
        json_t *root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        const char *code = json_string_value(json_object_get(root, "code"));
        snprintf(c->code, sizeof(c->code), "%s", code != NULL ? code : "");
        json_decref(root);
        http_client_response_free(response);
    }
    http_client_free(client);
    return NULL;
}

/* Send calls[0..n) together; the batches and calls the committer took. */
static void send_together(chain_call *calls, size_t n, platform_order_commit_stats *delta)
{
    send_together_with(send_call, calls, sizeof(*calls), n, delta);
}

static chain_call ping_call(void)
{
    return (chain_call){.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping"};
}

/* POST /api/v1/callbacks registering https://127.0.0.1:9/<name>-<n>. */
static chain_call register_call(const char *name, size_t n)
{
    chain_call c = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/callbacks"};
    snprintf(c.body, sizeof(c.body),
             "{\"url\":\"https://127.0.0.1:9/%s-%zu\",\"secret\":\"cbsecret-0123456789abcdef"
             "0123456789abcdef0123456789abcdef0123456\",\"events\":[\"order.finished\"]}",
             name, n);
    return c;
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_same_nonce_in_batch(void **state)
{
    (void)state;
    chain_call calls[2] = {ping_call(), ping_call()};
    snprintf(calls[0].nonce, sizeof(calls[0].nonce), "%s", "same-nonce-in-batch");
    snprintf(calls[0].timestamp, sizeof(calls[0].timestamp), "%lld",
             (long long)(atomic_load(&clock_ms) / 1000));
    calls[1] = calls[0];
    platform_order_commit_stats delta;
    send_together(calls, 2, &delta);
    assert_true(calls[0].sent && calls[1].sent);
    assert_int_equal(delta.batches, 1);
    assert_int_equal(delta.submissions, 2);
    /* one passed, the other is its replay */
    chain_call *passed = calls[0].status == 200 ? &calls[0] : &calls[1];
    chain_call *replay = passed == &calls[0] ? &calls[1] : &calls[0];
    assert_int_equal(passed->status, 200);
    assert_int_equal(replay->status, 401);
    assert_string_equal(replay->code, "I2006");
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?",
                                "same-nonce-in-batch"),
                     1);
    /* and sent a third time, alone */
    call_spec again = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                       .bearer = token.access_token, .nonce = "same-nonce-in-batch"};
    expect_error(&again, "I2006");
}

static void test_handlers_run_once(void **state)
{
    (void)state;
    chain_call calls[3];
    for (size_t i = 0; i < 3; i++)
        calls[i] = register_call("hook", i);
    platform_order_commit_stats delta;
    send_together(calls, 3, &delta);
    assert_int_equal(delta.batches, 1);
    assert_int_equal(delta.submissions, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(calls[i].sent);
        assert_int_equal(calls[i].status, 200);
    }
    /* each handler ran once, after the commit: a callback and an audit
     * entry per call */
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_callbacks", NULL), 3);
    assert_int_equal(
        admin_count("SELECT COUNT(*) FROM aw_audit_entry WHERE action = ?", "callback.register"),
        3);
}

/* A trigger (and on PostgreSQL its function) refusing the nonce
 * POISON_NONCE. */
static void poison_nonce(void)
{
    static const char *const sqlite[] = {
        "CREATE TRIGGER poison_nonce BEFORE INSERT ON platform_nonces WHEN NEW.nonce = '" POISON_NONCE
        "' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"};
    static const char *const postgresql[] = {
        "CREATE FUNCTION poison_nonce() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'poisoned'; END $$",
        "CREATE TRIGGER poison_nonce BEFORE INSERT ON platform_nonces FOR EACH ROW WHEN "
        "(NEW.nonce = '" POISON_NONCE "') EXECUTE FUNCTION poison_nonce()"};
    const char *const *sql = pg_url != NULL ? postgresql : sqlite;
    size_t n = pg_url != NULL ? 2 : 1;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(db_execute(fx.admin, sql[i], NULL, 0, NULL), AW_OK);
}

static void test_nonce_refused_by_database(void **state)
{
    (void)state;
    poison_nonce();
    chain_call calls[2] = {register_call("poison", 0), register_call("poison", 1)};
    snprintf(calls[0].nonce, sizeof(calls[0].nonce), "%s", POISON_NONCE);
    snprintf(calls[0].timestamp, sizeof(calls[0].timestamp), "%lld",
             (long long)(atomic_load(&clock_ms) / 1000));
    chain_call first = calls[0];
    platform_order_commit_stats delta;
    send_together(calls, 2, &delta);
    assert_int_equal(delta.batches, 1);
    assert_int_equal(delta.rerun_batches, 1); /* the statement failed: a savepoint each */
    assert_true(calls[0].sent && calls[1].sent);
    assert_int_equal(calls[0].status, 500);
    assert_string_equal(calls[0].code, "I9001");
    assert_int_equal(calls[1].status, 200);
    /* only the good call's handler ran */
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_callbacks", NULL), 1);
    assert_int_equal(
        admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?", POISON_NONCE), 0);
    /* nothing of it kept: the same call passes once the database takes it */
    assert_int_equal(db_execute(fx.admin,
                                pg_url != NULL ? "DROP TRIGGER poison_nonce ON platform_nonces"
                                               : "DROP TRIGGER poison_nonce",
                                NULL, 0, NULL),
                     AW_OK);
    send_together(&first, 1, &delta);
    assert_true(first.sent);
    assert_int_equal(first.status, 200);
    assert_int_equal(admin_count("SELECT COUNT(*) FROM platform_callbacks", NULL), 2);
}

static void test_refusal_spends_nonce(void **state)
{
    (void)state;
    /* refused after its signature (a bearer token that is none): answered
     * once its nonce committed in the committer's transaction */
    platform_order_commit_stats before, after;
    platform_api_order_commit_stats(fx.api, &before);
    call_spec bogus = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                       .bearer = "not-a-token", .nonce = "refused-chain-nonce"};
    expect_error(&bogus, "I2102");
    platform_api_order_commit_stats(fx.api, &after);
    assert_int_equal(after.submissions - before.submissions, 1);
    assert_int_equal(
        admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?", "refused-chain-nonce"),
        1);
    /* its nonce is spent: the same call with a good token is a replay */
    call_spec good = bogus;
    good.bearer = token.access_token;
    expect_error(&good, "I2006");
    /* an order refused by the chain the same way */
    platform_api_order_commit_stats(fx.api, &before);
    call_spec order = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders",
                       .bearer = "not-a-token", .nonce = "refused-order-nonce",
                       .body = "{\"profileType\":\"iot-basic\",\"eids\":[]}"};
    expect_error(&order, "I2102");
    platform_api_order_commit_stats(fx.api, &after);
    assert_int_equal(after.submissions - before.submissions, 1);
    assert_int_equal(
        admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?", "refused-order-nonce"),
        1);
    /* refused before its nonce (a wrong signature): nothing to commit,
     * answered at once */
    platform_api_order_commit_stats(fx.api, &before);
    call_spec unsigned_call = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                               .bearer = token.access_token,
                               .signature = "00000000000000000000000000000000000000000000000000000"
                                            "00000000000"};
    expect_error(&unsigned_call, "I2004");
    platform_api_order_commit_stats(fx.api, &after);
    assert_int_equal(after.submissions - before.submissions, 0);
}

static void test_client_gone(void **state)
{
    (void)state;
    /* gives up long before the commit delay closes its batch */
    chain_call gone = ping_call();
    gone.timeout_ms = 200;
    snprintf(gone.nonce, sizeof(gone.nonce), "%s", "client-gone-nonce");
    platform_order_commit_stats delta;
    send_together(&gone, 1, &delta);
    assert_false(gone.sent);
    /* the batch still commits, the handler runs, the request goes */
    http_server_stats stats = {0};
    for (int i = 0; i < 300; i++) {
        stats = test_stats(&fx.ts);
        if (stats.requests_pending == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(stats.requests_pending, 0);
    assert_int_equal(
        admin_count("SELECT COUNT(*) FROM platform_nonces WHERE nonce = ?", "client-gone-nonce"), 1);
    call_spec next = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping",
                      .bearer = token.access_token};
    expect_ok(&next);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads(); /* test_server_halt stops the loop from this thread */
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_nonce_in_batch, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_handlers_run_once, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_refused_by_database, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_spends_nonce, setup_chain, teardown),
        cmocka_unit_test_setup_teardown(test_client_gone, setup_chain, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
