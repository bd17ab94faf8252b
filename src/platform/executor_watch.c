/* airwrite platform: the jobs of an order item's round while it waits for
 * its result (platform.h "Executor"; the steps before: executor_item.c).
 *
 * Timeout: at the round's deadline, an item still waiting fails W3003.
 * Watch: every watch_ms (less often as the wait grows) the job reads what
 *         the eIM recorded of the round's triggers
 *         (eim_download_trigger_status): the eUICC's verified PIR writes
 *         (or fails, W3002) the item when the SM-DP+'s notification never
 *         comes; the IPA's profileDownloadError (SGP.32 2.11.3: no PIR, the
 *         download never installed) triggers the same Activation Code
 *         again, up to download_attempts, then W3001.
 * Withdrawal: the order was cancelled (orders.c): the round's triggers the
 *         eIM has not handed out are withdrawn (eim_download_trigger_withdraw)
 *         and, none out at the device and none installed, the item ends
 *         cancelled with its ES2+ order; the watch does the same for an
 *         item whose trigger was queued after the cancel read its order. */
#include <stdio.h>
#include <string.h>

#include "eim/eim.h"
#include "platform/executor_item.h"

/* The item and its row on db; *waits: it is in progress and its round
 * (the job's, or with any_round the one it is in) waits for its result
 * (stage triggered). Otherwise the result came, the order ended it, or
 * another round runs. */
static aw_err read_round(db_connection *db, item_job *j, bool any_round, bool *waits)
{
    *waits = false;
    aw_err err = executor_item_load(db, j);
    if (err == AW_OK)
        err = platform_executor_item_read(db, j->order_id, j->eid, &j->row);
    if (err == AW_OK)
        *waits = strcmp(j->status, "in_progress") == 0 &&
                 (any_round || j->row.round == j->round) &&
                 strcmp(j->row.stage, EXECUTOR_STAGE_TRIGGERED) == 0;
    return err;
}

/* read_round for a job: one whose round no longer waits has nothing to
 * do (counted skipped). */
static aw_err load_waiting(item_job *j, bool any_round, bool *waits)
{
    aw_err err = read_round(j->worker->db, j, any_round, waits);
    if (err == AW_ERR_NOT_FOUND || (err == AW_OK && !*waits)) {
        j->stats->skipped++;
        return AW_OK;
    }
    return err;
}

/* The timeout job: the round still waits for its result at its deadline. */
aw_err executor_run_timeout(item_job *j)
{
    bool waits = false;
    aw_err err = load_waiting(j, false, &waits);
    if (err != AW_OK || !waits)
        return err;
    /* fail_in checks the same again in its transaction (a result arriving
     * meanwhile wins) */
    fail_args f = {.job = j, .code = platform_item_error_code(PLATFORM_ITEM_RESULT_TIMEOUT),
                   .cause = "no download result in time",
                   .stage_required = EXECUTOR_STAGE_TRIGGERED, .round_required = j->round};
    return executor_item_fail(j, &f);
}

/* The watch job, written by the eIM's verified PIR: in one transaction,
 * only while the round still waits (a notification meanwhile wins). */
typedef struct written_args {
    item_job *job;
    bool written;
} written_args;

static aw_err written_in(db_connection *db, void *arg)
{
    written_args *w = arg;
    item_job *j = w->job;
    w->written = false;
    bool waits = false;
    aw_err err = read_round(db, j, false, &waits);
    if (err != AW_OK || !waits)
        return err;
    executor_result_item item = {.order_id = j->order_id, .eid = j->eid, .tenant = j->tenant,
                                 .target_kind = j->target_kind, .target = j->target};
    err = executor_item_written(db, &item, &j->row, j->row.iccid, EIM_ACTOR,
                                "profile installed (eIM: verified ProfileInstallationResult)",
                                j->now_ms);
    if (err == AW_OK)
        w->written = true;
    return err;
}

/* The next watch: watch_ms after a new trigger (soon), else half the time
 * the round has waited, between watch_ms and ten times it, so a long wait
 * costs a few jobs, not one per watch_ms. */
static aw_err watch_again(item_job *j, bool soon)
{
    platform_executor *x = j->worker->executor;
    int64_t waited = j->now_ms - (j->row.deadline_ms - x->config.result_timeout_ms);
    int64_t wait = soon ? x->config.watch_ms : waited / 2;
    if (wait < x->config.watch_ms)
        wait = x->config.watch_ms;
    if (wait > 10 * x->config.watch_ms)
        wait = 10 * x->config.watch_ms;
    return platform_executor_enqueue_job(j->worker->db, EXECUTOR_JOB_WATCH, j->order_id, j->eid,
                                         j->round, j->now_ms + wait, j->now_ms);
}

/* The round's item waits for its result and its order was cancelled: the
 * round's triggers the device has not taken are withdrawn at the eIM
 * (eim_download_trigger_withdraw). With none out at the device and none
 * installed, the item ends cancelled (*ended; its ES2+ order cancelled:
 * executor_item_withdraw); otherwise the device's result decides, as for any
 * item. AW_ERR_* of the eIM's database: nothing withdrawn (try again). */
