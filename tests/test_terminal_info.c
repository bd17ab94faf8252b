/* Tests of the terminal information record (core/terminal_info.h) and the
 * IPA's side (ipa/terminal_info.h): the JSON round trip and every refusal
 * of the strict parser; each AT answer parser (3GPP TS 27.007 +CGSN, +CGMR,
 * +CSQ, +CESQ, +CEREG, +COPS; +QGPSLOC) with good and bad lines; collecting
 * from a scripted module and from configuration; sealing to the platform's
 * key, opened back. */
#include "testutil.h"

#include "core/crypto_envelope.h"
#include "core/terminal_info.h"
#include "ipa/terminal_info.h"

#define EID "89049032123456789012345678901234"

static terminal_info_record full_record(void)
{
    terminal_info_record r;
    terminal_info_record_init(&r, EID, 1764590400);
    memcpy(r.imei, "356938035643809", 16);
    memcpy(r.firmware, "EC25EFAR06A06M4G", 17);
    r.rssi = 20;
    r.ber = 99;
    r.rsrp = 45;
    r.rsrq = 20;
    r.location.kind = TERMINAL_INFO_LOCATION_GNSS;
    r.location.has_position = true;
    r.location.latitude = 31.2304;
    r.location.longitude = 121.4737;
    r.location.accuracy_m = 6.5;
    r.location.time = 1764590390;
    return r;
}

static void assert_round_trip(const terminal_info_record *r)
{
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(terminal_info_encode(r, &json, &len), AW_OK);
    terminal_info_record back;
    assert_int_equal(terminal_info_parse((const uint8_t *)json, len, &back), AW_OK);
    assert_string_equal(back.eid, r->eid);
    assert_int_equal(back.time, r->time);
    assert_string_equal(back.imei, r->imei);
    assert_string_equal(back.firmware, r->firmware);
    assert_int_equal(back.rssi, r->rssi);
    assert_int_equal(back.ber, r->ber);
    assert_int_equal(back.rsrp, r->rsrp);
    assert_int_equal(back.rsrq, r->rsrq);
    assert_int_equal(back.location.kind, r->location.kind);
    assert_int_equal(back.location.has_position, r->location.has_position);
    assert_true(back.location.latitude == r->location.latitude);
    assert_true(back.location.longitude == r->location.longitude);
    assert_true(back.location.accuracy_m == r->location.accuracy_m);
    assert_int_equal(back.location.time, r->location.time);
    assert_string_equal(back.location.mcc, r->location.mcc);
    assert_string_equal(back.location.mnc, r->location.mnc);
    assert_int_equal(back.location.tac, r->location.tac);
    assert_int_equal(back.location.cell_id, r->location.cell_id);
    free(json);
}

static void test_record_round_trip(void **state)
{
    (void)state;
    terminal_info_record r = full_record();
    assert_round_trip(&r);
    /* a cell, resolved and not */
    memset(&r.location, 0, sizeof(r.location));
    r.location.kind = TERMINAL_INFO_LOCATION_CELL;
    r.location.time = 1764590400;
    memcpy(r.location.mcc, "460", 4);
    memcpy(r.location.mnc, "00", 3);
    r.location.tac = 0x1A2B;
    r.location.cell_id = 0x01A2B3C4;
    assert_round_trip(&r);
    r.location.has_position = true;
    r.location.latitude = 39.9;
    r.location.longitude = 116.4;
    r.location.accuracy_m = 1500;
    assert_round_trip(&r);
    /* the least: EID and time */
    terminal_info_record empty;
    terminal_info_record_init(&empty, EID, 0);
    assert_round_trip(&empty);
}

static void test_record_encode_refusals(void **state)
{
    (void)state;
    char *json = NULL;
    size_t len = 0;
    terminal_info_record r = full_record();
    r.eid[5] = 'x';
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    memcpy(r.imei, "1234", 5);
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    r.firmware[2] = '\n';
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    r.rssi = 50;
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    r.location.latitude = 91;
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    r.location.kind = TERMINAL_INFO_LOCATION_CELL; /* no MCC */
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    r = full_record();
    r.time = -1;
    assert_int_equal(terminal_info_encode(&r, &json, &len), AW_ERR_TERMINAL_INFO);
    assert_null(json);
    assert_int_equal(terminal_info_encode(NULL, &json, &len), AW_ERR_ARGUMENT);
}

