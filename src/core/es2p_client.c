/* airwrite core: ES2+ client, SGP.22 5.3.1-5.3.4 over the 6.5 JSON binding
 * (6.5.1.3 request header, 6.5.1.4 function execution status, 6.5.2.1-
 * 6.5.2.4 bodies) from the operator's side: request bodies, strict
 * parsing of the answers, and the exchange over http_client. */
#include "core/es2p_client.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

static const char *const function_names[ES2P_CLIENT_FUNCTION_COUNT] = {
    "downloadOrder", "confirmOrder", "cancelOrder", "releaseProfile",
};

const char *es2p_client_function_name(es2p_client_function function)
{
    return (unsigned)function < ES2P_CLIENT_FUNCTION_COUNT ? function_names[function] : NULL;
}

bool es2p_client_succeeded(const es2p_client_answer *answer)
{
    return answer != NULL && (answer->outcome == ES2P_CLIENT_EXECUTED_SUCCESS ||
                              answer->outcome == ES2P_CLIENT_EXECUTED_WITH_WARNING);
}

/* ---- Field forms --------------------------------------------------------- */

static bool all_of(const char *text, size_t len, const char *set)
{
    return strspn(text, set) == len;
}

static bool digits_ok(const char *text, size_t min, size_t max)
{
    size_t len = text != NULL ? strlen(text) : 0;
    return len >= min && len <= max && all_of(text, len, "0123456789");
}

/* SGP.22 4.1: 0-9, A-Z and '-' */
static bool matching_id_ok(const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    return len >= 1 && len <= ES2P_CLIENT_MATCHING_ID_MAX &&
           all_of(text, len, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-");
}

/* Printable ASCII of 1..max characters (profileType, confirmationCode,
 * identifiers). */
static bool printable_ok(const char *text, size_t max)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7E)
            return false;
    return true;
}

/* An FQDN with an optional port: nothing that changes a URL's meaning. */
static bool address_ok(const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len > ES2P_CLIENT_ADDRESS_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7F || strchr("/?#@\\", c) != NULL)
            return false;
    }
    return true;
}

#define ICCID_OK(text) digits_ok((text), ES2P_CLIENT_ICCID_MIN, ES2P_CLIENT_ICCID_MAX)
#define EID_OK(text) digits_ok((text), ES2P_CLIENT_EID_DIGITS, ES2P_CLIENT_EID_DIGITS)

/* ---- Requests ------------------------------------------------------------ */

static bool request_ok(es2p_client_function function, const es2p_client_request *r)
{
    if ((r->eid != NULL && !EID_OK(r->eid)) || (r->iccid != NULL && !ICCID_OK(r->iccid)) ||
        (r->profile_type != NULL && !printable_ok(r->profile_type, ES2P_CLIENT_FIELD_MAX)) ||
        (r->matching_id != NULL && !matching_id_ok(r->matching_id)) ||
        (r->confirmation_code != NULL &&
         !printable_ok(r->confirmation_code, ES2P_CLIENT_FIELD_MAX)))
        return false;
    bool release = r->release_flag, cancel = r->final_status != 0;
    switch (function) {
    case ES2P_CLIENT_DOWNLOAD_ORDER: /* 6.5.2.1: eid?, iccid?, profileType? (one of the two) */
        return (r->iccid != NULL || r->profile_type != NULL) && r->matching_id == NULL &&
               r->confirmation_code == NULL && !release && !cancel;
    case ES2P_CLIENT_CONFIRM_ORDER: /* 6.5.2.2 */
        return r->iccid != NULL && r->profile_type == NULL && !cancel;
    case ES2P_CLIENT_CANCEL_ORDER: /* 6.5.2.3 */
        return r->iccid != NULL && r->profile_type == NULL && r->confirmation_code == NULL &&
               !release &&
               (r->final_status == ES2P_CLIENT_FINAL_AVAILABLE ||
                r->final_status == ES2P_CLIENT_FINAL_UNAVAILABLE);
    case ES2P_CLIENT_RELEASE_PROFILE: /* 6.5.2.4 */
        return r->iccid != NULL && r->eid == NULL && r->profile_type == NULL &&
               r->matching_id == NULL && r->confirmation_code == NULL && !release && !cancel;
    default:
        return false;
    }
}

