/* airwrite core: key rotation, stale counts and key id checks of a table's
 * sealed columns (key_ring_table.h; NIST SP 800-57 Part 1 5.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/key_ring_table.h"

#define SQL_MAX 1024u

typedef struct stale_row {
    char id[KEY_RING_TABLE_ROW_ID_MAX + 1];
    uint32_t key_id;
    uint8_t *sealed[KEY_RING_TABLE_COLUMNS_MAX];
    size_t sealed_len[KEY_RING_TABLE_COLUMNS_MAX];
} stale_row;

typedef struct rotate_job {
    const key_ring *ring;
    const key_ring_table *table;
    size_t chunk;
    int64_t now_ms;
    stale_row *rows;
    size_t fetched;             /* rows of this chunk */
    key_ring_rotation chunk_stats;
    char select_sql[SQL_MAX];
    char update_sql[SQL_MAX];
} rotate_job;

static bool table_valid(const key_ring_table *t)
{
    if (t == NULL || t->table == NULL || t->id_column == NULL || t->key_id_column == NULL ||
        t->column_count == 0 || t->column_count > KEY_RING_TABLE_COLUMNS_MAX || t->aad == NULL ||
        t->plain_max == 0 || t->plain_max > KEY_RING_PLAIN_MAX)
        return false;
    for (size_t c = 0; c < t->column_count; c++)
        if (t->columns[c] == NULL)
            return false;
    return true;
}

/* Append text1 and text2 (may be NULL) to buf at *used; false when they do
 * not fit. */
static bool append(char *buf, size_t *used, const char *text1, const char *text2)
{
    int n = snprintf(buf + *used, SQL_MAX - *used, "%s%s", text1, text2 != NULL ? text2 : "");
    if (n < 0 || (size_t)n >= SQL_MAX - *used)
        return false;
    *used += (size_t)n;
    return true;
}

/* SELECT id, key_id, c... FROM t WHERE key_id <> ? ORDER BY id LIMIT ?
 * UPDATE t SET key_id = ?, c = ?... [, updated = ?] WHERE id = ? AND
 *   key_id = ? AND c = ?...  (the compare-and-swap) */
static bool build_sql(rotate_job *job)
{
    const key_ring_table *t = job->table;
    size_t s = 0, u = 0;
    bool ok = append(job->select_sql, &s, "SELECT ", t->id_column) &&
              append(job->select_sql, &s, ", ", t->key_id_column) &&
              append(job->update_sql, &u, "UPDATE ", t->table) &&
              append(job->update_sql, &u, " SET ", t->key_id_column) &&
              append(job->update_sql, &u, " = ?", NULL);
    for (size_t c = 0; ok && c < t->column_count; c++)
        ok = append(job->select_sql, &s, ", ", t->columns[c]) &&
             append(job->update_sql, &u, ", ", t->columns[c]) &&
             append(job->update_sql, &u, " = ?", NULL);
    if (ok && t->updated_column != NULL)
        ok = append(job->update_sql, &u, ", ", t->updated_column) &&
             append(job->update_sql, &u, " = ?", NULL);
    ok = ok && append(job->select_sql, &s, " FROM ", t->table) &&
         append(job->select_sql, &s, " WHERE ", t->key_id_column) &&
         append(job->select_sql, &s, " <> ? ORDER BY ", t->id_column) &&
         append(job->select_sql, &s, " LIMIT ?", NULL) &&
         append(job->update_sql, &u, " WHERE ", t->id_column) &&
         append(job->update_sql, &u, " = ? AND ", t->key_id_column) &&
         append(job->update_sql, &u, " = ?", NULL);
    for (size_t c = 0; ok && c < t->column_count; c++)
        ok = append(job->update_sql, &u, " AND ", t->columns[c]) &&
             append(job->update_sql, &u, " = ?", NULL);
    return ok;
}

static void clear_rows(rotate_job *job)
{
    for (size_t i = 0; i < job->fetched; i++)
        for (size_t c = 0; c < KEY_RING_TABLE_COLUMNS_MAX; c++) {
            free(job->rows[i].sealed[c]);
            job->rows[i].sealed[c] = NULL;
        }
    job->fetched = 0;
}

static aw_err read_row(const rotate_job *job, const db_rows *rows, stale_row *r)
{
    const char *id = NULL;
    int64_t key_id = 0;
    aw_err err = db_rows_get_text(rows, 0, &id);
    if (err == AW_OK && strlen(id) > KEY_RING_TABLE_ROW_ID_MAX)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &key_id);
    if (err == AW_OK && (key_id <= 0 || key_id > (int64_t)KEY_RING_ID_MAX))
        err = AW_ERR_DB_TYPE;
    if (err != AW_OK)
        return err;
    memcpy(r->id, id, strlen(id) + 1);
    r->key_id = (uint32_t)key_id;
    for (size_t c = 0; err == AW_OK && c < job->table->column_count; c++) {
        const uint8_t *blob = NULL;
        size_t n = 0;
        err = db_rows_get_blob(rows, 2 + c, &blob, &n);
        if (err == AW_OK && n > job->table->plain_max + KEY_RING_OVERHEAD)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK && (r->sealed[c] = malloc(n > 0 ? n : 1)) == NULL)
            err = AW_ERR_NOMEM;
        if (err == AW_OK) {
            if (n > 0)
                memcpy(r->sealed[c], blob, n);
            r->sealed_len[c] = n;
        }
    }
    return err;
}

