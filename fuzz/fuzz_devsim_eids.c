/* libFuzzer target: the EID list airwrite-devsim reads from the directory
 * it is given (src/cli/airwrite_devsim_eids.c, eids.csv). Properties
 * checked beyond "no crash": an accepted list holds at least one EID, each
 * of 32 digits with valid check digits, exactly as its line in the input,
 * and no more EIDs than the input has lines after the header. */
#include <stdlib.h>
#include <string.h>

#include "cli/airwrite_devsim_eids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char(*eids)[AW_PKI_EID_DIGITS + 1] = NULL;
    size_t count = 0, lines = 0;
    if (devsim_parse_eids(data, size, &eids, &count) != AW_OK) {
        if (eids != NULL || count != 0)
            abort();
        return 0;
    }
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (count == 0 || count > lines || eids == NULL)
        abort();
    for (size_t i = 0; i < count; i++) {
        const uint8_t *line = data + 4 + i * (AW_PKI_EID_DIGITS + 1);
        if (strlen(eids[i]) != AW_PKI_EID_DIGITS || pki_eid_validate(eids[i]) != AW_OK ||
            memcmp(eids[i], line, AW_PKI_EID_DIGITS) != 0)
            abort();
    }
    free(eids);
    return 0;
}
