/* airwrite core: signature keys and signatures of the crypto suite.
 * International: ECDSA on NIST P-256 with SHA-256 (FIPS 186-4 6, X9.62).
 * Domestic: SM2 with SM3 (GB/T 32918.2-2016 6.1): e = SM3(Z || M) with
 * Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (5.5), the ID set
 * with EVP_PKEY_CTX_set1_id, default "1234567812345678" (GM/T 0009-2012 10).
 * Signatures: DER SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 2.2 /
 * GM/T 0009-2012 7.3 SM2Signature). */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/crypto.h"
#include "core/crypto_suite_internal.h"
#include "core/der.h"

#define SCALAR_SIZE 32
#define PEM_MAX (64u * 1024u)

struct crypto_suite_key {
    EVP_PKEY *pkey;
    crypto_suite suite;
    bool is_private;
};

/* Group orders n, big-endian: NIST P-256 (FIPS 186-4 D.1.2.3) and the SM2
 * recommended curve (GB/T 32918.5-2017 / GM/T 0003.5-2012 5). */
static const uint8_t order_p256[SCALAR_SIZE] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
};
static const uint8_t order_sm2[SCALAR_SIZE] = {
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x23,
};

static const uint8_t *suite_order(crypto_suite suite)
{
    switch (suite) {
    case CRYPTO_SUITE_INTERNATIONAL:
        return order_p256;
    case CRYPTO_SUITE_DOMESTIC:
        return order_sm2;
    }
    return NULL;
}

/* ---- Keys -------------------------------------------------------------- */

static crypto_suite suite_of_pkey(EVP_PKEY *pkey)
{
    char group[32] = "";
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL) != 1)
        return 0;
    if (EVP_PKEY_is_a(pkey, "EC") && strcmp(group, "prime256v1") == 0)
        return CRYPTO_SUITE_INTERNATIONAL;
    if (EVP_PKEY_is_a(pkey, "SM2") && strcmp(group, "SM2") == 0)
        return CRYPTO_SUITE_DOMESTIC;
    return 0;
}

/* Take pkey (freed on failure) as a key of suite. */
static aw_err wrap_key(crypto_suite suite, EVP_PKEY *pkey, bool is_private, crypto_suite_key **out)
{
    crypto_suite actual = suite_of_pkey(pkey);
    aw_err err = actual == suite ? AW_OK : actual != 0 ? AW_ERR_SUITE_MISMATCH : AW_ERR_SUITE_KEY;
    crypto_suite_key *key = NULL;
    if (err == AW_OK && (key = OPENSSL_zalloc(sizeof(*key))) == NULL)
        err = AW_ERR_NOMEM;
    if (err != AW_OK) {
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        return err;
    }
    key->pkey = pkey;
    key->suite = suite;
    key->is_private = is_private;
    *out = key;
    return AW_OK;
}