static aw_err withdraw_round(item_job *j, bool *ended)
{
    *ended = false;
    char code[ACTIVATION_CODE_MAX];
    executor_item_activation_code(j, code);
    eim_trigger_withdrawal w;
    aw_err err = eim_download_trigger_withdraw(j->worker->eim_db, j->eid, code, j->now_ms, &w);
    if (err != AW_OK || w.outstanding > 0 || w.installed > 0)
        return err;
    err = executor_item_withdraw(j, EXECUTOR_STAGE_TRIGGERED,
                        "order cancelled before the device took its download trigger");
    *ended = err == AW_OK;
    return err;
}

/* The withdrawal job (orders.c cancel, platform_executor_enqueue_withdrawals):
 * an item that waits for its result when its order is cancelled. An item
 * before its trigger is left to its item job, which ends it cancelled
 * (run_item); one already ended, or whose trigger the device took, is
 * left alone. The eIM's database out of reach: the job is run again (and
 * the round's watch also withdraws). */
aw_err executor_run_withdraw(item_job *j, executor_outcome *outcome)
{
    bool waits = false, ended = false;
    aw_err err = load_waiting(j, true, &waits);
    if (err != AW_OK || !waits)
        return err;
    if (!executor_item_order_cancelled(j)) {
        j->stats->skipped++;
        return AW_OK;
    }
    err = withdraw_round(j, &ended);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK)
        *outcome = EXECUTOR_JOB_RETRY;
    else if (!ended)
        j->stats->skipped++; /* the device took its trigger */
    return AW_OK;
}

/* The watch job (platform_executor_config.watch_ms): what the eIM recorded
 * of the round's triggers (SGP.32 2.11.3 ProfileDownloadTriggerResult). */
aw_err executor_run_watch(item_job *j)
{
    platform_executor *x = j->worker->executor;
    bool waits = false;
    aw_err err = load_waiting(j, false, &waits);
    if (err != AW_OK || !waits)
        return err;
    if (executor_item_order_cancelled(j)) {
        bool ended = false;
        err = withdraw_round(j, &ended);
        if (err == AW_ERR_NOMEM || (err == AW_OK && ended))
            return err;
        if (err != AW_OK) /* nothing withdrawn: again at the next watch */
            return watch_again(j, false);
        /* the device took a trigger: its result decides, as below */
    }
    char code[ACTIVATION_CODE_MAX];
    executor_item_activation_code(j, code);
    eim_trigger_status status;
    err = eim_download_trigger_status(j->worker->eim_db, j->eid, code, &status);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) /* the eIM's database out of reach: look again later */
        return watch_again(j, false);
    switch (status.outcome) {
    case EIM_TRIGGER_INSTALLED: {
        written_args w = {.job = j};
        return db_transaction_run(j->worker->db, written_in, &w, NULL);
    }
    case EIM_TRIGGER_INSTALL_FAILED: {
        /* W7402 when the eUICC had no room (profile_limit_result.c) */
        const char *full = platform_profile_limit_failure_code(NULL, status.error_reason);
        fail_args f = {.job = j,
                       .code = full != NULL
                                   ? full
                                   : platform_item_error_code(PLATFORM_ITEM_INSTALLATION_FAILED),
                       .cause = "installation failed (eIM: verified ProfileInstallationResult)",
                       .stage_required = EXECUTOR_STAGE_TRIGGERED, .round_required = j->round};
        return executor_item_fail(j, &f);
    }
    case EIM_TRIGGER_DOWNLOAD_FAILED:
        if ((int64_t)status.count < x->config.download_attempts) {
            /* SGP.22 3.1.3: the SM-DP+ keeps the order for another attempt */
            eim_download_trigger queued = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                           .activation_code = code};
            err = eim_package_enqueue_download_trigger(j->worker->eim_db, j->eid, &queued,
                                                       j->now_ms, NULL);
            if (err == AW_ERR_NOMEM)
                return err;
            if (err == AW_OK) {
                j->stats->retriggered++;
                /* no first-attempt write any more (indicators.c); a failure
                 * loses only that mark, never the trigger's flow */
                (void)platform_indicators_record_retrigger(j->worker->db, j->order_id, j->eid,
                                                           j->now_ms);
            }
            return watch_again(j, err == AW_OK);
        } else {
            fail_args f = {.job = j,
                           .code = platform_item_error_code(PLATFORM_ITEM_DOWNLOAD_FAILED),
                           .cause = "download failed on the device after every trigger "
                                    "(eIM: profileDownloadError)",
                           .stage_required = EXECUTOR_STAGE_TRIGGERED,
                           .round_required = j->round};
            return executor_item_fail(j, &f);
        }
    default: /* waiting, or the trigger not yet seen */
        return watch_again(j, false);
    }
}

