/* Tests for the crypto suite's AEAD (src/core/crypto_suite_aead.c,
 * crypto_suite_gcm.c): SM4-GCM known answers from RFC 8998 appendix A.1 and
 * C2SP Wycheproof sm4_gcm_test.json through the composed GCM; the composed
 * GCM run with AES against OpenSSL's own AES-GCM on random inputs; the
 * sealed format (layout, round trips, every bit flip and truncation
 * rejected) and every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "testutil.h"

#include "core/crypto_suite.h"
#include "core/crypto_suite_internal.h"

static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};

static void random_bytes(uint8_t *p, size_t n)
{
    if (n > 0)
        assert_int_equal(RAND_bytes(p, (int)n), 1);
}

/* ---- SM4-GCM known answers ------------------------------------------------ */

struct gcm_vector {
    const char *source, *key, *iv, *aad, *pt, *ct, *tag;
};

static const struct gcm_vector sm4_gcm_vectors[] = {
    {"RFC 8998 A.1", "0123456789abcdeffedcba9876543210", "00001234567800000000abcd",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
     "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa",
     "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
     "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
     "83de3541e4c2b58177e065a9bf7b62ec"},
    /* Wycheproof sm4_gcm_test.json tcId 2, 3, 5, 9, 12 */
    {"Wycheproof 2", "bedcfb5a011ebc84600fcb296c15af0d", "438a547a94ea88dce46c6c85", "", "", "",
     "a486a45596cb92cf529de2038583707d"},
    {"Wycheproof 3", "384ea416ac3c2f51a76e7d8226346d4e", "b30c084727ad1c592ac21d12", "", "35",
     "a3", "a06f50a378b116e9dd2363a6e8babd88"},
    {"Wycheproof 5", "dd6197cd63c963919cf0c273ef6b28bf", "ecb0c42f7000ef0e6f95f24d", "",
     "4dcc1485365866e25ac3f2ca6aba97", "8903a5225332b06e89bc1ad13e4406",
     "41feccc33a5a27fab0883a11e4ba3b71"},
    {"Wycheproof 9", "28ff3def08179311e2734c6d1c4e2871", "32bcb9b569e3b852d37c766a", "c3",
     "dfc61a20df8505b53e3cd59f25770d5018add3d6", "cd6419e4b259e55f460f88763ed7229331ed11a0",
     "e156c8364e952357442b9a372ebc2f1f"},
    {"Wycheproof 12", "6a68671dfe323d419894381f85eb63fd", "9f0d85b605711f34cd2a35ba",
     "76eb5f147250fa3c12bff0a6e3934a0b16860cf11646773b",
     "0fc67899c3f1bbe196d90f1eca3797389230aa37", "e2ceb4ed26cad57080e1bf3104f3251c486395d6",
     "00468fce2225bfea9b46679889cd1241"},
};

static uint8_t *hex_or_empty(const char *hex, size_t *len)
{
    if (hex[0] == '\0') {
        *len = 0;
        uint8_t *p = malloc(1);
        assert_non_null(p);
        return p;
    }
    return test_hex(hex, len);
}

