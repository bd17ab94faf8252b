/* Graded exceptions (docs/exceptions.md): the policy parser (airwrited
 * [exceptions] keys, durations, counts, the grade order per class), the
 * list's filters (class, grade, state, first-seen period) and paging, and
 * every error: the library's argument and limit checks, and each error
 * answer of the exception and review routes (A7001..A7004, I1001..I1005),
 * tenant isolation (another tenant's exception does not exist for it).
 * SQLite by default; PostgreSQL with the argument "postgresql" under
 * pg-harness.sh. */
#include "platform_exceptions_testutil.h"

/* ---- Policy -------------------------------------------------------------------------- */

static void test_policy(void **state)
{
    (void)state;
    platform_exception_policy p;
    platform_exception_policy_default(&p);
    assert_int_equal(platform_exception_policy_check(&p), AW_OK);
    assert_int_equal(p.time_limit_ms[0][3], 3600 * SECOND);
    assert_int_equal(p.time_limit_ms[3][0], 72 * 3600 * SECOND);
    assert_int_equal(platform_exception_policy_set(&p, "write_critical", "30m"), AW_OK);
    assert_int_equal(p.time_limit_ms[1][3], 1800 * SECOND);
    assert_int_equal(platform_exception_policy_set(&p, "terminal_general", "3d"), AW_OK);
    assert_int_equal(platform_exception_policy_set(&p, "write_urgent", "1h"), AW_ERR_CONFIG_KEY);
    assert_int_equal(platform_exception_policy_set(&p, "hardware_general", "1h"),
                     AW_ERR_CONFIG_KEY);
    assert_int_equal(platform_exception_policy_set(&p, "timeout", "1h"), AW_ERR_CONFIG_KEY);
    assert_int_equal(platform_exception_policy_set(&p, "applicationx_general", "1h"),
                     AW_ERR_CONFIG_KEY);
    static const char *const bad_durations[] = {"", "1", "h", "0s", "01h", "1w", "91d", "-1h",
                                                "1.5h", "99999999s"};
    for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
        assert_int_equal(platform_exception_policy_set(&p, "silence", bad_durations[i]),
                         AW_ERR_CONFIG_VALUE);
    assert_int_equal(platform_exception_policy_set(&p, "api_error_threshold", "0"),
                     AW_ERR_CONFIG_VALUE);
    assert_int_equal(platform_exception_policy_set(&p, "api_error_threshold", "1000001"),
                     AW_ERR_CONFIG_VALUE);
    assert_int_equal(platform_exception_policy_set(&p, "api_window", "10s"), AW_OK);
    /* a critical exception allowed longer than a general one of its class */
    assert_int_equal(platform_exception_policy_set(&p, "interface_critical", "5d"), AW_OK);
    assert_int_equal(platform_exception_policy_check(&p), AW_ERR_CONFIG_CONFLICT);
    platform_exception_policy_default(&p);
    p.silence_ms = 0;
    assert_int_equal(platform_exception_policy_check(&p), AW_ERR_CONFIG_VALUE);
    assert_int_equal(platform_exception_policy_set(NULL, "silence", "1h"), AW_ERR_ARGUMENT);
    assert_int_equal(platform_exception_policy_check(NULL), AW_ERR_ARGUMENT);
    assert_string_equal(platform_exception_grade_name(PLATFORM_GRADE_CRITICAL), "critical");
    assert_null(platform_exception_grade_name(0));
    assert_int_equal(platform_exception_grade_from_name("serious"), PLATFORM_GRADE_SERIOUS);
    assert_int_equal(platform_exception_grade_from_name("x"), 0);
    assert_int_equal(platform_error_class_from_name("terminal"), PLATFORM_ERROR_CLASS_TERMINAL);
    assert_null(platform_error_class_name(0));
}

/* ---- Filters and paging ---------------------------------------------------------- */

/* GET /api/v1/exceptions?query: the ids in order and the next cursor. */
static size_t page(const char *query, char ids[][PLATFORM_EXCEPTION_ID_LENGTH + 1], size_t max,
                   char *cursor, size_t cursor_size)
{
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/exceptions",
                      .query = query, .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    json_t *list = json_object_get(r.body, "exceptions");
    size_t n = json_array_size(list);
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++)
        snprintf(ids[i], PLATFORM_EXCEPTION_ID_LENGTH + 1, "%s",
                 json_string_value(json_object_get(json_array_get(list, i), "exceptionId")));
    const char *next = json_string_value(json_object_get(r.body, "nextCursor"));
    snprintf(cursor, cursor_size, "%s", next != NULL ? next : "");
    reply_free(&r);
    return n;
}

