/* ES2+ over HTTPS with mutual TLS (SGP.22 6.5.2.1-6.5.2.4 over 6.1/6.2,
 * 2.6.6): the SM-DP+ daemon component (smdp.h) with its second listener,
 * an operator CA and client certificates issued in-test with the openssl
 * CLI. DownloadOrder and ConfirmOrder by a trusted operator change the
 * inventory; no client certificate, an untrusted one, and a trusted one
 * outside the subject allow-list are refused. The JSON binding's error
 * paths are in test_smdp_es2p_json.c (same executable). */
#include "smdp_es2p_testutil.h"

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/pem.h>

#include "core/http_client.h"
#include "core/pki.h"
#include "smdp/es9p_json.h"
#include "smdp/smdp.h"

void test_es2p_json_functions(void **state);
void test_es2p_json_order_errors(void **state);
void test_es2p_json_malformed(void **state);

#define OPERATOR_SUBJECT "CN=Operator One,O=Operator"

typedef struct es2p_http {
    char dir[64];
    char pki[128];
    char db_url[192];
    char key_file[160];
    pki_hierarchy hierarchy;
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
} es2p_http;

static void write_pem(const char *dir, const char *name, const pki_certificate *cert,
                      EVP_PKEY *key)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (cert != NULL)
        assert_int_equal(PEM_write_X509(f, (X509 *)pki_certificate_x509(cert)), 1);
    else
        assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

static void run(const char *command)
{
    assert_int_equal(system(command), 0);
}

/* An EC P-256 CA "<name>-ca" and a client certificate "<name>" under it. */
static void issue_operator(const char *dir, const char *name, const char *ca,
                           const char *subject)
{
    char command[2048];
    if (ca == NULL) {
        snprintf(command, sizeof(command),
                 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                 "-nodes -keyout %s-ca.key -out %s-ca.pem -days 2 -subj '/CN=%s CA' "
                 "-addext basicConstraints=critical,CA:TRUE "
                 "-addext keyUsage=critical,keyCertSign 2>/dev/null",
                 dir, name, name, name);
        run(command);
        ca = name;
    }
    snprintf(command, sizeof(command),
             "cd %s && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout %s.key -out %s.csr -subj '%s' 2>/dev/null && "
             "openssl x509 -req -in %s.csr -CA %s-ca.pem -CAkey %s-ca.key -set_serial 7 "
             "-days 2 -out %s.pem 2>/dev/null",
             dir, name, name, subject, name, ca, ca, name);
    run(command);
}

static void *loop_thread(void *arg)
{
    es2p_http *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* PKI of the SM-DP+, inventory, operator certificates; the server with
 * ES2+ for the operator CA, allowed: OPERATOR_SUBJECT only. */
static void es2p_http_open(es2p_http *x)
{
    static const char *const allowed[] = {OPERATOR_SUBJECT};
    memset(x, 0, sizeof(*x));
    snprintf(x->dir, sizeof(x->dir), "/tmp/aw-es2h-XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->pki, sizeof(x->pki), "%s/pki", x->dir);
    snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", x->dir);
    snprintf(x->key_file, sizeof(x->key_file), "%s/storage.key", x->dir);
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    assert_int_equal(pki_issue_hierarchy(&params, &x->hierarchy), AW_OK);
    assert_int_equal(mkdir(x->pki, 0700), 0);
    write_pem(x->pki, "ci.pem", x->hierarchy.cert[AW_PKI_ROLE_CI], NULL);
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_DP_AUTH, "dpauth"}, {AW_PKI_ROLE_DP_PB, "dppb"},
                 {AW_PKI_ROLE_DP_TLS, "dptls"}};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s.pem", files[i].base);
        write_pem(x->pki, name, x->hierarchy.cert[files[i].role], NULL);
        snprintf(name, sizeof(name), "%s.key.pem", files[i].base);
        write_pem(x->pki, name, NULL, x->hierarchy.key[files[i].role]);
    }
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    es2p_test_fill_inventory(db, x->key_file);
    db_close(db);
    issue_operator(x->dir, "operator", NULL, "/O=Operator/CN=Operator One");
    issue_operator(x->dir, "other", "operator", "/O=Operator/CN=Operator Two");
    issue_operator(x->dir, "rogue", NULL, "/O=Operator/CN=Operator One");

    char ca[160];
    snprintf(ca, sizeof(ca), "%s/operator-ca.pem", x->dir);
    x->base = event_base_new();
    assert_non_null(x->base);
    smdp_config config = {.pki_directory = x->pki, .database_url = x->db_url,
                          .key_ring_file = x->key_file, .address = "127.0.0.1",
                          .smdp_address = "smdp.example.com", .es2p_client_ca_file = ca,
                          .es2p_allowed_subjects = allowed, .es2p_allowed_subject_count = 1};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    assert_int_not_equal(smdp_server_es2p_port(x->server), 0);
    assert_int_not_equal(smdp_server_es2p_port(x->server), smdp_server_port(x->server));
    assert_int_equal(pthread_create(&x->thread, NULL, loop_thread, x), 0);
}

