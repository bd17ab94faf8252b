/* airwrite core: RSP certificate profile checks and chain verification
 * (SGP.22 4.5.2.1 "Certificate profiles", 4.5.2.2 "Certificate verification";
 * SGP.32 2.6 for the eIM certificate). */
#include "core/pki.h"
#include "core/pki_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

/* Most CIs a verifier can hold; SGP.22 eUICCs list a handful of PKIDs. */
#define PKI_TRUST_STORE_MAX 64u

/* SGP.22 4.5.2.1.0.x: what each role's certificate must carry (Variant O). */
typedef struct role_profile {
    bool ca;                 /* basicConstraints cA TRUE (critical) required */
    int path_len;            /* required pathLenConstraint, -1 for none required */
    uint32_t key_usage;      /* keyUsage bits that must be set */
    uint32_t key_usage_may;  /* further bits allowed */
    bool server_auth;        /* extendedKeyUsage must include id-kp-serverAuth */
    bool registered_id;      /* subjectAltName must carry the SM-DP+ OID */
} role_profile;

static const role_profile profiles[AW_PKI_ROLE__COUNT] = {
    /* 4.5.2.1.0.1 CERT.CI.ECDSA: keyCertSign and cRLSign, cA TRUE */
    [AW_PKI_ROLE_CI] = {true, -1, KU_KEY_CERT_SIGN | KU_CRL_SIGN, 0, false, false},
    /* 4.5.2.1.0.2 CERT.EUM.ECDSA: keyCertSign, cA TRUE, pathLen 0 */
    [AW_PKI_ROLE_EUM] = {true, 0, KU_KEY_CERT_SIGN, KU_CRL_SIGN, false, false},
    /* 4.5.2.1.0.2 CERT.EUICC.ECDSA: digitalSignature */
    [AW_PKI_ROLE_EUICC] = {false, -1, KU_DIGITAL_SIGNATURE, 0, false, false},
    /* 4.5.2.1.0.3 CERT.DPauth.ECDSA / CERT.DPpb.ECDSA: digitalSignature, SM-DP+ OID */
    [AW_PKI_ROLE_DP_AUTH] = {false, -1, KU_DIGITAL_SIGNATURE, 0, false, true},
    [AW_PKI_ROLE_DP_PB] = {false, -1, KU_DIGITAL_SIGNATURE, 0, false, true},
    /* 4.5.2.1.0.4 CERT.DP.TLS: digitalSignature, serverAuth (clientAuth allowed) */
    [AW_PKI_ROLE_DP_TLS] = {false, -1, KU_DIGITAL_SIGNATURE, 0, true, true},
    /* SGP.32 eIM signing certificate: an end entity that signs eUICC Packages */
    [AW_PKI_ROLE_EIM] = {false, -1, KU_DIGITAL_SIGNATURE, 0, false, false},
};

static bool key_id_equal(const aw_pki_key_id *a, const aw_pki_key_id *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static bool extension_critical(const X509 *x, int nid)
{
    int idx = X509_get_ext_by_NID(x, nid, -1);
    return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx)) == 1;
}

static aw_err check_validity(const X509 *x, time_t now)
{
    int before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), now);
    int after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), now);
    if (before == -2 || after == -2)
        return AW_ERR_PKI_PARSE;
    if (before > 0)
        return AW_ERR_PKI_NOT_YET_VALID;
    if (after < 0)
        return AW_ERR_PKI_EXPIRED;
    return AW_OK;
}

static aw_err check_policy(const pki_certificate *cert, aw_pki_role role)
{
    pki_policy_list pols;
    aw_err err = pki_policy_oids(cert, &pols);
    if (err != AW_OK)
        return err;
    if (role == AW_PKI_ROLE_EIM) /* no id-rspRole at all: see pki.h */
        return pols.rsp_count == 0 ? AW_OK : AW_ERR_PKI_POLICY;
    /* exactly the role's id-rspRole, and no second RSP role beside it */
    return pols.has_role[role] && pols.rsp_count == 1 ? AW_OK : AW_ERR_PKI_POLICY;
}

