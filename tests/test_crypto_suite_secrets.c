/* Secrets of the crypto suite never reach the allocator in clear: OpenSSL's
 * allocator, which the suite and OpenSSL itself use for everything they
 * allocate, is replaced (CRYPTO_set_mem_functions) by one that checks every
 * block it frees or moves for the AEAD keys, the HMAC key, the private scalar
 * and the private-key PEM while the suite seals, opens, MACs, exports, loads
 * and signs with them. */
#include "crypto_testutil.h"

#include <malloc.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/crypto.h"
#include "core/crypto_suite.h"

#define WATCH_MAX 4
#define WATCH_LEN 16 /* any 16 bytes of a secret */
static uint8_t watched[WATCH_MAX][WATCH_LEN];
static size_t watch_count;
static bool armed;
static unsigned leaks;

static bool holds_secret(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < watch_count; k++)
        for (size_t i = 0; i + WATCH_LEN <= n; i++)
            if (memcmp(p + i, watched[k], WATCH_LEN) == 0)
                return true;
    return false;
}

static void check_block(void *ptr)
{
    if (ptr != NULL && armed && holds_secret(ptr, malloc_usable_size(ptr)))
        leaks++;
}

static void *checked_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return malloc(n);
}

/* Always move, so the old block is checked as it is released. */
static void *checked_realloc(void *ptr, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = malloc(n);
    if (p == NULL)
        return NULL;
    if (ptr != NULL) {
        size_t old = malloc_usable_size(ptr);
        memcpy(p, ptr, old < n ? old : n);
        check_block(ptr);
        free(ptr);
    }
    return p;
}

static void checked_free(void *ptr, const char *file, int line)
{
    (void)file;
    (void)line;
    check_block(ptr);
    free(ptr);
}

static void watch(const void *secret)
{
    assert_true(watch_count < WATCH_MAX);
    memcpy(watched[watch_count++], secret, WATCH_LEN);
}

static void test_detector_sees_a_secret(void **state)
{
    (void)state;
    watch_count = 0;
    uint8_t secret[WATCH_LEN];
    memset(secret, 0x5A, sizeof(secret));
    watch(secret);
    uint8_t *block = OPENSSL_malloc(64);
    assert_non_null(block);
    memset(block, 0, 64);
    memcpy(block + 9, secret, sizeof(secret));
    leaks = 0;
    armed = true;
    OPENSSL_free(block); /* not erased: seen */
    block = OPENSSL_malloc(64);
    assert_non_null(block);
    memcpy(block + 30, secret, sizeof(secret));
    OPENSSL_clear_free(block, 64); /* erased: not seen */
    armed = false;
    assert_int_equal(leaks, 1);
}

static void test_aead_and_hmac_keys(void **state)
{
    (void)state;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        uint8_t key[32], mac_key[48], msg[300], sealed[400], back[300], mac[32];
        assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
        assert_int_equal(RAND_bytes(mac_key, sizeof(mac_key)), 1);
        assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
        watch_count = 0;
        watch(key);
        watch(mac_key);
        watch(mac_key + 32);
        leaks = 0;
        armed = true;
        size_t key_len = crypto_suite_aead_key_size(suites[s]);
        size_t n = 0, m = 0;
        assert_int_equal(crypto_suite_seal(suites[s], 3, key, key_len, msg, 10, msg, sizeof(msg),
                                           sealed, sizeof(sealed), &n),
                         AW_OK);
        assert_int_equal(crypto_suite_open(suites[s], 3, key, key_len, msg, 10, sealed, n, back,
                                           sizeof(back), &m),
                         AW_OK);
        sealed[40] ^= 1; /* the failing path as well */
        assert_int_equal(crypto_suite_open(suites[s], 3, key, key_len, msg, 10, sealed, n, back,
                                           sizeof(back), &m),
                         AW_ERR_SUITE_AUTHENTICATION);
        assert_int_equal(crypto_suite_hmac(suites[s], mac_key, sizeof(mac_key), msg, sizeof(msg),
                                           mac),
                         AW_OK);
        assert_int_equal(crypto_suite_hmac_verify(suites[s], mac_key, sizeof(mac_key), msg,
                                                  sizeof(msg), mac, sizeof(mac)),
                         AW_OK);
        armed = false;
        assert_int_equal(leaks, 0);
    }
}

