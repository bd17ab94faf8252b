/* airwrite eIM: last contact times kept in memory and written in batches,
 * so that an ESipa.GetEimPackage poll that finds nothing (SGP.32 6.3.2.6,
 * eimPackageError noEimPackageAvailable) is a database read, not a commit.
 *
 * Why: every poll of every eUICC used to commit its last_contact_ms with
 * synchronous=FULL, an fsync per poll, and that bounded the eIM at the
 * disk's fsync rate (bench/bench_eim_poll). The last contact time is
 * advisory (when an IPA was last heard from, for operators): nothing in
 * SGP.32 depends on it, so it may lag. counterValue, packages and results
 * are not kept here and stay committed before any answer leaves.
 *
 * What a crash may lose: the last contacts noted since the previous flush,
 * at most one flush interval of them (the server flushes every
 * eim_config.contact_flush_ms, EIM_CONTACT_FLUSH_MS by default, and at a
 * clean shutdown). The rows then keep the contact time of the flush before,
 * and the next poll of each eUICC sets it again. A state change (first
 * contact: REGISTERED -> ACTIVE) is never kept here: eim_package_poll
 * commits it at once.
 *
 * One cache per database connection's thread (a server worker): no lock.
 * Open addressing with linear probing over the EID's 16 octets. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "eim/eim_internal.h"

#define CONTACT_INITIAL_CAPACITY 1024u
/* 2^24 slots (384 MiB): far beyond any registry this eIM serves; past it
 * eim_contact_cache_note answers AW_ERR_LIMIT and the caller writes at once */
#define CONTACT_MAX_CAPACITY (1u << 24)

typedef struct contact_entry {
    uint8_t eid[SGP32_EID_LENGTH];
    int64_t ms; /* 0: free slot */
} contact_entry;

struct eim_contact_cache {
    contact_entry *entries;
    size_t capacity; /* a power of two */
    size_t count;
};

/* Mix the EID's two halves (sequential EIDs differ in their last digits). */
static size_t slot_of(const uint8_t eid[SGP32_EID_LENGTH], size_t capacity)
{
    uint64_t a = 0, b = 0;
    memcpy(&a, eid, 8);
    memcpy(&b, eid + 8, 8);
    uint64_t h = a ^ (b * 0x9E3779B97F4A7C15u);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 29;
    return (size_t)h & (capacity - 1);
}

static contact_entry *find_slot(contact_entry *entries, size_t capacity,
                                const uint8_t eid[SGP32_EID_LENGTH])
{
    size_t i = slot_of(eid, capacity);
    while (entries[i].ms != 0 && memcmp(entries[i].eid, eid, SGP32_EID_LENGTH) != 0)
        i = (i + 1) & (capacity - 1);
    return &entries[i];
}

static aw_err grow(eim_contact_cache *cache)
{
    size_t capacity = cache->capacity * 2;
    if (capacity > CONTACT_MAX_CAPACITY)
        return AW_ERR_LIMIT;
    contact_entry *entries = calloc(capacity, sizeof(*entries));
    if (entries == NULL)
        return AW_ERR_NOMEM;
    for (size_t i = 0; i < cache->capacity; i++) {
        if (cache->entries[i].ms != 0)
            *find_slot(entries, capacity, cache->entries[i].eid) = cache->entries[i];
    }
    free(cache->entries);
    cache->entries = entries;
    cache->capacity = capacity;
    return AW_OK;
}

aw_err eim_contact_cache_new(eim_contact_cache **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    eim_contact_cache *cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return AW_ERR_NOMEM;
    cache->entries = calloc(CONTACT_INITIAL_CAPACITY, sizeof(*cache->entries));
    if (cache->entries == NULL) {
        free(cache);
        return AW_ERR_NOMEM;
    }
    cache->capacity = CONTACT_INITIAL_CAPACITY;
    *out = cache;
    return AW_OK;
}

void eim_contact_cache_free(eim_contact_cache *cache)
{
    if (cache == NULL)
        return;
    free(cache->entries);
    free(cache);
}

size_t eim_contact_cache_pending(const eim_contact_cache *cache)
{
    return cache != NULL ? cache->count : 0;
}

aw_err eim_contact_cache_note(eim_contact_cache *cache, const char *eid, int64_t now_ms)
{
    uint8_t octets[SGP32_EID_LENGTH];
    if (cache == NULL || eid == NULL || now_ms <= 0)
        return AW_ERR_ARGUMENT;
    aw_err err = eim_eid_to_octets(eid, octets);
    if (err != AW_OK)
        return err;
    /* at most half full: probes stay short */
    if ((cache->count + 1) * 2 > cache->capacity && (err = grow(cache)) != AW_OK)
        return err;
    contact_entry *e = find_slot(cache->entries, cache->capacity, octets);
    if (e->ms == 0) {
        memcpy(e->eid, octets, SGP32_EID_LENGTH);
        cache->count++;
    }
    if (now_ms > e->ms)
        e->ms = now_ms;
    return AW_OK;
}

/* Inside the transaction: one UPDATE per noted eUICC. A row's time only
 * moves forward: another worker's cache (or a package handed out, which
 * writes at once) may hold a later contact of the same eUICC. A row gone
 * meanwhile simply matches nothing. */
static aw_err flush_locked(const eim_contact_cache *cache, db_connection *db)
{
    char eid[EIM_EID_DIGITS + 1];
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < cache->capacity; i++) {
        const contact_entry *e = &cache->entries[i];
        if (e->ms == 0)
            continue;
        aw_hex_encode(e->eid, SGP32_EID_LENGTH, eid, true);
        db_param p[] = {DB_PARAM_INT64(e->ms), DB_PARAM_TEXT(eid), DB_PARAM_INT64(e->ms)};
        err = db_execute(db,
                         "UPDATE eim_euiccs SET last_contact_ms = ? WHERE eid = ? AND "
                         "(last_contact_ms IS NULL OR last_contact_ms < ?)",
                         p, 3, NULL);
    }
    return err;
}

aw_err eim_contact_cache_flush(eim_contact_cache *cache, db_connection *db)
{
    if (cache == NULL || db == NULL)
        return AW_ERR_ARGUMENT;
    if (cache->count == 0)
        return AW_OK;
    /* one transaction, one fsync, for the whole interval's contacts */
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = flush_locked(cache, db);
    if (err == AW_OK)
        err = db_commit(db);
    else
        (void)db_rollback(db);
    if (err != AW_OK)
        return err; /* kept: the next flush tries again */
    memset(cache->entries, 0, cache->capacity * sizeof(*cache->entries));
    cache->count = 0;
    return AW_OK;
}
