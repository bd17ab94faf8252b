/* airwrite SM-DP+: ES2+ operator functions over the profile inventory
 * (SGP.22 5.3: 5.3.1 DownloadOrder, 5.3.2 ConfirmOrder, 5.3.3 CancelOrder,
 * 5.3.4 ReleaseProfile; the order flow of SGP.22 3.1.1). No transport:
 * the HTTP/JSON binding (SGP.22 6.5) calls these.
 *
 * Each function returns an aw_err for airwrite's own failures (database,
 * arguments) and, when that is AW_OK, the function's outcome in an
 * smdp_es2p_result: success, or the SGP.22 subject code and reason code of
 * the failure (the "Function execution status" of SGP.22 6.5.1.4, never
 * mixed into aw_err). A failed function changes nothing, except that an
 * order found past its expiry is terminated on the way (see below).
 *
 * Callers. An operator calling over ES2+ (mutual TLS) is an
 * smdp_es2p_caller: its verified certificate subject and its
 * functionRequesterIdentifier. DownloadOrder records it with the order; the
 * other functions on that order are refused to any other operator
 * (8.2.1 / 1.2), and the order's HandleDownloadProgressInfo notifications
 * (es2p_notify.h) go to it. A NULL caller is administrative (the
 * airwrite-smdp tool): it may act on any order, and orders it places have
 * no operator to notify.
 *
 * Expiry. An order placed with a lifetime whose bound profile package has
 * not been sent in time (still allocated, linked, confirmed or released)
 * expires; once the package is sent, the eUICC's installation result
 * decides the outcome. An expired order's profile goes to error (cause
 * "download order expired") and the operator is notified (notification
 * point 1, 8.8.5 / 4.10). ConfirmOrder and ReleaseProfile on an expired
 * order answer 8.8.5 / 4.10; the eUICC gets the same code from ES9+ (SGP.22
 * 5.6.3, es9p_status.h DOWNLOAD_ORDER_EXPIRED). The operator ends it with
 * CancelOrder, whose finalProfileStatusIndicator decides whether the
 * profile returns to the pool (Available) or never serves again
 * (Unavailable): SGP.22 5.3.3 leaves that choice to the operator, so expiry
 * does not make it. Expiry is checked when the order is touched (ES2+,
 * ES9+) and by smdp_es2p_expire_orders, which the notifier
 * (es2p_notifier.h) runs on each pass when the daemon notifies operators.
 *
 * Error codes used (subject / reason). Source: the SGP.22 ES2+ error
 * tables as transcribed in public code (a Dart SGP.22 code map read through
 * the code index: its subjectCodeMap, reasonCodeMap and specMap tables; the
 * reason names also in a Nokia eSIM ErrorCodes enum: "Profile ICCID - Not
 * Allowed (Authorisation)", "EID - Invalid", ...):
 *   8.1.1 / 2.1  EID - Invalid: not 32 digits with valid check digits (SGP.29)
 *   8.1.1 / 2.2  EID - Mandatory Element Missing: ConfirmOrder without a
 *                matchingId (default SM-DP+ address) and no EID known
 *                ("EID is missing in the context of this order ...
 *                MatchingID value has zero-length")
 *   8.1.1 / 3.10 EID - Invalid Association: a different EID is already
 *                associated with this ICCID
 *   8.2.1 / 1.2  Profile ICCID - Not Allowed (Authorisation): "the function
 *                caller is not allowed to perform this function on the
 *                target Profile" (another operator's order)
 *   8.2.1 / 3.9  Profile ICCID - Unknown
 *   8.2.1 / 3.3  Profile ICCID - Already in Use: DownloadOrder on an ICCID
 *                not in state available ("the Profile identified by the
 *                provided ICCID is not available")
 *   8.2.1 / 3.5  Profile ICCID - Invalid Transition: ConfirmOrder,
 *                CancelOrder or ReleaseProfile from a state that does not
 *                allow it ("the target Profile cannot be released")
 *   8.2.5 / 3.9  Profile Type - Unknown
 *   8.2.5 / 3.7  Profile Type - Unavailable: "No more Profile available for
 *                the requested Profile Type" (was 4.8, which is Insufficient
 *                Memory in the reason code table)
 *   8.2.6 / 2.1  Matching ID - Invalid: not 1..64 of 0-9 A-Z '-' (SGP.22 4.1)
 *   8.2.6 / 3.3  Matching ID - Already in Use ("Conflicting MatchingID value")
 *   8.2.6 / 3.10 Matching ID - Invalid Association: CancelOrder's matchingId
 *                is not the order's
 *   8.2.7 / 2.1  Confirmation Code - Invalid: empty or over 64 characters
 *                (not in the tables: subject 8.2.7 and reason 2.1 Invalid
 *                are, the pair is airwrite's choice)
 *   8.8.5 / 4.10 Download order - Time to Live Expired (SGP.22 5.6.3 lists
 *                it for ES9+; used for ES2+ functions on an expired order)
 */
