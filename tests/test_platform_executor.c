/* The executor (src/platform/executor*.c; platform.h "Executor") end to end
 * in process (platform_executor_testutil.h): the real SM-DP+ with ES2+ and
 * HandleDownloadProgressInfo (SGP.22 5.3.1, 5.3.2, 5.3.5), the real eIM
 * relaying downloads, software eUICCs with IPAs polling the eIM.
 *   - an order of three EIDs: every item written, its ICCID recorded, the
 *     callback events queued (item.written per item, order.finished);
 *     a repeated notification changes nothing;
 *   - an unknown profile type at the SM-DP+: items failed W1001; its pool
 *     used up: W1002; a profile the platform holds for another card: W1003;
 *   - the SM-DP+ unreachable: the job retried, then the item failed W1004;
 *   - no result in time: failed W3003 (a late result then changes nothing);
 *   - notifications refused: malformed, unknown ICCID, another EID, a
 *     subject that is not the SM-DP+'s, and over HTTPS a client without
 *     the SM-DP+'s certificate;
 *   - a worker that died (lease expired) after DownloadOrder, and one that
 *     died after ConfirmOrder: the job resumes without a second ES2+ order;
 *     a worker whose lease another took over stops before its next step;
 *   - the eIM's database out of order: W2002 after the last attempt;
 *   - an EID the eIM does not know: failed W2001; a retry of the order
 *     queues the failed items again;
 *   - an order on a number pool: each item reserves its number, the pool's
 *     profile type is ordered, the written item's number is in use; the
 *     item beyond the pool's numbers fails A4004;
 *   - a configuration with watch_ms or download_attempts out of range is
 *     refused;
 *   - the platform's records follow: card active, profile installed with
 *     its ICCID; a failed item's profile back to available. */
#include "platform_executor_testutil.h"

#include <sys/stat.h>
#include <time.h>

static void test_order_written(void **state)
{
    (void)state;
    platform_order order;
    device_order(EXEC_DEVICES_MAX, EXEC_TYPE, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.started, EXEC_DEVICES_MAX);
    assert_int_equal(stats.failed, 0);
    assert_int_equal(smdp_orders(), EXEC_DEVICES_MAX);
    char iccids[EXEC_DEVICES_MAX][PLATFORM_ICCID_MAX + 1];
    for (size_t i = 0; i < EXEC_DEVICES_MAX; i++) {
        expect_item(order.order_id, h.devices[i].eid, "in_progress", NULL);
        platform_executor_item item;
        assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[i].eid,
                                                    &item),
                         AW_OK);
        assert_string_equal(item.stage, "triggered");
        assert_int_equal(item.round, 1);
        assert_int_equal(strlen(item.iccid), 19);
        assert_string_equal(item.smdp_address, LPA_SMDP_ADDRESS);
        snprintf(iccids[i], sizeof(iccids[i]), "%s", item.iccid);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(iccids[k], item.iccid);
        /* the eIM holds one trigger for the EID */
        eim_package_record *records = NULL;
        size_t n = 0;
        assert_int_equal(eim_package_list(h.eim_db, h.devices[i].eid, &records, &n), AW_OK);
        assert_int_equal(n, 1);
        eim_package_records_free(records, n);
    }
    /* a second pass finds nothing to do (the timeout jobs are not due) */
    stats = run();
    assert_int_equal(stats.started + stats.failed + stats.skipped, 0);

    devices_poll_and_wait(order.order_id, EXEC_DEVICES_MAX);
    reload(&order);
    assert_string_equal(order.status, "completed");
    assert_int_equal(order.progress[2], EXEC_DEVICES_MAX);
    for (size_t i = 0; i < EXEC_DEVICES_MAX; i++) {
        expect_item(order.order_id, h.devices[i].eid, "written", NULL);
        platform_executor_item item;
        assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[i].eid,
                                                    &item),
                         AW_OK);
        assert_string_equal(item.stage, "done");
        assert_string_equal(item.iccid, iccids[i]);
        platform_card card;
        assert_int_equal(platform_card_get(h.db, "tenant1", h.devices[i].eid, &card), AW_OK);
        assert_string_equal(card.state, "active");
        platform_profile profile;
        assert_int_equal(platform_profile_get(h.db, "tenant1", iccids[i], &profile), AW_OK);
        assert_string_equal(profile.state, "installed");
        assert_string_equal(profile.eid, h.devices[i].eid);
        assert_string_equal(profile.order_id, order.order_id);
    }
    assert_int_equal(events("item.written"), EXEC_DEVICES_MAX);
    assert_int_equal(events("order.finished"), 1);
    assert_int_equal(events_with("item.written", "\"iccid\":\"89"), EXEC_DEVICES_MAX);

    /* the SM-DP+'s notification again (at-least-once delivery): taken,
     * nothing written twice */
    char body[512];
    snprintf(body, sizeof(body),
             "{\"header\":{\"functionRequesterIdentifier\":\"smdp\",\"functionCallIdentifier\":"
             "\"notification-1\"},\"eid\":\"%s\",\"iccid\":\"%s\",\"profileType\":\"" EXEC_TYPE
             "\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"notificationPointId\":4,"
             "\"notificationPointStatus\":{\"status\":\"Executed-Success\"}}",
             h.devices[0].eid, iccids[0]);
    int64_t history = count_sql(h.db, "SELECT COUNT(*) FROM platform_lifecycle_history", NULL);
    int status = 0;
    char *answer = NULL;
    assert_int_equal(platform_executor_handle_notification(h.executor, h.smdp_subject,
                                                           (const uint8_t *)body, strlen(body),
                                                           exec_clock(NULL), &status, &answer),
                     AW_OK);
    assert_int_equal(status, 204);
    assert_null(answer);
    assert_int_equal(count_sql(h.db, "SELECT COUNT(*) FROM platform_lifecycle_history", NULL),
                     history);
    assert_int_equal(events("item.written"), EXEC_DEVICES_MAX);
}

