/* Writes the seed corpus of fuzz_firmware (firmware packages made by
 * firmware_package_sign with the fuzz target's fixed key, plus edge cases):
 *   gen_firmware_seeds DIR      -> DIR/fuzz_firmware/NAME.der */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/firmware.h"
#include "../fuzz/fuzz_firmware_key.h"

static int write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fuzz_firmware/%s.der", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}

static int sign_seed(const char *dir, const char *name, const crypto_key *key,
                     const char *module, uint64_t version, const char *image, bool detached,
                     size_t cut)
{
    firmware_sign_params params = {.module_id = module, .firmware_version = version,
                                   .image = (const uint8_t *)image, .image_len = strlen(image),
                                   .detached = detached};
    uint8_t *der = NULL;
    size_t len = 0;
    aw_err err = firmware_package_sign(&params, key, &der, &len);
    if (err != AW_OK) {
        fprintf(stderr, "%s: %s\n", name, aw_err_name(err));
        return 1;
    }
    int rc = write_seed(dir, name, der, cut != 0 && cut < len ? cut : len);
    free(der);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_firmware_seeds DIR\n");
        return 2;
    }
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s/fuzz_firmware", argv[1]);
    mkdir(sub, 0755);
    crypto_key *key = NULL, *other = NULL;
    if (crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, fuzz_firmware_scalar, &key) != AW_OK ||
        crypto_generate_key(CRYPTO_CURVE_NIST_P256, &other) != AW_OK)
        return 1;
    const char *dir = argv[1];
    int rc = 0;
    rc |= sign_seed(dir, "embedded", key, FUZZ_FIRMWARE_MODULE, 2, "secure module image v2",
                    false, 0);
    rc |= sign_seed(dir, "detached", key, FUZZ_FIRMWARE_MODULE, 3, FUZZ_FIRMWARE_DETACHED_IMAGE,
                    true, 0);
    rc |= sign_seed(dir, "version_one", key, FUZZ_FIRMWARE_MODULE, 1, "image v1", false, 0);
    rc |= sign_seed(dir, "version_zero", key, FUZZ_FIRMWARE_MODULE, 0, "image v0", false, 0);
    rc |= sign_seed(dir, "other_module", key, "AW-SE-02", 5, "image for another module", false,
                    0);
    rc |= sign_seed(dir, "other_signer", other, FUZZ_FIRMWARE_MODULE, 5, "unsigned image", false,
                    0);
    rc |= sign_seed(dir, "utf8_module", key, "安全模块-01", 4, "image", false, 0);
    rc |= sign_seed(dir, "truncated", key, FUZZ_FIRMWARE_MODULE, 2, "secure module image v2",
                    false, 60);
    crypto_key_free(key);
    crypto_key_free(other);
    return rc;
}
