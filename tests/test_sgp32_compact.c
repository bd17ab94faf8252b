/* Tests for the minimizeEsipaBytes compact forms (src/core/sgp32_compact.c,
 * sgp32_compact_convert.c, sgp32_compact_esipa.c): each full SGP.22 answer
 * is built here by hand in the layout RSPDefinitions gives it (and checked
 * with the SGP.22 decoders), minimized as the IPA does, and rebuilt as the
 * eIM does from what it holds: the rebuild must be byte for byte the
 * original, which is what the SM-DP+ verifies the eUICC's signature over.
 * Then every refusal: what the eIM lacks (AW_ERR_SGP32_COMPACT_CONTEXT),
 * malformed and non-DER compact forms, arguments. Certificates come from
 * a test PKI (pki_issue_hierarchy). */
#include "testutil.h"

#include "core/hex.h"
#include "core/pki.h"
#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_download.h"
#include "core/sgp22_notification.h"
#include "core/sgp32_compact.h"
#include "core/sgp32_esipa.h"

static pki_hierarchy pki;
static aw_slice euicc_cert, eum_cert, dppb_cert;
static uint8_t smdp_oid[64];
static size_t smdp_oid_len;

static const uint8_t tid[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static const char address[] = "smdp.example.com";
static const uint8_t challenge[16] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7,
                                      0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF};
static const uint8_t signature[64] = {0x5A, 0xA5};
static const uint8_t iccid[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
static const uint8_t otpk[65] = {0x04, 0x11, 0x22};
static const uint8_t hash_cc[32] = {0xAB, 0xCD};
/* CtxParams1: ctxParamsForCommonAuthentication {matchingId "AB", deviceInfo
 * {tac 35290611, deviceCapabilities {}}} */
static const char ctx_hex[] = "A00E80024142A108800435290611A100";

static int setup(void **state)
{
    (void)state;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    assert_int_equal(pki_issue_hierarchy(&params, &pki), AW_OK);
    euicc_cert = pki_certificate_der(pki.cert[AW_PKI_ROLE_EUICC]);
    eum_cert = pki_certificate_der(pki.cert[AW_PKI_ROLE_EUM]);
    dppb_cert = pki_certificate_der(pki.cert[AW_PKI_ROLE_DP_PB]);
    assert_int_equal(sgp32_compact_smdp_oid(dppb_cert.ptr, dppb_cert.len, smdp_oid,
                                            sizeof(smdp_oid), &smdp_oid_len),
                     AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pki_hierarchy_free(&pki);
    return 0;
}

/* EUICCInfo2 (only its framing matters here) with extCardResource ecr */
static void put_info2(der_builder *b, uint8_t ecr)
{
    const uint8_t resource[3] = {0x01, 0x02, ecr};
    der_builder_begin(b, 0xBF22);
    der_put_tlv(b, 0x81, (const uint8_t *)"\x02\x02\x00", 3);
    der_put_tlv(b, 0x84, resource, sizeof(resource));
    der_put_tlv(b, 0x88, (const uint8_t *)"\x07\x80", 2);
    der_builder_end(b);
}

static uint8_t *finish(der_builder *b, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(der_builder_finish(b, &out, len), AW_OK);
    return out;
}

static uint8_t *info2(uint8_t ecr, size_t *len)
{
    der_builder b;
    der_builder_init(&b);
    put_info2(&b, ecr);
    return finish(&b, len);
}

/* AuthenticateServerResponse authenticateResponseOk (SGP.22 5.7.13) */
static uint8_t *full_authenticate(size_t *len)
{
    size_t n = 0;
    uint8_t *ctx = test_hex(ctx_hex, &n);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF38);
    der_builder_begin(&b, 0xA0);
    der_builder_begin(&b, 0x30);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_put_tlv(&b, 0x83, (const uint8_t *)address, strlen(address));
    der_put_tlv(&b, 0x84, challenge, sizeof(challenge));
    put_info2(&b, 0x77);
    der_put_raw(&b, ctx, n);
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, signature, sizeof(signature));
    der_put_raw(&b, euicc_cert.ptr, euicc_cert.len);
    der_put_raw(&b, eum_cert.ptr, eum_cert.len);
    der_builder_end(&b);
    der_builder_end(&b);
    free(ctx);
    uint8_t *out = finish(&b, len);
    sgp22_authenticate_server_response check;
    assert_int_equal(sgp22_decode_authenticate_server_response(out, *len, &check), AW_OK);
    return out;
}

