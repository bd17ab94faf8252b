/* Tests for the Bound Profile Package codecs and segment API (SGP.22 2.5.4,
 * 2.5.5, ES8+ 5.5.1-5.5.4, ES10b 5.7.6): src/core/sgp22_bpp.c,
 * sgp22_bpp_segment.c, sgp22_bpp_content.c. */
#include "testutil.h"

#include <openssl/evp.h>

#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "sgp22_golden.h"

/* Hand-built vectors (tests/ structure comments; lengths computed).
 *
 * InitialiseSecureChannelRequest BF23 {
 *   82 01 01                      remoteOpId installBoundProfilePackage
 *   80 08 0102030405060708        transactionId
 *   A6 0D {80 01 88, 81 01 10, 84 05 0102030405}  controlRefTemplate
 *   5F49 41 04 11..11             smdpOtpk
 *   5F37 40 22..22                smdpSign } */
#define ISCR_HEX                                                                        \
    "BF2381A382010180080102030405060708A60D800188810110840501020304055F494104"            \
    "11111111111111111111111111111111111111111111111111111111111111111111111111111111"    \
    "111111111111111111111111111111111111111111111111" "5F3740"                            \
    "22222222222222222222222222222222222222222222222222222222222222222222222222222222"    \
    "222222222222222222222222222222222222222222222222"
/* BF36 { ISCR, A0 {87 A1A2, 87 A3}, A1 {88 B1, 88 B2B3}, A3 {86 C1, 86 C2C3C4} } */
#define BPP_HEX "BF3681C3" ISCR_HEX "A0078702A1A28701A3A1078801B18802B2B3A3088601C18603C2C3C4"
/* BF36 { ISCR, A0 {}, A1 {}, A2 {}, A3 {} } */
#define BPP_EMPTY_HEX "BF3681AF" ISCR_HEX "A000A100A200A300"

static uint8_t *golden_bpp(size_t *len)
{
    size_t b64_len = strlen(golden_bound_profile_package_base64);
    uint8_t *out = malloc(b64_len / 4 * 3 + 1);
    assert_non_null(out);
    int n = EVP_DecodeBlock(out, (const unsigned char *)golden_bound_profile_package_base64,
                            (int)b64_len);
    assert_true(n > 0);
    *len = (size_t)n; /* the base64 carries no padding */
    return out;
}

#define EXPECT_DECODE(fn, type, hex, want)                  \
    do {                                                    \
        type out_;                                          \
        size_t n_;                                          \
        uint8_t *b_ = test_hex(hex, &n_);                   \
        assert_int_equal(fn(b_, n_, &out_), want);          \
        free(b_);                                           \
    } while (0)

/* decode, check re-encoding from raw parts is byte-exact */
#define EXPECT_ROUND_TRIP(decode, encode, type, buf, len, out)        \
    do {                                                              \
        uint8_t *enc_;                                                \
        size_t enc_len_;                                              \
        assert_int_equal(decode(buf, len, out), AW_OK);               \
        assert_int_equal(encode(out, &enc_, &enc_len_), AW_OK);       \
        assert_int_equal(enc_len_, len);                              \
        assert_memory_equal(enc_, buf, len);                          \
        free(enc_);                                                   \
    } while (0)

