/* ESipa end to end (src/eim/esipa.c, server.c; SGP.32 6.3.2.6
 * GetEimPackage and 6.3.2.7 ProvideEimPackageResult over the 6.1 HTTPS
 * ASN.1 binding): the eIM server on an event loop thread with an SQLite
 * registry, a test IPA in this file that posts GetEimPackageRequest over
 * HTTPS, hands the package to the in-process software eUICC (ES10b
 * LoadEuiccPackage), and posts the eUICC's signed result back; the eIM
 * records it and acknowledges its seqNumber (again, without recording it
 * twice, when the same result comes back). A replayed result and a result
 * signed by another eUICC are refused; clients keeping their connection and
 * clients closing it after each response both work; every ESipa error
 * answer and HTTP refusal is checked. */
#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"

#include <pthread.h>
#include <signal.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/http_client.h"
#include "core/sgp32_esipa.h"

#define ICCID1 "8944500000000000014"

static test_euicc t;
static test_eim eim;
static eim_key_ring *keys;
static db_connection *db;          /* the operator's connection (the server has its own) */
static struct event_base *base;
static eim_server *server;
static pthread_t loop_thread;
static http_client *client;
static char url[128];
static char tls_dir[160];
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

static void *run_loop(void *arg)
{
    (void)arg;
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static crypto_key *eim_key(const test_euicc *te)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, te->hierarchy.key[AW_PKI_ROLE_EIM], NULL,
                                              NULL, 0, NULL, NULL),
                     1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key), AW_OK);
    BIO_free(bio);
    return key;
}

static void add_initial_eim(test_euicc *te)
{
    sgp32_eim_configuration_data c = test_eim_configuration(&eim, 0, -1);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(te, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
}

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim, &t, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    add_initial_eim(&t);
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    /* the eIM's PKI directory: the CI and a TLS credential */
    snprintf(tls_dir, sizeof(tls_dir), "%s/eim", t.dir);
    assert_int_equal(mkdir(tls_dir, 0700), 0);
    test_write_pem(tls_dir, "ci.pem", t.hierarchy.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(tls_dir, "dptls.pem", t.hierarchy.cert[AW_PKI_ROLE_DP_TLS], NULL);
    test_write_pem(tls_dir, "dptls.key.pem", NULL, t.hierarchy.key[AW_PKI_ROLE_DP_TLS]);
    db = eim_test_db_fresh();
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, t.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      t.hierarchy.cert[AW_PKI_ROLE_EUM]);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", eim_key(&t)), AW_OK);
    base = event_base_new();
    assert_non_null(base);
    eim_config config = {.pki_directory = tls_dir, .database_url = eim_test_database.url};
    assert_int_equal(eim_server_new(base, &config, &server), AW_OK);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u" EIM_ESIPA_PATH,
             (unsigned)eim_server_port(server));
    assert_int_equal(pthread_create(&loop_thread, NULL, run_loop, NULL), 0);
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", tls_dir);
    http_client_config client_config = {.ca_file = ca};
    assert_int_equal(http_client_new(&client_config, &client), AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_client_free(client);
    event_base_loopexit(base, NULL);
    assert_int_equal(pthread_join(loop_thread, NULL), 0);
    eim_server_free(server);
    event_base_free(base);
    eim_key_ring_free(keys);
    db_close(db);
    test_eim_free(&eim);
    te_teardown(&t);
    return 0;
}

/* ---- the test IPA ------------------------------------------------------------ */

/* POST body; returns the response (status checked by the caller). */
static http_client_response *post_raw(http_client *c, const char *content_type,
                                      const uint8_t *body, size_t len, bool close)
{
    static const char *const names[] = {"Content-Type", "X-Admin-Protocol"};
    http_header header = {"Content-Type", content_type};
    http_client_request request = {
        .method = AW_HTTP_METHOD_POST, .url = url, .headers = &header, .header_count = 1,
        .body = body, .body_len = len, .close_connection = close,
        .response_header_names = names, .response_header_count = 2};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(c, &request, &response), AW_OK);
    return response;
}

/* POST an EsipaMessageFromIpaToEim, decode the 200 answer into *out
 * (slices into the returned response). */
