/* Tests of the platform's stored state: the storage key ring and sealing
 * of app secrets (src/platform/keys.c), apps (apps.c), token pairs
 * (auth_token.c), nonces (auth_signature.c) and call limits (ratelimit.c),
 * on SQLite, or on PostgreSQL when run as
 *   tests/pg-harness.sh run test_platform_store postgresql
 * The secrets-at-rest test dumps the SQLite file with the sqlite3 CLI. */
#include "platform_testutil.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char *pg_url;
static platform_test_db tdb;
static db_connection *db;
static platform_key_ring *ring;

#define NOW 1764567890000LL

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&tdb, pg_url);
    db = platform_test_db_open(&tdb);
    ring = platform_test_ring(1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    platform_key_ring_free(ring);
    platform_test_db_remove(&tdb);
    db = NULL;
    ring = NULL;
    return 0;
}

static platform_app make_app(const platform_app_limits *limits, char *secret)
{
    platform_app app;
    char own[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_create(db, ring, "tenant.example", limits, NOW, &app,
                                         secret != NULL ? secret : own),
                     AW_OK);
    return app;
}

/* ---- Key ring ------------------------------------------------------------- */

static void test_key_ring(void **state)
{
    (void)state;
    platform_key_ring *r = NULL;
    assert_int_equal(platform_key_ring_new(&r), AW_OK);
    assert_int_equal(platform_key_ring_current_id(r), 0);
    assert_int_equal(platform_key_ring_current_id(NULL), 0);
    uint8_t key[PLATFORM_STORAGE_KEY_SIZE] = {1};
    assert_int_equal(platform_key_ring_add(r, 0, key), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_ring_add(r, 0x80000000u, key), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_ring_add(r, 3, key), AW_OK);
    assert_int_equal(platform_key_ring_add(r, 3, key), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_ring_add(NULL, 4, key), AW_ERR_ARGUMENT);
    for (uint32_t id = 4; id < 4 + PLATFORM_KEY_RING_MAX - 1; id++)
        assert_int_equal(platform_key_ring_add(r, id, key), AW_OK);
    assert_int_equal(platform_key_ring_add(r, 100, key), AW_ERR_LIMIT);
    assert_int_equal(platform_key_ring_current_id(r), 4 + PLATFORM_KEY_RING_MAX - 2);
    platform_key_ring_free(r);
    platform_key_ring_free(NULL);
    assert_int_equal(platform_key_ring_new(NULL), AW_ERR_ARGUMENT);
}

static void test_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/aw_platform_key_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/storage.key", dir);
    platform_key_ring *r = NULL;
    assert_int_equal(platform_key_ring_new(&r), AW_OK);
    assert_int_equal(platform_key_ring_add_file(r, 1, path, false), AW_ERR_NOT_FOUND);
    assert_int_equal(platform_key_ring_add_file(r, 1, path, true), AW_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, PLATFORM_STORAGE_KEY_SIZE);
    /* the same file again: the same key, under another id */
    assert_int_equal(platform_key_ring_add_file(r, 2, path, false), AW_OK);
    assert_int_equal(platform_key_ring_add_file(r, 2, path, false), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(platform_key_ring_add_file(r, 3, path, false), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, 31), 0);
    assert_int_equal(platform_key_ring_add_file(r, 3, path, false), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_ring_add_file(r, 3, NULL, false), AW_ERR_ARGUMENT);
    unlink(path);
    /* a directory is not a key file */
    assert_int_equal(platform_key_ring_add_file(r, 3, dir, false), AW_ERR_PLATFORM_KEY_FILE);
    rmdir(dir);
    platform_key_ring_free(r);
}

/* ---- Apps ----------------------------------------------------------------- */

