/* airwrite platform: the northbound API's credential cache. Every signed
 * call needs the same rarely changing facts: its app's row, role and
 * secret (sealed at rest, unsealed with the key ring: AES-256-GCM, or
 * SM4-GCM for domestic keys) and, with a bearer token (RFC 6750), the
 * token's app and expiry and the console user it is bound to. The cache
 * keeps what one call read for the calls of the next ttl milliseconds
 * (platform_api_config.credential_cache_ms): apps keyed by appId, tokens
 * by their SHA-256 (what the database keeps; never the token itself). Only
 * what was found and live is kept: an unknown app, an unknown, revoked or
 * expired token is looked up every time.
 *
 * Every change written in this process (the API's own handlers, the admin
 * functions) makes each cache forget its entries at once
 * (platform_credential_cache_changed); one written by another process (a
 * second airwrited on the same database, airwrite-platform app-disable,
 * airwritectl keys rotate) is seen within the TTL, the documented trade-off
 * of docs/api-signature.md "Credential cache". Unsealed secrets live only
 * here, erased (OPENSSL_cleanse) when their entry is replaced, expires or
 * is forgotten, and when the cache is freed.
 *
 * Bounded: entries come in sets of PLATFORM_CREDENTIAL_CACHE_WAYS, a key's
 * set chosen by its hash; a new entry takes a free or stale place of its
 * set, else the oldest. One thread uses a cache (the API's loop thread);
 * platform_credential_cache_changed may be called from any. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "platform/credential_cache.h"

/* Changes written in this process; an entry read before the last one is
 * stale. */
static _Atomic uint64_t changes;

void platform_credential_cache_changed(void)
{
    atomic_fetch_add_explicit(&changes, 1, memory_order_release);
}

typedef struct entry_head {
    bool used;
    uint64_t changes;    /* the process's change count before the read */
    int64_t read_at_ms;
} entry_head;

typedef struct app_entry {
    entry_head head;     /* first: entries are walked as heads */
    platform_app app;
    bool has_secret;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_role role;  /* 0: not read yet */
} app_entry;

typedef struct token_entry {
    entry_head head;
    platform_credential_token token;
    bool session_read;
    platform_user user;  /* zero: the app's own token */
} token_entry;

struct platform_credential_cache {
    int64_t ttl_ms;
    size_t sets;                /* capacity / WAYS, a power of two */
    uint64_t changes_seen;      /* the count at the last sweep */
    int64_t swept_at_ms;
    app_entry *apps;
    token_entry *tokens;
    size_t *apps_used;          /* the places of apps holding an entry */
    size_t apps_used_count;
};

aw_err platform_credential_cache_new(size_t capacity, int64_t ttl_ms,
                                     platform_credential_cache **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (ttl_ms <= 0 || capacity < PLATFORM_CREDENTIAL_CACHE_WAYS ||
        (capacity & (capacity - 1)) != 0 || capacity > PLATFORM_CREDENTIAL_CACHE_ENTRIES)
        return AW_ERR_ARGUMENT;
    platform_credential_cache *cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return AW_ERR_NOMEM;
    cache->ttl_ms = ttl_ms;
    cache->sets = capacity / PLATFORM_CREDENTIAL_CACHE_WAYS;
    cache->changes_seen = atomic_load_explicit(&changes, memory_order_acquire);
    cache->apps = calloc(capacity, sizeof(*cache->apps));
    cache->tokens = calloc(capacity, sizeof(*cache->tokens));
    cache->apps_used = calloc(capacity, sizeof(*cache->apps_used));
    if (cache->apps == NULL || cache->tokens == NULL || cache->apps_used == NULL) {
        platform_credential_cache_free(cache);
        return AW_ERR_NOMEM;
    }
    *out = cache;
    return AW_OK;
}

void platform_credential_cache_free(platform_credential_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; cache->apps != NULL && i < cache->apps_used_count; i++)
        OPENSSL_cleanse(&cache->apps[cache->apps_used[i]], sizeof(*cache->apps));
    free(cache->apps);
    free(cache->tokens);
    free(cache->apps_used);
    free(cache);
}

static bool fresh(const platform_credential_cache *cache, const entry_head *head,
                  uint64_t seen, int64_t now_ms)
{
    /* a clock gone back makes every entry stale */
    return head->used && head->changes == seen && now_ms >= head->read_at_ms &&
           now_ms - head->read_at_ms < cache->ttl_ms;
}

/* Erase the apps (their secrets) that went stale. */
static void sweep(platform_credential_cache *cache, uint64_t seen, int64_t now_ms)
{
    size_t i = 0;
    while (i < cache->apps_used_count) {
        app_entry *entry = &cache->apps[cache->apps_used[i]];
        if (fresh(cache, &entry->head, seen, now_ms)) {
            i++;
            continue;
        }
        OPENSSL_cleanse(entry, sizeof(*entry));
        cache->apps_used[i] = cache->apps_used[--cache->apps_used_count];
    }
    cache->changes_seen = seen;
    cache->swept_at_ms = now_ms;
}

