/* The ESipa JSON binding of the eIM (src/eim/esipa_json.c, SGP.32 6.4.1
 * on /gsma/rsp2/esipa/<function>) over HTTPS, served by the same handlers
 * as the ASN.1 binding: a queued download trigger handed out as base64 DER,
 * then noEimPackageAvailable, eidNotFound; the IPA's
 * eimPackageResultResponseError recorded against the trigger; missingEid;
 * the download functions' refusals as "Failed" with their SGP.22 5.6
 * codes (unknown transactionId, unknown eimTransactionId);
 * handleNotification answered 204; every malformed request answered
 * Failed with the member named; a body over the bound refused (413); the
 * same connection kept for every request, or closed after each. */
#include "eim_relay_testutil.h"

#include <signal.h>

#include <event2/thread.h>

static http_client_response *post_json(relay_harness *h, const char *function,
                                       const char *content_type, const char *body)
{
    static const char *const names[] = {"Content-Type", "X-Admin-Protocol"};
    char url[160];
    snprintf(url, sizeof(url), "%s" EIM_ESIPA_JSON_PREFIX "%s", h->json_base, function);
    http_header header = {"Content-Type", content_type};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url,
                                   .headers = &header, .header_count = 1, .body = body,
                                   .body_len = strlen(body), .response_header_names = names,
                                   .response_header_count = 2};
    http_client_response *response = NULL;
    aw_err err = http_client_send(h->ipa, &request, &response);
    if (err != AW_OK)
        print_error("POST %s: %s (%s)\n", function, aw_err_name(err),
                    http_client_last_error(h->ipa));
    assert_int_equal(err, AW_OK);
    return response;
}

/* POST and parse the 200 JSON answer. */
static json_t *call(relay_harness *h, const char *function, const char *body)
{
    http_client_response *response = post_json(h, function, "application/json", body);
    assert_int_equal(response->status, 200);
    assert_non_null(response->header_values[0]);
    assert_string_equal(response->header_values[0], EIM_ESIPA_JSON_CONTENT_TYPE);
    assert_non_null(response->header_values[1]);
    assert_string_equal(response->header_values[1], EIM_ESIPA_ADMIN_PROTOCOL);
    json_t *root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
    assert_non_null(root);
    http_client_response_free(response);
    return root;
}

static void expect_success(json_t *root)
{
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    assert_string_equal(json_string_value(json_object_get(status, "status")), "Executed-Success");
}

static void expect_failed(json_t *root, const char *reason, const char *member)
{
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    assert_string_equal(json_string_value(json_object_get(status, "status")), "Failed");
    json_t *data = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(data, "subjectCode")), "1.2");
    assert_string_equal(json_string_value(json_object_get(data, "reasonCode")), reason);
    assert_string_equal(json_string_value(json_object_get(data, "subjectIdentifier")), member);
    json_decref(root);
}

/* "Failed" with an error table's codes (no member named). */
static void expect_codes(json_t *root, const char *subject, const char *reason)
{
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    assert_string_equal(json_string_value(json_object_get(status, "status")), "Failed");
    json_t *data = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(data, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(data, "reasonCode")), reason);
    assert_null(json_object_get(data, "subjectIdentifier"));
    json_decref(root);
}

static void expect_integer(json_t *root, const char *name, int64_t value)
{
    expect_success(root);
    assert_true(json_is_integer(json_object_get(root, name)));
    assert_int_equal(json_integer_value(json_object_get(root, name)), value);
    json_decref(root);
}

