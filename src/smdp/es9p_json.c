/* airwrite SM-DP+: ES9+ JSON binding (SGP.22 6.5.1, 6.5.2.6 to 6.5.2.10). */
#include "smdp/es9p_json.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/hex.h"

#define ES9P_JSON_PATH_PREFIX "/gsma/rsp2/es9plus/"
/* smdpAddress is an FQDN (RFC 1035: at most 255 octets) */
#define ES9P_JSON_ADDRESS_MAX 255u

static const struct {
    es9p_function function;
    const char *path;
} es9p_json_paths[] = {
    {ES9P_FUNCTION_INITIATE_AUTHENTICATION, ES9P_JSON_PATH_PREFIX "initiateAuthentication"},
    {ES9P_FUNCTION_AUTHENTICATE_CLIENT, ES9P_JSON_PATH_PREFIX "authenticateClient"},
    {ES9P_FUNCTION_GET_BOUND_PROFILE_PACKAGE, ES9P_JSON_PATH_PREFIX "getBoundProfilePackage"},
    {ES9P_FUNCTION_HANDLE_NOTIFICATION, ES9P_JSON_PATH_PREFIX "handleNotification"},
    {ES9P_FUNCTION_CANCEL_SESSION, ES9P_JSON_PATH_PREFIX "cancelSession"},
};

es9p_function es9p_json_function_from_path(const char *path)
{
    for (size_t i = 0; path != NULL && i < sizeof(es9p_json_paths) / sizeof(es9p_json_paths[0]);
         i++) {
        if (strcmp(path, es9p_json_paths[i].path) == 0)
            return es9p_json_paths[i].function;
    }
    return ES9P_FUNCTION_UNKNOWN;
}

const char *es9p_json_function_path(es9p_function function)
{
    for (size_t i = 0; i < sizeof(es9p_json_paths) / sizeof(es9p_json_paths[0]); i++) {
        if (es9p_json_paths[i].function == function)
            return es9p_json_paths[i].path;
    }
    return NULL;
}

/* One or more decimal digits at *p, advanced past them. */
static bool es9p_json_skip_digits(const char **p)
{
    const char *start = *p;
    while (**p >= '0' && **p <= '9' && *p - start < 9)
        (*p)++;
    return *p != start && !(**p >= '0' && **p <= '9');
}

bool es9p_json_admin_protocol_supported(const char *value)
{
    static const char prefix[] = "gsma/rsp/v2.";
    if (value == NULL || strncmp(value, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *p = value + sizeof(prefix) - 1;
    if (!es9p_json_skip_digits(&p) || *p++ != '.' || !es9p_json_skip_digits(&p))
        return false;
    return *p == '\0';
}

void es9p_json_response_clear(es9p_json_response *response)
{
    if (response == NULL)
        return;
    free(response->body);
    memset(response, 0, sizeof(*response));
}

/* ---- Request fields ----------------------------------------------------- */

/* A request being read: the first failure and the element it concerns. */
typedef struct es9p_json_request {
    json_t *root;
    es9p_status status;
    const char *element;
    es9p_status notification; /* HandleNotification: what became of it */
} es9p_json_request;

static bool es9p_json_fail(es9p_json_request *req, es9p_status status, const char *element)
{
    req->status = status;
    req->element = element;
    return false;
}

static bool es9p_json_get_string(es9p_json_request *req, const char *name, size_t max,
                                 const char **text, size_t *len)
{
    json_t *value = json_object_get(req->root, name);
    if (value == NULL)
        return es9p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, name);
    if (!json_is_string(value) || json_string_length(value) > max)
        return es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, name);
    *text = json_string_value(value);
    *len = json_string_length(value);
    return true;
}

