/* Tests for the audit log (core/audit.h, docs/audit-log.md) on SQLite and on
 * a real PostgreSQL (tests/pg-harness.sh, URL in AW_TEST_POSTGRESQL_URL):
 * appends and verification in both suites with automatic and on-demand
 * checkpoints, the worked example of docs/audit-log.md recomputed, the
 * decoder, every error path, the append-only triggers, appends joining
 * the caller's transaction, two processes appending to one chain, and an
 * independent recomputation of the chain by /usr/bin/python3
 * (tests/crosscheck_audit.py). Tampering: test_audit_tamper.c.
 *   test_audit sqlite|postgresql */
#include "test_audit.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool audit_use_postgresql;
char audit_current_url[1100];
static char base_url[1024];
static char temp_dir[512];
static unsigned test_counter;

int audit_test_setup(void **state)
{
    (void)state;
    if (!audit_use_postgresql) {
        snprintf(audit_current_url, sizeof(audit_current_url), "sqlite:%s/t%u.db", temp_dir,
                 ++test_counter);
        return 0;
    }
    snprintf(audit_current_url, sizeof(audit_current_url), "%s", base_url);
    db_connection *db = NULL;
    if (db_open(audit_current_url, NULL, &db) != AW_OK)
        return -1;
    aw_err err = db_execute(db, "DROP SCHEMA public CASCADE", NULL, 0, NULL);
    if (err == AW_OK)
        err = db_execute(db, "CREATE SCHEMA public", NULL, 0, NULL);
    db_close(db);
    return err == AW_OK ? 0 : -1;
}

db_connection *audit_test_open(void)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(audit_current_url, NULL, &db), AW_OK);
    assert_int_equal(audit_migrate(db), AW_OK);
    return db;
}

audit_event audit_test_event(int i, char *target, size_t target_size)
{
    snprintf(target, target_size, "order:%d", i);
    return (audit_event){.actor_type = (audit_actor_type)(1 + i % 3),
                         .actor_id = i % 2 ? "app-7" : "alice",
                         .actor_role = i % 2 ? "northbound" : "operator",
                         .tenant = "tenant-a",
                         .action = i % 4 ? "order.create" : "login",
                         .target = target,
                         .outcome = (audit_outcome)(1 + i % 3),
                         .source_address = "192.0.2.7",
                         .request_id = i % 5 ? "req-1" : NULL,
                         .details = i % 3 ? "{\"n\":1,\"note\":\"\xe5\xae\xa1\xe8\xae\xa1\"}" : NULL};
}

void audit_test_fill(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                     uint32_t interval, int count)
{
    audit_options options = {.suite = suite, .checkpoint_key = key,
                             .checkpoint_interval = interval};
    for (int i = 1; i <= count; i++) {
        char target[32];
        audit_event event = audit_test_event(i, target, sizeof(target));
        int64_t seq = 0;
        assert_int_equal(audit_append(db, &options, &event, AUDIT_T0 + i, &seq), AW_OK);
        assert_true(seq >= 1);
    }
}

aw_err audit_test_verify(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                         audit_report *report)
{
    const crypto_suite_key *keys[] = {key};
    aw_err err = audit_verify(db, suite, keys, key ? 1 : 0, report);
    if (err != AW_OK)
        print_message("report: %s (%s) seq %lld other %lld\n", report->message,
                      aw_err_name(err), (long long)report->seq, (long long)report->other_seq);
    return err;
}

void audit_test_drop_triggers(db_connection *db)
{
    static const char *const sqlite_sql[] = {
        "DROP TRIGGER aw_audit_entry_no_update", "DROP TRIGGER aw_audit_entry_no_delete",
        "DROP TRIGGER aw_audit_checkpoint_no_update", "DROP TRIGGER aw_audit_checkpoint_no_delete"};
    static const char *const pg_sql[] = {
        "DROP TRIGGER aw_audit_entry_append_only ON aw_audit_entry",
        "DROP TRIGGER aw_audit_checkpoint_append_only ON aw_audit_checkpoint"};
    const char *const *sql = audit_use_postgresql ? pg_sql : sqlite_sql;
    size_t n = audit_use_postgresql ? 2 : 4;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(db_execute(db, sql[i], NULL, 0, NULL), AW_OK);
}

static crypto_suite_key *new_key(crypto_suite suite)
{
    crypto_suite_key *key = NULL;
    assert_int_equal(crypto_suite_key_generate(suite, &key), AW_OK);
    return key;
}

