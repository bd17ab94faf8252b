/* Helpers of the notification tests (test code only): a relayed download
 * driven step by step (eim_relay_testutil.h) that leaves its
 * ProfileInstallationResult pending on the eUICC, unsent; the eIM's
 * library entry point for a HandleNotification; the SM-DP+'s own record of
 * the profile; a SQLite trigger that makes one eIM table refuse inserts. */
#ifndef AIRWRITE_TESTS_NOTIFY_TESTUTIL_H
#define AIRWRITE_TESTS_NOTIFY_TESTUTIL_H

#include "eim_relay_testutil.h"

#include "core/sgp22_bpp.h"
#include "smdp/inventory.h"

/* A download relayed by the eIM: for a trigger queued now (its package
 * id in *trigger) or, trigger NULL, the IPA's own to LPA_SMDP_ADDRESS. The
 * eUICC installs the profile; its PIR (returned, malloc'd) stays pending.
 * tid receives the SM-DP+'s transactionId. */
static inline uint8_t *notify_download(relay_harness *h, int64_t *trigger, uint8_t tid[16],
                                       size_t *tid_len, size_t *pir_len)
{
    uint8_t eim_tid[16];
    size_t len = 0, auth_len = 0;
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    uint8_t *initiate = NULL;
    if (trigger != NULL) {
        eim_download_trigger queued = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                       .activation_code = "1$" LPA_SMDP_ADDRESS
                                                          "$" RELAY_MATCHING_ID};
        assert_int_equal(eim_package_enqueue_download_trigger(h->db, AW_PKI_DEFAULT_EID, &queued,
                                                              db_clock_ms(), trigger),
                         AW_OK);
        relay_get_trigger(h, eim_tid);
        initiate = relay_initiate(h, NULL, eim_tid, m, &len);
    } else {
        initiate = relay_initiate(h, LPA_SMDP_ADDRESS, NULL, m, &len);
    }
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    uint8_t *auth =
        relay_authenticate(h, initiate, len, RELAY_MATCHING_ID, tid, tid_len, m, &auth_len);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    uint8_t *answer = relay_get_bpp(h, auth, auth_len, tid, *tid_len, m, &len);
    assert_int_equal(m->get_bound_profile_package_response.kind, SGP32_GET_BPP_RESPONSE_OK);
    aw_slice c[2];
    assert_int_equal(relay_ok_components(answer, len, c, 2), 2);
    uint8_t *pir = lpa_load_bpp(&h->smdp.device, c[1].ptr, c[1].len, pir_len);
    free(answer);
    free(auth);
    free(initiate);
    free(m);
    return pir;
}

/* The PIR's seqNumber. */
static inline int64_t notify_seq_number(const uint8_t *pir, size_t len)
{
    sgp22_profile_installation_result decoded;
    sgp22_notification_metadata metadata;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, len, &decoded), AW_OK);
    assert_int_equal(sgp22_decode_notification_metadata(decoded.data.notification_metadata.ptr,
                                                        decoded.data.notification_metadata.len,
                                                        &metadata),
                     AW_OK);
    return metadata.seq_number;
}

/* HandleNotificationEsipa {[0] pending} through the library entry point
 * on the eIM's database with relay: the return value, the verdict in
 * *verdict. */
static inline aw_err notify_serve(relay_harness *h, eim_relay *relay,
                                  const pki_trust_store *trust, const uint8_t *pending,
                                  size_t len, aw_err *verdict)
{
    der_builder b;
    uint8_t *message = NULL, *out = NULL;
    size_t message_len = 0, out_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3D);
    der_builder_begin(&b, 0xA0);
    der_put_raw(&b, pending, len);
    der_builder_end(&b);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &message, &message_len), AW_OK);
    eim_context context = {.db = h->db, .trust = trust};
    aw_err err = eim_relay_serve(relay, &context, message, message_len, db_clock_ms(), &out,
                                 &out_len, verdict);
    assert_null(out);
    free(message);
    return err;
}

/* HandleNotificationEsipa over HTTPS: the HTTP status. */
static inline int notify_post(relay_harness *h, const uint8_t *pending, size_t len)
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
    int status = relay_post(h, body, body_len, &answer, &answer_len);
    free(answer);
    free(body);
    return status;
}

/* A relay of the test's own (routes: the harness's), and the CI. */
static inline void notify_library_relay(relay_harness *h, unsigned attempts, unsigned retry_ms,
                                        eim_relay **relay, pki_trust_store **trust)
{
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", h->smdp.device.t.pki);
    eim_relay_config config = {.ca_file = ca, .routes = h->routes, .route_count = 3,
                               .notification_attempts = attempts,
                               .notification_retry_ms = retry_ms};
    assert_int_equal(eim_relay_new(&config, relay), AW_OK);
    assert_int_equal(pki_trust_store_new(trust), AW_OK);
    assert_int_equal(
        pki_trust_store_add_ci(*trust, h->smdp.device.t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
}

/* The SM-DP+'s state of the harness's profile (read while it serves). */
static inline smdp_state notify_smdp_state(relay_harness *h)
{
    db_connection *db = NULL;
    smdp_profile_info info;
    assert_int_equal(db_open(h->smdp.db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, RELAY_ICCID, &info), AW_OK);
    db_close(db);
    return info.state;
}

/* Make inserts into table of the eIM's database fail, or work again: a
 * trigger raising an error (SQLite), a check no row passes, not checked
 * against the rows already there (PostgreSQL). */
static inline void notify_refuse_inserts(relay_harness *h, const char *table, bool refuse)
{
    char sql[256];
    if (eim_test_database.postgresql && refuse)
        snprintf(sql, sizeof(sql),
                 "ALTER TABLE %s ADD CONSTRAINT refuse_%s CHECK (false) NOT VALID", table, table);
    else if (eim_test_database.postgresql)
        snprintf(sql, sizeof(sql), "ALTER TABLE %s DROP CONSTRAINT refuse_%s", table, table);
    else if (refuse)
        snprintf(sql, sizeof(sql),
                 "CREATE TRIGGER refuse_%s BEFORE INSERT ON %s BEGIN SELECT RAISE(ABORT, "
                 "'refused by the test'); END",
                 table, table);
    else
        snprintf(sql, sizeof(sql), "DROP TRIGGER refuse_%s", table);
    assert_int_equal(db_execute(h->db, sql, NULL, 0, NULL), AW_OK);
}

#endif
