/* airwrite core: crypto suite selection, algorithms, hash and HMAC.
 * SHA-256 (FIPS 180-4) / SM3 (GB/T 32905-2016); HMAC (RFC 2104) with
 * either, HMAC-SM3 as GM/T 0042-2015 defines it. */
#include "core/crypto_suite.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/crypto_suite_internal.h"

const char *crypto_suite_name(crypto_suite suite)
{
    switch (suite) {
    case CRYPTO_SUITE_INTERNATIONAL:
        return "international";
    case CRYPTO_SUITE_DOMESTIC:
        return "domestic";
    }
    return NULL;
}

aw_err crypto_suite_parse(const char *name, crypto_suite *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = 0;
    if (name == NULL)
        return AW_ERR_ARGUMENT;
    if (strcmp(name, "international") == 0)
        *out = CRYPTO_SUITE_INTERNATIONAL;
    else if (strcmp(name, "domestic") == 0)
        *out = CRYPTO_SUITE_DOMESTIC;
    else
        return AW_ERR_SUITE_UNKNOWN;
    return AW_OK;
}

/* ---- Algorithms -------------------------------------------------------- */

static bool signature_available(OSSL_LIB_CTX *libctx, const char *key_type, const char *md_name)
{
    EVP_SIGNATURE *sig = EVP_SIGNATURE_fetch(libctx, strcmp(key_type, "EC") == 0 ? "ECDSA" : "SM2",
                                             NULL);
    EVP_KEYMGMT *mgmt = EVP_KEYMGMT_fetch(libctx, key_type, NULL);
    EVP_MD *md = EVP_MD_fetch(libctx, md_name, NULL);
    bool ok = sig != NULL && mgmt != NULL && md != NULL;
    EVP_SIGNATURE_free(sig);
    EVP_KEYMGMT_free(mgmt);
    EVP_MD_free(md);
    return ok;
}

/* Fetch into alg (caller frees with release_algorithms) and report. */
static aw_err fetch_algorithms(OSSL_LIB_CTX *libctx, crypto_suite suite,
                               crypto_suite_algorithms *alg, crypto_suite_support *support)
{
    memset(alg, 0, sizeof(*alg));
    memset(support, 0, sizeof(*support));
    if (suite == CRYPTO_SUITE_INTERNATIONAL) {
        alg->md_name = "SHA256";
        alg->key_type = "EC";
        alg->group = "prime256v1";
        alg->gcm = EVP_CIPHER_fetch(libctx, "AES-256-GCM", NULL);
        support->cipher = alg->gcm != NULL;
    } else if (suite == CRYPTO_SUITE_DOMESTIC) {
        alg->md_name = "SM3";
        alg->key_type = "SM2";
        alg->group = "SM2";
        alg->gcm = EVP_CIPHER_fetch(libctx, "SM4-GCM", NULL);
        alg->ecb = EVP_CIPHER_fetch(libctx, "SM4-ECB", NULL);
        alg->ctr = EVP_CIPHER_fetch(libctx, "SM4-CTR", NULL);
        support->cipher = alg->gcm != NULL || (alg->ecb != NULL && alg->ctr != NULL);
    } else {
        return AW_ERR_SUITE_UNKNOWN;
    }
    support->gcm_native = alg->gcm != NULL;
    alg->md = EVP_MD_fetch(libctx, alg->md_name, NULL);
    alg->hmac = EVP_MAC_fetch(libctx, "HMAC", NULL);
    support->hash = alg->md != NULL;
    support->hmac = alg->md != NULL && alg->hmac != NULL;
    support->signature = signature_available(libctx, alg->key_type, alg->md_name);
    ERR_clear_error();
    return support->hash && support->hmac && support->signature && support->cipher
               ? AW_OK
               : AW_ERR_SUITE_UNAVAILABLE;
}

static void release_algorithms(crypto_suite_algorithms *alg)
{
    EVP_MD_free(alg->md);
    EVP_MAC_free(alg->hmac);
    EVP_CIPHER_free(alg->gcm);
    EVP_CIPHER_free(alg->ecb);
    EVP_CIPHER_free(alg->ctr);
    memset(alg, 0, sizeof(*alg));
}

static CRYPTO_ONCE algorithms_once = CRYPTO_ONCE_STATIC_INIT;
static crypto_suite_algorithms algorithms[2];
static bool algorithms_ok[2];

static void fetch_all(void)
{
    crypto_suite_support support;
    for (int i = 0; i < 2; i++)
        algorithms_ok[i] = fetch_algorithms(NULL, (crypto_suite)(i + 1), &algorithms[i],
                                            &support) == AW_OK;
}

