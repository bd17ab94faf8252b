/* Tests of the platform's lifecycle machines (src/platform/lifecycle.c)
 * and write orders in the store (orders.c): every allowed transition of
 * each machine taken through the database with its history row, a refused
 * one per machine, idempotent creation, tenant scoping, paging, cancel,
 * retry, and the order following its items. (Batches and EIDs:
 * test_platform_batch.c.) SQLite by default; PostgreSQL with the
 * argument "postgresql" under tests/pg-harness.sh. */
#include "platform_testutil.h"

#include <stdlib.h>

#define NOW 1764567890000LL

static const char *pg_url;

static struct {
    platform_test_db tdb;
    db_connection *db;
} fx;

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&fx.tdb, pg_url);
    fx.db = platform_test_db_open(&fx.tdb);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(fx.db);
    platform_test_db_remove(&fx.tdb);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* ---- The tables ------------------------------------------------------------ */

static void test_tables(void **state)
{
    (void)state;
    static const char *const names[] = {"card", "profile", "number", "order", "orderItem"};
    static const char *const initial[] = {"registered", "available", "free", "accepted",
                                          "pending"};
    for (int m = 0; m < PLATFORM_LIFECYCLE__COUNT; m++) {
        assert_string_equal(platform_lifecycle_machine_name((platform_lifecycle_machine)m),
                            names[m]);
        assert_string_equal(platform_lifecycle_initial_state((platform_lifecycle_machine)m),
                            initial[m]);
        size_t count = platform_lifecycle_transition_count((platform_lifecycle_machine)m);
        assert_true(count > 0);
        for (size_t i = 0; i < count; i++) {
            const char *from = NULL, *to = NULL;
            assert_int_equal(
                platform_lifecycle_transition_at((platform_lifecycle_machine)m, i, &from, &to),
                AW_OK);
            assert_true(platform_lifecycle_state_valid((platform_lifecycle_machine)m, from));
            assert_true(platform_lifecycle_state_valid((platform_lifecycle_machine)m, to));
            assert_true(platform_lifecycle_allowed((platform_lifecycle_machine)m, from, to));
        }
        const char *from = "x", *to = "x";
        assert_int_equal(
            platform_lifecycle_transition_at((platform_lifecycle_machine)m, count, &from, &to),
            AW_ERR_ARGUMENT);
        assert_null(from);
        assert_null(to);
    }
    /* the standard's number cycle, in order */
    assert_true(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_NUMBER, "free", "reserved"));
    assert_true(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_NUMBER, "reserved", "in_use"));
    assert_true(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_NUMBER, "in_use", "cooling"));
    assert_true(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_NUMBER, "cooling", "free"));
    assert_false(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_NUMBER, "in_use", "free"));
    assert_null(platform_lifecycle_machine_name(PLATFORM_LIFECYCLE__COUNT));
    assert_null(platform_lifecycle_initial_state((platform_lifecycle_machine)-1));
    assert_false(platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_CARD, "nope"));
    assert_false(platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_CARD, NULL));
    assert_false(platform_lifecycle_state_valid(PLATFORM_LIFECYCLE__COUNT, "active"));
    assert_false(platform_lifecycle_allowed(PLATFORM_LIFECYCLE__COUNT, "a", "b"));
    assert_false(platform_lifecycle_allowed(PLATFORM_LIFECYCLE_CARD, NULL, "active"));
    assert_int_equal(platform_lifecycle_transition_count(PLATFORM_LIFECYCLE__COUNT), 0);
    const char *from, *to;
    assert_int_equal(platform_lifecycle_transition_at(PLATFORM_LIFECYCLE__COUNT, 0, &from, &to),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_transition_at(PLATFORM_LIFECYCLE_CARD, 0, NULL, &to),
                     AW_ERR_ARGUMENT);
}

/* ---- Card, profile, number: every transition through the database ---------- */

/* Shortest path of allowed transitions from the initial state to target
 * (breadth first over the table); path[0..*len) are the states after the
 * initial one. */