static void test_unknown_profile_type(void **state)
{
    (void)state;
    platform_order order;
    device_order(2, "no-such-type", &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 2);
    for (size_t i = 0; i < 2; i++)
        expect_item(order.order_id, h.devices[i].eid, "failed", "W1001");
    reload(&order);
    assert_string_equal(order.status, "failed");
    assert_int_equal(events("item.failed"), 2);
    assert_int_equal(events("exception.raised"), 2);
    assert_int_equal(smdp_orders(), 0);
}

/* The SM-DP+'s pool used up by other orders: W1002. */
static void test_profile_unavailable(void **state)
{
    (void)state;
    http_client_config config = {.ca_file = h.ca, .certificate_file = h.platform_pki.tls_cert,
                                 .key_file = h.platform_pki.tls_key};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    es2p_client_request download = {.profile_type = EXEC_TYPE};
    es2p_client_answer answer;
    for (int i = 0; i < 4; i++) {
        /* four calls, four functionCallIdentifiers (SGP.22 6.5.1.3: a
         * repeated one would get the first call's profile back) */
        char call[16];
        snprintf(call, sizeof(call), "other-%d", i);
        assert_int_equal(es2p_client_call(client, h.es2p_url, EXEC_REQUESTER, call,
                                          ES2P_CLIENT_DOWNLOAD_ORDER, &download, &answer),
                         AW_OK);
        assert_true(es2p_client_succeeded(&answer));
    }
    http_client_free(client);
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.cancelled, 0); /* no order was made */
    expect_item(order.order_id, h.devices[0].eid, "failed", "W1002");
}

/* The SM-DP+ names a profile the platform's records hold for another card:
 * W1003, the ES2+ order cancelled, the other card's record untouched. */
static void test_records_conflict(void **state)
{
    (void)state;
    static const char *const iccids[] = {"8944000000000123456", "8944000000000123464",
                                         "8944000000000123472", "8944000000000123480"};
    char other[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(4242, other);
    for (size_t i = 0; i < 4; i++) {
        platform_profile_record record = {.tenant = "tenant1", .eid = other, .iccid = iccids[i],
                                          .profile_type = EXEC_TYPE};
        assert_int_equal(platform_profile_record_reserved(h.db, &record, "admin",
                                                          exec_clock(NULL)),
                         AW_OK);
    }
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.cancelled, 1);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W1003");
    assert_int_equal(smdp_orders(), 0);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    platform_profile profile;
    assert_int_equal(platform_profile_get(h.db, "tenant1", item.iccid, &profile), AW_OK);
    assert_string_equal(profile.state, "reserved");
    assert_string_equal(profile.eid, other);
}

