/* airwrite core: verification of the audit log (T/CA group standard,
 * security management: audit integrity; docs/audit-log.md "Verification").
 * Pass 1 walks the entries in pages of AUDIT_VERIFY_PAGE, recomputing
 * every hash (audit_chain_feed); pass 2 checks every checkpoint's key,
 * signature and signed head against the verified chain. */
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_internal.h"

#define CHECKPOINT_PAGE 64u

static aw_err report_set(audit_report *report, aw_err error, int64_t seq, int64_t other,
                         const char *message)
{
    report->error = error;
    report->seq = seq;
    report->other_seq = other;
    snprintf(report->message, sizeof(report->message), "%s", message);
    return error;
}

/* Entry p's hash does not match its position: if the entry stored at q > p
 * is the one chained to the verified entry p-1 and hashes as entry p, the
 * entries were reordered. */
static aw_err find_reordered(db_connection *db, const audit_chain *chain, audit_entry *scratch,
                             audit_report *report)
{
    int64_t p = chain->next_seq;
    db_param params[] = {DB_PARAM_BLOB(chain->last_hash, AUDIT_HASH_SIZE), DB_PARAM_INT64(p)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT " AUDIT_ENTRY_COLUMNS " FROM aw_audit_entry"
                          " WHERE prev_hash = ? AND seq > ? ORDER BY seq LIMIT 1",
                          params, 2, &rows);
    if (err != AW_OK)
        return err;
    bool has_row = false, moved = false;
    if ((err = db_rows_next(rows, &has_row)) == AW_OK && has_row &&
        audit_read_entry_row(rows, scratch) == AW_OK) {
        uint8_t hash[AUDIT_HASH_SIZE];
        moved = audit_entry_hash(scratch, p, hash) == AW_OK &&
                memcmp(hash, scratch->hash, AUDIT_HASH_SIZE) == 0;
    }
    db_rows_free(rows);
    if (err != AW_OK || !moved)
        return err;
    char message[160];
    snprintf(message, sizeof(message),
             "entry %lld: reordered (the entry written as %lld is stored as %lld)",
             (long long)p, (long long)p, (long long)scratch->seq);
    report_set(report, AW_ERR_AUDIT_ORDER, p, scratch->seq, message);
    return AW_OK;
}