static void path_to(platform_lifecycle_machine m, const char *target, const char **path,
                    size_t *len)
{
    const char *queue[16], *parent[16];
    size_t head = 0, tail = 0;
    queue[tail] = platform_lifecycle_initial_state(m);
    parent[tail++] = NULL;
    size_t count = platform_lifecycle_transition_count(m);
    size_t found = SIZE_MAX;
    while (head < tail && found == SIZE_MAX) {
        size_t at = head++;
        if (strcmp(queue[at], target) == 0) {
            found = at;
            break;
        }
        for (size_t i = 0; i < count; i++) {
            const char *from, *to;
            assert_int_equal(platform_lifecycle_transition_at(m, i, &from, &to), AW_OK);
            if (strcmp(from, queue[at]) != 0)
                continue;
            bool seen = false;
            for (size_t j = 0; j < tail && !seen; j++)
                seen = strcmp(queue[j], to) == 0;
            if (!seen) {
                assert_true(tail < 16);
                queue[tail] = to;
                parent[tail++] = queue[at];
            }
        }
    }
    assert_true(found != SIZE_MAX);
    const char *reverse[16];
    size_t n = 0;
    for (size_t at = found; parent[at] != NULL;) {
        reverse[n++] = queue[at];
        size_t p = 0;
        while (strcmp(queue[p], parent[at]) != 0)
            p++;
        at = p;
    }
    for (size_t i = 0; i < n; i++)
        path[i] = reverse[n - 1 - i];
    *len = n;
}

