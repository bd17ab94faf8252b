/* airwrite eIM: what the eIM holds of each eUICC for an IPA that
 * minimizes ESipa bytes (SGP.32 IpaCapabilities minimizeEsipaBytes(5)):
 * its euiccInfo1 and euiccInfo2 (ES10b.GetEUICCInfo, SGP.22 5.7.8 / SGP.32
 * 5.9.2; IpaEuiccData 2.11.2 items BF20 / BF22) and the ipaFeatures its IPA
 * announced (IpaCapabilities, A8), and the schema of component
 * "eim-compact" (these and the relay's session data, relay_compact.c).
 * See relay_compact.h. */
#include "eim/relay_compact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"

#define COMPACT_TABLES(blob)                                                                \
    "CREATE TABLE eim_euicc_info (\n"                                                       \
    "  eid TEXT PRIMARY KEY,\n"                                                             \
    "  euicc_info1 " blob ",\n"                                                             \
    "  euicc_info2 " blob ",\n"                                                             \
    "  ipa_features BIGINT,\n"                                                              \
    "  updated_ms BIGINT NOT NULL);\n"                                                      \
    "CREATE TABLE eim_download_context (\n"                                                 \
    "  transaction_id " blob " PRIMARY KEY,\n"                                              \
    "  server_address " blob ",\n"                                                          \
    "  server_challenge " blob ",\n"                                                        \
    "  smdp_oid " blob ",\n"                                                                \
    "  bpp_euicc_otpk " blob ",\n"                                                          \
    "  iccid " blob ");\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "minimizeEsipaBytes: eUICC info and relayed session data",
        .sqlite_sql = COMPACT_TABLES("BLOB"),
        .postgresql_sql = COMPACT_TABLES("BYTEA"),
    },
};

aw_err eim_compact_migrate(db_connection *db)
{
    return db_migrate(db, "eim-compact", migrations, sizeof(migrations) / sizeof(migrations[0]),
                      NULL);
}

static db_param blob_or_null(bool has, aw_slice s)
{
    return has && s.len > 0 ? DB_PARAM_BLOB(s.ptr, s.len) : DB_PARAM_NULL;
}

/* ---- per eUICC --------------------------------------------------------- */

aw_err eim_compact_store_euicc_data(db_connection *db, const char *eid,
                                    const sgp32_ipa_euicc_data *data, int64_t now_ms)
{
    if (!data->has_euicc_info1 && !data->has_euicc_info2 && !data->has_ipa_capabilities)
        return AW_OK;
    int64_t features = data->has_ipa_capabilities
                           ? sgp32_bit_string_flags(&data->ipa_capabilities.ipa_features)
                           : 0;
    db_param p[] = {DB_PARAM_TEXT(eid), blob_or_null(data->has_euicc_info1, data->euicc_info1),
                    blob_or_null(data->has_euicc_info2, data->euicc_info2),
                    data->has_ipa_capabilities ? DB_PARAM_INT64(features) : DB_PARAM_NULL,
                    DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO eim_euicc_info (eid, euicc_info1, euicc_info2, ipa_features, "
                      "updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (eid) DO UPDATE SET "
                      "euicc_info1 = COALESCE(excluded.euicc_info1, eim_euicc_info.euicc_info1), "
                      "euicc_info2 = COALESCE(excluded.euicc_info2, eim_euicc_info.euicc_info2), "
                      "ipa_features = COALESCE(excluded.ipa_features, "
                      "eim_euicc_info.ipa_features), updated_ms = excluded.updated_ms",
                      p, 5, NULL);
}

aw_err eim_registry_set_euicc_info(db_connection *db, const char *eid, const uint8_t *euicc_info1,
                                   size_t euicc_info1_len, const uint8_t *euicc_info2,
                                   size_t euicc_info2_len, int64_t now_ms)
{
    if (db == NULL || eid == NULL || (euicc_info1 == NULL && euicc_info2 == NULL))
        return AW_ERR_ARGUMENT;
    eim_euicc euicc;
    aw_err err = eim_registry_get(db, eid, &euicc);
    if (err != AW_OK)
        return err;
    eim_euicc_clear(&euicc);
    sgp32_ipa_euicc_data data;
    der_node node;
    memset(&data, 0, sizeof(data));
    data.has_euicc_info1 = euicc_info1 != NULL;
    data.euicc_info1 = (aw_slice){euicc_info1, euicc_info1_len};
    data.has_euicc_info2 = euicc_info2 != NULL;
    data.euicc_info2 = (aw_slice){euicc_info2, euicc_info2_len};
    if (data.has_euicc_info1 && (der_decode_single(euicc_info1, euicc_info1_len, &node) != AW_OK ||
                                 node.tag != SGP32_TAG_EUICC_INFO1))
        return AW_ERR_ARGUMENT;
    if (data.has_euicc_info2 && (der_decode_single(euicc_info2, euicc_info2_len, &node) != AW_OK ||
                                 node.tag != SGP32_TAG_EUICC_INFO2))
        return AW_ERR_ARGUMENT;
    return eim_compact_store_euicc_data(db, eid, &data, now_ms);
}

aw_err eim_compact_minimizing(db_connection *db, const char *eid, bool *on)
{
    int64_t features = 0;
    db_param p = DB_PARAM_TEXT(eid);
    *on = false;
    aw_err err = db_query_int64(db, "SELECT ipa_features FROM eim_euicc_info WHERE eid = ?", &p,
                                1, &features);
    if (err == AW_ERR_DB_NOT_FOUND || err == AW_ERR_DB_TYPE)
        return AW_OK;
    *on = err == AW_OK && (features & SGP32_IPA_MINIMIZE_ESIPA_BYTES) != 0;
    return err;
}

/* One BLOB column of eim_euicc_info (malloc'd copy). */
static aw_err euicc_blob(db_connection *db, const char *eid, const char *column, uint8_t **out,
                         size_t *out_len)
{
    char sql[96];
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *data = NULL;
    size_t len = 0;
    *out = NULL;
    *out_len = 0;
    snprintf(sql, sizeof(sql), "SELECT %s FROM eim_euicc_info WHERE eid = ?", column);
    db_param p = DB_PARAM_TEXT(eid);
    aw_err err = db_query(db, sql, &p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && (!has_row || db_rows_get_blob(rows, 0, &data, &len) != AW_OK || len == 0))
        err = AW_ERR_SGP32_COMPACT_CONTEXT;
    if (err == AW_OK) {
        *out = malloc(len);
        err = *out == NULL ? AW_ERR_NOMEM : AW_OK;
        if (err == AW_OK) {
            memcpy(*out, data, len);
            *out_len = len;
        }
    }
    db_rows_free(rows);
    return err;
}

aw_err eim_compact_euicc_info1(db_connection *db, const char *eid, uint8_t **out,
                               size_t *out_len)
{
    return euicc_blob(db, eid, "euicc_info1", out, out_len);
}

aw_err eim_compact_euicc_info2(db_connection *db, const char *eid, uint8_t **out,
                               size_t *out_len)
{
    return euicc_blob(db, eid, "euicc_info2", out, out_len);
}
