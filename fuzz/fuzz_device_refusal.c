/* libFuzzer target: the platform's parser of devices' card refusals
 * (platform_device_refusal_parse, POST /terminal/v1/card-refusals,
 * docs/device-lock.md). Properties: an accepted refusal names two different
 * 32-digit EIDs, a time of the documented shape and an IMEI of 15 or 16
 * digits or none; a refused body leaves the output zeroed. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform_device_lock_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    platform_device_refusal r;
    aw_err err = platform_device_refusal_parse(data, size, &r);
    if (err != AW_OK) {
        static const platform_device_refusal zero;
        if (err != AW_ERR_TERMINAL_REPORT || memcmp(&r, &zero, sizeof(r)) != 0)
            abort();
        return 0;
    }
    size_t imei = strlen(r.imei);
    if (strlen(r.device_eid) != PLATFORM_EID_DIGITS || strlen(r.card_eid) != PLATFORM_EID_DIGITS ||
        strcmp(r.device_eid, r.card_eid) == 0 ||
        strlen(r.time) != PLATFORM_DEVICE_REFUSAL_TIME_LENGTH ||
        (imei != 0 && imei != 15 && imei != 16) || strspn(r.imei, "0123456789") != imei)
        abort();
    return 0;
}
