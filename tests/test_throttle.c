/* Tests for login throttling (core/throttle.h) on SQLite and on a real
 * PostgreSQL (tests/pg-harness.sh, URL in AW_TEST_POSTGRESQL_URL): the
 * sliding window, exponential lockout with its cap, resets, the address
 * counter, state kept over a reconnect (restart), two connections and two
 * processes sharing it, purging, and every error path.
 *   test_throttle sqlite|postgresql */
#include "testutil.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/throttle.h"

static bool use_postgresql;
static char base_url[1024];
static char temp_dir[512];
static char current_url[1100];
static unsigned test_counter;

#define T0 1700000000000LL /* a fixed "now" in ms */
#define SECOND 1000LL
#define MINUTE (60 * SECOND)

/* 3 account / 5 address failures in 10 minutes; 60 s doubling to 300 s;
 * forgotten after 1 hour. */
static const throttle_policy policy = {.window_ms = 10 * MINUTE,
                                       .account_max_failures = 3,
                                       .address_max_failures = 5,
                                       .lockout_base_ms = 60 * SECOND,
                                       .lockout_max_ms = 300 * SECOND,
                                       .forget_ms = 60 * MINUTE};

static int setup(void **state)
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

static db_connection *open_db(void)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(current_url, NULL, &db), AW_OK);
    assert_int_equal(throttle_migrate(db), AW_OK);
    return db;
}

static throttle_status status_of(db_connection *db, throttle_scope scope, const char *subject,
                                 int64_t now)
{
    throttle_status s;
    assert_int_equal(throttle_get_status(db, &policy, scope, subject, now, &s), AW_OK);
    return s;
}

static aw_err record_failure(db_connection *db, const char *account, const char *address, int64_t now,
                   int64_t *retry)
{
    return throttle_record_failure(db, &policy, account, address, now, retry);
}

static void test_migrate(void **state)
{
    (void)state;
    db_connection *db = open_db();
    assert_int_equal(db_get_backend(db),
                     use_postgresql ? DB_BACKEND_POSTGRESQL : DB_BACKEND_SQLITE);
    assert_int_equal(throttle_migrate(db), AW_OK); /* once only */
    int64_t version = 0;
    assert_int_equal(db_schema_version(db, "throttle", &version), AW_OK);
    assert_int_equal(version, 1);
    assert_int_equal(throttle_migrate(NULL), AW_ERR_ARGUMENT);
    db_close(db);
}

static void test_account_lockout_doubles_to_cap(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = -1, now = T0;
    assert_int_equal(throttle_check(db, &policy, "alice", "192.0.2.1", now, &retry), AW_OK);
    assert_int_equal(retry, 0);
    /* lockouts of 60, 120, 240, then the 300 s cap */
    static const int64_t expected[] = {60, 120, 240, 300, 300};
    for (size_t round = 0; round < 5; round++) {
        /* a different address each time, so only the account counts */
        char address[32];
        for (int i = 0; i < 2; i++) {
            snprintf(address, sizeof(address), "192.0.2.%zu", 10 * round + (size_t)i);
            assert_int_equal(record_failure(db, "alice", address, now, &retry), AW_OK);
            assert_int_equal(retry, 0);
            now += SECOND;
        }
        assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "alice", now).failures, 2);
        assert_int_equal(record_failure(db, "alice", "198.51.100.1", now, &retry), AW_ERR_THROTTLE_LOCKED);
        assert_int_equal(retry, expected[round]);
        throttle_status s = status_of(db, THROTTLE_SCOPE_ACCOUNT, "alice", now);
        assert_int_equal(s.failures, 0); /* the count starts again */
        assert_int_equal(s.level, round + 1);
        assert_int_equal(s.locked_until_ms, now + expected[round] * SECOND);
        /* refused before the password is looked at, from any address */
        assert_int_equal(throttle_check(db, &policy, "alice", "203.0.113.9", now, &retry),
                         AW_ERR_THROTTLE_LOCKED);
        assert_int_equal(retry, expected[round]);
        /* rounded up: 0.5 s before the end still says 1 */
        assert_int_equal(throttle_check(db, &policy, "alice", "203.0.113.9",
                                         now + expected[round] * SECOND - 500, &retry),
                         AW_ERR_THROTTLE_LOCKED);
        assert_int_equal(retry, 1);
        /* failures while locked are not counted and do not extend the lock */
        assert_int_equal(record_failure(db, "alice", "203.0.113.9", now + 10 * SECOND, &retry),
                         AW_ERR_THROTTLE_LOCKED);
        assert_int_equal(retry, expected[round] - 10);
        /* another account is not affected */
        assert_int_equal(throttle_check(db, &policy, "bob", "203.0.113.9", now, &retry), AW_OK);
        now += expected[round] * SECOND;
        assert_int_equal(throttle_check(db, &policy, "alice", "203.0.113.9", now, &retry), AW_OK);
        assert_int_equal(retry, 0);
    }
    db_close(db);
}

