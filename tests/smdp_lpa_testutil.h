/* A minimal test LPA for the SM-DP+ daemon (src/smdp/smdp.h), shared by
 * tests/test_smdp_download.c and bench/bench_smdp_download.c (test code
 * only). It sets up what SGP.22 3.1.3 needs on the SM-DP+ side: a fresh PKI
 * written as airwrite-pki would (CI, EUM, eUICC, DPauth, DPpb, DPtls), an
 * SQLite inventory with a profile type, imported subscribers and released
 * ES2+ orders (5.3.1, 5.3.2), and the ES9+ HTTPS server on an event loop
 * thread. Its devices are software eUICCs driven with STORE DATA APDUs
 * (ES10b, 5.7.2) whose LPA talks to the SM-DP+ over HTTPS with the JSON
 * binding (6.5.2): InitiateAuthentication, AuthenticateClient,
 * GetBoundProfilePackage, LoadBoundProfilePackage segment by segment,
 * HandleNotification. Each device times its eUICC work and its ES9+ round
 * trips so that the benchmark can tell client time from server time. */
#ifndef AIRWRITE_TESTS_SMDP_LPA_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_LPA_TESTUTIL_H

#include "euicc_isdr_testutil.h"

#include <pthread.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/base64.h"
#include "core/db.h"
#include "core/hex.h"
#include "core/http_client.h"
#include "smdp/es2p.h"
#include "smdp/es9p_json.h"
#include "smdp/inventory.h"
#include "smdp/smdp.h"

#define LPA_SMDP_ADDRESS "smdp.example.com"

/* The ES9+ functions a device calls, for its per-function timings. */
typedef enum lpa_function {
    LPA_INITIATE_AUTHENTICATION,
    LPA_AUTHENTICATE_CLIENT,
    LPA_GET_BOUND_PROFILE_PACKAGE,
    LPA_HANDLE_NOTIFICATION,
    LPA_CANCEL_SESSION,
    LPA_FUNCTION_COUNT
} lpa_function;

static const char *const lpa_function_names[LPA_FUNCTION_COUNT] = {
    "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
    "handleNotification", "cancelSession"};

/* One device: a software eUICC and the LPA's HTTPS connection. */
typedef struct lpa_device {
    test_euicc t;         /* t.pki is both the eUICC identity and the SM-DP+ PKI */
    http_client *client;  /* one kept TLS connection */
    char base_url[64];
    double euicc_seconds; /* wall time inside the software eUICC */
    double post_seconds[LPA_FUNCTION_COUNT]; /* HTTPS round trips */
} lpa_device;

/* The SM-DP+ side and the first device (whose t.dir holds everything). */
typedef struct lpa_smdp {
    lpa_device device;
    char db_url[192];
    char key_file[160];
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
} lpa_smdp;

static inline double lpa_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- setup: PKI files, inventory, orders --------------------------------- */

/* The whole hierarchy on curve into t->pki, as airwrite-pki init writes it. */
static inline void lpa_write_pki(test_euicc *t, aw_pki_curve curve)
{
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_CI, "ci"},       {AW_PKI_ROLE_EUM, "eum"},
                 {AW_PKI_ROLE_EUICC, "euicc"}, {AW_PKI_ROLE_DP_AUTH, "dpauth"},
                 {AW_PKI_ROLE_DP_PB, "dppb"},  {AW_PKI_ROLE_DP_TLS, "dptls"}};
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL)};
    pki_hierarchy *h = &t->hierarchy;
    assert_int_equal(pki_issue_hierarchy(&params, h), AW_OK);
    assert_int_equal(mkdir(t->pki, 0700), 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s.pem", files[i].base);
        test_write_pem(t->pki, name, h->cert[files[i].role], NULL);
        if (files[i].role == AW_PKI_ROLE_CI || files[i].role == AW_PKI_ROLE_EUM)
            continue;
        snprintf(name, sizeof(name), "%s.key.pem", files[i].base);
        test_write_pem(t->pki, name, NULL, h->key[files[i].role]);
    }
}

