/* airwrite core: what crypto.c, ecdsa.c and ecka.c share (not installed, not
 * for callers outside src/core/crypto*.c, ecdsa.c, ecka.c, and http_tls.c,
 * which hands a loaded key's EVP_PKEY to OpenSSL's TLS). */
#ifndef AIRWRITE_CORE_CRYPTO_INTERNAL_H
#define AIRWRITE_CORE_CRYPTO_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/crypto.h"

struct crypto_key {
    EVP_PKEY *pkey;
    crypto_curve curve;
    bool is_private;
};

/* Wrap an EVP_PKEY after checking it is an EC key on a supported named
 * curve. Takes ownership of pkey in every case (frees it on failure). */
aw_err crypto_key_wrap(EVP_PKEY *pkey, bool is_private, crypto_key **out);

/* Big-endian group order n of the curve (CRYPTO_SCALAR_SIZE bytes), NULL
 * for an unknown curve. */
const uint8_t *crypto_curve_order(crypto_curve curve);

/* True if the 32-byte big-endian value v satisfies 1 <= v < n, without a
 * data-dependent branch (crypto_key_from_scalar checks private scalars). */
bool crypto_scalar_in_range(crypto_curve curve, const uint8_t v[CRYPTO_SCALAR_SIZE]);

/* Algorithms fetched from OpenSSL's default provider once per process and
 * kept for its lifetime: an OpenSSL 3 fetch on every call costs a method
 * store lookup with locking, measured by bench/bench_crypto. NULL if the
 * provider lacks the algorithm. */
EVP_MAC *crypto_algorithm_cmac(void);
EVP_KDF *crypto_algorithm_x963kdf(void);
EVP_CIPHER *crypto_algorithm_aes_128_cbc(void);
EVP_CIPHER *crypto_algorithm_aes_128_ecb(void);

#endif
