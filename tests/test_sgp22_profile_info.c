/* Tests for the SGP.22 ES10c profile codecs (src/core/sgp22_profile_info.c):
 * GetProfilesInfo (5.7.15), Enable/Disable/DeleteProfile (5.7.16-18),
 * eUICCMemoryReset (5.7.19), SetNickname (5.7.21). */
#include "sgp22_info_testutil.h"

#include "core/sgp22_profile_info.h"

#define ICCID_HEX "989444999999990930F1" /* 8949449999999990031, nibble-swapped, F pad */
#define AID_HEX "A0000005591010FFFFFFFF8900001200"

/* ProfileInfoListResponse with the second profile of a sysmoEUICC1 test card.
 * Source: osmocom/pysim tests/pySim-shell_test/euicc/get_profiles_info.ok
 * (the card's answer as decoded by pySim); re-encoded by hand:
 *   BF2D 46 A0 44 E3 42
 *     5A 0A <ICCID>   4F 10 <ISD-P AID>   9F70 01 00 (disabled)
 *     91 0A "OsmocomSPN"   92 0F "TS48V1-B-UNIQUE"   95 01 02 (operational) */
static const char PROFILE_LIST_SYSMO[] =
    "BF2D46A044E342"
    "5A0A" ICCID_HEX "4F10" AID_HEX "9F700100"
    "910A4F736D6F636F6D53504E" "920F5453343856312D422D554E49515545" "950102";

/* A ProfileInfo with every component (by hand from RSPDefinitions):
 * E3 { 5A, 4F, 9F70 01, 90 "my nick", 91 "SP", 92 "Name", 93 01 (png),
 *      94 89504E47, 95 02, B6 {30 {80 0780 (install), 81 "smdp.io"}},
 *      B7 {80 62F210, 81 AA}, B8 {06 888888, 04 00}, 99 0640 (ppr1),
 *      BF22 {30 {80 2A03, A1 {04 00}}}, 9F7B FF, 9F26 FF, 9F67 00, BF64 {80 FF} } */
static const char PROFILE_INFO_FULL[] =
    "E38188" "5A0A" ICCID_HEX "4F10" AID_HEX "9F700101" "90076D79206E69636B" "91025350"
    "92044E616D65" "930101" "940489504E47" "950102"
    "B60F300D800207808107736D64702E696F" "B708800362F2108101AA" "B8070603888888" "0400"
    "99020640" "BF220A300880022A03A1020400" "9F7B01FF" "9F2601FF" "9F670100" "BF64038001FF";