static void check_machine(platform_lifecycle_machine m, const char *refused_to)
{
    size_t count = platform_lifecycle_transition_count(m);
    for (size_t i = 0; i < count; i++) {
        const char *from, *to;
        assert_int_equal(platform_lifecycle_transition_at(m, i, &from, &to), AW_OK);
        char entity[32];
        snprintf(entity, sizeof(entity), "%s-%zu", platform_lifecycle_machine_name(m), i);
        assert_int_equal(platform_lifecycle_create(fx.db, m, "tenant-a", entity, "created",
                                                   "test", NOW),
                         AW_OK);
        const char *path[16];
        size_t len = 0;
        path_to(m, from, path, &len);
        for (size_t s = 0; s < len; s++)
            assert_int_equal(platform_lifecycle_transition(fx.db, m, "tenant-a", entity, path[s],
                                                           "walk", "test", NOW + 1, NULL),
                             AW_OK);
        char previous[PLATFORM_STATE_MAX + 1];
        assert_int_equal(platform_lifecycle_transition(fx.db, m, "tenant-a", entity, to,
                                                       "the transition", "operator-1", NOW + 2,
                                                       previous),
                         AW_OK);
        assert_string_equal(previous, from);
        char current[PLATFORM_STATE_MAX + 1];
        assert_int_equal(platform_lifecycle_get(fx.db, m, "tenant-a", entity, current), AW_OK);
        assert_string_equal(current, to);
        platform_lifecycle_event *events = NULL;
        size_t n = 0;
        assert_int_equal(platform_lifecycle_history(fx.db, m, "tenant-a", entity, 32, &events, &n),
                         AW_OK);
        assert_int_equal(n, len + 2);
        assert_string_equal(events[0].from, "");
        assert_string_equal(events[0].to, platform_lifecycle_initial_state(m));
        assert_string_equal(events[n - 1].from, from);
        assert_string_equal(events[n - 1].to, to);
        assert_string_equal(events[n - 1].cause, "the transition");
        assert_string_equal(events[n - 1].actor, "operator-1");
        assert_int_equal(events[n - 1].at_ms, NOW + 2);
        free(events);
    }
    /* a refused transition: typed error, nothing changed or recorded */
    const char *initial = platform_lifecycle_initial_state(m);
    assert_false(platform_lifecycle_allowed(m, initial, refused_to));
    assert_int_equal(
        platform_lifecycle_create(fx.db, m, "tenant-a", "refused", "created", "test", NOW),
        AW_OK);
    char previous[PLATFORM_STATE_MAX + 1];
    assert_int_equal(platform_lifecycle_transition(fx.db, m, "tenant-a", "refused", refused_to,
                                                   "bad", "test", NOW, previous),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_string_equal(previous, initial);
    char current[PLATFORM_STATE_MAX + 1];
    assert_int_equal(platform_lifecycle_get(fx.db, m, "tenant-a", "refused", current), AW_OK);
    assert_string_equal(current, initial);
    platform_lifecycle_event *events = NULL;
    size_t n = 0;
    assert_int_equal(platform_lifecycle_history(fx.db, m, "tenant-a", "refused", 8, &events, &n),
                     AW_OK);
    assert_int_equal(n, 1);
    free(events);
    /* another tenant's entity of the same id is another entity */
    assert_int_equal(platform_lifecycle_get(fx.db, m, "tenant-b", "refused", current),
                     AW_ERR_NOT_FOUND);
}

static void test_card(void **state)
{
    (void)state;
    check_machine(PLATFORM_LIFECYCLE_CARD, "suspended");
}

static void test_profile(void **state)
{
    (void)state;
    check_machine(PLATFORM_LIFECYCLE_PROFILE, "enabled");
}

static void test_number(void **state)
{
    (void)state;
    check_machine(PLATFORM_LIFECYCLE_NUMBER, "in_use");
}

static void test_lifecycle_errors(void **state)
{
    (void)state;
    platform_lifecycle_machine card = PLATFORM_LIFECYCLE_CARD;
    assert_int_equal(platform_lifecycle_create(fx.db, card, "t", "e1", "c", "a", NOW), AW_OK);
    assert_int_equal(platform_lifecycle_create(fx.db, card, "t", "e1", "c", "a", NOW),
                     AW_ERR_STATE);
    assert_int_equal(platform_lifecycle_create(NULL, card, "t", "e2", "c", "a", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_create(fx.db, PLATFORM_LIFECYCLE_ORDER, "t", "e2", "c",
                                               "a", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_create(fx.db, card, "bad tenant", "e2", "c", "a", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_create(fx.db, card, "t", "bad/id", "c", "a", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_create(fx.db, card, "t", "e2", "", "a", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_create(fx.db, card, "t", "e2", "c", "a\n", NOW),
                     AW_ERR_ARGUMENT);
    char state_name[PLATFORM_STATE_MAX + 1];
    assert_int_equal(platform_lifecycle_transition(fx.db, card, "t", "missing", "active", "c",
                                                   "a", NOW, state_name),
                     AW_ERR_NOT_FOUND);
    assert_string_equal(state_name, "");
    assert_int_equal(platform_lifecycle_transition(fx.db, card, "t", "e1", "flying", "c", "a",
                                                   NOW, state_name),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_lifecycle_get(fx.db, card, "t", "missing", state_name),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_lifecycle_get(fx.db, PLATFORM_LIFECYCLE_ORDER, "t", "e1",
                                            state_name),
                     AW_ERR_ARGUMENT);
    platform_lifecycle_event *events = (platform_lifecycle_event *)1;
    size_t n = 9;
    assert_int_equal(platform_lifecycle_history(fx.db, card, "t", "missing", 4, &events, &n),
                     AW_OK);
    assert_null(events);
    assert_int_equal(n, 0);
    assert_int_equal(platform_lifecycle_history(fx.db, card, "t", "e1", 0, &events, &n),
                     AW_ERR_ARGUMENT);
    /* inside the caller's transaction: rolled back with it */
    assert_int_equal(db_begin(fx.db), AW_OK);
    assert_int_equal(platform_lifecycle_transition(fx.db, card, "t", "e1", "active", "c", "a",
                                                   NOW, NULL),
                     AW_OK);
    assert_int_equal(db_rollback(fx.db), AW_OK);
    assert_int_equal(platform_lifecycle_get(fx.db, card, "t", "e1", state_name), AW_OK);
    assert_string_equal(state_name, "registered");
}

/* ---- Orders in the store ------------------------------------------------------ */

static platform_batch *order_batch(size_t n, unsigned long long base)
{
    char *body = malloc(n * 33 + 1);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++) {
        platform_test_eid(base + i, body + i * 33);
        body[i * 33 + 32] = '\n';
    }
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, n * 33, &batch), AW_OK);
    free(body);
    batch->target_kind = PLATFORM_TARGET_PROFILE_TYPE;
    snprintf(batch->target, sizeof(batch->target), "iot-basic");
    return batch;
}

static platform_app test_app(const char *tenant)
{
    platform_app app;
    memset(&app, 0, sizeof(app));
    snprintf(app.app_id, sizeof(app.app_id), "app-%s", tenant);
    snprintf(app.tenant, sizeof(app.tenant), "%s", tenant);
    return app;
}

/* In the history table: the order's row, then its items' in line order,
 * one after the other (one statement writes them: as values up to nine
 * items, selected from the items beyond, order_history.c's
 * platform_order_history_record_created). */
static void expect_created_history(const platform_order *order, const platform_batch *batch)
{
    char entity[80];
    char pattern[80];
    snprintf(pattern, sizeof(pattern), "%s%%", order->order_id);
    db_param key[] = {DB_PARAM_TEXT(pattern)};
    db_rows *rows = NULL;
    assert_int_equal(db_query(fx.db,
                              "SELECT id, machine, entity_id, from_state, to_state, cause, "
                              "actor, at FROM platform_lifecycle_history WHERE tenant = "
                              "'tenant-a' AND entity_id LIKE ? ORDER BY id",
                              key, 1, &rows),
                     AW_OK);
    int64_t first_id = 0;
    size_t row = 0;
    bool has_row = false;
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        int64_t id = 0, at = 0;
        const char *machine = NULL, *entity_id = NULL, *to = NULL, *cause = NULL,
                   *actor = NULL;
        assert_int_equal(db_rows_get_int64(rows, 0, &id), AW_OK);
        assert_int_equal(db_rows_get_text(rows, 1, &machine), AW_OK);
        assert_int_equal(db_rows_get_text(rows, 2, &entity_id), AW_OK);
        assert_int_equal(db_rows_column_type(rows, 3), DB_TYPE_NULL);
        assert_int_equal(db_rows_get_text(rows, 4, &to), AW_OK);
        assert_int_equal(db_rows_get_text(rows, 5, &cause), AW_OK);
        assert_int_equal(db_rows_get_text(rows, 6, &actor), AW_OK);
        assert_int_equal(db_rows_get_int64(rows, 7, &at), AW_OK);
        if (row == 0)
            first_id = id;
        assert_int_equal(id, first_id + (int64_t)row);
        if (row == 0) {
            assert_string_equal(machine, "order");
            assert_string_equal(entity_id, order->order_id);
            assert_string_equal(to, "accepted");
        } else {
            snprintf(entity, sizeof(entity), "%s:%s", order->order_id, batch->eids[row - 1]);
            assert_string_equal(machine, "orderItem");
            assert_string_equal(entity_id, entity);
            assert_string_equal(to, "pending");
        }
        assert_string_equal(cause, "order accepted");
        assert_string_equal(actor, "app-tenant-a");
        assert_int_equal(at, NOW);
        row++;
    }
    db_rows_free(rows);
    assert_int_equal(row, batch->count + 1);
}

static void test_order_create(void **state)
{
    (void)state;
    platform_app app = test_app("tenant-a");
    platform_batch *batch = order_batch(30, 500);
    uint8_t hash[32] = {1}, other[32] = {2};
    platform_order order, again;
    bool created = false;
    assert_int_equal(platform_order_create(fx.db, &app, "key-1", hash, batch, NOW, &order,
                                           &created),
                     AW_OK);
    assert_true(created);
    assert_int_equal(strlen(order.order_id), PLATFORM_ORDER_ID_LENGTH);
    assert_string_equal(order.status, "accepted");
    assert_int_equal(order.item_count, 30);
    assert_int_equal(order.progress[0], 30);
    /* same key, same request: the same order */
    assert_int_equal(platform_order_create(fx.db, &app, "key-1", hash, batch, NOW + 5, &again,
                                           &created),
                     AW_OK);
    assert_false(created);
    assert_string_equal(again.order_id, order.order_id);
    assert_int_equal(again.created_at_ms, NOW);
    assert_string_equal(again.idempotency_key, "key-1");
    /* same key, another request */
    assert_int_equal(platform_order_create(fx.db, &app, "key-1", other, batch, NOW, &again,
                                           &created),
                     AW_ERR_PLATFORM_IDEMPOTENCY);
    assert_false(created);
    /* keys are per tenant; no key: a new order each time */
    platform_app app_b = test_app("tenant-b");
    assert_int_equal(platform_order_create(fx.db, &app_b, "key-1", other, batch, NOW, &again,
                                           &created),
                     AW_OK);
    assert_true(created);
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &again, NULL),
                     AW_OK);
    assert_string_not_equal(again.order_id, order.order_id);
    assert_string_equal(again.idempotency_key, "");
    /* tenant scoping */
    assert_int_equal(platform_order_get(fx.db, "tenant-a", order.order_id, &again), AW_OK);
    assert_int_equal(again.target_kind, PLATFORM_TARGET_PROFILE_TYPE);
    assert_string_equal(again.target, "iot-basic");
    assert_int_equal(platform_order_get(fx.db, "tenant-b", order.order_id, &again),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_get(fx.db, "tenant-a", "ord_nope", &again),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_get(fx.db, "tenant-a", "ord_000000000000000000000000",
                                        &again),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    /* history: the order and each item created */
    platform_lifecycle_event *events = NULL;
    size_t n = 0;
    assert_int_equal(platform_lifecycle_history(fx.db, PLATFORM_LIFECYCLE_ORDER, "tenant-a",
                                                order.order_id, 8, &events, &n),
                     AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(events[0].to, "accepted");
    assert_string_equal(events[0].actor, "app-tenant-a");
    free(events);
    char entity[80];
    snprintf(entity, sizeof(entity), "%s:%s", order.order_id, batch->eids[7]);
    assert_int_equal(platform_lifecycle_history(fx.db, PLATFORM_LIFECYCLE_ORDER_ITEM, "tenant-a",
                                                entity, 8, &events, &n),
                     AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(events[0].to, "pending");
    free(events);
    expect_created_history(&order, batch);
    /* the values path (up to nine items) and the first size beyond it */
    static const size_t sizes[] = {1, 9, 10};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        platform_batch *small = order_batch(sizes[i], 2000 + 100 * i);
        platform_order small_order;
        bool small_created = false;
        assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, small, NOW, &small_order,
                                               &small_created),
                         AW_OK);
        assert_true(small_created);
        expect_created_history(&small_order, small);
        platform_batch_free(small);
    }
    /* an actor the history refuses takes the order back */
    platform_app nameless = test_app("tenant-a");
    nameless.app_id[0] = '\0';
    int64_t orders = -1, before = -1;
    assert_int_equal(db_query_int64(fx.db, "SELECT COUNT(*) FROM platform_orders", NULL, 0,
                                    &before),
                     AW_OK);
    assert_int_equal(platform_order_create(fx.db, &nameless, NULL, hash, batch, NOW, &again,
                                           &created),
                     AW_ERR_ARGUMENT);
    assert_false(created);
    assert_int_equal(db_query_int64(fx.db, "SELECT COUNT(*) FROM platform_orders", NULL, 0,
                                    &orders),
                     AW_OK);
    assert_int_equal(orders, before);
    /* argument errors */
    assert_int_equal(platform_order_create(fx.db, &app, "bad key!", hash, batch, NOW, &again,
                                           NULL),
                     AW_ERR_ARGUMENT);
    batch->target_kind = 0;
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &again, NULL),
                     AW_ERR_ARGUMENT);
    batch->target_kind = PLATFORM_TARGET_NUMBER_POOL;
    batch->error_total = 1;
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &again, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_create(NULL, &app, NULL, hash, batch, NOW, &again, NULL),
                     AW_ERR_ARGUMENT);
    platform_batch_free(batch);
}

