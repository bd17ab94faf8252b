/* Tests of the platform's encrypted terminal information
 * (platform/platform_terminal_info.h, docs/terminal-info.md): envelopes of
 * both suites taken (204), stored sealed (no IMEI or coordinate in clear in
 * the database file), opened back, the fix handed to location-bound writing;
 * every refusal with its code: T3201 no or EID-less certificate, T3202 not
 * an envelope, T3203 another EID, T3204 another signer or a changed byte,
 * T3205 an unknown key id, T3206 sealed to another key or changed and
 * signed again, T3207 a malformed record, T3208 stale or future, T3209
 * replayed. */
#include "platform_testutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/crypto_envelope.h"
#include "ipa/terminal_info.h"
#include "platform/location_policy.h"
#include "platform/platform_inventory.h"
#include "platform/platform_terminal_info.h"

/* valid EIDs (SGP.29 check digits), made once in main */
static char EID[PLATFORM_EID_DIGITS + 1];
static char OTHER_EID[PLATFORM_EID_DIGITS + 1];
#define TENANT "tenant-a"
#define NOW 1796106000
#define IMEI "356938035643809"

typedef struct device {
    X509 *cert;
    crypto_suite_key *key;
    uint8_t *der;
    size_t der_len;
} device;

/* A certificate for the device key (self-signed: the TLS layer verifies
 * the chain; the handler reads subject and key), serialNumber = eid. */
static device device_make(crypto_suite suite, const char *eid)
{
    device d = {.cert = X509_new()};
    assert_int_equal(crypto_suite_key_generate(suite, &d.key), AW_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    assert_int_equal(crypto_suite_key_export_private_pem(d.key, &pem, &pem_len), AW_OK);
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(pkey);
    BIO_free(bio);
    crypto_suite_pem_free(pem, pem_len);
    ASN1_INTEGER_set(X509_get_serialNumber(d.cert), 7);
    X509_set_version(d.cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(d.cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(d.cert), 86400);
    X509_set_pubkey(d.cert, pkey);
    X509_NAME *name = X509_get_subject_name(d.cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"device", -1,
                               -1, 0);
    if (eid != NULL)
        X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                   (const unsigned char *)eid, -1, -1, 0);
    X509_set_issuer_name(d.cert, name);
    assert_true(X509_sign(d.cert, pkey, suite == CRYPTO_SUITE_DOMESTIC ? EVP_sm3() : EVP_sha256()) > 0);
    EVP_PKEY_free(pkey);
    int len = i2d_X509(d.cert, NULL);
    d.der = malloc((size_t)len);
    uint8_t *p = d.der;
    assert_int_equal(i2d_X509(d.cert, &p), len);
    d.der_len = (size_t)len;
    return d;
}

static void device_free(device *d)
{
    X509_free(d->cert);
    crypto_suite_key_free(d->key);
    free(d->der);
}

typedef struct fixture {
    platform_test_db tdb;
    db_connection *db;
    platform_key_ring *ring;
    crypto_envelope_key *p256, *sm2;
    platform_terminal_info_config config;
    device dev;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    platform_test_db_make(&f->tdb, NULL);
    f->db = platform_test_db_open(&f->tdb);
    assert_int_equal(platform_terminal_info_migrate(f->db), AW_OK); /* again: idempotent */
    assert_int_equal(platform_card_ensure(f->db, TENANT, EID, "test", 1000, NULL), AW_OK);
    f->ring = platform_test_ring(1);
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_INTERNATIONAL, &f->p256), AW_OK);
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_DOMESTIC, &f->sm2), AW_OK);
    f->config = (platform_terminal_info_config){
        .key_count = 2, .keys = {{1, f->p256}, {2, f->sm2}}, .storage = f->ring};
    f->dev = device_make(CRYPTO_SUITE_INTERNATIONAL, EID);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    device_free(&f->dev);
    crypto_envelope_key_free(f->p256);
    crypto_envelope_key_free(f->sm2);
    platform_key_ring_free(f->ring);
    db_close(f->db);
    platform_test_db_remove(&f->tdb);
    free(f);
    return 0;
}

static terminal_info_record record_at(const char *eid, int64_t time)
{
    terminal_info_record r;
    terminal_info_record_init(&r, eid, time);
    memcpy(r.imei, IMEI, sizeof(IMEI));
    memcpy(r.firmware, "EC25EFAR06A06M4G", 17);
    r.rssi = 20;
    r.ber = 99;
    r.location = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_GNSS,
                                          .has_position = true, .latitude = 31.2304,
                                          .longitude = 121.4737, .accuracy_m = 6,
                                          .time = time - 5};
    return r;
}