static void test_list_request(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(profile_info_list_request, "BF2D00");
    EXPECT_ROUNDTRIP(profile_info_list_request, "BF2D0EA00C5A0A" ICCID_HEX);
    EXPECT_ROUNDTRIP(profile_info_list_request, "BF2D07A0039501025D00");
    const char *by_aid = "BF2D20A0124F10" AID_HEX "5C0A5A4F9F70909192959F7B";
    EXPECT_ROUNDTRIP(profile_info_list_request, by_aid);
    size_t len;
    uint8_t *buf = test_hex(by_aid, &len);
    sgp22_profile_info_list_request req;
    assert_int_equal(sgp22_decode_profile_info_list_request(buf, len, &req), AW_OK);
    assert_int_equal(req.search_kind, SGP22_PROFILE_SEARCH_ISDP_AID);
    test_assert_hex(req.search_value.ptr, req.search_value.len, AID_HEX);
    assert_true(req.has_tag_list);
    assert_int_equal(req.tag_list.len, 10);
    assert_false(req.has_iot_specific_tag_list);
    free(buf);

    sgp22_profile_info_list_request in = {.search_kind = SGP22_PROFILE_SEARCH_PROFILE_CLASS,
                                          .search_profile_class = SGP22_PROFILE_CLASS_TEST};
    EXPECT_ENCODE(profile_info_list_request, &in, "BF2D05A003950100");
    in.search_kind = (sgp22_profile_search_kind)9;
    EXPECT_ENCODE_FAILS(profile_info_list_request, &in, AW_ERR_ARGUMENT);

    EXPECT_DECODE(profile_info_list_request, "BF2D02A000", AW_ERR_DER_MISSING);
    EXPECT_DECODE(profile_info_list_request, "BF2D08A006950102950100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info_list_request, "BF2D05A003800100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info_list_request, "BF2D0DA00B5A09989444999999990930",
                  AW_ERR_DER_CONSTRAINT);
    /* later-version components are kept (EXTENSIBILITY IMPLIED) */
    EXPECT_ROUNDTRIP(profile_info_list_request, "BF2D025E00");
    EXPECT_DECODE(profile_info_list_request, "BF2D045E005C00", AW_ERR_DER_ORDER);
    EXPECT_DECODE(profile_info_list_request, "BF2D075C00A003950102", AW_ERR_DER_ORDER);
    EXPECT_DECODE(profile_info_list_request, "BF2E00", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_list_response_golden(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(profile_info_list_response, PROFILE_LIST_SYSMO);
    size_t len;
    uint8_t *buf = test_hex(PROFILE_LIST_SYSMO, &len);
    sgp22_profile_info_list_response resp;
    assert_int_equal(sgp22_decode_profile_info_list_response(buf, len, &resp), AW_OK);
    assert_int_equal(resp.kind, SGP22_PROFILE_INFO_LIST_OK);
    assert_int_equal(resp.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info pi;
    sgp22_list_iter_init(&it, resp.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &pi), AW_OK);
    test_assert_hex(pi.iccid.ptr, pi.iccid.len, ICCID_HEX);
    test_assert_hex(pi.isdp_aid.ptr, pi.isdp_aid.len, AID_HEX);
    assert_true(pi.has_profile_state);
    assert_int_equal(pi.profile_state, SGP22_PROFILE_STATE_DISABLED);
    assert_false(pi.has_profile_nickname);
    assert_memory_equal(pi.service_provider_name.ptr, "OsmocomSPN", 10);
    assert_memory_equal(pi.profile_name.ptr, "TS48V1-B-UNIQUE", 15);
    assert_int_equal(pi.profile_class, SGP22_PROFILE_CLASS_OPERATIONAL);
    assert_int_equal(pi.raw.len, 0x44);
    assert_int_equal(sgp22_profile_info_list_next(&it, &pi), AW_ERR_NOT_FOUND);
    free(buf);

    /* iterators over bytes that were not validated report the framing error */
    const uint8_t cut[] = {0xE3, 0x05, 0x80};
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_profile_info_list_next(&it, &pi), AW_ERR_DER_TRUNCATED);
    sgp22_notification_configuration_information nci;
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_notification_configuration_list_next(&it, &nci), AW_ERR_DER_TRUNCATED);

    EXPECT_ROUNDTRIP(profile_info_list_response, "BF2D02A000");
    EXPECT_ROUNDTRIP(profile_info_list_response, "BF2D0381017F");
    EXPECT_DECODE(profile_info_list_response, "BF2D00", AW_ERR_DER_MISSING);
    EXPECT_DECODE(profile_info_list_response, "BF2D05A00081017F", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info_list_response, "BF2D03820101", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info_list_response, "BF2D04A0023000", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info_list_response, "BF2D048102007F", AW_ERR_DER_INTEGER);
}

