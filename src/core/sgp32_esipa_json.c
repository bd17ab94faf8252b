/* airwrite core: the JSON binding of ESipa (SGP.32 6.4.1), its members and
 * requests: each ASN.1 component of an EsipaMessageFromIpaToEim as a JSON
 * member and back (the SGP.22 6.5 conventions, see sgp32_esipa_json.h).
 * The answers are in sgp32_esipa_json_answer.c. */
#include "core/sgp32_esipa_json.h"

#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/hex.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_esipa_json_internal.h"
#include "core/sgp32_tags.h"

/* identifiers: TransactionId ::= OCTET STRING (SIZE(1..16)) */
#define ID_MAX 16u
/* smdpAddress (an FQDN, RFC 1035) and matchingId (SGP.22 4.1) */
#define TEXT_MAX 255u

static const char *const function_names[SGP32_ESIPA_JSON_FUNCTION_COUNT] = {
    [SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION] = "initiateAuthentication",
    [SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT] = "authenticateClient",
    [SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE] = "getBoundProfilePackage",
    [SGP32_ESIPA_JSON_GET_EIM_PACKAGE] = "getEimPackage",
    [SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT] = "provideEimPackageResult",
    [SGP32_ESIPA_JSON_HANDLE_NOTIFICATION] = "handleNotification",
    [SGP32_ESIPA_JSON_CANCEL_SESSION] = "cancelSession",
};

const char *sgp32_esipa_json_function_name(sgp32_esipa_json_function function)
{
    return (unsigned)function < SGP32_ESIPA_JSON_FUNCTION_COUNT ? function_names[function] : NULL;
}

aw_err sgp32_esipa_json_function_of_path(const char *path, sgp32_esipa_json_function *out)
{
    size_t n = strlen(SGP32_ESIPA_JSON_PREFIX);
    if (path == NULL || out == NULL || strncmp(path, SGP32_ESIPA_JSON_PREFIX, n) != 0)
        return AW_ERR_NOT_FOUND;
    for (unsigned f = 0; f < SGP32_ESIPA_JSON_FUNCTION_COUNT; f++) {
        if (strcmp(path + n, function_names[f]) == 0) {
            *out = (sgp32_esipa_json_function)f;
            return AW_OK;
        }
    }
    return AW_ERR_NOT_FOUND;
}

/* ---- the requests' members (SGP.32 6.4.1.x request bodies) ---------------- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 6.4.1.1, InitiateAuthenticationRequestEsipa */
static const esipa_member initiate_members[] = {
    {"euiccChallenge", ESIPA_MEMBER_OCTETS, DER_CTX(1), 0, false, 16, 16},
    {"smdpAddress", ESIPA_MEMBER_TEXT, DER_CTX(3), 0, true, 1, TEXT_MAX},
    {"euiccInfo1", ESIPA_MEMBER_TLV, SGP32_TAG_EUICC_INFO1, SGP32_TAG_EUICC_INFO1, true, 0, 0},
    {"eimTransactionId", ESIPA_MEMBER_HEX, DER_CTX(2), 0, true, 1, ID_MAX},
};

/* 6.4.1.2, AuthenticateClientRequestEsipa */
static const esipa_member authenticate_members[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, false, 1, ID_MAX},
    {"authenticateServerResponse", ESIPA_MEMBER_TLV, SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE,
     SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE, false, 0, 0},
};

/* 6.4.1.3, GetBoundProfilePackageRequestEsipa */
static const esipa_member bpp_members[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, false, 1, ID_MAX},
    {"prepareDownloadResponse", ESIPA_MEMBER_TLV, SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE,
     SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE, false, 0, 0},
};

/* 6.4.1.5, GetEimPackageRequest */
static const esipa_member get_package_members[] = {
    {"eidValue", ESIPA_MEMBER_EID, SGP32_TAG_EID, 0, false, 0, 0},
    {"notifyStateChange", ESIPA_MEMBER_FLAG, DER_CTX(0), 0, true, 0, 0},
    {"stateChangeCause", ESIPA_MEMBER_INTEGER, DER_CTX(1), 0, true, 0, 0},
    {"rPLMN", ESIPA_MEMBER_HEX, DER_CTX(2), 0, true, 3, 3},
};

