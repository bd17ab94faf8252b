/* Tests for the SGP.22 notification codecs (src/core/sgp22_notification.c):
 * NotificationMetadata, ListNotification (5.7.9), RetrieveNotificationsList
 * (5.7.10), RemoveNotificationFromList (5.7.11), HandleNotification (5.6.4). */
#include "sgp22_info_testutil.h"

#include "core/sgp22_notification.h"

/* NotificationMetadata for an install (seqNumber 0x4C66, notificationInstall,
 * "10.10.12.164/dp-plus-interface", ICCID) inside a ProfileInstallationResult.
 * Source: openharmony/telephony_core_service,
 * test/unittest/esim_gtest/esim_test.cpp, bppCombineHexStr. */
#define METADATA_HEX                                                                     \
    "BF2F3480024C66810207800C1E31302E31302E31322E3136342F64702D706C75732D696E746572666163" \
    "655A0A98680010203040506080"

/* The whole ProfileInstallationResult (BF37) of the same source. */
#define PIR_HEX                                                                          \
    "BF3781ADBF27678008D14FE1DE62C340D7" METADATA_HEX                                    \
    "060388370AA21FA01D4F10A0000005591010FFFFFFFF890000120004093007A00530038001005F3740"   \
    "B354AE39D08ACD7EDD7D2D01C73378621F623B832DFA3243489C5B42C90F22014E6C928130D78EE56198" \
    "2EF412AC3D94C04B56F37657DA84FD7BB24DD5634E89"

/* 64-octet placeholder signature and two placeholder "certificates" (well-formed
 * DER SEQUENCEs: the codec keeps certificates raw and checks framing only). */
#define SIG_HEX                                                                          \
    "11111111111111111111111111111111111111111111111111111111111111111111111111111111"     \
    "111111111111111111111111111111111111111111111111"
#define OTHER_SIGNED_HEX "308184" METADATA_HEX "5F3740" SIG_HEX "3003020101" "3003020102"

