/* airwrite platform: GET /api/v1/cards/{eid}/terminal-info, the card's
 * latest terminal information records (IMEI, module firmware, signal,
 * location) opened from their sealed storage, only for roles holding
 * terminal_info.read (operator, security officer, the tenant's own users;
 * docs/rbac.md) and only for a card of the tenant acted on. Every view is
 * audited ("terminal_info.read"), since the records are personal data
 * (location) the platform keeps encrypted. docs/terminal-info.md. */
#include "platform/terminal_info_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/platform_inventory.h"
#include "platform/platform_terminal_info.h"

#define CARDS_PREFIX "/api/v1/cards/"
#define SEGMENT "/terminal-info"
#define DEFAULT_LIMIT 5u

/* One stored record as the API shows it: the record's own JSON members
 * plus when it was received and how it was sealed. */
static json_t *stored_json(const platform_terminal_info_stored *s)
{
    char *text = NULL;
    size_t len = 0;
    json_error_t error;
    json_t *o = terminal_info_encode(&s->record, &text, &len) == AW_OK
                    ? json_loadb(text, len, 0, &error)
                    : NULL;
    if (text != NULL)
        OPENSSL_cleanse(text, len);
    free(text);
    if (o != NULL) {
        json_object_del(o, "version");
        if (json_object_set_new(o, "receivedAt", json_integer(s->received_at)) != 0 ||
            json_object_set_new(o, "suite", json_string(crypto_suite_name(s->suite))) != 0 ||
            json_object_set_new(o, "platformKeyId", json_integer(s->platform_key_id)) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

static aw_err limit_parameter(const char *query, size_t *limit)
{
    *limit = DEFAULT_LIMIT;
    if (query == NULL)
        return AW_OK;
    /* only "limit=N", N in 1..PLATFORM_TERMINAL_INFO_LIST_MAX */
    if (strncmp(query, "limit=", 6) != 0 || strlen(query) < 7 || strlen(query) > 8 ||
        strspn(query + 6, "0123456789") != strlen(query + 6))
        return AW_ERR_PLATFORM_FIELD;
    unsigned long v = strtoul(query + 6, NULL, 10);
    if (v < 1 || v > PLATFORM_TERMINAL_INFO_LIST_MAX)
        return AW_ERR_PLATFORM_FIELD;
    *limit = v;
    return AW_OK;
}

static void handle_get(api_call *call, const char *eid)
{
    db_connection *db = call->api->config.db;
    platform_card card;
    platform_terminal_info_stored *stored = NULL;
    size_t limit = 0, count = 0;
    aw_err err = limit_parameter(http_request_query(call->request), &limit);
    if (err == AW_OK)
        err = platform_card_get(db, call->app.tenant, eid, &card);
    if (err == AW_OK &&
        (stored = calloc(PLATFORM_TERMINAL_INFO_LIST_MAX, sizeof(*stored))) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = platform_terminal_info_latest(db, call->api->config.keys, eid, limit, stored,
                                            &count);
    json_t *records = err == AW_OK ? json_array() : NULL;
    for (size_t i = 0; err == AW_OK && i < count; i++)
        if (records == NULL || json_array_append_new(records, stored_json(&stored[i])) != 0)
            err = AW_ERR_NOMEM;
    if (stored != NULL)
        OPENSSL_cleanse(stored, PLATFORM_TERMINAL_INFO_LIST_MAX * sizeof(*stored));
    free(stored);
    char details[64];
    snprintf(details, sizeof(details), "{\"records\":%zu}", count);
    (void)platform_api_audit(call, "terminal_info.read", eid,
                             err == AW_OK ? AUDIT_OUTCOME_SUCCESS : AUDIT_OUTCOME_FAILURE,
                             err == AW_OK ? details : NULL);
    if (err != AW_OK) {
        json_decref(records);
        platform_api_reply_err(call, err);
        return;
    }
    platform_api_reply_json(call, json_pack("{s:s, s:o}", "eid", eid, "records", records));
}

bool platform_api_terminal_info_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    size_t prefix = sizeof(CARDS_PREFIX) - 1;
    if (http_request_allowed_methods(request) != 0 || strncmp(path, CARDS_PREFIX, prefix) != 0)
        return false;
    const char *eid_start = path + prefix;
    size_t eid_len = strcspn(eid_start, "/");
    if (eid_len == 0 || eid_len > PLATFORM_EID_DIGITS || strcmp(eid_start + eid_len, SEGMENT) != 0)
        return false;
    if (http_request_method(request) != AW_HTTP_METHOD_GET) {
        platform_api_reply_method_not_allowed(api, request, "GET");
        return true;
    }
    char eid[PLATFORM_EID_DIGITS + 1];
    memcpy(eid, eid_start, eid_len);
    eid[eid_len] = '\0';
    api_call call;
    if (platform_api_run_chain(api, request, &call, PLATFORM_API_BODY_NONE, true))
        handle_get(&call, eid);
    return true;
}
