/* Benchmark of the SM-DP+ daemon (src/smdp/smdp.h): full SGP.22 3.1.3
 * Profile Download and Installation sessions (InitiateAuthentication,
 * AuthenticateClient, GetBoundProfilePackage, HandleNotification over
 * HTTPS with the 6.5.2 JSON binding) against an SQLite inventory with
 * imported subscribers and released ES2+ orders (5.3.1, 5.3.2), the ES9+
 * server on one event loop thread, i.e. one core. Two client sides:
 *
 *  A. the minimal test LPA (tests/smdp_lpa_testutil.h) with the in-process
 *     software eUICC, sequentially: every eUICC check and the installation
 *     (ES10b LoadBoundProfilePackage) are real; the profile is deleted
 *     (ES10c.DeleteProfile, 5.7.20) between sessions;
 *  B. N LPAs in N threads, each with its own kept TLS connection, whose
 *     eUICC side is precomputed (EUICCInfo1/2 read from the software eUICC,
 *     one-time keys otPK.EUICC.ECKA generated before the clock starts) and
 *     only signs what it must per session (euiccSigned1, euiccSigned2 with
 *     smdpSignature2, the ProfileInstallationResult) without verifying the
 *     server or opening the BPP: cheap, so that the server's core is the
 *     bottleneck.
 *
 * Beside it, in the same run, the bound: the OpenSSL cost of the SM-DP+'s
 * own crypto per session (3 ECDSA signs, 5 ECDSA verifies, 1 ephemeral key
 * generation, 1 ECDH, the X9.63 KDF, SCP03t AES-CBC + AES-CMAC over the
 * profile) and the sessions/s one core could do from that crypto alone.
 * Not a test: cmocka asserts end the run on any failure. */
#include "smdp_lpa_testutil.h"

#include <stdatomic.h>

#include <event2/thread.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_download.h"

#define BENCH_TYPE "iot-basic"
#define BENCH_SUBSCRIBERS 200
#define BENCH_DEVICES 4
#define BENCH_DEVICES_MAX 16

static void bench_iccid(unsigned index, char out[20])
{
    /* 18 digits and the Luhn check digit (ITU-T E.118) */
    snprintf(out, 20, "894400000000%06u", index % 1000000u);
    out[18] = saip_iccid_check_digit(out, 18);
    out[19] = '\0';
}

static void bench_matching_id(unsigned index, char out[32])
{
    snprintf(out, 32, "BENCH-%06u", index);
}

static double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the server's database writer thread (smdp_server_stats),
 * which commits the state changes of ES9+ requests. */
static double bench_writer_cpu(const lpa_smdp *x)
{
    smdp_server_stats stats;
    smdp_server_get_stats(x->server, &stats);
    return stats.writer_cpu_seconds;
}

/* CPU time of the server: its event loop thread, which runs ES9+, and its
 * writer thread (counted too, so that the ratio stays one of one core). */