/* The eIM's database does not work (here: never migrated): with one
 * attempt allowed the item fails W2002 at once, its ES2+ order cancelled. */
static void test_eim_unavailable(void **state)
{
    (void)state;
    platform_executor *executor = exec_executor_without_eim(1);
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(executor, exec_clock(NULL), 10, &stats), AW_OK);
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.retried, 0);
    assert_int_equal(stats.cancelled, 1);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W2002");
    assert_int_equal(smdp_orders(), 0);
    platform_executor_free(executor);
}

static void test_smdp_unreachable(void **state)
{
    (void)state;
    char saved[sizeof(h.es2p_url)];
    memcpy(saved, h.es2p_url, sizeof(saved));
    snprintf(h.es2p_url, sizeof(h.es2p_url), "https://127.0.0.1:1");
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.retried, 1);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);
    /* the retries wait PLATFORM_EXECUTOR_BACKOFF_MS, doubling: not yet due */
    stats = run();
    assert_int_equal(stats.retried, 0);
    exec_clock_offset += PLATFORM_EXECUTOR_BACKOFF_MS;
    stats = run();
    assert_int_equal(stats.retried, 1);
    exec_clock_offset += 2 * PLATFORM_EXECUTOR_BACKOFF_MS;
    stats = run(); /* the third and last attempt (max_attempts 3) */
    assert_int_equal(stats.retried, 0);
    assert_int_equal(stats.failed, 1);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W1004");
    memcpy(h.es2p_url, saved, sizeof(saved));
}

static void test_result_timeout(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_int_equal(run().failed, 0); /* not due yet */
    exec_clock_offset += h.config.result_timeout_ms + 1000;
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 1);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3003");
    assert_int_equal(stats.cancelled, 1);
    assert_int_equal(smdp_orders(), 0); /* CancelOrder: the profile back in the pool */
    /* a result after the timeout (at-least-once delivery) changes nothing */
    char body[512], *answer = NULL;
    snprintf(body, sizeof(body),
             "{\"header\":{\"functionRequesterIdentifier\":\"smdp\",\"functionCallIdentifier\":"
             "\"late\"},\"iccid\":\"%s\",\"profileType\":\"" EXEC_TYPE "\",\"timestamp\":"
             "\"2026-01-01T00:00:00Z\",\"notificationPointId\":4,\"notificationPointStatus\":"
             "{\"status\":\"Executed-Success\"}}",
             item.iccid);
    int status = 0;
    assert_int_equal(platform_executor_handle_notification(h.executor, h.smdp_subject,
                                                           (const uint8_t *)body, strlen(body),
                                                           exec_clock(NULL), &status, &answer),
                     AW_OK);
    assert_int_equal(status, 204);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3003");
    /* the device polls: the eIM's trigger names a cancelled order, the
     * download is refused and nothing reaches the platform */
    exec_clock_offset = 0;
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(h.devices[0].poller, &report), AW_OK);
    wait_notifications_delivered(0);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3003");
}

/* One notification body for iccid / eid (NULL: absent). */
static int notify(const char *subject, const char *body, char **answer)
{
    int status = 0;
    *answer = NULL;
    assert_int_equal(platform_executor_handle_notification(h.executor, subject,
                                                           (const uint8_t *)body, strlen(body),
                                                           exec_clock(NULL), &status, answer),
                     AW_OK);
    return status;
}

static void expect_refused(const char *body, const char *subject_code, const char *reason)
{
    char *answer = NULL;
    assert_int_equal(notify(h.smdp_subject, body, &answer), 200);
    json_t *root = json_loads(answer, 0, NULL);
    assert_non_null(root);
    es2p_client_answer parsed;
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_RELEASE_PROFILE, 200,
                                                (const uint8_t *)answer, strlen(answer),
                                                &parsed),
                     AW_OK);
    assert_string_equal(parsed.subject_code, subject_code);
    assert_string_equal(parsed.reason_code, reason);
    json_decref(root);
    free(answer);
}