static void test_record_parse_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "[]",
        "{\"version\":1,\"eid\":\"" EID "\"}",                       /* no time */
        "{\"version\":2,\"eid\":\"" EID "\",\"time\":1}",            /* version */
        "{\"version\":1,\"eid\":\"8904\",\"time\":1}",               /* EID */
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":-1}",           /* time */
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"x\":1}",    /* unknown member */
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"time\":2}", /* duplicate */
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"imei\":\"\"}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"imei\":\"35693803564380a\"}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"firmware\":\"\"}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"firmware\":\"a\\u0000b\"}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"signal\":{}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"signal\":{\"rssi\":40}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"signal\":{\"snr\":4}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"wifi\",\"time\":1}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"gnss\",\"time\":1}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"gnss\",\"time\":1,"
        "\"latitude\":95,\"longitude\":1,\"accuracy\":1}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"gnss\",\"time\":1,"
        "\"latitude\":1,\"longitude\":1,\"accuracy\":1,\"mcc\":\"460\"}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"cell\",\"time\":1,"
        "\"mcc\":\"46\",\"mnc\":\"00\",\"tac\":1,\"cellId\":1}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"cell\",\"time\":1,"
        "\"mcc\":\"460\",\"mnc\":\"00\",\"tac\":16777216,\"cellId\":1}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"cell\",\"time\":1,"
        "\"mcc\":\"460\",\"mnc\":\"00\",\"tac\":1,\"cellId\":68719476736}}",
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1,\"location\":{\"kind\":\"cell\",\"time\":1,"
        "\"mcc\":\"460\",\"mnc\":\"00\",\"tac\":1,\"cellId\":1,\"latitude\":1,\"longitude\":1,"
        "\"accuracy\":0}}", /* a resolved cell names its radius */
        "{\"version\":1,\"eid\":\"" EID "\",\"time\":1",
    };
    terminal_info_record r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        aw_err err = terminal_info_parse((const uint8_t *)bad[i], strlen(bad[i]), &r);
        if (err != AW_ERR_TERMINAL_INFO)
            print_error("accepted: %s\n", bad[i]);
        assert_int_equal(err, AW_ERR_TERMINAL_INFO);
        assert_int_equal(r.eid[0], '\0');
    }
    char big[TERMINAL_INFO_RECORD_MAX + 2];
    memset(big, ' ', sizeof(big));
    assert_int_equal(terminal_info_parse((const uint8_t *)big, sizeof(big), &r),
                     AW_ERR_TERMINAL_INFO);
    assert_int_equal(terminal_info_parse(NULL, 0, NULL), AW_ERR_ARGUMENT);
}

/* ---- AT answers ---------------------------------------------------------- */

