/* Tests of db.h transactions (commit, rollback, busy, serialization retry)
 * and schema migrations, on SQLite and PostgreSQL (see test_db.c). */
#include "db_testutil.h"

static void create_counter(db_connection *db)
{
    assert_int_equal(db_execute(db, "CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT)", NULL,
                                0, NULL),
                     AW_OK);
    assert_int_equal(db_execute(db, "INSERT INTO counter (id, v) VALUES (1, 0)", NULL, 0, NULL),
                     AW_OK);
}

static int64_t counter_value(db_connection *db)
{
    int64_t v = -1;
    assert_int_equal(db_query_int64(db, "SELECT v FROM counter WHERE id = 1", NULL, 0, &v), AW_OK);
    return v;
}

static void add_to_counter(db_connection *db, int64_t delta)
{
    db_param p = DB_PARAM_INT64(delta);
    assert_int_equal(db_execute(db, "UPDATE counter SET v = v + ? WHERE id = 1", &p, 1, NULL),
                     AW_OK);
}

static void test_commit_and_rollback(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    create_counter(db);
    assert_false(db_in_transaction(db));
    assert_int_equal(db_begin(db), AW_OK);
    assert_true(db_in_transaction(db));
    add_to_counter(db, 5);
    assert_int_equal(counter_value(db), 5);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_false(db_in_transaction(db));
    assert_int_equal(counter_value(db), 0);

    assert_int_equal(db_begin(db), AW_OK);
    add_to_counter(db, 7);
    assert_int_equal(db_commit(db), AW_OK);
    db_close(db);
    db = db_test_open();
    assert_int_equal(counter_value(db), 7);

    /* Closing with an open transaction rolls it back. */
    assert_int_equal(db_begin(db), AW_OK);
    add_to_counter(db, 100);
    db_close(db);
    db = db_test_open();
    assert_int_equal(counter_value(db), 7);
    db_close(db);
}

