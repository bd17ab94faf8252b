/* airwrite eIM: eUICC Packages (SGP.32 2.11.1.1 EuiccPackageRequest with
 * PSMOs and eCOs) built with the core encoders and signed by the eIM, the
 * eIM's signing keys, and the per-eUICC package queue in the database
 * (served by ESipa.GetEimPackage, SGP.32 6.3.2.6).
 *
 * The signature (SGP.32 2.11.1.1, eimSignature): ECDSA with SHA-256 by
 * SK.EIM.ECDSA, plain r||s (BSI TR-03111 as everywhere in SGP.22/32 message
 * signatures), over the euiccPackageSigned TLV as encoded followed by the
 * associationToken data object, tag 84 with the token the eUICC holds for
 * this eIM or 0 when it holds none. This is the input the software eUICC
 * verifies (src/euicc/sgp32_package.c, verify_signature).
 *
 * GetEimPackage (eim_package_poll): one read finds the eUICC's state and
 * whether a package waits; only a first contact (REGISTERED -> ACTIVE) or
 * a package handed out is a transaction. An ACTIVE eUICC's last contact
 * otherwise waits in a contact cache (contact.c) for its batch. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"
#include "eim/eim_internal.h"

#define KEY_RING_CAPACITY 16

/* ---- signing keys ------------------------------------------------------------ */

struct eim_key_ring {
    size_t count;
    char references[KEY_RING_CAPACITY][EIM_KEY_REFERENCE_MAX + 1];
    crypto_key *keys[KEY_RING_CAPACITY];
};

aw_err eim_key_ring_new(eim_key_ring **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    return *out != NULL ? AW_OK : AW_ERR_NOMEM;
}

aw_err eim_key_ring_add(eim_key_ring *ring, const char *reference, crypto_key *key)
{
    aw_err err = AW_OK;
    if (ring == NULL || reference == NULL || key == NULL || !eim_key_reference_valid(reference))
        err = AW_ERR_ARGUMENT;
    else if (eim_key_ring_find(ring, reference) != NULL)
        err = AW_ERR_STATE;
    else if (ring->count >= KEY_RING_CAPACITY)
        err = AW_ERR_LIMIT;
    if (err != AW_OK) {
        crypto_key_free(key);
        return err;
    }
    memcpy(ring->references[ring->count], reference, strlen(reference) + 1);
    ring->keys[ring->count++] = key;
    return AW_OK;
}

aw_err eim_key_ring_add_file(eim_key_ring *ring, const char *reference, const char *path)
{
    crypto_key *key = NULL;
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = crypto_key_load_private_pem_file(path, &key);
    return err == AW_OK ? eim_key_ring_add(ring, reference, key) : err;
}

const crypto_key *eim_key_ring_find(const eim_key_ring *ring, const char *reference)
{
    for (size_t i = 0; ring != NULL && reference != NULL && i < ring->count; i++)
        if (strcmp(ring->references[i], reference) == 0)
            return ring->keys[i];
    return NULL;
}

void eim_key_ring_free(eim_key_ring *ring)
{
    if (ring == NULL)
        return;
    for (size_t i = 0; i < ring->count; i++)
        crypto_key_free(ring->keys[i]); /* erases the private key */
    free(ring);
}

/* ---- operations ------------------------------------------------------------------ */

static const char *const operation_names[] = {
    [EIM_OPERATION_ENABLE] = "enable",
    [EIM_OPERATION_DISABLE] = "disable",
    [EIM_OPERATION_DELETE] = "delete",
    [EIM_OPERATION_LIST_PROFILE_INFO] = "list-profiles",
    [EIM_OPERATION_GET_RAT] = "get-rat",
    [EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE] = "configure-immediate-enable",
    [EIM_OPERATION_SET_FALLBACK_ATTRIBUTE] = "set-fallback",
    [EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE] = "unset-fallback",
    [EIM_OPERATION_SET_DEFAULT_DP_ADDRESS] = "set-default-dp-address",
    [EIM_OPERATION_ADD_EIM] = "add-eim",
    [EIM_OPERATION_DELETE_EIM] = "delete-eim",
    [EIM_OPERATION_UPDATE_EIM] = "update-eim",
    [EIM_OPERATION_LIST_EIM] = "list-eim",
};
#define OPERATION_COUNT (sizeof(operation_names) / sizeof(operation_names[0]))