static void assert_same(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
}

static void test_authenticate(void **state)
{
    (void)state;
    size_t full_len = 0, compact_len = 0, rebuilt_len = 0, held_len = 0;
    uint8_t *full = full_authenticate(&full_len);
    uint8_t *compact = NULL, *rebuilt = NULL;
    /* the eIM holds euiccInfo2 from before, with another extCardResource */
    uint8_t *held = info2(0x11, &held_len);
    sgp32_rebuild_context x = {
        .transaction_id = {tid, sizeof(tid)},
        .server_address = {(const uint8_t *)address, strlen(address)},
        .server_challenge = {challenge, sizeof(challenge)},
        .euicc_info2 = {held, held_len},
        .euicc_certificate = euicc_cert,
        .eum_certificate = eum_cert,
    };
    assert_int_equal(sgp32_minimize_euicc_answer(full, full_len, NULL, &compact, &compact_len),
                     AW_OK);
    assert_true(sgp32_compact_is_compact(compact, compact_len));
    assert_false(sgp32_compact_is_compact(full, full_len));
    assert_true(compact_len < full_len / 3); /* no certificates, no euiccInfo2 */
    sgp32_compact_authenticate_response_ok c;
    der_node wrapper;
    assert_int_equal(der_decode_single(compact, compact_len, &wrapper), AW_OK);
    assert_int_equal(sgp32_decode_compact_authenticate_response_ok(wrapper.value.ptr,
                                                                   wrapper.value.len, &c),
                     AW_OK);
    assert_int_equal(c.signed_data.kind, SGP32_COMPACT_SIGNED_DATA_COMPACT);
    assert_true(c.signed_data.compact_euicc_signed1.has_ctx_params1);
    assert_false(c.has_euicc_certificate);
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &x, &rebuilt,
                                                &rebuilt_len),
                     AW_OK);
    assert_same(rebuilt, rebuilt_len, full, full_len);
    free(rebuilt);

    /* missing pieces */
    sgp32_rebuild_context y = x;
    y.euicc_info2 = (aw_slice){NULL, 0};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    assert_null(rebuilt);
    y = x;
    y.eum_certificate = (aw_slice){NULL, 0};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    y = x;
    y.server_challenge = (aw_slice){NULL, 0};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, NULL, &rebuilt,
                                                &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    /* euiccInfo2 without extCardResource, or not an EUICCInfo2 */
    static const uint8_t no_ecr[] = {0xBF, 0x22, 0x03, 0x81, 0x01, 0x02};
    y = x;
    y.euicc_info2 = (aw_slice){no_ecr, sizeof(no_ecr)};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    y.euicc_info2 = (aw_slice){no_ecr + 1, sizeof(no_ecr) - 1};
    assert_int_not_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt,
                                                    &rebuilt_len),
                         AW_OK);
    free(compact);

    /* certificates kept, ctxParams1 left to the eIM's */
    sgp32_minimize_options o = {.keep_certificates = true, .omit_ctx_params1 = true};
    assert_int_equal(sgp32_minimize_euicc_answer(full, full_len, &o, &compact, &compact_len),
                     AW_OK);
    y = x;
    y.euicc_certificate = y.eum_certificate = (aw_slice){NULL, 0};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT); /* no ctxParams1 anywhere */
    size_t n = 0;
    uint8_t *ctx = test_hex(ctx_hex, &n);
    y.ctx_params1 = (aw_slice){ctx, n};
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, &y, &rebuilt, &rebuilt_len),
                     AW_OK);
    assert_same(rebuilt, rebuilt_len, full, full_len);
    free(rebuilt);
    free(ctx);
    free(compact);
    free(held);
    free(full);
}

