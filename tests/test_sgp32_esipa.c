/* Tests for the SGP.32 ESipa message codecs (src/core/sgp32_esipa.c,
 * sgp32_esipa_eim.c) and the profile download trigger (sgp32_trigger.c).
 * Vectors: tests/sgp32_vectors.h (hand-built, structure in comments). */
#include "testutil.h"

#include "core/sgp32_esipa.h"

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

/* Decode hex as type into a heap struct the caller frees, with its input. */
#define DECODE(type, hex, var, buf)                                          \
    size_t buf##_len;                                                        \
    uint8_t *buf = test_hex(hex, &buf##_len);                                \
    sgp32_##type *var = calloc(1, sizeof(*var));                             \
    assert_non_null(var);                                                    \
    assert_int_equal(sgp32_decode_##type(buf, buf##_len, var), AW_OK)

static bool slice_is(aw_slice s, const char *hex)
{
    size_t n;
    uint8_t *want = test_hex(hex, &n);
    bool same = s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
    free(want);
    return same;
}

/* ---- Profile download trigger (2.11.3) -------------------------------- */

static void test_trigger(void **state)
{
    (void)state;
    DECODE(profile_download_trigger_request, TRIGGER_AC, r, in);
    assert_true(r->has_profile_download_data);
    assert_int_equal(r->profile_download_data.kind, SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE);
    assert_int_equal(r->profile_download_data.activation_code.len, 38);
    assert_memory_equal(r->profile_download_data.activation_code.ptr, "1$smdp.example$", 15);
    assert_true(slice_is(r->eim_transaction_id, "0A0B"));
    free(r);
    free(in);

    DECODE(profile_download_trigger_request, TRIGGER_SMDS, s, in2);
    assert_int_equal(s->profile_download_data.kind, SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS);
    assert_true(s->profile_download_data.contact_smds.has_smds_address);
    free(s);
    free(in2);

    DECODE(profile_download_trigger_result, TRIGGER_RESULT_ERROR, e, in3);
    assert_int_equal(e->result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR);
    assert_int_equal(e->result_data.profile_download_error.profile_download_error_reason,
                     SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE);
    assert_true(slice_is(e->result_data.profile_download_error.error_response, "BF3B03820108"));
    free(e);
    free(in3);

    ASSERT_ROUND_TRIP(profile_download_trigger_request, TRIGGER_AC);
    ASSERT_ROUND_TRIP(profile_download_trigger_request, TRIGGER_DEFAULT);
    ASSERT_ROUND_TRIP(profile_download_trigger_request, TRIGGER_SMDS);
    ASSERT_ROUND_TRIP(profile_download_trigger_request, "BF5400");
    ASSERT_ROUND_TRIP(profile_download_trigger_request, "BF5404A002A200");
    ASSERT_ROUND_TRIP(profile_download_trigger_result, TRIGGER_RESULT_PIR);
    ASSERT_ROUND_TRIP(profile_download_trigger_result, TRIGGER_RESULT_ERROR);
}

static void test_trigger_errors(void **state)
{
    (void)state;
    /* profileDownloadData present but empty; contactDefaultSmdp with content */
    ASSERT_DECODE_FAILS(profile_download_trigger_request, "BF5402A000", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(profile_download_trigger_request, "BF5405A003810100",
                        AW_ERR_DER_CONSTRAINT);
    /* activationCode of 256 octets (SIZE(0..255)) */
    char hex[600] = "BF54820108A082010480820100";
    for (int i = 0; i < 256; i++)
        strcat(hex, "41");
    ASSERT_DECODE_FAILS(profile_download_trigger_request, hex, AW_ERR_DER_CONSTRAINT);
    /* result without profileDownloadTriggerResultData; error without its reason */
    ASSERT_DECODE_FAILS(profile_download_trigger_result, "BF540482020A0B", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(profile_download_trigger_result, "BF54028200", AW_ERR_DER_CONSTRAINT);
    ASSERT_DECODE_FAILS(profile_download_trigger_result, "BF540430020400", AW_ERR_DER_MISSING);
    /* an untagged CHOICE alternative that does not exist (BF38) */
    ASSERT_DECODE_FAILS(profile_download_trigger_result, "BF5403BF3800", AW_ERR_DER_UNEXPECTED_TAG);
}

/* ---- IPA -> eIM (6.3.2) ----------------------------------------------- */

static void test_ipa_to_eim_messages(void **state)
{
    (void)state;
    DECODE(esipa_message_from_ipa_to_eim, IAR, m, in);
    assert_int_equal(m->kind, SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST);
    assert_true(slice_is(m->initiate_authentication_request.euicc_challenge,
                         "000102030405060708090A0B0C0D0E0F"));
    assert_true(slice_is(m->initiate_authentication_request.euicc_info1, "BF20058203020300"));
    assert_ptr_equal(m->raw.ptr, in);
    free(m);
    free(in);

    DECODE(cancel_session_request_esipa, CSR, c, in2);
    assert_true(slice_is(c->cancel_session_response, "A103810105"));
    free(c);
    free(in2);

    DECODE(handle_notification_esipa, HN_PENDING, h, in3);
    assert_int_equal(h->kind, SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION);
    assert_true(slice_is(h->pending_notification, "BF3708BF270280005F3700"));
    free(h);
    free(in3);

    DECODE(get_eim_package_request, GPR, g, in4);
    assert_true(g->notify_state_change);
    assert_int_equal(g->state_change_cause, SGP32_STATE_CHANGE_IMMEDIATE_ENABLE_PROFILE);
    assert_true(slice_is(g->rplmn, "62F210"));
    free(g);
    free(in4);

    static const char *const messages[] = {IAR, ACR, GBR, CSR, HN_PENDING, HN_PER, GPR,
                                           PER_EPR, PER_EPR_NOTIF, PER_IPA, PER_TRIGGER,
                                           PER_ERROR, PER_V10_ERROR, TER_RECEIVED, TER_CID,
                                           TER_ERROR_CID, TER_ERROR, TER_EPR};
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
        ASSERT_ROUND_TRIP(esipa_message_from_ipa_to_eim, messages[i]);
    ASSERT_ROUND_TRIP(initiate_authentication_request_esipa, IAR);
    ASSERT_ROUND_TRIP(authenticate_client_request_esipa, ACR);
    ASSERT_ROUND_TRIP(get_bound_profile_package_request_esipa, GBR);
    ASSERT_ROUND_TRIP(cancel_session_request_esipa, CSR);
    ASSERT_ROUND_TRIP(handle_notification_esipa, HN_PER);
    ASSERT_ROUND_TRIP(get_eim_package_request, GPR);
    ASSERT_ROUND_TRIP(provide_eim_package_result, PER_EPR_NOTIF);
    ASSERT_ROUND_TRIP(transfer_eim_package_response, TER_ERROR_CID);
}

static void test_provide_eim_package_result_forms(void **state)
{
    (void)state;
    DECODE(provide_eim_package_result, PER_EPR_NOTIF, p, in);
    assert_true(p->has_eid_value);
    assert_int_equal(p->eim_package_result.kind, SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS);
    assert_int_equal(p->eim_package_result.epr_and_notifications.euicc_package_result.kind,
                     SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    assert_true(slice_is(p->eim_package_result.epr_and_notifications.notification_list,
                         "A00BBF3708BF270280005F3700"));
    free(p);
    free(in);

    DECODE(provide_eim_package_result, PER_ERROR, e, in2);
    assert_int_equal(e->eim_package_result.kind, SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR);
    assert_int_equal(e->eim_package_result.response_error.eim_package_result_error_code,
                     SGP32_EIM_PACKAGE_RESULT_UNKNOWN_PACKAGE);
    free(e);
    free(in2);

    /* v1.0 peers: bare INTEGER eimPackageError */
    DECODE(provide_eim_package_result, PER_V10_ERROR, v, in3);
    assert_false(v->has_eid_value);
    assert_int_equal(v->eim_package_result.kind, SGP32_EIM_PACKAGE_RESULT_ERROR_V1_0);
    assert_int_equal(v->eim_package_result.eim_package_error_v1_0, 1);
    free(v);
    free(in3);

    DECODE(transfer_eim_package_response, TER_ERROR_CID, t, in4);
    assert_int_equal(t->kind, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR_WITH_CID);
    assert_int_equal(t->error_with_cid.correlation_id.kind, SGP32_CORRELATION_ID_EID_VALUE);
    assert_int_equal(t->error_with_cid.eim_package_error, 2);
    free(t);
    free(in4);
}

static void test_ipa_to_eim_errors(void **state)
{
    (void)state;
    /* an SGP.22 tag that is not an ESipa message */
    ASSERT_DECODE_FAILS(esipa_message_from_ipa_to_eim, "BF2000", AW_ERR_DER_UNEXPECTED_TAG);
    /* euiccChallenge of 15 octets */
    ASSERT_DECODE_FAILS(initiate_authentication_request_esipa,
                        "BF3911810F000102030405060708090A0B0C0D0E", AW_ERR_DER_CONSTRAINT);
    /* AuthenticateClientRequestEsipa without authenticateServerResponse */
    ASSERT_DECODE_FAILS(authenticate_client_request_esipa,
                        "BF3B12801000112233445566778899AABBCCDDEEFF", AW_ERR_DER_MISSING);
    /* GetEimPackageRequest without eidValue; rPLMN of 2 octets */
    ASSERT_DECODE_FAILS(get_eim_package_request, "BF4F028000", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(get_eim_package_request,
                        "BF4F165A10890490321234512345123456789012358202" "62F2",
                        AW_ERR_DER_CONSTRAINT);
    /* ProvideEimPackageResult without eimPackageResult */
    ASSERT_DECODE_FAILS(provide_eim_package_result,
                        "BF50125A1089049032123451234512345678901235", AW_ERR_DER_MISSING);
    /* pendingNotification wrapper empty / holding two TLVs */
    ASSERT_DECODE_FAILS(handle_notification_esipa, "BF3D02A000", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(handle_notification_esipa, "BF3D06A00430003000", AW_ERR_DER_TRAILING);
    /* CancelSessionRequestEsipa with the SGP.22 tag BF41 instead of [1] */
    ASSERT_DECODE_FAILS(cancel_session_request_esipa,
                        "BF4118801000112233445566778899AABBCCDDEEFFBF4103810105",
                        AW_ERR_DER_UNEXPECTED_TAG);
}

/* ---- eIM -> IPA (6.3.2) ----------------------------------------------- */

static void test_eim_to_ipa_messages(void **state)
{
    (void)state;
    static const char *const messages[] = {
        IARES_OK, IARES_ERROR, ACRES_DP, ACRES_DS, ACRES_ERROR, GBRES_OK, GBRES_ERROR,
        CSRES_OK, CSRES_ERROR, GPRES_PACKAGE, GPRES_IPA, GPRES_TRIGGER, GPRES_ERROR,
        TR_PACKAGE, TR_ACKS, TR_IPA, TR_TRIGGER, PRES_ACKS, PRES_EMPTY, PRES_ERROR,
        PRES_V10_EMPTY};
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
        ASSERT_ROUND_TRIP(esipa_message_from_eim_to_ipa, messages[i]);
    ASSERT_ROUND_TRIP(initiate_authentication_response_esipa, IARES_OK);
    ASSERT_ROUND_TRIP(authenticate_client_response_esipa, ACRES_DP);
    ASSERT_ROUND_TRIP(get_bound_profile_package_response_esipa, GBRES_OK);
    ASSERT_ROUND_TRIP(cancel_session_response_esipa, CSRES_OK);
    ASSERT_ROUND_TRIP(transfer_eim_package_request, TR_ACKS);
    ASSERT_ROUND_TRIP(get_eim_package_response, GPRES_PACKAGE);
    ASSERT_ROUND_TRIP(provide_eim_package_result_response, PRES_V10_EMPTY);

    DECODE(initiate_authentication_response_esipa, IARES_OK, ia, in);
    assert_int_equal(ia->kind, SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    assert_true(slice_is(ia->ok.server_signed1, "3003800101"));
    assert_true(slice_is(ia->ok.server_certificate, "300730003000030100"));
    assert_true(slice_is(ia->ok.matching_id, "414243"));
    assert_true(slice_is(ia->ok.ctx_params1, "A003800101"));
    free(ia);
    free(in);

    DECODE(authenticate_client_response_esipa, ACRES_DS, ds, in2);
    assert_int_equal(ds->kind, SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DS);
    assert_true(ds->ok_ds.has_profile_download_trigger);
    assert_int_equal(ds->ok_ds.profile_download_trigger.profile_download_data.kind,
                     SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP);
    free(ds);
    free(in2);

    DECODE(provide_eim_package_result_response, PRES_ACKS, pr, in3);
    assert_int_equal(pr->kind, SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_int_equal(pr->eim_acknowledgements.count, 2);
    assert_int_equal(pr->eim_acknowledgements.seq_numbers[1], 2);
    free(pr);
    free(in3);

    DECODE(provide_eim_package_result_response, PRES_V10_EMPTY, v1, in4);
    assert_int_equal(v1->kind, SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0);
    free(v1);
    free(in4);
}

/* The signed part inside GetEimPackageResponse keeps the exact bytes received */
static void test_signed_part_inside_esipa(void **state)
{
    (void)state;
    DECODE(esipa_message_from_eim_to_ipa, GPRES_PACKAGE, m, in);
    assert_int_equal(m->kind, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE);
    assert_int_equal(m->get_eim_package_response.kind, SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST);
    const sgp32_euicc_package_request *r = &m->get_eim_package_response.euicc_package_request;
    /* BF4F 81 89 | BF51 81 82 | 30 3D ... */
    assert_ptr_equal(r->raw.ptr, in + 4);
    assert_ptr_equal(r->euicc_package_signed.raw.ptr, in + 8);
    assert_true(slice_is(r->euicc_package_signed.raw, SIGNED_PSMO));
    assert_int_equal(r->euicc_package_signed.euicc_package.psmos[0].kind, SGP32_PSMO_ENABLE);
    free(m);
    free(in);
}

static void test_eim_to_ipa_errors(void **state)
{
    (void)state;
    /* EimAcknowledgements is not an eIM package of GetEimPackageResponse */
    ASSERT_DECODE_FAILS(get_eim_package_response, "BF4F06BF5303800101", AW_ERR_DER_UNEXPECTED_TAG);
    /* empty CHOICE wrappers (only ProvideEimPackageResultResponse has a v1.0 empty form) */
    ASSERT_DECODE_FAILS(get_eim_package_response, "BF4F00", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(esipa_message_from_eim_to_ipa, "BF3900", AW_ERR_DER_MISSING);
    /* InitiateAuthenticationOkEsipa without serverCertificate */
    ASSERT_DECODE_FAILS(initiate_authentication_response_esipa,
                        "BF390FA00D30038001015F37000401010C00", AW_ERR_DER_MISSING);
    /* hashCc of 31 octets */
    ASSERT_DECODE_FAILS(authenticate_client_response_esipa,
                        "BF3B2AA02830005F37003000041F"
                        "11111111111111111111111111111111111111111111111111111111111111",
                        AW_ERR_DER_CONSTRAINT);
    /* an eIM -> IPA message tag sent the other way */
    ASSERT_DECODE_FAILS(esipa_message_from_eim_to_ipa, "BF3D02A000", AW_ERR_DER_UNEXPECTED_TAG);

    /* encoder: the shared kind EIM_ACKNOWLEDGEMENTS cannot go in GetEimPackageResponse */
    sgp32_get_eim_package_response *g = calloc(1, sizeof(*g));
    uint8_t *out;
    size_t len;
    g->kind = SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS;
    assert_int_equal(sgp32_encode_get_eim_package_response(g, &out, &len), AW_ERR_ARGUMENT);
    g->kind = SGP32_EIM_PACKAGE_ERROR;
    g->eim_package_error = SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE;
    assert_int_equal(sgp32_encode_get_eim_package_response(g, &out, &len), AW_OK);
    test_assert_hex(out, len, "BF4F03020101");
    free(out);
    free(g);
}

/* Building an eIM answer from fields: TransferEimPackageRequest with acks */
static void test_build_from_fields(void **state)
{
    (void)state;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    uint8_t *out;
    size_t len;
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS;
    m->provide_eim_package_result_response.eim_acknowledgements.count = 2;
    m->provide_eim_package_result_response.eim_acknowledgements.seq_numbers[0] = 1;
    m->provide_eim_package_result_response.eim_acknowledgements.seq_numbers[1] = 2;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(m, &out, &len), AW_OK);
    test_assert_hex(out, len, PRES_ACKS);
    free(out);
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(m, &out, &len), AW_OK);
    test_assert_hex(out, len, PRES_V10_EMPTY);
    free(out);
    m->kind = SGP32_ESIPA_EIM_TO_IPA_NONE;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(m, &out, &len), AW_ERR_ARGUMENT);
    free(m);

    /* HandleNotificationEsipa: the [0] wrapper needs its PendingNotification */
    sgp32_handle_notification_esipa h;
    memset(&h, 0, sizeof(h));
    h.kind = SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION;
    assert_int_equal(sgp32_encode_handle_notification_esipa(&h, &out, &len), AW_ERR_ARGUMENT);
    static const uint8_t pir[] = {0xBF, 0x37, 0x00};
    h.pending_notification = (aw_slice){pir, sizeof(pir)};
    assert_int_equal(sgp32_encode_handle_notification_esipa(&h, &out, &len), AW_OK);
    test_assert_hex(out, len, "BF3D05A003BF3700");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger),
        cmocka_unit_test(test_trigger_errors),
        cmocka_unit_test(test_ipa_to_eim_messages),
        cmocka_unit_test(test_provide_eim_package_result_forms),
        cmocka_unit_test(test_ipa_to_eim_errors),
        cmocka_unit_test(test_eim_to_ipa_messages),
        cmocka_unit_test(test_signed_part_inside_esipa),
        cmocka_unit_test(test_eim_to_ipa_errors),
        cmocka_unit_test(test_build_from_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
