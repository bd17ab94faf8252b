/* airwrite platform: reading and handling graded exceptions (异常处理,
 * docs/exceptions.md): get, list with filters, history, the state machine
 * open -> acknowledged -> handling -> resolved -> closed (reviewed) with
 * resolved -> handling (reopened), each transition recorded with actor,
 * note and time, and the report (text and attachments) that a serious
 * (重大) or critical (特别重大) exception needs before it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/exceptions_internal.h"

static const struct {
    const char *from, *to;
} transitions[] = {
    {"open", "acknowledged"},  {"acknowledged", "handling"}, {"handling", "resolved"},
    {"resolved", "handling"},  {"resolved", "closed"},
};

static bool state_known(const char *state)
{
    static const char *const states[] = {"open", "acknowledged", "handling", "resolved",
                                         "closed"};
    for (size_t i = 0; state != NULL && i < 5; i++)
        if (strcmp(state, states[i]) == 0)
            return true;
    return false;
}

static bool transition_allowed(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        if (strcmp(transitions[i].from, from) == 0 && strcmp(transitions[i].to, to) == 0)
            return true;
    return false;
}

static bool id_valid(const char *id)
{
    if (id == NULL || strlen(id) != PLATFORM_EXCEPTION_ID_LENGTH || strncmp(id, "exc_", 4) != 0)
        return false;
    for (size_t i = 4; i < PLATFORM_EXCEPTION_ID_LENGTH; i++)
        if (strchr("0123456789abcdef", id[i]) == NULL)
            return false;
    return true;
}

aw_err platform_exception_get(db_connection *db, const char *tenant, const char *exception_id,
                              platform_exception *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || tenant == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (!id_valid(exception_id))
        return AW_ERR_PLATFORM_EXCEPTION_UNKNOWN;
    db_param key[] = {DB_PARAM_TEXT(exception_id), DB_PARAM_TEXT(tenant)};
    db_rows *rows = NULL;
    bool found = false;
    aw_err err = db_query(db,
                          "SELECT " EXCEPTION_COLUMNS
                          " FROM platform_exceptions WHERE exception_id = ? AND tenant = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_PLATFORM_EXCEPTION_UNKNOWN;
    if (err == AW_OK)
        err = exception_read_row(rows, out);
    db_rows_free(rows);
    return err;
}

aw_err platform_exception_list(db_connection *db, const char *tenant,
                               const platform_exception_filter *filter, int64_t after,
                               size_t limit, platform_exception **list, size_t *count,
                               bool *more)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    if (db == NULL || tenant == NULL || list == NULL || count == NULL || more == NULL)
        return AW_ERR_ARGUMENT;
    platform_exception_filter none = {0};
    const platform_exception_filter *f = filter != NULL ? filter : &none;
    if (limit == 0 || limit > PLATFORM_EXCEPTION_PAGE_MAX || after < 0 || f->from_ms < 0 ||
        f->to_ms < 0 || (f->state != NULL && !state_known(f->state)) ||
        (f->error_class != 0 && platform_error_class_name(f->error_class) == NULL) ||
        (f->grade != 0 && platform_exception_grade_name(f->grade) == NULL))
        return AW_ERR_PLATFORM_FIELD;
    /* every filter is always bound; an unused one matches everything */
    db_param params[] = {DB_PARAM_TEXT(tenant),
                         DB_PARAM_INT64(after),
                         DB_PARAM_INT64(after),
                         DB_PARAM_INT64(f->error_class),
                         DB_PARAM_INT64(f->error_class),
                         DB_PARAM_INT64(f->grade),
                         DB_PARAM_INT64(f->grade),
                         DB_PARAM_TEXT(f->state != NULL ? f->state : ""),
                         DB_PARAM_TEXT(f->state != NULL ? f->state : ""),
                         DB_PARAM_INT64(f->from_ms),
                         DB_PARAM_INT64(f->to_ms),
                         DB_PARAM_INT64(f->to_ms),
                         DB_PARAM_INT64((int64_t)limit + 1)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT " EXCEPTION_COLUMNS " FROM platform_exceptions WHERE tenant = ? "
                          "AND (? = 0 OR seq < ?) AND (? = 0 OR error_class = ?) "
                          "AND (? = 0 OR grade = ?) AND (? = '' OR state = ?) "
                          "AND first_seen >= ? AND (? = 0 OR first_seen < ?) "
                          "ORDER BY seq DESC LIMIT ?",
                          params, sizeof(params) / sizeof(params[0]), &rows);
    platform_exception *items = err == AW_OK ? calloc(limit, sizeof(*items)) : NULL;
    if (err == AW_OK && items == NULL)
        err = AW_ERR_NOMEM;
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        if (n == limit) {
            *more = true;
            break;
        }
        err = exception_read_row(rows, &items[n]);
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(items);
        *more = false;
        return err;
    }
    *list = items;
    *count = n;
    return AW_OK;
}

