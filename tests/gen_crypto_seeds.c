/* Writes the seed corpora of fuzz/fuzz_signature.c and fuzz/fuzz_scp03t.c
 * from airwrite's own signing and SCP03t code (not a test; run by hand):
 *   gen_crypto_seeds <fuzz/corpus directory>                              */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/scp03t.h"
#include "../fuzz/fuzz_crypto_keys.h"

static int write_seed(const char *dir, const char *target, const char *name,
                      const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

static int signature_seeds(const char *dir)
{
    static const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256,
                                          CRYPTO_CURVE_BRAINPOOL_P256R1};
    static const char *const names[] = {"p256", "bp256"};
    int rc = 0;
    for (size_t c = 0; c < 2; c++) {
        crypto_key *key = NULL;
        if (crypto_generate_key(curves[c], &key) != AW_OK)
            return 1;
        for (int i = 0; i < 3; i++) {
            uint8_t msg[1] = {(uint8_t)i};
            uint8_t sig[CRYPTO_SIGNATURE_SIZE], der[CRYPTO_SIGNATURE_DER_MAX];
            size_t der_len = 0;
            char name[64];
            if (crypto_sign_ecdsa(key, msg, 1, sig) != AW_OK
                || crypto_signature_plain_to_der(curves[c], sig, der, sizeof(der), &der_len)
                       != AW_OK) {
                crypto_key_free(key);
                return 1;
            }
            snprintf(name, sizeof(name), "der_%s_%d", names[c], i);
            rc |= write_seed(dir, "fuzz_signature", name, der, der_len);
            snprintf(name, sizeof(name), "plain_%s_%d", names[c], i);
            rc |= write_seed(dir, "fuzz_signature", name, sig, sizeof(sig));
        }
        crypto_key_free(key);
    }
    static const uint8_t small[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    rc |= write_seed(dir, "fuzz_signature", "der_small", small, sizeof(small));
    return rc;
}

static int scp03t_seeds(const char *dir)
{
    int rc = 0;
    static const size_t lengths[] = {1, 40, 1007, 1500};
    uint8_t *buf = malloc(1 + 3 * SCP03T_SEGMENT_MAX);
    uint8_t *plain = malloc(1500);
    if (buf == NULL || plain == NULL)
        return 1;
    for (size_t i = 0; i < 1500; i++)
        plain[i] = (uint8_t)(i * 13 + 5);
    for (uint8_t mode = 0; mode < 6; mode++) {
        uint8_t tag = fuzz_scp03t_tag(mode);
        scp03t_protection prot = (mode & FUZZ_SCP03T_MAC_ONLY) ? SCP03T_MAC_ONLY
                                                                : SCP03T_ENCRYPT_AND_MAC;
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            scp03t_state st;
            der_builder b;
            char name[64];
            scp03t_init(&st, fuzz_key_enc, fuzz_key_mac, fuzz_key_mcv);
            der_builder_init(&b);
            if (scp03t_protect(&st, tag, prot, plain, lengths[l], &b) != AW_OK
                || b.len > 3 * SCP03T_SEGMENT_MAX) {
                der_builder_free(&b);
                return 1;
            }
            buf[0] = mode;
            memcpy(buf + 1, b.buf, b.len);
            snprintf(name, sizeof(name), "segments_m%u_%zu", mode, lengths[l]);
            rc |= write_seed(dir, "fuzz_scp03t", name, buf, 1 + b.len);
            der_builder_free(&b);
            buf[0] = (uint8_t)(mode | FUZZ_SCP03T_ROUND_TRIP);
            memcpy(buf + 1, plain, lengths[l]);
            snprintf(name, sizeof(name), "round_trip_m%u_%zu", mode, lengths[l]);
            rc |= write_seed(dir, "fuzz_scp03t", name, buf, 1 + lengths[l]);
        }
    }
    free(buf);
    free(plain);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
        return 2;
    }
    return signature_seeds(argv[1]) | scp03t_seeds(argv[1]);
}
