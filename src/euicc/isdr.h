/* airwrite eUICC: the contract between the parts of the ISD-R (internal to
 * src/euicc; other components use euicc.h only).
 *
 *   card.c       APDU layer; hands each reassembled ES10 command to the
 *                dispatcher through euicc_es10_handler (card.h)
 *   isdr.c       dispatcher: outer tag of the ES10 command -> function
 *   identity.c   the eUICC's identity (EID, keys, certificates, CI trust)
 *   state.c      persistent state: profiles, notifications, addresses,
 *                written atomically (core/file.h), secrets encrypted at rest
 *   es10a.c, es10c.c, notification.c   ES10a, ES10c, notification list
 *   sgp32_eim.c, sgp32_package.c, sgp32_ipa.c   the SGP.32 IoT additions:
 *                eIM configuration (AddInitialEim, GetEimConfigurationData,
 *                eCOs), LoadEuiccPackage (PSMOs), IpaEuiccData and
 *                EimAcknowledgements
 *   download*.c  ES10b authentication and download: AuthenticateServer,
 *                PrepareDownload, LoadBoundProfilePackage, CancelSession;
 *                an engine that reads the identity and reports what to
 *                install through euicc_download_host, never touching state
 *                directly
 *
 * Function results defined by SGP.22 (error codes inside response messages)
 * are encoded into the response; aw_err reports only airwrite's own
 * failures, which the dispatcher turns into a status word. */
#ifndef AIRWRITE_EUICC_ISDR_H
#define AIRWRITE_EUICC_ISDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/error.h"
#include "core/pki.h"

#define EUICC_EID_SIZE 16
#define EUICC_ICCID_SIZE 10
#define EUICC_AID_MAX 16
#define EUICC_MAX_CI_PKIDS 8
#define EUICC_MAX_PROFILES 8
#define EUICC_MAX_NOTIFICATIONS 64
#define EUICC_ADDRESS_MAX 255        /* UTF8String addresses (FQDN) */

/* ---- identity (identity.c) -------------------------------------------- */

/* Who the eUICC is. Loaded once; read-only afterwards. */
typedef struct euicc_identity {
    char eid[AW_PKI_EID_DIGITS + 1];              /* 32 decimal digits */
    uint8_t eid_bytes[EUICC_EID_SIZE];            /* BCD, as in 5A */
    crypto_curve curve;                           /* of SK.EUICC.ECDSA */
    crypto_key *euicc_key;                        /* SK.EUICC.ECDSA */
    pki_certificate *euicc_certificate;           /* CERT.EUICC.ECDSA */
    pki_certificate *eum_certificate;             /* CERT.EUM.ECDSA */
    pki_trust_store *trust;                       /* PK.CI.ECDSA the eUICC trusts */
    /* EUICCInfo1/2 euiccCiPKIdListForVerification / ForSigning, SGP.22 4.3 */
    aw_pki_key_id ci_pkids_verification[EUICC_MAX_CI_PKIDS];
    size_t ci_pkid_verification_count;
    aw_pki_key_id ci_pkids_signing[EUICC_MAX_CI_PKIDS];
    size_t ci_pkid_signing_count;
} euicc_identity;

void euicc_identity_free(euicc_identity *identity);

/* ---- the download engine's view of the rest of the eUICC --------------- */

/* A profile that LoadBoundProfilePackage installed, handed to the host to
 * commit. All buffers are owned by the engine and valid during the call. */
typedef struct euicc_installed_profile {
    uint8_t iccid[EUICC_ICCID_SIZE];
    uint8_t isdp_aid[EUICC_AID_MAX];
    size_t isdp_aid_len;
    aw_slice store_metadata;      /* StoreMetadataRequest BF25 as received (decrypted) */
    aw_slice profile_package;     /* unprotected SAIP profile package (secret) */
    aw_slice installation_result; /* signed ProfileInstallationResult BF37 */
    int64_t sequence_number;      /* the PIR's notification seqNumber */
} euicc_installed_profile;

