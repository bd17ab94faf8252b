/* airwrite platform: the worker's side of card operations (platform.h
 * "Card operations"): each step job of PLATFORM_CARD_OPS_QUEUE either
 * queues the operation's eUICC Package at the eIM (one PSMO, SGP.32
 * 2.11.1.1: enable, disable or delete; a switch is the enable of its
 * target, which disables the enabled profile, SGP.22 5.7.16) or looks at
 * the result the eIM verified and recorded for it (SGP.32 2.11.1.2,
 * eim_package_result_status), ending the operation on a result or when its
 * result time runs out (the device never polled), else looking again after
 * watch_ms.
 *
 * The package is queued on the eIM's database and the operation marked
 * sent on the platform's: two commits, and a crash between them leaves the
 * operation accepted, its step to run again. That step queues with
 * eim_package_enqueue_once under the operation's id, which the eIM keeps
 * with the package (UNIQUE per EID): the repeat gets the package queued the
 * first time (its id and counterValue, whatever became of it since) and
 * queues no second one. A second package with the same PSMO would be
 * answered after the first (counterValue order), a second enable or
 * disable with profileNot{Disabled,Enabled}State, and the operation would
 * fail W4001 although the profile moved. */
#include <stdio.h>
#include <string.h>

#include "core/db_queue.h"
#include "eim/eim.h"
#include "platform/card_ops_internal.h"
#include "platform/executor_internal.h"
#include "platform/location_policy.h"

/* Names of SGP.32 2.11.1.2 EnableProfileResult, DisableProfileResult,
 * DeleteProfileResult (and processingTerminated), EuiccPackageErrorCode,
 * and SGP.32 6.3.2.7 EimPackageResultResponseError codes. */
static const char *psmo_result_name(sgp32_euicc_result_kind kind, int64_t code)
{
    if (kind == SGP32_EUICC_RESULT_PROCESSING_TERMINATED) {
        switch (code) {
        case SGP32_PROCESSING_TERMINATED_RESULT_SIZE_OVERFLOW: return "resultSizeOverflow";
        case SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND:
            return "unknownOrDamagedCommand";
        case SGP32_PROCESSING_TERMINATED_INTERRUPTION: return "interruption";
        default: return "undefinedError";
        }
    }
    switch (code) {
    case SGP32_RESULT_OK: return "ok";
    case SGP32_RESULT_ICCID_OR_AID_NOT_FOUND: return "iccidOrAidNotFound";
    case SGP32_RESULT_PROFILE_NOT_IN_DISABLED_STATE:
        return kind == SGP32_EUICC_RESULT_DISABLE ? "profileNotInEnabledState"
                                                  : "profileNotInDisabledState";
    case SGP32_RESULT_DISALLOWED_BY_POLICY: return "disallowedByPolicy";
    case SGP32_RESULT_CAT_BUSY: return "catBusy";
    case SGP32_RESULT_COMMAND_ERROR: return "commandError";
    case SGP32_RESULT_ROLLBACK_NOT_AVAILABLE: return "rollbackNotAvailable";
    case SGP32_RESULT_RETURN_FALLBACK_PROFILE: return "returnFallbackProfile";
    default: return "undefinedError";
    }
}

static const char *package_error_name(int64_t code)
{
    switch (code) {
    case SGP32_EUICC_PACKAGE_ERROR_INVALID_EID: return "invalidEid";
    case SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR: return "replayError";
    case SGP32_EUICC_PACKAGE_ERROR_COUNTER_VALUE_OUT_OF_RANGE: return "counterValueOutOfRange";
    case SGP32_EUICC_PACKAGE_ERROR_SIZE_OVERFLOW: return "sizeOverflow";
    case SGP32_EUICC_PACKAGE_ERROR_ECALL_ACTIVE: return "ecallActive";
    default: return "undefinedError";
    }
}

