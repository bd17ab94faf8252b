/* libFuzzer target: sealed envelopes (src/core/crypto_envelope*.c, format
 * in crypto_envelope.h): the strict parser, the GM/T 0009 DER conversion
 * of SM2 ciphertexts, SM2 and ECIES decryption, and the whole open with the
 * fixed keys of fuzz_crypto_envelope_fixture.h.
 * Properties: never crashes; a parsed envelope's slices lie inside the
 * input and add up to it; DER converted back gives the same DER. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto_envelope.h"
#include "fuzz_crypto_envelope_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static crypto_envelope_key *p256, *sm2;
static crypto_suite_key *signer;

static void load_keys(void)
{
    if (p256 != NULL)
        return;
    if (crypto_envelope_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, fuzz_envelope_p256_pem,
                                             strlen(fuzz_envelope_p256_pem), &p256) != AW_OK ||
        crypto_envelope_key_load_private_pem(CRYPTO_SUITE_DOMESTIC, fuzz_envelope_sm2_pem,
                                             strlen(fuzz_envelope_sm2_pem), &sm2) != AW_OK ||
        crypto_suite_key_load_private_pem(CRYPTO_SUITE_INTERNATIONAL, fuzz_envelope_signer_pem,
                                          strlen(fuzz_envelope_signer_pem), &signer) != AW_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CRYPTO_ENVELOPE_MAX + 64u)
        return 0;
    load_keys();
    crypto_envelope_view view;
    if (crypto_envelope_parse(data, size, &view) == AW_OK) {
        if (view.signed_part != data || view.ciphertext != data + CRYPTO_ENVELOPE_HEADER_SIZE + 4 ||
            view.signed_len + 1u + view.signature_len != size ||
            view.signature != data + view.signed_len + 1u)
            abort();
        crypto_envelope_header header;
        uint8_t *payload = NULL;
        size_t payload_len = 0;
        const crypto_envelope_key *recipient =
            view.header.suite == CRYPTO_SUITE_DOMESTIC ? sm2 : p256;
        if (crypto_envelope_open(recipient, FUZZ_ENVELOPE_KEY_ID, signer, data, size, &header,
                                 &payload, &payload_len) == AW_OK &&
            (payload_len == 0 || payload_len > CRYPTO_ENVELOPE_PAYLOAD_MAX))
            abort();
        crypto_envelope_payload_free(payload, payload_len);
    }
    uint8_t *out = malloc(size + 1);
    if (out == NULL)
        abort();
    size_t out_len = 0;
    if (crypto_envelope_sm2_from_der(data, size, out, size + 1, &out_len) == AW_OK) {
        uint8_t *der = NULL;
        size_t der_len = 0;
        if (crypto_envelope_sm2_to_der(out, out_len, &der, &der_len) != AW_OK ||
            der_len != size || memcmp(der, data, size) != 0)
            abort();
        free(der);
    }
    (void)crypto_envelope_sm2_decrypt(sm2, data, size, out, size + 1, &out_len);
    (void)crypto_envelope_ecies_decrypt(p256, data, size > 47 ? 47 : size, data, size, out,
                                        size + 1, &out_len);
    free(out);
    return 0;
}
