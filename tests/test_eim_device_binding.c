/* The eIM's card-device locking (src/eim/device_binding.c and its hook in
 * relay.c; docs/device-lock.md): bindings stored and replaced, and the
 * check of the eUICC-signed DeviceInfo of an indirect download's
 * AuthenticateClient with the real software eUICC, SM-DP+ and eIM
 * (eim_relay_testutil.h): no binding and the bound device (IMEI, IMEISV,
 * TAC) go on; another IMEI, a missing IMEI, a malformed IMEI and a
 * tampered signature are refused and recorded (mismatches); through the
 * relay with device_binding on the SM-DP+ never sees the refused request
 * (undefinedError), with it off the same request goes on unchanged.
 * Per profile: the expectation of a download trigger's matchingId (every
 * refusal of eim_device_binding_expect), met or refused by the signed
 * DeviceInfo (a mismatch naming the ICCID), another matchingId ignored,
 * and the card's last verified device listed. */
#include "eim_relay_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "core/device_identity.h"

#define IMEI "490154203237518"
#define IMEISV "4901542032375101"
#define OTHER_IMEI "356938035643809"
#define TAC "35290611" /* lpa_put_ctx_params1's and the IPA's default */

/* ES10b.AuthenticateServer after a relayed InitiateAuthentication, with
 * DeviceInfo {TAC, imei} (imei NULL: none; raw_imei: 8 octets as given).
 * Returns the eUICC's AuthenticateServerResponse; *tid its transactionId. */
static uint8_t *signed_response(relay_harness *h, const char *imei, const uint8_t *raw_imei,
                                size_t *len, uint8_t tid[16], size_t *tid_len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    size_t initiate_len = 0;
    assert_non_null(m);
    uint8_t *initiate = relay_initiate(h, LPA_SMDP_ADDRESS, NULL, m, &initiate_len);
    assert_int_equal(m->initiate_authentication_response.kind,
                     SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK);
    aw_slice c[5];
    assert_int_equal(relay_ok_components(initiate, initiate_len, c, 5), 5);
    der_node node;
    assert_int_equal(der_decode_single(c[0].ptr, c[0].len, &node), AW_OK);
    memcpy(tid, node.value.ptr, node.value.len);
    *tid_len = node.value.len;
    uint8_t tac[4], octets[8];
    assert_true(device_identity_digits_to_octets(TAC, tac, sizeof(tac)));
    if (imei != NULL)
        assert_true(device_identity_digits_to_octets(imei, octets, sizeof(octets)));
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF38);
    for (size_t i = 1; i < 5; i++)
        der_put_raw(&b, c[i].ptr, c[i].len);
    der_builder_begin(&b, 0xA0); /* ctxParamsForCommonAuthentication */
    der_put_tlv(&b, 0x80, (const uint8_t *)RELAY_MATCHING_ID, strlen(RELAY_MATCHING_ID));
    der_builder_begin(&b, 0xA1); /* DeviceInfo */
    der_put_tlv(&b, 0x80, tac, sizeof(tac));
    der_builder_begin(&b, 0xA1);
    der_builder_end(&b);
    if (imei != NULL || raw_imei != NULL)
        der_put_tlv(&b, 0x82, raw_imei != NULL ? raw_imei : octets, 8);
    der_builder_end(&b);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *command = NULL;
    size_t command_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *asr = lpa_es10(&h->smdp.device, command, command_len, len);
    free(command);
    free(initiate);
    free(m);
    return asr;
}

static aw_err check(relay_harness *h, pki_trust_store *trust, const uint8_t *asr, size_t len,
                    char eid[EIM_EID_DIGITS + 1])
{
    aw_err verdict = AW_ERR_ARGUMENT;
    assert_int_equal(eim_device_binding_check(h->db, trust, (aw_slice){asr, len}, db_clock_ms(),
                                              eid, &verdict),
                     AW_OK);
    return verdict;
}

