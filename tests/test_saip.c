/* SAIP builder, personalisation over fill pieces, and refusal of malformed
 * packages (src/core/saip*.c). Profiles come from our own builder, edited
 * element by element; values are cross-checked with tests/saip_crosscheck.py. */
#include "saip_testutil.h"

#include "core/der.h"

static const char *const ki_hex = "000102030405060708090A0B0C0D0E0F";

static saip_build_params base_params(void)
{
    saip_build_params p;
    memset(&p, 0, sizeof(p));
    p.iccid = "8988211000000012347";
    p.imsi = "001010000000123";
    p.msisdn = "+4915112345678";
    p.spn = "airwrite";
    p.pin1 = "1234";
    p.pin2 = "5678";
    p.puk1 = "12345678";
    p.puk2 = "87654321";
    p.adm1 = "11111111";
    p.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    p.aka.key_len = 16;
    p.aka.opc_len = 16;
    for (size_t i = 0; i < 16; i++) {
        p.aka.key[i] = (uint8_t)i;
        p.aka.opc[i] = (uint8_t)(0x11 * (i % 16));
    }
    return p;
}

static uint8_t *build(const saip_build_params *params, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(saip_build(params, &out, len), AW_OK);
    return out;
}

/* A package made of the elements of p, with element `index` replaced by
 * repl (removed if repl is NULL), or repl inserted before `index` when
 * insert is true. */
static uint8_t *edit_package(const saip_profile *p, size_t index, const uint8_t *repl, size_t repl_len,
                             bool insert, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    size_t count = saip_profile_element_count(p);
    for (size_t i = 0; i <= count; i++) {
        if (i == index && repl != NULL)
            der_put_raw(&b, repl, repl_len);
        if (i == count)
            break;
        saip_element_info e;
        assert_int_equal(saip_profile_element(p, i, &e), AW_OK);
        if (i != index || insert)
            der_put_raw(&b, e.der.ptr, e.der.len);
    }
    uint8_t *out;
    assert_int_equal(der_builder_finish(&b, &out, out_len), AW_OK);
    return out;
}

static size_t find_type(const saip_profile *p, saip_pe_type type)
{
    for (size_t i = 0; i < saip_profile_element_count(p); i++) {
        saip_element_info e;
        assert_int_equal(saip_profile_element(p, i, &e), AW_OK);
        if (e.type == type)
            return i;
    }
    fail_msg("no element of type %d", (int)type);
    return 0;
}

static bool contains(const uint8_t *buf, size_t len, const uint8_t *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return true;
    return false;
}

static aw_err parse_hex(const char *hex)
{
    size_t len;
    uint8_t *buf = test_hex(hex, &len);
    saip_profile *p = NULL;
    aw_err err = saip_profile_parse(buf, len, &p);
    assert_true(err != AW_OK || p != NULL);
    saip_profile_free(p);
    free(buf);
    return err;
}

/* ---- Builder ---------------------------------------------------------- */

