/* airwrite platform: the northbound API's credential cache
 * (credential_cache.c; docs/api-signature.md "Credential cache"). */
#ifndef AIRWRITE_PLATFORM_CREDENTIAL_CACHE_H
#define AIRWRITE_PLATFORM_CREDENTIAL_CACHE_H

#include "core/crypto.h"
#include "platform/platform_internal.h"

/* Entries of each kind (apps, bearer tokens) of the API's cache. */
#define PLATFORM_CREDENTIAL_CACHE_ENTRIES 4096u
/* An entry's set: entries come in sets of this many, a key's set chosen by
 * its hash; a full set gives up its oldest entry. */
#define PLATFORM_CREDENTIAL_CACHE_WAYS 4u

typedef struct platform_credential_cache platform_credential_cache;

/* A cache of capacity entries of each kind (a power of two from
 * PLATFORM_CREDENTIAL_CACHE_WAYS to PLATFORM_CREDENTIAL_CACHE_ENTRIES), each
 * used for at most ttl_ms (> 0) from its read. AW_ERR_ARGUMENT,
 * AW_ERR_NOMEM. */
aw_err platform_credential_cache_new(size_t capacity, int64_t ttl_ms,
                                     platform_credential_cache **out);
/* Erases the secrets it holds; NULL-safe. */
void platform_credential_cache_free(platform_credential_cache *cache);

/* Tell every cache of the process that apps, app roles, tokens, users,
 * console sessions or sealed secrets changed in the database: each forgets
 * all its entries before its next answer. Called by the functions that
 * change them (apps.c, rbac.c, users.c, auth_token.c, keys.c) once their
 * change is written; any thread. */
void platform_credential_cache_changed(void);

/* The app app_id as platform_app_get (ring NULL; secret may be NULL) or
 * platform_app_load_secret (with its unsealed secret), from the cache when
 * read less than the TTL before now_ms, else from db (then kept). Their
 * errors. cache NULL: always from db. */
aw_err platform_credential_cache_app(platform_credential_cache *cache, db_connection *db,
                                     const platform_key_ring *ring, const char *app_id,
                                     int64_t now_ms, platform_app *app,
                                     char secret[PLATFORM_APP_SECRET_LENGTH + 1]);

/* The role of app_id as platform_app_role_get; kept beside the app when
 * the cache holds it. */
aw_err platform_credential_cache_role(platform_credential_cache *cache, db_connection *db,
                                      const char *app_id, int64_t now_ms, platform_role *role);

/* What a live access token stands for. */
typedef struct platform_credential_token {
    uint8_t digest[CRYPTO_SHA256_SIZE]; /* SHA-256 of the token: the cache's key */
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t expires_at_ms;
} platform_credential_token;

/* access_token as platform_token_verify: its app and expiry; the expiry is
 * checked against now_ms on every call, cached or not. Its errors
 * (AW_ERR_PLATFORM_TOKEN_INVALID, _REVOKED, _EXPIRED, database errors). */
aw_err platform_credential_cache_token(platform_credential_cache *cache, db_connection *db,
                                       const char *access_token, int64_t now_ms,
                                       platform_credential_token *token);

/* The console user access_token (token: what platform_credential_cache_token
 * gave for it) is bound to, as platform_user_session_find, or a zero user
 * for the app's own token (AW_OK where that function answers
 * AW_ERR_NOT_FOUND); its other errors. */
aw_err platform_credential_cache_session(platform_credential_cache *cache, db_connection *db,
                                         const char *access_token,
                                         const platform_credential_token *token, int64_t now_ms,
                                         platform_user *user);

#endif