/* PrepareDownloadResponse downloadResponseOk (SGP.22 5.7.5) */
static uint8_t *full_prepare(bool with_hash, size_t *len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21);
    der_builder_begin(&b, 0xA0);
    der_builder_begin(&b, 0x30);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_put_tlv(&b, 0x5F49, otpk, sizeof(otpk));
    if (with_hash)
        der_put_tlv(&b, 0x04, hash_cc, sizeof(hash_cc));
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, signature, sizeof(signature));
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *out = finish(&b, len);
    sgp22_prepare_download_response check;
    assert_int_equal(sgp22_decode_prepare_download_response(out, *len, &check), AW_OK);
    return out;
}

static void round_trip(const uint8_t *full, size_t full_len, const sgp32_minimize_options *o,
                       const sgp32_rebuild_context *x)
{
    uint8_t *compact = NULL, *rebuilt = NULL;
    size_t compact_len = 0, rebuilt_len = 0;
    assert_int_equal(sgp32_minimize_euicc_answer(full, full_len, o, &compact, &compact_len),
                     AW_OK);
    assert_true(sgp32_compact_is_compact(compact, compact_len));
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, x, &rebuilt, &rebuilt_len),
                     AW_OK);
    assert_same(rebuilt, rebuilt_len, full, full_len);
    free(rebuilt);
    free(compact);
}

static void expect_context_error(const uint8_t *full, size_t full_len,
                                 const sgp32_minimize_options *o, const sgp32_rebuild_context *x)
{
    uint8_t *compact = NULL, *rebuilt = NULL;
    size_t compact_len = 0, rebuilt_len = 0;
    assert_int_equal(sgp32_minimize_euicc_answer(full, full_len, o, &compact, &compact_len),
                     AW_OK);
    assert_int_equal(sgp32_rebuild_euicc_answer(compact, compact_len, x, &rebuilt, &rebuilt_len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
    free(compact);
}

static void test_prepare_download(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *full = full_prepare(true, &len);
    sgp32_rebuild_context x = {.transaction_id = {tid, sizeof(tid)}};
    round_trip(full, len, NULL, &x);
    /* hashCc the eIM computed; euiccOtpk of smdpSigned2's bppEuiccOtpk */
    sgp32_minimize_options o = {.omit_hash_cc = true, .bpp_euicc_otpk = {otpk, sizeof(otpk)}};
    expect_context_error(full, len, &o, &x);
    x.hash_cc = (aw_slice){hash_cc, sizeof(hash_cc)};
    expect_context_error(full, len, &o, &x);
    x.bpp_euicc_otpk = (aw_slice){otpk, sizeof(otpk)};
    round_trip(full, len, &o, &x);
    x.transaction_id = (aw_slice){NULL, 0};
    expect_context_error(full, len, &o, &x);
    free(full);
    full = full_prepare(false, &len);
    x.transaction_id = (aw_slice){tid, sizeof(tid)};
    x.hash_cc = (aw_slice){NULL, 0};
    round_trip(full, len, NULL, &x);
    free(full);
}

static void test_cancel_session(void **state)
{
    (void)state;
    sgp22_cancel_session_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_cancel_session_signed.transaction_id = (aw_slice){tid, sizeof(tid)};
    r.ok.euicc_cancel_session_signed.smdp_oid = (aw_slice){smdp_oid, smdp_oid_len};
    r.ok.euicc_cancel_session_signed.reason = SGP22_CANCEL_SESSION_PPR_NOT_ALLOWED;
    r.ok.euicc_cancel_session_signature = (aw_slice){signature, sizeof(signature)};
    uint8_t *full = NULL;
    size_t len = 0;
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &full, &len), AW_OK);
    sgp32_rebuild_context x = {.transaction_id = {tid, sizeof(tid)},
                               .smdp_oid = {smdp_oid, smdp_oid_len}};
    round_trip(full, len, NULL, &x);
    x.smdp_oid = (aw_slice){NULL, 0};
    expect_context_error(full, len, NULL, &x);
    free(full);

    /* a compact form without the reason cannot be rebuilt */
    static const uint8_t no_reason[] = {0xBF, 0x41, 0x08, 0xA2, 0x06, 0x30, 0x00,
                                        0x5F, 0x37, 0x01, 0x00};
    uint8_t *out = NULL;
    x.smdp_oid = (aw_slice){smdp_oid, smdp_oid_len};
    assert_int_equal(sgp32_rebuild_euicc_answer(no_reason, sizeof(no_reason), &x, &out, &len),
                     AW_ERR_SGP32_COMPACT_CONTEXT);
}

