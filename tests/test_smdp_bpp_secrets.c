/* The SM-DP+ personalisation and BPP code leaves no secret in memory it
 * gives back: every free() called from the project's code (linked with
 * -Wl,--wrap=free) while smdp_personalise_profile and smdp_bpp_build run
 * has its block copied aside; afterwards, knowing the secrets from the
 * eUICC side (ShS, S-ENC, S-MAC, PPK-ENC, PPK-MAC from the decrypted
 * ReplaceSessionKeysRequest) and the subscriber (Ki, OPc), the copies are
 * searched for them. */
#include "smdp_bpp_testutil.h"

#include <malloc.h>
#include <stdbool.h>

void __real_free(void *ptr);
void __wrap_free(void *ptr);

#define ARENA_SIZE (16u << 20)
static uint8_t arena[ARENA_SIZE];
static size_t arena_used;
static bool armed, overflow;

void __wrap_free(void *ptr)
{
    if (ptr != NULL && armed) {
        size_t n = malloc_usable_size(ptr);
        if (arena_used + n > ARENA_SIZE) {
            overflow = true;
        } else {
            memcpy(arena + arena_used, ptr, n);
            arena_used += n;
        }
    }
    __real_free(ptr);
}

static bool arena_holds(const uint8_t *secret, size_t len)
{
    for (size_t i = 0; i + len <= arena_used; i++)
        if (memcmp(arena + i, secret, len) == 0)
            return true;
    return false;
}

static void arm(void)
{
    arena_used = 0;
    overflow = false;
    armed = true;
}

static void test_detector_sees_a_secret(void **state)
{
    (void)state;
    static const uint8_t secret[16] = {0x5E, 0xC2, 0xE7, 0x01, 0x02, 0x03, 0x04, 0x05,
                                       0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D};
    uint8_t *block = malloc(64);
    assert_non_null(block);
    memset(block, 0, 64);
    memcpy(block + 20, secret, sizeof(secret));
    arm();
    void (*volatile release)(void *) = free;
    release(block);
    armed = false;
    assert_true(arena_holds(secret, sizeof(secret)));
}

static void secrets_erased(bool replace_session_keys)
{
    fixture fx;
    size_t template_len = 0, package_len = 0, bpp_len = 0;
    uint8_t *package = NULL, *bpp = NULL;
    opened_bpp o;
    sgp22_replace_session_keys_request rsk;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    uint8_t *template_package = fx_build_template(true, &template_len);

    arm();
    assert_int_equal(smdp_personalise_profile(template_package, template_len, &fx.subscriber,
                                              &package, &package_len), AW_OK);
    fx.request.profile = package;
    fx.request.profile_len = package_len;
    fx.request.replace_session_keys = replace_session_keys;
    assert_int_equal(smdp_bpp_build(&fx.request, &bpp, &bpp_len), AW_OK);
    armed = false;
    assert_false(overflow);
    assert_true(arena_used > 0);

    assert_int_equal(fx_open_bpp(&fx, bpp, bpp_len, &o), AW_OK);
    assert_false(arena_holds(fx.subscriber.aka.key, fx.subscriber.aka.key_len));
    assert_false(arena_holds(fx.subscriber.aka.opc, fx.subscriber.aka.opc_len));
    assert_false(arena_holds(o.shared_secret, sizeof(o.shared_secret)));
    assert_false(arena_holds(o.keys.enc, sizeof(o.keys.enc)));
    assert_false(arena_holds(o.keys.mac, sizeof(o.keys.mac)));
    if (replace_session_keys) {
        assert_int_equal(sgp22_decode_replace_session_keys_request(o.rsk, o.rsk_len, &rsk),
                         AW_OK);
        assert_false(arena_holds(rsk.ppk_enc.ptr, rsk.ppk_enc.len));
        assert_false(arena_holds(rsk.ppk_cmac.ptr, rsk.ppk_cmac.len));
    }
    opened_bpp_free(&o);
    der_bytes_free(bpp, bpp_len);
    der_bytes_free(package, package_len);
    der_bytes_free(template_package, template_len);
    fx_close(&fx);
}

static void test_secrets_erased(void **state)
{
    (void)state;
    secrets_erased(false);
}

static void test_secrets_erased_with_ppks(void **state)
{
    (void)state;
    secrets_erased(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_sees_a_secret),
        cmocka_unit_test(test_secrets_erased),
        cmocka_unit_test(test_secrets_erased_with_ppks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