static void test_order_items_paging(void **state)
{
    (void)state;
    platform_app app = test_app("tenant-a");
    platform_batch *batch = order_batch(25, 700);
    uint8_t hash[32] = {0};
    platform_order order;
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &order, NULL),
                     AW_OK);
    platform_order_item *items = NULL;
    size_t count = 0, seen = 0;
    bool more = true;
    int64_t after = 0;
    while (more) {
        assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, NULL, after,
                                                   10, &items, &count, &more),
                         AW_OK);
        for (size_t i = 0; i < count; i++) {
            assert_string_equal(items[i].eid, batch->eids[seen + i]);
            assert_int_equal(items[i].line, (int64_t)(seen + i + 1));
            assert_string_equal(items[i].status, "pending");
        }
        seen += count;
        after = items[count - 1].id;
        free(items);
    }
    assert_int_equal(seen, 25);
    /* filter */
    assert_int_equal(platform_order_item_transition(fx.db, order.order_id, batch->eids[3],
                                                    "in_progress", NULL, "start", "executor",
                                                    NOW + 1),
                     AW_OK);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, "in_progress",
                                               0, 10, &items, &count, &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_false(more);
    assert_string_equal(items[0].eid, batch->eids[3]);
    free(items);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, "written", 0,
                                               10, &items, &count, &more),
                     AW_OK);
    assert_int_equal(count, 0);
    assert_null(items);
    /* errors */
    assert_int_equal(platform_order_list_items(fx.db, "tenant-b", order.order_id, NULL, 0, 10,
                                               &items, &count, &more),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, "bogus", 0, 10,
                                               &items, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, NULL, 0, 0,
                                               &items, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, NULL, 0,
                                               PLATFORM_ITEMS_PAGE_MAX + 1, &items, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, NULL, -1, 10,
                                               &items, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order.order_id, NULL, 0, 10,
                                               NULL, &count, &more),
                     AW_ERR_ARGUMENT);
    platform_batch_free(batch);
}