static void test_sm4_gcm_vectors(void **state)
{
    (void)state;
    EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    EVP_CIPHER *ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    EVP_CIPHER *native = EVP_CIPHER_fetch(NULL, "SM4-GCM", NULL);
    assert_non_null(ecb);
    assert_non_null(ctr);
    printf("SM4-GCM vectors through the composed GCM%s\n",
           native != NULL ? " and OpenSSL's SM4-GCM" : " (OpenSSL has no SM4-GCM)");
    for (size_t i = 0; i < sizeof(sm4_gcm_vectors) / sizeof(sm4_gcm_vectors[0]); i++) {
        const struct gcm_vector *v = &sm4_gcm_vectors[i];
        size_t key_len, iv_len, aad_len, pt_len, ct_len, tag_len;
        uint8_t *key = test_hex(v->key, &key_len);
        uint8_t *iv = test_hex(v->iv, &iv_len);
        uint8_t *aad = hex_or_empty(v->aad, &aad_len);
        uint8_t *pt = hex_or_empty(v->pt, &pt_len);
        uint8_t *ct = hex_or_empty(v->ct, &ct_len);
        uint8_t *tag = test_hex(v->tag, &tag_len);
        uint8_t out[128], back[128], got_tag[16];
        assert_true(pt_len <= sizeof(out));

        /* the AAD split at every position gives the same tag */
        for (size_t split = 0; split <= aad_len; split++) {
            assert_int_equal(crypto_gcm_composed_seal(ecb, ctr, key, iv, aad, split, aad + split,
                                                      aad_len - split, pt, pt_len, out, got_tag),
                             AW_OK);
            assert_memory_equal(out, ct, ct_len);
            assert_memory_equal(got_tag, tag, 16);
        }
        assert_int_equal(crypto_gcm_composed_open(ecb, ctr, key, iv, aad, aad_len, NULL, 0, ct,
                                                  ct_len, back, tag),
                         AW_OK);
        assert_memory_equal(back, pt, pt_len);
        /* a changed tag fails before anything is decrypted */
        tag[15] ^= 0x80;
        memset(back, 0xEE, sizeof(back));
        assert_int_equal(crypto_gcm_composed_open(ecb, ctr, key, iv, aad, aad_len, NULL, 0, ct,
                                                  ct_len, back, tag),
                         AW_ERR_SUITE_AUTHENTICATION);
        for (size_t j = 0; j < pt_len; j++)
            assert_int_equal(back[j], 0xEE);
        tag[15] ^= 0x80;

        if (native != NULL) {
            EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
            int n = 0;
            assert_int_equal(EVP_EncryptInit_ex2(ctx, native, key, iv, NULL), 1);
            assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
            assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, pt, (int)pt_len), 1);
            assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &n), 1);
            assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, got_tag), 1);
            assert_memory_equal(out, ct, ct_len);
            assert_memory_equal(got_tag, tag, 16);
            EVP_CIPHER_CTX_free(ctx);
        }
        free(key);
        free(iv);
        free(aad);
        free(pt);
        free(ct);
        free(tag);
    }
    EVP_CIPHER_free(ecb);
    EVP_CIPHER_free(ctr);
    EVP_CIPHER_free(native);
}

/* The composed GCM with AES-128/AES-256 equals OpenSSL's AES-GCM on random
 * keys, IVs, AAD and plaintexts of many lengths: an independent check of the
 * GHASH, counter and length-block logic that SM4-GCM shares. */
static void test_composed_gcm_equals_openssl(void **state)
{
    (void)state;
    static const char *const names[][3] = {{"AES-128-ECB", "AES-128-CTR", "AES-128-GCM"},
                                           {"AES-256-ECB", "AES-256-CTR", "AES-256-GCM"}};
    static const size_t lengths[] = {0, 1, 15, 16, 17, 31, 32, 33, 100, 255, 256, 1000, 4099};
    for (size_t a = 0; a < 2; a++) {
        EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, names[a][0], NULL);
        EVP_CIPHER *ctr = EVP_CIPHER_fetch(NULL, names[a][1], NULL);
        EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, names[a][2], NULL);
        assert_non_null(ecb);
        assert_non_null(ctr);
        assert_non_null(gcm);
        for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
            size_t len = lengths[li];
            size_t aad_len = lengths[(li * 7 + 3) % (sizeof(lengths) / sizeof(lengths[0]))];
            uint8_t key[32], iv[12], tag1[16], tag2[16];
            uint8_t *aad = malloc(aad_len + 1), *pt = malloc(len + 1);
            uint8_t *c1 = malloc(len + 16), *c2 = malloc(len + 16), *back = malloc(len + 1);
            assert_true(aad && pt && c1 && c2 && back);
            random_bytes(key, sizeof(key));
            random_bytes(iv, sizeof(iv));
            random_bytes(aad, aad_len);
            random_bytes(pt, len);

            size_t split = aad_len / 3;
            assert_int_equal(crypto_gcm_composed_seal(ecb, ctr, key, iv, aad, split, aad + split,
                                                      aad_len - split, pt, len, c1, tag1),
                             AW_OK);
            EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
            int n = 0, m = 0;
            assert_int_equal(EVP_EncryptInit_ex2(ctx, gcm, key, iv, NULL), 1);
            if (aad_len > 0)
                assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
            n = 0;
            if (len > 0)
                assert_int_equal(EVP_EncryptUpdate(ctx, c2, &n, pt, (int)len), 1);
            assert_int_equal(EVP_EncryptFinal_ex(ctx, c2 + n, &m), 1);
            assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag2), 1);
            EVP_CIPHER_CTX_free(ctx);
            assert_memory_equal(c1, c2, len);
            assert_memory_equal(tag1, tag2, 16);
            assert_int_equal(crypto_gcm_composed_open(ecb, ctr, key, iv, aad, aad_len, NULL, 0,
                                                      c2, len, back, tag2),
                             AW_OK);
            assert_memory_equal(back, pt, len);
            free(aad);
            free(pt);
            free(c1);
            free(c2);
            free(back);
        }
        EVP_CIPHER_free(ecb);
        EVP_CIPHER_free(ctr);
        EVP_CIPHER_free(gcm);
    }
}

