/* airwrite core: signed secure-module firmware packages: DER codec, vendor
 * signing, device-side verification with anti-rollback (T/CA group
 * standard, device and chip security; format in firmware.h and
 * docs/firmware-package.md). */
#include "core/firmware.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/firmware_internal.h"

/* Algorithm table: OID content octets (X.690 8.19) and the value each maps
 * to; the domestic suite's rows (issue 8) are SM3 (1.2.156.10197.1.401,
 * GB/T 32905) and SM2-with-SM3 (1.2.156.10197.1.501, GM/T 0006). */
const uint8_t firmware_oid_sha256[FIRMWARE_OID_SHA256_SIZE] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                                               0x03, 0x04, 0x02, 0x01};
const uint8_t firmware_oid_ecdsa_with_sha256[FIRMWARE_OID_ECDSA_SIZE] = {
    0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
const uint8_t firmware_oid_sm3[FIRMWARE_OID_SM_SIZE] = {0x2A, 0x81, 0x1C, 0xCF,
                                                        0x55, 0x01, 0x83, 0x11};
const uint8_t firmware_oid_sm2_with_sm3[FIRMWARE_OID_SM_SIZE] = {0x2A, 0x81, 0x1C, 0xCF,
                                                                 0x55, 0x01, 0x83, 0x75};

static bool oid_equal(aw_slice oid, const uint8_t *want, size_t want_len)
{
    return oid.len == want_len && memcmp(oid.ptr, want, want_len) == 0;
}

/* Any DER-level failure is a malformed package. */
static aw_err as_format(aw_err err)
{
    return err == AW_OK ? AW_OK : AW_ERR_FIRMWARE_FORMAT;
}

aw_err firmware_key_id(const crypto_key *key, uint8_t id[FIRMWARE_KEY_ID_SIZE])
{
    if (key == NULL || id == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t point[CRYPTO_POINT_SIZE], digest[CRYPTO_SHA256_SIZE];
    aw_err err = crypto_key_export_point(key, point);
    if (err == AW_OK)
        err = crypto_sha256(point, sizeof(point), digest);
    if (err == AW_OK)
        memcpy(id, digest, FIRMWARE_KEY_ID_SIZE); /* RFC 7093 2 method 1 */
    return err;
}

/* A non-negative INTEGER in [min, max]; AW_ERR_FIRMWARE_TOO_LARGE above
 * max when too_large is set, else a format error. */
static aw_err read_count(der_reader *r, int64_t min, int64_t max, bool too_large, int64_t *out)
{
    der_node node;
    aw_err err = as_format(der_read_expect(r, DER_TAG_INTEGER, &node));
    if (err == AW_OK)
        err = as_format(der_node_get_int64(&node, out));
    if (err != AW_OK)
        return err;
    if (*out > max && too_large)
        return AW_ERR_FIRMWARE_TOO_LARGE;
    return *out < min || *out > max ? AW_ERR_FIRMWARE_FORMAT : AW_OK;
}

static aw_err read_octets(der_reader *r, uint32_t tag, size_t min, size_t max, aw_slice *out)
{
    der_node node;
    aw_err err = as_format(der_read_expect(r, tag, &node));
    if (err == AW_OK)
        err = as_format(der_node_check_octets(&node, min, max));
    if (err == AW_OK)
        *out = node.value;
    return err;
}

static aw_err parse_manifest(const der_reader *parent, const der_node *node, firmware_manifest *m)
{
    der_reader r;
    aw_err err = as_format(der_reader_enter(parent, node, &r));
    if (err != AW_OK)
        return err;
    m->raw = node->raw;
    /* formatVersion first: a later format may change everything after it. */
    if ((err = read_count(&r, 0, INT64_MAX, false, &m->format_version)) != AW_OK)
        return err;
    if (m->format_version != FIRMWARE_FORMAT_VERSION)
        return AW_ERR_FIRMWARE_FORMAT_VERSION;
    der_reader probe = r;
    if ((err = read_octets(&r, DER_TAG_UTF8_STRING, 1, 4 * FIRMWARE_MODULE_ID_MAX,
                           &m->module_id)) != AW_OK) {
        der_node long_id;
        /* a well-formed but longer UTF8String is "too large", not malformed */
        if (err == AW_ERR_FIRMWARE_FORMAT &&
            der_read_expect(&probe, DER_TAG_UTF8_STRING, &long_id) == AW_OK &&
            !long_id.constructed && long_id.value.len > 4 * FIRMWARE_MODULE_ID_MAX)
            return AW_ERR_FIRMWARE_TOO_LARGE;
        return err;
    }
    if (der_check_utf8(m->module_id, 1, SIZE_MAX) != AW_OK)
        return AW_ERR_FIRMWARE_FORMAT;
    if (der_check_utf8(m->module_id, 1, FIRMWARE_MODULE_ID_MAX) != AW_OK)
        return AW_ERR_FIRMWARE_TOO_LARGE;
    int64_t version = 0, length = 0;
    if ((err = read_count(&r, 0, INT64_MAX, false, &version)) != AW_OK ||
        (err = read_count(&r, 1, FIRMWARE_IMAGE_MAX, true, &length)) != AW_OK)
        return err;
    m->firmware_version = (uint64_t)version;
    m->image_length = (uint64_t)length;
    aw_slice oid, digest, key_id;
    if ((err = read_octets(&r, DER_TAG_OID, 1, 32, &oid)) != AW_OK)
        return err;
    m->digest_algorithm =
        oid_equal(oid, firmware_oid_sha256, sizeof(firmware_oid_sha256)) ? FIRMWARE_DIGEST_SHA256
        : oid_equal(oid, firmware_oid_sm3, sizeof(firmware_oid_sm3))      ? FIRMWARE_DIGEST_SM3
                                                                          : 0;
    if ((err = read_octets(&r, DER_TAG_OCTET_STRING, FIRMWARE_DIGEST_SIZE, FIRMWARE_DIGEST_SIZE,
                           &digest)) != AW_OK ||
        (err = read_octets(&r, DER_TAG_OID, 1, 32, &oid)) != AW_OK ||
        (err = read_octets(&r, DER_TAG_OCTET_STRING, FIRMWARE_KEY_ID_SIZE, FIRMWARE_KEY_ID_SIZE,
                           &key_id)) != AW_OK)
        return err;
    m->signature_algorithm =
        oid_equal(oid, firmware_oid_ecdsa_with_sha256, sizeof(firmware_oid_ecdsa_with_sha256))
            ? FIRMWARE_SIGNATURE_ECDSA_P256_SHA256
        : oid_equal(oid, firmware_oid_sm2_with_sm3, sizeof(firmware_oid_sm2_with_sm3))
            ? FIRMWARE_SIGNATURE_SM2_SM3
            : 0;
    memcpy(m->image_digest, digest.ptr, FIRMWARE_DIGEST_SIZE);
    memcpy(m->signer_key_id, key_id.ptr, FIRMWARE_KEY_ID_SIZE);
    return as_format(der_reader_finish(&r));
}

aw_err firmware_package_parse(const uint8_t *der, size_t len, firmware_package *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (der == NULL || len == 0)
        return AW_ERR_FIRMWARE_FORMAT;
    if (len > FIRMWARE_PACKAGE_MAX)
        return AW_ERR_FIRMWARE_TOO_LARGE;
    der_reader top, body;
    der_node package, manifest, image;
    der_reader_init(&top, der, len);
    aw_err err = as_format(der_read_expect(&top, DER_TAG_SEQUENCE, &package));
    if (err == AW_OK)
        err = as_format(der_reader_finish(&top));
    if (err == AW_OK)
        err = as_format(der_reader_enter(&top, &package, &body));
    if (err == AW_OK)
        err = as_format(der_read_expect(&body, DER_TAG_SEQUENCE, &manifest));
    if (err == AW_OK)
        err = parse_manifest(&body, &manifest, &out->manifest);
    if (err == AW_OK)
        err = read_octets(&body, DER_TAG_OCTET_STRING, FIRMWARE_SIGNATURE_MIN,
                          FIRMWARE_SIGNATURE_MAX, &out->signature);
    if (err == AW_OK)
        err = as_format(der_read_optional(&body, DER_CTX(0), &image, &out->has_image));
    if (err == AW_OK && out->has_image) {
        err = as_format(der_node_check_octets(&image, 1, FIRMWARE_IMAGE_MAX));
        out->image = image.value;
    }
    if (err == AW_OK)
        err = as_format(der_reader_finish(&body));
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

/* ---- Signing --------------------------------------------------------- */

aw_err firmware_encode_manifest(const firmware_sign_params *params, size_t module_len,
                                aw_slice digest_oid, aw_slice signature_oid,
                                const uint8_t digest[FIRMWARE_DIGEST_SIZE],
                                const uint8_t key_id[FIRMWARE_KEY_ID_SIZE], uint8_t **out,
                                size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, FIRMWARE_FORMAT_VERSION);
    der_put_tlv(&b, DER_TAG_UTF8_STRING, (const uint8_t *)params->module_id, module_len);
    der_put_int64(&b, DER_TAG_INTEGER, (int64_t)params->firmware_version);
    der_put_int64(&b, DER_TAG_INTEGER, (int64_t)params->image_len);
    der_put_tlv(&b, DER_TAG_OID, digest_oid.ptr, digest_oid.len);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, digest, FIRMWARE_DIGEST_SIZE);
    der_put_tlv(&b, DER_TAG_OID, signature_oid.ptr, signature_oid.len);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, key_id, FIRMWARE_KEY_ID_SIZE);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, out, out_len);
    der_builder_free(&b);
    return err;
}

