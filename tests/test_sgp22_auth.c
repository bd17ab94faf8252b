/* Tests for ES10b.GetEuiccChallenge (SGP.22 5.7.7) and
 * ES10b.AuthenticateServer (5.7.13) codecs: src/core/sgp22_auth.c. */
#include "testutil.h"

#include "core/sgp22_auth.h"
#include "core/sgp22_field.h"
#include "sgp22_golden.h"

/* Hand-built vectors from RSPDefinitions (AUTOMATIC TAGS), txid 0102..08. */
/* BF38 { 30 {80 08 txid, 81 10 euiccChallenge, 83 10 "smdp.example.com", 84 10 serverChallenge}, 5F37 40 sig, 04 14 ski, 30 09 certificate, A0 { 80 09 "ABCD-1234", A1 {80 04 tac, A1 {80 03 0B0000, 85 03 0F0000}, 82 08 imei} } } */
#define ASREQ \
    "BF3881D13040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A0298009414243442D31323334A11C800435290611A10A80030B000085030F000082083529061112" \
    "345678"

/* ctxParams1 without matchingId, deviceInfo {tac, empty capabilities} */
#define ASREQ_MIN \
    "BF3881B23040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A00AA108800435290611A100"

/* euiccChallenge of 15 octets */
#define ASREQ_CHAL15 \
    "BF3841303F80080102030405060708810F1111111111111111111111111111118310736D64702E657861" \
    "6D706C652E636F6D841022222222222222222222222222222222"

/* serverSigned1 without serverChallenge */
#define ASREQ_NOSCHAL \
    "BF3830302E800801020304050607088110111111111111111111111111111111118310736D64702E6578" \
    "616D706C652E636F6D"

/* serverAddress not UTF-8 */
#define ASREQ_BADADDR \
    "BF38333031800801020304050607088110111111111111111111111111111111118301FF841022222222" \
    "222222222222222222222222"

/* tac of 3 octets */
#define ASREQ_TAC3 \
    "BF3881B13040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A009A1078003352906A100"

/* imei of 7 octets */
#define ASREQ_IMEI7 \
    "BF3881BB3040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A013A111800435290611A100820735290611123456"

/* deviceCapabilities content not DER */
#define ASREQ_CAPS_BAD \
    "BF3881B43040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A00CA10A800435290611A1028005"

/* matchingId not UTF-8 */
#define ASREQ_MID_BAD \
    "BF3881B53040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A00D8001C0A108800435290611A100"

/* ctxParams1 alternative [1] */
#define ASREQ_CTX_ALT1 \
    "BF3881B23040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A10AA108800435290611A100"

/* ctxParams1 missing */
#define ASREQ_NOCTX \
    "BF3881A63040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06"

/* deviceInfo missing */
#define ASREQ_NODEV \
    "BF3881AB3040800801020304050607088110111111111111111111111111111111118310736D64702E65" \
    "78616D706C652E636F6D8410222222222222222222222222222222225F3740CDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3300902010130040602" \
    "2B06A003800141"

/* BF38 { A1 { 80 08 txid, 02 01 06 euiccChallengeMismatch } } */
#define ASRESP_ERR \
    "BF380FA10D80080102030405060708020106"

/* unknown alternative */
#define ASRESP_ALT2 \
    "BF3802A200"

/* BF38 { A0 { 30 {80 txid, 83 addr, 84 serverChallenge, BF22 {81 03 020300}, A0 ctxParams1}, 5F37 40 sig, 30 euiccCert, 30 eumCert } } */
#define ASRESP_OK \
    "BF3881BFA081BC3061800801020304050607088310736D64702E6578616D706C652E636F6D8410222222" \
    "22222222222222222222222222BF22058103020300A0298009414243442D31323334A11C800435290611" \
    "A10A80030B000085030F0000820835290611123456785F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCD3009020101300406022B063009020101300406022B06"

