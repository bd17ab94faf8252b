/* Cancelling a write order whose items are under way (orders.c cancel,
 * executor_item.c withdraw_round / run_withdraw; docs/lifecycle.md "Order
 * item") end to end in process (platform_executor_testutil.h: the real
 * SM-DP+ over ES2+, the eIM's database, the device's IPA and eUICC):
 *   - the trigger still queued at the eIM: withdrawn, never handed to the
 *     device, the ES2+ order cancelled (the profile back in the SM-DP+'s
 *     pool), the item cancelled (in_progress -> cancelled);
 *   - the eIM's database out of reach at the withdrawal: the job is run
 *     again, then withdraws;
 *   - the trigger already taken by the device: left alone, the download
 *     writes the item, the order stays cancelled;
 *   - the item between its ES2+ order and its trigger (the eIM out of
 *     reach, its job retried): the job run again cancels the ES2+ order
 *     and the item, no trigger is queued. */
#include "platform_executor_testutil.h"

static void cancel(platform_order *order)
{
    char id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(id, sizeof(id), "%s", order->order_id);
    assert_int_equal(platform_order_cancel(h.db, "tenant1", id, "app", exec_clock(NULL), order),
                     AW_OK);
    assert_string_equal(order->status, "cancelled");
}

/* The state of the device's only trigger at the eIM. */
static eim_package_state trigger_state(void)
{
    eim_package_record *records = NULL;
    size_t n = 0;
    assert_int_equal(eim_package_list(h.eim_db, h.devices[0].eid, &records, &n), AW_OK);
    assert_int_equal(n, 1);
    eim_package_state state = records[0].state;
    eim_package_records_free(records, n);
    return state;
}

static void test_queued_trigger_withdrawn(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    assert_int_equal(trigger_state(), EIM_PACKAGE_QUEUED);
    assert_int_equal(smdp_orders(), 1);
    cancel(&order);
    assert_int_equal(order.progress[1], 1); /* still in progress until the executor runs */
    platform_executor_stats stats = run();
    assert_int_equal(stats.withdrawn, 1);
    assert_int_equal(stats.cancelled, 1); /* ES2+ CancelOrder */
    assert_int_equal(stats.failed, 0);
    expect_item(order.order_id, h.devices[0].eid, "cancelled", NULL);
    assert_int_equal(trigger_state(), EIM_PACKAGE_WITHDRAWN);
    assert_int_equal(smdp_orders(), 0);
    reload(&order);
    assert_string_equal(order.status, "cancelled");
    assert_int_equal(order.progress[1], 0);
    assert_int_equal(order.progress[4], 1);
    /* the history says why */
    char entity[PLATFORM_ENTITY_ID_MAX + 1];
    snprintf(entity, sizeof(entity), "%s:%s", order.order_id, h.devices[0].eid);
    assert_int_equal(count_sql(h.db,
                               "SELECT COUNT(*) FROM platform_lifecycle_history WHERE "
                               "entity_id = ? AND from_state = 'in_progress' AND to_state = "
                               "'cancelled' AND cause LIKE 'order cancelled before the device%'",
                               entity),
                     1);
    /* the device finds nothing to download */
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(h.devices[0].poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    /* the round's watch and timeout find the item ended */
    exec_clock_offset += PLATFORM_EXECUTOR_DEFAULT_WATCH_MS + 1;
    stats = run();
    assert_int_equal(stats.withdrawn + stats.failed + stats.retriggered, 0);
    exec_clock_offset += h.config.result_timeout_ms + 1;
    stats = run();
    assert_int_equal(stats.withdrawn + stats.failed, 0);
    expect_item(order.order_id, h.devices[0].eid, "cancelled", NULL);
}

/* The eIM's database out of reach when the withdrawal job runs: the job
 * is run again later, the item waits meanwhile, then is withdrawn. */
static void test_withdrawal_retried(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    cancel(&order);
    platform_executor *executor = exec_executor_without_eim(0);
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(executor, exec_clock(NULL), 10, &stats), AW_OK);
    platform_executor_free(executor);
    assert_int_equal(stats.retried, 1);
    assert_int_equal(stats.withdrawn + stats.cancelled, 0);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);
    assert_int_equal(trigger_state(), EIM_PACKAGE_QUEUED);
    exec_clock_offset += 10 * PLATFORM_EXECUTOR_BACKOFF_MS;
    stats = run();
    assert_int_equal(stats.withdrawn, 1);
    expect_item(order.order_id, h.devices[0].eid, "cancelled", NULL);
    assert_int_equal(trigger_state(), EIM_PACKAGE_WITHDRAWN);
}

static void test_taken_trigger_left_to_finish(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    /* the device took the trigger (GetEimPackage handed it out) */
    assert_int_equal(db_execute(h.eim_db, "UPDATE eim_packages SET state = 2", NULL, 0, NULL),
                     AW_OK);
    cancel(&order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.withdrawn + stats.cancelled + stats.failed, 0);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);
    assert_int_equal(trigger_state(), EIM_PACKAGE_SENT);
    /* its watch leaves it too */
    exec_clock_offset += PLATFORM_EXECUTOR_DEFAULT_WATCH_MS + 1;
    stats = run();
    assert_int_equal(stats.withdrawn + stats.failed + stats.retriggered, 0);
    /* the download under way ends it written; the order stays cancelled */
    devices_poll_and_wait(order.order_id, 1);
    expect_item(order.order_id, h.devices[0].eid, "written", NULL);
    reload(&order);
    assert_string_equal(order.status, "cancelled");
    assert_int_equal(order.progress[2], 1);
}

static void test_before_trigger(void **state)
{
    (void)state;
    /* the eIM's database out of reach: the item waits at its trigger step
     * (stage confirmed), its job retried */
    platform_executor *executor = exec_executor_without_eim(0);
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(executor, exec_clock(NULL), 10, &stats), AW_OK);
    assert_int_equal(stats.retried, 1);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "confirmed");
    assert_int_equal(smdp_orders(), 1);
    cancel(&order);
    /* the withdrawal job leaves it to its item job, which cancels it */
    exec_clock_offset += 10 * PLATFORM_EXECUTOR_BACKOFF_MS;
    assert_int_equal(platform_executor_run_once(executor, exec_clock(NULL), 10, &stats), AW_OK);
    assert_int_equal(stats.withdrawn, 1);
    assert_int_equal(stats.cancelled, 1);
    assert_int_equal(stats.failed, 0);
    expect_item(order.order_id, h.devices[0].eid, "cancelled", NULL);
    assert_int_equal(smdp_orders(), 0);
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "done");
    platform_executor_free(executor);
    /* no trigger was ever queued */
    eim_package_record *records = NULL;
    size_t n = 7;
    assert_int_equal(eim_package_list(h.eim_db, h.devices[0].eid, &records, &n), AW_OK);
    assert_int_equal(n, 0);
    eim_package_records_free(records, n);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        EXEC_TEST(test_queued_trigger_withdrawn),
        EXEC_TEST(test_withdrawal_retried),
        EXEC_TEST(test_taken_trigger_left_to_finish),
        EXEC_TEST(test_before_trigger),
    };
    exec_devices = 1;
    return exec_run_tests(argc, argv, "test_platform_executor_cancel", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