const crypto_suite_algorithms *crypto_suite_algorithms_of(crypto_suite suite)
{
    if (suite != CRYPTO_SUITE_INTERNATIONAL && suite != CRYPTO_SUITE_DOMESTIC)
        return NULL;
    if (!CRYPTO_THREAD_run_once(&algorithms_once, fetch_all))
        return NULL;
    return algorithms_ok[suite - 1] ? &algorithms[suite - 1] : NULL;
}

aw_err crypto_suite_probe(OSSL_LIB_CTX *libctx, crypto_suite suite, crypto_suite_support *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    crypto_suite_algorithms alg;
    aw_err err = fetch_algorithms(libctx, suite, &alg, out);
    release_algorithms(&alg);
    return err;
}

aw_err crypto_suite_query(crypto_suite suite, crypto_suite_support *out)
{
    return crypto_suite_probe(NULL, suite, out);
}

/* Algorithms of a usable suite or the error saying why not. */
static aw_err suite_algorithms(crypto_suite suite, const crypto_suite_algorithms **alg)
{
    if (suite != CRYPTO_SUITE_INTERNATIONAL && suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_UNKNOWN;
    *alg = crypto_suite_algorithms_of(suite);
    return *alg != NULL ? AW_OK : AW_ERR_SUITE_UNAVAILABLE;
}

/* ---- Hash -------------------------------------------------------------- */

struct crypto_suite_hash_ctx {
    EVP_MD_CTX *md;
    bool finished;
};

aw_err crypto_suite_hash(crypto_suite suite, const uint8_t *data, size_t len,
                         uint8_t digest[CRYPTO_SUITE_HASH_SIZE])
{
    if (digest == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    memset(digest, 0, CRYPTO_SUITE_HASH_SIZE);
    const crypto_suite_algorithms *alg;
    aw_err err = suite_algorithms(suite, &alg);
    if (err != AW_OK)
        return err;
    unsigned int out_len = 0;
    if (EVP_Digest(len ? data : (const uint8_t *)"", len, digest, &out_len, alg->md, NULL) != 1
        || out_len != CRYPTO_SUITE_HASH_SIZE) {
        ERR_clear_error();
        memset(digest, 0, CRYPTO_SUITE_HASH_SIZE);
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

aw_err crypto_suite_hash_new(crypto_suite suite, crypto_suite_hash_ctx **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    const crypto_suite_algorithms *alg;
    aw_err err = suite_algorithms(suite, &alg);
    if (err != AW_OK)
        return err;
    crypto_suite_hash_ctx *ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    err = AW_ERR_NOMEM;
    if ((ctx->md = EVP_MD_CTX_new()) == NULL)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if (EVP_DigestInit_ex2(ctx->md, alg->md, NULL) != 1)
        goto cleanup;
    *out = ctx;
    ctx = NULL;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    crypto_suite_hash_free(ctx);
    return err;
}

aw_err crypto_suite_hash_update(crypto_suite_hash_ctx *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (ctx->finished)
        return AW_ERR_STATE;
    if (len == 0)
        return AW_OK;
    if (EVP_DigestUpdate(ctx->md, data, len) != 1) {
        ERR_clear_error();
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

aw_err crypto_suite_hash_final(crypto_suite_hash_ctx *ctx, uint8_t digest[CRYPTO_SUITE_HASH_SIZE])
{
    if (ctx == NULL || digest == NULL)
        return AW_ERR_ARGUMENT;
    memset(digest, 0, CRYPTO_SUITE_HASH_SIZE);
    if (ctx->finished)
        return AW_ERR_STATE;
    ctx->finished = true;
    unsigned int out_len = 0;
    if (EVP_DigestFinal_ex(ctx->md, digest, &out_len) != 1 || out_len != CRYPTO_SUITE_HASH_SIZE) {
        ERR_clear_error();
        memset(digest, 0, CRYPTO_SUITE_HASH_SIZE);
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

void crypto_suite_hash_free(crypto_suite_hash_ctx *ctx)
{
    if (ctx == NULL)
        return;
    EVP_MD_CTX_free(ctx->md);
    OPENSSL_free(ctx);
}

/* ---- HMAC -------------------------------------------------------------- */

struct crypto_suite_hmac_ctx {
    EVP_MAC_CTX *mac;
    bool finished;
};

aw_err crypto_suite_hmac_new(crypto_suite suite, const uint8_t *key, size_t key_len,
                             crypto_suite_hmac_ctx **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (key == NULL && key_len != 0)
        return AW_ERR_ARGUMENT;
    const crypto_suite_algorithms *alg;
    aw_err err = suite_algorithms(suite, &alg);
    if (err != AW_OK)
        return err;
    if (key_len == 0 || key_len > CRYPTO_SUITE_HMAC_KEY_MAX)
        return AW_ERR_SUITE_KEY;
    crypto_suite_hmac_ctx *ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    err = AW_ERR_NOMEM;
    if ((ctx->mac = EVP_MAC_CTX_new(alg->hmac)) == NULL)
        goto cleanup;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)alg->md_name, 0),
        OSSL_PARAM_construct_end(),
    };
    err = AW_ERR_CRYPTO;
    if (EVP_MAC_init(ctx->mac, key, key_len, params) != 1)
        goto cleanup;
    *out = ctx;
    ctx = NULL;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    crypto_suite_hmac_free(ctx);
    return err;
}

aw_err crypto_suite_hmac_update(crypto_suite_hmac_ctx *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (ctx->finished)
        return AW_ERR_STATE;
    if (len == 0)
        return AW_OK;
    if (EVP_MAC_update(ctx->mac, data, len) != 1) {
        ERR_clear_error();
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

aw_err crypto_suite_hmac_final(crypto_suite_hmac_ctx *ctx, uint8_t mac[CRYPTO_SUITE_MAC_SIZE])
{
    if (ctx == NULL || mac == NULL)
        return AW_ERR_ARGUMENT;
    memset(mac, 0, CRYPTO_SUITE_MAC_SIZE);
    if (ctx->finished)
        return AW_ERR_STATE;
    ctx->finished = true;
    size_t out_len = 0;
    if (EVP_MAC_final(ctx->mac, mac, &out_len, CRYPTO_SUITE_MAC_SIZE) != 1
        || out_len != CRYPTO_SUITE_MAC_SIZE) {
        ERR_clear_error();
        memset(mac, 0, CRYPTO_SUITE_MAC_SIZE);
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

aw_err crypto_suite_hmac_final_verify(crypto_suite_hmac_ctx *ctx, const uint8_t *mac,
                                      size_t mac_len)
{
    if (ctx == NULL || (mac == NULL && mac_len != 0))
        return AW_ERR_ARGUMENT;
    uint8_t computed[CRYPTO_SUITE_MAC_SIZE];
    aw_err err = crypto_suite_hmac_final(ctx, computed);
    if (err == AW_OK && (mac_len != CRYPTO_SUITE_MAC_SIZE
                         || CRYPTO_memcmp(computed, mac, CRYPTO_SUITE_MAC_SIZE) != 0))
        err = AW_ERR_MAC;
    OPENSSL_cleanse(computed, sizeof(computed));
    return err;
}

void crypto_suite_hmac_free(crypto_suite_hmac_ctx *ctx)
{
    if (ctx == NULL)
        return;
    /* The HMAC provider erases its key copy and digest states on free. */
    EVP_MAC_CTX_free(ctx->mac);
    OPENSSL_free(ctx);
}

aw_err crypto_suite_hmac(crypto_suite suite, const uint8_t *key, size_t key_len,
                         const uint8_t *data, size_t len, uint8_t mac[CRYPTO_SUITE_MAC_SIZE])
{
    if (mac == NULL)
        return AW_ERR_ARGUMENT;
    memset(mac, 0, CRYPTO_SUITE_MAC_SIZE);
    if (data == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    crypto_suite_hmac_ctx *ctx = NULL;
    aw_err err = crypto_suite_hmac_new(suite, key, key_len, &ctx);
    if (err == AW_OK)
        err = crypto_suite_hmac_update(ctx, data, len);
    if (err == AW_OK)
        err = crypto_suite_hmac_final(ctx, mac);
    crypto_suite_hmac_free(ctx);
    return err;
}

aw_err crypto_suite_hmac_verify(crypto_suite suite, const uint8_t *key, size_t key_len,
                                const uint8_t *data, size_t len, const uint8_t *mac,
                                size_t mac_len)
{
    if ((data == NULL && len != 0) || (mac == NULL && mac_len != 0))
        return AW_ERR_ARGUMENT;
    crypto_suite_hmac_ctx *ctx = NULL;
    aw_err err = crypto_suite_hmac_new(suite, key, key_len, &ctx);
    if (err == AW_OK)
        err = crypto_suite_hmac_update(ctx, data, len);
    if (err == AW_OK)
        err = crypto_suite_hmac_final_verify(ctx, mac, mac_len);
    crypto_suite_hmac_free(ctx);
    return err;
}
