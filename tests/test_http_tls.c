/* Tests for the TLS policy of the HTTPS server and client (http_tls.c,
 * http_server.h; SGP.22 2.6.6): versions, cipher suites, brainpoolP256r1 in
 * TLS 1.2, plain HTTP on the TLS port, server certificate checks by the
 * client, mutual TLS. A bare OpenSSL client probes what the server accepts. */
#include "http_testutil.h"

static test_pki nist;      /* P-256 PKI: server certificate, client certificate, CA */
static test_pki other;     /* an unrelated P-256 CA */
static test_pki brainpool; /* brainpoolP256r1 PKI */

/* Answers the verified client certificate subject ("-" without one) and
 * keeps the DER for comparison. */
static uint8_t peer_der[4096];
static size_t peer_der_len;
static void handle_whoami(http_request *request, void *userdata)
{
    (void)userdata;
    const char *subject = http_request_peer_subject(request);
    aw_slice der = http_request_peer_certificate(request);
    peer_der_len = der.len <= sizeof(peer_der) ? der.len : 0;
    if (peer_der_len != 0)
        memcpy(peer_der, der.ptr, der.len);
    if (subject == NULL)
        subject = "-";
    http_request_set_body(request, subject, strlen(subject));
}

static void start_server(test_server *ts, const test_pki *pki, const char *address,
                         const char *client_ca)
{
    http_server_config config = {.address = address,
                                 .certificate_file = pki->tls_cert,
                                 .key_file = pki->tls_key,
                                 .client_ca_file = client_ca,
                                 .timeout_ms = 5000};
    test_server_new(ts, &config);
    assert_int_equal(
        http_server_route(ts->server, AW_HTTP_METHOD_GET, "/whoami", handle_whoami, NULL), AW_OK);
    test_server_run(ts);
}

/* GET /whoami with our client; returns the error, body into out. */
static aw_err whoami(const test_server *ts, const char *host, const http_client_config *config,
                     char *out, size_t cap)
{
    http_client *client = NULL;
    assert_int_equal(http_client_new(config, &client), AW_OK);
    char url[256];
    test_url(url, sizeof(url), host, ts, "/whoami");
    http_client_request request = {.method = AW_HTTP_METHOD_GET, .url = url};
    http_client_response *response = NULL;
    aw_err err = http_client_send(client, &request, &response);
    if (err == AW_OK) {
        assert_int_equal(response->status, 200);
        snprintf(out, cap, "%s", (const char *)response->body);
    } else {
        assert_null(response);
    }
    http_client_response_free(response);
    http_client_free(client);
    return err;
}

static int reason(const test_probe_result *r)
{
    return ERR_GET_REASON(r->error);
}

static void test_versions_and_suites(void **state)
{
    (void)state;
    test_server ts;
    start_server(&ts, &nist, "127.0.0.1", NULL);
    uint16_t port = http_server_port(ts.server);
    test_probe_result r;
    /* TLS 1.0 and 1.1: the server answers protocol_version */
    r = test_tls_probe(port, &(test_probe){TLS1_1_VERSION, TLS1_1_VERSION, NULL, NULL, NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    r = test_tls_probe(port, &(test_probe){TLS1_VERSION, TLS1_VERSION, NULL, NULL, NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    /* TLS 1.2 with CBC suites only, or RSA key exchange only: no shared suite */
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION,
                                           "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA",
                                           NULL, NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION,
                                           "AES128-GCM-SHA256:AES256-GCM-SHA384", NULL, NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
    /* TLS 1.2 with ECDHE + AEAD: accepted, certificate verified by the CA */
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION,
                                           "ECDHE-ECDSA-AES128-GCM-SHA256", NULL, nist.ci});
    assert_true(r.connected);
    assert_int_equal(r.version, TLS1_2_VERSION);
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION,
                                           "ECDHE-ECDSA-CHACHA20-POLY1305", NULL, nist.ci});
    assert_true(r.connected);
    /* a modern client gets TLS 1.3 */
    r = test_tls_probe(port, &(test_probe){TLS1_VERSION, TLS1_3_VERSION, NULL, NULL, nist.ci});
    assert_true(r.connected);
    assert_int_equal(r.version, TLS1_3_VERSION);
    assert_int_equal(test_stats(&ts).requests_dispatched, 0);
    test_server_free(&ts);
}

