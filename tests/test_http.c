/* Tests for the HTTPS server (src/core/http_server.c, http_request.c) and
 * client (http_client.c): routing, bodies, limits, keep-alive, async
 * completion, shutdown and every error path, over loopback with a fresh
 * P-256 PKI. TLS policy tests are in test_http_tls.c. */
#include "http_testutil.h"

#include "core/crypto.h"

static test_pki pki;       /* server certificate and the CA the client trusts */
static test_pki other_pki; /* an unrelated CA */

/* ---- Handlers ----------------------------------------------------------- */

/* Echo: the body back, the query parameter "q", header X-Test, the path. */
static void handle_echo(http_request *request, void *userdata)
{
    (void)userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    const char *q = NULL;
    aw_err query_err = http_request_query_parameter(request, "q", &q);
    const char *test_header = http_request_header(request, "X-Test");
    http_request_set_status(request, 200);
    assert_int_equal(http_request_add_header(request, "Content-Type", "application/octet-stream"),
                     AW_OK);
    assert_int_equal(http_request_add_header(request, "X-Method",
                                             http_method_name(http_request_method(request))),
                     AW_OK);
    assert_int_equal(http_request_add_header(request, "X-Path", http_request_path(request)),
                     AW_OK);
    assert_int_equal(http_request_add_header(request, "X-Query-Error", aw_err_name(query_err)),
                     AW_OK);
    assert_int_equal(http_request_add_header(request, "X-Peer", http_request_peer_address(request)),
                     AW_OK);
    if (q != NULL)
        assert_int_equal(http_request_add_header(request, "X-Q", q), AW_OK);
    if (test_header != NULL)
        assert_int_equal(http_request_add_header(request, "X-Test-Echo", test_header), AW_OK);
    assert_int_equal(http_request_set_body(request, body, len), AW_OK);
}

/* Records the error of each response-API misuse in X-* headers. */
static void handle_misuse(http_request *request, void *userdata)
{
    (void)userdata;
    aw_err crlf_value = http_request_add_header(request, "X-Bad", "a\r\nInjected: yes");
    aw_err crlf_name = http_request_add_header(request, "X-Bad\r\nInjected", "v");
    aw_err colon_name = http_request_add_header(request, "X:Bad", "v");
    aw_err empty_name = http_request_add_header(request, "", "v");
    aw_err null_body = http_request_set_body(request, NULL, 3);
    aw_err defer_once = http_request_defer(request);
    aw_err defer_twice = http_request_defer(request);
    const char *value = NULL;
    aw_err null_name = http_request_query_parameter(request, NULL, &value);
    char text[256];
    snprintf(text, sizeof(text), "%s %s %s %s %s %s %s %s", aw_err_name(crlf_value),
             aw_err_name(crlf_name), aw_err_name(colon_name), aw_err_name(empty_name),
             aw_err_name(null_body), aw_err_name(defer_once), aw_err_name(defer_twice),
             aw_err_name(null_name));
    assert_int_equal(http_request_set_body(request, text, strlen(text)), AW_OK);
    http_request_set_status(request, 1000); /* out of range: sent as 500 */
    http_request_complete(request);        /* deferred above: complete now */
}

static void complete_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    http_request *request = arg;
    assert_int_equal(http_request_set_body(request, "late", 4), AW_OK);
    http_request_set_status(request, 202);
    http_request_complete(request);
}

/* Async: answer 20 ms later from the event loop. */
static void handle_deferred(http_request *request, void *userdata)
{
    struct event_base *base = userdata;
    assert_int_equal(http_request_defer(request), AW_OK);
    struct timeval delay = {.tv_usec = 20000};
    assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, complete_later, request, &delay), 0);
}

/* Never answers: the request stays pending (timeouts, shutdown). */
static http_request *parked_request;
static void handle_park(http_request *request, void *userdata)
{
    (void)userdata;
    assert_int_equal(http_request_defer(request), AW_OK);
    parked_request = request;
}

/* Two runs: the first sets a header, defers and has the loop redispatch
 * it; the second (its run counted in the header it adds) answers. A
 * redispatch from inside a handler is ignored. */
static int redispatch_runs;
static void redispatch_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    http_request_redispatch(arg);
}