static void test_golden_bpp(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = golden_bpp(&len);
    sgp22_bound_profile_package bpp;
    EXPECT_ROUND_TRIP(sgp22_decode_bound_profile_package, sgp22_encode_bound_profile_package,
                      sgp22_bound_profile_package, buf, len, &bpp);
    assert_int_equal(len, 5370);
    const sgp22_initialise_secure_channel_request *iscr = &bpp.initialise_secure_channel_request;
    assert_int_equal(iscr->remote_op_id, SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE);
    test_assert_hex(iscr->transaction_id.ptr, iscr->transaction_id.len, "97797BBFA558482D");
    assert_int_equal(iscr->control_ref_template.key_type, 0x88);
    assert_int_equal(iscr->control_ref_template.key_len, 0x10);
    assert_int_equal(iscr->smdp_otpk.len, 65);
    assert_int_equal(iscr->smdp_sign.len, 64);
    /* 5.5.1: signed part runs from remoteOpId to the end of smdpOtpk */
    assert_ptr_equal(iscr->signed_part.ptr, iscr->raw.ptr + 4);
    assert_ptr_equal(iscr->signed_part.ptr + iscr->signed_part.len, iscr->smdp_sign.ptr - 3);
    assert_true(bpp.has_second_sequence_of87);

    /* count the elements of each list */
    sgp22_bpp_list_iter it;
    aw_slice tlv;
    size_t count = 0;
    sgp22_bpp_list_iter_init(&it, bpp.sequence_of86);
    while (sgp22_bpp_list_next(&it, &tlv) == AW_OK) {
        assert_int_equal(tlv.ptr[0], 0x86);
        count++;
    }
    assert_int_equal(count, 5);

    /* re-encode with the ISCR built from its fields, not its raw bytes */
    memset(&bpp.initialise_secure_channel_request.raw, 0, sizeof(aw_slice));
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_bound_profile_package(&bpp, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
}

/* The golden BPP's sequenceOf88 carries its StoreMetadataRequest in clear,
 * followed by an 8-byte MAC (2.5.4: MAC only). */
static void test_golden_store_metadata(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = golden_bpp(&len);
    sgp22_bound_profile_package bpp;
    assert_int_equal(sgp22_decode_bound_profile_package(buf, len, &bpp), AW_OK);
    sgp22_bpp_list_iter it;
    aw_slice tlv;
    sgp22_bpp_list_iter_init(&it, bpp.sequence_of88);
    assert_int_equal(sgp22_bpp_list_next(&it, &tlv), AW_OK);
    aw_slice second;
    assert_int_equal(sgp22_bpp_list_next(&it, &second), AW_ERR_NOT_FOUND);
    const uint8_t *smr = tlv.ptr + 2; /* 88 52 */
    size_t smr_len = tlv.len - 2 - 8;
    sgp22_store_metadata_request md;
    EXPECT_ROUND_TRIP(sgp22_decode_store_metadata_request, sgp22_encode_store_metadata_request,
                      sgp22_store_metadata_request, smr, smr_len, &md);
    test_assert_hex(md.iccid.ptr, md.iccid.len, "98680010203040506080");
    assert_int_equal(md.service_provider_name.len, 5);
    assert_memory_equal(md.service_provider_name.ptr, "smart", 5);
    assert_int_equal(md.profile_name.len, 0);
    /* '95 01 02': the DEFAULT written out, kept */
    assert_true(md.has_profile_class);
    assert_int_equal(md.profile_class, 2);
    assert_true(md.has_notification_configuration_info);
    assert_int_equal(md.notification_configuration_info.count, 1);
    sgp22_list_iter nit;
    sgp22_notification_configuration_information nc;
    sgp22_list_iter_init(&nit, md.notification_configuration_info.raw);
    assert_int_equal(sgp22_notification_configuration_list_next(&nit, &nc), AW_OK);
    assert_int_equal(nc.profile_management_operation, 0x0F);
    assert_int_equal(nc.notification_address.len, 30);
    assert_true(md.has_profile_owner);
    test_assert_hex(md.profile_owner.mcc_mnc.ptr, 3, "64F007");
    assert_false(md.has_profile_policy_rules);
    free(buf);
}

static void test_golden_profile_installation_result(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(golden_profile_installation_result, &len);
    sgp22_profile_installation_result pir;
    EXPECT_ROUND_TRIP(sgp22_decode_profile_installation_result,
                      sgp22_encode_profile_installation_result, sgp22_profile_installation_result,
                      buf, len, &pir);
    const sgp22_profile_installation_result_data *d = &pir.data;
    test_assert_hex(d->transaction_id.ptr, d->transaction_id.len, "D14FE1DE62C340D7");
    assert_int_equal(d->notification_metadata.ptr[0], 0xBF);
    assert_int_equal(d->notification_metadata.ptr[1], 0x2F);
    test_assert_hex(d->smdp_oid.ptr, d->smdp_oid.len, "88370A");
    assert_int_equal(d->final_result, SGP22_FINAL_RESULT_SUCCESS);
    test_assert_hex(d->success.aid.ptr, d->success.aid.len, "A0000005591010FFFFFFFF8900001200");
    test_assert_hex(d->success.sima_response.ptr, d->success.sima_response.len,
                    "3007A0053003800100");
    assert_int_equal(pir.euicc_sign_pir.len, 64);
    /* euiccSignPIR covers the exact BF27 TLV */
    assert_ptr_equal(d->raw.ptr, buf + 4); /* BF37 81 AD */
    /* re-encode the data from its fields */
    memset(&pir.data.raw, 0, sizeof(aw_slice));
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
}

/* 2.5.5: the golden BPP splits into 11 segments; the stream takes them back. */
static void test_golden_segments(void **state)
{
    (void)state;
    static const struct {
        sgp22_bpp_part part;
        size_t header_len, element_len;
    } want[] = {
        {SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL, 5, 167},
        {SGP22_BPP_PART_FIRST_SEQUENCE_OF87, 2, 26},
        {SGP22_BPP_PART_SEQUENCE_OF88, 2, 0},
        {SGP22_BPP_PART_SEQUENCE_OF88, 0, 84},
        {SGP22_BPP_PART_SECOND_SEQUENCE_OF87, 2, 74},
        {SGP22_BPP_PART_SEQUENCE_OF86, 4, 0},
        {SGP22_BPP_PART_SEQUENCE_OF86, 0, 1020},
        {SGP22_BPP_PART_SEQUENCE_OF86, 0, 1020},
        {SGP22_BPP_PART_SEQUENCE_OF86, 0, 1020},
        {SGP22_BPP_PART_SEQUENCE_OF86, 0, 1020},
        {SGP22_BPP_PART_SEQUENCE_OF86, 0, 924},
    };
    size_t len;
    uint8_t *buf = golden_bpp(&len);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_stream stream;
    sgp22_bpp_segment seg, got;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, buf, len), AW_OK);
    sgp22_bpp_stream_init(&stream);
    size_t offset = 0;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_false(sgp22_bpp_stream_complete(&stream));
        assert_int_equal(sgp22_bpp_splitter_next(&splitter, &seg), AW_OK);
        assert_int_equal(seg.part, want[i].part);
        assert_int_equal(seg.header.len, want[i].header_len);
        assert_int_equal(seg.element.len, want[i].element_len);
        assert_ptr_equal(seg.bytes.ptr, buf + offset); /* segments tile the BPP */
        offset += seg.bytes.len;
        /* the eUICC takes a copy, as STORE DATA delivers it */
        uint8_t *copy = malloc(seg.bytes.len);
        assert_non_null(copy);
        memcpy(copy, seg.bytes.ptr, seg.bytes.len);
        assert_int_equal(sgp22_bpp_stream_feed(&stream, copy, seg.bytes.len, &got), AW_OK);
        assert_int_equal(got.part, seg.part);
        assert_int_equal(got.header.len, seg.header.len);
        assert_int_equal(got.element.len, seg.element.len);
        assert_memory_equal(got.element.ptr, seg.element.ptr, seg.element.len);
        free(copy);
    }
    assert_int_equal(offset, len);
    assert_int_equal(sgp22_bpp_splitter_next(&splitter, &seg), AW_ERR_NOT_FOUND);
    assert_true(sgp22_bpp_stream_complete(&stream));
    uint8_t extra[] = {0x86, 0x00};
    assert_int_equal(sgp22_bpp_stream_feed(&stream, extra, sizeof(extra), &got), AW_ERR_STATE);
    free(buf);
}

