/* airwrite SM-DP+: ES2+ JSON binding (SGP.22 6.5.1, 6.5.2.1 to 6.5.2.4). */
#include "smdp/es2p_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "smdp/es2p.h"
#include "smdp/es9p_status.h"

#define ES2P_JSON_PATH_PREFIX "/gsma/rsp2/es2plus/"
/* Bound of every text field: generous, so that content the order logic
 * refuses (an EID of the wrong length, a 65-character Confirmation Code)
 * gets its SGP.22 5.3.x code rather than the generic one. */
#define ES2P_JSON_FIELD_MAX 256u
/* "Available" or "Unavailable" (SGP.22 5.3.3) */
#define ES2P_JSON_INDICATOR_MAX 16u

static const struct {
    es2p_function function;
    const char *path;
} es2p_json_paths[] = {
    {ES2P_FUNCTION_DOWNLOAD_ORDER, ES2P_JSON_PATH_PREFIX "downloadOrder"},
    {ES2P_FUNCTION_CONFIRM_ORDER, ES2P_JSON_PATH_PREFIX "confirmOrder"},
    {ES2P_FUNCTION_CANCEL_ORDER, ES2P_JSON_PATH_PREFIX "cancelOrder"},
    {ES2P_FUNCTION_RELEASE_PROFILE, ES2P_JSON_PATH_PREFIX "releaseProfile"},
};

#define ES2P_JSON_PATH_COUNT (sizeof(es2p_json_paths) / sizeof(es2p_json_paths[0]))

es2p_function es2p_json_function_from_path(const char *path)
{
    for (size_t i = 0; path != NULL && i < ES2P_JSON_PATH_COUNT; i++) {
        if (strcmp(path, es2p_json_paths[i].path) == 0)
            return es2p_json_paths[i].function;
    }
    return ES2P_FUNCTION_UNKNOWN;
}

const char *es2p_json_function_path(es2p_function function)
{
    for (size_t i = 0; i < ES2P_JSON_PATH_COUNT; i++) {
        if (es2p_json_paths[i].function == function)
            return es2p_json_paths[i].path;
    }
    return NULL;
}

/* A request being read: its outcome so far. A malformed request fails with
 * a generic status and the element concerned; the order logic's refusals
 * arrive in result. */
typedef struct es2p_json_request {
    json_t *root;
    es9p_status status;
    const char *element;
    smdp_es2p_result result;
    const es2p_json_context *context;
    smdp_es2p_caller caller_storage;
    const smdp_es2p_caller *caller; /* NULL: administrative */
} es2p_json_request;

static bool es2p_json_fail(es2p_json_request *req, es9p_status status, const char *element)
{
    req->status = status;
    req->element = element;
    return false;
}

/* A string field of at most max characters without NUL; *text stays NULL
 * when an optional field is absent. */
static bool es2p_json_get_string(es2p_json_request *req, const char *name, size_t max,
                                 bool required, const char **text)
{
    *text = NULL;
    json_t *value = json_object_get(req->root, name);
    if (value == NULL)
        return required ? es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, name) : true;
    /* no NUL inside: json_loadb without JSON_ALLOW_NUL refuses "\u0000" */
    if (!json_is_string(value) || json_string_length(value) > max)
        return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, name);
    *text = json_string_value(value);
    return true;
}

/* SGP.22 6.5.1.3: header {functionRequesterIdentifier, functionCallIdentifier},
 * both strings. */
static bool es2p_json_check_request_header(es2p_json_request *req)
{
    static const char *const names[] = {"functionRequesterIdentifier", "functionCallIdentifier"};
    json_t *header = json_object_get(req->root, "header");
    if (header == NULL)
        return es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, "header");
    if (!json_is_object(header))
        return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "header");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *value = json_object_get(header, names[i]);
        if (value == NULL)
            return es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, names[i]);
        if (!json_is_string(value) || json_string_length(value) > ES2P_JSON_FIELD_MAX)
            return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, names[i]);
    }
    if (req->context->caller_subject == NULL)
        return true;
    /* the operator: its certificate and the requester it names (es2p.h) */
    const char *requester = json_string_value(json_object_get(header, names[0]));
    if (requester[0] == '\0' || strlen(requester) > SMDP_ES2P_CALLER_MAX)
        return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, names[0]);
    const char *call = json_string_value(json_object_get(header, names[1]));
    req->caller_storage = (smdp_es2p_caller){.subject = req->context->caller_subject,
                                             .requester_id = requester,
                                             .call_identifier = call};
    req->caller = &req->caller_storage;
    return true;
}

