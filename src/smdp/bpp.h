/* airwrite SM-DP+: binding a personalised profile package to one eUICC
 * download session, the SM-DP+ side of SGP.22 3.1.3 (steps "generate
 * otPK/otSK.DP.ECKA ... generate the BPP"), 2.5.4 (BoundProfilePackage),
 * 2.5.5 (segments), 2.6.4 (BSP/SCP03t keys) and ES8+ 5.5.1 to 5.5.4
 * (InitialiseSecureChannel, ConfigureISDP, StoreMetadata,
 * ReplaceSessionKeys).
 *
 * smdp_bpp_build():
 *   1. fresh otSK/otPK.DP.ECKA on the curve of SK.DPpb.ECDSA (the eUICC
 *      made otPK.EUICC.ECKA on that curve, SGP.22 3.1.3);
 *   2. ShS = ECKA-DH(otSK.DP.ECKA, otPK.EUICC.ECKA), then the session keys
 *      of 2.6.4.2 (KDF over keyType 88, keyLen 10, hostId, EID);
 *   3. InitialiseSecureChannelRequest (BF23): remoteOpId
 *      installBoundProfilePackage, transactionId, CRT {88, 10, hostId},
 *      smdpOtpk, and smdpSign = ECDSA(SK.DPpb) over the data objects
 *      remoteOpId .. smdpOtpk as encoded followed by the eUICC's otPK
 *      data object ('5F49' L otPK.EUICC.ECKA, as received in euiccSigned2)
 *      (ES8+ 5.5.1; osmocom pySim es8p.py and the software eUICC's
 *      download_bpp.c check exactly these bytes);
 *   4. firstSequenceOf87: ConfigureISDPRequest (dpProprietaryData {dpOid})
 *      encrypted and MACed with S-ENC/S-MAC; sequenceOf88:
 *      StoreMetadataRequest MAC only (the block counter still advances);
 *      secondSequenceOf87 when asked: ReplaceSessionKeysRequest with fresh
 *      random PPK-ENC, PPK-MAC and initial MAC chaining value, encrypted
 *      and MACed with the session keys;
 *   5. sequenceOf86: the package encrypted and MACed with the PPKs (a
 *      fresh SCP03t state, counter from 1) when replaced, else with the
 *      session keys continuing the counter (scp03t.h);
 *   6. every segment at most 1020 bytes (SCP03T_SEGMENT_MAX).
 * Secrets (otSK, ShS, session keys, PPKs) never leave the call and are
 * erased before it returns.
 *
 * hostId: SGP.22 fixes only its size (OctetTo16, 5.5.1 ControlRefTemplate)
 * and its use as KDF input (2.6.4.2); GlobalPlatform CS Amendment F 6.5.2.3
 * leaves its value to the off-card entity. By default this library uses
 * the transactionId, which is 1..16 bytes, unique per download and already
 * known to both sides, so no configuration can go stale; a caller may set
 * its own.
 *
 * Segmentation of the profile package (sequenceOf86): SGP.22 2.5.3 splits
 * the Unprotected Profile Package into segments without regard to Profile
 * Element boundaries, and the eUICC processes the concatenated plaintext,
 * so the default SMDP_BPP_SEGMENT_FILL cuts the package into full segments
 * (1007 plaintext bytes each, the last shorter), the fewest segments and
 * STORE DATA exchanges. SMDP_BPP_SEGMENT_PER_ELEMENT starts a new segment
 * at every Profile Element (an element over 1007 bytes still takes
 * several), for eUICCs or tests that want one PE per segment.
 */
#ifndef AIRWRITE_SMDP_BPP_H
#define AIRWRITE_SMDP_BPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/error.h"
#include "core/pki.h"

typedef enum smdp_bpp_segmentation {
    SMDP_BPP_SEGMENT_FILL = 0,       /* full segments, cut anywhere (default) */
    SMDP_BPP_SEGMENT_PER_ELEMENT = 1 /* each Profile Element starts a segment */
} smdp_bpp_segmentation;

/* NotificationEvent bits (SGP.22 5.5.3 NotificationConfigurationInformation) */
#define SMDP_NOTIFY_INSTALL (1u << 0)
#define SMDP_NOTIFY_ENABLE (1u << 1)
#define SMDP_NOTIFY_DISABLE (1u << 2)
#define SMDP_NOTIFY_DELETE (1u << 3)

