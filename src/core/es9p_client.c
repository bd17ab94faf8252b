/* airwrite core: ES9+ client, SGP.22 6.5 JSON binding from the requesting
 * side: the request bodies (6.5.2.6-6.5.2.10) from the SGP.22 request DER,
 * and the exchange itself over http_client. The answers are parsed in
 * es9p_client_response.c. */
#include "core/es9p_client.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/der.h"
#include "core/hex.h"

static const char *const function_names[ES9P_CLIENT_FUNCTION_COUNT] = {
    "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
    "handleNotification", "cancelSession",
};

const char *es9p_client_function_name(es9p_client_function function)
{
    return (unsigned)function < ES9P_CLIENT_FUNCTION_COUNT ? function_names[function] : NULL;
}

void es9p_client_result_clear(es9p_client_result *result)
{
    if (result == NULL)
        return;
    free(result->response);
    memset(result, 0, sizeof(*result));
}

/* How one component of a request travels in JSON. */
typedef enum field_form {
    FORM_TLV,        /* base64 of the whole TLV */
    FORM_VALUE,      /* base64 of the content octets (euiccChallenge) */
    FORM_HEX,        /* hex digits of the content octets (transactionId) */
    FORM_TEXT,       /* the UTF-8 text itself (smdpAddress) */
    FORM_INNER,      /* base64 of the one TLV inside an explicit wrapper */
    FORM_RETAG_BF41, /* [1] IMPLICIT CancelSessionResponse: base64 with its
                      * own tag BF41 back (SGP.22 6.5.2.10 carries the
                      * ES10b.CancelSession response as the eUICC gave it) */
} field_form;

typedef struct request_field {
    uint32_t tag;
    const char *name;
    field_form form;
} request_field;

typedef struct request_shape {
    uint32_t tag;
    size_t count;
    request_field fields[3];
} request_shape;

/* RSPDefinitions request messages, components in their ASN.1 order. */
static const request_shape request_shapes[ES9P_CLIENT_FUNCTION_COUNT] = {
    /* InitiateAuthenticationRequest, 5.6.1 */
    {0xBF39, 3, {{0x81, "euiccChallenge", FORM_VALUE},
                 {0x83, "smdpAddress", FORM_TEXT},
                 {0xBF20, "euiccInfo1", FORM_TLV}}},
    /* AuthenticateClientRequest, 5.6.3 */
    {0xBF3B, 2, {{0x80, "transactionId", FORM_HEX},
                 {0xBF38, "authenticateServerResponse", FORM_TLV}}},
    /* GetBoundProfilePackageRequest, 5.6.2 */
    {0xBF3A, 2, {{0x80, "transactionId", FORM_HEX},
                 {0xBF21, "prepareDownloadResponse", FORM_TLV}}},
    /* HandleNotification, 5.6.4: [0] explicit around PendingNotification */
    {0xBF3D, 1, {{0xA0, "pendingNotification", FORM_INNER}}},
    /* CancelSessionRequestEs9, 5.6.5 */
    {0xBF41, 2, {{0x80, "transactionId", FORM_HEX},
                 {0xA1, "cancelSessionResponse", FORM_RETAG_BF41}}},
};

static aw_err put_base64(json_t *object, const char *name, const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    aw_err err = text == NULL ? AW_ERR_NOMEM : aw_base64_encode(data, len, text, cap);
    if (err == AW_OK && json_object_set_new(object, name, json_string(text)) != 0)
        err = AW_ERR_NOMEM;
    free(text);
    return err;
}

/* The TLV BF41 || length || content of an [1] IMPLICIT node. */
static aw_err put_retagged(json_t *object, const char *name, const der_node *node)
{
    der_builder b;
    uint8_t *tlv = NULL;
    size_t tlv_len = 0;
    der_builder_init(&b);
    der_put_tlv(&b, 0xBF41, node->value.ptr, node->value.len);
    aw_err err = der_builder_finish(&b, &tlv, &tlv_len);
    if (err == AW_OK)
        err = put_base64(object, name, tlv, tlv_len);
    free(tlv);
    return err;
}

static aw_err put_field(json_t *object, const request_field *field, const der_reader *parent,
                        const der_node *node)
{
    switch (field->form) {
    case FORM_TLV:
        return put_base64(object, field->name, node->raw.ptr, node->raw.len);
    case FORM_VALUE:
        if (node->value.len != 16) /* Octet16 */
            return AW_ERR_ES9P_CLIENT_REQUEST;
        return put_base64(object, field->name, node->value.ptr, node->value.len);
    case FORM_HEX: {
        char hex[2 * ES9P_CLIENT_TRANSACTION_ID_MAX + 1];
        if (node->constructed || node->value.len == 0 ||
            node->value.len > ES9P_CLIENT_TRANSACTION_ID_MAX)
            return AW_ERR_ES9P_CLIENT_REQUEST;
        aw_hex_encode(node->value.ptr, node->value.len, hex, true);
        return json_object_set_new(object, field->name, json_string(hex)) == 0 ? AW_OK
                                                                                : AW_ERR_NOMEM;
    }
    case FORM_TEXT: {
        /* an FQDN: UTF-8 without control characters (NUL would not survive
         * the JSON text) */
        if (node->constructed ||
            der_check_utf8(node->value, 1, ES9P_CLIENT_ADDRESS_MAX) != AW_OK ||
            node->value.len > ES9P_CLIENT_ADDRESS_MAX)
            return AW_ERR_ES9P_CLIENT_REQUEST;
        for (size_t i = 0; i < node->value.len; i++) {
            if (node->value.ptr[i] < 0x20 || node->value.ptr[i] == 0x7F)
                return AW_ERR_ES9P_CLIENT_REQUEST;
        }
        json_t *text = json_stringn((const char *)node->value.ptr, node->value.len);
        return text != NULL && json_object_set_new(object, field->name, text) == 0
                   ? AW_OK
                   : AW_ERR_NOMEM;
    }
    case FORM_INNER: {
        der_reader inner;
        der_node choice;
        if (der_reader_enter(parent, node, &inner) != AW_OK ||
            der_read_node(&inner, &choice) != AW_OK || der_reader_finish(&inner) != AW_OK)
            return AW_ERR_ES9P_CLIENT_REQUEST;
        return put_base64(object, field->name, choice.raw.ptr, choice.raw.len);
    }
    case FORM_RETAG_BF41:
        if (!node->constructed)
            return AW_ERR_ES9P_CLIENT_REQUEST;
        return put_retagged(object, field->name, node);
    }
    return AW_ERR_ES9P_CLIENT_REQUEST;
}

