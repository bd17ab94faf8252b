/* Tests of ES10b.LoadBoundProfilePackage in the download engine
 * (src/euicc/download_bpp.c, SGP.22 5.7.6, 2.5.5, 2.6.4): a test SM-DP+
 * binds a SAIP package to the session, the LPA's splitter cuts it into
 * segments, and the engine installs it or answers the errorResult the spec
 * gives for each failure. */
#include "euicc_download_testutil.h"

#include "core/sgp22_notification.h"

enum { SIM_P256, SIM_BRAINPOOL, SIM_COUNT };
static sim sims[SIM_COUNT];

static int group_setup(void **state)
{
    (void)state;
    if (sim_init(&sims[SIM_P256], AW_PKI_CURVE_NIST_P256, TEST_NOW) != AW_OK ||
        sim_init(&sims[SIM_BRAINPOOL], AW_PKI_CURVE_BRAINPOOL_P256R1, TEST_NOW) != AW_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < SIM_COUNT; i++)
        sim_free(&sims[i]);
    return 0;
}

/* A BPP for the prepared session of fx, and its segments. */
typedef struct bpp {
    uint8_t *bytes;
    size_t len;
    sim_segments *segments;
} bpp;

static void bpp_make(fixture *fx, const sim_bpp_options *o, bpp *out)
{
    assert_int_equal(sim_bound_profile_package(fx->sim, o, &out->bytes, &out->len), AW_OK);
    out->segments = malloc(sizeof(*out->segments));
    assert_non_null(out->segments);
    assert_int_equal(sim_split(out->bytes, out->len, out->segments), AW_OK);
}

static void bpp_free(bpp *b)
{
    free(b->bytes);
    free(b->segments);
}

/* Feed segments [0, count) in order: all but the one that answers must
 * answer nothing. Returns the PIR (or NULL) and the index that answered. */
static uint8_t *feed(fixture *fx, const sim_segments *segments, size_t count, size_t *pir_len,
                     size_t *answered_at)
{
    for (size_t i = 0; i < count; i++) {
        uint8_t *response = NULL;
        size_t len = 0;
        assert_true(euicc_download_loading(fx->engine) == (i > 0));
        assert_int_equal(euicc_download_load_segment(fx->engine, segments->segment[i].ptr,
                                                     segments->segment[i].len, &response, &len),
                         AW_OK);
        if (response != NULL) {
            *pir_len = len;
            *answered_at = i;
            return response;
        }
    }
    *pir_len = 0;
    *answered_at = count;
    return NULL;
}

/* Decode a PIR and check euiccSignPIR over the exact BF27 under CERT.EUICC. */
static void check_pir(const fixture *fx, const uint8_t *pir, size_t len,
                      sgp22_profile_installation_result *out)
{
    assert_int_equal(sgp22_decode_profile_installation_result(pir, len, out), AW_OK);
    crypto_key *key = fx_euicc_public_key(fx);
    assert_int_equal(crypto_verify_ecdsa(key, out->data.raw.ptr, out->data.raw.len,
                                         out->euicc_sign_pir.ptr, out->euicc_sign_pir.len),
                     AW_OK);
    crypto_key_free(key);
    assert_memory_equal(out->data.transaction_id.ptr, fx->sim->transaction_id, 16);
    test_assert_hex(out->data.smdp_oid.ptr, out->data.smdp_oid.len, "88370A"); /* 2.999.10 */
}

