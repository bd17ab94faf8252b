/* libFuzzer target: the SM-DP+ inventory batch parsers (src/smdp/import.h,
 * CSV and JSON). The first byte picks the format (even: CSV, odd: JSON);
 * the rest is the file. Properties checked beyond "no crash":
 * - a refused batch yields no batch;
 * - an accepted batch re-serialised as CSV and as JSON parses again to
 *   the same records, and its serialisations are stable (written twice,
 *   identical). */
#include <stdlib.h>
#include <string.h>

#include "smdp/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const smdp_import_batch *a, const smdp_import_batch *b)
{
    if (strcmp(a->profile_type, b->profile_type) != 0 || a->count != b->count)
        abort();
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(&a->records[i], &b->records[i], sizeof(a->records[i])) != 0)
            abort();
}

static void round_trip(const smdp_import_batch *batch, bool json)
{
    char *text = NULL;
    size_t len = 0;
    aw_err err = json ? smdp_import_write_json(batch, &text, &len)
                      : smdp_import_write_csv(batch, &text, &len);
    if (err != AW_OK)
        abort();
    smdp_import_batch *again = NULL;
    smdp_import_position at;
    err = json ? smdp_import_parse_json((const uint8_t *)text, len, &again, &at)
               : smdp_import_parse_csv((const uint8_t *)text, len, batch->profile_type, &again,
                                       &at);
    if (err != AW_OK)
        abort();
    check_same(batch, again);
    char *second = NULL;
    size_t second_len = 0;
    err = json ? smdp_import_write_json(again, &second, &second_len)
               : smdp_import_write_csv(again, &second, &second_len);
    if (err != AW_OK || second_len != len || memcmp(text, second, len) != 0)
        abort();
    smdp_import_text_free(second, second_len);
    smdp_import_text_free(text, len);
    smdp_import_batch_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1u << 20)
        return 0;
    bool json = (data[0] & 1) != 0;
    smdp_import_batch *batch = (smdp_import_batch *)1;
    smdp_import_position at;
    aw_err err = json ? smdp_import_parse_json(data + 1, size - 1, &batch, &at)
                      : smdp_import_parse_csv(data + 1, size - 1, "fuzz", &batch, &at);
    if (err != AW_OK) {
        if (batch != NULL)
            abort();
        return 0;
    }
    if (batch == NULL)
        abort();
    round_trip(batch, false);
    round_trip(batch, true);
    smdp_import_batch_free(batch);
    return 0;
}
