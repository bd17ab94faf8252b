/* airwrite core: RSP public-key cryptography over OpenSSL 3 EVP.
 *
 * What the eUICC and the SM-DP+ need from SGP.22 2.6 (security overview) and
 * 2.6.4 (BPP protection key agreement and derivation):
 *   - SHA-256, random bytes, constant-time comparison, erasure;
 *   - EC keys on NIST P-256 or brainpoolP256r1 (the SGP.22 curves; FRP256V1
 *     is not supported), loaded from PEM, from an X.509 certificate, from an
 *     uncompressed point 04||X||Y (otPK as carried in 5F49) or a raw scalar;
 *   - ECDSA with SHA-256, signatures in the plain r||s format that SGP.22
 *     carries in tag 5F37 (BSI TR-03111 5.2.1, 64 bytes on 256-bit curves),
 *     and the strict conversion to and from X.509 DER ECDSA-Sig-Value;
 *   - ECKA-DH (BSI TR-03111 4.3.1: the shared secret is the x-coordinate),
 *     one-time key pairs, the X9.63 KDF and the BSP session keys.
 *
 * Typical use, eUICC: crypto_key_from_certificate(CERT.DPauth) then
 * crypto_verify_ecdsa() over the serverSigned1 bytes as received with the r||s
 * from serverSignature1 (5F37); crypto_sign_ecdsa(SK.EUICC, euiccSigned1); crypto_generate_key() for otSK/otPK.EUICC.ECKA and
 * crypto_key_export_point(); crypto_key_agreement(otSK.EUICC, otPK.DP) then
 * crypto_derive_session_keys() and scp03t.h. The SM-DP+ mirrors it.
 *
 * A crypto_key is immutable after creation, so one key may be shared by
 * threads. Private scalars live only inside OpenSSL (freed with
 * EVP_PKEY_free, which erases them); outputs that are secret (shared secrets,
 * session keys) are erased by the caller with crypto_cleanse().
 */
#ifndef AIRWRITE_CORE_CRYPTO_H
#define AIRWRITE_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CRYPTO_SHA256_SIZE 32
/* r||s on a 256-bit curve (BSI TR-03111 5.2.1) */
#define CRYPTO_SIGNATURE_SIZE 64
/* Largest DER ECDSA-Sig-Value for 256-bit curves: 30 46 02 21 00|r 02 21 00|s */
#define CRYPTO_SIGNATURE_DER_MAX 72
/* Uncompressed point 04||X||Y (SEC 1 2.3.3) */
#define CRYPTO_POINT_SIZE 65
#define CRYPTO_SCALAR_SIZE 32
/* ECKA-DH shared secret: the x-coordinate (BSI TR-03111 4.3.1) */
#define CRYPTO_SHARED_SECRET_SIZE 32
#define CRYPTO_AES_KEY_SIZE 16

/* The RSP curves supported: each eUICC supports at least two parameter sets
 * (SGP.22 4.5, certificates), in practice NIST P-256 and brainpoolP256r1. */
typedef enum crypto_curve {
    CRYPTO_CURVE_NIST_P256 = 1,     /* secp256r1 / prime256v1 */
    CRYPTO_CURVE_BRAINPOOL_P256R1,  /* RFC 5639 */
} crypto_curve;

/* OpenSSL's name of the curve ("prime256v1", "brainpoolP256r1"); NULL for
 * an unknown value. */
const char *crypto_curve_name(crypto_curve curve);

/* ---- Hash, random, secrets ------------------------------------------- */

aw_err crypto_sha256(const uint8_t *data, size_t len, uint8_t digest[CRYPTO_SHA256_SIZE]);

/* Fill out with bytes from OpenSSL's DRBG (e.g. challenges, transactionId). */
aw_err crypto_random_bytes(uint8_t *out, size_t len);

/* The same DRBG's bytes for identifiers that are no secret (request and
 * order ids), handed out from a per-thread pool filled
 * CRYPTO_RANDOM_POOL_SIZE bytes at a time: one DRBG call (and its locks)
 * per many ids. len at most CRYPTO_RANDOM_ID_MAX. A forked child forgets
 * the pool it inherited, so parent and child never hand out the same
 * bytes; where the fork handler cannot be set, every call goes to the
 * DRBG. Never for keys, nonces of a protocol or other secrets: those use
 * crypto_random_bytes (pooled bytes sit in memory until handed out). */
#define CRYPTO_RANDOM_POOL_SIZE 1024u
#define CRYPTO_RANDOM_ID_MAX 32u
aw_err crypto_random_id_bytes(uint8_t *out, size_t len);

