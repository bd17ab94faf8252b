/* Tests of the inventory batch parsers (src/smdp/import.h): good CSV and
 * JSON batches, every validation error with its code and line/record,
 * bounds, and the serialisers' round trip. */
#include "smdp_testutil.h"

#define KI "000102030405060708090a0b0c0d0e0f"
#define OPC "101112131415161718191A1B1C1D1E1F"
#define KI32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* 19-digit ICCIDs with valid check digits (smdp_test_iccid 1..4) */
static char iccid1[SAIP_ICCID_TEXT], iccid2[SAIP_ICCID_TEXT], iccid3[SAIP_ICCID_TEXT];

static int group_setup(void **state)
{
    (void)state;
    smdp_test_iccid(1, iccid1);
    smdp_test_iccid(2, iccid2);
    smdp_test_iccid(3, iccid3);
    return 0;
}

static aw_err csv(const char *text, smdp_import_batch **batch, smdp_import_position *at)
{
    return smdp_import_parse_csv((const uint8_t *)text, strlen(text), SMDP_TEST_TYPE, batch, at);
}

/* Parse the text built from format; expect err at line/record, and no
 * batch. */
static void expect_csv(aw_err want, size_t line, size_t record, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void expect_csv(aw_err want, size_t line, size_t record, const char *format, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof(text), format, ap);
    va_end(ap);
    smdp_import_batch *batch = (smdp_import_batch *)1;
    smdp_import_position at;
    aw_err err = csv(text, &batch, &at);
    if (err != want || at.line != line || at.record != record)
        print_error("%s at line %zu record %zu, want %s at %zu/%zu\n%s\n", aw_err_name(err),
                    at.line, at.record, aw_err_name(want), line, record, text);
    assert_int_equal(err, want);
    assert_int_equal(at.line, line);
    assert_int_equal(at.record, record);
    assert_null(batch);
}

static void expect_json(aw_err want, size_t line, size_t record, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void expect_json(aw_err want, size_t line, size_t record, const char *format, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof(text), format, ap);
    va_end(ap);
    smdp_import_batch *batch = (smdp_import_batch *)1;
    smdp_import_position at;
    aw_err err = smdp_import_parse_json((const uint8_t *)text, strlen(text), &batch, &at);
    if (err != want || at.line != line || at.record != record)
        print_error("%s at line %zu record %zu, want %s at %zu/%zu\n%s\n", aw_err_name(err),
                    at.line, at.record, aw_err_name(want), line, record, text);
    assert_int_equal(err, want);
    assert_int_equal(at.line, line);
    assert_int_equal(at.record, record);
    assert_null(batch);
}

static void test_csv_good(void **state)
{
    (void)state;
    char text[2048];
    /* BOM, columns in another order, quoting with "" inside a quoted empty
     * MSISDN, CRLF and LF, a 20-digit ICCID, TUAK with a 32-byte Ki */
    char iccid20[SAIP_ICCID_TEXT] = "8988247000000000001";
    iccid20[19] = '\0';
    /* 20 digits: 19 digits + Luhn over them */
    static const char base19[] = "8988247000000000011";
    snprintf(iccid20, sizeof(iccid20), "%s%c", base19, saip_iccid_check_digit(base19, 19));
    snprintf(text, sizeof(text),
             "\xEF\xBB\xBF" "imsi,iccid,opc,ki,msisdn,algorithm\r\n"
             "001010000000001,\"%s\"," OPC "," KI ",+447700900123,milenage\r\n"
             "\"001010000000002\",%s," KI32 "," KI32 ",,tuak\n"
             "001010000000003,%s," OPC "," KI ",\"\",\n",
             iccid1, iccid2, iccid20);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(csv(text, &batch, &at), AW_OK);
    assert_non_null(batch);
    assert_string_equal(batch->profile_type, SMDP_TEST_TYPE);
    assert_int_equal(batch->count, 3);
    const smdp_import_record *r = batch->records;
    assert_string_equal(r[0].iccid, iccid1);
    assert_string_equal(r[0].imsi, "001010000000001");
    assert_true(r[0].has_msisdn);
    assert_string_equal(r[0].msisdn, "+447700900123");
    assert_int_equal(r[0].aka.algorithm, SAIP_ALGORITHM_MILENAGE);
    test_assert_hex(r[0].aka.key, r[0].aka.key_len, KI);
    test_assert_hex(r[0].aka.opc, r[0].aka.opc_len, OPC);
    assert_int_equal(r[1].aka.algorithm, SAIP_ALGORITHM_TUAK);
    assert_int_equal(r[1].aka.key_len, 32);
    assert_int_equal(r[1].aka.opc_len, 32);
    assert_false(r[1].has_msisdn);
    assert_string_equal(r[2].iccid, iccid20);
    assert_false(r[2].has_msisdn);
    assert_int_equal(r[2].aka.algorithm, SAIP_ALGORITHM_MILENAGE);
    smdp_import_batch_free(batch);

    /* header only: an empty batch; no final newline is fine too */
    assert_int_equal(csv("iccid,imsi,ki,opc", &batch, &at), AW_OK);
    assert_int_equal(batch->count, 0);
    smdp_import_batch_free(batch);
}

