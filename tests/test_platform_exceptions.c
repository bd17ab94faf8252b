/* Tests of graded exceptions (src/platform/exceptions.c, exception_store.c,
 * exception_detect.c, exception_review.c, api_exceptions.c;
 * docs/exceptions.md) over real HTTPS on loopback, one end-to-end test per
 * class from its real signal: application (orders outside the business
 * scope), write (items failing with W3001, repeated on one EID: T1002 too),
 * interface (a callback receiver that refuses until the delivery is a dead
 * letter; refused calls over the window's threshold), terminal (an active
 * card whose device's last eIM contact is old). Each: exception created and
 * deduplicated on repeat -> escalation on the test's clock past a short
 * time limit, the exception.escalated event received by a receiver that
 * verifies its signature -> report -> resolved -> closed (reviewed) ->
 * review report JSON counts equal to hand-computed ones, the HTML holding
 * them (test_platform_exceptions_errors.c: the policy and every error).
 * SQLite by default; PostgreSQL with the argument "postgresql" under
 * pg-harness.sh. */
#include "platform_exceptions_testutil.h"

/* ---- Application: orders outside the business scope ---------------------------- */

static void out_of_scope_order(unsigned long long n)
{
    char eid[33], body[160];
    platform_test_eid(n, eid);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"iot-voice\"}", eid);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                      .bearer = token.access_token};
    expect_error(&spec, "A4002");
}

static void test_application(void **state)
{
    (void)state;
    register_hook("/hooks/airwrite", "[\"exception.raised\",\"exception.escalated\"]");
    platform_business_scope voice = {.voice = true, .voice_count = 1};
    snprintf(voice.voice_whitelist[0], sizeof(voice.voice_whitelist[0]), "8613800000000");
    assert_int_equal(platform_profile_type_define(fx.admin, "iot-voice", &voice, NOW), AW_OK);
    int64_t start = atomic_load(&clock_ms);
    out_of_scope_order(1);
    advance(SECOND);
    out_of_scope_order(2); /* the same app and cause: counted, not a new exception */
    char id[64];
    find_exception("class=application", "A4002", id, 2, "significant");
    (void)deliver_round();
    json_t *raised = NULL;
    assert_int_equal(received("exception.raised", &raised), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(raised, "data"), "code")), "A4002");
    /* significant: 30 s; 29 s after the creation nothing is due */
    advance(28 * SECOND);
    int64_t escalated = -1;
    assert_int_equal(platform_exception_escalate(fx.admin, &policy, atomic_load(&clock_ms),
                                                 &escalated),
                     AW_OK);
    assert_int_equal(escalated, 0);
    advance(2 * SECOND); /* 31 s */
    escalate_and_check(id, "serious", 1);
    transition(id, "acknowledged", NULL);
    transition(id, "handling", NULL);
    advance(10 * SECOND);
    transition(id, "resolved", NULL);
    transition(id, "closed", "A7003"); /* serious: the report first */
    submit_report(id);
    transition(id, "closed", NULL);
    static const char *const history[] = {"open",     "open",   "acknowledged", "handling",
                                          "resolved", "resolved", "closed"};
    check_history(id, history, 7);
    /* resolved 41 s after first seen */
    expected_review x = {.total = 1, .resolved = 1, .overdue = 1, .mean_ms = 41 * SECOND,
                         .p95_ms = 41 * SECOND, .by_class = {1, 0, 0, 0},
                         .by_grade = {0, 0, 1, 0}, .closed = 1, .top_code = "A4002",
                         .top_count = 1, .top_signals = 2};
    check_review(start, atomic_load(&clock_ms) + 1, &x);
}

/* ---- Write: items failing with W3001, twice on one EID -------------------------- */