/* ProfileInstallationResult (SGP.22 5.7.6) */
static uint8_t *full_installation(const uint8_t *aid, bool with_iccid, bool success,
                                  size_t *len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF37);
    der_builder_begin(&b, 0xBF27);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_builder_begin(&b, 0xBF2F);
    der_put_int64(&b, 0x80, 300);
    der_put_tlv(&b, 0x81, (const uint8_t *)"\x07\x80", 2); /* notificationInstall */
    der_put_tlv(&b, 0x0C, (const uint8_t *)address, strlen(address));
    if (with_iccid)
        der_put_tlv(&b, 0x5A, iccid, sizeof(iccid));
    der_builder_end(&b);
    der_put_tlv(&b, 0x06, smdp_oid, smdp_oid_len);
    der_builder_begin(&b, 0xA2);
    if (success) {
        der_builder_begin(&b, 0xA0);
        der_put_tlv(&b, 0x4F, aid, 16);
        der_put_tlv(&b, 0x04, (const uint8_t *)"\x30\x07\xA0\x05\x30\x03\x80\x01\x00", 9);
        der_builder_end(&b);
    } else {
        der_builder_begin(&b, 0xA1);
        der_put_int64(&b, 0x80, 10);
        der_put_int64(&b, 0x81, 9);
        der_put_tlv(&b, 0x82, (const uint8_t *)"\x30\x00", 2);
        der_builder_end(&b);
    }
    der_builder_end(&b);
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, signature, sizeof(signature));
    der_builder_end(&b);
    uint8_t *out = finish(&b, len);
    sgp22_profile_installation_result check;
    assert_int_equal(sgp22_decode_profile_installation_result(out, *len, &check), AW_OK);
    return out;
}

static const uint8_t standard_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x12, 0x00};

static void test_installation(void **state)
{
    (void)state;
    size_t len = 0, compact_len = 0;
    uint8_t *compact = NULL;
    sgp32_rebuild_context x = {.notification_address = {(const uint8_t *)address,
                                                        strlen(address)},
                               .smdp_oid = {smdp_oid, smdp_oid_len},
                               .iccid = {iccid, sizeof(iccid)}};
    uint8_t *full = full_installation(standard_aid, true, true, &len);
    round_trip(full, len, NULL, &x);
    assert_int_equal(sgp32_minimize_euicc_answer(full, len, NULL, &compact, &compact_len),
                     AW_OK);
    assert_true(compact_len < 100); /* against ~190 */
    sgp32_compact_profile_installation_result c;
    assert_int_equal(sgp32_decode_compact_profile_installation_result(compact, compact_len, &c),
                     AW_OK);
    assert_int_equal(c.data.seq_number, 300);
    assert_false(c.data.has_iccid_present);
    assert_false(c.data.final_result.success.has_sima_response);
    assert_memory_equal(c.data.final_result.success.compact_aid.ptr, standard_aid + 13, 2);
    free(compact);
    sgp32_rebuild_context y = x;
    y.iccid = (aw_slice){NULL, 0};
    expect_context_error(full, len, NULL, &y);
    y = x;
    y.smdp_oid = (aw_slice){NULL, 0};
    expect_context_error(full, len, NULL, &y);
    y = x;
    y.notification_address = (aw_slice){NULL, 0};
    expect_context_error(full, len, NULL, &y);
    free(full);

    /* no ICCID in the metadata: iccidPresent FALSE, none needed */
    full = full_installation(standard_aid, false, true, &len);
    y = x;
    y.iccid = (aw_slice){NULL, 0};
    round_trip(full, len, NULL, &y);
    free(full);
    /* an error result travels whole */
    full = full_installation(standard_aid, true, false, &len);
    round_trip(full, len, NULL, &x);
    free(full);
    /* an AID outside the family: sent as it is */
    uint8_t odd[16];
    memcpy(odd, standard_aid, 16);
    odd[3] = 0x06;
    full = full_installation(odd, true, true, &len);
    assert_int_equal(sgp32_minimize_euicc_answer(full, len, NULL, &compact, &compact_len),
                     AW_OK);
    assert_same(compact, compact_len, full, len);
    assert_false(sgp32_compact_is_compact(compact, compact_len));
    free(compact);
    free(full);
}