static bool es2p_json_put_string(json_t *object, const char *name, const char *text)
{
    return json_object_set_new(object, name, json_string(text)) == 0;
}

/* ---- Functions ---------------------------------------------------------- */

typedef aw_err (*es2p_json_handler)(db_connection *db, es2p_json_request *req, int64_t now_ms,
                                    json_t *out);

/* SGP.22 6.5.2.1: {eid?, iccid?, profileType?} -> {iccid} */
static aw_err es2p_json_download_order(db_connection *db, es2p_json_request *req,
                                       int64_t now_ms, json_t *out)
{
    smdp_download_order order = {.caller = req->caller,
                                 .lifetime_ms = req->context->order_lifetime_ms};
    char iccid[SAIP_ICCID_TEXT];
    if (!es2p_json_get_string(req, "eid", ES2P_JSON_FIELD_MAX, false, &order.eid) ||
        !es2p_json_get_string(req, "iccid", ES2P_JSON_FIELD_MAX, false, &order.iccid) ||
        !es2p_json_get_string(req, "profileType", ES2P_JSON_FIELD_MAX, false,
                              &order.profile_type))
        return AW_OK;
    if (order.iccid == NULL && order.profile_type == NULL) {
        /* SGP.22 5.3.1: one of them is needed to pick the profile */
        es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, "iccid");
        return AW_OK;
    }
    aw_err err = smdp_es2p_download_order(db, &order, now_ms, iccid, &req->result);
    if (err == AW_OK && req->result.success && !es2p_json_put_string(out, "iccid", iccid))
        err = AW_ERR_NOMEM;
    return err;
}

/* SGP.22 6.5.2.2: {iccid, eid?, matchingId?, confirmationCode?, smdsAddress?,
 * releaseFlag} -> {eid?, matchingId, smdpAddress?}. A matchingId absent from
 * the request is generated. Registration at an SM-DS (smdsAddress) is not
 * offered by this SM-DP+: the field is checked for its form only. */
static aw_err es2p_json_confirm_order(db_connection *db, es2p_json_request *req, int64_t now_ms,
                                      json_t *out)
{
    const char *smdp_address = req->context->smdp_address;
    smdp_confirm_order order = {.caller = req->caller};
    const char *smds_address;
    char matching_id[SMDP_MATCHING_ID_MAX + 1];
    if (!es2p_json_get_string(req, "iccid", ES2P_JSON_FIELD_MAX, true, &order.iccid) ||
        !es2p_json_get_string(req, "eid", ES2P_JSON_FIELD_MAX, false, &order.eid) ||
        !es2p_json_get_string(req, "matchingId", ES2P_JSON_FIELD_MAX, false,
                              &order.matching_id) ||
        !es2p_json_get_string(req, "confirmationCode", ES2P_JSON_FIELD_MAX, false,
                              &order.confirmation_code) ||
        !es2p_json_get_string(req, "smdsAddress", ES2P_JSON_FIELD_MAX, false, &smds_address))
        return AW_OK;
    json_t *flag = json_object_get(req->root, "releaseFlag");
    if (flag == NULL) {
        es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, "releaseFlag");
        return AW_OK;
    }
    if (!json_is_boolean(flag)) {
        es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "releaseFlag");
        return AW_OK;
    }
    order.release_flag = json_is_true(flag);
    aw_err err = smdp_es2p_confirm_order(db, &order, now_ms, matching_id, &req->result);
    if (err != AW_OK || !req->result.success)
        return err;
    if ((order.eid != NULL && !es2p_json_put_string(out, "eid", order.eid)) ||
        !es2p_json_put_string(out, "matchingId", matching_id) ||
        (smdp_address != NULL && !es2p_json_put_string(out, "smdpAddress", smdp_address)))
        return AW_ERR_NOMEM;
    return AW_OK;
}

