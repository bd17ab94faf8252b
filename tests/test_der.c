/* Tests for the strict DER reader and builder (src/core/der.c). */
#include "testutil.h"

#include "core/der.h"

static aw_err decode_hex(const char *hex, der_node *n)
{
    static uint8_t buf[4096];
    size_t len;
    assert_int_equal(aw_hex_decode(hex, buf, sizeof(buf), &len), AW_OK);
    return der_decode_single(buf, len, n);
}

static void test_short_and_long_lengths(void **state)
{
    (void)state;
    der_node n;
    assert_int_equal(decode_hex("0400", &n), AW_OK);
    assert_int_equal(n.tag, 0x04);
    assert_int_equal(n.value.len, 0);

    /* 0x7F is the largest short form; it must not be read as long form */
    uint8_t buf[2 + 127 + 3 + 128];
    buf[0] = 0x04;
    buf[1] = 0x7F;
    memset(buf + 2, 0xAB, 127);
    assert_int_equal(der_decode_single(buf, 129, &n), AW_OK);
    assert_int_equal(n.value.len, 127);
    assert_int_equal(n.raw.len, 129);

    buf[0] = 0x04;
    buf[1] = 0x81;
    buf[2] = 0x80;
    memset(buf + 3, 0xCD, 128);
    assert_int_equal(der_decode_single(buf, 131, &n), AW_OK);
    assert_int_equal(n.value.len, 128);
    assert_ptr_equal(n.value.ptr, buf + 3);
}

static void test_multibyte_tags(void **state)
{
    (void)state;
    der_node n;
    /* ProfileInfoListRequest BF2D, signature 5F37, eUICC-specific 9F70 */
    assert_int_equal(decode_hex("BF2D00", &n), AW_OK);
    assert_int_equal(n.tag, 0xBF2D);
    assert_true(n.constructed);
    assert_int_equal(decode_hex("5F370201FF", &n), AW_OK);
    assert_int_equal(n.tag, 0x5F37);
    assert_false(n.constructed);
    assert_int_equal(n.value.len, 2);
    assert_int_equal(decode_hex("9F700101", &n), AW_OK);
    assert_int_equal(n.tag, 0x9F70);
    /* three-byte tag: [200] = 1F 81 48 */
    assert_int_equal(decode_hex("9F814800", &n), AW_OK);
    assert_int_equal(n.tag, 0x9F8148);
    /* four-byte tag is the maximum */
    assert_int_equal(decode_hex("9F81810100", &n), AW_OK);
    assert_int_equal(n.tag, 0x9F818101u);
}

static void test_bad_tags(void **state)
{
    (void)state;
    der_node n;
    assert_int_equal(decode_hex("9F1E00", &n), AW_ERR_DER_TAG);       /* 30 fits one octet */
    assert_int_equal(decode_hex("9F807F00", &n), AW_ERR_DER_TAG);     /* leading 0x80 */
    assert_int_equal(decode_hex("9F8181818100", &n), AW_ERR_DER_TAG); /* five octets */
    assert_int_equal(decode_hex("0000", &n), AW_ERR_DER_TAG);         /* end-of-contents */
    assert_int_equal(decode_hex("9F", &n), AW_ERR_DER_TRUNCATED);
    assert_int_equal(decode_hex("9F81", &n), AW_ERR_DER_TRUNCATED);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    der_node n;
    assert_int_equal(decode_hex("3080", &n), AW_ERR_DER_INDEFINITE);
    assert_int_equal(decode_hex("30800000", &n), AW_ERR_DER_INDEFINITE);
    assert_int_equal(decode_hex("04817F00", &n), AW_ERR_DER_LENGTH);    /* fits short form */
    assert_int_equal(decode_hex("0482008000", &n), AW_ERR_DER_LENGTH);  /* leading zero */
    assert_int_equal(decode_hex("04850100000000", &n), AW_ERR_DER_LENGTH_OVERFLOW);
    assert_int_equal(decode_hex("04FF", &n), AW_ERR_DER_LENGTH_OVERFLOW);
    assert_int_equal(decode_hex("0484FFFFFFFF00", &n), AW_ERR_DER_TRUNCATED);
    assert_int_equal(decode_hex("040501020304", &n), AW_ERR_DER_TRUNCATED);
    assert_int_equal(decode_hex("0482", &n), AW_ERR_DER_TRUNCATED);
    assert_int_equal(decode_hex("04", &n), AW_ERR_DER_TRUNCATED);
    assert_int_equal(der_decode_single(NULL, 0, &n), AW_ERR_DER_TRUNCATED);
}

