/* Fixture of the download engine tests (test_euicc_download*.c): a fake
 * ISD-R host that records what the engine reports, a test SM-DP+
 * (euicc_download_sim.h) per curve, and helpers that drive one step and
 * return the function result SGP.22 encodes in the response. Test code only. */
#ifndef AIRWRITE_TESTS_EUICC_DOWNLOAD_TESTUTIL_H
#define AIRWRITE_TESTS_EUICC_DOWNLOAD_TESTUTIL_H

#include "testutil.h"

#include "euicc_download_sim.h"

/* 2026-01-01T00:00:00Z */
#define TEST_NOW ((time_t)1767225600)

/* ---- fake host ----------------------------------------------------------- */

typedef struct fake_host {
    bool iccid_exists;       /* answer of iccid_exists */
    bool no_room;            /* has_room answers false */
    aw_err commit_result;    /* what commit_profile returns */
    int64_t next_sequence;
    unsigned commits;
    unsigned failures;
    uint8_t asked_iccid[EUICC_ICCID_SIZE];
    euicc_installed_profile committed; /* with the buffers below */
    uint8_t *metadata;
    uint8_t *package;
    uint8_t *committed_pir;
    uint8_t *failed_pir;
    size_t failed_pir_len;
    int64_t failed_sequence;
} fake_host;

static inline uint8_t *fake_copy(aw_slice s)
{
    uint8_t *p = malloc(s.len + 1);
    assert_non_null(p);
    memcpy(p, s.ptr, s.len);
    return p;
}

static inline aw_err fake_next_sequence_number(void *ctx, int64_t *out)
{
    fake_host *h = ctx;
    *out = ++h->next_sequence;
    return AW_OK;
}

static inline bool fake_iccid_exists(void *ctx, const uint8_t iccid[EUICC_ICCID_SIZE])
{
    fake_host *h = ctx;
    memcpy(h->asked_iccid, iccid, EUICC_ICCID_SIZE);
    return h->iccid_exists;
}

static inline bool fake_has_room(void *ctx)
{
    return !((fake_host *)ctx)->no_room;
}

static inline aw_err fake_allocate_isdp_aid(void *ctx, uint8_t aid[EUICC_AID_MAX], size_t *aid_len)
{
    static const uint8_t fixed[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x11, 0x00};
    (void)ctx;
    memcpy(aid, fixed, sizeof(fixed));
    *aid_len = sizeof(fixed);
    return AW_OK;
}

static inline aw_err fake_commit_profile(void *ctx, const euicc_installed_profile *profile)
{
    fake_host *h = ctx;
    if (h->commit_result != AW_OK)
        return h->commit_result;
    h->commits++;
    h->committed = *profile;
    h->metadata = fake_copy(profile->store_metadata);
    h->package = fake_copy(profile->profile_package);
    h->committed_pir = fake_copy(profile->installation_result);
    h->committed.store_metadata.ptr = h->metadata;
    h->committed.profile_package.ptr = h->package;
    h->committed.installation_result.ptr = h->committed_pir;
    return AW_OK;
}

static inline aw_err fake_record_failed_installation(void *ctx, aw_slice installation_result,
                                              int64_t sequence_number)
{
    fake_host *h = ctx;
    h->failures++;
    free(h->failed_pir);
    h->failed_pir = fake_copy(installation_result);
    h->failed_pir_len = installation_result.len;
    h->failed_sequence = sequence_number;
    return AW_OK;
}

static inline void fake_host_free(fake_host *h)
{
    free(h->metadata);
    free(h->package);
    free(h->committed_pir);
    free(h->failed_pir);
    memset(h, 0, sizeof(*h));
}

/* ---- fixture -------------------------------------------------------------- */

typedef struct fixture {
    sim *sim;                  /* shared per curve, made once per group */
    fake_host host;
    euicc_download_host vtable;
    euicc_download *engine;
    uint8_t challenge[16];
} fixture;

static inline void fixture_open(fixture *fx, sim *s)
{
    memset(fx, 0, sizeof(*fx));
    fx->sim = s;
    fx->vtable = (euicc_download_host){
        .ctx = &fx->host,
        .next_sequence_number = fake_next_sequence_number,
        .iccid_exists = fake_iccid_exists,
        .has_room = fake_has_room,
        .allocate_isdp_aid = fake_allocate_isdp_aid,
        .commit_profile = fake_commit_profile,
        .record_failed_installation = fake_record_failed_installation,
    };
    assert_int_equal(euicc_download_new(&s->identity, &fx->vtable, &fx->engine), AW_OK);
}

