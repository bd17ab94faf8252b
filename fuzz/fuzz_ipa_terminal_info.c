/* libFuzzer target: the terminal information record's strict JSON parser
 * (core/terminal_info.c) and the IPA's parsers of the module's AT answers
 * (src/ipa/terminal_info_at.c). Properties: never crashes; a record that
 * parses encodes again and that encoding parses to the same record. */
#include <stdlib.h>
#include <string.h>

#include "core/terminal_info.h"
#include "ipa/terminal_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    terminal_info_record r, again;
    if (terminal_info_parse(data, size, &r) == AW_OK) {
        char *json = NULL;
        size_t len = 0;
        if (terminal_info_encode(&r, &json, &len) != AW_OK ||
            terminal_info_parse((const uint8_t *)json, len, &again) != AW_OK ||
            strcmp(again.eid, r.eid) != 0 || again.time != r.time ||
            strcmp(again.imei, r.imei) != 0 || again.location.kind != r.location.kind)
            abort();
        free(json);
    }
    char *line = malloc(size + 1);
    if (line == NULL)
        abort();
    memcpy(line, data, size);
    line[size] = '\0';
    char imei[TERMINAL_INFO_IMEI_MAX + 1], firmware[TERMINAL_INFO_FIRMWARE_MAX + 1];
    int a, b;
    terminal_info_location l;
    memset(&l, 0, sizeof(l));
    if (ipa_terminal_info_parse_cgsn(line, imei) == AW_OK && strlen(imei) < 14)
        abort();
    if (ipa_terminal_info_parse_cgmr(line, firmware) == AW_OK && firmware[0] == '\0')
        abort();
    if (ipa_terminal_info_parse_csq(line, &a, &b) == AW_OK && (a < 0 || a > 99))
        abort();
    (void)ipa_terminal_info_parse_cesq(line, &a, &b);
    if (ipa_terminal_info_parse_qgpsloc(line, &l) == AW_OK &&
        (l.latitude < -90 || l.latitude > 90 || l.longitude < -180 || l.longitude > 180))
        abort();
    (void)ipa_terminal_info_parse_cereg(line, &l);
    (void)ipa_terminal_info_parse_cops(line, &l);
    free(line);
    return 0;
}