static void test_migrate(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    assert_int_equal(audit_migrate(db), AW_OK); /* once only */
    int64_t version = 0;
    assert_int_equal(db_schema_version(db, "audit", &version), AW_OK);
    assert_int_equal(version, 2);
    /* version 2 dropped the prev_hash index (a reordered entry is found by
     * seq: test_audit_tamper_swap) */
    db_param index_name[] = {DB_PARAM_TEXT("aw_audit_entry_prev_hash")};
    int64_t indexes = -1;
    assert_int_equal(db_query_int64(db,
                                    audit_use_postgresql
                                        ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?"
                                        : "SELECT COUNT(*) FROM sqlite_master WHERE name = ?",
                                    index_name, 1, &indexes),
                     AW_OK);
    assert_int_equal(indexes, 0);
    assert_int_equal(audit_migrate(NULL), AW_ERR_ARGUMENT);
    /* an empty log verifies */
    audit_report report;
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, &report), AW_OK);
    assert_int_equal(report.entries, 0);
    db_close(db);
}

/* audit_append_many: entries in their order after single appends, a
 * checkpoint for each seq on the interval inside a batch, the chain
 * intact; an invalid event refuses the whole batch before any write. */
static void test_append_many(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    crypto_suite_key *key = new_key(CRYPTO_SUITE_INTERNATIONAL);
    audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL, .checkpoint_key = key,
                             .checkpoint_interval = 4};
    audit_test_fill(db, CRYPTO_SUITE_INTERNATIONAL, key, 4, 3);
    char targets[9][32];
    audit_event events[9];
    int64_t times[9];
    for (int i = 0; i < 9; i++) {
        events[i] = audit_test_event(4 + i, targets[i], sizeof(targets[i]));
        times[i] = AUDIT_T0 + 4 + i;
    }
    int64_t last = 0;
    /* refused whole: the eighth is invalid */
    events[7].action = NULL;
    assert_int_equal(audit_append_many(db, &options, events, times, 9, &last),
                     AW_ERR_AUDIT_FIELD);
    assert_int_equal(last, 0);
    char target[32];
    events[7] = audit_test_event(11, target, sizeof(target));
    snprintf(targets[7], sizeof(targets[7]), "%s", target);
    events[7].target = targets[7];
    assert_int_equal(audit_append_many(NULL, &options, events, times, 9, &last),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_append_many(db, NULL, events, times, 9, &last), AW_ERR_ARGUMENT);
    assert_int_equal(audit_append_many(db, &options, events, times, 0, &last), AW_ERR_ARGUMENT);
    assert_int_equal(audit_append_many(db, &options, NULL, times, 9, &last), AW_ERR_ARGUMENT);
    assert_int_equal(audit_append_many(db, &options, events, NULL, 9, &last), AW_ERR_ARGUMENT);
    audit_report report;
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, key, &report), AW_OK);
    assert_int_equal(report.entries, 3); /* nothing of the refused batch */
    /* seqs 4..12 in one call: checkpoints at 4, 8 and 12 */
    assert_int_equal(audit_append_many(db, &options, events, times, 9, &last), AW_OK);
    assert_int_equal(last, 12);
    int64_t seq = 0;
    assert_int_equal(audit_append(db, &options, &events[0], AUDIT_T0 + 20, &seq), AW_OK);
    assert_int_equal(seq, 13);
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, key, &report), AW_OK);
    assert_int_equal(report.entries, 13);
    assert_int_equal(report.head_seq, 13);
    assert_int_equal(report.checkpoints, 3);
    assert_int_equal(report.last_checkpoint_seq, 12);
    /* in their order, each at its own time */
    audit_entry *entries = calloc(13, sizeof(*entries));
    assert_non_null(entries);
    size_t count = 0;
    assert_int_equal(audit_list(db, 4, entries, 13, &count), AW_OK);
    assert_int_equal(count, 10);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(entries[i].seq, 4 + (int64_t)i);
        assert_int_equal(entries[i].time_ms, times[i]);
        assert_string_equal(entries[i].target, targets[i]);
    }
    free(entries);
    crypto_suite_key_free(key);
    db_close(db);
}