static inline void fixture_close(fixture *fx)
{
    euicc_download_free(fx->engine);
    fake_host_free(&fx->host);
}

/* ES10b.GetEUICCChallenge; keeps the challenge. */
static inline void fx_challenge(fixture *fx)
{
    static const uint8_t request[] = {0xBF, 0x2E, 0x00};
    uint8_t *response = NULL;
    size_t len = 0;
    sgp22_get_euicc_challenge_response decoded;
    assert_int_equal(euicc_download_get_challenge(fx->engine, request, sizeof(request),
                                                  &response, &len),
                     AW_OK);
    assert_int_equal(sgp22_decode_get_euicc_challenge_response(response, len, &decoded), AW_OK);
    assert_int_equal(decoded.euicc_challenge.len, 16);
    memcpy(fx->challenge, decoded.euicc_challenge.ptr, 16);
    free(response);
}

/* AuthenticateServer with options at time now: 0 for an ok response (then
 * kept in the sim, and in *out if given), else the AuthenticateErrorCode. */
static inline int64_t fx_authenticate_at(fixture *fx, const sim_auth_options *o, time_t now,
                                  uint8_t **out, size_t *out_len)
{
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    sgp22_authenticate_server_response decoded;
    aw_slice info2 = {sim_euicc_info2, sizeof(sim_euicc_info2)};
    assert_int_equal(sim_authenticate_server_request(fx->sim, fx->challenge, o, &request,
                                                     &request_len),
                     AW_OK);
    assert_int_equal(euicc_download_authenticate_server(fx->engine, request, request_len, info2,
                                                        now, &response, &len),
                     AW_OK);
    free(request);
    assert_int_equal(sgp22_decode_authenticate_server_response(response, len, &decoded), AW_OK);
    int64_t code = 0;
    if (decoded.kind == SGP22_RESPONSE_OK) {
        assert_int_equal(sim_take_authenticate_response(fx->sim, response, len), AW_OK);
    } else {
        code = decoded.error.authenticate_error_code;
        assert_int_equal(decoded.error.transaction_id.len, sizeof(fx->sim->transaction_id));
    }
    if (out != NULL) {
        *out = response;
        *out_len = len;
    } else {
        free(response);
    }
    return code;
}

static inline int64_t fx_authenticate(fixture *fx, const sim_auth_options *o)
{
    return fx_authenticate_at(fx, o, TEST_NOW, NULL, NULL);
}

/* PrepareDownload: 0 for ok (otPK kept in the sim), else DownloadErrorCode. */
static inline int64_t fx_prepare_at(fixture *fx, const sim_prepare_options *o, time_t now,
                             uint8_t **out, size_t *out_len)
{
    uint8_t *request = NULL, *response = NULL;
    size_t request_len = 0, len = 0;
    sgp22_prepare_download_response decoded;
    assert_int_equal(sim_prepare_download_request(fx->sim, o, &request, &request_len), AW_OK);
    assert_int_equal(euicc_download_prepare_download(fx->engine, request, request_len, now,
                                                     &response, &len),
                     AW_OK);
    free(request);
    assert_int_equal(sgp22_decode_prepare_download_response(response, len, &decoded), AW_OK);
    int64_t code = 0;
    if (decoded.kind == SGP22_RESPONSE_OK)
        assert_int_equal(sim_take_prepare_response(fx->sim, response, len), AW_OK);
    else
        code = decoded.error.download_error_code;
    if (out != NULL) {
        *out = response;
        *out_len = len;
    } else {
        free(response);
    }
    return code;
}

static inline int64_t fx_prepare(fixture *fx, const sim_prepare_options *o)
{
    return fx_prepare_at(fx, o, TEST_NOW, NULL, NULL);
}

/* Challenge, authentication and PrepareDownload, all expected to succeed. */
static inline void fx_prepared_session(fixture *fx)
{
    sim_auth_options auth = {0};
    sim_prepare_options prepare = {0};
    fx_challenge(fx);
    assert_int_equal(fx_authenticate(fx, &auth), 0);
    assert_int_equal(fx_prepare(fx, &prepare), 0);
}

/* Public key of the eUICC certificate, to check the engine's signatures. */
static inline crypto_key *fx_euicc_public_key(const fixture *fx)
{
    crypto_key *key = NULL;
    aw_slice der = pki_certificate_der(fx->sim->identity.euicc_certificate);
    assert_int_equal(crypto_key_from_certificate(der.ptr, der.len, &key), AW_OK);
    return key;
}

#endif
