/* Tests for signed secure-module firmware packages (core/firmware.h,
 * docs/firmware-package.md): round trips embedded and detached, the exact
 * manifest layout, key rotation, every refusal with its typed error
 * (structure, format version, algorithms, signer, signature, module,
 * rollback, same version, length, digest, bounds, arguments), and that no
 * single flipped byte of a package ever verifies. The openssl CLI checks the
 * signature independently in test_firmware_cli.sh. */
#include "testutil.h"

#include "core/firmware.h"

static crypto_key *vendor;    /* trusted signing key */
static crypto_key *rotated;   /* a second trusted key (rotation) */
static crypto_key *stranger;  /* not trusted */
static crypto_key *brainpool; /* right key id, wrong curve */

static const uint8_t image[] = "secure module firmware v7 \x01\x02\x03";
#define IMAGE_LEN (sizeof(image) - 1)
#define MODULE "AW-SE-01"

static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
static const uint8_t oid_ecdsa_sha256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
static const uint8_t oid_ecdsa_sha384[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03};
static const uint8_t oid_sm2_sm3[] = {0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75};

/* ---- A package builder of the test's own, to craft every defect ------- */

typedef struct craft {
    int64_t format_version;
    const char *module_id;
    size_t module_len;            /* 0: strlen */
    int64_t version;
    int64_t length;               /* imageLength claimed */
    const uint8_t *digest_oid;
    size_t digest_oid_len;
    uint8_t digest[40];
    size_t digest_len;
    const uint8_t *signature_oid;
    size_t signature_oid_len;
    uint8_t key_id[24];
    size_t key_id_len;
    bool extra_field;             /* one INTEGER too many in the manifest */
    const crypto_key *signer;
    bool detached;
    uint32_t image_tag;           /* 0: [0] */
} craft;

static craft good_craft(void)
{
    craft c = {.format_version = 1, .module_id = MODULE, .version = 7,
               .length = (int64_t)IMAGE_LEN, .digest_oid = oid_sha256,
               .digest_oid_len = sizeof(oid_sha256), .digest_len = 32,
               .signature_oid = oid_ecdsa_sha256, .signature_oid_len = sizeof(oid_ecdsa_sha256),
               .key_id_len = 20, .signer = vendor};
    assert_int_equal(crypto_sha256(image, IMAGE_LEN, c.digest), AW_OK);
    assert_int_equal(firmware_key_id(vendor, c.key_id), AW_OK);
    return c;
}

static uint8_t *build(const craft *c, size_t *len)
{
    der_builder m;
    der_builder_init(&m);
    der_builder_begin(&m, DER_TAG_SEQUENCE);
    der_put_int64(&m, DER_TAG_INTEGER, c->format_version);
    der_put_tlv(&m, DER_TAG_UTF8_STRING, (const uint8_t *)c->module_id,
                c->module_len ? c->module_len : strlen(c->module_id));
    der_put_int64(&m, DER_TAG_INTEGER, c->version);
    der_put_int64(&m, DER_TAG_INTEGER, c->length);
    der_put_tlv(&m, DER_TAG_OID, c->digest_oid, c->digest_oid_len);
    der_put_tlv(&m, DER_TAG_OCTET_STRING, c->digest, c->digest_len);
    der_put_tlv(&m, DER_TAG_OID, c->signature_oid, c->signature_oid_len);
    der_put_tlv(&m, DER_TAG_OCTET_STRING, c->key_id, c->key_id_len);
    if (c->extra_field)
        der_put_int64(&m, DER_TAG_INTEGER, 0);
    der_builder_end(&m);
    uint8_t *manifest = NULL;
    size_t manifest_len = 0;
    assert_int_equal(der_builder_finish(&m, &manifest, &manifest_len), AW_OK);
    der_builder_free(&m);
    uint8_t plain[CRYPTO_SIGNATURE_SIZE], sig[CRYPTO_SIGNATURE_DER_MAX];
    size_t sig_len = 0;
    assert_int_equal(crypto_sign_ecdsa(c->signer, manifest, manifest_len, plain), AW_OK);
    assert_int_equal(crypto_signature_plain_to_der(crypto_key_curve(c->signer), plain, sig,
                                                   sizeof(sig), &sig_len),
                     AW_OK);
    der_builder p;
    der_builder_init(&p);
    der_builder_begin(&p, DER_TAG_SEQUENCE);
    der_put_raw(&p, manifest, manifest_len);
    der_put_tlv(&p, DER_TAG_OCTET_STRING, sig, sig_len);
    if (!c->detached)
        der_put_tlv(&p, c->image_tag ? c->image_tag : DER_CTX(0), image, IMAGE_LEN);
    der_builder_end(&p);
    uint8_t *out = NULL;
    assert_int_equal(der_builder_finish(&p, &out, len), AW_OK);
    der_builder_free(&p);
    free(manifest);
    return out;
}