/* A saip_build template whose values every download must replace. */
static inline uint8_t *lpa_built_template(size_t *len)
{
    saip_build_params p;
    uint8_t *template_package = NULL;
    memset(&p, 0, sizeof(p));
    p.iccid = "8988211000000012347";
    p.imsi = "001010000000001";
    p.pin1 = "1234";
    p.pin2 = "5678";
    p.puk1 = "12345678";
    p.puk2 = "87654321";
    p.adm1 = "11111111";
    p.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    p.aka.key_len = 16;
    p.aka.opc_len = 16;
    memset(p.aka.key, 0x11, 16);
    memset(p.aka.opc, 0x22, 16);
    assert_int_equal(saip_build(&p, &template_package, len), AW_OK);
    return template_package;
}

/* The inventory database (migrated) and the key ring of x->key_file. */
static inline void lpa_inventory_open(const lpa_smdp *x, db_connection **db,
                                      smdp_key_ring **ring)
{
    assert_int_equal(db_open(x->db_url, NULL, db), AW_OK);
    assert_int_equal(smdp_inventory_migrate(*db), AW_OK);
    assert_int_equal(smdp_key_ring_new(ring), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(*ring, 1, x->key_file, true), AW_OK);
}

static inline void lpa_add_profile_type(db_connection *db, const char *name,
                                        const uint8_t *template_package, size_t template_len)
{
    smdp_profile_type type = {.name = name, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Airwrite",
                              .profile_name = "IoT basic",
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, db_clock_ms()), AW_OK);
}

/* Import a CSV batch ("iccid,imsi,ki,opc" lines) of profile_type. */
static inline void lpa_import_csv(db_connection *db, const smdp_key_ring *ring,
                                  const char *profile_type, const char *csv, size_t len)
{
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, len, profile_type, &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    smdp_import_batch_free(batch);
}

/* ES2+.DownloadOrder, then ConfirmOrder with matchingId and release. */
static inline void lpa_release_order(db_connection *db, const char *iccid,
                                     const char *matching_id, const char *confirmation_code)
{
    smdp_es2p_result result;
    char got_iccid[SAIP_ICCID_TEXT], got_matching_id[SMDP_MATCHING_ID_MAX + 1];
    smdp_download_order order = {.iccid = iccid};
    assert_int_equal(smdp_es2p_download_order(db, &order, db_clock_ms(), got_iccid, &result),
                     AW_OK);
    assert_true(result.success);
    smdp_confirm_order confirm = {.iccid = iccid, .matching_id = matching_id,
                                  .confirmation_code = confirmation_code, .release_flag = true};
    assert_int_equal(
        smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), got_matching_id, &result), AW_OK);
    assert_true(result.success);
}

/* A temporary directory (prefix "/tmp/aw-...-XXXXXX") with the PKI files. */
static inline void lpa_prepare(lpa_smdp *x, const char *prefix, aw_pki_curve curve)
{
    memset(x, 0, sizeof(*x));
    test_euicc *t = &x->device.t;
    snprintf(t->dir, sizeof(t->dir), "%s", prefix);
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->pki, sizeof(t->pki), "%s/pki", t->dir);
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", t->dir);
    snprintf(x->key_file, sizeof(x->key_file), "%s/storage.key", t->dir);
    t->protocol = EUICC_PROTOCOL_T1;
    lpa_write_pki(t, curve);
}