static void handle_twice(http_request *request, void *userdata)
{
    struct event_base *base = userdata;
    char runs[16];
    snprintf(runs, sizeof(runs), "%d", ++redispatch_runs);
    assert_int_equal(http_request_add_header(request, "X-Test-Echo", runs), AW_OK);
    if (redispatch_runs % 2 == 1) {
        assert_int_equal(http_request_defer(request), AW_OK);
        http_request_redispatch(request); /* from its handler: ignored */
        struct timeval delay = {.tv_usec = 10000};
        assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, redispatch_later, request, &delay),
                         0);
        return;
    }
    assert_int_equal(http_request_set_body(request, "again", 5), AW_OK);
    http_request_set_status(request, 201);
}

static void handle_big(http_request *request, void *userdata)
{
    (void)userdata;
    static char big[1000];
    memset(big, 'x', sizeof(big));
    assert_int_equal(http_request_set_body(request, big, sizeof(big)), AW_OK);
}

/* ---- Fixtures ----------------------------------------------------------- */

static http_server_config server_config(void)
{
    return (http_server_config){.address = "127.0.0.1",
                                .certificate_file = pki.tls_cert,
                                .key_file = pki.tls_key,
                                .max_body_size = 4096,
                                .timeout_ms = 5000};
}

static void start_server(test_server *ts, const http_server_config *config)
{
    test_server_new(ts, config);
    assert_int_equal(http_server_route(ts->server, AW_HTTP_METHOD_GET, "/echo", handle_echo, NULL),
                     AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_POST, "/echo", handle_echo, NULL), AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_POST, "/post-only", handle_echo, NULL),
        AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_PUT, "/post-only", handle_echo, NULL),
        AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_GET, "/misuse", handle_misuse, NULL), AW_OK);
    assert_int_equal(http_server_route(ts->server, AW_HTTP_METHOD_GET, "/deferred",
                                       handle_deferred, ts->base),
                     AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_GET, "/park", handle_park, NULL), AW_OK);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_GET, "/twice", handle_twice, ts->base),
        AW_OK);
    assert_int_equal(http_server_route(ts->server, AW_HTTP_METHOD_GET, "/big", handle_big, NULL),
                     AW_OK);
    test_server_run(ts);
}

static http_client *new_client(const char *ca_file, unsigned timeout_ms)
{
    http_client_config config = {.ca_file = ca_file, .timeout_ms = timeout_ms};
    http_client *client = NULL;
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    return client;
}

static const char *const echo_headers[] = {"X-Method", "X-Path", "X-Q", "X-Test-Echo",
                                           "X-Query-Error", "X-Peer", "Allow"};
#define ECHO_HEADER_COUNT (sizeof(echo_headers) / sizeof(echo_headers[0]))

static aw_err send_request(http_client *client, aw_http_method method, const char *url,
                           const void *body, size_t body_len, http_client_response **response)
{
    static const http_header headers[] = {{"X-Test", "hello"}};
    http_client_request request = {.method = method,
                                   .url = url,
                                   .headers = headers,
                                   .header_count = 1,
                                   .body = body,
                                   .body_len = body_len,
                                   .response_header_names = echo_headers,
                                   .response_header_count = ECHO_HEADER_COUNT};
    return http_client_send(client, &request, response);
}

/* ---- Tests -------------------------------------------------------------- */

static void check_get_round_trip(const char *host)
{
    http_server_config config = server_config();
    config.address = host;
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), host, &ts, "/echo?q=hello%20world&x=1");
    http_client_response *response = NULL;
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 200);
    assert_int_equal(response->body_len, 0);
    assert_string_equal(response->header_values[0], "GET");
    assert_string_equal(response->header_values[1], "/echo");
    assert_string_equal(response->header_values[2], "hello world");
    assert_string_equal(response->header_values[3], "hello");
    assert_string_equal(response->header_values[5], host);
    assert_null(response->header_values[6]); /* no Allow */
    http_client_response_free(response);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_get_ipv4(void **state)
{
    (void)state;
    check_get_round_trip("127.0.0.1");
}

static void test_get_ipv6(void **state)
{
    (void)state;
    check_get_round_trip("::1");
}

