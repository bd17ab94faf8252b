/* airwrite platform: the exception routes of the northbound API
 * (《物联网 eSIM 空中写卡技术应用服务规范》 异常处理, issue 7;
 * docs/exceptions.md, docs/openapi.yaml):
 *   GET  /api/v1/exceptions                      list (class, grade, state, from, to, paging)
 *   GET  /api/v1/exceptions/{id}                 one, with its history and report
 *   POST /api/v1/exceptions/{id}/transition      {"to", "note"}
 *   POST /api/v1/exceptions/{id}/report          {"text", "attachments": [...]}
 *   GET  /api/v1/reviews                         review report, JSON or HTML
 * all in the tenant the call acts on; and the note every error answer of the
 * router makes of itself (order refusals, 5xx answers, refusal spikes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "platform/exceptions_internal.h"
#include "platform/inventory_internal.h"

#define EXCEPTIONS_PATH "/api/v1/exceptions"
#define EXCEPTIONS_PREFIX "/api/v1/exceptions/"
#define REVIEWS_PATH "/api/v1/reviews"
#define TRANSITION_SUFFIX "/transition"
#define REPORT_SUFFIX "/report"
#define HISTORY_MAX 200u
#define NUMBER_DIGITS_MAX 15u

/* ---- The note of error answers -------------------------------------------------- */