static void test_transaction_state_errors(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    assert_int_equal(db_commit(db), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_ERR_STATE);
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_begin(db), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(db_begin(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_commit(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_rollback(NULL), AW_ERR_ARGUMENT);
    assert_false(db_in_transaction(NULL));
    db_close(db);
}

static aw_err add_one(db_connection *db, void *arg)
{
    (void)arg;
    return db_execute(db, "UPDATE counter SET v = v + 1 WHERE id = 1", NULL, 0, NULL);
}

static aw_err add_then_fail(db_connection *db, void *arg)
{
    (void)arg;
    aw_err err = db_execute(db, "UPDATE counter SET v = v + 1 WHERE id = 1", NULL, 0, NULL);
    return err == AW_OK ? AW_ERR_STATE : err;
}

static void test_transaction_run(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    create_counter(db);
    unsigned attempts = 0;
    assert_int_equal(db_transaction_run(db, add_one, NULL, &attempts), AW_OK);
    assert_int_equal(attempts, 1);
    assert_int_equal(counter_value(db), 1);
    /* The callback's error comes back and its writes are rolled back. */
    assert_int_equal(db_transaction_run(db, add_then_fail, NULL, &attempts), AW_ERR_STATE);
    assert_int_equal(attempts, 1);
    assert_false(db_in_transaction(db));
    assert_int_equal(counter_value(db), 1);
    /* Not inside another transaction. */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_transaction_run(db, add_one, NULL, &attempts), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(db_transaction_run(db, NULL, NULL, &attempts), AW_ERR_ARGUMENT);
    assert_int_equal(db_transaction_run(NULL, add_one, NULL, &attempts), AW_ERR_ARGUMENT);
    db_close(db);
}

/* A writer holding its lock makes another connection's write fail with
 * AW_ERR_DB_BUSY once its busy timeout (SQLite) or lock_timeout
 * (PostgreSQL) runs out. */
static void test_busy(void **state)
{
    (void)state;
    db_connection *holder = db_test_open();
    create_counter(holder);
    db_connection *waiter = NULL;
    db_options options = {.busy_timeout_ms = 100};
    assert_int_equal(db_open(db_test_url(), &options, &waiter), AW_OK);

    assert_int_equal(db_begin(holder), AW_OK);
    add_to_counter(holder, 1);
    assert_int_equal(db_execute(waiter, "UPDATE counter SET v = v + 10 WHERE id = 1", NULL, 0,
                                NULL),
                     AW_ERR_DB_BUSY);
    assert_true(strlen(db_last_error(waiter)) > 0);
    /* A lock wait that ran out is not retried (the wait would multiply). */
    unsigned attempts = 0;
    assert_int_equal(db_transaction_run(waiter, add_one, NULL, &attempts), AW_ERR_DB_BUSY);
    assert_int_equal(attempts, 1);
    assert_false(db_in_transaction(waiter));
    assert_int_equal(db_commit(holder), AW_OK);
    /* Lock released: the waiter gets through. */
    assert_int_equal(db_transaction_run(waiter, add_one, NULL, &attempts), AW_OK);
    assert_int_equal(attempts, 1);
    assert_int_equal(counter_value(holder), 2);
    db_close(waiter);
    db_close(holder);
}

struct conflict {
    db_connection *other;
    unsigned calls;
    bool every_time;                        /* interfere on every attempt */
};

/* Read, let another session change the row, then write what was read:
 * under SERIALIZABLE the first attempt must fail and be retried. */
static aw_err read_then_write(db_connection *db, void *arg)
{
    struct conflict *c = arg;
    c->calls++;
    int64_t v = 0;
    aw_err err = db_query_int64(db, "SELECT v FROM counter WHERE id = 1", NULL, 0, &v);
    if (err != AW_OK)
        return err;
    if (c->calls == 1 || c->every_time) {
        err = db_execute(c->other, "UPDATE counter SET v = v + 10 WHERE id = 1", NULL, 0, NULL);
        if (err != AW_OK)
            return AW_ERR_STATE; /* not a retryable error: fails the test */
    }
    db_param p = DB_PARAM_INT64(v + 1);
    return db_execute(db, "UPDATE counter SET v = ? WHERE id = 1", &p, 1, NULL);
}

static void test_serialization_retry(void **state)
{
    (void)state;
    if (!db_test_is_postgresql())
        skip(); /* SQLite's BEGIN IMMEDIATE makes the other writer wait instead */
    db_connection *db = db_test_open();
    create_counter(db);
    struct conflict c = {.other = db_test_open()};
    unsigned attempts = 0;
    assert_int_equal(db_transaction_run(db, read_then_write, &c, &attempts), AW_OK);
    assert_int_equal(attempts, 2);
    assert_int_equal(c.calls, 2);
    /* Neither update was lost. */
    assert_int_equal(counter_value(db), 11);
    /* A conflict on every attempt: retried, then given up. */
    c.calls = 0;
    c.every_time = true;
    assert_int_equal(db_transaction_run(db, read_then_write, &c, &attempts), AW_ERR_DB_BUSY);
    assert_int_equal(attempts, DB_TRANSACTION_MAX_ATTEMPTS);
    assert_int_equal(c.calls, DB_TRANSACTION_MAX_ATTEMPTS);
    assert_false(db_in_transaction(db));
    assert_int_equal(counter_value(db), 11 + 10 * DB_TRANSACTION_MAX_ATTEMPTS);
    db_close(c.other);
    db_close(db);
}

/* --- Migrations ----------------------------------------------------------- */

static const db_migration migrations_v3[] = {
    {1, "order table", "CREATE TABLE orders (id INTEGER PRIMARY KEY, iccid TEXT NOT NULL)",
     "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, iccid TEXT NOT NULL)"},
    {2, "order state and a first row",
     "ALTER TABLE orders ADD COLUMN state INTEGER NOT NULL DEFAULT 0;"
     "INSERT INTO orders (iccid) VALUES ('89000000000000000001')",
     "ALTER TABLE orders ADD COLUMN state INTEGER NOT NULL DEFAULT 0;"
     "INSERT INTO orders (iccid) VALUES ('89000000000000000001')"},
    {3, "index on iccid", "CREATE UNIQUE INDEX orders_iccid ON orders (iccid)",
     "CREATE UNIQUE INDEX orders_iccid ON orders (iccid)"},
};

static int64_t count_rows(db_connection *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(db, sql, NULL, 0, &n), AW_OK);
    return n;
}

static void test_migrate_once_and_reopen(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    int64_t version = -1;
    assert_int_equal(db_schema_version(db, "orders", &version), AW_OK);
    assert_int_equal(version, 0);
    assert_int_equal(db_migrate(db, "orders", migrations_v3, 2, &version), AW_OK);
    assert_int_equal(version, 2);
    assert_int_equal(db_migrate(db, "orders", migrations_v3, 2, &version), AW_OK);
    assert_int_equal(version, 2);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM orders"), 1);
    db_close(db);

    /* A restart with newer code applies only what is new. */
    db = db_test_open();
    assert_int_equal(db_schema_version(db, "orders", &version), AW_OK);
    assert_int_equal(version, 2);
    assert_int_equal(db_migrate(db, "orders", migrations_v3, 3, &version), AW_OK);
    assert_int_equal(version, 3);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM orders"), 1);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"
                                    " WHERE component = 'orders'"),
                     3);
    assert_int_equal(db_execute(db, "INSERT INTO orders (iccid) VALUES ('89000000000000000001')",
                                NULL, 0, NULL),
                     AW_ERR_DB_UNIQUE);
    /* Another component has its own versions. */
    assert_int_equal(db_migrate(db, "other", migrations_v3 + 2, 1, &version), AW_ERR_DB_SCHEMA);
    static const db_migration other[] = {
        {1, "other table", "CREATE TABLE other (x INTEGER)", "CREATE TABLE other (x INTEGER)"},
    };
    assert_int_equal(db_migrate(db, "other", other, 1, &version), AW_OK);
    assert_int_equal(version, 1);
    assert_int_equal(db_schema_version(db, "orders", &version), AW_OK);
    assert_int_equal(version, 3);
    db_close(db);
}

