/* Tests of the bounded base64 codec (src/core/base64.h, RFC 4648 section 4)
 * with the RFC 4648 section 10 test vectors. */
#include "testutil.h"

#include "core/base64.h"

/* RFC 4648 section 10 */
static const char *const rfc4648_plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const rfc4648_base64[] = {"",     "Zg==",     "Zm8=",    "Zm9v",
                                             "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < 7; i++) {
        const char *plain = rfc4648_plain[i];
        char text[16];
        assert_int_equal(aw_base64_encoded_length(strlen(plain)), strlen(rfc4648_base64[i]));
        assert_int_equal(aw_base64_encode((const uint8_t *)plain, strlen(plain), text,
                                          sizeof(text)), AW_OK);
        assert_string_equal(text, rfc4648_base64[i]);
        uint8_t out[8];
        size_t len = 99;
        assert_int_equal(aw_base64_decode(rfc4648_base64[i], strlen(rfc4648_base64[i]), out,
                                          sizeof(out), &len), AW_OK);
        assert_int_equal(len, strlen(plain));
        assert_memory_equal(out, plain, len);
    }
    /* every byte value, all three tail lengths */
    uint8_t all[256], back[256];
    for (size_t i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    for (size_t n = 254; n <= 256; n++) {
        char text[400];
        size_t len;
        assert_int_equal(aw_base64_encode(all, n, text, sizeof(text)), AW_OK);
        assert_int_equal(aw_base64_decode(text, strlen(text), back, sizeof(back), &len), AW_OK);
        assert_int_equal(len, n);
        assert_memory_equal(back, all, n);
    }
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg=",      /* not a multiple of 4 */
        "Zg",       /* unpadded */
        "Zh==",     /* non-zero pad bits (RFC 4648 3.5) */
        "Zm9=",     /* non-zero pad bits */
        "Z===",     /* three pads */
        "====",     /* only pads */
        "Zg==Zg==", /* pad inside */
        "Zm 9",     /* whitespace */
        "Zm9v\n",   /* line break */
        "Zm-_",     /* URL alphabet */
        "Zm=v",     /* pad in the middle */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        size_t len = 99;
        assert_int_equal(aw_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &len),
                         AW_ERR_ARGUMENT);
        assert_int_equal(len, 0);
    }
    uint8_t out[2];
    size_t len;
    assert_int_equal(aw_base64_decode("Zm9v", 4, out, sizeof(out), &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(aw_base64_decode("Zm9v", 4, out, sizeof(out), NULL), AW_ERR_ARGUMENT);
    assert_int_equal(aw_base64_decode(NULL, 4, out, sizeof(out), &len), AW_ERR_ARGUMENT);
    char text[4];
    assert_int_equal(aw_base64_encode((const uint8_t *)"foo", 3, text, sizeof(text)),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(aw_base64_encode(NULL, 3, text, sizeof(text)), AW_ERR_ARGUMENT);
    assert_int_equal(aw_base64_decoded_max(8), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
