/* airwrite core: the JSON binding of ESipa (SGP.32 6.4.1), its answers:
 * header.functionExecutionStatus (SGP.22 6.5.1.4), the members of the Ok
 * alternatives of EsipaMessageFromEimToIpa, and the error alternatives as
 * "Failed" with the statusCodeData of the error tables (SGP.22 5.6.1-5.6.5,
 * whose subjectCode / reasonCode pairs the SGP32Definitions ...ErrorEsipa
 * values repeat; SGP.32's own: 8.31.2 eIM TransactionId, 8.8 SM-DP+). */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_esipa.h"
#include "core/sgp32_esipa_json_internal.h"
#include "core/sgp32_tags.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define UNDEFINED_ERROR 127
/* SGP.22 6.5.1.4: what a function without its own code reports */
#define EXECUTION_SUBJECT "1.2"
#define EXECUTION_REASON "4.2"

/* ---- the Ok members (SGP.32 6.4.1.x response bodies) ---------------------- */

/* 6.4.1.1, InitiateAuthenticationOkEsipa */
static const esipa_member initiate_ok[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, true, 1, 16},
    {"serverSigned1", ESIPA_MEMBER_TLV, DER_TAG_SEQUENCE, DER_TAG_SEQUENCE, false, 0, 0},
    {"serverSignature1", ESIPA_MEMBER_TLV, SGP32_TAG_EIM_SIGNATURE, SGP32_TAG_EIM_SIGNATURE, false,
     0, 0},
    {"euiccCiPKIdentifierToBeUsed", ESIPA_MEMBER_TLV, DER_TAG_OCTET_STRING, DER_TAG_OCTET_STRING,
     false, 0, 0},
    {"serverCertificate", ESIPA_MEMBER_TLV, DER_TAG_SEQUENCE, DER_TAG_SEQUENCE, false, 0, 0},
    {"matchingId", ESIPA_MEMBER_TEXT, DER_TAG_UTF8_STRING, 0, true, 0, 255},
    {"ctxParams1", ESIPA_MEMBER_WRAPPED, DER_CTX_CONS(2), 0, true, 0, 0},
};

/* 6.4.1.2, AuthenticateClientOkDPEsipa */
static const esipa_member authenticate_ok_dp[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, true, 1, 16},
    {"profileMetadata", ESIPA_MEMBER_TLV, SGP32_TAG_STORE_METADATA_REQUEST,
     SGP32_TAG_STORE_METADATA_REQUEST, true, 0, 0},
    {"smdpSigned2", ESIPA_MEMBER_TLV, DER_TAG_SEQUENCE, DER_TAG_SEQUENCE, false, 0, 0},
    {"smdpSignature2", ESIPA_MEMBER_TLV, SGP32_TAG_EIM_SIGNATURE, SGP32_TAG_EIM_SIGNATURE, false,
     0, 0},
    {"smdpCertificate", ESIPA_MEMBER_TLV, DER_TAG_SEQUENCE, DER_TAG_SEQUENCE, false, 0, 0},
    {"hashCc", ESIPA_MEMBER_TLV, DER_TAG_OCTET_STRING, DER_TAG_OCTET_STRING, true, 0, 0},
};

/* 6.4.1.2, AuthenticateClientOkDSEsipa */
static const esipa_member authenticate_ok_ds[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, false, 1, 16},
    {"profileDownloadTrigger", ESIPA_MEMBER_TLV, SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER,
     SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, true, 0, 0},
};

/* 6.4.1.3, GetBoundProfilePackageOkEsipa */
static const esipa_member bpp_ok[] = {
    {"transactionId", ESIPA_MEMBER_HEX, DER_CTX(0), 0, true, 1, 16},
    {"boundProfilePackage", ESIPA_MEMBER_TLV, SGP32_TAG_BOUND_PROFILE_PACKAGE,
     SGP32_TAG_BOUND_PROFILE_PACKAGE, false, 0, 0},
};