/* 6.4.1.6, ProvideEimPackageResult: eimPackageResult is the CHOICE's TLV */
static const esipa_member provide_members[] = {
    {"eidValue", ESIPA_MEMBER_EID, SGP32_TAG_EID, 0, true, 0, 0},
    {"eimPackageResult", ESIPA_MEMBER_TLV, 0, 0, false, 0, 0},
};

/* 6.4.1.7, HandleNotificationEsipa pendingNotification [0] (the inner
 * PendingNotification: BF37 or a SEQUENCE) */
static const esipa_member notification_members[] = {
    {"pendingNotification", ESIPA_MEMBER_WRAPPED, DER_CTX_CONS(0), 0, false, 0, 0},
};

/* 6.4.1.8, CancelSessionRequestEsipa: the eUICC's CancelSessionResponse
 * (BF41) travels as [1] */
static const esipa_member cancel_members[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, false, 1, ID_MAX},
    {"cancelSessionResponse", ESIPA_MEMBER_TLV, DER_CTX_CONS(1), SGP32_TAG_CANCEL_SESSION_ESIPA,
     false, 0, 0},
};

#define SHAPE(tag, m, blame_member) {(tag), 0, (m), COUNT(m), false, false, 0, (blame_member)}

static const esipa_shape request_shapes[SGP32_ESIPA_JSON_FUNCTION_COUNT] = {
    [SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION] =
        SHAPE(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, initiate_members, "euiccInfo1"),
    [SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT] = SHAPE(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA,
                                                   authenticate_members,
                                                   "authenticateServerResponse"),
    [SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE] =
        SHAPE(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA, bpp_members, "prepareDownloadResponse"),
    [SGP32_ESIPA_JSON_GET_EIM_PACKAGE] =
        SHAPE(SGP32_TAG_GET_EIM_PACKAGE, get_package_members, "eidValue"),
    [SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT] =
        SHAPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, provide_members, "eimPackageResult"),
    [SGP32_ESIPA_JSON_HANDLE_NOTIFICATION] =
        SHAPE(SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, notification_members, "pendingNotification"),
    [SGP32_ESIPA_JSON_CANCEL_SESSION] =
        SHAPE(SGP32_TAG_CANCEL_SESSION_ESIPA, cancel_members, "cancelSessionResponse"),
};

/* ---- shared: DER components <-> JSON members ------------------------------ */

json_t *esipa_json_load(const uint8_t *json, size_t len)
{
    if (json == NULL || len == 0 || len > SGP32_ESIPA_JSON_BODY_MAX)
        return NULL;
    /* jansson bounds the nesting of what it parses (JSON_PARSER_MAX_DEPTH)
     * and, without JSON_ALLOW_NUL, refuses strings with \\u0000: every
     * string member is NUL-free text */
    json_error_t error;
    json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &error);
    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

aw_err esipa_json_dump(const json_t *root, char **json, size_t *json_len)
{
    *json = json_dumps(root, JSON_COMPACT);
    if (*json == NULL)
        return AW_ERR_NOMEM;
    *json_len = strlen(*json);
    return AW_OK;
}

static aw_err set_base64(json_t *out, const char *name, aw_slice data)
{
    size_t cap = aw_base64_encoded_length(data.len) + 1;
    char *text = malloc(cap);
    aw_err err = text == NULL ? AW_ERR_NOMEM : aw_base64_encode(data.ptr, data.len, text, cap);
    if (err == AW_OK && json_object_set_new(out, name, json_string(text)) != 0)
        err = AW_ERR_NOMEM;
    free(text);
    return err;
}

