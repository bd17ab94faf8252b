/* Tampering with the audit log by raw SQL, as someone owning the database
 * would (the append-only triggers dropped first), in both suites, and the
 * report audit_verify gives: an edited field, an edit with recomputed
 * hash, a deleted middle entry (with and without renumbering), the tail
 * deleted behind a checkpoint, forged inserted entries, swapped entries,
 * another suite, unreadable columns, bad checkpoints and a chain rewritten
 * under its checkpoints. Also what no checkpoint can cover: entries
 * after the last checkpoint. Run by test_audit.c's main. */
#include "test_audit.h"

static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};

/* A fresh log of 25 entries, checkpoints (ids 1, 2) at 10 and 20, triggers
 * dropped. */
typedef struct fixture {
    db_connection *db;
    crypto_suite suite;
    crypto_suite_key *key;
} fixture;

static fixture fixture_open(crypto_suite suite)
{
    assert_int_equal(audit_test_setup(NULL), 0);
    fixture f = {.db = audit_test_open(), .suite = suite};
    assert_int_equal(crypto_suite_key_generate(suite, &f.key), AW_OK);
    audit_test_fill(f.db, suite, f.key, 10, 25);
    audit_report report;
    assert_int_equal(audit_test_verify(f.db, suite, f.key, &report), AW_OK);
    audit_test_drop_triggers(f.db);
    return f;
}

static void fixture_close(fixture *f)
{
    crypto_suite_key_free(f->key);
    db_close(f->db);
}

static void run(fixture *f, const char *sql)
{
    aw_err err = db_execute(f->db, sql, NULL, 0, NULL);
    if (err != AW_OK)
        print_error("%s: %s (%s)\n", sql, aw_err_name(err), db_last_error(f->db));
    assert_int_equal(err, AW_OK);
}

static void expect(fixture *f, aw_err error, int64_t seq, int64_t other)
{
    audit_report report;
    assert_int_equal(audit_test_verify(f->db, f->suite, f->key, &report), error);
    assert_int_equal(report.error, error);
    assert_int_equal(report.seq, seq);
    assert_int_equal(report.other_seq, other);
    char number[32];
    snprintf(number, sizeof(number), " %lld", (long long)seq);
    assert_non_null(strstr(report.message, number));
}