eim_operation_kind eim_operation_kind_from_name(const char *name)
{
    for (size_t k = 1; name != NULL && k < OPERATION_COUNT; k++)
        if (strcmp(name, operation_names[k]) == 0)
            return (eim_operation_kind)k;
    return EIM_OPERATION_NONE;
}

const char *eim_operation_kind_name(eim_operation_kind kind)
{
    return kind > EIM_OPERATION_NONE && (size_t)kind < OPERATION_COUNT ? operation_names[kind]
                                                                        : NULL;
}

static bool is_eco(eim_operation_kind kind)
{
    return kind >= EIM_OPERATION_ADD_EIM && kind <= EIM_OPERATION_LIST_EIM;
}

/* ICCID digits in EF.ICCID coding (TS 102 221 13.2: nibble-swapped BCD,
 * padded with F), the Iccid of SGP.22 / SGP.32 PSMOs. */
static aw_err iccid_octets(const char *text, uint8_t out[SGP32_ICCID_LENGTH])
{
    size_t n = text != NULL ? strnlen(text, 21) : 0;
    if (n < 19 || n > 20)
        return AW_ERR_EIM_PACKAGE;
    memset(out, 0xFF, SGP32_ICCID_LENGTH);
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return AW_ERR_EIM_PACKAGE;
        uint8_t d = (uint8_t)(text[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] & 0x0F) | d << 4 : 0xF0 | d);
    }
    return AW_OK;
}

/* An address: UTF-8 without NUL, at most 255 bytes (SGP.22 FQDN). */
static aw_err address_slice(const char *text, bool allow_empty, aw_slice *out)
{
    size_t n = text != NULL ? strnlen(text, 256) : 256;
    if (n > 255 || (n == 0 && !allow_empty) ||
        (n > 0 && der_check_utf8((aw_slice){(const uint8_t *)text, n}, 1, 255) != AW_OK))
        return AW_ERR_EIM_PACKAGE;
    *out = (aw_slice){(const uint8_t *)text, n};
    return AW_OK;
}

/* ProfileInfoListRequest with neither searchCriteria nor tagList: every
 * profile with the default tags (SGP.22 5.7.15). */
static const uint8_t list_profile_info_request[] = {0xBF, 0x2D, 0x00};

/* Storage for one operation's encoded arguments (ICCID octets). */
typedef struct operation_storage {
    uint8_t iccid[SGP32_ICCID_LENGTH];
} operation_storage;

