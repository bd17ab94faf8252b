/* airwrite eIM: the eUICC registry (SGP.32 2.11.1.1 counterValue and
 * associationToken per eUICC, 3.3 eIM configuration) in the database: the
 * schema of every eIM table (migrations for SQLite and PostgreSQL),
 * registration of a batch, certificate chains of the eUICCs (SGP.22
 * 4.5.2.2: CI -> EUM -> eUICC) and the atomic counterValue allocation. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "eim/eim_internal.h"
#include "eim/relay_compact.h"

/* ---- schema ---------------------------------------------------------------- */

#define EUICC_TABLE(blob)                                                                   \
    "CREATE TABLE eim_euiccs (\n"                                                           \
    "  eid TEXT PRIMARY KEY,\n"                                                             \
    "  eim_id TEXT NOT NULL,\n"                                                             \
    "  counter_value BIGINT NOT NULL CHECK (counter_value >= 0),\n"                         \
    "  association_token BIGINT,\n"                                                         \
    "  signing_key TEXT NOT NULL,\n"                                                        \
    "  euicc_certificate " blob ",\n"                                                       \
    "  eum_certificate " blob ",\n"                                                         \
    "  state INTEGER NOT NULL,\n"                                                           \
    "  last_contact_ms BIGINT,\n"                                                           \
    "  registered_ms BIGINT NOT NULL);\n"

/* One row per eIM Package (kind: eim_package_kind); the result is kept
 * with the package it answers. eUICC Packages have a counterValue, and
 * UNIQUE (eid, counter_value) means one is never used twice; IPA eUICC data
 * requests have none (NULLs are distinct). */
#define PACKAGE_TAIL(blob)                                                                  \
    "  eid TEXT NOT NULL REFERENCES eim_euiccs (eid),\n"                                    \
    "  kind INTEGER NOT NULL,\n"                                                            \
    "  counter_value BIGINT,\n"                                                             \
    "  transaction_id " blob " NOT NULL,\n"                                                 \
    "  request " blob " NOT NULL,\n"                                                        \
    "  state INTEGER NOT NULL,\n"                                                           \
    "  created_ms BIGINT NOT NULL,\n"                                                       \
    "  sent_ms BIGINT,\n"                                                                   \
    "  result " blob ",\n"                                                                  \
    "  seq_number BIGINT,\n"                                                                \
    "  error_code BIGINT,\n"                                                                \
    "  result_ms BIGINT,\n"                                                                 \
    "  UNIQUE (eid, counter_value));\n"                                                     \
    "CREATE INDEX eim_packages_queue ON eim_packages (eid, state, id);\n"

/* The downloads this eIM relays (SGP.32 3.2, 6.3.2.1-6.3.2.5), by the
 * SM-DP+'s transactionId: where they go, the trigger they answer (NULL for
 * an IPA's own), how far they got (eim_download_state). And every
 * notification forwarded (6.3.2.4), once per (eUICC, seqNumber). */
#define RELAY_TABLES(blob)                                                                  \
    "CREATE TABLE eim_downloads (\n"                                                        \
    "  transaction_id " blob " PRIMARY KEY,\n"                                              \
    "  smdp_address TEXT NOT NULL,\n"                                                       \
    "  eid TEXT,\n"                                                                         \
    "  package_id BIGINT,\n"                                                                \
    "  state INTEGER NOT NULL,\n"                                                           \
    "  subject_code TEXT,\n"                                                                \
    "  reason_code TEXT,\n"                                                                 \
    "  created_ms BIGINT NOT NULL,\n"                                                       \
    "  updated_ms BIGINT NOT NULL);\n"                                                      \
    "CREATE TABLE eim_notifications (\n"                                                    \
    "  identity TEXT NOT NULL,\n"                                                           \
    "  seq_number BIGINT NOT NULL,\n"                                                       \
    "  notification_address TEXT NOT NULL,\n"                                               \
    "  received_ms BIGINT NOT NULL,\n"                                                      \
    "  forwarded_ms BIGINT,\n"                                                              \
    "  PRIMARY KEY (identity, seq_number));\n"

#define SGP32_VERSION_COLUMN                                                                \
    "ALTER TABLE eim_euiccs ADD COLUMN sgp32_version INTEGER NOT NULL DEFAULT 102;\n"

