/* airwrite core: the recipient keys of sealed envelopes (crypto_envelope.h):
 * P-256 (FIPS 186-4 D.1.2.3) for ECIES, the SM2 recommended curve (GB/T
 * 32918.5-2017) for SM2 encryption. Private keys are read by the crypto
 * suite's PEM codec (crypto_suite_pem.c), which leaves no copy of the
 * scalar in freed memory. */
#include "core/crypto_envelope_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "core/crypto_suite_internal.h"

static const char *key_type(crypto_suite suite)
{
    return suite == CRYPTO_SUITE_DOMESTIC ? "SM2" : "EC";
}

static const char *group_name(crypto_suite suite)
{
    return suite == CRYPTO_SUITE_DOMESTIC ? "SM2" : "prime256v1";
}

static aw_err wrap(EVP_PKEY *pkey, crypto_suite suite, bool is_private, crypto_envelope_key **out)
{
    crypto_envelope_key *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return AW_ERR_NOMEM;
    }
    k->pkey = pkey;
    k->suite = suite;
    k->is_private = is_private;
    *out = k;
    return AW_OK;
}

static bool suite_known(crypto_suite suite)
{
    return suite == CRYPTO_SUITE_INTERNATIONAL || suite == CRYPTO_SUITE_DOMESTIC;
}

aw_err crypto_envelope_key_generate(crypto_suite suite, crypto_envelope_key **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || !suite_known(suite))
        return AW_ERR_ARGUMENT;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(suite), NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group_name(suite), 0),
        OSSL_PARAM_construct_end()};
    bool ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_params(ctx, params) == 1 && EVP_PKEY_generate(ctx, &pkey) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return AW_ERR_CRYPTO;
    }
    return wrap(pkey, suite, true, out);
}

/* The public key of the suite at point, or NULL (off the curve, not
 * uncompressed, not 65 bytes). EC_POINT_oct2point, under fromdata, checks
 * the point is on the curve. */
EVP_PKEY *crypto_envelope_public_from_point(crypto_suite suite, const uint8_t *point, size_t len)
{
    if (point == NULL || len != CRYPTO_ENVELOPE_POINT_SIZE || point[0] != 0x04)
        return NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(suite), NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group_name(suite), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
        OSSL_PARAM_construct_end()};
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

aw_err crypto_envelope_key_from_point(crypto_suite suite, const uint8_t *point, size_t len,
                                      crypto_envelope_key **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || !suite_known(suite))
        return AW_ERR_ARGUMENT;
    EVP_PKEY *pkey = crypto_envelope_public_from_point(suite, point, len);
    if (pkey == NULL)
        return AW_ERR_SUITE_KEY;
    return wrap(pkey, suite, false, out);
}

aw_err crypto_envelope_key_load_private_pem(crypto_suite suite, const char *pem, size_t len,
                                            crypto_envelope_key **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || pem == NULL || !suite_known(suite))
        return AW_ERR_ARGUMENT;
    EVP_PKEY *pkey = NULL;
    aw_err err = crypto_suite_private_key_from_pem(suite, pem, len, &pkey);
    if (err != AW_OK)
        return err;
    return wrap(pkey, suite, true, out);
}

aw_err crypto_envelope_key_load_public_pem(crypto_suite suite, const char *pem, size_t len,
                                           crypto_envelope_key **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || pem == NULL || !suite_known(suite))
        return AW_ERR_ARGUMENT;
    /* the suite's own loader checks the curve; the point carries over */
    crypto_suite_key *key = NULL;
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    aw_err err = crypto_suite_key_load_public_pem(suite, pem, len, &key);
    if (err == AW_OK)
        err = crypto_suite_key_export_point(key, point);
    crypto_suite_key_free(key);
    if (err == AW_OK)
        err = crypto_envelope_key_from_point(suite, point, sizeof(point), out);
    return err;
}

aw_err crypto_envelope_key_export_point(const crypto_envelope_key *key,
                                        uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE])
{
    if (key == NULL || point == NULL)
        return AW_ERR_ARGUMENT;
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        CRYPTO_ENVELOPE_POINT_SIZE, &len) != 1 ||
        len != CRYPTO_ENVELOPE_POINT_SIZE || point[0] != 0x04)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

aw_err crypto_envelope_key_export_public_pem(const crypto_envelope_key *key, char **pem,
                                             size_t *len)
{
    if (pem != NULL)
        *pem = NULL;
    if (len != NULL)
        *len = 0;
    if (key == NULL || pem == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE];
    crypto_suite_key *suite_key = NULL;
    aw_err err = crypto_envelope_key_export_point(key, point);
    if (err == AW_OK)
        err = crypto_suite_key_from_point(key->suite, point, sizeof(point), &suite_key);
    if (err == AW_OK)
        err = crypto_suite_key_export_public_pem(suite_key, pem, len);
    crypto_suite_key_free(suite_key);
    return err;
}

aw_err crypto_envelope_key_export_private_pem(const crypto_envelope_key *key, char **pem,
                                              size_t *len)
{
    if (pem != NULL)
        *pem = NULL;
    if (len != NULL)
        *len = 0;
    if (key == NULL || pem == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    if (!key->is_private)
        return AW_ERR_SUITE_KEY;
    return crypto_suite_private_key_to_pem(key->suite, key->pkey, pem, len);
}

crypto_suite crypto_envelope_key_suite(const crypto_envelope_key *key)
{
    return key->suite;
}

bool crypto_envelope_key_is_private(const crypto_envelope_key *key)
{
    return key->is_private;
}

void crypto_envelope_key_free(crypto_envelope_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}
