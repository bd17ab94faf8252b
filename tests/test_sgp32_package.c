/* Tests for the SGP.32 eUICC Package and eIM configuration codecs
 * (src/core/sgp32_package.c, the table codec sgp32_codec.c, sgp32_common.c).
 *
 * No public capture of an EuiccPackageRequest/Result was found in public code
 * or issues (searched pySim, osmo-ttcn3-hacks, onomondo IPA, euicc-go, lpac),
 * so the golden vectors are built by hand from SGP32Definitions (AUTOMATIC
 * TAGS) with the structure written beside each one. The BF51 { A0 { 30 ...,
 * 5F37 } } shape of a signed result matches what production IoT eUICCs send
 * according to the OpenIoTRSP interoperability notes found in that search.
 */
#include "testutil.h"

#include "core/sgp32_package.h"

#include "sgp32_vectors.h"

/* Decode hex into a heap struct, re-encode, require byte-exact output. */
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
    uint8_t *in = test_hex(REQUEST_PSMO, &n);
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_euicc_package_request(in, n, r), AW_OK);
    const sgp32_euicc_package_signed *s = &r->euicc_package_signed;
    assert_true(slice_is(s->eim_id, "65696D2E6578616D706C65"));
    assert_true(slice_is(s->eid_value, "89049032123451234512345678901235"));
    assert_int_equal(s->counter_value, 5);
    assert_true(s->has_eim_transaction_id);
    assert_true(slice_is(s->eim_transaction_id, "01020304"));
    assert_int_equal(s->euicc_package.kind, SGP32_EUICC_PACKAGE_PSMO_LIST);
    assert_int_equal(s->euicc_package.psmo_count, 2);
    assert_int_equal(s->euicc_package.psmos[0].kind, SGP32_PSMO_ENABLE);
    assert_true(slice_is(s->euicc_package.psmos[0].enable.iccid, "98001032547698103214"));
    assert_true(s->euicc_package.psmos[0].enable.rollback_flag);
    assert_int_equal(s->euicc_package.psmos[1].kind, SGP32_PSMO_LIST_PROFILE_INFO);
    assert_true(slice_is(s->euicc_package.psmos[1].list_profile_info, "BF2D00"));
    assert_int_equal(r->eim_signature.len, 64);
    /* the signed part is exactly the received bytes, in place */
    assert_ptr_equal(s->raw.ptr, in + 4);
    assert_true(slice_is(s->raw, SIGNED_PSMO));
    assert_ptr_equal(r->raw.ptr, in);
    assert_int_equal(r->raw.len, n);
    assert_int_equal(s->extensions.len, 0);
    free(r);
    free(in);
    ASSERT_ROUND_TRIP(euicc_package_request, REQUEST_PSMO);
    ASSERT_ROUND_TRIP(euicc_package_signed, SIGNED_PSMO);

    /* The other PSMOs: 30 4E {80 01 65, 5A eid, 81 01 05, A0 34 {
     *   A7 13 {80 00, 81 03 2B0601, 82 0A "dp.example"}   configureImmediateEnable
     *   BF65 0C {80 0A "dp.example"}                     setDefaultDpAddress
     *   A9 00                                            unsetFallbackAttribute
     *   A8 0C {5A 0A 98001032547698103214} }}            setFallbackAttribute */
    const char *others = "304E8001655A1089049032123451234512345678901235810105A034A71380008103"
                         "2B0601820A64702E6578616D706C65BF650C800A64702E6578616D706C65A900A80C"
                         "5A0A98001032547698103214";
    in = test_hex(others, &n);
    sgp32_euicc_package_signed *o = calloc(1, sizeof(*o));
    assert_int_equal(sgp32_decode_euicc_package_signed(in, n, o), AW_OK);
    assert_int_equal(o->euicc_package.psmo_count, 4);
    const sgp32_configure_immediate_enable *cie =
        &o->euicc_package.psmos[0].configure_immediate_enable;
    assert_true(cie->immediate_enable_flag);
    assert_true(slice_is(cie->default_smdp_oid, "2B0601"));
    assert_true(slice_is(cie->default_smdp_address, "64702E6578616D706C65"));
    assert_int_equal(o->euicc_package.psmos[1].kind, SGP32_PSMO_SET_DEFAULT_DP_ADDRESS);
    assert_true(slice_is(o->euicc_package.psmos[1].set_default_dp_address.default_dp_address,
                         "64702E6578616D706C65"));
    assert_int_equal(o->euicc_package.psmos[2].kind, SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE);
    assert_int_equal(o->euicc_package.psmos[3].kind, SGP32_PSMO_SET_FALLBACK_ATTRIBUTE);
    free(o);
    free(in);
    ASSERT_ROUND_TRIP(euicc_package_signed, others);
}

