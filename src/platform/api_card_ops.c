/* airwrite platform: the card operation routes of the northbound API
 * (platform.h "Card operations"; 卡片管理 of 《物联网 eSIM 空中写卡技术应用服务规范》:
 * enable, disable, delete and switch profiles, carried out as SGP.32
 * PSMOs):
 *   POST /api/v1/cards/{eid}/operations        {"operation", "iccid"[, "toIccid"]},
 *                                              Idempotency-Key; 202 with the operation
 *   GET  /api/v1/cards/{eid}/operations        the card's operations; limit, cursor
 *   GET  /api/v1/cards/{eid}/operations/{id}   one operation
 * Every route runs the whole chain of api.c, bearer token included, and
 * sees only the calling app's tenant: another tenant's card is A5001 404,
 * as one that does not exist. docs/openapi.yaml is exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto.h"
#include "platform/card_ops_internal.h"
#include "platform/inventory_internal.h"

#define CARDS_PREFIX "/api/v1/cards/"
#define OPERATIONS_SEGMENT "/operations"
#define CURSOR_DIGITS_MAX 18u

static json_t *op_json(const platform_card_op *op)
{
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "operationId",
                             op->operation_id, "eid", op->eid, "operation",
                             platform_card_op_kind_name(op->kind), "iccid", op->iccid, "status",
                             op->status, "createdAt", (json_int_t)op->created_at_ms, "updatedAt",
                             (json_int_t)op->updated_at_ms);
    if (root != NULL && op->to_iccid[0] != '\0')
        json_object_set_new(root, "toIccid", json_string(op->to_iccid));
    if (root != NULL && op->error_code[0] != '\0')
        json_object_set_new(root, "errorCode", json_string(op->error_code));
    if (root != NULL && op->euicc_result[0] != '\0')
        json_object_set_new(root, "euiccResult", json_string(op->euicc_result));
    if (root != NULL && op->deadline_ms > 0)
        json_object_set_new(root, "resultDeadline", json_integer(op->deadline_ms));
    return root;
}

/* Two requests are "the same" for Idempotency-Key when they name the same
 * card and carry the same body. */
static aw_err request_hash(const api_call *call, const char *eid,
                           uint8_t hash[CRYPTO_SHA256_SIZE])
{
    size_t eid_len = strlen(eid);
    size_t len = eid_len + 1 + call->body_len;
    uint8_t *data = malloc(len);
    if (data == NULL)
        return AW_ERR_NOMEM;
    memcpy(data, eid, eid_len);
    data[eid_len] = '\n';
    if (call->body_len > 0)
        memcpy(data + eid_len + 1, call->body, call->body_len);
    aw_err err = crypto_sha256(data, len, hash);
    free(data);
    return err;
}

static void handle_create(api_call *call, const char *eid)
{
    db_connection *db = call->api->config.db;
    const char *key = http_request_header(call->request, "Idempotency-Key");
    aw_err err = (key == NULL || platform_idempotency_key_valid(key)) &&
                         http_request_query(call->request) == NULL
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    platform_card_op_request request;
    if (err == AW_OK)
        err = platform_json_parse_card_op(call->body, call->body_len, &request);
    uint8_t hash[CRYPTO_SHA256_SIZE];
    if (err == AW_OK)
        err = request_hash(call, eid, hash);
    if (err == AW_OK) /* a card locked to its device takes no operation (device_lock.c) */
        err = platform_device_lock_check(db, call->app.tenant, eid);
    if (err == AW_OK && (request.kind == PLATFORM_CARD_OP_ENABLE || /* device_lock_profile.c */
                         request.kind == PLATFORM_CARD_OP_SWITCH))
        err = platform_profile_binding_check(
            db, call->app.tenant, eid,
            request.kind == PLATFORM_CARD_OP_SWITCH ? request.to_iccid : request.iccid);
    platform_card_op op;
    bool created = false;
    if (err == AW_OK)
        err = platform_card_op_create(db, &call->app, eid, &request, key, hash, call->now_ms, &op,
                                      &created);
    if (err == AW_OK && created) /* who asked for it (api_rbac.c) */
        (void)platform_api_audit(call, "card.operation.create", op.operation_id,
                                 AUDIT_OUTCOME_SUCCESS, NULL);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    char *json = NULL;
    json_t *root = op_json(&op);
    if (root != NULL)
        json = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (json == NULL) {
        platform_api_reply_err(call, AW_ERR_NOMEM);
        return;
    }
    char location[sizeof(CARDS_PREFIX) + PLATFORM_EID_DIGITS + sizeof(OPERATIONS_SEGMENT) +
                  PLATFORM_CARD_OP_ID_LENGTH + 2];
    snprintf(location, sizeof(location), CARDS_PREFIX "%s" OPERATIONS_SEGMENT "/%s", op.eid,
             op.operation_id);
    (void)http_request_add_header(call->request, "Location", location);
    /* a repeat answers with the original operation (Idempotent-Replayed,
     * as POST /orders); the work is asynchronous: 202 (RFC 9110 15.3.3) */
    if (!created)
        (void)http_request_add_header(call->request, "Idempotent-Replayed", "true");
    platform_api_reply_text(call, 202, json, strlen(json));
    free(json);
}