static void check_notification(const sgp22_profile_installation_result *pir, int64_t sequence,
                               bool with_iccid)
{
    sgp22_notification_metadata metadata;
    uint8_t iccid[EUICC_ICCID_SIZE];
    assert_int_equal(sgp22_decode_notification_metadata(pir->data.notification_metadata.ptr,
                                                        pir->data.notification_metadata.len,
                                                        &metadata),
                     AW_OK);
    assert_int_equal(metadata.seq_number, sequence);
    assert_int_equal(metadata.profile_management_operation, SGP22_NOTIFICATION_INSTALL);
    assert_int_equal(metadata.notification_address.len, strlen(SIM_SERVER_ADDRESS));
    assert_memory_equal(metadata.notification_address.ptr, SIM_SERVER_ADDRESS,
                        strlen(SIM_SERVER_ADDRESS));
    assert_int_equal(metadata.has_iccid, with_iccid);
    if (with_iccid) {
        sim_iccid_bytes(SIM_ICCID, iccid);
        assert_memory_equal(metadata.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    }
}

static void check_install(sim *s, bool replace_session_keys)
{
    fixture fx;
    bpp b;
    sim_bpp_options o = {.replace_session_keys = replace_session_keys};
    sgp22_profile_installation_result pir;
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, s);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    uint8_t *response = feed(&fx, b.segments, b.segments->count, &pir_len, &at);
    assert_non_null(response);
    assert_int_equal(at, b.segments->count - 1);
    check_pir(&fx, response, pir_len, &pir);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    test_assert_hex(pir.data.success.aid.ptr, pir.data.success.aid.len,
                    "A0000005591010FFFFFFFF8900001100");
    test_assert_hex(pir.data.success.sima_response.ptr, pir.data.success.sima_response.len,
                    "3007A0053003800100");
    check_notification(&pir, 1, true);
    /* the host got the profile, its metadata and the same PIR */
    assert_int_equal(fx.host.commits, 1);
    assert_int_equal(fx.host.failures, 0);
    const euicc_installed_profile *p = &fx.host.committed;
    uint8_t iccid[EUICC_ICCID_SIZE];
    sim_iccid_bytes(SIM_ICCID, iccid);
    assert_memory_equal(p->iccid, iccid, EUICC_ICCID_SIZE);
    assert_memory_equal(fx.host.asked_iccid, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(p->sequence_number, 1);
    assert_int_equal(p->isdp_aid_len, 16);
    sgp22_store_metadata_request metadata;
    assert_int_equal(sgp22_decode_store_metadata_request(p->store_metadata.ptr,
                                                         p->store_metadata.len, &metadata),
                     AW_OK);
    assert_memory_equal(metadata.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    saip_build_params params = sim_profile_params(SIM_ICCID);
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(saip_build(&params, &package, &package_len), AW_OK);
    assert_int_equal(p->profile_package.len, package_len);
    assert_memory_equal(p->profile_package.ptr, package, package_len);
    der_bytes_free(package, package_len);
    assert_int_equal(p->installation_result.len, pir_len);
    assert_memory_equal(p->installation_result.ptr, response, pir_len);
    free(response);
    /* the session is over */
    assert_false(euicc_download_loading(fx.engine));
    assert_int_equal(euicc_download_load_segment(fx.engine, b.segments->segment[0].ptr,
                                                 b.segments->segment[0].len, &response,
                                                 &pir_len),
                     AW_ERR_STATE);
    bpp_free(&b);
    fixture_close(&fx);
}

static void test_install_p256(void **state)
{
    (void)state;
    check_install(&sims[SIM_P256], false);
}

static void test_install_brainpool(void **state)
{
    (void)state;
    check_install(&sims[SIM_BRAINPOOL], false);
}

static void test_install_after_retry(void **state)
{
    (void)state;
    /* the first attempt stops after PrepareDownload; the retry names its
     * otPK.EUICC.ECKA (SGP.22 5.7.5) and the BPP bound to it installs */
    fixture fx;
    bpp b;
    sim_auth_options auth = {0};
    sim_bpp_options o = {0};
    uint8_t otpk[CRYPTO_POINT_SIZE];
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    memcpy(otpk, fx.sim->euicc_otpk, sizeof(otpk));
    sim_prepare_options retry = {.bpp_euicc_otpk = otpk};
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(fx_prepare(&fx, &retry), 0);
    assert_memory_equal(fx.sim->euicc_otpk, otpk, sizeof(otpk));
    bpp_make(&fx, &o, &b);
    uint8_t *response = feed(&fx, b.segments, b.segments->count, &pir_len, &at);
    assert_non_null(response);
    assert_int_equal(fx.host.commits, 1);
    free(response);
    bpp_free(&b);
    fixture_close(&fx);
}

static void test_install_replace_session_keys(void **state)
{
    (void)state;
    check_install(&sims[SIM_P256], true);
    check_install(&sims[SIM_BRAINPOOL], true);
}

/* Load a BPP made with o (segments possibly rearranged by edit) and expect
 * an errorResult with this command and reason, reported to the host. */
typedef void (*bpp_edit)(bpp *b, fake_host *host);

static void expect_error(const sim_bpp_options *o, bpp_edit edit, int64_t command,
                         int64_t reason)
{
    fixture fx;
    bpp b;
    sgp22_profile_installation_result pir;
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    bpp_make(&fx, o, &b);
    if (edit != NULL)
        edit(&b, &fx.host);
    uint8_t *response = feed(&fx, b.segments, b.segments->count, &pir_len, &at);
    assert_non_null(response);
    check_pir(&fx, response, pir_len, &pir);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(pir.data.error.bpp_command_id, command);
    assert_int_equal(pir.data.error.error_reason, reason);
    /* the ICCID is known once StoreMetadata decoded */
    bool metadata_failed = command == SGP22_BPP_COMMAND_STORE_METADATA &&
                           (reason == SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES ||
                            reason == SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR);
    check_notification(&pir, 1, command >= SGP22_BPP_COMMAND_STORE_METADATA && !metadata_failed);
    assert_int_equal(fx.host.commits, 0);
    assert_int_equal(fx.host.failures, 1);
    assert_int_equal(fx.host.failed_sequence, 1);
    assert_int_equal(fx.host.failed_pir_len, pir_len);
    assert_memory_equal(fx.host.failed_pir, response, pir_len);
    free(response);
    /* the session ended with the error */
    assert_false(euicc_download_loading(fx.engine));
    if (at + 1 < b.segments->count)
        assert_int_equal(euicc_download_load_segment(fx.engine, b.segments->segment[at + 1].ptr,
                                                     b.segments->segment[at + 1].len, &response,
                                                     &pir_len),
                         AW_ERR_STATE);
    bpp_free(&b);
    fixture_close(&fx);
}

static void test_bad_smdp_sign(void **state)
{
    (void)state;
    sim_bpp_options o = {.tamper_smdp_sign = true};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL,
                 SGP22_ERROR_REASON_INVALID_SIGNATURE);
}

static void test_secure_channel_transaction_mismatch(void **state)
{
    (void)state;
    sim_bpp_options o = {.transaction_id_first = 0x42};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL,
                 SGP22_ERROR_REASON_INVALID_TRANSACTION_ID);
}

