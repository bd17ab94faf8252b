/* The IPA's Activation Code parser (src/ipa/activation_code.c, SGP.22
 * 4.1): the accepted forms (with and without SM-DP+ OID and Confirmation
 * Code Required Flag, an empty Matching ID), then every refusal with its
 * typed error and the output left zeroed.
 *
 * Run as `test_ipa_download_activation_code --seeds DIR` it writes the
 * cases below as the seed corpus of fuzz_ipa_activation_code instead. */
#include "testutil.h"

#include <errno.h>
#include <sys/stat.h>

#include "ipa/activation_code.h"

typedef struct ac_case {
    const char *text;
    aw_err expect;
} ac_case;

static const ac_case cases[] = {
    {"1$smdp.example.com$RELAY-MATCH-0001", AW_OK},
    {"1$SMDP.EXAMPLE.COM$04386-AGYR6-4BM7B-0Q3ZW", AW_OK},
    {"1$smdp.example.com$ABC$1.3.6.1.4.1.31746", AW_OK},
    {"1$smdp.example.com$ABC$1.3.6.1.4.1.31746$1", AW_OK},
    {"1$smdp.example.com$ABC$$1", AW_OK},
    {"1$smdp.example.com$", AW_OK},
    {"", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"2$smdp.example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"11$smdp.example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"1$smdp.example.com", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"1$smdp.example.com$ABC$1.2$1$x", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"1$smdp.example.com$AB\tC", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"1$smdp.example.com$AB\xc3\xa9", AW_ERR_IPA_ACTIVATION_CODE_FORMAT},
    {"1$$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$localhost$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp..example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$-smdp.example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp-.example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp.example.com.$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp.example.com:8443$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp_1.example.com$ABC", AW_ERR_IPA_ACTIVATION_CODE_ADDRESS},
    {"1$smdp.example.com$abc", AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID},
    {"1$smdp.example.com$A B", AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID},
    {"1$smdp.example.com$ABC$", AW_ERR_IPA_ACTIVATION_CODE_OID},
    {"1$smdp.example.com$ABC$1", AW_ERR_IPA_ACTIVATION_CODE_OID},
    {"1$smdp.example.com$ABC$1..2", AW_ERR_IPA_ACTIVATION_CODE_OID},
    {"1$smdp.example.com$ABC$1.2a", AW_ERR_IPA_ACTIVATION_CODE_OID},
    {"1$smdp.example.com$ABC$1.2$0", AW_ERR_IPA_ACTIVATION_CODE_FLAG},
    {"1$smdp.example.com$ABC$1.2$", AW_ERR_IPA_ACTIVATION_CODE_FLAG},
    {"1$smdp.example.com$ABC$1.2$11", AW_ERR_IPA_ACTIVATION_CODE_FLAG},
};

static void test_accepted(void **state)
{
    (void)state;
    ipa_activation_code code;
    const char *text = "1$smdp.example.com$ABC-1$1.3.6.1.4.1.31746$1";
    assert_int_equal(ipa_activation_code_parse(text, strlen(text), &code), AW_OK);
    assert_string_equal(code.smdp_address, "smdp.example.com");
    assert_string_equal(code.matching_id, "ABC-1");
    assert_string_equal(code.smdp_oid, "1.3.6.1.4.1.31746");
    assert_true(code.confirmation_code_required);

    text = "1$smdp.example.com$";
    assert_int_equal(ipa_activation_code_parse(text, strlen(text), &code), AW_OK);
    assert_string_equal(code.matching_id, "");
    assert_string_equal(code.smdp_oid, "");
    assert_false(code.confirmation_code_required);

    /* only len bytes count: no NUL needed, none read past */
    text = "1$smdp.example.com$ABC$1.2$1";
    assert_int_equal(ipa_activation_code_parse(text, strlen(text) - 2, &code), AW_OK);
    assert_string_equal(code.smdp_oid, "1.2");
    assert_false(code.confirmation_code_required);
}

static void test_cases(void **state)
{
    (void)state;
    static const ipa_activation_code zero;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ipa_activation_code code;
        memset(&code, 0x5A, sizeof(code));
        aw_err err = ipa_activation_code_parse(cases[i].text, strlen(cases[i].text), &code);
        if (err != cases[i].expect)
            fprintf(stderr, "case \"%s\": %s\n", cases[i].text, aw_err_name(err));
        assert_int_equal(err, cases[i].expect);
        if (err != AW_OK)
            assert_memory_equal(&code, &zero, sizeof(code));
    }
}

static void test_bounds(void **state)
{
    (void)state;
    ipa_activation_code code;
    char text[IPA_ACTIVATION_CODE_MAX + 2];
    /* 255 characters are accepted, 256 are not */
    memset(text, 'A', sizeof(text));
    memcpy(text, "1$smdp.example.com$", 19);
    assert_int_equal(ipa_activation_code_parse(text, IPA_ACTIVATION_CODE_MAX, &code), AW_OK);
    assert_int_equal(strlen(code.matching_id), IPA_ACTIVATION_CODE_MAX - 19);
    assert_int_equal(ipa_activation_code_parse(text, IPA_ACTIVATION_CODE_MAX + 1, &code),
                     AW_ERR_IPA_ACTIVATION_CODE_FORMAT);
    /* a 64-character label is over RFC 1035's 63 */
    char address[100];
    memset(address, 'a', 64);
    snprintf(address + 64, sizeof(address) - 64, ".example.com");
    char ac[140];
    snprintf(ac, sizeof(ac), "1$%s$ABC", address);
    assert_int_equal(ipa_activation_code_parse(ac, strlen(ac), &code),
                     AW_ERR_IPA_ACTIVATION_CODE_ADDRESS);
    snprintf(ac, sizeof(ac), "1$%s$ABC", address + 1);
    assert_int_equal(ipa_activation_code_parse(ac, strlen(ac), &code), AW_OK);
    assert_int_equal(ipa_activation_code_parse(NULL, 3, &code), AW_ERR_IPA_ACTIVATION_CODE_FORMAT);
    assert_int_equal(ipa_activation_code_parse("1$a.b$\0", 7, &code),
                     AW_ERR_IPA_ACTIVATION_CODE_FORMAT);
}

static int write_seeds(const char *dir)
{
    char path[512];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "%s/case-%02zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (f == NULL)
            return 1;
        fwrite(cases[i].text, 1, strlen(cases[i].text), f);
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
        return write_seeds(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
