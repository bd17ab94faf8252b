/* airwrite platform: the exception sweep as a job of the executor's queue
 * (《物联网 eSIM 空中写卡技术应用服务规范》 异常处理, issue 7;
 * docs/exceptions.md "Time limits and escalation"): every sweep interval
 * one job, whichever worker of whichever process claims it, escalates the
 * exceptions past their time limit (platform_exception_escalate) and looks
 * for active cards whose device stopped contacting the eIM (T1001, from
 * the eIM's record of the eUICC's last contact), then queues the next one.
 * A dedupe key per time slot keeps processes sharing the database to one
 * job per slot. */
#include <stdio.h>
#include <string.h>

#include "eim/eim.h"
#include "platform/executor_internal.h"

/* The device's last contact as the eIM recorded it (SGP.32 ESipa polls). */
static aw_err eim_contact(void *userdata, const char *eid, int64_t *last_contact_ms)
{
    db_connection *eim_db = userdata;
    eim_euicc euicc;
    memset(&euicc, 0, sizeof(euicc));
    aw_err err = eim_registry_get(eim_db, eid, &euicc);
    *last_contact_ms = err == AW_OK ? euicc.last_contact_ms : 0;
    eim_euicc_clear(&euicc);
    return err == AW_ERR_EIM_UNKNOWN_EUICC ? AW_ERR_NOT_FOUND : err;
}

aw_err executor_exception_sweep_schedule(db_connection *db, int64_t interval_ms, int64_t now_ms)
{
    if (interval_ms <= 0)
        return AW_ERR_ARGUMENT;
    int64_t slot = now_ms / interval_ms + 1;
    char dedupe[48];
    snprintf(dedupe, sizeof(dedupe), "exceptions-sweep:%lld", (long long)slot);
    static const char payload[] = "sweep";
    db_job_spec spec = {.queue = PLATFORM_EXECUTOR_QUEUE,
                        .kind = EXECUTOR_JOB_EXCEPTIONS,
                        .payload = payload,
                        .payload_len = sizeof(payload) - 1,
                        .run_after_ms = slot * interval_ms,
                        .dedupe_key = dedupe};
    int64_t job_id = 0;
    return db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
}

aw_err executor_exception_sweep(executor_worker *worker, int64_t now_ms)
{
    const platform_exception_policy *policy = worker->executor->config.exceptions;
    if (policy == NULL)
        return AW_OK; /* another process's sweep: this one has none configured */
    aw_err err = platform_exception_escalate(worker->db, policy, now_ms, NULL);
    if (err == AW_OK)
        err = platform_exception_scan_silence(worker->db, policy, eim_contact, worker->eim_db,
                                              now_ms, NULL);
    /* card-device locking: bindings to the eIM, its mismatches; a failure
     * there (the eIM's database) does not stop the next sweep being queued */
    const platform_device_lock_policy *lock = worker->executor->config.device_lock;
    aw_err lock_err = err == AW_OK ? platform_device_lock_sweep(worker->db, worker->eim_db, lock,
                                                                policy, now_ms, NULL)
                                   : AW_OK;
    if (err == AW_OK)
        err = executor_exception_sweep_schedule(worker->db, policy->sweep_interval_ms, now_ms);
    return err != AW_OK ? err : lock_err;
}