/* 6.4.1.5, GetEimPackageResponse: one of */
static const esipa_member get_package_answer[] = {
    {"euiccPackageRequest", ESIPA_MEMBER_TLV, SGP32_TAG_EUICC_PACKAGE, SGP32_TAG_EUICC_PACKAGE,
     true, 0, 0},
    {"ipaEuiccDataRequest", ESIPA_MEMBER_TLV, SGP32_TAG_IPA_EUICC_DATA, SGP32_TAG_IPA_EUICC_DATA,
     true, 0, 0},
    {"profileDownloadTriggerRequest", ESIPA_MEMBER_TLV, SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER,
     SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, true, 0, 0},
    {"eimPackageError", ESIPA_MEMBER_INTEGER, DER_TAG_INTEGER, 0, true, 0, 0},
};

/* 6.4.1.6, ProvideEimPackageResultResponse: one of, none is emptyResponse */
static const esipa_member provide_answer[] = {
    {"eimAcknowledgements", ESIPA_MEMBER_TLV, SGP32_TAG_EIM_ACKNOWLEDGEMENTS,
     SGP32_TAG_EIM_ACKNOWLEDGEMENTS, true, 0, 0},
    {"provideEimPackageResultError", ESIPA_MEMBER_INTEGER, DER_TAG_INTEGER, 0, true, 0, 0},
};

static const esipa_member no_members[] = {{NULL, ESIPA_MEMBER_FLAG, 0, 0, true, 0, 0}};

/* One function's answer: its Ok shape (and AuthenticateClient's DS one),
 * its error alternative's tag, its message kind. */
typedef struct answer_form {
    esipa_shape ok;
    esipa_shape ds;           /* outer 0: none */
    uint32_t error_tag;       /* [n] INTEGER; 0: the error is a member (choice) */
    sgp32_esipa_eim_to_ipa_kind kind;
} answer_form;

#define OK_SHAPE(tag, m) {(tag), DER_CTX_CONS(0), (m), COUNT(m), false, false, 0, NULL}
#define NO_SHAPE {0, 0, NULL, 0, false, false, 0, NULL}

static const answer_form answers[SGP32_ESIPA_JSON_FUNCTION_COUNT] = {
    [SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION] =
        {OK_SHAPE(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, initiate_ok), NO_SHAPE, DER_CTX(1),
         SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE},
    [SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT] =
        {OK_SHAPE(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, authenticate_ok_dp),
         {SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, DER_CTX_CONS(1), authenticate_ok_ds,
          COUNT(authenticate_ok_ds), false, false, 0, NULL},
         DER_CTX(2), SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE},
    [SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE] =
        {OK_SHAPE(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA, bpp_ok), NO_SHAPE, DER_CTX(1),
         SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE},
    [SGP32_ESIPA_JSON_GET_EIM_PACKAGE] =
        {{SGP32_TAG_GET_EIM_PACKAGE, 0, get_package_answer, COUNT(get_package_answer), true,
          false, 0, "body"},
         NO_SHAPE, 0, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE},
    [SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT] =
        {{SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, 0, provide_answer, COUNT(provide_answer), true,
          true, DER_TAG_SEQUENCE, "body"},
         NO_SHAPE, 0, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE},
    [SGP32_ESIPA_JSON_HANDLE_NOTIFICATION] = {NO_SHAPE, NO_SHAPE, 0, SGP32_ESIPA_EIM_TO_IPA_NONE},
    [SGP32_ESIPA_JSON_CANCEL_SESSION] =
        {{SGP32_TAG_CANCEL_SESSION_ESIPA, DER_CTX_CONS(0), no_members, 0, false, false, 0, NULL},
         NO_SHAPE, DER_CTX(1), SGP32_ESIPA_CANCEL_SESSION_RESPONSE},
};

/* ---- error value <-> statusCodeData ------------------------------------------ */

typedef struct status_code {
    sgp32_esipa_json_function function;
    const char *subject;
    const char *reason;
    int64_t error;
} status_code;

