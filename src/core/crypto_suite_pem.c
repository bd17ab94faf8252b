/* airwrite core: private EC keys of the crypto suite from PEM, decoded here
 * rather than by OpenSSL's decoders, because OpenSSL 3.0's decoders free
 * their copies of the private key DER without erasing them (found by
 * tests/test_crypto_suite_secrets.c). Every buffer holding key material is
 * erased before it is freed.
 *
 *   PEM armor: RFC 7468 10 ("PRIVATE KEY"), SEC 1 "EC PRIVATE KEY" (an
 *     "EC PARAMETERS" block before it is skipped); encrypted keys refused.
 *   PKCS#8 OneAsymmetricKey: RFC 5958 2, algorithm id-ecPublicKey with a
 *     namedCurve (RFC 5480 2.1.1).
 *   ECPrivateKey: RFC 5915 3 (SEC 1 C.4).
 * The curve is prime256v1 (international) or the SM2 curve 1.2.156.10197.1.301
 * (domestic, GB/T 33560); the public point is recomputed from d and must
 * equal the one in the file when present. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "core/base64.h"
#include "core/crypto_suite_internal.h"
#include "core/der.h"

#define SCALAR_SIZE 32

/* Content octets of the OIDs (X.690 8.19) */
static const uint8_t oid_ec_public_key[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t oid_sm2[] = {0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D};

static bool slice_is(aw_slice s, const uint8_t *bytes, size_t len)
{
    return s.len == len && memcmp(s.ptr, bytes, len) == 0;
}

/* Suite of a namedCurve OID; 0 for any other curve. */
static crypto_suite suite_of_curve(aw_slice oid)
{
    if (slice_is(oid, oid_prime256v1, sizeof(oid_prime256v1)))
        return CRYPTO_SUITE_INTERNATIONAL;
    if (slice_is(oid, oid_sm2, sizeof(oid_sm2)))
        return CRYPTO_SUITE_DOMESTIC;
    return 0;
}

typedef struct ec_private {
    aw_slice curve;   /* namedCurve OID content; len 0 when absent */
    aw_slice scalar;  /* privateKey octets */
    aw_slice point;   /* publicKey BIT STRING content; len 0 when absent */
} ec_private;

/* publicKey BIT STRING: no unused bits, an uncompressed point */
static aw_err read_point(const der_node *n, aw_slice *point)
{
    unsigned unused = 0;
    if (der_node_get_bit_string(n, &unused, point) != AW_OK || unused != 0)
        return AW_ERR_SUITE_KEY;
    return AW_OK;
}

/* ECPrivateKey (RFC 5915 3) */
static aw_err parse_ec_private_key(aw_slice der, ec_private *key)
{
    der_reader outer, body, inner;
    der_node seq, version, scalar, node;
    bool present = false;
    int64_t v = 0;
    der_reader_init(&outer, der.ptr, der.len);
    if (der_decode_single(der.ptr, der.len, &seq) != AW_OK || seq.tag != DER_TAG_SEQUENCE
        || der_reader_enter(&outer, &seq, &body) != AW_OK
        || der_read_expect(&body, DER_TAG_INTEGER, &version) != AW_OK
        || der_node_get_int64(&version, &v) != AW_OK || v != 1
        || der_read_expect(&body, DER_TAG_OCTET_STRING, &scalar) != AW_OK
        || scalar.value.len == 0 || scalar.value.len > SCALAR_SIZE)
        return AW_ERR_SUITE_KEY;
    key->scalar = scalar.value;
    if (der_read_optional(&body, DER_CTX_CONS(0), &node, &present) != AW_OK)
        return AW_ERR_SUITE_KEY;
    if (present) {
        der_node oid;
        if (der_reader_enter(&body, &node, &inner) != AW_OK
            || der_read_expect(&inner, DER_TAG_OID, &oid) != AW_OK
            || der_reader_finish(&inner) != AW_OK)
            return AW_ERR_SUITE_KEY;
        key->curve = oid.value;
    }
    if (der_read_optional(&body, DER_CTX_CONS(1), &node, &present) != AW_OK)
        return AW_ERR_SUITE_KEY;
    if (present) {
        der_node bits;
        if (der_reader_enter(&body, &node, &inner) != AW_OK
            || der_read_expect(&inner, DER_TAG_BIT_STRING, &bits) != AW_OK
            || der_reader_finish(&inner) != AW_OK || read_point(&bits, &key->point) != AW_OK)
            return AW_ERR_SUITE_KEY;
    }
    return der_reader_finish(&body) == AW_OK ? AW_OK : AW_ERR_SUITE_KEY;
}

/* OneAsymmetricKey (RFC 5958 2) holding an ECPrivateKey */
static aw_err parse_pkcs8(aw_slice der, ec_private *key)
{
    der_reader outer, body, alg_body;
    der_node seq, version, alg, alg_oid, curve, octets, node;
    bool present = false;
    int64_t v = -1;
    der_reader_init(&outer, der.ptr, der.len);
    if (der_decode_single(der.ptr, der.len, &seq) != AW_OK || seq.tag != DER_TAG_SEQUENCE
        || der_reader_enter(&outer, &seq, &body) != AW_OK
        || der_read_expect(&body, DER_TAG_INTEGER, &version) != AW_OK
        || der_node_get_int64(&version, &v) != AW_OK || (v != 0 && v != 1)
        || der_read_expect(&body, DER_TAG_SEQUENCE, &alg) != AW_OK
        || der_reader_enter(&body, &alg, &alg_body) != AW_OK
        || der_read_expect(&alg_body, DER_TAG_OID, &alg_oid) != AW_OK
        || !slice_is(alg_oid.value, oid_ec_public_key, sizeof(oid_ec_public_key))
        || der_read_expect(&alg_body, DER_TAG_OID, &curve) != AW_OK
        || der_reader_finish(&alg_body) != AW_OK
        || der_read_expect(&body, DER_TAG_OCTET_STRING, &octets) != AW_OK)
        return AW_ERR_SUITE_KEY;
    /* attributes [0] and (v2) publicKey [1] IMPLICIT BIT STRING */
    if (der_read_optional(&body, DER_CTX_CONS(0), &node, &present) != AW_OK)
        return AW_ERR_SUITE_KEY;
    aw_slice outer_point = {NULL, 0};
    if (der_read_optional(&body, DER_CTX(1), &node, &present) != AW_OK)
        return AW_ERR_SUITE_KEY;
    if (present && (v != 1 || read_point(&node, &outer_point) != AW_OK))
        return AW_ERR_SUITE_KEY;
    if (der_reader_finish(&body) != AW_OK)
        return AW_ERR_SUITE_KEY;
    aw_err err = parse_ec_private_key(octets.value, key);
    if (err != AW_OK)
        return err;
    /* the curve named twice must be the same curve */
    if (key->curve.len != 0 && !slice_is(key->curve, curve.value.ptr, curve.value.len))
        return AW_ERR_SUITE_KEY;
    key->curve = curve.value;
    if (outer_point.len != 0) {
        if (key->point.len != 0 && !slice_is(key->point, outer_point.ptr, outer_point.len))
            return AW_ERR_SUITE_KEY;
        key->point = outer_point;
    }
    return AW_OK;
}

/* The base64 body between "-----BEGIN label-----" and "-----END
 * label-----", whitespace removed, into a new buffer (erased by the caller). */
static aw_err pem_body(const char *pem, size_t len, const char *label, char **body,
                       size_t *body_len)
{
    char begin[64], end[64];
    snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
    snprintf(end, sizeof(end), "-----END %s-----", label);
    const char *start = memmem(pem, len, begin, strlen(begin));
    if (start == NULL)
        return AW_ERR_NOT_FOUND;
    start += strlen(begin);
    const char *stop = memmem(start, len - (size_t)(start - pem), end, strlen(end));
    if (stop == NULL)
        return AW_ERR_SUITE_KEY;
    char *text = OPENSSL_malloc((size_t)(stop - start) + 1);
    if (text == NULL)
        return AW_ERR_NOMEM;
    size_t n = 0;
    for (const char *p = start; p < stop; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        /* a header line (RFC 1421 Proc-Type / DEK-Info): encrypted, refused */
        if (*p == ':') {
            OPENSSL_clear_free(text, (size_t)(stop - start) + 1);
            return AW_ERR_SUITE_KEY;
        }
        text[n++] = *p;
    }
    *body = text;
    *body_len = n;
    return AW_OK;
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
static aw_err key_from_scalar(crypto_suite suite, const ec_private *key, EVP_PKEY **out)
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
    if (BN_bin2bn(key->scalar.ptr, (int)key->scalar.len, d) == NULL)
        goto cleanup;
    if ((err = public_point(suite, d, point)) != AW_OK)
        goto cleanup;
    err = AW_ERR_SUITE_KEY;
    if (key->point.len != 0 && !slice_is(key->point, point, sizeof(point)))
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
    static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY"};
    char *text = NULL;
    size_t text_len = 0;
    size_t which = 0;
    ec_private key;
    memset(&key, 0, sizeof(key));
    aw_err err = AW_ERR_NOT_FOUND;
    for (; which < 2 && err == AW_ERR_NOT_FOUND; which++)
        err = pem_body(pem, len, labels[which], &text, &text_len);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_SUITE_KEY; /* e.g. "ENCRYPTED PRIVATE KEY" or no PEM at all */
    if (err != AW_OK)
        return err;
    which--;
    size_t der_cap = aw_base64_decoded_max(text_len) + 1;
    uint8_t *der = OPENSSL_malloc(der_cap);
    size_t der_len = 0;
    err = AW_ERR_NOMEM;
    if (der == NULL)
        goto cleanup;
    err = AW_ERR_SUITE_KEY;
    if (aw_base64_decode(text, text_len, der, der_cap, &der_len) != AW_OK)
        goto cleanup;
    aw_slice all = {der, der_len};
    err = which == 0 ? parse_pkcs8(all, &key) : parse_ec_private_key(all, &key);
    if (err != AW_OK)
        goto cleanup;
    crypto_suite curve_suite = suite_of_curve(key.curve);
    if (curve_suite == 0)
        err = AW_ERR_SUITE_KEY; /* another curve, or SEC 1 without one */
    else if (curve_suite != suite)
        err = AW_ERR_SUITE_MISMATCH;
    else
        err = key_from_scalar(suite, &key, out);
cleanup:
    OPENSSL_clear_free(der, der_cap);
    OPENSSL_clear_free(text, text_len);
    return err;
}

/* PKCS#8 (RFC 5958) PEM (RFC 7468 10) of an EC private key, encoded here:
 * OpenSSL 3.0's encoder frees the ECPrivateKey's privateKey octets without
 * erasing them. Layout as OpenSSL writes it: id-ecPublicKey with the
 * namedCurve, ECPrivateKey version 1 with d (32 bytes) and [1] publicKey. */
aw_err crypto_suite_private_key_to_pem(crypto_suite suite, const EVP_PKEY *pkey, char **pem,
                                       size_t *len)
{
    *pem = NULL;
    *len = 0;
    static const char begin[] = "-----BEGIN PRIVATE KEY-----\n";
    static const char end[] = "-----END PRIVATE KEY-----\n";
    uint8_t scalar[SCALAR_SIZE], point[CRYPTO_SUITE_POINT_SIZE];
    uint8_t *der = NULL, *inner = NULL;
    size_t der_len = 0, inner_len = 0, text_cap = 0, out_cap = 0;
    char *text = NULL, *out = NULL;
    BIGNUM *d = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1
        || BN_bn2binpad(d, scalar, SCALAR_SIZE) != SCALAR_SIZE)
        goto cleanup;
    if ((err = public_point(suite, d, point)) != AW_OK)
        goto cleanup;
    const uint8_t *curve = suite == CRYPTO_SUITE_INTERNATIONAL ? oid_prime256v1 : oid_sm2;
    /* ECPrivateKey, then the OneAsymmetricKey around it (both builders
     * erase what they free) */
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, 1);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, scalar, SCALAR_SIZE);
    der_builder_begin(&b, DER_CTX_CONS(1));
    der_put_bit_string(&b, DER_TAG_BIT_STRING, 0, point, sizeof(point));
    der_builder_end(&b);
    der_builder_end(&b);
    if ((err = der_builder_finish(&b, &inner, &inner_len)) != AW_OK)
        goto cleanup;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, 0);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_tlv(&b, DER_TAG_OID, oid_ec_public_key, sizeof(oid_ec_public_key));
    der_put_tlv(&b, DER_TAG_OID, curve, sizeof(oid_sm2));
    der_builder_end(&b);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, inner, inner_len);
    der_builder_end(&b);
    if ((err = der_builder_finish(&b, &der, &der_len)) != AW_OK)
        goto cleanup;
    err = AW_ERR_NOMEM;
    text_cap = aw_base64_encoded_length(der_len) + 1;
    size_t text_len = text_cap - 1;
    size_t lines = (text_len + 63) / 64;
    out_cap = sizeof(begin) - 1 + text_len + lines + sizeof(end) - 1 + 1;
    if ((text = OPENSSL_malloc(text_cap)) == NULL || (out = OPENSSL_malloc(out_cap)) == NULL)
        goto cleanup;
    if ((err = aw_base64_encode(der, der_len, text, text_cap)) != AW_OK)
        goto cleanup;
    size_t n = 0;
    memcpy(out, begin, sizeof(begin) - 1);
    n += sizeof(begin) - 1;
    for (size_t i = 0; i < text_len; i += 64) {
        size_t chunk = text_len - i < 64 ? text_len - i : 64;
        memcpy(out + n, text + i, chunk);
        n += chunk;
        out[n++] = '\n';
    }
    memcpy(out + n, end, sizeof(end) - 1);
    n += sizeof(end) - 1;
    out[n] = '\0';
    *pem = out;
    *len = n;
    out = NULL;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    OPENSSL_cleanse(scalar, sizeof(scalar));
    BN_clear_free(d);
    if (inner != NULL)
        der_bytes_free(inner, inner_len);
    if (der != NULL)
        der_bytes_free(der, der_len);
    OPENSSL_clear_free(text, text_cap);
    OPENSSL_clear_free(out, out_cap);
    return err;
}
