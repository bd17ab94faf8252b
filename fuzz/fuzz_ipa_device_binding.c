/* libFuzzer target: the IPA's device-binding file (ipa_device_binding_parse,
 * docs/device-lock.md). Properties: an accepted file holds 1..64 distinct
 * 32-digit EIDs, each of which the check accepts; a refused one leaves the
 * binding empty. */
#include <stdlib.h>
#include <string.h>

#include "ipa/device_binding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ipa_device_binding b;
    aw_err err = ipa_device_binding_parse(data, size, &b);
    if (err != AW_OK) {
        if (err != AW_ERR_DEVICE_BINDING_FILE || b.count != 0)
            abort();
        return 0;
    }
    if (b.count == 0 || b.count > IPA_DEVICE_BINDING_EIDS_MAX)
        abort();
    for (size_t i = 0; i < b.count; i++) {
        if (strlen(b.eids[i]) != IPA_DEVICE_BINDING_EID_DIGITS ||
            strspn(b.eids[i], "0123456789") != IPA_DEVICE_BINDING_EID_DIGITS ||
            ipa_device_binding_check(&b, b.eids[i]) != AW_OK)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(b.eids[i], b.eids[j]) == 0)
                abort();
    }
    return 0;
}
