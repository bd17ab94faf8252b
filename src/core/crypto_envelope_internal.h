/* airwrite core: what crypto_envelope*.c share (not for other callers;
 * tests and the fuzz target may use it). */
#ifndef AIRWRITE_CORE_CRYPTO_ENVELOPE_INTERNAL_H
#define AIRWRITE_CORE_CRYPTO_ENVELOPE_INTERNAL_H

#include <openssl/evp.h>

#include "core/crypto_envelope.h"

struct crypto_envelope_key {
    EVP_PKEY *pkey; /* key type "EC" on P-256, or "SM2" */
    crypto_suite suite;
    bool is_private;
};

/* The suite's public key at point (65 bytes, 04||X||Y, on the curve), or
 * NULL. */
EVP_PKEY *crypto_envelope_public_from_point(crypto_suite suite, const uint8_t *point, size_t len);

#endif
