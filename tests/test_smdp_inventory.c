/* Tests of the SM-DP+ inventory store (src/smdp/inventory.h): profile
 * types, batch import all-or-nothing, Ki/OPc encryption at rest (the
 * database is dumped and searched for the secrets), key files and key
 * rotation, ES9+ progress transitions. Same suite on SQLite and a real
 * PostgreSQL:
 *   test_smdp_inventory sqlite
 *   tests/pg-harness.sh run test_smdp_inventory postgresql
 * Also holds the shared fixture (smdp_testutil.h) and main;
 *   test_smdp_inventory seeds fuzz/corpus/fuzz_smdp_import
 * regenerates the fuzz target's seed corpus. */
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/der.h"
#include "smdp_testutil.h"

static bool use_postgresql;
static char base_url[DB_URL_MAX + 1];
static char temp_dir[256];
static char current_url[DB_URL_MAX + 1];
static char current_db_path[512];
static unsigned test_counter;
static db_connection *current_db;
static smdp_key_ring *current_ring;
static uint8_t *template_package;
static size_t template_len;

const char *smdp_test_url(void) { return current_url; }
bool smdp_test_is_postgresql(void) { return use_postgresql; }
const char *smdp_test_dir(void) { return temp_dir; }
db_connection *smdp_test_db(void) { return current_db; }
smdp_key_ring *smdp_test_ring(void) { return current_ring; }

db_connection *smdp_test_open(void)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(current_url, NULL, &db), AW_OK);
    return db;
}

void smdp_test_iccid(unsigned n, char out[SAIP_ICCID_TEXT])
{
    snprintf(out, SAIP_ICCID_TEXT, "8988247%011u", n);
    out[18] = saip_iccid_check_digit(out, 18);
    out[19] = '\0';
}

void smdp_test_eid(unsigned n, char out[SMDP_EID_TEXT])
{
    /* SGP.29: check digits 98 - (number with 00 appended mod 97) */
    char digits[SMDP_EID_TEXT];
    snprintf(digits, sizeof(digits), "890490320010012%015u00", n);
    unsigned r = 0;
    for (size_t i = 0; i < 32; i++)
        r = (r * 10 + (unsigned)(digits[i] - '0')) % 97;
    snprintf(out, SMDP_EID_TEXT, "%.30s%02u", digits, 98 - r);
}

void smdp_test_import(db_connection *db, const smdp_key_ring *ring, unsigned first,
                      unsigned count)
{
    smdp_import_batch batch = {.count = count};
    snprintf(batch.profile_type, sizeof(batch.profile_type), "%s", SMDP_TEST_TYPE);
    batch.records = calloc(count, sizeof(*batch.records));
    assert_non_null(batch.records);
    for (unsigned i = 0; i < count; i++) {
        smdp_import_record *r = &batch.records[i];
        smdp_test_iccid(first + i, r->iccid);
        snprintf(r->imsi, sizeof(r->imsi), "00101%010u", first + i);
        r->aka.algorithm = SAIP_ALGORITHM_MILENAGE;
        r->aka.key_len = r->aka.opc_len = 16;
        for (size_t k = 0; k < 16; k++) {
            r->aka.key[k] = (uint8_t)(0xA0 + k + first + i);
            r->aka.opc[k] = (uint8_t)(0x50 + k + first + i);
        }
    }
    assert_int_equal(smdp_inventory_import(db, ring, &batch, 1000), AW_OK);
    free(batch.records);
}

static void make_template(void)
{
    saip_build_params params = {
        .iccid = "8988247000000000005",
        .imsi = "001010000000000",
        .aka = {.algorithm = SAIP_ALGORITHM_MILENAGE, .key_len = 16, .opc_len = 16},
        .pin1 = "1234", .pin2 = "5678", .puk1 = "12345678", .puk2 = "87654321",
        .adm1 = "11111111",
    };
    char iccid[SAIP_ICCID_TEXT];
    smdp_test_iccid(0, iccid);
    params.iccid = iccid;
    assert_int_equal(saip_build(&params, &template_package, &template_len), AW_OK);
}

