/* airwrite core: signed firmware update packages for the device's secure
 * module (T/CA group standard, security management of devices and chips:
 * the IPA applies a secure-module firmware update only after verifying the
 * vendor's signature and refusing downgrades; tampered or downgraded images
 * are refused and reported). Format: docs/firmware-package.md.
 *
 *   FirmwarePackage ::= SEQUENCE {
 *       manifest    FirmwareManifest,   -- the signed part, exact bytes
 *       signature   OCTET STRING (SIZE(8..144)),
 *                   -- over the DER of manifest, as signatureAlgorithm says;
 *                   -- ecdsa-with-SHA256: a DER ECDSA-Sig-Value (RFC 5480)
 *       image       [0] IMPLICIT OCTET STRING OPTIONAL
 *                   -- absent: the image travels separately (detached)
 *   }
 *   FirmwareManifest ::= SEQUENCE {
 *       formatVersion         INTEGER (1),
 *       moduleId              UTF8String (SIZE(1..64)),
 *       firmwareVersion       INTEGER (0..9223372036854775807),
 *       imageLength           INTEGER (1..67108864),
 *       imageDigestAlgorithm  OBJECT IDENTIFIER,   -- id-sha256
 *       imageDigest           OCTET STRING (SIZE(32)),
 *       signatureAlgorithm    OBJECT IDENTIFIER,   -- ecdsa-with-SHA256
 *       signerKeyId           OCTET STRING (SIZE(20))
 *                   -- RFC 7093 2 method 1: leftmost 160 bits of SHA-256
 *                   -- of the signer's subjectPublicKey (04||X||Y)
 *   }
 *
 * Algorithms are carried as OIDs: the international suite is id-sha256
 * (2.16.840.1.101.3.4.2.1) with ecdsa-with-SHA256 (1.2.840.10045.4.3.2) on
 * NIST P-256 (firmware_package_sign / _verify); the domestic suite (issue 8)
 * is SM3 (1.2.156.10197.1.401, GB/T 32905) with SM2-with-SM3
 * (1.2.156.10197.1.501; GB/T 32918.2, GM/T 0009 default ID, DER SM2Signature)
 * (firmware_package_sign_suite / _verify_suite, which take either suite).
 * A device verifies with the one suite it is configured for: a package of
 * the other suite is AW_ERR_FIRMWARE_ALGORITHM. For an SM2 signer the key id
 * is the leftmost 160 bits of SM3 (not SHA-256) of its public point.
 *
 * Verification order (firmware_package_verify): structure, algorithms,
 * signer, signature; only then the signed claims: module, version
 * (anti-rollback), image length and digest. So an unsigned package can
 * never make the verifier act on its claims.
 */
#ifndef AIRWRITE_CORE_FIRMWARE_H
#define AIRWRITE_CORE_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/crypto_suite.h"
#include "core/der.h"
#include "core/error.h"

#define FIRMWARE_FORMAT_VERSION 1
#define FIRMWARE_MODULE_ID_MAX 64u          /* characters of moduleId */
#define FIRMWARE_IMAGE_MAX (64u * 1024u * 1024u)
#define FIRMWARE_DIGEST_SIZE 32u
#define FIRMWARE_KEY_ID_SIZE 20u
#define FIRMWARE_SIGNATURE_MIN 8u
#define FIRMWARE_SIGNATURE_MAX 144u
/* Package size bound: the image plus the manifest and signature. */
#define FIRMWARE_PACKAGE_MAX (FIRMWARE_IMAGE_MAX + 4096u)

typedef enum firmware_digest_algorithm {
    FIRMWARE_DIGEST_SHA256 = 1,
    FIRMWARE_DIGEST_SM3 = 2,
} firmware_digest_algorithm;

typedef enum firmware_signature_algorithm {
    FIRMWARE_SIGNATURE_ECDSA_P256_SHA256 = 1,
    FIRMWARE_SIGNATURE_SM2_SM3 = 2,
} firmware_signature_algorithm;

/* The manifest as parsed; pointers into the package buffer. */
typedef struct firmware_manifest {
    int64_t format_version;
    aw_slice module_id;                 /* UTF-8, not NUL-terminated */
    uint64_t firmware_version;
    uint64_t image_length;
    firmware_digest_algorithm digest_algorithm;
    uint8_t image_digest[FIRMWARE_DIGEST_SIZE];
    firmware_signature_algorithm signature_algorithm;
    uint8_t signer_key_id[FIRMWARE_KEY_ID_SIZE];
    aw_slice raw;                       /* the manifest TLV: the signed bytes */
} firmware_manifest;

typedef struct firmware_package {
    firmware_manifest manifest;
    aw_slice signature;                 /* contents of the signature OCTET STRING */
    bool has_image;
    aw_slice image;                     /* embedded image when has_image */
} firmware_package;

/* The signer key id of a key (RFC 7093 2 method 1 over 04||X||Y). */
aw_err firmware_key_id(const crypto_key *key, uint8_t id[FIRMWARE_KEY_ID_SIZE]);

