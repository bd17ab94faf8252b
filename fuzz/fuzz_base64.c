/* libFuzzer target: the bounded base64 codec (src/core/base64.c, RFC 4648
 * section 4) that reads the ASN.1 fields of the ES9+ JSON binding.
 * Properties checked beyond "no crash":
 * - an accepted text is canonical: it re-encodes to exactly itself;
 * - any bytes encode and decode back to themselves. */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = aw_base64_decoded_max(size) + 1;
    size_t text_cap = aw_base64_encoded_length(size) + 1;
    uint8_t *decoded = malloc(cap);
    char *text = malloc(text_cap);
    uint8_t *back = malloc(size + 1);
    if (decoded == NULL || text == NULL || back == NULL)
        abort();
    size_t len = 0;
    if (aw_base64_decode((const char *)data, size, decoded, cap, &len) == AW_OK) {
        char *again = malloc(aw_base64_encoded_length(len) + 1);
        if (again == NULL ||
            aw_base64_encode(decoded, len, again, aw_base64_encoded_length(len) + 1) != AW_OK ||
            strlen(again) != size || memcmp(again, data, size) != 0)
            abort();
        free(again);
    } else if (len != 0) {
        abort();
    }
    if (aw_base64_encode(data, size, text, text_cap) != AW_OK ||
        aw_base64_decode(text, strlen(text), back, size + 1, &len) != AW_OK || len != size ||
        (size != 0 && memcmp(back, data, size) != 0))
        abort();
    free(decoded);
    free(text);
    free(back);
    return 0;
}
