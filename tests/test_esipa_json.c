/* Tests for the JSON binding of ESipa as a translation (src/core/
 * sgp32_esipa_json.c, sgp32_esipa_json_answer.c; SGP.32 6.4.1): every
 * request of the seven functions the IPA sends (hand-built
 * SGP32Definitions vectors) to JSON and back to the same bytes, every
 * answer (Ok alternatives, error alternatives as "Failed" statusCodeData,
 * the eIM Package functions' integer members) to JSON and back; golden
 * member names and encodings; and one negative test per refusal: a body
 * that is no JSON object or over the bound, a member missing, malformed
 * (hex, base64, tag, EID, text, type), two CHOICE alternatives, a message
 * the codec refuses, unknown statuses, answers of another function. */
#include "testutil.h"

#include <jansson.h>

#include "core/base64.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_esipa_json.h"

#include "esipa_json_vectors.h"

/* ---- helpers -------------------------------------------------------------------- */

static char *request_json(const char *hex, sgp32_esipa_json_function expect)
{
    size_t len = 0, json_len = 0;
    char *json = NULL;
    sgp32_esipa_json_function function = SGP32_ESIPA_JSON_FUNCTION_COUNT;
    uint8_t *der = test_hex(hex, &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &function, &json, &json_len),
                     AW_OK);
    assert_int_equal(function, expect);
    assert_int_equal(json_len, strlen(json));
    free(der);
    return json;
}

/* request: DER -> JSON -> DER, the same bytes */
static void request_round_trip(const char *hex, sgp32_esipa_json_function function)
{
    char *json = request_json(hex, function);
    uint8_t *der = NULL;
    size_t der_len = 0;
    const char *member = "unset";
    assert_int_equal(sgp32_esipa_json_decode_request(function, (const uint8_t *)json,
                                                     strlen(json), &der, &der_len, &member),
                     AW_OK);
    assert_null(member);
    test_assert_hex(der, der_len, hex);
    free(der);
    free(json);
}

static char *answer_json(sgp32_esipa_json_function function, const char *hex)
{
    size_t len = 0, json_len = 0;
    char *json = NULL;
    uint8_t *der = test_hex(hex, &len);
    assert_int_equal(sgp32_esipa_json_encode_answer(function, der, len, &json, &json_len),
                     AW_OK);
    free(der);
    return json;
}

/* The ASN.1 answer of a JSON answer (asserted to translate). */
static void answer_der_is(sgp32_esipa_json_function function, const char *json, const char *hex)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    assert_int_equal(sgp32_esipa_json_decode_answer(function, (const uint8_t *)json,
                                                    strlen(json), &der, &der_len),
                     AW_OK);
    test_assert_hex(der, der_len, hex);
    free(der);
}

/* answer: DER -> JSON -> DER, the same bytes; the JSON returned parsed */
static json_t *answer_round_trip(sgp32_esipa_json_function function, const char *hex)
{
    char *json = answer_json(function, hex);
    answer_der_is(function, json, hex);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    free(json);
    return root;
}

static const char *status_of(const json_t *root)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus"), "status"));
}

