/* SAIP parser and personalisation against the four GSMA TS.48 generic test
 * profiles (read in place from $AW_SHARED_SPEC/ts48-upp, never copied).
 * Expected field values come from tests/saip_crosscheck.py, an independent
 * Python walk of the DER, run on the same bytes. */
#include "saip_testutil.h"

#include <openssl/crypto.h>

static const char *const profiles[] = {
    "TS48V1-A-UNIQUE.der",
    "TS48V2-SAIP2-1-BERTLV-UNIQUE.der",
    "TS48V4-SAIP2-3-BERTLV-UNIQUE.der",
    "TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der",
};
#define PROFILE_COUNT (sizeof(profiles) / sizeof(profiles[0]))

static uint8_t *load(size_t index, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/ts48-upp/%s", test_spec_dir(), profiles[index]);
    uint8_t *buf = test_read_file(path, len);
    if (buf == NULL)
        fail_msg("cannot read %s", path);
    return buf;
}

/* Mark as allowed the value bytes of every occurrence of TLV tag|len|value
 * in buf. Returns the number of occurrences. */
static size_t allow_tlv(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t *value,
                        size_t value_len, bool *allowed)
{
    size_t count = 0;
    for (size_t i = 0; i + 2 + value_len <= len; i++) {
        if (buf[i] == tag && buf[i + 1] == value_len && memcmp(buf + i + 2, value, value_len) == 0) {
            for (size_t k = 0; k < value_len; k++)
                allowed[i + 2 + k] = true;
            count++;
        }
    }
    return count;
}

/* Same length, and every differing byte is an allowed one. */
static void assert_changes_within(const uint8_t *a, const uint8_t *b, size_t len, const bool *allowed)
{
    size_t changed = 0;
    for (size_t i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            if (!allowed[i])
                fail_msg("byte %zu changed outside the field (%02X -> %02X)", i, a[i], b[i]);
            changed++;
        }
    }
    assert_true(changed > 0);
}

static void test_round_trip_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        size_t len, out_len;
        uint8_t *buf = load(i, &len);
        saip_profile *p = saip_test_parse(buf, len);
        uint8_t *out = saip_test_encode(p, &out_len);
        assert_int_equal(out_len, len);
        assert_memory_equal(out, buf, len);
        /* element count and first/last element as the Python walk sees them */
        size_t count = saip_profile_element_count(p);
        char expect[32];
        snprintf(expect, sizeof(expect), "%zu", count);
        assert_string_equal(saip_test_crosscheck(buf, len, "elements"), expect);
        saip_element_info info;
        assert_int_equal(saip_profile_element(p, 0, &info), AW_OK);
        assert_int_equal(info.type, SAIP_PE_HEADER);
        assert_false(info.has_identification);
        assert_int_equal(saip_profile_element(p, count - 1, &info), AW_OK);
        assert_int_equal(info.type, SAIP_PE_END);
        assert_true(info.has_identification);
        assert_int_equal(saip_profile_element(p, count, &info), AW_ERR_NOT_FOUND);
        unsigned major, minor;
        assert_int_equal(saip_get_version(p, &major, &minor), AW_OK);
        assert_int_equal(major, 2);
        free(out);
        saip_profile_free(p);
        free(buf);
    }
}

