/* The executor's watch of the eIM's trigger results (executor_item.c
 * run_watch, eim_download_trigger_status; platform.h "Executor"
 * watch_ms, download_attempts) end to end in process
 * (platform_executor_testutil.h), the two ways an item stayed in progress
 * forever when airwrited was killed mid-batch:
 *   - the device's download failed before installing (the eIM's relay or
 *     the SM-DP+ out of reach): the IPA reports profileDownloadError, the
 *     item's Activation Code is triggered again (the SM-DP+ kept the
 *     order, SGP.22 3.1.3) and the profile is written; when every trigger
 *     failed, the item fails W3001 and its ES2+ order is cancelled;
 *   - the profile installed but the SM-DP+'s HandleDownloadProgressInfo
 *     never came (here refused by the platform): the eUICC's PIR the eIM
 *     verified writes the item; the SM-DP+'s late notification changes
 *     nothing;
 *   - the eIM's verified PIR of an error: failed W3002;
 *   - the watch of a round that ended does nothing; a long wait is
 *     watched at half the time waited, not every watch_ms. */
#include "platform_executor_testutil.h"

#include <time.h>

/* The next watch of every triggered item is due. */
static platform_executor_stats watch(void)
{
    exec_clock_offset += PLATFORM_EXECUTOR_DEFAULT_WATCH_MS + 1;
    return run();
}

static size_t triggers(void)
{
    eim_package_record *records = NULL;
    size_t n = 0;
    assert_int_equal(eim_package_list(h.eim_db, h.devices[0].eid, &records, &n), AW_OK);
    eim_package_records_free(records, n);
    return n;
}

/* The device polls once with its downloads sent to eim_url. */
static void poll_with(const char *eim_url)
{
    h.devices[0].download.eim_url = eim_url;
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(h.devices[0].poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_DOWNLOAD_TRIGGER);
    h.devices[0].download.eim_url = h.eim_base_url;
}

static void wait_status(const char *order_id, const char *status)
{
    platform_order_item *items = NULL;
    size_t count = 0;
    bool more = false;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(platform_order_list_items(h.db, "tenant1", order_id, NULL, 0, 10, &items,
                                                   &count, &more),
                         AW_OK);
        bool reached = count == 1 && strcmp(items[0].status, status) == 0;
        free(items);
        if (reached)
            return;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    fail_msg("the item never became %s", status);
}

static void test_download_failed_triggered_again(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    /* nothing recorded yet: the watch waits */
    platform_executor_stats stats = watch();
    assert_int_equal(stats.retriggered + stats.failed, 0);
    assert_int_equal(triggers(), 1);
    /* the eIM out of reach mid-download: profileDownloadError */
    poll_with("https://127.0.0.1:1");
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);
    stats = watch();
    assert_int_equal(stats.retriggered, 1);
    assert_int_equal(triggers(), 2);
    /* the second trigger still out: no third */
    assert_int_equal(watch().retriggered, 0);
    assert_int_equal(triggers(), 2);
    /* after about 30 s of waiting the next watch comes half that later */
    int64_t next = count_sql(h.db,
                             "SELECT MIN(run_after) FROM job_queue WHERE kind = ? AND state = 0",
                             "watch");
    int64_t gap = next - exec_clock(NULL);
    assert_true(gap > 14000 && gap <= 15100);
    /* the same Activation Code downloads now */
    devices_poll_and_wait(order.order_id, 1);
    expect_item(order.order_id, h.devices[0].eid, "written", NULL);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "done");
    /* the watch of the ended round does nothing */
    stats = watch();
    assert_int_equal(stats.retriggered + stats.failed, 0);
    assert_int_equal(triggers(), 2);
}

static void test_download_failed_every_trigger(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    for (int i = 1; i < PLATFORM_EXECUTOR_DEFAULT_DOWNLOAD_ATTEMPTS; i++) {
        poll_with("https://127.0.0.1:1");
        assert_int_equal(watch().retriggered, 1);
    }
    poll_with("https://127.0.0.1:1");
    platform_executor_stats stats = watch();
    assert_int_equal(stats.retriggered, 0);
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.cancelled, 1);
    assert_int_equal(triggers(), PLATFORM_EXECUTOR_DEFAULT_DOWNLOAD_ATTEMPTS);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3001");
    assert_int_equal(smdp_orders(), 0); /* CancelOrder: the profile back in the pool */
}

static void test_installed_without_smdp_notification(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    /* the platform refuses the SM-DP+'s notifications (403: not taken,
     * retried later by the SM-DP+) */
    h.subjects[0] = "CN=not the SM-DP+";
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(h.devices[0].poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_DOWNLOAD_TRIGGER);
    struct timespec pause = {0, 300 * 1000000L};
    nanosleep(&pause, NULL);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);
    /* the eIM verified the eUICC's PIR: written */
    platform_executor_stats stats = watch();
    assert_int_equal(stats.failed + stats.retriggered, 0);
    expect_item(order.order_id, h.devices[0].eid, "written", NULL);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "done");
    platform_card card;
    assert_int_equal(platform_card_get(h.db, "tenant1", h.devices[0].eid, &card), AW_OK);
    assert_string_equal(card.state, "active");
    platform_profile profile;
    assert_int_equal(platform_profile_get(h.db, "tenant1", item.iccid, &profile), AW_OK);
    assert_string_equal(profile.state, "installed");
    assert_int_equal(events("item.written"), 1);
    /* the SM-DP+'s notification taken at last changes nothing */
    h.subjects[0] = h.smdp_subject;
    exec_clock_offset = 0;
    wait_notifications_delivered(1);
    expect_item(order.order_id, h.devices[0].eid, "written", NULL);
    assert_int_equal(events("item.written"), 1);
}

static void test_installation_failed_at_the_eim(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    /* the eIM recorded a verified PIR of an error for the trigger (the
     * relay keeps the PIR itself) */
    assert_int_equal(db_execute(h.eim_db,
                                "UPDATE eim_packages SET state = 4, error_code = 8, "
                                "result = X'BF3700'",
                                NULL, 0, NULL),
                     AW_OK);
    platform_executor_stats stats = watch();
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.retriggered, 0);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3002");
    wait_status(order.order_id, "failed");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        EXEC_TEST(test_download_failed_triggered_again),
        EXEC_TEST(test_download_failed_every_trigger),
        EXEC_TEST(test_installed_without_smdp_notification),
        EXEC_TEST(test_installation_failed_at_the_eim),
    };
    exec_devices = 1;
    return exec_run_tests(argc, argv, "test_platform_executor_watch", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
