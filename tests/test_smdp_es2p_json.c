/* The ES2+ JSON binding without transport (src/smdp/es2p_json.c; SGP.22
 * 6.5.1, 6.5.2.1-6.5.2.4) on an SQLite inventory: the four functions and
 * their response fields, every refusal of the order logic with its SGP.22
 * 5.3.x subject and reason codes, and the generic codes of malformed
 * requests (shared with the ES9+ binding). Run from test_smdp_es2p_http.c. */
#include "smdp_es2p_testutil.h"

#include <unistd.h>

#include "smdp/es2p.h"
#include "smdp/es2p_json.h"

void test_es2p_json_functions(void **state);
void test_es2p_json_order_errors(void **state);
void test_es2p_json_malformed(void **state);

#define HEADER                                                                     \
    "\"header\":{\"functionRequesterIdentifier\":\"op1\",\"functionCallIdentifier\":\"c1\"}"
#define ADMIN "gsma/rsp/v2.2.0"

typedef struct json_fixture {
    char dir[64];
    char key_file[128];
    db_connection *db;
} json_fixture;

static void fixture_open(json_fixture *f)
{
    char url[128];
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-es2j-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->key_file, sizeof(f->key_file), "%s/storage.key", f->dir);
    snprintf(url, sizeof(url), "sqlite:%s/smdp.db", f->dir);
    assert_int_equal(db_open(url, NULL, &f->db), AW_OK);
    es2p_test_fill_inventory(f->db, f->key_file);
}

static void fixture_close(json_fixture *f)
{
    char path[160];
    db_close(f->db);
    snprintf(path, sizeof(path), "%s/smdp.db", f->dir);
    unlink(path);
    unlink(f->key_file);
    rmdir(f->dir);
}

/* One request; returns the parsed 200 response. */
static json_t *call_with(db_connection *db, const char *function, const char *admin,
                         const char *body)
{
    char path[96];
    snprintf(path, sizeof(path), "/gsma/rsp2/es2plus/%s", function);
    es9p_json_response response;
    assert_int_equal(es2p_json_handle(db, "smdp.example.com", path, admin,
                                      (const uint8_t *)body, strlen(body), db_clock_ms(),
                                      &response),
                     AW_OK);
    assert_int_equal(response.http_status, 200);
    json_t *root = json_loadb(response.body, response.body_len, 0, NULL);
    assert_non_null(root);
    /* the reported outcome is what the body says (es9p_json_outcome) */
    json_t *execution = json_object_get(json_object_get(root, "header"),
                                        "functionExecutionStatus");
    json_t *code = json_object_get(execution, "statusCodeData");
    assert_non_null(response.outcome.status);
    assert_string_equal(response.outcome.status,
                        json_string_value(json_object_get(execution, "status")));
    const char *subject = json_string_value(json_object_get(code, "subjectCode"));
    const char *reason = json_string_value(json_object_get(code, "reasonCode"));
    assert_true((subject == NULL) == (response.outcome.subject_code == NULL));
    assert_true((reason == NULL) == (response.outcome.reason_code == NULL));
    if (subject != NULL)
        assert_string_equal(response.outcome.subject_code, subject);
    if (reason != NULL)
        assert_string_equal(response.outcome.reason_code, reason);
    assert_string_equal(response.outcome.transaction_id, "");
    es9p_json_response_clear(&response);
    return root;
}

static void expect(db_connection *db, const char *function, const char *body,
                   const char *subject, const char *reason)
{
    json_t *root = call_with(db, function, ADMIN, body);
    es2p_test_expect_status(root, subject, reason);
    if (subject != NULL) /* a failure carries nothing but its header */
        assert_int_equal(json_object_size(root), 1);
    json_decref(root);
}

