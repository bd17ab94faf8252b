/* Bound ES9+ sessions in the database (src/smdp/es9p_durable.h) on SQLite
 * or on the PostgreSQL of tests/pg-harness.sh: the record made from a
 * session and back, save/load/remove/purge with expiry, the upsert, every
 * argument refusal, and every check of a stored row that is not one this
 * code writes (AW_ERR_DB_TYPE). Part of test_smdp_durable
 * (test_smdp_durable.c has main and the end-to-end tests). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "smdp/es9p_durable.h"

extern const char *dt_postgresql_url;
int ds_run_store_tests(void);

#define DS_EID "89049032123451234512345678901235"
#define DS_ICCID "8944000000000000018"

typedef struct ds_fixture {
    char dir[64];
    db_connection *db;
} ds_fixture;

static int ds_setup(void **state)
{
    ds_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char url[128];
    if (dt_postgresql_url == NULL) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/aw-durable-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(url, sizeof(url), "sqlite:%s/smdp.db", f->dir);
        assert_int_equal(db_open(url, NULL, &f->db), AW_OK);
    } else {
        assert_int_equal(db_open(dt_postgresql_url, NULL, &f->db), AW_OK);
        assert_int_equal(db_execute(f->db, "DROP SCHEMA public CASCADE", NULL, 0, NULL), AW_OK);
        assert_int_equal(db_execute(f->db, "CREATE SCHEMA public", NULL, 0, NULL), AW_OK);
    }
    assert_int_equal(es9p_durable_migrate(f->db), AW_OK);
    *state = f;
    return 0;
}

static int ds_teardown(void **state)
{
    ds_fixture *f = *state;
    db_close(f->db);
    if (f->dir[0] != '\0') {
        char command[128];
        snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
        assert_int_equal(system(command), 0);
    }
    free(f);
    return 0;
}

/* A bound session as es9p leaves it after GetBoundProfilePackage, with
 * the secrets of its earlier steps still in it. */
static void ds_session(uint8_t id_byte, es9p_session *s)
{
    memset(s, 0, sizeof(*s));
    memset(s->transaction_id, id_byte, ES9P_TRANSACTION_ID_SIZE);
    s->state = ES9P_SESSION_BOUND;
    s->expires = 1000;
    memset(s->server_challenge, 0xC1, sizeof(s->server_challenge));
    memcpy(s->eid, DS_EID, sizeof(DS_EID));
    memcpy(s->order_id, DS_ICCID, sizeof(DS_ICCID));
    s->cc_required = true;
    memset(s->confirmation_code_hash, 0xCC, sizeof(s->confirmation_code_hash));
    memset(s->smdp_signature2, 0x52, sizeof(s->smdp_signature2));
    s->euicc_key.curve = CRYPTO_CURVE_BRAINPOOL_P256R1;
    s->euicc_key.point[0] = 0x04;
    memset(s->euicc_key.point + 1, 0x7A, CRYPTO_POINT_SIZE - 1);
}

static int64_t ds_rows(ds_fixture *f)
{
    int64_t n = -1;
    assert_int_equal(db_query_int64(f->db, "SELECT COUNT(*) FROM smdp_sessions", NULL, 0, &n),
                     AW_OK);
    return n;
}

static void ds_save(ds_fixture *f, uint8_t id_byte, int64_t now_ms, int64_t expires_ms)
{
    es9p_session s;
    es9p_durable_record r;
    ds_session(id_byte, &s);
    assert_int_equal(es9p_durable_record_from_session(&s, now_ms, expires_ms, &r), AW_OK);
    assert_int_equal(es9p_durable_save(f->db, &r, now_ms), AW_OK);
}