#define NOTE_HEAD                                                                              \
    "{\"header\":{\"functionRequesterIdentifier\":\"smdp\",\"functionCallIdentifier\":\"n\"},"
#define NOTE_TAIL                                                                              \
    ",\"profileType\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"notificationPointId\":4,"  \
    "\"notificationPointStatus\":{\"status\":\"Executed-Success\"}}"

static void test_notifications_refused(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    assert_int_equal(run().started, 1);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    char body[1024];
    /* an ICCID of no item */
    expect_refused(NOTE_HEAD "\"iccid\":\"8944000000000999999\"" NOTE_TAIL, "8.2.1", "3.9");
    /* the item's ICCID with another EID */
    snprintf(body, sizeof(body), NOTE_HEAD "\"eid\":\"%s\",\"iccid\":\"%s\"" NOTE_TAIL,
             h.devices[1].eid, item.iccid);
    expect_refused(body, "8.1.1", "3.10");
    /* malformed */
    expect_refused("[]", "1", "2.1");
    expect_refused("{\"iccid\":\"1\"}", "1", "2.2");
    expect_refused(NOTE_HEAD "\"iccid\":\"89440000000009\"" NOTE_TAIL, "1", "2.1");
    snprintf(body, sizeof(body), NOTE_HEAD "\"iccid\":\"%s\",\"extra\":1" NOTE_TAIL, item.iccid);
    expect_refused(body, "1", "2.1");
    snprintf(body, sizeof(body),
             NOTE_HEAD "\"iccid\":\"%s\",\"profileType\":\"t\",\"timestamp\":\"x\","
                       "\"notificationPointId\":4,\"notificationPointStatus\":{\"status\":"
                       "\"Failed\"}}",
             item.iccid);
    expect_refused(body, "1", "2.1");
    snprintf(body, sizeof(body),
             NOTE_HEAD "\"iccid\":\"%s\",\"profileType\":\"t\",\"timestamp\":\"x\","
                       "\"notificationPointId\":0,\"notificationPointStatus\":{\"status\":"
                       "\"Executed-Success\"}}",
             item.iccid);
    expect_refused(body, "1", "2.1");
    /* another client certificate subject: 403 */
    snprintf(body, sizeof(body), NOTE_HEAD "\"iccid\":\"%s\"" NOTE_TAIL, item.iccid);
    char *answer = NULL;
    assert_int_equal(notify("CN=someone else", body, &answer), 403);
    assert_null(answer);
    assert_int_equal(notify(NULL, body, &answer), 403);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);

    /* over HTTPS, a client whose certificate is not under the SM-DP+'s CI
     * cannot connect */
    char url[128];
    snprintf(url, sizeof(url), "%s" PLATFORM_EXECUTOR_NOTIFY_PATH, h.notify_url);
    http_client_config foreign = {.ca_file = h.platform_pki.ci,
                                  .certificate_file = h.platform_pki.tls_cert,
                                  .key_file = h.platform_pki.tls_key};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&foreign, &client), AW_OK);
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url, .body = body,
                                   .body_len = strlen(body)};
    http_client_response *response = NULL;
    aw_err err = http_client_send(client, &request, &response);
    assert_true(err == AW_ERR_HTTP_TLS || err == AW_ERR_HTTP_TRANSFER);
    http_client_free(client);
    expect_item(order.order_id, h.devices[0].eid, "in_progress", NULL);

    /* a download failure reported at point 4 fails the item */
    snprintf(body, sizeof(body),
             NOTE_HEAD "\"iccid\":\"%s\",\"profileType\":\"t\",\"timestamp\":\"x\","
                       "\"notificationPointId\":4,\"notificationPointStatus\":{\"status\":"
                       "\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8.2.10\","
                       "\"reasonCode\":\"4.2\"}}}",
             item.iccid);
    platform_profile profile;
    assert_int_equal(platform_profile_get(h.db, "tenant1", item.iccid, &profile), AW_OK);
    assert_string_equal(profile.state, "reserved");
    assert_int_equal(notify(h.smdp_subject, body, &answer), 204);
    expect_item(order.order_id, h.devices[0].eid, "failed", "W3002");
    assert_int_equal(platform_profile_get(h.db, "tenant1", item.iccid, &profile), AW_OK);
    assert_string_equal(profile.state, "available");
}

