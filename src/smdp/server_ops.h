/* airwrite SM-DP+ daemon: operations of server.c: Prometheus metrics (text
 * format 0.0.4, core/metrics.h) and JSON request logs (core/log.h) of the
 * ES9+ (SGP.22 6.5.2.6-6.5.2.10) and ES2+ (6.5.2.1-6.5.2.4) endpoints.
 *
 * Everything is observed from what the daemon itself produced: the routed
 * request path (the function), the HTTP status and the
 * header.functionExecutionStatus of its own JSON answer (SGP.22 6.5.1.4:
 * status, statusCodeData.subjectCode / reasonCode), and the transactionId
 * of that answer, as the JSON binding reports them (es9p_json_outcome: no
 * body is parsed again). Request bodies are never read here, so no label
 * or log field carries a value chosen by a client.
 *
 * Metrics (all counters end in _total):
 *   airwrite_smdp_es9p_requests_total{function,result}
 *   airwrite_smdp_es9p_sessions_started_total
 *       InitiateAuthentication answered Executed-Success
 *   airwrite_smdp_es9p_sessions_finished_total{outcome}
 *       outcome "bound_profile_package" (GetBoundProfilePackage succeeded)
 *       or "cancelled" (CancelSession succeeded)
 *   airwrite_smdp_es9p_sessions_failed_total{function,subject_code,reason_code}
 *       every ES9+ answer with status "Failed"
 *   airwrite_smdp_es2p_requests_total{function,result,subject_code,reason_code}
 *   airwrite_smdp_request_duration_seconds{interface,function} (histogram)
 * result is "success", "failed" (a Failed functionExecutionStatus),
 * "forbidden" (ES2+ caller not allowed: HTTP 403) or "error" (no JSON
 * answer, e.g. HTTP 500). subject_code / reason_code are "" on success.
 */
#ifndef AIRWRITE_SMDP_SERVER_OPS_H
#define AIRWRITE_SMDP_SERVER_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"

#define SMDP_OPS_COMPONENT "smdp"

typedef struct smdp_ops {
    aw_log *log;                  /* borrowed; NULL: no logs */
    metrics_registry *registry;   /* owned */
    metrics_counter *es9p_requests;
    metrics_counter *sessions_started;
    metrics_counter *sessions_finished;
    metrics_counter *sessions_failed;
    metrics_counter *es2p_requests;
    metrics_histogram *duration;
    metrics_server *listener;     /* own plain HTTP listener; NULL when none */
} smdp_ops;

typedef enum smdp_interface {
    SMDP_INTERFACE_ES9P = 1,
    SMDP_INTERFACE_ES2P,
} smdp_interface;

/* One answered request, as the daemon produced it. */
typedef struct smdp_ops_request {
    smdp_interface interface;
    const char *path;             /* the routed path */
    int http_status;
    /* what the JSON answer's header says (es9p_json_outcome, SGP.22
     * 6.5.1.4), reported by the binding that wrote it: status NULL when
     * there is no JSON answer; codes NULL on success; transaction_id NULL
     * or "" when the answer has none */
    const char *status;
    const char *subject_code;
    const char *reason_code;
    const char *transaction_id;
    int64_t duration_us;
    const char *peer;             /* peer IP address (NULL: unknown) */
    const char *caller;           /* ES2+: the verified operator certificate's
                                   * subject, logged (never a label); NULL: none */
} smdp_ops_request;

/* Create the registry and the families above; log (may be NULL) is kept. */
aw_err smdp_ops_init(smdp_ops *ops, aw_log *log);
/* Frees the registry and the listener. NULL-safe. */
void smdp_ops_clear(smdp_ops *ops);

/* Count, time and log one request. */
void smdp_ops_observe(smdp_ops *ops, const smdp_ops_request *request);

/* Monotonic microseconds, for durations. */
int64_t smdp_ops_clock_us(void);

#endif
