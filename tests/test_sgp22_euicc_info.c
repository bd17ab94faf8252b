/* Tests for the SGP.22 eUICC information codecs (src/core/sgp22_euicc_info.c):
 * GetEuiccInfo1/2 (5.7.8), GetEID (5.7.20), EuiccConfiguredAddresses (5.7.3),
 * SetDefaultDpAddress (5.7.4), GetRAT (5.7.22). */
#include "sgp22_info_testutil.h"

#include "core/sgp22_euicc_info.h"

/* CI SubjectKeyIdentifier of the GSMA test CI, as listed by a sysmoEUICC1 */
#define SKI_HEX "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"

/* EUICCInfo2 of a sysmoEUICC1-C2T card. Source: osmocom/pysim,
 * tests/pySim-shell_test/euicc/euicc_info2.ok (the card's answer as decoded by
 * pySim); re-encoded here by hand from those field values:
 *   BF22 7D
 *     81 03 020301                 profileVersion 2.3.1
 *     82 03 020300                 svn 2.3.0
 *     83 03 230623                 euiccFirmwareVer 35.6.35
 *     84 0D 810108820400045BF883022419  extCardResource
 *     85 05 067F36F3C0             uiccCapability
 *     86 03 0F0100                 ts102241Version 15.1.0
 *     87 03 020300                 globalplatformVersion 2.3.0
 *     88 02 0398                   rspCapability {0,3,4}
 *     A9 16 04 14 <SKI>            euiccCiPKIdListForVerification
 *     AA 16 04 14 <SKI>            euiccCiPKIdListForSigning
 *     99 02 0640                   forbiddenProfilePolicyRules {ppr1}
 *     04 03 010000                 ppVersion 1.0.0
 *     0C 0F "SYSMOCOM-TEST-1"      sasAcreditationNumber */
static const char EUICC_INFO2_SYSMO[] =
    "BF227D"
    "810302030182030203008303230623840D810108820400045BF883022419"
    "8505067F36F3C086030F0100870302030088020398"
    "A9160414" SKI_HEX "AA160414" SKI_HEX
    "99020640"
    "0403010000"
    "0C0F5359534D4F434F4D2D544553542D31";

