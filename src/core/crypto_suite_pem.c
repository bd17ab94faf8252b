/* airwrite core: private EC keys of the crypto suite from and to PEM. The
 * PEM and DER forms are core/crypto_pem.c's (decoded and encoded there, not
 * by OpenSSL, so that no copy of a key reaches the allocator unerased);
 * this file checks the suite's curve: prime256v1 (international) or the SM2
 * curve 1.2.156.10197.1.301 (domestic, GB/T 33560), and that the public
 * point in the file, when present, is d*G. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "core/crypto_pem.h"
#include "core/crypto_suite_internal.h"

#define SCALAR_SIZE CRYPTO_PEM_SCALAR_SIZE

/* Suite of a namedCurve OID; 0 for any other curve. */
static crypto_suite suite_of_curve(aw_slice oid)
{
    if (oid.len == sizeof(crypto_pem_oid_prime256v1)
        && memcmp(oid.ptr, crypto_pem_oid_prime256v1, oid.len) == 0)
        return CRYPTO_SUITE_INTERNATIONAL;
    if (oid.len == sizeof(crypto_pem_oid_sm2) && memcmp(oid.ptr, crypto_pem_oid_sm2, oid.len) == 0)
        return CRYPTO_SUITE_DOMESTIC;
    return 0;
}

/* Q = d*G as 04||X||Y on the suite's curve; AW_ERR_SUITE_KEY unless
 * 1 <= d < n. */
static aw_err public_point(crypto_suite suite, const BIGNUM *d,
                           uint8_t point[CRYPTO_SUITE_POINT_SIZE])
{
    aw_err err = AW_ERR_NOMEM;
    EC_POINT *pub = NULL;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(suite == CRYPTO_SUITE_INTERNATIONAL
                                                     ? NID_X9_62_prime256v1
                                                     : NID_sm2);
    if (group == NULL || (pub = EC_POINT_new(group)) == NULL)
        goto cleanup;
    err = AW_ERR_SUITE_KEY;
    if (BN_is_zero(d) || BN_is_negative(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if (EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1
        || EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point,
                              CRYPTO_SUITE_POINT_SIZE, NULL) != CRYPTO_SUITE_POINT_SIZE)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EC_POINT_free(pub);
    EC_GROUP_free(group);
    return err;
}

/* EVP_PKEY of the suite from d (and the point computed from it). */
static aw_err key_from_scalar(crypto_suite suite, const crypto_pem_ec_key *key, EVP_PKEY **out)
{
    const crypto_suite_algorithms *alg = crypto_suite_algorithms_of(suite);
    if (alg == NULL)
        return AW_ERR_SUITE_UNAVAILABLE;
    aw_err err = AW_ERR_NOMEM;
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    EVP_PKEY_CTX *ctx = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *d = BN_secure_new();
    if (d == NULL)
        goto cleanup;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    err = AW_ERR_SUITE_KEY;
    if (BN_bin2bn(key->scalar, SCALAR_SIZE, d) == NULL)
        goto cleanup;
    if ((err = public_point(suite, d, point)) != AW_OK)
        goto cleanup;
    err = AW_ERR_SUITE_KEY;
    if (key->point.len != 0
        && (key->point.len != sizeof(point) || memcmp(key->point.ptr, point, sizeof(point)) != 0))
        goto cleanup;
    err = AW_ERR_CRYPTO;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL
        || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, alg->group, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                            sizeof(point)) != 1
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL
        || (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg->key_type, NULL)) == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* the secure BN's bytes are erased (OSSL_PARAM_BLD) */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return err;
}

aw_err crypto_suite_private_key_from_pem(crypto_suite suite, const char *pem, size_t len,
                                         EVP_PKEY **out)
{
    *out = NULL;
    crypto_pem_ec_key key;
    aw_err err = crypto_pem_read_ec_private_key(pem, len, &key);
    if (err != AW_OK)
        return err == AW_ERR_NOMEM ? err : AW_ERR_SUITE_KEY;
    crypto_suite curve_suite = suite_of_curve(key.curve);
    if (curve_suite == 0)
        err = AW_ERR_SUITE_KEY; /* another curve */
    else if (curve_suite != suite)
        err = AW_ERR_SUITE_MISMATCH;
    else if (key.scalar_len > SCALAR_SIZE)
        err = AW_ERR_SUITE_KEY;
    else
        err = key_from_scalar(suite, &key, out);
    crypto_pem_ec_key_clear(&key);
    return err;
}

/* PKCS#8 PEM (crypto_pem_write_ec_private_key) of the suite's key. */
aw_err crypto_suite_private_key_to_pem(crypto_suite suite, const EVP_PKEY *pkey, char **pem,
                                       size_t *len)
{
    *pem = NULL;
    *len = 0;
    uint8_t scalar[SCALAR_SIZE], point[CRYPTO_SUITE_POINT_SIZE];
    BIGNUM *d = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1
        || BN_bn2binpad(d, scalar, SCALAR_SIZE) != SCALAR_SIZE)
        goto cleanup;
    if ((err = public_point(suite, d, point)) != AW_OK)
        goto cleanup;
    if (suite == CRYPTO_SUITE_INTERNATIONAL)
        err = crypto_pem_write_ec_private_key(crypto_pem_oid_prime256v1,
                                              sizeof(crypto_pem_oid_prime256v1), scalar, point,
                                              pem, len);
    else
        err = crypto_pem_write_ec_private_key(crypto_pem_oid_sm2, sizeof(crypto_pem_oid_sm2),
                                              scalar, point, pem, len);
cleanup:
    ERR_clear_error();
    OPENSSL_cleanse(scalar, sizeof(scalar));
    BN_clear_free(d);
    return err;
}