aw_err es9p_client_encode_request(es9p_client_function function, const uint8_t *request,
                                  size_t len, char **json, size_t *json_len)
{
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if ((unsigned)function >= ES9P_CLIENT_FUNCTION_COUNT || request == NULL || json == NULL ||
        json_len == NULL)
        return AW_ERR_ARGUMENT;
    const request_shape *shape = &request_shapes[function];
    der_reader top, content;
    der_node outer, node;
    der_reader_init(&top, request, len);
    if (der_read_node(&top, &outer) != AW_OK || der_reader_finish(&top) != AW_OK ||
        outer.tag != shape->tag || der_reader_enter(&top, &outer, &content) != AW_OK ||
        der_validate(request, len, DER_MAX_DEPTH) != AW_OK)
        return AW_ERR_ES9P_CLIENT_REQUEST;
    json_t *object = json_object();
    if (object == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < shape->count; i++) {
        if (der_read_expect(&content, shape->fields[i].tag, &node) != AW_OK)
            err = AW_ERR_ES9P_CLIENT_REQUEST;
        else
            err = put_field(object, &shape->fields[i], &content, &node);
    }
    /* the 6.5 binding has no member for later-version components */
    if (err == AW_OK && der_reader_finish(&content) != AW_OK)
        err = AW_ERR_ES9P_CLIENT_REQUEST;
    if (err == AW_OK) {
        *json = json_dumps(object, JSON_COMPACT);
        if (*json == NULL)
            err = AW_ERR_NOMEM;
        else
            *json_len = strlen(*json);
    }
    json_decref(object);
    return err;
}

/* An smdpAddress is a host name or IP literal with an optional port: no
 * characters that would change what the URL means. */
aw_err es9p_client_base_url(const char *address, size_t address_len, char *out, size_t cap)
{
    static const char scheme[] = "https://";
    if (out != NULL && cap > 0)
        out[0] = '\0';
    if (address == NULL || out == NULL || address_len == 0 ||
        address_len > ES9P_CLIENT_ADDRESS_MAX || sizeof(scheme) + address_len > cap)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < address_len; i++) {
        unsigned char c = (unsigned char)address[i];
        if (c <= 0x20 || c >= 0x7F || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\')
            return AW_ERR_ARGUMENT;
    }
    memcpy(out, scheme, sizeof(scheme) - 1);
    memcpy(out + sizeof(scheme) - 1, address, address_len);
    out[sizeof(scheme) - 1 + address_len] = '\0';
    return AW_OK;
}

#define ES9P_CLIENT_URL_MAX (8u + ES9P_CLIENT_ADDRESS_MAX + 64u)

aw_err es9p_client_call(http_client *client, const char *base_url, es9p_client_function function,
                        const uint8_t *request, size_t len, es9p_client_result *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    const char *name = es9p_client_function_name(function);
    if (client == NULL || base_url == NULL || out == NULL || name == NULL ||
        strncmp(base_url, "https://", 8) != 0)
        return AW_ERR_ARGUMENT;
    char url[ES9P_CLIENT_URL_MAX];
    size_t n = strlen(base_url) + strlen(ES9P_CLIENT_PATH_PREFIX) + strlen(name);
    if (n >= sizeof(url))
        return AW_ERR_ARGUMENT;
    strcpy(url, base_url);
    strcat(url, ES9P_CLIENT_PATH_PREFIX);
    strcat(url, name);
    char *body = NULL;
    size_t body_len = 0;
    aw_err err = es9p_client_encode_request(function, request, len, &body, &body_len);
    if (err != AW_OK)
        return err;
    /* SGP.22 6.5.1: JSON content and the protocol version, both ways */
    const http_header headers[] = {{"Content-Type", "application/json;charset=UTF-8"},
                                   {"X-Admin-Protocol", ES9P_CLIENT_ADMIN_PROTOCOL}};
    http_client_request http = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = headers,
                                .header_count = 2, .body = body, .body_len = body_len};
    http_client_response *response = NULL;
    err = http_client_send(client, &http, &response);
    if (err == AW_OK)
        err = es9p_client_parse_response(function, response->status, response->body,
                                         response->body_len, out);
    http_client_response_free(response);
    free(body);
    return err;
}