static aw_err check_key_usage(const X509 *x, const role_profile *p)
{
    uint32_t flags = X509_get_extension_flags((X509 *)x);
    if (!(flags & EXFLAG_KUSAGE) || !extension_critical(x, NID_key_usage))
        return AW_ERR_PKI_KEY_USAGE; /* SGP.22 4.5.2.1: keyUsage is critical */
    uint32_t ku = X509_get_key_usage((X509 *)x);
    if ((ku & p->key_usage) != p->key_usage || (ku & ~(p->key_usage | p->key_usage_may)) != 0)
        return AW_ERR_PKI_KEY_USAGE;
    return AW_OK;
}

static aw_err check_basic_constraints(const X509 *x, const role_profile *p)
{
    uint32_t flags = X509_get_extension_flags((X509 *)x);
    bool is_ca = (flags & EXFLAG_BCONS) && (flags & EXFLAG_CA);
    if (!p->ca)
        return is_ca ? AW_ERR_PKI_BASIC_CONSTRAINTS : AW_OK;
    if (!is_ca || !extension_critical(x, NID_basic_constraints))
        return AW_ERR_PKI_BASIC_CONSTRAINTS;
    if (p->path_len >= 0 && X509_get_pathlen((X509 *)x) != p->path_len)
        return AW_ERR_PKI_BASIC_CONSTRAINTS;
    return AW_OK;
}

static aw_err check_key_ids(const pki_certificate *cert, aw_pki_role role)
{
    aw_pki_key_id ski, aki;
    aw_err err = pki_certificate_get_subject_key_id(cert, &ski);
    if (err != AW_OK)
        return err;
    /* SGP.22 4.5.2.2: every certificate has SKI and AKI, except the CI
     * certificate, which has only the SKI (an AKI, if any, must be its own). */
    err = pki_certificate_get_authority_key_id(cert, &aki);
    if (role == AW_PKI_ROLE_CI) {
        if (X509_get0_authority_key_id(cert->x509) == NULL)
            return AW_OK;
        return err == AW_OK && key_id_equal(&ski, &aki) ? AW_OK : AW_ERR_PKI_EXTENSION;
    }
    return err;
}

static aw_err check_role_profile(const pki_certificate *cert, aw_pki_role role,
                                 bool check_time, time_t now)
{
    if (cert == NULL || (unsigned)role >= AW_PKI_ROLE__COUNT)
        return AW_ERR_ARGUMENT;
    const role_profile *p = &profiles[role];
    const X509 *x = cert->x509;
    uint32_t flags = X509_get_extension_flags((X509 *)x);
    if (flags & EXFLAG_INVALID)
        return AW_ERR_PKI_PARSE;
    /* SGP.22 2.6.5 / 4.5.2.1: ECDSA with SHA-256 on an allowed curve */
    if (X509_get_signature_nid(x) != NID_ecdsa_with_SHA256)
        return AW_ERR_PKI_ALGORITHM;
    aw_pki_curve curve;
    aw_err err = pki_certificate_get_curve(cert, &curve);
    if (err != AW_OK)
        return err;
    if (check_time && (err = check_validity(x, now)) != AW_OK)
        return err;
    /* 4.5.2.2: "define all critical extensions for its profile" */
    if (flags & EXFLAG_CRITICAL)
        return AW_ERR_PKI_CRITICAL_EXTENSION;
    if ((err = check_policy(cert, role)) != AW_OK)
        return err;
    if ((err = check_key_usage(x, p)) != AW_OK)
        return err;
    if ((err = check_basic_constraints(x, p)) != AW_OK)
        return err;
    if (p->server_auth) {
        if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage((X509 *)x) & XKU_SSL_SERVER))
            return AW_ERR_PKI_EXTENDED_KEY_USAGE;
    }
    if ((err = check_key_ids(cert, role)) != AW_OK)
        return err;
    if (p->registered_id) {
        char oid[128];
        if ((err = pki_certificate_get_registered_id(cert, oid, sizeof(oid))) != AW_OK)
            return err == AW_ERR_BUFFER_TOO_SMALL ? AW_ERR_PKI_SUBJECT_ALT_NAME : err;
    }
    if (role == AW_PKI_ROLE_EUICC) {
        char eid[AW_PKI_EID_DIGITS + 1];
        if ((err = pki_certificate_get_eid(cert, eid)) != AW_OK)
            return err;
    }
    return AW_OK;
}