static void test_fields_match_independent_decoding(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        size_t len;
        uint8_t *buf = load(i, &len);
        saip_profile *p = saip_test_parse(buf, len);
        char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT], msisdn[SAIP_MSISDN_TEXT];
        assert_int_equal(saip_get_iccid(p, iccid), AW_OK);
        assert_string_equal(iccid, saip_test_crosscheck(buf, len, "iccid"));
        assert_string_equal(iccid, saip_test_crosscheck(buf, len, "ef_iccid"));
        assert_true(saip_iccid_luhn_ok(iccid));
        assert_int_equal(saip_get_imsi(p, imsi), AW_OK);
        assert_string_equal(imsi, saip_test_crosscheck(buf, len, "imsi"));
        /* the TS.48 profiles carry EF.MSISDN without a number */
        assert_int_equal(saip_get_msisdn(p, msisdn), AW_ERR_NOT_FOUND);
        assert_string_equal(saip_test_crosscheck(buf, len, "msisdn"), "");
        saip_aka aka;
        char hex[2 * SAIP_AKA_KEY_MAX + 1], want[16];
        assert_int_equal(saip_get_aka(p, &aka), AW_OK);
        snprintf(want, sizeof(want), "%d", (int)aka.algorithm);
        assert_string_equal(want, saip_test_crosscheck(buf, len, "algorithm"));
        saip_test_hex_upper(aka.key, aka.key_len, hex);
        assert_string_equal(hex, saip_test_crosscheck(buf, len, "ki"));
        saip_test_hex_upper(aka.opc, aka.opc_len, hex);
        assert_string_equal(hex, saip_test_crosscheck(buf, len, "opc"));
        saip_aka_cleanse(&aka);
        saip_profile_free(p);
        free(buf);
    }
}

static void test_set_iccid_changes_only_iccid(void **state)
{
    (void)state;
    const char *new_iccid = "8988211000000012347";
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        size_t len, out_len;
        uint8_t *buf = load(i, &len);
        saip_profile *p = saip_test_parse(buf, len);
        /* the old ICCID's header and EF.ICCID TLVs are the only places allowed to change */
        char old[SAIP_ICCID_TEXT];
        assert_int_equal(saip_get_iccid(p, old), AW_OK);
        bool *allowed = calloc(len, 1);
        assert_non_null(allowed);
        uint8_t hdr[10], ef[10];
        size_t n = strlen(old);
        for (size_t k = 0; k < 10; k++) {
            unsigned a = 2 * k < n ? (unsigned)(old[2 * k] - '0') : 0xF;
            unsigned b = 2 * k + 1 < n ? (unsigned)(old[2 * k + 1] - '0') : 0xF;
            hdr[k] = (uint8_t)(a << 4 | b);
            ef[k] = (uint8_t)(b << 4 | a);
        }
        assert_int_equal(allow_tlv(buf, len, 0x83, hdr, 10, allowed), 1);
        assert_int_equal(allow_tlv(buf, len, 0x83, ef, 10, allowed), 1);

        assert_int_equal(saip_set_iccid(p, new_iccid), AW_OK);
        char got[SAIP_ICCID_TEXT];
        assert_int_equal(saip_get_iccid(p, got), AW_OK);
        assert_string_equal(got, new_iccid);
        uint8_t *out = saip_test_encode(p, &out_len);
        assert_int_equal(out_len, len);
        assert_changes_within(buf, out, len, allowed);
        assert_string_equal(saip_test_crosscheck(out, out_len, "iccid"), new_iccid);
        assert_string_equal(saip_test_crosscheck(out, out_len, "ef_iccid"), new_iccid);
        free(out);
        free(allowed);
        saip_profile_free(p);
        free(buf);
    }
}

static void test_set_imsi_changes_only_imsi(void **state)
{
    (void)state;
    const char *values[] = {"310410123456789", "20801123456789", "001010"};
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            size_t len, out_len;
            uint8_t *buf = load(i, &len);
            saip_profile *p = saip_test_parse(buf, len);
            /* EF.IMSI content as given in the TS.48 profiles: 08 09 10 10 10 32 54 06 36 */
            static const uint8_t old_imsi[] = {0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x06, 0x36};
            bool *allowed = calloc(len, 1);
            assert_non_null(allowed);
            assert_int_equal(allow_tlv(buf, len, 0x83, old_imsi, sizeof(old_imsi), allowed), 1);
            assert_int_equal(saip_set_imsi(p, values[v]), AW_OK);
            char got[SAIP_IMSI_TEXT];
            assert_int_equal(saip_get_imsi(p, got), AW_OK);
            assert_string_equal(got, values[v]);
            uint8_t *out = saip_test_encode(p, &out_len);
            assert_int_equal(out_len, len);
            assert_changes_within(buf, out, len, allowed);
            assert_string_equal(saip_test_crosscheck(out, out_len, "imsi"), values[v]);
            free(out);
            free(allowed);
            saip_profile_free(p);
            free(buf);
        }
    }
}

