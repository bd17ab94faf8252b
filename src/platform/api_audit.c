/* airwrite platform: GET /api/v1/audit, the security audit log read over
 * the API (T/CA group standard, security management: the auditor reads the
 * audit records; docs/rbac.md "Audit"). Permission audit.read: the auditor
 * only. The log is platform-wide (core/audit.h): every tenant's records,
 * in chain order, as stored (reading does not verify; `airwritectl audit
 * verify` does). Each read is itself recorded (audit.read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/crypto_suite.h"
#include "core/hex.h"
#include "platform/platform_internal.h"

#define AUDIT_PAGE_DEFAULT 50u
#define AUDIT_PAGE_MAX 200u
#define SEQ_DIGITS_MAX 18u

static const char *actor_type_name(audit_actor_type type)
{
    return type == AUDIT_ACTOR_USER ? "user" : type == AUDIT_ACTOR_APP ? "app" : "system";
}

static const char *outcome_name(audit_outcome outcome)
{
    return outcome == AUDIT_OUTCOME_SUCCESS   ? "success"
           : outcome == AUDIT_OUTCOME_FAILURE ? "failure"
                                              : "denied";
}

static json_t *entry_json(const audit_entry *e)
{
    char hash[2 * AUDIT_HASH_SIZE + 1];
    aw_hex_encode(e->hash, AUDIT_HASH_SIZE, hash, false);
    /* details are a JSON object when written; a string otherwise */
    json_t *details = json_loads(e->details, JSON_REJECT_DUPLICATES, NULL);
    if (details == NULL || !json_is_object(details)) {
        json_decref(details);
        details = json_string(e->details);
    }
    const char *suite = crypto_suite_name(e->suite);
    return json_pack("{s:I, s:I, s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:o, "
                     "s:s}",
                     "seq", (json_int_t)e->seq, "time", (json_int_t)e->time_ms, "suite",
                     suite != NULL ? suite : "unknown", "actor", "type",
                     actor_type_name(e->actor_type), "id", e->actor_id, "role", e->actor_role,
                     "tenant", e->tenant, "action", e->action, "target", e->target, "outcome",
                     outcome_name(e->outcome), "sourceAddress", e->source_address, "requestId",
                     e->request_id, "details", details, "hash", hash);
}

/* from (1..18 digits, no leading zero) and limit (1..AUDIT_PAGE_MAX). */
static aw_err page_parameters(http_request *request, int64_t *from, size_t *limit)
{
    static const char *const names[] = {"from", "limit"};
    int64_t *slots[] = {from, NULL};
    *from = 1;
    *limit = AUDIT_PAGE_DEFAULT;
    for (size_t i = 0; i < 2; i++) {
        const char *value = NULL;
        aw_err err = http_request_query_parameter(request, names[i], &value);
        if (err == AW_ERR_NOT_FOUND)
            continue;
        size_t len = err == AW_OK ? strlen(value) : 0;
        if (err != AW_OK || len == 0 || len > SEQ_DIGITS_MAX ||
            strspn(value, "0123456789") != len || value[0] == '0')
            return AW_ERR_PLATFORM_FIELD;
        int64_t number = (int64_t)strtoll(value, NULL, 10);
        if (slots[i] != NULL)
            *slots[i] = number;
        else if (number > (int64_t)AUDIT_PAGE_MAX)
            return AW_ERR_PLATFORM_FIELD;
        else
            *limit = (size_t)number;
    }
    /* only these (and the router's tenant) */
    const char *query = http_request_query(request);
    while (query != NULL && *query != '\0') {
        size_t name = strcspn(query, "=&");
        if (!((name == 4 && strncmp(query, "from", 4) == 0) ||
              (name == 5 && strncmp(query, "limit", 5) == 0) ||
              (name == 6 && strncmp(query, "tenant", 6) == 0)))
            return AW_ERR_PLATFORM_FIELD;
        query += strcspn(query, "&");
        query += *query == '&' ? 1 : 0;
    }
    return AW_OK;
}

void platform_api_handle_audit(http_request *request, void *userdata)
{
    platform_api *api = userdata;
    api_call call;
    if (!platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        return;
    int64_t from = 1;
    size_t limit = 0;
    aw_err err = page_parameters(request, &from, &limit);
    /* one more than asked: whether a next page exists */
    audit_entry *entries = err == AW_OK ? calloc(limit + 1, sizeof(*entries)) : NULL;
    if (err == AW_OK && entries == NULL)
        err = AW_ERR_NOMEM;
    size_t count = 0;
    if (err == AW_OK)
        err = audit_list(api->config.db, from, entries, limit + 1, &count);
    char details[64];
    snprintf(details, sizeof(details), "{\"from\":%lld,\"count\":%zu}", (long long)from,
             count > limit ? limit : count);
    if (err == AW_OK) /* who read the log is itself recorded */
        err = platform_api_audit(&call, "audit.read", NULL, AUDIT_OUTCOME_SUCCESS, details);
    json_t *list = err == AW_OK ? json_array() : NULL;
    for (size_t i = 0; list != NULL && i < count && i < limit; i++)
        if (json_array_append_new(list, entry_json(&entries[i])) != 0)
            err = AW_ERR_NOMEM;
    json_t *next = count > limit ? json_integer(entries[limit].seq) : json_null();
    free(entries);
    if (err != AW_OK) {
        json_decref(list);
        json_decref(next);
        platform_api_reply_err(&call, err);
        return;
    }
    platform_api_reply_json(&call, json_pack("{s:o, s:o}", "entries", list, "nextFrom", next));
}
