/* airwrite core: ECKA-DH key agreement (BSI TR-03111 4.3.1), the ANSI X9.63
 * KDF with SHA-256 (BSI TR-03111 4.3.3) and the BSP session key derivation
 * of SGP.22 2.6.4.2. */
#include "core/crypto_internal.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>

aw_err crypto_key_agreement(const crypto_key *own, const uint8_t *peer_point, size_t peer_len,
                            uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE])
{
    if (own == NULL || shared_secret == NULL || (peer_point == NULL && peer_len != 0))
        return AW_ERR_ARGUMENT;
    memset(shared_secret, 0, CRYPTO_SHARED_SECRET_SIZE);
    if (!own->is_private)
        return AW_ERR_CRYPTO_KEY;

    /* The peer point is decoded on the own key's curve: a point of another
     * curve, or any point not on this one, is refused there. */
    crypto_key *peer = NULL;
    aw_err err = crypto_key_from_point(own->curve, peer_point, peer_len, &peer);
    if (err != AW_OK)
        return err;
    err = AW_ERR_CRYPTO;
    size_t len = CRYPTO_SHARED_SECRET_SIZE;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own->pkey, NULL);
    if (ctx == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    /* OpenSSL's ECDH output is the x-coordinate of d*Q padded to the field
     * size, which is ECKA-DH's ZAB for these cofactor-1 curves. The peer
     * was validated by crypto_key_from_point (on the curve, not infinity:
     * with cofactor 1 that is the whole group), so set_peer does not check
     * it again: its full check adds an n*Q multiplication per agreement. */
    if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer_ex(ctx, peer->pkey, 0) != 1
        || EVP_PKEY_derive(ctx, shared_secret, &len) != 1
        || len != CRYPTO_SHARED_SECRET_SIZE) {
        OPENSSL_cleanse(shared_secret, CRYPTO_SHARED_SECRET_SIZE);
        goto cleanup;
    }
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    crypto_key_free(peer);
    return err;
}

aw_err crypto_derive_x963_sha256(const uint8_t *secret, size_t secret_len,
                                 const uint8_t *shared_info, size_t shared_info_len,
                                 uint8_t *out, size_t out_len)
{
    if (secret == NULL || secret_len == 0 || out == NULL || out_len == 0
        || (shared_info == NULL && shared_info_len != 0))
        return AW_ERR_ARGUMENT;
    aw_err err = AW_ERR_CRYPTO;
    EVP_KDF *kdf = crypto_algorithm_x963kdf();
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    if (ctx == NULL)
        goto cleanup;
    OSSL_PARAM params[4];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
                                                    secret_len);
    if (shared_info_len != 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)shared_info,
                                                        shared_info_len);
    params[n] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, out_len, params) != 1) {
        OPENSSL_cleanse(out, out_len);
        goto cleanup;
    }
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_KDF_CTX_free(ctx);
    return err;
}

aw_err crypto_derive_session_keys(const uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE],
                                  const uint8_t *host_id, size_t host_id_len,
                                  const uint8_t eid[CRYPTO_EID_SIZE],
                                  crypto_session_keys *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (shared_secret == NULL || host_id == NULL || host_id_len == 0
        || host_id_len > CRYPTO_HOST_ID_MAX || eid == NULL)
        return AW_ERR_ARGUMENT;

    /* SGP.22 2.6.4.2: SharedInfo is the CRT's key type and key length, then
     * hostId and EID each preceded by its length (one byte: both are at most
     * 16 bytes). */
    uint8_t info[2 + 1 + CRYPTO_HOST_ID_MAX + 1 + CRYPTO_EID_SIZE];
    size_t n = 0;
    info[n++] = CRYPTO_BSP_KEY_TYPE_AES;
    info[n++] = CRYPTO_BSP_KEY_LENGTH;
    info[n++] = (uint8_t)host_id_len;
    memcpy(info + n, host_id, host_id_len);
    n += host_id_len;
    info[n++] = CRYPTO_EID_SIZE;
    memcpy(info + n, eid, CRYPTO_EID_SIZE);
    n += CRYPTO_EID_SIZE;

    /* Output order: initial MAC chaining value, S-ENC, S-MAC. */
    uint8_t keydata[3 * 16];
    aw_err err = crypto_derive_x963_sha256(shared_secret, CRYPTO_SHARED_SECRET_SIZE, info, n,
                                           keydata, sizeof(keydata));
    if (err == AW_OK) {
        memcpy(out->initial_mac_chaining_value, keydata, 16);
        memcpy(out->enc, keydata + 16, 16);
        memcpy(out->mac, keydata + 32, 16);
    }
    OPENSSL_cleanse(keydata, sizeof(keydata));
    return err;
}

void crypto_session_keys_clear(crypto_session_keys *keys)
{
    if (keys != NULL)
        OPENSSL_cleanse(keys, sizeof(*keys));
}
