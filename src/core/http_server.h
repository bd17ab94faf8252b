/* airwrite core: HTTPS server on libevent evhttp + bufferevent_openssl, the
 * transport under the SM-DP+ ES9+/ES2+ (SGP.22 6.1, 6.3: HTTPS over TLS),
 * the eIM ESipa (SGP.32 6.1) and the platform's northbound API.
 *
 * TLS policy (SGP.22 2.6.6 "TLS" / RFC 7525 and RFC 9325 recommendations):
 *   - TLS 1.2 and TLS 1.3 only;
 *   - TLS 1.2 suites: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
 *     only (no CBC, no static RSA/DH key exchange, no SHA-1 MACs);
 *   - TLS 1.3 suites: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 *     TLS_CHACHA20_POLY1305_SHA256;
 *   - groups X25519, P-256, P-384, brainpoolP256r1 (SGP.22 2.6.5 allows
 *     brainpoolP256r1 certificates, RFC 7027 defines it for TLS 1.2);
 *   - a server whose certificate key is on brainpoolP256r1 is capped at TLS
 *     1.2: OpenSSL 3.0 has no TLS 1.3 signature scheme for brainpool keys
 *     (RFC 8734 schemes arrived in OpenSSL 3.2), so a TLS 1.3 handshake
 *     could not be signed; clients negotiate 1.2 and must offer the group;
 *   - renegotiation and compression off, server cipher preference on.
 *
 * Threading: every function here, and every handler, runs on the thread of
 * the event_base the server was created on (or while that loop is not
 * running). The library never blocks, sleeps or starts threads; a worker
 * thread that finishes a deferred request hands the result back to the loop
 * itself (e.g. event_base_once on a base made thread-aware with
 * evthread_use_pthreads) and calls http_request_complete there. Bodies,
 * headers and certificates are never logged.
 *
 * Signals: a write to a connection the peer reset raises SIGPIPE (libevent
 * and OpenSSL write with plain write()). Library code leaves process-wide
 * signal state alone: the daemon ignores SIGPIPE once at startup
 * (signal(SIGPIPE, SIG_IGN)), before starting threads.
 */
#ifndef AIRWRITE_CORE_HTTP_SERVER_H
#define AIRWRITE_CORE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

struct event_base;

/* Request methods (RFC 9110 9.3). Values are bits so a route table can
 * report the allowed set in a 405 answer. */
typedef enum aw_http_method {
    AW_HTTP_METHOD_GET = 1 << 0,
    AW_HTTP_METHOD_POST = 1 << 1,
    AW_HTTP_METHOD_PUT = 1 << 2,
    AW_HTTP_METHOD_DELETE = 1 << 3,
    AW_HTTP_METHOD_PATCH = 1 << 4,
    AW_HTTP_METHOD_HEAD = 1 << 5,
    AW_HTTP_METHOD_OPTIONS = 1 << 6,
} aw_http_method;

/* "GET", "POST", ...; "?" for a value that is not one method. */
const char *http_method_name(aw_http_method method);

typedef struct http_server http_server;
typedef struct http_request http_request;

/* A route handler. It reads the request, sets the response, and returns:
 * the response is sent on return, unless it called http_request_defer, in
 * which case it is sent by a later http_request_complete. */
typedef void (*http_handler)(http_request *request, void *userdata);

#define HTTP_SERVER_DEFAULT_MAX_BODY (1024u * 1024u)
#define HTTP_SERVER_DEFAULT_MAX_HEADERS (16u * 1024u)
#define HTTP_SERVER_DEFAULT_TIMEOUT_MS 30000u
#define HTTP_SERVER_MAX_ROUTES 64

typedef struct http_server_config {
    const char *address;        /* IP literal to bind: "127.0.0.1", "::1", "0.0.0.0", "::" */
    uint16_t port;              /* 0: an ephemeral port, see http_server_port */
    /* Certificate chain (leaf first, then intermediates) and private key, PEM:
     * either files or memory (the *_pem pointers win when non-NULL). */
    const char *certificate_file;
    const char *key_file;
    const char *certificate_pem;
    size_t certificate_pem_len;
    const char *key_pem;
    size_t key_pem_len;
    /* Non-NULL: mutual TLS. Every client must present a certificate that
     * verifies against the CA certificates in this PEM file, or the handshake
     * is refused. */
    const char *client_ca_file;
    size_t max_body_size;       /* 0: HTTP_SERVER_DEFAULT_MAX_BODY; larger gets 413 */
    size_t max_header_size;     /* 0: HTTP_SERVER_DEFAULT_MAX_HEADERS (request line + headers) */
    unsigned timeout_ms;        /* 0: HTTP_SERVER_DEFAULT_TIMEOUT_MS; idle read/write timeout
                                 * of a connection, TLS handshake included */
} http_server_config;

/* Counters since creation. */
typedef struct http_server_stats {
    uint64_t connections_accepted; /* TCP connections accepted (TLS handshake or not) */
    uint64_t requests_dispatched;  /* requests that reached a route handler */
    uint64_t requests_rejected;    /* answered 404 or 405 by the route table */
    uint64_t requests_pending;     /* deferred and not yet completed */
} http_server_stats;

/* Create a server on base: builds the TLS context (AW_ERR_HTTP_TLS_CONFIG if
 * the certificate, key or client CA cannot be loaded or do not match,
 * AW_ERR_ARGUMENT for a missing address or certificate). Does not listen. */
