/* airwrite SM-DP+: ES2+ DownloadOrder, ConfirmOrder, CancelOrder and
 * ReleaseProfile (SGP.22 5.3.1 - 5.3.4) over the profile inventory, with
 * the calling operator and the expiry of each order (es2p_order.c), and the
 * confirmation code check the ES9+ side needs (SGP.22 5.6.2). See es2p.h
 * for the rules and the error code table. */
#include "smdp/es2p.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "smdp/es2p_order.h"
#include "smdp/inventory_internal.h"

/* ---- Results -------------------------------------------------------------- */

static void fail(smdp_es2p_result *r, const char *subject, const char *reason, const char *text)
{
    r->success = false;
    r->subject_code = subject;
    r->reason_code = reason;
    r->message = text;
}

static void succeed(smdp_es2p_result *r)
{
    *r = (smdp_es2p_result){.success = true};
}

static bool caller_text_ok(const char *text)
{
    if (text == NULL)
        return false;
    size_t n = strnlen(text, SMDP_ES2P_CALLER_MAX + 1);
    return n > 0 && n <= SMDP_ES2P_CALLER_MAX;
}

/* NULL (administrative) or both identities present and bounded. */
static bool caller_ok(const smdp_es2p_caller *caller)
{
    return caller == NULL || (caller_text_ok(caller->subject) &&
                              caller_text_ok(caller->requester_id));
}

/* Inside the transaction, for a function on an existing order: refuse an
 * operator that did not place it (8.2.1 / 1.2), then terminate the order
 * if it is past its expiry. *refused true when r was set to a failure;
 * *expired whether the order has expired. */
static aw_err order_gate(db_connection *db, const char *iccid, const smdp_es2p_caller *caller,
                         int64_t now_ms, smdp_es2p_result *r, bool *refused, bool *expired)
{
    es2p_order_row row;
    *refused = false;
    *expired = false;
    aw_err err = es2p_order_read(db, iccid, &row);
    if (err != AW_OK)
        return err;
    if (!es2p_order_caller_allowed(&row, caller)) {
        fail(r, "8.2.1", "1.2", "Profile ICCID not allowed: the order belongs to another operator");
        *refused = true;
        return AW_OK;
    }
    return es2p_order_expire_if_due(db, iccid, &row, now_ms, expired);
}

/* ---- Formats ---------------------------------------------------------------- */

bool smdp_es2p_eid_ok(const char *eid)
{
    if (eid == NULL || strnlen(eid, 33) != 32)
        return false;
    /* SGP.29 2.2: check digits chosen so the 32-digit number mod 97 is 1
     * (ISO/IEC 7064 MOD 97-10) */
    unsigned remainder = 0;
    for (size_t i = 0; i < 32; i++) {
        if (eid[i] < '0' || eid[i] > '9')
            return false;
        remainder = (remainder * 10 + (unsigned)(eid[i] - '0')) % 97;
    }
    return remainder == 1;
}

bool smdp_es2p_matching_id_ok(const char *matching_id)
{
    if (matching_id == NULL)
        return false;
    size_t n = strnlen(matching_id, SMDP_MATCHING_ID_MAX + 1);
    if (n == 0 || n > SMDP_MATCHING_ID_MAX)
        return false;
    /* SGP.22 4.1: the activation code's Matching ID uses 0-9, A-Z and '-' */
    for (size_t i = 0; i < n; i++) {
        char c = matching_id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-'))
            return false;
    }
    return true;
}

/* 20 uniform characters of 0-9 A-Z (rejection sampling) in groups of 5. */
static aw_err generate_matching_id(char out[SMDP_MATCHING_ID_MAX + 1])
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    size_t produced = 0, n = 0;
    while (produced < 20) {
        uint8_t bytes[32];
        aw_err err = crypto_random_bytes(bytes, sizeof(bytes));
        if (err != AW_OK)
            return err;
        for (size_t i = 0; i < sizeof(bytes) && produced < 20; i++) {
            if (bytes[i] >= 252) /* 252 = 7 * 36 */
                continue;
            if (produced > 0 && produced % 5 == 0)
                out[n++] = '-';
            out[n++] = alphabet[bytes[i] % 36];
            produced++;
        }
    }
    out[n] = '\0';
    return AW_OK;
}

