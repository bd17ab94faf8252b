/* The SM-DP+ daemon's request observation (src/smdp/server_ops.c) on
 * answers made here: what each SGP.22 6.5.1.4 functionExecutionStatus
 * counts as, the session outcomes, HTTP 204 / 403 / 500, answers that are
 * not what the daemon would write, and the log line of each (level and
 * fields). */
#include "metrics_testutil.h"

#include <jansson.h>

#include "smdp/server_ops.h"

typedef struct ops_test {
    smdp_ops ops;
    aw_log *log;
    FILE *stream;
    char *buffer;
    size_t size;
} ops_test;

static void ops_open(ops_test *t)
{
    memset(t, 0, sizeof(*t));
    t->stream = open_memstream(&t->buffer, &t->size);
    assert_non_null(t->stream);
    assert_int_equal(log_new_stream(t->stream, LOG_LEVEL_INFO, &t->log), AW_OK);
    assert_int_equal(smdp_ops_init(&t->ops, t->log), AW_OK);
}

static void ops_close(ops_test *t)
{
    smdp_ops_clear(&t->ops);
    smdp_ops_clear(NULL);
    log_free(t->log);
    fclose(t->stream);
    free(t->buffer);
}

/* Observe an answer with this body: the test plays the JSON binding and
 * reports the body's header (es9p_json_outcome) as the daemon does. */
static void observe(ops_test *t, smdp_interface interface, const char *function, int status,
                    const char *body)
{
    char path[96];
    snprintf(path, sizeof(path), "/gsma/rsp2/%s/%s",
             interface == SMDP_INTERFACE_ES9P ? "es9plus" : "es2plus", function);
    json_t *root = body != NULL ? json_loads(body, 0, NULL) : NULL;
    json_t *execution = json_object_get(json_object_get(root, "header"),
                                        "functionExecutionStatus");
    json_t *code = json_object_get(execution, "statusCodeData");
    smdp_ops_request request = {
        .interface = interface,
        .path = path,
        .http_status = status,
        .status = json_string_value(json_object_get(execution, "status")),
        .subject_code = json_string_value(json_object_get(code, "subjectCode")),
        .reason_code = json_string_value(json_object_get(code, "reasonCode")),
        .transaction_id = json_string_value(json_object_get(root, "transactionId")),
        .duration_us = 1500,
        .peer = "127.0.0.1"};
    smdp_ops_observe(&t->ops, &request);
    json_decref(root);
}

static char *render(ops_test *t)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(metrics_registry_render(t->ops.registry, &text, &len), AW_OK);
    return text;
}

/* The last log line, parsed. */
static json_t *last_line(ops_test *t)
{
    fflush(t->stream);
    assert_true(t->size > 0);
    const char *end = t->buffer + t->size - 1;
    const char *start = end;
    while (start > t->buffer && start[-1] != '\n')
        start--;
    json_t *root = json_loadb(start, (size_t)(end - start), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    return root;
}

#define OK_BODY(extra)                                                                           \
    "{" extra "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}"
#define FAILED_BODY(subject, reason)                                                             \
    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"      \
    "{\"subjectCode\":\"" subject "\",\"reasonCode\":\"" reason "\",\"message\":\"m\"}}}}"

static void test_sessions(void **state)
{
    (void)state;
    ops_test t;
    ops_open(&t);
    observe(&t, SMDP_INTERFACE_ES9P, "initiateAuthentication", 200,
            OK_BODY("\"transactionId\":\"0A1B2C3D4E5F60718293A4B5C6D7E8F9\","));
    json_t *line = last_line(&t);
    assert_string_equal(json_string_value(json_object_get(line, "event")), "es9p_request");
    assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(line, "transaction_id")),
                        "0A1B2C3D4E5F60718293A4B5C6D7E8F9");
    assert_int_equal(json_integer_value(json_object_get(line, "duration_us")), 1500);
    assert_null(json_object_get(line, "subject_code"));
    json_decref(line);
    observe(&t, SMDP_INTERFACE_ES9P, "getBoundProfilePackage", 200, OK_BODY(""));
    observe(&t, SMDP_INTERFACE_ES9P, "cancelSession", 200, OK_BODY(""));
    observe(&t, SMDP_INTERFACE_ES9P, "cancelSession", 200, FAILED_BODY("8.10.1", "3.9"));
    line = last_line(&t);
    assert_string_equal(json_string_value(json_object_get(line, "result")), "failed");
    assert_string_equal(json_string_value(json_object_get(line, "subject_code")), "8.10.1");
    assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
    json_decref(line);
    observe(&t, SMDP_INTERFACE_ES9P, "handleNotification", 204, NULL);
    /* the daemon's own failure is logged as an error */
    observe(&t, SMDP_INTERFACE_ES9P, "authenticateClient", 200, FAILED_BODY("1.2", "4.2"));
    line = last_line(&t);
    assert_string_equal(json_string_value(json_object_get(line, "level")), "error");
    json_decref(line);
    char *text = render(&t);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_started_total"), 1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_finished_total{"
                                              "outcome=\"bound_profile_package\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_finished_total{"
                                              "outcome=\"cancelled\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_failed_total{function="
                                              "\"cancelSession\",subject_code=\"8.10.1\","
                                              "reason_code=\"3.9\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_requests_total{function="
                                              "\"handleNotification\",result=\"success\"}"),
                     1);
    /* two answers of 1.5 ms each */
    assert_non_null(strstr(text, "airwrite_smdp_request_duration_seconds_sum{interface=\"es9p\","
                                 "function=\"cancelSession\"} 0.003\n"));
    assert_non_null(strstr(text, "airwrite_smdp_request_duration_seconds_bucket{interface="
                                 "\"es9p\",function=\"cancelSession\",le=\"0.001\"} 0\n"
                                 "airwrite_smdp_request_duration_seconds_bucket{interface="
                                 "\"es9p\",function=\"cancelSession\",le=\"0.0025\"} 2\n"));
    free(text);
    ops_close(&t);
}

