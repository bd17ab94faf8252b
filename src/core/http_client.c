/* airwrite core: blocking HTTPS client on libcurl + OpenSSL (SGP.32 ESipa
 * 6.1, SGP.22 ES9+/ES2+ 6.1/6.3 requesting side; TLS policy of SGP.22 2.6.6
 * as in http_tls.h). */
#include "core/http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>

#include "core/http_tls.h"

struct http_client {
    CURL *curl;
    char *ca_file;
    SSL_CTX *credential; /* client certificate and key, NULL: none */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_size;
    bool tls12_only;
    char error[CURL_ERROR_SIZE];
};

/* Response body collected under the size limit. */
typedef struct body_sink {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    bool over_limit;
    bool no_memory;
} body_sink;

static size_t on_body(char *chunk, size_t size, size_t count, void *arg)
{
    body_sink *sink = arg;
    size_t add = size * count; /* libcurl: size is always 1 */
    if (add > sink->max - sink->len) {
        sink->over_limit = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (sink->len + add + 1 > sink->cap) {
        size_t cap = sink->cap ? sink->cap : 1024;
        while (cap < sink->len + add + 1)
            cap *= 2;
        uint8_t *grown = realloc(sink->data, cap);
        if (grown == NULL) {
            sink->no_memory = true;
            return 0;
        }
        sink->data = grown;
        sink->cap = cap;
    }
    memcpy(sink->data + sink->len, chunk, add);
    sink->len += add;
    return add;
}

static char *dup_or_null(const char *text, bool *failed)
{
    if (text == NULL)
        return NULL;
    char *copy = strdup(text);
    if (copy == NULL)
        *failed = true;
    return copy;
}

aw_err http_client_new(const http_client_config *config, http_client **out)
{
    *out = NULL;
    if (config == NULL || config->ca_file == NULL ||
        (config->certificate_file == NULL) != (config->key_file == NULL))
        return AW_ERR_ARGUMENT;
    /* Reference-counted and thread-safe in libcurl >= 7.84. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return AW_ERR_NOMEM;
    http_client *client = calloc(1, sizeof(*client));
    if (client == NULL) {
        curl_global_cleanup();
        return AW_ERR_NOMEM;
    }
    bool failed = false;
    client->ca_file = dup_or_null(config->ca_file, &failed);
    client->connect_timeout_ms = config->connect_timeout_ms ? (long)config->connect_timeout_ms
                                                            : HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS;
    client->timeout_ms =
        config->timeout_ms ? (long)config->timeout_ms : HTTP_CLIENT_DEFAULT_TIMEOUT_MS;
    client->max_response_size = config->max_response_size ? config->max_response_size
                                                          : HTTP_CLIENT_DEFAULT_MAX_RESPONSE;
    client->tls12_only = config->tls12_only;
    client->curl = curl_easy_init();
    if (failed || client->curl == NULL) {
        http_client_free(client);
        return AW_ERR_NOMEM;
    }
    if (config->certificate_file != NULL) {
        aw_err err = http_tls_client_credential(config->certificate_file, config->key_file,
                                                &client->credential);
        if (err != AW_OK) {
            http_client_free(client);
            return err;
        }
    }
    *out = client;
    return AW_OK;
}

void http_client_free(http_client *client)
{
    if (client == NULL)
        return;
    curl_easy_cleanup(client->curl);
    free(client->ca_file);
    SSL_CTX_free(client->credential);
    free(client);
    curl_global_cleanup();
}

void http_client_response_free(http_client_response *response)
{
    if (response == NULL)
        return;
    for (size_t i = 0; i < response->header_count; i++)
        free(response->header_values[i]);
    free(response->header_values);
    free(response->body);
    free(response);
}

const char *http_client_last_error(const http_client *client)
{
    return client != NULL ? client->error : "";
}

static bool header_ok(const http_header *header)
{
    return header->name != NULL && header->value != NULL && header->name[0] != '\0' &&
           strpbrk(header->name, ":\r\n") == NULL && strpbrk(header->value, "\r\n") == NULL;
}

/* "Name: value" lines, plus "Expect:" (no 100-continue round trip) and
 * "Connection: close" when asked. */
static aw_err build_header_list(const http_client_request *request, struct curl_slist **out)
{
    *out = NULL;
    if (request->header_count > HTTP_CLIENT_MAX_HEADERS ||
        (request->header_count != 0 && request->headers == NULL))
        return AW_ERR_ARGUMENT;
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    if (list == NULL)
        return AW_ERR_NOMEM;
    if (request->close_connection) {
        struct curl_slist *next = curl_slist_append(list, "Connection: close");
        if (next == NULL)
            goto nomem;
        list = next;
    }
    for (size_t i = 0; i < request->header_count; i++) {
        const http_header *header = &request->headers[i];
        if (!header_ok(header)) {
            curl_slist_free_all(list);
            return AW_ERR_ARGUMENT;
        }
        size_t line_len = strlen(header->name) + strlen(header->value) + 3;
        char *line = malloc(line_len);
        if (line == NULL)
            goto nomem;
        snprintf(line, line_len, "%s: %s", header->name, header->value);
        struct curl_slist *next = curl_slist_append(list, line);
        free(line);
        if (next == NULL)
            goto nomem;
        list = next;
    }
    *out = list;
    return AW_OK;
nomem:
    curl_slist_free_all(list);
    return AW_ERR_NOMEM;
}

static aw_err set_method(CURL *curl, const http_client_request *request)
{
    if (request->body_len != 0 && request->body == NULL)
        return AW_ERR_ARGUMENT;
    const char *name = NULL;
    switch (request->method) {
    case AW_HTTP_METHOD_GET:
        return curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L) == CURLE_OK ? AW_OK : AW_ERR_NOMEM;
    case AW_HTTP_METHOD_POST:
        break;
    case AW_HTTP_METHOD_PUT:
    case AW_HTTP_METHOD_DELETE:
    case AW_HTTP_METHOD_PATCH:
        name = http_method_name(request->method);
        break;
    default:
        return AW_ERR_ARGUMENT;
    }
    /* POSTFIELDS is not copied: the body outlives the blocking perform. */
    if (curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_len) !=
            CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body_len ? request->body : "") !=
            CURLE_OK ||
        (name != NULL && curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, name) != CURLE_OK))
        return AW_ERR_NOMEM;
    return AW_OK;
}