/* eim_package_enqueue_once: the caller's reference of a package, once per
 * eUICC (NULL for packages queued without one, and for every row queued
 * before this version: NULLs are distinct and left out of the index). */
#define CLIENT_REFERENCE_COLUMN                                                             \
    "ALTER TABLE eim_packages ADD COLUMN client_reference TEXT;\n"                          \
    "CREATE UNIQUE INDEX eim_packages_client_reference ON eim_packages\n"                   \
    "  (eid, client_reference) WHERE client_reference IS NOT NULL;\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "eUICC registry, eUICC Package queue and results",
        .sqlite_sql = EUICC_TABLE("BLOB") "CREATE TABLE eim_packages (\n"
                                          "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                                          PACKAGE_TAIL("BLOB"),
        .postgresql_sql = EUICC_TABLE("BYTEA") "CREATE TABLE eim_packages (\n"
                                               "  id BIGSERIAL PRIMARY KEY,\n"
                                               PACKAGE_TAIL("BYTEA"),
    },
    {
        .version = 2,
        .description = "indirect download relay sessions and forwarded notifications",
        .sqlite_sql = RELAY_TABLES("BLOB"),
        .postgresql_sql = RELAY_TABLES("BYTEA"),
    },
    {
        /* eim_sgp32_version: which SGP.32 v1.0 tolerances apply to the eUICC */
        .version = 3,
        .description = "SGP.32 version of each eUICC",
        .sqlite_sql = SGP32_VERSION_COLUMN,
        .postgresql_sql = SGP32_VERSION_COLUMN,
    },
    {
        /* a platform card operation queues its package once, crash or not */
        .version = 4,
        .description = "caller reference of each eUICC Package",
        .sqlite_sql = CLIENT_REFERENCE_COLUMN,
        .postgresql_sql = CLIENT_REFERENCE_COLUMN,
    },
};

aw_err eim_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_migrate(db, "eim", migrations, sizeof(migrations) / sizeof(migrations[0]),
                            NULL);
    /* minimizeEsipaBytes: what the relay keeps (relay_compact.h) */
    if (err == AW_OK)
        err = eim_compact_migrate(db);
    /* notifications held for forwarding (notification_queue.c) */
    if (err == AW_OK)
        err = eim_notification_queue_migrate(db);
    /* card-device locking (device_binding.c) */
    return err == AW_OK ? eim_device_binding_migrate(db) : err;
}

/* ---- small helpers ------------------------------------------------------------ */

aw_err eim_copy_text(char *out, size_t cap, const char *text)
{
    size_t n = strnlen(text, cap);
    if (n == cap)
        return AW_ERR_LIMIT;
    memcpy(out, text, n + 1);
    return AW_OK;
}