static audit_entry *read_entry(fixture *f, int64_t seq)
{
    audit_entry *entry = malloc(sizeof(*entry));
    assert_non_null(entry);
    size_t count = 0;
    assert_int_equal(audit_list(f->db, seq, entry, 1, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(entry->seq, seq);
    return entry;
}

static void insert_entry(fixture *f, const audit_entry *e)
{
    db_param params[] = {DB_PARAM_INT64(e->seq),          DB_PARAM_INT64(e->time_ms),
                         DB_PARAM_INT64(e->suite),        DB_PARAM_INT64(e->actor_type),
                         DB_PARAM_TEXT(e->actor_id),      DB_PARAM_TEXT(e->actor_role),
                         DB_PARAM_TEXT(e->tenant),        DB_PARAM_TEXT(e->action),
                         DB_PARAM_TEXT(e->target),        DB_PARAM_INT64(e->outcome),
                         DB_PARAM_TEXT(e->source_address), DB_PARAM_TEXT(e->request_id),
                         DB_PARAM_TEXT(e->details),
                         DB_PARAM_BLOB(e->prev_hash, AUDIT_HASH_SIZE),
                         DB_PARAM_BLOB(e->hash, AUDIT_HASH_SIZE)};
    assert_int_equal(db_execute(f->db,
                                "INSERT INTO aw_audit_entry (seq, time_ms, suite, actor_type,"
                                " actor_id, actor_role, tenant, action, target, outcome,"
                                " source_address, request_id, details, prev_hash, hash)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                params, 15, NULL),
                     AW_OK);
}

static void set_hashes(fixture *f, const audit_entry *e)
{
    db_param params[] = {DB_PARAM_TEXT(e->target), DB_PARAM_BLOB(e->prev_hash, AUDIT_HASH_SIZE),
                         DB_PARAM_BLOB(e->hash, AUDIT_HASH_SIZE), DB_PARAM_INT64(e->seq)};
    assert_int_equal(db_execute(f->db,
                                "UPDATE aw_audit_entry SET target = ?, prev_hash = ?, hash = ?"
                                " WHERE seq = ?",
                                params, 4, NULL),
                     AW_OK);
}

static void move_entry(fixture *f, int64_t from, int64_t to)
{
    db_param params[] = {DB_PARAM_INT64(to), DB_PARAM_INT64(from)};
    assert_int_equal(db_execute(f->db, "UPDATE aw_audit_entry SET seq = ? WHERE seq = ?", params,
                                2, NULL),
                     AW_OK);
}

void test_audit_tamper_update_field(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        run(&f, "UPDATE aw_audit_entry SET target = 'order:666' WHERE seq = 5");
        expect(&f, AW_ERR_AUDIT_HASH, 5, 5);
        fixture_close(&f);
    }
}

/* The edited entry's own hash recomputed: the next entry's link breaks. */
void test_audit_tamper_recomputed_hash(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        audit_entry *e = read_entry(&f, 5);
        snprintf(e->target, sizeof(e->target), "order:666");
        assert_int_equal(audit_entry_hash(e, 5, e->hash), AW_OK);
        set_hashes(&f, e);
        expect(&f, AW_ERR_AUDIT_LINK, 6, 5);
        free(e);
        fixture_close(&f);
    }
}

void test_audit_tamper_delete_middle(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        run(&f, "DELETE FROM aw_audit_entry WHERE seq = 7");
        expect(&f, AW_ERR_AUDIT_GAP, 7, 8);
        fixture_close(&f);
    }
    /* the first entry */
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    run(&f, "DELETE FROM aw_audit_entry WHERE seq = 1");
    expect(&f, AW_ERR_AUDIT_GAP, 1, 2);
    fixture_close(&f);
}

/* Entry 7 deleted and the later ones renumbered to hide the gap. */
void test_audit_tamper_delete_renumbered(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        run(&f, "DELETE FROM aw_audit_entry WHERE seq = 7");
        for (int64_t seq = 8; seq <= 25; seq++)
            move_entry(&f, seq, seq - 1);
        expect(&f, AW_ERR_AUDIT_GAP, 7, 8);
        fixture_close(&f);
    }
}

void test_audit_tamper_delete_tail(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        run(&f, "DELETE FROM aw_audit_entry WHERE seq > 15");
        /* checkpoint 2 signs the chain up to 20 */
        expect(&f, AW_ERR_AUDIT_TRUNCATED, 16, 20);
        fixture_close(&f);
    }
    /* Behind the last checkpoint nothing proves the tail existed: the
     * limit docs/audit-log.md states (checkpoint often, keep them apart). */
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    run(&f, "DELETE FROM aw_audit_entry WHERE seq > 20");
    audit_report report;
    assert_int_equal(audit_test_verify(f.db, f.suite, f.key, &report), AW_OK);
    assert_int_equal(report.head_seq, 20);
    assert_int_equal(report.last_checkpoint_seq, 20);
    fixture_close(&f);
}