static void test_build_round_trip_and_fields(void **state)
{
    (void)state;
    saip_build_params params = base_params();
    size_t len, out_len;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len);
    uint8_t *out = saip_test_encode(p, &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, buf, len);

    static const saip_pe_type order[] = {
        SAIP_PE_HEADER, SAIP_PE_MF, SAIP_PE_PUK_CODES, SAIP_PE_PIN_CODES, SAIP_PE_TELECOM,
        SAIP_PE_USIM, SAIP_PE_OPT_USIM, SAIP_PE_PIN_CODES, SAIP_PE_AKA_PARAMETER, SAIP_PE_END,
    };
    assert_int_equal(saip_profile_element_count(p), sizeof(order) / sizeof(order[0]));
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        saip_element_info e;
        assert_int_equal(saip_profile_element(p, i, &e), AW_OK);
        assert_int_equal(e.type, order[i]);
        assert_int_equal(e.has_identification, i != 0);
        if (i != 0) {
            assert_int_equal(e.identification, i);
            assert_true(e.mandated);
        }
    }
    unsigned major, minor;
    assert_int_equal(saip_get_version(p, &major, &minor), AW_OK);
    assert_int_equal(major, 2);
    assert_int_equal(minor, 3);

    char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT], msisdn[SAIP_MSISDN_TEXT];
    assert_int_equal(saip_get_iccid(p, iccid), AW_OK);
    assert_string_equal(iccid, params.iccid);
    assert_int_equal(saip_get_imsi(p, imsi), AW_OK);
    assert_string_equal(imsi, params.imsi);
    assert_int_equal(saip_get_msisdn(p, msisdn), AW_OK);
    assert_string_equal(msisdn, params.msisdn);
    saip_aka aka;
    assert_int_equal(saip_get_aka(p, &aka), AW_OK);
    assert_int_equal(aka.algorithm, SAIP_ALGORITHM_MILENAGE);
    assert_int_equal(aka.key_len, 16);
    assert_memory_equal(aka.key, params.aka.key, 16);
    assert_memory_equal(aka.opc, params.aka.opc, 16);
    saip_aka_cleanse(&aka);

    /* independent decoding of the same bytes */
    assert_string_equal(saip_test_crosscheck(buf, len, "iccid"), params.iccid);
    assert_string_equal(saip_test_crosscheck(buf, len, "ef_iccid"), params.iccid);
    assert_string_equal(saip_test_crosscheck(buf, len, "imsi"), params.imsi);
    assert_string_equal(saip_test_crosscheck(buf, len, "msisdn"), params.msisdn);
    assert_string_equal(saip_test_crosscheck(buf, len, "algorithm"), "1");
    assert_string_equal(saip_test_crosscheck(buf, len, "ki"), ki_hex);
    assert_string_equal(saip_test_crosscheck(buf, len, "opc"), "00112233445566778899AABBCCDDEEFF");

    /* header: version 2.3, services usim + milenage, the four templates */
    static const uint8_t services[] = {0xA5, 0x04, 0x81, 0x00, 0x84, 0x00};
    assert_true(contains(buf, len, services, sizeof(services)));
    static const uint8_t pin1[] = {0x81, 0x08, '1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF};
    assert_true(contains(buf, len, pin1, sizeof(pin1)));
    /* EF.ACC: access class 3 from the last IMSI digit (byte 2, bit 4) */
    static const uint8_t acc[] = {0x83, 0x02, 0x00, 0x08};
    assert_true(contains(buf, len, acc, sizeof(acc)));
    free(out);
    saip_profile_free(p);
    der_bytes_free(buf, len);
}

static void test_build_variants(void **state)
{
    (void)state;
    saip_build_params params = base_params();
    params.msisdn = NULL;
    params.spn = NULL;
    params.mnc_length = 3;
    params.adm1 = "0102030405060708"; /* raw ADM key */
    params.profile_type = "test profile";
    params.aka.algorithm = SAIP_ALGORITHM_TUAK;
    params.aka.key_len = 32;
    params.aka.opc_len = 32;
    memset(params.aka.key, 0x5A, 32);
    memset(params.aka.opc, 0xA5, 32);
    size_t len;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len);
    char msisdn[SAIP_MSISDN_TEXT];
    assert_int_equal(saip_get_msisdn(p, msisdn), AW_ERR_NOT_FOUND);
    assert_int_equal(saip_set_msisdn(p, "123"), AW_ERR_NOT_FOUND); /* no EF.MSISDN */
    saip_aka aka;
    assert_int_equal(saip_get_aka(p, &aka), AW_OK);
    assert_int_equal(aka.algorithm, SAIP_ALGORITHM_TUAK);
    assert_int_equal(aka.key_len, 32);
    assert_int_equal(aka.opc_len, 32);
    saip_aka_cleanse(&aka);
    static const uint8_t services[] = {0xA5, 0x04, 0x81, 0x00, 0x90, 0x00}; /* tuak256 */
    assert_true(contains(buf, len, services, sizeof(services)));
    static const uint8_t ad[] = {0x83, 0x04, 0x00, 0x00, 0x00, 0x03};
    assert_true(contains(buf, len, ad, sizeof(ad)));
    static const uint8_t adm[] = {0x81, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_true(contains(buf, len, adm, sizeof(adm)));
    assert_true(contains(buf, len, (const uint8_t *)"test profile", 12));
    assert_string_equal(saip_test_crosscheck(buf, len, "msisdn"), "");
    saip_profile_free(p);
    der_bytes_free(buf, len);

    /* test algorithm, even-length IMSI, national MSISDN */
    params = base_params();
    params.aka.algorithm = SAIP_ALGORITHM_TEST;
    params.imsi = "26201123456789";
    params.msisdn = "01701234567";
    buf = build(&params, &len);
    p = saip_test_parse(buf, len);
    char imsi[SAIP_IMSI_TEXT];
    assert_int_equal(saip_get_imsi(p, imsi), AW_OK);
    assert_string_equal(imsi, params.imsi);
    assert_int_equal(saip_get_msisdn(p, msisdn), AW_OK);
    assert_string_equal(msisdn, params.msisdn);
    assert_string_equal(saip_test_crosscheck(buf, len, "imsi"), params.imsi);
    assert_string_equal(saip_test_crosscheck(buf, len, "algorithm"), "3");
    saip_profile_free(p);
    der_bytes_free(buf, len);
}

