/* Tests for the crypto suite's selection, hash and HMAC
 * (src/core/crypto_suite.c): what this OpenSSL build supports, published
 * known answers for SHA-256 / SM3 / SM4 / HMAC-SHA256 / HMAC-SM3, and every
 * error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "testutil.h"

#include "core/crypto_suite.h"
#include "core/crypto_suite_internal.h"

static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};

/* ---- Suite selection and what OpenSSL offers ------------------------------ */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(crypto_suite_name(CRYPTO_SUITE_INTERNATIONAL), "international");
    assert_string_equal(crypto_suite_name(CRYPTO_SUITE_DOMESTIC), "domestic");
    assert_null(crypto_suite_name((crypto_suite)0));
    assert_null(crypto_suite_name((crypto_suite)3));

    crypto_suite s = 0;
    assert_int_equal(crypto_suite_parse("international", &s), AW_OK);
    assert_int_equal(s, CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(crypto_suite_parse("domestic", &s), AW_OK);
    assert_int_equal(s, CRYPTO_SUITE_DOMESTIC);
    static const char *const bad[] = {"", "Domestic", "domestic ", "intl", "sm", "gm"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = CRYPTO_SUITE_DOMESTIC;
        assert_int_equal(crypto_suite_parse(bad[i], &s), AW_ERR_SUITE_UNKNOWN);
        assert_int_equal(s, 0);
    }
    assert_int_equal(crypto_suite_parse(NULL, &s), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_parse("domestic", NULL), AW_ERR_ARGUMENT);
}

/* States what the Debian OpenSSL build (3.0.x) offers: SM2, SM3, SM4-ECB/CTR
 * yes; SM4-GCM no (added to OpenSSL's default provider after 3.0), so the
 * domestic AEAD uses the composed GCM. The test adapts if a later OpenSSL
 * has SM4-GCM, and prints what it found either way. */
static void test_openssl_support(void **state)
{
    (void)state;
    printf("OpenSSL: %s\n", OpenSSL_version(OPENSSL_VERSION));
    for (size_t i = 0; i < 2; i++) {
        crypto_suite_support sup;
        assert_int_equal(crypto_suite_query(suites[i], &sup), AW_OK);
        printf("%-13s hash %s, hmac %s, signature %s, cipher %s, GCM %s\n",
               crypto_suite_name(suites[i]), sup.hash ? "yes" : "no", sup.hmac ? "yes" : "no",
               sup.signature ? "yes" : "no", sup.cipher ? "yes" : "no",
               sup.gcm_native ? "from OpenSSL" : "composed (SM4-ECB + SM4-CTR + GHASH)");
        assert_true(sup.hash && sup.hmac && sup.signature && sup.cipher);
    }
    crypto_suite_support sup;
    assert_int_equal(crypto_suite_query(CRYPTO_SUITE_INTERNATIONAL, &sup), AW_OK);
    assert_true(sup.gcm_native);
    /* The suite's algorithms agree with what a direct fetch finds. */
    EVP_CIPHER *sm4_gcm = EVP_CIPHER_fetch(NULL, "SM4-GCM", NULL);
    assert_int_equal(crypto_suite_query(CRYPTO_SUITE_DOMESTIC, &sup), AW_OK);
    assert_int_equal(sup.gcm_native, sm4_gcm != NULL);
    const crypto_suite_algorithms *alg = crypto_suite_algorithms_of(CRYPTO_SUITE_DOMESTIC);
    assert_non_null(alg);
    assert_int_equal(alg->gcm != NULL, sm4_gcm != NULL);
    EVP_CIPHER_free(sm4_gcm);
    if (OPENSSL_VERSION_MAJOR == 3 && OPENSSL_VERSION_MINOR == 0)
        assert_false(sup.gcm_native); /* OpenSSL 3.0 has no SM4-GCM */

    assert_int_equal(crypto_suite_query((crypto_suite)7, &sup), AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_query(CRYPTO_SUITE_DOMESTIC, NULL), AW_ERR_ARGUMENT);
    assert_null(crypto_suite_algorithms_of((crypto_suite)0));
}

