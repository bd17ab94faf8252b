/* airwrite platform: the steps of one order item (platform.h "Executor").
 *
 * Step 1: the item goes pending -> in_progress and its row starts a round;
 *         an order on a number pool reserves the item's number
 *         (platform_number_reserve, idempotent) and writes the pool's
 *         profile type.
 * Step 2: SGP.22 5.3.1 ES2+.DownloadOrder(eid, profileType) -> ICCID; the
 *         ICCID and a Matching ID chosen now are stored (stage ordered),
 *         then the profile is recorded reserved for the card
 *         (platform_profile_record_reserved, idempotent).
 * Step 3: SGP.22 5.3.2 ES2+.ConfirmOrder(iccid, eid, matchingId,
 *         releaseFlag true) -> smdpAddress (stage confirmed).
 * Step 4: the Activation Code "1$<smdpAddress>$<matchingId>" (SGP.22 4.1)
 *         goes to the eIM as a Profile Download Trigger (SGP.32 2.11.3),
 *         then the row waits for the result until its deadline (stage
 *         triggered, with a timeout job at the deadline).
 * While the round waits: its timeout, watch and (the order cancelled)
 *         withdrawal jobs, executor_watch.c.
 * Each stage is committed before the next step, so a job run again (crash,
 * lost lease) resumes at the stored stage: a ConfirmOrder repeated after
 * the SM-DP+ executed it answers 8.2.1 / 3.5 (the profile is already
 * released), which is taken as done since the Matching ID is ours, and a
 * repeated DownloadOrder carries the same functionCallIdentifier (item,
 * round, step), which the SM-DP+ answers with the profile its first call
 * took. */
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/es2p_client.h"
#include "core/hex.h"
#include "eim/eim.h"
#include "platform/executor_item.h"
#include "platform/location_policy.h"


static aw_err copy_text(db_rows *rows, size_t column, char *out, size_t size)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_OK && strlen(text) >= size)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, strlen(text) + 1);
    return err;
}

/* The item's status and its order's target; AW_ERR_NOT_FOUND. */
aw_err executor_item_load(db_connection *db, item_job *j)
{
    db_param key[] = {DB_PARAM_TEXT(j->order_id), DB_PARAM_TEXT(j->eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT i.status, o.target_kind, o.target, o.tenant, o.status FROM "
                          "platform_order_items i "
                          "JOIN platform_orders o ON o.order_id = i.order_id "
                          "WHERE i.order_id = ? AND i.eid = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = copy_text(rows, 0, j->status, sizeof(j->status));
    if (err == AW_OK)
        err = copy_text(rows, 1, j->target_kind, sizeof(j->target_kind));
    if (err == AW_OK)
        err = copy_text(rows, 2, j->target, sizeof(j->target));
    if (err == AW_OK)
        err = copy_text(rows, 3, j->tenant, sizeof(j->tenant));
    if (err == AW_OK)
        err = copy_text(rows, 4, j->order_status, sizeof(j->order_status));
    db_rows_free(rows);
    return err;
}

/* Step 1, in one transaction: pending -> in_progress and a new round. */
static aw_err start_in(db_connection *db, void *arg)
{
    item_job *j = arg;
    j->started = false;
    aw_err err = executor_item_load(db, j);
    if (err != AW_OK || strcmp(j->status, "pending") != 0)
        return err;
    platform_executor_item previous;
    err = platform_executor_item_read(db, j->order_id, j->eid, &previous);
    if (err != AW_OK && err != AW_ERR_NOT_FOUND)
        return err;
    memset(&j->row, 0, sizeof(j->row));
    j->row.round = (err == AW_OK ? previous.round : 0) + 1;
    snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_STARTED);
    err = platform_order_item_transition(db, j->order_id, j->eid, "in_progress",
                                         NULL, "execution started", EXECUTOR_ACTOR, j->now_ms);
    if (err == AW_OK)
        err = platform_executor_item_write(db, j->order_id, j->eid, &j->row, j->now_ms);
    if (err == AW_OK) {
        snprintf(j->status, sizeof(j->status), "in_progress");
        j->started = true;
    }
    return err;
}

aw_err executor_release_inventory(db_connection *db, const char *tenant,
                                  platform_executor_item *row, const char *cause,
                                  int64_t now_ms)
{
    aw_err err = AW_OK;
    /* the profile back to available (and its pool number freed), or a
     * number reserved before any profile was named freed */
    if (row->iccid[0] != '\0')
        err = platform_profile_record_failed(db, tenant, row->iccid, cause, EXECUTOR_ACTOR,
                                             now_ms);
    else if (row->msisdn[0] != '\0')
        err = platform_number_release(db, tenant, row->msisdn, cause, EXECUTOR_ACTOR, now_ms);
    /* nothing recorded, or already released */
    if (err == AW_ERR_NOT_FOUND || err == AW_ERR_PLATFORM_TRANSITION)
        err = AW_OK;
    return err;
}

static aw_err fail_in(db_connection *db, void *arg)
{
    fail_args *f = arg;
    item_job *j = f->job;
    f->ended = false;
    aw_err err = executor_item_load(db, j);
    if (err == AW_OK)
        err = platform_executor_item_read(db, j->order_id, j->eid, &j->row);
    if (err != AW_OK || strcmp(j->status, "in_progress") != 0 ||
        (f->stage_required != NULL && strcmp(j->row.stage, f->stage_required) != 0) ||
        (f->round_required != 0 && j->row.round != f->round_required))
        return err;
    err = platform_order_item_transition(db, j->order_id, j->eid,
                                         f->to != NULL ? f->to : "failed", f->code, f->cause,
                                         EXECUTOR_ACTOR, j->now_ms);
    if (err == AW_OK && !f->keep_records)
        err = executor_release_inventory(db, j->tenant, &j->row, f->cause, j->now_ms);
    snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_DONE);
    j->row.deadline_ms = 0;
    if (err == AW_OK)
        err = platform_executor_item_write(db, j->order_id, j->eid, &j->row, j->now_ms);
    if (err == AW_OK)
        f->ended = true;
    return err;
}