static const char *ipa_error_name(int64_t code)
{
    switch (code) {
    case 1: return "invalidPackageFormat";
    case 2: return "unknownPackage";
    default: return "undefinedError";
    }
}

/* What one step came to. */
typedef enum step_outcome {
    STEP_DONE = 0,     /* the job is complete (a next step, if any, is queued) */
    STEP_RETRY,        /* a database failed: run this job again later */
} step_outcome;

typedef struct step {
    const platform_card_ops_config *config;
    const db_job *job;
    platform_card_op op;
    int64_t now_ms;
    platform_card_ops_stats *stats;
} step;

/* A failure of the eIM's database: retried, and after the job's last
 * attempt the operation fails W4006. */
static aw_err eim_database_failed(step *s, step_outcome *outcome)
{
    if (s->job->attempt < s->job->max_attempts) {
        *outcome = STEP_RETRY;
        return AW_OK;
    }
    s->stats->failed++;
    return card_op_finish(s->config->db, s->op.operation_id, false,
                          PLATFORM_CARD_OP_EIM_UNAVAILABLE, "", s->now_ms);
}

static bool eim_refusal(aw_err err)
{
    return err == AW_ERR_EIM_UNKNOWN_EUICC || err == AW_ERR_EIM_SIGNING_KEY ||
           err == AW_ERR_EIM_PACKAGE || err == AW_ERR_EIM_COUNTER_EXHAUSTED;
}

/* Location-bound writing (location_policy.h, docs/location.md): an enable
 * or switch only with the card's latest fix inside the tenant's regions;
 * held, the step comes again (location_gate.c); refused, the operation
 * fails with its T33xx code and a terminal exception. */
static aw_err location_gate(step *s, bool *go)
{
    platform_location_subject subject = {.tenant = s->op.tenant, .eid = s->op.eid,
                                         .operation_id = s->op.operation_id};
    platform_location_gate gate;
    aw_err err = platform_location_gate_check(s->config->db, s->config->location, &subject,
                                              s->now_ms, &gate);
    *go = err == AW_OK && gate.outcome == PLATFORM_LOCATION_GO;
    if (err != AW_OK || gate.outcome != PLATFORM_LOCATION_REFUSED)
        return err;
    platform_card_op_error error = PLATFORM_CARD_OP_LOCATION_UNAVAILABLE;
    for (int e = PLATFORM_CARD_OP_LOCATION_OUTSIDE; e < PLATFORM_CARD_OP_ERROR__COUNT; e++)
        if (strcmp(platform_card_op_error_code((platform_card_op_error)e), gate.code) == 0)
            error = (platform_card_op_error)e;
    s->stats->failed++;
    return card_op_finish(s->config->db, s->op.operation_id, false, error, "", s->now_ms);
}

/* accepted: queue the package with the operation's PSMO. */
static aw_err send_package(step *s, step_outcome *outcome)
{
    const platform_card_op *op = &s->op;
    bool go = true;
    aw_err gate_err = AW_OK;
    if ((op->kind == PLATFORM_CARD_OP_ENABLE || op->kind == PLATFORM_CARD_OP_SWITCH) &&
        ((gate_err = location_gate(s, &go)) != AW_OK || !go))
        return gate_err;
    eim_operation psmo = {.iccid = op->iccid};
    switch (op->kind) {
    case PLATFORM_CARD_OP_ENABLE: psmo.kind = EIM_OPERATION_ENABLE; break;
    case PLATFORM_CARD_OP_DISABLE: psmo.kind = EIM_OPERATION_DISABLE; break;
    case PLATFORM_CARD_OP_DELETE: psmo.kind = EIM_OPERATION_DELETE; break;
    case PLATFORM_CARD_OP_SWITCH:
        psmo.kind = EIM_OPERATION_ENABLE;
        psmo.iccid = op->to_iccid;
        break;
    }
    int64_t package_id = 0;
    aw_err err = s->config->eim_keys != NULL
                     ? eim_package_enqueue_once(s->config->eim_db, s->config->eim_keys,
                                                op->eid, &psmo, 1, op->operation_id, s->now_ms,
                                                &package_id, NULL)
                     : AW_ERR_EIM_SIGNING_KEY;
    if (eim_refusal(err)) {
        s->stats->failed++;
        return card_op_finish(s->config->db, op->operation_id, false,
                              PLATFORM_CARD_OP_EIM_REFUSED, "", s->now_ms);
    }
    if (err != AW_OK)
        return eim_database_failed(s, outcome);
    s->stats->sent++;
    return card_op_mark_sent(s->config->db, op->operation_id, package_id,
                             s->now_ms + s->config->result_timeout_ms,
                             s->now_ms + s->config->watch_ms, s->now_ms);
}