static pki_trust_store *trust_of(relay_harness *h)
{
    pki_trust_store *trust = NULL;
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(
        pki_trust_store_add_ci(trust, h->smdp.device.t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    return trust;
}

static void test_store(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    char device[EIM_DEVICE_TEXT_MAX + 1];
    bool found = true;
    assert_int_equal(eim_device_binding_get(h.db, AW_PKI_DEFAULT_EID, device, &found), AW_OK);
    assert_false(found);
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, IMEI, 1), AW_OK);
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, TAC, 2), AW_OK);
    assert_int_equal(eim_device_binding_get(h.db, AW_PKI_DEFAULT_EID, device, &found), AW_OK);
    assert_true(found);
    assert_string_equal(device, TAC);
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, "490154203237519", 3),
                     AW_ERR_DEVICE_IDENTITY_FORMAT);
    assert_int_equal(eim_device_binding_set(h.db, "123", IMEI, 3), AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_remove(h.db, AW_PKI_DEFAULT_EID), AW_OK);
    assert_int_equal(eim_device_binding_get(h.db, AW_PKI_DEFAULT_EID, device, &found), AW_OK);
    assert_false(found);
    assert_int_equal(eim_device_binding_remove(h.db, AW_PKI_DEFAULT_EID), AW_OK);
    assert_int_equal(eim_device_binding_remove(h.db, "x"), AW_ERR_ARGUMENT);
    eim_device_mismatch *list = (eim_device_mismatch *)1;
    size_t count = 1;
    assert_int_equal(eim_device_mismatch_list(h.db, 0, 0, &list, &count), AW_ERR_ARGUMENT);
    assert_null(list);
    assert_int_equal(eim_device_mismatch_list(h.db, 0, 10, &list, &count), AW_OK);
    assert_null(list);
    assert_int_equal(count, 0);
    relay_close(&h);
}

