/* airwrite platform: opaque bearer tokens of the northbound API
 * (POST /api/v1/auth/token, /auth/refresh, /auth/revoke; RFC 6750 bearer
 * use, RFC 7009 revocation semantics). A token is 32 random bytes in hex
 * behind a type prefix; the database keeps only its SHA-256, so a dump of
 * the database does not hand out working tokens. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/hex.h"
#include "platform/credential_cache.h"

#define TOKEN_PREFIX_LENGTH 5u
#define TOKEN_RANDOM_SIZE 32u

bool platform_token_valid(const char *token, const char *prefix)
{
    if (token == NULL || strnlen(token, PLATFORM_TOKEN_LENGTH + 1) != PLATFORM_TOKEN_LENGTH)
        return false;
    if (prefix != NULL && strncmp(token, prefix, TOKEN_PREFIX_LENGTH) != 0)
        return false;
    if (prefix == NULL && strncmp(token, PLATFORM_ACCESS_TOKEN_PREFIX, TOKEN_PREFIX_LENGTH) != 0 &&
        strncmp(token, PLATFORM_REFRESH_TOKEN_PREFIX, TOKEN_PREFIX_LENGTH) != 0)
        return false;
    for (size_t i = TOKEN_PREFIX_LENGTH; i < PLATFORM_TOKEN_LENGTH; i++) {
        char c = token[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static aw_err token_hash(const char *token, uint8_t digest[CRYPTO_SHA256_SIZE])
{
    return crypto_sha256((const uint8_t *)token, strlen(token), digest);
}

static aw_err token_new(const char *prefix, char token[PLATFORM_TOKEN_LENGTH + 1])
{
    uint8_t random[TOKEN_RANDOM_SIZE];
    aw_err err = crypto_random_bytes(random, sizeof(random));
    if (err == AW_OK) {
        memcpy(token, prefix, TOKEN_PREFIX_LENGTH);
        aw_hex_encode(random, sizeof(random), token + TOKEN_PREFIX_LENGTH, false);
    }
    OPENSSL_cleanse(random, sizeof(random));
    return err;
}

static aw_err insert_pair(db_connection *db, const char *app_id, int64_t access_ttl_ms,
                          int64_t refresh_ttl_ms, int64_t now_ms, platform_token_pair *pair)
{
    uint8_t access_hash[CRYPTO_SHA256_SIZE], refresh_hash[CRYPTO_SHA256_SIZE];
    aw_err err = token_new(PLATFORM_ACCESS_TOKEN_PREFIX, pair->access_token);
    if (err == AW_OK)
        err = token_new(PLATFORM_REFRESH_TOKEN_PREFIX, pair->refresh_token);
    if (err == AW_OK)
        err = token_hash(pair->access_token, access_hash);
    if (err == AW_OK)
        err = token_hash(pair->refresh_token, refresh_hash);
    if (err != AW_OK)
        return err;
    pair->access_expires_at_ms = now_ms + access_ttl_ms;
    pair->refresh_expires_at_ms = now_ms + refresh_ttl_ms;
    const db_param p[] = {
        DB_PARAM_TEXT(app_id),
        DB_PARAM_BLOB(access_hash, sizeof(access_hash)),
        DB_PARAM_BLOB(refresh_hash, sizeof(refresh_hash)),
        DB_PARAM_INT64(pair->access_expires_at_ms),
        DB_PARAM_INT64(pair->refresh_expires_at_ms),
        DB_PARAM_INT64(now_ms),
    };
    return db_execute(db,
                      "INSERT INTO platform_tokens (app_id, access_hash, refresh_hash, "
                      "access_expires_at, refresh_expires_at, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      p, sizeof(p) / sizeof(p[0]), NULL);
}

static void pair_clear(platform_token_pair *pair)
{
    OPENSSL_cleanse(pair, sizeof(*pair));
}

aw_err platform_token_issue(db_connection *db, const char *app_id, int64_t access_ttl_ms,
                            int64_t refresh_ttl_ms, int64_t now_ms, platform_token_pair *pair)
{
    if (pair != NULL)
        memset(pair, 0, sizeof(*pair));
    if (db == NULL || pair == NULL || !platform_app_id_valid(app_id) || access_ttl_ms <= 0 ||
        refresh_ttl_ms <= 0)
        return AW_ERR_ARGUMENT;
    aw_err err = insert_pair(db, app_id, access_ttl_ms, refresh_ttl_ms, now_ms, pair);
    if (err != AW_OK)
        pair_clear(pair);
    return err;
}

/* The pair row a token hash names: id, app, expiry, revoked flag. */
typedef struct pair_row {
    int64_t id;
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t expires_at_ms;
    bool revoked;
} pair_row;

static aw_err find_pair(db_connection *db, const char *sql, const char *token, pair_row *row)
{
    memset(row, 0, sizeof(*row));
    uint8_t hash[CRYPTO_SHA256_SIZE];
    aw_err err = token_hash(token, hash);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_BLOB(hash, sizeof(hash))};
    db_rows *rows = NULL;
    err = db_query(db, sql, p, 1, &rows);
    bool has_row = false;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_PLATFORM_TOKEN_INVALID;
    const char *app_id = NULL;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &row->id);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &app_id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &row->expires_at_ms);
    if (err == AW_OK) {
        row->revoked = db_rows_column_type(rows, 3) != DB_TYPE_NULL;
        snprintf(row->app_id, sizeof(row->app_id), "%s", app_id);
    }
    db_rows_free(rows);
    return err;
}

