/* airwrite SM-DP+: the ES9+ functions of SGP.22 5.6 (InitiateAuthentication
 * 5.6.1, GetBoundProfilePackage 5.6.2, AuthenticateClient 5.6.3,
 * HandleNotification 5.6.4, CancelSession 5.6.5) as run by the SM-DP+ in the
 * Common Mutual Authentication (3.1.2), Download and installation (3.1.3)
 * and Cancel Session (3.5) procedures.
 *
 * Transport-free: the inputs are the fields of the SGP.22 6.5.2 JSON bodies
 * already base64-decoded (es9p_json.h does that), the outputs the fields of
 * the response. Every outcome the LPA must see is an es9p_status (SGP.22
 * subject code + reason code); aw_err is only for airwrite's own failures
 * (allocation, crypto library). Orders, confirmation codes and the bound
 * profile package come from an es9p_backend the daemon implements; sessions
 * live in an es9p_session_store (es9p_store.h) so they can be persisted.
 */
#ifndef AIRWRITE_SMDP_ES9P_SESSION_H
#define AIRWRITE_SMDP_ES9P_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/error.h"
#include "core/pki.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_notification.h"
#include "smdp/es9p_status.h"
#include "smdp/es9p_store.h"

/* ---- Backend: what the daemon provides -------------------------------- */

#define ES9P_ORDER_ID_MAX 64

/* A download order found for an eUICC (SGP.22 3.1.3, ES2+ order). */
typedef struct es9p_order {
    char order_id[ES9P_ORDER_ID_MAX];     /* the backend's handle, NUL-terminated */
    bool cc_required;                     /* ccRequiredFlag of smdpSigned2 */
    uint8_t confirmation_code_hash[CRYPTO_SHA256_SIZE]; /* SHA-256(CC), when cc_required */
    uint8_t *profile_metadata;            /* StoreMetadataRequest (BF25) DER, malloc'd; */
    size_t profile_metadata_len;          /* the session takes and frees it */
} es9p_order;

/* What the backend needs to bind the profile (SGP.22 3.1.3 step 17, 5.6.2). */
typedef struct es9p_bind_request {
    const char *order_id;
    const char *eid;                        /* 32 digits, from CERT.EUICC */
    aw_slice transaction_id;
    aw_slice euicc_otpk;                    /* otPK.EUICC.ECKA, 04||X||Y */
    aw_slice euicc_signature2;              /* r||s, for initialiseSecureChannel */
    const crypto_key *dppb_key;             /* SK.DPpb.ECDSA of the session's credential */
    const pki_certificate *dppb_certificate;
} es9p_bind_request;

/* Result of a Profile installation (SGP.22 5.6.4 / 3.1.3 step 23 onwards). */
typedef struct es9p_installation_report {
    const char *order_id;
    const char *eid;
    aw_slice transaction_id;
    bool success;                           /* finalResult is successResult */
    const sgp22_profile_installation_result *result; /* verified, borrowed */
} es9p_installation_report;

/* The daemon's side. Every callback gets userdata. A status other than
 * ES9P_STATUS_OK is returned to the LPA as is; aw_err is an internal failure
 * (answered 1.2/4.2). */
typedef struct es9p_backend {
    void *userdata;
    /* SGP.22 5.6.3 (3.1.3 step 10): the order for matchingId (NULL when
     * ctxParams1 has none: default SM-DP+ / SM-DS use) and EID. Statuses:
     * MATCHING_ID_REFUSED, EID_MISMATCH, PROFILE_NOT_RELEASED,
     * DOWNLOAD_ORDER_EXPIRED, DOWNLOAD_RETRIES_EXCEEDED, NO_ELIGIBLE_PROFILE.
     * On OK, order is filled (profile_metadata required). */
    aw_err (*find_order)(void *userdata, const char *matching_id, const char *eid, time_t now,
                         es9p_order *order, es9p_status *status);
    /* SGP.22 5.6.2: a wrong Confirmation Code was received for the order;
     * the backend counts attempts and answers CONFIRMATION_CODE_REFUSED or,
     * at its retry limit, CONFIRMATION_CODE_RETRIES_EXCEEDED. */
    aw_err (*confirmation_code_failed)(void *userdata, const char *order_id, es9p_status *status);
    /* SGP.22 5.6.2 / 3.1.3 step 17: generate otPK.DP.ECKA, derive the BSP
     * keys with otPK.EUICC.ECKA and return the BoundProfilePackage (BF36 DER,
     * malloc'd). Status BPP_NOT_AVAILABLE when it cannot bind again. */
    aw_err (*bind_profile)(void *userdata, const es9p_bind_request *request, uint8_t **bpp,
                           size_t *bpp_len, es9p_status *status);
    /* SGP.22 5.6.4: a verified ProfileInstallationResult. */
    aw_err (*installation_result)(void *userdata, const es9p_installation_report *report);
    /* SGP.22 5.6.4: a verified other notification (enable/disable/delete)
     * from the eUICC with the given EID. */
    aw_err (*other_notification)(void *userdata, const char *eid,
                                 const sgp22_notification_metadata *metadata);
    /* SGP.22 5.6.5 / 3.5: the session of an order was cancelled with a
     * CancelSessionReason (enum sgp22_cancel_session_reason). */
    aw_err (*session_cancelled)(void *userdata, const char *order_id, int64_t reason);
} es9p_backend;

/* ---- Server configuration --------------------------------------------- */

/* One SM-DP+ credential set under one CI (SGP.22 4.5.2): CERT.DPauth and
 * CERT.DPpb with their keys. Borrowed. */
