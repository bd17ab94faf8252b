/* libFuzzer target: firmware packages verified for a device of a crypto
 * suite (src/core/firmware_suite.c firmware_package_verify_suite, issue 8;
 * docs/firmware-package.md), with the fixed SM2 key of
 * fuzz_firmware_suite_key.h so seeds made by gen_firmware_suite_seeds pass
 * the SM2 signature and reach the module, version and image checks.
 * Properties: verify never accepts what parse refuses; an accepted package
 * carries SM3 and SM2-with-SM3, is strictly newer than the installed
 * version, for the right module, with an image of the signed length; an
 * international device (and the P-256 verifier's algorithm rule) never
 * accepts what the domestic one accepts. */
#include <stdlib.h>
#include <string.h>

#include "core/firmware.h"
#include "fuzz_firmware_suite_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static crypto_suite_key *sm2, *p256;
    if (sm2 == NULL &&
        (crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, fuzz_firmware_suite_pem,
                                           sizeof(fuzz_firmware_suite_pem) - 1, &sm2) != AW_OK ||
         crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &p256) != AW_OK))
        abort();
    firmware_package package;
    aw_err parsed = firmware_package_parse(data, size, &package);
    const crypto_suite_key *domestic[] = {sm2};
    const crypto_suite_key *international[] = {p256};
    static const char detached[] = FUZZ_FIRMWARE_SUITE_DETACHED_IMAGE;
    for (int installed = 0; installed < 2; installed++) {
        firmware_verify_params params = {.module_id = FUZZ_FIRMWARE_SUITE_MODULE,
                                         .installed_version = (uint64_t)installed};
        if (parsed == AW_OK && !package.has_image) {
            params.image = (const uint8_t *)detached;
            params.image_len = sizeof(detached) - 1;
        }
        firmware_manifest m;
        aw_err err = firmware_package_verify_suite(data, size, CRYPTO_SUITE_DOMESTIC, domestic, 1,
                                                   &params, &m);
        if (parsed != AW_OK && err != parsed)
            abort();
        if (err != AW_OK)
            continue;
        if (m.digest_algorithm != FIRMWARE_DIGEST_SM3 ||
            m.signature_algorithm != FIRMWARE_SIGNATURE_SM2_SM3 ||
            m.firmware_version <= (uint64_t)installed ||
            m.module_id.len != strlen(FUZZ_FIRMWARE_SUITE_MODULE) ||
            memcmp(m.module_id.ptr, FUZZ_FIRMWARE_SUITE_MODULE, m.module_id.len) != 0 ||
            m.image_length != (package.has_image ? package.image.len : sizeof(detached) - 1))
            abort();
        if (firmware_package_verify_suite(data, size, CRYPTO_SUITE_INTERNATIONAL, international,
                                          1, &params, NULL) != AW_ERR_FIRMWARE_ALGORITHM)
            abort();
    }
    return 0;
}