/* A library context with only the base provider has no digests, ciphers or
 * signatures: both suites report AW_ERR_SUITE_UNAVAILABLE. */
static void test_unavailable(void **state)
{
    (void)state;
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    assert_non_null(libctx);
    OSSL_PROVIDER *base = OSSL_PROVIDER_load(libctx, "base");
    assert_non_null(base);
    for (size_t i = 0; i < 2; i++) {
        crypto_suite_support sup;
        assert_int_equal(crypto_suite_probe(libctx, suites[i], &sup), AW_ERR_SUITE_UNAVAILABLE);
        assert_false(sup.hash);
        assert_false(sup.cipher);
        assert_false(sup.signature);
    }
    OSSL_PROVIDER_unload(base);
    OSSL_LIB_CTX_free(libctx);
}

/* ---- Hash ----------------------------------------------------------------- */

static void hash_is(crypto_suite suite, const uint8_t *data, size_t len, const char *hex)
{
    uint8_t d[CRYPTO_SUITE_HASH_SIZE];
    assert_int_equal(crypto_suite_hash(suite, data, len, d), AW_OK);
    test_assert_hex(d, sizeof(d), hex);
    /* incremental, in uneven pieces, gives the same */
    crypto_suite_hash_ctx *ctx = NULL;
    assert_int_equal(crypto_suite_hash_new(suite, &ctx), AW_OK);
    for (size_t off = 0, step = 1; off < len; off += step, step = step * 2 + 1)
        assert_int_equal(crypto_suite_hash_update(ctx, data + off,
                                                  step < len - off ? step : len - off),
                         AW_OK);
    assert_int_equal(crypto_suite_hash_update(ctx, NULL, 0), AW_OK);
    assert_int_equal(crypto_suite_hash_final(ctx, d), AW_OK);
    test_assert_hex(d, sizeof(d), hex);
    crypto_suite_hash_free(ctx);
}