/* sent: what the eIM recorded for the package. */
static aw_err watch_package(step *s, step_outcome *outcome)
{
    const platform_card_op *op = &s->op;
    const char *id = op->operation_id;
    eim_package_status status;
    aw_err err = eim_package_result_status(s->config->eim_db, op->eid, op->package_id, &status);
    if (err == AW_ERR_NOT_FOUND) { /* the eIM lost it (its database was replaced) */
        s->stats->failed++;
        return card_op_finish(s->config->db, id, false, PLATFORM_CARD_OP_EIM_REFUSED, "",
                              s->now_ms);
    }
    if (err != AW_OK)
        return eim_database_failed(s, outcome);
    switch (status.outcome) {
    case EIM_PACKAGE_OUTCOME_WAITING:
        if (s->now_ms >= op->deadline_ms) {
            s->stats->failed++;
            return card_op_finish(s->config->db, id, false, PLATFORM_CARD_OP_RESULT_TIMEOUT,
                                  "", s->now_ms);
        }
        s->stats->waiting++;
        /* a device that polls seldom is looked for less often: half the
         * time waited since the package was queued (updated_at), between
         * watch_ms and ten times it */
        int64_t delay = (s->now_ms - op->updated_at_ms) / 2;
        if (delay < s->config->watch_ms)
            delay = s->config->watch_ms;
        if (delay > 10 * s->config->watch_ms)
            delay = 10 * s->config->watch_ms;
        int64_t next = s->now_ms + delay;
        return card_op_enqueue_step(s->config->db, id,
                                    next < op->deadline_ms ? next : op->deadline_ms, s->now_ms);
    case EIM_PACKAGE_OUTCOME_EXECUTED: {
        /* one PSMO per package: its result decides */
        bool ok = status.result_count == 1 && status.results[0].code == SGP32_RESULT_OK &&
                  status.results[0].kind != SGP32_EUICC_RESULT_PROCESSING_TERMINATED;
        const char *name = status.result_count > 0
                               ? psmo_result_name(status.results[0].kind, status.results[0].code)
                               : "undefinedError";
        if (ok)
            s->stats->succeeded++;
        else
            s->stats->failed++;
        return card_op_finish(s->config->db, id, ok, PLATFORM_CARD_OP_EUICC_REFUSED, name,
                              s->now_ms);
    }
    case EIM_PACKAGE_OUTCOME_REFUSED:
    case EIM_PACKAGE_OUTCOME_UNSIGNED_ERROR:
        s->stats->failed++;
        return card_op_finish(s->config->db, id, false, PLATFORM_CARD_OP_PACKAGE_REFUSED,
                              package_error_name(status.error_code), s->now_ms);
    case EIM_PACKAGE_OUTCOME_IPA_ERROR:
        s->stats->failed++;
        return card_op_finish(s->config->db, id, false, PLATFORM_CARD_OP_IPA_FAILED,
                              ipa_error_name(status.error_code), s->now_ms);
    }
    return AW_ERR_STATE;
}

