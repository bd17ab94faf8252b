/* The IPA's ESipa side end to end (src/ipa: esipa_client.c, poll.c,
 * poll_package.c; SGP.32 3.4-3.6, 5.14.6 GetEimPackage, 5.14.7
 * ProvideEimPackageResult, 6.1 HTTPS ASN.1 binding): the real eIM
 * (src/eim server, SQLite) on loopback HTTPS queues enable, disable and
 * listProfileInfo packages and an IpaEuiccDataRequest; the IPA polls and
 * runs them on the in-process software eUICC; the eIM records verified
 * results and its acknowledgements empty the eUICC's pending results. On
 * both curves. Download triggers with and without a hook; the ESipa
 * client's arguments and the eimFqdn from the eUICC; backoff; a certificate
 * error is not retried. */
#include "ipa_esipa_testutil.h"

#include <signal.h>

static esipa_env env;

static int setup_curve(aw_pki_curve curve)
{
    esipa_env_setup(&env, curve);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_NIST_P256);
}

static int setup_brainpool(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

static int teardown(void **state)
{
    (void)state;
    esipa_env_teardown(&env);
    return 0;
}

/* ---- the eIM's packages run by the IPA ----------------------------------- */

static size_t cycles;

static void count_cycle(void *userdata, aw_err err, const ipa_poll_report *report)
{
    (void)userdata;
    (void)report;
    assert_int_equal(err, AW_OK);
    cycles++;
}

static void test_packages_end_to_end(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    int64_t list = esipa_enqueue(&env, EIM_OPERATION_LIST_PROFILE_INFO);
    int64_t disable = esipa_enqueue(&env, EIM_OPERATION_DISABLE);
    int64_t data = 0;
    static const uint8_t tags[] = {0xA2, 0xA5, 0xA6, 0xA8};
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &data),
                     AW_OK);
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;

    /* one package per cycle, in queue order */
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(report.delivered, 1);
    assert_int_equal(report.refused, 0);
    assert_int_equal(report.acknowledged, 1);
    assert_int_equal(esipa_package(&env, enable, &count).state, EIM_PACKAGE_DONE);
    assert_true(env.t.card->state->profiles[0].enabled);
    /* the eIM acknowledged, the IPA passed it on: nothing pending */
    assert_int_equal(env.t.card->state->package_result_count, 0);

    /* the rest through the loop, until noEimPackageAvailable */
    test_clock clock = {.stop_after = 100};
    ipa_poll_clock c = {test_clock_sleep, &clock, count_cycle};
    cycles = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(ipa_poll_run(poller, &c, true, &report), AW_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# 3 packages and a final poll in %.1f ms (journal in memory)\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    assert_int_equal(cycles, 4); /* three packages, then none */
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    assert_int_equal(report.eim_package_error, SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
    /* after each package the loop goes on at once (a zero wait) */
    assert_int_equal(clock.count, 3);
    for (size_t i = 0; i < clock.count; i++)
        assert_int_equal(clock.waits[i], 0);
    assert_int_equal(esipa_package(&env, list, &count).state, EIM_PACKAGE_DONE);
    eim_package_record r = esipa_package(&env, disable, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_false(env.t.card->state->profiles[0].enabled);
    r = esipa_package(&env, data, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_int_equal(count, 4);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    /* the eIM learned the certificates from the IpaEuiccData */
    eim_euicc e;
    assert_int_equal(eim_registry_get(env.db, AW_PKI_DEFAULT_EID, &e), AW_OK);
    assert_non_null(e.euicc_certificate);
    eim_euicc_clear(&e);

    /* nothing queued: the loop waits the interval */
    test_clock idle = {.stop_after = 1};
    ipa_poll_clock ci = {test_clock_sleep, &idle, NULL};
    assert_int_equal(ipa_poll_run(poller, &ci, false, &report), AW_OK);
    assert_int_equal(idle.count, 1);
    assert_int_equal(idle.waits[0], 1000);
    ipa_poller_free(poller);
}

/* IpaCapabilities as the IPA reports them: HTTPS retrieval, and exactly the
 * features of the download hook (none without one). */
static aw_err hook_error(void *userdata, ipa *session,
                         const sgp32_profile_download_trigger_request *trigger, uint8_t **result,
                         size_t *result_len)
{
    (void)session;
    int *calls = userdata;
    (*calls)++;
    /* a hook that ran the download and reports eCallActive (104) */
    sgp32_profile_download_trigger_result r;
    memset(&r, 0, sizeof(r));
    r.has_eim_transaction_id = trigger->has_eim_transaction_id;
    r.eim_transaction_id = trigger->eim_transaction_id;
    r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    r.result_data.profile_download_error.profile_download_error_reason =
        SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE;
    return sgp32_encode_profile_download_trigger_result(&r, result, result_len);
}

static aw_err hook_fails(void *userdata, ipa *session,
                         const sgp32_profile_download_trigger_request *trigger, uint8_t **result,
                         size_t *result_len)
{
    (void)session;
    (void)trigger;
    (void)result;
    (void)result_len;
    int *calls = userdata;
    (*calls)++;
    return AW_ERR_HTTP_CONNECT;
}

static int64_t enqueue_trigger(void)
{
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$MATCHING-1"};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(env.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    return id;
}

static void run_trigger(const ipa_download_hook *hook, int64_t expected_reason)
{
    size_t count = 0;
    int64_t id = enqueue_trigger();
    ipa_poller *poller = esipa_poller(&env, NULL, hook);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_DOWNLOAD_TRIGGER);
    assert_int_equal(report.delivered, 1);
    assert_int_equal(report.refused, 0);
    eim_package_record r = esipa_package(&env, id, &count);
    assert_int_equal(r.state, EIM_PACKAGE_FAILED);
    assert_int_equal(r.error_code, expected_reason);
    ipa_poller_free(poller);
}

static void test_trigger_without_hook(void **state)
{
    (void)state;
    run_trigger(NULL, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
}

static void test_trigger_with_hook(void **state)
{
    (void)state;
    int calls = 0;
    ipa_download_hook hook = {hook_error, &calls, SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION};
    run_trigger(&hook, SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE);
    assert_int_equal(calls, 1);
    /* a hook that fails: the eIM still learns, undefinedError */
    ipa_download_hook failing = {hook_fails, &calls, 0};
    run_trigger(&failing, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    assert_int_equal(calls, 2);
}

/* The IpaEuiccData the eIM got carries the IPA's capabilities, truthfully. */
static void check_capabilities(const ipa_download_hook *hook, uint32_t features)
{
    size_t count = 0;
    static const uint8_t tags[] = {0xA8};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &id),
                     AW_OK);
    ipa_poller *poller = esipa_poller(&env, NULL, hook);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_DATA);
    ipa_poller_free(poller);
    eim_package_record *records = NULL;
    assert_int_equal(eim_package_list(env.db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    const eim_package_record *r = &records[count - 1];
    assert_int_equal(r->package_id, id);
    assert_int_equal(r->state, EIM_PACKAGE_DONE);
    sgp32_ipa_euicc_data_response decoded;
    assert_int_equal(sgp32_decode_ipa_euicc_data_response(r->result, r->result_len, &decoded),
                     AW_OK);
    assert_int_equal(decoded.kind, SGP32_IPA_EUICC_DATA_RESPONSE_DATA);
    assert_true(decoded.ipa_euicc_data.has_ipa_capabilities);
    const sgp32_ipa_capabilities *caps = &decoded.ipa_euicc_data.ipa_capabilities;
    assert_int_equal(sgp32_bit_string_flags(&caps->ipa_features), features);
    assert_true(caps->has_ipa_supported_protocols);
    assert_int_equal(sgp32_bit_string_flags(&caps->ipa_supported_protocols),
                     SGP32_IPA_RETRIEVE_HTTPS);
    eim_package_records_free(records, count);
}

static void test_capabilities(void **state)
{
    (void)state;
    check_capabilities(NULL, 0);
    int calls = 0;
    ipa_download_hook hook = {hook_error, &calls, SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION};
    check_capabilities(&hook, SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION);
}

/* ---- network failures ------------------------------------------------------ */

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t n = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static uint16_t late_port;
static eim_server *late_server;

/* the eIM comes up after the second failed attempt */
/* on the loop thread (test_on_loop): evhttp is not freed under its running loop */
static void late_server_free(void *arg)
{
    eim_server_free(arg);
}

static void start_late_server(test_clock *clock)
{
    if (clock->count == 2)
        late_server = esipa_server_new(&env, late_port);
}

static void test_unreachable_then_back(void **state)
{
    (void)state;
    late_port = free_port();
    char url[64];
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", (unsigned)late_port);
    ipa_esipa_free(env.esipa);
    env.esipa = esipa_client(&env, url);
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    test_clock clock = {.stop_after = 100, .on_sleep = start_late_server};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    ipa_poll_report report;
    assert_int_equal(ipa_poll_run(poller, &c, true, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    /* two backoff waits (base 10 ms, doubling, equal jitter), then the
     * package (a zero wait), then no package */
    assert_int_equal(clock.count, 3);
    assert_in_range(clock.waits[0], 5, 10);
    assert_in_range(clock.waits[1], 10, 20);
    assert_int_equal(clock.waits[2], 0);
    size_t count = 0;
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_DONE);
    ipa_poller_free(poller);
    test_on_loop(env.base, late_server_free, late_server);
    late_server = NULL;

    /* never back: retry_limit (4) failed cycles, three waits, then the error */
    ipa_esipa_free(env.esipa);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", (unsigned)free_port());
    env.esipa = esipa_client(&env, url);
    poller = esipa_poller(&env, NULL, NULL);
    test_clock never = {.stop_after = 100};
    c.userdata = &never;
    assert_int_equal(ipa_poll_run(poller, &c, false, NULL), AW_ERR_HTTP_CONNECT);
    assert_int_equal(never.count, 3);
    assert_in_range(never.waits[2], 20, 40);
    /* a clock stop ends the loop without an error */
    test_clock stop = {.stop_after = 1};
    c.userdata = &stop;
    assert_int_equal(ipa_poll_run(poller, &c, false, NULL), AW_OK);
    assert_int_equal(stop.count, 1);
    ipa_poller_free(poller);
}

static void test_certificate_not_retried(void **state)
{
    (void)state;
    /* trust only the eUICC's EUM: the eIM's TLS certificate does not chain */
    char ca[220];
    snprintf(ca, sizeof(ca), "%s/eum-only.pem", env.tls_dir);
    test_write_pem(env.tls_dir, "eum-only.pem", env.t.hierarchy.cert[AW_PKI_ROLE_EUM], NULL);
    ipa_esipa_config config = {.eim_url = env.base_url, .ca_file = ca};
    ipa_esipa_free(env.esipa);
    assert_int_equal(ipa_esipa_new(&config, &env.esipa), AW_OK);
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    test_clock clock = {.stop_after = 100};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    assert_int_equal(ipa_poll_run(poller, &c, true, NULL), AW_ERR_HTTP_CERTIFICATE);
    assert_int_equal(clock.count, 0);
    assert_true(ipa_esipa_last_error(env.esipa)[0] != '\0');
    ipa_poller_free(poller);
}

static void test_backoff(void **state)
{
    (void)state;
    /* no randomness: the lower half; all randomness: the full wait */
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 1, 0), 500);
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 1, 500), 1000);
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 3, 0), 2000);
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 3, 2000), 4000);
    /* capped, also for huge attempts (no overflow) */
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 40, 0), 150000);
    assert_int_equal(ipa_poll_backoff_ms(1000, 300000, 4000000000u, UINT32_MAX) <= 300000, 1);
    assert_int_equal(ipa_poll_backoff_ms(UINT32_MAX, UINT32_MAX, 2, UINT32_MAX) >=
                         UINT32_MAX / 2,
                     1);
    assert_int_equal(ipa_poll_backoff_ms(0, 0, 1, 12345), 0);
    assert_true(ipa_poll_error_is_transient(AW_ERR_HTTP_TIMEOUT));
    assert_true(ipa_poll_error_is_transient(AW_ERR_IPA_ESIPA_RESPONSE));
    assert_false(ipa_poll_error_is_transient(AW_ERR_HTTP_CERTIFICATE));
    assert_false(ipa_poll_error_is_transient(AW_ERR_IPA_STATUS_WORD));
}