/* ---- DownloadOrder (SGP.22 5.3.1) ------------------------------------------ */

typedef struct download_job {
    const smdp_download_order *request;
    int64_t now_ms;
    char *iccid_out;
    smdp_es2p_result *result;
} download_job;

static aw_err pick_available(db_connection *db, const char *profile_type, char *iccid,
                             bool *found)
{
    *found = false;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(profile_type)};
    aw_err err = db_query(db,
                          "SELECT iccid FROM smdp_profiles WHERE profile_type = ? AND "
                          "state = 'available' ORDER BY iccid LIMIT 1",
                          p, 1, &rows);
    const char *text;
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found) {
        err = db_rows_get_text(rows, 0, &text);
        if (err == AW_OK && strlen(text) >= SAIP_ICCID_TEXT)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK)
            memcpy(iccid, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    return err;
}

/* SGP.22 6.5.1.3: the same operator's DownloadOrder with the same
 * functionCallIdentifier again (its answer was lost): the profile the
 * first call took, while that order is still only linked or allocated (of
 * this EID and, without an ICCID asked for, this profile type). */
static aw_err repeated_call(db_connection *db, const smdp_download_order *req, char *iccid,
                            bool *found)
{
    *found = false;
    const smdp_es2p_caller *c = req->caller;
    if (c == NULL || c->call_identifier == NULL || c->call_identifier[0] == '\0')
        return AW_OK;
    db_param p[] = {DB_PARAM_TEXT(c->subject), DB_PARAM_TEXT(c->requester_id),
                    DB_PARAM_TEXT(c->call_identifier),
                    DB_PARAM_TEXT(req->eid != NULL ? req->eid : ""),
                    DB_PARAM_TEXT(req->iccid != NULL ? req->iccid : ""),
                    DB_PARAM_TEXT(req->profile_type != NULL ? req->profile_type : "")};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT p.iccid FROM smdp_es2p_orders o JOIN smdp_profiles p ON "
                          "p.iccid = o.iccid WHERE o.operator_subject = ? AND o.requester_id = ? "
                          "AND o.call_identifier = ? AND p.state IN ('linked', 'allocated') AND "
                          "COALESCE(p.eid, '') = ? AND (p.iccid = ? OR p.profile_type = ?)",
                          p, 6, &rows);
    const char *text = NULL;
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found) {
        err = db_rows_get_text(rows, 0, &text);
        if (err == AW_OK && strlen(text) >= SAIP_ICCID_TEXT)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK)
            memcpy(iccid, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    return err;
}

static aw_err download_run(db_connection *db, void *arg)
{
    download_job *job = arg;
    const smdp_download_order *req = job->request;
    char iccid[SAIP_ICCID_TEXT];
    succeed(job->result);
    bool repeated = false;
    aw_err first = repeated_call(db, req, iccid, &repeated);
    if (first != AW_OK || repeated) {
        if (first == AW_OK)
            memcpy(job->iccid_out, iccid, strlen(iccid) + 1);
        return first;
    }
    if (req->iccid != NULL) {
        smdp_state state;
        aw_err err = strlen(req->iccid) < SAIP_ICCID_TEXT
                         ? smdp_inventory_read_state(db, req->iccid, &state)
                         : AW_ERR_NOT_FOUND;
        if (err == AW_ERR_NOT_FOUND) {
            fail(job->result, "8.2.1", "3.9", "Profile ICCID unknown");
            return AW_OK;
        }
        if (err != AW_OK)
            return err;
        if (state != SMDP_STATE_AVAILABLE) {
            fail(job->result, "8.2.1", "3.3", "Profile ICCID already in use");
            return AW_OK;
        }
        memcpy(iccid, req->iccid, strlen(req->iccid) + 1);
    } else {
        db_param p[] = {DB_PARAM_TEXT(req->profile_type)};
        int64_t known = 0;
        aw_err err = db_query_int64(db, "SELECT COUNT(*) FROM smdp_profile_types WHERE name = ?",
                                    p, 1, &known);
        if (err != AW_OK)
            return err;
        if (known == 0) {
            fail(job->result, "8.2.5", "3.9", "Profile Type unknown");
            return AW_OK;
        }
        bool found;
        err = pick_available(db, req->profile_type, iccid, &found);
        if (err != AW_OK)
            return err;
        if (!found) {
            fail(job->result, "8.2.5", "3.7", "No more Profile available for the Profile Type");
            return AW_OK;
        }
    }
    static const smdp_state from[] = {SMDP_STATE_AVAILABLE};
    smdp_state to = req->eid != NULL ? SMDP_STATE_LINKED : SMDP_STATE_ALLOCATED;
    aw_err err = smdp_inventory_change_state(db, iccid, from, 1, to, "ES2+.DownloadOrder",
                                             job->now_ms, NULL);
    if (err == AW_OK && req->eid != NULL) {
        db_param p[] = {DB_PARAM_TEXT(req->eid), DB_PARAM_TEXT(iccid)};
        err = db_execute(db, "UPDATE smdp_profiles SET eid = ? WHERE iccid = ?", p, 2, NULL);
    }
    /* SGP.22 5.3.1: the order answers to the operator that placed it */
    if (err == AW_OK && (req->caller != NULL || req->lifetime_ms > 0))
        err = es2p_order_record(db, iccid, req->caller,
                                req->lifetime_ms > 0 ? job->now_ms + req->lifetime_ms : 0,
                                job->now_ms);
    if (err == AW_OK)
        memcpy(job->iccid_out, iccid, strlen(iccid) + 1);
    return err;
}

