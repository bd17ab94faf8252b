/* Encrypted terminal information end to end (issue 8, docs/terminal-info.md):
 * the IPA's poll loop (src/ipa poll.c with the terminal information hook)
 * on a software eUICC against the real eIM, sending its record before each
 * ESipa exchange to the platform's POST /terminal/v1/info over mutual TLS
 * (device certificate naming the EID), sealed to the platform's key in both
 * suites (ECIES P-256, SM2). Policy on: the records arrive sealed, are
 * stored sealed (the database file holds no IMEI) and the fix reaches the
 * location policy; a record sealed to the wrong key (T3206), to a key id
 * the platform lacks (T3205) or from a certificate of another EID (T3203)
 * is refused, and the eIM exchange goes on. Policy off: no hook, nothing
 * sent, the poll cycle as before; a device configured to report to a
 * platform that does not serve the path gets 404 and the exchange goes on. */
#include "ipa_esipa_testutil.h"
#include "platform_testutil.h"

#include <signal.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ipa/terminal_info.h"
#include "platform/location_policy.h"
#include "platform/platform_inventory.h"
#include "platform/platform_terminal_info.h"

#define IMEI "356938035643809"

static esipa_env env;

/* ---- Device certificates (P-256; a CA, leaves with serialNumber) ------------- */

typedef struct issued {
    X509 *cert;
    EVP_PKEY *key;
} issued;

static issued issue(const issued *ca, const char *serial_number)
{
    issued out = {X509_new(), EVP_EC_gen("P-256")};
    assert_non_null(out.cert);
    assert_non_null(out.key);
    static long serial = 100;
    ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
    X509_set_version(out.cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(out.cert), 86400);
    X509_set_pubkey(out.cert, out.key);
    X509_NAME *name = X509_get_subject_name(out.cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               (const unsigned char *)(ca == NULL ? "device CA" : "device"), -1,
                               -1, 0);
    if (serial_number != NULL)
        X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                   (const unsigned char *)serial_number, -1, -1, 0);
    X509_set_issuer_name(out.cert, ca != NULL ? X509_get_subject_name(ca->cert) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca != NULL ? ca->cert : out.cert, out.cert, NULL, NULL, 0);
    const char *exts[][2] = {
        {"basicConstraints", ca == NULL ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", ca == NULL ? "critical,keyCertSign" : "critical,digitalSignature"},
        {"extendedKeyUsage", "clientAuth"},
    };
    for (size_t i = 0; i < (ca == NULL ? 2u : 3u); i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        assert_non_null(e);
        X509_add_ext(out.cert, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(out.cert, ca != NULL ? ca->key : out.key, EVP_sha256()) > 0);
    return out;
}

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(cert != NULL ? PEM_write_X509(f, cert)
                                  : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
}

static void issued_free(issued *i)
{
    X509_free(i->cert);
    EVP_PKEY_free(i->key);
}

/* ---- The platform's terminal listener ----------------------------------------- */

typedef struct platform_side {
    platform_test_db tdb;
    db_connection *db, *loop_db;
    platform_key_ring *ring;
    crypto_envelope_key *keys[2]; /* id 1 international, id 2 domestic */
    platform_terminal_info_config config;
    platform_terminal_info_endpoint endpoint;
    struct event_base *base;
    http_server *server;
    pthread_t thread;
    char device_ca[300], device_cert[300], device_key[300], other_cert[300], other_key[300];
    char url[128];
} platform_side;

static platform_side p;

static void *platform_loop(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void platform_start(bool serve_info)
{
    char cert[600], key[600];
    snprintf(cert, sizeof(cert), "%s/dptls.pem", env.tls_dir);
    snprintf(key, sizeof(key), "%s/dptls.key.pem", env.tls_dir);
    http_server_config http = {.address = "127.0.0.1", .certificate_file = cert, .key_file = key,
                               .client_ca_file = p.device_ca};
    p.base = event_base_new();
    assert_non_null(p.base);
    assert_int_equal(http_server_new(p.base, &http, &p.server), AW_OK);
    p.loop_db = platform_test_db_open(&p.tdb);
    p.endpoint = (platform_terminal_info_endpoint){.db = p.loop_db, .config = &p.config};
    if (serve_info)
        assert_int_equal(platform_terminal_info_register(p.server, &p.endpoint), AW_OK);
    assert_int_equal(http_server_start(p.server), AW_OK);
    assert_int_equal(pthread_create(&p.thread, NULL, platform_loop, p.base), 0);
    snprintf(p.url, sizeof(p.url), "https://127.0.0.1:%u%s",
             (unsigned)http_server_port(p.server), PLATFORM_TERMINAL_INFO_PATH);
}

static void platform_stop(void)
{
    event_base_loopexit(p.base, NULL);
    assert_int_equal(pthread_join(p.thread, NULL), 0);
    http_server_free(p.server);
    event_base_free(p.base);
    db_close(p.loop_db);
    p.loop_db = NULL;
}

static int setup(void **state)
{
    (void)state;
    esipa_env_setup(&env, AW_PKI_CURVE_NIST_P256);
    platform_test_db_make(&p.tdb, NULL);
    p.db = platform_test_db_open(&p.tdb);
    assert_int_equal(platform_card_ensure(p.db, "tenant-a", AW_PKI_DEFAULT_EID, "test", 1000, NULL),
                     AW_OK);
    p.ring = platform_test_ring(1);
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_INTERNATIONAL, &p.keys[0]), AW_OK);
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_DOMESTIC, &p.keys[1]), AW_OK);
    p.config = (platform_terminal_info_config){
        .key_count = 2, .keys = {{1, p.keys[0]}, {2, p.keys[1]}}, .storage = p.ring};
    issued ca = issue(NULL, NULL), device = issue(&ca, AW_PKI_DEFAULT_EID),
           other = issue(&ca, "89049032000000000000000000000999");
    snprintf(p.device_ca, sizeof(p.device_ca), "%s/device-ca.pem", env.tls_dir);
    snprintf(p.device_cert, sizeof(p.device_cert), "%s/device.pem", env.tls_dir);
    snprintf(p.device_key, sizeof(p.device_key), "%s/device.key.pem", env.tls_dir);
    snprintf(p.other_cert, sizeof(p.other_cert), "%s/other.pem", env.tls_dir);
    snprintf(p.other_key, sizeof(p.other_key), "%s/other.key.pem", env.tls_dir);
    write_pem(p.device_ca, ca.cert, NULL);
    write_pem(p.device_cert, device.cert, NULL);
    write_pem(p.device_key, NULL, device.key);
    write_pem(p.other_cert, other.cert, NULL);
    write_pem(p.other_key, NULL, other.key);
    issued_free(&ca);
    issued_free(&device);
    issued_free(&other);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *files[] = {p.device_ca, p.device_cert, p.device_key, p.other_cert, p.other_key};
    for (size_t i = 0; i < 5; i++)
        unlink(files[i]);
    crypto_envelope_key_free(p.keys[0]);
    crypto_envelope_key_free(p.keys[1]);
    platform_key_ring_free(p.ring);
    db_close(p.db);
    platform_test_db_remove(&p.tdb);
    esipa_env_teardown(&env);
    memset(&p, 0, sizeof(p));
    return 0;
}