int smdp_test_setup(void **state)
{
    (void)state;
    ++test_counter;
    if (!use_postgresql) {
        snprintf(current_db_path, sizeof(current_db_path), "%s/t%u.db", temp_dir, test_counter);
        snprintf(current_url, sizeof(current_url), "sqlite:%s", current_db_path);
    } else {
        snprintf(current_url, sizeof(current_url), "%s", base_url);
    }
    if (db_open(current_url, NULL, &current_db) != AW_OK)
        return -1;
    aw_err err = AW_OK;
    if (use_postgresql) {
        err = db_execute(current_db, "DROP SCHEMA public CASCADE", NULL, 0, NULL);
        if (err == AW_OK)
            err = db_execute(current_db, "CREATE SCHEMA public", NULL, 0, NULL);
    }
    if (err == AW_OK)
        err = smdp_inventory_migrate(current_db);
    smdp_profile_type type = {SMDP_TEST_TYPE, template_package, template_len, "airwrite",
                              "Generic test", SMDP_PROFILE_CLASS_TEST};
    if (err == AW_OK)
        err = smdp_inventory_add_profile_type(current_db, &type, 1);
    char key_path[600];
    snprintf(key_path, sizeof(key_path), "%s/t%u-k1.key", temp_dir, test_counter);
    if (err == AW_OK)
        err = smdp_key_ring_new(&current_ring);
    if (err == AW_OK)
        err = smdp_key_ring_add_file(current_ring, 1, key_path, true);
    if (err != AW_OK)
        fprintf(stderr, "setup: %s (%s)\n", aw_err_name(err), db_last_error(current_db));
    return err == AW_OK ? 0 : -1;
}

int smdp_test_teardown(void **state)
{
    (void)state;
    db_close(current_db);
    current_db = NULL;
    smdp_key_ring_free(current_ring);
    current_ring = NULL;
    return 0;
}

/* ---- Profile types -------------------------------------------------------- */

static void test_profile_types(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(smdp_inventory_get_template(db, SMDP_TEST_TYPE, &package, &len), AW_OK);
    assert_int_equal(len, template_len);
    assert_memory_equal(package, template_package, len);
    free(package);
    assert_int_equal(smdp_inventory_get_template(db, "nope", &package, &len), AW_ERR_NOT_FOUND);
    assert_null(package);

    smdp_profile_type type = {SMDP_TEST_TYPE, template_package, template_len, "sp", "name",
                              SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 2), AW_ERR_DB_UNIQUE);
    type.name = "bad\ttype";
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 2),
                     AW_ERR_SMDP_IMPORT_PROFILE_TYPE);
    type.name = "other";
    type.profile_class = (smdp_profile_class)3;
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 2), AW_ERR_SMDP_METADATA);
    type.profile_class = SMDP_PROFILE_CLASS_PROVISIONING;
    char long_name[SMDP_NAME_MAX + 2];
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    type.profile_name = long_name;
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 2), AW_ERR_SMDP_METADATA);
    type.profile_name = "name";
    static const uint8_t not_saip[] = {0x30, 0x00};
    type.template_package = not_saip;
    type.template_len = sizeof(not_saip);
    assert_int_not_equal(smdp_inventory_add_profile_type(db, &type, 2), AW_OK);
    type.template_package = template_package;
    type.template_len = template_len;
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 2), AW_OK);
}

/* ---- Import: all or nothing ------------------------------------------------ */

