/* airwrite platform: console users (T/CA group standard, security
 * management: console users authenticate with a password under a slow KDF,
 * password guessing is throttled): username, tenant, role, scrypt PHC hash
 * (core/password.h), enabled flag; logins through core/throttle.h; console
 * sessions bind the token pair issued at login to the user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "platform/credential_cache.h"

/* The unknown-user check hashes this fixed password with this fixed salt:
 * the same work as a real verification, never a match for a real login
 * (the stored form differs). */
#define DUMMY_PASSWORD "airwrite-no-such-user"
static const uint8_t dummy_salt[PASSWORD_SALT_SIZE] = "airwrite-dummy!";

bool platform_username_valid(const char *username)
{
    if (username == NULL)
        return false;
    size_t n = strnlen(username, PLATFORM_USERNAME_MAX + 1);
    if (n == 0 || n > PLATFORM_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = username[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return false;
    }
    return true;
}

static aw_err hash_password(const char *username, const char *password,
                            const password_parameters *params, char out[PASSWORD_STRING_MAX + 1])
{
    aw_err err = password_policy_check(NULL, username, password);
    if (err == AW_OK)
        err = password_hash(password, params, out, PASSWORD_STRING_MAX + 1);
    return err;
}

aw_err platform_user_create(db_connection *db, const char *username, const char *tenant,
                            platform_role role, const char *password,
                            const password_parameters *params, int64_t now_ms,
                            platform_user *user)
{
    if (user != NULL)
        memset(user, 0, sizeof(*user));
    if (db == NULL || user == NULL || password == NULL || !platform_username_valid(username) ||
        !platform_tenant_valid(tenant) || platform_role_name(role) == NULL)
        return AW_ERR_ARGUMENT;
    char stored[PASSWORD_STRING_MAX + 1];
    aw_err err = hash_password(username, password, params, stored);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_TEXT(username), DB_PARAM_TEXT(tenant),
                          DB_PARAM_TEXT(platform_role_name(role)), DB_PARAM_TEXT(stored),
                          DB_PARAM_INT64(now_ms), DB_PARAM_INT64(now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_users (username, tenant, role, password_hash, enabled, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                     p, sizeof(p) / sizeof(p[0]), NULL);
    OPENSSL_cleanse(stored, sizeof(stored));
    if (err == AW_ERR_DB_UNIQUE)
        return AW_ERR_STATE;
    if (err != AW_OK)
        return err;
    snprintf(user->username, sizeof(user->username), "%s", username);
    snprintf(user->tenant, sizeof(user->tenant), "%s", tenant);
    user->role = role;
    user->enabled = true;
    user->created_at_ms = user->updated_at_ms = now_ms;
    return AW_OK;
}

/* The user row and (stored may be NULL) its password hash. */
static aw_err load_user(db_connection *db, const char *username, platform_user *user,
                        char stored[PASSWORD_STRING_MAX + 1])
{
    memset(user, 0, sizeof(*user));
    if (!platform_username_valid(username))
        return AW_ERR_NOT_FOUND;
    const db_param p[] = {DB_PARAM_TEXT(username)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT tenant, role, enabled, created_at, updated_at, password_hash "
                          "FROM platform_users WHERE username = ?",
                          p, 1, &rows);
    bool has_row = false;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    const char *tenant = NULL, *role = NULL, *hash = NULL;
    int64_t enabled = 0;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 0, &tenant);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &role);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &enabled);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 3, &user->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &user->updated_at_ms);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 5, &hash);
    if (err == AW_OK && (strlen(tenant) > PLATFORM_TENANT_MAX ||
                         strlen(hash) > PASSWORD_STRING_MAX ||
                         platform_role_from_name(role) == 0))
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK) {
        snprintf(user->username, sizeof(user->username), "%s", username);
        snprintf(user->tenant, sizeof(user->tenant), "%s", tenant);
        user->role = platform_role_from_name(role);
        user->enabled = enabled != 0;
        if (stored != NULL)
            snprintf(stored, PASSWORD_STRING_MAX + 1, "%s", hash);
    }
    db_rows_free(rows);
    if (err != AW_OK)
        memset(user, 0, sizeof(*user));
    return err;
}

aw_err platform_user_get(db_connection *db, const char *username, platform_user *user)
{
    if (db == NULL || user == NULL)
        return AW_ERR_ARGUMENT;
    return load_user(db, username, user, NULL);
}

