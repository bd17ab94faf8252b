/* Ki and OPc never reach the allocator in clear: every free() called from
 * the SAIP code (linked with -Wl,--wrap=free) is checked for the keys in
 * the block it releases, across build, parse, get, set, encode and free. */
#include "saip_testutil.h"

#include <malloc.h>

void __real_free(void *ptr);
void __wrap_free(void *ptr);

#define KEY_COUNT 4
static uint8_t watched[KEY_COUNT][16];
static bool armed;
static unsigned leaks;

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

static void fill_keys(void)
{
    for (size_t k = 0; k < KEY_COUNT; k++)
        for (size_t i = 0; i < 16; i++)
            watched[k][i] = (uint8_t)(0x3C ^ (k * 16 + i) * 7);
}

static void test_detector_sees_a_key(void **state)
{
    (void)state;
    fill_keys();
    uint8_t *block = malloc(64);
    assert_non_null(block);
    memset(block, 0, 64);
    memcpy(block + 20, watched[2], 16);
    leaks = 0;
    armed = true;
    /* a plain free of a key must be seen; called through a volatile
     * pointer so the compiler cannot drop the stores before free() */
    void (*volatile release)(void *) = free;
    release(block);
    armed = false;
    assert_int_equal(leaks, 1);
}

static void test_keys_erased_before_free(void **state)
{
    (void)state;
    fill_keys();
    saip_build_params params;
    memset(&params, 0, sizeof(params));
    params.iccid = "8988211000000012347";
    params.imsi = "001010000000123";
    params.msisdn = "+4915112345678";
    params.pin1 = params.pin2 = "0000";
    params.puk1 = params.puk2 = params.adm1 = "12345678";
    params.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    params.aka.key_len = params.aka.opc_len = 16;
    memcpy(params.aka.key, watched[0], 16);
    memcpy(params.aka.opc, watched[1], 16);

    leaks = 0;
    armed = true;
    uint8_t *buf = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    assert_int_equal(saip_build(&params, &buf, &len), AW_OK);
    saip_profile *p = NULL;
    assert_int_equal(saip_profile_parse(buf, len, &p), AW_OK);
    saip_aka aka;
    assert_int_equal(saip_get_aka(p, &aka), AW_OK);
    assert_memory_equal(aka.key, watched[0], 16);
    memcpy(aka.key, watched[2], 16);
    memcpy(aka.opc, watched[3], 16);
    assert_int_equal(saip_set_aka(p, &aka), AW_OK);       /* splice frees the old element */
    assert_int_equal(saip_set_msisdn(p, "0612345678"), AW_OK);
    assert_int_equal(saip_set_imsi(p, "310410123456789"), AW_OK);
    assert_int_equal(saip_profile_encode(p, &out, &out_len), AW_OK);
    der_bytes_free(out, out_len);
    saip_profile_free(p);
    der_bytes_free(buf, len);
    saip_aka_cleanse(&aka);
    saip_aka_cleanse(&params.aka);
    armed = false;
    assert_int_equal(leaks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_sees_a_key),
        cmocka_unit_test(test_keys_erased_before_free),
    };
    return cmocka_run_group_tests_name("saip_secrets", tests, NULL, NULL);
}