/* The process's change count for this call's lookups; sweeps after a change
 * and once a TTL. */
static uint64_t changes_now(platform_credential_cache *cache, int64_t now_ms)
{
    uint64_t seen = atomic_load_explicit(&changes, memory_order_acquire);
    if (seen != cache->changes_seen || now_ms < cache->swept_at_ms ||
        now_ms - cache->swept_at_ms >= cache->ttl_ms)
        sweep(cache, seen, now_ms);
    return seen;
}

/* The place of set (entries of entry_size bytes from base) for a new entry:
 * a free or stale one, else the one read first. */
static size_t place_for_new(const platform_credential_cache *cache, const void *base,
                            size_t entry_size, size_t set, uint64_t seen, int64_t now_ms)
{
    size_t first = set * PLATFORM_CREDENTIAL_CACHE_WAYS;
    size_t oldest = first;
    for (size_t i = first; i < first + PLATFORM_CREDENTIAL_CACHE_WAYS; i++) {
        const entry_head *head = (const entry_head *)((const char *)base + i * entry_size);
        if (!fresh(cache, head, seen, now_ms))
            return i;
        const entry_head *kept = (const entry_head *)((const char *)base + oldest * entry_size);
        if (head->read_at_ms < kept->read_at_ms)
            oldest = i;
    }
    return oldest;
}

/* FNV-1a (64 bits) of an appId: apps are known ids, not chosen by callers. */
static size_t app_set(const platform_credential_cache *cache, const char *app_id)
{
    uint64_t hash = 0xcbf29ce484222325u;
    for (const char *c = app_id; *c != '\0'; c++)
        hash = (hash ^ (uint8_t)*c) * 0x100000001b3u;
    return (size_t)(hash & (cache->sets - 1));
}

static app_entry *app_find(platform_credential_cache *cache, size_t set, const char *app_id,
                           uint64_t seen, int64_t now_ms)
{
    app_entry *ways = &cache->apps[set * PLATFORM_CREDENTIAL_CACHE_WAYS];
    for (size_t i = 0; i < PLATFORM_CREDENTIAL_CACHE_WAYS; i++)
        if (fresh(cache, &ways[i].head, seen, now_ms) && strcmp(ways[i].app.app_id, app_id) == 0)
            return &ways[i];
    return NULL;
}

static app_entry *app_place(platform_credential_cache *cache, size_t set, uint64_t seen,
                            int64_t now_ms)
{
    size_t i = place_for_new(cache, cache->apps, sizeof(*cache->apps), set, seen, now_ms);
    app_entry *entry = &cache->apps[i];
    if (entry->head.used)
        OPENSSL_cleanse(entry, sizeof(*entry)); /* the secret it replaces */
    else
        cache->apps_used[cache->apps_used_count++] = i;
    return entry;
}

aw_err platform_credential_cache_app(platform_credential_cache *cache, db_connection *db,
                                     const platform_key_ring *ring, const char *app_id,
                                     int64_t now_ms, platform_app *app,
                                     char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    if (app != NULL)
        memset(app, 0, sizeof(*app));
    if (secret != NULL)
        secret[0] = '\0';
    if (db == NULL || app == NULL || (ring != NULL && secret == NULL))
        return AW_ERR_ARGUMENT;
    if (cache == NULL)
        return ring != NULL ? platform_app_load_secret(db, ring, app_id, app, secret)
                            : platform_app_get(db, app_id, app);
    if (!platform_app_id_valid(app_id))
        return AW_ERR_PLATFORM_APP_UNKNOWN; /* as apps.c answers, before any read */
    uint64_t seen = changes_now(cache, now_ms);
    size_t set = app_set(cache, app_id);
    app_entry *entry = app_find(cache, set, app_id, seen, now_ms);
    if (entry != NULL && (ring == NULL || entry->has_secret)) {
        *app = entry->app;
        if (ring != NULL)
            memcpy(secret, entry->secret, sizeof(entry->secret));
        return AW_OK;
    }
    char unsealed[PLATFORM_APP_SECRET_LENGTH + 1] = "";
    aw_err err = ring != NULL ? platform_app_load_secret(db, ring, app_id, app, unsealed)
                              : platform_app_get(db, app_id, app);
    if (err == AW_OK) {
        /* an entry read without the secret is read again with it */
        if (entry != NULL)
            OPENSSL_cleanse(entry, sizeof(*entry));
        else
            entry = app_place(cache, set, seen, now_ms);
        entry->head = (entry_head){.used = true, .changes = seen, .read_at_ms = now_ms};
        entry->app = *app;
        entry->has_secret = ring != NULL;
        if (ring != NULL) {
            memcpy(entry->secret, unsealed, sizeof(unsealed));
            memcpy(secret, unsealed, sizeof(unsealed));
        }
    }
    OPENSSL_cleanse(unsealed, sizeof(unsealed));
    return err;
}

