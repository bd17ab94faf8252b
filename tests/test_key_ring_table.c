/* Tests of key rotation of sealed columns (src/core/key_ring_table.h) on
 * the platform's tables and the SM-DP+'s AAD, on SQLite and PostgreSQL:
 * rows sealed before the core key ring existed still open (vectors of an
 * independent implementation); chunked rotation resumes after a chunk
 * limit; a row changed meanwhile is not clobbered (compare-and-swap); a
 * reader thread with a live, reloaded ring keeps opening every secret while
 * the rotation runs; every error path. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "platform/platform_internal.h"
#include "platform_testutil.h"
#include "smdp/inventory_internal.h"

static const char *pg_url;
static platform_test_db tdb;
static db_connection *db;
static key_ring *ring; /* key 1 = key_a */

static const uint8_t key_a[KEY_RING_KEY_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                                 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
#define NOW 1700000000000LL

/* python3-cryptography 38 AESGCM, key 01..20, nonce 00..0b: the app secret
 * "0123456789abcdef" x4 of app "app00112233445566778899" in the platform's
 * layout (AAD "airwrite.platform.app-secret" NUL appId), and the Ki
 * 000102..0f of ICCID 8949001234567890123 in the SM-DP+'s (AAD ICCID NUL
 * "ki"): what rows written before the core key ring hold. */
#define OLD_APP_ID "app00112233445566778899"
#define OLD_APP_SECRET "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const char old_app_sealed[] =
    "000102030405060708090a0b"
    "410133a4fce8573c3712d32307fc92eb19a68fa64aaa4c4bf5711cdf3fb1575db69980d373b0cf160f6a6e4fd153d0"
    "28532dd29da6ff6381fb1bbaa6a13b2ef66df0bc8f65bf4821f0c8153380997111";
static const char old_ki_sealed[] =
    "000102030405060708090a0b71310394ccd8670c0722b84a6895f98277c05c494c092365fa072925be3fc17a";

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&tdb, pg_url);
    db = platform_test_db_open(&tdb);
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_add(ring, 1, key_a), AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    db = NULL;
    key_ring_free(ring);
    ring = NULL;
    platform_test_db_remove(&tdb);
    return 0;
}

static void insert_app(const char *app_id, int64_t key_id, const uint8_t *sealed, size_t len)
{
    const db_param p[] = {DB_PARAM_TEXT(app_id), DB_PARAM_INT64(key_id),
                          DB_PARAM_BLOB(sealed, len), DB_PARAM_INT64(NOW), DB_PARAM_INT64(NOW)};
    assert_int_equal(db_execute(db,
                                "INSERT INTO platform_apps (app_id, tenant, enabled, "
                                "rate_per_minute, burst, daily_quota, key_id, secret_encrypted, "
                                "created_at, updated_at) VALUES (?, 't1', 1, 60, 10, 0, ?, ?, ?, ?)",
                                p, 5, NULL),
                     AW_OK);
}

static void add_random_key(key_ring *r, uint32_t id, uint8_t copy[KEY_RING_KEY_SIZE])
{
    assert_int_equal(crypto_random_bytes(copy, KEY_RING_KEY_SIZE), AW_OK);
    assert_int_equal(key_ring_add(r, id, copy), AW_OK);
}

static void test_old_format(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *sealed = test_hex(old_app_sealed, &len);
    insert_app(OLD_APP_ID, 1, sealed, len);
    free(sealed);
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_load_secret(db, ring, OLD_APP_ID, &app, secret), AW_OK);
    assert_string_equal(secret, OLD_APP_SECRET);
    /* rotated, it still opens, under the new key */
    uint8_t key2[KEY_RING_KEY_SIZE];
    add_random_key(ring, 2, key2);
    key_ring_rotation stats = {0};
    assert_int_equal(platform_keys_rotate(db, ring, 64, 0, NOW + 1, NULL, NULL, &stats), AW_OK);
    assert_int_equal(stats.rotated, 1);
    assert_int_equal(platform_app_load_secret(db, ring, OLD_APP_ID, &app, secret), AW_OK);
    assert_string_equal(secret, OLD_APP_SECRET);
    assert_int_equal(app.key_id, 2);
    /* the SM-DP+'s Ki layout */
    sealed = test_hex(old_ki_sealed, &len);
    uint8_t ki[SAIP_AKA_KEY_MAX];
    size_t ki_len = 0;
    assert_int_equal(smdp_key_ring_open(ring, 1, "8949001234567890123", "ki", sealed, len, ki,
                                        sizeof(ki), &ki_len),
                     AW_OK);
    assert_int_equal(ki_len, 16);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(ki[i], i);
    assert_int_equal(smdp_key_ring_open(ring, 1, "8949001234567890123", "opc", sealed, len, ki,
                                        sizeof(ki), &ki_len),
                     AW_ERR_SMDP_DECRYPT);
    free(sealed);
    crypto_cleanse(key2, sizeof(key2));
}

