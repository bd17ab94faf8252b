/* airwrite core: internals shared by http_server.c and http_request.c. */
#ifndef AIRWRITE_CORE_HTTP_INTERNAL_H
#define AIRWRITE_CORE_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/queue.h> /* TAILQ_INIT for evkeyvalq */

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "core/http_server.h"

typedef struct http_route {
    aw_http_method method;
    char *path;
    http_handler handler;
    void *userdata;
} http_route;

struct http_server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *listener;
    SSL_CTX *tls;
    char *address;
    uint16_t port_requested;
    uint16_t port_bound;
    http_route routes[HTTP_SERVER_MAX_ROUTES];
    size_t route_count;
    http_handler fallback;       /* NULL: bare 404/405 (http_server_set_fallback) */
    void *fallback_userdata;
    http_request *pending; /* deferred requests, doubly linked */
    /* Atomic so http_server_get_stats may be read from another thread. */
    _Atomic uint64_t connections_accepted;
    _Atomic uint64_t requests_dispatched;
    _Atomic uint64_t requests_rejected;
    _Atomic uint64_t requests_pending;
};

struct http_request {
    http_server *server;         /* NULL once orphaned by http_server_free */
    struct evhttp_request *req;  /* NULL once orphaned */
    aw_http_method method;
    const char *path;            /* owned by req's URI */
    const char *query;
    struct evkeyvalq query_parameters;
    int query_state;             /* 0 not parsed, 1 parsed, -1 malformed */
    const uint8_t *body;
    size_t body_len;
    char peer_address[INET6_ADDRSTRLEN];
    uint8_t *peer_der;
    size_t peer_der_len;
    char *peer_subject;
    int status;
    bool in_handler;
    /* the handler that took it, run again by http_request_redispatch */
    http_handler handler;
    void *handler_userdata;
    unsigned allowed_methods;    /* fallback requests: methods routed at the path */
    bool deferred;
    http_request *prev;
    http_request *next;
};

/* Wrap an incoming request (copies the verified peer certificate of ssl). */
aw_err http_request_create(http_server *server, struct evhttp_request *req, aw_http_method method,
                           const char *path, SSL *ssl, http_request **out);
/* Send the response and free the handle (unlinking it if deferred). */
void http_request_send(http_request *request);
/* Server going away: answer 503, unlink, and detach the handle. */
void http_request_orphan(http_request *request);

#endif
