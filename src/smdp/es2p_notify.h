/* airwrite SM-DP+: ES2+.HandleDownloadProgressInfo (SGP.22 5.3.5), the
 * SM-DP+ telling the operator that placed an order how its download
 * progresses; the JSON binding of SGP.22 6.5.2.5 (path
 * /gsma/rsp2/es2plus/handleDownloadProgressInfo, HTTP 204 expected).
 *
 * Never lost: a notification is queued in the database (core/db_queue.h,
 * queue SMDP_NOTIFY_QUEUE) in the same transaction as the state change
 * that causes it; the notifier (es2p_notifier.h) delivers it later, with
 * retries, and dead-letters it after its attempt limit.
 *
 * Facts and their public sources (read, not copied):
 *   - field names and which are mandatory (header, iccid, profileType,
 *     timestamp, notificationPointId, notificationPointStatus; eid and
 *     resultData optional) and the expected HTTP 204: osmocom/pysim
 *     pySim/esim/es2p.py, class HandleDownloadProgressInfo;
 *   - timestamp "YYYY-MM-DDThh:mm:ssTZD" (W3C), notificationPointStatus an
 *     ExecutionStatus {status, statusCodeData {subjectCode, reasonCode,
 *     subjectIdentifier?, message?}}, resultData the base64 of the result
 *     data of the ProfileInstallationResult: ostelco/ostelco-core
 *     sim-administration/es2plus4dropwizard/.../ES2+HandleDownloadProgressInfo-def.json;
 *   - the notification points 1 Eligibility and retry limit check, 2
 *     ConfirmationFailure, 3 BPP download, 4 BPP installation:
 *     ostelco/ostelco-core SimInventoryCallbackService (the operator side),
 *     and the SGP.22 v2.4 text quoted by the Telna Cronus "eSIM status
 *     change event" page ('1' failure of the retry check, '2' Confirmation
 *     Code retries exceeded, '3' BPP downloaded, ...).
 * Points for later enable/disable/delete notifications are not sent: no
 * public source found gives SGP.22 values for them (one vendor page lists
 * 5, 101 and 102 with its own meanings), so none are invented here.
 */
#ifndef AIRWRITE_SMDP_ES2P_NOTIFY_H
#define AIRWRITE_SMDP_ES2P_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "smdp/inventory.h"

#define SMDP_NOTIFY_QUEUE "smdp.es2p.notify"
#define SMDP_NOTIFY_KIND "handleDownloadProgressInfo"
#define SMDP_NOTIFY_PATH "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
/* First retry delay; db_queue doubles it per attempt up to its cap. */
#define SMDP_NOTIFY_BACKOFF_MS 500
/* Attempts a job may have at most; the notifier dead-letters earlier at
 * its configured limit. */
#define SMDP_NOTIFY_ATTEMPTS_CEILING 64
/* Largest resultData accepted (a ProfileInstallationResultData is far
 * smaller). */
#define SMDP_NOTIFY_RESULT_DATA_MAX 4096u

/* SGP.22 5.3.5 notificationPointId (sources above). */
typedef enum smdp_notify_point {
    SMDP_NOTIFY_POINT_ELIGIBILITY = 1,          /* eligibility and retry limit check */
    SMDP_NOTIFY_POINT_CONFIRMATION_FAILURE = 2, /* Confirmation Code retries exceeded */
    SMDP_NOTIFY_POINT_BPP_DOWNLOAD = 3,
    SMDP_NOTIFY_POINT_BPP_INSTALLATION = 4,
} smdp_notify_point;

/* One notification: the point reached and its ExecutionStatus. */
typedef struct smdp_progress {
    smdp_notify_point point;
    const char *subject_code; /* NULL: "Executed-Success", else "Failed" with these */
    const char *reason_code;
    const char *message;      /* statusCodeData.message; may be NULL */
    const char *eid;          /* NULL: the EID stored with the profile, if any */
    /* resultData (point 4): ProfileInstallationResultData DER; NULL: none */
    const uint8_t *result_data;
    size_t result_data_len;
} smdp_progress;

/* Inside an open transaction: queue the notification of progress for the
 * order of iccid to the operator that placed it. Nothing is queued for an
 * administrative order (no operator) or on a database without
 * smdp_es2p_migrate. AW_ERR_ARGUMENT for a bad progress, AW_ERR_LIMIT for
 * a resultData over SMDP_NOTIFY_RESULT_DATA_MAX. */
aw_err smdp_es2p_notify_enqueue(db_connection *db, const char *iccid,
                                const smdp_progress *progress, int64_t now_ms);

/* In one transaction: change the profile from one of from[] to `to` (no
 * change when from_count is 0), record cause in its history, and queue
 * progress (NULL: no notification). AW_ERR_NOT_FOUND, AW_ERR_STATE as
 * smdp_inventory_change_state; nothing happens on any error. */
aw_err smdp_es2p_progress(db_connection *db, const char *iccid, const smdp_state *from,
                          size_t from_count, smdp_state to, const char *cause,
                          const smdp_progress *progress, int64_t now_ms);

/* smdp_es2p_progress inside the caller's open transaction (AW_ERR_STATE
 * when none is open), so that several changes can share one commit (the
 * daemon's group commit, writer.h); on an error the caller rolls back (to
 * its savepoint). */
aw_err smdp_es2p_progress_in_transaction(db_connection *db, const char *iccid,
                                         const smdp_state *from, size_t from_count,
                                         smdp_state to, const char *cause,
                                         const smdp_progress *progress, int64_t now_ms);

/* W3C date-time "YYYY-MM-DDThh:mm:ssZ" of a time in ms since the epoch. */
#define SMDP_NOTIFY_TIMESTAMP_SIZE 21u
aw_err smdp_es2p_notify_timestamp(int64_t ms, char out[SMDP_NOTIFY_TIMESTAMP_SIZE]);

#endif
