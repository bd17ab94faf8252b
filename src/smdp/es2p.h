/* airwrite SM-DP+: ES2+ operator functions over the profile inventory
 * (SGP.22 5.3: 5.3.1 DownloadOrder, 5.3.2 ConfirmOrder, 5.3.3 CancelOrder,
 * 5.3.4 ReleaseProfile; the order flow of SGP.22 3.1.1). No transport:
 * the HTTP/JSON binding (SGP.22 6.5) calls these.
 *
 * Each function returns an aw_err for airwrite's own failures (database,
 * arguments) and, when that is AW_OK, the function's outcome in an
 * smdp_es2p_result: success, or the SGP.22 subject code and reason code of
 * the failure (the "Function execution status" of SGP.22 6.5.1.4, never
 * mixed into aw_err). A failed function changes nothing.
 *
 * Error codes used (subject / reason, from the SGP.22 5.3.x tables):
 *   8.1.1 / 2.1  EID - Invalid: not 32 digits with valid check digits (SGP.29)
 *   8.1.1 / 2.2  EID - Mandatory Element Missing: ConfirmOrder without a
 *                matchingId (default SM-DP+ address) and no EID known
 *   8.1.1 / 3.10 EID - Invalid Association: EID differs from the order's
 *   8.2.1 / 3.9  Profile ICCID - Unknown
 *   8.2.1 / 3.3  Profile ICCID - Already in Use: DownloadOrder on an ICCID
 *                not in state available
 *   8.2.1 / 3.5  Profile ICCID - Invalid Transition: ConfirmOrder,
 *                CancelOrder or ReleaseProfile from a state that does not
 *                allow it
 *   8.2.5 / 3.9  Profile Type - Unknown
 *   8.2.5 / 4.8  Profile Type - Stock Depleted: no available profile left
 *   8.2.6 / 2.1  Matching ID - Invalid: not 1..64 of 0-9 A-Z '-' (SGP.22 4.1)
 *   8.2.6 / 3.3  Matching ID - Already in Use
 *   8.2.6 / 3.10 Matching ID - Invalid Association: CancelOrder's matchingId
 *                is not the order's
 *   8.2.7 / 2.1  Confirmation Code - Invalid: empty or over 64 characters
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

typedef struct smdp_es2p_result {
    bool success;             /* Executed-Success */
    const char *subject_code; /* e.g. "8.2.1"; NULL on success */
    const char *reason_code;  /* e.g. "3.9"; NULL on success */
    const char *message;      /* short English text for logs; NULL on success */
} smdp_es2p_result;

/* SGP.22 5.3.1 ES2+.DownloadOrder. eid optional (NULL); iccid, or
 * (iccid NULL) profile_type: the first available profile of that type.
 * available -> linked (with EID) or allocated. iccid_out receives the
 * profile's ICCID on success. AW_ERR_ARGUMENT if neither iccid nor
 * profile_type is given. */
typedef struct smdp_download_order {
    const char *eid;
    const char *iccid;
    const char *profile_type;
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
 * From allocated, linked, confirmed, released or error. */
aw_err smdp_es2p_cancel_order(db_connection *db, const char *iccid, const char *eid,
                              const char *matching_id, smdp_final_status final_status,
                              int64_t now_ms, smdp_es2p_result *result);

/* SGP.22 5.3.4 ES2+.ReleaseProfile: confirmed -> released. */
aw_err smdp_es2p_release_profile(db_connection *db, const char *iccid, int64_t now_ms,
                                 smdp_es2p_result *result);

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