static aw_err update_user(db_connection *db, const char *sql, const db_param *p, size_t count)
{
    int64_t changes = 0;
    aw_err err = db_execute(db, sql, p, count, &changes);
    return err == AW_OK && changes == 0 ? AW_ERR_NOT_FOUND : err;
}

aw_err platform_user_set_password(db_connection *db, const char *username, const char *password,
                                  const password_parameters *params, int64_t now_ms)
{
    if (db == NULL || password == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_username_valid(username))
        return AW_ERR_NOT_FOUND;
    char stored[PASSWORD_STRING_MAX + 1];
    aw_err err = hash_password(username, password, params, stored);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_TEXT(stored), DB_PARAM_INT64(now_ms), DB_PARAM_TEXT(username)};
    err = update_user(db, "UPDATE platform_users SET password_hash = ?, updated_at = ? "
                          "WHERE username = ?",
                      p, 3);
    OPENSSL_cleanse(stored, sizeof(stored));
    return err;
}

typedef struct enable_args {
    const char *username;
    bool enabled;
    int64_t now_ms;
} enable_args;

static aw_err set_enabled_in(db_connection *db, void *arg)
{
    const enable_args *a = arg;
    const db_param p[] = {DB_PARAM_INT64(a->enabled ? 1 : 0), DB_PARAM_INT64(a->now_ms),
                          DB_PARAM_TEXT(a->username)};
    aw_err err = update_user(db, "UPDATE platform_users SET enabled = ?, updated_at = ? "
                                 "WHERE username = ?",
                             p, 3);
    if (err != AW_OK || a->enabled)
        return err;
    /* the sessions' token pairs are revoked, not unbound: an unbound pair
     * would act as its app */
    const db_param q[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->username)};
    return db_execute(db,
                      "UPDATE platform_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND "
                      "access_hash IN (SELECT access_hash FROM platform_user_sessions "
                      "WHERE username = ?)",
                      q, 2, NULL);
}

aw_err platform_user_set_enabled(db_connection *db, const char *username, bool enabled,
                                 int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_username_valid(username))
        return AW_ERR_NOT_FOUND;
    enable_args a = {.username = username, .enabled = enabled, .now_ms = now_ms};
    aw_err err = platform_in_transaction(db, set_enabled_in, &a);
    platform_credential_cache_changed(); /* the user's sessions */
    return err;
}

/* ---- Login ------------------------------------------------------------------------ */

/* Password check of a loaded user (or of nobody): AW_OK or
 * AW_ERR_PASSWORD_MISMATCH, after the same scrypt work either way. */
static aw_err check_password(const platform_user *user, const char *stored, const char *password,
                             const password_parameters *params)
{
    if (user->username[0] != '\0') {
        aw_err err = password_verify(password, stored);
        if (err == AW_OK && !user->enabled)
            err = AW_ERR_PASSWORD_MISMATCH;
        return err;
    }
    char dummy[PASSWORD_STRING_MAX + 1];
    aw_err err = password_hash_with_salt(DUMMY_PASSWORD, params, dummy_salt, sizeof(dummy_salt),
                                         PASSWORD_HASH_SIZE, dummy, sizeof(dummy));
    if (err == AW_OK)
        err = password_verify(password, dummy);
    return err == AW_OK || err == AW_ERR_PASSWORD_MISMATCH ? AW_ERR_PASSWORD_MISMATCH : err;
}

