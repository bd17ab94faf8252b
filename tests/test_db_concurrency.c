/* Multi-process tests of the database layer, as several airwrited processes
 * sharing one database would run: forked workers claiming from one queue
 * (every job processed exactly once), a worker killed holding a lease (its
 * job is reclaimed after expiry), a worker killed inside its claim
 * transaction (nothing kept, nothing left locked), and processes migrating
 * at the same time (each migration applied once). On SQLite and PostgreSQL
 * (see test_db.c).
 *
 * Children open their own connections (never the parent's), report through
 * their exit status, and leave with _exit; every loop is bounded in count
 * and time, and the parent kills any child still running at its deadline. */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db_queue.h"
#include "db_testutil.h"

#define WORKERS 4
#define JOBS 200
#define CHILD_DEADLINE_MS 60000
#define PARENT_DEADLINE_MS 120000

/* Child exit statuses (0: success). */
enum {
    CHILD_OPEN = 10,
    CHILD_CLAIM,
    CHILD_DUPLICATE, /* a job was handed out twice */
    CHILD_PROCESS,
    CHILD_TIMEOUT,
    CHILD_MIGRATE,
};

static db_connection *child_open(void)
{
    db_connection *db = NULL;
    db_options options = {.busy_timeout_ms = 10000};
    return db_open(db_test_url(), &options, &db) == AW_OK ? db : NULL;
}

/* Block until the parent closes the start pipe, so all children begin at once. */
static void wait_for_start(int fd)
{
    char c;
    while (read(fd, &c, 1) > 0)
        ;
    close(fd);
}

/* Record the job as processed and complete it in one transaction. */
static int process_job(db_connection *db, const db_job *job, const char *worker)
{
    db_param row[2] = {DB_PARAM_INT64(job->id), DB_PARAM_TEXT(worker)};
    aw_err err = db_begin(db);
    if (err == AW_OK)
        err = db_execute(db, "INSERT INTO processed (job_id, worker) VALUES (?, ?)", row, 2, NULL);
    if (err == AW_ERR_DB_UNIQUE) {
        (void)db_rollback(db);
        return CHILD_DUPLICATE;
    }
    if (err == AW_OK)
        err = db_queue_complete(db, job->id, worker, db_clock_ms());
    if (err == AW_OK)
        return db_commit(db) == AW_OK ? 0 : CHILD_PROCESS;
    if (db_in_transaction(db))
        (void)db_rollback(db);
    return CHILD_PROCESS;
}

static int worker_main(int start_fd, const char *worker)
{
    wait_for_start(start_fd);
    db_connection *db = child_open();
    if (db == NULL)
        return CHILD_OPEN;
    int64_t deadline = db_clock_ms() + CHILD_DEADLINE_MS;
    int status = CHILD_TIMEOUT;
    for (int round = 0; round < 10 * JOBS && db_clock_ms() < deadline; round++) {
        db_job *jobs = NULL;
        size_t count = 0;
        aw_err err = db_queue_claim(db, "conc", worker, 5, 30000, db_clock_ms(), &jobs, &count);
        if (err == AW_ERR_DB_BUSY)
            continue;
        if (err != AW_OK) {
            status = CHILD_CLAIM;
            break;
        }
        if (count == 0) { /* drained: the rest is held by others */
            status = 0;
            break;
        }
        int result = 0;
        for (size_t i = 0; i < count && result == 0; i++) {
            /* The job's work, outside any transaction, as a real handler's
             * network exchange would be: lets the other workers in. */
            usleep(1000);
            result = process_job(db, &jobs[i], worker);
        }
        db_jobs_free(jobs, count);
        if (result != 0) {
            status = result;
            break;
        }
    }
    db_close(db);
    return status;
}

/* Fork n children running body(start_fd, name), release them together, and
 * collect their exit statuses (killing them at the deadline). */