static firmware_verify_params params_for(uint64_t installed)
{
    static const crypto_key *keys[2];
    keys[0] = vendor;
    keys[1] = rotated;
    return (firmware_verify_params){.trusted_keys = keys, .trusted_key_count = 2,
                                    .module_id = MODULE, .installed_version = installed};
}

static aw_err verify_craft(const craft *c, uint64_t installed)
{
    size_t len = 0;
    uint8_t *pkg = build(c, &len);
    firmware_verify_params params = params_for(installed);
    if (c->detached) {
        params.image = image;
        params.image_len = IMAGE_LEN;
    }
    aw_err err = firmware_package_verify(pkg, len, &params, NULL);
    free(pkg);
    return err;
}

/* Parse a package re-assembled from a parsed one's manifest with another
 * signature (NULL: none) and images: 0 none, 1 the original, 2 twice, -1 an
 * empty one. */
static aw_err rebuild(const firmware_package *from, const uint8_t *sig, size_t sig_len,
                      int images)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_raw(&b, from->manifest.raw.ptr, from->manifest.raw.len);
    if (sig != NULL)
        der_put_tlv(&b, DER_TAG_OCTET_STRING, sig, sig_len);
    for (int i = 0; i < images; i++)
        der_put_tlv(&b, DER_CTX(0), from->image.ptr, from->image.len);
    if (images < 0)
        der_put_tlv(&b, DER_CTX(0), NULL, 0);
    der_builder_end(&b);
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(der_builder_finish(&b, &der, &len), AW_OK);
    der_builder_free(&b);
    firmware_package parsed;
    aw_err err = firmware_package_parse(der, len, &parsed);
    free(der);
    return err;
}

/* ---- Round trips ------------------------------------------------------ */

static void test_embedded_round_trip(void **state)
{
    (void)state;
    firmware_sign_params sp = {.module_id = MODULE, .firmware_version = 7, .image = image,
                               .image_len = IMAGE_LEN};
    uint8_t *pkg = NULL;
    size_t len = 0;
    assert_int_equal(firmware_package_sign(&sp, vendor, &pkg, &len), AW_OK);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(pkg, len, &parsed), AW_OK);
    const firmware_manifest *m = &parsed.manifest;
    assert_int_equal(m->format_version, 1);
    assert_int_equal(m->module_id.len, strlen(MODULE));
    assert_memory_equal(m->module_id.ptr, MODULE, strlen(MODULE));
    assert_int_equal(m->firmware_version, 7);
    assert_int_equal(m->image_length, IMAGE_LEN);
    assert_int_equal(m->digest_algorithm, FIRMWARE_DIGEST_SHA256);
    assert_int_equal(m->signature_algorithm, FIRMWARE_SIGNATURE_ECDSA_P256_SHA256);
    uint8_t digest[32], id[20];
    assert_int_equal(crypto_sha256(image, IMAGE_LEN, digest), AW_OK);
    assert_memory_equal(m->image_digest, digest, 32);
    assert_int_equal(firmware_key_id(vendor, id), AW_OK);
    assert_memory_equal(m->signer_key_id, id, 20);
    assert_true(parsed.has_image);
    assert_int_equal(parsed.image.len, IMAGE_LEN);
    assert_memory_equal(parsed.image.ptr, image, IMAGE_LEN);
    /* the manifest's exact layout: SEQUENCE { 1, "AW-SE-01", 7, 29, id-sha256, ... } */
    test_assert_hex(m->raw.ptr, 2 + 3 + 10 + 3 + 3 + 11,
                    "3060" "020101" "0C08" "41572D53452D3031" "020107" "02011D"
                    "0609608648016503040201");
    assert_ptr_equal(m->raw.ptr, pkg + 3); /* right after the package header 30 81 xx */
    /* the signature is a DER ECDSA-Sig-Value over exactly those bytes */
    uint8_t plain[64];
    assert_int_equal(crypto_signature_der_to_plain(CRYPTO_CURVE_NIST_P256, parsed.signature.ptr,
                                                   parsed.signature.len, plain),
                     AW_OK);
    assert_int_equal(crypto_verify_ecdsa(vendor, m->raw.ptr, m->raw.len, plain, 64), AW_OK);
    firmware_verify_params params = params_for(6);
    firmware_manifest out;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &out), AW_OK);
    assert_int_equal(out.firmware_version, 7);
    /* an image given beside an embedded one is a caller error */
    params.image = image;
    params.image_len = IMAGE_LEN;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &out), AW_ERR_ARGUMENT);
    free(pkg);
}

