/* libFuzzer target: a simulated device's location file (airwrite-devsim run,
 * DIR/devices/EID/location; src/cli/airwrite_devsim_location.c). Properties
 * checked beyond "no crash": a refusal leaves the output zeroed; an
 * accepted location is within the record's bounds (core/terminal_info.h):
 * the terminal information record with it encodes. */
#include <stdlib.h>
#include <string.h>

#include "cli/airwrite_devsim_location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminal_info_location location;
    static const terminal_info_location zero;
    if (devsim_parse_location(data, size, &location) != AW_OK) {
        if (memcmp(&location, &zero, sizeof(zero)) != 0)
            abort();
        return 0;
    }
    if (location.kind != TERMINAL_INFO_LOCATION_GNSS && location.kind != TERMINAL_INFO_LOCATION_CELL)
        abort();
    terminal_info_record record;
    terminal_info_record_init(&record, "89049032000000000000000000000163", 1796106000);
    record.location = location;
    if (record.location.time == 0)
        record.location.time = record.time;
    char *json = NULL;
    size_t len = 0;
    if (terminal_info_encode(&record, &json, &len) != AW_OK)
        abort();
    free(json);
    return 0;
}