static void run_children(int n, int (*body)(int, const char *), int *statuses)
{
    int start[2];
    assert_int_equal(pipe(start), 0);
    pid_t pids[WORKERS];
    assert_true(n <= WORKERS);
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(start[1]);
            char name[32];
            snprintf(name, sizeof(name), "worker-%d", i);
            _exit(body(start[0], name));
        }
    }
    close(start[0]);
    close(start[1]); /* go */
    int64_t deadline = db_clock_ms() + PARENT_DEADLINE_MS;
    int remaining = n;
    for (int i = 0; i < n; i++)
        statuses[i] = -1;
    while (remaining > 0) {
        int wstatus = 0;
        pid_t pid = waitpid(-1, &wstatus, WNOHANG);
        if (pid > 0) {
            for (int i = 0; i < n; i++)
                if (pids[i] == pid)
                    statuses[i] = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128;
            remaining--;
        } else if (db_clock_ms() > deadline) {
            for (int i = 0; i < n; i++)
                if (statuses[i] == -1)
                    kill(pids[i], SIGKILL);
            while (waitpid(-1, NULL, 0) > 0)
                ;
            fail_msg("children still running at the deadline");
        } else {
            usleep(10000);
        }
    }
}

static int64_t count_of(db_connection *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(db, sql, NULL, 0, &n), AW_OK);
    return n;
}

static void test_workers_process_each_job_once(void **state)
{
    (void)state;
    db_connection *db = db_test_open();
    assert_int_equal(db_queue_migrate(db), AW_OK);
    assert_int_equal(db_execute(db,
                                "CREATE TABLE processed (job_id BIGINT PRIMARY KEY,"
                                " worker TEXT NOT NULL)",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(db_begin(db), AW_OK);
    int64_t now = db_clock_ms();
    for (int i = 0; i < JOBS; i++) {
        char payload[16];
        snprintf(payload, sizeof(payload), "job %d", i);
        db_job_spec spec = {.queue = "conc", .kind = "k", .payload = payload,
                            .payload_len = strlen(payload)};
        int64_t id = 0;
        assert_int_equal(db_queue_enqueue(db, &spec, now, &id, NULL), AW_OK);
    }
    assert_int_equal(db_commit(db), AW_OK);
    db_close(db); /* never shared with the children */

    int statuses[WORKERS];
    int64_t started = db_clock_ms();
    run_children(WORKERS, worker_main, statuses);
    int64_t elapsed = db_clock_ms() - started;
    for (int i = 0; i < WORKERS; i++) {
        if (statuses[i] != 0)
            print_error("worker %d exited with %d\n", i, statuses[i]);
        assert_int_equal(statuses[i], 0);
    }
    db = db_test_open();
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM processed"), JOBS);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM job_queue WHERE state = 2"), JOBS);
    int64_t workers = count_of(db, "SELECT COUNT(DISTINCT worker) FROM processed");
    print_message("  %d jobs processed once each by %lld workers in %lld ms\n", JOBS,
                  (long long)workers, (long long)elapsed);
    assert_true(workers >= 2);
    db_close(db);
}

/* Enqueue one job, fork a worker that claims it (inside a transaction it
 * never commits, or committed) and reports the job id, then SIGKILL it
 * mid-"work". Returns the job's id. */