static aw_err fill_psmo(const eim_operation *op, operation_storage *st, sgp32_psmo *psmo)
{
    aw_err err = AW_OK;
    memset(psmo, 0, sizeof(*psmo));
    switch (op->kind) {
    case EIM_OPERATION_ENABLE:
        psmo->kind = SGP32_PSMO_ENABLE;
        err = iccid_octets(op->iccid, st->iccid);
        psmo->enable.iccid = (aw_slice){st->iccid, SGP32_ICCID_LENGTH};
        psmo->enable.rollback_flag = op->rollback;
        return err;
    case EIM_OPERATION_DISABLE:
    case EIM_OPERATION_DELETE:
    case EIM_OPERATION_SET_FALLBACK_ATTRIBUTE:
        psmo->kind = op->kind == EIM_OPERATION_DISABLE  ? SGP32_PSMO_DISABLE
                     : op->kind == EIM_OPERATION_DELETE ? SGP32_PSMO_DELETE
                                                        : SGP32_PSMO_SET_FALLBACK_ATTRIBUTE;
        err = iccid_octets(op->iccid, st->iccid);
        /* the three share one layout: SEQUENCE {iccid} */
        psmo->disable.iccid = (aw_slice){st->iccid, SGP32_ICCID_LENGTH};
        return err;
    case EIM_OPERATION_LIST_PROFILE_INFO:
        psmo->kind = SGP32_PSMO_LIST_PROFILE_INFO;
        psmo->list_profile_info =
            (aw_slice){list_profile_info_request, sizeof(list_profile_info_request)};
        return AW_OK;
    case EIM_OPERATION_GET_RAT:
        psmo->kind = SGP32_PSMO_GET_RAT;
        return AW_OK;
    case EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE:
        psmo->kind = SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
        psmo->configure_immediate_enable.immediate_enable_flag = op->immediate_enable;
        psmo->configure_immediate_enable.has_default_smdp_address = op->address != NULL;
        return op->address == NULL
                   ? AW_OK
                   : address_slice(op->address, false,
                                   &psmo->configure_immediate_enable.default_smdp_address);
    case EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE:
        psmo->kind = SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE;
        return AW_OK;
    case EIM_OPERATION_SET_DEFAULT_DP_ADDRESS:
        /* SGP.22 5.7.4: an empty address removes the default SM-DP+ */
        psmo->kind = SGP32_PSMO_SET_DEFAULT_DP_ADDRESS;
        return address_slice(op->address, true,
                             &psmo->set_default_dp_address.default_dp_address);
    default:
        return AW_ERR_EIM_PACKAGE;
    }
}

static aw_err fill_eco(const eim_operation *op, sgp32_eco *eco)
{
    memset(eco, 0, sizeof(*eco));
    switch (op->kind) {
    case EIM_OPERATION_ADD_EIM:
    case EIM_OPERATION_UPDATE_EIM:
        if (op->eim_configuration == NULL || op->eim_configuration->eim_id.len == 0)
            return AW_ERR_EIM_PACKAGE;
        eco->kind = op->kind == EIM_OPERATION_ADD_EIM ? SGP32_ECO_ADD_EIM : SGP32_ECO_UPDATE_EIM;
        /* add_eim and update_eim share the EimConfigurationData layout */
        eco->add_eim = *op->eim_configuration;
        eco->add_eim.raw = (aw_slice){NULL, 0};
        return AW_OK;
    case EIM_OPERATION_DELETE_EIM:
        if (op->eim_id == NULL || !eim_id_valid(op->eim_id))
            return AW_ERR_EIM_PACKAGE;
        eco->kind = SGP32_ECO_DELETE_EIM;
        eco->delete_eim.eim_id = (aw_slice){(const uint8_t *)op->eim_id, strlen(op->eim_id)};
        return AW_OK;
    case EIM_OPERATION_LIST_EIM:
        eco->kind = SGP32_ECO_LIST_EIM;
        return AW_OK;
    default:
        return AW_ERR_EIM_PACKAGE;
    }
}

/* ---- build and sign ------------------------------------------------------------- */

typedef struct build_scratch {
    sgp32_euicc_package_request request;
    operation_storage storage[EIM_MAX_OPERATIONS];
    uint8_t eid[SGP32_EID_LENGTH];
} build_scratch;

