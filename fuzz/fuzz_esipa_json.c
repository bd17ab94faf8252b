/* libFuzzer target: the JSON binding of ESipa as a translation
 * (core/sgp32_esipa_json.h, SGP.32 6.4.1), both sides. The first byte
 * picks the function (bits 0-2, modulo the seven functions) and the side
 * (bit 3: the server reading a request; clear: the IPA reading an
 * answer); the rest is the JSON body. Properties checked beyond "no
 * crash": a request is either translated to a message that the JSON side
 * gives back byte for byte (DER -> JSON -> DER), or refused as missing or
 * invalid with a member named; an answer is either translated to a message
 * whose JSON translates back to the same bytes, or refused as invalid. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_esipa_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(sgp32_esipa_json_function function, const uint8_t *body, size_t len)
{
    uint8_t *der = NULL, *again = NULL;
    size_t der_len = 0, again_len = 0, json_len = 0;
    const char *member = NULL;
    char *json = NULL;
    sgp32_esipa_json_function back = SGP32_ESIPA_JSON_FUNCTION_COUNT;
    aw_err err = sgp32_esipa_json_decode_request(function, body, len, &der, &der_len, &member);
    if (err == AW_ERR_ESIPA_JSON_MISSING || err == AW_ERR_ESIPA_JSON_INVALID) {
        if (member == NULL || der != NULL)
            abort();
        return;
    }
    if (err != AW_OK)
        abort();
    /* a HandleNotification is always the pendingNotification alternative */
    if (sgp32_esipa_json_encode_request(der, der_len, &back, &json, &json_len) != AW_OK ||
        back != function ||
        sgp32_esipa_json_decode_request(function, (const uint8_t *)json, json_len, &again,
                                        &again_len, NULL) != AW_OK ||
        again_len != der_len || memcmp(again, der, der_len) != 0)
        abort();
    free(again);
    free(json);
    free(der);
}

static void answer(sgp32_esipa_json_function function, const uint8_t *body, size_t len)
{
    uint8_t *der = NULL, *again = NULL;
    size_t der_len = 0, again_len = 0, json_len = 0;
    char *json = NULL;
    aw_err err = sgp32_esipa_json_decode_answer(function, body, len, &der, &der_len);
    if (err == AW_ERR_ESIPA_JSON_INVALID ||
        (err == AW_ERR_STATE && function == SGP32_ESIPA_JSON_HANDLE_NOTIFICATION)) {
        if (der != NULL)
            abort();
        return;
    }
    if (err != AW_OK)
        abort();
    if (sgp32_esipa_json_encode_answer(function, der, der_len, &json, &json_len) != AW_OK ||
        sgp32_esipa_json_decode_answer(function, (const uint8_t *)json, json_len, &again,
                                       &again_len) != AW_OK ||
        again_len != der_len || memcmp(again, der, der_len) != 0)
        abort();
    free(again);
    free(json);
    free(der);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    sgp32_esipa_json_function function =
        (sgp32_esipa_json_function)((data[0] & 7u) % SGP32_ESIPA_JSON_FUNCTION_COUNT);
    if (data[0] & 8u)
        request(function, data + 1, size - 1);
    else
        answer(function, data + 1, size - 1);
    return 0;
}
