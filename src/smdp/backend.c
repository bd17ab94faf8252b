/* airwrite SM-DP+: es9p_backend over the inventory (SGP.22 3.1.3, 3.5,
 * 5.6.2-5.6.5). The order id handed to the ES9+ session is the ICCID. */
#include "smdp/backend.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/der.h"
#include "smdp/bpp.h"
#include "smdp/bpp_internal.h"
#include "smdp/es2p.h"
#include "smdp/es2p_notify.h"
#include "smdp/personalise.h"

/* What find_order and bind_profile read of one profile and its type. */
typedef struct backend_row {
    char iccid[SAIP_ICCID_TEXT];
    char profile_type[SMDP_PROFILE_TYPE_MAX + 1];
    char service_provider_name[SMDP_NAME_MAX + 1];
    char profile_name[SMDP_NAME_MAX + 1];
    int64_t profile_class;
} backend_row;

static aw_err backend_copy_text(const db_rows *rows, size_t column, char *out, size_t cap)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t n = strnlen(text, cap);
    if (n == cap)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, n + 1);
    return AW_OK;
}

/* Copy a change into changes (smdp_backend.deferred). */
static aw_err backend_defer(smdp_backend_changes *changes, const char *iccid,
                            const smdp_state *from, size_t from_count, smdp_state to,
                            const char *cause, const smdp_progress *progress)
{
    if (changes->count == SMDP_BACKEND_CHANGES_MAX || from_count > 2 ||
        strlen(iccid) >= SAIP_ICCID_TEXT ||
        (progress != NULL && progress->eid != NULL && strlen(progress->eid) >= SMDP_EID_TEXT))
        return AW_ERR_LIMIT;
    smdp_backend_change *c = &changes->items[changes->count];
    memset(c, 0, sizeof(*c));
    memcpy(c->iccid, iccid, strlen(iccid) + 1);
    if (from_count > 0)
        memcpy(c->from, from, from_count * sizeof(*from));
    c->from_count = from_count;
    c->to = to;
    c->cause = cause;
    c->now_ms = db_clock_ms();
    if (progress != NULL) {
        c->has_progress = true;
        c->progress = *progress;
        if (progress->eid != NULL) {
            memcpy(c->eid, progress->eid, strlen(progress->eid) + 1);
            c->progress.eid = c->eid;
        }
        if (progress->result_data_len > 0) {
            c->result_data = malloc(progress->result_data_len);
            if (c->result_data == NULL)
                return AW_ERR_NOMEM;
            memcpy(c->result_data, progress->result_data, progress->result_data_len);
            c->progress.result_data = c->result_data;
        }
    }
    changes->count++;
    return AW_OK;
}

bool smdp_backend_changes_empty(const smdp_backend_changes *changes)
{
    return changes == NULL || (changes->count == 0 && changes->session_count == 0);
}

aw_err smdp_backend_changes_apply(db_connection *db, const smdp_backend_changes *changes)
{
    if (db == NULL || changes == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < changes->count; i++) {
        const smdp_backend_change *c = &changes->items[i];
        err = smdp_es2p_progress_in_transaction(db, c->iccid, c->from, c->from_count, c->to,
                                                c->cause, c->has_progress ? &c->progress : NULL,
                                                c->now_ms);
    }
    for (size_t i = 0; err == AW_OK && i < changes->session_count; i++) {
        const smdp_session_change *c = &changes->sessions[i];
        err = c->remove ? es9p_durable_remove(db, c->record.transaction_id,
                                              ES9P_TRANSACTION_ID_SIZE)
                        : es9p_durable_save(db, &c->record, c->record.created_ms);
    }
    return err;
}

void smdp_backend_changes_clear(smdp_backend_changes *changes)
{
    if (changes == NULL)
        return;
    for (size_t i = 0; i < changes->count; i++)
        free(changes->items[i].result_data);
    changes->count = 0;
    changes->session_count = 0;
}

/* Change the profile's state and queue the operator's notification in one
 * transaction (es2p_notify.h), then wake the notifier; or leave both to
 * the caller's commit (smdp_backend.deferred). */