/* Items moved by the executor: every item and order transition. */
static void test_order_machines(void **state)
{
    (void)state;
    platform_app app = test_app("tenant-a");
    uint8_t hash[32] = {0};
    platform_order order;
    int64_t retried = 0;
    /* order 1: accepted -> processing -> partially_completed -> processing
     * (retry) -> completed; items through pending, in_progress, written,
     * failed, back to pending (retry and a lost lease) */
    platform_batch *batch = order_batch(3, 900);
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &order, NULL),
                     AW_OK);
    const char *id = order.order_id;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(order_id, sizeof(order_id), "%s", id);
    static const struct {
        size_t item;
        const char *to;
        const char *order_status;
    } steps[] = {
        {0, "in_progress", "processing"}, {0, "pending", "processing"},
        {0, "in_progress", "processing"}, {0, "written", "processing"},
        {1, "in_progress", "processing"}, {1, "failed", "processing"},
        {2, "in_progress", "processing"}, {2, "written", "partially_completed"},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_int_equal(platform_order_item_transition(
                             fx.db, order_id, batch->eids[steps[i].item], steps[i].to,
                             strcmp(steps[i].to, "failed") == 0 ? "W1001" : NULL, "step",
                             "executor", NOW + (int64_t)i),
                         AW_OK);
        assert_int_equal(platform_order_get(fx.db, "tenant-a", order_id, &order), AW_OK);
        assert_string_equal(order.status, steps[i].order_status);
    }
    assert_int_equal(order.progress[2], 2);
    assert_int_equal(order.progress[3], 1);
    platform_order_item *items = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_order_list_items(fx.db, "tenant-a", order_id, "failed", 0, 10,
                                               &items, &count, &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(items[0].error_code, "W1001");
    free(items);
    /* refused item transitions: written -> pending, pending -> written */
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[0], "pending",
                                                    NULL, "x", "executor", NOW),
                     AW_ERR_PLATFORM_TRANSITION);
    /* a finished order cannot be cancelled */
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", order_id, "app", NOW, &order),
                     AW_ERR_PLATFORM_ORDER_STATE);
    /* retry: failed -> pending, partially_completed -> processing */
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", order_id, "app", NOW + 20, &order,
                                          &retried),
                     AW_OK);
    assert_int_equal(retried, 1);
    assert_string_equal(order.status, "processing");
    assert_int_equal(order.progress[0], 1);
    assert_int_equal(order.progress[3], 0);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[1], "written",
                                                    NULL, "x", "executor", NOW),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[1],
                                                    "in_progress", NULL, "x", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[1], "written",
                                                    NULL, "x", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_get(fx.db, "tenant-a", order_id, &order), AW_OK);
    assert_string_equal(order.status, "completed");
    /* nothing failed: nothing to retry */
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", order_id, "app", NOW, &order,
                                          &retried),
                     AW_ERR_PLATFORM_ORDER_STATE);
    platform_lifecycle_event *events = NULL;
    size_t n = 0;
    assert_int_equal(platform_lifecycle_history(fx.db, PLATFORM_LIFECYCLE_ORDER, "tenant-a",
                                                order_id, 16, &events, &n),
                     AW_OK);
    static const char *const order_path[] = {"accepted", "processing", "partially_completed",
                                             "processing", "completed"};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(events[i].to, order_path[i]);
    free(events);
    platform_batch_free(batch);

    /* order 2: processing -> failed -> processing (retry) -> cancelled:
     * the pending item cancelled, the one in progress left to finish */
    batch = order_batch(2, 950);
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &order, NULL),
                     AW_OK);
    snprintf(order_id, sizeof(order_id), "%s", order.order_id);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[i],
                                                        "in_progress", NULL, "x", "e", NOW),
                         AW_OK);
        assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[i],
                                                        "failed", "T1001", "x", "e", NOW),
                         AW_OK);
    }
    assert_int_equal(platform_order_get(fx.db, "tenant-a", order_id, &order), AW_OK);
    assert_string_equal(order.status, "failed");
    assert_int_equal(platform_order_retry(fx.db, "tenant-b", order_id, "app", NOW, &order,
                                          &retried),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", order_id, "app", NOW, &order,
                                          &retried),
                     AW_OK);
    assert_int_equal(retried, 2);
    assert_string_equal(order.status, "processing");
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[0],
                                                    "in_progress", NULL, "x", "e", NOW),
                     AW_OK);
    assert_int_equal(platform_order_cancel(fx.db, "tenant-b", order_id, "app", NOW, &order),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", order_id, "app", NOW, &order),
                     AW_OK);
    assert_string_equal(order.status, "cancelled");
    assert_int_equal(order.progress[1], 1);
    assert_int_equal(order.progress[4], 1);
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", order_id, "app", NOW, &order,
                                          &retried),
                     AW_ERR_PLATFORM_ORDER_STATE);
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", order_id, "app", NOW, &order),
                     AW_ERR_PLATFORM_ORDER_STATE);
    platform_batch_free(batch);

    /* order 3: accepted -> cancelled, its items pending -> cancelled */
    batch = order_batch(2, 980);
    assert_int_equal(platform_order_create(fx.db, &app, NULL, hash, batch, NOW, &order, NULL),
                     AW_OK);
    snprintf(order_id, sizeof(order_id), "%s", order.order_id);
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", order_id, "app", NOW, &order),
                     AW_OK);
    assert_int_equal(order.progress[4], 2);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[0],
                                                    "in_progress", NULL, "x", "e", NOW),
                     AW_ERR_PLATFORM_TRANSITION);
    /* argument and lookup errors of the executor's step */
    char unknown[33];
    platform_test_eid(12, unknown);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, unknown, "in_progress",
                                                    NULL, "x", "e", NOW),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_order_item_transition(fx.db, "ord_000000000000000000000000",
                                                    unknown, "in_progress", NULL, "x", "e", NOW),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, unknown, "flying", NULL, "x",
                                                    "e", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, unknown, "failed", "X12",
                                                    "x", "e", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, "123", "failed", NULL, "x",
                                                    "e", NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_cancel(fx.db, "tenant-a", "bad", "app", NOW, &order),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", "bad", "app", NOW, &order, &retried),
                     AW_ERR_PLATFORM_ORDER_UNKNOWN);
    assert_int_equal(platform_order_cancel(NULL, "tenant-a", order_id, "app", NOW, &order),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_retry(fx.db, "tenant-a", order_id, "app", NOW, &order, NULL),
                     AW_ERR_ARGUMENT);
    platform_batch_free(batch);
}