#ifndef AIRWRITE_SMDP_ES2P_H
#define AIRWRITE_SMDP_ES2P_H

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "smdp/inventory.h"

#define SMDP_CONFIRMATION_CODE_MAX 64u
/* Generated matching IDs: 20 characters of 0-9 A-Z (about 103 bits) in
 * groups of five, e.g. "K3J9Q-0ZP2M-7TQ4D-W8X1C". */
#define SMDP_MATCHING_ID_GENERATED_LEN 23u
/* Longest caller subject or functionRequesterIdentifier kept with an order. */
#define SMDP_ES2P_CALLER_MAX 256u

/* An operator calling ES2+ (see above). Both strings 1..SMDP_ES2P_CALLER_MAX
 * characters. */
typedef struct smdp_es2p_caller {
    const char *subject;      /* verified client certificate subject (RFC 2253) */
    const char *requester_id; /* header.functionRequesterIdentifier (SGP.22 6.5.1.3) */
    /* header.functionCallIdentifier (SGP.22 6.5.1.3), NULL or "": none. A
     * DownloadOrder repeated by the same operator with the same one (its
     * answer was lost) gets the profile the first call linked or allocated,
     * while that order is not yet confirmed, instead of a second one. */
    const char *call_identifier;
} smdp_es2p_caller;

/* Create or upgrade the order records (db_migrate component "smdp_es2p")
 * and the job queue the notifications travel in (db_queue_migrate). After
 * smdp_inventory_migrate. Without it, only administrative orders work. */
aw_err smdp_es2p_migrate(db_connection *db);

typedef struct smdp_es2p_result {
    bool success;             /* Executed-Success */
    const char *subject_code; /* e.g. "8.2.1"; NULL on success */
    const char *reason_code;  /* e.g. "3.9"; NULL on success */
    const char *message;      /* short English text for logs; NULL on success */
} smdp_es2p_result;

/* SGP.22 5.3.1 ES2+.DownloadOrder. eid optional (NULL); iccid, or
 * (iccid NULL) profile_type: the first available profile of that type.
 * available -> linked (with EID) or allocated. iccid_out receives the
 * profile's ICCID on success. caller (NULL: administrative) is recorded
 * with the order; lifetime_ms > 0 makes it expire lifetime_ms after now_ms.
 * AW_ERR_ARGUMENT if neither iccid nor profile_type is given or a caller's
 * strings are empty or too long; AW_ERR_STATE for a caller or lifetime on a
 * database without smdp_es2p_migrate. */
typedef struct smdp_download_order {
    const char *eid;
    const char *iccid;
    const char *profile_type;
    const smdp_es2p_caller *caller;
    int64_t lifetime_ms;
} smdp_download_order;

aw_err smdp_es2p_download_order(db_connection *db, const smdp_download_order *request,
                                int64_t now_ms, char iccid_out[SAIP_ICCID_TEXT],
                                smdp_es2p_result *result);

