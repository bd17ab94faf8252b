/* Tests of the order progress counters and item times
 * (src/platform/order_progress.c, orders.c): after a mixed sequence of
 * item transitions (claims, lost leases, writes, failures), a retry and a
 * cancel, every order's counters equal a COUNT(*) of its items by status;
 * a rolled-back transition leaves them as they were; each item's start is
 * its first claim and its end its last final status; the migration
 * backfills counters and times of orders stored before it; every error of
 * platform_order_progress_move. SQLite by default; PostgreSQL with the
 * argument "postgresql" under tests/pg-harness.sh. */
#include "platform_testutil.h"

#include <stdlib.h>

#include "platform/order_progress.h"

#define NOW 1764567890000LL
#define ITEMS 40u

static const char *pg_url;

static struct {
    platform_test_db tdb;
    db_connection *db;
    platform_app app;
} fx;

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&fx.tdb, pg_url);
    fx.db = platform_test_db_open(&fx.tdb);
    memset(&fx.app, 0, sizeof(fx.app));
    snprintf(fx.app.app_id, sizeof(fx.app.app_id), "app-progress");
    snprintf(fx.app.tenant, sizeof(fx.app.tenant), "tenant-p");
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

/* An order of n items from EID base on; its batch stays with the caller. */
static platform_batch *make_order(size_t n, unsigned long long base,
                                  char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char *body = malloc(n * 33);
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
    uint8_t hash[32] = {0};
    platform_order order;
    assert_int_equal(platform_order_create(fx.db, &fx.app, NULL, hash, batch, NOW, &order, NULL),
                     AW_OK);
    assert_int_equal(order.progress[0], (int64_t)n);
    snprintf(order_id, PLATFORM_ORDER_ID_LENGTH + 1, "%s", order.order_id);
    return batch;
}

/* The order's counters equal its items counted by status. */
static void assert_counters_exact(const char *order_id)
{
    platform_order order;
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &order), AW_OK);
    int64_t total = 0;
    for (size_t i = 0; i < 5; i++) {
        db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(platform_item_statuses[i])};
        int64_t counted = -1;
        assert_int_equal(db_query_int64(fx.db,
                                        "SELECT COUNT(*) FROM platform_order_items WHERE "
                                        "order_id = ? AND status = ?",
                                        params, 2, &counted),
                         AW_OK);
        if (order.progress[i] != counted)
            print_error("%s: counter %lld, COUNT(*) %lld\n", platform_item_statuses[i],
                        (long long)order.progress[i], (long long)counted);
        assert_int_equal(order.progress[i], counted);
        total += counted;
    }
    assert_int_equal(total, order.item_count);
}