/* A query number of 1..digits digits, no leading zero unless zero_ok. */
static aw_err number_parameter(http_request *request, const char *name, size_t digits,
                               bool zero_ok, int64_t *out)
{
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, name, &value);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    size_t len = err == AW_OK ? strlen(value) : 0;
    if (err != AW_OK || len == 0 || len > digits || strspn(value, "0123456789") != len ||
        (value[0] == '0' && (len > 1 || !zero_ok)))
        return AW_ERR_PLATFORM_FIELD;
    *out = (int64_t)strtoll(value, NULL, 10);
    return AW_OK;
}

static void handle_list(api_call *call, const char *eid)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    int64_t limit = PLATFORM_QUERY_PAGE_DEFAULT, after = 0;
    aw_err err = inventory_query_names_allowed(http_request_query(call->request), allowed)
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = number_parameter(call->request, "limit", 3, false, &limit);
    if (err == AW_OK && limit > PLATFORM_QUERY_PAGE_MAX)
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = number_parameter(call->request, "cursor", CURSOR_DIGITS_MAX, true, &after);
    platform_card_op *ops = NULL;
    size_t count = 0;
    bool more = false;
    if (err == AW_OK)
        err = platform_card_op_list(call->api->config.db, call->app.tenant, eid, after,
                                    (size_t)limit, &ops, &count, &more);
    json_t *list = err == AW_OK ? json_array() : NULL;
    for (size_t i = 0; list != NULL && err == AW_OK && i < count; i++)
        if (json_array_append_new(list, op_json(&ops[i])) != 0)
            err = AW_ERR_NOMEM;
    char cursor[24];
    snprintf(cursor, sizeof(cursor), "%lld", count > 0 ? (long long)ops[count - 1].seq : 0LL);
    free(ops);
    if (err != AW_OK) {
        json_decref(list);
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, json_pack("{s:s, s:o, s:o}", "eid", eid, "operations", list,
                                            "nextCursor",
                                            more ? json_string(cursor) : json_null()));
}

static void handle_get(api_call *call, const char *eid, const char *operation_id)
{
    platform_card_op op;
    db_connection *db = call->api->config.db;
    platform_card card;
    aw_err err = http_request_query(call->request) == NULL ? AW_OK : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK) /* another tenant's card: as one that does not exist */
        err = platform_card_get(db, call->app.tenant, eid, &card);
    if (err == AW_OK)
        err = platform_card_op_get(db, call->app.tenant, eid, operation_id, &op);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, op_json(&op));
}

bool platform_api_card_ops_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    size_t prefix = sizeof(CARDS_PREFIX) - 1;
    if (http_request_allowed_methods(request) != 0 || strncmp(path, CARDS_PREFIX, prefix) != 0)
        return false;
    const char *eid_start = path + prefix;
    size_t eid_len = strcspn(eid_start, "/");
    const char *rest = eid_start + eid_len;
    size_t segment = sizeof(OPERATIONS_SEGMENT) - 1;
    if (eid_len == 0 || eid_len > PLATFORM_EID_DIGITS ||
        strncmp(rest, OPERATIONS_SEGMENT, segment) != 0 ||
        (rest[segment] != '\0' && rest[segment] != '/'))
        return false;
    const char *id = rest[segment] == '/' ? rest + segment + 1 : NULL;
    if (id != NULL && (strlen(id) == 0 || strlen(id) > PLATFORM_CARD_OP_ID_LENGTH ||
                       strchr(id, '/') != NULL))
        return false;
    aw_http_method method = http_request_method(request);
    bool allowed = method == AW_HTTP_METHOD_GET || (id == NULL && method == AW_HTTP_METHOD_POST);
    if (!allowed) {
        platform_api_reply_method_not_allowed(api, request, id == NULL ? "GET, POST" : "GET");
        return true;
    }
    char eid[PLATFORM_EID_DIGITS + 1];
    memcpy(eid, eid_start, eid_len);
    eid[eid_len] = '\0';
    api_call call;
    bool post = method == AW_HTTP_METHOD_POST;
    if (!platform_api_run_chain(api, request, &call,
                                post ? PLATFORM_API_BODY_JSON : PLATFORM_API_BODY_NONE, true))
        return true;
    if (post)
        handle_create(&call, eid);
    else if (id != NULL)
        handle_get(&call, eid, id);
    else
        handle_list(&call, eid);
    return true;
}
