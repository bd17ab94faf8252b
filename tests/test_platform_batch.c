/* Tests of the write-order batch parsers and the EID check
 * (src/platform/batch.c): the GSMA SGP.29 section 10 check digits
 * (cross-checked with Python's integers by /usr/bin/python3), CSV and JSON
 * bodies with every line error, the bounds (10,000 EIDs, 1 MiB, 100
 * errors reported), and every refusal of the form. */
#include "platform_testutil.h"

#include <stdlib.h>
#include <sys/wait.h>

/* ---- EIDs -------------------------------------------------------------------- */

static void test_eid(void **state)
{
    (void)state;
    /* 32 digits, value mod 97 == 1 (SGP.29 10); checked independently below */
    static const char good[] = "89049032123451234512345678901235";
    assert_int_equal(platform_eid_check(good, 32), AW_OK);
    char check[3];
    assert_int_equal(platform_eid_check_digits(good, 30, check), AW_OK);
    assert_string_equal(check, "35");
    char bad[33];
    memcpy(bad, good, sizeof(bad));
    bad[31] = '6';
    assert_int_equal(platform_eid_check(bad, 32), AW_ERR_PLATFORM_EID);
    memcpy(bad, good, sizeof(bad));
    bad[3] = '1'; /* one digit changed: the check digits catch it */
    assert_int_equal(platform_eid_check(bad, 32), AW_ERR_PLATFORM_EID);
    bad[3] = 'x';
    assert_int_equal(platform_eid_check(bad, 32), AW_ERR_PLATFORM_EID);
    assert_int_equal(platform_eid_check(good, 31), AW_ERR_PLATFORM_EID);
    assert_int_equal(platform_eid_check(NULL, 32), AW_ERR_PLATFORM_EID);
    assert_int_equal(platform_eid_check_digits(good, 29, check), AW_ERR_PLATFORM_EID);
    assert_string_equal(check, "");
    assert_int_equal(platform_eid_check_digits("89049032x2345123451234567890123", 30, check),
                     AW_ERR_PLATFORM_EID);
    /* single-digit check values are zero-padded (98 - r < 10) */
    bool padded = false;
    for (unsigned long long n = 0; n < 200 && !padded; n++) {
        char eid[33];
        platform_test_eid(n, eid);
        padded = eid[30] == '0';
        assert_int_equal(platform_eid_check(eid, 32), AW_OK);
    }
    assert_true(padded);
    /* independent check: Python's big integers on generated EIDs */
    char script[4096];
    size_t len = (size_t)snprintf(script, sizeof(script),
                                  "/usr/bin/python3 -c 'import sys; e=sys.argv[1:]; "
                                  "sys.exit(0 if all(len(x)==32 and int(x)%%97==1 for x in e) "
                                  "and int(\"89049032123451234512345678901236\")%%97!=1 "
                                  "else 1)' %s",
                                  good);
    for (unsigned long long n = 0; n < 40; n++) {
        char eid[33];
        platform_test_eid(n * 7919ULL + 12345678901ULL, eid);
        len += (size_t)snprintf(script + len, sizeof(script) - len, " %s", eid);
    }
    assert_true(len < sizeof(script));
    int status = system(script);
    if (status == -1 || WEXITSTATUS(status) == 127) {
        printf("note: /usr/bin/python3 not available, cross-check skipped\n");
        return;
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- Batches ------------------------------------------------------------------ */

static void test_batch_csv(void **state)
{
    (void)state;
    char e1[33], e2[33], e3[33];
    platform_test_eid(1, e1);
    platform_test_eid(2, e2);
    platform_test_eid(3, e3);
    char body[512];
    /* header, CRLF and LF lines, a final newline */
    snprintf(body, sizeof(body), "eid\r\n%s\r\n%s\n%s\n", e1, e2, e3);
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, strlen(body), &batch), AW_OK);
    assert_int_equal(batch->count, 3);
    assert_string_equal(batch->eids[0], e1);
    assert_int_equal(batch->lines[0], 2);
    assert_string_equal(batch->eids[2], e3);
    assert_int_equal(batch->lines[2], 4);
    assert_int_equal(batch->target_kind, 0);
    platform_batch_free(batch);
    /* no header, no final newline */
    snprintf(body, sizeof(body), "%s", e1);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, strlen(body), &batch), AW_OK);
    assert_int_equal(batch->count, 1);
    platform_batch_free(batch);
    /* every line error, by line: invalid (3), blank inside (4), comma (5),
     * quote (6), duplicate of line 1 (7) */
    char wrong[33];
    memcpy(wrong, e3, sizeof(wrong));
    wrong[31] = (char)('0' + (wrong[31] - '0' + 1) % 10);
    snprintf(body, sizeof(body), "%s\n%s\n%s\n\n%s,x\n\"%s\"\n%s\n", e1, e2, wrong, e3, e3, e1);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, strlen(body), &batch),
                     AW_ERR_PLATFORM_EID);
    assert_non_null(batch);
    assert_int_equal(batch->error_total, 5);
    assert_int_equal(batch->error_count, 5);
    static const struct {
        size_t line;
        platform_line_error error;
    } want[] = {{3, PLATFORM_LINE_INVALID_EID}, {4, PLATFORM_LINE_MALFORMED},
                {5, PLATFORM_LINE_MALFORMED},   {6, PLATFORM_LINE_MALFORMED},
                {7, PLATFORM_LINE_DUPLICATE_EID}};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(batch->errors[i].line, want[i].line);
        assert_int_equal(batch->errors[i].error, want[i].error);
    }
    assert_int_equal(batch->count, 2); /* the good lines: e1 (first), e2 */
    platform_batch_free(batch);
    /* a line over PLATFORM_CSV_LINE_MAX */
    char long_line[PLATFORM_CSV_LINE_MAX + 2];
    memset(long_line, '1', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)long_line, strlen(long_line),
                                              &batch),
                     AW_ERR_PLATFORM_EID);
    assert_int_equal(batch->errors[0].error, PLATFORM_LINE_MALFORMED);
    platform_batch_free(batch);
    /* empty, only a header, only newlines: no EID */
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)"", 0, &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_null(batch);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)"eid\n", 4, &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)"\n", 1, &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_null(batch);
    assert_int_equal(platform_batch_parse_csv(NULL, 0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, PLATFORM_BATCH_MAX_BODY + 1,
                                              &batch),
                     AW_ERR_PLATFORM_BATCH);
    /* 10,000 EIDs pass, 10,001 do not; 150 bad lines: 100 kept, 150 counted */
    size_t cap = (PLATFORM_BATCH_MAX_EIDS + 1) * 33 + 1;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t len = 0;
    for (size_t i = 0; i < PLATFORM_BATCH_MAX_EIDS; i++) {
        platform_test_eid(1000 + i, big + len);
        len += 32;
        big[len++] = '\n';
    }
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)big, len, &batch), AW_OK);
    assert_int_equal(batch->count, PLATFORM_BATCH_MAX_EIDS);
    platform_batch_free(batch);
    platform_test_eid(99, big + len);
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)big, len + 32, &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_null(batch);
    for (size_t i = 0; i < 150; i++)
        big[i * 33 + 31] = big[i * 33 + 31] == '0' ? '1' : '0';
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)big, len, &batch),
                     AW_ERR_PLATFORM_EID);
    assert_int_equal(batch->error_total, 150);
    assert_int_equal(batch->error_count, PLATFORM_BATCH_MAX_ERRORS);
    assert_int_equal(batch->errors[99].line, 100);
    platform_batch_free(batch);
    free(big);
    platform_batch_free(NULL);
}