static void test_post_round_trip(void **state)
{
    (void)state;
    http_server_config config = server_config();
    /* certificate and key from memory this time */
    config.certificate_file = NULL;
    config.key_file = NULL;
    config.certificate_pem = pki.tls_cert_pem;
    config.certificate_pem_len = strlen(pki.tls_cert_pem);
    config.key_pem = pki.tls_key_pem;
    config.key_pem_len = strlen(pki.tls_key_pem);
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "localhost", &ts, "/echo");
    uint8_t body[4096];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 7 + 3);
    http_client_response *response = NULL;
    /* exactly at the limit: accepted */
    assert_int_equal(send_request(client, AW_HTTP_METHOD_POST, url, body, sizeof(body), &response),
                     AW_OK);
    assert_int_equal(response->status, 200);
    assert_int_equal(response->body_len, sizeof(body));
    assert_memory_equal(response->body, body, sizeof(body));
    assert_string_equal(response->header_values[0], "POST");
    assert_string_equal(response->header_values[4], "AW_ERR_NOT_FOUND"); /* no query */
    http_client_response_free(response);
    /* empty POST body */
    assert_int_equal(send_request(client, AW_HTTP_METHOD_POST, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 200);
    assert_int_equal(response->body_len, 0);
    http_client_response_free(response);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_keep_alive_and_close(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/echo?q=1");
    for (int i = 0; i < 50; i++) {
        http_client_response *response = NULL;
        assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
        assert_int_equal(response->status, 200);
        assert_int_equal(response->connection_reused, i != 0);
        http_client_response_free(response);
    }
    http_server_stats stats = test_stats(&ts);
    assert_int_equal(stats.connections_accepted, 1);
    assert_int_equal(stats.requests_dispatched, 50);
    /* Connection: close after each response: a new connection each time */
    for (int i = 0; i < 5; i++) {
        http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url,
                                       .close_connection = true};
        http_client_response *response = NULL;
        assert_int_equal(http_client_send(client, &request, &response), AW_OK);
        assert_int_equal(response->status, 200);
        assert_int_equal(response->connection_reused, i == 0); /* the first reuses the kept one */
        http_client_response_free(response);
    }
    stats = test_stats(&ts);
    assert_int_equal(stats.connections_accepted, 5);
    assert_int_equal(stats.requests_dispatched, 55);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_not_found_and_bad_method(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    http_client_response *response = NULL;
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/nothing");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 404);
    http_client_response_free(response);
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/post-only");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 405);
    assert_string_equal(response->header_values[6], "POST, PUT");
    http_client_response_free(response);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_DELETE, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 405);
    http_client_response_free(response);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_PUT, url, "x", 1, &response), AW_OK);
    assert_int_equal(response->status, 200);
    http_client_response_free(response);
    http_server_stats stats = test_stats(&ts);
    assert_int_equal(stats.requests_rejected, 3);
    assert_int_equal(stats.requests_dispatched, 1);
    http_client_free(client);
    test_server_free(&ts);
}

/* A fallback answers what no route takes: its own status and body, the
 * Allow header already set for a 405, and the allowed methods to tell the
 * two cases apart; routed requests never reach it. */
static void handle_fallback(http_request *request, void *userdata)
{
    int *calls = userdata;
    (*calls)++;
    unsigned allowed = http_request_allowed_methods(request);
    char body[64];
    snprintf(body, sizeof(body), "{\"fallback\":\"%s\",\"allowed\":%u}",
             http_request_path(request), allowed);
    http_request_set_status(request, allowed != 0 ? 405 : 404);
    assert_int_equal(http_request_add_header(request, "Content-Type", "application/json"), AW_OK);
    assert_int_equal(http_request_set_body(request, body, strlen(body)), AW_OK);
}

