/* airwrite core: hashing, randomness, secret handling and EC key handling
 * for the RSP cryptography (SGP.22 2.6), over OpenSSL 3 EVP. */
#include "core/crypto_internal.h"
#include "core/crypto_pem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

/* Group orders: SEC 2 2.4.2 (secp256r1) and RFC 5639 3.4 (brainpoolP256r1). */
static const uint8_t order_p256[CRYPTO_SCALAR_SIZE] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
};
static const uint8_t order_bp256[CRYPTO_SCALAR_SIZE] = {
    0xA9, 0xFB, 0x57, 0xDB, 0xA1, 0xEE, 0xA9, 0xBC, 0x3E, 0x66, 0x0A, 0x90, 0x9D, 0x83, 0x8D, 0x71,
    0x8C, 0x39, 0x7A, 0xA3, 0xB5, 0x61, 0xA6, 0xF7, 0x90, 0x1E, 0x0E, 0x82, 0x97, 0x48, 0x56, 0xA7,
};

/* PEM and certificate files are small; refuse anything larger. */
#define CRYPTO_FILE_MAX (64u * 1024u)

const char *crypto_curve_name(crypto_curve curve)
{
    switch (curve) {
    case CRYPTO_CURVE_NIST_P256:
        return "prime256v1";
    case CRYPTO_CURVE_BRAINPOOL_P256R1:
        return "brainpoolP256r1";
    }
    return NULL;
}

const uint8_t *crypto_curve_order(crypto_curve curve)
{
    switch (curve) {
    case CRYPTO_CURVE_NIST_P256:
        return order_p256;
    case CRYPTO_CURVE_BRAINPOOL_P256R1:
        return order_bp256;
    }
    return NULL;
}

bool crypto_scalar_in_range(crypto_curve curve, const uint8_t v[CRYPTO_SCALAR_SIZE])
{
    const uint8_t *n = crypto_curve_order(curve);
    if (n == NULL)
        return false;
    /* v - n over all bytes: the final borrow is 1 exactly when v < n. The
     * loop has no data-dependent branch, so it is safe for private scalars. */
    unsigned borrow = 0;
    unsigned any = 0;
    for (size_t i = CRYPTO_SCALAR_SIZE; i-- > 0;) {
        unsigned d = (unsigned)v[i] - (unsigned)n[i] - borrow;
        borrow = (d >> 8) & 1u;
        any |= v[i];
    }
    return (borrow & (unsigned)(any != 0)) != 0;
}

/* SHA-256 fetched once (as crypto_suite.c keeps its algorithms):
 * EVP_sha256() is a legacy handle that OpenSSL 3 fetches again from the
 * provider store on every EVP_Digest, a locked lookup per call that cost
 * as much as hashing an order's body (bench/bench_api_orders). Kept for
 * the process's life. */
static CRYPTO_ONCE sha256_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