/* ---- the client's arguments and the eIM address from the eUICC ---------- */

static void test_client_arguments(void **state)
{
    (void)state;
    ipa_esipa *c = NULL;
    ipa_esipa_config config = {.eim_url = "https://eim.example.com:8443", .ca_file = env.ca_file};
    assert_int_equal(ipa_esipa_new(&config, &c), AW_OK);
    assert_string_equal(ipa_esipa_url(c), "https://eim.example.com:8443/gsma/rsp2/asn1");
    ipa_esipa_free(c);
    ipa_esipa_free(NULL);
    static const char *const bad_urls[] = {"http://eim.example.com", "https://",
                                           "https://eim.example.com/path",
                                           "https://user@eim.example.com",
                                           "https://eim.example.com?x=1"};
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        config.eim_url = bad_urls[i];
        assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
        assert_null(c);
    }
    char long_url[400];
    memset(long_url, 'a', sizeof(long_url) - 1);
    long_url[sizeof(long_url) - 1] = '\0';
    memcpy(long_url, "https://", 8);
    config.eim_url = long_url;
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    config.eim_url = NULL;
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    config.eim_fqdn = long_url + 8; /* over IPA_EIM_FQDN_MAX */
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    config.eim_fqdn = "eim.example.com/x";
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    config.eim_fqdn = "";
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    config.ca_file = NULL;
    config.eim_fqdn = "eim.example.com";
    assert_int_equal(ipa_esipa_new(&config, &c), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_esipa_new(NULL, &c), AW_ERR_ARGUMENT);

    /* the eimFqdn the eUICC holds (AddInitialEim of the setup) */
    char fqdn[IPA_EIM_FQDN_MAX + 1];
    assert_int_equal(ipa_eim_fqdn(env.session, fqdn, sizeof(fqdn)), AW_OK);
    assert_string_equal(fqdn, "eim.example.com");
    config.ca_file = env.ca_file;
    config.eim_fqdn = fqdn;
    assert_int_equal(ipa_esipa_new(&config, &c), AW_OK);
    assert_string_equal(ipa_esipa_url(c), "https://eim.example.com/gsma/rsp2/asn1");
    ipa_esipa_free(c);
    char small[8];
    assert_int_equal(ipa_eim_fqdn(env.session, small, sizeof(small)), AW_ERR_LIMIT);

    /* an eUICC without an eIM */
    test_euicc bare;
    te_setup(&bare, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    card_transport *t = card_transport_new(bare.card);
    ipa *session = NULL;
    assert_int_equal(ipa_open(&t->base, NULL, &session), AW_OK);
    assert_int_equal(ipa_eim_fqdn(session, fqdn, sizeof(fqdn)), AW_ERR_NOT_FOUND);
    ipa_close(session);
    ipa_transport_close(&t->base);
    te_teardown(&bare);

    /* ES10 EimAcknowledgements: an empty list is passed on, one over the
     * codec's bound is refused before reaching the card */
    sgp32_eim_acknowledgements *acks = calloc(1, sizeof(*acks));
    assert_non_null(acks);
    assert_int_equal(ipa_es10b_eim_acknowledgements(env.session, acks), AW_OK);
    assert_int_equal(ipa_status_word(env.session), 0x9000);
    acks->count = SGP32_MAX_EIM_ACKNOWLEDGEMENTS + 1;
    assert_int_not_equal(ipa_es10b_eim_acknowledgements(env.session, acks), AW_OK);
    free(acks);

    /* a poller needs a session and a client */
    ipa_poller *p = NULL;
    ipa_poll_config pc = {.session = env.session};
    assert_int_equal(ipa_poller_new(&pc, &p), AW_ERR_ARGUMENT);
    assert_null(p);
    assert_int_equal(ipa_poller_new(NULL, &p), AW_ERR_ARGUMENT);
    ipa_poller_free(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_esipa", "sqlite", NULL},
                                  "test_ipa_esipa");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_packages_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packages_end_to_end, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_without_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_with_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_then_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certificate_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_arguments, setup, teardown),
        cmocka_unit_test(test_backoff),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