static void test_record_round_trip(void **state)
{
    ds_fixture *f = *state;
    es9p_session s, back;
    es9p_durable_record r, loaded;
    ds_session(0x11, &s);
    assert_int_equal(es9p_durable_record_from_session(&s, 5000, 90500, &r), AW_OK);
    assert_int_equal(es9p_durable_save(f->db, &r, 5000), AW_OK);
    assert_int_equal(es9p_durable_load(f->db, s.transaction_id, ES9P_TRANSACTION_ID_SIZE, 6000,
                                       &loaded),
                     AW_OK);
    assert_memory_equal(loaded.transaction_id, s.transaction_id, ES9P_TRANSACTION_ID_SIZE);
    assert_string_equal(loaded.eid, DS_EID);
    assert_string_equal(loaded.iccid, DS_ICCID);
    assert_int_equal(loaded.euicc_key.curve, CRYPTO_CURVE_BRAINPOOL_P256R1);
    assert_memory_equal(loaded.euicc_key.point, s.euicc_key.point, CRYPTO_POINT_SIZE);
    assert_int_equal(loaded.created_ms, 5000);
    assert_int_equal(loaded.expires_ms, 90500);
    /* back to a session: bound, no Confirmation Code, none of the secrets */
    es9p_durable_record_to_session(&loaded, &back);
    assert_int_equal(back.state, ES9P_SESSION_BOUND);
    assert_int_equal(back.expires, 90);
    assert_string_equal(back.eid, DS_EID);
    assert_string_equal(back.order_id, DS_ICCID);
    assert_false(back.cc_required);
    static const uint8_t zero[CRYPTO_SHA256_SIZE];
    assert_memory_equal(back.confirmation_code_hash, zero, sizeof(zero));
    assert_memory_equal(back.server_challenge, zero, sizeof(back.server_challenge));
    assert_memory_equal(back.euicc_key.point, s.euicc_key.point, CRYPTO_POINT_SIZE);
    es9p_durable_record_to_session(NULL, &back);
    assert_int_equal(back.state, 0);
    es9p_durable_record_to_session(&loaded, NULL);
    /* the P-256 name too */
    s.euicc_key.curve = CRYPTO_CURVE_NIST_P256;
    assert_int_equal(es9p_durable_record_from_session(&s, 5000, 90500, &r), AW_OK);
    assert_int_equal(es9p_durable_save(f->db, &r, 5000), AW_OK);
    assert_int_equal(es9p_durable_load(f->db, s.transaction_id, ES9P_TRANSACTION_ID_SIZE, 6000,
                                       &loaded),
                     AW_OK);
    assert_int_equal(loaded.euicc_key.curve, CRYPTO_CURVE_NIST_P256);
}

/* Expiry, the upsert, removal and the purge that every save runs. */
static void test_expiry_upsert_remove(void **state)
{
    ds_fixture *f = *state;
    es9p_durable_record r;
    uint8_t id[ES9P_TRANSACTION_ID_SIZE];
    memset(id, 0x22, sizeof(id));
    ds_save(f, 0x22, 1000, 2000);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 1999, &r), AW_OK);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 2000, &r), AW_ERR_NOT_FOUND);
    assert_int_equal(r.expires_ms, 0); /* cleared */
    /* saved again: one row with the new expiry */
    ds_save(f, 0x22, 1500, 8000);
    assert_int_equal(ds_rows(f), 1);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 2500, &r), AW_OK);
    assert_int_equal(r.expires_ms, 8000);
    assert_int_equal(r.created_ms, 1500);
    /* another ID, an ID of another length, an unknown one */
    assert_int_equal(es9p_durable_load(f->db, id, 15, 2500, &r), AW_ERR_NOT_FOUND);
    memset(id, 0x23, sizeof(id));
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 2500, &r), AW_ERR_NOT_FOUND);
    /* a save at 8000 purges the expired 0x22 */
    ds_save(f, 0x23, 8000, 9000);
    assert_int_equal(ds_rows(f), 1);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 8500, &r), AW_OK);
    /* remove: present, absent, odd length */
    assert_int_equal(es9p_durable_remove(f->db, id, sizeof(id)), AW_OK);
    assert_int_equal(ds_rows(f), 0);
    assert_int_equal(es9p_durable_remove(f->db, id, sizeof(id)), AW_OK);
    assert_int_equal(es9p_durable_remove(f->db, id, 3), AW_OK);
    /* purge counts */
    ds_save(f, 0x24, 100, 200);
    ds_save(f, 0x25, 100, 300);
    ds_save(f, 0x26, 100, 900);
    int64_t deleted = -1;
    assert_int_equal(es9p_durable_purge(f->db, 300, &deleted), AW_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(ds_rows(f), 1);
    assert_int_equal(es9p_durable_purge(f->db, 300, NULL), AW_OK);
    /* migrating again changes nothing */
    assert_int_equal(es9p_durable_migrate(f->db), AW_OK);
    assert_int_equal(ds_rows(f), 1);
}