static double bench_server_cpu(const lpa_smdp *x)
{
    clockid_t clock;
    struct timespec ts;
    assert_int_equal(pthread_getcpuclockid(x->thread, &clock), 0);
    assert_int_equal(clock_gettime(clock, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + bench_writer_cpu(x);
}

/* The built template as profile type and count subscribers with released
 * orders BENCH-000000...; returns the template's length. */
static size_t bench_fill_inventory(lpa_smdp *x, unsigned count)
{
    db_connection *db = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_inventory_open(x, &db, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(db, BENCH_TYPE, template_package, template_len);
    size_t cap = 32 + (size_t)count * 128, used;
    char *csv = malloc(cap);
    assert_non_null(csv);
    used = (size_t)snprintf(csv, cap, "iccid,imsi,ki,opc\n");
    for (unsigned i = 0; i < count; i++) {
        char id[20];
        bench_iccid(i, id);
        used += (size_t)snprintf(csv + used, cap - used, "%s,234150%09u,%032X,%032X\n", id, i,
                                 i + 1, i + 2);
    }
    lpa_import_csv(db, ring, BENCH_TYPE, csv, used);
    free(csv);
    for (unsigned i = 0; i < count; i++) {
        char id[20], match[32];
        bench_iccid(i, id);
        bench_matching_id(i, match);
        lpa_release_order(db, id, match, NULL);
    }
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(db);
    return template_len;
}

/* A. one session with the software eUICC, then the profile's deletion. */
static void bench_full_session(lpa_device *d, unsigned index)
{
    char matching_id[32], iccid[20];
    bench_matching_id(index, matching_id);
    bench_iccid(index, iccid);
    lpa_download(d, matching_id);
    lpa_delete_profile(d, iccid);
}

/* ---- B. the LPA with a precomputed eUICC side ------------------------------ */

/* What every light client shares, read once from the software eUICC and
 * the PKI before the clock starts. */
typedef struct bench_euicc_data {
    char *info1_base64;                 /* EUICCInfo1 (ES10b.GetEUICCInfo1) */
    uint8_t *info2;                     /* EUICCInfo2 BF22 (ES10b.GetEUICCInfo2) */
    size_t info2_len;
    aw_slice euicc_certificate, eum_certificate;
    uint8_t smdp_oid[32];               /* content octets of the SM-DP+ OID */
    size_t smdp_oid_len;
} bench_euicc_data;

typedef struct bench_client {
    lpa_device device;                  /* only client, base_url and timings used */
    const bench_euicc_data *data;
    crypto_key *euicc_key;              /* SK.EUICC.ECDSA */
    uint8_t (*otpk)[CRYPTO_POINT_SIZE]; /* precomputed otPK.EUICC.ECKA, one per session */
    size_t otpk_count, otpk_used;
    int64_t sequence;                   /* notification seqNumber */
} bench_client;

static void bench_euicc_data_read(bench_euicc_data *data, lpa_smdp *x)
{
    size_t n;
    memset(data, 0, sizeof(*data));
    uint8_t *info1 = te_call(&x->device.t, "BF2000", &n);
    data->info1_base64 = lpa_base64(info1, n);
    free(info1);
    data->info2 = te_call(&x->device.t, "BF2200", &data->info2_len);
    const pki_hierarchy *h = &x->device.t.hierarchy;
    data->euicc_certificate = pki_certificate_der(h->cert[AW_PKI_ROLE_EUICC]);
    data->eum_certificate = pki_certificate_der(h->cert[AW_PKI_ROLE_EUM]);
    char oid[128];
    assert_int_equal(pki_certificate_get_registered_id(h->cert[AW_PKI_ROLE_DP_PB], oid,
                                                       sizeof(oid)),
                     AW_OK);
    ASN1_OBJECT *object = OBJ_txt2obj(oid, 1);
    assert_non_null(object);
    data->smdp_oid_len = (size_t)OBJ_length(object);
    assert_true(data->smdp_oid_len <= sizeof(data->smdp_oid));
    memcpy(data->smdp_oid, OBJ_get0_data(object), data->smdp_oid_len);
    ASN1_OBJECT_free(object);
}

static void bench_euicc_data_free(bench_euicc_data *data)
{
    free(data->info1_base64);
    free(data->info2);
}

static void bench_client_open(bench_client *c, const lpa_smdp *x, const bench_euicc_data *data,
                              size_t sessions)
{
    char path[192];
    memset(c, 0, sizeof(*c));
    c->data = data;
    snprintf(path, sizeof(path), "%s/euicc.key.pem", x->device.t.pki);
    assert_int_equal(crypto_key_load_private_pem_file(path, &c->euicc_key), AW_OK);
    c->otpk_count = sessions;
    c->otpk = calloc(sessions, sizeof(*c->otpk));
    assert_non_null(c->otpk);
    for (size_t i = 0; i < sessions; i++) {
        crypto_key *one_time = NULL;
        assert_int_equal(crypto_generate_key(crypto_key_curve(c->euicc_key), &one_time), AW_OK);
        assert_int_equal(crypto_key_export_point(one_time, c->otpk[i]), AW_OK);
        crypto_key_free(one_time);
    }
    snprintf(c->device.base_url, sizeof(c->device.base_url), "%s", x->device.base_url);
    snprintf(path, sizeof(path), "%s/ci.pem", x->device.t.pki);
    http_client_config config = {.ca_file = path};
    assert_int_equal(http_client_new(&config, &c->device.client), AW_OK);
}

static void bench_client_close(bench_client *c)
{
    http_client_free(c->device.client);
    crypto_key_free(c->euicc_key);
    free(c->otpk);
}

static uint8_t *bench_finish(der_builder *b, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(der_builder_finish(b, &out, len), AW_OK);
    return out;
}

/* AuthenticateServerResponse (BF38, SGP.22 5.7.13) for serverSigned1. */
static uint8_t *bench_authenticate_server_response(bench_client *c,
                                                   const sgp22_server_signed1 *server,
                                                   const char *matching_id, size_t *len)
{
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    sgp22_euicc_signed1 s1;
    memset(&s1, 0, sizeof(s1));
    s1.transaction_id = server->transaction_id;
    s1.server_address = (aw_slice){(const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS)};
    s1.server_challenge = server->server_challenge;
    s1.euicc_info2 = (aw_slice){c->data->info2, c->data->info2_len};
    s1.ctx_params1.has_matching_id = true;
    s1.ctx_params1.matching_id = (aw_slice){(const uint8_t *)matching_id, strlen(matching_id)};
    s1.ctx_params1.device_info.tac = (aw_slice){tac, sizeof(tac)};
    der_builder b;
    der_builder_init(&b);
    sgp22_put_euicc_signed1(&b, &s1);
    size_t signed1_len = 0;
    uint8_t *signed1 = bench_finish(&b, &signed1_len);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(c->euicc_key, signed1, signed1_len, signature), AW_OK);
    sgp22_authenticate_server_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_signed1.raw = (aw_slice){signed1, signed1_len};
    r.ok.euicc_signature1 = (aw_slice){signature, sizeof(signature)};
    r.ok.euicc_certificate = c->data->euicc_certificate;
    r.ok.eum_certificate = c->data->eum_certificate;
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_authenticate_server_response(&r, &out, len), AW_OK);
    free(signed1);
    return out;
}

/* PrepareDownloadResponse (BF21, SGP.22 5.7.5): euiccSignature2 over
 * euiccSigned2 || smdpSignature2 (its 5F37 TLV as received). */
static uint8_t *bench_prepare_download_response(bench_client *c, aw_slice transaction_id,
                                                const uint8_t *smdp_signature2_tlv,
                                                size_t smdp_signature2_len, size_t *len)
{
    assert_true(c->otpk_used < c->otpk_count);
    sgp22_euicc_signed2 s2;
    memset(&s2, 0, sizeof(s2));
    s2.transaction_id = transaction_id;
    s2.euicc_otpk = (aw_slice){c->otpk[c->otpk_used++], CRYPTO_POINT_SIZE};
    der_builder b;
    der_builder_init(&b);
    sgp22_put_euicc_signed2(&b, &s2);
    der_put_raw(&b, smdp_signature2_tlv, smdp_signature2_len);
    size_t signed_len = 0;
    uint8_t *signed_data = bench_finish(&b, &signed_len);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(c->euicc_key, signed_data, signed_len, signature), AW_OK);
    sgp22_prepare_download_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_signed2.raw = (aw_slice){signed_data, signed_len - smdp_signature2_len};
    r.ok.euicc_signature2 = (aw_slice){signature, sizeof(signature)};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_prepare_download_response(&r, &out, len), AW_OK);
    free(signed_data);
    return out;
}

