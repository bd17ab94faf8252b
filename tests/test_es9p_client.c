/* Tests for the ES9+ client (src/core/es9p_client.c, es9p_client_response.c;
 * SGP.22 6.5 JSON binding from the requesting side): request bodies from
 * the SGP.22 request DER (6.5.2.6-6.5.2.10), answers rebuilt into the exact
 * SGP.22 response DER (hand-built RSPDefinitions vectors, as in
 * test_sgp22_es9.c), functionExecutionStatus (6.5.1.4), and one negative
 * test per refusal. The exchange over HTTPS is covered end to end by
 * test_eim_relay. */
#include "testutil.h"

#include <jansson.h>

#include "core/base64.h"
#include "core/der.h"
#include "core/es9p_client.h"
#include "es9p_client_vectors.h"
#include "sgp22_golden.h"

static const char *const success_header = ES9P_VECTOR_SUCCESS_HEADER;

static char *base64_of(const uint8_t *data, size_t len)
{
    char *text = es9p_vector_base64(data, len);
    assert_non_null(text);
    return text;
}

static char *ok_json(const char *hex, const char *const *names, size_t count)
{
    char *json = es9p_vector_ok_json(hex, names, count);
    assert_non_null(json);
    return json;
}

/* The request JSON of hex DER, parsed. */
static json_t *encode(es9p_client_function function, const char *hex)
{
    size_t len = 0, json_len = 0;
    char *json = NULL;
    uint8_t *der = test_hex(hex, &len);
    assert_int_equal(es9p_client_encode_request(function, der, len, &json, &json_len), AW_OK);
    assert_int_equal(strlen(json), json_len);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    free(json);
    free(der);
    return root;
}

static void expect_request_error(es9p_client_function function, const char *hex)
{
    size_t len = 0, json_len = 1;
    char *json = (char *)1;
    uint8_t *der = test_hex(hex, &len);
    assert_int_equal(es9p_client_encode_request(function, der, len, &json, &json_len),
                     AW_ERR_ES9P_CLIENT_REQUEST);
    assert_null(json);
    assert_int_equal(json_len, 0);
    free(der);
}

static void expect_member(json_t *root, const char *name, const char *value)
{
    assert_non_null(json_string_value(json_object_get(root, name)));
    assert_string_equal(json_string_value(json_object_get(root, name)), value);
}

static void test_function_names(void **state)
{
    (void)state;
    assert_string_equal(es9p_client_function_name(ES9P_CLIENT_INITIATE_AUTHENTICATION),
                        "initiateAuthentication");
    assert_string_equal(es9p_client_function_name(ES9P_CLIENT_CANCEL_SESSION), "cancelSession");
    assert_null(es9p_client_function_name(ES9P_CLIENT_FUNCTION_COUNT));
}