/* eumCertificate missing */
#define ASRESP_NOEUM \
    "BF3881B4A081B13061800801020304050607088310736D64702E6578616D706C652E636F6D8410222222" \
    "22222222222222222222222222BF22058103020300A0298009414243442D31323334A11C800435290611" \
    "A10A80030B000085030F0000820835290611123456785F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCD3009020101300406022B06"

/* euiccSigned1 without euiccInfo2 */
#define ASRESP_NOINFO2 \
    "BF3881B7A081B43059800801020304050607088310736D64702E6578616D706C652E636F6D8410222222" \
    "22222222222222222222222222A0298009414243442D31323334A11C800435290611A10A80030B000085" \
    "030F0000820835290611123456785F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD300902" \
    "0101300406022B063009020101300406022B06"

/* euiccChallenge of 15 octets */
#define CHAL_RESP_15 \
    "BF2E11800F111111111111111111111111111111"


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

static void test_golden_get_euicc_challenge(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(GOLDEN_GET_EUICC_CHALLENGE_RESPONSE, &len);
    sgp22_get_euicc_challenge_response r;
    EXPECT_ROUND_TRIP(sgp22_decode_get_euicc_challenge_response,
                      sgp22_encode_get_euicc_challenge_response, buf, len, &r);
    test_assert_hex(r.euicc_challenge.ptr, r.euicc_challenge.len,
                    "5DAD74D9F1734CF96CDE5C78FDB0565B");
    free(buf);
    EXPECT_DECODE(sgp22_decode_get_euicc_challenge_response, sgp22_get_euicc_challenge_response,
                  CHAL_RESP_15, AW_ERR_DER_CONSTRAINT);
    EXPECT_DECODE(sgp22_decode_get_euicc_challenge_response, sgp22_get_euicc_challenge_response,
                  "BF2E00", AW_ERR_DER_MISSING);

    /* the request is an empty BF2E */
    buf = test_hex("BF2E00", &len);
    sgp22_get_euicc_challenge_request q;
    EXPECT_ROUND_TRIP(sgp22_decode_get_euicc_challenge_request,
                      sgp22_encode_get_euicc_challenge_request, buf, len, &q);
    free(buf);
    /* a component in the request is an extension addition, kept */
    buf = test_hex("BF2E020500", &len);
    EXPECT_ROUND_TRIP(sgp22_decode_get_euicc_challenge_request,
                      sgp22_encode_get_euicc_challenge_request, buf, len, &q);
    test_assert_hex(q.extensions.ptr, q.extensions.len, "0500");
    free(buf);
    EXPECT_DECODE(sgp22_decode_get_euicc_challenge_request, sgp22_get_euicc_challenge_request,
                  "BF2E0105", AW_ERR_DER_TRUNCATED);
    EXPECT_DECODE(sgp22_decode_get_euicc_challenge_request, sgp22_get_euicc_challenge_request,
                  "BF2D00", AW_ERR_DER_UNEXPECTED_TAG);
}

static void clear_raw_parts(sgp22_euicc_signed1 *s1)
{
    memset(&s1->raw, 0, sizeof(aw_slice));
    memset(&s1->ctx_params1.raw, 0, sizeof(aw_slice));
    memset(&s1->ctx_params1.device_info.raw, 0, sizeof(aw_slice));
}

