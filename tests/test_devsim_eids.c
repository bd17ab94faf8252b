/* airwrite-devsim's EID list (src/cli/airwrite_devsim_eids.c): accepted
 * with and without its last newline, and each refusal: no header, a line
 * not 32 digits, wrong check digits, no EID, more lines than the bound. */
#include "testutil.h"

#include "cli/airwrite_devsim_eids.h"

#define EID_A "89049032000000000000100000000061"
#define EID_B "89049032000000000000100000000158"

static aw_err parse(const char *text, size_t *count)
{
    char(*eids)[AW_PKI_EID_DIGITS + 1] = NULL;
    aw_err err = devsim_parse_eids((const uint8_t *)text, strlen(text), &eids, count);
    if (err == AW_OK) {
        assert_non_null(eids);
        assert_string_equal(eids[0], EID_A);
        if (*count > 1)
            assert_string_equal(eids[1], EID_B);
    } else {
        assert_null(eids);
        assert_int_equal(*count, 0);
    }
    free(eids);
    return err;
}

static void test_accepted(void **state)
{
    (void)state;
    size_t count = 0;
    assert_int_equal(pki_eid_validate(EID_A), AW_OK);
    assert_int_equal(pki_eid_validate(EID_B), AW_OK);
    assert_int_equal(parse("eid\n" EID_A "\n" EID_B "\n", &count), AW_OK);
    assert_int_equal(count, 2);
    assert_int_equal(parse("eid\n" EID_A "\n" EID_B, &count), AW_OK);
    assert_int_equal(count, 2);
    assert_int_equal(parse("eid\n" EID_A "\n", &count), AW_OK);
    assert_int_equal(count, 1);
}

static void test_refused(void **state)
{
    (void)state;
    size_t count = 7;
    assert_int_equal(parse(EID_A "\n", &count), AW_ERR_ARGUMENT);           /* no header */
    assert_int_equal(parse("EID\n" EID_A "\n", &count), AW_ERR_ARGUMENT);   /* another header */
    assert_int_equal(parse("eid\n" EID_A "\n\n", &count), AW_ERR_ARGUMENT); /* empty line */
    assert_int_equal(parse("eid\n" EID_A "0\n", &count), AW_ERR_ARGUMENT);  /* 33 digits */
    assert_int_equal(parse("eid\n89049032000000000000100000000062\n", &count),
                     AW_ERR_ARGUMENT); /* check digits */
    assert_int_equal(parse("eid\n8904903200000000000010000000006A\n", &count),
                     AW_ERR_ARGUMENT); /* not a digit */
    assert_int_equal(parse("eid\n", &count), AW_ERR_NOT_FOUND);
    char(*eids)[AW_PKI_EID_DIGITS + 1] = NULL;
    assert_int_equal(devsim_parse_eids(NULL, 0, &eids, &count), AW_ERR_LIMIT);
    /* more lines than DEVSIM_MAX_DEVICES after the header: refused before
     * any allocation of their size */
    size_t len = 4 + DEVSIM_MAX_DEVICES + 2;
    uint8_t *many = malloc(len);
    assert_non_null(many);
    memcpy(many, "eid\n", 4);
    memset(many + 4, '\n', len - 4);
    assert_int_equal(devsim_parse_eids(many, len, &eids, &count), AW_ERR_LIMIT);
    assert_null(eids);
    free(many);
    /* longer than any list of DEVSIM_MAX_DEVICES EIDs */
    assert_int_equal(devsim_parse_eids((const uint8_t *)"eid\n", DEVSIM_EIDS_MAX_BYTES + 1,
                                       &eids, &count),
                     AW_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
