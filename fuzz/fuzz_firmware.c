/* libFuzzer target: the secure-module firmware package parser and verifier
 * (src/core/firmware.c, docs/firmware-package.md), with a fixed trusted key
 * (fuzz_firmware_key.h) so seeds made by gen_firmware_seeds pass the
 * signature and reach the module, version and image checks.
 * Properties: verify never accepts what parse refuses; an accepted package
 * is strictly newer than the installed version, for the right module, with
 * an image of the signed length; parse never points outside the input. */
#include <stdlib.h>
#include <string.h>

#include "core/firmware.h"
#include "fuzz_firmware_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(aw_slice s, const uint8_t *data, size_t size)
{
    return s.len == 0 || (s.ptr >= data && s.len <= size && s.ptr + s.len <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static crypto_key *key;
    if (key == NULL && crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, fuzz_firmware_scalar,
                                              &key) != AW_OK)
        abort();
    firmware_package package;
    aw_err parsed = firmware_package_parse(data, size, &package);
    if (parsed == AW_OK &&
        (!inside(package.manifest.raw, data, size) || !inside(package.signature, data, size) ||
         !inside(package.image, data, size) || !inside(package.manifest.module_id, data, size)))
        abort();
    const crypto_key *keys[] = {key};
    static const char detached[] = FUZZ_FIRMWARE_DETACHED_IMAGE;
    for (int installed = 0; installed < 2; installed++) {
        firmware_verify_params params = {.trusted_keys = keys, .trusted_key_count = 1,
                                         .module_id = FUZZ_FIRMWARE_MODULE,
                                         .installed_version = (uint64_t)installed};
        if (parsed == AW_OK && !package.has_image) {
            params.image = (const uint8_t *)detached;
            params.image_len = sizeof(detached) - 1;
        }
        firmware_manifest m;
        aw_err err = firmware_package_verify(data, size, &params, &m);
        if (err == AW_OK &&
            (parsed != AW_OK || m.firmware_version <= (uint64_t)installed ||
             m.module_id.len != strlen(FUZZ_FIRMWARE_MODULE) ||
             memcmp(m.module_id.ptr, FUZZ_FIRMWARE_MODULE, m.module_id.len) != 0 ||
             m.image_length != (package.has_image ? package.image.len : sizeof(detached) - 1)))
            abort();
        if (parsed != AW_OK && err != parsed)
            abort();
    }
    return 0;
}