static void test_build_rejects_bad_parameters(void **state)
{
    (void)state;
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    struct {
        saip_build_params params;
        aw_err want;
    } cases[24];
    size_t n = 0;
#define CASE(field, value, err)                                                                    \
    do {                                                                                           \
        cases[n].params = base_params();                                                           \
        cases[n].params.field = value;                                                             \
        cases[n++].want = err;                                                                     \
    } while (0)
    CASE(iccid, NULL, AW_ERR_ARGUMENT);
    CASE(iccid, "898821100000001234", AW_ERR_SAIP_ICCID);   /* 18 digits */
    CASE(iccid, "8988211000000012347a", AW_ERR_SAIP_ICCID); /* not a digit */
    CASE(imsi, "00101", AW_ERR_SAIP_IMSI);
    CASE(imsi, "0010100000001234", AW_ERR_SAIP_IMSI);        /* 16 digits */
    CASE(msisdn, "+", AW_ERR_SAIP_MSISDN);
    CASE(msisdn, "1234567890123456", AW_ERR_SAIP_MSISDN);
    CASE(aka.key_len, 15, AW_ERR_SAIP_KEY_LENGTH);
    CASE(aka.algorithm, (saip_algorithm)9, AW_ERR_SAIP_ALGORITHM);
    CASE(pin1, "123", AW_ERR_SAIP_VALUE);
    CASE(pin2, "12x4", AW_ERR_SAIP_VALUE);
    CASE(puk1, "1234567", AW_ERR_SAIP_VALUE);
    CASE(puk2, NULL, AW_ERR_ARGUMENT);
    CASE(adm1, "abcdefgh", AW_ERR_SAIP_VALUE);
    CASE(adm1, NULL, AW_ERR_ARGUMENT);
    CASE(mnc_length, 4, AW_ERR_SAIP_VALUE);
    CASE(spn, "bad_name", AW_ERR_SAIP_VALUE);
    CASE(spn, "seventeen charsXX", AW_ERR_SAIP_VALUE);
    CASE(profile_type, "", AW_ERR_SAIP_VALUE);
    CASE(profile_type, "tab\there", AW_ERR_SAIP_VALUE);
#undef CASE
    for (size_t i = 0; i < n; i++) {
        aw_err err = saip_build(&cases[i].params, &out, &len);
        if (err != cases[i].want)
            fail_msg("case %zu: got %s, want %s", i, aw_err_name(err), aw_err_name(cases[i].want));
        assert_null(out);
        assert_int_equal(len, 0);
    }
    assert_int_equal(saip_build(NULL, &out, &len), AW_ERR_ARGUMENT);
    saip_build_params tuak = base_params();
    tuak.aka.algorithm = SAIP_ALGORITHM_TUAK; /* TOPc must be 32 bytes */
    assert_int_equal(saip_build(&tuak, &out, &len), AW_ERR_SAIP_KEY_LENGTH);
}

/* ---- Setters ---------------------------------------------------------- */