aw_err smdp_es2p_download_order(db_connection *db, const smdp_download_order *request,
                                int64_t now_ms, char iccid_out[SAIP_ICCID_TEXT],
                                smdp_es2p_result *result)
{
    if (iccid_out != NULL)
        iccid_out[0] = '\0';
    if (result != NULL)
        *result = (smdp_es2p_result){0};
    if (db == NULL || request == NULL || iccid_out == NULL || result == NULL ||
        (request->iccid == NULL && request->profile_type == NULL) ||
        !caller_ok(request->caller) || request->lifetime_ms < 0)
        return AW_ERR_ARGUMENT;
    if (request->eid != NULL && !smdp_es2p_eid_ok(request->eid)) {
        fail(result, "8.1.1", "2.1", "EID invalid");
        return AW_OK;
    }
    download_job job = {request, now_ms, iccid_out, result};
    aw_err err = db_transaction_run(db, download_run, &job, NULL);
    if (err != AW_OK) {
        iccid_out[0] = '\0';
        *result = (smdp_es2p_result){0};
    }
    return err;
}

/* ---- ConfirmOrder (SGP.22 5.3.2) ------------------------------------------- */

typedef struct confirm_job {
    const smdp_confirm_order *request;
    int64_t now_ms;
    const char *matching_id; /* to store: NULL for none */
    const uint8_t *cc_hash;  /* NULL for none */
    smdp_es2p_result *result;
} confirm_job;

