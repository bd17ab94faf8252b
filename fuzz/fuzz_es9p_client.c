/* libFuzzer target: the ES9+ client's parsers of outside input
 * (src/core/es9p_client.h, SGP.22 6.5 JSON binding): the SM-DP+'s answers
 * (es9p_client_parse_response) and, for callers that relay what an IPA
 * sent, the request DER (es9p_client_encode_request). The first byte picks
 * the function (bits 0-2, modulo 5), the parser (bit 3: request) and the
 * HTTP status (bit 4: 204, else 200). Properties checked beyond "no crash":
 * - an answer with success carries the response DER of its function: one
 *   TLV with the function's tag whose [0] Ok alternative is all there is;
 *   a Failed answer carries its codes and no response;
 * - a request accepted becomes one JSON object with one member per
 *   component of the function's message. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/der.h"
#include "core/es9p_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t response_tags[ES9P_CLIENT_FUNCTION_COUNT] = {0xBF39, 0xBF3B, 0xBF3A, 0,
                                                                   0xBF41};
static const size_t request_members[ES9P_CLIENT_FUNCTION_COUNT] = {3, 2, 2, 1, 2};

static void check_response(es9p_client_function function, const es9p_client_result *r)
{
    if (r->status.outcome == ES9P_CLIENT_FAILED) {
        if (r->response != NULL || r->status.subject_code[0] == '\0' ||
            r->status.reason_code[0] == '\0')
            abort();
        return;
    }
    if (r->status.outcome == ES9P_CLIENT_EXPIRED || function == ES9P_CLIENT_HANDLE_NOTIFICATION) {
        if (r->response != NULL)
            abort();
        return;
    }
    der_node node, ok;
    der_reader top, inner;
    der_reader_init(&top, r->response, r->response_len);
    if (r->response == NULL || der_read_node(&top, &node) != AW_OK ||
        der_reader_finish(&top) != AW_OK || node.tag != response_tags[function] ||
        der_reader_enter(&top, &node, &inner) != AW_OK ||
        der_read_expect(&inner, 0xA0, &ok) != AW_OK || der_reader_finish(&inner) != AW_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    es9p_client_function function = (es9p_client_function)((data[0] & 7u) % 5u);
    if (data[0] & 8u) {
        char *json = NULL;
        size_t json_len = 0;
        if (es9p_client_encode_request(function, data + 1, size - 1, &json, &json_len) == AW_OK) {
            json_t *root = json_loadb(json, json_len, 0, NULL);
            if (root == NULL || !json_is_object(root) ||
                json_object_size(root) != request_members[function])
                abort();
            json_decref(root);
        } else if (json != NULL || json_len != 0) {
            abort();
        }
        free(json);
        return 0;
    }
    es9p_client_result result;
    int status = (data[0] & 16u) ? 204 : 200;
    if (es9p_client_parse_response(function, status, data + 1, size - 1, &result) == AW_OK)
        check_response(function, &result);
    else if (result.response != NULL || result.response_len != 0)
        abort();
    es9p_client_result_clear(&result);
    return 0;
}