/* A successful ProfileInstallationResult (BF37, SGP.22 5.7.6). */
static uint8_t *bench_installation_result(bench_client *c, aw_slice transaction_id, size_t *len)
{
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};
    sgp22_notification_metadata metadata;
    memset(&metadata, 0, sizeof(metadata));
    metadata.seq_number = ++c->sequence;
    metadata.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    metadata.notification_address =
        (aw_slice){(const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS)};
    uint8_t *metadata_der = NULL, *data_der = NULL, *out = NULL;
    size_t metadata_len = 0, data_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&metadata, &metadata_der, &metadata_len),
                     AW_OK);
    sgp22_profile_installation_result_data data;
    memset(&data, 0, sizeof(data));
    data.transaction_id = transaction_id;
    data.notification_metadata = (aw_slice){metadata_der, metadata_len};
    data.smdp_oid = (aw_slice){c->data->smdp_oid, c->data->smdp_oid_len};
    data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    data.success.aid = (aw_slice){aid, sizeof(aid)};
    data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    assert_int_equal(sgp22_encode_profile_installation_result_data(&data, &data_der, &data_len),
                     AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(c->euicc_key, data_der, data_len, signature), AW_OK);
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.raw = (aw_slice){data_der, data_len};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(data_der);
    free(metadata_der);
    return out;
}

