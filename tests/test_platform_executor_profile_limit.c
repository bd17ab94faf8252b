/* The profile count limit in the executor (issue 8 "Profile count limit"), in process with the
 * harness of platform_executor_testutil.h (real SM-DP+, eIM, software eUICCs with IPAs):
 *   - the re-check before the download: an order accepted with the policy off, the policy on
 *     and a profile installed before the item runs: the item fails W7401 before any ES2+
 *     DownloadOrder, recorded as a write exception;
 *   - the eUICC's own limit: with limit 1 on the device's software eUICC (policy off at the
 *     platform), the second download is refused on the card with errorReason
 *     installFailedDueToInsufficientMemoryForProfile (SGP.22 5.7.6); the PIR reaches the eIM,
 *     the SM-DP+ and the platform, and the item fails W7402; the card keeps one profile. */
#include "platform_executor_testutil.h"

static void test_recheck_before_download(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order); /* accepted with the policy off */
    platform_profile_limit_settings on = {.enabled = true, .max_per_euicc = 1};
    assert_int_equal(platform_profile_limit_configure(h.db, &on, exec_clock(NULL)), AW_OK);
    /* meanwhile a profile was written to the card (ICCID 8988211000000000011, Luhn ok) */
    platform_profile_record record = {.tenant = "tenant1", .eid = h.devices[0].eid,
                                      .iccid = "8988211000000000011",
                                      .profile_type = EXEC_TYPE};
    assert_int_equal(platform_profile_record_written(h.db, &record, "test", exec_clock(NULL)),
                     AW_OK);
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.started, 0);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W7401");
    assert_int_equal(smdp_orders(), 0); /* no ES2+ DownloadOrder placed */
    assert_int_equal(count_sql(h.db, "SELECT COUNT(*) FROM platform_exceptions WHERE code = ?",
                               "W7401"),
                     1);
    reload(&order);
    assert_string_equal(order.status, "failed");
}

static void test_euicc_limit_refuses_download(void **state)
{
    (void)state;
    assert_int_equal(euicc_set_profile_limit(h.devices[0].t->card, 1), AW_OK);
    platform_order first, second;
    device_order(1, EXEC_TYPE, &first);
    assert_int_equal(run().started, 1);
    devices_poll_and_wait(first.order_id, 1);
    expect_item(first.order_id, h.devices[0].eid, "written", NULL);

    device_order(1, EXEC_TYPE, &second); /* the platform's policy is off: accepted */
    assert_int_equal(run().started, 1);
    devices_poll_and_wait(second.order_id, 1);
    expect_item(second.order_id, h.devices[0].eid, "failed", "W7402");
    assert_int_equal(h.devices[0].t->card->state->profile_count, 1);
    assert_int_equal(count_sql(h.db, "SELECT COUNT(*) FROM platform_exceptions WHERE code = ?",
                               "W7402"),
                     1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        EXEC_TEST(test_recheck_before_download),
        EXEC_TEST(test_euicc_limit_refuses_download),
    };
    return exec_run_tests(argc, argv, "test_platform_executor_profile_limit", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