static bool put_text(json_t *object, const char *name, const char *text)
{
    return text == NULL || json_object_set_new(object, name, json_string(text)) == 0;
}

aw_err es2p_client_encode_request(es2p_client_function function,
                                  const es2p_client_request *request,
                                  const char *requester_identifier, const char *call_identifier,
                                  char **json, size_t *json_len)
{
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if (request == NULL || json == NULL || json_len == NULL)
        return AW_ERR_ARGUMENT;
    if (!request_ok(function, request) ||
        !printable_ok(requester_identifier, ES2P_CLIENT_IDENTIFIER_MAX) ||
        !printable_ok(call_identifier, ES2P_CLIENT_IDENTIFIER_MAX))
        return AW_ERR_ES2P_CLIENT_REQUEST;
    json_t *root = json_object(), *header = json_object();
    bool ok = root != NULL && json_object_set_new(root, "header", header) == 0 &&
              put_text(header, "functionRequesterIdentifier", requester_identifier) &&
              put_text(header, "functionCallIdentifier", call_identifier) &&
              put_text(root, "eid", request->eid) && put_text(root, "iccid", request->iccid) &&
              put_text(root, "profileType", request->profile_type) &&
              put_text(root, "matchingId", request->matching_id) &&
              put_text(root, "confirmationCode", request->confirmation_code);
    if (ok && function == ES2P_CLIENT_CONFIRM_ORDER)
        ok = json_object_set_new(root, "releaseFlag", json_boolean(request->release_flag)) == 0;
    if (ok && function == ES2P_CLIENT_CANCEL_ORDER)
        ok = put_text(root, "finalProfileStatusIndicator",
                      request->final_status == ES2P_CLIENT_FINAL_AVAILABLE ? "Available"
                                                                           : "Unavailable");
    if (ok)
        *json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (*json == NULL)
        return AW_ERR_NOMEM;
    *json_len = strlen(*json);
    return AW_OK;
}

/* ---- Answers ------------------------------------------------------------- */

/* Whether every member of object is named in allowed (NULL-terminated). */
static bool members_known(const json_t *object, const char *const *allowed)
{
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return false;
    }
    return true;
}

static bool depth_ok(const json_t *value, unsigned depth)
{
    if (depth > ES2P_CLIENT_JSON_DEPTH)
        return false;
    if (json_is_object(value)) {
        const char *key;
        const json_t *member;
        json_object_foreach ((json_t *)value, key, member) {
            if (!depth_ok(member, depth + 1))
                return false;
        }
    } else if (json_is_array(value)) {
        return false; /* no ES2+ answer holds an array */
    }
    return true;
}

/* A string member of at most max bytes without NUL; NULL when absent or
 * otherwise (*bad set). */
static const char *get_string(const json_t *object, const char *name, size_t max, bool *bad)
{
    const json_t *value = json_object_get(object, name);
    if (value == NULL)
        return NULL;
    const char *text = json_string_value(value);
    if (text == NULL || json_string_length(value) > max || strlen(text) != json_string_length(value)) {
        *bad = true;
        return NULL;
    }
    return text;
}

/* A status code "d(.d)*" of at most ES2P_CLIENT_CODE_MAX characters. */
static bool code_ok(const char *text)
{
    size_t n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > ES2P_CLIENT_CODE_MAX || text[0] == '.' || text[n - 1] == '.' ||
        !all_of(text, n, "0123456789.") || strstr(text, "..") != NULL)
        return false;
    return true;
}

/* Text for logs: printable ASCII kept, anything else as '?', cut at the
 * bound. */