static aw_err usable_suite(crypto_suite suite)
{
    if (suite != CRYPTO_SUITE_INTERNATIONAL && suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_UNKNOWN;
    return crypto_suite_algorithms_of(suite) != NULL ? AW_OK : AW_ERR_SUITE_UNAVAILABLE;
}

aw_err crypto_suite_key_generate(crypto_suite suite, crypto_suite_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    aw_err err = usable_suite(suite);
    if (err != AW_OK)
        return err;
    EVP_PKEY *pkey = suite == CRYPTO_SUITE_INTERNATIONAL
                         ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                         : EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    if (pkey == NULL) {
        ERR_clear_error();
        return AW_ERR_CRYPTO;
    }
    return wrap_key(suite, pkey, true, out);
}

/* Library code never prompts: encrypted PEM is refused, not asked for. */
static int refuse_password(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return -1;
}

static aw_err load_pem(crypto_suite suite, const char *pem, size_t len, bool is_private,
                       crypto_suite_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (pem == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    aw_err err = usable_suite(suite);
    if (err != AW_OK)
        return err;
    if (len > PEM_MAX)
        return AW_ERR_SUITE_TOO_LARGE;
    if (len == 0)
        return AW_ERR_SUITE_KEY;
    EVP_PKEY *pkey = NULL;
    if (is_private) {
        /* not OpenSSL's decoders: they leave copies of the key in freed memory */
        if ((err = crypto_suite_private_key_from_pem(suite, pem, len, &pkey)) != AW_OK)
            return err;
        return wrap_key(suite, pkey, true, out);
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return AW_ERR_NOMEM;
    pkey = PEM_read_bio_PUBKEY(bio, NULL, refuse_password, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (pkey == NULL)
        return AW_ERR_SUITE_KEY;
    return wrap_key(suite, pkey, false, out);
}

aw_err crypto_suite_key_load_private_pem(crypto_suite suite, const char *pem, size_t len,
                                         crypto_suite_key **out)
{
    return load_pem(suite, pem, len, true, out);
}

aw_err crypto_suite_key_load_public_pem(crypto_suite suite, const char *pem, size_t len,
                                        crypto_suite_key **out)
{
    return load_pem(suite, pem, len, false, out);
}

aw_err crypto_suite_key_from_point(crypto_suite suite, const uint8_t *point, size_t len,
                                   crypto_suite_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (point == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    aw_err err = usable_suite(suite);
    if (err != AW_OK)
        return err;
    /* SEC 1 2.3.4: only the uncompressed form */
    if (len != CRYPTO_SUITE_POINT_SIZE || point[0] != 0x04)
        return AW_ERR_SUITE_KEY;
    const crypto_suite_algorithms *alg = crypto_suite_algorithms_of(suite);
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *check = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg->key_type, NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)alg->group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
        OSSL_PARAM_construct_end(),
    };
    err = AW_ERR_SUITE_KEY;
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto cleanup;
    /* SEC 1 3.2.2.1: on the curve, not the point at infinity */
    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1)
        goto cleanup;
    err = wrap_key(suite, pkey, false, out);
    pkey = NULL;
cleanup:
    ERR_clear_error();
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return err;
}

static aw_err export_arguments(const crypto_suite_key *key, char **pem, size_t *len)
{
    if (pem == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    *pem = NULL;
    *len = 0;
    return key != NULL ? AW_OK : AW_ERR_ARGUMENT;
}

aw_err crypto_suite_key_export_private_pem(const crypto_suite_key *key, char **pem, size_t *len)
{
    aw_err err = export_arguments(key, pem, len);
    if (err != AW_OK)
        return err;
    if (!key->is_private)
        return AW_ERR_SUITE_KEY;
    /* not OpenSSL's encoder: it leaves d in freed memory (crypto_suite_pem.c) */
    return crypto_suite_private_key_to_pem(key->suite, key->pkey, pem, len);
}

aw_err crypto_suite_key_export_public_pem(const crypto_suite_key *key, char **pem, size_t *len)
{
    aw_err err = export_arguments(key, pem, len);
    if (err != AW_OK)
        return err;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return AW_ERR_NOMEM;
    err = AW_ERR_CRYPTO;
    int written = PEM_write_bio_PUBKEY(bio, key->pkey);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (written != 1 || n <= 0 || data == NULL)
        goto cleanup;
    err = AW_ERR_NOMEM;
    char *copy = OPENSSL_malloc((size_t)n + 1);
    if (copy == NULL)
        goto cleanup;
    memcpy(copy, data, (size_t)n);
    copy[n] = '\0';
    *pem = copy;
    *len = (size_t)n;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    BIO_free(bio);
    return err;
}

void crypto_suite_pem_free(char *pem, size_t len)
{
    if (pem == NULL)
        return;
    OPENSSL_clear_free(pem, len + 1);
}

aw_err crypto_suite_key_export_point(const crypto_suite_key *key,
                                     uint8_t point[CRYPTO_SUITE_POINT_SIZE])
{
    if (point == NULL)
        return AW_ERR_ARGUMENT;
    memset(point, 0, CRYPTO_SUITE_POINT_SIZE);
    if (key == NULL)
        return AW_ERR_ARGUMENT;
    BIGNUM *x = NULL, *y = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1
        || EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1
        || BN_bn2binpad(x, point + 1, SCALAR_SIZE) != SCALAR_SIZE
        || BN_bn2binpad(y, point + 1 + SCALAR_SIZE, SCALAR_SIZE) != SCALAR_SIZE) {
        memset(point, 0, CRYPTO_SUITE_POINT_SIZE);
        goto cleanup;
    }
    point[0] = 0x04;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    BN_free(x);
    BN_free(y);
    return err;
}

crypto_suite crypto_suite_key_suite(const crypto_suite_key *key)
{
    return key->suite;
}

bool crypto_suite_key_is_private(const crypto_suite_key *key)
{
    return key->is_private;
}

void crypto_suite_key_free(crypto_suite_key *key)
{
    if (key == NULL)
        return;
    /* EVP_PKEY_free erases the private scalar (BN_clear_free). */
    EVP_PKEY_free(key->pkey);
    OPENSSL_free(key);
}

/* ---- Signature encodings ------------------------------------------------ */

/* The strict DER ECDSA-Sig-Value <-> r||s conversions of core crypto
 * (ecdsa.c), with the suite's group order (SM2's for the domestic suite). */
aw_err crypto_suite_signature_to_raw(crypto_suite suite, const uint8_t *der, size_t len,
                                     uint8_t raw[CRYPTO_SUITE_SIGNATURE_RAW_SIZE])
{
    if (raw == NULL)
        return AW_ERR_ARGUMENT;
    memset(raw, 0, CRYPTO_SUITE_SIGNATURE_RAW_SIZE);
    if (der == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    const uint8_t *order = suite_order(suite);
    if (order == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    return crypto_signature_der_to_plain_order(order, der, len, raw);
}

aw_err crypto_suite_signature_from_raw(crypto_suite suite,
                                       const uint8_t raw[CRYPTO_SUITE_SIGNATURE_RAW_SIZE],
                                       uint8_t *der, size_t der_cap, size_t *der_len)
{
    if (der_len == NULL)
        return AW_ERR_ARGUMENT;
    *der_len = 0;
    if (raw == NULL || der == NULL)
        return AW_ERR_ARGUMENT;
    const uint8_t *order = suite_order(suite);
    if (order == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    return crypto_signature_plain_to_der_order(order, raw, der, der_cap, der_len);
}

/* ---- Sign and verify ----------------------------------------------------- */

static aw_err check_id(const crypto_suite_key *key, const uint8_t *id, size_t id_len)
{
    if (key->suite != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_SUITE_DISTINGUISHING_ID;
    if (id == NULL || id_len == 0 || id_len > CRYPTO_SUITE_SM2_ID_MAX)
        return AW_ERR_SUITE_DISTINGUISHING_ID;
    return AW_OK;
}

/* Digest-sign/verify context over the key; for SM2 with the distinguishing
 * ID, set on the signature context before the first update, when OpenSSL
 * computes Z (GB/T 32918.2 6.1 step A1). */
static aw_err start(const crypto_suite_key *key, const uint8_t *id, size_t id_len, bool sign,
                    EVP_MD_CTX **out)
{
    const crypto_suite_algorithms *alg = crypto_suite_algorithms_of(key->suite);
    if (alg == NULL)
        return AW_ERR_SUITE_UNAVAILABLE;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, alg->md_name, NULL, NULL, key->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(ctx, &pctx, alg->md_name, NULL, NULL, key->pkey,
                                            NULL);
    if (ok == 1 && key->suite == CRYPTO_SUITE_DOMESTIC)
        ok = EVP_PKEY_CTX_set1_id(pctx, id, (int)id_len) > 0;
    if (ok != 1) {
        ERR_clear_error();
        EVP_MD_CTX_free(ctx);
        return AW_ERR_CRYPTO;
    }
    *out = ctx;
    return AW_OK;
}

static aw_err sign_internal(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                            const uint8_t *message, size_t len, uint8_t *sig, size_t sig_cap,
                            size_t *sig_len)
{
    if (!key->is_private)
        return AW_ERR_SUITE_KEY;
    EVP_MD_CTX *ctx = NULL;
    aw_err err = start(key, id, id_len, true, &ctx);
    if (err != AW_OK)
        return err;
    uint8_t buf[CRYPTO_SUITE_SIGNATURE_MAX + 16];
    size_t n = sizeof(buf);
    err = AW_ERR_CRYPTO;
    if ((len > 0 && EVP_DigestSignUpdate(ctx, message, len) != 1)
        || EVP_DigestSignFinal(ctx, buf, &n) != 1 || n > CRYPTO_SUITE_SIGNATURE_MAX)
        goto cleanup;
    err = AW_ERR_BUFFER_TOO_SMALL;
    if (n > sig_cap)
        goto cleanup;
    memcpy(sig, buf, n);
    *sig_len = n;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return err;
}

static aw_err verify_internal(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                              const uint8_t *message, size_t len, const uint8_t *sig,
                              size_t sig_len)
{
    uint8_t raw[CRYPTO_SUITE_SIGNATURE_RAW_SIZE];
    aw_err err = crypto_suite_signature_to_raw(key->suite, sig, sig_len, raw);
    if (err != AW_OK)
        return err;
    EVP_MD_CTX *ctx = NULL;
    err = start(key, id, id_len, false, &ctx);
    if (err != AW_OK)
        return err;
    err = AW_ERR_CRYPTO;
    if (len > 0 && EVP_DigestVerifyUpdate(ctx, message, len) != 1)
        goto cleanup;
    err = EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1 ? AW_OK : AW_ERR_SIGNATURE;
cleanup:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return err;
}

static aw_err sign_arguments(const crypto_suite_key *key, const uint8_t *message, size_t len,
                             const uint8_t *sig, size_t *sig_len)
{
    if (sig_len == NULL)
        return AW_ERR_ARGUMENT;
    *sig_len = 0;
    if (key == NULL || sig == NULL || (message == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    return AW_OK;
}

static const uint8_t default_id[] = CRYPTO_SUITE_SM2_DEFAULT_ID;
#define DEFAULT_ID_LEN (sizeof(default_id) - 1)

aw_err crypto_suite_sign(const crypto_suite_key *key, const uint8_t *message, size_t len,
                         uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
    aw_err err = sign_arguments(key, message, len, sig, sig_len);
    if (err != AW_OK)
        return err;
    return sign_internal(key, default_id, DEFAULT_ID_LEN, message, len, sig, sig_cap, sig_len);
}

aw_err crypto_suite_sign_with_id(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                                 const uint8_t *message, size_t len, uint8_t *sig,
                                 size_t sig_cap, size_t *sig_len)
{
    aw_err err = sign_arguments(key, message, len, sig, sig_len);
    if (err != AW_OK)
        return err;
    if ((err = check_id(key, id, id_len)) != AW_OK)
        return err;
    return sign_internal(key, id, id_len, message, len, sig, sig_cap, sig_len);
}

aw_err crypto_suite_verify(const crypto_suite_key *key, const uint8_t *message, size_t len,
                           const uint8_t *sig, size_t sig_len)
{
    if (key == NULL || (message == NULL && len != 0) || (sig == NULL && sig_len != 0))
        return AW_ERR_ARGUMENT;
    return verify_internal(key, default_id, DEFAULT_ID_LEN, message, len, sig, sig_len);
}

aw_err crypto_suite_verify_with_id(const crypto_suite_key *key, const uint8_t *id, size_t id_len,
                                   const uint8_t *message, size_t len, const uint8_t *sig,
                                   size_t sig_len)
{
    if (key == NULL || (message == NULL && len != 0) || (sig == NULL && sig_len != 0))
        return AW_ERR_ARGUMENT;
    aw_err err = check_id(key, id, id_len);
    if (err != AW_OK)
        return err;
    return verify_internal(key, id, id_len, message, len, sig, sig_len);
}
