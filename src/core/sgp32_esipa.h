/* airwrite core: SGP.32 ESipa messages between IPA and eIM (SGP32Definitions
 * EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa, SGP.32 5.14 ESipa
 * functions and 6.3 ASN.1 binding).
 *
 * Nested SGP.22 messages (AuthenticateServerResponse, PrepareDownloadResponse,
 * ServerSigned1, SmdpSigned2, BoundProfilePackage, PendingNotification,
 * certificates, CtxParams1, CancelSessionResponse, ...) are raw TLV slices
 * checked for tag and well-formed DER; nested SGP.32 types use the sgp32
 * codecs. Two AUTOMATIC TAGS consequences to keep in mind:
 *  - CancelSessionRequestEsipa.cancelSessionResponse is [1] IMPLICIT on the
 *    tagged CHOICE CancelSessionResponse ([65]), so its TLV carries tag A1
 *    around the CHOICE alternative (not BF41);
 *  - HandleNotificationEsipa.pendingNotification and ctxParams1 are explicit
 *    wrappers around a CHOICE: the slices here are the inner TLV.
 *
 * v1.0 compatibility (SGP.32 v1.1 restructured ProvideEimPackageResult, see
 * the migration notes in onomondo's IPA, esipa_prvde_eim_pkg_rslt.c): a v1.0
 * ProvideEimPackageResultResponse is a SEQUENCE whose acknowledgements are
 * OPTIONAL; the v1.0 "nothing to acknowledge" form BF50 00 decodes as kind
 * SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0 and is re-encoded the same way,
 * and a v1.0 bare eimPackageError INTEGER inside ProvideEimPackageResult
 * decodes as SGP32_EIM_PACKAGE_RESULT_ERROR_V1_0. v1.0 results that carry
 * euiccPackageResult (BF51) alone are already valid v1.2 encodings.
 */
#ifndef AIRWRITE_CORE_SGP32_ESIPA_H
#define AIRWRITE_CORE_SGP32_ESIPA_H

#include "core/sgp32_common.h"
#include "core/sgp32_ipa.h"
#include "core/sgp32_package.h"
#include "core/sgp32_trigger.h"

/* ---- IPA -> eIM ------------------------------------------------------- */

/* SGP32Definitions InitiateAuthenticationRequestEsipa ::= [57] (BF39), 6.3.2.1 */
typedef struct sgp32_initiate_authentication_request_esipa {
    aw_slice raw, extensions;
    aw_slice euicc_challenge;            /* [1] Octet16 */
    bool has_smdp_address;
    aw_slice smdp_address;               /* [3] UTF8String */
    bool has_euicc_info1;
    aw_slice euicc_info1;                /* EUICCInfo1 TLV BF20 */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;         /* [2] */
} sgp32_initiate_authentication_request_esipa;

/* SGP32Definitions AuthenticateClientRequestEsipa ::= [59] (BF3B), 6.3.2.2 */
typedef struct sgp32_authenticate_client_request_esipa {
    aw_slice raw, extensions;
    aw_slice transaction_id;             /* [0] */
    aw_slice authenticate_server_response; /* AuthenticateServerResponse TLV BF38 */
} sgp32_authenticate_client_request_esipa;

/* SGP32Definitions GetBoundProfilePackageRequestEsipa ::= [58] (BF3A), 6.3.2.3 */
typedef struct sgp32_get_bound_profile_package_request_esipa {
    aw_slice raw, extensions;
    aw_slice transaction_id;             /* [0] */
    aw_slice prepare_download_response;  /* PrepareDownloadResponse TLV BF21 */
} sgp32_get_bound_profile_package_request_esipa;

/* SGP32Definitions CancelSessionRequestEsipa ::= [65] (BF41), 6.3.2.5 */
typedef struct sgp32_cancel_session_request_esipa {
    aw_slice raw, extensions;
    aw_slice transaction_id;             /* [0] (automatic tag) */
    aw_slice cancel_session_response;    /* [1] IMPLICIT CancelSessionResponse: TLV A1 */
} sgp32_cancel_session_request_esipa;