static http_client_response *post(http_client *c, const sgp32_esipa_message_from_ipa_to_eim *m,
                                  bool close, sgp32_esipa_message_from_eim_to_ipa *out)
{
    uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &body, &len), AW_OK);
    http_client_response *response = post_raw(c, EIM_ESIPA_CONTENT_TYPE, body, len, close);
    free(body);
    assert_int_equal(response->status, 200);
    assert_non_null(response->header_values[0]);
    assert_string_equal(response->header_values[0], EIM_ESIPA_CONTENT_TYPE);
    assert_non_null(response->header_values[1]);
    assert_string_equal(response->header_values[1], EIM_ESIPA_ADMIN_PROTOCOL);
    assert_int_equal(
        sgp32_decode_esipa_message_from_eim_to_ipa(response->body, response->body_len, out),
        AW_OK);
    return response;
}

static uint8_t eid_octets[SGP32_EID_LENGTH];

/* GetEimPackage for eid; the package TLV (malloc'd) or NULL with *error. */
static uint8_t *get_package(http_client *c, const uint8_t *eid, size_t eid_len, bool close,
                            size_t *len, int64_t *error)
{
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    assert_non_null(m);
    assert_non_null(answer);
    m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    m->get_eim_package_request.eid_value = (aw_slice){eid, eid_len};
    http_client_response *response = post(c, m, close, answer);
    assert_int_equal(answer->kind, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE);
    uint8_t *package = NULL;
    *error = -1;
    if (answer->get_eim_package_response.kind == SGP32_EIM_PACKAGE_ERROR) {
        *error = answer->get_eim_package_response.eim_package_error;
    } else {
        const sgp32_get_eim_package_response *g = &answer->get_eim_package_response;
        aw_slice raw = g->kind == SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST
                           ? g->euicc_package_request.raw
                       : g->kind == SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST
                           ? g->ipa_euicc_data_request.raw
                           : g->profile_download_trigger_request.raw;
        assert_true(g->kind == SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST ||
                    g->kind == SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST ||
                    g->kind == SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER);
        package = malloc(raw.len);
        assert_non_null(package);
        memcpy(package, raw.ptr, raw.len);
        *len = raw.len;
    }
    http_client_response_free(response);
    free(answer);
    free(m);
    return package;
}

typedef enum result_form {
    FORM_RESULT = 0,        /* euiccPackageResult */
    FORM_NOTIFICATIONS,     /* ePRAndNotifications */
    FORM_EUICC_DATA,        /* ipaEuiccDataResponse: result is a BF52 */
    FORM_TRIGGER,           /* profileDownloadTriggerResult: result is a BF54 */
} result_form;

/* ProvideEimPackageResult of result (BF51, or BF52) for eid (NULL: none);
 * the answer's kind, *value the first acknowledged seqNumber or the error. */
static int provide(http_client *c, const uint8_t *eid, const uint8_t *result, size_t len,
                   result_form form, int64_t *value)
{
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    assert_non_null(m);
    assert_non_null(answer);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    sgp32_provide_eim_package_result *p = &m->provide_eim_package_result;
    p->has_eid_value = eid != NULL;
    p->eid_value = (aw_slice){eid, SGP32_EID_LENGTH};
    sgp32_euicc_package_result *epr = &p->eim_package_result.euicc_package_result;
    if (form == FORM_TRIGGER) {
        p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
        assert_int_equal(sgp32_decode_profile_download_trigger_result(
                             result, len, &p->eim_package_result.profile_download_trigger_result),
                         AW_OK);
        epr = NULL;
    } else if (form == FORM_EUICC_DATA) {
        p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE;
        assert_int_equal(sgp32_decode_ipa_euicc_data_response(
                             result, len, &p->eim_package_result.ipa_euicc_data_response),
                         AW_OK);
        epr = NULL;
    } else if (form == FORM_NOTIFICATIONS) {
        static const uint8_t empty_list[] = {0xA0, 0x00};
        p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS;
        p->eim_package_result.epr_and_notifications.notification_list_kind =
            SGP32_EPR_NOTIFICATION_LIST_PENDING;
        p->eim_package_result.epr_and_notifications.notification_list =
            (aw_slice){empty_list, sizeof(empty_list)};
        epr = &p->eim_package_result.epr_and_notifications.euicc_package_result;
    } else {
        p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT;
    }
    if (epr != NULL)
        assert_int_equal(sgp32_decode_euicc_package_result(result, len, epr), AW_OK);
    http_client_response *response = post(c, m, false, answer);
    assert_int_equal(answer->kind, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE);
    const sgp32_provide_eim_package_result_response *r =
        &answer->provide_eim_package_result_response;
    int kind = r->kind;
    *value = kind == SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS
                 ? (r->eim_acknowledgements.count == 1 ? r->eim_acknowledgements.seq_numbers[0]
                                                       : -1)
                 : kind == SGP32_PROVIDE_RESULT_RESPONSE_ERROR ? r->error
                                                               : 0;
    http_client_response_free(response);
    free(answer);
    free(m);
    return kind;
}

