/* airwrite core: issuing RSP certificates for test PKIs, following the
 * SGP.22 4.5.2.1 certificate profiles (Variant O) and the SGP.26 test
 * certificates' layout. */
#include "core/pki.h"
#include "core/pki_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509v3.h>

/* Subject organisation of the test EUM; the eUICC subject repeats it so it
 * falls inside the EUM's name constraints (SGP.22 4.5.2.1.0.2). */
#define TEST_EUM_ORGANIZATION "airwrite Test EUM"
#define TEST_ORGANIZATION "airwrite"
/* EIN of the default EID (SGP.29: the EUM identification number) */
#define TEST_EUM_EIN "89049032"

#define HOUR 3600
#define YEAR (365 * 24 * HOUR)

aw_err pki_generate_key(aw_pki_curve curve, EVP_PKEY **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if ((unsigned)curve >= AW_PKI_CURVE__COUNT)
        return AW_ERR_PKI_CURVE;
    *out = EVP_EC_gen(pki_curve_group_name(curve));
    if (*out == NULL) {
        ERR_clear_error();
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

/* Add an extension given in OpenSSL's configuration syntax
 * (e.g. "critical,CA:TRUE"). */
static aw_err add_extension(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (ext == NULL)
        return AW_ERR_CRYPTO;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? AW_OK : AW_ERR_CRYPTO;
}

/* certificatePolicies with one policy OID (the role's id-rspRole). */
static aw_err add_policy(X509 *x, const char *oid, bool critical)
{
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    POLICYINFO *info = POLICYINFO_new();
    aw_err err = AW_ERR_CRYPTO;
    if (pols == NULL || info == NULL)
        goto cleanup;
    ASN1_OBJECT_free(info->policyid);
    info->policyid = OBJ_txt2obj(oid, 1);
    if (info->policyid == NULL || !sk_POLICYINFO_push(pols, info))
        goto cleanup;
    info = NULL;
    if (X509_add1_ext_i2d(x, NID_certificate_policies, pols, critical, X509V3_ADD_DEFAULT) == 1)
        err = AW_OK;
cleanup:
    POLICYINFO_free(info);
    CERTIFICATEPOLICIES_free(pols);
    return err;
}

/* One permitted directoryName subtree with O and optionally serialNumber. */
static aw_err add_dirname_subtree(NAME_CONSTRAINTS *nc, const char *org, const char *ein)
{
    GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();
    X509_NAME *name = X509_NAME_new();
    aw_err err = AW_ERR_CRYPTO;
    if (st == NULL || name == NULL)
        goto cleanup;
    if (!X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
                                    (const unsigned char *)org, -1, -1, 0))
        goto cleanup;
    if (ein != NULL && !X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                                   (const unsigned char *)ein, -1, -1, 0))
        goto cleanup;
    st->base->type = GEN_DIRNAME;
    st->base->d.directoryName = name;
    name = NULL;
    if (!sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, st))
        goto cleanup;
    st = NULL;
    err = AW_OK;
cleanup:
    X509_NAME_free(name);
    GENERAL_SUBTREE_free(st);
    return err;
}

/* SGP.22 4.5.2.1.0.2: the EUM certificate's nameConstraints permit the
 * directoryName O=<EUM>, serialNumber=<EIN>; an eUICC serialNumber (the EID)
 * starts with the EIN. RFC 5280 matching (openssl verify) compares whole
 * attribute values, so a subtree with the organisation alone is added too:
 * RFC 5280 validators accept the eUICC through it, and pki_verify applies the
 * SGP.22 EIN-prefix rule from the subtree that names the EIN. */
static aw_err add_eum_name_constraints(X509 *x, const char *org, const char *ein)
{
    NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
    aw_err err = AW_ERR_CRYPTO;
    if (nc == NULL)
        return AW_ERR_NOMEM;
    nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
    if (nc->permittedSubtrees == NULL)
        goto cleanup;
    if ((err = add_dirname_subtree(nc, org, NULL)) != AW_OK ||
        (err = add_dirname_subtree(nc, org, ein)) != AW_OK)
        goto cleanup;
    err = X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT) == 1
              ? AW_OK : AW_ERR_CRYPTO;
cleanup:
    NAME_CONSTRAINTS_free(nc);
    return err;
}

static aw_err set_subject(X509 *x, const pki_issue_request *req)
{
    X509_NAME *name = X509_get_subject_name(x);
    if (req->organization != NULL &&
        !X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
                                    (const unsigned char *)req->organization, -1, -1, 0))
        return AW_ERR_CRYPTO;
    /* SGP.22 4.5.2.1.0.2: the eUICC's subject serialNumber is its EID */
    if (req->role == AW_PKI_ROLE_EUICC &&
        !X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                    (const unsigned char *)req->eid, -1, -1, 0))
        return AW_ERR_CRYPTO;
    if (req->common_name != NULL &&
        !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                    (const unsigned char *)req->common_name, -1, -1, 0))
        return AW_ERR_CRYPTO;
    return AW_OK;
}

