/* Tests for the SGP.32 v1.0 forms the ESipa codecs take (src/core/
 * sgp32_esipa.c; docs/sgp32-versions.md #5 and #7): the v1.0
 * notificationList [43] of ePRAndNotifications (an
 * SGP32-RetrieveNotificationsListResponse CHOICE, v1.0 6.3.2.7 and 5.9.11)
 * and the untagged v1.0 alternatives of HandleNotificationEsipa (v1.0
 * 6.3.2.4). Vectors are built by hand from the v1.0 module
 * (onomondo/onomondo-eim SGP32Definitions.asn1, AUTOMATIC TAGS); the
 * notification and result inside are the stand-ins of sgp32_vectors.h. */
#include "testutil.h"

#include "core/sgp32_esipa.h"

/* BF51 { A2 euiccPackageErrorUnsigned { 80 "e" } } */
#define RESULT "BF5105A203800165"
/* BF37 stand-in ProfileInstallationResult */
#define PIR "BF3708BF270280005F3700"

/* BF50 { 30 { BF51, BF2B { A0 { BF37 } } } }: notifications */
#define EPR_V10_NOTIFICATIONS "BF501A" "3018" RESULT "BF2B0D" "A00B" PIR
/* BF50 { 30 { BF51, BF2B { 81 7F } } }: notificationsListResultError */
#define EPR_V10_ERROR "BF5010" "300E" RESULT "BF2B03" "81017F"
/* BF50 { 30 { BF51, BF2B { A2 { BF51 } } } }: euiccPackageResultList */
#define EPR_V10_RESULTS "BF5017" "3015" RESULT "BF2B0A" "A208" RESULT
/* BF50 { 30 { BF51, BF2B { A3 { A0 { BF37 }, A1 { BF51 } } } } } */
#define EPR_V10_BOTH "BF5026" "3024" RESULT "BF2B19" "A317" "A00B" PIR "A108" RESULT
/* the v1.2 form: BF50 { 30 { BF51, A0 { BF37 } } } */
#define EPR_V12 "BF5017" "3015" RESULT "A00B" PIR

static aw_slice slice_of(const uint8_t *buf, size_t len, const char *hex_part, size_t *where)
{
    size_t n;
    uint8_t *part = test_hex(hex_part, &n);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, part, n) == 0) {
            free(part);
            *where = i;
            return (aw_slice){buf + i, n};
        }
    }
    free(part);
    fail_msg("%s not found", hex_part);
    return (aw_slice){NULL, 0};
}

/* Decode hex as ProvideEimPackageResult, check it re-encodes to the same
 * bytes, and return it (the caller frees it and *in). */
