/* airwrite SM-DP+: in-memory RSP session store (SGP.22 3.1.2 / 3.1.3 session
 * state keyed by TransactionID) and the cache of parsed CERT.EUMs (5.6.3). */
#include "smdp/es9p_store.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

typedef struct es9p_memory_slot {
    bool used;
    es9p_session session;
} es9p_memory_slot;

struct es9p_memory_store {
    size_t capacity;
    es9p_memory_slot *slots;
};

aw_err es9p_memory_store_new(size_t capacity, es9p_memory_store **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (capacity == 0)
        return AW_ERR_ARGUMENT;
    es9p_memory_store *store = calloc(1, sizeof(*store));
    if (store == NULL)
        return AW_ERR_NOMEM;
    store->slots = calloc(capacity, sizeof(*store->slots));
    if (store->slots == NULL) {
        free(store);
        return AW_ERR_NOMEM;
    }
    store->capacity = capacity;
    *out = store;
    return AW_OK;
}

void es9p_memory_store_free(es9p_memory_store *store)
{
    if (store == NULL)
        return;
    OPENSSL_cleanse(store->slots, store->capacity * sizeof(*store->slots));
    free(store->slots);
    free(store);
}

static bool es9p_slot_matches(const es9p_memory_slot *slot, const uint8_t *id, size_t len)
{
    return slot->used && len == ES9P_TRANSACTION_ID_SIZE &&
           memcmp(slot->session.transaction_id, id, len) == 0;
}

static aw_err es9p_memory_put(void *userdata, const es9p_session *session, time_t now)
{
    es9p_memory_store *store = userdata;
    es9p_memory_slot *free_slot = NULL;
    for (size_t i = 0; i < store->capacity; i++) {
        es9p_memory_slot *slot = &store->slots[i];
        if (es9p_slot_matches(slot, session->transaction_id, ES9P_TRANSACTION_ID_SIZE)) {
            slot->session = *session;
            return AW_OK;
        }
        if (free_slot == NULL && (!slot->used || slot->session.expires <= now))
            free_slot = slot;
    }
    if (free_slot == NULL)
        return AW_ERR_LIMIT;
    OPENSSL_cleanse(&free_slot->session, sizeof(free_slot->session));
    free_slot->used = true;
    free_slot->session = *session;
    return AW_OK;
}

static aw_err es9p_memory_get(void *userdata, const uint8_t *transaction_id, size_t len,
                              time_t now, es9p_session *out)
{
    es9p_memory_store *store = userdata;
    for (size_t i = 0; i < store->capacity; i++) {
        es9p_memory_slot *slot = &store->slots[i];
        if (es9p_slot_matches(slot, transaction_id, len)) {
            if (slot->session.expires <= now)
                return AW_ERR_NOT_FOUND;
            *out = slot->session;
            return AW_OK;
        }
    }
    return AW_ERR_NOT_FOUND;
}

static aw_err es9p_memory_remove(void *userdata, const uint8_t *transaction_id, size_t len)
{
    es9p_memory_store *store = userdata;
    for (size_t i = 0; i < store->capacity; i++) {
        es9p_memory_slot *slot = &store->slots[i];
        if (es9p_slot_matches(slot, transaction_id, len)) {
            OPENSSL_cleanse(slot, sizeof(*slot));
            slot->used = false;
        }
    }
    return AW_OK;
}

es9p_session_store es9p_memory_store_interface(es9p_memory_store *store)
{
    es9p_session_store iface = {
        .userdata = store,
        .put = es9p_memory_put,
        .get = es9p_memory_get,
        .remove = es9p_memory_remove,
    };
    return iface;
}

size_t es9p_memory_store_count(const es9p_memory_store *store, time_t now)
{
    size_t n = 0;
    for (size_t i = 0; store != NULL && i < store->capacity; i++)
        n += store->slots[i].used && store->slots[i].session.expires > now;
    return n;
}

bool es9p_memory_store_contains(const es9p_memory_store *store, const uint8_t *transaction_id,
                                size_t len)
{
    for (size_t i = 0; store != NULL && transaction_id != NULL && i < store->capacity; i++) {
        if (es9p_slot_matches(&store->slots[i], transaction_id, len))
            return true;
    }
    return false;
}

/* ---- parsed CERT.EUM cache ----------------------------------------------- */

typedef struct es9p_cached_certificate {
    uint8_t *der;                 /* NULL: free entry */
    size_t der_len;
    pki_certificate *certificate;
    uint64_t last_use;
} es9p_cached_certificate;

struct es9p_certificate_cache {
    size_t capacity;
    uint64_t uses;
    es9p_cached_certificate *entries;
};

aw_err es9p_certificate_cache_new(size_t capacity, es9p_certificate_cache **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (capacity == 0)
        return AW_ERR_ARGUMENT;
    es9p_certificate_cache *cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return AW_ERR_NOMEM;
    cache->entries = calloc(capacity, sizeof(*cache->entries));
    if (cache->entries == NULL) {
        free(cache);
        return AW_ERR_NOMEM;
    }
    cache->capacity = capacity;
    *out = cache;
    return AW_OK;
}

static void es9p_cached_clear(es9p_cached_certificate *entry)
{
    free(entry->der);
    pki_certificate_free(entry->certificate);
    memset(entry, 0, sizeof(*entry));
}

void es9p_certificate_cache_free(es9p_certificate_cache *cache)
{
    if (cache == NULL)
        return;
    for (size_t i = 0; i < cache->capacity; i++)
        es9p_cached_clear(&cache->entries[i]);
    free(cache->entries);
    free(cache);
}

aw_err es9p_certificate_cache_get(es9p_certificate_cache *cache, aw_slice der,
                                  const pki_certificate **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (cache == NULL || der.ptr == NULL || der.len == 0)
        return AW_ERR_ARGUMENT;
    es9p_cached_certificate *victim = &cache->entries[0];
    for (size_t i = 0; i < cache->capacity; i++) {
        es9p_cached_certificate *entry = &cache->entries[i];
        if (entry->der != NULL && entry->der_len == der.len &&
            memcmp(entry->der, der.ptr, der.len) == 0) {
            entry->last_use = ++cache->uses;
            *out = entry->certificate;
            return AW_OK;
        }
        if (victim->der != NULL && (entry->der == NULL || entry->last_use < victim->last_use))
            victim = entry;
    }
    pki_certificate *certificate = NULL;
    aw_err err = pki_certificate_parse(der.ptr, der.len, &certificate);
    if (err != AW_OK)
        return err;
    uint8_t *copy = malloc(der.len);
    if (copy == NULL) {
        pki_certificate_free(certificate);
        return AW_ERR_NOMEM;
    }
    memcpy(copy, der.ptr, der.len);
    es9p_cached_clear(victim);
    *victim = (es9p_cached_certificate){.der = copy, .der_len = der.len,
                                        .certificate = certificate,
                                        .last_use = ++cache->uses};
    *out = certificate;
    return AW_OK;
}

size_t es9p_certificate_cache_count(const es9p_certificate_cache *cache)
{
    size_t n = 0;
    for (size_t i = 0; cache != NULL && i < cache->capacity; i++)
        n += cache->entries[i].der != NULL;
    return n;
}
