/* airwrite platform: the information queries of 《物联网 eSIM 空中写卡技术应用
 * 服务规范》 (信息查询) over the tenant's cards and profiles: by EID, ICCID,
 * IMSI or MSISDN and state, a page at a time (the cursor is the last row's
 * id); a card's lifecycle history with its profiles'; statistics of orders,
 * items, cards and profiles over a period. Every query is scoped to one
 * tenant: another tenant's rows are never seen. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "platform/inventory_internal.h"

#define SQL_MAX 1024u

/* Filters of one query: fragments joined with AND, their parameters. */
typedef struct query {
    char sql[SQL_MAX];
    size_t len;
    db_param params[12];
    size_t count;
} query;

/* The fragments are this file's constants: their sum fits SQL_MAX and the
 * parameters the array (invariants, not input). */
static void query_add(query *q, const char *fragment, const char *value)
{
    size_t len = strlen(fragment);
    assert(q->len + len < SQL_MAX && q->count < sizeof(q->params) / sizeof(q->params[0]));
    memcpy(q->sql + q->len, fragment, len + 1);
    q->len += len;
    if (value != NULL)
        q->params[q->count++] = DB_PARAM_TEXT(value);
}

static aw_err filter_check(const platform_query_filter *f, platform_lifecycle_machine machine)
{
    if ((f->eid != NULL && platform_eid_check(f->eid, strlen(f->eid)) != AW_OK) ||
        (f->iccid != NULL && platform_iccid_check(f->iccid) != AW_OK) ||
        (f->imsi != NULL && !inventory_digits_valid(f->imsi, 6, PLATFORM_IMSI_MAX)) ||
        (f->msisdn != NULL && !inventory_digits_valid(f->msisdn, 1, PLATFORM_MSISDN_MAX)) ||
        (f->state != NULL && !platform_lifecycle_state_valid(machine, f->state)) ||
        (f->profile_type != NULL &&
         (machine != PLATFORM_LIFECYCLE_PROFILE || !platform_target_valid(f->profile_type))))
        return AW_ERR_PLATFORM_FIELD;
    return AW_OK;
}

typedef aw_err (*row_reader)(db_rows *rows, void *element);

/* Run q (its last parameter the LIMIT, added here) and read up to limit
 * rows into a malloc'd array of elements of size bytes; *more when a row
 * follows. */
static aw_err page_read(db_connection *db, query *q, size_t limit, size_t size, row_reader read,
                        void **list, size_t *count, bool *more)
{
    query_add(q, " LIMIT ?", NULL);
    q->params[q->count++] = DB_PARAM_INT64((int64_t)limit + 1);
    char *elements = calloc(limit, size);
    if (elements == NULL)
        return AW_ERR_NOMEM;
    db_rows *rows = NULL;
    aw_err err = db_query(db, q->sql, q->params, q->count, &rows);
    size_t n = 0;
    bool found = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        if (n == limit) {
            *more = true;
            break;
        }
        err = read(rows, elements + n++ * size);
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(elements);
        *more = false;
        return err;
    }
    *list = elements;
    *count = n;
    return AW_OK;
}

static aw_err page_start(void *list, size_t *count, bool *more)
{
    if (list != NULL)
        *(void **)list = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    return list == NULL || count == NULL || more == NULL ? AW_ERR_ARGUMENT : AW_OK;
}

static aw_err card_read(db_rows *rows, void *element)
{
    platform_card *card = element;
    aw_err err = db_rows_get_int64(rows, 0, &card->id);
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, card->eid, sizeof(card->eid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, card->state, sizeof(card->state));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 3, &card->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &card->updated_at_ms);
    return err;
}

