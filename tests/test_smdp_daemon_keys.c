/* The key ring directory of the SM-DP+ (src/smdp/inventory_keys.c: file
 * names, modes, generation, the inventory's key ids) and the daemon's
 * configuration errors for its operations (metrics listener, key ring),
 * part of test_smdp_daemon_ops (SQLite or PostgreSQL). */
#include "smdp_daemon_testutil.h"

int dt_run_key_ring_tests(void);

static void write_key(const char *dir, const char *name, size_t len, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t key[64];
    memset(key, 0x42, sizeof(key));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(key, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_key_ring_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/aw-smdpkeys-XXXXXX", keys[64], path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(keys, sizeof(keys), "%s/ring", dir);
    smdp_key_ring *ring = NULL;
    uint32_t id = 7;
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_NOT_FOUND); /* no such path */
    assert_int_equal(smdp_key_ring_generate(keys, &id), AW_ERR_NOT_FOUND);
    assert_int_equal(id, 0);
    assert_int_equal(mkdir(keys, 0700), 0);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_NOT_FOUND); /* no key in it */
    /* names that are not "<id>.key" are ignored, by load and generate */
    write_key(keys, "01.key", 32, 0600);
    write_key(keys, "0.key", 32, 0600);
    write_key(keys, "x.key", 32, 0600);
    write_key(keys, "9.key.bak", 32, 0600);
    write_key(keys, "2147483648.key", 32, 0600);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_NOT_FOUND);
    assert_int_equal(smdp_key_ring_generate(keys, &id), AW_OK);
    assert_int_equal(id, 1);
    snprintf(path, sizeof(path), "%s/1.key", keys);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, SMDP_STORAGE_KEY_SIZE);
    write_key(keys, "5.key", 32, 0600);
    assert_int_equal(smdp_key_ring_generate(keys, &id), AW_OK);
    assert_int_equal(id, 6);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_OK);
    assert_int_equal(smdp_key_ring_count(ring), 3);
    assert_int_equal(smdp_key_ring_current_id(ring), 6);
    assert_true(smdp_key_ring_has_id(ring, 5));
    assert_false(smdp_key_ring_has_id(ring, 2));
    assert_false(smdp_key_ring_has_id(ring, 0));
    assert_false(smdp_key_ring_has_id(NULL, 5));
    assert_int_equal(smdp_key_ring_count(NULL), 0);
    /* loading again: the ids are already in the ring */
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_SMDP_KEY_FILE);
    smdp_key_ring_free(ring);
    /* a key readable by others, or of the wrong size, is refused */
    write_key(keys, "7.key", 32, 0640);
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_SMDP_KEY_FILE);
    smdp_key_ring_free(ring);
    write_key(keys, "7.key", 31, 0600);
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_SMDP_KEY_FILE);
    smdp_key_ring_free(ring);
    snprintf(path, sizeof(path), "%s/7.key", keys);
    assert_int_equal(unlink(path), 0);
    /* more keys than a ring holds */
    for (unsigned i = 10; i < 10 + SMDP_KEY_RING_MAX; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%u.key", i);
        write_key(keys, name, 32, 0600);
    }
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_load(ring, keys), AW_ERR_LIMIT);
    smdp_key_ring_free(ring);
    /* a single key file is key id 1 */
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    snprintf(path, sizeof(path), "%s/1.key", keys);
    assert_int_equal(smdp_key_ring_load(ring, path), AW_OK);
    assert_int_equal(smdp_key_ring_current_id(ring), 1);
    assert_int_equal(smdp_key_ring_load(NULL, path), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_key_ring_load(ring, NULL), AW_ERR_ARGUMENT);
    smdp_key_ring_free(ring);
    /* the last id there is */
    write_key(keys, "2147483647.key", 32, 0600);
    assert_int_equal(smdp_key_ring_generate(keys, &id), AW_ERR_LIMIT);
    assert_int_equal(smdp_key_ring_generate(NULL, &id), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_key_ring_generate(keys, NULL), AW_ERR_ARGUMENT);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_inventory_key_ids(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    smdp_key_ring *empty = NULL, *ring = dt_ring(&x);
    assert_int_equal(smdp_key_ring_new(&empty), AW_OK);
    uint32_t missing = 9;
    int64_t stale = 9;
    /* an empty inventory needs no key */
    assert_int_equal(smdp_inventory_check_key_ids(db, empty, &missing), AW_OK);
    assert_int_equal(missing, 0);
    dt_subscriber_make(21, &s);
    dt_add_subscriber(&x, &s);
    assert_int_equal(smdp_inventory_check_key_ids(db, ring, &missing), AW_OK);
    assert_int_equal(smdp_inventory_check_key_ids(db, empty, &missing), AW_ERR_SMDP_KEY_MISSING);
    assert_int_equal(missing, 1);
    assert_int_equal(smdp_inventory_check_key_ids(NULL, ring, &missing), AW_ERR_ARGUMENT);
    assert_int_equal(missing, 0);
    assert_int_equal(smdp_inventory_check_key_ids(db, NULL, &missing), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_inventory_check_key_ids(db, ring, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_inventory_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 0);
    assert_int_equal(smdp_inventory_count_stale(db, empty, &stale), AW_ERR_SMDP_KEY_FILE);
    assert_int_equal(smdp_inventory_count_stale(NULL, ring, &stale), AW_ERR_ARGUMENT);
    assert_int_equal(smdp_inventory_count_stale(db, ring, NULL), AW_ERR_ARGUMENT);
    smdp_key_ring_free(empty);
    smdp_key_ring_free(ring);
    db_close(db);
    dt_close(&x);
}

/* Import subscribers first..first+count-1 in one batch (no orders). */
static void import_batch(dt_fixture *x, unsigned first, unsigned count)
{
    size_t cap = 64 + 128 * (size_t)count, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "iccid,imsi,ki,opc\n");
    for (unsigned n = first; n < first + count; n++) {
        dt_subscriber s;
        dt_subscriber_make(n, &s);
        len += (size_t)snprintf(csv + len, cap - len, "%s,%s,%s,%s\n", s.iccid, s.imsi, s.ki,
                                s.opc);
    }
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    smdp_key_ring *ring = dt_ring(x);
    db_connection *db = NULL;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, len, DT_TYPE, &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    smdp_import_batch_free(batch);
    smdp_key_ring_free(ring);
    db_close(db);
    free(csv);
}