static void test_detached_round_trip(void **state)
{
    (void)state;
    firmware_sign_params sp = {.module_id = MODULE, .firmware_version = 9, .image = image,
                               .image_len = IMAGE_LEN, .detached = true};
    uint8_t *pkg = NULL;
    size_t len = 0;
    assert_int_equal(firmware_package_sign(&sp, rotated, &pkg, &len), AW_OK);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(pkg, len, &parsed), AW_OK);
    assert_false(parsed.has_image);
    firmware_verify_params params = params_for(7);
    /* signed by the second trusted key (rotation) */
    params.image = image;
    params.image_len = IMAGE_LEN;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_OK);
    /* the image is missing, shorter, or of the right length but altered */
    params.image = NULL;
    params.image_len = 0;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_LENGTH);
    params.image = image;
    params.image_len = IMAGE_LEN - 1;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_LENGTH);
    uint8_t altered[IMAGE_LEN];
    memcpy(altered, image, IMAGE_LEN);
    altered[IMAGE_LEN - 1] ^= 0x01;
    params.image = altered;
    params.image_len = IMAGE_LEN;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_DIGEST);
    free(pkg);
}

/* The worked example of docs/firmware-package.md, as a fixed vector. */
static void test_documented_example(void **state)
{
    (void)state;
    static const char package_hex[] =
        "3081c130600201010c0841572d53452d30310201080201140609608648016503040201042067300f7388ba"
        "645ae29826f373896ea480c57e26f8aedd5e244f59938ffdb08506082a8648ce3d04030204149d2d67fe08"
        "05831a56cd41b323c6accd9402ff000447304502202d9c835579d7ccf4bfc3a2ac1545cf0479c8186bd3a6"
        "bc1998265c174662a5b7022100bb7b70e43674f35cbf6491025f0b4ba861ded39447d9d7a3dfef34cf26c9"
        "20d6801468656c6c6f20736563757265206d6f64756c650a";
    static const char public_pem[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9e88fdfn9AQ+m0/gaHm8v3wAV32q\n"
        "pCndWUYcPXyHN7FugmuyMt0G/oi1dVplTlg3LcnUqWtdpZYhnD+gMe+h0Q==\n"
        "-----END PUBLIC KEY-----\n";
    size_t len = 0;
    uint8_t *pkg = test_hex(package_hex, &len);
    assert_int_equal(len, 196);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_public_pem((const uint8_t *)public_pem,
                                                sizeof(public_pem) - 1, &key),
                     AW_OK);
    uint8_t id[FIRMWARE_KEY_ID_SIZE];
    assert_int_equal(firmware_key_id(key, id), AW_OK);
    test_assert_hex(id, sizeof(id), "9d2d67fe0805831a56cd41b323c6accd9402ff00");
    const crypto_key *keys[] = {key};
    firmware_verify_params params = {.trusted_keys = keys, .trusted_key_count = 1,
                                     .module_id = "AW-SE-01", .installed_version = 7};
    firmware_manifest m;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &m), AW_OK);
    assert_int_equal(m.firmware_version, 8);
    assert_int_equal(m.image_length, 20);
    test_assert_hex(m.image_digest, 32,
                    "67300f7388ba645ae29826f373896ea480c57e26f8aedd5e244f59938ffdb085");
    params.installed_version = 8;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &m), AW_ERR_FIRMWARE_SAME_VERSION);
    free(pkg);
    crypto_key_free(key);
}

/* ---- Anti-rollback and module ------------------------------------------ */