static void test_list_filters(void **state)
{
    (void)state;
    /* three exceptions a minute apart: write general, terminal significant,
     * application serious (acknowledged) */
    static const char *const codes[] = {"W3001", "T1001", "A4004"};
    platform_exception_grade grades[] = {PLATFORM_GRADE_GENERAL, PLATFORM_GRADE_SIGNIFICANT,
                                         PLATFORM_GRADE_SERIOUS};
    char ids[3][PLATFORM_EXCEPTION_ID_LENGTH + 1];
    for (size_t i = 0; i < 3; i++) {
        char object[32];
        snprintf(object, sizeof(object), "eid:%zu", i);
        platform_exception_signal s = {.tenant = "tenant-a", .code = codes[i],
                                       .source = "test", .object = object, .grade = grades[i]};
        assert_int_equal(platform_exception_record(fx.admin, &policy, &s,
                                                   NOW + (int64_t)i * 60 * SECOND, ids[i], NULL),
                         AW_OK);
    }
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", ids[2], "acknowledged",
                                                   "op", "seen", NOW + 200 * SECOND, NULL),
                     AW_OK);
    char got[3][PLATFORM_EXCEPTION_ID_LENGTH + 1], cursor[24], query[96];
    /* newest first, two a page */
    assert_int_equal(page("limit=2", got, 3, cursor, sizeof(cursor)), 2);
    assert_string_equal(got[0], ids[2]);
    assert_string_equal(got[1], ids[1]);
    assert_true(cursor[0] != '\0');
    snprintf(query, sizeof(query), "limit=2&cursor=%s", cursor);
    assert_int_equal(page(query, got, 3, cursor, sizeof(cursor)), 1);
    assert_string_equal(got[0], ids[0]);
    assert_string_equal(cursor, "");
    /* first seen in [NOW + 30 s, NOW + 90 s): the middle one */
    snprintf(query, sizeof(query), "from=%lld&to=%lld", (long long)(NOW + 30 * SECOND),
             (long long)(NOW + 90 * SECOND));
    assert_int_equal(page(query, got, 3, cursor, sizeof(cursor)), 1);
    assert_string_equal(got[0], ids[1]);
    assert_int_equal(page("class=terminal", got, 3, cursor, sizeof(cursor)), 1);
    assert_string_equal(got[0], ids[1]);
    assert_int_equal(page("grade=serious", got, 3, cursor, sizeof(cursor)), 1);
    assert_string_equal(got[0], ids[2]);
    assert_int_equal(page("state=acknowledged", got, 3, cursor, sizeof(cursor)), 1);
    assert_string_equal(got[0], ids[2]);
    assert_int_equal(page("state=open&class=application", got, 3, cursor, sizeof(cursor)), 0);
}

