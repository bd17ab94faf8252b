/* The exception sweep as the executor's job (src/platform/executor_exceptions.c;
 * docs/exceptions.md "Time limits and escalation") end to end in process
 * (platform_executor_testutil.h: real SM-DP+, eIM, devices): an item the
 * executor fails (W1001 from the SM-DP+'s ES2+ refusal) is a write
 * exception; a device that wrote its profile and polled the eIM is not
 * silent at once but is, by the eIM's own record of its last contact,
 * once the configured silence passed (T1001); the sweep job, claimed like
 * every job, escalates what passed its time limit (exception.escalated
 * written for the callback) and queues its successor, one per time slot. */
#include "platform_executor_testutil.h"

#include "platform/executor_internal.h"

#define MINUTE (60 * 1000LL)

static size_t device_count = 1;
static platform_exception_policy policy;
static platform_executor *sweeper; /* the executor with the exception policy */

/* Out of line: inlined into setup, GCC sees the harness's EID copy as a
 * possible truncation (-Wformat-truncation, a false positive). */
__attribute__((noinline)) static void harness_open(void)
{
    exec_open(&h, device_count);
}

static int setup(void **state)
{
    (void)state;
    harness_open();
    platform_exception_policy_default(&policy);
    assert_int_equal(platform_exception_policy_set(&policy, "write_significant", "30s"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&policy, "write_serious", "20s"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&policy, "write_critical", "10s"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&policy, "silence", "1h"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&policy, "sweep_interval", "1m"), AW_OK);
    assert_int_equal(platform_exception_policy_check(&policy), AW_OK);
    platform_executor_config config = h.config;
    config.exceptions = &policy;
    assert_int_equal(platform_executor_new(&config, &sweeper), AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    platform_executor_free(sweeper);
    sweeper = NULL;
    exec_close(&h);
    return 0;
}

static platform_executor_stats sweep_run(void)
{
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(sweeper, exec_clock(NULL), 100, &stats), AW_OK);
    return stats;
}

/* Sweep jobs of the executor's queue in state, and how many there are in all. */
static int64_t sweep_jobs(db_job_state state)
{
    db_param params[] = {DB_PARAM_INT64(state)};
    int64_t n = -1;
    assert_int_equal(db_query_int64(h.db,
                                    "SELECT COUNT(*) FROM job_queue WHERE kind = 'exceptions' "
                                    "AND state = ?",
                                    params, 1, &n),
                     AW_OK);
    return n;
}

/* The tenant's exceptions of code: how many, and the last one. */
static size_t exceptions_of(const char *code, platform_exception *last)
{
    platform_exception *list = NULL;
    size_t count = 0, found = 0;
    bool more = false;
    assert_int_equal(platform_exception_list(h.db, "tenant1", NULL, 0, 100, &list, &count, &more),
                     AW_OK);
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].code, code) == 0) {
            found++;
            if (last != NULL)
                *last = list[i];
        }
    free(list);
    return found;
}

static void test_sweep(void **state)
{
    (void)state;
    /* the write signal: the SM-DP+ does not know the profile type */
    platform_order failed;
    device_order(1, "no-such-type", &failed);
    platform_executor_stats stats = sweep_run();
    assert_int_equal(stats.failed, 1);
    platform_exception w;
    assert_int_equal(exceptions_of("W1001", &w), 1);
    assert_int_equal(w.grade, PLATFORM_GRADE_SIGNIFICANT);
    assert_string_equal(w.eid, h.devices[0].eid);
    assert_string_equal(w.order_id, failed.order_id);
    assert_int_equal(events_with("exception.raised", "\"code\":\"W1001\""), 1);

    /* a written profile: the card is active, the device polled the eIM */
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    (void)sweep_run();
    devices_poll_and_wait(order.order_id, 1);
    platform_card card;
    assert_int_equal(platform_card_get(h.db, "tenant1", h.devices[0].eid, &card), AW_OK);
    assert_string_equal(card.state, "active");
    eim_euicc registered;
    assert_int_equal(eim_registry_get(h.eim_db, h.devices[0].eid, &registered), AW_OK);
    int64_t last_contact = registered.last_contact_ms;
    eim_euicc_clear(&registered);
    assert_true(last_contact > 0);

    /* the first sweep job, as platform_executor_start queues it */
    assert_int_equal(executor_exception_sweep_schedule(h.db, policy.sweep_interval_ms,
                                                       exec_clock(NULL)),
                     AW_OK);
    assert_int_equal(executor_exception_sweep_schedule(h.db, policy.sweep_interval_ms,
                                                       exec_clock(NULL)),
                     AW_OK); /* another process, same slot: one job */
    assert_int_equal(sweep_jobs(DB_JOB_READY), 1);
    exec_clock_offset += MINUTE; /* the slot came; W1001's 30 s passed */
    (void)sweep_run();
    assert_int_equal(exceptions_of("W1001", &w), 1);
    assert_int_equal(w.grade, PLATFORM_GRADE_SERIOUS);
    assert_int_equal(w.escalations, 1);
    assert_int_equal(events_with("exception.escalated", "\"code\":\"W1001\""), 1);
    /* the device talked to the eIM a minute ago: not silent */
    assert_int_equal(exceptions_of("T1001", NULL), 0);
    /* the job is done and queued its successor */
    assert_int_equal(sweep_jobs(DB_JOB_READY), 1);
    assert_int_equal(sweep_jobs(DB_JOB_DONE), 1);

    /* an hour and a half later by the eIM's record: silent */
    exec_clock_offset += 90 * MINUTE;
    (void)sweep_run();
    platform_exception t;
    assert_int_equal(exceptions_of("T1001", &t), 1);
    assert_string_equal(t.eid, h.devices[0].eid);
    assert_string_equal(t.source, "eim");
    assert_int_equal(exceptions_of("W1001", &w), 1);
    assert_int_equal(w.grade, PLATFORM_GRADE_CRITICAL);
    /* the next sweep: the same silence only counts */
    exec_clock_offset += MINUTE;
    (void)sweep_run();
    assert_int_equal(exceptions_of("T1001", &t), 1);
    assert_int_equal(t.count, 2);
    assert_int_equal(events_with("exception.raised", "\"code\":\"T1001\""), 1);
    /* nothing more is due before the next slot */
    int64_t escalated = events("exception.escalated");
    (void)sweep_run();
    assert_int_equal(events("exception.escalated"), escalated);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
    };
    return exec_run_tests(argc, argv, "test_platform_exceptions_sweep", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
