/* airwrite IPA: the device side of card-device locking (机卡互锁,
 * docs/device-lock.md): the cards (EIDs) this device is bound to, from a
 * binding file its integrator installs; a card not among them is refused
 * before any other ES10 function (the IPA reads its EID, ES10c.GetEID,
 * SGP.22 5.7.20, and does nothing else with it) and reported to the
 * platform over the terminal report channel (mutual TLS, the device's
 * certificate naming its own EID), an airwrite extension: SGP.32 defines
 * no IPA-to-platform report. */
#ifndef AIRWRITE_IPA_DEVICE_BINDING_H
#define AIRWRITE_IPA_DEVICE_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define IPA_DEVICE_BINDING_FILE_MAX 8192u /* bytes of the binding file */
#define IPA_DEVICE_BINDING_EIDS_MAX 64u
#define IPA_DEVICE_BINDING_EID_DIGITS 32u
#define IPA_DEVICE_REFUSAL_PATH "/terminal/v1/card-refusals"

/* The cards this device takes. */
typedef struct ipa_device_binding {
    size_t count;
    char eids[IPA_DEVICE_BINDING_EIDS_MAX][IPA_DEVICE_BINDING_EID_DIGITS + 1];
} ipa_device_binding;

/* The binding file: lines ending in LF (a CR before it allowed); blank
 * lines and lines starting with '#' ignored; every other line exactly one
 * EID of 32 digits; 1..IPA_DEVICE_BINDING_EIDS_MAX EIDs, no repeat, at most
 * IPA_DEVICE_BINDING_FILE_MAX bytes. AW_ERR_DEVICE_BINDING_FILE otherwise
 * (*out emptied). */
aw_err ipa_device_binding_parse(const uint8_t *text, size_t len, ipa_device_binding *out);

/* Read and parse the file at path. AW_ERR_NOT_FOUND, AW_ERR_IO; errors of
 * the parser (a file over the limit too). */
aw_err ipa_device_binding_load(const char *path, ipa_device_binding *out);

/* AW_OK when eid (32 digits) is one of the binding's, else
 * AW_ERR_DEVICE_BINDING_UNBOUND. */
aw_err ipa_device_binding_check(const ipa_device_binding *binding, const char *eid);

/* The refusal report as JSON (docs/device-lock.md "Card refused"):
 * deviceEid (the device's own card, as its certificate names it), cardEid
 * (the refused card), imei (15 or 16 digits, NULL or "" to leave it out),
 * time (RFC 3339 UTC of now_seconds). *json malloc'd. AW_ERR_ARGUMENT. */
aw_err ipa_device_refusal_encode(const char *device_eid, const char *card_eid, const char *imei,
                                 int64_t now_seconds, char **json);

#endif