/* Plain HTTP to the TLS port: no HTTP response ever comes back. */
static void test_plain_http_refused(void **state)
{
    (void)state;
    test_server ts;
    start_server(&ts, &nist, "127.0.0.1", NULL);
    int fd = test_connect_tcp("127.0.0.1", http_server_port(ts.server));
    static const char request[] = "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_int_equal(send(fd, request, sizeof(request) - 1, 0), (ssize_t)(sizeof(request) - 1));
    char reply[512];
    size_t got = 0;
    for (int i = 0; i < 16 && got < sizeof(reply); i++) {
        ssize_t n = recv(fd, reply + got, sizeof(reply) - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    /* At most a TLS alert record (content type 21), never "HTTP/". */
    assert_true(got == 0 || (uint8_t)reply[0] == 21);
    assert_int_equal(recv(fd, reply, sizeof(reply), 0), 0); /* closed by the server */
    close(fd);
    assert_int_equal(test_stats(&ts).requests_dispatched, 0);
    test_server_free(&ts);
}

/* A client that connects and never starts the handshake is dropped after
 * the configured timeout. */
static void test_handshake_timeout(void **state)
{
    (void)state;
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = nist.tls_cert,
                                 .key_file = nist.tls_key,
                                 .timeout_ms = 200};
    test_server ts;
    test_server_new(&ts, &config);
    test_server_run(&ts);
    struct timeval start, end;
    gettimeofday(&start, NULL);
    int fd = test_connect_tcp("127.0.0.1", http_server_port(ts.server));
    char byte;
    assert_int_equal(recv(fd, &byte, 1, 0), 0); /* closed, before SO_RCVTIMEO (5 s) */
    gettimeofday(&end, NULL);
    long elapsed_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_usec - start.tv_usec) / 1000;
    assert_true(elapsed_ms >= 150 && elapsed_ms < 3000);
    close(fd);
    assert_int_equal(test_stats(&ts).connections_accepted, 1);
    test_server_free(&ts);
}

static void test_client_checks_server(void **state)
{
    (void)state;
    char body[512];
    test_server ts;
    start_server(&ts, &nist, "127.0.0.1", NULL);
    /* trusted CA and matching name (DNS, IPv4) */
    http_client_config config = {.ca_file = nist.ci};
    assert_int_equal(whoami(&ts, "localhost", &config, body, sizeof(body)), AW_OK);
    assert_string_equal(body, "-"); /* no mutual TLS: no client subject */
    assert_int_equal(whoami(&ts, "127.0.0.1", &config, body, sizeof(body)), AW_OK);
    /* a CA that did not issue the server certificate */
    config.ca_file = other.ci;
    assert_int_equal(whoami(&ts, "127.0.0.1", &config, body, sizeof(body)),
                     AW_ERR_HTTP_CERTIFICATE);
    test_server_free(&ts);

    /* a certificate for another name */
    test_pki named;
    static const char *const names[] = {"smdp.example.invalid"};
    test_pki_make(&named, AW_PKI_CURVE_NIST_P256, names, 1);
    start_server(&ts, &named, "127.0.0.1", NULL);
    config.ca_file = named.ci;
    assert_int_equal(whoami(&ts, "127.0.0.1", &config, body, sizeof(body)),
                     AW_ERR_HTTP_CERTIFICATE);
    assert_int_equal(whoami(&ts, "localhost", &config, body, sizeof(body)),
                     AW_ERR_HTTP_CERTIFICATE);
    test_server_free(&ts);
    test_pki_remove(&named);
}

