/* eIM Package injection end to end (SGP.32 3.1.1.2, 6.3.2.8
 * ESipa.TransferEimPackage; src/eim push.c, src/ipa push.c and
 * push_listener.c): the real eIM (SQLite) pushes queued packages over
 * mutual-TLS HTTPS to the IPA's listener, which runs them on the in-process
 * software eUICC with the poll loop's own steps; the answers take the
 * ProvideEimPackageResult path into the eIM's records, once, and the eIM's
 * acknowledgements are pushed back so the eUICC forgets the results. A
 * Profile Download Trigger is answered eimPackageReceived and its result
 * reaches the eIM's ESipa server by ProvideEimPackageResult. Negative:
 * malformed and unknown packages, the binding's refusals, an eIM without a
 * client certificate, the wrong EID, a card that fails, answers outside
 * the binding. */
#include "ipa_esipa_testutil.h"

#include <signal.h>
#include <time.h>

#include "core/http_client.h"
#include "core/sgp32_tags.h"

static esipa_env env;

/* The IPA's listener on its own loop thread, the eIM's pusher. */
static struct event_base *ipa_base;
static pthread_t ipa_thread;
static ipa_poller *poller;
static ipa_listener *listener;
static char ipa_url[96];
static char tls_cert[200], tls_key[200];
static pki_trust_store *trust;
static eim_pusher *pusher;
static eim_context context;

/* what the listener saw (written on its thread, read after it answered) */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t requests_seen, triggers_seen;
static aw_err last_trigger_err;

static void observe(void *userdata, const ipa_listener_event *event)
{
    (void)userdata;
    pthread_mutex_lock(&seen_lock);
    if (event->trigger != NULL) {
        triggers_seen++;
        last_trigger_err = event->err;
    } else {
        requests_seen++;
    }
    pthread_mutex_unlock(&seen_lock);
}

/* A hook that ran the download and reports eCallActive (104). */
static aw_err hook_ecall(void *userdata, ipa *session,
                         const sgp32_profile_download_trigger_request *trigger, uint8_t **result,
                         size_t *result_len)
{
    (void)userdata;
    (void)session;
    sgp32_profile_download_trigger_result r;
    memset(&r, 0, sizeof(r));
    r.has_eim_transaction_id = trigger->has_eim_transaction_id;
    r.eim_transaction_id = trigger->eim_transaction_id;
    r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    r.result_data.profile_download_error.profile_download_error_reason =
        SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE;
    return sgp32_encode_profile_download_trigger_result(&r, result, result_len);
}

static int setup(void **state)
{
    (void)state;
    esipa_env_setup(&env, AW_PKI_CURVE_NIST_P256);
    snprintf(tls_cert, sizeof(tls_cert), "%s/dptls.pem", env.tls_dir);
    snprintf(tls_key, sizeof(tls_key), "%s/dptls.key.pem", env.tls_dir);
    ipa_download_hook hook = {hook_ecall, NULL, SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION};
    poller = esipa_poller(&env, NULL, &hook);
    ipa_base = event_base_new();
    assert_non_null(ipa_base);
    /* the test PKI's TLS certificate (serverAuth and clientAuth, naming
     * 127.0.0.1) serves as the IPA's server and the eIM's client identity */
    ipa_listener_config lc = {.certificate_file = tls_cert, .key_file = tls_key,
                              .client_ca_file = env.ca_file, .poller = poller,
                              .observe = observe};
    assert_int_equal(ipa_listener_new(ipa_base, &lc, &listener), AW_OK);
    snprintf(ipa_url, sizeof(ipa_url), "https://127.0.0.1:%u",
             (unsigned)ipa_listener_port(listener));
    assert_int_equal(pthread_create(&ipa_thread, NULL, esipa_run_loop, ipa_base), 0);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, env.t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    context = (eim_context){.db = env.db, .trust = trust};
    eim_push_config pc = {.ca_file = env.ca_file, .certificate_file = tls_cert,
                          .key_file = tls_key, .timeout_ms = 10000};
    assert_int_equal(eim_pusher_new(&pc, &pusher), AW_OK);
    requests_seen = triggers_seen = 0;
    last_trigger_err = AW_OK;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eim_pusher_free(pusher);
    pki_trust_store_free(trust);
    event_base_loopexit(ipa_base, NULL);
    assert_int_equal(pthread_join(ipa_thread, NULL), 0);
    ipa_listener_free(listener);
    event_base_free(ipa_base);
    ipa_poller_free(poller);
    esipa_env_teardown(&env);
    return 0;
}

