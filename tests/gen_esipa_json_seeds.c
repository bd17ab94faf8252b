/* Writes the seed corpora of fuzz_esipa_json and of the JSON download
 * functions in fuzz_eim_esipa_json (run by hand, not a test):
 *   gen_esipa_json_seeds fuzz/corpus
 * Each seed is the target's selector byte and a JSON body the project's
 * own translation made from the vectors of esipa_json_vectors.h
 * (fuzz_esipa_json: function in bits 0-2, bit 3 a request;
 * fuzz_eim_esipa_json: the function, see that target). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/sgp32_esipa_json.h"
#include "esipa_json_vectors.h"

static int write_seed(const char *dir, const char *target, const char *name, uint8_t selector,
                      const char *json)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || json == NULL)
        return 1;
    int bad = fwrite(&selector, 1, 1, f) != 1 || fwrite(json, 1, strlen(json), f) != strlen(json);
    return (fclose(f) != 0) | bad;
}

static char *request_of(const char *hex, sgp32_esipa_json_function *function)
{
    uint8_t der[1024];
    size_t len = 0, json_len = 0;
    char *json = NULL;
    if (aw_hex_decode(hex, der, sizeof(der), &len) != AW_OK ||
        sgp32_esipa_json_encode_request(der, len, function, &json, &json_len) != AW_OK)
        return NULL;
    return json;
}

static char *answer_of(sgp32_esipa_json_function function, const char *hex)
{
    uint8_t der[1024];
    size_t len = 0, json_len = 0;
    char *json = NULL;
    if (aw_hex_decode(hex, der, sizeof(der), &len) != AW_OK ||
        sgp32_esipa_json_encode_answer(function, der, len, &json, &json_len) != AW_OK)
        return NULL;
    return json;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int failures = 0, n = 0;
    char name[32];
    static const char *const requests[] = {IA_REQ, AC_REQ, BPP_REQ, CS_REQ,
                                           GEP_REQ, PEPR_REQ, HN_REQ};
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        sgp32_esipa_json_function f = SGP32_ESIPA_JSON_FUNCTION_COUNT;
        char *json = request_of(requests[i], &f);
        snprintf(name, sizeof(name), "seed_%02d", ++n);
        failures += write_seed(dir, "fuzz_esipa_json", name, (uint8_t)(8u | f), json);
        /* the eIM's target: AuthenticateClient, GetBoundProfilePackage and
         * CancelSession reach the relay without an SM-DP+ (no download) */
        uint8_t selector = f == SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT        ? 2
                           : f == SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE ? 3
                           : f == SGP32_ESIPA_JSON_CANCEL_SESSION            ? 4
                                                                             : 0;
        if (selector != 0) {
            snprintf(name, sizeof(name), "json_seed_%02d", (int)selector);
            failures += write_seed(dir, "fuzz_eim_esipa_json", name, selector, json);
        }
        free(json);
    }
    static const struct {
        sgp32_esipa_json_function function;
        const char *hex;
    } answers[] = {
        {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, IA_OK},
        {SGP32_ESIPA_JSON_INITIATE_AUTHENTICATION, IA_ERR},
        {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_OK_DP},
        {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_OK_DS},
        {SGP32_ESIPA_JSON_AUTHENTICATE_CLIENT, AC_ERR},
        {SGP32_ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE, BPP_OK},
        {SGP32_ESIPA_JSON_CANCEL_SESSION, CS_OK},
        {SGP32_ESIPA_JSON_GET_EIM_PACKAGE, GEP_ERR},
        {SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, PEPR_ACK},
        {SGP32_ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, PEPR_ERR},
    };
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        char *json = answer_of(answers[i].function, answers[i].hex);
        snprintf(name, sizeof(name), "seed_%02d", ++n);
        failures += write_seed(dir, "fuzz_esipa_json", name, (uint8_t)answers[i].function, json);
        free(json);
    }
    return failures != 0;
}
