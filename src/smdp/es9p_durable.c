/* airwrite SM-DP+: bound ES9+ sessions in the database (es9p_durable.h),
 * what ES9+.HandleNotification (SGP.22 5.6.4) and CancelSession (5.6.5)
 * need after GetBoundProfilePackage (5.6.2) in a later SM-DP+ process. */
#include "smdp/es9p_durable.h"

#include <string.h>

/* Only bound sessions are stored; the column leaves room for more. */
#define ES9P_DURABLE_STATE_BOUND "bound"

#define ES9P_DURABLE_TABLE(BLOB)                                                               \
    "CREATE TABLE smdp_sessions (\n"                                                          \
    "  transaction_id " BLOB " PRIMARY KEY,\n"                                                \
    "  state TEXT NOT NULL CHECK (state = 'bound'),\n"                                        \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  euicc_curve TEXT NOT NULL,\n"                                                          \
    "  euicc_public_key " BLOB " NOT NULL,\n"                                                 \
    "  created_ms BIGINT NOT NULL,\n"                                                         \
    "  expires_ms BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX smdp_sessions_expiry ON smdp_sessions (expires_ms);\n"

static const db_migration es9p_durable_migrations[] = {
    {
        .version = 1,
        .description = "bound ES9+ sessions (PIR verification after a restart)",
        .sqlite_sql = ES9P_DURABLE_TABLE("BLOB"),
        .postgresql_sql = ES9P_DURABLE_TABLE("BYTEA"),
    },
};

static const crypto_curve es9p_durable_curves[] = {CRYPTO_CURVE_NIST_P256,
                                                   CRYPTO_CURVE_BRAINPOOL_P256R1};

aw_err es9p_durable_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, ES9P_DURABLE_COMPONENT, es9p_durable_migrations,
                      sizeof(es9p_durable_migrations) / sizeof(es9p_durable_migrations[0]), NULL);
}

static bool es9p_durable_digits(const char *text, size_t len)
{
    if (strnlen(text, len + 1) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    return true;
}

/* The name stored for a curve; NULL for none or an unknown one. */
static const char *es9p_durable_curve_name(crypto_curve curve)
{
    for (size_t i = 0; i < sizeof(es9p_durable_curves) / sizeof(es9p_durable_curves[0]); i++) {
        if (es9p_durable_curves[i] == curve)
            return crypto_curve_name(curve);
    }
    return NULL;
}

aw_err es9p_durable_record_from_session(const es9p_session *session, int64_t now_ms,
                                        int64_t expires_ms, es9p_durable_record *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (session == NULL || out == NULL || session->state != ES9P_SESSION_BOUND ||
        es9p_durable_curve_name(session->euicc_key.curve) == NULL ||
        !es9p_durable_digits(session->eid, AW_PKI_EID_DIGITS) ||
        strnlen(session->order_id, sizeof(session->order_id)) == 0 ||
        strnlen(session->order_id, sizeof(session->order_id)) == sizeof(session->order_id) ||
        expires_ms <= now_ms)
        return AW_ERR_ARGUMENT;
    memcpy(out->transaction_id, session->transaction_id, ES9P_TRANSACTION_ID_SIZE);
    memcpy(out->eid, session->eid, sizeof(out->eid));
    memcpy(out->iccid, session->order_id, sizeof(out->iccid));
    out->euicc_key = session->euicc_key;
    out->created_ms = now_ms;
    out->expires_ms = expires_ms;
    return AW_OK;
}

void es9p_durable_record_to_session(const es9p_durable_record *record, es9p_session *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (record == NULL)
        return;
    memcpy(out->transaction_id, record->transaction_id, ES9P_TRANSACTION_ID_SIZE);
    out->state = ES9P_SESSION_BOUND;
    out->expires = (time_t)(record->expires_ms / 1000);
    memcpy(out->eid, record->eid, sizeof(out->eid));
    memcpy(out->order_id, record->iccid, sizeof(out->order_id));
    out->euicc_key = record->euicc_key;
}

aw_err es9p_durable_purge(db_connection *db, int64_t now_ms, int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_INT64(now_ms)};
    return db_execute(db, "DELETE FROM smdp_sessions WHERE expires_ms <= ?", p, 1, deleted);
}

