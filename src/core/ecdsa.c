/* airwrite core: ECDSA with SHA-256 on the RSP curves and the conversion
 * between the X.509 DER ECDSA-Sig-Value (RFC 5480 2.2.3 / X9.62) and the
 * plain r||s format SGP.22 carries in tag 5F37 (SGP.22 2.6.7 refers to BSI
 * TR-03111 5.2.1: r and s as 32-byte big-endian octet strings). */
#include "core/crypto_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "core/der.h"

/* 1 <= v < n (public values: signature components). */
static bool below_order(const uint8_t order[CRYPTO_SCALAR_SIZE], const uint8_t v[CRYPTO_SCALAR_SIZE])
{
    static const uint8_t zero[CRYPTO_SCALAR_SIZE] = {0};
    return memcmp(v, zero, CRYPTO_SCALAR_SIZE) != 0 && memcmp(v, order, CRYPTO_SCALAR_SIZE) < 0;
}

aw_err crypto_signature_der_to_plain_order(const uint8_t order[CRYPTO_SCALAR_SIZE],
                                           const uint8_t *der, size_t len,
                                           uint8_t plain[CRYPTO_SIGNATURE_SIZE])
{
    if (order == NULL || plain == NULL || (der == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    memset(plain, 0, CRYPTO_SIGNATURE_SIZE);
    if (len == 0 || len > CRYPTO_SIGNATURE_DER_MAX)
        return AW_ERR_SIGNATURE_FORMAT;

    /* Every framing fault (trailing bytes, non-minimal length or INTEGER,
     * wrong tags) is reported as a malformed signature. */
    der_node seq;
    der_reader outer;
    der_reader body;
    der_node part[2];
    der_reader_init(&outer, der, len);
    if (der_decode_single(der, len, &seq) != AW_OK || seq.tag != DER_TAG_SEQUENCE
        || der_reader_enter(&outer, &seq, &body) != AW_OK
        || der_read_expect(&body, DER_TAG_INTEGER, &part[0]) != AW_OK
        || der_read_expect(&body, DER_TAG_INTEGER, &part[1]) != AW_OK
        || der_reader_finish(&body) != AW_OK)
        return AW_ERR_SIGNATURE_FORMAT;

    for (size_t i = 0; i < 2; i++) {
        aw_slice mag;
        if (der_node_get_unsigned_bytes(&part[i], &mag) != AW_OK || mag.len > CRYPTO_SCALAR_SIZE)
            goto malformed;
        uint8_t *dst = plain + i * CRYPTO_SCALAR_SIZE;
        memcpy(dst + CRYPTO_SCALAR_SIZE - mag.len, mag.ptr, mag.len);
        if (!below_order(order, dst))
            goto malformed;
    }
    return AW_OK;
malformed:
    memset(plain, 0, CRYPTO_SIGNATURE_SIZE);
    return AW_ERR_SIGNATURE_FORMAT;
}

aw_err crypto_signature_plain_to_der_order(const uint8_t order[CRYPTO_SCALAR_SIZE],
                                           const uint8_t plain[CRYPTO_SIGNATURE_SIZE],
                                           uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (order == NULL || plain == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (!below_order(order, plain) || !below_order(order, plain + CRYPTO_SCALAR_SIZE))
        return AW_ERR_SIGNATURE_FORMAT;

    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_unsigned_bytes(&b, DER_TAG_INTEGER, plain, CRYPTO_SCALAR_SIZE);
    der_put_unsigned_bytes(&b, DER_TAG_INTEGER, plain + CRYPTO_SCALAR_SIZE, CRYPTO_SCALAR_SIZE);
    der_builder_end(&b);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    aw_err err = der_builder_finish(&b, &enc, &enc_len);
    if (err != AW_OK)
        return err;
    if (enc_len > out_cap) {
        err = AW_ERR_BUFFER_TOO_SMALL;
    } else {
        memcpy(out, enc, enc_len);
        *out_len = enc_len;
    }
    free(enc);
    return err;
}

aw_err crypto_signature_der_to_plain(crypto_curve curve, const uint8_t *der, size_t len,
                                     uint8_t plain[CRYPTO_SIGNATURE_SIZE])
{
    const uint8_t *order = crypto_curve_order(curve);
    if (order == NULL)
        return AW_ERR_ARGUMENT;
    return crypto_signature_der_to_plain_order(order, der, len, plain);
}

aw_err crypto_signature_plain_to_der(crypto_curve curve,
                                     const uint8_t plain[CRYPTO_SIGNATURE_SIZE],
                                     uint8_t *out, size_t out_cap, size_t *out_len)
{
    const uint8_t *order = crypto_curve_order(curve);
    if (order == NULL) {
        if (out_len != NULL)
            *out_len = 0;
        return AW_ERR_ARGUMENT;
    }
    return crypto_signature_plain_to_der_order(order, plain, out, out_cap, out_len);
}

aw_err crypto_sign_ecdsa(const crypto_key *key, const uint8_t *data, size_t len,
                         uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    if (key == NULL || signature == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    memset(signature, 0, CRYPTO_SIGNATURE_SIZE);
    if (!key->is_private)
        return AW_ERR_CRYPTO_KEY;

    static const uint8_t empty[1] = {0};
    uint8_t der[CRYPTO_SIGNATURE_DER_MAX];
    size_t der_len = sizeof(der);
    aw_err err = AW_ERR_CRYPTO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    if (EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key->pkey, NULL) != 1
        || EVP_DigestSign(ctx, der, &der_len, data != NULL ? data : empty, len) != 1)
        goto cleanup;
    /* OpenSSL's encoding is always minimal DER with r, s in range; failing
     * here would be an OpenSSL fault, not bad input. */
    if (crypto_signature_der_to_plain(key->curve, der, der_len, signature) != AW_OK)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return err;
}

aw_err crypto_verify_ecdsa(const crypto_key *key, const uint8_t *data, size_t len,
                           const uint8_t *signature, size_t signature_len)
{
    if (key == NULL || (data == NULL && len != 0) || (signature == NULL && signature_len != 0))
        return AW_ERR_ARGUMENT;
    if (signature_len != CRYPTO_SIGNATURE_SIZE)
        return AW_ERR_SIGNATURE_FORMAT;

    static const uint8_t empty[1] = {0};
    uint8_t der[CRYPTO_SIGNATURE_DER_MAX];
    size_t der_len = 0;
    aw_err err = crypto_signature_plain_to_der(key->curve, signature, der, sizeof(der), &der_len);
    if (err != AW_OK)
        return err;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    err = AW_ERR_CRYPTO;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key->pkey, NULL) != 1)
        goto cleanup;
    /* Fail closed: anything but 1 is a signature that does not verify. */
    err = EVP_DigestVerify(ctx, der, der_len, data != NULL ? data : empty, len) == 1
          ? AW_OK : AW_ERR_SIGNATURE;
cleanup:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return err;
}
