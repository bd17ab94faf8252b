/* Tests of the database job queue (src/core/db_queue.h) in one process:
 * enqueue and dedupe, claim, complete, fail with retry and backoff, dead
 * jobs, leases (extend, expiry, reclaim), batch enqueue (all or nothing) and
 * argument errors, on SQLite and PostgreSQL (see test_db.c). Times are given
 * explicitly, so nothing sleeps. */
#include "core/db_queue.h"
#include "db_testutil.h"

#define T0 1700000000000LL /* an arbitrary "now" in ms */

static db_connection *open_queue(void)
{
    db_connection *db = db_test_open();
    assert_int_equal(db_queue_migrate(db), AW_OK);
    return db;
}

static int64_t enqueue(db_connection *db, const char *kind, const char *payload,
                       const char *dedupe_key, int64_t run_after, bool expect_created)
{
    db_job_spec spec = {
        .queue = "test",
        .kind = kind,
        .payload = payload,
        .payload_len = payload ? strlen(payload) : 0,
        .run_after_ms = run_after,
        .dedupe_key = dedupe_key,
        .max_attempts = 3,
        .backoff_ms = 100,
    };
    int64_t id = 0;
    bool created = !expect_created;
    assert_int_equal(db_queue_enqueue(db, &spec, T0, &id, &created), AW_OK);
    assert_true(id > 0);
    assert_int_equal(created, expect_created);
    return id;
}

static db_job_info job_info(db_connection *db, int64_t id)
{
    db_job_info info;
    assert_int_equal(db_queue_get_job(db, id, &info), AW_OK);
    return info;
}

static size_t claim(db_connection *db, const char *worker, size_t limit, int64_t lease_ms,
                    int64_t now, db_job **jobs)
{
    size_t count = 99;
    assert_int_equal(db_queue_claim(db, "test", worker, limit, lease_ms, now, jobs, &count),
                     AW_OK);
    if (count == 0)
        assert_null(*jobs);
    return count;
}