/* A base64 field, decoded into a malloc'd buffer (*out NULL on failure). */
static bool es9p_json_get_base64(es9p_json_request *req, const char *name, uint8_t **out,
                                 size_t *len)
{
    const char *text;
    size_t text_len;
    *out = NULL;
    *len = 0;
    if (!es9p_json_get_string(req, name, ES9P_JSON_BODY_MAX, &text, &text_len))
        return false;
    size_t cap = aw_base64_decoded_max(text_len);
    *out = malloc(cap + 1);
    if (*out == NULL)
        return es9p_json_fail(req, ES9P_STATUS_EXECUTION_ERROR, name);
    if (aw_base64_decode(text, text_len, *out, cap, len) != AW_OK || *len == 0) {
        free(*out);
        *out = NULL;
        return es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, name);
    }
    return true;
}

/* transactionId: hex digits of 1..16 bytes (SGP.22 6.5.2: TransactionId
 * "hexadecimal string"). */
static bool es9p_json_get_transaction_id(es9p_json_request *req,
                                         uint8_t out[ES9P_TRANSACTION_ID_SIZE], size_t *len)
{
    const char *text;
    size_t text_len;
    if (!es9p_json_get_string(req, "transactionId", 2 * ES9P_TRANSACTION_ID_SIZE, &text,
                              &text_len))
        return false;
    if (text_len == 0 ||
        aw_hex_decode(text, out, ES9P_TRANSACTION_ID_SIZE, len) != AW_OK)
        return es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "transactionId");
    return true;
}

/* The optional request header: an object whose identifiers are strings. */
static bool es9p_json_check_request_header(es9p_json_request *req)
{
    json_t *header = json_object_get(req->root, "header");
    if (header == NULL)
        return true;
    if (!json_is_object(header))
        return es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "header");
    static const char *const names[] = {"functionRequesterIdentifier", "functionCallIdentifier"};
    for (size_t i = 0; i < 2; i++) {
        json_t *value = json_object_get(header, names[i]);
        if (value != NULL && !json_is_string(value))
            return es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, names[i]);
    }
    return true;
}

/* ---- Response fields ---------------------------------------------------- */

static bool es9p_json_put_base64(json_t *object, const char *name, const uint8_t *data,
                                 size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    /* base64 is ASCII by construction: no UTF-8 check of a bound profile
     * package's tens of kilobytes */
    bool ok = text != NULL && aw_base64_encode(data, len, text, cap) == AW_OK &&
              json_object_set_new(object, name, json_stringn_nocheck(text, strlen(text))) == 0;
    free(text);
    return ok;
}

static bool es9p_json_put_signature(json_t *object, const char *name,
                                    const uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    uint8_t tlv[3 + CRYPTO_SIGNATURE_SIZE] = {0x5F, 0x37, CRYPTO_SIGNATURE_SIZE};
    memcpy(tlv + 3, signature, CRYPTO_SIGNATURE_SIZE);
    return es9p_json_put_base64(object, name, tlv, sizeof(tlv));
}

static bool es9p_json_put_transaction_id(json_t *object, const uint8_t id[ES9P_TRANSACTION_ID_SIZE])
{
    char hex[2 * ES9P_TRANSACTION_ID_SIZE + 1];
    aw_hex_encode(id, ES9P_TRANSACTION_ID_SIZE, hex, true);
    return json_object_set_new(object, "transactionId", json_string(hex)) == 0;
}

/* The outcome (es9p_json.h) of the answer out with this status. */
static void es9p_json_report(const json_t *out, es9p_status status, es9p_json_outcome *outcome)
{
    memset(outcome, 0, sizeof(*outcome));
    if (status == ES9P_STATUS_OK) {
        outcome->status = "Executed-Success";
    } else {
        outcome->status = "Failed";
        outcome->subject_code = es9p_status_subject_code(status);
        outcome->reason_code = es9p_status_reason_code(status);
    }
    const char *id = json_string_value(json_object_get(out, "transactionId"));
    if (id != NULL && strlen(id) < sizeof(outcome->transaction_id))
        memcpy(outcome->transaction_id, id, strlen(id) + 1);
}