static void test_csv_errors(void **state)
{
    (void)state;
    /* structure */
    expect_csv(AW_ERR_SMDP_IMPORT_HEADER, 1, 0, "%s", "");
    expect_csv(AW_ERR_SMDP_IMPORT_HEADER, 1, 0, "iccid,imsi,ki\n");
    expect_csv(AW_ERR_SMDP_IMPORT_HEADER, 1, 0, "iccid,imsi,ki,opc,color\n");
    expect_csv(AW_ERR_SMDP_IMPORT_HEADER, 1, 0, "iccid,imsi,ki,opc,imsi\n");
    expect_csv(AW_ERR_SMDP_IMPORT_HEADER, 1, 0, "ICCID,imsi,ki,opc\n");
    expect_csv(AW_ERR_LIMIT, 1, 0, "iccid,imsi,ki,opc,msisdn,algorithm,x\n");
    expect_csv(AW_ERR_SMDP_IMPORT_FIELD_COUNT, 3, 2,
               "iccid,imsi,ki,opc\n%s,001010000000001," KI "," OPC "\n%s,001010000000002," KI
               "\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_FIELD_COUNT, 2, 1, "iccid,imsi,ki,opc\n\n");
    expect_csv(AW_ERR_SMDP_IMPORT_SYNTAX, 2, 1,
               "iccid,imsi,ki,opc\n\"%s,001010000000001," KI "," OPC "\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_SYNTAX, 2, 1,
               "iccid,imsi,ki,opc\n\"%s\"x,001010000000001," KI "," OPC "\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_SYNTAX, 2, 1,
               "iccid,imsi,ki,opc\n%s,00101\"0000000001," KI "," OPC "\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_SYNTAX, 2, 1,
               "iccid,imsi,ki,opc\n%s,001010000000001," KI "," OPC "\r", iccid1);
    /* values, each on line 3 (record 2) after a good record */
#define GOOD "iccid,imsi,ki,opc,msisdn,algorithm\n%s,001010000000001," KI "," OPC ",,\n"
    expect_csv(AW_ERR_SMDP_IMPORT_ICCID, 3, 2, GOOD "898824700000000001,001010000000002," KI
                                                    "," OPC ",,\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_ICCID, 3, 2, GOOD "89882470000000000a1,001010000000002," KI
                                                    "," OPC ",,\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_LUHN, 3, 2, GOOD "8988247000000000010,001010000000002," KI
                                                   "," OPC ",,\n", iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_IMSI, 3, 2, GOOD "%s,00101," KI "," OPC ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_IMSI, 3, 2, GOOD "%s,0010100000000012," KI "," OPC ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_KI, 3, 2,
               GOOD "%s,001010000000002,000102030405060708090a0b0c0d0e," OPC ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_KI, 3, 2,
               GOOD "%s,001010000000002,000102030405060708090a0b0c0d0e0g," OPC ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_KI, 3, 2, GOOD "%s,001010000000002," KI32 "," OPC ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_OPC, 3, 2, GOOD "%s,001010000000002," KI "," KI32 ",,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_OPC, 3, 2, GOOD "%s,001010000000002," KI "," OPC ",,tuak\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_MSISDN, 3, 2,
               GOOD "%s,001010000000002," KI "," OPC ",12a4,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_MSISDN, 3, 2,
               GOOD "%s,001010000000002," KI "," OPC ",1234567890123456,\n", iccid1, iccid2);
    expect_csv(AW_ERR_SMDP_IMPORT_ALGORITHM, 3, 2,
               GOOD "%s,001010000000002," KI "," OPC ",,comp128\n", iccid1, iccid2);
    /* duplicates: reported at the later record */
    expect_csv(AW_ERR_SMDP_IMPORT_DUPLICATE, 4, 3,
               GOOD "%s,001010000000002," KI "," OPC ",,\n%s,001010000000003," KI "," OPC
                    ",,\n", iccid1, iccid2, iccid1);
    expect_csv(AW_ERR_SMDP_IMPORT_DUPLICATE, 4, 3,
               GOOD "%s,001010000000002," KI "," OPC ",,\n%s,001010000000002," KI "," OPC
                    ",,\n", iccid1, iccid2, iccid3);
#undef GOOD
    /* profile type given by the caller */
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    static const char header[] = "iccid,imsi,ki,opc\n";
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)header, strlen(header), "", &batch,
                                           &at),
                     AW_ERR_SMDP_IMPORT_PROFILE_TYPE);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)header, strlen(header), NULL, &batch,
                                           &at),
                     AW_ERR_SMDP_IMPORT_PROFILE_TYPE);
    assert_null(batch);
}