static void test_private_keys(void **state)
{
    (void)state;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        crypto_suite_key *key = NULL, *loaded = NULL;
        assert_int_equal(crypto_suite_key_generate(suites[s], &key), AW_OK);
        char *pem = NULL;
        size_t pem_len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(key, &pem, &pem_len), AW_OK);
        /* watch the scalar (read here, outside the armed window) and the
         * base64 body of the PEM */
        BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
        EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        assert_non_null(pkey);
        BIGNUM *d = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
        uint8_t scalar[32];
        assert_int_equal(BN_bn2binpad(d, scalar, 32), 32);
        BN_clear_free(d);
        EVP_PKEY_free(pkey);
        BIO_free(bio);
        const char *body = strchr(pem, '\n');
        assert_non_null(body);
        watch_count = 0;
        watch(scalar);
        watch(scalar + 16);
        watch(body + 40); /* inside the first base64 line, after the algorithm */
        OPENSSL_cleanse(scalar, sizeof(scalar));

        leaks = 0;
        armed = true;
        char *pem2 = NULL;
        size_t pem2_len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(key, &pem2, &pem2_len), AW_OK);
        assert_int_equal(crypto_suite_key_load_private_pem(suites[s], pem2, pem2_len, &loaded),
                         AW_OK);
        static const uint8_t msg[] = "audit chain head";
        uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
        size_t n = 0;
        assert_int_equal(crypto_suite_sign(loaded, msg, sizeof(msg), sig, sizeof(sig), &n), AW_OK);
        crypto_suite_pem_free(pem2, pem2_len);
        crypto_suite_pem_free(pem, pem_len);
        crypto_suite_key_free(loaded);
        crypto_suite_key_free(key);
        armed = false;
        if (leaks != 0)
            print_error("%s: %u freed block(s) held private key material\n",
                        crypto_suite_name(suites[s]), leaks);
        assert_int_equal(leaks, 0);
    }
}

/* The RSP keys (core/crypto.h, NIST P-256 and brainpoolP256r1) load and
 * export through the same erasing PEM codec (core/crypto_pem.c). */
static void test_rsp_private_keys(void **state)
{
    (void)state;
    static const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256, CRYPTO_CURVE_BRAINPOOL_P256R1};
    for (size_t c = 0; c < 2; c++) {
        crypto_key *key = NULL, *loaded = NULL;
        assert_int_equal(crypto_generate_key(curves[c], &key), AW_OK);
        char *pem = NULL;
        size_t pem_len = 0;
        assert_int_equal(crypto_key_export_private_pem(key, &pem, &pem_len), AW_OK);
        BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
        EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        assert_non_null(pkey);
        BIGNUM *d = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
        uint8_t scalar[32];
        assert_int_equal(BN_bn2binpad(d, scalar, 32), 32);
        BN_clear_free(d);
        EVP_PKEY_free(pkey);
        BIO_free(bio);
        const char *body = strchr(pem, '\n');
        assert_non_null(body);
        watch_count = 0;
        watch(scalar);
        watch(scalar + 16);
        watch(body + 40);
        OPENSSL_cleanse(scalar, sizeof(scalar));

        leaks = 0;
        armed = true;
        char *pem2 = NULL;
        size_t pem2_len = 0;
        assert_int_equal(crypto_key_export_private_pem(key, &pem2, &pem2_len), AW_OK);
        assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem2, pem2_len, &loaded),
                         AW_OK);
        static const uint8_t msg[] = "euiccSigned1";
        uint8_t sig[CRYPTO_SIGNATURE_SIZE];
        assert_int_equal(crypto_sign_ecdsa(loaded, msg, sizeof(msg), sig), AW_OK);
        crypto_key_pem_free(pem2, pem2_len);
        crypto_key_pem_free(pem, pem_len);
        crypto_key_free(loaded);
        crypto_key_free(key);
        armed = false;
        if (leaks != 0)
            print_error("%s: %u freed block(s) held private key material\n",
                        crypto_curve_name(curves[c]), leaks);
        assert_int_equal(leaks, 0);
    }
}

int main(void)
{
    /* before OpenSSL allocates anything */
    if (CRYPTO_set_mem_functions(checked_malloc, checked_realloc, checked_free) != 1) {
        printf("OpenSSL allocated before the test could replace its allocator\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_sees_a_secret),
        cmocka_unit_test(test_aead_and_hmac_keys),
        cmocka_unit_test(test_private_keys),
        cmocka_unit_test(test_rsp_private_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
