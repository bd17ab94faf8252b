/* ES2+.HandleDownloadProgressInfo end to end (SGP.22 5.3.5 over 6.5.2.5):
 * the SM-DP+ daemon component (smdp.h) with its ES9+ and ES2+ listeners and
 * its notifier, an operator that places orders over ES2+ with its client
 * certificate and receives the notifications on its own HTTPS server on
 * loopback (mutual TLS both ways), and a minimal LPA in this test driving
 * the software eUICC (as test_smdp_download.c does): the BPP download
 * (point 3) and the installation result (point 4, with resultData) reach
 * the operator; another operator's ConfirmOrder, ReleaseProfile and
 * CancelOrder are refused (8.2.1 / 1.2); an eUICC that comes after the
 * order expired gets 8.8.5 / 4.10 from ES9+, the operator is told once
 * (point 1) and ES2+ answers 8.8.5 / 4.10 until the operator cancels; the
 * JSON binding's caller context errors. */
#include "euicc_isdr_testutil.h"
#include "smdp_es2p_notify_testutil.h"
#include "smdp_es2p_testutil.h"

#include "core/base64.h"
#include "core/hex.h"
#include "core/http_client.h"
#include "smdp/es2p.h"
#include "smdp/es2p_json.h"
#include "smdp/es2p_notifier.h"
#include "smdp/es9p_json.h"
#include "smdp/smdp.h"

#define FLOW_ADDRESS "smdp.example.com"
#define FLOW_MATCHING_ID "NOTIFY-FLOW-0001"
#define FLOW_EID AW_PKI_DEFAULT_EID /* the test eUICC's */

typedef struct flow {
    test_euicc t;           /* the eUICC and the SM-DP+ PKI (t.pki) */
    char db_url[192];
    char key_file[160];
    char operators_ca[160];
    notify_pki operator_one;
    notify_pki operator_two;
    operator_server op;
    smdp_operator_endpoint endpoint;
    char op_url[64];
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
    http_client *lpa;
    http_client *es2p_one;
    http_client *es2p_two;
    char es9p_url[64];
    char es2p_url[64];
} flow;

static void *flow_loop(void *arg)
{
    flow *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void flow_append(FILE *out, const char *path)
{
    size_t len = 0;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    assert_int_equal(fwrite(data, 1, len, out), len);
    free(data);
}

static http_client *flow_client(const flow *x, const notify_pki *operator)
{
    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", x->t.pki);
    http_client_config config = {.ca_file = ca, .timeout_ms = 10000};
    if (operator != NULL) {
        config.certificate_file = operator->tls_cert;
        config.key_file = operator->tls_key;
    }
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    return client;
}

/* The eUICC, the SM-DP+ PKI and inventory, two operators, the operator's
 * server, the daemon with orders of lifetime_ms and notifier poll_ms. */
static void flow_open(flow *x, int64_t lifetime_ms, unsigned poll_ms)
{
    memset(x, 0, sizeof(*x));
    te_setup(&x->t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&x->t);
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_DP_AUTH, "dpauth"}, {AW_PKI_ROLE_DP_PB, "dppb"},
                 {AW_PKI_ROLE_DP_TLS, "dptls"}};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s.pem", files[i].base);
        test_write_pem(x->t.pki, name, x->t.hierarchy.cert[files[i].role], NULL);
        snprintf(name, sizeof(name), "%s.key.pem", files[i].base);
        test_write_pem(x->t.pki, name, NULL, x->t.hierarchy.key[files[i].role]);
    }
    snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", x->t.dir);
    snprintf(x->key_file, sizeof(x->key_file), "%s/storage.key", x->t.dir);
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    es2p_test_fill_inventory(db, x->key_file);
    db_close(db);

    /* two operators under their own CAs, both trusted for ES2+ */
    notify_pki_make(&x->operator_one, "Operator One");
    notify_pki_make(&x->operator_two, "Operator Two");
    snprintf(x->operators_ca, sizeof(x->operators_ca), "%s/operators-ca.pem", x->t.dir);
    FILE *out = fopen(x->operators_ca, "w");
    assert_non_null(out);
    flow_append(out, x->operator_one.ci);
    flow_append(out, x->operator_two.ci);
    fclose(out);

    /* operator one's server accepts the SM-DP+'s CERT.DPtls */
    char smdp_ca[192];
    snprintf(smdp_ca, sizeof(smdp_ca), "%s/ci.pem", x->t.pki);
    operator_init(&x->op);
    operator_start(&x->op, &x->operator_one, smdp_ca);
    snprintf(x->op_url, sizeof(x->op_url), "https://127.0.0.1:%u", (unsigned)x->op.port);
    x->endpoint = (smdp_operator_endpoint){.subject = x->operator_one.tls_subject,
                                           .requester_id = "op1",
                                           .base_url = x->op_url};

    x->base = event_base_new();
    assert_non_null(x->base);
    smdp_config config = {.pki_directory = x->t.pki,
                          .database_url = x->db_url,
                          .key_ring_file = x->key_file,
                          .address = "127.0.0.1",
                          .smdp_address = FLOW_ADDRESS,
                          .es2p_client_ca_file = x->operators_ca,
                          .es2p_order_lifetime_ms = lifetime_ms,
                          .es2p_operator_ca_file = x->operator_one.ci,
                          .es2p_operators = &x->endpoint,
                          .es2p_operator_count = 1,
                          .es2p_notify_poll_ms = poll_ms};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    snprintf(x->es9p_url, sizeof(x->es9p_url), "https://127.0.0.1:%u/gsma/rsp2/es9plus/",
             (unsigned)smdp_server_port(x->server));
    snprintf(x->es2p_url, sizeof(x->es2p_url), "https://127.0.0.1:%u/gsma/rsp2/es2plus/",
             (unsigned)smdp_server_es2p_port(x->server));
    assert_int_equal(pthread_create(&x->thread, NULL, flow_loop, x), 0);
    x->lpa = flow_client(x, NULL);
    x->es2p_one = flow_client(x, &x->operator_one);
    x->es2p_two = flow_client(x, &x->operator_two);
}

