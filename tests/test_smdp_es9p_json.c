/* Tests of the ES9+ JSON binding (src/smdp/es9p_json.h, SGP.22 6.5.1 and
 * 6.5.2.6 to 6.5.2.10): request JSON in, response JSON out, for each
 * function against the in-test eUICC, and the failures of requests that are
 * not well formed. */
#include "smdp_es9p_testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/base64.h"
#include "smdp/es9p_json.h"

#define PROTOCOL "gsma/rsp/v2.1.0"
#define IA "/gsma/rsp2/es9plus/initiateAuthentication"
#define AC "/gsma/rsp2/es9plus/authenticateClient"
#define GB "/gsma/rsp2/es9plus/getBoundProfilePackage"
#define HN "/gsma/rsp2/es9plus/handleNotification"
#define CS "/gsma/rsp2/es9plus/cancelSession"

/* The outcome reported beside a body (es9p_json_outcome) is what the body
 * says; without a body there is none. */
static void assert_outcome(const es9p_json_outcome *outcome, json_t *body)
{
    if (body == NULL) {
        assert_null(outcome->status);
        return;
    }
    json_t *execution = json_object_get(json_object_get(body, "header"),
                                        "functionExecutionStatus");
    json_t *code = json_object_get(execution, "statusCodeData");
    const char *subject = json_string_value(json_object_get(code, "subjectCode"));
    const char *reason = json_string_value(json_object_get(code, "reasonCode"));
    const char *id = json_string_value(json_object_get(body, "transactionId"));
    assert_non_null(outcome->status);
    assert_string_equal(outcome->status, json_string_value(json_object_get(execution, "status")));
    assert_true((subject == NULL) == (outcome->subject_code == NULL));
    assert_true((reason == NULL) == (outcome->reason_code == NULL));
    if (subject != NULL)
        assert_string_equal(outcome->subject_code, subject);
    if (reason != NULL)
        assert_string_equal(outcome->reason_code, reason);
    assert_string_equal(outcome->transaction_id, id != NULL ? id : "");
}

/* Send raw bytes; returns the parsed body (NULL when there is none). */
static json_t *call_raw(fixture *fx, const char *path, const char *protocol, const char *body,
                        size_t len, int expect_http)
{
    es9p_json_response resp;
    assert_int_equal(es9p_json_handle(&fx->server, path, protocol, (const uint8_t *)body, len,
                                      FX_NOW, &resp), AW_OK);
    assert_int_equal(resp.http_status, expect_http);
    json_t *out = NULL;
    if (resp.body != NULL) {
        assert_int_equal(strlen(resp.body), resp.body_len);
        json_error_t e;
        out = json_loads(resp.body, 0, &e);
        assert_non_null(out);
        /* the binding's own writer gives jansson's compact text */
        char *compact = json_dumps(out, JSON_COMPACT);
        assert_non_null(compact);
        assert_string_equal(compact, resp.body);
        free(compact);
    }
    assert_outcome(&resp.outcome, out);
    es9p_json_response_clear(&resp);
    return out;
}

/* Send a JSON request (taken). */
static json_t *call(fixture *fx, const char *path, json_t *request)
{
    char *body = json_dumps(request, JSON_COMPACT);
    assert_non_null(body);
    json_decref(request);
    json_t *out = call_raw(fx, path, PROTOCOL, body, strlen(body), 200);
    free(body);
    return out;
}

static const char *status_of(json_t *resp)
{
    const char *s = NULL;
    assert_int_equal(json_unpack(resp, "{s:{s:{s:s}}}", "header", "functionExecutionStatus",
                                 "status", &s), 0);
    return s;
}

/* Assert a Failed response with these codes (and element, when not NULL). */
static void assert_failed(json_t *resp, const char *subject, const char *reason,
                          const char *element)
{
    assert_string_equal(status_of(resp), "Failed");
    json_t *code = json_object_get(
        json_object_get(json_object_get(resp, "header"), "functionExecutionStatus"),
        "statusCodeData");
    assert_non_null(code);
    assert_string_equal(json_string_value(json_object_get(code, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(code, "reasonCode")), reason);
    assert_non_null(json_string_value(json_object_get(code, "message")));
    if (element != NULL)
        assert_string_equal(json_string_value(json_object_get(code, "subjectIdentifier")),
                            element);
    json_decref(resp);
}

static char *b64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(data, len, text, cap), AW_OK);
    return text;
}

