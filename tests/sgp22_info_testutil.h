/* Test helpers shared by the SGP.22 eUICC-info, profile-info and notification
 * codec tests (test code only). */
#ifndef AIRWRITE_TESTS_SGP22_INFO_TESTUTIL_H
#define AIRWRITE_TESTS_SGP22_INFO_TESTUTIL_H

#include "testutil.h"

#include "core/der.h"

/* When AW_WRITE_CORPUS names a directory, every encoding a test checks is
 * also written there as a fuzz seed (how fuzz/corpus/fuzz_sgp22_info and
 * fuzz_sgp22_notification were made: by our own encoders). */
static inline void test_corpus_save(const char *type, const uint8_t *data, size_t len)
{
    const char *dir = getenv("AW_WRITE_CORPUS");
    if (dir == NULL)
        return;
    uint32_t hash = 2166136261u; /* FNV-1a names the seed after its content */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ data[i]) * 16777619u;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s_%08x", dir, type, (unsigned)hash);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
}

/* Decode hex with sgp22_decode_<type> and require the result `want`. */
#define EXPECT_DECODE(type, hex, want)                                                 \
    do {                                                                               \
        size_t len_;                                                                   \
        uint8_t *buf_ = test_hex(hex, &len_);                                          \
        sgp22_##type v_;                                                               \
        assert_int_equal(sgp22_decode_##type(buf_, len_, &v_), want);                  \
        free(buf_);                                                                    \
    } while (0)

/* Decode hex, re-encode, require the same bytes; every strict prefix of the
 * input must fail as truncated, and one extra byte as trailing. */
#define EXPECT_ROUNDTRIP(type, hex)                                                    \
    do {                                                                               \
        size_t len_;                                                                   \
        uint8_t *buf_ = test_hex(hex, &len_);                                          \
        sgp22_##type v_;                                                               \
        assert_int_equal(sgp22_decode_##type(buf_, len_, &v_), AW_OK);                 \
        uint8_t *enc_;                                                                 \
        size_t enc_len_;                                                               \
        assert_int_equal(sgp22_encode_##type(&v_, &enc_, &enc_len_), AW_OK);           \
        test_assert_hex(enc_, enc_len_, hex);                                          \
        test_corpus_save(#type, enc_, enc_len_);           \
        free(enc_);                                                                    \
        for (size_t cut_ = 0; cut_ < len_; cut_++) {                                   \
            uint8_t *part_ = malloc(cut_ ? cut_ : 1);                                  \
            assert_non_null(part_);                                                    \
            memcpy(part_, buf_, cut_);                                                 \
            assert_int_equal(sgp22_decode_##type(part_, cut_, &v_),                    \
                             AW_ERR_DER_TRUNCATED);                                    \
            free(part_);                                                               \
        }                                                                              \
        uint8_t *longer_ = malloc(len_ + 1);                                           \
        assert_non_null(longer_);                                                      \
        memcpy(longer_, buf_, len_);                                                   \
        longer_[len_] = 0x00;                                                          \
        assert_int_equal(sgp22_decode_##type(longer_, len_ + 1, &v_),                  \
                         AW_ERR_DER_TRAILING);                                         \
        free(longer_);                                                                 \
        free(buf_);                                                                    \
    } while (0)

/* Encode a struct, require hex, decode it back (byte-exact re-encode). */
#define EXPECT_ENCODE(type, value, hex)                                                \
    do {                                                                               \
        uint8_t *first_;                                                               \
        size_t first_len_;                                                             \
        assert_int_equal(sgp22_encode_##type(value, &first_, &first_len_), AW_OK);     \
        test_assert_hex(first_, first_len_, hex);                                      \
        free(first_);                                                                  \
        EXPECT_ROUNDTRIP(type, hex);                                                   \
    } while (0)

/* Encoding must fail with `want` (sticky builder error). */
#define EXPECT_ENCODE_FAILS(type, value, want)                                         \
    do {                                                                               \
        uint8_t *enc_ = (uint8_t *)1;                                                  \
        size_t enc_len_ = 1;                                                           \
        assert_int_equal(sgp22_encode_##type(value, &enc_, &enc_len_), want);          \
        assert_null(enc_);                                                             \
        assert_int_equal(enc_len_, 0);                                                 \
    } while (0)

/* A slice over a string literal or array. */
#define SLICE_STR(s) ((aw_slice){(const uint8_t *)(s), sizeof(s) - 1})

#endif
