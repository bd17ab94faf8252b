/* Error paths of the SM-DP+ personalisation and BPP library (src/smdp):
 * one case per error the library adds (bad subscriber values, bad
 * metadata, bad arguments, DPpb key / certificate / curve mismatches, a
 * bad otPK.EUICC.ECKA, a bad template), plus the eUICC refusing a BPP
 * bound to another otPK. Run from test_smdp_bpp.c's main. */
#include "smdp_bpp_testutil.h"

int smdp_bpp_error_tests(void);

static void expect_personalise(const uint8_t *template_package, size_t len,
                               const smdp_subscriber *s, aw_err want)
{
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;
    assert_int_equal(smdp_personalise_profile(template_package, len, s, &out, &out_len), want);
    assert_null(out);
    assert_int_equal(out_len, 0);
}

static void test_subscriber_errors(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *template_package = fx_build_template(true, &len);
    smdp_subscriber s;
    fx_subscriber(&s);
    assert_int_equal(smdp_check_subscriber(&s), AW_OK);
    expect_personalise(template_package, len, NULL, AW_ERR_ARGUMENT);
    s.iccid = NULL;
    expect_personalise(template_package, len, &s, AW_ERR_ARGUMENT);
    fx_subscriber(&s);
    s.imsi = NULL;
    expect_personalise(template_package, len, &s, AW_ERR_ARGUMENT);
    fx_subscriber(&s);
    s.iccid = "894400000000012";
    expect_personalise(template_package, len, &s, AW_ERR_SAIP_ICCID);
    s.iccid = "8944000000000123457"; /* check digit 6 */
    expect_personalise(template_package, len, &s, AW_ERR_SMDP_ICCID_CHECK_DIGIT);
    fx_subscriber(&s);
    s.imsi = "23415";
    expect_personalise(template_package, len, &s, AW_ERR_SAIP_IMSI);
    fx_subscriber(&s);
    s.msisdn = "+44 7700";
    expect_personalise(template_package, len, &s, AW_ERR_SAIP_MSISDN);
    fx_subscriber(&s);
    s.aka.algorithm = (saip_algorithm)9;
    expect_personalise(template_package, len, &s, AW_ERR_SAIP_ALGORITHM);
    fx_subscriber(&s);
    s.aka.key_len = 15;
    expect_personalise(template_package, len, &s, AW_ERR_SAIP_KEY_LENGTH);
    fx_subscriber(&s);
    /* not a profile package */
    static const uint8_t junk[] = {0xA0, 0x05, 0x01};
    expect_personalise(junk, sizeof(junk), &s, AW_ERR_DER_TRUNCATED);
    expect_personalise(NULL, 4, &s, AW_ERR_ARGUMENT);
    assert_int_equal(smdp_personalise_profile(template_package, len, &s, NULL, &len),
                     AW_ERR_ARGUMENT);
    der_bytes_free(template_package, len);
    /* an MSISDN for a template with no EF.MSISDN */
    template_package = fx_build_template(false, &len);
    expect_personalise(template_package, len, &s, AW_ERR_NOT_FOUND);
    s.msisdn = NULL;
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(smdp_personalise_profile(template_package, len, &s, &out, &out_len), AW_OK);
    der_bytes_free(out, out_len);
    der_bytes_free(template_package, len);
    saip_aka_cleanse(&s.aka);
}

static void expect_build(const smdp_bpp_request *r, aw_err want)
{
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 1;
    assert_int_equal(smdp_bpp_build(r, &out, &out_len), want);
    assert_null(out);
    assert_int_equal(out_len, 0);
}

