/* Tests of GET /api/v1/cards/{eid}/terminal-info (api_terminal_info.c,
 * docs/terminal-info.md, docs/rbac.md terminal_info.read): records stored
 * by the POST handler shown opened to the operator and to the tenant's own
 * users; 403 I2201 for the platform administrator, the auditor and the
 * security officer; 404 for another tenant's card; every view audited
 * (terminal_info.read, outcome success, the count of records); limit. */
#include "platform_rbac_testutil.h"

#include <signal.h>

#include <event2/thread.h>

#include "ipa/terminal_info.h"
#include "platform/platform_inventory.h"
#include "platform/platform_terminal_info.h"

#define IMEI "356938035643809"

static char eid[PLATFORM_EID_DIGITS + 1];

static int64_t audit_count(const char *action, int outcome)
{
    int64_t n = 0;
    db_param p[] = {DB_PARAM_TEXT(action), DB_PARAM_INT64(outcome)};
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM aw_audit_entry WHERE action = ? AND "
                                    "outcome = ?",
                                    p, 2, &n),
                     AW_OK);
    return n;
}

/* Two records of the card, taken by the POST handler (through the
 * envelope, so the route shows what a device sent). */
static void store_records(void)
{
    assert_int_equal(platform_card_ensure(fx.admin, "tenant-a", eid, "test", NOW, NULL), AW_OK);
    crypto_envelope_key *platform_key = NULL;
    crypto_suite_key *device_key = NULL;
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_DOMESTIC, &platform_key), AW_OK);
    assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &device_key), AW_OK);
    for (int i = 0; i < 2; i++) {
        terminal_info_record r;
        terminal_info_record_init(&r, eid, NOW / 1000 - 10 + i);
        memcpy(r.imei, IMEI, sizeof(IMEI));
        r.rssi = 20 + i;
        r.location = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_CELL, .mcc = "460",
                                              .mnc = "00", .tac = 0x1A2B, .cell_id = 42,
                                              .time = r.time};
        uint8_t *envelope = NULL;
        size_t len = 0;
        assert_int_equal(ipa_terminal_info_seal(&r, platform_key, 5, device_key, &envelope, &len),
                         AW_OK);
        crypto_envelope_header header;
        uint8_t *payload = NULL;
        size_t payload_len = 0;
        assert_int_equal(crypto_envelope_open(platform_key, 5, device_key, envelope, len, &header,
                                              &payload, &payload_len),
                         AW_OK);
        char envelope_id[2 * CRYPTO_ENVELOPE_ID_SIZE + 1];
        aw_hex_encode(header.id, CRYPTO_ENVELOPE_ID_SIZE, envelope_id, false);
        bool replay = true;
        assert_int_equal(platform_terminal_info_store(fx.admin, fx.ring, eid, envelope_id,
                                                      &header, &r, payload, payload_len,
                                                      NOW / 1000, &replay),
                         AW_OK);
        assert_false(replay);
        crypto_envelope_payload_free(payload, payload_len);
        free(envelope);
    }
    crypto_suite_key_free(device_key);
    crypto_envelope_key_free(platform_key);
}

static void test_roles(void **state)
{
    (void)state;
    store_records();
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/cards/%s/terminal-info", eid);
    static const platform_role allowed[] = {PLATFORM_ROLE_OPERATOR, PLATFORM_ROLE_TENANT_USER};
    for (size_t i = 0; i < 2; i++) {
        role_app a;
        role_app_make(&a, "tenant-a", allowed[i]);
        call_spec spec = role_spec(&a, AW_HTTP_METHOD_GET, path, NULL, NULL);
        reply r = call(&spec);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(r.body, "eid")), eid);
        json_t *records = json_object_get(r.body, "records");
        assert_int_equal(json_array_size(records), 2);
        json_t *newest = json_array_get(records, 0);
        assert_string_equal(json_string_value(json_object_get(newest, "imei")), IMEI);
        assert_int_equal(json_integer_value(json_object_get(
                             json_object_get(newest, "signal"), "rssi")),
                         21);
        assert_string_equal(json_string_value(json_object_get(newest, "suite")), "domestic");
        assert_int_equal(json_integer_value(json_object_get(newest, "platformKeyId")), 5);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(newest, "location"), "mcc")),
                            "460");
        reply_free(&r);
    }
    assert_int_equal(audit_count("terminal_info.read", AUDIT_OUTCOME_SUCCESS), 2);
    /* limit */
    role_app op;
    role_app_make(&op, "tenant-a", PLATFORM_ROLE_OPERATOR);
    call_spec one = role_spec(&op, AW_HTTP_METHOD_GET, path, "limit=1", NULL);
    reply r = call(&one);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "records")), 1);
    reply_free(&r);
    call_spec bad_limit = role_spec(&op, AW_HTTP_METHOD_GET, path, "limit=21", NULL);
    expect_error(&bad_limit, "I1002");
    /* not authorised: 403 I2201, audited as denied */
    static const platform_role refused[] = {PLATFORM_ROLE_PLATFORM_ADMIN, PLATFORM_ROLE_AUDITOR,
                                            PLATFORM_ROLE_SECURITY_OFFICER};
    for (size_t i = 0; i < 3; i++) {
        role_app a;
        role_app_make(&a, "tenant-a", refused[i]);
        call_spec spec = role_spec(&a, AW_HTTP_METHOD_GET, path, NULL, NULL);
        expect_error(&spec, "I2201");
    }
    assert_int_equal(audit_count("permission.denied", AUDIT_OUTCOME_DENIED), 3);
    /* another tenant's user: no such card */
    role_app b;
    role_app_make(&b, "tenant-b", PLATFORM_ROLE_TENANT_USER);
    call_spec other = role_spec(&b, AW_HTTP_METHOD_GET, path, NULL, NULL);
    expect_error(&other, "A5001");
    /* a card without records: an empty list */
    char empty_eid[PLATFORM_EID_DIGITS + 1], empty_path[96];
    platform_test_eid(77, empty_eid);
    assert_int_equal(platform_card_ensure(fx.admin, "tenant-a", empty_eid, "test", NOW, NULL),
                     AW_OK);
    snprintf(empty_path, sizeof(empty_path), "/api/v1/cards/%s/terminal-info", empty_eid);
    call_spec none = role_spec(&op, AW_HTTP_METHOD_GET, empty_path, NULL, NULL);
    expect_ok(&none);
    r = call(&none);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "records")), 0);
    reply_free(&r);
    /* another method */
    call_spec post = role_spec(&op, AW_HTTP_METHOD_POST, path, NULL, "{}");
    expect_error(&post, "I1005");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    platform_test_eid(1, eid);
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roles, rbac_setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