aw_err platform_card_list(db_connection *db, const char *tenant,
                          const platform_query_filter *filter, int64_t after, size_t limit,
                          platform_card **list, size_t *count, bool *more)
{
    aw_err err = page_start(list, count, more);
    if (err != AW_OK || db == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    platform_query_filter none = {0};
    const platform_query_filter *f = filter != NULL ? filter : &none;
    err = inventory_page_check(after, limit);
    if (err == AW_OK)
        err = filter_check(f, PLATFORM_LIFECYCLE_CARD);
    if (err != AW_OK)
        return err;
    query q = {.len = 0};
    query_add(&q,
              "SELECT c.id, c.eid, s.state, c.created_at, s.updated_at FROM platform_cards c "
              "JOIN platform_lifecycle_states s ON s.machine = 'card' AND s.tenant = c.tenant "
              "AND s.entity_id = c.eid WHERE c.tenant = ?",
              tenant);
    q.params[q.count++] = DB_PARAM_INT64(after); /* the first two of twelve */
    query_add(&q, " AND c.id > ?", NULL);
    if (f->eid != NULL)
        query_add(&q, " AND c.eid = ?", f->eid);
    if (f->state != NULL)
        query_add(&q, " AND s.state = ?", f->state);
    /* the cards holding such a profile */
    static const char held[] = " AND EXISTS (SELECT 1 FROM platform_profiles p WHERE "
                               "p.tenant = c.tenant AND p.eid = c.eid AND p.";
    if (f->iccid != NULL) {
        query_add(&q, held, NULL);
        query_add(&q, "iccid = ?)", f->iccid);
    }
    if (f->imsi != NULL) {
        query_add(&q, held, NULL);
        query_add(&q, "imsi = ?)", f->imsi);
    }
    if (f->msisdn != NULL) {
        query_add(&q, held, NULL);
        query_add(&q, "msisdn = ?)", f->msisdn);
    }
    query_add(&q, " ORDER BY c.id", NULL);
    return page_read(db, &q, limit, sizeof(platform_card), card_read, (void **)list, count, more);
}

static aw_err profile_read(db_rows *rows, void *element)
{
    platform_profile *p = element;
    aw_err err = db_rows_get_int64(rows, 0, &p->id);
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, p->iccid, sizeof(p->iccid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, p->eid, sizeof(p->eid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 3, p->imsi, sizeof(p->imsi));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 4, p->msisdn, sizeof(p->msisdn));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 5, p->profile_type, sizeof(p->profile_type));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 6, p->order_id, sizeof(p->order_id));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 7, p->state, sizeof(p->state));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &p->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &p->updated_at_ms);
    return err;
}

aw_err platform_profile_list(db_connection *db, const char *tenant,
                             const platform_query_filter *filter, int64_t after, size_t limit,
                             platform_profile **list, size_t *count, bool *more)
{
    aw_err err = page_start(list, count, more);
    if (err != AW_OK || db == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    platform_query_filter none = {0};
    const platform_query_filter *f = filter != NULL ? filter : &none;
    err = inventory_page_check(after, limit);
    if (err == AW_OK)
        err = filter_check(f, PLATFORM_LIFECYCLE_PROFILE);
    if (err != AW_OK)
        return err;
    query q = {.len = 0};
    query_add(&q,
              "SELECT p.id, p.iccid, p.eid, p.imsi, p.msisdn, p.profile_type, p.order_id, "
              "s.state, p.created_at, s.updated_at FROM platform_profiles p JOIN "
              "platform_lifecycle_states s ON s.machine = 'profile' AND s.tenant = p.tenant AND "
              "s.entity_id = p.iccid WHERE p.tenant = ?",
              tenant);
    q.params[q.count++] = DB_PARAM_INT64(after); /* the first two of twelve */
    query_add(&q, " AND p.id > ?", NULL);
    if (f->eid != NULL)
        query_add(&q, " AND p.eid = ?", f->eid);
    if (f->iccid != NULL)
        query_add(&q, " AND p.iccid = ?", f->iccid);
    if (f->imsi != NULL)
        query_add(&q, " AND p.imsi = ?", f->imsi);
    if (f->msisdn != NULL)
        query_add(&q, " AND p.msisdn = ?", f->msisdn);
    if (f->state != NULL)
        query_add(&q, " AND s.state = ?", f->state);
    if (f->profile_type != NULL)
        query_add(&q, " AND p.profile_type = ?", f->profile_type);
    query_add(&q, " ORDER BY p.id", NULL);
    return page_read(db, &q, limit, sizeof(platform_profile), profile_read, (void **)list, count,
                     more);
}

static aw_err history_read(db_rows *rows, void *element)
{
    platform_history_entry *e = element;
    char machine[16];
    aw_err err = db_rows_get_int64(rows, 0, &e->id);
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, machine, sizeof(machine));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, e->entity_id, sizeof(e->entity_id));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 3, e->event.from, sizeof(e->event.from));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 4, e->event.to, sizeof(e->event.to));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 5, e->event.cause, sizeof(e->event.cause));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 6, e->event.actor, sizeof(e->event.actor));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 7, &e->event.at_ms);
    e->machine = strcmp(machine, "card") == 0 ? PLATFORM_LIFECYCLE_CARD
                                              : PLATFORM_LIFECYCLE_PROFILE;
    return err;
}