/* The first pair of an error value is the one written; all are read. */
static const status_code status_codes[] = {
    /* SGP.22 5.6.1 -> InitiateAuthenticationErrorEsipa */
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8.1", "3.8",
     SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8.3", "3.1",
     SGP32_INITIATE_AUTHENTICATION_EUICC_VERSION_NOT_SUPPORTED_BY_DP},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8.2", "3.1",
     SGP32_INITIATE_AUTHENTICATION_CI_PK_ID_NOT_SUPPORTED},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8.4", "3.7",
     SGP32_INITIATE_AUTHENTICATION_CI_PK_ID_NOT_SUPPORTED},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8.1", "3.10",
     SGP32_INITIATE_AUTHENTICATION_SMDP_ADDRESS_MISMATCH},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.8", "3.10",
     SGP32_INITIATE_AUTHENTICATION_SMDP_OID_MISMATCH},
    {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, "8.31.2", "3.10",
     SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID},
    /* SGP.22 5.6.3 -> AuthenticateClientErrorEsipa */
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1.2", "6.1",
     SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_INVALID},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1.2", "6.3",
     SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_EXPIRED},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1.3", "6.1",
     SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_INVALID},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1.3", "6.3",
     SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_EXPIRED},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1", "6.1",
     SGP32_AUTHENTICATE_CLIENT_EUICC_SIGNATURE_INVALID},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.2.6", "3.8",
     SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1.1", "3.8", SGP32_AUTHENTICATE_CLIENT_EID_MISMATCH},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.2.5", "4.3",
     SGP32_AUTHENTICATE_CLIENT_NO_ELIGIBLE_PROFILE},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.2", "1.2",
     SGP32_AUTHENTICATE_CLIENT_NO_ELIGIBLE_PROFILE},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.11.1", "3.9", SGP32_AUTHENTICATE_CLIENT_CI_PK_UNKNOWN},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.10.1", "3.9",
     SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.1", "4.8",
     SGP32_AUTHENTICATE_CLIENT_INSUFFICIENT_MEMORY},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.8.5", "4.10",
     SGP32_AUTHENTICATE_CLIENT_DOWNLOAD_ORDER_EXPIRED},
    {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, "8.2.8", "1.2",
     SGP32_AUTHENTICATE_CLIENT_PPR_NOT_ALLOWED},
    /* SGP.22 5.6.2 -> GetBoundProfilePackageErrorEsipa */
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.1", "6.1",
     SGP32_GET_BPP_EUICC_SIGNATURE_INVALID},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.2.7", "2.2",
     SGP32_GET_BPP_CONFIRMATION_CODE_MISSING},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.2.7", "3.8",
     SGP32_GET_BPP_CONFIRMATION_CODE_REFUSED},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.2.7", "6.4",
     SGP32_GET_BPP_CONFIRMATION_CODE_RETRIES_EXCEEDED},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.2", "3.7", SGP32_GET_BPP_REBINDING_REFUSED},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.2.9", "3.11", SGP32_GET_BPP_METADATA_MISMATCH},
    {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, "8.10.1", "3.9",
     SGP32_GET_BPP_INVALID_TRANSACTION_ID},
    /* SGP.22 5.6.5 -> CancelSessionErrorEsipa */
    {SGP32_ESIPA_JSON_CANCEL_SESSION, "8.10.1", "3.9", SGP32_CANCEL_SESSION_INVALID_TRANSACTION_ID},
    {SGP32_ESIPA_JSON_CANCEL_SESSION, "8.1", "6.1", SGP32_CANCEL_SESSION_EUICC_SIGNATURE_INVALID},
    /* the EID of GetEimPackage / ProvideEimPackageResult (read only) */
    {SGP32_ESIPA_JSON_GET_EIM_PACKAGE, "8.1.1", "3.7",
     SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE},
    {SGP32_ESIPA_JSON_GET_EIM_PACKAGE, "8.1.1", "3.9", SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND},
    {SGP32_ESIPA_JSON_GET_EIM_PACKAGE, "8.1.1", "2.1", SGP32_EIM_PACKAGE_ERROR_INVALID_EID},
    {SGP32_ESIPA_JSON_GET_EIM_PACKAGE, "8.1.1", "2.2", SGP32_EIM_PACKAGE_ERROR_MISSING_EID},
    {SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, "8.1.1", "3.9",
     SGP32_PROVIDE_RESULT_EID_NOT_FOUND},
    {SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, "8.1.1", "2.1", SGP32_PROVIDE_RESULT_INVALID_EID},
    {SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, "8.1.1", "2.2", SGP32_PROVIDE_RESULT_MISSING_EID},
};

