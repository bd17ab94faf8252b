/* airwrite platform: card operations (platform.h "Card operations") as the
 * API accepts them: enable, disable, delete and switch of a profile of a
 * tenant's card, checked against the platform's lifecycle records before a
 * PSMO (SGP.32 2.11.1.1) is queued: SGP.22 5.7.16 ES10c.EnableProfile
 * (a profile in Disabled state; the enabled one is disabled by it), 5.7.17
 * DisableProfile (an enabled profile), 5.7.18 DeleteProfile (refused for an
 * enabled profile: profileNotInDisabledState). The platform's "installed"
 * is SGP.22's Disabled state of a profile never enabled. The table, the
 * request body, the job of each operation, and the reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/db_queue.h"
#include "platform/card_ops_internal.h"
#include "platform/inventory_internal.h"

#define OPERATIONS_TABLE(ID, BLOB)                                                             \
    "CREATE TABLE platform_card_operations (\n"                                               \
    "  seq " ID ",\n"                                                                         \
    "  operation_id TEXT NOT NULL UNIQUE,\n"                                                  \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  kind TEXT NOT NULL CHECK (kind IN ('enable', 'disable', 'delete', 'switch')),\n"       \
    "  iccid TEXT NOT NULL,\n"                                                                \
    "  to_iccid TEXT,\n"                                                                      \
    "  status TEXT NOT NULL CHECK (status IN ('accepted', 'sent', 'succeeded', 'failed')),\n" \
    "  error_code TEXT,\n"                                                                    \
    "  euicc_result TEXT,\n"                                                                  \
    "  package_id BIGINT NOT NULL,\n"                                                         \
    "  deadline BIGINT NOT NULL,\n"                                                           \
    "  idempotency_key TEXT,\n"                                                               \
    "  request_hash " BLOB " NOT NULL,\n"                                                     \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (tenant, idempotency_key));\n"                                                  \
    "CREATE INDEX platform_card_operations_card\n"                                            \
    "  ON platform_card_operations (tenant, eid, seq);\n"                                     \
    /* one operation in progress per card, also against concurrent requests */                \
    "CREATE UNIQUE INDEX platform_card_operations_busy\n"                                     \
    "  ON platform_card_operations (tenant, eid)\n"                                           \
    "  WHERE status IN ('accepted', 'sent');\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "card operations: enable, disable, delete, switch as eIM PSMOs",
        .sqlite_sql = OPERATIONS_TABLE("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        .postgresql_sql = OPERATIONS_TABLE("BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
};

#define OP_COLUMNS                                                                             \
    "seq, operation_id, tenant, app_id, eid, kind, iccid, to_iccid, status, error_code, "     \
    "euicc_result, package_id, deadline, created_at, updated_at"

aw_err platform_card_ops_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_queue_migrate(db);
    if (err != AW_OK)
        return err;
    return db_migrate(db, "platform_card_ops", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

/* ---- Names ------------------------------------------------------------------ */

static const char *const kind_names[] = {"enable", "disable", "delete", "switch"};
#define KIND_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))

const char *platform_card_op_kind_name(platform_card_op_kind kind)
{
    if (kind < PLATFORM_CARD_OP_ENABLE || (size_t)kind > KIND_COUNT)
        return NULL;
    return kind_names[kind - 1];
}

platform_card_op_kind platform_card_op_kind_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return (platform_card_op_kind)(i + 1);
    return (platform_card_op_kind)0;
}