static void copy_text(const json_t *value, char out[ES2P_CLIENT_TEXT_MAX + 1])
{
    const char *text = json_string_value(value);
    size_t n = text != NULL ? json_string_length(value) : 0;
    if (n > ES2P_CLIENT_TEXT_MAX)
        n = ES2P_CLIENT_TEXT_MAX;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7F ? text[i] : '?';
    out[n] = '\0';
}

/* header.functionExecutionStatus, SGP.22 6.5.1.4 */
static aw_err parse_status(const json_t *root, es2p_client_answer *out)
{
    static const char *const header_members[] = {"functionExecutionStatus", NULL};
    static const char *const execution_members[] = {"status", "statusCodeData", NULL};
    static const char *const code_members[] = {"subjectCode", "reasonCode", "subjectIdentifier",
                                               "message", NULL};
    static const struct {
        const char *text;
        es2p_client_outcome outcome;
    } outcomes[] = {{"Executed-Success", ES2P_CLIENT_EXECUTED_SUCCESS},
                    {"Executed-WithWarning", ES2P_CLIENT_EXECUTED_WITH_WARNING},
                    {"Failed", ES2P_CLIENT_FAILED},
                    {"Expired", ES2P_CLIENT_EXPIRED}};
    const json_t *header = json_object_get(root, "header");
    const json_t *execution = json_object_get(header, "functionExecutionStatus");
    if (!json_is_object(header) || !json_is_object(execution) ||
        !members_known(header, header_members) || !members_known(execution, execution_members))
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    bool bad = false;
    const char *text = get_string(execution, "status", 32, &bad);
    size_t i = 0;
    while (text != NULL && i < sizeof(outcomes) / sizeof(outcomes[0]) &&
           strcmp(text, outcomes[i].text) != 0)
        i++;
    if (text == NULL || i == sizeof(outcomes) / sizeof(outcomes[0]))
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    out->outcome = outcomes[i].outcome;
    const json_t *data = json_object_get(execution, "statusCodeData");
    if (data == NULL) /* required unless executed successfully */
        return out->outcome == ES2P_CLIENT_EXECUTED_SUCCESS ||
                       out->outcome == ES2P_CLIENT_EXECUTED_WITH_WARNING
                   ? AW_OK
                   : AW_ERR_ES2P_CLIENT_RESPONSE;
    if (!json_is_object(data) || !members_known(data, code_members))
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    const char *subject = get_string(data, "subjectCode", ES2P_CLIENT_CODE_MAX, &bad);
    const char *reason = get_string(data, "reasonCode", ES2P_CLIENT_CODE_MAX, &bad);
    const json_t *identifier = json_object_get(data, "subjectIdentifier");
    const json_t *message = json_object_get(data, "message");
    if (bad || !code_ok(subject) || !code_ok(reason) ||
        (identifier != NULL && !json_is_string(identifier)) ||
        (message != NULL && !json_is_string(message)))
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    memcpy(out->subject_code, subject, strlen(subject) + 1);
    memcpy(out->reason_code, reason, strlen(reason) + 1);
    copy_text(identifier, out->subject_identifier);
    copy_text(message, out->message);
    return AW_OK;
}