/* Rotation commits chunk by chunk: a run stopped by a bad row keeps the
 * chunks it finished, and running it again completes the rest. */
static void test_rekey_resumes(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber bad;
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    import_batch(&x, 100, 80); /* under key 1 */
    uint32_t id = 0;
    assert_int_equal(smdp_key_ring_generate(x.keys, &id), AW_OK);
    assert_int_equal(id, 2);
    db_connection *db = NULL;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    smdp_key_ring *ring = dt_ring(&x);
    /* the Ki of a row near the end no longer authenticates */
    dt_subscriber_make(175, &bad);
    db_param p[] = {DB_PARAM_TEXT(bad.iccid)};
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *blob = NULL;
    size_t blob_len = 0;
    assert_int_equal(db_query(db, "SELECT ki_encrypted FROM smdp_profiles WHERE iccid = ?", p, 1,
                              &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_blob(rows, 0, &blob, &blob_len), AW_OK);
    uint8_t saved[128];
    assert_true(blob_len <= sizeof(saved));
    memcpy(saved, blob, blob_len);
    db_rows_free(rows);
    uint8_t broken[128];
    memcpy(broken, saved, blob_len);
    broken[blob_len - 1] ^= 0x01; /* the GCM tag */
    db_param set_broken[] = {DB_PARAM_BLOB(broken, blob_len), DB_PARAM_TEXT(bad.iccid)};
    assert_int_equal(db_execute(db, "UPDATE smdp_profiles SET ki_encrypted = ? WHERE iccid = ?",
                                set_broken, 2, NULL),
                     AW_OK);
    size_t rewritten = 0;
    int64_t stale = 0;
    assert_int_equal(smdp_inventory_rekey(db, ring, db_clock_ms(), &rewritten),
                     AW_ERR_SMDP_DECRYPT);
    assert_int_equal(smdp_inventory_count_stale(db, ring, &stale), AW_OK);
    assert_true(stale > 0 && stale < 80); /* the chunks before the bad row are done */
    assert_int_equal((size_t)(80 - stale), rewritten);
    /* repaired, the next run re-encrypts exactly what is left */
    db_param set_saved[] = {DB_PARAM_BLOB(saved, blob_len), DB_PARAM_TEXT(bad.iccid)};
    assert_int_equal(db_execute(db, "UPDATE smdp_profiles SET ki_encrypted = ? WHERE iccid = ?",
                                set_saved, 2, NULL),
                     AW_OK);
    assert_int_equal(smdp_inventory_rekey(db, ring, db_clock_ms(), &rewritten), AW_OK);
    assert_int_equal((int64_t)rewritten, stale);
    assert_int_equal(smdp_inventory_count_stale(db, ring, &stale), AW_OK);
    assert_int_equal(stale, 0);
    /* every row opens with key 2 alone, with its own Ki */
    char path[256];
    snprintf(path, sizeof(path), "%s/1.key", x.keys);
    assert_int_equal(unlink(path), 0);
    smdp_key_ring_free(ring);
    ring = dt_ring(&x);
    uint32_t missing = 0;
    assert_int_equal(smdp_inventory_check_key_ids(db, ring, &missing), AW_OK);
    for (unsigned n = 100; n < 180; n += 25) {
        dt_subscriber s;
        saip_aka aka;
        size_t len = 0;
        dt_subscriber_make(n, &s);
        assert_int_equal(smdp_inventory_load_secrets(db, ring, s.iccid, &aka), AW_OK);
        uint8_t *ki = test_hex(s.ki, &len);
        assert_memory_equal(aka.key, ki, 16);
        free(ki);
        saip_aka_cleanse(&aka);
    }
    smdp_key_ring_free(ring);
    db_close(db);
    dt_close(&x);
}

/* What smdp_server_new refuses for its operations, leaving *out NULL. */
static void expect_refused(dt_fixture *x, const smdp_config *config, aw_err want)
{
    smdp_server *server = (smdp_server *)x;
    assert_int_equal(smdp_server_new(x->base, config, &server), want);
    assert_null(server);
}

static void test_operations_configuration(void **state)
{
    (void)state;
    dt_fixture x;
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    dt_start(&x);
    smdp_config good = dt_config(&x);
    smdp_config c = good;
    /* the metrics port is taken (by the running daemon) */
    c.metrics_port = smdp_server_metrics_port(x.server);
    dt_halt(&x);
    smdp_server *holder = NULL;
    good.metrics_port = c.metrics_port;
    assert_int_equal(smdp_server_new(x.base, &good, &holder), AW_OK);
    good.metrics_port = 0;
    expect_refused(&x, &c, AW_ERR_HTTP_BIND);
    smdp_server_free(holder);
    /* an address of no local interface (TEST-NET-1, RFC 5737) */
    c = good;
    c.metrics_address = "192.0.2.1";
    expect_refused(&x, &c, AW_ERR_HTTP_BIND);
    /* a key ring directory without keys */
    char empty[200];
    snprintf(empty, sizeof(empty), "%s/empty", x.t.dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    c = good;
    c.key_ring_file = empty;
    expect_refused(&x, &c, AW_ERR_NOT_FOUND);
    /* without metrics_listen there is no listener, nor a port */
    c = good;
    c.metrics_listen = false;
    c.metrics_port = 1; /* ignored */
    assert_int_equal(smdp_server_new(x.base, &c, &holder), AW_OK);
    assert_int_equal(smdp_server_metrics_port(holder), 0);
    smdp_server_free(holder);
    assert_int_equal(smdp_server_metrics_port(NULL), 0);
    assert_int_equal(smdp_server_reload_key_ring(NULL), AW_ERR_ARGUMENT);
    char *log = NULL;
    size_t len = 0;
    log = (char *)test_read_file(x.log_path, &len);
    assert_non_null(log);
    log = realloc(log, len + 1);
    log[len] = '\0';
    assert_non_null(strstr(log, "\"event\":\"startup_failed\",\"error\":\"AW_ERR_HTTP_BIND\""));
    assert_non_null(strstr(log, "\"event\":\"key_ring_refused\",\"error\":\"AW_ERR_NOT_FOUND\""));
    free(log);
    dt_close(&x);
}

int dt_run_key_ring_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_ring_directory),
        cmocka_unit_test(test_inventory_key_ids),
        cmocka_unit_test(test_rekey_resumes),
        cmocka_unit_test(test_operations_configuration),
    };
    return cmocka_run_group_tests_name("smdp key ring and configuration", tests, NULL, NULL);
}
