/* airwrite eIM: helpers shared by the eIM's files (not a public interface). */
#ifndef AIRWRITE_EIM_EIM_INTERNAL_H
#define AIRWRITE_EIM_EIM_INTERNAL_H

#include "core/db_queue.h"
#include "core/http_client.h"
#include "eim/eim.h"

/* Columns of eim_euiccs in the order eim_read_euicc expects them. */
#define EIM_EUICC_COLUMNS                                                                   \
    "eid, eim_id, counter_value, association_token, signing_key, euicc_certificate, "     \
    "eum_certificate, state, last_contact_ms, registered_ms, sgp32_version"

/* Fill out from the current row of a SELECT EIM_EUICC_COLUMNS. */
aw_err eim_read_euicc(const db_rows *rows, eim_euicc *out);

/* Copy text of at most cap - 1 bytes; AW_ERR_LIMIT when longer. */
aw_err eim_copy_text(char *out, size_t cap, const char *text);

/* A signing key reference is [A-Za-z0-9._-]{1,EIM_KEY_REFERENCE_MAX}. */
bool eim_key_reference_valid(const char *reference);

/* An eimId is UTF-8 of 1..128 characters without control characters. */
bool eim_id_valid(const char *eim_id);

/* Verify the eUICC chain of a registered eUICC at now_ms and return its
 * public key (AW_ERR_EIM_NO_CERTIFICATE when none is recorded). */
aw_err eim_euicc_public_key(const eim_euicc *euicc, const pki_trust_store *trust, int64_t now_ms,
                            crypto_key **out);

/* A failure of the eIM itself (memory, storage), as opposed to a refusal
 * of what a peer sent: it must not be reported to the peer as its fault. */
static inline bool eim_internal_failure(aw_err err)
{
    switch (err) {
    case AW_ERR_NOMEM:
    case AW_ERR_DB_CONNECTION:
    case AW_ERR_DB_UNIQUE:
    case AW_ERR_DB_CONSTRAINT:
    case AW_ERR_DB_BUSY:
    case AW_ERR_DB_SCHEMA:
    case AW_ERR_DB_SCHEMA_NEWER:
    case AW_ERR_DB_TYPE:
    case AW_ERR_DB_FAILED:
        return true;
    default:
        return false;
    }
}

/* SGP.32 v1.0 ProvideEimPackageResult carries no eidValue (v1.1 added it):
 * the eUICC that a signed EuiccPackageResult (BF51 as received) answers
 * for, found by the eimTransactionId of its signed data among the eUICC
 * Packages sent, and only when that eUICC is registered as v1.0
 * (AW_ERR_EIM_UNKNOWN_EUICC otherwise, also for an unsigned result or one
 * without eimTransactionId). The signature is checked afterwards by
 * eim_result_record with that eUICC's key, as for any result. */
aw_err eim_result_find_euicc_v1_0(db_connection *db, const uint8_t *result, size_t len,
                                  char eid[EIM_EID_DIGITS + 1]);

/* The eUICC registered as v1.0 to which the package of kind with
 * transaction_id (its eimTransactionId) was queued; AW_ERR_EIM_UNKNOWN_EUICC
 * when none or more than one. */
aw_err eim_package_find_euicc_v1_0(db_connection *db, eim_package_kind kind,
                                   aw_slice transaction_id, char eid[EIM_EID_DIGITS + 1]);

/* AW_OK when eid is registered as SGP.32 v1.0; AW_ERR_EIM_SGP32_VERSION
 * when registered as another version, AW_ERR_EIM_UNKNOWN_EUICC when not
 * registered. A v1.0-only form of a message is taken only after this. */
aw_err eim_registry_require_v1_0(db_connection *db, const char *eid);

/* Queue an eIM Package without a counterValue (data request, trigger). */
aw_err eim_package_insert(db_connection *db, const char *eid, eim_package_kind kind,
                          aw_slice transaction_id, aw_slice request, int64_t now_ms,
                          int64_t *id);

/* The package of kind (0: any) sent to eid with transaction_id: its id;
 * AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE when none was handed out,
 * AW_ERR_EIM_RESULT_REPLAY when it is answered already. */
aw_err eim_package_find_sent(db_connection *db, const char *eid, eim_package_kind kind,
                             aw_slice transaction_id, int64_t *id);

/* Record the answer of a sent package, once (AW_ERR_EIM_RESULT_REPLAY). */
aw_err eim_package_finish(db_connection *db, int64_t id, bool failed, int64_t error_code,
                          aw_slice result, int64_t now_ms);

/* Inside an open transaction: increment the eUICC's counterValue and
 * return the new value (AW_ERR_EIM_UNKNOWN_EUICC, _COUNTER_EXHAUSTED). */