static bool order_refusal(const char *code)
{
    static const char *const codes[] = {"A1001", "A1002", "A1003", "A1004",
                                        "A4001", "A4002", "A4003", "A4004",
                                        "A7401"}; /* profile count limit (profile_limit.c) */
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

/* Refusals of one app add to their window's count (exception_detect.c)
 * from here: at the window's end, once the count known plus those noted
 * reach the threshold (so I5003 is raised by the call that reaches it, as
 * when each was added alone), at least once a second, and when the slot
 * is wanted or the API goes. A count is thus at most a second late, never
 * lost but in a crash, and a flood of refused calls costs the loop one
 * transaction a second per app instead of one each. */
#define REFUSALS_ADD_INTERVAL_MS 1000

static void refusals_add(platform_api *api, platform_api_refusal_tally *t)
{
    if (t->pending == 0)
        return;
    int64_t total = 0;
    /* the answers stand whatever this does; a failure drops the count */
    if (platform_exception_on_api_refusals(api->config.db, api->config.exceptions, &t->app,
                                           t->code, t->pending, t->last_ms, &total) == AW_OK)
        t->known = total;
    t->pending = 0;
    t->added_ms = t->last_ms;
}

static void note_refusal(api_call *call, const char *code)
{
    platform_api *api = call->api;
    platform_exception_policy defaults;
    const platform_exception_policy *policy =
        exception_policy_or_default(api->config.exceptions, &defaults);
    /* the app's slot, else a free one, else the one noted longest ago
     * (its count added first) */
    platform_api_refusal_tally *t = NULL, *oldest = &api->refusals[0];
    for (size_t i = 0; i < PLATFORM_API_REFUSAL_TALLIES && t == NULL; i++) {
        platform_api_refusal_tally *s = &api->refusals[i];
        if (strcmp(s->app.app_id, call->app.app_id) == 0)
            t = s;
        else if (s->app.app_id[0] == '\0' || s->last_ms < oldest->last_ms)
            oldest = s;
    }
    if (t == NULL) {
        if (oldest->app.app_id[0] != '\0')
            refusals_add(api, oldest);
        t = oldest;
        memset(t, 0, sizeof(*t));
        t->app = call->app;
        t->added_ms = call->now_ms;
    }
    int64_t window = call->now_ms - call->now_ms % policy->api_window_ms;
    if (t->window_ms != window) { /* the last window's, then a new count */
        refusals_add(api, t);
        t->window_ms = window;
        t->known = 0;
    }
    t->pending++;
    t->last_ms = call->now_ms;
    snprintf(t->code, sizeof(t->code), "%s", code);
    if ((t->known < policy->api_error_threshold &&
         t->known + t->pending >= policy->api_error_threshold) ||
        call->now_ms - t->added_ms >= REFUSALS_ADD_INTERVAL_MS)
        refusals_add(api, t);
}

void platform_api_exception_flush(platform_api *api)
{
    for (size_t i = 0; api != NULL && i < PLATFORM_API_REFUSAL_TALLIES; i++)
        if (api->refusals[i].app.app_id[0] != '\0')
            refusals_add(api, &api->refusals[i]);
}

void platform_api_exception_note(api_call *call, const platform_api_error_info *info)
{
    if (call == NULL || info == NULL || call->api == NULL || call->app.app_id[0] == '\0')
        return; /* no app known yet: nobody to link the signal to */
    /* the database busy or gone (I9002): recording there would only wait
     * out its timeout again on the loop thread */
    if (strcmp(info->code, "I9002") == 0)
        return;
    db_connection *db = call->api->config.db;
    const platform_exception_policy *policy = call->api->config.exceptions;
    /* the answer stands whatever the note does: a failing database here is
     * already the answer's own story (I9002) */
    if (info->error_class == PLATFORM_ERROR_CLASS_APPLICATION && order_refusal(info->code) &&
        http_request_method(call->request) == AW_HTTP_METHOD_POST &&
        strcmp(http_request_path(call->request), "/api/v1/orders") == 0)
        (void)platform_exception_on_order_refused(db, policy, &call->app, info->code,
                                                  call->now_ms);
    else if (info->error_class == PLATFORM_ERROR_CLASS_INTERFACE && info->http_status < 500)
        note_refusal(call, info->code); /* counted here, added now and then */
    else if (info->error_class == PLATFORM_ERROR_CLASS_INTERFACE)
        (void)platform_exception_on_api_error(db, policy, &call->app, info->code,
                                              info->http_status, call->now_ms);
}

/* ---- Answers ------------------------------------------------------------------- */

static void reply_exception_err(api_call *call, aw_err err)
{
    if (err == AW_ERR_PLATFORM_TRANSITION)
        platform_api_reply_error_details(call, PLATFORM_API_EXCEPTION_STATE, 0, NULL);
    else if (err == AW_ERR_ARGUMENT)
        platform_api_reply_error_details(call, PLATFORM_API_INVALID_FIELD, 0, NULL);
    else
        platform_api_reply_err(call, err);
}

static json_t *optional_string(const char *text)
{
    return text[0] != '\0' ? json_string(text) : json_null();
}

static json_t *exception_json(const platform_exception_policy *policy,
                              const platform_exception *e)
{
    int64_t deadline = platform_exception_deadline(policy, e);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, "
                     "s:I, s:I, s:I, s:o, s:o, s:o, s:b}",
                     "exceptionId", e->exception_id, "tenant", e->tenant, "class",
                     platform_error_class_name(e->error_class), "code", e->code, "grade",
                     platform_exception_grade_name(e->grade), "state", e->state, "source",
                     e->source, "cause", e->detail, "orderId", optional_string(e->order_id),
                     "eid", optional_string(e->eid), "iccid", optional_string(e->iccid),
                     "callbackId", optional_string(e->callback_id), "appId",
                     optional_string(e->app_id), "count", (json_int_t)e->count, "escalations",
                     (json_int_t)e->escalations, "firstSeen", (json_int_t)e->first_seen_ms,
                     "lastSeen", (json_int_t)e->last_seen_ms, "deadline",
                     deadline != 0 ? json_integer(deadline) : json_null(),
                     "resolvedAt",
                     e->resolved_at_ms != 0 ? json_integer(e->resolved_at_ms) : json_null(),
                     "closedAt", e->closed_at_ms != 0 ? json_integer(e->closed_at_ms) : json_null(),
                     "hasReport", e->has_report);
}

static const char *actor_of(const api_call *call)
{
    return call->username[0] != '\0' ? call->username : call->app.app_id;
}

/* ---- Query parameters ------------------------------------------------------------ */