static void test_secure_channel_remote_op(void **state)
{
    (void)state;
    sim_bpp_options o = {.remote_op_id = 2};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL,
                 SGP22_ERROR_REASON_UNSUPPORTED_REMOTE_OPERATION_TYPE);
}

static void test_secure_channel_crt(void **state)
{
    (void)state;
    sim_bpp_options o = {.key_type = 0x80}; /* DES */
    expect_error(&o, NULL, SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL,
                 SGP22_ERROR_REASON_UNSUPPORTED_CRT_VALUES);
}

static void test_secure_channel_bad_otpk(void **state)
{
    (void)state;
    /* smdpOtpk not on the curve, re-signed so only ECKA can refuse it */
    fixture fx;
    sim_bpp_options o = {0};
    bpp b;
    sgp22_profile_installation_result pir;
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    /* rebuild BF23 with a bad point: 5F49 41 04 then X, Y */
    sgp22_initialise_secure_channel_request request;
    const uint8_t *seg = b.segments->segment[0].ptr;
    size_t header = 5; /* BF 36 82 xx xx */
    assert_int_equal(seg[2], 0x82);
    assert_int_equal(sgp22_decode_initialise_secure_channel_request(
                         seg + header, b.segments->segment[0].len - header, &request),
                     AW_OK);
    uint8_t point[CRYPTO_POINT_SIZE];
    memcpy(point, request.smdp_otpk.ptr, sizeof(point));
    point[64] ^= 0x01;
    size_t offset = (size_t)(request.smdp_otpk.ptr - b.bytes);
    memcpy(b.bytes + offset, point, sizeof(point));
    assert_int_equal(sgp22_decode_initialise_secure_channel_request(
                         seg + header, b.segments->segment[0].len - header, &request),
                     AW_OK);
    uint8_t otpk_object[3 + CRYPTO_POINT_SIZE] = {0x5F, 0x49, CRYPTO_POINT_SIZE};
    memcpy(otpk_object + 3, fx.sim->euicc_otpk, CRYPTO_POINT_SIZE);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(sim_sign_pair(fx.sim->dp_pb_key, request.signed_part.ptr,
                                   request.signed_part.len, otpk_object, sizeof(otpk_object),
                                   signature),
                     AW_OK);
    memcpy(b.bytes + (request.smdp_sign.ptr - b.bytes), signature, sizeof(signature));
    uint8_t *response = feed(&fx, b.segments, 1, &pir_len, &at);
    assert_non_null(response);
    check_pir(&fx, response, pir_len, &pir);
    assert_int_equal(pir.data.error.bpp_command_id, SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL);
    assert_int_equal(pir.data.error.error_reason, SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES);
    free(response);
    bpp_free(&b);
    fixture_close(&fx);
}