/* Pass 1. AW_OK when intact; the first problem otherwise. */
static aw_err verify_entries(db_connection *db, audit_chain *chain, audit_entry *entry,
                             audit_entry *scratch, audit_report *report)
{
    int64_t after = INT64_MIN;
    for (;;) {
        db_param params[] = {DB_PARAM_INT64(after), DB_PARAM_INT64(AUDIT_VERIFY_PAGE)};
        db_rows *rows = NULL;
        aw_err err = db_query(db,
                              "SELECT " AUDIT_ENTRY_COLUMNS " FROM aw_audit_entry"
                              " WHERE seq > ? ORDER BY seq LIMIT ?",
                              params, 2, &rows);
        if (err != AW_OK)
            return err;
        size_t n = 0;
        bool has_row = false;
        while ((err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
            n++;
            err = audit_read_entry_row(rows, entry);
            if (err == AW_ERR_AUDIT_FORMAT) {
                char message[96];
                int64_t seq = entry->seq != 0 ? entry->seq : chain->next_seq;
                snprintf(message, sizeof(message), "entry %lld: a stored column is unreadable",
                         (long long)seq);
                err = report_set(report, AW_ERR_AUDIT_FORMAT, seq, 0, message);
            }
            if (err == AW_OK)
                err = audit_chain_feed(chain, entry, report);
            if (err != AW_OK)
                break;
            report->entries++;
            report->head_seq = entry->seq;
            after = entry->seq;
        }
        db_rows_free(rows);
        if (err != AW_OK && chain->hash_mismatch) {
            /* The same entry may have been moved rather than edited. */
            aw_err found = find_reordered(db, chain, scratch, report);
            if (found != AW_OK)
                return found;
            err = report->error;
        }
        if (err != AW_OK || n < AUDIT_VERIFY_PAGE)
            return err;
    }
}

static aw_err read_checkpoint_row(const db_rows *rows, audit_checkpoint_info *cp)
{
    memset(cp, 0, sizeof(*cp));
    int64_t suite = 0;
    const uint8_t *head = NULL, *key_id = NULL, *signature = NULL;
    size_t head_len = 0, key_id_len = 0, signature_len = 0;
    aw_err err;
    if ((err = db_rows_get_int64(rows, 0, &cp->id)) != AW_OK ||
        (err = db_rows_get_int64(rows, 1, &cp->seq)) != AW_OK ||
        (err = db_rows_get_int64(rows, 2, &cp->time_ms)) != AW_OK ||
        (err = db_rows_get_int64(rows, 3, &suite)) != AW_OK ||
        (err = db_rows_get_blob(rows, 4, &head, &head_len)) != AW_OK ||
        (err = db_rows_get_blob(rows, 5, &key_id, &key_id_len)) != AW_OK ||
        (err = db_rows_get_blob(rows, 6, &signature, &signature_len)) != AW_OK)
        return err == AW_ERR_DB_TYPE ? AW_ERR_AUDIT_FORMAT : err;
    if (head_len != AUDIT_HASH_SIZE || key_id_len != AUDIT_KEY_ID_SIZE ||
        signature_len > CRYPTO_SUITE_SIGNATURE_MAX)
        return AW_ERR_AUDIT_FORMAT;
    cp->suite = suite >= 0 && suite <= 255 ? (crypto_suite)suite : (crypto_suite)0;
    memcpy(cp->head_hash, head, AUDIT_HASH_SIZE);
    memcpy(cp->key_id, key_id, AUDIT_KEY_ID_SIZE);
    memcpy(cp->signature, signature, signature_len);
    cp->signature_len = signature_len;
    return AW_OK;
}

typedef struct verifier {
    db_connection *db;
    crypto_suite suite;
    const crypto_suite_key *const *keys;
    uint8_t (*key_ids)[AUDIT_KEY_ID_SIZE];
    size_t key_count;
    audit_report *report;
} verifier;

static aw_err checkpoint_problem(verifier *v, aw_err error, const audit_checkpoint_info *cp,
                                 const char *what)
{
    char message[160];
    snprintf(message, sizeof(message), "checkpoint %lld over entry %lld: %s", (long long)cp->id,
             (long long)cp->seq, what);
    return report_set(v->report, error, cp->seq, cp->id, message);
}

static aw_err check_one_checkpoint(verifier *v, const audit_checkpoint_info *cp)
{
    if (cp->suite != v->suite)
        return checkpoint_problem(v, AW_ERR_AUDIT_SUITE, cp, "made with another crypto suite");
    const crypto_suite_key *key = NULL;
    for (size_t i = 0; i < v->key_count && key == NULL; i++)
        if (memcmp(v->key_ids[i], cp->key_id, AUDIT_KEY_ID_SIZE) == 0)
            key = v->keys[i];
    if (key == NULL)
        return checkpoint_problem(v, AW_ERR_AUDIT_CHECKPOINT_KEY, cp,
                                  "signed by a key not given to the verifier");
    uint8_t message[AUDIT_CHECKPOINT_MESSAGE_SIZE];
    aw_err err = audit_checkpoint_message(cp, message);
    if (err == AW_OK)
        err = crypto_suite_verify(key, message, sizeof(message), cp->signature,
                                  cp->signature_len);
    if (err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT)
        return checkpoint_problem(v, AW_ERR_AUDIT_CHECKPOINT_SIGNATURE, cp,
                                  "signature malformed or not verifying");
    if (err != AW_OK)
        return err;
    audit_report *r = v->report;
    if (cp->seq > r->head_seq) {
        char text[160];
        snprintf(text, sizeof(text),
                 "entries from %lld on are missing (truncated): checkpoint %lld signs"
                 " the chain up to %lld",
                 (long long)(r->head_seq + 1), (long long)cp->id, (long long)cp->seq);
        return report_set(r, AW_ERR_AUDIT_TRUNCATED, r->head_seq + 1, cp->seq, text);
    }
    /* The chain 1..head_seq is verified, so the stored hash is the entry's. */
    uint8_t hash[AUDIT_HASH_SIZE] = {0};
    bool found = false;
    if (cp->seq >= 1) {
        db_param params[] = {DB_PARAM_INT64(cp->seq)};
        db_rows *rows = NULL;
        if ((err = db_query(v->db, "SELECT hash FROM aw_audit_entry WHERE seq = ?", params, 1,
                            &rows)) != AW_OK)
            return err;
        bool has_row = false;
        if ((err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
            const uint8_t *data = NULL;
            size_t len = 0;
            found = db_rows_get_blob(rows, 0, &data, &len) == AW_OK && len == AUDIT_HASH_SIZE;
            if (found)
                memcpy(hash, data, AUDIT_HASH_SIZE);
        }
        db_rows_free(rows);
        if (err != AW_OK)
            return err;
    }
    if (!found || memcmp(hash, cp->head_hash, AUDIT_HASH_SIZE) != 0)
        return checkpoint_problem(v, AW_ERR_AUDIT_CHECKPOINT_MISMATCH, cp,
                                  "signs another hash than the entry's (entries up to it"
                                  " were rewritten)");
    r->checkpoints++;
    if (cp->seq > r->last_checkpoint_seq)
        r->last_checkpoint_seq = cp->seq;
    return AW_OK;
}

/* Pass 2, a page of checkpoints at a time (read out before the per-
 * checkpoint queries, one statement open at a time). */
static aw_err verify_checkpoints(verifier *v, int64_t last_id, audit_checkpoint_info *page)
{
    int64_t after = INT64_MIN;
    for (;;) {
        db_param params[] = {DB_PARAM_INT64(after), DB_PARAM_INT64(last_id),
                             DB_PARAM_INT64(CHECKPOINT_PAGE)};
        db_rows *rows = NULL;
        aw_err err = db_query(v->db,
                              "SELECT id, seq, time_ms, suite, head_hash, key_id, signature"
                              " FROM aw_audit_checkpoint WHERE id > ? AND id <= ?"
                              " ORDER BY id LIMIT ?",
                              params, 3, &rows);
        if (err != AW_OK)
            return err;
        size_t n = 0;
        bool has_row = false;
        while (n < CHECKPOINT_PAGE && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
            if ((err = read_checkpoint_row(rows, &page[n])) != AW_OK) {
                if (err == AW_ERR_AUDIT_FORMAT)
                    checkpoint_problem(v, err, &page[n], "a stored column is unreadable");
                break;
            }
            n++;
        }
        db_rows_free(rows);
        if (err != AW_OK)
            return err;
        for (size_t i = 0; i < n; i++)
            if ((err = check_one_checkpoint(v, &page[i])) != AW_OK)
                return err;
        if (n < CHECKPOINT_PAGE)
            return AW_OK;
        after = page[n - 1].id;
    }
}

aw_err audit_verify(db_connection *db, crypto_suite suite, const crypto_suite_key *const *keys,
                    size_t key_count, audit_report *report)
{
    if (report != NULL)
        memset(report, 0, sizeof(*report));
    if (db == NULL || report == NULL || (keys == NULL && key_count > 0))
        return AW_ERR_ARGUMENT;
    if (crypto_suite_name(suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    for (size_t i = 0; i < key_count; i++)
        if (keys[i] == NULL)
            return AW_ERR_ARGUMENT;
        else if (crypto_suite_key_suite(keys[i]) != suite)
            return AW_ERR_SUITE_MISMATCH;
    aw_err err = AW_ERR_NOMEM;
    audit_entry *entries = malloc(2 * sizeof(*entries));
    audit_checkpoint_info *page = malloc(CHECKPOINT_PAGE * sizeof(*page));
    uint8_t(*key_ids)[AUDIT_KEY_ID_SIZE] = malloc((key_count ? key_count : 1) * AUDIT_KEY_ID_SIZE);
    if (entries == NULL || page == NULL || key_ids == NULL)
        goto cleanup;
    err = AW_OK;
    for (size_t i = 0; i < key_count && err == AW_OK; i++)
        err = audit_key_id(keys[i], key_ids[i]);
    if (err != AW_OK)
        goto cleanup;
    /* Only the checkpoints committed before the entries are read: their
     * heads are then among the entries read, even while processes append
     * (checkpoint ids are taken under the head lock, so in commit order). */
    int64_t last_id = 0;
    if ((err = db_query_int64(db, "SELECT COALESCE(MAX(id), 0) FROM aw_audit_checkpoint", NULL,
                              0, &last_id)) != AW_OK)
        goto cleanup;
    audit_chain chain;
    audit_chain_init(&chain, suite);
    if ((err = verify_entries(db, &chain, &entries[0], &entries[1], report)) != AW_OK)
        goto cleanup;
    verifier v = {.db = db, .suite = suite, .keys = keys, .key_ids = key_ids,
                  .key_count = key_count, .report = report};
    if ((err = verify_checkpoints(&v, last_id, page)) != AW_OK)
        goto cleanup;
    snprintf(report->message, sizeof(report->message),
             "intact: %lld entries, %lld checkpoints, last signed entry %lld"
             " (%lld entries after it unsigned)",
             (long long)report->entries, (long long)report->checkpoints,
             (long long)report->last_checkpoint_seq,
             (long long)(report->head_seq - report->last_checkpoint_seq));
cleanup:
    if (err != AW_OK && report->error == AW_OK && err >= AW_ERR_AUDIT_FIELD &&
        err <= AW_ERR_AUDIT_CHECKPOINT_MISMATCH)
        report->error = err;
    free(entries);
    free(page);
    free(key_ids);
    return err;
}