static aw_err number_parameter(http_request *request, const char *name, int64_t *out)
{
    const char *value = NULL;
    aw_err err = http_request_query_parameter(request, name, &value);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    size_t n = err == AW_OK ? strlen(value) : 0;
    if (n == 0 || n > NUMBER_DIGITS_MAX || strspn(value, "0123456789") != n ||
        (value[0] == '0' && n > 1))
        return AW_ERR_PLATFORM_FIELD;
    *out = (int64_t)strtoll(value, NULL, 10);
    return AW_OK;
}

static aw_err list_query(http_request *request, platform_exception_filter *f, size_t *limit,
                         int64_t *after)
{
    static const char *const allowed[] = {"class", "grade", "state", "from",
                                          "to",    "limit", "cursor", NULL};
    memset(f, 0, sizeof(*f));
    *limit = PLATFORM_ITEMS_PAGE_DEFAULT;
    *after = 0;
    if (!inventory_query_names_allowed(http_request_query(request), allowed))
        return AW_ERR_PLATFORM_FIELD;
    const char *value = NULL;
    aw_err err = AW_OK;
    if (http_request_query_parameter(request, "class", &value) == AW_OK &&
        (f->error_class = platform_error_class_from_name(value)) == 0)
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK && http_request_query_parameter(request, "grade", &value) == AW_OK &&
        (f->grade = platform_exception_grade_from_name(value)) == 0)
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK && http_request_query_parameter(request, "state", &value) == AW_OK)
        f->state = value; /* checked by platform_exception_list */
    int64_t limit_value = (int64_t)*limit;
    if (err == AW_OK)
        err = number_parameter(request, "from", &f->from_ms);
    if (err == AW_OK)
        err = number_parameter(request, "to", &f->to_ms);
    if (err == AW_OK)
        err = number_parameter(request, "limit", &limit_value);
    if (err == AW_OK)
        err = number_parameter(request, "cursor", after);
    if (err == AW_OK && (limit_value < 1 || limit_value > PLATFORM_EXCEPTION_PAGE_MAX))
        err = AW_ERR_PLATFORM_FIELD;
    *limit = (size_t)limit_value;
    return err;
}

/* ---- Handlers -------------------------------------------------------------------- */

static void handle_list(api_call *call)
{
    platform_exception_filter filter;
    size_t limit = 0;
    int64_t after = 0;
    platform_exception *list = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = list_query(call->request, &filter, &limit, &after);
    if (err == AW_OK)
        err = platform_exception_list(call->api->config.db, call->app.tenant, &filter, after,
                                      limit, &list, &count, &more);
    if (err != AW_OK) {
        reply_exception_err(call, err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; items != NULL && i < count; i++)
        json_array_append_new(items, exception_json(call->api->config.exceptions, &list[i]));
    char cursor[24];
    if (more)
        snprintf(cursor, sizeof(cursor), "%lld", (long long)list[count - 1].seq);
    free(list);
    platform_api_reply_json(call, json_pack("{s:o, s:o}", "exceptions", items, "nextCursor",
                                            more ? json_string(cursor) : json_null()));
}

static void handle_get(api_call *call, const char *id)
{
    db_connection *db = call->api->config.db;
    platform_exception e;
    platform_exception_event *events = NULL;
    size_t event_count = 0, attachment_count = 0;
    char *text = NULL;
    platform_exception_attachment *attachments = NULL;
    aw_err err = platform_exception_get(db, call->app.tenant, id, &e);
    if (err == AW_OK)
        err = platform_exception_history(db, id, HISTORY_MAX, &events, &event_count);
    if (err == AW_OK)
        err = platform_exception_report_get(db, id, &text, &attachments, &attachment_count);
    if (err != AW_OK) {
        free(events);
        reply_exception_err(call, err);
        return;
    }
    json_t *root = exception_json(call->api->config.exceptions, &e);
    json_t *history = json_array();
    for (size_t i = 0; history != NULL && i < event_count; i++)
        json_array_append_new(
            history, json_pack("{s:o, s:s, s:s, s:s, s:s, s:I}", "from",
                               optional_string(events[i].from), "to", events[i].to, "grade",
                               platform_exception_grade_name(events[i].grade) != NULL
                                   ? platform_exception_grade_name(events[i].grade)
                                   : "general",
                               "actor", events[i].actor, "note", events[i].note, "at",
                               (json_int_t)events[i].at_ms));
    json_t *report = json_null();
    if (text != NULL) {
        json_t *files = json_array();
        for (size_t i = 0; files != NULL && i < attachment_count; i++)
            json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "name",
                                                   attachments[i].name, "contentType",
                                                   attachments[i].content_type, "size",
                                                   (json_int_t)attachments[i].size));
        json_decref(report);
        report = json_pack("{s:s, s:o}", "text", text, "attachments", files);
    }
    free(events);
    free(text);
    free(attachments);
    if (root != NULL) {
        json_object_set_new(root, "history", history != NULL ? history : json_array());
        json_object_set_new(root, "report", report != NULL ? report : json_null());
    } else {
        json_decref(history);
        json_decref(report);
    }
    platform_api_reply_json(call, root);
}