static void test_migrate_newer_schema_refused(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    int64_t version = 0;
    assert_int_equal(db_migrate(db, "orders", migrations_v3, 3, &version), AW_OK);
    /* Older code (knows versions 1-2) must not work on a version 3 schema. */
    assert_int_equal(db_migrate(db, "orders", migrations_v3, 2, &version), AW_ERR_DB_SCHEMA_NEWER);
    assert_int_equal(version, 0);
    assert_non_null(strstr(db_last_error(db), "version 3"));
    assert_false(db_in_transaction(db));
    assert_int_equal(db_schema_version(db, "orders", &version), AW_OK);
    assert_int_equal(version, 3);
    db_close(db);
}

static void test_migrate_failure_rolls_back(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    static const db_migration broken[] = {
        {1, "first", "CREATE TABLE first_table (x INTEGER)", "CREATE TABLE first_table (x INTEGER)"},
        {2, "second, broken", "CREATE TABLE second_table (x INTEGER); CREATE TABLE bad (",
         "CREATE TABLE second_table (x INTEGER); CREATE TABLE bad ("},
    };
    int64_t version = 0;
    assert_int_equal(db_migrate(db, "broken", broken, 1, &version), AW_OK);
    assert_int_equal(db_migrate(db, "broken", broken, 2, &version), AW_ERR_DB_SCHEMA);
    assert_false(db_in_transaction(db));
    assert_int_equal(db_schema_version(db, "broken", &version), AW_OK);
    assert_int_equal(version, 1);
    /* The statement before the broken one was rolled back with it. */
    assert_int_equal(db_execute(db, "SELECT x FROM second_table", NULL, 0, NULL),
                     AW_ERR_DB_SCHEMA);
    assert_int_equal(db_execute(db, "SELECT x FROM first_table", NULL, 0, NULL), AW_OK);
    db_close(db);
}