static void flip_last_byte(bpp *b, fake_host *host)
{
    (void)host;
    b->bytes[b->len - 1] ^= 0x01; /* MAC of the last '86' segment */
}

static void test_profile_element_mac(void **state)
{
    (void)state;
    sim_bpp_options o = {0};
    expect_error(&o, flip_last_byte, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS,
                 SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR);
}

/* Segment index of the first '88' (after BF23, A0+87, A1 header). */
#define FIRST_88 3

static void flip_metadata_mac(bpp *b, fake_host *host)
{
    (void)host;
    aw_slice s = b->segments->segment[FIRST_88];
    assert_int_equal(s.ptr[0], 0x88);
    ((uint8_t *)s.ptr)[s.len - 1] ^= 0x80;
}

static void test_metadata_mac(void **state)
{
    (void)state;
    sim_bpp_options o = {0};
    expect_error(&o, flip_metadata_mac, SGP22_BPP_COMMAND_STORE_METADATA,
                 SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR);
}

static void skip_list_header(bpp *b, fake_host *host)
{
    (void)host;
    /* drop the A1 header: the '88' arrives where A1 must open */
    sim_segments *s = b->segments;
    memmove(&s->segment[FIRST_88 - 1], &s->segment[FIRST_88],
            (s->count - FIRST_88) * sizeof(s->segment[0]));
    s->count--;
}

static void test_segment_out_of_order(void **state)
{
    (void)state;
    sim_bpp_options o = {0};
    expect_error(&o, skip_list_header, SGP22_BPP_COMMAND_CONFIGURE_ISDP,
                 SGP22_ERROR_REASON_SCP03T_STRUCTURE_ERROR);
}

static void iccid_taken(bpp *b, fake_host *host)
{
    (void)b;
    host->iccid_exists = true;
}

static void test_iccid_exists(void **state)
{
    (void)state;
    sim_bpp_options o = {0};
    expect_error(&o, iccid_taken, SGP22_BPP_COMMAND_STORE_METADATA,
                 SGP22_ERROR_REASON_ICCID_ALREADY_EXISTS_ON_EUICC);
}

static void no_room(bpp *b, fake_host *host)
{
    (void)b;
    host->no_room = true;
}

static void test_no_room(void **state)
{
    (void)state;
    sim_bpp_options o = {0};
    expect_error(&o, no_room, SGP22_BPP_COMMAND_STORE_METADATA,
                 SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE);
}

static void test_package_iccid_differs(void **state)
{
    (void)state;
    sim_bpp_options o = {.profile_iccid = "8988211000000012354"};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS,
                 SGP22_ERROR_REASON_DATA_MISMATCH);
}

static void test_package_not_saip(void **state)
{
    (void)state;
    static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    sim_bpp_options o = {.package_override = {garbage, sizeof(garbage)}};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS,
                 SGP22_ERROR_REASON_PE_PROCESSING_ERROR);
}

static void test_package_too_large(void **state)
{
    (void)state;
    size_t len = 2u * 1024u * 1024u + 1u; /* over the 2 MiB the engine takes */
    uint8_t *big = calloc(1, len);
    assert_non_null(big);
    sim_bpp_options o = {.package_override = {big, len}};
    expect_error(&o, NULL, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS,
                 SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE);
    free(big);
}