aw_err pki_check_role(const pki_certificate *cert, aw_pki_role role, time_t now)
{
    return check_role_profile(cert, role, true, now);
}

/* Curves of a certificate and its issuer's key must agree (SGP.22 2.6.5:
 * all certificates of a chain use the same curve). */
static aw_err check_same_curve(const pki_certificate *cert, EVP_PKEY *issuer_key)
{
    aw_pki_curve curve;
    aw_err err = pki_certificate_get_curve(cert, &curve);
    if (err != AW_OK)
        return err;
    char group[64];
    size_t glen = 0;
    if (issuer_key == NULL || !EVP_PKEY_get_group_name(issuer_key, group, sizeof(group), &glen)) {
        ERR_clear_error();
        return AW_ERR_PKI_CURVE;
    }
    return strcmp(group, pki_curve_group_name(curve)) == 0 ? AW_OK : AW_ERR_PKI_CURVE_MISMATCH;
}

static aw_err check_signature(const pki_certificate *cert, EVP_PKEY *issuer_key)
{
    /* X509_verify checks the signature over the exact tbsCertificate bytes
     * received (d2i keeps the original encoding). */
    int ok = X509_verify(cert->x509, issuer_key);
    ERR_clear_error();
    return ok == 1 ? AW_OK : AW_ERR_PKI_SIGNATURE;
}

aw_err pki_check_issued_by(const pki_certificate *cert, const pki_certificate *issuer)
{
    if (cert == NULL || issuer == NULL)
        return AW_ERR_ARGUMENT;
    aw_pki_key_id aki, ski;
    aw_err err = pki_certificate_get_authority_key_id(cert, &aki);
    if (err != AW_OK)
        return err;
    if ((err = pki_certificate_get_subject_key_id(issuer, &ski)) != AW_OK)
        return err;
    if (!key_id_equal(&aki, &ski) ||
        X509_NAME_cmp(X509_get_issuer_name(cert->x509), X509_get_subject_name(issuer->x509)) != 0)
        return AW_ERR_PKI_ISSUER;
    EVP_PKEY *key = X509_get0_pubkey(issuer->x509);
    if ((err = check_same_curve(cert, key)) != AW_OK)
        return err;
    return check_signature(cert, key);
}

/* ---- Trust store ---------------------------------------------------------- */

typedef struct trust_entry {
    aw_pki_key_id pkid;
    EVP_PKEY *key;
    pki_certificate *cert;   /* NULL for a bare key */
} trust_entry;

struct pki_trust_store {
    trust_entry entries[PKI_TRUST_STORE_MAX];
    size_t count;
};

aw_err pki_trust_store_new(pki_trust_store **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? AW_ERR_NOMEM : AW_OK;
}

void pki_trust_store_free(pki_trust_store *store)
{
    if (store == NULL)
        return;
    for (size_t i = 0; i < store->count; i++) {
        EVP_PKEY_free(store->entries[i].key);
        pki_certificate_free(store->entries[i].cert);
    }
    free(store);
}

size_t pki_trust_store_count(const pki_trust_store *store)
{
    return store == NULL ? 0 : store->count;
}

static const trust_entry *find_ci(const pki_trust_store *store, const aw_pki_key_id *pkid)
{
    for (size_t i = 0; i < store->count; i++) {
        if (key_id_equal(&store->entries[i].pkid, pkid))
            return &store->entries[i];
    }
    return NULL;
}

static aw_err trust_store_add(pki_trust_store *store, const aw_pki_key_id *pkid, EVP_PKEY *key,
                              pki_certificate *cert)
{
    if (find_ci(store, pkid) != NULL)
        return AW_ERR_STATE;
    if (store->count == PKI_TRUST_STORE_MAX)
        return AW_ERR_LIMIT;
    if (!EVP_PKEY_up_ref(key))
        return AW_ERR_CRYPTO;
    trust_entry *e = &store->entries[store->count++];
    e->pkid = *pkid;
    e->key = key;
    e->cert = cert;
    return AW_OK;
}

