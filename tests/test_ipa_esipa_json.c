/* The IPA's ESipa client over the JSON binding (src/ipa/esipa_json_client.c,
 * SGP.32 6.4.1.5 GetEimPackage, 6.4.1.6 ProvideEimPackageResult) against
 * the real eIM (src/eim server, SQLite) on loopback HTTPS, with the
 * in-process software eUICC: the poll loop runs enable, listProfileInfo and
 * an IpaEuiccDataRequest over JSON exactly as over ASN.1 (results verified
 * and recorded, acknowledgements passed on), on both curves; then TLS
 * certificates for lab use: an eIM certificate naming only IP:127.0.0.1
 * (what `airwrite-pki init --tls-name 127.0.0.1` issues) is accepted at
 * https://127.0.0.1, one naming another address or only a DNS name is
 * refused; answers out of the binding (status, type, body, kind; a
 * notification answered other than 204) from a fake server; and the
 * client's binding arguments. */
#include "ipa_esipa_testutil.h"

#include <signal.h>

static esipa_env env;

static ipa_esipa *json_client(const char *url, const char *ca)
{
    ipa_esipa_config config = {.eim_url = url, .ca_file = ca, .timeout_ms = 10000,
                               .tls12_only = env.curve == AW_PKI_CURVE_BRAINPOOL_P256R1,
                               .binding = IPA_ESIPA_BINDING_JSON};
    ipa_esipa *client = NULL;
    assert_int_equal(ipa_esipa_new(&config, &client), AW_OK);
    return client;
}

