/* airwrite platform: periodic review (复盘) reports of graded exceptions
 * (《物联网 eSIM 空中写卡技术应用服务规范》 异常处理, issue 7;
 * docs/exceptions.md "Review report"): over the exceptions a tenant first
 * saw in a period, counts by class, grade and state, time to handle (first
 * seen -> resolved: mean and nearest-rank 95th percentile), the overdue
 * ones (escalated at least once) and the top causes, as JSON and as one
 * HTML page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/exceptions_internal.h"

static const char *const state_names[] = {"open", "acknowledged", "handling", "resolved",
                                          "closed"};

void platform_review_free(platform_review *review)
{
    if (review == NULL)
        return;
    free(review->causes);
    free(review->overdue_list);
    free(review);
}

static int compare_durations(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int compare_causes(const void *a, const void *b)
{
    const platform_review_cause *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->code, y->code);
}

/* Count one exception into the review. */
static aw_err review_add(platform_review *r, const platform_exception *e, int64_t **durations,
                         size_t *duration_count, size_t *duration_cap, size_t *cause_cap)
{
    r->total++;
    r->by_class[e->error_class - 1]++;
    r->by_grade[e->grade - 1]++;
    for (size_t i = 0; i < 5; i++)
        if (strcmp(e->state, state_names[i]) == 0)
            r->by_state[i]++;
    bool resolved = strcmp(e->state, "resolved") == 0 || strcmp(e->state, "closed") == 0;
    if (resolved && e->resolved_at_ms > 0) {
        r->resolved++;
        if (*duration_count == *duration_cap) {
            size_t cap = *duration_cap != 0 ? *duration_cap * 2 : 64;
            int64_t *grown = realloc(*durations, cap * sizeof(**durations));
            if (grown == NULL)
                return AW_ERR_NOMEM;
            *durations = grown;
            *duration_cap = cap;
        }
        (*durations)[(*duration_count)++] = e->resolved_at_ms - e->first_seen_ms;
    }
    if (e->escalations > 0) {
        r->overdue++;
        if (r->overdue_count < PLATFORM_REVIEW_OVERDUE_MAX)
            r->overdue_list[r->overdue_count++] = *e;
    }
    size_t i = 0;
    while (i < r->cause_count && strcmp(r->causes[i].code, e->code) != 0)
        i++;
    if (i == r->cause_count) {
        if (r->cause_count == *cause_cap) {
            size_t cap = *cause_cap != 0 ? *cause_cap * 2 : 16;
            platform_review_cause *grown = realloc(r->causes, cap * sizeof(*grown));
            if (grown == NULL)
                return AW_ERR_NOMEM;
            r->causes = grown;
            *cause_cap = cap;
        }
        memset(&r->causes[i], 0, sizeof(r->causes[i]));
        snprintf(r->causes[i].code, sizeof(r->causes[i].code), "%s", e->code);
        r->cause_count++;
    }
    r->causes[i].count++;
    r->causes[i].signals += e->count;
    return AW_OK;
}