/* B. one session with the precomputed eUICC side. */
static void bench_light_session(bench_client *c, unsigned index, size_t profile_len)
{
    static const uint8_t challenge[16] = {0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7,
                                          0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF};
    char matching_id[32], body[2048];
    size_t signed1_len, signature2_len, asr_len, pdr_len, bpp_len, pir_len;
    bench_matching_id(index, matching_id);
    char *challenge64 = lpa_base64(challenge, sizeof(challenge));
    snprintf(body, sizeof(body),
             "{\"euiccChallenge\":\"%s\",\"euiccInfo1\":\"%s\",\"smdpAddress\":\"%s\"}",
             challenge64, c->data->info1_base64, LPA_SMDP_ADDRESS);
    json_t *init = lpa_post(&c->device, LPA_INITIATE_AUTHENTICATION, body, 200);
    lpa_expect_status(init, NULL, NULL);
    const char *transaction_id = json_string_value(json_object_get(init, "transactionId"));
    assert_non_null(transaction_id);
    uint8_t *signed1 = lpa_unbase64(init, "serverSigned1", &signed1_len);
    sgp22_server_signed1 server;
    assert_int_equal(sgp22_decode_server_signed1(signed1, signed1_len, &server), AW_OK);

    uint8_t *asr = bench_authenticate_server_response(c, &server, matching_id, &asr_len);
    json_t *auth = lpa_post_field(&c->device, LPA_AUTHENTICATE_CLIENT, transaction_id,
                                  "authenticateServerResponse", asr, asr_len);
    lpa_expect_status(auth, NULL, NULL);
    uint8_t *signature2 = lpa_unbase64(auth, "smdpSignature2", &signature2_len);
    assert_int_equal(signature2_len, 3 + CRYPTO_SIGNATURE_SIZE);

    uint8_t *pdr = bench_prepare_download_response(c, server.transaction_id, signature2,
                                                   signature2_len, &pdr_len);
    json_t *reply = lpa_post_field(&c->device, LPA_GET_BOUND_PROFILE_PACKAGE, transaction_id,
                                   "prepareDownloadResponse", pdr, pdr_len);
    lpa_expect_status(reply, NULL, NULL);
    uint8_t *bpp = lpa_unbase64(reply, "boundProfilePackage", &bpp_len);
    assert_true(bpp_len > profile_len);

    uint8_t *pir = bench_installation_result(c, server.transaction_id, &pir_len);
    lpa_handle_notification(&c->device, pir, pir_len);
    free(pir);
    free(bpp);
    json_decref(reply);
    free(pdr);
    free(signature2);
    json_decref(auth);
    free(asr);
    free(signed1);
    json_decref(init);
    free(challenge64);
}

/* The clients of phase B take subscriber indices from one counter. */
typedef struct bench_pool {
    atomic_uint next;
    unsigned end;
    size_t profile_len;
} bench_pool;

typedef struct bench_worker {
    bench_client client;
    bench_pool *pool;
    pthread_t thread;
    double cpu_seconds;
    unsigned sessions;
} bench_worker;

static void *bench_worker_run(void *arg)
{
    bench_worker *w = arg;
    double cpu = bench_thread_cpu();
    for (;;) {
        unsigned index = atomic_fetch_add(&w->pool->next, 1);
        if (index >= w->pool->end)
            break;
        bench_light_session(&w->client, index, w->pool->profile_len);
        w->sessions++;
    }
    w->cpu_seconds = bench_thread_cpu() - cpu;
    return NULL;
}

/* ---- the bound: the SM-DP+'s own crypto per session ------------------------ */

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
    /* CPU time of this thread, as the server's is measured, so that time
     * the machine's other work takes from it does not count; the fastest
     * of 5 batches: the cost on a core the others leave alone */
    double per_session = 0;
    for (int batch = 0; batch < 5; batch++) {
        double start = bench_thread_cpu();
        for (unsigned i = 0; i < rounds; i++)
            bench_server_crypto(group, server_key, peer, buffer, profile_len);
        double cost = (bench_thread_cpu() - start) / rounds;
        if (batch == 0 || cost < per_session)
            per_session = cost;
    }
    free(buffer);
    EVP_PKEY_free(server_key);
    EVP_PKEY_free(peer);
    return per_session;
}

