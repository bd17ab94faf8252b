/* airwrite platform: the information query routes of the northbound API
 * (信息查询 of 《物联网 eSIM 空中写卡技术应用服务规范》), all GET, all scoped to the
 * calling app's tenant (another tenant's card or pool is answered as one
 * that does not exist):
 *   /api/v1/cards                 eid, iccid, imsi, msisdn, state; limit, cursor
 *   /api/v1/cards/{eid}           the card and its profiles
 *   /api/v1/cards/{eid}/history   lifecycle history of the card and its profiles
 *   /api/v1/profiles              eid, iccid, imsi, msisdn, state, profileType
 *   /api/v1/number-pools          the tenant's pools with their numbers per state
 *   /api/v1/number-pools/{name}   one pool
 *   /api/v1/statistics            orders, items, cards, profiles per state; from, to
 * Every route runs the whole chain of api.c, bearer token included; an
 * unknown query parameter is I1002. docs/openapi.yaml is exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/inventory_internal.h"

#define CARDS_PREFIX "/api/v1/cards/"
#define POOLS_PREFIX "/api/v1/number-pools/"
#define HISTORY_SUFFIX "/history"
#define CURSOR_DIGITS_MAX 18u

/* A query number of 1..digits digits, no leading zero unless zero_ok; out
 * is left as it is when the parameter is absent. */
static aw_err number_parameter(http_request *request, const char *name, size_t digits,
                               bool zero_ok, int64_t *out)
{
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, name, &value);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    size_t len = err == AW_OK ? strlen(value) : 0;
    if (err != AW_OK || len == 0 || len > digits || strspn(value, "0123456789") != len ||
        (value[0] == '0' && (len > 1 || !zero_ok)))
        return AW_ERR_PLATFORM_FIELD;
    *out = (int64_t)strtoll(value, NULL, 10);
    return AW_OK;
}

/* limit and cursor; and that the query names only allowed parameters. */
static aw_err page_parameters(http_request *request, const char *const *allowed, size_t *limit,
                              int64_t *after)
{
    if (!inventory_query_names_allowed(http_request_query(request), allowed))
        return AW_ERR_PLATFORM_FIELD;
    int64_t value = PLATFORM_QUERY_PAGE_DEFAULT;
    *after = 0;
    aw_err err = number_parameter(request, "limit", 3, false, &value);
    if (err == AW_OK && value > PLATFORM_QUERY_PAGE_MAX)
        err = AW_ERR_PLATFORM_FIELD;
    *limit = (size_t)value;
    if (err == AW_OK)
        err = number_parameter(request, "cursor", CURSOR_DIGITS_MAX, true, after);
    return err;
}

/* The filter parameters (NULL when absent); AW_ERR_PLATFORM_FIELD when one
 * is malformed percent-encoding. */
static aw_err filter_parameters(http_request *request, platform_query_filter *filter)
{
    static const char *const names[] = {"eid", "iccid", "imsi", "msisdn", "state",
                                        "profileType"};
    const char **slots[] = {&filter->eid,    &filter->iccid, &filter->imsi,
                            &filter->msisdn, &filter->state, &filter->profile_type};
    memset(filter, 0, sizeof(*filter));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        aw_err err = http_request_query_parameter(request, names[i], slots[i]);
        if (err == AW_ERR_NOT_FOUND)
            *slots[i] = NULL;
        else if (err != AW_OK)
            return AW_ERR_PLATFORM_FIELD;
    }
    return AW_OK;
}

static json_t *next_cursor(bool more, int64_t last_id)
{
    char cursor[24];
    snprintf(cursor, sizeof(cursor), "%lld", (long long)last_id);
    return more ? json_string(cursor) : json_null();
}

static void set_optional(json_t *object, const char *key, const char *value)
{
    if (object != NULL && value[0] != '\0')
        json_object_set_new(object, key, json_string(value));
}

static json_t *profile_json(const platform_profile *p)
{
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iccid", p->iccid, "eid", p->eid,
                             "profileType", p->profile_type, "state", p->state, "createdAt",
                             (json_int_t)p->created_at_ms, "updatedAt",
                             (json_int_t)p->updated_at_ms);
    set_optional(root, "imsi", p->imsi);
    set_optional(root, "msisdn", p->msisdn);
    set_optional(root, "orderId", p->order_id);
    return root;
}

/* The card with its profiles (at most PLATFORM_QUERY_PAGE_MAX, oldest first). */
static json_t *card_json(db_connection *db, const char *tenant, const platform_card *card)
{
    platform_query_filter filter = {.eid = card->eid};
    platform_profile *profiles = NULL;
    size_t count = 0;
    bool more = false;
    if (platform_profile_list(db, tenant, &filter, 0, PLATFORM_QUERY_PAGE_MAX, &profiles, &count,
                              &more) != AW_OK)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++)
        json_array_append_new(list, profile_json(&profiles[i]));
    free(profiles);
    return json_pack("{s:s, s:s, s:I, s:I, s:o}", "eid", card->eid, "state", card->state,
                     "createdAt", (json_int_t)card->created_at_ms, "updatedAt",
                     (json_int_t)card->updated_at_ms, "profiles", list);
}

