/* Helpers shared by the SAIP tests (test code only). */
#ifndef AIRWRITE_TESTS_SAIP_TESTUTIL_H
#define AIRWRITE_TESTS_SAIP_TESTUTIL_H

#include "testutil.h"

#include "core/saip.h"

/* Parse buf, assert success. */
static inline saip_profile *saip_test_parse(const uint8_t *buf, size_t len)
{
    saip_profile *p = NULL;
    assert_int_equal(saip_profile_parse(buf, len, &p), AW_OK);
    assert_non_null(p);
    return p;
}

/* Encode p into a fresh buffer, assert success. */
static inline uint8_t *saip_test_encode(const saip_profile *p, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(saip_profile_encode(p, &out, len), AW_OK);
    assert_non_null(out);
    return out;
}

/* Run tests/saip_crosscheck.py (Debian /usr/bin/python3) over a package
 * and return the value of one of its key=value lines (static buffer). */
static inline const char *saip_test_crosscheck(const uint8_t *buf, size_t len, const char *key)
{
    static char value[256];
    char path[] = "/tmp/aw_saip_crosscheck_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    const char *root = getenv("AW_SOURCE_ROOT");
    assert_non_null(root);
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/saip_crosscheck.py' '%s'", root, path);
    FILE *pipe = popen(cmd, "r");
    assert_non_null(pipe);
    char line[512];
    bool found = false;
    size_t key_len = strlen(key);
    while (fgets(line, sizeof(line), pipe) != NULL) {
        if (strncmp(line, key, key_len) == 0 && line[key_len] == '=') {
            snprintf(value, sizeof(value), "%s", line + key_len + 1);
            value[strcspn(value, "\n")] = '\0';
            found = true;
        }
    }
    assert_int_equal(pclose(pipe), 0);
    remove(path);
    assert_true(found);
    return value;
}

static inline void saip_test_hex_upper(const uint8_t *data, size_t len, char *out)
{
    aw_hex_encode(data, len, out, true);
}

#endif