static void test_app_create_get(void **state)
{
    (void)state;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app = make_app(NULL, secret);
    assert_int_equal(strlen(app.app_id), 19);
    assert_memory_equal(app.app_id, "app", 3);
    assert_int_equal(strlen(secret), PLATFORM_APP_SECRET_LENGTH);
    assert_int_equal(strspn(secret, "0123456789abcdef"), PLATFORM_APP_SECRET_LENGTH);
    assert_true(app.enabled);
    assert_int_equal(app.key_id, 1);
    assert_int_equal(app.limits.rate_per_minute, PLATFORM_DEFAULT_RATE_PER_MINUTE);
    platform_app got;
    assert_int_equal(platform_app_get(db, app.app_id, &got), AW_OK);
    assert_string_equal(got.tenant, "tenant.example");
    assert_int_equal(got.limits.burst, PLATFORM_DEFAULT_BURST);
    assert_int_equal(got.limits.daily_quota, PLATFORM_DEFAULT_DAILY_QUOTA);
    assert_int_equal(got.created_at_ms, NOW);
    char loaded[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_app_load_secret(db, ring, app.app_id, &got, loaded), AW_OK);
    assert_string_equal(loaded, secret);
    /* errors */
    assert_int_equal(platform_app_get(db, "app0000000000000000", &got), AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_get(db, "bad id", &got), AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_get(db, NULL, &got), AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_get(NULL, app.app_id, &got), AW_ERR_ARGUMENT);
    assert_int_equal(platform_app_load_secret(db, ring, "app0000000000000000", &got, loaded),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_string_equal(loaded, "");
    platform_app bad;
    assert_int_equal(platform_app_create(db, ring, "", NULL, NOW, &bad, secret), AW_ERR_ARGUMENT);
    assert_int_equal(platform_app_create(db, ring, "ten ant", NULL, NOW, &bad, secret),
                     AW_ERR_ARGUMENT);
    assert_string_equal(secret, "");
    platform_app_limits limits = {.rate_per_minute = 0, .burst = 1, .daily_quota = 0};
    assert_int_equal(platform_app_create(db, ring, "t", &limits, NOW, &bad, secret),
                     AW_ERR_ARGUMENT);
    limits = (platform_app_limits){.rate_per_minute = 1, .burst = 1, .daily_quota = -1};
    assert_int_equal(platform_app_create(db, ring, "t", &limits, NOW, &bad, secret),
                     AW_ERR_ARGUMENT);
    platform_key_ring *empty = NULL;
    assert_int_equal(platform_key_ring_new(&empty), AW_OK);
    assert_int_equal(platform_app_create(db, empty, "t", NULL, NOW, &bad, secret),
                     AW_ERR_PLATFORM_KEY_FILE);
    assert_string_equal(bad.app_id, "");
    assert_int_equal(platform_app_load_secret(db, empty, app.app_id, &got, loaded),
                     AW_ERR_PLATFORM_DECRYPT);
    platform_key_ring_free(empty);
}

static void test_app_admin(void **state)
{
    (void)state;
    platform_app app = make_app(NULL, NULL);
    assert_int_equal(platform_app_set_enabled(db, app.app_id, false, NOW + 1), AW_OK);
    platform_app got;
    assert_int_equal(platform_app_get(db, app.app_id, &got), AW_OK);
    assert_false(got.enabled);
    assert_int_equal(got.updated_at_ms, NOW + 1);
    assert_int_equal(platform_app_set_enabled(db, app.app_id, true, NOW + 2), AW_OK);
    assert_int_equal(platform_app_get(db, app.app_id, &got), AW_OK);
    assert_true(got.enabled);
    platform_app_limits limits = {.rate_per_minute = 6, .burst = 2, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(db, app.app_id, &limits, NOW + 3), AW_OK);
    assert_int_equal(platform_app_get(db, app.app_id, &got), AW_OK);
    assert_int_equal(got.limits.rate_per_minute, 6);
    assert_int_equal(got.limits.burst, 2);
    assert_int_equal(got.limits.daily_quota, 0);
    assert_int_equal(platform_app_set_enabled(db, "app0000000000000000", false, NOW),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_set_enabled(db, "x y", false, NOW), AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_set_limits(db, "app0000000000000000", &limits, NOW),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_app_set_limits(db, "x y", &limits, NOW), AW_ERR_PLATFORM_APP_UNKNOWN);
    limits.burst = PLATFORM_LIMIT_MAX + 1;
    assert_int_equal(platform_app_set_limits(db, app.app_id, &limits, NOW), AW_ERR_ARGUMENT);
}

/* "[ID:]PATH" storage key arguments */
static void test_key_argument(void **state)
{
    (void)state;
    uint32_t id = 0;
    const char *path = NULL;
    assert_int_equal(platform_key_argument_parse("keys/a.key", 2, &id, &path), AW_OK);
    assert_int_equal(id, 3);
    assert_string_equal(path, "keys/a.key");
    assert_int_equal(platform_key_argument_parse("7:/k/b.key", 0, &id, &path), AW_OK);
    assert_int_equal(id, 7);
    assert_string_equal(path, "/k/b.key");
    assert_int_equal(platform_key_argument_parse("2147483647:x", 0, &id, &path), AW_OK);
    assert_int_equal(id, 2147483647u);
    assert_int_equal(platform_key_argument_parse("0:x", 0, &id, &path), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_argument_parse("2147483648:x", 0, &id, &path),
                     AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_key_argument_parse("99999999999999999999999:x", 0, &id, &path),
                     AW_ERR_PLATFORM_KEY_FILE);
    /* digits without a colon are a path */
    assert_int_equal(platform_key_argument_parse("123", 0, &id, &path), AW_OK);
    assert_int_equal(id, 1);
    assert_string_equal(path, "123");
}

static void test_key_rotation(void **state)
{
    (void)state;
    char old_secret[PLATFORM_APP_SECRET_LENGTH + 1], new_secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app old_app = make_app(NULL, old_secret);
    uint8_t key2[PLATFORM_STORAGE_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key2, sizeof(key2)), AW_OK);
    assert_int_equal(platform_key_ring_add(ring, 2, key2), AW_OK);
    platform_app new_app = make_app(NULL, new_secret);
    assert_int_equal(new_app.key_id, 2);
    char loaded[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app got;
    assert_int_equal(platform_app_load_secret(db, ring, old_app.app_id, &got, loaded), AW_OK);
    assert_string_equal(loaded, old_secret);
    assert_int_equal(got.key_id, 1);
    assert_int_equal(platform_app_load_secret(db, ring, new_app.app_id, &got, loaded), AW_OK);
    assert_string_equal(loaded, new_secret);
    /* a ring without key 1 cannot open the old app's secret */
    platform_key_ring *only2 = NULL;
    assert_int_equal(platform_key_ring_new(&only2), AW_OK);
    assert_int_equal(platform_key_ring_add(only2, 2, key2), AW_OK);
    assert_int_equal(platform_app_load_secret(db, only2, old_app.app_id, &got, loaded),
                     AW_ERR_PLATFORM_DECRYPT);
    /* the ciphertext is bound to its app: swapping rows fails */
    db_rows *rows = NULL;
    const db_param p[] = {DB_PARAM_TEXT(new_app.app_id)};
    assert_int_equal(db_query(db, "SELECT secret_encrypted FROM platform_apps WHERE app_id = ?", p,
                              1, &rows),
                     AW_OK);
    bool has_row = false;
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    const uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    assert_int_equal(db_rows_get_blob(rows, 0, &sealed, &sealed_len), AW_OK);
    uint8_t copy[256];
    assert_true(sealed_len <= sizeof(copy));
    memcpy(copy, sealed, sealed_len);
    db_rows_free(rows);
    const db_param q[] = {DB_PARAM_BLOB(copy, sealed_len), DB_PARAM_TEXT(old_app.app_id)};
    assert_int_equal(db_execute(db,
                                "UPDATE platform_apps SET secret_encrypted = ?, key_id = 2 "
                                "WHERE app_id = ?",
                                q, 2, NULL),
                     AW_OK);
    assert_int_equal(platform_app_load_secret(db, ring, old_app.app_id, &got, loaded),
                     AW_ERR_PLATFORM_DECRYPT);
    /* a flipped bit fails authentication; a truncated blob too */
    copy[sealed_len - 1] ^= 1;
    const db_param r[] = {DB_PARAM_BLOB(copy, sealed_len), DB_PARAM_TEXT(new_app.app_id)};
    assert_int_equal(db_execute(db, "UPDATE platform_apps SET secret_encrypted = ? WHERE app_id = ?",
                                r, 2, NULL),
                     AW_OK);
    assert_int_equal(platform_app_load_secret(db, ring, new_app.app_id, &got, loaded),
                     AW_ERR_PLATFORM_DECRYPT);
    const db_param s[] = {DB_PARAM_BLOB(copy, sealed_len - 1), DB_PARAM_TEXT(new_app.app_id)};
    assert_int_equal(db_execute(db, "UPDATE platform_apps SET secret_encrypted = ? WHERE app_id = ?",
                                s, 2, NULL),
                     AW_OK);
    assert_int_equal(platform_app_load_secret(db, ring, new_app.app_id, &got, loaded),
                     AW_ERR_PLATFORM_DECRYPT);
    platform_key_ring_free(only2);
    crypto_cleanse(key2, sizeof(key2));
}

static void test_key_reseal(void **state)
{
    (void)state;
    char secrets[3][PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app apps[3];
    for (size_t i = 0; i < 3; i++)
        apps[i] = make_app(NULL, secrets[i]);
    int64_t resealed = -1;
    assert_int_equal(platform_app_reseal(db, ring, NOW, &resealed), AW_OK);
    assert_int_equal(resealed, 0); /* all under the current key already */
    uint8_t key2[PLATFORM_STORAGE_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key2, sizeof(key2)), AW_OK);
    assert_int_equal(platform_key_ring_add(ring, 2, key2), AW_OK);
    assert_int_equal(platform_app_reseal(db, ring, NOW + 5, &resealed), AW_OK);
    assert_int_equal(resealed, 3);
    /* key 1 can go: a ring of key 2 alone opens every secret */
    platform_key_ring *only2 = NULL;
    assert_int_equal(platform_key_ring_new(&only2), AW_OK);
    assert_int_equal(platform_key_ring_add(only2, 2, key2), AW_OK);
    for (size_t i = 0; i < 3; i++) {
        platform_app got;
        char loaded[PLATFORM_APP_SECRET_LENGTH + 1];
        assert_int_equal(platform_app_load_secret(db, only2, apps[i].app_id, &got, loaded), AW_OK);
        assert_string_equal(loaded, secrets[i]);
        assert_int_equal(got.key_id, 2);
        assert_int_equal(got.updated_at_ms, NOW + 5);
    }
    /* a key missing from the ring: nothing changes (all or nothing) */
    platform_key_ring *only3 = platform_test_ring(3);
    assert_int_equal(platform_app_reseal(db, only3, NOW, &resealed), AW_ERR_PLATFORM_DECRYPT);
    assert_int_equal(resealed, 0);
    platform_app got;
    assert_int_equal(platform_app_get(db, apps[0].app_id, &got), AW_OK);
    assert_int_equal(got.key_id, 2);
    platform_key_ring *empty = NULL;
    assert_int_equal(platform_key_ring_new(&empty), AW_OK);
    assert_int_equal(platform_app_reseal(db, empty, NOW, &resealed), AW_ERR_PLATFORM_KEY_FILE);
    assert_int_equal(platform_app_reseal(NULL, ring, NOW, &resealed), AW_ERR_ARGUMENT);
    platform_key_ring_free(empty);
    platform_key_ring_free(only3);
    platform_key_ring_free(only2);
    crypto_cleanse(key2, sizeof(key2));
}

/* ---- Tokens --------------------------------------------------------------- */

#define ACCESS_TTL 7200000LL
#define REFRESH_TTL 86400000LL

static void test_token_issue_verify(void **state)
{
    (void)state;
    platform_app app = make_app(NULL, NULL);
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(db, app.app_id, ACCESS_TTL, REFRESH_TTL, NOW, &pair),
                     AW_OK);
    assert_int_equal(strlen(pair.access_token), PLATFORM_TOKEN_LENGTH);
    assert_memory_equal(pair.access_token, "awat_", 5);
    assert_memory_equal(pair.refresh_token, "awrt_", 5);
    assert_int_equal(pair.access_expires_at_ms, NOW + ACCESS_TTL);
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t expires = 0;
    assert_int_equal(platform_token_verify(db, pair.access_token, NOW + ACCESS_TTL - 1, app_id,
                                           &expires),
                     AW_OK);
    assert_string_equal(app_id, app.app_id);
    assert_int_equal(expires, NOW + ACCESS_TTL);
    assert_int_equal(platform_token_verify(db, pair.access_token, NOW + ACCESS_TTL, app_id,
                                           &expires),
                     AW_ERR_PLATFORM_TOKEN_EXPIRED);
    assert_string_equal(app_id, "");
    /* a refresh token is no access token; unknown and malformed tokens */
    assert_int_equal(platform_token_verify(db, pair.refresh_token, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    char unknown[PLATFORM_TOKEN_LENGTH + 1];
    memcpy(unknown, pair.access_token, sizeof(unknown));
    unknown[10] = unknown[10] == '0' ? '1' : '0';
    assert_int_equal(platform_token_verify(db, unknown, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    unknown[10] = 'A'; /* uppercase hex is not a token */
    assert_int_equal(platform_token_verify(db, unknown, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_token_verify(db, "awat_00", NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_token_verify(db, NULL, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_token_verify(db, pair.access_token, NOW, NULL, &expires),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_token_issue(db, app.app_id, 0, REFRESH_TTL, NOW, &pair),
                     AW_ERR_ARGUMENT);
    assert_string_equal(pair.access_token, "");
    assert_int_equal(platform_token_issue(db, "a b", ACCESS_TTL, REFRESH_TTL, NOW, &pair),
                     AW_ERR_ARGUMENT);
    /* an app that does not exist: the foreign key refuses */
    assert_int_equal(platform_token_issue(db, "app0000000000000000", ACCESS_TTL, REFRESH_TTL, NOW,
                                          &pair),
                     AW_ERR_DB_CONSTRAINT);
}

static void test_token_refresh(void **state)
{
    (void)state;
    platform_app app = make_app(NULL, NULL);
    platform_app other = make_app(NULL, NULL);
    platform_token_pair first, second, again;
    assert_int_equal(platform_token_issue(db, app.app_id, ACCESS_TTL, REFRESH_TTL, NOW, &first),
                     AW_OK);
    /* another app's refresh token is unknown to this app */
    assert_int_equal(platform_token_refresh(db, other.app_id, first.refresh_token, ACCESS_TTL,
                                            REFRESH_TTL, NOW, &again),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_token_refresh(db, app.app_id, first.refresh_token, ACCESS_TTL,
                                            REFRESH_TTL, NOW + 1000, &second),
                     AW_OK);
    assert_string_not_equal(second.access_token, first.access_token);
    assert_int_equal(second.access_expires_at_ms, NOW + 1000 + ACCESS_TTL);
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t expires;
    assert_int_equal(platform_token_verify(db, second.access_token, NOW + 1000, app_id, &expires),
                     AW_OK);
    /* the old pair is revoked, its refresh token works once */
    assert_int_equal(platform_token_verify(db, first.access_token, NOW + 1000, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_REVOKED);
    assert_int_equal(platform_token_refresh(db, app.app_id, first.refresh_token, ACCESS_TTL,
                                            REFRESH_TTL, NOW + 2000, &again),
                     AW_ERR_PLATFORM_TOKEN_REVOKED);
    assert_string_equal(again.refresh_token, "");
    /* expired refresh token */
    assert_int_equal(platform_token_refresh(db, app.app_id, second.refresh_token, ACCESS_TTL,
                                            REFRESH_TTL, NOW + 1000 + REFRESH_TTL, &again),
                     AW_ERR_PLATFORM_TOKEN_EXPIRED);
    /* an access token is not a refresh token */
    assert_int_equal(platform_token_refresh(db, app.app_id, second.access_token, ACCESS_TTL,
                                            REFRESH_TTL, NOW, &again),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_token_refresh(db, app.app_id, second.refresh_token, -1, REFRESH_TTL,
                                            NOW, &again),
                     AW_ERR_ARGUMENT);
}

static void test_token_revoke_purge(void **state)
{
    (void)state;
    platform_app app = make_app(NULL, NULL);
    platform_app other = make_app(NULL, NULL);
    platform_token_pair a, b;
    assert_int_equal(platform_token_issue(db, app.app_id, ACCESS_TTL, REFRESH_TTL, NOW, &a), AW_OK);
    assert_int_equal(platform_token_issue(db, app.app_id, ACCESS_TTL, REFRESH_TTL, NOW, &b), AW_OK);
    bool revoked = true;
    /* RFC 7009 2.2: another app's token, unknown and malformed ones: no error, nothing revoked */
    assert_int_equal(platform_token_revoke(db, other.app_id, a.access_token, NOW, &revoked), AW_OK);
    assert_false(revoked);
    assert_int_equal(platform_token_revoke(db, app.app_id, "nonsense", NOW, &revoked), AW_OK);
    assert_false(revoked);
    assert_int_equal(platform_token_revoke(db, app.app_id, a.access_token, NOW, &revoked), AW_OK);
    assert_true(revoked);
    assert_int_equal(platform_token_revoke(db, app.app_id, a.refresh_token, NOW, &revoked), AW_OK);
    assert_false(revoked); /* already revoked with its pair */
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t expires;
    assert_int_equal(platform_token_verify(db, a.access_token, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_REVOKED);
    /* revoking by the refresh token ends the access token too */
    assert_int_equal(platform_token_revoke(db, app.app_id, b.refresh_token, NOW, &revoked), AW_OK);
    assert_true(revoked);
    assert_int_equal(platform_token_verify(db, b.access_token, NOW, app_id, &expires),
                     AW_ERR_PLATFORM_TOKEN_REVOKED);
    assert_int_equal(platform_token_revoke(db, app.app_id, NULL, NOW, &revoked), AW_ERR_ARGUMENT);
    int64_t deleted = -1;
    assert_int_equal(platform_token_purge(db, NOW + REFRESH_TTL, &deleted), AW_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(platform_token_purge(db, NOW + REFRESH_TTL + 1, &deleted), AW_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(platform_token_purge(NULL, NOW, &deleted), AW_ERR_ARGUMENT);
}

/* ---- Nonces --------------------------------------------------------------- */

static void test_nonce_once(void **state)
{
    (void)state;
    const char *app = "app0123456789abcdef", *nonce = "n0nce-Example_0001";
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW), AW_OK);
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW + 1),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    /* another app may use the same nonce */
    assert_int_equal(platform_nonce_record(db, "app1", nonce, NOW + 601000, NOW), AW_OK);
    /* a restart: a new connection still refuses the replay */
    db_close(db);
    db = platform_test_db_open(&tdb);
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW + 2),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    /* the same nonce signed with another timestamp (so another expiry) is
     * another call; a replay repeats both and stays refused */
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 602000, NOW + 3), AW_OK);
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 602000, NOW + 4),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    /* an expired row not yet purged is taken over (its window is gone) */
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW + 601000), AW_OK);
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 1300000, NOW + 601000), AW_OK);
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 1300000, NOW + 601001),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    int64_t deleted = -1;
    assert_int_equal(platform_nonce_purge(db, NOW + 601000, &deleted), AW_OK);
    assert_int_equal(deleted, 2); /* app's taken-over row and app1's */
    assert_int_equal(platform_nonce_purge(db, NOW + 1300000, &deleted), AW_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(platform_nonce_record(db, app, "short", NOW, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_nonce_record(NULL, app, nonce, NOW, NOW), AW_ERR_ARGUMENT);
    assert_int_equal(platform_nonce_purge(NULL, NOW, &deleted), AW_ERR_ARGUMENT);
}

/* Put the nonces' table back as it was before migration `version` (keyed
 * by app_id and nonce, with the expiry index; `without_rowid` "" or
 * " WITHOUT ROWID"), holding app's nonce until NOW + 601 s, and forget the
 * migrations from `version` on. */
static void put_back_nonces(const char *without_rowid, const char *app, const char *nonce,
                            int version)
{
    char create[256];
    snprintf(create, sizeof(create),
             "CREATE TABLE platform_nonces (app_id TEXT NOT NULL, nonce TEXT NOT NULL, "
             "expires_at BIGINT NOT NULL, PRIMARY KEY (app_id, nonce))%s",
             without_rowid);
    const db_param p[] = {DB_PARAM_TEXT(app), DB_PARAM_TEXT(nonce),
                          DB_PARAM_INT64(NOW + 601000)};
    const db_param from[] = {DB_PARAM_INT64(version)};
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_execute(db, "DROP TABLE platform_nonces", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db, create, NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db,
                                "CREATE INDEX platform_nonces_expiry ON platform_nonces "
                                "(expires_at)",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(db_execute(db,
                                "INSERT INTO platform_nonces (app_id, nonce, expires_at) "
                                "VALUES (?, ?, ?)",
                                p, 3, NULL),
                     AW_OK);
    assert_int_equal(db_execute(db,
                                "DELETE FROM schema_migrations WHERE component = 'platform' "
                                "AND version >= ?",
                                from, 1, NULL),
                     AW_OK);
    assert_int_equal(db_commit(db), AW_OK);
}

/* Migration 4 (schema.c): on SQLite the nonces are rebuilt WITHOUT ROWID and
 * the live ones carried over. The test puts the table back as version 3
 * left it, with a nonce in it, and runs version 4 (and those after it)
 * again. */
static void test_nonce_migration(void **state)
{
    (void)state;
    const char *app = "app0123456789abcdef", *nonce = "n0nce-Example_0002";
    if (tdb.postgresql) {
        printf("the nonce table is rebuilt on SQLite only\n");
        return;
    }
    db_rows *rows = NULL;
    bool has_row = false;
    const char *text = NULL;
    const char *definition_sql = "SELECT sql FROM sqlite_schema WHERE name = 'platform_nonces'";
    assert_int_equal(db_query(db, definition_sql, NULL, 0, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_non_null(strstr(text, "WITHOUT ROWID"));
    db_rows_free(rows);
    put_back_nonces("", app, nonce, 4);
    assert_int_equal(platform_migrate(db), AW_OK);
    assert_int_equal(db_query(db, definition_sql, NULL, 0, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_non_null(strstr(text, "WITHOUT ROWID"));
    db_rows_free(rows);
    /* carried over: still refused, and still expiring */
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW + 1),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    int64_t deleted = -1;
    assert_int_equal(platform_nonce_purge(db, NOW + 601000, &deleted), AW_OK);
    assert_int_equal(deleted, 1);
}

static int64_t count_of(const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(db, sql, NULL, 0, &n), AW_OK);
    return n;
}

/* Migration 6 (schema.c): the nonces keyed by (expires_at, app_id, nonce),
 * the expiry index gone, the live nonces carried over. The test puts the
 * table back as version 5 left it, with a nonce in it, and runs version 6
 * again; on both databases. */
static void test_nonce_migration_by_expiry(void **state)
{
    (void)state;
    const char *app = "app0123456789abcdef", *nonce = "n0nce-Example_0003";
    const char *leading_sql =
        tdb.postgresql
            ? "SELECT COUNT(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
              "AND a.attnum = i.indkey[0] WHERE i.indrelid = 'platform_nonces'::regclass AND "
              "i.indisprimary AND a.attname = 'expires_at'"
            : "SELECT COUNT(*) FROM pragma_table_info('platform_nonces') "
              "WHERE pk = 1 AND name = 'expires_at'";
    const char *index_sql =
        tdb.postgresql
            ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'platform_nonces_expiry'"
            : "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'platform_nonces_expiry'";
    assert_int_equal(count_of(leading_sql), 1);
    assert_int_equal(count_of(index_sql), 0);
    put_back_nonces(tdb.postgresql ? "" : " WITHOUT ROWID", app, nonce, 6);
    assert_int_equal(count_of(leading_sql), 0);
    assert_int_equal(platform_migrate(db), AW_OK);
    assert_int_equal(count_of(leading_sql), 1);
    assert_int_equal(count_of(index_sql), 0);
    /* carried over: still refused, and still expiring */
    assert_int_equal(platform_nonce_record(db, app, nonce, NOW + 601000, NOW + 1),
                     AW_ERR_PLATFORM_NONCE_REPLAYED);
    int64_t deleted = -1;
    assert_int_equal(platform_nonce_purge(db, NOW + 600999, &deleted), AW_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(platform_nonce_purge(db, NOW + 601000, &deleted), AW_OK);
    assert_int_equal(deleted, 1);
}

/* ---- Call limits ---------------------------------------------------------- */

static void test_rate_limiter(void **state)
{
    (void)state;
    platform_rate_limiter *limiter = NULL;
    assert_int_equal(platform_rate_limiter_new(&limiter), AW_OK);
    platform_app_limits limits = {.rate_per_minute = 6, .burst = 2, .daily_quota = 0};
    int64_t retry = -1;
    const char *app = "appA";
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW, &retry), AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW, &retry), AW_OK);
    /* empty: one call refills in 60 s / 6 = 10 s */
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW, &retry),
                     AW_ERR_PLATFORM_RATE_LIMITED);
    assert_int_equal(retry, 10);
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW + 4500, &retry),
                     AW_ERR_PLATFORM_RATE_LIMITED);
    assert_int_equal(retry, 6); /* 5.5 s rounded up */
    /* frequent refused calls do not lose the refill in rounding */
    for (int64_t t = NOW + 4500; t < NOW + 10000; t += 1)
        assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, t, &retry),
                         AW_ERR_PLATFORM_RATE_LIMITED);
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW + 10000, &retry), AW_OK);
    assert_int_equal(retry, 0);
    /* other apps have their own buckets */
    assert_int_equal(platform_rate_limiter_take(limiter, "appC", &limits, NOW, &retry), AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, "appB", &limits, NOW, &retry), AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, "app0", &limits, NOW, &retry), AW_OK);
    /* a long pause fills the bucket up to the burst, no more */
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW + 10LL * 86400000,
                                                &retry),
                     AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW + 10LL * 86400000,
                                                &retry),
                     AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, app, &limits, NOW + 10LL * 86400000,
                                                &retry),
                     AW_ERR_PLATFORM_RATE_LIMITED);
    /* a fast rate: 6000 per minute, a call each 10 ms */
    platform_app_limits fast = {.rate_per_minute = 6000, .burst = 1, .daily_quota = 0};
    assert_int_equal(platform_rate_limiter_take(limiter, "fast", &fast, NOW, &retry), AW_OK);
    assert_int_equal(platform_rate_limiter_take(limiter, "fast", &fast, NOW + 5, &retry),
                     AW_ERR_PLATFORM_RATE_LIMITED);
    assert_int_equal(retry, 1); /* never 0 */
    assert_int_equal(platform_rate_limiter_take(limiter, "fast", &fast, NOW + 10, &retry), AW_OK);
    /* argument errors */
    platform_app_limits bad = {.rate_per_minute = 0, .burst = 1};
    assert_int_equal(platform_rate_limiter_take(limiter, app, &bad, NOW, &retry), AW_ERR_ARGUMENT);
    assert_int_equal(platform_rate_limiter_take(limiter, "a b", &limits, NOW, &retry),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_rate_limiter_take(NULL, app, &limits, NOW, &retry), AW_ERR_ARGUMENT);
    platform_rate_limiter_free(limiter);
    platform_rate_limiter_free(NULL);
    assert_int_equal(platform_rate_limiter_new(NULL), AW_ERR_ARGUMENT);
}

