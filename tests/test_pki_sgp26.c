/* Validates the GSMA SGP.26 test certificates (CI, DPauth, DPpb, DPtls on
 * NIST P-256 and brainpoolP256r1) with src/core/pki_*.c. The certificates are
 * read in place from $AW_SHARED_SPEC/sgp26-certs and never copied; without
 * them the test reports a skip (exit 77). */
#include "pki_testutil.h"

/* 2026-09-01T00:00:00Z: after the SGP.26 TLS certificates' notAfter
 * (2026-08-02), before the DPauth/DPpb ones' (2030-03-30). */
#define AFTER_TLS_EXPIRY ((time_t)1788220800)

/* PKIDs (SubjectKeyIdentifier) of the SGP.26 test CIs, as the certificates
 * state them. */
#define PKID_NIST "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
#define PKID_BRP "C0BC70BA36929D43B467FF57570530E57AB8FCD8"

static const char *spec_dir;
static pki_trust_store *store;     /* both CIs */
static pki_certificate *ci[2];     /* [0] NIST, [1] brainpool */
static const char *const suffix[2] = {"NIST", "BRP"};

static pki_certificate *load(const char *relative)
{
    char path[4096 + 256];
    snprintf(path, sizeof(path), "%s/sgp26-certs/%s", spec_dir, relative);
    size_t len = 0;
    uint8_t *der = test_read_file(path, &len);
    if (der == NULL)
        fail_msg("cannot read %s", path);
    pki_certificate *cert = NULL;
    aw_err err = pki_certificate_parse(der, len, &cert);
    free(der);
    if (err != AW_OK)
        fail_msg("%s: %s", relative, aw_err_name(err));
    return cert;
}

static aw_pki_key_id key_id(const char *hex)
{
    aw_pki_key_id id;
    assert_int_equal(aw_hex_decode(hex, id.bytes, sizeof(id.bytes), &id.len), AW_OK);
    return id;
}

static int group_setup(void **state)
{
    (void)state;
    char path[4096 + 256];
    if (pki_trust_store_new(&store) != AW_OK)
        return -1;
    for (int c = 0; c < 2; c++) {
        snprintf(path, sizeof(path), "%s/sgp26-certs/CertificateIssuer/CERT_CI_ECDSA_%s.der",
                 spec_dir, suffix[c]);
        size_t len = 0;
        uint8_t *der = test_read_file(path, &len);
        aw_err err = der == NULL ? AW_ERR_IO : pki_certificate_parse(der, len, &ci[c]);
        free(der);
        if (err != AW_OK || pki_trust_store_add_ci(store, ci[c]) != AW_OK)
            return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pki_certificate_free(ci[0]);
    pki_certificate_free(ci[1]);
    pki_trust_store_free(store);
    return 0;
}

static void test_ci_certificates(void **state)
{
    (void)state;
    static const char *const pkid[2] = {PKID_NIST, PKID_BRP};
    for (int c = 0; c < 2; c++) {
        assert_int_equal(pki_check_role(ci[c], AW_PKI_ROLE_CI, TEST_NOW), AW_OK);
        aw_pki_role role;
        assert_int_equal(pki_certificate_get_role(ci[c], &role), AW_OK);
        assert_int_equal(role, AW_PKI_ROLE_CI);
        aw_pki_curve curve;
        assert_int_equal(pki_certificate_get_curve(ci[c], &curve), AW_OK);
        assert_int_equal(curve, c == 0 ? AW_PKI_CURVE_NIST_P256 : AW_PKI_CURVE_BRAINPOOL_P256R1);
        aw_pki_key_id ski, want = key_id(pkid[c]);
        assert_int_equal(pki_certificate_get_subject_key_id(ci[c], &ski), AW_OK);
        assert_int_equal(ski.len, want.len);
        assert_memory_equal(ski.bytes, want.bytes, want.len);
        /* SGP.22 4.5.2.2: the CI certificate has no AKI */
        assert_int_equal(pki_certificate_get_authority_key_id(ci[c], &ski), AW_ERR_PKI_EXTENSION);
    }
    /* the PEM file holds the same certificate */
    char path[4096 + 256];
    snprintf(path, sizeof(path), "%s/sgp26-certs/CertificateIssuer/CERT_CI_ECDSA_NIST.pem", spec_dir);
    size_t len = 0;
    uint8_t *pem = test_read_file(path, &len);
    assert_non_null(pem);
    pki_certificate *from_pem = NULL;
    assert_int_equal(pki_certificate_parse_pem((const char *)pem, len, &from_pem), AW_OK);
    aw_slice a = pki_certificate_der(from_pem), b = pki_certificate_der(ci[0]);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    pki_certificate_free(from_pem);
    free(pem);
}

/* DPauth and DPpb, SM-DP+ 1 and 2, both curves: as an eUICC verifies them
 * (ES10b.AuthenticateServer / PrepareDownload) against its PKID list. */
static void test_dp_signing_certificates(void **state)
{
    (void)state;
    static const struct {
        const char *dir, *name;
        aw_pki_role role;
    } certs[] = {{"DPauth", "CERT_S_SM_DPauth_ECDSA", AW_PKI_ROLE_DP_AUTH},
                 {"DPauth", "CERT_S_SM_DP2auth_ECDSA", AW_PKI_ROLE_DP_AUTH},
                 {"DPpb", "CERT_S_SM_DPpb_ECDSA", AW_PKI_ROLE_DP_PB},
                 {"DPpb", "CERT_S_SM_DP2pb_ECDSA", AW_PKI_ROLE_DP_PB}};
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
        for (int c = 0; c < 2; c++) {
            char rel[256];
            snprintf(rel, sizeof(rel), "%s/%s_%s.der", certs[i].dir, certs[i].name, suffix[c]);
            pki_certificate *cert = load(rel);
            aw_pki_key_id list = key_id(c == 0 ? PKID_NIST : PKID_BRP);
            pki_verify_options o = {.now = TEST_NOW, .ci_pkids = &list, .ci_pkid_count = 1};
            pki_verify_result r;
            aw_err err = pki_verify_server_certificate(store, cert, certs[i].role, &o, &r);
            if (err != AW_OK)
                fail_msg("%s: %s", rel, aw_err_name(err));
            assert_memory_equal(r.ci_pkid.bytes, list.bytes, list.len);
            assert_int_equal(r.curve, c);
            char oid[64];
            assert_int_equal(pki_certificate_get_registered_id(cert, oid, sizeof(oid)), AW_OK);
            assert_memory_equal(oid, "2.999.", 6);
            /* a DPpb certificate is not a DPauth one and vice versa */
            aw_pki_role other = certs[i].role == AW_PKI_ROLE_DP_AUTH ? AW_PKI_ROLE_DP_PB
                                                                      : AW_PKI_ROLE_DP_AUTH;
            assert_int_equal(pki_verify_server_certificate(store, cert, other, &o, NULL),
                             AW_ERR_PKI_POLICY);
            /* the other curve's CI only */
            aw_pki_key_id wrong = key_id(c == 0 ? PKID_BRP : PKID_NIST);
            o.ci_pkids = &wrong;
            assert_int_equal(pki_verify_server_certificate(store, cert, certs[i].role, &o, NULL),
                             AW_ERR_PKI_CI_NOT_ALLOWED);
            pki_certificate_free(cert);
        }
    }
}