aw_err platform_review_build(db_connection *db, const char *tenant, int64_t from_ms,
                             int64_t to_ms, int64_t now_ms, platform_review **out)
{
    if (out != NULL)
        *out = NULL;
    if (db == NULL || tenant == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (from_ms < 0 || to_ms <= from_ms)
        return AW_ERR_PLATFORM_FIELD;
    platform_review *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return AW_ERR_NOMEM;
    snprintf(r->tenant, sizeof(r->tenant), "%s", tenant);
    r->from_ms = from_ms;
    r->to_ms = to_ms;
    r->generated_at_ms = now_ms;
    r->overdue_list = calloc(PLATFORM_REVIEW_OVERDUE_MAX, sizeof(*r->overdue_list));
    aw_err err = r->overdue_list != NULL ? AW_OK : AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_INT64(from_ms), DB_PARAM_INT64(to_ms)};
    db_rows *rows = NULL;
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT " EXCEPTION_COLUMNS " FROM platform_exceptions WHERE tenant = ? "
                       "AND first_seen >= ? AND first_seen < ? ORDER BY seq",
                       params, 3, &rows);
    int64_t *durations = NULL;
    size_t duration_count = 0, duration_cap = 0, cause_cap = 0;
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row) {
        platform_exception e;
        err = exception_read_row(rows, &e);
        if (err == AW_OK)
            err = review_add(r, &e, &durations, &duration_count, &duration_cap, &cause_cap);
    }
    db_rows_free(rows);
    if (err == AW_OK && duration_count > 0) {
        qsort(durations, duration_count, sizeof(*durations), compare_durations);
        int64_t sum = 0;
        for (size_t i = 0; i < duration_count; i++)
            sum += durations[i];
        r->handle_mean_ms = sum / (int64_t)duration_count;
        /* nearest rank: the ceil(0.95 n)-th smallest */
        size_t rank = (duration_count * 95 + 99) / 100;
        r->handle_p95_ms = durations[rank - 1];
    }
    free(durations);
    if (err == AW_OK && r->cause_count > 1)
        qsort(r->causes, r->cause_count, sizeof(*r->causes), compare_causes);
    if (err != AW_OK) {
        platform_review_free(r);
        return err;
    }
    *out = r;
    return AW_OK;
}

json_t *platform_review_json(const platform_review *r)
{
    if (r == NULL)
        return NULL;
    json_t *by_class = json_object(), *by_grade = json_object(), *by_state = json_object();
    json_t *causes = json_array(), *overdue = json_array();
    for (size_t i = 0; by_class != NULL && by_grade != NULL && i < 4; i++) {
        json_object_set_new(by_class, platform_error_class_name((platform_error_class)(i + 1)),
                            json_integer(r->by_class[i]));
        json_object_set_new(by_grade,
                            platform_exception_grade_name((platform_exception_grade)(i + 1)),
                            json_integer(r->by_grade[i]));
    }
    for (size_t i = 0; by_state != NULL && i < 5; i++)
        json_object_set_new(by_state, state_names[i], json_integer(r->by_state[i]));
    for (size_t i = 0; causes != NULL && i < r->cause_count && i < PLATFORM_REVIEW_TOP_CAUSES;
         i++)
        json_array_append_new(
            causes, json_pack("{s:s, s:s, s:I, s:I}", "code", r->causes[i].code, "class",
                              platform_error_class_name(exception_class_of_code(r->causes[i].code)),
                              "exceptions", (json_int_t)r->causes[i].count, "signals",
                              (json_int_t)r->causes[i].signals));
    for (size_t i = 0; overdue != NULL && i < r->overdue_count; i++) {
        const platform_exception *e = &r->overdue_list[i];
        json_array_append_new(
            overdue,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "exceptionId", e->exception_id,
                      "class", platform_error_class_name(e->error_class), "code", e->code,
                      "grade", platform_exception_grade_name(e->grade), "state", e->state,
                      "escalations", (json_int_t)e->escalations, "firstSeen",
                      (json_int_t)e->first_seen_ms));
    }
    json_t *root = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:o*, s:o*, s:o*, s:I, s:{s:I, s:I}, s:I, s:o*, s:o*}",
        "tenant", r->tenant, "from", (json_int_t)r->from_ms, "to", (json_int_t)r->to_ms,
        "generatedAt", (json_int_t)r->generated_at_ms, "total", (json_int_t)r->total, "byClass",
        by_class, "byGrade", by_grade, "byState", by_state, "resolved", (json_int_t)r->resolved,
        "timeToHandle", "meanMs", (json_int_t)r->handle_mean_ms, "p95Ms",
        (json_int_t)r->handle_p95_ms, "overdue", (json_int_t)r->overdue, "overdueItems",
        overdue, "topCauses", causes);
    return root;
}

