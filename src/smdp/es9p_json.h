/* airwrite SM-DP+: the JSON binding of ES9+ (SGP.22 6.5: 6.5.1 common
 * rules, 6.5.2.6 InitiateAuthentication, 6.5.2.7 GetBoundProfilePackage,
 * 6.5.2.8 AuthenticateClient, 6.5.2.9 HandleNotification, 6.5.2.10
 * CancelSession) over es9p_session.h.
 *
 * Transport-free: the HTTP server hands over the path, the X-Admin-Protocol
 * header and the body, and sends back the status and body produced here
 * (Content-Type application/json;charset=UTF-8, X-Admin-Protocol
 * ES9P_JSON_ADMIN_PROTOCOL). ASN.1 fields travel base64 encoded (DER;
 * signatures as their 5F37 TLV, euiccCiPKIdToBeUsed as its OCTET STRING
 * TLV), transactionId as hex digits. Every failure is answered with
 * "functionExecutionStatus": {"status": "Failed", "statusCodeData": {...}}.
 */
#ifndef AIRWRITE_SMDP_ES9P_JSON_H
#define AIRWRITE_SMDP_ES9P_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smdp/es9p_session.h"

/* Largest request body accepted (an AuthenticateClient request with two
 * certificates is about 3 KiB). */
#define ES9P_JSON_BODY_MAX (64u * 1024u)
/* The X-Admin-Protocol value of the responses (SGP.22 6.5.1). */
#define ES9P_JSON_ADMIN_PROTOCOL "gsma/rsp/v2.2.0"

typedef enum es9p_function {
    ES9P_FUNCTION_UNKNOWN = 0,
    ES9P_FUNCTION_INITIATE_AUTHENTICATION,   /* /gsma/rsp2/es9plus/initiateAuthentication */
    ES9P_FUNCTION_AUTHENTICATE_CLIENT,       /* /gsma/rsp2/es9plus/authenticateClient */
    ES9P_FUNCTION_GET_BOUND_PROFILE_PACKAGE, /* /gsma/rsp2/es9plus/getBoundProfilePackage */
    ES9P_FUNCTION_HANDLE_NOTIFICATION,       /* /gsma/rsp2/es9plus/handleNotification */
    ES9P_FUNCTION_CANCEL_SESSION,            /* /gsma/rsp2/es9plus/cancelSession */
} es9p_function;

/* The function of a request path (exact match), or ES9P_FUNCTION_UNKNOWN. */
es9p_function es9p_json_function_from_path(const char *path);
/* The path of a function; NULL for ES9P_FUNCTION_UNKNOWN. */
const char *es9p_json_function_path(es9p_function function);

/* SGP.22 6.5.1: X-Admin-Protocol "gsma/rsp/v<x>.<y>.<z>"; this SM-DP+ serves
 * major version 2. */
bool es9p_json_admin_protocol_supported(const char *value);

/* What an answer's header.functionExecutionStatus says (SGP.22 6.5.1.4),
 * reported beside the body so that the daemon's metrics and logs
 * (server_ops.h) need not parse the body again. The texts are static. */
typedef struct es9p_json_outcome {
    const char *status;       /* "Executed-Success" or "Failed"; NULL without a JSON body */
    const char *subject_code; /* Failed: statusCodeData.subjectCode; else NULL */
    const char *reason_code;  /* Failed: statusCodeData.reasonCode; else NULL */
    /* the answer's transactionId (hex digits); "" when it has none */
    char transaction_id[2 * ES9P_TRANSACTION_ID_SIZE + 1];
} es9p_json_outcome;

typedef struct es9p_json_response {
    int http_status;  /* 200 with a body; 204 (no body) for a handled
                       * notification; 404 (no body) for an unknown path */
    char *body;       /* NUL-terminated JSON, malloc'd; NULL when none */
    size_t body_len;
    es9p_json_outcome outcome; /* the status in body */
    /* A handled notification (204): ES9P_STATUS_OK when it was verified and
     * taken, else why it was dropped (es9p_handle_notification); the LPA
     * sees 204 either way (SGP.22 5.6.4), the daemon logs it. */
    es9p_status notification_status;
} es9p_json_response;

/* Handle one ES9+ request. admin_protocol is the X-Admin-Protocol header
 * (NULL when absent). AW_OK whenever a response was produced, including
 * "Failed" ones; AW_ERR_NOMEM when not even that was possible. */
aw_err es9p_json_handle(const es9p_server *server, const char *path, const char *admin_protocol,
                        const uint8_t *body, size_t body_len, time_t now,
                        es9p_json_response *response);
void es9p_json_response_clear(es9p_json_response *response);

/* The answer to any ES9+ function that failed with status (not OK) after
 * the request was read (SGP.22 6.5.1.4: a header only), e.g. when the
 * daemon could not commit what the request changed (1.2 / 4.2 Execution
 * Error). AW_ERR_ARGUMENT for ES9P_STATUS_OK, AW_ERR_NOMEM. */
aw_err es9p_json_failure(es9p_status status, es9p_json_response *response);

#endif
