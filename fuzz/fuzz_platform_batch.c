/* libFuzzer target: the write-order batch parsers of the platform
 * (src/platform/batch.c): CSV and JSON bodies of POST /api/v1/orders and
 * the GSMA SGP.29 section 10 EID check under them. The first byte picks the
 * parser: 0 CSV, 1 JSON; the rest is the body.
 * Properties checked beyond "no crash":
 * - an accepted batch holds 1..PLATFORM_BATCH_MAX_EIDS EIDs, each passing
 *   platform_eid_check, with strictly increasing line numbers and no line
 *   error; a JSON one has its target set, a CSV one none;
 * - a batch refused for its lines (AW_ERR_PLATFORM_EID) reports 1..100
 *   errors in line order, no more than it counted, and keeps only good EIDs;
 * - any other refusal returns no batch. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_eids(const platform_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        if (platform_eid_check(batch->eids[i], strlen(batch->eids[i])) != AW_OK)
            abort();
        if (i > 0 && batch->lines[i] <= batch->lines[i - 1])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || data[0] > 1)
        return 0;
    bool json = data[0] == 1;
    platform_batch *batch = NULL;
    aw_err err = json ? platform_batch_parse_json(data + 1, size - 1, &batch)
                      : platform_batch_parse_csv(data + 1, size - 1, &batch);
    if (err == AW_OK) {
        if (batch == NULL || batch->count == 0 || batch->count > PLATFORM_BATCH_MAX_EIDS ||
            batch->error_total != 0 || batch->error_count != 0)
            abort();
        if (json != (batch->target_kind != 0) ||
            (json && !platform_target_valid(batch->target)))
            abort();
        check_eids(batch);
    } else if (err == AW_ERR_PLATFORM_EID) {
        if (batch == NULL || batch->error_count == 0 ||
            batch->error_count > PLATFORM_BATCH_MAX_ERRORS ||
            batch->error_count > batch->error_total)
            abort();
        for (size_t i = 1; i < batch->error_count; i++)
            if (batch->errors[i].line < batch->errors[i - 1].line)
                abort();
        check_eids(batch);
    } else if (batch != NULL) {
        abort();
    }
    platform_batch_free(batch);
    return 0;
}
