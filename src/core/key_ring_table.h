/* airwrite core: key rotation of the sealed columns of one database table
 * (issue 7: "key rotation re-encrypts without downtime"; NIST SP 800-57
 * Part 1 5.3: data under a key past its cryptoperiod is re-encrypted under
 * the new one). A component describes its table (which columns are sealed,
 * their additional data); this file re-encrypts, counts and checks.
 *
 * Rotation while daemons serve: the daemons must hold the new key before
 * rows are sealed under it (reload on SIGHUP, key_ring_reload), since they
 * open rows with the key id stored beside them. Rows are re-encrypted chunk
 * by chunk, each chunk one transaction (an interrupted rotation keeps what
 * it committed and is resumed by running it again: it selects the rows
 * still under another key than the current one). Each row is written with
 * a compare-and-swap on its old key id and ciphertexts, so a row a daemon
 * re-sealed or replaced meanwhile is never overwritten with a stale value:
 * it counts as a conflict and the next chunk reads it again.
 */
#ifndef AIRWRITE_CORE_KEY_RING_TABLE_H
#define AIRWRITE_CORE_KEY_RING_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "core/key_ring.h"

#define KEY_RING_TABLE_COLUMNS_MAX 2u
#define KEY_RING_TABLE_ROW_ID_MAX 128u
#define KEY_RING_TABLE_CHUNK_DEFAULT 64u
#define KEY_RING_TABLE_CHUNK_MAX 10000u

/* The additional data of sealed column `column` (index into columns) of the
 * row whose id is row_id: at most cap bytes into ad. */
typedef aw_err (*key_ring_table_aad_fn)(const char *row_id, size_t column, uint8_t *ad,
                                        size_t cap, size_t *ad_len);

/* A table with sealed columns. The names are SQL identifiers written into
 * statements: constants of the component, never outside input. */
typedef struct key_ring_table {
    const char *table;
    const char *id_column;          /* TEXT primary key */
    const char *key_id_column;      /* the key id of every sealed column of the row */
    const char *columns[KEY_RING_TABLE_COLUMNS_MAX]; /* sealed BLOB columns */
    size_t column_count;            /* 1..KEY_RING_TABLE_COLUMNS_MAX */
    const char *updated_column;     /* set to now_ms when a row is re-sealed; NULL: none */
    size_t plain_max;               /* largest plaintext of one column */
    key_ring_table_aad_fn aad;
} key_ring_table;

typedef struct key_ring_rotation {
    int64_t rotated;    /* rows re-sealed under the current key */
    int64_t conflicts;  /* rows changed by another writer between read and write */
    int64_t chunks;     /* transactions committed */
} key_ring_rotation;

/* Called after each committed chunk with the totals so far. */
typedef void (*key_ring_progress_fn)(void *arg, const key_ring_table *table,
                                     const key_ring_rotation *so_far);

/* Re-seal under the ring's current key the rows under another key, chunk
 * rows (1..KEY_RING_TABLE_CHUNK_MAX) per transaction, until none is left
 * or max_chunks chunks were committed (0: no limit). *stats (added to, not
 * reset) counts what was done, also on error (the committed chunks stay).
 * Errors: AW_ERR_ARGUMENT; AW_ERR_KEY_RING_EMPTY; AW_ERR_KEY_RING_KEY_UNKNOWN
 * or AW_ERR_KEY_RING_AUTHENTICATION when a row cannot be opened (its chunk
 * is rolled back); AW_ERR_DB_TYPE for a row id over
 * KEY_RING_TABLE_ROW_ID_MAX, a key id out of range or a ciphertext too long;
 * the database's errors. progress may be NULL. */
aw_err key_ring_table_rotate(db_connection *db, const key_ring *ring,
                             const key_ring_table *table, size_t chunk, size_t max_chunks,
                             int64_t now_ms, key_ring_progress_fn progress, void *progress_arg,
                             key_ring_rotation *stats);

/* Rows under another key than the ring's current one. AW_ERR_KEY_RING_EMPTY. */
aw_err key_ring_table_count_stale(db_connection *db, const key_ring *ring,
                                  const key_ring_table *table, int64_t *count);

/* Every key id the table's rows use is in the ring, else
 * AW_ERR_KEY_RING_KEY_UNKNOWN with the lowest missing id in *missing_key_id
 * (UINT32_MAX for an id out of range; 0 on success). */
aw_err key_ring_table_check_ids(db_connection *db, const key_ring *ring,
                                const key_ring_table *table, uint32_t *missing_key_id);

typedef struct key_ring_id_count {
    int64_t key_id;
    int64_t rows;
} key_ring_id_count;

/* Rows per key id, ascending key ids, at most cap entries (AW_ERR_LIMIT
 * when there are more). */
aw_err key_ring_table_count_by_id(db_connection *db, const key_ring_table *table,
                                  key_ring_id_count *counts, size_t cap, size_t *count);

#endif
