/* eim_package_enqueue_once (src/eim/package_once.c): an eUICC Package
 * (SGP.32 2.11.1.1) queued once per (EID, caller reference). The first call
 * signs and queues (the eimSignature verifies, the counterValue is the
 * eUICC's next); a repeat, also after the package was handed out or when
 * the eUICC's signing key is gone, returns the same package id and
 * counterValue and queues, signs and spends nothing; another reference
 * queues another package; references are per EID; packages without a
 * reference (eim_package_enqueue) are unaffected. Every refusal: bad
 * references and arguments (AW_ERR_ARGUMENT), unknown eUICC, bad PSMO,
 * missing signing key, exhausted counter, none of which uses up the
 * reference. Two workers racing: the second, blocked while the first's
 * transaction is open, returns the first's package (on PostgreSQL through
 * the unique index refusing its row). On SQLite and, under
 * tests/pg-harness.sh, PostgreSQL:
 *   test_eim_package_once sqlite|postgresql */
#include "eim_testutil.h"

#include <pthread.h>
#include <time.h>

#include "core/crypto.h"
#include "core/sgp32_package.h"

#define ICCID "8944500000000000014"

static eim_key_ring *keys;
static crypto_key *public_key; /* the signing key's public half, to verify */
static db_connection *db;
static char eid1[EIM_EID_DIGITS + 1], eid2[EIM_EID_DIGITS + 1];
static const eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID};

