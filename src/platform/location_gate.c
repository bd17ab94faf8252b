/* airwrite platform: the location gate before a profile write (an order
 * item's ES2+ DownloadOrder, SGP.22 5.3.1) and before a card operation's
 * enable or switch (SGP.32 2.11.1.1 PSMO enable): 境外禁写 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》 (docs/location.md "Gate"). The
 * card's latest fix is judged by location_evaluate; inside goes on,
 * outside is refused (T3301), a missing, stale or implausible fix is
 * refused or held as the policy says. A hold ends when a usable fix
 * arrives (platform_location_record queues the subject's job at once) or
 * at its end, when it is refused with the verdict's code. */
#include <stdio.h>
#include <string.h>

#include "platform/card_ops_internal.h"
#include "platform/executor_internal.h"
#include "platform/location_policy.h"
#include "platform/platform_exceptions.h"

#define GATE_SOURCE "location"

typedef struct gate_args {
    const platform_location_subject *subject;
    const location_policy *policy;
    location_decision decision;
    int64_t now_ms;
    platform_location_gate *out;
    char key[PLATFORM_ORDER_ID_LENGTH + PLATFORM_EID_DIGITS + 8];
} gate_args;

static void subject_key(const platform_location_subject *s, char *out, size_t size)
{
    if (s->operation_id != NULL)
        snprintf(out, size, "op:%s", s->operation_id);
    else
        snprintf(out, size, "item:%s:%s", s->order_id, s->eid);
}

static aw_err hold_delete(db_connection *db, const char *key)
{
    db_param param[] = {DB_PARAM_TEXT(key)};
    return db_execute(db, "DELETE FROM platform_location_holds WHERE subject = ?", param, 1,
                      NULL);
}

static void refuse(platform_location_gate *out, location_verdict verdict, const char *code,
                   const char *cause)
{
    out->outcome = PLATFORM_LOCATION_REFUSED;
    out->verdict = verdict;
    out->code = code;
    snprintf(out->cause, sizeof(out->cause), "location: %s", cause);
}

/* In one transaction: the hold row and the job at its end. */
static aw_err hold_in(db_connection *db, void *arg)
{
    gate_args *a = arg;
    const platform_location_subject *s = a->subject;
    int64_t now_s = a->now_ms / 1000, until_s = 0;
    db_param key[] = {DB_PARAM_TEXT(a->key)};
    aw_err err = db_query_int64(db, "SELECT until_s FROM platform_location_holds WHERE subject = ?",
                                key, 1, &until_s);
    if (err == AW_OK && now_s >= until_s) { /* held long enough: refused */
        char cause[160];
        snprintf(cause, sizeof(cause), "held %llds without a usable fix (%s)",
                 (long long)a->policy->hold_s, a->decision.reason);
        refuse(a->out, a->decision.verdict, location_exception_code(a->decision.verdict), cause);
        return hold_delete(db, a->key);
    }
    a->out->outcome = PLATFORM_LOCATION_HELD;
    a->out->verdict = a->decision.verdict;
    snprintf(a->out->cause, sizeof(a->out->cause), "location: held (%s)", a->decision.reason);
    if (err == AW_OK) /* still within the hold: its end job is queued already */
        return AW_OK;
    if (err != AW_ERR_DB_NOT_FOUND)
        return err;
    until_s = now_s + a->policy->hold_s;
    db_param row[] = {DB_PARAM_TEXT(a->key),
                      DB_PARAM_TEXT(s->eid),
                      s->order_id != NULL ? DB_PARAM_TEXT(s->order_id) : DB_PARAM_NULL,
                      s->operation_id != NULL ? DB_PARAM_TEXT(s->operation_id) : DB_PARAM_NULL,
                      DB_PARAM_INT64(now_s),
                      DB_PARAM_INT64(until_s)};
    err = db_execute(db,
                     "INSERT INTO platform_location_holds (subject, eid, order_id, "
                     "operation_id, since_s, until_s) VALUES (?, ?, ?, ?, ?, ?)",
                     row, 6, NULL);
    if (err == AW_OK && s->operation_id != NULL)
        err = card_op_enqueue_step(db, s->operation_id, until_s * 1000, a->now_ms);
    else if (err == AW_OK)
        err = platform_executor_enqueue_job(db, EXECUTOR_JOB_ITEM, s->order_id, s->eid, 0,
                                            until_s * 1000, a->now_ms);
    return err;
}

/* A refused card operation's terminal exception (an item's comes with its
 * failure, orders.c). */
static aw_err raise_exception(db_connection *db, const platform_location_subject *s,
                              const platform_location_gate *g, int64_t now_ms)
{
    char object[PLATFORM_EID_DIGITS + 8];
    snprintf(object, sizeof(object), "eid:%s", s->eid);
    platform_exception_signal signal = {.tenant = s->tenant, .code = g->code,
                                        .source = GATE_SOURCE, .object = object,
                                        .detail = g->cause, .eid = s->eid};
    return platform_exception_record(db, NULL, &signal, now_ms, NULL, NULL);
}

aw_err platform_location_gate_check(db_connection *db, const platform_location_config *config,
                                    const platform_location_subject *subject, int64_t now_ms,
                                    platform_location_gate *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (config == NULL || !config->enabled)
        return AW_OK;
    if (db == NULL || subject == NULL || subject->tenant == NULL || subject->eid == NULL ||
        (subject->order_id == NULL) == (subject->operation_id == NULL))
        return AW_ERR_ARGUMENT;
    gate_args a = {.subject = subject, .now_ms = now_ms, .out = out};
    subject_key(subject, a.key, sizeof(a.key));
    location_policy policy;
    bool found = false;
    aw_err err = platform_location_policy_read(db, subject->tenant, &policy, &found);
    if (err != AW_OK)
        return err;
    if (!found) {
        policy = config->defaults;
        policy.enabled = true;
    }
    a.policy = &policy;
    location_region_set regions;
    location_fixes fixes;
    err = location_region_set_load(&policy, config->data_directory, &regions);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) { /* fail closed: no write where the regions are not known */
        refuse(out, LOCATION_OUTSIDE, LOCATION_UNAVAILABLE_CODE,
               "the policy's regions cannot be loaded");
        err = AW_OK;
    } else if ((err = platform_location_fixes_read(db, subject->eid, &fixes)) == AW_OK) {
        location_evaluate(&policy, &regions, &fixes, now_ms / 1000, &a.decision);
        if (a.decision.verdict == LOCATION_INSIDE)
            err = hold_delete(db, a.key); /* GO */
        else if (a.decision.action == LOCATION_ACTION_REFUSE) {
            refuse(out, a.decision.verdict, location_exception_code(a.decision.verdict),
                   a.decision.reason);
            err = hold_delete(db, a.key);
        } else
            err = platform_in_transaction(db, hold_in, &a);
    }
    location_region_set_clear(&regions);
    if (err == AW_OK && out->outcome == PLATFORM_LOCATION_REFUSED && subject->operation_id != NULL)
        err = raise_exception(db, subject, out, now_ms);
    return err;
}