/* ---- The IPA's side ------------------------------------------------------------ */

typedef struct device_side {
    terminal_info_record configured;
    crypto_envelope_key *platform_public;
    crypto_suite_key *device_key;
    ipa_terminal_info_reporter reporter;
} device_side;

/* A reporter configured as airwrite-ipa would be: the platform's public key
 * (the public part of key, or of another when stranger), its key id, the
 * device certificate and key, a simulated GNSS fix. */
static void device_make(device_side *d, const crypto_envelope_key *key, uint32_t key_id,
                        bool stranger, bool other_certificate)
{
    memset(d, 0, sizeof(*d));
    terminal_info_record_init(&d->configured, AW_PKI_DEFAULT_EID, 0);
    memcpy(d->configured.imei, IMEI, sizeof(IMEI));
    memcpy(d->configured.firmware, "EC25EFAR06A06M4G", 17);
    d->configured.location = (terminal_info_location){
        .kind = TERMINAL_INFO_LOCATION_GNSS, .has_position = true, .latitude = 31.2304,
        .longitude = 121.4737, .accuracy_m = 8, .time = (int64_t)time(NULL) - 2};
    uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE];
    crypto_envelope_key *source = NULL;
    if (stranger)
        assert_int_equal(crypto_envelope_key_generate(crypto_envelope_key_suite(key), &source),
                         AW_OK);
    assert_int_equal(crypto_envelope_key_export_point(stranger ? source : key, point), AW_OK);
    assert_int_equal(crypto_envelope_key_from_point(crypto_envelope_key_suite(key), point,
                                                    sizeof(point), &d->platform_public),
                     AW_OK);
    crypto_envelope_key_free(source);
    size_t len = 0;
    uint8_t *pem = test_read_file(other_certificate ? p.other_key : p.device_key, &len);
    assert_non_null(pem);
    assert_int_equal(ipa_terminal_info_load_device_key((const char *)pem, len, &d->device_key),
                     AW_OK);
    free(pem);
    d->reporter = (ipa_terminal_info_reporter){
        .source = {.configured = &d->configured},
        .platform_key = d->platform_public,
        .key_id = key_id,
        .device_key = d->device_key,
        .target = {.url = p.url, .ca_file = env.ca_file,
                   .certificate_file = other_certificate ? p.other_cert : p.device_cert,
                   .key_file = other_certificate ? p.other_key : p.device_key},
    };
}