static size_t seen(size_t *counter)
{
    pthread_mutex_lock(&seen_lock);
    size_t n = *counter;
    pthread_mutex_unlock(&seen_lock);
    return n;
}

/* ---- PSMOs pushed, recorded once, acknowledged ------------------------- */

static void test_push_psmos(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    eim_push_info info;
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.package_id, enable);
    assert_int_equal(info.answer, SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT);
    assert_int_equal(info.verdict, AW_OK);
    assert_false(info.pending);
    assert_int_equal(info.acknowledged, 1);
    assert_int_equal(info.acknowledgement_error, AW_OK);
    eim_package_record r = esipa_package(&env, enable, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_true(env.t.card->state->profiles[0].enabled);
    /* the pushed acknowledgements reached the eUICC: nothing pending */
    assert_int_equal(env.t.card->state->package_result_count, 0);
    assert_int_equal(seen(&requests_seen), 2); /* the package, the acknowledgements */

    /* pushed again: nothing queued, nothing sent, nothing recorded twice */
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(seen(&requests_seen), 2);
    r = esipa_package(&env, enable, &count);
    assert_int_equal(count, 1);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);

    /* the next one, disable, goes the same way; here through a relay,
     * which would also forward an ePRAndNotifications' notifications */
    int64_t disable = esipa_enqueue(&env, EIM_OPERATION_DISABLE);
    eim_relay_config rc = {.ca_file = env.ca_file};
    eim_relay *relay = NULL;
    assert_int_equal(eim_relay_new(&rc, &relay), AW_OK);
    assert_int_equal(eim_package_push(pusher, &context, relay, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_OK);
    eim_relay_free(relay);
    assert_int_equal(info.package_id, disable);
    assert_int_equal(info.verdict, AW_OK);
    assert_int_equal(esipa_package(&env, disable, &count).state, EIM_PACKAGE_DONE);
    assert_false(env.t.card->state->profiles[0].enabled);
    assert_int_equal(env.t.card->state->package_result_count, 0);
}