static const char *item_status(const char *order_id, const char *eid)
{
    static char status[PLATFORM_STATE_MAX + 1];
    db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    const char *text = NULL;
    assert_int_equal(db_query(fx.db,
                              "SELECT status FROM platform_order_items WHERE order_id = ? AND "
                              "eid = ?",
                              params, 2, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    snprintf(status, sizeof(status), "%s", text);
    db_rows_free(rows);
    return status;
}

/* Deterministic pseudo-random steps (a 64-bit LCG, Knuth MMIX). */
static uint64_t lcg_state = 0x9e3779b97f4a7c15ULL;
static unsigned lcg_next(unsigned bound)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((lcg_state >> 33) % bound);
}

/* One allowed executor step for a random item: pending -> in_progress;
 * in_progress -> written, failed or back to pending (a lost lease). */
static void random_step(const char *order_id, const platform_batch *batch, int64_t at)
{
    const char *eid = batch->eids[lcg_next((unsigned)batch->count)];
    const char *from = item_status(order_id, eid);
    const char *to = NULL;
    if (strcmp(from, "pending") == 0) {
        to = "in_progress";
    } else if (strcmp(from, "in_progress") == 0) {
        static const char *const next[] = {"written", "failed", "pending", "written"};
        to = next[lcg_next(4)];
    } else {
        return; /* finished: nothing the executor does */
    }
    assert_int_equal(platform_order_item_transition(fx.db, order_id, eid, to,
                                                    strcmp(to, "failed") == 0 ? "W3001" : NULL,
                                                    "step", "executor", at),
                     AW_OK);
}

static void test_counters_mixed(void **state)
{
    (void)state;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1], other_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *batch = make_order(ITEMS, 1000, order_id);
    platform_batch *other = make_order(7, 5000, other_id);
    int64_t at = NOW;
    for (int i = 0; i < 150; i++) {
        random_step(order_id, batch, ++at);
        if (i % 3 == 0)
            random_step(other_id, other, at);
        assert_counters_exact(order_id);
    }
    assert_counters_exact(other_id);
    /* retry (failed -> pending) when there is a failure to retry */
    platform_order order;
    int64_t retried = 0;
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &order), AW_OK);
    assert_true(order.progress[3] > 0); /* the sequence above fails some */
    assert_int_equal(platform_order_retry(fx.db, fx.app.tenant, order_id, "app", ++at, &order,
                                          &retried),
                     AW_OK);
    assert_true(retried > 0);
    assert_int_equal(order.progress[3], 0);
    assert_counters_exact(order_id);
    for (int i = 0; i < 60; i++)
        random_step(order_id, batch, ++at);
    assert_counters_exact(order_id);
    /* cancel: pending items cancelled, the ones in progress finish later */
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &order), AW_OK);
    int64_t pending = order.progress[0], cancelled = order.progress[4];
    assert_int_equal(platform_order_cancel(fx.db, fx.app.tenant, order_id, "app", ++at, &order),
                     AW_OK);
    assert_int_equal(order.progress[0], 0);
    assert_int_equal(order.progress[4], cancelled + pending);
    assert_counters_exact(order_id);
    for (size_t i = 0; i < batch->count; i++)
        if (strcmp(item_status(order_id, batch->eids[i]), "in_progress") == 0)
            assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[i],
                                                            "written", NULL, "late result",
                                                            "executor", ++at),
                             AW_OK);
    assert_counters_exact(order_id);
    assert_counters_exact(other_id);
    platform_batch_free(batch);
    platform_batch_free(other);
}

/* A transition whose transaction is rolled back (a crash before COMMIT)
 * moves neither the item nor the counters. */
static void test_counters_rollback(void **state)
{
    (void)state;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *batch = make_order(3, 7000, order_id);
    assert_int_equal(db_begin(fx.db), AW_OK);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, batch->eids[1],
                                                    "in_progress", NULL, "start", "executor",
                                                    NOW),
                     AW_OK);
    assert_int_equal(db_rollback(fx.db), AW_OK);
    platform_order order;
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &order), AW_OK);
    assert_int_equal(order.progress[0], 3);
    assert_int_equal(order.progress[1], 0);
    assert_string_equal(item_status(order_id, batch->eids[1]), "pending");
    assert_counters_exact(order_id);
    platform_batch_free(batch);
}

/* started_at / finished_at of one item (0 for NULL). */
static void item_times(const char *order_id, const char *eid, int64_t *started, int64_t *finished)
{
    platform_order_item *items = NULL;
    size_t count = 0;
    bool more = false;
    *started = *finished = -1;
    int64_t after = 0;
    do {
        assert_int_equal(platform_order_list_items(fx.db, fx.app.tenant, order_id, NULL, after,
                                                   PLATFORM_ITEMS_PAGE_MAX, &items, &count,
                                                   &more),
                         AW_OK);
        for (size_t i = 0; i < count; i++)
            if (strcmp(items[i].eid, eid) == 0) {
                *started = items[i].started_at_ms;
                *finished = items[i].finished_at_ms;
            }
        after = count > 0 ? items[count - 1].id : after;
        free(items);
    } while (more);
    assert_true(*started >= 0);
}

