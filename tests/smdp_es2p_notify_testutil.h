/* Helpers for the HandleDownloadProgressInfo delivery tests (test code
 * only): an operator's HTTPS server on loopback with mutual TLS (it
 * verifies the SM-DP+'s client certificate), its event loop on a thread,
 * recording each notification it receives and answering with a chosen
 * status; and TLS PKIs on disk from pki_issue_hierarchy. Self-contained
 * (no http_testutil.h), so it combines with the eUICC test helpers. */
#ifndef AIRWRITE_TESTS_SMDP_ES2P_NOTIFY_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_ES2P_NOTIFY_TESTUTIL_H

#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/http_server.h"
#include "core/pki.h"
#include "smdp/es2p_notify.h"

/* ---- A TLS PKI on disk ------------------------------------------------- */

typedef struct notify_pki {
    char dir[64];
    char ci[128];        /* CI certificate: the trust anchor */
    char tls_cert[128];  /* DPtls certificate (serverAuth + clientAuth), localhost/127.0.0.1 */
    char tls_key[128];
    char tls_subject[256]; /* its RFC 2253 subject */
} notify_pki;

static inline void notify_write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(cert != NULL ? PEM_write_X509(f, cert)
                                  : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
}

/* common_name: NULL keeps the issued DPtls subject; else its CN is
 * replaced and the certificate re-signed by the CI, so two PKIs can hold
 * different subjects. */
static inline void notify_pki_make(notify_pki *pki, const char *common_name)
{
    snprintf(pki->dir, sizeof(pki->dir), "/tmp/aw-es2pk-XXXXXX");
    assert_non_null(mkdtemp(pki->dir));
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    pki_hierarchy h;
    assert_int_equal(pki_issue_hierarchy(&params, &h), AW_OK);
    snprintf(pki->ci, sizeof(pki->ci), "%s/ci.pem", pki->dir);
    snprintf(pki->tls_cert, sizeof(pki->tls_cert), "%s/dptls.pem", pki->dir);
    snprintf(pki->tls_key, sizeof(pki->tls_key), "%s/dptls.key.pem", pki->dir);
    X509 *tls = X509_dup((X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_DP_TLS]));
    assert_non_null(tls);
    if (common_name != NULL) {
        X509_NAME *name = X509_get_subject_name(tls);
        int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        assert_true(at >= 0);
        X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, at));
        assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                                    (const unsigned char *)common_name, -1, -1,
                                                    0),
                         1);
        assert_true(X509_sign(tls, h.key[AW_PKI_ROLE_CI], EVP_sha256()) > 0);
    }
    notify_write_pem(pki->ci, (X509 *)pki_certificate_x509(h.cert[AW_PKI_ROLE_CI]), NULL);
    notify_write_pem(pki->tls_cert, tls, NULL);
    notify_write_pem(pki->tls_key, NULL, h.key[AW_PKI_ROLE_DP_TLS]);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_true(X509_NAME_print_ex(bio, X509_get_subject_name(tls), 0, XN_FLAG_RFC2253) >= 0);
    char *text = NULL;
    long len = BIO_get_mem_data(bio, &text);
    assert_true(len > 0 && (size_t)len < sizeof(pki->tls_subject));
    memcpy(pki->tls_subject, text, (size_t)len);
    pki->tls_subject[len] = '\0';
    BIO_free(bio);
    X509_free(tls);
    pki_hierarchy_free(&h);
}

static inline void notify_pki_remove(notify_pki *pki)
{
    unlink(pki->ci);
    unlink(pki->tls_cert);
    unlink(pki->tls_key);
    rmdir(pki->dir);
}

/* ---- The operator's server --------------------------------------------- */

#define OPERATOR_MAX_RECEIVED 16

typedef struct operator_received {
    json_t *body;
    char peer_subject[256];
    char admin_protocol[64];
} operator_received;

typedef struct operator_server {
    struct event_base *base;
    http_server *server;
    pthread_t thread;
    uint16_t port;           /* kept across a stop and restart */
    pthread_mutex_t lock;
    int answer;              /* HTTP status to answer with */
    size_t count;
    operator_received received[OPERATOR_MAX_RECEIVED];
} operator_server;