/* An IpaEuiccDataRequest pushed: answered inline, the certificates kept. */
static void test_push_euicc_data(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t id = 0;
    static const uint8_t tags[] = {0xA5, 0xA6, 0xA8};
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &id),
                     AW_OK);
    eim_push_info info;
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.answer, SGP32_TRANSFER_RESPONSE_IPA_EUICC_DATA_RESPONSE);
    assert_int_equal(info.verdict, AW_OK);
    assert_int_equal(info.acknowledged, 0);
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_DONE);
    /* IpaCapabilities as recorded: retrieval and, listening, injection */
    eim_package_record *records = NULL;
    assert_int_equal(eim_package_list(env.db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    sgp32_ipa_euicc_data_response *data = malloc(sizeof(*data));
    assert_non_null(data);
    assert_int_equal(sgp32_decode_ipa_euicc_data_response(records[0].result,
                                                          records[0].result_len, data),
                     AW_OK);
    assert_true(data->ipa_euicc_data.has_ipa_capabilities);
    assert_true(data->ipa_euicc_data.ipa_capabilities.has_ipa_supported_protocols);
    assert_int_equal(
        sgp32_bit_string_flags(&data->ipa_euicc_data.ipa_capabilities.ipa_supported_protocols),
        SGP32_IPA_RETRIEVE_HTTPS | SGP32_IPA_INJECT_HTTPS);
    free(data);
    eim_package_records_free(records, count);
    eim_euicc e;
    assert_int_equal(eim_registry_get(env.db, AW_PKI_DEFAULT_EID, &e), AW_OK);
    assert_non_null(e.euicc_certificate);
    eim_euicc_clear(&e);
}

/* The same answer recorded twice (an IPA whose answer the eIM records
 * again, e.g. after a crash between recording and acknowledging): verified
 * both times, recorded once, acknowledged again. Driven without HTTP. */
static void test_record_twice(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    uint8_t *package = NULL, *request = NULL, *answer = NULL, *acks = NULL, *acks2 = NULL;
    size_t package_len = 0, request_len = 0, answer_len = 0, acks_len = 0, acks2_len = 0;
    int64_t id = 0;
    assert_int_equal(eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, &id),
                     AW_OK);
    assert_int_equal(id, enable);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_TRANSFER_EIM_PACKAGE);
    der_put_raw(&b, package, package_len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &request, &request_len), AW_OK);
    /* the listener's loop is idle: the session is the test's for now */
    ipa_push_outcome outcome;
    assert_int_equal(ipa_push_handle(poller, request, request_len, &answer, &answer_len,
                                     &outcome),
                     AW_OK);
    assert_int_equal(outcome.package, SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST);
    assert_int_equal(outcome.answer, SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT);
    ipa_push_outcome_clear(&outcome);

    eim_push_info info;
    memset(&info, 0, sizeof(info));
    assert_int_equal(eim_push_record(&context, NULL, AW_PKI_DEFAULT_EID, package, package_len,
                                     answer, answer_len, db_clock_ms(), &info, &acks, &acks_len),
                     AW_OK);
    assert_int_equal(info.verdict, AW_OK);
    assert_non_null(acks);
    eim_package_record first = esipa_package(&env, enable, &count);
    assert_int_equal(first.state, EIM_PACKAGE_DONE);
    memset(&info, 0, sizeof(info));
    assert_int_equal(eim_push_record(&context, NULL, AW_PKI_DEFAULT_EID, package, package_len,
                                     answer, answer_len, db_clock_ms(), &info, &acks2,
                                     &acks2_len),
                     AW_OK);
    assert_int_equal(info.verdict, AW_OK);
    assert_int_equal(info.acknowledged, 1);
    assert_memory_equal(acks, acks2, acks_len);
    eim_package_record second = esipa_package(&env, enable, &count);
    assert_int_equal(count, 1);
    assert_int_equal(second.result_ms, first.result_ms); /* not recorded again */
    assert_int_equal(second.seq_number, first.seq_number);

    /* the acknowledgements pushed: eimPackageReceived, the eUICC forgets */
    assert_int_equal(env.t.card->state->package_result_count, 1);
    free(answer);
    assert_int_equal(ipa_push_handle(poller, acks, acks_len, &answer, &answer_len, &outcome),
                     AW_OK);
    assert_int_equal(outcome.package, SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS);
    assert_int_equal(outcome.answer, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED);
    assert_int_equal(outcome.acknowledged, 1);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    ipa_push_outcome_clear(&outcome);

    /* an answer that is no TransferEimPackageResponse is refused as such */
    static const uint8_t junk[] = {0x30, 0x00};
    uint8_t *none = NULL;
    size_t none_len = 0;
    assert_int_equal(eim_push_record(&context, NULL, AW_PKI_DEFAULT_EID, package, package_len,
                                     junk, sizeof(junk), db_clock_ms(), &info, &none,
                                     &none_len),
                     AW_ERR_EIM_PUSH_RESPONSE);
    assert_null(none);
    free(package);
    free(request);
    free(answer);
    free(acks);
    free(acks2);
}