/* Stop the daemon (its notifier included): the database is then ours. */
static void flow_halt(flow *x)
{
    if (x->server == NULL)
        return;
    event_base_loopexit(x->base, NULL);
    assert_int_equal(pthread_join(x->thread, NULL), 0);
    smdp_server_stop(x->server);
    smdp_server_free(x->server);
    x->server = NULL;
}

static void flow_close(flow *x)
{
    flow_halt(x);
    http_client_free(x->lpa);
    http_client_free(x->es2p_one);
    http_client_free(x->es2p_two);
    event_base_free(x->base);
    operator_free(&x->op);
    notify_pki_remove(&x->operator_one);
    notify_pki_remove(&x->operator_two);
    te_teardown(&x->t);
}

/* POST a JSON body; the parsed answer (NULL for 204). */
static json_t *flow_post(http_client *client, const char *base, const char *function,
                         const char *body, int expect_status)
{
    char url[192];
    snprintf(url, sizeof(url), "%s%s", base, function);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body)};
    http_client_response *response = NULL;
    aw_err err = http_client_send(client, &request, &response);
    if (err != AW_OK)
        print_error("http: %s\n", http_client_last_error(client));
    assert_int_equal(err, AW_OK);
    assert_int_equal(response->status, expect_status);
    json_t *root = NULL;
    if (expect_status == 200) {
        root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        assert_non_null(root);
    }
    http_client_response_free(response);
    return root;
}

/* One ES2+ call by an operator client; checks its execution status. */
static void flow_es2p(flow *x, http_client *client, const char *requester, const char *function,
                      const char *fields, const char *subject, const char *reason)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"header\":{\"functionRequesterIdentifier\":\"%s\",\"functionCallIdentifier\":"
             "\"call\"}%s%s}",
             requester, fields[0] ? "," : "", fields);
    json_t *root = flow_post(client, x->es2p_url, function, body, 200);
    es2p_test_expect_status(root, subject, reason);
    json_decref(root);
}

/* ---- The LPA's side (SGP.22 3.1.2, 3.1.3 over 6.5.2) ------------------------ */

static char *flow_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

static uint8_t *flow_unbase64(json_t *object, const char *name, size_t *len)
{
    const char *text = json_string_value(json_object_get(object, name));
    assert_non_null(text);
    size_t cap = aw_base64_decoded_max(strlen(text));
    uint8_t *out = malloc(cap + 1);
    assert_non_null(out);
    assert_int_equal(aw_base64_decode(text, strlen(text), out, cap + 1, len), AW_OK);
    return out;
}