static void test_golden_authenticate_server_response(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(golden_authenticate_server_response, &len);
    sgp22_authenticate_server_response r;
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_server_response,
                      sgp22_encode_authenticate_server_response, buf, len, &r);
    assert_int_equal(len, 1514);
    assert_int_equal(r.kind, SGP22_RESPONSE_OK);
    const sgp22_euicc_signed1 *s1 = &r.ok.euicc_signed1;
    test_assert_hex(s1->transaction_id.ptr, s1->transaction_id.len, "D14FE1DE62C340D7");
    assert_int_equal(s1->server_address.len, 30);
    assert_memory_equal(s1->server_address.ptr, "10.10.12.164/dp-plus-interface", 30);
    assert_int_equal(s1->server_challenge.len, 16);
    assert_int_equal(s1->euicc_info2.ptr[0], 0xBF);
    assert_int_equal(s1->euicc_info2.ptr[1], 0x22);
    assert_true(s1->ctx_params1.has_matching_id);
    assert_int_equal(s1->ctx_params1.matching_id.len, 23);
    assert_memory_equal(s1->ctx_params1.matching_id.ptr, "P6X17-83YL3-R4R0Y-NVR32", 23);
    const sgp22_device_info *di = &s1->ctx_params1.device_info;
    test_assert_hex(di->tac.ptr, di->tac.len, "68396860");
    assert_int_equal(di->device_capabilities.len, 15);
    /* the LPA sent an empty IMEI and the eUICC echoed it */
    assert_true(di->has_imei);
    assert_int_equal(di->imei.len, 0);
    assert_int_equal(r.ok.euicc_signature1.len, 64);
    assert_int_equal(r.ok.euicc_certificate.len, 4 + 0x1FE);
    assert_int_equal(r.ok.eum_certificate.len, 4 + 0x278);
    /* euiccSignature1 covers the exact euiccSigned1 TLV */
    assert_ptr_equal(s1->raw.ptr, buf + 9); /* BF38 82 05E5 A0 82 05E1 */

    /* every signed part re-encoded from its fields */
    clear_raw_parts(&r.ok.euicc_signed1);
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_authenticate_server_response(&r, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
}

static void test_authenticate_server_request(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(ASREQ, &len);
    sgp22_authenticate_server_request r;
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_server_request,
                      sgp22_encode_authenticate_server_request, buf, len, &r);
    const sgp22_server_signed1 *s1 = &r.server_signed1;
    test_assert_hex(s1->transaction_id.ptr, s1->transaction_id.len, "0102030405060708");
    assert_int_equal(s1->euicc_challenge.ptr[0], 0x11);
    assert_int_equal(s1->server_challenge.ptr[15], 0x22);
    assert_int_equal(s1->server_address.len, 16);
    assert_int_equal(r.server_signature1.len, 64);
    assert_int_equal(r.euicc_ci_pkid_to_be_used.len, 20);
    assert_int_equal(r.server_certificate.len, 11);
    assert_true(r.ctx_params1.has_matching_id);
    assert_true(r.ctx_params1.device_info.has_imei);
    test_assert_hex(r.ctx_params1.device_info.device_capabilities.ptr,
                    r.ctx_params1.device_info.device_capabilities.len, "80030B000085030F0000");
    /* the parts decode alone too */
    sgp22_server_signed1 alone;
    assert_int_equal(sgp22_decode_server_signed1(s1->raw.ptr, s1->raw.len, &alone), AW_OK);
    sgp22_ctx_params1 ctx;
    assert_int_equal(sgp22_decode_ctx_params1(r.ctx_params1.raw.ptr, r.ctx_params1.raw.len, &ctx),
                     AW_OK);
    sgp22_device_info di;
    assert_int_equal(sgp22_decode_device_info(ctx.device_info.raw.ptr, ctx.device_info.raw.len,
                                              DER_CTX_CONS(1), &di), AW_OK);
    assert_int_equal(sgp22_decode_device_info(ctx.device_info.raw.ptr, ctx.device_info.raw.len,
                                              DER_TAG_SEQUENCE, &di), AW_ERR_DER_UNEXPECTED_TAG);
    /* re-encode from fields */
    memset(&r.server_signed1.raw, 0, sizeof(aw_slice));
    memset(&r.ctx_params1.raw, 0, sizeof(aw_slice));
    memset(&r.ctx_params1.device_info.raw, 0, sizeof(aw_slice));
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_authenticate_server_request(&r, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);

    buf = test_hex(ASREQ_MIN, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_server_request,
                      sgp22_encode_authenticate_server_request, buf, len, &r);
    assert_false(r.ctx_params1.has_matching_id);
    assert_false(r.ctx_params1.device_info.has_imei);
    assert_int_equal(r.ctx_params1.device_info.device_capabilities.len, 0);
    free(buf);
}

