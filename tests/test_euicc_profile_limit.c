/* The software eUICC's profile count limit (issue 8 "Profile count limit", euicc.h
 * euicc_set_profile_limit): over APDUs with the test SM-DP+ of euicc_download_sim.h, a
 * download beyond the limit is refused at StoreMetadata with the ProfileInstallationResult
 * errorResult {bppCommandId storeMetadata(2), errorReason
 * installFailedDueToInsufficientMemoryForProfile(10)} (SGP.22 5.7.6, RSPDefinitions
 * ErrorResult), recorded as a pending notification, nothing installed; EUICCInfo2's
 * extCardResource reports the free memory the limit leaves; the limit is kept in state.der
 * (profileLimit [10]) across restarts, and a stored value outside 1..capacity is refused. */
#include "euicc_isdr_testutil.h"

#include "core/hex.h"
#include "euicc/state.h"
#include "euicc_download_sim.h"

#define OTHER_ICCID "8988211000000012354"

static test_euicc t;
static sim s;
static sim_segments segments;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "/tmp/aw-euicc-limit-XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = EUICC_PROTOCOL_T1;
    assert_int_equal(sim_init(&s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    assert_int_equal(mkdir(t.pki, 0700), 0);
    test_write_pem(t.pki, "ci.pem", s.pki.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(t.pki, "eum.pem", s.pki.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(t.pki, "euicc.pem", s.pki.cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(t.pki, "euicc.key.pem", NULL, s.pki.key[AW_PKI_ROLE_EUICC]);
    te_open(&t);
    te_select_isdr(&t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    te_close(&t);
    sim_free(&s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static uint8_t *exchange(uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *response = NULL;
    assert_int_equal(te_es10(&t, command, len, &response, response_len), 0x9000);
    free(command);
    return response;
}

/* One download session over APDUs; the ProfileInstallationResult. */
static uint8_t *download(const sim_bpp_options *options, size_t *pir_len)
{
    size_t n, len;
    uint8_t *command = NULL;
    uint8_t *r = te_call(&t, "BF2E00", &n);
    assert_int_equal(n, 21);
    assert_int_equal(sim_authenticate_server_request(&s, r + 5, &(sim_auth_options){0},
                                                     &command, &len),
                     AW_OK);
    free(r);
    r = exchange(command, len, &n);
    assert_int_equal(sim_take_authenticate_response(&s, r, n), AW_OK);
    free(r);
    assert_int_equal(sim_prepare_download_request(&s, &(sim_prepare_options){0}, &command, &len),
                     AW_OK);
    r = exchange(command, len, &n);
    assert_int_equal(sim_take_prepare_response(&s, r, n), AW_OK);
    free(r);
    uint8_t *bpp = NULL, *pir = NULL;
    size_t bpp_len = 0;
    assert_int_equal(sim_bound_profile_package(&s, options, &bpp, &bpp_len), AW_OK);
    assert_int_equal(sim_split(bpp, bpp_len, &segments), AW_OK);
    for (size_t i = 0; i < segments.count && pir == NULL; i++) {
        size_t response_len = 0;
        assert_int_equal(te_es10(&t, segments.segment[i].ptr, segments.segment[i].len, &pir,
                                 &response_len),
                         0x9000);
        *pir_len = response_len;
    }
    der_bytes_free(bpp, bpp_len);
    assert_non_null(pir);
    return pir;
}

/* ETSI TS 102 226 '82' free non-volatile memory of EUICCInfo2 (GetEUICCInfo, 5.7.8). */
static uint32_t free_memory(void)
{
    size_t n = 0;
    uint8_t *r = te_call(&t, "BF2200", &n);
    /* extCardResource [4] OCTET STRING of 13 bytes: '81' installed, '82' free memory */
    static const uint8_t resource_tag[] = {0x84, 0x0D, 0x81, 0x01};
    const uint8_t *at = memmem(r, n, resource_tag, sizeof(resource_tag));
    assert_non_null(at);
    at += 2;
    assert_true(at + 9 <= r + n && at[3] == 0x82 && at[4] == 0x04);
    uint32_t value = (uint32_t)at[5] << 24 | (uint32_t)at[6] << 16 | (uint32_t)at[7] << 8 | at[8];
    free(r);
    return value;
}

/* Limit 1: the first download installs, the second is refused with errorReason 10 at
 * StoreMetadata, the card keeps one profile and both PIRs are pending notifications. */
static void test_download_beyond_limit_is_refused(void **state)
{
    (void)state;
    assert_int_equal(euicc_set_profile_limit(t.card, 1), AW_OK);
    assert_int_equal(free_memory(), EUICC_PACKAGE_MAX);
    size_t pir_len = 0;
    uint8_t *pir = download(&(sim_bpp_options){0}, &pir_len);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    free(pir);
    assert_int_equal(free_memory(), 0); /* the limit reached reads as no room */

    sim_bpp_options other = {.metadata_iccid = OTHER_ICCID, .profile_iccid = OTHER_ICCID};
    pir = download(&other, &pir_len);
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(result.data.error.bpp_command_id, SGP22_BPP_COMMAND_STORE_METADATA);
    assert_int_equal(result.data.error.error_reason,
                     SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE);
    /* the exact bytes: errorResult [1] { bppCommandId 2, errorReason 10 } */
    static const uint8_t error_result[] = {0xA1, 0x06, 0x80, 0x01, 0x02, 0x81, 0x01, 0x0A};
    assert_non_null(memmem(result.data.raw.ptr, result.data.raw.len, error_result,
                           sizeof(error_result)));
    assert_int_equal(t.card->state->profile_count, 1);
    size_t n = 0;
    uint8_t *r = te_call(&t, "BF2B00", &n);
    sgp22_retrieve_notifications_list_response pending;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(r, n, &pending), AW_OK);
    assert_int_equal(pending.notification_list.count, 2);
    assert_non_null(memmem(pending.notification_list.raw.ptr, pending.notification_list.raw.len,
                           pir, pir_len));
    free(r);
    free(pir);

    /* the limit raised: the same download installs */
    assert_int_equal(euicc_set_profile_limit(t.card, 2), AW_OK);
    pir = download(&other, &pir_len);
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_int_equal(t.card->state->profile_count, 2);
    free(pir);
}

/* Without a limit (the default) the card takes profiles up to its capacity. */
static void test_no_limit_is_the_capacity(void **state)
{
    (void)state;
    assert_int_equal(euicc_get_profile_limit(t.card), 0);
    assert_int_equal(euicc_profile_capacity(), EUICC_MAX_PROFILES);
    assert_int_equal(free_memory(), (uint32_t)EUICC_MAX_PROFILES * EUICC_PACKAGE_MAX);
    for (int i = 0; i < 2; i++) {
        size_t pir_len = 0;
        sim_bpp_options options = {.metadata_iccid = i == 0 ? NULL : OTHER_ICCID,
                                   .profile_iccid = i == 0 ? NULL : OTHER_ICCID};
        uint8_t *pir = download(&options, &pir_len);
        sgp22_profile_installation_result result;
        assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result),
                         AW_OK);
        assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
        free(pir);
    }
    assert_int_equal(free_memory(), (uint32_t)(EUICC_MAX_PROFILES - 2) * EUICC_PACKAGE_MAX);
}

/* Kept in state.der across a restart and shown by the dump; 0 removes it; above the
 * capacity is refused and changes nothing. */
static void test_limit_is_persistent(void **state)
{
    (void)state;
    assert_int_equal(euicc_set_profile_limit(t.card, 2), AW_OK);
    assert_int_equal(euicc_set_profile_limit(t.card, EUICC_MAX_PROFILES + 1), AW_ERR_ARGUMENT);
    assert_int_equal(euicc_set_profile_limit(NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(euicc_get_profile_limit(NULL), 0);
    te_close(&t);
    te_open(&t);
    assert_int_equal(euicc_get_profile_limit(t.card), 2);
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    assert_int_equal(euicc_dump(t.card, f), AW_OK);
    fclose(f);
    assert_non_null(strstr(text, "profile limit: 2\n"));
    free(text);
    assert_int_equal(euicc_set_profile_limit(t.card, 0), AW_OK);
    te_close(&t);
    te_open(&t);
    assert_int_equal(euicc_get_profile_limit(t.card), 0);
}

/* profileLimit [10] outside 1..EUICC_MAX_PROFILES in a state file (MAC valid) is refused. */
static void test_stored_limit_out_of_range_is_refused(void **state)
{
    (void)state;
    euicc_state *st = t.card->state;
    const size_t bad[] = {EUICC_MAX_PROFILES + 1, 0x80};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *file = NULL;
        size_t len = 0;
        st->profile_limit = bad[i];
        assert_int_equal(euicc_state_encode(st, &file, &len), AW_OK);
        assert_int_equal(euicc_state_decode(st, file, len), AW_ERR_EUICC_STATE_CORRUPT);
        assert_int_equal(st->profile_limit, 0);
        free(file);
    }
    /* and the value 1 round-trips */
    uint8_t *file = NULL;
    size_t len = 0;
    st->profile_limit = 1;
    assert_int_equal(euicc_state_encode(st, &file, &len), AW_OK);
    assert_int_equal(euicc_state_decode(st, file, len), AW_OK);
    assert_int_equal(st->profile_limit, 1);
    assert_int_equal(euicc_state_profile_capacity(st), 1);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_download_beyond_limit_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_limit_is_the_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_is_persistent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_limit_out_of_range_is_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("euicc_profile_limit", tests, NULL, NULL);
}
