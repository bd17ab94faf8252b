/* airwrite eUICC: command APDU parsing (ISO/IEC 7816-4 5.1) and class byte
 * coding (ETSI TS 102 221 10.1.1). Lengths come from the terminal and are
 * checked against the bytes actually received before anything is read. */
#include "euicc/apdu.h"

#include <string.h>

enum euicc_sw euicc_parse_apdu(const uint8_t *buf, size_t len, euicc_apdu *out)
{
    memset(out, 0, sizeof(*out));
    if (buf == NULL || len < 4)
        return EUICC_SW_WRONG_LENGTH;
    out->cla = buf[0];
    out->ins = buf[1];
    out->p1 = buf[2];
    out->p2 = buf[3];
    const uint8_t *body = buf + 4;
    size_t n = len - 4;

    if (n == 0) /* case 1 */
        return EUICC_SW_OK;
    if (n == 1) { /* case 2 short: Le */
        out->has_le = true;
        out->le = body[0] ? body[0] : 256;
        return EUICC_SW_OK;
    }
    if (body[0] != 0x00) { /* short Lc */
        size_t lc = body[0];
        if (n == 1 + lc) { /* case 3 short */
            out->data = body + 1;
            out->lc = lc;
            return EUICC_SW_OK;
        }
        if (n == 2 + lc) { /* case 4 short */
            out->data = body + 1;
            out->lc = lc;
            out->has_le = true;
            out->le = body[1 + lc] ? body[1 + lc] : 256;
            return EUICC_SW_OK;
        }
        return EUICC_SW_WRONG_LENGTH;
    }
    /* body[0] == 00: extended form */
    out->extended = true;
    if (n == 3) { /* case 2 extended: 00 Le1 Le2 */
        size_t le = (size_t)body[1] << 8 | body[2];
        out->has_le = true;
        out->le = le ? le : 65536;
        return EUICC_SW_OK;
    }
    if (n < 3)
        return EUICC_SW_WRONG_LENGTH;
    size_t lc = (size_t)body[1] << 8 | body[2];
    if (lc == 0)
        return EUICC_SW_WRONG_LENGTH;
    if (n == 3 + lc) { /* case 3 extended */
        out->data = body + 3;
        out->lc = lc;
        return EUICC_SW_OK;
    }
    if (n == 5 + lc) { /* case 4 extended */
        size_t le = (size_t)body[3 + lc] << 8 | body[4 + lc];
        out->data = body + 3;
        out->lc = lc;
        out->has_le = true;
        out->le = le ? le : 65536;
        return EUICC_SW_OK;
    }
    return EUICC_SW_WRONG_LENGTH;
}

enum euicc_sw euicc_parse_class(uint8_t cla, euicc_class *out)
{
    memset(out, 0, sizeof(*out));
    if (cla == 0xFF)
        return EUICC_SW_CLA_NOT_SUPPORTED; /* invalid per ISO/IEC 7816-3 (PPS) */
    out->proprietary = (cla & 0x80u) != 0;
    if ((cla & 0x40u) == 0) {
        /* '0X' / '8X': channels 0-3 in b2-b1, secure messaging b4-b3 */
        if ((cla & 0x60u) != 0)
            return EUICC_SW_CLA_NOT_SUPPORTED; /* '2X', '3X', 'AX', 'BX' are RFU */
        out->channel = cla & 0x03u;
        out->secure_messaging = (cla & 0x0Cu) != 0;
        out->chaining = (cla & 0x10u) != 0;
    } else {
        /* '4X'-'7X' / 'CX'-'FX': channels 4-19 in b4-b1, secure messaging b6 */
        out->channel = 4 + (cla & 0x0Fu);
        out->secure_messaging = (cla & 0x20u) != 0;
        out->chaining = (cla & 0x10u) != 0 && !out->proprietary;
        if (out->proprietary && (cla & 0x10u) != 0)
            return EUICC_SW_CLA_NOT_SUPPORTED; /* 'DX', 'FX' not defined by TS 102 221 */
    }
    return EUICC_SW_OK;
}
