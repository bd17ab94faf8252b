/* Test fixture for the SM-DP+ daemon operations tests (test code only): a
 * PKI written as airwrite-pki would, an inventory on SQLite or on the
 * PostgreSQL of tests/pg-harness.sh with subscribers encrypted under a key
 * ring directory (src/smdp/inventory_keys.h), the daemon (src/smdp/smdp.h)
 * on an event loop thread with a JSON log file, and a minimal LPA that
 * drives the software eUICC over STORE DATA APDUs (ES10b, SGP.22 5.7) and
 * the daemon over HTTPS with the JSON binding (6.5.2). */
#ifndef AIRWRITE_TESTS_SMDP_DAEMON_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_DAEMON_TESTUTIL_H

#include "euicc_isdr_testutil.h"
#include "loop_testutil.h"

#include <fcntl.h>
#include <pthread.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/base64.h"
#include "core/db.h"
#include "core/hex.h"
#include "core/http_client.h"
#include "core/log.h"
#include "smdp/es2p.h"
#include "smdp/inventory.h"
#include "smdp/inventory_keys.h"
#include "smdp/smdp.h"

#define DT_TYPE "iot-ops"
#define DT_ADDRESS "smdp.example.com"

/* Set by main: the PostgreSQL URL under test, or NULL for SQLite. */
extern const char *dt_postgresql_url;

typedef struct dt_subscriber {
    char iccid[SAIP_ICCID_TEXT];
    char imsi[SAIP_IMSI_TEXT];
    char ki[33];
    char opc[33];
    char matching_id[24];
} dt_subscriber;

typedef struct dt_fixture {
    test_euicc t;          /* t.pki is the eUICC identity and the SM-DP+ PKI */
    char db_url[512];
    char keys[160];        /* key ring directory */
    char log_path[160];
    int log_fd;
    aw_log *log;
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
    http_client *client;
    char base_url[64];
} dt_fixture;

/* Subscriber n: a valid ICCID (Luhn, E.118), its own IMSI, Ki and OPc. */
static inline void dt_subscriber_make(unsigned n, dt_subscriber *s)
{
    char digits[19];
    snprintf(digits, sizeof(digits), "894400000000%06u", n);
    unsigned sum = 0;
    for (size_t i = 0; i < 18; i++) {
        unsigned d = (unsigned)(digits[17 - i] - '0');
        if (i % 2 == 0)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    snprintf(s->iccid, sizeof(s->iccid), "%s%u", digits, (10 - sum % 10) % 10);
    snprintf(s->imsi, sizeof(s->imsi), "23415%010u", n);
    snprintf(s->ki, sizeof(s->ki), "3C1D%02X7E5B9A0F46E2D8C3B1A7%02X4E6F", n & 0xFF, n & 0xFF);
    snprintf(s->opc, sizeof(s->opc), "E91B%02X0D4C8F7A3265D1B0E9C7%02XA2F4", n & 0xFF, n & 0xFF);
    snprintf(s->matching_id, sizeof(s->matching_id), "OPS-MATCH-%04u", n);
}

/* An empty database for the next test (PostgreSQL: a fresh public schema). */
static inline void dt_reset_database(dt_fixture *x)
{
    if (dt_postgresql_url == NULL) {
        snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", x->t.dir);
        return;
    }
    snprintf(x->db_url, sizeof(x->db_url), "%s", dt_postgresql_url);
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(db_execute(db, "DROP SCHEMA public CASCADE", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db, "CREATE SCHEMA public", NULL, 0, NULL), AW_OK);
    db_close(db);
}

static inline void dt_write_pki(dt_fixture *x, aw_pki_curve curve)
{
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_CI, "ci"},       {AW_PKI_ROLE_EUM, "eum"},
                 {AW_PKI_ROLE_EUICC, "euicc"}, {AW_PKI_ROLE_DP_AUTH, "dpauth"},
                 {AW_PKI_ROLE_DP_PB, "dppb"},  {AW_PKI_ROLE_DP_TLS, "dptls"}};
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL)};
    assert_int_equal(pki_issue_hierarchy(&params, &x->t.hierarchy), AW_OK);
    assert_int_equal(mkdir(x->t.pki, 0700), 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s.pem", files[i].base);
        test_write_pem(x->t.pki, name, x->t.hierarchy.cert[files[i].role], NULL);
        if (files[i].role == AW_PKI_ROLE_CI || files[i].role == AW_PKI_ROLE_EUM)
            continue;
        snprintf(name, sizeof(name), "%s.key.pem", files[i].base);
        test_write_pem(x->t.pki, name, NULL, x->t.hierarchy.key[files[i].role]);
    }
}

