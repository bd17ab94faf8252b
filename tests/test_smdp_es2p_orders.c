/* ES2+ orders and their operators (src/smdp/es2p.h): the operator that
 * placed an order is the only one its ConfirmOrder, ReleaseProfile and
 * CancelOrder are accepted from (8.2.1 / 1.2); order expiry (8.8.5 / 4.10)
 * on every path (ES2+ touch, sweep, single check); the
 * HandleDownloadProgressInfo notifications queued with state changes
 * (src/smdp/es2p_notify.h, SGP.22 5.3.5) and every error of that API; a
 * DownloadOrder repeated with its functionCallIdentifier answered with the
 * profile the first call took. Run
 * on SQLite (a file per test) and on PostgreSQL (tests/pg-harness.sh; the
 * public schema emptied before each test). */
#include "smdp_es2p_testutil.h"

#include <jansson.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/db_queue.h"
#include "smdp/es2p.h"
#include "smdp/es2p_notify.h"

static const smdp_es2p_caller operator_one = {"CN=Operator One,O=Operator", "op1", NULL};
static const smdp_es2p_caller operator_two = {"CN=Operator Two,O=Operator", "op2", NULL};
/* operator one's certificate naming another requester */
static const smdp_es2p_caller operator_one_other = {"CN=Operator One,O=Operator", "op1-b", NULL};

typedef struct fixture {
    char dir[64];
    db_connection *db;
} fixture;

static const char *postgresql_url; /* NULL: SQLite */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-es2po-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char url[128], key[128];
    snprintf(url, sizeof(url), "sqlite:%s/smdp.db", f->dir);
    snprintf(key, sizeof(key), "%s/storage.key", f->dir);
    assert_int_equal(db_open(postgresql_url != NULL ? postgresql_url : url, NULL, &f->db),
                     AW_OK);
    if (postgresql_url != NULL) {
        assert_int_equal(db_execute(f->db, "DROP SCHEMA public CASCADE", NULL, 0, NULL), AW_OK);
        assert_int_equal(db_execute(f->db, "CREATE SCHEMA public", NULL, 0, NULL), AW_OK);
    }
    es2p_test_fill_inventory(f->db, key);
    assert_int_equal(smdp_es2p_migrate(f->db), AW_OK);
    assert_int_equal(smdp_es2p_migrate(f->db), AW_OK); /* idempotent */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->db);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static void expect(const smdp_es2p_result *r, const char *subject, const char *reason)
{
    if (subject == NULL) {
        if (!r->success)
            print_error("failed: %s / %s (%s)\n", r->subject_code, r->reason_code, r->message);
        assert_true(r->success);
        return;
    }
    assert_false(r->success);
    assert_string_equal(r->subject_code, subject);
    assert_string_equal(r->reason_code, reason);
    assert_non_null(r->message);
}

static void place(db_connection *db, const char *iccid, const char *eid,
                  const smdp_es2p_caller *caller, int64_t lifetime_ms, int64_t now_ms)
{
    char out[SAIP_ICCID_TEXT];
    smdp_es2p_result r;
    smdp_download_order order = {.iccid = iccid, .eid = eid, .caller = caller,
                                 .lifetime_ms = lifetime_ms};
    assert_int_equal(smdp_es2p_download_order(db, &order, now_ms, out, &r), AW_OK);
    expect(&r, NULL, NULL);
    assert_string_equal(out, iccid);
}

static void confirm(db_connection *db, const char *iccid, const smdp_es2p_caller *caller,
                    bool release, int64_t now_ms, const char *subject, const char *reason)
{
    char matching_id[SMDP_MATCHING_ID_MAX + 1];
    smdp_es2p_result r;
    smdp_confirm_order order = {.iccid = iccid, .release_flag = release, .caller = caller};
    assert_int_equal(smdp_es2p_confirm_order(db, &order, now_ms, matching_id, &r), AW_OK);
    expect(&r, subject, reason);
}

static int64_t queued(db_connection *db)
{
    int64_t count = 0;
    assert_int_equal(db_queue_count(db, SMDP_NOTIFY_QUEUE, DB_JOB_READY, &count), AW_OK);
    return count;
}

