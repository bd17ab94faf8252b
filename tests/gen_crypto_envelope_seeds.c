/* Writes the seed corpus of fuzz_crypto_envelope: envelopes of both suites
 * sealed with the fixed keys of fuzz/fuzz_crypto_envelope_fixture.h, and
 * the GM/T 0009 DER form of an SM2 ciphertext. Usage: gen_crypto_envelope_seeds DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto_envelope.h"
#include "fuzz_crypto_envelope_fixture.h"

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    crypto_envelope_key *keys[2] = {NULL, NULL};
    crypto_suite_key *signer = NULL;
    if (crypto_envelope_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, fuzz_envelope_p256_pem,
                                             strlen(fuzz_envelope_p256_pem), &keys[0]) != AW_OK ||
        crypto_envelope_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, fuzz_envelope_sm2_pem,
                                             strlen(fuzz_envelope_sm2_pem), &keys[1]) != AW_OK ||
        crypto_suite_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, fuzz_envelope_signer_pem,
                                          strlen(fuzz_envelope_signer_pem), &signer) != AW_OK)
        return 1;
    static const char payload[] =
        "{\"eid\":\"89049032123456789012345678901234\",\"imei\":\"356938035643809\"}";
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        crypto_envelope_header h = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO,
                                    .time = 1764590400};
        memset(h.eid, 0x89, sizeof(h.eid));
        uint8_t *out = NULL;
        size_t len = 0;
        if (crypto_envelope_seal(keys[i], FUZZ_ENVELOPE_KEY_ID, signer, &h,
                                 (const uint8_t *)payload, strlen(payload), &out, &len) != AW_OK)
            return 1;
        rc = write_file(argv[1], i == 0 ? "envelope_international" : "envelope_domestic", out,
                        len);
        free(out);
    }
    uint8_t c[256], *der = NULL;
    size_t c_len = 0, der_len = 0;
    if (rc == 0 && crypto_envelope_sm2_encrypt(keys[1], (const uint8_t *)payload, 40, c,
                                               sizeof(c), &c_len) == AW_OK &&
        crypto_envelope_sm2_to_der(c, c_len, &der, &der_len) == AW_OK) {
        rc = write_file(argv[1], "sm2_der", der, der_len) ||
             write_file(argv[1], "sm2_c1c3c2", c, c_len);
        free(der);
    }
    crypto_envelope_key_free(keys[0]);
    crypto_envelope_key_free(keys[1]);
    crypto_suite_key_free(signer);
    return rc;
}
