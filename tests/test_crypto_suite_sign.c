/* Tests for the crypto suite's signatures (src/core/crypto_suite_sign.c):
 * the SM2 signature example of GM/T 0003.5-2012 A.2 (GB/T 32918.5-2017) on
 * the recommended curve (Z_A, e and the published r, s with ID
 * "1234567812345678"), sign/verify round trips with default and custom
 * distinguishing IDs, keys in PEM and as points, strict DER, every error
 * path, and a cross-check with the openssl CLI both ways. */
#include "crypto_testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/crypto_suite.h"

static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};

/* The signature example on the recommended curve of GM/T 0003.5-2012 annex
 * A.2 / GB/T 32918.5-2017 annex A (d, Q, ID "1234567812345678", message
 * "message digest", Z_A, e, r, s), as also used in OpenSSL's
 * test/sm2_internal_test.c. */
#define GMT_D "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
#define GMT_Q "04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020" \
              "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
#define GMT_ZA "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
#define GMT_E "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
#define GMT_R "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
#define GMT_S "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
/* The recommended curve (GB/T 32918.5-2017 / GM/T 0003.5-2012 5): a, b, G */
#define SM2_A "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
#define SM2_B "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
#define SM2_GX "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
#define SM2_GY "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
#define SM2_N "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123"

/* PKCS#8 PEM of the private key d with public point q, built with OpenSSL
 * so the test can hold a published key (the suite has no scalar import). */
static char *pem_of_scalar(const char *key_type, const char *group, const char *d_hex,
                           const char *q_hex)
{
    size_t q_len;
    uint8_t *q = test_hex(q_hex, &q_len);
    BIGNUM *d = NULL;
    assert_true(BN_hex2bn(&d, d_hex) > 0);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, q_len), 1);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type, NULL);
    EVP_PKEY *pkey = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    /* not strndup: the BIO's buffer has no NUL after the n bytes */
    assert_true(n > 0);
    char *pem = malloc((size_t)n + 1);
    assert_non_null(pem);
    memcpy(pem, data, (size_t)n);
    pem[n] = '\0';
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    free(q);
    return pem;
}

static void append_hex(crypto_suite_hash_ctx *ctx, const char *hex)
{
    size_t len;
    uint8_t *b = test_hex(hex, &len);
    assert_int_equal(crypto_suite_hash_update(ctx, b, len), AW_OK);
    free(b);
}