/* ES2+: results with their codes; 403 (subject not allowed) and 500 (no
 * answer) with empty codes; the operator in the log only. */
static void test_es2p_results(void **state)
{
    (void)state;
    ops_test t;
    ops_open(&t);
    observe(&t, SMDP_INTERFACE_ES2P, "downloadOrder", 200, OK_BODY("\"iccid\":\"8944\","));
    observe(&t, SMDP_INTERFACE_ES2P, "confirmOrder", 200, FAILED_BODY("8.2.1", "3.5"));
    observe(&t, SMDP_INTERFACE_ES2P, "releaseProfile", 403, NULL);
    json_t *line = last_line(&t);
    assert_string_equal(json_string_value(json_object_get(line, "event")), "es2p_request");
    assert_string_equal(json_string_value(json_object_get(line, "level")), "warning");
    assert_string_equal(json_string_value(json_object_get(line, "result")), "forbidden");
    json_decref(line);
    smdp_ops_request request = {.interface = SMDP_INTERFACE_ES2P,
                                .path = "/gsma/rsp2/es2plus/cancelOrder", .http_status = 500,
                                .caller = "CN=Operator \"A\",O=Op\nX"};
    smdp_ops_observe(&t.ops, &request);
    line = last_line(&t);
    assert_string_equal(json_string_value(json_object_get(line, "level")), "error");
    assert_string_equal(json_string_value(json_object_get(line, "result")), "error");
    assert_string_equal(json_string_value(json_object_get(line, "operator")),
                        "CN=Operator \"A\",O=Op\nX");
    assert_null(json_object_get(line, "peer"));
    json_decref(line);
    char *text = render(&t);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es2p_requests_total{function="
                                              "\"downloadOrder\",result=\"success\","
                                              "subject_code=\"\",reason_code=\"\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es2p_requests_total{function="
                                              "\"confirmOrder\",result=\"failed\","
                                              "subject_code=\"8.2.1\",reason_code=\"3.5\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es2p_requests_total{function="
                                              "\"releaseProfile\",result=\"forbidden\","
                                              "subject_code=\"\",reason_code=\"\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es2p_requests_total{function="
                                              "\"cancelOrder\",result=\"error\","
                                              "subject_code=\"\",reason_code=\"\"}"),
                     1);
    assert_null(strstr(text, "Operator")); /* never a label */
    assert_null(strstr(text, "es9p_requests_total{"));
    free(text);
    ops_close(&t);
}

/* Answers the daemon would not write: nothing odd reaches a label or a
 * log field (unknown function, codes or identifiers of other characters,
 * no status reported). */
static void test_unexpected_answers(void **state)
{
    (void)state;
    ops_test t;
    ops_open(&t);
    smdp_ops_request request = {.interface = SMDP_INTERFACE_ES9P, .path = "/odd/pa-th",
                                .http_status = 200, .status = NULL};
    smdp_ops_observe(&t.ops, &request);
    request.path = NULL;
    smdp_ops_observe(&t.ops, &request);
    observe(&t, SMDP_INTERFACE_ES9P, "initiateAuthentication", 200,
            "{\"transactionId\":\"<script>\",\"header\":{\"functionExecutionStatus\":{\"status\":"
            "\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8\\\"x\",\"reasonCode\":7}}}}");
    json_t *line = last_line(&t);
    assert_null(json_object_get(line, "transaction_id"));
    assert_null(json_object_get(line, "subject_code"));
    assert_string_equal(json_string_value(json_object_get(line, "result")), "failed");
    json_decref(line);
    observe(&t, SMDP_INTERFACE_ES9P, "cancelSession", 200,
            "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Maybe\"}}}");
    char *text = render(&t);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_requests_total{function="
                                              "\"unknown\",result=\"error\"}"),
                     2);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_sessions_failed_total{function="
                                              "\"initiateAuthentication\",subject_code=\"\","
                                              "reason_code=\"\"}"),
                     1);
    assert_int_equal(metrics_test_value(text, "airwrite_smdp_es9p_requests_total{function="
                                              "\"cancelSession\",result=\"error\"}"),
                     1);
    assert_null(strstr(text, "script"));
    free(text);
    smdp_ops_observe(NULL, &request);
    smdp_ops_observe(&t.ops, NULL);
    ops_close(&t);
    assert_int_equal(smdp_ops_init(NULL, NULL), AW_ERR_ARGUMENT);
    /* without a logger everything is still counted */
    smdp_ops ops;
    assert_int_equal(smdp_ops_init(&ops, NULL), AW_OK);
    smdp_ops_observe(&ops, &request);
    char *counted = NULL;
    size_t len = 0;
    assert_int_equal(metrics_registry_render(ops.registry, &counted, &len), AW_OK);
    assert_int_equal(metrics_test_value(counted, "airwrite_smdp_es9p_requests_total{function="
                                                 "\"unknown\",result=\"error\"}"),
                     1);
    free(counted);
    smdp_ops_clear(&ops);
    assert_true(smdp_ops_clock_us() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_es2p_results),
        cmocka_unit_test(test_unexpected_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