/* A verifier holding only the brainpool CI does not know the NIST one, and
 * the bare CI public key (as an eUICC stores it) is enough to verify. */
static void test_single_ci_stores(void **state)
{
    (void)state;
    pki_trust_store *brp = NULL, *bare = NULL;
    assert_int_equal(pki_trust_store_new(&brp), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(brp, ci[1]), AW_OK);
    assert_int_equal(pki_trust_store_new(&bare), AW_OK);
    aw_pki_key_id nist = key_id(PKID_NIST);
    assert_int_equal(pki_trust_store_add_ci_key(bare, pki_certificate_public_key(ci[0]), &nist),
                     AW_OK);
    pki_certificate *cert = load("DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der");
    pki_verify_options o = {.now = TEST_NOW};
    assert_int_equal(pki_verify_server_certificate(brp, cert, AW_PKI_ROLE_DP_AUTH, &o, NULL),
                     AW_ERR_PKI_UNKNOWN_CI);
    assert_int_equal(pki_verify_server_certificate(bare, cert, AW_PKI_ROLE_DP_AUTH, &o, NULL), AW_OK);
    pki_certificate_free(cert);
    pki_trust_store_free(brp);
    pki_trust_store_free(bare);
}

/* The SGP.26 TLS certificates are valid from 2025-06-30 to 2026-08-02. */
static void test_dp_tls_certificates(void **state)
{
    (void)state;
    static const char *const names[] = {"CERT_S_SM_DP_TLS_NIST.der", "CERT_S_SM_DP_TLS_BRP.der",
                                        "CERT_S_SM_DP2_TLS.der", "CERT_S_SM_DP4_TLS.der",
                                        "CERT_S_SM_DP8_TLS.der"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "DPtls/%s", names[i]);
        pki_certificate *cert = load(rel);
        pki_verify_options o = {.now = TEST_NOW};
        aw_err err = pki_verify_server_certificate(store, cert, AW_PKI_ROLE_DP_TLS, &o, NULL);
        if (err != AW_OK)
            fail_msg("%s: %s", rel, aw_err_name(err));
        o.now = AFTER_TLS_EXPIRY;
        assert_int_equal(pki_verify_server_certificate(store, cert, AW_PKI_ROLE_DP_TLS, &o, NULL),
                         AW_ERR_PKI_EXPIRED);
        assert_int_equal(pki_check_role(cert, AW_PKI_ROLE_DP_TLS, AFTER_TLS_EXPIRY),
                         AW_ERR_PKI_EXPIRED);
        /* a TLS certificate cannot authenticate the SM-DP+ to the eUICC */
        o.now = TEST_NOW;
        assert_int_equal(pki_verify_server_certificate(store, cert, AW_PKI_ROLE_DP_AUTH, &o, NULL),
                         AW_ERR_PKI_POLICY);
        pki_certificate_free(cert);
    }
}

int main(void)
{
    spec_dir = test_spec_dir();
    char probe[4096 + 256];
    snprintf(probe, sizeof(probe), "%s/sgp26-certs/CertificateIssuer/CERT_CI_ECDSA_NIST.der",
             spec_dir != NULL ? spec_dir : "");
    FILE *f = spec_dir != NULL ? fopen(probe, "rb") : NULL;
    if (f == NULL) {
        printf("skip: SGP.26 test certificates not found (AW_SHARED_SPEC/sgp26-certs)\n");
        return TEST_SKIP_EXIT;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ci_certificates),
        cmocka_unit_test(test_dp_signing_certificates),
        cmocka_unit_test(test_single_ci_stores),
        cmocka_unit_test(test_dp_tls_certificates),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
