/* airwrite SM-DP+: profile inventory store (SGP.22 3.1.1 profile ordering,
 * 5.3 ES2+, download progress of 3.1.3): schema, profile types, batch
 * import with Ki/OPc sealed at rest, state changes with history. See
 * inventory.h. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "smdp/inventory.h"
#include "smdp/inventory_internal.h"

/* ---- States --------------------------------------------------------------- */

static const char *const state_names[] = {
    [SMDP_STATE_AVAILABLE] = "available",   [SMDP_STATE_ALLOCATED] = "allocated",
    [SMDP_STATE_LINKED] = "linked",         [SMDP_STATE_CONFIRMED] = "confirmed",
    [SMDP_STATE_RELEASED] = "released",     [SMDP_STATE_DOWNLOADED] = "downloaded",
    [SMDP_STATE_INSTALLED] = "installed",   [SMDP_STATE_ERROR] = "error",
    [SMDP_STATE_UNAVAILABLE] = "unavailable",
};

const char *smdp_state_name(smdp_state state)
{
    if ((unsigned)state < SMDP_STATE_AVAILABLE || (unsigned)state > SMDP_STATE_UNAVAILABLE)
        return NULL;
    return state_names[state];
}

aw_err smdp_state_parse(const char *name, smdp_state *state)
{
    for (unsigned s = SMDP_STATE_AVAILABLE; name != NULL && s <= SMDP_STATE_UNAVAILABLE; s++) {
        if (strcmp(name, state_names[s]) == 0) {
            *state = (smdp_state)s;
            return AW_OK;
        }
    }
    return AW_ERR_NOT_FOUND;
}

bool smdp_inventory_cause_ok(const char *cause)
{
    if (cause == NULL)
        return false;
    size_t n = strnlen(cause, SMDP_CAUSE_MAX + 1);
    if (n == 0 || n > SMDP_CAUSE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)cause[i] < 0x20 || (unsigned char)cause[i] > 0x7E)
            return false;
    return true;
}

/* ---- Schema ----------------------------------------------------------------- */

#define STATE_CHECK                                                                            \
    "CHECK (state IN ('available', 'allocated', 'linked', 'confirmed', 'released', "            \
    "'downloaded', 'installed', 'error', 'unavailable'))"

#define PROFILE_COLUMNS(BLOB)                                                                  \
    "  iccid TEXT PRIMARY KEY,\n"                                                             \
    "  profile_type TEXT NOT NULL REFERENCES smdp_profile_types (name),\n"                    \
    "  imsi TEXT NOT NULL UNIQUE,\n"                                                          \
    "  msisdn TEXT,\n"                                                                        \
    "  algorithm INTEGER NOT NULL CHECK (algorithm BETWEEN 1 AND 3),\n"                       \
    "  key_id BIGINT NOT NULL,\n"                                                             \
    "  ki_encrypted " BLOB " NOT NULL,\n"                                                     \
    "  opc_encrypted " BLOB " NOT NULL,\n"                                                    \
    "  state TEXT NOT NULL " STATE_CHECK ",\n"                                                \
    "  eid TEXT,\n"                                                                           \
    "  matching_id TEXT UNIQUE,\n"                                                            \
    "  cc_hash " BLOB ",\n"                                                                   \
    "  cc_attempts INTEGER NOT NULL DEFAULT 0,\n"                                             \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  allocated_at BIGINT,\n"                                                                \
    "  confirmed_at BIGINT,\n"                                                                \
    "  released_at BIGINT,\n"                                                                 \
    "  downloaded_at BIGINT,\n"                                                               \
    "  installed_at BIGINT,\n"                                                                \
    "  updated_at BIGINT NOT NULL\n"

#define TYPE_TABLE(BLOB)                                                                       \
    "CREATE TABLE smdp_profile_types (\n"                                                     \
    "  name TEXT PRIMARY KEY,\n"                                                              \
    "  template " BLOB " NOT NULL,\n"                                                         \
    "  service_provider_name TEXT NOT NULL,\n"                                                \
    "  profile_name TEXT NOT NULL,\n"                                                         \
    "  profile_class INTEGER NOT NULL CHECK (profile_class BETWEEN 0 AND 2),\n"               \
    "  created_at BIGINT NOT NULL);\n"

