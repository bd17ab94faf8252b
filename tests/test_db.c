/* Tests of the database layer (src/core/db.h): URL parsing, opening,
 * parameterised statements with every type, typed getters and errors. The
 * same suite runs against SQLite and a real PostgreSQL:
 *   test_db sqlite
 *   tests/pg-harness.sh run test_db postgresql
 * Also holds the shared fixture of test_db_*.c (db_testutil.h). */
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_testutil.h"

static bool use_postgresql;
static char base_url[DB_URL_MAX + 1];   /* PostgreSQL server URL */
static char temp_dir[256];              /* SQLite files */
static char current_url[DB_URL_MAX + 1];
static unsigned test_counter;

const char *db_test_url(void)
{
    return current_url;
}

bool db_test_is_postgresql(void)
{
    return use_postgresql;
}

const char *db_test_sql(const char *sqlite_sql, const char *postgresql_sql)
{
    return use_postgresql ? postgresql_sql : sqlite_sql;
}

db_connection *db_test_open(void)
{
    db_connection *db = NULL;
    aw_err err = db_open(current_url, NULL, &db);
    if (err != AW_OK)
        print_error("db_open(%s): %s\n", current_url, aw_err_name(err));
    assert_int_equal(err, AW_OK);
    assert_non_null(db);
    return db;
}

int db_test_setup(void **state)
{
    (void)state;
    if (!use_postgresql) {
        snprintf(current_url, sizeof(current_url), "sqlite:%s/t%u.db", temp_dir, ++test_counter);
        return 0;
    }
    snprintf(current_url, sizeof(current_url), "%s", base_url);
    db_connection *db = NULL;
    if (db_open(current_url, NULL, &db) != AW_OK)
        return -1;
    aw_err err = db_execute(db, "DROP SCHEMA public CASCADE", NULL, 0, NULL);
    if (err == AW_OK)
        err = db_execute(db, "CREATE SCHEMA public", NULL, 0, NULL);
    db_close(db);
    return err == AW_OK ? 0 : -1;
}

/* --- URL ------------------------------------------------------------------ */

static void expect_url(const char *url, db_backend backend, const char *target,
                       const char *redacted)
{
    db_url parsed;
    aw_err err = db_url_parse(url, &parsed);
    if (err != AW_OK)
        print_error("%s: %s\n", url, aw_err_name(err));
    assert_int_equal(err, AW_OK);
    assert_int_equal(parsed.backend, backend);
    assert_string_equal(parsed.target, target);
    assert_string_equal(parsed.redacted, redacted);
}

static void test_url_valid(void **state)
{
    (void)state;
    expect_url("sqlite:/var/lib/aw.db", DB_BACKEND_SQLITE, "/var/lib/aw.db", "/var/lib/aw.db");
    expect_url("sqlite:///var/lib/aw.db", DB_BACKEND_SQLITE, "/var/lib/aw.db", "/var/lib/aw.db");
    expect_url("SQLite:rel/aw.db", DB_BACKEND_SQLITE, "rel/aw.db", "rel/aw.db");
    expect_url("sqlite::memory:", DB_BACKEND_SQLITE, ":memory:", ":memory:");
    expect_url("data/aw.db", DB_BACKEND_SQLITE, "data/aw.db", "data/aw.db");
    expect_url("./a:b.db", DB_BACKEND_SQLITE, "./a:b.db", "./a:b.db");
    const char *with_password =
        "postgresql://aw:s3cretpw@db.example:5432/airwrite?sslmode=require&password=other";
    expect_url(with_password, DB_BACKEND_POSTGRESQL, with_password,
               "postgresql://aw@db.example:5432/airwrite");
    expect_url("postgres://h1:5432,h2:5433/db", DB_BACKEND_POSTGRESQL,
               "postgres://h1:5432,h2:5433/db", "postgres://h1:5432,h2:5433/db");
    expect_url("postgresql://[::1]:5432/db", DB_BACKEND_POSTGRESQL, "postgresql://[::1]:5432/db",
               "postgresql://[::1]:5432/db");
    expect_url("postgresql:///airwrite", DB_BACKEND_POSTGRESQL, "postgresql:///airwrite",
               "postgresql:///airwrite");
    expect_url("postgresql://u%40x:p%3Aw@host/db", DB_BACKEND_POSTGRESQL,
               "postgresql://u%40x:p%3Aw@host/db", "postgresql://u%40x@host/db");
    expect_url("POSTGRESQL://:pw@h", DB_BACKEND_POSTGRESQL, "POSTGRESQL://:pw@h",
               "POSTGRESQL://h");
}