/* SGP.22 5.3.2 ES2+.ConfirmOrder. matching_id NULL: generated; "": none
 * (the default SM-DP+ address flow, SGP.22 3.1.2, needs an EID); else
 * used as given (unique). eid optional: binds the order if it had none.
 * confirmation_code optional: its SHA-256 is stored (what the ES9+ check of
 * hashCc = SHA-256(SHA-256(CC) || transactionId) needs, SGP.22 5.6.2),
 * never the code. release_flag: released, else confirmed.
 * matching_id_out receives the matching ID ("" for none). */
typedef struct smdp_confirm_order {
    const char *iccid;
    const char *eid;
    const char *matching_id;
    const char *confirmation_code;
    bool release_flag;
    const smdp_es2p_caller *caller; /* NULL: administrative */
} smdp_confirm_order;

aw_err smdp_es2p_confirm_order(db_connection *db, const smdp_confirm_order *request,
                               int64_t now_ms, char matching_id_out[SMDP_MATCHING_ID_MAX + 1],
                               smdp_es2p_result *result);

/* SGP.22 5.3.3 ES2+.CancelOrder: finalProfileStatusIndicator. */
typedef enum smdp_final_status {
    SMDP_FINAL_AVAILABLE = 1,   /* back to the pool, order data cleared */
    SMDP_FINAL_UNAVAILABLE = 2, /* never to be used again */
} smdp_final_status;

/* eid and matching_id optional; when given they must be the order's.
 * From allocated, linked, confirmed, released or error (expired orders
 * included). The order record goes with it. The administrative form. */
aw_err smdp_es2p_cancel_order(db_connection *db, const char *iccid, const char *eid,
                              const char *matching_id, smdp_final_status final_status,
                              int64_t now_ms, smdp_es2p_result *result);
/* The same for caller (NULL: administrative). */
aw_err smdp_es2p_cancel_order_by(db_connection *db, const smdp_es2p_caller *caller,
                                 const char *iccid, const char *eid, const char *matching_id,
                                 smdp_final_status final_status, int64_t now_ms,
                                 smdp_es2p_result *result);

/* SGP.22 5.3.4 ES2+.ReleaseProfile: confirmed -> released. The
 * administrative form, and the form for caller (NULL: administrative). */
aw_err smdp_es2p_release_profile(db_connection *db, const char *iccid, int64_t now_ms,
                                 smdp_es2p_result *result);
aw_err smdp_es2p_release_profile_by(db_connection *db, const smdp_es2p_caller *caller,
                                    const char *iccid, int64_t now_ms,
                                    smdp_es2p_result *result);

/* Terminate every order past its expiry at now_ms (see above); *count
 * (may be NULL) receives how many. AW_OK with 0 on a database without
 * smdp_es2p_migrate. */
aw_err smdp_es2p_expire_orders(db_connection *db, int64_t now_ms, size_t *count);

/* The same for the order of one ICCID, for the ES9+ side (SGP.22 5.6.3:
 * the eUICC comes after the order expired): *expired tells whether it is
 * expired, now or earlier. AW_OK with false for an order without expiry. */
aw_err smdp_es2p_expire_order(db_connection *db, const char *iccid, int64_t now_ms,
                              bool *expired);

/* EID format of SGP.29: 32 decimal digits, number mod 97 == 1. */
bool smdp_es2p_eid_ok(const char *eid);

/* Matching ID format of SGP.22 4.1 (activation code): 1..64 of 0-9 A-Z '-'. */
bool smdp_es2p_matching_id_ok(const char *matching_id);

/* SGP.22 5.6.2 / 3.1.3.1: does hash_cc equal SHA-256(stored SHA-256(CC) ||
 * transaction_id)? Compared in constant time; a mismatch increments the
 * profile's attempt counter. *match false also when no code is stored.
 * AW_ERR_NOT_FOUND for an unknown ICCID. */
aw_err smdp_es2p_check_confirmation_code(db_connection *db, const char *iccid,
                                         const uint8_t *transaction_id, size_t transaction_id_len,
                                         const uint8_t hash_cc[32], bool *match);

#endif
