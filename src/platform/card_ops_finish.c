/* airwrite platform: the end of a card operation (platform.h "Card
 * operations"): the eUICC's verified result moves the platform's records
 * as the eUICC moved the profiles (SGP.22 3.2 local profile management:
 * enable disables the profile enabled before it, 5.7.16; disable, 5.7.17;
 * delete, 5.7.18, whose pool number goes to cooling), each step a recorded
 * transition with its cause; the operation's row ends succeeded or failed
 * and card.operation.finished goes to the tenant's callbacks, all in one
 * transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/card_ops_internal.h"

/* A transition the eUICC already made: a record that refuses it (moved
 * meanwhile by another path) does not hold the operation back. */
static aw_err follow(db_connection *db, const platform_card_op *op, const char *iccid,
                     const char *to, const char *cause, int64_t now_ms)
{
    aw_err err =
        platform_profile_transition(db, op->tenant, iccid, to, cause, CARD_OP_ACTOR, now_ms);
    return err == AW_ERR_PLATFORM_TRANSITION || err == AW_ERR_NOT_FOUND ? AW_OK : err;
}

/* enable (and switch): every other enabled profile of the card is disabled
 * by the eUICC before target is enabled (SGP.22 5.7.16). */
static aw_err apply_enable(db_connection *db, const platform_card_op *op, const char *target,
                           const char *cause, int64_t now_ms)
{
    platform_query_filter filter = {.eid = op->eid, .state = "enabled"};
    platform_profile *enabled = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = platform_profile_list(db, op->tenant, &filter, 0, PLATFORM_QUERY_PAGE_MAX,
                                       &enabled, &count, &more);
    char implicit[PLATFORM_CAUSE_MAX + 1];
    snprintf(implicit, sizeof(implicit), "disabled by the enable of %s (SGP.22 5.7.16), %s",
             target, op->operation_id);
    for (size_t i = 0; err == AW_OK && i < count; i++)
        if (strcmp(enabled[i].iccid, target) != 0)
            err = follow(db, op, enabled[i].iccid, "disabled", implicit, now_ms);
    free(enabled);
    if (err == AW_OK)
        err = follow(db, op, target, "enabled", cause, now_ms);
    return err;
}

static aw_err apply_result(db_connection *db, const platform_card_op *op, int64_t now_ms)
{
    char cause[PLATFORM_CAUSE_MAX + 1];
    snprintf(cause, sizeof(cause), "PSMO %s (SGP.32 2.11.1.1), %s",
             op->kind == PLATFORM_CARD_OP_SWITCH ? "enable" : platform_card_op_kind_name(op->kind),
             op->operation_id);
    switch (op->kind) {
    case PLATFORM_CARD_OP_ENABLE: return apply_enable(db, op, op->iccid, cause, now_ms);
    case PLATFORM_CARD_OP_SWITCH: return apply_enable(db, op, op->to_iccid, cause, now_ms);
    case PLATFORM_CARD_OP_DISABLE: return follow(db, op, op->iccid, "disabled", cause, now_ms);
    case PLATFORM_CARD_OP_DELETE: return follow(db, op, op->iccid, "deleted", cause, now_ms);
    }
    return AW_ERR_ARGUMENT;
}

static aw_err emit_finished(db_connection *db, const platform_card_op *op, int64_t now_ms)
{
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "operationId", op->operation_id,
                             "eid", op->eid, "operation", platform_card_op_kind_name(op->kind),
                             "iccid", op->iccid, "status", op->status);
    if (data != NULL && op->to_iccid[0] != '\0')
        json_object_set_new(data, "toIccid", json_string(op->to_iccid));
    if (data != NULL && op->error_code[0] != '\0')
        json_object_set_new(data, "errorCode", json_string(op->error_code));
    if (data != NULL && op->euicc_result[0] != '\0')
        json_object_set_new(data, "euiccResult", json_string(op->euicc_result));
    char *text = data != NULL ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (text == NULL)
        return AW_ERR_NOMEM;
    aw_err err = platform_event_emit(db, op->tenant, PLATFORM_EVENT_CARD_OPERATION_FINISHED, text,
                                     now_ms, NULL);
    free(text);
    return err;
}