/* One NotificationConfigurationInformation entry. */
typedef struct smdp_notification_configuration {
    uint32_t events;      /* SMDP_NOTIFY_* bits, at least one */
    const char *address;  /* FQDN to send those notifications to, non-empty */
} smdp_notification_configuration;

/* The StoreMetadataRequest content the SM-DP+ chooses (SGP.22 5.5.3); the
 * ICCID is taken from the package itself, so the two cannot disagree. */
typedef struct smdp_profile_metadata {
    const char *service_provider_name; /* UTF-8, 0..32 characters */
    const char *profile_name;          /* UTF-8, 0..64 characters */
    int64_t profile_class;             /* test(0), provisioning(1), operational(2) */
    const smdp_notification_configuration *notifications;
    size_t notification_count;
    bool has_icon;
    int64_t icon_type;                 /* jpg(0), png(1) */
    const uint8_t *icon;               /* 0..1024 bytes */
    size_t icon_len;
    bool has_profile_policy_rules;
    uint32_t profile_policy_rules;     /* PprIds bits 0..2 */
} smdp_profile_metadata;

/* Everything one BPP is bound to. Nothing here is kept after the call. */
typedef struct smdp_bpp_request {
    const uint8_t *transaction_id;     /* 1..16 bytes, the session's */
    size_t transaction_id_len;
    const uint8_t *eid;                /* CRYPTO_EID_SIZE bytes (CERT.EUICC serialNumber) */
    const uint8_t *euicc_otpk;         /* otPK.EUICC.ECKA from euiccSigned2 (04||X||Y) */
    size_t euicc_otpk_len;
    const crypto_key *dp_pb_key;       /* SK.DPpb.ECDSA (private) */
    const pki_certificate *dp_pb_certificate; /* CERT.DPpb.ECDSA */
    const char *dp_oid;                /* dotted; NULL: the certificate's SM-DP+ OID */
    const uint8_t *host_id;            /* 1..16 bytes; NULL: the transactionId */
    size_t host_id_len;
    const smdp_profile_metadata *metadata;
    const uint8_t *profile;            /* the personalised profile package (UPP) */
    size_t profile_len;
    bool replace_session_keys;         /* add secondSequenceOf87, protect 86 with PPKs */
    smdp_bpp_segmentation segmentation;
} smdp_bpp_request;

/* Check metadata against SGP.22 5.5.3: AW_ERR_SMDP_METADATA for a name
 * too long or not UTF-8, an unknown profile class or icon type, an icon
 * over 1024 bytes, a notification entry without events, with unknown
 * event bits or an empty address, unknown PPR bits; AW_ERR_ARGUMENT when
 * metadata or a name is NULL. */
aw_err smdp_check_profile_metadata(const smdp_profile_metadata *metadata);

/* Build the whole BoundProfilePackage (BF36 TLV) into *out (free with
 * der_bytes_free). Errors:
 *   AW_ERR_ARGUMENT       NULL input, transactionId or hostId not 1..16
 *                         bytes, no EID, segmentation unknown
 *   AW_ERR_SMDP_METADATA  see smdp_check_profile_metadata
 *   AW_ERR_CRYPTO_KEY     SK.DPpb is not a private key; otPK.EUICC.ECKA is
 *                         not a point on SK.DPpb's curve
 *   AW_ERR_CRYPTO_CURVE   CERT.DPpb's key is on another curve than SK.DPpb
 *   AW_ERR_SMDP_KEY_MISMATCH  SK.DPpb is not the key of CERT.DPpb
 *   AW_ERR_PKI_POLICY     the certificate is not a DPpb certificate
 *   AW_ERR_PKI_SUBJECT_ALT_NAME  no dp_oid given and the certificate has no
 *                         SM-DP+ OID, or dp_oid is not a dotted OID
 *   saip_profile_parse's errors for a profile that is not a valid package
 *   (its ICCID fills StoreMetadataRequest), AW_ERR_NOMEM. */
aw_err smdp_bpp_build(const smdp_bpp_request *request, uint8_t **out, size_t *out_len);

#endif
