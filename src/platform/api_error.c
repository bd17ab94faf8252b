/* airwrite platform: the northbound API's error model. Every error answer
 * is JSON {"code", "message", "requestId"} with a stable code whose first
 * letter is the exception class of 《物联网 eSIM 空中写卡技术应用服务规范》
 * (申请 application A, 写卡 write W, 接口 interface I, 终端 terminal T),
 * one table for all codes (docs/api-errors.md mirrors it, a test checks). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto.h"
#include "core/hex.h"
#include "platform/platform_internal.h"

#define INTERFACE(c, status, text)                                                             \
    {.code = c, .error_class = PLATFORM_ERROR_CLASS_INTERFACE, .http_status = status,         \
     .message = text}

#define APPLICATION(c, status, text)                                                           \
    {.code = c, .error_class = PLATFORM_ERROR_CLASS_APPLICATION, .http_status = status,       \
     .message = text}

static const platform_api_error_info table[PLATFORM_API_ERROR__COUNT] = {
    /* I1xxx: the request's form */
    [PLATFORM_API_MALFORMED_JSON] = INTERFACE("I1001", 400, "request body is not valid JSON of the expected shape"),
    [PLATFORM_API_INVALID_FIELD] = INTERFACE("I1002", 400, "a request field or query parameter is missing or malformed"),
    [PLATFORM_API_BODY_TOO_LARGE] = INTERFACE("I1003", 413, "request body too large"),
    [PLATFORM_API_UNSUPPORTED_MEDIA_TYPE] = INTERFACE("I1004", 415, "request body must be application/json"),
    [PLATFORM_API_METHOD_NOT_ALLOWED] = INTERFACE("I1005", 405, "method not allowed on this path"),
    [PLATFORM_API_UNKNOWN_ROUTE] = INTERFACE("I1006", 404, "no such route"),
    /* I2xxx: authentication of the caller */
    [PLATFORM_API_SIGNATURE_HEADER] = INTERFACE("I2001", 401, "signature header missing or malformed"),
    [PLATFORM_API_UNKNOWN_APP] = INTERFACE("I2002", 401, "unknown appId"),
    [PLATFORM_API_APP_DISABLED] = INTERFACE("I2003", 403, "app is disabled"),
    [PLATFORM_API_BAD_SIGNATURE] = INTERFACE("I2004", 401, "signature does not verify"),
    [PLATFORM_API_TIMESTAMP_WINDOW] = INTERFACE("I2005", 401, "timestamp outside the accepted window"),
    [PLATFORM_API_NONCE_REPLAYED] = INTERFACE("I2006", 401, "nonce already used"),
    [PLATFORM_API_BAD_CREDENTIALS] = INTERFACE("I2007", 401, "appId and appSecret do not match"),
    [PLATFORM_API_SIGNATURE_SUITE] = INTERFACE("I7101", 401, "signed with the other crypto suite's algorithm than the app's (docs/api-signature.md)"),
    [PLATFORM_API_TOKEN_MISSING] = INTERFACE("I2101", 401, "bearer token missing"),
    [PLATFORM_API_TOKEN_INVALID] = INTERFACE("I2102", 401, "token invalid"),
    [PLATFORM_API_TOKEN_EXPIRED] = INTERFACE("I2103", 401, "token expired"),
    [PLATFORM_API_TOKEN_REVOKED] = INTERFACE("I2104", 401, "token revoked"),
    /* I22xx: authorization and console logins (docs/rbac.md) */
    [PLATFORM_API_PERMISSION_DENIED] = INTERFACE("I2201", 403, "the caller's role does not permit this operation"),
    [PLATFORM_API_LOGIN_FAILED] = INTERFACE("I2202", 401, "username or password wrong"),
    [PLATFORM_API_LOGIN_LOCKED] = INTERFACE("I2203", 429, "too many failed logins: retry later"),
    /* I3xxx: call limits */
    [PLATFORM_API_RATE_LIMITED] = INTERFACE("I3001", 429, "call rate limit reached"),
    [PLATFORM_API_QUOTA_EXHAUSTED] = INTERFACE("I3002", 429, "daily call quota used up"),
    /* I4xxx: orders' request form */
    [PLATFORM_API_IDEMPOTENCY_CONFLICT] = INTERFACE("I4001", 409, "Idempotency-Key already used with another request"),
    [PLATFORM_API_UNSUPPORTED_ORDER_MEDIA_TYPE] = INTERFACE("I4002", 415, "order body must be application/json or text/csv"),
    [PLATFORM_API_CALLBACK_EXISTS] = INTERFACE("I4003", 409, "callback URL already registered by the app"),
    [PLATFORM_API_CALLBACK_LIMIT] = INTERFACE("I4004", 409, "the app has the most callbacks allowed (16)"),
    /* A1xxx: the order batch (per line in "errors") */
    [PLATFORM_API_INVALID_EID] = APPLICATION("A1001", 400, "invalid EID: not 32 digits or wrong check digits"),
    [PLATFORM_API_DUPLICATE_EID] = APPLICATION("A1002", 400, "EID repeated in the batch"),
    [PLATFORM_API_MALFORMED_LINE] = APPLICATION("A1003", 400, "batch line is not one EID"),
    [PLATFORM_API_BATCH_SIZE] = APPLICATION("A1004", 400, "batch empty or over 10000 EIDs or 1 MiB"),
    /* A2xxx: the order */
    [PLATFORM_API_ORDER_UNKNOWN] = APPLICATION("A2001", 404, "no such order"),
    [PLATFORM_API_ORDER_STATE] = APPLICATION("A2002", 409, "operation not allowed in the order's state"),
    /* A3xxx: callbacks */
    [PLATFORM_API_CALLBACK_UNKNOWN] = APPLICATION("A3001", 404, "no such callback"),
    [PLATFORM_API_DEAD_LETTER_UNKNOWN] = APPLICATION("A3002", 404, "no such dead letter"),
    /* A4xxx: the order's target against number resources and business scope */
    [PLATFORM_API_PROFILE_TYPE_UNKNOWN] = APPLICATION("A4001", 422, "no such profile type"),
    [PLATFORM_API_OUT_OF_SCOPE] = APPLICATION("A4002", 422, "profile type outside the tenant's business scope"),
    [PLATFORM_API_POOL_UNKNOWN] = APPLICATION("A4003", 422, "number pool unknown or not the tenant's"),
    [PLATFORM_API_POOL_EXHAUSTED] = APPLICATION("A4004", 409, "too few free numbers in the number pool"),
    /* A5xxx: information queries */
    [PLATFORM_API_CARD_UNKNOWN] = APPLICATION("A5001", 404, "no such card"),
    [PLATFORM_API_POOL_NOT_FOUND] = APPLICATION("A5002", 404, "no such number pool"),
    /* A6xxx: card operations (enable, disable, delete, switch as eIM PSMOs) */
    [PLATFORM_API_PROFILE_UNKNOWN] = APPLICATION("A6001", 404, "no such profile on the card"),
    [PLATFORM_API_PROFILE_STATE] = APPLICATION("A6002", 409, "operation not allowed in the profile's state"),
    [PLATFORM_API_CARD_OP_BUSY] = APPLICATION("A6003", 409, "another operation of the card is in progress"),
    [PLATFORM_API_CARD_OP_UNKNOWN] = APPLICATION("A6004", 404, "no such card operation"),
    /* A7xxx: graded exceptions (docs/exceptions.md) */
    [PLATFORM_API_EXCEPTION_UNKNOWN] = APPLICATION("A7001", 404, "no such exception"),
    [PLATFORM_API_EXCEPTION_STATE] = APPLICATION("A7002", 409, "transition not allowed from the exception's state"),
    [PLATFORM_API_EXCEPTION_REPORT_REQUIRED] = APPLICATION("A7003", 409, "a serious or critical exception needs its report before closing"),
    [PLATFORM_API_EXCEPTION_REPORT_LIMIT] = APPLICATION("A7004", 413, "report text or attachments over their limits"),
    /* A75xx: console users (docs/rbac.md "Console users and logins") */
    [PLATFORM_API_USER_UNKNOWN] = APPLICATION("A7501", 404, "no such user"),
    [PLATFORM_API_USER_EXISTS] = APPLICATION("A7502", 409, "a user of that name exists"),
    [PLATFORM_API_USER_PASSWORD_POLICY] = APPLICATION("A7503", 422, "password refused by the password policy"),
    /* A74xx: profile count limit per eUICC (profile_limit.c, docs/api-errors.md) */
    [PLATFORM_API_PROFILE_LIMIT] = APPLICATION("A7401", 409, "the order would exceed the profile count limit of an eUICC"),
    /* A72xx: card-device locking (docs/device-lock.md) */
    [PLATFORM_API_DEVICE_LOCKED] = APPLICATION("A7201", 409, "the card is locked to its device until unlocked"),
    [PLATFORM_API_DEVICE_BINDING_UNKNOWN] = APPLICATION("A7202", 404, "the card or profile has no device binding"),
    [PLATFORM_API_DEVICE_NOT_LOCKED] = APPLICATION("A7203", 409, "the card is not locked"),
    [PLATFORM_API_DEVICE_IDENTITY] = APPLICATION("A7204", 400, "device is not an IMEI, IMEISV or TAC"),
    [PLATFORM_API_DEVICE_UNVERIFIED] = APPLICATION("A7205", 409, "the card's last verified device is not the device the profile is bound to"),
    /* A73xx: location-bound writing (docs/location.md) */
    [PLATFORM_API_LOCATION_POLICY] = APPLICATION("A7301", 400, "location policy malformed (regions, inline region or bounds)"),
    [PLATFORM_API_LOCATION_REGION_UNKNOWN] = APPLICATION("A7302", 422, "a region of the location policy is not installed"),
    /* I9xxx: the platform itself */
    [PLATFORM_API_INTERNAL] = INTERFACE("I9001", 500, "internal error"),
    [PLATFORM_API_UNAVAILABLE] = INTERFACE("I9002", 503, "service temporarily unavailable"),
};

