/* minimizeEsipaBytes end to end (SGP.32 IpaCapabilities minimizeEsipaBytes;
 * ESipa 6.3.2.1-6.3.2.5; src/eim/relay_compact.c, core/sgp32_compact.h,
 * the IPA's ipa_esipa_config.minimize_esipa_bytes): airwrite's SM-DP+ and
 * eIM in process over real HTTPS on loopback (eim_relay_testutil.h), the
 * software eUICC behind the IPA's ES10 client, the IPA's poll loop with a
 * client that minimizes. The eIM first learns the eUICC's euiccInfo1/2 and
 * the IPA's capabilities by IpaEuiccDataRequest; then a trigger's indirect
 * download goes through with every IPA message in compact form (no
 * euiccInfo1, CompactAuthenticateResponseOk without certificates,
 * CompactPrepareDownloadResponseOk, a CompactProfileInstallationResult
 * notification), each rebuilt byte for byte by the eIM before ES9+: the
 * SM-DP+ verifies the eUICC's signatures, the profile is installed, the
 * PIR verified and forwarded; a CompactOtherSignedNotification (the
 * profile enabled) is rebuilt with the registry's certificates and
 * forwarded too. On both curves, and over the JSON binding.
 * Then the refusals: an eUICC whose euiccInfo2 the eIM lacks (the download
 * stops at AuthenticateClient with undefinedError, proof that the forms
 * were compact), a compact CancelSession after AuthenticateClient rebuilt
 * and accepted by the SM-DP+, compact forms of no relayed session (invalidTransaction-
 * Id, nothing forwarded), InitiateAuthentication without euiccInfo1 for no
 * known eUICC (undefinedError), and the Ok answers the eIM sends without
 * their transactionId. Argument: sqlite (or postgresql through
 * tests/pg-harness.sh). */
#include "eim_relay_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "eim/relay_compact.h"
#include "ipa/download.h"
#include "ipa_testutil.h"

static relay_harness h;
static card_transport *transport;
static ipa *session;
static char ca[200];
static ipa_download_config config;
static ipa_esipa *client;
static ipa_poller *poller;

static void open_all(aw_pki_curve curve, ipa_esipa_binding binding)
{
    relay_open(&h, curve);
    transport = card_transport_new(h.smdp.device.t.card);
    assert_int_equal(ipa_open(&transport->base, NULL, &session), AW_OK);
    snprintf(ca, sizeof(ca), "%s/ci.pem", h.smdp.device.t.pki);
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memset(&config, 0, sizeof(config));
    memcpy(config.device_info.tac, tac, sizeof(tac));
    config.eim_url = h.json_base;
    config.eim_ca_file = ca;
    config.timeout_ms = 20000;
    config.trigger_mode = IPA_DOWNLOAD_INDIRECT;
    config.esipa_binding = binding;
    config.minimize_esipa_bytes = true;
    ipa_esipa_config e = {.eim_url = h.json_base, .ca_file = ca, .timeout_ms = 20000,
                          .binding = binding, .minimize_esipa_bytes = true};
    assert_int_equal(ipa_esipa_new(&e, &client), AW_OK);
    assert_true(ipa_esipa_minimizes(client));
    ipa_poll_config p = {.session = session, .esipa = client,
                         .download = {.run = ipa_download_trigger_run, .userdata = &config,
                                      .features = ipa_download_features(&config)}};
    assert_true(p.download.features & SGP32_IPA_MINIMIZE_ESIPA_BYTES);
    assert_int_equal(ipa_poller_new(&p, &poller), AW_OK);
}

static void close_all(void)
{
    ipa_poller_free(poller);
    ipa_esipa_free(client);
    ipa_close(session);
    ipa_transport_close(&transport->base);
    relay_close(&h);
}

static void poll_expect(ipa_poll_event event)
{
    ipa_poll_report report;
    memset(&report, 0, sizeof(report));
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.event, event);
}

/* The eIM asks for euiccInfo1, euiccInfo2, the certificates and the IPA's
 * capabilities; the poll loop answers. */