/* Split a BPP and feed every segment to a fresh stream. */
static size_t split_and_feed(const uint8_t *buf, size_t len, sgp22_bpp_segment *segs, size_t max)
{
    sgp22_bpp_splitter splitter;
    sgp22_bpp_stream stream;
    sgp22_bpp_segment got;
    size_t n = 0;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, buf, len), AW_OK);
    sgp22_bpp_stream_init(&stream);
    while (n < max && sgp22_bpp_splitter_next(&splitter, &segs[n]) == AW_OK) {
        assert_int_equal(sgp22_bpp_stream_feed(&stream, segs[n].bytes.ptr, segs[n].bytes.len, &got),
                         AW_OK);
        n++;
    }
    assert_true(sgp22_bpp_stream_complete(&stream));
    return n;
}

static void test_segments_multiple_87_and_empty_lists(void **state)
{
    (void)state;
    sgp22_bpp_segment segs[16];
    size_t len;
    uint8_t *buf = test_hex(BPP_HEX, &len);
    /* BF36+BF23, A0+87, 87, A1, 88, 88, A3, 86, 86 */
    assert_int_equal(split_and_feed(buf, len, segs, 16), 9);
    test_assert_hex(segs[1].bytes.ptr, segs[1].bytes.len, "A0078702A1A2");
    test_assert_hex(segs[2].bytes.ptr, segs[2].bytes.len, "8701A3");
    assert_int_equal(segs[2].part, SGP22_BPP_PART_FIRST_SEQUENCE_OF87);
    test_assert_hex(segs[3].bytes.ptr, segs[3].bytes.len, "A107");
    test_assert_hex(segs[6].bytes.ptr, segs[6].bytes.len, "A308");
    free(buf);

    buf = test_hex(BPP_EMPTY_HEX, &len);
    /* BF36+BF23, A0, A1, A2, A3: every list header alone */
    assert_int_equal(split_and_feed(buf, len, segs, 16), 5);
    test_assert_hex(segs[3].bytes.ptr, segs[3].bytes.len, "A200");
    assert_int_equal(segs[3].part, SGP22_BPP_PART_SECOND_SEQUENCE_OF87);
    free(buf);
}

/* Feed hex segments; the last one must fail with want. */
static void feed_expect(const char *const *segments, size_t count, aw_err want)
{
    sgp22_bpp_stream stream;
    sgp22_bpp_segment got;
    sgp22_bpp_stream_init(&stream);
    for (size_t i = 0; i < count; i++) {
        size_t len;
        uint8_t *buf = test_hex(segments[i], &len);
        aw_err err = sgp22_bpp_stream_feed(&stream, buf, len, &got);
        free(buf);
        assert_int_equal(err, i + 1 == count ? want : AW_OK);
    }
    /* an error is sticky */
    uint8_t any[] = {0x86, 0x00};
    assert_int_equal(sgp22_bpp_stream_feed(&stream, any, sizeof(any), &got), AW_ERR_STATE);
    assert_false(sgp22_bpp_stream_complete(&stream));
}