static void test_setters_reject_bad_values_and_keep_profile(void **state)
{
    (void)state;
    saip_build_params params = base_params();
    size_t len, out_len;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len);
    assert_int_equal(saip_set_iccid(p, "123"), AW_ERR_SAIP_ICCID);
    assert_int_equal(saip_set_iccid(p, "89882110000000123ab"), AW_ERR_SAIP_ICCID);
    assert_int_equal(saip_set_iccid(p, NULL), AW_ERR_SAIP_ICCID);
    assert_int_equal(saip_set_imsi(p, "12345"), AW_ERR_SAIP_IMSI);
    assert_int_equal(saip_set_imsi(p, "1234567890123456"), AW_ERR_SAIP_IMSI);
    assert_int_equal(saip_set_msisdn(p, "+"), AW_ERR_SAIP_MSISDN);
    assert_int_equal(saip_set_msisdn(p, "12a"), AW_ERR_SAIP_MSISDN);
    assert_int_equal(saip_set_msisdn(p, "++123"), AW_ERR_SAIP_MSISDN);
    assert_int_equal(saip_set_msisdn(p, NULL), AW_ERR_SAIP_MSISDN);
    saip_aka aka = params.aka;
    aka.key_len = 17;
    assert_int_equal(saip_set_aka(p, &aka), AW_ERR_SAIP_KEY_LENGTH);
    aka = params.aka;
    aka.algorithm = SAIP_ALGORITHM_TUAK; /* 16-byte TOPc */
    assert_int_equal(saip_set_aka(p, &aka), AW_ERR_SAIP_KEY_LENGTH);
    aka.algorithm = (saip_algorithm)0;
    assert_int_equal(saip_set_aka(p, &aka), AW_ERR_SAIP_ALGORITHM);
    assert_int_equal(saip_set_aka(p, NULL), AW_ERR_ARGUMENT);
    uint8_t *out = saip_test_encode(p, &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, buf, len);
    free(out);

    /* good values round-trip; TUAK with a 128-bit key adds tuak128 */
    assert_int_equal(saip_set_iccid(p, "89882110000000123456"), AW_OK);
    char iccid[SAIP_ICCID_TEXT];
    assert_int_equal(saip_get_iccid(p, iccid), AW_OK);
    assert_string_equal(iccid, "89882110000000123456");
    aka = params.aka;
    aka.algorithm = SAIP_ALGORITHM_TUAK;
    aka.opc_len = 32;
    memset(aka.opc, 0x77, 32);
    assert_int_equal(saip_set_aka(p, &aka), AW_OK);
    saip_aka got;
    assert_int_equal(saip_get_aka(p, &got), AW_OK);
    assert_int_equal(got.algorithm, SAIP_ALGORITHM_TUAK);
    assert_int_equal(got.opc_len, 32);
    assert_memory_equal(got.opc, aka.opc, 32);
    saip_aka_cleanse(&got);
    assert_int_equal(got.key_len, 0);
    out = saip_test_encode(p, &out_len);
    static const uint8_t services[] = {0xA5, 0x06, 0x81, 0x00, 0x84, 0x00, 0x85, 0x00};
    assert_true(contains(out, out_len, services, sizeof(services)));
    saip_profile *again = saip_test_parse(out, out_len);
    saip_profile_free(again);
    free(out);
    saip_profile_free(p);
    der_bytes_free(buf, len);
}

static void test_check_helpers(void **state)
{
    (void)state;
    assert_true(saip_iccid_luhn_ok("8988211000000012347"));
    assert_false(saip_iccid_luhn_ok("8988211000000012348"));
    assert_false(saip_iccid_luhn_ok("123"));
    /* 20 digits: the 20th checks the 19 before it (E.118 4.2) */
    assert_true(saip_iccid_luhn_ok("89882110000000123457"));
    assert_false(saip_iccid_luhn_ok("89882110000000123450"));
    assert_int_equal(saip_check_iccid("89882110000000123456"), AW_OK);
    assert_int_equal(saip_check_imsi("001010"), AW_OK);
    assert_int_equal(saip_check_msisdn("+123456789012345"), AW_OK);
    assert_int_equal(saip_check_msisdn("+1234567890123456"), AW_ERR_SAIP_MSISDN);
    assert_string_equal(saip_pe_type_name(SAIP_PE_OPT_USIM), "opt-usim");
    assert_string_equal(saip_pe_type_name(SAIP_PE_OPT_IOT), "opt-iot");
    assert_string_equal(saip_pe_type_name((saip_pe_type)12), "rfu");
    assert_string_equal(saip_pe_type_name(SAIP_PE_TYPE_COUNT), "rfu");
    saip_aka aka;
    memset(&aka, 0x5A, sizeof(aka));
    saip_aka_cleanse(&aka);
    const uint8_t zero[sizeof(aka)] = {0};
    assert_memory_equal(&aka, zero, sizeof(aka));
    saip_aka_cleanse(NULL);
    saip_profile_free(NULL);
    assert_int_equal(saip_profile_element_count(NULL), 0);
}

/* ---- EF content given as fill pieces ----------------------------------- */

