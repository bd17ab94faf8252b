/* airwrite core: the requesting side of ES9+ over the SGP.22 6.5 JSON
 * binding (6.5.1 common rules, 6.5.2.6 InitiateAuthentication, 6.5.2.7
 * GetBoundProfilePackage, 6.5.2.8 AuthenticateClient, 6.5.2.9
 * HandleNotification, 6.5.2.10 CancelSession), for whichever component
 * talks to an SM-DP+: the eIM relaying an indirect download (SGP.32 3.2) or
 * an IPA downloading directly.
 *
 * Callers hand in and get back the DER of the SGP.22 messages (RSPDefinitions
 * InitiateAuthenticationRequest BF39, AuthenticateClientRequest BF3B,
 * GetBoundProfilePackageRequest BF3A, HandleNotification BF3D,
 * CancelSessionRequestEs9 BF41, and the matching responses), so signed parts
 * travel as the exact bytes received. The JSON carries each ASN.1 field as
 * base64 of its DER TLV (euiccChallenge: of its 16 octets), transactionId as
 * hex digits, smdpAddress as text.
 *
 * A function that ends "Failed" (header.functionExecutionStatus, 6.5.1.4) is
 * AW_OK with the status and its subjectCode / reasonCode in the result: those
 * are the SM-DP+'s answer, not an airwrite failure. The answer is parsed
 * within bounds (body size, string lengths, each field one DER TLV of the
 * expected tag, the rebuilt response decoded by the typed sgp22 codecs).
 *
 * BLOCKING: es9p_client_call waits for the SM-DP+ (http_client.h); use it
 * from worker threads or tools, never from an event loop thread.
 */
#ifndef AIRWRITE_CORE_ES9P_CLIENT_H
#define AIRWRITE_CORE_ES9P_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/http_client.h"

/* X-Admin-Protocol of the requests (SGP.22 6.5.1: "gsma/rsp/v<x.y.z>"). */
#define ES9P_CLIENT_ADMIN_PROTOCOL "gsma/rsp/v2.2.0"
#define ES9P_CLIENT_PATH_PREFIX "/gsma/rsp2/es9plus/"
/* Largest answer accepted: a bound profile package of a full profile,
 * base64 encoded, stays well below this. */
#define ES9P_CLIENT_RESPONSE_MAX (4u * 1024u * 1024u)
#define ES9P_CLIENT_CODE_MAX 15u          /* subjectCode / reasonCode, e.g. "8.10.1" */
#define ES9P_CLIENT_IDENTIFIER_MAX 63u    /* subjectIdentifier kept (longer is cut) */
#define ES9P_CLIENT_ADDRESS_MAX 255u      /* smdpAddress: an FQDN (RFC 1035) */
#define ES9P_CLIENT_TRANSACTION_ID_MAX 16u /* TransactionId OCTET STRING (SIZE(1..16)) */

typedef enum es9p_client_function {
    ES9P_CLIENT_INITIATE_AUTHENTICATION = 0, /* 6.5.2.6 */
    ES9P_CLIENT_AUTHENTICATE_CLIENT,         /* 6.5.2.8 */
    ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE,   /* 6.5.2.7 */
    ES9P_CLIENT_HANDLE_NOTIFICATION,         /* 6.5.2.9 */
    ES9P_CLIENT_CANCEL_SESSION,              /* 6.5.2.10 */
    ES9P_CLIENT_FUNCTION_COUNT
} es9p_client_function;

/* "initiateAuthentication", ...; NULL for a value out of range. */
const char *es9p_client_function_name(es9p_client_function function);

/* header.functionExecutionStatus.status (SGP.22 6.5.1.4) */
typedef enum es9p_client_outcome {
    ES9P_CLIENT_EXECUTED_SUCCESS = 0,
    ES9P_CLIENT_EXECUTED_WITH_WARNING,
    ES9P_CLIENT_FAILED,
    ES9P_CLIENT_EXPIRED,
} es9p_client_outcome;

typedef struct es9p_client_status {
    es9p_client_outcome outcome;
    char subject_code[ES9P_CLIENT_CODE_MAX + 1]; /* statusCodeData; "" on success */
    char reason_code[ES9P_CLIENT_CODE_MAX + 1];
    char subject_identifier[ES9P_CLIENT_IDENTIFIER_MAX + 1]; /* "" when absent */
} es9p_client_status;

typedef struct es9p_client_result {
    es9p_client_status status;
    /* Executed-Success (or -WithWarning): the SGP.22 response, the [0] Ok
     * alternative (InitiateAuthenticationResponse BF39, AuthenticateClient-
     * ResponseEs9 BF3B, GetBoundProfilePackageResponse BF3A,
     * CancelSessionResponseEs9 BF41); NULL for HandleNotification and for
     * any failed function. malloc'd. */
    uint8_t *response;
    size_t response_len;
} es9p_client_result;

/* Free the response and zero the result. NULL-safe. */
void es9p_client_result_clear(es9p_client_result *result);

/* The JSON body of a request (NUL-terminated, malloc'd) from the SGP.22
 * request DER of function. AW_ERR_ES9P_CLIENT_REQUEST when the DER is not
 * that message (wrong tags, missing or surplus components, transactionId
 * over 16 octets, euiccChallenge not 16 octets, smdpAddress over 255 bytes
 * or not UTF-8 without control characters); AW_ERR_NOMEM. */
aw_err es9p_client_encode_request(es9p_client_function function, const uint8_t *request,
                                  size_t len, char **json, size_t *json_len);

/* Parse an answer of function with HTTP status http_status into out (the
 * result's response is malloc'd). AW_ERR_ES9P_CLIENT_HTTP_STATUS for a status
 * the binding does not give (200; 204 for HandleNotification);
 * AW_ERR_ES9P_CLIENT_RESPONSE for a body that is not the function's answer
 * (not one JSON object within ES9P_CLIENT_RESPONSE_MAX, no or unknown
 * status, a Failed status without codes, a missing or malformed field, a
 * rebuilt response the typed decoder refuses). out is cleared on error. */
aw_err es9p_client_parse_response(es9p_client_function function, int http_status,
                                  const uint8_t *body, size_t len, es9p_client_result *out);

/* One ES9+ exchange: POST to base_url ("https://host[:port]", no trailing
 * '/') + ES9P_CLIENT_PATH_PREFIX + function name. Errors of
 * es9p_client_encode_request, http_client_send (AW_ERR_HTTP_*, AW_ERR_LIMIT)
 * and es9p_client_parse_response; AW_ERR_ARGUMENT for a base URL that is
 * not https:// or too long. */
aw_err es9p_client_call(http_client *client, const char *base_url, es9p_client_function function,
                        const uint8_t *request, size_t len, es9p_client_result *out);

/* "https://" + address into out (cap bytes), the SM-DP+ base URL that SGP.22
 * 6.1 derives from an smdpAddress (FQDN, optionally ":port").
 * AW_ERR_ARGUMENT for an empty address, one with '/', '?', '#', '@',
 * whitespace or control characters, or one that does not fit. */
aw_err es9p_client_base_url(const char *address, size_t address_len, char *out, size_t cap);

#endif
