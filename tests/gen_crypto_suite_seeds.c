/* Writes the seed corpora of fuzz/fuzz_crypto_suite_sealed.c and
 * fuzz/fuzz_crypto_suite_pem.c from airwrite's own sealing and key export
 * code (not a test; run by hand):
 *   gen_crypto_suite_seeds <fuzz/corpus directory>
 * Sealed: authentic seals for both suites and several lengths, plus headers
 * with an unknown version, an unknown suite and another key id.
 * PEM: exported private keys of both suites as text, as PKCS#8 DER and as
 * the bare ECPrivateKey inside it (the fuzz target's three modes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "core/crypto_suite.h"
#include "core/crypto_suite_internal.h"
#include "../fuzz/fuzz_crypto_suite_fixture.h"

#define SEALED "fuzz_crypto_suite_sealed"
#define PEM "fuzz_crypto_suite_pem"

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

/* mode byte || payload, as fuzz_crypto_suite_pem.c reads it */
static int write_mode_seed(const char *dir, const char *name, uint8_t mode, const uint8_t *data,
                           size_t len)
{
    uint8_t buf[1024];
    if (len + 1 > sizeof(buf))
        return 1;
    buf[0] = mode;
    memcpy(buf + 1, data, len);
    return write_seed(dir, PEM, name, buf, len + 1);
}

static int pem_seeds(const char *dir)
{
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    int rc = 0;
    for (size_t s = 0; s < 2; s++) {
        crypto_suite_key *key = NULL;
        char *pem = NULL;
        size_t pem_len = 0;
        if (crypto_suite_key_generate(suites[s], &key) != AW_OK
            || crypto_suite_key_export_private_pem(key, &pem, &pem_len) != AW_OK) {
            crypto_suite_key_free(key);
            return 1;
        }
        char name[64];
        snprintf(name, sizeof(name), "%s_text", crypto_suite_name(suites[s]));
        rc |= write_mode_seed(dir, name, 0, (const uint8_t *)pem, pem_len);
        /* the base64 between the armor lines, without line breaks */
        char text[1024];
        size_t n = 0;
        const char *p = strchr(pem, '\n') + 1;
        const char *end = strstr(p, "-----END");
        for (; p < end; p++)
            if (*p != '\n')
                text[n++] = *p;
        uint8_t der[1024];
        size_t der_len = 0;
        if (aw_base64_decode(text, n, der, sizeof(der), &der_len) != AW_OK || der_len < 29)
            rc = 1;
        snprintf(name, sizeof(name), "%s_pkcs8", crypto_suite_name(suites[s]));
        rc |= write_mode_seed(dir, name, 1, der, der_len);
        /* OneAsymmetricKey header (30 81 87, version, algorithm, 04 6d): the
         * ECPrivateKey follows at byte 29 */
        snprintf(name, sizeof(name), "%s_sec1", crypto_suite_name(suites[s]));
        rc |= write_mode_seed(dir, name, 2, der + 29, der_len - 29);
        crypto_suite_pem_free(pem, pem_len);
        crypto_suite_key_free(key);
    }
    /* a brainpoolP256r1 RSP key, which only crypto_key_load_private_pem takes */
    crypto_key *rsp = NULL;
    char *pem = NULL;
    size_t pem_len = 0;
    if (crypto_generate_key(CRYPTO_CURVE_BRAINPOOL_P256R1, &rsp) != AW_OK
        || crypto_key_export_private_pem(rsp, &pem, &pem_len) != AW_OK)
        rc = 1;
    else
        rc |= write_mode_seed(dir, "brainpool_text", 0, (const uint8_t *)pem, pem_len);
    crypto_key_pem_free(pem, pem_len);
    crypto_key_free(rsp);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
        return 2;
    }
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    static const size_t lengths[] = {0, 1, 16, 33, 200};
    static const uint8_t ad[] = FUZZ_SUITE_AD;
    int rc = 0;
    for (size_t s = 0; s < 2; s++) {
        uint8_t key[32];
        fuzz_suite_key(suites[s], key);
        for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
            uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE], plain[200], sealed[200 + 64];
            for (size_t j = 0; j < sizeof(nonce); j++)
                nonce[j] = (uint8_t)(s * 100 + i * 13 + j);
            fuzz_suite_plaintext(nonce, lengths[i], plain);
            size_t n = 0;
            if (crypto_suite_seal_with_nonce(suites[s], FUZZ_SUITE_KEY_ID, key,
                                             crypto_suite_aead_key_size(suites[s]), nonce, ad,
                                             sizeof(ad) - 1, plain, lengths[i], sealed,
                                             sizeof(sealed), &n)
                != AW_OK) {
                fprintf(stderr, "seal failed\n");
                return 1;
            }
            char name[64];
            snprintf(name, sizeof(name), "%s_%zu", crypto_suite_name(suites[s]), lengths[i]);
            rc |= write_seed(argv[1], SEALED, name, sealed, n);
            if (i == 2) {
                sealed[0] = 2; /* unknown version */
                snprintf(name, sizeof(name), "%s_version2", crypto_suite_name(suites[s]));
                rc |= write_seed(argv[1], SEALED, name, sealed, n);
                sealed[0] = 1;
                sealed[1] = 3; /* unknown suite */
                snprintf(name, sizeof(name), "%s_suite3", crypto_suite_name(suites[s]));
                rc |= write_seed(argv[1], SEALED, name, sealed, n);
                sealed[1] = (uint8_t)suites[s];
                sealed[5] ^= 0x01; /* another key id */
                snprintf(name, sizeof(name), "%s_keyid", crypto_suite_name(suites[s]));
                rc |= write_seed(argv[1], SEALED, name, sealed, n);
            }
        }
    }
    return rc | pem_seeds(argv[1]);
}