static int64_t claim_then_get_killed(bool inside_transaction)
{
    db_connection *db = db_test_open();
    assert_int_equal(db_queue_migrate(db), AW_OK);
    db_job_spec spec = {.queue = "conc", .kind = "k", .payload = "p", .payload_len = 1};
    int64_t id = 0;
    assert_int_equal(db_queue_enqueue(db, &spec, db_clock_ms(), &id, NULL), AW_OK);
    db_close(db);

    int report[2];
    assert_int_equal(pipe(report), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(report[0]);
        db_connection *child = child_open();
        db_job *jobs = NULL;
        size_t count = 0;
        if (child == NULL || (inside_transaction && db_begin(child) != AW_OK) ||
            db_queue_claim(child, "conc", "victim", 1, 2000, db_clock_ms(), &jobs, &count) != AW_OK ||
            count != 1)
            _exit(CHILD_CLAIM);
        int64_t claimed = jobs[0].id;
        if (write(report[1], &claimed, sizeof(claimed)) != (ssize_t)sizeof(claimed))
            _exit(CHILD_PROCESS);
        /* "Work" until killed; bounded in case the parent is gone. */
        for (int i = 0; i < 300; i++)
            usleep(100000);
        _exit(CHILD_TIMEOUT);
    }
    close(report[1]);
    int64_t claimed = 0;
    ssize_t got = read(report[0], &claimed, sizeof(claimed));
    close(report[0]);
    kill(pid, SIGKILL);
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_int_equal(got, (ssize_t)sizeof(claimed));
    assert_true(claimed == id);
    assert_true(WIFSIGNALED(wstatus));
    return id;
}

/* A worker SIGKILLed while holding a lease: its job stays leased until the
 * lease expires, then another worker claims it (attempt 2) and completes it. */