/* header.functionExecutionStatus (SGP.22 6.5.1.4). */
static json_t *es9p_json_status_header(es9p_status status, const char *element)
{
    json_t *execution = json_object();
    json_t *header = json_object();
    if (execution == NULL || header == NULL)
        goto fail;
    if (status == ES9P_STATUS_OK) {
        if (json_object_set_new(execution, "status", json_string("Executed-Success")) != 0)
            goto fail;
    } else {
        json_t *code = json_object();
        if (code == NULL || json_object_set_new(execution, "statusCodeData", code) != 0 ||
            json_object_set_new(execution, "status", json_string("Failed")) != 0 ||
            json_object_set_new(code, "subjectCode",
                                json_string(es9p_status_subject_code(status))) != 0 ||
            json_object_set_new(code, "reasonCode",
                                json_string(es9p_status_reason_code(status))) != 0 ||
            json_object_set_new(code, "message", json_string(es9p_status_message(status))) != 0)
            goto fail;
        if (element != NULL &&
            json_object_set_new(code, "subjectIdentifier", json_string(element)) != 0)
            goto fail;
    }
    if (json_object_set_new(header, "functionExecutionStatus", execution) != 0) {
        execution = NULL;
        goto fail;
    }
    return header;
fail:
    json_decref(execution);
    json_decref(header);
    return NULL;
}

/* ---- Functions ---------------------------------------------------------- */

/* Each handler reads its fields from req, calls the session logic and, on
 * success, sets the response fields in out. A failure is left in req. */
typedef aw_err (*es9p_json_handler)(const es9p_server *server, es9p_json_request *req,
                                    time_t now, json_t *out);

/* SGP.22 6.5.2.6 */
static aw_err es9p_json_initiate_authentication(const es9p_server *server,
                                                es9p_json_request *req, time_t now, json_t *out)
{
    uint8_t *challenge = NULL, *info1 = NULL;
    size_t challenge_len = 0, info1_len = 0;
    const char *address = NULL;
    size_t address_len = 0;
    es9p_initiate_authentication_response response;
    memset(&response, 0, sizeof(response));
    aw_err err = AW_OK;
    if (!es9p_json_get_base64(req, "euiccChallenge", &challenge, &challenge_len) ||
        !es9p_json_get_base64(req, "euiccInfo1", &info1, &info1_len) ||
        !es9p_json_get_string(req, "smdpAddress", ES9P_JSON_ADDRESS_MAX, &address, &address_len))
        goto cleanup;
    if (challenge_len != ES9P_CHALLENGE_SIZE) {
        es9p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "euiccChallenge");
        goto cleanup;
    }
    es9p_initiate_authentication_request request = {
        .euicc_challenge = {challenge, challenge_len},
        .euicc_info1 = {info1, info1_len},
        .smdp_address = {(const uint8_t *)address, address_len},
    };
    err = es9p_initiate_authentication(server, &request, now, &response, &req->status);
    if (err != AW_OK || req->status != ES9P_STATUS_OK)
        goto cleanup;
    uint8_t pkid_tlv[2 + AW_PKI_KEY_ID_MAX] = {DER_TAG_OCTET_STRING,
                                               (uint8_t)response.euicc_ci_pkid_to_be_used.len};
    memcpy(pkid_tlv + 2, response.euicc_ci_pkid_to_be_used.bytes,
           response.euicc_ci_pkid_to_be_used.len);
    if (!es9p_json_put_transaction_id(out, response.transaction_id) ||
        !es9p_json_put_base64(out, "serverSigned1", response.server_signed1,
                              response.server_signed1_len) ||
        !es9p_json_put_signature(out, "serverSignature1", response.server_signature1) ||
        !es9p_json_put_base64(out, "euiccCiPKIdToBeUsed", pkid_tlv,
                              2 + response.euicc_ci_pkid_to_be_used.len) ||
        !es9p_json_put_base64(out, "serverCertificate", response.server_certificate.ptr,
                              response.server_certificate.len))
        err = AW_ERR_NOMEM;
cleanup:
    es9p_initiate_authentication_response_clear(&response);
    free(challenge);
    free(info1);
    return err;
}

