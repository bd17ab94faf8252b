/* airwrite core: envelopes sealed to a recipient's public key (issue 8,
 * encrypted terminal information: the device seals what it reports to the
 * platform's key, so only the platform reads it; signed by the device).
 *
 *   suite          public-key encryption
 *   international  ECIES on P-256 (SEC 1 v2 5.1): ephemeral-static ECDH
 *                  (SEC 1 3.3.1 ECSVDP-DH, the shared x coordinate Z), the
 *                  ANSI X9.63 KDF with SHA-256 (SEC 1 3.6.1) over Z with
 *                  SharedInfo = the ephemeral point R, 44 bytes: the
 *                  AES-256 key, then the 96-bit GCM IV; AES-256-GCM (NIST
 *                  SP 800-38D) with the caller's additional data.
 *                  Ciphertext: R (65, 04||X||Y) || C || tag (16).
 *   domestic       SM2 public-key encryption (GB/T 32918.4-2016 6.1) with
 *                  SM3 in the KDF and C3: C1 (65, 04||X||Y) || C3 (32) || C2,
 *                  the order of GB/T 32918.4-2016 6.1 step A8 and of GM/T
 *                  0003.4-2012. OpenSSL 3 writes the GM/T 0009-2012 7.2 DER
 *                  SM2Cipher SEQUENCE { XCoordinate INTEGER, YCoordinate
 *                  INTEGER, HASH OCTET STRING, CipherText OCTET STRING }
 *                  (the same C1, C3, C2): converted here both ways.
 *
 * SM2 encryption has no associated data: the envelope binds its header by
 * encrypting it together with the payload (M = header || payload) and
 * checking the decrypted copy against the header received; C3 =
 * SM3(x2 || M || y2) detects any change of M.
 *
 * Envelope, version 1, integers big-endian:
 *
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       1     suite: 0x01 international (ECIES P-256), 0x02 domestic (SM2)
 *   2       1     content type (CRYPTO_ENVELOPE_TYPE_*)
 *   3       4     recipient key id (the platform's key, so keys can rotate)
 *   7       16    EID (SGP.22 EID, 16 bytes, as ES10c.GetEID returns it)
 *   23      8     time: Unix seconds when sealed (signed)
 *   31      16    envelope id: random, unique per envelope (replay check)
 *   47      4     n: length of the ciphertext
 *   51      n     ciphertext: international R || C || tag over the payload,
 *                 additional data the 47-byte header; domestic C1 || C3 ||
 *                 C2 over header (47) || payload
 *   51+n    1     s: length of the signature (8..72)
 *   52+n    s     signature of the sender (DER ECDSA P-256 with SHA-256, or
 *                 SM2 with SM3 and the default ID, GB/T 32918.2) over bytes
 *                 0 .. 51+n, i.e. everything before the signature length
 *
 * The header (offsets 0..46) is in clear so the recipient can pick its key
 * and check the sender, time and replay before decrypting. The signature
 * makes the envelope the sender's (anyone may encrypt to a public key):
 * the recipient verifies it with the key of the sender's certificate. The
 * sender's key suite is independent of the envelope's (a P-256 device
 * certificate may seal to an SM2 platform key).
 *
 * Keys are immutable after creation and may be shared by threads. */
#ifndef AIRWRITE_CORE_CRYPTO_ENVELOPE_H
#define AIRWRITE_CORE_CRYPTO_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_suite.h"
#include "core/error.h"

#define CRYPTO_ENVELOPE_VERSION 1u
#define CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO 0x01u
#define CRYPTO_ENVELOPE_EID_SIZE 16u
#define CRYPTO_ENVELOPE_ID_SIZE 16u
#define CRYPTO_ENVELOPE_HEADER_SIZE 47u
#define CRYPTO_ENVELOPE_PAYLOAD_MAX 8192u
#define CRYPTO_ENVELOPE_POINT_SIZE 65u   /* 04||X||Y */
#define CRYPTO_ENVELOPE_SM2_HASH_SIZE 32u /* C3 */
#define CRYPTO_ENVELOPE_ECIES_OVERHEAD (CRYPTO_ENVELOPE_POINT_SIZE + 16u)
#define CRYPTO_ENVELOPE_SM2_OVERHEAD (CRYPTO_ENVELOPE_POINT_SIZE + CRYPTO_ENVELOPE_SM2_HASH_SIZE)
#define CRYPTO_ENVELOPE_SIGNATURE_MIN 8u
/* Largest envelope: header, length, SM2 over header || payload, signature */
#define CRYPTO_ENVELOPE_MAX                                                                     \
    (CRYPTO_ENVELOPE_HEADER_SIZE + 4u + CRYPTO_ENVELOPE_SM2_OVERHEAD +                          \
     CRYPTO_ENVELOPE_HEADER_SIZE + CRYPTO_ENVELOPE_PAYLOAD_MAX + 1u + CRYPTO_SUITE_SIGNATURE_MAX)

