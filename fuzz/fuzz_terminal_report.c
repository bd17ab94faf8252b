/* libFuzzer target: the platform's terminal report parser
 * (platform_terminal_report_parse, POST /terminal/v1/reports,
 * docs/firmware-update.md). Properties: an accepted report has a 32-digit
 * EID, a known kind, strings within their bounds, and a refusal code that
 * maps to a terminal exception code; a refused body leaves the output zeroed. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform_terminal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    platform_terminal_report r;
    aw_err err = platform_terminal_report_parse(data, size, &r);
    if (err != AW_OK) {
        static const platform_terminal_report zero;
        if (err != AW_ERR_TERMINAL_REPORT || memcmp(&r, &zero, sizeof(r)) != 0)
            abort();
        return 0;
    }
    if (strlen(r.eid) != PLATFORM_EID_DIGITS || strlen(r.time) != PLATFORM_TERMINAL_TIME_LENGTH ||
        strlen(r.module) > PLATFORM_TERMINAL_MODULE_MAX || r.from_version < 0)
        abort();
    if (r.kind == PLATFORM_TERMINAL_FIRMWARE_REFUSED) {
        if (platform_terminal_exception_code(r.code) == NULL)
            abort();
    } else if (r.kind != PLATFORM_TERMINAL_FIRMWARE_APPLIED || r.code[0] != '\0' ||
               !r.has_to_version || r.to_version <= r.from_version || r.module[0] == '\0' ||
               strlen(r.manifest_sha256) != 64) {
        abort();
    }
    return 0;
}
