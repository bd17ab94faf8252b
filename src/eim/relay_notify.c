/* airwrite eIM: notifications of relayed downloads (SGP.32 6.3.2.4
 * ESipa.HandleNotification with a pendingNotification, and the
 * notificationList of ePRAndNotifications 6.3.2.7), forwarded to their
 * Notification Receiver, the notificationAddress of their
 * NotificationMetadata (SGP.22 5.7.10), by ES9+.HandleNotification (5.6.4,
 * JSON binding 6.5.2.9).
 *
 * Each notification is processed once per (eUICC, seqNumber): the eUICC
 * is the EID of its relayed download for a ProfileInstallationResult (else
 * the download's transactionId stands for it), the EID of the eUICC
 * certificate of an OtherSignedNotification. An IPA that sends it again
 * (its answer was lost, or the notification came both alone and beside a
 * result) gets the same empty answer, and nothing reaches the SM-DP+
 * twice. One whose forwarding fails is held (notification_queue.c) before
 * the IPA is answered, and the eIM server's forwarder
 * (notification_forward.c) forwards it until its receiver accepts it: the
 * IPA removes a notification from the eUICC once answered (SGP.22 3.5),
 * so the eIM answers with an error (and the IPA keeps it) when it can
 * neither forward nor hold it.
 *
 * A ProfileInstallationResult of a download relayed for an eIM trigger is
 * verified (euiccSignPIR with the key of the eUICC's certificate chain,
 * SGP.22 5.7.6, as download.c does for ProvideEimPackageResult) and
 * recorded: the download becomes installed or failed, and so does the
 * trigger it answers. */
#include <stdlib.h>
#include <string.h>

#include "core/es9p_client.h"
#include "core/hex.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_notification.h"
#include "eim/eim_internal.h"
#include "eim/relay_compact.h"

#define IDENTITY_MAX 48 /* an EID (32) or "transaction:" + 32 hex digits */

/* What identifies a notification and where it goes. */
typedef struct notification_key {
    char identity[IDENTITY_MAX + 1];
    int64_t seq_number;
    aw_slice address;
} notification_key;

static void identity_of_transaction(aw_slice transaction_id, char out[IDENTITY_MAX + 1])
{
    static const char prefix[] = "transaction:";
    memcpy(out, prefix, sizeof(prefix) - 1);
    size_t n = transaction_id.len <= 16 ? transaction_id.len : 16;
    aw_hex_encode(transaction_id.ptr, n, out + sizeof(prefix) - 1, true);
    out[sizeof(prefix) - 1 + 2 * n] = '\0';
}

/* Record the verified result against the download and its trigger; a
 * result that does not verify is kept out (verdict), the notification is
 * still forwarded: the SM-DP+ verifies it itself. */
static aw_err record_installation(const eim_context *c, const eim_download_record *download,
                                  aw_slice pir, int64_t now_ms, aw_err *verdict)
{
    bool installed = false;
    int64_t reason = 0;
    aw_err err = eim_download_verify_installation(c->db, c->trust, download->eid, pir, now_ms,
                                                  &installed, &reason);
    if (eim_internal_failure(err))
        return err;
    if (err != AW_OK) {
        *verdict = err;
        return AW_OK;
    }
    eim_download_state state = installed ? EIM_DOWNLOAD_INSTALLED : EIM_DOWNLOAD_INSTALL_FAILED;
    db_param p[] = {DB_PARAM_INT64(state), DB_PARAM_INT64(now_ms),
                    DB_PARAM_BLOB(download->transaction_id, download->transaction_id_len)};
    err = db_execute(c->db,
                     "UPDATE eim_downloads SET state = ?, updated_ms = ? WHERE transaction_id = ?",
                     p, 3, NULL);
    if (err == AW_OK && download->package_id != 0) {
        err = eim_package_finish(c->db, download->package_id, !installed, reason, pir, now_ms);
        if (err == AW_ERR_EIM_RESULT_REPLAY) {
            *verdict = err; /* the trigger's result came by ProvideEimPackageResult first */
            err = AW_OK;
        }
    }
    return err;
}

/* A ProfileInstallationResult: its seqNumber and notificationAddress, and
 * the eUICC of the download it ends. */