aw_err crypto_sha256(const uint8_t *data, size_t len, uint8_t digest[CRYPTO_SHA256_SIZE])
{
    if ((data == NULL && len != 0) || digest == NULL)
        return AW_ERR_ARGUMENT;
    if (!CRYPTO_THREAD_run_once(&sha256_once, sha256_fetch) || sha256_md == NULL)
        return AW_ERR_CRYPTO;
    unsigned int out_len = 0;
    if (EVP_Digest(data, len, digest, &out_len, sha256_md, NULL) != 1
        || out_len != CRYPTO_SHA256_SIZE)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

aw_err crypto_random_bytes(uint8_t *out, size_t len)
{
    if (out == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    if (len > (size_t)INT32_MAX)
        return AW_ERR_ARGUMENT;
    if (len == 0)
        return AW_OK;
    if (RAND_bytes(out, (int)len) != 1)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

static _Thread_local struct {
    uint8_t bytes[CRYPTO_RANDOM_POOL_SIZE];
    size_t left; /* bytes not handed out yet: the first left of bytes */
} id_pool;

static pthread_once_t id_pool_once = PTHREAD_ONCE_INIT;
static bool id_pool_usable; /* the fork handler is in place */

/* In the child, on the thread that forked: the other threads' pools do
 * not exist there. */
static void id_pool_forget(void)
{
    OPENSSL_cleanse(id_pool.bytes, sizeof(id_pool.bytes));
    id_pool.left = 0;
}

static void id_pool_prepare(void)
{
    id_pool_usable = pthread_atfork(NULL, NULL, id_pool_forget) == 0;
}

aw_err crypto_random_id_bytes(uint8_t *out, size_t len)
{
    if ((out == NULL && len != 0) || len > CRYPTO_RANDOM_ID_MAX)
        return AW_ERR_ARGUMENT;
    if (len == 0)
        return AW_OK;
    (void)pthread_once(&id_pool_once, id_pool_prepare);
    if (!id_pool_usable)
        return crypto_random_bytes(out, len);
    if (id_pool.left < len) {
        aw_err err = crypto_random_bytes(id_pool.bytes, sizeof(id_pool.bytes));
        if (err != AW_OK)
            return err;
        id_pool.left = sizeof(id_pool.bytes);
    }
    /* handed out from the end, and wiped: never twice */
    id_pool.left -= len;
    memcpy(out, id_pool.bytes + id_pool.left, len);
    OPENSSL_cleanse(id_pool.bytes + id_pool.left, len);
    return AW_OK;
}

static CRYPTO_ONCE algorithms_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MAC *algorithm_cmac;
static EVP_KDF *algorithm_x963kdf;
static EVP_CIPHER *algorithm_aes_cbc;
static EVP_CIPHER *algorithm_aes_ecb;

static void fetch_algorithms(void)
{
    algorithm_cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    algorithm_x963kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
    algorithm_aes_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    algorithm_aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

EVP_MAC *crypto_algorithm_cmac(void)
{
    return CRYPTO_THREAD_run_once(&algorithms_once, fetch_algorithms) ? algorithm_cmac : NULL;
}

EVP_KDF *crypto_algorithm_x963kdf(void)
{
    return CRYPTO_THREAD_run_once(&algorithms_once, fetch_algorithms) ? algorithm_x963kdf : NULL;
}

EVP_CIPHER *crypto_algorithm_aes_128_cbc(void)
{
    return CRYPTO_THREAD_run_once(&algorithms_once, fetch_algorithms) ? algorithm_aes_cbc : NULL;
}

EVP_CIPHER *crypto_algorithm_aes_128_ecb(void)
{
    return CRYPTO_THREAD_run_once(&algorithms_once, fetch_algorithms) ? algorithm_aes_ecb : NULL;
}

aw_err crypto_aes_cmac(const uint8_t key[CRYPTO_AES_KEY_SIZE], const uint8_t *data, size_t len,
                       uint8_t mac[16])
{
    if (key == NULL || mac == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    static const uint8_t empty[1] = {0};
    aw_err err = AW_ERR_CRYPTO;
    EVP_MAC *alg = crypto_algorithm_cmac();
    EVP_MAC_CTX *ctx = alg != NULL ? EVP_MAC_CTX_new(alg) : NULL;
    size_t out_len = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx == NULL)
        goto cleanup;
    if (EVP_MAC_init(ctx, key, CRYPTO_AES_KEY_SIZE, params) != 1
        || EVP_MAC_update(ctx, data != NULL ? data : empty, len) != 1
        || EVP_MAC_final(ctx, mac, &out_len, 16) != 1 || out_len != 16)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_MAC_CTX_free(ctx);
    return err;
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_cleanse(void *ptr, size_t len)
{
    if (ptr != NULL)
        OPENSSL_cleanse(ptr, len);
}

static aw_err curve_of_pkey(const EVP_PKEY *pkey, crypto_curve *curve)
{
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return AW_ERR_CRYPTO_KEY;
    char name[64];
    size_t name_len = 0;
    /* Keys with explicit parameters have no group name: not accepted. */
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                       &name_len) != 1)
        return AW_ERR_CRYPTO_CURVE;
    if (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0
        || strcmp(name, "secp256r1") == 0) {
        *curve = CRYPTO_CURVE_NIST_P256;
        return AW_OK;
    }
    if (strcmp(name, "brainpoolP256r1") == 0) {
        *curve = CRYPTO_CURVE_BRAINPOOL_P256R1;
        return AW_OK;
    }
    return AW_ERR_CRYPTO_CURVE;
}

aw_err crypto_key_wrap(EVP_PKEY *pkey, bool is_private, crypto_key **out)
{
    crypto_curve curve = CRYPTO_CURVE_NIST_P256;
    aw_err err = curve_of_pkey(pkey, &curve);
    if (err != AW_OK)
        goto fail;
    crypto_key *key = calloc(1, sizeof(*key));
    if (key == NULL) {
        err = AW_ERR_NOMEM;
        goto fail;
    }
    key->pkey = pkey;
    key->curve = curve;
    key->is_private = is_private;
    *out = key;
    return AW_OK;
fail:
    EVP_PKEY_free(pkey);
    return err;
}

/* Read a whole small file into a malloc'd buffer. */
static aw_err read_small_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    aw_err err = AW_ERR_IO;
    uint8_t *data = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return AW_ERR_IO;
    data = malloc(CRYPTO_FILE_MAX + 1);
    if (data == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = fread(data, 1, CRYPTO_FILE_MAX + 1, f);
    if (ferror(f))
        goto cleanup;
    if (n > CRYPTO_FILE_MAX) {
        err = AW_ERR_LIMIT;
        goto cleanup;
    }
    *buf = data;
    *len = n;
    data = NULL;
    err = AW_OK;
cleanup:
    if (data != NULL) {
        OPENSSL_cleanse(data, CRYPTO_FILE_MAX + 1);
        free(data);
    }
    fclose(f);
    return err;
}

/* Library code never prompts: OpenSSL's default PEM callback would read a
 * passphrase from the terminal, so encrypted PEM is refused instead. */
static int refuse_password(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return -1;
}

enum key_source {
    SOURCE_PRIVATE_PEM,
    SOURCE_PUBLIC_PEM,
    SOURCE_CERTIFICATE_DER,
    SOURCE_CERTIFICATE_PEM,
};

/* The RSP curve of a namedCurve OID; 0 for another. */
static crypto_curve curve_of_oid(aw_slice oid)
{
    if (oid.len == sizeof(crypto_pem_oid_prime256v1)
        && memcmp(oid.ptr, crypto_pem_oid_prime256v1, oid.len) == 0)
        return CRYPTO_CURVE_NIST_P256;
    if (oid.len == sizeof(crypto_pem_oid_brainpool_p256r1)
        && memcmp(oid.ptr, crypto_pem_oid_brainpool_p256r1, oid.len) == 0)
        return CRYPTO_CURVE_BRAINPOOL_P256R1;
    return 0;
}

/* A private key from PEM through core/crypto_pem.c rather than OpenSSL's
 * decoders (which free the key's DER unerased): d must be in range and
 * the point in the file, when present, d*G. */
static aw_err load_private_pem(const uint8_t *data, size_t len, crypto_key **out)
{
    crypto_pem_ec_key pem;
    aw_err err = crypto_pem_read_ec_private_key((const char *)data, len, &pem);
    if (err != AW_OK)
        return err;
    crypto_curve curve = curve_of_oid(pem.curve);
    if (curve == 0)
        err = AW_ERR_CRYPTO_CURVE;
    else if (pem.scalar_len > CRYPTO_SCALAR_SIZE)
        err = AW_ERR_CRYPTO_KEY;
    else
        err = crypto_key_from_scalar(curve, pem.scalar, out);
    if (err == AW_OK && pem.point.len != 0) {
        uint8_t point[CRYPTO_POINT_SIZE];
        if (crypto_key_export_point(*out, point) != AW_OK || pem.point.len != sizeof(point)
            || memcmp(point, pem.point.ptr, sizeof(point)) != 0) {
            crypto_key_free(*out);
            *out = NULL;
            err = AW_ERR_CRYPTO_KEY;
        }
    }
    crypto_pem_ec_key_clear(&pem);
    return err;
}

static aw_err load_key(enum key_source kind, const uint8_t *data, size_t len, crypto_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (data == NULL || len == 0 || len > INT32_MAX)
        return AW_ERR_ARGUMENT;
    if (kind == SOURCE_PRIVATE_PEM)
        return load_private_pem(data, len, out);
    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    BIO *bio = NULL;
    aw_err err = AW_ERR_CRYPTO_KEY;

    if (kind == SOURCE_CERTIFICATE_DER) {
        const unsigned char *p = data;
        cert = d2i_X509(NULL, &p, (long)len);
        if (cert == NULL || p != data + len) {
            err = AW_ERR_PKI_PARSE;
            goto cleanup;
        }
    } else {
        bio = BIO_new_mem_buf(data, (int)len);
        if (bio == NULL) {
            err = AW_ERR_NOMEM;
            goto cleanup;
        }
        if (kind == SOURCE_PUBLIC_PEM)
            pkey = PEM_read_bio_PUBKEY(bio, NULL, refuse_password, NULL);
        else if ((cert = PEM_read_bio_X509(bio, NULL, refuse_password, NULL)) == NULL) {
            err = AW_ERR_PKI_PARSE;
            goto cleanup;
        }
    }
    if (cert != NULL) {
        pkey = X509_get_pubkey(cert);
        if (pkey == NULL) {
            err = AW_ERR_PKI_PARSE;
            goto cleanup;
        }
    }
    if (pkey == NULL)
        goto cleanup;
    err = crypto_key_wrap(pkey, false, out);
    pkey = NULL;
cleanup:
    /* OpenSSL queues its parse errors; they are reported through err. */
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    X509_free(cert);
    BIO_free(bio);
    return err;
}

static aw_err load_key_file(enum key_source kind, const char *path, crypto_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (path == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = read_small_file(path, &data, &len);
    if (err != AW_OK)
        return err;
    if (kind == SOURCE_CERTIFICATE_PEM && len > 0 && data[0] == 0x30)
        kind = SOURCE_CERTIFICATE_DER; /* a DER certificate starts with its SEQUENCE tag */
    err = load_key(kind, data, len, out);
    OPENSSL_cleanse(data, len);
    free(data);
    return err;
}

aw_err crypto_key_load_private_pem(const uint8_t *pem, size_t len, crypto_key **out)
{
    return load_key(SOURCE_PRIVATE_PEM, pem, len, out);
}

aw_err crypto_key_load_private_pem_file(const char *path, crypto_key **out)
{
    return load_key_file(SOURCE_PRIVATE_PEM, path, out);
}

aw_err crypto_key_load_public_pem(const uint8_t *pem, size_t len, crypto_key **out)
{
    return load_key(SOURCE_PUBLIC_PEM, pem, len, out);
}

aw_err crypto_key_load_public_pem_file(const char *path, crypto_key **out)
{
    return load_key_file(SOURCE_PUBLIC_PEM, path, out);
}

aw_err crypto_key_from_certificate(const uint8_t *der, size_t len, crypto_key **out)
{
    return load_key(SOURCE_CERTIFICATE_DER, der, len, out);
}

aw_err crypto_key_load_certificate_file(const char *path, crypto_key **out)
{
    return load_key_file(SOURCE_CERTIFICATE_PEM, path, out);
}

/* Build an EVP_PKEY from a group name, an encoded public point and an
 * optional private scalar (OpenSSL 3 provider key import). */
static aw_err pkey_from_data(crypto_curve curve, const uint8_t *point, size_t point_len,
                             const BIGNUM *priv, EVP_PKEY **out)
{
    *out = NULL;
    aw_err err = AW_ERR_CRYPTO;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (bld == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        crypto_curve_name(curve), 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) != 1
        || (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1))
        goto cleanup;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (params == NULL || ctx == NULL)
        goto cleanup;
    if (EVP_PKEY_fromdata_init(ctx) != 1)
        goto cleanup;
    /* The EC import decodes the point and rejects one not on the curve. */
    if (EVP_PKEY_fromdata(ctx, out, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params) != 1) {
        err = AW_ERR_CRYPTO_KEY;
        goto cleanup;
    }
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return err;
}

/* Per curve, an EC key holding only the curve's parameters, made once per
 * process and only read afterwards (EVP_PKEY_copy_parameters): a public
 * key copies them and takes its point, half the cost of an import by group
 * name, which builds the group again every time (bench/bench_smdp_download:
 * four points per download). */
static CRYPTO_ONCE curve_templates_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_PKEY *curve_template[CRYPTO_CURVE_BRAINPOOL_P256R1 + 1];

static void make_curve_templates(void)
{
    for (int c = CRYPTO_CURVE_NIST_P256; c <= CRYPTO_CURVE_BRAINPOOL_P256R1; c++) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) != 1
            || EVP_PKEY_CTX_set_group_name(ctx, crypto_curve_name((crypto_curve)c)) != 1
            || EVP_PKEY_paramgen(ctx, &curve_template[c]) != 1)
            curve_template[c] = NULL;
        EVP_PKEY_CTX_free(ctx);
    }
    ERR_clear_error();
}