static void test_enqueue_claim_complete(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    /* Migrating the queue again at the next start-up changes nothing. */
    assert_int_equal(db_queue_migrate(db), AW_OK);
    int64_t id = enqueue(db, "download", "payload\x01\x02", NULL, 0, true);
    db_job_info info = job_info(db, id);
    assert_int_equal(info.state, DB_JOB_READY);
    assert_int_equal(info.attempts, 0);
    assert_true(info.run_after_ms == T0);

    db_job *jobs = NULL;
    assert_int_equal(claim(db, "worker-a", 10, 5000, T0, &jobs), 1);
    assert_true(jobs[0].id == id);
    assert_string_equal(jobs[0].kind, "download");
    assert_int_equal(jobs[0].payload_len, 9);
    assert_memory_equal(jobs[0].payload, "payload\x01\x02", 9);
    assert_null(jobs[0].dedupe_key);
    assert_int_equal(jobs[0].attempt, 1);
    assert_int_equal(jobs[0].max_attempts, 3);
    assert_true(jobs[0].lease_until_ms == T0 + 5000);
    db_jobs_free(jobs, 1);

    info = job_info(db, id);
    assert_int_equal(info.state, DB_JOB_RUNNING);
    assert_string_equal(info.worker, "worker-a");
    assert_true(info.lease_until_ms == T0 + 5000);
    /* Nothing more to claim. */
    assert_int_equal(claim(db, "worker-b", 10, 5000, T0, &jobs), 0);

    /* Only the lease holder completes it, once. */
    assert_int_equal(db_queue_complete(db, id, "worker-b", T0 + 10), AW_ERR_DB_NOT_FOUND);
    assert_int_equal(db_queue_complete(db, id, "worker-a", T0 + 10), AW_OK);
    assert_int_equal(db_queue_complete(db, id, "worker-a", T0 + 20), AW_ERR_DB_NOT_FOUND);
    info = job_info(db, id);
    assert_int_equal(info.state, DB_JOB_DONE);
    assert_string_equal(info.worker, "");
    assert_int_equal(info.lease_until_ms, 0);
    /* The done job's payload is gone. */
    db_param key = DB_PARAM_INT64(id);
    int64_t len = -1;
    assert_int_equal(db_query_int64(db, db_test_sql("SELECT length(payload) FROM job_queue WHERE id = ?",
                                                    "SELECT octet_length(payload) FROM job_queue WHERE id = ?"),
                                    &key, 1, &len),
                     AW_OK);
    assert_int_equal(len, 0);
    int64_t count = -1;
    assert_int_equal(db_queue_count(db, "test", DB_JOB_DONE, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(db_queue_get_job(db, id + 1000, &info), AW_ERR_DB_NOT_FOUND);
    db_close(db);
}

static void test_dedupe(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t first = enqueue(db, "notify", "a", "order-17", 0, true);
    /* Same key: the same job, nothing added, even after it is done. */
    assert_true(enqueue(db, "notify", "b", "order-17", 0, false) == first);
    db_job *jobs = NULL;
    assert_int_equal(claim(db, "w", 10, 1000, T0, &jobs), 1);
    assert_string_equal(jobs[0].dedupe_key, "order-17");
    db_jobs_free(jobs, 1);
    assert_int_equal(db_queue_complete(db, first, "w", T0), AW_OK);
    assert_true(enqueue(db, "notify", "c", "order-17", 0, false) == first);
    /* Without a key every enqueue is a new job. */
    int64_t a = enqueue(db, "notify", "x", NULL, 0, true);
    int64_t b = enqueue(db, "notify", "x", NULL, 0, true);
    assert_true(a != b);
    /* Keys are per queue. */
    db_job_spec other = {.queue = "other", .kind = "notify", .dedupe_key = "order-17"};
    int64_t id = 0;
    bool created = false;
    assert_int_equal(db_queue_enqueue(db, &other, T0, &id, &created), AW_OK);
    assert_true(created);
    assert_true(id != first);
    /* Purging done jobs frees their keys. */
    int64_t deleted = 0;
    assert_int_equal(db_queue_purge_done(db, "test", T0, &deleted), AW_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(db_queue_purge_done(db, "test", T0 + 1, &deleted), AW_OK);
    assert_int_equal(deleted, 1);
    assert_true(enqueue(db, "notify", "d", "order-17", 0, true) != first);
    db_close(db);
}

static void test_enqueue_in_rolled_back_transaction(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    assert_int_equal(db_begin(db), AW_OK);
    int64_t id = enqueue(db, "k", "p", "tx-key", 0, true);
    assert_int_equal(db_rollback(db), AW_OK);
    db_job_info info;
    assert_int_equal(db_queue_get_job(db, id, &info), AW_ERR_DB_NOT_FOUND);
    /* Claiming inside the caller's transaction uses it. */
    enqueue(db, "k", "p", "tx-key", 0, true);
    assert_int_equal(db_begin(db), AW_OK);
    db_job *jobs = NULL;
    assert_int_equal(claim(db, "w", 1, 1000, T0, &jobs), 1);
    db_jobs_free(jobs, 1);
    assert_int_equal(db_rollback(db), AW_OK);
    int64_t ready = 0;
    assert_int_equal(db_queue_count(db, "test", DB_JOB_READY, &ready), AW_OK);
    assert_int_equal(ready, 1);
    db_close(db);
}

static void test_due_time_and_order(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t late = enqueue(db, "k", "late", NULL, T0 + 1000, true);
    int64_t early = enqueue(db, "k", "early", NULL, T0 - 500, true);
    int64_t now = enqueue(db, "k", "now", NULL, 0, true);
    db_job *jobs = NULL;
    /* Oldest run_after first, limited. */
    assert_int_equal(claim(db, "w", 1, 100000, T0, &jobs), 1);
    assert_true(jobs[0].id == early);
    db_jobs_free(jobs, 1);
    assert_int_equal(claim(db, "w", 5, 100000, T0, &jobs), 1);
    assert_true(jobs[0].id == now);
    db_jobs_free(jobs, 1);
    /* Not due yet. */
    assert_int_equal(claim(db, "w", 5, 100000, T0 + 999, &jobs), 0);
    assert_int_equal(claim(db, "w", 5, 100000, T0 + 1000, &jobs), 1);
    assert_true(jobs[0].id == late);
    db_jobs_free(jobs, 1);
    db_close(db);
}

static void test_fail_retry_backoff_dead(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t id = enqueue(db, "k", "p", NULL, 0, true); /* 3 attempts, backoff 100 ms */
    db_job *jobs = NULL;
    db_job_state st = DB_JOB_DONE;
    int64_t now = T0;
    /* Attempt 1 fails: retry after 100 ms; attempt 2: after 200 ms. */
    for (int64_t attempt = 1; attempt <= 2; attempt++) {
        assert_int_equal(claim(db, "w", 1, 1000, now, &jobs), 1);
        assert_int_equal(jobs[0].attempt, attempt);
        db_jobs_free(jobs, 1);
        assert_int_equal(db_queue_fail(db, id, "w", now, AW_ERR_HTTP_TIMEOUT, true, &st), AW_OK);
        assert_int_equal(st, DB_JOB_READY);
        int64_t delay = 100 << (attempt - 1);
        db_job_info info = job_info(db, id);
        assert_int_equal(info.state, DB_JOB_READY);
        assert_true(info.run_after_ms == now + delay);
        assert_int_equal(info.last_error, AW_ERR_HTTP_TIMEOUT);
        assert_int_equal(claim(db, "w", 1, 1000, now + delay - 1, &jobs), 0);
        now += delay;
    }
    /* Attempt 3 of 3 fails: dead, never claimed again. */
    assert_int_equal(claim(db, "w", 1, 1000, now, &jobs), 1);
    assert_int_equal(jobs[0].attempt, 3);
    db_jobs_free(jobs, 1);
    assert_int_equal(db_queue_fail(db, id, "w", now, 42, true, &st), AW_OK);
    assert_int_equal(st, DB_JOB_DEAD);
    db_job_info info = job_info(db, id);
    assert_int_equal(info.state, DB_JOB_DEAD);
    assert_int_equal(info.attempts, 3);
    assert_int_equal(info.last_error, 42);
    assert_int_equal(claim(db, "w", 1, 1000, now + 10000000, &jobs), 0);
    /* Failing it again: no longer leased. */
    assert_int_equal(db_queue_fail(db, id, "w", now, 42, true, &st), AW_ERR_DB_NOT_FOUND);

    /* A permanent failure is dead at once. */
    int64_t other = enqueue(db, "k", "p", NULL, 0, true);
    assert_int_equal(claim(db, "w", 1, 1000, now, &jobs), 1);
    db_jobs_free(jobs, 1);
    assert_int_equal(db_queue_fail(db, other, "x", now, 7, false, &st), AW_ERR_DB_NOT_FOUND);
    assert_int_equal(db_queue_fail(db, other, "w", now, 7, false, &st), AW_OK);
    assert_int_equal(st, DB_JOB_DEAD);
    int64_t dead = 0;
    assert_int_equal(db_queue_count(db, "test", DB_JOB_DEAD, &dead), AW_OK);
    assert_int_equal(dead, 2);
    db_close(db);
}

static void test_backoff_cap(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    db_job_spec spec = {.queue = "test", .kind = "k", .max_attempts = 100,
                        .backoff_ms = DB_QUEUE_BACKOFF_CAP_MS / 2 + 1};
    int64_t id = 0;
    assert_int_equal(db_queue_enqueue(db, &spec, T0, &id, NULL), AW_OK);
    int64_t now = T0;
    db_job *jobs = NULL;
    for (int attempt = 1; attempt <= 3; attempt++) {
        assert_int_equal(claim(db, "w", 1, 1000, now, &jobs), 1);
        db_jobs_free(jobs, 1);
        assert_int_equal(db_queue_fail(db, id, "w", now, 1, true, NULL), AW_OK);
        int64_t want = attempt == 1 ? spec.backoff_ms : DB_QUEUE_BACKOFF_CAP_MS;
        assert_true(job_info(db, id).run_after_ms == now + want);
        now += want;
    }
    db_close(db);
}

static void test_lease_extend_and_expiry(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t id = enqueue(db, "k", "p", NULL, 0, true);
    db_job *jobs = NULL;
    assert_int_equal(claim(db, "a", 1, 1000, T0, &jobs), 1);
    db_jobs_free(jobs, 1);
    /* Held: nobody else gets it. */
    assert_int_equal(claim(db, "b", 1, 1000, T0 + 500, &jobs), 0);
    /* Extended at T0+900 to T0+1900. */
    assert_int_equal(db_queue_extend_lease(db, id, "b", 1000, T0 + 900), AW_ERR_DB_NOT_FOUND);
    assert_int_equal(db_queue_extend_lease(db, id, "a", 1000, T0 + 900), AW_OK);
    assert_true(job_info(db, id).lease_until_ms == T0 + 1900);
    assert_int_equal(claim(db, "b", 1, 1000, T0 + 1500, &jobs), 0);
    int64_t reclaimed = -1;
    assert_int_equal(db_queue_reclaim_expired(db, "test", T0 + 1899, &reclaimed), AW_OK);
    assert_int_equal(reclaimed, 0);
    /* Expired: b claims it (attempt 2); a has lost it. */
    assert_int_equal(claim(db, "b", 1, 1000, T0 + 1900, &jobs), 1);
    assert_true(jobs[0].id == id);
    assert_int_equal(jobs[0].attempt, 2);
    db_jobs_free(jobs, 1);
    assert_int_equal(db_queue_complete(db, id, "a", T0 + 1950), AW_ERR_DB_NOT_FOUND);
    assert_int_equal(db_queue_extend_lease(db, id, "a", 1000, T0 + 1950), AW_ERR_DB_NOT_FOUND);
    assert_int_equal(db_queue_fail(db, id, "a", T0 + 1950, 1, true, NULL), AW_ERR_DB_NOT_FOUND);
    /* b's lease expires too: attempt 3 of 3 then expires: dead. */
    assert_int_equal(db_queue_reclaim_expired(db, "test", T0 + 2900, &reclaimed), AW_OK);
    assert_int_equal(reclaimed, 1);
    assert_int_equal(job_info(db, id).state, DB_JOB_READY);
    assert_int_equal(claim(db, "c", 1, 1000, T0 + 3000, &jobs), 1);
    assert_int_equal(jobs[0].attempt, 3);
    db_jobs_free(jobs, 1);
    assert_int_equal(db_queue_reclaim_expired(db, "test", T0 + 4000, &reclaimed), AW_OK);
    assert_int_equal(reclaimed, 1);
    assert_int_equal(job_info(db, id).state, DB_JOB_DEAD);
    assert_int_equal(claim(db, "c", 1, 1000, T0 + 5000, &jobs), 0);
    db_close(db);
}

static void test_queue_arguments(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t id = 0;
    char long_name[DB_QUEUE_NAME_MAX + 2];
    memset(long_name, 'q', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    char long_key[DB_QUEUE_DEDUPE_MAX + 2];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    const db_job_spec bad_specs[] = {
        {.queue = NULL, .kind = "k"},
        {.queue = "q", .kind = NULL},
        {.queue = "", .kind = "k"},
        {.queue = long_name, .kind = "k"},
        {.queue = "q", .kind = long_name},
        {.queue = "q", .kind = "k", .dedupe_key = long_key},
        {.queue = "q", .kind = "k", .dedupe_key = ""},
        {.queue = "q", .kind = "k", .payload = NULL, .payload_len = 1},
        {.queue = "q", .kind = "k", .max_attempts = -1},
        {.queue = "q", .kind = "k", .backoff_ms = -1},
        {.queue = "q", .kind = "k", .run_after_ms = -1},
    };
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++)
        assert_int_equal(db_queue_enqueue(db, &bad_specs[i], T0, &id, NULL), AW_ERR_ARGUMENT);
    /* The size is checked before the payload is read. */
    const db_job_spec huge = {.queue = "q", .kind = "k", .payload = "x",
                              .payload_len = DB_QUEUE_PAYLOAD_MAX + 1};
    assert_int_equal(db_queue_enqueue(db, &huge, T0, &id, NULL), AW_ERR_LIMIT);
    const db_job_spec good = {.queue = "q", .kind = "k"};
    assert_int_equal(db_queue_enqueue(db, &good, -1, &id, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue(db, &good, T0, NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue(NULL, &good, T0, &id, NULL), AW_ERR_ARGUMENT);

    db_job *jobs = (db_job *)1;
    size_t count = 7;
    assert_int_equal(db_queue_claim(db, "q", "w", 0, 1000, T0, &jobs, &count), AW_ERR_ARGUMENT);
    assert_null(jobs);
    assert_int_equal(count, 0);
    assert_int_equal(db_queue_claim(db, "q", "w", DB_QUEUE_CLAIM_MAX + 1, 1000, T0, &jobs, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_claim(db, "q", "w", 1, 0, T0, &jobs, &count), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_claim(db, "q", "w", 1, INT64_MAX, T0, &jobs, &count),
                     AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_claim(db, "q", "", 1, 1000, T0, &jobs, &count), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_claim(db, "", "w", 1, 1000, T0, &jobs, &count), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_claim(db, "q", "w", 1, 1000, T0, NULL, &count), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_complete(db, 1, NULL, T0), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_complete(db, 1, "w", -1), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_fail(NULL, 1, "w", T0, 0, true, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_extend_lease(db, 1, "w", 0, T0), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_reclaim_expired(db, NULL, T0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_reclaim_expired(db, "q", -1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_get_job(db, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_count(db, NULL, DB_JOB_READY, &id), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_count(db, "q", DB_JOB_READY, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_purge_done(db, "", T0, NULL), AW_ERR_ARGUMENT);
    db_jobs_free(NULL, 0);
    /* Nothing was added by the refused calls. */
    assert_int_equal(db_queue_count(db, "q", DB_JOB_READY, &id), AW_OK);
    assert_int_equal(id, 0);
    db_close(db);
}

/* Jobs of db_queue_enqueue_batch: payload "job-<i>", run_after T0 + i % 3. */
static void batch_specs(db_job_spec *specs, char (*payloads)[32], size_t count)
{
    for (size_t i = 0; i < count; i++) {
        snprintf(payloads[i], sizeof(payloads[i]), "job-%zu", i);
        specs[i] = (db_job_spec){.queue = "test", .kind = i % 2 ? "odd" : "even",
                                 .payload = payloads[i], .payload_len = strlen(payloads[i]),
                                 .run_after_ms = T0 + (int64_t)(i % 3)};
    }
}

static int64_t ready_jobs(db_connection *db)
{
    int64_t count = -1;
    assert_int_equal(db_queue_count(db, "test", DB_JOB_READY, &count), AW_OK);
    return count;
}

static void test_enqueue_batch(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    /* three statements' worth: two full, one part */
    enum { COUNT = 2 * DB_QUEUE_BATCH_ROWS + 3 };
    db_job_spec specs[COUNT];
    char payloads[COUNT][32];
    batch_specs(specs, payloads, COUNT);
    /* an empty payload and the defaults in one of them */
    specs[5] = (db_job_spec){.queue = "test", .kind = "empty"};
    assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_OK);
    assert_int_equal(ready_jobs(db), COUNT);
    db_job *jobs = NULL;
    assert_int_equal(claim(db, "w", DB_QUEUE_CLAIM_MAX, 1000, T0 + 5, &jobs), COUNT);
    /* claimed by id, which follows specs' order */
    for (size_t i = 0; i < COUNT; i++) {
        const char *expected = i == 5 ? "" : payloads[i];
        assert_int_equal(jobs[i].payload_len, strlen(expected));
        assert_memory_equal(jobs[i].payload, expected, jobs[i].payload_len);
        assert_string_equal(jobs[i].kind, i == 5 ? "empty" : i % 2 ? "odd" : "even");
        assert_null(jobs[i].dedupe_key);
        assert_int_equal(jobs[i].attempt, 1);
        assert_int_equal(jobs[i].max_attempts, DB_QUEUE_DEFAULT_MAX_ATTEMPTS);
        if (i > 0)
            assert_true(jobs[i].id > jobs[i - 1].id);
    }
    db_job_info info = job_info(db, jobs[5].id);
    assert_true(info.run_after_ms == T0); /* 0: now */
    info = job_info(db, jobs[4].id);
    assert_true(info.run_after_ms == T0 + 1);
    /* the default backoff: the first retry waits DB_QUEUE_DEFAULT_BACKOFF_MS */
    assert_int_equal(db_queue_fail(db, jobs[5].id, "w", T0 + 10, 1, true, NULL), AW_OK);
    info = job_info(db, jobs[5].id);
    assert_true(info.run_after_ms == T0 + 10 + DB_QUEUE_DEFAULT_BACKOFF_MS);
    db_jobs_free(jobs, COUNT);
    db_close(db);
}

static void test_enqueue_batch_arguments(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    enum { COUNT = DB_QUEUE_BATCH_ROWS + 2 };
    db_job_spec specs[COUNT];
    char payloads[COUNT][32];
    batch_specs(specs, payloads, COUNT);
    assert_int_equal(db_queue_enqueue_batch(NULL, specs, COUNT, T0), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue_batch(db, NULL, COUNT, T0), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue_batch(db, specs, 0, T0), AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue_batch(db, specs, DB_QUEUE_BATCH_MAX + 1, T0),
                     AW_ERR_ARGUMENT);
    assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, -1), AW_ERR_ARGUMENT);
    /* one bad spec, after a statement's worth of good ones: nothing added */
    const db_job_spec bad[] = {
        {.queue = NULL, .kind = "k"},
        {.queue = "test", .kind = ""},
        {.queue = "test", .kind = "k", .payload = NULL, .payload_len = 1},
        {.queue = "test", .kind = "k", .max_attempts = -1},
        {.queue = "test", .kind = "k", .backoff_ms = -1},
        {.queue = "test", .kind = "k", .run_after_ms = -1},
        /* a key could already be there: refused, not half-added */
        {.queue = "test", .kind = "k", .dedupe_key = "key"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        db_job_spec saved = specs[COUNT - 1];
        specs[COUNT - 1] = bad[i];
        assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_ERR_ARGUMENT);
        specs[COUNT - 1] = saved;
    }
    specs[COUNT - 1].payload_len = DB_QUEUE_PAYLOAD_MAX + 1;
    assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_ERR_LIMIT);
    assert_int_equal(ready_jobs(db), 0);
    db_close(db);
}

/* A row the database refuses in the second statement: the first one's
 * rows are taken back too. */
static void test_enqueue_batch_all_or_nothing(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    if (db_test_is_postgresql()) {
        assert_int_equal(db_execute(db,
                                    "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                                    "IF NEW.kind = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; "
                                    "RETURN NEW; END $$ LANGUAGE plpgsql",
                                    NULL, 0, NULL),
                         AW_OK);
        assert_int_equal(db_execute(db,
                                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON job_queue FOR "
                                    "EACH ROW EXECUTE FUNCTION refuse_boom()",
                                    NULL, 0, NULL),
                         AW_OK);
    } else {
        assert_int_equal(db_execute(db,
                                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON job_queue "
                                    "WHEN NEW.kind = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); "
                                    "END",
                                    NULL, 0, NULL),
                         AW_OK);
    }
    enum { COUNT = DB_QUEUE_BATCH_ROWS + 2 };
    db_job_spec specs[COUNT];
    char payloads[COUNT][32];
    batch_specs(specs, payloads, COUNT);
    specs[COUNT - 1].kind = "boom";
    /* in its own transaction: rolled back, the connection usable */
    assert_int_not_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_OK);
    assert_false(db_in_transaction(db));
    assert_int_equal(ready_jobs(db), 0);
    /* in the caller's: left open for the caller to roll back */
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_not_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_OK);
    assert_true(db_in_transaction(db));
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(ready_jobs(db), 0);
    /* committed with the caller's transaction, or not at all */
    specs[COUNT - 1].kind = "fine";
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_OK);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(ready_jobs(db), 0);
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(db_queue_enqueue_batch(db, specs, COUNT, T0), AW_OK);
    assert_int_equal(db_commit(db), AW_OK);
    assert_int_equal(ready_jobs(db), COUNT);
    db_close(db);
}

/* Migration 2: the lease index holds leased jobs only (partial, state 1),
 * the old one over every job is gone, and the reclaim still finds its jobs
 * through it (test_lease_extend_and_expiry runs the reclaim itself). */
static void test_lease_index_leased_only(void **state)
{
    (void)state;
    db_connection *db = open_queue();
    int64_t version = 0;
    assert_int_equal(db_schema_version(db, "db_queue", &version), AW_OK);
    assert_int_equal(version, 2);
    db_param old_name[] = {DB_PARAM_TEXT("job_queue_lease")};
    db_param new_name[] = {DB_PARAM_TEXT("job_queue_leased")};
    const char *count_sql = db_test_sql(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?",
        "SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?");
    int64_t count = -1;
    assert_int_equal(db_query_int64(db, count_sql, old_name, 1, &count), AW_OK);
    assert_int_equal(count, 0);
    const char *definition_sql = db_test_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
        "SELECT indexdef FROM pg_indexes WHERE indexname = ?");
    db_rows *rows = NULL;
    bool has_row = false;
    const char *definition = NULL;
    assert_int_equal(db_query(db, definition_sql, new_name, 1, &rows), AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &definition), AW_OK);
    assert_non_null(strstr(definition, "lease_until"));
    assert_non_null(strstr(definition, "WHERE"));
    assert_non_null(strstr(definition, "state = 1"));
    db_rows_free(rows);
    if (!db_test_is_postgresql()) { /* the planner's choice on SQLite */
        assert_int_equal(db_query(db,
                                  "EXPLAIN QUERY PLAN SELECT id FROM job_queue WHERE queue = ? "
                                  "AND state = 1 AND lease_until <= ?",
                                  (db_param[]){DB_PARAM_TEXT("test"), DB_PARAM_INT64(T0)}, 2,
                                  &rows),
                         AW_OK);
        bool used = false;
        while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
            const char *detail = NULL;
            assert_int_equal(db_rows_get_text(rows, 3, &detail), AW_OK);
            used = used || strstr(detail, "job_queue_leased") != NULL;
        }
        db_rows_free(rows);
        assert_true(used);
    }
    db_close(db);
}

int db_test_run_queue(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_enqueue_claim_complete, db_test_setup),
        cmocka_unit_test_setup(test_dedupe, db_test_setup),
        cmocka_unit_test_setup(test_enqueue_in_rolled_back_transaction, db_test_setup),
        cmocka_unit_test_setup(test_due_time_and_order, db_test_setup),
        cmocka_unit_test_setup(test_fail_retry_backoff_dead, db_test_setup),
        cmocka_unit_test_setup(test_backoff_cap, db_test_setup),
        cmocka_unit_test_setup(test_lease_extend_and_expiry, db_test_setup),
        cmocka_unit_test_setup(test_queue_arguments, db_test_setup),
        cmocka_unit_test_setup(test_enqueue_batch, db_test_setup),
        cmocka_unit_test_setup(test_enqueue_batch_arguments, db_test_setup),
        cmocka_unit_test_setup(test_enqueue_batch_all_or_nothing, db_test_setup),
        cmocka_unit_test_setup(test_lease_index_leased_only, db_test_setup),
    };
    return cmocka_run_group_tests_name(db_test_is_postgresql() ? "db queue (postgresql)"
                                                               : "db queue (sqlite)",
                                       tests, NULL, NULL);
}
