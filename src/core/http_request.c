/* airwrite core: request handles of the HTTPS server (http_server.h):
 * request accessors, response building, deferred (asynchronous) completion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/x509.h>

#include "core/http_internal.h"

static const uint8_t empty_body[1] = {0};

/* Copy the client certificate; with mutual TLS the handshake only succeeds
 * once it verified, the verify result check guards against a context set
 * up without SSL_VERIFY_FAIL_IF_NO_PEER_CERT. */
static aw_err copy_peer_certificate(http_request *request, SSL *ssl)
{
    X509 *peer = SSL_get0_peer_certificate(ssl);
    if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return AW_OK;
    aw_err err = AW_ERR_NOMEM;
    BIO *bio = NULL;
    unsigned char *der = NULL;
    int der_len = i2d_X509(peer, &der);
    if (der_len <= 0)
        goto cleanup;
    if ((bio = BIO_new(BIO_s_mem())) == NULL ||
        X509_NAME_print_ex(bio, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) < 0)
        goto cleanup;
    char *text = NULL;
    long text_len = BIO_get_mem_data(bio, &text);
    if (text_len < 0 || (request->peer_subject = malloc((size_t)text_len + 1)) == NULL)
        goto cleanup;
    memcpy(request->peer_subject, text, (size_t)text_len);
    request->peer_subject[text_len] = '\0';
    if ((request->peer_der = malloc((size_t)der_len)) == NULL)
        goto cleanup;
    memcpy(request->peer_der, der, (size_t)der_len);
    request->peer_der_len = (size_t)der_len;
    err = AW_OK;
cleanup:
    OPENSSL_free(der);
    BIO_free(bio);
    return err;
}

static void request_free(http_request *request)
{
    if (request == NULL)
        return;
    evhttp_clear_headers(&request->query_parameters);
    free(request->peer_der);
    free(request->peer_subject);
    free(request);
}

aw_err http_request_create(http_server *server, struct evhttp_request *req, aw_http_method method,
                           const char *path, SSL *ssl, http_request **out)
{
    *out = NULL;
    http_request *request = calloc(1, sizeof(*request));
    if (request == NULL)
        return AW_ERR_NOMEM;
    TAILQ_INIT(&request->query_parameters);
    request->server = server;
    request->req = req;
    request->method = method;
    request->path = path;
    request->query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    request->status = HTTP_OK;
    struct evbuffer *input = evhttp_request_get_input_buffer(req);
    request->body_len = evbuffer_get_length(input);
    /* One contiguous copy inside the evbuffer; bounded by max_body_size. */
    request->body = request->body_len ? evbuffer_pullup(input, -1) : empty_body;
    if (request->body == NULL)
        goto nomem;
    char *address = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &address, &port);
    if (address != NULL)
        snprintf(request->peer_address, sizeof(request->peer_address), "%s", address);
    if (copy_peer_certificate(request, ssl) != AW_OK)
        goto nomem;
    *out = request;
    return AW_OK;
nomem:
    request_free(request);
    return AW_ERR_NOMEM;
}

static void unlink_pending(http_request *request)
{
    if (!request->deferred || request->server == NULL)
        return;
    if (request->prev != NULL)
        request->prev->next = request->next;
    else
        request->server->pending = request->next;
    if (request->next != NULL)
        request->next->prev = request->prev;
    atomic_fetch_sub_explicit(&request->server->requests_pending, 1, memory_order_relaxed);
}

void http_request_send(http_request *request)
{
    unlink_pending(request);
    int status = request->status;
    if (status < 100 || status > 599)
        status = HTTP_INTERNAL;
    /* evhttp frees req once written, or at once if its connection is gone. */
    evhttp_send_reply(request->req, status, NULL, NULL);
    request_free(request);
}

void http_request_orphan(http_request *request)
{
    unlink_pending(request);
    evhttp_send_error(request->req, HTTP_SERVUNAVAIL, NULL);
    request->server = NULL;
    request->req = NULL;
}

