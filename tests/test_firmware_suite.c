/* Tests of firmware packages in either crypto suite (issue 8, core/firmware.h
 * firmware_package_sign_suite / _verify_suite): SM2-with-SM3 packages
 * verify on a domestic device and are refused by an international one (and
 * by the P-256-only firmware_package_verify), ECDSA packages the other way
 * round; the international suite gives byte-for-byte the manifest of
 * firmware_package_sign; every refusal (signer, signature, digest, length,
 * module, rollback) and argument error of the suite functions. */
#include <stdlib.h>
#include <string.h>

#include "core/firmware.h"
#include "testutil.h"

static const uint8_t image[] = "secure-module firmware image v7, not a real one";

static firmware_sign_params params_of(uint64_t version, bool detached)
{
    return (firmware_sign_params){.module_id = "se-main", .firmware_version = version,
                                  .image = image, .image_len = sizeof(image),
                                  .detached = detached};
}

static firmware_verify_params claims(uint64_t installed)
{
    return (firmware_verify_params){.module_id = "se-main", .installed_version = installed};
}

static void test_domestic_accepted_international_refused(void **state)
{
    (void)state;
    crypto_suite_key *sm2 = NULL, *p256 = NULL, *other_sm2 = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &sm2), AW_OK);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &p256), AW_OK);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &other_sm2), AW_OK);
    firmware_sign_params sp = params_of(7, false);
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(firmware_package_sign_suite(&sp, sm2, &package, &len), AW_OK);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(package, len, &parsed), AW_OK);
    assert_int_equal(parsed.manifest.digest_algorithm, FIRMWARE_DIGEST_SM3);
    assert_int_equal(parsed.manifest.signature_algorithm, FIRMWARE_SIGNATURE_SM2_SM3);
    uint8_t digest[32];
    assert_int_equal(crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, image, sizeof(image), digest), AW_OK);
    assert_memory_equal(parsed.manifest.image_digest, digest, 32);

    const crypto_suite_key *domestic[] = {other_sm2, sm2};
    const crypto_suite_key *international[] = {p256};
    firmware_verify_params v = claims(6);
    firmware_manifest m;
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, &m),
        AW_OK);
    assert_int_equal(m.firmware_version, 7);
    /* an international device: the suite's algorithms, or the P-256 verifier */
    assert_int_equal(firmware_package_verify_suite(package, len, CRYPTO_SUITE_INTERNATIONAL,
                                                   international, 1, &v, &m),
                     AW_ERR_FIRMWARE_ALGORITHM);
    crypto_key *legacy = NULL;
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &legacy), AW_OK);
    const crypto_key *legacy_keys[] = {legacy};
    firmware_verify_params lv = {.trusted_keys = legacy_keys, .trusted_key_count = 1,
                                 .module_id = "se-main", .installed_version = 6};
    assert_int_equal(firmware_package_verify(package, len, &lv, NULL), AW_ERR_FIRMWARE_ALGORITHM);
    /* the signer not trusted; the claims of a verified package */
    assert_int_equal(firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC,
                                                   domestic, 1, &v, NULL),
                     AW_ERR_FIRMWARE_SIGNER);
    v = claims(7);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_SAME_VERSION);
    v = claims(8);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_ROLLBACK);
    v = claims(6);
    v.module_id = "se-other";
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_MODULE);
    /* a flipped byte of the signed moduleId: the SM2 signature fails */
    v = claims(6);
    uint8_t *tampered = malloc(len);
    assert_non_null(tampered);
    memcpy(tampered, package, len);
    uint8_t *at = memmem(tampered, len, "se-main", 7);
    assert_non_null(at);
    at[0] ^= 0x01;
    assert_int_equal(firmware_package_verify_suite(tampered, len, CRYPTO_SUITE_DOMESTIC,
                                                   domestic, 2, &v, NULL),
                     AW_ERR_FIRMWARE_SIGNATURE);
    free(tampered);
    free(package);

    /* a detached SM2 package: the SM3 digest and the length are checked */
    sp = params_of(7, true);
    assert_int_equal(firmware_package_sign_suite(&sp, sm2, &package, &len), AW_OK);
    uint8_t changed[sizeof(image)];
    memcpy(changed, image, sizeof(image));
    changed[3] ^= 0x20;
    v = claims(6);
    v.image = changed;
    v.image_len = sizeof(changed);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_DIGEST);
    v.image_len = sizeof(changed) - 1;
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_LENGTH);
    v.image = image;
    v.image_len = sizeof(image);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_OK);
    free(package);

    /* an ECDSA package from the suite signer: accepted by an international
     * device, refused by a domestic one */
    sp = params_of(7, false);
    assert_int_equal(firmware_package_sign_suite(&sp, p256, &package, &len), AW_OK);
    v = claims(6);
    assert_int_equal(firmware_package_verify_suite(package, len, CRYPTO_SUITE_INTERNATIONAL,
                                                   international, 1, &v, NULL),
                     AW_OK);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, domestic, 2, &v, NULL),
        AW_ERR_FIRMWARE_ALGORITHM);
    free(package);
    crypto_key_free(legacy);
    crypto_suite_key_free(sm2);
    crypto_suite_key_free(p256);
    crypto_suite_key_free(other_sm2);
}

