/* libFuzzer target: the ECDSA signature conversion of src/core/ecdsa.c
 * (DER ECDSA-Sig-Value <-> r||s, SGP.22 2.6.7 / BSI TR-03111 5.2.1).
 * Property: whatever der_to_plain accepts re-encodes to exactly the same
 * bytes (DER is canonical), and a 64-byte input that plain_to_der accepts
 * converts back to itself. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256,
                                          CRYPTO_CURVE_BRAINPOOL_P256R1};
    for (size_t c = 0; c < 2; c++) {
        uint8_t plain[CRYPTO_SIGNATURE_SIZE];
        uint8_t der[CRYPTO_SIGNATURE_DER_MAX];
        size_t der_len = 0;
        if (crypto_signature_der_to_plain(curves[c], data, size, plain) == AW_OK) {
            if (crypto_signature_plain_to_der(curves[c], plain, der, sizeof(der), &der_len)
                    != AW_OK
                || der_len != size || memcmp(der, data, size) != 0)
                abort();
        }
        if (size == CRYPTO_SIGNATURE_SIZE
            && crypto_signature_plain_to_der(curves[c], data, der, sizeof(der), &der_len)
                   == AW_OK) {
            if (crypto_signature_der_to_plain(curves[c], der, der_len, plain) != AW_OK
                || memcmp(plain, data, CRYPTO_SIGNATURE_SIZE) != 0)
                abort();
        }
    }
    return 0;
}
