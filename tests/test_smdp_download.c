/* End to end SGP.22 3.1.3 Profile Download and Installation through the
 * SM-DP+ daemon component (src/smdp/smdp.h): a fresh PKI written as
 * airwrite-pki would, an SQLite inventory with one imported subscriber and
 * a released ES2+ order (5.3.1, 5.3.2), the ES9+ HTTPS server on an event
 * loop thread, and a minimal LPA in this test that drives the software
 * eUICC with STORE DATA APDUs (ES10b, 5.7) and the SM-DP+ over HTTPS with
 * the JSON binding (6.5.2): InitiateAuthentication, AuthenticateClient,
 * GetBoundProfilePackage, LoadBoundProfilePackage segment by segment and
 * HandleNotification. Both curves (NIST P-256 and brainpoolP256r1); an
 * order with a Confirmation Code (a wrong one refused and counted first), a
 * matchingId the SM-DP+ refuses, Cancel Session (3.5) and the server's
 * configuration errors. */
#include "euicc_isdr_testutil.h"

#include <pthread.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>

#include "core/base64.h"
#include "core/db.h"
#include "core/hex.h"
#include "core/http_client.h"
#include "core/sgp22_profile_info.h"
#include "smdp/es2p.h"
#include "smdp/es9p_json.h"
#include "smdp/inventory.h"
#include "smdp/smdp.h"

#define E2E_TYPE "iot-basic"
#define E2E_ICCID "8944000000000123456"
#define E2E_IMSI "234150999999999"
#define E2E_KI "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A"
#define E2E_OPC "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5"
#define E2E_MATCHING_ID "E2E-MATCH-0001"
#define E2E_ADDRESS "smdp.example.com"

typedef struct e2e {
    test_euicc t;            /* t.pki is both the eUICC identity and the SM-DP+ PKI */
    char db_url[192];
    char key_file[160];
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
    http_client *client;
    char base_url[64];
    const char *confirmation_code; /* NULL: an order without one */
} e2e;

/* ---- setup: PKI files, inventory, order -------------------------------- */

static void e2e_write_pki(e2e *x, aw_pki_curve curve)
{
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_CI, "ci"},         {AW_PKI_ROLE_EUM, "eum"},
                 {AW_PKI_ROLE_EUICC, "euicc"},   {AW_PKI_ROLE_DP_AUTH, "dpauth"},
                 {AW_PKI_ROLE_DP_PB, "dppb"},    {AW_PKI_ROLE_DP_TLS, "dptls"}};
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL)};
    pki_hierarchy *h = &x->t.hierarchy;
    assert_int_equal(pki_issue_hierarchy(&params, h), AW_OK);
    assert_int_equal(mkdir(x->t.pki, 0700), 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s.pem", files[i].base);
        test_write_pem(x->t.pki, name, h->cert[files[i].role], NULL);
        if (files[i].role == AW_PKI_ROLE_CI || files[i].role == AW_PKI_ROLE_EUM)
            continue;
        snprintf(name, sizeof(name), "%s.key.pem", files[i].base);
        test_write_pem(x->t.pki, name, NULL, h->key[files[i].role]);
    }
}

static void e2e_fill_inventory(e2e *x)
{
    db_connection *db = NULL;
    smdp_key_ring *ring = NULL;
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    smdp_es2p_result result;
    uint8_t *template_package = NULL;
    size_t template_len = 0;
    char iccid[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1];
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_migrate(db), AW_OK);
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, x->key_file, true), AW_OK);

    /* the profile type: a saip_build template with other values */
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
    smdp_profile_type type = {.name = E2E_TYPE, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Airwrite",
                              .profile_name = "IoT basic",
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, db_clock_ms()), AW_OK);

    static const char csv[] = "iccid,imsi,ki,opc\n" E2E_ICCID "," E2E_IMSI "," E2E_KI "," E2E_OPC
                              "\n";
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), E2E_TYPE, &batch,
                                           &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);

    /* ES2+.DownloadOrder, ConfirmOrder with a matchingId and release */
    smdp_download_order order = {.iccid = E2E_ICCID};
    assert_int_equal(smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &result), AW_OK);
    assert_true(result.success);
    smdp_confirm_order confirm = {.iccid = E2E_ICCID, .matching_id = E2E_MATCHING_ID,
                                  .confirmation_code = x->confirmation_code,
                                  .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), matching_id, &result),
                     AW_OK);
    assert_true(result.success);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, E2E_ICCID, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_RELEASED);

    smdp_import_batch_free(batch);
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(db);
}

