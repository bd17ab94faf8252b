/* airwrite SM-DP+ daemon component: the ES9+ HTTPS endpoint of SGP.22 6.5
 * (6.5.2.6-6.5.2.10 over 6.1/6.2 HTTPS with CERT.DPtls, 2.6.6) on a
 * caller's event_base, wired to the inventory backend (backend.h). */
#ifndef AIRWRITE_SMDP_SMDP_H
#define AIRWRITE_SMDP_SMDP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct event_base;

typedef struct smdp_config {
    const char *pki_directory;   /* dpauth/dppb/dptls(.key).pem and ci.pem (airwrite-pki init) */
    const char *database_url;    /* db_open URL, e.g. sqlite:///var/lib/airwrite/smdp.db */
    const char *key_ring_file;   /* 32-byte storage key of the Ki/OPc (key id 1) */
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
} smdp_config;

typedef struct smdp_server smdp_server;

/* Load the credentials, open and migrate the database, read the key ring
 * and create the listening server on base. */
aw_err smdp_server_new(struct event_base *base, const smdp_config *config, smdp_server **out);
/* Bound port once created; 0 when not listening. */
uint16_t smdp_server_port(const smdp_server *server);
/* Bound port of the ES2+ listener; 0 when not serving ES2+. */
uint16_t smdp_server_es2p_port(const smdp_server *server);
/* Stop accepting connections (first step of a clean shutdown). */
void smdp_server_stop(smdp_server *server);
/* NULL-safe; erases keys. */
void smdp_server_free(smdp_server *server);

#endif