static void test_sliding_window(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0;
    assert_int_equal(record_failure(db, "carol", "192.0.2.1", T0, &retry), AW_OK);
    assert_int_equal(record_failure(db, "carol", "192.0.2.2", T0 + 5 * MINUTE, &retry), AW_OK);
    /* at T0 + 10 min the first failure left the window */
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "carol", T0 + 10 * MINUTE).failures,
                     1);
    assert_int_equal(record_failure(db, "carol", "192.0.2.3", T0 + 10 * MINUTE, &retry), AW_OK);
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "carol", T0 + 10 * MINUTE).failures,
                     2);
    /* one millisecond earlier all three would have been in the window */
    assert_int_equal(record_failure(db, "carol", "192.0.2.4", T0 + 10 * MINUTE + 1, &retry),
                     AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 60);
    db_close(db);
}

static void test_success_resets_account_only(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0, now = T0;
    /* level 1 after one lockout */
    for (int i = 0; i < 3; i++)
        record_failure(db, "dave", "192.0.2.1", now, &retry);
    assert_int_equal(retry, 60);
    now += 60 * SECOND;
    assert_int_equal(record_failure(db, "dave", "192.0.2.1", now, &retry), AW_OK);
    assert_int_equal(record_failure(db, "dave", "192.0.2.2", now, &retry), AW_OK);
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ADDRESS, "192.0.2.1", now).failures, 4);
    /* the right password: account failures and level cleared */
    assert_int_equal(throttle_record_success(db, &policy, "dave", "192.0.2.1", now, &retry),
                     AW_OK);
    assert_int_equal(retry, 0);
    throttle_status s = status_of(db, THROTTLE_SCOPE_ACCOUNT, "dave", now);
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.level, 0);
    /* ... but not the address's */
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ADDRESS, "192.0.2.1", now).failures, 4);
    /* so the next lockout of the account is the base one again */
    record_failure(db, "dave", "192.0.2.3", now, &retry);
    record_failure(db, "dave", "192.0.2.3", now, &retry);
    assert_int_equal(record_failure(db, "dave", "192.0.2.3", now, &retry), AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 60);
    /* a success while locked (another process locked it meanwhile) is refused
     * and clears nothing */
    assert_int_equal(throttle_record_success(db, &policy, "dave", "192.0.2.9", now + SECOND,
                                             &retry),
                     AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 59);
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "dave", now).level, 1);
    db_close(db);
}

