/* airwrite core: the crypto suite of airwrite's OWN security functions
 * (API request and callback signatures, encryption at rest, the audit hash
 * chain, firmware-update signatures). The GSMA RSP cryptography stays as
 * SGP.22 defines it (crypto.h); this suite never touches it.
 *
 *   suite          hash     MAC          AEAD          signature
 *   international  SHA-256  HMAC-SHA256  AES-256-GCM   ECDSA P-256 with SHA-256 (FIPS 186-4)
 *   domestic       SM3      HMAC-SM3     SM4-GCM       SM2 with SM3 (GB/T 32918.2, GM/T 0009)
 *
 * SM3: GB/T 32905-2016. SM4: GB/T 32907-2016. HMAC: RFC 2104 (GM/T 0042 for
 * SM3). GCM: NIST SP 800-38D; SM4-GCM as RFC 8998 uses it. SM2 signatures
 * hash Z || M, where Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
 * binds the signer's distinguishing ID and public key (GB/T 32918.2 5.5);
 * the default ID is "1234567812345678" (GM/T 0009-2012 10). Both suites
 * encode signatures as DER SEQUENCE { r INTEGER, s INTEGER } (X9.62 /
 * RFC 5480 ECDSA-Sig-Value; GM/T 0009 SM2Signature), and convert to and
 * from the raw 64-byte r||s form for peers that use it.
 *
 * Sealed format (AEAD at rest), version 1, all integers big-endian:
 *
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       1     suite: 0x01 international (AES-256-GCM), 0x02 domestic (SM4-GCM)
 *   2       4     key id (uint32) of the key it is sealed under
 *   6       12    nonce, random per seal
 *   18      n     ciphertext (n = plaintext length)
 *   18+n    16    GCM tag
 *
 * The GCM additional authenticated data is the 6-byte header (version,
 * suite, key id) followed by the caller's associated data, so neither can
 * be changed without the tag failing. Overhead: 34 bytes.
 *
 * OpenSSL 3.0 (Debian 12) has SM2, SM3 and SM4 but not SM4-GCM: where
 * OpenSSL's provider lacks "SM4-GCM", GCM is composed here from SM4-ECB
 * (hash subkey, tag mask), SM4-CTR (the keystream) and a constant-time
 * GHASH (crypto_suite_gcm.c), checked against RFC 8998 and Wycheproof
 * vectors and against OpenSSL's AES-GCM through the same composition.
 *
 * Keys are immutable after creation and may be shared by threads. Contexts
 * are not thread-safe. Secret buffers handed out (private-key PEM) are
 * freed with a function that erases them.
 */
#ifndef AIRWRITE_CORE_CRYPTO_SUITE_H
#define AIRWRITE_CORE_CRYPTO_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum crypto_suite {
    CRYPTO_SUITE_INTERNATIONAL = 1,
    CRYPTO_SUITE_DOMESTIC = 2,
} crypto_suite;

#define CRYPTO_SUITE_HASH_SIZE 32       /* SHA-256 and SM3 */
#define CRYPTO_SUITE_MAC_SIZE 32        /* HMAC-SHA256 and HMAC-SM3 */
#define CRYPTO_SUITE_NONCE_SIZE 12
#define CRYPTO_SUITE_TAG_SIZE 16
#define CRYPTO_SUITE_SEALED_VERSION 1u
#define CRYPTO_SUITE_SEALED_HEADER_SIZE 18u /* version, suite, key id, nonce */
#define CRYPTO_SUITE_SEALED_OVERHEAD (CRYPTO_SUITE_SEALED_HEADER_SIZE + CRYPTO_SUITE_TAG_SIZE)
#define CRYPTO_SUITE_SEAL_MAX (16u * 1024u * 1024u)  /* plaintext bound */
#define CRYPTO_SUITE_AD_MAX (1024u * 1024u)          /* associated data bound */
#define CRYPTO_SUITE_HMAC_KEY_MAX 4096u
/* Largest DER signature on a 256-bit curve: 30 46 02 21 00|r 02 21 00|s */
#define CRYPTO_SUITE_SIGNATURE_MAX 72
#define CRYPTO_SUITE_SIGNATURE_RAW_SIZE 64  /* r||s */
#define CRYPTO_SUITE_POINT_SIZE 65          /* 04||X||Y */
/* GM/T 0009-2012 10: the ID when the parties agreed on none */
#define CRYPTO_SUITE_SM2_DEFAULT_ID "1234567812345678"
/* ENTL is the ID's length in bits in two bytes (GB/T 32918.2 5.5), so at
 * most 8191 bytes; OpenSSL refuses 8191 itself (id_len >= UINT16_MAX / 8). */
#define CRYPTO_SUITE_SM2_ID_MAX 8190u

/* "international" / "domestic"; NULL for another value. */
const char *crypto_suite_name(crypto_suite suite);

/* Exact, case-sensitive name to suite. AW_ERR_SUITE_UNKNOWN otherwise. */
aw_err crypto_suite_parse(const char *name, crypto_suite *out);