static void test_killed_worker_job_reclaimed(void **state)
{
    (void)state;
    int64_t id = claim_then_get_killed(false);
    db_connection *db = db_test_open();
    db_job_info info;
    assert_int_equal(db_queue_get_job(db, id, &info), AW_OK);
    assert_int_equal(info.state, DB_JOB_RUNNING);
    assert_string_equal(info.worker, "victim");
    db_job *jobs = NULL;
    size_t count = 9;
    assert_int_equal(db_queue_claim(db, "conc", "rescuer", 5, 1000, info.lease_until_ms - 1, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, 0);
    assert_int_equal(db_queue_claim(db, "conc", "rescuer", 5, 1000, info.lease_until_ms, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_true(jobs[0].id == id);
    assert_int_equal(jobs[0].attempt, 2);
    db_jobs_free(jobs, count);
    assert_int_equal(db_queue_complete(db, id, "rescuer", info.lease_until_ms + 10), AW_OK);
    assert_int_equal(db_queue_get_job(db, id, &info), AW_OK);
    assert_int_equal(info.state, DB_JOB_DONE);
    db_close(db);
}

/* A worker SIGKILLed in the middle of its claim transaction (holding
 * SQLite's write lock, or an open PostgreSQL transaction with row locks):
 * nothing it did is kept and nothing stays locked. */
static void test_killed_inside_transaction(void **state)
{
    (void)state;
    int64_t id = claim_then_get_killed(true);
    /* At once claimable (no lease to wait for: the claim never committed). */
    db_connection *db = db_test_open();
    db_job *jobs = NULL;
    size_t count = 0;
    aw_err err = AW_ERR_DB_BUSY;
    /* PostgreSQL notices the dead client a moment later: bounded retry. */
    for (int i = 0; i < 100 && (err != AW_OK || count == 0); i++) {
        err = db_queue_claim(db, "conc", "rescuer", 1, 1000, db_clock_ms(), &jobs, &count);
        if (err != AW_OK || count == 0)
            usleep(20000);
    }
    assert_int_equal(err, AW_OK);
    assert_int_equal(count, 1);
    assert_true(jobs[0].id == id);
    assert_int_equal(jobs[0].attempt, 1);
    db_jobs_free(jobs, count);
    db_close(db);
}

static const db_migration concurrent_migrations[] = {
    {1, "table", "CREATE TABLE registry (id INTEGER PRIMARY KEY, eid TEXT NOT NULL)",
     "CREATE TABLE registry (id BIGSERIAL PRIMARY KEY, eid TEXT NOT NULL)"},
    {2, "first row", "INSERT INTO registry (eid) VALUES ('89049032000000000000000000000001')",
     "INSERT INTO registry (eid) VALUES ('89049032000000000000000000000001')"},
    {3, "index", "CREATE INDEX registry_eid ON registry (eid)",
     "CREATE INDEX registry_eid ON registry (eid)"},
};

static int migrator_main(int start_fd, const char *worker)
{
    (void)worker;
    wait_for_start(start_fd);
    db_connection *db = child_open();
    if (db == NULL)
        return CHILD_OPEN;
    int64_t version = 0;
    aw_err err = db_migrate(db, "registry", concurrent_migrations, 3, &version);
    db_close(db);
    return err == AW_OK && version == 3 ? 0 : CHILD_MIGRATE;
}

static void test_concurrent_migrations_apply_once(void **state)
{
    (void)state;
    db_connection *db = db_test_open(); /* creates the SQLite file first */
    db_close(db);
    int statuses[WORKERS];
    run_children(WORKERS, migrator_main, statuses);
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(statuses[i], 0);
    db = db_test_open();
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM schema_migrations"
                                  " WHERE component = 'registry'"),
                     3);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM registry"), 1);
    db_close(db);
}

/* SQLite: a second connection of this process to an existing database
 * must not release the first one's file locks (closing any descriptor of a
 * file drops all of a process's POSIX locks on it). When it did, another
 * process closing its connection took itself for the last one and deleted
 * the WAL: this process went on committing into a deleted file, unseen by
 * others and lost at restart (found with airwrite-platform serve and the
 * CLI's app-limits). */
static void test_sqlite_second_open_keeps_locks(void **state)
{
    (void)state;
    if (db_test_is_postgresql())
        return;
    db_connection *a = db_test_open();
    assert_int_equal(db_execute(a, "CREATE TABLE seen (id INTEGER PRIMARY KEY)", NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(db_execute(a, "INSERT INTO seen (id) VALUES (1)", NULL, 0, NULL), AW_OK);
    db_connection *b = db_test_open(); /* as the platform's delivery worker opens its own */
    /* Another program, not a fork: a forked child inherits this process's
     * SQLite bookkeeping and would never take itself for the last user. */
    const char *path = db_test_url() + strlen("sqlite:");
    char command[800];
    snprintf(command, sizeof(command),
             "/usr/bin/python3 -c 'import sqlite3, sys\n"
             "c = sqlite3.connect(sys.argv[1])\n"
             "c.execute(\"INSERT INTO seen (id) VALUES (2)\")\n"
             "c.commit()\n"
             "c.close()' '%s'",
             path);
    assert_int_equal(system(command), 0);
    char wal[600];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0); /* still there: a and b are open */
    int64_t count = 0;
    assert_int_equal(db_query_int64(a, "SELECT COUNT(*) FROM seen", NULL, 0, &count), AW_OK);
    assert_int_equal(count, 2);
    /* what a commits now is seen by a fresh connection */
    assert_int_equal(db_execute(a, "INSERT INTO seen (id) VALUES (3)", NULL, 0, NULL), AW_OK);
    db_connection *fresh = db_test_open();
    assert_int_equal(db_query_int64(fresh, "SELECT COUNT(*) FROM seen", NULL, 0, &count), AW_OK);
    assert_int_equal(count, 3);
    db_close(fresh);
    db_close(b);
    db_close(a);
}

int db_test_run_concurrency(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_workers_process_each_job_once, db_test_setup),
        cmocka_unit_test_setup(test_killed_worker_job_reclaimed, db_test_setup),
        cmocka_unit_test_setup(test_killed_inside_transaction, db_test_setup),
        cmocka_unit_test_setup(test_concurrent_migrations_apply_once, db_test_setup),
        cmocka_unit_test_setup(test_sqlite_second_open_keeps_locks, db_test_setup),
    };
    return cmocka_run_group_tests_name(db_test_is_postgresql() ? "db concurrency (postgresql)"
                                                               : "db concurrency (sqlite)",
                                       tests, NULL, NULL);
}