static aw_err backend_progress(smdp_backend *b, const char *iccid, const smdp_state *from,
                               size_t from_count, smdp_state to, const char *cause,
                               const smdp_progress *progress)
{
    if (b->deferred != NULL)
        return backend_defer(b->deferred, iccid, from, from_count, to, cause, progress);
    aw_err err = smdp_es2p_progress(b->db, iccid, from, from_count, to, cause, progress,
                                    db_clock_ms());
    if (err == AW_OK && progress != NULL)
        smdp_notifier_wake(b->notifier);
    return err;
}

/* A failed progress at point with the code of an ES9+ status. */
static smdp_progress backend_failure(smdp_notify_point point, es9p_status status)
{
    return (smdp_progress){.point = point,
                           .subject_code = es9p_status_subject_code(status),
                           .reason_code = es9p_status_reason_code(status),
                           .message = es9p_status_message(status)};
}

static aw_err backend_load_type(db_connection *db, backend_row *row)
{
    db_rows *rows = NULL;
    bool has_row = false;
    db_param p[] = {DB_PARAM_TEXT(row->profile_type)};
    aw_err err = db_query(db,
                          "SELECT service_provider_name, profile_name, profile_class "
                          "FROM smdp_profile_types WHERE name = ?",
                          p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = backend_copy_text(rows, 0, row->service_provider_name,
                                sizeof(row->service_provider_name));
    if (err == AW_OK)
        err = backend_copy_text(rows, 1, row->profile_name, sizeof(row->profile_name));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &row->profile_class);
    db_rows_free(rows);
    return err;
}

/* EF.ICCID coding: digits nibble-swapped, padded with F (ITU-T E.118). */
static void backend_iccid_bytes(const char *iccid, uint8_t out[SMDP_ICCID_SIZE])
{
    memset(out, 0xFF, SMDP_ICCID_SIZE);
    for (size_t i = 0; iccid[i] != '\0' && i < 2 * SMDP_ICCID_SIZE; i++) {
        uint8_t d = (uint8_t)(iccid[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] & 0x0F) | d << 4 : 0xF0 | d);
    }
}

/* SGP.22 5.5.3 metadata of the profile type; notifications of installation
 * and of every later operation go back to this SM-DP+. */
static void backend_metadata(const smdp_backend *b, const backend_row *row,
                             smdp_notification_configuration *notify,
                             smdp_profile_metadata *metadata)
{
    memset(metadata, 0, sizeof(*metadata));
    notify->events = SMDP_NOTIFY_INSTALL | SMDP_NOTIFY_ENABLE | SMDP_NOTIFY_DISABLE |
                     SMDP_NOTIFY_DELETE;
    notify->address = b->notification_address;
    metadata->service_provider_name = row->service_provider_name;
    metadata->profile_name = row->profile_name;
    metadata->profile_class = row->profile_class;
    metadata->notifications = notify;
    metadata->notification_count = b->notification_address != NULL ? 1 : 0;
}

/* SGP.22 3.1.3 step 10: the released order of matchingId (or, without one,
 * the eUICC's released order: SGP.22 3.1.2 default SM-DP+ address). */
