/* Tests for ES10b.PrepareDownload (SGP.22 5.7.5) and ES10b.CancelSession
 * (5.7.14) codecs: src/core/sgp22_download.c. */
#include "testutil.h"

#include "core/sgp22_download.h"
#include "sgp22_golden.h"

/* Hand-built vectors from RSPDefinitions (AUTOMATIC TAGS), txid 0102..08. */
/* BF21 { 30 {80 08 txid, 01 01 FF ccRequired, 5F49 41 otpk}, 5F37 40 sig, 04 20 hashCc, 30 09 {02 01 01, 30 04 {06 02 2B06}} certificate } */
#define PDREQ \
    "BF2181C33051800801020304050607080101FF5F494104ABABABABABABABABABABABABABABABABABABAB" \
    "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" \
    "ABABAB5F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD0420EEEEEEEEEEEEEEEEEEEEEEEE" \
    "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE3009020101300406022B06"

/* BF21 { 30 {80 08 txid, 01 01 00}, 5F37 40 sig, 30 09 certificate } */
#define PDREQ_MIN \
    "BF215D300D800801020304050607080101005F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CD3009020101300406022B06"

/* hashCc of 31 octets */
#define PDREQ_HASH31 \
    "BF213E300D800801020304050607080101005F3700041FEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE" \
    "EEEEEEEEEEEEEEEEEEEEEEEE3009020101300406022B06"

/* certificate missing */
#define PDREQ_NOCERT \
    "BF2112300D800801020304050607080101005F3700"

/* ccRequiredFlag 01 */
#define PDREQ_BOOL \
    "BF211D300D800801020304050607080101015F37003009020101300406022B06"

/* smdpSigned2 with a component after bppEuiccOtpk */
#define PDREQ_SS2_TRAIL \
    "BF21223012800801020304050607080101005F490005005F37003009020101300406022B06"

/* certificate content not DER */
#define PDREQ_BADCERT \
    "BF2116300D800801020304050607080101005F370030020205"

/* empty transactionId */
#define PDREQ_TXID0 \
    "BF2115300580000101005F37003009020101300406022B06"

/* smdpSignature2 missing (hashCc in its place) */
#define PDREQ_NOSIG \
    "BF213C300D800801020304050607080101000420EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE" \
    "EEEEEEEEEEEEEEEEEEEE3009020101300406022B06"

/* BF21 { A1 {80 08 txid, 02 01 05 invalidTransactionId} } */
#define PDRESP_ERR \
    "BF210FA10D80080102030405060708020105"

/* BF21 { A0 { 30 {80 08 txid, 5F49 41 otpk, 04 20 hashCc}, 5F37 40 sig } } */
#define PDRESP_OK_HASH \
    "BF2181B8A081B53070800801020304050607085F494104ABABABABABABABABABABABABABABABABABABAB" \
    "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" \
    "ABABAB0420EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE5F3740CDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD"

/* unknown alternative [2] */
#define PDRESP_ALT2 \
    "BF2102A200"

/* two alternatives */
#define PDRESP_TWO \
    "BF211EA10D80080102030405060708020105A10D80080102030405060708020105"

/* downloadErrorCode missing */
#define PDRESP_ERR_NOCODE \
    "BF210CA10A80080102030405060708"

/* euiccSignature2 missing */
#define PDRESP_OK_NOSIG \
    "BF2152A050304E800801020304050607085F494104ABABABABABABABABABABABABABABABABABABABABAB" \
    "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" \
    "AB"

/* euiccSigned2 without euiccOtpk */
#define PDRESP_NOOTPK \
    "BF2151A04F300A800801020304050607085F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD"

/* BF41 { 80 08 txid, 81 01 00 endUserRejection } */
#define CSREQ \
    "BF410D80080102030405060708810100"

/* reason missing */
#define CSREQ_NOREASON \
    "BF410A80080102030405060708"

/* BF41 { A0 { 30 {80 08 txid, 81 04 2B060104 smdpOid, 82 01 05 loadBppExecutionError}, 5F37 40 sig } } */
#define CSRESP_OK \
    "BF415AA05830138008010203040506070881042B0601048201055F3740CDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCD"

/* BF41 { 81 01 05 invalidTransactionId } */
#define CSRESP_ERR \
    "BF4103810105"

/* error INTEGER not minimal */
#define CSRESP_ERR_NONMIN \
    "BF410481020005"

/* signature missing */
#define CSRESP_OK_NOSIG \
    "BF4114A01230108008010203040506070881012B820105"

/* smdpOid ending inside a subidentifier */
#define CSRESP_BADOID \
    "BF4158A05630118008010203040506070881022B868201055F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCD"

#define EXPECT_DECODE(fn, type, hex, want)                  \
    do {                                                    \
        type out_;                                          \
        size_t n_;                                          \
        uint8_t *b_ = test_hex(hex, &n_);                   \
        assert_int_equal(fn(b_, n_, &out_), want);          \
        free(b_);                                           \
    } while (0)

