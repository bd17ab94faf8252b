/* The TLS policy of airwrite's HTTPS server (http_server.h, http_tls.c;
 * SGP.22 2.6.6, RFC 9325 4) probed by an independent client, the openssl
 * s_client command: TLS 1.0 and 1.1, TLS 1.2 with CBC, static-RSA, NULL,
 * anonymous or finite-field DHE suites, TLS 1.3 with CCM_8, groups outside
 * the policy and a downgrade (TLS_FALLBACK_SCSV, RFC 7507) must be refused;
 * TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305 and TLS 1.3 accepted and
 * usable for a request. The client always runs at security level 0
 * ("-cipher ...:@SECLEVEL=0"), so that it really offers the weak choice and
 * a refusal provably comes from the server; the server's reason is the
 * alert it sends, which s_client reports ("SSL alert number N",
 * RFC 8446 6.2): 70 protocol_version, 40 handshake_failure, 86
 * inappropriate_fallback. Each refused connection reaches no handler.
 * Client-initiated renegotiation is refused too (no_renegotiation).
 *
 * SSLv3, EXPORT, RC4 and 3DES suites cannot be offered: Debian's OpenSSL 3
 * client has none of them compiled in (checked below with "openssl ciphers",
 * so the test notices if that changes). */
#include "http_testutil.h"

#include <sys/wait.h>

static test_pki pki;
static test_server server;
static uint16_t port;

static void handle_ok(http_request *request, void *userdata)
{
    (void)userdata;
    http_request_set_body(request, "policy-ok", 9);
}

static bool have_openssl(void)
{
    return system("openssl version >/dev/null 2>&1") == 0;
}

typedef struct probe_output {
    int status;        /* exit status of s_client */
    char text[16384];  /* stdout and stderr */
} probe_output;

/* Run s_client against the server with extra options, sending one HTTP
 * request; -ign_eof keeps reading until the server closes the connection. */
static void s_client(const char *options, probe_output *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "printf 'GET /ok HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | "
             "timeout 20 openssl s_client -connect 127.0.0.1:%u -servername localhost "
             "-CAfile '%s' -verify_return_error -ign_eof %s 2>&1",
             (unsigned)port, pki.ci, options);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out->text, 1, sizeof(out->text) - 1, p);
    out->text[n] = '\0';
    int status = pclose(p);
    out->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool contains(const probe_output *out, const char *needle)
{
    return strstr(out->text, needle) != NULL;
}

/* Refused by the server with this alert; no request reached a handler. */
static void expect_refused(const char *options, int alert)
{
    uint64_t dispatched = test_stats(&server).requests_dispatched;
    probe_output out;
    s_client(options, &out);
    char want[64];
    snprintf(want, sizeof(want), "SSL alert number %d", alert);
    if (out.status == 0 || !contains(&out, want) || contains(&out, "policy-ok"))
        fprintf(stderr, "s_client %s: status %d, wanted alert %d:\n%s\n", options, out.status, alert,
                    out.text);
    assert_int_not_equal(out.status, 0);
    assert_true(contains(&out, want));
    assert_false(contains(&out, "policy-ok"));
    assert_int_equal(test_stats(&server).requests_dispatched, dispatched);
}

/* Accepted with this protocol and suite, and the request answered. */
static void expect_accepted(const char *options, const char *protocol, const char *suite)
{
    probe_output out;
    s_client(options, &out);
    char want_protocol[64], want_suite[128];
    snprintf(want_protocol, sizeof(want_protocol), "Protocol  : %s", protocol);
    snprintf(want_suite, sizeof(want_suite), "Cipher    : %s", suite);
    /* http_server ends the connection with a TLS close_notify (RFC 8446
     * 6.1), so s_client exits 0 after the body */
    const char *body = strstr(out.text, "policy-ok");
    bool closed_cleanly = out.status == 0;
    if (!closed_cleanly || !contains(&out, want_protocol) || !contains(&out, want_suite) ||
        body == NULL)
        fprintf(stderr, "s_client %s: status %d, wanted %s %s:\n%s\n", options, out.status,
                protocol, suite, out.text);
    assert_true(closed_cleanly);
    assert_true(contains(&out, want_protocol));
    assert_true(contains(&out, want_suite));
    assert_true(contains(&out, "Verify return code: 0 (ok)"));
    assert_true(contains(&out, "HTTP/1.1 200"));
    assert_true(contains(&out, "policy-ok"));
}