static void *e2e_loop(void *arg)
{
    e2e *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Temporary directory with the PKI files and the filled inventory. */
static void e2e_prepare(e2e *x, aw_pki_curve curve, const char *confirmation_code)
{
    memset(x, 0, sizeof(*x));
    x->confirmation_code = confirmation_code;
    snprintf(x->t.dir, sizeof(x->t.dir), "/tmp/aw-smdpd-XXXXXX");
    assert_non_null(mkdtemp(x->t.dir));
    snprintf(x->t.pki, sizeof(x->t.pki), "%s/pki", x->t.dir);
    snprintf(x->t.state, sizeof(x->t.state), "%s/state", x->t.dir);
    snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", x->t.dir);
    snprintf(x->key_file, sizeof(x->key_file), "%s/storage.key", x->t.dir);
    x->t.protocol = EUICC_PROTOCOL_T1;
    e2e_write_pki(x, curve);
    e2e_fill_inventory(x);
}

static void e2e_open(e2e *x, aw_pki_curve curve, const char *confirmation_code)
{
    e2e_prepare(x, curve, confirmation_code);
    te_open(&x->t);
    te_select_isdr(&x->t);

    x->base = event_base_new();
    assert_non_null(x->base);
    smdp_config config = {.pki_directory = x->t.pki, .database_url = x->db_url,
                          .key_ring_file = x->key_file, .address = "127.0.0.1",
                          .smdp_address = E2E_ADDRESS};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    assert_int_not_equal(smdp_server_port(x->server), 0);
    snprintf(x->base_url, sizeof(x->base_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    assert_int_equal(pthread_create(&x->thread, NULL, e2e_loop, x), 0);

    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", x->t.pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &x->client), AW_OK);
}

/* Stop the loop thread; the server's database is then free to read. */
static void e2e_halt(e2e *x)
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

static void e2e_close(e2e *x)
{
    e2e_halt(x);
    http_client_free(x->client);
    event_base_free(x->base);
    te_teardown(&x->t);
}

/* ---- the LPA's HTTPS side (SGP.22 6.5.2) ------------------------------- */

static char *e2e_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

static uint8_t *e2e_unbase64(json_t *object, const char *name, size_t *len)
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
static json_t *e2e_post(e2e *x, const char *function, const char *body, int expect_status)
{
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/es9plus/%s", x->base_url, function);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    const char *names[] = {"Content-Type", "X-Admin-Protocol"};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body),
                                   .response_header_names = names,
                                   .response_header_count = 2};
    http_client_response *response = NULL;
    aw_err err = http_client_send(x->client, &request, &response);
    if (err != AW_OK)
        fprintf(stderr, "http: %s\n", http_client_last_error(x->client));
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

/* header.functionExecutionStatus: "Executed-Success", or the codes. */
static void e2e_expect_status(json_t *root, const char *subject, const char *reason)
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
static uint8_t *e2e_es10(e2e *x, const uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *response = NULL;
    assert_int_equal(te_es10(&x->t, command, len, &response, response_len), 0x9000);
    assert_non_null(response);
    return response;
}

/* ctxParams1 (SGP.22 5.7.13): matchingId and deviceInfo {TAC, no caps}. */
static void e2e_put_ctx_params1(der_builder *b, const char *matching_id)
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
 * returns its JSON response and the transactionId. */
static json_t *e2e_authenticate(e2e *x, const char *matching_id, char transaction_id[33])
{
    size_t info1_len, challenge_len, n;
    uint8_t *info1 = te_call(&x->t, "BF2000", &info1_len);      /* ES10b.GetEUICCInfo1 */
    uint8_t *challenge = te_call(&x->t, "BF2E00", &challenge_len); /* GetEUICCChallenge */
    assert_int_equal(challenge_len, 21);
    char *challenge64 = e2e_base64(challenge + 5, 16), *info64 = e2e_base64(info1, info1_len);
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, info64, E2E_ADDRESS);
    json_t *init = e2e_post(x, "initiateAuthentication", body, 200);
    e2e_expect_status(init, NULL, NULL);
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
        uint8_t *field = e2e_unbase64(init, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    e2e_put_ctx_params1(&b, matching_id);
    der_builder_end(&b);
    uint8_t *command = NULL, *response;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    response = e2e_es10(x, command, command_len, &response_len);
    char *response64 = e2e_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"authenticateServerResponse\":\"%s\"}",
            transaction_id, response64);
    json_t *auth = e2e_post(x, "authenticateClient", request, 200);
    free(request);
    free(response64);
    free(response);
    free(command);
    json_decref(init);
    free(challenge64);
    free(info64);
    free(challenge);
    free(info1);
    return auth;
}

/* ES10b.PrepareDownload (5.7.5) from the AuthenticateClient response,
 * then ES9+.GetBoundProfilePackage; returns the BPP. */
static uint8_t *e2e_get_bpp(e2e *x, json_t *auth, const char *transaction_id,
                            const char *confirmation_code, size_t *bpp_len)
{
    static const char *const fields[] = {"smdpSigned2", "smdpSignature2", "smdpCertificate"};
    der_builder b;
    size_t n;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21);
    for (size_t i = 0; i < 3; i++) {
        uint8_t *field = e2e_unbase64(auth, fields[i], &n);
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
    uint8_t *command = NULL, *response;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    response = e2e_es10(x, command, command_len, &response_len);
    char *response64 = e2e_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"prepareDownloadResponse\":\"%s\"}",
            transaction_id, response64);
    json_t *reply = e2e_post(x, "getBoundProfilePackage", request, 200);
    uint8_t *bpp = NULL;
    if (confirmation_code != NULL && x->confirmation_code != NULL &&
        strcmp(confirmation_code, x->confirmation_code) != 0) {
        e2e_expect_status(reply, "8.2.7", "3.8"); /* SGP.22 5.6.2 */
    } else {
        e2e_expect_status(reply, NULL, NULL);
        bpp = e2e_unbase64(reply, "boundProfilePackage", bpp_len);
    }
    json_decref(reply);
    free(request);
    free(response64);
    free(response);
    free(command);
    return bpp;
}

/* ES10b.LoadBoundProfilePackage segment by segment (2.5.5); the last
 * answers the ProfileInstallationResult. */
static uint8_t *e2e_load_bpp(e2e *x, const uint8_t *bpp, size_t bpp_len, size_t *pir_len)
{
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        assert_null(pir); /* only the last segment is answered */
        assert_int_equal(te_es10(&x->t, segment.bytes.ptr, segment.bytes.len, &pir, pir_len),
                         0x9000);
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    return pir;
}

/* ---- the assertions on the eUICC and the inventory --------------------- */

static void e2e_check_euicc(e2e *x)
{
    size_t n;
    uint8_t *r = te_call(&x->t, "BF2D00", &n); /* ES10c.GetProfilesInfo */
    sgp22_profile_info_list_response list;
    assert_int_equal(sgp22_decode_profile_info_list_response(r, n, &list), AW_OK);
    assert_int_equal(list.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, list.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(E2E_ICCID, iccid);
    assert_int_equal(info.iccid.len, EUICC_ICCID_SIZE);
    assert_memory_equal(info.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(info.profile_state, SGP22_PROFILE_STATE_DISABLED);
    free(r);

    /* the stored package carries the imported subscriber's values */
    euicc_state *st = x->t.card->state;
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(euicc_state_open_package(st, &st->profiles[0], &package, &package_len),
                     AW_OK);
    saip_profile *parsed = NULL;
    saip_aka aka;
    char text[SAIP_IMSI_TEXT > SAIP_ICCID_TEXT ? SAIP_IMSI_TEXT : SAIP_ICCID_TEXT];
    assert_int_equal(saip_profile_parse(package, package_len, &parsed), AW_OK);
    assert_int_equal(saip_get_imsi(parsed, text), AW_OK);
    assert_string_equal(text, E2E_IMSI);
    assert_int_equal(saip_get_iccid(parsed, text), AW_OK);
    assert_string_equal(text, E2E_ICCID);
    assert_int_equal(saip_get_aka(parsed, &aka), AW_OK);
    uint8_t *ki = test_hex(E2E_KI, &n), *opc = test_hex(E2E_OPC, &n);
    assert_int_equal(aka.algorithm, SAIP_ALGORITHM_MILENAGE);
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

static void e2e_inventory_profile(e2e *x, smdp_profile_info *info)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, E2E_ICCID, info), AW_OK);
    db_close(db);
}

/* ---- the scenarios ------------------------------------------------------ */

static void e2e_download(aw_pki_curve curve, const char *confirmation_code)
{
    e2e x;
    char transaction_id[33];
    size_t bpp_len = 0, pir_len = 0;
    e2e_open(&x, curve, confirmation_code);

    /* a matchingId the SM-DP+ does not know: 8.2.6 / 3.8 (SGP.22 5.6.3) */
    json_t *auth = e2e_authenticate(&x, "E2E-UNKNOWN", transaction_id);
    e2e_expect_status(auth, "8.2.6", "3.8");
    json_decref(auth);

    if (confirmation_code != NULL) {
        /* a wrong Confirmation Code is refused and counted */
        auth = e2e_authenticate(&x, E2E_MATCHING_ID, transaction_id);
        e2e_expect_status(auth, NULL, NULL);
        assert_null(e2e_get_bpp(&x, auth, transaction_id, "0000", &bpp_len));
        json_decref(auth);
    }
    auth = e2e_authenticate(&x, E2E_MATCHING_ID, transaction_id);
    e2e_expect_status(auth, NULL, NULL);
    uint8_t *bpp = e2e_get_bpp(&x, auth, transaction_id, confirmation_code, &bpp_len);
    json_decref(auth);
    uint8_t *pir = e2e_load_bpp(&x, bpp, bpp_len, &pir_len);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);

    /* ES9+.HandleNotification with the PIR: 204 (SGP.22 6.5.2.9) */
    char *pir64 = e2e_base64(pir, pir_len);
    char *request = malloc(strlen(pir64) + 64);
    assert_non_null(request);
    sprintf(request, "{\"pendingNotification\":\"%s\"}", pir64);
    assert_null(e2e_post(&x, "handleNotification", request, 204));
    free(request);
    free(pir64);

    e2e_check_euicc(&x);
    e2e_halt(&x);
    smdp_profile_info info;
    e2e_inventory_profile(&x, &info);
    assert_int_equal(info.state, SMDP_STATE_INSTALLED);
    assert_int_equal(info.confirmation_code_attempts, confirmation_code != NULL ? 1 : 0);

    free(pir);
    free(bpp);
    e2e_close(&x);
}