aw_err platform_card_history(db_connection *db, const char *tenant, const char *eid,
                             int64_t after, size_t limit, platform_history_entry **list,
                             size_t *count, bool *more)
{
    aw_err err = page_start(list, count, more);
    if (err != AW_OK || db == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    err = inventory_page_check(after, limit);
    platform_card card;
    if (err == AW_OK)
        err = platform_card_get(db, tenant, eid, &card);
    if (err != AW_OK)
        return err;
    query q = {.len = 0};
    query_add(&q,
              "SELECT id, machine, entity_id, from_state, to_state, cause, actor, at FROM "
              "platform_lifecycle_history WHERE tenant = ?",
              tenant);
    q.params[q.count++] = DB_PARAM_INT64(after); /* the first two of twelve */
    query_add(&q, " AND id > ? AND ((machine = 'card' AND entity_id = ?)", card.eid);
    query_add(&q,
              " OR (machine = 'profile' AND entity_id IN (SELECT iccid FROM platform_profiles "
              "WHERE tenant = ?",
              tenant);
    query_add(&q, " AND eid = ?))) ORDER BY id", card.eid);
    return page_read(db, &q, limit, sizeof(platform_history_entry), history_read, (void **)list,
                     count, more);
}

/* Rows (state, count) of sql over tenant and the period into counts. */
static aw_err state_counts(db_connection *db, const char *sql, const char *tenant,
                           int64_t from_ms, int64_t to_ms, platform_state_count *counts,
                           size_t *n)
{
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_INT64(from_ms), DB_PARAM_INT64(to_ms)};
    db_rows *rows = NULL;
    bool found = false;
    *n = 0;
    aw_err err = db_query(db, sql, params, 3, &rows);
    while (err == AW_OK) {
        err = db_rows_next(rows, &found);
        if (err != AW_OK || !found)
            break;
        if (*n == PLATFORM_STATISTICS_STATES) {
            err = AW_ERR_DB_TYPE;
            break;
        }
        err = inventory_copy_text(rows, 0, counts[*n].state, sizeof(counts[*n].state));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &counts[(*n)++].count);
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_statistics_get(db_connection *db, const char *tenant, int64_t from_ms,
                               int64_t to_ms, platform_statistics *stats)
{
    if (stats != NULL)
        memset(stats, 0, sizeof(*stats));
    if (db == NULL || stats == NULL || !platform_tenant_valid(tenant))
        return AW_ERR_ARGUMENT;
    if (from_ms < 0 || to_ms <= from_ms)
        return AW_ERR_PLATFORM_FIELD;
    aw_err err = state_counts(db,
                              "SELECT status, COUNT(*) FROM platform_orders WHERE tenant = ? AND "
                              "created_at >= ? AND created_at < ? GROUP BY status ORDER BY status",
                              tenant, from_ms, to_ms, stats->orders, &stats->order_count);
    if (err == AW_OK)
        err = state_counts(db,
                           "SELECT i.status, COUNT(*) FROM platform_order_items i JOIN "
                           "platform_orders o ON o.order_id = i.order_id WHERE o.tenant = ? AND "
                           "o.created_at >= ? AND o.created_at < ? GROUP BY i.status ORDER BY "
                           "i.status",
                           tenant, from_ms, to_ms, stats->items, &stats->item_count);
    if (err == AW_OK)
        err = state_counts(db,
                           "SELECT s.state, COUNT(*) FROM platform_cards c JOIN "
                           "platform_lifecycle_states s ON s.machine = 'card' AND s.tenant = "
                           "c.tenant AND s.entity_id = c.eid WHERE c.tenant = ? AND c.created_at "
                           ">= ? AND c.created_at < ? GROUP BY s.state ORDER BY s.state",
                           tenant, from_ms, to_ms, stats->cards, &stats->card_count);
    if (err == AW_OK)
        err = state_counts(db,
                           "SELECT s.state, COUNT(*) FROM platform_profiles p JOIN "
                           "platform_lifecycle_states s ON s.machine = 'profile' AND s.tenant = "
                           "p.tenant AND s.entity_id = p.iccid WHERE p.tenant = ? AND "
                           "p.created_at >= ? AND p.created_at < ? GROUP BY s.state ORDER BY "
                           "s.state",
                           tenant, from_ms, to_ms, stats->profiles, &stats->profile_count);
    return err;
}
