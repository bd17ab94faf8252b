/* The eIM's indirect download relay end to end (src/eim/relay.c,
 * relay_notify.c, server.c; SGP.32 3.2 and ESipa 6.3.2.1-6.3.2.5 over the
 * ASN.1 binding, relayed as ES9+ 6.5.2.6-6.5.2.10 by core/es9p_client):
 * over real HTTPS on loopback, the airwrite SM-DP+ with a released order,
 * the eIM with a queued download trigger (Activation Code), and a test IPA
 * (eim_relay_testutil.h) that drives the software eUICC and talks to the
 * eIM only. The IPA fetches the trigger, authenticates through the relay
 * (a refused matchingId first: the SM-DP+'s 8.2.6 / 3.8 comes back as
 * matchingIdRefused), gets and loads the BPP and sends the
 * ProfileInstallationResult by HandleNotification; the SM-DP+ records the
 * installation, the eIM the verified result against its trigger, and the
 * same notification sent again is processed once. Both curves. Then every
 * error of the relay: unknown eimTransactionId, SM-DP+ address mismatch,
 * invalid or unreachable SM-DP+, no euiccInfo1, unknown transactionIds,
 * a relayed CancelSession and the SM-DP+'s refusal of the session after it. */
#include "eim_relay_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "core/sgp22_notification.h"

#define RELAY_CODE "1$" LPA_SMDP_ADDRESS "$" RELAY_MATCHING_ID

