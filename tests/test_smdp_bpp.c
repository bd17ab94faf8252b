/* Tests of the SM-DP+ personalisation and Bound Profile Package library
 * (src/smdp: personalise.h, bpp.h; SGP.22 3.1.3, 2.5.4, 2.5.5, 2.6.4, ES8+
 * 5.5.1-5.5.4). For both curves a BPP is built from a saip_build template
 * and, when $AW_SHARED_SPEC is there, a TS.48 profile, then opened as an
 * eUICC would with the core primitives (smdp_bpp_testutil.h): smdpSign,
 * session keys, every segment, ConfigureISDP, StoreMetadata, the package.
 * The error paths are in test_smdp_bpp_errors.c. */
#include "smdp_bpp_testutil.h"

#include <stdlib.h>

#include "core/sgp22_profile_info.h"

/* Expected '86' segment count: FILL cuts every 1007 bytes; PER_ELEMENT
 * does so per Profile Element. */
static size_t expected_segments(const uint8_t *package, size_t len,
                                smdp_bpp_segmentation segmentation)
{
    if (segmentation == SMDP_BPP_SEGMENT_FILL)
        return (len + SCP03T_ENCRYPTED_DATA_MAX - 1) / SCP03T_ENCRYPTED_DATA_MAX;
    saip_profile *p = NULL;
    saip_element_info e;
    size_t count = 0;
    assert_int_equal(saip_profile_parse(package, len, &p), AW_OK);
    for (size_t i = 0; i < saip_profile_element_count(p); i++) {
        assert_int_equal(saip_profile_element(p, i, &e), AW_OK);
        count += (e.der.len + SCP03T_ENCRYPTED_DATA_MAX - 1) / SCP03T_ENCRYPTED_DATA_MAX;
    }
    saip_profile_free(p);
    return count;
}

/* The personalised fields read back from the package the eUICC opened. */
static void assert_subscriber(const uint8_t *package, size_t len, const smdp_subscriber *s)
{
    saip_profile *p = NULL;
    char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT], msisdn[SAIP_MSISDN_TEXT];
    saip_aka aka;
    assert_int_equal(saip_profile_parse(package, len, &p), AW_OK);
    assert_int_equal(saip_get_iccid(p, iccid), AW_OK);
    assert_string_equal(iccid, s->iccid);
    assert_int_equal(saip_get_imsi(p, imsi), AW_OK);
    assert_string_equal(imsi, s->imsi);
    if (s->msisdn != NULL) {
        assert_int_equal(saip_get_msisdn(p, msisdn), AW_OK);
        assert_string_equal(msisdn, s->msisdn);
    }
    assert_int_equal(saip_get_aka(p, &aka), AW_OK);
    assert_int_equal(aka.algorithm, s->aka.algorithm);
    assert_int_equal(aka.key_len, s->aka.key_len);
    assert_memory_equal(aka.key, s->aka.key, aka.key_len);
    assert_int_equal(aka.opc_len, s->aka.opc_len);
    assert_memory_equal(aka.opc, s->aka.opc, aka.opc_len);
    saip_aka_cleanse(&aka);
    saip_profile_free(p);
}