/* A worker claims the item's job and dies after step done_steps (1:
 * DownloadOrder answered and stored, 2: ConfirmOrder executed at the
 * SM-DP+ but its answer lost); its lease then expires. */
static void crash_after(const char *order_id, const char *eid, int done_steps)
{
    db_job *jobs = NULL;
    size_t count = 0;
    int64_t now = exec_clock(NULL);
    assert_int_equal(db_queue_claim(h.db, PLATFORM_EXECUTOR_QUEUE, "dead-worker", 1, 1000, now,
                                    &jobs, &count),
                     AW_OK);
    assert_int_equal(count, 1);
    db_jobs_free(jobs, count);
    assert_int_equal(platform_order_item_transition(h.db, order_id, eid, "in_progress", NULL,
                                                    "execution started", "executor", now),
                     AW_OK);
    http_client_config config = {.ca_file = h.ca, .certificate_file = h.platform_pki.tls_cert,
                                 .key_file = h.platform_pki.tls_key};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    es2p_client_request download = {.eid = eid, .profile_type = EXEC_TYPE};
    es2p_client_answer answer;
    assert_int_equal(es2p_client_call(client, h.es2p_url, EXEC_REQUESTER, "crash-1",
                                      ES2P_CLIENT_DOWNLOAD_ORDER, &download, &answer),
                     AW_OK);
    assert_true(es2p_client_succeeded(&answer));
    platform_executor_item row;
    memset(&row, 0, sizeof(row));
    row.round = 1;
    snprintf(row.stage, sizeof(row.stage), "ordered");
    snprintf(row.iccid, sizeof(row.iccid), "%s", answer.iccid);
    snprintf(row.matching_id, sizeof(row.matching_id), "AW-CRASHED0000000000001");
    /* the row as the dead worker stored it (the executor's own writer) */
    db_param params[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid), DB_PARAM_TEXT(row.iccid),
                         DB_PARAM_TEXT(row.matching_id), DB_PARAM_INT64(now)};
    assert_int_equal(db_execute(h.db,
                                "INSERT INTO platform_executor_items (order_id, eid, round, "
                                "stage, iccid, matching_id, deadline, updated_at) VALUES "
                                "(?, ?, 1, 'ordered', ?, ?, 0, ?)",
                                params, 5, NULL),
                     AW_OK);
    if (done_steps == 2) {
        es2p_client_request confirm = {.eid = eid, .iccid = row.iccid,
                                       .matching_id = row.matching_id, .release_flag = true};
        assert_int_equal(es2p_client_call(client, h.es2p_url, EXEC_REQUESTER, "crash-2",
                                          ES2P_CLIENT_CONFIRM_ORDER, &confirm, &answer),
                         AW_OK);
        assert_true(es2p_client_succeeded(&answer));
    }
    http_client_free(client);
    exec_clock_offset += 1001; /* the dead worker's lease is over */
}

static void resume(int done_steps)
{
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    const char *eid = h.devices[0].eid;
    crash_after(order.order_id, eid, done_steps);
    assert_int_equal(smdp_orders(), 1);
    platform_executor_stats stats = run();
    assert_int_equal(stats.started, 1);
    assert_int_equal(smdp_orders(), 1); /* no second ES2+ order */
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, eid, &item), AW_OK);
    assert_string_equal(item.stage, "triggered");
    assert_string_equal(item.matching_id, "AW-CRASHED0000000000001");
    exec_clock_offset = 0;
    devices_poll_and_wait(order.order_id, 1);
    expect_item(order.order_id, eid, "written", NULL);
}

static void test_resume_after_download_order(void **state)
{
    (void)state;
    resume(1);
}

static void test_resume_after_confirm_order(void **state)
{
    (void)state;
    resume(2);
}