static void test_download_p256(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_NIST_P256, NULL);
}

static void test_download_brainpool(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_BRAINPOOL_P256R1, NULL);
}

/* An order with a Confirmation Code: the LPA's hashCc must match the one
 * the SM-DP+ derives from the stored SHA-256(CC) (SGP.22 3.1.3.1). */
static void test_download_confirmation_code(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_NIST_P256, "7342");
}

/* SGP.22 3.5 Cancel Session after AuthenticateClient: ES10b.CancelSession
 * (5.7.14) on the eUICC, its signed response to ES9+.CancelSession (5.6.5);
 * endUserRejection terminates the order. */
static void test_cancel_session(void **state)
{
    (void)state;
    e2e x;
    char transaction_id[33];
    uint8_t tid[16];
    size_t tid_len = 0, response_len = 0;
    e2e_open(&x, AW_PKI_CURVE_BRAINPOOL_P256R1, NULL);
    json_t *auth = e2e_authenticate(&x, E2E_MATCHING_ID, transaction_id);
    e2e_expect_status(auth, NULL, NULL);
    json_decref(auth);
    assert_int_equal(aw_hex_decode(transaction_id, tid, sizeof(tid), &tid_len), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_int64(&b, 0x81, 0); /* endUserRejection */
    der_builder_end(&b);
    uint8_t *command = NULL;
    size_t command_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = e2e_es10(&x, command, command_len, &response_len);
    char *response64 = e2e_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"cancelSessionResponse\":\"%s\"}",
            transaction_id, response64);
    json_t *reply = e2e_post(&x, "cancelSession", request, 200);
    e2e_expect_status(reply, NULL, NULL);
    json_decref(reply);
    /* the session is gone: a second cancel names an unknown transaction */
    reply = e2e_post(&x, "cancelSession", request, 200);
    e2e_expect_status(reply, "8.10.1", "3.9");
    json_decref(reply);
    e2e_halt(&x);
    smdp_profile_info info;
    e2e_inventory_profile(&x, &info);
    assert_int_equal(info.state, SMDP_STATE_ERROR);
    free(request);
    free(response64);
    free(response);
    free(command);
    e2e_close(&x);
}