static sgp32_provide_eim_package_result *decode_provide(const char *hex, uint8_t **in,
                                                         size_t *len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    *in = test_hex(hex, len);
    sgp32_provide_eim_package_result *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    assert_int_equal(sgp32_decode_provide_eim_package_result(*in, *len, p), AW_OK);
    assert_int_equal(sgp32_encode_provide_eim_package_result(p, &out, &out_len), AW_OK);
    assert_int_equal(out_len, *len);
    assert_memory_equal(out, *in, *len);
    free(out);
    assert_false(p->has_eid_value);
    assert_int_equal(p->eim_package_result.kind, SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS);
    assert_int_equal(p->eim_package_result.epr_and_notifications.euicc_package_result.kind,
                     SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    return p;
}

static void test_epr_v1_0_forms(void **state)
{
    (void)state;
    uint8_t *in = NULL;
    size_t len = 0, where = 0;
    aw_slice list;

    /* notifications: the A0 list inside BF2B is what goes on */
    sgp32_provide_eim_package_result *p = decode_provide(EPR_V10_NOTIFICATIONS, &in, &len);
    const sgp32_epr_and_notifications *e = &p->eim_package_result.epr_and_notifications;
    assert_int_equal(e->notification_list_kind, SGP32_EPR_NOTIFICATION_LIST_V1_0);
    assert_int_equal(e->notification_list_v1_0.kind, SGP32_NOTIFICATIONS_LIST_V1_0_NOTIFICATIONS);
    aw_slice expected = slice_of(in, len, "A00B" PIR, &where);
    assert_true(sgp32_get_epr_pending_notifications(e, &list));
    assert_ptr_equal(list.ptr, expected.ptr);
    assert_int_equal(list.len, expected.len);
    aw_slice bf2b = slice_of(in, len, "BF2B0D", &where);
    assert_ptr_equal(e->notification_list_v1_0.raw.ptr, bf2b.ptr);
    assert_int_equal(e->notification_list_v1_0.raw.len, len - where);
    free(p);
    free(in);

    /* the error alternative: no notification */
    p = decode_provide(EPR_V10_ERROR, &in, &len);
    e = &p->eim_package_result.epr_and_notifications;
    assert_int_equal(e->notification_list_v1_0.kind, SGP32_NOTIFICATIONS_LIST_V1_0_ERROR);
    assert_int_equal(e->notification_list_v1_0.error, 127);
    assert_false(sgp32_get_epr_pending_notifications(e, &list));
    assert_int_equal(list.len, 0);
    free(p);
    free(in);

    /* results only: no notification */
    p = decode_provide(EPR_V10_RESULTS, &in, &len);
    e = &p->eim_package_result.epr_and_notifications;
    assert_int_equal(e->notification_list_v1_0.kind, SGP32_NOTIFICATIONS_LIST_V1_0_RESULTS);
    assert_int_equal(e->notification_list_v1_0.euicc_package_result_list.len, 10);
    assert_false(sgp32_get_epr_pending_notifications(e, &list));
    free(p);
    free(in);

    /* both: the notifications of notificationAndEprList */
    p = decode_provide(EPR_V10_BOTH, &in, &len);
    e = &p->eim_package_result.epr_and_notifications;
    assert_int_equal(e->notification_list_v1_0.kind, SGP32_NOTIFICATIONS_LIST_V1_0_BOTH);
    expected = slice_of(in, len, "A00B" PIR, &where);
    assert_true(sgp32_get_epr_pending_notifications(e, &list));
    assert_ptr_equal(list.ptr, expected.ptr);
    assert_int_equal(e->notification_list_v1_0.both.euicc_package_result_list.len, 10);
    free(p);
    free(in);

    /* the v1.2 form keeps its kind and slice */
    p = decode_provide(EPR_V12, &in, &len);
    e = &p->eim_package_result.epr_and_notifications;
    assert_int_equal(e->notification_list_kind, SGP32_EPR_NOTIFICATION_LIST_PENDING);
    expected = slice_of(in, len, "A00B" PIR, &where);
    assert_true(sgp32_get_epr_pending_notifications(e, &list));
    assert_ptr_equal(list.ptr, expected.ptr);
    assert_ptr_equal(e->notification_list.ptr, expected.ptr);
    free(p);
    free(in);
}

static void expect_provide_fails(const char *hex, aw_err expected)
{
    size_t len;
    uint8_t *in = test_hex(hex, &len);
    sgp32_provide_eim_package_result *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    assert_int_equal(sgp32_decode_provide_eim_package_result(in, len, p), expected);
    free(p);
    free(in);
}

static void test_epr_v1_0_refused(void **state)
{
    (void)state;
    /* no notificationList at all */
    expect_provide_fails("BF500A" "3008" RESULT, AW_ERR_DER_MISSING);
    /* an empty BF2B: the CHOICE needs one alternative */
    expect_provide_fails("BF500D" "300B" RESULT "BF2B00", AW_ERR_DER_MISSING);
    /* an alternative v1.0 does not have */
    expect_provide_fails("BF500F" "300D" RESULT "BF2B028400", AW_ERR_DER_UNEXPECTED_TAG);
    /* two alternatives in BF2B */
    expect_provide_fails("BF5013" "3011" RESULT "BF2B06" "81017F" "81017F",
                         AW_ERR_DER_TRAILING);
    /* both forms of the list at once */
    expect_provide_fails("BF5011" "300F" RESULT "A000" "BF2B02A000", AW_ERR_DER_UNEXPECTED_TAG);
    /* notificationAndEprList without its results */
    expect_provide_fails("BF501C" "301A" RESULT "BF2B0F" "A30D" "A00B" PIR, AW_ERR_DER_MISSING);

    /* an encoder must say which form it writes */
    sgp32_provide_eim_package_result *p = calloc(1, sizeof(*p));
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_non_null(p);
    uint8_t *result = test_hex(RESULT, &out_len);
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS;
    assert_int_equal(sgp32_decode_euicc_package_result(
                         result, out_len,
                         &p->eim_package_result.epr_and_notifications.euicc_package_result),
                     AW_OK);
    static const uint8_t empty[] = {0xA0, 0x00};
    p->eim_package_result.epr_and_notifications.notification_list = (aw_slice){empty, 2};
    assert_int_equal(sgp32_encode_provide_eim_package_result(p, &out, &out_len), AW_ERR_ARGUMENT);
    assert_null(out);
    p->eim_package_result.epr_and_notifications.notification_list_kind =
        SGP32_EPR_NOTIFICATION_LIST_PENDING;
    assert_int_equal(sgp32_encode_provide_eim_package_result(p, &out, &out_len), AW_OK);
    free(out);
    free(result);
    free(p);
}

/* Decode hex as an EsipaMessageFromIpaToEim holding a HandleNotification,
 * check the round trip and the kind. */
static sgp32_esipa_message_from_ipa_to_eim *decode_notification(
    const char *hex, sgp32_handle_notification_esipa_kind kind, uint8_t **in, size_t *len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    *in = test_hex(hex, len);
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(*in, *len, m), AW_OK);
    assert_int_equal(m->kind, SGP32_ESIPA_HANDLE_NOTIFICATION);
    assert_int_equal(m->handle_notification.kind, kind);
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &out, &out_len), AW_OK);
    assert_int_equal(out_len, *len);
    assert_memory_equal(out, *in, *len);
    free(out);
    return m;
}