/* StoreMetadataRequest and ConfigureISDPRequest as the eUICC decodes them. */
static void assert_commands(const fixture *fx, const opened_bpp *o)
{
    sgp22_store_metadata_request m;
    sgp22_configure_isdp_request c;
    sgp22_notification_configuration_information entry;
    /* EF.ICCID coding of FX_SUBSCRIBER_ICCID (8944000000000123456F) */
    static const uint8_t iccid[10] = {0x98, 0x44, 0x00, 0x00, 0x00,
                                      0x00, 0x10, 0x32, 0x54, 0xF6};
    assert_int_equal(sgp22_decode_store_metadata_request(o->metadata, o->metadata_len, &m),
                     AW_OK);
    assert_int_equal(m.iccid.len, 10);
    assert_memory_equal(m.iccid.ptr, iccid, 10);
    assert_int_equal(m.service_provider_name.len, strlen(fx->metadata.service_provider_name));
    assert_memory_equal(m.service_provider_name.ptr, fx->metadata.service_provider_name,
                        m.service_provider_name.len);
    assert_int_equal(m.profile_name.len, strlen(fx->metadata.profile_name));
    assert_memory_equal(m.profile_name.ptr, fx->metadata.profile_name, m.profile_name.len);
    assert_int_equal(m.profile_class, fx->metadata.profile_class);
    /* X.690 11.5: the DEFAULT operational class is left out */
    assert_int_equal(m.has_profile_class, fx->metadata.profile_class != 2);
    assert_int_equal(m.has_icon, fx->metadata.has_icon);
    assert_int_equal(m.has_profile_policy_rules, fx->metadata.has_profile_policy_rules);
    assert_true(m.has_notification_configuration_info);
    assert_int_equal(m.notification_configuration_info.count, 2);
    sgp22_list_iter it;
    sgp22_list_iter_init(&it, m.notification_configuration_info.raw);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sgp22_notification_configuration_list_next(&it, &entry), AW_OK);
        assert_int_equal(entry.profile_management_operation, fx->notifications[i].events);
        assert_int_equal(entry.notification_address.len, strlen(fx->notifications[i].address));
        assert_memory_equal(entry.notification_address.ptr, fx->notifications[i].address,
                            entry.notification_address.len);
    }
    assert_int_equal(sgp22_decode_configure_isdp_request(o->configure, o->configure_len, &c),
                     AW_OK);
    assert_true(c.has_dp_proprietary_data);
    /* AW_PKI_TEST_SMDP_OID 2.999.10, the DPpb certificate's registeredID */
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    assert_int_equal(c.dp_oid.len, sizeof(oid));
    assert_memory_equal(c.dp_oid.ptr, oid, sizeof(oid));
}

/* Personalise the template, build a BPP for every option pair, open it. */
static void roundtrip(fixture *fx, const uint8_t *template_package, size_t template_len)
{
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(smdp_personalise_profile(template_package, template_len, &fx->subscriber,
                                              &package, &package_len), AW_OK);
    fx->request.profile = package;
    fx->request.profile_len = package_len;
    for (int rsk = 0; rsk < 2; rsk++) {
        for (int seg = 0; seg < 2; seg++) {
            uint8_t *bpp = NULL;
            size_t bpp_len = 0;
            opened_bpp o;
            fx->request.replace_session_keys = rsk != 0;
            fx->request.segmentation = seg ? SMDP_BPP_SEGMENT_PER_ELEMENT : SMDP_BPP_SEGMENT_FILL;
            assert_int_equal(smdp_bpp_build(&fx->request, &bpp, &bpp_len), AW_OK);
            assert_int_equal(fx_open_bpp(fx, bpp, bpp_len, &o), AW_OK);
            assert_int_equal(o.rsk != NULL, rsk != 0);
            /* default hostId: the transactionId (bpp.h) */
            assert_int_equal(o.host_id_len, fx->request.transaction_id_len);
            assert_memory_equal(o.host_id, fx->request.transaction_id, o.host_id_len);
            assert_true(o.largest <= SCP03T_SEGMENT_MAX);
            assert_int_equal(o.segments86,
                             expected_segments(package, package_len, fx->request.segmentation));
            /* the eUICC gets the package byte for byte */
            assert_int_equal(o.package_len, package_len);
            assert_memory_equal(o.package, package, package_len);
            assert_subscriber(o.package, o.package_len, &fx->subscriber);
            assert_commands(fx, &o);
            opened_bpp_free(&o);
            der_bytes_free(bpp, bpp_len);
        }
    }
    der_bytes_free(package, package_len);
    fx->request.profile = NULL;
}

static void built_template(aw_pki_curve curve)
{
    fixture fx;
    size_t len = 0;
    fx_open(&fx, curve);
    uint8_t *template_package = fx_build_template(true, &len);
    roundtrip(&fx, template_package, len);
    der_bytes_free(template_package, len);
    fx_close(&fx);
}