const platform_api_error_info *platform_api_error_get(platform_api_error error)
{
    if ((unsigned)error >= PLATFORM_API_ERROR__COUNT)
        return NULL;
    return &table[error];
}

char platform_error_class_letter(platform_error_class error_class)
{
    switch (error_class) {
    case PLATFORM_ERROR_CLASS_APPLICATION: return 'A';
    case PLATFORM_ERROR_CLASS_WRITE: return 'W';
    case PLATFORM_ERROR_CLASS_INTERFACE: return 'I';
    case PLATFORM_ERROR_CLASS_TERMINAL: return 'T';
    }
    return '?';
}

platform_api_error platform_api_error_from_err(aw_err err)
{
    switch (err) {
    case AW_ERR_PLATFORM_JSON: return PLATFORM_API_MALFORMED_JSON;
    case AW_ERR_PLATFORM_FIELD: return PLATFORM_API_INVALID_FIELD;
    case AW_ERR_PLATFORM_AUTH_HEADER: return PLATFORM_API_SIGNATURE_HEADER;
    case AW_ERR_PLATFORM_APP_UNKNOWN: return PLATFORM_API_UNKNOWN_APP;
    case AW_ERR_PLATFORM_APP_DISABLED: return PLATFORM_API_APP_DISABLED;
    case AW_ERR_MAC: return PLATFORM_API_BAD_SIGNATURE;
    case AW_ERR_PLATFORM_SIGNATURE_SUITE: return PLATFORM_API_SIGNATURE_SUITE;
    case AW_ERR_PLATFORM_TIMESTAMP: return PLATFORM_API_TIMESTAMP_WINDOW;
    case AW_ERR_PLATFORM_NONCE_REPLAYED: return PLATFORM_API_NONCE_REPLAYED;
    case AW_ERR_PLATFORM_CREDENTIALS: return PLATFORM_API_BAD_CREDENTIALS;
    case AW_ERR_PLATFORM_TOKEN_INVALID: return PLATFORM_API_TOKEN_INVALID;
    case AW_ERR_PLATFORM_TOKEN_EXPIRED: return PLATFORM_API_TOKEN_EXPIRED;
    case AW_ERR_PLATFORM_TOKEN_REVOKED: return PLATFORM_API_TOKEN_REVOKED;
    case AW_ERR_PLATFORM_RATE_LIMITED: return PLATFORM_API_RATE_LIMITED;
    case AW_ERR_PLATFORM_QUOTA_EXHAUSTED: return PLATFORM_API_QUOTA_EXHAUSTED;
    case AW_ERR_PLATFORM_IDEMPOTENCY: return PLATFORM_API_IDEMPOTENCY_CONFLICT;
    case AW_ERR_PLATFORM_EID: return PLATFORM_API_INVALID_EID;
    case AW_ERR_PLATFORM_BATCH: return PLATFORM_API_BATCH_SIZE;
    case AW_ERR_PLATFORM_ORDER_UNKNOWN: return PLATFORM_API_ORDER_UNKNOWN;
    case AW_ERR_PLATFORM_ORDER_STATE: return PLATFORM_API_ORDER_STATE;
    case AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN: return PLATFORM_API_PROFILE_TYPE_UNKNOWN;
    case AW_ERR_PLATFORM_SCOPE: return PLATFORM_API_OUT_OF_SCOPE;
    case AW_ERR_PLATFORM_POOL_UNKNOWN: return PLATFORM_API_POOL_UNKNOWN;
    case AW_ERR_PLATFORM_POOL_EXHAUSTED: return PLATFORM_API_POOL_EXHAUSTED;
    case AW_ERR_PLATFORM_CARD_UNKNOWN: return PLATFORM_API_CARD_UNKNOWN;
    case AW_ERR_PLATFORM_EXCEPTION_UNKNOWN: return PLATFORM_API_EXCEPTION_UNKNOWN;
    case AW_ERR_PLATFORM_EXCEPTION_REPORT: return PLATFORM_API_EXCEPTION_REPORT_REQUIRED;
    case AW_ERR_PLATFORM_REPORT_LIMIT: return PLATFORM_API_EXCEPTION_REPORT_LIMIT;
    case AW_ERR_PLATFORM_PROFILE_UNKNOWN: return PLATFORM_API_PROFILE_UNKNOWN;
    case AW_ERR_PLATFORM_PROFILE_STATE: return PLATFORM_API_PROFILE_STATE;
    case AW_ERR_PLATFORM_CARD_OP_BUSY: return PLATFORM_API_CARD_OP_BUSY;
    case AW_ERR_PLATFORM_CARD_OP_UNKNOWN: return PLATFORM_API_CARD_OP_UNKNOWN;
    case AW_ERR_PLATFORM_PROFILE_LIMIT: return PLATFORM_API_PROFILE_LIMIT;
    case AW_ERR_PLATFORM_DEVICE_LOCKED: return PLATFORM_API_DEVICE_LOCKED;
    case AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN: return PLATFORM_API_DEVICE_BINDING_UNKNOWN;
    case AW_ERR_PLATFORM_DEVICE_NOT_LOCKED: return PLATFORM_API_DEVICE_NOT_LOCKED;
    case AW_ERR_DEVICE_IDENTITY_FORMAT: return PLATFORM_API_DEVICE_IDENTITY;
    case AW_ERR_PLATFORM_DEVICE_UNVERIFIED: return PLATFORM_API_DEVICE_UNVERIFIED;
    case AW_ERR_LOCATION_POLICY: return PLATFORM_API_LOCATION_POLICY;
    case AW_ERR_LOCATION_REGION: return PLATFORM_API_LOCATION_REGION_UNKNOWN;
    case AW_ERR_LIMIT: return PLATFORM_API_INVALID_FIELD; /* path or query over its bounds */
    case AW_ERR_DB_BUSY:
    case AW_ERR_DB_CONNECTION: return PLATFORM_API_UNAVAILABLE;
    default: return PLATFORM_API_INTERNAL;
    }
}