static void test_authenticate_server_request_errors(void **state)
{
    (void)state;
#define ASREQ_ERR_(hex, want)                                                       \
    EXPECT_DECODE(sgp22_decode_authenticate_server_request,                         \
                  sgp22_authenticate_server_request, hex, want)
    ASREQ_ERR_(ASREQ_CHAL15, AW_ERR_DER_CONSTRAINT);
    ASREQ_ERR_(ASREQ_NOSCHAL, AW_ERR_DER_MISSING);
    ASREQ_ERR_(ASREQ_BADADDR, AW_ERR_DER_CONSTRAINT);
    ASREQ_ERR_(ASREQ_TAC3, AW_ERR_DER_CONSTRAINT);
    ASREQ_ERR_(ASREQ_IMEI7, AW_ERR_DER_CONSTRAINT);
    ASREQ_ERR_(ASREQ_CAPS_BAD, AW_ERR_DER_TRUNCATED);
    ASREQ_ERR_(ASREQ_MID_BAD, AW_ERR_DER_CONSTRAINT);
    ASREQ_ERR_(ASREQ_CTX_ALT1, AW_ERR_DER_UNEXPECTED_TAG);
    ASREQ_ERR_(ASREQ_NOCTX, AW_ERR_DER_MISSING);
    ASREQ_ERR_(ASREQ_NODEV, AW_ERR_DER_MISSING);
    ASREQ_ERR_("BF3800", AW_ERR_DER_MISSING);
    ASREQ_ERR_("BF3900", AW_ERR_DER_UNEXPECTED_TAG);
    ASREQ_ERR_("BF3802", AW_ERR_DER_TRUNCATED);
    ASREQ_ERR_("BF38000000", AW_ERR_DER_TRAILING);
#undef ASREQ_ERR_
}

static void test_authenticate_server_response(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(ASRESP_ERR, &len);
    sgp22_authenticate_server_response r;
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_server_response,
                      sgp22_encode_authenticate_server_response, buf, len, &r);
    assert_int_equal(r.kind, SGP22_RESPONSE_ERROR);
    assert_int_equal(r.error.authenticate_error_code,
                     SGP22_AUTHENTICATE_ERROR_EUICC_CHALLENGE_MISMATCH);
    free(buf);
    buf = test_hex(ASRESP_OK, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_authenticate_server_response,
                      sgp22_encode_authenticate_server_response, buf, len, &r);
    sgp22_euicc_signed1 s1;
    assert_int_equal(sgp22_decode_euicc_signed1(r.ok.euicc_signed1.raw.ptr,
                                                r.ok.euicc_signed1.raw.len, &s1), AW_OK);
    test_assert_hex(s1.euicc_info2.ptr, s1.euicc_info2.len, "BF22058103020300");
    free(buf);
    r.kind = (sgp22_response_kind)3;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_authenticate_server_response(&r, &enc, &enc_len),
                     AW_ERR_ARGUMENT);
#define ASRESP_ERR_(hex, want)                                                      \
    EXPECT_DECODE(sgp22_decode_authenticate_server_response,                        \
                  sgp22_authenticate_server_response, hex, want)
    ASRESP_ERR_(ASRESP_ALT2, AW_ERR_DER_UNEXPECTED_TAG);
    ASRESP_ERR_(ASRESP_NOEUM, AW_ERR_DER_MISSING);
    ASRESP_ERR_(ASRESP_NOINFO2, AW_ERR_DER_UNEXPECTED_TAG);
    ASRESP_ERR_("BF3800", AW_ERR_DER_MISSING);
    ASRESP_ERR_("BF3804A100A100", AW_ERR_DER_TRAILING);
    ASRESP_ERR_("BF3802A100", AW_ERR_DER_MISSING);
