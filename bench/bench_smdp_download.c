/* Benchmark of the SM-DP+ daemon (src/smdp/smdp.h): full SGP.22 3.1.3
 * Profile Download and Installation sessions back to back, as in
 * tests/test_smdp_download.c: an SQLite inventory with N imported
 * subscribers and released ES2+ orders (5.3.1, 5.3.2), the ES9+ HTTPS
 * server on an event loop thread, and an in-process LPA driving the
 * software eUICC (ES10b, 5.7) and the SM-DP+ (ES9+ JSON binding, 6.5.2):
 * InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage,
 * LoadBoundProfilePackage and HandleNotification; the profile is deleted
 * from the eUICC (ES10c.DeleteProfile, 5.7.20) between sessions.
 *
 * Beside it, in the same run, the bound: the OpenSSL cost of the SM-DP+'s
 * own crypto per session (3 ECDSA signs, 5 ECDSA verifies, 1 ephemeral key
 * generation, 1 ECDH, the X9.63 KDF, SCP03t AES-CBC + AES-CMAC over the
 * profile) and the sessions/s one core could do from that crypto alone.
 * Not a test: it reuses the tests' eUICC helpers, whose cmocka asserts end
 * the run on any failure. */
#include "euicc_isdr_testutil.h"

#include <pthread.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/base64.h"
#include "core/db.h"
#include "core/http_client.h"
#include "smdp/es2p.h"
#include "smdp/inventory.h"
#include "smdp/smdp.h"

#define BENCH_TYPE "iot-basic"
#define BENCH_ADDRESS "smdp.example.com"
#define BENCH_SUBSCRIBERS 200

typedef struct bench {
    test_euicc t;
    char db_url[192];
    char key_file[160];
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
    http_client *client;
    char base_url[64];
    double euicc_seconds; /* time inside the software eUICC (client crypto) */
    size_t profile_len;   /* the template's length: SCP03t bytes per session */
    double post_seconds[4]; /* per ES9+ function, round trip seen by the LPA */
} bench;

static const char *const bench_functions[4] = {"initiateAuthentication", "authenticateClient",
                                               "getBoundProfilePackage", "handleNotification"};

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_iccid(unsigned index, char out[20])
{
    /* 18 digits and the Luhn check digit (ITU-T E.118) */
    snprintf(out, 20, "894400000000%06u", index % 1000000u);
    out[18] = saip_iccid_check_digit(out, 18);
    out[19] = '\0';
}

/* ---- setup ------------------------------------------------------------ */

static void bench_write_pki(bench *x, aw_pki_curve curve)
{
    static const struct {
        aw_pki_role role;
        const char *base;
    } files[] = {{AW_PKI_ROLE_CI, "ci"},       {AW_PKI_ROLE_EUM, "eum"},
                 {AW_PKI_ROLE_EUICC, "euicc"}, {AW_PKI_ROLE_DP_AUTH, "dpauth"},
                 {AW_PKI_ROLE_DP_PB, "dppb"},  {AW_PKI_ROLE_DP_TLS, "dptls"}};
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

static void bench_fill_inventory(bench *x, unsigned count)
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
    x->profile_len = template_len;
    smdp_profile_type type = {.name = BENCH_TYPE, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Airwrite",
                              .profile_name = "IoT basic",
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, db_clock_ms()), AW_OK);

    size_t cap = 32 + (size_t)count * 128, used;
    char *csv = malloc(cap);
    assert_non_null(csv);
    used = (size_t)snprintf(csv, cap, "iccid,imsi,ki,opc\n");
    for (unsigned i = 0; i < count; i++) {
        char id[20];
        bench_iccid(i, id);
        used += (size_t)snprintf(csv + used, cap - used,
                                 "%s,234150%09u,%032X,%032X\n", id, i, i + 1, i + 2);
    }
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, used, BENCH_TYPE, &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    free(csv);

    for (unsigned i = 0; i < count; i++) {
        char id[20], match[32];
        bench_iccid(i, id);
        snprintf(match, sizeof(match), "BENCH-%06u", i);
        smdp_download_order order = {.iccid = id};
        assert_int_equal(smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &result),
                         AW_OK);
        assert_true(result.success);
        smdp_confirm_order confirm = {.iccid = id, .matching_id = match, .release_flag = true};
        assert_int_equal(
            smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), matching_id, &result), AW_OK);
        assert_true(result.success);
    }
    smdp_import_batch_free(batch);
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(db);
}

