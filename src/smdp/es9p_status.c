/* airwrite SM-DP+: ES9+ status code table (SGP.22 5.6.1 to 5.6.5). */
#include "smdp/es9p_status.h"

#include <stddef.h>

typedef struct es9p_status_entry {
    const char *subject;
    const char *reason;
    const char *message;
} es9p_status_entry;

static const es9p_status_entry es9p_status_table[ES9P_STATUS__COUNT] = {
    [ES9P_STATUS_OK] = {NULL, NULL, "Executed-Success"},
    /* SGP.22 5.6.1 */
    [ES9P_STATUS_INVALID_SMDP_ADDRESS] = {"8.8.1", "3.8", "Invalid SM-DP+ Address"},
    [ES9P_STATUS_CI_PKID_NOT_SUPPORTED] = {"8.8.2", "3.1",
        "None of the proposed Public Key Identifiers is supported by the SM-DP+"},
    [ES9P_STATUS_EUICC_VERSION_NOT_SUPPORTED] = {"8.8.3", "3.1",
        "The Specification Version Number indicated by the eUICC is not supported by the SM-DP+"},
    [ES9P_STATUS_NO_DPAUTH_CERTIFICATE] = {"8.8.4", "3.7",
        "The SM-DP+ has no CERT.DPauth.ECDSA signed by one of the CI Public Key supported by the eUICC"},
    /* SGP.22 5.6.3 */
    [ES9P_STATUS_EUM_CERTIFICATE_INVALID] = {"8.1.2", "6.1", "EUM Certificate is invalid"},
    [ES9P_STATUS_EUM_CERTIFICATE_EXPIRED] = {"8.1.2", "6.3", "EUM Certificate has expired"},
    [ES9P_STATUS_EUICC_CERTIFICATE_INVALID] = {"8.1.3", "6.1", "eUICC Certificate is invalid"},
    [ES9P_STATUS_EUICC_CERTIFICATE_EXPIRED] = {"8.1.3", "6.3", "eUICC Certificate has expired"},
    [ES9P_STATUS_EUICC_VERIFICATION_FAILED] = {"8.1", "6.1",
        "eUICC signature is invalid or serverChallenge is invalid"},
    [ES9P_STATUS_CI_UNKNOWN] = {"8.11.1", "3.9", "Unknown CI Public Key"},
    [ES9P_STATUS_TRANSACTION_UNKNOWN] = {"8.10.1", "3.9",
        "The RSP session identified by the TransactionID is unknown"},
    [ES9P_STATUS_MATCHING_ID_REFUSED] = {"8.2.6", "3.8",
        "MatchingID (AC_Token or EventID) is refused"},
    [ES9P_STATUS_EID_MISMATCH] = {"8.1.1", "3.8", "EID doesn't match the expected value"},
    [ES9P_STATUS_PROFILE_NOT_RELEASED] = {"8.2", "1.2", "Profile has not yet been released"},
    [ES9P_STATUS_NO_ELIGIBLE_PROFILE] = {"8.2.5", "4.3",
        "No eligible Profile for this eUICC/Device"},
    [ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED] = {"8.8.5", "4.10", "The Download order has expired"},
    [ES9P_STATUS_DOWNLOAD_RETRIES_EXCEEDED] = {"8.8.5", "6.4",
        "The maximum number of retries for the Profile download order has been exceeded"},
    /* SGP.22 5.6.2 */
    [ES9P_STATUS_CONFIRMATION_CODE_MISSING] = {"8.2.7", "2.2", "Confirmation Code is missing"},
    [ES9P_STATUS_CONFIRMATION_CODE_REFUSED] = {"8.2.7", "3.8", "Confirmation Code is refused"},
    [ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED] = {"8.2.7", "6.4",
        "The maximum number of retries for the Confirmation Code has been exceeded"},
    [ES9P_STATUS_BPP_NOT_AVAILABLE] = {"8.2", "3.7", "BPP is not available for a new binding"},
    /* SGP.22 5.6.5 */
    [ES9P_STATUS_SMDP_OID_INVALID] = {"8.8", "3.10", "The provided SM-DP+ OID is invalid"},
    /* generic (see es9p_status.h) */
    [ES9P_STATUS_INVALID_ELEMENT] = {"1", "2.1", "Invalid element"},
    [ES9P_STATUS_MISSING_ELEMENT] = {"1", "2.2", "Mandatory element missing"},
    [ES9P_STATUS_PROTOCOL_UNSUPPORTED] = {"1", "3.1", "Protocol version unsupported"},
    [ES9P_STATUS_EXECUTION_ERROR] = {"1.2", "4.2", "Execution error"},
};

const char *es9p_status_subject_code(es9p_status status)
{
    if ((unsigned)status >= ES9P_STATUS__COUNT)
        return NULL;
    return es9p_status_table[status].subject;
}

const char *es9p_status_reason_code(es9p_status status)
{
    if ((unsigned)status >= ES9P_STATUS__COUNT)
        return NULL;
    return es9p_status_table[status].reason;
}

const char *es9p_status_message(es9p_status status)
{
    if ((unsigned)status >= ES9P_STATUS__COUNT)
        return "Unknown status";
    return es9p_status_table[status].message;
}
