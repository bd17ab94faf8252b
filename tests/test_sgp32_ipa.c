/* Tests for the SGP.32 IpaEuiccDataRequest/Response, IpaCapabilities and
 * EimAcknowledgements codecs (src/core/sgp32_ipa.c).
 *
 * Vectors are hand-built from SGP32Definitions (no public capture was found),
 * structure beside each. The default tagList below (A0 BF20 BF22 A5 A6 A8)
 * follows the IpaEuiccData tags the OpenIoTRSP interop notes report real IPAs
 * accept (EID 5A and BF2D are refused by them with incorrectTagList).
 */
#include "testutil.h"

#include "core/sgp32_ipa.h"
#include "core/sgp32_package.h"

#include "sgp32_vectors.h"

#define ASSERT_ROUND_TRIP(type, hex)                                         \
    do {                                                                     \
        size_t n_, out_len_;                                                 \
        uint8_t *in_ = test_hex(hex, &n_), *out_;                            \
        sgp32_##type *v_ = calloc(1, sizeof(*v_));                           \
        assert_non_null(v_);                                                 \
        assert_int_equal(sgp32_decode_##type(in_, n_, v_), AW_OK);           \
        assert_int_equal(sgp32_encode_##type(v_, &out_, &out_len_), AW_OK);  \
        assert_int_equal(out_len_, n_);                                      \
        assert_memory_equal(out_, in_, n_);                                  \
        free(out_);                                                          \
        free(v_);                                                            \
        free(in_);                                                           \
    } while (0)

#define ASSERT_DECODE_FAILS(type, hex, expected)                             \
    do {                                                                     \
        size_t n_;                                                           \
        uint8_t *in_ = test_hex(hex, &n_);                                   \
        sgp32_##type *v_ = calloc(1, sizeof(*v_));                           \
        assert_non_null(v_);                                                 \
        assert_int_equal(sgp32_decode_##type(in_, n_, v_), expected);        \
        free(v_);                                                            \
        free(in_);                                                           \
    } while (0)

static bool slice_is(aw_slice s, const char *hex)
{
    size_t n;
    uint8_t *want = test_hex(hex, &n);
    bool same = s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
    free(want);
    return same;
}

static void test_request_golden(void **state)
{
    (void)state;
    size_t n;
    uint8_t *in = test_hex(IPA_REQUEST, &n);
    sgp32_ipa_euicc_data_request r;
    assert_int_equal(sgp32_decode_ipa_euicc_data_request(in, n, &r), AW_OK);
    assert_true(slice_is(r.tag_list, "A0BF20BF22A5A6A8"));
    assert_true(r.has_euicc_ci_pk_identifier_to_be_used);
    assert_int_equal(r.euicc_ci_pk_identifier_to_be_used.len, 20);
    assert_true(r.has_search_criteria_notification);
    assert_int_equal(r.search_criteria_notification.kind, SGP32_NOTIFICATION_SEARCH_SEQ_NUMBER);
    assert_int_equal(r.search_criteria_notification.seq_number, 3);
    assert_int_equal(r.search_criteria_euicc_package_result.kind,
                     SGP32_PACKAGE_RESULT_SEARCH_SEQ_NUMBER);
    assert_int_equal(r.search_criteria_euicc_package_result.seq_number, 7);
    assert_true(slice_is(r.eim_transaction_id, "0A0B"));
    free(in);
    ASSERT_ROUND_TRIP(ipa_euicc_data_request, IPA_REQUEST);
    ASSERT_ROUND_TRIP(ipa_euicc_data_request, "BF52045C02BF20");
    /* profileManagementOperation: NotificationEvent bits install, enable (81 02 06 C0) */
    ASSERT_ROUND_TRIP(ipa_euicc_data_request, "BF520A5C02BF20A104810206C0");
}

static void test_request_errors(void **state)
{
    (void)state;
    /* tagList missing */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF520483020A0B", AW_ERR_DER_MISSING);
    /* tagList primitive-required but constructed (7C) */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF52047C02BF20", AW_ERR_DER_UNEXPECTED_TAG);
    /* eimTransactionId of 17 octets */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request,
                        "BF52155C0083110102030405060708090A0B0C0D0E0F1011",
                        AW_ERR_DER_CONSTRAINT);
    /* searchCriteriaNotification with two alternatives / an unknown alternative */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF520A5C00A106800103800104",
                        AW_ERR_DER_TRAILING);
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF52075C00A103820103", AW_ERR_DER_UNEXPECTED_TAG);
    /* BIT STRING with non-zero unused bits */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF52075C00A103810107", AW_ERR_DER_CONSTRAINT);
    /* wrong outer tag, trailing bytes */
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF53045C02BF20", AW_ERR_DER_UNEXPECTED_TAG);
    ASSERT_DECODE_FAILS(ipa_euicc_data_request, "BF52045C02BF2000", AW_ERR_DER_TRAILING);
}

static void test_response_golden(void **state)
{
    (void)state;
    size_t n;
    uint8_t *in = test_hex(IPA_RESPONSE, &n);
    sgp32_ipa_euicc_data_response *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_ipa_euicc_data_response(in, n, r), AW_OK);
    assert_int_equal(r->kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    const sgp32_ipa_euicc_data *d = &r->ipa_euicc_data;
    assert_true(d->has_notifications_list);
    assert_true(slice_is(d->default_smdp_address, "736D64702E6578616D706C65"));
    assert_true(d->has_euicc_package_result_list);
    assert_true(slice_is(d->euicc_info1, "BF20058203020300"));
    assert_true(slice_is(d->euicc_info2, "BF22058103020300"));
    assert_int_equal(d->association_token, 1);
    assert_true(slice_is(d->eum_certificate, "A50730003000030100"));
    assert_true(d->has_ipa_capabilities);
    assert_int_equal(sgp32_bit_string_flags(&d->ipa_capabilities.ipa_features),
                     SGP32_IPA_EIM_DOWNLOAD_DATA_HANDLING);
    assert_int_equal(sgp32_bit_string_flags(&d->ipa_capabilities.ipa_supported_protocols),
                     SGP32_IPA_INJECT_HTTPS);
    assert_true(slice_is(d->device_info, "A906800401020304"));

    /* each listed EuiccPackageResult decodes with the package codec */
    sgp32_list_iterator it;
    aw_slice item;
    assert_int_equal(sgp32_list_iterator_init(&it, d->euicc_package_result_list), AW_OK);
    assert_int_equal(sgp32_list_next(&it, &item), AW_OK);
    sgp32_euicc_package_result *epr = calloc(1, sizeof(*epr));
    assert_int_equal(sgp32_decode_euicc_package_result(item.ptr, item.len, epr), AW_OK);
    assert_int_equal(epr->kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    assert_int_equal(sgp32_list_next(&it, &item), AW_ERR_NOT_FOUND);
    free(epr);

    /* the certificate re-tagged for an X.509 parser */
    uint8_t *cert;
    size_t cert_len;
    assert_int_equal(sgp32_retag_as_sequence(d->euicc_certificate, &cert, &cert_len), AW_OK);
    test_assert_hex(cert, cert_len, "300730003000030100");
    free(cert);
    free(r);
    free(in);
    ASSERT_ROUND_TRIP(ipa_euicc_data_response, IPA_RESPONSE);
    ASSERT_ROUND_TRIP(ipa_euicc_data_response, IPA_RESPONSE_ERROR);
    /* empty ipaEuiccData */
    ASSERT_ROUND_TRIP(ipa_euicc_data_response, "BF5202A000");

    in = test_hex(IPA_RESPONSE_ERROR, &n);
    r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_ipa_euicc_data_response(in, n, r), AW_OK);
    assert_int_equal(r->kind, SGP32_IPA_EUICC_DATA_RESPONSE_ERROR);
    assert_int_equal(r->error.ipa_euicc_data_error_code,
                     SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST);
    free(r);
    free(in);
}

static void test_response_errors(void **state)
{
    (void)state;
    /* euiccPackageResultList holding something other than BF51 */
    ASSERT_DECODE_FAILS(ipa_euicc_data_response, "BF5206A004A2023000", AW_ERR_DER_UNEXPECTED_TAG);
    /* components out of order: defaultSmdpAddress after rootSmdsAddress */
    ASSERT_DECODE_FAILS(ipa_euicc_data_response, "BF5207A0058300810161",
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* ipaCapabilities without ipaFeatures */
    ASSERT_DECODE_FAILS(ipa_euicc_data_response, "BF5208A006A80481020420", AW_ERR_DER_MISSING);
    /* error without its code */
    ASSERT_DECODE_FAILS(ipa_euicc_data_response, "BF5206A10480020A0B", AW_ERR_DER_MISSING);
    /* eumCertificate whose content is not DER */
    ASSERT_DECODE_FAILS(ipa_euicc_data_response, "BF5206A004A5023080", AW_ERR_DER_INDEFINITE);
}

/* The raw euiccPackageResultList is checked before it is written */
static void test_response_encoder_checks_raw_list(void **state)
{
    (void)state;
    static const uint8_t wrong[] = {0xA2, 0x02, 0x30, 0x00};
    static const uint8_t right[] = {0xA2, 0x03, 0xBF, 0x51, 0x00};
    sgp32_ipa_euicc_data_response *r = calloc(1, sizeof(*r));
    uint8_t *out;
    size_t len;
    r->kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
    r->ipa_euicc_data.has_euicc_package_result_list = true;
    r->ipa_euicc_data.euicc_package_result_list = (aw_slice){wrong, sizeof(wrong)};
    assert_int_equal(sgp32_encode_ipa_euicc_data_response(r, &out, &len), AW_ERR_ARGUMENT);
    r->ipa_euicc_data.euicc_package_result_list = (aw_slice){right, sizeof(right)};
    assert_int_equal(sgp32_encode_ipa_euicc_data_response(r, &out, &len), AW_OK);
    test_assert_hex(out, len, "BF5207A005A203BF5100");
    free(out);
    free(r);
}

static void test_capabilities_and_acks(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(ipa_capabilities, "30088002052081020420");
    ASSERT_DECODE_FAILS(ipa_capabilities, "300481020420", AW_ERR_DER_MISSING);

    size_t n;
    uint8_t *in = test_hex(ACKS, &n);
    sgp32_eim_acknowledgements acks;
    assert_int_equal(sgp32_decode_eim_acknowledgements(in, n, &acks), AW_OK);
    assert_int_equal(acks.count, 3);
    assert_int_equal(acks.seq_numbers[2], 300);
    free(in);
    ASSERT_ROUND_TRIP(eim_acknowledgements, ACKS);
    ASSERT_ROUND_TRIP(eim_acknowledgements, "BF5300");
    /* SequenceNumber must be [0] INTEGER */
    ASSERT_DECODE_FAILS(eim_acknowledgements, "BF5303020101", AW_ERR_DER_UNEXPECTED_TAG);

    /* built from fields */
    uint8_t *out;
    size_t out_len;
    memset(&acks, 0, sizeof(acks));
    acks.count = 2;
    acks.seq_numbers[0] = 1;
    acks.seq_numbers[1] = 128;
    assert_int_equal(sgp32_encode_eim_acknowledgements(&acks, &out, &out_len), AW_OK);
    test_assert_hex(out, out_len, "BF530780010180020080");
    free(out);
    acks.count = SGP32_MAX_EIM_ACKNOWLEDGEMENTS + 1;
    assert_int_equal(sgp32_encode_eim_acknowledgements(&acks, &out, &out_len), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_golden),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_response_golden),
        cmocka_unit_test(test_response_errors),
        cmocka_unit_test(test_response_encoder_checks_raw_list),
        cmocka_unit_test(test_capabilities_and_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
