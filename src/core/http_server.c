/* airwrite core: HTTPS server on libevent evhttp + bufferevent_openssl
 * (transport of SGP.22 ES9+/ES2+ 6.1/6.3 and SGP.32 ESipa 6.1; TLS policy
 * in http_server.h, context in http_tls.c; request handles in
 * http_request.c). */
#include "core/http_server.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <event2/http.h>

#include "core/http_internal.h"
#include "core/http_tls.h"

const char *http_method_name(aw_http_method method)
{
    switch (method) {
    case AW_HTTP_METHOD_GET: return "GET";
    case AW_HTTP_METHOD_POST: return "POST";
    case AW_HTTP_METHOD_PUT: return "PUT";
    case AW_HTTP_METHOD_DELETE: return "DELETE";
    case AW_HTTP_METHOD_PATCH: return "PATCH";
    case AW_HTTP_METHOD_HEAD: return "HEAD";
    case AW_HTTP_METHOD_OPTIONS: return "OPTIONS";
    }
    return "?";
}

static aw_http_method method_from_libevent(enum evhttp_cmd_type type)
{
    switch (type) {
    case EVHTTP_REQ_GET: return AW_HTTP_METHOD_GET;
    case EVHTTP_REQ_POST: return AW_HTTP_METHOD_POST;
    case EVHTTP_REQ_PUT: return AW_HTTP_METHOD_PUT;
    case EVHTTP_REQ_DELETE: return AW_HTTP_METHOD_DELETE;
    case EVHTTP_REQ_PATCH: return AW_HTTP_METHOD_PATCH;
    case EVHTTP_REQ_HEAD: return AW_HTTP_METHOD_HEAD;
    case EVHTTP_REQ_OPTIONS: return AW_HTTP_METHOD_OPTIONS;
    default: return 0; /* TRACE, CONNECT: refused by evhttp_set_allowed_methods */
    }
}

static bool is_one_method(aw_http_method method)
{
    unsigned m = (unsigned)method;
    return m != 0 && (m & (m - 1)) == 0 && m <= (unsigned)AW_HTTP_METHOD_OPTIONS;
}

/* Each accepted connection gets its own TLS bufferevent (evhttp sets the fd). */
static struct bufferevent *make_tls_bufferevent(struct event_base *base, void *arg)
{
    http_server *server = arg;
    atomic_fetch_add_explicit(&server->connections_accepted, 1, memory_order_relaxed);
    SSL *ssl = SSL_new(server->tls);
    if (ssl == NULL)
        return NULL; /* evhttp then uses a plain socket: dispatch refuses it */
    struct bufferevent *bev =
        bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                       BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev == NULL)
        return NULL;
    /* Clients that close the TCP connection without close_notify after a
     * complete response are common (RFC 8446 6.1 leaves it to the app). */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* RFC 9110 15.5.6: a 405 lists the methods the target supports. */
