/* airwrite SM-DP+: delivery of the queued ES2+.HandleDownloadProgressInfo
 * notifications (SGP.22 5.3.5 over the JSON binding 6.5.2.5, HTTPS with
 * mutual TLS per SGP.22 2.6.6: the SM-DP+ presents its client certificate
 * and verifies the operator's server certificate against a configured CA).
 *
 * The notifier owns a database connection and an HTTPS client. One pass
 * (smdp_notifier_deliver_due) first terminates the orders past their
 * expiry (smdp_es2p_expire_orders), then claims the due jobs of
 * SMDP_NOTIFY_QUEUE under a lease, POSTs each to the endpoint of the
 * order's operator and completes it on a 2xx answer; on anything else it
 * fails the job, which db_queue retries with exponential backoff
 * (SMDP_NOTIFY_BACKOFF_MS, doubling) until max_attempts, then leaves it
 * dead (the dead letter, kept in the queue table for the operator of the
 * SM-DP+). A pass blocks on HTTPS (core/http_client.h), so the daemon runs
 * passes on the notifier's own worker thread (smdp_notifier_start), never
 * on its event loop; the loop only wakes it (smdp_notifier_wake) after
 * queuing. Delivery is at least once: a daemon that dies after sending but
 * before completing sends again once the lease expires, with the same
 * functionCallIdentifier ("notification-<job id>") so the operator can
 * recognise the repeat.
 */
#ifndef AIRWRITE_SMDP_ES2P_NOTIFIER_H
#define AIRWRITE_SMDP_ES2P_NOTIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SMDP_NOTIFIER_DEFAULT_MAX_ATTEMPTS 20
#define SMDP_NOTIFIER_DEFAULT_LEASE_MS 60000
#define SMDP_NOTIFIER_DEFAULT_POLL_MS 1000u
#define SMDP_NOTIFIER_DEFAULT_TIMEOUT_MS 10000u
#define SMDP_NOTIFIER_BATCH 16u
#define SMDP_NOTIFIER_URL_MAX 512u

/* Where one operator's notifications go. An order's operator is matched by
 * its certificate subject and/or functionRequesterIdentifier (NULL: that
 * one is not compared; at least one must be given); the first match wins. */
typedef struct smdp_operator_endpoint {
    const char *subject;      /* RFC 2253, as http_request_peer_subject gives it */
    const char *requester_id; /* header.functionRequesterIdentifier of its orders */
    const char *base_url;     /* "https://host[:port][/prefix]"; the path is appended */
} smdp_operator_endpoint;

typedef struct smdp_notifier_config {
    const char *database_url;     /* the SM-DP+ database (db_open URL) */
    const char *ca_file;          /* CA certificates the operators' servers chain to */
    const char *certificate_file; /* this SM-DP+'s TLS client certificate (PEM) */
    const char *key_file;         /* its key */
    /* header.functionRequesterIdentifier of the notifications: who the
     * SM-DP+ is to its operators. */
    const char *requester_identifier;
    const smdp_operator_endpoint *endpoints; /* borrowed for the notifier's life */
    size_t endpoint_count;
    int64_t max_attempts;   /* 0: SMDP_NOTIFIER_DEFAULT_MAX_ATTEMPTS (<= SMDP_NOTIFY_ATTEMPTS_CEILING) */
    int64_t lease_ms;       /* 0: SMDP_NOTIFIER_DEFAULT_LEASE_MS */
    unsigned poll_ms;       /* worker: longest sleep between passes; 0: default */
    unsigned timeout_ms;    /* one delivery; 0: SMDP_NOTIFIER_DEFAULT_TIMEOUT_MS */
    const char *worker_id;  /* lease owner name; NULL: "smdp-notifier" */
} smdp_notifier_config;

typedef struct smdp_notifier smdp_notifier;

/* Open the database (migrating smdp_es2p and the queue) and build the
 * HTTPS client. AW_ERR_ARGUMENT for a missing database URL, CA,
 * requester identifier, an endpoint without base URL or without subject and
 * requester, or a limit out of range; the errors of db_open and
 * http_client_new otherwise. */
aw_err smdp_notifier_new(const smdp_notifier_config *config, smdp_notifier **out);

/* One pass at now_ms (see above); *delivered (may be NULL) counts the
 * notifications the operators accepted. Blocks on HTTPS. Not to be called
 * while the worker thread runs. */
aw_err smdp_notifier_deliver_due(smdp_notifier *notifier, int64_t now_ms, size_t *delivered);

/* Run passes on a worker thread: after each, sleep until poll_ms passed or
 * smdp_notifier_wake. AW_ERR_STATE if already started; AW_ERR_NOMEM if the
 * thread cannot start. */
aw_err smdp_notifier_start(smdp_notifier *notifier);

/* Ask the worker for a pass now (any thread; NULL-safe). */
void smdp_notifier_wake(smdp_notifier *notifier);

/* Stop and join the worker (after its current pass), close everything.
 * NULL-safe. */
void smdp_notifier_free(smdp_notifier *notifier);

#endif
