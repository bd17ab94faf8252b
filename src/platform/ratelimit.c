/* airwrite platform: call limits of the northbound API: a token bucket per
 * app (refill rate_per_minute, size burst) kept in memory, and a daily call
 * quota counted in the database (shared by every process on it). Both
 * answer "how long until the next call may pass", which the router sends
 * as Retry-After (RFC 9110 10.2.3) with HTTP 429 (RFC 6585 4). */
#include <stdlib.h>
#include <string.h>

#include "platform/platform_internal.h"

/* Bucket contents in thousandths of a call, so slow rates refill smoothly. */
#define MILLI 1000
#define DAY_MS (86400LL * 1000)

typedef struct bucket {
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t tokens_milli;
    int64_t last_ms;
} bucket;

struct platform_rate_limiter {
    bucket *slots; /* open addressing, linear probing; app_id "" is a free slot */
    size_t count, cap;
};

aw_err platform_rate_limiter_new(platform_rate_limiter **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? AW_ERR_NOMEM : AW_OK;
}

void platform_rate_limiter_free(platform_rate_limiter *limiter)
{
    if (limiter == NULL)
        return;
    free(limiter->slots);
    free(limiter);
}

static bool limits_valid(const platform_app_limits *limits)
{
    return limits != NULL && limits->rate_per_minute >= 1 &&
           limits->rate_per_minute <= PLATFORM_LIMIT_MAX && limits->burst >= 1 &&
           limits->burst <= PLATFORM_LIMIT_MAX && limits->daily_quota >= 0 &&
           limits->daily_quota <= PLATFORM_LIMIT_MAX;
}

/* FNV-1a (appIds are chosen by the platform, so no hash flooding). */
static size_t hash_app_id(const char *app_id)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *app_id != '\0'; app_id++)
        h = (h ^ (uint8_t)*app_id) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot holding app_id, or the free slot where it belongs. cap > 0. */
static bucket *probe(bucket *slots, size_t cap, const char *app_id)
{
    size_t i = hash_app_id(app_id) & (cap - 1);
    while (slots[i].app_id[0] != '\0' && strcmp(slots[i].app_id, app_id) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Double the table (kept at most half full). */
static aw_err grow(platform_rate_limiter *limiter)
{
    size_t cap = limiter->cap ? limiter->cap * 2 : 64;
    bucket *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return AW_ERR_NOMEM;
    for (size_t i = 0; i < limiter->cap; i++)
        if (limiter->slots[i].app_id[0] != '\0')
            *probe(slots, cap, limiter->slots[i].app_id) = limiter->slots[i];
    free(limiter->slots);
    limiter->slots = slots;
    limiter->cap = cap;
    return AW_OK;
}

/* The bucket of app_id, inserted full when new. */
static aw_err find_bucket(platform_rate_limiter *limiter, const char *app_id,
                          const platform_app_limits *limits, int64_t now_ms, bucket **out)
{
    bucket *b = limiter->cap > 0 ? probe(limiter->slots, limiter->cap, app_id) : NULL;
    if (b != NULL && b->app_id[0] != '\0') {
        *out = b;
        return AW_OK;
    }
    if (limiter->count == PLATFORM_RATE_LIMITER_MAX_APPS)
        return AW_ERR_LIMIT;
    if (2 * (limiter->count + 1) > limiter->cap) {
        aw_err err = grow(limiter);
        if (err != AW_OK)
            return err;
        b = probe(limiter->slots, limiter->cap, app_id);
    }
    memcpy(b->app_id, app_id, strlen(app_id) + 1);
    b->tokens_milli = limits->burst * MILLI;
    b->last_ms = now_ms;
    limiter->count++;
    *out = b;
    return AW_OK;
}

aw_err platform_rate_limiter_take(platform_rate_limiter *limiter, const char *app_id,
                                  const platform_app_limits *limits, int64_t now_ms,
                                  int64_t *retry_after_s)
{
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    if (limiter == NULL || retry_after_s == NULL || !platform_app_id_valid(app_id) ||
        !limits_valid(limits))
        return AW_ERR_ARGUMENT;
    bucket *b = NULL;
    aw_err err = find_bucket(limiter, app_id, limits, now_ms, &b);
    if (err != AW_OK)
        return err;
    int64_t capacity = limits->burst * MILLI;
    int64_t elapsed = now_ms - b->last_ms;
    if (elapsed > 0) {
        /* refill: rate_per_minute calls per 60000 ms, in milli-calls;
         * capped elapsed keeps the product far from overflow */
        int64_t capped = elapsed < DAY_MS ? elapsed : DAY_MS;
        int64_t refill = capped * limits->rate_per_minute / 60;
        if (b->tokens_milli + refill >= capacity || capped < elapsed) {
            b->tokens_milli = b->tokens_milli + refill >= capacity ? capacity
                                                                   : b->tokens_milli + refill;
            b->last_ms = now_ms;
        } else {
            /* advance only by the time credited, so the fraction truncated
             * here is not lost when calls come faster than one milli-call */
            b->tokens_milli += refill;
            b->last_ms += refill * 60 / limits->rate_per_minute;
        }
    }
    if (b->tokens_milli > capacity)
        b->tokens_milli = capacity; /* the burst was lowered since */
    if (b->tokens_milli >= MILLI) {
        b->tokens_milli -= MILLI;
        return AW_OK;
    }
    /* ms until one whole call has refilled, rounded up to whole seconds */
    int64_t missing = MILLI - b->tokens_milli;
    int64_t wait_ms = (missing * 60 + limits->rate_per_minute - 1) / limits->rate_per_minute;
    *retry_after_s = (wait_ms + 999) / 1000;
    if (*retry_after_s < 1)
        *retry_after_s = 1;
    return AW_ERR_PLATFORM_RATE_LIMITED;
}

/* Floor division, so days before the epoch are numbered consistently. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

aw_err platform_quota_take(db_connection *db, const char *app_id, const platform_app_limits *limits,
                           int utc_offset_minutes, int64_t now_ms, int64_t *retry_after_s)
{
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    if (db == NULL || retry_after_s == NULL || !platform_app_id_valid(app_id) ||
        !limits_valid(limits) || utc_offset_minutes < -14 * 60 || utc_offset_minutes > 14 * 60)
        return AW_ERR_ARGUMENT;
    if (limits->daily_quota == 0)
        return AW_OK; /* unlimited */
    int64_t local_ms = now_ms + (int64_t)utc_offset_minutes * 60 * 1000;
    int64_t day = floor_div(local_ms, DAY_MS);
    /* one atomic upsert: the WHERE stops the count at the quota */
    const db_param p[] = {DB_PARAM_TEXT(app_id), DB_PARAM_INT64(day),
                          DB_PARAM_INT64(limits->daily_quota)};
    int64_t changes = 0;
    aw_err err = db_execute(db,
                            "INSERT INTO platform_quota_usage (app_id, day, used) VALUES (?, ?, 1) "
                            "ON CONFLICT (app_id, day) DO UPDATE SET used = platform_quota_usage.used + 1 "
                            "WHERE platform_quota_usage.used < ?",
                            p, 3, &changes);
    if (err != AW_OK)
        return err;
    if (changes > 0)
        return AW_OK;
    int64_t next_day_ms = (day + 1) * DAY_MS;
    *retry_after_s = (next_day_ms - local_ms + 999) / 1000;
    return AW_ERR_PLATFORM_QUOTA_EXHAUSTED;
}