static void *bench_loop(void *arg)
{
    bench *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void bench_open(bench *x, aw_pki_curve curve, unsigned count)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->t.dir, sizeof(x->t.dir), "/tmp/aw-bench-smdp-XXXXXX");
    assert_non_null(mkdtemp(x->t.dir));
    snprintf(x->t.pki, sizeof(x->t.pki), "%s/pki", x->t.dir);
    snprintf(x->t.state, sizeof(x->t.state), "%s/state", x->t.dir);
    snprintf(x->db_url, sizeof(x->db_url), "sqlite:%s/smdp.db", x->t.dir);
    snprintf(x->key_file, sizeof(x->key_file), "%s/storage.key", x->t.dir);
    x->t.protocol = EUICC_PROTOCOL_T1;
    bench_write_pki(x, curve);
    bench_fill_inventory(x, count);
    te_open(&x->t);
    te_select_isdr(&x->t);

    x->base = event_base_new();
    assert_non_null(x->base);
    smdp_config config = {.pki_directory = x->t.pki, .database_url = x->db_url,
                          .key_ring_file = x->key_file, .address = "127.0.0.1",
                          .smdp_address = BENCH_ADDRESS};
    assert_int_equal(smdp_server_new(x->base, &config, &x->server), AW_OK);
    snprintf(x->base_url, sizeof(x->base_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    assert_int_equal(pthread_create(&x->thread, NULL, bench_loop, x), 0);

    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", x->t.pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &x->client), AW_OK);
}

static void bench_close(bench *x)
{
    event_base_loopexit(x->base, NULL);
    assert_int_equal(pthread_join(x->thread, NULL), 0);
    smdp_server_stop(x->server);
    smdp_server_free(x->server);
    http_client_free(x->client);
    event_base_free(x->base);
    te_teardown(&x->t);
}

/* ---- the LPA (SGP.22 6.5.2, 5.7) --------------------------------------- */

/* One ES10 command to the software eUICC, timed as client work. */
static uint8_t *bench_es10(bench *x, const uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *response = NULL;
    double start = bench_now();
    assert_int_equal(te_es10(&x->t, command, len, &response, response_len), 0x9000);
    x->euicc_seconds += bench_now() - start;
    assert_non_null(response);
    return response;
}

static char *bench_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

static uint8_t *bench_unbase64(json_t *object, const char *name, size_t *len)
{
    const char *text = json_string_value(json_object_get(object, name));
    assert_non_null(text);
    size_t cap = aw_base64_decoded_max(strlen(text));
    uint8_t *out = malloc(cap + 1);
    assert_non_null(out);
    assert_int_equal(aw_base64_decode(text, strlen(text), out, cap + 1, len), AW_OK);
    return out;
}

/* POST one ES9+ request; the parsed JSON body, or NULL for 204. */
static json_t *bench_post(bench *x, const char *function, const char *body, int expect_status)
{
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/es9plus/%s", x->base_url, function);
    http_header headers[] = {{"Content-Type", "application/json"},
                             {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                   .header_count = 2, .body = body, .body_len = strlen(body)};
    http_client_response *response = NULL;
    double start = bench_now();
    aw_err err = http_client_send(x->client, &request, &response);
    for (size_t i = 0; i < 4; i++)
        if (strcmp(function, bench_functions[i]) == 0)
            x->post_seconds[i] += bench_now() - start;
    if (err != AW_OK)
        fprintf(stderr, "http: %s\n", http_client_last_error(x->client));
    assert_int_equal(err, AW_OK);
    assert_int_equal(response->status, expect_status);
    json_t *root = NULL;
    if (expect_status == 200) {
        root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
        assert_non_null(root);
        json_t *status = json_object_get(json_object_get(root, "header"),
                                         "functionExecutionStatus");
        assert_string_equal(json_string_value(json_object_get(status, "status")),
                            "Executed-Success");
    }
    http_client_response_free(response);
    return root;
}

/* Wrap the fields of a JSON response in one ES10 command and send it. */
static uint8_t *bench_forward(bench *x, json_t *from, unsigned tag, const char *const *fields,
                              size_t field_count, const char *matching_id, size_t *response_len)
{
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    der_builder b;
    size_t n;
    der_builder_init(&b);
    der_builder_begin(&b, tag);
    for (size_t i = 0; i < field_count; i++) {
        uint8_t *field = bench_unbase64(from, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    if (matching_id != NULL) {
        /* ctxParams1 (SGP.22 5.7.13): matchingId, deviceInfo {TAC, no caps} */
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
    size_t command_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = bench_es10(x, command, command_len, response_len);
    free(command);
    return response;
}

static json_t *bench_post_field(bench *x, const char *function, const char *transaction_id,
                                const char *name, const uint8_t *data, size_t len)
{
    char *data64 = bench_base64(data, len);
    char *request = malloc(strlen(data64) + 128);
    assert_non_null(request);
    if (transaction_id != NULL)
        sprintf(request, "{\"transactionId\":\"%s\",\"%s\":\"%s\"}", transaction_id, name,
                data64);
    else
        sprintf(request, "{\"%s\":\"%s\"}", name, data64);
    json_t *reply = bench_post(x, function, request, transaction_id != NULL ? 200 : 204);
    free(request);
    free(data64);
    return reply;
}

/* One whole download of subscriber `index`, then its deletion. */
static void bench_session(bench *x, unsigned index)
{
    static const uint8_t get_info1[] = {0xBF, 0x20, 0x00}, get_challenge[] = {0xBF, 0x2E, 0x00};
    static const char *const auth_fields[] = {"serverSigned1", "serverSignature1",
                                              "euiccCiPKIdToBeUsed", "serverCertificate"};
    static const char *const prepare_fields[] = {"smdpSigned2", "smdpSignature2",
                                                 "smdpCertificate"};
    char matching_id[32], transaction_id[33], body[2048], iccid_text[20];
    size_t info1_len, challenge_len, len, bpp_len, pir_len = 0;
    snprintf(matching_id, sizeof(matching_id), "BENCH-%06u", index);

    uint8_t *info1 = bench_es10(x, get_info1, sizeof(get_info1), &info1_len);
    uint8_t *challenge = bench_es10(x, get_challenge, sizeof(get_challenge), &challenge_len);
    assert_int_equal(challenge_len, 21);
    char *challenge64 = bench_base64(challenge + 5, 16), *info64 = bench_base64(info1, info1_len);
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, info64, BENCH_ADDRESS);
    json_t *init = bench_post(x, "initiateAuthentication", body, 200);
    snprintf(transaction_id, sizeof(transaction_id), "%s",
             json_string_value(json_object_get(init, "transactionId")));

    uint8_t *response = bench_forward(x, init, 0xBF38, auth_fields, 4, matching_id, &len);
    json_t *auth = bench_post_field(x, "authenticateClient", transaction_id,
                                    "authenticateServerResponse", response, len);
    free(response);
    response = bench_forward(x, auth, 0xBF21, prepare_fields, 3, NULL, &len);
    json_t *reply = bench_post_field(x, "getBoundProfilePackage", transaction_id,
                                     "prepareDownloadResponse", response, len);
    free(response);
    uint8_t *bpp = bench_unbase64(reply, "boundProfilePackage", &bpp_len);

    /* ES10b.LoadBoundProfilePackage segment by segment (2.5.5) */
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        double start = bench_now();
        assert_int_equal(te_es10(&x->t, segment.bytes.ptr, segment.bytes.len, &pir, &pir_len),
                         0x9000);
        x->euicc_seconds += bench_now() - start;
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_null(bench_post_field(x, "handleNotification", NULL, "pendingNotification", pir,
                                 pir_len));

    /* ES10c.DeleteProfile (5.7.20) so that the next session has room */
    uint8_t delete_command[15] = {0xBF, 0x33, 0x0C, 0x5A, 0x0A};
    bench_iccid(index, iccid_text);
    test_iccid_bytes(iccid_text, delete_command + 5);
    uint8_t *deleted = bench_es10(x, delete_command, sizeof(delete_command), &len);
    assert_int_equal(len, 6);
    assert_int_equal(deleted[5], 0); /* ok */

    free(deleted);
    free(pir);
    free(bpp);
    json_decref(reply);
    json_decref(auth);
    json_decref(init);
    free(challenge64);
    free(info64);
    free(challenge);
    free(info1);
}

/* ---- the bound: the SM-DP+'s own crypto per session ------------------- */

static EVP_PKEY *bench_key(const char *group)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    assert_non_null(key);
    return key;
}

static void bench_sign_verify(EVP_PKEY *key, bool sign, uint8_t *signature, size_t *signature_len)
{
    static const uint8_t message[160] = {0x30};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    if (sign) {
        *signature_len = 80;
        assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
        assert_int_equal(EVP_DigestSign(md, signature, signature_len, message, sizeof(message)),
                         1);
    } else {
        assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
        assert_int_equal(
            EVP_DigestVerify(md, signature, *signature_len, message, sizeof(message)), 1);
    }
    EVP_MD_CTX_free(md);
}

/* One session's worth of the server's crypto (SGP.22 3.1.2, 3.1.3, 2.6.5,
 * 2.6.6): signs of serverSigned1, smdpSigned2 and smdpSign; verifies of the
 * EUM and eUICC certificates, euiccSignature1, euiccSignature2 and the PIR;
 * otSK.DP generation and ECDH with otPK.EUICC; the KDF; SCP03t encryption
 * and MAC over the profile. */
static void bench_server_crypto(const char *group, EVP_PKEY *server_key, EVP_PKEY *peer,
                                uint8_t *buffer, size_t profile_len)
{
    uint8_t signature[80], shared[32], digest[32], keys[48];
    size_t signature_len = 0, shared_len = sizeof(shared), out_len = 0;
    for (int i = 0; i < 3; i++)
        bench_sign_verify(server_key, true, signature, &signature_len);
    for (int i = 0; i < 5; i++)
        bench_sign_verify(server_key, false, signature, &signature_len);

    EVP_PKEY *ephemeral = bench_key(group);
    EVP_PKEY_CTX *derive = EVP_PKEY_CTX_new(ephemeral, NULL);
    assert_non_null(derive);
    assert_int_equal(EVP_PKEY_derive_init(derive), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(derive, peer), 1);
    assert_int_equal(EVP_PKEY_derive(derive, shared, &shared_len), 1);
    EVP_PKEY_CTX_free(derive);
    EVP_PKEY_free(ephemeral);

    /* X9.63 KDF: two SHA-256 blocks give KEK, KM and the initial MAC chain */
    for (uint32_t counter = 1; counter <= 2; counter++) {
        uint8_t input[64];
        memcpy(input, shared, 32);
        memcpy(input + 32, &counter, 4);
        unsigned n = 0;
        assert_int_equal(EVP_Digest(input, 48, digest, &n, EVP_sha256(), NULL), 1);
        memcpy(keys + (counter - 1) * 16, digest, 16);
    }

    /* SCP03t (SGP.22 2.6.6): AES-128-CBC then AES-CMAC over the profile */
    EVP_CIPHER_CTX *cipher = EVP_CIPHER_CTX_new();
    assert_non_null(cipher);
    int written = 0, final_len = 0;
    assert_int_equal(EVP_EncryptInit_ex2(cipher, EVP_aes_128_cbc(), keys, keys + 16, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(cipher, buffer, &written, buffer, (int)profile_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(cipher, buffer + written, &final_len), 1);
    EVP_CIPHER_CTX_free(cipher);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *mac_ctx = EVP_MAC_CTX_new(mac);
    assert_non_null(mac_ctx);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
                                                            (char *)"AES-128-CBC", 0),
                           OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_MAC_init(mac_ctx, keys + 32 - 16, 16, params), 1);
    assert_int_equal(EVP_MAC_update(mac_ctx, buffer, profile_len), 1);
    assert_int_equal(EVP_MAC_final(mac_ctx, digest, &out_len, sizeof(digest)), 1);
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
    OPENSSL_cleanse(shared, sizeof(shared));
    OPENSSL_cleanse(keys, sizeof(keys));
}

static double bench_bound(const char *group, size_t profile_len, unsigned rounds)
{
    EVP_PKEY *server_key = bench_key(group), *peer = bench_key(group);
    uint8_t *buffer = calloc(1, profile_len + 32);
    assert_non_null(buffer);
    bench_server_crypto(group, server_key, peer, buffer, profile_len); /* warm up */
    /* the fastest of 5 batches: the cost on a core the fuzzers leave alone */
    double per_session = 0;
    for (int batch = 0; batch < 5; batch++) {
        double start = bench_now();
        for (unsigned i = 0; i < rounds; i++)
            bench_server_crypto(group, server_key, peer, buffer, profile_len);
        double cost = (bench_now() - start) / rounds;
        if (batch == 0 || cost < per_session)
            per_session = cost;
    }
    free(buffer);
    EVP_PKEY_free(server_key);
    EVP_PKEY_free(peer);
    return per_session;
}

/* CPU time of the server's event loop thread, which runs all of ES9+. */
static double bench_server_cpu(const bench *x)
{
    clockid_t clock;
    struct timespec ts;
    assert_int_equal(pthread_getcpuclockid(x->thread, &clock), 0);
    assert_int_equal(clock_gettime(clock, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void bench_curve(aw_pki_curve curve, const char *label, const char *group,
                        unsigned sessions)
{
    bench x;
    bench_open(&x, curve, sessions + 1);
    bench_session(&x, sessions); /* warm up: TLS handshake, caches */
    x.euicc_seconds = 0;
    memset(x.post_seconds, 0, sizeof(x.post_seconds));
    double *latency = malloc(sessions * sizeof(double));
    assert_non_null(latency);
    double server_cpu = bench_server_cpu(&x), start = bench_now();
    for (unsigned i = 0; i < sessions; i++) {
        double begin = bench_now();
        bench_session(&x, i);
        latency[i] = bench_now() - begin;
    }
    double elapsed = bench_now() - start;
    server_cpu = (bench_server_cpu(&x) - server_cpu) / sessions;
    double per_session = bench_bound(group, x.profile_len, 50);
    qsort(latency, sessions, sizeof(double), bench_compare);
    double rate = sessions / elapsed, bound = 1.0 / per_session;
    double euicc_share = x.euicc_seconds / elapsed;
    printf("%s: %u sessions in %.2f s (profile %zu bytes)\n", label, sessions, elapsed,
           x.profile_len);
    printf("  sessions/s            %8.1f\n", rate);
    printf("  latency mean/p50/p99  %8.2f / %.2f / %.2f ms\n", elapsed / sessions * 1e3,
           latency[sessions / 2] * 1e3, latency[(sessions * 99) / 100] * 1e3);
    printf("  eUICC (client) share  %8.1f %% of session time (%.2f ms/session)\n",
           euicc_share * 100, x.euicc_seconds / sessions * 1e3);
    for (size_t i = 0; i < 4; i++)
        printf("  ES9+ %-22s %7.2f ms/session (HTTPS round trip)\n", bench_functions[i],
               x.post_seconds[i] / sessions * 1e3);
    printf("  bound: server crypto  %8.3f ms/session -> %.1f sessions/s on one core\n",
           per_session * 1e3, bound);
    printf("  achieved / bound      %8.1f %%\n", rate / bound * 100);
    printf("  achieved / bound, eUICC time removed %5.1f %%\n",
           sessions / (elapsed - x.euicc_seconds) / bound * 100);
    printf("  server thread CPU     %8.3f ms/session -> %.1f sessions/s if CPU-bound, "
           "%.1f %% of bound\n",
           server_cpu * 1e3, 1.0 / server_cpu, per_session / server_cpu * 100);
    free(latency);
    bench_close(&x);
}

int main(int argc, char **argv)
{
    unsigned sessions = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : BENCH_SUBSCRIBERS;
    if (sessions == 0 || evthread_use_pthreads() != 0)
        return 1;
    printf("bench_smdp_download: full SGP.22 downloads over HTTPS on 127.0.0.1 (one kept\n"
           "TLS connection), SQLite inventory, client crypto by the in-process software eUICC\n"
           "(same process: its time is counted in the session). Bound = OpenSSL cost of the\n"
           "SM-DP+'s own crypto per session (3 sign, 5 verify, keygen, ECDH, KDF, SCP03t),\n"
           "measured in this run (fastest of 5 batches; TLS excluded). Other processes share\n"
           "the machine: rates are noisy.\n");
    bench_curve(AW_PKI_CURVE_NIST_P256, "NIST P-256", "P-256", sessions);
    bench_curve(AW_PKI_CURVE_BRAINPOOL_P256R1, "brainpoolP256r1", "brainpoolP256r1", sessions);
    return 0;
}
