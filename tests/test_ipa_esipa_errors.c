/* The IPA's ESipa client against an eIM that misbehaves (src/ipa
 * esipa_client.c, poll.c; SGP.32 6.1): a test HTTPS server on loopback
 * (core http_server) captures what the IPA sends (the 6.1 headers
 * User-Agent gsma-rsp-ipad, X-Admin-Protocol, Content-Type; GetEimPackage
 * with eidValue and notifyStateChange) and answers an HTTP error, 204, a
 * wrong content type, garbage, trailing bytes, the wrong message, or an
 * oversized body: each is a typed error, retried with backoff up to the
 * limit. A result whose ProvideEimPackageResult failed stays in flight (the
 * journal) and reaches the real eIM later; one the eIM refuses
 * (provideEimPackageResultError) or answers with emptyResponse is settled;
 * eimPackageError eidNotFound waits the interval. The replaceable HTTP
 * exchange (ipa_esipa_new_custom) with its bound. */
#include "ipa_esipa_testutil.h"

#include <signal.h>

typedef enum answer_mode {
    MODE_NO_PACKAGE = 0,
    MODE_STATUS_500,
    MODE_STATUS_204,
    MODE_CONTENT_TYPE,
    MODE_GARBAGE,
    MODE_TRAILING,
    MODE_WRONG_KIND,
    MODE_TOO_LARGE,
    MODE_PACKAGE, /* GetEimPackage: the package below; Provide: 503 */
    MODE_PACKAGE_REFUSED, /* ... Provide: provideEimPackageResultError 127 */
    MODE_PACKAGE_EMPTY,   /* ... Provide: emptyResponse */
    MODE_EID_NOT_FOUND,   /* GetEimPackage: eimPackageError eidNotFound */
} answer_mode;

static esipa_env env;
static http_server *fake;
static char fake_url[64];
static answer_mode mode;
static uint8_t *fake_package;
static size_t fake_package_len;
/* what the IPA sent last */
static char seen_user_agent[64], seen_admin[64], seen_type[64];
static uint8_t seen_body[4096];
static size_t seen_len, requests;

static void copy_header(const http_request *r, const char *name, char *out, size_t cap)
{
    const char *v = http_request_header(r, name);
    snprintf(out, cap, "%s", v != NULL ? v : "");
}

static uint8_t *eim_error_answer(int64_t code, size_t *len)
{
    sgp32_esipa_message_from_eim_to_ipa m;
    memset(&m, 0, sizeof(m));
    m.kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m.get_eim_package_response.kind = SGP32_EIM_PACKAGE_ERROR;
    m.get_eim_package_response.eim_package_error = code;
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(&m, &out, len), AW_OK);
    return out;
}

static uint8_t *no_package_answer(size_t *len)
{
    return eim_error_answer(SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE, len);
}

/* ProvideEimPackageResultResponse of kind (error 127 for the error). */
static uint8_t *provide_answer(sgp32_provide_result_response_kind kind, size_t *len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response.kind = kind;
    m->provide_eim_package_result_response.error = SGP32_PROVIDE_RESULT_UNDEFINED_ERROR;
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(m, &out, len), AW_OK);
    free(m);
    return out;
}

