/* airwrite core: bounded base64, RFC 4648 section 4 (see base64.h). */
#include "core/base64.h"

#include <stdbool.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t aw_base64_encoded_length(size_t len)
{
    return (len / 3 + (len % 3 != 0)) * 4;
}

size_t aw_base64_decoded_max(size_t text_len)
{
    return text_len / 4 * 3;
}

aw_err aw_base64_encode(const uint8_t *data, size_t len, char *out, size_t out_cap)
{
    if (out == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3 || out_cap < aw_base64_encoded_length(len) + 1)
        return AW_ERR_BUFFER_TOO_SMALL;
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = base64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return AW_OK;
}

/* Value of one alphabet symbol, or -1. */
static int base64_symbol_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

aw_err aw_base64_decode(const char *text, size_t text_len, uint8_t *out, size_t out_cap,
                        size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (text == NULL && text_len != 0)
        return AW_ERR_ARGUMENT;
    if (text_len % 4 != 0)
        return AW_ERR_ARGUMENT;
    size_t padding = 0;
    if (text_len >= 4) {
        if (text[text_len - 1] == '=')
            padding = text[text_len - 2] == '=' ? 2 : 1;
    }
    size_t need = text_len / 4 * 3 - padding;
    if (need > out_cap || (out == NULL && need != 0))
        return AW_ERR_BUFFER_TOO_SMALL;
    size_t o = 0;
    for (size_t i = 0; i < text_len; i += 4) {
        bool last = i + 4 == text_len;
        size_t symbols = last ? 4 - padding : 4;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int s = 0;
            if (k < symbols) {
                s = base64_symbol_value(text[i + k]);
                if (s < 0)
                    return AW_ERR_ARGUMENT; /* also '=' anywhere but the end */
            }
            v = v << 6 | (uint32_t)s;
        }
        /* RFC 4648 3.5: the pad bits of a canonical encoding are zero */
        if ((symbols == 2 && (v & 0xFFFFu) != 0) || (symbols == 3 && (v & 0xFFu) != 0))
            return AW_ERR_ARGUMENT;
        out[o++] = (uint8_t)(v >> 16);
        if (symbols >= 3)
            out[o++] = (uint8_t)(v >> 8);
        if (symbols == 4)
            out[o++] = (uint8_t)v;
    }
    *out_len = o;
    return AW_OK;
}
