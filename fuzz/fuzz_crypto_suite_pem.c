/* libFuzzer target: the private-key PEM codec (src/core/crypto_pem.c: RFC
 * 7468 armor, RFC 5958 PKCS#8, RFC 5915 ECPrivateKey) through both of its
 * users: the crypto suite (crypto_suite_pem.c) and the RSP keys (crypto.c,
 * NIST P-256 and brainpoolP256r1). The first input byte picks how the rest is presented:
 * 0 as PEM text, 1 as DER in a "PRIVATE KEY" block, 2 as DER in an "EC
 * PRIVATE KEY" block (so mutations reach the DER parser directly).
 * Properties: never crashes; a key that loads exports a PEM that loads again
 * as the same key (same public point), for whichever suite or RSP curve
 * accepted it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/crypto.h"
#include "core/crypto_suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(crypto_suite suite, const char *pem, size_t len)
{
    crypto_suite_key *key = NULL, *again = NULL;
    if (crypto_suite_key_load_private_pem(suite, pem, len, &key) != AW_OK) {
        if (key != NULL)
            abort();
        return;
    }
    char *out = NULL;
    size_t out_len = 0;
    uint8_t p1[CRYPTO_SUITE_POINT_SIZE], p2[CRYPTO_SUITE_POINT_SIZE];
    if (crypto_suite_key_suite(key) != suite || !crypto_suite_key_is_private(key)
        || crypto_suite_key_export_private_pem(key, &out, &out_len) != AW_OK
        || crypto_suite_key_load_private_pem(suite, out, out_len, &again) != AW_OK
        || crypto_suite_key_export_point(key, p1) != AW_OK
        || crypto_suite_key_export_point(again, p2) != AW_OK || memcmp(p1, p2, sizeof(p1)) != 0)
        abort();
    crypto_suite_pem_free(out, out_len);
    crypto_suite_key_free(again);
    crypto_suite_key_free(key);
}

static void check_rsp(const char *pem, size_t len)
{
    crypto_key *key = NULL, *again = NULL;
    if (crypto_key_load_private_pem((const uint8_t *)pem, len, &key) != AW_OK) {
        if (key != NULL)
            abort();
        return;
    }
    char *out = NULL;
    size_t out_len = 0;
    uint8_t p1[CRYPTO_POINT_SIZE], p2[CRYPTO_POINT_SIZE];
    if (!crypto_key_is_private(key) || crypto_key_export_private_pem(key, &out, &out_len) != AW_OK
        || crypto_key_load_private_pem((const uint8_t *)out, out_len, &again) != AW_OK
        || crypto_key_curve(again) != crypto_key_curve(key)
        || crypto_key_export_point(key, p1) != AW_OK
        || crypto_key_export_point(again, p2) != AW_OK || memcmp(p1, p2, sizeof(p1)) != 0)
        abort();
    crypto_key_pem_free(out, out_len);
    crypto_key_free(again);
    crypto_key_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY"};
    char *pem = NULL;
    size_t len = 0;
    unsigned mode = data[0] % 3;
    if (mode == 0) {
        len = size - 1;
        pem = malloc(len + 1);
        if (pem == NULL)
            abort();
        memcpy(pem, data + 1, len);
    } else {
        size_t text_len = aw_base64_encoded_length(size - 1);
        size_t cap = text_len + 100;
        pem = malloc(cap);
        if (pem == NULL)
            abort();
        int head = snprintf(pem, cap, "-----BEGIN %s-----\n", labels[mode - 1]);
        if (aw_base64_encode(data + 1, size - 1, pem + head, cap - (size_t)head) != AW_OK)
            abort();
        len = (size_t)head + text_len;
        len += (size_t)snprintf(pem + len, cap - len, "\n-----END %s-----\n", labels[mode - 1]);
    }
    check(CRYPTO_SUITE_INTERNATIONAL, pem, len);
    check(CRYPTO_SUITE_DOMESTIC, pem, len);
    check_rsp(pem, len);
    free(pem);
    return 0;
}