static void test_append_verify(void **state)
{
    (void)state;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        if (s == 1)
            assert_int_equal(audit_test_setup(NULL), 0);
        db_connection *db = audit_test_open();
        crypto_suite_key *key = new_key(suites[s]);
        audit_test_fill(db, suites[s], key, 10, 25);
        audit_report report;
        assert_int_equal(audit_test_verify(db, suites[s], key, &report), AW_OK);
        assert_int_equal(report.error, AW_OK);
        assert_int_equal(report.entries, 25);
        assert_int_equal(report.head_seq, 25);
        assert_int_equal(report.checkpoints, 2);
        assert_int_equal(report.last_checkpoint_seq, 20);
        assert_non_null(strstr(report.message, "intact: 25 entries, 2 checkpoints"));
        /* on demand */
        audit_checkpoint_info cp;
        assert_int_equal(audit_checkpoint(db, suites[s], key, AUDIT_T0 + 100, &cp), AW_OK);
        assert_int_equal(cp.seq, 25);
        assert_int_equal(cp.id, 3);
        assert_int_equal(cp.suite, suites[s]);
        assert_int_equal(crypto_suite_verify(key, (uint8_t[AUDIT_CHECKPOINT_MESSAGE_SIZE]){0},
                                             AUDIT_CHECKPOINT_MESSAGE_SIZE, cp.signature,
                                             cp.signature_len),
                         AW_ERR_SIGNATURE);
        uint8_t message[AUDIT_CHECKPOINT_MESSAGE_SIZE];
        assert_int_equal(audit_checkpoint_message(&cp, message), AW_OK);
        assert_int_equal(crypto_suite_verify(key, message, sizeof(message), cp.signature,
                                             cp.signature_len),
                         AW_OK);
        assert_int_equal(audit_test_verify(db, suites[s], key, &report), AW_OK);
        assert_int_equal(report.checkpoints, 3);
        assert_int_equal(report.last_checkpoint_seq, 25);
        /* listing: entries as appended, chained */
        audit_entry *entries = calloc(30, sizeof(*entries));
        assert_non_null(entries);
        size_t count = 0;
        assert_int_equal(audit_list(db, 1, entries, 30, &count), AW_OK);
        assert_int_equal(count, 25);
        for (size_t i = 0; i < count; i++) {
            char target[32];
            audit_event want = audit_test_event((int)i + 1, target, sizeof(target));
            audit_entry *e = &entries[i];
            assert_int_equal(e->seq, (int64_t)i + 1);
            assert_int_equal(e->time_ms, AUDIT_T0 + (int64_t)i + 1);
            assert_int_equal(e->suite, suites[s]);
            assert_int_equal(e->actor_type, want.actor_type);
            assert_int_equal(e->outcome, want.outcome);
            assert_string_equal(e->actor_id, want.actor_id);
            assert_string_equal(e->target, want.target);
            assert_string_equal(e->request_id, want.request_id ? want.request_id : "");
            assert_string_equal(e->details, want.details ? want.details : "{}");
            uint8_t hash[AUDIT_HASH_SIZE];
            assert_int_equal(audit_entry_hash(e, e->seq, hash), AW_OK);
            assert_memory_equal(hash, e->hash, AUDIT_HASH_SIZE);
            if (i > 0)
                assert_memory_equal(e->prev_hash, entries[i - 1].hash, AUDIT_HASH_SIZE);
            else
                assert_memory_equal(e->prev_hash, (uint8_t[AUDIT_HASH_SIZE]){0},
                                    AUDIT_HASH_SIZE);
        }
        assert_int_equal(audit_list(db, 20, entries, 3, &count), AW_OK);
        assert_int_equal(count, 3);
        assert_int_equal(entries[0].seq, 20);
        assert_int_equal(entries[2].seq, 22);
        assert_int_equal(audit_list(db, 26, entries, 3, &count), AW_OK);
        assert_int_equal(count, 0);
        free(entries);
        crypto_suite_key_free(key);
        db_close(db);
    }
}

/* More entries than one verification page, no key: checkpoints absent. */
static void test_verify_pages(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    assert_int_equal(db_begin(db), AW_OK);
    audit_test_fill(db, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, (int)AUDIT_VERIFY_PAGE * 2 + 3);
    assert_int_equal(db_commit(db), AW_OK);
    audit_report report;
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, &report), AW_OK);
    assert_int_equal(report.entries, AUDIT_VERIFY_PAGE * 2 + 3);
    assert_int_equal(report.checkpoints, 0);
    db_close(db);
}

/* docs/audit-log.md "Worked example", recomputed. */
#define EXAMPLE_CANONICAL                                                                     \
    "01" "01" "0000000000000001" "0000019AD7F8D400" "01" "01"                                 \
    "00000005" "616C696365"                                                                   \
    "00000008" "6F70657261746F72"                                                             \
    "00000008" "74656E616E742D61"                                                             \
    "00000005" "6C6F67696E"                                                                   \
    "00000007" "636F6E736F6C65"                                                               \
    "00000009" "3139322E302E322E37"                                                           \
    "00000005" "7265712D31"                                                                   \
    "00000015" "7B226D6574686F64223A2270617373776F7264227D"
