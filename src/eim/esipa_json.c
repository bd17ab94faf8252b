/* airwrite eIM: the JSON binding of ESipa (SGP.32 6.4; paths
 * /gsma/rsp2/esipa/<function>, 6.4.1) for GetEimPackage (6.4.1.5) and
 * ProvideEimPackageResult (6.4.1.6). Each request is translated to its
 * EsipaMessageFromIpaToEim and served by the same code as the ASN.1 binding
 * (eim_relay_serve), and its answer translated back, so both bindings
 * share every rule. EIDs travel as their 32 digits, eIM Package fields as
 * base64 of their DER (the SGP.22 6.5 conventions the 6.4 binding reuses),
 * error enumerations as integers, and header.functionExecutionStatus as in
 * SGP.22 6.5.1.4. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/sgp32_esipa.h"
#include "eim/eim_internal.h"

#define JSON_BODY_MAX EIM_ESIPA_BODY_MAX

typedef enum json_function {
    JSON_GET_EIM_PACKAGE,
    JSON_PROVIDE_EIM_PACKAGE_RESULT,
} json_function;

/* A request being read: the first failure and the member it concerns. */
typedef struct json_request {
    json_t *root;
    const char *reason; /* "2.1" invalid, "2.2" missing */
    const char *member;
} json_request;

static bool fail(json_request *r, const char *reason, const char *member)
{
    r->reason = reason;
    r->member = member;
    return false;
}

static bool get_eid(json_request *r, uint8_t eid[SGP32_EID_LENGTH])
{
    json_t *value = json_object_get(r->root, "eidValue");
    if (value == NULL)
        return fail(r, "2.2", "eidValue");
    const char *text = json_string_value(value);
    if (text == NULL || json_string_length(value) != EIM_EID_DIGITS ||
        eim_eid_to_octets(text, eid) != AW_OK)
        return fail(r, "2.1", "eidValue");
    return true;
}

static bool get_base64(json_request *r, const char *name, uint8_t **out, size_t *len)
{
    json_t *value = json_object_get(r->root, name);
    *out = NULL;
    if (value == NULL)
        return fail(r, "2.2", name);
    const char *text = json_string_value(value);
    size_t n = text != NULL ? json_string_length(value) : 0;
    size_t cap = aw_base64_decoded_max(n);
    if (n == 0 || (*out = malloc(cap + 1)) == NULL ||
        aw_base64_decode(text, n, *out, cap + 1, len) != AW_OK) {
        free(*out);
        *out = NULL;
        return fail(r, "2.1", name);
    }
    return true;
}

/* The ASN.1 message of a JSON request (NULL with r's failure set). */
static aw_err build_message(json_function function, json_request *r, uint8_t **out,
                            size_t *out_len)
{
    uint8_t eid[SGP32_EID_LENGTH];
    der_builder b;
    der_builder_init(&b);
    if (function == JSON_GET_EIM_PACKAGE) {
        if (!get_eid(r, eid))
            return AW_OK;
        der_builder_begin(&b, 0xBF4F);
        der_put_tlv(&b, 0x5A, eid, sizeof(eid));
        der_builder_end(&b);
        return der_builder_finish(&b, out, out_len);
    }
    uint8_t *result = NULL;
    size_t result_len = 0;
    bool has_eid = json_object_get(r->root, "eidValue") != NULL;
    if ((has_eid && !get_eid(r, eid)) || !get_base64(r, "eimPackageResult", &result, &result_len))
        return AW_OK;
    der_builder_begin(&b, 0xBF50);
    if (has_eid)
        der_put_tlv(&b, 0x5A, eid, sizeof(eid));
    der_put_raw(&b, result, result_len);
    der_builder_end(&b);
    free(result);
    return der_builder_finish(&b, out, out_len);
}

static bool put_base64(json_t *object, const char *name, aw_slice data)
{
    size_t cap = aw_base64_encoded_length(data.len) + 1;
    char *text = malloc(cap);
    bool ok = text != NULL && aw_base64_encode(data.ptr, data.len, text, cap) == AW_OK &&
              json_object_set_new(object, name, json_string(text)) == 0;
    free(text);
    return ok;
}