/* A base64 response field, decoded (malloc'd). */
static uint8_t *field(json_t *resp, const char *name, size_t *len)
{
    const char *text = json_string_value(json_object_get(resp, name));
    assert_non_null(text);
    uint8_t *out = malloc(strlen(text) + 1);
    assert_non_null(out);
    assert_int_equal(aw_base64_decode(text, strlen(text), out, strlen(text), len), AW_OK);
    return out;
}

/* Independent check with /usr/bin/python3 (tests/smdp_es9p_crosscheck.py):
 * true when the 5F37 signature TLV verifies under the certificate over
 * part1 || part2. Skips the test when python3-cryptography is missing. */
static bool crosscheck(aw_slice cert, const uint8_t *tlv, size_t tlv_len, aw_slice part1,
                       aw_slice part2)
{
    const char *root = getenv("AW_SOURCE_ROOT");
    if (root == NULL || access("/usr/bin/python3", X_OK) != 0)
        skip();
    size_t cap = strlen(root) + 2 * (cert.len + tlv_len + part1.len + part2.len) + 128;
    char *cmd = malloc(cap);
    assert_non_null(cmd);
    int n = snprintf(cmd, cap, "/usr/bin/python3 %s/tests/smdp_es9p_crosscheck.py verify ", root);
    const aw_slice parts[] = {cert, {tlv, tlv_len}, part1, part2};
    for (size_t i = 0; i < 4; i++) {
        aw_hex_encode(parts[i].ptr, parts[i].len, cmd + n, false);
        n += (int)(2 * parts[i].len);
        cmd[n++] = ' ';
    }
    if (part2.len == 0)
        n -= 2; /* drop the empty last argument */
    cmd[n] = '\0';
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[16] = "";
    if (fgets(line, sizeof(line), p) == NULL)
        line[0] = '\0';
    int rc = pclose(p);
    free(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
        skip();
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    return strcmp(line, "ok\n") == 0;
}

static json_t *initiate_request(fixture *fx, const char *address)
{
    size_t len;
    uint8_t *info = fx_euicc_info1(&fx->credential.ci_pkid, &fx->credential.ci_pkid, &len);
    char *info_text = b64(info, len);
    char *challenge = b64(fx->euicc_challenge, 16);
    json_t *req = json_pack("{s:{s:s,s:s},s:s,s:s,s:s}", "header", "functionRequesterIdentifier",
                            "lpa", "functionCallIdentifier", "1", "euiccChallenge", challenge,
                            "euiccInfo1", info_text, "smdpAddress", address);
    assert_non_null(req);
    free(info_text);
    free(challenge);
    free(info);
    return req;
}

/* InitiateAuthentication through JSON; keeps the eUICC's view in fx. */
static void json_initiate(fixture *fx, bool cross)
{
    json_t *resp = call(fx, IA, initiate_request(fx, FX_ADDRESS));
    assert_string_equal(status_of(resp), "Executed-Success");
    const char *tid = json_string_value(json_object_get(resp, "transactionId"));
    assert_non_null(tid);
    assert_int_equal(strlen(tid), 32);
    size_t len;
    assert_int_equal(aw_hex_decode(tid, fx->transaction_id, 16, &len), AW_OK);
    uint8_t *signed1 = field(resp, "serverSigned1", &len);
    sgp22_server_signed1 s1;
    assert_int_equal(sgp22_decode_server_signed1(signed1, len, &s1), AW_OK);
    assert_memory_equal(s1.transaction_id.ptr, fx->transaction_id, 16);
    memcpy(fx->server_challenge, s1.server_challenge.ptr, 16);
    size_t sig_len;
    uint8_t *sig = field(resp, "serverSignature1", &sig_len);
    assert_int_equal(sig_len, 67);
    assert_int_equal(sig[0], 0x5F);
    assert_int_equal(sig[1], 0x37);
    assert_int_equal(sig[2], 0x40);
    crypto_key *dpauth = NULL;
    aw_slice cert = fx_der(fx, AW_PKI_ROLE_DP_AUTH);
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &dpauth), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(dpauth, signed1, len, sig + 3, 64), AW_OK);
    crypto_key_free(dpauth);
    aw_slice none = {NULL, 0};
    if (cross) {
        assert_true(crosscheck(cert, sig, sig_len, (aw_slice){signed1, len}, none));
        signed1[len - 1] ^= 1;
        assert_false(crosscheck(cert, sig, sig_len, (aw_slice){signed1, len}, none));
    }
    free(sig);
    free(signed1);
    uint8_t *pkid = field(resp, "euiccCiPKIdToBeUsed", &len);
    assert_int_equal(pkid[0], 0x04);
    assert_int_equal(pkid[1], fx->credential.ci_pkid.len);
    assert_memory_equal(pkid + 2, fx->credential.ci_pkid.bytes, fx->credential.ci_pkid.len);
    free(pkid);
    uint8_t *server_cert = field(resp, "serverCertificate", &len);
    assert_int_equal(len, cert.len);
    assert_memory_equal(server_cert, cert.ptr, len);
    free(server_cert);
    json_decref(resp);
}

