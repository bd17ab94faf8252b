/* airwrite IPA: parser of cellular module replies, 3GPP TS 27.007 8.17
 * (+CSIM), 8.43 (+CGLA), 8.45 (+CCHO), 8.46 (+CCHC), 9.2 (+CME ERROR) and
 * ITU-T V.250 5.7 (final result codes). See at_parse.h. */
#include "ipa/at_parse.h"

#include <string.h>

#include "core/hex.h"

void ipa_at_line_reader_init(ipa_at_line_reader *r)
{
    memset(r, 0, sizeof(*r));
}

aw_err ipa_at_line_reader_feed(ipa_at_line_reader *r, uint8_t byte, bool *complete)
{
    *complete = false;
    if (r->taken) {
        r->taken = false;
        r->len = 0;
    }
    if (byte == '\r' || byte == '\n') {
        if (r->overflow) {
            r->overflow = false;
            r->len = 0;
            return AW_ERR_IPA_RESPONSE_TOO_LONG;
        }
        if (r->len == 0)
            return AW_OK; /* the empty lines around V.250 responses */
        r->line[r->len] = '\0';
        r->taken = true;
        *complete = true;
        return AW_OK;
    }
    if (byte < 0x20 || byte > 0x7E) {
        r->len = 0;
        r->overflow = false;
        return AW_ERR_IPA_PROTOCOL;
    }
    if (r->len == IPA_AT_LINE_MAX) {
        r->overflow = true;
        return AW_OK;
    }
    r->line[r->len++] = (char)byte;
    return AW_OK;
}

void ipa_at_reply_init(ipa_at_reply *r, const char *prefix, bool bare_number)
{
    memset(r, 0, sizeof(*r));
    r->prefix = prefix;
    r->bare_number = bare_number;
    r->cme_error = -1;
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Decimal digits only, at most max; no sign, no spaces. */
static bool parse_number(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    unsigned long value = 0;
    if (!all_digits(s, len) || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        value = value * 10 + (unsigned long)(s[i] - '0');
        if (value > max)
            return false;
    }
    *out = value;
    return true;
}

/* "+CME ERROR: <err>": a number (27.007 9.2.1) or verbose text (9.2.2) */
static aw_err take_cme_error(ipa_at_reply *r, const char *text, size_t len)
{
    while (len > 0 && *text == ' ') {
        text++;
        len--;
    }
    if (len == 0)
        return AW_ERR_IPA_PROTOCOL;
    unsigned long code;
    if (all_digits(text, len)) {
        if (!parse_number(text, len, 65535, &code))
            return AW_ERR_IPA_PROTOCOL;
        r->cme_error = (long)code;
    } else {
        r->cme_error = -1;
    }
    r->final = IPA_AT_CME_ERROR;
    return AW_OK;
}

static aw_err take_info(ipa_at_reply *r, const char *text, size_t len)
{
    if (r->has_info)
        return AW_ERR_IPA_PROTOCOL;
    memcpy(r->info, text, len);
    r->info[len] = '\0';
    r->has_info = true;
    return AW_OK;
}

aw_err ipa_at_reply_line(ipa_at_reply *r, const char *line, size_t len)
{
    static const char cme[] = "+CME ERROR:";
    if (r->final != IPA_AT_PENDING)
        return AW_ERR_STATE;
    if (len == 0 || len > IPA_AT_LINE_MAX)
        return AW_ERR_IPA_PROTOCOL;
    if (++r->lines > IPA_AT_REPLY_LINES_MAX)
        return AW_ERR_IPA_RESPONSE_TOO_LONG;
    if (len == 2 && memcmp(line, "OK", 2) == 0) {
        r->final = IPA_AT_OK;
        return AW_OK;
    }
    if (len == 5 && memcmp(line, "ERROR", 5) == 0) {
        r->final = IPA_AT_ERROR;
        return AW_OK;
    }
    if (len >= sizeof(cme) - 1 && memcmp(line, cme, sizeof(cme) - 1) == 0)
        return take_cme_error(r, line + sizeof(cme) - 1, len - (sizeof(cme) - 1));
    size_t prefix_len = r->prefix != NULL ? strlen(r->prefix) : 0;
    if (prefix_len > 0 && len > prefix_len && memcmp(line, r->prefix, prefix_len) == 0 &&
        line[prefix_len] == ':') {
        size_t skip = prefix_len + 1;
        while (skip < len && line[skip] == ' ')
            skip++;
        return take_info(r, line + skip, len - skip);
    }
    if (r->bare_number && all_digits(line, len))
        return take_info(r, line, len);
    if (len >= 2 && (line[0] == 'A' || line[0] == 'a') && (line[1] == 'T' || line[1] == 't'))
        return AW_OK; /* the module echoing our command */
    if (line[0] == '+' && memchr(line, ':', len) != NULL)
        return AW_OK; /* an unsolicited result code (27.007 4.1) */
    return AW_ERR_IPA_PROTOCOL;
}

aw_err ipa_at_parse_hex_response(const char *info, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    const char *comma = strchr(info, ',');
    if (comma == NULL)
        return AW_ERR_IPA_PROTOCOL;
    unsigned long announced;
    if (!parse_number(info, (size_t)(comma - info), 65535, &announced))
        return AW_ERR_IPA_PROTOCOL;
    const char *hex = comma + 1;
    size_t total = strlen(hex);
    if (total < 2 || hex[0] != '"' || hex[total - 1] != '"')
        return AW_ERR_IPA_PROTOCOL;
    hex++;
    size_t digits = total - 2;
    /* never trust the announced length: it must be what came */
    if (announced != digits || digits % 2 != 0 || digits < 4)
        return AW_ERR_IPA_PROTOCOL;
    if (digits / 2 > cap)
        return AW_ERR_IPA_RESPONSE_TOO_LONG;
    char text[IPA_AT_LINE_MAX + 1];
    memcpy(text, hex, digits);
    text[digits] = '\0';
    return aw_hex_decode(text, out, cap, len) == AW_OK ? AW_OK : AW_ERR_IPA_PROTOCOL;
}

aw_err ipa_at_parse_session(const char *info, unsigned *session)
{
    unsigned long value;
    *session = 0;
    if (!parse_number(info, strlen(info), 65535, &value) || value == 0)
        return AW_ERR_IPA_PROTOCOL;
    *session = (unsigned)value;
    return AW_OK;
}
