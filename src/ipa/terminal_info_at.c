/* airwrite IPA: parsing the cellular module's answers that make up the
 * terminal information (3GPP TS 27.007 5.3 +CGMR, 5.4 +CGSN, 8.5 +CSQ,
 * 8.69 +CESQ, 7.3 +COPS, 10.1.22 +CEREG; the Quectel GNSS AT commands'
 * +QGPSLOC), and collecting them into a record. Pure functions over lines
 * of at most IPA_TERMINAL_INFO_LINE_MAX bytes (fuzz_ipa_terminal_info). */
#include "ipa/terminal_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIELDS_MAX 12u
#define FIELD_MAX 64u

typedef struct fields {
    char text[FIELDS_MAX][FIELD_MAX + 1];
    bool quoted[FIELDS_MAX];
    size_t count;
} fields;

/* After an optional "<prefix>:" and spaces, comma-separated fields, each
 * optionally in double quotes (no comma or quote inside). */
static bool split(const char *line, const char *prefix, fields *f)
{
    memset(f, 0, sizeof(*f));
    if (line == NULL || strlen(line) > IPA_TERMINAL_INFO_LINE_MAX)
        return false;
    size_t plen = strlen(prefix);
    if (strncmp(line, prefix, plen) == 0 && line[plen] == ':') {
        line += plen + 1;
        while (*line == ' ')
            line++;
    }
    for (;;) {
        if (f->count == FIELDS_MAX)
            return false;
        char *out = f->text[f->count];
        size_t n = 0;
        bool quoted = *line == '"';
        if (quoted)
            line++;
        while (*line != '\0' && *line != ',' && *line != '"') {
            if (n == FIELD_MAX || (unsigned char)*line < 0x20 || (unsigned char)*line > 0x7e)
                return false;
            out[n++] = *line++;
        }
        if (quoted && *line++ != '"')
            return false;
        f->quoted[f->count++] = quoted;
        if (*line == '\0')
            return true;
        if (*line++ != ',')
            return false;
    }
}