static aw_err parse_json(const char *text, platform_batch **batch)
{
    return platform_batch_parse_json((const uint8_t *)text, strlen(text), batch);
}

static void test_batch_json(void **state)
{
    (void)state;
    char e1[33], e2[33];
    platform_test_eid(1, e1);
    platform_test_eid(2, e2);
    char body[512];
    platform_batch *batch = NULL;
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",\"%s\"],\"profileType\":\"iot-basic\"}", e1,
             e2);
    assert_int_equal(parse_json(body, &batch), AW_OK);
    assert_int_equal(batch->count, 2);
    assert_int_equal(batch->lines[1], 2);
    assert_int_equal(batch->target_kind, PLATFORM_TARGET_PROFILE_TYPE);
    assert_string_equal(batch->target, "iot-basic");
    platform_batch_free(batch);
    snprintf(body, sizeof(body), "{\"numberPool\":\"pool.1\",\"eids\":[\"%s\"]}", e1);
    assert_int_equal(parse_json(body, &batch), AW_OK);
    assert_int_equal(batch->target_kind, PLATFORM_TARGET_NUMBER_POOL);
    platform_batch_free(batch);
    /* line errors: element 2 not a string, 3 invalid, 4 a duplicate */
    char wrong[33];
    memcpy(wrong, e2, sizeof(wrong));
    wrong[31] = (char)('0' + (wrong[31] - '0' + 1) % 10);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",7,\"%s\",\"%s\"],\"numberPool\":\"p\"}",
             e1, wrong, e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_EID);
    assert_int_equal(batch->error_count, 3);
    assert_int_equal(batch->errors[0].error, PLATFORM_LINE_MALFORMED);
    assert_int_equal(batch->errors[1].line, 3);
    assert_int_equal(batch->errors[1].error, PLATFORM_LINE_INVALID_EID);
    assert_int_equal(batch->errors[2].line, 4);
    assert_int_equal(batch->errors[2].error, PLATFORM_LINE_DUPLICATE_EID);
    platform_batch_free(batch);
    /* the form */
    assert_int_equal(parse_json("[1]", &batch), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_json("{", &batch), AW_ERR_PLATFORM_JSON);
    assert_int_equal(platform_batch_parse_json(NULL, 0, &batch), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_json("{\"eids\":[],\"profileType\":\"a\"}", &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_int_equal(parse_json("{\"eids\":\"x\",\"profileType\":\"a\"}", &batch),
                     AW_ERR_PLATFORM_FIELD);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"]}", e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_FIELD); /* no target */
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"a\",\"numberPool\":\"b\"}",
             e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_FIELD); /* both */
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"a b\"}", e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_FIELD);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":7}", e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_FIELD);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"a\",\"x\":1}", e1);
    assert_int_equal(parse_json(body, &batch), AW_ERR_PLATFORM_FIELD);
    assert_null(batch);
    assert_int_equal(platform_batch_parse_json((const uint8_t *)body, PLATFORM_BATCH_MAX_BODY + 1,
                                               &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_int_equal(platform_batch_parse_json((const uint8_t *)body, 3, NULL), AW_ERR_ARGUMENT);
    /* 10,001 elements */
    size_t cap = (PLATFORM_BATCH_MAX_EIDS + 1) * 35 + 64;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t len = (size_t)snprintf(big, cap, "{\"profileType\":\"a\",\"eids\":[");
    for (size_t i = 0; i <= PLATFORM_BATCH_MAX_EIDS; i++) {
        big[len++] = '"';
        platform_test_eid(i, big + len);
        len += 32;
        big[len++] = '"';
        big[len++] = ',';
    }
    big[len - 1] = ']';
    big[len++] = '}';
    assert_int_equal(platform_batch_parse_json((const uint8_t *)big, len, &batch),
                     AW_ERR_PLATFORM_BATCH);
    assert_null(batch);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eid),
        cmocka_unit_test(test_batch_csv),
        cmocka_unit_test(test_batch_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
