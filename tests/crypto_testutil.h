/* Helpers for the crypto tests: run the independent reference
 * tests/crosscheck_crypto.py (Debian /usr/bin/python3 with
 * python3-cryptography) and the openssl CLI. Test code only. */
#ifndef AIRWRITE_TESTS_CRYPTO_TESTUTIL_H
#define AIRWRITE_TESTS_CRYPTO_TESTUTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define CROSSCHECK_PYTHON "/usr/bin/python3"

/* Groups of the test_crypto executable, one per source file. */
int crypto_ecdsa_tests(void);     /* test_crypto_ecdsa.c */
int crypto_crosscheck_tests(void); /* test_crypto_crosscheck.c */
int crypto_pem_tests(void);        /* test_crypto_pem.c */

/* Run a shell command; return its stdout (malloc'd, NUL-terminated) when it
 * exits 0, else NULL. */
static inline char *crosscheck_shell(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    if (pclose(p) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Run crosscheck_crypto.py with the given arguments (already formatted);
 * returns its stdout, failing the test if it fails. */
static inline char *crosscheck_python(const char *args)
{
    const char *root = getenv("AW_SOURCE_ROOT");
    assert_non_null(root);
    size_t len = strlen(root) + strlen(args) + 128;
    char *cmd = malloc(len);
    assert_non_null(cmd);
    snprintf(cmd, len, "%s %s/tests/crosscheck_crypto.py %s", CROSSCHECK_PYTHON, root, args);
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("reference failed: %s\n", cmd);
    assert_non_null(out);
    free(cmd);
    return out;
}

/* True when the reference can run; otherwise prints why. */
static inline bool crosscheck_available(void)
{
    const char *root = getenv("AW_SOURCE_ROOT");
    if (root == NULL) {
        printf("crosscheck: AW_SOURCE_ROOT not set (run through meson test)\n");
        return false;
    }
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s %s/tests/crosscheck_crypto.py selftest 2>/dev/null",
             CROSSCHECK_PYTHON, root);
    char *out = crosscheck_shell(cmd);
    bool ok = out != NULL && strncmp(out, "ok", 2) == 0;
    free(out);
    if (!ok)
        printf("crosscheck: %s with python3-cryptography is not available\n", CROSSCHECK_PYTHON);
    return ok;
}

/* Hex of a byte range (malloc'd, lower case). */
static inline char *hex_of(const uint8_t *data, size_t len)
{
    char *s = malloc(2 * len + 1);
    assert_non_null(s);
    aw_hex_encode(data, len, s, false);
    return s;
}

/* Decode one line of hex from *cursor into a malloc'd buffer and move the
 * cursor past the line. */
static inline uint8_t *next_hex_line(char **cursor, size_t *len)
{
    char *line = *cursor;
    char *nl = strchr(line, '\n');
    assert_non_null(nl);
    *nl = '\0';
    *cursor = nl + 1;
    size_t cap = strlen(line) / 2 + 1;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    assert_int_equal(aw_hex_decode(line, buf, cap, len), AW_OK);
    return buf;
}

#endif