static void test_csv_bounds(void **state)
{
    (void)state;
    /* a record over SMDP_IMPORT_MAX_LINE bytes */
    char text[4096];
    int n = snprintf(text, sizeof(text), "iccid,imsi,ki,opc\n\"");
    memset(text + n, '1', SMDP_IMPORT_MAX_LINE + 10);
    text[n + SMDP_IMPORT_MAX_LINE + 10] = '\0';
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(csv(text, &batch, &at), AW_ERR_LIMIT);
    assert_int_equal(at.line, 2);
    text[n - 1] = '1'; /* unquoted */
    assert_int_equal(csv(text, &batch, &at), AW_ERR_LIMIT);
    /* the whole input */
    size_t big = SMDP_IMPORT_MAX_SIZE + 1;
    uint8_t *data = calloc(1, big);
    assert_non_null(data);
    assert_int_equal(smdp_import_parse_csv(data, big, SMDP_TEST_TYPE, &batch, &at), AW_ERR_LIMIT);
    assert_int_equal(smdp_import_parse_json(data, big, &batch, &at), AW_ERR_LIMIT);
    free(data);
    assert_null(batch);
    assert_int_equal(smdp_import_parse_csv(NULL, 0, SMDP_TEST_TYPE, NULL, &at), AW_ERR_ARGUMENT);

    /* more records than SMDP_IMPORT_MAX_RECORDS (the same one repeated:
     * the count bound comes before the duplicate check) */
    char line[128];
    int line_len = snprintf(line, sizeof(line), "%s,001010000000001," KI "," OPC "\n", iccid1);
    size_t cap = 32 + (SMDP_IMPORT_MAX_RECORDS + 1) * (size_t)line_len;
    char *many = malloc(cap);
    assert_non_null(many);
    size_t len = (size_t)snprintf(many, cap, "iccid,imsi,ki,opc\n");
    for (size_t i = 0; i <= SMDP_IMPORT_MAX_RECORDS; i++, len += (size_t)line_len)
        memcpy(many + len, line, (size_t)line_len);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)many, len, SMDP_TEST_TYPE, &batch,
                                           &at),
                     AW_ERR_LIMIT);
    assert_int_equal(at.record, SMDP_IMPORT_MAX_RECORDS + 1);
    assert_int_equal(at.line, SMDP_IMPORT_MAX_RECORDS + 2);
    assert_null(batch);
    free(many);
}

static void test_json_good(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"profileType\": \"" SMDP_TEST_TYPE "\", \"profiles\": ["
             "{\"iccid\": \"%s\", \"imsi\": \"001010000000001\", \"ki\": \"" KI "\", "
             "\"opc\": \"" OPC "\", \"msisdn\": \"447700900123\"},"
             "{\"iccid\": \"%s\", \"imsi\": \"001010000000002\", \"ki\": \"" KI32 "\", "
             "\"opc\": \"" KI32 "\", \"algorithm\": \"tuak\", \"msisdn\": null},"
             "{\"iccid\": \"%s\", \"imsi\": \"001010000000003\", \"ki\": \"" KI "\", "
             "\"opc\": \"" OPC "\", \"algorithm\": \"test\"}]}",
             iccid1, iccid2, iccid3);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_json((const uint8_t *)text, strlen(text), &batch, &at),
                     AW_OK);
    assert_int_equal(batch->count, 3);
    assert_string_equal(batch->profile_type, SMDP_TEST_TYPE);
    assert_string_equal(batch->records[0].msisdn, "447700900123");
    assert_false(batch->records[1].has_msisdn);
    assert_int_equal(batch->records[1].aka.algorithm, SAIP_ALGORITHM_TUAK);
    assert_int_equal(batch->records[2].aka.algorithm, SAIP_ALGORITHM_TEST);
    smdp_import_batch_free(batch);
}

