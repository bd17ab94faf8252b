/* airwrite core: ES9+ client, the answers of the SGP.22 6.5 JSON binding:
 * header.functionExecutionStatus (6.5.1.4) and, on success, the response
 * fields of 6.5.2.6-6.5.2.10 rebuilt into the SGP.22 response DER (the [0]
 * Ok alternative of InitiateAuthenticationResponse, AuthenticateClient-
 * ResponseEs9, GetBoundProfilePackageResponse, CancelSessionResponseEs9),
 * which the typed codecs of sgp22_es9 then check. Every length is bounded. */
#include "core/es9p_client.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/der.h"
#include "core/hex.h"
#include "core/sgp22_es9.h"

/* JSON nesting of a response is two levels; a little room beyond. */
#define ES9P_CLIENT_JSON_DEPTH 8

typedef struct response_field {
    const char *name;
    uint32_t tag; /* the TLV the base64 must hold; 0x80: hex transactionId */
} response_field;

typedef struct response_shape {
    uint32_t tag;
    size_t count;
    response_field fields[5];
} response_shape;

static const response_shape response_shapes[ES9P_CLIENT_FUNCTION_COUNT] = {
    /* 6.5.2.6 */
    {0xBF39, 5, {{"transactionId", 0x80}, {"serverSigned1", 0x30},
                 {"serverSignature1", 0x5F37}, {"euiccCiPKIdToBeUsed", 0x04},
                 {"serverCertificate", 0x30}}},
    /* 6.5.2.8 */
    {0xBF3B, 5, {{"transactionId", 0x80}, {"profileMetadata", 0xBF25},
                 {"smdpSigned2", 0x30}, {"smdpSignature2", 0x5F37},
                 {"smdpCertificate", 0x30}}},
    /* 6.5.2.7 */
    {0xBF3A, 2, {{"transactionId", 0x80}, {"boundProfilePackage", 0xBF36}}},
    /* 6.5.2.9: no response fields (204) */
    {0xBF3D, 0, {{NULL, 0}}},
    /* 6.5.2.10: CancelSessionOk is empty */
    {0xBF41, 0, {{NULL, 0}}},
};

/* JSON nesting depth of value (bounded walk). */
static bool depth_ok(const json_t *value, unsigned depth)
{
    if (depth > ES9P_CLIENT_JSON_DEPTH)
        return false;
    if (json_is_object(value)) {
        const char *key;
        const json_t *member;
        json_object_foreach ((json_t *)value, key, member) {
            if (!depth_ok(member, depth + 1))
                return false;
        }
    } else if (json_is_array(value)) {
        size_t i;
        const json_t *member;
        json_array_foreach (value, i, member) {
            if (!depth_ok(member, depth + 1))
                return false;
        }
    }
    return true;
}

/* A status code "d(.d)*" of at most ES9P_CLIENT_CODE_MAX characters. */
static bool copy_code(const json_t *value, char out[ES9P_CLIENT_CODE_MAX + 1])
{
    const char *text = json_string_value(value);
    size_t n = text != NULL ? json_string_length(value) : 0;
    if (n == 0 || n > ES9P_CLIENT_CODE_MAX || text[0] == '.' || text[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && text[i - 1] != '.')))
            return false;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return true;
}

/* header.functionExecutionStatus, SGP.22 6.5.1.4 */
static aw_err parse_status(const json_t *root, es9p_client_status *status)
{
    static const struct {
        const char *text;
        es9p_client_outcome outcome;
    } outcomes[] = {{"Executed-Success", ES9P_CLIENT_EXECUTED_SUCCESS},
                    {"Executed-WithWarning", ES9P_CLIENT_EXECUTED_WITH_WARNING},
                    {"Failed", ES9P_CLIENT_FAILED},
                    {"Expired", ES9P_CLIENT_EXPIRED}};
    const json_t *execution =
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *text = json_string_value(json_object_get(execution, "status"));
    size_t i = 0;
    while (text != NULL && i < sizeof(outcomes) / sizeof(outcomes[0]) &&
           strcmp(text, outcomes[i].text) != 0)
        i++;
    if (text == NULL || i == sizeof(outcomes) / sizeof(outcomes[0]))
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    status->outcome = outcomes[i].outcome;
    const json_t *data = json_object_get(execution, "statusCodeData");
    if (data == NULL) /* required with Failed; optional with a warning */
        return status->outcome == ES9P_CLIENT_FAILED ? AW_ERR_ES9P_CLIENT_RESPONSE : AW_OK;
    if (!copy_code(json_object_get(data, "subjectCode"), status->subject_code) ||
        !copy_code(json_object_get(data, "reasonCode"), status->reason_code))
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    const json_t *identifier = json_object_get(data, "subjectIdentifier");
    if (identifier != NULL) {
        if (!json_is_string(identifier))
            return AW_ERR_ES9P_CLIENT_RESPONSE;
        size_t n = json_string_length(identifier);
        if (n > ES9P_CLIENT_IDENTIFIER_MAX)
            n = ES9P_CLIENT_IDENTIFIER_MAX; /* kept for diagnostics only */
        memcpy(status->subject_identifier, json_string_value(identifier), n);
        status->subject_identifier[n] = '\0';
    }
    return AW_OK;
}