static const status_code *code_of_error(sgp32_esipa_json_function f, int64_t error)
{
    for (size_t i = 0; i < COUNT(status_codes); i++) {
        if (status_codes[i].function == f && status_codes[i].error == error)
            return &status_codes[i];
    }
    return NULL;
}

static int64_t error_of_code(sgp32_esipa_json_function f, const char *subject, const char *reason)
{
    for (size_t i = 0; subject != NULL && reason != NULL && i < COUNT(status_codes); i++) {
        if (status_codes[i].function == f && strcmp(status_codes[i].subject, subject) == 0 &&
            strcmp(status_codes[i].reason, reason) == 0)
            return status_codes[i].error;
    }
    return UNDEFINED_ERROR;
}

/* header.functionExecutionStatus: Executed-Success (subject NULL) or Failed. */
static aw_err put_header(json_t *out, const char *subject, const char *reason,
                         const char *identifier)
{
    json_t *execution = subject == NULL
                            ? json_pack("{s:s}", "status", "Executed-Success")
                            : json_pack("{s:s, s:{s:s, s:s}}", "status", "Failed",
                                        "statusCodeData", "subjectCode", subject, "reasonCode",
                                        reason);
    if (execution != NULL && identifier != NULL &&
        json_object_set_new(json_object_get(execution, "statusCodeData"), "subjectIdentifier",
                            json_string(identifier)) != 0) {
        json_decref(execution);
        execution = NULL;
    }
    json_t *header = execution != NULL ? json_pack("{s:o}", "functionExecutionStatus", execution)
                                       : NULL;
    return header != NULL && json_object_set_new(out, "header", header) == 0 ? AW_OK
                                                                             : AW_ERR_NOMEM;
}

aw_err sgp32_esipa_json_encode_refusal(bool missing, const char *member, char **json,
                                       size_t *json_len)
{
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if (member == NULL || json == NULL || json_len == NULL)
        return AW_ERR_ARGUMENT;
    json_t *root = json_object();
    aw_err err = root == NULL ? AW_ERR_NOMEM
                              : put_header(root, "1.2", missing ? "2.2" : "2.1", member);
    if (err == AW_OK)
        err = esipa_json_dump(root, json, json_len);
    json_decref(root);
    return err;
}

/* ---- server side: the answer as JSON ------------------------------------------- */

static aw_err encode_answer(sgp32_esipa_json_function f, const der_node *outer, json_t *out)
{
    const answer_form *form = &answers[f];
    if (form->error_tag == 0) { /* GetEimPackage / ProvideEimPackageResult: members */
        aw_err err = put_header(out, NULL, NULL, NULL);
        return err == AW_OK ? esipa_json_put_members(out, &form->ok, outer->value) : err;
    }
    der_node alternative;
    aw_err err = der_decode_single(outer->value.ptr, outer->value.len, &alternative);
    if (err != AW_OK)
        return err;
    if (alternative.tag == form->error_tag) {
        int64_t error = UNDEFINED_ERROR;
        if (der_node_get_int64(&alternative, &error) != AW_OK)
            return AW_ERR_ESIPA_JSON_INVALID;
        const status_code *code = code_of_error(f, error);
        return put_header(out, code != NULL ? code->subject : EXECUTION_SUBJECT,
                          code != NULL ? code->reason : EXECUTION_REASON, NULL);
    }
    const esipa_shape *shape = alternative.tag == form->ok.inner ? &form->ok : &form->ds;
    err = put_header(out, NULL, NULL, NULL);
    return err == AW_OK ? esipa_json_put_members(out, shape, alternative.value) : err;
}