static void test_gmt_0003_example(void **state)
{
    (void)state;
    char *pem = pem_of_scalar("SM2", "SM2", GMT_D, GMT_Q);
    crypto_suite_key *key = NULL;
    assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, pem, strlen(pem),
                                                       &key),
                     AW_OK);
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    assert_int_equal(crypto_suite_key_export_point(key, point), AW_OK);
    test_assert_hex(point, sizeof(point), GMT_Q);

    /* Z_A = SM3(ENTL_A || ID_A || a || b || xG || yG || xA || yA), GB/T
     * 32918.2 5.5; ENTL_A = 16 * 8 bits = 0x0080; e = SM3(Z_A || M). */
    static const char id[] = CRYPTO_SUITE_SM2_DEFAULT_ID;
    crypto_suite_hash_ctx *h = NULL;
    assert_int_equal(crypto_suite_hash_new(CRYPTO_SUITE_DOMESTIC, &h), AW_OK);
    append_hex(h, "0080");
    assert_int_equal(crypto_suite_hash_update(h, (const uint8_t *)id, 16), AW_OK);
    append_hex(h, SM2_A SM2_B SM2_GX SM2_GY);
    assert_int_equal(crypto_suite_hash_update(h, point + 1, 64), AW_OK);
    uint8_t za[CRYPTO_SUITE_HASH_SIZE];
    assert_int_equal(crypto_suite_hash_final(h, za), AW_OK);
    crypto_suite_hash_free(h);
    test_assert_hex(za, sizeof(za), GMT_ZA);
    static const uint8_t msg[] = "message digest";
    uint8_t joined[CRYPTO_SUITE_HASH_SIZE + 14], e[CRYPTO_SUITE_HASH_SIZE];
    memcpy(joined, za, sizeof(za));
    memcpy(joined + sizeof(za), msg, 14);
    assert_int_equal(crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, joined, sizeof(joined), e), AW_OK);
    test_assert_hex(e, sizeof(e), GMT_E);

    /* The published (r, s) verifies with the default ID, not with another,
     * nor over another message. */
    size_t raw_len;
    uint8_t *raw = test_hex(GMT_R GMT_S, &raw_len);
    uint8_t der[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t der_len = 0;
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, raw, der, sizeof(der),
                                                     &der_len),
                     AW_OK);
    assert_int_equal(der_len, 72); /* both r and s have the top bit set */
    assert_int_equal(crypto_suite_verify(key, msg, 14, der, der_len), AW_OK);
    assert_int_equal(crypto_suite_verify_with_id(key, (const uint8_t *)id, 16, msg, 14, der,
                                                 der_len),
                     AW_OK);
    assert_int_equal(crypto_suite_verify_with_id(key, (const uint8_t *)"ALICE123@YAHOO.COM", 18,
                                                 msg, 14, der, der_len),
                     AW_ERR_SIGNATURE);
    assert_int_equal(crypto_suite_verify(key, msg, 13, der, der_len), AW_ERR_SIGNATURE);
    /* the public key alone, from its point, verifies it too */
    crypto_suite_key *pub = NULL;
    assert_int_equal(crypto_suite_key_from_point(CRYPTO_SUITE_DOMESTIC, point, sizeof(point),
                                                 &pub),
                     AW_OK);
    assert_false(crypto_suite_key_is_private(pub));
    assert_int_equal(crypto_suite_verify(pub, msg, 14, der, der_len), AW_OK);
    /* and our signatures with that key verify (random k, so not equal) */
    uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t sig_len = 0;
    assert_int_equal(crypto_suite_sign(key, msg, 14, sig, sizeof(sig), &sig_len), AW_OK);
    assert_int_equal(crypto_suite_verify(pub, msg, 14, sig, sig_len), AW_OK);
    crypto_suite_key_free(pub);
    crypto_suite_key_free(key);
    free(raw);
    free(pem);
}

static void test_sign_verify(void **state)
{
    (void)state;
    for (size_t si = 0; si < 2; si++) {
        crypto_suite_key *key = NULL;
        assert_int_equal(crypto_suite_key_generate(suites[si], &key), AW_OK);
        assert_int_equal(crypto_suite_key_suite(key), suites[si]);
        assert_true(crypto_suite_key_is_private(key));
        for (size_t len = 0; len < 300; len += 37) {
            uint8_t msg[300];
            assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
            uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
            size_t sig_len = 0;
            assert_int_equal(crypto_suite_sign(key, len ? msg : NULL, len, sig, sizeof(sig),
                                               &sig_len),
                             AW_OK);
            assert_true(sig_len >= 8 && sig_len <= CRYPTO_SUITE_SIGNATURE_MAX);
            assert_int_equal(sig[0], 0x30);
            assert_int_equal(crypto_suite_verify(key, msg, len, sig, sig_len), AW_OK);
            /* DER -> raw -> DER is the identity on our (minimal) encoding */
            uint8_t raw[64], der[CRYPTO_SUITE_SIGNATURE_MAX];
            size_t der_len = 0;
            assert_int_equal(crypto_suite_signature_to_raw(suites[si], sig, sig_len, raw), AW_OK);
            assert_int_equal(crypto_suite_signature_from_raw(suites[si], raw, der, sizeof(der),
                                                             &der_len),
                             AW_OK);
            assert_int_equal(der_len, sig_len);
            assert_memory_equal(der, sig, sig_len);
            if (len > 0) {
                msg[len / 2] ^= 0x01;
                assert_int_equal(crypto_suite_verify(key, msg, len, sig, sig_len),
                                 AW_ERR_SIGNATURE);
                msg[len / 2] ^= 0x01;
            }
            /* a changed s (still in range) does not verify */
            raw[63] ^= 0x01;
            assert_int_equal(crypto_suite_signature_from_raw(suites[si], raw, der, sizeof(der),
                                                             &der_len),
                             AW_OK);
            assert_int_equal(crypto_suite_verify(key, msg, len, der, der_len), AW_ERR_SIGNATURE);
        }
        crypto_suite_key_free(key);
    }
}