aw_err crypto_key_from_point(crypto_curve curve, const uint8_t *point, size_t len,
                             crypto_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (crypto_curve_name(curve) == NULL || (point == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    /* SGP.22 carries otPK uncompressed; the identity (single 00) and
     * compressed forms are refused. */
    if (len != CRYPTO_POINT_SIZE || point[0] != 0x04)
        return AW_ERR_CRYPTO_KEY;
    const EVP_PKEY *parameters = CRYPTO_THREAD_run_once(&curve_templates_once,
                                                        make_curve_templates)
                                     ? curve_template[curve]
                                     : NULL;
    if (parameters == NULL)
        return AW_ERR_CRYPTO;
    EVP_PKEY *pkey = EVP_PKEY_new();
    if (pkey == NULL)
        return AW_ERR_NOMEM;
    /* Setting the point decodes it and rejects one not on the curve. */
    if (EVP_PKEY_copy_parameters(pkey, parameters) != 1
        || EVP_PKEY_set1_encoded_public_key(pkey, point, len) != 1) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return AW_ERR_CRYPTO_KEY;
    }
    /* SEC 1 3.2.2.1 partial validation: on the curve, not infinity (the
     * cofactor is 1 on both curves, so n*Q need not be checked). */
    EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = check != NULL && EVP_PKEY_public_check_quick(check) == 1;
    EVP_PKEY_CTX_free(check);
    ERR_clear_error();
    if (!ok) {
        EVP_PKEY_free(pkey);
        return check == NULL ? AW_ERR_NOMEM : AW_ERR_CRYPTO_KEY;
    }
    return crypto_key_wrap(pkey, false, out);
}

aw_err crypto_key_from_scalar(crypto_curve curve, const uint8_t scalar[CRYPTO_SCALAR_SIZE],
                              crypto_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (crypto_curve_name(curve) == NULL || scalar == NULL)
        return AW_ERR_ARGUMENT;
    if (!crypto_scalar_in_range(curve, scalar))
        return AW_ERR_CRYPTO_KEY;

    aw_err err = AW_ERR_CRYPTO;
    EC_GROUP *group = NULL;
    EC_POINT *pub = NULL;
    BIGNUM *d = NULL;
    EVP_PKEY *pkey = NULL;
    uint8_t point[CRYPTO_POINT_SIZE];

    group = EC_GROUP_new_by_curve_name(curve == CRYPTO_CURVE_NIST_P256
                                       ? NID_X9_62_prime256v1 : NID_brainpoolP256r1);
    d = BN_secure_new();
    if (group == NULL || d == NULL || (pub = EC_POINT_new(group)) == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_bin2bn(scalar, CRYPTO_SCALAR_SIZE, d) == NULL
        || EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1
        || EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
                              NULL) != sizeof(point))
        goto cleanup;
    err = pkey_from_data(curve, point, sizeof(point), d, &pkey);
    if (err != AW_OK)
        goto cleanup;
    err = crypto_key_wrap(pkey, true, out);
    pkey = NULL;
cleanup:
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    BN_clear_free(d);
    EC_POINT_free(pub);
    EC_GROUP_free(group);
    return err;
}