aw_err sgp32_esipa_json_encode_answer(sgp32_esipa_json_function function, const uint8_t *der,
                                      size_t len, char **json, size_t *json_len)
{
    if (json != NULL)
        *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    if ((unsigned)function >= SGP32_ESIPA_JSON_FUNCTION_COUNT || der == NULL || json == NULL ||
        json_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_eim_to_ipa(der, len, m);
    if (err == AW_OK && (answers[function].kind == SGP32_ESIPA_EIM_TO_IPA_NONE ||
                         m->kind != answers[function].kind))
        err = AW_ERR_STATE;
    free(m);
    der_node outer;
    json_t *root = NULL;
    if (err == AW_OK)
        err = der_decode_single(der, len, &outer);
    if (err == AW_OK && (root = json_object()) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = encode_answer(function, &outer, root);
    if (err == AW_OK)
        err = esipa_json_dump(root, json, json_len);
    json_decref(root);
    return err;
}

/* ---- client side: the answer as ASN.1 -------------------------------------------- */

/* Executed-Success / -WithWarning true, Failed / Expired false with the
 * codes (NULL when absent); AW_ERR_ESIPA_JSON_INVALID for no known status. */
static aw_err read_status(const json_t *root, bool *success, const char **subject,
                          const char **reason)
{
    const json_t *execution =
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *status = json_string_value(json_object_get(execution, "status"));
    const json_t *data = json_object_get(execution, "statusCodeData");
    *subject = json_string_value(json_object_get(data, "subjectCode"));
    *reason = json_string_value(json_object_get(data, "reasonCode"));
    if (status == NULL)
        return AW_ERR_ESIPA_JSON_INVALID;
    if (strcmp(status, "Executed-Success") == 0 || strcmp(status, "Executed-WithWarning") == 0)
        *success = true;
    else if (strcmp(status, "Failed") == 0 || strcmp(status, "Expired") == 0)
        *success = false;
    else
        return AW_ERR_ESIPA_JSON_INVALID;
    return AW_OK;
}

static aw_err build_error(sgp32_esipa_json_function f, int64_t error, uint8_t **der,
                          size_t *der_len)
{
    const answer_form *form = &answers[f];
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, form->ok.outer);
    der_put_int64(&b, form->error_tag != 0 ? form->error_tag : DER_TAG_INTEGER, error);
    der_builder_end(&b);
    return der_builder_finish(&b, der, der_len);
}

aw_err sgp32_esipa_json_decode_answer(sgp32_esipa_json_function function, const uint8_t *json,
                                      size_t len, uint8_t **der, size_t *der_len)
{
    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if ((unsigned)function >= SGP32_ESIPA_JSON_FUNCTION_COUNT || (json == NULL && len != 0) ||
        der == NULL || der_len == NULL)
        return AW_ERR_ARGUMENT;
    const answer_form *form = &answers[function];
    if (form->kind == SGP32_ESIPA_EIM_TO_IPA_NONE)
        return AW_ERR_STATE;
    json_t *root = esipa_json_load(json, len);
    bool success = false;
    const char *subject = NULL, *reason = NULL, *member = NULL;
    aw_err err = root != NULL ? read_status(root, &success, &subject, &reason)
                              : AW_ERR_ESIPA_JSON_INVALID;
    if (err == AW_OK && !success) {
        err = build_error(function, error_of_code(function, subject, reason), der, der_len);
    } else if (err == AW_OK) {
        /* AuthenticateClient: the DS alternative is the one without smdpSigned2 */
        const esipa_shape *shape =
            form->ds.outer != 0 && json_object_get(root, "smdpSigned2") == NULL ? &form->ds
                                                                                : &form->ok;
        err = esipa_json_build(shape, root, der, der_len, &member);
        if (err == AW_ERR_ESIPA_JSON_MISSING)
            err = AW_ERR_ESIPA_JSON_INVALID; /* an answer without a member it needs */
    }
    json_decref(root);
    sgp32_esipa_message_from_eim_to_ipa *m = err == AW_OK ? calloc(1, sizeof(*m)) : NULL;
    if (err == AW_OK && m == NULL)
        err = AW_ERR_NOMEM;
    else if (err == AW_OK && (sgp32_decode_esipa_message_from_eim_to_ipa(*der, *der_len, m) != AW_OK ||
                              m->kind != form->kind))
        err = AW_ERR_ESIPA_JSON_INVALID;
    free(m);
    if (err != AW_OK) {
        free(*der);
        *der = NULL;
        *der_len = 0;
    }
    return err;
}
