/* The ES2+ client (src/core/es2p_client.c; SGP.22 5.3.1-5.3.4 over 6.5.2.1-
 * 6.5.2.4): its request bodies go through airwrite's own SM-DP+ binding
 * (src/smdp/es2p_json.c, in process on an SQLite inventory) and the
 * answers come back through its parser: DownloadOrder by profile type,
 * ConfirmOrder with our Matching ID and releaseFlag, a repeated
 * ConfirmOrder (8.2.1 / 3.5), ReleaseProfile, CancelOrder, an unknown
 * profile type (8.2.5 / 3.9). Then every refusal of the encoder and of the
 * parser. Run as "test_es2p_client write-seeds DIR" it writes the seed
 * corpus of fuzz_es2p_client from the SM-DP+'s answers instead. */
#include "smdp_es2p_testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/es2p_client.h"
#include "smdp/es2p_json.h"

#define ADDRESS "smdp.example.com"
#define MATCHING "AW-0123456789ABCDEF0123"

typedef struct fixture {
    char dir[64];
    char key_file[128];
    db_connection *db;
} fixture;

static fixture f;
static const char *seed_dir;
static unsigned seed_count;

static int setup(void **state)
{
    (void)state;
    char url[128];
    memset(&f, 0, sizeof(f));
    snprintf(f.dir, sizeof(f.dir), "/tmp/aw-es2c-XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    snprintf(f.key_file, sizeof(f.key_file), "%s/storage.key", f.dir);
    snprintf(url, sizeof(url), "sqlite:%s/smdp.db", f.dir);
    assert_int_equal(db_open(url, NULL, &f.db), AW_OK);
    es2p_test_fill_inventory(f.db, f.key_file);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[160];
    db_close(f.db);
    snprintf(path, sizeof(path), "%s/smdp.db", f.dir);
    unlink(path);
    unlink(f.key_file);
    rmdir(f.dir);
    return 0;
}

static void write_seed(es2p_client_function function, const char *body, size_t len)
{
    if (seed_dir == NULL)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/answer-%02u", seed_dir, seed_count++);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    uint8_t first = (uint8_t)function;
    assert_int_equal(fwrite(&first, 1, 1, out), 1);
    assert_int_equal(fwrite(body, 1, len, out), len);
    fclose(out);
}

/* Encode, let the SM-DP+ binding handle it, parse its answer. */
static aw_err exchange(es2p_client_function function, const es2p_client_request *request,
                       es2p_client_answer *answer)
{
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(es2p_client_encode_request(function, request, "platform", "call-1", &body,
                                                &len),
                     AW_OK);
    char path[96];
    snprintf(path, sizeof(path), ES2P_CLIENT_PATH_PREFIX "%s", es2p_client_function_name(function));
    es9p_json_response response;
    assert_int_equal(es2p_json_handle(f.db, ADDRESS, path, ES2P_CLIENT_ADMIN_PROTOCOL,
                                      (const uint8_t *)body, len, db_clock_ms(), &response),
                     AW_OK);
    write_seed(function, response.body, response.body_len);
    aw_err err = es2p_client_parse_response(function, response.http_status,
                                            (const uint8_t *)response.body, response.body_len,
                                            answer);
    free(response.body);
    free(body);
    return err;
}

static void expect_failed(const es2p_client_answer *answer, const char *subject,
                          const char *reason)
{
    assert_false(es2p_client_succeeded(answer));
    assert_int_equal(answer->outcome, ES2P_CLIENT_FAILED);
    assert_string_equal(answer->subject_code, subject);
    assert_string_equal(answer->reason_code, reason);
    assert_true(answer->message[0] != '\0');
}

static void test_functions(void **state)
{
    (void)state;
    es2p_client_answer a;
    es2p_client_request download = {.eid = ES2P_TEST_EID1, .profile_type = ES2P_TEST_TYPE};
    assert_int_equal(exchange(ES2P_CLIENT_DOWNLOAD_ORDER, &download, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_string_equal(a.iccid, ES2P_TEST_ICCID1);
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID1), SMDP_STATE_LINKED);

    es2p_client_request confirm = {.eid = ES2P_TEST_EID1, .iccid = ES2P_TEST_ICCID1,
                                   .matching_id = MATCHING, .release_flag = true};
    assert_int_equal(exchange(ES2P_CLIENT_CONFIRM_ORDER, &confirm, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_string_equal(a.matching_id, MATCHING);
    assert_string_equal(a.eid, ES2P_TEST_EID1);
    assert_string_equal(a.smdp_address, ADDRESS);
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID1), SMDP_STATE_RELEASED);

    /* the same ConfirmOrder again: the profile is released already */
    assert_int_equal(exchange(ES2P_CLIENT_CONFIRM_ORDER, &confirm, &a), AW_OK);
    expect_failed(&a, "8.2.1", "3.5");
    es2p_client_request release = {.iccid = ES2P_TEST_ICCID1};
    assert_int_equal(exchange(ES2P_CLIENT_RELEASE_PROFILE, &release, &a), AW_OK);
    expect_failed(&a, "8.2.1", "3.5");
    es2p_client_request cancel = {.iccid = ES2P_TEST_ICCID1, .eid = ES2P_TEST_EID1,
                                  .matching_id = MATCHING,
                                  .final_status = ES2P_CLIENT_FINAL_AVAILABLE};
    assert_int_equal(exchange(ES2P_CLIENT_CANCEL_ORDER, &cancel, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID1), SMDP_STATE_AVAILABLE);

    /* ReleaseProfile of a confirmed (not released) order */
    download.eid = ES2P_TEST_EID2;
    assert_int_equal(exchange(ES2P_CLIENT_DOWNLOAD_ORDER, &download, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    char iccid[ES2P_CLIENT_ICCID_MAX + 1];
    snprintf(iccid, sizeof(iccid), "%s", a.iccid);
    es2p_client_request hold = {.iccid = iccid, .release_flag = false};
    assert_int_equal(exchange(ES2P_CLIENT_CONFIRM_ORDER, &hold, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_true(strlen(a.matching_id) > 0); /* generated by the SM-DP+ */
    release.iccid = iccid;
    assert_int_equal(exchange(ES2P_CLIENT_RELEASE_PROFILE, &release, &a), AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_int_equal(es2p_test_state(f.db, iccid), SMDP_STATE_RELEASED);

    es2p_client_request unknown = {.profile_type = "no-such-type"};
    assert_int_equal(exchange(ES2P_CLIENT_DOWNLOAD_ORDER, &unknown, &a), AW_OK);
    expect_failed(&a, "8.2.5", "3.9");
    assert_string_equal(a.iccid, "");
}

static void expect_request_refused(es2p_client_function function,
                                   const es2p_client_request *request, const char *requester,
                                   const char *call)
{
    char *json = (char *)1;
    size_t len = 1;
    assert_int_equal(es2p_client_encode_request(function, request, requester, call, &json, &len),
                     AW_ERR_ES2P_CLIENT_REQUEST);
    assert_null(json);
    assert_int_equal(len, 0);
}

static void test_request_errors(void **state)
{
    (void)state;
    const es2p_client_request ok = {.profile_type = "t"};
    char long_text[80];
    memset(long_text, 'A', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    static const es2p_client_request bad_download[] = {
        {.eid = "8904903200000000000000000000006"},      /* 31 digits */
        {.eid = "8904903200000000000000000000006X", .profile_type = "t"},
        {.iccid = "89440000000001234"},                 /* 17 digits */
        {.profile_type = ""},
        {.profile_type = "t\n"},
        {.profile_type = "t", .matching_id = "AB"},     /* not DownloadOrder's */
        {.profile_type = "t", .release_flag = true},
        {.profile_type = "t", .final_status = ES2P_CLIENT_FINAL_AVAILABLE},
        {.eid = ES2P_TEST_EID1},                       /* neither ICCID nor type */
    };
    for (size_t i = 0; i < sizeof(bad_download) / sizeof(bad_download[0]); i++)
        expect_request_refused(ES2P_CLIENT_DOWNLOAD_ORDER, &bad_download[i], "p", "c");
    es2p_client_request long_type = {.profile_type = long_text};
    expect_request_refused(ES2P_CLIENT_DOWNLOAD_ORDER, &long_type, "p", "c");
    static const es2p_client_request bad_confirm[] = {
        {.matching_id = "AB"},                          /* no ICCID */
        {.iccid = ES2P_TEST_ICCID1, .matching_id = "ab"}, /* lowercase */
        {.iccid = ES2P_TEST_ICCID1, .profile_type = "t"},
        {.iccid = ES2P_TEST_ICCID1, .final_status = ES2P_CLIENT_FINAL_UNAVAILABLE},
    };
    for (size_t i = 0; i < sizeof(bad_confirm) / sizeof(bad_confirm[0]); i++)
        expect_request_refused(ES2P_CLIENT_CONFIRM_ORDER, &bad_confirm[i], "p", "c");
    static const es2p_client_request bad_cancel[] = {
        {.iccid = ES2P_TEST_ICCID1},                    /* no indicator */
        {.iccid = ES2P_TEST_ICCID1, .final_status = 3},
        {.iccid = ES2P_TEST_ICCID1, .final_status = 1, .release_flag = true},
    };
    for (size_t i = 0; i < sizeof(bad_cancel) / sizeof(bad_cancel[0]); i++)
        expect_request_refused(ES2P_CLIENT_CANCEL_ORDER, &bad_cancel[i], "p", "c");
    static const es2p_client_request bad_release[] = {
        {.iccid = ES2P_TEST_ICCID1, .eid = ES2P_TEST_EID1},
        {.eid = ES2P_TEST_EID1},
    };
    for (size_t i = 0; i < sizeof(bad_release) / sizeof(bad_release[0]); i++)
        expect_request_refused(ES2P_CLIENT_RELEASE_PROFILE, &bad_release[i], "p", "c");
    expect_request_refused(ES2P_CLIENT_DOWNLOAD_ORDER, &ok, "", "c");
    expect_request_refused(ES2P_CLIENT_DOWNLOAD_ORDER, &ok, "p", NULL);
    expect_request_refused(ES2P_CLIENT_DOWNLOAD_ORDER, &ok, "p\x01", "c");
    expect_request_refused(ES2P_CLIENT_FUNCTION_COUNT, &ok, "p", "c");
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(es2p_client_encode_request(ES2P_CLIENT_DOWNLOAD_ORDER, NULL, "p", "c", &json,
                                                &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es2p_client_encode_request(ES2P_CLIENT_DOWNLOAD_ORDER, &ok, "p", "c", &json,
                                                &len),
                     AW_OK);
    assert_string_equal(json, "{\"header\":{\"functionRequesterIdentifier\":\"p\","
                              "\"functionCallIdentifier\":\"c\"},\"profileType\":\"t\"}");
    free(json);
    es2p_client_answer a;
    assert_int_equal(es2p_client_call(NULL, "https://x", "p", "c", ES2P_CLIENT_DOWNLOAD_ORDER,
                                      &ok, &a),
                     AW_ERR_ARGUMENT);
    http_client_config config = {.ca_file = "/nonexistent/ca.pem"};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    assert_int_equal(es2p_client_call(client, "http://x", "p", "c", ES2P_CLIENT_DOWNLOAD_ORDER,
                                      &ok, &a),
                     AW_ERR_ARGUMENT);
    char url[600];
    memset(url, 'a', sizeof(url) - 1);
    memcpy(url, "https://", 8);
    url[sizeof(url) - 1] = '\0';
    assert_int_equal(es2p_client_call(client, url, "p", "c", ES2P_CLIENT_DOWNLOAD_ORDER, &ok, &a),
                     AW_ERR_ARGUMENT);
    /* the request is checked before anything is sent */
    assert_int_equal(es2p_client_call(client, "https://127.0.0.1:1", "", "c",
                                      ES2P_CLIENT_DOWNLOAD_ORDER, &ok, &a),
                     AW_ERR_ES2P_CLIENT_REQUEST);
    http_client_free(client);
}

static void expect_answer_refused(es2p_client_function function, const char *body)
{
    es2p_client_answer a;
    memset(&a, 0x55, sizeof(a));
    assert_int_equal(es2p_client_parse_response(function, 200, (const uint8_t *)body,
                                                strlen(body), &a),
                     AW_ERR_ES2P_CLIENT_RESPONSE);
    static const es2p_client_answer zero;
    assert_memory_equal(&a, &zero, sizeof(zero));
}

#define OK_HEADER "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"
#define FAILED(codes)                                                                          \
    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{" codes \
    "}}}}"

static void test_answer_errors(void **state)
{
    (void)state;
    es2p_client_answer a;
    static const char good[] = "{" OK_HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\"}";
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_DOWNLOAD_ORDER, 200,
                                                (const uint8_t *)good, strlen(good), &a),
                     AW_OK);
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_DOWNLOAD_ORDER, 500,
                                                (const uint8_t *)good, strlen(good), &a),
                     AW_ERR_ES2P_CLIENT_HTTP_STATUS);
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_DOWNLOAD_ORDER, 204, NULL, 0, &a),
                     AW_ERR_ES2P_CLIENT_HTTP_STATUS);
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_FUNCTION_COUNT, 200,
                                                (const uint8_t *)good, strlen(good), &a),
                     AW_ERR_ARGUMENT);
    /* a warning with its codes is executed */
    static const char warning[] =
        "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-WithWarning\","
        "\"statusCodeData\":{\"subjectCode\":\"8.2\",\"reasonCode\":\"1\",\"message\":\"m\\u0001\"}}}}";
    assert_int_equal(es2p_client_parse_response(ES2P_CLIENT_RELEASE_PROFILE, 200,
                                                (const uint8_t *)warning, strlen(warning), &a),
                     AW_OK);
    assert_true(es2p_client_succeeded(&a));
    assert_string_equal(a.message, "m?"); /* control characters never reach a log */

    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "not json");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "[]");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "{\"iccid\":\"" ES2P_TEST_ICCID1 "\"}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{" OK_HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"iccid\":\"1\"}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{" OK_HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"extra\":1}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "{" OK_HEADER "}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "{" OK_HEADER ",\"iccid\":\"89440A\"}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, "{" OK_HEADER ",\"iccid\":89440}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Done\"}}}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\"}}}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-"
                          "Success\"},\"x\":1},\"iccid\":\"" ES2P_TEST_ICCID1 "\"}");
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          FAILED("\"subjectCode\":\"8..2\",\"reasonCode\":\"3.9\""));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          FAILED("\"subjectCode\":\"8.2.5\",\"reasonCode\":\"3.9.\""));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER, FAILED("\"subjectCode\":\"8.2.5\""));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          FAILED("\"subjectCode\":\"8.2.5\",\"reasonCode\":\"3.9\","
                                 "\"other\":\"x\""));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          FAILED("\"subjectCode\":\"8.2.5\",\"reasonCode\":\"3.9\","
                                 "\"message\":5"));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          FAILED("\"subjectCode\":\"8.2.5\",\"reasonCode\":\"1234567890123456\""));
    expect_answer_refused(ES2P_CLIENT_DOWNLOAD_ORDER,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-"
                          "Success\",\"statusCodeData\":{\"a\":{\"b\":1}}}}}");
    expect_answer_refused(ES2P_CLIENT_CONFIRM_ORDER, "{" OK_HEADER "}");
    expect_answer_refused(ES2P_CLIENT_CONFIRM_ORDER, "{" OK_HEADER ",\"matchingId\":\"ab\"}");
    expect_answer_refused(ES2P_CLIENT_CONFIRM_ORDER,
                          "{" OK_HEADER ",\"matchingId\":\"AB\",\"eid\":\"123\"}");
    expect_answer_refused(ES2P_CLIENT_CONFIRM_ORDER,
                          "{" OK_HEADER ",\"matchingId\":\"AB\",\"smdpAddress\":\"a/b\"}");
    expect_answer_refused(ES2P_CLIENT_CONFIRM_ORDER,
                          "{" OK_HEADER ",\"matchingId\":\"AB\",\"smdpAddress\":\"\"}");
    expect_answer_refused(ES2P_CLIENT_CANCEL_ORDER,
                          "{" OK_HEADER ",\"iccid\":\"" ES2P_TEST_ICCID1 "\"}");
    expect_answer_refused(ES2P_CLIENT_RELEASE_PROFILE, "{" OK_HEADER ",\"list\":[]}");
    /* over the size bound */
    size_t big = ES2P_CLIENT_RESPONSE_MAX + 1;
    char *body = malloc(big + 1);
    assert_non_null(body);
    memset(body, ' ', big);
    memcpy(body, "{" OK_HEADER "}", strlen("{" OK_HEADER "}"));
    body[big] = '\0';
    expect_answer_refused(ES2P_CLIENT_RELEASE_PROFILE, body);
    free(body);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write-seeds") == 0) {
        seed_dir = argv[2];
        mkdir(seed_dir, 0755);
        setup(NULL);
        test_functions(NULL);
        teardown(NULL);
        printf("%u seeds written to %s\n", seed_count, seed_dir);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_answer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
