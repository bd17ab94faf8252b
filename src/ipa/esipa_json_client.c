/* airwrite IPA: the ESipa client's JSON binding (SGP.32 6.4.1: POST of the
 * function's JSON request to /gsma/rsp2/esipa/<function>, with the 6.1
 * headers and Content-Type application/json). The message the caller built
 * for the ASN.1 binding is translated to the JSON request and the answer
 * back to its EsipaMessageFromEimToIpa (core/sgp32_esipa_json.h), so the
 * poll loop and the indirect download run unchanged over either binding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sgp32_esipa_json.h"
#include "ipa/esipa_internal.h"

/* POST the JSON request of message; the answer's status, type and body. */
static aw_err json_post(ipa_esipa *client, const uint8_t *message, size_t len, int *status,
                        const char **type, aw_slice *answer,
                        sgp32_esipa_json_function *function)
{
    char *json = NULL;
    size_t json_len = 0;
    char url[IPA_ESIPA_URL_MAX + 32];
    aw_err err = sgp32_esipa_json_encode_request(message, len, function, &json, &json_len);
    if (err != AW_OK)
        return err;
    int n = snprintf(url, sizeof(url), "%s%s", client->url,
                     sgp32_esipa_json_function_name(*function));
    if (n < 0 || (size_t)n >= sizeof(url))
        err = AW_ERR_ARGUMENT;
    else
        err = ipa_esipa_post(client, url, SGP32_ESIPA_JSON_CONTENT_TYPE, (const uint8_t *)json,
                             json_len, status, type, answer);
    free(json);
    return err;
}

/* application/json, parameters (";charset=UTF-8") allowed */
static bool json_type(const char *value)
{
    static const char expected[] = "application/json";
    size_t n = sizeof(expected) - 1;
    return value != NULL && strncasecmp(value, expected, n) == 0 &&
           (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

aw_err ipa_esipa_json_exchange(ipa_esipa *client, const uint8_t *message, size_t len,
                               sgp32_esipa_eim_to_ipa_kind expected,
                               sgp32_esipa_message_from_eim_to_ipa *answer)
{
    int status = 0;
    const char *type = NULL;
    aw_slice body = {NULL, 0};
    sgp32_esipa_json_function function;
    memset(answer, 0, sizeof(*answer));
    free(client->translated);
    client->translated = NULL;
    client->translated_len = 0;
    aw_err err = json_post(client, message, len, &status, &type, &body, &function);
    if (err != AW_OK)
        return err;
    /* SGP.32 6.4 / SGP.22 6.5.1: every answer with a body is 200 */
    if (status != 200)
        return AW_ERR_IPA_ESIPA_HTTP_STATUS;
    if (!json_type(type))
        return AW_ERR_IPA_ESIPA_RESPONSE;
    err = sgp32_esipa_json_decode_answer(function, body.ptr, body.len, &client->translated,
                                         &client->translated_len);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK ||
        sgp32_decode_esipa_message_from_eim_to_ipa(client->translated, client->translated_len,
                                                   answer) != AW_OK ||
        answer->kind != expected) {
        memset(answer, 0, sizeof(*answer));
        return AW_ERR_IPA_ESIPA_RESPONSE;
    }
    return AW_OK;
}

aw_err ipa_esipa_json_notify(ipa_esipa *client, const uint8_t *message, size_t len)
{
    int status = 0;
    const char *type = NULL;
    aw_slice body = {NULL, 0};
    sgp32_esipa_json_function function;
    aw_err err = json_post(client, message, len, &status, &type, &body, &function);
    if (err != AW_OK)
        return err;
    /* 6.4.1.7: a notification has no answer */
    return status == 204 ? AW_OK : AW_ERR_IPA_ESIPA_HTTP_STATUS;
}