/* Claim the one queued notification and return its payload (json_decref). */
static json_t *claim_one(db_connection *db, int64_t now_ms)
{
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_claim(db, SMDP_NOTIFY_QUEUE, "test", 10, 1000, now_ms, &jobs,
                                    &count),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(jobs[0].kind, SMDP_NOTIFY_KIND);
    json_t *payload = json_loadb((const char *)jobs[0].payload, jobs[0].payload_len, 0, NULL);
    assert_non_null(payload);
    assert_int_equal(db_queue_complete(db, jobs[0].id, "test", now_ms), AW_OK);
    db_jobs_free(jobs, count);
    return payload;
}

static const char *text_at(json_t *object, const char *a, const char *b)
{
    json_t *value = json_object_get(object, a);
    if (b != NULL)
        value = json_object_get(value, b);
    return json_string_value(value);
}

/* ---- A repeated DownloadOrder ------------------------------------------------- */

static void order_type(db_connection *db, const char *eid, const smdp_es2p_caller *caller,
                       char out[SAIP_ICCID_TEXT])
{
    smdp_es2p_result r;
    smdp_download_order order = {.eid = eid, .profile_type = ES2P_TEST_TYPE, .caller = caller};
    assert_int_equal(smdp_es2p_download_order(db, &order, 10, out, &r), AW_OK);
    expect(&r, NULL, NULL);
}

/* SGP.22 6.5.1.3: the operator's DownloadOrder again with the same
 * functionCallIdentifier (its answer lost in a crash) takes no second
 * profile while the first order is not confirmed; another call, another
 * operator, another EID, or a confirmed order take a new one. */
static void test_repeated_download_order(void **state)
{
    fixture *f = *state;
    const smdp_es2p_caller call = {"CN=Operator One,O=Operator", "op1", "item-1-download"};
    const smdp_es2p_caller other_call = {"CN=Operator One,O=Operator", "op1", "item-2-download"};
    const smdp_es2p_caller other_operator = {"CN=Operator Two,O=Operator", "op2",
                                             "item-1-download"};
    char first[SAIP_ICCID_TEXT], again[SAIP_ICCID_TEXT], other[SAIP_ICCID_TEXT];
    order_type(f->db, ES2P_TEST_EID1, &call, first);
    order_type(f->db, ES2P_TEST_EID1, &call, again);
    assert_string_equal(again, first);
    int64_t taken = 0;
    assert_int_equal(db_query_int64(f->db,
                                    "SELECT COUNT(*) FROM smdp_profiles WHERE state = 'linked'",
                                    NULL, 0, &taken),
                     AW_OK);
    assert_int_equal(taken, 1);
    order_type(f->db, ES2P_TEST_EID1, &other_call, other);
    assert_string_not_equal(other, first);
    order_type(f->db, ES2P_TEST_EID1, &other_operator, other);
    assert_string_not_equal(other, first);
    order_type(f->db, ES2P_TEST_EID2, &call, other);
    assert_string_not_equal(other, first);
    /* the first order confirmed: the same call is a new order (the pool
     * is used up by now: 8.2.5 / 3.7, not the confirmed profile again) */
    confirm(f->db, first, &call, true, 11, NULL, NULL);
    smdp_es2p_result r;
    smdp_download_order order = {.eid = ES2P_TEST_EID1, .profile_type = ES2P_TEST_TYPE,
                                 .caller = &call};
    assert_int_equal(smdp_es2p_download_order(f->db, &order, 12, again, &r), AW_OK);
    expect(&r, "8.2.5", "3.7");
}

/* ---- Ownership ------------------------------------------------------------------ */