#define EXAMPLE_SHA256 "83A8EE6BFE546DC6FA1E8472771487A49BECDA13E93AC7AC0C9A59014BC9128B"
#define EXAMPLE_SM3 "09DB329BC30C99EB38A4D5E7FBF03181F3332BED868BFD8B86065AC68D9302DC" /* suite byte 02 */

static const audit_event example_event = {.actor_type = AUDIT_ACTOR_USER,
                                          .actor_id = "alice",
                                          .actor_role = "operator",
                                          .tenant = "tenant-a",
                                          .action = "login",
                                          .target = "console",
                                          .outcome = AUDIT_OUTCOME_SUCCESS,
                                          .source_address = "192.0.2.7",
                                          .request_id = "req-1",
                                          .details = "{\"method\":\"password\"}"};

static void test_worked_example(void **state)
{
    (void)state;
    uint8_t out[AUDIT_CANONICAL_MAX];
    size_t len = 0;
    assert_int_equal(audit_entry_encode(1, AUDIT_T0, CRYPTO_SUITE_INTERNATIONAL, &example_event,
                                        out, sizeof(out), &len),
                     AW_OK);
    test_assert_hex(out, len, EXAMPLE_CANONICAL);
    audit_entry entry;
    assert_int_equal(audit_entry_decode(out, len, &entry), AW_OK);
    assert_int_equal(entry.seq, 1);
    assert_int_equal(entry.time_ms, AUDIT_T0);
    assert_string_equal(entry.details, example_event.details);
    uint8_t again[AUDIT_CANONICAL_MAX];
    audit_event event;
    audit_entry_event(&entry, &event);
    size_t again_len = 0;
    assert_int_equal(audit_entry_encode(entry.seq, entry.time_ms, entry.suite, &event, again,
                                        sizeof(again), &again_len),
                     AW_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, out, len);
    /* hash = H(32 zero bytes || canonical) */
    uint8_t hash[AUDIT_HASH_SIZE];
    assert_int_equal(audit_entry_hash(&entry, 1, hash), AW_OK);
    test_assert_hex(hash, sizeof(hash), EXAMPLE_SHA256);
    entry.suite = CRYPTO_SUITE_DOMESTIC;
    assert_int_equal(audit_entry_hash(&entry, 1, hash), AW_OK);
    test_assert_hex(hash, sizeof(hash), EXAMPLE_SM3);
    /* the same entry appended to an empty log gets the same hash */
    db_connection *db = audit_test_open();
    audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL};
    assert_int_equal(audit_append(db, &options, &example_event, AUDIT_T0, NULL), AW_OK);
    size_t count = 0;
    assert_int_equal(audit_list(db, 1, &entry, 1, &count), AW_OK);
    assert_int_equal(count, 1);
    test_assert_hex(entry.hash, AUDIT_HASH_SIZE, EXAMPLE_SHA256);
    db_close(db);
}

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t good[AUDIT_CANONICAL_MAX + 1];
    size_t len = 0;
    assert_int_equal(audit_entry_encode(1, AUDIT_T0, CRYPTO_SUITE_INTERNATIONAL, &example_event,
                                        good, sizeof(good), &len),
                     AW_OK);
    audit_entry entry;
    uint8_t bad[AUDIT_CANONICAL_MAX + 1];
    /* every truncation */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(audit_entry_decode(good, cut, &entry), AW_ERR_AUDIT_FORMAT);
    /* trailing byte */
    memcpy(bad, good, len);
    bad[len] = 0;
    assert_int_equal(audit_entry_decode(bad, len + 1, &entry), AW_ERR_AUDIT_FORMAT);
    /* version */
    memcpy(bad, good, len);
    bad[0] = 2;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_FORMAT);
    /* suite */
    memcpy(bad, good, len);
    bad[1] = 3;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_SUITE);
    /* actor type */
    memcpy(bad, good, len);
    bad[18] = 4;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_FIELD);
    /* a length over the field bound */
    memcpy(bad, good, len);
    bad[20] = 0x01;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_FORMAT);
    /* a NUL inside actor id, and inside the optional tenant ("tenant-a" at 45) */
    memcpy(bad, good, len);
    bad[24] = 0;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_FIELD);
    memcpy(bad, good, len);
    assert_int_equal(bad[48], 'a');
    bad[48] = 0;
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_FIELD);
    /* details not JSON: last byte of '}' changed */
    memcpy(bad, good, len);
    bad[len - 1] = ']';
    assert_int_equal(audit_entry_decode(bad, len, &entry), AW_ERR_AUDIT_DETAILS);
    assert_int_equal(audit_entry_decode(NULL, len, &entry), AW_ERR_ARGUMENT);
    assert_int_equal(audit_entry_decode(good, len, NULL), AW_ERR_ARGUMENT);
}