static void test_import_all_or_nothing(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 5);
    int64_t n = 0;
    assert_int_equal(smdp_inventory_count(db, SMDP_TEST_TYPE, SMDP_STATE_AVAILABLE, &n), AW_OK);
    assert_int_equal(n, 5);

    /* a second batch whose last record repeats an ICCID in the store */
    static const char csv_head[] = "iccid,imsi,ki,opc\n";
    char csv[2048];
    char a[SAIP_ICCID_TEXT], b[SAIP_ICCID_TEXT];
    smdp_test_iccid(100, a);
    smdp_test_iccid(3, b);
    snprintf(csv, sizeof(csv),
             "%s%s,001019999999991,000102030405060708090a0b0c0d0e0f,"
             "101112131415161718191a1b1c1d1e1f\n"
             "%s,001019999999992,000102030405060708090a0b0c0d0e0f,"
             "101112131415161718191a1b1c1d1e1f\n",
             csv_head, a, b);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), SMDP_TEST_TYPE,
                                           &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, smdp_test_ring(), batch, 2000), AW_ERR_DB_UNIQUE);
    assert_int_equal(smdp_inventory_count(db, NULL, SMDP_STATE_AVAILABLE, &n), AW_OK);
    assert_int_equal(n, 5);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, a, &info), AW_ERR_NOT_FOUND);

    /* unknown profile type, empty ring */
    snprintf(batch->profile_type, sizeof(batch->profile_type), "unknown");
    assert_int_equal(smdp_inventory_import(db, smdp_test_ring(), batch, 2000),
                     AW_ERR_SMDP_IMPORT_PROFILE_TYPE);
    smdp_key_ring *empty = NULL;
    assert_int_equal(smdp_key_ring_new(&empty), AW_OK);
    assert_int_equal(smdp_inventory_import(db, empty, batch, 2000), AW_ERR_SMDP_KEY_FILE);
    smdp_key_ring_free(empty);
    smdp_import_batch_free(batch);

    /* the stored rows and their first history entry */
    assert_int_equal(smdp_inventory_get_profile(db, b, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_AVAILABLE);
    assert_string_equal(info.imsi, "001010000000003");
    assert_string_equal(info.profile_type, SMDP_TEST_TYPE);
    assert_int_equal(info.key_id, 1);
    smdp_history_entry *h = NULL;
    size_t count = 0;
    assert_int_equal(smdp_inventory_history(db, b, &h, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(h[0].from, 0);
    assert_int_equal(h[0].to, SMDP_STATE_AVAILABLE);
    assert_string_equal(h[0].cause, "import");
    assert_int_equal(h[0].at_ms, 1000);
    free(h);
}

/* ---- Encryption at rest ---------------------------------------------------- */

static bool contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t len)
{
    return len > 0 && hay_len >= len && memmem(hay, hay_len, needle, len) != NULL;
}

/* The secret must appear neither as bytes nor as hex in either case. */
static void assert_absent(const uint8_t *data, size_t len, const uint8_t *secret, size_t n)
{
    char hex[2 * SAIP_AKA_KEY_MAX + 1];
    assert_false(contains(data, len, secret, n));
    aw_hex_encode(secret, n, hex, false);
    assert_false(contains(data, len, hex, 2 * n));
    aw_hex_encode(secret, n, hex, true);
    assert_false(contains(data, len, hex, 2 * n));
    /* also a distinctive half, in case of partial leaks */
    assert_false(contains(data, len, secret, n / 2));
}

static void dump_tables(db_connection *db, const smdp_import_batch *batch)
{
    static const char *const tables[] = {"smdp_profiles", "smdp_profile_history",
                                         "smdp_profile_types", "schema_migrations"};
    for (size_t t = 0; t < 4; t++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[t]);
        db_rows *rows = NULL;
        assert_int_equal(db_query(db, sql, NULL, 0, &rows), AW_OK);
        bool has_row = true;
        size_t seen = 0;
        while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
            for (size_t c = 0; c < db_rows_column_count(rows); c++) {
                const uint8_t *data = NULL;
                size_t len = 0;
                const char *text;
                if (db_rows_column_type(rows, c) == DB_TYPE_TEXT) {
                    assert_int_equal(db_rows_get_text(rows, c, &text), AW_OK);
                    data = (const uint8_t *)text;
                    len = strlen(text);
                } else if (db_rows_column_type(rows, c) == DB_TYPE_BLOB) {
                    assert_int_equal(db_rows_get_blob(rows, c, &data, &len), AW_OK);
                }
                for (size_t i = 0; data != NULL && i < batch->count; i++) {
                    assert_absent(data, len, batch->records[i].aka.key,
                                  batch->records[i].aka.key_len);
                    assert_absent(data, len, batch->records[i].aka.opc,
                                  batch->records[i].aka.opc_len);
                }
            }
            seen++;
        }
        db_rows_free(rows);
        assert_true(seen > 0);
    }
}