static bool decimal(const char *text, long min, long max, long *out)
{
    if (text[0] == '\0' || strlen(text) > 9 || strspn(text, "0123456789") != strlen(text))
        return false;
    long v = strtol(text, NULL, 10);
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool hexadecimal(const char *text, size_t max_digits, uint64_t *out)
{
    size_t len = strlen(text);
    if (len == 0 || len > max_digits || strspn(text, "0123456789abcdefABCDEF") != len)
        return false;
    *out = strtoull(text, NULL, 16);
    return true;
}

/* A signed decimal degree value "-?d+(.d+)?" within [-max, max]. */
static bool degrees(const char *text, double max, double *out)
{
    const char *p = text[0] == '-' ? text + 1 : text;
    size_t whole = strspn(p, "0123456789");
    if (whole == 0 || whole > 3)
        return false;
    if (p[whole] == '.') {
        size_t frac = strspn(p + whole + 1, "0123456789");
        if (frac == 0 || frac > 9 || p[whole + 1 + frac] != '\0')
            return false;
    } else if (p[whole] != '\0') {
        return false;
    }
    double v = strtod(text, NULL);
    if (v < -max || v > max)
        return false;
    *out = v;
    return true;
}

aw_err ipa_terminal_info_parse_cgsn(const char *line, char imei[TERMINAL_INFO_IMEI_MAX + 1])
{
    fields f;
    if (!split(line, "+CGSN", &f) || f.count != 1)
        return AW_ERR_IPA_PROTOCOL;
    size_t len = strlen(f.text[0]);
    if (len < 14 || len > TERMINAL_INFO_IMEI_MAX || strspn(f.text[0], "0123456789") != len)
        return AW_ERR_IPA_PROTOCOL;
    memcpy(imei, f.text[0], len + 1);
    return AW_OK;
}

aw_err ipa_terminal_info_parse_cgmr(const char *line,
                                    char firmware[TERMINAL_INFO_FIRMWARE_MAX + 1])
{
    if (line == NULL)
        return AW_ERR_IPA_PROTOCOL;
    if (strncmp(line, "+CGMR:", 6) == 0)
        for (line += 6; *line == ' '; line++)
            ;
    size_t len = strlen(line);
    if (len >= 2 && line[0] == '"' && line[len - 1] == '"') {
        line++;
        len -= 2;
    }
    if (len == 0 || len > TERMINAL_INFO_FIRMWARE_MAX)
        return AW_ERR_IPA_PROTOCOL;
    for (size_t i = 0; i < len; i++)
        if (line[i] < 0x20 || line[i] > 0x7e || line[i] == '"')
            return AW_ERR_IPA_PROTOCOL;
    memcpy(firmware, line, len);
    firmware[len] = '\0';
    return AW_OK;
}

aw_err ipa_terminal_info_parse_csq(const char *line, int *rssi, int *ber)
{
    fields f;
    long r, b;
    if (!split(line, "+CSQ", &f) || f.count != 2 || !decimal(f.text[0], 0, 99, &r) ||
        !decimal(f.text[1], 0, 99, &b) || (r > 31 && r != 99) || (b > 7 && b != 99))
        return AW_ERR_IPA_PROTOCOL;
    *rssi = (int)r;
    *ber = (int)b;
    return AW_OK;
}

aw_err ipa_terminal_info_parse_cesq(const char *line, int *rsrq, int *rsrp)
{
    fields f;
    long q, p, ignored;
    if (!split(line, "+CESQ", &f) || f.count != 6 || !decimal(f.text[0], 0, 99, &ignored) ||
        !decimal(f.text[1], 0, 99, &ignored) || !decimal(f.text[2], 0, 255, &ignored) ||
        !decimal(f.text[3], 0, 255, &ignored) || !decimal(f.text[4], 0, 255, &q) ||
        !decimal(f.text[5], 0, 255, &p) || (q > 34 && q != 255) || (p > 97 && p != 255))
        return AW_ERR_IPA_PROTOCOL;
    *rsrq = (int)q;
    *rsrp = (int)p;
    return AW_OK;
}

/* "hhmmss[.sss]" and "ddmmyy" (years 2000-2099) to Unix seconds. */
static bool fix_time(const char *utc, const char *date, int64_t *out)
{
    long hh, mm, ss, dd, mo, yy;
    char part[3] = {0};
    size_t whole = strspn(utc, "0123456789");
    if (whole != 6 || (utc[6] != '\0' && (utc[6] != '.' || strspn(utc + 7, "0123456789") !=
                                                                strlen(utc + 7))) ||
        strlen(date) != 6 || strspn(date, "0123456789") != 6)
        return false;
#define TWO(s, i, v, lo, hi)                                                                    \
    (memcpy(part, (s) + (i), 2), decimal(part, lo, hi, &(v)))
    if (!TWO(utc, 0, hh, 0, 23) || !TWO(utc, 2, mm, 0, 59) || !TWO(utc, 4, ss, 0, 60) ||
        !TWO(date, 0, dd, 1, 31) || !TWO(date, 2, mo, 1, 12) || !TWO(date, 4, yy, 0, 99))
        return false;
#undef TWO
    struct tm t = {.tm_year = (int)yy + 100, .tm_mon = (int)mo - 1, .tm_mday = (int)dd,
                   .tm_hour = (int)hh, .tm_min = (int)mm, .tm_sec = (int)ss};
    time_t v = timegm(&t);
    if (v == (time_t)-1)
        return false;
    *out = (int64_t)v;
    return true;
}

aw_err ipa_terminal_info_parse_qgpsloc(const char *line, terminal_info_location *out)
{
    fields f;
    double lat, lon;
    int64_t when;
    if (!split(line, "+QGPSLOC", &f) || f.count != 11 || !degrees(f.text[1], 90, &lat) ||
        !degrees(f.text[2], 180, &lon) || !fix_time(f.text[0], f.text[9], &when))
        return AW_ERR_IPA_PROTOCOL;
    /* hdop: "d+(.d+)?" below 100 */
    const char *h = f.text[3];
    size_t whole = strspn(h, "0123456789");
    if (whole == 0 || whole > 2 ||
        (h[whole] != '\0' && (h[whole] != '.' || strspn(h + whole + 1, "0123456789") == 0 ||
                              strlen(h + whole + 1) != strspn(h + whole + 1, "0123456789") ||
                              strlen(h + whole + 1) > 3)))
        return AW_ERR_IPA_PROTOCOL;
    memset(out, 0, sizeof(*out));
    out->kind = TERMINAL_INFO_LOCATION_GNSS;
    out->has_position = true;
    out->latitude = lat;
    out->longitude = lon;
    out->accuracy_m = strtod(h, NULL) * 5.0;
    out->time = when;
    return AW_OK;
}

aw_err ipa_terminal_info_parse_cereg(const char *line, terminal_info_location *out)
{
    fields f;
    long n, stat;
    uint64_t tac, ci;
    if (!split(line, "+CEREG", &f) || f.count < 4 || f.count > 5 ||
        !decimal(f.text[0], 0, 5, &n) || !decimal(f.text[1], 0, 10, &stat) ||
        (stat != 1 && stat != 5) || !f.quoted[2] || !f.quoted[3] ||
        (strlen(f.text[2]) != 4 && strlen(f.text[2]) != 6) || !hexadecimal(f.text[2], 6, &tac) ||
        !hexadecimal(f.text[3], 9, &ci))
        return AW_ERR_IPA_PROTOCOL;
    long act;
    if (f.count == 5 && !decimal(f.text[4], 0, 13, &act))
        return AW_ERR_IPA_PROTOCOL;
    out->tac = (uint32_t)tac;
    out->cell_id = ci;
    return AW_OK;
}

aw_err ipa_terminal_info_parse_cops(const char *line, terminal_info_location *out)
{
    fields f;
    long mode, format, act;
    if (!split(line, "+COPS", &f) || f.count < 3 || f.count > 4 ||
        !decimal(f.text[0], 0, 4, &mode) || !decimal(f.text[1], 2, 2, &format) || !f.quoted[2] ||
        (strlen(f.text[2]) != 5 && strlen(f.text[2]) != 6) ||
        strspn(f.text[2], "0123456789") != strlen(f.text[2]) ||
        (f.count == 4 && !decimal(f.text[3], 0, 13, &act)))
        return AW_ERR_IPA_PROTOCOL;
    memcpy(out->mcc, f.text[2], 3);
    out->mcc[3] = '\0';
    size_t mnc = strlen(f.text[2]) - 3;
    memcpy(out->mnc, f.text[2] + 3, mnc);
    out->mnc[mnc] = '\0';
    return AW_OK;
}

/* ---- Collecting ------------------------------------------------------------ */

static bool ask(const ipa_terminal_info_source *s, const char *command,
                char line[IPA_TERMINAL_INFO_LINE_MAX + 1])
{
    line[0] = '\0';
    return s->at_command(s->userdata, command, line) == AW_OK;
}

/* What the module says, over what is configured. */
static void from_module(const ipa_terminal_info_source *s, terminal_info_record *r)
{
    char line[IPA_TERMINAL_INFO_LINE_MAX + 1];
    char imei[TERMINAL_INFO_IMEI_MAX + 1], firmware[TERMINAL_INFO_FIRMWARE_MAX + 1];
    int a, b;
    if (ask(s, "+CGSN", line) && ipa_terminal_info_parse_cgsn(line, imei) == AW_OK)
        memcpy(r->imei, imei, sizeof(imei));
    if (ask(s, "+CGMR", line) && ipa_terminal_info_parse_cgmr(line, firmware) == AW_OK)
        memcpy(r->firmware, firmware, sizeof(firmware));
    if (ask(s, "+CSQ", line) && ipa_terminal_info_parse_csq(line, &a, &b) == AW_OK) {
        r->rssi = a;
        r->ber = b;
    }
    if (ask(s, "+CESQ", line) && ipa_terminal_info_parse_cesq(line, &a, &b) == AW_OK) {
        r->rsrq = a;
        r->rsrp = b;
    }
    terminal_info_location gnss, cell = {.kind = TERMINAL_INFO_LOCATION_CELL, .time = r->time};
    if (ask(s, "+QGPSLOC=2", line) && ipa_terminal_info_parse_qgpsloc(line, &gnss) == AW_OK) {
        r->location = gnss;
        return;
    }
    /* no GNSS fix: the serving cell (TS 27.007 10.1.22 needs <n> = 2 for
     * the location fields; +COPS=3,2 selects the numeric operator format) */
    (void)ask(s, "+CEREG=2", line); /* answered by OK alone */
    if (!ask(s, "+CEREG?", line) || ipa_terminal_info_parse_cereg(line, &cell) != AW_OK)
        return;
    (void)ask(s, "+COPS=3,2", line);
    if (ask(s, "+COPS?", line) && ipa_terminal_info_parse_cops(line, &cell) == AW_OK)
        r->location = cell;
}

aw_err ipa_terminal_info_collect(const ipa_terminal_info_source *source, const char *eid,
                                 int64_t now, terminal_info_record *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    terminal_info_record_init(out, eid, now);
    if (source == NULL || eid == NULL || strlen(eid) != TERMINAL_INFO_EID_DIGITS)
        return source == NULL ? AW_ERR_ARGUMENT : AW_ERR_TERMINAL_INFO;
    if (source->configured != NULL) {
        *out = *source->configured;
        memcpy(out->eid, eid, TERMINAL_INFO_EID_DIGITS + 1);
        out->time = now;
        /* a configured fix without its own time (a fixed device, a
         * simulated one) is as of each report */
        if (out->location.kind != TERMINAL_INFO_LOCATION_NONE && out->location.time == 0)
            out->location.time = now;
    }
    if (source->at_command != NULL)
        from_module(source, out);
    /* the encoder's bounds decide */
    char *json = NULL;
    size_t len = 0;
    aw_err err = terminal_info_encode(out, &json, &len);
    free(json);
    return err;
}