typedef struct finish_args {
    const char *operation_id;
    bool succeeded;
    const char *error_code;
    const char *euicc_result;
    int64_t now_ms;
} finish_args;

static aw_err finish_in(db_connection *db, void *arg)
{
    finish_args *a = arg;
    platform_card_op op;
    aw_err err = card_op_load(db, a->operation_id, &op);
    if (err != AW_OK)
        return err;
    if (strcmp(op.status, CARD_OP_ACCEPTED) != 0 && strcmp(op.status, CARD_OP_SENT) != 0)
        return AW_OK; /* ended by an earlier run of the step */
    if (a->succeeded)
        err = apply_result(db, &op, a->now_ms);
    snprintf(op.status, sizeof(op.status), "%s", a->succeeded ? CARD_OP_SUCCEEDED : CARD_OP_FAILED);
    snprintf(op.error_code, sizeof(op.error_code), "%s", a->error_code);
    snprintf(op.euicc_result, sizeof(op.euicc_result), "%s", a->euicc_result);
    db_param p[] = {DB_PARAM_TEXT(op.status),
                    a->error_code[0] != '\0' ? DB_PARAM_TEXT(a->error_code) : DB_PARAM_NULL,
                    a->euicc_result[0] != '\0' ? DB_PARAM_TEXT(a->euicc_result) : DB_PARAM_NULL,
                    DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(op.operation_id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_card_operations SET status = ?, error_code = ?, "
                         "euicc_result = ?, updated_at = ? WHERE operation_id = ?",
                         p, 5, NULL);
    if (err == AW_OK)
        err = emit_finished(db, &op, a->now_ms);
    return err;
}

aw_err card_op_finish(db_connection *db, const char *operation_id, bool succeeded,
                      platform_card_op_error error, const char *euicc_result, int64_t now_ms)
{
    const char *code = succeeded ? "" : platform_card_op_error_code(error);
    if (db == NULL || operation_id == NULL || code == NULL || euicc_result == NULL)
        return AW_ERR_ARGUMENT;
    finish_args a = {.operation_id = operation_id, .succeeded = succeeded, .error_code = code,
                     .euicc_result = euicc_result, .now_ms = now_ms};
    return platform_in_transaction(db, finish_in, &a);
}

typedef struct sent_args {
    const char *operation_id;
    int64_t package_id, deadline_ms, next_step_ms, now_ms;
} sent_args;

static aw_err sent_in(db_connection *db, void *arg)
{
    sent_args *a = arg;
    int64_t changes = 0;
    db_param p[] = {DB_PARAM_INT64(a->package_id), DB_PARAM_INT64(a->deadline_ms),
                    DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(a->operation_id)};
    aw_err err = db_execute(db,
                            "UPDATE platform_card_operations SET status = 'sent', package_id = ?, "
                            "deadline = ?, updated_at = ? WHERE operation_id = ? AND "
                            "status = 'accepted'",
                            p, 4, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_STATE;
    if (err == AW_OK)
        err = card_op_enqueue_step(db, a->operation_id, a->next_step_ms, a->now_ms);
    return err;
}

aw_err card_op_mark_sent(db_connection *db, const char *operation_id, int64_t package_id,
                         int64_t deadline_ms, int64_t next_step_ms, int64_t now_ms)
{
    if (db == NULL || operation_id == NULL || package_id <= 0)
        return AW_ERR_ARGUMENT;
    sent_args a = {.operation_id = operation_id, .package_id = package_id,
                   .deadline_ms = deadline_ms, .next_step_ms = next_step_ms, .now_ms = now_ms};
    return platform_in_transaction(db, sent_in, &a);
}
