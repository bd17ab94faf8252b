/* Tests for the ES9+ ASN.1 message codecs (SGP.22 5.6.1 InitiateAuthentication,
 * 5.6.2 GetBoundProfilePackage, 5.6.3 AuthenticateClient, 5.6.5 CancelSession):
 * src/core/sgp22_es9.c. */
#include "testutil.h"

#include <openssl/evp.h>

#include "core/sgp22_es9.h"
#include "sgp22_golden.h"

/* Hand-built vectors from RSPDefinitions (AUTOMATIC TAGS), txid 0102..08. */
/* BF39 { 81 10 euiccChallenge, 83 10 "smdp.example.com", BF20 {82 03 020200, A9 00, AA 00} } */
#define IAREQ \
    "BF39308110111111111111111111111111111111118310736D64702E6578616D706C652E636F6DBF2009" \
    "8203020200A900AA00"

/* euiccInfo1 missing */
#define IAREQ_NOINFO1 \
    "BF39248110111111111111111111111111111111118310736D64702E6578616D706C652E636F6D"

/* BF39 { A0 { 80 08 txid, 30 serverSigned1, 5F37 40 sig, 04 14 ski, 30 certificate } } */
#define IARESP_OK \
    "BF3981B3A081B08008010203040506070830408008010203040506070881101111111111111111111111" \
    "11111111118310736D64702E6578616D706C652E636F6D8410222222222222222222222222222222225F" \
    "3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D" \
    "800A85C33009020101300406022B06"

/* BF39 { 81 01 02 euiccVersionNotSupportedByDp } */
#define IARESP_ERR \
    "BF3903810102"

/* serverCertificate missing */
#define IARESP_NOCERT \
    "BF3981A8A081A58008010203040506070830408008010203040506070881101111111111111111111111" \
    "11111111118310736D64702E6578616D706C652E636F6D8410222222222222222222222222222222225F" \
    "3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D" \
    "800A85C3"

/* BF3B { A0 { 80 08 txid, BF25 {5A iccid, 91 "Op", 92 ""}, 30 {80 txid, 01 01 00}, 5F37 40 sig, 30 certificate } } */
#define ACRESP_OK \
    "BF3B7EA07C80080102030405060708BF25125A0A9800103254769810321491024F709200300D80080102" \
    "0304050607080101005F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD3009020101300406" \
    "022B06"

/* BF3B { A5 { 80 08 txid, BF25 {...} } } */
#define ACRESP_ACR \
    "BF3B21A51F80080102030405060708BF25125A0A9800103254769810321491024F709200"

/* BF3B { 81 01 08 noEligibleProfile } */
#define ACRESP_ERR \
    "BF3B03810108"

/* Acr form with smdpSigned2 */
#define ACRESP_ACR_EXTRA \
    "BF3B30A52E80080102030405060708BF25125A0A9800103254769810321491024F709200300D80080102" \
    "030405060708010100"

/* AuthenticateClientOk without smdpSigned2 */
#define ACRESP_NOSS2 \
    "BF3B21A01F80080102030405060708BF25125A0A9800103254769810321491024F709200"

/* BF3B { 80 txid, BF38 {A1 {80 txid, 02 01 06}}, 05 01 00 } */
#define ACREQ_BADNULL \
    "BF3B1F80080102030405060708BF380FA10D80080102030405060708020106050100"

/* BF3B { 80 txid, BF38 {A1 {80 txid, 02 01 06}}, 05 00 } */
#define ACREQ_ERR \
    "BF3B1E80080102030405060708BF380FA10D800801020304050607080201060500"

/* prepareDownloadResponse missing */
#define GBREQ_NOPDR \
    "BF3A0A80080102030405060708"

/* BF3A { 81 01 5F invalidTransactionId } */
#define GBRESP_ERR \
    "BF3A0381015F"

/* GetBoundProfilePackageOk without BPP */
#define GBRESP_NOBPP \
    "BF3A0CA00A80080102030405060708"

/* BF41 { 80 08 txid, A1 { A0 { 30 {80 txid, 81 oid, 82 01 05}, 5F37 40 sig } } } */
#define CSREQ9 \
    "BF416680080102030405060708A15AA05830138008010203040506070881042B0601048201055F3740CD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD"