/* The history's lookups by entity use the entity index (schema.c
 * migration 5: led by entity_id, so orders' and items' rows append at its
 * end): the definition on both databases, SQLite's plans. */
static void test_history_index(void **state)
{
    (void)state;
    db_rows *rows = NULL;
    bool has_row = false;
    const char *text = NULL;
    const char *definition_sql =
        pg_url != NULL ? "SELECT indexdef FROM pg_indexes WHERE indexname = "
                         "'platform_lifecycle_history_entity'"
                       : "SELECT sql FROM sqlite_schema WHERE name = "
                         "'platform_lifecycle_history_entity'";
    assert_int_equal(db_query(fx.db, definition_sql, NULL, 0, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_non_null(strstr(text, "(entity_id, machine, tenant, id)"));
    db_rows_free(rows);
    if (pg_url != NULL)
        return;
    static const char *const plans[] = {
        /* platform_lifecycle_history (lifecycle.c) */
        "EXPLAIN QUERY PLAN SELECT from_state FROM platform_lifecycle_history WHERE machine = "
        "'order' AND tenant = 't' AND entity_id = 'e' ORDER BY id",
        /* a card's history (inventory_query.c) */
        "EXPLAIN QUERY PLAN SELECT id FROM platform_lifecycle_history WHERE tenant = 't' AND "
        "id > 0 AND ((machine = 'card' AND entity_id = 'e') OR (machine = 'profile' AND "
        "entity_id IN (SELECT iccid FROM platform_profiles WHERE tenant = 't' AND eid = 'e'))) "
        "ORDER BY id",
        /* first-attempt writes (indicators.c) */
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM platform_order_items i JOIN platform_orders o "
        "ON o.order_id = i.order_id WHERE (SELECT COUNT(*) FROM platform_lifecycle_history h "
        "WHERE h.machine = 'orderItem' AND h.tenant = o.tenant AND h.entity_id = i.order_id || "
        "':' || i.eid AND h.to_state = 'in_progress') = 1",
    };
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
        assert_int_equal(db_query(fx.db, plans[i], NULL, 0, &rows), AW_OK);
        bool used = false, scanned = false;
        while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
            assert_int_equal(db_rows_get_text(rows, 3, &text), AW_OK);
            used = used || strstr(text, "platform_lifecycle_history_entity") != NULL;
            scanned = scanned || strcmp(text, "SCAN h") == 0 ||
                      strcmp(text, "SCAN platform_lifecycle_history") == 0;
        }
        db_rows_free(rows);
        if (!used || scanned)
            print_error("plan %zu does not search the entity index\n", i);
        assert_true(used);
        assert_false(scanned);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test_setup_teardown(test_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_items_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_machines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_index, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