/* Stop the loop thread and free the server: the database is then ours. */
static void es2p_http_halt(es2p_http *x)
{
    if (x->server == NULL)
        return;
    event_base_loopexit(x->base, NULL);
    assert_int_equal(pthread_join(x->thread, NULL), 0);
    smdp_server_stop(x->server);
    smdp_server_free(x->server);
    x->server = NULL;
}

static void es2p_http_close(es2p_http *x)
{
    es2p_http_halt(x);
    event_base_free(x->base);
    pki_hierarchy_free(&x->hierarchy);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", x->dir);
    run(command);
}

/* POST one ES2+ request to port as client certificate "name" (NULL: none).
 * Returns the transport error; on AW_OK *status and, for 200, *root. */
static aw_err es2p_post_to(es2p_http *x, uint16_t port, const char *name, const char *function,
                           const char *body, int *status, json_t **root)
{
    char ca[160], certificate[160], key[160], url[192];
    *root = NULL;
    *status = 0;
    snprintf(ca, sizeof(ca), "%s/ci.pem", x->pki);
    snprintf(certificate, sizeof(certificate), "%s/%s.pem", x->dir, name != NULL ? name : "");
    snprintf(key, sizeof(key), "%s/%s.key", x->dir, name != NULL ? name : "");
    http_client_config config = {.ca_file = ca,
                                 .certificate_file = name != NULL ? certificate : NULL,
                                 .key_file = name != NULL ? key : NULL,
                                 .timeout_ms = 10000};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/gsma/rsp2/es2plus/%s",
             (unsigned)port, function);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body)};
    http_client_response *response = NULL;
    aw_err err = http_client_send(client, &request, &response);
    if (err == AW_OK) {
        *status = response->status;
        if (response->status == 200) {
            *root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
            assert_non_null(*root);
        }
    }
    http_client_response_free(response);
    http_client_free(client);
    return err;
}

static aw_err es2p_post(es2p_http *x, const char *name, const char *function, const char *body,
                        int *status, json_t **root)
{
    return es2p_post_to(x, smdp_server_es2p_port(x->server), name, function, body, status, root);
}

#define HEADER                                                                     \
    "\"header\":{\"functionRequesterIdentifier\":\"op1\",\"functionCallIdentifier\":\"c1\"}"