/* One field into the builder: hex transactionId as [0], else base64 of one
 * DER TLV carrying field->tag. */
static aw_err put_field(der_builder *b, const json_t *root, const response_field *field)
{
    const json_t *value = json_object_get(root, field->name);
    const char *text = json_string_value(value);
    if (text == NULL)
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    size_t n = json_string_length(value);
    if (field->tag == 0x80) {
        uint8_t id[ES9P_CLIENT_TRANSACTION_ID_MAX];
        size_t id_len = 0;
        if (n == 0 || n > 2 * ES9P_CLIENT_TRANSACTION_ID_MAX ||
            aw_hex_decode(text, id, sizeof(id), &id_len) != AW_OK || id_len == 0)
            return AW_ERR_ES9P_CLIENT_RESPONSE;
        der_put_tlv(b, 0x80, id, id_len);
        return AW_OK;
    }
    size_t cap = aw_base64_decoded_max(n);
    uint8_t *bytes = malloc(cap + 1);
    size_t len = 0;
    der_node node;
    if (bytes == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    if (aw_base64_decode(text, n, bytes, cap + 1, &len) != AW_OK ||
        der_decode_single(bytes, len, &node) != AW_OK || node.tag != field->tag ||
        der_validate(bytes, len, DER_MAX_DEPTH) != AW_OK)
        err = AW_ERR_ES9P_CLIENT_RESPONSE;
    else
        der_put_raw(b, bytes, len);
    free(bytes);
    return err;
}

/* The rebuilt response must be what the typed codec accepts. */
static aw_err check_response(es9p_client_function function, const uint8_t *der, size_t len)
{
    aw_err err = AW_ERR_ES9P_CLIENT_RESPONSE;
    switch (function) {
    case ES9P_CLIENT_INITIATE_AUTHENTICATION: {
        sgp22_initiate_authentication_response *r = calloc(1, sizeof(*r));
        err = r == NULL ? AW_ERR_NOMEM
                        : sgp22_decode_initiate_authentication_response(der, len, r);
        free(r);
        break;
    }
    case ES9P_CLIENT_AUTHENTICATE_CLIENT: {
        sgp22_authenticate_client_response *r = calloc(1, sizeof(*r));
        err = r == NULL ? AW_ERR_NOMEM : sgp22_decode_authenticate_client_response(der, len, r);
        free(r);
        break;
    }
    case ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE: {
        sgp22_get_bound_profile_package_response *r = calloc(1, sizeof(*r));
        err = r == NULL ? AW_ERR_NOMEM
                        : sgp22_decode_get_bound_profile_package_response(der, len, r);
        free(r);
        break;
    }
    case ES9P_CLIENT_CANCEL_SESSION: {
        sgp22_cancel_session_response_es9 r;
        err = sgp22_decode_cancel_session_response_es9(der, len, &r);
        break;
    }
    default:
        break;
    }
    if (err != AW_OK && err != AW_ERR_NOMEM)
        err = AW_ERR_ES9P_CLIENT_RESPONSE;
    return err;
}

static aw_err build_response(es9p_client_function function, const json_t *root,
                             es9p_client_result *out)
{
    const response_shape *shape = &response_shapes[function];
    der_builder b;
    der_builder_init(&b);
    der_builder_set_limit(&b, ES9P_CLIENT_RESPONSE_MAX);
    der_builder_begin(&b, shape->tag);
    der_builder_begin(&b, 0xA0); /* the Ok alternative */
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < shape->count; i++)
        err = put_field(&b, root, &shape->fields[i]);
    der_builder_end(&b);
    der_builder_end(&b);
    if (err != AW_OK) {
        der_builder_free(&b);
        return err;
    }
    err = der_builder_finish(&b, &out->response, &out->response_len);
    if (err == AW_OK)
        err = check_response(function, out->response, out->response_len);
    return err;
}

aw_err es9p_client_parse_response(es9p_client_function function, int http_status,
                                  const uint8_t *body, size_t len, es9p_client_result *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if ((unsigned)function >= ES9P_CLIENT_FUNCTION_COUNT || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    /* SGP.22 6.5.2.9: a handled notification is 204 No Content */
    if (function == ES9P_CLIENT_HANDLE_NOTIFICATION && http_status == 204)
        return AW_OK;
    if (http_status != 200)
        return AW_ERR_ES9P_CLIENT_HTTP_STATUS;
    if (len == 0 || len > ES9P_CLIENT_RESPONSE_MAX)
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    json_error_t error;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    aw_err err = AW_OK;
    if (root == NULL || !json_is_object(root) || !depth_ok(root, 0))
        err = AW_ERR_ES9P_CLIENT_RESPONSE;
    if (err == AW_OK)
        err = parse_status(root, &out->status);
    if (err == AW_OK && (out->status.outcome == ES9P_CLIENT_EXECUTED_SUCCESS ||
                         out->status.outcome == ES9P_CLIENT_EXECUTED_WITH_WARNING)) {
        /* a handled notification answers 204, never 200 with a success */
        if (function == ES9P_CLIENT_HANDLE_NOTIFICATION)
            err = AW_ERR_ES9P_CLIENT_RESPONSE;
        else
            err = build_response(function, root, out);
    }
    json_decref(root);
    if (err != AW_OK)
        es9p_client_result_clear(out);
    return err;
}
