/* airwrite SM-DP+: the ES9+ function execution status codes (SGP.22 5.6.1 to
 * 5.6.5 error tables; subject codes SGP.22 6.5.1 / Annex, reason codes:
 * 1.2 Not Allowed, 2.1 Invalid, 2.2 Mandatory Element Missing,
 * 3.1 Unsupported, 3.7 Unavailable, 3.8 Refused, 3.9 Unknown,
 * 3.10 Invalid Association, 4.2 Execution Error, 4.3 Stopped on Warning,
 * 4.10 Time to Live Expired, 6.1 Verification Failed, 6.3 Expired,
 * 6.4 Maximum number of attempts exceeded).
 *
 * A status is what the LPA sees in statusCodeData; it is never an aw_err.
 */
#ifndef AIRWRITE_SMDP_ES9P_STATUS_H
#define AIRWRITE_SMDP_ES9P_STATUS_H

typedef enum es9p_status {
    ES9P_STATUS_OK = 0,                    /* Executed-Success */
    /* 5.6.1 InitiateAuthentication */
    ES9P_STATUS_INVALID_SMDP_ADDRESS,      /* 8.8.1 / 3.8 */
    ES9P_STATUS_CI_PKID_NOT_SUPPORTED,     /* 8.8.2 / 3.1 */
    ES9P_STATUS_EUICC_VERSION_NOT_SUPPORTED, /* 8.8.3 / 3.1 */
    ES9P_STATUS_NO_DPAUTH_CERTIFICATE,     /* 8.8.4 / 3.7 */
    /* 5.6.3 AuthenticateClient (and the others where listed) */
    ES9P_STATUS_EUM_CERTIFICATE_INVALID,   /* 8.1.2 / 6.1 */
    ES9P_STATUS_EUM_CERTIFICATE_EXPIRED,   /* 8.1.2 / 6.3 */
    ES9P_STATUS_EUICC_CERTIFICATE_INVALID, /* 8.1.3 / 6.1 */
    ES9P_STATUS_EUICC_CERTIFICATE_EXPIRED, /* 8.1.3 / 6.3 */
    ES9P_STATUS_EUICC_VERIFICATION_FAILED, /* 8.1 / 6.1: signature or serverChallenge */
    ES9P_STATUS_CI_UNKNOWN,                /* 8.11.1 / 3.9 */
    ES9P_STATUS_TRANSACTION_UNKNOWN,       /* 8.10.1 / 3.9 (5.6.2, 5.6.3, 5.6.5) */
    ES9P_STATUS_MATCHING_ID_REFUSED,       /* 8.2.6 / 3.8 */
    ES9P_STATUS_EID_MISMATCH,              /* 8.1.1 / 3.8 */
    ES9P_STATUS_PROFILE_NOT_RELEASED,      /* 8.2 / 1.2 */
    ES9P_STATUS_NO_ELIGIBLE_PROFILE,       /* 8.2.5 / 4.3 */
    ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED,    /* 8.8.5 / 4.10 (5.6.2, 5.6.3) */
    ES9P_STATUS_DOWNLOAD_RETRIES_EXCEEDED, /* 8.8.5 / 6.4 (5.6.2, 5.6.3) */
    /* 5.6.2 GetBoundProfilePackage */
    ES9P_STATUS_CONFIRMATION_CODE_MISSING, /* 8.2.7 / 2.2 */
    ES9P_STATUS_CONFIRMATION_CODE_REFUSED, /* 8.2.7 / 3.8 */
    ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED, /* 8.2.7 / 6.4 */
    ES9P_STATUS_BPP_NOT_AVAILABLE,         /* 8.2 / 3.7: no new binding */
    /* 5.6.5 CancelSession */
    ES9P_STATUS_SMDP_OID_INVALID,          /* 8.8 / 3.10 */
    /* Requests that are not well formed: subject 1 (Generic), reason 2.x
     * (Format Error) with subjectIdentifier naming the element; a protocol
     * version not served: 1 / 3.1; our own failure: 1.2 (Function Provider)
     * / 4.2 (Execution Error). These generic uses are airwrite's choice
     * within the SGP.22 code tables (the 5.6.x tables list only the
     * function-specific codes). */
    ES9P_STATUS_INVALID_ELEMENT,           /* 1 / 2.1 */
    ES9P_STATUS_MISSING_ELEMENT,           /* 1 / 2.2 */
    ES9P_STATUS_PROTOCOL_UNSUPPORTED,      /* 1 / 3.1 */
    ES9P_STATUS_EXECUTION_ERROR,           /* 1.2 / 4.2 */
    ES9P_STATUS__COUNT
} es9p_status;

/* "8.10.1" etc.; NULL for ES9P_STATUS_OK or an unknown value. */
const char *es9p_status_subject_code(es9p_status status);
/* "3.9" etc.; NULL for ES9P_STATUS_OK or an unknown value. */
const char *es9p_status_reason_code(es9p_status status);
/* The description of the SGP.22 table; never NULL. */
const char *es9p_status_message(es9p_status status);

#endif