static void test_profile_info_full(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(profile_info, PROFILE_INFO_FULL);
    size_t len;
    uint8_t *buf = test_hex(PROFILE_INFO_FULL, &len);
    sgp22_profile_info pi;
    assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_OK);
    assert_int_equal(pi.profile_state, SGP22_PROFILE_STATE_ENABLED);
    assert_int_equal(pi.icon_type, SGP22_ICON_TYPE_PNG);
    assert_int_equal(pi.notification_configuration_info.count, 1);
    sgp22_list_iter it;
    sgp22_notification_configuration_information nci;
    sgp22_list_iter_init(&it, pi.notification_configuration_info.raw);
    assert_int_equal(sgp22_notification_configuration_list_next(&it, &nci), AW_OK);
    assert_int_equal(nci.profile_management_operation, SGP22_NOTIFICATION_INSTALL);
    assert_memory_equal(nci.notification_address.ptr, "smdp.io", 7);
    assert_int_equal(sgp22_notification_configuration_list_next(&it, &nci), AW_ERR_NOT_FOUND);
    test_assert_hex(pi.profile_owner.mcc_mnc.ptr, 3, "62F210");
    test_assert_hex(pi.dp_oid.ptr, pi.dp_oid.len, "888888");
    assert_int_equal(pi.dp_proprietary_data.len, 9);
    assert_int_equal(pi.profile_policy_rules, SGP22_PPR1);
    assert_true(pi.has_service_specific_data_stored_in_euicc);
    assert_true(pi.ecall_indication && pi.fallback_attribute);
    assert_true(pi.has_fallback_allowed);
    assert_false(pi.fallback_allowed);
    assert_int_equal(pi.iot_specific_profile_info.len, 6);

    /* Build the same from fields and arrays; dpProprietaryData from its OID */
    sgp22_notification_configuration_information configs[] = {
        {.profile_management_operation = SGP22_NOTIFICATION_INSTALL,
         .notification_address = SLICE_STR("smdp.io")}};
    sgp22_profile_info in = pi;
    in.raw = (aw_slice){0};
    in.notification_configuration_info = (sgp22_notification_configuration_list){
        .count = 1, .items = configs};
    in.dp_proprietary_data = (aw_slice){0};
    in.has_iot_specific_profile_info = false;
    in.has_service_specific_data_stored_in_euicc = false;
    in.fallback_attribute = false;
    /* E3 without BF22, 9F26 and BF64, and B8 rebuilt as {06 888888} */
    EXPECT_ENCODE(profile_info, &in,
                  "E36F" "5A0A" ICCID_HEX "4F10" AID_HEX "9F700101" "90076D79206E69636B" "91025350"
                  "92044E616D65" "930101" "940489504E47" "950102"
                  "B60F300D800207808107736D64702E696F" "B708800362F2108101AA" "B8050603888888"
                  "99020640" "9F7B01FF" "9F670100");

    /* a component kept raw must carry its own tag */
    in.has_iot_specific_profile_info = true;
    in.iot_specific_profile_info = pi.profile_owner.mcc_mnc;
    EXPECT_ENCODE_FAILS(profile_info, &in, AW_ERR_ARGUMENT);
    in.has_iot_specific_profile_info = false;
    in.dp_proprietary_data = pi.iot_specific_profile_info; /* BF64 is not B8 */
    EXPECT_ENCODE_FAILS(profile_info, &in, AW_ERR_ARGUMENT);
    free(buf);

    /* the empty ProfileInfo (every component is optional) */
    sgp22_profile_info empty = {0};
    EXPECT_ENCODE(profile_info, &empty, "E300");
}

/* Build E3 { <tag> <len> <len bytes of fill> } for size-limit tests. */
static uint8_t *profile_info_with(uint32_t tag, uint8_t fill, size_t n, size_t *out_len)
{
    uint8_t *content = malloc(n ? n : 1);
    assert_non_null(content);
    memset(content, fill, n);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_PROFILE_INFO);
    der_put_tlv(&b, tag, content, n);
    der_builder_end(&b);
    uint8_t *out;
    assert_int_equal(der_builder_finish(&b, &out, out_len), AW_OK);
    free(content);
    return out;
}

