/* Tests for the per-role certificate profile checks (src/core/pki_verify.c,
 * SGP.22 4.5.2.1): each test breaks one rule of one role's profile on an
 * otherwise good certificate and expects that rule's own error. */
#include "pki_testutil.h"

static pki_hierarchy pki;
static pki_trust_store *store;

static int group_setup(void **state)
{
    (void)state;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = TEST_NOW};
    if (pki_issue_hierarchy(&params, &pki) != AW_OK || pki_trust_store_new(&store) != AW_OK)
        return -1;
    return pki_trust_store_add_ci(store, pki.cert[AW_PKI_ROLE_CI]) == AW_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    pki_hierarchy_free(&pki);
    pki_trust_store_free(store);
    return 0;
}

/* Re-issue pki.cert[role] changed by mutate (signed by its real issuer) and
 * check it with pki_check_role and through its chain. */
static void expect_profile_error(aw_pki_role role, test_mutation mutate, const void *arg, aw_err want)
{
    aw_pki_role issuer = role == AW_PKI_ROLE_EUICC ? AW_PKI_ROLE_EUM : AW_PKI_ROLE_CI;
    pki_certificate *c = test_remake(pki.cert[role], pki.key[issuer], EVP_sha256(), mutate, arg);
    assert_int_equal(pki_check_role(c, role, TEST_NOW), want);
    pki_verify_options o = {.now = TEST_NOW};
    aw_err got;
    if (role == AW_PKI_ROLE_EUICC)
        got = pki_verify_euicc_chain(store, pki.cert[AW_PKI_ROLE_EUM], c, &o, NULL);
    else if (role == AW_PKI_ROLE_EUM)
        got = pki_verify_euicc_chain(store, c, pki.cert[AW_PKI_ROLE_EUICC], &o, NULL);
    else
        got = pki_verify_server_certificate(store, c, role, &o, NULL);
    assert_int_equal(got, want);
    pki_certificate_free(c);
}

static void no_change(X509 *x, const void *arg)
{
    (void)x;
    (void)arg;
}

static void delete_extension(X509 *x, const void *arg)
{
    test_delete_extension(x, *(const int *)arg);
}

typedef struct ext_value {
    int nid;
    const char *value;
} ext_value;

static void set_extension(X509 *x, const void *arg)
{
    const ext_value *e = arg;
    test_set_extension(x, e->nid, e->value);
}

static void set_policies(X509 *x, const void *arg)
{
    test_set_policies(x, arg);
}

static void test_resigned_copy_is_good(void **state)
{
    (void)state;
    for (int role = AW_PKI_ROLE_EUICC; role < AW_PKI_ROLE__COUNT; role++)
        expect_profile_error((aw_pki_role)role, no_change, NULL, AW_OK);
}

/* A DPpb certificate presented as DPauth, and other policy mix-ups. */
static void test_wrong_policy(void **state)
{
    (void)state;
    assert_int_equal(pki_check_role(pki.cert[AW_PKI_ROLE_DP_PB], AW_PKI_ROLE_DP_AUTH, TEST_NOW),
                     AW_ERR_PKI_POLICY);
    pki_verify_options o = {.now = TEST_NOW};
    assert_int_equal(pki_verify_server_certificate(store, pki.cert[AW_PKI_ROLE_DP_PB],
                                                   AW_PKI_ROLE_DP_AUTH, &o, NULL), AW_ERR_PKI_POLICY);
    /* a DPauth certificate cannot pose as the eIM's */
    assert_int_equal(pki_verify_server_certificate(store, pki.cert[AW_PKI_ROLE_DP_AUTH],
                                                   AW_PKI_ROLE_EIM, &o, NULL), AW_ERR_PKI_POLICY);
    int nid = NID_certificate_policies;
    expect_profile_error(AW_PKI_ROLE_EUICC, delete_extension, &nid, AW_ERR_PKI_POLICY);
    static const char *const two_roles[] = {"2.23.146.1.2.1.4", "2.23.146.1.2.1.5", NULL};
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, set_policies, two_roles, AW_ERR_PKI_POLICY);
    static const char *const ds_auth[] = {"2.23.146.1.2.1.7", NULL};
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, set_policies, ds_auth, AW_ERR_PKI_POLICY);
    aw_pki_role role;
    pki_certificate *c = test_remake(pki.cert[AW_PKI_ROLE_DP_AUTH], pki.key[AW_PKI_ROLE_CI],
                                     EVP_sha256(), set_policies, ds_auth);
    assert_int_equal(pki_certificate_get_role(c, &role), AW_ERR_PKI_POLICY);
    pki_certificate_free(c);
    /* another organisation's policy beside the role is fine */
    static const char *const extra[] = {"2.23.146.1.2.1.4", "1.3.6.1.4.1.99999.1", NULL};
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, set_policies, extra, AW_OK);
}