static aw_err run_step(step *s, step_outcome *outcome)
{
    char operation_id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    *outcome = STEP_DONE;
    if (strcmp(s->job->kind, CARD_OP_JOB_STEP) != 0 ||
        s->job->payload_len != PLATFORM_CARD_OP_ID_LENGTH)
        return AW_OK; /* not one of ours: nothing can be done with it */
    memcpy(operation_id, s->job->payload, PLATFORM_CARD_OP_ID_LENGTH);
    operation_id[PLATFORM_CARD_OP_ID_LENGTH] = '\0';
    aw_err err = card_op_load(s->config->db, operation_id, &s->op);
    if (err == AW_ERR_PLATFORM_CARD_OP_UNKNOWN)
        return AW_OK;
    if (err != AW_OK)
        return err;
    if (strcmp(s->op.status, CARD_OP_ACCEPTED) == 0)
        return send_package(s, outcome);
    if (strcmp(s->op.status, CARD_OP_SENT) == 0)
        return watch_package(s, outcome);
    return AW_OK; /* ended already: a repeated step */
}

aw_err platform_card_ops_run_once(const platform_card_ops_config *config, int64_t now_ms,
                                  size_t limit, platform_card_ops_stats *stats)
{
    if (config == NULL || config->db == NULL || config->eim_db == NULL || limit == 0 ||
        limit > DB_QUEUE_CLAIM_MAX || config->lease_ms < 0 || config->result_timeout_ms < 0 ||
        config->watch_ms < 0)
        return AW_ERR_ARGUMENT;
    platform_card_ops_config c = *config;
    if (c.worker == NULL)
        c.worker = "card-ops";
    if (c.lease_ms == 0)
        c.lease_ms = PLATFORM_CARD_OPS_DEFAULT_LEASE_MS;
    if (c.result_timeout_ms == 0)
        c.result_timeout_ms = PLATFORM_CARD_OPS_DEFAULT_RESULT_TIMEOUT_MS;
    if (c.watch_ms == 0)
        c.watch_ms = PLATFORM_CARD_OPS_DEFAULT_WATCH_MS;
    platform_card_ops_stats pass = {0};
    db_job *jobs = NULL;
    size_t count = 0;
    aw_err err = db_queue_claim(c.db, PLATFORM_CARD_OPS_QUEUE, c.worker, limit, c.lease_ms,
                                now_ms, &jobs, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        step s = {.config = &c, .job = &jobs[i], .now_ms = now_ms, .stats = &pass};
        step_outcome outcome = STEP_DONE;
        aw_err run = run_step(&s, &outcome);
        if (run != AW_OK || outcome == STEP_RETRY) {
            pass.retried++;
            err = db_queue_fail(c.db, jobs[i].id, c.worker, now_ms, run != AW_OK ? run : 1, true,
                                NULL);
        } else
            err = db_queue_complete(c.db, jobs[i].id, c.worker, now_ms);
        if (err == AW_ERR_DB_NOT_FOUND) /* the lease was lost: another worker's job now */
            err = AW_OK;
    }
    db_jobs_free(jobs, count);
    if (stats != NULL) {
        stats->sent += pass.sent;
        stats->succeeded += pass.succeeded;
        stats->failed += pass.failed;
        stats->waiting += pass.waiting;
        stats->retried += pass.retried;
    }
    return err;
}

int64_t executor_card_ops_pass(executor_worker *worker, int64_t now_ms)
{
    const platform_executor_config *x = &worker->executor->config;
    if (x->eim_keys == NULL)
        return 0;
    platform_card_ops_config config = {.db = worker->db, .eim_db = worker->eim_db,
                                       .eim_keys = x->eim_keys, .worker = worker->name,
                                       .lease_ms = x->lease_ms,
                                       .result_timeout_ms = x->card_op_timeout_ms,
                                       .location = x->location};
    platform_card_ops_stats stats = {0};
    if (platform_card_ops_run_once(&config, now_ms, EXECUTOR_CLAIM_BATCH, &stats) != AW_OK)
        return 0;
    /* looks that found no result yet are not progress: the worker rests */
    return stats.sent + stats.succeeded + stats.failed + stats.retried;
}