static inline void *lpa_loop(void *arg)
{
    lpa_smdp *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Open device d's eUICC and its HTTPS client to the SM-DP+ of x. */
static inline void lpa_device_connect(lpa_device *d, const lpa_smdp *x)
{
    te_open(&d->t);
    te_select_isdr(&d->t);
    snprintf(d->base_url, sizeof(d->base_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", d->t.pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &d->client), AW_OK);
}

/* Another device beside x's first: the same eUICC identity with its own
 * state under state_dir, and its own connection. */
static inline void lpa_device_open(lpa_device *d, const lpa_smdp *x, const char *state_dir)
{
    memset(d, 0, sizeof(*d));
    memcpy(d->t.dir, x->device.t.dir, sizeof(d->t.dir));
    memcpy(d->t.pki, x->device.t.pki, sizeof(d->t.pki));
    snprintf(d->t.state, sizeof(d->t.state), "%s", state_dir);
    d->t.protocol = x->device.t.protocol;
    lpa_device_connect(d, x);
}

/* A second device's eUICC closed and its client freed (the first one goes
 * with lpa_close). */
static inline void lpa_device_close(lpa_device *d)
{
    te_close(&d->t);
    http_client_free(d->client);
    d->client = NULL;
}

/* Start the SM-DP+ on its loop thread and open the first device. */
static inline void lpa_open(lpa_smdp *x)
{
    x->base = event_base_new();
    assert_non_null(x->base);
    smdp_config config = {.pki_directory = x->device.t.pki, .database_url = x->db_url,
                          .key_ring_file = x->key_file, .address = "127.0.0.1",
                          .smdp_address = LPA_SMDP_ADDRESS};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    assert_int_not_equal(smdp_server_port(x->server), 0);
    assert_int_equal(pthread_create(&x->thread, NULL, lpa_loop, x), 0);
    pthread_setname_np(x->thread, "smdp-server"); /* for profilers */
    lpa_device_connect(&x->device, x);
}

/* Stop the loop thread; the server's database is then free to read. */
static inline void lpa_halt(lpa_smdp *x)
{
    if (x->server == NULL)
        return;
    /* loopexit is a timer event: not lost if the thread has not looped yet */
    event_base_loopexit(x->base, NULL);
    assert_int_equal(pthread_join(x->thread, NULL), 0);
    smdp_server_stop(x->server);
    smdp_server_free(x->server);
    x->server = NULL;
}

static inline void lpa_close(lpa_smdp *x)
{
    lpa_halt(x);
    http_client_free(x->device.client);
    event_base_free(x->base);
    te_teardown(&x->device.t);
}

/* ---- the LPA's HTTPS side (SGP.22 6.5.2) --------------------------------- */

static inline char *lpa_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

static inline uint8_t *lpa_unbase64(json_t *object, const char *name, size_t *len)
{
    const char *text = json_string_value(json_object_get(object, name));
    assert_non_null(text);
    size_t cap = aw_base64_decoded_max(strlen(text));
    uint8_t *out = malloc(cap + 1);
    assert_non_null(out);
    assert_int_equal(aw_base64_decode(text, strlen(text), out, cap + 1, len), AW_OK);
    return out;
}

/* POST one ES9+ request; returns the parsed JSON body (NULL for 204). */
static inline json_t *lpa_post(lpa_device *d, lpa_function function, const char *body,
                               int expect_status)
{
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/es9plus/%s", d->base_url,
             lpa_function_names[function]);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    const char *names[] = {"Content-Type", "X-Admin-Protocol"};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body),
                                   .response_header_names = names,
                                   .response_header_count = 2};
    http_client_response *response = NULL;
    double start = lpa_now();
    aw_err err = http_client_send(d->client, &request, &response);
    d->post_seconds[function] += lpa_now() - start;
    if (err != AW_OK)
        fprintf(stderr, "http: %s\n", http_client_last_error(d->client));
    assert_int_equal(err, AW_OK);
    assert_int_equal(response->status, expect_status);
    assert_non_null(response->header_values[1]);
    assert_string_equal(response->header_values[1], ES9P_JSON_ADMIN_PROTOCOL);
    json_t *root = NULL;
    if (expect_status == 200) {
        assert_non_null(response->header_values[0]);
        assert_string_equal(response->header_values[0], "application/json;charset=UTF-8");
        root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        assert_non_null(root);
    }
    http_client_response_free(response);
    return root;
}

/* POST {"transactionId": tid, name: base64(data)}, or {name: ...} without
 * a transactionId (HandleNotification, answered 204). */
static inline json_t *lpa_post_field(lpa_device *d, lpa_function function,
                                     const char *transaction_id, const char *name,
                                     const uint8_t *data, size_t len)
{
    char *data64 = lpa_base64(data, len);
    char *request = malloc(strlen(data64) + 128);
    assert_non_null(request);
    if (transaction_id != NULL)
        sprintf(request, "{\"transactionId\":\"%s\",\"%s\":\"%s\"}", transaction_id, name,
                data64);
    else
        sprintf(request, "{\"%s\":\"%s\"}", name, data64);
    json_t *reply = lpa_post(d, function, request, transaction_id != NULL ? 200 : 204);
    free(request);
    free(data64);
    return reply;
}