#undef ASRESP_ERR_
}

/* RFC 3629 rules of sgp22_field_check_utf8, used by every UTF8String */
static void test_utf8(void **state)
{
    (void)state;
#define UTF8(lit, max) sgp22_field_check_utf8((aw_slice){(const uint8_t *)(lit), sizeof(lit) - 1}, max)
    assert_int_equal(UTF8("", 0), AW_OK);
    assert_int_equal(UTF8("abc", 3), AW_OK);
    assert_int_equal(UTF8("abc", 2), AW_ERR_DER_CONSTRAINT);         /* too many characters */
    assert_int_equal(UTF8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 3), AW_OK); /* 3 characters */
    assert_int_equal(UTF8("\xF4\x8F\xBF\xBF", 1), AW_OK);            /* U+10FFFF */
    assert_int_equal(UTF8("\xF4\x90\x80\x80", 0), AW_ERR_DER_CONSTRAINT); /* past U+10FFFF */
    assert_int_equal(UTF8("\xE0\x80\x80", 0), AW_ERR_DER_CONSTRAINT); /* overlong 3-byte */
    assert_int_equal(UTF8("\xF0\x80\x80\x80", 0), AW_ERR_DER_CONSTRAINT); /* overlong 4-byte */
    assert_int_equal(UTF8("\xC1\xBF", 0), AW_ERR_DER_CONSTRAINT);     /* overlong 2-byte lead */
    assert_int_equal(UTF8("\xC3\x41", 0), AW_ERR_DER_CONSTRAINT);     /* bad continuation */
    assert_int_equal(UTF8("\x80", 0), AW_ERR_DER_CONSTRAINT);          /* lone continuation */
    assert_int_equal(UTF8("\xF5\x80\x80\x80", 0), AW_ERR_DER_CONSTRAINT); /* lead past F4 */
    assert_int_equal(UTF8("\xF0\x9F\x98", 0), AW_ERR_DER_CONSTRAINT); /* truncated */
#undef UTF8
}

/* Named BIT STRING flags (X.690 11.2.2), used for PprIds and NotificationEvent */
static void test_named_bits(void **state)
{
    (void)state;
    static const struct {
        uint32_t flags;
        const char *hex;
    } cases[] = {
        {0x0, "030100"},
        {0x1, "03020780"},
        {0x6, "03020560"},
        {0x80, "03020001"},
        {0x100, "0303070080"},
        {0x80000000u, "03050000000001"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        der_builder b;
        uint8_t *enc;
        size_t len;
        der_builder_init(&b);
        sgp22_field_put_named_bits(&b, DER_TAG_BIT_STRING, cases[i].flags);
        assert_int_equal(der_builder_finish(&b, &enc, &len), AW_OK);
        test_assert_hex(enc, len, cases[i].hex);
        der_node n;
        uint32_t flags = 0xFFFFFFFFu;
        assert_int_equal(der_decode_single(enc, len, &n), AW_OK);
        assert_int_equal(sgp22_field_get_named_bits(&n, &flags), AW_OK);
        assert_int_equal(flags, cases[i].flags);
        free(enc);
    }
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t byte = 0x30;
    uint8_t *enc = &byte;
    size_t len = 3;
    assert_int_equal(sgp22_encode_authenticate_server_request(NULL, &enc, &len), AW_ERR_ARGUMENT);
    assert_null(enc);
    assert_int_equal(sgp22_decode_device_info(&byte, 1, 0xA1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_ctx_params1(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_server_signed1(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_authenticate_server_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_euicc_signed1(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_authenticate_server_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_euicc_challenge_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_get_euicc_challenge_response(&byte, 1, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_get_euicc_challenge),
        cmocka_unit_test(test_golden_authenticate_server_response),
        cmocka_unit_test(test_authenticate_server_request),
        cmocka_unit_test(test_authenticate_server_request_errors),
        cmocka_unit_test(test_authenticate_server_response),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_named_bits),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