static aw_err confirm_run(db_connection *db, void *arg)
{
    confirm_job *job = arg;
    const smdp_confirm_order *req = job->request;
    succeed(job->result);
    smdp_profile_info info;
    aw_err err = strlen(req->iccid) < SAIP_ICCID_TEXT
                     ? smdp_inventory_get_profile(db, req->iccid, &info)
                     : AW_ERR_NOT_FOUND;
    if (err == AW_ERR_NOT_FOUND) {
        fail(job->result, "8.2.1", "3.9", "Profile ICCID unknown");
        return AW_OK;
    }
    if (err != AW_OK)
        return err;
    bool refused, expired;
    err = order_gate(db, req->iccid, req->caller, job->now_ms, job->result, &refused, &expired);
    if (err != AW_OK || refused)
        return err;
    if (expired) {
        fail(job->result, "8.8.5", "4.10", "The Download order has expired");
        return AW_OK;
    }
    if (info.state != SMDP_STATE_ALLOCATED && info.state != SMDP_STATE_LINKED) {
        fail(job->result, "8.2.1", "3.5", "Profile ICCID not in an allocated or linked state");
        return AW_OK;
    }
    if (req->eid != NULL && info.eid[0] != '\0' && strcmp(req->eid, info.eid) != 0) {
        fail(job->result, "8.1.1", "3.10", "EID differs from the order's");
        return AW_OK;
    }
    const char *eid = req->eid != NULL ? req->eid : (info.eid[0] ? info.eid : NULL);
    if (job->matching_id == NULL && eid == NULL) {
        /* SGP.22 3.1.2: without a matching ID only the EID identifies the
         * order at the default SM-DP+ address */
        fail(job->result, "8.1.1", "2.2", "EID missing for an order without matching ID");
        return AW_OK;
    }
    if (job->matching_id != NULL) {
        db_param p[] = {DB_PARAM_TEXT(job->matching_id)};
        int64_t used = 0;
        err = db_query_int64(db, "SELECT COUNT(*) FROM smdp_profiles WHERE matching_id = ?", p,
                             1, &used);
        if (err != AW_OK)
            return err;
        if (used > 0) {
            fail(job->result, "8.2.6", "3.3", "Matching ID already in use");
            return AW_OK;
        }
    }
    static const smdp_state from[] = {SMDP_STATE_ALLOCATED, SMDP_STATE_LINKED};
    smdp_state to = req->release_flag ? SMDP_STATE_RELEASED : SMDP_STATE_CONFIRMED;
    err = smdp_inventory_change_state(db, req->iccid, from, 2, to, "ES2+.ConfirmOrder",
                                      job->now_ms, NULL);
    if (err != AW_OK)
        return err;
    db_param p[] = {
        eid != NULL ? DB_PARAM_TEXT(eid) : DB_PARAM_NULL,
        job->matching_id != NULL ? DB_PARAM_TEXT(job->matching_id) : DB_PARAM_NULL,
        job->cc_hash != NULL ? DB_PARAM_BLOB(job->cc_hash, CRYPTO_SHA256_SIZE) : DB_PARAM_NULL,
        DB_PARAM_TEXT(req->iccid),
    };
    /* a matching ID taken by a concurrent ConfirmOrder fails here with
     * AW_ERR_DB_UNIQUE, rolled back and reported as 8.2.6 / 3.3 */
    return db_execute(db,
                      "UPDATE smdp_profiles SET eid = ?, matching_id = ?, cc_hash = ?, "
                      "cc_attempts = 0 WHERE iccid = ?",
                      p, 4, NULL);
}

aw_err smdp_es2p_confirm_order(db_connection *db, const smdp_confirm_order *request,
                               int64_t now_ms, char matching_id_out[SMDP_MATCHING_ID_MAX + 1],
                               smdp_es2p_result *result)
{
    if (matching_id_out != NULL)
        matching_id_out[0] = '\0';
    if (result != NULL)
        *result = (smdp_es2p_result){0};
    if (db == NULL || request == NULL || request->iccid == NULL || matching_id_out == NULL ||
        result == NULL || !caller_ok(request->caller))
        return AW_ERR_ARGUMENT;
    if (request->eid != NULL && !smdp_es2p_eid_ok(request->eid)) {
        fail(result, "8.1.1", "2.1", "EID invalid");
        return AW_OK;
    }
    char matching_id[SMDP_MATCHING_ID_MAX + 1] = "";
    if (request->matching_id == NULL) {
        aw_err err = generate_matching_id(matching_id);
        if (err != AW_OK)
            return err;
    } else if (request->matching_id[0] != '\0') {
        if (!smdp_es2p_matching_id_ok(request->matching_id)) {
            fail(result, "8.2.6", "2.1", "Matching ID invalid");
            return AW_OK;
        }
        memcpy(matching_id, request->matching_id, strlen(request->matching_id) + 1);
    }
    uint8_t cc_hash[CRYPTO_SHA256_SIZE];
    const char *cc = request->confirmation_code;
    if (cc != NULL) {
        size_t n = strnlen(cc, SMDP_CONFIRMATION_CODE_MAX + 1);
        if (n == 0 || n > SMDP_CONFIRMATION_CODE_MAX) {
            fail(result, "8.2.7", "2.1", "Confirmation Code invalid");
            return AW_OK;
        }
        aw_err err = crypto_sha256((const uint8_t *)cc, n, cc_hash);
        if (err != AW_OK)
            return err;
    }
    confirm_job job = {request, now_ms, matching_id[0] ? matching_id : NULL,
                       cc != NULL ? cc_hash : NULL, result};
    aw_err err = db_transaction_run(db, confirm_run, &job, NULL);
    OPENSSL_cleanse(cc_hash, sizeof(cc_hash));
    if (err == AW_ERR_DB_UNIQUE) {
        fail(result, "8.2.6", "3.3", "Matching ID already in use");
        return AW_OK;
    }
    if (err != AW_OK) {
        *result = (smdp_es2p_result){0};
        return err;
    }
    if (result->success)
        memcpy(matching_id_out, matching_id, strlen(matching_id) + 1);
    return AW_OK;
}