static int64_t queue_trigger(relay_harness *h, const char *code)
{
    int64_t id = 0;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE, .activation_code = code};
    assert_int_equal(eim_package_enqueue_download_trigger(h->db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    return id;
}

/* An ESipa error answer: kind's error alternative with value. */
static void expect_error(const sgp32_esipa_message_from_eim_to_ipa *m, int64_t value)
{
    switch (m->kind) {
    case SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE:
        assert_int_equal(m->initiate_authentication_response.kind,
                         SGP32_INITIATE_AUTHENTICATION_RESPONSE_ERROR);
        assert_int_equal(m->initiate_authentication_response.error, value);
        break;
    case SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE:
        assert_int_equal(m->authenticate_client_response.kind,
                         SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR);
        assert_int_equal(m->authenticate_client_response.error, value);
        break;
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE:
        assert_int_equal(m->get_bound_profile_package_response.kind, SGP32_GET_BPP_RESPONSE_ERROR);
        assert_int_equal(m->get_bound_profile_package_response.error, value);
        break;
    default:
        assert_int_equal(m->kind, SGP32_ESIPA_CANCEL_SESSION_RESPONSE);
        assert_int_equal(m->cancel_session_response.kind, SGP32_CANCEL_SESSION_RESPONSE_ERROR);
        assert_int_equal(m->cancel_session_response.error, value);
        break;
    }
}

/* A library-level relay on the harness's database, to read verdicts. */
static void library_relay(relay_harness *h, eim_relay **relay, pki_trust_store **trust)
{
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", h->smdp.device.t.pki);
    eim_relay_config config = {.ca_file = ca, .routes = h->routes, .route_count = 3};
    assert_int_equal(eim_relay_new(&config, relay), AW_OK);
    assert_int_equal(pki_trust_store_new(trust), AW_OK);
    assert_int_equal(
        pki_trust_store_add_ci(*trust, h->smdp.device.t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
}

static void relay_download(aw_pki_curve curve)
{
    relay_harness h;
    uint8_t eim_tid[16], tid[16];
    size_t tid_len = 0, len = 0, auth_len = 0, bpp_len = 0, pir_len = 0;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    relay_open(&h, curve);
    int64_t trigger = queue_trigger(&h, RELAY_CODE);
    relay_get_trigger(&h, eim_tid);

    /* the SM-DP+ refuses the matchingId: 8.2.6 / 3.8 -> matchingIdRefused */
    uint8_t *initiate = relay_initiate(&h, LPA_SMDP_ADDRESS, eim_tid, m, &len);
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    uint8_t *auth = relay_authenticate(&h, initiate, len, "RELAY-UNKNOWN", tid, &tid_len, m,
                                       &auth_len);
    expect_error(m, SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED);
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_REFUSED);
    assert_string_equal(record.subject_code, "8.2.6");
    assert_string_equal(record.reason_code, "3.8");
    assert_string_equal(record.smdp_address, LPA_SMDP_ADDRESS);
    free(auth);
    free(initiate);

    /* the download itself, the SM-DP+'s own bytes relayed */
    initiate = relay_initiate(&h, NULL, eim_tid, m, &len); /* the trigger's address */
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    auth = relay_authenticate(&h, initiate, len, RELAY_MATCHING_ID, tid, &tid_len, m, &auth_len);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_AUTHENTICATED);
    assert_string_equal(record.eid, AW_PKI_DEFAULT_EID);
    assert_int_equal(record.package_id, trigger);
    uint8_t *answer = relay_get_bpp(&h, auth, auth_len, tid, tid_len, m, &len);
    assert_int_equal(m->get_bound_profile_package_response.kind, SGP32_GET_BPP_RESPONSE_OK);
    aw_slice c[2];
    assert_int_equal(relay_ok_components(answer, len, c, 2), 2);
    bpp_len = c[1].len;
    uint8_t *pir = lpa_load_bpp(&h.smdp.device, c[1].ptr, bpp_len, &pir_len);
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_BPP_SENT);

    /* HandleNotification: to the SM-DP+, and recorded by the eIM */
    relay_notify(&h, pir, pir_len);
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_INSTALLED);
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(packages[0].package_id, trigger);
    assert_int_equal(packages[0].state, EIM_PACKAGE_DONE);
    assert_int_equal(packages[0].result_len, pir_len);
    assert_memory_equal(packages[0].result, pir, pir_len);
    eim_package_records_free(packages, count);
    sgp22_profile_installation_result decoded;
    sgp22_notification_metadata metadata;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &decoded), AW_OK);
    assert_int_equal(sgp22_decode_notification_metadata(decoded.data.notification_metadata.ptr,
                                                        decoded.data.notification_metadata.len,
                                                        &metadata),
                     AW_OK);
    bool forwarded = false;
    assert_int_equal(eim_notification_forwarded(h.db, AW_PKI_DEFAULT_EID, metadata.seq_number,
                                                &forwarded),
                     AW_OK);
    assert_true(forwarded);

    /* the same notification again: answered alike, processed once (the
     * verdict says it was not forwarded a second time) */
    relay_notify(&h, pir, pir_len);
    eim_relay *relay = NULL;
    pki_trust_store *trust = NULL;
    library_relay(&h, &relay, &trust);
    eim_context context = {.db = h.db, .trust = trust};
    der_builder b;
    uint8_t *message = NULL, *out = (uint8_t *)1;
    size_t message_len = 0, out_len = 1;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pir, pir_len);
    der_builder_end(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &message, &message_len), AW_OK);
    aw_err verdict = AW_OK;
    assert_int_equal(eim_relay_serve(relay, &context, message, message_len, db_clock_ms(), &out,
                                     &out_len, &verdict),
                     AW_OK);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_int_equal(verdict, AW_ERR_EIM_RESULT_REPLAY);
    free(message);
    eim_relay_free(relay);
    pki_trust_store_free(trust);

    /* the trigger is answered: its eimTransactionId starts nothing more */
    free(relay_initiate(&h, NULL, eim_tid, m, &len));
    expect_error(m, SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID);

    /* the SM-DP+ recorded the installation */
    lpa_halt(&h.smdp);
    db_connection *inventory = NULL;
    smdp_profile_info info;
    assert_int_equal(db_open(h.smdp.db_url, NULL, &inventory), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(inventory, RELAY_ICCID, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_INSTALLED);
    db_close(inventory);

    free(pir);
    free(answer);
    free(auth);
    free(initiate);
    free(m);
    relay_close(&h);
}

static void test_download_p256(void **state)
{
    (void)state;
    relay_download(AW_PKI_CURVE_NIST_P256);
}