static void test_distinguishing_id(void **state)
{
    (void)state;
    crypto_suite_key *key = NULL, *ec = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &key), AW_OK);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &ec), AW_OK);
    static const uint8_t msg[] = "callback body";
    static const uint8_t alice[] = "ALICE123@YAHOO.COM";
    uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t n = 0;
    assert_int_equal(crypto_suite_sign_with_id(key, alice, 18, msg, sizeof(msg), sig, sizeof(sig),
                                               &n),
                     AW_OK);
    assert_int_equal(crypto_suite_verify_with_id(key, alice, 18, msg, sizeof(msg), sig, n), AW_OK);
    assert_int_equal(crypto_suite_verify(key, msg, sizeof(msg), sig, n), AW_ERR_SIGNATURE);
    assert_int_equal(crypto_suite_verify_with_id(key, alice, 17, msg, sizeof(msg), sig, n),
                     AW_ERR_SIGNATURE);
    /* explicit default ID == implicit default */
    assert_int_equal(crypto_suite_sign(key, msg, sizeof(msg), sig, sizeof(sig), &n), AW_OK);
    assert_int_equal(crypto_suite_verify_with_id(key, (const uint8_t *)"1234567812345678", 16, msg,
                                                 sizeof(msg), sig, n),
                     AW_OK);

    /* ID bounds: 1..8190 bytes (crypto_suite.h) */
    uint8_t *long_id = malloc(CRYPTO_SUITE_SM2_ID_MAX + 1);
    assert_non_null(long_id);
    memset(long_id, 'i', CRYPTO_SUITE_SM2_ID_MAX + 1);
    assert_int_equal(crypto_suite_sign_with_id(key, long_id, CRYPTO_SUITE_SM2_ID_MAX, msg,
                                               sizeof(msg), sig, sizeof(sig), &n),
                     AW_OK);
    assert_int_equal(crypto_suite_verify_with_id(key, long_id, CRYPTO_SUITE_SM2_ID_MAX, msg,
                                                 sizeof(msg), sig, n),
                     AW_OK);
    assert_int_equal(crypto_suite_sign_with_id(key, long_id, CRYPTO_SUITE_SM2_ID_MAX + 1, msg,
                                               sizeof(msg), sig, sizeof(sig), &n),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    assert_int_equal(n, 0);
    assert_int_equal(crypto_suite_verify_with_id(key, long_id, CRYPTO_SUITE_SM2_ID_MAX + 1, msg,
                                                 sizeof(msg), sig, sizeof(sig)),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    assert_int_equal(crypto_suite_sign_with_id(key, long_id, 0, msg, sizeof(msg), sig,
                                               sizeof(sig), &n),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    assert_int_equal(crypto_suite_sign_with_id(key, NULL, 4, msg, sizeof(msg), sig, sizeof(sig),
                                               &n),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    /* ECDSA has no distinguishing ID */
    assert_int_equal(crypto_suite_sign_with_id(ec, alice, 18, msg, sizeof(msg), sig, sizeof(sig),
                                               &n),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    assert_int_equal(crypto_suite_verify_with_id(ec, alice, 18, msg, sizeof(msg), sig, n),
                     AW_ERR_SUITE_DISTINGUISHING_ID);
    free(long_id);
    crypto_suite_key_free(key);
    crypto_suite_key_free(ec);
}

static void test_keys_pem_and_points(void **state)
{
    (void)state;
    for (size_t si = 0; si < 2; si++) {
        crypto_suite suite = suites[si];
        crypto_suite other = suites[1 - si];
        crypto_suite_key *key = NULL, *priv = NULL, *pub = NULL, *from_point = NULL;
        assert_int_equal(crypto_suite_key_generate(suite, &key), AW_OK);
        char *priv_pem = NULL, *pub_pem = NULL;
        size_t priv_len = 0, pub_len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(key, &priv_pem, &priv_len), AW_OK);
        assert_int_equal(strlen(priv_pem), priv_len);
        assert_non_null(strstr(priv_pem, "-----BEGIN PRIVATE KEY-----"));
        assert_int_equal(crypto_suite_key_export_public_pem(key, &pub_pem, &pub_len), AW_OK);
        assert_non_null(strstr(pub_pem, "-----BEGIN PUBLIC KEY-----"));
        assert_int_equal(crypto_suite_key_load_private_pem(suite, priv_pem, priv_len, &priv),
                         AW_OK);
        assert_int_equal(crypto_suite_key_load_public_pem(suite, pub_pem, pub_len, &pub), AW_OK);
        assert_false(crypto_suite_key_is_private(pub));
        uint8_t p1[65], p2[65], p3[65];
        assert_int_equal(crypto_suite_key_export_point(key, p1), AW_OK);
        assert_int_equal(crypto_suite_key_export_point(priv, p2), AW_OK);
        assert_int_equal(crypto_suite_key_export_point(pub, p3), AW_OK);
        assert_memory_equal(p1, p2, 65);
        assert_memory_equal(p1, p3, 65);
        assert_int_equal(crypto_suite_key_from_point(suite, p1, 65, &from_point), AW_OK);
        static const uint8_t msg[] = "firmware image";
        uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
        size_t n = 0;
        assert_int_equal(crypto_suite_sign(priv, msg, sizeof(msg), sig, sizeof(sig), &n), AW_OK);
        assert_int_equal(crypto_suite_verify(pub, msg, sizeof(msg), sig, n), AW_OK);
        assert_int_equal(crypto_suite_verify(from_point, msg, sizeof(msg), sig, n), AW_OK);

        /* a key of the other suite is a mismatch */
        crypto_suite_key *bad = (crypto_suite_key *)sig;
        assert_int_equal(crypto_suite_key_load_private_pem(other, priv_pem, priv_len, &bad),
                         AW_ERR_SUITE_MISMATCH);
        assert_null(bad);
        assert_int_equal(crypto_suite_key_load_public_pem(other, pub_pem, pub_len, &bad),
                         AW_ERR_SUITE_MISMATCH);
        /* a public key cannot sign or export a private PEM */
        char *none = NULL;
        size_t none_len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(pub, &none, &none_len),
                         AW_ERR_SUITE_KEY);
        assert_null(none);
        assert_int_equal(crypto_suite_sign(pub, msg, sizeof(msg), sig, sizeof(sig), &n),
                         AW_ERR_SUITE_KEY);
        /* private PEM is not public PEM and vice versa */
        assert_int_equal(crypto_suite_key_load_public_pem(suite, priv_pem, priv_len, &bad),
                         AW_ERR_SUITE_KEY);
        assert_int_equal(crypto_suite_key_load_private_pem(suite, pub_pem, pub_len, &bad),
                         AW_ERR_SUITE_KEY);
        /* a sign buffer too small */
        assert_int_equal(crypto_suite_sign(priv, msg, sizeof(msg), sig, 8, &n),
                         AW_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(n, 0);

        /* points: wrong length, compressed form, off the curve */
        assert_int_equal(crypto_suite_key_from_point(suite, p1, 64, &bad), AW_ERR_SUITE_KEY);
        p1[0] = 0x02;
        assert_int_equal(crypto_suite_key_from_point(suite, p1, 65, &bad), AW_ERR_SUITE_KEY);
        p1[0] = 0x04;
        p1[64] ^= 0x01;
        assert_int_equal(crypto_suite_key_from_point(suite, p1, 65, &bad), AW_ERR_SUITE_KEY);
        assert_null(bad);

        crypto_suite_pem_free(priv_pem, priv_len);
        crypto_suite_pem_free(pub_pem, pub_len);
        crypto_suite_key_free(key);
        crypto_suite_key_free(priv);
        crypto_suite_key_free(pub);
        crypto_suite_key_free(from_point);
    }
    crypto_suite_pem_free(NULL, 0);
    crypto_suite_key_free(NULL);
}

/* Keys that belong to neither suite, encrypted PEM and size bounds. */
static void test_key_errors(void **state)
{
    (void)state;
    crypto_suite_key *key = NULL;
    /* Ed25519 and P-384 private keys (generated here) */
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    assert_non_null(ed);
    assert_non_null(p384);
    EVP_PKEY *keys[] = {ed, p384};
    for (size_t i = 0; i < 2; i++) {
        BIO *bio = BIO_new(BIO_s_mem());
        assert_int_equal(PEM_write_bio_PrivateKey(bio, keys[i], NULL, NULL, 0, NULL, NULL), 1);
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        for (size_t si = 0; si < 2; si++)
            assert_int_equal(crypto_suite_key_load_private_pem(suites[si], data, (size_t)n, &key),
                             AW_ERR_SUITE_KEY);
        BIO_free(bio);
        /* encrypted PEM is refused, never prompted for */
        bio = BIO_new(BIO_s_mem());
        assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, keys[i], EVP_aes_128_cbc(), NULL, 0,
                                                       NULL, (void *)"secret"),
                         1);
        n = BIO_get_mem_data(bio, &data);
        assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, data,
                                                           (size_t)n, &key),
                         AW_ERR_SUITE_KEY);
        BIO_free(bio);
        EVP_PKEY_free(keys[i]);
    }
    static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, garbage,
                                                       sizeof(garbage) - 1, &key),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, garbage, 0, &key),
                     AW_ERR_SUITE_KEY);
    char *huge = calloc(1, 64 * 1024 + 1);
    assert_non_null(huge);
    assert_int_equal(crypto_suite_key_load_public_pem(CRYPTO_SUITE_DOMESTIC, huge, 64 * 1024 + 1,
                                                      &key),
                     AW_ERR_SUITE_TOO_LARGE);
    free(huge);
    assert_int_equal(crypto_suite_key_load_public_pem((crypto_suite)0, garbage, 10, &key),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_key_load_public_pem(CRYPTO_SUITE_DOMESTIC, NULL, 10, &key),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_key_load_public_pem(CRYPTO_SUITE_DOMESTIC, garbage, 10, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_key_generate((crypto_suite)4, &key), AW_ERR_SUITE_UNKNOWN);
    assert_null(key);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_key_from_point((crypto_suite)0, NULL, 0, &key),
                     AW_ERR_SUITE_UNKNOWN);
    /* a valid SM2 point is not a P-256 point (and the reverse) */
    crypto_suite_key *sm2 = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &sm2), AW_OK);
    uint8_t point[65];
    assert_int_equal(crypto_suite_key_export_point(sm2, point), AW_OK);
    assert_int_equal(crypto_suite_key_from_point(CRYPTO_SUITE_INTERNATIONAL, point, 65, &key),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_key_export_point(NULL, point), AW_ERR_ARGUMENT);
    char *pem = NULL;
    size_t pem_len = 0;
    assert_int_equal(crypto_suite_key_export_public_pem(NULL, &pem, &pem_len), AW_ERR_ARGUMENT);
    uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t n = 0;
    assert_int_equal(crypto_suite_sign(NULL, point, 1, sig, sizeof(sig), &n), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_sign(sm2, NULL, 1, sig, sizeof(sig), &n), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_verify(NULL, point, 1, sig, 8), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_verify(sm2, point, 1, NULL, 8), AW_ERR_ARGUMENT);
    crypto_suite_key_free(sm2);
}

