/* Benchmark of the HTTPS server and client (src/core/http_server.c,
 * http_client.c) over loopback, each figure beside a bound measured in the
 * same run:
 *   - keep-alive requests/s with an empty handler, from our blocking client
 *     in N threads, and from wrk when it is installed; bound: the same empty
 *     handler on plain evhttp without TLS (wrk over http://);
 *   - new-connection requests/s (one TLS handshake each, Connection: close);
 *     bound: OpenSSL's raw in-memory handshake rate (client and server in
 *     one thread, no sockets) with the same certificate and policy.
 * Prints figures only; the loopback server lives for the run. */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "core/http_client.h"
#include "core/http_server.h"
#include "core/pki.h"

#define BENCH_SECONDS 2.0
#define BENCH_MAX_THREADS 8

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char dir[64] = "/tmp/aw_bench_http_XXXXXX";
static char ca_path[128], cert_path[128], key_path[128];

static int write_pki(void)
{
    if (mkdtemp(dir) == NULL)
        return -1;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    pki_hierarchy h;
    if (pki_issue_hierarchy(&params, &h) != AW_OK)
        return -1;
    snprintf(ca_path, sizeof(ca_path), "%s/ci.pem", dir);
    snprintf(cert_path, sizeof(cert_path), "%s/dptls.pem", dir);
    snprintf(key_path, sizeof(key_path), "%s/dptls.key.pem", dir);
    FILE *ca = fopen(ca_path, "w"), *cert = fopen(cert_path, "w"), *key = fopen(key_path, "w");
    int ok = ca && cert && key &&
             PEM_write_X509(ca, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_CI])) &&
             PEM_write_X509(cert, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS])) &&
             PEM_write_PrivateKey(key, h.key[AW_PKI_ROLE_DP_TLS], NULL, NULL, 0, NULL, NULL);
    if (ca)
        fclose(ca);
    if (cert)
        fclose(cert);
    if (key)
        fclose(key);
    pki_hierarchy_free(&h);
    return ok ? 0 : -1;
}

static void remove_pki(void)
{
    unlink(ca_path);
    unlink(cert_path);
    unlink(key_path);
    rmdir(dir);
}

static void handle_empty(http_request *request, void *userdata)
{
    (void)request;
    (void)userdata;
}

static void handle_plain_empty(struct evhttp_request *req, void *arg)
{
    (void)arg;
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void *run_loop(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

typedef struct client_job {
    char url[128];
    bool close_connection;
    double deadline;
    unsigned long done;
    unsigned long failed;
} client_job;

static void *client_thread(void *arg)
{
    client_job *job = arg;
    http_client_config config = {.ca_file = ca_path};
    http_client *client = NULL;
    if (http_client_new(&config, &client) != AW_OK)
        return NULL;
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = job->url,
                                   .close_connection = job->close_connection};
    while (now_seconds() < job->deadline) {
        http_client_response *response = NULL;
        if (http_client_send(client, &request, &response) == AW_OK && response->status == 200)
            job->done++;
        else
            job->failed++;
        http_client_response_free(response);
    }
    http_client_free(client);
    return NULL;
}

static double run_clients(const char *url, int threads, bool close_connection, unsigned long *failed)
{
    client_job jobs[BENCH_MAX_THREADS];
    pthread_t ids[BENCH_MAX_THREADS];
    double start = now_seconds();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (client_job){.close_connection = close_connection,
                               .deadline = start + BENCH_SECONDS};
        snprintf(jobs[i].url, sizeof(jobs[i].url), "%s", url);
        pthread_create(&ids[i], NULL, client_thread, &jobs[i]);
    }
    unsigned long total = 0;
    *failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += jobs[i].done;
        *failed += jobs[i].failed;
    }
    return (double)total / (now_seconds() - start);
}

/* wrk's "Requests/sec:" figure, or -1 when wrk is absent or fails. */
static double run_wrk(const char *url)
{
    char command[256];
    snprintf(command, sizeof(command), "wrk -t2 -c16 -d%ds %s 2>/dev/null", (int)BENCH_SECONDS + 1,
             url);
    FILE *p = popen(command, "r");
    if (p == NULL)
        return -1;
    char line[256];
    double rate = -1;
    while (fgets(line, sizeof(line), p) != NULL)
        sscanf(line, "Requests/sec: %lf", &rate);
    pclose(p);
    return rate;
}