/* decode, re-encode byte-exact */
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

static void test_golden_prepare_download_response(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(golden_prepare_download_response, &len);
    sgp22_prepare_download_response r;
    EXPECT_ROUND_TRIP(sgp22_decode_prepare_download_response,
                      sgp22_encode_prepare_download_response, buf, len, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_OK);
    const sgp22_euicc_signed2 *s2 = &r.ok.euicc_signed2;
    test_assert_hex(s2->transaction_id.ptr, s2->transaction_id.len, "D14FE1DE62C340D7");
    assert_int_equal(s2->euicc_otpk.len, 65);
    assert_int_equal(s2->euicc_otpk.ptr[0], 0x04);
    assert_false(s2->has_hash_cc);
    assert_int_equal(r.ok.euicc_signature2.len, 64);
    /* euiccSignature2 covers the exact euiccSigned2 TLV (5.7.5) */
    assert_ptr_equal(s2->raw.ptr, buf + 7); /* BF21 81 96 A0 81 93 */
    assert_int_equal(s2->raw.len, 2 + 0x4E);
    /* re-encode euiccSigned2 from its fields */
    r.ok.euicc_signed2.raw.len = 0;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_prepare_download_response(&r, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
}

static void test_prepare_download_request(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(PDREQ, &len);
    sgp22_prepare_download_request r;
    EXPECT_ROUND_TRIP(sgp22_decode_prepare_download_request,
                      sgp22_encode_prepare_download_request, buf, len, &r);
    assert_true(r.smdp_signed2.cc_required_flag);
    assert_true(r.smdp_signed2.has_bpp_euicc_otpk);
    assert_int_equal(r.smdp_signed2.bpp_euicc_otpk.len, 65);
    assert_true(r.has_hash_cc);
    assert_int_equal(r.hash_cc.len, 32);
    test_assert_hex(r.smdp_certificate.ptr, r.smdp_certificate.len, "3009020101300406022B06");
    r.smdp_signed2.raw.len = 0;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_prepare_download_request(&r, &enc, &enc_len), AW_OK);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);

    buf = test_hex(PDREQ_MIN, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_prepare_download_request,
                      sgp22_encode_prepare_download_request, buf, len, &r);
    assert_false(r.smdp_signed2.cc_required_flag);
    assert_false(r.smdp_signed2.has_bpp_euicc_otpk);
    assert_false(r.has_hash_cc);
    /* the inner SmdpSigned2 decodes alone too */
    sgp22_smdp_signed2 s2;
    assert_int_equal(sgp22_decode_smdp_signed2(r.smdp_signed2.raw.ptr, r.smdp_signed2.raw.len,
                                               &s2), AW_OK);
    free(buf);

#define PDREQ_ERR(hex, want) \
    EXPECT_DECODE(sgp22_decode_prepare_download_request, sgp22_prepare_download_request, hex, want)
    PDREQ_ERR(PDREQ_HASH31, AW_ERR_DER_CONSTRAINT);
    PDREQ_ERR(PDREQ_NOCERT, AW_ERR_DER_MISSING);
    PDREQ_ERR(PDREQ_BOOL, AW_ERR_DER_BOOLEAN);
    PDREQ_ERR(PDREQ_SS2_TRAIL, AW_OK); /* the NULL is an extension addition */
    PDREQ_ERR(PDREQ_BADCERT, AW_ERR_DER_TRUNCATED);
    PDREQ_ERR(PDREQ_TXID0, AW_ERR_DER_CONSTRAINT);
    PDREQ_ERR(PDREQ_NOSIG, AW_ERR_DER_UNEXPECTED_TAG);
    PDREQ_ERR("BF2100", AW_ERR_DER_MISSING);
    PDREQ_ERR("BF2200", AW_ERR_DER_UNEXPECTED_TAG);
    PDREQ_ERR("BF2101", AW_ERR_DER_TRUNCATED);
    PDREQ_ERR("BF210000", AW_ERR_DER_TRAILING);
#undef PDREQ_ERR
}