static void test_key_usage(void **state)
{
    (void)state;
    ext_value sign_certs = {NID_key_usage, "critical,digitalSignature,keyCertSign"};
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, set_extension, &sign_certs, AW_ERR_PKI_KEY_USAGE);
    ext_value not_critical = {NID_key_usage, "digitalSignature"};
    expect_profile_error(AW_PKI_ROLE_EUICC, set_extension, &not_critical, AW_ERR_PKI_KEY_USAGE);
    ext_value agreement = {NID_key_usage, "critical,keyAgreement"};
    expect_profile_error(AW_PKI_ROLE_EIM, set_extension, &agreement, AW_ERR_PKI_KEY_USAGE);
    ext_value eum_signs = {NID_key_usage, "critical,digitalSignature"};
    expect_profile_error(AW_PKI_ROLE_EUM, set_extension, &eum_signs, AW_ERR_PKI_KEY_USAGE);
    int nid = NID_key_usage;
    expect_profile_error(AW_PKI_ROLE_DP_PB, delete_extension, &nid, AW_ERR_PKI_KEY_USAGE);
}

static void test_basic_constraints(void **state)
{
    (void)state;
    ext_value ca = {NID_basic_constraints, "critical,CA:TRUE"};
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, set_extension, &ca, AW_ERR_PKI_BASIC_CONSTRAINTS);
    expect_profile_error(AW_PKI_ROLE_EUICC, set_extension, &ca, AW_ERR_PKI_BASIC_CONSTRAINTS);
    ext_value path1 = {NID_basic_constraints, "critical,CA:TRUE,pathlen:1"};
    expect_profile_error(AW_PKI_ROLE_EUM, set_extension, &path1, AW_ERR_PKI_BASIC_CONSTRAINTS);
    ext_value not_critical = {NID_basic_constraints, "CA:TRUE,pathlen:0"};
    expect_profile_error(AW_PKI_ROLE_EUM, set_extension, &not_critical,
                         AW_ERR_PKI_BASIC_CONSTRAINTS);
    int nid = NID_basic_constraints;
    expect_profile_error(AW_PKI_ROLE_EUM, delete_extension, &nid, AW_ERR_PKI_BASIC_CONSTRAINTS);
    ext_value end_entity = {NID_basic_constraints, "critical,CA:FALSE"};
    expect_profile_error(AW_PKI_ROLE_DP_TLS, set_extension, &end_entity, AW_OK);
}

static void test_extended_key_usage(void **state)
{
    (void)state;
    int nid = NID_ext_key_usage;
    expect_profile_error(AW_PKI_ROLE_DP_TLS, delete_extension, &nid, AW_ERR_PKI_EXTENDED_KEY_USAGE);
    ext_value client_only = {NID_ext_key_usage, "clientAuth"};
    expect_profile_error(AW_PKI_ROLE_DP_TLS, set_extension, &client_only,
                         AW_ERR_PKI_EXTENDED_KEY_USAGE);
}