/* Send a DER command to the eUICC; its response (9000). */
static uint8_t *flow_es10(flow *x, const uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *response = NULL;
    assert_int_equal(te_es10(&x->t, command, len, &response, response_len), 0x9000);
    return response;
}

/* Build a command from fields of a JSON answer (verbatim, SGP.22 5.7.13,
 * 5.7.5), run it on the eUICC and POST its response to function. */
static json_t *flow_relay(flow *x, json_t *answer, unsigned tag, const char *const *fields,
                          size_t count, const char *matching_id, const char *transaction_id,
                          const char *function, const char *field)
{
    der_builder b;
    size_t n, response_len = 0, command_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, tag);
    for (size_t i = 0; i < count; i++) {
        uint8_t *value = flow_unbase64(answer, fields[i], &n);
        der_put_raw(&b, value, n);
        free(value);
    }
    if (matching_id != NULL) {
        /* ctxParams1: matchingId and deviceInfo {TAC, no capabilities} */
        static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
        der_builder_begin(&b, 0xA0);
        der_put_tlv(&b, 0x80, (const uint8_t *)matching_id, strlen(matching_id));
        der_builder_begin(&b, 0xA1);
        der_put_tlv(&b, 0x80, tac, sizeof(tac));
        der_builder_begin(&b, 0xA1);
        der_builder_end(&b);
        der_builder_end(&b);
        der_builder_end(&b);
    }
    der_builder_end(&b);
    uint8_t *command = NULL;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = flow_es10(x, command, command_len, &response_len);
    char *response64 = flow_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"%s\":\"%s\"}", transaction_id, field,
            response64);
    json_t *reply = flow_post(x->lpa, x->es9p_url, function, request, 200);
    free(request);
    free(response64);
    free(response);
    free(command);
    return reply;
}

/* InitiateAuthentication and AuthenticateClient; the latter's answer. */
static json_t *flow_authenticate(flow *x, char transaction_id[33])
{
    size_t info1_len, challenge_len;
    uint8_t *info1 = te_call(&x->t, "BF2000", &info1_len);
    uint8_t *challenge = te_call(&x->t, "BF2E00", &challenge_len);
    char *challenge64 = flow_base64(challenge + 5, 16), *info64 = flow_base64(info1, info1_len);
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, info64, FLOW_ADDRESS);
    json_t *init = flow_post(x->lpa, x->es9p_url, "initiateAuthentication", body, 200);
    es2p_test_expect_status(init, NULL, NULL);
    snprintf(transaction_id, 33, "%s",
             json_string_value(json_object_get(init, "transactionId")));
    static const char *const fields[] = {"serverSigned1", "serverSignature1",
                                         "euiccCiPKIdToBeUsed", "serverCertificate"};
    json_t *auth = flow_relay(x, init, 0xBF38, fields, 4, FLOW_MATCHING_ID, transaction_id,
                              "authenticateClient", "authenticateServerResponse");
    json_decref(init);
    free(challenge64);
    free(info64);
    free(challenge);
    free(info1);
    return auth;
}

/* The whole download; returns the ProfileInstallationResult the eUICC signed. */
static uint8_t *flow_download(flow *x, size_t *pir_len)
{
    char transaction_id[33];
    json_t *auth = flow_authenticate(x, transaction_id);
    es2p_test_expect_status(auth, NULL, NULL);
    static const char *const fields[] = {"smdpSigned2", "smdpSignature2", "smdpCertificate"};
    json_t *reply = flow_relay(x, auth, 0xBF21, fields, 3, NULL, transaction_id,
                               "getBoundProfilePackage", "prepareDownloadResponse");
    json_decref(auth);
    es2p_test_expect_status(reply, NULL, NULL);
    size_t bpp_len = 0;
    uint8_t *bpp = flow_unbase64(reply, "boundProfilePackage", &bpp_len);
    json_decref(reply);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK)
        assert_int_equal(te_es10(&x->t, segment.bytes.ptr, segment.bytes.len, &pir, pir_len),
                         0x9000);
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    free(bpp);
    char *pir64 = flow_base64(pir, *pir_len);
    char *request = malloc(strlen(pir64) + 64);
    assert_non_null(request);
    sprintf(request, "{\"pendingNotification\":\"%s\"}", pir64);
    assert_null(flow_post(x->lpa, x->es9p_url, "handleNotification", request, 204));
    free(request);
    free(pir64);
    return pir;
}