static void test_fallback(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    test_server_new(&ts, &config);
    int calls = 0;
    assert_int_equal(http_server_set_fallback(NULL, handle_fallback, &calls), AW_ERR_ARGUMENT);
    assert_int_equal(http_server_set_fallback(ts.server, NULL, &calls), AW_ERR_ARGUMENT);
    assert_int_equal(http_server_set_fallback(ts.server, handle_fallback, &calls), AW_OK);
    assert_int_equal(
        http_server_route(ts.server, AW_HTTP_METHOD_POST, "/post-only", handle_echo, NULL), AW_OK);
    assert_int_equal(
        http_server_route(ts.server, AW_HTTP_METHOD_PUT, "/post-only", handle_echo, NULL), AW_OK);
    test_server_run(&ts);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    http_client_response *response = NULL;
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/nothing");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 404);
    assert_int_equal(response->body_len, strlen("{\"fallback\":\"/nothing\",\"allowed\":0}"));
    assert_memory_equal(response->body, "{\"fallback\":\"/nothing\",\"allowed\":0}",
                        response->body_len);
    assert_null(response->header_values[6]); /* no Allow on a 404 */
    http_client_response_free(response);
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/post-only");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 405);
    assert_string_equal(response->header_values[6], "POST, PUT");
    /* POST (2) | PUT (4) as aw_http_method bits */
    char expected[64];
    snprintf(expected, sizeof(expected), "{\"fallback\":\"/post-only\",\"allowed\":%u}",
             (unsigned)AW_HTTP_METHOD_POST | (unsigned)AW_HTTP_METHOD_PUT);
    assert_int_equal(response->body_len, strlen(expected));
    assert_memory_equal(response->body, expected, response->body_len);
    http_client_response_free(response);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_PUT, url, "x", 1, &response), AW_OK);
    assert_int_equal(response->status, 200); /* routed: not the fallback */
    assert_null(response->header_values[6]);
    http_client_response_free(response);
    assert_int_equal(calls, 2);
    http_server_stats stats = test_stats(&ts);
    assert_int_equal(stats.requests_rejected, 2);
    assert_int_equal(stats.requests_dispatched, 1);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_limits(void **state)
{
    (void)state;
    http_server_config config = server_config();
    config.max_header_size = 2048;
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/echo");
    static uint8_t body[4097];
    http_client_response *response = NULL;
    /* one byte over max_body_size: 413 */
    assert_int_equal(send_request(client, AW_HTTP_METHOD_POST, url, body, sizeof(body), &response),
                     AW_OK);
    assert_int_equal(response->status, 413);
    http_client_response_free(response);
    /* headers over max_header_size: refused without a handler call */
    static char big_value[4096];
    memset(big_value, 'h', sizeof(big_value) - 1);
    http_header big = {"X-Big", big_value};
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url, .headers = &big,
                                   .header_count = 1};
    aw_err err = http_client_send(client, &request, &response);
    assert_int_equal(err, AW_OK);
    assert_int_equal(response->status, 400);
    http_client_response_free(response);
    assert_int_equal(test_stats(&ts).requests_dispatched, 0);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_response_api_errors(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/misuse");
    http_client_response *response = NULL;
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 500);
    assert_string_equal((const char *)response->body,
                        "AW_ERR_ARGUMENT AW_ERR_ARGUMENT AW_ERR_ARGUMENT AW_ERR_ARGUMENT "
                        "AW_ERR_ARGUMENT AW_OK AW_ERR_STATE AW_ERR_ARGUMENT");
    http_client_response_free(response);
    /* a malformed query string */
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/echo?q");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_string_equal(response->header_values[4], "AW_ERR_ARGUMENT");
    http_client_response_free(response);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_deferred_completion(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/deferred");
    for (int i = 0; i < 3; i++) {
        http_client_response *response = NULL;
        assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
        assert_int_equal(response->status, 202);
        assert_int_equal(response->body_len, 4);
        assert_memory_equal(response->body, "late", 4);
        http_client_response_free(response);
    }
    http_server_stats stats = test_stats(&ts);
    assert_int_equal(stats.requests_pending, 0);
    assert_int_equal(stats.connections_accepted, 1);
    http_client_free(client);
    test_server_free(&ts);
}

/* A deferred request run again by its handler (http_request_redispatch):
 * answered by the second run, with the first run's header kept; a request
 * not deferred is not run again, and a parked one whose server is gone is
 * only freed. */
static void test_redispatch(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 0);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/twice");
    redispatch_runs = 0;
    for (int i = 0; i < 2; i++) {
        http_client_response *response = NULL;
        assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
        assert_int_equal(response->status, 201);
        assert_int_equal(response->body_len, 5);
        assert_memory_equal(response->body, "again", 5);
        /* the first run's header stayed (the client reports the first of
         * a repeated header) */
        assert_string_equal(response->header_values[3], i == 0 ? "1" : "3");
        http_client_response_free(response);
    }
    assert_int_equal(redispatch_runs, 4);
    assert_int_equal(test_stats(&ts).requests_pending, 0);
    /* a request parked, then its server freed: redispatch only frees it */
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/park");
    parked_request = NULL;
    http_client_free(client);
    client = new_client(pki.ci, 300);
    http_client_response *response = NULL;
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_TIMEOUT);
    test_server_free(&ts);
    assert_non_null(parked_request);
    http_request_redispatch(parked_request);
    http_client_free(client);
}

/* A request never answered: the client times out; the server, stopped and
 * freed, answers it 503 and the handle is only freed by complete. */
