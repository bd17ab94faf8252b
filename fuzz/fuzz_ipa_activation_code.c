/* libFuzzer target: the IPA's Activation Code parser (src/ipa/
 * activation_code.c, SGP.22 4.1), the text an eIM trigger or a user gives.
 * Properties: an accepted code rebuilds, field by field, to exactly the
 * input; its fields keep their alphabets and bounds; a refused one leaves
 * the output zeroed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa/activation_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ipa_activation_code zero;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ipa_activation_code code;
    if (ipa_activation_code_parse((const char *)data, size, &code) != AW_OK) {
        if (memcmp(&code, &zero, sizeof(code)) != 0)
            abort();
        return 0;
    }
    char rebuilt[3 * (IPA_ACTIVATION_CODE_MAX + 8)];
    int n = snprintf(rebuilt, sizeof(rebuilt), "1$%s$%s", code.smdp_address, code.matching_id);
    if (code.smdp_oid[0] != '\0' || code.confirmation_code_required)
        n += snprintf(rebuilt + n, sizeof(rebuilt) - (size_t)n, "$%s", code.smdp_oid);
    if (code.confirmation_code_required)
        n += snprintf(rebuilt + n, sizeof(rebuilt) - (size_t)n, "$1");
    if ((size_t)n != size || memcmp(rebuilt, data, size) != 0)
        abort();
    if (strchr(code.smdp_address, '$') != NULL || code.smdp_address[0] == '\0')
        abort();
    for (const char *c = code.matching_id; *c != '\0'; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || *c == '-'))
            abort();
    return 0;
}