static void test_at_identity(void **state)
{
    (void)state;
    char imei[TERMINAL_INFO_IMEI_MAX + 1] = "", fw[TERMINAL_INFO_FIRMWARE_MAX + 1] = "";
    assert_int_equal(ipa_terminal_info_parse_cgsn("356938035643809", imei), AW_OK);
    assert_string_equal(imei, "356938035643809");
    assert_int_equal(ipa_terminal_info_parse_cgsn("+CGSN: \"3569380356438091\"", imei), AW_OK);
    assert_string_equal(imei, "3569380356438091");
    static const char *const bad_imei[] = {"", "12345", "35693803564380912", "+CGSN: abc",
                                           "3569380356\"43809", "356938035643809,1"};
    for (size_t i = 0; i < sizeof(bad_imei) / sizeof(bad_imei[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_cgsn(bad_imei[i], imei), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cgmr("EC25EFAR06A06M4G", fw), AW_OK);
    assert_string_equal(fw, "EC25EFAR06A06M4G");
    assert_int_equal(ipa_terminal_info_parse_cgmr("+CGMR: \"BG96MAR02A07M1G\"", fw), AW_OK);
    assert_string_equal(fw, "BG96MAR02A07M1G");
    char long_fw[80];
    memset(long_fw, 'A', 65);
    long_fw[65] = '\0';
    assert_int_equal(ipa_terminal_info_parse_cgmr(long_fw, fw), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cgmr("", fw), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cgmr("a\tb", fw), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cgmr(NULL, fw), AW_ERR_IPA_PROTOCOL);
}

static void test_at_signal(void **state)
{
    (void)state;
    int a = -5, b = -5;
    assert_int_equal(ipa_terminal_info_parse_csq("+CSQ: 20,99", &a, &b), AW_OK);
    assert_int_equal(a, 20);
    assert_int_equal(b, 99);
    assert_int_equal(ipa_terminal_info_parse_csq("+CSQ: 99,99", &a, &b), AW_OK);
    static const char *const bad_csq[] = {"+CSQ: 32,0", "+CSQ: 20,8", "+CSQ: 20", "+CSQ: ,1",
                                          "+CSQ: 20,1,3", "+CSQ: -1,0", "+CSQ: 20,9x"};
    for (size_t i = 0; i < sizeof(bad_csq) / sizeof(bad_csq[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_csq(bad_csq[i], &a, &b), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cesq("+CESQ: 99,99,255,255,20,45", &a, &b), AW_OK);
    assert_int_equal(a, 20);
    assert_int_equal(b, 45);
    static const char *const bad_cesq[] = {"+CESQ: 99,99,255,255,35,45",
                                           "+CESQ: 99,99,255,255,20,98", "+CESQ: 99,99,255,255,20",
                                           "+CESQ: 99,99,256,255,20,45"};
    for (size_t i = 0; i < sizeof(bad_cesq) / sizeof(bad_cesq[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_cesq(bad_cesq[i], &a, &b), AW_ERR_IPA_PROTOCOL);
}

static void test_at_location(void **state)
{
    (void)state;
    terminal_info_location l;
    assert_int_equal(ipa_terminal_info_parse_qgpsloc(
                         "+QGPSLOC: 061951.000,31.23040,121.47370,1.2,62.2,3,0.00,0.0,0.0,011226,09",
                         &l),
                     AW_OK);
    assert_int_equal(l.kind, TERMINAL_INFO_LOCATION_GNSS);
    assert_true(l.latitude > 31.2303 && l.latitude < 31.2305);
    assert_true(l.longitude > 121.4736 && l.longitude < 121.4738);
    assert_true(l.accuracy_m > 5.99 && l.accuracy_m < 6.01);
    assert_int_equal(l.time, 1796105991); /* 2026-12-01T06:19:51Z */
    assert_int_equal(ipa_terminal_info_parse_qgpsloc(
                         "+QGPSLOC: 235959,-33.8688,-151.2093,0.9,10,2,0,0,0,311299,04", &l),
                     AW_OK);
    assert_true(l.latitude < -33.8);
    static const char *const bad_gnss[] = {
        "+QGPSLOC: 061951.000,91.0,121.4,1.2,62.2,3,0.00,0.0,0.0,011226,09",
        "+QGPSLOC: 061951.000,31.2,181.0,1.2,62.2,3,0.00,0.0,0.0,011226,09",
        "+QGPSLOC: 061951.000,31.2N,121.4,1.2,62.2,3,0.00,0.0,0.0,011226,09",
        "+QGPSLOC: 251951.000,31.2,121.4,1.2,62.2,3,0.00,0.0,0.0,011226,09",
        "+QGPSLOC: 061951.000,31.2,121.4,1.2,62.2,3,0.00,0.0,0.0,321226,09",
        "+QGPSLOC: 061951.000,31.2,121.4,100,62.2,3,0.00,0.0,0.0,011226,09",
        "+QGPSLOC: 061951.000,31.2,121.4,1.2,62.2,3,0.00,0.0,0.0,011226",
        "+CME ERROR: 516",
    };
    for (size_t i = 0; i < sizeof(bad_gnss) / sizeof(bad_gnss[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_qgpsloc(bad_gnss[i], &l), AW_ERR_IPA_PROTOCOL);
    memset(&l, 0, sizeof(l));
    assert_int_equal(ipa_terminal_info_parse_cereg("+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7", &l),
                     AW_OK);
    assert_int_equal(l.tac, 0x1A2B);
    assert_int_equal(l.cell_id, 0x01A2B3C4);
    assert_int_equal(ipa_terminal_info_parse_cereg("+CEREG: 2,5,\"00A1B2\",\"123456789\"", &l),
                     AW_OK);
    assert_int_equal(l.cell_id, 0x123456789ull);
    static const char *const bad_cell[] = {
        "+CEREG: 2,0", "+CEREG: 2,2,\"1A2B\",\"01A2B3C4\",7", "+CEREG: 2,1,1A2B,\"01A2B3C4\"",
        "+CEREG: 2,1,\"1A2\",\"01A2B3C4\"", "+CEREG: 2,1,\"1A2B\",\"1234567890\"",
        "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",99", "+CEREG: 2,1,\"1A2B\",\"01A2B3CG\""};
    for (size_t i = 0; i < sizeof(bad_cell) / sizeof(bad_cell[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_cereg(bad_cell[i], &l), AW_ERR_IPA_PROTOCOL);
    assert_int_equal(ipa_terminal_info_parse_cops("+COPS: 0,2,\"46000\",7", &l), AW_OK);
    assert_string_equal(l.mcc, "460");
    assert_string_equal(l.mnc, "00");
    assert_int_equal(ipa_terminal_info_parse_cops("+COPS: 0,2,\"310260\"", &l), AW_OK);
    assert_string_equal(l.mnc, "260");
    static const char *const bad_cops[] = {"+COPS: 0,0,\"CHINA MOBILE\",7", "+COPS: 0",
                                           "+COPS: 0,2,\"4600\",7", "+COPS: 0,2,46000,7"};
    for (size_t i = 0; i < sizeof(bad_cops) / sizeof(bad_cops[0]); i++)
        assert_int_equal(ipa_terminal_info_parse_cops(bad_cops[i], &l), AW_ERR_IPA_PROTOCOL);
}

/* ---- Collecting from a scripted module ------------------------------------- */

typedef struct script {
    const char *const (*pairs)[2]; /* command, line (NULL: the module says ERROR) */
    size_t count;
    unsigned asked;
} script;

static aw_err scripted(void *userdata, const char *command,
                       char line[IPA_TERMINAL_INFO_LINE_MAX + 1])
{
    script *s = userdata;
    s->asked++;
    for (size_t i = 0; i < s->count; i++) {
        if (strcmp(s->pairs[i][0], command) != 0)
            continue;
        if (s->pairs[i][1] == NULL)
            return AW_ERR_IPA_MODEM_ERROR;
        snprintf(line, IPA_TERMINAL_INFO_LINE_MAX + 1, "%s", s->pairs[i][1]);
        return AW_OK;
    }
    return AW_ERR_IPA_MODEM_ERROR;
}

static void test_collect(void **state)
{
    (void)state;
    static const char *const module_gnss[][2] = {
        {"+CGSN", "356938035643809"},
        {"+CGMR", "EC25EFAR06A06M4G"},
        {"+CSQ", "+CSQ: 18,99"},
        {"+CESQ", "+CESQ: 99,99,255,255,19,40"},
        {"+QGPSLOC=2", "+QGPSLOC: 061951.000,31.23040,121.47370,1.2,62.2,3,0.00,0.0,0.0,011226,09"},
    };
    script s = {module_gnss, 5, 0};
    ipa_terminal_info_source source = {.at_command = scripted, .userdata = &s};
    terminal_info_record r;
    assert_int_equal(ipa_terminal_info_collect(&source, EID, 1764590400, &r), AW_OK);
    assert_string_equal(r.imei, "356938035643809");
    assert_string_equal(r.firmware, "EC25EFAR06A06M4G");
    assert_int_equal(r.rssi, 18);
    assert_int_equal(r.rsrp, 40);
    assert_int_equal(r.location.kind, TERMINAL_INFO_LOCATION_GNSS);
    /* no GNSS fix (CME ERROR 516): the serving cell */
    static const char *const module_cell[][2] = {
        {"+CGSN", "356938035643809"},
        {"+QGPSLOC=2", NULL},
        {"+CEREG=2", ""},
        {"+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"},
        {"+COPS=3,2", ""},
        {"+COPS?", "+COPS: 0,2,\"46000\",7"},
    };
    script c = {module_cell, 6, 0};
    source.userdata = &c;
    assert_int_equal(ipa_terminal_info_collect(&source, EID, 1764590400, &r), AW_OK);
    assert_int_equal(r.location.kind, TERMINAL_INFO_LOCATION_CELL);
    assert_string_equal(r.location.mcc, "460");
    assert_int_equal(r.location.cell_id, 0x01A2B3C4);
    assert_int_equal(r.location.time, 1764590400);
    assert_int_equal(r.firmware[0], '\0'); /* +CGMR refused */
    /* configuration only, and configuration under a module that answers
     * malformed lines: the configured values stay */
    terminal_info_record configured = full_record();
    static const char *const module_bad[][2] = {{"+CGSN", "garbage"}, {"+CSQ", "+CSQ: 77,0"}};
    script bad = {module_bad, 2, 0};
    ipa_terminal_info_source both = {.at_command = scripted, .userdata = &bad,
                                     .configured = &configured};
    assert_int_equal(ipa_terminal_info_collect(&both, EID, 1764590500, &r), AW_OK);
    assert_string_equal(r.imei, configured.imei);
    assert_int_equal(r.rssi, configured.rssi);
    assert_int_equal(r.time, 1764590500);
    assert_int_equal(r.location.kind, TERMINAL_INFO_LOCATION_GNSS);
    ipa_terminal_info_source flags = {.configured = &configured};
    assert_int_equal(ipa_terminal_info_collect(&flags, EID, 1764590500, &r), AW_OK);
    assert_string_equal(r.firmware, configured.firmware);
    assert_int_equal(r.location.time, configured.location.time);
    configured.location.time = 0; /* a fixed position: as of each report */
    assert_int_equal(ipa_terminal_info_collect(&flags, EID, 1764590600, &r), AW_OK);
    assert_int_equal(r.location.time, 1764590600);
    /* a malformed EID, a configured value out of bounds */
    assert_int_equal(ipa_terminal_info_collect(&flags, "1234", 1, &r), AW_ERR_TERMINAL_INFO);
    configured.rsrp = 120;
    assert_int_equal(ipa_terminal_info_collect(&flags, EID, 1, &r), AW_ERR_TERMINAL_INFO);
    assert_int_equal(ipa_terminal_info_collect(NULL, EID, 1, &r), AW_ERR_ARGUMENT);
}

static void test_seal(void **state)
{
    (void)state;
    for (int suite = CRYPTO_SUITE_INTERNATIONAL; suite <= CRYPTO_SUITE_DOMESTIC; suite++) {
        crypto_envelope_key *platform = NULL;
        crypto_suite_key *device = NULL;
        assert_int_equal(crypto_envelope_key_generate((crypto_suite)suite, &platform), AW_OK);
        assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &device), AW_OK);
        char *pem = NULL;
        size_t pem_len = 0;
        crypto_suite_key *loaded = NULL;
        assert_int_equal(crypto_suite_key_export_private_pem(device, &pem, &pem_len), AW_OK);
        assert_int_equal(ipa_terminal_info_load_device_key(pem, pem_len, &loaded), AW_OK);
        crypto_suite_pem_free(pem, pem_len);
        terminal_info_record r = full_record();
        uint8_t *envelope = NULL;
        size_t len = 0;
        assert_int_equal(ipa_terminal_info_seal(&r, platform, 3, loaded, &envelope, &len), AW_OK);
        assert_null(memmem(envelope, len, r.imei, strlen(r.imei)));
        crypto_envelope_header h;
        uint8_t *payload = NULL;
        size_t payload_len = 0;
        assert_int_equal(crypto_envelope_open(platform, 3, device, envelope, len, &h, &payload,
                                              &payload_len),
                         AW_OK);
        assert_int_equal(h.time, r.time);
        assert_int_equal(h.eid[0], 0x89);
        terminal_info_record back;
        assert_int_equal(terminal_info_parse(payload, payload_len, &back), AW_OK);
        assert_string_equal(back.imei, r.imei);
        crypto_envelope_payload_free(payload, payload_len);
        free(envelope);
        r.eid[0] = 'x';
        assert_int_equal(ipa_terminal_info_seal(&r, platform, 3, loaded, &envelope, &len),
                         AW_ERR_TERMINAL_INFO);
        assert_null(envelope);
        crypto_suite_key_free(loaded);
        crypto_suite_key_free(device);
        crypto_envelope_key_free(platform);
    }
    crypto_suite_key *none = NULL;
    assert_int_equal(ipa_terminal_info_load_device_key("not a key", 9, &none), AW_ERR_SUITE_KEY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_round_trip), cmocka_unit_test(test_record_encode_refusals),
        cmocka_unit_test(test_record_parse_refusals), cmocka_unit_test(test_at_identity),
        cmocka_unit_test(test_at_signal), cmocka_unit_test(test_at_location),
        cmocka_unit_test(test_collect), cmocka_unit_test(test_seal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