/* The international suite writes the manifest firmware_package_sign writes,
 * and the P-256 verifier accepts it with the same key. */
static void test_international_same_as_before(void **state)
{
    (void)state;
    crypto_key *key = NULL;
    crypto_suite_key *suite_key = NULL;
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    assert_int_equal(crypto_key_export_private_pem(key, &pem, &pem_len), AW_OK);
    assert_int_equal(crypto_suite_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, pem, pem_len,
                                                       &suite_key),
                     AW_OK);
    crypto_key_pem_free(pem, pem_len);
    firmware_sign_params sp = params_of(3, false);
    uint8_t *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    assert_int_equal(firmware_package_sign(&sp, key, &a, &a_len), AW_OK);
    assert_int_equal(firmware_package_sign_suite(&sp, suite_key, &b, &b_len), AW_OK);
    firmware_package pa, pb;
    assert_int_equal(firmware_package_parse(a, a_len, &pa), AW_OK);
    assert_int_equal(firmware_package_parse(b, b_len, &pb), AW_OK);
    assert_int_equal(pa.manifest.raw.len, pb.manifest.raw.len);
    assert_memory_equal(pa.manifest.raw.ptr, pb.manifest.raw.ptr, pa.manifest.raw.len);
    const crypto_key *keys[] = {key};
    firmware_verify_params v = {.trusted_keys = keys, .trusted_key_count = 1,
                                .module_id = "se-main", .installed_version = 2};
    assert_int_equal(firmware_package_verify(b, b_len, &v, NULL), AW_OK);
    free(a);
    free(b);
    crypto_key_free(key);
    crypto_suite_key_free(suite_key);
}

static void test_errors(void **state)
{
    (void)state;
    crypto_suite_key *sm2 = NULL, *p256 = NULL, *public_only = NULL;
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &sm2), AW_OK);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &p256), AW_OK);
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    assert_int_equal(crypto_suite_key_export_point(sm2, point), AW_OK);
    assert_int_equal(
        crypto_suite_key_from_point(CRYPTO_SUITE_DOMESTIC, point, sizeof(point), &public_only),
        AW_OK);
    firmware_sign_params sp = params_of(1, false);
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 9;
    assert_int_equal(firmware_package_sign_suite(&sp, public_only, &out, &out_len),
                     AW_ERR_SUITE_KEY);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_int_equal(firmware_package_sign_suite(&sp, NULL, &out, &out_len), AW_ERR_ARGUMENT);
    assert_int_equal(firmware_package_sign_suite(NULL, sm2, &out, &out_len), AW_ERR_ARGUMENT);
    sp.module_id = "";
    assert_int_equal(firmware_package_sign_suite(&sp, sm2, &out, &out_len), AW_ERR_ARGUMENT);
    sp = params_of(1, false);
    sp.image_len = FIRMWARE_IMAGE_MAX + 1;
    assert_int_equal(firmware_package_sign_suite(&sp, sm2, &out, &out_len),
                     AW_ERR_FIRMWARE_TOO_LARGE);
    uint8_t id[FIRMWARE_KEY_ID_SIZE];
    assert_int_equal(firmware_suite_key_id(NULL, id), AW_ERR_ARGUMENT);

    sp = params_of(2, false);
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(firmware_package_sign_suite(&sp, sm2, &package, &len), AW_OK);
    const crypto_suite_key *mixed[] = {sm2, p256};
    const crypto_suite_key *good[] = {sm2};
    const crypto_suite_key *with_null[] = {NULL};
    firmware_verify_params v = claims(1);
    firmware_manifest m;
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, mixed, 2, &v, &m),
        AW_ERR_ARGUMENT);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, with_null, 1, &v, &m),
        AW_ERR_ARGUMENT);
    assert_int_equal(
        firmware_package_verify_suite(package, len, (crypto_suite)5, good, 1, &v, &m),
        AW_ERR_ARGUMENT);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, good, 0, &v, &m),
        AW_ERR_ARGUMENT);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, good, 1, NULL, &m),
        AW_ERR_ARGUMENT);
    assert_int_equal(firmware_package_verify_suite(package, 3, CRYPTO_SUITE_DOMESTIC, good, 1, &v,
                                                   &m),
                     AW_ERR_FIRMWARE_FORMAT);
    v.image = image; /* an image given for an embedded package */
    v.image_len = sizeof(image);
    assert_int_equal(
        firmware_package_verify_suite(package, len, CRYPTO_SUITE_DOMESTIC, good, 1, &v, &m),
        AW_ERR_ARGUMENT);
    free(package);
    crypto_suite_key_free(sm2);
    crypto_suite_key_free(p256);
    crypto_suite_key_free(public_only);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domestic_accepted_international_refused),
        cmocka_unit_test(test_international_same_as_before),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