static aw_err fill_package(const eim_package_params *params, const eim_operation *operations,
                           size_t count, build_scratch *s)
{
    sgp32_euicc_package_signed *p = &s->request.euicc_package_signed;
    if (params->eim_id == NULL || !eim_id_valid(params->eim_id) || params->counter_value < 0 ||
        params->counter_value > EIM_COUNTER_MAX || count == 0 || count > EIM_MAX_OPERATIONS ||
        (params->transaction_id != NULL &&
         (params->transaction_id_len == 0 || params->transaction_id_len > SGP32_TRANSACTION_ID_MAX)))
        return AW_ERR_EIM_PACKAGE;
    aw_err err = eim_eid_to_octets(params->eid, s->eid);
    if (err != AW_OK)
        return err == AW_ERR_EIM_IMPORT_EID ? AW_ERR_EIM_PACKAGE : err;
    p->eim_id = (aw_slice){(const uint8_t *)params->eim_id, strlen(params->eim_id)};
    p->eid_value = (aw_slice){s->eid, SGP32_EID_LENGTH};
    p->counter_value = params->counter_value;
    p->has_eim_transaction_id = params->transaction_id != NULL;
    p->eim_transaction_id = (aw_slice){params->transaction_id, params->transaction_id_len};
    /* EuiccPackage is a CHOICE: PSMOs or eCOs, never both (2.11.1.1) */
    bool ecos = is_eco(operations[0].kind);
    p->euicc_package.kind = ecos ? SGP32_EUICC_PACKAGE_ECO_LIST : SGP32_EUICC_PACKAGE_PSMO_LIST;
    for (size_t i = 0; i < count; i++) {
        if (is_eco(operations[i].kind) != ecos)
            return AW_ERR_EIM_PACKAGE;
        err = ecos ? fill_eco(&operations[i], &p->euicc_package.ecos[i])
                   : fill_psmo(&operations[i], &s->storage[i], &p->euicc_package.psmos[i]);
        if (err != AW_OK)
            return err;
    }
    if (ecos)
        p->euicc_package.eco_count = count;
    else
        p->euicc_package.psmo_count = count;
    return AW_OK;
}

