/* airwrite core: the plain HTTP listener a Prometheus server scrapes
 * (GET /metrics, text exposition format 0.0.4; RFC 9110 9.3.1 GET, 9.3.2
 * HEAD), on libevent evhttp. See metrics.h. */
#include "core/metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#define METRICS_HTTP_HEADERS_MAX (8u * 1024u)
#define METRICS_HTTP_TIMEOUT_S 10

struct metrics_server {
    struct evhttp *http;
    metrics_registry *registry;
    uint16_t port;
};

static void metrics_http_send(struct evhttp_request *request, metrics_server *server)
{
    /* the path only; the query (if any) is ignored */
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(request);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    if (path == NULL || strcmp(path, "/metrics") != 0) {
        evhttp_send_error(request, 404, NULL);
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(request);
    if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
        /* RFC 9110 15.5.6 */
        evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", "GET, HEAD");
        evhttp_send_reply(request, 405, "Method Not Allowed", NULL);
        return;
    }
    char *text = NULL, length[24];
    size_t len = 0;
    bool head = method == EVHTTP_REQ_HEAD;
    struct evkeyvalq *headers = evhttp_request_get_output_headers(request);
    struct evbuffer *body = evbuffer_new();
    if (body == NULL || metrics_registry_render(server->registry, &text, &len) != AW_OK ||
        evhttp_add_header(headers, "Content-Type", METRICS_CONTENT_TYPE) != 0 ||
        snprintf(length, sizeof(length), "%zu", len) <= 0 ||
        evhttp_add_header(headers, "Content-Length", length) != 0 ||
        (!head && evbuffer_add(body, text, len) != 0)) {
        evhttp_send_error(request, 500, NULL);
    } else {
        /* RFC 9110 9.3.2: HEAD gets the headers of GET without the body */
        evhttp_send_reply(request, 200, "OK", body);
    }
    free(text);
    if (body != NULL)
        evbuffer_free(body);
}

static void metrics_http_handle(struct evhttp_request *request, void *userdata)
{
    metrics_http_send(request, userdata);
}

aw_err metrics_server_new(struct event_base *base, const char *address, uint16_t port,
                          metrics_registry *registry, metrics_server **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (base == NULL || address == NULL || registry == NULL)
        return AW_ERR_ARGUMENT;
    metrics_server *server = calloc(1, sizeof(*server));
    if (server == NULL)
        return AW_ERR_NOMEM;
    server->registry = registry;
    server->http = evhttp_new(base);
    if (server->http == NULL) {
        free(server);
        return AW_ERR_NOMEM;
    }
    /* every method reaches the handler, which answers 405 to all but GET
     * and HEAD (evhttp itself would answer 501) */
    evhttp_set_allowed_methods(server->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
                                                 EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                                 EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(server->http, METRICS_HTTP_HEADERS_MAX);
    evhttp_set_max_body_size(server->http, 0);
    evhttp_set_timeout(server->http, METRICS_HTTP_TIMEOUT_S);
    evhttp_set_gencb(server->http, metrics_http_handle, server);
    struct evhttp_bound_socket *bound =
        evhttp_bind_socket_with_handle(server->http, address, port);
    struct sockaddr_storage ss;
    socklen_t ss_len = sizeof(ss);
    if (bound == NULL ||
        getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss, &ss_len) != 0) {
        metrics_server_free(server);
        return AW_ERR_HTTP_BIND;
    }
    if (ss.ss_family == AF_INET)
        server->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
        server->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    *out = server;
    return AW_OK;
}

uint16_t metrics_server_port(const metrics_server *server)
{
    return server != NULL ? server->port : 0;
}

void metrics_server_free(metrics_server *server)
{
    if (server == NULL)
        return;
    if (server->http != NULL)
        evhttp_free(server->http);
    free(server);
}