/* Another worker takes the job over (its lease reclaimed as if expired)
 * between the claim and the first step. */
static void steal_job(void)
{
    int64_t far = db_clock_ms() + 10 * h.config.lease_ms;
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_reclaim_expired(h.db, PLATFORM_EXECUTOR_QUEUE, far, NULL), AW_OK);
    assert_int_equal(db_queue_claim(h.db, PLATFORM_EXECUTOR_QUEUE, "thief", 1, 60000, far, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, 1);
    db_jobs_free(jobs, count);
}

static void test_lease_lost(void **state)
{
    (void)state;
    platform_order order;
    device_order(1, EXEC_TYPE, &order);
    int64_t now = exec_clock(NULL);
    exec_clock_hook = steal_job;
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(h.executor, now, 10, &stats), AW_OK);
    assert_int_equal(stats.started + stats.failed + stats.retried, 0);
    assert_int_equal(smdp_orders(), 0); /* the job stopped before DownloadOrder */
    int64_t running = 0;
    db_connection *db = h.db;
    assert_int_equal(db_queue_count(db, PLATFORM_EXECUTOR_QUEUE, DB_JOB_RUNNING, &running),
                     AW_OK);
    assert_int_equal(running, 1); /* still the thief's, not completed by the executor */
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, h.devices[0].eid, &item),
                     AW_OK);
    assert_string_equal(item.stage, "started");
    /* the thief dies too: once its lease is over the executor resumes */
    exec_clock_offset += 20 * h.config.lease_ms;
    assert_int_equal(run().started, 1);
    assert_int_equal(smdp_orders(), 1);
}