/* One component's member. */
static aw_err put_member(json_t *out, const esipa_member *m, const der_node *node)
{
    char text[2 * ID_MAX + 1];
    int64_t value = 0;
    switch (m->kind) {
    case ESIPA_MEMBER_TLV:
        if (m->json_tag != 0 && m->json_tag != node->tag) {
            /* retag: the JSON carries the component under its own tag */
            der_builder b;
            uint8_t *retagged = NULL;
            size_t retagged_len = 0;
            der_builder_init(&b);
            der_put_tlv(&b, m->json_tag, node->value.ptr, node->value.len);
            aw_err err = der_builder_finish(&b, &retagged, &retagged_len);
            if (err == AW_OK)
                err = set_base64(out, m->name, (aw_slice){retagged, retagged_len});
            free(retagged);
            return err;
        }
        return set_base64(out, m->name, node->raw);
    case ESIPA_MEMBER_WRAPPED:
        return set_base64(out, m->name, node->value); /* one TLV, as the codec checked */
    case ESIPA_MEMBER_OCTETS:
        return set_base64(out, m->name, node->value);
    case ESIPA_MEMBER_HEX:
        if (node->value.len == 0 || node->value.len > ID_MAX)
            return AW_ERR_ESIPA_JSON_INVALID;
        aw_hex_encode(node->value.ptr, node->value.len, text, true);
        break;
    case ESIPA_MEMBER_TEXT: {
        json_t *string = json_stringn((const char *)node->value.ptr, node->value.len);
        if (string == NULL || memchr(node->value.ptr, 0, node->value.len) != NULL) {
            json_decref(string);
            return AW_ERR_ESIPA_JSON_INVALID; /* not UTF-8 text */
        }
        return json_object_set_new(out, m->name, string) == 0 ? AW_OK : AW_ERR_NOMEM;
    }
    case ESIPA_MEMBER_EID:
        if (node->value.len != 16)
            return AW_ERR_ESIPA_JSON_INVALID;
        aw_hex_encode(node->value.ptr, 16, text, true);
        for (size_t i = 0; i < 32; i++) {
            if (text[i] < '0' || text[i] > '9')
                return AW_ERR_ESIPA_JSON_INVALID; /* SGP.29: the EID is decimal digits */
        }
        break;
    case ESIPA_MEMBER_FLAG:
        return json_object_set_new(out, m->name, json_true()) == 0 ? AW_OK : AW_ERR_NOMEM;
    case ESIPA_MEMBER_INTEGER:
        if (der_node_get_int64(node, &value) != AW_OK)
            return AW_ERR_ESIPA_JSON_INVALID;
        return json_object_set_new(out, m->name, json_integer(value)) == 0 ? AW_OK
                                                                           : AW_ERR_NOMEM;
    }
    return json_object_set_new(out, m->name, json_string(text)) == 0 ? AW_OK : AW_ERR_NOMEM;
}

/* The member of a component of tag, at or after *next in the shape's order
 * (two components may share a tag: serverSigned1 and serverCertificate are
 * both SEQUENCEs); NULL for a component no member names. */
static const esipa_member *member_of_tag(const esipa_shape *shape, uint32_t tag, size_t *next)
{
    for (size_t i = *next; i < shape->count; i++) {
        const esipa_member *m = &shape->members[i];
        if (m->tag == tag || (m->kind == ESIPA_MEMBER_TLV && m->tag == 0)) {
            *next = i + 1;
            return m;
        }
    }
    return NULL;
}

aw_err esipa_json_put_members(json_t *out, const esipa_shape *shape, aw_slice content)
{
    der_reader r;
    der_node node;
    size_t next = 0;
    der_reader_init(&r, content.ptr, content.len);
    aw_err err = AW_OK;
    while (err == AW_OK && !der_reader_at_end(&r)) {
        err = der_read_node(&r, &node);
        const esipa_member *m = err == AW_OK ? member_of_tag(shape, node.tag, &next) : NULL;
        if (m != NULL)
            err = put_member(out, m, &node);
    }
    return err;
}

/* base64 of one member into *bytes (malloc'd). */
static aw_err get_base64(const json_t *value, uint8_t **bytes, size_t *len)
{
    const char *text = json_string_value(value);
    size_t n = text != NULL ? json_string_length(value) : 0;
    if (n == 0 || n > SGP32_ESIPA_JSON_BODY_MAX)
        return AW_ERR_ESIPA_JSON_INVALID;
    size_t cap = aw_base64_decoded_max(n) + 1;
    *bytes = malloc(cap);
    if (*bytes == NULL)
        return AW_ERR_NOMEM;
    if (aw_base64_decode(text, n, *bytes, cap, len) != AW_OK) {
        free(*bytes);
        *bytes = NULL;
        return AW_ERR_ESIPA_JSON_INVALID;
    }
    return AW_OK;
}

