/* Harness of the eIM download relay tests (test code only): the real
 * airwrite SM-DP+ (smdp.h, in-process, its loop thread) with a released
 * order (smdp_lpa_testutil.h), the eIM server (eim.h, its own loop thread,
 * SQLite or PostgreSQL registry) routing the SM-DP+ address to the SM-DP+'s
 * loopback port, and a test IPA that drives the software eUICC with ES10b
 * STORE DATA and talks to the eIM only, over ESipa (SGP.32 6.3 ASN.1
 * binding on HTTPS). */
#ifndef AIRWRITE_TESTS_EIM_RELAY_TESTUTIL_H
#define AIRWRITE_TESTS_EIM_RELAY_TESTUTIL_H

#include "smdp_lpa_testutil.h"
#include "eim_testutil.h"

#include "core/sgp32_esipa.h"

#define RELAY_MATCHING_ID "RELAY-MATCH-0001"
#define RELAY_ICCID "8944000000000123456"
#define RELAY_UNREACHABLE "unreachable.example.com"

typedef struct relay_harness {
    lpa_smdp smdp;               /* SM-DP+ and the eUICC (smdp.device.t) */
    db_connection *db;           /* the eIM's database, the operator's connection */
    struct event_base *base;     /* the eIM's loop */
    eim_server *server;
    pthread_t thread;
    http_client *ipa;            /* the IPA's connection to the eIM */
    char url[96];                /* the eIM's ASN.1 endpoint */
    char json_base[64];          /* https://127.0.0.1:port */
    char smdp_url[64];
    char dead_url[64];
    eim_smdp_route routes[3];
    uint8_t eid[SGP32_EID_LENGTH];
} relay_harness;

