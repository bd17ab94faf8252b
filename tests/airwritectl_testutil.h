/* The fixture of airwritectl's tests (test code only): the platform's
 * /api/v1 server on loopback on a fresh SQLite database with one app, on a
 * clock that is the real time plus an offset the test moves (so the API
 * client in the test process and the server agree, and an airwritectl
 * process, on the real time, agrees while the offset is 0), and a
 * temporary directory for token caches and files. */
#ifndef AIRWRITE_TESTS_AIRWRITECTL_TESTUTIL_H
#define AIRWRITE_TESTS_AIRWRITECTL_TESTUTIL_H

#include "http_testutil.h"
#include "platform_testutil.h"

#include <stdatomic.h>
#include <sys/stat.h>

#include "cli/airwritectl_client.h"

static test_pki pki;
static _Atomic int64_t clock_offset_ms;

static inline int64_t fixture_clock(void *userdata)
{
    (void)userdata;
    return db_clock_ms() + atomic_load(&clock_offset_ms);
}

/* The client's waits: the clock jumps instead (both sides see it). */
static int64_t slept_s;
static inline void fixture_sleep(int64_t seconds, void *userdata)
{
    (void)userdata;
    slept_s += seconds;
    atomic_fetch_add(&clock_offset_ms, seconds * 1000);
}

static struct {
    platform_test_db tdb;
    db_connection *admin;
    db_connection *server_db;
    platform_key_ring *ring;
    test_server ts;
    platform_api *api;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    char base_url[64];
    char dir[64];
    char cache[128];
} fx;

/* Start with an app of limits (NULL: defaults) and an access token
 * lifetime (0: the default). */
static inline void fixture_start(const platform_app_limits *limits, int64_t access_ttl_s)
{
    atomic_store(&clock_offset_ms, 0);
    slept_s = 0;
    platform_test_db_make(&fx.tdb, NULL);
    fx.admin = platform_test_db_open(&fx.tdb);
    fx.server_db = platform_test_db_open(&fx.tdb);
    fx.ring = platform_test_ring(1);
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-ctl", limits,
                                         fixture_clock(NULL), &fx.app, fx.secret),
                     AW_OK);
    /* the business the orders ask for (A4001/A4002 otherwise) */
    platform_business_scope data_only = {.data = true};
    assert_int_equal(platform_profile_type_define(fx.admin, "iot-data", &data_only,
                                                  fixture_clock(NULL)),
                     AW_OK);
    assert_int_equal(platform_tenant_scope_set(fx.admin, "tenant-ctl", &data_only,
                                               fixture_clock(NULL)),
                     AW_OK);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key, .timeout_ms = 5000};
    test_server_new(&fx.ts, &config);
    platform_api_config api_config = {.db = fx.server_db, .keys = fx.ring,
                                      .clock = fixture_clock, .access_ttl_s = access_ttl_s};
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &fx.api), AW_OK);
    test_server_run(&fx.ts);
    snprintf(fx.base_url, sizeof(fx.base_url), "https://127.0.0.1:%u",
             (unsigned)http_server_port(fx.ts.server));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/aw_ctl_XXXXXX");
    assert_non_null(mkdtemp(fx.dir));
    snprintf(fx.cache, sizeof(fx.cache), "%s/token.json", fx.dir);
}

static inline void fixture_stop(void)
{
    test_server_free(&fx.ts);
    platform_api_free(fx.api);
    db_close(fx.server_db);
    db_close(fx.admin);
    platform_key_ring_free(fx.ring);
    platform_test_db_remove(&fx.tdb);
    char command[160];
    snprintf(command, sizeof(command), "rm -rf '%s'", fx.dir);
    assert_int_equal(system(command), 0);
    memset(&fx, 0, sizeof(fx));
}

/* A client of the fixture's app; secret NULL: the app's. */
static inline ctl_client *fixture_client(const char *secret, const char *cache, int64_t max_wait_s)
{
    ctl_client_config config = {.base_url = fx.base_url,
                                .ca_file = pki.ci,
                                .app_id = fx.app.app_id,
                                .app_secret = secret != NULL ? secret : fx.secret,
                                .token_cache = cache,
                                .max_wait_s = max_wait_s,
                                .timeout_ms = 10000,
                                .clock = fixture_clock,
                                .sleep = fixture_sleep};
    ctl_client *client = NULL;
    assert_int_equal(ctl_client_new(&config, &client), AW_OK);
    return client;
}

static inline int fixture_global_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(evthread_use_pthreads(), 0);
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    return 0;
}

static inline int fixture_global_teardown(void **state)
{
    (void)state;
    test_pki_remove(&pki);
    return 0;
}

#endif
