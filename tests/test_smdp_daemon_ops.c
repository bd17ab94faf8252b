/* Operations of the SM-DP+ daemon (src/smdp/server_ops.c, smdp.h,
 * inventory_keys.c) on SQLite, and on a real PostgreSQL with
 *   tests/pg-harness.sh run test_smdp_daemon_ops postgresql
 * - full SGP.22 3.1.3 downloads over HTTPS against the daemon, then the
 *   Prometheus counters scraped from its metrics listeners;
 * - the JSON log of those downloads: every line valid JSON with the
 *   request fields, and no Ki, OPc, storage key, private key or other long
 *   hex or base64 value in it;
 * - key rotation: rows under key 1, a key 2 added, the daemon reloading
 *   its ring, the rows re-encrypted while it serves, downloads yielding the
 *   right Ki/OPc, no row left under key 1, a missing key id refused;
 * - the key ring directory and the configuration errors. */
#include "smdp_daemon_testutil.h"
#include "metrics_testutil.h"

#include <ctype.h>

#include <event2/thread.h>
#include <openssl/core_names.h>

#include "core/metrics.h"

const char *dt_postgresql_url;

/* ---- log checks ------------------------------------------------------------ */

static char *read_log(const dt_fixture *x)
{
    size_t len = 0;
    uint8_t *data = test_read_file(x->log_path, &len);
    assert_non_null(data);
    char *text = realloc(data, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    return text;
}

/* Each line one JSON object with ts, level, component and event; returns
 * the number of lines whose event is `event` (and, if given, function). */
static size_t count_events(const char *log, const char *event, const char *function)
{
    size_t count = 0;
    for (const char *line = log; *line != '\0';) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        json_error_t error;
        json_t *root = json_loadb(line, (size_t)(end - line), JSON_REJECT_DUPLICATES, &error);
        if (root == NULL)
            print_error("log line is not JSON: %.*s\n", (int)(end - line), line);
        assert_non_null(root);
        const char *ts = json_string_value(json_object_get(root, "ts"));
        assert_non_null(ts);
        assert_int_equal(strlen(ts), 24); /* 2026-12-01T05:42:31.123Z */
        assert_int_equal(ts[23], 'Z');
        assert_non_null(json_string_value(json_object_get(root, "level")));
        assert_string_equal(json_string_value(json_object_get(root, "component")), "smdp");
        const char *name = json_string_value(json_object_get(root, "event"));
        assert_non_null(name);
        const char *f = json_string_value(json_object_get(root, "function"));
        if (strcmp(name, event) == 0 &&
            (function == NULL || (f != NULL && strcmp(f, function) == 0)))
            count++;
        json_decref(root);
        line = end + 1;
    }
    return count;
}

/* The first line of event/function, parsed (the caller decrefs). */
static json_t *find_event(const char *log, const char *event, const char *function)
{
    for (const char *line = log; *line != '\0'; line = strchr(line, '\n') + 1) {
        json_t *root = json_loadb(line, (size_t)(strchr(line, '\n') - line), 0, NULL);
        assert_non_null(root);
        const char *f = json_string_value(json_object_get(root, "function"));
        if (strcmp(json_string_value(json_object_get(root, "event")), event) == 0 &&
            (function == NULL || (f != NULL && strcmp(f, function) == 0)))
            return root;
        json_decref(root);
    }
    fail_msg("no %s %s event in the log", event, function != NULL ? function : "");
    return NULL;
}

/* hex (either case) must not occur in log. */
static void assert_absent(const char *log, const uint8_t *secret, size_t len, const char *what)
{
    char *hex = malloc(2 * len + 1);
    assert_non_null(hex);
    for (int upper = 0; upper < 2; upper++) {
        aw_hex_encode(secret, len, hex, upper != 0);
        if (strstr(log, hex) != NULL)
            fail_msg("%s found in the log", what);
    }
    free(hex);
}

/* d of an EC private key, as bytes. */
static void assert_private_key_absent(const char *log, EVP_PKEY *key, const char *what)
{
    BIGNUM *d = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    uint8_t bytes[32];
    assert_int_equal(BN_bn2binpad(d, bytes, sizeof(bytes)), 32);
    assert_absent(log, bytes, sizeof(bytes), what);
    BN_clear_free(d);
}

