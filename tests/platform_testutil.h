/* Helpers of the platform tests (test code only): a fresh database per test
 * (a SQLite file in a temporary directory, or the PostgreSQL server of
 * tests/pg-harness.sh emptied first), a key ring with a random key, and the
 * files of the source tree (docs). */
#ifndef AIRWRITE_TESTS_PLATFORM_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_TESTUTIL_H

#include "testutil.h"

#include <stdbool.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/db.h"
#include "platform/platform.h"

typedef struct platform_test_db {
    char dir[128];
    char url[512];           /* what db_open takes */
    char sqlite_path[256];   /* "" on PostgreSQL */
    bool postgresql;
} platform_test_db;

/* A fresh, empty, migrated database: SQLite unless pg_url is non-NULL. */
static inline void platform_test_db_make(platform_test_db *t, const char *pg_url)
{
    memset(t, 0, sizeof(*t));
    if (pg_url != NULL) {
        t->postgresql = true;
        snprintf(t->url, sizeof(t->url), "%s", pg_url);
        db_connection *db = NULL;
        assert_int_equal(db_open(t->url, NULL, &db), AW_OK);
        assert_int_equal(db_execute(db, "DROP SCHEMA public CASCADE", NULL, 0, NULL), AW_OK);
        assert_int_equal(db_execute(db, "CREATE SCHEMA public", NULL, 0, NULL), AW_OK);
        db_close(db);
    } else {
        snprintf(t->dir, sizeof(t->dir), "/tmp/aw_platform_XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        snprintf(t->sqlite_path, sizeof(t->sqlite_path), "%s/platform.db", t->dir);
        snprintf(t->url, sizeof(t->url), "sqlite:%s", t->sqlite_path);
    }
    db_connection *db = NULL;
    assert_int_equal(db_open(t->url, NULL, &db), AW_OK);
    assert_int_equal(platform_migrate(db), AW_OK);
    db_close(db);
}

static inline db_connection *platform_test_db_open(const platform_test_db *t)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(t->url, NULL, &db), AW_OK);
    return db;
}

static inline void platform_test_db_remove(platform_test_db *t)
{
    if (t->postgresql)
        return;
    char path[300];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", t->sqlite_path, suffixes[i]);
        unlink(path);
    }
    rmdir(t->dir);
}

/* A ring holding one random key with id key_id. */
static inline platform_key_ring *platform_test_ring(uint32_t key_id)
{
    platform_key_ring *ring = NULL;
    assert_int_equal(platform_key_ring_new(&ring), AW_OK);
    uint8_t key[PLATFORM_STORAGE_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key, sizeof(key)), AW_OK);
    assert_int_equal(platform_key_ring_add(ring, key_id, key), AW_OK);
    crypto_cleanse(key, sizeof(key));
    return ring;
}

/* A valid EID: "890490320000", 18 digits of n, then the GSMA SGP.29
 * check digits computed by platform_eid_check_digits. */
static inline void platform_test_eid(unsigned long long n, char eid[PLATFORM_EID_DIGITS + 1])
{
    snprintf(eid, PLATFORM_EID_DIGITS + 1, "890490320000%018llu", n);
    char check[3];
    assert_int_equal(platform_eid_check_digits(eid, 30, check), AW_OK);
    memcpy(eid + 30, check, 3);
}

/* A file of the source tree (AW_SOURCE_ROOT), NUL-terminated. */
static inline char *platform_test_source_file(const char *relative)
{
    const char *root = getenv("AW_SOURCE_ROOT");
    assert_non_null(root);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root, relative);
    size_t len = 0;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    char *text = realloc(data, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    return text;
}

#endif