static const char *const error_codes[PLATFORM_CARD_OP_ERROR__COUNT] = {
    [PLATFORM_CARD_OP_EUICC_REFUSED] = "W4001",   [PLATFORM_CARD_OP_PACKAGE_REFUSED] = "W4002",
    [PLATFORM_CARD_OP_IPA_FAILED] = "W4003",      [PLATFORM_CARD_OP_RESULT_TIMEOUT] = "W4004",
    [PLATFORM_CARD_OP_EIM_REFUSED] = "W4005",     [PLATFORM_CARD_OP_EIM_UNAVAILABLE] = "W4006",
    [PLATFORM_CARD_OP_LOCATION_OUTSIDE] = "T3301", [PLATFORM_CARD_OP_LOCATION_MISSING] = "T3302",
    [PLATFORM_CARD_OP_LOCATION_STALE] = "T3303",  [PLATFORM_CARD_OP_LOCATION_IMPLAUSIBLE] = "T3304",
    [PLATFORM_CARD_OP_LOCATION_UNAVAILABLE] = "T3305", /* helper location */
};

const char *platform_card_op_error_code(platform_card_op_error error)
{
    if ((unsigned)error >= PLATFORM_CARD_OP_ERROR__COUNT)
        return NULL;
    return error_codes[error];
}

/* ---- The request body ------------------------------------------------------- */

static aw_err iccid_member(const json_t *root, const char *name, char out[PLATFORM_ICCID_MAX + 1])
{
    const json_t *value = json_object_get(root, name);
    if (!json_is_string(value) || json_string_length(value) > PLATFORM_ICCID_MAX ||
        platform_iccid_check(json_string_value(value)) != AW_OK)
        return AW_ERR_PLATFORM_FIELD;
    memcpy(out, json_string_value(value), json_string_length(value) + 1);
    return AW_OK;
}

aw_err platform_json_parse_card_op(const uint8_t *body, size_t len,
                                   platform_card_op_request *out)
{
    static const char *const allowed[] = {"operation", "iccid", "toIccid", NULL};
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, &root);
    const json_t *operation = err == AW_OK ? json_object_get(root, "operation") : NULL;
    if (err == AW_OK) {
        out->kind = json_is_string(operation)
                        ? platform_card_op_kind_from_name(json_string_value(operation))
                        : (platform_card_op_kind)0;
        if (out->kind == 0)
            err = AW_ERR_PLATFORM_FIELD;
    }
    if (err == AW_OK)
        err = iccid_member(root, "iccid", out->iccid);
    /* toIccid belongs to a switch, and names another profile */
    bool has_to = err == AW_OK && json_object_get(root, "toIccid") != NULL;
    if (err == AW_OK && has_to != (out->kind == PLATFORM_CARD_OP_SWITCH))
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK && has_to)
        err = iccid_member(root, "toIccid", out->to_iccid);
    if (err == AW_OK && has_to && strcmp(out->iccid, out->to_iccid) == 0)
        err = AW_ERR_PLATFORM_FIELD;
    json_decref(root);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

/* ---- Rows ------------------------------------------------------------------- */

static aw_err op_read(db_rows *rows, platform_card_op *op)
{
    char kind[16];
    memset(op, 0, sizeof(*op));
    aw_err err = db_rows_get_int64(rows, 0, &op->seq);
    if (err == AW_OK)
        err = inventory_copy_text(rows, 1, op->operation_id, sizeof(op->operation_id));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 2, op->tenant, sizeof(op->tenant));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 3, op->app_id, sizeof(op->app_id));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 4, op->eid, sizeof(op->eid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 5, kind, sizeof(kind));
    if (err == AW_OK && (op->kind = platform_card_op_kind_from_name(kind)) == 0)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        err = inventory_copy_text(rows, 6, op->iccid, sizeof(op->iccid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 7, op->to_iccid, sizeof(op->to_iccid));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 8, op->status, sizeof(op->status));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 9, op->error_code, sizeof(op->error_code));
    if (err == AW_OK)
        err = inventory_copy_text(rows, 10, op->euicc_result, sizeof(op->euicc_result));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 11, &op->package_id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 12, &op->deadline_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 13, &op->created_at_ms);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 14, &op->updated_at_ms);
    return err;
}