static void test_write(void **state)
{
    (void)state;
    register_hook("/hooks/airwrite", "[\"exception.raised\",\"exception.escalated\"]");
    int64_t start = atomic_load(&clock_ms);
    char first[64], other[64], id[64], terminal[64];
    create_and_fail(7, "W3001", first);
    create_and_fail(7, "W3001", other); /* the same EID again */
    find_exception("class=write", "W3001", id, 2, "general");
    list_check_count("class=terminal", 0);
    advance(5 * SECOND);
    create_and_fail(7, "W3001", other); /* the third */
    find_exception("class=write", "W3001", id, 3, "general");
    /* PLATFORM_EXCEPTION_REPEATS unresolved write failures of one device: T1002 */
    find_exception("class=terminal", "T1002", terminal, 1, "significant");
    (void)deliver_round();
    assert_int_equal(received("exception.raised", NULL), 2);
    advance(61 * SECOND); /* general 60 s, significant 30 s: both due */
    int64_t escalated = -1;
    assert_int_equal(platform_exception_escalate(fx.admin, &policy, atomic_load(&clock_ms),
                                                 &escalated),
                     AW_OK);
    assert_int_equal(escalated, 2);
    (void)deliver_round();
    assert_int_equal(received("exception.escalated", NULL), 2);
    platform_exception e;
    assert_int_equal(platform_exception_get(fx.admin, "tenant-a", id, &e), AW_OK);
    assert_int_equal(e.grade, PLATFORM_GRADE_SIGNIFICANT);
    assert_int_equal(e.escalations, 1);
    assert_string_equal(e.order_id, first);
    assert_int_equal(e.count, 3);
    transition(id, "acknowledged", NULL);
    transition(id, "handling", NULL);
    transition(id, "resolved", NULL);
    submit_report(id);
    transition(id, "closed", NULL);
    static const char *const history[] = {"open", "open", "acknowledged", "handling",
                                          "resolved", "resolved", "closed"};
    check_history(id, history, 7);
    /* W3001: first seen at start, resolved at start + 66 s; T1002 open */
    expected_review x = {.total = 2, .resolved = 1, .overdue = 2, .mean_ms = 66 * SECOND,
                         .p95_ms = 66 * SECOND, .by_class = {0, 1, 0, 1},
                         .by_grade = {0, 1, 1, 0}, .closed = 1, .top_code = "T1002",
                         .top_count = 1, .top_signals = 1};
    check_review(start, atomic_load(&clock_ms) + 1, &x);
}

/* ---- Interface: a receiver refusing until dead letter; refused calls ------------- */

static void test_interface(void **state)
{
    (void)state;
    register_hook("/hooks/airwrite", "[\"exception.raised\",\"exception.escalated\"]");
    register_hook("/hooks/fail", "[\"order.accepted\"]");
    int64_t start = atomic_load(&clock_ms);
    char order_id[64];
    create_order(9, order_id); /* order.accepted to the refusing receiver */
    /* attempts 100 s apart, beyond every backoff: the sixth is the last */
    int64_t dead = 0;
    for (int i = 0; i < 6; i++) {
        dead += deliver_round().dead;
        advance(100 * SECOND);
    }
    assert_int_equal(dead, 1);
    int64_t dead_at = start + 500 * SECOND;
    char id[64];
    find_exception("class=interface", "I5001", id, 1, "significant");
    (void)deliver_round();
    json_t *raised = NULL;
    assert_int_equal(received("exception.raised", &raised), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(raised, "data"), "code")), "I5001");
    assert_int_equal(rx.refused, 6);
    /* refused calls: the threshold (3) in one window raises I5003 once */
    call_spec bad = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/exceptions",
                     .query = "grade=huge", .bearer = token.access_token};
    expect_error(&bad, "I1002");
    expect_error(&bad, "I1002");
    list_check_count("class=interface", 1); /* two refusals: under the threshold */
    expect_error(&bad, "I1002");
    expect_error(&bad, "I1002"); /* the fourth of the window only counts */
    char spike[64];
    find_exception("class=interface", "I5003", spike, 1, "general");
    /* 131 s after the dead letter: significant's 30 s passed, the spike's
     * general 60 s (from start + 600 s) not yet */
    advance(31 * SECOND);
    escalate_and_check(id, "serious", 1);
    transition(id, "acknowledged", NULL);
    transition(id, "handling", NULL);
    transition(id, "resolved", NULL);
    transition(id, "closed", "A7003");
    submit_report(id);
    transition(id, "closed", NULL);
    static const char *const history[] = {"open", "open", "acknowledged", "handling",
                                          "resolved", "resolved", "closed"};
    check_history(id, history, 7);
    int64_t handled = atomic_load(&clock_ms) - dead_at;
    assert_int_equal(handled, 131 * SECOND);
    expected_review x = {.total = 2, .resolved = 1, .overdue = 1, .mean_ms = handled,
                         .p95_ms = handled, .by_class = {0, 0, 2, 0},
                         .by_grade = {1, 0, 1, 0}, .closed = 1, .top_code = "I5001",
                         .top_count = 1, .top_signals = 1};
    check_review(start, atomic_load(&clock_ms) + 1, &x);
}

/* ---- Terminal: an active card whose device is silent ----------------------------- */

static aw_err contact_of(void *userdata, const char *eid, int64_t *last_contact_ms)
{
    const char *silent = userdata;
    if (strcmp(eid, silent) == 0)
        *last_contact_ms = NOW - 2 * 3600 * SECOND; /* two hours ago */
    else
        *last_contact_ms = atomic_load(&clock_ms) - 60 * SECOND;
    return AW_OK;
}

static void active_card(unsigned long long n, char eid[33])
{
    platform_test_eid(n, eid);
    assert_int_equal(platform_card_ensure(fx.admin, "tenant-a", eid, "executor", NOW, NULL),
                     AW_OK);
    assert_int_equal(platform_lifecycle_transition(fx.admin, PLATFORM_LIFECYCLE_CARD, "tenant-a",
                                                   eid, "active", "profile installed",
                                                   "executor", NOW, NULL),
                     AW_OK);
}