/* libcurl's hook on each new connection's SSL_CTX: the client certificate
 * and key loaded once by http_client_new. */
static CURLcode install_credential(CURL *curl, void *ssl_ctx, void *credential)
{
    (void)curl;
    int ok = http_tls_apply_client_credential(credential, ssl_ctx);
    ERR_clear_error();
    return ok == 1 ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

/* The TLS policy of http_tls.h and the per-client settings. */
static aw_err set_transport(http_client *client, const http_client_request *request,
                            body_sink *sink, struct curl_slist *headers)
{
    CURL *c = client->curl;
    long version = CURL_SSLVERSION_TLSv1_2 |
                   (client->tls12_only ? CURL_SSLVERSION_MAX_TLSv1_2 : CURL_SSLVERSION_MAX_DEFAULT);
    bool ok =
        curl_easy_setopt(c, CURLOPT_URL, request->url) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, client->error) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CAINFO, client->ca_file) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK && /* only ca_file */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSLVERSION, version) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, HTTP_TLS12_CIPHERS) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_TLS13_CIPHERS, HTTP_TLS13_CIPHERS) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_EC_CURVES, HTTP_TLS_GROUPS) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, client->connect_timeout_ms) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, client->timeout_ms) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEDATA, sink) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
    if (ok && client->credential != NULL)
        ok = curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, install_credential) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, client->credential) == CURLE_OK;
    return ok ? AW_OK : AW_ERR_NOMEM;
}

