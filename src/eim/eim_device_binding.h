/* airwrite eIM: card-device locking (机卡互锁), part of the eIM's one
 * public header (included at the end of eim/eim.h; include that, not
 * this). docs/device-lock.md.
 *
 * The platform tells the eIM which device each card (EID) is bound to (an
 * IMEI, IMEISV or TAC, core/device_identity.h). When the relay's
 * device_binding is on (eim_relay_config), an indirect download's
 * AuthenticateClient (SGP.32 6.3.2.2) is checked before it reaches the
 * SM-DP+: the AuthenticateServerResponse's eUICC chain verifies to a
 * trusted CI (SGP.22 4.5.2.2), euiccSignature1 verifies over the exact
 * euiccSigned1 bytes received (SGP.22 5.7.13), and the DeviceInfo that
 * euiccSigned1 carries (ctxParams1, SGP.22 4.2) names the bound device. A
 * refusal is recorded as a mismatch the platform collects
 * (eim_device_mismatch_list) and answered with undefinedError, the
 * download going no further. SGP.32 has no eUICC-signed DeviceInfo outside
 * a download (IpaEuiccData deviceInfo [9] is the IPA's own, unsigned), so
 * this check is where the eUICC vouches for the device. */
#ifndef AIRWRITE_EIM_EIM_DEVICE_BINDING_H
#define AIRWRITE_EIM_EIM_DEVICE_BINDING_H

#include "core/device_identity.h"

#define EIM_DEVICE_TEXT_MAX DEVICE_IDENTITY_IMEISV_DIGITS
#define EIM_DEVICE_MISMATCH_PAGE_MAX 500u
#define EIM_MATCHING_ID_MAX 64u   /* the platform's Matching IDs (SGP.22 4.1) */
#define EIM_ICCID_TEXT_MAX 20u    /* ITU-T E.118 digits */

/* Create or upgrade the tables (db_migrate component "eim_device_binding");
 * eim_migrate calls it. */
aw_err eim_device_binding_migrate(db_connection *db);

/* Bind card eid (32 digits) to device (device_identity_check_text), or
 * replace its binding. AW_ERR_ARGUMENT; AW_ERR_DEVICE_IDENTITY_FORMAT. */
aw_err eim_device_binding_set(db_connection *db, const char *eid, const char *device,
                              int64_t now_ms);

/* Remove the binding of eid (none: AW_OK, nothing changes). */
aw_err eim_device_binding_remove(db_connection *db, const char *eid);

/* The device eid is bound to; *found false (device "") when none. */
aw_err eim_device_binding_get(db_connection *db, const char *eid,
                              char device[EIM_DEVICE_TEXT_MAX + 1], bool *found);

/* Bind the profile iccid of one download trigger to device: the platform's
 * order executor calls it before it queues the trigger whose Activation
 * Code carries matching_id (SGP.22 4.1; printable ASCII, 1..64) for eid.
 * The eUICC signs the same matchingId in ctxParams1 of euiccSigned1 (SGP.22
 * 5.7.13), so eim_device_binding_check knows which profile a download is
 * for. Replaces the expectation of the same eid and matching_id.
 * AW_ERR_ARGUMENT; AW_ERR_DEVICE_IDENTITY_FORMAT. */
aw_err eim_device_binding_expect(db_connection *db, const char *eid, const char *matching_id,
                                 const char *iccid, const char *device, int64_t now_ms);

/* The check of one AuthenticateServerResponse (BF38 TLV as relayed).
 * *verdict: AW_OK when the download may go on (an error alternative: the
 * eUICC refused and the SM-DP+ is told; an eUICC whose card is not bound;
 * the bound device), else AW_ERR_DEVICE_BINDING_SIGNATURE (the chain or
 * euiccSignature1 does not verify: nothing it says is believed),
 * AW_ERR_DEVICE_IDENTITY_FORMAT (signed DeviceInfo not BCD digits) or
 * AW_ERR_DEVICE_BINDING_MISMATCH, the last two recorded as a mismatch: one
 * for the card's binding (iccid "") and one for the expectation of the
 * signed matchingId (eim_device_binding_expect, its iccid), each that
 * fails. Every verified response's DeviceInfo (when BCD digits) becomes the
 * card's last verified device (eim_device_verification_list).
 * eid (may be NULL) receives the certificate's EID when the chain
 * verified. Returns the eIM's own failures (database, memory). */
aw_err eim_device_binding_check(db_connection *db, const pki_trust_store *trust,
                                aw_slice authenticate_server_response, int64_t now_ms,
                                char eid[EIM_EID_DIGITS + 1], aw_err *verdict);

/* A refused download, as recorded. */
typedef struct eim_device_mismatch {
    int64_t id;                                  /* increasing; the collector's cursor */
    char eid[EIM_EID_DIGITS + 1];
    char bound[EIM_DEVICE_TEXT_MAX + 1];         /* the binding at the time */
    char tac[DEVICE_IDENTITY_TAC_DIGITS + 1];    /* what the eUICC signed; "" when malformed */
    char imei[DEVICE_IDENTITY_IMEISV_DIGITS + 1]; /* "" when absent or malformed */
    int64_t seen_at_ms;
    char iccid[EIM_ICCID_TEXT_MAX + 1];          /* the bound profile's; "" card binding */
} eim_device_mismatch;

/* Mismatches with id > after, oldest first, at most limit
 * (1..EIM_DEVICE_MISMATCH_PAGE_MAX); *list malloc'd (NULL when none). */
aw_err eim_device_mismatch_list(db_connection *db, int64_t after, size_t limit,
                                eim_device_mismatch **list, size_t *count);

/* A card's last eUICC-signed device (one per EID, the latest verified
 * AuthenticateServerResponse while the check is on). */
typedef struct eim_device_verification {
    int64_t id;                                  /* increasing; a new one replaces the EID's */
    char eid[EIM_EID_DIGITS + 1];
    char iccid[EIM_ICCID_TEXT_MAX + 1];          /* the expected profile's; "" none */
    char tac[DEVICE_IDENTITY_TAC_DIGITS + 1];
    char imei[DEVICE_IDENTITY_IMEISV_DIGITS + 1]; /* "" when the eUICC signed none */
    int64_t seen_at_ms;
} eim_device_verification;

/* Verifications with id > after, oldest first, at most limit
 * (1..EIM_DEVICE_MISMATCH_PAGE_MAX); *list malloc'd (NULL when none). */
aw_err eim_device_verification_list(db_connection *db, int64_t after, size_t limit,
                                    eim_device_verification **list, size_t *count);

#endif
