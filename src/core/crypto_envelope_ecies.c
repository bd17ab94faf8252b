/* airwrite core: ECIES on P-256 (SEC 1 v2 5.1, "Elliptic Curve Integrated
 * Encryption Scheme") for sealed envelopes. Choices within SEC 1 5.1.1:
 * ephemeral-static ECDH without cofactor (3.3.1 ECSVDP-DH: Z is the x
 * coordinate), the ANSI X9.63 KDF with SHA-256 (3.6.1) with SharedInfo = R
 * (the ephemeral point, uncompressed), and as the "MAC and symmetric
 * encryption" the AEAD AES-256-GCM (NIST SP 800-38D), whose 44 bytes of key
 * material are the key (32) then the IV (12): one key per message, so the
 * IV never repeats under a key. Ciphertext: R || C || tag. */
#include "core/crypto_envelope_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define AES_KEY_SIZE 32u
#define IV_SIZE 12u
#define TAG_SIZE 16u
#define SHARED_SIZE 32u

/* Z = x(d * Q) (SEC 1 3.3.1); OpenSSL checks the peer is on the curve. */
static aw_err shared_secret(EVP_PKEY *own, EVP_PKEY *peer, uint8_t z[SHARED_SIZE])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    size_t len = SHARED_SIZE;
    bool ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
              EVP_PKEY_derive_set_peer(ctx, peer) == 1 && EVP_PKEY_derive(ctx, z, &len) == 1 &&
              len == SHARED_SIZE;
    EVP_PKEY_CTX_free(ctx);
    return ok ? AW_OK : AW_ERR_CRYPTO;
}

/* ANSI X9.63 KDF with SHA-256 (SEC 1 3.6.1): key || IV from Z and R. */
static aw_err derive(const uint8_t z[SHARED_SIZE], const uint8_t r[CRYPTO_ENVELOPE_POINT_SIZE],
                     uint8_t material[AES_KEY_SIZE + IV_SIZE])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, SHARED_SIZE),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)r,
                                          CRYPTO_ENVELOPE_POINT_SIZE),
        OSSL_PARAM_construct_end()};
    bool ok = ctx != NULL && EVP_KDF_derive(ctx, material, AES_KEY_SIZE + IV_SIZE, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? AW_OK : AW_ERR_CRYPTO;
}

/* AES-256-GCM one-shot; open checks the tag before anything is released. */
static aw_err gcm(bool seal, const uint8_t material[AES_KEY_SIZE + IV_SIZE], const uint8_t *ad,
                  size_t ad_len, const uint8_t *in, size_t len, uint8_t *out,
                  uint8_t tag[TAG_SIZE])
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = cipher != NULL && ctx != NULL &&
              EVP_CipherInit_ex2(ctx, cipher, material, material + AES_KEY_SIZE, seal ? 1 : 0,
                                 NULL) == 1 &&
              (ad_len == 0 || EVP_CipherUpdate(ctx, NULL, &n, ad, (int)ad_len) == 1) &&
              (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1);
    aw_err err = ok ? AW_OK : AW_ERR_CRYPTO;
    if (ok && !seal &&
        (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_SIZE, tag) != 1 ||
         EVP_CipherFinal_ex(ctx, out + len, &n) != 1))
        err = AW_ERR_ENVELOPE_DECRYPT;
    if (ok && seal &&
        (EVP_CipherFinal_ex(ctx, out + len, &n) != 1 ||
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_SIZE, tag) != 1))
        err = AW_ERR_CRYPTO;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return err;
}

static aw_err check_arguments(const crypto_envelope_key *recipient, const uint8_t *ad,
                              size_t ad_len, const void *in, uint8_t *out, size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (recipient == NULL || in == NULL || out == NULL || out_len == NULL ||
        (ad == NULL && ad_len != 0) || ad_len > CRYPTO_ENVELOPE_HEADER_SIZE)
        return AW_ERR_ARGUMENT;
    return recipient->suite == CRYPTO_SUITE_INTERNATIONAL ? AW_OK : AW_ERR_SUITE_MISMATCH;
}