/* ---- The operator's view ----------------------------------------------------- */

static json_t *received(flow *x, size_t i)
{
    assert_true(i < operator_count(&x->op));
    return x->op.received[i].body;
}

static void expect_notification(json_t *body, int point, const char *subject,
                                const char *reason)
{
    assert_string_equal(json_string_value(json_object_get(body, "iccid")), ES2P_TEST_ICCID1);
    assert_string_equal(json_string_value(json_object_get(body, "eid")), FLOW_EID);
    assert_string_equal(json_string_value(json_object_get(body, "profileType")), ES2P_TEST_TYPE);
    assert_int_equal(json_integer_value(json_object_get(body, "notificationPointId")), point);
    json_t *header = json_object_get(body, "header");
    assert_string_equal(json_string_value(json_object_get(header, "functionRequesterIdentifier")),
                        FLOW_ADDRESS);
    json_t *status = json_object_get(body, "notificationPointStatus");
    if (subject == NULL) {
        assert_string_equal(json_string_value(json_object_get(status, "status")),
                            "Executed-Success");
        return;
    }
    assert_string_equal(json_string_value(json_object_get(status, "status")), "Failed");
    json_t *code = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(code, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(code, "reasonCode")), reason);
}

#define ORDER "\"iccid\":\"" ES2P_TEST_ICCID1 "\""

static void test_download_notifies_operator(void **state)
{
    (void)state;
    flow x;
    flow_open(&x, 0, 100);
    flow_es2p(&x, x.es2p_one, "op1", "downloadOrder", ORDER ",\"eid\":\"" FLOW_EID "\"", NULL,
              NULL);
    /* the operator's identity needs a requester name */
    flow_es2p(&x, x.es2p_one, "", "confirmOrder", ORDER ",\"releaseFlag\":true", "1", "2.1");
    /* operator two may not touch operator one's order */
    flow_es2p(&x, x.es2p_two, "op2", "confirmOrder", ORDER ",\"releaseFlag\":true", "8.2.1",
              "1.2");
    flow_es2p(&x, x.es2p_two, "op1", "confirmOrder", ORDER ",\"releaseFlag\":true", "8.2.1",
              "1.2");
    flow_es2p(&x, x.es2p_one, "op1", "confirmOrder",
              ORDER ",\"matchingId\":\"" FLOW_MATCHING_ID "\",\"releaseFlag\":false", NULL, NULL);
    flow_es2p(&x, x.es2p_two, "op2", "releaseProfile", ORDER, "8.2.1", "1.2");
    flow_es2p(&x, x.es2p_one, "op1", "releaseProfile", ORDER, NULL, NULL);
    flow_es2p(&x, x.es2p_two, "op2", "cancelOrder",
              ORDER ",\"finalProfileStatusIndicator\":\"Available\"", "8.2.1", "1.2");
    assert_int_equal(operator_count(&x.op), 0); /* ES2+ answers, it does not notify */

    size_t pir_len = 0;
    uint8_t *pir = flow_download(&x, &pir_len);
    assert_true(operator_wait(&x.op, 2, 10000));
    expect_notification(received(&x, 0), 3, NULL, NULL);
    json_t *installed = received(&x, 1);
    expect_notification(installed, 4, NULL, NULL);
    /* resultData: the ProfileInstallationResultData the eUICC signed */
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    const char *b64 = json_string_value(json_object_get(installed, "resultData"));
    assert_non_null(b64);
    uint8_t data[512];
    size_t data_len = 0;
    assert_int_equal(aw_base64_decode(b64, strlen(b64), data, sizeof(data), &data_len), AW_OK);
    assert_int_equal(data_len, result.data.raw.len);
    assert_memory_equal(data, result.data.raw.ptr, data_len);
    /* mutual TLS: the operator saw the SM-DP+'s CERT.DPtls */
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    X509 *dptls = (X509 *)pki_certificate_x509(x.t.hierarchy.cert[AW_PKI_ROLE_DP_TLS]);
    assert_true(X509_NAME_print_ex(bio, X509_get_subject_name(dptls), 0, XN_FLAG_RFC2253) >= 0);
    assert_int_equal(BIO_write(bio, "", 1), 1);
    char *subject = NULL;
    BIO_get_mem_data(bio, &subject);
    assert_string_equal(x.op.received[1].peer_subject, subject);
    BIO_free(bio);
    flow_halt(&x);
    assert_int_equal(operator_count(&x.op), 2); /* each once */
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_INSTALLED);
    db_close(db);
    free(pir);
    flow_close(&x);
}

