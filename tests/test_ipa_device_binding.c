/* The IPA's side of card-device locking (src/ipa/device_binding.c,
 * docs/device-lock.md): the binding file with every refusal, loading it,
 * the check of a card's EID, and the refusal report's JSON. */
#include "testutil.h"

#include <unistd.h>

#include <jansson.h>

#include "ipa/device_binding.h"

#define EID "89049032123451234512345678901235"
#define OTHER_EID "89049032123451234512345678901288"

static aw_err parse(const char *text, ipa_device_binding *b)
{
    return ipa_device_binding_parse((const uint8_t *)text, strlen(text), b);
}

static void test_parse(void **state)
{
    (void)state;
    static ipa_device_binding b;
    assert_int_equal(parse("# this device\n\n" EID "\r\n" OTHER_EID, &b), AW_OK);
    assert_int_equal(b.count, 2);
    assert_string_equal(b.eids[0], EID);
    assert_string_equal(b.eids[1], OTHER_EID);
    assert_int_equal(ipa_device_binding_check(&b, EID), AW_OK);
    assert_int_equal(ipa_device_binding_check(&b, OTHER_EID), AW_OK);
    assert_int_equal(ipa_device_binding_check(&b, "89049032123451234512345678901111"),
                     AW_ERR_DEVICE_BINDING_UNBOUND);
    assert_int_equal(ipa_device_binding_check(NULL, EID), AW_ERR_ARGUMENT);
    static const char *const bad[] = {
        "",                                    /* no EID */
        "# only a comment\n",
        EID "\n" EID "\n",                     /* repeated */
        "8904903212345123451234567890123\n",   /* 31 digits */
        "890490321234512345123456789012355\n", /* 33 digits */
        "8904903212345123451234567890123x\n",
        " " EID "\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], &b), AW_ERR_DEVICE_BINDING_FILE);
        assert_int_equal(b.count, 0);
    }
    static const uint8_t nul[] = "8904903212345123451234567890\0" "1235";
    assert_int_equal(ipa_device_binding_parse(nul, sizeof(nul) - 1, &b),
                     AW_ERR_DEVICE_BINDING_FILE);
    /* 65 EIDs: over the limit; 64 fit */
    char *many = malloc(65 * 33 + 1);
    assert_non_null(many);
    size_t at = 0;
    for (int i = 0; i < 65; i++)
        at += (size_t)sprintf(many + at, "890490321234512345123456789%05d\n", i);
    assert_int_equal(ipa_device_binding_parse((const uint8_t *)many, at, &b),
                     AW_ERR_DEVICE_BINDING_FILE);
    assert_int_equal(ipa_device_binding_parse((const uint8_t *)many, at - 33, &b), AW_OK);
    assert_int_equal(b.count, 64);
    free(many);
    uint8_t big[IPA_DEVICE_BINDING_FILE_MAX + 1];
    memset(big, '\n', sizeof(big));
    assert_int_equal(ipa_device_binding_parse(big, sizeof(big), &b), AW_ERR_DEVICE_BINDING_FILE);
    assert_int_equal(ipa_device_binding_parse(NULL, 0, NULL), AW_ERR_ARGUMENT);
}

static void test_load(void **state)
{
    (void)state;
    char path[] = "/tmp/aw-binding-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = EID "\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    static ipa_device_binding b;
    assert_int_equal(ipa_device_binding_load(path, &b), AW_OK);
    assert_int_equal(b.count, 1);
    /* a file over IPA_DEVICE_BINDING_FILE_MAX: the file refused, not read */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i <= IPA_DEVICE_BINDING_FILE_MAX; i++)
        fputc('\n', f);
    fclose(f);
    assert_int_equal(ipa_device_binding_load(path, &b), AW_ERR_DEVICE_BINDING_FILE);
    unlink(path);
    assert_int_equal(ipa_device_binding_load(path, &b), AW_ERR_NOT_FOUND);
    assert_int_equal(ipa_device_binding_load(NULL, &b), AW_ERR_ARGUMENT);
}

static void test_refusal_json(void **state)
{
    (void)state;
    char *json = NULL;
    assert_int_equal(ipa_device_refusal_encode(OTHER_EID, EID, "356938035643809", 1796126400,
                                               &json),
                     AW_OK);
    assert_string_equal(json, "{\"cardEid\":\"" EID "\",\"deviceEid\":\"" OTHER_EID
                              "\",\"imei\":\"356938035643809\",\"time\":\"2026-12-01T12:00:00Z\"}");
    free(json);
    assert_int_equal(ipa_device_refusal_encode(OTHER_EID, EID, NULL, 0, &json), AW_OK);
    assert_null(strstr(json, "imei"));
    free(json);
    assert_int_equal(ipa_device_refusal_encode(OTHER_EID, EID, "1234", 0, &json), AW_ERR_ARGUMENT);
    assert_null(json);
    assert_int_equal(ipa_device_refusal_encode("123", EID, NULL, 0, &json), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_device_refusal_encode(OTHER_EID, EID, NULL, -1, &json), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_refusal_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