static void test_event_errors(void **state)
{
    (void)state;
    char long_text[AUDIT_FIELD_MAX + 2];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    char max_text[AUDIT_FIELD_MAX + 1];
    memset(max_text, 'y', sizeof(max_text) - 1);
    max_text[sizeof(max_text) - 1] = '\0';
    audit_event e = example_event;
    assert_int_equal(audit_event_check(&e), AW_OK);
    e.actor_role = max_text; /* exactly the bound */
    assert_int_equal(audit_event_check(&e), AW_OK);
    struct {
        const char **field;
        const char *value;
    } bad_texts[] = {
        {&e.actor_id, NULL},        {&e.actor_id, ""},          {&e.action, NULL},
        {&e.action, ""},            {&e.actor_role, long_text}, {&e.tenant, "a\nb"},
        {&e.target, "\x7f"},        {&e.source_address, "\xc0\xaf"}, /* overlong */
        {&e.request_id, "\xed\xa0\x80"},                             /* surrogate */
        {&e.actor_id, "\xc2\x85"},                                   /* C1 NEL */
        {&e.actor_id, "\xf4\x90\x80\x80"},                           /* over U+10FFFF */
        {&e.actor_id, "\xe5\xae"},                                   /* truncated */
        {&e.actor_id, "\xff"},
    };
    for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
        e = example_event;
        *bad_texts[i].field = bad_texts[i].value;
        assert_int_equal(audit_event_check(&e), AW_ERR_AUDIT_FIELD);
    }
    e = example_event;
    e.actor_type = (audit_actor_type)0;
    assert_int_equal(audit_event_check(&e), AW_ERR_AUDIT_FIELD);
    e.actor_type = (audit_actor_type)4;
    assert_int_equal(audit_event_check(&e), AW_ERR_AUDIT_FIELD);
    e = example_event;
    e.outcome = (audit_outcome)4;
    assert_int_equal(audit_event_check(&e), AW_ERR_AUDIT_FIELD);
    static char big[AUDIT_DETAILS_MAX + 2];
    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    static const char *const bad_details[] = {
        "", "[]", "1", "{", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "{\"a\":\n1}", "{\"a\":\"\\u0000\"}",
        big,
    };
    for (size_t i = 0; i < sizeof(bad_details) / sizeof(bad_details[0]); i++) {
        e = example_event;
        e.details = bad_details[i];
        assert_int_equal(audit_event_check(&e), AW_ERR_AUDIT_DETAILS);
    }
    big[sizeof(big) - 3] = '}'; /* 4096 bytes: exactly the bound */
    big[sizeof(big) - 2] = '\0';
    e.details = big;
    assert_int_equal(audit_event_check(&e), AW_OK);
    assert_int_equal(audit_event_check(NULL), AW_ERR_ARGUMENT);
    uint8_t out[AUDIT_CANONICAL_MAX];
    size_t len = 1;
    assert_int_equal(audit_entry_encode(1, 0, CRYPTO_SUITE_INTERNATIONAL, &example_event, out,
                                        10, &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    assert_int_equal(audit_entry_encode(1, 0, (crypto_suite)9, &example_event, out, sizeof(out),
                                        &len),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(audit_entry_encode(1, 0, CRYPTO_SUITE_INTERNATIONAL, &example_event, NULL,
                                        sizeof(out), &len),
                     AW_ERR_ARGUMENT);
}

static void test_api_errors(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    crypto_suite_key *ec = new_key(CRYPTO_SUITE_INTERNATIONAL);
    crypto_suite_key *sm2 = new_key(CRYPTO_SUITE_DOMESTIC);
    char *pem = NULL;
    size_t pem_len = 0;
    assert_int_equal(crypto_suite_key_export_public_pem(ec, &pem, &pem_len), AW_OK);
    crypto_suite_key *ec_public = NULL;
    assert_int_equal(crypto_suite_key_load_public_pem(CRYPTO_SUITE_INTERNATIONAL, pem, pem_len,
                                                      &ec_public),
                     AW_OK);
    crypto_suite_pem_free(pem, pem_len);
    audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL};
    audit_event bad = example_event;
    bad.action = NULL;
    int64_t seq = 9;
    assert_int_equal(audit_append(db, &options, &bad, AUDIT_T0, &seq), AW_ERR_AUDIT_FIELD);
    assert_int_equal(seq, 0);
    bad = example_event;
    bad.details = "[1]";
    assert_int_equal(audit_append(db, &options, &bad, AUDIT_T0, NULL), AW_ERR_AUDIT_DETAILS);
    assert_int_equal(audit_append(NULL, &options, &example_event, AUDIT_T0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_append(db, NULL, &example_event, AUDIT_T0, NULL), AW_ERR_ARGUMENT);
    audit_options unknown = {.suite = (crypto_suite)7};
    assert_int_equal(audit_append(db, &unknown, &example_event, AUDIT_T0, NULL),
                     AW_ERR_SUITE_UNKNOWN);
    audit_options other_key = {.suite = CRYPTO_SUITE_INTERNATIONAL, .checkpoint_key = sm2,
                               .checkpoint_interval = 1};
    assert_int_equal(audit_append(db, &other_key, &example_event, AUDIT_T0, NULL),
                     AW_ERR_SUITE_MISMATCH);
    audit_options public_key = {.suite = CRYPTO_SUITE_INTERNATIONAL, .checkpoint_key = ec_public,
                                .checkpoint_interval = 1};
    assert_int_equal(audit_append(db, &public_key, &example_event, AUDIT_T0, NULL),
                     AW_ERR_SUITE_KEY);
    /* nothing to checkpoint yet */
    assert_int_equal(audit_checkpoint(db, CRYPTO_SUITE_INTERNATIONAL, ec, AUDIT_T0, NULL),
                     AW_ERR_STATE);
    assert_int_equal(audit_append(db, &options, &example_event, AUDIT_T0, &seq), AW_OK);
    assert_int_equal(seq, 1);
    /* a chain never mixes suites */
    audit_options domestic = {.suite = CRYPTO_SUITE_DOMESTIC};
    assert_int_equal(audit_append(db, &domestic, &example_event, AUDIT_T0, NULL),
                     AW_ERR_AUDIT_SUITE);
    assert_int_equal(audit_checkpoint(db, CRYPTO_SUITE_DOMESTIC, sm2, AUDIT_T0, NULL),
                     AW_ERR_AUDIT_SUITE);
    assert_int_equal(audit_checkpoint(db, CRYPTO_SUITE_INTERNATIONAL, sm2, AUDIT_T0, NULL),
                     AW_ERR_SUITE_MISMATCH);
    assert_int_equal(audit_checkpoint(db, CRYPTO_SUITE_INTERNATIONAL, ec_public, AUDIT_T0, NULL),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(audit_checkpoint(db, (crypto_suite)0, ec, AUDIT_T0, NULL),
                     AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(audit_checkpoint(NULL, CRYPTO_SUITE_INTERNATIONAL, ec, AUDIT_T0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_checkpoint(db, CRYPTO_SUITE_INTERNATIONAL, NULL, AUDIT_T0, NULL),
                     AW_ERR_ARGUMENT);
    /* listing */
    audit_entry entry;
    size_t count = 5;
    assert_int_equal(audit_list(db, 1, &entry, 0, &count), AW_ERR_ARGUMENT);
    assert_int_equal(count, 0);
    assert_int_equal(audit_list(db, 1, &entry, AUDIT_LIST_MAX + 1, &count), AW_ERR_ARGUMENT);
    assert_int_equal(audit_list(NULL, 1, &entry, 1, &count), AW_ERR_ARGUMENT);
    assert_int_equal(audit_list(db, 1, NULL, 1, &count), AW_ERR_ARGUMENT);
    /* verification arguments */
    audit_report report;
    const crypto_suite_key *keys[] = {sm2};
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report),
                     AW_ERR_SUITE_MISMATCH);
    assert_int_equal(audit_verify(db, (crypto_suite)3, NULL, 0, &report), AW_ERR_SUITE_UNKNOWN);
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, NULL, 1, &report),
                     AW_ERR_ARGUMENT);
    const crypto_suite_key *null_key[] = {NULL};
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, null_key, 1, &report),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_verify(NULL, CRYPTO_SUITE_INTERNATIONAL, NULL, 0, &report),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_key_id(NULL, (uint8_t[AUDIT_KEY_ID_SIZE]){0}), AW_ERR_ARGUMENT);
    assert_int_equal(audit_checkpoint_message(NULL, (uint8_t[AUDIT_CHECKPOINT_MESSAGE_SIZE]){0}),
                     AW_ERR_ARGUMENT);
    assert_int_equal(audit_entry_hash(NULL, 1, (uint8_t[AUDIT_HASH_SIZE]){0}), AW_ERR_ARGUMENT);
    crypto_suite_key_free(ec_public);
    crypto_suite_key_free(sm2);
    crypto_suite_key_free(ec);
    db_close(db);
}