/* BF41 { 80 08 txid, A1 { 81 01 05 } } */
#define CSREQ9_ERR \
    "BF410F80080102030405060708A103810105"

/* cancelSessionResponse with its own tag BF41 instead of [1] */
#define CSREQ9_BF41 \
    "BF411080080102030405060708BF4103810105"

/* BF41 { A0 00 } */
#define CSRESP9_OK \
    "BF4102A000"

/* BF41 { 81 01 02 euiccSignatureInvalid } */
#define CSRESP9_ERR \
    "BF4103810102"

/* CancelSessionOk with content */
#define CSRESP9_OK_NONEMPTY \
    "BF4104A0020500"

#define EXPECT_DECODE(fn, type, hex, want)                  \
    do {                                                    \
        type out_;                                          \
        size_t n_;                                          \
        uint8_t *b_ = test_hex(hex, &n_);                   \
        assert_int_equal(fn(b_, n_, &out_), want);          \
        free(b_);                                           \
    } while (0)

#define EXPECT_ROUND_TRIP(decode, encode, buf, len, out)              \
    do {                                                              \
        uint8_t *enc_;                                                \
        size_t enc_len_;                                              \
        assert_int_equal(decode(buf, len, out), AW_OK);               \
        assert_int_equal(encode(out, &enc_, &enc_len_), AW_OK);       \
        assert_int_equal(enc_len_, len);                              \
        assert_memory_equal(enc_, buf, len);                          \
        free(enc_);                                                   \
    } while (0)

/* Decoded structs point into their input: keep every input until the test
 * ends (release_inputs). */
static uint8_t *inputs[16];
static size_t input_count;

static uint8_t *hold_hex(const char *hex, size_t *len)
{
    assert_true(input_count < sizeof(inputs) / sizeof(inputs[0]));
    inputs[input_count] = test_hex(hex, len);
    return inputs[input_count++];
}

static int release_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < input_count; i++)
        free(inputs[i]);
    input_count = 0;
    return 0;
}

#define ROUND_TRIP_HEX(decode, encode, type, hex, out)                \
    do {                                                              \
        size_t l_;                                                    \
        uint8_t *b_ = hold_hex(hex, &l_);                             \
        EXPECT_ROUND_TRIP(decode, encode, b_, l_, out);               \
    } while (0)

static const uint8_t txid[] = {1, 2, 3, 4, 5, 6, 7, 8};

static void test_initiate_authentication(void **state)
{
    (void)state;
    sgp22_initiate_authentication_request q;
    ROUND_TRIP_HEX(sgp22_decode_initiate_authentication_request,
                   sgp22_encode_initiate_authentication_request,
                   sgp22_initiate_authentication_request, IAREQ, &q);
    test_assert_hex(q.euicc_info1.ptr, q.euicc_info1.len, "BF20098203020200A900AA00");
    assert_int_equal(q.euicc_challenge.len, 16);
    EXPECT_DECODE(sgp22_decode_initiate_authentication_request,
                  sgp22_initiate_authentication_request, IAREQ_NOINFO1, AW_ERR_DER_MISSING);

    sgp22_initiate_authentication_response r;
    ROUND_TRIP_HEX(sgp22_decode_initiate_authentication_response,
                   sgp22_encode_initiate_authentication_response,
                   sgp22_initiate_authentication_response, IARESP_OK, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_OK);
    assert_memory_equal(r.ok.transaction_id.ptr, txid, sizeof(txid));
    assert_int_equal(r.ok.server_signed1.server_address.len, 16);
    ROUND_TRIP_HEX(sgp22_decode_initiate_authentication_response,
                   sgp22_encode_initiate_authentication_response,
                   sgp22_initiate_authentication_response, IARESP_ERR, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(r.error, SGP22_INITIATE_AUTHENTICATION_ERROR_EUICC_VERSION_NOT_SUPPORTED);
    r.kind = (sgp22_response_kind)6;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_initiate_authentication_response(&r, &enc, &enc_len),
                     AW_ERR_ARGUMENT);
#define IARESP_ERR_(hex, want)                                                     \
    EXPECT_DECODE(sgp22_decode_initiate_authentication_response,                   \
                  sgp22_initiate_authentication_response, hex, want)
    IARESP_ERR_(IARESP_NOCERT, AW_ERR_DER_MISSING);
    IARESP_ERR_("BF3900", AW_ERR_DER_MISSING);
    IARESP_ERR_("BF3902A200", AW_ERR_DER_UNEXPECTED_TAG);
    IARESP_ERR_("BF390481020001", AW_ERR_DER_INTEGER);
#undef IARESP_ERR_
}

