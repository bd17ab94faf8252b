/* The fixture of the role and tenant tests (test code only): the API
 * fixture of platform_api_testutil.h restarted with console logins at the
 * scrypt floor (fast), the audit log's options, and one route the
 * permission table does not list (fail closed); apps of a role and tenant
 * with limits out of the way. Included by one test file each. */
#ifndef AIRWRITE_TESTS_PLATFORM_RBAC_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_RBAC_TESTUTIL_H

#include "platform_api_testutil.h"

#include "core/audit.h"
#include "platform/platform_internal.h"

#define UNLISTED_PATH "/api/v1/unlisted"

static const password_parameters fast_scrypt = {.log2_n = 14, .r = 8, .p = 1};
static audit_options audit_config = {.suite = CRYPTO_SUITE_INTERNATIONAL};

/* A route registered beside the API's own, not in rbac.c's table. */
static void handle_unlisted(http_request *request, void *userdata)
{
    api_call c;
    if (platform_api_run_chain(userdata, request, &c, PLATFORM_API_BODY_NONE, true))
        platform_api_reply_json(&c, json_pack("{s:b}", "served", 1));
}

static void rbac_server_start(void)
{
    fx.server_db = platform_test_db_open(&fx.tdb);
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .max_body_size = 2 * 1024 * 1024,
                                 .timeout_ms = 5000};
    test_server_new(&fx.ts, &config);
    platform_api_config api_config = {.db = fx.server_db,
                                      .keys = fx.ring,
                                      .clock = test_clock,
                                      .audit = &audit_config,
                                      .password_parameters = &fast_scrypt};
    assert_int_equal(platform_api_new(fx.ts.server, &api_config, &fx.api), AW_OK);
    assert_int_equal(http_server_route(fx.ts.server, AW_HTTP_METHOD_GET, UNLISTED_PATH,
                                       handle_unlisted, fx.api),
                     AW_OK);
    test_server_run(&fx.ts);
}

static int rbac_setup(void **state)
{
    setup(state);
    server_stop();
    rbac_server_start();
    return 0;
}

#endif