/* SGP.22 6.5.2.8 */
static aw_err es9p_json_authenticate_client(const es9p_server *server, es9p_json_request *req,
                                            time_t now, json_t *out)
{
    uint8_t id[ES9P_TRANSACTION_ID_SIZE];
    size_t id_len = 0;
    uint8_t *asr = NULL;
    size_t asr_len = 0;
    es9p_authenticate_client_response response;
    memset(&response, 0, sizeof(response));
    aw_err err = AW_OK;
    if (!es9p_json_get_transaction_id(req, id, &id_len) ||
        !es9p_json_get_base64(req, "authenticateServerResponse", &asr, &asr_len))
        goto cleanup;
    es9p_authenticate_client_request request = {
        .transaction_id = {id, id_len},
        .authenticate_server_response = {asr, asr_len},
    };
    err = es9p_authenticate_client(server, &request, now, &response, &req->status);
    if (err != AW_OK || req->status != ES9P_STATUS_OK)
        goto cleanup;
    if (!es9p_json_put_transaction_id(out, response.transaction_id) ||
        !es9p_json_put_base64(out, "profileMetadata", response.profile_metadata,
                              response.profile_metadata_len) ||
        !es9p_json_put_base64(out, "smdpSigned2", response.smdp_signed2,
                              response.smdp_signed2_len) ||
        !es9p_json_put_signature(out, "smdpSignature2", response.smdp_signature2) ||
        !es9p_json_put_base64(out, "smdpCertificate", response.smdp_certificate.ptr,
                              response.smdp_certificate.len))
        err = AW_ERR_NOMEM;
cleanup:
    es9p_authenticate_client_response_clear(&response);
    free(asr);
    return err;
}

/* SGP.22 6.5.2.7 */
static aw_err es9p_json_get_bound_profile_package(const es9p_server *server,
                                                  es9p_json_request *req, time_t now, json_t *out)
{
    uint8_t id[ES9P_TRANSACTION_ID_SIZE];
    size_t id_len = 0;
    uint8_t *pdr = NULL;
    size_t pdr_len = 0;
    es9p_get_bound_profile_package_response response;
    memset(&response, 0, sizeof(response));
    aw_err err = AW_OK;
    if (!es9p_json_get_transaction_id(req, id, &id_len) ||
        !es9p_json_get_base64(req, "prepareDownloadResponse", &pdr, &pdr_len))
        goto cleanup;
    es9p_get_bound_profile_package_request request = {
        .transaction_id = {id, id_len},
        .prepare_download_response = {pdr, pdr_len},
    };
    err = es9p_get_bound_profile_package(server, &request, now, &response, &req->status);
    if (err != AW_OK || req->status != ES9P_STATUS_OK)
        goto cleanup;
    if (!es9p_json_put_transaction_id(out, response.transaction_id) ||
        !es9p_json_put_base64(out, "boundProfilePackage", response.bound_profile_package,
                              response.bound_profile_package_len))
        err = AW_ERR_NOMEM;
cleanup:
    es9p_get_bound_profile_package_response_clear(&response);
    free(pdr);
    return err;
}

/* SGP.22 6.5.2.9: the notification is acknowledged whatever its content
 * turns out to be (the LPA deletes it either way); only a request that is
 * not well formed is answered with a failure. */
static aw_err es9p_json_handle_notification(const es9p_server *server, es9p_json_request *req,
                                            time_t now, json_t *out)
{
    (void)out;
    uint8_t *pending = NULL;
    size_t pending_len = 0;
    aw_err err = AW_OK;
    if (!es9p_json_get_base64(req, "pendingNotification", &pending, &pending_len))
        goto cleanup;
    err = es9p_handle_notification(server, (aw_slice){pending, pending_len}, now,
                                   &req->notification);
    if (err == AW_OK)
        req->status = ES9P_STATUS_OK;
cleanup:
    free(pending);
    return err;
}