/* One row of the query, or AW_ERR_PLATFORM_CARD_OP_UNKNOWN. */
static aw_err op_query_one(db_connection *db, const char *sql, const db_param *params,
                           size_t count, platform_card_op *op)
{
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db, sql, params, count, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_PLATFORM_CARD_OP_UNKNOWN;
    if (err == AW_OK)
        err = op_read(rows, op);
    db_rows_free(rows);
    return err;
}

aw_err card_op_load(db_connection *db, const char *operation_id, platform_card_op *op)
{
    db_param p = DB_PARAM_TEXT(operation_id);
    return op_query_one(db, "SELECT " OP_COLUMNS " FROM platform_card_operations "
                            "WHERE operation_id = ?",
                        &p, 1, op);
}

aw_err card_op_enqueue_step(db_connection *db, const char *operation_id, int64_t run_after_ms,
                            int64_t now_ms)
{
    db_job_spec spec = {.queue = PLATFORM_CARD_OPS_QUEUE,
                        .kind = CARD_OP_JOB_STEP,
                        .payload = operation_id,
                        .payload_len = strlen(operation_id),
                        .run_after_ms = run_after_ms,
                        .max_attempts = PLATFORM_CARD_OPS_MAX_ATTEMPTS};
    int64_t job_id = 0;
    return db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
}

aw_err platform_card_op_get(db_connection *db, const char *tenant, const char *eid,
                            const char *operation_id, platform_card_op *op)
{
    if (op != NULL)
        memset(op, 0, sizeof(*op));
    if (db == NULL || tenant == NULL || eid == NULL || operation_id == NULL || op == NULL)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_TEXT(operation_id), DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid)};
    aw_err err = op_query_one(db, "SELECT " OP_COLUMNS " FROM platform_card_operations "
                                  "WHERE operation_id = ? AND tenant = ? AND eid = ?",
                              p, 3, op);
    if (err != AW_OK)
        memset(op, 0, sizeof(*op));
    return err;
}

aw_err platform_card_op_list(db_connection *db, const char *tenant, const char *eid,
                             int64_t after, size_t limit, platform_card_op **list,
                             size_t *count, bool *more)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    if (db == NULL || tenant == NULL || eid == NULL || list == NULL || count == NULL ||
        more == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = inventory_page_check(after, limit);
    platform_card card;
    if (err == AW_OK)
        err = platform_card_get(db, tenant, eid, &card);
    if (err != AW_OK)
        return err;
    platform_card_op *ops = calloc(limit + 1, sizeof(*ops));
    if (ops == NULL)
        return AW_ERR_NOMEM;
    db_param p[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid), DB_PARAM_INT64(after),
                    DB_PARAM_INT64((int64_t)limit + 1)};
    db_rows *rows = NULL;
    bool has_row = false;
    size_t n = 0;
    err = db_query(db,
                   "SELECT " OP_COLUMNS " FROM platform_card_operations WHERE tenant = ? AND "
                   "eid = ? AND seq > ? ORDER BY seq LIMIT ?",
                   p, 4, &rows);
    while (err == AW_OK && n <= limit && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row)
        err = op_read(rows, &ops[n++]);
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(ops);
        return err;
    }
    *more = n > limit;
    *count = *more ? limit : n;
    *list = ops;
    return AW_OK;
}

/* ---- Create ----------------------------------------------------------------- */

typedef struct create_args {
    const platform_app *app;
    const char *eid;
    const platform_card_op_request *request;
    const char *idempotency_key;
    const uint8_t *request_hash;
    int64_t now_ms;
    platform_card_op *op;
    bool created;
} create_args;

/* The operation an earlier request with the same key made: AW_ERR_NOT_FOUND
 * when none did. */