/* Accepted (as above) with this key exchange. */
static void expect_key_exchange(const char *options, const char *temp_key)
{
    probe_output out;
    s_client(options, &out);
    if (!contains(&out, temp_key) || !contains(&out, "policy-ok"))
        fprintf(stderr, "s_client %s: wanted %s:\n%s\n", options, temp_key, out.text);
    assert_true(contains(&out, temp_key));
    assert_true(contains(&out, "policy-ok"));
}

static void test_old_versions_refused(void **state)
{
    (void)state;
    expect_refused("-tls1 -cipher 'DEFAULT:@SECLEVEL=0'", 70);
    expect_refused("-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'", 70);
    expect_refused("-tls1_1 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'", 70);
}

static void test_weak_tls12_suites_refused(void **state)
{
    (void)state;
    /* CBC with HMAC (SHA-1 and SHA-2), ECDHE key exchange */
    expect_refused("-tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
                   "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0'",
                   40);
    /* static RSA key exchange, even with GCM */
    expect_refused("-tls1_2 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:"
                   "@SECLEVEL=0'",
                   40);
    /* a policy suite, but only SHA-224 signatures (not SHA-2 256+) */
    expect_refused("-tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0' "
                   "-sigalgs ECDSA+SHA224",
                   40);
    /* NULL encryption */
    expect_refused("-tls1_2 -cipher 'ECDHE-ECDSA-NULL-SHA:NULL:@SECLEVEL=0'", 40);
    expect_refused("-tls1_2 -cipher 'NULL-MD5:NULL-SHA256:@SECLEVEL=0'", 40);
    /* anonymous ECDH (no server authentication) */
    expect_refused("-tls1_2 -cipher 'aNULL:@SECLEVEL=0'", 40);
    /* finite-field DHE with GCM */
    expect_refused("-tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
                   "@SECLEVEL=0'",
                   40);
    /* a policy suite, but only SHA-1 signatures (RFC 9155) */
    expect_refused("-tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0' "
                   "-sigalgs ECDSA+SHA1",
                   40);
    /* the policy's suite, but no policy group (P-521 only) */
    expect_refused("-tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0' "
                   "-groups secp521r1",
                   40);
}

static void test_weak_tls13_refused(void **state)
{
    (void)state;
    /* CCM_8 (64-bit tag) is outside the policy */
    expect_refused("-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256", 40);
    expect_refused("-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256", 40);
    /* finite-field groups only */
    expect_refused("-tls1_3 -groups ffdhe2048:ffdhe3072", 40);
}

/* A client that fell back to TLS 1.2 although the server has TLS 1.3
 * (RFC 7507 3: inappropriate_fallback). */
static void test_downgrade_detected(void **state)
{
    (void)state;
    expect_refused("-tls1_2 -fallback_scsv -cipher 'DEFAULT:@SECLEVEL=0'", 86);
}

