/* Shared state of the database tests (test_db*.c), which run the same suite
 * against SQLite (a file per test in a temporary directory) and against a
 * real PostgreSQL server started by tests/pg-harness.sh (URL in
 * AW_TEST_POSTGRESQL_URL; the public schema is emptied before each test). */
#ifndef AIRWRITE_TESTS_DB_TESTUTIL_H
#define AIRWRITE_TESTS_DB_TESTUTIL_H

#include <stdbool.h>

#include "core/db.h"
#include "testutil.h"

/* URL of the current test's database. */
const char *db_test_url(void);

bool db_test_is_postgresql(void);

/* cmocka setup: a fresh, empty database for the next test. */
int db_test_setup(void **state);

/* Open the current test's database (fails the test on error). */
db_connection *db_test_open(void);

/* Pick the SQL of the backend under test. */
const char *db_test_sql(const char *sqlite_sql, const char *postgresql_sql);

/* Groups of tests, each returning cmocka's failure count. */
int db_test_run_basic(void);
int db_test_run_transactions(void);   /* transactions and migrations */
int db_test_run_queue(void);
int db_test_run_concurrency(void);

#endif