static void step(const char *order_id, const char *eid, const char *to, int64_t at)
{
    assert_int_equal(platform_order_item_transition(fx.db, order_id, eid, to,
                                                    strcmp(to, "failed") == 0 ? "W3003" : NULL,
                                                    "step", "executor", at),
                     AW_OK);
}

static void test_item_times(void **state)
{
    (void)state;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *batch = make_order(3, 9000, order_id);
    const char *a = batch->eids[0], *b = batch->eids[1], *c = batch->eids[2];
    int64_t started = 0, finished = 0;
    item_times(order_id, a, &started, &finished);
    assert_int_equal(started, 0);
    assert_int_equal(finished, 0);
    /* a: claimed, lease lost, claimed again, written: timed from the first claim */
    step(order_id, a, "in_progress", NOW + 100);
    step(order_id, a, "pending", NOW + 200);
    item_times(order_id, a, &started, &finished);
    assert_int_equal(started, NOW + 100);
    assert_int_equal(finished, 0);
    step(order_id, a, "in_progress", NOW + 300);
    step(order_id, a, "written", NOW + 900);
    item_times(order_id, a, &started, &finished);
    assert_int_equal(started, NOW + 100);
    assert_int_equal(finished, NOW + 900);
    /* b: failed, retried (end cleared, start kept), written */
    step(order_id, b, "in_progress", NOW + 150);
    step(order_id, b, "failed", NOW + 400);
    item_times(order_id, b, &started, &finished);
    assert_int_equal(started, NOW + 150);
    assert_int_equal(finished, NOW + 400);
    platform_order order;
    int64_t retried = 0;
    assert_int_equal(platform_order_retry(fx.db, fx.app.tenant, order_id, "app", NOW + 500,
                                          &order, &retried),
                     AW_OK);
    assert_int_equal(retried, 1);
    item_times(order_id, b, &started, &finished);
    assert_int_equal(started, NOW + 150);
    assert_int_equal(finished, 0);
    step(order_id, b, "in_progress", NOW + 600);
    step(order_id, b, "written", NOW + 1600);
    item_times(order_id, b, &started, &finished);
    assert_int_equal(started, NOW + 150);
    assert_int_equal(finished, NOW + 1600);
    /* c: cancelled while pending: ended, never started */
    assert_int_equal(platform_order_cancel(fx.db, fx.app.tenant, order_id, "app", NOW + 2000,
                                           &order),
                     AW_OK);
    item_times(order_id, c, &started, &finished);
    assert_int_equal(started, 0);
    assert_int_equal(finished, NOW + 2000);
    assert_counters_exact(order_id);
    platform_batch_free(batch);
}

/* Orders stored before the migration: take its columns away again and
 * run it (as an upgrade does); counters and times come from the rows and
 * the lifecycle history. */