/* What this process's OpenSSL offers for the suite. */
typedef struct crypto_suite_support {
    bool hash;         /* SHA-256 / SM3 */
    bool hmac;         /* HMAC with that hash */
    bool signature;    /* EC P-256 / SM2 key and signature */
    bool cipher;       /* AES-256-GCM / SM4-ECB and SM4-CTR */
    bool gcm_native;   /* OpenSSL provides the GCM mode itself ("SM4-GCM") */
} crypto_suite_support;

/* Fill *out; AW_OK when every primitive of the suite is usable (with or
 * without gcm_native), AW_ERR_SUITE_UNAVAILABLE otherwise. */
aw_err crypto_suite_query(crypto_suite suite, crypto_suite_support *out);

/* ---- Hash ------------------------------------------------------------ */

aw_err crypto_suite_hash(crypto_suite suite, const uint8_t *data, size_t len,
                         uint8_t digest[CRYPTO_SUITE_HASH_SIZE]);

typedef struct crypto_suite_hash_ctx crypto_suite_hash_ctx;

aw_err crypto_suite_hash_new(crypto_suite suite, crypto_suite_hash_ctx **out);
aw_err crypto_suite_hash_update(crypto_suite_hash_ctx *ctx, const uint8_t *data, size_t len);
/* After final the context refuses updates (AW_ERR_STATE) until freed. */
aw_err crypto_suite_hash_final(crypto_suite_hash_ctx *ctx, uint8_t digest[CRYPTO_SUITE_HASH_SIZE]);
void crypto_suite_hash_free(crypto_suite_hash_ctx *ctx);

/* ---- HMAC ------------------------------------------------------------ */

/* Keys of 1..CRYPTO_SUITE_HMAC_KEY_MAX bytes (AW_ERR_SUITE_KEY otherwise). */
aw_err crypto_suite_hmac(crypto_suite suite, const uint8_t *key, size_t key_len,
                         const uint8_t *data, size_t len, uint8_t mac[CRYPTO_SUITE_MAC_SIZE]);

/* Constant-time check of a full 32-byte MAC over data: AW_OK, or AW_ERR_MAC
 * when it differs or mac_len is not 32. */
aw_err crypto_suite_hmac_verify(crypto_suite suite, const uint8_t *key, size_t key_len,
                                const uint8_t *data, size_t len, const uint8_t *mac,
                                size_t mac_len);

typedef struct crypto_suite_hmac_ctx crypto_suite_hmac_ctx;

aw_err crypto_suite_hmac_new(crypto_suite suite, const uint8_t *key, size_t key_len,
                             crypto_suite_hmac_ctx **out);
aw_err crypto_suite_hmac_update(crypto_suite_hmac_ctx *ctx, const uint8_t *data, size_t len);
aw_err crypto_suite_hmac_final(crypto_suite_hmac_ctx *ctx, uint8_t mac[CRYPTO_SUITE_MAC_SIZE]);
/* Final, then the constant-time comparison of crypto_suite_hmac_verify. */
aw_err crypto_suite_hmac_final_verify(crypto_suite_hmac_ctx *ctx, const uint8_t *mac,
                                      size_t mac_len);
/* NULL-safe; erases the key schedule. */
void crypto_suite_hmac_free(crypto_suite_hmac_ctx *ctx);

/* ---- AEAD seal / open ------------------------------------------------ */

/* 32 bytes (AES-256) or 16 bytes (SM4); 0 for an unknown suite. */
size_t crypto_suite_aead_key_size(crypto_suite suite);

/* Seal plaintext under key (crypto_suite_aead_key_size bytes, else
 * AW_ERR_SUITE_KEY) named key_id, binding ad; writes the sealed format
 * (above) of len + CRYPTO_SUITE_SEALED_OVERHEAD bytes into out.
 * AW_ERR_SUITE_TOO_LARGE over CRYPTO_SUITE_SEAL_MAX / CRYPTO_SUITE_AD_MAX;
 * AW_ERR_BUFFER_TOO_SMALL when out_cap is short. */
aw_err crypto_suite_seal(crypto_suite suite, uint32_t key_id, const uint8_t *key, size_t key_len,
                         const uint8_t *ad, size_t ad_len, const uint8_t *plaintext, size_t len,
                         uint8_t *out, size_t out_cap, size_t *out_len);

/* The header of sealed data, so a caller can pick the key from its ring.
 * AW_ERR_SUITE_SEALED_FORMAT when shorter than the overhead or the suite
 * byte is unknown, AW_ERR_SUITE_SEALED_VERSION for another version. */
aw_err crypto_suite_sealed_inspect(const uint8_t *sealed, size_t len, crypto_suite *suite,
                                   uint32_t *key_id);

/* Open sealed data with the key key_id of the suite and the same ad.
 * Errors: the header ones of crypto_suite_sealed_inspect;
 * AW_ERR_SUITE_MISMATCH when sealed by the other suite; AW_ERR_SUITE_KEY_ID
 * when sealed under another key id; AW_ERR_SUITE_AUTHENTICATION when the tag
 * fails: then the plaintext-sized start of out is zeroed, so no unauthenticated
 * plaintext is ever released. out needs len - CRYPTO_SUITE_SEALED_OVERHEAD
 * bytes. */
