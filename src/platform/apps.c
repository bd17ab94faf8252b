/* airwrite platform: the API's client applications (the 应用 that call
 * the card-writing platform): tenant, appId, appSecret sealed at rest,
 * enabled flag, call limits and crypto suite (issue 8: the signature
 * scheme, column added by the component "platform_suite"). Administered by the operator (admin
 * functions here); the secret is shown once when the app is created. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/hex.h"
#include "platform/credential_cache.h"

platform_app_limits platform_app_default_limits(void)
{
    return (platform_app_limits){.rate_per_minute = PLATFORM_DEFAULT_RATE_PER_MINUTE,
                                 .burst = PLATFORM_DEFAULT_BURST,
                                 .daily_quota = PLATFORM_DEFAULT_DAILY_QUOTA};
}

static bool limits_valid(const platform_app_limits *limits)
{
    return limits->rate_per_minute >= 1 && limits->rate_per_minute <= PLATFORM_LIMIT_MAX &&
           limits->burst >= 1 && limits->burst <= PLATFORM_LIMIT_MAX &&
           limits->daily_quota >= 0 && limits->daily_quota <= PLATFORM_LIMIT_MAX;
}

static bool id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

bool platform_app_id_valid(const char *app_id)
{
    if (app_id == NULL)
        return false;
    size_t n = strnlen(app_id, PLATFORM_APP_ID_MAX + 1);
    if (n == 0 || n > PLATFORM_APP_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!id_char(app_id[i]))
            return false;
    return true;
}

bool platform_tenant_valid(const char *tenant)
{
    if (tenant == NULL)
        return false;
    size_t n = strnlen(tenant, PLATFORM_TENANT_MAX + 1);
    if (n == 0 || n > PLATFORM_TENANT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!id_char(tenant[i]) && tenant[i] != '.')
            return false;
    return true;
}

/* Schema of the per-app suite: existing apps keep signing as before. */
#define SUITE_COLUMN                                                                           \
    "ALTER TABLE platform_apps ADD COLUMN suite TEXT NOT NULL DEFAULT 'international' "       \
    "CHECK (suite IN ('international', 'domestic'));\n"
#define SUITE_DEFAULT_TABLE                                                                    \
    "CREATE TABLE platform_suite_default (\n"                                                 \
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"                                              \
    "  suite TEXT NOT NULL CHECK (suite IN ('international', 'domestic')),\n"                 \
    "  updated_at BIGINT NOT NULL);\n"

static const db_migration suite_migrations[] = {
    {
        .version = 1,
        .description = "crypto suite of each app",
        .sqlite_sql = SUITE_COLUMN,
        .postgresql_sql = SUITE_COLUMN,
    },
    {
        /* airwrited's [crypto] suite, recorded for airwrite-platform app-create */
        .version = 2,
        .description = "default crypto suite of new apps",
        .sqlite_sql = SUITE_DEFAULT_TABLE,
        .postgresql_sql = SUITE_DEFAULT_TABLE,
    },
};

aw_err platform_suite_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_suite", suite_migrations,
                      sizeof(suite_migrations) / sizeof(suite_migrations[0]), NULL);
}