/* ---- a Profile Download Trigger: received now, the result later -------- */

static void test_push_trigger(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t id = 0;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$MATCHING-1"};
    assert_int_equal(eim_package_enqueue_download_trigger(env.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    eim_push_info info;
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.package_id, id);
    assert_int_equal(info.answer, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED);
    assert_true(info.pending);
    /* the IPA runs the hook after answering and delivers the
     * ProfileDownloadTriggerResult to the eIM's ESipa server */
    for (int i = 0; i < 1000 && seen(&triggers_seen) == 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    assert_int_equal(seen(&triggers_seen), 1);
    assert_int_equal(last_trigger_err, AW_OK);
    eim_package_record r = esipa_package(&env, id, &count);
    assert_int_equal(r.state, EIM_PACKAGE_FAILED);
    assert_int_equal(r.error_code, SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE);
}

/* ---- negative ----------------------------------------------------------- */

/* POST body to the listener as an eIM would, with (or without) the client
 * certificate; *status and the answer body (malloc'd) returned. */
static aw_err post(bool client_certificate, const char *content_type, const void *body,
                   size_t len, int *status, uint8_t **answer, size_t *answer_len)
{
    http_client_config hc = {.ca_file = env.ca_file, .timeout_ms = 10000};
    if (client_certificate) {
        hc.certificate_file = tls_cert;
        hc.key_file = tls_key;
    }
    http_client *client = NULL;
    assert_int_equal(http_client_new(&hc, &client), AW_OK);
    char url[160];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/asn1", ipa_url);
    http_header header = {"Content-Type", content_type};
    http_client_request r = {.method = AW_HTTP_METHOD_POST, .url = url, .headers = &header,
                             .header_count = 1, .body = body, .body_len = len};
    http_client_response *response = NULL;
    aw_err err = http_client_send(client, &r, &response);
    if (err == AW_OK) {
        *status = response->status;
        *answer = malloc(response->body_len + 1);
        assert_non_null(*answer);
        memcpy(*answer, response->body, response->body_len);
        *answer_len = response->body_len;
    }
    http_client_response_free(response);
    http_client_free(client);
    return err;
}

/* The eimPackageError code of a TransferEimPackageResponse. */
static int64_t package_error(const uint8_t *answer, size_t len)
{
    sgp32_transfer_eim_package_response r;
    assert_int_equal(sgp32_decode_transfer_eim_package_response(answer, len, &r), AW_OK);
    assert_int_equal(r.kind, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR);
    return r.eim_package_error;
}

static void test_malformed(void **state)
{
    (void)state;
    int status = 0;
    uint8_t *answer = NULL;
    size_t len = 0;
    /* not DER: invalidPackageFormat */
    static const uint8_t junk[] = {0xBF, 0x4E, 0x05, 0x01};
    assert_int_equal(post(true, IPA_ESIPA_CONTENT_TYPE, junk, sizeof(junk), &status, &answer,
                          &len),
                     AW_OK);
    assert_int_equal(status, 200);
    assert_int_equal(package_error(answer, len), SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT);
    free(answer);
    /* a malformed eUICC Package inside: invalidPackageFormat too */
    static const uint8_t bad_package[] = {0xBF, 0x4E, 0x05, 0xBF, 0x51, 0x02, 0x30, 0x00};
    assert_int_equal(post(true, IPA_ESIPA_CONTENT_TYPE, bad_package, sizeof(bad_package),
                          &status, &answer, &len),
                     AW_OK);
    assert_int_equal(package_error(answer, len), SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT);
    free(answer);
    /* a well-formed package of an alternative this version lacks */
    static const uint8_t unknown[] = {0xBF, 0x4E, 0x03, 0xBF, 0x5F, 0x00};
    assert_int_equal(post(true, IPA_ESIPA_CONTENT_TYPE, unknown, sizeof(unknown), &status,
                          &answer, &len),
                     AW_OK);
    assert_int_equal(status, 200);
    assert_int_equal(package_error(answer, len), SGP32_EIM_PACKAGE_RESULT_UNKNOWN_PACKAGE);
    free(answer);
    /* another binding's content type: 415, nothing run */
    assert_int_equal(post(true, "application/json", "{}", 2, &status, &answer, &len), AW_OK);
    assert_int_equal(status, 415);
    free(answer);
    /* over the body bound: 413 */
    uint8_t *big = calloc(1, IPA_PUSH_BODY_MAX + 1);
    assert_non_null(big);
    assert_int_equal(post(true, IPA_ESIPA_CONTENT_TYPE, big, IPA_PUSH_BODY_MAX + 1, &status,
                          &answer, &len),
                     AW_OK);
    assert_int_equal(status, 413);
    free(answer);
    free(big);
    /* directly: a body over the bound is invalidPackageFormat */
    ipa_push_outcome outcome;
    uint8_t *direct = NULL;
    size_t direct_len = 0;
    static uint8_t huge[IPA_PUSH_BODY_MAX + 1];
    assert_int_equal(ipa_push_handle(poller, huge, sizeof(huge), &direct, &direct_len, &outcome),
                     AW_OK);
    assert_int_equal(outcome.cause, AW_ERR_LIMIT);
    assert_int_equal(package_error(direct, direct_len),
                     SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT);
    free(direct);
    assert_int_equal(ipa_push_handle(NULL, junk, sizeof(junk), &direct, &direct_len, &outcome),
                     AW_ERR_ARGUMENT);
    assert_null(direct);
    assert_int_equal(seen(&requests_seen), 3);
}

/* Mutual TLS: an eIM without a client certificate never reaches the IPA. */
static void test_unauthenticated(void **state)
{
    (void)state;
    int status = 0;
    uint8_t *answer = NULL;
    size_t len = 0;
    static const uint8_t acks[] = {0xBF, 0x4E, 0x05, 0xBF, 0x53, 0x02, 0x80, 0x00};
    aw_err err = post(false, IPA_ESIPA_CONTENT_TYPE, acks, sizeof(acks), &status, &answer, &len);
    assert_true(err == AW_ERR_HTTP_TLS || err == AW_ERR_HTTP_TRANSFER);
    assert_null(answer);
    assert_int_equal(seen(&requests_seen), 0);
    /* neither side can be made without the credentials */
    eim_pusher *p = NULL;
    eim_push_config pc = {.ca_file = env.ca_file};
    assert_int_equal(eim_pusher_new(&pc, &p), AW_ERR_ARGUMENT);
    assert_null(p);
    ipa_listener *l = NULL;
    ipa_listener_config lc = {.certificate_file = tls_cert, .key_file = tls_key,
                              .poller = poller};
    assert_int_equal(ipa_listener_new(ipa_base, &lc, &l), AW_ERR_ARGUMENT);
    assert_null(l);
    lc.client_ca_file = "/nonexistent/ca.pem";
    assert_int_not_equal(ipa_listener_new(ipa_base, &lc, &l), AW_OK);
    assert_null(l);
}

/* A package for another eUICC reaches this one: the eUICC refuses it
 * (invalidEid, SGP.32 2.11.1.2) and the eIM records nothing it cannot
 * verify as that EID's; the profile stays as it was. */
static void test_wrong_eid(void **state)
{
    (void)state;
    char other[EIM_EID_DIGITS + 1];
    eim_test_eid(7, other);
    eim_test_register(env.db, other, 0, -1, NULL, NULL);
    eim_operation op = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue(env.db, env.keys, other, &op, 1, db_clock_ms(), &id,
                                         NULL),
                     AW_OK);
    eim_push_info info;
    assert_int_equal(
        eim_package_push(pusher, &context, NULL, other, ipa_url, db_clock_ms(), &info), AW_OK);
    assert_int_equal(info.answer, SGP32_TRANSFER_RESPONSE_EUICC_PACKAGE_RESULT);
    assert_int_equal(info.verdict, AW_ERR_EIM_NO_CERTIFICATE);
    assert_int_equal(info.acknowledged, 0);
    assert_false(env.t.card->state->profiles[0].enabled);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(env.db, other, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_SENT);
    eim_package_records_free(records, count);
    /* and an EID the eIM does not know is refused before anything leaves */
    char unknown[EIM_EID_DIGITS + 1];
    eim_test_eid(9, unknown);
    assert_int_equal(
        eim_package_push(pusher, &context, NULL, unknown, ipa_url, db_clock_ms(), &info),
        AW_ERR_EIM_UNKNOWN_EUICC);
}

static aw_err dead_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                            size_t len, uint8_t *response, size_t *response_len)
{
    (void)t;
    (void)channel;
    (void)command;
    (void)len;
    (void)response;
    *response_len = 0;
    return AW_ERR_IO;
}