aw_err platform_exception_history(db_connection *db, const char *exception_id, size_t max,
                                  platform_exception_event **events, size_t *count)
{
    if (events != NULL)
        *events = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || exception_id == NULL || events == NULL || count == NULL || max == 0)
        return AW_ERR_ARGUMENT;
    db_param params[] = {DB_PARAM_TEXT(exception_id), DB_PARAM_INT64((int64_t)max)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT from_state, to_state, grade, actor, note, at FROM "
                          "platform_exception_history WHERE exception_id = ? ORDER BY id LIMIT ?",
                          params, 2, &rows);
    platform_exception_event *list = err == AW_OK ? calloc(max, sizeof(*list)) : NULL;
    if (err == AW_OK && list == NULL)
        err = AW_ERR_NOMEM;
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        platform_exception_event *e = &list[n];
        const char *text = NULL;
        int64_t grade = 0;
        if (db_rows_column_type(rows, 0) != DB_TYPE_NULL &&
            db_rows_get_text(rows, 0, &text) == AW_OK)
            exception_copy_text(e->from, sizeof(e->from), text);
        if ((err = db_rows_get_text(rows, 1, &text)) == AW_OK)
            exception_copy_text(e->to, sizeof(e->to), text);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 2, &grade);
        if (err == AW_OK && (err = db_rows_get_text(rows, 3, &text)) == AW_OK)
            exception_copy_text(e->actor, sizeof(e->actor), text);
        if (err == AW_OK && (err = db_rows_get_text(rows, 4, &text)) == AW_OK)
            exception_copy_text(e->note, sizeof(e->note), text);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &e->at_ms);
        e->grade = (platform_exception_grade)grade;
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(list);
        return err;
    }
    *events = list;
    *count = n;
    return AW_OK;
}

/* ---- Transitions ----------------------------------------------------------------- */

typedef struct transition_args {
    const char *tenant, *exception_id, *to, *actor, *note;
    int64_t now_ms;
    platform_exception *out;
} transition_args;