static void test_composed_gcm_errors(void **state)
{
    (void)state;
    EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    EVP_CIPHER *ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    EVP_CIPHER *cbc = EVP_CIPHER_fetch(NULL, "SM4-CBC", NULL);
    EVP_CIPHER *chacha = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
    uint8_t key[16] = {0}, iv[12] = {0}, buf[32] = {0}, tag[16];
    assert_int_equal(crypto_gcm_composed_seal(NULL, ctr, key, iv, NULL, 0, NULL, 0, buf, 16,
                                              buf, tag),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_gcm_composed_seal(ecb, ctr, key, iv, NULL, 5, NULL, 0, buf, 16, buf,
                                              tag),
                     AW_ERR_ARGUMENT);
    /* a stream cipher as "ECB" is refused (block size 1) */
    if (chacha != NULL)
        assert_int_equal(crypto_gcm_composed_seal(chacha, ctr, key, iv, NULL, 0, NULL, 0, buf,
                                                  16, buf, tag),
                         AW_ERR_ARGUMENT);
    assert_int_equal(crypto_gcm_composed_open(ecb, ctr, key, iv, NULL, 0, NULL, 0, buf,
                                              (size_t)CRYPTO_SUITE_SEAL_MAX + 1, buf, tag),
                     AW_ERR_SUITE_TOO_LARGE);
    assert_int_equal(crypto_gcm_composed_seal(ecb, ctr, key, iv, NULL, 0, NULL, 0, buf,
                                              (size_t)CRYPTO_SUITE_SEAL_MAX + 1, buf, tag),
                     AW_ERR_SUITE_TOO_LARGE);
    /* OpenSSL failing underneath is AW_ERR_CRYPTO: SM4-CBC where CTR
     * belongs refuses a 5-byte partial block. */
    assert_non_null(cbc);
    assert_int_equal(crypto_gcm_composed_seal(ecb, cbc, key, iv, NULL, 0, NULL, 0, buf, 5, buf,
                                              tag),
                     AW_ERR_CRYPTO);
    EVP_CIPHER_free(ecb);
    EVP_CIPHER_free(ctr);
    EVP_CIPHER_free(cbc);
    EVP_CIPHER_free(chacha);
}

/* ---- Sealed format ---------------------------------------------------------- */

static void fixed_key(crypto_suite suite, uint8_t key[32])
{
    for (size_t i = 0; i < 32; i++)
        key[i] = (uint8_t)(0xA0 + i + (size_t)suite);
}

