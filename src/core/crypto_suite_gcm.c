/* airwrite core: GCM (NIST SP 800-38D) composed from a block cipher's ECB and
 * CTR modes, for SM4-GCM (RFC 8998 uses it in TLS 1.3) where OpenSSL's
 * provider lacks "SM4-GCM" (OpenSSL 3.0, as on Debian 12).
 *
 * Only the 96-bit IV case (SP 800-38D 7.1 step 2, first branch) and full
 * 128-bit tags. GHASH is the bitwise multiplication of SP 800-38D 6.3
 * (Algorithm 1) with masks instead of branches, so its timing does not depend
 * on H or the data (no table lookups indexed by secrets). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/crypto_suite_internal.h"

#define BLOCK 16

typedef struct ghash {
    uint64_t h_hi, h_lo; /* H = E(K, 0^128), bit 0 of the string = MSB of h_hi */
    uint64_t y_hi, y_lo; /* running Y */
    uint8_t partial[BLOCK];
    size_t partial_len;
} ghash;

static uint64_t load64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void store64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Y = (Y xor X) * H in GF(2^128), SP 800-38D 6.3 Algorithm 1. */
static void ghash_block(ghash *g, const uint8_t block[BLOCK])
{
    uint64_t x_hi = g->y_hi ^ load64(block);
    uint64_t x_lo = g->y_lo ^ load64(block + 8);
    uint64_t z_hi = 0, z_lo = 0;
    uint64_t v_hi = g->h_hi, v_lo = g->h_lo;
    for (int i = 0; i < 128; i++) {
        uint64_t bit = i < 64 ? (x_hi >> (63 - i)) & 1 : (x_lo >> (127 - i)) & 1;
        uint64_t take = (uint64_t)0 - bit;
        z_hi ^= v_hi & take;
        z_lo ^= v_lo & take;
        /* V >> 1, reduced by R = 11100001 || 0^120 when the bit shifted out is 1 */
        uint64_t reduce = (uint64_t)0 - (v_lo & 1);
        v_lo = (v_lo >> 1) | (v_hi << 63);
        v_hi = (v_hi >> 1) ^ (0xE100000000000000ULL & reduce);
    }
    g->y_hi = z_hi;
    g->y_lo = z_lo;
}

static void ghash_update(ghash *g, const uint8_t *data, size_t len)
{
    if (g->partial_len > 0) {
        size_t take = BLOCK - g->partial_len < len ? BLOCK - g->partial_len : len;
        memcpy(g->partial + g->partial_len, data, take);
        g->partial_len += take;
        data += take;
        len -= take;
        if (g->partial_len < BLOCK)
            return;
        ghash_block(g, g->partial);
        g->partial_len = 0;
    }
    for (; len >= BLOCK; data += BLOCK, len -= BLOCK)
        ghash_block(g, data);
    if (len > 0) {
        memcpy(g->partial, data, len);
        g->partial_len = len;
    }
}

/* Zero-pad the pending partial block (end of A, end of C). */
static void ghash_pad(ghash *g)
{
    if (g->partial_len == 0)
        return;
    memset(g->partial + g->partial_len, 0, BLOCK - g->partial_len);
    ghash_block(g, g->partial);
    g->partial_len = 0;
}

/* One-block encryption with the ECB cipher. */
static bool encrypt_block(EVP_CIPHER_CTX *ecb, const uint8_t in[BLOCK], uint8_t out[BLOCK])
{
    int n = 0;
    return EVP_EncryptUpdate(ecb, out, &n, in, BLOCK) == 1 && n == BLOCK;
}