/* Parse without verifying anything but the structure (zero-copy: out
 * points into der). AW_ERR_FIRMWARE_FORMAT for anything that is not the
 * structure above in DER (an unknown algorithm OID is not a format error:
 * see verify), AW_ERR_FIRMWARE_FORMAT_VERSION for a formatVersion other
 * than 1, AW_ERR_FIRMWARE_TOO_LARGE for a moduleId over 64 characters or an
 * imageLength over FIRMWARE_IMAGE_MAX; *out is zeroed on error. */
aw_err firmware_package_parse(const uint8_t *der, size_t len, firmware_package *out);

/* ---- Vendor side ----------------------------------------------------- */

typedef struct firmware_sign_params {
    const char *module_id;              /* 1..64 characters of UTF-8 */
    uint64_t firmware_version;          /* 0..INT64_MAX */
    const uint8_t *image;
    size_t image_len;                   /* 1..FIRMWARE_IMAGE_MAX */
    bool detached;                      /* leave the image out of the package */
} firmware_sign_params;

/* Build and sign a package with a private P-256 key (the vendor's firmware
 * signing key). *out: malloc'd DER, free with free(). AW_ERR_ARGUMENT for a
 * missing or malformed field, AW_ERR_FIRMWARE_TOO_LARGE for a module id or
 * image over its bound, AW_ERR_CRYPTO_KEY for a public key,
 * AW_ERR_CRYPTO_CURVE for a key not on P-256. */
aw_err firmware_package_sign(const firmware_sign_params *params, const crypto_key *signer,
                             uint8_t **out, size_t *out_len);

/* ---- Device side (IPA) ----------------------------------------------- */

typedef struct firmware_verify_params {
    const crypto_key *const *trusted_keys; /* the trusted firmware signing keys */
    size_t trusted_key_count;
    const char *module_id;              /* the module being updated */
    uint64_t installed_version;         /* its current firmware version */
    bool allow_reinstall;               /* accept the installed version again */
    /* The image when the package is detached (NULL otherwise): giving one
     * for a package that embeds its image is AW_ERR_ARGUMENT. */
    const uint8_t *image;
    size_t image_len;
} firmware_verify_params;

/* Verify a package before applying it. AW_OK only when everything holds:
 *   AW_ERR_FIRMWARE_FORMAT, _FORMAT_VERSION, _TOO_LARGE   (parse, above)
 *   AW_ERR_FIRMWARE_ALGORITHM  digest or signature algorithm not supported,
 *                              or the signer key is not on P-256
 *   AW_ERR_FIRMWARE_SIGNER     signerKeyId names no trusted key
 *   AW_ERR_FIRMWARE_SIGNATURE  signature malformed or not valid for the manifest
 *   AW_ERR_FIRMWARE_MODULE     moduleId is not params->module_id
 *   AW_ERR_FIRMWARE_ROLLBACK   firmwareVersion < installed_version
 *   AW_ERR_FIRMWARE_SAME_VERSION  firmwareVersion == installed_version and
 *                              no allow_reinstall
 *   AW_ERR_FIRMWARE_LENGTH     image missing or of another length than signed
 *   AW_ERR_FIRMWARE_DIGEST     image digest differs from the signed one
 *   AW_ERR_ARGUMENT            bad parameters (no trusted key, no module id,
 *                              an image given for an embedded package)
 * manifest (may be NULL) receives the parsed manifest whenever parsing
 * succeeded, also on a later refusal, so the refusal can be reported (its
 * fields are unauthenticated when the error is _ALGORITHM, _SIGNER or
 * _SIGNATURE). The image to apply is the embedded one (firmware_package_parse)
 * or the detached one just checked. */
aw_err firmware_package_verify(const uint8_t *der, size_t len,
                               const firmware_verify_params *params,
                               firmware_manifest *manifest);

/* ---- Either crypto suite (firmware_suite.c, issue 8) --------------------- */

/* The signer key id of a suite key: leftmost 160 bits of the suite's hash
 * (SHA-256 or SM3) of 04||X||Y. */
aw_err firmware_suite_key_id(const crypto_suite_key *key, uint8_t id[FIRMWARE_KEY_ID_SIZE]);

/* firmware_package_sign with a private key of either suite: P-256 gives the
 * same package as firmware_package_sign; SM2 signs with SM2-with-SM3 over
 * an SM3 image digest. Errors as firmware_package_sign, AW_ERR_SUITE_KEY
 * for a public key. */
aw_err firmware_package_sign_suite(const firmware_sign_params *params,
                                   const crypto_suite_key *signer, uint8_t **out,
                                   size_t *out_len);

/* firmware_package_verify for a device expecting suite: trusted_keys are
 * keys of that suite (params->trusted_keys is not used and may be NULL);
 * the package's digest and signature algorithms must be the suite's, else
 * AW_ERR_FIRMWARE_ALGORITHM (so an international device refuses an SM2
 * package and a domestic one an ECDSA package); then as
 * firmware_package_verify. AW_ERR_ARGUMENT also for a trusted key of
 * another suite or an unknown suite. */
aw_err firmware_package_verify_suite(const uint8_t *der, size_t len, crypto_suite suite,
                                     const crypto_suite_key *const *trusted_keys,
                                     size_t trusted_key_count,
                                     const firmware_verify_params *params,
                                     firmware_manifest *manifest);

#endif
