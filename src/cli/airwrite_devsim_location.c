/* airwrite-devsim: the location of a simulated device, parsed strictly
 * (airwrite_devsim_location.h; the record's bounds of core/terminal_info.h,
 * the cell identity of 3GPP TS 23.003 4.1, 4.3). */
#include "airwrite_devsim_location.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 6u
#define TAC_MAX 16777215ull          /* 24-bit TAC (TS 23.003 19.4.2.3) */
#define CELL_ID_MAX 68719476735ull   /* 36-bit NR cell identity (TS 23.003 19.6A) */
#define ACCURACY_MAX 1000000.0

typedef struct field {
    const char *ptr;
    size_t len;
} field;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* -?D{1,int_max}(.D{1,frac_max})? (sign only when signed_ok) into *out. */
static bool parse_decimal(field f, bool signed_ok, size_t int_max, size_t frac_max,
                          double *out)
{
    char text[32];
    size_t i = 0, digits = 0, fraction = 0;
    if (f.len == 0 || f.len >= sizeof(text))
        return false;
    if (f.ptr[0] == '-') {
        if (!signed_ok)
            return false;
        i++;
    }
    while (i < f.len && is_digit(f.ptr[i]) && digits <= int_max) {
        i++;
        digits++;
    }
    if (digits == 0 || digits > int_max)
        return false;
    if (i < f.len) {
        if (f.ptr[i] != '.')
            return false;
        for (i++; i < f.len && is_digit(f.ptr[i]); i++)
            fraction++;
        if (i != f.len || fraction == 0 || fraction > frac_max)
            return false;
    }
    memcpy(text, f.ptr, f.len);
    text[f.len] = '\0';
    /* only digits, one sign and one point reach strtod: no exponent,
     * hexadecimal, infinity or NaN */
    *out = strtod(text, NULL);
    return true;
}

/* D{min,max} (no sign) at most limit into *out. */
static bool parse_integer(field f, size_t min, size_t max, unsigned long long limit,
                          unsigned long long *out)
{
    unsigned long long value = 0;
    if (f.len < min || f.len > max)
        return false;
    for (size_t i = 0; i < f.len; i++) {
        if (!is_digit(f.ptr[i]))
            return false;
        value = value * 10u + (unsigned long long)(f.ptr[i] - '0');
    }
    if (value > limit)
        return false;
    *out = value;
    return true;
}

/* The optional TIME field: Unix seconds, D{1,12}. */
static bool parse_time(const field *fields, size_t count, size_t at, int64_t *out)
{
    unsigned long long value = 0;
    if (count == at)
        return true;
    if (!parse_integer(fields[at], 1, 12, 999999999999ull, &value))
        return false;
    *out = (int64_t)value;
    return true;
}

aw_err devsim_parse_location(const uint8_t *text, size_t len, terminal_info_location *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (text == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (len > DEVSIM_LOCATION_MAX)
        return AW_ERR_LIMIT;
    if (len > 0 && text[len - 1] == '\n')
        len--;
    field fields[FIELDS_MAX];
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != ',') {
            /* printable ASCII only: no second line, no control byte */
            if (text[i] < 0x21 || text[i] > 0x7E)
                return AW_ERR_ARGUMENT;
            continue;
        }
        if (count == FIELDS_MAX)
            return AW_ERR_ARGUMENT;
        fields[count++] = (field){(const char *)text + start, i - start};
        start = i + 1;
    }
    terminal_info_location l = {0};
    bool ok;
    if (fields[0].len == 4 && memcmp(fields[0].ptr, "cell", 4) == 0) {
        unsigned long long tac = 0, cell_id = 0, mcc = 0, mnc = 0;
        ok = (count == 5 || count == 6) && parse_integer(fields[1], 3, 3, 999, &mcc) &&
             parse_integer(fields[2], 2, 3, 999, &mnc) &&
             parse_integer(fields[3], 1, 8, TAC_MAX, &tac) &&
             parse_integer(fields[4], 1, 11, CELL_ID_MAX, &cell_id) &&
             parse_time(fields, count, 5, &l.time);
        if (ok) {
            l.kind = TERMINAL_INFO_LOCATION_CELL;
            memcpy(l.mcc, fields[1].ptr, 3);
            memcpy(l.mnc, fields[2].ptr, fields[2].len);
            l.tac = (uint32_t)tac;
            l.cell_id = cell_id;
        }
    } else {
        ok = (count == 3 || count == 4) &&
             parse_decimal(fields[0], true, 3, 9, &l.latitude) && l.latitude >= -90.0 &&
             l.latitude <= 90.0 && parse_decimal(fields[1], true, 3, 9, &l.longitude) &&
             l.longitude >= -180.0 && l.longitude <= 180.0 &&
             parse_decimal(fields[2], false, 7, 3, &l.accuracy_m) &&
             l.accuracy_m <= ACCURACY_MAX && parse_time(fields, count, 3, &l.time);
        l.kind = TERMINAL_INFO_LOCATION_GNSS;
        l.has_position = true;
    }
    if (!ok)
        return AW_ERR_ARGUMENT;
    *out = l;
    return AW_OK;
}