static void test_other_operator_refused(void **state)
{
    fixture *f = *state;
    db_connection *db = f->db;
    smdp_es2p_result r;
    place(db, ES2P_TEST_ICCID1, ES2P_TEST_EID1, &operator_one, 0, 10);
    /* another certificate, or the same certificate naming another requester */
    confirm(db, ES2P_TEST_ICCID1, &operator_two, false, 11, "8.2.1", "1.2");
    confirm(db, ES2P_TEST_ICCID1, &operator_one_other, false, 11, "8.2.1", "1.2");
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_LINKED);
    confirm(db, ES2P_TEST_ICCID1, &operator_one, false, 12, NULL, NULL);
    assert_int_equal(smdp_es2p_release_profile_by(db, &operator_two, ES2P_TEST_ICCID1, 13, &r),
                     AW_OK);
    expect(&r, "8.2.1", "1.2");
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_CONFIRMED);
    assert_int_equal(smdp_es2p_release_profile_by(db, &operator_one, ES2P_TEST_ICCID1, 14, &r),
                     AW_OK);
    expect(&r, NULL, NULL);
    assert_int_equal(smdp_es2p_cancel_order_by(db, &operator_two, ES2P_TEST_ICCID1, NULL, NULL,
                                               SMDP_FINAL_AVAILABLE, 15, &r),
                     AW_OK);
    expect(&r, "8.2.1", "1.2");
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_RELEASED);
    /* the owner cancels: the profile returns and another operator may order it */
    assert_int_equal(smdp_es2p_cancel_order_by(db, &operator_one, ES2P_TEST_ICCID1, NULL, NULL,
                                               SMDP_FINAL_AVAILABLE, 16, &r),
                     AW_OK);
    expect(&r, NULL, NULL);
    place(db, ES2P_TEST_ICCID1, NULL, &operator_two, 0, 17);
    confirm(db, ES2P_TEST_ICCID1, &operator_one, true, 18, "8.2.1", "1.2");
    confirm(db, ES2P_TEST_ICCID1, &operator_two, true, 18, NULL, NULL);

    /* an administrative order belongs to no operator; the administrator
     * may act on any order */
    place(db, ES2P_TEST_ICCID2, ES2P_TEST_EID2, NULL, 0, 20);
    confirm(db, ES2P_TEST_ICCID2, &operator_one, false, 21, "8.2.1", "1.2");
    confirm(db, ES2P_TEST_ICCID2, NULL, false, 21, NULL, NULL);
    assert_int_equal(smdp_es2p_cancel_order(db, ES2P_TEST_ICCID1, NULL, NULL,
                                            SMDP_FINAL_UNAVAILABLE, 22, &r),
                     AW_OK);
    expect(&r, NULL, NULL);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_UNAVAILABLE);
    /* an unknown ICCID stays 8.2.1 / 3.9 whoever asks */
    assert_int_equal(smdp_es2p_release_profile_by(db, &operator_one, "8944000000000999999", 23,
                                                  &r),
                     AW_OK);
    expect(&r, "8.2.1", "3.9");
}

static void test_caller_arguments(void **state)
{
    fixture *f = *state;
    char out[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1], long_text[300];
    smdp_es2p_result r;
    memset(long_text, 'A', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    const smdp_es2p_caller bad[] = {{"", "op1", NULL},        {"CN=x", "", NULL},
                                    {NULL, "op1", NULL},      {"CN=x", NULL, NULL},
                                    {long_text, "op1", NULL}, {"CN=x", long_text, NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        smdp_download_order order = {.iccid = ES2P_TEST_ICCID3, .caller = &bad[i]};
        assert_int_equal(smdp_es2p_download_order(f->db, &order, 1, out, &r), AW_ERR_ARGUMENT);
        smdp_confirm_order c = {.iccid = ES2P_TEST_ICCID3, .caller = &bad[i]};
        assert_int_equal(smdp_es2p_confirm_order(f->db, &c, 1, matching_id, &r),
                         AW_ERR_ARGUMENT);
        assert_int_equal(smdp_es2p_release_profile_by(f->db, &bad[i], ES2P_TEST_ICCID3, 1, &r),
                         AW_ERR_ARGUMENT);
        assert_int_equal(smdp_es2p_cancel_order_by(f->db, &bad[i], ES2P_TEST_ICCID3, NULL, NULL,
                                                   SMDP_FINAL_AVAILABLE, 1, &r),
                         AW_ERR_ARGUMENT);
    }
    smdp_download_order order = {.iccid = ES2P_TEST_ICCID3, .lifetime_ms = -1};
    assert_int_equal(smdp_es2p_download_order(f->db, &order, 1, out, &r), AW_ERR_ARGUMENT);
    assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID3), SMDP_STATE_AVAILABLE);
    assert_int_equal(smdp_es2p_migrate(NULL), AW_ERR_ARGUMENT);
}