void test_es2p_json_functions(void **state)
{
    (void)state;
    json_fixture f;
    fixture_open(&f);
    /* DownloadOrder by profile type picks an available profile */
    json_t *root = call_with(f.db, "downloadOrder", ADMIN,
                             "{" HEADER ",\"profileType\":\"" ES2P_TEST_TYPE "\"}");
    es2p_test_expect_status(root, NULL, NULL);
    const char *iccid = json_string_value(json_object_get(root, "iccid"));
    assert_non_null(iccid);
    char picked[SAIP_ICCID_TEXT];
    snprintf(picked, sizeof(picked), "%s", iccid);
    json_decref(root);
    assert_int_equal(es2p_test_state(f.db, picked), SMDP_STATE_ALLOCATED);

    /* ConfirmOrder without matchingId: one is generated; not released */
    char body[512];
    snprintf(body, sizeof(body),
             "{" HEADER ",\"iccid\":\"%s\",\"confirmationCode\":\"1234\","
             "\"smdsAddress\":\"smds.example.com\",\"releaseFlag\":false}",
             picked);
    root = call_with(f.db, "confirmOrder", ADMIN, body);
    es2p_test_expect_status(root, NULL, NULL);
    const char *matching_id = json_string_value(json_object_get(root, "matchingId"));
    assert_non_null(matching_id);
    assert_int_equal(strlen(matching_id), SMDP_MATCHING_ID_GENERATED_LEN);
    assert_null(json_object_get(root, "eid"));
    json_decref(root);
    assert_int_equal(es2p_test_state(f.db, picked), SMDP_STATE_CONFIRMED);

    /* ReleaseProfile, then CancelOrder back to available */
    snprintf(body, sizeof(body), "{" HEADER ",\"iccid\":\"%s\"}", picked);
    expect(f.db, "releaseProfile", body, NULL, NULL);
    assert_int_equal(es2p_test_state(f.db, picked), SMDP_STATE_RELEASED);
    snprintf(body, sizeof(body),
             "{" HEADER ",\"iccid\":\"%s\",\"finalProfileStatusIndicator\":\"Available\"}",
             picked);
    expect(f.db, "cancelOrder", body, NULL, NULL);
    assert_int_equal(es2p_test_state(f.db, picked), SMDP_STATE_AVAILABLE);

    /* CancelOrder to unavailable */
    expect(f.db, "downloadOrder", "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID4 "\"}", NULL, NULL);
    expect(f.db, "cancelOrder",
           "{" HEADER ",\"iccid\":\"" ES2P_TEST_ICCID4 "\","
           "\"finalProfileStatusIndicator\":\"Unavailable\"}",
           NULL, NULL);
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID4), SMDP_STATE_UNAVAILABLE);

    /* an unknown path: 404 without a body */
    es9p_json_response response;
    assert_int_equal(es2p_json_handle(f.db, NULL, "/gsma/rsp2/es2plus/other", ADMIN,
                                      (const uint8_t *)"{}", 2, 0, &response),
                     AW_OK);
    assert_int_equal(response.http_status, 404);
    assert_null(response.body);
    assert_int_equal(es2p_json_handle(NULL, NULL, "/gsma/rsp2/es2plus/downloadOrder", ADMIN,
                                      NULL, 0, 0, &response),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es2p_json_handle(f.db, NULL, "/x", ADMIN, NULL, 0, 0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es2p_json_function_from_path("/gsma/rsp2/es2plus/confirmOrder"),
                     ES2P_FUNCTION_CONFIRM_ORDER);
    assert_null(es2p_json_function_path(ES2P_FUNCTION_UNKNOWN));
    fixture_close(&f);
}