static void handle_transition(api_call *call, const char *id)
{
    static const char *const allowed[] = {"to", "note", NULL};
    json_t *body = NULL;
    aw_err err = platform_json_parse_object(call->body, call->body_len, PLATFORM_JSON_MAX_BODY,
                                            allowed, &body);
    const char *to = NULL, *note = NULL;
    if (err == AW_OK) {
        json_t *to_value = json_object_get(body, "to");
        json_t *note_value = json_object_get(body, "note");
        to = json_string_value(to_value);
        note = note_value != NULL ? json_string_value(note_value) : "";
        if (to == NULL || note == NULL || strlen(note) > PLATFORM_EXCEPTION_NOTE_MAX)
            err = AW_ERR_PLATFORM_FIELD;
    }
    platform_exception e;
    if (err == AW_OK)
        err = platform_exception_transition(call->api->config.db, call->app.tenant, id, to,
                                            actor_of(call), note, call->now_ms, &e);
    if (err == AW_OK)
        (void)platform_api_audit(call, "exception.transition", id, AUDIT_OUTCOME_SUCCESS, NULL);
    json_decref(body);
    if (err != AW_OK) {
        reply_exception_err(call, err);
        return;
    }
    platform_api_reply_json(call, exception_json(call->api->config.exceptions, &e));
}

/* The attachments of a report body, decoded into one allocation each. */
static aw_err report_attachments(json_t *list, exception_report_body *out)
{
    if (list == NULL)
        return AW_OK;
    if (!json_is_array(list))
        return AW_ERR_PLATFORM_FIELD;
    if (json_array_size(list) > PLATFORM_EXCEPTION_ATTACHMENTS_MAX)
        return AW_ERR_PLATFORM_REPORT_LIMIT;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        platform_exception_attachment *a = &out->attachments[i];
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *type = json_string_value(json_object_get(item, "contentType"));
        const char *text = json_string_value(json_object_get(item, "data"));
        if (!json_is_object(item) || json_object_size(item) != 3 || name == NULL ||
            type == NULL || text == NULL || name[0] == '\0' ||
            strlen(name) > PLATFORM_EXCEPTION_ATTACHMENT_NAME_MAX || type[0] == '\0' ||
            strlen(type) >= sizeof(a->content_type))
            return AW_ERR_PLATFORM_FIELD;
        size_t text_len = json_string_length(json_object_get(item, "data"));
        size_t cap = aw_base64_decoded_max(text_len) + 1;
        /* base64 of the largest attachment, padding included */
        if (cap > PLATFORM_EXCEPTION_ATTACHMENT_MAX + 3)
            return AW_ERR_PLATFORM_REPORT_LIMIT;
        out->data[i] = malloc(cap);
        if (out->data[i] == NULL)
            return AW_ERR_NOMEM;
        out->count = i + 1;
        size_t size = 0;
        if (strlen(text) != text_len ||
            aw_base64_decode(text, text_len, out->data[i], cap, &size) != AW_OK)
            return AW_ERR_PLATFORM_FIELD;
        snprintf(a->name, sizeof(a->name), "%s", name);
        snprintf(a->content_type, sizeof(a->content_type), "%s", type);
        a->data = out->data[i];
        a->size = size;
    }
    return AW_OK;
}

