/* airwrite platform: declarations shared by the files of number resources,
 * business scope, cards and profiles (scope.c, pools.c, numbers.c, cards.c,
 * inventory_query.c, api_query.c). */
#ifndef AIRWRITE_PLATFORM_INVENTORY_INTERNAL_H
#define AIRWRITE_PLATFORM_INVENTORY_INTERNAL_H

#include "platform/platform_internal.h"

/* Tables of cards, profiles, profile types, tenants' scopes, number pools
 * and numbers (component "platform.inventory", its own version sequence). */
aw_err platform_inventory_migrate(db_connection *db);

/* text is min..max decimal digits. */
bool inventory_digits_valid(const char *text, size_t min, size_t max);

/* Column of rows into out (size bytes); NULL gives "". AW_ERR_DB_TYPE when
 * the text does not fit. */
aw_err inventory_copy_text(db_rows *rows, size_t column, char *out, size_t size);

/* The state of entity_id of a machine whose state lifecycle.c keeps, and
 * since when (AW_ERR_NOT_FOUND). */
aw_err inventory_state_get(db_connection *db, platform_lifecycle_machine machine,
                           const char *tenant, const char *entity_id,
                           char state[PLATFORM_STATE_MAX + 1], int64_t *since_ms);

/* Move entity_id through the states of path (NULL-terminated), each step a
 * recorded transition with cause. */
aw_err inventory_walk_path(db_connection *db, platform_lifecycle_machine machine,
                           const char *tenant, const char *entity_id, const char *const *path,
                           const char *cause, const char *actor, int64_t now_ms);

/* limit and cursor of the queries: AW_ERR_PLATFORM_FIELD unless
 * 1..PLATFORM_QUERY_PAGE_MAX and >= 0. */
aw_err inventory_page_check(int64_t after, size_t limit);

/* Numbers of a pool (numbers.c, for pools.c's counts and the order check). */
aw_err inventory_pool_counts(db_connection *db, const platform_number_pool *pool, int64_t now_ms,
                             platform_pool_counts *counts);

/* tenant's pool name with its segments and ranges. AW_ERR_PLATFORM_POOL_UNKNOWN
 * (also another tenant's). */
aw_err inventory_pool_load(db_connection *db, const char *tenant, const char *name,
                           platform_number_pool *pool);

/* A pool number of tenant held for (order_id, eid) in state reserved:
 * reserved -> in_use for iccid (numbers.c, for cards.c). */
aw_err inventory_number_use(db_connection *db, const char *tenant, const char *msisdn,
                            const char *eid, const char *iccid, const char *actor,
                            int64_t now_ms, bool *is_pool_number);

/* The number of tenant held by (eid, order_id) in state reserved goes back
 * to free; none is no error. */
aw_err inventory_number_unreserve(db_connection *db, const char *tenant, const char *eid,
                                  const char *order_id, const char *cause, const char *actor,
                                  int64_t now_ms);

/* The number msisdn used by profile iccid goes in_use -> cooling; a
 * number not of a pool (or not in use by iccid) is no error. */
aw_err inventory_number_retire(db_connection *db, const char *tenant, const char *msisdn,
                               const char *iccid, const char *actor, int64_t now_ms);

/* Query parameters of the routes (api_query.c): every name of the raw
 * query must be in allowed (NULL-terminated). */
bool inventory_query_names_allowed(const char *query, const char *const *allowed);

/* api_query.c: the exact GET routes /api/v1/cards, /profiles,
 * /number-pools, /statistics (registered by platform_api_new), and the
 * dispatcher of /api/v1/cards/{eid}[/history] and /api/v1/number-pools/{name}
 * for api.c's fallback: false when the path is not one of them. */
aw_err platform_api_query_routes(http_server *server, platform_api *api);
bool platform_api_query_dispatch(platform_api *api, http_request *request);

#endif