/* n apps and a callback of the first; their secrets in secrets[]. */
static void make_apps(size_t n, platform_app *apps, char (*secrets)[PLATFORM_APP_SECRET_LENGTH + 1])
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(platform_app_create(db, ring, "t1", NULL, NOW, &apps[i], secrets[i]),
                         AW_OK);
    platform_callback cb;
    assert_int_equal(platform_callback_register(db, ring, &apps[0], "https://example.com/cb",
                                                "cb_secret_0123456789abcdef0123456789abcdef"
                                                "0123456789abcdef012345",
                                                PLATFORM_EVENT_ALL, NOW, &cb),
                     AW_OK);
}

static int64_t rows_under(const key_ring_table *tables, size_t count, int64_t key_id)
{
    int64_t total = 0;
    for (size_t t = 0; t < count; t++) {
        key_ring_id_count counts[8];
        size_t n = 0;
        assert_int_equal(key_ring_table_count_by_id(db, &tables[t], counts, 8, &n), AW_OK);
        for (size_t i = 0; i < n; i++)
            if (counts[i].key_id == key_id)
                total += counts[i].rows;
    }
    return total;
}

static void test_rotate_resume(void **state)
{
    (void)state;
    enum { APPS = 150 };
    platform_app *apps = calloc(APPS, sizeof(*apps));
    char(*secrets)[PLATFORM_APP_SECRET_LENGTH + 1] = calloc(APPS, sizeof(*secrets));
    assert_non_null(apps);
    assert_non_null(secrets);
    make_apps(APPS, apps, secrets);
    size_t table_count = 0;
    const key_ring_table *tables = platform_sealed_tables(&table_count);
    assert_int_equal(table_count, 3); /* apps, callbacks, terminal information */
    int64_t stale = -1;
    assert_int_equal(platform_keys_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 0);
    uint8_t key2[KEY_RING_KEY_SIZE];
    add_random_key(ring, 2, key2);
    assert_int_equal(platform_keys_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, APPS + 1);
    /* interrupted after one chunk: what it did stays */
    key_ring_rotation stats = {0};
    assert_int_equal(platform_keys_rotate(db, ring, 64, 1, NOW + 1, NULL, NULL, &stats), AW_OK);
    assert_int_equal(stats.rotated, 64);
    assert_int_equal(stats.chunks, 1);
    assert_int_equal(platform_keys_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, APPS + 1 - 64);
    /* resumed: the rest, the callback too */
    memset(&stats, 0, sizeof(stats));
    assert_int_equal(platform_keys_rotate(db, ring, 64, 0, NOW + 2, NULL, NULL, &stats), AW_OK);
    assert_int_equal(stats.rotated, APPS + 1 - 64);
    assert_int_equal(stats.conflicts, 0);
    assert_int_equal(platform_keys_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 0);
    assert_int_equal(rows_under(tables, table_count, 1), 0);
    assert_int_equal(rows_under(tables, table_count, 2), APPS + 1);
    /* the old key can go: a ring of key 2 alone opens everything */
    key_ring *only2 = NULL;
    assert_int_equal(key_ring_new(&only2), AW_OK);
    assert_int_equal(key_ring_add(only2, 2, key2), AW_OK);
    uint32_t missing = 9;
    assert_int_equal(platform_keys_check_ids(db, only2, &missing), AW_OK);
    assert_int_equal(missing, 0);
    int first_chunk = 0;
    for (size_t i = 0; i < APPS; i++) {
        platform_app got;
        char secret[PLATFORM_APP_SECRET_LENGTH + 1];
        assert_int_equal(platform_app_load_secret(db, only2, apps[i].app_id, &got, secret), AW_OK);
        assert_string_equal(secret, secrets[i]);
        first_chunk += got.updated_at_ms == NOW + 1;
        assert_true(got.updated_at_ms == NOW + 1 || got.updated_at_ms == NOW + 2);
    }
    assert_int_equal(first_chunk, 64);
    /* nothing left: a run does nothing */
    memset(&stats, 0, sizeof(stats));
    assert_int_equal(platform_keys_rotate(db, ring, 64, 0, NOW + 3, NULL, NULL, &stats), AW_OK);
    assert_int_equal(stats.rotated, 0);
    /* a ring without key 2 misses it */
    key_ring *only1 = NULL;
    assert_int_equal(key_ring_new(&only1), AW_OK);
    assert_int_equal(key_ring_add(only1, 1, key_a), AW_OK);
    assert_int_equal(platform_keys_check_ids(db, only1, &missing), AW_ERR_PLATFORM_DECRYPT);
    assert_int_equal(missing, 2);
    key_ring_free(only1);
    key_ring_free(only2);
    crypto_cleanse(key2, sizeof(key2));
    crypto_cleanse(secrets, APPS * sizeof(*secrets));
    free(secrets);
    free(apps);
}