static void handle(http_request *r, void *userdata)
{
    (void)userdata;
    requests++;
    copy_header(r, "User-Agent", seen_user_agent, sizeof(seen_user_agent));
    copy_header(r, "X-Admin-Protocol", seen_admin, sizeof(seen_admin));
    copy_header(r, "Content-Type", seen_type, sizeof(seen_type));
    size_t len = 0;
    const uint8_t *body = http_request_body(r, &len);
    seen_len = len < sizeof(seen_body) ? len : 0;
    memcpy(seen_body, body, seen_len);
    const char *type = IPA_ESIPA_CONTENT_TYPE;
    size_t answer_len = 0;
    uint8_t *answer = no_package_answer(&answer_len);
    switch (mode) {
    case MODE_NO_PACKAGE:
        break;
    case MODE_STATUS_500:
        http_request_set_status(r, 500);
        break;
    case MODE_STATUS_204:
        http_request_set_status(r, 204);
        answer_len = 0;
        break;
    case MODE_CONTENT_TYPE:
        type = "application/json";
        break;
    case MODE_GARBAGE:
        free(answer);
        answer = (uint8_t *)strdup("<html>not DER</html>");
        assert_non_null(answer);
        answer_len = strlen((char *)answer);
        break;
    case MODE_TRAILING: {
        uint8_t *longer = realloc(answer, answer_len + 1);
        assert_non_null(longer);
        answer = longer;
        answer[answer_len++] = 0x00;
        break;
    }
    case MODE_WRONG_KIND: {
        /* a ProvideEimPackageResultResponse where GetEimPackage's answer belongs */
        static const uint8_t empty[] = {0xBF, 0x50, 0x02, 0x30, 0x00};
        free(answer);
        answer = malloc(sizeof(empty));
        assert_non_null(answer);
        memcpy(answer, empty, sizeof(empty));
        answer_len = sizeof(empty);
        break;
    }
    case MODE_TOO_LARGE: {
        free(answer);
        answer_len = 8192;
        answer = calloc(1, answer_len);
        assert_non_null(answer);
        break;
    }
    case MODE_EID_NOT_FOUND:
        free(answer);
        answer = eim_error_answer(SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND, &answer_len);
        break;
    case MODE_PACKAGE:
    case MODE_PACKAGE_REFUSED:
    case MODE_PACKAGE_EMPTY:
        if (len > 2 && body[0] == 0xBF && body[1] == 0x4F) {
            /* GetEimPackageResponse with the EuiccPackageRequest */
            sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
            assert_non_null(m);
            m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
            m->get_eim_package_response.kind = SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST;
            assert_int_equal(sgp32_decode_euicc_package_request(
                                 fake_package, fake_package_len,
                                 &m->get_eim_package_response.euicc_package_request),
                             AW_OK);
            free(answer);
            assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(m, &answer, &answer_len),
                             AW_OK);
            free(m);
        } else if (mode == MODE_PACKAGE) {
            http_request_set_status(r, 503);
            answer_len = 0;
        } else {
            free(answer);
            answer = provide_answer(mode == MODE_PACKAGE_REFUSED
                                        ? SGP32_PROVIDE_RESULT_RESPONSE_ERROR
                                        : SGP32_PROVIDE_RESULT_RESPONSE_EMPTY,
                                    &answer_len);
        }
        break;
    }
    assert_int_equal(http_request_add_header(r, "Content-Type", type), AW_OK);
    assert_int_equal(http_request_set_body(r, answer, answer_len), AW_OK);
    free(answer);
}

static int setup(void **state)
{
    (void)state;
    esipa_env_setup(&env, AW_PKI_CURVE_NIST_P256);
    char cert[220], key[220];
    snprintf(cert, sizeof(cert), "%s/dptls.pem", env.tls_dir);
    snprintf(key, sizeof(key), "%s/dptls.key.pem", env.tls_dir);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = cert,
                                 .key_file = key};
    assert_int_equal(http_server_new(env.base, &config, &fake), AW_OK);
    assert_int_equal(http_server_route(fake, AW_HTTP_METHOD_POST, IPA_ESIPA_PATH, handle, NULL),
                     AW_OK);
    assert_int_equal(http_server_start(fake), AW_OK);
    snprintf(fake_url, sizeof(fake_url), "https://127.0.0.1:%u",
             (unsigned)http_server_port(fake));
    ipa_esipa_free(env.esipa);
    ipa_esipa_config c = {.eim_url = fake_url, .ca_file = env.ca_file, .max_response = 4096};
    assert_int_equal(ipa_esipa_new(&c, &env.esipa), AW_OK);
    mode = MODE_NO_PACKAGE;
    requests = 0;
    return 0;
}

static void fake_free(void *arg)
{
    http_server_free(arg);
}

static int teardown(void **state)
{
    (void)state;
    /* on the loop thread: it may still be closing a connection the client
     * dropped (e.g. the too-large answer) */
    test_on_loop(env.base, fake_free, fake);
    free(fake_package);
    fake_package = NULL;
    esipa_env_teardown(&env);
    return 0;
}

static void test_request_shape(void **state)
{
    (void)state;
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    /* SGP.32 6.1 request headers */
    assert_string_equal(seen_user_agent, "gsma-rsp-ipad");
    assert_string_equal(seen_admin, IPA_ESIPA_ADMIN_PROTOCOL);
    assert_string_equal(seen_type, IPA_ESIPA_CONTENT_TYPE);
    sgp32_esipa_message_from_ipa_to_eim m;
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(seen_body, seen_len, &m), AW_OK);
    assert_int_equal(m.kind, SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST);
    uint8_t eid[SGP32_EID_LENGTH];
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid), AW_OK);
    assert_int_equal(m.get_eim_package_request.eid_value.len, sizeof(eid));
    assert_memory_equal(m.get_eim_package_request.eid_value.ptr, eid, sizeof(eid));
    assert_false(m.get_eim_package_request.notify_state_change);
    assert_false(m.get_eim_package_request.has_state_change_cause);

    /* a local change goes with the next request only */
    ipa_poller_note_state_change(poller, SGP32_STATE_CHANGE_LOCAL);
    mode = MODE_STATUS_500;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_IPA_ESIPA_HTTP_STATUS);
    mode = MODE_NO_PACKAGE;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(seen_body, seen_len, &m), AW_OK);
    assert_true(m.get_eim_package_request.notify_state_change);
    assert_true(m.get_eim_package_request.has_state_change_cause);
    assert_int_equal(m.get_eim_package_request.state_change_cause, SGP32_STATE_CHANGE_LOCAL);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(seen_body, seen_len, &m), AW_OK);
    assert_false(m.get_eim_package_request.notify_state_change);
    ipa_poller_free(poller);
}

