/* Tests for the platform's terminal reports (platform/platform_terminal.h,
 * docs/firmware-update.md): the strict report parser with every refusal;
 * the handler's answers (403 without a device certificate, with one naming
 * no EID or another EID; 400 malformed; 204) and what it records (a report
 * row; T2001 / T2002 terminal exceptions linked to the EID for the tenant
 * holding the card; nothing raised for an applied update or an unknown
 * card); end to end over mutual TLS: the platform's listener requiring the
 * device CA, airwrite-ipa firmware-update (argv[1]) refusing a downgrade and
 * reporting it, clients without a certificate or with one of another CA
 * refused at the handshake, a certificate for another EID answered 403. */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/file.h"
#include "core/firmware.h"
#include "core/pki.h"
#include "ipa/firmware_update.h"
#include "platform/platform_terminal.h"

#define EID AW_PKI_DEFAULT_EID
#define OTHER_EID "89049032000000000000000000000999"
#define TENANT "tenant-a"
#define DIGEST64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *ipa_tool;

/* ---- Certificates ------------------------------------------------------------- */

typedef struct issued {
    X509 *cert;
    EVP_PKEY *key;
} issued;

/* A P-256 certificate: a CA when issuer is NULL (self-signed), else a leaf
 * for TLS (ip: server, SAN IP; else client with subject serialNumber). */