/* AES-CMAC with a 128-bit key (NIST SP 800-38B, RFC 4493), full 16 bytes;
 * the MAC of SCP03t (scp03t.h). */
aw_err crypto_aes_cmac(const uint8_t key[CRYPTO_AES_KEY_SIZE], const uint8_t *data, size_t len,
                       uint8_t mac[16]);

/* Constant-time equality of two len-byte buffers (MACs, secrets). */
bool crypto_equal(const void *a, const void *b, size_t len);

/* Erase memory the compiler may not optimise away (OPENSSL_cleanse). */
void crypto_cleanse(void *ptr, size_t len);

/* ---- Keys ------------------------------------------------------------ */

/* An EC key on one of the supported curves: public, or private with its
 * public part. Opaque; immutable once made. */
typedef struct crypto_key crypto_key;

/* PEM private key (PKCS#8 or SEC 1 "EC PRIVATE KEY" with a namedCurve; a
 * preceding "EC PARAMETERS" block is skipped; encrypted PEM is refused,
 * never prompted for). Decoded by core/crypto_pem.c, not OpenSSL, so no
 * copy of the key is freed unerased. AW_ERR_CRYPTO_KEY if no EC private key
 * can be read (or its public point is not d*G), AW_ERR_CRYPTO_CURVE if it
 * is on another curve. Files over 64 KiB: AW_ERR_LIMIT; unreadable:
 * AW_ERR_IO. */
aw_err crypto_key_load_private_pem(const uint8_t *pem, size_t len, crypto_key **out);
aw_err crypto_key_load_private_pem_file(const char *path, crypto_key **out);

/* PEM SubjectPublicKeyInfo ("PUBLIC KEY"). Errors as above. */
aw_err crypto_key_load_public_pem(const uint8_t *pem, size_t len, crypto_key **out);
aw_err crypto_key_load_public_pem_file(const char *path, crypto_key **out);

/* Public key of a DER X.509 certificate (as carried in SGP.22 messages).
 * This only extracts the key: validating the certificate is pki's job.
 * AW_ERR_PKI_PARSE if the bytes are not exactly one certificate. */
aw_err crypto_key_from_certificate(const uint8_t *der, size_t len, crypto_key **out);
/* Same from a file holding one certificate in PEM or DER. */
aw_err crypto_key_load_certificate_file(const char *path, crypto_key **out);

/* Public key from an uncompressed point 04||X||Y on the given curve (otPK
 * in SGP.22 5F49). AW_ERR_CRYPTO_KEY unless it is exactly 65 bytes, starts
 * with 04 and is a valid point on the curve (SEC 1 3.2.2.1). */
aw_err crypto_key_from_point(crypto_curve curve, const uint8_t *point, size_t len,
                             crypto_key **out);

/* Private key from its big-endian scalar (1 <= d < n) on the given curve,
 * with the public point computed. AW_ERR_CRYPTO_KEY when out of range. */
aw_err crypto_key_from_scalar(crypto_curve curve, const uint8_t scalar[CRYPTO_SCALAR_SIZE],
                              crypto_key **out);

/* Fresh key pair on the curve, e.g. otSK/otPK.EUICC.ECKA on the curve of
 * the key it will be used with (crypto_key_curve()). SGP.22 3.1.3. */
aw_err crypto_generate_key(crypto_curve curve, crypto_key **out);

/* key must not be NULL. */
crypto_curve crypto_key_curve(const crypto_key *key);
bool crypto_key_is_private(const crypto_key *key);

/* Public point as 04||X||Y, X and Y left-padded to 32 bytes. */
aw_err crypto_key_export_point(const crypto_key *key, uint8_t point[CRYPTO_POINT_SIZE]);

/* Unencrypted PKCS#8 PEM ("PRIVATE KEY", RFC 5958 / RFC 7468) of a private
 * key, encoded by core/crypto_pem.c (OpenSSL 3.0's encoder frees the key's
 * DER unerased). NUL-terminated, *len excludes the NUL; erase and free with
 * crypto_key_pem_free. AW_ERR_ARGUMENT for a public key. */
aw_err crypto_key_export_private_pem(const crypto_key *key, char **pem, size_t *len);
void crypto_key_pem_free(char *pem, size_t len);

/* NULL-safe. */
void crypto_key_free(crypto_key *key);

/* ---- ECDSA with SHA-256 (ecdsa.c) ------------------------------------ */

/* Sign data (hashed here with SHA-256) with a private key; the signature is
 * r||s as SGP.22 carries it in 5F37. AW_ERR_CRYPTO_KEY for a public key. */
aw_err crypto_sign_ecdsa(const crypto_key *key, const uint8_t *data, size_t len,
                         uint8_t signature[CRYPTO_SIGNATURE_SIZE]);