static void test_profile_info_limits(void **state)
{
    (void)state;
    sgp22_profile_info pi;
    size_t len;
    uint8_t *buf;
    struct {
        uint32_t tag;
        uint8_t fill;
        size_t ok, too_long;
    } limits[] = {
        {DER_CTX(16), 'A', 64, 65},   /* profileNickname */
        {DER_CTX(17), 'A', 32, 33},   /* serviceProviderName */
        {DER_CTX(18), 'A', 64, 65},   /* profileName */
        {DER_CTX(20), 0x00, 1024, 1025}, /* icon */
        {SGP22_TAG_ISDP_AID, 0xA0, 16, 17},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        buf = profile_info_with(limits[i].tag, limits[i].fill, limits[i].ok, &len);
        assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_OK);
        free(buf);
        buf = profile_info_with(limits[i].tag, limits[i].fill, limits[i].too_long, &len);
        assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_ERR_DER_CONSTRAINT);
        free(buf);
    }
    /* SIZE counts characters: 64 two-byte characters are allowed */
    buf = profile_info_with(DER_CTX(16), 0, 128, &len);
    for (size_t i = 0; i < 128; i += 2) { /* E3 81 83 90 81 80 <content> */
        buf[6 + i] = 0xC3;
        buf[7 + i] = 0xA9;
    }
    assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_OK);
    assert_int_equal(pi.profile_nickname.len, 128);
    free(buf);
    /* dpProprietaryData: at most 128 octets with tag and length */
    buf = profile_info_with(DER_CTX_CONS(24), 0, 126, &len); /* E3 81 80 B8 7E: 128 octets */
    memcpy(buf + 5, "\x06\x01\x01\x04\x79", 5);
    assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_OK);
    free(buf);
    buf = profile_info_with(DER_CTX_CONS(24), 0, 127, &len); /* E3 81 81 B8 7F: 129 octets */
    memcpy(buf + 5, "\x06\x01\x01\x04\x7A", 5);
    assert_int_equal(sgp22_decode_profile_info(buf, len, &pi), AW_ERR_DER_CONSTRAINT);
    free(buf);

    EXPECT_DECODE(profile_info, "E30B5A09989444999999990930", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(profile_info, "E3049F260100", AW_ERR_DER_CONSTRAINT); /* DEFAULT FALSE encoded */
    EXPECT_DECODE(profile_info, "E302B800", AW_ERR_DER_MISSING);        /* dpOid missing */
    EXPECT_DECODE(profile_info, "E304B8020600", AW_ERR_DER_CONSTRAINT); /* empty dpOid */
    EXPECT_DECODE(profile_info, "E308B606300480020780", AW_ERR_DER_MISSING);
    EXPECT_DECODE(profile_info, "E304B6023100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info, "E302B700", AW_ERR_DER_MISSING); /* mccMnc */
    /* refArDo (BF76) of SGP.22 v2.x is not in this version: an extension */
    EXPECT_ROUNDTRIP(profile_info, "E314" "5A0A" ICCID_HEX "BF7605E203C10100");
    EXPECT_DECODE(profile_info, "E3099F700100" "9600" "950102", AW_ERR_DER_ORDER);
    EXPECT_DECODE(profile_info, "E30F4F01AA5A0A" ICCID_HEX, AW_ERR_DER_ORDER);
    EXPECT_DECODE(profile_info, "E3059F70020001", AW_ERR_DER_INTEGER);
    EXPECT_DECODE(profile_info, "E3049F7B0102", AW_ERR_DER_BOOLEAN);
    EXPECT_DECODE(profile_info, "E203800100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(profile_info, "E300" "00", AW_ERR_DER_TRAILING);
}

static void test_list_response_from_array(void **state)
{
    (void)state;
    const uint8_t iccid1[] = {0x98, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    sgp22_profile_info profiles[] = {
        {.has_iccid = true, .iccid = {iccid1, 10}, .has_profile_state = true,
         .profile_state = SGP22_PROFILE_STATE_ENABLED},
        {.has_profile_class = true, .profile_class = SGP22_PROFILE_CLASS_TEST},
    };
    sgp22_profile_info_list_response resp = {
        .kind = SGP22_PROFILE_INFO_LIST_OK,
        .profile_info_list_ok = {.count = 2, .items = profiles},
    };
    EXPECT_ENCODE(profile_info_list_response, &resp,
                  "BF2D19A017" "E3105A0A98000000000000000001" "9F700101" "E303950100");
    resp.kind = SGP22_PROFILE_INFO_LIST_ERROR;
    resp.profile_info_list_error = SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES;
    EXPECT_ENCODE(profile_info_list_response, &resp, "BF2D03810101");
    resp.kind = (sgp22_profile_info_list_response_kind)0;
    EXPECT_ENCODE_FAILS(profile_info_list_response, &resp, AW_ERR_ARGUMENT);
}

static void test_enable_disable(void **state)
{
    (void)state;
    const char *enable = "BF3111A00C5A0A" ICCID_HEX "8101FF";
    EXPECT_ROUNDTRIP(enable_profile_request, enable);
    size_t len;
    uint8_t *buf = test_hex(enable, &len);
    sgp22_enable_profile_request req;
    assert_int_equal(sgp22_decode_enable_profile_request(buf, len, &req), AW_OK);
    assert_int_equal(req.profile_identifier.kind, SGP22_PROFILE_IDENTIFIER_ICCID);
    assert_true(req.refresh_flag);
    /* the same bytes under the DisableProfile tag are refused */
    assert_int_equal(sgp22_decode_disable_profile_request(buf, len, &req),
                     AW_ERR_DER_UNEXPECTED_TAG);
    free(buf);

    sgp22_disable_profile_request dis = {
        .profile_identifier = {SGP22_PROFILE_IDENTIFIER_ISDP_AID, {NULL, 0}}};
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                           0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x12, 0x00};
    dis.profile_identifier.value = (aw_slice){aid, sizeof(aid)};
    EXPECT_ENCODE(disable_profile_request, &dis, "BF3217A0124F10" AID_HEX "810100");
    dis.profile_identifier.kind = (sgp22_profile_identifier_kind)0;
    EXPECT_ENCODE_FAILS(disable_profile_request, &dis, AW_ERR_ARGUMENT);

    EXPECT_DECODE(enable_profile_request, "BF310EA00C5A0A" ICCID_HEX, AW_ERR_DER_MISSING);
    EXPECT_DECODE(enable_profile_request, "BF3111A00C5A0A" ICCID_HEX "810101", AW_ERR_DER_BOOLEAN);
    EXPECT_DECODE(enable_profile_request, "BF3105A0008101FF", AW_ERR_DER_MISSING);
    EXPECT_DECODE(enable_profile_request, "BF3107A0025A058101FF", AW_ERR_DER_TRUNCATED);
    EXPECT_DECODE(enable_profile_request, "BF3118A0134F11" AID_HEX "008101FF",
                  AW_ERR_DER_CONSTRAINT);
    EXPECT_ROUNDTRIP(enable_profile_request, "BF3113A00C5A0A" ICCID_HEX "8101FF8200");
    EXPECT_DECODE(enable_profile_request, "BF3113A00C5A0A" ICCID_HEX "8200" "8101FF",
                  AW_ERR_DER_MISSING);
    EXPECT_DECODE(enable_profile_request, "BF3108A0038001008101FF", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(enable_profile_request, "BF3103810100", AW_ERR_DER_MISSING);

    EXPECT_ROUNDTRIP(enable_profile_response, "BF3103800100");
    EXPECT_ROUNDTRIP(disable_profile_response, "BF3203800102");
    sgp22_enable_profile_response er = {.enable_result = SGP22_ENABLE_RESULT_CAT_BUSY};
    EXPECT_ENCODE(enable_profile_response, &er, "BF3103800105");
    sgp22_disable_profile_response dr = {.disable_result = SGP22_DISABLE_RESULT_UNDEFINED_ERROR};
    EXPECT_ENCODE(disable_profile_response, &dr, "BF320380017F");
    EXPECT_DECODE(enable_profile_response, "BF3100", AW_ERR_DER_MISSING);
    EXPECT_DECODE(enable_profile_response, "BF3103810100", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(enable_profile_response, "BF3106800100810100");
}

static void test_delete_reset_nickname(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(delete_profile_request, "BF330C5A0A" ICCID_HEX);
    EXPECT_ROUNDTRIP(delete_profile_request, "BF33124F10" AID_HEX);
    EXPECT_DECODE(delete_profile_request, "BF3300", AW_ERR_DER_MISSING);
    EXPECT_DECODE(delete_profile_request, "BF33185A0A" ICCID_HEX "5A0A" ICCID_HEX,
                  AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(delete_profile_request, "BF3303800100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(delete_profile_request, "BF3200", AW_ERR_DER_UNEXPECTED_TAG);
    sgp22_delete_profile_request del = {0};
    del.profile_identifier.kind = (sgp22_profile_identifier_kind)7;
    EXPECT_ENCODE_FAILS(delete_profile_request, &del, AW_ERR_ARGUMENT);
    EXPECT_ROUNDTRIP(delete_profile_response, "BF3303800103");
    sgp22_delete_profile_response delr = {.delete_result = SGP22_DELETE_RESULT_OK};
    EXPECT_ENCODE(delete_profile_response, &delr, "BF3303800100");

    /* resetOptions {deleteOperationalProfiles, resetDefaultSmdpAddress}: 05 A0 */
    sgp22_euicc_memory_reset_request reset = {
        .reset_options = SGP22_RESET_DELETE_OPERATIONAL_PROFILES | SGP22_RESET_DEFAULT_SMDP_ADDRESS};
    EXPECT_ENCODE(euicc_memory_reset_request, &reset, "BF34048202" "05A0");
    EXPECT_DECODE(euicc_memory_reset_request, "BF3400", AW_ERR_DER_MISSING);
    EXPECT_DECODE(euicc_memory_reset_request, "BF34048202" "0480", AW_ERR_DER_CONSTRAINT);
    EXPECT_ROUNDTRIP(euicc_memory_reset_request, "BF3407820205A0800100");
    sgp22_euicc_memory_reset_response rr = {.reset_result = SGP22_RESET_RESULT_NOTHING_TO_DELETE};
    EXPECT_ENCODE(euicc_memory_reset_response, &rr, "BF3403800101");

    const char *nick = "BF29135A0A" ICCID_HEX "900568656C6C6F";
    EXPECT_ROUNDTRIP(set_nickname_request, nick);
    size_t len;
    uint8_t *buf = test_hex(nick, &len);
    sgp22_set_nickname_request sn;
    assert_int_equal(sgp22_decode_set_nickname_request(buf, len, &sn), AW_OK);
    assert_memory_equal(sn.profile_nickname.ptr, "hello", 5);
    free(buf);
    EXPECT_DECODE(set_nickname_request, "BF290C5A0A" ICCID_HEX, AW_ERR_DER_MISSING);
    EXPECT_DECODE(set_nickname_request,
                  "BF294F5A0A" ICCID_HEX "9041"
                  "4141414141414141414141414141414141414141414141414141414141414141"
                  "414141414141414141414141414141414141414141414141414141414141414141",
                  AW_ERR_DER_CONSTRAINT);
    sgp22_set_nickname_response snr = {.set_nickname_result = SGP22_SET_NICKNAME_RESULT_ICCID_NOT_FOUND};
    EXPECT_ENCODE(set_nickname_response, &snr, "BF2903800101");
    EXPECT_DECODE(set_nickname_response, "BF2903800200", AW_ERR_DER_TRUNCATED);
}

/* Every decoder refuses a NULL output. */
static void test_null_output(void **state)
{
    (void)state;
    const uint8_t byte[1] = {0x30};
    assert_int_equal(sgp22_decode_profile_info(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_profile_info_list_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_profile_info_list_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_enable_profile_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_enable_profile_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_disable_profile_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_disable_profile_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_delete_profile_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_delete_profile_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_memory_reset_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_memory_reset_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_set_nickname_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_set_nickname_response(byte, 1, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_output),
        cmocka_unit_test(test_list_request),
        cmocka_unit_test(test_list_response_golden),
        cmocka_unit_test(test_profile_info_full),
        cmocka_unit_test(test_profile_info_limits),
        cmocka_unit_test(test_list_response_from_array),
        cmocka_unit_test(test_enable_disable),
        cmocka_unit_test(test_delete_reset_nickname),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
