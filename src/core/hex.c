/* airwrite core: hexadecimal conversion. */
#include "core/hex.h"

#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

aw_err aw_hex_decode(const char *hex, uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (hex == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    size_t n = strlen(hex);
    if (n % 2 != 0)
        return AW_ERR_ARGUMENT;
    if (n / 2 > out_cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(hex[i]);
        int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return AW_ERR_ARGUMENT;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = n / 2;
    return AW_OK;
}

void aw_hex_encode(const uint8_t *data, size_t len, char *out, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0F];
    }
    out[2 * len] = '\0';
}