/* The tables refuse UPDATE and DELETE while the triggers exist. */
static void test_append_only(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    crypto_suite_key *key = new_key(CRYPTO_SUITE_INTERNATIONAL);
    audit_test_fill(db, CRYPTO_SUITE_INTERNATIONAL, key, 2, 3);
    static const char *const refused[] = {
        "UPDATE aw_audit_entry SET target = 'x' WHERE seq = 2",
        "DELETE FROM aw_audit_entry WHERE seq = 3",
        "UPDATE aw_audit_checkpoint SET seq = 1",
        "DELETE FROM aw_audit_checkpoint",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(db_execute(db, refused[i], NULL, 0, NULL), AW_ERR_DB_CONSTRAINT);
    if (audit_use_postgresql)
        assert_int_equal(db_execute(db, "TRUNCATE aw_audit_entry", NULL, 0, NULL),
                         AW_ERR_DB_CONSTRAINT);
    audit_report report;
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, key, &report), AW_OK);
    assert_int_equal(report.entries, 3);
    crypto_suite_key_free(key);
    db_close(db);
}

/* Inside the caller's transaction the entry commits or rolls back with it. */
static void test_caller_transaction(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL};
    assert_int_equal(db_begin(db), AW_OK);
    int64_t seq = 0;
    assert_int_equal(audit_append(db, &options, &example_event, AUDIT_T0, &seq), AW_OK);
    assert_int_equal(seq, 1);
    assert_true(db_in_transaction(db));
    assert_int_equal(db_rollback(db), AW_OK);
    int64_t count = -1;
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM aw_audit_entry", NULL, 0, &count),
                     AW_OK);
    assert_int_equal(count, 0);
    assert_int_equal(audit_append(db, &options, &example_event, AUDIT_T0, &seq), AW_OK);
    assert_int_equal(seq, 1);
    audit_report report;
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, NULL, &report), AW_OK);
    assert_int_equal(report.entries, 1);
    db_close(db);
}