/* The card fails under a pushed package: undefinedError, recorded as the
 * IPA's failure of that package (6.3.2.7 eimPackageResultResponseError). */
static void test_card_fails(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t id = 0;
    static const uint8_t tags[] = {0xA5};
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &id),
                     AW_OK);
    ipa_transport_ops dead = *env.transport->base.ops;
    const ipa_transport_ops *alive = env.transport->base.ops;
    dead.transmit = dead_transmit;
    env.transport->base.ops = &dead;
    eim_push_info info;
    aw_err err = eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                  db_clock_ms(), &info);
    env.transport->base.ops = alive;
    assert_int_equal(err, AW_OK);
    assert_int_equal(info.answer, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR);
    assert_int_equal(info.eim_package_error, SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR);
    assert_int_equal(info.verdict, AW_OK);
    eim_package_record r = esipa_package(&env, id, &count);
    assert_int_equal(r.state, EIM_PACKAGE_FAILED);
    assert_int_equal(r.error_code, SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR);
}

/* What the journal holds goes first: an eUICC Package whose result never
 * left the IPA (a crash after LoadEuiccPackage, journal LOADING) is
 * recovered from the eUICC and delivered by ProvideEimPackageResult before
 * a pushed package runs, so the push never overwrites it. */
static void test_in_flight_first(void **state)
{
    (void)state;
    size_t count = 0;
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    uint8_t *package = NULL, *request = NULL, *answer = NULL;
    size_t package_len = 0, request_len = 0, answer_len = 0;
    int64_t id = 0;
    assert_int_equal(eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, &id),
                     AW_OK);
    assert_int_equal(id, enable);
    /* the crashed IPA: the package ran, the journal still says LOADING */
    sgp32_euicc_package_result *result = malloc(sizeof(*result));
    assert_non_null(result);
    assert_int_equal(ipa_es10b_load_euicc_package(env.session, package, package_len, result),
                     AW_OK);
    free(result);
    free(package);
    assert_true(env.t.card->state->profiles[0].enabled);
    char journal[200];
    snprintf(journal, sizeof(journal), "%s/journal", env.t.dir);
    assert_int_equal(ipa_journal_write(journal, &(ipa_journal){.state = IPA_JOURNAL_LOADING}),
                     AW_OK);
    ipa_poller *restarted = esipa_poller(&env, journal, NULL);

    /* then the eIM pushes a data request */
    static const uint8_t tags[] = {0xA5};
    int64_t data = 0;
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &data),
                     AW_OK);
    assert_int_equal(eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, &id),
                     AW_OK);
    assert_int_equal(id, enable); /* still unanswered: the oldest goes first */
    free(package);
    eim_package_record r = esipa_package(&env, enable, &count);
    assert_int_equal(r.state, EIM_PACKAGE_SENT);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_TRANSFER_EIM_PACKAGE);
    der_builder_begin(&b, SGP32_TAG_IPA_EUICC_DATA);
    der_put_slice(&b, 0x5Cu, (aw_slice){tags, sizeof(tags)});
    der_builder_end(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &request, &request_len), AW_OK);
    ipa_push_outcome outcome;
    assert_int_equal(ipa_push_handle(restarted, request, request_len, &answer, &answer_len,
                                     &outcome),
                     AW_OK);
    assert_int_equal(outcome.recovered, 1);
    assert_int_equal(outcome.answer, SGP32_TRANSFER_RESPONSE_IPA_EUICC_DATA_RESPONSE);
    ipa_push_outcome_clear(&outcome);
    /* the recovered result reached the eIM and was acknowledged */
    r = esipa_package(&env, enable, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    ipa_journal read;
    uint8_t *buffer = NULL;
    assert_int_equal(ipa_journal_read(journal, &buffer, &read), AW_OK);
    assert_int_equal(read.state, IPA_JOURNAL_IDLE);
    free(buffer);

    /* a result waits for delivery and the eIM's ESipa server cannot be
     * reached: the push is answered undefinedError, the package not run,
     * the journal kept as it was */
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.has_eid_value = true;
    uint8_t eid[SGP32_EID_LENGTH];
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid), AW_OK);
    m->provide_eim_package_result.eid_value = (aw_slice){eid, sizeof(eid)};
    m->provide_eim_package_result.eim_package_result.kind =
        SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR;
    m->provide_eim_package_result.eim_package_result.response_error
        .eim_package_result_error_code = SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR;
    uint8_t *waiting = NULL;
    size_t waiting_len = 0;
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &waiting, &waiting_len),
                     AW_OK);
    free(m);
    assert_int_equal(ipa_journal_write(journal, &(ipa_journal){.state = IPA_JOURNAL_DELIVERING,
                                                               .message = {waiting,
                                                                           waiting_len}}),
                     AW_OK);
    free(waiting);
    ipa_poller_free(restarted);
    ipa_esipa *dead = esipa_client(&env, "https://127.0.0.1:1");
    ipa_poll_config pc = {.session = env.session, .esipa = dead, .journal_path = journal};
    assert_int_equal(ipa_poller_new(&pc, &restarted), AW_OK);
    free(answer);
    assert_int_equal(ipa_push_handle(restarted, request, request_len, &answer, &answer_len,
                                     &outcome),
                     AW_OK);
    assert_int_equal(outcome.answer, SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR);
    assert_int_equal(outcome.eim_package_error, SGP32_EIM_PACKAGE_RESULT_UNDEFINED_ERROR);
    assert_int_equal(outcome.cause, AW_ERR_HTTP_CONNECT);
    ipa_push_outcome_clear(&outcome);
    assert_int_equal(ipa_journal_read(journal, &buffer, &read), AW_OK);
    assert_int_equal(read.state, IPA_JOURNAL_DELIVERING);
    free(buffer);
    ipa_poller_free(restarted);
    ipa_esipa_free(dead);
    free(request);
    free(answer);
}

/* Whoever answers outside the binding (here the eIM's own ESipa server,
 * which serves no TransferEimPackageRequest) is not taken for an IPA. */
static void test_not_an_ipa(void **state)
{
    (void)state;
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    eim_push_info info;
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, env.base_url,
                                      db_clock_ms(), &info),
                     AW_ERR_EIM_PUSH_RESPONSE);
    size_t count = 0;
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_SENT);
    /* sent again to the right place, it runs */
    assert_int_equal(eim_package_push(pusher, &context, NULL, AW_PKI_DEFAULT_EID, ipa_url,
                                      db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.package_id, id);
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_DONE);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_push", "sqlite", NULL},
                                  "test_ipa_push");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_psmos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_euicc_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unauthenticated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_eid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_an_ipa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_flight_first, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