static aw_err key_of_installation(const eim_context *c, aw_slice pir, notification_key *key)
{
    sgp22_profile_installation_result *decoded = calloc(1, sizeof(*decoded));
    sgp22_notification_metadata metadata;
    eim_download_record download;
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp22_decode_profile_installation_result(pir.ptr, pir.len, decoded);
    if (err == AW_OK)
        err = sgp22_decode_notification_metadata(decoded->data.notification_metadata.ptr,
                                                 decoded->data.notification_metadata.len,
                                                 &metadata);
    if (err == AW_OK) {
        key->seq_number = metadata.seq_number;
        key->address = metadata.notification_address;
        aw_slice tid = decoded->data.transaction_id;
        err = eim_download_get(c->db, tid.ptr, tid.len, &download);
        if (err == AW_OK && download.eid[0] != '\0') {
            memcpy(key->identity, download.eid, sizeof(download.eid));
        } else if (err == AW_OK || err == AW_ERR_EIM_RELAY_TRANSACTION) {
            identity_of_transaction(tid, key->identity);
            err = AW_OK;
        }
    }
    free(decoded);
    return err;
}

aw_err eim_notification_forwarded(db_connection *db, const char *identity, int64_t seq_number,
                                  bool *forwarded)
{
    if (forwarded != NULL)
        *forwarded = false;
    if (db == NULL || identity == NULL || forwarded == NULL)
        return AW_ERR_ARGUMENT;
    int64_t count = 0;
    db_param p[] = {DB_PARAM_TEXT(identity), DB_PARAM_INT64(seq_number)};
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM eim_notifications WHERE identity = ? AND "
                                "seq_number = ? AND forwarded_ms IS NOT NULL",
                                p, 2, &count);
    *forwarded = err == AW_OK && count > 0;
    return err;
}

aw_err eim_relay_send_notification(eim_relay *relay, aw_slice address, aw_slice pending,
                                   aw_err *verdict)
{
    char base_url[ES9P_CLIENT_ADDRESS_MAX + 64];
    *verdict = AW_OK;
    if (address.len == 0 ||
        eim_relay_base_url(relay, address, base_url, sizeof(base_url)) != AW_OK) {
        *verdict = AW_ERR_EIM_RELAY_ADDRESS;
        return AW_OK;
    }
    /* ES9+.HandleNotification (SGP.22 5.6.4: BF3D { [0] PendingNotification }) */
    der_builder b;
    uint8_t *request = NULL;
    size_t request_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pending.ptr, pending.len);
    der_builder_end(&b);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &request, &request_len);
    es9p_client_result result;
    memset(&result, 0, sizeof(result));
    if (err == AW_OK)
        err = es9p_client_call(relay->client, base_url, ES9P_CLIENT_HANDLE_NOTIFICATION, request,
                               request_len, &result);
    free(request);
    if (err == AW_OK && result.status.outcome != ES9P_CLIENT_EXECUTED_SUCCESS)
        err = AW_ERR_ES9P_CLIENT_RESPONSE;
    es9p_client_result_clear(&result);
    if (err == AW_ERR_NOMEM)
        return err;
    *verdict = err;
    return AW_OK;
}

/* The first attempt, while the IPA waits: forwarded, or else held for the
 * forwarder (notification_queue.c) before the IPA is answered, since the
 * IPA then removes the notification from the eUICC (SGP.22 3.5). A hold
 * that fails is the eIM's failure: the IPA gets an error and keeps it. */
static aw_err forward(eim_relay *relay, const eim_context *c, const notification_key *key,
                      aw_slice pending, int64_t now_ms, aw_err *verdict)
{
    aw_err sent = AW_OK;
    aw_err err = eim_relay_send_notification(relay, key->address, pending, &sent);
    if (err != AW_OK)
        return err;
    if (sent == AW_OK) {
        db_param p[] = {DB_PARAM_INT64(now_ms), DB_PARAM_TEXT(key->identity),
                        DB_PARAM_INT64(key->seq_number)};
        return db_execute(c->db,
                          "UPDATE eim_notifications SET forwarded_ms = ? WHERE identity = ? AND "
                          "seq_number = ?",
                          p, 3, NULL);
    }
    *verdict = sent;
    return eim_notification_hold(c->db, key->identity, key->seq_number, key->address, pending,
                                 relay->notification_attempts, relay->notification_retry_ms,
                                 now_ms);
}

/* What the arrival of a notification leads to. */
typedef struct arrival {
    const eim_context *context;
    const notification_key *key;
    const sgp22_pending_notification *decoded;
    int64_t now_ms;
    aw_err verdict;   /* out: a replay, a hold, a result that did not verify */
    bool forward;     /* out: to be forwarded now */
} arrival;

/* A relayed download's ProfileInstallationResult, recorded against its
 * download and trigger the first time it arrives. */
static aw_err record_arrival(const arrival *a, aw_err *verdict)
{
    eim_download_record download;
    aw_slice raw = a->decoded->profile_installation_result;
    sgp22_profile_installation_result *pir = calloc(1, sizeof(*pir));
    aw_err err = pir == NULL ? AW_ERR_NOMEM
                             : sgp22_decode_profile_installation_result(raw.ptr, raw.len, pir);
    if (err == AW_OK)
        err = eim_download_get(a->context->db, pir->data.transaction_id.ptr,
                               pir->data.transaction_id.len, &download);
    if (err == AW_OK)
        err = record_installation(a->context, &download, raw, a->now_ms, verdict);
    free(pir);
    return err;
}

