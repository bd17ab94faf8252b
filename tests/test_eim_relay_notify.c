/* Notifications through the eIM relay (src/eim/relay_notify.c; SGP.32
 * 6.3.2.4 ESipa.HandleNotification, forwarded by ES9+.HandleNotification,
 * SGP.22 5.6.4 / 6.5.2.9) with the real SM-DP+ as Notification Receiver
 * (eim_relay_testutil.h). Over HTTPS every HandleNotification is answered
 * 204; the library entry point (eim_relay_serve) on the eIM's database
 * shows what happened to each (its verdict):
 * - a ProfileInstallationResult of a download the eIM did not relay is
 *   forwarded once, keyed by its transactionId, and refused as a replay
 *   after;
 * - one whose receiver cannot be reached is held, not forwarded when it
 *   comes again, and forwarded by the forwarder
 *   (eim_notification_forward_due; test_eim_notification_queue.c for the
 *   server's forwarder, dead ones and replays);
 * - one of a relayed download whose euiccSignPIR does not verify is not
 *   recorded against the trigger, but still forwarded;
 * - an OtherSignedNotification is keyed by the EID of its eUICC
 *   certificate, forwarded once; one with a certificate that does not parse
 *   is refused;
 * - a notification that does not decode is refused;
 * - a ProvideEimPackageResult sent as HandleNotification is recorded;
 * - the notifications beside a signed EuiccPackageResult
 *   (ePRAndNotifications, 6.3.2.7) are forwarded too. */
#include "eim_relay_testutil.h"
#include "euicc_sgp32_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "core/sgp22_notification.h"

static relay_harness h;
static eim_relay *relay;
static pki_trust_store *trust;

/* HandleNotificationEsipa {[0] pending} served by the library: 204 and
 * the verdict. */
static aw_err serve(const uint8_t *pending, size_t len)
{
    der_builder b;
    uint8_t *message = NULL, *out = (uint8_t *)1;
    size_t message_len = 0, out_len = 1;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pending, len);
    der_builder_end(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &message, &message_len), AW_OK);
    eim_context context = {.db = h.db, .trust = trust};
    aw_err verdict = AW_OK;
    assert_int_equal(eim_relay_serve(relay, &context, message, message_len, db_clock_ms(), &out,
                                     &out_len, &verdict),
                     AW_OK);
    assert_null(out);
    assert_int_equal(out_len, 0);
    free(message);
    return verdict;
}

/* A ProfileInstallationResult of transaction_id with seq, signed with
 * nothing the eUICC would accept (0x5A...). */
static uint8_t *make_pir(const uint8_t *transaction_id, size_t tid_len, int64_t seq, size_t *len)
{
    static const uint8_t iccid[10] = {0x98, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x43, 0x65};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x12, 0x00};
    sgp22_notification_metadata nm;
    memset(&nm, 0, sizeof(nm));
    nm.seq_number = seq;
    nm.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    nm.notification_address = (aw_slice){(const uint8_t *)LPA_SMDP_ADDRESS,
                                         strlen(LPA_SMDP_ADDRESS)};
    nm.has_iccid = true;
    nm.iccid = (aw_slice){iccid, sizeof(iccid)};
    uint8_t *nm_der = NULL, *out = NULL;
    size_t nm_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&nm, &nm_der, &nm_len), AW_OK);
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    uint8_t signature[64];
    memset(signature, 0x5A, sizeof(signature));
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){transaction_id, tid_len};
    pir.data.notification_metadata = (aw_slice){nm_der, nm_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    pir.data.success.aid = (aw_slice){aid, sizeof(aid)};
    pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(nm_der);
    return out;
}

static bool forwarded(const char *identity, int64_t seq)
{
    bool done = false;
    assert_int_equal(eim_notification_forwarded(h.db, identity, seq, &done), AW_OK);
    return done;
}

static int setup(void **state)
{
    (void)state;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", h.smdp.device.t.pki);
    eim_relay_config config = {.ca_file = ca, .routes = h.routes, .route_count = 3};
    assert_int_equal(eim_relay_new(&config, &relay), AW_OK);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, h.smdp.device.t.hierarchy.cert[AW_PKI_ROLE_CI]),
                     AW_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eim_relay_free(relay);
    pki_trust_store_free(trust);
    relay_close(&h);
    return 0;
}