/* In TLS 1.2 the server refuses the client certificate inside the
 * handshake. In TLS 1.3 it judges it after the client finished (RFC 8446
 * 4.4.2.4): the client reads the alert (AW_ERR_HTTP_TLS), unless the
 * server's close resets the connection before the alert is read
 * (AW_ERR_HTTP_TRANSFER); either way no request reaches a handler. */
static void check_refused(aw_err err, bool tls12_only)
{
    if (tls12_only || err != AW_ERR_HTTP_TRANSFER)
        assert_int_equal(err, AW_ERR_HTTP_TLS);
}

static void check_mutual_tls(bool tls12_only)
{
    char body[512];
    test_server ts;
    start_server(&ts, &nist, "::1", nist.ci);
    /* no client certificate */
    http_client_config config = {.ca_file = nist.ci, .tls12_only = tls12_only};
    check_refused(whoami(&ts, "::1", &config, body, sizeof(body)), tls12_only);
    /* a certificate from another CA */
    config.certificate_file = other.tls_cert;
    config.key_file = other.tls_key;
    check_refused(whoami(&ts, "::1", &config, body, sizeof(body)), tls12_only);
    assert_int_equal(test_stats(&ts).requests_dispatched, 0);
    /* the right one: the handler sees its subject and DER */
    config.certificate_file = nist.tls_cert;
    config.key_file = nist.tls_key;
    peer_der_len = 0;
    assert_int_equal(whoami(&ts, "::1", &config, body, sizeof(body)), AW_OK);
    assert_string_equal(body, nist.tls_subject);
    FILE *f = fopen(nist.tls_cert, "r");
    assert_non_null(f);
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(cert);
    unsigned char *der = NULL;
    int der_len = i2d_X509(cert, &der);
    assert_int_equal(peer_der_len, der_len);
    assert_memory_equal(peer_der, der, peer_der_len);
    OPENSSL_free(der);
    X509_free(cert);
    assert_int_equal(test_stats(&ts).requests_dispatched, 1);
    test_server_free(&ts);
}

static void test_mutual_tls_13(void **state)
{
    (void)state;
    check_mutual_tls(false);
}

static void test_mutual_tls_12(void **state)
{
    (void)state;
    check_mutual_tls(true);
}