/* The encoder writes a signed part's raw verbatim: editing a field without
 * clearing raw must not change the signed bytes; clearing raw re-encodes. */
static void test_signed_raw_is_written_verbatim(void **state)
{
    (void)state;
    size_t n, out_len;
    uint8_t *in = test_hex(REQUEST_PSMO, &n), *out;
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_euicc_package_request(in, n, r), AW_OK);
    r->euicc_package_signed.counter_value = 6;
    assert_int_equal(sgp32_encode_euicc_package_request(r, &out, &out_len), AW_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, in, n);
    free(out);
    r->euicc_package_signed.raw.ptr = NULL;
    r->euicc_package_signed.raw.len = 0;
    assert_int_equal(sgp32_encode_euicc_package_request(r, &out, &out_len), AW_OK);
    assert_int_equal(out_len, n);
    assert_int_equal(out[4 + 2 + 13 + 18 + 2], 0x06); /* counterValue content */
    free(out);
    free(r);
    free(in);
}

static void fill_eim_configuration(sgp32_eim_configuration_data *c, uint8_t bits[4],
                                   const uint8_t *cert_tlv, size_t cert_len)
{
    static const uint8_t eim_id[] = "eim.example";
    static const uint8_t fqdn[] = "eim.example:8443";
    memset(c, 0, sizeof(*c));
    c->eim_id = (aw_slice){eim_id, sizeof(eim_id) - 1};
    c->has_eim_fqdn = true;
    c->eim_fqdn = (aw_slice){fqdn, sizeof(fqdn) - 1};
    c->has_eim_id_type = true;
    c->eim_id_type = SGP32_EIM_ID_TYPE_FQDN;
    c->has_counter_value = true;
    c->counter_value = 1;
    c->has_eim_public_key_data = true;
    c->eim_public_key_data.kind = SGP32_EIM_KEY_CERTIFICATE;
    c->eim_public_key_data.value = (aw_slice){cert_tlv, cert_len};
    c->has_eim_supported_protocol = true;
    sgp32_bit_string_from_flags(SGP32_EIM_RETRIEVE_HTTPS | SGP32_EIM_INJECT_HTTPS, bits,
                                &c->eim_supported_protocol);
    c->indirect_profile_download = true;
}