/* ---- the runs ------------------------------------------------------------- */

static int bench_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A: subscribers [first, first + sessions) with the software eUICC. */
static void bench_run_full(lpa_smdp *x, unsigned first, unsigned sessions, double per_session)
{
    lpa_device *d = &x->device;
    bench_full_session(d, first++); /* warm up: TLS handshake, caches */
    d->euicc_seconds = 0;
    memset(d->post_seconds, 0, sizeof(d->post_seconds));
    double *latency = malloc(sessions * sizeof(double));
    assert_non_null(latency);
    double server_cpu = bench_server_cpu(x), writer_cpu = bench_writer_cpu(x);
    double start = lpa_now();
    for (unsigned i = 0; i < sessions; i++) {
        double begin = lpa_now();
        bench_full_session(d, first + i);
        latency[i] = lpa_now() - begin;
    }
    double elapsed = lpa_now() - start;
    server_cpu = (bench_server_cpu(x) - server_cpu) / sessions;
    writer_cpu = (bench_writer_cpu(x) - writer_cpu) / sessions;
    qsort(latency, sessions, sizeof(double), bench_compare);
    double rate = sessions / elapsed;
    printf("  A. one LPA, software eUICC in-process (real checks and installation),\n"
           "     sequential: %u sessions in %.2f s\n",
           sessions, elapsed);
    printf("     sessions/s (wall)       %8.1f -> %5.1f %% of bound\n", rate,
           rate * per_session * 100);
    printf("     latency mean/p50/p99    %8.2f / %.2f / %.2f ms\n", elapsed / sessions * 1e3,
           latency[sessions / 2] * 1e3, latency[(sessions * 99) / 100] * 1e3);
    printf("     eUICC (client) time     %8.2f ms/session (%.1f %% of wall)\n",
           d->euicc_seconds / sessions * 1e3, d->euicc_seconds / elapsed * 100);
    for (size_t i = 0; i < LPA_CANCEL_SESSION; i++)
        printf("     ES9+ %-22s %6.2f ms/session (HTTPS round trip)\n", lpa_function_names[i],
               d->post_seconds[i] / sessions * 1e3);
    printf("     server CPU (loop+writer)%8.3f ms/session -> %5.1f %% of bound "
           "(writer %.3f)\n",
           server_cpu * 1e3, per_session / server_cpu * 100, writer_cpu * 1e3);
    free(latency);
}

