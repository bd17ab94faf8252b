/* Crypto checks with the GSMA SGP.26 test keys and certificates, read in
 * place from $AW_SHARED_SPEC/sgp26-certs (never copied into the project).
 * Skips (exit 77) when that folder is absent. */
#include "crypto_testutil.h"

#include <sys/stat.h>

#include "core/crypto.h"

static char spec_root[4096];

static void path_of(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/sgp26-certs/%s", spec_root, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* One SM-DP+ key (DPauth, DP2auth, DPpb) on one curve: the private key, the
 * public key file and the certificate all hold the same key; signatures
 * made with SK verify with the certificate's key. */
static void check_role(const char *folder, const char *role, const char *variant,
                       crypto_curve curve)
{
    char path[4096], name[256];
    crypto_key *sk = NULL, *pk = NULL, *cert = NULL;
    snprintf(name, sizeof(name), "%s/SK_S_SM_DP%s_ECDSA_%s.pem", folder, role, variant);
    path_of(path, sizeof(path), name);
    assert_int_equal(crypto_key_load_private_pem_file(path, &sk), AW_OK);
    snprintf(name, sizeof(name), "%s/PK_S_SM_DP%s_ECDSA_%s.pem", folder, role, variant);
    path_of(path, sizeof(path), name);
    assert_int_equal(crypto_key_load_public_pem_file(path, &pk), AW_OK);
    snprintf(name, sizeof(name), "%s/CERT_S_SM_DP%s_ECDSA_%s.der", folder, role, variant);
    path_of(path, sizeof(path), name);
    assert_int_equal(crypto_key_load_certificate_file(path, &cert), AW_OK);

    assert_int_equal(crypto_key_curve(sk), curve);
    assert_int_equal(crypto_key_curve(cert), curve);
    uint8_t p1[CRYPTO_POINT_SIZE], p2[CRYPTO_POINT_SIZE], p3[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_key_export_point(sk, p1), AW_OK);
    assert_int_equal(crypto_key_export_point(pk, p2), AW_OK);
    assert_int_equal(crypto_key_export_point(cert, p3), AW_OK);
    assert_memory_equal(p1, p2, sizeof(p1));
    assert_memory_equal(p1, p3, sizeof(p1));

    static const uint8_t data[] = "serverSigned1 signed with an SGP.26 test key";
    uint8_t sig[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(sk, data, sizeof(data), sig), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(cert, data, sizeof(data), sig, sizeof(sig)), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(pk, data, sizeof(data), sig, sizeof(sig)), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(cert, data, sizeof(data) - 1, sig, sizeof(sig)),
                     AW_ERR_SIGNATURE);
    crypto_key_free(sk);
    crypto_key_free(pk);
    crypto_key_free(cert);
}

static void test_dpauth_nist(void **state)
{
    (void)state;
    check_role("DPauth", "auth", "NIST", CRYPTO_CURVE_NIST_P256);
    check_role("DPauth", "2auth", "NIST", CRYPTO_CURVE_NIST_P256);
}

static void test_dpauth_brainpool(void **state)
{
    (void)state;
    check_role("DPauth", "auth", "BRP", CRYPTO_CURVE_BRAINPOOL_P256R1);
    check_role("DPauth", "2auth", "BRP", CRYPTO_CURVE_BRAINPOOL_P256R1);
}

static void test_dppb_both(void **state)
{
    (void)state;
    check_role("DPpb", "pb", "NIST", CRYPTO_CURVE_NIST_P256);
    check_role("DPpb", "pb", "BRP", CRYPTO_CURVE_BRAINPOOL_P256R1);
}

/* Keys on different curves never verify each other's signatures, and the
 * CI certificates load on their own curves. */
static void test_cross_curve(void **state)
{
    (void)state;
    char path[4096];
    crypto_key *nist = NULL, *brp_cert = NULL, *ci = NULL;
    path_of(path, sizeof(path), "DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem");
    assert_int_equal(crypto_key_load_private_pem_file(path, &nist), AW_OK);
    path_of(path, sizeof(path), "DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der");
    assert_int_equal(crypto_key_load_certificate_file(path, &brp_cert), AW_OK);
    static const uint8_t data[] = "euiccSigned1";
    uint8_t sig[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(nist, data, sizeof(data), sig), AW_OK);
    aw_err err = crypto_verify_ecdsa(brp_cert, data, sizeof(data), sig, sizeof(sig));
    assert_true(err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT);
    /* ECKA across curves is refused */
    uint8_t point[CRYPTO_POINT_SIZE], z[CRYPTO_SHARED_SECRET_SIZE];
    assert_int_equal(crypto_key_export_point(brp_cert, point), AW_OK);
    assert_int_equal(crypto_key_agreement(nist, point, sizeof(point), z), AW_ERR_CRYPTO_KEY);

    path_of(path, sizeof(path), "CertificateIssuer/CERT_CI_ECDSA_NIST.pem");
    assert_int_equal(crypto_key_load_certificate_file(path, &ci), AW_OK);
    assert_int_equal(crypto_key_curve(ci), CRYPTO_CURVE_NIST_P256);
    crypto_key_free(ci);
    path_of(path, sizeof(path), "CertificateIssuer/CERT_CI_ECDSA_BRP.der");
    assert_int_equal(crypto_key_load_certificate_file(path, &ci), AW_OK);
    assert_int_equal(crypto_key_curve(ci), CRYPTO_CURVE_BRAINPOOL_P256R1);
    crypto_key_free(ci);
    crypto_key_free(nist);
    crypto_key_free(brp_cert);
}

int main(void)
{
    const char *spec = test_spec_dir();
    struct stat st;
    char probe[4200];
    int n = snprintf(probe, sizeof(probe), "%s/sgp26-certs", spec != NULL ? spec : "");
    if (spec == NULL || n < 0 || (size_t)n >= sizeof(probe) || stat(probe, &st) != 0
        || !S_ISDIR(st.st_mode)) {
        printf("skip: SGP.26 test certificates not found (AW_SHARED_SPEC/sgp26-certs)\n");
        return TEST_SKIP_EXIT;
    }
    if (snprintf(spec_root, sizeof(spec_root), "%s", spec) >= (int)sizeof(spec_root))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpauth_nist),
        cmocka_unit_test(test_dpauth_brainpool),
        cmocka_unit_test(test_dppb_both),
        cmocka_unit_test(test_cross_curve),
    };
    return cmocka_run_group_tests_name("crypto_sgp26", tests, NULL, NULL);
}