/* eCO list built from fields: addEim, deleteEim, listEim */
static void test_request_eco_round_trip(void **state)
{
    (void)state;
    /* [1] IMPLICIT Certificate stand-in: A1 { 30 00, 30 00, 03 01 00 } */
    static const uint8_t cert[] = {0xA1, 0x07, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00};
    static const uint8_t eid[16] = {0x89, 0x04, 0x90, 0x32};
    static const uint8_t sig[64] = {1, 2, 3};
    static const uint8_t other[] = "old.eim";
    uint8_t bits[4], *out, *again;
    size_t out_len, again_len;
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    sgp32_euicc_package_request *d = calloc(1, sizeof(*d));
    sgp32_euicc_package_signed *s = &r->euicc_package_signed;
    s->eim_id = (aw_slice){(const uint8_t *)"eim.example", 11};
    s->eid_value = (aw_slice){eid, sizeof(eid)};
    s->counter_value = 300;
    s->euicc_package.kind = SGP32_EUICC_PACKAGE_ECO_LIST;
    s->euicc_package.eco_count = 3;
    s->euicc_package.ecos[0].kind = SGP32_ECO_ADD_EIM;
    fill_eim_configuration(&s->euicc_package.ecos[0].add_eim, bits, cert, sizeof(cert));
    s->euicc_package.ecos[1].kind = SGP32_ECO_DELETE_EIM;
    s->euicc_package.ecos[1].delete_eim.eim_id = (aw_slice){other, sizeof(other) - 1};
    s->euicc_package.ecos[2].kind = SGP32_ECO_LIST_EIM;
    r->eim_signature = (aw_slice){sig, sizeof(sig)};

    assert_int_equal(sgp32_encode_euicc_package_request(r, &out, &out_len), AW_OK);
    assert_int_equal(sgp32_decode_euicc_package_request(out, out_len, d), AW_OK);
    const sgp32_euicc_package_signed *ds = &d->euicc_package_signed;
    assert_int_equal(ds->counter_value, 300);
    assert_false(ds->has_eim_transaction_id);
    assert_int_equal(ds->euicc_package.kind, SGP32_EUICC_PACKAGE_ECO_LIST);
    assert_int_equal(ds->euicc_package.eco_count, 3);
    const sgp32_eim_configuration_data *c = &ds->euicc_package.ecos[0].add_eim;
    assert_int_equal(ds->euicc_package.ecos[0].kind, SGP32_ECO_ADD_EIM);
    assert_true(slice_is(c->eim_id, "65696D2E6578616D706C65"));
    assert_int_equal(c->eim_id_type, SGP32_EIM_ID_TYPE_FQDN);
    assert_int_equal(c->counter_value, 1);
    assert_int_equal(c->eim_public_key_data.kind, SGP32_EIM_KEY_CERTIFICATE);
    assert_true(slice_is(c->eim_public_key_data.value, "A10730003000030100"));
    assert_int_equal(sgp32_bit_string_flags(&c->eim_supported_protocol),
                     SGP32_EIM_RETRIEVE_HTTPS | SGP32_EIM_INJECT_HTTPS);
    assert_true(c->indirect_profile_download);
    assert_false(c->has_trusted_public_key_data_tls);
    assert_int_equal(ds->euicc_package.ecos[1].kind, SGP32_ECO_DELETE_EIM);
    assert_true(slice_is(ds->euicc_package.ecos[1].delete_eim.eim_id, "6F6C642E65696D"));
    assert_int_equal(ds->euicc_package.ecos[2].kind, SGP32_ECO_LIST_EIM);
    /* A5 { A1 {...} }: [5] is explicit around the CHOICE, whose [1] is implicit */
    assert_int_equal(sgp32_encode_euicc_package_request(d, &again, &again_len), AW_OK);
    assert_int_equal(again_len, out_len);
    assert_memory_equal(again, out, out_len);
    free(again);
    free(out);
    free(d);
    free(r);
}

/* EimConfigurationData by itself, against hand-built DER:
 * 30 36 80 0B "eim.example" 81 10 "eim.example:8443" 82 01 02 83 01 01
 *       A5 09 A1 07 30 00 30 00 03 01 00   87 02 05 A0 (bits 0 and 2)   89 00 */
static void test_eim_configuration_golden(void **state)
{
    (void)state;
    static const uint8_t cert[] = {0xA1, 0x07, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00};
    uint8_t bits[4], *out;
    size_t out_len;
    sgp32_eim_configuration_data c;
    fill_eim_configuration(&c, bits, cert, sizeof(cert));
    assert_int_equal(sgp32_encode_eim_configuration_data(&c, &out, &out_len), AW_OK);
    test_assert_hex(out, out_len,
                    "3036800B65696D2E6578616D706C65811065696D2E6578616D706C653A38343433820102"
                    "830101A509A10730003000030100870205A08900");
    free(out);
    ASSERT_ROUND_TRIP(eim_configuration_data,
                      "3036800B65696D2E6578616D706C65811065696D2E6578616D706C653A383434338201"
                      "02830101A509A10730003000030100870205A08900");
}