static void test_stream_errors(void **state)
{
    (void)state;
    const char *first = "BF3681C3" ISCR_HEX;
    /* wrong outer tag */
    const char *s1[] = {"BF3781C3" ISCR_HEX};
    feed_expect(s1, 1, AW_ERR_DER_UNEXPECTED_TAG);
    /* BF36 header without BF23 */
    const char *s2[] = {"BF3681C3"};
    feed_expect(s2, 1, AW_ERR_DER_TRUNCATED);
    /* BF23 longer than the BF36 length */
    const char *s3[] = {"BF36820010" ISCR_HEX};
    feed_expect(s3, 1, AW_ERR_DER_LENGTH);
    const char *s3b[] = {"BF3610" ISCR_HEX};
    feed_expect(s3b, 1, AW_ERR_DER_TRUNCATED);
    /* indefinite and over-long length */
    const char *s4[] = {"BF3680" ISCR_HEX};
    feed_expect(s4, 1, AW_ERR_DER_INDEFINITE);
    const char *s5[] = {"BF3685" ISCR_HEX};
    feed_expect(s5, 1, AW_ERR_DER_LENGTH_OVERFLOW);
    const char *s5b[] = {"BF3682"};
    feed_expect(s5b, 1, AW_ERR_DER_TRUNCATED);
    /* A1 where A0 must come */
    const char *s6[] = {first, "A1078801B1"};
    feed_expect(s6, 2, AW_ERR_DER_UNEXPECTED_TAG);
    /* 88 inside A0 */
    const char *s7[] = {first, "A0078801A1"};
    feed_expect(s7, 2, AW_ERR_DER_UNEXPECTED_TAG);
    /* a constructed TLV where an 87 must come */
    const char *s8[] = {first, "A0078702A1A2", "A700"};
    feed_expect(s8, 3, AW_ERR_DER_UNEXPECTED_TAG);
    /* element longer than what is left of its list */
    const char *s9[] = {first, "A0038702A1A2"};
    feed_expect(s9, 2, AW_ERR_DER_TRUNCATED);
    /* two elements in one segment */
    const char *s10[] = {first, "A0078702A1A28701A3"};
    feed_expect(s10, 2, AW_ERR_DER_TRAILING);
    /* list longer than what is left of the BPP */
    const char *s11[] = {first, "A07F"};
    feed_expect(s11, 2, AW_ERR_DER_TRUNCATED);
    /* A3 ending before the BF36 content does */
    const char *s12[] = {first, "A0078702A1A2", "8701A3", "A107", "8801B1", "8802B2B3", "A307"};
    feed_expect(s12, 7, AW_ERR_DER_TRAILING);
    /* empty segment */
    const char *s13[] = {first, ""};
    feed_expect(s13, 2, AW_ERR_DER_TRUNCATED);
    /* non-minimal list length */
    const char *s14[] = {first, "A08107"};
    feed_expect(s14, 2, AW_ERR_DER_LENGTH);
}

static void test_splitter_errors(void **state)
{
    (void)state;
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment seg;
    size_t len;
    uint8_t *buf = test_hex(BPP_HEX, &len);
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, buf, len - 1), AW_ERR_DER_TRUNCATED);
    assert_int_equal(sgp22_bpp_splitter_next(&splitter, &seg), AW_ERR_STATE);
    assert_int_equal(sgp22_bpp_splitter_init(NULL, buf, len), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, buf, len), AW_OK);
    assert_int_equal(sgp22_bpp_splitter_next(&splitter, NULL), AW_ERR_ARGUMENT);
    sgp22_bpp_stream stream;
    sgp22_bpp_stream_init(&stream);
    assert_int_equal(sgp22_bpp_stream_feed(&stream, NULL, 3, &seg), AW_ERR_ARGUMENT);
    free(buf);
}

static void test_initialise_secure_channel(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(ISCR_HEX, &len);
    sgp22_initialise_secure_channel_request r;
    EXPECT_ROUND_TRIP(sgp22_decode_initialise_secure_channel_request,
                      sgp22_encode_initialise_secure_channel_request,
                      sgp22_initialise_secure_channel_request, buf, len, &r);
    test_assert_hex(r.control_ref_template.host_id.ptr, r.control_ref_template.host_id.len,
                    "0102030405");
    /* 82 01 01, 80 08 .., A6 0D .., 5F49 41 .. */
    assert_int_equal(r.signed_part.len, 3 + 10 + 15 + 68);
    free(buf);

#define ISCR_ERR(hex, want)                                                              \
    EXPECT_DECODE(sgp22_decode_initialise_secure_channel_request,                        \
                  sgp22_initialise_secure_channel_request, hex, want)
    ISCR_ERR("BF2400", AW_ERR_DER_UNEXPECTED_TAG);  /* ConfigureISDP tag */
    ISCR_ERR("BF2300", AW_ERR_DER_MISSING);         /* no remoteOpId */
    ISCR_ERR("2300", AW_ERR_DER_UNEXPECTED_TAG);    /* primitive-looking tag */
    /* BF23 {82 01 01, 80 11 00..00}: transactionId of 17 octets */
    ISCR_ERR("BF231682010180110000000000000000000000000000000000", AW_ERR_DER_CONSTRAINT);
    /* BF23 {82 02 0001}: remoteOpId not minimal */
    ISCR_ERR("BF230482020001", AW_ERR_DER_INTEGER);
    /* CRT {80 02 8888, ..}: keyType of two octets */
    ISCR_ERR("BF2316820101800101A60E8002888881011084050102030405", AW_ERR_DER_CONSTRAINT);
    /* CRT {80 01 88, 81 01 10}: hostId missing */
    ISCR_ERR("BF230E820101800101A606800188810110", AW_ERR_DER_MISSING);
    /* CRT {.., 84 05 .., 05 00} and nothing after: the NULL is a CRT
     * extension addition, so smdpOtpk is missing */
    ISCR_ERR("BF2317820101800101A60F800188810110840501020304050500", AW_ERR_DER_MISSING);
    /* {.., 5F49 00}: smdpSign missing */
    ISCR_ERR("BF2318820101800101A60D800188810110840501020304055F4900", AW_ERR_DER_MISSING);
    /* {.., 5F49 01 04, 5F37 01 00, 05 05}: extension additions not DER */
    ISCR_ERR("BF231F820101800101A60D800188810110840501020304055F4901045F3701000505",
             AW_ERR_DER_TRUNCATED);
    ISCR_ERR("BF2305820101", AW_ERR_DER_TRUNCATED);
    ISCR_ERR("BF230000", AW_ERR_DER_TRAILING);
#undef ISCR_ERR

    /* EXTENSIBILITY IMPLIED: BF23 { 82 01 01, 80 01 01,
     * A6 {80 01 88, 81 01 10, 84 05 .., 85 01 AA}, 5F49 01 04, 5F37 01 00,
     * 9F20 01 01 }: later-version components kept and written back */
    buf = test_hex("BF2324820101800101A610800188810110840501020304058501AA5F4901045F3701009F200101",
                   &len);
    EXPECT_ROUND_TRIP(sgp22_decode_initialise_secure_channel_request,
                      sgp22_encode_initialise_secure_channel_request,
                      sgp22_initialise_secure_channel_request, buf, len, &r);
    test_assert_hex(r.control_ref_template.extensions.ptr, r.control_ref_template.extensions.len,
                    "8501AA");
    test_assert_hex(r.extensions.ptr, r.extensions.len, "9F200101");
    r.raw.len = 0;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_initialise_secure_channel_request(&r, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);
}