/* SGP.22 6.5.2.10 */
static aw_err es9p_json_cancel_session(const es9p_server *server, es9p_json_request *req,
                                       time_t now, json_t *out)
{
    (void)out;
    uint8_t id[ES9P_TRANSACTION_ID_SIZE];
    size_t id_len = 0;
    uint8_t *csr = NULL;
    size_t csr_len = 0;
    aw_err err = AW_OK;
    if (!es9p_json_get_transaction_id(req, id, &id_len) ||
        !es9p_json_get_base64(req, "cancelSessionResponse", &csr, &csr_len))
        goto cleanup;
    es9p_cancel_session_request request = {
        .transaction_id = {id, id_len},
        .cancel_session_response = {csr, csr_len},
    };
    err = es9p_cancel_session(server, &request, now, &req->status);
cleanup:
    free(csr);
    return err;
}

static es9p_json_handler es9p_json_handler_of(es9p_function function)
{
    switch (function) {
    case ES9P_FUNCTION_INITIATE_AUTHENTICATION:
        return es9p_json_initiate_authentication;
    case ES9P_FUNCTION_AUTHENTICATE_CLIENT:
        return es9p_json_authenticate_client;
    case ES9P_FUNCTION_GET_BOUND_PROFILE_PACKAGE:
        return es9p_json_get_bound_profile_package;
    case ES9P_FUNCTION_HANDLE_NOTIFICATION:
        return es9p_json_handle_notification;
    case ES9P_FUNCTION_CANCEL_SESSION:
        return es9p_json_cancel_session;
    case ES9P_FUNCTION_UNKNOWN:
        break;
    }
    return NULL;
}

/* ---- Serialisation ------------------------------------------------------ */

/* The answers are objects of strings and objects (es9p_json_put_*,
 * es9p_json_status_header); their compact JSON text (RFC 8259) is written
 * here in two passes (length, then text) instead of by json_dumps, whose
 * per-character buffering dominated the cost of a bound profile package
 * answer. Strings are escaped as RFC 8259 section 7 requires (quote,
 * backslash, control characters); the answers' texts are base64, hex and
 * fixed ASCII, so the output equals json_dumps(JSON_COMPACT)'s. */
static size_t es9p_json_string_length(const char *text, size_t len)
{
    size_t n = 2;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            n += 1; /* every base64 and hex character */
        else if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
                 c == '\t')
            n += 2;
        else
            n += 6; /* \u00XX */
    }
    return n;
}

static char *es9p_json_write_string(char *p, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF"; /* as json_dumps */
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char)c;
            continue;
        }
        const char *short_escape = c == '"'    ? "\\\""
                                   : c == '\\' ? "\\\\"
                                   : c == '\b'  ? "\\b"
                                   : c == '\f'  ? "\\f"
                                   : c == '\n'  ? "\\n"
                                   : c == '\r'  ? "\\r"
                                   : c == '\t'  ? "\\t"
                                                : NULL;
        if (short_escape != NULL) {
            memcpy(p, short_escape, 2);
            p += 2;
        } else {
            memcpy(p, "\\u00", 4);
            p[4] = hex[c >> 4];
            p[5] = hex[c & 0x0F];
            p += 6;
        }
    }
    *p++ = '"';
    return p;
}

/* Length of the text of value (an object of strings and objects); 0 for
 * anything else. */
static size_t es9p_json_measure(const json_t *value)
{
    if (json_is_string(value))
        return es9p_json_string_length(json_string_value(value), json_string_length(value));
    if (!json_is_object(value))
        return 0;
    size_t n = 2; /* {} */
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)value, key, member) {
        size_t member_len = es9p_json_measure(member);
        if (member_len == 0)
            return 0;
        n += es9p_json_string_length(key, strlen(key)) + 1 + member_len + 1; /* : , */
    }
    return json_object_size(value) > 0 ? n - 1 : n;
}

static char *es9p_json_write(const json_t *value, char *p)
{
    if (json_is_string(value))
        return es9p_json_write_string(p, json_string_value(value), json_string_length(value));
    *p++ = '{';
    const char *key;
    json_t *member;
    bool first = true;
    json_object_foreach((json_t *)value, key, member) {
        if (!first)
            *p++ = ',';
        first = false;
        p = es9p_json_write_string(p, key, strlen(key));
        *p++ = ':';
        p = es9p_json_write(member, p);
    }
    *p++ = '}';
    return p;
}

