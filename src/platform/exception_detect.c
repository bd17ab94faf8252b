/* airwrite platform: detection of graded exceptions from the signals where
 * they happen (《物联网 eSIM 空中写卡技术应用服务规范》 异常处理, issue 7;
 * docs/exceptions.md "Signals"):
 *   application (申请): orders refused by their batch or target, per app;
 *   write (写卡): items failed with their W code, per EID;
 *   interface (接口): callback deliveries that became dead letters, 5xx
 *     answers of the API and a spike of refused calls per app and window;
 *   terminal (终端): active cards whose device stopped contacting the eIM,
 *     devices whose items fail repeatedly.
 * Each hook is one upsert (platform_exception_record), in the caller's
 * transaction when it has one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/exceptions_internal.h"

#define SCAN_PAGE 200

aw_err platform_exception_on_order_refused(db_connection *db,
                                           const platform_exception_policy *policy,
                                           const platform_app *app, const char *code,
                                           int64_t now_ms)
{
    if (db == NULL || app == NULL || code == NULL)
        return AW_ERR_ARGUMENT;
    char object[PLATFORM_APP_ID_MAX + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "app:%s", app->app_id);
    snprintf(detail, sizeof(detail), "order of app %s refused with %s", app->app_id, code);
    platform_exception_signal s = {.tenant = app->tenant, .code = code, .source = "orders",
                                   .object = object, .detail = detail, .app_id = app->app_id};
    return platform_exception_record(db, policy, &s, now_ms, NULL, NULL);
}

aw_err platform_exception_on_item_failed(db_connection *db,
                                         const platform_exception_policy *policy,
                                         const char *tenant, const char *order_id,
                                         const char *eid, const char *iccid, const char *code,
                                         const char *cause, int64_t now_ms)
{
    if (db == NULL || tenant == NULL || order_id == NULL || eid == NULL || code == NULL)
        return AW_ERR_ARGUMENT;
    char object[PLATFORM_EID_DIGITS + 8];
    snprintf(object, sizeof(object), "eid:%s", eid);
    platform_exception_signal s = {.tenant = tenant, .code = code, .source = "executor",
                                   .object = object, .detail = cause, .order_id = order_id,
                                   .eid = eid, .iccid = iccid};
    aw_err err = platform_exception_record(db, policy, &s, now_ms, NULL, NULL);
    if (err != AW_OK || exception_class_of_code(code) == PLATFORM_ERROR_CLASS_TERMINAL)
        return err;
    /* the device's own failures across orders and causes: from
     * PLATFORM_EXCEPTION_REPEATS on, the terminal is suspect (T1002) */
    int64_t failures = 0;
    db_param key[] = {DB_PARAM_TEXT(tenant), DB_PARAM_TEXT(eid)};
    err = db_query_int64(db,
                         /* SUM is numeric on PostgreSQL: back to BIGINT */
                         "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM "
                         "platform_exceptions WHERE tenant = ? AND eid = ? AND error_class = 2 "
                         "AND active_key IS NOT NULL",
                         key, 2, &failures);
    if (err != AW_OK || failures < PLATFORM_EXCEPTION_REPEATS)
        return err;
    char detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(detail, sizeof(detail), "%lld write failures of the device not yet resolved",
             (long long)failures);
    platform_exception_signal t = {.tenant = tenant, .code = "T1002", .source = "executor",
                                   .object = object, .detail = detail, .order_id = order_id,
                                   .eid = eid, .iccid = iccid};
    return platform_exception_record(db, policy, &t, now_ms, NULL, NULL);
}

typedef struct dead_letter {
    char tenant[PLATFORM_TENANT_MAX + 1];
    char callback_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    char event_type[32];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t attempts;
} dead_letter;