static void test_set_aka_changes_only_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        size_t len, out_len;
        uint8_t *buf = load(i, &len);
        saip_profile *p = saip_test_parse(buf, len);
        saip_aka old, aka;
        assert_int_equal(saip_get_aka(p, &old), AW_OK);
        bool *allowed = calloc(len, 1);
        assert_non_null(allowed);
        /* both akaParameter PEs (USIM and ISIM) carry the same key and OPc */
        assert_int_equal(allow_tlv(buf, len, 0x82, old.key, old.key_len, allowed), 2);
        assert_int_equal(allow_tlv(buf, len, 0x83, old.opc, old.opc_len, allowed), 2);
        aka = old;
        for (size_t k = 0; k < 16; k++) {
            aka.key[k] = (uint8_t)(0xA0 + k);
            aka.opc[k] = (uint8_t)(0x50 + k);
        }
        assert_int_equal(saip_set_aka(p, &aka), AW_OK);
        saip_aka got;
        assert_int_equal(saip_get_aka(p, &got), AW_OK);
        assert_int_equal(got.algorithm, old.algorithm);
        assert_int_equal(got.key_len, 16);
        assert_memory_equal(got.key, aka.key, 16);
        assert_memory_equal(got.opc, aka.opc, 16);
        uint8_t *out = saip_test_encode(p, &out_len);
        assert_int_equal(out_len, len);
        assert_changes_within(buf, out, len, allowed);
        assert_string_equal(saip_test_crosscheck(out, out_len, "ki"), "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
        assert_string_equal(saip_test_crosscheck(out, out_len, "opc"), "505152535455565758595A5B5C5D5E5F");
        saip_aka_cleanse(&old);
        saip_aka_cleanse(&aka);
        saip_aka_cleanse(&got);
        free(out);
        free(allowed);
        saip_profile_free(p);
        free(buf);
    }
}

/* Elements equal one by one, except those of the given types. */
static void assert_elements_equal_except(const saip_profile *a, const saip_profile *b,
                                         saip_pe_type skip1, saip_pe_type skip2)
{
    size_t count = saip_profile_element_count(a);
    assert_int_equal(count, saip_profile_element_count(b));
    for (size_t i = 0; i < count; i++) {
        saip_element_info x, y;
        assert_int_equal(saip_profile_element(a, i, &x), AW_OK);
        assert_int_equal(saip_profile_element(b, i, &y), AW_OK);
        assert_int_equal(x.type, y.type);
        if (x.type == skip1 || x.type == skip2)
            continue;
        assert_int_equal(x.der.len, y.der.len);
        assert_memory_equal(x.der.ptr, y.der.ptr, x.der.len);
    }
}

static void test_switch_algorithm_to_milenage(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = load(0, &len);
    saip_profile *orig = saip_test_parse(buf, len);
    saip_profile *p = saip_test_parse(buf, len);
    saip_aka aka;
    memset(&aka, 0, sizeof(aka));
    aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    aka.key_len = aka.opc_len = 16;
    memset(aka.key, 0x11, 16);
    memset(aka.opc, 0x22, 16);
    assert_int_equal(saip_set_aka(p, &aka), AW_OK);
    saip_aka got;
    assert_int_equal(saip_get_aka(p, &got), AW_OK);
    assert_int_equal(got.algorithm, SAIP_ALGORITHM_MILENAGE);
    assert_int_equal(got.algorithm_options, 0);
    /* the header now requires Milenage (ServicesList milenage [4]) */
    saip_element_info h;
    assert_int_equal(saip_profile_element(p, 0, &h), AW_OK);
    static const uint8_t services_v1[] = {0xA5, 0x0C, 0x81, 0x00, 0x82, 0x00, 0x83, 0x00,
                                          0x84, 0x00, 0x8B, 0x00, 0x91, 0x00};
    bool found = false;
    for (size_t i = 0; i + sizeof(services_v1) <= h.der.len; i++)
        found |= memcmp(h.der.ptr + i, services_v1, sizeof(services_v1)) == 0;
    assert_true(found);
    assert_elements_equal_except(orig, p, SAIP_PE_HEADER, SAIP_PE_AKA_PARAMETER);
    size_t out_len;
    uint8_t *out = saip_test_encode(p, &out_len);
    assert_string_equal(saip_test_crosscheck(out, out_len, "algorithm"), "1");
    saip_profile *again = saip_test_parse(out, out_len);
    saip_profile_free(again);
    saip_aka_cleanse(&aka);
    saip_aka_cleanse(&got);
    free(out);
    saip_profile_free(p);
    saip_profile_free(orig);
    free(buf);
}