/* BF25 { 5A 0A iccid, 91 02 "Op", 92 02 "é", 93 01 01 png, 94 04 icon,
 *        95 01 00 test, B6 { 30 {80 02 0780 install, 81 09 "a.example"},
 *        30 {80 02 0560 enable|disable, 81 09 "b.example"} },
 *        B7 {80 03 64F007, 81 01 01, 82 01 02}, 99 02 0640 ppr1,
 *        BF22 {30 {80 02 2B06, A1 03 {04 01 01}}},
 *        BF23 {30 {80 02 2B07, A1 03 {04 01 02}}},
 *        9F7B 01 FF, 9F67 01 00, BF64 00 } */
#define SMR_FULL_HEX                                                                     \
    "BF257C5A0A9800103254769810321491024F709202C3A9930101940489504E47950100B622300F8002"    \
    "07808109612E6578616D706C65300F800205608109622E6578616D706C65B70B800364F0078101018201" \
    "0299020640BF220B300980022B06A103040101BF230B300980022B07A1030401029F7B01FF9F670100"   \
    "BF6400"
/* BF25 { 5A 0A iccid, 91 02 "Op", 92 00 } */
#define SMR_MIN_HEX "BF25125A0A9800103254769810321491024F709200"

static void test_store_metadata(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = test_hex(SMR_FULL_HEX, &len);
    sgp22_store_metadata_request md;
    EXPECT_ROUND_TRIP(sgp22_decode_store_metadata_request, sgp22_encode_store_metadata_request,
                      sgp22_store_metadata_request, buf, len, &md);
    assert_int_equal(md.icon_type, 1);
    assert_int_equal(md.icon.len, 4);
    assert_true(md.has_profile_class);
    assert_int_equal(md.profile_class, 0);
    assert_int_equal(md.notification_configuration_info.count, 2);
    assert_true(md.profile_owner.has_gid1 && md.profile_owner.has_gid2);
    assert_int_equal(md.profile_policy_rules, 0x2);
    assert_int_equal(md.service_specific_data_stored_in_euicc.len, 11);
    assert_int_equal(md.service_specific_data_not_stored_in_euicc.len, 11);
    assert_true(md.has_ecall_indication && md.ecall_indication);
    assert_true(md.has_fallback_allowed && !md.fallback_allowed);
    assert_true(md.has_iot_specific_metadata);
    assert_int_equal(md.iot_specific_metadata.len, 0);

    /* encode the notification list from items rather than raw */
    sgp22_notification_configuration_information items[2] = {
        {.profile_management_operation = 0x1,
         .notification_address = {(const uint8_t *)"a.example", 9}},
        {.profile_management_operation = 0x6,
         .notification_address = {(const uint8_t *)"b.example", 9}},
    };
    md.notification_configuration_info.items = items;
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_store_metadata_request(&md, &enc, &enc_len), AW_OK);
    assert_int_equal(enc_len, len);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);

    buf = test_hex(SMR_MIN_HEX, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_store_metadata_request, sgp22_encode_store_metadata_request,
                      sgp22_store_metadata_request, buf, len, &md);
    assert_false(md.has_profile_class);
    assert_int_equal(md.profile_class, SGP22_STORE_METADATA_DEFAULT_PROFILE_CLASS);
    assert_false(md.has_icon || md.has_icon_type || md.has_profile_owner);

    /* an icon over 1024 octets, built by the encoder (which does not check) */
    static uint8_t big[1025];
    md.has_icon = true;
    md.icon.ptr = big;
    md.icon.len = sizeof(big);
    md.raw.len = 0;
    assert_int_equal(sgp22_encode_store_metadata_request(&md, &enc, &enc_len), AW_OK);
    free(buf);
    assert_int_equal(sgp22_decode_store_metadata_request(enc, enc_len, &md), AW_ERR_DER_CONSTRAINT);
    free(enc);
}