/* functionCallIdentifier (SGP.22 6.5.1.3): the item, its round and the step. */
static void call_identifier(const item_job *j, const char *step, char out[96])
{
    snprintf(out, 96, "%s-%s-%lld-%s", j->order_id, j->eid + 24, (long long)j->row.round, step);
}

/* SGP.22 5.3.3 ES2+.CancelOrder: an item that fails after DownloadOrder
 * gives its profile back to the SM-DP+'s pool (finalProfileStatusIndicator
 * Available). Best effort: an order the SM-DP+ does not cancel (out of
 * reach, or already ended by it) is left to its expiry there. */
static void cancel_order(item_job *j)
{
    if (j->row.iccid[0] == '\0')
        return;
    platform_executor *x = j->worker->executor;
    bool confirmed = strcmp(j->row.stage, EXECUTOR_STAGE_CONFIRMED) == 0 ||
                     strcmp(j->row.stage, EXECUTOR_STAGE_TRIGGERED) == 0;
    /* the Matching ID must be the order's: only once ConfirmOrder set it */
    es2p_client_request request = {.iccid = j->row.iccid, .eid = j->eid,
                                   .matching_id = confirmed ? j->row.matching_id : NULL,
                                   .final_status = ES2P_CLIENT_FINAL_AVAILABLE};
    char call[96];
    call_identifier(j, "cancel", call);
    es2p_client_answer answer;
    if (es2p_client_call(j->worker->http, x->config.smdp_es2p_url,
                         x->config.requester_identifier, call, ES2P_CLIENT_CANCEL_ORDER,
                         &request, &answer) == AW_OK &&
        es2p_client_succeeded(&answer))
        j->stats->cancelled++;
}

aw_err executor_item_fail(item_job *j, fail_args *f)
{
    cancel_order(j);
    aw_err err = db_transaction_run(j->worker->db, fail_in, f, NULL);
    if (err == AW_OK && f->ended && f->to != NULL)
        j->stats->withdrawn++;
    else if (err == AW_OK && f->ended)
        j->stats->failed++;
    return err;
}

/* The item's order was cancelled (orders.c) while the item was under way
 * and before its device took a download trigger: as a failure, its ES2+
 * order is cancelled (the profile back to the SM-DP+'s pool) and its
 * number and profile records released, but it ends cancelled. From
 * stage_required only (NULL: any), in the job's round. */
aw_err executor_item_withdraw(item_job *j, const char *stage_required, const char *cause)
{
    fail_args f = {.job = j, .to = "cancelled", .cause = cause,
                   .stage_required = stage_required, .round_required = j->row.round};
    return executor_item_fail(j, &f);
}

bool executor_item_order_cancelled(const item_job *j)
{
    return strcmp(j->order_status, "cancelled") == 0;
}