/* The JSON members of an ASN.1 answer. */
static aw_err translate_answer(const uint8_t *answer, size_t len, json_t *out)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_eim_to_ipa(answer, len, m);
    bool ok = err == AW_OK;
    if (ok && m->kind == SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE) {
        const sgp32_get_eim_package_response *g = &m->get_eim_package_response;
        switch (g->kind) {
        case SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST:
            ok = put_base64(out, "euiccPackageRequest", g->euicc_package_request.raw);
            break;
        case SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST:
            ok = put_base64(out, "ipaEuiccDataRequest", g->ipa_euicc_data_request.raw);
            break;
        case SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER:
            ok = put_base64(out, "profileDownloadTriggerRequest",
                            g->profile_download_trigger_request.raw);
            break;
        default:
            ok = json_object_set_new(out, "eimPackageError",
                                     json_integer(g->eim_package_error)) == 0;
            break;
        }
    } else if (ok && m->kind == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE) {
        const sgp32_provide_eim_package_result_response *p =
            &m->provide_eim_package_result_response;
        if (p->kind == SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS) {
            uint8_t *acks = NULL;
            size_t acks_len = 0;
            err = sgp32_encode_eim_acknowledgements(&p->eim_acknowledgements, &acks, &acks_len);
            ok = err == AW_OK &&
                 put_base64(out, "eimAcknowledgements", (aw_slice){acks, acks_len});
            free(acks);
        } else if (p->kind == SGP32_PROVIDE_RESULT_RESPONSE_ERROR)
            ok = json_object_set_new(out, "provideEimPackageResultError",
                                     json_integer(p->error)) == 0;
    } else if (ok) {
        err = AW_ERR_STATE; /* the answer of another function: not this binding's */
    }
    free(m);
    if (err == AW_OK && !ok)
        err = AW_ERR_NOMEM;
    return err;
}

/* header.functionExecutionStatus (SGP.22 6.5.1.4 conventions). */
static bool put_header(json_t *out, const json_request *r)
{
    json_t *execution = json_object(), *header = json_object();
    bool ok = execution != NULL && header != NULL;
    if (ok && r->reason == NULL) {
        ok = json_object_set_new(execution, "status", json_string("Executed-Success")) == 0;
    } else if (ok) {
        json_t *code = json_pack("{s:s, s:s, s:s}", "subjectCode", "1.2", "reasonCode", r->reason,
                                 "subjectIdentifier", r->member);
        ok = code != NULL &&
             json_object_set_new(execution, "status", json_string("Failed")) == 0 &&
             json_object_set_new(execution, "statusCodeData", code) == 0;
    }
    if (ok && json_object_set_new(header, "functionExecutionStatus", execution) == 0) {
        execution = NULL;
        ok = json_object_set_new(out, "header", header) == 0;
        header = NULL;
    } else {
        ok = false;
    }
    json_decref(execution);
    json_decref(header);
    return ok;
}

aw_err eim_esipa_json_serve(eim_relay *relay, const eim_context *context, const char *path,
                            const uint8_t *body, size_t len, int64_t now_ms, char **json,
                            size_t *json_len, aw_err *verdict)
{
    aw_err ignored;
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if (verdict == NULL)
        verdict = &ignored;
    *verdict = AW_OK;
    if (path == NULL || (body == NULL && len != 0) || json == NULL || json_len == NULL)
        return AW_ERR_ARGUMENT;
    json_function function;
    if (strcmp(path, EIM_ESIPA_JSON_PREFIX "getEimPackage") == 0)
        function = JSON_GET_EIM_PACKAGE;
    else if (strcmp(path, EIM_ESIPA_JSON_PREFIX "provideEimPackageResult") == 0)
        function = JSON_PROVIDE_EIM_PACKAGE_RESULT;
    else
        return AW_ERR_NOT_FOUND;
    json_request r = {.root = NULL, .reason = NULL, .member = NULL};
    json_t *out = json_object();
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0, answer_len = 0;
    aw_err err = out == NULL ? AW_ERR_NOMEM : AW_OK;
    json_error_t parse_error;
    if (err == AW_OK && len <= JSON_BODY_MAX)
        r.root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &parse_error);
    if (err == AW_OK && (r.root == NULL || !json_is_object(r.root)))
        fail(&r, "2.1", "body");
    if (err == AW_OK && r.reason == NULL)
        err = build_message(function, &r, &request, &request_len);
    if (err == AW_OK && r.reason == NULL)
        err = eim_relay_serve(relay, context, request, request_len, now_ms, &answer, &answer_len,
                              verdict);
    if (err != AW_OK && !eim_internal_failure(err) && err != AW_ERR_NOMEM && r.reason == NULL) {
        /* the translated message was refused as a whole (e.g. an
         * eimPackageResult that is not one): the member was invalid */
        *verdict = err;
        fail(&r, "2.1", function == JSON_GET_EIM_PACKAGE ? "eidValue" : "eimPackageResult");
        err = AW_OK;
    }
    if (err == AW_OK && r.reason == NULL && answer != NULL)
        err = translate_answer(answer, answer_len, out);
    if (err == AW_OK && !put_header(out, &r))
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        *json = json_dumps(out, JSON_COMPACT);
        if (*json == NULL)
            err = AW_ERR_NOMEM;
        else
            *json_len = strlen(*json);
    }
    if (r.reason != NULL && *verdict == AW_OK)
        *verdict = AW_ERR_ARGUMENT;
    json_decref(out);
    json_decref(r.root);
    free(request);
    free(answer);
    return err;
}