static void test_encode_requests(void **state)
{
    (void)state;
    json_t *root = encode(ES9P_CLIENT_INITIATE_AUTHENTICATION, IAREQ);
    expect_member(root, "euiccChallenge", "EREREREREREREREREREREQ=="); /* the 16 octets */
    expect_member(root, "smdpAddress", "smdp.example.com");
    expect_member(root, "euiccInfo1", "vyAJggMCAgCpAKoA");
    assert_int_equal(json_object_size(root), 3);
    json_decref(root);

    /* transactionId as hex digits, the ES10b answer as its TLV */
    root = encode(ES9P_CLIENT_AUTHENTICATE_CLIENT,
                  "BF3B1580080102030405060708BF3808A10680010102017F");
    expect_member(root, "transactionId", "0102030405060708");
    expect_member(root, "authenticateServerResponse", "vzgIoQaAAQECAX8=");
    json_decref(root);

    /* HandleNotification: the PendingNotification inside [0] */
    size_t n = strlen(golden_profile_installation_result) / 2;
    char *hex = malloc(2 * n + 32);
    assert_non_null(hex);
    sprintf(hex, "BF3D81B4A081B1%s", golden_profile_installation_result);
    root = encode(ES9P_CLIENT_HANDLE_NOTIFICATION, hex);
    size_t pir_len = 0;
    uint8_t *pir = test_hex(golden_profile_installation_result, &pir_len);
    char *pir64 = base64_of(pir, pir_len);
    expect_member(root, "pendingNotification", pir64);
    json_decref(root);
    free(pir64);
    free(pir);
    free(hex);

    /* CancelSession: [1] IMPLICIT back to the eUICC's BF41 */
    root = encode(ES9P_CLIENT_CANCEL_SESSION, CSREQ9);
    size_t len = 0;
    uint8_t *der = test_hex(CSREQ9, &len);
    uint8_t *retagged = malloc(len);
    assert_non_null(retagged);
    retagged[0] = 0xBF;
    retagged[1] = 0x41;
    memcpy(retagged + 2, der + 14, len - 14); /* 5A and the content of A1 */
    char *text = base64_of(retagged, len - 12);
    expect_member(root, "cancelSessionResponse", text);
    json_decref(root);
    free(text);
    free(retagged);
    free(der);
}