static char *tid_hex(const fixture *fx)
{
    char *hex = malloc(33);
    assert_non_null(hex);
    aw_hex_encode(fx->transaction_id, 16, hex, true);
    return hex;
}

/* A request of transactionId and one base64 field (taken: der). */
static json_t *tid_request(const fixture *fx, const char *name, uint8_t *der, size_t len)
{
    char *hex = tid_hex(fx);
    char *text = b64(der, len);
    json_t *req = json_pack("{s:s,s:s}", "transactionId", hex, name, text);
    assert_non_null(req);
    free(hex);
    free(text);
    free(der);
    return req;
}

static void json_authenticate(fixture *fx, bool cross)
{
    static const fx_auth_options ok = {0};
    size_t len;
    uint8_t *asr = fx_authenticate_server_response(fx, &ok, &len);
    sgp22_authenticate_server_response decoded;
    assert_int_equal(sgp22_decode_authenticate_server_response(asr, len, &decoded), AW_OK);
    uint8_t euicc_signature1[67] = {0x5F, 0x37, 0x40};
    memcpy(euicc_signature1 + 3, decoded.ok.euicc_signature1.ptr, 64);
    json_t *resp = call(fx, AC, tid_request(fx, "authenticateServerResponse", asr, len));
    assert_string_equal(status_of(resp), "Executed-Success");
    uint8_t *signed2 = field(resp, "smdpSigned2", &len);
    sgp22_smdp_signed2 s2;
    assert_int_equal(sgp22_decode_smdp_signed2(signed2, len, &s2), AW_OK);
    assert_memory_equal(s2.transaction_id.ptr, fx->transaction_id, 16);
    free(signed2);
    uint8_t *sig = field(resp, "smdpSignature2", &len);
    assert_int_equal(len, 67);
    memcpy(fx->smdp_signature2, sig + 3, 64);
    /* SGP.22 5.7.5: over smdpSigned2 || euiccSignature1 (5F37 included) */
    size_t signed2_len;
    signed2 = field(resp, "smdpSigned2", &signed2_len);
    aw_slice dppb = fx_der(fx, AW_PKI_ROLE_DP_PB);
    if (cross) {
        assert_true(crosscheck(dppb, sig, 67, (aw_slice){signed2, signed2_len},
                               (aw_slice){euicc_signature1, sizeof(euicc_signature1)}));
        assert_false(crosscheck(dppb, sig, 67, (aw_slice){signed2, signed2_len},
                                (aw_slice){euicc_signature1 + 3, 64}));
    }
    free(signed2);
    free(sig);
    uint8_t *metadata = field(resp, "profileMetadata", &len);
    sgp22_store_metadata_request md;
    assert_int_equal(sgp22_decode_store_metadata_request(metadata, len, &md), AW_OK);
    free(metadata);
    uint8_t *cert = field(resp, "smdpCertificate", &len);
    assert_memory_equal(cert, fx_der(fx, AW_PKI_ROLE_DP_PB).ptr, len);
    free(cert);
    json_decref(resp);
}

