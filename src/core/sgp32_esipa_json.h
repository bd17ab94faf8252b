/* airwrite core: the JSON binding of ESipa (SGP.32 6.4; paths
 * /gsma/rsp2/esipa/<function>, 6.4.1.1 InitiateAuthentication, 6.4.1.2
 * AuthenticateClient, 6.4.1.3 GetBoundProfilePackage, 6.4.1.5
 * GetEimPackage, 6.4.1.6 ProvideEimPackageResult, 6.4.1.7
 * HandleNotification, 6.4.1.8 CancelSession), as a translation to and from
 * the ASN.1 binding's messages (EsipaMessageFromIpaToEim /
 * EsipaMessageFromEimToIpa, 6.3), so that a server and a client serve both
 * bindings with the same code behind the translation.
 *
 * Members follow the SGP.22 6.5 conventions the 6.4 binding reuses: each
 * ASN.1 component as base64 of its DER TLV (signed parts stay the exact
 * bytes), euiccChallenge as base64 of its 16 octets, transactionId and
 * eimTransactionId as hex digits, smdpAddress and matchingId as text,
 * eidValue as its 32 digits, enumerations as integers. Two components are
 * retagged: cancelSessionResponse travels as the CancelSessionResponse the
 * eUICC returned (BF41), [1] in CancelSessionRequestEsipa; ctxParams1 and
 * pendingNotification as the inner TLV of their explicit [2] / [0].
 *
 * An answer carries header.functionExecutionStatus (SGP.22 6.5.1.4). The
 * error alternatives of the download functions are "Failed" with the
 * statusCodeData of their SGP.22 5.6 error tables (and of SGP.32's own
 * errors: 8.31.2 eIM TransactionId, 8.8 SM-DP+ OID); those without one,
 * undefinedError included, are "Failed" 1.2 / 4.2 (execution error).
 * GetEimPackage and ProvideEimPackageResult give their error integers as
 * members (eimPackageError, provideEimPackageResultError) with
 * "Executed-Success"; "Failed" with 8.1.1 codes is read as the same errors.
 * HandleNotification has no answer (204).
 *
 * Every parser is bounded (SGP32_ESIPA_JSON_BODY_MAX, nesting, each member
 * one DER TLV of the expected tag) and the translated message is checked
 * by the typed sgp32_esipa codecs. */
#ifndef AIRWRITE_CORE_SGP32_ESIPA_JSON_H
#define AIRWRITE_CORE_SGP32_ESIPA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SGP32_ESIPA_JSON_PREFIX "/gsma/rsp2/esipa/"      /* SGP.32 6.4.1 */
#define SGP32_ESIPA_JSON_CONTENT_TYPE "application/json;charset=UTF-8"
/* Largest JSON body translated: a bound profile package, base64 encoded,
 * stays well below it. */
#define SGP32_ESIPA_JSON_BODY_MAX (4u * 1024u * 1024u)

typedef enum sgp32_esipa_json_function {
    SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION = 0, /* 6.4.1.1 */
    SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT,         /* 6.4.1.2 */
    SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE,   /* 6.4.1.3 */
    SGP32_ESIPA_JSON_GET_EIM_PACKAGE,             /* 6.4.1.5 */
    SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,  /* 6.4.1.6 */
    SGP32_ESIPA_JSON_HANDLE_NOTIFICATION,         /* 6.4.1.7 */
    SGP32_ESIPA_JSON_CANCEL_SESSION,              /* 6.4.1.8 */
    SGP32_ESIPA_JSON_FUNCTION_COUNT
} sgp32_esipa_json_function;

/* "initiateAuthentication", ...: the last path segment; NULL out of range. */
const char *sgp32_esipa_json_function_name(sgp32_esipa_json_function function);

/* The function of a path SGP32_ESIPA_JSON_PREFIX "<name>";
 * AW_ERR_NOT_FOUND for any other path. */
aw_err sgp32_esipa_json_function_of_path(const char *path, sgp32_esipa_json_function *out);

/* ---- requests ------------------------------------------------------------ */

/* IPA side: the JSON request (NUL-terminated, malloc'd) of one
 * EsipaMessageFromIpaToEim (DER) and its function. AW_ERR_STATE for a
 * message the binding has no function for (TransferEimPackageResponse, a
 * ProvideEimPackageResult sent as HandleNotification), AW_ERR_DER_* /
 * AW_ERR_SGP32_* when der is not the message, AW_ERR_NOMEM. */
aw_err sgp32_esipa_json_encode_request(const uint8_t *der, size_t len,
                                       sgp32_esipa_json_function *function, char **json,
                                       size_t *json_len);

/* Server side: the EsipaMessageFromIpaToEim (DER, malloc'd) of a JSON
 * request of function. A request that is not one: AW_ERR_ESIPA_JSON_MISSING
 * (a mandatory member absent) or AW_ERR_ESIPA_JSON_INVALID (not one JSON
 * object, a member malformed, the message it makes refused by the codec),
 * *member naming the member ("body" for the body as a whole). */
aw_err sgp32_esipa_json_decode_request(sgp32_esipa_json_function function, const uint8_t *json,
                                       size_t len, uint8_t **der, size_t *der_len,
                                       const char **member);

/* The member a server names when the message a request of function makes
 * is refused as a whole (e.g. an eimPackageResult that is none): the one
 * that carries its substance. NULL out of range. */
const char *sgp32_esipa_json_principal_member(sgp32_esipa_json_function function);

/* ---- answers ------------------------------------------------------------- */

/* Server side: the JSON answer of function (with its header) from the
 * EsipaMessageFromEimToIpa (DER) of that function. AW_ERR_STATE for the
 * answer of another function (or for HandleNotification, which has none),
 * AW_ERR_DER_* / AW_ERR_SGP32_* when der is not a message, AW_ERR_NOMEM. */
aw_err sgp32_esipa_json_encode_answer(sgp32_esipa_json_function function, const uint8_t *der,
                                      size_t len, char **json, size_t *json_len);

/* Server side: "Failed" for a request that is not one: subjectCode 1.2,
 * reasonCode 2.2 (missing) when missing, else 2.1 (invalid), and member as
 * subjectIdentifier (SGP.22 6.5.1.4). */
aw_err sgp32_esipa_json_encode_refusal(bool missing, const char *member, char **json,
                                       size_t *json_len);

/* Client side: the EsipaMessageFromEimToIpa (DER, malloc'd) of a JSON
 * answer of function: the Ok alternative with its members, or the error
 * alternative its statusCodeData maps to (undefinedError when none, the
 * "Failed" of a malformed request included). AW_ERR_ESIPA_JSON_INVALID
 * for an answer that is not one (not a JSON object within
 * SGP32_ESIPA_JSON_BODY_MAX, no or unknown status, a member missing or
 * malformed, a message the codec refuses); AW_ERR_STATE for
 * HandleNotification. */
aw_err sgp32_esipa_json_decode_answer(sgp32_esipa_json_function function, const uint8_t *json,
                                      size_t len, uint8_t **der, size_t *der_len);

#endif
