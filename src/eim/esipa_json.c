/* airwrite eIM: the JSON binding of ESipa (SGP.32 6.4; paths
 * /gsma/rsp2/esipa/<function>, 6.4.1): InitiateAuthentication (6.4.1.1),
 * AuthenticateClient (6.4.1.2), GetBoundProfilePackage (6.4.1.3),
 * GetEimPackage (6.4.1.5), ProvideEimPackageResult (6.4.1.6),
 * HandleNotification (6.4.1.7) and CancelSession (6.4.1.8). Each request
 * is translated to its EsipaMessageFromIpaToEim (core/sgp32_esipa_json.h)
 * and served by the same code as the ASN.1 binding (eim_relay_serve: the
 * eIM Package functions here, the download functions relayed to the
 * SM-DP+), and its answer translated back, so both bindings share every
 * rule. TransferEimPackage (6.4.1.4) is the eIM's request to an IPA that
 * listens (ipaInjectHttps), not a function this server answers. */
#include <stdlib.h>

#include "core/sgp32_esipa_json.h"
#include "eim/eim_internal.h"

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
    sgp32_esipa_json_function function;
    if (sgp32_esipa_json_function_of_path(path, &function) != AW_OK)
        return AW_ERR_NOT_FOUND;
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0, answer_len = 0;
    const char *member = NULL;
    aw_err err = sgp32_esipa_json_decode_request(function, body, len, &request, &request_len,
                                                 &member);
    if (err == AW_ERR_ESIPA_JSON_MISSING || err == AW_ERR_ESIPA_JSON_INVALID) {
        /* SGP.22 6.5.1.4: the request is not one, the member named */
        *verdict = AW_ERR_ARGUMENT;
        return sgp32_esipa_json_encode_refusal(err == AW_ERR_ESIPA_JSON_MISSING, member, json,
                                               json_len);
    }
    if (err == AW_OK)
        err = eim_relay_serve(relay, context, request, request_len, now_ms, &answer, &answer_len,
                              verdict);
    if (err != AW_OK && !eim_internal_failure(err) && err != AW_ERR_NOMEM &&
        err != AW_ERR_ARGUMENT) {
        /* the translated message was refused as a whole (e.g. an
         * eimPackageResult that is none): its principal member was invalid */
        *verdict = err;
        err = sgp32_esipa_json_encode_refusal(false, sgp32_esipa_json_principal_member(function),
                                              json, json_len);
    } else if (err == AW_OK && answer != NULL) {
        err = sgp32_esipa_json_encode_answer(function, answer, answer_len, json, json_len);
    }
    /* HandleNotification: AW_OK without an answer (HTTP 204, as in 6.1) */
    free(request);
    free(answer);
    return err;
}
