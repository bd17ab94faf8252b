/* Writes the seed corpus of fuzz_firmware_suite (issue 8): firmware
 * packages made by firmware_package_sign_suite with the fuzz target's fixed
 * SM2 key (embedded, detached, other module, version 0, truncated) and one
 * signed with a fresh P-256 key (the other suite):
 *   gen_firmware_suite_seeds DIR      -> DIR/fuzz_firmware_suite/NAME.der */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/firmware.h"
#include "../fuzz/fuzz_firmware_suite_key.h"

static int sign_seed(const char *dir, const char *name, const crypto_suite_key *key,
                     const char *module, uint64_t version, const char *image, bool detached,
                     size_t cut)
{
    firmware_sign_params params = {.module_id = module, .firmware_version = version,
                                   .image = (const uint8_t *)image, .image_len = strlen(image),
                                   .detached = detached};
    uint8_t *der = NULL;
    size_t len = 0;
    aw_err err = firmware_package_sign_suite(&params, key, &der, &len);
    if (err != AW_OK) {
        fprintf(stderr, "%s: %s\n", name, aw_err_name(err));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/fuzz_firmware_suite/%s.der", dir, name);
    size_t n = cut != 0 && cut < len ? cut : len;
    FILE *f = fopen(path, "wb");
    int rc = f == NULL || fwrite(der, 1, n, f) != n;
    if (f != NULL && fclose(f) != 0)
        rc = 1;
    if (rc != 0)
        perror(path);
    free(der);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_firmware_suite_seeds DIR\n");
        return 2;
    }
    crypto_suite_key *sm2 = NULL, *p256 = NULL;
    if (crypto_suite_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, fuzz_firmware_suite_pem,
                                          sizeof(fuzz_firmware_suite_pem) - 1, &sm2) != AW_OK ||
        crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &p256) != AW_OK)
        return 1;
    const char *dir = argv[1];
    const char *image = "SM2-signed secure module image v2";
    int rc = sign_seed(dir, "embedded", sm2, FUZZ_FIRMWARE_SUITE_MODULE, 2, image, false, 0);
    rc |= sign_seed(dir, "detached", sm2, FUZZ_FIRMWARE_SUITE_MODULE, 3,
                    FUZZ_FIRMWARE_SUITE_DETACHED_IMAGE, true, 0);
    rc |= sign_seed(dir, "other_module", sm2, "AW-SE-01", 2, image, false, 0);
    rc |= sign_seed(dir, "version_zero", sm2, FUZZ_FIRMWARE_SUITE_MODULE, 0, image, false, 0);
    rc |= sign_seed(dir, "truncated", sm2, FUZZ_FIRMWARE_SUITE_MODULE, 2, image, false, 40);
    rc |= sign_seed(dir, "p256", p256, FUZZ_FIRMWARE_SUITE_MODULE, 2, image, false, 0);
    crypto_suite_key_free(sm2);
    crypto_suite_key_free(p256);
    return rc;
}