/* GET /api/v1/cards */
static void handle_cards(http_request *request, void *userdata)
{
    static const char *const allowed[] = {"eid", "iccid", "imsi", "msisdn", "state",
                                          "limit", "cursor", NULL};
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    size_t limit = 0;
    int64_t after = 0;
    platform_query_filter filter;
    platform_card *cards = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = page_parameters(request, allowed, &limit, &after);
    if (err == AW_OK)
        err = filter_parameters(request, &filter);
    if (err == AW_OK)
        err = platform_card_list(api->config.db, call.app.tenant, &filter, after, limit, &cards,
                                 &count, &more);
    json_t *list = err == AW_OK ? json_array() : NULL;
    for (size_t i = 0; list != NULL && i < count; i++)
        if (json_array_append_new(list, card_json(api->config.db, call.app.tenant, &cards[i])) != 0)
            err = AW_ERR_NOMEM;
    int64_t last = count > 0 ? cards[count - 1].id : 0;
    free(cards);
    if (err != AW_OK) {
        json_decref(list);
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "cards", list, "nextCursor",
                                             next_cursor(more, last)));
}

/* GET /api/v1/profiles */
static void handle_profiles(http_request *request, void *userdata)
{
    static const char *const allowed[] = {"eid",   "iccid", "imsi",  "msisdn", "state",
                                          "profileType", "limit", "cursor", NULL};
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    size_t limit = 0;
    int64_t after = 0;
    platform_query_filter filter;
    platform_profile *profiles = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = page_parameters(request, allowed, &limit, &after);
    if (err == AW_OK)
        err = filter_parameters(request, &filter);
    if (err == AW_OK)
        err = platform_profile_list(api->config.db, call.app.tenant, &filter, after, limit,
                                    &profiles, &count, &more);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++)
        json_array_append_new(list, profile_json(&profiles[i]));
    int64_t last = count > 0 ? profiles[count - 1].id : 0;
    free(profiles);
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "profiles", list, "nextCursor",
                                             next_cursor(more, last)));
}

static json_t *pool_json(const platform_number_pool *pool, const platform_pool_counts *counts)
{
    json_t *segments = json_array();
    for (size_t i = 0; segments != NULL && i < pool->segment_count; i++)
        json_array_append_new(segments, json_string(pool->segments[i]));
    json_t *ranges = json_array();
    for (size_t i = 0; ranges != NULL && i < pool->range_count; i++)
        json_array_append_new(ranges, json_pack("{s:s, s:s}", "first", pool->ranges[i].first,
                                                "last", pool->ranges[i].last));
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}", "name",
                     pool->name, "profileType", pool->profile_type, "msisdnLength",
                     (json_int_t)pool->msisdn_length, "msisdnSegments", segments, "imsiRanges",
                     ranges, "coolingPeriodMs", (json_int_t)pool->cooling_ms, "createdAt",
                     (json_int_t)pool->created_at_ms, "numbers", "free",
                     (json_int_t)counts->free, "reserved", (json_int_t)counts->reserved,
                     "inUse", (json_int_t)counts->in_use, "cooling", (json_int_t)counts->cooling,
                     "available", (json_int_t)counts->available);
}

/* GET /api/v1/number-pools */
static void handle_pools(http_request *request, void *userdata)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    size_t limit = 0;
    int64_t after = 0;
    platform_number_pool *pools = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = page_parameters(request, allowed, &limit, &after);
    if (err == AW_OK)
        err = platform_number_pool_list(api->config.db, call.app.tenant, after, limit, &pools,
                                        &count, &more);
    json_t *list = err == AW_OK ? json_array() : NULL;
    for (size_t i = 0; list != NULL && err == AW_OK && i < count; i++) {
        platform_pool_counts counts;
        err = inventory_pool_counts(api->config.db, &pools[i], call.now_ms, &counts);
        if (err == AW_OK && json_array_append_new(list, pool_json(&pools[i], &counts)) != 0)
            err = AW_ERR_NOMEM;
    }
    int64_t last = count > 0 ? pools[count - 1].id : 0;
    free(pools);
    if (err != AW_OK) {
        json_decref(list);
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "numberPools", list, "nextCursor",
                                             next_cursor(more, last)));
}

static json_t *counts_json(const platform_state_count *counts, size_t n)
{
    json_t *object = json_object();
    for (size_t i = 0; object != NULL && i < n; i++)
        json_object_set_new(object, counts[i].state, json_integer(counts[i].count));
    return object;
}