aw_err pki_trust_store_add_ci(pki_trust_store *store, const pki_certificate *ci)
{
    if (store == NULL || ci == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = check_role_profile(ci, AW_PKI_ROLE_CI, false, 0);
    if (err != AW_OK)
        return err;
    /* self-signed: its own subject as issuer, signature under its own key */
    if (X509_NAME_cmp(X509_get_issuer_name(ci->x509), X509_get_subject_name(ci->x509)) != 0)
        return AW_ERR_PKI_ISSUER;
    EVP_PKEY *key = X509_get0_pubkey(ci->x509);
    if ((err = check_signature(ci, key)) != AW_OK)
        return err;
    aw_pki_key_id pkid;
    if ((err = pki_certificate_get_subject_key_id(ci, &pkid)) != AW_OK)
        return err;
    pki_certificate *copy = NULL;
    if ((err = pki_certificate_parse(ci->der, ci->der_len, &copy)) != AW_OK)
        return err;
    err = trust_store_add(store, &pkid, key, copy);
    if (err != AW_OK)
        pki_certificate_free(copy);
    return err;
}

aw_err pki_trust_store_add_ci_key(pki_trust_store *store, EVP_PKEY *key, const aw_pki_key_id *pkid)
{
    if (store == NULL || key == NULL || pkid == NULL || pkid->len == 0 ||
        pkid->len > AW_PKI_KEY_ID_MAX)
        return AW_ERR_ARGUMENT;
    char group[64];
    size_t glen = 0;
    if (!EVP_PKEY_is_a(key, "EC") || !EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) ||
        (strcmp(group, "prime256v1") != 0 && strcmp(group, "brainpoolP256r1") != 0)) {
        ERR_clear_error();
        return AW_ERR_PKI_CURVE;
    }
    return trust_store_add(store, pkid, key, NULL);
}

/* ---- Chains ------------------------------------------------------------- */

/* Find the CI that issued cert (by its AKI), check it is allowed and valid,
 * and that it issued cert. */
static aw_err verify_against_ci(const pki_trust_store *store, const pki_certificate *cert,
                                const pki_verify_options *options, aw_pki_key_id *pkid_out)
{
    aw_pki_key_id aki;
    aw_err err = pki_certificate_get_authority_key_id(cert, &aki);
    if (err != AW_OK)
        return err;
    const trust_entry *ci = find_ci(store, &aki);
    if (ci == NULL)
        return AW_ERR_PKI_UNKNOWN_CI;
    if (options->ci_pkids != NULL) {
        bool allowed = false;
        for (size_t i = 0; i < options->ci_pkid_count && !allowed; i++)
            allowed = key_id_equal(&options->ci_pkids[i], &aki);
        if (!allowed)
            return AW_ERR_PKI_CI_NOT_ALLOWED;
    }
    if (ci->cert != NULL) {
        if ((err = check_validity(ci->cert->x509, options->now)) != AW_OK)
            return err;
        err = pki_check_issued_by(cert, ci->cert);
    } else {
        if ((err = check_same_curve(cert, ci->key)) != AW_OK)
            return err;
        err = check_signature(cert, ci->key);
    }
    if (err == AW_OK)
        *pkid_out = ci->pkid;
    return err;
}

static void result_clear(pki_verify_result *result)
{
    if (result != NULL)
        memset(result, 0, sizeof(*result));
}

aw_err pki_verify_server_certificate(const pki_trust_store *store, const pki_certificate *cert,
                                     aw_pki_role role, const pki_verify_options *options,
                                     pki_verify_result *result)
{
    result_clear(result);
    if (store == NULL || cert == NULL || options == NULL)
        return AW_ERR_ARGUMENT;
    if (role != AW_PKI_ROLE_DP_AUTH && role != AW_PKI_ROLE_DP_PB && role != AW_PKI_ROLE_DP_TLS &&
        role != AW_PKI_ROLE_EIM)
        return AW_ERR_ARGUMENT;
    aw_err err = pki_check_role(cert, role, options->now);
    if (err != AW_OK)
        return err;
    aw_pki_key_id pkid;
    if ((err = verify_against_ci(store, cert, options, &pkid)) != AW_OK)
        return err;
    if (result != NULL) {
        result->ci_pkid = pkid;
        (void)pki_certificate_get_curve(cert, &result->curve);
    }
    return AW_OK;
}