/* A package whose usim element has ef-imsi = the given File entries. */
static uint8_t *package_with_imsi_file(const char *file_hex, size_t *out_len)
{
    saip_build_params params = base_params();
    size_t len, file_len;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len);
    uint8_t *file = test_hex(file_hex, &file_len);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xB3);
    uint8_t *head;
    size_t head_len;
    head = test_hex("A0058000810105" "810667810F010204" "A200", &head_len);
    der_put_raw(&b, head, head_len);
    der_builder_begin(&b, 0xA3);
    der_put_raw(&b, file, file_len);
    der_builder_end(&b);
    uint8_t *tail;
    size_t tail_len;
    tail = test_hex("A400" "A800" "AD00" "AE00" "B200" "B600", &tail_len);
    der_put_raw(&b, tail, tail_len);
    der_builder_end(&b);
    uint8_t *usim;
    size_t usim_len;
    assert_int_equal(der_builder_finish(&b, &usim, &usim_len), AW_OK);
    uint8_t *out = edit_package(p, find_type(p, SAIP_PE_USIM), usim, usim_len, false, out_len);
    free(usim);
    free(head);
    free(tail);
    free(file);
    saip_profile_free(p);
    der_bytes_free(buf, len);
    return out;
}

/* Set the IMSI in a package built around file_hex, and require the usim
 * element to carry exactly want_file_hex as its ef-imsi afterwards. */
static void check_imsi_rewrite(const char *file_hex, const char *want_file_hex, bool same_length)
{
    size_t len, out_len, want_len;
    uint8_t *buf = package_with_imsi_file(file_hex, &len);
    saip_profile *p = saip_test_parse(buf, len);
    assert_int_equal(saip_set_imsi(p, "310410123456789"), AW_OK);
    char imsi[SAIP_IMSI_TEXT];
    assert_int_equal(saip_get_imsi(p, imsi), AW_OK);
    assert_string_equal(imsi, "310410123456789");
    uint8_t *out = saip_test_encode(p, &out_len);
    if (same_length)
        assert_int_equal(out_len, len);
    uint8_t *want = test_hex(want_file_hex, &want_len);
    if (!contains(out, out_len, want, want_len))
        fail_msg("ef-imsi not rewritten as %s", want_file_hex);
    assert_string_equal(saip_test_crosscheck(out, out_len, "imsi"), "310410123456789");
    free(want);
    free(out);
    saip_profile_free(p);
    free(buf);
}

static void test_imsi_over_fill_pieces(void **state)
{
    (void)state;
    /* whole content in one piece: patched in place */
    check_imsi_rewrite("A100" "8309" "080910101032540636", "A30DA100" "8309" "083901141032547698", true);
    /* split over two pieces: both patched, pieces kept */
    check_imsi_rewrite("A100" "8304" "08091010" "8305" "1032540636",
                       "A30FA100" "8304" "08390114" "8305" "1032547698", true);
    /* a gap before the content: pieces merged into one */
    check_imsi_rewrite("A100" "820103" "8306" "1032540636FF", "A30DA100" "8309" "083901141032547698",
                       false);
    /* no content at all (template default): one piece added */
    check_imsi_rewrite("A100", "A30DA100" "8309" "083901141032547698", false);
    /* content past the IMSI is kept */
    check_imsi_rewrite("A100" "8302" "0809" "82010A" "8302" "AABB",
                       "A314" "A100" "8309" "083901141032547698" "820103" "8302" "AABB", false);
    /* a doNotCreate file is not written */
    size_t len;
    uint8_t *buf = package_with_imsi_file("8000", &len);
    saip_profile *p = saip_test_parse(buf, len);
    assert_int_equal(saip_set_imsi(p, "001010"), AW_ERR_SAIP_FIELD);
    saip_profile_free(p);
    free(buf);
}

static void test_imsi_field_errors(void **state)
{
    (void)state;
    static const struct { const char *file; } bad[] = {
        {"A100"},                                   /* no content: reads as FF */
        {"A100" "8309" "080A10101032540636"},       /* identity type 010, not IMSI */
        {"A100" "8309" "080110101032540636"},       /* even count, last nibble not F */
        {"A100" "8309" "0809101010325406A6"},       /* not a digit */
        {"A100" "8309" "0209FFFFFFFFFFFFFF"},       /* too short: 3 digits */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len;
        uint8_t *buf = package_with_imsi_file(bad[i].file, &len);
        saip_profile *p = saip_test_parse(buf, len);
        char imsi[SAIP_IMSI_TEXT];
        if (saip_get_imsi(p, imsi) != AW_ERR_SAIP_FIELD)
            fail_msg("case %zu accepted", i);
        saip_profile_free(p);
        free(buf);
    }
}

