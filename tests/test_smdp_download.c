/* End to end SGP.22 3.1.3 Profile Download and Installation through the
 * SM-DP+ daemon component (src/smdp/smdp.h): a fresh PKI written as
 * airwrite-pki would, an SQLite inventory with one imported subscriber and
 * a released ES2+ order (5.3.1, 5.3.2), the ES9+ HTTPS server on an event
 * loop thread, and the minimal test LPA (smdp_lpa_testutil.h) that drives
 * the software eUICC with STORE DATA APDUs (ES10b, 5.7) and the SM-DP+ over
 * HTTPS with the JSON binding (6.5.2): InitiateAuthentication, AuthenticateClient,
 * GetBoundProfilePackage, LoadBoundProfilePackage segment by segment and
 * HandleNotification. Both curves (NIST P-256 and brainpoolP256r1); an
 * order with a Confirmation Code (a wrong one refused and counted first), a
 * matchingId the SM-DP+ refuses, Cancel Session (3.5), the GSMA TS.48 test
 * profiles as templates (skipped without $AW_SHARED_SPEC/ts48-upp) and the
 * server's configuration errors. */
#include "smdp_lpa_testutil.h"

#include <event2/thread.h>

#include "core/sgp22_profile_info.h"

#define E2E_TYPE "iot-basic"
#define E2E_ICCID "8944000000000123456"
#define E2E_IMSI "234150999999999"
#define E2E_KI "5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A"
#define E2E_OPC "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5"
#define E2E_MATCHING_ID "E2E-MATCH-0001"

/* ---- setup: inventory and order ---------------------------------------- */

/* The built template as profile type, one imported subscriber and its
 * order confirmed with a matchingId (and confirmation_code) and released. */
static void e2e_fill_inventory(lpa_smdp *x, const char *confirmation_code)
{
    db_connection *db = NULL;
    smdp_key_ring *ring = NULL;
    size_t template_len = 0;
    lpa_inventory_open(x, &db, &ring);
    uint8_t *template_package = lpa_built_template(&template_len);
    lpa_add_profile_type(db, E2E_TYPE, template_package, template_len);
    static const char csv[] = "iccid,imsi,ki,opc\n" E2E_ICCID "," E2E_IMSI "," E2E_KI "," E2E_OPC
                              "\n";
    lpa_import_csv(db, ring, E2E_TYPE, csv, strlen(csv));
    lpa_release_order(db, E2E_ICCID, E2E_MATCHING_ID, confirmation_code);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, E2E_ICCID, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_RELEASED);
    free(template_package);
    smdp_key_ring_free(ring);
    db_close(db);
}

/* Temporary directory with the PKI files and the filled inventory. */
static void e2e_prepare(lpa_smdp *x, aw_pki_curve curve, const char *confirmation_code)
{
    lpa_prepare(x, "/tmp/aw-smdpd-XXXXXX", curve);
    e2e_fill_inventory(x, confirmation_code);
}

static void e2e_open(lpa_smdp *x, aw_pki_curve curve, const char *confirmation_code)
{
    e2e_prepare(x, curve, confirmation_code);
    lpa_open(x);
}

/* GetBoundProfilePackage with confirmation_code (NULL: none): the BPP, or
 * NULL when the order's code is another (8.2.7 / 3.8, SGP.22 5.6.2). */
static uint8_t *e2e_get_bpp(lpa_smdp *x, json_t *auth, const char *transaction_id,
                            const char *order_code, const char *confirmation_code,
                            size_t *bpp_len)
{
    json_t *reply = lpa_prepare_download(&x->device, auth, transaction_id, confirmation_code);
    uint8_t *bpp = NULL;
    if (confirmation_code != NULL && order_code != NULL &&
        strcmp(confirmation_code, order_code) != 0) {
        lpa_expect_status(reply, "8.2.7", "3.8");
    } else {
        lpa_expect_status(reply, NULL, NULL);
        bpp = lpa_unbase64(reply, "boundProfilePackage", bpp_len);
    }
    json_decref(reply);
    return bpp;
}