static void add_allow_header(struct evhttp_request *req, unsigned allowed)
{
    char list[80] = "";
    for (unsigned bit = 1; bit <= (unsigned)AW_HTTP_METHOD_OPTIONS; bit <<= 1) {
        if ((allowed & bit) == 0)
            continue;
        if (list[0] != '\0')
            strcat(list, ", ");
        strcat(list, http_method_name((aw_http_method)bit));
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", list);
}

static unsigned allowed_methods(const http_server *server, const char *path)
{
    unsigned allowed = 0;
    for (size_t i = 0; i < server->route_count; i++) {
        if (strcmp(server->routes[i].path, path) == 0)
            allowed |= (unsigned)server->routes[i].method;
    }
    return allowed;
}

static void answer_unrouted(http_server *server, struct evhttp_request *req, const char *path)
{
    unsigned allowed = allowed_methods(server, path);
    atomic_fetch_add_explicit(&server->requests_rejected, 1, memory_order_relaxed);
    if (allowed == 0) {
        evhttp_send_reply(req, HTTP_NOTFOUND, NULL, NULL);
        return;
    }
    add_allow_header(req, allowed);
    /* evhttp_send_reply, not evhttp_send_error: the latter drops the headers
     * and closes the connection; a keep-alive client may continue. */
    evhttp_send_reply(req, HTTP_BADMETHOD, NULL, NULL);
}

/* RFC 8446 6.1: a TLS endpoint MUST send close_notify before closing the
 * write side; libevent 2.1 frees the TLS bufferevent without SSL_shutdown,
 * so the connection's close callback sends it. */
static void send_close_notify(struct evhttp_connection *connection, void *arg)
{
    (void)arg;
    struct bufferevent *bev = evhttp_connection_get_bufferevent(connection);
    SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
    if (ssl != NULL && SSL_is_init_finished(ssl))
        (void)SSL_shutdown(ssl);
    ERR_clear_error(); /* a peer already gone is no error of ours */
}

static void dispatch(struct evhttp_request *req, void *arg)
{
    http_server *server = arg;
    struct evhttp_connection *connection = evhttp_request_get_connection(req);
    struct bufferevent *bev =
        connection != NULL ? evhttp_connection_get_bufferevent(connection) : NULL;
    /* Only ever serve over TLS, even if making the TLS bufferevent failed. */
    if (bev == NULL || bufferevent_openssl_get_ssl(bev) == NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
    }
    evhttp_connection_set_closecb(connection, send_close_notify, NULL);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    aw_http_method method = method_from_libevent(evhttp_request_get_command(req));
    if (path == NULL)
        path = "";
    const http_route *route = NULL;
    for (size_t i = 0; i < server->route_count && route == NULL; i++) {
        if (server->routes[i].method == method && strcmp(server->routes[i].path, path) == 0)
            route = &server->routes[i];
    }
    if (route == NULL && server->fallback == NULL) {
        answer_unrouted(server, req, path);
        return;
    }
    http_request *request = NULL;
    if (http_request_create(server, req, method, path, bufferevent_openssl_get_ssl(bev),
                            &request) != AW_OK) {
        evhttp_send_reply(req, HTTP_SERVUNAVAIL, NULL, NULL);
        return;
    }
    http_handler handler = route != NULL ? route->handler : server->fallback;
    void *userdata = route != NULL ? route->userdata : server->fallback_userdata;
    if (route != NULL) {
        atomic_fetch_add_explicit(&server->requests_dispatched, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&server->requests_rejected, 1, memory_order_relaxed);
        request->allowed_methods = allowed_methods(server, path);
        if (request->allowed_methods != 0)
            add_allow_header(req, request->allowed_methods);
    }
    request->handler = handler;
    request->handler_userdata = userdata;
    request->in_handler = true;
    handler(request, userdata);
    request->in_handler = false;
    if (!request->deferred)
        http_request_send(request);
}

static aw_err check_config(const http_server_config *config)
{
    unsigned char addr[sizeof(struct in6_addr)];
    if (config->address == NULL || (inet_pton(AF_INET, config->address, addr) != 1 &&
                                    inet_pton(AF_INET6, config->address, addr) != 1))
        return AW_ERR_ARGUMENT; /* IP literals only: binding never resolves names */
    if ((config->certificate_pem == NULL && config->certificate_file == NULL) ||
        (config->key_pem == NULL && config->key_file == NULL))
        return AW_ERR_ARGUMENT;
    return AW_OK;
}

aw_err http_server_new(struct event_base *base, const http_server_config *config,
                       http_server **out)
{
    *out = NULL;
    if (base == NULL || config == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = check_config(config);
    if (err != AW_OK)
        return err;
    http_server *server = calloc(1, sizeof(*server));
    if (server == NULL)
        return AW_ERR_NOMEM;
    server->base = base;
    server->port_requested = config->port;
    err = AW_ERR_NOMEM;
    if ((server->address = strdup(config->address)) == NULL)
        goto cleanup;
    if ((err = http_tls_server_context(config, &server->tls)) != AW_OK)
        goto cleanup;
    err = AW_ERR_NOMEM;
    if ((server->http = evhttp_new(base)) == NULL)
        goto cleanup;
    size_t max_body = config->max_body_size ? config->max_body_size : HTTP_SERVER_DEFAULT_MAX_BODY;
    size_t max_headers =
        config->max_header_size ? config->max_header_size : HTTP_SERVER_DEFAULT_MAX_HEADERS;
    unsigned timeout_ms = config->timeout_ms ? config->timeout_ms : HTTP_SERVER_DEFAULT_TIMEOUT_MS;
    struct timeval timeout = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    evhttp_set_max_body_size(server->http, (ev_ssize_t)max_body);
    evhttp_set_max_headers_size(server->http, (ev_ssize_t)max_headers);
    evhttp_set_timeout_tv(server->http, &timeout);
    evhttp_set_allowed_methods(server->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                 EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                                 EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
    /* No implicit text/html content type: handlers say what they send. */
    evhttp_set_default_content_type(server->http, NULL);
    evhttp_set_bevcb(server->http, make_tls_bufferevent, server);
    evhttp_set_gencb(server->http, dispatch, server);
    *out = server;
    server = NULL;
    err = AW_OK;
cleanup:
    http_server_free(server);
    return err;
}

struct event_base *http_server_event_base(const http_server *server)
{
    return server != NULL ? server->base : NULL;
}

aw_err http_server_route(http_server *server, aw_http_method method, const char *path,
                         http_handler handler, void *userdata)
{
    if (server == NULL || path == NULL || path[0] != '/' || handler == NULL ||
        !is_one_method(method))
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < server->route_count; i++) {
        if (server->routes[i].method == method && strcmp(server->routes[i].path, path) == 0)
            return AW_ERR_STATE;
    }
    if (server->route_count == HTTP_SERVER_MAX_ROUTES)
        return AW_ERR_LIMIT;
    char *copy = strdup(path);
    if (copy == NULL)
        return AW_ERR_NOMEM;
    server->routes[server->route_count++] =
        (http_route){.method = method, .path = copy, .handler = handler, .userdata = userdata};
    return AW_OK;
}

aw_err http_server_set_fallback(http_server *server, http_handler handler, void *userdata)
{
    if (server == NULL || handler == NULL)
        return AW_ERR_ARGUMENT;
    server->fallback = handler;
    server->fallback_userdata = userdata;
    return AW_OK;
}

aw_err http_server_start(http_server *server)
{
    if (server == NULL)
        return AW_ERR_ARGUMENT;
    if (server->listener != NULL)
        return AW_ERR_STATE;
    server->listener =
        evhttp_bind_socket_with_handle(server->http, server->address, server->port_requested);
    if (server->listener == NULL)
        return AW_ERR_HTTP_BIND;
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof(bound);
    evutil_socket_t fd = evhttp_bound_socket_get_fd(server->listener);
    /* Responses go out as several small TLS records: with Nagle's algorithm
     * on, each waits for the peer's delayed ACK (~40 ms a request, measured
     * by bench_smdp_download). Linux copies TCP_NODELAY from the listening
     * socket to every socket accept() returns. */
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        http_server_stop(server);
        return AW_ERR_HTTP_BIND;
    }
    server->port_bound = bound.ss_family == AF_INET6
                             ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                             : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return AW_OK;
}

uint16_t http_server_port(const http_server *server)
{
    return server != NULL ? server->port_bound : 0;
}

void http_server_stop(http_server *server)
{
    if (server == NULL || server->listener == NULL)
        return;
    evhttp_del_accept_socket(server->http, server->listener);
    server->listener = NULL;
    server->port_bound = 0;
}

void http_server_get_stats(const http_server *server, http_server_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (server == NULL)
        return;
    /* The casts drop const: C17 atomic loads take non-const pointers. */
    http_server *s = (http_server *)server;
    out->connections_accepted = atomic_load_explicit(&s->connections_accepted, memory_order_relaxed);
    out->requests_dispatched = atomic_load_explicit(&s->requests_dispatched, memory_order_relaxed);
    out->requests_rejected = atomic_load_explicit(&s->requests_rejected, memory_order_relaxed);
    out->requests_pending = atomic_load_explicit(&s->requests_pending, memory_order_relaxed);
}

void http_server_free(http_server *server)
{
    if (server == NULL)
        return;
    http_server_stop(server);
    /* Deferred requests: answer 503 so evhttp can release them with their
     * connections, and leave the handles to http_request_complete. */
    while (server->pending != NULL)
        http_request_orphan(server->pending);
    if (server->http != NULL)
        evhttp_free(server->http);
    for (size_t i = 0; i < server->route_count; i++)
        free(server->routes[i].path);
    SSL_CTX_free(server->tls);
    free(server->address);
    free(server);
}