static void test_metadata(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(notification_metadata, METADATA_HEX);
    size_t len;
    uint8_t *buf = test_hex(METADATA_HEX, &len);
    sgp22_notification_metadata md;
    assert_int_equal(sgp22_decode_notification_metadata(buf, len, &md), AW_OK);
    assert_int_equal(md.seq_number, 0x4C66);
    assert_int_equal(md.profile_management_operation, SGP22_NOTIFICATION_INSTALL);
    assert_int_equal(md.notification_address.len, 30);
    assert_memory_equal(md.notification_address.ptr, "10.10.12.164/dp-plus-interface", 30);
    assert_true(md.has_iccid);
    test_assert_hex(md.iccid.ptr, md.iccid.len, "98680010203040506080");
    assert_ptr_equal(md.raw.ptr, buf);
    assert_int_equal(md.raw.len, len);
    free(buf);

    /* from fields: seq 1, notificationDisable, "a.b", no ICCID */
    sgp22_notification_metadata in = {.seq_number = 1,
                                      .profile_management_operation = SGP22_NOTIFICATION_DISABLE,
                                      .notification_address = SLICE_STR("a.b")};
    EXPECT_ENCODE(notification_metadata, &in, "BF2F0C800101810205200C03612E62");
    const uint8_t iccid[10] = {0x98, 0x10};
    in.has_iccid = true;
    in.iccid = (aw_slice){iccid, 10};
    EXPECT_ENCODE(notification_metadata, &in,
                  "BF2F18800101810205200C03612E62" "5A0A98100000000000000000");
    in.has_iccid = false;
    /* a decoded (signed) metadata is written back verbatim from raw */
    const uint8_t signed_bytes[] = {0xBF, 0x2F, 0x00};
    in.raw = (aw_slice){signed_bytes, sizeof(signed_bytes)};
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_notification_metadata(&in, &enc, &enc_len), AW_OK);
    test_assert_hex(enc, enc_len, "BF2F00");
    free(enc);

    EXPECT_DECODE(notification_metadata, "BF2F0B8001018101000C03612E62", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(notification_metadata, "BF2F0C800101810206C00C03612E62", AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(notification_metadata, "BF2F0780010181020520", AW_ERR_DER_MISSING);
    EXPECT_DECODE(notification_metadata, "BF2F17800101810205200C03612E625A09000000000000000000",
                  AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(notification_metadata, "BF2F0A800101810205200C01FF", AW_ERR_DER_CONSTRAINT);
    /* iccid before notificationAddress: the address is missing where iccid stands */
    EXPECT_DECODE(notification_metadata,
                  "BF2F18800101810205205A0A000000000000000000000C03612E62", AW_ERR_DER_MISSING);
    EXPECT_DECODE(notification_metadata, "BF2F0F80010180010181020520" "0C03612E62",
                  AW_ERR_DER_ORDER); /* seqNumber twice */
    /* a later-version component after iccid is kept (EXTENSIBILITY IMPLIED) */
    EXPECT_ROUNDTRIP(notification_metadata, "BF2F0E800101810205200C03612E628200");
    EXPECT_DECODE(notification_metadata, "BF2F138001018102052083000C03612E625A03000000",
                  AW_ERR_DER_MISSING);
    EXPECT_DECODE(notification_metadata, "BF2F0D80020001810205200C03612E62", AW_ERR_DER_INTEGER);
    EXPECT_DECODE(notification_metadata, "BF2E0C800101810205200C03612E62",
                  AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_list_notification(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(list_notification_request, "BF2800");
    sgp22_list_notification_request req = {
        .has_profile_management_operation = true,
        .profile_management_operation = SGP22_NOTIFICATION_INSTALL | SGP22_NOTIFICATION_ENABLE};
    EXPECT_ENCODE(list_notification_request, &req, "BF2804810206C0");
    EXPECT_ROUNDTRIP(list_notification_request, "BF2804800206C0");
    EXPECT_DECODE(list_notification_request, "BF2808800206C0810206C0", AW_ERR_DER_ORDER);
    EXPECT_DECODE(list_notification_request, "BF2804810205A1", AW_ERR_DER_CONSTRAINT);

    /* ListNotificationResponse around the golden metadata (structure by hand:
     * BF28 39 { A0 37 { BF2F 34 ... } }) */
    const char *resp_hex = "BF2839A037" METADATA_HEX;
    EXPECT_ROUNDTRIP(list_notification_response, resp_hex);
    size_t len;
    uint8_t *buf = test_hex(resp_hex, &len);
    sgp22_list_notification_response resp;
    assert_int_equal(sgp22_decode_list_notification_response(buf, len, &resp), AW_OK);
    assert_int_equal(resp.kind, SGP22_NOTIFICATION_LIST_OK);
    assert_int_equal(resp.notification_metadata_list.count, 1);
    sgp22_list_iter it;
    sgp22_notification_metadata md;
    sgp22_list_iter_init(&it, resp.notification_metadata_list.raw);
    assert_int_equal(sgp22_notification_metadata_list_next(&it, &md), AW_OK);
    assert_int_equal(md.seq_number, 0x4C66);
    assert_ptr_equal(md.raw.ptr, buf + 5);
    assert_int_equal(sgp22_notification_metadata_list_next(&it, &md), AW_ERR_NOT_FOUND);
    free(buf);
    const uint8_t cut[] = {0xBF, 0x2F, 0x05, 0x80};
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_notification_metadata_list_next(&it, &md), AW_ERR_DER_TRUNCATED);
    sgp22_pending_notification pn;
    sgp22_list_iter_init(&it, (aw_slice){cut, sizeof(cut)});
    assert_int_equal(sgp22_pending_notification_list_next(&it, &pn), AW_ERR_DER_TRUNCATED);

    /* from an array */
    sgp22_notification_metadata items[] = {
        {.seq_number = 1, .profile_management_operation = SGP22_NOTIFICATION_DISABLE,
         .notification_address = SLICE_STR("a.b")},
        {.seq_number = 300, .profile_management_operation = SGP22_NOTIFICATION_DELETE,
         .notification_address = SLICE_STR("c")},
    };
    sgp22_list_notification_response in = {
        .kind = SGP22_NOTIFICATION_LIST_OK, .notification_metadata_list = {.count = 2, .items = items}};
    EXPECT_ENCODE(list_notification_response, &in,
                  "BF281FA01D" "BF2F0C800101810205200C03612E62" "BF2F0B8002012C810204100C0163");
    in.kind = SGP22_NOTIFICATION_LIST_ERROR;
    in.list_notifications_result_error = SGP22_NOTIFICATION_LIST_UNDEFINED_ERROR;
    EXPECT_ENCODE(list_notification_response, &in, "BF280381017F");
    in.kind = (sgp22_notification_list_kind)0;
    EXPECT_ENCODE_FAILS(list_notification_response, &in, AW_ERR_ARGUMENT);

    EXPECT_ROUNDTRIP(list_notification_response, "BF2802A000");
    EXPECT_DECODE(list_notification_response, "BF2800", AW_ERR_DER_MISSING);
    EXPECT_DECODE(list_notification_response, "BF2804A0023000", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(list_notification_response, "BF2805A00081017F", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(list_notification_response, "BF280382017F", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_retrieve_request(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(retrieve_notifications_list_request, "BF2B00");
    /* searchCriteria is an explicit [0] around the CHOICE: BF2B A0 { 80 seq }, the
     * layout lpac uses (discussed in MengMengCode/VoCat pull request #130) */
    const char *by_seq = "BF2B06A00480024C66";
    EXPECT_ROUNDTRIP(retrieve_notifications_list_request, by_seq);
    size_t len;
    uint8_t *buf = test_hex(by_seq, &len);
    sgp22_retrieve_notifications_list_request req;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_request(buf, len, &req), AW_OK);
    assert_int_equal(req.search_kind, SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER);
    assert_int_equal(req.seq_number, 0x4C66);
    free(buf);
    sgp22_retrieve_notifications_list_request in = {
        .search_kind = SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION,
        .profile_management_operation = SGP22_NOTIFICATION_DELETE};
    EXPECT_ENCODE(retrieve_notifications_list_request, &in, "BF2B06A00481020410");
    in.search_kind = (sgp22_notification_search_kind)5;
    EXPECT_ENCODE_FAILS(retrieve_notifications_list_request, &in, AW_ERR_ARGUMENT);

    EXPECT_DECODE(retrieve_notifications_list_request, "BF2B02A000", AW_ERR_DER_MISSING);
    EXPECT_DECODE(retrieve_notifications_list_request, "BF2B05A003820101",
                  AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(retrieve_notifications_list_request, "BF2B08A006800101800102",
                  AW_ERR_DER_UNEXPECTED_TAG);
    /* the CHOICE without its [0]: the old layout some LPAs sent is not a
     * searchCriteria but an (unknown) extension component */
    EXPECT_ROUNDTRIP(retrieve_notifications_list_request, "BF2B04800201FF");
    EXPECT_ROUNDTRIP(retrieve_notifications_list_request, "BF2B07A0038001018200");
    EXPECT_DECODE(retrieve_notifications_list_request, "BF2B078200A003800101",
                  AW_ERR_DER_ORDER);
    EXPECT_DECODE(retrieve_notifications_list_request, "BF2B06A0048002007F",
                  AW_ERR_DER_INTEGER);
}

static void test_retrieve_response(void **state)
{
    (void)state;
    /* BF2B { A0 { <ProfileInstallationResult>, <OtherSignedNotification> } } */
    const char *hex = "BF2B82013CA0820138" PIR_HEX OTHER_SIGNED_HEX;
    EXPECT_ROUNDTRIP(retrieve_notifications_list_response, hex);
    size_t len;
    uint8_t *buf = test_hex(hex, &len);
    sgp22_retrieve_notifications_list_response resp;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(buf, len, &resp), AW_OK);
    assert_int_equal(resp.kind, SGP22_NOTIFICATION_LIST_OK);
    assert_int_equal(resp.notification_list.count, 2);
    sgp22_list_iter it;
    sgp22_pending_notification p;
    sgp22_list_iter_init(&it, resp.notification_list.raw);
    assert_int_equal(sgp22_pending_notification_list_next(&it, &p), AW_OK);
    assert_int_equal(p.kind, SGP22_PENDING_PROFILE_INSTALLATION_RESULT);
    assert_int_equal(p.profile_installation_result.len, 177);
    assert_int_equal(sgp22_pending_notification_list_next(&it, &p), AW_OK);
    assert_int_equal(p.kind, SGP22_PENDING_OTHER_SIGNED_NOTIFICATION);
    const sgp22_other_signed_notification *o = &p.other_signed_notification;
    /* the signature covers exactly the tbsOtherNotification bytes received */
    assert_int_equal(o->tbs_other_notification.raw.len, 0x37);
    assert_ptr_equal(o->tbs_other_notification.raw.ptr, o->raw.ptr + 3);
    assert_int_equal(o->tbs_other_notification.seq_number, 0x4C66);
    assert_int_equal(o->euicc_notification_signature.len, 64);
    test_assert_hex(o->euicc_certificate.ptr, o->euicc_certificate.len, "3003020101");
    test_assert_hex(o->eum_certificate.ptr, o->eum_certificate.len, "3003020102");
    assert_int_equal(sgp22_pending_notification_list_next(&it, &p), AW_ERR_NOT_FOUND);

    /* rebuilt from an array of decoded notifications */
    sgp22_pending_notification items[2];
    sgp22_list_iter_init(&it, resp.notification_list.raw);
    assert_int_equal(sgp22_pending_notification_list_next(&it, &items[0]), AW_OK);
    assert_int_equal(sgp22_pending_notification_list_next(&it, &items[1]), AW_OK);
    sgp22_retrieve_notifications_list_response in = {
        .kind = SGP22_NOTIFICATION_LIST_OK, .notification_list = {.count = 2, .items = items}};
    EXPECT_ENCODE(retrieve_notifications_list_response, &in, hex);
    free(buf);

    in.kind = SGP22_NOTIFICATION_LIST_ERROR;
    in.notifications_list_result_error = SGP22_NOTIFICATION_LIST_UNDEFINED_ERROR;
    EXPECT_ENCODE(retrieve_notifications_list_response, &in, "BF2B0381017F");
    in.kind = (sgp22_notification_list_kind)3;
    EXPECT_ENCODE_FAILS(retrieve_notifications_list_response, &in, AW_ERR_ARGUMENT);
    EXPECT_DECODE(retrieve_notifications_list_response, "BF2B00", AW_ERR_DER_MISSING);
    EXPECT_DECODE(retrieve_notifications_list_response, "BF2B04A0023100",
                  AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_pending_notification(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(pending_notification, PIR_HEX);
    EXPECT_ROUNDTRIP(pending_notification, OTHER_SIGNED_HEX);
    EXPECT_ROUNDTRIP(other_signed_notification, OTHER_SIGNED_HEX);
    EXPECT_DECODE(other_signed_notification, PIR_HEX, AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(pending_notification, "3100", AW_ERR_DER_UNEXPECTED_TAG);
    /* eumCertificate missing */
    EXPECT_DECODE(pending_notification, "307F" METADATA_HEX "5F3740" SIG_HEX "3003020101",
                  AW_ERR_DER_MISSING);
    /* empty signature */
    EXPECT_DECODE(pending_notification, "3044" METADATA_HEX "5F3700" "3003020101" "3003020102",
                  AW_ERR_DER_CONSTRAINT);
    /* a certificate whose inner framing is broken */
    EXPECT_DECODE(pending_notification, "308184" METADATA_HEX "5F3740" SIG_HEX "3003020501"
                  "3003020102", AW_ERR_DER_TRUNCATED);
    /* a malformed ProfileInstallationResult */
    EXPECT_DECODE(pending_notification, "BF3703020501", AW_ERR_DER_TRUNCATED);

    size_t len;
    uint8_t *buf = test_hex(OTHER_SIGNED_HEX, &len);
    sgp22_pending_notification p;
    assert_int_equal(sgp22_decode_pending_notification(buf, len, &p), AW_OK);
    sgp22_pending_notification bad = p;
    bad.other_signed_notification.eum_certificate = (aw_slice){0};
    EXPECT_ENCODE_FAILS(pending_notification, &bad, AW_ERR_ARGUMENT);
    bad = p;
    bad.kind = SGP22_PENDING_PROFILE_INSTALLATION_RESULT;
    bad.profile_installation_result = p.other_signed_notification.euicc_certificate;
    EXPECT_ENCODE_FAILS(pending_notification, &bad, AW_ERR_ARGUMENT);
    bad.kind = (sgp22_pending_notification_kind)0;
    EXPECT_ENCODE_FAILS(pending_notification, &bad, AW_ERR_ARGUMENT);
    free(buf);
}

static void test_handle_notification(void **state)
{
    (void)state;
    /* ES9+ HandleNotification: BF3D { A0 { PendingNotification } } (by hand) */
    EXPECT_ROUNDTRIP(handle_notification, "BF3D81B4A081B1" PIR_HEX);
    EXPECT_ROUNDTRIP(handle_notification, "BF3D818AA08187" OTHER_SIGNED_HEX);
    size_t len;
    uint8_t *buf = test_hex("BF3D818AA08187" OTHER_SIGNED_HEX, &len);
    sgp22_handle_notification h;
    assert_int_equal(sgp22_decode_handle_notification(buf, len, &h), AW_OK);
    assert_int_equal(h.pending_notification.kind, SGP22_PENDING_OTHER_SIGNED_NOTIFICATION);
    assert_int_equal(h.pending_notification.raw.len, 0x87);
    free(buf);
    EXPECT_DECODE(handle_notification, "BF3D00", AW_ERR_DER_MISSING);
    EXPECT_DECODE(handle_notification, "BF3D02A000", AW_ERR_DER_MISSING);
    EXPECT_DECODE(handle_notification, "BF3D06A00431003100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(handle_notification, "BF3D06A00231008000", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(handle_notification, "BF3D04A0023100", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_notification_sent(void **state)
{
    (void)state;
    EXPECT_ROUNDTRIP(notification_sent_request, "BF300480024C66");
    sgp22_notification_sent_request req = {.seq_number = 300};
    EXPECT_ENCODE(notification_sent_request, &req, "BF30048002012C");
    sgp22_notification_sent_response resp = {
        .delete_notification_status = SGP22_DELETE_NOTIFICATION_NOTHING_TO_DELETE};
    EXPECT_ENCODE(notification_sent_response, &resp, "BF3003800101");
    EXPECT_DECODE(notification_sent_request, "BF3000", AW_ERR_DER_MISSING);
    EXPECT_DECODE(notification_sent_response, "BF3003810100", AW_ERR_DER_MISSING);
    EXPECT_ROUNDTRIP(notification_sent_response, "BF3006800100810100");
}

static void test_encode_arguments(void **state)
{
    (void)state;
    sgp22_notification_sent_request req = {0};
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    assert_int_equal(sgp22_encode_notification_sent_request(NULL, &out, &len), AW_ERR_ARGUMENT);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(sgp22_encode_notification_sent_request(&req, NULL, &len), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_encode_notification_sent_request(&req, &out, NULL), AW_ERR_ARGUMENT);
}

/* Every decoder refuses a NULL output. */
static void test_null_output(void **state)
{
    (void)state;
    const uint8_t byte[1] = {0x30};
    assert_int_equal(sgp22_decode_notification_metadata(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_list_notification_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_list_notification_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_retrieve_notifications_list_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_pending_notification(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_other_signed_notification(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_notification_sent_request(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_notification_sent_response(byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_handle_notification(byte, 1, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_output),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_list_notification),
        cmocka_unit_test(test_retrieve_request),
        cmocka_unit_test(test_retrieve_response),
        cmocka_unit_test(test_pending_notification),
        cmocka_unit_test(test_handle_notification),
        cmocka_unit_test(test_notification_sent),
        cmocka_unit_test(test_encode_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