/* ---- CancelOrder (SGP.22 5.3.3) and ReleaseProfile (5.3.4) ------------------ */

typedef struct cancel_job {
    const smdp_es2p_caller *caller;
    const char *iccid;
    const char *eid;
    const char *matching_id;
    smdp_final_status final_status;
    bool release; /* ReleaseProfile instead of CancelOrder */
    int64_t now_ms;
    smdp_es2p_result *result;
} cancel_job;

static aw_err cancel_run(db_connection *db, void *arg)
{
    cancel_job *job = arg;
    succeed(job->result);
    smdp_profile_info info;
    aw_err err = strlen(job->iccid) < SAIP_ICCID_TEXT
                     ? smdp_inventory_get_profile(db, job->iccid, &info)
                     : AW_ERR_NOT_FOUND;
    if (err == AW_ERR_NOT_FOUND) {
        fail(job->result, "8.2.1", "3.9", "Profile ICCID unknown");
        return AW_OK;
    }
    if (err != AW_OK)
        return err;
    bool refused, expired;
    err = order_gate(db, job->iccid, job->caller, job->now_ms, job->result, &refused, &expired);
    if (err != AW_OK || refused)
        return err;
    if (expired && job->release) {
        fail(job->result, "8.8.5", "4.10", "The Download order has expired");
        return AW_OK;
    }
    if (expired) /* the expiry just moved it to error, which may be cancelled */
        err = smdp_inventory_read_state(db, job->iccid, &info.state);
    if (err != AW_OK)
        return err;
    if (job->release) {
        static const smdp_state from[] = {SMDP_STATE_CONFIRMED};
        if (info.state != SMDP_STATE_CONFIRMED) {
            fail(job->result, "8.2.1", "3.5", "Profile ICCID not in the confirmed state");
            return AW_OK;
        }
        return smdp_inventory_change_state(db, job->iccid, from, 1, SMDP_STATE_RELEASED,
                                           "ES2+.ReleaseProfile", job->now_ms, NULL);
    }
    if (job->eid != NULL && info.eid[0] != '\0' && strcmp(job->eid, info.eid) != 0) {
        fail(job->result, "8.1.1", "3.10", "EID differs from the order's");
        return AW_OK;
    }
    if (job->matching_id != NULL && strcmp(job->matching_id, info.matching_id) != 0) {
        fail(job->result, "8.2.6", "3.10", "Matching ID differs from the order's");
        return AW_OK;
    }
    static const smdp_state from[] = {SMDP_STATE_ALLOCATED, SMDP_STATE_LINKED,
                                      SMDP_STATE_CONFIRMED, SMDP_STATE_RELEASED,
                                      SMDP_STATE_ERROR};
    size_t i = 0;
    while (i < sizeof(from) / sizeof(from[0]) && from[i] != info.state)
        i++;
    if (i == sizeof(from) / sizeof(from[0])) {
        fail(job->result, "8.2.1", "3.5", "Profile ICCID cannot be cancelled in its state");
        return AW_OK;
    }
    smdp_state to = job->final_status == SMDP_FINAL_AVAILABLE ? SMDP_STATE_AVAILABLE
                                                              : SMDP_STATE_UNAVAILABLE;
    err = smdp_inventory_change_state(db, job->iccid, from, sizeof(from) / sizeof(from[0]), to,
                                      "ES2+.CancelOrder", job->now_ms, NULL);
    /* the order's data goes with it: the matching ID and code can never be
     * used again for this profile */
    db_param p[] = {DB_PARAM_TEXT(job->iccid)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE smdp_profiles SET eid = NULL, matching_id = NULL, "
                         "cc_hash = NULL, cc_attempts = 0 WHERE iccid = ?",
                         p, 1, NULL);
    if (err == AW_OK)
        err = es2p_order_forget(db, job->iccid);
    return err;
}