static aw_err fail_item_code(item_job *j, const char *code, const char *cause)
{
    fail_args f = {.job = j, .code = code, .cause = cause};
    return executor_item_fail(j, &f);
}

static aw_err fail_item(item_job *j, platform_item_error error, const char *cause)
{
    return fail_item_code(j, platform_item_error_code(error), cause);
}

static aw_err save_row(item_job *j)
{
    return platform_executor_item_write(j->worker->db, j->order_id, j->eid, &j->row, j->now_ms);
}

/* The lease is renewed before each blocking step, counted from now: the
 * steps before it (an ES2+ exchange may take http_timeout_ms) may have
 * outlasted a lease counted from the job's start, which would leave the
 * job to another worker while it runs on. A lease another worker took over
 * means this job must not go on. */
static bool lease_kept(item_job *j)
{
    platform_executor *x = j->worker->executor;
    return db_queue_extend_lease(j->worker->db, j->job->id, j->worker->name, x->config.lease_ms,
                                 executor_now(x)) == AW_OK;
}

/* An ES2+ refusal as the item's failure code. */
static platform_item_error refusal_code(const es2p_client_answer *answer)
{
    if (strcmp(answer->subject_code, "8.2.5") == 0 && strcmp(answer->reason_code, "3.9") == 0)
        return PLATFORM_ITEM_PROFILE_TYPE_UNKNOWN;
    if (strcmp(answer->subject_code, "8.2.5") == 0 && strcmp(answer->reason_code, "3.7") == 0)
        return PLATFORM_ITEM_PROFILE_UNAVAILABLE;
    return PLATFORM_ITEM_SMDP_REFUSED;
}

/* A transport failure: retried while attempts remain, then the item fails. */
static aw_err transport_failure(item_job *j, platform_item_error error, const char *cause,
                                executor_outcome *outcome)
{
    if (j->job->attempt < j->worker->executor->config.max_attempts) {
        *outcome = EXECUTOR_JOB_RETRY;
        return AW_OK;
    }
    return fail_item(j, error, cause);
}

/* A Matching ID of SGP.22 4.1's alphabet: "AW" and 20 uppercase hex digits. */
static aw_err new_matching_id(char out[PLATFORM_MATCHING_ID_MAX + 1])
{
    uint8_t random[10];
    aw_err err = crypto_random_bytes(random, sizeof(random));
    if (err != AW_OK)
        return err;
    memcpy(out, "AW-", 3);
    aw_hex_encode(random, sizeof(random), out + 3, true);
    return AW_OK;
}

/* Step 2. */
static aw_err download_order(item_job *j, executor_outcome *outcome)
{
    platform_executor *x = j->worker->executor;
    char call[96];
    call_identifier(j, "download", call);
    es2p_client_request request = {.eid = j->eid, .profile_type = j->profile_type};
    es2p_client_answer answer;
    aw_err err = es2p_client_call(j->worker->http, x->config.smdp_es2p_url,
                                  x->config.requester_identifier, call,
                                  ES2P_CLIENT_DOWNLOAD_ORDER, &request, &answer);
    if (err == AW_ERR_NOMEM || err == AW_ERR_ES2P_CLIENT_REQUEST)
        return err;
    if (err != AW_OK)
        return transport_failure(j, PLATFORM_ITEM_SMDP_UNREACHABLE, "SM-DP+ DownloadOrder failed",
                                 outcome);
    if (!es2p_client_succeeded(&answer))
        return fail_item(j, refusal_code(&answer), "SM-DP+ refused DownloadOrder");
    snprintf(j->row.iccid, sizeof(j->row.iccid), "%s", answer.iccid);
    err = new_matching_id(j->row.matching_id);
    snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_ORDERED);
    return err == AW_OK ? save_row(j) : err;
}