/* H, E(J0), and the CTR context positioned at inc32(J0). */
static aw_err gcm_start(const EVP_CIPHER *ecb_cipher, const EVP_CIPHER *ctr_cipher,
                        const uint8_t *key, const uint8_t iv[CRYPTO_SUITE_NONCE_SIZE], ghash *g,
                        uint8_t tag_mask[BLOCK], EVP_CIPHER_CTX *ctr)
{
    uint8_t block[BLOCK] = {0};
    uint8_t h[BLOCK];
    aw_err err = AW_ERR_NOMEM;
    EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
    if (ecb == NULL)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if (EVP_EncryptInit_ex2(ecb, ecb_cipher, key, NULL, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(ecb, 0) != 1 || !encrypt_block(ecb, block, h))
        goto cleanup;
    memset(g, 0, sizeof(*g));
    g->h_hi = load64(h);
    g->h_lo = load64(h + 8);
    /* J0 = IV || 0^31 || 1 (SP 800-38D 7.1 step 2) */
    memcpy(block, iv, CRYPTO_SUITE_NONCE_SIZE);
    block[15] = 1;
    if (!encrypt_block(ecb, block, tag_mask))
        goto cleanup;
    block[15] = 2;
    if (EVP_EncryptInit_ex2(ctr, ctr_cipher, key, block, NULL) != 1)
        goto cleanup;
    err = AW_OK;
cleanup:
    OPENSSL_cleanse(h, sizeof(h));
    EVP_CIPHER_CTX_free(ecb);
    return err;
}

/* S = GHASH(A || pad || C || pad || [len(A)]64 || [len(C)]64), tag = E(J0) xor S */
static void gcm_tag(ghash *g, const uint8_t *aad1, size_t aad1_len, const uint8_t *aad2,
                    size_t aad2_len, const uint8_t *ciphertext, size_t len,
                    const uint8_t tag_mask[BLOCK], uint8_t tag[BLOCK])
{
    if (aad1_len > 0)
        ghash_update(g, aad1, aad1_len);
    if (aad2_len > 0)
        ghash_update(g, aad2, aad2_len);
    ghash_pad(g);
    if (len > 0)
        ghash_update(g, ciphertext, len);
    ghash_pad(g);
    uint8_t lengths[BLOCK];
    store64(lengths, (uint64_t)(aad1_len + aad2_len) * 8);
    store64(lengths + 8, (uint64_t)len * 8);
    ghash_block(g, lengths);
    store64(tag, g->y_hi);
    store64(tag + 8, g->y_lo);
    for (int i = 0; i < BLOCK; i++)
        tag[i] ^= tag_mask[i];
}

static bool ctr_apply(EVP_CIPHER_CTX *ctr, const uint8_t *in, size_t len, uint8_t *out)
{
    /* EVP takes int lengths; CRYPTO_SUITE_SEAL_MAX keeps len far below INT_MAX. */
    int n = 0;
    return len == 0 || (EVP_EncryptUpdate(ctr, out, &n, in, (int)len) == 1 && (size_t)n == len);
}

static bool arguments_ok(const EVP_CIPHER *ecb, const EVP_CIPHER *ctr, const uint8_t *key,
                         const uint8_t *iv, const uint8_t *aad1, size_t aad1_len,
                         const uint8_t *aad2, size_t aad2_len, const uint8_t *in, size_t len,
                         const uint8_t *out, const uint8_t *tag)
{
    return ecb != NULL && ctr != NULL && key != NULL && iv != NULL && tag != NULL
           && (aad1 != NULL || aad1_len == 0) && (aad2 != NULL || aad2_len == 0)
           && (in != NULL || len == 0) && (out != NULL || len == 0)
           && EVP_CIPHER_get_block_size(ecb) == BLOCK;
}

aw_err crypto_gcm_composed_seal(const EVP_CIPHER *ecb, const EVP_CIPHER *ctr, const uint8_t *key,
                                const uint8_t iv[CRYPTO_SUITE_NONCE_SIZE], const uint8_t *aad1,
                                size_t aad1_len, const uint8_t *aad2, size_t aad2_len,
                                const uint8_t *in, size_t len, uint8_t *out,
                                uint8_t tag[CRYPTO_SUITE_TAG_SIZE])
{
    if (!arguments_ok(ecb, ctr, key, iv, aad1, aad1_len, aad2, aad2_len, in, len, out, tag))
        return AW_ERR_ARGUMENT;
    if (len > CRYPTO_SUITE_SEAL_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    ghash g;
    uint8_t mask[BLOCK];
    aw_err err = AW_ERR_NOMEM;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        goto cleanup;
    err = gcm_start(ecb, ctr, key, iv, &g, mask, ctx);
    if (err != AW_OK)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if (!ctr_apply(ctx, in, len, out))
        goto cleanup;
    gcm_tag(&g, aad1, aad1_len, aad2, aad2_len, out, len, mask, tag);
    err = AW_OK;
cleanup:
    if (err != AW_OK && out != NULL)
        OPENSSL_cleanse(out, len);
    OPENSSL_cleanse(&g, sizeof(g));
    OPENSSL_cleanse(mask, sizeof(mask));
    ERR_clear_error();
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

aw_err crypto_gcm_composed_open(const EVP_CIPHER *ecb, const EVP_CIPHER *ctr, const uint8_t *key,
                                const uint8_t iv[CRYPTO_SUITE_NONCE_SIZE], const uint8_t *aad1,
                                size_t aad1_len, const uint8_t *aad2, size_t aad2_len,
                                const uint8_t *in, size_t len, uint8_t *out,
                                const uint8_t tag[CRYPTO_SUITE_TAG_SIZE])
{
    if (!arguments_ok(ecb, ctr, key, iv, aad1, aad1_len, aad2, aad2_len, in, len, out, tag))
        return AW_ERR_ARGUMENT;
    if (len > CRYPTO_SUITE_SEAL_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    ghash g;
    uint8_t mask[BLOCK], computed[BLOCK];
    aw_err err = AW_ERR_NOMEM;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        goto cleanup;
    err = gcm_start(ecb, ctr, key, iv, &g, mask, ctx);
    if (err != AW_OK)
        goto cleanup;
    /* Authenticate before anything is decrypted (SP 800-38D 7.2 step 8). */
    gcm_tag(&g, aad1, aad1_len, aad2, aad2_len, in, len, mask, computed);
    err = AW_ERR_SUITE_AUTHENTICATION;
    if (CRYPTO_memcmp(computed, tag, BLOCK) != 0)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if (!ctr_apply(ctx, in, len, out)) {
        OPENSSL_cleanse(out, len);
        goto cleanup;
    }
    err = AW_OK;
cleanup:
    OPENSSL_cleanse(&g, sizeof(g));
    OPENSSL_cleanse(mask, sizeof(mask));
    OPENSSL_cleanse(computed, sizeof(computed));
    ERR_clear_error();
    EVP_CIPHER_CTX_free(ctx);
    return err;
}