/* A database with the inventory only: administrative orders work, an
 * operator's order or a lifetime cannot be recorded. */
static void test_without_order_schema(void **state)
{
    fixture *f = *state;
    char url[128], key[128], out[SAIP_ICCID_TEXT];
    snprintf(url, sizeof(url), "sqlite:%s/plain.db", f->dir);
    snprintf(key, sizeof(key), "%s/storage.key", f->dir);
    db_connection *db = NULL;
    assert_int_equal(db_open(url, NULL, &db), AW_OK);
    es2p_test_fill_inventory(db, key);
    smdp_es2p_result r;
    smdp_download_order order = {.iccid = ES2P_TEST_ICCID1, .caller = &operator_one};
    assert_int_equal(smdp_es2p_download_order(db, &order, 1, out, &r), AW_ERR_STATE);
    order = (smdp_download_order){.iccid = ES2P_TEST_ICCID1, .lifetime_ms = 10};
    assert_int_equal(smdp_es2p_download_order(db, &order, 1, out, &r), AW_ERR_STATE);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_AVAILABLE);
    place(db, ES2P_TEST_ICCID1, NULL, NULL, 0, 2);
    confirm(db, ES2P_TEST_ICCID1, NULL, true, 3, NULL, NULL);
    size_t count = 99;
    assert_int_equal(smdp_es2p_expire_orders(db, 1000000, &count), AW_OK);
    assert_int_equal(count, 0);
    bool expired = true;
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID1, 1000000, &expired), AW_OK);
    assert_false(expired);
    /* nothing to notify without the order records */
    smdp_progress progress = {.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD};
    static const smdp_state from[] = {SMDP_STATE_RELEASED};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, from, 1, SMDP_STATE_DOWNLOADED,
                                        "sent", &progress, 4),
                     AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_DOWNLOADED);
    db_close(db);
}

/* ---- Notifications --------------------------------------------------------- */

static void test_notification_payload(void **state)
{
    fixture *f = *state;
    db_connection *db = f->db;
    place(db, ES2P_TEST_ICCID1, ES2P_TEST_EID1, &operator_one, 0, 10);
    confirm(db, ES2P_TEST_ICCID1, &operator_one, true, 11, NULL, NULL);
    assert_int_equal(queued(db), 0); /* ES2+ calls are answered, not notified */

    /* point 3, success; 1767225600000 = 2026-01-01T00:00:00Z */
    static const smdp_state released[] = {SMDP_STATE_RELEASED};
    smdp_progress progress = {.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, released, 1,
                                        SMDP_STATE_DOWNLOADED, "sent", &progress,
                                        1767225600000),
                     AW_OK);
    json_t *payload = claim_one(db, 1767225600000);
    assert_string_equal(text_at(payload, "route", "subject"), operator_one.subject);
    assert_string_equal(text_at(payload, "route", "requester"), operator_one.requester_id);
    json_t *body = json_object_get(payload, "body");
    assert_null(json_object_get(body, "header")); /* the notifier adds it */
    assert_string_equal(text_at(body, "iccid", NULL), ES2P_TEST_ICCID1);
    assert_string_equal(text_at(body, "eid", NULL), ES2P_TEST_EID1);
    assert_string_equal(text_at(body, "profileType", NULL), ES2P_TEST_TYPE);
    assert_string_equal(text_at(body, "timestamp", NULL), "2026-01-01T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(body, "notificationPointId")), 3);
    assert_string_equal(text_at(body, "notificationPointStatus", "status"), "Executed-Success");
    assert_null(json_object_get(json_object_get(body, "notificationPointStatus"),
                                "statusCodeData"));
    assert_null(json_object_get(body, "resultData"));
    json_decref(payload);

    /* point 4, failed, with resultData and another EID than the stored one */
    static const uint8_t data[] = {0xBF, 0x27, 0x03, 0x80, 0x01, 0x05};
    static const smdp_state downloaded[] = {SMDP_STATE_DOWNLOADED};
    progress = (smdp_progress){.point = SMDP_NOTIFY_POINT_BPP_INSTALLATION,
                               .subject_code = "8.2.10",
                               .reason_code = "4.2",
                               .message = "failed",
                               .eid = ES2P_TEST_EID2,
                               .result_data = data,
                               .result_data_len = sizeof(data)};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, downloaded, 1, SMDP_STATE_ERROR,
                                        "installation failed", &progress, 1767225601000),
                     AW_OK);
    payload = claim_one(db, 1767225601000);
    body = json_object_get(payload, "body");
    assert_string_equal(text_at(body, "eid", NULL), ES2P_TEST_EID2);
    assert_int_equal(json_integer_value(json_object_get(body, "notificationPointId")), 4);
    json_t *status = json_object_get(body, "notificationPointStatus");
    assert_string_equal(text_at(status, "status", NULL), "Failed");
    assert_string_equal(text_at(status, "statusCodeData", "subjectCode"), "8.2.10");
    assert_string_equal(text_at(status, "statusCodeData", "reasonCode"), "4.2");
    assert_string_equal(text_at(status, "statusCodeData", "message"), "failed");
    const char *b64 = text_at(body, "resultData", NULL);
    assert_non_null(b64);
    uint8_t decoded[16];
    size_t decoded_len = 0;
    assert_int_equal(aw_base64_decode(b64, strlen(b64), decoded, sizeof(decoded), &decoded_len),
                     AW_OK);
    assert_int_equal(decoded_len, sizeof(data));
    assert_memory_equal(decoded, data, sizeof(data));
    json_decref(payload);

    /* an administrative order: the state changes, nobody is notified */
    place(db, ES2P_TEST_ICCID2, NULL, NULL, 0, 20);
    confirm(db, ES2P_TEST_ICCID2, NULL, true, 21, NULL, NULL);
    progress = (smdp_progress){.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID2, released, 1,
                                        SMDP_STATE_DOWNLOADED, "sent", &progress, 22),
                     AW_OK);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID2), SMDP_STATE_DOWNLOADED);
    assert_int_equal(queued(db), 0);
}