/* SGP.22 2.6.5 brainpoolP256r1 certificate: TLS 1.2 with the group offered. */
static void test_brainpool(void **state)
{
    (void)state;
    char body[512];
    test_server ts;
    start_server(&ts, &brainpool, "127.0.0.1", NULL);
    uint16_t port = http_server_port(ts.server);
    test_probe_result r;
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION, NULL,
                                           "brainpoolP256r1", brainpool.ci});
    assert_true(r.connected);
    assert_int_equal(r.version, TLS1_2_VERSION);
    /* a client offering TLS 1.3 too is served TLS 1.2 */
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_3_VERSION, NULL,
                                           "X25519:brainpoolP256r1", brainpool.ci});
    assert_true(r.connected);
    assert_int_equal(r.version, TLS1_2_VERSION);
    /* a client that does not offer brainpoolP256r1 cannot use the certificate */
    r = test_tls_probe(port, &(test_probe){TLS1_2_VERSION, TLS1_2_VERSION, NULL, "P-256", NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
    /* a TLS 1.3-only client is refused */
    r = test_tls_probe(port, &(test_probe){TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, NULL});
    assert_false(r.connected);
    assert_int_equal(reason(&r), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    /* our client, with its default policy and capped at 1.2 */
    http_client_config config = {.ca_file = brainpool.ci};
    assert_int_equal(whoami(&ts, "127.0.0.1", &config, body, sizeof(body)), AW_OK);
    config.tls12_only = true;
    assert_int_equal(whoami(&ts, "localhost", &config, body, sizeof(body)), AW_OK);
    test_server_free(&ts);

    /* mutual TLS with brainpool certificates on both sides, over IPv6 */
    start_server(&ts, &brainpool, "::1", brainpool.ci);
    config = (http_client_config){.ca_file = brainpool.ci,
                                  .certificate_file = brainpool.tls_cert,
                                  .key_file = brainpool.tls_key};
    assert_int_equal(whoami(&ts, "::1", &config, body, sizeof(body)), AW_OK);
    assert_string_equal(body, brainpool.tls_subject);
    test_server_free(&ts);
}

/* Server keys that are not on the RSP curves still serve (an RSA key from a
 * public CA for the northbound API goes through OpenSSL's decoder), and an
 * encrypted key is refused, never prompted for. */
static void test_server_key_forms(void **state)
{
    (void)state;
    char cert_path[320], key_path[320];
    snprintf(cert_path, sizeof(cert_path), "%s/rsa.pem", nist.dir);
    snprintf(key_path, sizeof(key_path), "%s/rsa.key.pem", nist.dir);
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(rsa);
    X509 *cert = X509_new();
    assert_non_null(cert);
    X509_NAME *name = X509_get_subject_name(cert);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"rsa.test", -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(cert, name), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(cert), 7), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), -60));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), 3600));
    assert_int_equal(X509_set_pubkey(cert, rsa), 1);
    assert_true(X509_sign(cert, rsa, EVP_sha256()) > 0);
    test_write_pem(cert_path, cert, NULL);
    test_write_pem(key_path, NULL, rsa);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = cert_path,
                                 .key_file = key_path, .timeout_ms = 5000};
    test_server ts;
    test_server_new(&ts, &config);
    test_server_run(&ts);
    test_probe_result r = test_tls_probe(http_server_port(ts.server),
                                         &(test_probe){TLS1_2_VERSION, TLS1_3_VERSION, NULL,
                                                       NULL, NULL});
    assert_true(r.connected);
    test_server_free(&ts);

    /* the P-256 key encrypted under a passphrase */
    EVP_PKEY *ec = NULL;
    BIO *in = BIO_new_mem_buf(nist.tls_key_pem, -1);
    assert_non_null(in);
    ec = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    assert_non_null(ec);
    BIO_free(in);
    FILE *f = fopen(key_path, "w");
    assert_non_null(f);
    static unsigned char pass[] = "passphrase";
    assert_int_equal(PEM_write_PrivateKey(f, ec, EVP_aes_128_cbc(), pass, 10, NULL, NULL), 1);
    fclose(f);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    http_server *server = NULL;
    config.certificate_file = nist.tls_cert;
    assert_int_equal(http_server_new(base, &config, &server), AW_ERR_HTTP_TLS_CONFIG);
    assert_null(server);
    event_base_free(base);
    unlink(cert_path);
    unlink(key_path);
    EVP_PKEY_free(ec);
    X509_free(cert);
    EVP_PKEY_free(rsa);
}

static int setup(void **state)
{
    (void)state;
    test_pki_make(&nist, AW_PKI_CURVE_NIST_P256, NULL, 0);
    test_pki_make(&other, AW_PKI_CURVE_NIST_P256, NULL, 0);
    test_pki_make(&brainpool, AW_PKI_CURVE_BRAINPOOL_P256R1, NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_pki_remove(&nist);
    test_pki_remove(&other);
    test_pki_remove(&brainpool);
    return 0;
}

int main(void)
{
    /* A peer's reset must be an error return, not a signal (see headers). */
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions_and_suites),
        cmocka_unit_test(test_plain_http_refused),
        cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_client_checks_server),
        cmocka_unit_test(test_mutual_tls_13),
        cmocka_unit_test(test_mutual_tls_12),
        cmocka_unit_test(test_brainpool),
        cmocka_unit_test(test_server_key_forms),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    libevent_global_shutdown();
    return failed;
}
