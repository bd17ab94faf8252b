/* SGP.32 v1.0 forms at the eIM (docs/sgp32-versions.md #5, #7, #16;
 * src/core/sgp32_esipa.c, sgp32_trigger.c, src/eim/esipa.c, relay.c,
 * download.c), each taken only from an eUICC registered as v1.0 and
 * refused from one registered as v1.2 (no downgrade by message):
 *  - ePRAndNotifications with the v1.0 notificationList [43] (BF2B);
 *  - HandleNotificationEsipa's untagged v1.0 alternatives at the relay: a
 *    result (BF51), an ePRAndNotifications (30), a ProfileInstallationResult
 *    (BF37) of a download relayed for the eUICC;
 *  - the v1.0 profileDownloadError { errorResponse [0] }, read by the
 *    registered version (also where its bytes would read as a v1.2 reason).
 * Messages are built with the project's encoders and keys. */
#include "eim_versions_testutil.h"

#include "core/sgp22_bpp.h"
#include "core/sgp22_notification.h"
#include "core/sgp32_trigger.h"

/* BF50 { [5A eid] inner }, as built here */
static uint8_t *provide_around(bool with_eid, const uint8_t *inner, size_t inner_len, size_t *len)
{
    uint8_t octets[SGP32_EID_LENGTH], *out = NULL;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT);
    if (with_eid) {
        assert_int_equal(eim_eid_to_octets(eid, octets), AW_OK);
        der_put_tlv(&b, SGP32_TAG_EID, octets, sizeof(octets));
    }
    der_put_raw(&b, inner, inner_len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &out, len), AW_OK);
    return out;
}

/* A v1.0 ePRAndNotifications: 30 { result, BF2B list } */
static uint8_t *epr_v1_0(const uint8_t *result, size_t result_len, const char *list_hex,
                         size_t *len)
{
    size_t list_len = 0;
    uint8_t *list = test_hex(list_hex, &list_len), *out = NULL;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_raw(&b, result, result_len);
    der_put_raw(&b, list, list_len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &out, len), AW_OK);
    free(list);
    return out;
}

static aw_err handle(const uint8_t *request, size_t len, aw_err *verdict, uint8_t **answer,
                     size_t *answer_len)
{
    eim_context context = {.db = db, .trust = trust};
    return eim_esipa_handle(&context, request, len, db_clock_ms(), answer, answer_len, verdict);
}

static eim_package_state package_state(size_t index, int64_t *error_code)
{
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid, &records, &count), AW_OK);
    assert_true(index < count);
    eim_package_state state = records[index].state;
    if (error_code != NULL)
        *error_code = records[index].error_code;
    eim_package_records_free(records, count);
    return state;
}

/* #5: ePRAndNotifications with the v1.0 notificationList [43] */
static void test_v1_0_epr_notification_list(void **state)
{
    (void)state;
    static const uint8_t undefined_error[] = {0xBF, 0x50, 0x03, 0x02, 0x01, 0x7F};
    static const uint8_t missing_eid[] = {0xBF, 0x50, 0x03, 0x02, 0x01, 0x04};
    size_t len = 0, epr_len = 0, request_len = 0, answer_len = 0;
    uint8_t *answer = NULL;
    aw_err verdict = AW_OK;
    sent s1 = send_package();
    uint8_t *result = result_for(&s1, SIGN_V1_1, false, 0x21, &len);
    uint8_t *epr = epr_v1_0(result, len, "BF2B02A000", &epr_len);

    /* registered as v1.2: the v1.0 form is refused, with or without eidValue */
    uint8_t *request = provide_around(true, epr, epr_len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_SGP32_VERSION);
    assert_int_equal(answer_len, sizeof(undefined_error));
    assert_memory_equal(answer, undefined_error, sizeof(undefined_error));
    free(answer);
    free(request);
    request = provide_around(false, epr, epr_len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_UNKNOWN_EUICC);
    assert_memory_equal(answer, missing_eid, sizeof(missing_eid));
    free(answer);
    assert_int_equal(package_state(0, NULL), EIM_PACKAGE_SENT);

    /* registered as v1.0: recorded and acknowledged in the v1.0 form */
    static const uint8_t ack_21[] = {0xBF, 0x50, 0x06, 0xBF, 0x53, 0x03, 0x80, 0x01, 0x21};
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(answer_len, sizeof(ack_21));
    assert_memory_equal(answer, ack_21, sizeof(ack_21));
    assert_int_equal(package_state(0, NULL), EIM_PACKAGE_DONE);
    free(answer);
    free(request);
    free(epr);
    free(result);

    /* with eidValue too, and the notificationAndEprList alternative */
    sent s2 = send_package();
    result = result_for(&s2, SIGN_V1_0_DATA_OBJECT, false, 0x22, &len);
    epr = epr_v1_0(result, len, "BF2B06A304A000A100", &epr_len);
    request = provide_around(true, epr, epr_len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(package_state(1, NULL), EIM_PACKAGE_DONE);
    free(answer);
    free(request);
    free(epr);
    free(result);
}

static aw_err relay_handle(eim_relay *relay, const char *request_hex, const uint8_t *inner,
                           size_t inner_len, aw_err *verdict)
{
    size_t len = 0, answer_len = 0, head_len = 0;
    uint8_t *head = test_hex(request_hex, &head_len), *request = NULL, *answer = NULL;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_HANDLE_NOTIFICATION_ESIPA);
    der_put_raw(&b, head, head_len);
    if (inner != NULL)
        der_put_raw(&b, inner, inner_len);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &request, &len), AW_OK);
    eim_context context = {.db = db, .trust = trust};
    aw_err err = eim_relay_serve(relay, &context, request, len, db_clock_ms(), &answer,
                                 &answer_len, verdict);
    assert_int_equal(answer_len, 0); /* HandleNotification has no answer */
    free(answer);
    free(request);
    free(head);
    return err;
}