static void test_store_metadata_errors(void **state)
{
    (void)state;
#define SMR_ERR(hex, want)                                                                 \
    EXPECT_DECODE(sgp22_decode_store_metadata_request, sgp22_store_metadata_request, hex, want)
    SMR_ERR("BF2600", AW_ERR_DER_UNEXPECTED_TAG);
    SMR_ERR("BF2500", AW_ERR_DER_MISSING);
    /* iccid of 9 octets */
    SMR_ERR("BF25115A0998001032547698103291024F709200", AW_ERR_DER_CONSTRAINT);
    /* serviceProviderName of 33 characters; 32 two-byte characters pass */
    SMR_ERR("BF25315A0A9800103254769810321491214141414141414141414141414141414141414141414141"
            "414141414141414141419200",
            AW_ERR_DER_CONSTRAINT);
    SMR_ERR("BF25505A0A980010325476981032149140C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9"
            "C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A9C3A99200",
            AW_OK);
    /* overlong UTF-8, surrogate, truncated sequence */
    SMR_ERR("BF25125A0A980010325476981032149102C0AF9200", AW_ERR_DER_CONSTRAINT);
    SMR_ERR("BF25135A0A980010325476981032149103EDA0809200", AW_ERR_DER_CONSTRAINT);
    SMR_ERR("BF25125A0A980010325476981032149102E2829200", AW_ERR_DER_CONSTRAINT);
    /* profileName missing; components out of order */
    SMR_ERR("BF25105A0A9800103254769810321491024F70", AW_ERR_DER_MISSING);
    SMR_ERR("BF25125A0A98001032547698103214920091024F70", AW_ERR_DER_UNEXPECTED_TAG);
    /* PprIds: trailing zero bits kept (not DER); more than 32 bits */
    SMR_ERR("BF25165A0A9800103254769810321491024F70920099020600", AW_ERR_DER_CONSTRAINT);
    SMR_ERR("BF251A5A0A9800103254769810321491024F7092009906000102030405", AW_ERR_DER_CONSTRAINT);
    /* ecallIndication 01 is no DER BOOLEAN */
    SMR_ERR("BF25165A0A9800103254769810321491024F7092009F7B0101", AW_ERR_DER_BOOLEAN);
    /* a component the type does not define, after the last one: an
     * extension addition (round trip in test_store_metadata_extensions) */
    SMR_ERR("BF25165A0A9800103254769810321491024F7092009F7C0100", AW_OK);
    /* extension additions that are not DER */
    SMR_ERR("BF25155A0A9800103254769810321491024F7092009F7C01", AW_ERR_DER_TRUNCATED);
    /* notificationConfigurationInfo entry that is a SET */
    SMR_ERR("BF251D5A0A9800103254769810321491024F709200B609310780020780810161",
            AW_ERR_DER_UNEXPECTED_TAG);
    /* profileOwner mccMnc of two octets */
    SMR_ERR("BF25185A0A9800103254769810321491024F709200B704800264F0", AW_ERR_DER_CONSTRAINT);
    /* serviceSpecificDataStoredInEuicc content not well-formed */
    SMR_ERR("BF25175A0A9800103254769810321491024F709200BF22020505", AW_ERR_DER_TRUNCATED);
    SMR_ERR("BF25125A0A9800103254769810321491024F7092", AW_ERR_DER_TRUNCATED);
#undef SMR_ERR
}

static void test_store_metadata_extensions(void **state)
{
    (void)state;
    size_t len;
    /* SMR_MIN with 9F7C 01 00 after profileName */
    uint8_t *buf = test_hex("BF25165A0A9800103254769810321491024F7092009F7C0100", &len);
    sgp22_store_metadata_request md;
    EXPECT_ROUND_TRIP(sgp22_decode_store_metadata_request, sgp22_encode_store_metadata_request,
                      sgp22_store_metadata_request, buf, len, &md);
    test_assert_hex(md.extensions.ptr, md.extensions.len, "9F7C0100");
    free(buf);
}