static void test_check(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    pki_trust_store *trust = trust_of(&h);
    uint8_t tid[16];
    size_t tid_len = 0, len = 0;
    char eid[EIM_EID_DIGITS + 1];

    /* not bound: goes on, the EID read from the verified certificate */
    uint8_t *asr = signed_response(&h, OTHER_IMEI, NULL, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_OK);
    assert_string_equal(eid, AW_PKI_DEFAULT_EID);

    /* bound to IMEI: the same signed response names another device */
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, IMEI, 1), AW_OK);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_BINDING_MISMATCH);
    /* one changed byte of euiccSigned1's DeviceInfo: the signature fails */
    uint8_t *tampered = malloc(len);
    assert_non_null(tampered);
    memcpy(tampered, asr, len);
    const uint8_t pattern[] = {0x82, 0x08, 0x35};
    uint8_t *at = memmem(tampered, len, pattern, sizeof(pattern));
    assert_non_null(at);
    at[2] = 0x49;
    assert_int_equal(check(&h, trust, tampered, len, eid), AW_ERR_DEVICE_BINDING_SIGNATURE);
    assert_string_equal(eid, "");
    free(tampered);
    /* an untrusted CI: nothing believed */
    pki_trust_store *empty = NULL;
    assert_int_equal(pki_trust_store_new(&empty), AW_OK);
    assert_int_equal(check(&h, empty, asr, len, eid), AW_ERR_DEVICE_BINDING_SIGNATURE);
    pki_trust_store_free(empty);
    /* not a response at all */
    assert_int_equal(check(&h, trust, asr, 3, eid), AW_ERR_DEVICE_BINDING_SIGNATURE);
    free(asr);

    /* the bound device by IMEI, by IMEISV (same TAC + SNR), and by TAC */
    asr = signed_response(&h, IMEISV, NULL, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_OK);
    free(asr);
    asr = signed_response(&h, NULL, NULL, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_BINDING_MISMATCH);
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, TAC, 2), AW_OK);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_OK);
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, "86000000", 3), AW_OK);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_BINDING_MISMATCH);
    free(asr);
    /* a signed IMEI that is no BCD digits */
    static const uint8_t hex_imei[8] = {0x49, 0x01, 0x54, 0x20, 0x32, 0x37, 0x5B, 0x8F};
    asr = signed_response(&h, NULL, hex_imei, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_IDENTITY_FORMAT);
    free(asr);

    /* every refusal but the unverified ones recorded, oldest first */
    eim_device_mismatch *list = NULL;
    size_t count = 0;
    assert_int_equal(eim_device_mismatch_list(h.db, 0, 10, &list, &count), AW_OK);
    assert_int_equal(count, 4);
    assert_string_equal(list[0].eid, AW_PKI_DEFAULT_EID);
    assert_string_equal(list[0].bound, IMEI);
    assert_string_equal(list[0].tac, TAC);
    assert_string_equal(list[0].imei, OTHER_IMEI);
    assert_string_equal(list[1].imei, "");
    assert_string_equal(list[2].bound, "86000000");
    assert_string_equal(list[3].tac, "");
    int64_t last = list[1].id;
    free(list);
    assert_int_equal(eim_device_mismatch_list(h.db, last, 1, &list, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(list[0].bound, "86000000");
    free(list);
    pki_trust_store_free(trust);
    relay_close(&h);
}

#define PROFILE_ICCID "8944000000000000019"

static void test_profile_check(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    pki_trust_store *trust = trust_of(&h);
    uint8_t tid[16];
    size_t tid_len = 0, len = 0;
    char eid[EIM_EID_DIGITS + 1];
    const char *card = AW_PKI_DEFAULT_EID;

    /* every refusal of the expectation */
    assert_int_equal(eim_device_binding_expect(NULL, card, "m", PROFILE_ICCID, IMEI, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, "12", "m", PROFILE_ICCID, IMEI, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "", PROFILE_ICCID, IMEI, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "a b", PROFILE_ICCID, IMEI, 1),
                     AW_ERR_ARGUMENT);
    char long_id[EIM_MATCHING_ID_MAX + 2];
    memset(long_id, 'A', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(eim_device_binding_expect(h.db, card, long_id, PROFILE_ICCID, IMEI, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "m", "89x", IMEI, 1), AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "m", "", IMEI, 1), AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "m", PROFILE_ICCID, NULL, 1),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_device_binding_expect(h.db, card, "m", PROFILE_ICCID, "490154203237519",
                                               1),
                     AW_ERR_DEVICE_IDENTITY_FORMAT);

    /* another trigger's matchingId: this download is not the bound profile's */
    assert_int_equal(eim_device_binding_expect(h.db, card, "OTHER-MATCHING-ID", PROFILE_ICCID,
                                               IMEI, 1),
                     AW_OK);
    uint8_t *asr = signed_response(&h, OTHER_IMEI, NULL, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_OK);
    eim_device_verification *verified = NULL;
    size_t count = 0;
    assert_int_equal(eim_device_verification_list(h.db, 0, 10, &verified, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(verified[0].eid, card);
    assert_string_equal(verified[0].iccid, "");
    assert_string_equal(verified[0].imei, OTHER_IMEI);
    assert_string_equal(verified[0].tac, TAC);
    free(verified);

    /* the trigger's own matchingId (signed in ctxParams1): another device refused,
     * the mismatch naming the profile */
    assert_int_equal(eim_device_binding_expect(h.db, card, RELAY_MATCHING_ID, PROFILE_ICCID,
                                               IMEI, 2),
                     AW_OK);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_BINDING_MISMATCH);
    eim_device_mismatch *list = NULL;
    assert_int_equal(eim_device_mismatch_list(h.db, 0, 10, &list, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(list[0].iccid, PROFILE_ICCID);
    assert_string_equal(list[0].bound, IMEI);
    assert_string_equal(list[0].imei, OTHER_IMEI);
    free(list);
    free(asr);

    /* the bound device goes on; the card's last verified device replaced */
    asr = signed_response(&h, IMEI, NULL, &len, tid, &tid_len);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_OK);
    assert_int_equal(eim_device_verification_list(h.db, 0, 10, &verified, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(verified[0].iccid, PROFILE_ICCID);
    assert_string_equal(verified[0].imei, IMEI);
    int64_t last = verified[0].id;
    free(verified);
    assert_int_equal(eim_device_verification_list(h.db, last, 10, &verified, &count), AW_OK);
    assert_int_equal(count, 0);
    assert_null(verified);
    assert_int_equal(eim_device_verification_list(h.db, 0, 0, &verified, &count),
                     AW_ERR_ARGUMENT);
    /* a card binding and the profile's, both to another device: two mismatches */
    assert_int_equal(eim_device_binding_set(h.db, card, OTHER_IMEI, 3), AW_OK);
    assert_int_equal(eim_device_binding_expect(h.db, card, RELAY_MATCHING_ID, PROFILE_ICCID,
                                               "86000000", 3),
                     AW_OK);
    assert_int_equal(check(&h, trust, asr, len, eid), AW_ERR_DEVICE_BINDING_MISMATCH);
    assert_int_equal(eim_device_mismatch_list(h.db, 1, 10, &list, &count), AW_OK);
    assert_int_equal(count, 2);
    assert_string_equal(list[0].iccid, "");
    assert_string_equal(list[1].iccid, PROFILE_ICCID);
    assert_string_equal(list[1].bound, "86000000");
    free(list);
    free(asr);
    pki_trust_store_free(trust);
    relay_close(&h);
}

/* ESipa.AuthenticateClient through a library relay with device_binding
 * on or off; the answer decoded into *m. */
static void relay_authenticate_client(relay_harness *h, bool device_binding, const uint8_t *asr,
                                      size_t len, const uint8_t *tid, size_t tid_len,
                                      sgp32_esipa_message_from_eim_to_ipa *m, aw_err *verdict)
{
    char ca[200];
    snprintf(ca, sizeof(ca), "%s/ci.pem", h->smdp.device.t.pki);
    eim_relay_config config = {.ca_file = ca, .routes = h->routes, .route_count = 3,
                               .device_binding = device_binding};
    eim_relay *relay = NULL;
    pki_trust_store *trust = trust_of(h);
    assert_int_equal(eim_relay_new(&config, &relay), AW_OK);
    eim_context context = {.db = h->db, .trust = trust};
    der_builder b;
    uint8_t *message = NULL, *out = NULL;
    size_t message_len = 0, out_len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF3B);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_raw(&b, asr, len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &message, &message_len), AW_OK);
    assert_int_equal(eim_relay_serve(relay, &context, message, message_len, db_clock_ms(), &out,
                                     &out_len, verdict),
                     AW_OK);
    assert_int_equal(sgp32_decode_esipa_message_from_eim_to_ipa(out, out_len, m), AW_OK);
    assert_int_equal(m->kind, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE);
    /* m points into out: keep it for the caller's assertions */
    static uint8_t kept[8192];
    assert_true(out_len <= sizeof(kept));
    memcpy(kept, out, out_len);
    assert_int_equal(sgp32_decode_esipa_message_from_eim_to_ipa(kept, out_len, m), AW_OK);
    free(out);
    free(message);
    eim_relay_free(relay);
    pki_trust_store_free(trust);
}

static void test_relay(void **state)
{
    (void)state;
    relay_harness h;
    relay_open(&h, AW_PKI_CURVE_NIST_P256);
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    uint8_t tid[16];
    size_t tid_len = 0, len = 0;
    aw_err verdict = AW_OK;
    eim_download_record record;
    assert_int_equal(eim_device_binding_set(h.db, AW_PKI_DEFAULT_EID, IMEI, 1), AW_OK);

    /* on: another device is refused before the SM-DP+ (still authenticating) */
    uint8_t *asr = signed_response(&h, OTHER_IMEI, NULL, &len, tid, &tid_len);
    relay_authenticate_client(&h, true, asr, len, tid, tid_len, m, &verdict);
    assert_int_equal(verdict, AW_ERR_DEVICE_BINDING_MISMATCH);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR);
    assert_int_equal(m->authenticate_client_response.error, 127); /* undefinedError */
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_AUTHENTICATING);
    /* off: the same request is plain SGP.32, the SM-DP+ answers */
    relay_authenticate_client(&h, false, asr, len, tid, tid_len, m, &verdict);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    assert_int_equal(eim_download_get(h.db, tid, tid_len, &record), AW_OK);
    assert_int_equal(record.state, EIM_DOWNLOAD_AUTHENTICATED);
    free(asr);

    /* on: the bound device goes on to the SM-DP+ */
    asr = signed_response(&h, IMEI, NULL, &len, tid, &tid_len);
    relay_authenticate_client(&h, true, asr, len, tid, tid_len, m, &verdict);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(m->authenticate_client_response.kind,
                     SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP);
    free(asr);
    free(m);
    relay_close(&h);
}

int main(int argc, char **argv)
{
    /* the test thread stops the loop threads' bases; workers wake the eIM's */
    if (evthread_use_pthreads() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int status = eim_test_db_init(argc, argv, "test_eim_device_binding");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_profile_check),
        cmocka_unit_test(test_relay),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
