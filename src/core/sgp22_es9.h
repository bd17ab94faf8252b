/* airwrite core: the ASN.1 forms of the ES9+ functions of SGP.22 (the
 * RemoteProfileProvisioningRequest/Response alternatives of RSPDefinitions:
 * InitiateAuthentication 5.6.1, GetBoundProfilePackage 5.6.2,
 * AuthenticateClient 5.6.3, CancelSession 5.6.5) as typed DER codecs. The
 * ES10b parts they carry use the sgp22_auth, sgp22_download and sgp22_bpp
 * codecs. The A2 wrapper CHOICE and HandleNotification (notifications) are
 * not covered here. Every SEQUENCE struct has `extensions` (later-version
 * components, kept verbatim: EXTENSIBILITY IMPLIED, see sgp22_field.h).
 */
#ifndef AIRWRITE_CORE_SGP22_ES9_H
#define AIRWRITE_CORE_SGP22_ES9_H

#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_download.h"

/* initiateAuthenticationError, ES9+.InitiateAuthentication 5.6.1 */
enum sgp22_initiate_authentication_error {
    SGP22_INITIATE_AUTHENTICATION_ERROR_INVALID_DP_ADDRESS = 1,
    SGP22_INITIATE_AUTHENTICATION_ERROR_EUICC_VERSION_NOT_SUPPORTED = 2,
    SGP22_INITIATE_AUTHENTICATION_ERROR_CI_PKID_NOT_SUPPORTED = 3,
};

/* authenticateClientError, ES9+.AuthenticateClient 5.6.3 (12..17 reserved) */
enum sgp22_authenticate_client_error {
    SGP22_AUTHENTICATE_CLIENT_ERROR_EUM_CERTIFICATE_INVALID = 1,
    SGP22_AUTHENTICATE_CLIENT_ERROR_EUM_CERTIFICATE_EXPIRED = 2,
    SGP22_AUTHENTICATE_CLIENT_ERROR_EUICC_CERTIFICATE_INVALID = 3,
    SGP22_AUTHENTICATE_CLIENT_ERROR_EUICC_CERTIFICATE_EXPIRED = 4,
    SGP22_AUTHENTICATE_CLIENT_ERROR_EUICC_SIGNATURE_INVALID = 5,
    SGP22_AUTHENTICATE_CLIENT_ERROR_MATCHING_ID_REFUSED = 6,
    SGP22_AUTHENTICATE_CLIENT_ERROR_EID_MISMATCH = 7,
    SGP22_AUTHENTICATE_CLIENT_ERROR_NO_ELIGIBLE_PROFILE = 8,
    SGP22_AUTHENTICATE_CLIENT_ERROR_CI_PK_UNKNOWN = 9,
    SGP22_AUTHENTICATE_CLIENT_ERROR_INVALID_TRANSACTION_ID = 10,
    SGP22_AUTHENTICATE_CLIENT_ERROR_INSUFFICIENT_MEMORY = 11,
    SGP22_AUTHENTICATE_CLIENT_ERROR_DOWNLOAD_ORDER_EXPIRED = 18,
    SGP22_AUTHENTICATE_CLIENT_ERROR_UNDEFINED = 127,
};

/* getBoundProfilePackageError, ES9+.GetBoundProfilePackage 5.6.2 */
enum sgp22_get_bound_profile_package_error {
    SGP22_GET_BPP_ERROR_EUICC_SIGNATURE_INVALID = 1,
    SGP22_GET_BPP_ERROR_CONFIRMATION_CODE_MISSING = 2,
    SGP22_GET_BPP_ERROR_CONFIRMATION_CODE_REFUSED = 3,
    SGP22_GET_BPP_ERROR_CONFIRMATION_CODE_RETRIES_EXCEEDED = 4,
    SGP22_GET_BPP_ERROR_BPP_REBINDING_REFUSED = 5,
    SGP22_GET_BPP_ERROR_DEPRECATED = 6,
    SGP22_GET_BPP_ERROR_INVALID_TRANSACTION_ID = 95,
    SGP22_GET_BPP_ERROR_UNDEFINED = 127,
};

/* cancelSessionError, ES9+.CancelSession 5.6.5 */
enum sgp22_cancel_session_es9_error {
    SGP22_CANCEL_SESSION_ES9_ERROR_INVALID_TRANSACTION_ID = 1,
    SGP22_CANCEL_SESSION_ES9_ERROR_EUICC_SIGNATURE_INVALID = 2,
    SGP22_CANCEL_SESSION_ES9_ERROR_UNDEFINED = 127,
};