static void test_hash_vectors(void **state)
{
    (void)state;
    static const uint8_t abc[] = "abc";
    uint8_t abcd16[64];
    for (size_t i = 0; i < 64; i++)
        abcd16[i] = (uint8_t)"abcd"[i % 4];
    /* FIPS 180-2 appendix B.1 / B.2 */
    hash_is(CRYPTO_SUITE_INTERNATIONAL, abc, 3,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hash_is(CRYPTO_SUITE_INTERNATIONAL, (const uint8_t *)"", 0,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* GB/T 32905-2016 appendix A.1 ("abc") and A.2 ("abcd" x 16) */
    hash_is(CRYPTO_SUITE_DOMESTIC, abc, 3,
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    hash_is(CRYPTO_SUITE_DOMESTIC, abcd16, sizeof(abcd16),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    hash_is(CRYPTO_SUITE_DOMESTIC, NULL, 0,
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

static void test_hash_errors(void **state)
{
    (void)state;
    uint8_t d[CRYPTO_SUITE_HASH_SIZE];
    memset(d, 0xAA, sizeof(d));
    assert_int_equal(crypto_suite_hash((crypto_suite)0, (const uint8_t *)"x", 1, d),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(d[0], 0);
    assert_int_equal(crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, NULL, 1, d), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, (const uint8_t *)"x", 1, NULL),
                     AW_ERR_ARGUMENT);
    crypto_suite_hash_ctx *ctx = (crypto_suite_hash_ctx *)d;
    assert_int_equal(crypto_suite_hash_new((crypto_suite)3, &ctx), AW_ERR_SUITE_UNKNOWN);
    assert_null(ctx);
    assert_int_equal(crypto_suite_hash_new(CRYPTO_SUITE_DOMESTIC, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hash_new(CRYPTO_SUITE_DOMESTIC, &ctx), AW_OK);
    assert_int_equal(crypto_suite_hash_update(ctx, NULL, 5), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hash_update(NULL, d, 1), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hash_final(ctx, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hash_final(ctx, d), AW_OK);
    /* a finished context refuses more */
    assert_int_equal(crypto_suite_hash_update(ctx, d, 1), AW_ERR_STATE);
    assert_int_equal(crypto_suite_hash_final(ctx, d), AW_ERR_STATE);
    crypto_suite_hash_free(ctx);
    crypto_suite_hash_free(NULL);
}

/* ---- HMAC ----------------------------------------------------------------- */

struct hmac_vector {
    crypto_suite suite;
    const char *key_hex;
    const char *data;     /* text, or NULL when data_hex is used */
    const char *data_hex;
    const char *mac_hex;
};

static const struct hmac_vector hmac_vectors[] = {
    /* RFC 4231 4.2 (test case 1) and 4.3 (test case 2) */
    {CRYPTO_SUITE_INTERNATIONAL, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {CRYPTO_SUITE_INTERNATIONAL, "4a656665", "what do ya want for nothing?", NULL,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    /* GM/T 0042-2015 appendix D.3 (HMAC-SM3), vectors 1 to 4 */
    {CRYPTO_SUITE_DOMESTIC, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     NULL, "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"},
    {CRYPTO_SUITE_DOMESTIC,
     "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425", NULL,
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"},
    {CRYPTO_SUITE_DOMESTIC, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
     "Hi There", NULL, "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"},
    {CRYPTO_SUITE_DOMESTIC, "4a656665", "what do ya want for nothing?", NULL,
     "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"},
};

static void test_hmac_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hmac_vectors) / sizeof(hmac_vectors[0]); i++) {
        const struct hmac_vector *v = &hmac_vectors[i];
        size_t key_len, data_len, mac_len;
        uint8_t *key = test_hex(v->key_hex, &key_len);
        uint8_t *data = v->data != NULL ? (uint8_t *)strdup(v->data) : test_hex(v->data_hex,
                                                                                 &data_len);
        if (v->data != NULL)
            data_len = strlen(v->data);
        uint8_t *want = test_hex(v->mac_hex, &mac_len);

        uint8_t mac[CRYPTO_SUITE_MAC_SIZE];
        assert_int_equal(crypto_suite_hmac(v->suite, key, key_len, data, data_len, mac), AW_OK);
        test_assert_hex(mac, sizeof(mac), v->mac_hex);
        assert_int_equal(crypto_suite_hmac_verify(v->suite, key, key_len, data, data_len, want,
                                                  mac_len),
                         AW_OK);
        /* incremental, byte by byte */
        crypto_suite_hmac_ctx *ctx = NULL;
        assert_int_equal(crypto_suite_hmac_new(v->suite, key, key_len, &ctx), AW_OK);
        for (size_t j = 0; j < data_len; j++)
            assert_int_equal(crypto_suite_hmac_update(ctx, data + j, 1), AW_OK);
        assert_int_equal(crypto_suite_hmac_final_verify(ctx, want, mac_len), AW_OK);
        crypto_suite_hmac_free(ctx);

        /* any changed bit, a truncated MAC or changed data fail */
        for (size_t bit = 0; bit < 8 * mac_len; bit += 37) {
            want[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(crypto_suite_hmac_verify(v->suite, key, key_len, data, data_len,
                                                      want, mac_len),
                             AW_ERR_MAC);
            want[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        assert_int_equal(crypto_suite_hmac_verify(v->suite, key, key_len, data, data_len, want,
                                                  mac_len - 1),
                         AW_ERR_MAC);
        assert_int_equal(crypto_suite_hmac_verify(v->suite, key, key_len, data, data_len - 1,
                                                  want, mac_len),
                         AW_ERR_MAC);
        /* the other suite's HMAC differs */
        crypto_suite other = v->suite == CRYPTO_SUITE_DOMESTIC ? CRYPTO_SUITE_INTERNATIONAL
                                                               : CRYPTO_SUITE_DOMESTIC;
        assert_int_equal(crypto_suite_hmac_verify(other, key, key_len, data, data_len, want,
                                                  mac_len),
                         AW_ERR_MAC);
        free(key);
        free(data);
        free(want);
    }
}

static void test_hmac_errors(void **state)
{
    (void)state;
    uint8_t key[CRYPTO_SUITE_HMAC_KEY_MAX + 1];
    memset(key, 0x42, sizeof(key));
    uint8_t mac[CRYPTO_SUITE_MAC_SIZE];
    /* keys of 1..4096 bytes */
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, 0, key, 1, mac),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, sizeof(key), key, 1, mac),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, sizeof(key) - 1, key, 1, mac),
                     AW_OK);
    assert_int_equal(crypto_suite_hmac((crypto_suite)9, key, 16, key, 1, mac),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, NULL, 16, key, 1, mac),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, 16, NULL, 1, mac),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, 16, key, 1, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac_verify(CRYPTO_SUITE_DOMESTIC, key, 16, key, 1, NULL, 32),
                     AW_ERR_ARGUMENT);
    crypto_suite_hmac_ctx *ctx = (crypto_suite_hmac_ctx *)mac;
    assert_int_equal(crypto_suite_hmac_new(CRYPTO_SUITE_INTERNATIONAL, key, 0, &ctx),
                     AW_ERR_SUITE_KEY);
    assert_null(ctx);
    assert_int_equal(crypto_suite_hmac_new(CRYPTO_SUITE_INTERNATIONAL, key, 16, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac_new(CRYPTO_SUITE_INTERNATIONAL, key, 16, &ctx), AW_OK);
    assert_int_equal(crypto_suite_hmac_update(ctx, NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac_final(ctx, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_hmac_final(ctx, mac), AW_OK);
    assert_int_equal(crypto_suite_hmac_update(ctx, key, 1), AW_ERR_STATE);
    assert_int_equal(crypto_suite_hmac_final(ctx, mac), AW_ERR_STATE);
    assert_int_equal(crypto_suite_hmac_final_verify(ctx, mac, sizeof(mac)), AW_ERR_STATE);
    assert_int_equal(crypto_suite_hmac_final_verify(NULL, mac, sizeof(mac)), AW_ERR_ARGUMENT);
    crypto_suite_hmac_free(ctx);
    crypto_suite_hmac_free(NULL);
}

/* ---- SM4 block cipher (the primitive under the domestic AEAD) ------------- */

static void sm4_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16], int enc,
                    unsigned rounds)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
    uint8_t block[16];
    memcpy(block, in, 16);
    for (unsigned i = 0; i < rounds; i++) {
        int n = 0;
        assert_int_equal(EVP_CipherUpdate(ctx, block, &n, block, 16), 1);
    }
    memcpy(out, block, 16);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

/* GB/T 32907-2016 appendix A: example 1 (one encryption) and example 2
 * (1,000,000 encryptions of the result under the same key; about 0.2 s). */
static void test_sm4_vectors(void **state)
{
    (void)state;
    size_t len;
    uint8_t *k = test_hex("0123456789abcdeffedcba9876543210", &len);
    uint8_t out[16], back[16];
    sm4_ecb(k, k, out, 1, 1);
    test_assert_hex(out, 16, "681edf34d206965e86b3e94f536e4246");
    sm4_ecb(k, out, back, 0, 1);
    assert_memory_equal(back, k, 16);
    sm4_ecb(k, k, out, 1, 1000000);
    test_assert_hex(out, 16, "595298c7c6fd271f0402f804c33d3f66");
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_openssl_support),
        cmocka_unit_test(test_unavailable),
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_hash_errors),
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_hmac_errors),
        cmocka_unit_test(test_sm4_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