/* A ProfileInstallationResult (unsigned stand-in) of SM-DP+ transaction t */
static uint8_t *installation_result(const uint8_t t[16], size_t *len)
{
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10};
    static const uint8_t signature[CRYPTO_SIGNATURE_SIZE] = {1};
    sgp22_notification_metadata nm;
    memset(&nm, 0, sizeof(nm));
    nm.seq_number = 3;
    nm.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    nm.notification_address = (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    uint8_t *nm_der = NULL, *data_der = NULL, *out = NULL;
    size_t nm_len = 0, data_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&nm, &nm_der, &nm_len), AW_OK);
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){t, 16};
    pir.data.notification_metadata = (aw_slice){nm_der, nm_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    pir.data.success.aid = (aw_slice){aid, sizeof(aid)};
    pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    assert_int_equal(sgp22_encode_profile_installation_result_data(&pir.data, &data_der, &data_len),
                     AW_OK);
    pir.data.raw = (aw_slice){data_der, data_len};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(nm_der);
    free(data_der);
    return out;
}

/* #7: HandleNotificationEsipa's untagged v1.0 alternatives at the relay */
static void test_v1_0_handle_notification(void **state)
{
    (void)state;
    eim_relay *relay = NULL;
    /* nothing listens there: a forwarded notification fails at once */
    const eim_smdp_route route = {.smdp_address = "smdp.example.com",
                                  .base_url = "https://127.0.0.1:1"};
    eim_relay_config config = {.ca_file = "/nonexistent", .routes = &route, .route_count = 1};
    assert_int_equal(eim_relay_new(&config, &relay), AW_OK);
    aw_err verdict = AW_OK;
    size_t len = 0, epr_len = 0;
    sent s1 = send_package();
    uint8_t *result = result_for(&s1, SIGN_V1_1, false, 0x31, &len);

    /* BF3D { BF51 }: registered as v1.2, it names no eUICC */
    assert_int_equal(relay_handle(relay, "", result, len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(package_state(0, NULL), EIM_PACKAGE_SENT);
    /* registered as v1.0: recorded */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(relay_handle(relay, "", result, len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(package_state(0, NULL), EIM_PACKAGE_DONE);
    free(result);

    /* BF3D { 30 ePRAndNotifications } with a v1.0 list of no notification */
    sent s2 = send_package();
    result = result_for(&s2, SIGN_V1_1, false, 0x32, &len);
    uint8_t *epr = epr_v1_0(result, len, "BF2B0381017F", &epr_len);
    assert_int_equal(relay_handle(relay, "", epr, epr_len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(package_state(1, NULL), EIM_PACKAGE_DONE);
    free(epr);
    free(result);

    /* BF3D { BF37 } of a download relayed for this eUICC: only as v1.0 */
    static const uint8_t t[16] = {0x7E, 0x57};
    int64_t now = db_clock_ms();
    db_param p[] = {DB_PARAM_BLOB(t, sizeof(t)), DB_PARAM_TEXT("smdp.example.com"),
                    DB_PARAM_TEXT(eid), DB_PARAM_INT64(EIM_DOWNLOAD_BPP_SENT),
                    DB_PARAM_INT64(now), DB_PARAM_INT64(now)};
    assert_int_equal(db_execute(db,
                                "INSERT INTO eim_downloads (transaction_id, smdp_address, eid, "
                                "state, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
                                p, 6, NULL),
                     AW_OK);
    uint8_t *pir = installation_result(t, &len);
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_2), AW_OK);
    assert_int_equal(relay_handle(relay, "", pir, len, &verdict), AW_OK);
    assert_int_equal(verdict, AW_ERR_EIM_SGP32_VERSION);
    bool forwarded = true;
    aw_err seen = eim_notification_forwarded(db, eid, 3, &forwarded);
    assert_int_equal(seen, AW_OK);
    assert_false(forwarded);
    /* as v1.0 it goes on: verified (the stand-in signature fails) and offered */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(relay_handle(relay, "", pir, len, &verdict), AW_OK);
    assert_int_not_equal(verdict, AW_ERR_EIM_SGP32_VERSION);
    assert_int_not_equal(verdict, AW_OK);
    free(pir);

    /* forms v1.0 has that stay refused: the bare eimPackageError */
    assert_int_equal(relay_handle(relay, "020101", NULL, 0, &verdict), AW_ERR_DER_UNEXPECTED_TAG);
    eim_relay_free(relay);
}

/* Queue a download trigger and hand it out; its eimTransactionId into t. */
static void send_trigger(uint8_t t[EIM_TRANSACTION_ID_SIZE])
{
    static const char code[] = "1$smdp.example.com$MATCH-0001";
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE, .activation_code = code};
    uint8_t *package = NULL;
    size_t len = 0;
    sgp32_profile_download_trigger_request request;
    assert_int_equal(eim_package_enqueue_download_trigger(db, eid, &trigger, db_clock_ms(), NULL),
                     AW_OK);
    assert_int_equal(eim_package_next(db, eid, db_clock_ms(), &package, &len, NULL), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_request(package, len, &request), AW_OK);
    assert_int_equal(request.eim_transaction_id.len, EIM_TRANSACTION_ID_SIZE);
    memcpy(t, request.eim_transaction_id.ptr, EIM_TRANSACTION_ID_SIZE);
    free(package);
}

/* A v1.0 ProfileDownloadTriggerResult with profileDownloadError
 * { errorResponse [0] } (none when error_response is NULL). */
static uint8_t *trigger_error_v1_0(const uint8_t t[EIM_TRANSACTION_ID_SIZE],
                                   const char *error_response, size_t *len)
{
    sgp32_profile_download_trigger_result_v1_0 r;
    memset(&r, 0, sizeof(r));
    r.has_eim_transaction_id = true;
    r.eim_transaction_id = (aw_slice){t, EIM_TRANSACTION_ID_SIZE};
    r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    r.result_data.profile_download_error.has_error_response = error_response != NULL;
    if (error_response != NULL)
        r.result_data.profile_download_error.error_response =
            (aw_slice){(const uint8_t *)error_response, strlen(error_response)};
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_profile_download_trigger_result_v1_0(&r, &out, len), AW_OK);
    return out;
}

/* #16: the v1.0 profileDownloadError, read by the registered version */
static void test_v1_0_trigger_error(void **state)
{
    (void)state;
    static const uint8_t v1_0_nothing[] = {0xBF, 0x50, 0x00};
    static const uint8_t empty[] = {0xBF, 0x50, 0x02, 0x30, 0x00};
    uint8_t t1[EIM_TRANSACTION_ID_SIZE], t2[EIM_TRANSACTION_ID_SIZE], *answer = NULL;
    size_t len = 0, request_len = 0, answer_len = 0;
    aw_err verdict = AW_OK;
    int64_t code = 0;
    send_trigger(t1);
    uint8_t *result = trigger_error_v1_0(t1, NULL, &len); /* ... 30 00 */
    assert_int_equal(result[len - 2], 0x30);
    assert_int_equal(result[len - 1], 0x00);

    /* registered as v1.2: 30 00 lacks the reason, with or without eidValue */
    uint8_t *request = provide_around(false, result, len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len),
                     AW_ERR_DER_MISSING);
    assert_null(answer);
    size_t with_eid_len = 0;
    uint8_t *with_eid = provide_around(true, result, len, &with_eid_len);
    assert_int_equal(handle(with_eid, with_eid_len, &verdict, &answer, &answer_len),
                     AW_ERR_DER_MISSING);
    assert_int_equal(package_state(0, NULL), EIM_PACKAGE_SENT);

    /* registered as v1.0: found by its trigger, recorded as undefinedError */
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_0), AW_OK);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(answer_len, sizeof(v1_0_nothing));
    assert_memory_equal(answer, v1_0_nothing, sizeof(v1_0_nothing));
    assert_int_equal(package_state(0, &code), EIM_PACKAGE_FAILED);
    assert_int_equal(code, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    free(answer);
    free(request);
    free(with_eid);
    free(result);

    /* an errorResponse that also reads as a v1.2 reason (80 01 05) */
    send_trigger(t2);
    result = trigger_error_v1_0(t2, "\x05", &len);
    request = provide_around(true, result, len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(answer_len, sizeof(empty));
    assert_memory_equal(answer, empty, sizeof(empty));
    assert_int_equal(package_state(1, &code), EIM_PACKAGE_FAILED);
    assert_int_equal(code, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR); /* not 5 */
    free(answer);
    free(request);
    free(result);

    /* the same bytes from an eUICC registered as v1.2 are its reason */
    uint8_t t3[EIM_TRANSACTION_ID_SIZE];
    assert_int_equal(eim_registry_set_sgp32_version(db, eid, EIM_SGP32_VERSION_1_2), AW_OK);
    send_trigger(t3);
    result = trigger_error_v1_0(t3, "\x05", &len);
    request = provide_around(true, result, len, &request_len);
    assert_int_equal(handle(request, request_len, &verdict, &answer, &answer_len), AW_OK);
    assert_int_equal(verdict, AW_OK);
    assert_int_equal(package_state(2, &code), EIM_PACKAGE_FAILED);
    assert_int_equal(code, 5);
    free(answer);
    free(request);
    free(result);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_versions_forms");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v1_0_epr_notification_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_handle_notification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_0_trigger_error, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