/* ---- Compare-and-swap: a row changed between the read and the write ---- */

#define RACED_SECRET "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
static atomic_int race_armed;

/* The platform's AAD, and the first time it is asked for: a "daemon" (the
 * same connection, inside the chunk's transaction) re-seals the row with a
 * new secret under the old key 1, after the rotation read it. */
static aw_err racing_aad(const char *row_id, size_t column, uint8_t *ad, size_t cap,
                         size_t *ad_len)
{
    (void)column;
    static const char label[] = "airwrite.platform.app-secret";
    size_t id_len = strlen(row_id);
    assert_true(cap >= sizeof(label) + id_len);
    memcpy(ad, label, sizeof(label));
    memcpy(ad + sizeof(label), row_id, id_len);
    *ad_len = sizeof(label) + id_len;
    if (atomic_exchange(&race_armed, 0) == 1) {
        key_ring *old = NULL;
        assert_int_equal(key_ring_new(&old), AW_OK);
        assert_int_equal(key_ring_add(old, 1, key_a), AW_OK);
        uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE];
        uint32_t key_id = 0;
        assert_int_equal(platform_key_ring_seal(old, row_id, RACED_SECRET, sealed, &key_id),
                         AW_OK);
        const db_param p[] = {DB_PARAM_BLOB(sealed, sizeof(sealed)), DB_PARAM_TEXT(row_id)};
        int64_t changed = 0;
        assert_int_equal(db_execute(db,
                                    "UPDATE platform_apps SET secret_encrypted = ? WHERE "
                                    "app_id = ?",
                                    p, 2, &changed),
                         AW_OK);
        assert_int_equal(changed, 1);
        key_ring_free(old);
    }
    return AW_OK;
}

static void test_rotate_conflict(void **state)
{
    (void)state;
    platform_app apps[3];
    char secrets[3][PLATFORM_APP_SECRET_LENGTH + 1];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(platform_app_create(db, ring, "t1", NULL, NOW, &apps[i], secrets[i]),
                         AW_OK);
    uint8_t key2[KEY_RING_KEY_SIZE];
    add_random_key(ring, 2, key2);
    key_ring_table table = *platform_sealed_tables(NULL);
    table.aad = racing_aad;
    atomic_store(&race_armed, 1);
    key_ring_rotation stats = {0};
    assert_int_equal(key_ring_table_rotate(db, ring, &table, 64, 0, NOW + 1, NULL, NULL, &stats),
                     AW_OK);
    assert_int_equal(stats.conflicts, 1);
    assert_int_equal(stats.rotated, 3); /* the raced row on the second chunk */
    assert_int_equal(stats.chunks, 2);
    /* the first app read by the rotation: the daemon's secret survived */
    const char *first = strcmp(apps[0].app_id, apps[1].app_id) < 0 ? apps[0].app_id
                                                                   : apps[1].app_id;
    first = strcmp(first, apps[2].app_id) < 0 ? first : apps[2].app_id;
    platform_app got;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_load_secret(db, ring, first, &got, secret), AW_OK);
    assert_string_equal(secret, RACED_SECRET);
    assert_int_equal(got.key_id, 2);
    crypto_cleanse(key2, sizeof(key2));
}

/* ---- A reader with a live ring while the rotation runs ---- */

typedef struct reader {
    const char *url;
    const key_ring *ring;
    const platform_app *apps;
    char (*secrets)[PLATFORM_APP_SECRET_LENGTH + 1];
    size_t count;
    atomic_int stop;
    atomic_long opened;
    atomic_long failed;
    long opened_at_first_chunk;  /* by the rotation's progress callback */
    long opened_at_last_chunk;
} reader;