aw_err eim_package_build(const eim_package_params *params, const eim_operation *operations,
                         size_t count, const crypto_key *key, uint8_t **out, size_t *out_len)
{
    uint8_t *tbs = NULL, *input = NULL;
    size_t tbs_len = 0, input_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    der_builder b;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (params == NULL || operations == NULL || key == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    build_scratch *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    aw_err err = fill_package(params, operations, count, s);
    if (err == AW_OK)
        err = sgp32_encode_euicc_package_signed(&s->request.euicc_package_signed, &tbs, &tbs_len);
    if (err == AW_OK) {
        /* SGP.32 2.11.1.1: euiccPackageSigned || associationToken (84, 0 if none) */
        der_builder_init(&b);
        der_put_raw(&b, tbs, tbs_len);
        der_put_int64(&b, DER_CTX(4), params->has_association_token ? params->association_token : 0);
        err = der_builder_finish(&b, &input, &input_len);
    }
    if (err == AW_OK)
        err = crypto_sign_ecdsa(key, input, input_len, signature);
    if (err == AW_OK) {
        /* the encoder writes the signed part verbatim: exactly what was signed */
        s->request.euicc_package_signed.raw = (aw_slice){tbs, tbs_len};
        s->request.eim_signature = (aw_slice){signature, sizeof(signature)};
        err = sgp32_encode_euicc_package_request(&s->request, out, out_len);
    }
    free(tbs);
    free(input);
    free(s);
    return err;
}

/* ---- queue ---------------------------------------------------------------------- */

const char *eim_package_state_name(eim_package_state state)
{
    switch (state) {
    case EIM_PACKAGE_QUEUED:
        return "queued";
    case EIM_PACKAGE_SENT:
        return "sent";
    case EIM_PACKAGE_DONE:
        return "done";
    case EIM_PACKAGE_FAILED:
        return "failed";
    case EIM_PACKAGE_WITHDRAWN:
        return "withdrawn";
    default:
        return "unknown";
    }
}

/* The PSMOs and eCOs of SGP.32 v1.0 (its Psmo ends at configureAutoEnable
 * [7], the wire form of configureImmediateEnable): a v1.0 eUICC cannot run
 * setFallbackAttribute, unsetFallbackAttribute or setDefaultDpAddress, and
 * queuing one would only spend a counterValue (docs/sgp32-versions.md #17). */
static bool in_sgp32_v1_0(eim_operation_kind kind)
{
    return kind != EIM_OPERATION_SET_FALLBACK_ATTRIBUTE &&
           kind != EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE &&
           kind != EIM_OPERATION_SET_DEFAULT_DP_ADDRESS;
}

/* Inside the caller's transaction: counter, signature, row. */
aw_err eim_package_enqueue_locked(db_connection *db, const eim_key_ring *keys, const char *eid,
                                  const eim_operation *operations, size_t count,
                                  const char *client_reference, int64_t now_ms,
                                  int64_t *package_id, int64_t *counter)
{
    eim_euicc euicc;
    uint8_t transaction_id[EIM_TRANSACTION_ID_SIZE];
    uint8_t *request = NULL;
    size_t request_len = 0;
    aw_err err = eim_counter_take(db, eid, counter);
    if (err == AW_OK)
        err = eim_registry_get(db, eid, &euicc);
    if (err != AW_OK)
        return err;
    const crypto_key *key = eim_key_ring_find(keys, euicc.signing_key);
    if (key == NULL)
        err = AW_ERR_EIM_SIGNING_KEY;
    for (size_t i = 0; err == AW_OK && i < count; i++)
        if (euicc.sgp32_version == EIM_SGP32_VERSION_1_0 && !in_sgp32_v1_0(operations[i].kind))
            err = AW_ERR_EIM_PACKAGE;
    if (err == AW_OK)
        err = crypto_random_bytes(transaction_id, sizeof(transaction_id));
    eim_package_params params = {
        .eim_id = euicc.eim_id,
        .eid = euicc.eid,
        .counter_value = *counter,
        .transaction_id = transaction_id,
        .transaction_id_len = sizeof(transaction_id),
        .has_association_token = euicc.has_association_token,
        .association_token = euicc.association_token,
    };
    if (err == AW_OK)
        err = eim_package_build(&params, operations, count, key, &request, &request_len);
    if (err == AW_OK) {
        db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(EIM_PACKAGE_KIND_EUICC_PACKAGE),
                        DB_PARAM_INT64(*counter),
                        DB_PARAM_BLOB(transaction_id, sizeof(transaction_id)),
                        DB_PARAM_BLOB(request, request_len), DB_PARAM_INT64(EIM_PACKAGE_QUEUED),
                        DB_PARAM_INT64(now_ms),
                        client_reference != NULL ? DB_PARAM_TEXT(client_reference)
                                                 : DB_PARAM_NULL};
        err = db_query_int64(db,
                             "INSERT INTO eim_packages (eid, kind, counter_value, transaction_id, "
                             "request, state, created_ms, client_reference) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, 8, package_id);
    }
    free(request);
    eim_euicc_clear(&euicc);
    return err;
}

aw_err eim_package_enqueue(db_connection *db, const eim_key_ring *keys, const char *eid,
                           const eim_operation *operations, size_t count, int64_t now_ms,
                           int64_t *package_id, int64_t *counter)
{
    int64_t id = 0, value = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (counter != NULL)
        *counter = 0;
    if (db == NULL || keys == NULL || eid == NULL || operations == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = eim_package_enqueue_locked(db, keys, eid, operations, count, NULL, now_ms, &id, &value);
    /* the counterValue is committed with the package or not spent at all */
    if (err == AW_OK)
        err = db_commit(db);
    else
        (void)db_rollback(db);
    if (err != AW_OK)
        return err;
    if (package_id != NULL)
        *package_id = id;
    if (counter != NULL)
        *counter = value;
    return AW_OK;
}

static aw_err next_locked(db_connection *db, const char *eid, int64_t now_ms, uint8_t **out,
                          size_t *out_len, int64_t *package_id)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *data = NULL;
    size_t len = 0;
    int64_t changes = 0;
    db_param touch[] = {DB_PARAM_INT64(now_ms), DB_PARAM_INT64(EIM_EUICC_ACTIVE),
                        DB_PARAM_TEXT(eid)};
    aw_err err = db_execute(db,
                            "UPDATE eim_euiccs SET last_contact_ms = ?, state = ? WHERE eid = ?",
                            touch, 3, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(EIM_PACKAGE_QUEUED),
                    DB_PARAM_INT64(EIM_PACKAGE_SENT)};
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT id, request FROM eim_packages WHERE eid = ? AND state IN (?, ?) "
                       "ORDER BY id LIMIT 1",
                       p, 3, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, package_id);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 1, &data, &len);
    if (err == AW_OK && (*out = malloc(len > 0 ? len : 1)) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        memcpy(*out, data, len);
        *out_len = len;
    }
    db_rows_free(rows);
    if (err == AW_OK) {
        /* sent again until a result arrives: a lost answer loses nothing.
         * Only while still queued or sent: a trigger its operator withdrew
         * meanwhile (eim_download_trigger_withdraw; PostgreSQL's READ
         * COMMITTED reads the row again here) is not handed out. */
        db_param sent[] = {DB_PARAM_INT64(EIM_PACKAGE_SENT), DB_PARAM_INT64(now_ms),
                           DB_PARAM_INT64(*package_id), DB_PARAM_INT64(EIM_PACKAGE_QUEUED),
                           DB_PARAM_INT64(EIM_PACKAGE_SENT)};
        err = db_execute(db,
                         "UPDATE eim_packages SET state = ?, sent_ms = ? WHERE id = ? AND "
                         "state IN (?, ?)",
                         sent, 5, &changes);
        if (err == AW_OK && changes == 0)
            err = AW_ERR_NOT_FOUND;
    }
    return err;
}