/* Each refusal of the order logic (es2p.h) with its codes; no change. */
void test_es2p_json_order_errors(void **state)
{
    (void)state;
    json_fixture f;
    fixture_open(&f);
#define DO(fields) "{" HEADER "," fields "}"
    expect(f.db, "downloadOrder", DO("\"eid\":\"123\",\"iccid\":\"" ES2P_TEST_ICCID1 "\""),
           "8.1.1", "2.1");
    expect(f.db, "downloadOrder", DO("\"iccid\":\"8944000000000999999\""), "8.2.1", "3.9");
    expect(f.db, "downloadOrder", DO("\"profileType\":\"none\""), "8.2.5", "3.9");
    expect(f.db, "downloadOrder", DO("\"eid\":\"" ES2P_TEST_EID1 "\",\"iccid\":\""
                                     ES2P_TEST_ICCID1 "\""),
           NULL, NULL);
    expect(f.db, "downloadOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\""), "8.2.1", "3.3");
    expect(f.db, "downloadOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID2 "\""), NULL, NULL);
    expect(f.db, "downloadOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID3 "\""), NULL, NULL);
    expect(f.db, "downloadOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID4 "\""), NULL, NULL);
    expect(f.db, "downloadOrder", DO("\"profileType\":\"" ES2P_TEST_TYPE "\""), "8.2.5", "3.7");

    /* ConfirmOrder refusals on ICCID1 (linked to EID1) and ICCID2 (allocated) */
    expect(f.db, "confirmOrder", DO("\"iccid\":\"8944000000000999999\",\"releaseFlag\":true"),
           "8.2.1", "3.9");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"eid\":\"12\","
                                    "\"releaseFlag\":true"),
           "8.1.1", "2.1");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"eid\":\""
                                    ES2P_TEST_EID2 "\",\"releaseFlag\":true"),
           "8.1.1", "3.10");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID2 "\",\"matchingId\":\"\","
                                    "\"releaseFlag\":true"),
           "8.1.1", "2.2");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"matchingId\":\"a b\","
                                    "\"releaseFlag\":true"),
           "8.2.6", "2.1");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"confirmationCode\":"
                                    "\"\",\"releaseFlag\":true"),
           "8.2.7", "2.1");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"matchingId\":"
                                    "\"ES2-JSON-1\",\"releaseFlag\":false"),
           NULL, NULL);
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID2 "\",\"matchingId\":"
                                    "\"ES2-JSON-1\",\"releaseFlag\":true"),
           "8.2.6", "3.3");
    expect(f.db, "confirmOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"releaseFlag\":true"),
           "8.2.1", "3.5");

    /* CancelOrder and ReleaseProfile refusals (ICCID1 confirmed, EID1) */
    expect(f.db, "cancelOrder", DO("\"iccid\":\"8944000000000999999\","
                                   "\"finalProfileStatusIndicator\":\"Available\""),
           "8.2.1", "3.9");
    expect(f.db, "cancelOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"eid\":\"1\","
                                   "\"finalProfileStatusIndicator\":\"Available\""),
           "8.1.1", "2.1");
    expect(f.db, "cancelOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"eid\":\""
                                   ES2P_TEST_EID2 "\","
                                   "\"finalProfileStatusIndicator\":\"Available\""),
           "8.1.1", "3.10");
    expect(f.db, "cancelOrder", DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"matchingId\":\"OTHER\","
                                   "\"finalProfileStatusIndicator\":\"Available\""),
           "8.2.6", "3.10");
    expect(f.db, "releaseProfile", DO("\"iccid\":\"8944000000000999999\""), "8.2.1", "3.9");
    expect(f.db, "releaseProfile", DO("\"iccid\":\"" ES2P_TEST_ICCID2 "\""), "8.2.1", "3.5");
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID1), SMDP_STATE_CONFIRMED);
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID2), SMDP_STATE_ALLOCATED);
    fixture_close(&f);
}

/* The generic codes of the binding (as ES9+): 1 / 2.2 missing element,
 * 1 / 2.1 invalid element, 1 / 3.1 protocol version, 1.2 / 4.2 our own
 * failure; subjectIdentifier names the element. */
static void expect_generic(db_connection *db, const char *function, const char *admin,
                           const char *body, const char *subject, const char *reason,
                           const char *element)
{
    json_t *root = call_with(db, function, admin, body);
    es2p_test_expect_status(root, subject, reason);
    json_t *code = json_object_get(
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
        "statusCodeData");
    if (element != NULL)
        assert_string_equal(json_string_value(json_object_get(code, "subjectIdentifier")),
                            element);
    json_decref(root);
}