static aw_err transition_in(db_connection *db, void *arg)
{
    transition_args *a = arg;
    platform_exception e;
    aw_err err = platform_exception_get(db, a->tenant, a->exception_id, &e);
    if (err != AW_OK)
        return err;
    if (!transition_allowed(e.state, a->to))
        return AW_ERR_PLATFORM_TRANSITION;
    /* 重大 and 特别重大 close only with their report (docs/exceptions.md) */
    if (strcmp(a->to, "closed") == 0 && e.grade >= PLATFORM_GRADE_SERIOUS && !e.has_report)
        return AW_ERR_PLATFORM_EXCEPTION_REPORT;
    bool unresolved = exception_state_unresolved(a->to);
    int64_t resolved_at = strcmp(a->to, "resolved") == 0 ? a->now_ms : e.resolved_at_ms;
    int64_t closed_at = strcmp(a->to, "closed") == 0 ? a->now_ms : 0;
    char key[PLATFORM_ENTITY_ID_MAX + 32];
    snprintf(key, sizeof(key), "%c:%s:%s", e.code[0], e.code, e.object);
    /* a reopened exception takes its deduplication key back unless a newer
     * one about the same object holds it now */
    int64_t holders = 0;
    db_param holder[] = {DB_PARAM_TEXT(e.tenant), DB_PARAM_TEXT(key)};
    if (unresolved)
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_exceptions WHERE tenant = ? AND "
                             "active_key = ?",
                             holder, 2, &holders);
    db_param params[] = {DB_PARAM_TEXT(a->to),
                         unresolved && holders == 0 ? DB_PARAM_TEXT(key) : DB_PARAM_NULL,
                         DB_PARAM_INT64(a->now_ms),
                         DB_PARAM_INT64(resolved_at),
                         DB_PARAM_INT64(closed_at),
                         DB_PARAM_TEXT(e.exception_id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_exceptions SET state = ?, active_key = ?, "
                         "state_since = ?, "
                         "resolved_at = ?, closed_at = ? WHERE exception_id = ?",
                         params, 6, NULL);
    if (err == AW_OK)
        err = exception_history_add(db, e.exception_id, e.state, a->to, e.grade, a->actor,
                                    a->note, a->now_ms);
    if (err == AW_OK && a->out != NULL)
        err = platform_exception_get(db, a->tenant, a->exception_id, a->out);
    return err;
}

aw_err platform_exception_transition(db_connection *db, const char *tenant,
                                     const char *exception_id, const char *to,
                                     const char *actor, const char *note, int64_t now_ms,
                                     platform_exception *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || tenant == NULL || !state_known(to) || actor == NULL || actor[0] == '\0' ||
        strlen(actor) > PLATFORM_ACTOR_MAX ||
        (note != NULL && strlen(note) > PLATFORM_EXCEPTION_NOTE_MAX))
        return AW_ERR_ARGUMENT;
    /* the state's time limit runs from now_ms under the sweep's policy
     * (platform_exception_escalate) */
    transition_args a = {.tenant = tenant, .exception_id = exception_id,
                         .to = to, .actor = actor, .note = note != NULL ? note : "",
                         .now_ms = now_ms, .out = out};
    return platform_in_transaction(db, transition_in, &a);
}

/* ---- Reports ----------------------------------------------------------------------- */

typedef struct report_args {
    const char *tenant, *exception_id, *actor, *text;
    const platform_exception_attachment *attachments;
    size_t count;
    int64_t now_ms;
} report_args;