/* The key ring as the directory holds it now. */
static inline smdp_key_ring *dt_ring(const dt_fixture *x)
{
    smdp_key_ring *ring = NULL;
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_load(ring, x->keys), AW_OK);
    return ring;
}

/* Import subscriber s under the directory's newest key, with a released
 * ES2+ order on its matching ID (SGP.22 5.3.1, 5.3.2). */
static inline void dt_add_subscriber(dt_fixture *x, const dt_subscriber *s)
{
    db_connection *db = NULL;
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    smdp_es2p_result result;
    char iccid[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1];
    smdp_key_ring *ring = dt_ring(x);
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    char csv[256];
    snprintf(csv, sizeof(csv), "iccid,imsi,ki,opc\n%s,%s,%s,%s\n", s->iccid, s->imsi, s->ki,
             s->opc);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), DT_TYPE, &batch,
                                           &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    smdp_download_order order = {.iccid = s->iccid};
    assert_int_equal(smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &result), AW_OK);
    assert_true(result.success);
    smdp_confirm_order confirm = {.iccid = s->iccid, .matching_id = s->matching_id,
                                  .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), matching_id, &result),
                     AW_OK);
    assert_true(result.success);
    OPENSSL_cleanse(csv, sizeof(csv));
    smdp_import_batch_free(batch);
    smdp_key_ring_free(ring);
    db_close(db);
}

/* Temporary directory, PKI, key ring directory with key 1, migrated
 * inventory with the profile type; no subscriber yet. */
static inline void dt_prepare(dt_fixture *x, aw_pki_curve curve)
{
    memset(x, 0, sizeof(*x));
    x->log_fd = -1;
    snprintf(x->t.dir, sizeof(x->t.dir), "/tmp/aw-smdpops-XXXXXX");
    assert_non_null(mkdtemp(x->t.dir));
    snprintf(x->t.pki, sizeof(x->t.pki), "%s/pki", x->t.dir);
    snprintf(x->t.state, sizeof(x->t.state), "%s/state", x->t.dir);
    snprintf(x->keys, sizeof(x->keys), "%s/keys", x->t.dir);
    snprintf(x->log_path, sizeof(x->log_path), "%s/smdp.log", x->t.dir);
    x->t.protocol = EUICC_PROTOCOL_T1;
    dt_reset_database(x);
    dt_write_pki(x, curve);
    assert_int_equal(mkdir(x->keys, 0700), 0);
    uint32_t id = 0;
    assert_int_equal(smdp_key_ring_generate(x->keys, &id), AW_OK);
    assert_int_equal(id, 1);

    db_connection *db = NULL;
    uint8_t *template_package = NULL;
    size_t template_len = 0;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_migrate(db), AW_OK);
    assert_int_equal(smdp_es2p_migrate(db), AW_OK);
    saip_build_params p;
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
    assert_int_equal(saip_build(&p, &template_package, &template_len), AW_OK);
    smdp_profile_type type = {.name = DT_TYPE, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Airwrite",
                              .profile_name = "IoT ops",
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, db_clock_ms()), AW_OK);
    free(template_package);
    db_close(db);
}

