/* libFuzzer target: the eIM's bulk registration parsers (src/eim/eim.h,
 * eim_registry_parse_csv / _json). The first byte picks the format (even:
 * CSV, odd: JSON); the rest is the file. Properties checked beyond "no
 * crash":
 * - a refused batch yields no batch, and a record position within the file;
 * - an accepted batch has at least one record, and every record has a
 *   valid EID, a counterValue in 0..2^31-1, a valid eimId and signing key
 *   reference, certificates either absent or non-empty, and no EID twice. */
#include <stdlib.h>
#include <string.h>

#include "core/pki.h"
#include "eim/eim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(const eim_euicc *e)
{
    if (pki_eid_validate(e->eid) != AW_OK || e->counter_value < 0 ||
        e->counter_value > EIM_COUNTER_MAX || e->eim_id[0] == '\0' || e->signing_key[0] == '\0' ||
        (e->euicc_certificate != NULL) != (e->euicc_certificate_len > 0) ||
        (e->eum_certificate != NULL) != (e->eum_certificate_len > 0) ||
        e->euicc_certificate_len > EIM_CERTIFICATE_MAX ||
        e->eum_certificate_len > EIM_CERTIFICATE_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1u << 20)
        return 0;
    static const eim_registry_defaults defaults = {.eim_id = "fuzz.eim", .signing_key = "eim"};
    bool json = (data[0] & 1) != 0;
    eim_batch *batch = (eim_batch *)1;
    size_t line = 0;
    aw_err err = json ? eim_registry_parse_json(data + 1, size - 1, &defaults, &batch, &line)
                      : eim_registry_parse_csv(data + 1, size - 1, &defaults, &batch, &line);
    if (err != AW_OK) {
        if (batch != NULL || line > size)
            abort();
        return 0;
    }
    if (batch == NULL || batch->count == 0 || line != 0)
        abort();
    for (size_t i = 0; i < batch->count; i++) {
        check_record(&batch->records[i]);
        for (size_t j = 0; j < i && batch->count <= 256; j++)
            if (strcmp(batch->records[i].eid, batch->records[j].eid) == 0)
                abort();
    }
    eim_batch_free(batch);
    return 0;
}
