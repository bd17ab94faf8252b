/* airwrite core: device identity of card-device locking: DeviceInfo tac
 * and imei octets (SGP.22 4.2, 5.7.13) to digits and back, the text a
 * binding stores (3GPP TS 23.003 6.2, check digit B.2), the comparison. */
#include "core/device_identity.h"

#include <string.h>

#define FILLER 0x0Fu

static bool all_digits(const char *text, size_t len)
{
    return strspn(text, "0123456789") == len;
}

/* count digits out of octets; a filler is allowed only as the last
 * nibble when filler_ok. Returns the number of digits, or 0 on error. */
static size_t octets_to_digits(aw_slice octets, bool filler_ok, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < octets.len * 2; i++) {
        unsigned nibble = i % 2 == 0 ? octets.ptr[i / 2] >> 4 : octets.ptr[i / 2] & 0x0Fu;
        bool last = i + 1 == octets.len * 2;
        if (nibble == FILLER && last && filler_ok)
            break;
        if (nibble > 9)
            return 0;
        out[n++] = (char)('0' + nibble);
    }
    out[n] = '\0';
    return n;
}

aw_err device_identity_from_device_info(const sgp22_device_info *info, device_identity *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (info == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (info->tac.len != DEVICE_IDENTITY_TAC_OCTETS ||
        octets_to_digits(info->tac, false, out->tac) != DEVICE_IDENTITY_TAC_DIGITS)
        goto malformed;
    if (info->has_imei && info->imei.len != 0) {
        size_t n = info->imei.len == DEVICE_IDENTITY_IMEI_OCTETS
                       ? octets_to_digits(info->imei, true, out->imei)
                       : 0;
        if (n != DEVICE_IDENTITY_IMEI_DIGITS && n != DEVICE_IDENTITY_IMEISV_DIGITS)
            goto malformed;
    }
    return AW_OK;
malformed:
    memset(out, 0, sizeof(*out));
    return AW_ERR_DEVICE_IDENTITY_FORMAT;
}

bool device_identity_digits_to_octets(const char *text, uint8_t *out, size_t cap)
{
    if (text == NULL || out == NULL)
        return false;
    size_t len = strlen(text);
    if (len == 0 || (len + 1) / 2 > cap || !all_digits(text, len))
        return false;
    memset(out, 0xFF, cap);
    for (size_t i = 0; i < len; i++) {
        uint8_t d = (uint8_t)(text[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] & 0xF0u) | d : (d << 4) | FILLER);
    }
    return true;
}

/* TS 23.003 B.2: the Luhn check digit over the 14 digits TAC + SNR. */
static bool imei_check_digit_ok(const char *imei)
{
    unsigned sum = 0;
    for (size_t i = 0; i < DEVICE_IDENTITY_SERIAL_DIGITS; i++) {
        unsigned d = (unsigned)(imei[i] - '0');
        if (i % 2 == 1) {
            d *= 2;
            d = d / 10 + d % 10;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10 == (unsigned)(imei[DEVICE_IDENTITY_SERIAL_DIGITS] - '0');
}

aw_err device_identity_check_text(const char *text)
{
    if (text == NULL)
        return AW_ERR_DEVICE_IDENTITY_FORMAT;
    size_t len = strnlen(text, DEVICE_IDENTITY_IMEISV_DIGITS + 1);
    if (!all_digits(text, len))
        return AW_ERR_DEVICE_IDENTITY_FORMAT;
    if (len == DEVICE_IDENTITY_TAC_DIGITS || len == DEVICE_IDENTITY_IMEISV_DIGITS)
        return AW_OK;
    if (len == DEVICE_IDENTITY_IMEI_DIGITS && imei_check_digit_ok(text))
        return AW_OK;
    return AW_ERR_DEVICE_IDENTITY_FORMAT;
}

bool device_identity_matches(const char *bound, const device_identity *reported)
{
    if (reported == NULL || device_identity_check_text(bound) != AW_OK)
        return false;
    if (strlen(bound) == DEVICE_IDENTITY_TAC_DIGITS)
        return strcmp(bound, reported->tac) == 0;
    return strlen(reported->imei) >= DEVICE_IDENTITY_IMEI_DIGITS &&
           memcmp(bound, reported->imei, DEVICE_IDENTITY_SERIAL_DIGITS) == 0;
}