/* Implemented by the ISD-R for the download engine. */
typedef struct euicc_download_host {
    void *ctx;
    /* The next notification seqNumber (SGP.22 5.7.10), reserved for the
     * caller: consecutive calls never return the same number. */
    aw_err (*next_sequence_number)(void *ctx, int64_t *out);
    /* True if a profile with this ICCID is installed (SGP.22 5.7.6:
     * iccidAlreadyExistsOnEuicc). */
    bool (*iccid_exists)(void *ctx, const uint8_t iccid[EUICC_ICCID_SIZE]);
    /* True if another profile may still be installed
     * (installFailedDueToInsufficientMemoryForProfile). */
    bool (*has_room)(void *ctx);
    /* A fresh ISD-P AID for the profile being installed (SGP.22 2.2.4). */
    aw_err (*allocate_isdp_aid)(void *ctx, uint8_t aid[EUICC_AID_MAX], size_t *aid_len);
    /* Commit an installed profile and its installation-result notification
     * atomically. On failure the engine reports the install as failed. */
    aw_err (*commit_profile)(void *ctx, const euicc_installed_profile *profile);
    /* Record a ProfileInstallationResult for a failed install as a pending
     * notification (SGP.22 3.1.3: results are notified on failure too). */
    aw_err (*record_failed_installation)(void *ctx, aw_slice installation_result,
                                         int64_t sequence_number);
} euicc_download_host;


/* ---- the download engine (download*.c) --------------------------------- */

/* Volatile session state of ES10b authentication and download: the eUICC
 * challenge, transactionId, the SM-DP+ certificates, otSK.EUICC.ECKA, the
 * session keys and the BPP being loaded. Lost on card reset, never stored. */
typedef struct euicc_download euicc_download;

aw_err euicc_download_new(const euicc_identity *identity, const euicc_download_host *host,
                          euicc_download **out);
void euicc_download_free(euicc_download *download);

/* Forget any session (card reset, eUICCMemoryReset, CancelSession done). */
void euicc_download_reset(euicc_download *download);

/* Each function takes one whole ES10b command TLV as received and returns
 * the whole response TLV (malloc'd, *response owned by the caller). A
 * function-level error defined by SGP.22 is a normal response carrying
 * that error code; aw_err is for malformed commands (the dispatcher answers
 * 6A80) and internal failures. now is the time for certificate validity. */

/* ES10b.GetEUICCChallenge, SGP.22 5.7.7 (BF2E) */
aw_err euicc_download_get_challenge(euicc_download *download, const uint8_t *command, size_t len,
                                    uint8_t **response, size_t *response_len);

/* ES10b.AuthenticateServer, SGP.22 5.7.13 (BF38). euicc_info2 is the
 * EUICCInfo2 TLV (BF22) the eUICC reports, embedded in euiccSigned1. */
aw_err euicc_download_authenticate_server(euicc_download *download, const uint8_t *command,
                                          size_t len, aw_slice euicc_info2, time_t now,
                                          uint8_t **response, size_t *response_len);

/* ES10b.PrepareDownload, SGP.22 5.7.5 (BF21) */
aw_err euicc_download_prepare_download(euicc_download *download, const uint8_t *command,
                                       size_t len, time_t now, uint8_t **response,
                                       size_t *response_len);

/* True while a bound profile package is being loaded, so the dispatcher
 * routes its segments (A0-A3, 86, 87, 88 after BF36) here. */
bool euicc_download_loading(const euicc_download *download);

/* ES10b.LoadBoundProfilePackage, SGP.22 5.7.6: one segment as the LPA sends
 * it (2.5.5). Intermediate segments answer with an empty response
 * (*response NULL); the last one, or any failure, with the signed
 * ProfileInstallationResult (BF37). */
aw_err euicc_download_load_segment(euicc_download *download, const uint8_t *segment, size_t len,
                                   uint8_t **response, size_t *response_len);

/* ES10b.CancelSession, SGP.22 5.7.14 (BF41) */
aw_err euicc_download_cancel_session(euicc_download *download, const uint8_t *command,
                                     size_t len, uint8_t **response, size_t *response_len);

#endif