/* ---- Every error ------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    /* the library's argument checks */
    platform_exception_signal s = {.tenant = "tenant-a", .code = "W3001", .source = "executor",
                                   .object = "eid:1"};
    assert_int_equal(platform_exception_record(fx.admin, &policy, &s, NOW, NULL, NULL), AW_OK);
    platform_exception_signal bad = s;
    bad.code = "X1001";
    assert_int_equal(platform_exception_record(fx.admin, &policy, &bad, NOW, NULL, NULL),
                     AW_ERR_ARGUMENT);
    bad = s;
    bad.object = "eid with space";
    assert_int_equal(platform_exception_record(fx.admin, &policy, &bad, NOW, NULL, NULL),
                     AW_ERR_ARGUMENT);
    bad = s;
    bad.tenant = "";
    assert_int_equal(platform_exception_record(fx.admin, &policy, &bad, NOW, NULL, NULL),
                     AW_ERR_ARGUMENT);
    char id[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    bool created = true;
    assert_int_equal(platform_exception_record(fx.admin, &policy, &s, NOW, id, &created), AW_OK);
    assert_false(created);
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", id, "gone",
                                                   "op", NULL, NOW, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-b", id,
                                                   "acknowledged", "op", NULL, NOW, NULL),
                     AW_ERR_PLATFORM_EXCEPTION_UNKNOWN);
    char long_text[PLATFORM_EXCEPTION_REPORT_TEXT_MAX + 2];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    assert_int_equal(platform_exception_report(fx.admin, "tenant-a", id, "op", long_text, NULL,
                                               0, NOW),
                     AW_ERR_PLATFORM_REPORT_LIMIT);
    assert_int_equal(platform_exception_report(fx.admin, "tenant-a", id, "op", "", NULL, 0, NOW),
                     AW_ERR_PLATFORM_REPORT_LIMIT);
    platform_exception_attachment big = {.name = "a", .content_type = "text/plain",
                                         .data = (const uint8_t *)"x",
                                         .size = PLATFORM_EXCEPTION_ATTACHMENT_MAX + 1};
    assert_int_equal(platform_exception_report(fx.admin, "tenant-a", id, "op", "t", &big, 1, NOW),
                     AW_ERR_PLATFORM_REPORT_LIMIT);
    platform_exception_attachment unnamed = {.content_type = "text/plain"};
    assert_int_equal(
        platform_exception_report(fx.admin, "tenant-a", id, "op", "t", &unnamed, 1, NOW),
        AW_ERR_ARGUMENT);
    platform_review *review = NULL;
    assert_int_equal(platform_review_build(fx.admin, "tenant-a", NOW, NOW, NOW, &review),
                     AW_ERR_PLATFORM_FIELD);
    assert_null(review);

    /* A7001: unknown, malformed, or another tenant's */
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s", "exc_000000000000000000000000");
    call_spec get = {.method = AW_HTTP_METHOD_GET, .path = path, .bearer = token.access_token};
    expect_error(&get, "A7001");
    get.path = "/api/v1/exceptions/nonsense";
    expect_error(&get, "A7001");
    char other_secret[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app other;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", NULL, NOW, &other,
                                         other_secret),
                     AW_OK);
    assert_int_equal(platform_app_role_set(fx.admin, other.app_id, PLATFORM_ROLE_OPERATOR, NOW),
                     AW_OK);
    platform_token_pair other_token = issue(&other, other_secret);
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s", id);
    get.path = path;
    expect_ok(&get);
    /* tenant-b's operator: tenant-a's exception does not exist for it */
    call_spec foreign = {.method = AW_HTTP_METHOD_GET, .path = path, .app_id = other.app_id,
                         .secret = other_secret, .bearer = other_token.access_token};
    expect_error(&foreign, "A7001");
    foreign.path = "/api/v1/exceptions";
    reply listed = call(&foreign);
    assert_int_equal(listed.status, 200);
    assert_int_equal(json_array_size(json_object_get(listed.body, "exceptions")), 0);
    reply_free(&listed);
    /* A7002, A7003 are in the class tests; A7004: text, count, size */
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s/report", id);
    size_t big_len = PLATFORM_EXCEPTION_REPORT_TEXT_MAX + 64;
    char *body = malloc(big_len);
    assert_non_null(body);
    snprintf(body, big_len, "{\"text\":\"%.*s\"}", (int)PLATFORM_EXCEPTION_REPORT_TEXT_MAX + 1,
             long_text);
    call_spec report = {.method = AW_HTTP_METHOD_POST, .path = path, .body = body,
                        .bearer = token.access_token};
    expect_error(&report, "A7004");
    free(body);
    report.body = "{\"text\":\"t\",\"attachments\":[{\"name\":\"a\",\"contentType\":\"t/p\","
                  "\"data\":\"eA==\"},{\"name\":\"a\",\"contentType\":\"t/p\",\"data\":\"eA==\"},"
                  "{\"name\":\"a\",\"contentType\":\"t/p\",\"data\":\"eA==\"},{\"name\":\"a\","
                  "\"contentType\":\"t/p\",\"data\":\"eA==\"},{\"name\":\"a\",\"contentType\":"
                  "\"t/p\",\"data\":\"eA==\"}]}";
    expect_error(&report, "A7004");
    size_t huge_len = PLATFORM_EXCEPTION_ATTACHMENT_MAX * 2;
    char *huge = malloc(huge_len + 128);
    assert_non_null(huge);
    int n = snprintf(huge, 128, "{\"text\":\"t\",\"attachments\":[{\"name\":\"a\",\"contentType\""
                                ":\"t/p\",\"data\":\"");
    memset(huge + n, 'A', huge_len - 8);
    snprintf(huge + n + huge_len - 8, 16, "\"}]}");
    report.body = huge;
    expect_error(&report, "A7004");
    /* I1003 over the report body's bound, I1004 not JSON, I1001, I1002 */
    size_t over = PLATFORM_EXCEPTION_REPORT_BODY_MAX + 16;
    char *over_body = realloc(huge, over + 1);
    assert_non_null(over_body);
    memset(over_body, ' ', over);
    over_body[over] = '\0';
    report.body = over_body;
    expect_error(&report, "I1003");
    free(over_body);
    report.body = "{\"text\":\"t\"}";
    report.content_type = "text/plain";
    expect_error(&report, "I1004");
    report.content_type = NULL;
    report.body = "{\"text\":";
    expect_error(&report, "I1001");
    report.body = "{\"text\":\"t\",\"attachments\":[{\"name\":\"a\",\"contentType\":\"t/p\","
                  "\"data\":\"!!!\"}]}";
    expect_error(&report, "I1002");
    report.body = "{\"text\":\"t\",\"extra\":1}";
    expect_error(&report, "I1002");
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s/transition", id);
    call_spec move = {.method = AW_HTTP_METHOD_POST, .path = path, .body = "{\"to\":\"gone\"}",
                      .bearer = token.access_token};
    expect_error(&move, "I1002");
    move.body = "{\"to\":1}";
    expect_error(&move, "I1002");
    /* I1002 of the list and review queries */
    static const char *const bad_lists[] = {"class=x", "grade=x", "state=x", "limit=0",
                                            "limit=501", "cursor=-1", "from=x", "unknown=1"};
    for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
        call_spec list = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/exceptions",
                          .query = bad_lists[i], .bearer = token.access_token};
        expect_error(&list, "I1002");
    }
    static const char *const bad_reviews[] = {"period=daily", "format=pdf", "from=5",
                                              "from=9&to=5", "period=weekly&from=1&to=2", "x=1"};
    for (size_t i = 0; i < sizeof(bad_reviews) / sizeof(bad_reviews[0]); i++) {
        call_spec r = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/reviews",
                       .query = bad_reviews[i], .bearer = token.access_token};
        expect_error(&r, "I1002");
    }
    call_spec weekly = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/reviews",
                        .query = "period=weekly", .bearer = token.access_token};
    expect_ok(&weekly);
    weekly.query = "period=monthly";
    expect_ok(&weekly);
    /* I1005: other methods */
    call_spec wrong = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/reviews", .body = "{}",
                       .bearer = token.access_token};
    expect_error(&wrong, "I1005");
    wrong.method = AW_HTTP_METHOD_GET;
    wrong.body = NULL;
    wrong.path = path; /* .../transition */
    expect_error(&wrong, "I1005");
    wrong.method = AW_HTTP_METHOD_DELETE;
    wrong.path = "/api/v1/exceptions";
    expect_error(&wrong, "I1005");
    /* a report on a closed exception: A7002 */
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", id,
                                                   "acknowledged", "op", NULL, NOW, NULL),
                     AW_OK);
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", id, "handling",
                                                   "op", NULL, NOW, NULL),
                     AW_OK);
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", id, "resolved",
                                                   "op", NULL, NOW, NULL),
                     AW_OK);
    /* general: closes without a report */
    assert_int_equal(platform_exception_transition(fx.admin, "tenant-a", id, "closed",
                                                   "op", NULL, NOW, NULL),
                     AW_OK);
    snprintf(path, sizeof(path), "/api/v1/exceptions/%s/report", id);
    report.body = "{\"text\":\"late\"}";
    expect_error(&report, "A7002");
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
        cmocka_unit_test(test_policy),
        cmocka_unit_test_setup_teardown(test_list_filters, setup_exceptions, teardown_exceptions),
        cmocka_unit_test_setup_teardown(test_errors, setup_exceptions, teardown_exceptions),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}