void http_request_redispatch(http_request *request)
{
    if (request == NULL || request->in_handler || !request->deferred)
        return;
    if (request->req == NULL) { /* orphaned: the server already answered 503 */
        request_free(request);
        return;
    }
    /* as dispatch does: not pending while its handler runs, which may
     * defer it again or leave its answer to be sent on return */
    unlink_pending(request);
    request->deferred = false;
    request->in_handler = true;
    request->handler(request, request->handler_userdata);
    request->in_handler = false;
    if (!request->deferred)
        http_request_send(request);
}

aw_http_method http_request_method(const http_request *request)
{
    return request->method;
}

unsigned http_request_allowed_methods(const http_request *request)
{
    return request->allowed_methods;
}

const char *http_request_path(const http_request *request)
{
    return request->path;
}

const char *http_request_query(const http_request *request)
{
    return request->query;
}

aw_err http_request_query_parameter(http_request *request, const char *name, const char **value)
{
    *value = NULL;
    if (name == NULL)
        return AW_ERR_ARGUMENT;
    if (request->query == NULL)
        return AW_ERR_NOT_FOUND;
    if (request->query_state == 0)
        request->query_state =
            evhttp_parse_query_str(request->query, &request->query_parameters) == 0 ? 1 : -1;
    if (request->query_state < 0)
        return AW_ERR_ARGUMENT;
    *value = evhttp_find_header(&request->query_parameters, name);
    return *value != NULL ? AW_OK : AW_ERR_NOT_FOUND;
}

const char *http_request_header(const http_request *request, const char *name)
{
    if (request->req == NULL || name == NULL)
        return NULL;
    return evhttp_find_header(evhttp_request_get_input_headers(request->req), name);
}

const uint8_t *http_request_body(const http_request *request, size_t *len)
{
    *len = request->body_len;
    return request->body;
}

const char *http_request_peer_address(const http_request *request)
{
    return request->peer_address;
}

aw_slice http_request_peer_certificate(const http_request *request)
{
    return (aw_slice){.ptr = request->peer_der, .len = request->peer_der_len};
}

const char *http_request_peer_subject(const http_request *request)
{
    return request->peer_subject;
}

void http_request_set_status(http_request *request, int status)
{
    request->status = status;
}

static bool header_text_ok(const char *text)
{
    return strpbrk(text, "\r\n") == NULL;
}

aw_err http_request_add_header(http_request *request, const char *name, const char *value)
{
    if (name == NULL || value == NULL || name[0] == '\0' || !header_text_ok(name) ||
        !header_text_ok(value) || strchr(name, ':') != NULL)
        return AW_ERR_ARGUMENT;
    if (request->req == NULL)
        return AW_ERR_STATE;
    if (evhttp_add_header(evhttp_request_get_output_headers(request->req), name, value) != 0)
        return AW_ERR_NOMEM;
    return AW_OK;
}

aw_err http_request_set_body(http_request *request, const void *data, size_t len)
{
    if (data == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    if (request->req == NULL)
        return AW_ERR_STATE;
    struct evbuffer *output = evhttp_request_get_output_buffer(request->req);
    evbuffer_drain(output, evbuffer_get_length(output));
    if (len != 0 && evbuffer_add(output, data, len) != 0)
        return AW_ERR_NOMEM;
    return AW_OK;
}

aw_err http_request_defer(http_request *request)
{
    if (!request->in_handler || request->deferred)
        return AW_ERR_STATE;
    request->deferred = true;
    request->prev = NULL;
    request->next = request->server->pending;
    if (request->next != NULL)
        request->next->prev = request;
    request->server->pending = request;
    atomic_fetch_add_explicit(&request->server->requests_pending, 1, memory_order_relaxed);
    return AW_OK;
}

void http_request_complete(http_request *request)
{
    if (request == NULL)
        return;
    if (request->req == NULL) { /* orphaned: the server already answered 503 */
        request_free(request);
        return;
    }
    if (request->in_handler) { /* deferred and completed at once: sent on return */
        unlink_pending(request);
        request->deferred = false;
        return;
    }
    http_request_send(request);
}