static inline void *relay_loop(void *arg)
{
    relay_harness *h = arg;
    event_base_loop(h->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* The eIM's forwarder of held notifications (eim_config; 0: defaults). */
typedef struct relay_tuning {
    unsigned notification_poll_ms;
    unsigned notification_attempts;
    unsigned notification_retry_ms;
} relay_tuning;

/* The SM-DP+ with one released order (RELAY_MATCHING_ID), the eIM with the
 * eUICC registered (its certificates known), both serving; tuning may be
 * NULL. */
static inline void relay_open_tuned(relay_harness *h, aw_pki_curve curve,
                                    const relay_tuning *tuning)
{
    memset(h, 0, sizeof(*h));
    lpa_smdp *x = &h->smdp;
    lpa_prepare(x, "/tmp/aw-eimrelay-XXXXXX", curve);
    db_connection *inventory = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_inventory_open(x, &inventory, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(inventory, "iot-basic", template_package, template_len);
    static const char csv[] = "iccid,imsi,ki,opc\n" RELAY_ICCID
                              ",234150999999999,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,"
                              "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n";
    lpa_import_csv(inventory, ring, "iot-basic", csv, strlen(csv));
    lpa_release_order(inventory, RELAY_ICCID, RELAY_MATCHING_ID, NULL);
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(inventory);
    lpa_open(x);

    h->db = eim_test_db_fresh();
    test_euicc *t = &x->device.t;
    eim_test_register(h->db, AW_PKI_DEFAULT_EID, 0, -1, t->hierarchy.cert[AW_PKI_ROLE_EUICC],
                      t->hierarchy.cert[AW_PKI_ROLE_EUM]);
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, h->eid), AW_OK);
    snprintf(h->smdp_url, sizeof(h->smdp_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(x->server));
    snprintf(h->dead_url, sizeof(h->dead_url), "https://127.0.0.1:1");
    h->routes[0] = (eim_smdp_route){LPA_SMDP_ADDRESS, h->smdp_url};
    /* another address the SM-DP+ does not answer to (SGP.22 5.6.1) */
    h->routes[1] = (eim_smdp_route){"other.example.com", h->smdp_url};
    h->routes[2] = (eim_smdp_route){RELAY_UNREACHABLE, h->dead_url};
    h->base = event_base_new();
    assert_non_null(h->base);
    eim_config config = {.pki_directory = t->pki, .database_url = eim_test_database.url,
                         .smdp_routes = h->routes, .smdp_route_count = 3,
                         .smdp_timeout_ms = 5000};
    if (tuning != NULL) {
        config.notification_poll_ms = tuning->notification_poll_ms;
        config.notification_attempts = tuning->notification_attempts;
        config.notification_retry_ms = tuning->notification_retry_ms;
    }
    assert_int_equal(eim_server_new(h->base, &config, &h->server), AW_OK);
    assert_int_equal(pthread_create(&h->thread, NULL, relay_loop, h), 0);
    snprintf(h->json_base, sizeof(h->json_base), "https://127.0.0.1:%u",
             (unsigned)eim_server_port(h->server));
    snprintf(h->url, sizeof(h->url), "%s" EIM_ESIPA_PATH, h->json_base);
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", t->pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &h->ipa), AW_OK);
}

static inline void relay_open(relay_harness *h, aw_pki_curve curve)
{
    relay_open_tuned(h, curve, NULL);
}

static inline void relay_close(relay_harness *h)
{
    http_client_free(h->ipa);
    event_base_loopexit(h->base, NULL);
    assert_int_equal(pthread_join(h->thread, NULL), 0);
    eim_server_stop(h->server);
    eim_server_free(h->server);
    event_base_free(h->base);
    db_close(h->db);
    lpa_close(&h->smdp);
}

/* ---- the test IPA -------------------------------------------------------------- */

/* POST DER to the eIM's ASN.1 endpoint; the status is returned, the answer
 * (malloc'd, NULL for none) in *answer. */
static inline int relay_post(relay_harness *h, const uint8_t *body, size_t len, uint8_t **answer,
                             size_t *answer_len)
{
    static const char *const names[] = {"Content-Type", "X-Admin-Protocol"};
    http_header header = {"Content-Type", EIM_ESIPA_CONTENT_TYPE};
    http_client_request request = {.method = AW_HTTP_METHOD_POST, .url = h->url,
                                   .headers = &header, .header_count = 1, .body = body,
                                   .body_len = len, .response_header_names = names,
                                   .response_header_count = 2};
    http_client_response *response = NULL;
    assert_int_equal(http_client_send(h->ipa, &request, &response), AW_OK);
    assert_non_null(response->header_values[1]);
    assert_string_equal(response->header_values[1], EIM_ESIPA_ADMIN_PROTOCOL);
    int status = response->status;
    *answer = NULL;
    *answer_len = 0;
    if (response->body_len > 0) {
        *answer = malloc(response->body_len);
        assert_non_null(*answer);
        memcpy(*answer, response->body, response->body_len);
        *answer_len = response->body_len;
    }
    http_client_response_free(response);
    return status;
}

/* POST a built message and require a 200 answer that decodes as kind. */
static inline uint8_t *relay_exchange(relay_harness *h, der_builder *b,
                                      sgp32_esipa_eim_to_ipa_kind kind,
                                      sgp32_esipa_message_from_eim_to_ipa *decoded, size_t *len)
{
    uint8_t *body = NULL, *answer = NULL;
    size_t body_len = 0;
    assert_int_equal(der_builder_finish(b, &body, &body_len), AW_OK);
    assert_int_equal(relay_post(h, body, body_len, &answer, len), 200);
    free(body);
    assert_int_equal(sgp32_decode_esipa_message_from_eim_to_ipa(answer, *len, decoded), AW_OK);
    assert_int_equal(decoded->kind, kind);
    return answer;
}

/* The components of the [0] Ok alternative inside an answer (TLVs). */
static inline size_t relay_ok_components(const uint8_t *answer, size_t len, aw_slice *out,
                                         size_t cap)
{
    der_reader top, choice, items;
    der_node outer, ok, node;
    size_t n = 0;
    der_reader_init(&top, answer, len);
    assert_int_equal(der_read_node(&top, &outer), AW_OK);
    assert_int_equal(der_reader_enter(&top, &outer, &choice), AW_OK);
    assert_int_equal(der_read_expect(&choice, 0xA0, &ok), AW_OK);
    assert_int_equal(der_reader_enter(&choice, &ok, &items), AW_OK);
    while (!der_reader_at_end(&items)) {
        assert_true(n < cap);
        assert_int_equal(der_read_node(&items, &node), AW_OK);
        out[n++] = node.raw;
    }
    return n;
}

/* ESipa.GetEimPackage: the trigger's eimTransactionId (16 octets). */
static inline void relay_get_trigger(relay_harness *h, uint8_t eim_transaction_id[16])
{
    der_builder b;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    size_t len = 0;
    assert_non_null(m);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF4F);
    der_put_tlv(&b, 0x5A, h->eid, sizeof(h->eid));
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(h, &b, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, m, &len);
    assert_int_equal(m->get_eim_package_response.kind, SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER);
    const sgp32_profile_download_trigger_request *trigger =
        &m->get_eim_package_response.profile_download_trigger_request;
    assert_true(trigger->has_eim_transaction_id);
    assert_int_equal(trigger->eim_transaction_id.len, 16);
    memcpy(eim_transaction_id, trigger->eim_transaction_id.ptr, 16);
    free(answer);
    free(m);
}

/* ESipa.InitiateAuthentication after ES10b GetEUICCInfo1 and
 * GetEUICCChallenge; address / eim_transaction_id NULL to leave them out.
 * The answer (malloc'd) decoded into *m. */
static inline uint8_t *relay_initiate(relay_harness *h, const char *address,
                                      const uint8_t *eim_transaction_id,
                                      sgp32_esipa_message_from_eim_to_ipa *m, size_t *len)
{
    static const uint8_t get_info1[] = {0xBF, 0x20, 0x00};
    static const uint8_t get_challenge[] = {0xBF, 0x2E, 0x00};
    lpa_device *d = &h->smdp.device;
    size_t info1_len = 0, challenge_len = 0;
    uint8_t *info1 = lpa_es10(d, get_info1, sizeof(get_info1), &info1_len);
    uint8_t *challenge = lpa_es10(d, get_challenge, sizeof(get_challenge), &challenge_len);
    assert_int_equal(challenge_len, 21);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39); /* SGP32Definitions component order */
    der_put_tlv(&b, 0x81, challenge + 5, 16);
    if (address != NULL)
        der_put_tlv(&b, 0x83, (const uint8_t *)address, strlen(address));
    der_put_raw(&b, info1, info1_len);
    if (eim_transaction_id != NULL)
        der_put_tlv(&b, 0x82, eim_transaction_id, 16);
    der_builder_end(&b);
    uint8_t *answer =
        relay_exchange(h, &b, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE, m, len);
    free(info1);
    free(challenge);
    return answer;
}

