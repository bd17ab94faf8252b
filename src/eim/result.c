/* airwrite eIM: results of eUICC Packages (SGP.32 2.11.1.2
 * EuiccPackageResult, delivered by ESipa.ProvideEimPackageResult 6.3.2.7)
 * verified and recorded with the package they answer.
 *
 * A result counts only when the eUICC signed it: euiccSignEPR over
 * euiccPackageResultDataSigned (or euiccSignEPE over
 * euiccPackageErrorDataSigned) exactly as received followed by the
 * associationToken data object, with PK.EUICC.ECDSA
 * from CERT.EUICC whose chain CI -> EUM -> eUICC verifies for the eUICC's
 * EID (SGP.22 4.5.2.2). The signed data must name the package sent to that
 * eUICC: same counterValue, eimId and eimTransactionId. A package takes one
 * result: another one for it is a replay, while the same signed result
 * again, byte for byte, is the IPA delivering it once more after the
 * acknowledgement was lost (SGP.32 6.3.2.7): nothing is recorded and its
 * seqNumber is acknowledged again, so the eUICC can drop it.
 *
 * An EuiccPackageErrorUnsigned (the eUICC refused the package before
 * running it: eimSignature or eimId, 2.11.1.1 steps 1-2) proves nothing,
 * but leaving its package "sent" would hand it out forever and block the
 * eUICC's queue. It ends the package it names (eimTransactionId, same
 * eimId) as failed with its unsigned code; any signed answer for that
 * package later still counts and replaces it, so a forged unsigned error
 * can at most make the eIM wait for the real answer.
 *
 * SGP.32 v1.0 eUICCs signed another input: euiccSignEPR / euiccSignEPE
 * over the signed data followed by the eimSignature of the package
 * answered (v1.0 2.11.2.1 "the concatenated data objects ... and
 * eimSignature"; v1.1 replaced eimSignature by the associationToken). That
 * input is accepted only for an eUICC the registry records as v1.0
 * (eim_sgp32_version, set by the operator, never by a message), so no
 * peer can select it (docs/sgp32-versions.md). The text says "data
 * objects" (the 5F37 TLV) while the one public v1.0 eIM appended the
 * signature value alone: both are tried, each only over the eIM's own
 * signature of that very package. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"
#include "eim/eim_internal.h"

/* The signed part of a result, whichever kind it is. */
typedef struct signed_view {
    aw_slice data;              /* signed bytes as received */
    aw_slice signature;
    aw_slice eim_id;
    int64_t counter_value;
    bool has_transaction_id;
    aw_slice transaction_id;
    bool is_error;
    int64_t seq_number;
    int64_t error_code;
} signed_view;

static aw_err view_result(const sgp32_euicc_package_result *r, signed_view *v)
{
    memset(v, 0, sizeof(*v));
    if (r->kind == SGP32_EUICC_PACKAGE_RESULT_SIGNED) {
        const sgp32_euicc_package_result_data_signed *d =
            &r->result_signed.euicc_package_result_data_signed;
        v->data = d->raw;
        v->signature = r->result_signed.euicc_sign_epr;
        v->eim_id = d->eim_id;
        v->counter_value = d->counter_value;
        v->has_transaction_id = d->has_eim_transaction_id;
        v->transaction_id = d->eim_transaction_id;
        v->seq_number = d->seq_number;
        return AW_OK;
    }
    if (r->kind == SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED) {
        const sgp32_euicc_package_error_data_signed *d =
            &r->error_signed.euicc_package_error_data_signed;
        v->data = d->raw;
        v->signature = r->error_signed.euicc_sign_epe;
        v->eim_id = d->eim_id;
        v->counter_value = d->counter_value;
        v->has_transaction_id = d->has_eim_transaction_id;
        v->transaction_id = d->eim_transaction_id;
        v->is_error = true;
        v->error_code = d->euicc_package_error_code;
        return AW_OK;
    }
    /* euiccPackageErrorUnsigned: nothing proves the eUICC sent it */
    return AW_ERR_EIM_RESULT_UNSIGNED;
}