static void test_handle_notification_v1_0(void **state)
{
    (void)state;
    uint8_t *in = NULL;
    size_t len = 0;

    /* BF3D { BF37 }: the ProfileInstallationResult itself */
    sgp32_esipa_message_from_ipa_to_eim *m = decode_notification(
        "BF3D0B" PIR, SGP32_HANDLE_NOTIFICATION_PROFILE_INSTALLATION_RESULT_V1_0, &in, &len);
    assert_ptr_equal(m->handle_notification.pending_notification.ptr, in + 3);
    assert_int_equal(m->handle_notification.pending_notification.len, len - 3);
    assert_false(sgp32_handle_notification_is_epr_v1_0(&m->handle_notification));
    free(m);
    free(in);

    /* BF3D { 30 { BF2F, 5F37 } }: an OtherSignedNotification */
    m = decode_notification("BF3D08" "3006BF2F005F3700", SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0,
                            &in, &len);
    assert_ptr_equal(m->handle_notification.sequence_v1_0.ptr, in + 3);
    assert_false(sgp32_handle_notification_is_epr_v1_0(&m->handle_notification));
    free(m);
    free(in);

    /* BF3D { 30 { BF51, BF2B } }: an ePRAndNotifications */
    m = decode_notification("BF3D1A" "3018" RESULT "BF2B0D" "A00B" PIR,
                            SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0, &in, &len);
    assert_true(sgp32_handle_notification_is_epr_v1_0(&m->handle_notification));
    free(m);
    free(in);

    /* an empty SEQUENCE is neither */
    m = decode_notification("BF3D023000", SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0, &in, &len);
    assert_false(sgp32_handle_notification_is_epr_v1_0(&m->handle_notification));
    free(m);
    free(in);

    /* the results: BF51, BF52, BF54 */
    m = decode_notification("BF3D08" RESULT, SGP32_HANDLE_NOTIFICATION_EUICC_PACKAGE_RESULT_V1_0,
                            &in, &len);
    assert_ptr_equal(m->handle_notification.eim_package_result_v1_0.ptr, in + 3);
    assert_int_equal(m->handle_notification.eim_package_result_v1_0.len, 8);
    free(m);
    free(in);
    m = decode_notification("BF3D06BF5203020101",
                            SGP32_HANDLE_NOTIFICATION_IPA_EUICC_DATA_RESPONSE_V1_0, &in, &len);
    free(m);
    free(in);
    m = decode_notification("BF3D03BF5400",
                            SGP32_HANDLE_NOTIFICATION_PROFILE_DOWNLOAD_TRIGGER_RESULT_V1_0, &in,
                            &len);
    free(m);
    free(in);

    /* the v1.2 forms are unchanged */
    m = decode_notification("BF3D0DA00B" PIR, SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION, &in,
                            &len);
    assert_ptr_equal(m->handle_notification.pending_notification.ptr, in + 5);
    free(m);
    free(in);
}

static void test_handle_notification_v1_0_refused(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        aw_err err;
    } cases[] = {
        {"BF3D03020101", AW_ERR_DER_UNEXPECTED_TAG},       /* v1.0 bare eimPackageError */
        {"BF3D02A100", AW_ERR_DER_UNEXPECTED_TAG},         /* v1.0 compact notification */
        {"BF3D00", AW_ERR_DER_MISSING},                    /* nothing inside */
        {"BF3D0B" "BF3709BF270280005F3700", AW_ERR_DER_TRUNCATED}, /* inner length past the end */
        {"BF3D0D" PIR "3000", AW_ERR_DER_TRAILING},        /* two alternatives */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        uint8_t *in = test_hex(cases[i].hex, &len);
        sgp32_handle_notification_esipa *n = calloc(1, sizeof(*n));
        assert_non_null(n);
        aw_err err = sgp32_decode_handle_notification_esipa(in, len, n);
        if (err != cases[i].err)
            fail_msg("case %zu: %s, expected %s", i, aw_err_name(err), aw_err_name(cases[i].err));
        assert_int_equal(n->kind, SGP32_HANDLE_NOTIFICATION_NONE);
        free(n);
        free(in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epr_v1_0_forms),
        cmocka_unit_test(test_epr_v1_0_refused),
        cmocka_unit_test(test_handle_notification_v1_0),
        cmocka_unit_test(test_handle_notification_v1_0_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