void test_audit_tamper_insert_forged(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        /* a well-formed forged entry at 12, the later ones renumbered */
        fixture f = fixture_open(suites[s]);
        audit_entry *prev = read_entry(&f, 11);
        audit_entry *forged = read_entry(&f, 12);
        snprintf(forged->action, sizeof(forged->action), "key.export");
        memcpy(forged->prev_hash, prev->hash, AUDIT_HASH_SIZE);
        assert_int_equal(audit_entry_hash(forged, 12, forged->hash), AW_OK);
        for (int64_t seq = 25; seq >= 12; seq--)
            move_entry(&f, seq, seq + 1);
        insert_entry(&f, forged);
        expect(&f, AW_ERR_AUDIT_INSERTED, 12, 13);
        free(prev);
        free(forged);
        fixture_close(&f);
    }
    /* before the first entry */
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    audit_entry *forged = read_entry(&f, 1);
    forged->seq = 0;
    insert_entry(&f, forged);
    expect(&f, AW_ERR_AUDIT_INSERTED, 0, 1);
    fixture_close(&f);
    /* at the tail with a made-up hash */
    f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    audit_entry *last = read_entry(&f, 25);
    forged->seq = 26;
    memcpy(forged->prev_hash, last->hash, AUDIT_HASH_SIZE);
    memset(forged->hash, 0x5A, AUDIT_HASH_SIZE);
    insert_entry(&f, forged);
    expect(&f, AW_ERR_AUDIT_HASH, 26, 26);
    fixture_close(&f);
    /* at the tail with the right hash: the chain cannot tell (no secret in
     * it), it stays unsigned until the next checkpoint (docs/audit-log.md) */
    f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(audit_entry_hash(forged, 26, forged->hash), AW_OK);
    insert_entry(&f, forged);
    audit_report report;
    assert_int_equal(audit_test_verify(f.db, f.suite, f.key, &report), AW_OK);
    assert_int_equal(report.head_seq, 26);
    assert_int_equal(report.last_checkpoint_seq, 20);
    free(last);
    free(forged);
    fixture_close(&f);
}

void test_audit_tamper_swap(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        move_entry(&f, 4, -1);
        move_entry(&f, 9, 4);
        move_entry(&f, -1, 9);
        expect(&f, AW_ERR_AUDIT_ORDER, 4, 9);
        fixture_close(&f);
    }
    /* neighbours */
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    move_entry(&f, 4, -1);
    move_entry(&f, 5, 4);
    move_entry(&f, -1, 5);
    expect(&f, AW_ERR_AUDIT_ORDER, 4, 5);
    fixture_close(&f);
}

void test_audit_tamper_suite(void **state)
{
    (void)state;
    /* a domestic chain verified as international, and the reverse */
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        audit_report report;
        assert_int_equal(audit_verify(f.db, suites[1 - s], NULL, 0, &report),
                         AW_ERR_AUDIT_SUITE);
        assert_int_equal(report.seq, 1);
        assert_int_equal(report.other_seq, suites[s]);
        fixture_close(&f);
    }
    /* one entry's suite changed */
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    run(&f, "UPDATE aw_audit_entry SET suite = 2 WHERE seq = 3");
    expect(&f, AW_ERR_AUDIT_SUITE, 3, 2);
    fixture_close(&f);
    /* a checkpoint's suite changed */
    f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    run(&f, "UPDATE aw_audit_checkpoint SET suite = 2 WHERE id = 2");
    expect(&f, AW_ERR_AUDIT_SUITE, 20, 2);
    fixture_close(&f);
}

void test_audit_tamper_format(void **state)
{
    (void)state;
    static const uint8_t short_blob[1] = {0};
    db_param params[] = {DB_PARAM_BLOB(short_blob, 1)};
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(db_execute(f.db, "UPDATE aw_audit_entry SET hash = ? WHERE seq = 3", params,
                                1, NULL),
                     AW_OK);
    expect(&f, AW_ERR_AUDIT_FORMAT, 3, 0);
    fixture_close(&f);
    /* a value no append writes */
    f = fixture_open(CRYPTO_SUITE_DOMESTIC);
    run(&f, "UPDATE aw_audit_entry SET actor_type = 9 WHERE seq = 4");
    expect(&f, AW_ERR_AUDIT_FORMAT, 4, 4);
    fixture_close(&f);
    /* a text over its bound */
    f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    char long_text[AUDIT_FIELD_MAX + 2];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    db_param text[] = {DB_PARAM_TEXT(long_text)};
    assert_int_equal(db_execute(f.db, "UPDATE aw_audit_entry SET tenant = ? WHERE seq = 2", text,
                                1, NULL),
                     AW_OK);
    expect(&f, AW_ERR_AUDIT_FORMAT, 2, 0);
    fixture_close(&f);
    /* a checkpoint's key id */
    f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(db_execute(f.db, "UPDATE aw_audit_checkpoint SET key_id = ? WHERE id = 1",
                                params, 1, NULL),
                     AW_OK);
    expect(&f, AW_ERR_AUDIT_FORMAT, 10, 1);
    fixture_close(&f);
}