static void test_encode_request_errors(void **state)
{
    (void)state;
    /* another message's tag */
    expect_request_error(ES9P_CLIENT_AUTHENTICATE_CLIENT, IAREQ);
    /* bytes after the message */
    expect_request_error(ES9P_CLIENT_INITIATE_AUTHENTICATION, IAREQ "00");
    /* euiccChallenge of 15 octets */
    expect_request_error(ES9P_CLIENT_INITIATE_AUTHENTICATION,
                         "BF392F810F1111111111111111111111111111118310736D64702E6578616D706C652E"
                         "636F6DBF20098203020200A900AA00");
    /* euiccInfo1 missing */
    expect_request_error(ES9P_CLIENT_INITIATE_AUTHENTICATION,
                         "BF39248110111111111111111111111111111111118310736D64702E6578616D706C65"
                         "2E636F6D");
    /* smdpAddress not UTF-8 */
    expect_request_error(ES9P_CLIENT_INITIATE_AUTHENTICATION,
                         "BF39218110111111111111111111111111111111118301FFBF20098203020200A900AA"
                         "00");
    /* smdpAddress with a control character (NUL) */
    expect_request_error(ES9P_CLIENT_INITIATE_AUTHENTICATION,
                         "BF39218110111111111111111111111111111111118302610"
                         "0BF20098203020200A900AA00");
    /* a later-version component the binding cannot carry */
    expect_request_error(ES9P_CLIENT_AUTHENTICATE_CLIENT,
                         "BF3B1780080102030405060708BF3808A10680010102017F0500");
    /* transactionId empty, and of 17 octets */
    expect_request_error(ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE, "BF3A078000BF2102A100");
    expect_request_error(ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE,
                         "BF3A1880110102030405060708090A0B0C0D0E0F1011BF2102A100");
    /* HandleNotification: two TLVs inside [0] */
    expect_request_error(ES9P_CLIENT_HANDLE_NOTIFICATION, "BF3D06A00430003000");
    /* CancelSession: [1] primitive */
    expect_request_error(ES9P_CLIENT_CANCEL_SESSION, "BF410D80080102030405060708810105");
    /* not DER */
    expect_request_error(ES9P_CLIENT_CANCEL_SESSION, "BF4180");
    char *json = NULL;
    size_t json_len = 0;
    static const uint8_t one = 0;
    assert_int_equal(es9p_client_encode_request(ES9P_CLIENT_FUNCTION_COUNT, &one, 1, &json,
                                                &json_len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_encode_request(ES9P_CLIENT_CANCEL_SESSION, NULL, 0, &json,
                                                &json_len),
                     AW_ERR_ARGUMENT);
}

/* Parse body as the answer of function with HTTP status; expect err. */
static aw_err parse(es9p_client_function function, int status, const char *body,
                    es9p_client_result *result)
{
    return es9p_client_parse_response(function, status, (const uint8_t *)body, strlen(body),
                                      result);
}

static void expect_response(es9p_client_function function, const char *json, const char *hex)
{
    es9p_client_result result;
    size_t len = 0;
    uint8_t *want = test_hex(hex, &len);
    assert_int_equal(parse(function, 200, json, &result), AW_OK);
    assert_int_equal(result.status.outcome, ES9P_CLIENT_EXECUTED_SUCCESS);
    assert_int_equal(result.response_len, len);
    assert_memory_equal(result.response, want, len);
    es9p_client_result_clear(&result);
    assert_null(result.response);
    free(want);
}

static void test_parse_success(void **state)
{
    (void)state;
    char *json = ok_json(IARESP_OK, es9p_vector_initiate_names, 5);
    expect_response(ES9P_CLIENT_INITIATE_AUTHENTICATION, json, IARESP_OK);
    free(json);
    json = ok_json(ACRESP_OK, es9p_vector_authenticate_names, 5);
    expect_response(ES9P_CLIENT_AUTHENTICATE_CLIENT, json, ACRESP_OK);
    free(json);
    char body[256];
    snprintf(body, sizeof(body), "{%s}", success_header);
    expect_response(ES9P_CLIENT_CANCEL_SESSION, body, "BF4102A000");

    /* 6.5.2.9: 204 and no body */
    es9p_client_result result;
    assert_int_equal(es9p_client_parse_response(ES9P_CLIENT_HANDLE_NOTIFICATION, 204, NULL, 0,
                                                &result),
                     AW_OK);
    assert_null(result.response);

    /* Failed: the codes, no response */
    assert_int_equal(parse(ES9P_CLIENT_AUTHENTICATE_CLIENT, 200,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                           "\"statusCodeData\":{\"subjectCode\":\"8.2.6\",\"reasonCode\":\"3.8\","
                           "\"subjectIdentifier\":\"matchingId\",\"message\":\"refused\"}}}}",
                           &result),
                     AW_OK);
    assert_int_equal(result.status.outcome, ES9P_CLIENT_FAILED);
    assert_string_equal(result.status.subject_code, "8.2.6");
    assert_string_equal(result.status.reason_code, "3.8");
    assert_string_equal(result.status.subject_identifier, "matchingId");
    assert_null(result.response);
    /* a Failed HandleNotification (200) is an answer too */
    assert_int_equal(parse(ES9P_CLIENT_HANDLE_NOTIFICATION, 200,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                           "\"statusCodeData\":{\"subjectCode\":\"1\",\"reasonCode\":\"2.1\"}}}}",
                           &result),
                     AW_OK);
    assert_string_equal(result.status.subject_code, "1");
    assert_string_equal(result.status.subject_identifier, "");
    /* Expired, and a warning without codes */
    assert_int_equal(parse(ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE, 200,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\"}}}",
                           &result),
                     AW_OK);
    assert_int_equal(result.status.outcome, ES9P_CLIENT_EXPIRED);
    assert_null(result.response);
    assert_int_equal(parse(ES9P_CLIENT_CANCEL_SESSION, 200,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":"
                           "\"Executed-WithWarning\"}}}",
                           &result),
                     AW_OK);
    assert_int_equal(result.status.outcome, ES9P_CLIENT_EXECUTED_WITH_WARNING);
    assert_non_null(result.response);
    es9p_client_result_clear(&result);
    es9p_client_result_clear(NULL);
    /* a long subjectIdentifier is cut, not refused */
    char long_body[512];
    char identifier[200];
    memset(identifier, 'x', sizeof(identifier) - 1);
    identifier[sizeof(identifier) - 1] = '\0';
    snprintf(long_body, sizeof(long_body),
             "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
             "{\"subjectCode\":\"1\",\"reasonCode\":\"2.1\",\"subjectIdentifier\":\"%s\"}}}}",
             identifier);
    assert_int_equal(parse(ES9P_CLIENT_CANCEL_SESSION, 200, long_body, &result), AW_OK);
    assert_int_equal(strlen(result.status.subject_identifier), ES9P_CLIENT_IDENTIFIER_MAX);
}

static void expect_response_error(es9p_client_function function, int status, const char *body,
                                  aw_err want)
{
    es9p_client_result result;
    assert_int_equal(parse(function, status, body, &result), want);
    assert_null(result.response);
    assert_int_equal(result.response_len, 0);
}

/* ok_json of IARESP_OK with member name set to value (NULL: removed). */
static char *initiate_with(const char *name, const char *value)
{
    char *json = ok_json(IARESP_OK, es9p_vector_initiate_names, 5);
    json_t *root = json_loads(json, 0, NULL);
    free(json);
    if (value == NULL)
        json_object_del(root, name);
    else
        json_object_set_new(root, name, json_string(value));
    json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return json;
}

static void expect_initiate_error(const char *name, const char *value)
{
    char *json = initiate_with(name, value);
    expect_response_error(ES9P_CLIENT_INITIATE_AUTHENTICATION, 200, json,
                          AW_ERR_ES9P_CLIENT_RESPONSE);
    free(json);
}

static void test_parse_errors(void **state)
{
    (void)state;
    const es9p_client_function ia = ES9P_CLIENT_INITIATE_AUTHENTICATION;
    const aw_err bad = AW_ERR_ES9P_CLIENT_RESPONSE;
    expect_response_error(ia, 500, "", AW_ERR_ES9P_CLIENT_HTTP_STATUS);
    expect_response_error(ia, 204, "", AW_ERR_ES9P_CLIENT_HTTP_STATUS);
    char body[256];
    snprintf(body, sizeof(body), "{%s}", success_header);
    /* a handled notification is 204, never a 200 success */
    expect_response_error(ES9P_CLIENT_HANDLE_NOTIFICATION, 200, body, bad);
    expect_response_error(ia, 200, "", bad);
    expect_response_error(ia, 200, "{\"header\":", bad);
    expect_response_error(ia, 200, "[1]", bad);
    expect_response_error(ia, 200, "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
                                   "{}}}}}}}}}}",
                          bad);
    expect_response_error(ia, 200, "{\"a\":1,\"a\":2}", bad); /* duplicate member */
    expect_response_error(ia, 200, "{}", bad);                /* no header */
    expect_response_error(ia, 200,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Done\"}}}", bad);
    expect_response_error(ia, 200,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\"}}}",
                          bad);
    static const char *const codes[] = {"8..1", ".8", "8.", "x", "", "1234567890123456"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char failed[256];
        snprintf(failed, sizeof(failed),
                 "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                 "\"statusCodeData\":{\"subjectCode\":\"%s\",\"reasonCode\":\"3.8\"}}}}",
                 codes[i]);
        expect_response_error(ia, 200, failed, bad);
    }
    expect_response_error(ia, 200,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                          "\"statusCodeData\":{\"subjectCode\":\"8\",\"reasonCode\":3}}}}",
                          bad);
    expect_response_error(ia, 200,
                          "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                          "\"statusCodeData\":{\"subjectCode\":\"8\",\"reasonCode\":\"3\","
                          "\"subjectIdentifier\":7}}}}",
                          bad);
    /* the success fields */
    expect_initiate_error("serverCertificate", NULL);           /* missing */
    expect_initiate_error("transactionId", "01020Z");           /* not hex */
    expect_initiate_error("transactionId", "");                 /* empty */
    expect_initiate_error("transactionId", "000102030405060708090A0B0C0D0E0F10"); /* 17 */
    expect_initiate_error("serverSigned1", "not base64!");
    expect_initiate_error("serverSigned1", "BAA=");             /* 04 00: not a SEQUENCE */
    expect_initiate_error("serverSigned1", "MAAA");             /* 30 00 00: trailing byte */
    expect_initiate_error("serverSigned1", "MAA=");             /* 30 00: refused by the codec */
    char *json = initiate_with("serverSignature1", NULL);
    json_t *root = json_loads(json, 0, NULL);
    json_object_set_new(root, "serverSignature1", json_integer(5)); /* not a string */
    free(json);
    json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    expect_response_error(ia, 200, json, bad);
    free(json);
    /* over the size bound */
    uint8_t *big = malloc(ES9P_CLIENT_RESPONSE_MAX + 1);
    assert_non_null(big);
    memset(big, ' ', ES9P_CLIENT_RESPONSE_MAX + 1);
    es9p_client_result result;
    assert_int_equal(es9p_client_parse_response(ia, 200, big, ES9P_CLIENT_RESPONSE_MAX + 1,
                                                &result),
                     bad);
    free(big);
    assert_int_equal(es9p_client_parse_response(ES9P_CLIENT_FUNCTION_COUNT, 200,
                                                (const uint8_t *)"{}", 2, &result),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_parse_response(ia, 200, NULL, 2, &result), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_parse_response(ia, 200, NULL, 0, NULL), AW_ERR_ARGUMENT);
}

static void test_base_url_and_call(void **state)
{
    (void)state;
    char url[300];
    assert_int_equal(es9p_client_base_url("smdp.example.com:8443", 21, url, sizeof(url)), AW_OK);
    assert_string_equal(url, "https://smdp.example.com:8443");
    static const char *const refused[] = {"a/b", "a?b", "a#b", "u@a", "a b", "a\\b", "\x7f"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(es9p_client_base_url(refused[i], strlen(refused[i]), url, sizeof(url)),
                         AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_base_url("", 0, url, sizeof(url)), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_base_url("smdp.example.com", 16, url, 20), AW_ERR_ARGUMENT);
    assert_string_equal(url, "");
    char long_address[300];
    memset(long_address, 'a', sizeof(long_address));
    assert_int_equal(es9p_client_base_url(long_address, 256, url, sizeof(url)), AW_ERR_ARGUMENT);

    /* the exchange's own refusals, before anything is sent */
    http_client *client = NULL;
    http_client_config config = {.ca_file = "/nonexistent-ca.pem"};
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    es9p_client_result result;
    size_t len = 0;
    uint8_t *request = test_hex(IAREQ, &len);
    assert_int_equal(es9p_client_call(client, "http://smdp.example.com",
                                      ES9P_CLIENT_INITIATE_AUTHENTICATION, request, len, &result),
                     AW_ERR_ARGUMENT);
    memset(long_address, 'a', sizeof(long_address) - 1);
    memcpy(long_address, "https://", 8);
    long_address[sizeof(long_address) - 1] = '\0';
    assert_int_equal(es9p_client_call(client, long_address, ES9P_CLIENT_INITIATE_AUTHENTICATION,
                                      request, len, &result),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_client_call(client, "https://smdp.example.com",
                                      ES9P_CLIENT_AUTHENTICATE_CLIENT, request, len, &result),
                     AW_ERR_ES9P_CLIENT_REQUEST);
    assert_int_equal(es9p_client_call(client, "https://smdp.example.com",
                                      ES9P_CLIENT_FUNCTION_COUNT, request, len, &result),
                     AW_ERR_ARGUMENT);
    /* nothing listens there: the transport's error comes back */
    assert_int_equal(es9p_client_call(client, "https://127.0.0.1:1",
                                      ES9P_CLIENT_INITIATE_AUTHENTICATION, request, len, &result),
                     AW_ERR_HTTP_CONNECT);
    assert_null(result.response);
    free(request);
    http_client_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_names),
        cmocka_unit_test(test_encode_requests),
        cmocka_unit_test(test_encode_request_errors),
        cmocka_unit_test(test_parse_success),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_base_url_and_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