static void test_progress_errors(void **state)
{
    fixture *f = *state;
    db_connection *db = f->db;
    place(db, ES2P_TEST_ICCID1, NULL, &operator_one, 0, 10);
    static const smdp_state released[] = {SMDP_STATE_RELEASED};
    smdp_progress good = {.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD};
    /* a change from a state the profile is not in: nothing changes and
     * nothing is queued (one transaction) */
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, released, 1,
                                        SMDP_STATE_DOWNLOADED, "sent", &good, 11),
                     AW_ERR_STATE);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_ALLOCATED);
    assert_int_equal(queued(db), 0);
    assert_int_equal(smdp_es2p_progress(db, "8944000000000999999", released, 1,
                                        SMDP_STATE_DOWNLOADED, "sent", &good, 11),
                     AW_ERR_NOT_FOUND);
    /* a notification alone (no state change) is queued */
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, NULL, 0, SMDP_STATE_ALLOCATED,
                                        NULL, &good, 12),
                     AW_OK);
    assert_int_equal(queued(db), 1);

    smdp_progress bad_point = {.point = (smdp_notify_point)5};
    smdp_progress half_code = {.point = SMDP_NOTIFY_POINT_ELIGIBILITY, .subject_code = "8.8.5"};
    smdp_progress no_data = {.point = SMDP_NOTIFY_POINT_BPP_INSTALLATION, .result_data_len = 3};
    const smdp_progress *bad[] = {&bad_point, &half_code, &no_data};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, NULL, 0, SMDP_STATE_ALLOCATED,
                                            NULL, bad[i], 13),
                         AW_ERR_ARGUMENT);
        assert_int_equal(smdp_es2p_notify_enqueue(db, ES2P_TEST_ICCID1, bad[i], 13),
                         AW_ERR_ARGUMENT);
    }
    static const smdp_state allocated[] = {SMDP_STATE_ALLOCATED};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, allocated, 1, SMDP_STATE_LINKED,
                                        "", &good, 13),
                     AW_ERR_ARGUMENT); /* a cause is required with a change */
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, NULL, 1, SMDP_STATE_LINKED,
                                        "x", &good, 13),
                     AW_ERR_ARGUMENT);
    assert_int_equal(smdp_es2p_progress(NULL, ES2P_TEST_ICCID1, NULL, 0, SMDP_STATE_LINKED,
                                        NULL, &good, 13),
                     AW_ERR_ARGUMENT);
    static uint8_t big[SMDP_NOTIFY_RESULT_DATA_MAX + 1];
    smdp_progress too_big = {.point = SMDP_NOTIFY_POINT_BPP_INSTALLATION, .result_data = big,
                             .result_data_len = sizeof(big)};
    assert_int_equal(smdp_es2p_progress(db, ES2P_TEST_ICCID1, NULL, 0, SMDP_STATE_ALLOCATED,
                                        NULL, &too_big, 13),
                     AW_ERR_LIMIT);
    assert_int_equal(smdp_es2p_notify_enqueue(db, NULL, &good, 13), AW_ERR_ARGUMENT);
    assert_int_equal(queued(db), 1);

    char text[SMDP_NOTIFY_TIMESTAMP_SIZE];
    assert_int_equal(smdp_es2p_notify_timestamp(0, text), AW_OK);
    assert_string_equal(text, "1970-01-01T00:00:00Z");
    assert_int_equal(smdp_es2p_notify_timestamp(-1, text), AW_ERR_ARGUMENT);
    assert_string_equal(text, "");
    assert_int_equal(smdp_es2p_notify_timestamp(INT64_C(300000000000000), text),
                     AW_ERR_ARGUMENT); /* year 11476 */
}