/* header.functionExecutionStatus: "Executed-Success" (subject NULL), or
 * "Failed" with these codes. */
static inline void lpa_expect_status(json_t *root, const char *subject, const char *reason)
{
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *text = json_string_value(json_object_get(status, "status"));
    assert_non_null(text);
    if (subject == NULL) {
        assert_string_equal(text, "Executed-Success");
        return;
    }
    assert_string_equal(text, "Failed");
    json_t *code = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(code, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(code, "reasonCode")), reason);
}

/* Send an ES10 command as STORE DATA blocks; returns the response (9000). */
static inline uint8_t *lpa_es10(lpa_device *d, const uint8_t *command, size_t len,
                                size_t *response_len)
{
    uint8_t *response = NULL;
    double start = lpa_now();
    assert_int_equal(te_es10(&d->t, command, len, &response, response_len), 0x9000);
    d->euicc_seconds += lpa_now() - start;
    assert_non_null(response);
    return response;
}

/* ctxParams1 (SGP.22 5.7.13): matchingId and deviceInfo {TAC, no caps}. */
static inline void lpa_put_ctx_params1(der_builder *b, const char *matching_id)
{
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    der_builder_begin(b, 0xA0);
    der_put_tlv(b, 0x80, (const uint8_t *)matching_id, strlen(matching_id));
    der_builder_begin(b, 0xA1);
    der_put_tlv(b, 0x80, tac, sizeof(tac));
    der_builder_begin(b, 0xA1);
    der_builder_end(b);
    der_builder_end(b);
    der_builder_end(b);
}

/* Common mutual authentication (SGP.22 3.1.2) up to AuthenticateClient;
 * returns its JSON response (status not checked) and the transactionId. */