static void test_installation_results(void **state)
{
    (void)state;
    static const uint8_t foreign[16] = {1, 2, 3};
    size_t len = 0;
    /* a download the eIM did not relay: forwarded, keyed by transactionId */
    uint8_t *pir = make_pir(foreign, sizeof(foreign), 7, &len);
    relay_notify(&h, pir, len); /* over HTTPS: 204 */
    assert_true(forwarded("transaction:01020300000000000000000000000000", 7));
    assert_int_equal(serve(pir, len), AW_ERR_EIM_RESULT_REPLAY);
    free(pir);

    /* the receiver unreachable: held; sent again, still held once (not
     * forwarded on arrival); the forwarder takes it to the receiver */
    pir = make_pir(foreign, sizeof(foreign), 8, &len);
    h.routes[0].base_url = h.dead_url;
    assert_int_equal(serve(pir, len), AW_ERR_HTTP_CONNECT);
    assert_false(forwarded("transaction:01020300000000000000000000000000", 8));
    h.routes[0].base_url = h.smdp_url;
    assert_int_equal(serve(pir, len), AW_ERR_EIM_NOTIFICATION_HELD);
    assert_false(forwarded("transaction:01020300000000000000000000000000", 8));
    eim_context context = {.db = h.db, .trust = trust};
    eim_notification_stats stats = {0};
    assert_int_equal(eim_notification_forward_due(relay, &context, "test", 10,
                                                  db_clock_ms() + 24 * 3600 * 1000, &stats),
                     AW_OK);
    assert_int_equal(stats.forwarded, 1);
    assert_true(forwarded("transaction:01020300000000000000000000000000", 8));
    assert_int_equal(serve(pir, len), AW_ERR_EIM_RESULT_REPLAY);
    free(pir);

    /* a relayed download's result that the eUICC did not sign: not
     * recorded against the trigger, forwarded all the same */
    int64_t id = 0;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$" LPA_SMDP_ADDRESS "$X"};
    assert_int_equal(eim_package_enqueue_download_trigger(h.db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    uint8_t eim_tid[16], tid[16];
    relay_get_trigger(&h, eim_tid);
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    size_t answer_len = 0;
    uint8_t *answer = relay_initiate(&h, NULL, eim_tid, m, &answer_len);
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    assert_true(m->initiate_authentication_response.ok.has_transaction_id);
    size_t tid_len = m->initiate_authentication_response.ok.transaction_id.len;
    memcpy(tid, m->initiate_authentication_response.ok.transaction_id.ptr, tid_len);
    pir = make_pir(tid, tid_len, 9, &len);
    assert_int_equal(serve(pir, len), AW_ERR_SIGNATURE);
    assert_true(forwarded(AW_PKI_DEFAULT_EID, 9));
    eim_download_record record;
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_AUTHENTICATING);
    eim_package_record *packages = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(packages[0].state, EIM_PACKAGE_SENT);
    eim_package_records_free(packages, count);
    free(pir);

    /* a ProvideEimPackageResult as HandleNotification: the IPA gives up
     * the trigger (eimPackageResultResponseError), recorded, 204 */
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xBF50);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_builder_begin(&b, 0xA0);
    der_put_tlv(&b, 0x80, eim_tid, sizeof(eim_tid));
    der_put_int64(&b, 0x02, 127);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *body = NULL, *none = NULL;
    size_t body_len = 0, none_len = 0;
    assert_int_equal(der_builder_finish(&b, &body, &body_len), AW_OK);
    assert_int_equal(relay_post(&h, body, body_len, &none, &none_len), 204);
    assert_null(none);
    assert_int_equal(eim_package_list(h.db, AW_PKI_DEFAULT_EID, &packages, &count), AW_OK);
    assert_int_equal(packages[0].state, EIM_PACKAGE_FAILED);
    assert_int_equal(packages[0].error_code, 127);
    eim_package_records_free(packages, count);
    free(body);
    free(answer);
    free(m);
}