static void test_other_notification(void **state)
{
    (void)state;
    der_builder b;
    size_t len = 0, compact_len = 0;
    uint8_t *compact = NULL;
    der_builder_init(&b);
    der_builder_begin(&b, 0x30);
    der_builder_begin(&b, 0xBF2F);
    der_put_int64(&b, 0x80, 7);
    der_put_tlv(&b, 0x81, (const uint8_t *)"\x05\x20", 2); /* notificationEnable */
    der_put_tlv(&b, 0x0C, (const uint8_t *)address, strlen(address));
    der_put_tlv(&b, 0x5A, iccid, sizeof(iccid));
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, signature, sizeof(signature));
    der_put_raw(&b, euicc_cert.ptr, euicc_cert.len);
    der_put_raw(&b, eum_cert.ptr, eum_cert.len);
    der_builder_end(&b);
    uint8_t *full = finish(&b, &len);
    sgp22_other_signed_notification check;
    assert_int_equal(sgp22_decode_other_signed_notification(full, len, &check), AW_OK);
    sgp32_rebuild_context x = {.euicc_certificate = euicc_cert, .eum_certificate = eum_cert};
    round_trip(full, len, NULL, &x);
    assert_int_equal(sgp32_minimize_euicc_answer(full, len, NULL, &compact, &compact_len),
                     AW_OK);
    sgp32_compact_other_signed_notification c;
    assert_int_equal(sgp32_decode_compact_other_signed_notification(compact, compact_len, &c),
                     AW_OK);
    assert_true(c.has_eid_value);
    uint8_t eid[16];
    size_t eid_len = 0;
    assert_int_equal(aw_hex_decode(AW_PKI_DEFAULT_EID, eid, sizeof(eid), &eid_len), AW_OK);
    assert_memory_equal(c.eid_value.ptr, eid, 16);
    free(compact);
    x.euicc_certificate = (aw_slice){NULL, 0};
    expect_context_error(full, len, NULL, &x);
    /* an eUICC certificate without EID: nothing to name the eUICC by */
    size_t bad_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, 0x30);
    der_put_raw(&b, check.tbs_other_notification.raw.ptr, check.tbs_other_notification.raw.len);
    der_put_tlv(&b, 0x5F37, signature, sizeof(signature));
    der_put_raw(&b, eum_cert.ptr, eum_cert.len);
    der_put_raw(&b, eum_cert.ptr, eum_cert.len);
    der_builder_end(&b);
    uint8_t *bad = finish(&b, &bad_len);
    assert_int_not_equal(sgp32_minimize_euicc_answer(bad, bad_len, NULL, &compact, &compact_len),
                         AW_OK);
    assert_null(compact);
    free(bad);
    free(full);
}