static aw_err fetch_stale(db_connection *db, rotate_job *job)
{
    db_param p[] = {DB_PARAM_INT64(key_ring_current_id(job->ring)),
                    DB_PARAM_INT64((int64_t)job->chunk)};
    db_rows *rows = NULL;
    aw_err err = db_query(db, job->select_sql, p, 2, &rows);
    bool has_row = false;
    while (err == AW_OK && job->fetched < job->chunk &&
           (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        stale_row *r = &job->rows[job->fetched];
        memset(r, 0, sizeof(*r));
        job->fetched++; /* counted first so clear_rows frees a half-read row */
        err = read_row(job, rows, r);
    }
    db_rows_free(rows);
    return err;
}

/* Open every column of r under its key, seal under the current one, and
 * write with the compare-and-swap. */
static aw_err rotate_row(db_connection *db, rotate_job *job, const stale_row *r)
{
    const key_ring_table *t = job->table;
    size_t cap = t->plain_max + KEY_RING_OVERHEAD;
    uint8_t *plain = malloc(t->plain_max);
    uint8_t *fresh[KEY_RING_TABLE_COLUMNS_MAX] = {NULL};
    size_t fresh_len[KEY_RING_TABLE_COLUMNS_MAX] = {0};
    uint32_t new_id = 0;
    aw_err err = plain == NULL ? AW_ERR_NOMEM : AW_OK;
    for (size_t c = 0; err == AW_OK && c < t->column_count; c++) {
        uint8_t ad[KEY_RING_AD_MAX];
        size_t ad_len = 0, plain_len = 0;
        err = t->aad(r->id, c, ad, sizeof(ad), &ad_len);
        if (err == AW_OK && (fresh[c] = malloc(cap)) == NULL)
            err = AW_ERR_NOMEM;
        if (err == AW_OK)
            err = key_ring_open(job->ring, r->key_id, ad, ad_len, r->sealed[c], r->sealed_len[c],
                                plain, t->plain_max, &plain_len);
        if (err == AW_OK)
            err = key_ring_seal(job->ring, ad, ad_len, plain, plain_len, fresh[c], cap,
                                &fresh_len[c], &new_id);
        if (plain != NULL)
            OPENSSL_cleanse(plain, t->plain_max);
    }
    db_param p[3 + 2 * KEY_RING_TABLE_COLUMNS_MAX + 1];
    size_t n = 0;
    if (err == AW_OK) {
        p[n++] = DB_PARAM_INT64(new_id);
        for (size_t c = 0; c < t->column_count; c++)
            p[n++] = DB_PARAM_BLOB(fresh[c], fresh_len[c]);
        if (t->updated_column != NULL)
            p[n++] = DB_PARAM_INT64(job->now_ms);
        p[n++] = DB_PARAM_TEXT(r->id);
        p[n++] = DB_PARAM_INT64(r->key_id);
        for (size_t c = 0; c < t->column_count; c++)
            p[n++] = DB_PARAM_BLOB(r->sealed[c], r->sealed_len[c]);
        int64_t changed = 0;
        err = db_execute(db, job->update_sql, p, n, &changed);
        if (err == AW_OK && changed == 1)
            job->chunk_stats.rotated++;
        else if (err == AW_OK)
            job->chunk_stats.conflicts++;
    }
    free(plain);
    for (size_t c = 0; c < KEY_RING_TABLE_COLUMNS_MAX; c++)
        free(fresh[c]);
    return err;
}

static aw_err rotate_chunk(db_connection *db, void *arg)
{
    rotate_job *job = arg;
    clear_rows(job); /* a retried transaction starts over */
    memset(&job->chunk_stats, 0, sizeof(job->chunk_stats));
    aw_err err = fetch_stale(db, job);
    for (size_t i = 0; err == AW_OK && i < job->fetched; i++)
        err = rotate_row(db, job, &job->rows[i]);
    return err;
}

aw_err key_ring_table_rotate(db_connection *db, const key_ring *ring,
                             const key_ring_table *table, size_t chunk, size_t max_chunks,
                             int64_t now_ms, key_ring_progress_fn progress, void *progress_arg,
                             key_ring_rotation *stats)
{
    if (db == NULL || ring == NULL || !table_valid(table) || chunk == 0 ||
        chunk > KEY_RING_TABLE_CHUNK_MAX || stats == NULL)
        return AW_ERR_ARGUMENT;
    if (key_ring_current_id(ring) == 0)
        return AW_ERR_KEY_RING_EMPTY;
    rotate_job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return AW_ERR_NOMEM;
    job->ring = ring;
    job->table = table;
    job->chunk = chunk;
    job->now_ms = now_ms;
    job->rows = calloc(chunk, sizeof(*job->rows));
    aw_err err = job->rows == NULL ? AW_ERR_NOMEM : build_sql(job) ? AW_OK : AW_ERR_ARGUMENT;
    size_t done = 0;
    /* a full chunk, or one with conflicts, may leave stale rows behind */
    bool more = true;
    while (err == AW_OK && more && (max_chunks == 0 || done < max_chunks)) {
        err = db_transaction_run(db, rotate_chunk, job, NULL);
        if (err != AW_OK)
            break;
        more = job->fetched == chunk || (job->fetched > 0 && job->chunk_stats.conflicts > 0);
        done++;
        stats->chunks++;
        stats->rotated += job->chunk_stats.rotated;
        stats->conflicts += job->chunk_stats.conflicts;
        if (progress != NULL && job->fetched > 0)
            progress(progress_arg, table, stats);
    }
    if (job->rows != NULL)
        clear_rows(job);
    free(job->rows);
    free(job);
    return err;
}

/* SELECT ... FROM table WHERE/GROUP BY on the key id column. */
static aw_err key_id_sql(const key_ring_table *t, const char *head, const char *tail, char *sql)
{
    int n = snprintf(sql, SQL_MAX, "%s%s FROM %s%s", head, t->key_id_column, t->table, tail);
    return n < 0 || (size_t)n >= SQL_MAX ? AW_ERR_ARGUMENT : AW_OK;
}

aw_err key_ring_table_count_stale(db_connection *db, const key_ring *ring,
                                  const key_ring_table *table, int64_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || ring == NULL || !table_valid(table) || count == NULL)
        return AW_ERR_ARGUMENT;
    uint32_t current = key_ring_current_id(ring);
    if (current == 0)
        return AW_ERR_KEY_RING_EMPTY;
    char sql[SQL_MAX];
    int n = snprintf(sql, SQL_MAX, "SELECT COUNT(*) FROM %s WHERE %s <> ?", table->table,
                     table->key_id_column);
    if (n < 0 || (size_t)n >= SQL_MAX)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_INT64(current)};
    return db_query_int64(db, sql, p, 1, count);
}