static void check_mode(answer_mode m, aw_err expected)
{
    mode = m;
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    size_t before = requests;
    assert_int_equal(ipa_poll_once(poller, &report), expected);
    assert_int_equal(requests, before + 1);
    /* the loop retries with backoff, then gives up with the error */
    test_clock clock = {.stop_after = 100};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    assert_int_equal(ipa_poll_run(poller, &c, true, NULL), expected);
    assert_int_equal(clock.count, 3);
    assert_int_equal(requests, before + 5);
    ipa_poller_free(poller);
}

static void test_bad_answers(void **state)
{
    (void)state;
    check_mode(MODE_STATUS_500, AW_ERR_IPA_ESIPA_HTTP_STATUS);
    check_mode(MODE_STATUS_204, AW_ERR_IPA_ESIPA_HTTP_STATUS);
    check_mode(MODE_CONTENT_TYPE, AW_ERR_IPA_ESIPA_RESPONSE);
    check_mode(MODE_GARBAGE, AW_ERR_IPA_ESIPA_RESPONSE);
    check_mode(MODE_TRAILING, AW_ERR_IPA_ESIPA_RESPONSE);
    check_mode(MODE_WRONG_KIND, AW_ERR_IPA_ESIPA_RESPONSE);
}

static void test_too_large(void **state)
{
    (void)state;
    mode = MODE_TOO_LARGE;
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_LIMIT);
    /* not a network failure: not retried */
    test_clock clock = {.stop_after = 100};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    assert_int_equal(ipa_poll_run(poller, &c, true, NULL), AW_ERR_LIMIT);
    assert_int_equal(clock.count, 0);
    ipa_poller_free(poller);
}

static void test_decode_answer(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *answer = no_package_answer(&len);
    sgp32_esipa_message_from_eim_to_ipa m;
    const sgp32_esipa_eim_to_ipa_kind get = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    assert_int_equal(ipa_esipa_decode_answer(200, IPA_ESIPA_CONTENT_TYPE, answer, len, get, &m),
                     AW_OK);
    assert_int_equal(m.kind, get);
    /* parameters after the media type, any case */
    assert_int_equal(ipa_esipa_decode_answer(200, "Application/X-GSMA-RSP-ASN1 ; charset=x",
                                             answer, len, get, &m),
                     AW_OK);
    assert_int_equal(ipa_esipa_decode_answer(200, "application/x-gsma-rsp-asn1x", answer, len,
                                             get, &m),
                     AW_ERR_IPA_ESIPA_RESPONSE);
    assert_int_equal(ipa_esipa_decode_answer(200, NULL, answer, len, get, &m),
                     AW_ERR_IPA_ESIPA_RESPONSE);
    assert_int_equal(ipa_esipa_decode_answer(201, IPA_ESIPA_CONTENT_TYPE, answer, len, get, &m),
                     AW_ERR_IPA_ESIPA_HTTP_STATUS);
    assert_int_equal(ipa_esipa_decode_answer(200, IPA_ESIPA_CONTENT_TYPE, answer, len - 1, get,
                                             &m),
                     AW_ERR_IPA_ESIPA_RESPONSE);
    assert_int_equal(m.kind, SGP32_ESIPA_EIM_TO_IPA_NONE);
    assert_int_equal(ipa_esipa_decode_answer(200, IPA_ESIPA_CONTENT_TYPE, answer, len,
                                             SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, &m),
                     AW_ERR_IPA_ESIPA_RESPONSE);
    free(answer);
}

/* The eIM takes the package but fails on the result: the result stays in
 * flight (journal DELIVERING), nothing is lost, and it reaches the real eIM
 * with the next cycle. */
static void test_result_kept_when_delivery_fails(void **state)
{
    (void)state;
    char journal[200];
    snprintf(journal, sizeof(journal), "%s/journal", env.t.dir);
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    int64_t package_id = 0;
    assert_int_equal(eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &fake_package,
                                      &fake_package_len, &package_id),
                     AW_OK);
    assert_int_equal(package_id, id);
    mode = MODE_PACKAGE;
    ipa_poller *poller = esipa_poller(&env, journal, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_IPA_ESIPA_HTTP_STATUS);
    assert_true(env.t.card->state->profiles[0].enabled);
    assert_int_equal(env.t.card->state->package_result_count, 1);
    uint8_t *buffer = NULL;
    ipa_journal j;
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, IPA_JOURNAL_DELIVERING);
    free(buffer);
    /* still failing: the next cycle tries the result first, and keeps it */
    size_t before = requests;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_IPA_ESIPA_HTTP_STATUS);
    assert_int_equal(requests, before + 1);
    ipa_poller_free(poller);

    /* the real eIM: the result from the journal, once, then no package */
    ipa_esipa_free(env.esipa);
    env.esipa = esipa_client(&env, NULL);
    poller = esipa_poller(&env, journal, NULL);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.recovered, 1);
    assert_int_equal(report.delivered, 1);
    assert_int_equal(report.refused, 0);
    assert_int_equal(report.acknowledged, 1);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    size_t count = 0;
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_DONE);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, IPA_JOURNAL_IDLE);
    free(buffer);
    ipa_poller_free(poller);
}