static issued issue(const issued *issuer, const char *cn, const char *serial_number,
                    const char *ip)
{
    issued out = {X509_new(), EVP_EC_gen("P-256")};
    assert_non_null(out.cert);
    assert_non_null(out.key);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
    X509_set_version(out.cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(out.cert), 86400);
    X509_set_pubkey(out.cert, out.key);
    X509_NAME *name = X509_get_subject_name(out.cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    if (serial_number != NULL)
        X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                   (const unsigned char *)serial_number, -1, -1, 0);
    X509_set_issuer_name(out.cert, issuer != NULL ? X509_get_subject_name(issuer->cert) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer->cert : out.cert, out.cert, NULL, NULL, 0);
    char san[64];
    snprintf(san, sizeof(san), "IP:%s", ip != NULL ? ip : "");
    const char *exts[][2] = {
        {"basicConstraints", issuer == NULL ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {"keyUsage", issuer == NULL ? "critical,keyCertSign" : "critical,digitalSignature"},
        {"extendedKeyUsage", ip != NULL ? "serverAuth" : "clientAuth"},
        {"subjectAltName", san},
    };
    size_t count = issuer == NULL ? 2 : ip != NULL ? 4 : 3;
    for (size_t i = 0; i < count; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        assert_non_null(e);
        X509_add_ext(out.cert, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(out.cert, issuer != NULL ? issuer->key : out.key, EVP_sha256()) > 0);
    return out;
}

static void issued_free(issued *i)
{
    X509_free(i->cert);
    EVP_PKEY_free(i->key);
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

static aw_slice der_of(X509 *cert, uint8_t **buffer)
{
    int len = i2d_X509(cert, NULL);
    assert_true(len > 0);
    *buffer = malloc((size_t)len);
    assert_non_null(*buffer);
    uint8_t *p = *buffer;
    assert_int_equal(i2d_X509(cert, &p), len);
    return (aw_slice){*buffer, (size_t)len};
}

/* ---- Fixture: a platform database with one card ------------------------------ */

typedef struct fixture {
    char dir[64];
    char db_url[128];
    db_connection *db;
} fixture;

static int fixture_setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-term-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db_url, sizeof(f->db_url), "sqlite:%s/platform.db", f->dir);
    assert_int_equal(db_open(f->db_url, NULL, &f->db), AW_OK);
    assert_int_equal(platform_migrate(f->db), AW_OK);
    assert_int_equal(platform_terminal_reports_migrate(f->db), AW_OK);
    assert_int_equal(platform_terminal_reports_migrate(f->db), AW_OK); /* idempotent */
    assert_int_equal(platform_card_ensure(f->db, TENANT, EID, "test", 1000, NULL), AW_OK);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    db_close(f->db);
    char command[160];
    snprintf(command, sizeof(command), "rm -rf %s", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static int64_t count_of(fixture *f, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(f->db, sql, NULL, 0, &n), AW_OK);
    return n;
}

/* ---- Parsing -------------------------------------------------------------------- */

#define REFUSED                                                                              \
    "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\",\"module\":\"AW-SE-01\","            \
    "\"fromVersion\":7,\"toVersion\":6,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\","                \
    "\"manifestSha256\":\"" DIGEST64 "\",\"time\":\"2026-12-01T12:00:00Z\"}"
#define APPLIED                                                                              \
    "{\"eid\":\"" EID "\",\"kind\":\"firmware_applied\",\"module\":\"AW-SE-01\","            \
    "\"fromVersion\":7,\"toVersion\":8,\"manifestSha256\":\"" DIGEST64 "\","                 \
    "\"time\":\"2026-12-01T12:00:00Z\"}"

static aw_err parse_text(const char *text, platform_terminal_report *r)
{
    return platform_terminal_report_parse((const uint8_t *)text, strlen(text), r);
}

static void test_parse_good(void **state)
{
    (void)state;
    platform_terminal_report r;
    assert_int_equal(parse_text(REFUSED, &r), AW_OK);
    assert_int_equal(r.kind, PLATFORM_TERMINAL_FIRMWARE_REFUSED);
    assert_string_equal(r.eid, EID);
    assert_string_equal(r.module, "AW-SE-01");
    assert_int_equal(r.from_version, 7);
    assert_true(r.has_to_version);
    assert_int_equal(r.to_version, 6);
    assert_string_equal(r.code, "AW_ERR_FIRMWARE_ROLLBACK");
    assert_string_equal(r.manifest_sha256, DIGEST64);
    assert_string_equal(r.time, "2026-12-01T12:00:00Z");
    assert_int_equal(parse_text(APPLIED, &r), AW_OK);
    assert_int_equal(r.kind, PLATFORM_TERMINAL_FIRMWARE_APPLIED);
    assert_string_equal(r.code, "");
    /* a refusal of a package that did not parse carries no manifest fields */
    assert_int_equal(parse_text("{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
                                "\"fromVersion\":0,\"code\":\"AW_ERR_FIRMWARE_FORMAT\","
                                "\"time\":\"2026-12-01T12:00:00Z\"}",
                                &r),
                     AW_OK);
    assert_false(r.has_to_version);
    assert_string_equal(r.module, "");
    /* what the IPA's encoder writes, the platform reads */
    ipa_firmware_result result = {.refusal = AW_ERR_FIRMWARE_SIGNATURE, .has_manifest = true,
                                  .module_id = "模组-01", .from_version = 2, .to_version = 3};
    char *json = NULL;
    assert_int_equal(ipa_firmware_report_encode(EID, &result, 1796126400, &json), AW_OK);
    assert_int_equal(parse_text(json, &r), AW_OK);
    assert_string_equal(r.module, "模组-01");
    assert_string_equal(r.code, "AW_ERR_FIRMWARE_SIGNATURE");
    free(json);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{\"eid\":\"" EID "\"}",
        /* duplicate member */
        "{\"eid\":\"" EID "\",\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* unknown member */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\",\"extra\":1,"
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* short EID, letters in the EID */
        "{\"eid\":\"8904903200000000000000000000016\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"8904903200000000000000000000016x\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* unknown kind */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_maybe\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* negative, string, fractional version */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":-1,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":\"7\",\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7.5,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* time malformed, out of range */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01 12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-13-01T12:00:00Z\"}",
        /* a code that is not a firmware refusal; none at all */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_IO\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
        "\"fromVersion\":7,\"time\":\"2026-12-01T12:00:00Z\"}",
        /* applied with a code; without its module; not newer */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_applied\",\"module\":\"AW-SE-01\","
        "\"fromVersion\":7,\"toVersion\":8,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\","
        "\"manifestSha256\":\"" DIGEST64 "\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_applied\","
        "\"fromVersion\":7,\"toVersion\":8,\"manifestSha256\":\"" DIGEST64 "\","
        "\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_applied\",\"module\":\"AW-SE-01\","
        "\"fromVersion\":8,\"toVersion\":8,\"manifestSha256\":\"" DIGEST64 "\","
        "\"time\":\"2026-12-01T12:00:00Z\"}",
        /* digest upper case; module empty; a NUL inside the module; nested */
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_applied\",\"module\":\"AW-SE-01\","
        "\"fromVersion\":7,\"toVersion\":8,\"manifestSha256\":\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\","
        "\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\",\"module\":\"\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\",\"module\":\"A\\u0000B\","
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\",\"module\":{\"a\":1},"
        "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"time\":\"2026-12-01T12:00:00Z\"}",
        /* trailing data */
        REFUSED " {}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        platform_terminal_report r;
        memset(&r, 0xA5, sizeof(r));
        if (parse_text(bad[i], &r) != AW_ERR_TERMINAL_REPORT)
            fail_msg("accepted bad report %zu: %s", i, bad[i]);
        assert_string_equal(r.eid, "");
    }
    /* over the body bound: refused before parsing */
    char *big = malloc(PLATFORM_TERMINAL_REPORT_BODY_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', PLATFORM_TERMINAL_REPORT_BODY_MAX + 1);
    memcpy(big, REFUSED, strlen(REFUSED));
    platform_terminal_report r;
    assert_int_equal(platform_terminal_report_parse((const uint8_t *)big,
                                                    PLATFORM_TERMINAL_REPORT_BODY_MAX, &r),
                     AW_OK);
    assert_int_equal(platform_terminal_report_parse((const uint8_t *)big,
                                                    PLATFORM_TERMINAL_REPORT_BODY_MAX + 1, &r),
                     AW_ERR_TERMINAL_REPORT);
    free(big);
    assert_int_equal(platform_terminal_report_parse(NULL, 0, &r), AW_ERR_TERMINAL_REPORT);
    assert_int_equal(platform_terminal_report_parse((const uint8_t *)"{}", 2, NULL),
                     AW_ERR_ARGUMENT);
}

static void test_exception_codes(void **state)
{
    (void)state;
    assert_string_equal(platform_terminal_exception_code("AW_ERR_FIRMWARE_ROLLBACK"), "T2002");
    assert_string_equal(platform_terminal_exception_code("AW_ERR_FIRMWARE_SAME_VERSION"),
                        "T2002");
    assert_string_equal(platform_terminal_exception_code("AW_ERR_FIRMWARE_MODULE"), "T2002");
    static const char *const tampered[] = {
        "AW_ERR_FIRMWARE_FORMAT", "AW_ERR_FIRMWARE_FORMAT_VERSION", "AW_ERR_FIRMWARE_ALGORITHM",
        "AW_ERR_FIRMWARE_SIGNER", "AW_ERR_FIRMWARE_SIGNATURE", "AW_ERR_FIRMWARE_LENGTH",
        "AW_ERR_FIRMWARE_DIGEST", "AW_ERR_FIRMWARE_TOO_LARGE"};
    for (size_t i = 0; i < sizeof(tampered) / sizeof(tampered[0]); i++)
        assert_string_equal(platform_terminal_exception_code(tampered[i]), "T2001");
    assert_null(platform_terminal_exception_code("AW_ERR_FIRMWARE_STATE"));
    assert_null(platform_terminal_exception_code("AW_OK"));
    assert_null(platform_terminal_exception_code(NULL));
}

/* ---- The handler ------------------------------------------------------------------ */

static int handle(fixture *f, aw_slice cert, const char *body, char **answer)
{
    int status = 0;
    assert_int_equal(platform_terminal_handle_report(f->db, NULL, cert, (const uint8_t *)body,
                                                     strlen(body), 5000, &status, answer),
                     AW_OK);
    return status;
}

static void test_handler(void **state)
{
    fixture *f = *state;
    issued ca = issue(NULL, "Device CA", NULL, NULL);
    issued device = issue(&ca, "device", EID, NULL);
    issued other = issue(&ca, "other device", OTHER_EID, NULL);
    issued anonymous = issue(&ca, "no EID", NULL, NULL);
    uint8_t *b1 = NULL, *b2 = NULL, *b3 = NULL;
    aw_slice device_der = der_of(device.cert, &b1), other_der = der_of(other.cert, &b2),
             anonymous_der = der_of(anonymous.cert, &b3);
    char *answer = NULL;

    /* no certificate; one without an EID; another EID's; garbage */
    assert_int_equal(handle(f, (aw_slice){NULL, 0}, REFUSED, &answer), 403);
    assert_string_equal(answer, "{\"code\":\"T2101\",\"message\":\"device certificate missing "
                                "or names no EID\"}");
    free(answer);
    assert_int_equal(handle(f, anonymous_der, REFUSED, &answer), 403);
    free(answer);
    assert_int_equal(handle(f, other_der, REFUSED, &answer), 403);
    assert_non_null(strstr(answer, "another EID"));
    free(answer);
    assert_int_equal(handle(f, (aw_slice){device_der.ptr, device_der.len - 1}, REFUSED, &answer),
                     403);
    free(answer);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports"), 0);

    /* malformed */
    assert_int_equal(handle(f, device_der, "{\"eid\":", &answer), 400);
    assert_string_equal(answer, "{\"code\":\"T2102\",\"message\":\"malformed terminal report\"}");
    free(answer);

    /* a downgrade refused: T2002, significant, linked to the EID */
    assert_int_equal(handle(f, device_der, REFUSED, &answer), 204);
    assert_null(answer);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports WHERE kind = "
                                 "'firmware_refused' AND code = 'AW_ERR_FIRMWARE_ROLLBACK' AND "
                                 "from_version = 7 AND to_version = 6 AND module = 'AW-SE-01'"),
                     1);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions WHERE code = 'T2002' "
                                 "AND error_class = 4 AND grade = 2 AND source = 'terminal' AND "
                                 "tenant = '" TENANT "' AND eid = '" EID "'"),
                     1);
    /* again: the same exception counted */
    assert_int_equal(handle(f, device_der, REFUSED, &answer), 204);
    assert_int_equal(count_of(f, "SELECT count FROM platform_exceptions WHERE code = 'T2002'"),
                     2);

    /* a tampered package: T2001, serious */
    const char *tampered = "{\"eid\":\"" EID "\",\"kind\":\"firmware_refused\","
                           "\"fromVersion\":7,\"code\":\"AW_ERR_FIRMWARE_SIGNATURE\","
                           "\"time\":\"2026-12-01T12:00:00Z\"}";
    assert_int_equal(handle(f, device_der, tampered, &answer), 204);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions WHERE code = 'T2001' "
                                 "AND grade = 3 AND eid = '" EID "'"),
                     1);

    /* applied: recorded, nothing raised */
    assert_int_equal(handle(f, device_der, APPLIED, &answer), 204);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports WHERE kind = "
                                 "'firmware_applied'"),
                     1);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions"), 2);

    /* a device whose card no tenant holds: recorded, no exception */
    const char *unknown = "{\"eid\":\"" OTHER_EID "\",\"kind\":\"firmware_refused\","
                          "\"fromVersion\":1,\"code\":\"AW_ERR_FIRMWARE_DIGEST\","
                          "\"time\":\"2026-12-01T12:00:00Z\"}";
    assert_int_equal(handle(f, other_der, unknown, &answer), 204);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports WHERE eid = '" OTHER_EID
                                 "'"),
                     1);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions"), 2);

    /* arguments */
    int status = 1;
    assert_int_equal(platform_terminal_handle_report(NULL, NULL, device_der,
                                                     (const uint8_t *)"{}", 2, 0, &status,
                                                     &answer),
                     AW_ERR_ARGUMENT);
    assert_int_equal(status, 0);
    assert_null(answer);
    assert_int_equal(platform_terminal_handle_report(f->db, NULL, device_der, NULL, 2, 0, &status,
                                                     &answer),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_terminal_register(NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_terminal_reports_migrate(NULL), AW_ERR_ARGUMENT);
    free(b1);
    free(b2);
    free(b3);
    issued_free(&ca);
    issued_free(&device);
    issued_free(&other);
    issued_free(&anonymous);
}