/* No run of 32+ hex digits outside a transaction_id value and no run of
 * 40+ base64 characters at all: what session keys, MACs, keys or BPP
 * fragments would look like. */
static void assert_no_long_values(const char *log)
{
    size_t hex_run = 0, base64_run = 0;
    const char *transaction = NULL;
    for (const char *p = log; *p != '\0'; p++) {
        if (strncmp(p, "\"transaction_id\":\"", 18) == 0)
            transaction = p + 18;
        hex_run = isxdigit((unsigned char)*p) ? hex_run + 1 : 0;
        base64_run = isalnum((unsigned char)*p) || *p == '+' || *p == '/' ? base64_run + 1 : 0;
        if (hex_run >= 32 && p - 31 != transaction)
            fail_msg("long hex value in the log: %.40s", p - 31);
        assert_true(hex_run <= 32);
        if (base64_run >= 40)
            fail_msg("long base64 value in the log: %.48s", p - 39);
    }
}

/* ---- scenarios --------------------------------------------------------------- */

static long long metric(const char *text, const char *series)
{
    long long value = metrics_test_value(text, series);
    if (value < 0)
        print_error("no sample %s in:\n%s\n", series, text);
    return value;
}

/* GET /metrics on the ES9+ HTTPS listener (smdp_config.metrics_on_es9p). */
static char *scrape_es9p(dt_fixture *x)
{
    char url[96];
    snprintf(url, sizeof(url), "%s/metrics", x->base_url);
    const char *names[] = {"Content-Type"};
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url,
                                   .response_header_names = names,
                                   .response_header_count = 1};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(x->client, &request, &response), AW_OK);
    assert_int_equal(response->status, 200);
    assert_string_equal(response->header_values[0], METRICS_CONTENT_TYPE);
    char *text = malloc(response->body_len + 1);
    assert_non_null(text);
    memcpy(text, response->body, response->body_len);
    text[response->body_len] = '\0';
    http_client_response_free(response);
    return text;
}