static void test_trailing(void **state)
{
    (void)state;
    der_node n;
    assert_int_equal(decode_hex("040100FF", &n), AW_ERR_DER_TRAILING);
    assert_int_equal(decode_hex("04010000", &n), AW_ERR_DER_TRAILING);
}

static void test_depth_limit(void **state)
{
    (void)state;
    uint8_t buf[2 * DER_MAX_DEPTH + 2];
    /* DER_MAX_DEPTH+1 nested empty-terminated SEQUENCEs */
    size_t levels = DER_MAX_DEPTH + 1;
    for (size_t i = 0; i < levels; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (uint8_t)(2 * (levels - 1 - i));
    }
    assert_int_equal(der_validate(buf, 2 * levels, 0), AW_ERR_DER_DEPTH);
    /* the same structure one level shallower passes */
    assert_int_equal(der_validate(buf + 2, 2 * (levels - 1) - 0, DER_MAX_DEPTH + 1), AW_ERR_DER_DEPTH);
    assert_int_equal(der_validate(buf + 4, 2 * (levels - 2), 0), AW_OK);

    /* der_reader_enter enforces the same cap */
    der_reader r, child;
    der_node n;
    der_reader_init(&r, buf, 2 * levels);
    aw_err err = AW_OK;
    unsigned entered = 0;
    while ((err = der_read_node(&r, &n)) == AW_OK) {
        err = der_reader_enter(&r, &n, &child);
        if (err != AW_OK)
            break;
        r = child;
        entered++;
    }
    assert_int_equal(err, AW_ERR_DER_DEPTH);
    assert_int_equal(entered, DER_MAX_DEPTH - 1);
}

static void test_validate_finds_inner_errors(void **state)
{
    (void)state;
    static uint8_t buf[64];
    size_t len;
    /* SEQUENCE whose inner OCTET STRING claims more than the SEQUENCE holds */
    assert_int_equal(aw_hex_decode("3003040500", buf, sizeof(buf), &len), AW_OK);
    assert_int_equal(der_validate(buf, len, 0), AW_ERR_DER_TRUNCATED);
    assert_int_equal(aw_hex_decode("3004A0023080", buf, sizeof(buf), &len), AW_OK);
    assert_int_equal(der_validate(buf, len, 0), AW_ERR_DER_INDEFINITE);
    assert_int_equal(aw_hex_decode("3006A0040402AABB", buf, sizeof(buf), &len), AW_OK);
    assert_int_equal(der_validate(buf, len, 0), AW_OK);
}