static void test_result_golden(void **state)
{
    (void)state;
    size_t n;
    uint8_t *in = test_hex(RESULT_SIGNED, &n);
    sgp32_euicc_package_result *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_euicc_package_result(in, n, r), AW_OK);
    assert_int_equal(r->kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    const sgp32_euicc_package_result_data_signed *d =
        &r->result_signed.euicc_package_result_data_signed;
    assert_ptr_equal(d->raw.ptr, in + 6);
    assert_true(slice_is(d->raw, RESULT_DATA));
    assert_int_equal(d->counter_value, 5);
    assert_int_equal(d->seq_number, 42);
    assert_int_equal(d->euicc_result_count, 5);
    assert_int_equal(d->euicc_result[0].kind, SGP32_EUICC_RESULT_ENABLE);
    assert_int_equal(d->euicc_result[0].enable_result, SGP32_RESULT_OK);
    assert_int_equal(d->euicc_result[1].kind, SGP32_EUICC_RESULT_PROCESSING_TERMINATED);
    assert_int_equal(d->euicc_result[1].processing_terminated,
                     SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND);
    assert_int_equal(d->euicc_result[2].kind, SGP32_EUICC_RESULT_ADD_EIM);
    assert_int_equal(d->euicc_result[2].add_eim_result.kind,
                     SGP32_ADD_EIM_RESULT_ASSOCIATION_TOKEN);
    assert_int_equal(d->euicc_result[2].add_eim_result.value, 7);
    assert_int_equal(d->euicc_result[3].kind, SGP32_EUICC_RESULT_LIST_EIM);
    assert_int_equal(d->euicc_result[3].list_eim_result.kind, SGP32_LIST_EIM_RESULT_EIM_ID_LIST);
    assert_int_equal(d->euicc_result[3].list_eim_result.eim_id_count, 1);
    assert_int_equal(d->euicc_result[3].list_eim_result.eim_ids[0].eim_id_type,
                     SGP32_EIM_ID_TYPE_FQDN);
    assert_int_equal(d->euicc_result[4].kind, SGP32_EUICC_RESULT_LIST_PROFILE_INFO);
    assert_true(slice_is(d->euicc_result[4].list_profile_info_result, "BF2D02A000"));
    assert_int_equal(r->result_signed.euicc_sign_epr.len, 64);
    free(r);
    free(in);
    ASSERT_ROUND_TRIP(euicc_package_result, RESULT_SIGNED);
    ASSERT_ROUND_TRIP(euicc_package_result_data_signed, RESULT_DATA);
}