static int setup(void **state)
{
    (void)state;
    crypto_key *key = NULL;
    uint8_t point[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    assert_int_equal(crypto_key_export_point(key, point), AW_OK);
    assert_int_equal(
        crypto_key_from_point(CRYPTO_CURVE_NIST_P256, point, sizeof(point), &public_key), AW_OK);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", key), AW_OK);
    db = eim_test_db_fresh();
    eim_test_eid(1, eid1);
    eim_test_eid(2, eid2);
    eim_test_register(db, eid1, 0, -1, NULL, NULL);
    eim_test_register(db, eid2, 0, -1, NULL, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    eim_key_ring_free(keys);
    crypto_key_free(public_key);
    return 0;
}

static int64_t packages(const char *eid)
{
    int64_t n = -1;
    db_param p = DB_PARAM_TEXT(eid);
    assert_int_equal(
        db_query_int64(db, "SELECT COUNT(*) FROM eim_packages WHERE eid = ?", &p, 1, &n), AW_OK);
    return n;
}

static int64_t counter_of(const char *eid)
{
    eim_euicc e;
    assert_int_equal(eim_registry_get(db, eid, &e), AW_OK);
    int64_t value = e.counter_value;
    eim_euicc_clear(&e);
    return value;
}

/* The stored package id: its counterValue as signed, and the eimSignature
 * verified over euiccPackageSigned || 84 01 00 (no associationToken,
 * SGP.32 2.11.1.1). */
static void expect_signed(int64_t id, const char *eid, int64_t counter)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *request = NULL;
    size_t len = 0;
    db_param p[] = {DB_PARAM_INT64(id), DB_PARAM_TEXT(eid)};
    assert_int_equal(db_query(db, "SELECT request FROM eim_packages WHERE id = ? AND eid = ?", p, 2,
                              &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_blob(rows, 0, &request, &len), AW_OK);
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(sgp32_decode_euicc_package_request(request, len, r), AW_OK);
    assert_int_equal(r->euicc_package_signed.counter_value, counter);
    aw_slice tbs = r->euicc_package_signed.raw;
    uint8_t *input = malloc(tbs.len + 3);
    assert_non_null(input);
    memcpy(input, tbs.ptr, tbs.len);
    memcpy(input + tbs.len, (const uint8_t[]){0x84, 0x01, 0x00}, 3);
    assert_int_equal(r->eim_signature.len, CRYPTO_SIGNATURE_SIZE);
    assert_int_equal(
        crypto_verify_ecdsa(public_key, input, tbs.len + 3, r->eim_signature.ptr,
                            r->eim_signature.len),
        AW_OK);
    free(input);
    free(r);
    db_rows_free(rows);
}

static void test_once(void **state)
{
    (void)state;
    int64_t id = 0, counter = 0, again = 0, again_counter = 0, other = 0, other_counter = 0;
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1,
                                              "cop_000000000000000000000001", 1000, &id, &counter),
                     AW_OK);
    assert_true(id > 0);
    assert_int_equal(counter, 1);
    assert_int_equal(packages(eid1), 1);
    expect_signed(id, eid1, 1);
    /* the repeat: the same package, nothing queued, no counterValue spent
     * (another PSMO is not looked at: the reference names the package) */
    static const eim_operation disable = {.kind = EIM_OPERATION_DISABLE, .iccid = ICCID};
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &disable, 1,
                                              "cop_000000000000000000000001", 2000, &again,
                                              &again_counter),
                     AW_OK);
    assert_int_equal(again, id);
    assert_int_equal(again_counter, 1);
    assert_int_equal(packages(eid1), 1);
    assert_int_equal(counter_of(eid1), 1);
    /* also once handed out, and with no signing key left: nothing is signed */
    uint8_t *package = NULL;
    size_t len = 0;
    int64_t next = 0;
    assert_int_equal(eim_package_next(db, eid1, 3000, &package, &len, &next), AW_OK);
    assert_int_equal(next, id);
    free(package);
    db_param who = DB_PARAM_TEXT(eid1);
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET signing_key = 'gone' WHERE eid = ?", &who, 1, NULL),
        AW_OK);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1,
                                              "cop_000000000000000000000001", 4000, &again, NULL),
                     AW_OK);
    assert_int_equal(again, id);
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET signing_key = 'eim' WHERE eid = ?", &who, 1, NULL),
        AW_OK);
    /* another reference: another package, the next counterValue */
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1,
                                              "cop_000000000000000000000002", 5000, &other,
                                              &other_counter),
                     AW_OK);
    assert_true(other > id);
    assert_int_equal(other_counter, 2);
    assert_int_equal(packages(eid1), 2);
    expect_signed(other, eid1, 2);
    /* references are per EID: the first one queues anew for eid2 */
    assert_int_equal(eim_package_enqueue_once(db, keys, eid2, &enable, 1,
                                              "cop_000000000000000000000001", 6000, &other,
                                              &other_counter),
                     AW_OK);
    assert_true(other != id);
    assert_int_equal(other_counter, 1);
    assert_int_equal(packages(eid2), 1);
    /* packages without a reference: each call queues one (NULLs distinct) */
    assert_int_equal(eim_package_enqueue(db, keys, eid1, &enable, 1, 7000, NULL, NULL), AW_OK);
    assert_int_equal(eim_package_enqueue(db, keys, eid1, &enable, 1, 7000, NULL, NULL), AW_OK);
    assert_int_equal(packages(eid1), 4);
    int64_t unnamed = 0;
    assert_int_equal(db_query_int64(db,
                                    "SELECT COUNT(*) FROM eim_packages WHERE eid = ? AND "
                                    "client_reference IS NULL",
                                    &who, 1, &unnamed),
                     AW_OK);
    assert_int_equal(unnamed, 2);
    /* the reference as kept, and the longest one allowed */
    char longest[EIM_CLIENT_REFERENCE_MAX + 1];
    memset(longest, '~', EIM_CLIENT_REFERENCE_MAX);
    longest[EIM_CLIENT_REFERENCE_MAX] = '\0';
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1, longest, 8000, &other,
                                              NULL),
                     AW_OK);
    db_rows *rows = NULL;
    bool has_row = false;
    const char *kept = NULL;
    db_param p = DB_PARAM_INT64(other);
    assert_int_equal(
        db_query(db, "SELECT client_reference FROM eim_packages WHERE id = ?", &p, 1, &rows),
        AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_text(rows, 0, &kept), AW_OK);
    assert_string_equal(kept, longest);
    db_rows_free(rows);
    int64_t version = 0;
    assert_int_equal(db_schema_version(db, "eim", &version), AW_OK);
    assert_int_equal(version, 4);
}