aw_err eim_package_insert(db_connection *db, const char *eid, eim_package_kind kind,
                          aw_slice transaction_id, aw_slice request, int64_t now_ms,
                          int64_t *id)
{
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(kind),
                    DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len),
                    DB_PARAM_BLOB(request.ptr, request.len), DB_PARAM_INT64(EIM_PACKAGE_QUEUED),
                    DB_PARAM_INT64(now_ms)};
    return db_query_int64(db,
                          "INSERT INTO eim_packages (eid, kind, transaction_id, request, state, "
                          "created_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                          p, 6, id);
}

aw_err eim_package_find_sent(db_connection *db, const char *eid, eim_package_kind kind,
                             aw_slice transaction_id, int64_t *id)
{
    db_rows *rows = NULL;
    bool has_row = false;
    int64_t state = 0;
    /* kind 0: any kind (an IPA's error names the package by its id only) */
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_INT64(kind), DB_PARAM_INT64(kind),
                    DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len)};
    aw_err err = db_query(db,
                          "SELECT id, state FROM eim_packages "
                          "WHERE eid = ? AND (kind = ? OR ? = 0) AND transaction_id = ?",
                          p, 4, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &state);
    if (err == AW_OK && (state == EIM_PACKAGE_QUEUED || state == EIM_PACKAGE_WITHDRAWN))
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE; /* never handed out */
    else if (err == AW_OK && state != EIM_PACKAGE_SENT)
        err = AW_ERR_EIM_RESULT_REPLAY;
    db_rows_free(rows);
    return err;
}

aw_err eim_package_finish(db_connection *db, int64_t id, bool failed, int64_t error_code,
                          aw_slice result, int64_t now_ms)
{
    int64_t changes = 0;
    db_param p[] = {
        DB_PARAM_INT64(failed ? EIM_PACKAGE_FAILED : EIM_PACKAGE_DONE),
        DB_PARAM_BLOB(result.ptr, result.len),
        failed ? DB_PARAM_INT64(error_code) : DB_PARAM_NULL,
        DB_PARAM_INT64(now_ms),
        DB_PARAM_INT64(id),
        DB_PARAM_INT64(EIM_PACKAGE_SENT),
    };
    aw_err err = db_execute(db,
                            "UPDATE eim_packages SET state = ?, result = ?, error_code = ?, "
                            "result_ms = ? WHERE id = ? AND state = ?",
                            p, 6, &changes);
    return err == AW_OK && changes == 0 ? AW_ERR_EIM_RESULT_REPLAY : err;
}

