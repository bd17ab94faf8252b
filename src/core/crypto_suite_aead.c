/* airwrite core: AEAD seal/open of the crypto suite and its sealed format
 * (crypto_suite.h): AES-256-GCM or SM4-GCM (NIST SP 800-38D; RFC 8998 for
 * SM4-GCM), 96-bit random nonce, 128-bit tag, header bound as AAD. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/crypto_suite_internal.h"

#define HEADER_AAD_SIZE 6u /* version, suite, key id */
#define OFFSET_NONCE 6u

size_t crypto_suite_aead_key_size(crypto_suite suite)
{
    switch (suite) {
    case CRYPTO_SUITE_INTERNATIONAL:
        return 32;
    case CRYPTO_SUITE_DOMESTIC:
        return 16;
    }
    return 0;
}

static void put_header(uint8_t *out, crypto_suite suite, uint32_t key_id,
                       const uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE])
{
    out[0] = CRYPTO_SUITE_SEALED_VERSION;
    out[1] = (uint8_t)suite;
    out[2] = (uint8_t)(key_id >> 24);
    out[3] = (uint8_t)(key_id >> 16);
    out[4] = (uint8_t)(key_id >> 8);
    out[5] = (uint8_t)key_id;
    memcpy(out + OFFSET_NONCE, nonce, CRYPTO_SUITE_NONCE_SIZE);
}

aw_err crypto_suite_sealed_inspect(const uint8_t *sealed, size_t len, crypto_suite *suite,
                                   uint32_t *key_id)
{
    if (suite != NULL)
        *suite = 0;
    if (key_id != NULL)
        *key_id = 0;
    if (sealed == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    if (len < CRYPTO_SUITE_SEALED_OVERHEAD)
        return AW_ERR_SUITE_SEALED_FORMAT;
    if (sealed[0] != CRYPTO_SUITE_SEALED_VERSION)
        return AW_ERR_SUITE_SEALED_VERSION;
    if (sealed[1] != CRYPTO_SUITE_INTERNATIONAL && sealed[1] != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_SEALED_FORMAT;
    if (len - CRYPTO_SUITE_SEALED_OVERHEAD > CRYPTO_SUITE_SEAL_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    if (suite != NULL)
        *suite = (crypto_suite)sealed[1];
    if (key_id != NULL)
        *key_id = (uint32_t)sealed[2] << 24 | (uint32_t)sealed[3] << 16
                  | (uint32_t)sealed[4] << 8 | sealed[5];
    return AW_OK;
}

/* OpenSSL's own GCM (AES-256-GCM, or SM4-GCM where the provider has it). */
static aw_err native_gcm(const EVP_CIPHER *cipher, bool seal, const uint8_t *key,
                         const uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE], const uint8_t *header,
                         const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
                         uint8_t *out, uint8_t tag[CRYPTO_SUITE_TAG_SIZE])
{
    aw_err err = AW_ERR_NOMEM;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    size_t iv_len = CRYPTO_SUITE_NONCE_SIZE;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
        OSSL_PARAM_construct_end(),
    };
    int n = 0;
    uint8_t final_block[16]; /* GCM final writes nothing */
    if (EVP_CipherInit_ex2(ctx, cipher, key, nonce, seal ? 1 : 0, params) != 1
        || EVP_CipherUpdate(ctx, NULL, &n, header, HEADER_AAD_SIZE) != 1
        || (ad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, ad, (int)ad_len) != 1))
        goto cleanup;
    if (len > 0 && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len))
        goto cleanup;
    if (seal) {
        if (EVP_CipherFinal_ex(ctx, final_block, &n) != 1
            || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_SUITE_TAG_SIZE, tag) != 1)
            goto cleanup;
    } else {
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_SUITE_TAG_SIZE, tag) != 1)
            goto cleanup;
        if (EVP_CipherFinal_ex(ctx, final_block, &n) != 1) {
            err = AW_ERR_SUITE_AUTHENTICATION;
            goto cleanup;
        }
    }
    err = AW_OK;
cleanup:
    /* OpenSSL decrypts before the tag is checked: never release that. */
    if (err != AW_OK && out != NULL)
        OPENSSL_cleanse(out, len);
    ERR_clear_error();
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