/* "RID:<oid>,DNS:<name>,IP:<addr>..." for subjectAltName. */
static aw_err build_subject_alt_name(const pki_issue_request *req, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    if (req->registered_id != NULL) {
        int n = snprintf(out, cap, "RID:%s", req->registered_id);
        if (n < 0 || (size_t)n >= cap)
            return AW_ERR_LIMIT;
        used = (size_t)n;
    }
    for (size_t i = 0; i < req->dns_name_count; i++) {
        const char *entry = req->dns_names[i];
        if (entry == NULL || entry[0] == '\0' || strchr(entry, ',') != NULL)
            return AW_ERR_ARGUMENT;
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(entry);
        const char *kind = ip != NULL ? "IP" : "DNS";
        ASN1_OCTET_STRING_free(ip);
        ERR_clear_error();
        int n = snprintf(out + used, cap - used, "%s%s:%s", used ? "," : "", kind, entry);
        if (n < 0 || (size_t)n >= cap - used)
            return AW_ERR_LIMIT;
        used += (size_t)n;
    }
    return AW_OK;
}

/* The extensions of each role's SGP.22 4.5.2.1 profile. */
static aw_err add_role_extensions(X509 *x, X509V3_CTX *ctx, const pki_issue_request *req)
{
    const char *oid = pki_role_policy_oid(req->role);
    aw_err err;

    if ((err = add_extension(x, ctx, NID_subject_key_identifier, "hash")) != AW_OK)
        return err;
    if (req->role != AW_PKI_ROLE_CI &&
        (err = add_extension(x, ctx, NID_authority_key_identifier, "keyid:always")) != AW_OK)
        return err;
    if (req->role == AW_PKI_ROLE_CI)
        err = add_extension(x, ctx, NID_basic_constraints, "critical,CA:TRUE");
    else if (req->role == AW_PKI_ROLE_EUM)
        err = add_extension(x, ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    if (err != AW_OK)
        return err;
    const char *ku = req->role == AW_PKI_ROLE_CI    ? "critical,keyCertSign,cRLSign"
                     : req->role == AW_PKI_ROLE_EUM ? "critical,keyCertSign"
                                                    : "critical,digitalSignature";
    if ((err = add_extension(x, ctx, NID_key_usage, ku)) != AW_OK)
        return err;
    /* SGP.26 marks the policies critical on CI, EUM, eUICC, DPauth, DPpb */
    if (oid != NULL && (err = add_policy(x, oid, req->role != AW_PKI_ROLE_DP_TLS)) != AW_OK)
        return err;
    if (req->role == AW_PKI_ROLE_DP_TLS &&
        (err = add_extension(x, ctx, NID_ext_key_usage, "critical,serverAuth,clientAuth")) != AW_OK)
        return err;
    if (req->role == AW_PKI_ROLE_EUM && req->eum_ein != NULL && req->organization != NULL &&
        (err = add_eum_name_constraints(x, req->organization, req->eum_ein)) != AW_OK)
        return err;
    char san[1024];
    if ((err = build_subject_alt_name(req, san, sizeof(san))) != AW_OK)
        return err;
    if (san[0] != '\0')
        err = add_extension(x, ctx, NID_subject_alt_name, san);
    return err;
}

static aw_err set_random_serial(X509 *x)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return AW_ERR_CRYPTO;
    raw[0] = (unsigned char)((raw[0] & 0x7F) | 0x40); /* positive, 16 octets */
    BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
    aw_err err = AW_ERR_CRYPTO;
    if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
        err = AW_OK;
    BN_free(bn);
    return err;
}

static aw_err check_request(const pki_issue_request *req, EVP_PKEY *subject_key,
                            const pki_certificate *issuer, EVP_PKEY *issuer_key)
{
    if (req == NULL || subject_key == NULL || (unsigned)req->role >= AW_PKI_ROLE__COUNT ||
        req->not_after <= req->not_before || (req->dns_name_count > 0 && req->dns_names == NULL))
        return AW_ERR_ARGUMENT;
    if ((issuer == NULL) != (issuer_key == NULL) ||
        (issuer == NULL && req->role != AW_PKI_ROLE_CI))
        return AW_ERR_ARGUMENT;
    if (req->role == AW_PKI_ROLE_EUICC)
        return pki_eid_validate(req->eid);
    return AW_OK;
}

