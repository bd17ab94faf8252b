/* libFuzzer target: the IPA's journal parser (src/ipa/journal.c), the file
 * an IPA reads after a crash. Whatever it accepts must re-encode to exactly
 * the same bytes, and its slices must lie inside the input. */
#include <stdlib.h>
#include <string.h>

#include "ipa/ipa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(aw_slice s, const uint8_t *data, size_t size)
{
    if (s.len > 0 && (s.ptr < data || s.ptr + s.len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ipa_journal journal;
    if (ipa_journal_decode(data, size, &journal) != AW_OK)
        return 0;
    check_inside(journal.message, data, size);
    check_inside(journal.acknowledgements, data, size);
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (ipa_journal_encode(&journal, &out, &out_len) != AW_OK || out_len != size ||
        memcmp(out, data, size) != 0)
        abort();
    free(out);
    return 0;
}