static void test_download_metrics_and_logs(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    char transaction_id[33];
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    dt_subscriber_make(1, &s);
    dt_add_subscriber(&x, &s);
    dt_start(&x);
    assert_int_not_equal(smdp_server_metrics_port(x.server), 0);

    /* a matchingId the SM-DP+ does not know: 8.2.6 / 3.8 (SGP.22 5.6.3) */
    json_t *auth = dt_authenticate(&x, "OPS-UNKNOWN", transaction_id);
    dt_expect_status(auth, "8.2.6", "3.8");
    json_decref(auth);
    /* a request missing its fields: 1 / 2.2 */
    json_t *reply = dt_post(&x, "initiateAuthentication", "{}", 200);
    dt_expect_status(reply, "1", "2.2");
    json_decref(reply);
    dt_download(&x, s.matching_id);
    dt_check_installed(&x, 0, &s);

    char *text = metrics_test_scrape(smdp_server_metrics_port(x.server), "/metrics");
    assert_int_equal(metric(text, "airwrite_smdp_es9p_sessions_started_total"), 2);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_sessions_finished_total{outcome="
                                  "\"bound_profile_package\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_finished_total{"
                                              "outcome=\"cancelled\"}"),
                     -1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_sessions_failed_total{function="
                                  "\"authenticateClient\",subject_code=\"8.2.6\","
                                  "reason_code=\"3.8\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_sessions_failed_total{function="
                                  "\"initiateAuthentication\",subject_code=\"1\","
                                  "reason_code=\"2.2\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"initiateAuthentication\",result=\"success\"}"),
                     2);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"initiateAuthentication\",result=\"failed\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"authenticateClient\",result=\"success\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"authenticateClient\",result=\"failed\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"getBoundProfilePackage\",result=\"success\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_requests_total{function="
                                  "\"handleNotification\",result=\"success\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_request_duration_seconds_count{interface="
                                  "\"es9p\",function=\"initiateAuthentication\"}"),
                     3);
    assert_int_equal(metric(text, "airwrite_smdp_request_duration_seconds_bucket{interface="
                                  "\"es9p\",function=\"getBoundProfilePackage\",le=\"+Inf\"}"),
                     1);
    assert_int_equal(metric(text, "airwrite_smdp_request_duration_seconds_bucket{interface="
                                  "\"es9p\",function=\"getBoundProfilePackage\",le=\"10\"}"),
                     1);
    assert_non_null(strstr(text, "# TYPE airwrite_smdp_request_duration_seconds histogram\n"));
    assert_non_null(strstr(text, "# TYPE airwrite_smdp_es2p_requests_total counter\n"));
    free(text);
    /* the same registry on the ES9+ listener */
    text = scrape_es9p(&x);
    assert_int_equal(metric(text, "airwrite_smdp_es9p_sessions_started_total"), 2);
    free(text);
    uint16_t metrics_port = smdp_server_metrics_port(x.server);
    dt_halt(&x);

    char *log = read_log(&x);
    assert_int_equal(count_events(log, "startup", NULL), 1);
    assert_int_equal(count_events(log, "key_ring_loaded", NULL), 1);
    assert_int_equal(count_events(log, "es9p_request", NULL), 7);
    assert_int_equal(count_events(log, "es9p_request", "initiateAuthentication"), 3);
    json_t *line = find_event(log, "es9p_request", "getBoundProfilePackage");
    assert_string_equal(json_string_value(json_object_get(line, "status")), "Executed-Success");
    assert_string_equal(json_string_value(json_object_get(line, "result")), "success");
    assert_int_equal(json_integer_value(json_object_get(line, "http_status")), 200);
    assert_int_equal(strlen(json_string_value(json_object_get(line, "transaction_id"))), 32);
    assert_true(json_integer_value(json_object_get(line, "duration_us")) > 0);
    assert_string_equal(json_string_value(json_object_get(line, "peer")), "127.0.0.1");
    json_decref(line);
    line = find_event(log, "es9p_request", "authenticateClient");
    assert_string_equal(json_string_value(json_object_get(line, "subject_code")), "8.2.6");
    assert_string_equal(json_string_value(json_object_get(line, "reason_code")), "3.8");
    json_decref(line);
    line = find_event(log, "es9p_request", "handleNotification");
    assert_int_equal(json_integer_value(json_object_get(line, "http_status")), 204);
    json_decref(line);
    line = find_event(log, "startup", NULL);
    assert_int_equal(json_integer_value(json_object_get(line, "metrics_port")), metrics_port);
    assert_true(json_integer_value(json_object_get(line, "es9p_port")) > 0);
    /* the database the daemon really used, named without a password */
    const char *database = json_string_value(json_object_get(line, "database"));
    if (dt_postgresql_url != NULL)
        assert_true(strncmp(database, "postgresql://", 13) == 0);
    else
        assert_non_null(strstr(database, "/smdp.db"));
    assert_null(strstr(database, "password"));
    json_decref(line);

    /* no secret of the download reached the log */
    size_t n = 0;
    uint8_t *ki = test_hex(s.ki, &n), *opc = test_hex(s.opc, &n);
    assert_absent(log, ki, 16, "Ki");
    assert_absent(log, opc, 16, "OPc");
    free(ki);
    free(opc);
    char key_path[256];
    snprintf(key_path, sizeof(key_path), "%s/1.key", x.keys);
    uint8_t *storage_key = test_read_file(key_path, &n);
    assert_non_null(storage_key);
    assert_int_equal(n, SMDP_STORAGE_KEY_SIZE);
    assert_absent(log, storage_key, n, "storage key");
    free(storage_key);
    static const aw_pki_role roles[] = {AW_PKI_ROLE_DP_AUTH, AW_PKI_ROLE_DP_PB,
                                        AW_PKI_ROLE_DP_TLS, AW_PKI_ROLE_EUICC};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        assert_private_key_absent(log, x.t.hierarchy.key[roles[i]], "private key");
    assert_no_long_values(log);
    free(log);
    dt_close(&x);
}

/* SGP.22 3.1.3 with a key rotation in the middle, the daemon serving all
 * along: key 2 added and loaded on reload, rows re-encrypted in
 * transactions, key 1 retired; a key id missing from the ring refused. */