static void test_json_errors(void **state)
{
    (void)state;
#define P(ICCID, IMSI, KIV, OPCV) \
    "{\"iccid\": \"" ICCID "\", \"imsi\": \"" IMSI "\", \"ki\": \"" KIV "\", \"opc\": \"" OPCV "\"}"
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 2, 0, "{\"profileType\": \"x\",\n \"profiles\": [,]}");
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 0, "[]");
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 0, "{\"profileType\": \"x\"}");
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 0,
                "{\"profileType\": \"x\", \"profiles\": [], \"extra\": 1}");
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 1, 0,
                "{\"profileType\": \"x\", \"profileType\": \"y\", \"profiles\": []}");
    expect_json(AW_ERR_SMDP_IMPORT_PROFILE_TYPE, 0, 0, "{\"profiles\": []}");
    expect_json(AW_ERR_SMDP_IMPORT_PROFILE_TYPE, 0, 0, "{\"profileType\": 5, \"profiles\": []}");
    /* jansson refuses \u0000 in strings */
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 1, 0,
                "{\"profileType\": \"a\\u0000b\", \"profiles\": []}");
    expect_json(AW_ERR_SMDP_IMPORT_PROFILE_TYPE, 0, 0,
                "{\"profileType\": \"a\\nb\", \"profiles\": []}");
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 2,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "001010000000001", KI, OPC)
                ", 7]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [{\"iccid\": \"%s\", \"imsi\": 1}]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_SYNTAX, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [{\"iccid\": \"%s\", \"pin\": \"1\"}]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_ICCID, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [{\"imsi\": \"001010000000001\"}]}");
    expect_json(AW_ERR_SMDP_IMPORT_LUHN, 0, 2,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "001010000000001", KI, OPC)
                "," P("8988247000000000010", "001010000000002", KI, OPC) "]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_IMSI, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "1", KI, OPC) "]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_KI, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "001010000000001", "00", OPC)
                "]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_OPC, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "001010000000001", KI, "zz")
                "]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_MSISDN, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [{\"iccid\": \"%s\", \"imsi\": "
                "\"001010000000001\", \"ki\": \"" KI "\", \"opc\": \"" OPC
                "\", \"msisdn\": \"+\"}]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_ALGORITHM, 0, 1,
                "{\"profileType\": \"x\", \"profiles\": [{\"iccid\": \"%s\", \"imsi\": "
                "\"001010000000001\", \"ki\": \"" KI "\", \"opc\": \"" OPC
                "\", \"algorithm\": \"MILENAGE\"}]}", iccid1);
    expect_json(AW_ERR_SMDP_IMPORT_DUPLICATE, 0, 3,
                "{\"profileType\": \"x\", \"profiles\": [" P("%s", "001010000000001", KI, OPC)
                "," P("%s", "001010000000002", KI, OPC) "," P("%s", "001010000000003", KI, OPC)
                "]}", iccid1, iccid2, iccid1);
#undef P
    /* more records than SMDP_IMPORT_MAX_RECORDS */
    size_t count = SMDP_IMPORT_MAX_RECORDS + 1;
    size_t cap = 64 + count * 3;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t n = (size_t)snprintf(big, cap, "{\"profileType\": \"x\", \"profiles\": [");
    for (size_t i = 0; i < count; i++) {
        memcpy(big + n, i ? ",{}" : "{}", i ? 3 : 2);
        n += i ? 3 : 2;
    }
    memcpy(big + n, "]}", 3);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_json((const uint8_t *)big, n + 2, &batch, &at),
                     AW_ERR_LIMIT);
    free(big);
}

static void assert_same_batch(const smdp_import_batch *a, const smdp_import_batch *b)
{
    assert_string_equal(a->profile_type, b->profile_type);
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        assert_memory_equal(&a->records[i], &b->records[i], sizeof(a->records[i]));
}