aw_err platform_suite_default_set(db_connection *db, crypto_suite suite, int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    const char *name = crypto_suite_name(suite);
    if (name == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    const db_param p[] = {DB_PARAM_TEXT(name), DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_suite_default (id, suite, updated_at) VALUES (1, ?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET suite = excluded.suite, "
                      "updated_at = excluded.updated_at",
                      p, 2, NULL);
}

aw_err platform_suite_default_get(db_connection *db, crypto_suite *suite)
{
    if (suite != NULL)
        *suite = 0;
    if (db == NULL || suite == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    bool has_row = false;
    const char *name = NULL;
    aw_err err = db_query(db, "SELECT suite FROM platform_suite_default WHERE id = 1", NULL, 0,
                          &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row)
        err = db_rows_get_text(rows, 0, &name);
    if (err == AW_OK && !has_row)
        *suite = CRYPTO_SUITE_INTERNATIONAL; /* nothing recorded: as before issue 8 */
    else if (err == AW_OK && crypto_suite_parse(name, suite) != AW_OK)
        err = AW_ERR_DB_TYPE;
    db_rows_free(rows);
    return err;
}

aw_err platform_app_create(db_connection *db, const platform_key_ring *ring, const char *tenant,
                           const platform_app_limits *limits, int64_t now_ms, platform_app *app,
                           char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    return platform_app_create_suite(db, ring, tenant, limits, CRYPTO_SUITE_INTERNATIONAL, now_ms,
                                     app, secret);
}

aw_err platform_app_create_suite(db_connection *db, const platform_key_ring *ring,
                                 const char *tenant, const platform_app_limits *limits,
                                 crypto_suite suite, int64_t now_ms, platform_app *app,
                                 char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    if (app != NULL)
        memset(app, 0, sizeof(*app));
    if (secret != NULL)
        secret[0] = '\0';
    if (db == NULL || ring == NULL || app == NULL || secret == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    const char *suite_name = crypto_suite_name(suite);
    if (suite_name == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    platform_app_limits chosen = limits != NULL ? *limits : platform_app_default_limits();
    if (!limits_valid(&chosen))
        return AW_ERR_ARGUMENT;
    uint8_t random[8 + PLATFORM_APP_SECRET_LENGTH / 2];
    uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE];
    aw_err err = crypto_random_bytes(random, sizeof(random));
    if (err != AW_OK)
        goto cleanup;
    char id_hex[17];
    aw_hex_encode(random, 8, id_hex, false);
    snprintf(app->app_id, sizeof(app->app_id), "app%s", id_hex);
    aw_hex_encode(random + 8, PLATFORM_APP_SECRET_LENGTH / 2, secret, false);
    err = platform_key_ring_seal(ring, app->app_id, secret, sealed, &app->key_id);
    if (err != AW_OK)
        goto cleanup;
    snprintf(app->tenant, sizeof(app->tenant), "%s", tenant);
    app->enabled = true;
    app->limits = chosen;
    app->suite = suite;
    app->created_at_ms = app->updated_at_ms = now_ms;
    const db_param p[] = {
        DB_PARAM_TEXT(app->app_id),        DB_PARAM_TEXT(app->tenant),
        DB_PARAM_INT64(chosen.rate_per_minute), DB_PARAM_INT64(chosen.burst),
        DB_PARAM_INT64(chosen.daily_quota), DB_PARAM_INT64(app->key_id),
        DB_PARAM_BLOB(sealed, sizeof(sealed)), DB_PARAM_INT64(now_ms),
        DB_PARAM_INT64(now_ms),            DB_PARAM_TEXT(suite_name),
    };
    err = db_execute(db,
                     "INSERT INTO platform_apps (app_id, tenant, enabled, rate_per_minute, burst, "
                     "daily_quota, key_id, secret_encrypted, created_at, updated_at, suite) "
                     "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                     p, sizeof(p) / sizeof(p[0]), NULL);

cleanup:
    OPENSSL_cleanse(random, sizeof(random));
    if (err != AW_OK) {
        OPENSSL_cleanse(secret, PLATFORM_APP_SECRET_LENGTH + 1);
        memset(app, 0, sizeof(*app));
    }
    return err;
}

/* Columns 0..8 of the app; the sealed secret is column 9, the suite 10. */
#define APP_SELECT                                                                             \
    "SELECT app_id, tenant, enabled, rate_per_minute, burst, daily_quota, key_id, created_at, " \
    "updated_at, secret_encrypted, suite FROM platform_apps WHERE app_id = ?"

static aw_err read_app_row(const db_rows *rows, platform_app *app)
{
    const char *text = NULL;
    int64_t v[8];
    aw_err err = db_rows_get_text(rows, 0, &text);
    if (err == AW_OK && strlen(text) <= PLATFORM_APP_ID_MAX)
        snprintf(app->app_id, sizeof(app->app_id), "%s", text);
    else if (err == AW_OK)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &text);
    if (err == AW_OK)
        snprintf(app->tenant, sizeof(app->tenant), "%s", text);
    for (size_t i = 2; err == AW_OK && i < 9; i++)
        err = db_rows_get_int64(rows, i, &v[i - 2]);
    if (err != AW_OK)
        return err;
    app->enabled = v[0] != 0;
    app->limits = (platform_app_limits){
        .rate_per_minute = v[1], .burst = v[2], .daily_quota = v[3]};
    app->key_id = (uint32_t)v[4];
    app->created_at_ms = v[5];
    app->updated_at_ms = v[6];
    err = db_rows_get_text(rows, 10, &text);
    if (err == AW_OK && crypto_suite_parse(text, &app->suite) != AW_OK)
        err = AW_ERR_DB_TYPE; /* the column's CHECK allows only the two names */
    return err;
}

/* The app, and when ring is non-NULL its unsealed secret. */
static aw_err load_app(db_connection *db, const platform_key_ring *ring, const char *app_id,
                       platform_app *app, char *secret)
{
    memset(app, 0, sizeof(*app));
    if (!platform_app_id_valid(app_id))
        return AW_ERR_PLATFORM_APP_UNKNOWN;
    const db_param p[] = {DB_PARAM_TEXT(app_id)};
    db_rows *rows = NULL;
    aw_err err = db_query(db, APP_SELECT, p, 1, &rows);
    bool has_row = false;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_PLATFORM_APP_UNKNOWN;
    if (err == AW_OK)
        err = read_app_row(rows, app);
    if (err == AW_OK && ring != NULL) {
        const uint8_t *sealed = NULL;
        size_t sealed_len = 0;
        err = db_rows_get_blob(rows, 9, &sealed, &sealed_len);
        if (err == AW_OK)
            err = platform_key_ring_open(ring, app->key_id, app->app_id, sealed, sealed_len,
                                         secret);
    }
    db_rows_free(rows);
    if (err != AW_OK)
        memset(app, 0, sizeof(*app));
    return err;
}

aw_err platform_app_get(db_connection *db, const char *app_id, platform_app *app)
{
    if (db == NULL || app == NULL)
        return AW_ERR_ARGUMENT;
    return load_app(db, NULL, app_id, app, NULL);
}

aw_err platform_app_load_secret(db_connection *db, const platform_key_ring *ring,
                                const char *app_id, platform_app *app,
                                char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    if (secret != NULL)
        secret[0] = '\0';
    if (db == NULL || ring == NULL || app == NULL || secret == NULL)
        return AW_ERR_ARGUMENT;
    return load_app(db, ring, app_id, app, secret);
}

static aw_err update_app(db_connection *db, const char *sql, const db_param *params, size_t count)
{
    int64_t changes = 0;
    aw_err err = db_execute(db, sql, params, count, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_PLATFORM_APP_UNKNOWN;
    if (changes > 0) /* this process's API calls see the change at once */
        platform_credential_cache_changed();
    return err;
}

aw_err platform_app_set_enabled(db_connection *db, const char *app_id, bool enabled,
                                int64_t now_ms)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_app_id_valid(app_id))
        return AW_ERR_PLATFORM_APP_UNKNOWN;
    const db_param p[] = {DB_PARAM_INT64(enabled ? 1 : 0), DB_PARAM_INT64(now_ms),
                          DB_PARAM_TEXT(app_id)};
    return update_app(db, "UPDATE platform_apps SET enabled = ?, updated_at = ? WHERE app_id = ?",
                      p, 3);
}

aw_err platform_app_set_limits(db_connection *db, const char *app_id,
                               const platform_app_limits *limits, int64_t now_ms)
{
    if (db == NULL || limits == NULL || !limits_valid(limits))
        return AW_ERR_ARGUMENT;
    if (!platform_app_id_valid(app_id))
        return AW_ERR_PLATFORM_APP_UNKNOWN;
    const db_param p[] = {DB_PARAM_INT64(limits->rate_per_minute), DB_PARAM_INT64(limits->burst),
                          DB_PARAM_INT64(limits->daily_quota), DB_PARAM_INT64(now_ms),
                          DB_PARAM_TEXT(app_id)};
    return update_app(db,
                      "UPDATE platform_apps SET rate_per_minute = ?, burst = ?, daily_quota = ?, "
                      "updated_at = ? WHERE app_id = ?",
                      p, 5);
}