static void test_key_rotation(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s1, s2, s3;
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    dt_subscriber_make(11, &s1);
    dt_subscriber_make(12, &s2);
    dt_subscriber_make(13, &s3);
    dt_add_subscriber(&x, &s1); /* under key 1 */
    dt_start(&x);

    uint32_t id = 0;
    assert_int_equal(smdp_key_ring_generate(x.keys, &id), AW_OK);
    assert_int_equal(id, 2);
    dt_add_subscriber(&x, &s2); /* new imports use the newest key */
    db_connection *db = NULL;
    smdp_profile_info info;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, s1.iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 1);
    assert_int_equal(smdp_inventory_get_profile(db, s2.iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 2);

    /* the daemon reads key 2 on reload; the rows are re-encrypted while it
     * serves, each chunk its own transaction */
    assert_int_equal(dt_reload_key_ring(&x), AW_OK);
    smdp_key_ring *ring = dt_ring(&x);
    int64_t stale = 0;
    assert_int_equal(smdp_inventory_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 1);
    size_t rewritten = 0;
    assert_int_equal(smdp_inventory_rekey(db, ring, db_clock_ms(), &rewritten), AW_OK);
    assert_int_equal(rewritten, 1);
    assert_int_equal(smdp_inventory_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 0);
    smdp_key_ring_free(ring);
    /* the dump of the inventory: every row under key 2 */
    db_rows *rows = NULL;
    bool has_row = false;
    size_t seen = 0;
    assert_int_equal(db_query(db, "SELECT iccid, key_id FROM smdp_profiles", NULL, 0, &rows),
                     AW_OK);
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        int64_t key_id = 0;
        assert_int_equal(db_rows_get_int64(rows, 1, &key_id), AW_OK);
        assert_int_equal(key_id, 2);
        seen++;
    }
    db_rows_free(rows);
    assert_int_equal(seen, 2);

    /* key 1 retired: the daemon works with key 2 alone */
    char path[256];
    snprintf(path, sizeof(path), "%s/1.key", x.keys);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(dt_reload_key_ring(&x), AW_OK);
    dt_download(&x, s1.matching_id);
    dt_check_installed(&x, 0, &s1);
    dt_download(&x, s2.matching_id);
    dt_check_installed(&x, 1, &s2);

    /* a row under key 3, whose file is then lost: the reload is refused and
     * the old ring stays; a new daemon refuses to start */
    assert_int_equal(smdp_key_ring_generate(x.keys, &id), AW_OK);
    assert_int_equal(id, 3);
    dt_add_subscriber(&x, &s3);
    snprintf(path, sizeof(path), "%s/3.key", x.keys);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(dt_reload_key_ring(&x), AW_ERR_SMDP_KEY_MISSING);
    dt_halt(&x);
    smdp_config config = dt_config(&x);
    smdp_server *server = (smdp_server *)&x;
    assert_int_equal(smdp_server_new(x.base, &config, &server), AW_ERR_SMDP_KEY_MISSING);
    assert_null(server);
    char *log = read_log(&x);
    assert_int_equal(count_events(log, "key_ring_loaded", NULL), 3);
    assert_int_equal(count_events(log, "key_ring_refused", NULL), 2);
    json_t *line = find_event(log, "key_ring_refused", NULL);
    assert_int_equal(json_integer_value(json_object_get(line, "missing_key_id")), 3);
    assert_string_equal(json_string_value(json_object_get(line, "error")),
                        "AW_ERR_SMDP_KEY_MISSING");
    json_decref(line);
    assert_int_equal(count_events(log, "startup_failed", NULL), 1);
    free(log);
    db_close(db);
    dt_close(&x);
}

int dt_run_key_ring_tests(void);

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: %s sqlite|postgresql\n", argv[0]);
        return 1;
    }
    if (strcmp(argv[1], "postgresql") == 0) {
        dt_postgresql_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (dt_postgresql_url == NULL) {
            fprintf(stderr, "AW_TEST_POSTGRESQL_URL not set (run through tests/pg-harness.sh); "
                            "skipping\n");
            return TEST_SKIP_EXIT;
        }
    }
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_metrics_and_logs),
        cmocka_unit_test(test_key_rotation),
    };
    int failed = cmocka_run_group_tests_name(
        dt_postgresql_url != NULL ? "smdp daemon operations (postgresql)"
                                  : "smdp daemon operations (sqlite)",
        tests, NULL, NULL);
    return failed + dt_run_key_ring_tests();
}