static void test_seal_round_trip(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 15, 16, 17, 64, 1000, 70000};
    for (size_t si = 0; si < 2; si++) {
        crypto_suite suite = suites[si];
        uint8_t key[32];
        fixed_key(suite, key);
        size_t key_len = crypto_suite_aead_key_size(suite);
        for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
            size_t len = lengths[li];
            uint8_t *pt = malloc(len + 1), *sealed = malloc(len + 64), *sealed2 = malloc(len + 64);
            uint8_t *back = malloc(len + 1);
            assert_true(pt && sealed && sealed2 && back);
            random_bytes(pt, len);
            static const uint8_t ad[] = "iccid=8949000000000000001";
            size_t n = 0, n2 = 0, m = 0;
            uint32_t key_id = 0x01020304u + (uint32_t)li;
            assert_int_equal(crypto_suite_seal(suite, key_id, key, key_len, ad, sizeof(ad), pt,
                                               len, sealed, len + 64, &n),
                             AW_OK);
            assert_int_equal(n, len + CRYPTO_SUITE_SEALED_OVERHEAD);
            /* layout: version, suite, key id big-endian, then nonce */
            assert_int_equal(sealed[0], 1);
            assert_int_equal(sealed[1], suite);
            assert_int_equal(sealed[2], 0x01);
            assert_int_equal(sealed[3], 0x02);
            assert_int_equal(sealed[4], 0x03);
            assert_int_equal(sealed[5], 0x04 + li);
            crypto_suite s = 0;
            uint32_t id = 0;
            assert_int_equal(crypto_suite_sealed_inspect(sealed, n, &s, &id), AW_OK);
            assert_int_equal(s, suite);
            assert_int_equal(id, key_id);
            /* a second seal uses a fresh nonce */
            assert_int_equal(crypto_suite_seal(suite, key_id, key, key_len, ad, sizeof(ad), pt,
                                               len, sealed2, len + 64, &n2),
                             AW_OK);
            assert_memory_not_equal(sealed + 6, sealed2 + 6, CRYPTO_SUITE_NONCE_SIZE);
            assert_int_equal(crypto_suite_open(suite, key_id, key, key_len, ad, sizeof(ad),
                                               sealed, n, back, len, &m),
                             AW_OK);
            assert_int_equal(m, len);
            assert_memory_equal(back, pt, len);
            /* other associated data, or none, fails */
            assert_int_equal(crypto_suite_open(suite, key_id, key, key_len, ad, sizeof(ad) - 1,
                                               sealed, n, back, len, &m),
                             AW_ERR_SUITE_AUTHENTICATION);
            assert_int_equal(crypto_suite_open(suite, key_id, key, key_len, NULL, 0, sealed, n,
                                               back, len, &m),
                             AW_ERR_SUITE_AUTHENTICATION);
            assert_int_equal(m, 0);
            /* another key of the same id fails */
            key[0] ^= 1;
            assert_int_equal(crypto_suite_open(suite, key_id, key, key_len, ad, sizeof(ad),
                                               sealed, n, back, len, &m),
                             AW_ERR_SUITE_AUTHENTICATION);
            key[0] ^= 1;
            free(pt);
            free(sealed);
            free(sealed2);
            free(back);
        }
    }
}

/* The sealed bytes are GCM over AAD = header(6) || ad: the domestic
 * ciphertext equals RFC 8998 A.1's (CTR does not depend on AAD) and its tag
 * equals the composed GCM over the joined AAD; the international one
 * equals OpenSSL's AES-256-GCM computed here directly. */
static void test_sealed_known_answer(void **state)
{
    (void)state;
    const struct gcm_vector *v = &sm4_gcm_vectors[0];
    size_t key_len, iv_len, ad_len, pt_len, ct_len;
    uint8_t *key = test_hex(v->key, &key_len);
    uint8_t *iv = test_hex(v->iv, &iv_len);
    uint8_t *ad = test_hex(v->aad, &ad_len);
    uint8_t *pt = test_hex(v->pt, &pt_len);
    uint8_t *ct = test_hex(v->ct, &ct_len);
    uint8_t sealed[256];
    size_t n = 0;
    assert_int_equal(crypto_suite_seal_with_nonce(CRYPTO_SUITE_DOMESTIC, 0xCAFEF00Du, key, key_len,
                                                  iv, ad, ad_len, pt, pt_len, sealed,
                                                  sizeof(sealed), &n),
                     AW_OK);
    test_assert_hex(sealed, 18, "0102cafef00d00001234567800000000abcd");
    assert_memory_equal(sealed + 18, ct, ct_len);
    uint8_t joined[64], tag[16], out[128];
    memcpy(joined, sealed, 6);
    memcpy(joined + 6, ad, ad_len);
    EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    EVP_CIPHER *ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    assert_int_equal(crypto_gcm_composed_seal(ecb, ctr, key, iv, joined, 6 + ad_len, NULL, 0, pt,
                                              pt_len, out, tag),
                     AW_OK);
    assert_memory_equal(sealed + 18 + pt_len, tag, 16);
    EVP_CIPHER_free(ecb);
    EVP_CIPHER_free(ctr);

    uint8_t key32[32];
    fixed_key(CRYPTO_SUITE_INTERNATIONAL, key32);
    assert_int_equal(crypto_suite_seal_with_nonce(CRYPTO_SUITE_INTERNATIONAL, 7, key32, 32, iv,
                                                  ad, ad_len, pt, pt_len, sealed, sizeof(sealed),
                                                  &n),
                     AW_OK);
    test_assert_hex(sealed, 6, "010100000007");
    memcpy(joined, sealed, 6);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int k = 0;
    assert_int_equal(EVP_EncryptInit_ex2(ctx, EVP_aes_256_gcm(), key32, iv, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &k, joined, (int)(6 + ad_len)), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &k, pt, (int)pt_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + k, &k), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
    EVP_CIPHER_CTX_free(ctx);
    assert_memory_equal(sealed + 18, out, pt_len);
    assert_memory_equal(sealed + 18 + pt_len, tag, 16);
    free(key);
    free(iv);
    free(ad);
    free(pt);
    free(ct);
}