void test_audit_tamper_checkpoints(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        /* another checkpoint's signature (valid DER, wrong message) */
        fixture f = fixture_open(suites[s]);
        run(&f, "UPDATE aw_audit_checkpoint SET signature ="
                " (SELECT signature FROM aw_audit_checkpoint WHERE id = 2) WHERE id = 1");
        expect(&f, AW_ERR_AUDIT_CHECKPOINT_SIGNATURE, 10, 1);
        fixture_close(&f);
        /* the signed head moved to a later entry */
        f = fixture_open(suites[s]);
        run(&f, "UPDATE aw_audit_checkpoint SET seq = 11 WHERE id = 1");
        expect(&f, AW_ERR_AUDIT_CHECKPOINT_SIGNATURE, 11, 1);
        fixture_close(&f);
        /* a verifier holding another key, or none */
        f = fixture_open(suites[s]);
        crypto_suite_key *other = NULL;
        assert_int_equal(crypto_suite_key_generate(suites[s], &other), AW_OK);
        audit_report report;
        assert_int_equal(audit_test_verify(f.db, f.suite, other, &report),
                         AW_ERR_AUDIT_CHECKPOINT_KEY);
        assert_int_equal(report.seq, 10);
        assert_int_equal(report.other_seq, 1);
        assert_int_equal(report.entries, 25);
        assert_int_equal(audit_verify(f.db, f.suite, NULL, 0, &report),
                         AW_ERR_AUDIT_CHECKPOINT_KEY);
        /* several keys (rotation): the right one is found */
        const crypto_suite_key *keys[] = {other, f.key};
        assert_int_equal(audit_verify(f.db, f.suite, keys, 2, &report), AW_OK);
        crypto_suite_key_free(other);
        fixture_close(&f);
    }
    /* a malformed signature */
    static const uint8_t bad_der[] = {0x30, 0x00};
    db_param params[] = {DB_PARAM_BLOB(bad_der, sizeof(bad_der))};
    fixture f = fixture_open(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(db_execute(f.db, "UPDATE aw_audit_checkpoint SET signature = ? WHERE id = 2",
                                params, 1, NULL),
                     AW_OK);
    expect(&f, AW_ERR_AUDIT_CHECKPOINT_SIGNATURE, 20, 2);
    fixture_close(&f);
}

/* Entry 3 edited and every later hash recomputed: the chain holds, the
 * checkpoint over entry 10 does not. */
void test_audit_tamper_rewritten_chain(void **state)
{
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        fixture f = fixture_open(suites[s]);
        uint8_t prev_hash[AUDIT_HASH_SIZE];
        for (int64_t seq = 3; seq <= 25; seq++) {
            audit_entry *e = read_entry(&f, seq);
            if (seq == 3)
                snprintf(e->target, sizeof(e->target), "order:666");
            else
                memcpy(e->prev_hash, prev_hash, AUDIT_HASH_SIZE);
            assert_int_equal(audit_entry_hash(e, seq, e->hash), AW_OK);
            memcpy(prev_hash, e->hash, AUDIT_HASH_SIZE);
            set_hashes(&f, e);
            free(e);
        }
        expect(&f, AW_ERR_AUDIT_CHECKPOINT_MISMATCH, 10, 1);
        fixture_close(&f);
    }
}