/* The app's count in the window of the test clock's now. */
static int64_t window_count(void)
{
    int64_t now = atomic_load(&clock_ms);
    db_param p[] = {DB_PARAM_TEXT(fx.app.app_id),
                    DB_PARAM_INT64(now - now % PLATFORM_EXCEPTION_DEFAULT_API_WINDOW_MS)};
    int64_t n = 0;
    aw_err err = db_query_int64(fx.admin,
                                "SELECT COALESCE(MAX(errors), 0) FROM platform_exception_api_errors "
                                "WHERE app_id = ? AND window_start = ?",
                                p, 2, &n);
    assert_int_equal(err, AW_OK);
    return n;
}

/* A flood of refused calls adds to its window's count when the count
 * reaches the threshold (3), then at most once a second and when the API
 * goes, not in a transaction per call (api_exceptions.c), and raises I5003
 * once. */
static void test_refusal_flood(void **state)
{
    (void)state;
    call_spec bad = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/exceptions",
                     .query = "grade=huge", .bearer = token.access_token};
    expect_error(&bad, "I1002");
    expect_error(&bad, "I1002");
    assert_int_equal(window_count(), 0); /* noted, not yet added */
    for (int i = 0; i < 8; i++)
        expect_error(&bad, "I1002");
    assert_int_equal(window_count(), 3); /* added once, as the third reached the threshold */
    char spike[64];
    find_exception("class=interface", "I5003", spike, 1, "general");
    advance(SECOND); /* a second on: the next adds the seven waiting and itself */
    expect_error(&bad, "I1002");
    assert_int_equal(window_count(), 11);
    expect_error(&bad, "I1002");
    expect_error(&bad, "I1002");
    assert_int_equal(window_count(), 11);
    server_stop(); /* the API going adds the last two */
    assert_int_equal(window_count(), 13);
    api_start();
    list_check_count("class=interface", 1); /* still the one spike */
}

static void test_terminal(void **state)
{
    (void)state;
    register_hook("/hooks/airwrite", "[\"exception.raised\",\"exception.escalated\"]");
    int64_t start = atomic_load(&clock_ms);
    char silent[33], talking[33];
    active_card(21, silent);
    active_card(22, talking);
    int64_t found = -1;
    assert_int_equal(platform_exception_scan_silence(fx.admin, &policy, contact_of, silent,
                                                     atomic_load(&clock_ms), &found),
                     AW_OK);
    assert_int_equal(found, 1);
    advance(10 * SECOND);
    assert_int_equal(platform_exception_scan_silence(fx.admin, &policy, contact_of, silent,
                                                     atomic_load(&clock_ms), &found),
                     AW_OK);
    assert_int_equal(found, 1);
    char id[64];
    find_exception("class=terminal", "T1001", id, 2, "general");
    advance(51 * SECOND); /* 61 s after the creation: general's 60 s passed */
    escalate_and_check(id, "significant", 1);
    advance(31 * SECOND); /* significant's 30 s passed too: serious */
    escalate_and_check(id, "serious", 1);
    transition(id, "resolved", "A7002"); /* open -> resolved is not a transition */
    transition(id, "acknowledged", NULL);
    transition(id, "handling", NULL);
    transition(id, "resolved", NULL);
    transition(id, "handling", NULL); /* reopened */
    transition(id, "resolved", NULL);
    submit_report(id);
    transition(id, "closed", NULL);
    transition(id, "handling", "A7002"); /* closed is final */
    static const char *const history[] = {"open",     "open",     "open",     "acknowledged",
                                          "handling", "resolved", "handling", "resolved",
                                          "resolved", "closed"};
    check_history(id, history, 10);
    /* resolved last at start + 92 s */
    expected_review x = {.total = 1, .resolved = 1, .overdue = 1, .mean_ms = 92 * SECOND,
                         .p95_ms = 92 * SECOND, .by_class = {0, 0, 0, 1},
                         .by_grade = {0, 0, 1, 0}, .closed = 1, .top_code = "T1001",
                         .top_count = 1, .top_signals = 2};
    check_review(start, atomic_load(&clock_ms) + 1, &x);
    /* a resolved exception frees its key: the same silence again is a new one */
    assert_int_equal(platform_exception_scan_silence(fx.admin, &policy, contact_of, silent,
                                                     atomic_load(&clock_ms), &found),
                     AW_OK);
    json_t *list = list_exceptions("class=terminal&state=open");
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_application, setup_exceptions, teardown_exceptions),
        cmocka_unit_test_setup_teardown(test_write, setup_exceptions, teardown_exceptions),
        cmocka_unit_test_setup_teardown(test_interface, setup_exceptions, teardown_exceptions),
        cmocka_unit_test_setup_teardown(test_refusal_flood, setup_exceptions, teardown_exceptions),
        cmocka_unit_test_setup_teardown(test_terminal, setup_exceptions, teardown_exceptions),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}

