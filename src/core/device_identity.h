/* airwrite core: the device identity of card-device locking (机卡互锁): the
 * TAC and IMEI a device reports in SGP.22 DeviceInfo (RSPDefinitions
 * DeviceInfo: tac Octet4, imei Octet8 OPTIONAL; SGP.22 4.2, 5.7.13), which
 * the eUICC signs inside euiccSigned1 of its AuthenticateServerResponse,
 * and the text form a binding stores (3GPP TS 23.003 6.2: TAC 8 digits,
 * IMEI 15 digits with its check digit, IMEISV 16 digits).
 *
 * Octets: decimal digits two per byte, the first digit in the high
 * nibble, F filling the last low nibble of a 15-digit IMEI (the encoding
 * airwrite's IPA writes, src/cli/airwrite_ipa_download.c). docs/device-lock.md. */
#ifndef AIRWRITE_CORE_DEVICE_IDENTITY_H
#define AIRWRITE_CORE_DEVICE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sgp22_auth.h"

#define DEVICE_IDENTITY_TAC_DIGITS 8u    /* TS 23.003 6.2.1 Type Allocation Code */
#define DEVICE_IDENTITY_IMEI_DIGITS 15u  /* TAC, SNR (6), check digit */
#define DEVICE_IDENTITY_IMEISV_DIGITS 16u /* TAC, SNR, SVN (2) */
#define DEVICE_IDENTITY_SERIAL_DIGITS 14u /* TAC + SNR: one device's IMEI and IMEISV share them */
#define DEVICE_IDENTITY_TAC_OCTETS 4u
#define DEVICE_IDENTITY_IMEI_OCTETS 8u

/* What a device reported: digits, NUL-terminated. */
typedef struct device_identity {
    char tac[DEVICE_IDENTITY_TAC_DIGITS + 1];
    char imei[DEVICE_IDENTITY_IMEISV_DIGITS + 1]; /* 15 or 16 digits; "" when not reported */
} device_identity;

/* Digits of a DeviceInfo (tac 4 octets, imei 8 octets when present; an
 * empty imei, as deployed LPAs send, counts as absent). *out zeroed first.
 * AW_ERR_DEVICE_IDENTITY_FORMAT: a nibble that is no digit, a filler
 * anywhere but the IMEI's last nibble, wrong lengths. */
aw_err device_identity_from_device_info(const sgp22_device_info *info, device_identity *out);

/* len digits of text into cap octets as above (F filler). false: not
 * digits, or they do not fit. */
bool device_identity_digits_to_octets(const char *text, uint8_t *out, size_t cap);

/* A binding's device as text: 8 digits (TAC: any device of that type
 * allocation), 15 digits (IMEI, check digit of TS 23.003 B.2 checked) or
 * 16 digits (IMEISV). AW_ERR_DEVICE_IDENTITY_FORMAT otherwise. */
aw_err device_identity_check_text(const char *text);

/* Whether reported is the bound device: a TAC binding compares the TAC; an
 * IMEI or IMEISV binding the first 14 digits (TAC + SNR) of the reported
 * IMEI/IMEISV, so the same device matches whether it reports IMEI or
 * IMEISV. A device that reports no IMEI never matches an IMEI binding.
 * false for a bound text device_identity_check_text refuses. */
bool device_identity_matches(const char *bound, const device_identity *reported);

#endif