/* Each codec: decode then encode gives the bytes back; refusals. */
static void test_codecs(void **state)
{
    (void)state;
    static const char *const vectors[] = {
        /* CompactAuthenticateResponseOk {compactEuiccSigned1 {ecr}, sig, certs} */
        "A2 14 A0 05 84 03 010203 5F37 02 AAAA A1 02 0500 A2 02 0500",
        /* CompactPrepareDownloadResponseOk {{otpk}, sig} */
        "A2 0B 30 04 5F49 01 04 5F37 02 BBBB",
        /* CompactCancelSessionResponseOk {{reason 1}, sig} */
        "A2 0A 30 03 80 01 01 5F37 02 CCCC",
        /* CompactProfileInstallationResult {{tid, 5, FALSE, success {aid}}, sig} */
        "A0 18 A0 11 80 01 01 02 01 05 01 01 00 A2 06 A0 04 4F 02 0012 5F37 02 DDDD",
        /* CompactOtherSignedNotification {tbs, sig, pkid} */
        "A1 0D BF2F 02 8000 5F37 02 EEEE 04 01 01",
    };
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        size_t n = 0, out_len = 0;
        char clean[200];
        size_t k = 0;
        for (const char *p = vectors[i]; *p != '\0'; p++)
            if (*p != ' ')
                clean[k++] = *p;
        clean[k] = '\0';
        uint8_t *in = test_hex(clean, &n), *out = NULL;
        aw_err err = AW_OK;
        switch (i) {
        case 0: {
            sgp32_compact_authenticate_response_ok v;
            err = sgp32_decode_compact_authenticate_response_ok(in, n, &v);
            if (err == AW_OK)
                err = sgp32_encode_compact_authenticate_response_ok(&v, &out, &out_len);
            break;
        }
        case 1: {
            sgp32_compact_prepare_download_response_ok v;
            err = sgp32_decode_compact_prepare_download_response_ok(in, n, &v);
            if (err == AW_OK)
                err = sgp32_encode_compact_prepare_download_response_ok(&v, &out, &out_len);
            break;
        }
        case 2: {
            sgp32_compact_cancel_session_response_ok v;
            err = sgp32_decode_compact_cancel_session_response_ok(in, n, &v);
            if (err == AW_OK)
                err = sgp32_encode_compact_cancel_session_response_ok(&v, &out, &out_len);
            break;
        }
        case 3: {
            sgp32_compact_profile_installation_result v;
            err = sgp32_decode_compact_profile_installation_result(in, n, &v);
            if (err == AW_OK)
                err = sgp32_encode_compact_profile_installation_result(&v, &out, &out_len);
            break;
        }
        default: {
            sgp32_compact_other_signed_notification v;
            err = sgp32_decode_compact_other_signed_notification(in, n, &v);
            if (err == AW_OK)
                err = sgp32_encode_compact_other_signed_notification(&v, &out, &out_len);
            break;
        }
        }
        assert_int_equal(err, AW_OK);
        assert_same(out, out_len, in, n);
        free(out);
        free(in);
    }
    /* iccidPresent TRUE is the DEFAULT: not DER */
    size_t n = 0;
    uint8_t *in = test_hex("A018A011800101020105010101A206A0044F0200125F3702DDDD", &n);
    sgp32_compact_profile_installation_result v;
    assert_int_equal(sgp32_decode_compact_profile_installation_result(in, n, &v),
                     AW_ERR_DER_CONSTRAINT);
    memset(&v, 0, sizeof(v));
    v.data.has_iccid_present = true;
    v.data.iccid_present = (aw_slice){(const uint8_t *)"\x01", 1};
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sgp32_encode_compact_profile_installation_result(&v, &out, &out_len),
                     AW_ERR_ARGUMENT);
    free(in);
    /* a compact AID of three bytes; a wrong tag */
    in = test_hex("A016A00F800101020105A207A0054F030000125F3702DDDD", &n);
    assert_int_equal(sgp32_decode_compact_profile_installation_result(in, n, &v),
                     AW_ERR_DER_CONSTRAINT);
    free(in);
    in = test_hex("A30A30038001015F3702CCCC", &n);
    sgp32_compact_cancel_session_response_ok cancel;
    assert_int_equal(sgp32_decode_compact_cancel_session_response_ok(in, n, &cancel),
                     AW_ERR_DER_UNEXPECTED_TAG);
    free(in);
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    static const uint8_t junk[] = {0xBF, 0x38, 0x05, 0x01};
    static const uint8_t other[] = {0x04, 0x01, 0x00};
    assert_int_equal(sgp32_minimize_euicc_answer(NULL, 0, NULL, &out, &len), AW_ERR_ARGUMENT);
    assert_null(out);
    assert_int_equal(sgp32_rebuild_euicc_answer(other, sizeof(other), NULL, NULL, &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(sgp32_minimize_esipa_message(NULL, 0, NULL, &out, &len), AW_ERR_ARGUMENT);
    assert_int_not_equal(sgp32_minimize_euicc_answer(junk, sizeof(junk), NULL, &out, &len),
                         AW_OK);
    assert_int_equal(sgp32_minimize_euicc_answer(other, sizeof(other), NULL, &out, &len),
                     AW_ERR_DER_UNEXPECTED_TAG);
    assert_int_not_equal(sgp32_rebuild_euicc_answer(junk, sizeof(junk), NULL, &out, &len),
                         AW_OK);
    /* not compact: copied */
    assert_int_equal(sgp32_rebuild_euicc_answer(other, sizeof(other), NULL, &out, &len), AW_OK);
    assert_same(out, len, other, sizeof(other));
    free(out);
    /* two alternatives in one CHOICE */
    static const uint8_t twice[] = {0xBF, 0x41, 0x16, 0xA2, 0x09, 0x30, 0x03, 0x80, 0x01, 0x01,
                                    0x5F, 0x37, 0x01, 0x00, 0xA2, 0x09, 0x30, 0x03, 0x80,
                                    0x01, 0x01, 0x5F, 0x37, 0x01, 0x00};
    sgp32_rebuild_context x = {.transaction_id = {tid, sizeof(tid)},
                               .smdp_oid = {smdp_oid, smdp_oid_len}};
    assert_int_equal(sgp32_rebuild_euicc_answer(twice, sizeof(twice), &x, &out, &len),
                     AW_ERR_DER_TRAILING);
    /* the SM-DP+ OID: buffer too small, a certificate without one */
    uint8_t small[2];
    assert_int_equal(sgp32_compact_smdp_oid(dppb_cert.ptr, dppb_cert.len, small, sizeof(small),
                                            &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_not_equal(sgp32_compact_smdp_oid(euicc_cert.ptr, euicc_cert.len, smdp_oid,
                                                sizeof(smdp_oid), &len),
                         AW_OK);
    /* error alternatives have nothing to leave out */
    static const uint8_t auth_error[] = {0xBF, 0x38, 0x08, 0xA1, 0x06, 0x80, 0x01,
                                         0x01, 0x02, 0x01, 0x02};
    assert_int_equal(sgp32_minimize_euicc_answer(auth_error, sizeof(auth_error), NULL, &out,
                                                 &len),
                     AW_OK);
    assert_same(out, len, auth_error, sizeof(auth_error));
    free(out);
}

/* EsipaMessageFromIpaToEim minimized */
static void test_esipa_messages(void **state)
{
    (void)state;
    der_builder b;
    size_t full_len = 0, len = 0, msg_len = 0;
    uint8_t *full = full_authenticate(&full_len), *msg, *out = NULL;
    /* InitiateAuthenticationRequestEsipa: euiccInfo1 dropped */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39);
    der_put_tlv(&b, 0x81, challenge, sizeof(challenge));
    der_put_tlv(&b, 0xBF20, (const uint8_t *)"\x82\x01\x02", 3);
    der_put_tlv(&b, 0x82, tid, sizeof(tid));
    der_builder_end(&b);
    msg = finish(&b, &msg_len);
    assert_int_equal(sgp32_minimize_esipa_message(msg, msg_len, NULL, &out, &len), AW_OK);
    sgp32_esipa_message_from_ipa_to_eim m;
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(out, len, &m), AW_OK);
    assert_false(m.initiate_authentication_request.has_euicc_info1);
    assert_true(m.initiate_authentication_request.has_eim_transaction_id);
    free(out);
    free(msg);
    /* AuthenticateClientRequestEsipa */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_put_raw(&b, full, full_len);
    der_builder_end(&b);
    msg = finish(&b, &msg_len);
    assert_int_equal(sgp32_minimize_esipa_message(msg, msg_len, NULL, &out, &len), AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(out, len, &m), AW_OK);
    aw_slice asr = m.authenticate_client_request.authenticate_server_response;
    assert_true(sgp32_compact_is_compact(asr.ptr, asr.len));
    free(out);
    free(msg);
    free(full);
    /* CancelSessionRequestEsipa: A1 around the alternative */
    sgp22_cancel_session_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_cancel_session_signed.transaction_id = (aw_slice){tid, sizeof(tid)};
    r.ok.euicc_cancel_session_signed.smdp_oid = (aw_slice){smdp_oid, smdp_oid_len};
    r.ok.euicc_cancel_session_signed.reason = SGP22_CANCEL_SESSION_TIMEOUT;
    r.ok.euicc_cancel_session_signature = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &full, &full_len), AW_OK);
    der_node node;
    assert_int_equal(der_decode_single(full, full_len, &node), AW_OK);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_put_slice(&b, 0xA1, node.value);
    der_builder_end(&b);
    msg = finish(&b, &msg_len);
    assert_int_equal(sgp32_minimize_esipa_message(msg, msg_len, NULL, &out, &len), AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(out, len, &m), AW_OK);
    assert_int_equal(m.cancel_session_request.cancel_session_response.ptr[2], 0xA2);
    free(out);
    free(msg);
    free(full);
    /* HandleNotificationEsipa with a PIR */
    full = full_installation(standard_aid, true, true, &full_len);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, full, full_len);
    der_builder_end(&b);
    der_builder_end(&b);
    msg = finish(&b, &msg_len);
    assert_int_equal(sgp32_minimize_esipa_message(msg, msg_len, NULL, &out, &len), AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(out, len, &m), AW_OK);
    assert_int_equal(m.handle_notification.pending_notification.ptr[0], 0xA0);
    free(out);
    free(msg);
    free(full);
    /* GetEimPackageRequest: unchanged */
    static const uint8_t poll[] = {0xBF, 0x4F, 0x12, 0x5A, 0x10, 0x89, 0x04, 0x90, 0x32, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x63};
    assert_int_equal(sgp32_minimize_esipa_message(poll, sizeof(poll), NULL, &out, &len), AW_OK);
    assert_same(out, len, poll, sizeof(poll));
    free(out);
    assert_int_not_equal(sgp32_minimize_esipa_message(poll, 3, NULL, &out, &len), AW_OK);
}