static void test_encryption_at_rest(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    /* distinctive secrets, TUAK with 32-byte values too */
    char csv[2048], i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT];
    smdp_test_iccid(7001, i1);
    smdp_test_iccid(7002, i2);
    snprintf(csv, sizeof(csv),
             "iccid,imsi,ki,opc,algorithm\r\n"
             "%s,001017000000001,5a3c9e1f7b2d4a6c8e0f1a2b3c4d5e6f,"
             "c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8,milenage\r\n"
             "%s,001017000000002,"
             "e1d2c3b4a5968778695a4b3c2d1e0f1f2e3d4c5b6a79880716253443526170ff,"
             "0f1e2d3c4b5a69788796a5b4c3d2e1f00102030405060708090a0b0c0d0e0f10,tuak\r\n",
             i1, i2);
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), SMDP_TEST_TYPE,
                                           &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, smdp_test_ring(), batch, 5), AW_OK);

    /* decrypt for personalisation gives the values back */
    for (size_t i = 0; i < batch->count; i++) {
        saip_aka aka;
        assert_int_equal(smdp_inventory_load_secrets(db, smdp_test_ring(),
                                                     batch->records[i].iccid, &aka),
                         AW_OK);
        assert_int_equal(aka.algorithm, batch->records[i].aka.algorithm);
        assert_int_equal(aka.key_len, batch->records[i].aka.key_len);
        assert_memory_equal(aka.key, batch->records[i].aka.key, aka.key_len);
        assert_int_equal(aka.opc_len, batch->records[i].aka.opc_len);
        assert_memory_equal(aka.opc, batch->records[i].aka.opc, aka.opc_len);
        saip_aka_cleanse(&aka);
    }
    saip_aka aka;
    assert_int_equal(smdp_inventory_load_secrets(db, smdp_test_ring(), "8988247000000000013",
                                                 &aka),
                     AW_ERR_NOT_FOUND);

    /* every column of every table, through the database's own SELECT * */
    dump_tables(db, batch);

    /* SQLite: the file bytes themselves (database and write-ahead log) */
    if (!smdp_test_is_postgresql()) {
        static const char *const suffixes[] = {"", "-wal"};
        bool found_iccid = false;
        for (size_t s = 0; s < 2; s++) {
            char path[600];
            snprintf(path, sizeof(path), "%s%s", current_db_path, suffixes[s]);
            size_t len = 0;
            uint8_t *bytes = test_read_file(path, &len);
            if (bytes == NULL)
                continue;
            for (size_t i = 0; i < batch->count; i++) {
                assert_absent(bytes, len, batch->records[i].aka.key,
                              batch->records[i].aka.key_len);
                assert_absent(bytes, len, batch->records[i].aka.opc,
                              batch->records[i].aka.opc_len);
            }
            /* the search can find: the ICCID is stored in clear */
            found_iccid = found_iccid || contains(bytes, len, i1, strlen(i1));
            free(bytes);
        }
        assert_true(found_iccid);
    }

    /* a ciphertext moved to another row does not decrypt (AAD = ICCID) */
    db_param p[] = {DB_PARAM_TEXT(i1), DB_PARAM_TEXT(i2)};
    assert_int_equal(db_execute(db,
                                "UPDATE smdp_profiles SET opc_encrypted = (SELECT opc_encrypted "
                                "FROM smdp_profiles WHERE iccid = ?) WHERE iccid = ?",
                                p, 2, NULL),
                     AW_OK);
    assert_int_equal(smdp_inventory_load_secrets(db, smdp_test_ring(), i2, &aka),
                     AW_ERR_SMDP_DECRYPT);
    /* nor does the Ki in the OPc column of its own row */
    db_param q[] = {DB_PARAM_TEXT(i1)};
    assert_int_equal(db_execute(db, "UPDATE smdp_profiles SET opc_encrypted = ki_encrypted "
                                    "WHERE iccid = ?",
                                q, 1, NULL),
                     AW_OK);
    assert_int_equal(smdp_inventory_load_secrets(db, smdp_test_ring(), i1, &aka),
                     AW_ERR_SMDP_DECRYPT);
    smdp_import_batch_free(batch);
}