static aw_err find_idempotent(db_connection *db, create_args *a)
{
    db_param p[] = {DB_PARAM_TEXT(a->app->tenant), DB_PARAM_TEXT(a->idempotency_key)};
    db_rows *rows = NULL;
    bool has_row = false;
    char operation_id[PLATFORM_CARD_OP_ID_LENGTH + 1] = "";
    const uint8_t *hash = NULL;
    size_t hash_len = 0;
    aw_err err = db_query(db,
                          "SELECT operation_id, request_hash FROM platform_card_operations "
                          "WHERE tenant = ? AND idempotency_key = ?",
                          p, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = inventory_copy_text(rows, 0, operation_id, sizeof(operation_id));
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 1, &hash, &hash_len);
    bool same = err == AW_OK && hash_len == CRYPTO_SHA256_SIZE &&
                CRYPTO_memcmp(hash, a->request_hash, CRYPTO_SHA256_SIZE) == 0;
    db_rows_free(rows);
    if (err != AW_OK)
        return err;
    if (!same)
        return AW_ERR_PLATFORM_IDEMPOTENCY;
    return card_op_load(db, operation_id, a->op);
}

/* The profile iccid of the card, in its state. */
static aw_err card_profile(db_connection *db, const char *tenant, const char *eid,
                           const char *iccid, platform_profile *profile)
{
    aw_err err = platform_profile_get(db, tenant, iccid, profile);
    if (err == AW_ERR_NOT_FOUND || (err == AW_OK && strcmp(profile->eid, eid) != 0))
        return AW_ERR_PLATFORM_PROFILE_UNKNOWN;
    return err;
}

/* SGP.22 Disabled state: installed (never enabled) or disabled. */
static bool profile_disabled(const platform_profile *profile)
{
    return strcmp(profile->state, "installed") == 0 || strcmp(profile->state, "disabled") == 0;
}

/* The lifecycle checks of the operation (platform.h "Card operations"). */
static aw_err check_states(db_connection *db, const char *tenant, const char *eid,
                           const platform_card_op_request *r)
{
    platform_profile profile, target;
    aw_err err = card_profile(db, tenant, eid, r->iccid, &profile);
    if (err == AW_OK && r->kind == PLATFORM_CARD_OP_SWITCH)
        err = card_profile(db, tenant, eid, r->to_iccid, &target);
    if (err != AW_OK)
        return err;
    bool allowed = false;
    switch (r->kind) {
    case PLATFORM_CARD_OP_ENABLE:
    case PLATFORM_CARD_OP_DELETE: allowed = profile_disabled(&profile); break;
    case PLATFORM_CARD_OP_DISABLE: allowed = strcmp(profile.state, "enabled") == 0; break;
    case PLATFORM_CARD_OP_SWITCH:
        allowed = strcmp(profile.state, "enabled") == 0 && profile_disabled(&target);
        break;
    }
    return allowed ? AW_OK : AW_ERR_PLATFORM_PROFILE_STATE;
}