/* text with &, <, >, " escaped (HTML 4.01 / 5 character references). */
static void html_text(FILE *f, const char *text)
{
    for (; *text != '\0'; text++) {
        switch (*text) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*text, f);
        }
    }
}

static void html_row(FILE *f, const char *label, int64_t value)
{
    fputs("<tr><th>", f);
    html_text(f, label);
    fprintf(f, "</th><td>%lld</td></tr>\n", (long long)value);
}

aw_err platform_review_html(const platform_review *r, char **html, size_t *len)
{
    if (html != NULL)
        *html = NULL;
    if (len != NULL)
        *len = 0;
    if (r == NULL || html == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    char *buffer = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buffer, &size);
    if (f == NULL)
        return AW_ERR_NOMEM;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<title>异常复盘报告 / Exception review</title></head><body>\n"
          "<h1>异常复盘报告 / Exception review</h1>\n<p>tenant <span id=\"tenant\">",
          f);
    html_text(f, r->tenant);
    fprintf(f, "</span>, from <span id=\"from\">%lld</span> to <span id=\"to\">%lld</span> "
               "(ms since the Unix epoch), generated %lld</p>\n",
            (long long)r->from_ms, (long long)r->to_ms, (long long)r->generated_at_ms);
    fputs("<h2>总数 / Totals</h2>\n<table id=\"totals\">\n", f);
    html_row(f, "total", r->total);
    html_row(f, "resolved", r->resolved);
    html_row(f, "overdue", r->overdue);
    html_row(f, "meanMs", r->handle_mean_ms);
    html_row(f, "p95Ms", r->handle_p95_ms);
    fputs("</table>\n<h2>按类别 / By class</h2>\n<table id=\"byClass\">\n", f);
    for (size_t i = 0; i < 4; i++)
        html_row(f, platform_error_class_name((platform_error_class)(i + 1)), r->by_class[i]);
    fputs("</table>\n<h2>按等级 / By grade</h2>\n<table id=\"byGrade\">\n", f);
    for (size_t i = 0; i < 4; i++)
        html_row(f, platform_exception_grade_name((platform_exception_grade)(i + 1)),
                 r->by_grade[i]);
    fputs("</table>\n<h2>按状态 / By state</h2>\n<table id=\"byState\">\n", f);
    for (size_t i = 0; i < 5; i++)
        html_row(f, state_names[i], r->by_state[i]);
    fputs("</table>\n<h2>主要原因 / Top causes</h2>\n<table id=\"topCauses\">\n"
          "<tr><th>code</th><th>exceptions</th><th>signals</th></tr>\n",
          f);
    for (size_t i = 0; i < r->cause_count && i < PLATFORM_REVIEW_TOP_CAUSES; i++) {
        fputs("<tr><td>", f);
        html_text(f, r->causes[i].code);
        fprintf(f, "</td><td>%lld</td><td>%lld</td></tr>\n", (long long)r->causes[i].count,
                (long long)r->causes[i].signals);
    }
    fputs("</table>\n<h2>超时 / Overdue</h2>\n<table id=\"overdueItems\">\n"
          "<tr><th>exception</th><th>code</th><th>grade</th><th>state</th>"
          "<th>escalations</th></tr>\n",
          f);
    for (size_t i = 0; i < r->overdue_count; i++) {
        const platform_exception *e = &r->overdue_list[i];
        fputs("<tr><td>", f);
        html_text(f, e->exception_id);
        fputs("</td><td>", f);
        html_text(f, e->code);
        fputs("</td><td>", f);
        html_text(f, platform_exception_grade_name(e->grade));
        fputs("</td><td>", f);
        html_text(f, e->state);
        fprintf(f, "</td><td>%lld</td></tr>\n", (long long)e->escalations);
    }
    fputs("</table>\n</body></html>\n", f);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed || buffer == NULL) {
        free(buffer);
        return AW_ERR_NOMEM;
    }
    *html = buffer;
    *len = size;
    return AW_OK;
}