static void test_url_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "sqlite:", "sqlite://host/x.db", "sqlite://", "mysql://h/db", "file:x.db",
        "postgresql:h/db", "postgresql:/h/db", "postgresql://h:0/db", "postgresql://h:65536/db",
        "postgresql://h:5x/db", "postgresql://h:/db", "postgresql://h:123456/db",
        "postgresql://a@b@h/db", "postgresql://h/db?", "postgresql://h/db?=x",
        "postgresql://h/db?sslmode", "postgresql://h/db?a=1&", "postgresql://h/d b",
        "postgresql://h/%zz", "postgresql://h/%4", "postgresql://[zz]/db",
        "postgresql://[::1/db", "postgresql://h\x7f/db", "postgresql://h/\xc3\xa4",
        "postgresql://ho$t/db", "x.db\n", "a\x01" "b",
    };
    db_url parsed;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        aw_err err = db_url_parse(bad[i], &parsed);
        if (err != AW_ERR_DB_URL)
            print_error("accepted: \"%s\"\n", bad[i]);
        assert_int_equal(err, AW_ERR_DB_URL);
        assert_int_equal(parsed.backend, 0);
        assert_string_equal(parsed.target, "");
    }
    char *too_long = malloc(DB_URL_MAX + 2);
    assert_non_null(too_long);
    memset(too_long, 'a', DB_URL_MAX + 1);
    too_long[DB_URL_MAX + 1] = '\0';
    assert_int_equal(db_url_parse(too_long, &parsed), AW_ERR_DB_URL);
    too_long[DB_URL_MAX] = '\0'; /* exactly the limit: accepted */
    assert_int_equal(db_url_parse(too_long, &parsed), AW_OK);
    free(too_long);
    assert_int_equal(db_url_parse(NULL, &parsed), AW_ERR_ARGUMENT);
    assert_int_equal(db_url_parse("x.db", NULL), AW_ERR_ARGUMENT);
}

/* --- Opening -------------------------------------------------------------- */