/* One transaction: the notification's row (once per identity and
 * seqNumber) and its recording, so a failure leaves neither and the IPA's
 * next attempt does both. Checked before inserting: a failed statement
 * would end a PostgreSQL transaction. */
static aw_err arrive_in(db_connection *db, void *arg)
{
    arrival *a = arg;
    const notification_key *key = a->key;
    a->verdict = AW_OK;
    a->forward = false;
    int64_t seen = 0;
    bool forwarded = false, held = false;
    db_param p[] = {DB_PARAM_TEXT(key->identity), DB_PARAM_INT64(key->seq_number)};
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM eim_notifications WHERE identity = ? AND "
                                "seq_number = ?",
                                p, 2, &seen);
    if (err == AW_OK && seen > 0) {
        err = eim_notification_forwarded(db, key->identity, key->seq_number, &forwarded);
        if (err == AW_OK && !forwarded)
            err = eim_notification_is_held(db, key->identity, key->seq_number, &held);
        /* forwarded, or held for the forwarder: processed once already;
         * neither: the last arrival could not hold it, forward it now */
        a->verdict = forwarded ? AW_ERR_EIM_RESULT_REPLAY
                     : held    ? AW_ERR_EIM_NOTIFICATION_HELD
                               : AW_OK;
        a->forward = !forwarded && !held;
        return err;
    }
    char address[256];
    size_t n = key->address.len < sizeof(address) ? key->address.len : sizeof(address) - 1;
    memcpy(address, key->address.ptr, n);
    address[n] = '\0';
    db_param row[] = {DB_PARAM_TEXT(key->identity), DB_PARAM_INT64(key->seq_number),
                      DB_PARAM_TEXT(address), DB_PARAM_INT64(a->now_ms)};
    if (err == AW_OK)
        err = db_execute(db,
                         "INSERT INTO eim_notifications (identity, seq_number, "
                         "notification_address, received_ms) VALUES (?, ?, ?, ?)",
                         row, 4, NULL);
    if (err == AW_OK && a->decoded->kind == SGP22_PENDING_PROFILE_INSTALLATION_RESULT &&
        strncmp(key->identity, "transaction:", 12) != 0)
        err = record_arrival(a, &a->verdict);
    a->forward = err == AW_OK;
    return err;
}

aw_err eim_relay_forward_notification(eim_relay *relay, const eim_context *context,
                                      aw_slice pending, int64_t now_ms, aw_err *verdict)
{
    sgp22_pending_notification *decoded = calloc(1, sizeof(*decoded));
    notification_key key;
    uint8_t *rebuilt = NULL;
    size_t rebuilt_len = 0;
    memset(&key, 0, sizeof(key));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    if (sgp32_compact_is_compact(pending.ptr, pending.len)) {
        /* minimizeEsipaBytes: the notification the eUICC signed, rebuilt
         * (relay_compact.h); then as any other */
        err = eim_compact_expand_notification(context->db, pending, &rebuilt, &rebuilt_len);
        pending = (aw_slice){rebuilt, rebuilt_len};
    }
    if (err == AW_OK)
        err = sgp22_decode_pending_notification(pending.ptr, pending.len, decoded);
    if (err == AW_OK && decoded->kind == SGP22_PENDING_PROFILE_INSTALLATION_RESULT) {
        err = key_of_installation(context, decoded->profile_installation_result, &key);
    } else if (err == AW_OK) {
        const sgp22_other_signed_notification *o = &decoded->other_signed_notification;
        pki_certificate *certificate = NULL;
        key.seq_number = o->tbs_other_notification.seq_number;
        key.address = o->tbs_other_notification.notification_address;
        err = pki_certificate_parse(o->euicc_certificate.ptr, o->euicc_certificate.len,
                                    &certificate);
        if (err == AW_OK)
            err = pki_certificate_get_eid(certificate, key.identity);
        pki_certificate_free(certificate);
    }
    arrival a = {.context = context, .key = &key, .decoded = decoded, .now_ms = now_ms};
    if (err == AW_OK)
        err = db_in_transaction(context->db) ? arrive_in(context->db, &a)
                                              : db_transaction_run(context->db, arrive_in, &a,
                                                                   NULL);
    if (err == AW_OK) {
        *verdict = a.verdict;
        if (a.forward)
            err = forward(relay, context, &key, pending, now_ms, verdict);
    } else if (!eim_internal_failure(err)) {
        *verdict = err; /* not a notification this eIM can place or verify */
        err = AW_OK;
    }
    free(decoded);
    free(rebuilt);
    return err;
}