static inline void operator_handle(http_request *request, void *userdata)
{
    operator_server *op = userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    json_t *root = json_loadb((const char *)body, len, 0, NULL);
    const char *subject = http_request_peer_subject(request);
    const char *protocol = http_request_header(request, "X-Admin-Protocol");
    pthread_mutex_lock(&op->lock);
    int answer = op->answer;
    if (answer == 204 && root != NULL && op->count < OPERATOR_MAX_RECEIVED) {
        operator_received *r = &op->received[op->count++];
        r->body = root;
        root = NULL;
        snprintf(r->peer_subject, sizeof(r->peer_subject), "%s", subject ? subject : "");
        snprintf(r->admin_protocol, sizeof(r->admin_protocol), "%s", protocol ? protocol : "");
    }
    pthread_mutex_unlock(&op->lock);
    json_decref(root);
    http_request_set_status(request, answer);
}

static inline void *operator_loop(void *arg)
{
    operator_server *op = arg;
    event_base_loop(op->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Listen (on op->port when non-zero, else an ephemeral port) with the
 * operator's TLS certificate, requiring client certificates under
 * client_ca (NULL: none asked). */
static inline void operator_start(operator_server *op, const notify_pki *pki,
                                  const char *client_ca)
{
    http_server_config config = {.address = "127.0.0.1",
                                 .port = op->port,
                                 .certificate_file = pki->tls_cert,
                                 .key_file = pki->tls_key,
                                 .client_ca_file = client_ca};
    op->base = event_base_new();
    assert_non_null(op->base);
    assert_int_equal(http_server_new(op->base, &config, &op->server), AW_OK);
    assert_int_equal(http_server_route(op->server, AW_HTTP_METHOD_POST, SMDP_NOTIFY_PATH,
                                       operator_handle, op),
                     AW_OK);
    assert_int_equal(http_server_start(op->server), AW_OK);
    op->port = http_server_port(op->server);
    assert_int_equal(pthread_create(&op->thread, NULL, operator_loop, op), 0);
}

static inline void operator_init(operator_server *op)
{
    memset(op, 0, sizeof(*op));
    assert_int_equal(pthread_mutex_init(&op->lock, NULL), 0);
    op->answer = 204;
}

/* Stop listening (the port stays op->port for a restart). loopexit, not
 * loopbreak: a timer event is not lost if the thread has not looped yet. */
static inline void operator_stop(operator_server *op)
{
    if (op->base == NULL)
        return;
    event_base_loopexit(op->base, NULL);
    assert_int_equal(pthread_join(op->thread, NULL), 0);
    http_server_free(op->server);
    event_base_free(op->base);
    op->server = NULL;
    op->base = NULL;
}

static inline void operator_free(operator_server *op)
{
    operator_stop(op);
    for (size_t i = 0; i < op->count; i++)
        json_decref(op->received[i].body);
    pthread_mutex_destroy(&op->lock);
}

static inline size_t operator_count(operator_server *op)
{
    pthread_mutex_lock(&op->lock);
    size_t n = op->count;
    pthread_mutex_unlock(&op->lock);
    return n;
}

static inline void operator_answer(operator_server *op, int status)
{
    pthread_mutex_lock(&op->lock);
    op->answer = status;
    pthread_mutex_unlock(&op->lock);
}

/* Wait up to timeout_ms for at least n notifications. */
static inline bool operator_wait(operator_server *op, size_t n, unsigned timeout_ms)
{
    for (unsigned waited = 0; waited < timeout_ms; waited += 20) {
        if (operator_count(op) >= n)
            return true;
        usleep(20000);
    }
    return operator_count(op) >= n;
}

/* A free loopback port: one an ephemeral listener got, then closed. */
static inline uint16_t operator_free_port(const notify_pki *pki)
{
    operator_server probe;
    operator_init(&probe);
    operator_start(&probe, pki, NULL);
    uint16_t port = probe.port;
    operator_free(&probe);
    return port;
}

#endif