aw_err firmware_check_sign_params(const firmware_sign_params *params, size_t *module_len_out)
{
    *module_len_out = 0;
    if (params == NULL || params->module_id == NULL || params->image == NULL ||
        params->image_len == 0 || params->firmware_version > (uint64_t)INT64_MAX)
        return AW_ERR_ARGUMENT;
    size_t module_len = strnlen(params->module_id, 4 * FIRMWARE_MODULE_ID_MAX + 1);
    aw_slice module = {(const uint8_t *)params->module_id, module_len};
    if (module_len == 0 || (module_len <= 4 * FIRMWARE_MODULE_ID_MAX &&
                            der_check_utf8(module, 1, SIZE_MAX) != AW_OK))
        return AW_ERR_ARGUMENT;
    if (module_len > 4 * FIRMWARE_MODULE_ID_MAX ||
        der_check_utf8(module, 1, FIRMWARE_MODULE_ID_MAX) != AW_OK ||
        params->image_len > FIRMWARE_IMAGE_MAX)
        return AW_ERR_FIRMWARE_TOO_LARGE;
    *module_len_out = module_len;
    return AW_OK;
}

aw_err firmware_package_assemble(const firmware_sign_params *params, const uint8_t *manifest,
                                 size_t manifest_len, const uint8_t *signature,
                                 size_t signature_len, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_raw(&b, manifest, manifest_len);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, signature, signature_len);
    if (!params->detached)
        der_put_tlv(&b, DER_CTX(0), params->image, params->image_len);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, out, out_len);
    der_builder_free(&b);
    return err;
}