static void test_round_trip(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "iccid,imsi,ki,opc,msisdn,algorithm\n"
             "%s,001010000000001," KI "," OPC ",+4477,\n"
             "%s,001010000000002," KI32 "," KI32 ",,tuak\n",
             iccid1, iccid2);
    smdp_import_batch *batch = NULL, *again = NULL;
    smdp_import_position at;
    assert_int_equal(csv(text, &batch, &at), AW_OK);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(smdp_import_write_csv(batch, &out, &len), AW_OK);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)out, len, SMDP_TEST_TYPE, &again,
                                           &at),
                     AW_OK);
    assert_same_batch(batch, again);
    smdp_import_text_free(out, len);
    smdp_import_batch_free(again);
    assert_int_equal(smdp_import_write_json(batch, &out, &len), AW_OK);
    assert_int_equal(smdp_import_parse_json((const uint8_t *)out, len, &again, &at), AW_OK);
    assert_same_batch(batch, again);
    smdp_import_text_free(out, len);
    smdp_import_batch_free(again);
    smdp_import_batch_free(batch);
    assert_int_equal(smdp_import_write_csv(NULL, &out, &len), AW_ERR_ARGUMENT);
    assert_null(out);
    assert_string_equal(smdp_import_algorithm_name(SAIP_ALGORITHM_TEST), "test");
    assert_null(smdp_import_algorithm_name((saip_algorithm)9));
}

int smdp_test_run_import(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_good),   cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_bounds), cmocka_unit_test(test_json_good),
        cmocka_unit_test(test_json_errors), cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests_name("smdp import", tests, group_setup, NULL);
}

/* ---- Fuzz seeds ------------------------------------------------------------- */

static void write_seed(const char *dir, unsigned *n, bool json, const char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/seed_%02u", dir, (*n)++);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t selector = json ? 1 : 0; /* fuzz_smdp_import: first byte picks the format */
    assert_int_equal(fwrite(&selector, 1, 1, f), 1);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

int smdp_test_write_seeds(const char *dir)
{
    group_setup(NULL);
    unsigned n = 0;
    char text[2048];
    /* accepted batches, through the serialisers */
    snprintf(text, sizeof(text),
             "iccid,imsi,ki,opc,msisdn,algorithm\n"
             "%s,001010000000001," KI "," OPC ",+4477,\n"
             "%s,001010000000002," KI32 "," KI32 ",,tuak\n"
             "%s,001010000000003," KI "," OPC ",123,test\n",
             iccid1, iccid2, iccid3);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    if (csv(text, &batch, &at) != AW_OK)
        return 1;
    char *out = NULL;
    size_t len = 0;
    if (smdp_import_write_csv(batch, &out, &len) != AW_OK)
        return 1;
    write_seed(dir, &n, false, out, len);
    smdp_import_text_free(out, len);
    if (smdp_import_write_json(batch, &out, &len) != AW_OK)
        return 1;
    write_seed(dir, &n, true, out, len);
    smdp_import_text_free(out, len);
    smdp_import_batch_free(batch);
    /* hand-made shapes the parsers must handle */
    write_seed(dir, &n, false, text, strlen(text));
    snprintf(text, sizeof(text),
             "\xEF\xBB\xBF" "opc,\"ki\",iccid,imsi\r\n\"" OPC "\",\"" KI "\",\"%s\",\"0010123\"\r\n",
             iccid1);
    write_seed(dir, &n, false, text, strlen(text));
    static const char *const csv_shapes[] = {
        "iccid,imsi,ki,opc",
        "iccid,imsi,ki,opc\n\"unterminated\n",
        "iccid,imsi,ki,opc\n\"a\"\"b\",,,\n",
        "iccid,imsi,ki,opc,msisdn,algorithm,extra\n",
        "iccid,iccid\n",
    };
    for (size_t i = 0; i < sizeof(csv_shapes) / sizeof(csv_shapes[0]); i++)
        write_seed(dir, &n, false, csv_shapes[i], strlen(csv_shapes[i]));
    static const char *const json_shapes[] = {
        "{\"profileType\": \"t\", \"profiles\": []}",
        "{\"profileType\": \"t\", \"profiles\": [{}]}",
        "{\"profileType\": \"t\", \"profiles\": [{\"iccid\": \"1\", \"msisdn\": null}]}",
        "{\"profileType\": 1}",
        "[[[[[[[[[[]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof(json_shapes) / sizeof(json_shapes[0]); i++)
        write_seed(dir, &n, true, json_shapes[i], strlen(json_shapes[i]));
    printf("wrote %u seeds to %s\n", n, dir);
    return 0;
}
