/* airwrite SM-DP+: queuing ES2+.HandleDownloadProgressInfo (SGP.22 5.3.5,
 * JSON binding 6.5.2.5) in the transaction of the state change that causes
 * it. The queued payload is {"route": {subject, requester}, "body": the
 * request body without its header}; the notifier (es2p_notifier.c) adds
 * the header and sends it. See es2p_notify.h for the sources. */
#include "smdp/es2p_notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/db_queue.h"
#include "smdp/es2p_order.h"
#include "smdp/inventory_internal.h"

aw_err smdp_es2p_notify_timestamp(int64_t ms, char out[SMDP_NOTIFY_TIMESTAMP_SIZE])
{
    out[0] = '\0';
    if (ms < 0)
        return AW_ERR_ARGUMENT;
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    if (gmtime_r(&seconds, &utc) == NULL ||
        strftime(out, SMDP_NOTIFY_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%SZ", &utc) !=
            SMDP_NOTIFY_TIMESTAMP_SIZE - 1) {
        out[0] = '\0';
        return AW_ERR_ARGUMENT; /* a year past 9999 */
    }
    return AW_OK;
}

static bool notify_progress_ok(const smdp_progress *progress)
{
    if (progress->point < SMDP_NOTIFY_POINT_ELIGIBILITY ||
        progress->point > SMDP_NOTIFY_POINT_BPP_INSTALLATION)
        return false;
    /* a failure carries both codes, a success neither */
    if ((progress->subject_code == NULL) != (progress->reason_code == NULL))
        return false;
    return progress->result_data != NULL || progress->result_data_len == 0;
}

static bool notify_set(json_t *object, const char *name, json_t *value)
{
    return value != NULL && json_object_set_new(object, name, value) == 0;
}

/* notificationPointStatus: an ExecutionStatus (SGP.22 6.5.1.4). */
static json_t *notify_status(const smdp_progress *progress)
{
    json_t *status = json_object();
    if (status == NULL)
        return NULL;
    bool ok;
    if (progress->subject_code == NULL) {
        ok = notify_set(status, "status", json_string("Executed-Success"));
    } else {
        json_t *code = json_object();
        ok = notify_set(status, "status", json_string("Failed")) &&
             notify_set(status, "statusCodeData", code) &&
             notify_set(code, "subjectCode", json_string(progress->subject_code)) &&
             notify_set(code, "reasonCode", json_string(progress->reason_code)) &&
             (progress->message == NULL ||
              notify_set(code, "message", json_string(progress->message)));
    }
    if (!ok) {
        json_decref(status);
        return NULL;
    }
    return status;
}

static json_t *notify_result_data(const smdp_progress *progress)
{
    size_t cap = aw_base64_encoded_length(progress->result_data_len) + 1;
    char *text = malloc(cap);
    if (text == NULL)
        return NULL;
    json_t *value = NULL;
    if (aw_base64_encode(progress->result_data, progress->result_data_len, text, cap) == AW_OK)
        value = json_string(text);
    free(text);
    return value;
}

/* The request body without its header (SGP.22 6.5.2.5). */
static json_t *notify_body(const smdp_profile_info *info, const smdp_progress *progress,
                           const char *timestamp)
{
    json_t *body = json_object();
    if (body == NULL)
        return NULL;
    const char *eid = progress->eid != NULL ? progress->eid : info->eid;
    bool ok = (eid[0] == '\0' || notify_set(body, "eid", json_string(eid))) &&
              notify_set(body, "iccid", json_string(info->iccid)) &&
              notify_set(body, "profileType", json_string(info->profile_type)) &&
              notify_set(body, "timestamp", json_string(timestamp)) &&
              notify_set(body, "notificationPointId", json_integer(progress->point)) &&
              notify_set(body, "notificationPointStatus", notify_status(progress)) &&
              (progress->result_data_len == 0 ||
               notify_set(body, "resultData", notify_result_data(progress)));
    if (!ok) {
        json_decref(body);
        return NULL;
    }
    return body;
}

aw_err smdp_es2p_notify_enqueue(db_connection *db, const char *iccid,
                                const smdp_progress *progress, int64_t now_ms)
{
    if (db == NULL || iccid == NULL || progress == NULL || !notify_progress_ok(progress))
        return AW_ERR_ARGUMENT;
    if (progress->result_data_len > SMDP_NOTIFY_RESULT_DATA_MAX)
        return AW_ERR_LIMIT;
    es2p_order_row row;
    aw_err err = es2p_order_read(db, iccid, &row);
    if (err != AW_OK || !row.found || row.operator_subject[0] == '\0')
        return err; /* no operator placed this order: nobody to notify */
    smdp_profile_info info;
    char timestamp[SMDP_NOTIFY_TIMESTAMP_SIZE];
    err = smdp_inventory_get_profile(db, iccid, &info);
    if (err == AW_OK)
        err = smdp_es2p_notify_timestamp(now_ms, timestamp);
    if (err != AW_OK)
        return err;
    memset(info.confirmation_code_hash, 0, sizeof(info.confirmation_code_hash));
    json_t *payload = json_object(), *route = json_object();
    char *text = NULL;
    err = AW_ERR_NOMEM;
    if (notify_set(payload, "route", route) &&
        notify_set(route, "subject", json_string(row.operator_subject)) &&
        notify_set(route, "requester", json_string(row.requester_id)) &&
        notify_set(payload, "body", notify_body(&info, progress, timestamp)))
        text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload); /* json_object_set_new took route, also on failure */
    if (text == NULL)
        return err;
    db_job_spec spec = {.queue = SMDP_NOTIFY_QUEUE,
                        .kind = SMDP_NOTIFY_KIND,
                        .payload = text,
                        .payload_len = strlen(text),
                        .run_after_ms = now_ms,
                        .max_attempts = SMDP_NOTIFY_ATTEMPTS_CEILING,
                        .backoff_ms = SMDP_NOTIFY_BACKOFF_MS};
    int64_t job_id = 0;
    err = db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
    free(text);
    return err;
}