static aw_err report_in(db_connection *db, void *arg)
{
    report_args *a = arg;
    platform_exception e;
    aw_err err = platform_exception_get(db, a->tenant, a->exception_id, &e);
    if (err != AW_OK)
        return err;
    if (strcmp(e.state, "closed") == 0)
        return AW_ERR_PLATFORM_TRANSITION;
    db_param key[] = {DB_PARAM_TEXT(e.exception_id)};
    err = db_execute(db, "DELETE FROM platform_exception_attachments WHERE exception_id = ?", key,
                     1, NULL);
    for (size_t i = 0; err == AW_OK && i < a->count; i++) {
        const platform_exception_attachment *at = &a->attachments[i];
        db_param row[] = {DB_PARAM_TEXT(e.exception_id), DB_PARAM_INT64((int64_t)i + 1),
                          DB_PARAM_TEXT(at->name), DB_PARAM_TEXT(at->content_type),
                          DB_PARAM_BLOB(at->data != NULL ? at->data : (const uint8_t *)"",
                                        at->size)};
        err = db_execute(db,
                         "INSERT INTO platform_exception_attachments (exception_id, position, "
                         "name, content_type, data) VALUES (?, ?, ?, ?, ?)",
                         row, 5, NULL);
    }
    db_param report[] = {DB_PARAM_TEXT(a->text), DB_PARAM_TEXT(a->actor),
                         DB_PARAM_INT64(a->now_ms), DB_PARAM_TEXT(e.exception_id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_exceptions SET report_text = ?, report_actor = ?, "
                         "report_at = ? WHERE exception_id = ?",
                         report, 4, NULL);
    char note[64];
    snprintf(note, sizeof(note), "report submitted (%zu attachments)", a->count);
    if (err == AW_OK)
        err = exception_history_add(db, e.exception_id, e.state, e.state, e.grade, a->actor,
                                    note, a->now_ms);
    return err;
}

aw_err platform_exception_report(db_connection *db, const char *tenant,
                                 const char *exception_id, const char *actor, const char *text,
                                 const platform_exception_attachment *attachments,
                                 size_t attachment_count, int64_t now_ms)
{
    if (db == NULL || tenant == NULL || actor == NULL || actor[0] == '\0' ||
        strlen(actor) > PLATFORM_ACTOR_MAX || text == NULL ||
        (attachment_count > 0 && attachments == NULL))
        return AW_ERR_ARGUMENT;
    size_t text_len = strlen(text);
    if (text_len == 0 || text_len > PLATFORM_EXCEPTION_REPORT_TEXT_MAX ||
        attachment_count > PLATFORM_EXCEPTION_ATTACHMENTS_MAX)
        return AW_ERR_PLATFORM_REPORT_LIMIT;
    for (size_t i = 0; i < attachment_count; i++) {
        if (attachments[i].name[0] == '\0' || attachments[i].content_type[0] == '\0')
            return AW_ERR_ARGUMENT;
        if (attachments[i].size > PLATFORM_EXCEPTION_ATTACHMENT_MAX)
            return AW_ERR_PLATFORM_REPORT_LIMIT;
    }
    report_args a = {.tenant = tenant, .exception_id = exception_id, .actor = actor,
                     .text = text, .attachments = attachments, .count = attachment_count,
                     .now_ms = now_ms};
    return platform_in_transaction(db, report_in, &a);
}

aw_err platform_exception_report_get(db_connection *db, const char *exception_id, char **text,
                                     platform_exception_attachment **attachments,
                                     size_t *count)
{
    if (text != NULL)
        *text = NULL;
    if (attachments != NULL)
        *attachments = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || exception_id == NULL || text == NULL || attachments == NULL ||
        count == NULL)
        return AW_ERR_ARGUMENT;
    db_param key[] = {DB_PARAM_TEXT(exception_id)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT report_text FROM platform_exceptions WHERE exception_id = ? "
                          "AND report_at > 0",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    const char *value = NULL;
    if (err == AW_OK && has_row && (err = db_rows_get_text(rows, 0, &value)) == AW_OK) {
        *text = strdup(value);
        if (*text == NULL)
            err = AW_ERR_NOMEM;
    }
    db_rows_free(rows);
    if (err != AW_OK || !has_row)
        return err;
    platform_exception_attachment *list =
        calloc(PLATFORM_EXCEPTION_ATTACHMENTS_MAX, sizeof(*list));
    if (list == NULL)
        err = AW_ERR_NOMEM;
    rows = NULL;
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT name, content_type, LENGTH(data) FROM "
                       "platform_exception_attachments WHERE exception_id = ? ORDER BY position",
                       key, 1, &rows);
    size_t n = 0;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row &&
           n < PLATFORM_EXCEPTION_ATTACHMENTS_MAX) {
        int64_t size = 0;
        if ((err = db_rows_get_text(rows, 0, &value)) == AW_OK)
            exception_copy_text(list[n].name, sizeof(list[n].name), value);
        if (err == AW_OK && (err = db_rows_get_text(rows, 1, &value)) == AW_OK)
            exception_copy_text(list[n].content_type, sizeof(list[n].content_type), value);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 2, &size);
        list[n].size = (size_t)size;
        if (err == AW_OK)
            n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(list);
        if (err != AW_OK) {
            free(*text);
            *text = NULL;
        }
        return err;
    }
    *attachments = list;
    *count = n;
    return AW_OK;
}