/* StateChangeCause */
enum {
    SGP32_STATE_CHANGE_OTHER_EIM = 0,
    SGP32_STATE_CHANGE_FALLBACK = 1,
    SGP32_STATE_CHANGE_EMERGENCY_PROFILE = 2,
    SGP32_STATE_CHANGE_LOCAL = 3,
    SGP32_STATE_CHANGE_RESET = 4,
    SGP32_STATE_CHANGE_IMMEDIATE_ENABLE_PROFILE = 5,
    SGP32_STATE_CHANGE_DEVICE_CHANGE = 6,
    SGP32_STATE_CHANGE_UNDEFINED = 127,
};

/* SGP32Definitions GetEimPackageRequest ::= [79] (BF4F), 6.3.2.6 */
typedef struct sgp32_get_eim_package_request {
    aw_slice raw, extensions;
    aw_slice eid_value;                  /* [APPLICATION 26] 16 octets */
    bool notify_state_change;            /* [0] NULL */
    bool has_state_change_cause;
    int64_t state_change_cause;          /* [1] SGP32_STATE_CHANGE_* */
    bool has_rplmn;
    aw_slice rplmn;                      /* [2] 3 octets, 3GPP TS 24.008 */
} sgp32_get_eim_package_request;

/* EimPackageResultErrorCode (also TransferEimPackageResponse eimPackageError) */
enum {
    SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT = 1,
    SGP32_EIM_PACKAGE_RESULT_UNKNOWN_PACKAGE = 2,
    SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR = 127,
};

/* SGP.32 v1.0 SGP32-RetrieveNotificationsListResponse (v1.0 5.9.11), the
 * CHOICE inside the v1.0 notificationList [43] of ePRAndNotifications:
 * BF2B { A0 | 81 | A2 | A3 { A0, A1 } } (AUTOMATIC TAGS). */
typedef enum sgp32_notifications_list_v1_0_kind {
    SGP32_NOTIFICATIONS_LIST_V1_0_NONE = 0,
    SGP32_NOTIFICATIONS_LIST_V1_0_NOTIFICATIONS, /* [0] notificationList: A0 */
    SGP32_NOTIFICATIONS_LIST_V1_0_ERROR,         /* [1] notificationsListResultError */
    SGP32_NOTIFICATIONS_LIST_V1_0_RESULTS,       /* [2] euiccPackageResultList: A2 */
    SGP32_NOTIFICATIONS_LIST_V1_0_BOTH,          /* [3] notificationAndEprList: A3 */
} sgp32_notifications_list_v1_0_kind;

/* notificationAndEprList [3] SEQUENCE { notificationList [0], euiccPackageResultList [1] } */
typedef struct sgp32_notification_and_epr_list_v1_0 {
    aw_slice raw, extensions;
    aw_slice notification_list;          /* A0: SEQUENCE OF PendingNotification */
    aw_slice euicc_package_result_list;  /* A1: SEQUENCE OF EuiccPackageResult */
} sgp32_notification_and_epr_list_v1_0;

typedef struct sgp32_notifications_list_v1_0 {
    aw_slice raw;                        /* BF2B */
    sgp32_notifications_list_v1_0_kind kind;
    union {
        aw_slice notification_list;      /* A0 TLV */
        int64_t error;                   /* undefinedError(127) */
        aw_slice euicc_package_result_list; /* A2 TLV */
        sgp32_notification_and_epr_list_v1_0 both;
    };
} sgp32_notifications_list_v1_0;

/* Which form the notificationList of ePRAndNotifications took */
typedef enum sgp32_epr_notification_list_kind {
    SGP32_EPR_NOTIFICATION_LIST_NONE = 0,
    SGP32_EPR_NOTIFICATION_LIST_PENDING,  /* v1.1+: [0] SEQUENCE OF PendingNotification */
    SGP32_EPR_NOTIFICATION_LIST_V1_0,     /* v1.0: [43] SGP32-RetrieveNotificationsListResponse */
} sgp32_epr_notification_list_kind;

/* ePRAndNotifications SEQUENCE {euiccPackageResult, notificationList}:
 * encoders set notification_list_kind and the matching member. */