static void test_file_content_access(void **state)
{
    (void)state;
    saip_build_params params = base_params();
    size_t len, n;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len);
    uint8_t content[256];
    /* EF.DIR: one USIM application template */
    assert_int_equal(saip_get_file_content(p, SAIP_PE_MF, 5, content, sizeof(content), &n), AW_OK);
    assert_int_equal(n, 22);
    test_assert_hex(content, 4, "61144F0C");
    /* EF.ARR: four 32-byte records given as content + offset pieces */
    assert_int_equal(saip_get_file_content(p, SAIP_PE_MF, 6, content, sizeof(content), &n), AW_OK);
    assert_int_equal(n, 3 * 32 + 22);
    test_assert_hex(content, 3, "80017F");
    assert_int_equal(content[11], 0xFF); /* skipped by fillFileOffset */
    assert_int_equal(content[31], 0xFF);
    test_assert_hex(content + 32, 5, "8001019000");
    assert_int_equal(saip_get_file_content(p, SAIP_PE_MF, 6, content, 100, &n), AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 0);
    /* EF.ECC has a descriptor only */
    assert_int_equal(saip_get_file_content(p, SAIP_PE_USIM, 22, content, sizeof(content), &n), AW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(saip_get_file_content(p, SAIP_PE_ISIM, 3, content, sizeof(content), &n),
                     AW_ERR_NOT_FOUND);
    saip_profile_free(p);
    der_bytes_free(buf, len);

    /* offsets adding up past 1 MiB */
    char file_hex[17 * 10 + 16];
    strcpy(file_hex, "A100");
    for (size_t i = 0; i < 17; i++)
        strcat(file_hex, "820300FFFF");
    strcat(file_hex, "8301AA");
    buf = package_with_imsi_file(file_hex, &len);
    p = saip_test_parse(buf, len);
    assert_int_equal(saip_get_file_content(p, SAIP_PE_USIM, 3, content, sizeof(content), &n), AW_ERR_LIMIT);
    assert_int_equal(saip_set_imsi(p, "001010"), AW_ERR_LIMIT);
    saip_profile_free(p);
    free(buf);
}

/* ---- Malformed packages ------------------------------------------------ */