/* Strict DER: every malformed encoding is AW_ERR_SIGNATURE_FORMAT. */
static void test_signature_encoding(void **state)
{
    (void)state;
    crypto_suite_key *key = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &key), AW_OK);
    static const char *const malformed[] = {
        "",
        "3006020101020101ff",                 /* trailing byte */
        "3007020101020101ff",                 /* trailing byte inside the SEQUENCE */
        "3007020101020201",                   /* truncated */
        "30060201010201",                     /* second INTEGER truncated */
        "3003020101",                         /* one INTEGER */
        "3009020101020101020101",             /* three INTEGERs */
        "300702020001020101",                 /* non-minimal INTEGER */
        "3006020100020101",                   /* r = 0 */
        "30060201ff020101",                   /* r negative */
        "318006020101020101",                 /* SET, indefinite */
        "3106020101020101",                   /* SET */
        "30820006020101020101",               /* non-minimal length */
        "3006040101020101",                   /* OCTET STRING */
    };
    uint8_t raw[64];
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        uint8_t buf[80];
        size_t len = 0;
        if (malformed[i][0] != '\0')
            assert_int_equal(aw_hex_decode(malformed[i], buf, sizeof(buf), &len), AW_OK);
        assert_int_equal(crypto_suite_signature_to_raw(CRYPTO_SUITE_DOMESTIC, buf, len, raw),
                         AW_ERR_SIGNATURE_FORMAT);
        assert_int_equal(crypto_suite_verify(key, buf, 1, buf, len), AW_ERR_SIGNATURE_FORMAT);
    }
    /* r or s equal to n, or 33-byte magnitudes, are out of range */
    size_t n_len;
    uint8_t *n = test_hex(SM2_N, &n_len);
    uint8_t in_range[64];
    memset(in_range, 0x11, sizeof(in_range));
    memcpy(raw, n, 32);
    memcpy(raw + 32, in_range, 32);
    uint8_t der[CRYPTO_SUITE_SIGNATURE_MAX + 8];
    size_t der_len = 0;
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, raw, der, sizeof(der),
                                                     &der_len),
                     AW_ERR_SIGNATURE_FORMAT);
    /* P-256's n (FIPS 186-4 D.1.2.3) likewise for the international suite */
    uint8_t *p256_n = test_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
                               &n_len);
    memcpy(raw + 32, p256_n, 32);
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_INTERNATIONAL, in_range, der,
                                                     sizeof(der), &der_len),
                     AW_OK);
    memcpy(raw, in_range, 32);
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_INTERNATIONAL, raw, der,
                                                     sizeof(der), &der_len),
                     AW_ERR_SIGNATURE_FORMAT);
    free(p256_n);
    memset(raw, 0, 32);
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, raw, der, sizeof(der),
                                                     &der_len),
                     AW_ERR_SIGNATURE_FORMAT);
    /* hand-built DER with r = n */
    uint8_t with_n[72] = {0x30, 0x45, 0x02, 0x21, 0x00};
    memcpy(with_n + 5, n, 32);
    with_n[37] = 0x02;
    with_n[38] = 0x20;
    memcpy(with_n + 39, in_range, 32);
    assert_int_equal(crypto_suite_signature_to_raw(CRYPTO_SUITE_DOMESTIC, with_n, 71, raw),
                     AW_ERR_SIGNATURE_FORMAT);
    free(n);
    /* small output, unknown suite, arguments */
    memset(raw, 0x11, sizeof(raw));
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, raw, der, 10,
                                                     &der_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(der_len, 0);
    assert_int_equal(crypto_suite_signature_from_raw((crypto_suite)0, raw, der, sizeof(der),
                                                     &der_len),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_signature_to_raw((crypto_suite)0, der, 8, raw),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_signature_to_raw(CRYPTO_SUITE_DOMESTIC, NULL, 8, raw),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, raw, NULL, 80,
                                                     &der_len),
                     AW_ERR_ARGUMENT);
    uint8_t big[CRYPTO_SUITE_SIGNATURE_MAX + 1] = {0x30};
    assert_int_equal(crypto_suite_signature_to_raw(CRYPTO_SUITE_DOMESTIC, big, sizeof(big), raw),
                     AW_ERR_SIGNATURE_FORMAT);
    crypto_suite_key_free(key);
}