typedef struct sgp32_epr_and_notifications {
    aw_slice raw, extensions;
    sgp32_euicc_package_result euicc_package_result;
    sgp32_epr_notification_list_kind notification_list_kind;
    aw_slice notification_list;          /* PENDING: A0, SEQUENCE OF PendingNotification */
    sgp32_notifications_list_v1_0 notification_list_v1_0; /* V1_0: BF2B */
} sgp32_epr_and_notifications;

/* The SEQUENCE OF PendingNotification TLV (A0) of an ePRAndNotifications
 * in either form; false when it carries none (v1.0 error or results only). */
bool sgp32_get_epr_pending_notifications(const sgp32_epr_and_notifications *epr, aw_slice *out);

/* SGP32Definitions EimPackageResultResponseError */
typedef struct sgp32_eim_package_result_response_error {
    aw_slice raw, extensions;
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;         /* [0] */
    int64_t eim_package_result_error_code; /* SGP32_EIM_PACKAGE_RESULT_* */
} sgp32_eim_package_result_response_error;

/* SGP32Definitions EimPackageResult CHOICE */
typedef enum sgp32_eim_package_result_kind {
    SGP32_EIM_PACKAGE_RESULT_NONE = 0,
    SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT,   /* BF51 */
    SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS,  /* 30 */
    SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE, /* BF52 */
    SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT, /* BF54 */
    SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR,         /* [0] A0 */
    SGP32_EIM_PACKAGE_RESULT_ERROR_V1_0,             /* v1.0 bare INTEGER eimPackageError */
} sgp32_eim_package_result_kind;

typedef struct sgp32_eim_package_result {
    sgp32_eim_package_result_kind kind;
    union {
        sgp32_euicc_package_result euicc_package_result;
        sgp32_epr_and_notifications epr_and_notifications;
        sgp32_ipa_euicc_data_response ipa_euicc_data_response;
        sgp32_profile_download_trigger_result profile_download_trigger_result;
        sgp32_eim_package_result_response_error response_error;
        int64_t eim_package_error_v1_0;
    };
} sgp32_eim_package_result;

/* SGP32Definitions ProvideEimPackageResult ::= [80] (BF50), 6.3.2.7 */
typedef struct sgp32_provide_eim_package_result {
    aw_slice raw, extensions;
    bool has_eid_value;
    aw_slice eid_value;                  /* [APPLICATION 26] */
    sgp32_eim_package_result eim_package_result;
} sgp32_provide_eim_package_result;

/* SGP32Definitions HandleNotificationEsipa ::= [61] CHOICE (BF3D), 6.3.2.4.
 * In SGP.32 v1.0 both alternatives were untagged, so BF3D held the
 * PendingNotification or the ProvideEimPackageResult CHOICE alternative
 * itself. The v1.0 alternatives taken here cannot be confused with the v1.2
 * ones ([0] A0 and [80] BF50): a ProfileInstallationResult (BF37), a
 * SEQUENCE (30: an OtherSignedNotification, or an ePRAndNotifications when
 * its first component is BF51), and the results BF51, BF52, BF54. Not
 * taken: v1.0 compact notifications (A0 is v1.2's wrapper) and the bare
 * eimPackageError INTEGER (it names no package). */
typedef enum sgp32_handle_notification_esipa_kind {
    SGP32_HANDLE_NOTIFICATION_NONE = 0,
    SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION, /* [0]: inner PendingNotification TLV */
    SGP32_HANDLE_NOTIFICATION_PROVIDE_EIM_PACKAGE_RESULT, /* BF50 */
    SGP32_HANDLE_NOTIFICATION_PROFILE_INSTALLATION_RESULT_V1_0, /* BF37: pending_notification */
    SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0,        /* 30: sequence_v1_0 */
    SGP32_HANDLE_NOTIFICATION_EUICC_PACKAGE_RESULT_V1_0, /* BF51: eim_package_result_v1_0 */
    SGP32_HANDLE_NOTIFICATION_IPA_EUICC_DATA_RESPONSE_V1_0, /* BF52: eim_package_result_v1_0 */
    SGP32_HANDLE_NOTIFICATION_PROFILE_DOWNLOAD_TRIGGER_RESULT_V1_0, /* BF54: the same */
} sgp32_handle_notification_esipa_kind;