static void test_result_errors_golden(void **state)
{
    (void)state;
    size_t n;
    uint8_t *in = test_hex(RESULT_ERROR_SIGNED, &n);
    sgp32_euicc_package_result *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_euicc_package_result(in, n, r), AW_OK);
    assert_int_equal(r->kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    const sgp32_euicc_package_error_data_signed *e =
        &r->error_signed.euicc_package_error_data_signed;
    assert_int_equal(e->euicc_package_error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    assert_ptr_equal(e->raw.ptr, in + 5);
    assert_true(slice_is(e->raw, ERROR_DATA));
    free(in);

    in = test_hex(RESULT_ERROR_UNSIGNED, &n);
    assert_int_equal(sgp32_decode_euicc_package_result(in, n, r), AW_OK);
    assert_int_equal(r->kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    assert_true(r->error_unsigned.has_association_token);
    assert_int_equal(r->error_unsigned.association_token, 0x0103);
    assert_true(r->error_unsigned.has_euicc_package_unsigned_error_code);
    assert_int_equal(r->error_unsigned.euicc_package_unsigned_error_code,
                     SGP32_EUICC_PACKAGE_ERROR_SIZE_OVERFLOW);
    free(in);
    free(r);
    ASSERT_ROUND_TRIP(euicc_package_result, RESULT_ERROR_SIGNED);
    ASSERT_ROUND_TRIP(euicc_package_result, RESULT_ERROR_UNSIGNED);
    ASSERT_ROUND_TRIP(euicc_package_error_data_signed, ERROR_DATA);
}

/* EXTENSIBILITY IMPLIED: an alternative or a trailing component from a later
 * version is kept and written back; a known tag out of place is refused. */
static void test_extensions_and_unknown_alternatives(void **state)
{
    (void)state;
    /* psmoList with an unknown PSMO [15] {}: BF51 61 30 1C {80 01 65, 5A 10 .., 81 01 01, A0 02 AF 00} */
    const char *unknown_psmo = "BF5161301C8001655A1089049032123451234512345678901235810101A002AF00"
                               "5F3740" SIG_AA;
    size_t n;
    uint8_t *in = test_hex(unknown_psmo, &n);
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    assert_int_equal(sgp32_decode_euicc_package_request(in, n, r), AW_OK);
    assert_int_equal(r->euicc_package_signed.euicc_package.psmos[0].kind, SGP32_PSMO_UNKNOWN);
    assert_true(slice_is(r->euicc_package_signed.euicc_package.psmos[0].unknown, "AF00"));
    free(r);
    free(in);
    ASSERT_ROUND_TRIP(euicc_package_request, unknown_psmo);

    /* euiccPackageSigned followed by an extension component 9F20 01 07 */
    const char *extended = "301E8001655A1089049032123451234512345678901235810101A0009F200107";
    in = test_hex(extended, &n);
    sgp32_euicc_package_signed *s = calloc(1, sizeof(*s));
    assert_int_equal(sgp32_decode_euicc_package_signed(in, n, s), AW_OK);
    assert_true(slice_is(s->extensions, "9F200107"));
    free(s);
    free(in);
    ASSERT_ROUND_TRIP(euicc_package_signed, extended);
    /* a root component repeated after the last one */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "301D8001655A1089049032123451234512345678901235810101A000810107",
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* unknown EuiccResultData alternative [20] kept */
    ASSERT_ROUND_TRIP(euicc_package_result_data_signed, "3010800165810101830101300594030A0B0C");
}

static void test_request_missing_components(void **state)
{
    (void)state;
    /* eimId missing: 30 {5A.., 81 01 05, A0 00} */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30175A1089049032123451234512345678901235810105A000", AW_ERR_DER_MISSING);
    /* eidValue missing */
    ASSERT_DECODE_FAILS(euicc_package_signed, "3008800165810105A000", AW_ERR_DER_MISSING);
    /* counterValue missing */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30178001655A1089049032123451234512345678901235A000", AW_ERR_DER_MISSING);
    /* euiccPackage missing */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30188001655A1089049032123451234512345678901235810105",
                        AW_ERR_DER_MISSING);
    /* eimSignature missing / euiccPackageSigned missing */
    ASSERT_DECODE_FAILS(euicc_package_request, "BF5102" "3000", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(euicc_package_request, "BF5103" "5F3700", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(euicc_package_request, "BF5100", AW_ERR_DER_MISSING);
}

static void test_request_bad_tags_and_framing(void **state)
{
    (void)state;
    /* wrong outer tag (BF52) */
    ASSERT_DECODE_FAILS(euicc_package_request, "BF528182" SIGNED_PSMO "5F3740" SIG_AA,
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* eimId as a universal UTF8String (0C) instead of [0] */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "301A0C01655A1089049032123451234512345678901235810105A000",
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* trailing byte, truncated input, empty input */
    ASSERT_DECODE_FAILS(euicc_package_request, REQUEST_PSMO "00", AW_ERR_DER_TRAILING);
    ASSERT_DECODE_FAILS(euicc_package_signed, "303D800B65696D", AW_ERR_DER_TRUNCATED);
    sgp32_euicc_package_signed s;
    assert_int_equal(sgp32_decode_euicc_package_signed(NULL, 0, &s), AW_ERR_DER_TRUNCATED);
    /* counterValue not minimal */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "301B8001655A108904903212345123451234567890123581020005A000",
                        AW_ERR_DER_INTEGER);
    /* psmoList primitive */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "301A8001655A10890490321234512345123456789012358101058000",
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* rollbackFlag NULL with content */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "302B8001655A1089049032123451234512345678901235810105A011A30F5A0A98001032547698103214050100",
                        AW_ERR_DER_CONSTRAINT);
    /* configureImmediateEnable with a malformed OID (leading 0x80) */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30208001655A1089049032123451234512345678901235810105A006A70481028001",
                        AW_ERR_DER_CONSTRAINT);
    /* listProfileInfo holding 35 nested SEQUENCEs: past DER_MAX_DEPTH with the
     * levels above it */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30638001655A1089049032123451234512345678901235810105A049BF2D4630443042304030"
                        "3E303C303A30383036303430323030302E302C302A30283026302430223020301E301C301A30"
                        "183016301430123010300E300C300A30083006300430023000",
                        AW_ERR_DER_DEPTH);
    /* listProfileInfo whose inner DER is truncated */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30208001655A1089049032123451234512345678901235810105A006BF2D03040501",
                        AW_ERR_DER_TRUNCATED);
    /* EuiccPackageResult: empty CHOICE, two alternatives, unknown alternative */
    ASSERT_DECODE_FAILS(euicc_package_result, "BF5100", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(euicc_package_result, "BF510AA203800165A203800165",
                        AW_ERR_DER_TRAILING);
    ASSERT_DECODE_FAILS(euicc_package_result, "BF5102A300", AW_ERR_DER_UNEXPECTED_TAG);
}