static aw_err create_in(db_connection *db, void *arg)
{
    create_args *a = arg;
    const platform_card_op_request *r = a->request;
    a->created = false;
    if (a->idempotency_key != NULL) {
        aw_err err = find_idempotent(db, a);
        if (err != AW_ERR_NOT_FOUND)
            return err;
    }
    platform_card card;
    aw_err err = platform_card_get(db, a->app->tenant, a->eid, &card);
    if (err == AW_OK)
        err = check_states(db, a->app->tenant, a->eid, r);
    int64_t busy = 0;
    db_param who[] = {DB_PARAM_TEXT(a->app->tenant), DB_PARAM_TEXT(a->eid)};
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_card_operations WHERE tenant = ? "
                             "AND eid = ? AND status IN ('accepted', 'sent')",
                             who, 2, &busy);
    if (err == AW_OK && busy > 0)
        err = AW_ERR_PLATFORM_CARD_OP_BUSY;
    platform_card_op *op = a->op;
    memset(op, 0, sizeof(*op));
    if (err == AW_OK)
        err = platform_random_id("cop_", op->operation_id, PLATFORM_CARD_OP_ID_LENGTH);
    if (err != AW_OK)
        return err;
    snprintf(op->tenant, sizeof(op->tenant), "%s", a->app->tenant);
    snprintf(op->app_id, sizeof(op->app_id), "%s", a->app->app_id);
    snprintf(op->eid, sizeof(op->eid), "%s", a->eid);
    op->kind = r->kind;
    snprintf(op->iccid, sizeof(op->iccid), "%s", r->iccid);
    snprintf(op->to_iccid, sizeof(op->to_iccid), "%s", r->to_iccid);
    snprintf(op->status, sizeof(op->status), "%s", CARD_OP_ACCEPTED);
    op->created_at_ms = op->updated_at_ms = a->now_ms;
    db_param p[] = {DB_PARAM_TEXT(op->operation_id),
                    DB_PARAM_TEXT(op->tenant),
                    DB_PARAM_TEXT(op->app_id),
                    DB_PARAM_TEXT(op->eid),
                    DB_PARAM_TEXT(platform_card_op_kind_name(op->kind)),
                    DB_PARAM_TEXT(op->iccid),
                    op->to_iccid[0] != '\0' ? DB_PARAM_TEXT(op->to_iccid) : DB_PARAM_NULL,
                    DB_PARAM_TEXT(op->status),
                    a->idempotency_key != NULL ? DB_PARAM_TEXT(a->idempotency_key)
                                               : DB_PARAM_NULL,
                    DB_PARAM_BLOB(a->request_hash, CRYPTO_SHA256_SIZE),
                    DB_PARAM_INT64(a->now_ms),
                    DB_PARAM_INT64(a->now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_card_operations (operation_id, tenant, app_id, eid, "
                     "kind, iccid, to_iccid, status, package_id, deadline, idempotency_key, "
                     "request_hash, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)",
                     p, 12, NULL);
    if (err == AW_OK)
        err = card_op_enqueue_step(db, op->operation_id, a->now_ms, a->now_ms);
    if (err == AW_OK)
        err = card_op_load(db, op->operation_id, op); /* with its seq */
    if (err == AW_OK)
        a->created = true;
    return err;
}

aw_err platform_card_op_create(db_connection *db, const platform_app *app, const char *eid,
                               const platform_card_op_request *request,
                               const char *idempotency_key, const uint8_t request_hash[32],
                               int64_t now_ms, platform_card_op *op, bool *created)
{
    if (created != NULL)
        *created = false;
    if (op != NULL)
        memset(op, 0, sizeof(*op));
    if (db == NULL || app == NULL || eid == NULL || request == NULL || request_hash == NULL ||
        op == NULL || platform_card_op_kind_name(request->kind) == NULL ||
        platform_iccid_check(request->iccid) != AW_OK ||
        (request->kind == PLATFORM_CARD_OP_SWITCH) != (request->to_iccid[0] != '\0') ||
        (idempotency_key != NULL && !platform_idempotency_key_valid(idempotency_key)))
        return AW_ERR_ARGUMENT;
    if (request->kind == PLATFORM_CARD_OP_SWITCH &&
        (platform_iccid_check(request->to_iccid) != AW_OK ||
         strcmp(request->iccid, request->to_iccid) == 0))
        return AW_ERR_ARGUMENT;
    create_args a = {.app = app, .eid = eid, .request = request,
                     .idempotency_key = idempotency_key, .request_hash = request_hash,
                     .now_ms = now_ms, .op = op};
    aw_err err = platform_in_transaction(db, create_in, &a);
    if (err == AW_ERR_DB_UNIQUE && !db_in_transaction(db))
        /* a concurrent request won the insert (same key, or another
         * operation of the card): answer as its repeat or as busy */
        err = platform_in_transaction(db, create_in, &a);
    if (err == AW_ERR_DB_UNIQUE)
        err = AW_ERR_PLATFORM_CARD_OP_BUSY;
    if (created != NULL)
        *created = err == AW_OK && a.created;
    if (err != AW_OK)
        memset(op, 0, sizeof(*op));
    return err;
}