aw_err platform_credential_cache_role(platform_credential_cache *cache, db_connection *db,
                                      const char *app_id, int64_t now_ms, platform_role *role)
{
    if (role != NULL)
        *role = 0;
    if (db == NULL || role == NULL)
        return AW_ERR_ARGUMENT;
    if (cache == NULL || !platform_app_id_valid(app_id))
        return platform_app_role_get(db, app_id, role);
    uint64_t seen = changes_now(cache, now_ms);
    app_entry *entry = app_find(cache, app_set(cache, app_id), app_id, seen, now_ms);
    if (entry != NULL && entry->role != 0) {
        *role = entry->role;
        return AW_OK;
    }
    aw_err err = platform_app_role_get(db, app_id, role);
    if (err == AW_OK && entry != NULL)
        entry->role = *role;
    return err;
}

/* SHA-256 is uniform: its first bytes pick the set. */
static size_t token_set(const platform_credential_cache *cache,
                        const uint8_t digest[CRYPTO_SHA256_SIZE])
{
    uint64_t bits = 0;
    memcpy(&bits, digest, sizeof(bits));
    return (size_t)(bits & (cache->sets - 1));
}

static token_entry *token_find(platform_credential_cache *cache,
                               const uint8_t digest[CRYPTO_SHA256_SIZE], uint64_t seen,
                               int64_t now_ms)
{
    token_entry *ways = &cache->tokens[token_set(cache, digest) * PLATFORM_CREDENTIAL_CACHE_WAYS];
    for (size_t i = 0; i < PLATFORM_CREDENTIAL_CACHE_WAYS; i++)
        if (fresh(cache, &ways[i].head, seen, now_ms) &&
            memcmp(ways[i].token.digest, digest, CRYPTO_SHA256_SIZE) == 0)
            return &ways[i];
    return NULL;
}

aw_err platform_credential_cache_token(platform_credential_cache *cache, db_connection *db,
                                       const char *access_token, int64_t now_ms,
                                       platform_credential_token *token)
{
    if (token != NULL)
        memset(token, 0, sizeof(*token));
    if (db == NULL || token == NULL)
        return AW_ERR_ARGUMENT;
    if (cache == NULL)
        return platform_token_verify(db, access_token, now_ms, token->app_id,
                                     &token->expires_at_ms);
    if (!platform_token_valid(access_token, PLATFORM_ACCESS_TOKEN_PREFIX))
        return AW_ERR_PLATFORM_TOKEN_INVALID; /* as auth_token.c answers, before any read */
    aw_err err = crypto_sha256((const uint8_t *)access_token, strlen(access_token),
                               token->digest);
    if (err != AW_OK)
        return err;
    uint64_t seen = changes_now(cache, now_ms);
    token_entry *entry = token_find(cache, token->digest, seen, now_ms);
    if (entry != NULL) {
        *token = entry->token;
        /* the token's own expiry, on every call (auth_token.c's check) */
        if (now_ms >= token->expires_at_ms)
            err = AW_ERR_PLATFORM_TOKEN_EXPIRED;
    } else {
        err = platform_token_verify(db, access_token, now_ms, token->app_id,
                                    &token->expires_at_ms);
        if (err == AW_OK) {
            size_t i = place_for_new(cache, cache->tokens, sizeof(*cache->tokens),
                                     token_set(cache, token->digest), seen, now_ms);
            entry = &cache->tokens[i];
            memset(entry, 0, sizeof(*entry));
            entry->head = (entry_head){.used = true, .changes = seen, .read_at_ms = now_ms};
            entry->token = *token;
        }
    }
    if (err != AW_OK)
        memset(token, 0, sizeof(*token));
    return err;
}

aw_err platform_credential_cache_session(platform_credential_cache *cache, db_connection *db,
                                         const char *access_token,
                                         const platform_credential_token *token, int64_t now_ms,
                                         platform_user *user)
{
    if (user != NULL)
        memset(user, 0, sizeof(*user));
    if (db == NULL || access_token == NULL || token == NULL || user == NULL)
        return AW_ERR_ARGUMENT;
    token_entry *entry = NULL;
    if (cache != NULL)
        entry = token_find(cache, token->digest, changes_now(cache, now_ms), now_ms);
    if (entry != NULL && entry->session_read) {
        *user = entry->user;
        return AW_OK;
    }
    aw_err err = platform_user_session_find(db, access_token, user);
    if (err == AW_ERR_NOT_FOUND) { /* the app's own token */
        memset(user, 0, sizeof(*user));
        err = AW_OK;
    }
    if (err == AW_OK && entry != NULL) {
        entry->session_read = true;
        entry->user = *user;
    }
    return err;
}