void test_es2p_json_malformed(void **state)
{
    (void)state;
    json_fixture f;
    fixture_open(&f);
    const char *ok = DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\"");
    expect_generic(f.db, "releaseProfile", NULL, ok, "1", "2.2", "X-Admin-Protocol");
    expect_generic(f.db, "releaseProfile", "gsma/rsp/v3.0.0", ok, "1", "3.1", "X-Admin-Protocol");
    expect_generic(f.db, "releaseProfile", ADMIN, "{\"iccid\":", "1", "2.1", "body");
    expect_generic(f.db, "releaseProfile", ADMIN, "[1]", "1", "2.1", "body");
    char *big = malloc(ES2P_JSON_BODY_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', ES2P_JSON_BODY_MAX + 1);
    big[ES2P_JSON_BODY_MAX + 1] = '\0';
    expect_generic(f.db, "releaseProfile", ADMIN, big, "1", "2.1", "body");
    free(big);
    expect_generic(f.db, "releaseProfile", ADMIN, "{\"iccid\":\"1\",\"iccid\":\"2\"}", "1", "2.1",
                   "body");
    expect_generic(f.db, "releaseProfile", ADMIN, "{\"iccid\":\"" ES2P_TEST_ICCID1 "\"}", "1",
                   "2.2", "header");
    expect_generic(f.db, "releaseProfile", ADMIN, "{\"header\":1}", "1", "2.1", "header");
    expect_generic(f.db, "releaseProfile", ADMIN,
                   "{\"header\":{\"functionCallIdentifier\":\"c\"}}", "1", "2.2",
                   "functionRequesterIdentifier");
    expect_generic(f.db, "releaseProfile", ADMIN,
                   "{\"header\":{\"functionRequesterIdentifier\":\"r\","
                   "\"functionCallIdentifier\":7}}",
                   "1", "2.1", "functionCallIdentifier");
    expect_generic(f.db, "releaseProfile", ADMIN, DO("\"x\":1"), "1", "2.2", "iccid");
    expect_generic(f.db, "releaseProfile", ADMIN, DO("\"iccid\":1"), "1", "2.1", "iccid");
    /* a NUL inside a string is refused by the parser */
    expect_generic(f.db, "releaseProfile", ADMIN, DO("\"iccid\":\"89\\u0000\""), "1", "2.1",
                   "body");
    char long_field[400];
    snprintf(long_field, sizeof(long_field), DO("\"iccid\":\"%0300d\""), 1);
    expect_generic(f.db, "releaseProfile", ADMIN, long_field, "1", "2.1", "iccid");
    expect_generic(f.db, "downloadOrder", ADMIN, DO("\"eid\":\"" ES2P_TEST_EID1 "\""), "1",
                   "2.2", "iccid");
    expect_generic(f.db, "downloadOrder", ADMIN, DO("\"profileType\":[]"), "1", "2.1",
                   "profileType");
    expect_generic(f.db, "confirmOrder", ADMIN, DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\""), "1",
                   "2.2", "releaseFlag");
    expect_generic(f.db, "confirmOrder", ADMIN,
                   DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"releaseFlag\":\"true\""), "1",
                   "2.1", "releaseFlag");
    expect_generic(f.db, "confirmOrder", ADMIN,
                   DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\",\"smdsAddress\":5,"
                      "\"releaseFlag\":true"),
                   "1", "2.1", "smdsAddress");
    expect_generic(f.db, "cancelOrder", ADMIN, DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\""), "1",
                   "2.2", "finalProfileStatusIndicator");
    expect_generic(f.db, "cancelOrder", ADMIN,
                   DO("\"iccid\":\"" ES2P_TEST_ICCID1 "\","
                      "\"finalProfileStatusIndicator\":\"Gone\""),
                   "1", "2.1", "finalProfileStatusIndicator");
    assert_int_equal(es2p_test_state(f.db, ES2P_TEST_ICCID1), SMDP_STATE_AVAILABLE);
    fixture_close(&f);

    /* a database without the inventory tables: our own failure */
    db_connection *empty = NULL;
    assert_int_equal(db_open("sqlite::memory:", NULL, &empty), AW_OK);
    expect_generic(empty, "releaseProfile", ADMIN, ok, "1.2", "4.2", NULL);
    db_close(empty);
}