/* Every single-bit change, every truncation and any appended byte is
 * rejected, with the error that names the changed field. */
static void test_sealed_mutations(void **state)
{
    (void)state;
    for (size_t si = 0; si < 2; si++) {
        crypto_suite suite = suites[si];
        uint8_t key[32];
        fixed_key(suite, key);
        size_t key_len = crypto_suite_aead_key_size(suite);
        uint8_t pt[40], sealed[128], back[64];
        random_bytes(pt, sizeof(pt));
        static const uint8_t ad[] = {1, 2, 3};
        size_t n = 0, m = 0;
        assert_int_equal(crypto_suite_seal(suite, 77, key, key_len, ad, sizeof(ad), pt,
                                           sizeof(pt), sealed, sizeof(sealed), &n),
                         AW_OK);
        for (size_t bit = 0; bit < 8 * n; bit++) {
            sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            memset(back, 0xEE, sizeof(back));
            aw_err err = crypto_suite_open(suite, 77, key, key_len, ad, sizeof(ad), sealed, n,
                                           back, sizeof(back), &m);
            size_t byte = bit / 8;
            aw_err want = byte == 0   ? AW_ERR_SUITE_SEALED_VERSION
                          : byte == 1 ? ((sealed[1] == 1 || sealed[1] == 2)
                                             ? AW_ERR_SUITE_MISMATCH
                                             : AW_ERR_SUITE_SEALED_FORMAT)
                          : byte < 6  ? AW_ERR_SUITE_KEY_ID
                                      : AW_ERR_SUITE_AUTHENTICATION;
            if (err != want)
                print_error("bit %zu: %s, want %s\n", bit, aw_err_name(err), aw_err_name(want));
            assert_int_equal(err, want);
            assert_int_equal(m, 0);
            /* header faults touch nothing; a failed tag leaves zeros */
            for (size_t j = 0; j < sizeof(back); j++)
                assert_int_equal(back[j], want == AW_ERR_SUITE_AUTHENTICATION && j < sizeof(pt)
                                              ? 0x00
                                              : 0xEE);
            sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        for (size_t len = 0; len < n; len++) {
            aw_err err = crypto_suite_open(suite, 77, key, key_len, ad, sizeof(ad), sealed, len,
                                           back, sizeof(back), &m);
            assert_int_equal(err, len < CRYPTO_SUITE_SEALED_OVERHEAD
                                      ? AW_ERR_SUITE_SEALED_FORMAT
                                      : AW_ERR_SUITE_AUTHENTICATION);
        }
        sealed[n] = 0;
        assert_int_equal(crypto_suite_open(suite, 77, key, key_len, ad, sizeof(ad), sealed, n + 1,
                                           back, sizeof(back), &m),
                         AW_ERR_SUITE_AUTHENTICATION);
        assert_int_equal(crypto_suite_open(suite, 77, key, key_len, ad, sizeof(ad), sealed, n,
                                           back, sizeof(back), &m),
                         AW_OK);
        assert_memory_equal(back, pt, sizeof(pt));
    }
}

static void test_aead_errors(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, buf[128], out[128];
    size_t n = 99, m = 99;
    assert_int_equal(crypto_suite_aead_key_size(CRYPTO_SUITE_INTERNATIONAL), 32);
    assert_int_equal(crypto_suite_aead_key_size(CRYPTO_SUITE_DOMESTIC), 16);
    assert_int_equal(crypto_suite_aead_key_size((crypto_suite)0), 0);

    /* key of the wrong length for the suite */
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 32, NULL, 0, key, 4, buf,
                                       sizeof(buf), &n),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(n, 0);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_INTERNATIONAL, 1, key, 16, NULL, 0, key, 4,
                                       buf, sizeof(buf), &n),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_seal((crypto_suite)5, 1, key, 16, NULL, 0, key, 4, buf,
                                       sizeof(buf), &n),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 0, key, 4, buf,
                                       4 + CRYPTO_SUITE_SEALED_OVERHEAD - 1, &n),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 3, key, 4, buf,
                                       sizeof(buf), &n),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 0, NULL, 4, buf,
                                       sizeof(buf), &n),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 0, key, 4, NULL,
                                       sizeof(buf), &n),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 0, key, 4, buf,
                                       sizeof(buf), NULL),
                     AW_ERR_ARGUMENT);

    /* bounds: plaintext and associated data */
    size_t big = (size_t)CRYPTO_SUITE_SEAL_MAX + CRYPTO_SUITE_SEALED_OVERHEAD + 1;
    uint8_t *large = calloc(1, big);
    assert_non_null(large);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, NULL, 0, large,
                                       (size_t)CRYPTO_SUITE_SEAL_MAX + 1, large, big, &n),
                     AW_ERR_SUITE_TOO_LARGE);
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 1, key, 16, large,
                                       (size_t)CRYPTO_SUITE_AD_MAX + 1, key, 4, buf, sizeof(buf),
                                       &n),
                     AW_ERR_SUITE_TOO_LARGE);
    large[0] = 1;
    large[1] = CRYPTO_SUITE_DOMESTIC;
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 0, key, 16, NULL, 0, large, big,
                                       large, big, &m),
                     AW_ERR_SUITE_TOO_LARGE);
    assert_int_equal(crypto_suite_sealed_inspect(large, big, NULL, NULL), AW_ERR_SUITE_TOO_LARGE);
    free(large);

    /* open: header problems, suite and key id mismatches, output space */
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, key, 20, buf,
                                       sizeof(buf), &n),
                     AW_OK);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_INTERNATIONAL, 9, key, 32, NULL, 0, buf, n,
                                       out, sizeof(out), &m),
                     AW_ERR_SUITE_MISMATCH);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 8, key, 16, NULL, 0, buf, n, out,
                                       sizeof(out), &m),
                     AW_ERR_SUITE_KEY_ID);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, out,
                                       19, &m),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 15, NULL, 0, buf, n, out,
                                       sizeof(out), &m),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, NULL,
                                       sizeof(out), &m),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, NULL, n, out,
                                       sizeof(out), &m),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, out,
                                       sizeof(out), NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_suite_open((crypto_suite)0, 9, key, 16, NULL, 0, buf, n, out,
                                       sizeof(out), &m),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, out,
                                       sizeof(out), &m),
                     AW_OK);
    buf[0] = 2;
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, out,
                                       sizeof(out), &m),
                     AW_ERR_SUITE_SEALED_VERSION);
    buf[0] = 1;
    buf[1] = 0;
    crypto_suite s = CRYPTO_SUITE_DOMESTIC;
    uint32_t id = 5;
    assert_int_equal(crypto_suite_sealed_inspect(buf, n, &s, &id), AW_ERR_SUITE_SEALED_FORMAT);
    assert_int_equal(s, 0);
    assert_int_equal(id, 0);
    assert_int_equal(crypto_suite_sealed_inspect(buf, CRYPTO_SUITE_SEALED_OVERHEAD - 1, &s, &id),
                     AW_ERR_SUITE_SEALED_FORMAT);
    assert_int_equal(crypto_suite_sealed_inspect(NULL, 5, &s, &id), AW_ERR_ARGUMENT);
    /* an empty plaintext seals to exactly the overhead and opens to nothing */
    assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, NULL, 0, buf,
                                       sizeof(buf), &n),
                     AW_OK);
    assert_int_equal(n, CRYPTO_SUITE_SEALED_OVERHEAD);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, 9, key, 16, NULL, 0, buf, n, NULL,
                                       0, &m),
                     AW_OK);
    assert_int_equal(m, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm4_gcm_vectors),
        cmocka_unit_test(test_composed_gcm_equals_openssl),
        cmocka_unit_test(test_composed_gcm_errors),
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_sealed_known_answer),
        cmocka_unit_test(test_sealed_mutations),
        cmocka_unit_test(test_aead_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