#define HISTORY_TAIL                                                                           \
    "  iccid TEXT NOT NULL REFERENCES smdp_profiles (iccid),\n"                               \
    "  from_state TEXT,\n"                                                                    \
    "  to_state TEXT NOT NULL,\n"                                                             \
    "  cause TEXT NOT NULL,\n"                                                                \
    "  at BIGINT NOT NULL);\n"                                                                \
    "CREATE INDEX smdp_profiles_pool ON smdp_profiles (profile_type, state, iccid);\n"        \
    "CREATE INDEX smdp_profile_history_iccid ON smdp_profile_history (iccid, id);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "profile types, profiles, state history",
        .sqlite_sql = TYPE_TABLE("BLOB") "CREATE TABLE smdp_profiles (\n" PROFILE_COLUMNS(
            "BLOB") ");\n"
                    "CREATE TABLE smdp_profile_history (\n"
                    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n" HISTORY_TAIL,
        .postgresql_sql = TYPE_TABLE("BYTEA") "CREATE TABLE smdp_profiles (\n" PROFILE_COLUMNS(
            "BYTEA") ");\n"
                         "CREATE TABLE smdp_profile_history (\n"
                         "  id BIGSERIAL PRIMARY KEY,\n" HISTORY_TAIL,
    },
};

aw_err smdp_inventory_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "smdp_inventory", migrations, sizeof(migrations) / sizeof(migrations[0]),
                      NULL);
}

/* ---- Profile types ---------------------------------------------------------- */

