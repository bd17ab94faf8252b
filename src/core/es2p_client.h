/* airwrite core: the operator's side of ES2+ (SGP.22 5.3.1 DownloadOrder,
 * 5.3.2 ConfirmOrder, 5.3.3 CancelOrder, 5.3.4 ReleaseProfile) over the
 * SGP.22 6.5 JSON binding (6.5.1 common rules, 6.5.2.1-6.5.2.4), on core's
 * HTTPS client with mutual TLS (SGP.22 2.6.6: the operator presents its
 * certificate to the SM-DP+).
 *
 * A function that ends "Failed" (header.functionExecutionStatus, 6.5.1.4)
 * is AW_OK with the status and its subjectCode / reasonCode in the answer:
 * that is the SM-DP+'s refusal (e.g. 8.2.5 / 3.9 Profile Type - Unknown),
 * not an airwrite failure; the caller decides what it means to it.
 *
 * Answers are parsed strictly and within bounds: one JSON object of at
 * most ES2P_CLIENT_RESPONSE_MAX bytes and ES2P_CLIENT_JSON_DEPTH levels,
 * no duplicate members, no member the function does not define, every
 * field of its type and form (ICCID 18..20 digits, EID 32 digits, Matching
 * ID 1..64 of 0-9 A-Z '-' per SGP.22 4.1, codes "d(.d)*"). Text that is
 * kept only for logs (subjectIdentifier, message) is cut to its bound.
 *
 * BLOCKING: es2p_client_call waits for the SM-DP+ (http_client.h); use it
 * from worker threads or tools, never from an event loop thread.
 */
#ifndef AIRWRITE_CORE_ES2P_CLIENT_H
#define AIRWRITE_CORE_ES2P_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/http_client.h"

/* X-Admin-Protocol of the requests (SGP.22 6.5.1: "gsma/rsp/v<x.y.z>"). */
#define ES2P_CLIENT_ADMIN_PROTOCOL "gsma/rsp/v2.2.0"
#define ES2P_CLIENT_PATH_PREFIX "/gsma/rsp2/es2plus/"
#define ES2P_CLIENT_RESPONSE_MAX (16u * 1024u) /* every ES2+ answer is a few hundred bytes */
#define ES2P_CLIENT_JSON_DEPTH 4u              /* answers nest three levels */
#define ES2P_CLIENT_CODE_MAX 15u               /* subjectCode / reasonCode, e.g. "8.2.5" */
#define ES2P_CLIENT_TEXT_MAX 127u              /* subjectIdentifier, message: cut beyond */
#define ES2P_CLIENT_EID_DIGITS 32u             /* SGP.29 */
#define ES2P_CLIENT_ICCID_MAX 20u              /* ITU-T E.118: up to 20 digits */
#define ES2P_CLIENT_ICCID_MIN 18u
#define ES2P_CLIENT_MATCHING_ID_MAX 64u        /* SGP.22 4.1 */
#define ES2P_CLIENT_ADDRESS_MAX 255u           /* smdpAddress: an FQDN (RFC 1035) */
#define ES2P_CLIENT_FIELD_MAX 64u              /* profileType, confirmationCode */
#define ES2P_CLIENT_IDENTIFIER_MAX 128u        /* functionRequester/CallIdentifier */

typedef enum es2p_client_function {
    ES2P_CLIENT_DOWNLOAD_ORDER = 0, /* 5.3.1, 6.5.2.1 */
    ES2P_CLIENT_CONFIRM_ORDER,      /* 5.3.2, 6.5.2.2 */
    ES2P_CLIENT_CANCEL_ORDER,       /* 5.3.3, 6.5.2.3 */
    ES2P_CLIENT_RELEASE_PROFILE,    /* 5.3.4, 6.5.2.4 */
    ES2P_CLIENT_FUNCTION_COUNT
} es2p_client_function;

/* "downloadOrder", ...; NULL for a value out of range. */
const char *es2p_client_function_name(es2p_client_function function);

