/* airwrite core: SM2 public-key encryption (GB/T 32918.4-2016; GM/T
 * 0003.4-2012) for sealed envelopes, ciphertext in the order C1 || C3 || C2
 * of GB/T 32918.4-2016 6.1 step A8. OpenSSL 3 (EVP_PKEY_encrypt with an SM2
 * key) reads and writes the GM/T 0009-2012 7.2 DER SM2Cipher; the two
 * forms carry the same C1, C3 and C2 and are converted here. */
#include "core/crypto_envelope_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/der.h"

#define COORDINATE_SIZE 32u
#define MESSAGE_MAX (CRYPTO_ENVELOPE_PAYLOAD_MAX + CRYPTO_ENVELOPE_HEADER_SIZE)
/* the DER form of the largest ciphertext: two 33-byte INTEGERs, HASH, text */
#define DER_MAX (16u + 2u * (4u + 33u) + 4u + COORDINATE_SIZE + 4u + MESSAGE_MAX)

aw_err crypto_envelope_sm2_to_der(const uint8_t *c1c3c2, size_t len, uint8_t **der,
                                  size_t *der_len)
{
    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (c1c3c2 == NULL || der == NULL || der_len == NULL)
        return AW_ERR_ARGUMENT;
    if (len <= CRYPTO_ENVELOPE_SM2_OVERHEAD || len > CRYPTO_ENVELOPE_SM2_OVERHEAD + MESSAGE_MAX ||
        c1c3c2[0] != 0x04)
        return AW_ERR_ENVELOPE_FORMAT;
    const uint8_t *x = c1c3c2 + 1, *y = x + COORDINATE_SIZE, *c3 = y + COORDINATE_SIZE;
    const uint8_t *c2 = c3 + CRYPTO_ENVELOPE_SM2_HASH_SIZE;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_unsigned_bytes(&b, DER_TAG_INTEGER, x, COORDINATE_SIZE);
    der_put_unsigned_bytes(&b, DER_TAG_INTEGER, y, COORDINATE_SIZE);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, c3, CRYPTO_ENVELOPE_SM2_HASH_SIZE);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, c2, len - CRYPTO_ENVELOPE_SM2_OVERHEAD);
    der_builder_end(&b);
    return der_builder_finish(&b, der, der_len);
}

/* A coordinate INTEGER: non-negative, minimal, at most 32 bytes of value,
 * left-padded into out. */
static bool coordinate(der_reader *r, uint8_t out[COORDINATE_SIZE])
{
    der_node node;
    aw_slice magnitude;
    if (der_read_expect(r, DER_TAG_INTEGER, &node) != AW_OK ||
        der_node_get_unsigned_bytes(&node, &magnitude) != AW_OK ||
        magnitude.len > COORDINATE_SIZE)
        return false;
    memset(out, 0, COORDINATE_SIZE);
    if (magnitude.len > 0)
        memcpy(out + COORDINATE_SIZE - magnitude.len, magnitude.ptr, magnitude.len);
    return true;
}