/* ---- the assertions on the eUICC and the inventory --------------------- */

/* One imported subscriber as the test knows it. */
typedef struct e2e_subscriber {
    const char *iccid;
    const char *imsi;
    const char *ki;  /* hex */
    const char *opc; /* hex */
} e2e_subscriber;

static const e2e_subscriber e2e_default = {E2E_ICCID, E2E_IMSI, E2E_KI, E2E_OPC};

/* The eUICC holds exactly one profile, s's, disabled, and its stored
 * package carries s's ICCID, IMSI, Ki and OPc (Milenage, the import's
 * default algorithm). */
static void e2e_check_euicc(lpa_smdp *x, const e2e_subscriber *s)
{
    size_t n;
    uint8_t *r = te_call(&x->device.t, "BF2D00", &n); /* ES10c.GetProfilesInfo */
    sgp22_profile_info_list_response list;
    assert_int_equal(sgp22_decode_profile_info_list_response(r, n, &list), AW_OK);
    assert_int_equal(list.profile_info_list_ok.count, 1);
    sgp22_list_iter it;
    sgp22_profile_info info;
    sgp22_list_iter_init(&it, list.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(s->iccid, iccid);
    assert_int_equal(info.iccid.len, EUICC_ICCID_SIZE);
    assert_memory_equal(info.iccid.ptr, iccid, EUICC_ICCID_SIZE);
    assert_int_equal(info.profile_state, SGP22_PROFILE_STATE_DISABLED);
    free(r);

    /* the stored package carries the imported subscriber's values */
    euicc_state *st = x->device.t.card->state;
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(euicc_state_open_package(st, &st->profiles[0], &package, &package_len),
                     AW_OK);
    saip_profile *parsed = NULL;
    saip_aka aka;
    char text[SAIP_IMSI_TEXT > SAIP_ICCID_TEXT ? SAIP_IMSI_TEXT : SAIP_ICCID_TEXT];
    assert_int_equal(saip_profile_parse(package, package_len, &parsed), AW_OK);
    assert_int_equal(saip_get_imsi(parsed, text), AW_OK);
    assert_string_equal(text, s->imsi);
    assert_int_equal(saip_get_iccid(parsed, text), AW_OK);
    assert_string_equal(text, s->iccid);
    assert_int_equal(saip_get_aka(parsed, &aka), AW_OK);
    uint8_t *ki = test_hex(s->ki, &n), *opc = test_hex(s->opc, &n);
    assert_int_equal(aka.algorithm, SAIP_ALGORITHM_MILENAGE);
    assert_int_equal(aka.key_len, 16);
    assert_memory_equal(aka.key, ki, 16);
    assert_int_equal(aka.opc_len, 16);
    assert_memory_equal(aka.opc, opc, 16);
    free(ki);
    free(opc);
    saip_aka_cleanse(&aka);
    saip_profile_free(parsed);
    der_bytes_free(package, package_len);
}

static void e2e_inventory_profile(lpa_smdp *x, const char *iccid, smdp_profile_info *info)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, iccid, info), AW_OK);
    db_close(db);
}

/* ---- the scenarios ------------------------------------------------------ */

