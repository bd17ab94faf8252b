/* airwrite platform: the storage of encrypted terminal information
 * (platform_terminal_info.h; db_migrate component "platform_terminal_info"):
 * each record sealed with the storage key ring (core/key_ring.h: AES-256-GCM,
 * NIST SP 800-38D), bound to its row by EID and envelope id, and each fix
 * handed to location-bound writing (location_policy.h). docs/terminal-info.md. */
#include "platform/platform_terminal_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "platform/location_policy.h"

#define AD_MAX 128u

/* ---- Storage ---------------------------------------------------------------- */

#define TERMINAL_INFO_TABLES(ID)                                                               \
    "CREATE TABLE platform_terminal_info (\n"                                                 \
    "  id " ID ",\n"                                                                          \
    "  row_key TEXT NOT NULL,\n"                                                              \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  envelope_id TEXT NOT NULL,\n"                                                          \
    "  suite TEXT NOT NULL,\n"                                                                \
    "  platform_key_id BIGINT NOT NULL,\n"                                                    \
    "  device_time BIGINT NOT NULL,\n"                                                        \
    "  key_id BIGINT NOT NULL,\n"                                                             \
    "  sealed " BLOB " NOT NULL,\n"                                                           \
    "  received_at BIGINT NOT NULL);\n"                                                       \
    "CREATE UNIQUE INDEX platform_terminal_info_row ON platform_terminal_info (row_key);\n"   \
    "CREATE INDEX platform_terminal_info_eid ON platform_terminal_info (eid, id);\n"

#define BLOB "BLOB"
static const char sqlite_sql[] = TERMINAL_INFO_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT");
#undef BLOB
#define BLOB "BYTEA"
static const char postgresql_sql[] = TERMINAL_INFO_TABLES("BIGSERIAL PRIMARY KEY");
#undef BLOB

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "encrypted terminal information, sealed at rest",
        .sqlite_sql = sqlite_sql,
        .postgresql_sql = postgresql_sql,
    },
};

aw_err platform_terminal_info_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_terminal_info", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

/* The row's key "<EID>|<envelope id>": one row per envelope (replay), and
 * what its sealed record is bound to. */
#define ROW_KEY_MAX (PLATFORM_EID_DIGITS + 1u + 2u * CRYPTO_ENVELOPE_ID_SIZE)

/* The additional data of a sealed record: the table and the row's key, so
 * a record cannot be moved to another row (key_ring_table_aad_fn). */
aw_err platform_terminal_info_sealing_ad(const char *row_key, size_t column, uint8_t *ad,
                                         size_t cap, size_t *ad_len)
{
    *ad_len = 0;
    int n = snprintf((char *)ad, cap, "platform_terminal_info|%s", row_key);
    if (column != 0 || n <= 0 || (size_t)n >= cap)
        return AW_ERR_ARGUMENT;
    *ad_len = (size_t)n;
    return AW_OK;
}

/* The table is described once, among every sealed table of the platform
 * (keys.c), so airwritectl keys rotate re-seals its records too. */
const key_ring_table *platform_terminal_info_sealed_table(void)
{
    size_t count = 0;
    const key_ring_table *tables = platform_sealed_tables(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(tables[i].table, "platform_terminal_info") == 0)
            return &tables[i];
    return NULL;
}

typedef struct store_args {
    const char *eid;
    const char *envelope_id;
    const crypto_envelope_header *header;
    const terminal_info_record *record;
    const uint8_t *json;
    size_t json_len;
    const key_ring *storage;
    int64_t now_s;
    bool replay;
} store_args;