typedef struct sent_package {
    int64_t id;
    int64_t state;
    int64_t error_code;         /* FAILED: the recorded EuiccPackageErrorCode */
    uint8_t transaction_id[SGP32_TRANSACTION_ID_MAX];
    size_t transaction_id_len;
    bool same_result;           /* the recorded result is exactly the one received */
    bool unsigned_failure;      /* FAILED by an EuiccPackageErrorUnsigned */
} sent_package;

static aw_err find_package(db_connection *db, const char *eid, int64_t counter,
                           aw_slice received, sent_package *out)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *tid = NULL;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(counter)};
    aw_err err = db_query(db,
                          "SELECT id, state, transaction_id, error_code, result FROM eim_packages "
                          "WHERE eid = ? AND counter_value = ?",
                          p, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &out->id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &out->state);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 2, &tid, &out->transaction_id_len);
    if (err == AW_OK && db_rows_column_type(rows, 3) != DB_TYPE_NULL)
        err = db_rows_get_int64(rows, 3, &out->error_code);
    if (err == AW_OK && out->transaction_id_len > sizeof(out->transaction_id))
        err = AW_ERR_DB_FAILED;
    if (err == AW_OK)
        memcpy(out->transaction_id, tid, out->transaction_id_len);
    if (err == AW_OK && db_rows_column_type(rows, 4) != DB_TYPE_NULL) {
        const uint8_t *recorded = NULL;
        size_t recorded_len = 0;
        err = db_rows_get_blob(rows, 4, &recorded, &recorded_len);
        out->same_result = err == AW_OK && recorded_len == received.len &&
                           memcmp(recorded, received.ptr, recorded_len) == 0;
        /* EuiccPackageResult BF51 whose alternative is [2]
         * euiccPackageErrorUnsigned (A2): der_decode_single reads the tag */
        der_node outer, inner;
        if (err == AW_OK && der_decode_single(recorded, recorded_len, &outer) == AW_OK &&
            der_decode_single(outer.value.ptr, outer.value.len, &inner) == AW_OK)
            out->unsigned_failure = inner.tag == DER_CTX_CONS(2);
    }
    /* a package never handed out cannot have been answered */
    if (err == AW_OK && (out->state == EIM_PACKAGE_QUEUED || out->state == EIM_PACKAGE_WITHDRAWN))
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE;
    db_rows_free(rows);
    return err;
}

/* euiccSignEPR / euiccSignEPE cover the signed data TLV as received
 * followed by the associationToken data object of the eIM (tag 84, 0 when
 * the eUICC holds none for it), the same trailer as the eimSignature input
 * (SGP.32 2.11.1.2; the input the software eUICC signs). */
static aw_err verify_signature(const crypto_key *key, const signed_view *v, int64_t token)
{
    uint8_t *input = NULL;
    size_t input_len = 0;
    der_builder b;
    der_builder_init(&b);
    der_put_raw(&b, v->data.ptr, v->data.len);
    der_put_int64(&b, DER_CTX(4), token);
    aw_err err = der_builder_finish(&b, &input, &input_len);
    if (err == AW_OK)
        err = crypto_verify_ecdsa(key, input, input_len, v->signature.ptr, v->signature.len);
    free(input);
    return err;
}

/* The eimSignature of the package with id, as stored and sent (its
 * EuiccPackageRequest). */
static aw_err package_eim_signature(db_connection *db, int64_t id, uint8_t *out, size_t cap,
                                    size_t *len)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *request = NULL;
    size_t request_len = 0;
    sgp32_euicc_package_request *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    db_param p = DB_PARAM_INT64(id);
    aw_err err = db_query(db, "SELECT request FROM eim_packages WHERE id = ?", &p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE;
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 0, &request, &request_len);
    /* our own bytes: a failure to decode them is the database's */
    if (err == AW_OK &&
        (sgp32_decode_euicc_package_request(request, request_len, decoded) != AW_OK ||
         decoded->eim_signature.len > cap))
        err = AW_ERR_DB_FAILED;
    if (err == AW_OK) {
        memcpy(out, decoded->eim_signature.ptr, decoded->eim_signature.len);
        *len = decoded->eim_signature.len;
    }
    db_rows_free(rows);
    free(decoded);
    return err;
}