static aw_err backend_find_order(void *userdata, const char *matching_id, const char *eid,
                                 time_t now, es9p_order *order, es9p_status *status)
{
    (void)now;
    smdp_backend *b = userdata;
    db_rows *rows = NULL;
    bool has_row = false;
    backend_row row;
    smdp_profile_info info;
    memset(&row, 0, sizeof(row));
    *status = ES9P_STATUS_EXECUTION_ERROR;
    db_param by_matching_id[] = {DB_PARAM_TEXT(matching_id != NULL ? matching_id : "")};
    db_param by_eid[] = {DB_PARAM_TEXT(eid)};
    aw_err err = matching_id != NULL
                     ? db_query(b->db, "SELECT iccid FROM smdp_profiles WHERE matching_id = ?",
                                by_matching_id, 1, &rows)
                     : db_query(b->db,
                                "SELECT iccid FROM smdp_profiles WHERE eid = ? AND state IN "
                                "('released', 'downloaded') ORDER BY iccid LIMIT 1",
                                by_eid, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row)
        err = backend_copy_text(rows, 0, row.iccid, sizeof(row.iccid));
    db_rows_free(rows);
    if (err != AW_OK)
        return err;
    if (!has_row) {
        *status = matching_id != NULL ? ES9P_STATUS_MATCHING_ID_REFUSED
                                      : ES9P_STATUS_NO_ELIGIBLE_PROFILE;
        return AW_OK;
    }
    err = smdp_inventory_get_profile(b->db, row.iccid, &info);
    if (err != AW_OK)
        return err;
    int64_t limit = b->confirmation_code_limit > 0 ? b->confirmation_code_limit
                                                   : SMDP_BACKEND_DEFAULT_CC_LIMIT;
    /* SGP.22 5.6.3: an order that expired before the eUICC came */
    bool expired = false;
    err = smdp_es2p_expire_order(b->db, row.iccid, db_clock_ms(), &expired);
    if (err != AW_OK)
        return err;
    if (expired) {
        smdp_notifier_wake(b->notifier); /* the expiry queued point 1 */
        *status = ES9P_STATUS_DOWNLOAD_ORDER_EXPIRED;
        return AW_OK;
    }
    /* SGP.22 5.6.3: an order linked to an EID serves that eUICC only */
    if (info.eid[0] != '\0' && strcmp(info.eid, eid) != 0)
        *status = ES9P_STATUS_EID_MISMATCH;
    else if (info.state == SMDP_STATE_CONFIRMED || info.state == SMDP_STATE_ALLOCATED ||
             info.state == SMDP_STATE_LINKED)
        *status = ES9P_STATUS_PROFILE_NOT_RELEASED;
    else if (info.state != SMDP_STATE_RELEASED && info.state != SMDP_STATE_DOWNLOADED)
        *status = ES9P_STATUS_MATCHING_ID_REFUSED; /* installed, failed or withdrawn */
    else if (info.has_confirmation_code && info.confirmation_code_attempts >= limit)
        *status = ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED;
    else
        *status = ES9P_STATUS_OK;
    if (*status != ES9P_STATUS_OK) {
        /* SGP.22 5.3.5 point 1: the operator learns why its order was refused */
        smdp_progress progress = backend_failure(SMDP_NOTIFY_POINT_ELIGIBILITY, *status);
        progress.eid = eid;
        return backend_progress(b, row.iccid, NULL, 0, info.state, NULL, &progress);
    }

    memcpy(row.profile_type, info.profile_type, sizeof(row.profile_type));
    err = backend_load_type(b->db, &row);
    smdp_notification_configuration notify;
    smdp_profile_metadata metadata;
    uint8_t iccid[SMDP_ICCID_SIZE];
    backend_metadata(b, &row, &notify, &metadata);
    backend_iccid_bytes(row.iccid, iccid);
    memset(order, 0, sizeof(*order));
    if (err == AW_OK)
        err = smdp_encode_store_metadata(&metadata, iccid, &order->profile_metadata,
                                         &order->profile_metadata_len);
    if (err != AW_OK) {
        *status = ES9P_STATUS_EXECUTION_ERROR;
        return err;
    }
    memcpy(order->order_id, row.iccid, strlen(row.iccid) + 1);
    order->cc_required = info.has_confirmation_code;
    if (info.has_confirmation_code)
        memcpy(order->confirmation_code_hash, info.confirmation_code_hash,
               sizeof(order->confirmation_code_hash));
    return AW_OK;
}

/* SGP.22 5.6.2: count a wrong Confirmation Code; at the limit the order
 * fails for good (error state: SGP.22 3.1.3 "download order terminated"). */
static aw_err backend_confirmation_code_failed(void *userdata, const char *order_id,
                                               es9p_status *status)
{
    smdp_backend *b = userdata;
    int64_t attempts = 0;
    int64_t limit = b->confirmation_code_limit > 0 ? b->confirmation_code_limit
                                                   : SMDP_BACKEND_DEFAULT_CC_LIMIT;
    db_param p[] = {DB_PARAM_TEXT(order_id)};
    *status = ES9P_STATUS_EXECUTION_ERROR;
    aw_err err = db_execute(b->db,
                            "UPDATE smdp_profiles SET cc_attempts = cc_attempts + 1 "
                            "WHERE iccid = ?",
                            p, 1, NULL);
    if (err == AW_OK)
        err = db_query_int64(b->db, "SELECT cc_attempts FROM smdp_profiles WHERE iccid = ?", p, 1,
                             &attempts);
    if (err != AW_OK)
        return err;
    if (attempts >= limit) {
        static const smdp_state from[] = {SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED};
        *status = ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED;
        smdp_progress progress =
            backend_failure(SMDP_NOTIFY_POINT_CONFIRMATION_FAILURE, *status);
        /* at once, like the attempt count above (smdp_backend.deferred) */
        smdp_backend_changes *deferred = b->deferred;
        b->deferred = NULL;
        err = backend_progress(b, order_id, from, 2, SMDP_STATE_ERROR,
                               "confirmation code retries exceeded", &progress);
        b->deferred = deferred;
        return err;
    }
    *status = ES9P_STATUS_CONFIRMATION_CODE_REFUSED;
    return AW_OK;
}

