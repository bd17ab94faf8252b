/* airwrite eIM: the forwarder of held notifications (SGP.32 6.3.2.4: the
 * eIM forwards what ESipa.HandleNotification brought to the Notification
 * Receiver, its notificationAddress, by ES9+.HandleNotification, SGP.22
 * 5.6.4). It claims due jobs of EIM_NOTIFICATION_QUEUE under a lease,
 * sends each held notification byte for byte, and records the outcome
 * (notification_queue.c): accepted, retried with backoff, or dead after
 * its last attempt. BLOCKING (ES9+): the eIM server's forwarder thread. */
#include <stdlib.h>
#include <string.h>

#include "eim/eim_internal.h"

/* Longer than one ES9+ exchange may take, so a job is not reclaimed from
 * a live forwarder. */
#define FORWARD_LEASE_MS (5 * 60 * 1000)

aw_err eim_notification_forward_due(eim_relay *relay, const eim_context *context,
                                    const char *worker, size_t limit, int64_t now_ms,
                                    eim_notification_stats *stats)
{
    if (relay == NULL || context == NULL || context->db == NULL || worker == NULL || limit == 0 ||
        limit > DB_QUEUE_CLAIM_MAX)
        return AW_ERR_ARGUMENT;
    db_connection *db = context->db;
    db_job *jobs = NULL;
    size_t count = 0;
    aw_err err = db_queue_claim(db, EIM_NOTIFICATION_QUEUE, worker, limit, FORWARD_LEASE_MS,
                                now_ms, &jobs, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        eim_notification_record record;
        uint8_t *pending = NULL;
        size_t pending_len = 0;
        aw_err verdict = AW_OK;
        db_job_state state = DB_JOB_READY;
        err = eim_notification_load(db, &jobs[i], &record, &pending, &pending_len);
        if (err == AW_ERR_DB_TYPE || err == AW_ERR_DB_NOT_FOUND) {
            /* a job naming no held notification: nothing to forward, ever */
            err = db_queue_fail(db, jobs[i].id, worker, now_ms, err, false, NULL);
            free(pending);
            continue;
        }
        if (err == AW_OK)
            err = eim_relay_send_notification(
                relay, (aw_slice){(const uint8_t *)record.address, strlen(record.address)},
                (aw_slice){pending, pending_len}, &verdict);
        if (err == AW_OK)
            err = eim_notification_finish(db, &jobs[i], worker, &record, verdict, now_ms, &state);
        if (err == AW_ERR_DB_NOT_FOUND)
            err = AW_OK; /* the lease was lost meanwhile: another forwarder has the job */
        else if (err == AW_OK && stats != NULL)
            *(state == DB_JOB_DONE   ? &stats->forwarded
              : state == DB_JOB_DEAD ? &stats->dead
                                     : &stats->retrying) += 1;
        free(pending);
    }
    db_jobs_free(jobs, count);
    return err;
}