static void learn_euicc(void)
{
    static const uint8_t tags[] = {0xBF, 0x20, 0xBF, 0x22, 0xA5, 0xA6, 0xA8};
    int64_t id = 0;
    bool minimizing = false;
    assert_int_equal(eim_package_enqueue_euicc_data(h.db, AW_PKI_DEFAULT_EID, tags, sizeof(tags),
                                                    db_clock_ms(), &id),
                     AW_OK);
    poll_expect(IPA_POLL_EUICC_DATA);
    assert_int_equal(eim_compact_minimizing(h.db, AW_PKI_DEFAULT_EID, &minimizing), AW_OK);
    assert_true(minimizing);
    uint8_t *info = NULL;
    size_t len = 0;
    assert_int_equal(eim_compact_euicc_info2(h.db, AW_PKI_DEFAULT_EID, &info, &len), AW_OK);
    assert_int_equal(info[0], 0xBF);
    assert_int_equal(info[1], 0x22);
    free(info);
}

static bool holds(const char *iccid)
{
    sgp22_profile_info_list_response profiles;
    sgp22_list_iter it;
    sgp22_profile_info info;
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    assert_int_equal(ipa_es10c_get_profiles_info(session, NULL, &profiles), AW_OK);
    sgp22_list_iter_init(&it, profiles.profile_info_list_ok.raw);
    while (sgp22_profile_info_list_next(&it, &info) == AW_OK)
        if (info.iccid.len == EUICC_ICCID_SIZE && memcmp(info.iccid.ptr, bytes, 10) == 0)
            return true;
    return false;
}

static int64_t count(const char *sql)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(h.db, sql, NULL, 0, &n), AW_OK);
    return n;
}

static void queue_trigger(void)
{
    int64_t id = 0;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$" LPA_SMDP_ADDRESS
                                                       "$" RELAY_MATCHING_ID};
    assert_int_equal(eim_package_enqueue_download_trigger(h.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
}

/* An OtherSignedNotification (the profile enabled) sent by the client that
 * minimizes: CompactOtherSignedNotification with the eUICC's eidValue and
 * no certificates, which the eIM puts back from its registry before
 * ES9+.HandleNotification; the SM-DP+ takes it. */
static void other_notification(void)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(RELAY_ICCID, bytes);
    sgp22_profile_identifier id = {.kind = SGP22_PROFILE_IDENTIFIER_ICCID,
                                   .value = {bytes, sizeof(bytes)}};
    int64_t result = -1;
    assert_int_equal(ipa_es10c_enable_profile(session, &id, false, &result), AW_OK);
    assert_int_equal(result, 0);
    sgp22_retrieve_notifications_list_response notifications;
    assert_int_equal(ipa_es10b_retrieve_notifications_list(session, NULL, &notifications), AW_OK);
    assert_int_equal(notifications.kind, SGP22_NOTIFICATION_LIST_OK);
    assert_int_equal(notifications.notification_list.count, 1);
    sgp22_list_iter it;
    sgp22_pending_notification pending;
    sgp22_list_iter_init(&it, notifications.notification_list.raw);
    assert_int_equal(sgp22_pending_notification_list_next(&it, &pending), AW_OK);
    assert_int_equal(pending.kind, SGP22_PENDING_OTHER_SIGNED_NOTIFICATION);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pending.raw.ptr, pending.raw.len);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *message = NULL;
    size_t message_len = 0;
    assert_int_equal(der_builder_finish(&b, &message, &message_len), AW_OK);
    uint8_t *compact = NULL;
    size_t compact_len = 0;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    assert_int_equal(sgp32_minimize_esipa_message(message, message_len, NULL, &compact,
                                                  &compact_len),
                     AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_ipa_to_eim(compact, compact_len, m), AW_OK);
    assert_int_equal(m->handle_notification.pending_notification.ptr[0],
                     SGP32_TAG_COMPACT_OTHER_SIGNED_NOTIFICATION); /* what the client sends */
    free(m);
    free(compact);
    assert_int_equal(ipa_esipa_notify(client, message, message_len), AW_OK);
    free(message);
    assert_int_equal(count("SELECT COUNT(*) FROM eim_notifications WHERE forwarded_ms IS NOT "
                           "NULL"),
                     2);
}