/* Two processes append at once: one chain, no gap, checkpoints valid. */
#define CONCURRENT_APPENDS 60
static void test_two_processes(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    crypto_suite_key *key = new_key(CRYPTO_SUITE_INTERNATIONAL);
    pid_t pids[2];
    for (int child = 0; child < 2; child++) {
        pids[child] = fork();
        assert_true(pids[child] >= 0);
        if (pids[child] == 0) {
            db_connection *own = NULL;
            db_options db_opts = {.busy_timeout_ms = 30000};
            int rc = db_open(audit_current_url, &db_opts, &own) == AW_OK ? 0 : 1;
            audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL,
                                     .checkpoint_key = key, .checkpoint_interval = 7};
            for (int i = 0; rc == 0 && i < CONCURRENT_APPENDS; i++) {
                char target[32];
                audit_event event = audit_test_event(i + 100 * child, target, sizeof(target));
                aw_err err = audit_append(own, &options, &event, AUDIT_T0 + i, NULL);
                if (err != AW_OK) {
                    fprintf(stderr, "child %d: %s (%s)\n", child, aw_err_name(err),
                            db_last_error(own));
                    rc = 1;
                }
            }
            db_close(own);
            _exit(rc);
        }
    }
    for (int child = 0; child < 2; child++) {
        int status = 0;
        assert_int_equal(waitpid(pids[child], &status, 0), pids[child]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    audit_report report;
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, key, &report), AW_OK);
    assert_int_equal(report.entries, 2 * CONCURRENT_APPENDS);
    assert_int_equal(report.head_seq, 2 * CONCURRENT_APPENDS);
    assert_int_equal(report.checkpoints, 2 * CONCURRENT_APPENDS / 7);
    /* both processes' entries are in it */
    int64_t count = 0;
    assert_int_equal(db_query_int64(db,
                                    "SELECT COUNT(*) FROM aw_audit_entry WHERE target = 'order:150'",
                                    NULL, 0, &count),
                     AW_OK);
    assert_int_equal(count, 1);
    crypto_suite_key_free(key);
    db_close(db);
}

/* Verification while another process appends with a checkpoint every
 * other entry: never a false report (a checkpoint newer than the entries
 * read would look like a truncation). */