static void test_booleans(void **state)
{
    (void)state;
    der_node n;
    bool v;
    assert_int_equal(decode_hex("0101FF", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_OK);
    assert_true(v);
    assert_int_equal(decode_hex("010100", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_OK);
    assert_false(v);
    assert_int_equal(decode_hex("010101", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_ERR_DER_BOOLEAN);
    assert_int_equal(decode_hex("0102FFFF", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_ERR_DER_BOOLEAN);
    assert_int_equal(decode_hex("0100", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_ERR_DER_BOOLEAN);
    assert_int_equal(decode_hex("2100", &n), AW_OK);
    assert_int_equal(der_node_get_bool(&n, &v), AW_ERR_DER_PRIMITIVE);
}

static void test_integers(void **state)
{
    (void)state;
    der_node n;
    int64_t v;
    uint64_t u;
    aw_slice mag;
    assert_int_equal(decode_hex("020100", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_OK);
    assert_int_equal(v, 0);
    assert_int_equal(decode_hex("02017F", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_OK);
    assert_int_equal(v, 127);
    assert_int_equal(decode_hex("02020080", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_OK);
    assert_int_equal(v, 128);
    assert_int_equal(decode_hex("020180", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_OK);
    assert_int_equal(v, -128);
    assert_int_equal(decode_hex("02088000000000000000", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_OK);
    assert_true(v == INT64_MIN);
    /* errors */
    assert_int_equal(decode_hex("0200", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_ERR_DER_INTEGER);
    assert_int_equal(decode_hex("0202007F", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_ERR_DER_INTEGER);
    assert_int_equal(decode_hex("0202FF80", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_ERR_DER_INTEGER);
    assert_int_equal(decode_hex("0209010000000000000000", &n), AW_OK);
    assert_int_equal(der_node_get_int64(&n, &v), AW_ERR_DER_INTEGER);
    assert_int_equal(decode_hex("020180", &n), AW_OK);
    assert_int_equal(der_node_get_uint64(&n, &u), AW_ERR_DER_INTEGER);
    assert_int_equal(decode_hex("020900FFFFFFFFFFFFFFFF", &n), AW_OK);
    assert_int_equal(der_node_get_uint64(&n, &u), AW_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(der_node_get_unsigned_bytes(&n, &mag), AW_OK);
    assert_int_equal(mag.len, 8);
    assert_int_equal(mag.ptr[0], 0xFF);
}

static void test_bit_string_and_null(void **state)
{
    (void)state;
    der_node n;
    unsigned unused;
    aw_slice bits;
    assert_int_equal(decode_hex("030206C0", &n), AW_OK);
    assert_int_equal(der_node_get_bit_string(&n, &unused, &bits), AW_OK);
    assert_int_equal(unused, 6);
    assert_int_equal(bits.len, 1);
    assert_int_equal(decode_hex("030206C1", &n), AW_OK); /* unused bit set */
    assert_int_equal(der_node_get_bit_string(&n, &unused, &bits), AW_ERR_DER_CONSTRAINT);
    assert_int_equal(decode_hex("030108", &n), AW_OK);
    assert_int_equal(der_node_get_bit_string(&n, &unused, &bits), AW_ERR_DER_CONSTRAINT);
    assert_int_equal(decode_hex("0300", &n), AW_OK);
    assert_int_equal(der_node_get_bit_string(&n, &unused, &bits), AW_ERR_DER_CONSTRAINT);
    assert_int_equal(decode_hex("0500", &n), AW_OK);
    assert_int_equal(der_node_get_null(&n), AW_OK);
    assert_int_equal(decode_hex("050100", &n), AW_OK);
    assert_int_equal(der_node_get_null(&n), AW_ERR_DER_CONSTRAINT);
}

static void test_sequence_walk(void **state)
{
    (void)state;
    size_t len;
    /* SEQUENCE { [0] 01 02, [2] BOOLEAN, 5F37 ... } with [1] omitted */
    uint8_t *buf = test_hex("300E800201028201FF5F3704DEADBEEF", &len);
    der_reader r, seq;
    der_node outer, n;
    bool present;
    der_reader_init(&r, buf, len);
    assert_int_equal(der_read_expect(&r, DER_TAG_SEQUENCE, &outer), AW_OK);
    assert_int_equal(der_reader_finish(&r), AW_OK);
    assert_int_equal(der_reader_enter(&r, &outer, &seq), AW_OK);
    assert_int_equal(der_read_expect(&seq, DER_CTX(0), &n), AW_OK);
    assert_int_equal(n.value.len, 2);
    assert_int_equal(der_read_optional(&seq, DER_CTX(1), &n, &present), AW_OK);
    assert_false(present);
    assert_int_equal(der_read_optional(&seq, DER_CTX(2), &n, &present), AW_OK);
    assert_true(present);
    assert_int_equal(der_read_expect(&seq, DER_CTX(3), &n), AW_ERR_DER_UNEXPECTED_TAG);
    assert_int_equal(der_read_expect(&seq, 0x5F37, &n), AW_OK);
    assert_int_equal(n.value.len, 4);
    assert_int_equal(der_read_expect(&seq, DER_CTX(4), &n), AW_ERR_DER_MISSING);
    assert_int_equal(der_read_node(&seq, &n), AW_ERR_NOT_FOUND);
    assert_int_equal(der_reader_finish(&seq), AW_OK);
    /* entering a primitive node is refused */
    assert_int_equal(der_reader_enter(&seq, &n, &r), AW_ERR_DER_PRIMITIVE);
    free(buf);
}

static void test_builder_nested_lengths(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t sz = sizes[i];
        uint8_t *payload = malloc(sz ? sz : 1);
        assert_non_null(payload);
        memset(payload, 0x5A, sz);
        der_builder b;
        der_builder_init(&b);
        der_builder_begin(&b, 0xBF36);         /* BoundProfilePackage */
        der_builder_begin(&b, 0xA1);
        der_put_tlv(&b, 0x88, payload, sz);
        der_builder_end(&b);
        der_put_bool(&b, DER_CTX(2), true);
        der_builder_end(&b);
        uint8_t *out;
        size_t out_len;
        assert_int_equal(der_builder_finish(&b, &out, &out_len), AW_OK);
        /* read it back and check every level */
        der_node top, a1, item;
        der_reader r, in1, in2;
        assert_int_equal(der_decode_single(out, out_len, &top), AW_OK);
        assert_int_equal(top.tag, 0xBF36);
        der_reader_init(&r, out, out_len);
        assert_int_equal(der_read_node(&r, &top), AW_OK);
        assert_int_equal(der_reader_enter(&r, &top, &in1), AW_OK);
        assert_int_equal(der_read_expect(&in1, 0xA1, &a1), AW_OK);
        assert_int_equal(der_reader_enter(&in1, &a1, &in2), AW_OK);
        assert_int_equal(der_read_expect(&in2, 0x88, &item), AW_OK);
        assert_int_equal(item.value.len, sz);
        assert_true(sz == 0 || memcmp(item.value.ptr, payload, sz) == 0);
        assert_int_equal(der_reader_finish(&in2), AW_OK);
        assert_int_equal(der_read_expect(&in1, 0x82, &item), AW_OK);
        assert_int_equal(der_reader_finish(&in1), AW_OK);
        assert_int_equal(der_validate(out, out_len, 0), AW_OK);
        free(out);
        free(payload);
    }
}

static void test_builder_exact_bytes(void **state)
{
    (void)state;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_TAG_INTEGER, 0);
    der_put_int64(&b, DER_TAG_INTEGER, 128);
    der_put_int64(&b, DER_TAG_INTEGER, -129);
    der_put_int64(&b, DER_TAG_INTEGER, INT64_MIN);
    static const uint8_t mag[] = {0x00, 0x00, 0x80, 0x01};
    der_put_unsigned_bytes(&b, DER_CTX(1), mag, sizeof(mag));
    der_put_null(&b, DER_TAG_NULL);
    static const uint8_t bits[] = {0x80};
    der_put_bit_string(&b, DER_TAG_BIT_STRING, 7, bits, 1);
    der_put_bool(&b, DER_TAG_BOOLEAN, false);
    der_builder_end(&b);
    uint8_t *out;
    size_t len;
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_OK);
    test_assert_hex(out, len,
                    "3023"
                    "020100"
                    "02020080"
                    "0202FF7F"
                    "02088000000000000000"
                    "8103008001"
                    "0500"
                    "03020780"
                    "010100");
    free(out);
}

static void test_builder_errors(void **state)
{
    (void)state;
    der_builder b;
    uint8_t *out;
    size_t len;

    der_builder_init(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_STATE);
    assert_null(out);

    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_STATE);

    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_OCTET_STRING); /* primitive tag */
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_DER_TAG);

    der_builder_init(&b);
    der_put_tlv(&b, 0x9F1E, NULL, 0); /* non-minimal tag */
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_DER_TAG);

    der_builder_init(&b);
    for (int i = 0; i <= DER_MAX_DEPTH; i++)
        der_builder_begin(&b, DER_TAG_SEQUENCE);
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_DER_DEPTH);

    der_builder_init(&b);
    der_builder_set_limit(&b, 10);
    static const uint8_t big[16] = {0};
    der_put_tlv(&b, DER_TAG_OCTET_STRING, big, sizeof(big));
    der_put_bool(&b, DER_TAG_BOOLEAN, true); /* no-op after the sticky error */
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_LIMIT);

    der_builder_init(&b);
    static const uint8_t one_bit[] = {0x81};
    der_put_bit_string(&b, DER_TAG_BIT_STRING, 1, one_bit, 1); /* unused bit set */
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_ERR_DER_CONSTRAINT);
}

static void test_named_bits(void **state)
{
    (void)state;
    der_node n;
    uint32_t flags;
    /* NotificationEvent { install(0), enable(1), disable(2), delete(3) }:
     * enable and delete set -> bits 1 and 3 -> 0x50 with 4 unused bits */
    der_builder b;
    der_builder_init(&b);
    der_put_named_bits(&b, DER_CTX(1), (1u << 1) | (1u << 3));
    der_put_named_bits(&b, DER_CTX(2), 0);
    der_put_named_bits(&b, DER_CTX(3), 1u << 31);
    uint8_t *out;
    size_t len;
    assert_int_equal(der_builder_finish(&b, &out, &len), AW_OK);
    test_assert_hex(out, len, "8102045082010083050000000001");
    free(out);
    assert_int_equal(decode_hex("82020450", &n), AW_OK);
    assert_int_equal(der_node_get_named_bits(&n, &flags), AW_OK);
    assert_int_equal(flags, (1u << 1) | (1u << 3));
    assert_int_equal(decode_hex("820100", &n), AW_OK);
    assert_int_equal(der_node_get_named_bits(&n, &flags), AW_OK);
    assert_int_equal(flags, 0);
    /* trailing zero bit encoded (not DER for a named bit list) */
    assert_int_equal(decode_hex("82020340", &n), AW_OK);
    assert_int_equal(der_node_get_named_bits(&n, &flags), AW_ERR_DER_CONSTRAINT);
    /* more than 32 named bits */
    assert_int_equal(decode_hex("8206000000000080", &n), AW_OK);
    assert_int_equal(der_node_get_named_bits(&n, &flags), AW_ERR_DER_CONSTRAINT);
    uint8_t bytes[4];
    unsigned unused;
    assert_int_equal(der_named_bits_from_flags(1u << 8, bytes, &unused), 2);
    assert_int_equal(unused, 7);
    assert_int_equal(bytes[1], 0x80);
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        aw_err want;
    } cases[] = {
        {"", AW_OK},
        {"41", AW_OK},
        {"C3A9", AW_OK},         /* é */
        {"E4B8AD", AW_OK},       /* 中 */
        {"F09F9880", AW_OK},     /* U+1F600 */
        {"F48FBFBF", AW_OK},     /* U+10FFFF */
        {"C0AF", AW_ERR_DER_CONSTRAINT},     /* overlong '/' */
        {"E080AF", AW_ERR_DER_CONSTRAINT},   /* overlong */
        {"F08080AF", AW_ERR_DER_CONSTRAINT}, /* overlong */
        {"EDA080", AW_ERR_DER_CONSTRAINT},   /* surrogate U+D800 */
        {"F4908080", AW_ERR_DER_CONSTRAINT}, /* past U+10FFFF */
        {"80", AW_ERR_DER_CONSTRAINT},       /* lone continuation */
        {"E4B8", AW_ERR_DER_CONSTRAINT},     /* truncated */
        {"C341", AW_ERR_DER_CONSTRAINT},     /* bad continuation */
        {"FF", AW_ERR_DER_CONSTRAINT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[8];
        size_t len;
        assert_int_equal(aw_hex_decode(cases[i].hex, buf, sizeof(buf), &len), AW_OK);
        aw_slice text = {buf, len};
        assert_int_equal(der_check_utf8(text, 0, SIZE_MAX), cases[i].want);
    }
    /* limits count characters, not bytes */
    uint8_t two[] = {0xE4, 0xB8, 0xAD, 0xE6, 0x96, 0x87};
    aw_slice text = {two, sizeof(two)};
    assert_int_equal(der_check_utf8(text, 2, 2), AW_OK);
    assert_int_equal(der_check_utf8(text, 0, 1), AW_ERR_DER_CONSTRAINT);
    assert_int_equal(der_check_utf8(text, 3, 9), AW_ERR_DER_CONSTRAINT);
}

static void test_error_names(void **state)
{
    (void)state;
    for (int e = 0; e < AW_ERR__COUNT; e++) {
        assert_string_not_equal(aw_err_name((aw_err)e), "AW_ERR_UNKNOWN");
        assert_string_not_equal(aw_err_message((aw_err)e), "unknown error");
    }
    assert_string_equal(aw_err_name(AW_ERR_DER_TRUNCATED), "AW_ERR_DER_TRUNCATED");
    assert_string_equal(aw_err_name(AW_ERR__COUNT), "AW_ERR_UNKNOWN");
}

static void test_hex_codec(void **state)
{
    (void)state;
    uint8_t buf[4];
    size_t len;
    char text[9];
    assert_int_equal(aw_hex_decode("0aFf", buf, sizeof(buf), &len), AW_OK);
    assert_int_equal(len, 2);
    aw_hex_encode(buf, len, text, true);
    assert_string_equal(text, "0AFF");
    assert_int_equal(aw_hex_decode("0", buf, sizeof(buf), &len), AW_ERR_ARGUMENT);
    assert_int_equal(aw_hex_decode("0g", buf, sizeof(buf), &len), AW_ERR_ARGUMENT);
    assert_int_equal(aw_hex_decode("0011223344", buf, sizeof(buf), &len), AW_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_and_long_lengths),
        cmocka_unit_test(test_multibyte_tags),
        cmocka_unit_test(test_bad_tags),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_validate_finds_inner_errors),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_bit_string_and_null),
        cmocka_unit_test(test_sequence_walk),
        cmocka_unit_test(test_builder_nested_lengths),
        cmocka_unit_test(test_builder_exact_bytes),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_named_bits),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_hex_codec),
    };
    return cmocka_run_group_tests_name("der", tests, NULL, NULL);
}
