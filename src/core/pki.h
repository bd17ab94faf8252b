/* airwrite core: RSP certificates and chains (SGP.22 4.5 "Certificates",
 * 4.5.2 certificate profiles, Variant O; SGP.32 2.6 for the eIM certificate).
 *
 * OpenSSL 3 parses certificates and checks signatures; the RSP rules (roles
 * from certificate policies, key usage and basic constraints per role,
 * SKI/AKI chaining, CI PKID lists, the EID in the eUICC certificate, the
 * curves allowed) are checked here one by one, each failure with its own
 * aw_err from the AW_ERR_PKI_* group.
 *
 * Chains handled (all Variant O):
 *   CI -> EUM -> eUICC                    (SM-DP+ verifying an eUICC)
 *   CI -> DPauth | DPpb | DPtls           (eUICC / LPA verifying an SM-DP+)
 *   CI -> eIM                             (IPA / eUICC verifying an eIM)
 * "now" is always a parameter, so expiry never depends on the clock.
 */
#ifndef AIRWRITE_CORE_PKI_H
#define AIRWRITE_CORE_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/der.h"
#include "core/error.h"

/* RSP roles. The policy OIDs are id-rspRole-* (SGP.22 Annex H / 4.5.2.1,
 * arc 2.23.146.1.2.1). */
typedef enum aw_pki_role {
    AW_PKI_ROLE_CI = 0,   /* id-rspRole-ci       2.23.146.1.2.1.0 */
    AW_PKI_ROLE_EUICC,    /* id-rspRole-euicc    2.23.146.1.2.1.1 */
    AW_PKI_ROLE_EUM,      /* id-rspRole-eum      2.23.146.1.2.1.2 */
    AW_PKI_ROLE_DP_TLS,   /* id-rspRole-dp-tls   2.23.146.1.2.1.3 */
    AW_PKI_ROLE_DP_AUTH,  /* id-rspRole-dp-auth  2.23.146.1.2.1.4 */
    AW_PKI_ROLE_DP_PB,    /* id-rspRole-dp-pb    2.23.146.1.2.1.5 */
    /* SGP.32 eIM signing certificate (eimPublicKeyData.eimCertificate).
     * No id-rspRole OID for the eIM was found in the public sources
     * (SGP.32 ASN.1, SGP.22 Annex H): it is recognised by carrying no
     * id-rspRole policy at all, so no other RSP certificate can pose as it. */
    AW_PKI_ROLE_EIM,
    AW_PKI_ROLE__COUNT
} aw_pki_role;

/* Curves allowed for RSP certificates (SGP.22 2.6.5). */
typedef enum aw_pki_curve {
    AW_PKI_CURVE_NIST_P256 = 0,      /* prime256v1 / secp256r1 */
    AW_PKI_CURVE_BRAINPOOL_P256R1,   /* brainpoolP256r1 */
    AW_PKI_CURVE__COUNT
} aw_pki_curve;

/* Dotted policy OID of a role; NULL for AW_PKI_ROLE_EIM. */
const char *pki_role_policy_oid(aw_pki_role role);
/* Short name: "CI", "eUICC", "EUM", "DPtls", "DPauth", "DPpb", "eIM". */
const char *pki_role_name(aw_pki_role role);
/* OpenSSL group name ("prime256v1", "brainpoolP256r1") and display name. */
const char *pki_curve_group_name(aw_pki_curve curve);
const char *pki_curve_name(aw_pki_curve curve);

/* A key identifier (SKI/AKI keyIdentifier). A CI's PKID is its SKI
 * (SGP.22 4.5.2.1.0.1: euiccCiPKIdListForVerification / ForSigning). */
#define AW_PKI_KEY_ID_MAX 32
typedef struct aw_pki_key_id {
    uint8_t bytes[AW_PKI_KEY_ID_MAX];
    size_t len;
} aw_pki_key_id;

/* EID: 32 decimal digits, ITU-T E.118 / SGP.29 check digits (mod 97 == 1). */
#define AW_PKI_EID_DIGITS 32
/* AW_OK or AW_ERR_PKI_EID_FORMAT. */
aw_err pki_eid_validate(const char *eid);
/* Append the two check digits to 30 digits: out gets 32 digits and a NUL.
 * AW_ERR_PKI_EID_FORMAT if first30 is not exactly 30 decimal digits. */
aw_err pki_eid_complete(const char *first30, char out[AW_PKI_EID_DIGITS + 1]);

/* ---- Certificates ------------------------------------------------------ */

/* A parsed certificate: owns a copy of its DER and the OpenSSL X509. */
typedef struct pki_certificate pki_certificate;

/* Parse one DER certificate. The bytes must be exactly one well-formed DER
 * TLV (checked with the strict DER reader) that OpenSSL accepts as X.509 v3.
 * AW_ERR_PKI_PARSE otherwise. */
aw_err pki_certificate_parse(const uint8_t *der, size_t len, pki_certificate **out);
/* Parse the first "CERTIFICATE" PEM block in pem[0..len). */
aw_err pki_certificate_parse_pem(const char *pem, size_t len, pki_certificate **out);
/* Copy an OpenSSL certificate: re-encoded to DER, then parsed as above. */
aw_err pki_certificate_from_x509(X509 *x509, pki_certificate **out);
void pki_certificate_free(pki_certificate *cert);