/* The eIM refuses the result, or answers emptyResponse: its final word,
 * the journal goes idle (the eUICC keeps the unacknowledged result). */
static void answered_without_acknowledgement(answer_mode m)
{
    char journal[200];
    snprintf(journal, sizeof(journal), "%s/journal", env.t.dir);
    esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    int64_t package_id = 0;
    free(fake_package);
    assert_int_equal(eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &fake_package,
                                      &fake_package_len, &package_id),
                     AW_OK);
    mode = m;
    ipa_poller *poller = esipa_poller(&env, journal, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(report.delivered, 1);
    assert_int_equal(report.refused, m == MODE_PACKAGE_REFUSED ? 1 : 0);
    assert_int_equal(report.provide_error,
                     m == MODE_PACKAGE_REFUSED ? SGP32_PROVIDE_RESULT_UNDEFINED_ERROR : 0);
    assert_int_equal(report.acknowledged, 0);
    assert_int_equal(env.t.card->state->package_result_count, 1);
    uint8_t *buffer = NULL;
    ipa_journal j;
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, IPA_JOURNAL_IDLE);
    free(buffer);
    ipa_poller_free(poller);
}

static void test_result_refused(void **state)
{
    (void)state;
    answered_without_acknowledgement(MODE_PACKAGE_REFUSED);
}

static void test_result_empty_response(void **state)
{
    (void)state;
    answered_without_acknowledgement(MODE_PACKAGE_EMPTY);
}

/* another eimPackageError: reported, the loop waits the interval */
static void test_eid_not_found(void **state)
{
    (void)state;
    mode = MODE_EID_NOT_FOUND;
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    test_clock clock = {.stop_after = 100};
    ipa_poll_clock c = {test_clock_sleep, &clock, NULL};
    assert_int_equal(ipa_poll_run(poller, &c, true, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EIM_ERROR);
    assert_int_equal(report.eim_package_error, SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND);
    assert_int_equal(clock.count, 0);
    test_clock stop = {.stop_after = 1};
    c.userdata = &stop;
    assert_int_equal(ipa_poll_run(poller, &c, false, &report), AW_OK);
    assert_int_equal(stop.waits[0], 1000);
    ipa_poller_free(poller);
}

/* A client over a replaced HTTP exchange (the fuzzing seam). */
static uint8_t scripted_body[5000];

static aw_err scripted_post(void *userdata, const uint8_t *body, size_t len, int *status,
                            const char **content_type, aw_slice *answer)
{
    const int *script = userdata;
    (void)body;
    assert_true(len > 0);
    *status = 200;
    *content_type = IPA_ESIPA_CONTENT_TYPE;
    if (*script == 0)
        return AW_ERR_HTTP_TRANSFER;
    if (*script == 1) {
        *answer = (aw_slice){scripted_body, sizeof(scripted_body)};
        return AW_OK;
    }
    size_t n = 0;
    uint8_t *der = no_package_answer(&n);
    memcpy(scripted_body, der, n);
    free(der);
    *answer = (aw_slice){scripted_body, n};
    return AW_OK;
}

static void test_custom_client(void **state)
{
    (void)state;
    int script = 0;
    ipa_esipa_http http = {scripted_post, &script};
    ipa_esipa *c = NULL;
    assert_int_equal(ipa_esipa_new_custom(NULL, 0, &c), AW_ERR_ARGUMENT);
    assert_null(c);
    ipa_esipa_http no_post = {NULL, NULL};
    assert_int_equal(ipa_esipa_new_custom(&no_post, 0, &c), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_esipa_new_custom(&http, 4096, &c), AW_OK);
    assert_string_equal(ipa_esipa_url(c), "");
    assert_string_equal(ipa_esipa_last_error(c), "");
    ipa_esipa_free(env.esipa);
    env.esipa = c;
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_HTTP_TRANSFER);
    script = 1;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_LIMIT);
    script = 2;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    ipa_poller_free(poller);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_esipa_errors", "sqlite", NULL},
                                  "test_ipa_esipa_errors");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_kept_when_delivery_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_empty_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eid_not_found, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
