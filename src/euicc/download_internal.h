/* airwrite eUICC: the session state of the ES10b download engine, shared by
 * download.c (GetEUICCChallenge 5.7.7, AuthenticateServer 5.7.13,
 * PrepareDownload 5.7.5, CancelSession 5.7.14) and download_bpp.c
 * (LoadBoundProfilePackage 5.7.6). Private to those files. */
#ifndef AIRWRITE_EUICC_DOWNLOAD_INTERNAL_H
#define AIRWRITE_EUICC_DOWNLOAD_INTERNAL_H

#include "core/scp03t.h"
#include "core/sgp22_bpp.h"
#include "euicc/isdr.h"

#define DOWNLOAD_CHALLENGE_SIZE 16
#define DOWNLOAD_TRANSACTION_ID_MAX 16
#define DOWNLOAD_OID_MAX 64            /* DER content octets of the SM-DP+ OID */
/* Largest unprotected profile package gathered from the '86' segments; a
 * larger one is refused as insufficientMemoryForProfile (SGP.22 5.7.6). */
#define DOWNLOAD_PACKAGE_MAX (2u * 1024u * 1024u)

/* Where the session is in SGP.22 3.1.2 / 3.1.3. */
typedef enum download_stage {
    DOWNLOAD_IDLE = 0,      /* no session */
    DOWNLOAD_CHALLENGED,    /* GetEUICCChallenge answered */
    DOWNLOAD_AUTHENTICATED, /* AuthenticateServer answered ok */
    DOWNLOAD_PREPARED,      /* PrepareDownload answered ok */
    DOWNLOAD_LOADING,       /* InitialiseSecureChannel segment taken */
} download_stage;

/* The BPP being loaded (SGP.22 2.5.5 segments). Holds secrets. */
typedef struct download_load {
    sgp22_bpp_stream stream;
    sgp22_bpp_part part;     /* part of the last segment taken */
    scp03t_state bsp;        /* S-ENC/S-MAC, or PPK-ENC/PPK-MAC after ReplaceSessionKeys */
    der_builder data;        /* plaintext of the current part, gathered segment by segment */
    uint8_t *metadata;       /* StoreMetadataRequest BF25 as received */
    size_t metadata_len;
    bool has_iccid;
    uint8_t iccid[EUICC_ICCID_SIZE];
} download_load;

struct euicc_download {
    const euicc_identity *identity;
    euicc_download_host host;
    download_stage stage;
    uint8_t challenge[DOWNLOAD_CHALLENGE_SIZE];
    uint8_t transaction_id[DOWNLOAD_TRANSACTION_ID_MAX];
    size_t transaction_id_len;
    uint8_t server_address[EUICC_ADDRESS_MAX];
    size_t server_address_len;
    uint8_t smdp_oid[DOWNLOAD_OID_MAX];   /* from CERT.DPauth.ECDSA */
    size_t smdp_oid_len;
    uint8_t euicc_signature1[CRYPTO_SIGNATURE_SIZE];
    crypto_key *dp_pb_key;                /* PK.DPpb.ECDSA, after PrepareDownload */
    /* otSK/otPK.EUICC.ECKA. It outlives the session that made it, so a
     * retried download can ask for it again (bppEuiccOtpk, SGP.22 5.7.5),
     * until it is used for the key agreement, the session is cancelled or
     * the engine is reset. */
    crypto_key *one_time_key;
    uint8_t one_time_point[CRYPTO_POINT_SIZE];
    download_load load;
};

/* Forget the session and erase its secrets; stage back to DOWNLOAD_IDLE.
 * otSK.EUICC.ECKA is kept (see above). */
void download_clear_session(euicc_download *download);

/* Delete otSK.EUICC.ECKA. */
void download_forget_one_time_key(euicc_download *download);

/* Erase and free the loading state (download_bpp.c). */
void download_load_clear(download_load *load);

/* SK.EUICC.ECDSA signature (r||s) over data. */
aw_err download_sign(const euicc_download *download, const uint8_t *data, size_t len,
                     uint8_t signature[CRYPTO_SIGNATURE_SIZE]);

/* True if value is the session's transactionId. */
bool download_transaction_matches(const euicc_download *download, aw_slice value);

#endif