/* ---- End to end over mutual TLS ----------------------------------------------------- */

typedef struct platform_server {
    struct event_base *base;
    http_server *server;
    pthread_t thread;
    db_connection *db;
    platform_terminal_endpoint endpoint;
    char url[96];
} platform_server;

static void *server_loop(void *arg)
{
    platform_server *s = arg;
    event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void server_start(platform_server *s, const fixture *f, const char *cert,
                         const char *key, const char *device_ca)
{
    memset(s, 0, sizeof(*s));
    /* the server's own connection: the handler runs on its loop thread */
    assert_int_equal(db_open(f->db_url, NULL, &s->db), AW_OK);
    s->endpoint = (platform_terminal_endpoint){.db = s->db};
    http_server_config config = {.address = "127.0.0.1", .certificate_file = cert,
                                 .key_file = key, .client_ca_file = device_ca};
    s->base = event_base_new();
    assert_non_null(s->base);
    assert_int_equal(http_server_new(s->base, &config, &s->server), AW_OK);
    assert_int_equal(platform_terminal_register(s->server, &s->endpoint), AW_OK);
    assert_int_equal(http_server_start(s->server), AW_OK);
    snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%u" PLATFORM_TERMINAL_REPORT_PATH,
             (unsigned)http_server_port(s->server));
    assert_int_equal(pthread_create(&s->thread, NULL, server_loop, s), 0);
}

