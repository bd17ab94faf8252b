/* airwrite core: the terminal information record (issue 8, 终端信息加密上报
 * of 《物联网 eSIM 空中写卡技术应用服务规范》): what the IPA reports about its
 * device (IMEI, module firmware, signal, location), sealed to the platform's
 * key in an envelope (crypto_envelope.h). Encoded by the IPA
 * (src/ipa/terminal_info*.c), parsed by the platform
 * (src/platform/terminal_info*.c). docs/terminal-info.md.
 *
 * JSON (RFC 8259), one object of at most TERMINAL_INFO_RECORD_MAX bytes,
 * no duplicate or unknown member:
 *   "version"  1
 *   "eid"      32 digits (SGP.22 EID)
 *   "time"     Unix seconds when collected
 *   "imei"     optional, 14-16 digits (3GPP TS 23.003 6.2: IMEI with or
 *              without its check digit, or IMEISV), as AT+CGSN answers it
 *   "firmware" optional, 1-64 printable ASCII: module revision (AT+CGMR,
 *              3GPP TS 27.007 5.3)
 *   "signal"   optional object, at least one of: "rssi" 0-31|99 and "ber"
 *              0-7|99 (TS 27.007 8.5 +CSQ); "rsrp" 0-97|255 and "rsrq"
 *              0-34|255 (TS 27.007 8.69 +CESQ)
 *   "location" optional object, "kind" "gnss" or "cell":
 *              gnss: "latitude" -90..90, "longitude" -180..180 (WGS-84
 *              degrees), "accuracy" metres >= 0 (0 unknown), "time" Unix s
 *              cell: "mcc" 3 digits, "mnc" 2-3 digits, "tac" 0..16777215,
 *              "cellId" 0..68719476735 (36-bit NCI; 28-bit ECI fits),
 *              "time" Unix s; optionally "latitude", "longitude",
 *              "accuracy" > 0 when the device resolved the cell
 */
#ifndef AIRWRITE_CORE_TERMINAL_INFO_H
#define AIRWRITE_CORE_TERMINAL_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define TERMINAL_INFO_RECORD_MAX 2048u
#define TERMINAL_INFO_EID_DIGITS 32u
#define TERMINAL_INFO_IMEI_MAX 16u
#define TERMINAL_INFO_FIRMWARE_MAX 64u
#define TERMINAL_INFO_SIGNAL_UNKNOWN (-1)

typedef enum terminal_info_location_kind {
    TERMINAL_INFO_LOCATION_NONE = 0,
    TERMINAL_INFO_LOCATION_GNSS = 1,
    TERMINAL_INFO_LOCATION_CELL = 2,
} terminal_info_location_kind;

typedef struct terminal_info_location {
    terminal_info_location_kind kind;
    bool has_position;          /* always for GNSS; cell only when resolved */
    double latitude, longitude; /* WGS-84 degrees */
    double accuracy_m;
    int64_t time;
    char mcc[4], mnc[4];
    uint32_t tac;
    uint64_t cell_id;
} terminal_info_location;

typedef struct terminal_info_record {
    char eid[TERMINAL_INFO_EID_DIGITS + 1];
    int64_t time;
    char imei[TERMINAL_INFO_IMEI_MAX + 1];         /* "" when absent */
    char firmware[TERMINAL_INFO_FIRMWARE_MAX + 1]; /* "" when absent */
    /* TERMINAL_INFO_SIGNAL_UNKNOWN when absent */
    int rssi, ber, rsrp, rsrq;
    terminal_info_location location;
} terminal_info_record;

/* An empty record for eid at time: no IMEI, firmware, signal or location. */
void terminal_info_record_init(terminal_info_record *record, const char *eid, int64_t time);

/* The record's JSON (compact, sorted members; malloc'd, NUL-terminated).
 * AW_ERR_TERMINAL_INFO when a field is outside the bounds above. */
aw_err terminal_info_encode(const terminal_info_record *record, char **json, size_t *len);

/* Strict bounded parse. AW_ERR_TERMINAL_INFO for anything but the format
 * above (*out zeroed). */
aw_err terminal_info_parse(const uint8_t *json, size_t len, terminal_info_record *out);

#endif