static void test_bad_commands(void **state)
{
    (void)state;
    static const uint8_t not_bf24[] = {0xBF, 0x25, 0x00};
    static const uint8_t not_bf25[] = {0xBF, 0x24, 0x00};
    static const uint8_t short_keys[] = {0xBF, 0x26, 0x06, 0x80, 0x01, 0x00,
                                         0x81, 0x01, 0x00};
    sim_bpp_options configure = {.configure_override = {not_bf24, sizeof(not_bf24)}};
    expect_error(&configure, NULL, SGP22_BPP_COMMAND_CONFIGURE_ISDP,
                 SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES);
    sim_bpp_options metadata = {.metadata_override = {not_bf25, sizeof(not_bf25)}};
    expect_error(&metadata, NULL, SGP22_BPP_COMMAND_STORE_METADATA,
                 SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES);
    sim_bpp_options rsk = {.replace_session_keys = true,
                           .rsk_override = {short_keys, sizeof(short_keys)}};
    expect_error(&rsk, NULL, SGP22_BPP_COMMAND_REPLACE_SESSION_KEYS,
                 SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES);
}

static aw_err failing_commit(void *ctx, const euicc_installed_profile *profile)
{
    (void)ctx;
    (void)profile;
    return AW_ERR_IO;
}

static void test_commit_fails(void **state)
{
    (void)state;
    fixture fx;
    bpp b;
    sim_bpp_options o = {0};
    sgp22_profile_installation_result pir;
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx.vtable.commit_profile = failing_commit;
    euicc_download_free(fx.engine);
    assert_int_equal(euicc_download_new(&fx.sim->identity, &fx.vtable, &fx.engine), AW_OK);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    uint8_t *response = feed(&fx, b.segments, b.segments->count, &pir_len, &at);
    assert_non_null(response);
    check_pir(&fx, response, pir_len, &pir);
    assert_int_equal(pir.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(pir.data.error.bpp_command_id, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS);
    assert_int_equal(pir.data.error.error_reason, SGP22_ERROR_REASON_UNKNOWN_ERROR);
    /* the failure reuses the seqNumber reserved for the success */
    check_notification(&pir, 1, true);
    assert_int_equal(fx.host.failures, 1);
    assert_int_equal(fx.host.failed_sequence, 1);
    free(response);
    bpp_free(&b);
    fixture_close(&fx);
}

static void test_segment_structure(void **state)
{
    (void)state;
    /* A0 opening with an '87' too short to hold a MAC */
    static const uint8_t short_87[] = {0xA0, 0x05, 0x87, 0x03, 0x01, 0x02, 0x03};
    fixture fx;
    bpp b;
    sim_bpp_options o = {0};
    sgp22_profile_installation_result pir;
    uint8_t *response = NULL;
    size_t len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    assert_null(feed(&fx, b.segments, 1, &len, &at));
    assert_int_equal(euicc_download_load_segment(fx.engine, short_87, sizeof(short_87),
                                                 &response, &len),
                     AW_OK);
    assert_non_null(response);
    check_pir(&fx, response, len, &pir);
    assert_int_equal(pir.data.error.bpp_command_id, SGP22_BPP_COMMAND_CONFIGURE_ISDP);
    assert_int_equal(pir.data.error.error_reason, SGP22_ERROR_REASON_SCP03T_STRUCTURE_ERROR);
    free(response);
    bpp_free(&b);
    fixture_close(&fx);
}

static aw_err short_aid(void *ctx, uint8_t aid[EUICC_AID_MAX], size_t *aid_len)
{
    (void)ctx;
    memset(aid, 0xA0, 4);
    *aid_len = 4;
    return AW_OK;
}

static aw_err no_sequence_number(void *ctx, int64_t *out)
{
    (void)ctx;
    *out = 0;
    return AW_ERR_IO;
}

static aw_err record_fails(void *ctx, aw_slice result, int64_t sequence_number)
{
    (void)ctx;
    (void)result;
    (void)sequence_number;
    return AW_ERR_IO;
}

/* A host whose callback fails: the engine answers nothing, returns the
 * failure and forgets the session. */
static void expect_host_failure(euicc_download_host vtable, bool tampered, aw_err want)
{
    fixture fx;
    bpp b;
    sim_bpp_options o = {.tamper_smdp_sign = tampered};
    fixture_open(&fx, &sims[SIM_P256]);
    vtable.ctx = &fx.host;
    fx.vtable = vtable;
    euicc_download_free(fx.engine);
    assert_int_equal(euicc_download_new(&fx.sim->identity, &fx.vtable, &fx.engine), AW_OK);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    size_t last = tampered ? 0 : b.segments->count - 1;
    uint8_t *response = NULL;
    size_t len = 0, at = 0;
    assert_null(feed(&fx, b.segments, last, &len, &at));
    assert_int_equal(euicc_download_load_segment(fx.engine, b.segments->segment[last].ptr,
                                                 b.segments->segment[last].len, &response,
                                                 &len),
                     want);
    assert_null(response);
    assert_false(euicc_download_loading(fx.engine));
    assert_int_equal(fx.host.commits, 0);
    bpp_free(&b);
    fixture_close(&fx);
}

static void test_host_failures(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, &sims[SIM_P256]);
    euicc_download_host good = fx.vtable;
    fixture_close(&fx);
    euicc_download_host v = good;
    v.allocate_isdp_aid = short_aid; /* isdpAid is 5..16 bytes */
    expect_host_failure(v, false, AW_ERR_ARGUMENT);
    v = good;
    v.next_sequence_number = no_sequence_number;
    expect_host_failure(v, false, AW_ERR_IO);
    expect_host_failure(v, true, AW_ERR_IO);
    v = good;
    v.record_failed_installation = record_fails;
    expect_host_failure(v, true, AW_ERR_IO);
}

