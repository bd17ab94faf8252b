/* Shared helpers for airwrite's cmocka tests (header-only, test code only). */
#ifndef AIRWRITE_TESTS_TESTUTIL_H
#define AIRWRITE_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/hex.h"

/* Exit code meson reads as "skipped". */
#define TEST_SKIP_EXIT 77

/* Decode a hex literal into a malloc'd buffer; fails the test on bad hex. */
static inline uint8_t *test_hex(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    assert_int_equal(aw_hex_decode(hex, buf, cap, len), AW_OK);
    return buf;
}

/* Assert that a byte range equals a hex literal, printing both on mismatch. */
static inline void test_assert_hex(const uint8_t *data, size_t len, const char *hex)
{
    char *got = malloc(2 * len + 1);
    assert_non_null(got);
    aw_hex_encode(data, len, got, true);
    size_t want_len = strlen(hex);
    char *want = malloc(want_len + 1);
    assert_non_null(want);
    for (size_t i = 0; i <= want_len; i++)
        want[i] = (char)((hex[i] >= 'a' && hex[i] <= 'f') ? hex[i] - 32 : hex[i]);
    if (strcmp(got, want) != 0)
        print_error("bytes differ\n  got:  %s\n  want: %s\n", got, want);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

/* Read a whole file; NULL if it cannot be read. */
static inline uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Path of a file under the third-party spec data (../shared/spec), which
 * tests must read in place and never copy. Returns NULL when the folder is
 * not present, so the caller can report a skip saying why. */
static inline const char *test_spec_dir(void)
{
    static char path[4096];
    const char *env = getenv("AW_SHARED_SPEC");
    if (env == NULL)
        return NULL;
    snprintf(path, sizeof(path), "%s", env);
    FILE *probe = fopen(path, "r");
    if (probe == NULL)
        return NULL;
    fclose(probe);
    return path;
}

#endif