aw_err es9p_durable_save(db_connection *db, const es9p_durable_record *record, int64_t now_ms)
{
    if (db == NULL || record == NULL)
        return AW_ERR_ARGUMENT;
    const char *curve = es9p_durable_curve_name(record->euicc_key.curve);
    if (curve == NULL || !es9p_durable_digits(record->eid, AW_PKI_EID_DIGITS) ||
        record->iccid[0] == '\0' ||
        strnlen(record->iccid, sizeof(record->iccid)) == sizeof(record->iccid))
        return AW_ERR_ARGUMENT;
    aw_err err = es9p_durable_purge(db, now_ms, NULL);
    if (err != AW_OK)
        return err;
    db_param p[] = {DB_PARAM_BLOB(record->transaction_id, ES9P_TRANSACTION_ID_SIZE),
                    DB_PARAM_TEXT(ES9P_DURABLE_STATE_BOUND),
                    DB_PARAM_TEXT(record->eid),
                    DB_PARAM_TEXT(record->iccid),
                    DB_PARAM_TEXT(curve),
                    DB_PARAM_BLOB(record->euicc_key.point, CRYPTO_POINT_SIZE),
                    DB_PARAM_INT64(record->created_ms),
                    DB_PARAM_INT64(record->expires_ms)};
    return db_execute(db,
                      "INSERT INTO smdp_sessions (transaction_id, state, eid, iccid, euicc_curve, "
                      "euicc_public_key, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (transaction_id) DO UPDATE SET state = excluded.state, "
                      "eid = excluded.eid, iccid = excluded.iccid, "
                      "euicc_curve = excluded.euicc_curve, "
                      "euicc_public_key = excluded.euicc_public_key, "
                      "created_ms = excluded.created_ms, expires_ms = excluded.expires_ms",
                      p, sizeof(p) / sizeof(p[0]), NULL);
}

/* Text column into out (cap bytes with the NUL): AW_ERR_DB_TYPE when it
 * does not fit. */
static aw_err es9p_durable_text(const db_rows *rows, size_t column, char *out, size_t cap)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t n = strnlen(text, cap);
    if (n == cap)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, n + 1);
    return AW_OK;
}

/* The current row (columns as selected by es9p_durable_load) into out:
 * every field checked as es9p_durable_save writes it (the database is
 * ours, but a row a bug or an operator wrote must not reach a signature
 * check as something else). */
static aw_err es9p_durable_decode(const db_rows *rows, es9p_durable_record *out)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    char curve[32];
    aw_err err = es9p_durable_text(rows, 0, out->eid, sizeof(out->eid));
    if (err == AW_OK && !es9p_durable_digits(out->eid, AW_PKI_EID_DIGITS))
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = es9p_durable_text(rows, 1, out->iccid, sizeof(out->iccid));
    if (err == AW_OK && out->iccid[0] == '\0')
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = es9p_durable_text(rows, 2, curve, sizeof(curve));
    for (size_t i = 0; err == AW_OK && out->euicc_key.curve == 0 &&
                       i < sizeof(es9p_durable_curves) / sizeof(es9p_durable_curves[0]);
         i++) {
        if (strcmp(curve, crypto_curve_name(es9p_durable_curves[i])) == 0)
            out->euicc_key.curve = es9p_durable_curves[i];
    }
    if (err == AW_OK && out->euicc_key.curve == 0)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 3, &blob, &len);
    /* an uncompressed point 04||X||Y (SEC 1 2.3.3), as CERT.EUICC gave it */
    if (err == AW_OK && (len != CRYPTO_POINT_SIZE || blob[0] != 0x04))
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out->euicc_key.point, blob, len);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &out->created_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &out->expires_ms);
    return err;
}

aw_err es9p_durable_load(db_connection *db, const uint8_t *transaction_id, size_t len,
                         int64_t now_ms, es9p_durable_record *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || out == NULL || (transaction_id == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    /* this SM-DP+ only hands out 16-byte IDs (es9p_store.h) */
    if (len != ES9P_TRANSACTION_ID_SIZE)
        return AW_ERR_NOT_FOUND;
    db_rows *rows = NULL;
    bool has_row = false;
    db_param p[] = {DB_PARAM_BLOB(transaction_id, len), DB_PARAM_TEXT(ES9P_DURABLE_STATE_BOUND),
                    DB_PARAM_INT64(now_ms)};
    aw_err err = db_query(db,
                          "SELECT eid, iccid, euicc_curve, euicc_public_key, created_ms, "
                          "expires_ms FROM smdp_sessions "
                          "WHERE transaction_id = ? AND state = ? AND expires_ms > ?",
                          p, 3, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = es9p_durable_decode(rows, out);
    if (err == AW_OK)
        memcpy(out->transaction_id, transaction_id, len);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

aw_err es9p_durable_remove(db_connection *db, const uint8_t *transaction_id, size_t len)
{
    if (db == NULL || (transaction_id == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (len != ES9P_TRANSACTION_ID_SIZE)
        return AW_OK; /* never stored */
    db_param p[] = {DB_PARAM_BLOB(transaction_id, len)};
    return db_execute(db, "DELETE FROM smdp_sessions WHERE transaction_id = ?", p, 1, NULL);
}