/* TS.48 EF.MSISDN has a descriptor and no content: the first set adds
 * fill pieces, a second set patches them in place. */
static void test_set_msisdn_into_empty_file(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        size_t len, out_len, out2_len;
        uint8_t *buf = load(i, &len);
        saip_profile *orig = saip_test_parse(buf, len);
        saip_profile *p = saip_test_parse(buf, len);
        char got[SAIP_MSISDN_TEXT];
        assert_int_equal(saip_set_msisdn(p, "+441234567890"), AW_OK);
        assert_int_equal(saip_get_msisdn(p, got), AW_OK);
        assert_string_equal(got, "+441234567890");
        assert_elements_equal_except(orig, p, SAIP_PE_OPT_USIM, SAIP_PE_OPT_USIM);
        uint8_t *out = saip_test_encode(p, &out_len);
        assert_string_equal(saip_test_crosscheck(out, out_len, "msisdn"), "+441234567890");
        /* the other opt-usim files are untouched: the output differs from
         * the input only by the inserted pieces "82 01 0E 83 0E ..." */
        assert_int_equal(out_len, len + 3 + 16);

        assert_int_equal(saip_set_msisdn(p, "0612345678"), AW_OK);
        assert_int_equal(saip_get_msisdn(p, got), AW_OK);
        assert_string_equal(got, "0612345678");
        uint8_t *out2 = saip_test_encode(p, &out2_len);
        assert_int_equal(out2_len, out_len);
        bool *allowed = calloc(out_len, 1);
        assert_non_null(allowed);
        uint8_t number[14];
        memset(number, 0xFF, sizeof(number));
        memcpy(number, (const uint8_t[]){0x07, 0x91, 0x44, 0x21, 0x43, 0x65, 0x87, 0x09}, 8);
        assert_int_equal(allow_tlv(out, out_len, 0x83, number, sizeof(number), allowed), 1);
        assert_changes_within(out, out2, out_len, allowed);
        assert_string_equal(saip_test_crosscheck(out2, out2_len, "msisdn"), "0612345678");
        free(allowed);
        free(out2);
        free(out);
        saip_profile_free(p);
        saip_profile_free(orig);
        free(buf);
    }
}

int main(void)
{
    if (test_spec_dir() == NULL) {
        printf("skip: AW_SHARED_SPEC is not set or its folder is absent (TS.48 profiles)\n");
        return TEST_SKIP_EXIT;
    }
    char probe[4200];
    snprintf(probe, sizeof(probe), "%s/ts48-upp/%s", test_spec_dir(), profiles[0]);
    FILE *f = fopen(probe, "rb");
    if (f == NULL) {
        printf("skip: %s is absent\n", probe);
        return TEST_SKIP_EXIT;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_byte_exact),
        cmocka_unit_test(test_fields_match_independent_decoding),
        cmocka_unit_test(test_set_iccid_changes_only_iccid),
        cmocka_unit_test(test_set_imsi_changes_only_imsi),
        cmocka_unit_test(test_set_aka_changes_only_keys),
        cmocka_unit_test(test_switch_algorithm_to_milenage),
        cmocka_unit_test(test_set_msisdn_into_empty_file),
    };
    return cmocka_run_group_tests_name("saip_ts48", tests, NULL, NULL);
}