static void test_versions(void **state)
{
    (void)state;
    craft c = good_craft();
    assert_int_equal(verify_craft(&c, 6), AW_OK);
    assert_int_equal(verify_craft(&c, 8), AW_ERR_FIRMWARE_ROLLBACK);
    assert_int_equal(verify_craft(&c, UINT64_MAX), AW_ERR_FIRMWARE_ROLLBACK);
    assert_int_equal(verify_craft(&c, 7), AW_ERR_FIRMWARE_SAME_VERSION);
    /* the same version with the reinstall flag */
    size_t len = 0;
    uint8_t *pkg = build(&c, &len);
    firmware_verify_params params = params_for(7);
    params.allow_reinstall = true;
    firmware_manifest m;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &m), AW_OK);
    /* the reinstall flag never allows an older one; the refused package is
     * still described for the report */
    params.installed_version = 9;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &m), AW_ERR_FIRMWARE_ROLLBACK);
    assert_int_equal(m.firmware_version, 7);
    assert_memory_equal(m.module_id.ptr, MODULE, strlen(MODULE));
    free(pkg);
    /* bounds of the version */
    c.version = 0;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_SAME_VERSION);
    c.version = INT64_MAX;
    assert_int_equal(verify_craft(&c, (uint64_t)INT64_MAX - 1), AW_OK);
    c.version = -1;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
}

static void test_module(void **state)
{
    (void)state;
    craft c = good_craft();
    c.module_id = "AW-SE-02";
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_MODULE);
    c.module_id = "AW-SE-01X";
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_MODULE);
    c.module_id = "AW-SE-0";
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_MODULE);
    /* 64 characters (multi-byte) is the bound; 65 is too large */
    char id[4 * 65 + 1] = "";
    for (int i = 0; i < 64; i++)
        strcat(id, "模");
    c.module_id = id;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_MODULE); /* parsed fine */
    strcat(id, "模");
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_TOO_LARGE);
    memset(id, 'M', sizeof(id) - 1); /* 260 bytes: over the 256-byte bound */
    id[sizeof(id) - 1] = '\0';
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_TOO_LARGE);
    /* not UTF-8 */
    c.module_id = "AW-SE-\xff";
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    c.module_id = "";
    c.module_len = 0;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
}

/* ---- Authentication ---------------------------------------------------- */

static void test_algorithms(void **state)
{
    (void)state;
    craft c = good_craft();
    c.digest_oid = oid_sha384;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_ALGORITHM);
    c = good_craft();
    c.signature_oid = oid_ecdsa_sha384;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_ALGORITHM);
    c.signature_oid = oid_sm2_sm3; /* carried, not supported yet */
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_ALGORITHM);
    /* a trusted key with the named id but on brainpoolP256r1 */
    c = good_craft();
    c.signer = brainpool;
    assert_int_equal(firmware_key_id(brainpool, c.key_id), AW_OK);
    size_t len = 0;
    uint8_t *pkg = build(&c, &len);
    const crypto_key *keys[] = {brainpool};
    firmware_verify_params params = {.trusted_keys = keys, .trusted_key_count = 1,
                                     .module_id = MODULE};
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_ALGORITHM);
    free(pkg);
}

static void test_signer_and_signature(void **state)
{
    (void)state;
    /* signed by an untrusted key, naming itself */
    craft c = good_craft();
    c.signer = stranger;
    assert_int_equal(firmware_key_id(stranger, c.key_id), AW_OK);
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_SIGNER);
    /* signed by an untrusted key, naming the vendor's */
    c = good_craft();
    c.signer = stranger;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_SIGNATURE);
    /* a manifest changed after signing: version 7 -> 8 (same length) */
    c = good_craft();
    size_t len = 0;
    uint8_t *pkg = build(&c, &len);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(pkg, len, &parsed), AW_OK);
    size_t version_at = (size_t)(parsed.manifest.raw.ptr - pkg) + 2 + 3 + 10 + 2;
    assert_int_equal(pkg[version_at], 7);
    pkg[version_at] = 8;
    firmware_verify_params params = params_for(0);
    firmware_manifest m;
    assert_int_equal(firmware_package_verify(pkg, len, &params, &m), AW_ERR_FIRMWARE_SIGNATURE);
    assert_int_equal(m.firmware_version, 8); /* described, unauthenticated */
    pkg[version_at] = 7;
    /* the signature altered inside valid DER, and not DER at all */
    size_t sig_at = (size_t)(parsed.signature.ptr - pkg);
    pkg[sig_at + parsed.signature.len - 1] ^= 0x01;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_SIGNATURE);
    memset(pkg + sig_at, 0xA5, parsed.signature.len);
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_SIGNATURE);
    free(pkg);
}

/* ---- Claims about the image -------------------------------------------- */