static aw_err check_pair(const pair_row *row, const char *app_id, int64_t now_ms)
{
    if (app_id != NULL && strcmp(row->app_id, app_id) != 0)
        return AW_ERR_PLATFORM_TOKEN_INVALID; /* never reveal another app's token state */
    if (row->revoked)
        return AW_ERR_PLATFORM_TOKEN_REVOKED;
    if (now_ms >= row->expires_at_ms)
        return AW_ERR_PLATFORM_TOKEN_EXPIRED;
    return AW_OK;
}

aw_err platform_token_verify(db_connection *db, const char *access_token, int64_t now_ms,
                             char app_id[PLATFORM_APP_ID_MAX + 1], int64_t *expires_at_ms)
{
    if (app_id != NULL)
        app_id[0] = '\0';
    if (expires_at_ms != NULL)
        *expires_at_ms = 0;
    if (db == NULL || app_id == NULL || expires_at_ms == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_token_valid(access_token, PLATFORM_ACCESS_TOKEN_PREFIX))
        return AW_ERR_PLATFORM_TOKEN_INVALID;
    pair_row row;
    aw_err err = find_pair(db,
                           "SELECT id, app_id, access_expires_at, revoked_at FROM platform_tokens "
                           "WHERE access_hash = ?",
                           access_token, &row);
    if (err == AW_OK)
        err = check_pair(&row, NULL, now_ms);
    if (err == AW_OK) {
        memcpy(app_id, row.app_id, sizeof(row.app_id));
        *expires_at_ms = row.expires_at_ms;
    }
    return err;
}

typedef struct refresh_args {
    const char *app_id;
    const char *refresh_token;
    int64_t access_ttl_ms, refresh_ttl_ms, now_ms;
    platform_token_pair *pair;
} refresh_args;

static aw_err refresh_in_transaction(db_connection *db, void *arg)
{
    refresh_args *a = arg;
    pair_row row;
    aw_err err = find_pair(db,
                           "SELECT id, app_id, refresh_expires_at, revoked_at FROM platform_tokens "
                           "WHERE refresh_hash = ?",
                           a->refresh_token, &row);
    if (err == AW_OK)
        err = check_pair(&row, a->app_id, a->now_ms);
    if (err != AW_OK)
        return err;
    /* revoked_at IS NULL: of two concurrent refreshes, one wins */
    const db_param p[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_INT64(row.id)};
    int64_t changes = 0;
    err = db_execute(db,
                     "UPDATE platform_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                     p, 2, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_PLATFORM_TOKEN_REVOKED;
    if (err == AW_OK)
        err = insert_pair(db, a->app_id, a->access_ttl_ms, a->refresh_ttl_ms, a->now_ms, a->pair);
    return err;
}

aw_err platform_token_refresh(db_connection *db, const char *app_id, const char *refresh_token,
                              int64_t access_ttl_ms, int64_t refresh_ttl_ms, int64_t now_ms,
                              platform_token_pair *pair)
{
    if (pair != NULL)
        memset(pair, 0, sizeof(*pair));
    if (db == NULL || pair == NULL || !platform_app_id_valid(app_id) || access_ttl_ms <= 0 ||
        refresh_ttl_ms <= 0)
        return AW_ERR_ARGUMENT;
    if (!platform_token_valid(refresh_token, PLATFORM_REFRESH_TOKEN_PREFIX))
        return AW_ERR_PLATFORM_TOKEN_INVALID;
    refresh_args args = {.app_id = app_id,
                         .refresh_token = refresh_token,
                         .access_ttl_ms = access_ttl_ms,
                         .refresh_ttl_ms = refresh_ttl_ms,
                         .now_ms = now_ms,
                         .pair = pair};
    aw_err err = db_transaction_run(db, refresh_in_transaction, &args, NULL);
    platform_credential_cache_changed(); /* the old pair is revoked */
    if (err != AW_OK)
        pair_clear(pair);
    return err;
}

aw_err platform_token_revoke(db_connection *db, const char *app_id, const char *token,
                             int64_t now_ms, bool *revoked)
{
    if (revoked != NULL)
        *revoked = false;
    if (db == NULL || revoked == NULL || !platform_app_id_valid(app_id) || token == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_token_valid(token, NULL))
        return AW_OK; /* RFC 7009 2.2: an invalid token is no error */
    uint8_t hash[CRYPTO_SHA256_SIZE];
    aw_err err = token_hash(token, hash);
    if (err != AW_OK)
        return err;
    bool access = strncmp(token, PLATFORM_ACCESS_TOKEN_PREFIX, TOKEN_PREFIX_LENGTH) == 0;
    const db_param p[] = {DB_PARAM_INT64(now_ms), DB_PARAM_BLOB(hash, sizeof(hash)),
                          DB_PARAM_TEXT(app_id)};
    int64_t changes = 0;
    err = db_execute(db,
                     access ? "UPDATE platform_tokens SET revoked_at = ? WHERE access_hash = ? "
                              "AND app_id = ? AND revoked_at IS NULL"
                            : "UPDATE platform_tokens SET revoked_at = ? WHERE refresh_hash = ? "
                              "AND app_id = ? AND revoked_at IS NULL",
                     p, 3, &changes);
    if (err == AW_OK)
        *revoked = changes > 0;
    if (changes > 0)
        platform_credential_cache_changed();
    return err;
}

aw_err platform_token_purge(db_connection *db, int64_t before_ms, int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    const db_param p[] = {DB_PARAM_INT64(before_ms)};
    int64_t count = 0;
    aw_err err = db_execute(db, "DELETE FROM platform_tokens WHERE refresh_expires_at < ?", p, 1,
                            &count);
    if (count > 0) /* "expired" becomes "invalid" */
        platform_credential_cache_changed();
    if (deleted != NULL)
        *deleted = count;
    return err;
}