/* A recipient key: P-256 (international) or SM2 (domestic), public, or
 * private with its public part. Opaque. */
typedef struct crypto_envelope_key crypto_envelope_key;

aw_err crypto_envelope_key_generate(crypto_suite suite, crypto_envelope_key **out);
/* PEM as crypto_suite_key_load_private_pem / _public_pem take it (same
 * errors: AW_ERR_SUITE_MISMATCH, AW_ERR_SUITE_KEY, AW_ERR_SUITE_TOO_LARGE). */
aw_err crypto_envelope_key_load_private_pem(crypto_suite suite, const char *pem, size_t len,
                                            crypto_envelope_key **out);
aw_err crypto_envelope_key_load_public_pem(crypto_suite suite, const char *pem, size_t len,
                                           crypto_envelope_key **out);
/* Public key from 04||X||Y on the suite's curve; AW_ERR_SUITE_KEY otherwise. */
aw_err crypto_envelope_key_from_point(crypto_suite suite, const uint8_t *point, size_t len,
                                      crypto_envelope_key **out);
aw_err crypto_envelope_key_export_point(const crypto_envelope_key *key,
                                        uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE]);
/* SubjectPublicKeyInfo PEM (free with crypto_suite_pem_free). */
aw_err crypto_envelope_key_export_public_pem(const crypto_envelope_key *key, char **pem,
                                             size_t *len);
/* Unencrypted PKCS#8 PEM of a private key (AW_ERR_SUITE_KEY for a public
 * one); secret: free with crypto_suite_pem_free. */
aw_err crypto_envelope_key_export_private_pem(const crypto_envelope_key *key, char **pem,
                                              size_t *len);
crypto_suite crypto_envelope_key_suite(const crypto_envelope_key *key);
bool crypto_envelope_key_is_private(const crypto_envelope_key *key);
/* NULL-safe. */
void crypto_envelope_key_free(crypto_envelope_key *key);

/* ---- The public-key encryptions (crypto_envelope_sm2.c, _ecies.c) ------- */

/* SM2 encryption (GB/T 32918.4-2016 6.1) of len (1..CRYPTO_ENVELOPE_PAYLOAD_MAX
 * + CRYPTO_ENVELOPE_HEADER_SIZE) bytes to a domestic key: C1 || C3 || C2,
 * len + CRYPTO_ENVELOPE_SM2_OVERHEAD bytes into out. AW_ERR_SUITE_MISMATCH
 * for an international key; AW_ERR_ARGUMENT for an empty or too long
 * message; AW_ERR_BUFFER_TOO_SMALL. */
aw_err crypto_envelope_sm2_encrypt(const crypto_envelope_key *recipient, const uint8_t *message,
                                   size_t len, uint8_t *out, size_t out_cap, size_t *out_len);
/* SM2 decryption (GB/T 32918.4-2016 7.1) of C1 || C3 || C2 with a private
 * domestic key: AW_ERR_ENVELOPE_FORMAT when shorter than the overhead plus
 * one byte or C1 is not an uncompressed point; AW_ERR_ENVELOPE_DECRYPT when
 * C1 is not on the curve or C3 does not match (nothing released);
 * AW_ERR_SUITE_KEY for a public key. */
aw_err crypto_envelope_sm2_decrypt(const crypto_envelope_key *recipient,
                                   const uint8_t *ciphertext, size_t len, uint8_t *out,
                                   size_t out_cap, size_t *out_len);
/* C1 || C3 || C2 to the GM/T 0009-2012 7.2 DER SM2Cipher (malloc'd) and
 * back. AW_ERR_ENVELOPE_FORMAT for input not of that form (strict DER,
 * coordinates of at most 32 bytes, a 32-byte HASH, a non-empty CipherText). */
