/* The executor's job lease (executor_item.c lease_kept; platform.h
 * "Executor" lease_ms, airwrited [executor] lease) in process
 * (platform_executor_testutil.h): the renewal before each step counts from
 * the time of the renewal, so a step that outlasted the lease (a slow
 * SM-DP+) does not leave the running job to another worker:
 *   - DownloadOrder "takes" two leases (the executor's clock moved on);
 *     another worker looking for expired leases after ConfirmOrder finds
 *     none; the job goes on to the trigger, one ES2+ order;
 *   - the probe itself: a job whose worker died after claiming it is the
 *     other worker's once its lease ran out, not before;
 *   - an order's item jobs, queued several per statement. */
#include "platform_executor_testutil.h"

/* Another worker at at_ms: expired leases reclaimed, then a claim; how many
 * jobs it got (kept leased to it). */
static size_t other_worker_claims(int64_t at_ms)
{
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_reclaim_expired(h.db, PLATFORM_EXECUTOR_QUEUE, at_ms, NULL), AW_OK);
    assert_int_equal(db_queue_claim(h.db, PLATFORM_EXECUTOR_QUEUE, "other", 10, 60000, at_ms,
                                    &jobs, &count),
                     AW_OK);
    db_jobs_free(jobs, count);
    return count;
}

/* What the clock hook saw of the running job. */
static struct {
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    bool slow_step;      /* the clock moved two leases on after DownloadOrder */
    bool other_looked;   /* the other worker looked after ConfirmOrder */
    size_t other_claimed;
} watched;

/* At each reading of the executor's clock during the job, by the item's
 * recorded stage. */
static void during_job(void)
{
    platform_executor_item item;
    if (platform_executor_item_get(h.db, watched.order_id, h.devices[0].eid, &item) == AW_OK) {
        if (strcmp(item.stage, "ordered") == 0 && !watched.slow_step) {
            exec_clock_offset += 2 * h.config.lease_ms;
            watched.slow_step = true;
        } else if (strcmp(item.stage, "confirmed") == 0 && !watched.other_looked) {
            watched.other_looked = true;
            watched.other_claimed =
                other_worker_claims(db_clock_ms() + exec_clock_offset + h.config.lease_ms / 2);
        }
    }
    if (!watched.other_looked)
        exec_clock_hook = during_job;
}

static void test_renewed_from_now(void **state)
{
    (void)state;
    memset(&watched, 0, sizeof(watched));
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    snprintf(watched.order_id, sizeof(watched.order_id), "%s", order.order_id);
    int64_t now = exec_clock(NULL);
    exec_clock_hook = during_job;
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(h.executor, now, 10, &stats), AW_OK);
    exec_clock_hook = NULL;
    assert_true(watched.slow_step);
    assert_true(watched.other_looked); /* the renewal before the trigger read the clock */
    assert_int_equal(watched.other_claimed, 0);
    assert_int_equal(stats.started, 1);
    assert_int_equal(smdp_orders(), 1);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "triggered");
}

static void test_expired_lease_taken_over(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    int64_t now = exec_clock(NULL);
    /* a worker claims the item's job and dies */
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_claim(h.db, PLATFORM_EXECUTOR_QUEUE, "dead", 10,
                                    h.config.lease_ms, now, &jobs, &count),
                     AW_OK);
    db_jobs_free(jobs, count);
    assert_int_equal(count, 1);
    assert_int_equal(other_worker_claims(now + h.config.lease_ms - 1), 0); /* still its */
    assert_int_equal(other_worker_claims(now + h.config.lease_ms + 1), 1); /* ran out */
}

static int64_t ready_item_jobs(void)
{
    int64_t n = -1;
    assert_int_equal(db_queue_count(h.db, PLATFORM_EXECUTOR_QUEUE, DB_JOB_READY, &n), AW_OK);
    return n;
}

/* An order's item jobs go in several per statement (executor_store.c,
 * db_queue_enqueue_batch), in more than one batch for a large order; each
 * job is the item's, round 0. Refused arguments queue nothing. */
static void test_enqueue_items(void **state)
{
    (void)state;
    enum { COUNT = 70 }; /* over one batch of 64 */
    static char eids[COUNT][PLATFORM_EID_DIGITS + 1];
    for (size_t i = 0; i < COUNT; i++)
        snprintf(eids[i], sizeof(eids[i]), "8904903200000000000000000000%04zu", i);
    static const char order_id[] = "ord_00112233445566778899aabb";
    int64_t before = ready_item_jobs();
    int64_t now = exec_clock(NULL);
    assert_int_equal(platform_executor_enqueue_items(NULL, order_id, eids, COUNT, now),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_executor_enqueue_items(h.db, NULL, eids, COUNT, now),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_executor_enqueue_items(h.db, order_id, NULL, COUNT, now),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_executor_enqueue_items(h.db, order_id, eids, 0, now),
                     AW_ERR_ARGUMENT);
    char long_id[128]; /* a payload over its bound */
    memset(long_id, 'o', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(platform_executor_enqueue_items(h.db, long_id, eids, COUNT, now),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ready_item_jobs(), before);
    assert_int_equal(platform_executor_enqueue_items(h.db, order_id, eids, COUNT, now), AW_OK);
    assert_int_equal(ready_item_jobs(), before + COUNT);
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_claim(h.db, PLATFORM_EXECUTOR_QUEUE, "w", 100, 60000, now, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, before + COUNT);
    for (size_t i = 0; i < COUNT; i++) {
        const db_job *job = &jobs[count - COUNT + i]; /* by id: after the fixture's */
        char expected[128];
        snprintf(expected, sizeof(expected), "%s:%.32s:0", order_id, eids[i]);
        assert_string_equal(job->kind, "item");
        assert_int_equal(job->payload_len, strlen(expected));
        assert_memory_equal(job->payload, expected, job->payload_len);
    }
    db_jobs_free(jobs, count);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        EXEC_TEST(test_renewed_from_now),
        EXEC_TEST(test_expired_lease_taken_over),
        EXEC_TEST(test_enqueue_items),
    };
    exec_devices = 1;
    return exec_run_tests(argc, argv, "test_platform_executor_lease", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
