/* libFuzzer target: the eUICC download engine (src/euicc/download*.c,
 * SGP.22 5.7.5-5.7.7, 5.7.13, 5.7.14). Each input is a script of ES10b
 * steps played against an engine that has already answered a valid
 * GetEUICCChallenge, AuthenticateServer and PrepareDownload from the test
 * SM-DP+ (tests/euicc_download_sim.h, one PKI made at the first input),
 * which also holds a valid BPP for the session. Steps either pass fuzzed
 * bytes as a command or segment, or replay a valid message or segment with
 * fuzzed bytes XORed in. Properties: no crash, and every response the
 * engine gives decodes with the project's codecs.
 *
 * Script: repeated { op (1 byte), length (2 bytes, big-endian), payload }. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/euicc_download_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    OP_CHALLENGE = 0,          /* payload: GetEuiccChallengeRequest */
    OP_AUTHENTICATE = 1,       /* payload: AuthenticateServerRequest */
    OP_AUTHENTICATE_VALID = 2, /* valid request for the last challenge */
    OP_PREPARE = 3,            /* payload: PrepareDownloadRequest */
    OP_PREPARE_VALID = 4,      /* payload[0] bits: RSK, ccRequired, hashCc */
    OP_SEGMENT = 5,            /* payload: one segment */
    OP_SEGMENT_VALID = 6,      /* payload[0]: index; the rest XORed in */
    OP_CANCEL = 7,             /* payload: CancelSessionRequest */
    OP_RESET = 8,
    OP_COUNT
};

static sim fuzz_sim;
static bool fuzz_ready;

static aw_err host_next_sequence_number(void *ctx, int64_t *out)
{
    *out = ++*(int64_t *)ctx;
    return AW_OK;
}

static bool host_iccid_exists(void *ctx, const uint8_t iccid[EUICC_ICCID_SIZE])
{
    (void)ctx;
    return iccid[0] == 0x00; /* some ICCIDs are taken */
}

static bool host_has_room(void *ctx)
{
    (void)ctx;
    return true;
}

static aw_err host_allocate_isdp_aid(void *ctx, uint8_t aid[EUICC_AID_MAX], size_t *aid_len)
{
    (void)ctx;
    memset(aid, 0xA0, 16);
    *aid_len = 16;
    return AW_OK;
}

static aw_err host_commit_profile(void *ctx, const euicc_installed_profile *profile)
{
    (void)ctx;
    sgp22_profile_installation_result pir;
    if (sgp22_decode_profile_installation_result(profile->installation_result.ptr,
                                                 profile->installation_result.len,
                                                 &pir) != AW_OK ||
        pir.data.final_result != SGP22_FINAL_RESULT_SUCCESS)
        abort();
    return AW_OK;
}

static aw_err host_record_failed_installation(void *ctx, aw_slice result, int64_t sequence)
{
    (void)ctx;
    (void)sequence;
    sgp22_profile_installation_result pir;
    if (sgp22_decode_profile_installation_result(result.ptr, result.len, &pir) != AW_OK ||
        pir.data.final_result != SGP22_FINAL_RESULT_ERROR)
        abort();
    return AW_OK;
}

typedef struct session {
    euicc_download *engine;
    uint8_t challenge[16];
    uint8_t *bpp;
    size_t bpp_len;
    sim_segments segments;
} session;

static void require(bool condition)
{
    if (!condition)
        abort();
}

/* Response checks: each must decode with its codec. */
static void check_response(unsigned op, aw_err err, uint8_t *response, size_t len,
                           session *s)
{
    if (err != AW_OK || response == NULL) {
        require(response == NULL);
        return;
    }
    switch (op) {
    case OP_CHALLENGE: {
        sgp22_get_euicc_challenge_response r;
        require(sgp22_decode_get_euicc_challenge_response(response, len, &r) == AW_OK);
        require(r.euicc_challenge.len == 16);
        memcpy(s->challenge, r.euicc_challenge.ptr, 16);
        break;
    }
    case OP_AUTHENTICATE:
    case OP_AUTHENTICATE_VALID: {
        sgp22_authenticate_server_response r;
        require(sgp22_decode_authenticate_server_response(response, len, &r) == AW_OK);
        if (r.kind == SGP22_RESPONSE_OK)
            require(sim_take_authenticate_response(&fuzz_sim, response, len) == AW_OK);
        break;
    }
    case OP_PREPARE:
    case OP_PREPARE_VALID: {
        sgp22_prepare_download_response r;
        require(sgp22_decode_prepare_download_response(response, len, &r) == AW_OK);
        break;
    }
    case OP_SEGMENT:
    case OP_SEGMENT_VALID: {
        sgp22_profile_installation_result r;
        require(sgp22_decode_profile_installation_result(response, len, &r) == AW_OK);
        break;
    }
    default: {
        sgp22_cancel_session_response r;
        require(sgp22_decode_cancel_session_response(response, len, &r) == AW_OK);
        break;
    }
    }
    free(response);
}

/* A valid BPP for the session the engine just prepared. */
static void rebuild_bpp(session *s, bool replace_session_keys)
{
    sim_bpp_options o = {.replace_session_keys = replace_session_keys};
    free(s->bpp);
    s->bpp = NULL;
    s->segments.count = 0;
    require(sim_bound_profile_package(&fuzz_sim, &o, &s->bpp, &s->bpp_len) == AW_OK);
    require(sim_split(s->bpp, s->bpp_len, &s->segments) == AW_OK);
}