aw_err smdp_inventory_add_profile_type(db_connection *db, const smdp_profile_type *type,
                                       int64_t now_ms)
{
    if (db == NULL || type == NULL || type->template_package == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = smdp_import_check_profile_type(type->name);
    if (err != AW_OK)
        return err;
    /* SGP.22 5.5.3 StoreMetadata: serviceProviderName and profileName are
     * UTF8String (SIZE(0..64)); profileClass test/provisioning/operational */
    if (type->service_provider_name == NULL || type->profile_name == NULL ||
        strnlen(type->service_provider_name, SMDP_NAME_MAX + 1) > SMDP_NAME_MAX ||
        strnlen(type->profile_name, SMDP_NAME_MAX + 1) > SMDP_NAME_MAX ||
        (unsigned)type->profile_class > SMDP_PROFILE_CLASS_OPERATIONAL)
        return AW_ERR_SMDP_METADATA;
    saip_profile *parsed = NULL;
    err = saip_profile_parse(type->template_package, type->template_len, &parsed);
    saip_profile_free(parsed);
    if (err != AW_OK)
        return err;
    db_param p[] = {
        DB_PARAM_TEXT(type->name),
        DB_PARAM_BLOB(type->template_package, type->template_len),
        DB_PARAM_TEXT(type->service_provider_name),
        DB_PARAM_TEXT(type->profile_name),
        DB_PARAM_INT64(type->profile_class),
        DB_PARAM_INT64(now_ms),
    };
    return db_execute(db,
                      "INSERT INTO smdp_profile_types (name, template, service_provider_name, "
                      "profile_name, profile_class, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                      p, 6, NULL);
}

aw_err smdp_inventory_get_template(db_connection *db, const char *name, uint8_t **package,
                                   size_t *len)
{
    if (package != NULL)
        *package = NULL;
    if (len != NULL)
        *len = 0;
    if (db == NULL || name == NULL || package == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(name)};
    aw_err err = db_query(db, "SELECT template FROM smdp_profile_types WHERE name = ?", p, 1,
                          &rows);
    bool has_row = false;
    const uint8_t *data;
    size_t n;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 0, &data, &n);
    if (err == AW_OK) {
        *package = malloc(n > 0 ? n : 1);
        if (*package == NULL) {
            err = AW_ERR_NOMEM;
        } else {
            memcpy(*package, data, n);
            *len = n;
        }
    }
    db_rows_free(rows);
    return err;
}

/* ---- Import ------------------------------------------------------------------- */

typedef struct import_job {
    const smdp_key_ring *ring;
    const smdp_import_batch *batch;
    int64_t now_ms;
} import_job;

static aw_err insert_record(db_connection *db, const import_job *job, const smdp_import_record *r)
{
    uint8_t ki[SMDP_SEALED_MAX], opc[SMDP_SEALED_MAX];
    size_t ki_len, opc_len;
    uint32_t key_id, opc_key_id;
    aw_err err = smdp_key_ring_seal(job->ring, r->iccid, "ki", r->aka.key, r->aka.key_len, ki,
                                    &ki_len, &key_id);
    if (err == AW_OK)
        err = smdp_key_ring_seal(job->ring, r->iccid, "opc", r->aka.opc, r->aka.opc_len, opc,
                                 &opc_len, &opc_key_id);
    if (err != AW_OK)
        return err;
    db_param p[] = {
        DB_PARAM_TEXT(r->iccid),
        DB_PARAM_TEXT(job->batch->profile_type),
        DB_PARAM_TEXT(r->imsi),
        r->has_msisdn ? DB_PARAM_TEXT(r->msisdn) : DB_PARAM_NULL,
        DB_PARAM_INT64(r->aka.algorithm),
        DB_PARAM_INT64(key_id),
        DB_PARAM_BLOB(ki, ki_len),
        DB_PARAM_BLOB(opc, opc_len),
        DB_PARAM_INT64(job->now_ms),
        DB_PARAM_INT64(job->now_ms),
    };
    err = db_execute(db,
                     "INSERT INTO smdp_profiles (iccid, profile_type, imsi, msisdn, algorithm, "
                     "key_id, ki_encrypted, opc_encrypted, state, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'available', ?, ?)",
                     p, 10, NULL);
    if (err == AW_OK)
        err = smdp_inventory_record_history(db, r->iccid, 0, SMDP_STATE_AVAILABLE, "import",
                                            job->now_ms);
    return err;
}

static aw_err import_run(db_connection *db, void *arg)
{
    const import_job *job = arg;
    db_param p[] = {DB_PARAM_TEXT(job->batch->profile_type)};
    int64_t n = 0;
    aw_err err = db_query_int64(db, "SELECT COUNT(*) FROM smdp_profile_types WHERE name = ?", p,
                                1, &n);
    if (err == AW_OK && n != 1)
        err = AW_ERR_SMDP_IMPORT_PROFILE_TYPE;
    for (size_t i = 0; err == AW_OK && i < job->batch->count; i++)
        err = insert_record(db, job, &job->batch->records[i]);
    return err;
}

aw_err smdp_inventory_import(db_connection *db, const smdp_key_ring *ring,
                             const smdp_import_batch *batch, int64_t now_ms)
{
    if (db == NULL || ring == NULL || batch == NULL)
        return AW_ERR_ARGUMENT;
    if (smdp_key_ring_current_id(ring) == 0)
        return AW_ERR_SMDP_KEY_FILE;
    import_job job = {.ring = ring, .batch = batch, .now_ms = now_ms};
    return db_transaction_run(db, import_run, &job, NULL);
}

/* ---- Reading profiles -------------------------------------------------------- */

static aw_err copy_text(const db_rows *rows, size_t column, char *out, size_t cap)
{
    out[0] = '\0';
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    const char *text;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t n = strlen(text);
    if (n >= cap)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, n + 1);
    return AW_OK;
}