aw_err firmware_package_sign(const firmware_sign_params *params, const crypto_key *signer,
                             uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (signer == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    size_t module_len = 0;
    aw_err checked = firmware_check_sign_params(params, &module_len);
    if (checked != AW_OK)
        return checked;
    if (!crypto_key_is_private(signer))
        return AW_ERR_CRYPTO_KEY;
    if (crypto_key_curve(signer) != CRYPTO_CURVE_NIST_P256)
        return AW_ERR_CRYPTO_CURVE;
    uint8_t digest[FIRMWARE_DIGEST_SIZE], key_id[FIRMWARE_KEY_ID_SIZE];
    uint8_t plain[CRYPTO_SIGNATURE_SIZE], signature[CRYPTO_SIGNATURE_DER_MAX];
    size_t signature_len = 0, manifest_len = 0;
    uint8_t *manifest = NULL;
    aw_err err = crypto_sha256(params->image, params->image_len, digest);
    if (err == AW_OK)
        err = firmware_key_id(signer, key_id);
    if (err == AW_OK)
        err = firmware_encode_manifest(
            params, module_len, (aw_slice){firmware_oid_sha256, sizeof(firmware_oid_sha256)},
            (aw_slice){firmware_oid_ecdsa_with_sha256, sizeof(firmware_oid_ecdsa_with_sha256)},
            digest, key_id, &manifest, &manifest_len);
    /* The signature covers exactly the manifest TLV as written. */
    if (err == AW_OK)
        err = crypto_sign_ecdsa(signer, manifest, manifest_len, plain);
    if (err == AW_OK)
        err = crypto_signature_plain_to_der(CRYPTO_CURVE_NIST_P256, plain, signature,
                                            sizeof(signature), &signature_len);
    if (err == AW_OK)
        err = firmware_package_assemble(params, manifest, manifest_len, signature, signature_len,
                                        out, out_len);
    free(manifest);
    return err;
}

/* ---- Verification ---------------------------------------------------- */

static aw_err find_signer(const firmware_verify_params *params,
                          const uint8_t key_id[FIRMWARE_KEY_ID_SIZE], const crypto_key **out)
{
    *out = NULL;
    for (size_t i = 0; i < params->trusted_key_count; i++) {
        uint8_t id[FIRMWARE_KEY_ID_SIZE];
        if (params->trusted_keys[i] == NULL)
            return AW_ERR_ARGUMENT;
        aw_err err = firmware_key_id(params->trusted_keys[i], id);
        if (err != AW_OK)
            return err;
        if (memcmp(id, key_id, FIRMWARE_KEY_ID_SIZE) == 0) {
            *out = params->trusted_keys[i];
            return AW_OK;
        }
    }
    return AW_ERR_FIRMWARE_SIGNER;
}

static aw_err check_signature(const firmware_package *package, const crypto_key *key)
{
    if (crypto_key_curve(key) != CRYPTO_CURVE_NIST_P256)
        return AW_ERR_FIRMWARE_ALGORITHM;
    uint8_t plain[CRYPTO_SIGNATURE_SIZE];
    aw_err err = crypto_signature_der_to_plain(CRYPTO_CURVE_NIST_P256, package->signature.ptr,
                                               package->signature.len, plain);
    if (err == AW_OK)
        err = crypto_verify_ecdsa(key, package->manifest.raw.ptr, package->manifest.raw.len, plain,
                                  sizeof(plain));
    if (err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT)
        return AW_ERR_FIRMWARE_SIGNATURE;
    return err;
}

static aw_err check_image(const firmware_manifest *m, const uint8_t *image, size_t image_len)
{
    if (image == NULL || image_len != m->image_length)
        return AW_ERR_FIRMWARE_LENGTH;
    uint8_t digest[FIRMWARE_DIGEST_SIZE];
    /* the signed digest algorithm (checked against the expected suite first) */
    aw_err err = m->digest_algorithm == FIRMWARE_DIGEST_SM3
                     ? crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, image, image_len, digest)
                     : crypto_sha256(image, image_len, digest);
    if (err != AW_OK)
        return err;
    return CRYPTO_memcmp(digest, m->image_digest, FIRMWARE_DIGEST_SIZE) == 0
               ? AW_OK
               : AW_ERR_FIRMWARE_DIGEST;
}