static void test_request_constraints(void **state)
{
    (void)state;
    /* eidValue of 15 octets */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30198001655A0F890490321234512345123456789012810105A000",
                        AW_ERR_DER_CONSTRAINT);
    /* empty eimId */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "301980005A1089049032123451234512345678901235810105A000",
                        AW_ERR_DER_CONSTRAINT);
    /* eimTransactionId of 17 octets */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "302D8001655A108904903212345123451234567890123581010582110102030405060708"
                        "090A0B0C0D0E0F1011A000",
                        AW_ERR_DER_CONSTRAINT);
    /* iccid of 9 octets in enable */
    ASSERT_DECODE_FAILS(euicc_package_signed,
                        "30278001655A1089049032123451234512345678901235810105A00DA30B5A09980010325476981032",
                        AW_ERR_DER_CONSTRAINT);
}

static void test_list_capacity(void **state)
{
    (void)state;
    /* 33 getRAT PSMOs (A6 00) exceed SGP32_MAX_PSMOS */
    char hex[512];
    char list[200] = "";
    for (int i = 0; i < SGP32_MAX_PSMOS + 1; i++)
        strcat(list, "A600");
    snprintf(hex, sizeof(hex), "305C8001655A1089049032123451234512345678901235810105A042%s", list);
    ASSERT_DECODE_FAILS(euicc_package_signed, hex, AW_ERR_LIMIT);
    list[strlen(list) - 4] = '\0';
    snprintf(hex, sizeof(hex), "305A8001655A1089049032123451234512345678901235810105A040%s", list);
    ASSERT_ROUND_TRIP(euicc_package_signed, hex);
}