static int setup_curve(aw_pki_curve curve)
{
    esipa_env_setup(&env, curve);
    ipa_esipa_free(env.esipa);
    env.esipa = json_client(env.base_url, env.ca_file);
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

/* ---- the poll loop over JSON ---------------------------------------------------- */

static void test_packages_over_json(void **state)
{
    (void)state;
    size_t count = 0;
    char url[128];
    snprintf(url, sizeof(url), "%s/gsma/rsp2/esipa/", env.base_url);
    assert_string_equal(ipa_esipa_url(env.esipa), url);
    int64_t enable = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    int64_t list = esipa_enqueue(&env, EIM_OPERATION_LIST_PROFILE_INFO);
    int64_t data = 0;
    static const uint8_t tags[] = {0xA2, 0xA5, 0xA6, 0xA8};
    assert_int_equal(eim_package_enqueue_euicc_data(env.db, AW_PKI_DEFAULT_EID, tags,
                                                    sizeof(tags), db_clock_ms(), &data),
                     AW_OK);
    ipa_poller *poller = esipa_poller(&env, NULL, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(report.delivered, 1);
    assert_int_equal(report.refused, 0);
    assert_int_equal(report.acknowledged, 1); /* eimAcknowledgements over JSON */
    assert_int_equal(esipa_package(&env, enable, &count).state, EIM_PACKAGE_DONE);
    assert_true(env.t.card->state->profiles[0].enabled);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(esipa_package(&env, list, &count).state, EIM_PACKAGE_DONE);
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_EUICC_DATA);
    assert_int_equal(esipa_package(&env, data, &count).state, EIM_PACKAGE_DONE);
    /* eimPackageError noEimPackageAvailable, an integer member over JSON */
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    assert_int_equal(report.eim_package_error, SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
    ipa_poller_free(poller);
}

/* An EID the eIM does not know: eidNotFound through the JSON answer. */
static void test_unknown_eid(void **state)
{
    (void)state;
    uint8_t eid[SGP32_EID_LENGTH];
    char text[EIM_EID_DIGITS + 1];
    eim_test_eid(42, text);
    assert_int_equal(eim_eid_to_octets(text, eid), AW_OK);
    sgp32_esipa_message_from_ipa_to_eim request;
    memset(&request, 0, sizeof(request));
    request.kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    request.get_eim_package_request.eid_value = (aw_slice){eid, sizeof(eid)};
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    assert_non_null(answer);
    assert_int_equal(ipa_esipa_exchange(env.esipa, &request, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE,
                                        answer),
                     AW_OK);
    assert_int_equal(answer->get_eim_package_response.kind, SGP32_EIM_PACKAGE_ERROR);
    assert_int_equal(answer->get_eim_package_response.eim_package_error,
                     SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND);
    /* a message the binding has no function for: TransferEimPackageResponse */
    request.kind = SGP32_ESIPA_TRANSFER_EIM_PACKAGE_RESPONSE;
    request.transfer_eim_package_response.kind = SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_RECEIVED;
    assert_int_equal(ipa_esipa_exchange(env.esipa, &request,
                                        SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, answer),
                     AW_ERR_STATE);
    free(answer);
}

/* ---- TLS certificates for lab use ----------------------------------------------- */

typedef struct lab_server {
    char dir[200];
    char ca[240];
    eim_server *server;
    char url[64];
} lab_server;

/* An eIM whose TLS certificate (and its own CI) names only name. */
static void lab_open(lab_server *lab, const char *name, const char *sub)
{
    pki_hierarchy h;
    const char *names[] = {name};
    pki_hierarchy_params params = {.curve = env.curve, .now = time(NULL), .tls_names = names,
                                   .tls_name_count = 1};
    assert_int_equal(pki_issue_hierarchy(&params, &h), AW_OK);
    snprintf(lab->dir, sizeof(lab->dir), "%s/%s", env.t.dir, sub);
    assert_int_equal(mkdir(lab->dir, 0700), 0);
    test_write_pem(lab->dir, "ci.pem", h.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(lab->dir, "dptls.pem", h.cert[AW_PKI_ROLE_DP_TLS], NULL);
    test_write_pem(lab->dir, "dptls.key.pem", NULL, h.key[AW_PKI_ROLE_DP_TLS]);
    snprintf(lab->ca, sizeof(lab->ca), "%s/ci.pem", lab->dir);
    pki_hierarchy_free(&h);
    char certificate[260], key[260];
    snprintf(certificate, sizeof(certificate), "%s/dptls.pem", lab->dir);
    snprintf(key, sizeof(key), "%s/dptls.key.pem", lab->dir);
    /* the eUICCs' trust stays the registry's CI (env.tls_dir/ci.pem) */
    eim_config config = {.pki_directory = env.tls_dir, .database_url = eim_test_database.url,
                         .tls_certificate = certificate, .tls_key = key};
    assert_int_equal(eim_server_new(env.base, &config, &lab->server), AW_OK);
    snprintf(lab->url, sizeof(lab->url), "https://127.0.0.1:%u",
             (unsigned)eim_server_port(lab->server));
}

static void lab_free(void *arg)
{
    lab_server *lab = arg;
    eim_server_stop(lab->server);
    eim_server_free(lab->server);
}

/* on the loop thread (test_on_loop): the client may have just dropped a
 * refused handshake that the loop is closing */
static void lab_close(lab_server *lab)
{
    test_on_loop(env.base, lab_free, lab);
}

/* One poll cycle through a JSON client to the lab eIM. */
static aw_err lab_poll(lab_server *lab)
{
    ipa_esipa *client = json_client(lab->url, lab->ca);
    ipa_poll_config config = {.session = env.session, .esipa = client};
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&config, &poller), AW_OK);
    ipa_poll_report report;
    aw_err err = ipa_poll_once(poller, &report);
    if (err == AW_OK)
        assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    ipa_poller_free(poller);
    ipa_esipa_free(client);
    return err;
}

static void test_ip_address_certificate(void **state)
{
    (void)state;
    lab_server lab;
    lab_open(&lab, "127.0.0.1", "lab-ip");
    assert_int_equal(lab_poll(&lab), AW_OK);
    lab_close(&lab);
    /* the certificate must name the address connected to */
    lab_open(&lab, "10.9.8.7", "lab-other-ip");
    assert_int_equal(lab_poll(&lab), AW_ERR_HTTP_CERTIFICATE);
    lab_close(&lab);
    lab_open(&lab, "eim.example.com", "lab-dns");
    assert_int_equal(lab_poll(&lab), AW_ERR_HTTP_CERTIFICATE);
    lab_close(&lab);
}

/* ---- answers out of the binding ---------------------------------------------------- */

/* A server that answers the JSON paths as the test says. */
typedef struct fake_answer {
    int status;
    const char *type;   /* NULL: none */
    const char *body;   /* NULL: none */
} fake_answer;

static fake_answer fake;

static void fake_handle(http_request *request, void *userdata)
{
    (void)userdata;
    http_request_set_status(request, fake.status);
    if (fake.type != NULL)
        assert_int_equal(http_request_add_header(request, "Content-Type", fake.type), AW_OK);
    if (fake.body != NULL)
        assert_int_equal(http_request_set_body(request, fake.body, strlen(fake.body)), AW_OK);
}

static void fake_server_free(void *arg)
{
    http_server_stop(arg);
    http_server_free(arg);
}

static aw_err fake_get(ipa_esipa *client, sgp32_esipa_eim_to_ipa_kind expected,
                       sgp32_esipa_message_from_eim_to_ipa *answer)
{
    static const uint8_t eid[SGP32_EID_LENGTH] = {0x89, 0x04, 0x90, 0x32};
    sgp32_esipa_message_from_ipa_to_eim request;
    memset(&request, 0, sizeof(request));
    request.kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    request.get_eim_package_request.eid_value = (aw_slice){eid, sizeof(eid)};
    return ipa_esipa_exchange(client, &request, expected, answer);
}

static void test_answers_out_of_binding(void **state)
{
    (void)state;
    char certificate[260], key[260];
    snprintf(certificate, sizeof(certificate), "%s/dptls.pem", env.tls_dir);
    snprintf(key, sizeof(key), "%s/dptls.key.pem", env.tls_dir);
    http_server_config config = {.address = "127.0.0.1", .certificate_file = certificate,
                                 .key_file = key};
    http_server *server = NULL;
    assert_int_equal(http_server_new(env.base, &config, &server), AW_OK);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_POST,
                                       "/gsma/rsp2/esipa/getEimPackage", fake_handle, NULL),
                     AW_OK);
    assert_int_equal(http_server_route(server, AW_HTTP_METHOD_POST,
                                       "/gsma/rsp2/esipa/handleNotification", fake_handle, NULL),
                     AW_OK);
    assert_int_equal(http_server_start(server), AW_OK);
    char url[64];
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", (unsigned)http_server_port(server));
    ipa_esipa *client = json_client(url, env.ca_file);
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    assert_non_null(answer);
    const sgp32_esipa_eim_to_ipa_kind get = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;

    /* "Failed" with the EID codes: read as eidNotFound */
    fake = (fake_answer){200, "application/json",
                         "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                         "\"statusCodeData\":{\"subjectCode\":\"8.1.1\","
                         "\"reasonCode\":\"3.9\"}}}}"};
    assert_int_equal(fake_get(client, get, answer), AW_OK);
    assert_int_equal(answer->get_eim_package_response.eim_package_error,
                     SGP32_EIM_PACKAGE_ERROR_EID_NOT_FOUND);
    /* another status; another type; a body that is no answer; an answer of
     * another kind than the caller expects */
    fake = (fake_answer){500, NULL, NULL};
    assert_int_equal(fake_get(client, get, answer), AW_ERR_IPA_ESIPA_HTTP_STATUS);
    fake = (fake_answer){200, "text/plain", "{}"};
    assert_int_equal(fake_get(client, get, answer), AW_ERR_IPA_ESIPA_RESPONSE);
    fake = (fake_answer){200, "application/jsonx", "{}"};
    assert_int_equal(fake_get(client, get, answer), AW_ERR_IPA_ESIPA_RESPONSE);
    fake = (fake_answer){200, "application/json", "not json"};
    assert_int_equal(fake_get(client, get, answer), AW_ERR_IPA_ESIPA_RESPONSE);
    assert_int_equal(answer->kind, SGP32_ESIPA_EIM_TO_IPA_NONE);
    fake = (fake_answer){200, "application/json; charset=UTF-8",
                         "{\"header\":{\"functionExecutionStatus\":{\"status\":"
                         "\"Executed-Success\"}},\"eimPackageError\":1}"};
    assert_int_equal(fake_get(client, get, answer), AW_OK);
    assert_int_equal(fake_get(client, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, answer),
                     AW_ERR_IPA_ESIPA_RESPONSE);
    /* a notification answered with anything but 204 */
    size_t len = 0;
    fake = (fake_answer){204, NULL, NULL};
    uint8_t *pir = test_hex("BF3D0BA009BF3706BF2703800101", &len);
    assert_int_equal(ipa_esipa_notify(client, pir, len), AW_OK);
    fake = (fake_answer){200, "application/json", "{}"};
    assert_int_equal(ipa_esipa_notify(client, pir, len), AW_ERR_IPA_ESIPA_HTTP_STATUS);
    free(pir);
    free(answer);
    ipa_esipa_free(client);
    test_on_loop(env.base, fake_server_free, server);
}