aw_err eim_package_error_record(db_connection *db, const char *eid, const uint8_t *transaction_id,
                                size_t transaction_id_len, int64_t code, const uint8_t *error,
                                size_t error_len, int64_t now_ms, int64_t *package_id)
{
    int64_t id = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (db == NULL || eid == NULL || error == NULL)
        return AW_ERR_ARGUMENT;
    int64_t count = 0;
    db_param who = DB_PARAM_TEXT(eid);
    aw_err err = db_query_int64(db, "SELECT COUNT(*) FROM eim_euiccs WHERE eid = ?", &who, 1,
                                &count);
    if (err == AW_OK && count == 0)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK && (transaction_id == NULL || transaction_id_len == 0))
        err = AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE; /* nothing names the package */
    if (err == AW_OK)
        err = eim_package_find_sent(db, eid, 0, (aw_slice){transaction_id, transaction_id_len},
                                    &id);
    if (err == AW_OK)
        err = eim_package_finish(db, id, true, code, (aw_slice){error, error_len}, now_ms);
    if (err == AW_OK && package_id != NULL)
        *package_id = id;
    return err;
}

/* The poll's one read (no transaction: a single statement sees one
 * snapshot): the eUICC's state and whether a package waits for it.
 * AW_ERR_EIM_UNKNOWN_EUICC for an EID not registered. */
static aw_err poll_read(db_connection *db, const char *eid, int64_t *state, bool *waiting)
{
    db_rows *rows = NULL;
    bool has_row = false;
    db_param p[] = {DB_PARAM_INT64(EIM_PACKAGE_QUEUED), DB_PARAM_INT64(EIM_PACKAGE_SENT),
                    DB_PARAM_TEXT(eid)};
    aw_err err = db_query(db,
                          "SELECT e.state, EXISTS (SELECT 1 FROM eim_packages p "
                          "WHERE p.eid = e.eid AND p.state IN (?, ?)) "
                          "FROM eim_euiccs e WHERE e.eid = ?",
                          p, 3, &rows);
    int64_t exists = 0;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, state);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, &exists);
    *waiting = exists != 0;
    db_rows_free(rows);
    return err;
}

aw_err eim_package_poll(db_connection *db, eim_contact_cache *contacts, const char *eid,
                        int64_t now_ms, uint8_t **out, size_t *out_len, int64_t *package_id)
{
    int64_t state = 0;
    bool waiting = false;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (db == NULL || eid == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    if (contacts == NULL)
        return eim_package_next(db, eid, now_ms, out, out_len, package_id);
    aw_err err = poll_read(db, eid, &state, &waiting);
    if (err != AW_OK)
        return err;
    /* Nothing to hand out and no state to change: the last contact is
     * advisory and waits in memory for the next flush (contact.c). */
    if (state == EIM_EUICC_ACTIVE && !waiting) {
        err = eim_contact_cache_note(contacts, eid, now_ms);
        if (err == AW_OK)
            return AW_ERR_NOT_FOUND;
        if (err != AW_ERR_LIMIT)
            return err;
    }
    /* first contact (REGISTERED -> ACTIVE), a package to hand out, or a
     * full cache: committed now, as without a cache */
    return eim_package_next(db, eid, now_ms, out, out_len, package_id);
}

aw_err eim_package_next(db_connection *db, const char *eid, int64_t now_ms, uint8_t **out,
                        size_t *out_len, int64_t *package_id)
{
    int64_t id = 0;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (db == NULL || eid == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = next_locked(db, eid, now_ms, out, out_len, &id);
    /* the last contact is kept also when no package waits */
    if (err == AW_OK || err == AW_ERR_NOT_FOUND) {
        aw_err commit = db_commit(db);
        err = commit != AW_OK ? commit : err;
    } else {
        (void)db_rollback(db);
    }
    if (err != AW_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
        return err;
    }
    if (package_id != NULL)
        *package_id = id;
    return AW_OK;
}