/* The eUICC comes after the order's lifetime: refused at AuthenticateClient
 * (SGP.22 5.6.3), the operator told once, ES2+ answers the same code until
 * the operator cancels. The notifier only passes when woken (long poll), so
 * the expiry is the ES9+ side's. */
static void test_late_euicc(void **state)
{
    (void)state;
    flow x;
    flow_open(&x, 300, 60000);
    flow_es2p(&x, x.es2p_one, "op1", "downloadOrder", ORDER ",\"eid\":\"" FLOW_EID "\"", NULL,
              NULL);
    flow_es2p(&x, x.es2p_one, "op1", "confirmOrder",
              ORDER ",\"matchingId\":\"" FLOW_MATCHING_ID "\",\"releaseFlag\":true", NULL, NULL);
    usleep(400000);
    char transaction_id[33];
    json_t *auth = flow_authenticate(&x, transaction_id);
    es2p_test_expect_status(auth, "8.8.5", "4.10");
    json_decref(auth);
    assert_true(operator_wait(&x.op, 1, 10000));
    expect_notification(received(&x, 0), 1, "8.8.5", "4.10");
    /* a second late attempt: the same answer, no second notification */
    auth = flow_authenticate(&x, transaction_id);
    es2p_test_expect_status(auth, "8.8.5", "4.10");
    json_decref(auth);
    flow_es2p(&x, x.es2p_one, "op1", "releaseProfile", ORDER, "8.8.5", "4.10");
    flow_es2p(&x, x.es2p_one, "op1", "confirmOrder", ORDER ",\"releaseFlag\":true", "8.8.5",
              "4.10");
    flow_es2p(&x, x.es2p_two, "op2", "cancelOrder",
              ORDER ",\"finalProfileStatusIndicator\":\"Available\"", "8.2.1", "1.2");
    flow_es2p(&x, x.es2p_one, "op1", "cancelOrder",
              ORDER ",\"finalProfileStatusIndicator\":\"Available\"", NULL, NULL);
    flow_halt(&x);
    assert_int_equal(operator_count(&x.op), 1);
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_AVAILABLE);
    db_close(db);
    flow_close(&x);
}

/* The JSON binding's caller context (es2p_json_handle_for) on its own: a
 * missing context, and a requester name too long to keep with an order. */
static void test_json_caller_context(void **state)
{
    (void)state;
    db_connection *db = NULL;
    assert_int_equal(db_open("sqlite::memory:", NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_migrate(db), AW_OK);
    assert_int_equal(smdp_es2p_migrate(db), AW_OK);
    es9p_json_response response;
    static const char body[] = "{}";
    assert_int_equal(es2p_json_handle_for(db, NULL, "/gsma/rsp2/es2plus/releaseProfile",
                                          "gsma/rsp/v2.2.0", (const uint8_t *)body, 2, 1,
                                          &response),
                     AW_ERR_ARGUMENT);
    assert_null(response.body);
    char request[600], requester[SMDP_ES2P_CALLER_MAX + 2];
    memset(requester, 'R', sizeof(requester) - 1);
    requester[sizeof(requester) - 1] = '\0';
    snprintf(request, sizeof(request),
             "{\"header\":{\"functionRequesterIdentifier\":\"%s\",\"functionCallIdentifier\":"
             "\"c\"},\"iccid\":\"" ES2P_TEST_ICCID1 "\"}",
             requester);
    es2p_json_context context = {.caller_subject = "CN=Operator One"};
    assert_int_equal(es2p_json_handle_for(db, &context, "/gsma/rsp2/es2plus/releaseProfile",
                                          "gsma/rsp/v2.2.0", (const uint8_t *)request,
                                          strlen(request), 1, &response),
                     AW_OK);
    json_t *root = json_loadb(response.body, response.body_len, 0, NULL);
    es2p_test_expect_status(root, "1", "2.1");
    json_t *code = json_object_get(
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
        "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(code, "subjectIdentifier")),
                        "functionRequesterIdentifier");
    json_decref(root);
    es9p_json_response_clear(&response);
    db_close(db);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_notifies_operator),
        cmocka_unit_test(test_late_euicc),
        cmocka_unit_test(test_json_caller_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