static inline json_t *lpa_authenticate(lpa_device *d, const char *matching_id,
                                       char transaction_id[33])
{
    static const uint8_t get_info1[] = {0xBF, 0x20, 0x00}; /* ES10b.GetEUICCInfo1 */
    static const uint8_t get_challenge[] = {0xBF, 0x2E, 0x00}; /* GetEUICCChallenge */
    size_t info1_len, challenge_len, n;
    uint8_t *info1 = lpa_es10(d, get_info1, sizeof(get_info1), &info1_len);
    uint8_t *challenge = lpa_es10(d, get_challenge, sizeof(get_challenge), &challenge_len);
    assert_int_equal(challenge_len, 21);
    char *challenge64 = lpa_base64(challenge + 5, 16), *info64 = lpa_base64(info1, info1_len);
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, info64, LPA_SMDP_ADDRESS);
    json_t *init = lpa_post(d, LPA_INITIATE_AUTHENTICATION, body, 200);
    lpa_expect_status(init, NULL, NULL);
    const char *tid = json_string_value(json_object_get(init, "transactionId"));
    assert_non_null(tid);
    assert_true(strlen(tid) <= 32);
    snprintf(transaction_id, 33, "%s", tid);

    /* ES10b.AuthenticateServer: the fields travel verbatim (5.7.13) */
    static const char *const fields[] = {"serverSigned1", "serverSignature1",
                                         "euiccCiPKIdToBeUsed", "serverCertificate"};
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF38);
    for (size_t i = 0; i < 4; i++) {
        uint8_t *field = lpa_unbase64(init, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    lpa_put_ctx_params1(&b, matching_id);
    der_builder_end(&b);
    uint8_t *command = NULL;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = lpa_es10(d, command, command_len, &response_len);
    json_t *auth = lpa_post_field(d, LPA_AUTHENTICATE_CLIENT, transaction_id,
                                  "authenticateServerResponse", response, response_len);
    free(response);
    free(command);
    json_decref(init);
    free(challenge64);
    free(info64);
    free(challenge);
    free(info1);
    return auth;
}

/* ES10b.PrepareDownload (5.7.5) from the AuthenticateClient response (with
 * hashCc when confirmation_code is given), then ES9+.GetBoundProfilePackage;
 * returns its JSON response (status not checked). */
static inline json_t *lpa_prepare_download(lpa_device *d, json_t *auth,
                                           const char *transaction_id,
                                           const char *confirmation_code)
{
    static const char *const fields[] = {"smdpSigned2", "smdpSignature2", "smdpCertificate"};
    der_builder b;
    size_t n;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21);
    for (size_t i = 0; i < 3; i++) {
        uint8_t *field = lpa_unbase64(auth, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
        if (i == 1 && confirmation_code != NULL) {
            /* hashCc = SHA-256(SHA-256(CC) | transactionId) (SGP.22 5.7.5) */
            uint8_t buffer[CRYPTO_SHA256_SIZE + 16], hash_cc[CRYPTO_SHA256_SIZE];
            size_t tid_len = 0;
            assert_int_equal(crypto_sha256((const uint8_t *)confirmation_code,
                                           strlen(confirmation_code), buffer),
                             AW_OK);
            assert_int_equal(aw_hex_decode(transaction_id, buffer + CRYPTO_SHA256_SIZE, 16,
                                           &tid_len),
                             AW_OK);
            assert_int_equal(crypto_sha256(buffer, CRYPTO_SHA256_SIZE + tid_len, hash_cc),
                             AW_OK);
            der_put_tlv(&b, 0x04, hash_cc, sizeof(hash_cc));
        }
    }
    der_builder_end(&b);
    uint8_t *command = NULL;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = lpa_es10(d, command, command_len, &response_len);
    json_t *reply = lpa_post_field(d, LPA_GET_BOUND_PROFILE_PACKAGE, transaction_id,
                                   "prepareDownloadResponse", response, response_len);
    free(response);
    free(command);
    return reply;
}

/* ES10b.LoadBoundProfilePackage segment by segment (2.5.5); the last
 * answers the ProfileInstallationResult, which must be a success. */
static inline uint8_t *lpa_load_bpp(lpa_device *d, const uint8_t *bpp, size_t bpp_len,
                                    size_t *pir_len)
{
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    double start = lpa_now();
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        assert_null(pir); /* only the last segment is answered */
        assert_int_equal(te_es10(&d->t, segment.bytes.ptr, segment.bytes.len, &pir, pir_len),
                         0x9000);
    }
    d->euicc_seconds += lpa_now() - start;
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, *pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    return pir;
}

/* ES9+.HandleNotification with the PIR: 204 (SGP.22 6.5.2.9). */
static inline void lpa_handle_notification(lpa_device *d, const uint8_t *pir, size_t pir_len)
{
    assert_null(lpa_post_field(d, LPA_HANDLE_NOTIFICATION, NULL, "pendingNotification", pir,
                               pir_len));
}

/* A whole download of matching_id's order without a Confirmation Code,
 * through HandleNotification. */
static inline void lpa_download(lpa_device *d, const char *matching_id)
{
    char transaction_id[33];
    size_t bpp_len = 0, pir_len = 0;
    json_t *auth = lpa_authenticate(d, matching_id, transaction_id);
    lpa_expect_status(auth, NULL, NULL);
    json_t *reply = lpa_prepare_download(d, auth, transaction_id, NULL);
    json_decref(auth);
    lpa_expect_status(reply, NULL, NULL);
    uint8_t *bpp = lpa_unbase64(reply, "boundProfilePackage", &bpp_len);
    json_decref(reply);
    uint8_t *pir = lpa_load_bpp(d, bpp, bpp_len, &pir_len);
    lpa_handle_notification(d, pir, pir_len);
    free(pir);
    free(bpp);
}

/* ES10c.DeleteProfile (5.7.20) by ICCID: the eUICC answers ok. */
static inline void lpa_delete_profile(lpa_device *d, const char *iccid)
{
    uint8_t command[15] = {0xBF, 0x33, 0x0C, 0x5A, 0x0A};
    size_t len = 0;
    test_iccid_bytes(iccid, command + 5);
    uint8_t *deleted = lpa_es10(d, command, sizeof(command), &len);
    assert_int_equal(len, 6);
    assert_int_equal(deleted[5], 0); /* ok */
    free(deleted);
}

#endif