static void expect_encode_error(const sgp32_euicc_package_request *r, aw_err expected)
{
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    assert_int_equal(sgp32_encode_euicc_package_request(r, &out, &len), expected);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void test_encoder_rejects_bad_structs(void **state)
{
    (void)state;
    static const uint8_t eid[16] = {0};
    static const uint8_t bad_tlv[] = {0x04, 0x00};
    static const uint8_t not_der[] = {0x80, 0x05, 0x00};
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    sgp32_euicc_package_signed *s = &r->euicc_package_signed;
    s->eim_id = (aw_slice){(const uint8_t *)"e", 1};
    s->eid_value = (aw_slice){eid, sizeof(eid)};
    expect_encode_error(r, AW_ERR_ARGUMENT); /* euiccPackage kind not set */
    s->euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    s->euicc_package.psmo_count = SGP32_MAX_PSMOS + 1;
    expect_encode_error(r, AW_ERR_ARGUMENT); /* count past capacity */
    s->euicc_package.psmo_count = 1;
    s->euicc_package.psmos[0].kind = SGP32_PSMO_LIST_PROFILE_INFO;
    s->euicc_package.psmos[0].list_profile_info = (aw_slice){bad_tlv, sizeof(bad_tlv)};
    expect_encode_error(r, AW_ERR_ARGUMENT); /* foreign TLV with the wrong tag */
    s->euicc_package.psmos[0].kind = SGP32_PSMO_GET_RAT;
    s->eid_value.len = 15;
    expect_encode_error(r, AW_ERR_ARGUMENT); /* SIZE constraint */
    s->eid_value.len = 16;
    s->euicc_package.psmos[0].kind = SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
    memset(&s->euicc_package.psmos[0].configure_immediate_enable, 0,
           sizeof(s->euicc_package.psmos[0].configure_immediate_enable));
    s->euicc_package.psmos[0].configure_immediate_enable.has_default_smdp_oid = true;
    expect_encode_error(r, AW_ERR_ARGUMENT); /* empty OBJECT IDENTIFIER */
    s->euicc_package.psmos[0].kind = SGP32_PSMO_GET_RAT;
    s->extensions = (aw_slice){not_der, sizeof(not_der)};
    expect_encode_error(r, AW_ERR_ARGUMENT); /* extensions not DER */
    s->extensions.len = 0;
    s->euicc_package.psmos[0].kind = SGP32_PSMO_UNKNOWN;
    s->euicc_package.psmos[0].unknown = (aw_slice){NULL, 0}; /* the union member */
    expect_encode_error(r, AW_ERR_ARGUMENT); /* unknown alternative without its TLV */
    s->euicc_package.psmos[0].kind = SGP32_PSMO_GET_RAT;
    static const uint8_t set_tag[] = {0x31, 0x00};
    s->raw = (aw_slice){set_tag, sizeof(set_tag)};
    expect_encode_error(r, AW_ERR_ARGUMENT); /* signed raw that is not the SEQUENCE */
    s->raw.len = 0;
    uint8_t *out;
    size_t len;
    assert_int_equal(sgp32_encode_euicc_package_request(r, &out, &len), AW_OK);
    free(out);
    der_builder b;
    der_builder_init(&b);
    sgp32_put_euicc_package_request(&b, NULL);
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_ARGUMENT);
    free(r);
}

/* AddInitialEimRequest BF57 { A0 { 30 {80 01 65, 83 01 00} } }
 * AddInitialEimResponse BF57 { A0 { 84 01 09, 05 00 } } and BF57 { 81 01 02 }
 * GetEimConfigurationDataRequest BF55 { A0 { 80 01 65 } } and BF55 {}
 * GetEimConfigurationDataResponse BF55 { A0 { 30 {80 01 65}, 30 {80 01 66, 89 00} } } */