/* ---- Key files and rotation -------------------------------------------------- */

static void test_key_files(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/kf%u.key", smdp_test_dir(), test_counter);
    smdp_key_ring *ring = NULL;
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_current_id(ring), 0);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, path, false), AW_ERR_NOT_FOUND);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, path, true), AW_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, SMDP_STORAGE_KEY_SIZE);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, path, false), AW_ERR_SMDP_KEY_FILE);
    assert_int_equal(smdp_key_ring_add_file(ring, 0, path, false), AW_ERR_SMDP_KEY_FILE);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(smdp_key_ring_add_file(ring, 2, path, false), AW_ERR_SMDP_KEY_FILE);
    /* wrong size */
    char short_path[620];
    snprintf(short_path, sizeof(short_path), "%s.short", path);
    static const uint8_t wrong_size[24] = {1}; /* 16 would be an SM4 key */
    FILE *f = fopen(short_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(wrong_size, 1, sizeof(wrong_size), f), sizeof(wrong_size));
    fclose(f);
    assert_int_equal(chmod(short_path, 0600), 0);
    assert_int_equal(smdp_key_ring_add_file(ring, 3, short_path, true), AW_ERR_SMDP_KEY_FILE);
    assert_int_equal(smdp_key_ring_current_id(ring), 1);
    smdp_key_ring_free(ring);
}