static void test_json_download(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    json_initiate(&fx, true);
    json_authenticate(&fx, true);

    static const fx_prepare_options prepare = {0};
    uint8_t otpk[CRYPTO_POINT_SIZE];
    size_t len;
    uint8_t *pdr = fx_prepare_download_response(&fx, &prepare, otpk, &len);
    json_t *resp = call(&fx, GB, tid_request(&fx, "prepareDownloadResponse", pdr, len));
    assert_string_equal(status_of(resp), "Executed-Success");
    uint8_t *bpp = field(resp, "boundProfilePackage", &len);
    assert_int_equal(len, 3 + CRYPTO_POINT_SIZE);
    assert_memory_equal(bpp + 3, otpk, CRYPTO_POINT_SIZE);
    free(bpp);
    char *hex = tid_hex(&fx);
    assert_string_equal(json_string_value(json_object_get(resp, "transactionId")), hex);
    free(hex);
    json_decref(resp);

    /* HandleNotification: 204, no body (SGP.22 6.5.2.9) */
    uint8_t *pir = fx_installation_result(&fx, true, false, &len);
    char *text = b64(pir, len);
    free(pir);
    json_t *req = json_pack("{s:s}", "pendingNotification", text);
    free(text);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    assert_null(call_raw(&fx, HN, PROTOCOL, body, strlen(body), 204));
    assert_int_equal(fx.fake.installation_calls, 1);
    /* again: still 204, reported to the daemon as dropped (session over) */
    es9p_json_response again;
    assert_int_equal(es9p_json_handle(&fx.server, HN, PROTOCOL, (const uint8_t *)body,
                                      strlen(body), FX_NOW, &again),
                     AW_OK);
    assert_int_equal(again.http_status, 204);
    assert_int_equal(again.notification_status, ES9P_STATUS_TRANSACTION_UNKNOWN);
    es9p_json_response_clear(&again);
    free(body);
    assert_int_equal(fx.fake.installation_calls, 1);
    fx_close(&fx);
}

static void test_json_cancel_session(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_BRAINPOOL_P256R1);
    json_initiate(&fx, false);
    json_authenticate(&fx, false);
    size_t len;
    uint8_t *csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_TIMEOUT, false, true,
                                              &len);
    assert_failed(call(&fx, CS, tid_request(&fx, "cancelSessionResponse", csr, len)), "8.8",
                  "3.10", NULL);
    csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_TIMEOUT, false, false, &len);
    json_t *resp = call(&fx, CS, tid_request(&fx, "cancelSessionResponse", csr, len));
    assert_string_equal(status_of(resp), "Executed-Success");
    assert_int_equal(json_object_size(resp), 1); /* header only */
    json_decref(resp);
    assert_int_equal(fx.fake.cancel_reason, SGP22_CANCEL_SESSION_TIMEOUT);
    /* the session is gone: 8.10.1 / 3.9 */
    csr = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_TIMEOUT, false, false, &len);
    assert_failed(call(&fx, CS, tid_request(&fx, "cancelSessionResponse", csr, len)), "8.10.1",
                  "3.9", NULL);
    fx_close(&fx);
}

static void test_json_function_errors(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    assert_failed(call(&fx, IA, initiate_request(&fx, "wrong.example.com")), "8.8.1", "3.8",
                  NULL);
    /* an unknown transaction at each function that takes one */
    static const char *const paths[] = {AC, GB, CS};
    static const char *const fields[] = {"authenticateServerResponse", "prepareDownloadResponse",
                                         "cancelSessionResponse"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *der = malloc(2);
        der[0] = 0x30;
        der[1] = 0x00;
        assert_failed(call(&fx, paths[i], tid_request(&fx, fields[i], der, 2)), "8.10.1", "3.9",
                      NULL);
    }
    /* a known transaction with a body that is not the ASN.1 expected */
    json_initiate(&fx, false);
    uint8_t *der = malloc(2);
    der[0] = 0x30;
    der[1] = 0x00;
    assert_failed(call(&fx, AC, tid_request(&fx, "authenticateServerResponse", der, 2)), "1",
                  "2.1", NULL);
    /* our own failure (the session store is full): 1.2 / 4.2, no fields */
    for (int i = 1; i < 8; i++)
        json_initiate(&fx, false);
    json_t *resp = call(&fx, IA, initiate_request(&fx, FX_ADDRESS));
    assert_null(json_object_get(resp, "transactionId"));
    assert_failed(resp, "1.2", "4.2", NULL);
    fx_close(&fx);
}