/* SGP.22 6.5.2.3: {iccid, eid?, matchingId?, finalProfileStatusIndicator} */
static aw_err es2p_json_cancel_order(db_connection *db, es2p_json_request *req, int64_t now_ms,
                                     json_t *out)
{
    (void)out;
    const char *iccid, *eid, *matching_id, *indicator;
    if (!es2p_json_get_string(req, "iccid", ES2P_JSON_FIELD_MAX, true, &iccid) ||
        !es2p_json_get_string(req, "eid", ES2P_JSON_FIELD_MAX, false, &eid) ||
        !es2p_json_get_string(req, "matchingId", ES2P_JSON_FIELD_MAX, false, &matching_id) ||
        !es2p_json_get_string(req, "finalProfileStatusIndicator", ES2P_JSON_INDICATOR_MAX, true,
                              &indicator))
        return AW_OK;
    smdp_final_status final_status;
    if (strcmp(indicator, "Available") == 0) {
        final_status = SMDP_FINAL_AVAILABLE;
    } else if (strcmp(indicator, "Unavailable") == 0) {
        final_status = SMDP_FINAL_UNAVAILABLE;
    } else {
        es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "finalProfileStatusIndicator");
        return AW_OK;
    }
    return smdp_es2p_cancel_order_by(db, req->caller, iccid, eid, matching_id, final_status,
                                     now_ms, &req->result);
}

/* SGP.22 6.5.2.4: {iccid} */
static aw_err es2p_json_release_profile(db_connection *db, es2p_json_request *req,
                                        int64_t now_ms, json_t *out)
{
    (void)out;
    const char *iccid;
    if (!es2p_json_get_string(req, "iccid", ES2P_JSON_FIELD_MAX, true, &iccid))
        return AW_OK;
    return smdp_es2p_release_profile_by(db, req->caller, iccid, now_ms, &req->result);
}

static es2p_json_handler es2p_json_handler_of(es2p_function function)
{
    switch (function) {
    case ES2P_FUNCTION_DOWNLOAD_ORDER:
        return es2p_json_download_order;
    case ES2P_FUNCTION_CONFIRM_ORDER:
        return es2p_json_confirm_order;
    case ES2P_FUNCTION_CANCEL_ORDER:
        return es2p_json_cancel_order;
    case ES2P_FUNCTION_RELEASE_PROFILE:
        return es2p_json_release_profile;
    case ES2P_FUNCTION_UNKNOWN:
        break;
    }
    return NULL;
}

/* header.functionExecutionStatus (SGP.22 6.5.1.4): success, a generic
 * failure of the binding (with subjectIdentifier, the element concerned)
 * or the order logic's refusal. */
static bool es2p_json_put_status(json_t *out, const es2p_json_request *req)
{
    /* json_object_set_new takes the value, also when it fails */
    json_t *header = json_object();
    if (json_object_set_new(out, "header", header) != 0)
        return false;
    json_t *execution = json_object();
    if (json_object_set_new(header, "functionExecutionStatus", execution) != 0)
        return false;
    if (req->status == ES9P_STATUS_OK && req->result.success)
        return es2p_json_put_string(execution, "status", "Executed-Success");
    json_t *code = json_object();
    if (code == NULL || json_object_set_new(execution, "statusCodeData", code) != 0 ||
        !es2p_json_put_string(execution, "status", "Failed"))
        return false;
    if (req->status != ES9P_STATUS_OK)
        return es2p_json_put_string(code, "subjectCode", es9p_status_subject_code(req->status)) &&
               es2p_json_put_string(code, "reasonCode", es9p_status_reason_code(req->status)) &&
               es2p_json_put_string(code, "message", es9p_status_message(req->status)) &&
               (req->element == NULL ||
                es2p_json_put_string(code, "subjectIdentifier", req->element));
    return es2p_json_put_string(code, "subjectCode", req->result.subject_code) &&
           es2p_json_put_string(code, "reasonCode", req->result.reason_code) &&
           es2p_json_put_string(code, "message", req->result.message);
}

