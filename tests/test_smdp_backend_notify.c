/* The notifications the SM-DP+ backend (src/smdp/backend.h) queues for the
 * operator of an order (SGP.22 5.3.5) at each ES9+ event: point 1 for an
 * order refused to the eUICC (EID mismatch, not released, Confirmation Code
 * retries exceeded, already ended, expired), point 2 when the Confirmation
 * Code retries run out, points 3 and 4 for Cancel Session by reason, point 4
 * for the installation result (success and failure, with resultData); none
 * for a successful lookup, an unknown matchingId, a postponed session. The
 * binding's point 3 is covered end to end by test_smdp_es2p_notify. */
#include "smdp_es2p_testutil.h"

#include <jansson.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/db_queue.h"
#include "smdp/backend.h"
#include "smdp/es2p.h"
#include "smdp/es2p_notify.h"

static const smdp_es2p_caller operator_one = {"CN=Operator One,O=Operator", "op1", NULL};

typedef struct fixture {
    char dir[64];
    db_connection *db;
    smdp_key_ring *ring;
    smdp_backend backend;
    es9p_backend iface;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-bnotify-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char url[128], key[128];
    snprintf(url, sizeof(url), "sqlite:%s/smdp.db", f->dir);
    snprintf(key, sizeof(key), "%s/storage.key", f->dir);
    assert_int_equal(db_open(url, NULL, &f->db), AW_OK);
    es2p_test_fill_inventory(f->db, key);
    assert_int_equal(smdp_es2p_migrate(f->db), AW_OK);
    assert_int_equal(smdp_key_ring_new(&f->ring), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(f->ring, 1, key, false), AW_OK);
    f->backend = (smdp_backend){.db = f->db, .key_ring = f->ring,
                                .notification_address = "smdp.example.com"};
    f->iface = smdp_backend_interface(&f->backend);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    smdp_key_ring_free(f->ring);
    db_close(f->db);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

/* The operator's order of iccid, confirmed with matching_id (released or not). */
static void order(fixture *f, const char *iccid, const char *eid, const char *matching_id,
                  const char *cc, bool release, int64_t lifetime_ms)
{
    char out[SAIP_ICCID_TEXT], mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_es2p_result r;
    smdp_download_order d = {.iccid = iccid, .eid = eid, .caller = &operator_one,
                             .lifetime_ms = lifetime_ms};
    assert_int_equal(smdp_es2p_download_order(f->db, &d, db_clock_ms(), out, &r), AW_OK);
    assert_true(r.success);
    smdp_confirm_order c = {.iccid = iccid, .matching_id = matching_id, .confirmation_code = cc,
                            .release_flag = release, .caller = &operator_one};
    assert_int_equal(smdp_es2p_confirm_order(f->db, &c, db_clock_ms(), mid, &r), AW_OK);
    assert_true(r.success);
}

/* The operator ends an order so the profile can be ordered again. */
static void cancel(fixture *f, const char *iccid)
{
    smdp_es2p_result r;
    assert_int_equal(smdp_es2p_cancel_order_by(f->db, &operator_one, iccid, NULL, NULL,
                                               SMDP_FINAL_AVAILABLE, db_clock_ms(), &r),
                     AW_OK);
    assert_true(r.success);
}

static int64_t queued(fixture *f)
{
    int64_t count = 0;
    assert_int_equal(db_queue_count(f->db, SMDP_NOTIFY_QUEUE, DB_JOB_READY, &count), AW_OK);
    return count;
}

/* Take the one queued notification and check its point and status. */
static json_t *expect_one(fixture *f, int point, const char *subject, const char *reason)
{
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_queue_claim(f->db, SMDP_NOTIFY_QUEUE, "test", 10, 1000, db_clock_ms(),
                                    &jobs, &count),
                     AW_OK);
    assert_int_equal(count, 1);
    json_t *payload = json_loadb((const char *)jobs[0].payload, jobs[0].payload_len, 0, NULL);
    assert_non_null(payload);
    assert_int_equal(db_queue_complete(f->db, jobs[0].id, "test", db_clock_ms()), AW_OK);
    db_jobs_free(jobs, count);
    json_t *body = json_incref(json_object_get(payload, "body"));
    json_decref(payload);
    assert_int_equal(json_integer_value(json_object_get(body, "notificationPointId")), point);
    json_t *status = json_object_get(body, "notificationPointStatus");
    if (subject == NULL) {
        assert_string_equal(json_string_value(json_object_get(status, "status")),
                            "Executed-Success");
        return body;
    }
    assert_string_equal(json_string_value(json_object_get(status, "status")), "Failed");
    json_t *code = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(code, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(code, "reasonCode")), reason);
    return body;
}

