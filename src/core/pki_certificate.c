/* airwrite core: RSP certificate parsing and field access (SGP.22 4.5.2
 * certificate profiles; EID per SGP.29 / ITU-T E.118). */
#include "core/pki.h"
#include "core/pki_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* SGP.22 Annex H: id-rspRole OBJECT IDENTIFIER ::= {id-rsp cert-objects(2) 1} */
static const char *const role_policy[AW_PKI_ROLE__COUNT] = {
    [AW_PKI_ROLE_CI] = "2.23.146.1.2.1.0",
    [AW_PKI_ROLE_EUICC] = "2.23.146.1.2.1.1",
    [AW_PKI_ROLE_EUM] = "2.23.146.1.2.1.2",
    [AW_PKI_ROLE_DP_TLS] = "2.23.146.1.2.1.3",
    [AW_PKI_ROLE_DP_AUTH] = "2.23.146.1.2.1.4",
    [AW_PKI_ROLE_DP_PB] = "2.23.146.1.2.1.5",
    [AW_PKI_ROLE_EIM] = NULL,
};

static const char *const role_name[AW_PKI_ROLE__COUNT] = {
    [AW_PKI_ROLE_CI] = "CI",         [AW_PKI_ROLE_EUICC] = "eUICC",
    [AW_PKI_ROLE_EUM] = "EUM",       [AW_PKI_ROLE_DP_TLS] = "DPtls",
    [AW_PKI_ROLE_DP_AUTH] = "DPauth", [AW_PKI_ROLE_DP_PB] = "DPpb",
    [AW_PKI_ROLE_EIM] = "eIM",
};

/* Prefix shared by every id-rspRole OID, used to spot RSP policies that are
 * not the one a role expects (e.g. id-rspRole-ds-* 6, 7). */
#define RSP_ROLE_ARC "2.23.146.1.2.1."

const char *pki_role_policy_oid(aw_pki_role role)
{
    if ((unsigned)role >= AW_PKI_ROLE__COUNT)
        return NULL;
    return role_policy[role];
}

const char *pki_role_name(aw_pki_role role)
{
    if ((unsigned)role >= AW_PKI_ROLE__COUNT)
        return "unknown";
    return role_name[role];
}

const char *pki_curve_group_name(aw_pki_curve curve)
{
    return curve == AW_PKI_CURVE_BRAINPOOL_P256R1 ? "brainpoolP256r1" : "prime256v1";
}

const char *pki_curve_name(aw_pki_curve curve)
{
    return curve == AW_PKI_CURVE_BRAINPOOL_P256R1 ? "brainpoolP256r1" : "NIST P-256";
}

/* ---- EID (SGP.29 2.2, ITU-T E.118 check digits: the 32-digit number mod 97 is 1) */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return s[n] == '\0';
}

static unsigned digits_mod97(const char *s, size_t n)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++)
        r = (r * 10u + (unsigned)(s[i] - '0')) % 97u;
    return r;
}

aw_err pki_eid_validate(const char *eid)
{
    if (eid == NULL || strnlen(eid, AW_PKI_EID_DIGITS + 1) != AW_PKI_EID_DIGITS ||
        !all_digits(eid, AW_PKI_EID_DIGITS))
        return AW_ERR_PKI_EID_FORMAT;
    return digits_mod97(eid, AW_PKI_EID_DIGITS) == 1 ? AW_OK : AW_ERR_PKI_EID_FORMAT;
}

aw_err pki_eid_complete(const char *first30, char out[AW_PKI_EID_DIGITS + 1])
{
    out[0] = '\0';
    if (first30 == NULL || strnlen(first30, 31) != 30 || !all_digits(first30, 30))
        return AW_ERR_PKI_EID_FORMAT;
    /* check = 98 - (N * 100 mod 97), so that N * 100 + check = 1 (mod 97) */
    unsigned check = 98u - (digits_mod97(first30, 30) * 100u) % 97u;
    memcpy(out, first30, 30);
    out[30] = (char)('0' + check / 10u);
    out[31] = (char)('0' + check % 10u);
    out[32] = '\0';
    return AW_OK;
}

/* ---- Parsing ------------------------------------------------------------ */

void pki_certificate_free(pki_certificate *cert)
{
    if (cert == NULL)
        return;
    X509_free(cert->x509);
    free(cert->der);
    free(cert);
}