/* First value of an attribute in a name, as UTF-8 (caller frees), or NULL. */
static char *name_attribute(const X509_NAME *name, int nid)
{
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0)
        return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (n < 0) {
        ERR_clear_error();
        return NULL;
    }
    return (char *)utf8;
}

/* SGP.22 4.5.2.1.0.2: the eUICC subject's organisation must be one the EUM's
 * nameConstraints permit, and when a permitted directoryName with that
 * organisation also names a serialNumber (the EIN / IIN), the EID must begin
 * with it. Only directoryName subtrees are RSP constraints; others are
 * ignored here. */
static aw_err check_name_constraints(const pki_certificate *eum, const pki_certificate *euicc,
                                     const char *eid)
{
    int crit = 0;
    NAME_CONSTRAINTS *nc = X509_get_ext_d2i(eum->x509, NID_name_constraints, &crit, NULL);
    if (nc == NULL) {
        ERR_clear_error();
        return crit == -1 ? AW_OK : AW_ERR_PKI_NAME_CONSTRAINTS;
    }
    aw_err err = AW_OK;
    char *org = name_attribute(X509_get_subject_name(euicc->x509), NID_organizationName);
    bool any_dirname = false, org_ok = false, prefix_named = false, prefix_ok = false;
    for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
        const GENERAL_SUBTREE *st = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i);
        if (st->base == NULL || st->base->type != GEN_DIRNAME)
            continue;
        any_dirname = true;
        const X509_NAME *base = st->base->d.directoryName;
        char *base_org = name_attribute(base, NID_organizationName);
        char *base_ein = name_attribute(base, NID_serialNumber);
        bool match = base_org != NULL && org != NULL && strcmp(base_org, org) == 0;
        if (match) {
            org_ok = true;
            if (base_ein != NULL) {
                prefix_named = true;
                size_t n = strlen(base_ein);
                if (n <= AW_PKI_EID_DIGITS && strncmp(eid, base_ein, n) == 0)
                    prefix_ok = true;
            }
        }
        OPENSSL_free(base_org);
        OPENSSL_free(base_ein);
    }
    if (any_dirname && (!org_ok || (prefix_named && !prefix_ok)))
        err = AW_ERR_PKI_NAME_CONSTRAINTS;
    OPENSSL_free(org);
    NAME_CONSTRAINTS_free(nc);
    return err;
}

aw_err pki_verify_euicc_chain(const pki_trust_store *store, const pki_certificate *eum,
                              const pki_certificate *euicc, const pki_verify_options *options,
                              pki_verify_result *result)
{
    result_clear(result);
    if (store == NULL || eum == NULL || euicc == NULL || options == NULL)
        return AW_ERR_ARGUMENT;
    /* SGP.22 5.6.13 / 4.5.2.2: CERT.EUM.ECDSA against the CI first ... */
    aw_err err = pki_check_role(eum, AW_PKI_ROLE_EUM, options->now);
    if (err != AW_OK)
        return err;
    aw_pki_key_id pkid;
    if ((err = verify_against_ci(store, eum, options, &pkid)) != AW_OK)
        return err;
    /* ... then CERT.EUICC.ECDSA against the EUM */
    if ((err = pki_check_role(euicc, AW_PKI_ROLE_EUICC, options->now)) != AW_OK)
        return err;
    if ((err = pki_check_issued_by(euicc, eum)) != AW_OK)
        return err;
    char eid[AW_PKI_EID_DIGITS + 1];
    if ((err = pki_certificate_get_eid(euicc, eid)) != AW_OK)
        return err;
    if ((err = check_name_constraints(eum, euicc, eid)) != AW_OK)
        return err;
    if (options->expected_eid != NULL && strcmp(options->expected_eid, eid) != 0)
        return AW_ERR_PKI_EID;
    if (result != NULL) {
        result->ci_pkid = pkid;
        (void)pki_certificate_get_curve(euicc, &result->curve);
        memcpy(result->eid, eid, sizeof(eid));
    }
    return AW_OK;
}
