/* Helpers for the HTTPS server/client tests (test code only): fresh PKIs
 * from pki_issue_hierarchy written to a temporary directory, a server whose
 * event loop runs in a thread on loopback (calls on that thread:
 * test_on_loop, loop_testutil.h), and a raw OpenSSL client to probe the
 * server's TLS policy. */
#ifndef AIRWRITE_TESTS_HTTP_TESTUTIL_H
#define AIRWRITE_TESTS_HTTP_TESTUTIL_H

#include "loop_testutil.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "core/http_client.h"
#include "core/http_server.h"
#include "core/pki.h"

/* ---- PKIs on disk ------------------------------------------------------ */

typedef struct test_pki {
    char dir[256];
    char ci[300];        /* CI certificate: trust anchor for both sides */
    char tls_cert[300];  /* DPtls certificate (serverAuth + clientAuth) */
    char tls_key[300];
    char *tls_cert_pem;  /* the same, in memory */
    char *tls_key_pem;
    char tls_subject[256]; /* RFC 2253 subject of the DPtls certificate */
} test_pki;

static inline void test_write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(cert != NULL ? PEM_write_X509(f, cert)
                                  : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
}

static inline char *test_read_text(const char *path)
{
    size_t len = 0;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    char *text = realloc(data, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    return text;
}

/* names NULL: the default localhost, 127.0.0.1, ::1 */
static inline void test_pki_make(test_pki *pki, aw_pki_curve curve, const char *const *names,
                                 size_t name_count)
{
    snprintf(pki->dir, sizeof(pki->dir), "/tmp/aw_http_XXXXXX");
    assert_non_null(mkdtemp(pki->dir));
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL), .tls_names = names,
                                   .tls_name_count = name_count};
    pki_hierarchy h;
    assert_int_equal(pki_issue_hierarchy(&params, &h), AW_OK);
    snprintf(pki->ci, sizeof(pki->ci), "%s/ci.pem", pki->dir);
    snprintf(pki->tls_cert, sizeof(pki->tls_cert), "%s/dptls.pem", pki->dir);
    snprintf(pki->tls_key, sizeof(pki->tls_key), "%s/dptls.key.pem", pki->dir);
    X509 *tls = (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS]);
    test_write_pem(pki->ci, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_CI]), NULL);
    test_write_pem(pki->tls_cert, tls, NULL);
    test_write_pem(pki->tls_key, NULL, h.key[AW_PKI_ROLE_DP_TLS]);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_true(X509_NAME_print_ex(bio, X509_get_subject_name(tls), 0, XN_FLAG_RFC2253) >= 0);
    char *text = NULL;
    long len = BIO_get_mem_data(bio, &text);
    assert_true(len > 0 && (size_t)len < sizeof(pki->tls_subject));
    memcpy(pki->tls_subject, text, (size_t)len);
    pki->tls_subject[len] = '\0';
    BIO_free(bio);
    pki_hierarchy_free(&h);
    pki->tls_cert_pem = test_read_text(pki->tls_cert);
    pki->tls_key_pem = test_read_text(pki->tls_key);
}

static inline void test_pki_remove(test_pki *pki)
{
    unlink(pki->ci);
    unlink(pki->tls_cert);
    unlink(pki->tls_key);
    rmdir(pki->dir);
    free(pki->tls_cert_pem);
    free(pki->tls_key_pem);
}

/* ---- A server with its loop in a thread -------------------------------- */

typedef struct test_server {
    struct event_base *base;
    http_server *server;
    pthread_t thread;
    bool running;
} test_server;

static inline void *test_server_loop(void *arg)
{
    test_server *ts = arg;
    event_base_loop(ts->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Create the server (routes are added by the caller before test_server_run). */
static inline void test_server_new(test_server *ts, const http_server_config *config)
{
    memset(ts, 0, sizeof(*ts));
    ts->base = event_base_new();
    assert_non_null(ts->base);
    assert_int_equal(http_server_new(ts->base, config, &ts->server), AW_OK);
}

static inline void test_server_run(test_server *ts)
{
    assert_int_equal(http_server_start(ts->server), AW_OK);
    assert_int_not_equal(http_server_port(ts->server), 0);
    assert_int_equal(pthread_create(&ts->thread, NULL, test_server_loop, ts), 0);
    ts->running = true;
}

/* Stop the loop thread; the server is then only touched from this thread. */
static inline void test_server_halt(test_server *ts)
{
    if (!ts->running)
        return;
    /* loopexit, not loopbreak: it is a timer event, so it is not lost when
     * the thread has not entered the loop yet. */
    event_base_loopexit(ts->base, NULL);
    assert_int_equal(pthread_join(ts->thread, NULL), 0);
    ts->running = false;
}

static inline void test_server_free(test_server *ts)
{
    test_server_halt(ts);
    http_server_free(ts->server);
    event_base_free(ts->base);
    ts->server = NULL;
    ts->base = NULL;
}

static inline void test_url(char *out, size_t cap, const char *host, const test_server *ts,
                            const char *path)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(out, cap, "https://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
             (unsigned)http_server_port(ts->server), path);
}

static inline http_server_stats test_stats(const test_server *ts)
{
    http_server_stats stats;
    http_server_get_stats(ts->server, &stats);
    return stats;
}

/* ---- Raw TCP and TLS probes -------------------------------------------- */

static inline int test_connect_tcp(const char *ip, uint16_t port)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof(addr));
    socklen_t len;
    int family = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        assert_int_equal(inet_pton(AF_INET6, ip, &a6->sin6_addr), 1);
        len = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        assert_int_equal(inet_pton(AF_INET, ip, &a4->sin_addr), 1);
        len = sizeof(*a4);
    }
    int fd = socket(family, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, len), 0);
    return fd;
}

typedef struct test_probe {
    int min_version;        /* e.g. TLS1_1_VERSION */
    int max_version;
    const char *ciphers;    /* TLS <= 1.2 cipher list; NULL: OpenSSL default */
    const char *groups;     /* NULL: OpenSSL default */
    const char *ca_file;    /* NULL: no verification */
} test_probe;

typedef struct test_probe_result {
    bool connected;
    int version;                    /* negotiated, when connected */
    unsigned long error;            /* first OpenSSL error, when not */
} test_probe_result;

/* A TLS handshake by a bare OpenSSL client, at security level 0 so that it
 * really offers what it is told (old versions included): what fails, the
 * server refused. */
static inline test_probe_result test_tls_probe(uint16_t port, const test_probe *probe)
{
    test_probe_result result = {0};
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    SSL_CTX_set_security_level(ctx, 0);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, probe->min_version), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, probe->max_version), 1);
    if (probe->ciphers != NULL)
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, probe->ciphers), 1);
    else
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"), 1);
    if (probe->groups != NULL)
        assert_int_equal(SSL_CTX_set1_groups_list(ctx, probe->groups), 1);
    if (probe->ca_file != NULL) {
        assert_int_equal(SSL_CTX_load_verify_locations(ctx, probe->ca_file, NULL), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    SSL *ssl = SSL_new(ctx);
    assert_non_null(ssl);
    int fd = test_connect_tcp("127.0.0.1", port);
    SSL_set_fd(ssl, fd);
    ERR_clear_error();
    if (SSL_connect(ssl) == 1) {
        result.connected = true;
        result.version = SSL_version(ssl);
        SSL_shutdown(ssl);
    } else {
        result.error = ERR_peek_error();
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return result;
}

#endif