static aw_err dead_letter_load(db_connection *db, const char *delivery_id, dead_letter *d,
                               bool *found)
{
    db_param key[] = {DB_PARAM_TEXT(delivery_id)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT d.tenant, d.callback_id, d.event_type, d.attempts, c.app_id "
                          "FROM platform_callback_deliveries d LEFT JOIN platform_callbacks c "
                          "ON c.callback_id = d.callback_id WHERE d.delivery_id = ?",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    const char *text = NULL;
    if (err == AW_OK && *found) {
        if ((err = db_rows_get_text(rows, 0, &text)) == AW_OK)
            exception_copy_text(d->tenant, sizeof(d->tenant), text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 1, &text)) == AW_OK)
            exception_copy_text(d->callback_id, sizeof(d->callback_id), text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 2, &text)) == AW_OK)
            exception_copy_text(d->event_type, sizeof(d->event_type), text);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &d->attempts);
        if (err == AW_OK && db_rows_column_type(rows, 4) != DB_TYPE_NULL &&
            (err = db_rows_get_text(rows, 4, &text)) == AW_OK)
            exception_copy_text(d->app_id, sizeof(d->app_id), text);
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_exception_on_dead_letter(db_connection *db,
                                         const platform_exception_policy *policy,
                                         const char *delivery_id, int64_t last_status,
                                         int64_t now_ms)
{
    if (db == NULL || delivery_id == NULL)
        return AW_ERR_ARGUMENT;
    dead_letter d;
    memset(&d, 0, sizeof(d));
    bool found = false;
    aw_err err = dead_letter_load(db, delivery_id, &d, &found);
    if (err != AW_OK || !found)
        return err;
    char object[PLATFORM_CALLBACK_ID_LENGTH + 16], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "callback:%s", d.callback_id);
    snprintf(detail, sizeof(detail), "%s delivery %s dead after %lld attempts, last HTTP %lld",
             d.event_type, delivery_id, (long long)d.attempts, (long long)last_status);
    /* repeats on the same callback only count (no event): a receiver that
     * refuses exception.raised itself cannot start a loop */
    platform_exception_signal s = {.tenant = d.tenant, .code = "I5001", .source = "callbacks",
                                   .object = object, .detail = detail,
                                   .callback_id = d.callback_id,
                                   .app_id = d.app_id[0] != '\0' ? d.app_id : NULL};
    return platform_exception_record(db, policy, &s, now_ms, NULL, NULL);
}

typedef struct api_error_args {
    const platform_exception_policy *policy;
    const platform_app *app;
    const char *code;
    int64_t count;
    int64_t now_ms;
    int64_t *total;
} api_error_args;

static aw_err api_error_in(db_connection *db, void *arg)
{
    api_error_args *a = arg;
    int64_t window = a->now_ms - a->now_ms % a->policy->api_window_ms;
    db_param add[] = {DB_PARAM_TEXT(a->app->app_id), DB_PARAM_INT64(window),
                      DB_PARAM_INT64(a->count), DB_PARAM_INT64(a->count)};
    aw_err err = db_execute(db,
                            "INSERT INTO platform_exception_api_errors (app_id, window_start, "
                            "errors) VALUES (?, ?, ?) ON CONFLICT (app_id, window_start) DO "
                            "UPDATE SET errors = platform_exception_api_errors.errors + ?",
                            add, 4, NULL);
    int64_t errors = 0;
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT errors FROM platform_exception_api_errors WHERE app_id = ? "
                             "AND window_start = ?",
                             add, 2, &errors);
    if (err == AW_OK)
        *a->total = errors;
    int64_t before = errors - a->count;
    /* a window's first errors drop the app's older windows */
    if (err == AW_OK && before == 0)
        err = db_execute(db,
                         "DELETE FROM platform_exception_api_errors WHERE app_id = ? AND "
                         "window_start < ?",
                         add, 2, NULL);
    if (err != AW_OK || errors < a->policy->api_error_threshold ||
        before >= a->policy->api_error_threshold)
        return err;
    char object[PLATFORM_APP_ID_MAX + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "app:%s", a->app->app_id);
    snprintf(detail, sizeof(detail), "%lld refused calls of app %s within %lld s (last %s)",
             (long long)errors, a->app->app_id, (long long)(a->policy->api_window_ms / 1000),
             a->code);
    platform_exception_signal s = {.tenant = a->app->tenant, .code = "I5003", .source = "api",
                                   .object = object, .detail = detail,
                                   .app_id = a->app->app_id};
    /* once per window: the count passing the threshold raises or counts */
    return platform_exception_record(db, a->policy, &s, a->now_ms, NULL, NULL);
}

aw_err platform_exception_on_api_error(db_connection *db,
                                       const platform_exception_policy *policy,
                                       const platform_app *app, const char *code,
                                       int http_status, int64_t now_ms)
{
    if (http_status < 500) { /* a refusal, counted alone */
        int64_t total = 0;
        return platform_exception_on_api_refusals(db, policy, app, code, 1, now_ms, &total);
    }
    if (db == NULL || app == NULL || code == NULL)
        return AW_ERR_ARGUMENT;
    if (app->app_id[0] == '\0' || !platform_tenant_valid(app->tenant))
        return AW_OK; /* refused before the app was known: nobody to link it to */
    char object[PLATFORM_APP_ID_MAX + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "app:%s", app->app_id);
    snprintf(detail, sizeof(detail), "API answered app %s %s (HTTP %d)", app->app_id, code,
             http_status);
    platform_exception_signal s = {.tenant = app->tenant, .code = "I5002", .source = "api",
                                   .object = object, .detail = detail, .app_id = app->app_id};
    platform_exception_policy defaults;
    return platform_exception_record(db, exception_policy_or_default(policy, &defaults), &s,
                                     now_ms, NULL, NULL);
}