typedef struct sgp32_handle_notification_esipa {
    aw_slice raw;
    sgp32_handle_notification_esipa_kind kind;
    union {
        aw_slice pending_notification;
        sgp32_provide_eim_package_result provide_eim_package_result;
        aw_slice sequence_v1_0;          /* OtherSignedNotification or ePRAndNotifications */
        aw_slice eim_package_result_v1_0; /* a v1.0 ProvideEimPackageResult alternative */
    };
} sgp32_handle_notification_esipa;

/* Whether a v1.0 SEQUENCE alternative of HandleNotificationEsipa (30) is an
 * ePRAndNotifications (first component BF51) rather than an
 * OtherSignedNotification (first component BF2F). */
bool sgp32_handle_notification_is_epr_v1_0(const sgp32_handle_notification_esipa *n);

/* EimPackageReceivedWithCid / EimPackageErrorWithCid correlationId CHOICE */
typedef enum sgp32_correlation_id_kind {
    SGP32_CORRELATION_ID_NONE = 0,
    SGP32_CORRELATION_ID_EIM_TRANSACTION_ID, /* [0] */
    SGP32_CORRELATION_ID_EID_VALUE,          /* [APPLICATION 26] */
} sgp32_correlation_id_kind;

typedef struct sgp32_correlation_id {
    sgp32_correlation_id_kind kind;
    aw_slice value;
} sgp32_correlation_id;

/* SGP32Definitions EimPackageReceivedWithCid ::= [96] (BF60) */
typedef struct sgp32_eim_package_received_with_cid {
    aw_slice raw, extensions;
    bool has_correlation_id;
    sgp32_correlation_id correlation_id;  /* [0] EXPLICIT */
} sgp32_eim_package_received_with_cid;

/* SGP32Definitions EimPackageErrorWithCid ::= [97] (BF61) */
typedef struct sgp32_eim_package_error_with_cid {
    aw_slice raw, extensions;
    bool has_correlation_id;
    sgp32_correlation_id correlation_id;  /* [0] EXPLICIT */
    int64_t eim_package_error;            /* [1] SGP32_EIM_PACKAGE_RESULT_* */
} sgp32_eim_package_error_with_cid;

/* SGP32Definitions TransferEimPackageResponse ::= [78] CHOICE (BF4E), 6.3.2.8 */
typedef enum sgp32_transfer_eim_package_response_kind {
    SGP32_TRANSFER_RESPONSE_NONE = 0,
    SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT,  /* BF51 */
    SGP32_TRANSFER_RESPONSE_EPR_AND_NOTIFICATIONS, /* 30 */
    SGP32_TRANSFER_RESPONSE_IPA_EUICC_DATA_RESPONSE, /* BF52 */
    SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED,  /* NULL */
    SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED_WITH_CID, /* BF60 */
    SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR,     /* INTEGER SGP32_EIM_PACKAGE_RESULT_* */
    SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR_WITH_CID, /* BF61 */
} sgp32_transfer_eim_package_response_kind;

typedef struct sgp32_transfer_eim_package_response {
    aw_slice raw;
    sgp32_transfer_eim_package_response_kind kind;
    union {
        sgp32_euicc_package_result euicc_package_result;
        sgp32_epr_and_notifications epr_and_notifications;
        sgp32_ipa_euicc_data_response ipa_euicc_data_response;
        sgp32_eim_package_received_with_cid received_with_cid;
        int64_t eim_package_error;
        sgp32_eim_package_error_with_cid error_with_cid;
    };
} sgp32_transfer_eim_package_response;

/* SGP32Definitions EsipaMessageFromIpaToEim CHOICE, 6.3.1 */
typedef enum sgp32_esipa_ipa_to_eim_kind {
    SGP32_ESIPA_IPA_TO_EIM_NONE = 0,
    SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST,    /* BF39 */
    SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST,        /* BF3B */
    SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST,  /* BF3A */
    SGP32_ESIPA_CANCEL_SESSION_REQUEST,             /* BF41 */
    SGP32_ESIPA_HANDLE_NOTIFICATION,                /* BF3D */
    SGP32_ESIPA_TRANSFER_EIM_PACKAGE_RESPONSE,      /* BF4E */
    SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST,            /* BF4F */
    SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT,         /* BF50 */
} sgp32_esipa_ipa_to_eim_kind;