static void test_verify_while_appending(void **state)
{
    (void)state;
    db_connection *db = audit_test_open();
    crypto_suite_key *key = new_key(CRYPTO_SUITE_INTERNATIONAL);
    audit_test_fill(db, CRYPTO_SUITE_INTERNATIONAL, key, 2, 2);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        db_connection *own = NULL;
        int rc = db_open(audit_current_url, NULL, &own) == AW_OK ? 0 : 1;
        audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL, .checkpoint_key = key,
                                 .checkpoint_interval = 2};
        for (int i = 0; rc == 0 && i < 150; i++) {
            char target[32];
            audit_event event = audit_test_event(i, target, sizeof(target));
            rc = audit_append(own, &options, &event, AUDIT_T0 + i, NULL) == AW_OK ? 0 : 1;
        }
        db_close(own);
        _exit(rc);
    }
    int status = 0, rounds = 0;
    const crypto_suite_key *keys[] = {key};
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        audit_report report;
        aw_err err = audit_verify(db, CRYPTO_SUITE_INTERNATIONAL, keys, 1, &report);
        if (err != AW_OK)
            print_error("round %d: %s\n", rounds, report.message);
        assert_int_equal(err, AW_OK);
        rounds++;
        if (done == pid)
            break;
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    audit_report report;
    assert_int_equal(audit_test_verify(db, CRYPTO_SUITE_INTERNATIONAL, key, &report), AW_OK);
    assert_int_equal(report.entries, 152);
    assert_int_equal(report.checkpoints, 76);
    print_message("%d verifications during the appends\n", rounds);
    crypto_suite_key_free(key);
    db_close(db);
}

/* tests/crosscheck_audit.py recomputes the chain and checks the
 * checkpoints independently (Python hashlib SHA-256 / SM3, ECDSA P-256
 * with python3-cryptography), from the SQLite file. */
static void test_python_crosscheck(void **state)
{
    (void)state;
    if (audit_use_postgresql) {
        print_message("crosscheck reads the SQLite file: run by test_audit sqlite\n");
        return;
    }
    const char *source = getenv("AW_SOURCE_ROOT");
    assert_non_null(source);
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        assert_int_equal(audit_test_setup(NULL), 0);
        db_connection *db = audit_test_open();
        crypto_suite_key *key = new_key(suites[s]);
        audit_test_fill(db, suites[s], key, 4, 10);
        assert_int_equal(audit_checkpoint(db, suites[s], key, AUDIT_T0 + 50, NULL), AW_OK);
        char *pem = NULL;
        size_t pem_len = 0;
        assert_int_equal(crypto_suite_key_export_public_pem(key, &pem, &pem_len), AW_OK);
        char pem_path[600];
        snprintf(pem_path, sizeof(pem_path), "%s/public%zu.pem", temp_dir, s);
        FILE *f = fopen(pem_path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(pem, 1, pem_len, f), pem_len);
        fclose(f);
        crypto_suite_pem_free(pem, pem_len);
        char command[2400];
        snprintf(command, sizeof(command),
                 "/usr/bin/python3 %s/tests/crosscheck_audit.py %s %s %s",
                 source, audit_current_url + strlen("sqlite:"), pem_path,
                 crypto_suite_name(suites[s]));
        int status = system(command);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        /* and it notices an edit */
        audit_test_drop_triggers(db);
        assert_int_equal(db_execute(db, "UPDATE aw_audit_entry SET tenant = 'b' WHERE seq = 6",
                                    NULL, 0, NULL),
                         AW_OK);
        status = system(command);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 1);
        crypto_suite_key_free(key);
        db_close(db);
    }
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
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: test_audit sqlite|postgresql\n");
        return 2;
    }
    audit_use_postgresql = strcmp(argv[1], "postgresql") == 0;
    if (audit_use_postgresql) {
        const char *url = getenv("AW_TEST_POSTGRESQL_URL");
        if (url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
        snprintf(base_url, sizeof(base_url), "%s", url);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof(temp_dir), "%s/aw-audit-test.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_migrate, audit_test_setup),
        cmocka_unit_test_setup(test_append_verify, audit_test_setup),
        cmocka_unit_test_setup(test_append_many, audit_test_setup),
        cmocka_unit_test_setup(test_verify_pages, audit_test_setup),
        cmocka_unit_test_setup(test_worked_example, audit_test_setup),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_event_errors),
        cmocka_unit_test_setup(test_api_errors, audit_test_setup),
        cmocka_unit_test_setup(test_append_only, audit_test_setup),
        cmocka_unit_test_setup(test_caller_transaction, audit_test_setup),
        cmocka_unit_test_setup(test_two_processes, audit_test_setup),
        cmocka_unit_test_setup(test_verify_while_appending, audit_test_setup),
        cmocka_unit_test_setup(test_python_crosscheck, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_update_field, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_recomputed_hash, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_delete_middle, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_delete_renumbered, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_delete_tail, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_insert_forged, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_swap, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_suite, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_format, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_checkpoints, audit_test_setup),
        cmocka_unit_test_setup(test_audit_tamper_rewritten_chain, audit_test_setup),
    };
    int failed = cmocka_run_group_tests_name(audit_use_postgresql ? "audit (postgresql)"
                                                                  : "audit (sqlite)",
                                             tests, NULL, NULL);
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed;
}