aw_err smdp_es2p_cancel_order(db_connection *db, const char *iccid, const char *eid,
                              const char *matching_id, smdp_final_status final_status,
                              int64_t now_ms, smdp_es2p_result *result)
{
    return smdp_es2p_cancel_order_by(db, NULL, iccid, eid, matching_id, final_status, now_ms,
                                     result);
}

aw_err smdp_es2p_cancel_order_by(db_connection *db, const smdp_es2p_caller *caller,
                                 const char *iccid, const char *eid, const char *matching_id,
                                 smdp_final_status final_status, int64_t now_ms,
                                 smdp_es2p_result *result)
{
    if (result != NULL)
        *result = (smdp_es2p_result){0};
    if (db == NULL || iccid == NULL || result == NULL || !caller_ok(caller) ||
        (final_status != SMDP_FINAL_AVAILABLE && final_status != SMDP_FINAL_UNAVAILABLE))
        return AW_ERR_ARGUMENT;
    if (eid != NULL && !smdp_es2p_eid_ok(eid)) {
        fail(result, "8.1.1", "2.1", "EID invalid");
        return AW_OK;
    }
    cancel_job job = {caller, iccid, eid, matching_id, final_status, false, now_ms, result};
    aw_err err = db_transaction_run(db, cancel_run, &job, NULL);
    if (err != AW_OK)
        *result = (smdp_es2p_result){0};
    return err;
}

aw_err smdp_es2p_release_profile(db_connection *db, const char *iccid, int64_t now_ms,
                                 smdp_es2p_result *result)
{
    return smdp_es2p_release_profile_by(db, NULL, iccid, now_ms, result);
}

aw_err smdp_es2p_release_profile_by(db_connection *db, const smdp_es2p_caller *caller,
                                    const char *iccid, int64_t now_ms, smdp_es2p_result *result)
{
    if (result != NULL)
        *result = (smdp_es2p_result){0};
    if (db == NULL || iccid == NULL || result == NULL || !caller_ok(caller))
        return AW_ERR_ARGUMENT;
    cancel_job job = {caller, iccid, NULL, NULL, SMDP_FINAL_AVAILABLE, true, now_ms, result};
    aw_err err = db_transaction_run(db, cancel_run, &job, NULL);
    if (err != AW_OK)
        *result = (smdp_es2p_result){0};
    return err;
}

/* ---- Confirmation code check for ES9+ (SGP.22 5.6.2) ------------------------ */

aw_err smdp_es2p_check_confirmation_code(db_connection *db, const char *iccid,
                                         const uint8_t *transaction_id, size_t transaction_id_len,
                                         const uint8_t hash_cc[32], bool *match)
{
    if (match != NULL)
        *match = false;
    if (db == NULL || iccid == NULL || transaction_id == NULL || transaction_id_len == 0 ||
        transaction_id_len > 16 || hash_cc == NULL || match == NULL)
        return AW_ERR_ARGUMENT;
    smdp_profile_info info;
    aw_err err = smdp_inventory_get_profile(db, iccid, &info);
    if (err != AW_OK)
        return err;
    if (!info.has_confirmation_code)
        return AW_OK;
    /* hashCc = SHA-256(SHA-256(CC) || TransactionID) */
    uint8_t input[CRYPTO_SHA256_SIZE + 16], expected[CRYPTO_SHA256_SIZE];
    memcpy(input, info.confirmation_code_hash, CRYPTO_SHA256_SIZE);
    memcpy(input + CRYPTO_SHA256_SIZE, transaction_id, transaction_id_len);
    err = crypto_sha256(input, CRYPTO_SHA256_SIZE + transaction_id_len, expected);
    if (err == AW_OK)
        *match = crypto_equal(expected, hash_cc, CRYPTO_SHA256_SIZE);
    OPENSSL_cleanse(input, sizeof(input));
    OPENSSL_cleanse(expected, sizeof(expected));
    OPENSSL_cleanse(&info, sizeof(info));
    if (err == AW_OK && !*match) {
        db_param p[] = {DB_PARAM_TEXT(iccid)};
        err = db_execute(db,
                         "UPDATE smdp_profiles SET cc_attempts = cc_attempts + 1 WHERE iccid = ?",
                         p, 1, NULL);
    }
    return err;
}