aw_err crypto_envelope_ecies_encrypt(const crypto_envelope_key *recipient, const uint8_t *ad,
                                     size_t ad_len, const uint8_t *message, size_t len,
                                     uint8_t *out, size_t out_cap, size_t *out_len)
{
    aw_err err = check_arguments(recipient, ad, ad_len, message, out, out_len);
    if (err != AW_OK)
        return err;
    if (len > CRYPTO_ENVELOPE_PAYLOAD_MAX)
        return AW_ERR_ARGUMENT;
    if (out_cap < len + CRYPTO_ENVELOPE_ECIES_OVERHEAD)
        return AW_ERR_BUFFER_TOO_SMALL;
    uint8_t z[SHARED_SIZE], material[AES_KEY_SIZE + IV_SIZE];
    crypto_envelope_key *ephemeral = NULL;
    /* SEC 1 5.1.3 step 1: an ephemeral key pair on the recipient's curve */
    err = crypto_envelope_key_generate(CRYPTO_SUITE_INTERNATIONAL, &ephemeral);
    if (err == AW_OK)
        err = crypto_envelope_key_export_point(ephemeral, out);
    if (err == AW_OK)
        err = shared_secret(ephemeral->pkey, recipient->pkey, z);
    if (err == AW_OK)
        err = derive(z, out, material);
    if (err == AW_OK)
        err = gcm(true, material, ad, ad_len, message, len, out + CRYPTO_ENVELOPE_POINT_SIZE,
                  out + CRYPTO_ENVELOPE_POINT_SIZE + len);
    if (err == AW_OK)
        *out_len = len + CRYPTO_ENVELOPE_ECIES_OVERHEAD;
    OPENSSL_cleanse(z, sizeof(z));
    OPENSSL_cleanse(material, sizeof(material));
    crypto_envelope_key_free(ephemeral);
    return err;
}

aw_err crypto_envelope_ecies_decrypt(const crypto_envelope_key *recipient, const uint8_t *ad,
                                     size_t ad_len, const uint8_t *ciphertext, size_t len,
                                     uint8_t *out, size_t out_cap, size_t *out_len)
{
    aw_err err = check_arguments(recipient, ad, ad_len, ciphertext, out, out_len);
    if (err != AW_OK)
        return err;
    if (!recipient->is_private)
        return AW_ERR_SUITE_KEY;
    if (len < CRYPTO_ENVELOPE_ECIES_OVERHEAD ||
        len > CRYPTO_ENVELOPE_ECIES_OVERHEAD + CRYPTO_ENVELOPE_PAYLOAD_MAX ||
        ciphertext[0] != 0x04)
        return AW_ERR_ENVELOPE_FORMAT;
    size_t plain_len = len - CRYPTO_ENVELOPE_ECIES_OVERHEAD;
    if (out_cap < plain_len)
        return AW_ERR_BUFFER_TOO_SMALL;
    uint8_t z[SHARED_SIZE], material[AES_KEY_SIZE + IV_SIZE], tag[TAG_SIZE];
    /* SEC 1 5.1.4 step 2: R must be a point of the curve */
    EVP_PKEY *peer =
        crypto_envelope_public_from_point(CRYPTO_SUITE_INTERNATIONAL, ciphertext,
                                          CRYPTO_ENVELOPE_POINT_SIZE);
    uint8_t *plain = malloc(plain_len + 16u);
    if (peer == NULL)
        err = AW_ERR_ENVELOPE_DECRYPT;
    else if (plain == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = shared_secret(recipient->pkey, peer, z);
    if (err == AW_OK)
        err = derive(z, ciphertext, material);
    if (err == AW_OK) {
        memcpy(tag, ciphertext + len - TAG_SIZE, TAG_SIZE);
        err = gcm(false, material, ad, ad_len, ciphertext + CRYPTO_ENVELOPE_POINT_SIZE,
                  plain_len, plain, tag);
    }
    if (err == AW_OK) {
        if (plain_len > 0)
            memcpy(out, plain, plain_len);
        *out_len = plain_len;
    }
    if (plain != NULL)
        OPENSSL_cleanse(plain, plain_len + 16u);
    free(plain);
    OPENSSL_cleanse(z, sizeof(z));
    OPENSSL_cleanse(material, sizeof(material));
    EVP_PKEY_free(peer);
    return err;
}