static void test_strong_accepted(void **state)
{
    (void)state;
    expect_accepted("-tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0'", "TLSv1.2",
                    "ECDHE-ECDSA-AES128-GCM-SHA256");
    expect_accepted("-tls1_2 -cipher 'ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0'", "TLSv1.2",
                    "ECDHE-ECDSA-AES256-GCM-SHA384");
    expect_accepted("-tls1_2 -cipher 'ECDHE-ECDSA-CHACHA20-POLY1305:@SECLEVEL=0'", "TLSv1.2",
                    "ECDHE-ECDSA-CHACHA20-POLY1305");
    /* a TLS 1.2 client offering everything, weak first: the server picks
     * its own first choice (server preference) */
    expect_accepted("-tls1_2 -cipher 'NULL:aNULL:AES128-SHA:ECDHE-ECDSA-AES128-SHA:"
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0'",
                    "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256");
    /* TLS 1.2: the client's groups must include the certificate's curve
     * (RFC 8422 5.1), so X25519 is offered beside P-256 and preferred */
    expect_accepted("-tls1_2 -groups X25519:P-256", "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256");
    expect_refused("-tls1_2 -groups X25519", 40);
    expect_key_exchange("-tls1_2 -groups X25519:P-256", "Server Temp Key: X25519");
    /* TLS 1.3: each policy group on its own */
    expect_key_exchange("-tls1_3 -groups X25519", "Server Temp Key: X25519");
    expect_key_exchange("-tls1_3 -groups P-256", "Server Temp Key: ECDH, prime256v1");
    expect_key_exchange("-tls1_3 -groups P-384", "Server Temp Key: ECDH, secp384r1");
    /* TLS 1.3, each suite */
    expect_accepted("-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256", "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256");
    expect_accepted("-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384", "TLSv1.3",
                    "TLS_AES_256_GCM_SHA384");
    expect_accepted("-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256", "TLSv1.3",
                    "TLS_CHACHA20_POLY1305_SHA256");
    expect_accepted("-tls1_3 -groups P-256", "TLSv1.3", "TLS_AES_");
    /* a default client gets TLS 1.3 */
    expect_accepted("-cipher 'DEFAULT:@SECLEVEL=0'", "TLSv1.3", "TLS_AES_");
}

/* The suites this test cannot offer are indeed absent from the client, so
 * leaving them out is not a hole in the test. */
static void test_unofferable_suites_absent(void **state)
{
    (void)state;
    static const char *const lists[] = {"EXPORT", "RC4", "3DES", "DES-CBC3-SHA"};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "openssl ciphers -tls1_2 '%s:@SECLEVEL=0' 2>&1 | "
                                   "grep -q 'no cipher match'",
                 lists[i]);
        if (system(cmd) != 0)
            print_error("openssl now offers %s: add it to the refused cases\n", lists[i]);
        assert_int_equal(system(cmd), 0);
    }
    probe_output out;
    s_client("-ssl3", &out);
    assert_true(contains(&out, "-ssl3") || contains(&out, "nknown option"));
}

/* Client-initiated renegotiation (the "R" command of s_client) is refused
 * with a no_renegotiation alert (RFC 5746 4.4; the policy turns it off). */
static void test_renegotiation_refused(void **state)
{
    (void)state;
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "(printf 'R\\n'; sleep 2) | timeout 20 openssl s_client -connect 127.0.0.1:%u "
             "-servername localhost -CAfile '%s' -tls1_2 2>&1",
             (unsigned)port, pki.ci);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char text[16384];
    size_t n = fread(text, 1, sizeof(text) - 1, p);
    text[n] = '\0';
    pclose(p);
    /* the handshake completed, then the renegotiation request was answered
     * with the server's no_renegotiation alert */
    if (strstr(text, "RENEGOTIATING") == NULL || strstr(text, "no renegotiation") == NULL)
        fprintf(stderr, "%s\n", text);
    assert_non_null(strstr(text, "Protocol  : TLSv1.2"));
    assert_non_null(strstr(text, "RENEGOTIATING"));
    assert_non_null(strstr(text, ":no renegotiation:"));
}

static int setup(void **state)
{
    (void)state;
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .timeout_ms = 10000};
    test_server_new(&server, &config);
    assert_int_equal(http_server_route(server.server, AW_HTTP_METHOD_GET, "/ok", handle_ok, NULL),
                     AW_OK);
    test_server_run(&server);
    port = http_server_port(server.server);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_server_free(&server);
    test_pki_remove(&pki);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!have_openssl()) {
        printf("skip: the openssl command is not installed\n");
        return TEST_SKIP_EXIT;
    }
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_versions_refused),
        cmocka_unit_test(test_weak_tls12_suites_refused),
        cmocka_unit_test(test_weak_tls13_refused),
        cmocka_unit_test(test_downgrade_detected),
        cmocka_unit_test(test_strong_accepted),
        cmocka_unit_test(test_unofferable_suites_absent),
        cmocka_unit_test(test_renegotiation_refused),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    libevent_global_shutdown();
    return failed;
}