/* SGP.32 v1.0 2.11.2.1: the signed data followed by the eimSignature data
 * object (5F37 TLV), or by its value alone (as a public v1.0 eIM read it). */
static aw_err verify_signature_v1_0(db_connection *db, const crypto_key *key,
                                    const signed_view *v, int64_t package_id)
{
    uint8_t eim_signature[2 * CRYPTO_SIGNATURE_SIZE];
    size_t eim_signature_len = 0;
    aw_err err = package_eim_signature(db, package_id, eim_signature, sizeof(eim_signature),
                                       &eim_signature_len);
    for (int form = 0; err == AW_OK && form < 2; form++) {
        uint8_t *input = NULL;
        size_t input_len = 0;
        der_builder b;
        der_builder_init(&b);
        der_put_raw(&b, v->data.ptr, v->data.len);
        if (form == 0)
            der_put_tlv(&b, SGP32_TAG_EIM_SIGNATURE, eim_signature, eim_signature_len);
        else
            der_put_raw(&b, eim_signature, eim_signature_len);
        err = der_builder_finish(&b, &input, &input_len);
        if (err == AW_OK)
            err = crypto_verify_ecdsa(key, input, input_len, v->signature.ptr, v->signature.len);
        free(input);
        if (err == AW_OK)
            return AW_OK;
        if (err == AW_ERR_SIGNATURE && form == 0)
            err = AW_OK; /* try the other form */
    }
    return err;
}

/* A package sent again after its answer was lost is refused by the eUICC
 * with a signed replayError (SGP.32 2.11.1.1: its counterValue is spent),
 * while the eUICC's real result stays pending there until acknowledged.
 * That real result may still arrive: it replaces the replayError. */
static bool supersedes(const sent_package *package, const signed_view *v)
{
    if (package->state != EIM_PACKAGE_FAILED)
        return false;
    if (package->unsigned_failure)
        return true; /* any signed answer beats an unauthenticated one */
    return package->error_code == SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR && !v->is_error;
}

static bool same_slice(aw_slice a, const void *b, size_t b_len)
{
    return a.len == b_len && (b_len == 0 || memcmp(a.ptr, b, b_len) == 0);
}

static aw_err record_locked(db_connection *db, const pki_trust_store *trust, const char *eid,
                            const signed_view *v, aw_slice result, int64_t now_ms,
                            eim_result_info *info)
{
    eim_euicc euicc;
    sent_package package;
    crypto_key *key = NULL;
    memset(&package, 0, sizeof(package));
    aw_err err = eim_registry_get(db, eid, &euicc);
    if (err != AW_OK)
        return err;
    err = find_package(db, eid, v->counter_value, result, &package);
    /* the signature first: nothing below is believed before it verifies */
    if (err == AW_OK)
        err = eim_euicc_public_key(&euicc, trust, now_ms, &key);
    if (err == AW_OK)
        err = verify_signature(key, v, euicc.has_association_token ? euicc.association_token : 0);
    /* only for an eUICC registered as v1.0: never chosen by what arrives */
    if (err == AW_ERR_SIGNATURE && euicc.sgp32_version == EIM_SGP32_VERSION_1_0)
        err = verify_signature_v1_0(db, key, v, package.id);
    if (err == AW_OK &&
        (!same_slice(v->eim_id, euicc.eim_id, strlen(euicc.eim_id)) ||
         !v->has_transaction_id ||
         !same_slice(v->transaction_id, package.transaction_id, package.transaction_id_len)))
        err = AW_ERR_EIM_RESULT_MISMATCH;
    /* verified above like any result: only then is it a repeat */
    bool repeated = err == AW_OK && package.state == EIM_PACKAGE_DONE && package.same_result &&
                    !v->is_error;
    if (err == AW_OK && !repeated && package.state != EIM_PACKAGE_SENT && !supersedes(&package, v))
        err = AW_ERR_EIM_RESULT_REPLAY;
    if (err == AW_OK && !repeated) {
        int64_t changes = 0;
        db_param p[] = {
            DB_PARAM_INT64(v->is_error ? EIM_PACKAGE_FAILED : EIM_PACKAGE_DONE),
            DB_PARAM_BLOB(result.ptr, result.len),
            v->is_error ? DB_PARAM_NULL : DB_PARAM_INT64(v->seq_number),
            v->is_error ? DB_PARAM_INT64(v->error_code) : DB_PARAM_NULL,
            DB_PARAM_INT64(now_ms),
            DB_PARAM_INT64(package.id),
            DB_PARAM_INT64(package.state),
        };
        err = db_execute(db,
                         "UPDATE eim_packages SET state = ?, result = ?, seq_number = ?, "
                         "error_code = ?, result_ms = ? WHERE id = ? AND state = ?",
                         p, 7, &changes);
        if (err == AW_OK && changes == 0)
            err = AW_ERR_EIM_RESULT_REPLAY;
    }
    if (err == AW_OK && info != NULL) {
        info->package_id = package.id;
        info->counter_value = v->counter_value;
        info->is_error = v->is_error;
        info->seq_number = v->seq_number;
        info->error_code = v->error_code;
        info->repeated = repeated;
    }
    crypto_key_free(key);
    eim_euicc_clear(&euicc);
    return err;
}

