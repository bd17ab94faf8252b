/* airwrite core: firmware packages signed in either crypto suite (issue 8
 * 商用密码; firmware.h, docs/firmware-package.md): ECDSA P-256 with
 * SHA-256, or SM2 with SM3 (GB/T 32918.2, GM/T 0009 default ID) over an
 * SM3 image digest (GB/T 32905), through core/crypto_suite.h. A device is
 * configured for one suite and refuses the other's packages. */
#include <stdlib.h>
#include <string.h>

#include "core/firmware_internal.h"

aw_err firmware_suite_key_id(const crypto_suite_key *key, uint8_t id[FIRMWARE_KEY_ID_SIZE])
{
    if (key == NULL || id == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t point[CRYPTO_SUITE_POINT_SIZE], digest[CRYPTO_SUITE_HASH_SIZE];
    aw_err err = crypto_suite_key_export_point(key, point);
    if (err == AW_OK)
        err = crypto_suite_hash(crypto_suite_key_suite(key), point, sizeof(point), digest);
    if (err == AW_OK)
        memcpy(id, digest, FIRMWARE_KEY_ID_SIZE); /* RFC 7093 2 method 1, the suite's hash */
    return err;
}

/* The suite's rows of the algorithm table. */
static void suite_oids(crypto_suite suite, aw_slice *digest, aw_slice *signature)
{
    if (suite == CRYPTO_SUITE_DOMESTIC) {
        *digest = (aw_slice){firmware_oid_sm3, sizeof(firmware_oid_sm3)};
        *signature = (aw_slice){firmware_oid_sm2_with_sm3, sizeof(firmware_oid_sm2_with_sm3)};
    } else {
        *digest = (aw_slice){firmware_oid_sha256, sizeof(firmware_oid_sha256)};
        *signature = (aw_slice){firmware_oid_ecdsa_with_sha256,
                                sizeof(firmware_oid_ecdsa_with_sha256)};
    }
}

aw_err firmware_package_sign_suite(const firmware_sign_params *params,
                                   const crypto_suite_key *signer, uint8_t **out,
                                   size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (signer == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    size_t module_len = 0;
    aw_err err = firmware_check_sign_params(params, &module_len);
    if (err != AW_OK)
        return err;
    if (!crypto_suite_key_is_private(signer))
        return AW_ERR_SUITE_KEY;
    crypto_suite suite = crypto_suite_key_suite(signer);
    aw_slice digest_oid, signature_oid;
    suite_oids(suite, &digest_oid, &signature_oid);
    uint8_t digest[FIRMWARE_DIGEST_SIZE], key_id[FIRMWARE_KEY_ID_SIZE];
    uint8_t signature[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t signature_len = 0, manifest_len = 0;
    uint8_t *manifest = NULL;
    err = crypto_suite_hash(suite, params->image, params->image_len, digest);
    if (err == AW_OK)
        err = firmware_suite_key_id(signer, key_id);
    if (err == AW_OK)
        err = firmware_encode_manifest(params, module_len, digest_oid, signature_oid, digest,
                                       key_id, &manifest, &manifest_len);
    /* the signature covers exactly the manifest TLV as written (DER r, s) */
    if (err == AW_OK)
        err = crypto_suite_sign(signer, manifest, manifest_len, signature, sizeof(signature),
                                &signature_len);
    if (err == AW_OK)
        err = firmware_package_assemble(params, manifest, manifest_len, signature, signature_len,
                                        out, out_len);
    free(manifest);
    return err;
}

aw_err firmware_package_verify_suite(const uint8_t *der, size_t len, crypto_suite suite,
                                     const crypto_suite_key *const *trusted_keys,
                                     size_t trusted_key_count,
                                     const firmware_verify_params *params,
                                     firmware_manifest *manifest)
{
    if (manifest != NULL)
        memset(manifest, 0, sizeof(*manifest));
    if (params == NULL || params->module_id == NULL || trusted_keys == NULL ||
        trusted_key_count == 0 || crypto_suite_name(suite) == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < trusted_key_count; i++)
        if (trusted_keys[i] == NULL || crypto_suite_key_suite(trusted_keys[i]) != suite)
            return AW_ERR_ARGUMENT;
    firmware_package package;
    aw_err err = firmware_package_parse(der, len, &package);
    if (err != AW_OK)
        return err;
    const firmware_manifest *m = &package.manifest;
    if (manifest != NULL)
        *manifest = *m;
    if (package.has_image && params->image != NULL)
        return AW_ERR_ARGUMENT;
    /* Authenticate before believing any claim: the algorithms must be the
     * configured suite's, never chosen by the package. */
    bool domestic = suite == CRYPTO_SUITE_DOMESTIC;
    if (m->digest_algorithm != (domestic ? FIRMWARE_DIGEST_SM3 : FIRMWARE_DIGEST_SHA256) ||
        m->signature_algorithm !=
            (domestic ? FIRMWARE_SIGNATURE_SM2_SM3 : FIRMWARE_SIGNATURE_ECDSA_P256_SHA256))
        return AW_ERR_FIRMWARE_ALGORITHM;
    const crypto_suite_key *key = NULL;
    for (size_t i = 0; key == NULL && i < trusted_key_count; i++) {
        uint8_t id[FIRMWARE_KEY_ID_SIZE];
        if ((err = firmware_suite_key_id(trusted_keys[i], id)) != AW_OK)
            return err;
        if (memcmp(id, m->signer_key_id, FIRMWARE_KEY_ID_SIZE) == 0)
            key = trusted_keys[i];
    }
    if (key == NULL)
        return AW_ERR_FIRMWARE_SIGNER;
    err = crypto_suite_verify(key, m->raw.ptr, m->raw.len, package.signature.ptr,
                              package.signature.len);
    if (err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT)
        return AW_ERR_FIRMWARE_SIGNATURE;
    if (err != AW_OK)
        return err;
    return firmware_check_claims(&package, params);
}