/* Step 3. */
static aw_err confirm_order(item_job *j, executor_outcome *outcome)
{
    platform_executor *x = j->worker->executor;
    char call[96];
    call_identifier(j, "confirm", call);
    es2p_client_request request = {.eid = j->eid, .iccid = j->row.iccid,
                                   .matching_id = j->row.matching_id, .release_flag = true};
    es2p_client_answer answer;
    aw_err err = es2p_client_call(j->worker->http, x->config.smdp_es2p_url,
                                  x->config.requester_identifier, call,
                                  ES2P_CLIENT_CONFIRM_ORDER, &request, &answer);
    if (err == AW_ERR_NOMEM || err == AW_ERR_ES2P_CLIENT_REQUEST)
        return err;
    if (err != AW_OK)
        return transport_failure(j, PLATFORM_ITEM_SMDP_UNREACHABLE, "SM-DP+ ConfirmOrder failed",
                                 outcome);
    bool executed = es2p_client_succeeded(&answer);
    /* a repeat after the SM-DP+ released the profile under our Matching ID
     * (the answer was lost): Invalid Transition, the order stands */
    bool repeated = !executed && j->job->attempt > 1 &&
                    strcmp(answer.subject_code, "8.2.1") == 0 &&
                    strcmp(answer.reason_code, "3.5") == 0;
    if (!executed && !repeated)
        return fail_item(j, refusal_code(&answer), "SM-DP+ refused ConfirmOrder");
    if (executed && answer.matching_id[0] != '\0' &&
        strcmp(answer.matching_id, j->row.matching_id) != 0)
        return fail_item(j, PLATFORM_ITEM_SMDP_REFUSED, "SM-DP+ changed the Matching ID");
    snprintf(j->row.smdp_address, sizeof(j->row.smdp_address), "%s",
             executed && answer.smdp_address[0] != '\0' ? answer.smdp_address
                                                        : x->config.smdp_address);
    snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_CONFIRMED);
    return save_row(j);
}

/* Step 4, the platform's side in one transaction: triggered, deadline and
 * its timeout job. */
static aw_err triggered_in(db_connection *db, void *arg)
{
    item_job *j = arg;
    platform_executor *x = j->worker->executor;
    snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_TRIGGERED);
    j->row.deadline_ms = j->now_ms + x->config.result_timeout_ms;
    aw_err err = platform_executor_item_write(db, j->order_id, j->eid, &j->row, j->now_ms);
    if (err == AW_OK)
        err = platform_executor_enqueue_job(db, EXECUTOR_JOB_TIMEOUT, j->order_id, j->eid,
                                            j->row.round, j->row.deadline_ms, j->now_ms);
    if (err == AW_OK)
        err = platform_executor_enqueue_job(db, EXECUTOR_JOB_WATCH, j->order_id, j->eid,
                                            j->row.round, j->now_ms + x->config.watch_ms,
                                            j->now_ms);
    return err;
}

/* The round's Activation Code (SGP.22 4.1). */
void executor_item_activation_code(const item_job *j, char code[ACTIVATION_CODE_MAX])
{
    snprintf(code, ACTIVATION_CODE_MAX, "1$%s$%s", j->row.smdp_address, j->row.matching_id);
}

static aw_err trigger(item_job *j, executor_outcome *outcome)
{
    char code[ACTIVATION_CODE_MAX];
    executor_item_activation_code(j, code);
    eim_download_trigger queued = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                   .activation_code = code};
    int64_t package_id = 0;
    /* issue 8: a bound profile's device goes to the eIM with its trigger (device_lock_sweep.c) */
    aw_err err = platform_device_lock_expect(j->worker->db, j->worker->eim_db, j->tenant, j->eid,
                                             j->row.iccid, j->row.matching_id, j->now_ms);
    if (err == AW_OK)
        err = eim_package_enqueue_download_trigger(j->worker->eim_db, j->eid, &queued, j->now_ms,
                                                   &package_id);
    if (err == AW_ERR_EIM_UNKNOWN_EUICC || err == AW_ERR_EIM_PACKAGE)
        return fail_item(j, PLATFORM_ITEM_EIM_REFUSED, "eIM refused the download trigger");
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK)
        return transport_failure(j, PLATFORM_ITEM_EIM_UNAVAILABLE, "eIM database failed",
                                 outcome);
    err = db_transaction_run(j->worker->db, triggered_in, j, NULL);
    if (err == AW_OK)
        j->stats->started++;
    return err;
}

/* The profile type to order: the order's, or its number pool's once the
 * item's number is reserved. *resolved false when the item failed. */