static es9p_status find(fixture *f, const char *matching_id, const char *eid)
{
    es9p_order o;
    es9p_status status = ES9P_STATUS_OK;
    memset(&o, 0, sizeof(o));
    assert_int_equal(f->iface.find_order(f->iface.userdata, matching_id, eid, 0, &o, &status),
                     AW_OK);
    free(o.profile_metadata);
    return status;
}

/* ---- Point 1: the eligibility and retry limit check --------------------------- */

static void test_refused_lookups(void **state)
{
    fixture *f = *state;
    order(f, ES2P_TEST_ICCID1, ES2P_TEST_EID1, "M-ONE", NULL, true, 0);
    order(f, ES2P_TEST_ICCID2, NULL, "M-TWO", NULL, false, 0);
    /* found and eligible, or not found at all: nothing to tell */
    assert_int_equal(find(f, "M-ONE", ES2P_TEST_EID1), ES9P_STATUS_OK);
    assert_int_equal(find(f, "M-UNKNOWN", ES2P_TEST_EID1), ES9P_STATUS_MATCHING_ID_REFUSED);
    assert_int_equal(queued(f), 0);
    /* another eUICC: the operator learns which */
    assert_int_equal(find(f, "M-ONE", ES2P_TEST_EID2), ES9P_STATUS_EID_MISMATCH);
    json_t *body = expect_one(f, 1, "8.1.1", "3.8");
    assert_string_equal(json_string_value(json_object_get(body, "eid")), ES2P_TEST_EID2);
    assert_string_equal(json_string_value(json_object_get(body, "iccid")), ES2P_TEST_ICCID1);
    json_decref(body);
    /* not released yet */
    assert_int_equal(find(f, "M-TWO", ES2P_TEST_EID1), ES9P_STATUS_PROFILE_NOT_RELEASED);
    json_decref(expect_one(f, 1, "8.2", "1.2"));
    /* an order already ended */
    es9p_installation_report report = {.order_id = ES2P_TEST_ICCID1, .eid = ES2P_TEST_EID1};
    assert_int_equal(f->iface.installation_result(f->iface.userdata, &report), AW_OK);
    json_decref(expect_one(f, 4, "8.2.10", "4.2"));
    assert_int_equal(find(f, "M-ONE", ES2P_TEST_EID1), ES9P_STATUS_MATCHING_ID_REFUSED);
    json_decref(expect_one(f, 1, "8.2.6", "3.8"));
    assert_int_equal(queued(f), 0);
}

static void test_expired_lookup(void **state)
{
    fixture *f = *state;
    order(f, ES2P_TEST_ICCID1, NULL, "M-LATE", NULL, true, 200);
    usleep(300000);
    assert_int_equal(find(f, "M-LATE", ES2P_TEST_EID1), ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED);
    assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID1), SMDP_STATE_ERROR);
    json_decref(expect_one(f, 1, "8.8.5", "4.10"));
    /* told once */
    assert_int_equal(find(f, "M-LATE", ES2P_TEST_EID1), ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED);
    assert_int_equal(queued(f), 0);
}

/* ---- Point 2: Confirmation Code retries ---------------------------------------- */

static void test_confirmation_code_retries(void **state)
{
    fixture *f = *state;
    es9p_status status;
    order(f, ES2P_TEST_ICCID1, NULL, "M-CC", "4711", true, 0);
    for (int i = 1; i < SMDP_BACKEND_DEFAULT_CC_LIMIT; i++) {
        assert_int_equal(f->iface.confirmation_code_failed(f->iface.userdata, ES2P_TEST_ICCID1,
                                                           &status),
                         AW_OK);
        assert_int_equal(status, ES9P_STATUS_CONFIRMATION_CODE_REFUSED);
    }
    assert_int_equal(queued(f), 0); /* a wrong code alone is not a notification point */
    /* a limit lowered below the attempts made: refused at the lookup */
    f->backend.confirmation_code_limit = 1;
    assert_int_equal(find(f, "M-CC", ES2P_TEST_EID1),
                     ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED);
    json_decref(expect_one(f, 1, "8.2.7", "6.4"));
    f->backend.confirmation_code_limit = 0;
    assert_int_equal(f->iface.confirmation_code_failed(f->iface.userdata, ES2P_TEST_ICCID1,
                                                       &status),
                     AW_OK);
    assert_int_equal(status, ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED);
    assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID1), SMDP_STATE_ERROR);
    json_decref(expect_one(f, 2, "8.2.7", "6.4"));
}

