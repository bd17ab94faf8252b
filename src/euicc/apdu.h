/* airwrite eUICC: command APDU structure (ISO/IEC 7816-4 5.1, 5.4) and the
 * class byte coding of ETSI TS 102 221 10.1.1. */
#ifndef AIRWRITE_EUICC_APDU_H
#define AIRWRITE_EUICC_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "euicc/sw.h"

/* A parsed command APDU; data points into the caller's buffer. */
typedef struct euicc_apdu {
    uint8_t cla;
    uint8_t ins;
    uint8_t p1;
    uint8_t p2;
    const uint8_t *data;  /* command data field, NULL when Lc is absent */
    size_t lc;
    bool has_le;
    size_t le;            /* Ne: 1..256 short, 1..65536 extended (00 / 0000 = max) */
    bool extended;
} euicc_apdu;

/* Parse the four cases of ISO/IEC 7816-4 5.1 in short and extended form.
 * Returns EUICC_SW_OK, or EUICC_SW_WRONG_LENGTH when the body matches no case. */
enum euicc_sw euicc_parse_apdu(const uint8_t *buf, size_t len, euicc_apdu *out);

/* Class byte (TS 102 221 10.1.1): which logical channel, whether it is the
 * proprietary (GlobalPlatform/ETSI, b8 set) or inter-industry class, and
 * whether secure messaging or command chaining are indicated. */
typedef struct euicc_class {
    unsigned channel;      /* 0..19 */
    bool proprietary;      /* '8X', 'CX', 'EX' */
    bool secure_messaging;
    bool chaining;         /* ISO command chaining bit (b5 of first inter-industry CLA) */
} euicc_class;

/* EUICC_SW_CLA_NOT_SUPPORTED for 'FF' and other codings outside the table. */
enum euicc_sw euicc_parse_class(uint8_t cla, euicc_class *out);

#endif
