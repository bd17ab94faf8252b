/* airwrite platform: accounting of /api/v1 answers for the API call success
 * indicator (管理控制 质量指标, issue 7; docs/indicators.md "API calls").
 *
 * The API already writes a nonce and a quota row per call; a third write per
 * call would cost the API rate for a number that is read per minute at
 * best. So answers are counted in memory, keyed by (minute, tenant, app,
 * route group, status class), and the counts are added to
 * platform_api_call_counts in one transaction when the minute changes,
 * when PLATFORM_CALL_COUNT_KEYS_MAX keys are held, and on flush (the
 * router's end, the indicators route, the monitor's evaluation). Processes
 * sharing the database add their own counts to the same rows (upsert
 * calls = calls + n). Used on one thread (the router's loop). */
#include <stdlib.h>
#include <string.h>

#include "platform/platform_internal.h"

#define MINUTE_MS 60000LL

typedef struct call_count {
    uint64_t hash;
    int64_t minute;
    char tenant[PLATFORM_TENANT_MAX + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char group[PLATFORM_ROUTE_GROUP_MAX + 1];
    int status_class;
    int64_t calls;
} call_count;

struct platform_call_counts {
    call_count *keys;              /* PLATFORM_CALL_COUNT_KEYS_MAX */
    size_t count;
    int64_t minute;                /* of the counts held; -1 when none */
};

/* The API's first path segments (docs/openapi.yaml); anything else, and
 * paths outside /api/v1, is "other", so the groups stay a short list. */
static const char *const route_groups[] = {
    "auth",  "ping",       "orders",     "callbacks", "cards",   "profiles",
    "number-pools", "statistics", "exceptions", "reviews", "audit", "indicators",
    "users", "apps",
};

const char *platform_route_group(const char *path)
{
    static const char prefix[] = "/api/v1/";
    if (path == NULL || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return "other";
    const char *segment = path + sizeof(prefix) - 1;
    size_t len = strcspn(segment, "/");
    for (size_t i = 0; i < sizeof(route_groups) / sizeof(route_groups[0]); i++)
        if (strlen(route_groups[i]) == len && strncmp(route_groups[i], segment, len) == 0)
            return route_groups[i];
    return "other";
}

aw_err platform_call_counts_new(platform_call_counts **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    platform_call_counts *counts = calloc(1, sizeof(*counts));
    if (counts == NULL)
        return AW_ERR_NOMEM;
    counts->keys = calloc(PLATFORM_CALL_COUNT_KEYS_MAX, sizeof(*counts->keys));
    if (counts->keys == NULL) {
        free(counts);
        return AW_ERR_NOMEM;
    }
    counts->minute = -1;
    *out = counts;
    return AW_OK;
}

void platform_call_counts_free(platform_call_counts *counts)
{
    if (counts == NULL)
        return;
    free(counts->keys);
    free(counts);
}

typedef struct flush_args {
    platform_call_counts *counts;
} flush_args;

static aw_err flush_in(db_connection *db, void *arg)
{
    const platform_call_counts *counts = ((flush_args *)arg)->counts;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < counts->count; i++) {
        const call_count *c = &counts->keys[i];
        db_param params[] = {DB_PARAM_INT64(c->minute), DB_PARAM_TEXT(c->tenant),
                             DB_PARAM_TEXT(c->app_id), DB_PARAM_TEXT(c->group),
                             DB_PARAM_INT64(c->status_class), DB_PARAM_INT64(c->calls)};
        err = db_execute(db,
                         "INSERT INTO platform_api_call_counts (minute, tenant, app_id, "
                         "route_group, status_class, calls) VALUES (?, ?, ?, ?, ?, ?) ON "
                         "CONFLICT (minute, tenant, app_id, route_group, status_class) DO "
                         "UPDATE SET calls = platform_api_call_counts.calls + excluded.calls",
                         params, 6, NULL);
    }
    return err;
}

aw_err platform_call_counts_flush(platform_call_counts *counts, db_connection *db)
{
    if (counts == NULL || db == NULL)
        return AW_ERR_ARGUMENT;
    if (counts->count == 0)
        return AW_OK;
    flush_args a = {.counts = counts};
    aw_err err = platform_in_transaction(db, flush_in, &a);
    if (err == AW_OK) {
        counts->count = 0;
        counts->minute = -1;
    }
    return err;
}

/* FNV-1a over the key's texts and numbers, compared before the texts. */
static uint64_t key_hash(int64_t minute, const char *tenant, const char *app_id,
                         const char *group, int status_class)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *parts[3] = {tenant, app_id, group};
    for (size_t p = 0; p < 3; p++) {
        for (const char *c = parts[p]; *c != '\0'; c++)
            h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
        h = (h ^ 0xff) * 0x100000001b3ULL;
    }
    h = (h ^ (uint64_t)minute) * 0x100000001b3ULL;
    return (h ^ (uint64_t)status_class) * 0x100000001b3ULL;
}

aw_err platform_call_counts_add(platform_call_counts *counts, db_connection *db, int64_t now_ms,
                                const char *tenant, const char *app_id, const char *path,
                                int status)
{
    if (counts == NULL || db == NULL || tenant == NULL || app_id == NULL || status < 100 ||
        status > 599)
        return AW_ERR_ARGUMENT;
    int64_t minute = now_ms - ((now_ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
    int status_class = status / 100;
    const char *group = platform_route_group(path);
    /* longer than a column allows: counted as not identified */
    if (strlen(tenant) > PLATFORM_TENANT_MAX || strlen(app_id) > PLATFORM_APP_ID_MAX)
        tenant = app_id = "";
    aw_err err = AW_OK;
    if (counts->count > 0 &&
        (counts->minute != minute || counts->count == PLATFORM_CALL_COUNT_KEYS_MAX))
        err = platform_call_counts_flush(counts, db);
    uint64_t hash = key_hash(minute, tenant, app_id, group, status_class);
    for (size_t i = 0; i < counts->count; i++) {
        call_count *c = &counts->keys[i];
        if (c->hash == hash && c->minute == minute && c->status_class == status_class &&
            strcmp(c->group, group) == 0 && strcmp(c->tenant, tenant) == 0 &&
            strcmp(c->app_id, app_id) == 0) {
            c->calls++;
            return err;
        }
    }
    if (counts->count == PLATFORM_CALL_COUNT_KEYS_MAX)
        return err; /* full and the flush failed: this one is lost */
    call_count *c = &counts->keys[counts->count++];
    memset(c, 0, sizeof(*c));
    c->hash = hash;
    c->minute = minute;
    memcpy(c->tenant, tenant, strlen(tenant) + 1);
    memcpy(c->app_id, app_id, strlen(app_id) + 1);
    memcpy(c->group, group, strlen(group) + 1);
    c->status_class = status_class;
    c->calls = 1;
    /* counts of several minutes may be held after a failed flush; the
     * minute kept is the newest, so the next change flushes them all */
    counts->minute = minute;
    return err;
}