/* A member of kind TLV / WRAPPED / OCTETS into b. */
static aw_err build_bytes(der_builder *b, const esipa_member *m, const json_t *value)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    der_node node;
    aw_err err = get_base64(value, &bytes, &len);
    if (err != AW_OK)
        return err;
    if (m->kind == ESIPA_MEMBER_OCTETS) {
        if (len < m->min || len > m->max)
            err = AW_ERR_ESIPA_JSON_INVALID;
        else
            der_put_tlv(b, m->tag, bytes, len);
    } else if (der_decode_single(bytes, len, &node) != AW_OK ||
               der_validate(bytes, len, DER_MAX_DEPTH) != AW_OK ||
               (m->kind == ESIPA_MEMBER_TLV && m->json_tag != 0 && node.tag != m->json_tag)) {
        err = AW_ERR_ESIPA_JSON_INVALID;
    } else if (m->kind == ESIPA_MEMBER_WRAPPED) {
        der_put_tlv(b, m->tag, bytes, len);
    } else if (m->tag != 0 && m->tag != node.tag) {
        der_put_tlv(b, m->tag, node.value.ptr, node.value.len); /* retag */
    } else {
        der_put_raw(b, bytes, len);
    }
    free(bytes);
    return err;
}

static aw_err build_member(der_builder *b, const esipa_member *m, const json_t *value)
{
    uint8_t octets[ID_MAX];
    size_t n = 0;
    const char *text = json_string_value(value);
    if (text != NULL)
        n = json_string_length(value);
    switch (m->kind) {
    case ESIPA_MEMBER_TLV:
    case ESIPA_MEMBER_WRAPPED:
    case ESIPA_MEMBER_OCTETS:
        return build_bytes(b, m, value);
    case ESIPA_MEMBER_HEX:
        if (text == NULL || n > 2 * ID_MAX ||
            aw_hex_decode(text, octets, sizeof(octets), &n) != AW_OK || n < m->min || n > m->max)
            return AW_ERR_ESIPA_JSON_INVALID;
        der_put_tlv(b, m->tag, octets, n);
        return AW_OK;
    case ESIPA_MEMBER_TEXT:
        if (text == NULL || n < m->min || n > m->max)
            return AW_ERR_ESIPA_JSON_INVALID;
        der_put_tlv(b, m->tag, (const uint8_t *)text, n);
        return AW_OK;
    case ESIPA_MEMBER_EID:
        if (text == NULL || n != 32 || strspn(text, "0123456789") != 32 ||
            aw_hex_decode(text, octets, 16, &n) != AW_OK)
            return AW_ERR_ESIPA_JSON_INVALID;
        der_put_tlv(b, m->tag, octets, 16);
        return AW_OK;
    case ESIPA_MEMBER_FLAG:
        /* a NULL present or absent: false means the component is left out */
        if (!json_is_boolean(value))
            return AW_ERR_ESIPA_JSON_INVALID;
        if (json_is_true(value))
            der_put_null(b, m->tag);
        return AW_OK;
    case ESIPA_MEMBER_INTEGER:
        if (!json_is_integer(value))
            return AW_ERR_ESIPA_JSON_INVALID;
        der_put_int64(b, m->tag, json_integer_value(value));
        return AW_OK;
    }
    return AW_ERR_ESIPA_JSON_INVALID;
}