static int provide_result(http_client *c, const uint8_t *eid, const uint8_t *result, size_t len,
                          bool with_notifications, int64_t *value)
{
    return provide(c, eid, result, len, with_notifications ? FORM_NOTIFICATIONS : FORM_RESULT,
                   value);
}

static uint8_t *load(test_euicc *te, const uint8_t *package, size_t len, size_t *result_len)
{
    uint8_t *r = NULL;
    assert_int_equal(te_es10(te, package, len, &r, result_len), 0x9000);
    assert_non_null(r);
    return r;
}

static void enqueue(eim_operation_kind kind)
{
    eim_operation op = {.kind = kind, .iccid = ICCID1};
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &op, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
}

static eim_package_state package_state(size_t index, size_t *count)
{
    eim_package_record *records = NULL;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, count), AW_OK);
    assert_true(index < *count);
    eim_package_state state = records[index].state;
    eim_package_records_free(records, *count);
    return state;
}

/* ---- scenarios --------------------------------------------------------------------- */

static void test_end_to_end(void **state)
{
    (void)state;
    size_t len = 0, result_len = 0, count = 0;
    int64_t value = 0;
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    /* nothing queued yet */
    assert_null(get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value));
    assert_int_equal(value, SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);

    enqueue(EIM_OPERATION_ENABLE);
    uint8_t *package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    assert_non_null(package);
    uint8_t *result = load(&t, package, len, &result_len);
    sgp32_euicc_package_result decoded;
    assert_int_equal(sgp32_decode_euicc_package_result(result, result_len, &decoded), AW_OK);
    assert_int_equal(decoded.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    int64_t seq = decoded.result_signed.euicc_package_result_data_signed.seq_number;
    assert_int_equal(provide_result(client, eid_octets, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_int_equal(value, seq);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_DONE);
    assert_true(t.card->state->profiles[0].enabled);

    /* the same result again (its acknowledgement lost on the way to the
     * IPA): acknowledged again, nothing recorded twice */
    assert_int_equal(provide_result(client, eid_octets, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_int_equal(value, seq);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_DONE);
    assert_int_equal(count, 1);
    free(result);
    free(package);

    /* a result signed by another eUICC (its own keys, the same EID) */
    test_euicc other;
    te_setup(&other, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&other);
    add_initial_eim(&other);
    enqueue(EIM_OPERATION_DISABLE);
    package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    assert_non_null(package);
    result = load(&other, package, len, &result_len);
    assert_int_equal(provide_result(client, eid_octets, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_UNDEFINED_ERROR);
    assert_int_equal(package_state(1, &count), EIM_PACKAGE_SENT);
    free(result);
    te_teardown(&other);
    /* the package is sent again until answered; the real eUICC answers it,
     * this time with (empty) notifications beside the result */
    free(package);
    package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    assert_non_null(package);
    result = load(&t, package, len, &result_len);
    assert_int_equal(provide_result(client, eid_octets, result, result_len, true, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_int_equal(package_state(1, &count), EIM_PACKAGE_DONE);
    assert_int_equal(count, 2);
    assert_false(t.card->state->profiles[0].enabled);
    free(result);
    free(package);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    assert_int_equal(got.state, EIM_EUICC_ACTIVE);
    assert_true(got.last_contact_ms > 0);
    eim_euicc_clear(&got);
}

/* A result whose answer was lost comes back through IPA eUICC data: the
 * package sent again is refused with a signed replayError, then the
 * IpaEuiccDataResponse carries the pending result, which the eIM records
 * and acknowledges. */
static void test_lost_result(void **state)
{
    (void)state;
    size_t len = 0, result_len = 0, count = 0;
    int64_t value = 0;
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    enqueue(EIM_OPERATION_ENABLE);
    uint8_t *package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    uint8_t *lost = load(&t, package, len, &result_len);
    sgp32_euicc_package_result decoded;
    assert_int_equal(sgp32_decode_euicc_package_result(lost, result_len, &decoded), AW_OK);
    int64_t seq = decoded.result_signed.euicc_package_result_data_signed.seq_number;
    free(lost);
    free(package);
    assert_int_equal(eim_package_enqueue_euicc_data(
                         db, AW_PKI_DEFAULT_EID, (const uint8_t *)EIM_EUICC_DATA_DEFAULT_TAGS,
                         strlen(EIM_EUICC_DATA_DEFAULT_TAGS), db_clock_ms(), NULL),
                     AW_OK);
    package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    uint8_t *replay = load(&t, package, len, &result_len);
    assert_int_equal(provide_result(client, eid_octets, replay, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_EMPTY);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_FAILED);
    free(replay);
    free(package);
    package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    assert_int_equal(package[0], 0xBF);
    assert_int_equal(package[1], 0x52); /* IpaEuiccDataRequest */
    uint8_t *data = load(&t, package, len, &result_len);
    assert_int_equal(provide(client, eid_octets, data, result_len, FORM_EUICC_DATA, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_int_equal(value, seq);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_DONE);
    assert_int_equal(package_state(1, &count), EIM_PACKAGE_DONE);
    free(data);
    free(package);
}

/* A Profile Download Trigger (SGP.32 2.11.3) and the IPA's report that
 * the download failed. */
static void test_download_trigger(void **state)
{
    (void)state;
    size_t len = 0, count = 0;
    int64_t value = 0;
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$MATCH-9"};
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), NULL),
                     AW_OK);
    uint8_t *package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    sgp32_profile_download_trigger_request request;
    assert_int_equal(sgp32_decode_profile_download_trigger_request(package, len, &request), AW_OK);
    sgp32_profile_download_trigger_result result;
    memset(&result, 0, sizeof(result));
    result.has_eim_transaction_id = true;
    result.eim_transaction_id = request.eim_transaction_id;
    result.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    result.result_data.profile_download_error.profile_download_error_reason =
        SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR;
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    assert_int_equal(sgp32_encode_profile_download_trigger_result(&result, &encoded, &encoded_len),
                     AW_OK);
    assert_int_equal(provide(client, eid_octets, encoded, encoded_len, FORM_TRIGGER, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_EMPTY);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_FAILED);
    /* the same report again */
    assert_int_equal(provide(client, eid_octets, encoded, encoded_len, FORM_TRIGGER, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_UNDEFINED_ERROR);
    free(encoded);
    free(package);
}

/* ProvideEimPackageResult with the IPA's eimPackageResultResponseError. */
static int provide_package_error(const uint8_t *eid, aw_slice tid, int64_t *value)
{
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    assert_non_null(m);
    assert_non_null(answer);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    sgp32_provide_eim_package_result *p = &m->provide_eim_package_result;
    p->has_eid_value = true;
    p->eid_value = (aw_slice){eid, SGP32_EID_LENGTH};
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR;
    p->eim_package_result.response_error.has_eim_transaction_id = tid.len > 0;
    p->eim_package_result.response_error.eim_transaction_id = tid;
    p->eim_package_result.response_error.eim_package_result_error_code =
        SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT;
    http_client_response *response = post(client, m, false, answer);
    const sgp32_provide_eim_package_result_response *r =
        &answer->provide_eim_package_result_response;
    int kind = r->kind;
    *value = kind == SGP32_PROVIDE_RESULT_RESPONSE_ERROR ? r->error : 0;
    http_client_response_free(response);
    free(answer);
    free(m);
    return kind;
}

/* An IPA that could not process a package reports it (SGP.32 6.3.2.7). */
static void test_package_error(void **state)
{
    (void)state;
    size_t len = 0, count = 0;
    int64_t value = 0;
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    enqueue(EIM_OPERATION_ENABLE);
    uint8_t *package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value);
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    assert_non_null(request);
    assert_int_equal(sgp32_decode_euicc_package_request(package, len, request), AW_OK);
    aw_slice tid = request->euicc_package_signed.eim_transaction_id;
    /* without eimTransactionId nothing names the package */
    assert_int_equal(provide_package_error(eid_octets, (aw_slice){NULL, 0}, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_UNDEFINED_ERROR);
    assert_int_equal(package_state(0, &count), EIM_PACKAGE_SENT);
    assert_int_equal(provide_package_error(eid_octets, tid, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_EMPTY);
    eim_package_record *records = NULL;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(records[0].state, EIM_PACKAGE_FAILED);
    assert_int_equal(records[0].error_code, SGP32_EIM_PACKAGE_RESULT_INVALID_PACKAGE_FORMAT);
    eim_package_records_free(records, count);
    assert_int_equal(provide_package_error(eid_octets, tid, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_UNDEFINED_ERROR);
    /* another EID; the library entry point's arguments */
    uint8_t unknown[SGP32_EID_LENGTH];
    char eid[EIM_EID_DIGITS + 1];
    eim_test_eid(11, eid);
    assert_int_equal(eim_eid_to_octets(eid, unknown), AW_OK);
    assert_int_equal(provide_package_error(unknown, tid, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_EID_NOT_FOUND);
    assert_int_equal(eim_package_error_record(db, eid, tid.ptr, tid.len, 1, NULL, 0, 0, NULL),
                     AW_ERR_ARGUMENT);
    free(request);
    free(package);
}

/* Keep-alive and close-per-response clients, each several exchanges. */
static void test_connections(void **state)
{
    (void)state;
    int64_t value = 0;
    size_t len = 0;
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    static const uint8_t body[] = {0xBF, 0x4F, 0x12, 0x5A, 0x10};
    for (int i = 0; i < 3; i++) {
        assert_null(get_package(client, eid_octets, SGP32_EID_LENGTH, false, &len, &value));
        assert_int_equal(value, SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
    }
    /* the kept connection was reused */
    uint8_t request[sizeof(body) + SGP32_EID_LENGTH];
    memcpy(request, body, sizeof(body));
    memcpy(request + sizeof(body), eid_octets, SGP32_EID_LENGTH);
    http_client_response *response =
        post_raw(client, EIM_ESIPA_CONTENT_TYPE, request, sizeof(request), false);
    assert_int_equal(response->status, 200);
    assert_true(response->connection_reused);
    http_client_response_free(response);
    /* a client that closes after each response */
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", tls_dir);
    http_client_config config = {.ca_file = ca};
    http_client *closing = NULL;
    assert_int_equal(http_client_new(&config, &closing), AW_OK);
    for (int i = 0; i < 3; i++) {
        response = post_raw(closing, EIM_ESIPA_CONTENT_TYPE, request, sizeof(request), true);
        assert_int_equal(response->status, 200);
        assert_false(response->connection_reused);
        http_client_response_free(response);
    }
    http_client_free(closing);
}

static void test_errors(void **state)
{
    (void)state;
    int64_t value = 0;
    size_t len = 0;
    uint8_t unknown[SGP32_EID_LENGTH], invalid[SGP32_EID_LENGTH];
    char eid[EIM_EID_DIGITS + 1];
    eim_test_eid(9, eid);
    assert_int_equal(eim_eid_to_octets(eid, unknown), AW_OK);
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid_octets), AW_OK);
    memcpy(invalid, eid_octets, sizeof(invalid));
    invalid[15] ^= 0x01; /* check digits wrong */
    assert_null(get_package(client, unknown, SGP32_EID_LENGTH, false, &len, &value));
    assert_int_equal(value, SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND);
    assert_null(get_package(client, invalid, SGP32_EID_LENGTH, false, &len, &value));
    assert_int_equal(value, SGP32_EIM_PACKAGE_ERROR_INVALID_EID);

    /* a result to provide: any signed result of this eUICC */
    enqueue(EIM_OPERATION_ENABLE);
    size_t package_len = 0, result_len = 0;
    uint8_t *package = get_package(client, eid_octets, SGP32_EID_LENGTH, false, &package_len,
                                   &value);
    uint8_t *result = load(&t, package, package_len, &result_len);
    assert_int_equal(provide_result(client, NULL, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_MISSING_EID);
    assert_int_equal(provide_result(client, invalid, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_INVALID_EID);
    assert_int_equal(provide_result(client, unknown, result, result_len, false, &value),
                     SGP32_PROVIDE_RESULT_RESPONSE_ERROR);
    assert_int_equal(value, SGP32_PROVIDE_RESULT_EID_NOT_FOUND);
    free(result);
    free(package);

    /* HTTP refusals: content type, not ESipa, a function not served, method */
    static const uint8_t get_request[] = {0xBF, 0x4F, 0x00};
    http_client_response *response =
        post_raw(client, "application/json", get_request, sizeof(get_request), false);
    assert_int_equal(response->status, 415);
    http_client_response_free(response);
    static const uint8_t garbage[] = {0x30, 0x05, 0x01};
    response = post_raw(client, EIM_ESIPA_CONTENT_TYPE, garbage, sizeof(garbage), false);
    assert_int_equal(response->status, 400);
    http_client_response_free(response);
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    static const uint8_t challenge[16] = {1};
    m->kind = SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST;
    m->initiate_authentication_request.euicc_challenge = (aw_slice){challenge, 16};
    uint8_t *body = NULL;
    size_t body_len = 0;
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &body, &body_len), AW_OK);
    /* relayed now: no smdpAddress and no trigger to take it from is
     * invalidDpAddress (SGP.32 6.3.2.1) */
    response = post_raw(client, EIM_ESIPA_CONTENT_TYPE, body, body_len, false);
    assert_int_equal(response->status, 200);
    static const uint8_t invalid_dp_address[] = {0xBF, 0x39, 0x03, 0x81, 0x01, 0x01};
    assert_int_equal(response->body_len, sizeof(invalid_dp_address));
    assert_memory_equal(response->body, invalid_dp_address, sizeof(invalid_dp_address));
    http_client_response_free(response);
    free(body);
    /* a v1.0 bare eimPackageError names no package */
    memset(m, 0, sizeof(*m));
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.has_eid_value = true;
    m->provide_eim_package_result.eid_value = (aw_slice){eid_octets, SGP32_EID_LENGTH};
    m->provide_eim_package_result.eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_ERROR_V1_0;
    m->provide_eim_package_result.eim_package_result.eim_package_error_v1_0 = 1;
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &body, &body_len), AW_OK);
    response = post_raw(client, EIM_ESIPA_CONTENT_TYPE, body, body_len, false);
    assert_int_equal(response->status, 501);
    http_client_response_free(response);
    free(m);
    free(body);
    http_client_request get = {.method = AW_HTTP_METHOD_GET, .url = url};
    assert_int_equal(http_client_send(client, &get, &response), AW_OK);
    assert_int_equal(response->status, 405);
    http_client_response_free(response);

    /* the library entry point's arguments */
    uint8_t *out = NULL;
    size_t out_len = 0;
    eim_context context = {.db = db, .trust = NULL};
    assert_int_equal(eim_esipa_handle(&context, get_request, sizeof(get_request), 0, &out,
                                      &out_len, NULL),
                     AW_ERR_ARGUMENT);
    assert_null(out);
}

static void test_server_config(void **state)
{
    (void)state;
    struct event_base *b = event_base_new();
    assert_non_null(b);
    eim_server *s = (eim_server *)1;
    eim_config config = {.pki_directory = "/nonexistent", .database_url = "sqlite::memory:"};
    assert_int_equal(eim_server_new(b, &config, &s), AW_ERR_NOT_FOUND);
    assert_null(s);
    config.pki_directory = tls_dir;
    config.database_url = "mysql://nope";
    assert_int_equal(eim_server_new(b, &config, &s), AW_ERR_DB_URL);
    config.database_url = "sqlite::memory:";
    config.tls_key = "/nonexistent.key.pem";
    /* http_tls reports an unreadable credential file as AW_ERR_IO */
    assert_int_equal(eim_server_new(b, &config, &s), AW_ERR_IO);
    assert_int_equal(eim_server_new(b, NULL, &s), AW_ERR_ARGUMENT);
    assert_int_equal(eim_server_port(NULL), 0);
    eim_server_stop(NULL);
    eim_server_free(NULL);
    event_base_free(b);
}

int main(int argc, char **argv)
{
    char *args[] = {argv[0], "sqlite"};
    (void)argc;
    /* the test thread stops the loop thread's base */
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(2, args, "test_eim_esipa");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_package_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_config, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