static void *read_loop(void *arg)
{
    reader *r = arg;
    db_connection *mine = NULL;
    if (db_open(r->url, NULL, &mine) != AW_OK) {
        atomic_fetch_add(&r->failed, 1);
        return NULL;
    }
    for (size_t i = 0; !atomic_load(&r->stop) || i % r->count != 0; i++) {
        platform_app got;
        char secret[PLATFORM_APP_SECRET_LENGTH + 1];
        aw_err err = platform_app_load_secret(mine, r->ring, r->apps[i % r->count].app_id, &got,
                                              secret);
        if (err == AW_ERR_DB_BUSY)
            continue;
        if (err == AW_OK && strcmp(secret, r->secrets[i % r->count]) == 0)
            atomic_fetch_add(&r->opened, 1);
        else
            atomic_fetch_add(&r->failed, 1);
    }
    db_close(mine);
    return NULL;
}

/* After each chunk: what the reader opened so far, then a pause so the
 * reader surely reads between chunks (the machine is shared). */
static void note_progress(void *arg, const key_ring_table *table, const key_ring_rotation *so_far)
{
    reader *r = arg;
    (void)table;
    if (so_far->chunks == 1)
        r->opened_at_first_chunk = atomic_load(&r->opened);
    r->opened_at_last_chunk = atomic_load(&r->opened);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
}

static void test_rotate_while_serving(void **state)
{
    (void)state;
    enum { APPS = 200 };
    platform_app *apps = calloc(APPS, sizeof(*apps));
    char(*secrets)[PLATFORM_APP_SECRET_LENGTH + 1] = calloc(APPS, sizeof(*secrets));
    assert_non_null(apps);
    assert_non_null(secrets);
    make_apps(APPS, apps, secrets);
    char keys[160];
    snprintf(keys, sizeof(keys), "/tmp/aw_keys_XXXXXX");
    assert_non_null(mkdtemp(keys));
    char path[200];
    snprintf(path, sizeof(path), "%s/1.key", keys);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(key_a, 1, sizeof(key_a), f), sizeof(key_a));
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    /* the daemon's ring: key 1, then reloaded (SIGHUP) with key 2 */
    key_ring *live = NULL;
    assert_int_equal(key_ring_new(&live), AW_OK);
    assert_int_equal(key_ring_load(live, keys), AW_OK);
    reader r = {.url = tdb.url, .ring = live, .apps = apps, .secrets = secrets, .count = APPS};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, read_loop, &r), 0);
    uint32_t id = 0;
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    assert_int_equal(id, 2);
    size_t added = 0;
    assert_int_equal(key_ring_reload(live, keys, &added), AW_OK); /* while the reader reads */
    assert_int_equal(added, 1);
    key_ring *tool = NULL; /* airwritectl keys rotate's own ring */
    assert_int_equal(key_ring_new(&tool), AW_OK);
    assert_int_equal(key_ring_load(tool, keys), AW_OK);
    key_ring_rotation stats = {0};
    assert_int_equal(platform_keys_rotate(db, tool, 16, 0, NOW + 1, note_progress, &r, &stats),
                     AW_OK);
    atomic_store(&r.stop, 1);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(stats.rotated, APPS + 1);
    /* secrets were opened while the rows changed keys under the reader */
    assert_true(r.opened_at_last_chunk > r.opened_at_first_chunk);
    assert_true(atomic_load(&r.opened) >= APPS);
    assert_int_equal(atomic_load(&r.failed), 0);
    int64_t stale = -1;
    assert_int_equal(platform_keys_count_stale(db, tool, &stale), AW_OK);
    assert_int_equal(stale, 0);
    /* key 1 removed from disk: a fresh ring opens everything */
    assert_int_equal(unlink(path), 0);
    key_ring *after = NULL;
    assert_int_equal(key_ring_new(&after), AW_OK);
    assert_int_equal(key_ring_load(after, keys), AW_OK);
    assert_false(key_ring_has_id(after, 1));
    for (size_t i = 0; i < APPS; i++) {
        platform_app got;
        char secret[PLATFORM_APP_SECRET_LENGTH + 1];
        assert_int_equal(platform_app_load_secret(db, after, apps[i].app_id, &got, secret), AW_OK);
        assert_string_equal(secret, secrets[i]);
    }
    snprintf(path, sizeof(path), "%s/2.key", keys);
    unlink(path);
    rmdir(keys);
    key_ring_free(after);
    key_ring_free(tool);
    key_ring_free(live);
    crypto_cleanse(secrets, APPS * sizeof(*secrets));
    free(secrets);
    free(apps);
}