/* GET /api/v1/statistics */
static void handle_statistics(http_request *request, void *userdata)
{
    static const char *const allowed[] = {"from", "to", NULL};
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    int64_t from = 0, to = call.now_ms + 1; /* up to now, included */
    aw_err err = inventory_query_names_allowed(http_request_query(request), allowed)
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = number_parameter(request, "from", CURSOR_DIGITS_MAX, true, &from);
    if (err == AW_OK)
        err = number_parameter(request, "to", CURSOR_DIGITS_MAX, true, &to);
    platform_statistics stats;
    if (err == AW_OK)
        err = platform_statistics_get(api->config.db, call.app.tenant, from, to, &stats);
    if (err != AW_OK) {
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(
        &call, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "from", (json_int_t)from, "to",
                         (json_int_t)to, "orders", counts_json(stats.orders, stats.order_count),
                         "items", counts_json(stats.items, stats.item_count), "cards",
                         counts_json(stats.cards, stats.card_count), "profiles",
                         counts_json(stats.profiles, stats.profile_count)));
}

/* ---- /api/v1/cards/{eid}[/history], /api/v1/number-pools/{name} ------------ */

static void handle_card(api_call *call, const char *eid)
{
    db_connection *db = call->api->config.db;
    platform_card card;
    aw_err err = inventory_query_names_allowed(http_request_query(call->request),
                                               (const char *const[]){NULL})
                     ? platform_card_get(db, call->app.tenant, eid, &card)
                     : AW_ERR_PLATFORM_FIELD;
    json_t *root = err == AW_OK ? card_json(db, call->app.tenant, &card) : NULL;
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, root);
}

static void handle_history(api_call *call, const char *eid)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    size_t limit = 0;
    int64_t after = 0;
    platform_history_entry *entries = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = page_parameters(call->request, allowed, &limit, &after);
    if (err == AW_OK)
        err = platform_card_history(call->api->config.db, call->app.tenant, eid, after, limit,
                                    &entries, &count, &more);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++) {
        const platform_lifecycle_event *e = &entries[i].event;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:I}", "machine",
                            platform_lifecycle_machine_name(entries[i].machine), "entityId",
                            entries[i].entity_id, "from",
                            e->from[0] != '\0' ? json_string(e->from) : json_null(), "to", e->to,
                            "cause", e->cause, "actor", e->actor, "at", (json_int_t)e->at_ms));
    }
    int64_t last = count > 0 ? entries[count - 1].id : 0;
    free(entries);
    platform_api_reply_json(call, json_pack("{s:s, s:o, s:o}", "eid", eid, "events", list,
                                            "nextCursor", next_cursor(more, last)));
}

static void handle_pool(api_call *call, const char *name)
{
    platform_number_pool pool;
    platform_pool_counts counts;
    aw_err err = inventory_query_names_allowed(http_request_query(call->request),
                                               (const char *const[]){NULL})
                     ? platform_number_pool_get(call->api->config.db, call->app.tenant, name,
                                                call->now_ms, &pool, &counts)
                     : AW_ERR_PLATFORM_FIELD;
    if (err == AW_ERR_PLATFORM_POOL_UNKNOWN) {
        platform_api_reply_error_details(call, PLATFORM_API_POOL_NOT_FOUND, 0, NULL);
        return;
    }
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, pool_json(&pool, &counts));
}

bool platform_api_query_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    if (http_request_allowed_methods(request) != 0)
        return false;
    bool card = strncmp(path, CARDS_PREFIX, sizeof(CARDS_PREFIX) - 1) == 0;
    bool pool = strncmp(path, POOLS_PREFIX, sizeof(POOLS_PREFIX) - 1) == 0;
    if (!card && !pool)
        return false;
    const char *start = path + (card ? sizeof(CARDS_PREFIX) : sizeof(POOLS_PREFIX)) - 1;
    size_t len = strcspn(start, "/");
    const char *suffix = start + len;
    bool history = card && strcmp(suffix, HISTORY_SUFFIX) == 0;
    char id[PLATFORM_TARGET_MAX + 1];
    if (len == 0 || len > PLATFORM_TARGET_MAX || (suffix[0] != '\0' && !history))
        return false;
    memcpy(id, start, len);
    id[len] = '\0';
    if (http_request_method(request) != AW_HTTP_METHOD_GET) {
        platform_api_reply_method_not_allowed(api, request, "GET");
        return true;
    }
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return true;
    if (pool)
        handle_pool(&call, id);
    else if (history)
        handle_history(&call, id);
    else
        handle_card(&call, id);
    return true;
}

aw_err platform_api_query_routes(http_server *server, platform_api *api)
{
    static const struct {
        const char *path;
        http_handler handler;
    } routes[] = {
        {"/api/v1/cards", handle_cards},
        {"/api/v1/profiles", handle_profiles},
        {"/api/v1/number-pools", handle_pools},
        {"/api/v1/statistics", handle_statistics},
    };
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < sizeof(routes) / sizeof(routes[0]); i++)
        err = http_server_route(server, AW_HTTP_METHOD_GET, routes[i].path, routes[i].handler, api);
    return err;
}