static void prepare_valid(session *s, uint8_t flags)
{
    sim_prepare_options o = {.cc_required = (flags & 2) != 0, .with_hash_cc = (flags & 4) != 0};
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    require(sim_prepare_download_request(&fuzz_sim, &o, &request, &request_len) == AW_OK);
    aw_err err = euicc_download_prepare_download(s->engine, request, request_len,
                                                 (time_t)1767225600, &response, &len);
    free(request);
    sgp22_prepare_download_response r;
    if (err == AW_OK && sgp22_decode_prepare_download_response(response, len, &r) == AW_OK &&
        r.kind == SGP22_RESPONSE_OK) {
        require(sim_take_prepare_response(&fuzz_sim, response, len) == AW_OK);
        rebuild_bpp(s, (flags & 1) != 0);
    }
    check_response(OP_PREPARE_VALID, err, response, len, s);
}

static void authenticate_valid(session *s)
{
    sim_auth_options o = {0};
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    aw_slice info2 = {sim_euicc_info2, sizeof(sim_euicc_info2)};
    require(sim_authenticate_server_request(&fuzz_sim, s->challenge, &o, &request,
                                            &request_len) == AW_OK);
    aw_err err = euicc_download_authenticate_server(s->engine, request, request_len, info2,
                                                    (time_t)1767225600, &response, &len);
    free(request);
    check_response(OP_AUTHENTICATE_VALID, err, response, len, s);
}

static void segment_valid(session *s, const uint8_t *payload, size_t len)
{
    uint8_t *response = NULL;
    size_t response_len = 0;
    if (s->segments.count == 0 || len == 0)
        return;
    aw_slice segment = s->segments.segment[payload[0] % s->segments.count];
    uint8_t *copy = malloc(segment.len ? segment.len : 1);
    require(copy != NULL);
    memcpy(copy, segment.ptr, segment.len);
    for (size_t i = 1; i < len && i - 1 < segment.len; i++)
        copy[i - 1] ^= payload[i];
    aw_err err = euicc_download_load_segment(s->engine, copy, segment.len, &response,
                                             &response_len);
    free(copy);
    check_response(OP_SEGMENT_VALID, err, response, response_len, s);
}

static void run_step(session *s, unsigned op, const uint8_t *payload, size_t len)
{
    uint8_t *response = NULL;
    size_t response_len = 0;
    aw_err err = AW_OK;
    aw_slice info2 = {sim_euicc_info2, sizeof(sim_euicc_info2)};
    /* the engine takes a whole command TLV; an empty one is still a pointer */
    static const uint8_t empty[1] = {0};
    const uint8_t *command = len ? payload : empty;
    switch (op) {
    case OP_CHALLENGE:
        err = euicc_download_get_challenge(s->engine, command, len, &response, &response_len);
        break;
    case OP_AUTHENTICATE:
        err = euicc_download_authenticate_server(s->engine, command, len, info2,
                                                 (time_t)1767225600, &response, &response_len);
        break;
    case OP_AUTHENTICATE_VALID:
        authenticate_valid(s);
        return;
    case OP_PREPARE:
        err = euicc_download_prepare_download(s->engine, command, len, (time_t)1767225600,
                                              &response, &response_len);
        break;
    case OP_PREPARE_VALID:
        prepare_valid(s, len ? payload[0] : 0);
        return;
    case OP_SEGMENT:
        err = euicc_download_load_segment(s->engine, command, len, &response, &response_len);
        break;
    case OP_SEGMENT_VALID:
        segment_valid(s, payload, len);
        return;
    case OP_CANCEL:
        err = euicc_download_cancel_session(s->engine, command, len, &response, &response_len);
        break;
    default:
        euicc_download_reset(s->engine);
        return;
    }
    check_response(op, err, response, response_len, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t challenge_request[] = {0xBF, 0x2E, 0x00};
    int64_t sequence = 0;
    euicc_download_host host = {
        .ctx = &sequence,
        .next_sequence_number = host_next_sequence_number,
        .iccid_exists = host_iccid_exists,
        .has_room = host_has_room,
        .allocate_isdp_aid = host_allocate_isdp_aid,
        .commit_profile = host_commit_profile,
        .record_failed_installation = host_record_failed_installation,
    };
    session *s = calloc(1, sizeof(*s));
    require(s != NULL);
    if (!fuzz_ready) {
        require(sim_init(&fuzz_sim, AW_PKI_CURVE_NIST_P256, (time_t)1767225600) == AW_OK);
        fuzz_ready = true;
    }
    require(euicc_download_new(&fuzz_sim.identity, &host, &s->engine) == AW_OK);
    run_step(s, OP_CHALLENGE, challenge_request, sizeof(challenge_request));
    authenticate_valid(s);
    prepare_valid(s, 0);
    require(s->segments.count > 0);
    while (size >= 3) {
        unsigned op = data[0] % OP_COUNT;
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        run_step(s, op, data, len);
        data += len;
        size -= len;
    }
    euicc_download_free(s->engine);
    free(s->bpp);
    free(s);
    return 0;
}
