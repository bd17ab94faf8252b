/* airwrite SM-DP+ daemon component: the ES9+ HTTPS endpoint of SGP.22 6.5
 * (6.5.2.6-6.5.2.10 over 6.1/6.2 HTTPS with CERT.DPtls, 2.6.6) on a
 * caller's event_base, wired to the inventory backend (backend.h). */
#ifndef AIRWRITE_SMDP_SMDP_H
#define AIRWRITE_SMDP_SMDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct event_base;
struct aw_log; /* core/log.h */
struct smdp_operator_endpoint; /* es2p_notifier.h */

/* Default smdp_config.bound_session_lifetime_ms: a week. The eUICC keeps
 * its ProfileInstallationResult until the SM-DP+ acknowledged it (SGP.22
 * 3.5), so a device out of coverage for days still gets it counted. */
#define SMDP_BOUND_SESSION_LIFETIME_MS (7 * 24 * 3600 * 1000LL)

typedef struct smdp_config {
    const char *pki_directory;   /* dpauth/dppb/dptls(.key).pem and ci.pem (airwrite-pki init) */
    const char *database_url;    /* db_open URL, e.g. sqlite:///var/lib/airwrite/smdp.db */
    /* Storage keys of the Ki/OPc: a key ring directory of "<id>.key" files
     * (inventory_keys.h; the highest id encrypts new rows) or a single
     * 32-byte key file (key id 1). Every key id the inventory uses must be
     * in it (AW_ERR_SMDP_KEY_MISSING). */
    const char *key_ring_file;
    const char *address;         /* IP literal to listen on; NULL: "127.0.0.1" */
    uint16_t port;               /* 0: an ephemeral port (smdp_server_port) */
    const char *smdp_address;    /* FQDN of this SM-DP+ (SGP.22 5.6.1); NULL: "localhost" */
    const char *smdp_oid;        /* NULL: the registeredID of CERT.DPauth */
    /* ES2+ for the operators (SGP.22 5.3 over the 6.5 JSON binding) on a
     * second HTTPS listener (same address, CERT.DPtls) with mutual TLS
     * (SGP.22 2.6.6: the SM-DP+ authenticates the operator): served only
     * when es2p_client_ca_file, the operators' CA certificates (PEM), is
     * set. A connection without a client certificate verified by it is
     * refused in the TLS handshake. */
    const char *es2p_client_ca_file;
    uint16_t es2p_port;          /* 0: an ephemeral port (smdp_server_es2p_port) */
    /* NULL: any verified operator certificate. Else the RFC 2253 subjects
     * ("CN=...,O=...") allowed to call ES2+; others get HTTP 403. Borrowed:
     * the array and strings must outlive the server. */
    const char *const *es2p_allowed_subjects;
    size_t es2p_allowed_subject_count;
    /* ES2+ orders expire this long after DownloadOrder unless installed
     * (es2p.h); 0: never. */
    int64_t es2p_order_lifetime_ms;
    /* How long after GetBoundProfilePackage (SGP.22 5.6.2) the session
     * stays in the database for its ProfileInstallationResult (5.6.4) or
     * CancelSession (5.6.5), across restarts and for every SM-DP+ process
     * on the database (es9p_durable.h). 0: SMDP_BOUND_SESSION_LIFETIME_MS. */
    int64_t bound_session_lifetime_ms;
    /* ES2+.HandleDownloadProgressInfo to the operators (SGP.22 5.3.5,
     * es2p_notifier.h), sent only when es2p_operator_ca_file, the CA
     * certificates (PEM) the operators' HTTPS servers chain to, is set; the
     * SM-DP+ presents dptls.pem as its client certificate. es2p_operators
     * (borrowed, must outlive the server) maps each order's operator to its
     * base URL. es2p_requester_identifier is the SM-DP+'s
     * functionRequesterIdentifier (NULL: smdp_address). 0: defaults. */
    const char *es2p_operator_ca_file;
    const struct smdp_operator_endpoint *es2p_operators;
    size_t es2p_operator_count;
    const char *es2p_requester_identifier;
    int64_t es2p_notify_max_attempts;
    unsigned es2p_notify_poll_ms;
    /* Operations (server_ops.h). log (borrowed, NULL: none) receives one
     * JSON line per request and the daemon's events. Prometheus metrics
     * (text format 0.0.4, GET /metrics) on an own plain HTTP listener when
     * metrics_listen (metrics_address, NULL: "127.0.0.1"; metrics_port 0:
     * ephemeral, smdp_server_metrics_port), and/or on the ES9+ HTTPS
     * listener when metrics_on_es9p. */
    struct aw_log *log;
    bool metrics_listen;
    const char *metrics_address;
    uint16_t metrics_port;
    bool metrics_on_es9p;
} smdp_config;

typedef struct smdp_server smdp_server;

/* Load the credentials, open and migrate the database, read the key ring
 * and create the listening server on base. */
aw_err smdp_server_new(struct event_base *base, const smdp_config *config, smdp_server **out);
/* Bound port once created; 0 when not listening. */
uint16_t smdp_server_port(const smdp_server *server);
/* Bound port of the ES2+ listener; 0 when not serving ES2+. */
uint16_t smdp_server_es2p_port(const smdp_server *server);
/* Bound port of the metrics listener; 0 when there is none. */
uint16_t smdp_server_metrics_port(const smdp_server *server);
/* Read the key ring again (e.g. on SIGHUP, after a key was added): the new
 * ring replaces the old one only if it loads and holds every key id the
 * inventory uses; otherwise the old one stays and the error is returned.
 * Call on the loop thread. */
aw_err smdp_server_reload_key_ring(smdp_server *server);
/* The database writer of the ES9+ endpoint (writer.h): the state changes
 * of ES9+ requests are committed on its own thread, grouped, each answer
 * sent once its changes are durable. */
typedef struct smdp_server_stats {
    uint64_t writes_submitted;    /* ES9+ requests whose changes went to the writer */
    uint64_t writes_committed;    /* ... committed (durable) */
    uint64_t writes_failed;       /* ... refused: answered 1.2 / 4.2 Execution Error */
    uint64_t write_transactions;  /* commits made for them (group commit: fewer) */
    double writer_cpu_seconds;    /* CPU time of the writer thread */
} smdp_server_stats;

/* Figures so far (zero for NULL); any thread. */
void smdp_server_get_stats(const smdp_server *server, smdp_server_stats *out);
/* Stop accepting connections (first step of a clean shutdown). */
void smdp_server_stop(smdp_server *server);
/* NULL-safe; erases keys. ES9+ requests still waiting for their commit
 * (smdp_server_stats) are answered 503 by the HTTP server, their state
 * changes are still committed before it returns. */
void smdp_server_free(smdp_server *server);

#endif