static void expect_codes(const json_t *root, const char *subject, const char *reason)
{
    const json_t *data = json_object_get(
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
        "statusCodeData");
    assert_string_equal(status_of(root), "Failed");
    assert_string_equal(json_string_value(json_object_get(data, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(data, "reasonCode")), reason);
}

static void expect_refused(sgp32_esipa_json_function function, const char *json, aw_err expect,
                           const char *member)
{
    uint8_t *der = (uint8_t *)1;
    size_t der_len = 1;
    const char *named = NULL;
    assert_int_equal(sgp32_esipa_json_decode_request(function, (const uint8_t *)json,
                                                     strlen(json), &der, &der_len, &named),
                     expect);
    assert_null(der);
    assert_int_equal(der_len, 0);
    assert_non_null(named);
    assert_string_equal(named, member);
}

static void expect_bad_answer(sgp32_esipa_json_function function, const char *json)
{
    uint8_t *der = (uint8_t *)1;
    size_t der_len = 1;
    assert_int_equal(sgp32_esipa_json_decode_answer(function, (const uint8_t *)json,
                                                    strlen(json), &der, &der_len),
                     AW_ERR_ESIPA_JSON_INVALID);
    assert_null(der);
    assert_int_equal(der_len, 0);
}

/* ---- functions and paths --------------------------------------------------------- */

static void test_paths(void **state)
{
    (void)state;
    sgp32_esipa_json_function f = SGP32_ESIPA_JSON_FUNCTION_COUNT;
    for (unsigned i = 0; i < SGP32_ESIPA_JSON_FUNCTION_COUNT; i++) {
        char path[96];
        snprintf(path, sizeof(path), SGP32_ESIPA_JSON_PREFIX "%s",
                 sgp32_esipa_json_function_name((sgp32_esipa_json_function)i));
        assert_int_equal(sgp32_esipa_json_function_of_path(path, &f), AW_OK);
        assert_int_equal(f, i);
        assert_non_null(sgp32_esipa_json_principal_member((sgp32_esipa_json_function)i));
    }
    assert_string_equal(sgp32_esipa_json_function_name(SGP32_ESIPA_JSON_CANCEL_SESSION),
                        "cancelSession");
    assert_null(sgp32_esipa_json_function_name(SGP32_ESIPA_JSON_FUNCTION_COUNT));
    assert_null(sgp32_esipa_json_principal_member(SGP32_ESIPA_JSON_FUNCTION_COUNT));
    /* 6.4.1.4 TransferEimPackage is the eIM's request, no function here */
    assert_int_equal(sgp32_esipa_json_function_of_path(SGP32_ESIPA_JSON_PREFIX
                                                       "transferEimPackage", &f),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(sgp32_esipa_json_function_of_path("/gsma/rsp2/asn1", &f), AW_ERR_NOT_FOUND);
    assert_int_equal(sgp32_esipa_json_function_of_path(SGP32_ESIPA_JSON_PREFIX, &f),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(sgp32_esipa_json_function_of_path(NULL, &f), AW_ERR_NOT_FOUND);
}

/* ---- requests --------------------------------------------------------------------- */

static void test_request_round_trips(void **state)
{
    (void)state;
    request_round_trip(IA_REQ, SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION);
    request_round_trip(IA_REQ_MIN, SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION);
    request_round_trip(AC_REQ, SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT);
    request_round_trip(BPP_REQ, SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE);
    request_round_trip(CS_REQ, SGP32_ESIPA_JSON_CANCEL_SESSION);
    request_round_trip(GEP_REQ, SGP32_ESIPA_JSON_GET_EIM_PACKAGE);
    request_round_trip(PEPR_REQ, SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT);
    request_round_trip(HN_REQ, SGP32_ESIPA_JSON_HANDLE_NOTIFICATION);
}

/* The member names and encodings (SGP.22 6.5 conventions). */
static void test_request_golden(void **state)
{
    (void)state;
    char *json = request_json(CS_REQ, SGP32_ESIPA_JSON_CANCEL_SESSION);
    /* the eUICC's CancelSessionResponse as it returned it: BF41, not [1] */
    assert_string_equal(json, "{\"transactionId\":\"01020304\","
                              "\"cancelSessionResponse\":\"v0EDAgEF\"}");
    free(json);
    json = request_json(IA_REQ, SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION);
    assert_string_equal(json, "{\"euiccChallenge\":\"ERITFBUWFxgZGhscHR4fIA==\","
                              "\"smdpAddress\":\"smdp.example.com\","
                              "\"euiccInfo1\":\"vyAFggMCAwA=\","
                              "\"eimTransactionId\":\"A1A2A3A4A5A6A7A8A9AAABACADAEAFB0\"}");
    free(json);
    json = request_json(GEP_REQ, SGP32_ESIPA_JSON_GET_EIM_PACKAGE);
    assert_string_equal(json, "{\"eidValue\":\"89049032123451234512345678901235\","
                              "\"notifyStateChange\":true,\"stateChangeCause\":5,"
                              "\"rPLMN\":\"62F210\"}");
    free(json);
    json = request_json(HN_REQ, SGP32_ESIPA_JSON_HANDLE_NOTIFICATION);
    json_t *root = json_loads(json, 0, NULL);
    const char *text = json_string_value(json_object_get(root, "pendingNotification"));
    uint8_t pir[128];
    size_t pir_len = 0;
    assert_int_equal(aw_base64_decode(text, strlen(text), pir, sizeof(pir), &pir_len), AW_OK);
    assert_int_equal(pir[0], 0xBF); /* the PendingNotification, [0] left out */
    assert_int_equal(pir[1], 0x37);
    json_decref(root);
    free(json);
    /* notifyStateChange false is the NULL left out */
    uint8_t *der = NULL;
    size_t der_len = 0;
    static const char no_change[] = "{\"eidValue\":\"89049032123451234512345678901235\","
                                    "\"notifyStateChange\":false}";
    assert_int_equal(sgp32_esipa_json_decode_request(SGP32_ESIPA_JSON_GET_EIM_PACKAGE,
                                                     (const uint8_t *)no_change,
                                                     strlen(no_change), &der, &der_len, NULL),
                     AW_OK);
    test_assert_hex(der, der_len, "BF4F125A1089049032123451234512345678901235");
    free(der);
}

/* Messages the binding has no function for. */
static void test_request_without_function(void **state)
{
    (void)state;
    size_t len = 0, json_len = 7;
    char *json = (char *)1;
    sgp32_esipa_json_function f;
    /* TransferEimPackageResponse eimPackageReceived */
    uint8_t *der = test_hex("BF4E020500", &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len),
                     AW_ERR_STATE);
    assert_null(json);
    assert_int_equal(json_len, 0);
    free(der);
    /* a ProvideEimPackageResult sent as HandleNotification */
    der = test_hex("BF3D1ABF5017A0158010A1A2A3A4A5A6A7A8A9AAABACADAEAFB0020101", &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len),
                     AW_ERR_STATE);
    free(der);
    /* components JSON cannot carry: an EID with a non-digit nibble, an
     * smdpAddress that is not UTF-8, one with a NUL */
    der = test_hex("BF4F125A108904903212345123451234567890123A", &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len),
                     AW_ERR_ESIPA_JSON_INVALID);
    assert_null(json);
    free(der);
    der = test_hex("BF391681101112131415161718191A1B1C1D1E1F208302FF41", &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len),
                     AW_ERR_ESIPA_JSON_INVALID);
    free(der);
    der = test_hex("BF391781101112131415161718191A1B1C1D1E1F208303410041", &len);
    assert_int_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len),
                     AW_ERR_ESIPA_JSON_INVALID);
    free(der);
    /* not a message */
    der = test_hex("BF4F00", &len);
    assert_int_not_equal(sgp32_esipa_json_encode_request(der, len, &f, &json, &json_len), AW_OK);
    free(der);
    assert_int_equal(sgp32_esipa_json_encode_request(NULL, 0, &f, &json, &json_len),
                     AW_ERR_ARGUMENT);
}