aw_err crypto_key_export_private_pem(const crypto_key *key, char **pem, size_t *len)
{
    if (pem == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    *pem = NULL;
    *len = 0;
    if (key == NULL || !key->is_private)
        return AW_ERR_ARGUMENT;
    uint8_t scalar[CRYPTO_SCALAR_SIZE], point[CRYPTO_POINT_SIZE];
    BIGNUM *d = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1
        || BN_bn2binpad(d, scalar, CRYPTO_SCALAR_SIZE) != CRYPTO_SCALAR_SIZE)
        goto cleanup;
    if ((err = crypto_key_export_point(key, point)) != AW_OK)
        goto cleanup;
    if (key->curve == CRYPTO_CURVE_NIST_P256)
        err = crypto_pem_write_ec_private_key(crypto_pem_oid_prime256v1,
                                              sizeof(crypto_pem_oid_prime256v1), scalar, point,
                                              pem, len);
    else
        err = crypto_pem_write_ec_private_key(crypto_pem_oid_brainpool_p256r1,
                                              sizeof(crypto_pem_oid_brainpool_p256r1), scalar,
                                              point, pem, len);
cleanup:
    ERR_clear_error();
    OPENSSL_cleanse(scalar, sizeof(scalar));
    BN_clear_free(d);
    return err;
}