static void test_migrate_arguments(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    int64_t version = 0;
    static const db_migration not_increasing[] = {
        {2, "b", "SELECT 1", "SELECT 1"},
        {2, "c", "SELECT 1", "SELECT 1"},
    };
    static const db_migration zero[] = {{0, "zero", "SELECT 1", "SELECT 1"}};
    static const db_migration no_sql[] = {{1, "none", NULL, NULL}};
    static const db_migration no_description[] = {{1, NULL, "SELECT 1", "SELECT 1"}};
    assert_int_equal(db_migrate(db, "x", not_increasing, 2, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "x", zero, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "x", no_sql, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "x", no_description, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "x", migrations_v3, 0, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "x", NULL, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(db, "", migrations_v3, 1, &version), AW_ERR_ARGUMENT);
    char long_name[DB_COMPONENT_MAX + 2];
    memset(long_name, 'c', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(db_migrate(db, long_name, migrations_v3, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_migrate(NULL, "x", migrations_v3, 1, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_schema_version(db, long_name, &version), AW_ERR_ARGUMENT);
    assert_int_equal(db_schema_version(db, "x", NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_migrate(db, "x", migrations_v3, 1, &version), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    /* Nothing was created by any of these. */
    assert_int_equal(db_schema_version(db, "x", &version), AW_OK);
    assert_int_equal(version, 0);
    db_close(db);
}

/* Kept statements (SQLite's compiled ones, PostgreSQL's prepared ones)
 * across transactions, a failed statement, other parameter types for the
 * same text, a table made again, and more texts than a connection keeps. */
static void test_kept_statements(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    create_counter(db);
    static const char *const bump = "UPDATE counter SET v = v + ? WHERE id = 1";
    db_param one = DB_PARAM_INT64(1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(db_begin(db), AW_OK);
        assert_int_equal(db_execute(db, bump, &one, 1, NULL), AW_OK);
        assert_int_equal(i == 1 ? db_rollback(db) : db_commit(db), AW_OK);
    }
    assert_int_equal(counter_value(db), 2);
    /* a failed statement aborts the transaction; the kept one works after it */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_execute(db, "INSERT INTO counter (id, v) VALUES (?, 0)", &one, 1, NULL),
                     AW_ERR_DB_UNIQUE);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(db_execute(db, bump, &one, 1, NULL), AW_OK);
    assert_int_equal(counter_value(db), 3);
    /* kept by the rolled-back transaction, still there after it */
    db_param two = DB_PARAM_INT64(2);
    assert_int_equal(db_execute(db, "INSERT INTO counter (id, v) VALUES (?, 0)", &two, 1, NULL),
                     AW_OK);
    /* one text, a blob then a text: each run as its own type (PostgreSQL
     * casts bytea to its hex text; a text parameter run through the bytea
     * statement would come back in hex too) */
    const db_param values[] = {DB_PARAM_BLOB("abc", 3), DB_PARAM_TEXT("abc"),
                               DB_PARAM_BLOB("abc", 3)};
    const char *const expected[] = {db_test_sql("abc", "\\x616263"), "abc",
                                    db_test_sql("abc", "\\x616263")};
    for (size_t i = 0; i < 3; i++) {
        db_rows *rows = NULL;
        bool has_row = false;
        const char *text = NULL;
        assert_int_equal(db_query(db, "SELECT CAST(? AS TEXT)", &values[i], 1, &rows), AW_OK);
        assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
        assert_true(has_row);
        assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
        assert_string_equal(text, expected[i]);
        db_rows_free(rows);
    }
    /* the table made again under the kept statements */
    assert_int_equal(db_execute(db, "DROP TABLE counter", NULL, 0, NULL), AW_OK);
    create_counter(db);
    assert_int_equal(db_execute(db, bump, &one, 1, NULL), AW_OK);
    assert_int_equal(counter_value(db), 1);
    /* more distinct texts than either backend keeps (64, 256) */
    for (int k = 0; k < 300; k++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "SELECT v + %d FROM counter WHERE id = ?", k);
        int64_t v = -1;
        assert_int_equal(db_query_int64(db, sql, &one, 1, &v), AW_OK);
        assert_int_equal(v, 1 + k);
    }
    assert_int_equal(db_execute(db, bump, &one, 1, NULL), AW_OK);
    assert_int_equal(counter_value(db), 2);
    db_close(db);
}

int db_test_run_transactions(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_commit_and_rollback, db_test_setup),
        cmocka_unit_test_setup(test_transaction_state_errors, db_test_setup),
        cmocka_unit_test_setup(test_transaction_run, db_test_setup),
        cmocka_unit_test_setup(test_busy, db_test_setup),
        cmocka_unit_test_setup(test_serialization_retry, db_test_setup),
        cmocka_unit_test_setup(test_migrate_once_and_reopen, db_test_setup),
        cmocka_unit_test_setup(test_migrate_newer_schema_refused, db_test_setup),
        cmocka_unit_test_setup(test_migrate_failure_rolls_back, db_test_setup),
        cmocka_unit_test_setup(test_migrate_arguments, db_test_setup),
        cmocka_unit_test_setup(test_kept_statements, db_test_setup),
    };
    return cmocka_run_group_tests_name(db_test_is_postgresql()
                                           ? "db transactions and migrations (postgresql)"
                                           : "db transactions and migrations (sqlite)",
                                       tests, NULL, NULL);
}