bool eim_key_reference_valid(const char *reference)
{
    size_t n = strnlen(reference, EIM_KEY_REFERENCE_MAX + 1);
    if (n == 0 || n > EIM_KEY_REFERENCE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = reference[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool eim_id_valid(const char *eim_id)
{
    /* SGP32Definitions eimId UTF8String (SIZE(1..128)) */
    size_t n = strnlen(eim_id, 4 * SGP32_EIM_ID_MAX + 1);
    if (n > SGP32_EIM_ID_MAX)
        return false; /* also the byte size the registry column keeps */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)eim_id[i] < 0x20 || eim_id[i] == 0x7F)
            return false;
    return der_check_utf8((aw_slice){(const uint8_t *)eim_id, n}, 1, SGP32_EIM_ID_MAX) == AW_OK;
}

aw_err eim_eid_to_octets(const char *eid, uint8_t out[SGP32_EID_LENGTH])
{
    size_t len = 0;
    if (eid == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (pki_eid_validate(eid) != AW_OK)
        return AW_ERR_EIM_IMPORT_EID;
    /* the 32 decimal digits, two per octet, first digit high */
    return aw_hex_decode(eid, out, SGP32_EID_LENGTH, &len) == AW_OK && len == SGP32_EID_LENGTH
               ? AW_OK
               : AW_ERR_EIM_IMPORT_EID;
}

aw_err eim_eid_from_octets(const uint8_t *octets, size_t len, char out[EIM_EID_DIGITS + 1])
{
    if (octets == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    out[0] = '\0';
    if (len != SGP32_EID_LENGTH)
        return AW_ERR_EIM_IMPORT_EID;
    aw_hex_encode(octets, len, out, true);
    if (pki_eid_validate(out) != AW_OK) {
        out[0] = '\0';
        return AW_ERR_EIM_IMPORT_EID;
    }
    return AW_OK;
}

void eim_euicc_clear(eim_euicc *euicc)
{
    if (euicc == NULL)
        return;
    free(euicc->euicc_certificate);
    free(euicc->eum_certificate);
    memset(euicc, 0, sizeof(*euicc));
}

void eim_batch_free(eim_batch *batch)
{
    if (batch == NULL)
        return;
    for (size_t i = 0; i < batch->count; i++)
        eim_euicc_clear(&batch->records[i]);
    free(batch->records);
    free(batch);
}

/* ---- rows ------------------------------------------------------------------------ */

static aw_err read_optional_blob(const db_rows *rows, size_t column, uint8_t **out, size_t *len)
{
    const uint8_t *data = NULL;
    *out = NULL;
    *len = 0;
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    aw_err err = db_rows_get_blob(rows, column, &data, len);
    if (err != AW_OK || *len == 0)
        return err;
    *out = malloc(*len);
    if (*out == NULL)
        return AW_ERR_NOMEM;
    memcpy(*out, data, *len);
    return AW_OK;
}

static aw_err read_optional_int64(const db_rows *rows, size_t column, bool *present,
                                  int64_t *value)
{
    *value = 0;
    *present = db_rows_column_type(rows, column) != DB_TYPE_NULL;
    return *present ? db_rows_get_int64(rows, column, value) : AW_OK;
}

aw_err eim_read_euicc(const db_rows *rows, eim_euicc *out)
{
    const char *eid = NULL, *eim_id = NULL, *key = NULL;
    int64_t state = 0;
    bool present = false;
    memset(out, 0, sizeof(*out));
    aw_err err = db_rows_get_text(rows, 0, &eid);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &eim_id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &out->counter_value);
    if (err == AW_OK)
        err = read_optional_int64(rows, 3, &out->has_association_token,
                                  &out->association_token);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 4, &key);
    if (err == AW_OK)
        err = read_optional_blob(rows, 5, &out->euicc_certificate, &out->euicc_certificate_len);
    if (err == AW_OK)
        err = read_optional_blob(rows, 6, &out->eum_certificate, &out->eum_certificate_len);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 7, &state);
    if (err == AW_OK)
        err = read_optional_int64(rows, 8, &present, &out->last_contact_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &out->registered_ms);
    int64_t version = 0;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 10, &version);
    out->sgp32_version = (eim_sgp32_version)version;
    if (err == AW_OK)
        err = eim_copy_text(out->eid, sizeof(out->eid), eid);
    if (err == AW_OK)
        err = eim_copy_text(out->eim_id, sizeof(out->eim_id), eim_id);
    if (err == AW_OK)
        err = eim_copy_text(out->signing_key, sizeof(out->signing_key), key);
    if (err == AW_OK)
        out->state = (eim_euicc_state)state;
    if (err != AW_OK)
        eim_euicc_clear(out);
    return err;
}