static void test_empty_requests(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(get_euicc_info1_request, "BF2000");
    EXPECT_ROUNDTRIP(get_euicc_info2_request, "BF2200");
    EXPECT_ROUNDTRIP(euicc_configured_addresses_request, "BF3C00");
    EXPECT_ROUNDTRIP(get_rat_request, "BF4300");
    /* RSPDefinitions is EXTENSIBILITY IMPLIED: a component of a later
     * version is kept and written back; its framing must still be DER */
    EXPECT_ROUNDTRIP(get_euicc_info1_request, "BF2003800100");
    size_t len;
    uint8_t *buf = test_hex("BF2003800100", &len);
    sgp22_get_euicc_info1_request req;
    assert_int_equal(sgp22_decode_get_euicc_info1_request(buf, len, &req), AW_OK);
    test_assert_hex(req.extensions.ptr, req.extensions.len, "800100");
    free(buf);
    EXPECT_DECODE(get_euicc_info1_request, "BF2004A0028005", AW_ERR_DER_TRUNCATED);
    EXPECT_DECODE(get_euicc_info1_request, "BF200480008005", AW_ERR_DER_TRUNCATED);
    /* wrong outer tag */
    EXPECT_DECODE(get_euicc_info2_request, "BF2000", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(get_rat_request, "", AW_ERR_DER_TRUNCATED);
}

static void test_euicc_info1(void **state)
{
    (void)state;
    /* BF20 { 82 svn 2.2.0, A9 {04 SKI}, AA {04 SKI, 04 01 AA} } (by hand) */
    const char *hex = "BF2038" "8203020200" "A9160414" SKI_HEX "AA190414" SKI_HEX "0401AA";
    size_t len;
    uint8_t *buf = test_hex(hex, &len);
    sgp22_euicc_info1 info;
    assert_int_equal(sgp22_decode_euicc_info1(buf, len, &info), AW_OK);
    assert_int_equal(info.raw.len, len);
    test_assert_hex(info.svn.ptr, info.svn.len, "020200");
    assert_int_equal(info.euicc_ci_pkid_list_for_verification.count, 1);
    assert_int_equal(info.euicc_ci_pkid_list_for_signing.count, 2);
    sgp22_list_iter it;
    aw_slice ski;
    sgp22_list_iter_init(&it, info.euicc_ci_pkid_list_for_signing.raw);
    assert_int_equal(sgp22_octets_list_next(&it, &ski), AW_OK);
    test_assert_hex(ski.ptr, ski.len, SKI_HEX);
    assert_int_equal(sgp22_octets_list_next(&it, &ski), AW_OK);
    test_assert_hex(ski.ptr, ski.len, "AA");
    assert_int_equal(sgp22_octets_list_next(&it, &ski), AW_ERR_NOT_FOUND);
    free(buf);
    EXPECT_ROUNDTRIP(euicc_info1, hex);

    /* encode from arrays */
    const uint8_t svn[] = {2, 3, 0}, k1[] = {0x01, 0x02};
    aw_slice keys[] = {{k1, 2}};
    sgp22_euicc_info1 in = {.svn = {svn, 3}};
    in.euicc_ci_pkid_list_for_verification = (sgp22_octets_list){.count = 1, .items = keys};
    in.euicc_ci_pkid_list_for_signing = (sgp22_octets_list){.count = 0, .items = keys};
    EXPECT_ENCODE(euicc_info1, &in, "BF200D" "8203020300" "A90404020102" "AA00");

    EXPECT_DECODE(euicc_info1, "BF2008" "A90404020102" "AA00", AW_ERR_DER_MISSING); /* no svn */
    EXPECT_DECODE(euicc_info1, "BF200B" "8203020300" "A90404020102", AW_ERR_DER_MISSING); /* no [10] */
    EXPECT_DECODE(euicc_info1, "BF200C" "82020200" "A90404020102" "AA00", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info1, "BF200B" "8203020300" "A9020500" "AA00", AW_ERR_DER_UNEXPECTED_TAG);
    /* an extension addition after the root components is kept ... */
    EXPECT_ROUNDTRIP(euicc_info1, "BF200C" "8203020300" "A900" "AA00" "8B0100");
    /* ... but a known component after it is out of order */
    EXPECT_DECODE(euicc_info1, "BF200C" "8203020300" "A900" "8B0100" "AA00",
                  AW_ERR_DER_MISSING);
    EXPECT_DECODE(euicc_info1, "BF200E" "8203020300" "A900" "AA00" "8B0100" "A900",
                  AW_ERR_DER_ORDER);
    EXPECT_DECODE(euicc_info1, "BF200E" "8203020300" "8203020300" "A900" "AA00", AW_ERR_DER_ORDER);
    EXPECT_DECODE(euicc_info1, "BF2100", AW_ERR_DER_UNEXPECTED_TAG);
    /* a component whose length runs past its SEQUENCE */
    EXPECT_DECODE(euicc_info1, "BF20028205", AW_ERR_DER_TRUNCATED);
    /* a list element whose length runs past the list */
    EXPECT_DECODE(euicc_info1, "BF20098203020300A9020405", AW_ERR_DER_TRUNCATED);
}

static void test_euicc_info2_golden(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(EUICC_INFO2_SYSMO, &len);
    sgp22_euicc_info2 info;
    assert_int_equal(sgp22_decode_euicc_info2(buf, len, &info), AW_OK);
    test_assert_hex(info.profile_version.ptr, 3, "020301");
    test_assert_hex(info.svn.ptr, 3, "020300");
    test_assert_hex(info.euicc_firmware_ver.ptr, 3, "230623");
    assert_int_equal(info.ext_card_resource.len, 13);
    assert_int_equal(info.uicc_capability.unused_bits, 6);
    test_assert_hex(info.uicc_capability.bits.ptr, info.uicc_capability.bits.len, "7F36F3C0");
    assert_true(info.has_ts102241_version);
    assert_true(info.has_globalplatform_version);
    assert_int_equal(info.rsp_capability, SGP22_RSP_CAPABILITY_ADDITIONAL_PROFILE |
                                              SGP22_RSP_CAPABILITY_TEST_PROFILE_SUPPORT |
                                              SGP22_RSP_CAPABILITY_DEVICE_INFO_EXTENSIBILITY_SUPPORT);
    assert_int_equal(info.euicc_ci_pkid_list_for_verification.count, 1);
    assert_false(info.has_euicc_category);
    assert_true(info.has_forbidden_profile_policy_rules);
    assert_int_equal(info.forbidden_profile_policy_rules, SGP22_PPR1);
    test_assert_hex(info.pp_version.ptr, 3, "010000");
    assert_int_equal(info.sas_acreditation_number.len, 15);
    assert_memory_equal(info.sas_acreditation_number.ptr, "SYSMOCOM-TEST-1", 15);
    assert_false(info.has_certification_data_object);
    assert_false(info.has_iot_specific_info);
    free(buf);
    EXPECT_ROUNDTRIP(euicc_info2, EUICC_INFO2_SYSMO);
}

static void test_euicc_info2_all_fields(void **state)
{
    (void)state;
    const uint8_t v1[] = {2, 2, 0}, v2[] = {2, 3, 0}, v3[] = {3, 0, 0}, ext[] = {0x81, 0x01, 0x00};
    const uint8_t caps[] = {0xFF, 0x80}, msl[] = {0x05}, ski[] = {0x11, 0x22};
    const uint8_t iot[] = {0xB4, 0x03, 0x80, 0x01, 0x01}; /* SGP.32 content kept raw */
    aw_slice keys[] = {{ski, 2}};
    aw_slice versions[] = {{v1, 3}, {v2, 3}};
    sgp22_euicc_info2 in = {
        .profile_version = {v1, 3},
        .svn = {v2, 3},
        .euicc_firmware_ver = {v3, 3},
        .ext_card_resource = {ext, 3},
        .uicc_capability = {{caps, 2}, 7},
        .has_ts102241_version = true,
        .ts102241_version = {v3, 3},
        .has_globalplatform_version = true,
        .globalplatform_version = {v2, 3},
        .rsp_capability = SGP22_RSP_CAPABILITY_CRL_SUPPORT |
                          SGP22_RSP_CAPABILITY_TEST_PROFILE_ALLOWLIST_CHECK_SUPPORT,
        .euicc_ci_pkid_list_for_verification = {.count = 1, .items = keys},
        .euicc_ci_pkid_list_for_signing = {.count = 1, .items = keys},
        .has_euicc_category = true,
        .euicc_category = SGP22_EUICC_CATEGORY_MEDIUM,
        .has_forbidden_profile_policy_rules = true,
        .forbidden_profile_policy_rules = SGP22_PPR2,
        .pp_version = {v1, 3},
        .sas_acreditation_number = SLICE_STR("GI-BA-UP-0419"),
        .has_certification_data_object = true,
        .platform_label = SLICE_STR("PL"),
        .discovery_base_url = SLICE_STR("https://d.example"),
        .has_tre_properties = true,
        .tre_properties = SGP22_TRE_IS_INTEGRATED,
        .has_tre_product_reference = true,
        .tre_product_reference = SLICE_STR("TRE"),
        .has_additional_euicc_profile_package_versions = true,
        .additional_euicc_profile_package_versions = {.count = 2, .items = versions},
        .has_lpa_mode = true,
        .lpa_mode = 1,
        .has_euicc_ci_pkid_list_for_signing_v3 = true,
        .euicc_ci_pkid_list_for_signing_v3 = {.count = 1, .items = keys},
        .has_additional_euicc_info = true,
        .additional_euicc_info = {ski, 2},
        .has_highest_svn = true,
        .highest_svn = {v3, 3},
        .has_iot_specific_info = true,
        .iot_specific_info = {iot, sizeof(iot)},
        .has_euicc_minimum_security_level = true,
        .euicc_minimum_security_level = {msl, 1},
    };
    /* Structure (by hand from RSPDefinitions EUICCInfo2):
     * 81 020200 | 82 020300 | 83 030000 | 84 810100 | 85 07FF80 | 86 030000 |
     * 87 020300 | 88 03 40000008 (bits 1 and 28) | A9 {04 1122} | AA {04 1122} |
     * 8B 02 | 99 0520 (ppr2) | 04 020200 | 0C "GI-BA-UP-0419" |
     * AC {80 "PL", 81 "https://d.example"} | 8D 0640 | 8E "TRE" |
     * AF {04 020200, 04 020300} | 90 01 | B1 {04 1122} | 92 1122 | 93 030000 |
     * B4 {80 01} (raw) | 95 05 */
    const char *want =
        "BF228199"
        "8103020200" "8203020300" "8303030000" "8403810100" "850307FF80"
        "8603030000" "8703020300" "88050340000008"
        "A90404021122" "AA0404021122" "8B0102" "99020520"
        "0403020200" "0C0D47492D42412D55502D30343139"
        "AC17" "8002504C" "8111" "68747470733A2F2F642E6578616D706C65"
        "8D020640" "8E03545245" "AF0A04030202000403020300" "900101"
        "B10404021122" "92021122" "9303030000" "B403800101" "950105";
    EXPECT_ENCODE(euicc_info2, &in, want);

    size_t len;
    uint8_t *buf = test_hex(want, &len);
    sgp22_euicc_info2 out;
    assert_int_equal(sgp22_decode_euicc_info2(buf, len, &out), AW_OK);
    assert_int_equal(out.rsp_capability, in.rsp_capability);
    assert_int_equal(out.euicc_category, SGP22_EUICC_CATEGORY_MEDIUM);
    assert_int_equal(out.tre_properties, SGP22_TRE_IS_INTEGRATED);
    assert_int_equal(out.additional_euicc_profile_package_versions.count, 2);
    assert_int_equal(out.lpa_mode, 1);
    assert_int_equal(out.iot_specific_info.len, sizeof(iot));
    assert_memory_equal(out.discovery_base_url.ptr, "https://d.example", 17);
    free(buf);

    /* iotSpecificInfo given with another tag cannot be written */
    in.iot_specific_info = (aw_slice){ext, 3};
    EXPECT_ENCODE_FAILS(euicc_info2, &in, AW_ERR_ARGUMENT);
    in.iot_specific_info = (aw_slice){NULL, 0};
    EXPECT_ENCODE_FAILS(euicc_info2, &in, AW_ERR_ARGUMENT);
    EXPECT_ENCODE_FAILS(euicc_info2, NULL, AW_ERR_ARGUMENT);
}

/* The golden EUICCInfo2 with its tail (after the two PKId lists) replaced. */
#define EI2_HEAD(len)                                                                    \
    "BF22" len "810302030182030203008303230623840D810108820400045BF883022419"          \
    "8505067F36F3C086030F0100870302030088020398A9160414" SKI_HEX "AA160414" SKI_HEX

static void test_euicc_info2_errors(void **state)
{
    (void)state;
    /* ppVersion missing: sasAcreditationNumber follows the PPR directly */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("78") "99020640" "0C0F5359534D4F434F4D2D544553542D31",
                  AW_ERR_DER_MISSING);
    /* sasAcreditationNumber missing at the end */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6C") "99020640" "0403010000", AW_ERR_DER_MISSING);
    /* sasAcreditationNumber: 65 characters (SIZE(0..64)) */
    EXPECT_DECODE(euicc_info2,
                  EI2_HEAD("81AB") "0403010000" "0C41"
                  "414141414141414141414141414141414141414141414141414141414141414141"
                  "4141414141414141414141414141414141414141414141414141414141414141",
                  AW_ERR_DER_CONSTRAINT);
    /* sasAcreditationNumber: malformed UTF-8 (overlong C0 80, lone continuation) */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6C") "0403010000" "0C02C080", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6B") "0403010000" "0C0180", AW_ERR_DER_CONSTRAINT);
    /* UTF-8 edge cases (RFC 3629): U+0800 and U+10FFFF are characters; overlong
     * E0 80 80, surrogate ED A0 80, F4 90 80 80 past U+10FFFF, lead byte F5 and
     * a sequence cut short are not */
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("6D") "0403010000" "0C03E0A080");
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("6E") "0403010000" "0C04F48FBFBF");
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6D") "0403010000" "0C03E08080", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6D") "0403010000" "0C03EDA080", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6E") "0403010000" "0C04F4908080", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6B") "0403010000" "0C01F5", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6C") "0403010000" "0C02E282", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6D") "0403010000" "0C03E28241", AW_ERR_DER_CONSTRAINT);
    /* two-byte and four-byte UTF-8 sequences are characters */
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("70") "0403010000" "0C06C3A9F09F9880");
    /* certificationDataObject without discoveryBaseURL */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6E") "0403010000" "0C00" "AC028000",
                  AW_ERR_DER_MISSING);
    /* additionalEuiccInfo over 32 octets */
    EXPECT_DECODE(euicc_info2,
                  EI2_HEAD("818D") "0403010000" "0C00" "9221"
                  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20",
                  AW_ERR_DER_CONSTRAINT);
    /* euiccMinimumSecurityLevel must be one octet */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6E") "0403010000" "0C00" "95020102",
                  AW_ERR_DER_CONSTRAINT);
    /* a component of a later version is an extension addition, kept verbatim */
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("6C") "0403010000" "0C00" "9600");
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("72") "0403010000" "0C00" "AC0480008100" "9600");
    EXPECT_ROUNDTRIP(euicc_info2, EI2_HEAD("72") "0403010000" "0C00" "AC06800081008200");
    /* a known component after an extension is out of order */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6F") "0403010000" "0C00" "9600" "950105",
                  AW_ERR_DER_ORDER);
    /* an unknown component where a mandatory one belongs */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6C") "9600" "0403010000" "0C00", AW_ERR_DER_MISSING);
    /* additionalEuiccProfilePackageVersions: an element of 2 octets, then
     * an element that is not an OCTET STRING */
    EXPECT_DECODE(euicc_info2,
                  "BF222E810302030182030203008303230623840100" "8505067F36F3C0" "88020398"
                  "A900AA00" "0403010000" "0C00" "AF0404020200",
                  AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(euicc_info2,
                  "BF222F810302030182030203008303230623840100" "8505067F36F3C0" "88020398"
                  "A900AA00" "0403010000" "0C00" "AF050C03020200",
                  AW_ERR_DER_UNEXPECTED_TAG);
    /* components out of order: globalplatformVersion after rspCapability */
    EXPECT_DECODE(euicc_info2,
                  "BF222D810302030182030203008303230623840100" "8505067F36F3C0"
                  "88020398" "8703020300" "A900AA00" "0403010000" "0C00",
                  AW_ERR_DER_ORDER);
}