static void test_arguments(void **state)
{
    ds_fixture *f = *state;
    es9p_session s;
    es9p_durable_record r;
    uint8_t id[ES9P_TRANSACTION_ID_SIZE] = {0};
    ds_session(0x33, &s);
    assert_int_equal(es9p_durable_migrate(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_record_from_session(NULL, 0, 10, &r), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_record_from_session(&s, 10, 10, &r), AW_ERR_ARGUMENT);
    s.state = ES9P_SESSION_AUTHENTICATED; /* only bound sessions are kept */
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_ERR_ARGUMENT);
    ds_session(0x33, &s);
    s.euicc_key.curve = 0; /* no eUICC key yet */
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_ERR_ARGUMENT);
    ds_session(0x33, &s);
    s.eid[5] = 'A';
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_ERR_ARGUMENT);
    ds_session(0x33, &s);
    s.order_id[0] = '\0';
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_ERR_ARGUMENT);
    ds_session(0x33, &s);
    memset(s.order_id, '1', sizeof(s.order_id)); /* not terminated */
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_ERR_ARGUMENT);
    ds_session(0x33, &s);
    assert_int_equal(es9p_durable_record_from_session(&s, 0, 10, &r), AW_OK);
    assert_int_equal(es9p_durable_save(NULL, &r, 0), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_save(f->db, NULL, 0), AW_ERR_ARGUMENT);
    es9p_durable_record bad = r;
    bad.euicc_key.curve = 0;
    assert_int_equal(es9p_durable_save(f->db, &bad, 0), AW_ERR_ARGUMENT);
    bad = r;
    bad.eid[0] = 'x';
    assert_int_equal(es9p_durable_save(f->db, &bad, 0), AW_ERR_ARGUMENT);
    bad = r;
    bad.iccid[0] = '\0';
    assert_int_equal(es9p_durable_save(f->db, &bad, 0), AW_ERR_ARGUMENT);
    bad = r;
    memset(bad.iccid, '1', sizeof(bad.iccid));
    assert_int_equal(es9p_durable_save(f->db, &bad, 0), AW_ERR_ARGUMENT);
    assert_int_equal(ds_rows(f), 0);
    assert_int_equal(es9p_durable_load(NULL, id, sizeof(id), 0, &r), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 0, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_load(f->db, NULL, 16, 0, &r), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_remove(NULL, id, sizeof(id)), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_durable_remove(f->db, NULL, 16), AW_ERR_ARGUMENT);
    int64_t deleted = 7;
    assert_int_equal(es9p_durable_purge(NULL, 0, &deleted), AW_ERR_ARGUMENT);
    assert_int_equal(deleted, 0);
}

/* A stored row changed behind the code's back is refused, field by field. */
static void test_corrupt_rows(void **state)
{
    ds_fixture *f = *state;
    static const struct {
        const char *sql;
        const char *value;
    } changes[] = {
        {"UPDATE smdp_sessions SET eid = ?", "8904903212345123451234567890123X"},
        {"UPDATE smdp_sessions SET eid = ?", "890490321234512345123456789012"},
        {"UPDATE smdp_sessions SET eid = ?", "8904903212345123451234567890123500"},
        {"UPDATE smdp_sessions SET iccid = ?", ""},
        {"UPDATE smdp_sessions SET iccid = ?",
         "89440000000000000189440000000000000189440000000000000189440000000"},
        {"UPDATE smdp_sessions SET euicc_curve = ?", "secp384r1"},
    };
    es9p_durable_record r;
    uint8_t id[ES9P_TRANSACTION_ID_SIZE];
    memset(id, 0x44, sizeof(id));
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        ds_save(f, 0x44, 100, 900);
        db_param p[] = {DB_PARAM_TEXT(changes[i].value)};
        assert_int_equal(db_execute(f->db, changes[i].sql, p, 1, NULL), AW_OK);
        assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 200, &r), AW_ERR_DB_TYPE);
        assert_string_equal(r.eid, ""); /* nothing half-filled */
    }
    /* the key: short, and not an uncompressed point */
    uint8_t point[CRYPTO_POINT_SIZE];
    memset(point, 0x04, sizeof(point));
    ds_save(f, 0x44, 100, 900);
    db_param short_key[] = {DB_PARAM_BLOB(point, sizeof(point) - 1)};
    assert_int_equal(db_execute(f->db, "UPDATE smdp_sessions SET euicc_public_key = ?", short_key,
                                1, NULL),
                     AW_OK);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 200, &r), AW_ERR_DB_TYPE);
    point[0] = 0x02;
    db_param compressed[] = {DB_PARAM_BLOB(point, sizeof(point))};
    assert_int_equal(db_execute(f->db, "UPDATE smdp_sessions SET euicc_public_key = ?",
                                compressed, 1, NULL),
                     AW_OK);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 200, &r), AW_ERR_DB_TYPE);
    /* the same row rewritten is good again */
    ds_save(f, 0x44, 100, 900);
    assert_int_equal(es9p_durable_load(f->db, id, sizeof(id), 200, &r), AW_OK);
}

int ds_run_store_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_round_trip, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_expiry_upsert_remove, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_arguments, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_rows, ds_setup, ds_teardown),
    };
    return cmocka_run_group_tests_name(dt_postgresql_url != NULL
                                           ? "smdp durable session store (postgresql)"
                                           : "smdp durable session store (sqlite)",
                                       tests, NULL, NULL);
}