aw_err platform_exception_on_api_refusals(db_connection *db,
                                          const platform_exception_policy *policy,
                                          const platform_app *app, const char *code,
                                          int64_t count, int64_t now_ms, int64_t *total)
{
    if (db == NULL || app == NULL || code == NULL || count < 1 || total == NULL)
        return AW_ERR_ARGUMENT;
    *total = 0;
    if (app->app_id[0] == '\0' || !platform_tenant_valid(app->tenant))
        return AW_OK; /* refused before the app was known: nobody to link it to */
    platform_exception_policy defaults;
    policy = exception_policy_or_default(policy, &defaults);
    api_error_args a = {.policy = policy, .app = app, .code = code, .count = count,
                        .now_ms = now_ms, .total = total};
    return platform_in_transaction(db, api_error_in, &a);
}

typedef struct active_card {
    int64_t id;
    char tenant[PLATFORM_TENANT_MAX + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
} active_card;

static aw_err cards_page(db_connection *db, int64_t after, active_card *cards, size_t *count)
{
    *count = 0;
    db_param params[] = {DB_PARAM_INT64(after), DB_PARAM_INT64(SCAN_PAGE)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT c.id, c.tenant, c.eid FROM platform_cards c JOIN "
                          "platform_lifecycle_states s ON s.machine = 'card' AND s.tenant = "
                          "c.tenant AND s.entity_id = c.eid WHERE s.state = 'active' AND c.id > ? "
                          "ORDER BY c.id LIMIT ?",
                          params, 2, &rows);
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        active_card *c = &cards[*count];
        const char *text = NULL;
        err = db_rows_get_int64(rows, 0, &c->id);
        if (err == AW_OK && (err = db_rows_get_text(rows, 1, &text)) == AW_OK)
            exception_copy_text(c->tenant, sizeof(c->tenant), text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 2, &text)) == AW_OK)
            exception_copy_text(c->eid, sizeof(c->eid), text);
        if (err == AW_OK)
            (*count)++;
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_exception_scan_silence(db_connection *db, const platform_exception_policy *policy,
                                       platform_contact_fn contact, void *userdata,
                                       int64_t now_ms, int64_t *found)
{
    if (found != NULL)
        *found = 0;
    if (db == NULL || contact == NULL)
        return AW_ERR_ARGUMENT;
    platform_exception_policy defaults;
    policy = exception_policy_or_default(policy, &defaults);
    active_card *cards = calloc(SCAN_PAGE, sizeof(*cards));
    if (cards == NULL)
        return AW_ERR_NOMEM;
    int64_t after = 0, silent = 0;
    size_t count = 0;
    aw_err err;
    do {
        err = cards_page(db, after, cards, &count);
        for (size_t i = 0; err == AW_OK && i < count; i++) {
            after = cards[i].id;
            int64_t last = 0;
            err = contact(userdata, cards[i].eid, &last);
            if (err == AW_ERR_NOT_FOUND) { /* the eIM does not know it: never heard */
                err = AW_OK;
                last = 0;
            }
            if (err != AW_OK || now_ms - last <= policy->silence_ms)
                continue;
            silent++;
            char object[PLATFORM_EID_DIGITS + 8], detail[PLATFORM_CAUSE_MAX + 1];
            snprintf(object, sizeof(object), "eid:%s", cards[i].eid);
            if (last == 0)
                snprintf(detail, sizeof(detail), "active device never contacted the eIM");
            else
                snprintf(detail, sizeof(detail), "no contact with the eIM for %lld s",
                         (long long)((now_ms - last) / 1000));
            platform_exception_signal s = {.tenant = cards[i].tenant, .code = "T1001",
                                           .source = "eim", .object = object, .detail = detail,
                                           .eid = cards[i].eid};
            err = platform_exception_record(db, policy, &s, now_ms, NULL, NULL);
        }
    } while (err == AW_OK && count == SCAN_PAGE);
    free(cards);
    if (found != NULL)
        *found = silent;
    return err;
}