/* ---- Errors ---- */

static void test_errors(void **state)
{
    (void)state;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_create(db, ring, "t1", NULL, NOW, &app, secret), AW_OK);
    const key_ring_table *apps_table = platform_sealed_tables(NULL);
    key_ring_rotation stats = {0};
    key_ring *empty = NULL;
    assert_int_equal(key_ring_new(&empty), AW_OK);
    int64_t count = -1;
    /* arguments */
    key_ring_table bad = *apps_table;
    bad.column_count = 0;
    assert_int_equal(key_ring_table_rotate(db, ring, &bad, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_ARGUMENT);
    bad = *apps_table;
    bad.aad = NULL;
    assert_int_equal(key_ring_table_count_stale(db, ring, &bad, &count), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, 0, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, KEY_RING_TABLE_CHUNK_MAX + 1, 0,
                                           NOW, NULL, NULL, &stats),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_table_rotate(NULL, ring, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, 64, 0, NOW, NULL, NULL, NULL),
                     AW_ERR_ARGUMENT);
    /* an empty ring */
    assert_int_equal(key_ring_table_rotate(db, empty, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_KEY_RING_EMPTY);
    assert_int_equal(key_ring_table_count_stale(db, empty, apps_table, &count),
                     AW_ERR_KEY_RING_EMPTY);
    assert_int_equal(platform_keys_rotate(db, empty, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_keys_count_stale(db, empty, &count), AW_ERR_PLATFORM_KEY_FILE);
    /* a row under a key the ring lacks: the chunk rolls back */
    key_ring *only3 = NULL;
    uint8_t key3[KEY_RING_KEY_SIZE];
    assert_int_equal(key_ring_new(&only3), AW_OK);
    add_random_key(only3, 3, key3);
    assert_int_equal(key_ring_table_rotate(db, only3, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_KEY_RING_KEY_UNKNOWN);
    assert_int_equal(platform_keys_rotate(db, only3, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_PLATFORM_DECRYPT);
    assert_int_equal(stats.rotated, 0);
    uint32_t missing = 0;
    assert_int_equal(key_ring_table_check_ids(db, only3, apps_table, &missing),
                     AW_ERR_KEY_RING_KEY_UNKNOWN);
    assert_int_equal(missing, 1);
    assert_int_equal(key_ring_table_check_ids(db, ring, apps_table, NULL), AW_ERR_ARGUMENT);
    /* a tampered row */
    uint8_t tampered[PLATFORM_SEALED_SECRET_SIZE] = {0};
    insert_app("app_tampered", 1, tampered, sizeof(tampered));
    assert_int_equal(key_ring_add(ring, 2, key3), AW_OK);
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(stats.rotated, 0);
    assert_int_equal(key_ring_table_count_stale(db, ring, apps_table, &count), AW_OK);
    assert_int_equal(count, 2); /* nothing changed */
    /* a ciphertext longer than the table allows; a key id out of range */
    uint8_t long_blob[PLATFORM_SEALED_SECRET_SIZE + 1] = {0};
    assert_int_equal(db_execute(db, "DELETE FROM platform_apps WHERE app_id = 'app_tampered'",
                                NULL, 0, NULL),
                     AW_OK);
    insert_app("app_long", 1, long_blob, sizeof(long_blob));
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_DB_TYPE);
    assert_int_equal(db_execute(db, "DELETE FROM platform_apps WHERE app_id = 'app_long'", NULL,
                                0, NULL),
                     AW_OK);
    insert_app("app_negative", -5, tampered, sizeof(tampered));
    assert_int_equal(key_ring_table_rotate(db, ring, apps_table, 64, 0, NOW, NULL, NULL, &stats),
                     AW_ERR_DB_TYPE);
    assert_int_equal(key_ring_table_check_ids(db, ring, apps_table, &missing),
                     AW_ERR_KEY_RING_KEY_UNKNOWN);
    assert_int_equal(missing, UINT32_MAX);
    /* more key ids than the caller's array */
    key_ring_id_count counts[1];
    size_t n = 0;
    assert_int_equal(key_ring_table_count_by_id(db, apps_table, counts, 1, &n), AW_ERR_LIMIT);
    assert_int_equal(key_ring_table_count_by_id(db, apps_table, NULL, 1, &n), AW_ERR_ARGUMENT);
    crypto_cleanse(key3, sizeof(key3));
    key_ring_free(only3);
    key_ring_free(empty);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_old_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_while_serving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