static void device_free(device_side *d)
{
    crypto_envelope_key_free(d->platform_public);
    crypto_suite_key_free(d->device_key);
}

/* One poll cycle with the hook (NULL: none); the eIM has no package. */
static ipa_poll_report poll_once(ipa_terminal_info_reporter *reporter)
{
    ipa_poll_config config = {.session = env.session, .esipa = env.esipa, .interval_ms = 1000,
                              .retry_base_ms = 10, .retry_max_ms = 40, .retry_limit = 4};
    if (reporter != NULL)
        config.terminal_info = (ipa_terminal_info_hook){ipa_terminal_info_poll_hook, reporter};
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&config, &poller), AW_OK);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE); /* the exchange went on */
    ipa_poller_free(poller);
    return report;
}

static size_t stored_count(void)
{
    platform_terminal_info_stored stored[PLATFORM_TERMINAL_INFO_LIST_MAX];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(p.db, p.ring, AW_PKI_DEFAULT_EID,
                                                   PLATFORM_TERMINAL_INFO_LIST_MAX, stored,
                                                   &count),
                     AW_OK);
    return count;
}

static void test_policy_on(void **state)
{
    (void)state;
    platform_start(true);
    for (int i = 0; i < 2; i++) {
        device_side d;
        device_make(&d, p.keys[i], (uint32_t)i + 1, false, false);
        ipa_poll_report report = poll_once(&d.reporter);
        if (!report.terminal_info_sent)
            print_error("refused: %d %s (%s)\n", d.reporter.last_status, d.reporter.last_code,
                        aw_err_name(report.terminal_info_error));
        assert_true(report.terminal_info_sent);
        assert_int_equal(d.reporter.last_status, 204);
        device_free(&d);
    }
    platform_terminal_info_stored stored[2];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(p.db, p.ring, AW_PKI_DEFAULT_EID, 2, stored,
                                                   &count),
                     AW_OK);
    assert_int_equal(count, 2);
    assert_int_equal(stored[0].suite, CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(stored[1].suite, CRYPTO_SUITE_INTERNATIONAL);
    assert_string_equal(stored[0].record.imei, IMEI);
    location_fixes fixes;
    assert_int_equal(platform_location_fixes_read(p.db, AW_PKI_DEFAULT_EID, &fixes), AW_OK);
    assert_true(fixes.has_latest);
    /* refusals, each with its code; the exchange still goes on */
    struct {
        int key;
        uint32_t key_id;
        bool stranger, other;
        int status;
        const char *code;
    } refusals[] = {{0, 1, true, false, 400, "T3206"},
                    {1, 7, false, false, 400, "T3205"},
                    {0, 1, false, true, 403, "T3203"}};
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        device_side d;
        device_make(&d, p.keys[refusals[i].key], refusals[i].key_id, refusals[i].stranger,
                    refusals[i].other);
        ipa_poll_report report = poll_once(&d.reporter);
        assert_false(report.terminal_info_sent);
        assert_int_equal(report.terminal_info_error, AW_ERR_TERMINAL_INFO_REFUSED);
        assert_int_equal(d.reporter.last_status, refusals[i].status);
        assert_string_equal(d.reporter.last_code, refusals[i].code);
        device_free(&d);
    }
    assert_int_equal(stored_count(), 2);
    platform_stop();
    /* stored sealed: the database file holds no IMEI */
    db_close(p.db);
    size_t len = 0;
    uint8_t *file = test_read_file(p.tdb.sqlite_path, &len);
    assert_non_null(file);
    assert_null(memmem(file, len, IMEI, strlen(IMEI)));
    free(file);
    p.db = platform_test_db_open(&p.tdb);
}

static void test_policy_off(void **state)
{
    (void)state;
    /* the platform does not serve the path (info_required = no) */
    platform_start(false);
    ipa_poll_report report = poll_once(NULL); /* the device is not configured to report */
    assert_false(report.terminal_info_sent);
    assert_int_equal(report.terminal_info_error, AW_OK);
    device_side d;
    device_make(&d, p.keys[0], 1, false, false); /* one that is: 404, nothing else changes */
    report = poll_once(&d.reporter);
    assert_false(report.terminal_info_sent);
    assert_int_equal(report.terminal_info_error, AW_ERR_TERMINAL_INFO_REFUSED);
    assert_int_equal(d.reporter.last_status, 404);
    device_free(&d);
    assert_int_equal(stored_count(), 0);
    location_fixes fixes;
    assert_int_equal(platform_location_fixes_read(p.db, AW_PKI_DEFAULT_EID, &fixes), AW_OK);
    assert_false(fixes.has_latest);
    platform_stop();
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_terminal_info_e2e", "sqlite", NULL},
                                  "test_terminal_info_e2e");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_off, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return failed;
}