static void test_eim_unknown_and_retry(void **state)
{
    (void)state;
    char stranger[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(777, stranger);
    const char *eids[] = {stranger};
    platform_order order;
    order_of(eids, 1, EXEC_TYPE, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.failed, 1);
    assert_int_equal(stats.cancelled, 1);
    expect_item(order.order_id, stranger, "failed", "W2001");
    assert_int_equal(smdp_orders(), 0); /* the ES2+ order cancelled */
    /* registered now; the retry queues the failed item again */
    eim_test_register(h.eim_db, stranger, 0, -1, NULL, NULL);
    int64_t retried = 0;
    char id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(id, sizeof(id), "%s", order.order_id);
    assert_int_equal(platform_order_retry(h.db, "tenant1", id, "app", exec_clock(NULL), &order,
                                          &retried),
                     AW_OK);
    assert_int_equal(retried, 1);
    assert_int_equal(run().started, 1);
    platform_executor_item item;
    assert_int_equal(platform_executor_item_get(h.db, order.order_id, stranger, &item), AW_OK);
    assert_int_equal(item.round, 2);
    assert_string_equal(item.stage, "triggered");
    expect_item(order.order_id, stranger, "in_progress", NULL);
}

static void test_number_pool(void **state)
{
    (void)state;
    platform_business_scope scope;
    memset(&scope, 0, sizeof(scope));
    scope.data = true;
    int64_t now = exec_clock(NULL);
    assert_int_equal(platform_profile_type_define(h.db, EXEC_TYPE, &scope, now), AW_OK);
    platform_number_pool pool;
    memset(&pool, 0, sizeof(pool));
    snprintf(pool.name, sizeof(pool.name), "iot-pool");
    snprintf(pool.tenant, sizeof(pool.tenant), "tenant1");
    snprintf(pool.profile_type, sizeof(pool.profile_type), EXEC_TYPE);
    pool.msisdn_length = 13;
    pool.segment_count = 1;
    snprintf(pool.segments[0], sizeof(pool.segments[0]), "1064");
    pool.range_count = 1;
    snprintf(pool.ranges[0].first, sizeof(pool.ranges[0].first), "460001000000000");
    snprintf(pool.ranges[0].last, sizeof(pool.ranges[0].last), "460001000000099");
    assert_int_equal(platform_number_pool_create(h.db, &pool, now), AW_OK);
    assert_int_equal(platform_number_add(h.db, "tenant1", "iot-pool", "1064000000001",
                                         "460001000000001", 2, "admin", now),
                     AW_OK);
    const char *eids[] = {h.devices[0].eid, h.devices[1].eid, h.devices[2].eid};
    platform_order order;
    order_on(eids, 3, "iot-pool", true, &order);
    platform_executor_stats stats = run();
    assert_int_equal(stats.started, 2);
    assert_int_equal(stats.failed, 1);
    expect_item(order.order_id, eids[2], "failed", "A4004");
    char msisdns[2][16];
    for (size_t i = 0; i < 2; i++) {
        platform_executor_item item;
        assert_int_equal(platform_executor_item_get(h.db, order.order_id, eids[i], &item),
                         AW_OK);
        assert_int_equal(strlen(item.msisdn), 13);
        snprintf(msisdns[i], sizeof(msisdns[i]), "%s", item.msisdn);
        platform_number number;
        assert_int_equal(platform_number_get(h.db, "tenant1", item.msisdn, &number), AW_OK);
        assert_string_equal(number.state, "reserved");
        assert_string_equal(number.eid, eids[i]);
    }
    assert_string_not_equal(msisdns[0], msisdns[1]);
    devices_poll_and_wait(order.order_id, 2);
    reload(&order);
    assert_string_equal(order.status, "partially_completed");
    for (size_t i = 0; i < 2; i++) {
        expect_item(order.order_id, eids[i], "written", NULL);
        platform_number number;
        assert_int_equal(platform_number_get(h.db, "tenant1", msisdns[i], &number), AW_OK);
        assert_string_equal(number.state, "in_use");
        assert_int_equal(strlen(number.iccid), 19);
    }
}

/* The worker threads: started, they take an order's items themselves. */
static void test_threads(void **state)
{
    (void)state;
    platform_order order;
    device_order(2, EXEC_TYPE, &order);
    assert_int_equal(platform_executor_start(h.executor), AW_OK);
    assert_int_equal(platform_executor_start(h.executor), AW_ERR_STATE);
    platform_executor_stats stats;
    assert_int_equal(platform_executor_run_once(h.executor, exec_clock(NULL), 1, &stats),
                     AW_ERR_STATE);
    platform_executor_wake(h.executor);
    for (int i = 0; i < 200; i++) {
        reload(&order);
        if (order.progress[1] == 2)
            break;
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(order.progress[1], 2);
    devices_poll_and_wait(order.order_id, 2);
    platform_executor_stop(h.executor);
    platform_executor_get_stats(h.executor, &stats);
    assert_int_equal(stats.started, 2);
    assert_int_equal(stats.failed, 0);
    reload(&order);
    assert_string_equal(order.status, "completed");
}

static void test_config_refused(void **state)
{
    (void)state;
    platform_executor *x = (platform_executor *)1;
    platform_executor_config config = h.config;
    config.smdp_es2p_url = "http://127.0.0.1:1";
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    assert_null(x);
    config = h.config;
    config.max_attempts = PLATFORM_EXECUTOR_ATTEMPTS_CEILING + 1;
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    config = h.config;
    config.download_attempts = PLATFORM_EXECUTOR_ATTEMPTS_CEILING + 1;
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    config = h.config;
    config.download_attempts = -1;
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    config = h.config;
    config.watch_ms = -1;
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    config = h.config;
    config.requester_identifier = NULL;
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_ARGUMENT);
    config = h.config;
    config.database_url = "nosuchscheme:x";
    assert_int_equal(platform_executor_new(&config, &x), AW_ERR_DB_URL);
    assert_int_equal(platform_executor_register_notifications(NULL, h.platform_server),
                     AW_ERR_ARGUMENT);
    assert_string_equal(platform_item_error_code(PLATFORM_ITEM_RESULT_TIMEOUT), "W3003");
    assert_null(platform_item_error_code(PLATFORM_ITEM_ERROR__COUNT));
    assert_null(platform_item_error_message(PLATFORM_ITEM_ERROR__COUNT));
    /* every write code has its row in docs/api-errors.md */
    char *doc = platform_test_source_file("docs/api-errors.md");
    for (int e = 0; e < PLATFORM_ITEM_ERROR__COUNT; e++) {
        const char *code = platform_item_error_code((platform_item_error)e);
        assert_non_null(platform_item_error_message((platform_item_error)e));
        assert_int_equal(code[0], 'W');
        char row[32];
        snprintf(row, sizeof(row), "| `%s` |", code);
        if (strstr(doc, row) == NULL)
            fail_msg("docs/api-errors.md lacks the row %s", row);
    }
    free(doc);
}

/* "write-seeds DIR": the seed corpus of fuzz_platform_notification, the
 * notification bodies of these tests (as the SM-DP+'s es2p_notify.c
 * writes them: points 1-4, success and Failed with codes, resultData) and
 * the refused forms. */
static int write_seeds(const char *dir)
{
    static const char *const bodies[] = {
        NOTE_HEAD "\"eid\":\"" AW_PKI_DEFAULT_EID "\",\"iccid\":\"8944000000000123456\""
            NOTE_TAIL,
        NOTE_HEAD "\"iccid\":\"8944000000000123456\",\"profileType\":\"iot-basic\","
                  "\"timestamp\":\"2026-01-01T00:00:00Z\",\"notificationPointId\":3,"
                  "\"notificationPointStatus\":{\"status\":\"Executed-Success\"}}",
        NOTE_HEAD "\"iccid\":\"8944000000000123456\",\"profileType\":\"iot-basic\","
                  "\"timestamp\":\"2026-01-01T00:00:00Z\",\"notificationPointId\":4,"
                  "\"notificationPointStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                  "{\"subjectCode\":\"8.2.10\",\"reasonCode\":\"4.2\",\"message\":"
                  "\"Profile installation failed on the eUICC\"}},\"resultData\":\"vzeBgA==\"}",
        NOTE_HEAD "\"iccid\":\"8944000000000123456\",\"profileType\":\"iot-basic\","
                  "\"timestamp\":\"2026-01-01T00:00:00Z\",\"notificationPointId\":1,"
                  "\"notificationPointStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                  "{\"subjectCode\":\"8.8.5\",\"reasonCode\":\"4.10\"}}}",
        NOTE_HEAD "\"iccid\":\"89440000000009\"" NOTE_TAIL,
        "{\"iccid\":\"1\"}",
        "[]",
    };
    mkdir(dir, 0755);
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/notification-%02zu", dir, i);
        FILE *out = fopen(path, "wb");
        if (out == NULL || fwrite(bodies[i], 1, strlen(bodies[i]), out) != strlen(bodies[i]))
            return 1;
        fclose(out);
    }
    printf("%zu seeds written to %s\n", sizeof(bodies) / sizeof(bodies[0]), dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write-seeds") == 0)
        return write_seeds(argv[2]);
    /* "postgresql" (under tests/pg-harness.sh): the platform's database on
     * PostgreSQL (claims with FOR UPDATE SKIP LOCKED); the eIM's stays SQLite */
    if (argc == 2 && strcmp(argv[1], "postgresql") == 0) {
        exec_platform_pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (exec_platform_pg_url == NULL) {
            fprintf(stderr, "AW_TEST_POSTGRESQL_URL not set (run under tests/pg-harness.sh)\n");
            return 77;
        }
        static char sqlite_arg[16] = "sqlite";
        argv[1] = sqlite_arg;
    }
    const struct CMUnitTest tests[] = {
        EXEC_TEST(test_order_written),
        EXEC_TEST(test_unknown_profile_type),
        EXEC_TEST(test_profile_unavailable),
        EXEC_TEST(test_records_conflict),
        EXEC_TEST(test_eim_unavailable),
        EXEC_TEST(test_smdp_unreachable),
        EXEC_TEST(test_result_timeout),
        EXEC_TEST(test_notifications_refused),
        EXEC_TEST(test_resume_after_download_order),
        EXEC_TEST(test_resume_after_confirm_order),
        EXEC_TEST(test_lease_lost),
        EXEC_TEST(test_eim_unknown_and_retry),
        EXEC_TEST(test_number_pool),
        EXEC_TEST(test_threads),
        EXEC_TEST(test_config_refused),
    };
    return exec_run_tests(argc, argv, "test_platform_executor", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