aw_err platform_user_login(db_connection *db, const throttle_policy *policy,
                           const password_parameters *params, const char *username,
                           const char *password, const char *address, int64_t now_ms,
                           platform_user *user, int64_t *retry_after_s, bool *locked)
{
    if (user != NULL)
        memset(user, 0, sizeof(*user));
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    if (locked != NULL)
        *locked = false;
    if (db == NULL || user == NULL || retry_after_s == NULL || locked == NULL ||
        username == NULL || password == NULL || address == NULL)
        return AW_ERR_ARGUMENT;
    throttle_policy chosen = policy != NULL ? *policy : THROTTLE_POLICY_DEFAULT;
    password_parameters cost = params != NULL ? *params : PASSWORD_DEFAULT_PARAMETERS;
    /* the account subject is bounded by the username form; a malformed name
     * is counted under its address only, as "-" */
    const char *account = platform_username_valid(username) ? username : "-";
    aw_err err = throttle_check(db, &chosen, account, address, now_ms, retry_after_s);
    if (err != AW_OK)
        return err;
    char stored[PASSWORD_STRING_MAX + 1] = "";
    err = load_user(db, username, user, stored);
    if (err != AW_OK && err != AW_ERR_NOT_FOUND) {
        memset(user, 0, sizeof(*user));
        return err;
    }
    err = check_password(user, stored, password, &cost);
    OPENSSL_cleanse(stored, sizeof(stored));
    if (err == AW_ERR_PASSWORD_MISMATCH) {
        memset(user, 0, sizeof(*user));
        int64_t wait_s = 0;
        aw_err recorded =
            throttle_record_failure(db, &chosen, account, address, now_ms, &wait_s);
        if (recorded == AW_ERR_THROTTLE_LOCKED) {
            *locked = true;
            *retry_after_s = wait_s;
        } else if (recorded != AW_OK) {
            return recorded;
        }
        return AW_ERR_PASSWORD_MISMATCH;
    }
    if (err == AW_OK)
        err = throttle_record_success(db, &chosen, account, address, now_ms, retry_after_s);
    if (err != AW_OK)
        memset(user, 0, sizeof(*user));
    return err;
}

/* ---- Sessions ------------------------------------------------------------------------ */