static void test_json_binding(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$" LPA_SMDP_ADDRESS "$JSON-1"};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(h.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    char body[512];
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\"}", AW_PKI_DEFAULT_EID);

    /* 6.4.1.5: the trigger, base64 of its DER */
    json_t *root = call(&h, "getEimPackage", body);
    expect_success(root);
    const char *text = json_string_value(json_object_get(root, "profileDownloadTriggerRequest"));
    assert_non_null(text);
    uint8_t package[512];
    size_t package_len = 0;
    assert_int_equal(aw_base64_decode(text, strlen(text), package, sizeof(package), &package_len),
                     AW_OK);
    sgp32_profile_download_trigger_request decoded;
    assert_int_equal(sgp32_decode_profile_download_trigger_request(package, package_len, &decoded),
                     AW_OK);
    assert_true(decoded.has_eim_transaction_id);
    uint8_t eim_tid[16];
    memcpy(eim_tid, decoded.eim_transaction_id.ptr, sizeof(eim_tid));
    json_decref(root);
    char other[EIM_EID_DIGITS + 1], other_body[128];
    eim_test_eid(77, other);
    snprintf(other_body, sizeof(other_body), "{\"eidValue\":\"%s\"}", other);
    expect_integer(call(&h, "getEimPackage", other_body), "eimPackageError",
                   SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND);

    /* 6.4.1.6: the IPA could not process the trigger */
    uint8_t result[32] = {0xA0, 0x15, 0x80, 0x10};
    memcpy(result + 4, eim_tid, 16);
    memcpy(result + 20, "\x02\x01\x7F", 3);
    char result64[64];
    assert_int_equal(aw_base64_encode(result, 23, result64, sizeof(result64)), AW_OK);
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"%s\"}",
             AW_PKI_DEFAULT_EID, result64);
    root = call(&h, "provideEimPackageResult", body);
    expect_success(root);
    assert_int_equal(json_object_size(root), 1); /* emptyResponse: nothing to acknowledge */
    json_decref(root);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_FAILED);
    assert_int_equal(records[0].error_code, 127);
    eim_package_records_free(records, count);
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\"}", AW_PKI_DEFAULT_EID);
    expect_integer(call(&h, "getEimPackage", body), "eimPackageError",
                   SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"%s\"}",
             AW_PKI_DEFAULT_EID, result64);
    /* the same again: a result for it is recorded, undefinedError */
    expect_integer(call(&h, "provideEimPackageResult", body), "provideEimPackageResultError",
                   SGP32_PROVIDE_RESULT_UNDEFINED_ERROR);
    snprintf(body, sizeof(body), "{\"eimPackageResult\":\"%s\"}", result64);
    expect_integer(call(&h, "provideEimPackageResult", body), "provideEimPackageResultError",
                   SGP32_PROVIDE_RESULT_MISSING_EID);

    /* malformed requests */
    expect_failed(call(&h, "getEimPackage", "{}"), "2.2", "eidValue");
    expect_failed(call(&h, "getEimPackage", "{\"eidValue\":\"1234\"}"), "2.1", "eidValue");
    expect_failed(call(&h, "getEimPackage", "{\"eidValue\":7}"), "2.1", "eidValue");
    expect_failed(call(&h, "getEimPackage", "[]"), "2.1", "body");
    expect_failed(call(&h, "getEimPackage", "{\"eidValue\":"), "2.1", "body");
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\"}", AW_PKI_DEFAULT_EID);
    expect_failed(call(&h, "provideEimPackageResult", body), "2.2", "eimPackageResult");
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"@@@@\"}",
             AW_PKI_DEFAULT_EID);
    expect_failed(call(&h, "provideEimPackageResult", body), "2.1", "eimPackageResult");
    /* base64 of something that is no EimPackageResult */
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"BAA=\"}",
             AW_PKI_DEFAULT_EID);
    expect_failed(call(&h, "provideEimPackageResult", body), "2.1", "eimPackageResult");
    snprintf(body, sizeof(body), "{\"eidValue\":\"x\",\"eimPackageResult\":\"%s\"}", result64);
    expect_failed(call(&h, "provideEimPackageResult", body), "2.1", "eidValue");

    /* HTTP refusals */
    http_client_response *response = post_json(&h, "getEimPackage", "text/plain", "{}");
    assert_int_equal(response->status, 415);
    http_client_response_free(response);
    response = post_json(&h, "transferEimPackage", "application/json", "{}");
    assert_int_equal(response->status, 404); /* the eIM's request to an IPA, not served */
    http_client_response_free(response);
    /* over the body bound (EIM_ESIPA_BODY_MAX): refused before any parsing */
    char *big = malloc(EIM_ESIPA_BODY_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', EIM_ESIPA_BODY_MAX + 1);
    big[0] = '{';
    big[EIM_ESIPA_BODY_MAX] = '}';
    big[EIM_ESIPA_BODY_MAX + 1] = '\0';
    response = post_json(&h, "getEimPackage", "application/json", big);
    assert_int_equal(response->status, 413);
    http_client_response_free(response);
    free(big);

    /* the library entry point */
    char *json = (char *)1;
    size_t json_len = 1;
    eim_context context = {.db = h.db, .trust = NULL};
    assert_int_equal(eim_esipa_json_serve(NULL, &context, EIM_ESIPA_JSON_PREFIX "transferEimPackage",
                                          (const uint8_t *)"{}", 2, 0, &json, &json_len, NULL),
                     AW_ERR_NOT_FOUND);
    assert_null(json);
    assert_int_equal(json_len, 0);
    assert_int_equal(eim_esipa_json_serve(NULL, &context, NULL, NULL, 0, 0, &json, &json_len,
                                          NULL),
                     AW_ERR_ARGUMENT);
    relay_close(&h);
}

/* The download functions (6.4.1.1-6.4.1.3, 6.4.1.7, 6.4.1.8): what the
 * relay refuses before any SM-DP+ is asked, as the SGP.22 5.6 codes. */