static void test_authenticate_client(void **state)
{
    (void)state;
    /* AuthenticateClientRequest carrying the golden AuthenticateServerResponse */
    size_t asr_len;
    uint8_t *asr = test_hex(golden_authenticate_server_response, &asr_len);
    sgp22_authenticate_client_request q;
    memset(&q, 0, sizeof(q));
    q.transaction_id.ptr = txid;
    q.transaction_id.len = sizeof(txid);
    assert_int_equal(sgp22_decode_authenticate_server_response(asr, asr_len,
                                                               &q.authenticate_server_response),
                     AW_OK);
    q.use_matching_id_for_acr = true;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_authenticate_client_request(&q, &enc, &enc_len), AW_OK);
    /* BF3B 82 len, 80 08 txid, BF38 .., 05 00 */
    assert_int_equal(enc_len, 5 + 10 + asr_len + 2);
    assert_memory_equal(enc + 15, asr, asr_len);
    sgp22_authenticate_client_request back;
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_client_request,
                      sgp22_encode_authenticate_client_request, enc, enc_len, &back);
    assert_true(back.use_matching_id_for_acr);
    assert_int_equal(back.authenticate_server_response.raw.len, asr_len);
    free(enc);
    free(asr);
    ROUND_TRIP_HEX(sgp22_decode_authenticate_client_request,
                   sgp22_encode_authenticate_client_request, sgp22_authenticate_client_request,
                   ACREQ_ERR, &back);
    assert_int_equal(back.authenticate_server_response.kind, SGP22_RESPONSE_ERROR);
    EXPECT_DECODE(sgp22_decode_authenticate_client_request, sgp22_authenticate_client_request,
                  ACREQ_BADNULL, AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(sgp22_decode_authenticate_client_request, sgp22_authenticate_client_request,
                  "BF3B0A80080102030405060708", AW_ERR_DER_MISSING);

    sgp22_authenticate_client_response r;
    ROUND_TRIP_HEX(sgp22_decode_authenticate_client_response,
                   sgp22_encode_authenticate_client_response, sgp22_authenticate_client_response,
                   ACRESP_OK, &r);
    assert_int_equal(r.kind, SGP22_AUTHENTICATE_CLIENT_OK);
    assert_int_equal(r.ok.profile_metadata.service_provider_name.len, 2);
    assert_false(r.ok.smdp_signed2.cc_required_flag);
    /* re-encode the metadata and smdpSigned2 from their fields */
    size_t len;
    uint8_t *buf = test_hex(ACRESP_OK, &len);
    assert_int_equal(sgp22_decode_authenticate_client_response(buf, len, &r), AW_OK);
    memset(&r.ok.profile_metadata.raw, 0, sizeof(aw_slice));
    memset(&r.ok.smdp_signed2.raw, 0, sizeof(aw_slice));
    assert_int_equal(sgp22_encode_authenticate_client_response(&r, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
    ROUND_TRIP_HEX(sgp22_decode_authenticate_client_response,
                   sgp22_encode_authenticate_client_response, sgp22_authenticate_client_response,
                   ACRESP_ACR, &r);
    assert_int_equal(r.kind, SGP22_AUTHENTICATE_CLIENT_OK_ACR);
    ROUND_TRIP_HEX(sgp22_decode_authenticate_client_response,
                   sgp22_encode_authenticate_client_response, sgp22_authenticate_client_response,
                   ACRESP_ERR, &r);
    assert_int_equal(r.error, SGP22_AUTHENTICATE_CLIENT_ERROR_NO_ELIGIBLE_PROFILE);
    r.kind = (sgp22_authenticate_client_kind)2;
    assert_int_equal(sgp22_encode_authenticate_client_response(&r, &enc, &enc_len),
                     AW_ERR_ARGUMENT);
#define ACRESP_ERR_(hex, want)                                                     \
    EXPECT_DECODE(sgp22_decode_authenticate_client_response,                       \
                  sgp22_authenticate_client_response, hex, want)
    ACRESP_ERR_(ACRESP_ACR_EXTRA, AW_OK); /* smdpSigned2 there is an extension addition */
    ACRESP_ERR_(ACRESP_NOSS2, AW_ERR_DER_MISSING);
    ACRESP_ERR_("BF3B02A200", AW_ERR_DER_UNEXPECTED_TAG);
    ACRESP_ERR_("BF3B00", AW_ERR_DER_MISSING);
#undef ACRESP_ERR_
}

static uint8_t *golden_bpp(size_t *len)
{
    size_t b64_len = strlen(golden_bound_profile_package_base64);
    uint8_t *out = malloc(b64_len / 4 * 3 + 1);
    assert_non_null(out);
    int n = EVP_DecodeBlock(out, (const unsigned char *)golden_bound_profile_package_base64,
                            (int)b64_len);
    assert_true(n > 0);
    *len = (size_t)n;
    return out;
}

static void test_get_bound_profile_package(void **state)
{
    (void)state;
    size_t pdr_len, bpp_len;
    uint8_t *pdr = test_hex(golden_prepare_download_response, &pdr_len);
    uint8_t *bpp = golden_bpp(&bpp_len);
    uint8_t *enc;
    size_t enc_len;

    sgp22_get_bound_profile_package_request q;
    memset(&q, 0, sizeof(q));
    q.transaction_id.ptr = txid;
    q.transaction_id.len = sizeof(txid);
    assert_int_equal(sgp22_decode_prepare_download_response(pdr, pdr_len,
                                                            &q.prepare_download_response),
                     AW_OK);
    assert_int_equal(sgp22_encode_get_bound_profile_package_request(&q, &enc, &enc_len), AW_OK);
    sgp22_get_bound_profile_package_request qb;
    EXPECT_ROUND_TRIP(sgp22_decode_get_bound_profile_package_request,
                      sgp22_encode_get_bound_profile_package_request, enc, enc_len, &qb);
    assert_int_equal(qb.prepare_download_response.kind, SGP22_RESPONSE_OK);
    free(enc);
    EXPECT_DECODE(sgp22_decode_get_bound_profile_package_request,
                  sgp22_get_bound_profile_package_request, GBREQ_NOPDR, AW_ERR_DER_MISSING);

    sgp22_get_bound_profile_package_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.transaction_id.ptr = txid;
    r.ok.transaction_id.len = sizeof(txid);
    assert_int_equal(sgp22_decode_bound_profile_package(bpp, bpp_len, &r.ok.bound_profile_package),
                     AW_OK);
    assert_int_equal(sgp22_encode_get_bound_profile_package_response(&r, &enc, &enc_len), AW_OK);
    sgp22_get_bound_profile_package_response rb;
    EXPECT_ROUND_TRIP(sgp22_decode_get_bound_profile_package_response,
                      sgp22_encode_get_bound_profile_package_response, enc, enc_len, &rb);
    assert_int_equal(rb.ok.bound_profile_package.raw.len, bpp_len);
    assert_memory_equal(rb.ok.bound_profile_package.raw.ptr, bpp, bpp_len);
    free(enc);
    ROUND_TRIP_HEX(sgp22_decode_get_bound_profile_package_response,
                   sgp22_encode_get_bound_profile_package_response,
                   sgp22_get_bound_profile_package_response, GBRESP_ERR, &rb);
    assert_int_equal(rb.error, SGP22_GET_BPP_ERROR_INVALID_TRANSACTION_ID);
    rb.kind = (sgp22_response_kind)4;
    assert_int_equal(sgp22_encode_get_bound_profile_package_response(&rb, &enc, &enc_len),
                     AW_ERR_ARGUMENT);
    EXPECT_DECODE(sgp22_decode_get_bound_profile_package_response,
                  sgp22_get_bound_profile_package_response, GBRESP_NOBPP, AW_ERR_DER_MISSING);
    EXPECT_DECODE(sgp22_decode_get_bound_profile_package_response,
                  sgp22_get_bound_profile_package_response, "BF3A02A100", AW_ERR_DER_UNEXPECTED_TAG);
    EXPECT_DECODE(sgp22_decode_get_bound_profile_package_response,
                  sgp22_get_bound_profile_package_response, "BF3A00", AW_ERR_DER_MISSING);
    free(pdr);
    free(bpp);
}

static void test_cancel_session_es9(void **state)
{
    (void)state;
    sgp22_cancel_session_request_es9 q;
    ROUND_TRIP_HEX(sgp22_decode_cancel_session_request_es9, sgp22_encode_cancel_session_request_es9,
                   sgp22_cancel_session_request_es9, CSREQ9, &q);
    assert_int_equal(q.cancel_session_response.kind, SGP22_RESPONSE_OK);
    assert_int_equal(q.cancel_session_response.raw.ptr[0], 0xA1);
    assert_int_equal(q.cancel_session_response.ok.euicc_cancel_session_signed.reason,
                     SGP22_CANCEL_SESSION_LOAD_BPP_EXECUTION_ERROR);
    /* re-encode the inner response under [1] from its fields */
    size_t len;
    uint8_t *buf = test_hex(CSREQ9, &len);
    assert_int_equal(sgp22_decode_cancel_session_request_es9(buf, len, &q), AW_OK);
    memset(&q.cancel_session_response.raw, 0, sizeof(aw_slice));
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_cancel_session_request_es9(&q, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
    ROUND_TRIP_HEX(sgp22_decode_cancel_session_request_es9, sgp22_encode_cancel_session_request_es9,
                   sgp22_cancel_session_request_es9, CSREQ9_ERR, &q);
    assert_int_equal(q.cancel_session_response.error, SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    EXPECT_DECODE(sgp22_decode_cancel_session_request_es9, sgp22_cancel_session_request_es9,
                  CSREQ9_BF41, AW_ERR_DER_UNEXPECTED_TAG);

    sgp22_cancel_session_response_es9 r;
    ROUND_TRIP_HEX(sgp22_decode_cancel_session_response_es9,
                   sgp22_encode_cancel_session_response_es9, sgp22_cancel_session_response_es9,
                   CSRESP9_OK, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_OK);
    ROUND_TRIP_HEX(sgp22_decode_cancel_session_response_es9,
                   sgp22_encode_cancel_session_response_es9, sgp22_cancel_session_response_es9,
                   CSRESP9_ERR, &r);
    assert_int_equal(r.error, SGP22_CANCEL_SESSION_ES9_ERROR_EUICC_SIGNATURE_INVALID);
    r.kind = (sgp22_response_kind)5;
    assert_int_equal(sgp22_encode_cancel_session_response_es9(&r, &enc, &enc_len),
                     AW_ERR_ARGUMENT);
    /* CancelSessionOk content is an extension addition, kept */
    ROUND_TRIP_HEX(sgp22_decode_cancel_session_response_es9,
                   sgp22_encode_cancel_session_response_es9, sgp22_cancel_session_response_es9,
                   CSRESP9_OK_NONEMPTY, &r);
    test_assert_hex(r.ok_extensions.ptr, r.ok_extensions.len, "0500");
    EXPECT_DECODE(sgp22_decode_cancel_session_response_es9, sgp22_cancel_session_response_es9,
                  "BF4102A200", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t byte = 0x30;
    uint8_t *enc = &byte;
    size_t len = 2;
    assert_int_equal(sgp22_encode_initiate_authentication_request(NULL, &enc, &len),
                     AW_ERR_ARGUMENT);
    assert_null(enc);
    assert_int_equal(sgp22_decode_initiate_authentication_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_initiate_authentication_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_authenticate_client_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_authenticate_client_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_bound_profile_package_request(&byte, 1, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_bound_profile_package_response(&byte, 1, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_cancel_session_request_es9(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_cancel_session_response_es9(&byte, 1, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_initiate_authentication, release_inputs),
        cmocka_unit_test_teardown(test_authenticate_client, release_inputs),
        cmocka_unit_test_teardown(test_get_bound_profile_package, release_inputs),
        cmocka_unit_test_teardown(test_cancel_session_es9, release_inputs),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