/* finalProfileStatusIndicator of CancelOrder (SGP.22 5.3.3). */
typedef enum es2p_client_final_status {
    ES2P_CLIENT_FINAL_AVAILABLE = 1,
    ES2P_CLIENT_FINAL_UNAVAILABLE = 2,
} es2p_client_final_status;

/* The fields of a request; what a function does not define must be NULL
 * (or false / 0). Required: DownloadOrder profile_type or iccid (eid
 * optional); ConfirmOrder iccid (eid, matching_id, confirmation_code
 * optional, release_flag); CancelOrder iccid and final_status (eid,
 * matching_id optional); ReleaseProfile iccid. */
typedef struct es2p_client_request {
    const char *eid;
    const char *iccid;
    const char *profile_type;
    const char *matching_id;
    const char *confirmation_code;
    bool release_flag;
    es2p_client_final_status final_status;
} es2p_client_request;

/* header.functionExecutionStatus.status (SGP.22 6.5.1.4) */
typedef enum es2p_client_outcome {
    ES2P_CLIENT_EXECUTED_SUCCESS = 0,
    ES2P_CLIENT_EXECUTED_WITH_WARNING,
    ES2P_CLIENT_FAILED,
    ES2P_CLIENT_EXPIRED,
} es2p_client_outcome;

typedef struct es2p_client_answer {
    es2p_client_outcome outcome;
    char subject_code[ES2P_CLIENT_CODE_MAX + 1]; /* statusCodeData; "" on success */
    char reason_code[ES2P_CLIENT_CODE_MAX + 1];
    char subject_identifier[ES2P_CLIENT_TEXT_MAX + 1]; /* "" when absent */
    char message[ES2P_CLIENT_TEXT_MAX + 1];            /* "" when absent */
    /* On success: DownloadOrder iccid; ConfirmOrder matching_id, and eid
     * and smdp_address when the SM-DP+ returned them ("" otherwise). */
    char iccid[ES2P_CLIENT_ICCID_MAX + 1];
    char eid[ES2P_CLIENT_EID_DIGITS + 1];
    char matching_id[ES2P_CLIENT_MATCHING_ID_MAX + 1];
    char smdp_address[ES2P_CLIENT_ADDRESS_MAX + 1];
} es2p_client_answer;

/* Whether the function was executed (success or with a warning). */
bool es2p_client_succeeded(const es2p_client_answer *answer);

/* The JSON body of a request (NUL-terminated, malloc'd) with the header
 * {functionRequesterIdentifier, functionCallIdentifier} (SGP.22 6.5.1.3,
 * each 1..ES2P_CLIENT_IDENTIFIER_MAX printable ASCII).
 * AW_ERR_ES2P_CLIENT_REQUEST when a field is missing, malformed, or not
 * defined for the function; AW_ERR_NOMEM. */
aw_err es2p_client_encode_request(es2p_client_function function,
                                  const es2p_client_request *request,
                                  const char *requester_identifier, const char *call_identifier,
                                  char **json, size_t *json_len);

/* Parse an answer of function with HTTP status http_status into out.
 * AW_ERR_ES2P_CLIENT_HTTP_STATUS for a status other than 200;
 * AW_ERR_ES2P_CLIENT_RESPONSE for a body that is not the function's answer
 * (see above; also a Failed status without codes, or a success without
 * the function's mandatory output). out is zeroed on error. */
aw_err es2p_client_parse_response(es2p_client_function function, int http_status,
                                  const uint8_t *body, size_t len, es2p_client_answer *out);

/* One ES2+ exchange: POST to base_url ("https://host[:port][/prefix]", no
 * trailing '/') + ES2P_CLIENT_PATH_PREFIX + function name through client
 * (configured with the operator's certificate and key for mutual TLS).
 * Errors of es2p_client_encode_request, http_client_send (AW_ERR_HTTP_*,
 * AW_ERR_LIMIT) and es2p_client_parse_response; AW_ERR_ARGUMENT for a base
 * URL that is not https:// or too long. */
aw_err es2p_client_call(http_client *client, const char *base_url,
                        const char *requester_identifier, const char *call_identifier,
                        es2p_client_function function, const es2p_client_request *request,
                        es2p_client_answer *out);

#endif