static void test_missing_key_ids(void **state)
{
    (void)state;
    int ski = NID_subject_key_identifier, aki = NID_authority_key_identifier;
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, delete_extension, &ski, AW_ERR_PKI_EXTENSION);
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, delete_extension, &aki, AW_ERR_PKI_EXTENSION);
    expect_profile_error(AW_PKI_ROLE_EUICC, delete_extension, &aki, AW_ERR_PKI_EXTENSION);
    expect_profile_error(AW_PKI_ROLE_EUM, delete_extension, &ski, AW_ERR_PKI_EXTENSION);
    pki_certificate *c = test_remake(pki.cert[AW_PKI_ROLE_DP_AUTH], pki.key[AW_PKI_ROLE_CI],
                                     EVP_sha256(), delete_extension, &aki);
    aw_pki_key_id id;
    assert_int_equal(pki_certificate_get_authority_key_id(c, &id), AW_ERR_PKI_EXTENSION);
    assert_int_equal(pki_check_issued_by(c, pki.cert[AW_PKI_ROLE_CI]), AW_ERR_PKI_EXTENSION);
    pki_certificate_free(c);
}

static void add_ci_aki(X509 *x, const void *arg)
{
    /* AKI naming the DPauth key instead of the CI's own */
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, (X509 *)pki_certificate_x509(arg), x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier,
                                               "keyid:always");
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static void test_ci_profile(void **state)
{
    (void)state;
    pki_certificate *c = test_remake(pki.cert[AW_PKI_ROLE_CI], pki.key[AW_PKI_ROLE_CI], EVP_sha256(),
                                     add_ci_aki, pki.cert[AW_PKI_ROLE_DP_AUTH]);
    assert_int_equal(pki_check_role(c, AW_PKI_ROLE_CI, TEST_NOW), AW_ERR_PKI_EXTENSION);
    pki_certificate_free(c);
    c = test_remake(pki.cert[AW_PKI_ROLE_CI], pki.key[AW_PKI_ROLE_CI], EVP_sha256(), add_ci_aki,
                    pki.cert[AW_PKI_ROLE_CI]);
    assert_int_equal(pki_check_role(c, AW_PKI_ROLE_CI, TEST_NOW), AW_OK);
    pki_certificate_free(c);
    ext_value no_crl = {NID_key_usage, "critical,keyCertSign"};
    c = test_remake(pki.cert[AW_PKI_ROLE_CI], pki.key[AW_PKI_ROLE_CI], EVP_sha256(), set_extension,
                    &no_crl);
    assert_int_equal(pki_check_role(c, AW_PKI_ROLE_CI, TEST_NOW), AW_ERR_PKI_KEY_USAGE);
    pki_certificate_free(c);
}

static void test_subject_alt_name(void **state)
{
    (void)state;
    int nid = NID_subject_alt_name;
    expect_profile_error(AW_PKI_ROLE_DP_AUTH, delete_extension, &nid, AW_ERR_PKI_SUBJECT_ALT_NAME);
    ext_value dns_only = {NID_subject_alt_name, "DNS:smdp.example.com"};
    expect_profile_error(AW_PKI_ROLE_DP_TLS, set_extension, &dns_only, AW_ERR_PKI_SUBJECT_ALT_NAME);
}

static void add_unknown_critical(X509 *x, const void *arg)
{
    (void)arg;
    ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.99999.7", 1);
    ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
    assert_non_null(obj);
    assert_non_null(data);
    static const unsigned char null_der[] = {0x05, 0x00};
    assert_int_equal(ASN1_OCTET_STRING_set(data, null_der, sizeof(null_der)), 1);
    X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, data);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(data);
    ASN1_OBJECT_free(obj);
}