static void test_timeout_and_shutdown(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 300);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/park");
    parked_request = NULL;
    http_client_response *response = NULL;
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_TIMEOUT);
    assert_null(response);
    assert_true(strlen(http_client_last_error(client)) > 0);
    assert_int_equal(test_stats(&ts).requests_pending, 1);
    /* graceful stop: no new connections, the pending request still counted */
    uint16_t port = http_server_port(ts.server);
    test_server_halt(&ts);
    http_server_stop(ts.server);
    assert_int_equal(http_server_port(ts.server), 0);
    assert_int_equal(pthread_create(&ts.thread, NULL, test_server_loop, &ts), 0);
    ts.running = true;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", (unsigned)port);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_CONNECT);
    assert_int_equal(test_stats(&ts).requests_pending, 1);
    test_server_free(&ts);
    assert_non_null(parked_request);
    http_request_complete(parked_request); /* orphaned: only freed */
    http_client_free(client);
}

static void complete_parked(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    assert_int_equal(http_request_set_body(parked_request, "too late", 8), AW_OK);
    http_request_complete(parked_request);
}

/* The client gives up while its request is deferred; completing it later
 * (from the loop) must be harmless and the server keeps serving. */
static void test_complete_after_client_left(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = new_client(pki.ci, 200);
    char url[256];
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/park");
    parked_request = NULL;
    http_client_response *response = NULL;
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_TIMEOUT);
    struct timeval now = {0};
    assert_int_equal(event_base_once(ts.base, -1, EV_TIMEOUT, complete_parked, NULL, &now), 0);
    for (int i = 0; i < 200 && test_stats(&ts).requests_pending != 0; i++)
        usleep(10000);
    assert_int_equal(test_stats(&ts).requests_pending, 0);
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/echo");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->status, 200);
    http_client_response_free(response);
    http_client_free(client);
    test_server_free(&ts);
}

static void test_server_errors(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    assert_non_null(base);
    http_server *server = (http_server *)1;
    http_server_config config = server_config();
    /* names are not resolved: IP literals only */
    config.address = "localhost";
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_ARGUMENT);
    assert_null(server);
    config = server_config();
    config.key_file = NULL;
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_ARGUMENT);
    assert_int_equal(http_server_new(NULL, &config, &server), AW_ERR_ARGUMENT);
    config = server_config();
    config.certificate_file = "/nonexistent/cert.pem";
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_IO);
    config = server_config();
    config.certificate_file = pki.tls_key; /* not a certificate */
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_HTTP_TLS_CONFIG);
    config = server_config();
    config.key_file = other_pki.tls_key; /* does not match the certificate */
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_HTTP_TLS_CONFIG);
    config = server_config();
    config.client_ca_file = "/nonexistent/ca.pem";
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_HTTP_TLS_CONFIG);

    config = server_config();
    assert_int_equal(http_server_new(base, &config, &server), AW_OK);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, "nope", handle_echo, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET | AW_HTTP_METHOD_POST, "/a",
                                       handle_echo, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, "/a", NULL, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, "/a", handle_echo, NULL), AW_OK);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, "/a", handle_echo, NULL),
                     AW_ERR_STATE);
    for (int i = 1; i < HTTP_SERVER_MAX_ROUTES; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/r%d", i);
        assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, path, handle_echo, NULL),
                         AW_OK);
    }
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_GET, "/full", handle_echo, NULL),
                     AW_ERR_LIMIT);
    assert_int_equal(http_server_port(server), 0);
    assert_int_equal(http_server_start(server), AW_OK);
    assert_int_equal(http_server_start(server), AW_ERR_STATE);
    /* the same port again: in use */
    http_server *second = NULL;
    config.port = http_server_port(server);
    assert_int_equal(http_server_new(base, &config, &second), AW_OK);
    assert_int_equal(http_server_start(second), AW_ERR_HTTP_BIND);
    assert_int_equal(http_server_port(second), 0);
    http_server_free(second);
    http_server_free(server);
    http_server_free(NULL);
    assert_string_equal(http_method_name((aw_http_method)3), "?");
    event_base_free(base);
}