aw_err pki_certificate_parse(const uint8_t *der, size_t len, pki_certificate **out)
{
    aw_err err = AW_OK;
    pki_certificate *cert = NULL;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (der == NULL || len == 0 || len > AW_PKI_CERTIFICATE_MAX)
        return AW_ERR_PKI_PARSE;

    /* Strict DER framing first: one SEQUENCE, nothing after it, every level
     * definite and minimal. OpenSSL alone would accept some BER. */
    der_node node;
    if (der_decode_single(der, len, &node) != AW_OK || node.tag != DER_TAG_SEQUENCE ||
        der_validate(der, len, DER_MAX_DEPTH) != AW_OK)
        return AW_ERR_PKI_PARSE;

    cert = calloc(1, sizeof(*cert));
    if (cert == NULL)
        return AW_ERR_NOMEM;
    cert->der = malloc(len);
    if (cert->der == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(cert->der, der, len);
    cert->der_len = len;
    const unsigned char *p = cert->der;
    cert->x509 = d2i_X509(NULL, &p, (long)len);
    if (cert->x509 == NULL || p != cert->der + len) {
        err = AW_ERR_PKI_PARSE;
        goto cleanup;
    }
    /* SGP.22 4.5.2.1: X.509 v3 only (version field value 2) */
    if (X509_get_version(cert->x509) != 2) {
        err = AW_ERR_PKI_PARSE;
        goto cleanup;
    }
    /* Fills the cached extension flags; EXFLAG_INVALID is checked per use. */
    (void)X509_get_extension_flags(cert->x509);
    *out = cert;
    cert = NULL;
cleanup:
    pki_certificate_free(cert);
    ERR_clear_error();
    return err;
}

aw_err pki_certificate_parse_pem(const char *pem, size_t len, pki_certificate **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (pem == NULL || len == 0 || len > INT32_MAX)
        return AW_ERR_PKI_PARSE;
    aw_err err = AW_OK;
    unsigned char *der = NULL;
    X509 *x = NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return AW_ERR_NOMEM;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x == NULL) {
        err = AW_ERR_PKI_PARSE;
        goto cleanup;
    }
    int der_len = i2d_X509(x, &der);
    if (der_len <= 0) {
        err = AW_ERR_PKI_PARSE;
        goto cleanup;
    }
    err = pki_certificate_parse(der, (size_t)der_len, out);
cleanup:
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

aw_err pki_certificate_from_x509(X509 *x509, pki_certificate **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (x509 == NULL)
        return AW_ERR_ARGUMENT;
    unsigned char *der = NULL;
    int der_len = i2d_X509(x509, &der);
    if (der_len <= 0) {
        ERR_clear_error();
        return AW_ERR_PKI_PARSE;
    }
    aw_err err = pki_certificate_parse(der, (size_t)der_len, out);
    OPENSSL_free(der);
    return err;
}

aw_slice pki_certificate_der(const pki_certificate *cert)
{
    aw_slice s = {NULL, 0};
    if (cert != NULL) {
        s.ptr = cert->der;
        s.len = cert->der_len;
    }
    return s;
}

const X509 *pki_certificate_x509(const pki_certificate *cert)
{
    return cert == NULL ? NULL : cert->x509;
}

EVP_PKEY *pki_certificate_public_key(const pki_certificate *cert)
{
    return cert == NULL ? NULL : X509_get0_pubkey(cert->x509);
}

/* ---- Fields --------------------------------------------------------------- */

aw_err pki_policy_oids(const pki_certificate *cert, pki_policy_list *out)
{
    memset(out, 0, sizeof(*out));
    int crit = 0;
    CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(cert->x509, NID_certificate_policies, &crit, NULL);
    if (pols == NULL) {
        ERR_clear_error();
        /* crit -1: absent; -2: present more than once; otherwise undecodable */
        return crit == -1 ? AW_OK : AW_ERR_PKI_POLICY;
    }
    aw_err err = AW_OK;
    int n = sk_POLICYINFO_num(pols);
    for (int i = 0; i < n; i++) {
        const POLICYINFO *info = sk_POLICYINFO_value(pols, i);
        char oid[80];
        int w = OBJ_obj2txt(oid, sizeof(oid), info->policyid, 1);
        if (w <= 0 || (size_t)w >= sizeof(oid)) {
            err = AW_ERR_PKI_POLICY;
            break;
        }
        out->count++;
        if (strncmp(oid, RSP_ROLE_ARC, strlen(RSP_ROLE_ARC)) != 0)
            continue;
        out->rsp_count++;
        for (int r = 0; r < AW_PKI_ROLE__COUNT; r++) {
            if (role_policy[r] != NULL && strcmp(oid, role_policy[r]) == 0)
                out->has_role[r] = true;
        }
    }
    CERTIFICATEPOLICIES_free(pols);
    return err;
}

aw_err pki_certificate_get_role(const pki_certificate *cert, aw_pki_role *out)
{
    if (cert == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    *out = AW_PKI_ROLE__COUNT;
    pki_policy_list pols;
    aw_err err = pki_policy_oids(cert, &pols);
    if (err != AW_OK)
        return err;
    if (pols.rsp_count != 1)
        return AW_ERR_PKI_POLICY;
    for (int r = 0; r < AW_PKI_ROLE__COUNT; r++) {
        if (pols.has_role[r]) {
            *out = (aw_pki_role)r;
            return AW_OK;
        }
    }
    return AW_ERR_PKI_POLICY; /* an id-rspRole this code has no profile for */
}

aw_err pki_certificate_get_curve(const pki_certificate *cert, aw_pki_curve *out)
{
    if (cert == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    *out = AW_PKI_CURVE__COUNT;
    EVP_PKEY *key = X509_get0_pubkey(cert->x509);
    char group[64];
    size_t glen = 0;
    if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_group_name(key, group, sizeof(group), &glen)) {
        ERR_clear_error();
        return AW_ERR_PKI_CURVE;
    }
    if (strcmp(group, "prime256v1") == 0)
        *out = AW_PKI_CURVE_NIST_P256;
    else if (strcmp(group, "brainpoolP256r1") == 0)
        *out = AW_PKI_CURVE_BRAINPOOL_P256R1;
    else
        return AW_ERR_PKI_CURVE;
    return AW_OK;
}

aw_err pki_certificate_get_public_point(const pki_certificate *cert, aw_pki_curve *curve,
                                        uint8_t point[AW_PKI_POINT_SIZE])
{
    if (curve == NULL || point == NULL)
        return AW_ERR_ARGUMENT;
    memset(point, 0, AW_PKI_POINT_SIZE);
    aw_err err = pki_certificate_get_curve(cert, curve);
    if (err != AW_OK)
        return err;
    const int half = (AW_PKI_POINT_SIZE - 1) / 2;
    EVP_PKEY *key = X509_get0_pubkey(cert->x509);
    /* the encoded key when it is uncompressed (cheap), else the
     * coordinates (a certificate may carry a compressed point) */
    size_t encoded_len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        AW_PKI_POINT_SIZE, &encoded_len) == 1 &&
        encoded_len == AW_PKI_POINT_SIZE && point[0] == 0x04)
        return AW_OK;
    ERR_clear_error();
    BIGNUM *x = NULL, *y = NULL;
    point[0] = 0x04;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1 ||
        BN_bn2binpad(x, point + 1, half) != half || BN_bn2binpad(y, point + 1 + half, half) != half) {
        memset(point, 0, AW_PKI_POINT_SIZE);
        err = AW_ERR_PKI_CURVE;
    }
    BN_free(x);
    BN_free(y);
    ERR_clear_error();
    return err;
}