static void test_configure_isdp(void **state)
{
    (void)state;
    size_t len;
    /* BF24 { B8 { 80 03 88370A dpOid, 81 02 ABCD (SM-DP+ data) } } */
    uint8_t *buf = test_hex("BF240BB809800388370A8102ABCD", &len);
    sgp22_configure_isdp_request c;
    EXPECT_ROUND_TRIP(sgp22_decode_configure_isdp_request, sgp22_encode_configure_isdp_request,
                      sgp22_configure_isdp_request, buf, len, &c);
    assert_true(c.has_dp_proprietary_data);
    test_assert_hex(c.dp_oid.ptr, c.dp_oid.len, "88370A");
    test_assert_hex(c.dp_additional.ptr, c.dp_additional.len, "8102ABCD");
    free(buf);
    buf = test_hex("BF2400", &len);
    EXPECT_ROUND_TRIP(sgp22_decode_configure_isdp_request, sgp22_encode_configure_isdp_request,
                      sgp22_configure_isdp_request, buf, len, &c);
    assert_false(c.has_dp_proprietary_data);
    free(buf);

    /* dpProprietaryData over 128 octets with tag and length */
    static uint8_t extra[124];
    c.has_dp_proprietary_data = true;
    c.dp_oid.ptr = (const uint8_t *)"\x2B";
    c.dp_oid.len = 1;
    c.dp_additional.ptr = extra;
    c.dp_additional.len = sizeof(extra);
    extra[0] = 0x81;
    extra[1] = 0x79; /* 81 79 + 121 octets: 124 octets, one TLV */
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_configure_isdp_request(&c, &enc, &enc_len), AW_OK);
    assert_int_equal(sgp22_decode_configure_isdp_request(enc, enc_len, &c), AW_ERR_DER_CONSTRAINT);
    free(enc);
#define CFG_ERR(hex, want)                                                                 \
    EXPECT_DECODE(sgp22_decode_configure_isdp_request, sgp22_configure_isdp_request, hex, want)
    CFG_ERR("BF2406B80480022B80", AW_ERR_DER_CONSTRAINT);  /* OID ends mid-subidentifier */
    CFG_ERR("BF2406B8048002802B", AW_ERR_DER_CONSTRAINT);  /* OID subidentifier 0x80 lead */
    CFG_ERR("BF2404B8028000", AW_ERR_DER_CONSTRAINT);      /* empty OID */
    CFG_ERR("BF2402B800", AW_ERR_DER_MISSING);             /* dpOid missing */
    CFG_ERR("BF2407B80580012B8105", AW_ERR_DER_TRUNCATED); /* SM-DP+ data malformed */
    CFG_ERR("BF2402B001", AW_ERR_DER_TRUNCATED);           /* extension not DER */
    CFG_ERR("BF2502B000", AW_ERR_DER_UNEXPECTED_TAG);
#undef CFG_ERR
    /* BF24 { B8 {80 01 2B}, 05 00 }: the NULL is an extension addition */
    buf = test_hex("BF2407B80380012B0500", &len);
    EXPECT_ROUND_TRIP(sgp22_decode_configure_isdp_request, sgp22_encode_configure_isdp_request,
                      sgp22_configure_isdp_request, buf, len, &c);
    test_assert_hex(c.extensions.ptr, c.extensions.len, "0500");
    free(buf);
}

static void test_replace_session_keys(void **state)
{
    (void)state;
    size_t len;
    /* BF26 { 80 10 00.., 81 10 11.., 82 10 22.. } */
    uint8_t *buf = test_hex("BF2636801000000000000000000000000000000000811011111111111111111111"
                            "111111111111821022222222222222222222222222222222",
                            &len);
    sgp22_replace_session_keys_request k;
    EXPECT_ROUND_TRIP(sgp22_decode_replace_session_keys_request,
                      sgp22_encode_replace_session_keys_request,
                      sgp22_replace_session_keys_request, buf, len, &k);
    assert_int_equal(k.ppk_enc.len, 16);
    assert_int_equal(k.ppk_cmac.ptr[0], 0x22);
    free(buf);
    EXPECT_DECODE(sgp22_decode_replace_session_keys_request, sgp22_replace_session_keys_request,
                  "BF2606800100810111", AW_ERR_DER_MISSING);
    /* a fourth component is an extension addition, kept */
    buf = test_hex("BF260B8001008101118201228300", &len);
    EXPECT_ROUND_TRIP(sgp22_decode_replace_session_keys_request,
                      sgp22_encode_replace_session_keys_request,
                      sgp22_replace_session_keys_request, buf, len, &k);
    test_assert_hex(k.extensions.ptr, k.extensions.len, "8300");
    free(buf);
    EXPECT_DECODE(sgp22_decode_replace_session_keys_request, sgp22_replace_session_keys_request,
                  "BF2606A00100810111", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_profile_installation_result_error(void **state)
{
    (void)state;
    size_t len;
    /* BF37 { BF27 { 80 03 0A0B0C, BF2F {80 01 01, 81 02 0780, 0C 10 "smdp.example.com"},
     *               06 03 2B0601, A2 { A1 { 80 01 03, 81 01 08, 82 02 9000 } } },
     *        5F37 40 33.. } */
    uint8_t *buf = test_hex(
        "BF377ABF273480030A0B0CBF2F19800101810207800C10736D64702E6578616D706C652E636F6D06032B"
        "0601A20CA10A800103810108820290005F3740333333333333333333333333333333333333333333333333"
        "33333333333333333333333333333333333333333333333333333333333333333333333333333333",
        &len);
    sgp22_profile_installation_result pir;
    EXPECT_ROUND_TRIP(sgp22_decode_profile_installation_result,
                      sgp22_encode_profile_installation_result, sgp22_profile_installation_result,
                      buf, len, &pir);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(pir.data.error.bpp_command_id, SGP22_BPP_COMMAND_STORE_METADATA2);
    assert_int_equal(pir.data.error.error_reason, SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR);
    assert_true(pir.data.error.has_sima_response);
    memset(&pir.data.raw, 0, sizeof(aw_slice));
    uint8_t *enc;
    size_t enc_len;
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &enc, &enc_len), AW_OK);
    assert_memory_equal(enc, buf, len);
    free(enc);
    free(buf);

#define PIRD_ERR(hex, want)                                                   \
    EXPECT_DECODE(sgp22_decode_profile_installation_result_data,              \
                  sgp22_profile_installation_result_data, hex, want)
    PIRD_ERR("BF2716800101BF2F0380010106012BA208A106800101810101", AW_OK);
    PIRD_ERR("BF270C800101BF2F0380010106012B", AW_ERR_DER_MISSING);           /* no finalResult */
    PIRD_ERR("BF2710800101BF2F0380010106012BA202A500", AW_ERR_DER_UNEXPECTED_TAG); /* [5] */
    PIRD_ERR("BF270E800101BF2F0380010106012BA200", AW_ERR_DER_MISSING);       /* empty CHOICE */
    PIRD_ERR("BF2718800101BF2F0380010106012BA20AA0084F04010203040400",
             AW_ERR_DER_CONSTRAINT);                                           /* aid of 4 */
    PIRD_ERR("BF271E800101BF2F0380010106012BA210A106800101810101A106800101810101",
             AW_ERR_DER_TRAILING);                                             /* two results */
    PIRD_ERR("BF270B800101BF2F02050506012B", AW_ERR_DER_TRUNCATED);           /* bad metadata */
    PIRD_ERR("BF2703800101", AW_ERR_DER_MISSING);
#undef PIRD_ERR
    /* BF37 without euiccSignPIR */
    EXPECT_DECODE(sgp22_decode_profile_installation_result, sgp22_profile_installation_result,
                  "BF3719BF2716800101BF2F0380010106012BA208A106800101810101", AW_ERR_DER_MISSING);
    EXPECT_DECODE(sgp22_decode_profile_installation_result, sgp22_profile_installation_result,
                  "BF3700", AW_ERR_DER_MISSING);
}

