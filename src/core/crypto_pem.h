/* airwrite core: EC private keys in PEM, decoded and encoded here rather
 * than by OpenSSL's decoders and encoders, because OpenSSL 3.0 frees its
 * copies of the private-key DER without erasing them (found by
 * tests/test_crypto_suite_secrets.c). Every buffer that holds key material
 * is erased before it is freed. Shared by the RSP keys (crypto.c: NIST
 * P-256, brainpoolP256r1) and the crypto suite (crypto_suite_pem.c: P-256,
 * SM2); not for callers outside src/core/crypto*.c.
 *
 *   PEM armor: RFC 7468 10 ("PRIVATE KEY"), SEC 1 "EC PRIVATE KEY" (an "EC
 *     PARAMETERS" block before it is skipped); encrypted keys refused.
 *   PKCS#8 OneAsymmetricKey: RFC 5958 2, id-ecPublicKey with a namedCurve
 *     (RFC 5480 2.1.1).
 *   ECPrivateKey: RFC 5915 3 (SEC 1 C.4). */
#ifndef AIRWRITE_CORE_CRYPTO_PEM_H
#define AIRWRITE_CORE_CRYPTO_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

#define CRYPTO_PEM_SCALAR_SIZE 32u /* the 256-bit curves airwrite uses */
#define CRYPTO_PEM_POINT_SIZE 65u  /* 04 || X || Y */
#define CRYPTO_PEM_SCALAR_MAX 66u  /* P-521: keys on other curves are read to be named */

/* namedCurve OID content octets (X.690 8.19) */
extern const uint8_t crypto_pem_oid_prime256v1[8];
extern const uint8_t crypto_pem_oid_brainpool_p256r1[9];
extern const uint8_t crypto_pem_oid_sm2[8];

/* One decoded private key: views into der (key material, erased by
 * crypto_pem_ec_key_clear). */
typedef struct crypto_pem_ec_key {
    uint8_t *der;
    size_t der_cap;
    aw_slice curve;  /* namedCurve OID content, never empty */
    size_t scalar_len;                      /* octets of d in the file, 1..66 */
    uint8_t scalar[CRYPTO_PEM_SCALAR_SIZE]; /* d left-padded when scalar_len <= 32, else 0 */
    aw_slice point;  /* publicKey (uncompressed); len 0 when the file has none */
} crypto_pem_ec_key;

/* Decode the first "PRIVATE KEY" or else "EC PRIVATE KEY" block of pem.
 * AW_ERR_CRYPTO_KEY: no such block (also "ENCRYPTED PRIVATE KEY"), an
 * encrypted (RFC 1421 header) block, bad base64 or DER, another algorithm,
 * no namedCurve, d empty or longer than any curve's (66 octets), a curve
 * named twice differently; AW_ERR_NOMEM. The caller checks the curve (so a
 * key on another curve can be told apart), then scalar_len <= 32, that d is
 * in range and that the point (when present) is d*G. */
aw_err crypto_pem_read_ec_private_key(const char *pem, size_t len, crypto_pem_ec_key *out);

/* Erase and free what crypto_pem_read_ec_private_key left; NULL-safe. */
void crypto_pem_ec_key_clear(crypto_pem_ec_key *key);

/* PKCS#8 PEM of (curve OID content, d, Q): id-ecPublicKey with the
 * namedCurve, ECPrivateKey version 1 with d and [1] publicKey, the layout
 * OpenSSL writes. *pem is NUL-terminated, *len excludes the NUL; free with
 * crypto_pem_free. */
aw_err crypto_pem_write_ec_private_key(const uint8_t *curve, size_t curve_len,
                                       const uint8_t scalar[CRYPTO_PEM_SCALAR_SIZE],
                                       const uint8_t point[CRYPTO_PEM_POINT_SIZE], char **pem,
                                       size_t *len);

/* Erase and free a PEM this module wrote; NULL-safe. */
void crypto_pem_free(char *pem, size_t len);

#endif