static void test_image_claims(void **state)
{
    (void)state;
    craft c = good_craft();
    c.length = (int64_t)IMAGE_LEN + 1;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_LENGTH);
    c = good_craft();
    c.digest[0] ^= 0x80;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_DIGEST);
    c = good_craft();
    c.length = FIRMWARE_IMAGE_MAX + 1;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_TOO_LARGE);
    c.length = 0;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    /* an embedded image that is not the signed one */
    c = good_craft();
    size_t len = 0;
    uint8_t *pkg = build(&c, &len);
    pkg[len - 1] ^= 0x01;
    firmware_verify_params params = params_for(0);
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_DIGEST);
    free(pkg);
}

/* ---- Structure ----------------------------------------------------------- */

static void test_structure(void **state)
{
    (void)state;
    craft c = good_craft();
    c.format_version = 2;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT_VERSION);
    c.format_version = 0;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT_VERSION);
    c = good_craft();
    c.digest_len = 31;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    c = good_craft();
    c.key_id_len = 21;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    c = good_craft();
    c.extra_field = true;
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    c = good_craft();
    c.image_tag = DER_CTX(1);
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);
    c.image_tag = DER_CTX_CONS(0);
    assert_int_equal(verify_craft(&c, 0), AW_ERR_FIRMWARE_FORMAT);

    size_t len = 0;
    c = good_craft();
    uint8_t *pkg = build(&c, &len);
    firmware_package parsed;
    firmware_verify_params params = params_for(0);
    /* trailing byte, truncation, empty, outer tag */
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, pkg, len);
    longer[len] = 0;
    assert_int_equal(firmware_package_parse(longer, len + 1, &parsed), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(parsed.manifest.firmware_version, 0); /* zeroed */
    free(longer);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(firmware_package_parse(pkg, cut, &parsed), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(firmware_package_parse(NULL, 10, &parsed), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(firmware_package_parse(pkg, len, NULL), AW_ERR_ARGUMENT);
    pkg[0] = 0x31;
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_ERR_FIRMWARE_FORMAT);
    free(pkg);
    /* a signature OCTET STRING under 8 bytes or over 144, an empty image, a
     * missing signature, an image twice */
    c = good_craft();
    pkg = build(&c, &len);
    assert_int_equal(firmware_package_parse(pkg, len, &parsed), AW_OK);
    static const uint8_t signature[145] = {0x30};
    assert_int_equal(rebuild(&parsed, signature, 7, 1), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(rebuild(&parsed, signature, 145, 1), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(rebuild(&parsed, signature, 8, 1), AW_OK);
    assert_int_equal(rebuild(&parsed, signature, 144, 0), AW_OK);
    assert_int_equal(rebuild(&parsed, NULL, 0, 1), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(rebuild(&parsed, parsed.signature.ptr, parsed.signature.len, 2),
                     AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(rebuild(&parsed, parsed.signature.ptr, parsed.signature.len, -1),
                     AW_ERR_FIRMWARE_FORMAT);
    free(pkg);
    /* over the package bound: refused before reading */
    uint8_t *huge = calloc(1, (size_t)FIRMWARE_PACKAGE_MAX + 1);
    assert_non_null(huge);
    assert_int_equal(firmware_package_parse(huge, (size_t)FIRMWARE_PACKAGE_MAX + 1, &parsed),
                     AW_ERR_FIRMWARE_TOO_LARGE);
    free(huge);
}

/* Every single-byte change of a package is refused, never verified. */
static void test_no_flip_verifies(void **state)
{
    (void)state;
    craft c = good_craft();
    size_t len = 0;
    uint8_t *pkg = build(&c, &len);
    firmware_verify_params params = params_for(0);
    assert_int_equal(firmware_package_verify(pkg, len, &params, NULL), AW_OK);
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit += 7) {
            pkg[i] ^= (uint8_t)(1u << bit);
            aw_err err = firmware_package_verify(pkg, len, &params, NULL);
            if (err == AW_OK)
                print_error("byte %zu bit %u flipped still verifies\n", i, bit);
            assert_int_not_equal(err, AW_OK);
            pkg[i] ^= (uint8_t)(1u << bit);
        }
    }
    free(pkg);
}

/* ---- Arguments of sign and verify ------------------------------------- */

static void test_arguments(void **state)
{
    (void)state;
    uint8_t *pkg = (uint8_t *)"x";
    size_t len = 5;
    firmware_sign_params sp = {.module_id = MODULE, .firmware_version = 1, .image = image,
                               .image_len = IMAGE_LEN};
    assert_int_equal(firmware_package_sign(NULL, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    assert_null(pkg);
    assert_int_equal(len, 0);
    assert_int_equal(firmware_package_sign(&sp, NULL, &pkg, &len), AW_ERR_ARGUMENT);
    assert_int_equal(firmware_package_sign(&sp, vendor, NULL, &len), AW_ERR_ARGUMENT);
    firmware_sign_params bad = sp;
    bad.module_id = NULL;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad.module_id = "";
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad.module_id = "AW-\xc3";
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad = sp;
    bad.image = NULL;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad = sp;
    bad.image_len = 0;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad = sp;
    bad.firmware_version = (uint64_t)INT64_MAX + 1;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_ARGUMENT);
    bad = sp;
    char long_id[66];
    memset(long_id, 'M', 65);
    long_id[65] = '\0';
    bad.module_id = long_id;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_FIRMWARE_TOO_LARGE);
    long_id[64] = '\0';
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_OK);
    free(pkg);
    bad = sp;
    uint8_t *big = calloc(1, (size_t)FIRMWARE_IMAGE_MAX + 1);
    assert_non_null(big);
    bad.image = big;
    bad.image_len = (size_t)FIRMWARE_IMAGE_MAX + 1;
    assert_int_equal(firmware_package_sign(&bad, vendor, &pkg, &len), AW_ERR_FIRMWARE_TOO_LARGE);
    free(big);
    /* only a private P-256 key signs */
    uint8_t point[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_key_export_point(vendor, point), AW_OK);
    crypto_key *public_only = NULL;
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_NIST_P256, point, sizeof(point),
                                           &public_only),
                     AW_OK);
    assert_int_equal(firmware_package_sign(&sp, public_only, &pkg, &len), AW_ERR_CRYPTO_KEY);
    assert_int_equal(firmware_package_sign(&sp, brainpool, &pkg, &len), AW_ERR_CRYPTO_CURVE);
    /* the public key verifies what the private one signed */
    assert_int_equal(firmware_package_sign(&sp, vendor, &pkg, &len), AW_OK);
    const crypto_key *public_keys[] = {public_only};
    firmware_verify_params vp = {.trusted_keys = public_keys, .trusted_key_count = 1,
                                 .module_id = MODULE};
    assert_int_equal(firmware_package_verify(pkg, len, &vp, NULL), AW_OK);
    /* verify arguments */
    firmware_verify_params bad_vp = vp;
    bad_vp.trusted_key_count = 0;
    assert_int_equal(firmware_package_verify(pkg, len, &bad_vp, NULL), AW_ERR_ARGUMENT);
    bad_vp = vp;
    bad_vp.trusted_keys = NULL;
    assert_int_equal(firmware_package_verify(pkg, len, &bad_vp, NULL), AW_ERR_ARGUMENT);
    bad_vp = vp;
    bad_vp.module_id = NULL;
    assert_int_equal(firmware_package_verify(pkg, len, &bad_vp, NULL), AW_ERR_ARGUMENT);
    const crypto_key *with_null[] = {NULL};
    bad_vp = vp;
    bad_vp.trusted_keys = with_null;
    assert_int_equal(firmware_package_verify(pkg, len, &bad_vp, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(firmware_package_verify(pkg, len, NULL, NULL), AW_ERR_ARGUMENT);
    uint8_t id[FIRMWARE_KEY_ID_SIZE];
    assert_int_equal(firmware_key_id(NULL, id), AW_ERR_ARGUMENT);
    free(pkg);
    crypto_key_free(public_only);
}

static int setup(void **state)
{
    (void)state;
    if (crypto_generate_key(CRYPTO_CURVE_NIST_P256, &vendor) != AW_OK ||
        crypto_generate_key(CRYPTO_CURVE_NIST_P256, &rotated) != AW_OK ||
        crypto_generate_key(CRYPTO_CURVE_NIST_P256, &stranger) != AW_OK ||
        crypto_generate_key(CRYPTO_CURVE_BRAINPOOL_P256R1, &brainpool) != AW_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    crypto_key_free(vendor);
    crypto_key_free(rotated);
    crypto_key_free(stranger);
    crypto_key_free(brainpool);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_round_trip),
        cmocka_unit_test(test_detached_round_trip),
        cmocka_unit_test(test_documented_example),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_module),
        cmocka_unit_test(test_algorithms),
        cmocka_unit_test(test_signer_and_signature),
        cmocka_unit_test(test_image_claims),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_no_flip_verifies),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