static void download(aw_pki_curve curve, ipa_esipa_binding binding)
{
    open_all(curve, binding);
    learn_euicc();
    queue_trigger();
    poll_expect(IPA_POLL_DOWNLOAD_TRIGGER);
    assert_true(holds(RELAY_ICCID));
    /* the trigger answered with the (full) PIR, the compact PIR of
     * HandleNotification rebuilt, verified and forwarded */
    eim_package_record *packages = NULL;
    size_t n = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(packages[0].state, EIM_PACKAGE_DONE);
    assert_int_equal(packages[1].state, EIM_PACKAGE_DONE);
    eim_package_records_free(packages, n);
    assert_int_equal(count("SELECT COUNT(*) FROM eim_downloads WHERE state = 4"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM eim_notifications WHERE forwarded_ms IS NOT "
                           "NULL"),
                     1);
    /* the relayed session's data, kept for the rebuilds */
    assert_int_equal(count("SELECT COUNT(*) FROM eim_download_context WHERE iccid IS NOT NULL "
                           "AND smdp_oid IS NOT NULL"),
                     1);
    sgp22_list_notification_response list;
    assert_int_equal(ipa_es10b_list_notification(session, SGP22_NOTIFICATION_INSTALL, &list),
                     AW_OK);
    assert_int_equal(list.notification_metadata_list.count, 0); /* delivered, removed */
    other_notification();
    close_all();
}

static void test_download_p256(void **state)
{
    (void)state;
    download(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_ASN1);
}

static void test_download_brainpool(void **state)
{
    (void)state;
    download(AW_PKI_CURVE_BRAINPOOL_P256R1, IPA_ESIPA_BINDING_ASN1);
}

static void test_download_json(void **state)
{
    (void)state;
    download(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_JSON);
}

/* Without the eUICC's euiccInfo2 the eIM cannot rebuild EuiccSigned1: the
 * download stops at AuthenticateClient with undefinedError (a full
 * AuthenticateServerResponse would have gone through). */
static void test_no_euicc_info2(void **state)
{
    (void)state;
    open_all(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_ASN1);
    sgp22_euicc_info1 info1;
    assert_int_equal(ipa_es10b_get_euicc_info1(session, &info1), AW_OK);
    uint8_t *copy = malloc(info1.raw.len);
    assert_non_null(copy);
    memcpy(copy, info1.raw.ptr, info1.raw.len);
    assert_int_equal(eim_registry_set_euicc_info(h.db, AW_PKI_DEFAULT_EID, copy, info1.raw.len,
                                                 NULL, 0, db_clock_ms()),
                     AW_OK);
    assert_int_equal(eim_registry_set_euicc_info(h.db, AW_PKI_DEFAULT_EID, NULL, 0, NULL, 0,
                                                 db_clock_ms()),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_registry_set_euicc_info(h.db, AW_PKI_DEFAULT_EID, copy + 1,
                                                 info1.raw.len - 1, NULL, 0, db_clock_ms()),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_registry_set_euicc_info(h.db, "89049032000000000000000000000999",
                                                 copy, info1.raw.len, NULL, 0, db_clock_ms()),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    free(copy);
    queue_trigger();
    poll_expect(IPA_POLL_DOWNLOAD_TRIGGER);
    assert_false(holds(RELAY_ICCID));
    eim_package_record *packages = NULL;
    size_t n = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(packages[0].state, EIM_PACKAGE_FAILED);
    /* profileDownloadError with the eIM's AuthenticateClient answer */
    sgp32_profile_download_trigger_result result;
    assert_int_equal(sgp32_decode_profile_download_trigger_result(packages[0].result,
                                                                  packages[0].result_len,
                                                                  &result),
                     AW_OK);
    assert_int_equal(result.result_data.kind, SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR);
    sgp32_authenticate_client_response_esipa answer;
    aw_slice kept = result.result_data.profile_download_error.error_response;
    assert_int_equal(sgp32_decode_authenticate_client_response_esipa(kept.ptr, kept.len, &answer),
                     AW_OK);
    assert_int_equal(answer.kind, SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR);
    assert_int_equal(answer.error, SGP32_AUTHENTICATE_CLIENT_UNDEFINED_ERROR);
    eim_package_records_free(packages, n);
    close_all();
}

/* SGP.22 3.5 after AuthenticateClient: the eUICC's CancelSession answer,
 * minimized (CompactCancelSessionResponseOk: the reason and the signature),
 * is rebuilt by the eIM (transactionId, the SM-DP+ OID of CERT.DPauth) and
 * the SM-DP+ verifies the eUICC's signature and ends the session. */
static void test_cancel_session(void **state)
{
    (void)state;
    open_all(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_ASN1);
    /* the session itself in full forms (its answers then keep their
     * transactionId, which relay_authenticate reads) */
    queue_trigger();
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    uint8_t eim_tid[16], tid[16];
    size_t len = 0, auth_len = 0, tid_len = 0;
    relay_get_trigger(&h, eim_tid);
    uint8_t *initiate = relay_initiate(&h, LPA_SMDP_ADDRESS, eim_tid, m, &len);
    uint8_t *auth =
        relay_authenticate(&h, initiate, len, RELAY_MATCHING_ID, tid, &tid_len, m, &auth_len);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_int64(&b, 0x81, 1); /* postponed */
    der_builder_end(&b);
    uint8_t *command = NULL, *response = NULL, *full = NULL, *compact = NULL;
    size_t command_len = 0, response_len = 0, full_len = 0, compact_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    response = lpa_es10(&h.smdp.device, command, command_len, &response_len);
    der_node node;
    assert_int_equal(der_decode_single(response, response_len, &node), AW_OK);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_slice(&b, 0xA1, node.value);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &full, &full_len), AW_OK);
    assert_int_equal(sgp32_minimize_esipa_message(full, full_len, NULL, &compact, &compact_len),
                     AW_OK);
    assert_true(compact_len < full_len);
    uint8_t *answer = NULL;
    assert_int_equal(relay_post(&h, compact, compact_len, &answer, &len), 200);
    assert_int_equal(sgp32_decode_esipa_message_from_eim_to_ipa(answer, len, m), AW_OK);
    assert_int_equal(m->cancel_session_response.kind, SGP32_CANCEL_SESSION_RESPONSE_OK);
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_CANCELLED);
    free(answer);
    free(compact);
    free(full);
    free(response);
    free(command);
    free(auth);
    free(initiate);
    free(m);
    close_all();
}