static void test_eim_configuration_messages(void **state)
{
    (void)state;
    ASSERT_ROUND_TRIP(add_initial_eim_request, "BF570AA0083006800165830100");
    ASSERT_ROUND_TRIP(add_initial_eim_response, "BF5707A00584010905" "00");
    ASSERT_ROUND_TRIP(add_initial_eim_response, "BF5703810102");
    ASSERT_ROUND_TRIP(get_eim_configuration_data_request, "BF5505A003800165");
    ASSERT_ROUND_TRIP(get_eim_configuration_data_request, "BF5500");
    ASSERT_ROUND_TRIP(get_eim_configuration_data_response, "BF550EA00C300380016530058001668900");

    size_t n;
    uint8_t *in = test_hex("BF5707A0058401090500", &n);
    sgp32_add_initial_eim_response rsp;
    assert_int_equal(sgp32_decode_add_initial_eim_response(in, n, &rsp), AW_OK);
    assert_int_equal(rsp.kind, SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    assert_int_equal(rsp.ok_count, 2);
    assert_int_equal(rsp.ok[0].kind, SGP32_ADD_INITIAL_EIM_OK_ASSOCIATION_TOKEN);
    assert_int_equal(rsp.ok[0].association_token, 9);
    assert_int_equal(rsp.ok[1].kind, SGP32_ADD_INITIAL_EIM_OK_ADD_OK);
    free(in);

    in = test_hex("BF550EA00C300380016530058001668900", &n);
    sgp32_get_eim_configuration_data_response *g = calloc(1, sizeof(*g));
    assert_int_equal(sgp32_decode_get_eim_configuration_data_response(in, n, g), AW_OK);
    assert_int_equal(g->eim_configuration_count, 2);
    assert_true(g->eim_configurations[1].indirect_profile_download);
    free(g);
    free(in);

    /* eimId missing from an EimConfigurationData; wrong element tag in the list */
    ASSERT_DECODE_FAILS(add_initial_eim_request, "BF5707A0053003830100", AW_ERR_DER_MISSING);
    ASSERT_DECODE_FAILS(add_initial_eim_request, "BF5707A0053103800165",
                        AW_ERR_DER_UNEXPECTED_TAG);
    /* NULL alternative with content */
    ASSERT_DECODE_FAILS(add_initial_eim_response, "BF5705A003050100", AW_ERR_DER_CONSTRAINT);
}

static void test_common_helpers(void **state)
{
    (void)state;
    uint8_t storage[4], *out;
    size_t len;
    sgp32_bit_string bits;
    sgp32_bit_string_from_flags(SGP32_EIM_RETRIEVE_HTTPS | SGP32_EIM_INJECT_HTTPS, storage, &bits);
    assert_int_equal(bits.bytes.len, 1);
    assert_int_equal(bits.bytes.ptr[0], 0xA0);
    assert_int_equal(bits.unused_bits, 5);
    assert_int_equal(sgp32_bit_string_flags(&bits), SGP32_EIM_RETRIEVE_HTTPS | SGP32_EIM_INJECT_HTTPS);
    sgp32_bit_string_from_flags(0, storage, &bits);
    assert_int_equal(bits.bytes.len, 0);
    assert_int_equal(bits.unused_bits, 0);
    sgp32_bit_string_from_flags(1u << 8, storage, &bits);
    assert_int_equal(bits.bytes.len, 2);
    assert_int_equal(bits.unused_bits, 7);

    static const uint8_t a5[] = {0xA5, 0x03, 0x02, 0x01, 0x05};
    assert_int_equal(sgp32_retag_as_sequence((aw_slice){a5, sizeof(a5)}, &out, &len), AW_OK);
    test_assert_hex(out, len, "3003020105");
    free(out);
    static const uint8_t prim[] = {0x85, 0x01, 0x05};
    assert_int_equal(sgp32_retag_as_sequence((aw_slice){prim, sizeof(prim)}, &out, &len),
                     AW_ERR_DER_PRIMITIVE);
    assert_null(out);
    assert_int_equal(sgp32_retag_as_sequence((aw_slice){a5, 2}, &out, &len), AW_ERR_DER_TRUNCATED);

    static const uint8_t list[] = {0xA2, 0x06, 0xBF, 0x51, 0x00, 0xBF, 0x51, 0x00};
    sgp32_list_iterator it;
    aw_slice item;
    assert_int_equal(sgp32_list_iterator_init(&it, (aw_slice){list, sizeof(list)}), AW_OK);
    assert_int_equal(sgp32_list_next(&it, &item), AW_OK);
    assert_ptr_equal(item.ptr, list + 2);
    assert_int_equal(item.len, 3);
    assert_int_equal(sgp32_list_next(&it, &item), AW_OK);
    assert_int_equal(sgp32_list_next(&it, &item), AW_ERR_NOT_FOUND);
    assert_int_equal(sgp32_list_iterator_init(&it, (aw_slice){prim, sizeof(prim)}),
                     AW_ERR_DER_PRIMITIVE);
    assert_int_equal(sgp32_list_iterator_init(&it, (aw_slice){list, 3}), AW_ERR_DER_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_golden),
        cmocka_unit_test(test_signed_raw_is_written_verbatim),
        cmocka_unit_test(test_request_eco_round_trip),
        cmocka_unit_test(test_eim_configuration_golden),
        cmocka_unit_test(test_result_golden),
        cmocka_unit_test(test_result_errors_golden),
        cmocka_unit_test(test_extensions_and_unknown_alternatives),
        cmocka_unit_test(test_request_missing_components),
        cmocka_unit_test(test_request_bad_tags_and_framing),
        cmocka_unit_test(test_request_constraints),
        cmocka_unit_test(test_list_capacity),
        cmocka_unit_test(test_encoder_rejects_bad_structs),
        cmocka_unit_test(test_eim_configuration_messages),
        cmocka_unit_test(test_common_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