static inline void *dt_loop(void *arg)
{
    dt_fixture *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* A config serving ES9+ on an ephemeral port, metrics on an own listener
 * and the ES9+ one, JSON logs at debug level into log_path. */
static inline smdp_config dt_config(dt_fixture *x)
{
    if (x->log == NULL) {
        x->log_fd = open(x->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        assert_true(x->log_fd >= 0);
        assert_int_equal(log_new_fd(x->log_fd, LOG_LEVEL_DEBUG, &x->log), AW_OK);
    }
    return (smdp_config){.pki_directory = x->t.pki, .database_url = x->db_url,
                         .key_ring_file = x->keys, .address = "127.0.0.1",
                         .smdp_address = DT_ADDRESS, .log = x->log, .metrics_listen = true,
                         .metrics_on_es9p = true};
}

/* Start the daemon on its loop thread, and the LPA's HTTPS client. */
static inline void dt_start(dt_fixture *x)
{
    if (x->t.card == NULL) {
        te_open(&x->t);
        te_select_isdr(&x->t);
    }
    if (x->base == NULL) {
        x->base = event_base_new();
        assert_non_null(x->base);
    }
    smdp_config config = dt_config(x);
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    snprintf(x->base_url, sizeof(x->base_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    assert_int_equal(pthread_create(&x->thread, NULL, dt_loop, x), 0);
    if (x->client == NULL) {
        char ca[192];
        snprintf(ca, sizeof(ca), "%s/ci.pem", x->t.pki);
        http_client_config client = {.ca_file = ca};
        assert_int_equal(http_client_new(&client, &x->client), AW_OK);
    }
}

/* Stop the loop thread and free the daemon. */
static inline void dt_halt(dt_fixture *x)
{
    if (x->server == NULL)
        return;
    event_base_loopexit(x->base, NULL);
    assert_int_equal(pthread_join(x->thread, NULL), 0);
    smdp_server_stop(x->server);
    smdp_server_free(x->server);
    x->server = NULL;
}

static inline void dt_close(dt_fixture *x)
{
    dt_halt(x);
    http_client_free(x->client);
    if (x->base != NULL)
        event_base_free(x->base);
    log_free(x->log);
    if (x->log_fd >= 0)
        close(x->log_fd);
    te_teardown(&x->t);
}

/* Run smdp_server_reload_key_ring on the loop thread and wait for it. */
typedef struct dt_reload {
    dt_fixture *x;
    aw_err err;
} dt_reload;

static inline void dt_reload_run(void *arg)
{
    dt_reload *r = arg;
    r->err = smdp_server_reload_key_ring(r->x->server);
}

static inline aw_err dt_reload_key_ring(dt_fixture *x)
{
    dt_reload r = {.x = x, .err = AW_ERR_STATE};
    test_on_loop(x->base, dt_reload_run, &r);
    return r.err;
}

/* ---- the LPA (SGP.22 6.5.2 over HTTPS, ES10b over APDUs) ----------------- */

static inline char *dt_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

static inline uint8_t *dt_unbase64(json_t *object, const char *name, size_t *len)
{
    const char *text = json_string_value(json_object_get(object, name));
    assert_non_null(text);
    size_t cap = aw_base64_decoded_max(strlen(text)) + 1;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(aw_base64_decode(text, strlen(text), out, cap, len), AW_OK);
    return out;
}

/* POST one ES9+ request; the parsed JSON answer (NULL for 204). */
static inline json_t *dt_post(dt_fixture *x, const char *function, const char *body,
                              int expect_status)
{
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/es9plus/%s", x->base_url, function);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body)};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(x->client, &request, &response), AW_OK);
    assert_int_equal(response->status, expect_status);
    json_t *root = NULL;
    if (expect_status == 200) {
        root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        assert_non_null(root);
    }
    http_client_response_free(response);
    return root;
}

/* header.functionExecutionStatus: "Executed-Success" (subject NULL) or
 * Failed with these codes. */
static inline void dt_expect_status(json_t *root, const char *subject, const char *reason)
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

/* Send a DER command to the eUICC's ISD-R (9000 expected). */
static inline uint8_t *dt_es10(dt_fixture *x, const uint8_t *command, size_t len, size_t *out_len)
{
    uint8_t *response = NULL;
    assert_int_equal(te_es10(&x->t, command, len, &response, out_len), 0x9000);
    assert_non_null(response);
    return response;
}

/* Relay a DER command built in b to the eUICC; POST its base64 answer as
 * field of function with the transactionId. */
static inline json_t *dt_relay(dt_fixture *x, der_builder *b, const char *function,
                               const char *field, const char *transaction_id)
{
    uint8_t *command = NULL;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(b, &command, &command_len), AW_OK);
    uint8_t *response = dt_es10(x, command, command_len, &response_len);
    char *response64 = dt_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"%s\":\"%s\"}", transaction_id, field,
            response64);
    json_t *reply = dt_post(x, function, request, 200);
    free(request);
    free(response64);
    free(response);
    free(command);
    return reply;
}

/* InitiateAuthentication, ES10b.AuthenticateServer with matching_id,
 * AuthenticateClient (SGP.22 3.1.2): the AuthenticateClient answer. */
static inline json_t *dt_authenticate(dt_fixture *x, const char *matching_id,
                                      char transaction_id[33])
{
    size_t info1_len, challenge_len, n;
    uint8_t *info1 = te_call(&x->t, "BF2000", &info1_len);         /* GetEUICCInfo1 */
    uint8_t *challenge = te_call(&x->t, "BF2E00", &challenge_len); /* GetEUICCChallenge */
    assert_int_equal(challenge_len, 21);
    char *challenge64 = dt_base64(challenge + 5, 16), *info64 = dt_base64(info1, info1_len);
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, info64, DT_ADDRESS);
    json_t *init = dt_post(x, "initiateAuthentication", body, 200);
    dt_expect_status(init, NULL, NULL);
    const char *tid = json_string_value(json_object_get(init, "transactionId"));
    assert_non_null(tid);
    assert_true(strlen(tid) <= 32);
    snprintf(transaction_id, 33, "%s", tid);

    static const char *const fields[] = {"serverSigned1", "serverSignature1",
                                         "euiccCiPKIdToBeUsed", "serverCertificate"};
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF38); /* AuthenticateServerRequest (SGP.22 5.7.13) */
    for (size_t i = 0; i < 4; i++) {
        uint8_t *field = dt_unbase64(init, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    der_builder_begin(&b, 0xA0); /* ctxParams1: matchingId, deviceInfo */
    der_put_tlv(&b, 0x80, (const uint8_t *)matching_id, strlen(matching_id));
    der_builder_begin(&b, 0xA1);
    der_put_tlv(&b, 0x80, tac, sizeof(tac));
    der_builder_begin(&b, 0xA1);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    json_t *auth = dt_relay(x, &b, "authenticateClient", "authenticateServerResponse",
                            transaction_id);
    json_decref(init);
    free(challenge64);
    free(info64);
    free(challenge);
    free(info1);
    return auth;
}

/* ES10b.PrepareDownload and GetBoundProfilePackage: the BPP. */
static inline uint8_t *dt_get_bpp(dt_fixture *x, json_t *auth, const char *transaction_id,
                                  size_t *bpp_len)
{
    static const char *const fields[] = {"smdpSigned2", "smdpSignature2", "smdpCertificate"};
    der_builder b;
    size_t n;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21); /* PrepareDownloadRequest (SGP.22 5.7.5) */
    for (size_t i = 0; i < 3; i++) {
        uint8_t *field = dt_unbase64(auth, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    der_builder_end(&b);
    json_t *reply = dt_relay(x, &b, "getBoundProfilePackage", "prepareDownloadResponse",
                             transaction_id);
    dt_expect_status(reply, NULL, NULL);
    uint8_t *bpp = dt_unbase64(reply, "boundProfilePackage", bpp_len);
    json_decref(reply);
    return bpp;
}

/* The whole download of matching_id (SGP.22 3.1.3): authentication, BPP,
 * LoadBoundProfilePackage segment by segment, HandleNotification (204). */
static inline void dt_download(dt_fixture *x, const char *matching_id)
{
    char transaction_id[33];
    size_t bpp_len = 0, pir_len = 0;
    json_t *auth = dt_authenticate(x, matching_id, transaction_id);
    dt_expect_status(auth, NULL, NULL);
    uint8_t *bpp = dt_get_bpp(x, auth, transaction_id, &bpp_len);
    json_decref(auth);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        assert_null(pir); /* only the last segment is answered */
        assert_int_equal(te_es10(&x->t, segment.bytes.ptr, segment.bytes.len, &pir, &pir_len),
                         0x9000);
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    char *pir64 = dt_base64(pir, pir_len);
    char *request = malloc(strlen(pir64) + 64);
    assert_non_null(request);
    sprintf(request, "{\"pendingNotification\":\"%s\"}", pir64);
    assert_null(dt_post(x, "handleNotification", request, 204));
    free(request);
    free(pir64);
    free(pir);
    free(bpp);
}

/* The eUICC's profile `index` carries s's ICCID, IMSI, Ki and OPc. */
static inline void dt_check_installed(dt_fixture *x, size_t index, const dt_subscriber *s)
{
    euicc_state *st = x->t.card->state;
    uint8_t *package = NULL;
    size_t package_len = 0, n = 0;
    assert_true(index < st->profile_count);
    assert_int_equal(euicc_state_open_package(st, &st->profiles[index], &package, &package_len),
                     AW_OK);
    saip_profile *parsed = NULL;
    saip_aka aka;
    char text[SAIP_IMSI_TEXT > SAIP_ICCID_TEXT ? SAIP_IMSI_TEXT : SAIP_ICCID_TEXT];
    assert_int_equal(saip_profile_parse(package, package_len, &parsed), AW_OK);
    assert_int_equal(saip_get_iccid(parsed, text), AW_OK);
    assert_string_equal(text, s->iccid);
    assert_int_equal(saip_get_imsi(parsed, text), AW_OK);
    assert_string_equal(text, s->imsi);
    assert_int_equal(saip_get_aka(parsed, &aka), AW_OK);
    uint8_t *ki = test_hex(s->ki, &n), *opc = test_hex(s->opc, &n);
    assert_int_equal(aka.key_len, 16);
    assert_memory_equal(aka.key, ki, 16);
    assert_int_equal(aka.opc_len, 16);
    assert_memory_equal(aka.opc, opc, 16);
    free(ki);
    free(opc);
    saip_aka_cleanse(&aka);
    saip_profile_free(parsed);
    der_bytes_free(package, package_len);
}

#endif
