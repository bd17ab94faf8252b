/* libFuzzer target: the sealed format of the crypto suite
 * (src/core/crypto_suite_aead.c, format in crypto_suite.h), opened with the
 * fixed keys of fuzz_crypto_suite_fixture.h for both suites.
 * Properties: never crashes; inspect and open agree on the header; an input
 * that opens is exactly an authentic seed: its plaintext is the one the seed
 * generator put under that nonce, and sealing it again under the same nonce
 * gives the input byte for byte. So every mutation of a seed is rejected. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto_suite.h"
#include "core/crypto_suite_internal.h"
#include "fuzz_crypto_suite_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    static const uint8_t ad[] = FUZZ_SUITE_AD;
    if (size > 1u << 16)
        return 0;
    crypto_suite sealed_suite = 0;
    uint32_t key_id = 0;
    aw_err inspected = crypto_suite_sealed_inspect(data, size, &sealed_suite, &key_id);
    if (inspected == AW_OK
        && (size < CRYPTO_SUITE_SEALED_OVERHEAD
            || (sealed_suite != CRYPTO_SUITE_INTERNATIONAL
                && sealed_suite != CRYPTO_SUITE_DOMESTIC)))
        abort();

    uint8_t *plain = malloc(size + 1);
    uint8_t *expect = malloc(size + 1);
    uint8_t *again = malloc(size + 1);
    if (plain == NULL || expect == NULL || again == NULL)
        abort();
    for (size_t s = 0; s < 2; s++) {
        uint8_t key[32];
        fuzz_suite_key(suites[s], key);
        size_t key_len = crypto_suite_aead_key_size(suites[s]);
        size_t plain_len = 0;
        aw_err err = crypto_suite_open(suites[s], FUZZ_SUITE_KEY_ID, key, key_len, ad,
                                       sizeof(ad) - 1, data, size, plain, size, &plain_len);
        /* header faults are the same whichever suite opens */
        if (inspected != AW_OK && err != inspected)
            abort();
        if (err != AW_OK) {
            if (plain_len != 0)
                abort();
            continue;
        }
        if (sealed_suite != suites[s] || key_id != FUZZ_SUITE_KEY_ID
            || plain_len + CRYPTO_SUITE_SEALED_OVERHEAD != size)
            abort();
        const uint8_t *nonce = data + 6;
        fuzz_suite_plaintext(nonce, plain_len, expect);
        if (memcmp(plain, expect, plain_len) != 0)
            abort(); /* a forgery opened */
        size_t again_len = 0;
        if (crypto_suite_seal_with_nonce(suites[s], FUZZ_SUITE_KEY_ID, key, key_len, nonce, ad,
                                         sizeof(ad) - 1, plain, plain_len, again, size,
                                         &again_len)
                != AW_OK
            || again_len != size || memcmp(again, data, size) != 0)
            abort(); /* accepted bytes that are not the canonical seal */
    }
    free(plain);
    free(expect);
    free(again);
    return 0;
}