static void test_named_bits(void **state)
{
    (void)state;
    /* the golden head with an empty sasAcreditationNumber decodes */
    EXPECT_DECODE(euicc_info2, EI2_HEAD("6A") "0403010000" "0C00", AW_OK);
    /* rspCapability 02 90: bits 0 and 3 set, bits 4 and 5 present but zero, so
     * the named bit list ends with zero bits (X.690 11.2.2 forbids that) */
    EXPECT_DECODE(euicc_info2,
                  "BF2228810302030182030203008303230623840100" "8505067F36F3C0"
                  "88020290" "A900AA00" "0403010000" "0C00",
                  AW_ERR_DER_CONSTRAINT);
    /* more than 32 named bits */
    EXPECT_DECODE(euicc_info2,
                  "BF222C810302030182030203008303230623840100" "8505067F36F3C0"
                  "8806000000000080" "A900AA00" "0403010000" "0C00",
                  AW_ERR_DER_CONSTRAINT);
    /* unused-bit count above 7 in uiccCapability */
    EXPECT_DECODE(euicc_info2,
                  "BF2225810302030182030203008303230623840100" "850208FF"
                  "88020398" "A900AA00" "0403010000" "0C00",
                  AW_ERR_DER_CONSTRAINT);
    /* the empty named bit list: no bit set */
    EXPECT_ROUNDTRIP(euicc_info2,
                     "BF2227810302030182030203008303230623840100" "8505067F36F3C0"
                     "880100" "A900AA00" "0403010000" "0C00");
}