aw_err crypto_suite_open(crypto_suite suite, uint32_t key_id, const uint8_t *key, size_t key_len,
                         const uint8_t *ad, size_t ad_len, const uint8_t *sealed, size_t len,
                         uint8_t *out, size_t out_cap, size_t *out_len);

/* ---- Signature keys -------------------------------------------------- */

/* A P-256 key (international) or an SM2 key (domestic); public, or private
 * with its public part. Opaque, immutable. */
typedef struct crypto_suite_key crypto_suite_key;

aw_err crypto_suite_key_generate(crypto_suite suite, crypto_suite_key **out);

/* PEM private key: PKCS#8 "PRIVATE KEY" (RFC 5958, id-ecPublicKey with the
 * suite's namedCurve) or SEC 1 "EC PRIVATE KEY" (RFC 5915), decoded by
 * airwrite (crypto_suite_pem.c) so no copy of d is left in freed memory;
 * the public point is recomputed and must match one in the file. Or PEM
 * SubjectPublicKeyInfo public key. Encrypted PEM is refused (never prompted
 * for). AW_ERR_SUITE_MISMATCH for a key of the other suite, AW_ERR_SUITE_KEY
 * for anything else that is not a key of the suite, AW_ERR_SUITE_TOO_LARGE
 * over 64 KiB. */
aw_err crypto_suite_key_load_private_pem(crypto_suite suite, const char *pem, size_t len,
                                         crypto_suite_key **out);
aw_err crypto_suite_key_load_public_pem(crypto_suite suite, const char *pem, size_t len,
                                        crypto_suite_key **out);

/* Public key from an uncompressed point 04||X||Y on the suite's curve;
 * AW_ERR_SUITE_KEY unless 65 bytes and on the curve. */
aw_err crypto_suite_key_from_point(crypto_suite suite, const uint8_t *point, size_t len,
                                   crypto_suite_key **out);

/* Unencrypted PKCS#8 PEM of a private key, byte for byte what OpenSSL
 * writes (AW_ERR_SUITE_KEY for a public key): secret, free it with
 * crypto_suite_pem_free. NUL-terminated; *len excludes the NUL. */
aw_err crypto_suite_key_export_private_pem(const crypto_suite_key *key, char **pem, size_t *len);
/* SubjectPublicKeyInfo PEM; free with crypto_suite_pem_free. */
aw_err crypto_suite_key_export_public_pem(const crypto_suite_key *key, char **pem, size_t *len);
aw_err crypto_suite_key_export_point(const crypto_suite_key *key,
                                     uint8_t point[CRYPTO_SUITE_POINT_SIZE]);
/* NULL-safe; erases the buffer. */
void crypto_suite_pem_free(char *pem, size_t len);

/* key must not be NULL. */
crypto_suite crypto_suite_key_suite(const crypto_suite_key *key);
bool crypto_suite_key_is_private(const crypto_suite_key *key);
/* NULL-safe. */
void crypto_suite_key_free(crypto_suite_key *key);

/* ---- Signatures ------------------------------------------------------ */

/* Sign message with a private key: ECDSA P-256 with SHA-256, or SM2 with
 * SM3 over Z || message with the default ID. DER signature into sig
 * (at most CRYPTO_SUITE_SIGNATURE_MAX bytes). */
aw_err crypto_suite_sign(const crypto_suite_key *key, const uint8_t *message, size_t len,
                         uint8_t *sig, size_t sig_cap, size_t *sig_len);

/* AW_OK for a valid DER signature; AW_ERR_SIGNATURE_FORMAT when it is not
 * one strict DER SEQUENCE of two INTEGERs in [1, n-1]; AW_ERR_SIGNATURE
 * when it does not verify. */
aw_err crypto_suite_verify(const crypto_suite_key *key, const uint8_t *message, size_t len,
                           const uint8_t *sig, size_t sig_len);

/* SM2 with an explicit distinguishing ID (1..CRYPTO_SUITE_SM2_ID_MAX bytes);
 * AW_ERR_SUITE_DISTINGUISHING_ID for another length or a P-256 key. */
aw_err crypto_suite_sign_with_id(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                                 const uint8_t *message, size_t len, uint8_t *sig,
                                 size_t sig_cap, size_t *sig_len);
aw_err crypto_suite_verify_with_id(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                                   const uint8_t *message, size_t len, const uint8_t *sig,
                                   size_t sig_len);

/* DER signature to raw r||s (each left-padded to 32 bytes) and back, for
 * the suite's curve. AW_ERR_SIGNATURE_FORMAT for a malformed signature or
 * r or s outside [1, n-1]. */
aw_err crypto_suite_signature_to_raw(crypto_suite suite, const uint8_t *der, size_t len,
                                     uint8_t raw[CRYPTO_SUITE_SIGNATURE_RAW_SIZE]);
aw_err crypto_suite_signature_from_raw(crypto_suite suite,
                                       const uint8_t raw[CRYPTO_SUITE_SIGNATURE_RAW_SIZE],
                                       uint8_t *der, size_t der_cap, size_t *der_len);

#endif
