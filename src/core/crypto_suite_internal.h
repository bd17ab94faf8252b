/* airwrite core: what crypto_suite*.c share (not for callers outside
 * src/core/crypto_suite*.c, the tests, the bench and the fuzz target). */
#ifndef AIRWRITE_CORE_CRYPTO_SUITE_INTERNAL_H
#define AIRWRITE_CORE_CRYPTO_SUITE_INTERNAL_H

#include <openssl/evp.h>

#include "core/crypto_suite.h"

/* The OpenSSL algorithms of one suite. Fetched once per process from the
 * default library context and kept for its lifetime (an OpenSSL 3 fetch per
 * call costs a locked method-store lookup). */
typedef struct crypto_suite_algorithms {
    EVP_MD *md;          /* SHA-256 / SM3 */
    EVP_MAC *hmac;       /* HMAC */
    EVP_CIPHER *gcm;     /* AES-256-GCM / SM4-GCM; NULL when the provider lacks it */
    EVP_CIPHER *ecb;     /* SM4-ECB (domestic only: GCM composed here) */
    EVP_CIPHER *ctr;     /* SM4-CTR (domestic only) */
    const char *md_name; /* "SHA256" / "SM3" */
    const char *key_type; /* "EC" / "SM2" */
    const char *group;   /* "prime256v1" / "SM2" */
} crypto_suite_algorithms;

/* Algorithms of a suite, or NULL for an unknown suite or when the default
 * provider lacks one that the suite cannot do without (crypto_suite_query
 * tells which). */
const crypto_suite_algorithms *crypto_suite_algorithms_of(crypto_suite suite);

/* Probe libctx (NULL: the default) for the suite's algorithms. Used by
 * crypto_suite_query, and by the tests with a library context that lacks
 * the SM algorithms. */
aw_err crypto_suite_probe(OSSL_LIB_CTX *libctx, crypto_suite suite, crypto_suite_support *out);

/* GCM (NIST SP 800-38D) with a 96-bit IV over any 128-bit block cipher
 * given as its ECB and CTR modes: H = E(0^128), J0 = IV || 0^31 || 1, the
 * keystream is CTR from inc32(J0), the tag E(J0) xor GHASH(A, C), where A is
 * aad1 || aad2. Plaintext at most CRYPTO_SUITE_SEAL_MAX bytes, so the
 * 32-bit counter never wraps and OpenSSL's 128-bit CTR increment equals
 * inc32. Used for SM4 when OpenSSL lacks SM4-GCM; the tests also run it
 * with AES to compare with OpenSSL's own AES-GCM. Open checks the tag
 * (constant time) before decrypting: AW_ERR_SUITE_AUTHENTICATION, out
 * untouched. */
aw_err crypto_gcm_composed_seal(const EVP_CIPHER *ecb, const EVP_CIPHER *ctr, const uint8_t *key,
                                const uint8_t iv[CRYPTO_SUITE_NONCE_SIZE], const uint8_t *aad1,
                                size_t aad1_len, const uint8_t *aad2, size_t aad2_len,
                                const uint8_t *in, size_t len, uint8_t *out,
                                uint8_t tag[CRYPTO_SUITE_TAG_SIZE]);
aw_err crypto_gcm_composed_open(const EVP_CIPHER *ecb, const EVP_CIPHER *ctr, const uint8_t *key,
                                const uint8_t iv[CRYPTO_SUITE_NONCE_SIZE], const uint8_t *aad1,
                                size_t aad1_len, const uint8_t *aad2, size_t aad2_len,
                                const uint8_t *in, size_t len, uint8_t *out,
                                const uint8_t tag[CRYPTO_SUITE_TAG_SIZE]);

/* Private key of the suite from PEM (PKCS#8 "PRIVATE KEY" or SEC 1 "EC
 * PRIVATE KEY"), decoded by crypto_suite_pem.c so that no copy of the key
 * reaches the allocator unerased. AW_ERR_SUITE_MISMATCH for a key on the other
 * suite's curve, AW_ERR_SUITE_KEY for anything else that is not one. */
aw_err crypto_suite_private_key_from_pem(crypto_suite suite, const char *pem, size_t len,
                                         EVP_PKEY **out);

/* Unencrypted PKCS#8 PEM of the suite's private key pkey (NUL-terminated;
 * OPENSSL_malloc'd, erase with crypto_suite_pem_free), encoded by
 * crypto_suite_pem.c for the same reason. */
aw_err crypto_suite_private_key_to_pem(crypto_suite suite, const EVP_PKEY *pkey, char **pem,
                                       size_t *len);

/* crypto_suite_seal with a given nonce instead of a random one: for known
 * answers (tests) and deterministic fuzz seeds only. Reusing a nonce under
 * one key breaks GCM. */
aw_err crypto_suite_seal_with_nonce(crypto_suite suite, uint32_t key_id, const uint8_t *key,
                                    size_t key_len, const uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE],
                                    const uint8_t *ad, size_t ad_len, const uint8_t *plaintext,
                                    size_t len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