static void test_malformed_packages(void **state)
{
    (void)state;
    saip_build_params params = base_params();
    size_t len, n;
    uint8_t *buf = build(&params, &len);
    saip_profile *p = saip_test_parse(buf, len), *q = (saip_profile *)1;
    size_t count = saip_profile_element_count(p);
    uint8_t *bad;

    assert_int_equal(saip_profile_parse(buf, 0, &q), AW_ERR_SAIP_HEADER);
    assert_null(q);
    assert_int_equal(saip_profile_parse(NULL, 5, &q), AW_ERR_ARGUMENT);
    assert_int_equal(saip_profile_parse(buf, len - 1, &q), AW_ERR_DER_TRUNCATED);

    static const uint8_t unknown[] = {0xBF, 0x22, 0x00}, primitive[] = {0x8A, 0x00};
    bad = edit_package(p, 1, unknown, sizeof(unknown), true, &n);
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_UNKNOWN_ELEMENT);
    free(bad);
    bad = edit_package(p, 1, primitive, sizeof(primitive), true, &n);
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_UNKNOWN_ELEMENT);
    free(bad);

    saip_element_info header, mf, end;
    assert_int_equal(saip_profile_element(p, 0, &header), AW_OK);
    assert_int_equal(saip_profile_element(p, 1, &mf), AW_OK);
    assert_int_equal(saip_profile_element(p, count - 1, &end), AW_OK);
    bad = edit_package(p, 0, mf.der.ptr, mf.der.len, true, &n); /* mf before header */
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_HEADER);
    free(bad);
    bad = edit_package(p, 2, header.der.ptr, header.der.len, true, &n); /* two headers */
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_HEADER);
    free(bad);
    bad = edit_package(p, count - 1, NULL, 0, false, &n); /* no end */
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_END);
    free(bad);
    bad = edit_package(p, count, mf.der.ptr, mf.der.len, true, &n); /* mf after end */
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_END);
    free(bad);
    static const uint8_t bare_end[] = {0xAA, 0x00}; /* PE-End without PEHeader */
    bad = edit_package(p, count - 1, bare_end, sizeof(bare_end), false, &n);
    assert_int_equal(saip_profile_parse(bad, n, &q), AW_ERR_SAIP_FORMAT);
    free(bad);
    assert_null(q);

    /* header: nine-byte iccid */
    assert_int_equal(parse_hex("A0158001028101038309898821100000001234A500A600"
                               "AA07A005800081010A"), AW_ERR_SAIP_HEADER);
    /* header: services out of order */
    assert_int_equal(parse_hex("A018800102810103830A8988211000000012347FA5048400" "8100A600"
                               "AA07A005800081010A"), AW_ERR_SAIP_HEADER);
    /* indefinite length */
    assert_int_equal(parse_hex("A080800102810103830A8988211000000012347FA500A6000000"),
                     AW_ERR_DER_INDEFINITE);
    /* usim without its mandatory ef-ecc [22] */
    const char *hdr = "A016800102810103830A8988211000000012347FA500A600";
    char hex[1024];
    snprintf(hex, sizeof(hex), "%sB31DA0058000810105810667810F010204A200A300A400A800AD00AE00B200"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* files out of order: [4] before [3] */
    snprintf(hex, sizeof(hex), "%sB31FA0058000810105810667810F010204A200A400A300A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* the same usim in order is fine */
    snprintf(hex, sizeof(hex), "%sB31FA0058000810105810667810F010204A200A300A400A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_OK);
    /* a File entry that is not a File CHOICE alternative */
    snprintf(hex, sizeof(hex), "%sB321A0058000810105810667810F010204A200A3028400A400A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* File rules: fileDescriptor first and once, doNotCreate alone */
    snprintf(hex, sizeof(hex), "%sB324A0058000810105810667810F010204A200A3058301AAA100A400A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    snprintf(hex, sizeof(hex), "%sB323A0058000810105810667810F010204A200A304A100A100A400A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    snprintf(hex, sizeof(hex), "%sB323A0058000810105810667810F010204A200A3048000A100A400A800AD00AE00B200B600"
             "AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* genericFileManagement: valid, empty command list, unknown command */
    snprintf(hex, sizeof(hex), "%sA118A0058000810102A10F300D80023F0062000201058102AABBAA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_OK);
    snprintf(hex, sizeof(hex), "%sA109A0058000810102A100AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    snprintf(hex, sizeof(hex), "%sA10EA0058000810102A1053003830101AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* akaParameter: key missing */
    snprintf(hex, sizeof(hex), "%sA413A0058000810105A10AA1088001018101008300AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* pukCodes: eight-byte value required */
    snprintf(hex, sizeof(hex), "%sA313A0058000810102A10A30088001018103313233AA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);
    /* pinCodes: PEHeader identification out of UInt15 range */
    snprintf(hex, sizeof(hex), "%s" "A21CA00780008103010000A111A00F300D800101810831323334FFFFFFFFAA07A005800081010A", hdr);
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_FORMAT);

    /* sequence rules */
    const char *usim = "B31FA0058000810105810667810F010204A200A300A400A800AD00AE00B200B600";
    const char *opt_usim = "B40FA0058000810106810667810F010205";
    snprintf(hex, sizeof(hex), "%s%s%sAA07A0058000810105", hdr, usim, opt_usim); /* id 5 twice */
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_SEQUENCE);
    snprintf(hex, sizeof(hex), "%s%s%sAA07A005800081010A", hdr, usim, usim); /* two usim */
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_SEQUENCE);
    snprintf(hex, sizeof(hex), "%s%s%sAA07A005800081010A", hdr, opt_usim, usim); /* opt-usim first */
    assert_int_equal(parse_hex(hex), AW_ERR_SAIP_SEQUENCE);
    snprintf(hex, sizeof(hex), "%s%s%sAA07A005800081010A", hdr, usim, opt_usim);
    assert_int_equal(parse_hex(hex), AW_OK);
    /* the header makes the USIM mandatory but there is no usim */
    assert_int_equal(parse_hex("A018800102810103830A8988211000000012347FA5028100A600"
                               "AA07A005800081010A"), AW_ERR_SAIP_SEQUENCE);

    /* more elements than SAIP_MAX_ELEMENTS (rfu PE-Dummy elements) */
    size_t many = SAIP_MAX_ELEMENTS + 1;
    size_t big_len = header.der.len + 2 * many + end.der.len;
    uint8_t *big = malloc(big_len);
    assert_non_null(big);
    memcpy(big, header.der.ptr, header.der.len);
    for (size_t i = 0; i < many; i++) {
        big[header.der.len + 2 * i] = 0xAB;
        big[header.der.len + 2 * i + 1] = 0x00;
    }
    memcpy(big + header.der.len + 2 * many, end.der.ptr, end.der.len);
    assert_int_equal(saip_profile_parse(big, big_len, &q), AW_ERR_LIMIT);
    free(big);

    saip_profile_free(p);
    der_bytes_free(buf, len);
}

static void test_field_errors(void **state)
{
    (void)state;
    const char *end = "AA07A005800081010A";
    char hex[1024];
    saip_profile *p;
    char text[32];
    size_t len;
    uint8_t *buf;

    /* header ICCID with a non-digit nibble, no mf */
    snprintf(hex, sizeof(hex), "A016800102810103830A8988211000000012A47FA500A600%s", end);
    buf = test_hex(hex, &len);
    p = saip_test_parse(buf, len);
    assert_int_equal(saip_get_iccid(p, text), AW_ERR_SAIP_FIELD);
    assert_int_equal(saip_get_imsi(p, text), AW_ERR_SAIP_FIELD);    /* no usim */
    assert_int_equal(saip_set_imsi(p, "001010"), AW_ERR_SAIP_FIELD);
    assert_int_equal(saip_get_msisdn(p, text), AW_ERR_NOT_FOUND);
    saip_aka aka;
    assert_int_equal(saip_get_aka(p, &aka), AW_ERR_NOT_FOUND);
    saip_build_params params = base_params();
    assert_int_equal(saip_set_aka(p, &params.aka), AW_ERR_NOT_FOUND);
    /* without EF.ICCID only the header is set */
    assert_int_equal(saip_set_iccid(p, "8988211000000012347"), AW_OK);
    assert_int_equal(saip_get_iccid(p, text), AW_OK);
    saip_profile_free(p);
    free(buf);

    /* akaParameter with algorithmID 7 */
    snprintf(hex, sizeof(hex), "A016800102810103830A8988211000000012347FA500A600"
             "A419A0058000810101A110A10E8001078101008202AABB83020000%s", end);
    buf = test_hex(hex, &len);
    p = saip_test_parse(buf, len);
    assert_int_equal(saip_get_aka(p, &aka), AW_ERR_SAIP_ALGORITHM);
    saip_profile_free(p);
    free(buf);

    /* akaParameter with a mappingParameter only */
    snprintf(hex, sizeof(hex), "A016800102810103830A8988211000000012347FA500A600"
             "A415A0058000810101A10CA00A8001018105A000000087%s", end);
    buf = test_hex(hex, &len);
    p = saip_test_parse(buf, len);
    assert_int_equal(saip_get_aka(p, &aka), AW_ERR_NOT_FOUND);
    assert_int_equal(saip_set_aka(p, &params.aka), AW_ERR_NOT_FOUND);
    saip_profile_free(p);
    free(buf);

    /* EF.ICCID disagreeing with the header */
    size_t blen, n;
    uint8_t *built = build(&params, &blen);
    p = saip_test_parse(built, blen);
    size_t mf_index = find_type(p, SAIP_PE_MF);
    saip_element_info mf;
    assert_int_equal(saip_profile_element(p, mf_index, &mf), AW_OK);
    uint8_t *copy = malloc(mf.der.len);
    assert_non_null(copy);
    memcpy(copy, mf.der.ptr, mf.der.len);
    static const uint8_t ef_iccid[] = {0x83, 0x0A, 0x98, 0x88};
    bool patched = false;
    for (size_t i = 0; i + sizeof(ef_iccid) <= mf.der.len; i++) {
        if (memcmp(copy + i, ef_iccid, sizeof(ef_iccid)) == 0) {
            copy[i + 2] = 0x99;
            patched = true;
        }
    }
    assert_true(patched);
    uint8_t *edited = edit_package(p, mf_index, copy, mf.der.len, false, &n);
    saip_profile *q = saip_test_parse(edited, n);
    assert_int_equal(saip_get_iccid(q, text), AW_ERR_SAIP_FIELD);
    saip_profile_free(q);
    free(edited);
    free(copy);
    saip_profile_free(p);
    der_bytes_free(built, blen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_round_trip_and_fields),
        cmocka_unit_test(test_build_variants),
        cmocka_unit_test(test_build_rejects_bad_parameters),
        cmocka_unit_test(test_setters_reject_bad_values_and_keep_profile),
        cmocka_unit_test(test_check_helpers),
        cmocka_unit_test(test_imsi_over_fill_pieces),
        cmocka_unit_test(test_imsi_field_errors),
        cmocka_unit_test(test_file_content_access),
        cmocka_unit_test(test_malformed_packages),
        cmocka_unit_test(test_field_errors),
    };
    return cmocka_run_group_tests_name("saip", tests, NULL, NULL);
}