/* ---- arguments -------------------------------------------------------------------- */

static void test_binding_arguments(void **state)
{
    (void)state;
    ipa_esipa_binding b = IPA_ESIPA_BINDING_ASN1;
    assert_int_equal(ipa_esipa_binding_parse("json", &b), AW_OK);
    assert_int_equal(b, IPA_ESIPA_BINDING_JSON);
    assert_int_equal(ipa_esipa_binding_parse("asn1", &b), AW_OK);
    assert_int_equal(b, IPA_ESIPA_BINDING_ASN1);
    assert_int_equal(ipa_esipa_binding_parse("JSON", &b), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_esipa_binding_parse(NULL, &b), AW_ERR_ARGUMENT);
    assert_string_equal(ipa_esipa_binding_name(IPA_ESIPA_BINDING_JSON), "json");
    assert_string_equal(ipa_esipa_binding_name(IPA_ESIPA_BINDING_ASN1), "asn1");
    assert_null(ipa_esipa_binding_name((ipa_esipa_binding)7));
    ipa_esipa_config config = {.eim_url = env.base_url, .ca_file = env.ca_file,
                               .binding = (ipa_esipa_binding)7};
    ipa_esipa *client = (ipa_esipa *)1;
    assert_int_equal(ipa_esipa_new(&config, &client), AW_ERR_ARGUMENT);
    assert_null(client);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_esipa_json", "sqlite", NULL},
                                  "test_ipa_esipa_json");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_packages_over_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packages_over_json, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_eid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_address_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_out_of_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binding_arguments, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