static aw_err store_in(db_connection *db, void *arg)
{
    store_args *a = arg;
    char row_key[ROW_KEY_MAX + 1];
    snprintf(row_key, sizeof(row_key), "%s|%s", a->eid, a->envelope_id);
    db_param key[] = {DB_PARAM_TEXT(row_key)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db, "SELECT id FROM platform_terminal_info WHERE row_key = ?", key, 1,
                          &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    db_rows_free(rows);
    if (err != AW_OK || (a->replay = has_row))
        return err;
    uint8_t ad[AD_MAX];
    size_t ad_len = 0;
    size_t cap = a->json_len + KEY_RING_OVERHEAD, sealed_len = 0;
    uint32_t key_id = 0;
    uint8_t *sealed = malloc(cap);
    if (sealed == NULL)
        return AW_ERR_NOMEM;
    err = platform_terminal_info_sealing_ad(row_key, 0, ad, sizeof(ad), &ad_len);
    if (err == AW_OK)
        err = key_ring_seal(a->storage, ad, ad_len, a->json, a->json_len, sealed, cap,
                            &sealed_len, &key_id);
    db_param row[] = {DB_PARAM_TEXT(row_key),
                      DB_PARAM_TEXT(a->eid),
                      DB_PARAM_TEXT(a->envelope_id),
                      DB_PARAM_TEXT(crypto_suite_name(a->header->suite)),
                      DB_PARAM_INT64(a->header->key_id),
                      DB_PARAM_INT64(a->header->time),
                      DB_PARAM_INT64(key_id),
                      DB_PARAM_BLOB(sealed, sealed_len),
                      DB_PARAM_INT64(a->now_s)};
    if (err == AW_OK)
        err = db_execute(db,
                         "INSERT INTO platform_terminal_info (row_key, eid, envelope_id, suite, "
                         "platform_key_id, device_time, key_id, sealed, received_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         row, sizeof(row) / sizeof(row[0]), NULL);
    free(sealed);
    const terminal_info_location *l = &a->record->location;
    if (err != AW_OK || l->kind == TERMINAL_INFO_LOCATION_NONE)
        return err;
    /* location-bound writing judges the fix (docs/location.md) */
    platform_location_fix fix = {
        .kind = l->kind == TERMINAL_INFO_LOCATION_GNSS ? PLATFORM_LOCATION_GNSS
                                                       : PLATFORM_LOCATION_CELL,
        .latitude = l->has_position ? l->latitude : 0,
        .longitude = l->has_position ? l->longitude : 0,
        .accuracy_m = l->has_position ? l->accuracy_m : 0,
        .fix_time = l->time,
        .tac = l->tac,
        .cell_id = l->cell_id,
    };
    memcpy(fix.mcc, l->mcc, sizeof(fix.mcc));
    memcpy(fix.mnc, l->mnc, sizeof(fix.mnc));
    return platform_location_record(db, a->eid, &fix, a->now_s);
}

aw_err platform_terminal_info_store(db_connection *db, const key_ring *storage, const char *eid,
                                    const char *envelope_id, const crypto_envelope_header *header,
                                    const terminal_info_record *record, const uint8_t *json,
                                    size_t json_len, int64_t now_s, bool *replay)
{
    if (replay != NULL)
        *replay = false;
    if (db == NULL || storage == NULL || eid == NULL || envelope_id == NULL || header == NULL ||
        record == NULL || json == NULL || replay == NULL || json_len > KEY_RING_PLAIN_MAX ||
        strlen(eid) != PLATFORM_EID_DIGITS || strlen(envelope_id) != 2 * CRYPTO_ENVELOPE_ID_SIZE)
        return AW_ERR_ARGUMENT;
    store_args a = {.eid = eid, .envelope_id = envelope_id, .header = header, .record = record,
                    .json = json, .json_len = json_len, .storage = storage, .now_s = now_s};
    aw_err err = db_transaction_run(db, store_in, &a, NULL);
    *replay = err == AW_OK && a.replay;
    return err;
}

aw_err platform_terminal_info_latest(db_connection *db, const key_ring *storage, const char *eid,
                                     size_t max, platform_terminal_info_stored *out,
                                     size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || storage == NULL || eid == NULL || out == NULL || count == NULL ||
        max > PLATFORM_TERMINAL_INFO_LIST_MAX)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64((int64_t)max)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT row_key, suite, platform_key_id, key_id, sealed, received_at "
                          "FROM platform_terminal_info WHERE eid = ? ORDER BY id DESC LIMIT ?",
                          key, 2, &rows);
    uint8_t plain[TERMINAL_INFO_RECORD_MAX];
    while (err == AW_OK && *count < max && (err = db_rows_next(rows, &has_row)) == AW_OK &&
           has_row) {
        const char *row_key = NULL, *suite = NULL;
        const uint8_t *sealed = NULL;
        size_t sealed_len = 0, plain_len = 0, ad_len = 0;
        int64_t platform_key_id = 0, key_id = 0;
        platform_terminal_info_stored *s = &out[*count];
        memset(s, 0, sizeof(*s));
        uint8_t ad[AD_MAX];
        if ((err = db_rows_get_text(rows, 0, &row_key)) != AW_OK ||
            (err = db_rows_get_text(rows, 1, &suite)) != AW_OK ||
            (err = db_rows_get_int64(rows, 2, &platform_key_id)) != AW_OK ||
            (err = db_rows_get_int64(rows, 3, &key_id)) != AW_OK ||
            (err = db_rows_get_blob(rows, 4, &sealed, &sealed_len)) != AW_OK ||
            (err = db_rows_get_int64(rows, 5, &s->received_at)) != AW_OK)
            break;
        if (crypto_suite_parse(suite, &s->suite) != AW_OK || key_id <= 0 ||
            key_id > (int64_t)KEY_RING_ID_MAX ||
            platform_terminal_info_sealing_ad(row_key, 0, ad, sizeof(ad), &ad_len) != AW_OK) {
            err = AW_ERR_DB_TYPE;
            break;
        }
        s->platform_key_id = (uint32_t)platform_key_id;
        err = key_ring_open(storage, (uint32_t)key_id, ad, ad_len, sealed, sealed_len, plain,
                            sizeof(plain), &plain_len);
        if (err == AW_OK)
            err = terminal_info_parse(plain, plain_len, &s->record);
        OPENSSL_cleanse(plain, sizeof(plain));
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}

