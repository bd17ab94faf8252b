/* libFuzzer target: what GET /api/v1/orders hands to the store from
 * outside (src/platform/order_list.c): the status, target and cursor as
 * lines (status, target kind 'p' profileType / 'n' numberPool, target,
 * cursor; an empty line: absent), then 8 bytes createdFrom, 8 bytes
 * createdTo (big-endian) and one byte limit, run on an in-memory SQLite
 * store holding four orders of tenant-a (two created at the same ms, one
 * cancelled) and one of tenant-b.
 * Properties checked beyond "no crash":
 * - the list answers AW_OK or AW_ERR_PLATFORM_FIELD only;
 * - the rows are tenant-a's, match the filters, are at most limit and
 *   newest first; a next cursor leads to a page of strictly older orders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_MAX 96

static db_connection *store;

static void order_make(const char *tenant, unsigned eid_number, const char *type, int64_t at,
                       bool cancel)
{
    char eid[33], check[3], body[128];
    snprintf(eid, sizeof(eid), "890490320000%018u", eid_number);
    if (platform_eid_check_digits(eid, 30, check) != AW_OK)
        abort();
    memcpy(eid + 30, check, 3);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"%s\"}", eid, type);
    platform_batch *batch = NULL;
    platform_app app = {.enabled = true};
    snprintf(app.app_id, sizeof(app.app_id), "app-%s", tenant);
    snprintf(app.tenant, sizeof(app.tenant), "%s", tenant);
    uint8_t hash[32] = {0};
    platform_order order;
    bool created = false;
    if (platform_batch_parse_json((const uint8_t *)body, strlen(body), &batch) != AW_OK ||
        platform_order_create(store, &app, NULL, hash, batch, at, &order, &created) != AW_OK)
        abort();
    platform_batch_free(batch);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    memcpy(order_id, order.order_id, sizeof(order_id));
    if (cancel && platform_order_cancel(store, tenant, order_id, "fuzz", at, &order) != AW_OK)
        abort();
}

static void store_open(void)
{
    if (store != NULL)
        return;
    if (db_open("sqlite::memory:", NULL, &store) != AW_OK || platform_migrate(store) != AW_OK)
        abort();
    order_make("tenant-a", 1, "iot", 1000, false);
    order_make("tenant-a", 2, "iot", 2000, false);
    order_make("tenant-a", 3, "iot", 2000, true);
    order_make("tenant-a", 4, "p2", 3000, false);
    order_make("tenant-b", 5, "iot", 2500, false);
}

/* The next line of data (at most FIELD_MAX - 1 bytes kept) into field;
 * NULL for an empty line or one with a NUL byte. */
static const char *next_line(const uint8_t **data, size_t *size, char field[FIELD_MAX])
{
    size_t len = 0;
    while (len < *size && (*data)[len] != '\n')
        len++;
    size_t kept = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;
    memcpy(field, *data, kept);
    field[kept] = '\0';
    *data += len < *size ? len + 1 : len;
    *size -= len < *size ? len + 1 : len;
    return kept > 0 && strlen(field) == kept ? field : NULL;
}

static int64_t next_int64(const uint8_t **data, size_t *size)
{
    uint64_t value = 0;
    for (size_t i = 0; i < 8 && *size > 0; i++, (*data)++, (*size)--)
        value = value << 8 | **data;
    return (int64_t)value;
}

/* a sorts strictly before b newest first */
static bool newer(const platform_order *a, const platform_order *b)
{
    return a->created_at_ms > b->created_at_ms ||
           (a->created_at_ms == b->created_at_ms && strcmp(a->order_id, b->order_id) > 0);
}

static void check_page(const platform_order_filter *f, const platform_order *orders,
                       size_t count, size_t limit)
{
    if (count > limit)
        abort();
    for (size_t i = 0; i < count; i++) {
        const platform_order *o = &orders[i];
        if (strcmp(o->tenant, "tenant-a") != 0 ||
            (f->status != NULL && strcmp(o->status, f->status) != 0) ||
            (f->target != NULL &&
             (strcmp(o->target, f->target) != 0 || o->target_kind != f->target_kind)) ||
            o->created_at_ms < f->created_from_ms ||
            (f->created_to_ms > 0 && o->created_at_ms >= f->created_to_ms) ||
            (i > 0 && !newer(&orders[i - 1], o)))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store_open();
    char fields[4][FIELD_MAX];
    const char *status = next_line(&data, &size, fields[0]);
    const char *kind = next_line(&data, &size, fields[1]);
    const char *target = next_line(&data, &size, fields[2]);
    const char *cursor = next_line(&data, &size, fields[3]);
    platform_order_filter filter = {
        .status = status,
        .target_kind = kind != NULL && kind[0] == 'n' ? PLATFORM_TARGET_NUMBER_POOL
                                                      : PLATFORM_TARGET_PROFILE_TYPE,
        .target = target,
    };
    filter.created_from_ms = next_int64(&data, &size);
    filter.created_to_ms = next_int64(&data, &size);
    size_t limit = size > 0 ? data[0] : PLATFORM_ORDER_PAGE_DEFAULT;
    platform_order *orders = NULL;
    size_t count = 0;
    char next[PLATFORM_ORDER_CURSOR_SIZE];
    aw_err err = platform_order_list(store, "tenant-a", &filter, cursor, limit, &orders, &count,
                                     next);
    if (err != AW_OK && err != AW_ERR_PLATFORM_FIELD)
        abort();
    if (err != AW_OK) {
        if (orders != NULL || count != 0 || next[0] != '\0')
            abort();
        return 0;
    }
    check_page(&filter, orders, count, limit);
    if (next[0] != '\0') {
        platform_order *rest = NULL;
        size_t rest_count = 0;
        char after[PLATFORM_ORDER_CURSOR_SIZE];
        if (count == 0 || platform_order_list(store, "tenant-a", &filter, next, limit, &rest,
                                              &rest_count, after) != AW_OK)
            abort();
        check_page(&filter, rest, rest_count, limit);
        if (rest_count == 0 || !newer(&orders[count - 1], &rest[0]))
            abort();
        free(rest);
    }
    free(orders);
    return 0;
}
