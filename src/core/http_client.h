/* airwrite core: HTTPS client on libcurl + OpenSSL, the requesting side of
 * SGP.32 ESipa (IPA -> eIM, 6.1), SGP.22 ES9+/ES2+ (6.1/6.3: eIM or
 * operator -> SM-DP+) and callbacks.
 *
 * TLS policy as the server's (http_server.h): TLS 1.2 minimum (1.3
 * preferred), ECDHE + AEAD suites only, groups X25519/P-256/P-384/
 * brainpoolP256r1; the server certificate must chain to the configured CA
 * file and name the URL's host (DNS name or IP address, RFC 6125).
 * https:// URLs only; no redirects are followed; no proxy from the
 * environment is used.
 *
 * BLOCKING: http_client_send blocks the calling thread until the exchange
 * ends or times out. Use it from worker threads or tools, never from an
 * event loop thread. One http_client (one CURL handle) keeps its connection
 * open between requests to the same host (HTTP/1.1 keep-alive); a client is
 * not thread-safe, use one per thread. Bodies and headers are never logged.
 * As for the server, the process must ignore SIGPIPE (libcurl is told not
 * to touch signals, CURLOPT_NOSIGNAL, as it must in threaded programs).
 */
#ifndef AIRWRITE_CORE_HTTP_CLIENT_H
#define AIRWRITE_CORE_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/http_server.h" /* aw_http_method */

#define HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define HTTP_CLIENT_DEFAULT_TIMEOUT_MS 30000u
#define HTTP_CLIENT_DEFAULT_MAX_RESPONSE (1024u * 1024u)
#define HTTP_CLIENT_MAX_HEADERS 32

typedef struct http_client http_client;

typedef struct http_client_config {
    const char *ca_file;            /* required: PEM CA certificates the server must chain to */
    const char *certificate_file;   /* optional client certificate chain (PEM), mutual TLS */
    const char *key_file;           /* its private key (PEM); required with certificate_file */
    unsigned connect_timeout_ms;    /* 0: HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS */
    unsigned timeout_ms;            /* 0: HTTP_CLIENT_DEFAULT_TIMEOUT_MS, whole exchange */
    size_t max_response_size;       /* 0: HTTP_CLIENT_DEFAULT_MAX_RESPONSE (body bytes) */
    bool tls12_only;                /* cap at TLS 1.2 (e.g. brainpool servers) */
} http_client_config;

typedef struct http_header {
    const char *name;
    const char *value;
} http_header;

typedef struct http_client_request {
    aw_http_method method;          /* GET, POST, PUT, DELETE or PATCH */
    const char *url;                /* "https://host:port/path?query" */
    const http_header *headers;     /* request headers (no CR/LF) */
    size_t header_count;            /* at most HTTP_CLIENT_MAX_HEADERS */
    const void *body;               /* sent with POST/PUT/PATCH */
    size_t body_len;
    bool close_connection;          /* send "Connection: close" */
    /* Response headers to return (case-insensitive names); others are dropped. */
    const char *const *response_header_names;
    size_t response_header_count;   /* at most HTTP_CLIENT_MAX_HEADERS */
} http_client_request;

typedef struct http_client_response {
    int status;                     /* HTTP status code */
    uint8_t *body;                  /* body bytes plus a NUL (not counted); never NULL */
    size_t body_len;
    bool connection_reused;         /* sent on a connection kept from an earlier request */
    size_t header_count;            /* = request's response_header_count */
    char **header_values;           /* [i]: value of response_header_names[i], NULL if absent */
} http_client_response;

/* AW_ERR_ARGUMENT: no ca_file, or a key without a certificate or vice
 * versa. The client certificate and key are loaded here, once (see
 * http_tls_client_credential): AW_ERR_HTTP_TLS_CONFIG when they cannot be
 * loaded or do not match, AW_ERR_IO when a file cannot be read. */
aw_err http_client_new(const http_client_config *config, http_client **out);
void http_client_free(http_client *client);

/* Send one request and wait for the whole response. Errors:
 *   AW_ERR_ARGUMENT          bad request (not https://, bad header, bad method)
 *   AW_ERR_HTTP_TLS_CONFIG   CA file, client certificate or key not loadable
 *   AW_ERR_HTTP_CONNECT      cannot resolve or connect
 *   AW_ERR_HTTP_TLS          handshake failed or TLS alert from the server (e.g.
 *                            protocol version, client certificate refused)
 *   AW_ERR_HTTP_CERTIFICATE  server certificate untrusted or for another host
 *   AW_ERR_HTTP_TIMEOUT      connect or exchange timed out
 *   AW_ERR_LIMIT             response body larger than max_response_size
 *   AW_ERR_HTTP_TRANSFER     anything else (reset, malformed response); in TLS
 *                            1.3 also a client certificate refusal whose alert
 *                            was overtaken by the server's connection reset
 * An HTTP error status (4xx, 5xx) is AW_OK with response->status set. */
aw_err http_client_send(http_client *client, const http_client_request *request,
                        http_client_response **response);
void http_client_response_free(http_client_response *response);

/* libcurl's text for the last failure ("" if none): for logs; it names
 * hosts and TLS reasons, never bodies. */
const char *http_client_last_error(const http_client *client);

#endif
