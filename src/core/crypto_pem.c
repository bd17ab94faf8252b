/* airwrite core: EC private keys in PEM (see crypto_pem.h for the formats
 * and why OpenSSL's decoders are not used for them). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/base64.h"
#include "core/crypto_pem.h"

const uint8_t crypto_pem_oid_prime256v1[8] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const uint8_t crypto_pem_oid_brainpool_p256r1[9] = {0x2B, 0x24, 0x03, 0x03, 0x02,
                                                    0x08, 0x01, 0x01, 0x07};
const uint8_t crypto_pem_oid_sm2[8] = {0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D};
static const uint8_t oid_ec_public_key[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};

static bool slice_equal(aw_slice a, aw_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The parts of an ECPrivateKey, as views into the DER */
typedef struct ec_private {
    aw_slice curve;
    aw_slice scalar;
    aw_slice point;
} ec_private;

/* publicKey BIT STRING: no unused bits (its form is the caller's to check
 * against d*G on a known curve) */
static aw_err read_point(const der_node *n, aw_slice *point)
{
    unsigned unused = 0;
    if (der_node_get_bit_string(n, &unused, point) != AW_OK || unused != 0)
        return AW_ERR_CRYPTO_KEY;
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
        || scalar.value.len == 0 || scalar.value.len > CRYPTO_PEM_SCALAR_MAX)
        return AW_ERR_CRYPTO_KEY;
    key->scalar = scalar.value;
    if (der_read_optional(&body, DER_CTX_CONS(0), &node, &present) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    if (present) {
        der_node oid;
        if (der_reader_enter(&body, &node, &inner) != AW_OK
            || der_read_expect(&inner, DER_TAG_OID, &oid) != AW_OK
            || der_reader_finish(&inner) != AW_OK)
            return AW_ERR_CRYPTO_KEY;
        key->curve = oid.value;
    }
    if (der_read_optional(&body, DER_CTX_CONS(1), &node, &present) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    if (present) {
        der_node bits;
        if (der_reader_enter(&body, &node, &inner) != AW_OK
            || der_read_expect(&inner, DER_TAG_BIT_STRING, &bits) != AW_OK
            || der_reader_finish(&inner) != AW_OK || read_point(&bits, &key->point) != AW_OK)
            return AW_ERR_CRYPTO_KEY;
    }
    return der_reader_finish(&body) == AW_OK ? AW_OK : AW_ERR_CRYPTO_KEY;
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
        || !slice_equal(alg_oid.value, (aw_slice){oid_ec_public_key, sizeof(oid_ec_public_key)})
        || der_read_expect(&alg_body, DER_TAG_OID, &curve) != AW_OK
        || der_reader_finish(&alg_body) != AW_OK
        || der_read_expect(&body, DER_TAG_OCTET_STRING, &octets) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    /* attributes [0] and (v2) publicKey [1] IMPLICIT BIT STRING */
    if (der_read_optional(&body, DER_CTX_CONS(0), &node, &present) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    aw_slice outer_point = {NULL, 0};
    if (der_read_optional(&body, DER_CTX(1), &node, &present) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    if (present && (v != 1 || read_point(&node, &outer_point) != AW_OK))
        return AW_ERR_CRYPTO_KEY;
    if (der_reader_finish(&body) != AW_OK)
        return AW_ERR_CRYPTO_KEY;
    aw_err err = parse_ec_private_key(octets.value, key);
    if (err != AW_OK)
        return err;
    /* the curve named twice must be the same curve */
    if (key->curve.len != 0 && !slice_equal(key->curve, curve.value))
        return AW_ERR_CRYPTO_KEY;
    key->curve = curve.value;
    if (outer_point.len != 0) {
        if (key->point.len != 0 && !slice_equal(key->point, outer_point))
            return AW_ERR_CRYPTO_KEY;
        key->point = outer_point;
    }
    return AW_OK;
}

/* The base64 body between "-----BEGIN label-----" and "-----END
 * label-----", whitespace removed, into a new buffer (erased by the
 * caller). AW_ERR_NOT_FOUND when there is no such block. */
static aw_err pem_body(const char *pem, size_t len, const char *label, char **body,
                       size_t *body_len, size_t *body_cap)
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
        return AW_ERR_CRYPTO_KEY;
    size_t cap = (size_t)(stop - start) + 1;
    char *text = OPENSSL_malloc(cap);
    if (text == NULL)
        return AW_ERR_NOMEM;
    size_t n = 0;
    for (const char *p = start; p < stop; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        /* a header line (RFC 1421 Proc-Type / DEK-Info): encrypted, refused */
        if (*p == ':') {
            OPENSSL_clear_free(text, cap);
            return AW_ERR_CRYPTO_KEY;
        }
        text[n++] = *p;
    }
    *body = text;
    *body_len = n;
    *body_cap = cap;
    return AW_OK;
}

void crypto_pem_ec_key_clear(crypto_pem_ec_key *key)
{
    if (key == NULL)
        return;
    OPENSSL_clear_free(key->der, key->der_cap);
    OPENSSL_cleanse(key, sizeof(*key));
    memset(key, 0, sizeof(*key));
}

aw_err crypto_pem_read_ec_private_key(const char *pem, size_t len, crypto_pem_ec_key *out)
{
    static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY"};
    memset(out, 0, sizeof(*out));
    if (pem == NULL)
        return AW_ERR_CRYPTO_KEY;
    char *text = NULL;
    size_t text_len = 0, text_cap = 0, which = 0;
    aw_err err = AW_ERR_NOT_FOUND;
    for (; which < 2 && err == AW_ERR_NOT_FOUND; which++)
        err = pem_body(pem, len, labels[which], &text, &text_len, &text_cap);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_CRYPTO_KEY; /* e.g. "ENCRYPTED PRIVATE KEY" or no PEM at all */
    if (err != AW_OK)
        return err;
    which--;
    ec_private key;
    memset(&key, 0, sizeof(key));
    out->der_cap = aw_base64_decoded_max(text_len) + 1;
    out->der = OPENSSL_malloc(out->der_cap);
    size_t der_len = 0;
    err = AW_ERR_NOMEM;
    if (out->der == NULL)
        goto cleanup;
    err = AW_ERR_CRYPTO_KEY;
    if (aw_base64_decode(text, text_len, out->der, out->der_cap, &der_len) != AW_OK)
        goto cleanup;
    aw_slice all = {out->der, der_len};
    err = which == 0 ? parse_pkcs8(all, &key) : parse_ec_private_key(all, &key);
    if (err == AW_OK && key.curve.len == 0)
        err = AW_ERR_CRYPTO_KEY; /* SEC 1 without its curve */
    if (err != AW_OK)
        goto cleanup;
    out->curve = key.curve;
    out->point = key.point;
    out->scalar_len = key.scalar.len;
    if (key.scalar.len <= CRYPTO_PEM_SCALAR_SIZE)
        memcpy(out->scalar + CRYPTO_PEM_SCALAR_SIZE - key.scalar.len, key.scalar.ptr,
               key.scalar.len);
cleanup:
    OPENSSL_clear_free(text, text_cap);
    if (err != AW_OK)
        crypto_pem_ec_key_clear(out);
    return err;
}

void crypto_pem_free(char *pem, size_t len)
{
    OPENSSL_clear_free(pem, pem != NULL ? len + 1 : 0);
}

aw_err crypto_pem_write_ec_private_key(const uint8_t *curve, size_t curve_len,
                                       const uint8_t scalar[CRYPTO_PEM_SCALAR_SIZE],
                                       const uint8_t point[CRYPTO_PEM_POINT_SIZE], char **pem,
                                       size_t *len)
{
    static const char begin[] = "-----BEGIN PRIVATE KEY-----\n";
    static const char end[] = "-----END PRIVATE KEY-----\n";
    *pem = NULL;
    *len = 0;
    uint8_t *der = NULL, *inner = NULL;
    size_t der_len = 0, inner_len = 0, text_cap = 0, out_cap = 0;
    char *text = NULL, *out = NULL;
    /* ECPrivateKey, then the OneAsymmetricKey around it (both builders
     * erase what they free) */
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, 1);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, scalar, CRYPTO_PEM_SCALAR_SIZE);
    der_builder_begin(&b, DER_CTX_CONS(1));
    der_put_bit_string(&b, DER_TAG_BIT_STRING, 0, point, CRYPTO_PEM_POINT_SIZE);
    der_builder_end(&b);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &inner, &inner_len);
    if (err != AW_OK)
        goto cleanup;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, 0);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_tlv(&b, DER_TAG_OID, oid_ec_public_key, sizeof(oid_ec_public_key));
    der_put_tlv(&b, DER_TAG_OID, curve, curve_len);
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
    if (inner != NULL)
        der_bytes_free(inner, inner_len);
    if (der != NULL)
        der_bytes_free(der, der_len);
    OPENSSL_clear_free(text, text_cap);
    OPENSSL_clear_free(out, out_cap);
    return err;
}