static aw_err map_result(const http_client *client, CURLcode rc, const body_sink *sink)
{
    switch (rc) {
    case CURLE_OK: return AW_OK;
    case CURLE_OUT_OF_MEMORY: return AW_ERR_NOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return AW_ERR_ARGUMENT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: return AW_ERR_HTTP_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return AW_ERR_HTTP_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION: return AW_ERR_HTTP_CERTIFICATE;
    case CURLE_SSL_CONNECT_ERROR: return AW_ERR_HTTP_TLS;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER: return AW_ERR_HTTP_TLS_CONFIG;
    case CURLE_WRITE_ERROR:
        return sink->no_memory ? AW_ERR_NOMEM : sink->over_limit ? AW_ERR_LIMIT
                                                                 : AW_ERR_HTTP_TRANSFER;
    case CURLE_RECV_ERROR:
        /* In TLS 1.3 the server judges the client certificate after the
         * client's handshake finished, so its refusal (RFC 8446 4.4.2.4,
         * certificate_required alert) reaches the first read: report it
         * as the TLS failure it is. */
        return strstr(client->error, "alert") != NULL ? AW_ERR_HTTP_TLS : AW_ERR_HTTP_TRANSFER;
    default: return AW_ERR_HTTP_TRANSFER;
    }
}

static aw_err collect_headers(CURL *curl, const http_client_request *request,
                              http_client_response *response)
{
    if (request->response_header_count == 0)
        return AW_OK;
    response->header_values = calloc(request->response_header_count, sizeof(char *));
    if (response->header_values == NULL)
        return AW_ERR_NOMEM;
    response->header_count = request->response_header_count;
    for (size_t i = 0; i < request->response_header_count; i++) {
        struct curl_header *header = NULL;
        /* request -1: the final response, not a 100 Continue or redirect */
        if (curl_easy_header(curl, request->response_header_names[i], 0, CURLH_HEADER, -1,
                             &header) != CURLHE_OK)
            continue;
        if ((response->header_values[i] = strdup(header->value)) == NULL)
            return AW_ERR_NOMEM;
    }
    return AW_OK;
}

aw_err http_client_send(http_client *client, const http_client_request *request,
                        http_client_response **response)
{
    *response = NULL;
    if (client == NULL || request == NULL || request->url == NULL ||
        request->response_header_count > HTTP_CLIENT_MAX_HEADERS ||
        (request->response_header_count != 0 && request->response_header_names == NULL))
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < request->response_header_count; i++) {
        if (request->response_header_names[i] == NULL)
            return AW_ERR_ARGUMENT;
    }
    body_sink sink = {.max = client->max_response_size};
    struct curl_slist *headers = NULL;
    http_client_response *result = NULL;
    client->error[0] = '\0';
    /* Reset options, keep the connection cache (connection reuse). */
    curl_easy_reset(client->curl);
    aw_err err = build_header_list(request, &headers);
    if (err != AW_OK)
        goto cleanup;
    if ((err = set_transport(client, request, &sink, headers)) != AW_OK ||
        (err = set_method(client->curl, request)) != AW_OK)
        goto cleanup;
    if ((err = map_result(client, curl_easy_perform(client->curl), &sink)) != AW_OK)
        goto cleanup;
    err = AW_ERR_NOMEM;
    if ((result = calloc(1, sizeof(*result))) == NULL)
        goto cleanup;
    long status = 0, new_connections = 0;
    curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(client->curl, CURLINFO_NUM_CONNECTS, &new_connections);
    result->status = (int)status;
    result->connection_reused = new_connections == 0;
    if (sink.data == NULL && (sink.data = malloc(1)) == NULL)
        goto cleanup;
    sink.data[sink.len] = '\0';
    result->body = sink.data;
    result->body_len = sink.len;
    sink.data = NULL;
    if ((err = collect_headers(client->curl, request, result)) != AW_OK)
        goto cleanup;
    *response = result;
    result = NULL;
cleanup:
    /* The connection stays in the cache; nothing may point at the request. */
    curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(client->curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);
    free(sink.data);
    http_client_response_free(result);
    return err;
}