/* An EuiccPackageErrorUnsigned naming a package sent to eid. */
static aw_err record_unsigned(db_connection *db, const char *eid,
                              const sgp32_euicc_package_error_unsigned *e, aw_slice result,
                              int64_t now_ms, eim_result_info *info)
{
    eim_euicc euicc;
    int64_t id = 0;
    if (!e->has_eim_transaction_id)
        return AW_ERR_EIM_RESULT_UNSIGNED; /* names no package */
    aw_err err = eim_registry_get(db, eid, &euicc);
    if (err != AW_OK)
        return err;
    if (e->eim_id.len != strlen(euicc.eim_id) ||
        memcmp(e->eim_id.ptr, euicc.eim_id, e->eim_id.len) != 0)
        err = AW_ERR_EIM_RESULT_MISMATCH;
    if (err == AW_OK)
        err = eim_package_find_sent(db, eid, EIM_PACKAGE_KIND_EUICC_PACKAGE, e->eim_transaction_id,
                                    &id);
    int64_t code = e->has_euicc_package_unsigned_error_code
                       ? e->euicc_package_unsigned_error_code
                       : SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR;
    if (err == AW_OK)
        err = eim_package_finish(db, id, true, code, result, now_ms);
    if (err == AW_OK) {
        info->package_id = id;
        info->is_error = true;
        info->is_unsigned = true;
        info->error_code = code;
    }
    eim_euicc_clear(&euicc);
    return err;
}

aw_err eim_result_record(db_connection *db, const pki_trust_store *trust, const char *eid,
                         const uint8_t *result, size_t result_len, int64_t now_ms,
                         eim_result_info *info)
{
    signed_view view;
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    if (db == NULL || trust == NULL || eid == NULL || result == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_euicc_package_result *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_euicc_package_result(result, result_len, decoded);
    bool is_unsigned = err == AW_OK && decoded->kind == SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    if (err == AW_OK && !is_unsigned)
        err = view_result(decoded, &view);
    if (err == AW_OK)
        err = db_begin(db);
    if (err == AW_OK) {
        eim_result_info unused;
        err = is_unsigned ? record_unsigned(db, eid, &decoded->error_unsigned,
                                            (aw_slice){result, result_len}, now_ms,
                                            info != NULL ? info : &unused)
                          : record_locked(db, trust, eid, &view, (aw_slice){result, result_len},
                                          now_ms, info);
        if (err == AW_OK)
            err = db_commit(db);
        else
            (void)db_rollback(db);
    }
    free(decoded);
    if (err != AW_OK && info != NULL)
        memset(info, 0, sizeof(*info));
    return err;
}

aw_err eim_package_find_euicc_v1_0(db_connection *db, eim_package_kind kind,
                                   aw_slice transaction_id, char eid[EIM_EID_DIGITS + 1])
{
    db_rows *rows = NULL;
    bool has_row = false;
    const char *found = NULL;
    eid[0] = '\0';
    db_param p[] = {DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len), DB_PARAM_INT64(kind),
                    DB_PARAM_INT64(EIM_SGP32_VERSION_1_0)};
    aw_err err = db_query(db,
                          "SELECT p.eid FROM eim_packages p JOIN eim_euiccs e ON e.eid = p.eid "
                          "WHERE p.transaction_id = ? AND p.kind = ? AND e.sgp32_version = ?",
                          p, 3, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 0, &found);
    if (err == AW_OK)
        err = eim_copy_text(eid, EIM_EID_DIGITS + 1, found);
    /* eimTransactionIds are 16 random octets; two packages with one would
     * leave the eUICC unknown: refuse rather than guess */
    if (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err != AW_OK)
        eid[0] = '\0';
    db_rows_free(rows);
    return err;
}