static void e2e_download(aw_pki_curve curve, const char *confirmation_code)
{
    lpa_smdp x;
    char transaction_id[33];
    size_t bpp_len = 0, pir_len = 0;
    e2e_open(&x, curve, confirmation_code);

    /* a matchingId the SM-DP+ does not know: 8.2.6 / 3.8 (SGP.22 5.6.3) */
    json_t *auth = lpa_authenticate(&x.device, "E2E-UNKNOWN", transaction_id);
    lpa_expect_status(auth, "8.2.6", "3.8");
    json_decref(auth);

    if (confirmation_code != NULL) {
        /* a wrong Confirmation Code is refused and counted */
        auth = lpa_authenticate(&x.device, E2E_MATCHING_ID, transaction_id);
        lpa_expect_status(auth, NULL, NULL);
        assert_null(e2e_get_bpp(&x, auth, transaction_id, confirmation_code, "0000", &bpp_len));
        json_decref(auth);
    }
    auth = lpa_authenticate(&x.device, E2E_MATCHING_ID, transaction_id);
    lpa_expect_status(auth, NULL, NULL);
    uint8_t *bpp = e2e_get_bpp(&x, auth, transaction_id, confirmation_code, confirmation_code,
                               &bpp_len);
    assert_non_null(bpp);
    json_decref(auth);
    uint8_t *pir = lpa_load_bpp(&x.device, bpp, bpp_len, &pir_len);
    lpa_handle_notification(&x.device, pir, pir_len);

    e2e_check_euicc(&x, &e2e_default);
    lpa_halt(&x);
    smdp_profile_info info;
    e2e_inventory_profile(&x, E2E_ICCID, &info);
    assert_int_equal(info.state, SMDP_STATE_INSTALLED);
    assert_int_equal(info.confirmation_code_attempts, confirmation_code != NULL ? 1 : 0);

    free(pir);
    free(bpp);
    lpa_close(&x);
}

static void test_download_p256(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_NIST_P256, NULL);
}

static void test_download_brainpool(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_BRAINPOOL_P256R1, NULL);
}

/* An order with a Confirmation Code: the LPA's hashCc must match the one
 * the SM-DP+ derives from the stored SHA-256(CC) (SGP.22 3.1.3.1). */
static void test_download_confirmation_code(void **state)
{
    (void)state;
    e2e_download(AW_PKI_CURVE_NIST_P256, "7342");
}

/* SGP.22 3.5 Cancel Session after AuthenticateClient: ES10b.CancelSession
 * (5.7.14) on the eUICC, its signed response to ES9+.CancelSession (5.6.5);
 * endUserRejection terminates the order. */
static void test_cancel_session(void **state)
{
    (void)state;
    lpa_smdp x;
    char transaction_id[33];
    uint8_t tid[16];
    size_t tid_len = 0, response_len = 0;
    e2e_open(&x, AW_PKI_CURVE_BRAINPOOL_P256R1, NULL);
    json_t *auth = lpa_authenticate(&x.device, E2E_MATCHING_ID, transaction_id);
    lpa_expect_status(auth, NULL, NULL);
    json_decref(auth);
    assert_int_equal(aw_hex_decode(transaction_id, tid, sizeof(tid), &tid_len), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, tid, tid_len);
    der_put_int64(&b, 0x81, 0); /* endUserRejection */
    der_builder_end(&b);
    uint8_t *command = NULL;
    size_t command_len = 0;
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = lpa_es10(&x.device, command, command_len, &response_len);
    char *response64 = lpa_base64(response, response_len);
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"cancelSessionResponse\":\"%s\"}",
            transaction_id, response64);
    json_t *reply = lpa_post(&x.device, LPA_CANCEL_SESSION, request, 200);
    lpa_expect_status(reply, NULL, NULL);
    json_decref(reply);
    /* the session is gone: a second cancel names an unknown transaction */
    reply = lpa_post(&x.device, LPA_CANCEL_SESSION, request, 200);
    lpa_expect_status(reply, "8.10.1", "3.9");
    json_decref(reply);
    lpa_halt(&x);
    smdp_profile_info info;
    e2e_inventory_profile(&x, E2E_ICCID, &info);
    assert_int_equal(info.state, SMDP_STATE_ERROR);
    free(request);
    free(response64);
    free(response);
    free(command);
    lpa_close(&x);
}

/* ---- TS.48 test profiles as templates ----------------------------------- */

/* The GSMA TS.48 generic test profiles, read in place from
 * $AW_SHARED_SPEC/ts48-upp and never copied into the project; the SAIP
 * personalisation supports all four (tests/test_saip_ts48.c). */