static void test_built_template_p256(void **state)
{
    (void)state;
    built_template(AW_PKI_CURVE_NIST_P256);
}

static void test_built_template_brainpool(void **state)
{
    (void)state;
    built_template(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

/* The TS.48 v2 test profile, read in place (never copied). */
static uint8_t *read_ts48(size_t *len)
{
    const char *root = getenv("AW_SHARED_SPEC");
    char path[4096];
    if (root == NULL)
        return NULL;
    snprintf(path, sizeof(path), "%s/ts48-upp/TS48V2-SAIP2-1-BERTLV-UNIQUE.der", root);
    return test_read_file(path, len);
}

static void ts48_template(aw_pki_curve curve)
{
    fixture fx;
    size_t len = 0;
    uint8_t *template_package = read_ts48(&len);
    if (template_package == NULL) {
        printf("skip: $AW_SHARED_SPEC/ts48-upp/TS48V2-SAIP2-1-BERTLV-UNIQUE.der is absent\n");
        skip();
    }
    fx_open(&fx, curve);
    saip_profile *p = NULL;
    char msisdn[SAIP_MSISDN_TEXT];
    assert_int_equal(saip_profile_parse(template_package, len, &p), AW_OK);
    if (saip_get_msisdn(p, msisdn) == AW_ERR_NOT_FOUND)
        fx.subscriber.msisdn = NULL; /* nothing to write into */
    saip_profile_free(p);
    roundtrip(&fx, template_package, len);
    free(template_package);
    fx_close(&fx);
}

static void test_ts48_template_p256(void **state)
{
    (void)state;
    ts48_template(AW_PKI_CURVE_NIST_P256);
}

static void test_ts48_template_brainpool(void **state)
{
    (void)state;
    ts48_template(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

/* A caller's hostId, a test profile class, an icon and PPRs all reach the
 * eUICC. */
static void test_options(void **state)
{
    (void)state;
    fixture fx;
    size_t len = 0, bpp_len = 0;
    uint8_t *bpp = NULL;
    static const uint8_t host_id[] = "airwrite-smdp-01";
    static const uint8_t icon[] = {0x89, 0x50, 0x4E, 0x47};
    opened_bpp o;
    sgp22_store_metadata_request m;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    uint8_t *package = fx_build_template(true, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    fx.request.host_id = host_id;
    fx.request.host_id_len = 16;
    fx.metadata.profile_class = 0;
    fx.metadata.has_icon = true;
    fx.metadata.icon_type = 1;
    fx.metadata.icon = icon;
    fx.metadata.icon_len = sizeof(icon);
    fx.metadata.has_profile_policy_rules = true;
    fx.metadata.profile_policy_rules = 0x2;
    fx.request.dp_oid = "1.3.6.1.4.1.99999.1";
    assert_int_equal(smdp_bpp_build(&fx.request, &bpp, &bpp_len), AW_OK);
    assert_int_equal(fx_open_bpp(&fx, bpp, bpp_len, &o), AW_OK);
    assert_int_equal(o.host_id_len, 16);
    assert_memory_equal(o.host_id, host_id, 16);
    assert_int_equal(sgp22_decode_store_metadata_request(o.metadata, o.metadata_len, &m), AW_OK);
    assert_true(m.has_profile_class);
    assert_int_equal(m.profile_class, 0);
    assert_true(m.has_icon_type);
    assert_int_equal(m.icon_type, 1);
    assert_int_equal(m.icon.len, sizeof(icon));
    assert_memory_equal(m.icon.ptr, icon, sizeof(icon));
    assert_true(m.has_profile_policy_rules);
    assert_int_equal(m.profile_policy_rules, 0x2);
    sgp22_configure_isdp_request c;
    static const uint8_t oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8D, 0x1F, 0x01};
    assert_int_equal(sgp22_decode_configure_isdp_request(o.configure, o.configure_len, &c),
                     AW_OK);
    assert_int_equal(c.dp_oid.len, sizeof(oid));
    assert_memory_equal(c.dp_oid.ptr, oid, sizeof(oid));
    opened_bpp_free(&o);
    der_bytes_free(bpp, bpp_len);
    der_bytes_free(package, len);
    fx_close(&fx);
}

/* Two builds for the same session differ (fresh otSK.DP.ECKA, hence fresh
 * session keys), and the personalised package differs from the template
 * only where the subscriber's values go. */
static void test_fresh_keys(void **state)
{
    (void)state;
    fixture fx;
    size_t len = 0, a_len = 0, b_len = 0;
    uint8_t *a = NULL, *b = NULL;
    sgp22_bound_profile_package da, db;
    fx_open(&fx, AW_PKI_CURVE_BRAINPOOL_P256R1);
    uint8_t *package = fx_build_template(true, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    assert_int_equal(smdp_bpp_build(&fx.request, &a, &a_len), AW_OK);
    assert_int_equal(smdp_bpp_build(&fx.request, &b, &b_len), AW_OK);
    assert_int_equal(sgp22_decode_bound_profile_package(a, a_len, &da), AW_OK);
    assert_int_equal(sgp22_decode_bound_profile_package(b, b_len, &db), AW_OK);
    assert_memory_not_equal(da.initialise_secure_channel_request.smdp_otpk.ptr,
                            db.initialise_secure_channel_request.smdp_otpk.ptr,
                            CRYPTO_POINT_SIZE);
    assert_int_equal(da.sequence_of86.len, db.sequence_of86.len);
    assert_memory_not_equal(da.sequence_of86.ptr, db.sequence_of86.ptr, da.sequence_of86.len);
    der_bytes_free(a, a_len);
    der_bytes_free(b, b_len);
    der_bytes_free(package, len);
    fx_close(&fx);
}

/* The BF23 bytes up to smdpOtpk as ES8+ 5.5.1 lays them out (and as
 * pySim es8p.py encodes them): remoteOpId 82 01 01, transactionId 80 10,
 * controlRefTemplate A6 {80 01 88, 81 01 10, 84 hostId}, smdpOtpk 5F49 41,
 * then smdpSign 5F37 40. */
static void test_initialise_secure_channel_bytes(void **state)
{
    (void)state;
    fixture fx;
    size_t len = 0, bpp_len = 0;
    uint8_t *bpp = NULL;
    sgp22_bound_profile_package decoded;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    uint8_t *package = fx_build_template(false, &len);
    fx.request.profile = package;
    fx.request.profile_len = len;
    assert_int_equal(smdp_bpp_build(&fx.request, &bpp, &bpp_len), AW_OK);
    assert_int_equal(sgp22_decode_bound_profile_package(bpp, bpp_len, &decoded), AW_OK);
    aw_slice isc = decoded.initialise_secure_channel_request.raw;
    assert_int_equal(isc.len, 4 + 3 + 18 + 26 + 3 + 65 + 3 + 64);
    test_assert_hex(isc.ptr, 33,
                    "BF2381B6" "820101" "8010" "0123456789ABCDEF1032547698BADCFE"
                    "A618" "800188" "810110");
    test_assert_hex(isc.ptr + 33, 21, "8410" "0123456789ABCDEF1032547698BADCFE" "5F4941");
    test_assert_hex(isc.ptr + 33 + 21 + 65, 3, "5F3740");
    der_bytes_free(bpp, bpp_len);
    der_bytes_free(package, len);
    fx_close(&fx);
}

int smdp_bpp_error_tests(void);      /* test_smdp_bpp_errors.c */
int smdp_bpp_crosscheck_tests(void); /* test_smdp_bpp_crosscheck.c */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_built_template_p256),
        cmocka_unit_test(test_built_template_brainpool),
        cmocka_unit_test(test_ts48_template_p256),
        cmocka_unit_test(test_ts48_template_brainpool),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_fresh_keys),
        cmocka_unit_test(test_initialise_secure_channel_bytes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    failed += smdp_bpp_error_tests();
    return failed + smdp_bpp_crosscheck_tests();
}