static void test_request_refusals(void **state)
{
    (void)state;
    const sgp32_esipa_json_function ia = SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION;
    const sgp32_esipa_json_function ac = SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT;
    const sgp32_esipa_json_function bpp = SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE;
    const sgp32_esipa_json_function cs = SGP32_ESIPA_JSON_CANCEL_SESSION;
    const sgp32_esipa_json_function gep = SGP32_ESIPA_JSON_GET_EIM_PACKAGE;
    const sgp32_esipa_json_function hn = SGP32_ESIPA_JSON_HANDLE_NOTIFICATION;
    const sgp32_esipa_json_function pepr = SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT;
    /* the body */
    expect_refused(ia, "", AW_ERR_ESIPA_JSON_INVALID, "body");
    expect_refused(ia, "[]", AW_ERR_ESIPA_JSON_INVALID, "body");
    expect_refused(ia, "{\"euiccChallenge\":", AW_ERR_ESIPA_JSON_INVALID, "body");
    expect_refused(ia, "{\"a\":1,\"a\":2}", AW_ERR_ESIPA_JSON_INVALID, "body");
    /* missing (SGP.22 6.5.1.4 reason 2.2) */
    expect_refused(ia, "{}", AW_ERR_ESIPA_JSON_MISSING, "euiccChallenge");
    expect_refused(ac, "{\"transactionId\":\"01\"}", AW_ERR_ESIPA_JSON_MISSING,
                   "authenticateServerResponse");
    expect_refused(bpp, "{\"prepareDownloadResponse\":\"vyEA\"}", AW_ERR_ESIPA_JSON_MISSING,
                   "transactionId");
    expect_refused(cs, "{\"transactionId\":\"01\"}", AW_ERR_ESIPA_JSON_MISSING,
                   "cancelSessionResponse");
    expect_refused(hn, "{}", AW_ERR_ESIPA_JSON_MISSING, "pendingNotification");
    expect_refused(gep, "{\"rPLMN\":\"62F210\"}", AW_ERR_ESIPA_JSON_MISSING, "eidValue");
    expect_refused(pepr, "{}", AW_ERR_ESIPA_JSON_MISSING, "eimPackageResult");
    /* invalid (reason 2.1): base64 of the wrong length, not base64, not a string */
    expect_refused(ia, "{\"euiccChallenge\":\"AAAA\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "euiccChallenge");
    expect_refused(ia, "{\"euiccChallenge\":\"@@@@\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "euiccChallenge");
    expect_refused(ia, "{\"euiccChallenge\":16}", AW_ERR_ESIPA_JSON_INVALID, "euiccChallenge");
    /* hex: odd, not hex, over 16 octets, empty; a \u0000 */
#define CHALLENGE_MEMBER "\"euiccChallenge\":\"ERITFBUWFxgZGhscHR4fIA==\""
    expect_refused(ia, "{" CHALLENGE_MEMBER ",\"eimTransactionId\":\"ABC\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "eimTransactionId");
    expect_refused(ac, "{\"transactionId\":\"XY\",\"authenticateServerResponse\":\"vzgA\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "transactionId");
    expect_refused(ac, "{\"transactionId\":\"000102030405060708090A0B0C0D0E0F10\","
                       "\"authenticateServerResponse\":\"vzgA\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "transactionId");
    expect_refused(ac, "{\"transactionId\":\"\",\"authenticateServerResponse\":\"vzgA\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "transactionId");
    /* strings with \u0000 are not JSON text jansson accepts: the body */
    expect_refused(ac, "{\"transactionId\":\"01\\u000002\",\"authenticateServerResponse\":"
                       "\"vzgA\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "body");
    /* a TLV of another tag (BF21 where BF38 goes), trailing bytes, bad DER */
    expect_refused(ac, "{\"transactionId\":\"01\",\"authenticateServerResponse\":\"vyEA\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "authenticateServerResponse");
    expect_refused(ac, "{\"transactionId\":\"01\",\"authenticateServerResponse\":\"vzgAAA==\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "authenticateServerResponse");
    expect_refused(ac, "{\"transactionId\":\"01\",\"authenticateServerResponse\":\"vzgF\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "authenticateServerResponse");
    /* text: empty, over 255 bytes; a \u0000 */
    expect_refused(ia, "{" CHALLENGE_MEMBER ",\"smdpAddress\":\"\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "smdpAddress");
    char long_address[400];
    snprintf(long_address, sizeof(long_address), "{" CHALLENGE_MEMBER ",\"smdpAddress\":\"%0300d\"}", 0);
    expect_refused(ia, long_address, AW_ERR_ESIPA_JSON_INVALID, "smdpAddress");
    expect_refused(ia, "{" CHALLENGE_MEMBER ",\"smdpAddress\":\"a\\u0000b\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "body");
    /* EID: 31 digits, a letter, a number */
    expect_refused(gep, "{\"eidValue\":\"8904903212345123451234567890123\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "eidValue");
    expect_refused(gep, "{\"eidValue\":\"8904903212345123451234567890123A\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "eidValue");
    expect_refused(gep, "{\"eidValue\":7}", AW_ERR_ESIPA_JSON_INVALID, "eidValue");
    /* flag and integer of the wrong type */
#define EID_MEMBER "\"eidValue\":\"89049032123451234512345678901235\""
    expect_refused(gep, "{" EID_MEMBER ",\"notifyStateChange\":1}", AW_ERR_ESIPA_JSON_INVALID,
                   "notifyStateChange");
    expect_refused(gep, "{" EID_MEMBER ",\"stateChangeCause\":\"5\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "stateChangeCause");
    /* rPLMN is 3 octets: the codec refuses 2 (the principal member named) */
    expect_refused(gep, "{" EID_MEMBER ",\"rPLMN\":\"62F2\"}", AW_ERR_ESIPA_JSON_INVALID, "rPLMN");
    /* an eimPackageResult that is no EimPackageResult: refused as a whole */
    expect_refused(pepr, "{\"eimPackageResult\":\"BAA=\"}", AW_ERR_ESIPA_JSON_INVALID,
                   "eimPackageResult");
    /* cancelSessionResponse other than BF41 */
    expect_refused(cs, "{\"transactionId\":\"01\",\"cancelSessionResponse\":\"oQMCAQU=\"}",
                   AW_ERR_ESIPA_JSON_INVALID, "cancelSessionResponse");
    /* over the bound */
    size_t big = SGP32_ESIPA_JSON_BODY_MAX + 1;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    expect_refused(ia, huge, AW_ERR_ESIPA_JSON_INVALID, "body");
    free(huge);
#undef CHALLENGE_MEMBER
#undef EID_MEMBER
    /* arguments */
    uint8_t *der = NULL;
    size_t der_len = 0;
    assert_int_equal(sgp32_esipa_json_decode_request(SGP32_ESIPA_JSON_FUNCTION_COUNT,
                                                     (const uint8_t *)"{}", 2, &der, &der_len,
                                                     NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(sgp32_esipa_json_decode_request(ia, NULL, 2, &der, &der_len, NULL),
                     AW_ERR_ARGUMENT);
}

/* ---- answers ----------------------------------------------------------------------- */

static void test_answer_round_trips(void **state)
{
    (void)state;
    json_t *root = answer_round_trip(SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, IA_OK);
    assert_string_equal(status_of(root), "Executed-Success");
    assert_string_equal(json_string_value(json_object_get(root, "transactionId")),
                        "0102030405060708");
    assert_string_equal(json_string_value(json_object_get(root, "matchingId")), "MATCH");
    assert_non_null(json_object_get(root, "euiccCiPKIdentifierToBeUsed"));
    assert_non_null(json_object_get(root, "ctxParams1"));
    assert_int_equal(json_object_size(root), 8);
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_OK_DP);
    assert_non_null(json_object_get(root, "profileMetadata"));
    assert_non_null(json_object_get(root, "hashCc"));
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_OK_DS);
    assert_int_equal(json_object_size(root), 2); /* header, transactionId */
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, BPP_OK);
    assert_non_null(json_object_get(root, "boundProfilePackage"));
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_CANCEL_SESSION, CS_OK);
    assert_string_equal(status_of(root), "Executed-Success");
    assert_int_equal(json_object_size(root), 1);
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_GET_EIM_PACKAGE, GEP_ERR);
    assert_string_equal(status_of(root), "Executed-Success");
    assert_int_equal(json_integer_value(json_object_get(root, "eimPackageError")), 1);
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, PEPR_ACK);
    assert_non_null(json_object_get(root, "eimAcknowledgements"));
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, PEPR_EMPTY);
    assert_int_equal(json_object_size(root), 1);
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, PEPR_ERR);
    assert_int_equal(json_integer_value(json_object_get(root, "provideEimPackageResultError")),
                     SGP32_PROVIDE_RESULT_MISSING_EID);
    json_decref(root);
}

/* Error alternatives: "Failed" with the error table's codes, and back. */
static void test_answer_errors(void **state)
{
    (void)state;
    json_t *root = answer_round_trip(SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, IA_ERR);
    expect_codes(root, "8.31.2", "3.10"); /* invalidEimTransactionId */
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_ERR);
    expect_codes(root, "8.2.6", "3.8"); /* matchingIdRefused */
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, BPP_ERR);
    expect_codes(root, "8.10.1", "3.9"); /* invalidTransactionId (95) */
    json_decref(root);
    root = answer_round_trip(SGP32_ESIPA_JSON_CANCEL_SESSION, CS_ERR);
    expect_codes(root, "8.10.1", "3.9");
    json_decref(root);
    /* undefinedError has no code of its own: execution error, read back as 127 */
    root = answer_round_trip(SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, IA_UNDEF);
    expect_codes(root, "1.2", "4.2");
    json_decref(root);
    /* eventIdUnknown (56) neither: it comes back undefinedError */
    char *json = answer_json(SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_EVENT);
    answer_der_is(SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, json, "BF3B0382017F");
    free(json);
    /* codes read that the eIM does not write: SM-DP+ certificate (8.8.4 3.7) */
    answer_der_is(SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                  "\"statusCodeData\":{\"subjectCode\":\"8.8.4\",\"reasonCode\":\"3.7\"}}}}",
                  "BF3903810103");
    /* GetEimPackage / ProvideEimPackageResult "Failed" with EID codes */
    answer_der_is(SGP32_ESIPA_JSON_GET_EIM_PACKAGE,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                  "\"statusCodeData\":{\"subjectCode\":\"8.1.1\",\"reasonCode\":\"3.9\"}}}}",
                  "BF4F03020102");
    answer_der_is(SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                  "\"statusCodeData\":{\"subjectCode\":\"8.1.1\",\"reasonCode\":\"2.2\"}}}}",
                  "BF5003020104");
    /* a server's refusal of a malformed request, without codes, Expired */
    answer_der_is(SGP32_ESIPA_JSON_GET_EIM_PACKAGE,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                  "\"statusCodeData\":{\"subjectCode\":\"1.2\",\"reasonCode\":\"2.1\","
                  "\"subjectIdentifier\":\"eidValue\"}}}}",
                  "BF4F0302017F");
    answer_der_is(SGP32_ESIPA_JSON_CANCEL_SESSION,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\"}}}",
                  "BF410381017F");
    answer_der_is(SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\"}}}",
                  "BF3A0381017F");
    /* with a warning, the members count */
    answer_der_is(SGP32_ESIPA_JSON_CANCEL_SESSION,
                  "{\"header\":{\"functionExecutionStatus\":{\"status\":"
                  "\"Executed-WithWarning\"}}}",
                  CS_OK);
}

static void test_refusal(void **state)
{
    (void)state;
    char *json = NULL;
    size_t json_len = 0;
    assert_int_equal(sgp32_esipa_json_encode_refusal(true, "eidValue", &json, &json_len), AW_OK);
    assert_string_equal(json, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                              "\"statusCodeData\":{\"subjectCode\":\"1.2\",\"reasonCode\":"
                              "\"2.2\",\"subjectIdentifier\":\"eidValue\"}}}}");
    assert_int_equal(json_len, strlen(json));
    free(json);
    assert_int_equal(sgp32_esipa_json_encode_refusal(false, "body", &json, &json_len), AW_OK);
    assert_non_null(strstr(json, "\"2.1\""));
    free(json);
    assert_int_equal(sgp32_esipa_json_encode_refusal(false, NULL, &json, &json_len),
                     AW_ERR_ARGUMENT);
    assert_null(json);
}

static void test_answer_refusals(void **state)
{
    (void)state;
    const sgp32_esipa_json_function ia = SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION;
    const sgp32_esipa_json_function ac = SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT;
    const sgp32_esipa_json_function gep = SGP32_ESIPA_JSON_GET_EIM_PACKAGE;
#define OK_HEADER "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"
    expect_bad_answer(ia, "");
    expect_bad_answer(ia, "[1]");
    expect_bad_answer(ia, "{}");                                   /* no header */
    expect_bad_answer(ia, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Done\"}}}");
    expect_bad_answer(ia, "{" OK_HEADER "}");                      /* no members */
    expect_bad_answer(ia, "{" OK_HEADER ",\"serverSigned1\":\"MAA=\"}"); /* some missing */
    expect_bad_answer(gep, "{" OK_HEADER "}");                     /* none of the CHOICE */
    expect_bad_answer(gep, "{" OK_HEADER ",\"eimPackageError\":1,"
                           "\"euiccPackageRequest\":\"v1EA\"}");   /* two */
    /* the DS alternative (no smdpSigned2) without its transactionId */
    expect_bad_answer(ac, "{" OK_HEADER ",\"profileDownloadTrigger\":\"v1QA\"}");
    expect_bad_answer(ac, "{" OK_HEADER "}");
    /* a member the codec refuses: hashCc of 3 octets */
    char *json = answer_json(ac, AC_OK_DP);
    json_t *root = json_loads(json, 0, NULL);
    json_object_set_new(root, "hashCc", json_string("BAMBAgM="));
    char *bad = json_dumps(root, JSON_COMPACT);
    expect_bad_answer(ac, bad);
    free(bad);
    json_decref(root);
    free(json);
    /* arguments */
    uint8_t *none = (uint8_t *)1;
    size_t none_len = 1;
    assert_int_equal(sgp32_esipa_json_decode_answer(SGP32_ESIPA_JSON_FUNCTION_COUNT,
                                                    (const uint8_t *)"{}", 2, &none, &none_len),
                     AW_ERR_ARGUMENT);
    assert_null(none);
    assert_int_equal(sgp32_esipa_json_decode_answer(ia, NULL, 2, &none, &none_len),
                     AW_ERR_ARGUMENT);
    /* HandleNotification has no answer */
    uint8_t *der = NULL;
    size_t der_len = 0;
    assert_int_equal(sgp32_esipa_json_decode_answer(SGP32_ESIPA_JSON_HANDLE_NOTIFICATION,
                                                    (const uint8_t *)"{}", 2, &der, &der_len),
                     AW_ERR_STATE);
    /* the server side: an answer of another function, none for notifications */
    size_t len = 0;
    char *text = NULL;
    size_t text_len = 0;
    uint8_t *answer = test_hex(CS_OK, &len);
    assert_int_equal(sgp32_esipa_json_encode_answer(ia, answer, len, &text, &text_len),
                     AW_ERR_STATE);
    assert_null(text);
    assert_int_equal(sgp32_esipa_json_encode_answer(SGP32_ESIPA_JSON_HANDLE_NOTIFICATION, answer,
                                                    len, &text, &text_len),
                     AW_ERR_STATE);
    answer[1] = 0x05; /* truncated */
    assert_int_not_equal(sgp32_esipa_json_encode_answer(SGP32_ESIPA_JSON_CANCEL_SESSION, answer,
                                                        len, &text, &text_len),
                         AW_OK);
    free(answer);
    assert_int_equal(sgp32_esipa_json_encode_answer(ia, NULL, 0, &text, &text_len),
                     AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_request_round_trips),
        cmocka_unit_test(test_request_golden),
        cmocka_unit_test(test_request_without_function),
        cmocka_unit_test(test_request_refusals),
        cmocka_unit_test(test_answer_round_trips),
        cmocka_unit_test(test_answer_errors),
        cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_answer_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
