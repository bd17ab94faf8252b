/* End to end through the whole eUICC over APDUs (T=1): the test SM-DP+ of
 * euicc_download_sim.h drives GetEUICCChallenge (SGP.22 5.7.7),
 * AuthenticateServer (5.7.13), PrepareDownload (5.7.5) and the segments of
 * a Bound Profile Package (5.7.6, 2.5.5) through the ISD-R dispatcher into
 * the download engine, which installs through the ISD-R's host callbacks;
 * then the profile is visible to GetProfilesInfo (5.7.15), its
 * ProfileInstallationResult is a pending notification (5.7.9-5.7.11), and
 * both survive a restart with the package sealed on disk. */
#include "euicc_isdr_testutil.h"

#include "core/file.h"
#include "core/sgp22_profile_info.h"
#include "euicc_download_sim.h"

static test_euicc t;
static sim s;
static sim_segments segments;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "/tmp/aw-isdr-dl-XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = EUICC_PROTOCOL_T1;
    assert_int_equal(sim_init(&s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    /* the eUICC's identity is the one the SM-DP+'s PKI issued */
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

/* Send an ES10 command made by the SM-DP+; returns the response. */
static uint8_t *exchange(uint8_t *command, size_t len, size_t *response_len)
{
    uint8_t *response = NULL;
    assert_int_equal(te_es10(&t, command, len, &response, response_len), 0x9000);
    free(command);
    return response;
}

/* One download session over APDUs; returns the ProfileInstallationResult. */
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
    assert_true(segments.count > 3);
    for (size_t i = 0; i < segments.count && pir == NULL; i++) {
        size_t response_len = 0;
        assert_int_equal(te_es10(&t, segments.segment[i].ptr, segments.segment[i].len, &pir,
                                 &response_len),
                         0x9000);
        *pir_len = response_len;
    }
    der_bytes_free(bpp, bpp_len);
    assert_non_null(pir); /* the last segment, or the first failing one, answers */
    return pir;
}

static void test_download_installs_and_notifies(void **state)
{
    (void)state;
    size_t n, pir_len = 0;
    uint8_t *r;
    uint8_t *pir = download(&(sim_bpp_options){0}, &pir_len);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);

    /* the installed profile, disabled (SGP.22 3.1.3) */
    r = te_call(&t, "BF2D00", &n);
    sgp22_profile_info_list_response list;
    assert_int_equal(sgp22_decode_profile_info_list_response(r, n, &list), AW_OK);
    assert_int_equal(list.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, list.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid[EUICC_ICCID_SIZE];
    sim_iccid_bytes(SIM_ICCID, iccid);
    assert_memory_equal(info.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(info.profile_state, SGP22_PROFILE_STATE_DISABLED);
    assert_memory_equal(info.isdp_aid.ptr, result.data.success.aid.ptr, info.isdp_aid.len);
    free(r);

    /* the PIR is pending until removed, and survives a restart */
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    r = te_call(&t, "BF2B00", &n);
    sgp22_retrieve_notifications_list_response pending;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(r, n, &pending), AW_OK);
    assert_int_equal(pending.notification_list.count, 1);
    assert_int_equal(pending.notification_list.raw.len, pir_len);
    assert_memory_equal(pending.notification_list.raw.ptr, pir, pir_len);
    free(r);
    sgp22_notification_metadata metadata;
    assert_int_equal(sgp22_decode_notification_metadata(result.data.notification_metadata.ptr,
                                                        result.data.notification_metadata.len,
                                                        &metadata),
                     AW_OK);
    char remove[32];
    snprintf(remove, sizeof(remove), "BF30038001%02X", (unsigned)metadata.seq_number);
    assert_true(metadata.seq_number < 0x80);
    r = te_call(&t, remove, &n);
    test_assert_hex(r, n, "BF3003800100");
    free(r);
    r = te_call(&t, "BF2B00", &n);
    test_assert_hex(r, n, "BF2B02A000");
    free(r);

    /* the package is on disk, sealed: its Ki is nowhere in the file */
    euicc_state *st = t.card->state;
    uint8_t *package = NULL, *file = NULL;
    size_t package_len = 0, file_len = 0;
    assert_int_equal(euicc_state_open_package(st, &st->profiles[0], &package, &package_len),
                     AW_OK);
    saip_profile *parsed = NULL;
    saip_aka aka;
    assert_int_equal(saip_profile_parse(package, package_len, &parsed), AW_OK);
    assert_int_equal(saip_get_aka(parsed, &aka), AW_OK);
    char path[256];
    snprintf(path, sizeof(path), "%s/state.der", t.state);
    assert_int_equal(aw_file_read(path, 1u << 24, &file, &file_len), AW_OK);
    assert_null(memmem(file, file_len, aka.key, aka.key_len));
    assert_null(memmem(file, file_len, aka.opc, aka.opc_len));
    saip_aka_cleanse(&aka);
    saip_profile_free(parsed);
    der_bytes_free(package, package_len);
    free(file);
    free(pir);
}

/* SGP.22 3.1.3: a failed installation installs nothing, and its result is
 * a pending notification all the same (record_failed_installation). */
static void test_failed_download_is_notified(void **state)
{
    (void)state;
    size_t pir_len = 0, n;
    sim_bpp_options options = {.metadata_iccid = "8988211000000012354"};
    uint8_t *pir = download(&options, &pir_len);
    sgp22_profile_installation_result result;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_ERROR);
    assert_int_equal(t.card->state->profile_count, 0);
    uint8_t *r = te_call(&t, "BF2D00", &n);
    test_assert_hex(r, n, "BF2D02A000");
    free(r);
    r = te_call(&t, "BF2B00", &n);
    sgp22_retrieve_notifications_list_response pending;
    assert_int_equal(sgp22_decode_retrieve_notifications_list_response(r, n, &pending), AW_OK);
    assert_int_equal(pending.notification_list.count, 1);
    assert_int_equal(pending.notification_list.raw.len, pir_len);
    assert_memory_equal(pending.notification_list.raw.ptr, pir, pir_len);
    free(r);
    free(pir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_download_installs_and_notifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_download_is_notified, setup, teardown),
    };
    return cmocka_run_group_tests_name("euicc_isdr_download", tests, NULL, NULL);
}