static const char *const e2e_ts48_files[] = {
    "TS48V1-A-UNIQUE.der",
    "TS48V2-SAIP2-1-BERTLV-UNIQUE.der",
    "TS48V4-SAIP2-3-BERTLV-UNIQUE.der",
    "TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der",
};
#define E2E_TS48_COUNT (sizeof(e2e_ts48_files) / sizeof(e2e_ts48_files[0]))

/* One subscriber per template, none with a template's own values. */
static const e2e_subscriber e2e_ts48_subscribers[E2E_TS48_COUNT] = {
    {"8944000000000770017", "234150770000001", "000102030405060708090A0B0C0D0E01",
     "F0E0D0C0B0A0908070605040302010F1"},
    {"8944000000000770025", "234150770000002", "000102030405060708090A0B0C0D0E02",
     "F0E0D0C0B0A0908070605040302010F2"},
    {"8944000000000770033", "234150770000003", "000102030405060708090A0B0C0D0E03",
     "F0E0D0C0B0A0908070605040302010F3"},
    {"8944000000000770041", "234150770000004", "000102030405060708090A0B0C0D0E04",
     "F0E0D0C0B0A0908070605040302010F4"},
};

/* Read the TS.48 profiles present; the count read. */
static size_t e2e_ts48_read(uint8_t *templates[E2E_TS48_COUNT], size_t lens[E2E_TS48_COUNT])
{
    const char *dir = test_spec_dir();
    size_t present = 0;
    for (size_t i = 0; i < E2E_TS48_COUNT; i++) {
        char path[4200];
        templates[i] = NULL;
        lens[i] = 0;
        if (dir == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/ts48-upp/%s", dir, e2e_ts48_files[i]);
        templates[i] = test_read_file(path, &lens[i]);
        if (templates[i] != NULL)
            present++;
        else
            printf("note: %s is absent, its download is not run\n", path);
    }
    return present;
}

/* Each TS.48 profile present becomes a profile type; one subscriber of
 * each is imported, ordered, released, downloaded over HTTPS into the
 * eUICC, checked there (ICCID reported, IMSI and Ki/OPc stored as
 * imported) and deleted before the next. */
static void e2e_ts48(aw_pki_curve curve)
{
    uint8_t *templates[E2E_TS48_COUNT];
    size_t lens[E2E_TS48_COUNT];
    if (e2e_ts48_read(templates, lens) == 0) {
        printf("skip: no TS.48 profile under $AW_SHARED_SPEC/ts48-upp (third-party data, "
               "read in place; AW_SHARED_SPEC=%s)\n",
               getenv("AW_SHARED_SPEC") != NULL ? getenv("AW_SHARED_SPEC") : "unset");
        skip();
    }
    lpa_smdp x;
    db_connection *db = NULL;
    smdp_key_ring *ring = NULL;
    lpa_prepare(&x, "/tmp/aw-smdpd-XXXXXX", curve);
    lpa_inventory_open(&x, &db, &ring);
    for (size_t i = 0; i < E2E_TS48_COUNT; i++) {
        if (templates[i] == NULL)
            continue;
        const e2e_subscriber *s = &e2e_ts48_subscribers[i];
        char type[16], csv[256], matching_id[32], text[SAIP_IMSI_TEXT];
        /* the template's own values differ from the subscriber's, so
         * only a personalised package can pass e2e_check_euicc */
        saip_profile *parsed = NULL;
        assert_int_equal(saip_profile_parse(templates[i], lens[i], &parsed), AW_OK);
        assert_int_equal(saip_get_imsi(parsed, text), AW_OK);
        assert_string_not_equal(text, s->imsi);
        saip_profile_free(parsed);
        snprintf(type, sizeof(type), "ts48-%zu", i);
        lpa_add_profile_type(db, type, templates[i], lens[i]);
        int n = snprintf(csv, sizeof(csv), "iccid,imsi,ki,opc\n%s,%s,%s,%s\n", s->iccid,
                         s->imsi, s->ki, s->opc);
        lpa_import_csv(db, ring, type, csv, (size_t)n);
        snprintf(matching_id, sizeof(matching_id), "TS48-MATCH-%zu", i);
        lpa_release_order(db, s->iccid, matching_id, NULL);
    }
    smdp_key_ring_free(ring);
    db_close(db);

    lpa_open(&x);
    for (size_t i = 0; i < E2E_TS48_COUNT; i++) {
        if (templates[i] == NULL)
            continue;
        char matching_id[32];
        snprintf(matching_id, sizeof(matching_id), "TS48-MATCH-%zu", i);
        lpa_download(&x.device, matching_id);
        e2e_check_euicc(&x, &e2e_ts48_subscribers[i]);
        lpa_delete_profile(&x.device, e2e_ts48_subscribers[i].iccid);
    }
    lpa_halt(&x);
    for (size_t i = 0; i < E2E_TS48_COUNT; i++) {
        if (templates[i] == NULL)
            continue;
        smdp_profile_info info;
        e2e_inventory_profile(&x, e2e_ts48_subscribers[i].iccid, &info);
        assert_int_equal(info.state, SMDP_STATE_INSTALLED);
        free(templates[i]);
    }
    lpa_close(&x);
}

static void test_download_ts48_p256(void **state)
{
    (void)state;
    e2e_ts48(AW_PKI_CURVE_NIST_P256);
}

static void test_download_ts48_brainpool(void **state)
{
    (void)state;
    e2e_ts48(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

/* smdp_server_new refuses what it cannot serve with, and leaves *out NULL. */
static void expect_config_error(lpa_smdp *x, struct event_base *base, const smdp_config *config,
                                aw_err want)
{
    smdp_server *server = (smdp_server *)x;
    assert_int_equal(smdp_server_new(base, config, &server), want);
    assert_null(server);
}

static void test_server_configuration_errors(void **state)
{
    (void)state;
    lpa_smdp x;
    char missing[192];
    e2e_prepare(&x, AW_PKI_CURVE_NIST_P256, NULL);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    smdp_config good = {.pki_directory = x.device.t.pki, .database_url = x.db_url,
                        .key_ring_file = x.key_file};
    smdp_config c = good;
    smdp_server *server = NULL;
    assert_int_equal(smdp_server_new(NULL, &good, &server), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_server_new(base, NULL, &server), AW_ERR_ARGUMENT);
    c.key_ring_file = NULL;
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    snprintf(missing, sizeof(missing), "%s/none", x.device.t.dir);
    c = good;
    c.pki_directory = missing;
    expect_config_error(&x, base, &c, AW_ERR_NOT_FOUND);
    c = good;
    c.key_ring_file = missing; /* the daemon never creates the storage key */
    expect_config_error(&x, base, &c, AW_ERR_NOT_FOUND);
    c = good;
    c.database_url = "nosuch://db";
    expect_config_error(&x, base, &c, AW_ERR_DB_URL);
    c = good;
    c.smdp_oid = "";
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    c = good;
    c.smdp_address = "";
    expect_config_error(&x, base, &c, AW_ERR_ARGUMENT);
    /* a port already taken */
    assert_int_equal(smdp_server_new(base, &good, &server), AW_OK);
    c = good;
    c.port = smdp_server_port(server);
    expect_config_error(&x, base, &c, AW_ERR_HTTP_BIND);
    smdp_server_stop(server);
    smdp_server_free(server);
    smdp_server_free(NULL);
    assert_int_equal(smdp_server_port(NULL), 0);
    event_base_free(base);
    te_teardown(&x.device.t);
}

int main(void)
{
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_p256),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_download_confirmation_code),
        cmocka_unit_test(test_cancel_session),
        cmocka_unit_test(test_download_ts48_p256),
        cmocka_unit_test(test_download_ts48_brainpool),
        cmocka_unit_test(test_server_configuration_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