static void test_rate_limiter_many_apps(void **state)
{
    (void)state;
    platform_rate_limiter *limiter = NULL;
    assert_int_equal(platform_rate_limiter_new(&limiter), AW_OK);
    platform_app_limits limits = {.rate_per_minute = 60, .burst = 1, .daily_quota = 0};
    int64_t retry;
    char id[32];
    for (unsigned i = 0; i < PLATFORM_RATE_LIMITER_MAX_APPS; i++) {
        snprintf(id, sizeof(id), "app%u", (i * 7919u) % PLATFORM_RATE_LIMITER_MAX_APPS);
        assert_int_equal(platform_rate_limiter_take(limiter, id, &limits, NOW, &retry), AW_OK);
    }
    assert_int_equal(platform_rate_limiter_take(limiter, "one-more", &limits, NOW, &retry),
                     AW_ERR_LIMIT);
    /* every bucket is still found: each is empty now */
    assert_int_equal(platform_rate_limiter_take(limiter, "app12345", &limits, NOW, &retry),
                     AW_ERR_PLATFORM_RATE_LIMITED);
    platform_rate_limiter_free(limiter);
}

static void test_quota(void **state)
{
    (void)state;
    platform_app app = make_app(NULL, NULL);
    platform_app_limits limits = {.rate_per_minute = 60, .burst = 10, .daily_quota = 3};
    /* 2025-12-01 05:44:50 UTC */
    int64_t now = NOW;
    int64_t midnight_utc = (NOW / 86400000 + 1) * 86400000;
    int64_t retry = -1;
    for (int i = 0; i < 3; i++)
        assert_int_equal(platform_quota_take(db, app.app_id, &limits, 0, now, &retry), AW_OK);
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 0, now, &retry),
                     AW_ERR_PLATFORM_QUOTA_EXHAUSTED);
    assert_int_equal(retry, (midnight_utc - now + 999) / 1000);
    /* UTC+8: the day ends at 16:00 UTC, another day's counter */
    int64_t midnight_cst = midnight_utc - 8LL * 3600000;
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 480, now, &retry),
                     AW_ERR_PLATFORM_QUOTA_EXHAUSTED); /* 13:44 local: the same day number */
    assert_int_equal(retry, (midnight_cst - now + 999) / 1000);
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 480, midnight_cst, &retry),
                     AW_OK);
    /* the next UTC day */
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 0, midnight_utc, &retry), AW_OK);
    /* a raised quota takes effect at once */
    limits.daily_quota = 4;
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 0, now, &retry), AW_OK);
    /* 0: unlimited, nothing counted */
    limits.daily_quota = 0;
    for (int i = 0; i < 5; i++)
        assert_int_equal(platform_quota_take(db, app.app_id, &limits, 0, now, &retry), AW_OK);
    assert_int_equal(platform_quota_take(db, app.app_id, &limits, 15 * 60, now, &retry),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_quota_take(db, "a b", &limits, 0, now, &retry), AW_ERR_ARGUMENT);
    assert_int_equal(platform_quota_take(NULL, app.app_id, &limits, 0, now, &retry),
                     AW_ERR_ARGUMENT);
}

