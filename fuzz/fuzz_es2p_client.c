/* libFuzzer target: the ES2+ client's parser of the SM-DP+'s answers
 * (src/core/es2p_client.h, SGP.22 6.5.1.4 and 6.5.2.1-6.5.2.4). The first
 * byte picks the function (modulo 4); the rest is the answer body (HTTP
 * 200). Properties checked beyond "no crash":
 * - an accepted answer of an executed function carries the function's
 *   mandatory output in its form (DownloadOrder: an ICCID of 18..20
 *   digits; ConfirmOrder: a Matching ID of 0-9 A-Z '-'), a Failed one its
 *   two codes;
 * - every kept string is NUL-terminated within its field;
 * - a refused answer leaves the result zeroed. */
#include <stdlib.h>
#include <string.h>

#include "core/es2p_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_digits(const char *text, size_t min, size_t max)
{
    size_t n = strlen(text);
    if (n < min || n > max || strspn(text, "0123456789") != n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    es2p_client_function function = (es2p_client_function)(data[0] % ES2P_CLIENT_FUNCTION_COUNT);
    es2p_client_answer answer;
    aw_err err = es2p_client_parse_response(function, 200, data + 1, size - 1, &answer);
    if (err != AW_OK) {
        static const es2p_client_answer zero;
        if (memcmp(&answer, &zero, sizeof(zero)) != 0)
            abort();
        return 0;
    }
    if (strnlen(answer.message, sizeof(answer.message)) == sizeof(answer.message) ||
        strnlen(answer.subject_identifier, sizeof(answer.subject_identifier)) ==
            sizeof(answer.subject_identifier))
        abort();
    if (!es2p_client_succeeded(&answer)) {
        if (answer.subject_code[0] == '\0' || answer.reason_code[0] == '\0')
            abort();
        return 0;
    }
    if (function == ES2P_CLIENT_DOWNLOAD_ORDER)
        check_digits(answer.iccid, ES2P_CLIENT_ICCID_MIN, ES2P_CLIENT_ICCID_MAX);
    if (function == ES2P_CLIENT_CONFIRM_ORDER) {
        size_t n = strlen(answer.matching_id);
        if (n == 0 ||
            strspn(answer.matching_id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != n)
            abort();
        if (answer.eid[0] != '\0')
            check_digits(answer.eid, ES2P_CLIENT_EID_DIGITS, ES2P_CLIENT_EID_DIGITS);
    }
    return 0;
}
