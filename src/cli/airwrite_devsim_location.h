/* airwrite-devsim: a simulated device's location (issue 8, location-bound
 * writing and encrypted terminal information; docs/terminal-info.md): the
 * value of `run --location` and of a device's location file
 * (DIR/devices/EID/location, read at each visit, so a test moves a device
 * while the run goes on). Split from the tool so its fuzz target
 * (fuzz/fuzz_devsim_location.c) links it alone.
 *
 * One line of at most DEVSIM_LOCATION_MAX bytes, the final newline optional:
 *   LAT,LON,ACCURACY[,TIME]          a GNSS fix: WGS-84 degrees
 *                                    -?D{1,3}(.D{1,9})? (latitude -90..90,
 *                                    longitude -180..180), accuracy metres
 *                                    D{1,7}(.D{1,3})? (0: unknown, at most
 *                                    1000000), TIME Unix seconds D{1,12}
 *   cell,MCC,MNC,TAC,CELLID[,TIME]   the serving cell (3GPP TS 23.003: MCC
 *                                    3 digits, MNC 2 or 3; TAC 0..16777215,
 *                                    cell id 0..68719476735, decimal)
 * TIME absent (or 0): the time of each report. */
#ifndef AIRWRITE_CLI_DEVSIM_LOCATION_H
#define AIRWRITE_CLI_DEVSIM_LOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/terminal_info.h"

#define DEVSIM_LOCATION_MAX 128u
#define DEVSIM_LOCATION_FILE "location"

/* Parse text (len bytes, not NUL-terminated) into *out (zeroed on entry).
 * AW_ERR_LIMIT over DEVSIM_LOCATION_MAX bytes; AW_ERR_ARGUMENT for anything
 * but the grammar above or a value outside its bounds. */
aw_err devsim_parse_location(const uint8_t *text, size_t len, terminal_info_location *out);

#endif