/* The seed corpus of fuzz_sgp32_esipa for the compact forms (run by hand:
 * test_sgp32_compact --seeds fuzz/corpus/fuzz_sgp32_esipa). */
static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_compact_seeds(const char *dir, const char *name, const uint8_t *full,
                                size_t full_len, bool alternative)
{
    uint8_t *compact = NULL;
    size_t len = 0;
    char file[64];
    snprintf(file, sizeof(file), "full_%s", name);
    write_seed(dir, file, full, full_len);
    assert_int_equal(sgp32_minimize_euicc_answer(full, full_len, NULL, &compact, &len), AW_OK);
    snprintf(file, sizeof(file), "compact_%s", name);
    write_seed(dir, file, compact, len);
    der_node node;
    assert_int_equal(der_decode_single(compact, len, &node), AW_OK);
    if (alternative) {
        snprintf(file, sizeof(file), "compact_%s_alternative", name);
        write_seed(dir, file, node.value.ptr, node.value.len);
    }
    free(compact);
}

static int write_seeds(const char *dir)
{
    size_t len = 0;
    uint8_t *full;
    setup(NULL);
    full = full_authenticate(&len);
    write_compact_seeds(dir, "authenticate", full, len, true);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, tid, sizeof(tid));
    der_put_raw(&b, full, len);
    der_builder_end(&b);
    size_t msg_len = 0, out_len = 0;
    uint8_t *msg = finish(&b, &msg_len), *out = NULL;
    assert_int_equal(sgp32_minimize_esipa_message(msg, msg_len, NULL, &out, &out_len), AW_OK);
    write_seed(dir, "compact_acr", out, out_len);
    free(out);
    free(msg);
    free(full);
    full = full_prepare(true, &len);
    write_compact_seeds(dir, "prepare_download", full, len, true);
    free(full);
    sgp22_cancel_session_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_cancel_session_signed.transaction_id = (aw_slice){tid, sizeof(tid)};
    r.ok.euicc_cancel_session_signed.smdp_oid = (aw_slice){smdp_oid, smdp_oid_len};
    r.ok.euicc_cancel_session_signature = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &full, &len), AW_OK);
    write_compact_seeds(dir, "cancel_session", full, len, true);
    free(full);
    full = full_installation(standard_aid, false, false, &len);
    write_compact_seeds(dir, "installation_error", full, len, false);
    free(full);
    full = full_installation(standard_aid, true, true, &len);
    write_compact_seeds(dir, "installation", full, len, false);
    free(full);
    teardown(NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
        return write_seeds(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authenticate),    cmocka_unit_test(test_prepare_download),
        cmocka_unit_test(test_cancel_session),  cmocka_unit_test(test_installation),
        cmocka_unit_test(test_other_notification), cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_esipa_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