/* B: subscribers [first, first + sessions) by devices light clients. */
static void bench_run_parallel(lpa_smdp *x, unsigned first, unsigned sessions, unsigned devices,
                               size_t profile_len, double per_session)
{
    bench_euicc_data data;
    bench_euicc_data_read(&data, x);
    bench_worker *workers = calloc(devices, sizeof(*workers));
    assert_non_null(workers);
    bench_pool pool = {.end = first + devices, .profile_len = profile_len};
    atomic_init(&pool.next, first);
    for (unsigned i = 0; i < devices; i++) {
        workers[i].pool = &pool;
        bench_client_open(&workers[i].client, x, &data, sessions + 1);
    }
    /* warm up: one session each opens its TLS connection */
    for (unsigned i = 0; i < devices; i++)
        bench_light_session(&workers[i].client, atomic_fetch_add(&pool.next, 1), profile_len);
    first += devices;
    pool.end = first + sessions;
    smdp_server_stats writes_before, writes_after;
    smdp_server_get_stats(x->server, &writes_before);
    double server_cpu = bench_server_cpu(x), writer_cpu = bench_writer_cpu(x);
    double start = lpa_now();
    for (unsigned i = 0; i < devices; i++)
        assert_int_equal(pthread_create(&workers[i].thread, NULL, bench_worker_run, &workers[i]),
                         0);
    double client_cpu = 0;
    for (unsigned i = 0; i < devices; i++) {
        assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
        client_cpu += workers[i].cpu_seconds;
    }
    double elapsed = lpa_now() - start;
    server_cpu = (bench_server_cpu(x) - server_cpu) / sessions;
    writer_cpu = (bench_writer_cpu(x) - writer_cpu) / sessions;
    double rate = sessions / elapsed;
    printf("  B. %u LPAs in parallel, eUICC side precomputed (EUICCInfo, otPK; per\n"
           "     session only its 3 ECDSA signs, no checks, BPP not opened): %u sessions in "
           "%.2f s\n",
           devices, sessions, elapsed);
    printf("     sessions/s (wall)       %8.1f -> %5.1f %% of bound\n", rate,
           rate * per_session * 100);
    printf("     server CPU (loop+writer)%8.3f ms/session -> %.1f sessions/s on one core, "
           "%5.1f %% of bound (writer %.3f)\n",
           server_cpu * 1e3, 1.0 / server_cpu, per_session / server_cpu * 100,
           writer_cpu * 1e3);
    printf("     client CPU (all LPAs)   %8.3f ms/session\n", client_cpu / sessions * 1e3);
    smdp_server_get_stats(x->server, &writes_after);
    printf("     state changes committed %8llu in %llu transactions (group commit)\n",
           (unsigned long long)(writes_after.writes_committed - writes_before.writes_committed),
           (unsigned long long)(writes_after.write_transactions -
                                writes_before.write_transactions));
    for (unsigned i = 0; i < devices; i++)
        bench_client_close(&workers[i].client);
    free(workers);
    bench_euicc_data_free(&data);
}

static void bench_curve(aw_pki_curve curve, const char *label, const char *group,
                        unsigned sessions, unsigned devices)
{
    lpa_smdp x;
    lpa_prepare(&x, "/tmp/aw-bench-smdp-XXXXXX", curve);
    size_t profile_len = bench_fill_inventory(&x, 2 * sessions + 1 + devices);
    lpa_open(&x);
    double per_session = bench_bound(group, profile_len, 50);
    printf("%s (profile %zu bytes)\n", label, profile_len);
    printf("  bound: server crypto       %8.3f ms/session -> %.1f sessions/s on one core\n",
           per_session * 1e3, 1.0 / per_session);
    bench_run_full(&x, 0, sessions, per_session);
    bench_run_parallel(&x, sessions + 1, sessions, devices, profile_len, per_session);
    lpa_close(&x);
}

int main(int argc, char **argv)
{
    unsigned sessions = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : BENCH_SUBSCRIBERS;
    unsigned devices = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : BENCH_DEVICES;
    const char *curves = argc > 3 ? argv[3] : "both";
    bool nist = strcmp(curves, "both") == 0 || strcmp(curves, "p256") == 0;
    bool brainpool = strcmp(curves, "both") == 0 || strcmp(curves, "brainpool") == 0;
    if (sessions == 0 || devices == 0 || devices > BENCH_DEVICES_MAX || (!nist && !brainpool) ||
        evthread_use_pthreads() != 0) {
        fprintf(stderr, "usage: bench_smdp_download [sessions] [devices 1..%d] "
                        "[p256|brainpool|both]\n",
                BENCH_DEVICES_MAX);
        return 1;
    }
    printf("bench_smdp_download: full SGP.22 downloads over HTTPS on 127.0.0.1 (kept TLS\n"
           "connections), SQLite inventory, the SM-DP+ on one event loop thread (one core).\n"
           "Bound = OpenSSL cost of the SM-DP+'s own crypto per session (3 sign, 5 verify,\n"
           "keygen, ECDH, KDF, SCP03t) in thread CPU time, measured in this run (fastest of\n"
           "5 batches; TLS excluded). Ratios: wall-clock rate x bound cost, and bound cost /\n"
           "server CPU time (event loop + database writer threads) per session. Other\n"
           "processes share the machine: wall-clock rates are noisy, CPU-time ratios much\n"
           "less.\n");
    if (nist)
        bench_curve(AW_PKI_CURVE_NIST_P256, "NIST P-256", "P-256", sessions, devices);
    if (brainpool)
        bench_curve(AW_PKI_CURVE_BRAINPOOL_P256R1, "brainpoolP256r1", "brainpoolP256r1",
                    sessions, devices);
    return 0;
}