/* The output members of a successful function (6.5.2.1-6.5.2.4). */
static aw_err parse_output(es2p_client_function function, const json_t *root,
                           es2p_client_answer *out)
{
    static const char *const download_members[] = {"header", "iccid", NULL};
    static const char *const confirm_members[] = {"header", "eid", "matchingId", "smdpAddress",
                                                  NULL};
    static const char *const header_only[] = {"header", NULL};
    const char *const *allowed = function == ES2P_CLIENT_DOWNLOAD_ORDER  ? download_members
                                 : function == ES2P_CLIENT_CONFIRM_ORDER ? confirm_members
                                                                         : header_only;
    if (!members_known(root, allowed))
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    if (!es2p_client_succeeded(out))
        return AW_OK; /* the output of a failed function is not looked at */
    bool bad = false;
    const char *iccid = get_string(root, "iccid", ES2P_CLIENT_ICCID_MAX, &bad);
    const char *eid = get_string(root, "eid", ES2P_CLIENT_EID_DIGITS, &bad);
    const char *matching_id = get_string(root, "matchingId", ES2P_CLIENT_MATCHING_ID_MAX, &bad);
    const char *address = get_string(root, "smdpAddress", ES2P_CLIENT_ADDRESS_MAX, &bad);
    if (bad)
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    if (function == ES2P_CLIENT_DOWNLOAD_ORDER) {
        if (!ICCID_OK(iccid))
            return AW_ERR_ES2P_CLIENT_RESPONSE;
        memcpy(out->iccid, iccid, strlen(iccid) + 1);
    } else if (function == ES2P_CLIENT_CONFIRM_ORDER) {
        /* matchingId is mandatory in the answer (6.5.2.2) */
        if (!matching_id_ok(matching_id) || (eid != NULL && !EID_OK(eid)) ||
            (address != NULL && !address_ok(address)))
            return AW_ERR_ES2P_CLIENT_RESPONSE;
        memcpy(out->matching_id, matching_id, strlen(matching_id) + 1);
        if (eid != NULL)
            memcpy(out->eid, eid, strlen(eid) + 1);
        if (address != NULL)
            memcpy(out->smdp_address, address, strlen(address) + 1);
    }
    return AW_OK;
}

aw_err es2p_client_parse_response(es2p_client_function function, int http_status,
                                  const uint8_t *body, size_t len, es2p_client_answer *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if ((unsigned)function >= ES2P_CLIENT_FUNCTION_COUNT || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (http_status != 200) /* SGP.22 6.5.1: every ES2+ answer is 200 with a body */
        return AW_ERR_ES2P_CLIENT_HTTP_STATUS;
    if (len == 0 || len > ES2P_CLIENT_RESPONSE_MAX)
        return AW_ERR_ES2P_CLIENT_RESPONSE;
    json_error_t error;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    aw_err err = AW_OK;
    if (root == NULL || !json_is_object(root) || !depth_ok(root, 0))
        err = AW_ERR_ES2P_CLIENT_RESPONSE;
    if (err == AW_OK)
        err = parse_status(root, out);
    if (err == AW_OK)
        err = parse_output(function, root, out);
    json_decref(root);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

#define ES2P_CLIENT_URL_MAX 512u

aw_err es2p_client_call(http_client *client, const char *base_url,
                        const char *requester_identifier, const char *call_identifier,
                        es2p_client_function function, const es2p_client_request *request,
                        es2p_client_answer *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    const char *name = es2p_client_function_name(function);
    if (client == NULL || base_url == NULL || out == NULL || name == NULL ||
        strncmp(base_url, "https://", 8) != 0)
        return AW_ERR_ARGUMENT;
    char url[ES2P_CLIENT_URL_MAX];
    int n = snprintf(url, sizeof(url), "%s%s%s", base_url, ES2P_CLIENT_PATH_PREFIX, name);
    if (n < 0 || (size_t)n >= sizeof(url))
        return AW_ERR_ARGUMENT;
    char *body = NULL;
    size_t body_len = 0;
    aw_err err = es2p_client_encode_request(function, request, requester_identifier,
                                            call_identifier, &body, &body_len);
    if (err != AW_OK)
        return err;
    /* SGP.22 6.5.1: JSON content and the protocol version */
    const http_header headers[] = {{"Content-Type", "application/json;charset=UTF-8"},
                                   {"X-Admin-Protocol", ES2P_CLIENT_ADMIN_PROTOCOL}};
    http_client_request http = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                .header_count = 2, .body = body, .body_len = body_len};
    http_client_response *response = NULL;
    err = http_client_send(client, &http, &response);
    if (err == AW_OK)
        err = es2p_client_parse_response(function, response->status, response->body,
                                         response->body_len, out);
    http_client_response_free(response);
    OPENSSL_cleanse(body, body_len); /* a Confirmation Code may be in it */
    free(body);
    return err;
}