typedef struct sgp32_esipa_message_from_ipa_to_eim {
    aw_slice raw;
    sgp32_esipa_ipa_to_eim_kind kind;
    union {
        sgp32_initiate_authentication_request_esipa initiate_authentication_request;
        sgp32_authenticate_client_request_esipa authenticate_client_request;
        sgp32_get_bound_profile_package_request_esipa get_bound_profile_package_request;
        sgp32_cancel_session_request_esipa cancel_session_request;
        sgp32_handle_notification_esipa handle_notification;
        sgp32_transfer_eim_package_response transfer_eim_package_response;
        sgp32_get_eim_package_request get_eim_package_request;
        sgp32_provide_eim_package_result provide_eim_package_result;
    };
} sgp32_esipa_message_from_ipa_to_eim;

/* ---- eIM -> IPA ------------------------------------------------------- */

/* InitiateAuthenticationResponseEsipa errors */
enum {
    SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS = 1,
    SGP32_INITIATE_AUTHENTICATION_EUICC_VERSION_NOT_SUPPORTED_BY_DP = 2,
    SGP32_INITIATE_AUTHENTICATION_CI_PK_ID_NOT_SUPPORTED = 3,
    SGP32_INITIATE_AUTHENTICATION_SMDP_ADDRESS_MISMATCH = 50,
    SGP32_INITIATE_AUTHENTICATION_SMDP_OID_MISMATCH = 51,
    SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID = 52,
    SGP32_INITIATE_AUTHENTICATION_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions InitiateAuthenticationOkEsipa */
typedef struct sgp32_initiate_authentication_ok_esipa {
    aw_slice raw, extensions;
    bool has_transaction_id;
    aw_slice transaction_id;             /* [0] */
    aw_slice server_signed1;             /* ServerSigned1 TLV 30 */
    aw_slice server_signature1;          /* [APPLICATION 55] */
    aw_slice euicc_ci_pk_identifier_to_be_used; /* OCTET STRING */
    aw_slice server_certificate;         /* Certificate TLV 30 */
    bool has_matching_id;
    aw_slice matching_id;                /* UTF8String */
    bool has_ctx_params1;
    aw_slice ctx_params1;                /* [2] EXPLICIT: inner CtxParams1 TLV */
} sgp32_initiate_authentication_ok_esipa;

/* SGP32Definitions InitiateAuthenticationResponseEsipa ::= [57] CHOICE (BF39) */
typedef enum sgp32_initiate_authentication_response_kind {
    SGP32_INITIATE_AUTHENTICATION_RESPONSE_NONE = 0,
    SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK,     /* [0] */
    SGP32_INITIATE_AUTHENTICATION_RESPONSE_ERROR,  /* [1] */
} sgp32_initiate_authentication_response_kind;

typedef struct sgp32_initiate_authentication_response_esipa {
    aw_slice raw;
    sgp32_initiate_authentication_response_kind kind;
    union {
        sgp32_initiate_authentication_ok_esipa ok;
        int64_t error;
    };
} sgp32_initiate_authentication_response_esipa;

/* AuthenticateClientResponseEsipa errors */
enum {
    SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_INVALID = 1,
    SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_EXPIRED = 2,
    SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_INVALID = 3,
    SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_EXPIRED = 4,
    SGP32_AUTHENTICATE_CLIENT_EUICC_SIGNATURE_INVALID = 5,
    SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED = 6,
    SGP32_AUTHENTICATE_CLIENT_EID_MISMATCH = 7,
    SGP32_AUTHENTICATE_CLIENT_NO_ELIGIBLE_PROFILE = 8,
    SGP32_AUTHENTICATE_CLIENT_CI_PK_UNKNOWN = 9,
    SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID = 10,
    SGP32_AUTHENTICATE_CLIENT_INSUFFICIENT_MEMORY = 11,
    SGP32_AUTHENTICATE_CLIENT_DOWNLOAD_ORDER_EXPIRED = 18,
    SGP32_AUTHENTICATE_CLIENT_PPR_NOT_ALLOWED = 50,
    SGP32_AUTHENTICATE_CLIENT_EVENT_ID_UNKNOWN = 56,
    SGP32_AUTHENTICATE_CLIENT_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions AuthenticateClientOkDPEsipa */
typedef struct sgp32_authenticate_client_ok_dp_esipa {
    aw_slice raw, extensions;
    bool has_transaction_id;
    aw_slice transaction_id;             /* [0] */
    bool has_profile_metadata;
    aw_slice profile_metadata;           /* StoreMetadataRequest TLV BF25 */
    aw_slice smdp_signed2;               /* SmdpSigned2 TLV 30 */
    aw_slice smdp_signature2;            /* [APPLICATION 55] */
    aw_slice smdp_certificate;           /* Certificate TLV 30 */
    bool has_hash_cc;
    aw_slice hash_cc;                    /* Octet32 */
} sgp32_authenticate_client_ok_dp_esipa;

/* SGP32Definitions AuthenticateClientOkDSEsipa */
typedef struct sgp32_authenticate_client_ok_ds_esipa {
    aw_slice raw, extensions;
    aw_slice transaction_id;             /* [0] */
    bool has_profile_download_trigger;
    sgp32_profile_download_trigger_request profile_download_trigger; /* BF54 */
} sgp32_authenticate_client_ok_ds_esipa;

/* SGP32Definitions AuthenticateClientResponseEsipa ::= [59] CHOICE (BF3B) */
typedef enum sgp32_authenticate_client_response_kind {
    SGP32_AUTHENTICATE_CLIENT_RESPONSE_NONE = 0,
    SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP,  /* [0] */
    SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DS,  /* [1] */
    SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR,  /* [2] */
} sgp32_authenticate_client_response_kind;

typedef struct sgp32_authenticate_client_response_esipa {
    aw_slice raw;
    sgp32_authenticate_client_response_kind kind;
    union {
        sgp32_authenticate_client_ok_dp_esipa ok_dp;
        sgp32_authenticate_client_ok_ds_esipa ok_ds;
        int64_t error;
    };
} sgp32_authenticate_client_response_esipa;

/* GetBoundProfilePackageResponseEsipa errors */
enum {
    SGP32_GET_BPP_EUICC_SIGNATURE_INVALID = 1,
    SGP32_GET_BPP_CONFIRMATION_CODE_MISSING = 2,
    SGP32_GET_BPP_CONFIRMATION_CODE_REFUSED = 3,
    SGP32_GET_BPP_CONFIRMATION_CODE_RETRIES_EXCEEDED = 4,
    SGP32_GET_BPP_REBINDING_REFUSED = 5,
    SGP32_GET_BPP_METADATA_MISMATCH = 50,
    SGP32_GET_BPP_INVALID_TRANSACTION_ID = 95,
    SGP32_GET_BPP_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions GetBoundProfilePackageOkEsipa */
typedef struct sgp32_get_bound_profile_package_ok_esipa {
    aw_slice raw, extensions;
    bool has_transaction_id;
    aw_slice transaction_id;             /* [0] */
    aw_slice bound_profile_package;      /* BoundProfilePackage TLV BF36 */
} sgp32_get_bound_profile_package_ok_esipa;

/* SGP32Definitions GetBoundProfilePackageResponseEsipa ::= [58] CHOICE (BF3A) */
typedef enum sgp32_get_bound_profile_package_response_kind {
    SGP32_GET_BPP_RESPONSE_NONE = 0,
    SGP32_GET_BPP_RESPONSE_OK,     /* [0] */
    SGP32_GET_BPP_RESPONSE_ERROR,  /* [1] */
} sgp32_get_bound_profile_package_response_kind;

typedef struct sgp32_get_bound_profile_package_response_esipa {
    aw_slice raw;
    sgp32_get_bound_profile_package_response_kind kind;
    union {
        sgp32_get_bound_profile_package_ok_esipa ok;
        int64_t error;
    };
} sgp32_get_bound_profile_package_response_esipa;

/* CancelSessionResponseEsipa errors */
enum {
    SGP32_CANCEL_SESSION_INVALID_TRANSACTION_ID = 1,
    SGP32_CANCEL_SESSION_EUICC_SIGNATURE_INVALID = 2,
    SGP32_CANCEL_SESSION_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions CancelSessionResponseEsipa ::= [65] CHOICE (BF41) */
typedef enum sgp32_cancel_session_response_kind {
    SGP32_CANCEL_SESSION_RESPONSE_NONE = 0,
    SGP32_CANCEL_SESSION_RESPONSE_OK,     /* [0] CancelSessionOk SEQUENCE {} */
    SGP32_CANCEL_SESSION_RESPONSE_ERROR,  /* [1] */
} sgp32_cancel_session_response_kind;

typedef struct sgp32_cancel_session_response_esipa {
    aw_slice raw;
    sgp32_cancel_session_response_kind kind;
    union {
        sgp32_empty ok;
        int64_t error;
    };
} sgp32_cancel_session_response_esipa;

/* SGP32Definitions TransferEimPackageRequest ::= [78] CHOICE (BF4E), 6.3.2.8 */
typedef enum sgp32_eim_package_kind {
    SGP32_EIM_PACKAGE_NONE = 0,
    SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST,      /* BF51 */
    SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST,     /* BF52 */
    SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS,       /* BF53: TransferEimPackageRequest only */
    SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER,   /* BF54 */
    SGP32_EIM_PACKAGE_ERROR,                      /* INTEGER: GetEimPackageResponse only */
} sgp32_eim_package_kind;

typedef struct sgp32_transfer_eim_package_request {
    aw_slice raw;
    sgp32_eim_package_kind kind;
    union {
        sgp32_euicc_package_request euicc_package_request;
        sgp32_ipa_euicc_data_request ipa_euicc_data_request;
        sgp32_eim_acknowledgements eim_acknowledgements;
        sgp32_profile_download_trigger_request profile_download_trigger_request;
    };
} sgp32_transfer_eim_package_request;

/* GetEimPackageResponse eimPackageError */
enum {
    SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE = 1,
    SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND = 2,
    SGP32_EIM_PACKAGE_ERROR_INVALID_EID = 3,
    SGP32_EIM_PACKAGE_ERROR_MISSING_EID = 4,
    SGP32_EIM_PACKAGE_ERROR_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions GetEimPackageResponse ::= [79] CHOICE (BF4F), 6.3.2.6.
 * kind uses sgp32_eim_package_kind (never ..._EIM_ACKNOWLEDGEMENTS). */
typedef struct sgp32_get_eim_package_response {
    aw_slice raw;
    sgp32_eim_package_kind kind;
    union {
        sgp32_euicc_package_request euicc_package_request;
        sgp32_ipa_euicc_data_request ipa_euicc_data_request;
        sgp32_profile_download_trigger_request profile_download_trigger_request;
        int64_t eim_package_error;       /* SGP32_EIM_PACKAGE_ERROR_* */
    };
} sgp32_get_eim_package_response;

/* ProvideEimPackageResultResponse provideEimPackageResultError */
enum {
    SGP32_PROVIDE_RESULT_EID_NOT_FOUND = 2,
    SGP32_PROVIDE_RESULT_INVALID_EID = 3,
    SGP32_PROVIDE_RESULT_MISSING_EID = 4,
    SGP32_PROVIDE_RESULT_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions ProvideEimPackageResultResponse ::= [80] CHOICE (BF50) */
typedef enum sgp32_provide_result_response_kind {
    SGP32_PROVIDE_RESULT_RESPONSE_NONE = 0,
    SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS, /* BF53 */
    SGP32_PROVIDE_RESULT_RESPONSE_EMPTY,            /* emptyResponse SEQUENCE {} */
    SGP32_PROVIDE_RESULT_RESPONSE_ERROR,            /* INTEGER SGP32_PROVIDE_RESULT_* */
    SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0,       /* v1.0: BF50 with nothing inside */
} sgp32_provide_result_response_kind;

typedef struct sgp32_provide_eim_package_result_response {
    aw_slice raw;
    sgp32_provide_result_response_kind kind;
    union {
        sgp32_eim_acknowledgements eim_acknowledgements;
        sgp32_empty empty_response;
        int64_t error;
    };
} sgp32_provide_eim_package_result_response;

/* SGP32Definitions EsipaMessageFromEimToIpa CHOICE, 6.3.1 */
typedef enum sgp32_esipa_eim_to_ipa_kind {
    SGP32_ESIPA_EIM_TO_IPA_NONE = 0,
    SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE,    /* BF39 */
    SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE,        /* BF3B */
    SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE,  /* BF3A */
    SGP32_ESIPA_CANCEL_SESSION_RESPONSE,             /* BF41 */
    SGP32_ESIPA_TRANSFER_EIM_PACKAGE_REQUEST,        /* BF4E */
    SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE,            /* BF4F */
    SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, /* BF50 */
} sgp32_esipa_eim_to_ipa_kind;

typedef struct sgp32_esipa_message_from_eim_to_ipa {
    aw_slice raw;
    sgp32_esipa_eim_to_ipa_kind kind;
    union {
        sgp32_initiate_authentication_response_esipa initiate_authentication_response;
        sgp32_authenticate_client_response_esipa authenticate_client_response;
        sgp32_get_bound_profile_package_response_esipa get_bound_profile_package_response;
        sgp32_cancel_session_response_esipa cancel_session_response;
        sgp32_transfer_eim_package_request transfer_eim_package_request;
        sgp32_get_eim_package_response get_eim_package_response;
        sgp32_provide_eim_package_result_response provide_eim_package_result_response;
    };
} sgp32_esipa_message_from_eim_to_ipa;

/* An IPA -> eIM message (v1.2 encoding) rewritten in the forms an SGP.32
 * v1.0 eIM expects (docs/sgp32-versions.md): no eidValue in
 * ProvideEimPackageResult (#3), the v1.0 notificationList [43] (#5), the
 * bare eimPackageError INTEGER (#6), the bare PendingNotification in
 * HandleNotification (#7), GetEimPackageRequest without stateChangeCause and
 * with rPLMN at [1] (#8), no eimTransactionId in IpaEuiccData (#11) nor in
 * InitiateAuthentication (#23), profileDownloadError { errorResponse [0] }
 * (#16). Compact forms (minimizeEsipaBytes) are not rewritten. */
aw_err sgp32_convert_esipa_message_to_v1_0(const uint8_t *message, size_t len,
                                           uint8_t **out, size_t *out_len);

/* ---- Codecs (each: decode one TLV, put into a builder, encode) -------- */

#define SGP32_DECLARE_CODEC(name)                                                        \
    aw_err sgp32_decode_##name(const uint8_t *buf, size_t len, sgp32_##name *out);       \
    void sgp32_put_##name(der_builder *b, const sgp32_##name *in);                       \
    aw_err sgp32_encode_##name(const sgp32_##name *in, uint8_t **out, size_t *out_len);

/* IPA -> eIM */
SGP32_DECLARE_CODEC(esipa_message_from_ipa_to_eim)
SGP32_DECLARE_CODEC(initiate_authentication_request_esipa)
SGP32_DECLARE_CODEC(authenticate_client_request_esipa)
SGP32_DECLARE_CODEC(get_bound_profile_package_request_esipa)
SGP32_DECLARE_CODEC(cancel_session_request_esipa)
SGP32_DECLARE_CODEC(handle_notification_esipa)
SGP32_DECLARE_CODEC(transfer_eim_package_response)
SGP32_DECLARE_CODEC(get_eim_package_request)
SGP32_DECLARE_CODEC(provide_eim_package_result)

/* eIM -> IPA */
SGP32_DECLARE_CODEC(esipa_message_from_eim_to_ipa)
SGP32_DECLARE_CODEC(initiate_authentication_response_esipa)
SGP32_DECLARE_CODEC(authenticate_client_response_esipa)
SGP32_DECLARE_CODEC(get_bound_profile_package_response_esipa)
SGP32_DECLARE_CODEC(cancel_session_response_esipa)
SGP32_DECLARE_CODEC(transfer_eim_package_request)
SGP32_DECLARE_CODEC(get_eim_package_response)
SGP32_DECLARE_CODEC(provide_eim_package_result_response)

#undef SGP32_DECLARE_CODEC

#endif