/* Request ids are 16 bytes of DRBG output, drawn through the per-thread
 * pool for identifiers (crypto_random_id_bytes): one DRBG call per many
 * calls, on the router, the executor and every other thread alike. */
#define REQUEST_ID_BYTES (PLATFORM_REQUEST_ID_LENGTH / 2)

aw_err platform_request_id_new(char id[PLATFORM_REQUEST_ID_LENGTH + 1])
{
    if (id == NULL)
        return AW_ERR_ARGUMENT;
    id[0] = '\0';
    uint8_t random[REQUEST_ID_BYTES];
    aw_err err = crypto_random_id_bytes(random, sizeof(random));
    if (err != AW_OK)
        return err;
    aw_hex_encode(random, REQUEST_ID_BYTES, id, false);
    return AW_OK;
}

aw_err platform_api_error_body(platform_api_error error, const char *request_id, char **json,
                               size_t *len)
{
    if (json != NULL)
        *json = NULL;
    if (len != NULL)
        *len = 0;
    const platform_api_error_info *info = platform_api_error_get(error);
    if (info == NULL || request_id == NULL || json == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    json_t *root = json_pack("{s:s, s:s, s:s}", "code", info->code, "message", info->message,
                             "requestId", request_id);
    if (root == NULL)
        return AW_ERR_NOMEM;
    *json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (*json == NULL)
        return AW_ERR_NOMEM;
    *len = strlen(*json);
    return AW_OK;
}