static void server_stop(platform_server *s)
{
    event_base_loopexit(s->base, NULL);
    assert_int_equal(pthread_join(s->thread, NULL), 0);
    http_server_free(s->server);
    event_base_free(s->base);
    db_close(s->db);
}

typedef struct e2e_files {
    char server_ca[128], server_cert[128], server_key[128];
    char device_ca[128], device_cert[128], device_key[128];
    char stranger_cert[128], stranger_key[128];
    char other_cert[128], other_key[128];
    char vendor_key[128], vendor_pub[128], package[128], upgrade[128], state[128];
} e2e_files;

static void e2e_make(const fixture *f, e2e_files *x)
{
#define PATH(field, name) snprintf(x->field, sizeof(x->field), "%s/" name, f->dir)
    PATH(server_ca, "server-ca.pem");
    PATH(server_cert, "server.pem");
    PATH(server_key, "server.key.pem");
    PATH(device_ca, "device-ca.pem");
    PATH(device_cert, "device.pem");
    PATH(device_key, "device.key.pem");
    PATH(stranger_cert, "stranger.pem");
    PATH(stranger_key, "stranger.key.pem");
    PATH(other_cert, "other.pem");
    PATH(other_key, "other.key.pem");
    PATH(vendor_key, "vendor.key.pem");
    PATH(vendor_pub, "vendor.pem");
    PATH(package, "package.der");
    PATH(upgrade, "upgrade.der");
    PATH(state, "ipa-state");
#undef PATH
    issued server_ca = issue(NULL, "Platform CA", NULL, NULL);
    issued server = issue(&server_ca, "platform", NULL, "127.0.0.1");
    issued device_ca = issue(NULL, "Device CA", NULL, NULL);
    issued device = issue(&device_ca, "device", EID, NULL);
    issued other = issue(&device_ca, "other device", OTHER_EID, NULL);
    issued stranger_ca = issue(NULL, "Stranger CA", NULL, NULL);
    issued stranger = issue(&stranger_ca, "stranger", EID, NULL);
    write_pem(x->server_ca, server_ca.cert, NULL);
    write_pem(x->server_cert, server.cert, NULL);
    write_pem(x->server_key, NULL, server.key);
    write_pem(x->device_ca, device_ca.cert, NULL);
    write_pem(x->device_cert, device.cert, NULL);
    write_pem(x->device_key, NULL, device.key);
    write_pem(x->other_cert, other.cert, NULL);
    write_pem(x->other_key, NULL, other.key);
    write_pem(x->stranger_cert, stranger.cert, NULL);
    write_pem(x->stranger_key, NULL, stranger.key);
    issued *all[] = {&server_ca, &server, &device_ca, &device, &other, &stranger_ca, &stranger};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        issued_free(all[i]);

    /* the vendor's key and a downgrade to version 6 */
    EVP_PKEY *vendor = EVP_EC_gen("P-256");
    assert_non_null(vendor);
    write_pem(x->vendor_key, NULL, vendor);
    FILE *pub = fopen(x->vendor_pub, "w");
    assert_non_null(pub);
    assert_int_equal(PEM_write_PUBKEY(pub, vendor), 1);
    fclose(pub);
    EVP_PKEY_free(vendor);
    crypto_key *signer = NULL;
    assert_int_equal(crypto_key_load_private_pem_file(x->vendor_key, &signer), AW_OK);
    static const uint8_t image[] = "module image 6";
    firmware_sign_params p = {.module_id = "AW-SE-01", .firmware_version = 6, .image = image,
                              .image_len = sizeof(image) - 1};
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(firmware_package_sign(&p, signer, &package, &len), AW_OK);
    assert_int_equal(aw_file_write_atomic(x->package, package, len, 0644), AW_OK);
    free(package);
    p.firmware_version = 8; /* and an upgrade */
    assert_int_equal(firmware_package_sign(&p, signer, &package, &len), AW_OK);
    assert_int_equal(aw_file_write_atomic(x->upgrade, package, len, 0644), AW_OK);
    free(package);
    crypto_key_free(signer);
    assert_int_equal(mkdir(x->state, 0700), 0);
}

