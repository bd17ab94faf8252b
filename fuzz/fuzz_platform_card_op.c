/* libFuzzer target: the body of POST /api/v1/cards/{eid}/operations
 * (src/platform/card_ops.c platform_json_parse_card_op; platform.h "Card
 * operations"), outside input of the northbound API. Properties checked
 * beyond "no crash":
 * - AW_OK only with a known operation, an ICCID that passes the ITU-T
 *   E.118 check, and toIccid exactly for a switch, another valid ICCID;
 * - a refusal is AW_ERR_PLATFORM_JSON or AW_ERR_PLATFORM_FIELD with the
 *   request zeroed;
 * - an accepted request written back as JSON parses to the same request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zeroed(const platform_card_op_request *r)
{
    static const platform_card_op_request zero;
    return memcmp(r, &zero, sizeof(zero)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    platform_card_op_request request;
    aw_err err = platform_json_parse_card_op(data, size, &request);
    if (err != AW_OK) {
        if ((err != AW_ERR_PLATFORM_JSON && err != AW_ERR_PLATFORM_FIELD) || !zeroed(&request))
            abort();
        return 0;
    }
    const char *name = platform_card_op_kind_name(request.kind);
    bool is_switch = request.kind == PLATFORM_CARD_OP_SWITCH;
    if (name == NULL || platform_iccid_check(request.iccid) != AW_OK ||
        is_switch != (request.to_iccid[0] != '\0') ||
        (is_switch && (platform_iccid_check(request.to_iccid) != AW_OK ||
                       strcmp(request.iccid, request.to_iccid) == 0)))
        abort();
    json_t *root = json_pack("{s:s, s:s}", "operation", name, "iccid", request.iccid);
    if (root != NULL && is_switch)
        json_object_set_new(root, "toIccid", json_string(request.to_iccid));
    char *text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (text == NULL)
        return 0;
    platform_card_op_request again;
    if (platform_json_parse_card_op((const uint8_t *)text, strlen(text), &again) != AW_OK ||
        memcmp(&again, &request, sizeof(request)) != 0)
        abort();
    free(text);
    return 0;
}
