/* Shared by fuzz/fuzz_crypto_suite_sealed.c and tests/gen_crypto_suite_seeds.c:
 * the fixed keys, key id and associated data the sealed-format seeds are made
 * with, and the plaintext each seed carries (a function of its nonce and
 * length), so the fuzz target can tell an authentic seed from a forgery. */
#ifndef AIRWRITE_FUZZ_CRYPTO_SUITE_FIXTURE_H
#define AIRWRITE_FUZZ_CRYPTO_SUITE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto_suite.h"

#define FUZZ_SUITE_KEY_ID 0x00000101u
#define FUZZ_SUITE_AD "airwrite fuzz_crypto_suite_sealed"

/* Key of the suite: 32 (AES-256) or 16 (SM4) of these bytes. */
static inline void fuzz_suite_key(crypto_suite suite, uint8_t key[32])
{
    for (size_t i = 0; i < 32; i++)
        key[i] = (uint8_t)(0x5C ^ (i * 29) ^ ((size_t)suite << 6));
}

/* The plaintext a seed with this nonce and length carries. */
static inline void fuzz_suite_plaintext(const uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE], size_t len,
                                        uint8_t *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(nonce[i % CRYPTO_SUITE_NONCE_SIZE] ^ (i * 7) ^ (len >> 3));
}

#endif