static void test_prepare_download_response(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(PDRESP_ERR, &len);
    sgp22_prepare_download_response r;
    EXPECT_ROUND_TRIP(sgp22_decode_prepare_download_response,
                      sgp22_encode_prepare_download_response, buf, len, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(r.error.download_error_code, SGP22_DOWNLOAD_ERROR_INVALID_TRANSACTION_ID);
    free(buf);
    buf = test_hex(PDRESP_OK_HASH, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_prepare_download_response,
                      sgp22_encode_prepare_download_response, buf, len, &r);
    assert_true(r.ok.euicc_signed2.has_hash_cc);
    sgp22_euicc_signed2 s2;
    assert_int_equal(sgp22_decode_euicc_signed2(r.ok.euicc_signed2.raw.ptr,
                                                r.ok.euicc_signed2.raw.len, &s2), AW_OK);
    free(buf);

    /* an unknown kind is refused by the encoder */
    r.kind = (sgp22_response_kind)7;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_prepare_download_response(&r, &enc, &enc_len), AW_ERR_ARGUMENT);
    assert_null(enc);

#define PDRESP_ERR_(hex, want) \
    EXPECT_DECODE(sgp22_decode_prepare_download_response, sgp22_prepare_download_response, hex, want)
    PDRESP_ERR_(PDRESP_ALT2, AW_ERR_DER_UNEXPECTED_TAG);
    PDRESP_ERR_(PDRESP_TWO, AW_ERR_DER_TRAILING);
    PDRESP_ERR_(PDRESP_ERR_NOCODE, AW_ERR_DER_MISSING);
    PDRESP_ERR_(PDRESP_OK_NOSIG, AW_ERR_DER_MISSING);
    PDRESP_ERR_(PDRESP_NOOTPK, AW_ERR_DER_MISSING);
    PDRESP_ERR_("BF2100", AW_ERR_DER_MISSING);
    PDRESP_ERR_("BF2103A10100", AW_ERR_DER_TAG); /* 00 is no DER tag */
#undef PDRESP_ERR_
}

static void test_cancel_session(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(CSREQ, &len);
    sgp22_cancel_session_request q;
    EXPECT_ROUND_TRIP(sgp22_decode_cancel_session_request, sgp22_encode_cancel_session_request,
                      buf, len, &q);
    assert_int_equal(q.reason, SGP22_CANCEL_SESSION_END_USER_REJECTION);
    free(buf);
    EXPECT_DECODE(sgp22_decode_cancel_session_request, sgp22_cancel_session_request,
                  CSREQ_NOREASON, AW_ERR_DER_MISSING);
    EXPECT_DECODE(sgp22_decode_cancel_session_request, sgp22_cancel_session_request,
                  "BF4100", AW_ERR_DER_MISSING);

    sgp22_cancel_session_response r;
    buf = test_hex(CSRESP_OK, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_cancel_session_response, sgp22_encode_cancel_session_response,
                      buf, len, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_OK);
    const sgp22_euicc_cancel_session_signed *cs = &r.ok.euicc_cancel_session_signed;
    test_assert_hex(cs->smdp_oid.ptr, cs->smdp_oid.len, "2B060104");
    assert_int_equal(cs->reason, SGP22_CANCEL_SESSION_LOAD_BPP_EXECUTION_ERROR);
    sgp22_euicc_cancel_session_signed alone;
    assert_int_equal(sgp22_decode_euicc_cancel_session_signed(cs->raw.ptr, cs->raw.len, &alone),
                     AW_OK);
    r.ok.euicc_cancel_session_signed.raw.len = 0;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &enc, &enc_len), AW_OK);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);

    buf = test_hex(CSRESP_ERR, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_cancel_session_response, sgp22_encode_cancel_session_response,
                      buf, len, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(r.error, SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID);
    free(buf);
    r.kind = (sgp22_response_kind)9;
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &enc, &enc_len), AW_ERR_ARGUMENT);

#define CSRESP_ERR_(hex, want) \
    EXPECT_DECODE(sgp22_decode_cancel_session_response, sgp22_cancel_session_response, hex, want)
    CSRESP_ERR_(CSRESP_ERR_NONMIN, AW_ERR_DER_INTEGER);
    CSRESP_ERR_(CSRESP_OK_NOSIG, AW_ERR_DER_MISSING);
    CSRESP_ERR_(CSRESP_BADOID, AW_ERR_DER_CONSTRAINT);
    CSRESP_ERR_("BF4102A200", AW_ERR_DER_UNEXPECTED_TAG);
    CSRESP_ERR_("BF4100", AW_ERR_DER_MISSING);
    CSRESP_ERR_("BF4106810105810105", AW_ERR_DER_TRAILING);
#undef CSRESP_ERR_
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t byte = 0x30;
    uint8_t *enc = &byte;
    size_t len = 5;
    assert_int_equal(sgp22_encode_prepare_download_request(NULL, &enc, &len), AW_ERR_ARGUMENT);
    assert_null(enc);
    assert_int_equal(len, 0);
    sgp22_cancel_session_request q;
    memset(&q, 0, sizeof(q));
    assert_int_equal(sgp22_encode_cancel_session_request(&q, NULL, &len), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_smdp_signed2(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_prepare_download_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_signed2(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_prepare_download_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_cancel_session_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_cancel_session_signed(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_cancel_session_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_cancel_session_response_tagged(&byte, 1, 0xA1, NULL),
                     AW_ERR_ARGUMENT);
    sgp22_smdp_signed2 s2;
    assert_int_equal(sgp22_decode_smdp_signed2(NULL, 0, &s2), AW_ERR_DER_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_prepare_download_response),
        cmocka_unit_test(test_prepare_download_request),
        cmocka_unit_test(test_prepare_download_response),
        cmocka_unit_test(test_cancel_session),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