/* ---- Secrets at rest ------------------------------------------------------ */

static bool file_contains(const char *path, const char *needle)
{
    size_t len = 0;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    size_t n = strlen(needle);
    bool found = false;
    for (size_t i = 0; !found && n <= len && i <= len - n; i++)
        found = memcmp(data + i, needle, n) == 0;
    free(data);
    return found;
}

static void test_dump_has_no_secrets(void **state)
{
    (void)state;
    if (tdb.postgresql) {
        printf("sqlite3 dump check runs on the SQLite pass only\n");
        return;
    }
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app = make_app(NULL, secret);
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(db, app.app_id, ACCESS_TTL, REFRESH_TTL, NOW, &pair),
                     AW_OK);
    db_close(db);
    db = NULL;
    char dump[300], cmd[700];
    snprintf(dump, sizeof(dump), "%s/dump.sql", tdb.dir);
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' .dump > '%s'", tdb.sqlite_path, dump);
    assert_int_equal(system(cmd), 0);
    assert_true(file_contains(dump, app.app_id)); /* the dump is real */
    assert_true(file_contains(dump, "platform_tokens"));
    /* neither the secret nor a token, as text or as the hex of their bytes
     * (how the dump writes blobs) */
    const char *const secrets[] = {secret, pair.access_token + 5, pair.refresh_token + 5};
    for (size_t i = 0; i < 3; i++) {
        assert_false(file_contains(dump, secrets[i]));
        char upper[2 * PLATFORM_APP_SECRET_LENGTH + 1];
        aw_hex_encode((const uint8_t *)secrets[i], 32, upper, true);
        assert_false(file_contains(dump, upper));
    }
    /* nor the raw database file and its WAL */
    assert_false(file_contains(tdb.sqlite_path, secret));
    snprintf(cmd, sizeof(cmd), "%s-wal", tdb.sqlite_path);
    if (access(cmd, F_OK) == 0)
        assert_false(file_contains(cmd, secret));
    unlink(dump);
    db = platform_test_db_open(&tdb);
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
        cmocka_unit_test(test_key_ring),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_key_argument),
        cmocka_unit_test_setup_teardown(test_app_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_reseal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_issue_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_revoke_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_migration_by_expiry, setup, teardown),
        cmocka_unit_test(test_rate_limiter),
        cmocka_unit_test(test_rate_limiter_many_apps),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_has_no_secrets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