/* TLS 1.3 handshakes per second between two SSL objects over a BIO pair. */
static double raw_handshake_rate(void)
{
    SSL_CTX *server_ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *client_ctx = SSL_CTX_new(TLS_client_method());
    if (server_ctx == NULL || client_ctx == NULL ||
        SSL_CTX_use_certificate_file(server_ctx, cert_path, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(server_ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(client_ctx, ca_path, NULL) != 1)
        return -1;
    SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(server_ctx, SSL_OP_NO_TICKET);
    unsigned long count = 0;
    double start = now_seconds();
    while (now_seconds() - start < BENCH_SECONDS) {
        SSL *client = SSL_new(client_ctx), *server = SSL_new(server_ctx);
        BIO *client_bio = NULL, *server_bio = NULL;
        if (client == NULL || server == NULL || BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1)
            return -1;
        SSL_set_bio(client, client_bio, client_bio);
        SSL_set_bio(server, server_bio, server_bio);
        SSL_set_connect_state(client);
        SSL_set_accept_state(server);
        int client_done = 0, server_done = 0;
        for (int round = 0; round < 16 && !(client_done && server_done); round++) {
            if (!client_done)
                client_done = SSL_do_handshake(client) == 1;
            if (!server_done)
                server_done = SSL_do_handshake(server) == 1;
        }
        if (client_done && server_done)
            count++;
        SSL_free(client);
        SSL_free(server);
    }
    double rate = (double)count / (now_seconds() - start);
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    return rate;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0 || write_pki() != 0) {
        fprintf(stderr, "bench_http: setup failed\n");
        return 1;
    }
    struct event_base *base = event_base_new();
    http_server_config config = {.address = "127.0.0.1", .certificate_file = cert_path,
                                 .key_file = key_path};
    http_server *server = NULL;
    struct evhttp *plain = evhttp_new(base);
    if (base == NULL || plain == NULL || http_server_new(base, &config, &server) != AW_OK ||
        http_server_route(server, AW_HTTP_METHOD_GET, "/", handle_empty, NULL) != AW_OK ||
        http_server_start(server) != AW_OK) {
        fprintf(stderr, "bench_http: server setup failed\n");
        return 1;
    }
    evhttp_set_gencb(plain, handle_plain_empty, NULL);
    struct evhttp_bound_socket *plain_socket = evhttp_bind_socket_with_handle(plain, "127.0.0.1", 0);
    struct sockaddr_storage plain_addr;
    socklen_t plain_len = sizeof(plain_addr);
    if (plain_socket == NULL ||
        getsockname(evhttp_bound_socket_get_fd(plain_socket), (struct sockaddr *)&plain_addr,
                    &plain_len) != 0) {
        fprintf(stderr, "bench_http: plain server setup failed\n");
        return 1;
    }
    unsigned plain_port = ntohs(((struct sockaddr_in *)&plain_addr)->sin_port);
    pthread_t loop;
    pthread_create(&loop, NULL, run_loop, base);

    char tls_url[128], plain_url[128];
    snprintf(tls_url, sizeof(tls_url), "https://127.0.0.1:%u/", (unsigned)http_server_port(server));
    snprintf(plain_url, sizeof(plain_url), "http://127.0.0.1:%u/", plain_port);
    printf("bench_http: one event-loop thread serving, loopback, %ld CPUs, %.0f s per figure\n",
           sysconf(_SC_NPROCESSORS_ONLN), BENCH_SECONDS);
    unsigned long failed = 0;
    for (int threads = 1; threads <= 4; threads *= 2) {
        double rate = run_clients(tls_url, threads, false, &failed);
        printf("  keep-alive, http_client x%d threads : %9.0f req/s (%lu failed)\n", threads, rate,
               failed);
    }
    double wrk_tls = run_wrk(tls_url);
    double wrk_plain = run_wrk(plain_url);
    if (wrk_tls >= 0)
        printf("  keep-alive, wrk -t2 -c16, HTTPS      : %9.0f req/s\n", wrk_tls);
    if (wrk_plain >= 0)
        printf("  bound: same handler, plain evhttp    : %9.0f req/s (wrk -t2 -c16, no TLS)\n",
               wrk_plain);
    if (wrk_tls < 0 || wrk_plain < 0)
        printf("  (wrk not available: no wrk figures)\n");
    double handshake_rate = run_clients(tls_url, 2, true, &failed);
    printf("  new connection per request, x2       : %9.0f req/s (%lu failed)\n", handshake_rate,
           failed);
    printf("  bound: raw OpenSSL TLS 1.3 handshakes: %9.0f /s (in memory, one thread)\n",
           raw_handshake_rate());
    http_server_stats stats;
    http_server_get_stats(server, &stats);
    printf("  server: %llu connections, %llu requests\n",
           (unsigned long long)stats.connections_accepted,
           (unsigned long long)stats.requests_dispatched);

    event_base_loopexit(base, NULL);
    pthread_join(loop, NULL);
    http_server_free(server);
    evhttp_free(plain);
    event_base_free(base);
    remove_pki();
    return 0;
}