static aw_err resolve_target(item_job *j, bool *resolved)
{
    *resolved = false;
    if (strcmp(j->target_kind, "profileType") == 0) {
        snprintf(j->profile_type, sizeof(j->profile_type), "%s", j->target);
        *resolved = true;
        return AW_OK;
    }
    platform_number number;
    aw_err err = platform_number_reserve(j->worker->db, j->tenant, j->target, j->order_id,
                                         j->eid, EXECUTOR_ACTOR, j->now_ms, &number);
    if (err == AW_ERR_PLATFORM_POOL_EXHAUSTED)
        return fail_item_code(j, "A4004", "number pool exhausted");
    if (err == AW_ERR_PLATFORM_POOL_UNKNOWN)
        return fail_item_code(j, "A4003", "number pool unknown");
    if (err != AW_OK)
        return err;
    snprintf(j->profile_type, sizeof(j->profile_type), "%s", number.profile_type);
    snprintf(j->imsi, sizeof(j->imsi), "%s", number.imsi);
    if (strcmp(j->row.msisdn, number.msisdn) != 0) {
        snprintf(j->row.msisdn, sizeof(j->row.msisdn), "%s", number.msisdn);
        err = save_row(j);
    }
    *resolved = err == AW_OK;
    return err;
}

/* The platform's record of the profile DownloadOrder named (a repeat is no
 * error). A profile the records refuse (another card's, a malformed ICCID)
 * fails the item: *recorded false. */
static aw_err record_reserved(item_job *j, bool *recorded)
{
    *recorded = false;
    platform_profile_record record = {.tenant = j->tenant, .eid = j->eid, .iccid = j->row.iccid,
                                      .imsi = j->imsi, .msisdn = j->row.msisdn,
                                      .profile_type = j->profile_type,
                                      .order_id = j->order_id};
    aw_err err = platform_profile_record_reserved(j->worker->db, &record, EXECUTOR_ACTOR,
                                                  j->now_ms);
    if (err == AW_ERR_PLATFORM_TRANSITION || err == AW_ERR_PLATFORM_ICCID ||
        err == AW_ERR_PLATFORM_EID || err == AW_ERR_ARGUMENT) {
        fail_args f = {.job = j, .code = platform_item_error_code(PLATFORM_ITEM_SMDP_REFUSED),
                       .cause = "the SM-DP+'s profile conflicts with the platform's records",
                       .keep_records = true};
        return executor_item_fail(j, &f);
    }
    *recorded = err == AW_OK;
    return err;
}

/* Location-bound writing (location_policy.h, docs/location.md): before the
 * profile is ordered, the card's latest fix against the tenant's policy;
 * held, the item's job comes again (location_gate.c); refused, the item
 * fails with its T33xx code (a terminal exception, orders.c). */
static aw_err location_gate(item_job *j, bool *go)
{
    platform_location_subject subject = {.tenant = j->tenant, .eid = j->eid,
                                         .order_id = j->order_id};
    platform_location_gate gate;
    aw_err err = platform_location_gate_check(j->worker->db, j->worker->executor->config.location,
                                              &subject, j->now_ms, &gate);
    *go = err == AW_OK && gate.outcome == PLATFORM_LOCATION_GO;
    if (err != AW_OK || gate.outcome != PLATFORM_LOCATION_REFUSED)
        return err;
    return fail_item_code(j, gate.code, gate.cause);
}