static aw_err copy_key_id(const ASN1_OCTET_STRING *id, aw_pki_key_id *out)
{
    if (id == NULL || id->length <= 0 || id->length > AW_PKI_KEY_ID_MAX)
        return AW_ERR_PKI_EXTENSION;
    memcpy(out->bytes, id->data, (size_t)id->length);
    out->len = (size_t)id->length;
    return AW_OK;
}

aw_err pki_certificate_get_subject_key_id(const pki_certificate *cert, aw_pki_key_id *out)
{
    if (cert == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    return copy_key_id(X509_get0_subject_key_id(cert->x509), out);
}

aw_err pki_certificate_get_authority_key_id(const pki_certificate *cert, aw_pki_key_id *out)
{
    if (cert == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    return copy_key_id(X509_get0_authority_key_id(cert->x509), out);
}

aw_err pki_certificate_get_eid(const pki_certificate *cert, char out[AW_PKI_EID_DIGITS + 1])
{
    if (cert == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    out[0] = '\0';
    const X509_NAME *subject = X509_get_subject_name(cert->x509);
    int idx = X509_NAME_get_index_by_NID(subject, NID_serialNumber, -1);
    if (idx < 0)
        return AW_ERR_PKI_EID;
    /* exactly one serialNumber attribute, or the EID is ambiguous */
    if (X509_NAME_get_index_by_NID(subject, NID_serialNumber, idx) >= 0)
        return AW_ERR_PKI_EID_FORMAT;
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    if (value == NULL || ASN1_STRING_length(value) != AW_PKI_EID_DIGITS)
        return AW_ERR_PKI_EID_FORMAT;
    char eid[AW_PKI_EID_DIGITS + 1];
    memcpy(eid, ASN1_STRING_get0_data(value), AW_PKI_EID_DIGITS);
    eid[AW_PKI_EID_DIGITS] = '\0';
    aw_err err = pki_eid_validate(eid);
    if (err != AW_OK)
        return err;
    memcpy(out, eid, sizeof(eid));
    return AW_OK;
}

aw_err pki_certificate_get_registered_id(const pki_certificate *cert, char *out, size_t out_cap)
{
    if (cert == NULL || out == NULL || out_cap == 0)
        return AW_ERR_ARGUMENT;
    out[0] = '\0';
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert->x509, NID_subject_alt_name, &crit, NULL);
    if (names == NULL) {
        ERR_clear_error();
        return AW_ERR_PKI_SUBJECT_ALT_NAME;
    }
    aw_err err = AW_ERR_PKI_SUBJECT_ALT_NAME;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_RID)
            continue;
        char oid[128];
        int w = OBJ_obj2txt(oid, sizeof(oid), gn->d.registeredID, 1);
        if (w <= 0 || (size_t)w >= sizeof(oid))
            break;
        if ((size_t)w >= out_cap) {
            err = AW_ERR_BUFFER_TOO_SMALL;
            break;
        }
        memcpy(out, oid, (size_t)w + 1);
        err = AW_OK;
        break;
    }
    GENERAL_NAMES_free(names);
    return err;
}