static void add_duplicate_ski(X509 *x, const void *arg)
{
    (void)arg;
    X509_EXTENSION *ext = X509_EXTENSION_dup(X509_get_ext(x, X509_get_ext_by_NID(
                                                                 x, NID_subject_key_identifier, -1)));
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static void test_extensions_invalid(void **state)
{
    (void)state;
    expect_profile_error(AW_PKI_ROLE_DP_PB, add_unknown_critical, NULL,
                         AW_ERR_PKI_CRITICAL_EXTENSION);
    /* RFC 5280 4.2: an extension appears at most once */
    expect_profile_error(AW_PKI_ROLE_EIM, add_duplicate_ski, NULL, AW_ERR_PKI_PARSE);
}

static void test_signature_algorithm(void **state)
{
    (void)state;
    pki_certificate *c = test_remake(pki.cert[AW_PKI_ROLE_DP_AUTH], pki.key[AW_PKI_ROLE_CI],
                                     EVP_sha384(), NULL, NULL);
    assert_int_equal(pki_check_role(c, AW_PKI_ROLE_DP_AUTH, TEST_NOW), AW_ERR_PKI_ALGORITHM);
    pki_certificate_free(c);
}

static void set_euicc_subject(X509 *x, const void *arg)
{
    const char *const *parts = arg; /* organisation, serialNumber or NULL */
    X509_NAME *name = X509_NAME_new();
    assert_non_null(name);
    assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_ASC,
                                                (const unsigned char *)parts[0], -1, -1, 0), 1);
    if (parts[1] != NULL)
        assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                                    (const unsigned char *)parts[1], -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
                                                (const unsigned char *)"eUICC", -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, name), 1);
    X509_NAME_free(name);
}

static void test_euicc_eid(void **state)
{
    (void)state;
    static const char *const bad_check[] = {"airwrite Test EUM", "89049032123451234512345678901234"};
    expect_profile_error(AW_PKI_ROLE_EUICC, set_euicc_subject, bad_check, AW_ERR_PKI_EID_FORMAT);
    static const char *const no_eid[] = {"airwrite Test EUM", NULL};
    expect_profile_error(AW_PKI_ROLE_EUICC, set_euicc_subject, no_eid, AW_ERR_PKI_EID);
    static const char *const good[] = {"airwrite Test EUM", "89049032123451234512345678901235"};
    expect_profile_error(AW_PKI_ROLE_EUICC, set_euicc_subject, good, AW_OK);
    char eid[AW_PKI_EID_DIGITS + 1];
    assert_int_equal(pki_certificate_get_eid(pki.cert[AW_PKI_ROLE_EUICC], eid), AW_OK);
    assert_string_equal(eid, AW_PKI_DEFAULT_EID);
}

/* SGP.22 4.5.2.1.0.2: organisation and EIN from the EUM's name constraints. */
static void test_name_constraints(void **state)
{
    (void)state;
    char outside[AW_PKI_EID_DIGITS + 1];
    assert_int_equal(pki_eid_complete("890490330000000000000000000001", outside), AW_OK);
    const char *const other_ein[] = {"airwrite Test EUM", outside};
    const char *const other_org[] = {"Another EUM", AW_PKI_DEFAULT_EID};
    const pki_certificate *eum = pki.cert[AW_PKI_ROLE_EUM];
    pki_verify_options o = {.now = TEST_NOW};
    for (int k = 0; k < 2; k++) {
        pki_certificate *c = test_remake(pki.cert[AW_PKI_ROLE_EUICC], pki.key[AW_PKI_ROLE_EUM],
                                         EVP_sha256(), set_euicc_subject,
                                         k == 0 ? other_ein : other_org);
        assert_int_equal(pki_check_role(c, AW_PKI_ROLE_EUICC, TEST_NOW), AW_OK);
        assert_int_equal(pki_verify_euicc_chain(store, eum, c, &o, NULL),
                         AW_ERR_PKI_NAME_CONSTRAINTS);
        pki_certificate_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resigned_copy_is_good),
        cmocka_unit_test(test_wrong_policy),
        cmocka_unit_test(test_key_usage),
        cmocka_unit_test(test_basic_constraints),
        cmocka_unit_test(test_extended_key_usage),
        cmocka_unit_test(test_missing_key_ids),
        cmocka_unit_test(test_ci_profile),
        cmocka_unit_test(test_subject_alt_name),
        cmocka_unit_test(test_extensions_invalid),
        cmocka_unit_test(test_signature_algorithm),
        cmocka_unit_test(test_euicc_eid),
        cmocka_unit_test(test_name_constraints),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