/* ---- Expiry ------------------------------------------------------------------ */

static void test_expiry_on_es2p(void **state)
{
    fixture *f = *state;
    db_connection *db = f->db;
    smdp_es2p_result r;
    /* placed at 10000 with a lifetime of 1000: due at 11000 */
    place(db, ES2P_TEST_ICCID1, ES2P_TEST_EID1, &operator_one, 1000, 10000);
    confirm(db, ES2P_TEST_ICCID1, &operator_one, false, 10999, NULL, NULL);
    assert_int_equal(queued(db), 0);
    assert_int_equal(smdp_es2p_release_profile_by(db, &operator_one, ES2P_TEST_ICCID1, 11000,
                                                  &r),
                     AW_OK);
    expect(&r, "8.8.5", "4.10");
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_ERROR);
    smdp_history_entry *history = NULL;
    size_t n = 0;
    assert_int_equal(smdp_inventory_history(db, ES2P_TEST_ICCID1, &history, &n), AW_OK);
    assert_string_equal(history[n - 1].cause, "download order expired");
    assert_int_equal(history[n - 1].at_ms, 11000);
    free(history);
    /* the operator learns it once: point 1, Failed 8.8.5 / 4.10 */
    assert_int_equal(queued(db), 1);
    json_t *payload = claim_one(db, 11000);
    json_t *body = json_object_get(payload, "body");
    assert_int_equal(json_integer_value(json_object_get(body, "notificationPointId")), 1);
    json_t *status = json_object_get(body, "notificationPointStatus");
    assert_string_equal(text_at(status, "status", NULL), "Failed");
    assert_string_equal(text_at(status, "statusCodeData", "subjectCode"), "8.8.5");
    assert_string_equal(text_at(status, "statusCodeData", "reasonCode"), "4.10");
    json_decref(payload);
    /* still expired later, without a second notification */
    assert_int_equal(smdp_es2p_release_profile_by(db, &operator_one, ES2P_TEST_ICCID1, 12000,
                                                  &r),
                     AW_OK);
    expect(&r, "8.8.5", "4.10");
    confirm(db, ES2P_TEST_ICCID1, &operator_one, true, 12000, "8.8.5", "4.10");
    /* another operator is still refused as such */
    confirm(db, ES2P_TEST_ICCID1, &operator_two, true, 12000, "8.2.1", "1.2");
    assert_int_equal(queued(db), 0);
    /* the operator ends it: back to the pool, the record goes */
    assert_int_equal(smdp_es2p_cancel_order_by(db, &operator_one, ES2P_TEST_ICCID1, NULL, NULL,
                                               SMDP_FINAL_AVAILABLE, 12001, &r),
                     AW_OK);
    expect(&r, NULL, NULL);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_AVAILABLE);
    bool expired = true;
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID1, 99999, &expired), AW_OK);
    assert_false(expired);

    /* a CancelOrder arriving after the expiry time: expired on the way, then cancelled */
    place(db, ES2P_TEST_ICCID2, NULL, &operator_one, 10, 20000);
    assert_int_equal(smdp_es2p_cancel_order_by(db, &operator_one, ES2P_TEST_ICCID2, NULL, NULL,
                                               SMDP_FINAL_UNAVAILABLE, 30000, &r),
                     AW_OK);
    expect(&r, NULL, NULL);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID2), SMDP_STATE_UNAVAILABLE);
    assert_int_equal(queued(db), 1); /* the expiry's point 1 */
}