static void test_open_errors(void **state)
{
    (void)state;
    db_connection *db = (db_connection *)1;
    assert_int_equal(db_open("mysql://h/db", NULL, &db), AW_ERR_DB_URL);
    assert_null(db);
    assert_int_equal(db_open(NULL, NULL, &db), AW_ERR_ARGUMENT);
    assert_int_equal(db_open("x.db", NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_open("/nonexistent-aw-dir/x.db", NULL, &db), AW_ERR_DB_CONNECTION);
    assert_null(db);

    /* A file that is not a database. */
    char path[300];
    snprintf(path, sizeof(path), "%s/not-a-db", temp_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 64; i++)
        fputs("this is not an SQLite database file\n", f);
    fclose(f);
    assert_int_equal(db_open(path, NULL, &db), AW_ERR_DB_CONNECTION);
    assert_null(db);

    /* Why an open failed, for the operator's log. */
    char why[256] = "stale";
    db_options options = {.connect_timeout_s = 2, .error = why, .error_size = sizeof(why)};
    assert_int_equal(db_open("/nonexistent-aw-dir/x.db", &options, &db), AW_ERR_DB_CONNECTION);
    assert_non_null(strstr(why, "cannot create"));
    assert_int_equal(db_open(path, &options, &db), AW_ERR_DB_CONNECTION);
    assert_non_null(strstr(why, "not a database"));
    assert_int_equal(db_open("mysql://x", &options, &db), AW_ERR_DB_URL);
    assert_string_equal(why, "malformed database URL");
    /* Nothing listens on port 1 of the loopback address; the reason names
     * the server but never the password. */
    assert_int_equal(db_open("postgresql://postgres:topsecretpw@127.0.0.1:1/postgres", &options,
                             &db),
                     AW_ERR_DB_CONNECTION);
    assert_null(db);
    assert_non_null(strstr(why, "127.0.0.1"));
    assert_null(strstr(why, "topsecretpw"));
    db_close(NULL);

    if (use_postgresql) {
        /* The real server, a database that does not exist. */
        char url[DB_URL_MAX + 16];
        snprintf(url, sizeof(url), "%s_nonexistent", base_url);
        assert_int_equal(db_open(url, &options, &db), AW_ERR_DB_CONNECTION);
        assert_null(db);
        assert_non_null(strstr(why, "postgres_nonexistent"));
        /* Success leaves the reason empty. */
        assert_int_equal(db_open(base_url, &options, &db), AW_OK);
        assert_string_equal(why, "");
        db_close(db);
    }
}

static void test_open_sqlite_file_mode(void **state)
{
    (void)state;
    if (use_postgresql)
        skip();
    db_connection *db = db_test_open();
    assert_int_equal(db_get_backend(db), DB_BACKEND_SQLITE);
    struct stat st;
    assert_int_equal(stat(current_url + strlen("sqlite:"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* WAL mode is on: the -wal file appears with the first write. */
    assert_int_equal(db_execute(db, "CREATE TABLE t (x INTEGER)", NULL, 0, NULL), AW_OK);
    char wal[DB_URL_MAX + 8];
    snprintf(wal, sizeof(wal), "%s-wal", current_url + strlen("sqlite:"));
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    db_close(db);
}

/* --- Round trips ---------------------------------------------------------- */

static void create_item_table(db_connection *db)
{
    assert_int_equal(db_execute(db,
                                db_test_sql("CREATE TABLE item (id INTEGER PRIMARY KEY,"
                                            " number BIGINT, name TEXT, data BLOB, note TEXT)",
                                            "CREATE TABLE item (id BIGINT PRIMARY KEY,"
                                            " number BIGINT, name TEXT, data BYTEA, note TEXT)"),
                                NULL, 0, NULL),
                     AW_OK);
}

static void insert_item(db_connection *db, int64_t id, int64_t number, const char *name,
                        const void *data, size_t len, const char *note)
{
    db_param params[5] = {
        DB_PARAM_INT64(id),         DB_PARAM_INT64(number),
        DB_PARAM_TEXT(name),        DB_PARAM_BLOB(data, len),
        note ? DB_PARAM_TEXT(note) : DB_PARAM_NULL,
    };
    int64_t changes = 0;
    assert_int_equal(db_execute(db,
                                "INSERT INTO item (id, number, name, data, note)"
                                " VALUES (?, ?, ?, ?, ?)",
                                params, 5, &changes),
                     AW_OK);
    assert_int_equal(changes, 1);
}

static void test_round_trip_types(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    create_item_table(db);
    static const uint8_t small[] = {0x00, 0x01, 0xFF, 0x00};
    uint8_t large[300];
    for (size_t i = 0; i < sizeof(large); i++)
        large[i] = (uint8_t)(i * 7);
    const char *injection = "x'); DROP TABLE item; --";
    insert_item(db, 1, INT64_MIN, "\xc3\x84\xc3\x96 \xe2\x82\xac", small, sizeof(small), NULL);
    insert_item(db, 2, INT64_MAX, "", NULL, 0, "n");
    insert_item(db, 3, 0, injection, large, sizeof(large), NULL);

    db_rows *rows = NULL;
    assert_int_equal(db_query(db, "SELECT id, number, name, data, note FROM item ORDER BY id",
                              NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(db_rows_column_count(rows), 5);
    int64_t v = 0;
    const char *text = NULL;
    const uint8_t *blob = NULL;
    size_t len = 0;
    bool has_row = false;
    /* No current row yet. */
    assert_int_equal(db_rows_get_int64(rows, 0, &v), AW_ERR_ARGUMENT);
    assert_int_equal(db_rows_column_type(rows, 0), DB_TYPE_OTHER);

    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_column_type(rows, 0), DB_TYPE_INT64);
    assert_int_equal(db_rows_column_type(rows, 2), DB_TYPE_TEXT);
    assert_int_equal(db_rows_column_type(rows, 3), DB_TYPE_BLOB);
    assert_int_equal(db_rows_column_type(rows, 4), DB_TYPE_NULL);
    assert_int_equal(db_rows_column_type(rows, 5), DB_TYPE_OTHER);
    assert_int_equal(db_rows_get_int64(rows, 1, &v), AW_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(db_rows_get_text(rows, 2, &text), AW_OK);
    assert_string_equal(text, "\xc3\x84\xc3\x96 \xe2\x82\xac");
    assert_int_equal(db_rows_get_blob(rows, 3, &blob, &len), AW_OK);
    assert_int_equal(len, sizeof(small));
    assert_memory_equal(blob, small, sizeof(small));
    /* Wrong types, NULL, bad index. */
    assert_int_equal(db_rows_get_text(rows, 4, &text), AW_ERR_DB_TYPE);
    assert_null(text);
    assert_int_equal(db_rows_get_int64(rows, 2, &v), AW_ERR_DB_TYPE);
    assert_int_equal(db_rows_get_blob(rows, 1, &blob, &len), AW_ERR_DB_TYPE);
    assert_int_equal(db_rows_get_text(rows, 3, &text), AW_ERR_DB_TYPE);
    assert_int_equal(db_rows_get_int64(rows, 99, &v), AW_ERR_ARGUMENT);
    assert_int_equal(db_rows_get_int64(rows, 0, NULL), AW_ERR_ARGUMENT);
    /* db_rows_copy_text: exact fit, one byte short, not text, no buffer */
    char copied[sizeof("\xc3\x84\xc3\x96 \xe2\x82\xac")];
    assert_int_equal(db_rows_copy_text(rows, 2, copied, sizeof(copied)), AW_OK);
    assert_string_equal(copied, "\xc3\x84\xc3\x96 \xe2\x82\xac");
    assert_int_equal(db_rows_copy_text(rows, 2, copied, sizeof(copied) - 1), AW_ERR_DB_TYPE);
    assert_string_equal(copied, "");
    assert_int_equal(db_rows_copy_text(rows, 4, copied, sizeof(copied)), AW_ERR_DB_TYPE);
    assert_int_equal(db_rows_copy_text(rows, 2, NULL, 8), AW_ERR_ARGUMENT);
    assert_int_equal(db_rows_copy_text(rows, 2, copied, 0), AW_ERR_ARGUMENT);

    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_int64(rows, 1, &v), AW_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(db_rows_get_text(rows, 2, &text), AW_OK);
    assert_string_equal(text, "");
    assert_int_equal(db_rows_get_blob(rows, 3, &blob, &len), AW_OK);
    assert_non_null(blob);
    assert_int_equal(len, 0);
    assert_int_equal(db_rows_get_text(rows, 4, &text), AW_OK);
    assert_string_equal(text, "n");

    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 2, &text), AW_OK);
    assert_string_equal(text, injection);
    assert_int_equal(db_rows_get_blob(rows, 3, &blob, &len), AW_OK);
    assert_int_equal(len, sizeof(large));
    assert_memory_equal(blob, large, sizeof(large));

    /* The end, and it stays the end. */
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_false(has_row);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_false(has_row);
    assert_int_equal(db_rows_get_int64(rows, 0, &v), AW_ERR_ARGUMENT);
    db_rows_free(rows);

    /* Update and delete report the rows they changed. */
    db_param params[2] = {DB_PARAM_TEXT("updated"), DB_PARAM_INT64(1)};
    int64_t changes = 0;
    assert_int_equal(db_execute(db, "UPDATE item SET note = ? WHERE number < ?", params, 2,
                                &changes),
                     AW_OK);
    assert_int_equal(changes, 2);
    db_param id = DB_PARAM_INT64(2);
    assert_int_equal(db_execute(db, "DELETE FROM item WHERE id = ?", &id, 1, &changes), AW_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM item WHERE note = 'updated'", NULL,
                                    0, &v),
                     AW_OK);
    assert_int_equal(v, 2);
    assert_int_equal(db_query_int64(db, "SELECT number FROM item WHERE id = ?", &id, 1, &v),
                     AW_ERR_DB_NOT_FOUND);
    /* A type outside the portable set. */
    assert_int_equal(db_query(db, "SELECT 1.5", NULL, 0, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_int_equal(db_rows_column_type(rows, 0), DB_TYPE_OTHER);
    assert_int_equal(db_rows_get_int64(rows, 0, &v), AW_ERR_DB_TYPE);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_ERR_DB_TYPE);
    db_rows_free(rows);
    db_close(db);
}

/* PostgreSQL integer widths and boolean all read as int64. */
static void test_postgresql_integer_types(void **state)
{
    (void)state;
    if (!use_postgresql)
        skip();
    db_connection *db = db_test_open();
    db_param params[3] = {DB_PARAM_INT64(-12345), DB_PARAM_INT64(2000000000),
                          DB_PARAM_INT64(-2)};
    db_rows *rows = NULL;
    bool has_row = false;
    assert_int_equal(db_query(db,
                              "SELECT CAST(? AS smallint), CAST(? AS integer),"
                              " CAST(? AS integer), true, false",
                              params, 3, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    const int64_t want[5] = {-12345, 2000000000, -2, 1, 0};
    for (size_t i = 0; i < 5; i++) {
        int64_t v = 99;
        assert_int_equal(db_rows_get_int64(rows, i, &v), AW_OK);
        assert_true(v == want[i]);
    }
    db_rows_free(rows);
    db_close(db);
}

/* --- Placeholders --------------------------------------------------------- */

static void expect_text_pair(db_connection *db, const char *sql, const db_param *params,
                             size_t count, const char *first, const char *second)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const char *text = NULL;
    assert_int_equal(db_query(db, sql, params, count, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_string_equal(text, first);
    assert_int_equal(db_rows_get_text(rows, 1, &text), AW_OK);
    assert_string_equal(text, second);
    db_rows_free(rows);
}

static void test_placeholders(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    db_param value = DB_PARAM_TEXT("v");
    /* '?' inside literals, identifiers and comments is not a placeholder. */
    expect_text_pair(db, "SELECT '?''?', ? /* ? */ -- ?\n", &value, 1, "?'?", "v");
    expect_text_pair(db, "SELECT ? AS \"?\", 'a' AS b", &value, 1, "v", "a");
    if (use_postgresql) {
        expect_text_pair(db, "SELECT $$?$$, /* /* ? */ ? */ ?", &value, 1, "?", "v");
        expect_text_pair(db, "SELECT $tag$ ? $ ?$tag$, ?", &value, 1, " ? $ ?", "v");
    }
    /* Count mismatches and bad parameters. */
    db_param two[2] = {DB_PARAM_INT64(1), DB_PARAM_INT64(2)};
    int64_t v = 0;
    assert_int_equal(db_query_int64(db, "SELECT ?", two, 2, &v), AW_ERR_ARGUMENT);
    assert_int_equal(db_query_int64(db, "SELECT ? + ?", two, 1, &v), AW_ERR_ARGUMENT);
    assert_int_equal(db_query_int64(db, "SELECT 1", two, 1, &v), AW_ERR_ARGUMENT);
    assert_int_equal(db_query_int64(db, "SELECT ? + ?", two, 2, &v), AW_OK);
    assert_int_equal(v, 3);
    db_param many[DB_MAX_PARAMS + 1];
    for (size_t i = 0; i <= DB_MAX_PARAMS; i++)
        many[i] = DB_PARAM_INT64((int64_t)i);
    assert_int_equal(db_execute(db, "SELECT 1", many, DB_MAX_PARAMS + 1, NULL), AW_ERR_ARGUMENT);
    db_param bad_type = {.type = DB_TYPE_OTHER};
    assert_int_equal(db_execute(db, "SELECT ?", &bad_type, 1, NULL), AW_ERR_ARGUMENT);
    db_param null_text = {.type = DB_TYPE_TEXT, .text = NULL};
    assert_int_equal(db_execute(db, "SELECT ?", &null_text, 1, NULL), AW_ERR_ARGUMENT);
    db_param null_blob = {.type = DB_TYPE_BLOB, .blob = NULL, .blob_len = 3};
    assert_int_equal(db_execute(db, "SELECT ?", &null_blob, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_execute(db, "SELECT ?", NULL, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_execute(NULL, "SELECT 1", NULL, 0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_execute(db, NULL, NULL, 0, NULL), AW_ERR_ARGUMENT);
    db_rows *rows = (db_rows *)1;
    assert_int_equal(db_query(db, "SELECT ?", NULL, 1, &rows), AW_ERR_ARGUMENT);
    assert_null(rows);
    assert_int_equal(db_query(db, "SELECT 1", NULL, 0, NULL), AW_ERR_ARGUMENT);
    /* One statement per call: a second one is refused, not silently run. */
    assert_int_equal(db_execute(db, "SELECT 1; SELECT 2", NULL, 0, NULL), AW_ERR_DB_SCHEMA);
    db_close(db);
}

/* Statements run again and again (SQLite keeps them prepared): the same
 * results every time, the same text open twice at once, a parameter count
 * mismatch on a kept statement, more distinct statements than are kept,
 * and a table dropped and made again under a kept statement. */
static void test_statement_reuse(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    create_item_table(db);
    static const uint8_t data[] = {1, 2, 3};
    for (int64_t id = 1; id <= 3; id++)
        insert_item(db, id, 10 * id, "n", data, sizeof(data), NULL);
    static const char *const by_id = "SELECT number FROM item WHERE id = ?";
    for (int round = 0; round < 50; round++) {
        db_param id = DB_PARAM_INT64(round % 3 + 1);
        int64_t number = 0;
        assert_int_equal(db_query_int64(db, by_id, &id, 1, &number), AW_OK);
        assert_int_equal(number, 10 * (round % 3 + 1));
    }
    /* one text, two row sets at once */
    static const char *const all = "SELECT number FROM item ORDER BY id";
    db_rows *outer = NULL, *inner = NULL;
    bool has_row = false;
    int64_t value = 0, outer_count = 0;
    assert_int_equal(db_query(db, all, NULL, 0, &outer), AW_OK);
    while (db_rows_next(outer, &has_row) == AW_OK && has_row) {
        assert_int_equal(db_rows_get_int64(outer, 0, &value), AW_OK);
        assert_int_equal(value, 10 * ++outer_count);
        int64_t inner_count = 0;
        assert_int_equal(db_query(db, all, NULL, 0, &inner), AW_OK);
        while (db_rows_next(inner, &has_row) == AW_OK && has_row)
            inner_count++;
        assert_int_equal(inner_count, 3);
        db_rows_free(inner);
    }
    assert_int_equal(outer_count, 3);
    db_rows_free(outer);
    /* the kept statement still checks the parameter count */
    db_param two[2] = {DB_PARAM_INT64(1), DB_PARAM_INT64(2)};
    assert_int_equal(db_query_int64(db, by_id, two, 2, &value), AW_ERR_ARGUMENT);
    assert_int_equal(db_query_int64(db, by_id, two, 1, &value), AW_OK);
    assert_int_equal(value, 10);
    /* more distinct statements than a connection keeps, twice over */
    for (int round = 0; round < 2; round++) {
        for (int64_t k = 0; k < 100; k++) {
            char sql[64];
            snprintf(sql, sizeof(sql), "SELECT number + %d FROM item WHERE id = ?", (int)k);
            db_param id = DB_PARAM_INT64(2);
            assert_int_equal(db_query_int64(db, sql, &id, 1, &value), AW_OK);
            assert_int_equal(value, 20 + k);
        }
    }
    /* the table made again with other contents under the kept statement */
    assert_int_equal(db_execute(db, "DROP TABLE item", NULL, 0, NULL), AW_OK);
    create_item_table(db);
    insert_item(db, 1, 77, "m", data, sizeof(data), NULL);
    db_param id = DB_PARAM_INT64(1);
    assert_int_equal(db_query_int64(db, by_id, &id, 1, &value), AW_OK);
    assert_int_equal(value, 77);
    db_close(db);
}

/* Whether this process holds an open SQLite temporary file (unlinked on
 * open: "/var/tmp/etilqs_... (deleted)" or in SQLITE_TMPDIR/TMPDIR). */
static bool sqlite_temp_file_open(void)
{
    bool found = false;
    for (int fd = 0; fd < 1024 && !found; fd++) {
        char link[64], target[512];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found = strstr(target, "etilqs_") != NULL;
    }
    return found;
}

/* A savepoint's journal (and a statement's) stays in memory (temp_store=
 * MEMORY, db_sqlite.c): past SQLite's 64 KiB spill size it used to become a
 * file created and deleted by every such transaction, with copies of the
 * rows in it. Rolling back to the savepoint still works from memory. */
static void test_sqlite_journals_in_memory(void **state)
{
    (void)state;
    if (use_postgresql)
        skip(); /* SQLite's own files */
    db_connection *db = db_test_open();
    assert_int_equal(db_execute(db, "CREATE TABLE pages (data BLOB NOT NULL)", NULL, 0, NULL),
                     AW_OK);
    for (int i = 0; i < 200; i++) /* about 50 pages of 4 KiB */
        assert_int_equal(db_execute(db, "INSERT INTO pages (data) VALUES (randomblob(1000))",
                                    NULL, 0, NULL),
                         AW_OK);
    int64_t temp_store = 0;
    assert_int_equal(db_query_int64(db, "PRAGMA temp_store", NULL, 0, &temp_store), AW_OK);
    assert_int_equal(temp_store, 2); /* MEMORY */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_execute(db, "SAVEPOINT s", NULL, 0, NULL), AW_OK);
    /* every page changed inside the savepoint: ~200 KiB of journal */
    assert_int_equal(db_execute(db, "UPDATE pages SET data = zeroblob(1000)", NULL, 0, NULL),
                     AW_OK);
    assert_false(sqlite_temp_file_open());
    assert_int_equal(db_execute(db, "ROLLBACK TO SAVEPOINT s", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db, "RELEASE SAVEPOINT s", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_commit(db), AW_OK);
    int64_t zeroed = -1;
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM pages WHERE data = zeroblob(1000)",
                                    NULL, 0, &zeroed),
                     AW_OK);
    assert_int_equal(zeroed, 0);
    db_close(db);
}

/* SQLite keeps no memory statistics (db_sqlite.c configure_library): with
 * them every allocation took a process-wide mutex. sqlite3_memory_used
 * counts only while they are kept. */
static void test_sqlite_memory_statistics_off(void **state)
{
    (void)state;
    if (use_postgresql)
        skip(); /* SQLite's own configuration */
    db_connection *db = db_test_open();
    assert_int_equal(db_execute(db, "CREATE TABLE t (v TEXT NOT NULL)", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db, "INSERT INTO t (v) VALUES (hex(randomblob(5000)))", NULL, 0,
                                NULL),
                     AW_OK);
    assert_int_equal(sqlite3_memory_used(), 0);
    db_close(db);
}

/* --- Errors --------------------------------------------------------------- */

/* Kept statements hold no read snapshot between uses: what another
 * connection commits is seen by the next query of this one, whether the
 * last query ran to its end, stopped after its first row, failed, or ran
 * inside a transaction (WAL readers see the newest commit only when no
 * statement of theirs is still active). */
static void test_reuse_sees_other_writers(void **state)
{
    (void)state;
    db_connection *a = db_test_open(), *b = db_test_open();
    create_item_table(a);
    static const uint8_t data[] = {1};
    static const char *const count_sql = "SELECT COUNT(*) FROM item";
    static const char *const all = "SELECT number FROM item ORDER BY id";
    int64_t count = -1;
    for (int64_t id = 1; id <= 6; id++) {
        assert_int_equal(db_query_int64(a, count_sql, NULL, 0, &count), AW_OK);
        assert_int_equal(count, id - 1);
        /* a row set left after its first row, then freed */
        db_rows *rows = NULL;
        bool has_row = false;
        assert_int_equal(db_query(a, all, NULL, 0, &rows), AW_OK);
        assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
        db_rows_free(rows);
        /* a read inside a transaction of a */
        assert_int_equal(db_begin(a), AW_OK);
        assert_int_equal(db_query_int64(a, count_sql, NULL, 0, &count), AW_OK);
        assert_int_equal(db_commit(a), AW_OK);
        insert_item(b, id, id, "n", data, sizeof(data), NULL);
    }
    assert_int_equal(db_query_int64(a, count_sql, NULL, 0, &count), AW_OK);
    assert_int_equal(count, 6);
    db_close(b);
    db_close(a);
}

static void test_constraint_errors(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    assert_int_equal(db_execute(db,
                                "CREATE TABLE account (id BIGINT PRIMARY KEY,"
                                " iccid TEXT NOT NULL UNIQUE, balance BIGINT CHECK (balance >= 0))",
                                NULL, 0, NULL),
                     AW_OK);
    const char *sql = "INSERT INTO account (id, iccid, balance) VALUES (?, ?, ?)";
    db_param row[3] = {DB_PARAM_INT64(1), DB_PARAM_TEXT("8988211000000001234"),
                       DB_PARAM_INT64(5)};
    assert_int_equal(db_execute(db, sql, row, 3, NULL), AW_OK);
    assert_string_equal(db_last_error(db), "");
    /* Same primary key. */
    row[1] = DB_PARAM_TEXT("8988211000000005678");
    assert_int_equal(db_execute(db, sql, row, 3, NULL), AW_ERR_DB_UNIQUE);
    /* Same unique column; the diagnostic names no value. */
    row[0] = DB_PARAM_INT64(2);
    row[1] = DB_PARAM_TEXT("8988211000000001234");
    assert_int_equal(db_execute(db, sql, row, 3, NULL), AW_ERR_DB_UNIQUE);
    assert_true(strlen(db_last_error(db)) > 0);
    assert_null(strstr(db_last_error(db), "8988211000000001234"));
    /* NOT NULL and CHECK. */
    row[1] = DB_PARAM_NULL;
    assert_int_equal(db_execute(db, sql, row, 3, NULL), AW_ERR_DB_CONSTRAINT);
    row[1] = DB_PARAM_TEXT("8988211000000009999");
    row[2] = DB_PARAM_INT64(-1);
    assert_int_equal(db_execute(db, sql, row, 3, NULL), AW_ERR_DB_CONSTRAINT);
    int64_t count = 0;
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM account", NULL, 0, &count), AW_OK);
    assert_int_equal(count, 1);
    db_close(db);
}

static void test_schema_errors(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    db_rows *rows = NULL;
    assert_int_equal(db_query(db, "SELECT * FROM missing_table", NULL, 0, &rows),
                     AW_ERR_DB_SCHEMA);
    assert_null(rows);
    assert_true(strlen(db_last_error(db)) > 0);
    assert_int_equal(db_execute(db, "SELEC 1", NULL, 0, NULL), AW_ERR_DB_SCHEMA);
    assert_int_equal(db_execute(db, "CREATE TABLE t (x INTEGER)", NULL, 0, NULL), AW_OK);
    assert_int_equal(db_execute(db, "SELECT missing_column FROM t", NULL, 0, NULL),
                     AW_ERR_DB_SCHEMA);
    if (!use_postgresql) {
        /* A data error: a rowid must be an integer (SQLITE_MISMATCH). */
        db_param text = DB_PARAM_TEXT("not-a-number-secret");
        assert_int_equal(db_execute(db, "CREATE TABLE r (id INTEGER PRIMARY KEY)", NULL, 0, NULL),
                         AW_OK);
        assert_int_equal(db_execute(db, "INSERT INTO r (id) VALUES (?)", &text, 1, NULL),
                         AW_ERR_DB_FAILED);
        assert_null(strstr(db_last_error(db), "secret"));
    } else {
        /* A data error: PostgreSQL's message would quote the value. */
        db_param secret = DB_PARAM_TEXT("not-a-number-secret");
        assert_int_equal(db_execute(db, "SELECT CAST(? AS integer)", &secret, 1, NULL),
                         AW_ERR_DB_FAILED);
        assert_true(strlen(db_last_error(db)) > 0);
        assert_null(strstr(db_last_error(db), "secret"));
    }
    db_close(db);
}

/* PostgreSQL: a terminated session fails the call in flight with
 * AW_ERR_DB_CONNECTION; the next call reconnects. */
static void test_postgresql_reconnect(void **state)
{
    (void)state;
    if (!use_postgresql)
        skip();
    db_connection *db = db_test_open();
    db_connection *admin = db_test_open();
    int64_t pid = 0, other = 0;
    assert_int_equal(db_query_int64(db, "SELECT pg_backend_pid()", NULL, 0, &pid), AW_OK);
    db_param param = DB_PARAM_INT64(pid);
    assert_int_equal(db_execute(admin, "SELECT pg_terminate_backend(CAST(? AS integer))", &param,
                                1, NULL),
                     AW_OK);
    int64_t v = 0;
    aw_err err = AW_OK;
    /* The termination is asynchronous: bounded wait for it to land. */
    for (int i = 0; i < 100 && err == AW_OK; i++) {
        err = db_query_int64(db, "SELECT 1", NULL, 0, &v);
        if (err == AW_OK)
            usleep(20000);
    }
    assert_int_equal(err, AW_ERR_DB_CONNECTION);
    assert_int_equal(db_query_int64(db, "SELECT pg_backend_pid()", NULL, 0, &other), AW_OK);
    assert_true(other != pid);

    /* Lost inside a transaction: every call fails until the rollback. */
    assert_int_equal(db_begin(db), AW_OK);
    param = DB_PARAM_INT64(other);
    assert_int_equal(db_execute(admin, "SELECT pg_terminate_backend(CAST(? AS integer))", &param,
                                1, NULL),
                     AW_OK);
    err = AW_OK;
    for (int i = 0; i < 100 && err == AW_OK; i++) {
        err = db_query_int64(db, "SELECT 1", NULL, 0, &v);
        if (err == AW_OK)
            usleep(20000);
    }
    assert_int_equal(err, AW_ERR_DB_CONNECTION);
    assert_int_equal(db_query_int64(db, "SELECT 1", NULL, 0, &v), AW_ERR_DB_CONNECTION);
    assert_non_null(strstr(db_last_error(db), "inside a transaction"));
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(db_query_int64(db, "SELECT 1", NULL, 0, &v), AW_OK);
    db_close(admin);
    db_close(db);
}

int db_test_run_basic(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_url_valid, db_test_setup),
        cmocka_unit_test_setup(test_url_invalid, db_test_setup),
        cmocka_unit_test_setup(test_open_errors, db_test_setup),
        cmocka_unit_test_setup(test_open_sqlite_file_mode, db_test_setup),
        cmocka_unit_test_setup(test_round_trip_types, db_test_setup),
        cmocka_unit_test_setup(test_postgresql_integer_types, db_test_setup),
        cmocka_unit_test_setup(test_placeholders, db_test_setup),
        cmocka_unit_test_setup(test_statement_reuse, db_test_setup),
        cmocka_unit_test_setup(test_reuse_sees_other_writers, db_test_setup),
        cmocka_unit_test_setup(test_sqlite_journals_in_memory, db_test_setup),
        cmocka_unit_test_setup(test_sqlite_memory_statistics_off, db_test_setup),
        cmocka_unit_test_setup(test_constraint_errors, db_test_setup),
        cmocka_unit_test_setup(test_schema_errors, db_test_setup),
        cmocka_unit_test_setup(test_postgresql_reconnect, db_test_setup),
    };
    return cmocka_run_group_tests_name(use_postgresql ? "db basic (postgresql)"
                                                      : "db basic (sqlite)",
                                       tests, NULL, NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: test_db sqlite|postgresql\n");
        return 2;
    }
    use_postgresql = strcmp(argv[1], "postgresql") == 0;
    if (use_postgresql) {
        const char *url = getenv("AW_TEST_POSTGRESQL_URL");
        if (url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
        snprintf(base_url, sizeof(base_url), "%s", url);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof(temp_dir), "%s/aw-db-test.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int failures = db_test_run_basic();
    failures += db_test_run_transactions();
    failures += db_test_run_queue();
    failures += db_test_run_concurrency();
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failures == 0 ? 0 : 1;
}