static uint8_t *seal(const crypto_envelope_key *to, uint32_t key_id, const crypto_suite_key *by,
                     const char *eid, int64_t time, size_t *len)
{
    terminal_info_record r = record_at(eid, time);
    uint8_t *envelope = NULL;
    assert_int_equal(ipa_terminal_info_seal(&r, to, key_id, by, &envelope, len), AW_OK);
    return envelope;
}

/* The handler's answer: status, and the code of the body ("" for 204). */
static int post(fixture *f, const device *d, const uint8_t *body, size_t len, char code[8])
{
    int status = 0;
    char *answer = NULL;
    aw_slice cert = d != NULL ? (aw_slice){d->der, d->der_len} : (aw_slice){NULL, 0};
    assert_int_equal(platform_terminal_info_handle(f->db, &f->config, cert, body, len, NOW,
                                                   &status, &answer),
                     AW_OK);
    code[0] = '\0';
    if (answer != NULL) {
        const char *at = strstr(answer, "\"code\":\"");
        assert_non_null(at);
        memcpy(code, at + 8, 5);
        code[5] = '\0';
    } else {
        assert_int_equal(status, 204);
    }
    free(answer);
    return status;
}

static void test_taken_and_sealed(void **state)
{
    fixture *f = *state;
    char code[8];
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        uint8_t *envelope = seal(i == 0 ? f->p256 : f->sm2, i == 0 ? 1 : 2, f->dev.key, EID,
                                 NOW - i, &len);
        assert_int_equal(post(f, &f->dev, envelope, len, code), 204);
        free(envelope);
    }
    platform_terminal_info_stored stored[4];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID, 4, stored, &count),
                     AW_OK);
    assert_int_equal(count, 2);
    assert_int_equal(stored[0].suite, CRYPTO_SUITE_DOMESTIC); /* newest first */
    assert_int_equal(stored[0].platform_key_id, 2);
    assert_int_equal(stored[1].suite, CRYPTO_SUITE_INTERNATIONAL);
    assert_string_equal(stored[0].record.imei, IMEI);
    assert_int_equal(stored[0].received_at, NOW);
    /* the fix went to location-bound writing */
    location_fixes fixes;
    assert_int_equal(platform_location_fixes_read(f->db, EID, &fixes), AW_OK);
    assert_true(fixes.has_latest);
    assert_int_equal(fixes.latest.kind, PLATFORM_LOCATION_GNSS);
    assert_true(fixes.latest.latitude > 31.23 && fixes.latest.latitude < 31.231);
    /* the table holds no IMEI or firmware in clear: neither the rows nor
     * the database file (sealed column; checkpointed WAL) */
    db_rows *rows = NULL;
    bool has_row = false;
    assert_int_equal(db_query(f->db, "SELECT sealed, eid, suite FROM platform_terminal_info", NULL,
                              0, &rows),
                     AW_OK);
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        const uint8_t *sealed = NULL;
        size_t sealed_len = 0;
        assert_int_equal(db_rows_get_blob(rows, 0, &sealed, &sealed_len), AW_OK);
        assert_null(memmem(sealed, sealed_len, IMEI, strlen(IMEI)));
        assert_null(memmem(sealed, sealed_len, "EC25EF", 6));
    }
    db_rows_free(rows);
    db_close(f->db);
    f->db = NULL;
    size_t file_len = 0;
    uint8_t *file = test_read_file(f->tdb.sqlite_path, &file_len);
    assert_non_null(file);
    assert_null(memmem(file, file_len, IMEI, strlen(IMEI)));
    assert_null(memmem(file, file_len, "EC25EF", 6));
    free(file);
    f->db = platform_test_db_open(&f->tdb);
    /* a key ring without the storage key cannot open them */
    platform_key_ring *other = platform_test_ring(2);
    assert_int_equal(platform_terminal_info_latest(f->db, other, EID, 4, stored, &count),
                     AW_ERR_KEY_RING_KEY_UNKNOWN);
    platform_key_ring_free(other);
}

