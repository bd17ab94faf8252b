/* airwrite SM-DP+ daemon: metrics and request logs of the ES9+ and ES2+
 * endpoints (SGP.22 6.5.1.4 functionExecutionStatus of each answer), see
 * server_ops.h. */
#include "smdp/server_ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The SGP.22 status codes are short dotted numbers ("8.10.1", "3.9"). */
#define SMDP_OPS_CODE_MAX 15u
/* transactionId: at most 16 bytes as hex (SGP.22 6.5.2). */
#define SMDP_OPS_TRANSACTION_ID_MAX 32u
#define SMDP_OPS_FUNCTION_MAX 40u

static const char *const es9p_request_labels[] = {"function", "result"};
static const char *const session_finished_labels[] = {"outcome"};
static const char *const session_failed_labels[] = {"function", "subject_code", "reason_code"};
static const char *const es2p_request_labels[] = {"function", "result", "subject_code",
                                                  "reason_code"};
static const char *const duration_labels[] = {"interface", "function"};

aw_err smdp_ops_init(smdp_ops *ops, aw_log *log)
{
    if (ops == NULL)
        return AW_ERR_ARGUMENT;
    memset(ops, 0, sizeof(*ops));
    ops->log = log;
    aw_err err = metrics_registry_new(&ops->registry);
    if (err == AW_OK)
        err = metrics_counter_new(ops->registry, "airwrite_smdp_es9p_requests_total",
                                  "ES9+ requests answered, by function and result.",
                                  es9p_request_labels, 2, &ops->es9p_requests);
    if (err == AW_OK)
        err = metrics_counter_new(ops->registry, "airwrite_smdp_es9p_sessions_started_total",
                                  "ES9+ sessions started (InitiateAuthentication succeeded).",
                                  NULL, 0, &ops->sessions_started);
    if (err == AW_OK)
        err = metrics_counter_new(ops->registry, "airwrite_smdp_es9p_sessions_finished_total",
                                  "ES9+ sessions finished: bound profile package delivered or "
                                  "session cancelled.",
                                  session_finished_labels, 1, &ops->sessions_finished);
    if (err == AW_OK)
        err = metrics_counter_new(ops->registry, "airwrite_smdp_es9p_sessions_failed_total",
                                  "ES9+ answers with status Failed, by function and SGP.22 "
                                  "subject and reason code.",
                                  session_failed_labels, 3, &ops->sessions_failed);
    if (err == AW_OK)
        err = metrics_counter_new(ops->registry, "airwrite_smdp_es2p_requests_total",
                                  "ES2+ requests answered, by function, result and SGP.22 "
                                  "subject and reason code.",
                                  es2p_request_labels, 4, &ops->es2p_requests);
    if (err == AW_OK)
        err = metrics_histogram_new(ops->registry, "airwrite_smdp_request_duration_seconds",
                                    "Time to answer an ES9+ or ES2+ request.", duration_labels, 2,
                                    metrics_latency_bounds, metrics_latency_bound_count,
                                    &ops->duration);
    if (err != AW_OK)
        smdp_ops_clear(ops);
    return err;
}

void smdp_ops_clear(smdp_ops *ops)
{
    if (ops == NULL)
        return;
    metrics_server_free(ops->listener);
    metrics_registry_free(ops->registry);
    memset(ops, 0, sizeof(*ops));
}

int64_t smdp_ops_clock_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* What the daemon's own answer says. */
typedef struct smdp_ops_outcome {
    const char *result;           /* "success", "failed", "forbidden", "error" */
    char status[24];              /* functionExecutionStatus.status, "" when none */
    char subject_code[SMDP_OPS_CODE_MAX + 1];
    char reason_code[SMDP_OPS_CODE_MAX + 1];
    char transaction_id[SMDP_OPS_TRANSACTION_ID_MAX + 1];
    char function[SMDP_OPS_FUNCTION_MAX + 1];
} smdp_ops_outcome;

/* Copy a text made only of the characters in allowed (so nothing odd can
 * reach a label or a log even if an answer were wrong). */
static void smdp_ops_copy(const char *text, const char *allowed, char *out, size_t cap)
{
    out[0] = '\0';
    if (text == NULL || strlen(text) >= cap || strspn(text, allowed) != strlen(text))
        return;
    memcpy(out, text, strlen(text) + 1);
}

