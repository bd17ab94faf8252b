/* airwrite platform: the devices' card refusals of card-device locking
 * (机卡互锁, docs/device-lock.md "Card refused"): the IPA of a device that
 * met a card (EID) not bound to it POSTs PLATFORM_DEVICE_REFUSAL_PATH on
 * the terminal report listener (mutual TLS, the device certificate naming
 * the device's own EID, as for POST /terminal/v1/reports); each refusal
 * raises T3102 (platform_device_lock_on_refused). An airwrite extension:
 * SGP.32 has no report from the IPA to a platform. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_DEVICE_LOCK_REPORT_H
#define AIRWRITE_PLATFORM_PLATFORM_DEVICE_LOCK_REPORT_H

#include "platform/platform_terminal.h"

#define PLATFORM_DEVICE_REFUSAL_PATH "/terminal/v1/card-refusals"
#define PLATFORM_DEVICE_REFUSAL_BODY_MAX 1024u
#define PLATFORM_DEVICE_REFUSAL_TIME_LENGTH 20u /* "2026-12-01T12:00:00Z" */

typedef struct platform_device_refusal {
    char device_eid[PLATFORM_EID_DIGITS + 1];
    char card_eid[PLATFORM_EID_DIGITS + 1];
    char imei[PLATFORM_DEVICE_TEXT_MAX + 1]; /* "" when not sent */
    char time[PLATFORM_DEVICE_REFUSAL_TIME_LENGTH + 1];
} platform_device_refusal;

/* Strict parse: one JSON object of at most PLATFORM_DEVICE_REFUSAL_BODY_MAX
 * bytes with deviceEid and cardEid (32 digits each, different), time
 * (RFC 3339 UTC, seconds) and optionally imei (15 or 16 digits); no other
 * or repeated member. AW_ERR_TERMINAL_REPORT otherwise (*out zeroed). */
aw_err platform_device_refusal_parse(const uint8_t *body, size_t len,
                                     platform_device_refusal *out);

/* One POST: 403 (T2101) without a device certificate naming deviceEid,
 * 400 (T2102) for a body the parser refuses, else T3102 raised and 204.
 * *answer NULL for 204, else malloc'd JSON {"code","message"}. AW_OK
 * whenever an answer is decided; database errors otherwise. */
aw_err platform_device_refusal_handle(db_connection *db, const platform_exception_policy *policy,
                                      aw_slice peer_certificate, const uint8_t *body, size_t len,
                                      int64_t now_ms, int *http_status, char **answer);

/* Route POST PLATFORM_DEVICE_REFUSAL_PATH on the terminal listener (the
 * endpoint of platform_terminal_register, kept by the caller). */
aw_err platform_device_refusal_register(http_server *server, platform_terminal_endpoint *endpoint);

#endif