/* Serialise out (taking it) with its header into the response. */
static aw_err es9p_json_finish(json_t *out, es9p_status status, const char *element,
                               es9p_json_response *response)
{
    aw_err err = AW_ERR_NOMEM;
    json_t *header = es9p_json_status_header(status, element);
    if (header == NULL || json_object_set_new(out, "header", header) != 0)
        goto cleanup;
    size_t len = es9p_json_measure(out);
    if (len == 0) {
        err = AW_ERR_STATE; /* a value the answers never hold */
        goto cleanup;
    }
    response->body = malloc(len + 1);
    if (response->body == NULL)
        goto cleanup;
    char *end = es9p_json_write(out, response->body);
    assert((size_t)(end - response->body) == len);
    *end = '\0';
    response->body_len = len;
    response->http_status = 200;
    es9p_json_report(out, status, &response->outcome);
    err = AW_OK;
cleanup:
    json_decref(out);
    return err;
}

aw_err es9p_json_failure(es9p_status status, es9p_json_response *response)
{
    if (response == NULL)
        return AW_ERR_ARGUMENT;
    memset(response, 0, sizeof(*response));
    if (status == ES9P_STATUS_OK)
        return AW_ERR_ARGUMENT;
    json_t *out = json_object();
    return out != NULL ? es9p_json_finish(out, status, NULL, response) : AW_ERR_NOMEM;
}

aw_err es9p_json_handle(const es9p_server *server, const char *path, const char *admin_protocol,
                        const uint8_t *body, size_t body_len, time_t now,
                        es9p_json_response *response)
{
    if (response == NULL)
        return AW_ERR_ARGUMENT;
    memset(response, 0, sizeof(*response));
    if (server == NULL || (body == NULL && body_len != 0))
        return AW_ERR_ARGUMENT;
    es9p_function function = es9p_json_function_from_path(path);
    if (function == ES9P_FUNCTION_UNKNOWN) {
        response->http_status = 404;
        return AW_OK;
    }
    es9p_json_request req = {.root = NULL, .status = ES9P_STATUS_OK, .element = NULL,
                             .notification = ES9P_STATUS_OK};
    json_t *out = json_object();
    if (out == NULL)
        return AW_ERR_NOMEM;

    /* SGP.22 6.5.1: the protocol version of the request. */
    if (admin_protocol == NULL) {
        es9p_json_fail(&req, ES9P_STATUS_MISSING_ELEMENT, "X-Admin-Protocol");
        goto finish;
    }
    if (!es9p_json_admin_protocol_supported(admin_protocol)) {
        es9p_json_fail(&req, ES9P_STATUS_PROTOCOL_UNSUPPORTED, "X-Admin-Protocol");
        goto finish;
    }
    if (body_len > ES9P_JSON_BODY_MAX) {
        es9p_json_fail(&req, ES9P_STATUS_INVALID_ELEMENT, "body");
        goto finish;
    }
    json_error_t parse_error;
    req.root = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES, &parse_error);
    if (req.root == NULL || !json_is_object(req.root)) {
        es9p_json_fail(&req, ES9P_STATUS_INVALID_ELEMENT, "body");
        goto finish;
    }
    if (!es9p_json_check_request_header(&req))
        goto finish;
    aw_err err = es9p_json_handler_of(function)(server, &req, now, out);
    if (err != AW_OK) {
        /* our own failure: the fields set so far are dropped */
        json_object_clear(out);
        es9p_json_fail(&req, ES9P_STATUS_EXECUTION_ERROR, NULL);
    } else if (req.status != ES9P_STATUS_OK) {
        json_object_clear(out);
    } else if (function == ES9P_FUNCTION_HANDLE_NOTIFICATION) {
        /* SGP.22 6.5.2.9: HTTP 204 No Content */
        json_decref(out);
        json_decref(req.root);
        response->http_status = 204;
        response->notification_status = req.notification;
        return AW_OK;
    }
finish:
    json_decref(req.root);
    return es9p_json_finish(out, req.status, req.element, response);
}