void exception_report_body_clear(exception_report_body *body)
{
    for (size_t i = 0; i < PLATFORM_EXCEPTION_ATTACHMENTS_MAX; i++)
        free(body->data[i]);
    json_decref(body->root);
    memset(body, 0, sizeof(*body));
}

aw_err exception_report_body_parse(const uint8_t *body, size_t len, exception_report_body *out)
{
    static const char *const allowed[] = {"text", "attachments", NULL};
    memset(out, 0, sizeof(*out));
    aw_err err = platform_json_parse_object(body, len, PLATFORM_EXCEPTION_REPORT_BODY_MAX,
                                            allowed, &out->root);
    json_t *text = err == AW_OK ? json_object_get(out->root, "text") : NULL;
    out->text = json_string_value(text);
    /* the text is stored as a C string: no NUL inside */
    if (err == AW_OK && (out->text == NULL || strlen(out->text) != json_string_length(text)))
        err = AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK)
        err = report_attachments(json_object_get(out->root, "attachments"), out);
    if (err != AW_OK)
        exception_report_body_clear(out);
    return err;
}

static bool content_type_json(const char *value)
{
    static const char type[] = "application/json";
    if (value == NULL || strncmp(value, type, sizeof(type) - 1) != 0)
        return false;
    char next = value[sizeof(type) - 1];
    return next == '\0' || next == ';' || next == ' ';
}

static void handle_report(api_call *call, const char *id)
{
    /* the chain only signs over this body: its bound is the report's own */
    if (call->body_len > PLATFORM_EXCEPTION_REPORT_BODY_MAX) {
        platform_api_reply_error_details(call, PLATFORM_API_BODY_TOO_LARGE, 0, NULL);
        return;
    }
    if (!content_type_json(http_request_header(call->request, "Content-Type"))) {
        platform_api_reply_error_details(call, PLATFORM_API_UNSUPPORTED_MEDIA_TYPE, 0, NULL);
        return;
    }
    exception_report_body parsed;
    aw_err err = exception_report_body_parse(call->body, call->body_len, &parsed);
    if (err == AW_OK) { /* a failed parse cleared itself */
        err = platform_exception_report(call->api->config.db, call->app.tenant, id,
                                        actor_of(call), parsed.text, parsed.attachments,
                                        parsed.count, call->now_ms);
        exception_report_body_clear(&parsed);
    }
    if (err == AW_OK)
        (void)platform_api_audit(call, "exception.report", id, AUDIT_OUTCOME_SUCCESS, NULL);
    platform_exception e;
    if (err == AW_OK)
        err = platform_exception_get(call->api->config.db, call->app.tenant, id, &e);
    if (err != AW_OK) {
        reply_exception_err(call, err);
        return;
    }
    platform_api_reply_json(call, exception_json(call->api->config.exceptions, &e));
}