static void test_load_out_of_order(void **state)
{
    (void)state;
    fixture fx;
    sim_auth_options auth = {0};
    static const uint8_t header[] = {0xBF, 0x36, 0x00};
    uint8_t *response = NULL;
    size_t len = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    /* no session, then an authenticated one without PrepareDownload */
    assert_int_equal(euicc_download_load_segment(fx.engine, header, sizeof(header), &response,
                                                 &len),
                     AW_ERR_STATE);
    fx_challenge(&fx);
    assert_int_equal(fx_authenticate(&fx, &auth), 0);
    assert_int_equal(euicc_download_load_segment(fx.engine, header, sizeof(header), &response,
                                                 &len),
                     AW_ERR_STATE);
    assert_null(response);
    assert_int_equal(fx.host.failures, 0);
    fixture_close(&fx);
}

static void test_cancel_while_loading(void **state)
{
    (void)state;
    fixture fx;
    bpp b;
    sim_bpp_options o = {0};
    size_t pir_len = 0, at = 0;
    fixture_open(&fx, &sims[SIM_P256]);
    fx_prepared_session(&fx);
    bpp_make(&fx, &o, &b);
    assert_null(feed(&fx, b.segments, 4, &pir_len, &at));
    assert_true(euicc_download_loading(fx.engine));
    euicc_download_reset(fx.engine);
    assert_false(euicc_download_loading(fx.engine));
    assert_int_equal(fx.host.commits, 0);
    bpp_free(&b);
    fixture_close(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_p256),
        cmocka_unit_test(test_install_brainpool),
        cmocka_unit_test(test_install_replace_session_keys),
        cmocka_unit_test(test_install_after_retry),
        cmocka_unit_test(test_bad_smdp_sign),
        cmocka_unit_test(test_secure_channel_transaction_mismatch),
        cmocka_unit_test(test_secure_channel_remote_op),
        cmocka_unit_test(test_secure_channel_crt),
        cmocka_unit_test(test_secure_channel_bad_otpk),
        cmocka_unit_test(test_profile_element_mac),
        cmocka_unit_test(test_metadata_mac),
        cmocka_unit_test(test_segment_out_of_order),
        cmocka_unit_test(test_iccid_exists),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_package_iccid_differs),
        cmocka_unit_test(test_package_not_saip),
        cmocka_unit_test(test_package_too_large),
        cmocka_unit_test(test_bad_commands),
        cmocka_unit_test(test_commit_fails),
        cmocka_unit_test(test_segment_structure),
        cmocka_unit_test(test_host_failures),
        cmocka_unit_test(test_load_out_of_order),
        cmocka_unit_test(test_cancel_while_loading),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