/* SGP.22 RSPDefinitions InitiateAuthenticationRequest (BF39), 5.6.1 */
typedef struct sgp22_initiate_authentication_request {
    aw_slice raw;
    aw_slice euicc_challenge; /* [1] Octet16 */
    aw_slice smdp_address;    /* [3] UTF8String */
    aw_slice euicc_info1;     /* raw BF20 TLV (sgp22_euicc_info) */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_initiate_authentication_request;

/* SGP.22 RSPDefinitions InitiateAuthenticationOkEs9, 5.6.1 */
typedef struct sgp22_initiate_authentication_ok {
    aw_slice transaction_id;           /* [0] */
    sgp22_server_signed1 server_signed1;
    aw_slice server_signature1;        /* 5F37 */
    aw_slice euicc_ci_pkid_to_be_used; /* OCTET STRING */
    aw_slice server_certificate;       /* raw X.509 TLV */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_initiate_authentication_ok;

/* SGP.22 RSPDefinitions InitiateAuthenticationResponse (BF39 CHOICE), 5.6.1:
 * [0] InitiateAuthenticationOkEs9 / [1] INTEGER */
typedef struct sgp22_initiate_authentication_response {
    aw_slice raw;
    sgp22_response_kind kind;
    union {
        sgp22_initiate_authentication_ok ok;
        int64_t error; /* enum sgp22_initiate_authentication_error */
    };
} sgp22_initiate_authentication_response;

/* SGP.22 RSPDefinitions AuthenticateClientRequest (BF3B), 5.6.3 */
typedef struct sgp22_authenticate_client_request {
    aw_slice raw;
    aw_slice transaction_id; /* [0] */
    sgp22_authenticate_server_response authenticate_server_response; /* BF38 */
    bool use_matching_id_for_acr; /* NULL OPTIONAL present */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_authenticate_client_request;

typedef enum sgp22_authenticate_client_kind {
    SGP22_AUTHENTICATE_CLIENT_OK = 0,     /* [0] AuthenticateClientOk */
    SGP22_AUTHENTICATE_CLIENT_ERROR = 1,  /* [1] INTEGER */
    SGP22_AUTHENTICATE_CLIENT_OK_ACR = 5, /* [5] AuthenticateClientOkAcr */
} sgp22_authenticate_client_kind;

/* SGP.22 RSPDefinitions AuthenticateClientOk / AuthenticateClientOkAcr,
 * 5.6.3. The Acr form carries only transaction_id and profile_metadata. */
typedef struct sgp22_authenticate_client_ok {
    aw_slice transaction_id;                        /* [0] */
    sgp22_store_metadata_request profile_metadata;  /* [37] BF25 */
    sgp22_smdp_signed2 smdp_signed2;
    aw_slice smdp_signature2;                       /* 5F37 */
    aw_slice smdp_certificate;                      /* raw X.509 TLV */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_authenticate_client_ok;

/* SGP.22 RSPDefinitions AuthenticateClientResponseEs9 (BF3B CHOICE), 5.6.3 */
typedef struct sgp22_authenticate_client_response {
    aw_slice raw;
    sgp22_authenticate_client_kind kind;
    union {
        sgp22_authenticate_client_ok ok; /* OK and OK_ACR */
        int64_t error;                   /* enum sgp22_authenticate_client_error */
    };
} sgp22_authenticate_client_response;

/* SGP.22 RSPDefinitions GetBoundProfilePackageRequest (BF3A), 5.6.2 */
typedef struct sgp22_get_bound_profile_package_request {
    aw_slice raw;
    aw_slice transaction_id;                                /* [0] */
    sgp22_prepare_download_response prepare_download_response; /* BF21 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_get_bound_profile_package_request;

/* SGP.22 RSPDefinitions GetBoundProfilePackageResponse (BF3A CHOICE), 5.6.2:
 * [0] GetBoundProfilePackageOk / [1] INTEGER */
typedef struct sgp22_get_bound_profile_package_response {
    aw_slice raw;
    sgp22_response_kind kind;
    union {
        struct {
            aw_slice transaction_id;                         /* [0] */
            sgp22_bound_profile_package bound_profile_package; /* BF36 */
            aw_slice extensions; /* later-version components, kept verbatim */
        } ok;
        int64_t error; /* enum sgp22_get_bound_profile_package_error */
    };
} sgp22_get_bound_profile_package_response;

/* SGP.22 RSPDefinitions CancelSessionRequestEs9 (BF41), 5.6.5: automatic
 * tags [0] transactionId, [1] cancelSessionResponse (the ES10b BF41 CHOICE
 * retagged A1; held as its decoded struct, raw = the A1 TLV) */
typedef struct sgp22_cancel_session_request_es9 {
    aw_slice raw;
    aw_slice transaction_id;
    sgp22_cancel_session_response cancel_session_response;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_cancel_session_request_es9;

/* SGP.22 RSPDefinitions CancelSessionResponseEs9 (BF41 CHOICE), 5.6.5:
 * [0] CancelSessionOk (empty) / [1] INTEGER */
typedef struct sgp22_cancel_session_response_es9 {
    aw_slice raw;
    sgp22_response_kind kind;
    int64_t error; /* enum sgp22_cancel_session_es9_error, when kind is ERROR */
    aw_slice ok_extensions; /* CancelSessionOk content (later-version components) */
} sgp22_cancel_session_response_es9;

#define SGP22_ES9_DECLARE(name)                                                        \
    aw_err sgp22_decode_##name(const uint8_t *buf, size_t len, sgp22_##name *out);     \
    void sgp22_put_##name(der_builder *b, const sgp22_##name *in);                     \
    aw_err sgp22_encode_##name(const sgp22_##name *in, uint8_t **out, size_t *len);

SGP22_ES9_DECLARE(initiate_authentication_request)
SGP22_ES9_DECLARE(initiate_authentication_response)
SGP22_ES9_DECLARE(authenticate_client_request)
SGP22_ES9_DECLARE(authenticate_client_response)
SGP22_ES9_DECLARE(get_bound_profile_package_request)
SGP22_ES9_DECLARE(get_bound_profile_package_response)
SGP22_ES9_DECLARE(cancel_session_request_es9)
SGP22_ES9_DECLARE(cancel_session_response_es9)

#endif