aw_err eim_result_find_euicc_v1_0(db_connection *db, const uint8_t *result, size_t len,
                                  char eid[EIM_EID_DIGITS + 1])
{
    signed_view view;
    eid[0] = '\0';
    sgp32_euicc_package_result *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_euicc_package_result(result, len, decoded);
    if (err == AW_OK)
        err = view_result(decoded, &view);
    if (err == AW_OK && !view.has_transaction_id)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = eim_package_find_euicc_v1_0(db, EIM_PACKAGE_KIND_EUICC_PACKAGE,
                                          view.transaction_id, eid);
    else if (!eim_internal_failure(err))
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    free(decoded);
    return err;
}

/* ---- listing ---------------------------------------------------------------------- */

void eim_package_records_free(eim_package_record *records, size_t count)
{
    for (size_t i = 0; records != NULL && i < count; i++)
        free(records[i].result);
    free(records);
}

static aw_err get_optional(const db_rows *rows, size_t column, int64_t *value)
{
    *value = 0;
    return db_rows_column_type(rows, column) == DB_TYPE_NULL
               ? AW_OK
               : db_rows_get_int64(rows, column, value);
}

static aw_err read_record(const db_rows *rows, eim_package_record *r)
{
    int64_t state = 0;
    const uint8_t *data = NULL;
    int64_t kind = 0;
    aw_err err = db_rows_get_int64(rows, 0, &r->package_id);
    if (err == AW_OK)
        err = get_optional(rows, 1, &r->counter_value);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 9, &kind);
    r->kind = (eim_package_kind)kind;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &state);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 3, &r->created_ms);
    if (err == AW_OK)
        err = get_optional(rows, 4, &r->sent_ms);
    if (err == AW_OK)
        err = get_optional(rows, 5, &r->result_ms);
    if (err == AW_OK)
        err = get_optional(rows, 6, &r->seq_number);
    if (err == AW_OK)
        err = get_optional(rows, 7, &r->error_code);
    r->state = (eim_package_state)state;
    if (err == AW_OK && db_rows_column_type(rows, 8) != DB_TYPE_NULL) {
        err = db_rows_get_blob(rows, 8, &data, &r->result_len);
        if (err == AW_OK && (r->result = malloc(r->result_len > 0 ? r->result_len : 1)) == NULL)
            err = AW_ERR_NOMEM;
        if (err == AW_OK)
            memcpy(r->result, data, r->result_len);
    }
    return err;
}

aw_err eim_package_list(db_connection *db, const char *eid, eim_package_record **out,
                        size_t *count)
{
    db_rows *rows = NULL;
    bool has_row = false;
    eim_package_record *records = NULL;
    size_t n = 0, cap = 0;
    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || eid == NULL || out == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    db_param p = DB_PARAM_TEXT(eid);
    aw_err err = db_query(db,
                          "SELECT id, counter_value, state, created_ms, sent_ms, result_ms, "
                          "seq_number, error_code, result, kind FROM eim_packages "
                          "WHERE eid = ? ORDER BY id",
                          &p, 1, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        if (n == cap) {
            size_t next = cap == 0 ? 16 : cap * 2;
            eim_package_record *grown = realloc(records, next * sizeof(*records));
            if (grown == NULL) {
                err = AW_ERR_NOMEM;
                break;
            }
            records = grown;
            cap = next;
        }
        memset(&records[n], 0, sizeof(records[n]));
        err = read_record(rows, &records[n]);
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK) {
        eim_package_records_free(records, n);
        return err;
    }
    *out = records;
    *count = n;
    return AW_OK;
}
