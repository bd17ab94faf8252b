/* airwrite SM-DP+: the JSON binding of ES2+ (SGP.22 6.5: 6.5.1 common rules,
 * 6.5.2.1 DownloadOrder, 6.5.2.2 ConfirmOrder, 6.5.2.3 CancelOrder,
 * 6.5.2.4 ReleaseProfile) over the order logic of es2p.h (SGP.22 5.3).
 *
 * Transport-free like es9p_json.h: the HTTPS listener of the operator side
 * (mutual TLS, smdp.h) hands over the path, the X-Admin-Protocol header and
 * the body, and sends back the status and body produced here. Malformed
 * requests get the generic codes of the ES9+ binding (1 / 2.1 invalid,
 * 1 / 2.2 missing, 1 / 3.1 protocol version, 1.2 / 4.2 execution error);
 * refusals of the order logic get their SGP.22 5.3.x subject and reason
 * codes (smdp_es2p_result).
 */
#ifndef AIRWRITE_SMDP_ES2P_JSON_H
#define AIRWRITE_SMDP_ES2P_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "smdp/es9p_json.h"

/* Largest request body accepted: every ES2+ request is a few hundred bytes. */
#define ES2P_JSON_BODY_MAX (8u * 1024u)

typedef enum es2p_function {
    ES2P_FUNCTION_UNKNOWN = 0,
    ES2P_FUNCTION_DOWNLOAD_ORDER,  /* /gsma/rsp2/es2plus/downloadOrder */
    ES2P_FUNCTION_CONFIRM_ORDER,   /* /gsma/rsp2/es2plus/confirmOrder */
    ES2P_FUNCTION_CANCEL_ORDER,    /* /gsma/rsp2/es2plus/cancelOrder */
    ES2P_FUNCTION_RELEASE_PROFILE, /* /gsma/rsp2/es2plus/releaseProfile */
} es2p_function;

/* The function of a request path (exact match), or ES2P_FUNCTION_UNKNOWN. */
es2p_function es2p_json_function_from_path(const char *path);
/* The path of a function; NULL for ES2P_FUNCTION_UNKNOWN. */
const char *es2p_json_function_path(es2p_function function);

/* Who calls and how orders are placed (es2p.h). */
typedef struct es2p_json_context {
    const char *smdp_address;   /* returned as smdpAddress by ConfirmOrder; NULL: not returned */
    /* The verified client certificate subject of the operator (mutual TLS):
     * with header.functionRequesterIdentifier it is the smdp_es2p_caller
     * the order functions see. NULL: an administrative caller. */
    const char *caller_subject;
    int64_t order_lifetime_ms;  /* DownloadOrder: expiry after this; 0: never */
} es2p_json_context;

/* Handle one ES2+ request on db. admin_protocol is the X-Admin-Protocol
 * header (NULL when absent). The response is always 200 with a JSON body,
 * 404 without one for an unknown path. AW_OK whenever a response was
 * produced, "Failed" ones included; AW_ERR_NOMEM when not even that was
 * possible; AW_ERR_ARGUMENT for NULL db/context/response. */
aw_err es2p_json_handle_for(db_connection *db, const es2p_json_context *context,
                            const char *path, const char *admin_protocol, const uint8_t *body,
                            size_t body_len, int64_t now_ms, es9p_json_response *response);

/* The same for an administrative caller with orders that never expire:
 * smdp_address as in es2p_json_context. */
aw_err es2p_json_handle(db_connection *db, const char *smdp_address, const char *path,
                        const char *admin_protocol, const uint8_t *body, size_t body_len,
                        int64_t now_ms, es9p_json_response *response);

#endif