aw_err http_server_new(struct event_base *base, const http_server_config *config,
                       http_server **out);

/* Register handler for an exact path ("/gsma/rsp2/es9plus/initiateAuthentication",
 * no query) and one method. AW_ERR_ARGUMENT: path not starting with '/' or
 * method not exactly one aw_http_method; AW_ERR_STATE: the same method and
 * path are already routed; AW_ERR_LIMIT: more than HTTP_SERVER_MAX_ROUTES. A
 * request whose path matches no route is answered 404, one whose path matches
 * but not its method 405 with an Allow header. */
aw_err http_server_route(http_server *server, aw_http_method method, const char *path,
                         http_handler handler, void *userdata);

/* Answer requests no route takes with handler instead of a bare 404/405,
 * so an API can give every refusal its own body and headers (e.g. a JSON
 * error with a request id). The handler sees the request like any other;
 * http_request_allowed_methods tells it which case it is in: 0, no route
 * has the path (answer 404); otherwise the bits of the methods that do
 * (answer 405: the Allow header, RFC 9110 15.5.6, is already set). It may
 * defer. Such requests count as requests_rejected. AW_ERR_ARGUMENT without
 * a server or handler. */
aw_err http_server_set_fallback(http_server *server, http_handler handler, void *userdata);

/* Bind and listen (AW_ERR_HTTP_BIND on failure; AW_ERR_STATE if listening). */
aw_err http_server_start(http_server *server);

/* The bound port (useful with port 0); 0 when not listening. */
uint16_t http_server_port(const http_server *server);

/* The event_base the server was created on: for a handler that defers its
 * answers to a timer of its own on the same loop (e.g. the platform's group
 * commit of orders, src/platform/order_commit.c). */
struct event_base *http_server_event_base(const http_server *server);

/* Graceful shutdown, first step: stop accepting connections. Connections
 * already open keep being served, so deferred requests can still complete;
 * the caller frees the server once http_server_stats().requests_pending is 0
 * (or when it gives up waiting). */
void http_server_stop(http_server *server);

void http_server_get_stats(const http_server *server, http_server_stats *out);

/* Close every connection and free the server. Requests still deferred are
 * answered 503 (or dropped if their client left); their handles stay
 * allocated until http_request_complete, which then only frees them.
 * NULL-safe. */
void http_server_free(http_server *server);

/* ---- Requests: valid from the handler call until http_request_complete -- */

aw_http_method http_request_method(const http_request *request);
/* Path of the request target, without the query, exactly as received
 * (not percent-decoded). */
const char *http_request_path(const http_request *request);
/* Raw query string after '?', or NULL when there is none. */
const char *http_request_query(const http_request *request);
/* Value of one query parameter, percent-decoded (RFC 3986 / HTML form
 * decoding by libevent). AW_ERR_NOT_FOUND when absent or when there is no
 * query; AW_ERR_ARGUMENT when the query string is malformed. */
aw_err http_request_query_parameter(http_request *request, const char *name, const char **value);
/* In a fallback handler (http_server_set_fallback): the aw_http_method bits
 * routed at the request's path, 0 when none; 0 in a route's handler. */
unsigned http_request_allowed_methods(const http_request *request);
/* Request header value (name case-insensitive), or NULL when absent. */
const char *http_request_header(const http_request *request, const char *name);
/* Request body (never NULL; len 0 when empty). Bounded by max_body_size. */
const uint8_t *http_request_body(const http_request *request, size_t *len);
/* Peer IP address as text ("127.0.0.1", "::1"). */
const char *http_request_peer_address(const http_request *request);
/* With mutual TLS: the verified client certificate (DER) and its subject in
 * RFC 2253 form ("CN=...,O=..."). Empty slice / NULL without one. */
aw_slice http_request_peer_certificate(const http_request *request);
const char *http_request_peer_subject(const http_request *request);

/* Response. The status defaults to 200 and the body to empty. */
void http_request_set_status(http_request *request, int status);
/* AW_ERR_ARGUMENT: empty name, or CR/LF/NUL in name or value (header
 * injection); AW_ERR_NOMEM. */
aw_err http_request_add_header(http_request *request, const char *name, const char *value);
/* Replace the body with a copy of data. */
aw_err http_request_set_body(http_request *request, const void *data, size_t len);

/* From the handler: keep the request open after the handler returns.
 * AW_ERR_STATE when already deferred or not called from its handler. */
aw_err http_request_defer(http_request *request);
/* Send the response of a deferred request and free the request handle
 * (also when its connection or server is gone meanwhile: then it is only
 * freed). Must be called exactly once per deferred request, on the loop
 * thread; called from the handler itself it undoes the deferral (the
 * response goes out when the handler returns). After http_server_free,
 * this is the only call allowed on a request still deferred. */
void http_request_complete(http_request *request);
/* Instead of completing a deferred request: run its route's handler again
 * on the loop thread, as when it arrived, with the response set so far
 * kept; the response is sent when the handler returns, unless it defers
 * the request again. For work a handler waits for before it answers (the
 * platform's group commit of a call's writes). Ignored from a handler or
 * on a request not deferred; a request whose server is gone is only
 * freed. */
void http_request_redispatch(http_request *request);

#endif