static void test_address_lockout(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0;
    /* one address guessing five accounts once each */
    char account[32];
    for (int i = 0; i < 4; i++) {
        snprintf(account, sizeof(account), "user%d", i);
        assert_int_equal(record_failure(db, account, "203.0.113.7", T0 + i, &retry), AW_OK);
    }
    assert_int_equal(record_failure(db, "user4", "203.0.113.7", T0 + 4, &retry), AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 60);
    /* any account from that address is refused; that account elsewhere is not */
    assert_int_equal(throttle_check(db, &policy, "erin", "203.0.113.7", T0 + 5, &retry),
                     AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(throttle_check(db, &policy, "erin", "203.0.113.8", T0 + 5, &retry), AW_OK);
    /* a success from the locked address is refused */
    assert_int_equal(throttle_record_success(db, &policy, "erin", "203.0.113.7", T0 + 5, &retry),
                     AW_ERR_THROTTLE_LOCKED);
    db_close(db);
}

static void test_level_forgotten(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0, now = T0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3; i++)
            record_failure(db, "frank", "192.0.2.1", now, &retry);
        now += retry * SECOND;
    }
    assert_int_equal(retry, 120);
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "frank", now).level, 2);
    /* quiet for just under forget_ms after the lock ended: level kept */
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "frank", now + 60 * MINUTE - 1).level,
                     2);
    now += 60 * MINUTE;
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ACCOUNT, "frank", now).level, 0);
    for (int i = 0; i < 3; i++)
        record_failure(db, "frank", "192.0.2.1", now, &retry);
    assert_int_equal(retry, 60);
    db_close(db);
}

/* A restart: the state is in the database, a new connection sees it. */
static void test_state_survives_reconnect(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0;
    for (int i = 0; i < 3; i++)
        record_failure(db, "grace", "192.0.2.1", T0, &retry);
    assert_int_equal(retry, 60);
    db_close(db);
    db = open_db();
    assert_int_equal(throttle_check(db, &policy, "grace", "192.0.2.50", T0 + 30 * SECOND, &retry),
                     AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 30);
    db_close(db);
}