/* ES10b.AuthenticateServer with the SM-DP+'s InitiateAuthentication answer
 * (relayed) and matching_id, then ESipa.AuthenticateClient. *tid receives
 * the transactionId. */
static inline uint8_t *relay_authenticate(relay_harness *h, const uint8_t *initiate,
                                          size_t initiate_len, const char *matching_id,
                                          uint8_t tid[16], size_t *tid_len,
                                          sgp32_esipa_message_from_eim_to_ipa *m, size_t *len)
{
    aw_slice c[5];
    assert_int_equal(relay_ok_components(initiate, initiate_len, c, 5), 5);
    der_node node;
    assert_int_equal(der_decode_single(c[0].ptr, c[0].len, &node), AW_OK);
    assert_true(node.value.len <= 16);
    memcpy(tid, node.value.ptr, node.value.len);
    *tid_len = node.value.len;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF38);
    for (size_t i = 1; i < 5; i++)
        der_put_raw(&b, c[i].ptr, c[i].len);
    lpa_put_ctx_params1(&b, matching_id);
    der_builder_end(&b);
    uint8_t *command = NULL, *asr = NULL;
    size_t command_len = 0, asr_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    asr = lpa_es10(&h->smdp.device, command, command_len, &asr_len);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, tid, *tid_len);
    der_put_raw(&b, asr, asr_len);
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(h, &b, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE, m, len);
    free(command);
    free(asr);
    return answer;
}

/* ES10b.PrepareDownload with the relayed AuthenticateClient answer, then
 * ESipa.GetBoundProfilePackage. */
static inline uint8_t *relay_get_bpp(relay_harness *h, const uint8_t *authenticate,
                                     size_t authenticate_len, const uint8_t *tid, size_t tid_len,
                                     sgp32_esipa_message_from_eim_to_ipa *m, size_t *len)
{
    aw_slice c[6];
    assert_int_equal(relay_ok_components(authenticate, authenticate_len, c, 6), 5);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21);
    for (size_t i = 2; i < 5; i++) /* smdpSigned2, smdpSignature2, smdpCertificate */
        der_put_raw(&b, c[i].ptr, c[i].len);
    der_builder_end(&b);
    uint8_t *command = NULL, *pdr = NULL;
    size_t command_len = 0, pdr_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    pdr = lpa_es10(&h->smdp.device, command, command_len, &pdr_len);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3A);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_raw(&b, pdr, pdr_len);
    der_builder_end(&b);
    uint8_t *answer =
        relay_exchange(h, &b, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE, m, len);
    free(command);
    free(pdr);
    return answer;
}

/* ESipa.HandleNotification with a PendingNotification: 204, no body. */
static inline void relay_notify(relay_harness *h, const uint8_t *pending, size_t len)
{
    der_builder b;
    uint8_t *body = NULL, *answer = NULL;
    size_t body_len = 0, answer_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pending, len);
    der_builder_end(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &body, &body_len), AW_OK);
    assert_int_equal(relay_post(h, body, body_len, &answer, &answer_len), 204);
    assert_null(answer);
    free(body);
}

#endif