aw_err eim_registry_get(db_connection *db, const char *eid, eim_euicc *out)
{
    db_rows *rows = NULL;
    bool has_row = false;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || eid == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_param p = DB_PARAM_TEXT(eid);
    aw_err err = db_query(db, "SELECT " EIM_EUICC_COLUMNS " FROM eim_euiccs WHERE eid = ?", &p,
                          1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = eim_read_euicc(rows, out);
    db_rows_free(rows);
    return err;
}

/* ---- certificate chains ---------------------------------------------------------- */

/* Parse and verify eUICC + EUM certificates for eid at now_ms. */
static aw_err verify_chain(const pki_trust_store *trust, const char *eid, const uint8_t *euicc_der,
                           size_t euicc_len, const uint8_t *eum_der, size_t eum_len,
                           int64_t now_ms, pki_certificate **euicc_out)
{
    pki_certificate *euicc = NULL, *eum = NULL;
    pki_verify_options options = {.now = (time_t)(now_ms / 1000), .expected_eid = eid};
    aw_err err = pki_certificate_parse(euicc_der, euicc_len, &euicc);
    if (err == AW_OK)
        err = pki_certificate_parse(eum_der, eum_len, &eum);
    /* SGP.22 4.5.2.2: CI -> EUM -> eUICC, EID of the certificate */
    if (err == AW_OK)
        err = pki_verify_euicc_chain(trust, eum, euicc, &options, NULL);
    pki_certificate_free(eum);
    if (err == AW_OK && euicc_out != NULL) {
        *euicc_out = euicc;
        euicc = NULL;
    }
    pki_certificate_free(euicc);
    return err;
}

aw_err eim_euicc_public_key(const eim_euicc *euicc, const pki_trust_store *trust, int64_t now_ms,
                            crypto_key **out)
{
    pki_certificate *certificate = NULL;
    *out = NULL;
    if (euicc->euicc_certificate == NULL || euicc->eum_certificate == NULL)
        return AW_ERR_EIM_NO_CERTIFICATE;
    aw_err err = verify_chain(trust, euicc->eid, euicc->euicc_certificate,
                              euicc->euicc_certificate_len, euicc->eum_certificate,
                              euicc->eum_certificate_len, now_ms, &certificate);
    if (err == AW_OK) {
        aw_slice der = pki_certificate_der(certificate);
        err = crypto_key_from_certificate(der.ptr, der.len, out);
    }
    pki_certificate_free(certificate);
    return err;
}

aw_err eim_registry_set_certificates(db_connection *db, const char *eid,
                                     const pki_trust_store *trust, const uint8_t *euicc_der,
                                     size_t euicc_len, const uint8_t *eum_der, size_t eum_len,
                                     int64_t now_ms)
{
    int64_t changes = 0;
    if (db == NULL || eid == NULL || trust == NULL || euicc_der == NULL || eum_der == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = verify_chain(trust, eid, euicc_der, euicc_len, eum_der, eum_len, now_ms, NULL);
    if (err != AW_OK)
        return err;
    db_param p[] = {DB_PARAM_BLOB(euicc_der, euicc_len), DB_PARAM_BLOB(eum_der, eum_len),
                    DB_PARAM_TEXT(eid)};
    err = db_execute(db,
                     "UPDATE eim_euiccs SET euicc_certificate = ?, eum_certificate = ? "
                     "WHERE eid = ?",
                     p, 3, &changes);
    return err == AW_OK && changes == 0 ? AW_ERR_EIM_UNKNOWN_EUICC : err;
}

/* ---- registration ---------------------------------------------------------------- */

static bool sgp32_version_known(int64_t version)
{
    return version == EIM_SGP32_VERSION_1_0 || version == EIM_SGP32_VERSION_1_1 ||
           version == EIM_SGP32_VERSION_1_2;
}

static aw_err insert_record(db_connection *db, const eim_euicc *e, int64_t now_ms)
{
    if (e->sgp32_version != 0 && !sgp32_version_known(e->sgp32_version))
        return AW_ERR_EIM_IMPORT_FIELD;
    db_param p[] = {
        DB_PARAM_TEXT(e->eid),
        DB_PARAM_TEXT(e->eim_id),
        DB_PARAM_INT64(e->counter_value),
        e->has_association_token ? DB_PARAM_INT64(e->association_token) : DB_PARAM_NULL,
        DB_PARAM_TEXT(e->signing_key),
        e->euicc_certificate != NULL
            ? DB_PARAM_BLOB(e->euicc_certificate, e->euicc_certificate_len)
            : DB_PARAM_NULL,
        e->eum_certificate != NULL ? DB_PARAM_BLOB(e->eum_certificate, e->eum_certificate_len)
                                   : DB_PARAM_NULL,
        DB_PARAM_INT64(EIM_EUICC_REGISTERED),
        DB_PARAM_INT64(now_ms),
        DB_PARAM_INT64(e->sgp32_version != 0 ? e->sgp32_version : EIM_SGP32_VERSION_1_2),
    };
    aw_err err = db_execute(db,
                            "INSERT INTO eim_euiccs (eid, eim_id, counter_value, "
                            "association_token, signing_key, euicc_certificate, "
                            "eum_certificate, state, registered_ms, sgp32_version) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            p, sizeof(p) / sizeof(p[0]), NULL);
    return err == AW_ERR_DB_UNIQUE ? AW_ERR_EIM_IMPORT_DUPLICATE : err;
}

aw_err eim_registry_import(db_connection *db, const eim_batch *batch, const pki_trust_store *trust,
                           int64_t now_ms, size_t *line)
{
    if (line != NULL)
        *line = 0;
    if (db == NULL || batch == NULL)
        return AW_ERR_ARGUMENT;
    /* the certificates first: nothing is written for a batch with a bad chain */
    for (size_t i = 0; trust != NULL && i < batch->count; i++) {
        const eim_euicc *e = &batch->records[i];
        if (e->euicc_certificate == NULL && e->eum_certificate == NULL)
            continue;
        if (e->euicc_certificate == NULL || e->eum_certificate == NULL ||
            verify_chain(trust, e->eid, e->euicc_certificate, e->euicc_certificate_len,
                         e->eum_certificate, e->eum_certificate_len, now_ms, NULL) != AW_OK) {
            if (line != NULL)
                *line = i + 1;
            return AW_ERR_EIM_IMPORT_CERTIFICATE;
        }
    }
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    for (size_t i = 0; err == AW_OK && i < batch->count; i++) {
        err = insert_record(db, &batch->records[i], now_ms);
        if (err != AW_OK && line != NULL)
            *line = i + 1;
    }
    if (err == AW_OK)
        return db_commit(db);
    (void)db_rollback(db);
    return err;
}

aw_err eim_registry_set_sgp32_version(db_connection *db, const char *eid,
                                      eim_sgp32_version version)
{
    int64_t changes = 0;
    if (db == NULL || eid == NULL || !sgp32_version_known(version))
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_INT64(version), DB_PARAM_TEXT(eid)};
    aw_err err = db_execute(db, "UPDATE eim_euiccs SET sgp32_version = ? WHERE eid = ?", p, 2,
                            &changes);
    return err == AW_OK && changes == 0 ? AW_ERR_EIM_UNKNOWN_EUICC : err;
}

/* ---- counterValue ------------------------------------------------------------------ */

aw_err eim_registry_allocate_counter(db_connection *db, const char *eid, int64_t *counter)
{
    if (counter != NULL)
        *counter = 0;
    if (db == NULL || eid == NULL || counter == NULL)
        return AW_ERR_ARGUMENT;
    if (db_in_transaction(db))
        return AW_ERR_STATE;
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = eim_counter_take(db, eid, counter);
    if (err == AW_OK)
        return db_commit(db);
    (void)db_rollback(db);
    *counter = 0;
    return err;
}

aw_err eim_counter_take(db_connection *db, const char *eid, int64_t *counter)
{
    int64_t changes = 0;
    *counter = 0;
    /* The UPDATE takes the row's write lock (SQLite: the database's, held
     * since BEGIN IMMEDIATE), so concurrent takers queue behind it and each
     * reads its own increment. */
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(EIM_COUNTER_MAX)};
    aw_err err = db_execute(db,
                            "UPDATE eim_euiccs SET counter_value = counter_value + 1 "
                            "WHERE eid = ? AND counter_value < ?",
                            p, 2, &changes);
    if (err == AW_OK && changes == 0) {
        int64_t count = 0;
        err = db_query_int64(db, "SELECT COUNT(*) FROM eim_euiccs WHERE eid = ?", p, 1, &count);
        if (err == AW_OK)
            err = count == 0 ? AW_ERR_EIM_UNKNOWN_EUICC : AW_ERR_EIM_COUNTER_EXHAUSTED;
    }
    if (err == AW_OK)
        err = db_query_int64(db, "SELECT counter_value FROM eim_euiccs WHERE eid = ?", p, 1,
                             counter);
    return err;
}

aw_err eim_registry_require_v1_0(db_connection *db, const char *eid)
{
    eim_euicc euicc;
    memset(&euicc, 0, sizeof(euicc));
    aw_err err = eim_registry_get(db, eid, &euicc);
    if (err == AW_OK && euicc.sgp32_version != EIM_SGP32_VERSION_1_0)
        err = AW_ERR_EIM_SGP32_VERSION;
    eim_euicc_clear(&euicc);
    return err;
}