/* EID digits (SGP.29) to the 16 BCD bytes of CERT.EUICC's serialNumber. */
static aw_err backend_eid_bytes(const char *eid, uint8_t out[CRYPTO_EID_SIZE])
{
    if (eid == NULL || strlen(eid) != 2 * CRYPTO_EID_SIZE)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < 2 * CRYPTO_EID_SIZE; i++) {
        if (eid[i] < '0' || eid[i] > '9')
            return AW_ERR_ARGUMENT;
        uint8_t d = (uint8_t)(eid[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | d : d << 4);
    }
    return AW_OK;
}

/* SGP.22 3.1.3 step 17: personalise the type's template with the
 * subscriber's values and bind it to the session. */
static aw_err backend_bind_profile(void *userdata, const es9p_bind_request *request,
                                   uint8_t **bpp, size_t *bpp_len, es9p_status *status)
{
    smdp_backend *b = userdata;
    smdp_profile_info info;
    backend_row row;
    smdp_subscriber subscriber;
    uint8_t eid[CRYPTO_EID_SIZE];
    uint8_t *template_package = NULL, *package = NULL;
    size_t template_len = 0, package_len = 0;
    memset(&row, 0, sizeof(row));
    memset(&subscriber, 0, sizeof(subscriber));
    *status = ES9P_STATUS_EXECUTION_ERROR;
    aw_err err = smdp_inventory_get_profile(b->db, request->order_id, &info);
    if (err != AW_OK)
        goto cleanup;
    if (info.state != SMDP_STATE_RELEASED && info.state != SMDP_STATE_DOWNLOADED) {
        *status = ES9P_STATUS_BPP_NOT_AVAILABLE;
        goto cleanup;
    }
    memcpy(row.iccid, info.iccid, sizeof(row.iccid));
    memcpy(row.profile_type, info.profile_type, sizeof(row.profile_type));
    err = backend_load_type(b->db, &row);
    if (err == AW_OK)
        err = backend_eid_bytes(request->eid, eid);
    if (err == AW_OK)
        err = smdp_inventory_get_template(b->db, info.profile_type, &template_package,
                                          &template_len);
    if (err == AW_OK)
        err = smdp_inventory_load_secrets(b->db, b->key_ring, info.iccid, &subscriber.aka);
    subscriber.iccid = info.iccid;
    subscriber.imsi = info.imsi;
    subscriber.msisdn = info.msisdn[0] != '\0' ? info.msisdn : NULL;
    if (err == AW_OK)
        err = smdp_personalise_profile(template_package, template_len, &subscriber, &package,
                                       &package_len);
    if (err != AW_OK)
        goto cleanup;
    smdp_notification_configuration notify;
    smdp_profile_metadata metadata;
    backend_metadata(b, &row, &notify, &metadata);
    smdp_bpp_request bind = {
        .transaction_id = request->transaction_id.ptr,
        .transaction_id_len = request->transaction_id.len,
        .eid = eid,
        .euicc_otpk = request->euicc_otpk.ptr,
        .euicc_otpk_len = request->euicc_otpk.len,
        .dp_pb_key = request->dppb_key,
        .dp_pb_certificate = request->dppb_certificate,
        .metadata = &metadata,
        .profile = package,
        .profile_len = package_len,
    };
    err = smdp_bpp_build(&bind, bpp, bpp_len);
    if (err == AW_OK && info.state == SMDP_STATE_RELEASED) {
        /* SGP.22 5.3.5 point 3, on the first binding of the order */
        static const smdp_state from[] = {SMDP_STATE_RELEASED};
        smdp_progress progress = {.point = SMDP_NOTIFY_POINT_BPP_DOWNLOAD,
                                  .eid = request->eid};
        err = backend_progress(b, info.iccid, from, 1, SMDP_STATE_DOWNLOADED,
                               "bound profile package sent", &progress);
    }
    if (err == AW_OK) {
        *status = ES9P_STATUS_OK;
    } else {
        der_bytes_free(*bpp, *bpp_len);
        *bpp = NULL;
        *bpp_len = 0;
    }
cleanup:
    saip_aka_cleanse(&subscriber.aka);
    der_bytes_free(package, package_len);
    free(template_package);
    return err;
}