/* Compact forms the eIM has no session for, and a bare InitiateAuthentication. */
static void test_refusals(void **state)
{
    (void)state;
    open_all(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_ASN1);
    static const uint8_t unknown_tid[16] = {0xEE, 0xEE};
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    size_t len = 0;
    der_builder b;
    /* AuthenticateClient: CompactAuthenticateResponseOk of no relayed session */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, unknown_tid, sizeof(unknown_tid));
    der_builder_begin(&b, 0xBF38);
    der_builder_begin(&b, 0xA2);
    der_builder_begin(&b, 0xA0);
    der_put_tlv(&b, 0x84, (const uint8_t *)"\x01", 1);
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, (const uint8_t *)"\x00", 1);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(&h, &b, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE, m, &len);
    assert_int_equal(m->authenticate_client_response.kind, SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR);
    assert_int_equal(m->authenticate_client_response.error,
                     SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID);
    free(answer);
    /* GetBoundProfilePackage: CompactPrepareDownloadResponseOk, the same */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3A);
    der_put_tlv(&b, 0x80, unknown_tid, sizeof(unknown_tid));
    der_builder_begin(&b, 0xBF21);
    der_builder_begin(&b, 0xA2);
    der_builder_begin(&b, 0x30);
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, (const uint8_t *)"\x00", 1);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    answer = relay_exchange(&h, &b, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE, m, &len);
    assert_int_equal(m->get_bound_profile_package_response.kind, SGP32_GET_BPP_RESPONSE_ERROR);
    assert_int_equal(m->get_bound_profile_package_response.error,
                     SGP32_GET_BPP_INVALID_TRANSACTION_ID);
    free(answer);
    /* the client that minimizes sends a nested answer it cannot read (an
     * empty AuthenticateServerResponse) as it is: the eIM's refusal comes back */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, unknown_tid, sizeof(unknown_tid));
    der_put_tlv(&b, 0xBF38, NULL, 0);
    der_builder_end(&b);
    uint8_t *unreadable = NULL;
    size_t unreadable_len = 0;
    assert_int_equal(der_builder_finish(&b, &unreadable, &unreadable_len), AW_OK);
    assert_int_equal(ipa_esipa_exchange_der(client, unreadable, unreadable_len,
                                            SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE, m),
                     AW_OK);
    assert_int_equal(m->authenticate_client_response.error,
                     SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID);
    free(unreadable);
    /* InitiateAuthentication without euiccInfo1 nor eimTransactionId: no
     * eUICC whose euiccInfo1 the eIM could supply */
    static const uint8_t challenge[16] = {0x01};
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39);
    der_put_tlv(&b, 0x81, challenge, sizeof(challenge));
    der_put_tlv(&b, 0x83, (const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS));
    der_builder_end(&b);
    answer = relay_exchange(&h, &b, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE, m, &len);
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_ERROR);
    assert_int_equal(m->initiate_authentication_response.error,
                     SGP32_INITIATE_AUTHENTICATION_UNDEFINED_ERROR);
    free(answer);
    /* HandleNotification: a CompactProfileInstallationResult of no relayed
     * session is taken (204) and goes nowhere */
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_builder_begin(&b, 0xA0);
    der_builder_begin(&b, 0xA0);
    der_put_tlv(&b, 0x80, unknown_tid, sizeof(unknown_tid));
    der_put_int64(&b, 0x02, 1);
    der_builder_begin(&b, 0xA2);
    der_builder_begin(&b, 0xA0);
    der_put_tlv(&b, 0x4F, (const uint8_t *)"\x00\x12", 2);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    der_put_tlv(&b, 0x5F37, (const uint8_t *)"\x00", 1);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *body = NULL;
    size_t body_len = 0;
    assert_int_equal(der_builder_finish(&b, &body, &body_len), AW_OK);
    assert_int_equal(relay_post(&h, body, body_len, &answer, &len), 204);
    free(answer);
    free(body);
    /* a CompactOtherSignedNotification without eidValue, or with the EID of
     * no registered eUICC: no certificates to restore it with */
    static const uint8_t tbs[] = {0xBF, 0x2F, 0x03, 0x80, 0x01, 0x07};
    static const uint8_t unknown_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x99};
    for (int with_eid = 0; with_eid < 2; with_eid++) {
        der_builder_init(&b);
        der_builder_begin(&b, 0xBF3D);
        der_builder_begin(&b, 0xA0);
        der_builder_begin(&b, 0xA1);
        if (with_eid)
            der_put_tlv(&b, 0x5A, unknown_eid, sizeof(unknown_eid));
        der_put_raw(&b, tbs, sizeof(tbs));
        der_put_tlv(&b, 0x5F37, (const uint8_t *)"\x00", 1);
        der_builder_end(&b);
        der_builder_end(&b);
        der_builder_end(&b);
        assert_int_equal(der_builder_finish(&b, &body, &body_len), AW_OK);
        assert_int_equal(relay_post(&h, body, body_len, &answer, &len), 204);
        free(answer);
        free(body);
    }
    assert_int_equal(count("SELECT COUNT(*) FROM eim_notifications"), 0);
    free(m);
    close_all();
}