static void test_client_errors(void **state)
{
    (void)state;
    http_server_config config = server_config();
    test_server ts;
    start_server(&ts, &config);
    http_client *client = (http_client *)1;
    http_client_config cc = {0};
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_ARGUMENT);
    assert_null(client);
    cc = (http_client_config){.ca_file = pki.ci, .certificate_file = pki.tls_cert};
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_ARGUMENT);

    char url[256];
    http_client_response *response = NULL;
    client = new_client(pki.ci, 0);
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/echo");
    /* bad request descriptions */
    http_header bad = {"X-Bad", "a\r\nInjected: 1"};
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url, .headers = &bad,
                                   .header_count = 1};
    assert_int_equal(http_client_send(client, &request, &response), AW_ERR_ARGUMENT);
    request = (http_client_request){.method = AW_HTTP_METHOD_HEAD, .url = url};
    assert_int_equal(http_client_send(client, &request, &response), AW_ERR_ARGUMENT);
    request = (http_client_request){.method = AW_HTTP_METHOD_POST, .url = url, .body_len = 3};
    assert_int_equal(http_client_send(client, &request, &response), AW_ERR_ARGUMENT);
    request = (http_client_request){.method = AW_HTTP_METHOD_GET, .url = url,
                                    .response_header_count = 1};
    assert_int_equal(http_client_send(client, &request, &response), AW_ERR_ARGUMENT);
    char plain[256];
    snprintf(plain, sizeof(plain), "http://127.0.0.1:%u/echo", (unsigned)http_server_port(ts.server));
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, plain, NULL, 0, &response),
                     AW_ERR_ARGUMENT);
    /* response over the limit */
    http_client_free(client);
    cc = (http_client_config){.ca_file = pki.ci, .max_response_size = 999};
    assert_int_equal(http_client_new(&cc, &client), AW_OK);
    test_url(url, sizeof(url), "127.0.0.1", &ts, "/big");
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_LIMIT);
    assert_null(response);
    http_client_free(client);
    cc.max_response_size = 1000;
    assert_int_equal(http_client_new(&cc, &client), AW_OK);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response), AW_OK);
    assert_int_equal(response->body_len, 1000);
    http_client_response_free(response);
    http_client_free(client);
    /* unreadable CA file, client certificate file */
    client = new_client("/nonexistent/ca.pem", 0);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_TLS_CONFIG);
    http_client_free(client);
    /* the client certificate and key are loaded when the client is made */
    cc = (http_client_config){.ca_file = pki.ci, .certificate_file = "/nonexistent/c.pem",
                              .key_file = pki.tls_key};
    client = (http_client *)&client;
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_IO);
    assert_null(client);
    cc.certificate_file = pki.tls_cert;
    cc.key_file = "/nonexistent/k.pem";
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_IO);
    /* a key that is not the certificate's, a file that is no key, a
     * certificate file without a certificate */
    crypto_key *other = NULL;
    char *other_pem = NULL, other_path[300];
    size_t other_len = 0;
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &other), AW_OK);
    assert_int_equal(crypto_key_export_private_pem(other, &other_pem, &other_len), AW_OK);
    snprintf(other_path, sizeof(other_path), "%s/other.key.pem", pki.dir);
    FILE *f = fopen(other_path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(other_pem, 1, other_len, f), other_len);
    fclose(f);
    crypto_key_pem_free(other_pem, other_len);
    crypto_key_free(other);
    cc.key_file = other_path;
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_HTTP_TLS_CONFIG);
    unlink(other_path);
    cc.key_file = pki.ci;
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_HTTP_TLS_CONFIG);
    cc.certificate_file = pki.tls_key;
    cc.key_file = pki.tls_key;
    assert_int_equal(http_client_new(&cc, &client), AW_ERR_HTTP_TLS_CONFIG);
    assert_null(client);
    /* nothing listening (the port of a stopped server) */
    client = new_client(pki.ci, 0);
    uint16_t port = http_server_port(ts.server);
    test_server_free(&ts);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", (unsigned)port);
    assert_int_equal(send_request(client, AW_HTTP_METHOD_GET, url, NULL, 0, &response),
                     AW_ERR_HTTP_CONNECT);
    http_client_free(client);
    http_client_free(NULL);
    http_client_response_free(NULL);
    assert_string_equal(http_client_last_error(NULL), "");
}

static int setup(void **state)
{
    (void)state;
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    test_pki_make(&other_pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_pki_remove(&pki);
    test_pki_remove(&other_pki);
    return 0;
}

int main(void)
{
    /* A peer's reset must be an error return, not a signal (see headers). */
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_ipv4),
        cmocka_unit_test(test_get_ipv6),
        cmocka_unit_test(test_post_round_trip),
        cmocka_unit_test(test_keep_alive_and_close),
        cmocka_unit_test(test_not_found_and_bad_method),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_response_api_errors),
        cmocka_unit_test(test_deferred_completion),
        cmocka_unit_test(test_redispatch),
        cmocka_unit_test(test_timeout_and_shutdown),
        cmocka_unit_test(test_complete_after_client_left),
        cmocka_unit_test(test_server_errors),
        cmocka_unit_test(test_client_errors),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    libevent_global_shutdown();
    return failed;
}