/* Each bad metadata value on its own, from a valid fixture. */
static void test_metadata_errors(void **state)
{
    (void)state;
    fixture fx;
    size_t len = 0;
    char long_name[70];
    static const uint8_t icon[1025] = {0};
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    uint8_t *package = fx_build_template(true, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    smdp_profile_metadata good = fx.metadata;
    smdp_profile_metadata *m = &fx.metadata;
    assert_int_equal(smdp_check_profile_metadata(m), AW_OK);

    memset(long_name, 'a', sizeof(long_name));
    long_name[33] = '\0';
    m->service_provider_name = long_name;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    long_name[33] = 'a';
    long_name[65] = '\0';
    m->profile_name = long_name;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    m->profile_name = "bad \xC3";
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    m->profile_class = 3;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    m->has_icon = true;
    m->icon_type = 2;
    m->icon = icon;
    m->icon_len = 4;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    m->icon_type = 0;
    m->icon_len = sizeof(icon);
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    m->has_profile_policy_rules = true;
    m->profile_policy_rules = 0x8;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    *m = good;
    fx.notifications[0].events = 0;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    fx.notifications[0].events = 0x10;
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    fx.notifications[0].events = SMDP_NOTIFY_INSTALL;
    fx.notifications[1].address = "";
    expect_build(&fx.request, AW_ERR_SMDP_METADATA);
    fx.notifications[1].address = "notify.example.com";
    m->notifications = NULL;
    expect_build(&fx.request, AW_ERR_ARGUMENT);
    *m = good;
    m->profile_name = NULL;
    expect_build(&fx.request, AW_ERR_ARGUMENT);
    *m = good;
    assert_int_equal(smdp_check_profile_metadata(NULL), AW_ERR_ARGUMENT);
    der_bytes_free(package, len);
    fx_close(&fx);
}

static void test_request_errors(void **state)
{
    (void)state;
    fixture fx;
    size_t len = 0;
    uint8_t *out = NULL;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    uint8_t *package = fx_build_template(true, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    smdp_bpp_request good = fx.request;
    smdp_bpp_request *r = &fx.request;

    expect_build(NULL, AW_ERR_ARGUMENT);
    assert_int_equal(smdp_bpp_build(r, &out, NULL), AW_ERR_ARGUMENT);
    assert_null(out);
    r->transaction_id_len = 0;
    expect_build(r, AW_ERR_ARGUMENT);
    r->transaction_id_len = 17;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->eid = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->euicc_otpk = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->dp_pb_key = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->dp_pb_certificate = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->host_id = (const uint8_t *)"0123456789abcdefX";
    r->host_id_len = 17;
    expect_build(r, AW_ERR_ARGUMENT);
    r->host_id_len = 0;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->segmentation = (smdp_bpp_segmentation)7;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->metadata = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    r->profile = NULL;
    expect_build(r, AW_ERR_ARGUMENT);
    *r = good;
    /* not a profile package */
    static const uint8_t junk[] = {0x30, 0x00};
    r->profile = junk;
    r->profile_len = sizeof(junk);
    expect_build(r, AW_ERR_SAIP_UNKNOWN_ELEMENT);
    *r = good;
    r->dp_oid = "not an oid";
    expect_build(r, AW_ERR_PKI_SUBJECT_ALT_NAME);
    *r = good;
    /* a DPpb certificate for the same key without the SM-DP+ OID
     * (subjectAltName registeredID) and no dp_oid given */
    pki_issue_request issue = {.role = AW_PKI_ROLE_DP_PB, .organization = "Airwrite",
                               .common_name = "DPpb without OID",
                               .not_before = time(NULL) - 3600,
                               .not_after = time(NULL) + 86400};
    pki_certificate *no_oid = NULL;
    assert_int_equal(pki_issue_certificate(&issue, fx.pki.key[AW_PKI_ROLE_DP_PB],
                                           fx.pki.cert[AW_PKI_ROLE_CI],
                                           fx.pki.key[AW_PKI_ROLE_CI], &no_oid), AW_OK);
    r->dp_pb_certificate = no_oid;
    expect_build(r, AW_ERR_PKI_SUBJECT_ALT_NAME);
    r->dp_oid = "2.999.10"; /* given explicitly, the certificate needs none */
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    assert_int_equal(smdp_bpp_build(r, &bpp, &bpp_len), AW_OK);
    der_bytes_free(bpp, bpp_len);
    pki_certificate_free(no_oid);
    *r = good;
    /* a certificate of another role (the eUICC's) */
    r->dp_pb_certificate = fx.pki.cert[AW_PKI_ROLE_EUICC];
    expect_build(r, AW_ERR_PKI_POLICY);
    *r = good;
    der_bytes_free(package, len);
    fx_close(&fx);
}

/* DPpb key and certificate, and otPK.EUICC.ECKA. */
static void test_key_errors(void **state)
{
    (void)state;
    fixture fx, other;
    size_t len = 0;
    crypto_key *public_only = NULL;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    fx_open(&other, AW_PKI_CURVE_BRAINPOOL_P256R1);
    uint8_t *package = fx_build_template(true, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    smdp_bpp_request good = fx.request;
    smdp_bpp_request *r = &fx.request;

    /* SK.DPpb as a public key only */
    aw_slice cert = pki_certificate_der(fx.pki.cert[AW_PKI_ROLE_DP_PB]);
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &public_only), AW_OK);
    r->dp_pb_key = public_only;
    expect_build(r, AW_ERR_CRYPTO_KEY);
    *r = good;
    /* CERT.DPauth in place of CERT.DPpb */
    r->dp_pb_certificate = fx.pki.cert[AW_PKI_ROLE_DP_AUTH];
    expect_build(r, AW_ERR_PKI_POLICY);
    *r = good;
    /* SK.DPauth with CERT.DPpb: same curve, other key */
    r->dp_pb_key = fx.dp_auth_key;
    expect_build(r, AW_ERR_SMDP_KEY_MISMATCH);
    *r = good;
    /* a brainpool SK.DPpb with the NIST CERT.DPpb */
    r->dp_pb_key = other.dp_pb_key;
    expect_build(r, AW_ERR_CRYPTO_CURVE);
    *r = good;
    /* otPK.EUICC.ECKA of the other curve, off the curve, or short */
    r->euicc_otpk = other.euicc_otpk;
    expect_build(r, AW_ERR_CRYPTO_KEY);
    uint8_t broken[CRYPTO_POINT_SIZE];
    memcpy(broken, fx.euicc_otpk, sizeof(broken));
    broken[40] ^= 0x01;
    r->euicc_otpk = broken;
    expect_build(r, AW_ERR_CRYPTO_KEY);
    r->euicc_otpk = fx.euicc_otpk;
    r->euicc_otpk_len = CRYPTO_POINT_SIZE - 1;
    expect_build(r, AW_ERR_CRYPTO_KEY);
    *r = good;

    /* Bound to another eUICC otPK: the eUICC's smdpSign check fails. */
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    opened_bpp o;
    crypto_key *stranger = NULL;
    uint8_t stranger_point[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &stranger), AW_OK);
    assert_int_equal(crypto_key_export_point(stranger, stranger_point), AW_OK);
    r->euicc_otpk = stranger_point;
    assert_int_equal(smdp_bpp_build(r, &bpp, &bpp_len), AW_OK);
    assert_int_equal(fx_open_bpp(&fx, bpp, bpp_len, &o), AW_ERR_SIGNATURE);
    opened_bpp_free(&o);
    der_bytes_free(bpp, bpp_len);
    crypto_key_free(stranger);
    *r = good;

    crypto_key_free(public_only);
    der_bytes_free(package, len);
    fx_close(&other);
    fx_close(&fx);
}

int smdp_bpp_error_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscriber_errors),
        cmocka_unit_test(test_metadata_errors),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_key_errors),
    };
    return cmocka_run_group_tests_name("smdp_bpp_errors", tests, NULL, NULL);
}