typedef struct es9p_credential {
    aw_pki_key_id ci_pkid;                  /* SKI of the CI both chain to */
    const pki_certificate *dpauth_certificate;
    const crypto_key *dpauth_key;
    const pki_certificate *dppb_certificate;
    const crypto_key *dppb_key;
} es9p_credential;

typedef struct es9p_server {
    const char *smdp_address;               /* FQDN, compared case-insensitively */
    const char *smdp_oid;                   /* dotted SM-DP+ OID (SGP.22 5.6.5) */
    const es9p_credential *credentials;
    size_t credential_count;
    const pki_trust_store *trust_store;     /* CIs that eUICC chains may end at */
    const aw_pki_key_id *trusted_ci_pkids;  /* the PKIDs of those CIs (SGP.22 5.6.1: */
    size_t trusted_ci_pkid_count;           /* matched against euiccCiPKIdListForSigning) */
    time_t session_lifetime;                /* seconds a session stays usable */
    es9p_certificate_cache *eum_cache;      /* optional: parsed CERT.EUMs (es9p_store.h) */
    const es9p_backend *backend;
    const es9p_session_store *store;
} es9p_server;

/* PK.EUICC.ECDSA of a DER CERT.EUICC as a session keeps it (no validation:
 * es9p_authenticate_client verifies the chain first). AW_ERR_PKI_PARSE
 * when it is not one certificate with a key on a supported curve. */
aw_err es9p_euicc_key_from_certificate(aw_slice der, es9p_euicc_key *out);

/* ---- ES9+.InitiateAuthentication (SGP.22 5.6.1) ----------------------- */

typedef struct es9p_initiate_authentication_request {
    aw_slice euicc_challenge;  /* 16 bytes */
    aw_slice euicc_info1;      /* EUICCInfo1 BF20 DER */
    aw_slice smdp_address;     /* UTF-8 */
} es9p_initiate_authentication_request;

typedef struct es9p_initiate_authentication_response {
    uint8_t transaction_id[ES9P_TRANSACTION_ID_SIZE];
    uint8_t *server_signed1;   /* ServerSigned1 DER (malloc'd) */
    size_t server_signed1_len;
    uint8_t server_signature1[CRYPTO_SIGNATURE_SIZE]; /* r||s */
    aw_pki_key_id euicc_ci_pkid_to_be_used;
    aw_slice server_certificate; /* CERT.DPauth DER, borrowed from the server */
} es9p_initiate_authentication_response;

aw_err es9p_initiate_authentication(const es9p_server *server,
                                    const es9p_initiate_authentication_request *request,
                                    time_t now, es9p_initiate_authentication_response *response,
                                    es9p_status *status);
void es9p_initiate_authentication_response_clear(es9p_initiate_authentication_response *response);

/* ---- ES9+.AuthenticateClient (SGP.22 5.6.3) --------------------------- */

typedef struct es9p_authenticate_client_request {
    aw_slice transaction_id;
    aw_slice authenticate_server_response; /* BF38 DER */
} es9p_authenticate_client_request;

typedef struct es9p_authenticate_client_response {
    uint8_t transaction_id[ES9P_TRANSACTION_ID_SIZE];
    uint8_t *profile_metadata;   /* StoreMetadataRequest DER (malloc'd) */
    size_t profile_metadata_len;
    uint8_t *smdp_signed2;       /* SmdpSigned2 DER (malloc'd) */
    size_t smdp_signed2_len;
    uint8_t smdp_signature2[CRYPTO_SIGNATURE_SIZE]; /* r||s */
    aw_slice smdp_certificate;   /* CERT.DPpb DER, borrowed from the server */
} es9p_authenticate_client_response;

aw_err es9p_authenticate_client(const es9p_server *server,
                                const es9p_authenticate_client_request *request, time_t now,
                                es9p_authenticate_client_response *response, es9p_status *status);
void es9p_authenticate_client_response_clear(es9p_authenticate_client_response *response);

/* ---- ES9+.GetBoundProfilePackage (SGP.22 5.6.2) ----------------------- */

typedef struct es9p_get_bound_profile_package_request {
    aw_slice transaction_id;
    aw_slice prepare_download_response; /* BF21 DER */
} es9p_get_bound_profile_package_request;

typedef struct es9p_get_bound_profile_package_response {
    uint8_t transaction_id[ES9P_TRANSACTION_ID_SIZE];
    uint8_t *bound_profile_package; /* BF36 DER (malloc'd) */
    size_t bound_profile_package_len;
} es9p_get_bound_profile_package_response;

aw_err es9p_get_bound_profile_package(const es9p_server *server,
                                      const es9p_get_bound_profile_package_request *request,
                                      time_t now,
                                      es9p_get_bound_profile_package_response *response,
                                      es9p_status *status);
void es9p_get_bound_profile_package_response_clear(
    es9p_get_bound_profile_package_response *response);

/* ---- ES9+.HandleNotification (SGP.22 5.6.4) --------------------------- */

/* HandleNotification has no error response: the LPA always gets "executed"
 * (6.5.2.9: HTTP 204). status still tells the caller (logs, tests) what
 * happened: OK when verified and reported to the backend, otherwise why it
 * was dropped (TRANSACTION_UNKNOWN, EUICC_VERIFICATION_FAILED, ...). */
aw_err es9p_handle_notification(const es9p_server *server, aw_slice pending_notification,
                                time_t now, es9p_status *status);

/* ---- ES9+.CancelSession (SGP.22 5.6.5) -------------------------------- */

typedef struct es9p_cancel_session_request {
    aw_slice transaction_id;
    aw_slice cancel_session_response; /* BF41 DER (ES10b CancelSessionResponse) */
} es9p_cancel_session_request;

aw_err es9p_cancel_session(const es9p_server *server, const es9p_cancel_session_request *request,
                           time_t now, es9p_status *status);

#endif