static void test_migration_backfill(void **state)
{
    (void)state;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *batch = make_order(ITEMS, 20000, order_id);
    int64_t at = NOW;
    for (int i = 0; i < 120; i++)
        random_step(order_id, batch, at += 10);
    char first_item_started[PLATFORM_EID_DIGITS + 1] = "";
    int64_t expected_start = 0, expected_end = 0, started = 0, finished = 0;
    for (size_t i = 0; i < batch->count && first_item_started[0] == '\0'; i++) {
        item_times(order_id, batch->eids[i], &started, &finished);
        if (started != 0 && finished != 0) {
            snprintf(first_item_started, sizeof(first_item_started), "%s", batch->eids[i]);
            expected_start = started;
            expected_end = finished;
        }
    }
    assert_true(first_item_started[0] != '\0');
    platform_order before;
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &before), AW_OK);
    /* SQLite drops no indexed column: first the indexes later components
     * made on these columns (PostgreSQL drops them with the column) */
    if (!fx.tdb.postgresql) {
        db_rows *rows = NULL;
        bool has_row = false;
        char names[8][64];
        size_t n = 0;
        assert_int_equal(db_query(fx.db,
                                  "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name IN ('platform_orders', 'platform_order_items') AND "
                                  "(sql LIKE '%started_at%' OR sql LIKE '%finished_at%' OR "
                                  "sql LIKE '%progress_%')",
                                  NULL, 0, &rows),
                         AW_OK);
        while (db_rows_next(rows, &has_row) == AW_OK && has_row && n < 8) {
            const char *name = NULL;
            assert_int_equal(db_rows_get_text(rows, 0, &name), AW_OK);
            snprintf(names[n++], sizeof(names[0]), "%s", name);
        }
        db_rows_free(rows);
        for (size_t i = 0; i < n; i++) {
            char sql[600];
            snprintf(sql, sizeof(sql), "DROP INDEX %s", names[i]);
            assert_int_equal(db_execute(fx.db, sql, NULL, 0, NULL), AW_OK);
        }
    }
    static const char *const drops[] = {
        "ALTER TABLE platform_orders DROP COLUMN progress_pending",
        "ALTER TABLE platform_orders DROP COLUMN progress_in_progress",
        "ALTER TABLE platform_orders DROP COLUMN progress_written",
        "ALTER TABLE platform_orders DROP COLUMN progress_failed",
        "ALTER TABLE platform_orders DROP COLUMN progress_cancelled",
        "ALTER TABLE platform_order_items DROP COLUMN started_at",
        "ALTER TABLE platform_order_items DROP COLUMN finished_at",
        "DELETE FROM schema_migrations WHERE component = 'platform_order_progress'",
    };
    for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
        aw_err dropped = db_execute(fx.db, drops[i], NULL, 0, NULL);
        if (dropped != AW_OK)
            print_error("%s: %s\n", drops[i], db_last_error(fx.db));
        assert_int_equal(dropped, AW_OK);
    }
    int64_t version = -1;
    assert_int_equal(db_schema_version(fx.db, "platform_order_progress", &version), AW_OK);
    assert_int_equal(version, 0);
    assert_int_equal(platform_migrate(fx.db), AW_OK);
    assert_int_equal(db_schema_version(fx.db, "platform_order_progress", &version), AW_OK);
    assert_int_equal(version, 1);
    assert_counters_exact(order_id);
    platform_order after;
    assert_int_equal(platform_order_get(fx.db, fx.app.tenant, order_id, &after), AW_OK);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(after.progress[i], before.progress[i]);
    item_times(order_id, first_item_started, &started, &finished);
    assert_int_equal(started, expected_start);
    assert_int_equal(finished, expected_end);
    /* and the counters keep moving after the upgrade */
    for (int i = 0; i < 40; i++)
        random_step(order_id, batch, at += 10);
    assert_counters_exact(order_id);
    platform_batch_free(batch);
}

static void test_progress_errors(void **state)
{
    (void)state;
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_batch *batch = make_order(2, 30000, order_id);
    assert_int_equal(platform_order_progress_move(NULL, order_id, "pending", "written", 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_progress_move(fx.db, NULL, "pending", "written", 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_progress_move(fx.db, order_id, "bogus", "written", 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_progress_move(fx.db, order_id, "pending", NULL, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_progress_move(fx.db, order_id, "pending", "written", -1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_order_progress_move(fx.db, "ord_000000000000000000000000",
                                                  "pending", "written", 1),
                     AW_ERR_NOT_FOUND);
    /* nothing moved: no statement, no error */
    assert_int_equal(platform_order_progress_move(fx.db, "ord_000000000000000000000000",
                                                  "pending", "written", 0),
                     AW_OK);
    assert_int_equal(platform_order_progress_index("cancelled"), 4);
    assert_int_equal(platform_order_progress_index("processing"), -1);
    assert_int_equal(platform_order_progress_index(NULL), -1);
    assert_int_equal(platform_order_progress_migrate(NULL), AW_ERR_ARGUMENT);
    assert_counters_exact(order_id);
    platform_batch_free(batch);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL unset (run under tests/pg-harness.sh)\n");
            return 77;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counters_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_item_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_backfill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