/* For an IPA that announced minimizeEsipaBytes the eIM supplies euiccInfo1
 * and answers without the OPTIONAL transactionId (it is in serverSigned1). */
static void test_answers_without_transaction_id(void **state)
{
    (void)state;
    open_all(AW_PKI_CURVE_NIST_P256, IPA_ESIPA_BINDING_ASN1);
    learn_euicc();
    queue_trigger();
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    size_t len = 0;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF4F);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(&h, &b, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, m, &len);
    uint8_t tid[16];
    aw_slice eim_tid =
        m->get_eim_package_response.profile_download_trigger_request.eim_transaction_id;
    assert_int_equal(eim_tid.len, sizeof(tid));
    memcpy(tid, eim_tid.ptr, sizeof(tid));
    free(answer);
    uint8_t challenge[16];
    assert_int_equal(ipa_es10b_get_euicc_challenge(session, challenge), AW_OK);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39);
    der_put_tlv(&b, 0x81, challenge, sizeof(challenge));
    der_put_tlv(&b, 0x83, (const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS));
    der_put_tlv(&b, 0x82, tid, sizeof(tid));
    der_builder_end(&b);
    answer = relay_exchange(&h, &b, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE, m, &len);
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    assert_false(m->initiate_authentication_response.ok.has_transaction_id);
    free(answer);
    free(m);
    close_all();
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_ipa_download_minimized");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_download_json),
        cmocka_unit_test(test_no_euicc_info2),
        cmocka_unit_test(test_cancel_session),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_answers_without_transaction_id),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