/* ---- State change and notification in one transaction -------------------- */

typedef struct progress_job {
    const char *iccid;
    const smdp_state *from;
    size_t from_count;
    smdp_state to;
    const char *cause;
    const smdp_progress *progress;
    int64_t now_ms;
} progress_job;

static aw_err progress_run(db_connection *db, void *arg)
{
    const progress_job *job = arg;
    aw_err err = AW_OK;
    if (job->from_count > 0)
        err = smdp_inventory_change_state(db, job->iccid, job->from, job->from_count, job->to,
                                          job->cause, job->now_ms, NULL);
    if (err == AW_OK && job->progress != NULL)
        err = smdp_es2p_notify_enqueue(db, job->iccid, job->progress, job->now_ms);
    return err;
}

static bool progress_arguments_ok(db_connection *db, const char *iccid, const smdp_state *from,
                                  size_t from_count, const char *cause,
                                  const smdp_progress *progress)
{
    return db != NULL && iccid != NULL && (from_count == 0 || from != NULL) &&
           (from_count == 0 || smdp_inventory_cause_ok(cause)) &&
           (progress == NULL || notify_progress_ok(progress));
}

aw_err smdp_es2p_progress(db_connection *db, const char *iccid, const smdp_state *from,
                          size_t from_count, smdp_state to, const char *cause,
                          const smdp_progress *progress, int64_t now_ms)
{
    if (!progress_arguments_ok(db, iccid, from, from_count, cause, progress))
        return AW_ERR_ARGUMENT;
    progress_job job = {iccid, from, from_count, to, cause, progress, now_ms};
    return db_transaction_run(db, progress_run, &job, NULL);
}

aw_err smdp_es2p_progress_in_transaction(db_connection *db, const char *iccid,
                                         const smdp_state *from, size_t from_count,
                                         smdp_state to, const char *cause,
                                         const smdp_progress *progress, int64_t now_ms)
{
    if (!progress_arguments_ok(db, iccid, from, from_count, cause, progress))
        return AW_ERR_ARGUMENT;
    if (!db_in_transaction(db))
        return AW_ERR_STATE;
    progress_job job = {iccid, from, from_count, to, cause, progress, now_ms};
    return progress_run(db, &job);
}