void crypto_key_pem_free(char *pem, size_t len)
{
    crypto_pem_free(pem, len);
}

aw_err crypto_generate_key(crypto_curve curve, crypto_key **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    const char *name = crypto_curve_name(curve);
    if (name == NULL)
        return AW_ERR_ARGUMENT;
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
    if (pkey == NULL) {
        ERR_clear_error();
        return AW_ERR_CRYPTO;
    }
    return crypto_key_wrap(pkey, true, out);
}

crypto_curve crypto_key_curve(const crypto_key *key)
{
    return key->curve;
}

bool crypto_key_is_private(const crypto_key *key)
{
    return key != NULL && key->is_private;
}

aw_err crypto_key_export_point(const crypto_key *key, uint8_t point[CRYPTO_POINT_SIZE])
{
    if (key == NULL || point == NULL)
        return AW_ERR_ARGUMENT;
    /* The encoded key when it is uncompressed (the usual case: a quarter of
     * the cost of two coordinates as BIGNUMs), else the coordinates, so a
     * key read with a compressed encoding still exports uncompressed. */
    size_t encoded_len = 0;
    if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        CRYPTO_POINT_SIZE, &encoded_len) == 1
        && encoded_len == CRYPTO_POINT_SIZE && point[0] == 0x04)
        return AW_OK;
    ERR_clear_error();
    BIGNUM *x = NULL;
    BIGNUM *y = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1
        || EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
        goto cleanup;
    point[0] = 0x04;
    if (BN_bn2binpad(x, point + 1, CRYPTO_SCALAR_SIZE) != CRYPTO_SCALAR_SIZE
        || BN_bn2binpad(y, point + 1 + CRYPTO_SCALAR_SIZE, CRYPTO_SCALAR_SIZE)
               != CRYPTO_SCALAR_SIZE)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    BN_free(x);
    BN_free(y);
    return err;
}

void crypto_key_free(crypto_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}