static void test_expiry_sweep(void **state)
{
    fixture *f = *state;
    db_connection *db = f->db;
    size_t count = 99;
    place(db, ES2P_TEST_ICCID1, NULL, &operator_one, 100, 0);
    place(db, ES2P_TEST_ICCID2, NULL, &operator_two, 100, 0);
    place(db, ES2P_TEST_ICCID3, NULL, &operator_one, 5000, 0);
    /* ICCID2 completes in time: installed orders never expire */
    confirm(db, ES2P_TEST_ICCID2, &operator_two, true, 10, NULL, NULL);
    assert_int_equal(smdp_inventory_mark_downloaded(db, ES2P_TEST_ICCID2, "sent", 20), AW_OK);
    assert_int_equal(smdp_inventory_mark_installed(db, ES2P_TEST_ICCID2, "installed", 30),
                     AW_OK);
    /* ICCID4's package was sent in time: its installation result decides */
    place(db, ES2P_TEST_ICCID4, NULL, &operator_one, 100, 0);
    confirm(db, ES2P_TEST_ICCID4, &operator_one, true, 10, NULL, NULL);
    assert_int_equal(smdp_inventory_mark_downloaded(db, ES2P_TEST_ICCID4, "sent", 20), AW_OK);
    assert_int_equal(smdp_es2p_expire_orders(db, 99, &count), AW_OK);
    assert_int_equal(count, 0);
    assert_int_equal(smdp_es2p_expire_orders(db, 100, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID1), SMDP_STATE_ERROR);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID2), SMDP_STATE_INSTALLED);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID3), SMDP_STATE_ALLOCATED);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID4), SMDP_STATE_DOWNLOADED);
    assert_int_equal(queued(db), 1);
    /* a second sweep finds nothing new */
    assert_int_equal(smdp_es2p_expire_orders(db, 200, &count), AW_OK);
    assert_int_equal(count, 0);
    assert_int_equal(smdp_es2p_expire_orders(db, 200, NULL), AW_OK);
    bool expired = false;
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID1, 200, &expired), AW_OK);
    assert_true(expired); /* expired earlier */
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID3, 4999, &expired), AW_OK);
    assert_false(expired);
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID3, 5000, &expired), AW_OK);
    assert_true(expired);
    assert_int_equal(es2p_test_state(db, ES2P_TEST_ICCID3), SMDP_STATE_ERROR);
    assert_int_equal(queued(db), 2);
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID4, 5000, &expired), AW_OK);
    assert_false(expired);
    assert_int_equal(smdp_es2p_expire_order(db, "8944000000000999999", 5000, &expired), AW_OK);
    assert_false(expired); /* no order */
    assert_int_equal(smdp_es2p_expire_order(NULL, ES2P_TEST_ICCID4, 5000, &expired),
                     AW_ERR_ARGUMENT);
    assert_int_equal(smdp_es2p_expire_order(db, NULL, 5000, &expired), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_es2p_expire_order(db, ES2P_TEST_ICCID4, 5000, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_es2p_expire_orders(NULL, 5000, &count), AW_ERR_ARGUMENT);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: %s sqlite|postgresql\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "postgresql") == 0) {
        postgresql_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (postgresql_url == NULL) {
            fprintf(stderr, "AW_TEST_POSTGRESQL_URL not set (run through pg-harness.sh)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_repeated_download_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_operator_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_order_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notification_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_on_es2p, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
