/* airwrite core: what firmware.c shares with firmware_suite.c (the
 * domestic suite's SM2 packages, issue 8): the algorithm OIDs, the manifest
 * encoder, the signing parameter checks and the checks of a verified
 * package's claims. Not a public header. */
#ifndef AIRWRITE_CORE_FIRMWARE_INTERNAL_H
#define AIRWRITE_CORE_FIRMWARE_INTERNAL_H

#include "core/firmware.h"

#define FIRMWARE_OID_SHA256_SIZE 9u
#define FIRMWARE_OID_ECDSA_SIZE 8u
#define FIRMWARE_OID_SM_SIZE 8u

extern const uint8_t firmware_oid_sha256[FIRMWARE_OID_SHA256_SIZE];
extern const uint8_t firmware_oid_ecdsa_with_sha256[FIRMWARE_OID_ECDSA_SIZE];
extern const uint8_t firmware_oid_sm3[FIRMWARE_OID_SM_SIZE];
extern const uint8_t firmware_oid_sm2_with_sm3[FIRMWARE_OID_SM_SIZE];

/* The parameter checks of firmware_package_sign (AW_ERR_ARGUMENT,
 * AW_ERR_FIRMWARE_TOO_LARGE); *module_len the module id's bytes. */
aw_err firmware_check_sign_params(const firmware_sign_params *params, size_t *module_len);

/* The DER of a FirmwareManifest with the given algorithm OIDs (content
 * octets). *out malloc'd. */
aw_err firmware_encode_manifest(const firmware_sign_params *params, size_t module_len,
                                aw_slice digest_oid, aw_slice signature_oid,
                                const uint8_t digest[FIRMWARE_DIGEST_SIZE],
                                const uint8_t key_id[FIRMWARE_KEY_ID_SIZE], uint8_t **out,
                                size_t *out_len);

/* FirmwarePackage of manifest, signature and (unless detached) the image. */
aw_err firmware_package_assemble(const firmware_sign_params *params, const uint8_t *manifest,
                                 size_t manifest_len, const uint8_t *signature,
                                 size_t signature_len, uint8_t **out, size_t *out_len);

/* After the signature verified: module, anti-rollback, image length and
 * digest (with the manifest's digest algorithm), as firmware_package_verify
 * documents. params->trusted_keys is not used. */
aw_err firmware_check_claims(const firmware_package *package, const firmware_verify_params *params);

#endif