aw_err esipa_json_build(const esipa_shape *shape, const json_t *root, uint8_t **der,
                        size_t *der_len, const char **member)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, shape->outer);
    if (shape->inner != 0)
        der_builder_begin(&b, shape->inner);
    aw_err err = AW_OK;
    size_t present = 0;
    for (size_t i = 0; err == AW_OK && i < shape->count; i++) {
        const esipa_member *m = &shape->members[i];
        const json_t *value = json_object_get(root, m->name);
        if (value == NULL && !m->optional)
            err = AW_ERR_ESIPA_JSON_MISSING;
        else if (value != NULL && !(shape->choice && present > 0))
            err = build_member(&b, m, value);
        else if (value != NULL)
            err = AW_ERR_ESIPA_JSON_INVALID; /* a second alternative of a CHOICE */
        if (value != NULL)
            present++;
        if (err != AW_OK)
            *member = m->name;
    }
    if (err == AW_OK && shape->choice && present == 0) {
        if (shape->empty_allowed) {
            der_put_tlv(&b, shape->empty_tag, NULL, 0);
        } else {
            err = AW_ERR_ESIPA_JSON_MISSING;
            *member = shape->blame;
        }
    }
    if (shape->inner != 0)
        der_builder_end(&b);
    der_builder_end(&b);
    if (err != AW_OK) {
        der_builder_free(&b);
        return err;
    }
    /* no bound of its own: the DER is smaller than the bounded JSON */
    return der_builder_finish(&b, der, der_len);
}

/* ---- requests ----------------------------------------------------------------- */

aw_err sgp32_esipa_json_encode_request(const uint8_t *der, size_t len,
                                       sgp32_esipa_json_function *function, char **json,
                                       size_t *json_len)
{
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if (der == NULL || function == NULL || json == NULL || json_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(der, len, m);
    if (err == AW_OK) {
        switch (m->kind) {
        case SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST:
            *function = SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION;
            break;
        case SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST:
            *function = SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT;
            break;
        case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST:
            *function = SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE;
            break;
        case SGP32_ESIPA_CANCEL_SESSION_REQUEST:
            *function = SGP32_ESIPA_JSON_CANCEL_SESSION;
            break;
        case SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST:
            *function = SGP32_ESIPA_JSON_GET_EIM_PACKAGE;
            break;
        case SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT:
            *function = SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT;
            break;
        case SGP32_ESIPA_HANDLE_NOTIFICATION:
            *function = SGP32_ESIPA_JSON_HANDLE_NOTIFICATION;
            if (m->handle_notification.kind != SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION)
                err = AW_ERR_STATE; /* 6.4.1.7 carries a pendingNotification only */
            break;
        default:
            err = AW_ERR_STATE; /* TransferEimPackage: the eIM's request, not the IPA's */
            break;
        }
    }
    json_t *root = err == AW_OK ? json_object() : NULL;
    der_node outer;
    if (err == AW_OK && root == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = der_decode_single(m->raw.ptr, m->raw.len, &outer);
    if (err == AW_OK)
        err = esipa_json_put_members(root, &request_shapes[*function], outer.value);
    if (err == AW_OK)
        err = esipa_json_dump(root, json, json_len);
    json_decref(root);
    free(m);
    return err;
}

const char *sgp32_esipa_json_principal_member(sgp32_esipa_json_function function)
{
    return (unsigned)function < SGP32_ESIPA_JSON_FUNCTION_COUNT ? request_shapes[function].blame
                                                                : NULL;
}

aw_err sgp32_esipa_json_decode_request(sgp32_esipa_json_function function, const uint8_t *json,
                                       size_t len, uint8_t **der, size_t *der_len,
                                       const char **member)
{
    const char *ignored = NULL;
    if (member == NULL)
        member = &ignored;
    *member = NULL;
    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if ((unsigned)function >= SGP32_ESIPA_JSON_FUNCTION_COUNT || (json == NULL && len != 0) ||
        der == NULL || der_len == NULL)
        return AW_ERR_ARGUMENT;
    const esipa_shape *shape = &request_shapes[function];
    json_t *root = esipa_json_load(json, len);
    if (root == NULL) {
        *member = "body";
        return AW_ERR_ESIPA_JSON_INVALID;
    }
    aw_err err = esipa_json_build(shape, root, der, der_len, member);
    json_decref(root);
    if (err != AW_OK)
        return err;
    /* the message as a whole, by the ASN.1 binding's codec */
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        err = AW_ERR_NOMEM;
    else if (sgp32_decode_esipa_message_from_ipa_to_eim(*der, *der_len, m) != AW_OK)
        err = AW_ERR_ESIPA_JSON_INVALID;
    free(m);
    if (err != AW_OK) {
        if (err == AW_ERR_ESIPA_JSON_INVALID)
            *member = shape->blame;
        free(*der);
        *der = NULL;
        *der_len = 0;
    }
    return err;
}