static void test_certificate_refusals(void **state)
{
    fixture *f = *state;
    char code[8];
    size_t len = 0;
    uint8_t *envelope = seal(f->p256, 1, f->dev.key, EID, NOW, &len);
    assert_int_equal(post(f, NULL, envelope, len, code), 403);
    assert_string_equal(code, "T3201");
    device no_eid = device_make(CRYPTO_SUITE_INTERNATIONAL, NULL);
    assert_int_equal(post(f, &no_eid, envelope, len, code), 403);
    assert_string_equal(code, "T3201");
    device_free(&no_eid);
    /* the other EID's certificate, with the device's own key: still refused */
    device other = device_make(CRYPTO_SUITE_INTERNATIONAL, OTHER_EID);
    assert_int_equal(post(f, &other, envelope, len, code), 403);
    assert_string_equal(code, "T3203");
    /* right EID, signed by a key that is not the certificate's */
    device impostor = device_make(CRYPTO_SUITE_INTERNATIONAL, EID);
    assert_int_equal(post(f, &impostor, envelope, len, code), 403);
    assert_string_equal(code, "T3204");
    device_free(&impostor);
    device_free(&other);
    /* a domestic (SM2) device certificate signs with SM2 */
    device sm2_device = device_make(CRYPTO_SUITE_DOMESTIC, EID);
    free(envelope);
    envelope = seal(f->sm2, 2, sm2_device.key, EID, NOW, &len);
    assert_int_equal(post(f, &sm2_device, envelope, len, code), 204);
    device_free(&sm2_device);
    free(envelope);
}

static void test_envelope_refusals(void **state)
{
    fixture *f = *state;
    char code[8];
    static const uint8_t junk[] = "not an envelope";
    assert_int_equal(post(f, &f->dev, junk, sizeof(junk), code), 400);
    assert_string_equal(code, "T3202");
    size_t len = 0;
    uint8_t *envelope = seal(f->p256, 1, f->dev.key, EID, NOW, &len);
    /* a changed ciphertext byte: the signature fails */
    envelope[60] ^= 1;
    assert_int_equal(post(f, &f->dev, envelope, len, code), 403);
    assert_string_equal(code, "T3204");
    /* changed and signed again by the device: does not decrypt */
    crypto_envelope_view view;
    assert_int_equal(crypto_envelope_parse(envelope, len, &view), AW_OK);
    size_t sig_len = 0;
    assert_int_equal(crypto_suite_sign(f->dev.key, envelope, view.signed_len,
                                       envelope + view.signed_len + 1,
                                       CRYPTO_SUITE_SIGNATURE_MAX, &sig_len),
                     AW_OK);
    envelope[view.signed_len] = (uint8_t)sig_len;
    len = view.signed_len + 1 + sig_len;
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3206");
    free(envelope);
    /* sealed to the platform's key id but another key (a wrong public key
     * configured in the device) */
    crypto_envelope_key *stranger = NULL;
    assert_int_equal(crypto_envelope_key_generate(CRYPTO_SUITE_INTERNATIONAL, &stranger), AW_OK);
    envelope = seal(stranger, 1, f->dev.key, EID, NOW, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3206");
    free(envelope);
    /* a key id the platform does not hold; a suite its key id does not have */
    envelope = seal(stranger, 9, f->dev.key, EID, NOW, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3205");
    free(envelope);
    envelope = seal(f->sm2, 1, f->dev.key, EID, NOW, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3205");
    free(envelope);
    crypto_envelope_key_free(stranger);
    /* a payload that is not a record; a record of another EID or time */
    crypto_envelope_header h = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO, .time = NOW};
    size_t eid_len = 0;
    assert_int_equal(aw_hex_decode(EID, h.eid, sizeof(h.eid), &eid_len), AW_OK);
    static const char not_record[] = "{\"version\":1}";
    assert_int_equal(crypto_envelope_seal(f->p256, 1, f->dev.key, &h, (const uint8_t *)not_record,
                                          strlen(not_record), &envelope, &len),
                     AW_OK);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3207");
    free(envelope);
    terminal_info_record other = record_at(OTHER_EID, NOW);
    char *json = NULL;
    size_t json_len = 0;
    assert_int_equal(terminal_info_encode(&other, &json, &json_len), AW_OK);
    assert_int_equal(crypto_envelope_seal(f->p256, 1, f->dev.key, &h, (const uint8_t *)json,
                                          json_len, &envelope, &len),
                     AW_OK);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 400);
    assert_string_equal(code, "T3207");
    free(envelope);
    free(json);
    /* nothing of it was stored */
    platform_terminal_info_stored stored[1];
    size_t count = 1;
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID, 1, stored, &count), AW_OK);
    assert_int_equal(count, 0);
}

static void test_freshness_and_replay(void **state)
{
    fixture *f = *state;
    char code[8];
    size_t len = 0;
    uint8_t *envelope = seal(f->p256, 1, f->dev.key, EID, NOW - 301, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 409);
    assert_string_equal(code, "T3208");
    free(envelope);
    envelope = seal(f->p256, 1, f->dev.key, EID, NOW + 301, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 409);
    assert_string_equal(code, "T3208");
    free(envelope);
    /* within the window: taken once, then a replay */
    envelope = seal(f->sm2, 2, f->dev.key, EID, NOW - 300, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 204);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 409);
    assert_string_equal(code, "T3209");
    free(envelope);
    /* a configured window */
    f->config.freshness_s = 10;
    envelope = seal(f->p256, 1, f->dev.key, EID, NOW - 11, &len);
    assert_int_equal(post(f, &f->dev, envelope, len, code), 409);
    assert_string_equal(code, "T3208");
    free(envelope);
    platform_terminal_info_stored stored[4];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID, 4, stored, &count), AW_OK);
    assert_int_equal(count, 1);
}