aw_err crypto_envelope_sm2_from_der(const uint8_t *der, size_t len, uint8_t *out, size_t out_cap,
                                    size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (der == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    if (len > DER_MAX)
        return AW_ERR_ENVELOPE_FORMAT;
    der_node outer, hash, text;
    der_reader top, fields;
    uint8_t x[COORDINATE_SIZE], y[COORDINATE_SIZE];
    der_reader_init(&top, der, len);
    bool ok = der_read_expect(&top, DER_TAG_SEQUENCE, &outer) == AW_OK &&
              der_reader_finish(&top) == AW_OK &&
              der_reader_enter(&top, &outer, &fields) == AW_OK && coordinate(&fields, x) &&
              coordinate(&fields, y) &&
              der_read_expect(&fields, DER_TAG_OCTET_STRING, &hash) == AW_OK &&
              der_read_expect(&fields, DER_TAG_OCTET_STRING, &text) == AW_OK &&
              der_reader_finish(&fields) == AW_OK &&
              hash.value.len == CRYPTO_ENVELOPE_SM2_HASH_SIZE && text.value.len > 0 &&
              text.value.len <= MESSAGE_MAX;
    if (!ok)
        return AW_ERR_ENVELOPE_FORMAT;
    size_t need = CRYPTO_ENVELOPE_SM2_OVERHEAD + text.value.len;
    if (out_cap < need)
        return AW_ERR_BUFFER_TOO_SMALL;
    out[0] = 0x04;
    memcpy(out + 1, x, COORDINATE_SIZE);
    memcpy(out + 1 + COORDINATE_SIZE, y, COORDINATE_SIZE);
    memcpy(out + CRYPTO_ENVELOPE_POINT_SIZE, hash.value.ptr, CRYPTO_ENVELOPE_SM2_HASH_SIZE);
    memcpy(out + CRYPTO_ENVELOPE_SM2_OVERHEAD, text.value.ptr, text.value.len);
    *out_len = need;
    return AW_OK;
}

aw_err crypto_envelope_sm2_encrypt(const crypto_envelope_key *recipient, const uint8_t *message,
                                   size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (recipient == NULL || message == NULL || out == NULL || out_len == NULL || len == 0 ||
        len > MESSAGE_MAX)
        return AW_ERR_ARGUMENT;
    if (recipient->suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_MISMATCH;
    if (out_cap < len + CRYPTO_ENVELOPE_SM2_OVERHEAD)
        return AW_ERR_BUFFER_TOO_SMALL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, recipient->pkey, NULL);
    size_t der_len = 0;
    uint8_t *der = NULL;
    aw_err err = AW_ERR_CRYPTO;
    /* GB/T 32918.4-2016 6.1 steps A1-A8 are OpenSSL's; the DER it writes is
     * then taken apart */
    if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1 ||
        EVP_PKEY_encrypt(ctx, NULL, &der_len, message, len) != 1)
        goto cleanup;
    der = malloc(der_len);
    if (der == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    if (EVP_PKEY_encrypt(ctx, der, &der_len, message, len) != 1)
        goto cleanup;
    err = crypto_envelope_sm2_from_der(der, der_len, out, out_cap, out_len);
    if (err == AW_OK && *out_len != len + CRYPTO_ENVELOPE_SM2_OVERHEAD) {
        *out_len = 0;
        err = AW_ERR_CRYPTO;
    }
    if (err == AW_ERR_ENVELOPE_FORMAT)
        err = AW_ERR_CRYPTO; /* OpenSSL's own output: not the caller's fault */
cleanup:
    EVP_PKEY_CTX_free(ctx);
    free(der);
    return err;
}

aw_err crypto_envelope_sm2_decrypt(const crypto_envelope_key *recipient,
                                   const uint8_t *ciphertext, size_t len, uint8_t *out,
                                   size_t out_cap, size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (recipient == NULL || ciphertext == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    if (recipient->suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_MISMATCH;
    if (!recipient->is_private)
        return AW_ERR_SUITE_KEY;
    if (len <= CRYPTO_ENVELOPE_SM2_OVERHEAD || len > CRYPTO_ENVELOPE_SM2_OVERHEAD + MESSAGE_MAX ||
        ciphertext[0] != 0x04)
        return AW_ERR_ENVELOPE_FORMAT;
    size_t plain_len = len - CRYPTO_ENVELOPE_SM2_OVERHEAD;
    if (out_cap < plain_len)
        return AW_ERR_BUFFER_TOO_SMALL;
    uint8_t *der = NULL, *plain = NULL;
    size_t der_len = 0, got = 0;
    aw_err err = crypto_envelope_sm2_to_der(ciphertext, len, &der, &der_len);
    EVP_PKEY_CTX *ctx = NULL;
    if (err != AW_OK)
        goto cleanup;
    err = AW_ERR_NOMEM;
    /* OpenSSL writes into a buffer as large as the ciphertext */
    if ((plain = malloc(der_len)) == NULL)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, recipient->pkey, NULL)) == NULL ||
        EVP_PKEY_decrypt_init(ctx) != 1)
        goto cleanup;
    got = der_len;
    /* GB/T 32918.4-2016 7.1: B1 (C1 on the curve) and B6 (u = C3) fail here */
    if (EVP_PKEY_decrypt(ctx, plain, &got, der, der_len) != 1 || got != plain_len) {
        err = AW_ERR_ENVELOPE_DECRYPT;
        goto cleanup;
    }
    memcpy(out, plain, plain_len);
    *out_len = plain_len;
    err = AW_OK;
cleanup:
    EVP_PKEY_CTX_free(ctx);
    if (plain != NULL)
        OPENSSL_cleanse(plain, der_len);
    free(plain);
    free(der);
    return err;
}