/* smdp_server_new refuses what it cannot serve with, and leaves *out NULL. */
static void expect_config_error(e2e *x, struct event_base *base, const smdp_config *config,
                                aw_err want)
{
    smdp_server *server = (smdp_server *)x;
    assert_int_equal(smdp_server_new(base, config, &server), want);
    assert_null(server);
}

static void test_server_configuration_errors(void **state)
{
    (void)state;
    e2e x;
    char missing[192];
    e2e_prepare(&x, AW_PKI_CURVE_NIST_P256, NULL);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    smdp_config good = {.pki_directory = x.t.pki, .database_url = x.db_url,
                        .key_ring_file = x.key_file};
    smdp_config c = good;
    smdp_server *server = NULL;
    assert_int_equal(smdp_server_new(NULL, &good, &server), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_server_new(base, NULL, &server), AW_ERR_ARGUMENT);
    c.key_ring_file = NULL;
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    snprintf(missing, sizeof(missing), "%s/none", x.t.dir);
    c = good;
    c.pki_directory = missing;
    expect_config_error(&x, base, &c, AW_ERR_NOT_FOUND);
    c = good;
    c.key_ring_file = missing; /* the daemon never creates the storage key */
    expect_config_error(&x, base, &c, AW_ERR_NOT_FOUND);
    c = good;
    c.database_url = "nosuch://db";
    expect_config_error(&x, base, &c, AW_ERR_DB_URL);
    c = good;
    c.smdp_oid = "";
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    c = good;
    c.smdp_address = "";
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    /* a port already taken */
    assert_int_equal(smdp_server_new(base, &good, &server), AW_OK);
    c = good;
    c.port = smdp_server_port(server);
    expect_config_error(&x, base, &c, AW_ERR_HTTP_BIND);
    smdp_server_stop(server);
    smdp_server_free(server);
    smdp_server_free(NULL);
    assert_int_equal(smdp_server_port(NULL), 0);
    event_base_free(base);
    te_teardown(&x.t);
}

int main(void)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_download_confirmation_code),
        cmocka_unit_test(test_cancel_session),
        cmocka_unit_test(test_server_configuration_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