/* SGP.22 5.6.4: the ProfileInstallationResult ends the download order;
 * the operator gets point 4 with the signed result data (5.3.5). */
static aw_err backend_installation_result(void *userdata, const es9p_installation_report *report)
{
    smdp_backend *b = userdata;
    static const smdp_state downloaded[] = {SMDP_STATE_DOWNLOADED};
    static const smdp_state pending[] = {SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED};
    smdp_progress progress = {.point = SMDP_NOTIFY_POINT_BPP_INSTALLATION, .eid = report->eid};
    if (report->result != NULL) {
        progress.result_data = report->result->data.raw.ptr;
        progress.result_data_len = report->result->data.raw.len;
    }
    if (report->success)
        return backend_progress(b, report->order_id, downloaded, 1, SMDP_STATE_INSTALLED,
                                "installed", &progress);
    /* the eUICC's errorResult is in resultData; the status says "failed" in
     * the Bound Profile Package / Execution Error terms of SGP.22 */
    progress.subject_code = "8.2.10";
    progress.reason_code = "4.2";
    progress.message = "Profile installation failed on the eUICC";
    return backend_progress(b, report->order_id, pending, 2, SMDP_STATE_ERROR,
                            "installation failed", &progress);
}

/* SGP.22 5.6.4: enable/disable/delete notifications change nothing here. */
static aw_err backend_other_notification(void *userdata, const char *eid,
                                         const sgp22_notification_metadata *metadata)
{
    (void)userdata;
    (void)eid;
    (void)metadata;
    return AW_OK;
}

/* SGP.22 3.5 / 5.6.5: postponed (1) and timeout (2) keep the order for a
 * later attempt; every other reason terminates it, and the operator learns
 * the reason as the subject/reason code SGP.22 gives each CancelSession
 * reason (source: the ES2+ code map cited in es2p.h: endUserRejection(0)
 * 8.8.5 / 3.8, pprNotAllowed(3) 8.2.8 / 1.2, metadataMismatch(4) 8.2.9 /
 * 3.11, loadBppExecutionError(5) 8.2.10 / 4.2, undefinedReason(127) and
 * others 8 / 4.2). loadBppExecutionError happens while installing: point
 * 4; the others before the package is loaded: point 3. */
static aw_err backend_session_cancelled(void *userdata, const char *order_id, int64_t reason)
{
    static const struct {
        int64_t reason;
        const char *subject;
        const char *code;
    } codes[] = {{0, "8.8.5", "3.8"}, {3, "8.2.8", "1.2"}, {4, "8.2.9", "3.11"},
                 {5, "8.2.10", "4.2"}};
    static const smdp_state from[] = {SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED};
    smdp_backend *b = userdata;
    if (reason == 1 || reason == 2)
        return AW_OK;
    smdp_progress progress = {.point = reason == 5 ? SMDP_NOTIFY_POINT_BPP_INSTALLATION
                                                   : SMDP_NOTIFY_POINT_BPP_DOWNLOAD,
                              .subject_code = "8",
                              .reason_code = "4.2",
                              .message = "Session cancelled by the eUICC"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (codes[i].reason == reason) {
            progress.subject_code = codes[i].subject;
            progress.reason_code = codes[i].code;
        }
    }
    return backend_progress(b, order_id, from, 2, SMDP_STATE_ERROR,
                            "session cancelled by the eUICC", &progress);
}

es9p_backend smdp_backend_interface(smdp_backend *backend)
{
    return (es9p_backend){
        .userdata = backend,
        .find_order = backend_find_order,
        .confirmation_code_failed = backend_confirmation_code_failed,
        .bind_profile = backend_bind_profile,
        .installation_result = backend_installation_result,
        .other_notification = backend_other_notification,
        .session_cancelled = backend_session_cancelled,
    };
}