/* ---- openssl CLI cross-check ----------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void run_ok(const char *cmd)
{
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("command failed: %s\n", cmd);
    assert_non_null(out);
    free(out);
}

/* Keys made by the openssl CLI load; our signatures verify with openssl dgst
 * (with -sigopt distid for SM2) and its signatures verify with ours. Note:
 * OpenSSL 3.0's SM2 does not default to "1234567812345678": without distid
 * it signs with another Z, so the ID must always be set explicitly. */
static void test_openssl_cli(void **state)
{
    (void)state;
    char *version = crosscheck_shell("openssl version 2>/dev/null");
    if (version == NULL) {
        printf("crosscheck: the openssl command is not available\n");
        skip();
    }
    free(version);
    char dir[] = "/tmp/aw_suite_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[2048], path[1024];
    static const char *const genkey[] = {
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem",
        "openssl genpkey -algorithm SM2 -out k.pem",
    };
    static const char *const digest[] = {"-sha256", "-sm3"};
    static const char *const ids[] = {NULL, "1234567812345678", "ops@airwrite.example"};
    uint8_t msg[333];
    assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
    snprintf(path, sizeof(path), "%s/msg", dir);
    write_file(path, msg, sizeof(msg));

    for (size_t si = 0; si < 2; si++) {
        snprintf(cmd, sizeof(cmd), "cd %s && %s 2>&1 && openssl pkey -in k.pem -pubout -out p.pem",
                 dir, genkey[si]);
        run_ok(cmd);
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/k.pem", dir);
        uint8_t *pem = test_read_file(path, &len);
        assert_non_null(pem);
        crypto_suite_key *key = NULL, *pub = NULL;
        assert_int_equal(crypto_suite_key_load_private_pem(suites[si], (const char *)pem, len,
                                                           &key),
                         AW_OK);
        free(pem);
        snprintf(path, sizeof(path), "%s/p.pem", dir);
        pem = test_read_file(path, &len);
        assert_non_null(pem);
        assert_int_equal(crypto_suite_key_load_public_pem(suites[si], (const char *)pem, len,
                                                          &pub),
                         AW_OK);
        free(pem);

        for (size_t ii = 0; ii < 3; ii++) {
            if (si == 0 && ii > 0)
                break;
            const char *id = ids[ii];
            char sigopt[128] = "";
            if (si == 1)
                snprintf(sigopt, sizeof(sigopt), "-sigopt distid:%s",
                         id != NULL ? id : CRYPTO_SUITE_SM2_DEFAULT_ID);
            /* ours signs, openssl verifies */
            uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
            size_t n = 0;
            if (id != NULL)
                assert_int_equal(crypto_suite_sign_with_id(key, (const uint8_t *)id, strlen(id),
                                                           msg, sizeof(msg), sig, sizeof(sig),
                                                           &n),
                                 AW_OK);
            else
                assert_int_equal(crypto_suite_sign(key, msg, sizeof(msg), sig, sizeof(sig), &n),
                                 AW_OK);
            snprintf(path, sizeof(path), "%s/ours.sig", dir);
            write_file(path, sig, n);
            snprintf(cmd, sizeof(cmd),
                     "cd %s && openssl dgst %s -verify p.pem %s -signature ours.sig msg 2>&1", dir,
                     digest[si], sigopt);
            run_ok(cmd);
            /* openssl signs, ours verifies */
            snprintf(cmd, sizeof(cmd),
                     "cd %s && openssl dgst %s -sign k.pem %s -out theirs.sig msg 2>&1", dir,
                     digest[si], sigopt);
            run_ok(cmd);
            snprintf(path, sizeof(path), "%s/theirs.sig", dir);
            uint8_t *theirs = test_read_file(path, &len);
            assert_non_null(theirs);
            if (id != NULL)
                assert_int_equal(crypto_suite_verify_with_id(pub, (const uint8_t *)id, strlen(id),
                                                             msg, sizeof(msg), theirs, len),
                                 AW_OK);
            else
                assert_int_equal(crypto_suite_verify(pub, msg, sizeof(msg), theirs, len), AW_OK);
            msg[0] ^= 1;
            assert_int_equal(crypto_suite_verify(pub, msg, sizeof(msg), theirs, len),
                             AW_ERR_SIGNATURE);
            msg[0] ^= 1;
            free(theirs);
        }
        crypto_suite_key_free(key);
        crypto_suite_key_free(pub);
    }
    /* An SM2 key from "openssl ecparam -name SM2 -genkey" (SEC 1 PEM with the
     * SM2 curve) loads as a domestic key too. */
    snprintf(cmd, sizeof(cmd), "cd %s && openssl ecparam -name SM2 -genkey -noout -out e.pem 2>&1",
             dir);
    run_ok(cmd);
    snprintf(path, sizeof(path), "%s/e.pem", dir);
    size_t len = 0;
    uint8_t *pem = test_read_file(path, &len);
    assert_non_null(pem);
    crypto_suite_key *key = NULL;
    assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, (const char *)pem,
                                                       len, &key),
                     AW_OK);
    crypto_suite_key_free(key);
    free(pem);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    run_ok(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gmt_0003_example),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_distinguishing_id),
        cmocka_unit_test(test_keys_pem_and_points),
        cmocka_unit_test(test_key_errors),
        cmocka_unit_test(test_signature_encoding),
        cmocka_unit_test(test_openssl_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