static aw_err run_item(item_job *j, executor_outcome *outcome)
{
    aw_err err = db_transaction_run(j->worker->db, start_in, j, NULL);
    if (err == AW_ERR_NOT_FOUND || (err == AW_OK && strcmp(j->status, "in_progress") != 0)) {
        j->stats->skipped++; /* cancelled, finished, or no such item */
        return AW_OK;
    }
    if (err == AW_OK && !j->started)
        err = platform_executor_item_read(j->worker->db, j->order_id, j->eid, &j->row);
    if (err == AW_ERR_NOT_FOUND) { /* in progress without a row: start its round */
        memset(&j->row, 0, sizeof(j->row));
        j->row.round = 1;
        snprintf(j->row.stage, sizeof(j->row.stage), "%s", EXECUTOR_STAGE_STARTED);
        err = save_row(j);
    }
    if (err != AW_OK)
        return err;
    if (strcmp(j->row.stage, EXECUTOR_STAGE_TRIGGERED) == 0 ||
        strcmp(j->row.stage, EXECUTOR_STAGE_DONE) == 0) {
        j->stats->skipped++;
        return AW_OK;
    }
    /* a job run again (lost lease, retry) of an item of a cancelled order */
    if (executor_item_order_cancelled(j))
        return executor_item_withdraw(j, NULL, "order cancelled before its download was triggered");
    /* issue 8: the eUICC's profile count limit again before the download (profile_limit.c) */
    bool over_limit = false;
    if (strcmp(j->row.stage, EXECUTOR_STAGE_STARTED) == 0)
        err = platform_profile_limit_check_item(j->worker->db, j->tenant, j->order_id, j->eid,
                                                &over_limit);
    if (err != AW_OK || over_limit)
        return err != AW_OK ? err
                            : fail_item_code(j, PLATFORM_PROFILE_LIMIT_ITEM_CODE,
                                             "profile count limit of the eUICC reached");
    bool go = true; /* location-bound writing: before the profile is ordered */
    if (strcmp(j->row.stage, EXECUTOR_STAGE_STARTED) == 0 &&
        ((err = location_gate(j, &go)) != AW_OK || !go))
        return err;
    /* issue 8: a card locked to its device takes no write until unlocked (device_lock.c) */
    if (strcmp(j->row.stage, EXECUTOR_STAGE_STARTED) == 0) {
        err = platform_device_lock_check(j->worker->db, j->tenant, j->eid);
        if (err == AW_ERR_PLATFORM_DEVICE_LOCKED)
            return fail_item_code(j, PLATFORM_DEVICE_LOCK_ITEM_CODE, "card locked to its device");
        if (err != AW_OK)
            return err;
    }
    bool resolved = false;
    err = resolve_target(j, &resolved);
    if (err != AW_OK || !resolved)
        return err;
    if (strcmp(j->row.stage, EXECUTOR_STAGE_STARTED) == 0) {
        if (!lease_kept(j)) {
            *outcome = EXECUTOR_JOB_LEASE_LOST;
            return AW_OK;
        }
        err = download_order(j, outcome);
        if (err != AW_OK || *outcome != EXECUTOR_JOB_COMPLETE ||
            strcmp(j->row.stage, EXECUTOR_STAGE_ORDERED) != 0)
            return err;
    }
    if (strcmp(j->row.stage, EXECUTOR_STAGE_ORDERED) == 0) {
        bool recorded = false;
        err = record_reserved(j, &recorded);
        if (err != AW_OK || !recorded)
            return err;
        if (!lease_kept(j)) {
            *outcome = EXECUTOR_JOB_LEASE_LOST;
            return AW_OK;
        }
        err = confirm_order(j, outcome);
        if (err != AW_OK || *outcome != EXECUTOR_JOB_COMPLETE ||
            strcmp(j->row.stage, EXECUTOR_STAGE_CONFIRMED) != 0)
            return err;
    }
    if (!lease_kept(j)) {
        *outcome = EXECUTOR_JOB_LEASE_LOST;
        return AW_OK;
    }
    /* the order may have been cancelled during the ES2+ exchanges; one
     * cancelled after this read finds the trigger queued, and the round's
     * watch withdraws it (run_watch) */
    err = executor_item_load(j->worker->db, j);
    if (err != AW_OK || strcmp(j->status, "in_progress") != 0)
        return err;
    if (executor_item_order_cancelled(j))
        return executor_item_withdraw(j, EXECUTOR_STAGE_CONFIRMED,
                             "order cancelled before its download was triggered");
    return trigger(j, outcome);
}

aw_err executor_run_job(executor_worker *worker, const db_job *job, int64_t now_ms,
                        executor_outcome *outcome, platform_executor_stats *stats)
{
    *outcome = EXECUTOR_JOB_COMPLETE;
    if (strcmp(job->kind, EXECUTOR_JOB_EXCEPTIONS) == 0) /* executor_exceptions.c */
        return executor_exception_sweep(worker, now_ms);
    item_job j = {.worker = worker, .job = job, .now_ms = now_ms, .stats = stats};
    if (!platform_executor_parse_payload(job->payload, job->payload_len, j.order_id, j.eid,
                                         &j.round)) {
        stats->skipped++; /* not one of ours: nothing can be done with it */
        return AW_OK;
    }
    if (strcmp(job->kind, EXECUTOR_JOB_ITEM) == 0)
        return run_item(&j, outcome);
    if (strcmp(job->kind, EXECUTOR_JOB_TIMEOUT) == 0)
        return executor_run_timeout(&j);
    if (strcmp(job->kind, EXECUTOR_JOB_WATCH) == 0)
        return executor_run_watch(&j);
    if (strcmp(job->kind, EXECUTOR_JOB_WITHDRAW) == 0)
        return executor_run_withdraw(&j, outcome);
    stats->skipped++;
    return AW_OK;
}