static void test_orders_over_mutual_tls(void **state)
{
    (void)state;
    es2p_http x;
    es2p_http_open(&x);
    int status;
    json_t *root;
    assert_int_equal(es2p_post(&x, "operator", "downloadOrder",
                               "{" HEADER ",\"eid\":\"" ES2P_TEST_EID1 "\",\"iccid\":\""
                               ES2P_TEST_ICCID1 "\"}",
                               &status, &root),
                     AW_OK);
    assert_int_equal(status, 200);
    es2p_test_expect_status(root, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "iccid")), ES2P_TEST_ICCID1);
    json_decref(root);
    assert_int_equal(es2p_post(&x, "operator", "confirmOrder",
                               "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"eid\":\""
                               ES2P_TEST_EID1 "\",\"matchingId\":\"ES2-HTTP-0001\","
                               "\"releaseFlag\":true}",
                               &status, &root),
                     AW_OK);
    assert_int_equal(status, 200);
    es2p_test_expect_status(root, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "matchingId")), "ES2-HTTP-0001");
    assert_string_equal(json_string_value(json_object_get(root, "eid")), ES2P_TEST_EID1);
    assert_string_equal(json_string_value(json_object_get(root, "smdpAddress")),
                        "smdp.example.com");
    json_decref(root);
    /* an ES2+ refusal travels as JSON over the same connection type */
    assert_int_equal(es2p_post(&x, "operator", "releaseProfile",
                               "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\"}", &status, &root),
                     AW_OK);
    es2p_test_expect_status(root, "8.2.1", "3.5");
    json_decref(root);
    /* a trusted certificate outside the allow-list: 403, nothing changes */
    assert_int_equal(es2p_post(&x, "other", "downloadOrder",
                               "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID2 "\"}", &status, &root),
                     AW_OK);
    assert_int_equal(status, 403);
    assert_null(root);
    /* ES2+ is not served on the ES9+ listener (no client authentication) */
    assert_int_equal(es2p_post_to(&x, smdp_server_port(x.server), "operator", "downloadOrder",
                                  "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID2 "\"}", &status,
                                  &root),
                     AW_OK);
    assert_int_equal(status, 404);
    es2p_http_halt(&x);

    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_RELEASED);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID2), SMDP_STATE_AVAILABLE);
    db_close(db);
    es2p_http_close(&x);
}

/* No client certificate, or one from another CA with the allowed subject:
 * the handshake is refused (TLS 1.3 may report the refusal as a reset). */
static void test_client_certificate_required(void **state)
{
    (void)state;
    es2p_http x;
    es2p_http_open(&x);
    static const char *const names[] = {NULL, "rogue"};
    for (size_t i = 0; i < 2; i++) {
        int status;
        json_t *root;
        aw_err err = es2p_post(&x, names[i], "downloadOrder",
                               "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID2 "\"}", &status, &root);
        assert_true(err == AW_ERR_HTTP_TLS || err == AW_ERR_HTTP_TRANSFER);
        assert_null(root);
    }
    es2p_http_halt(&x);
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID2), SMDP_STATE_AVAILABLE);
    db_close(db);
    es2p_http_close(&x);
}

/* An unloadable operator CA file fails the server's creation. */
static void test_client_ca_missing(void **state)
{
    (void)state;
    es2p_http x;
    es2p_http_open(&x);
    es2p_http_halt(&x);
    smdp_config config = {.pki_directory = x.pki, .database_url = x.db_url,
                          .key_ring_file = x.key_file, .address = "127.0.0.1",
                          .es2p_client_ca_file = "/nonexistent/operator-ca.pem"};
    smdp_server *server = NULL;
    assert_int_equal(smdp_server_new(x.base, &config, &server), AW_ERR_HTTP_TLS_CONFIG);
    assert_null(server);
    assert_int_equal(smdp_server_es2p_port(NULL), 0);
    es2p_http_close(&x);
}

int main(void)
{
    /* the loop runs on its own thread; loopexit comes from the test's */
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_over_mutual_tls),
        cmocka_unit_test(test_client_certificate_required),
        cmocka_unit_test(test_client_ca_missing),
        cmocka_unit_test(test_es2p_json_functions),
        cmocka_unit_test(test_es2p_json_order_errors),
        cmocka_unit_test(test_es2p_json_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