static void test_refusals(void **state)
{
    (void)state;
    char too_long[EIM_CLIENT_REFERENCE_MAX + 2];
    memset(too_long, 'a', EIM_CLIENT_REFERENCE_MAX + 1);
    too_long[EIM_CLIENT_REFERENCE_MAX + 1] = '\0';
    const char *bad[] = {"", too_long, "cop 1", "cop\x01", "cop\x7f", "caf\xc3\xa9", "cop\t1"};
    int64_t id = -1, counter = -1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            eim_package_enqueue_once(db, keys, eid1, &enable, 1, bad[i], 1, &id, &counter),
            AW_ERR_ARGUMENT);
        assert_int_equal(id, 0);
        assert_int_equal(counter, 0);
        id = counter = -1;
    }
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1, NULL, 1, &id, &counter),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_enqueue_once(NULL, keys, eid1, &enable, 1, "r", 1, NULL, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_enqueue_once(db, NULL, eid1, &enable, 1, "r", 1, NULL, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_enqueue_once(db, keys, NULL, &enable, 1, "r", 1, NULL, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, NULL, 1, "r", 1, NULL, NULL),
                     AW_ERR_ARGUMENT);
    /* eim_package_enqueue's refusals, none of which uses up the reference */
    char unknown[EIM_EID_DIGITS + 1];
    eim_test_eid(3, unknown);
    assert_int_equal(eim_package_enqueue_once(db, keys, unknown, &enable, 1, "r", 1, &id, NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(id, 0);
    static const eim_operation bad_iccid = {.kind = EIM_OPERATION_ENABLE, .iccid = "894450"};
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &bad_iccid, 1, "r", 1, NULL, NULL),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 0, "r", 1, NULL, NULL),
                     AW_ERR_EIM_PACKAGE);
    db_param who = DB_PARAM_TEXT(eid1);
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET signing_key = 'gone' WHERE eid = ?", &who, 1, NULL),
        AW_OK);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1, "r", 1, NULL, NULL),
                     AW_ERR_EIM_SIGNING_KEY);
    assert_int_equal(db_execute(db,
                                "UPDATE eim_euiccs SET signing_key = 'eim', counter_value = ? "
                                "WHERE eid = ?",
                                (db_param[]){DB_PARAM_INT64(EIM_COUNTER_MAX), who}, 2, NULL),
                     AW_OK);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1, "r", 1, NULL, NULL),
                     AW_ERR_EIM_COUNTER_EXHAUSTED);
    assert_int_equal(packages(eid1), 0);
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET counter_value = 0 WHERE eid = ?", &who, 1, NULL),
        AW_OK);
    assert_int_equal(eim_package_enqueue_once(db, keys, eid1, &enable, 1, "r", 1, &id, &counter),
                     AW_OK);
    assert_true(id > 0);
    assert_int_equal(counter, 1);
    assert_int_equal(packages(eid1), 1);
}

/* ---- two workers ------------------------------------------------------------ */

typedef struct racer {
    db_connection *db;
    aw_err err;
    int64_t id, counter;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    r->err = eim_package_enqueue_once(r->db, keys, eid1, &enable, 1, "cop_race", db_clock_ms(),
                                      &r->id, &r->counter);
    return NULL;
}

/* The winner's transaction takes the counterValue and inserts its package
 * under the reference (as eim_package_enqueue_once does); the racer starts
 * while it is open, and sees nothing of it: on PostgreSQL it waits on the
 * eUICC's counter row, then signs and inserts, and the unique index refuses
 * its row; on SQLite it waits to begin. Both return the winner's package. */
static void test_race(void **state)
{
    (void)state;
    db_connection *winner = eim_test_db_open();
    racer r = {.db = eim_test_db_open()};
    int64_t id = 0;
    db_param who = DB_PARAM_TEXT(eid1);
    assert_int_equal(db_begin(winner), AW_OK);
    assert_int_equal(db_execute(winner,
                                "UPDATE eim_euiccs SET counter_value = counter_value + 1 "
                                "WHERE eid = ?",
                                &who, 1, NULL),
                     AW_OK);
    db_param row[] = {who, DB_PARAM_INT64(EIM_PACKAGE_KIND_EUICC_PACKAGE),
                      DB_PARAM_BLOB("t", 1), DB_PARAM_BLOB("r", 1),
                      DB_PARAM_INT64(EIM_PACKAGE_QUEUED)};
    assert_int_equal(db_query_int64(winner,
                                    "INSERT INTO eim_packages (eid, kind, counter_value, "
                                    "transaction_id, request, state, created_ms, "
                                    "client_reference) VALUES (?, ?, 1, ?, ?, ?, 0, 'cop_race') "
                                    "RETURNING id",
                                    row, 5, &id),
                     AW_OK);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, race, &r), 0);
    bool blocked = eim_test_wait_blocked();
    assert_int_equal(db_commit(winner), AW_OK);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(blocked);
    assert_int_equal(r.err, AW_OK);
    assert_int_equal(r.id, id);
    assert_int_equal(r.counter, 1);
    assert_int_equal(packages(eid1), 1);
    assert_int_equal(counter_of(eid1), 1); /* the racer's counterValue rolled back */
    db_close(r.db);
    db_close(winner);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_package_once");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_race, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
