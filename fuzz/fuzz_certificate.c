/* libFuzzer target: RSP certificate parsing and role checks
 * (src/core/pki_certificate.c, pki_verify.c; SGP.22 4.5.2).
 * Parses the input as a DER certificate, reads every field, runs the profile
 * check of every role, and uses the certificate as its own CI, EUM and leaf
 * in the chain verifiers. Properties checked beyond "no crash":
 * - an accepted certificate keeps exactly the bytes received;
 * - the role read from the policies and the profile check agree;
 * - a certificate passing the eUICC profile yields a valid EID.
 * Seeds (fuzz/corpus/fuzz_certificate/) are the DER form of certificates
 * written by `airwrite-pki init` on both curves. */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>

#include "core/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks run one hour after the certificate's own notBefore, so that valid
 * seeds get past the validity check to the rules behind it. */
static time_t check_time(const pki_certificate *cert)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(X509_get0_notBefore(pki_certificate_x509(cert)), &tm))
        return 0;
    return timegm(&tm) + 3600;
}

static void check_code(aw_err err)
{
    if ((unsigned)err >= AW_ERR__COUNT)
        abort();
}

static void read_fields(const pki_certificate *cert)
{
    aw_pki_curve curve;
    aw_pki_key_id id;
    char eid[AW_PKI_EID_DIGITS + 1];
    char oid[64];
    check_code(pki_certificate_get_curve(cert, &curve));
    check_code(pki_certificate_get_subject_key_id(cert, &id));
    check_code(pki_certificate_get_authority_key_id(cert, &id));
    aw_err err = pki_certificate_get_eid(cert, eid);
    check_code(err);
    if (err == AW_OK && pki_eid_validate(eid) != AW_OK)
        abort();
    check_code(pki_certificate_get_registered_id(cert, oid, sizeof(oid)));
}

static void check_roles(const pki_certificate *cert, time_t now)
{
    aw_pki_role from_policy;
    aw_err role_err = pki_certificate_get_role(cert, &from_policy);
    check_code(role_err);
    for (int r = 0; r < AW_PKI_ROLE__COUNT; r++) {
        aw_err err = pki_check_role(cert, (aw_pki_role)r, now);
        check_code(err);
        /* the profile check reads the same policies as get_role */
        if (role_err == AW_OK && r == (int)from_policy && err == AW_ERR_PKI_POLICY)
            abort();
        if (err == AW_OK && r != AW_PKI_ROLE_EIM && (role_err != AW_OK || (int)from_policy != r))
            abort();
        if (err == AW_OK && r == AW_PKI_ROLE_EUICC) {
            char eid[AW_PKI_EID_DIGITS + 1];
            if (pki_certificate_get_eid(cert, eid) != AW_OK)
                abort();
        }
    }
}

static void check_chains(const pki_certificate *cert, time_t now)
{
    check_code(pki_check_issued_by(cert, cert));
    pki_trust_store *store = NULL;
    if (pki_trust_store_new(&store) != AW_OK)
        return;
    check_code(pki_trust_store_add_ci(store, cert));
    pki_verify_options opt = {.now = now};
    pki_verify_result result;
    static const aw_pki_role servers[] = {AW_PKI_ROLE_DP_AUTH, AW_PKI_ROLE_DP_PB,
                                          AW_PKI_ROLE_DP_TLS, AW_PKI_ROLE_EIM};
    for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
        check_code(pki_verify_server_certificate(store, cert, servers[i], &opt, &result));
    check_code(pki_verify_euicc_chain(store, cert, cert, &opt, &result));
    pki_trust_store_free(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pki_certificate *cert = NULL;
    aw_err err = pki_certificate_parse(data, size, &cert);
    check_code(err);
    if (err != AW_OK) {
        if (cert != NULL)
            abort();
        return 0;
    }
    aw_slice der = pki_certificate_der(cert);
    if (der.len != size || memcmp(der.ptr, data, size) != 0)
        abort();
    read_fields(cert);
    time_t now = check_time(cert);
    check_roles(cert, now);
    check_chains(cert, now);
    pki_certificate_free(cert);
    return 0;
}