aw_err crypto_envelope_sm2_to_der(const uint8_t *c1c3c2, size_t len, uint8_t **der,
                                  size_t *der_len);
aw_err crypto_envelope_sm2_from_der(const uint8_t *der, size_t len, uint8_t *out, size_t out_cap,
                                    size_t *out_len);

/* ECIES on P-256 (SEC 1 v2 5.1.3) of len (0..CRYPTO_ENVELOPE_PAYLOAD_MAX)
 * bytes to an international key with additional data ad (at most
 * CRYPTO_ENVELOPE_HEADER_SIZE bytes): R || C || tag, len +
 * CRYPTO_ENVELOPE_ECIES_OVERHEAD bytes. Errors as crypto_envelope_sm2_encrypt. */
aw_err crypto_envelope_ecies_encrypt(const crypto_envelope_key *recipient, const uint8_t *ad,
                                     size_t ad_len, const uint8_t *message, size_t len,
                                     uint8_t *out, size_t out_cap, size_t *out_len);
/* SEC 1 v2 5.1.4: AW_ERR_ENVELOPE_FORMAT when shorter than the overhead or R
 * is not uncompressed; AW_ERR_ENVELOPE_DECRYPT when R is not on the curve or
 * the tag fails (nothing released). */
aw_err crypto_envelope_ecies_decrypt(const crypto_envelope_key *recipient, const uint8_t *ad,
                                     size_t ad_len, const uint8_t *ciphertext, size_t len,
                                     uint8_t *out, size_t out_cap, size_t *out_len);

/* ---- Envelopes (crypto_envelope.c) ------------------------------------- */

/* The clear header. */
typedef struct crypto_envelope_header {
    crypto_suite suite;
    uint8_t content_type;
    uint32_t key_id;
    uint8_t eid[CRYPTO_ENVELOPE_EID_SIZE];
    int64_t time;
    uint8_t id[CRYPTO_ENVELOPE_ID_SIZE];
} crypto_envelope_header;

/* An envelope as parsed: the header and slices into the input. */
typedef struct crypto_envelope_view {
    crypto_envelope_header header;
    const uint8_t *ciphertext;
    size_t ciphertext_len;
    const uint8_t *signed_part; /* bytes 0 .. 51+n */
    size_t signed_len;
    const uint8_t *signature;
    size_t signature_len;
} crypto_envelope_view;

/* Seal payload (1..CRYPTO_ENVELOPE_PAYLOAD_MAX bytes) to recipient under
 * key_id, header fields from *header except suite (the recipient's) and id
 * (random), signed with signer (a private crypto_suite_key). *out is
 * malloc'd (free with free). Errors: AW_ERR_ARGUMENT, AW_ERR_SUITE_KEY
 * (signer not private), AW_ERR_CRYPTO, AW_ERR_NOMEM. */
aw_err crypto_envelope_seal(const crypto_envelope_key *recipient, uint32_t key_id,
                            const crypto_suite_key *signer, const crypto_envelope_header *header,
                            const uint8_t *payload, size_t len, uint8_t **out, size_t *out_len);

/* Strict bounded parse, no cryptography: AW_ERR_ENVELOPE_FORMAT unless
 * exactly the format above (version 1, a known suite and content type,
 * a ciphertext length consistent with the suite and the bounds, a
 * signature of 8..72 bytes ending the input). */
aw_err crypto_envelope_parse(const uint8_t *in, size_t len, crypto_envelope_view *out);

/* Verify the signature with signer (public or private), then decrypt with
 * the private recipient key named key_id. Errors: those of
 * crypto_envelope_parse; AW_ERR_ENVELOPE_SIGNATURE; AW_ERR_ENVELOPE_KEY
 * when the envelope names another key id or suite; AW_ERR_ENVELOPE_DECRYPT.
 * *payload (malloc'd, erase-and-free with crypto_envelope_payload_free) and
 * *header only on AW_OK. */
aw_err crypto_envelope_open(const crypto_envelope_key *recipient, uint32_t key_id,
                            const crypto_suite_key *signer, const uint8_t *in, size_t len,
                            crypto_envelope_header *header, uint8_t **payload,
                            size_t *payload_len);

/* NULL-safe; erases first. */
void crypto_envelope_payload_free(uint8_t *payload, size_t len);

#endif