aw_err eim_counter_take(db_connection *db, const char *eid, int64_t *counter);

/* Inside an open transaction: take the eUICC's next counterValue, build and
 * sign the eUICC Package and insert it with client_reference (NULL: none;
 * eim_package_enqueue_once), package.c. Errors as eim_package_enqueue;
 * AW_ERR_DB_UNIQUE when eid has a package under client_reference. */
aw_err eim_package_enqueue_locked(db_connection *db, const eim_key_ring *keys, const char *eid,
                                  const eim_operation *operations, size_t count,
                                  const char *client_reference, int64_t now_ms,
                                  int64_t *package_id, int64_t *counter);

/* ---- download relay (relay.c, relay_notify.c) ---- */

struct eim_relay {
    struct http_client *client;
    const eim_smdp_route *routes;
    size_t route_count;
    int64_t notification_attempts;    /* held notifications (notification_queue.c) */
    int64_t notification_retry_ms;
    bool device_binding;              /* card-device locking (device_binding.c) */
};

/* The base URL of an SM-DP+ address: its route, else "https://address". */
aw_err eim_relay_base_url(const eim_relay *relay, aw_slice address, char *out, size_t cap);

/* SGP.32 6.3.2.4: forward one PendingNotification TLV (BF37 or 30) to its
 * notificationAddress, once per (eUICC, seqNumber); a
 * ProfileInstallationResult of a relayed download is verified and recorded
 * against its trigger first (one transaction with the notification's row).
 * One whose forwarding fails is held for the forwarder (notification_queue.c).
 * verdict: AW_ERR_EIM_RESULT_REPLAY when it was forwarded before,
 * AW_ERR_EIM_NOTIFICATION_HELD when it is held, the failure to decode,
 * verify or forward otherwise. Returns only the eIM's own failures
 * (storage, memory: also a hold that failed, so the IPA keeps it). */
aw_err eim_relay_forward_notification(eim_relay *relay, const eim_context *context,
                                      aw_slice pending, int64_t now_ms, aw_err *verdict);

/* ES9+.HandleNotification (SGP.22 5.6.4) of one PendingNotification TLV
 * to the SM-DP+ of address (its notificationAddress). verdict: AW_OK when
 * the receiver accepted it, else why not (AW_ERR_EIM_RELAY_ADDRESS,
 * AW_ERR_HTTP_*, AW_ERR_ES9P_CLIENT_*). Returns only AW_ERR_NOMEM. */
aw_err eim_relay_send_notification(eim_relay *relay, aw_slice address, aw_slice pending,
                                   aw_err *verdict);

/* ---- held notifications (notification_queue.c) ---- */

/* Create or upgrade eim_notification_queue (component
 * "eim_notification_queue") and the core job queue. */
aw_err eim_notification_queue_migrate(db_connection *db);

/* Hold a notification (exact bytes) of identity and seq_number for the
 * forwarder: its row and its first job, due now_ms + retry_ms, in one
 * transaction (the caller's, when one is open). attempts and retry_ms as
 * in eim_relay_config (> 0). Held before: AW_OK, nothing added. */
aw_err eim_notification_hold(db_connection *db, const char *identity, int64_t seq_number,
                             aw_slice address, aw_slice pending, int64_t attempts,
                             int64_t retry_ms, int64_t now_ms);

/* Whether identity's seq_number is held (pending or dead). */
aw_err eim_notification_is_held(db_connection *db, const char *identity, int64_t seq_number,
                                bool *held);

/* The held notification a forwarder's job names, with its bytes
 * (*pending malloc'd). AW_ERR_DB_TYPE for a payload naming no row id,
 * AW_ERR_DB_NOT_FOUND for a row that is gone. */
aw_err eim_notification_load(db_connection *db, const db_job *job, eim_notification_record *out,
                             uint8_t **pending, size_t *pending_len);

/* Record one forwarding attempt of job (leased to worker): verdict AW_OK
 * completes it (the notification forwarded, eim_notifications too),
 * otherwise the job fails to be retried or dies; the row follows. *state:
 * DB_JOB_DONE, _READY or _DEAD. AW_ERR_DB_NOT_FOUND when the lease was
 * lost. */
aw_err eim_notification_finish(db_connection *db, const db_job *job, const char *worker,
                               const eim_notification_record *record, aw_err verdict,
                               int64_t now_ms, db_job_state *state);

/* euiccSignPIR of a ProfileInstallationResult (BF37 as received) verified
 * with the key of eid's certificate chain (SGP.22 5.7.6); installed and
 * error_reason from its finalResult. */
aw_err eim_download_verify_installation(db_connection *db, const pki_trust_store *trust,
                                        const char *eid, aw_slice pir, int64_t now_ms,
                                        bool *installed, int64_t *error_reason);

#endif