static void test_download_functions(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    static const char challenge[] = "\"euiccChallenge\":\"ERITFBUWFxgZGhscHR4fIA==\"";
    char body[512];
    /* an eimTransactionId the eIM never sent: invalidEimTransactionId */
    snprintf(body, sizeof(body),
             "{%s,\"euiccInfo1\":\"vyAA\",\"eimTransactionId\":\"0102\"}", challenge);
    json_t *root = call(&h, "initiateAuthentication", body);
    expect_codes(root, "8.31.2", "3.10");
    /* the SM-DP+ address of no route that answers: undefinedError */
    snprintf(body, sizeof(body),
             "{%s,\"euiccInfo1\":\"vyAA\",\"smdpAddress\":\"" RELAY_UNREACHABLE "\"}",
             challenge);
    expect_codes(call(&h, "initiateAuthentication", body), "1.2", "4.2");
    /* no euiccInfo1 (an IPA minimizing its ESipa bytes): this eIM keeps none
     * to fill in for ES9+, so undefinedError, before any SM-DP+ is asked */
    snprintf(body, sizeof(body), "{%s,\"smdpAddress\":\"" LPA_SMDP_ADDRESS "\"}", challenge);
    expect_codes(call(&h, "initiateAuthentication", body), "1.2", "4.2");
    /* a transactionId no download has: invalidTransactionId */
    expect_codes(call(&h, "authenticateClient",
                      "{\"transactionId\":\"0A0B\",\"authenticateServerResponse\":\"vzgA\"}"),
                 "8.10.1", "3.9");
    expect_codes(call(&h, "getBoundProfilePackage",
                      "{\"transactionId\":\"0A0B\",\"prepareDownloadResponse\":\"vyEA\"}"),
                 "8.10.1", "3.9");
    expect_codes(call(&h, "cancelSession",
                      "{\"transactionId\":\"0A0B\",\"cancelSessionResponse\":\"v0EDAgEF\"}"),
                 "8.10.1", "3.9");
    /* a notification: no answer (204), whatever became of it */
    http_client_response *response =
        post_json(&h, "handleNotification", "application/json",
                  "{\"pendingNotification\":\"MAA=\"}");
    assert_int_equal(response->status, 204);
    assert_int_equal(response->body_len, 0);
    http_client_response_free(response);
    /* malformed: the member named */
    expect_failed(call(&h, "initiateAuthentication", "{}"), "2.2", "euiccChallenge");
    expect_failed(call(&h, "authenticateClient", "{\"transactionId\":\"0A0B\"}"), "2.2",
                  "authenticateServerResponse");
    expect_failed(call(&h, "getBoundProfilePackage",
                       "{\"transactionId\":\"0A0\",\"prepareDownloadResponse\":\"vyEA\"}"),
                  "2.1", "transactionId");
    expect_failed(call(&h, "cancelSession",
                       "{\"transactionId\":\"0A0B\",\"cancelSessionResponse\":\"oQA=\"}"),
                  "2.1", "cancelSessionResponse");
    expect_failed(call(&h, "handleNotification", "{}"), "2.2", "pendingNotification");
    expect_failed(call(&h, "handleNotification", "{\"pendingNotification\":\"MA==\"}"), "2.1",
                  "pendingNotification");
    relay_close(&h);
}

/* One client keeps its connection for every request; another asks the
 * server to close after each ("Connection: close"): both are served. */
static void test_connections(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    static const char *const names[] = {"Content-Type"};
    char url[160], body[128];
    snprintf(url, sizeof(url), "%s" EIM_ESIPA_JSON_PREFIX "getEimPackage", h.json_base);
    snprintf(body, sizeof(body), "{\"eidValue\":\"%s\"}", AW_PKI_DEFAULT_EID);
    http_header header = {"Content-Type", "application/json"};
    for (int close_each = 0; close_each < 2; close_each++) {
        for (int i = 0; i < 3; i++) {
            http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = url,
                                           .headers = &header, .header_count = 1, .body = body,
                                           .body_len = strlen(body),
                                           .close_connection = close_each != 0,
                                           .response_header_names = names,
                                           .response_header_count = 1};
            http_client_response *response = NULL;
            assert_int_equal(http_client_send(h.ipa, &request, &response), AW_OK);
            assert_int_equal(response->status, 200);
            /* kept: every request after the very first on the same connection;
             * closing: a new one each time after the first (which still
             * rides the connection kept before) */
            assert_int_equal(response->connection_reused, close_each == 0 ? i > 0 : i == 0);
            json_t *root = json_loadb((const char *)response->body, response->body_len, 0, NULL);
            expect_integer(root, "eimPackageError", SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
            http_client_response_free(response);
        }
    }
    relay_close(&h);
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_eim_esipa_json");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_binding),
        cmocka_unit_test(test_download_functions),
        cmocka_unit_test(test_connections),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
