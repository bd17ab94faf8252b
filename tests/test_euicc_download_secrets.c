/* The profile's Ki/OPc and the PPKs of ReplaceSessionKeys never reach the
 * allocator in clear while the download engine (src/euicc/download*.c)
 * loads a BPP: every free() called from the engine, the core libraries it
 * uses and this test (linked with -Wl,--wrap=free) is checked for them,
 * across a successful install, a failed one and a session dropped while
 * loading. */
#include "euicc_download_testutil.h"

#include <malloc.h>

void __real_free(void *ptr);
void __wrap_free(void *ptr);

#define KEY_COUNT 4
static uint8_t watched[KEY_COUNT][16];
static bool armed;
static unsigned leaks;
static sim smdp;

static bool holds_key(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < KEY_COUNT; k++)
        for (size_t i = 0; i + 16 <= n; i++)
            if (memcmp(p + i, watched[k], 16) == 0)
                return true;
    return false;
}

void __wrap_free(void *ptr)
{
    if (ptr != NULL && armed && holds_key(ptr, malloc_usable_size(ptr)))
        leaks++;
    __real_free(ptr);
}

/* The keys the test SM-DP+ puts in the profile (sim_profile_params) and in
 * ReplaceSessionKeys (sim_bound_profile_package). */
static void watch_keys(void)
{
    for (size_t i = 0; i < 16; i++) {
        watched[0][i] = (uint8_t)i;          /* Ki */
        watched[1][i] = (uint8_t)(0x11 * i); /* OPc */
        watched[2][i] = (uint8_t)(i == 15 ? 0xE0 : 0xE1 + i); /* PPK-ENC */
        watched[3][i] = (uint8_t)(i == 15 ? 0xD0 : 0xD1 + i); /* PPK-MAC */
    }
}

static int group_setup(void **state)
{
    (void)state;
    watch_keys();
    return sim_init(&smdp, AW_PKI_CURVE_NIST_P256, TEST_NOW) == AW_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_free(&smdp);
    return 0;
}

static aw_err commit_without_copy(void *ctx, const euicc_installed_profile *profile)
{
    fake_host *h = ctx;
    (void)profile;
    h->commits++;
    return AW_OK;
}

static void test_detector_sees_a_key(void **state)
{
    (void)state;
    uint8_t *block = malloc(64);
    assert_non_null(block);
    memset(block, 0, 64);
    memcpy(block + 7, watched[2], 16);
    leaks = 0;
    armed = true;
    void (*volatile release)(void *) = free;
    release(block);
    armed = false;
    assert_int_equal(leaks, 1);
}

/* Load the BPP up to segment stop (all of it when stop is past the end),
 * then free the engine. */
static void run(bool replace_session_keys, bool tamper_last, size_t stop, unsigned commits)
{
    fixture fx;
    sim_bpp_options o = {.replace_session_keys = replace_session_keys};
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    leaks = 0;
    armed = true;
    fixture_open(&fx, &smdp);
    fx.vtable.commit_profile = commit_without_copy;
    euicc_download_free(fx.engine);
    assert_int_equal(euicc_download_new(&smdp.identity, &fx.vtable, &fx.engine), AW_OK);
    fx_prepared_session(&fx);
    assert_int_equal(sim_bound_profile_package(&smdp, &o, &bpp, &bpp_len), AW_OK);
    if (tamper_last)
        bpp[bpp_len - 1] ^= 0x01;
    sim_segments *segments = malloc(sizeof(*segments));
    assert_non_null(segments);
    assert_int_equal(sim_split(bpp, bpp_len, segments), AW_OK);
    for (size_t i = 0; i < segments->count && i < stop; i++) {
        uint8_t *response = NULL;
        size_t len = 0;
        assert_int_equal(euicc_download_load_segment(fx.engine, segments->segment[i].ptr,
                                                     segments->segment[i].len, &response, &len),
                         AW_OK);
        free(response);
    }
    free(segments);
    free(bpp);
    assert_int_equal(fx.host.commits, commits);
    fixture_close(&fx);
    armed = false;
    assert_int_equal(leaks, 0);
}

static void test_install(void **state)
{
    (void)state;
    run(false, false, SIZE_MAX, 1);
    run(true, false, SIZE_MAX, 1);
}

static void test_failed_install(void **state)
{
    (void)state;
    run(true, true, SIZE_MAX, 0);
}

static void test_dropped_while_loading(void **state)
{
    (void)state;
    /* BF23, A0, A1, 88, A2 with ReplaceSessionKeys, A3: the PPKs are in
     * the engine's state when it is freed */
    run(true, false, 6, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_sees_a_key),
        cmocka_unit_test(test_install),
        cmocka_unit_test(test_failed_install),
        cmocka_unit_test(test_dropped_while_loading),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