/* ---- Points 3 and 4: Cancel Session and the installation result ------------------ */

static void test_session_cancelled(void **state)
{
    fixture *f = *state;
    static const struct {
        int64_t reason;
        int point;
        const char *subject;
        const char *code;
    } cases[] = {{0, 3, "8.8.5", "3.8"},  {3, 3, "8.2.8", "1.2"}, {4, 3, "8.2.9", "3.11"},
                 {5, 4, "8.2.10", "4.2"}, {127, 3, "8", "4.2"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        order(f, ES2P_TEST_ICCID1, NULL, "M-CANCEL", NULL, true, 0);
        /* postponed (1) and timeout (2) keep the order, quietly */
        assert_int_equal(f->iface.session_cancelled(f->iface.userdata, ES2P_TEST_ICCID1, 1),
                         AW_OK);
        assert_int_equal(f->iface.session_cancelled(f->iface.userdata, ES2P_TEST_ICCID1, 2),
                         AW_OK);
        assert_int_equal(queued(f), 0);
        assert_int_equal(
            f->iface.session_cancelled(f->iface.userdata, ES2P_TEST_ICCID1, cases[i].reason),
            AW_OK);
        assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID1), SMDP_STATE_ERROR);
        json_decref(expect_one(f, cases[i].point, cases[i].subject, cases[i].code));
        cancel(f, ES2P_TEST_ICCID1);
    }
    /* an order no longer pending: refused, nothing queued */
    order(f, ES2P_TEST_ICCID1, NULL, "M-CANCEL", NULL, false, 0);
    assert_int_equal(f->iface.session_cancelled(f->iface.userdata, ES2P_TEST_ICCID1, 0),
                     AW_ERR_STATE);
    assert_int_equal(queued(f), 0);
}

static void test_installation_results(void **state)
{
    fixture *f = *state;
    static const uint8_t data[] = {0xBF, 0x27, 0x03, 0x80, 0x01, 0x07};
    sgp22_profile_installation_result result;
    memset(&result, 0, sizeof(result));
    result.data.raw = (aw_slice){data, sizeof(data)};
    /* success: downloaded -> installed, point 4 with resultData */
    order(f, ES2P_TEST_ICCID1, ES2P_TEST_EID1, "M-OK", NULL, true, 0);
    assert_int_equal(smdp_inventory_mark_downloaded(f->db, ES2P_TEST_ICCID1, "sent",
                                                    db_clock_ms()),
                     AW_OK);
    es9p_installation_report report = {.order_id = ES2P_TEST_ICCID1, .eid = ES2P_TEST_EID1,
                                       .success = true, .result = &result};
    assert_int_equal(f->iface.installation_result(f->iface.userdata, &report), AW_OK);
    assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID1), SMDP_STATE_INSTALLED);
    json_t *body = expect_one(f, 4, NULL, NULL);
    const char *b64 = json_string_value(json_object_get(body, "resultData"));
    uint8_t decoded[16];
    size_t n = 0;
    assert_non_null(b64);
    assert_int_equal(aw_base64_decode(b64, strlen(b64), decoded, sizeof(decoded), &n), AW_OK);
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(decoded, data, n);
    json_decref(body);
    /* the same result again (the LPA retried HandleNotification): refused,
     * the operator is not told twice */
    assert_int_not_equal(f->iface.installation_result(f->iface.userdata, &report), AW_OK);
    assert_int_equal(queued(f), 0);
    /* failure: error, point 4 Failed, with the eUICC's result */
    order(f, ES2P_TEST_ICCID2, NULL, "M-FAIL", NULL, true, 0);
    report = (es9p_installation_report){.order_id = ES2P_TEST_ICCID2, .eid = ES2P_TEST_EID1,
                                        .success = false, .result = &result};
    assert_int_equal(f->iface.installation_result(f->iface.userdata, &report), AW_OK);
    assert_int_equal(es2p_test_state(f->db, ES2P_TEST_ICCID2), SMDP_STATE_ERROR);
    body = expect_one(f, 4, "8.2.10", "4.2");
    assert_non_null(json_object_get(body, "resultData"));
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_code_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_installation_results, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