/* What es2p_json_put_status wrote, for the caller (es9p_json_outcome). */
static void es2p_json_report(const es2p_json_request *req, es9p_json_outcome *outcome)
{
    memset(outcome, 0, sizeof(*outcome));
    if (req->status == ES9P_STATUS_OK && req->result.success) {
        outcome->status = "Executed-Success";
        return;
    }
    outcome->status = "Failed";
    if (req->status != ES9P_STATUS_OK) {
        outcome->subject_code = es9p_status_subject_code(req->status);
        outcome->reason_code = es9p_status_reason_code(req->status);
    } else {
        outcome->subject_code = req->result.subject_code;
        outcome->reason_code = req->result.reason_code;
    }
}

/* Check the protocol version and parse the body into req->root. */
static bool es2p_json_read(const char *admin_protocol, const uint8_t *body, size_t body_len,
                           es2p_json_request *req)
{
    /* SGP.22 6.5.1: the protocol version of the request. */
    if (admin_protocol == NULL)
        return es2p_json_fail(req, ES9P_STATUS_MISSING_ELEMENT, "X-Admin-Protocol");
    if (!es9p_json_admin_protocol_supported(admin_protocol))
        return es2p_json_fail(req, ES9P_STATUS_PROTOCOL_UNSUPPORTED, "X-Admin-Protocol");
    if (body_len > ES2P_JSON_BODY_MAX)
        return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "body");
    json_error_t parse_error;
    req->root = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES, &parse_error);
    if (req->root == NULL || !json_is_object(req->root))
        return es2p_json_fail(req, ES9P_STATUS_INVALID_ELEMENT, "body");
    return es2p_json_check_request_header(req);
}

aw_err es2p_json_handle(db_connection *db, const char *smdp_address, const char *path,
                        const char *admin_protocol, const uint8_t *body, size_t body_len,
                        int64_t now_ms, es9p_json_response *response)
{
    es2p_json_context context = {.smdp_address = smdp_address};
    return es2p_json_handle_for(db, &context, path, admin_protocol, body, body_len, now_ms,
                                response);
}

aw_err es2p_json_handle_for(db_connection *db, const es2p_json_context *context,
                            const char *path, const char *admin_protocol, const uint8_t *body,
                            size_t body_len, int64_t now_ms, es9p_json_response *response)
{
    if (response == NULL)
        return AW_ERR_ARGUMENT;
    memset(response, 0, sizeof(*response));
    if (db == NULL || context == NULL || (body == NULL && body_len != 0))
        return AW_ERR_ARGUMENT;
    es2p_function function = es2p_json_function_from_path(path);
    if (function == ES2P_FUNCTION_UNKNOWN) {
        response->http_status = 404;
        return AW_OK;
    }
    es2p_json_request req = {.status = ES9P_STATUS_OK, .result = {.success = true},
                             .context = context};
    json_t *out = json_object();
    if (out == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    if (es2p_json_read(admin_protocol, body, body_len, &req))
        err = es2p_json_handler_of(function)(db, &req, now_ms, out);
    json_decref(req.root);
    if (err != AW_OK)
        es2p_json_fail(&req, ES9P_STATUS_EXECUTION_ERROR, NULL);
    if (err != AW_OK || req.status != ES9P_STATUS_OK || !req.result.success)
        json_object_clear(out); /* a failure carries only its status */
    err = AW_ERR_NOMEM;
    if (!es2p_json_put_status(out, &req))
        goto cleanup;
    response->body = json_dumps(out, JSON_COMPACT);
    if (response->body == NULL)
        goto cleanup;
    response->body_len = strlen(response->body);
    response->http_status = 200;
    es2p_json_report(&req, &response->outcome);
    err = AW_OK;
cleanup:
    json_decref(out);
    return err;
}