static void test_download_brainpool(void **state)
{
    (void)state;
    relay_download(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

/* POST der (built in b) and check the ESipa error it is answered with. */
static void expect_answer(relay_harness *h, der_builder *b, sgp32_esipa_eim_to_ipa_kind kind,
                          int64_t error)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    size_t len = 0;
    assert_non_null(m);
    uint8_t *answer = relay_exchange(h, b, kind, m, &len);
    expect_error(m, error);
    free(answer);
    free(m);
}

/* A session message (BF3B, BF3A, BF41) for transaction id with one more
 * component of tag/value. */
static void session_message(der_builder *b, uint32_t tag, const uint8_t *tid, size_t tid_len,
                            uint32_t inner, const uint8_t *value, size_t value_len)
{
    der_builder_init(b);
    der_builder_begin(b, tag);
    der_put_tlv(b, 0x80, tid, tid_len);
    der_put_tlv(b, inner, value, value_len);
    der_builder_end(b);
}

static void test_errors(void **state)
{
    (void)state;
    relay_harness h;
    uint8_t eim_tid[16], tid[16];
    size_t len = 0, tid_len = 0, auth_len = 0;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    queue_trigger(&h, RELAY_CODE);
    relay_get_trigger(&h, eim_tid);

    /* an eimTransactionId of no trigger handed out: invalidEimTransactionId */
    uint8_t unknown[16];
    memset(unknown, 0x5A, sizeof(unknown));
    free(relay_initiate(&h, LPA_SMDP_ADDRESS, unknown, m, &len));
    expect_error(m, SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID);
    /* an address other than the trigger's: smdpAddressMismatch */
    free(relay_initiate(&h, "other.example.com", eim_tid, m, &len));
    expect_error(m, SGP32_INITIATE_AUTHENTICATION_SMDP_ADDRESS_MISMATCH);
    /* an address the SM-DP+ is not: its 8.8.1 / 3.8 is invalidDpAddress */
    free(relay_initiate(&h, "other.example.com", NULL, m, &len));
    expect_error(m, SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS);
    /* an address that is no host name: invalidDpAddress without a call */
    free(relay_initiate(&h, "smdp.example.com/path", NULL, m, &len));
    expect_error(m, SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS);
    /* an SM-DP+ that cannot be reached: undefinedError */
    free(relay_initiate(&h, RELAY_UNREACHABLE, NULL, m, &len));
    expect_error(m, 127);
    /* no euiccInfo1 (this eIM keeps none to fill in): undefinedError */
    der_builder b;
    static const uint8_t challenge[16] = {1, 2, 3};
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39);
    der_put_tlv(&b, 0x81, challenge, sizeof(challenge));
    der_put_tlv(&b, 0x83, (const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS));
    der_builder_end(&b);
    expect_answer(&h, &b, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE, 127);

    /* transactionIds this eIM never relayed */
    static const uint8_t empty_asr[] = {0xA1, 0x03, 0x02, 0x01, 0x7F};
    session_message(&b, 0xBF3B, unknown, sizeof(unknown), 0xBF38, empty_asr, sizeof(empty_asr));
    expect_answer(&h, &b, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE,
                  SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID);
    session_message(&b, 0xBF3A, unknown, sizeof(unknown), 0xBF21, empty_asr, sizeof(empty_asr));
    expect_answer(&h, &b, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE,
                  SGP32_GET_BPP_INVALID_TRANSACTION_ID);
    static const uint8_t cancel_ok[] = {0x02, 0x01, 0x05};
    session_message(&b, 0xBF41, unknown, sizeof(unknown), 0xA1, cancel_ok, sizeof(cancel_ok));
    expect_answer(&h, &b, SGP32_ESIPA_CANCEL_SESSION_RESPONSE,
                  SGP32_CANCEL_SESSION_INVALID_TRANSACTION_ID);

    /* a relayed CancelSession (SGP.22 3.5): the eUICC's signed answer goes
     * to the SM-DP+, which ends the session */
    uint8_t *initiate = relay_initiate(&h, LPA_SMDP_ADDRESS, eim_tid, m, &len);
    uint8_t *auth =
        relay_authenticate(&h, initiate, len, RELAY_MATCHING_ID, tid, &tid_len, m, &auth_len);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_int64(&b, 0x81, 0); /* endUserRejection */
    der_builder_end(&b);
    uint8_t *command = NULL, *response = NULL;
    size_t command_len = 0, response_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    response = lpa_es10(&h.smdp.device, command, command_len, &response_len);
    der_node node;
    assert_int_equal(der_decode_single(response, response_len, &node), AW_OK);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_slice(&b, 0xA1, node.value); /* [1] IMPLICIT CancelSessionResponse */
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(&h, &b, SGP32_ESIPA_CANCEL_SESSION_RESPONSE, m, &len);
    assert_int_equal(m->cancel_session_response.kind, SGP32_CANCEL_SESSION_RESPONSE_OK);
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_CANCELLED);
    /* the session is gone at the SM-DP+: its 8.10.1 / 3.9 for the relayed
     * GetBoundProfilePackage is invalidTransactionId */
    session_message(&b, 0xBF3A, tid, tid_len, 0xBF21, empty_asr, sizeof(empty_asr));
    expect_answer(&h, &b, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE,
                  SGP32_GET_BPP_INVALID_TRANSACTION_ID);
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_REFUSED);
    assert_string_equal(record.subject_code, "8.10.1");
    assert_int_equal(eim_download_get(h.db, unknown, sizeof(unknown), &record),
                     AW_ERR_EIM_RELAY_TRANSACTION);

    free(answer);
    free(response);
    free(command);
    free(auth);
    free(initiate);
    free(m);
    relay_close(&h);
}

int main(int argc, char **argv)
{
    /* the test thread stops the loop threads' bases; workers wake the eIM's */
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_eim_relay");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_errors),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