/* Two connections (two processes' views) add to one count. */
static void test_two_connections_share(void **state)
{
    (void)state;
    db_connection *a = open_db();
    db_connection *b = open_db();
    int64_t retry = 0;
    assert_int_equal(record_failure(a, "heidi", "192.0.2.1", T0, &retry), AW_OK);
    assert_int_equal(record_failure(b, "heidi", "192.0.2.2", T0 + 1, &retry), AW_OK);
    assert_int_equal(record_failure(a, "heidi", "192.0.2.3", T0 + 2, &retry), AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(throttle_check(b, &policy, "heidi", "192.0.2.4", T0 + 3, &retry),
                     AW_ERR_THROTTLE_LOCKED);
    assert_int_equal(retry, 60);
    db_close(a);
    db_close(b);
}

/* Two processes record failures for one address at the same time: none is
 * lost (PostgreSQL row lock, SQLite write lock). */
#define CONCURRENT_FAILURES 40
static void test_two_processes(void **state)
{
    (void)state;
    static const throttle_policy wide = {.window_ms = 10 * MINUTE,
                                         .account_max_failures = 1000,
                                         .address_max_failures = 1000,
                                         .lockout_base_ms = 60 * SECOND,
                                         .lockout_max_ms = 300 * SECOND,
                                         .forget_ms = 60 * MINUTE};
    db_connection *db = open_db();
    pid_t pids[2];
    for (int child = 0; child < 2; child++) {
        pids[child] = fork();
        assert_true(pids[child] >= 0);
        if (pids[child] == 0) {
            db_connection *own = NULL;
            int rc = db_open(current_url, NULL, &own) == AW_OK ? 0 : 1;
            for (int i = 0; rc == 0 && i < CONCURRENT_FAILURES; i++) {
                int64_t retry = 0;
                aw_err err = throttle_record_failure(own, &wide, i % 2 ? "ivan" : "judy",
                                                     "198.51.100.7", T0 + i, &retry);
                if (err != AW_OK) {
                    fprintf(stderr, "child %d: %s (%s)\n", child, aw_err_name(err),
                            db_last_error(own));
                    rc = 1;
                }
            }
            db_close(own);
            _exit(rc);
        }
    }
    for (int child = 0; child < 2; child++) {
        int status = 0;
        assert_int_equal(waitpid(pids[child], &status, 0), pids[child]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    throttle_status s;
    assert_int_equal(throttle_get_status(db, &wide, THROTTLE_SCOPE_ADDRESS, "198.51.100.7",
                                         T0 + CONCURRENT_FAILURES, &s),
                     AW_OK);
    assert_int_equal(s.failures, 2 * CONCURRENT_FAILURES);
    assert_int_equal(throttle_get_status(db, &wide, THROTTLE_SCOPE_ACCOUNT, "ivan",
                                         T0 + CONCURRENT_FAILURES, &s),
                     AW_OK);
    assert_int_equal(s.failures, CONCURRENT_FAILURES);
    db_close(db);
}

static void test_purge(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 0, removed = -1;
    record_failure(db, "kim", "192.0.2.1", T0, &retry);
    record_failure(db, "lee", "192.0.2.1", T0 + 20 * MINUTE, &retry);
    /* at T0 + 20 min kim's account failure left the window (the address's
     * went when lee's failure slid the address window); no row is quiet */
    assert_int_equal(throttle_purge(db, &policy, T0 + 20 * MINUTE, &removed), AW_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(status_of(db, THROTTLE_SCOPE_ADDRESS, "192.0.2.1", T0 + 20 * MINUTE).failures,
                     1);
    /* an hour after kim's failure: kim's lock row, lee's two failures */
    assert_int_equal(throttle_purge(db, &policy, T0 + 60 * MINUTE, &removed), AW_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM aw_throttle_lock", NULL, 0,
                                    &removed),
                     AW_OK);
    assert_int_equal(removed, 2); /* lee and the address */
    assert_int_equal(throttle_purge(db, &policy, T0 + 200 * MINUTE, NULL), AW_OK);
    int64_t rows = -1;
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM aw_throttle_lock", NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM aw_throttle_failure", NULL, 0,
                                    &rows),
                     AW_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(throttle_purge(NULL, &policy, T0, &removed), AW_ERR_ARGUMENT);
    throttle_policy bad = policy;
    bad.window_ms = 0;
    assert_int_equal(throttle_purge(db, &bad, T0, &removed), AW_ERR_THROTTLE_POLICY);
    db_close(db);
}

static void test_errors(void **state)
{
    (void)state;
    db_connection *db = open_db();
    int64_t retry = 7;
    /* every invalid policy field */
    throttle_policy bad[9];
    for (size_t i = 0; i < 9; i++)
        bad[i] = policy;
    bad[0].window_ms = 999;
    bad[1].window_ms = THROTTLE_DURATION_MAX + 1;
    bad[2].account_max_failures = 0;
    bad[3].address_max_failures = THROTTLE_FAILURES_MAX + 1;
    bad[4].lockout_base_ms = 999;
    bad[5].lockout_max_ms = policy.lockout_base_ms - 1;
    bad[6].forget_ms = policy.window_ms - 1;
    bad[7].account_max_failures = THROTTLE_FAILURES_MAX + 1;
    bad[8].address_max_failures = 0;
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(throttle_policy_check(&bad[i]), AW_ERR_THROTTLE_POLICY);
        assert_int_equal(throttle_check(db, &bad[i], "a", "b", T0, &retry),
                         AW_ERR_THROTTLE_POLICY);
        assert_int_equal(retry, 0);
        assert_int_equal(throttle_record_failure(db, &bad[i], "a", "b", T0, &retry),
                         AW_ERR_THROTTLE_POLICY);
        assert_int_equal(throttle_record_success(db, &bad[i], "a", "b", T0, &retry),
                         AW_ERR_THROTTLE_POLICY);
    }
    assert_int_equal(throttle_policy_check(NULL), AW_ERR_THROTTLE_POLICY);
    const throttle_policy def = THROTTLE_POLICY_DEFAULT;
    assert_int_equal(throttle_policy_check(&def), AW_OK);
    /* subjects: NULL, empty, over THROTTLE_SUBJECT_MAX */
    char long_subject[THROTTLE_SUBJECT_MAX + 2];
    memset(long_subject, 'x', sizeof(long_subject) - 1);
    long_subject[sizeof(long_subject) - 1] = '\0';
    const char *const bad_subjects[] = {NULL, "", long_subject};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(throttle_check(db, &policy, bad_subjects[i], "b", T0, &retry),
                         AW_ERR_ARGUMENT);
        assert_int_equal(throttle_check(db, &policy, "a", bad_subjects[i], T0, &retry),
                         AW_ERR_ARGUMENT);
        assert_int_equal(record_failure(db, bad_subjects[i], "b", T0, &retry), AW_ERR_ARGUMENT);
        assert_int_equal(throttle_record_success(db, &policy, "a", bad_subjects[i], T0, &retry),
                         AW_ERR_ARGUMENT);
    }
    long_subject[THROTTLE_SUBJECT_MAX] = '\0'; /* exactly the bound is fine */
    assert_int_equal(throttle_check(db, &policy, long_subject, "b", T0, &retry), AW_OK);
    assert_int_equal(throttle_check(NULL, &policy, "a", "b", T0, &retry), AW_ERR_ARGUMENT);
    assert_int_equal(throttle_check(db, &policy, "a", "b", T0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(record_failure(db, "a", "b", T0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(throttle_record_success(db, &policy, "a", "b", T0, NULL), AW_ERR_ARGUMENT);
    throttle_status s;
    assert_int_equal(throttle_get_status(db, &policy, (throttle_scope)3, "a", T0, &s),
                     AW_ERR_ARGUMENT);
    assert_int_equal(throttle_get_status(db, &policy, THROTTLE_SCOPE_ACCOUNT, "", T0, &s),
                     AW_ERR_ARGUMENT);
    assert_int_equal(throttle_get_status(db, &bad[0], THROTTLE_SCOPE_ACCOUNT, "a", T0, &s),
                     AW_ERR_THROTTLE_POLICY);
    /* inside an open transaction: the database refuses a nested BEGIN */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(record_failure(db, "a", "b", T0, &retry), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    db_close(db);
    /* without the tables */
    setup(NULL);
    db = NULL;
    assert_int_equal(db_open(current_url, NULL, &db), AW_OK);
    assert_int_equal(throttle_check(db, &policy, "a", "b", T0, &retry), AW_ERR_DB_SCHEMA);
    assert_int_equal(record_failure(db, "a", "b", T0, &retry), AW_ERR_DB_SCHEMA);
    db_close(db);
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
        fprintf(stderr, "usage: test_throttle sqlite|postgresql\n");
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
    snprintf(temp_dir, sizeof(temp_dir), "%s/aw-throttle-test.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_migrate, setup),
        cmocka_unit_test_setup(test_account_lockout_doubles_to_cap, setup),
        cmocka_unit_test_setup(test_sliding_window, setup),
        cmocka_unit_test_setup(test_success_resets_account_only, setup),
        cmocka_unit_test_setup(test_address_lockout, setup),
        cmocka_unit_test_setup(test_level_forgotten, setup),
        cmocka_unit_test_setup(test_state_survives_reconnect, setup),
        cmocka_unit_test_setup(test_two_connections_share, setup),
        cmocka_unit_test_setup(test_two_processes, setup),
        cmocka_unit_test_setup(test_purge, setup),
        cmocka_unit_test_setup(test_errors, setup),
    };
    int failed = cmocka_run_group_tests_name(use_postgresql ? "throttle (postgresql)"
                                                            : "throttle (sqlite)",
                                             tests, NULL, NULL);
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed;
}