static void handle_reviews(api_call *call)
{
    static const char *const allowed[] = {"period", "from", "to", "format", NULL};
    http_request *request = call->request;
    const char *period = NULL, *format = NULL;
    int64_t from = -1, to = -1;
    aw_err err = inventory_query_names_allowed(http_request_query(request), allowed)
                     ? AW_OK
                     : AW_ERR_PLATFORM_FIELD;
    if (err == AW_OK && http_request_query_parameter(request, "format", &format) != AW_OK)
        format = "json"; /* the default */
    if (err == AW_OK && strcmp(format, "json") != 0 && strcmp(format, "html") != 0)
        err = AW_ERR_PLATFORM_FIELD;
    bool has_period = err == AW_OK &&
                      http_request_query_parameter(request, "period", &period) == AW_OK;
    if (err == AW_OK)
        err = number_parameter(request, "from", &from);
    if (err == AW_OK)
        err = number_parameter(request, "to", &to);
    /* weekly and monthly end now; a custom period names both ends */
    if (err == AW_OK && has_period && strcmp(period, "weekly") == 0 && from < 0 && to < 0) {
        to = call->now_ms;
        from = to - PLATFORM_WEEK_MS;
    } else if (err == AW_OK && has_period && strcmp(period, "monthly") == 0 && from < 0 &&
               to < 0) {
        to = call->now_ms;
        from = to - PLATFORM_MONTH_MS;
    } else if (err == AW_OK && (has_period || from < 0 || to < 0)) {
        err = AW_ERR_PLATFORM_FIELD;
    }
    platform_review *review = NULL;
    if (err == AW_OK)
        err = platform_review_build(call->api->config.db, call->app.tenant, from, to,
                                    call->now_ms, &review);
    if (err != AW_OK) {
        reply_exception_err(call, err);
        return;
    }
    if (strcmp(format, "json") == 0) {
        platform_api_reply_json(call, platform_review_json(review));
        platform_review_free(review);
        return;
    }
    char *html = NULL;
    size_t len = 0;
    err = platform_review_html(review, &html, &len);
    platform_review_free(review);
    if (err != AW_OK) {
        platform_api_reply_err(call, err);
        return;
    }
    http_request_set_status(request, 200);
    (void)http_request_add_header(request, "Content-Type", "text/html; charset=utf-8");
    (void)http_request_add_header(request, "Cache-Control", "no-store");
    if (http_request_set_body(request, html, len) != AW_OK)
        http_request_set_status(request, 500);
    free(html);
}

/* ---- Dispatch ------------------------------------------------------------------------ */

typedef enum route {
    ROUTE_LIST,
    ROUTE_GET,
    ROUTE_TRANSITION,
    ROUTE_REPORT,
    ROUTE_REVIEWS,
} route;

/* The route of path and its id; false for a path not ours. */
static bool route_of(const char *path, route *r, char id[PLATFORM_EXCEPTION_ID_LENGTH + 1])
{
    id[0] = '\0';
    if (strcmp(path, EXCEPTIONS_PATH) == 0) {
        *r = ROUTE_LIST;
        return true;
    }
    if (strcmp(path, REVIEWS_PATH) == 0) {
        *r = ROUTE_REVIEWS;
        return true;
    }
    if (strncmp(path, EXCEPTIONS_PREFIX, sizeof(EXCEPTIONS_PREFIX) - 1) != 0)
        return false;
    const char *start = path + sizeof(EXCEPTIONS_PREFIX) - 1;
    size_t len = strcspn(start, "/");
    const char *rest = start + len;
    if (len == 0 || len > PLATFORM_EXCEPTION_ID_LENGTH)
        return false;
    if (*rest == '\0')
        *r = ROUTE_GET;
    else if (strcmp(rest, TRANSITION_SUFFIX) == 0)
        *r = ROUTE_TRANSITION;
    else if (strcmp(rest, REPORT_SUFFIX) == 0)
        *r = ROUTE_REPORT;
    else
        return false;
    memcpy(id, start, len);
    id[len] = '\0';
    return true;
}

bool platform_api_exceptions_dispatch(platform_api *api, http_request *request)
{
    route r;
    char id[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    if (http_request_allowed_methods(request) != 0 || !route_of(http_request_path(request), &r, id))
        return false;
    bool post = r == ROUTE_TRANSITION || r == ROUTE_REPORT;
    aw_http_method method = post ? AW_HTTP_METHOD_POST : AW_HTTP_METHOD_GET;
    if (http_request_method(request) != method) {
        platform_api_reply_method_not_allowed(api, request, http_method_name(method));
        return true;
    }
    api_call call;
    platform_api_body body =
        r == ROUTE_TRANSITION ? PLATFORM_API_BODY_JSON : PLATFORM_API_BODY_NONE;
    if (!platform_api_run_chain(api, request, &call, body, true))
        return true;
    switch (r) {
    case ROUTE_LIST: handle_list(&call); break;
    case ROUTE_GET: handle_get(&call, id); break;
    case ROUTE_TRANSITION: handle_transition(&call, id); break;
    case ROUTE_REPORT: handle_report(&call, id); break;
    case ROUTE_REVIEWS: handle_reviews(&call); break;
    }
    return true;
}