aw_err smdp_inventory_get_profile(db_connection *db, const char *iccid, smdp_profile_info *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || iccid == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    aw_err err = db_query(db,
                          "SELECT iccid, imsi, msisdn, profile_type, state, eid, matching_id, "
                          "cc_hash, cc_attempts, key_id FROM smdp_profiles WHERE iccid = ?",
                          p, 1, &rows);
    bool has_row = false;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    char state[16];
    if (err == AW_OK)
        err = copy_text(rows, 0, out->iccid, sizeof(out->iccid));
    if (err == AW_OK)
        err = copy_text(rows, 1, out->imsi, sizeof(out->imsi));
    if (err == AW_OK)
        err = copy_text(rows, 2, out->msisdn, sizeof(out->msisdn));
    if (err == AW_OK)
        err = copy_text(rows, 3, out->profile_type, sizeof(out->profile_type));
    if (err == AW_OK)
        err = copy_text(rows, 4, state, sizeof(state));
    if (err == AW_OK && smdp_state_parse(state, &out->state) != AW_OK)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = copy_text(rows, 5, out->eid, sizeof(out->eid));
    if (err == AW_OK)
        err = copy_text(rows, 6, out->matching_id, sizeof(out->matching_id));
    if (err == AW_OK && db_rows_column_type(rows, 7) != DB_TYPE_NULL) {
        const uint8_t *hash;
        size_t n;
        err = db_rows_get_blob(rows, 7, &hash, &n);
        if (err == AW_OK && n != sizeof(out->confirmation_code_hash))
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK) {
            memcpy(out->confirmation_code_hash, hash, n);
            out->has_confirmation_code = true;
        }
    }
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 8, &out->confirmation_code_attempts);
    int64_t key_id = 0;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &key_id);
    out->key_id = (uint32_t)key_id;
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

static aw_err open_column(const smdp_key_ring *ring, const db_rows *rows, size_t column,
                          uint32_t key_id, const char *iccid, const char *field, uint8_t *out,
                          size_t *out_len)
{
    const uint8_t *sealed;
    size_t n;
    aw_err err = db_rows_get_blob(rows, column, &sealed, &n);
    if (err != AW_OK)
        return err;
    return smdp_key_ring_open(ring, key_id, iccid, field, sealed, n, out, SAIP_AKA_KEY_MAX,
                              out_len);
}

aw_err smdp_inventory_load_secrets(db_connection *db, const smdp_key_ring *ring,
                                   const char *iccid, saip_aka *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || ring == NULL || iccid == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    aw_err err = db_query(db,
                          "SELECT algorithm, key_id, ki_encrypted, opc_encrypted "
                          "FROM smdp_profiles WHERE iccid = ?",
                          p, 1, &rows);
    bool has_row = false;
    int64_t algorithm = 0, key_id = 0;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &algorithm);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &key_id);
    if (err == AW_OK && (key_id <= 0 || key_id > INT32_MAX))
        err = AW_ERR_SMDP_DECRYPT;
    if (err == AW_OK)
        err = open_column(ring, rows, 2, (uint32_t)key_id, iccid, "ki", out->key, &out->key_len);
    if (err == AW_OK)
        err = open_column(ring, rows, 3, (uint32_t)key_id, iccid, "opc", out->opc, &out->opc_len);
    out->algorithm = (saip_algorithm)algorithm;
    if (err == AW_OK && saip_aka_check(out) != AW_OK)
        err = AW_ERR_SMDP_DECRYPT;
    db_rows_free(rows);
    if (err != AW_OK)
        saip_aka_cleanse(out);
    return err;
}

aw_err smdp_inventory_count(db_connection *db, const char *profile_type, smdp_state state,
                            int64_t *count)
{
    if (count != NULL)
        *count = 0;
    const char *name = smdp_state_name(state);
    if (db == NULL || count == NULL || name == NULL)
        return AW_ERR_ARGUMENT;
    if (profile_type == NULL) {
        db_param p[] = {DB_PARAM_TEXT(name)};
        return db_query_int64(db, "SELECT COUNT(*) FROM smdp_profiles WHERE state = ?", p, 1,
                              count);
    }
    db_param p[] = {DB_PARAM_TEXT(profile_type), DB_PARAM_TEXT(name)};
    return db_query_int64(db,
                          "SELECT COUNT(*) FROM smdp_profiles WHERE profile_type = ? AND state = ?",
                          p, 2, count);
}