static void smdp_ops_read_answer(const smdp_ops_request *request, smdp_ops_outcome *o)
{
    memset(o, 0, sizeof(*o));
    /* the function is the last segment of the routed path */
    const char *slash = request->path != NULL ? strrchr(request->path, '/') : NULL;
    const char *function = slash != NULL ? slash + 1 : "unknown";
    if (strlen(function) > SMDP_OPS_FUNCTION_MAX ||
        strspn(function, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
            strlen(function))
        function = "unknown";
    memcpy(o->function, function, strlen(function) + 1);
    if (request->http_status == 204) {
        o->result = "success"; /* SGP.22 6.5.2.9: a handled notification */
        return;
    }
    o->result = request->http_status == 403 ? "forbidden" : "error";
    if (request->http_status != 200 || request->status == NULL)
        return;
    smdp_ops_copy(request->status, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
                  o->status, sizeof(o->status));
    smdp_ops_copy(request->subject_code, "0123456789.", o->subject_code,
                  sizeof(o->subject_code));
    smdp_ops_copy(request->reason_code, "0123456789.", o->reason_code, sizeof(o->reason_code));
    smdp_ops_copy(request->transaction_id, "0123456789ABCDEFabcdef", o->transaction_id,
                  sizeof(o->transaction_id));
    if (strncmp(o->status, "Executed-", 9) == 0)
        o->result = "success";
    else if (strcmp(o->status, "Failed") == 0)
        o->result = "failed";
}

static void smdp_ops_count(smdp_ops *ops, const smdp_ops_request *request,
                           const smdp_ops_outcome *o)
{
    const char *interface = request->interface == SMDP_INTERFACE_ES9P ? "es9p" : "es2p";
    const char *timed[] = {interface, o->function};
    metrics_histogram_observe(ops->duration, timed, (double)request->duration_us / 1e6);
    if (request->interface == SMDP_INTERFACE_ES2P) {
        const char *labels[] = {o->function, o->result, o->subject_code, o->reason_code};
        metrics_counter_add(ops->es2p_requests, labels, 1);
        return;
    }
    const char *labels[] = {o->function, o->result};
    metrics_counter_add(ops->es9p_requests, labels, 1);
    bool success = strcmp(o->result, "success") == 0;
    if (strcmp(o->result, "failed") == 0) {
        const char *failed[] = {o->function, o->subject_code, o->reason_code};
        metrics_counter_add(ops->sessions_failed, failed, 1);
    } else if (success && strcmp(o->function, "initiateAuthentication") == 0) {
        metrics_counter_add(ops->sessions_started, NULL, 1);
    } else if (success && strcmp(o->function, "getBoundProfilePackage") == 0) {
        const char *outcome[] = {"bound_profile_package"};
        metrics_counter_add(ops->sessions_finished, outcome, 1);
    } else if (success && strcmp(o->function, "cancelSession") == 0) {
        const char *outcome[] = {"cancelled"};
        metrics_counter_add(ops->sessions_finished, outcome, 1);
    }
}

/* SGP.22 1.2 / 4.2 (Function Provider, Execution Error) is the daemon's own
 * failure: logged as an error, other refusals as information. */
static log_level smdp_ops_level(const smdp_ops_outcome *o)
{
    if (strcmp(o->result, "error") == 0 ||
        (strcmp(o->subject_code, "1.2") == 0 && strcmp(o->reason_code, "4.2") == 0))
        return LOG_LEVEL_ERROR;
    return strcmp(o->result, "forbidden") == 0 ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO;
}

void smdp_ops_observe(smdp_ops *ops, const smdp_ops_request *request)
{
    if (ops == NULL || request == NULL)
        return;
    smdp_ops_outcome o;
    smdp_ops_read_answer(request, &o);
    smdp_ops_count(ops, request, &o);
    log_level level = smdp_ops_level(&o);
    if (!log_enabled(ops->log, level))
        return;
    log_field fields[10];
    size_t n = 0;
    fields[n++] = LOG_TEXT("function", o.function);
    if (o.transaction_id[0] != '\0')
        fields[n++] = LOG_TEXT("transaction_id", o.transaction_id);
    fields[n++] = LOG_INT("http_status", request->http_status);
    fields[n++] = LOG_TEXT("result", o.result);
    if (o.status[0] != '\0')
        fields[n++] = LOG_TEXT("status", o.status);
    if (o.subject_code[0] != '\0') {
        fields[n++] = LOG_TEXT("subject_code", o.subject_code);
        fields[n++] = LOG_TEXT("reason_code", o.reason_code);
    }
    fields[n++] = LOG_INT("duration_us", request->duration_us);
    if (request->peer != NULL)
        fields[n++] = LOG_TEXT("peer", request->peer);
    if (request->caller != NULL)
        fields[n++] = LOG_TEXT("operator", request->caller);
    log_event(ops->log, level, SMDP_OPS_COMPONENT,
              request->interface == SMDP_INTERFACE_ES9P ? "es9p_request" : "es2p_request",
              fields, n);
}