/* Borrowed views; valid while cert lives. */
aw_slice pki_certificate_der(const pki_certificate *cert);
const X509 *pki_certificate_x509(const pki_certificate *cert);
EVP_PKEY *pki_certificate_public_key(const pki_certificate *cert);

/* Role from the certificate policies: AW_ERR_PKI_POLICY when the policies
 * name no id-rspRole or more than one; AW_PKI_ROLE_EIM is never returned
 * (see above: no policy means "no RSP role"). */
aw_err pki_certificate_get_role(const pki_certificate *cert, aw_pki_role *out);
/* Curve of the subject key: AW_ERR_PKI_CURVE when not an allowed curve. */
aw_err pki_certificate_get_curve(const pki_certificate *cert, aw_pki_curve *out);
/* The subject key as an uncompressed point 04||X||Y (AW_PKI_POINT_SIZE
 * bytes) with its curve, read from the key decoded with the certificate
 * (no second decoding). AW_ERR_PKI_CURVE as above. */
#define AW_PKI_POINT_SIZE 65
aw_err pki_certificate_get_public_point(const pki_certificate *cert, aw_pki_curve *curve,
                                        uint8_t point[AW_PKI_POINT_SIZE]);
/* SubjectKeyIdentifier / AuthorityKeyIdentifier.keyIdentifier:
 * AW_ERR_PKI_EXTENSION when absent or longer than AW_PKI_KEY_ID_MAX. */
aw_err pki_certificate_get_subject_key_id(const pki_certificate *cert, aw_pki_key_id *out);
aw_err pki_certificate_get_authority_key_id(const pki_certificate *cert, aw_pki_key_id *out);
/* EID from the subject serialNumber (SGP.22 4.5.2.1.0.2):
 * AW_ERR_PKI_EID when absent, AW_ERR_PKI_EID_FORMAT when not a valid EID. */
aw_err pki_certificate_get_eid(const pki_certificate *cert, char out[AW_PKI_EID_DIGITS + 1]);
/* First registeredID in subjectAltName as a dotted OID (the SM-DP+ OID of
 * SGP.22 4.5.2.1.0.3). AW_ERR_PKI_SUBJECT_ALT_NAME when there is none,
 * AW_ERR_BUFFER_TOO_SMALL when out_cap is short. */
aw_err pki_certificate_get_registered_id(const pki_certificate *cert, char *out, size_t out_cap);

/* Check one certificate against the SGP.22 4.5.2 profile of a role, without
 * looking at its issuer: signature algorithm ecdsa-with-SHA256, allowed curve,
 * validity at now, no unknown critical extension, policy, key usage, basic
 * constraints, extended key usage (DPtls), SKI (and AKI unless CI),
 * subjectAltName registeredID (DP certificates), EID (eUICC). Errors, in the
 * order checked: AW_ERR_PKI_PARSE (invalid extensions), AW_ERR_PKI_ALGORITHM,
 * AW_ERR_PKI_CURVE, AW_ERR_PKI_NOT_YET_VALID, AW_ERR_PKI_EXPIRED,
 * AW_ERR_PKI_CRITICAL_EXTENSION, AW_ERR_PKI_POLICY, AW_ERR_PKI_KEY_USAGE,
 * AW_ERR_PKI_BASIC_CONSTRAINTS, AW_ERR_PKI_EXTENDED_KEY_USAGE,
 * AW_ERR_PKI_EXTENSION, AW_ERR_PKI_SUBJECT_ALT_NAME, AW_ERR_PKI_EID,
 * AW_ERR_PKI_EID_FORMAT. */
aw_err pki_check_role(const pki_certificate *cert, aw_pki_role role, time_t now);

/* Check that issuer issued cert: AKI equals the issuer's SKI and the issuer
 * name equals the issuer's subject (AW_ERR_PKI_ISSUER), both keys on the same
 * curve (AW_ERR_PKI_CURVE_MISMATCH), and the signature verifies under the
 * issuer's key (AW_ERR_PKI_SIGNATURE). */
aw_err pki_check_issued_by(const pki_certificate *cert, const pki_certificate *issuer);

/* ---- Trust store: the CIs a verifier trusts ----------------------------- */

typedef struct pki_trust_store pki_trust_store;

aw_err pki_trust_store_new(pki_trust_store **out);
void pki_trust_store_free(pki_trust_store *store);
/* Add a CI certificate (reference taken). It must meet the CI profile
 * (validity aside: checked at verification time) and be self-signed;
 * a second CI with the same PKID is AW_ERR_STATE. */
aw_err pki_trust_store_add_ci(pki_trust_store *store, const pki_certificate *ci);
/* Add a bare CI public key (PK.CI.ECDSA as an eUICC holds it) under its
 * PKID (reference taken). Chains to it are checked by AKI and signature;
 * there is no CI name or validity to compare. */