aw_err key_ring_table_count_by_id(db_connection *db, const key_ring_table *table,
                                  key_ring_id_count *counts, size_t cap, size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || !table_valid(table) || counts == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    char sql[SQL_MAX], tail[SQL_MAX];
    int n = snprintf(tail, sizeof(tail), " GROUP BY %s ORDER BY %s", table->key_id_column,
                     table->key_id_column);
    aw_err err = n < 0 || (size_t)n >= sizeof(tail) ? AW_ERR_ARGUMENT : AW_OK;
    if (err == AW_OK)
        err = key_id_sql(table, "SELECT COUNT(*), ", tail, sql);
    db_rows *rows = NULL;
    if (err == AW_OK)
        err = db_query(db, sql, NULL, 0, &rows);
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        if (*count == cap) {
            err = AW_ERR_LIMIT;
            break;
        }
        err = db_rows_get_int64(rows, 0, &counts[*count].rows);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 1, &counts[*count].key_id);
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}

aw_err key_ring_table_check_ids(db_connection *db, const key_ring *ring,
                                const key_ring_table *table, uint32_t *missing_key_id)
{
    if (missing_key_id != NULL)
        *missing_key_id = 0;
    if (db == NULL || ring == NULL || !table_valid(table) || missing_key_id == NULL)
        return AW_ERR_ARGUMENT;
    char sql[SQL_MAX], tail[SQL_MAX];
    int n = snprintf(tail, sizeof(tail), " ORDER BY %s", table->key_id_column);
    aw_err err = n < 0 || (size_t)n >= sizeof(tail) ? AW_ERR_ARGUMENT : AW_OK;
    if (err == AW_OK)
        err = key_id_sql(table, "SELECT DISTINCT ", tail, sql);
    db_rows *rows = NULL;
    if (err == AW_OK)
        err = db_query(db, sql, NULL, 0, &rows);
    bool has_row = false;
    while (err == AW_OK && *missing_key_id == 0 &&
           (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        int64_t id = 0;
        err = db_rows_get_int64(rows, 0, &id);
        if (err == AW_OK && (id <= 0 || id > (int64_t)KEY_RING_ID_MAX))
            *missing_key_id = UINT32_MAX;
        else if (err == AW_OK && !key_ring_has_id(ring, (uint32_t)id))
            *missing_key_id = (uint32_t)id;
    }
    db_rows_free(rows);
    if (err == AW_OK && *missing_key_id != 0)
        err = AW_ERR_KEY_RING_KEY_UNKNOWN;
    return err;
}