aw_err pki_issue_certificate(const pki_issue_request *req, EVP_PKEY *subject_key,
                             const pki_certificate *issuer, EVP_PKEY *issuer_key,
                             pki_certificate **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    aw_err err = check_request(req, subject_key, issuer, issuer_key);
    if (err != AW_OK)
        return err;
    X509 *x = X509_new();
    if (x == NULL)
        return AW_ERR_NOMEM;
    time_t not_before = req->not_before, not_after = req->not_after;
    err = AW_ERR_CRYPTO;
    if (!X509_set_version(x, 2) || set_random_serial(x) != AW_OK ||
        X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &not_before) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &not_after) == NULL ||
        !X509_set_pubkey(x, subject_key))
        goto cleanup;
    if ((err = set_subject(x, req)) != AW_OK)
        goto cleanup;
    X509 *issuer_x509 = issuer != NULL ? issuer->x509 : x;
    err = AW_ERR_CRYPTO;
    if (!X509_set_issuer_name(x, X509_get_subject_name(issuer_x509)))
        goto cleanup;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer_x509, x, NULL, NULL, 0);
    if ((err = add_role_extensions(x, &ctx, req)) != AW_OK)
        goto cleanup;
    /* SGP.22 2.6.5: ecdsa-with-SHA256 */
    if (X509_sign(x, issuer_key != NULL ? issuer_key : subject_key, EVP_sha256()) <= 0) {
        err = AW_ERR_CRYPTO;
        goto cleanup;
    }
    err = pki_certificate_from_x509(x, out);
cleanup:
    X509_free(x);
    ERR_clear_error();
    return err;
}

/* ---- A complete test hierarchy ------------------------------------------ */

void pki_hierarchy_free(pki_hierarchy *h)
{
    if (h == NULL)
        return;
    for (int r = 0; r < AW_PKI_ROLE__COUNT; r++) {
        pki_certificate_free(h->cert[r]);
        EVP_PKEY_free(h->key[r]);
        h->cert[r] = NULL;
        h->key[r] = NULL;
    }
}

aw_err pki_issue_hierarchy(const pki_hierarchy_params *params, pki_hierarchy *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (params == NULL || (unsigned)params->curve >= AW_PKI_CURVE__COUNT ||
        (params->tls_name_count > 0 && params->tls_names == NULL))
        return AW_ERR_ARGUMENT;
    static const char *const default_tls_names[] = {"localhost", "127.0.0.1", "::1"};
    const char *const *tls_names = params->tls_names;
    size_t tls_count = params->tls_name_count;
    if (tls_count == 0) {
        tls_names = default_tls_names;
        tls_count = sizeof(default_tls_names) / sizeof(default_tls_names[0]);
    }
    const char *eid = params->eid != NULL ? params->eid : AW_PKI_DEFAULT_EID;
    aw_err err = pki_eid_validate(eid);
    if (err != AW_OK)
        return err;

    time_t start = params->now - HOUR;
    /* issuing order: the CI first, the EUM before the eUICC */
    static const aw_pki_role order[] = {AW_PKI_ROLE_CI, AW_PKI_ROLE_EUM, AW_PKI_ROLE_EUICC,
                                        AW_PKI_ROLE_DP_AUTH, AW_PKI_ROLE_DP_PB,
                                        AW_PKI_ROLE_DP_TLS, AW_PKI_ROLE_EIM};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        aw_pki_role role = order[i];
        pki_issue_request req = {
            .role = role,
            .organization = TEST_ORGANIZATION,
            .not_before = start,
            .not_after = params->now + 3 * (time_t)YEAR,
        };
        aw_pki_role issuer = AW_PKI_ROLE_CI;
        switch (role) {
        case AW_PKI_ROLE_CI:
            req.common_name = "airwrite Test CI";
            req.not_after = params->now + 30 * (time_t)YEAR;
            req.registered_id = "2.999.1";
            break;
        case AW_PKI_ROLE_EUM:
            req.organization = TEST_EUM_ORGANIZATION;
            req.common_name = "airwrite Test EUM";
            /* the EIN is the leading digits of the eUICC's EID */
            req.eum_ein = strncmp(eid, TEST_EUM_EIN, strlen(TEST_EUM_EIN)) == 0 ? TEST_EUM_EIN
                                                                                  : NULL;
            break;
        case AW_PKI_ROLE_EUICC:
            req.organization = TEST_EUM_ORGANIZATION;
            req.common_name = "airwrite Test eUICC";
            req.eid = eid;
            issuer = AW_PKI_ROLE_EUM;
            break;
        case AW_PKI_ROLE_DP_AUTH:
        case AW_PKI_ROLE_DP_PB:
            req.common_name = "airwrite Test SM-DP+";
            req.registered_id = AW_PKI_TEST_SMDP_OID;
            break;
        case AW_PKI_ROLE_DP_TLS:
            req.common_name = tls_names[0];
            req.registered_id = AW_PKI_TEST_SMDP_OID;
            req.dns_names = tls_names;
            req.dns_name_count = tls_count;
            break;
        case AW_PKI_ROLE_EIM:
        case AW_PKI_ROLE__COUNT:
            req.common_name = "airwrite Test eIM";
            break;
        }
        if ((err = pki_generate_key(params->curve, &out->key[role])) != AW_OK)
            goto fail;
        bool self = role == AW_PKI_ROLE_CI;
        err = pki_issue_certificate(&req, out->key[role], self ? NULL : out->cert[issuer],
                                    self ? NULL : out->key[issuer], &out->cert[role]);
        if (err != AW_OK)
            goto fail;
    }
    return AW_OK;
fail:
    pki_hierarchy_free(out);
    return err;
}