static aw_err check_common(crypto_suite suite, const uint8_t *key, size_t key_len,
                           const uint8_t *ad, size_t ad_len, const crypto_suite_algorithms **alg)
{
    if ((key == NULL && key_len != 0) || (ad == NULL && ad_len != 0))
        return AW_ERR_ARGUMENT;
    if (suite != CRYPTO_SUITE_INTERNATIONAL && suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_UNKNOWN;
    if ((*alg = crypto_suite_algorithms_of(suite)) == NULL)
        return AW_ERR_SUITE_UNAVAILABLE;
    if (key_len != crypto_suite_aead_key_size(suite))
        return AW_ERR_SUITE_KEY;
    if (ad_len > CRYPTO_SUITE_AD_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    return AW_OK;
}

aw_err crypto_suite_seal_with_nonce(crypto_suite suite, uint32_t key_id, const uint8_t *key,
                                    size_t key_len, const uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE],
                                    const uint8_t *ad, size_t ad_len, const uint8_t *plaintext,
                                    size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (nonce == NULL || out == NULL || (plaintext == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    const crypto_suite_algorithms *alg = NULL;
    aw_err err = check_common(suite, key, key_len, ad, ad_len, &alg);
    if (err != AW_OK)
        return err;
    if (len > CRYPTO_SUITE_SEAL_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    if (out_cap < len + CRYPTO_SUITE_SEALED_OVERHEAD)
        return AW_ERR_BUFFER_TOO_SMALL;

    put_header(out, suite, key_id, nonce);
    uint8_t *ciphertext = out + CRYPTO_SUITE_SEALED_HEADER_SIZE;
    uint8_t *tag = ciphertext + len;
    if (alg->gcm != NULL)
        err = native_gcm(alg->gcm, true, key, nonce, out, ad, ad_len, plaintext, len, ciphertext,
                         tag);
    else
        err = crypto_gcm_composed_seal(alg->ecb, alg->ctr, key, nonce, out, HEADER_AAD_SIZE, ad,
                                       ad_len, plaintext, len, ciphertext, tag);
    if (err != AW_OK) {
        OPENSSL_cleanse(out, len + CRYPTO_SUITE_SEALED_OVERHEAD);
        return err;
    }
    *out_len = len + CRYPTO_SUITE_SEALED_OVERHEAD;
    return AW_OK;
}

aw_err crypto_suite_seal(crypto_suite suite, uint32_t key_id, const uint8_t *key, size_t key_len,
                         const uint8_t *ad, size_t ad_len, const uint8_t *plaintext, size_t len,
                         uint8_t *out, size_t out_cap, size_t *out_len)
{
    uint8_t nonce[CRYPTO_SUITE_NONCE_SIZE];
    /* A fresh random 96-bit nonce per seal (SP 800-38D 8.2.2); callers
     * rotate keys (key id) long before 2^32 seals under one key. */
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        ERR_clear_error();
        if (out_len != NULL)
            *out_len = 0;
        return AW_ERR_CRYPTO;
    }
    return crypto_suite_seal_with_nonce(suite, key_id, key, key_len, nonce, ad, ad_len, plaintext,
                                        len, out, out_cap, out_len);
}

aw_err crypto_suite_open(crypto_suite suite, uint32_t key_id, const uint8_t *key, size_t key_len,
                         const uint8_t *ad, size_t ad_len, const uint8_t *sealed, size_t len,
                         uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (sealed == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    const crypto_suite_algorithms *alg = NULL;
    aw_err err = check_common(suite, key, key_len, ad, ad_len, &alg);
    if (err != AW_OK)
        return err;
    crypto_suite sealed_suite;
    uint32_t sealed_key_id;
    err = crypto_suite_sealed_inspect(sealed, len, &sealed_suite, &sealed_key_id);
    if (err != AW_OK)
        return err;
    if (sealed_suite != suite)
        return AW_ERR_SUITE_MISMATCH;
    if (sealed_key_id != key_id)
        return AW_ERR_SUITE_KEY_ID;
    size_t plain_len = len - CRYPTO_SUITE_SEALED_OVERHEAD;
    if (out == NULL && plain_len != 0)
        return AW_ERR_ARGUMENT;
    if (out_cap < plain_len)
        return AW_ERR_BUFFER_TOO_SMALL;

    const uint8_t *nonce = sealed + OFFSET_NONCE;
    const uint8_t *ciphertext = sealed + CRYPTO_SUITE_SEALED_HEADER_SIZE;
    uint8_t tag[CRYPTO_SUITE_TAG_SIZE];
    memcpy(tag, ciphertext + plain_len, sizeof(tag));
    if (alg->gcm != NULL)
        err = native_gcm(alg->gcm, false, key, nonce, sealed, ad, ad_len, ciphertext, plain_len,
                         out, tag);
    else
        err = crypto_gcm_composed_open(alg->ecb, alg->ctr, key, nonce, sealed, HEADER_AAD_SIZE,
                                       ad, ad_len, ciphertext, plain_len, out, tag);
    if (err == AW_OK)
        *out_len = plain_len;
    else if (plain_len > 0)
        OPENSSL_cleanse(out, plain_len); /* the same on both GCM paths: no plaintext */
    return err;
}