aw_err pki_trust_store_add_ci_key(pki_trust_store *store, EVP_PKEY *key, const aw_pki_key_id *pkid);
size_t pki_trust_store_count(const pki_trust_store *store);

/* ---- Chain verification ------------------------------------------------- */

typedef struct pki_verify_options {
    time_t now;                     /* time to check validity at */
    const aw_pki_key_id *ci_pkids;  /* CI PKIDs allowed for this operation, e.g. the
                                     * eUICC's euiccCiPKIdListForVerification;
                                     * NULL: any CI in the store */
    size_t ci_pkid_count;
    const char *expected_eid;       /* eUICC chains: the EID the eUICC certificate
                                     * must carry (32 digits); NULL: not checked */
} pki_verify_options;

typedef struct pki_verify_result {
    aw_pki_key_id ci_pkid;          /* PKID of the CI the chain ends at */
    aw_pki_curve curve;             /* curve of every certificate in the chain */
    char eid[AW_PKI_EID_DIGITS + 1]; /* eUICC chains: EID from the certificate; else "" */
} pki_verify_result;

/* Verify a certificate issued directly by a CI: DPauth, DPpb, DPtls or eIM
 * (role). Beyond the errors of pki_check_role and pki_check_issued_by:
 * AW_ERR_PKI_UNKNOWN_CI when no CI in the store has the AKI as PKID,
 * AW_ERR_PKI_CI_NOT_ALLOWED when it has but the PKID is not in
 * options->ci_pkids, the CI's own AW_ERR_PKI_EXPIRED / NOT_YET_VALID.
 * result may be NULL. */
aw_err pki_verify_server_certificate(const pki_trust_store *store, const pki_certificate *cert,
                                     aw_pki_role role, const pki_verify_options *options,
                                     pki_verify_result *result);

/* Verify an eUICC chain CI -> EUM -> eUICC (SGP.22 5.6.13 ES9+.AuthenticateClient
 * step "verify CERT.EUM / CERT.EUICC"): profiles of both, EUM issued by a
 * trusted, allowed CI, eUICC issued by the EUM, the EUM name constraints
 * (AW_ERR_PKI_NAME_CONSTRAINTS: organisation, and EID prefix when the
 * constraint names a serialNumber, SGP.22 4.5.2.1.0.2), and the EID
 * (AW_ERR_PKI_EID when it differs from options->expected_eid). */
aw_err pki_verify_euicc_chain(const pki_trust_store *store, const pki_certificate *eum,
                              const pki_certificate *euicc, const pki_verify_options *options,
                              pki_verify_result *result);

/* ---- Issuance (test PKIs, tools) ---------------------------------------- */

/* Generate a key pair on an allowed curve. */
aw_err pki_generate_key(aw_pki_curve curve, EVP_PKEY **out);

typedef struct pki_issue_request {
    aw_pki_role role;
    const char *organization;       /* subject O; NULL for none */
    const char *common_name;        /* subject CN; NULL for none */
    const char *eid;                /* AW_PKI_ROLE_EUICC: subject serialNumber */
    const char *registered_id;      /* SAN registeredID (dotted OID); DP roles need one */
    const char *const *dns_names;   /* DPtls: SAN dNSName / iPAddress entries; an entry */
    size_t dns_name_count;          /* that parses as IPv4/IPv6 becomes an iPAddress */
    const char *eum_ein;            /* AW_PKI_ROLE_EUM: EIN (EID prefix digits) for
                                     * the name constraints; NULL for none */
    time_t not_before;
    time_t not_after;
} pki_issue_request;

/* Issue a certificate for subject_key. issuer/issuer_key NULL: self-signed
 * (AW_PKI_ROLE_CI only). Extensions follow the SGP.22 4.5.2 profile of the
 * role; serial numbers are random. */
aw_err pki_issue_certificate(const pki_issue_request *request, EVP_PKEY *subject_key,
                             const pki_certificate *issuer, EVP_PKEY *issuer_key,
                             pki_certificate **out);

/* A complete test PKI, one certificate and key per role. */
typedef struct pki_hierarchy {
    pki_certificate *cert[AW_PKI_ROLE__COUNT];
    EVP_PKEY *key[AW_PKI_ROLE__COUNT];
} pki_hierarchy;

typedef struct pki_hierarchy_params {
    aw_pki_curve curve;
    const char *eid;                /* NULL: a default valid EID */
    const char *const *tls_names;   /* NULL: localhost, 127.0.0.1, ::1 */
    size_t tls_name_count;
    time_t now;                     /* notBefore = now - 1 h; CI valid 30 years,
                                     * the others 3 years */
} pki_hierarchy_params;

/* The EID used when pki_hierarchy_params.eid is NULL. */
#define AW_PKI_DEFAULT_EID "89049032000000000000000000000163"
/* SM-DP+ OID put in DP certificates (2.999: ITU-T X.660 example arc). */
#define AW_PKI_TEST_SMDP_OID "2.999.10"

aw_err pki_issue_hierarchy(const pki_hierarchy_params *params, pki_hierarchy *out);
/* Frees certificates and keys; the struct itself is the caller's. */
void pki_hierarchy_free(pki_hierarchy *hierarchy);

#endif