/* Verify an r||s signature over data. AW_OK only for a valid signature;
 * AW_ERR_SIGNATURE_FORMAT when it is not 64 bytes or r or s is outside
 * [1, n-1]; AW_ERR_SIGNATURE when it does not verify. */
aw_err crypto_verify_ecdsa(const crypto_key *key, const uint8_t *data, size_t len,
                           const uint8_t *signature, size_t signature_len);

/* DER ECDSA-Sig-Value (RFC 5480 / X9.62: SEQUENCE { r INTEGER, s INTEGER })
 * to r||s. Strict: exactly one SEQUENCE of two minimal positive INTEGERs,
 * nothing trailing, 1 <= r, s < n of the curve; else AW_ERR_SIGNATURE_FORMAT. */
aw_err crypto_signature_der_to_plain(crypto_curve curve, const uint8_t *der, size_t len,
                                     uint8_t plain[CRYPTO_SIGNATURE_SIZE]);

/* r||s to minimal DER into out (at most CRYPTO_SIGNATURE_DER_MAX bytes).
 * AW_ERR_SIGNATURE_FORMAT when r or s is outside [1, n-1]. */
aw_err crypto_signature_plain_to_der(crypto_curve curve,
                                     const uint8_t plain[CRYPTO_SIGNATURE_SIZE],
                                     uint8_t *out, size_t out_cap, size_t *out_len);

/* The same two conversions for any group of a 256-bit order n, given as
 * CRYPTO_SCALAR_SIZE big-endian bytes (the crypto suite's SM2 curve). */
aw_err crypto_signature_der_to_plain_order(const uint8_t order[CRYPTO_SCALAR_SIZE],
                                           const uint8_t *der, size_t len,
                                           uint8_t plain[CRYPTO_SIGNATURE_SIZE]);
aw_err crypto_signature_plain_to_der_order(const uint8_t order[CRYPTO_SCALAR_SIZE],
                                           const uint8_t plain[CRYPTO_SIGNATURE_SIZE],
                                           uint8_t *out, size_t out_cap, size_t *out_len);

/* ---- Key agreement and derivation (ecka.c) --------------------------- */

/* ECKA-DH (BSI TR-03111 4.3.1): the x-coordinate of d*Q, where d is the own
 * private key and Q the peer point 04||X||Y, which must lie on the own
 * key's curve (AW_ERR_CRYPTO_KEY otherwise). The result is secret. */
aw_err crypto_key_agreement(const crypto_key *own, const uint8_t *peer_point, size_t peer_len,
                            uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE]);

/* ANSI X9.63 KDF with SHA-256 (BSI TR-03111 4.3.3, SEC 1 3.6.1):
 * out = SHA-256(Z || counter32 || SharedInfo) for counter 1, 2, ... */
aw_err crypto_derive_x963_sha256(const uint8_t *secret, size_t secret_len,
                                 const uint8_t *shared_info, size_t shared_info_len,
                                 uint8_t *out, size_t out_len);

/* Control reference template values SGP.22 5.5.1 requires for the BSP:
 * key type AES (GlobalPlatform Card Specification table 11-16) and a 16-byte
 * key length. */
#define CRYPTO_BSP_KEY_TYPE_AES 0x88u
#define CRYPTO_BSP_KEY_LENGTH 16u
#define CRYPTO_HOST_ID_MAX 16u  /* hostId OctetTo16 */
#define CRYPTO_EID_SIZE 16u     /* EID Octet16 */

/* BSP session keys (SGP.22 2.6.4.2). Secret: crypto_session_keys_clear()
 * when done. */
typedef struct crypto_session_keys {
    uint8_t initial_mac_chaining_value[16];
    uint8_t enc[CRYPTO_AES_KEY_SIZE];  /* S-ENC */
    uint8_t mac[CRYPTO_AES_KEY_SIZE];  /* S-MAC */
} crypto_session_keys;

/* SGP.22 2.6.4.2: X9.63 KDF with SHA-256 over the ECKA
 * shared secret and SharedInfo = keyType (88) || keyLength (10) ||
 * len(hostId) || hostId || len(EID) || EID, giving 48 bytes split as
 * initial MAC chaining value || S-ENC || S-MAC. host_id is the CRT's hostId
 * (1..16 bytes), eid the 16-byte EID; AW_ERR_ARGUMENT otherwise. */
aw_err crypto_derive_session_keys(const uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE],
                                  const uint8_t *host_id, size_t host_id_len,
                                  const uint8_t eid[CRYPTO_EID_SIZE],
                                  crypto_session_keys *out);

void crypto_session_keys_clear(crypto_session_keys *keys);

#endif
