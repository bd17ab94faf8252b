/* Writes the seed corpus of fuzz_ipa_terminal_info: records encoded by
 * terminal_info_encode (GNSS, cell, minimal) and one line of each module
 * answer the IPA parses, in the forms 3GPP TS 27.007 gives them.
 * Usage: gen_terminal_info_seeds DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/terminal_info.h"

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    terminal_info_record r;
    terminal_info_record_init(&r, "89049032123456789012345678901234", 1796106000);
    int rc = 0;
    char *json = NULL;
    size_t len = 0;
    if (terminal_info_encode(&r, &json, &len) != AW_OK)
        return 1;
    rc |= write_file(argv[1], "record_minimal", json, len);
    free(json);
    memcpy(r.imei, "356938035643809", 16);
    memcpy(r.firmware, "EC25EFAR06A06M4G", 17);
    r.rssi = 20;
    r.ber = 99;
    r.rsrp = 45;
    r.rsrq = 20;
    r.location = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_GNSS,
                                          .has_position = true, .latitude = 31.2304,
                                          .longitude = 121.4737, .accuracy_m = 6,
                                          .time = 1796105991};
    if (terminal_info_encode(&r, &json, &len) != AW_OK)
        return 1;
    rc |= write_file(argv[1], "record_gnss", json, len);
    free(json);
    r.location = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_CELL, .mcc = "460",
                                          .mnc = "00", .tac = 0x1A2B, .cell_id = 0x01A2B3C4,
                                          .time = 1796106000};
    if (terminal_info_encode(&r, &json, &len) != AW_OK)
        return 1;
    rc |= write_file(argv[1], "record_cell", json, len);
    free(json);
    static const char *const lines[][2] = {
        {"at_cgsn", "356938035643809"},
        {"at_cgmr", "+CGMR: \"EC25EFAR06A06M4G\""},
        {"at_csq", "+CSQ: 20,99"},
        {"at_cesq", "+CESQ: 99,99,255,255,20,45"},
        {"at_qgpsloc", "+QGPSLOC: 061951.000,31.23040,121.47370,1.2,62.2,3,0.00,0.0,0.0,011226,09"},
        {"at_cereg", "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"},
        {"at_cops", "+COPS: 0,2,\"46000\",7"},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        rc |= write_file(argv[1], lines[i][0], lines[i][1], strlen(lines[i][1]));
    return rc;
}