static void test_key_rotation(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 3); /* under key 1 */

    char k1[600], k2[600];
    snprintf(k1, sizeof(k1), "%s/t%u-k1.key", smdp_test_dir(), test_counter);
    snprintf(k2, sizeof(k2), "%s/t%u-k2.key", smdp_test_dir(), test_counter);
    smdp_key_ring *both = NULL, *only_new = NULL;
    assert_int_equal(smdp_key_ring_new(&both), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(both, 1, k1, false), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(both, 2, k2, true), AW_OK);
    assert_int_equal(smdp_key_ring_current_id(both), 2);
    assert_int_equal(smdp_key_ring_new(&only_new), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(only_new, 2, k2, false), AW_OK);

    smdp_test_import(db, both, 10, 2); /* new rows use key 2 */
    char old_iccid[SAIP_ICCID_TEXT], new_iccid[SAIP_ICCID_TEXT];
    smdp_test_iccid(1, old_iccid);
    smdp_test_iccid(10, new_iccid);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, old_iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 1);
    assert_int_equal(smdp_inventory_get_profile(db, new_iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 2);

    saip_aka aka;
    assert_int_equal(smdp_inventory_load_secrets(db, both, old_iccid, &aka), AW_OK);
    assert_int_equal(aka.key[0], 0xA0 + 1);
    assert_int_equal(smdp_inventory_load_secrets(db, both, new_iccid, &aka), AW_OK);
    assert_int_equal(aka.key[0], 0xA0 + 10);
    /* old rows need the old key until they are re-encrypted */
    assert_int_equal(smdp_inventory_load_secrets(db, only_new, old_iccid, &aka),
                     AW_ERR_SMDP_DECRYPT);
    assert_int_equal(smdp_inventory_load_secrets(db, smdp_test_ring(), new_iccid, &aka),
                     AW_ERR_SMDP_DECRYPT);

    size_t rewritten = 0;
    assert_int_equal(smdp_inventory_rekey(db, both, 3000, &rewritten), AW_OK);
    assert_int_equal(rewritten, 3);
    assert_int_equal(smdp_inventory_rekey(db, both, 3001, &rewritten), AW_OK);
    assert_int_equal(rewritten, 0);
    assert_int_equal(smdp_inventory_get_profile(db, old_iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 2);
    assert_int_equal(smdp_inventory_load_secrets(db, only_new, old_iccid, &aka), AW_OK);
    assert_int_equal(aka.key[0], 0xA0 + 1);
    assert_int_equal(aka.opc[0], 0x50 + 1);
    saip_aka_cleanse(&aka);
    /* rotating with a ring lacking a row's key fails and changes nothing */
    assert_int_equal(smdp_inventory_rekey(db, smdp_test_ring(), 3002, &rewritten),
                     AW_ERR_SMDP_DECRYPT);
    assert_int_equal(smdp_inventory_get_profile(db, old_iccid, &info), AW_OK);
    assert_int_equal(info.key_id, 2);
    smdp_key_ring_free(both);
    smdp_key_ring_free(only_new);
}

/* ---- ES9+ progress transitions ------------------------------------------------ */

static void test_mark_transitions(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 2);
    char iccid[SAIP_ICCID_TEXT];
    smdp_test_iccid(1, iccid);
    /* available: none of the ES9+ transitions apply */
    assert_int_equal(smdp_inventory_mark_downloaded(db, iccid, "bpp", 10), AW_ERR_STATE);
    assert_int_equal(smdp_inventory_mark_installed(db, iccid, "ok", 10), AW_ERR_STATE);
    assert_int_equal(smdp_inventory_mark_error(db, iccid, "fail", 10), AW_ERR_STATE);
    assert_int_equal(smdp_inventory_mark_downloaded(db, "8988247000000000013", "bpp", 10),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(smdp_inventory_mark_downloaded(db, iccid, "", 10), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_inventory_mark_downloaded(db, iccid, "bad\ncause", 10),
                     AW_ERR_ARGUMENT);
    smdp_history_entry *h = NULL;
    size_t n = 0;
    assert_int_equal(smdp_inventory_history(db, iccid, &h, &n), AW_OK);
    assert_int_equal(n, 1); /* only the import: refused changes leave no trace */
    free(h);
}

int smdp_test_run_storage(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profile_types, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_import_all_or_nothing, smdp_test_setup,
                                        smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_encryption_at_rest, smdp_test_setup,
                                        smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_key_files, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_key_rotation, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_mark_transitions, smdp_test_setup,
                                        smdp_test_teardown),
    };
    return cmocka_run_group_tests_name(use_postgresql ? "smdp storage (postgresql)"
                                                      : "smdp storage (sqlite)",
                                       tests, NULL, NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "seeds") == 0)
        return smdp_test_write_seeds(argv[2]);
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: test_smdp_inventory sqlite|postgresql|seeds DIR\n");
        return 2;
    }
    use_postgresql = strcmp(argv[1], "postgresql") == 0;
    if (use_postgresql) {
        const char *url = getenv("AW_TEST_POSTGRESQL_URL");
        if (url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
        snprintf(base_url, sizeof(base_url), "%s", url);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof(temp_dir), "%s/aw-smdp-test.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    make_template();
    int failures = smdp_test_run_import();
    failures += smdp_test_run_storage();
    failures += smdp_test_run_es2p();
    failures += smdp_test_run_concurrency();
    der_bytes_free(template_package, template_len);
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failures == 0 ? 0 : 1;
}