static void test_get_eid(void **state)
{
    (void)state;
    /* Real exchange logged in Iapyx-Informatica/onomondo-ipa issue #3
     * ("Profile enable succeeds on the eUICC but is never reported"):
     * GetEuiccDataRequest and the eUICC's GetEuiccDataResponse. */
    EXPECT_ROUNDTRIP(get_euicc_data_request, "BF3E035C015A");
    const char *resp = "BF3E125A1089049032000000000000279973200019";
    EXPECT_ROUNDTRIP(get_euicc_data_response, resp);
    size_t len;
    uint8_t *buf = test_hex(resp, &len);
    sgp22_get_euicc_data_response eid;
    assert_int_equal(sgp22_decode_get_euicc_data_response(buf, len, &eid), AW_OK);
    test_assert_hex(eid.eid_value.ptr, eid.eid_value.len, "89049032000000000000279973200019");
    free(buf);

    EXPECT_DECODE(get_euicc_data_request, "BF3E045C025A5A", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(get_euicc_data_request, "BF3E00", AW_ERR_DER_MISSING);
    EXPECT_DECODE(get_euicc_data_request, "BF3E035A015A", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(get_euicc_data_request, "BF3E055C015A8000");
    EXPECT_DECODE(get_euicc_data_request, "BF3E085C015A80005C015A", AW_ERR_DER_ORDER);
    EXPECT_DECODE(get_euicc_data_response, "BF3E115A0F890490320000000000002799732000",
                  AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(get_euicc_data_response, "BF3E00", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(get_euicc_data_response,
                     "BF3E145A1089049032000000000000279973200019" "8000");
}

static void test_configured_addresses(void **state)
{
    (void)state;
    /* BF3C { 80 "smdp.io", 81 "ds.io" } (by hand) */
    const char *both = "BF3C10" "8007736D64702E696F" "810564732E696F";
    EXPECT_ROUNDTRIP(euicc_configured_addresses_response, both);
    size_t len;
    uint8_t *buf = test_hex(both, &len);
    sgp22_euicc_configured_addresses_response a;
    assert_int_equal(sgp22_decode_euicc_configured_addresses_response(buf, len, &a), AW_OK);
    assert_true(a.has_default_dp_address);
    assert_memory_equal(a.default_dp_address.ptr, "smdp.io", 7);
    assert_memory_equal(a.root_ds_address.ptr, "ds.io", 5);
    free(buf);
    EXPECT_ROUNDTRIP(euicc_configured_addresses_response, "BF3C07810564732E696F");
    EXPECT_DECODE(euicc_configured_addresses_response, "BF3C098007736D64702E696F",
                  AW_ERR_DER_MISSING);
    EXPECT_DECODE(euicc_configured_addresses_response, "BF3C10" "810564732E696F" "8007736D64702E696F",
                  AW_ERR_DER_ORDER);

    EXPECT_ROUNDTRIP(set_default_dp_address_request, "BF3F098007736D64702E696F");
    EXPECT_DECODE(set_default_dp_address_request, "BF3F00", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(set_default_dp_address_request, "BF3F0B8007736D64702E696F8100");
    EXPECT_DECODE(set_default_dp_address_request, "BF3F098107736D64702E696F",
                  AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(set_default_dp_address_response, "BF3F03800100");
    EXPECT_ROUNDTRIP(set_default_dp_address_response, "BF3F0380017F");
    EXPECT_DECODE(set_default_dp_address_response, "BF3F0480020000", AW_ERR_DER_INTEGER);
    EXPECT_DECODE(set_default_dp_address_response, "BF3F00", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(set_default_dp_address_response, "BF3F058001008100");
    EXPECT_DECODE(set_default_dp_address_response, "BF3F058001008000", AW_ERR_DER_ORDER);

    sgp22_set_default_dp_address_response r = {
        .set_default_dp_address_result = SGP22_SET_DEFAULT_DP_ADDRESS_UNDEFINED_ERROR};
    EXPECT_ENCODE(set_default_dp_address_response, &r, "BF3F0380017F");
}

static void test_rat(void **state)
{
    (void)state;
    /* BF43 { A0 { 30 { 80 0640 {ppr1}, A1 { 30 {80 64F010}, 30 {80 64F020, 81 01 AA} },
     *                   82 0780 {consentRequired} } } } (by hand) */
    const char *hex = "BF431F" "A01D" "301B" "80020640" "A111" "3005800364F010"
                      "3008800364F0208101AA" "82020780";
    EXPECT_ROUNDTRIP(get_rat_response, hex);
    size_t len;
    uint8_t *buf = test_hex(hex, &len);
    sgp22_get_rat_response rat;
    assert_int_equal(sgp22_decode_get_rat_response(buf, len, &rat), AW_OK);
    assert_int_equal(rat.rat.count, 1);
    sgp22_list_iter it, ops;
    sgp22_profile_policy_authorisation_rule rule;
    sgp22_operator_id op;
    sgp22_list_iter_init(&it, rat.rat.raw);
    assert_int_equal(sgp22_rat_list_next(&it, &rule), AW_OK);
    assert_int_equal(rule.ppr_ids, SGP22_PPR1);
    assert_int_equal(rule.ppr_flags, SGP22_PPR_FLAG_CONSENT_REQUIRED);
    assert_int_equal(rule.allowed_operators.count, 2);
    sgp22_list_iter_init(&ops, rule.allowed_operators.raw);
    assert_int_equal(sgp22_operator_id_list_next(&ops, &op), AW_OK);
    test_assert_hex(op.mcc_mnc.ptr, 3, "64F010");
    assert_false(op.has_gid1);
    assert_int_equal(sgp22_operator_id_list_next(&ops, &op), AW_OK);
    assert_true(op.has_gid1);
    test_assert_hex(op.gid1.ptr, op.gid1.len, "AA");
    assert_int_equal(sgp22_operator_id_list_next(&ops, &op), AW_ERR_NOT_FOUND);
    assert_int_equal(sgp22_rat_list_next(&it, &rule), AW_ERR_NOT_FOUND);
    free(buf);

    /* the same table built from arrays */
    const uint8_t m1[] = {0x64, 0xF0, 0x10}, m2[] = {0x64, 0xF0, 0x20}, g[] = {0xAA};
    sgp22_operator_id operators[] = {{.mcc_mnc = {m1, 3}},
                                     {.mcc_mnc = {m2, 3}, .has_gid1 = true, .gid1 = {g, 1}}};
    sgp22_profile_policy_authorisation_rule rules[] = {{
        .ppr_ids = SGP22_PPR1,
        .allowed_operators = {.count = 2, .items = operators},
        .ppr_flags = SGP22_PPR_FLAG_CONSENT_REQUIRED,
    }};
    sgp22_get_rat_response in = {.rat = {.count = 1, .items = rules}};
    EXPECT_ENCODE(get_rat_response, &in, hex);

    /* a rule decoded from the table is written back from its raw operator list */
    buf = test_hex(hex, &len);
    assert_int_equal(sgp22_decode_get_rat_response(buf, len, &rat), AW_OK);
    sgp22_list_iter_init(&it, rat.rat.raw);
    assert_int_equal(sgp22_rat_list_next(&it, &rule), AW_OK);
    sgp22_get_rat_response again = {.rat = {.count = 1, .items = &rule}};
    EXPECT_ENCODE(get_rat_response, &again, hex);
    free(buf);

    /* iterators over bytes that were not validated report the framing error */
    const uint8_t cut[] = {0x30, 0x05, 0x80};
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_rat_list_next(&it, &rule), AW_ERR_DER_TRUNCATED);
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_operator_id_list_next(&it, &op), AW_ERR_DER_TRUNCATED);
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    aw_slice octets;
    assert_int_equal(sgp22_octets_list_next(&it, &octets), AW_ERR_DER_UNEXPECTED_TAG);

    EXPECT_ROUNDTRIP(get_rat_response, "BF4302A000");
    EXPECT_ROUNDTRIP(get_rat_response, "BF4304A0008000");
    /* a rule and an operator with extension additions */
    EXPECT_ROUNDTRIP(get_rat_response, "BF4317" "A015" "3013" "80020640" "A107" "3005800364F010"
                                       "82020780" "8300");
    EXPECT_ROUNDTRIP(get_rat_response, "BF4317" "A015" "3013" "80020640" "A109" "3007800364F0108300"
                                       "82020780");
    /* pprFlags missing */
    EXPECT_DECODE(get_rat_response, "BF430A" "A008" "3006" "80020640" "A100", AW_ERR_DER_MISSING);
    /* an element that is not a SEQUENCE */
    EXPECT_DECODE(get_rat_response, "BF430C" "A00A" "3108" "80020640" "A100" "8200",
                  AW_ERR_DER_UNEXPECTED_TAG);
    /* mccMnc of two octets */
    EXPECT_DECODE(get_rat_response, "BF4312" "A010" "300E" "80020640" "A106" "3004800264F0" "8200",
                  AW_ERR_DER_CONSTRAINT);
    /* an allowedOperators element with another tag */
    EXPECT_DECODE(get_rat_response, "BF430E" "A00C" "300A" "80020640" "A102" "0400" "8200",
                  AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(get_rat_response, "BF4300", AW_ERR_DER_MISSING);
}

static void test_operator_id(void **state)
{
    (void)state;
    /* profileOwner B7 { 80 mccMnc, 81 gid1, 82 gid2 } */
    size_t len;
    uint8_t *buf = test_hex("B70C800362F2108101018202FFFF", &len);
    sgp22_operator_id op;
    assert_int_equal(sgp22_decode_operator_id(buf, len, 0xB7, &op), AW_OK);
    assert_true(op.has_gid1 && op.has_gid2);
    test_assert_hex(op.gid2.ptr, op.gid2.len, "FFFF");
    sgp22_operator_id other;
    assert_int_equal(sgp22_decode_operator_id(buf, len, DER_TAG_SEQUENCE, &other),
                     AW_ERR_DER_UNEXPECTED_TAG);
    assert_false(other.has_gid1); /* cleared on failure */
    der_builder b;
    der_builder_init(&b);
    sgp22_put_operator_id(&b, 0xB7, &op);
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(der_builder_finish(&b, &enc, &enc_len), AW_OK);
    test_assert_hex(enc, enc_len, "B70C800362F2108101018202FFFF");
    free(enc);
    free(buf);
}

/* Every decoder refuses a NULL output. */
static void test_null_output(void **state)
{
    (void)state;
    const uint8_t byte[1] = {0x30};
    assert_int_equal(sgp22_decode_get_euicc_info1_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_euicc_info2_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_configured_addresses_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_rat_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_info1(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_info2(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_euicc_data_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_euicc_data_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_configured_addresses_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_set_default_dp_address_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_set_default_dp_address_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_rat_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_operator_id(byte, 1, 0x30, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_output),
        cmocka_unit_test(test_empty_requests),
        cmocka_unit_test(test_euicc_info1),
        cmocka_unit_test(test_euicc_info2_golden),
        cmocka_unit_test(test_euicc_info2_all_fields),
        cmocka_unit_test(test_euicc_info2_errors),
        cmocka_unit_test(test_named_bits),
        cmocka_unit_test(test_get_eid),
        cmocka_unit_test(test_configured_addresses),
        cmocka_unit_test(test_rat),
        cmocka_unit_test(test_operator_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