aw_err platform_user_session_bind(db_connection *db, const char *username,
                                  const platform_token_pair *pair, int64_t now_ms)
{
    if (db == NULL || pair == NULL || !platform_username_valid(username))
        return AW_ERR_ARGUMENT;
    uint8_t access[CRYPTO_SHA256_SIZE], refresh[CRYPTO_SHA256_SIZE];
    aw_err err = crypto_sha256((const uint8_t *)pair->access_token, strlen(pair->access_token),
                               access);
    if (err == AW_OK)
        err = crypto_sha256((const uint8_t *)pair->refresh_token, strlen(pair->refresh_token),
                            refresh);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_BLOB(access, sizeof(access)),
                          DB_PARAM_BLOB(refresh, sizeof(refresh)), DB_PARAM_TEXT(username),
                          DB_PARAM_INT64(pair->refresh_expires_at_ms), DB_PARAM_INT64(now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_user_sessions (access_hash, refresh_hash, username, "
                     "refresh_expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
                     p, sizeof(p) / sizeof(p[0]), NULL);
    platform_credential_cache_changed(); /* the pair acts as the user from now on */
    return err;
}

/* The username of the session whose column (access_hash or refresh_hash)
 * holds SHA-256 of token; "" when none. */
static aw_err session_user(db_connection *db, const char *sql, const char *token,
                           char username[PLATFORM_USERNAME_MAX + 1])
{
    username[0] = '\0';
    uint8_t hash[CRYPTO_SHA256_SIZE];
    aw_err err = crypto_sha256((const uint8_t *)token, strlen(token), hash);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_BLOB(hash, sizeof(hash))};
    db_rows *rows = NULL;
    err = db_query(db, sql, p, 1, &rows);
    bool has_row = false;
    const char *name = NULL;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row)
        err = db_rows_get_text(rows, 0, &name);
    if (err == AW_OK && has_row) {
        if (strlen(name) > PLATFORM_USERNAME_MAX)
            err = AW_ERR_DB_TYPE;
        else
            snprintf(username, PLATFORM_USERNAME_MAX + 1, "%s", name);
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_user_session_find(db_connection *db, const char *access_token,
                                  platform_user *user)
{
    if (user != NULL)
        memset(user, 0, sizeof(*user));
    if (db == NULL || access_token == NULL || user == NULL)
        return AW_ERR_ARGUMENT;
    char username[PLATFORM_USERNAME_MAX + 1];
    aw_err err = session_user(
        db, "SELECT username FROM platform_user_sessions WHERE access_hash = ?", access_token,
        username);
    if (err == AW_OK && username[0] == '\0')
        return AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = load_user(db, username, user, NULL);
    if (err == AW_ERR_NOT_FOUND)
        err = AW_ERR_DB_TYPE; /* a session of a user that does not exist */
    if (err == AW_OK && !user->enabled)
        err = AW_ERR_PLATFORM_TOKEN_REVOKED;
    if (err != AW_OK)
        memset(user, 0, sizeof(*user));
    return err;
}

aw_err platform_user_session_is_refresh(db_connection *db, const char *refresh_token,
                                        bool *is_session)
{
    if (is_session != NULL)
        *is_session = false;
    if (db == NULL || refresh_token == NULL || is_session == NULL)
        return AW_ERR_ARGUMENT;
    char username[PLATFORM_USERNAME_MAX + 1];
    aw_err err = session_user(
        db, "SELECT username FROM platform_user_sessions WHERE refresh_hash = ?", refresh_token,
        username);
    *is_session = err == AW_OK && username[0] != '\0';
    return err;
}

aw_err platform_user_session_purge(db_connection *db, int64_t before_ms, int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    const db_param p[] = {DB_PARAM_INT64(before_ms)};
    int64_t count = 0;
    aw_err err = db_execute(db, "DELETE FROM platform_user_sessions WHERE refresh_expires_at < ?",
                            p, 1, &count);
    if (count > 0)
        platform_credential_cache_changed();
    if (deleted != NULL)
        *deleted = count;
    return err;
}

/* ---- The list and role changes (GET /api/v1/users, api_users.c) ------------------- */

aw_err platform_user_list(db_connection *db, const char *tenant, platform_role role,
                          const char *after, size_t limit, platform_user **users, size_t *count)
{
    if (users != NULL)
        *users = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || users == NULL || count == NULL || !platform_tenant_valid(tenant) ||
        (role != 0 && platform_role_name(role) == NULL) || limit == 0 ||
        limit > PLATFORM_USER_PAGE_MAX + 1 || (after != NULL && !platform_username_valid(after)))
        return AW_ERR_ARGUMENT;
    /* ordered by username (the primary key): the cursor is the last name answered */
    const char *role_name = role != 0 ? platform_role_name(role) : "";
    const db_param p[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(role_name),
                          DB_PARAM_TEXT(role_name), DB_PARAM_TEXT(after != NULL ? after : ""),
                          DB_PARAM_INT64((int64_t)limit)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT username, role, enabled, created_at, updated_at "
                          "FROM platform_users WHERE tenant = ? AND (? = '' OR role = ?) "
                          "AND username > ? ORDER BY username LIMIT ?",
                          p, 5, &rows);
    platform_user *list = err == AW_OK ? calloc(limit, sizeof(*list)) : NULL;
    if (err == AW_OK && list == NULL)
        err = AW_ERR_NOMEM;
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row && n < limit) {
        platform_user *u = &list[n];
        const char *name = NULL, *stored_role = NULL;
        int64_t enabled = 0;
        err = db_rows_get_text(rows, 0, &name);
        if (err == AW_OK)
            err = db_rows_get_text(rows, 1, &stored_role);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 2, &enabled);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &u->created_at_ms);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 4, &u->updated_at_ms);
        if (err == AW_OK &&
            (!platform_username_valid(name) || platform_role_from_name(stored_role) == 0))
            err = AW_ERR_DB_TYPE; /* a row this code did not write */
        if (err == AW_OK) {
            snprintf(u->username, sizeof(u->username), "%s", name);
            snprintf(u->tenant, sizeof(u->tenant), "%s", tenant);
            u->role = platform_role_from_name(stored_role);
            u->enabled = enabled != 0;
            n++;
        }
    }
    db_rows_free(rows);
    if (err != AW_OK) {
        free(list);
        return err;
    }
    if (n == 0) {
        free(list);
        list = NULL;
    }
    *users = list;
    *count = n;
    return AW_OK;
}

aw_err platform_user_set_role(db_connection *db, const char *username, platform_role role,
                              int64_t now_ms)
{
    if (db == NULL || platform_role_name(role) == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_username_valid(username))
        return AW_ERR_NOT_FOUND;
    /* a session loads its user at every call (from this process's credential
     * caches, told here): the new role holds at once */
    const db_param p[] = {DB_PARAM_TEXT(platform_role_name(role)), DB_PARAM_INT64(now_ms),
                          DB_PARAM_TEXT(username)};
    aw_err err = update_user(db,
                             "UPDATE platform_users SET role = ?, updated_at = ? WHERE username = ?",
                             p, 3);
    platform_credential_cache_changed();
    return err;
}