/* Run airwrite-ipa firmware-update; its exit status, its output in out. */
static int run_command(const char *command, char *out, size_t out_size)
{
    FILE *p = popen(command, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, out_size - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int run_ipa(const e2e_files *x, const char *package, const char *url, const char *cert,
                   const char *key, char *out, size_t out_size)
{
    char command[2048];
    snprintf(command, sizeof(command),
             "%s firmware-update --state %s --trust %s --module AW-SE-01 --package %s "
             "--factory-version 7 --report %s --eid %s --cert %s --key %s --ca %s 2>&1",
             ipa_tool, x->state, x->vendor_pub, package, url, EID, cert, key, x->server_ca);
    return run_command(command, out, out_size);
}

static void test_end_to_end(void **state)
{
    fixture *f = *state;
    e2e_files x;
    e2e_make(f, &x);
    platform_server s;
    server_start(&s, f, x.server_cert, x.server_key, x.device_ca);

    /* the IPA refuses the downgrade (factory version 7) and reports it */
    char out[2048];
    assert_int_equal(run_ipa(&x, x.package, s.url, x.device_cert, x.device_key, out,
                             sizeof(out)),
                     3);
    assert_non_null(strstr(out, "refused: AW_ERR_FIRMWARE_ROLLBACK"));
    assert_non_null(strstr(out, "report: HTTP 204"));
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions WHERE code = 'T2002' "
                                 "AND tenant = '" TENANT "' AND eid = '" EID "' AND "
                                 "error_class = 4"),
                     1);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports WHERE code = "
                                 "'AW_ERR_FIRMWARE_ROLLBACK' AND to_version = 6 AND "
                                 "from_version = 7"),
                     1);

    /* a certificate of another EID: 403, and the CLI fails */
    assert_int_equal(run_ipa(&x, x.package, s.url, x.other_cert, x.other_key, out,
                             sizeof(out)),
                     3);
    assert_non_null(strstr(out, "report: HTTP 403"));

    /* the upgrade: applied, reported, recorded only */
    assert_int_equal(run_ipa(&x, x.upgrade, s.url, x.device_cert, x.device_key, out,
                             sizeof(out)),
                     0);
    assert_non_null(strstr(out, "applied: module AW-SE-01 version 8 (was 7)"));
    assert_non_null(strstr(out, "report: HTTP 204"));
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports WHERE kind = "
                                 "'firmware_applied' AND from_version = 7 AND to_version = 8"),
                     1);
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_exceptions"), 1);
    /* the same package again: the version record says 8 now */
    assert_int_equal(run_ipa(&x, x.upgrade, s.url, x.device_cert, x.device_key, out,
                             sizeof(out)),
                     3);
    assert_non_null(strstr(out, "refused: AW_ERR_FIRMWARE_SAME_VERSION"));

    /* usage: no package; a report without its EID; --help */
    char command[1024];
    snprintf(command, sizeof(command), "%s firmware-update --state %s --trust %s 2>&1",
             ipa_tool, x.state, x.vendor_pub);
    assert_int_equal(run_command(command, out, sizeof(out)), 2);
    snprintf(command, sizeof(command),
             "%s firmware-update --state %s --trust %s --module M --package %s --report %s "
             "2>&1",
             ipa_tool, x.state, x.vendor_pub, x.package, s.url);
    assert_int_equal(run_command(command, out, sizeof(out)), 2);
    snprintf(command, sizeof(command), "%s firmware-update --help", ipa_tool);
    assert_int_equal(run_command(command, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "usage: airwrite-ipa firmware-update"));

    /* malformed JSON and the other EID's certificate, straight through the client */
    ipa_firmware_report_target target = {.url = s.url, .ca_file = x.server_ca,
                                         .certificate_file = x.device_cert,
                                         .key_file = x.device_key, .timeout_ms = 10000};
    int status = 0;
    assert_int_equal(ipa_firmware_report_send(&target, "{\"eid\":1}", &status), AW_OK);
    assert_int_equal(status, 400);
    assert_int_equal(ipa_firmware_report_send(&target, REFUSED, &status), AW_OK);
    assert_int_equal(status, 204);

    /* no client certificate; one of a CA the platform does not trust: the
     * mutual TLS handshake is refused before any HTTP */
    target.certificate_file = target.key_file = NULL;
    aw_err err = ipa_firmware_report_send(&target, REFUSED, &status);
    assert_true(err == AW_ERR_HTTP_TLS || err == AW_ERR_HTTP_TRANSFER);
    assert_int_equal(status, 0);
    target.certificate_file = x.stranger_cert;
    target.key_file = x.stranger_key;
    err = ipa_firmware_report_send(&target, REFUSED, &status);
    assert_true(err == AW_ERR_HTTP_TLS || err == AW_ERR_HTTP_TRANSFER);
    /* taken: the CLI's refusal, upgrade and repeat, and the client's one report */
    assert_int_equal(count_of(f, "SELECT COUNT(*) FROM platform_terminal_reports"), 4);
    assert_int_equal(count_of(f, "SELECT count FROM platform_exceptions WHERE code = 'T2002'"),
                     3);
    server_stop(&s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_platform_terminal_reports AIRWRITE-IPA\n");
        return 2;
    }
    ipa_tool = argv[1];
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_exception_codes),
        cmocka_unit_test_setup_teardown(test_handler, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_end_to_end, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