/* The records re-sealed under a newer storage key (key_ring_table_rotate
 * with the table's description) still open, now under the new key. */
static void test_key_rotation(void **state)
{
    fixture *f = *state;
    char code[8];
    for (int i = 0; i < 3; i++) {
        size_t len = 0;
        uint8_t *envelope = seal(f->p256, 1, f->dev.key, EID, NOW - i, &len);
        assert_int_equal(post(f, &f->dev, envelope, len, code), 204);
        free(envelope);
    }
    const key_ring_table *table = platform_terminal_info_sealed_table();
    int64_t stale = -1;
    assert_int_equal(key_ring_table_count_stale(f->db, f->ring, table, &stale), AW_OK);
    assert_int_equal(stale, 0);
    uint8_t key2[KEY_RING_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key2, sizeof(key2)), AW_OK);
    assert_int_equal(key_ring_add(f->ring, 2, key2), AW_OK);
    assert_int_equal(key_ring_table_count_stale(f->db, f->ring, table, &stale), AW_OK);
    assert_int_equal(stale, 3);
    key_ring_rotation stats = {0};
    assert_int_equal(key_ring_table_rotate(f->db, f->ring, table, 2, 0, NOW * 1000LL, NULL, NULL,
                                           &stats),
                     AW_OK);
    assert_int_equal(stats.rotated, 3);
    assert_int_equal(key_ring_table_count_stale(f->db, f->ring, table, &stale), AW_OK);
    assert_int_equal(stale, 0);
    platform_terminal_info_stored stored[3];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID, 3, stored, &count), AW_OK);
    assert_int_equal(count, 3);
    assert_string_equal(stored[2].record.imei, IMEI);
    /* a ring with only the new key opens them */
    platform_key_ring *only_new = NULL;
    assert_int_equal(platform_key_ring_new(&only_new), AW_OK);
    assert_int_equal(key_ring_add(only_new, 2, key2), AW_OK);
    assert_int_equal(platform_terminal_info_latest(f->db, only_new, EID, 3, stored, &count),
                     AW_OK);
    assert_int_equal(count, 3);
    platform_key_ring_free(only_new);
    /* a record moved to another row does not open (bound to its row key) */
    assert_int_equal(db_execute(f->db,
                                "UPDATE platform_terminal_info SET sealed = (SELECT sealed FROM "
                                "platform_terminal_info ORDER BY id LIMIT 1) WHERE id = (SELECT "
                                "MAX(id) FROM platform_terminal_info)",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID, 3, stored, &count),
                     AW_ERR_KEY_RING_AUTHENTICATION);
}

/* Every answer the tests provoke is a row of docs/api-errors.md and of
 * docs/terminal-info.md with its status. */
static void test_codes_documented(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        int status;
    } codes[] = {{"T3201", 403}, {"T3202", 400}, {"T3203", 403}, {"T3204", 403}, {"T3205", 400},
                 {"T3206", 400}, {"T3207", 400}, {"T3208", 409}, {"T3209", 409}};
    char *errors = platform_test_source_file("docs/api-errors.md");
    char *design = platform_test_source_file("docs/terminal-info.md");
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char row[64];
        snprintf(row, sizeof(row), "| `%s` | %d |", codes[i].code, codes[i].status);
        assert_non_null(strstr(errors, row));
        snprintf(row, sizeof(row), "| %d | `%s` |", codes[i].status, codes[i].code);
        assert_non_null(strstr(design, row));
    }
    free(errors);
    free(design);
}

static void test_arguments(void **state)
{
    fixture *f = *state;
    int status = 0;
    char *answer = NULL;
    assert_int_equal(platform_terminal_info_handle(NULL, &f->config, (aw_slice){NULL, 0}, NULL, 0,
                                                   NOW, &status, &answer),
                     AW_ERR_ARGUMENT);
    platform_terminal_info_stored stored[1];
    size_t count = 0;
    assert_int_equal(platform_terminal_info_latest(f->db, f->ring, EID,
                                                   PLATFORM_TERMINAL_INFO_LIST_MAX + 1, stored,
                                                   &count),
                     AW_ERR_ARGUMENT);
}

int main(void)
{
    platform_test_eid(1, EID);
    platform_test_eid(2, OTHER_EID);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_taken_and_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certificate_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_envelope_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freshness_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
        cmocka_unit_test(test_codes_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