/* An OtherSignedNotification (SGP.22 5.7.10) with the eUICC certificate. */
static uint8_t *make_other(int64_t seq, aw_slice euicc_certificate, size_t *len)
{
    test_euicc *t = &h.smdp.device.t;
    static const uint8_t iccid[10] = {0x98, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x43, 0x65};
    uint8_t signature[64];
    memset(signature, 0x5A, sizeof(signature));
    sgp22_other_signed_notification o;
    memset(&o, 0, sizeof(o));
    o.tbs_other_notification.seq_number = seq;
    o.tbs_other_notification.profile_management_operation = SGP22_NOTIFICATION_ENABLE;
    o.tbs_other_notification.notification_address =
        (aw_slice){(const uint8_t *)LPA_SMDP_ADDRESS, strlen(LPA_SMDP_ADDRESS)};
    o.tbs_other_notification.has_iccid = true;
    o.tbs_other_notification.iccid = (aw_slice){iccid, sizeof(iccid)};
    o.euicc_notification_signature = (aw_slice){signature, sizeof(signature)};
    o.euicc_certificate = euicc_certificate;
    o.eum_certificate = pki_certificate_der(t->hierarchy.cert[AW_PKI_ROLE_EUM]);
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_other_signed_notification(&o, &out, len), AW_OK);
    return out;
}

static void test_other_notifications(void **state)
{
    (void)state;
    size_t len = 0;
    test_euicc *t = &h.smdp.device.t;
    uint8_t *other =
        make_other(11, pki_certificate_der(t->hierarchy.cert[AW_PKI_ROLE_EUICC]), &len);
    relay_notify(&h, other, len);
    assert_true(forwarded(AW_PKI_DEFAULT_EID, 11));
    assert_int_equal(serve(other, len), AW_ERR_EIM_RESULT_REPLAY);
    free(other);
    /* a certificate that is none: no eUICC to key it by */
    static const uint8_t not_a_certificate[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    other = make_other(12, (aw_slice){not_a_certificate, sizeof(not_a_certificate)}, &len);
    aw_err verdict = serve(other, len);
    assert_true(verdict == AW_ERR_PKI_PARSE);
    free(other);
    /* not a PendingNotification */
    static const uint8_t empty_sequence[] = {0x30, 0x00};
    assert_int_not_equal(serve(empty_sequence, sizeof(empty_sequence)), AW_OK);
    relay_notify(&h, empty_sequence, sizeof(empty_sequence));
}

/* ePRAndNotifications: the eUICC runs an eUICC Package of this eIM
 * (listEim) and its signed result comes back with a notification. */
static void test_result_with_notifications(void **state)
{
    (void)state;
    test_euicc *t = &h.smdp.device.t;
    test_eim eim;
    size_t len = 0, n = 0;
    test_eim_init(&eim, t, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    sgp32_eim_configuration_data config = test_eim_configuration(&eim, 0, -1);
    uint8_t *command = test_add_initial_eim(&config, 1, &len), *r = NULL;
    assert_int_equal(te_es10(t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    eim_key_ring *keys = NULL;
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", eim.key), AW_OK); /* takes the key */
    eim.key = NULL;
    eim_operation op = {.kind = EIM_OPERATION_LIST_EIM};
    assert_int_equal(eim_package_enqueue(h.db, keys, AW_PKI_DEFAULT_EID, &op, 1, db_clock_ms(),
                                         NULL, NULL),
                     AW_OK);

    /* GetEimPackage, then the eUICC */
    der_builder b;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF4F);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_builder_end(&b);
    uint8_t *answer = relay_exchange(&h, &b, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, m, &len);
    assert_int_equal(m->get_eim_package_response.kind, SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST);
    aw_slice package = m->get_eim_package_response.euicc_package_request.raw;
    uint8_t *result = NULL;
    size_t result_len = 0;
    assert_int_equal(te_es10(t, package.ptr, package.len, &result, &result_len), 0x9000);
    free(answer);

    /* ProvideEimPackageResult {eid, ePRAndNotifications {result, [0] {note}}} */
    uint8_t *other =
        make_other(21, pki_certificate_der(t->hierarchy.cert[AW_PKI_ROLE_EUICC]), &n);
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF50);
    der_put_tlv(&b, 0x5A, h.eid, sizeof(h.eid));
    der_builder_begin(&b, 0x30);
    der_put_raw(&b, result, result_len);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, other, n);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    answer = relay_exchange(&h, &b, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE, m, &len);
    assert_int_equal(m->provide_eim_package_result_response.kind,
                     SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS);
    assert_true(forwarded(AW_PKI_DEFAULT_EID, 21));
    free(answer);
    free(other);
    free(result);
    free(m);
    eim_key_ring_free(keys);
    test_eim_free(&eim);
}

int main(int argc, char **argv)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_eim_relay_notify");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_installation_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_with_notifications, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