static void test_bpp_errors(void **state)
{
    (void)state;
    sgp22_bound_profile_package bpp;
    size_t len;
    uint8_t *buf = test_hex(BPP_HEX, &len);
    EXPECT_ROUND_TRIP(sgp22_decode_bound_profile_package, sgp22_encode_bound_profile_package,
                      sgp22_bound_profile_package, buf, len, &bpp);
    assert_false(bpp.has_second_sequence_of87);
    free(buf);
#define BPP_ERR(hex, want) \
    EXPECT_DECODE(sgp22_decode_bound_profile_package, sgp22_bound_profile_package, hex, want)
    /* A3 missing */
    BPP_ERR("BF3681AB" ISCR_HEX "A000A100", AW_ERR_DER_MISSING);
    /* 88 inside A0 */
    BPP_ERR("BF3681AF" ISCR_HEX "A0028800A100A300", AW_ERR_DER_UNEXPECTED_TAG);
    /* A1 before A0 */
    BPP_ERR("BF3681AD" ISCR_HEX "A100A000A300", AW_ERR_DER_UNEXPECTED_TAG);
    /* ISCR missing its signature */
    BPP_ERR("BF3605BF2300A000", AW_ERR_DER_MISSING);
    /* list that is primitive */
    BPP_ERR("BF3681AD" ISCR_HEX "8000A100A300", AW_ERR_DER_UNEXPECTED_TAG);
    /* content after A3 */
    BPP_ERR("BF3681AF" ISCR_HEX "A000A100A3000500", AW_ERR_DER_TRAILING);
    BPP_ERR("BF3681B1" ISCR_HEX "A000A100A200A3000000", AW_ERR_DER_TRAILING);
    BPP_ERR("BF3700", AW_ERR_DER_UNEXPECTED_TAG);
#undef BPP_ERR
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t *enc = (uint8_t *)1;
    size_t len = 1;
    assert_int_equal(sgp22_encode_bound_profile_package(NULL, &enc, &len), AW_ERR_ARGUMENT);
    assert_null(enc);
    assert_int_equal(len, 0);
    uint8_t byte = 0;
    assert_int_equal(sgp22_decode_bound_profile_package(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_store_metadata_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_configure_isdp_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_replace_session_keys_request(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_initialise_secure_channel_request(&byte, 1, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_profile_installation_result(&byte, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(sgp22_decode_profile_installation_result_data(&byte, 1, NULL),
                     AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_bpp),
        cmocka_unit_test(test_golden_store_metadata),
        cmocka_unit_test(test_golden_profile_installation_result),
        cmocka_unit_test(test_golden_segments),
        cmocka_unit_test(test_segments_multiple_87_and_empty_lists),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_splitter_errors),
        cmocka_unit_test(test_initialise_secure_channel),
        cmocka_unit_test(test_store_metadata),
        cmocka_unit_test(test_store_metadata_errors),
        cmocka_unit_test(test_store_metadata_extensions),
        cmocka_unit_test(test_configure_isdp),
        cmocka_unit_test(test_replace_session_keys),
        cmocka_unit_test(test_profile_installation_result_error),
        cmocka_unit_test(test_bpp_errors),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