static void test_json_malformed(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    const char *ok_body = "{\"transactionId\":\"00\",\"cancelSessionResponse\":\"MAA=\"}";
    size_t ok_len = strlen(ok_body);

    /* X-Admin-Protocol (SGP.22 6.5.1) */
    assert_failed(call_raw(&fx, CS, NULL, ok_body, ok_len, 200), "1", "2.2", "X-Admin-Protocol");
    assert_failed(call_raw(&fx, CS, "gsma/rsp/v3.0.0", ok_body, ok_len, 200), "1", "3.1",
                  "X-Admin-Protocol");
    assert_failed(call_raw(&fx, CS, "gsma/rsp/v2.1", ok_body, ok_len, 200), "1", "3.1", NULL);
    assert_true(es9p_json_admin_protocol_supported("gsma/rsp/v2.5.0"));
    assert_false(es9p_json_admin_protocol_supported("gsma/rsp/v2.x.0"));
    assert_false(es9p_json_admin_protocol_supported("gsma/rsp/v2.1.0 "));

    /* bodies that are not a JSON object */
    static const char *const not_json[] = {"", "{", "[]", "\"x\"", "{\"a\":1}{}",
                                           "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++)
        assert_failed(call_raw(&fx, CS, PROTOCOL, not_json[i], strlen(not_json[i]), 200), "1",
                      "2.1", "body");
    char *big = calloc(1, ES9P_JSON_BODY_MAX + 2);
    memset(big, ' ', ES9P_JSON_BODY_MAX + 1);
    assert_failed(call_raw(&fx, CS, PROTOCOL, big, ES9P_JSON_BODY_MAX + 1, 200), "1", "2.1",
                  "body");
    free(big);

    /* fields: missing, wrong type, bad base64, bad hex, bad header */
    static const struct {
        const char *path, *body, *reason, *element;
    } cases[] = {
        {CS, "{\"transactionId\":\"00\"}", "2.2", "cancelSessionResponse"},
        {CS, "{\"cancelSessionResponse\":\"MAA=\"}", "2.2", "transactionId"},
        {CS, "{\"transactionId\":7,\"cancelSessionResponse\":\"MAA=\"}", "2.1", "transactionId"},
        {CS, "{\"transactionId\":\"0G\",\"cancelSessionResponse\":\"MAA=\"}", "2.1",
         "transactionId"},
        {CS, "{\"transactionId\":\"\",\"cancelSessionResponse\":\"MAA=\"}", "2.1",
         "transactionId"},
        {CS, "{\"transactionId\":\"000000000000000000000000000000000000\","
             "\"cancelSessionResponse\":\"MAA=\"}", "2.1", "transactionId"},
        {CS, "{\"transactionId\":\"00\",\"cancelSessionResponse\":\"MA=A\"}", "2.1",
         "cancelSessionResponse"},
        {CS, "{\"transactionId\":\"00\",\"cancelSessionResponse\":\"\"}", "2.1",
         "cancelSessionResponse"},
        {CS, "{\"header\":[],\"transactionId\":\"00\",\"cancelSessionResponse\":\"MAA=\"}", "2.1",
         "header"},
        {CS, "{\"header\":{\"functionCallIdentifier\":1},\"transactionId\":\"00\","
             "\"cancelSessionResponse\":\"MAA=\"}", "2.1", "functionCallIdentifier"},
        {IA, "{\"euiccChallenge\":\"AAAA\",\"euiccInfo1\":\"MAA=\",\"smdpAddress\":\"x\"}",
         "2.1", "euiccChallenge"},
        {IA, "{\"euiccChallenge\":\"AAAA\",\"euiccInfo1\":\"MAA=\"}", "2.2", "smdpAddress"},
        {AC, "{\"transactionId\":\"00\"}", "2.2", "authenticateServerResponse"},
        {GB, "{\"transactionId\":\"00\",\"prepareDownloadResponse\":null}", "2.1",
         "prepareDownloadResponse"},
        {HN, "{}", "2.2", "pendingNotification"},
        {HN, "{\"pendingNotification\":\"*\"}", "2.1", "pendingNotification"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_failed(call_raw(&fx, cases[i].path, PROTOCOL, cases[i].body,
                               strlen(cases[i].body), 200),
                      "1", cases[i].reason, cases[i].element);
    /* a well-formed notification whose content is not usable is still
     * acknowledged (SGP.22 6.5.2.9) */
    const char *junk = "{\"pendingNotification\":\"MAA=\"}";
    assert_null(call_raw(&fx, HN, PROTOCOL, junk, strlen(junk), 204));
    es9p_json_response dropped;
    assert_int_equal(es9p_json_handle(&fx.server, HN, PROTOCOL, (const uint8_t *)junk,
                                      strlen(junk), FX_NOW, &dropped),
                     AW_OK);
    assert_int_equal(dropped.notification_status, ES9P_STATUS_INVALID_ELEMENT);
    es9p_json_response_clear(&dropped);

    /* unknown path: 404 without a body */
    assert_null(call_raw(&fx, "/gsma/rsp2/es9plus/other", PROTOCOL, ok_body, ok_len, 404));
    assert_null(call_raw(&fx, NULL, PROTOCOL, ok_body, ok_len, 404));
    es9p_json_response resp;
    assert_int_equal(es9p_json_handle(NULL, CS, PROTOCOL, NULL, 0, FX_NOW, &resp),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_json_handle(&fx.server, CS, PROTOCOL, NULL, 0, FX_NOW, NULL),
                     AW_ERR_ARGUMENT);
    es9p_json_response_clear(NULL);
    fx_close(&fx);
}

static void test_json_paths(void **state)
{
    (void)state;
    for (int f = ES9P_FUNCTION_INITIATE_AUTHENTICATION; f <= ES9P_FUNCTION_CANCEL_SESSION; f++) {
        const char *path = es9p_json_function_path((es9p_function)f);
        assert_non_null(path);
        assert_int_equal(es9p_json_function_from_path(path), f);
    }
    assert_string_equal(es9p_json_function_path(ES9P_FUNCTION_AUTHENTICATE_CLIENT), AC);
    assert_null(es9p_json_function_path(ES9P_FUNCTION_UNKNOWN));
    assert_int_equal(es9p_json_function_from_path("/gsma/rsp2/es9plus/cancelSession/"),
                     ES9P_FUNCTION_UNKNOWN);
}

/* The answer the daemon sends when it cannot commit what a request
 * changed (server.c): a header only, 1.2 / 4.2 Execution Error. */
static void test_json_failure(void **state)
{
    (void)state;
    es9p_json_response resp;
    assert_int_equal(es9p_json_failure(ES9P_STATUS_EXECUTION_ERROR, &resp), AW_OK);
    assert_int_equal(resp.http_status, 200);
    json_t *body = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_non_null(body);
    assert_outcome(&resp.outcome, body);
    assert_int_equal(json_object_size(body), 1);
    assert_failed(body, "1.2", "4.2", NULL);
    es9p_json_response_clear(&resp);
    assert_int_equal(es9p_json_failure(ES9P_STATUS_OK, &resp), AW_ERR_ARGUMENT);
    assert_null(resp.body);
    assert_int_equal(es9p_json_failure(ES9P_STATUS_EXECUTION_ERROR, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_download),
        cmocka_unit_test(test_json_cancel_session),
        cmocka_unit_test(test_json_function_errors),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_paths),
        cmocka_unit_test(test_json_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