aw_err firmware_package_verify(const uint8_t *der, size_t len,
                               const firmware_verify_params *params, firmware_manifest *manifest)
{
    if (manifest != NULL)
        memset(manifest, 0, sizeof(*manifest));
    if (params == NULL || params->trusted_keys == NULL || params->trusted_key_count == 0 ||
        params->module_id == NULL)
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
    /* Authenticate before believing any claim of the manifest. */
    if (m->digest_algorithm != FIRMWARE_DIGEST_SHA256 ||
        m->signature_algorithm != FIRMWARE_SIGNATURE_ECDSA_P256_SHA256)
        return AW_ERR_FIRMWARE_ALGORITHM;
    const crypto_key *key = NULL;
    if ((err = find_signer(params, m->signer_key_id, &key)) != AW_OK ||
        (err = check_signature(&package, key)) != AW_OK)
        return err;
    return firmware_check_claims(&package, params);
}

aw_err firmware_check_claims(const firmware_package *package, const firmware_verify_params *params)
{
    const firmware_manifest *m = &package->manifest;
    size_t module_len = strlen(params->module_id);
    if (module_len != m->module_id.len || memcmp(params->module_id, m->module_id.ptr, module_len))
        return AW_ERR_FIRMWARE_MODULE;
    /* Anti-rollback: strictly newer, or the same when a reinstall is asked. */
    if (m->firmware_version < params->installed_version)
        return AW_ERR_FIRMWARE_ROLLBACK;
    if (m->firmware_version == params->installed_version && !params->allow_reinstall)
        return AW_ERR_FIRMWARE_SAME_VERSION;
    if (package->has_image)
        return check_image(m, package->image.ptr, package->image.len);
    return check_image(m, params->image, params->image_len);
}
