/* airwritectl exceptions list / show / ack / handle / resolve / report /
 * close and airwritectl review: graded exception handling (异常处理) of
 * 《物联网 eSIM 空中写卡技术应用服务规范》 over the northbound API
 * (docs/exceptions.md, docs/openapi.yaml):
 *   GET  /api/v1/exceptions                   ExceptionPage, followed to the end
 *   GET  /api/v1/exceptions/{id}              ExceptionDetail
 *   POST /api/v1/exceptions/{id}/transition   {"to", "note"}
 *   POST /api/v1/exceptions/{id}/report       {"text", "attachments"}
 *   GET  /api/v1/reviews                      Review (JSON); --format html renders the
 *                                             same page the platform serves
 *                                             (platform_review_html). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl.h"
#include "core/base64.h"

#define PATH_LIMIT 1024u
#define PAGE_SIZE PLATFORM_EXCEPTION_PAGE_MAX

static const char *member_string(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value != NULL ? value : "";
}

static int64_t member_integer(const json_t *object, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(object, name));
}

/* ---- exceptions list / show ------------------------------------------------ */

static void print_exception_line(const json_t *e)
{
    char first[40];
    ctl_format_time(member_integer(e, "firstSeen"), first, sizeof(first));
    printf("%s %s %s %s %s signals %lld escalations %lld first %s: %s\n",
           member_string(e, "exceptionId"), member_string(e, "class"), member_string(e, "code"),
           member_string(e, "grade"), member_string(e, "state"),
           (long long)member_integer(e, "count"), (long long)member_integer(e, "escalations"),
           first, member_string(e, "cause"));
}

int ctl_exceptions_list_command(int argc, char **argv)
{
    static const char *const options[] = {"--class", "--grade", "--status", NULL};
    ctl_args args;
    if (!ctl_args_parse(argc, argv, options, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    char filter[256] = "", encoded[64];
    const char *names[] = {"class", "grade", "state"};
    const char *values[] = {args.error_class, args.grade, args.status};
    for (size_t i = 0; i < 3; i++) {
        if (values[i] == NULL)
            continue;
        if (ctl_encode_component(values[i], encoded, sizeof(encoded)) != AW_OK) {
            fprintf(stderr, "airwritectl: exceptions list: --%s too long\n",
                    i == 2 ? "status" : names[i]);
            return CTL_EXIT_USAGE;
        }
        size_t used = strlen(filter);
        snprintf(filter + used, sizeof(filter) - used, "%s%s=%s", used > 0 ? "&" : "", names[i],
                 encoded);
    }
    ctl_session session;
    int status = ctl_session_open(&args, "exceptions list", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *list = NULL;
    status = ctl_session_fetch_all(&session, "/api/v1/exceptions", filter, "exceptions",
                                   PAGE_SIZE, &list);
    if (status == CTL_EXIT_OK && args.json) {
        json_t *result = json_pack("{s:O}", "exceptions", list);
        if (result == NULL || !ctl_print_json(result))
            status = ctl_fail_local("exceptions list", "output", AW_ERR_NOMEM);
        json_decref(result);
    } else if (status == CTL_EXIT_OK) {
        size_t i;
        const json_t *e;
        json_array_foreach(list, i, e)
            print_exception_line(e);
        printf("%zu exception%s\n", json_array_size(list), json_array_size(list) == 1 ? "" : "s");
    }
    json_decref(list);
    ctl_session_close(&session);
    return status;
}

static void print_detail(const json_t *e)
{
    print_exception_line(e);
    static const char *const links[] = {"orderId", "eid", "iccid", "callbackId", "appId"};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        if (member_string(e, links[i])[0] != '\0')
            printf("  %s: %s\n", links[i], member_string(e, links[i]));
    if (json_is_integer(json_object_get(e, "deadline"))) {
        char deadline[40];
        ctl_format_time(member_integer(e, "deadline"), deadline, sizeof(deadline));
        printf("  time limit: %s\n", deadline);
    }
    size_t i;
    const json_t *h;
    json_array_foreach(json_object_get(e, "history"), i, h)
    {
        char when[40];
        ctl_format_time(member_integer(h, "at"), when, sizeof(when));
        const char *from = json_string_value(json_object_get(h, "from"));
        printf("  %s %s -> %s [%s] %s: %s\n", when, from != NULL ? from : "(created)",
               member_string(h, "to"), member_string(h, "grade"), member_string(h, "actor"),
               member_string(h, "note"));
    }
    const json_t *report = json_object_get(e, "report");
    if (json_is_object(report)) {
        printf("  report: %s\n", member_string(report, "text"));
        const json_t *a;
        json_array_foreach(json_object_get(report, "attachments"), i, a)
            printf("  attachment: %s (%s, %lld bytes)\n", member_string(a, "name"),
                   member_string(a, "contentType"), (long long)member_integer(a, "size"));
    }
}

int ctl_exceptions_show_command(int argc, char **argv)
{
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/exceptions", args.positional, NULL, path, sizeof(path)))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "exceptions show", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = path};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (member_string(response.json, "exceptionId")[0] == '\0')
            status = ctl_fail_answer(&session);
        else if (args.json)
            ctl_print_json(response.json);
        else
            print_detail(response.json);
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

/* ---- transitions -------------------------------------------------------------- */

static int transition(int argc, char **argv, const char *command, const char *to)
{
    static const char *const options[] = {"--note", NULL};
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, options, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/exceptions", args.positional, "/transition", path,
                         sizeof(path)))
        return CTL_EXIT_USAGE;
    json_t *body_json = json_pack("{s:s, s:s}", "to", to, "note",
                                  args.note != NULL ? args.note : "");
    char *body = body_json != NULL ? json_dumps(body_json, JSON_COMPACT) : NULL;
    json_decref(body_json);
    if (body == NULL)
        return ctl_fail_local(command, "memory", AW_ERR_NOMEM);
    ctl_session session;
    int status = ctl_session_open(&args, command, &session);
    if (status != CTL_EXIT_OK) {
        free(body);
        return status;
    }
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = path,
                           .body = (const uint8_t *)body, .body_len = strlen(body)};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s: %s\n", member_string(response.json, "exceptionId"),
                   member_string(response.json, "state"));
    }
    free(body);
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

int ctl_exceptions_ack_command(int argc, char **argv)
{
    return transition(argc, argv, "exceptions ack", "acknowledged");
}

int ctl_exceptions_handle_command(int argc, char **argv)
{
    return transition(argc, argv, "exceptions handle", "handling");
}

int ctl_exceptions_resolve_command(int argc, char **argv)
{
    return transition(argc, argv, "exceptions resolve", "resolved");
}

int ctl_exceptions_close_command(int argc, char **argv)
{
    return transition(argc, argv, "exceptions close", "closed");
}

/* ---- report --------------------------------------------------------------------- */

/* A whole regular file of at most max bytes, NUL-terminated (malloc'd). */
static aw_err read_file(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return AW_ERR_NOT_FOUND;
    char *data = malloc(max + 2);
    size_t n = data != NULL ? fread(data, 1, max + 1, f) : 0;
    bool failed = data == NULL || ferror(f) != 0;
    fclose(f);
    if (failed || n > max) {
        free(data);
        return failed ? AW_ERR_IO : AW_ERR_LIMIT;
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return AW_OK;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* {"text", "attachments": [{"name", "contentType", "data"}]} as JSON text. */
static int report_body(const ctl_args *args, char **body)
{
    *body = NULL;
    char *text = NULL, *file = NULL, *encoded = NULL;
    size_t text_len = 0, file_len = 0;
    aw_err err = read_file(args->text_file, PLATFORM_EXCEPTION_REPORT_TEXT_MAX, &text, &text_len);
    if (err != AW_OK) {
        free(text);
        return ctl_fail_local("exceptions report", "--text-file", err);
    }
    if (args->attach != NULL &&
        (err = read_file(args->attach, PLATFORM_EXCEPTION_ATTACHMENT_MAX, &file, &file_len)) !=
            AW_OK) {
        free(text);
        return ctl_fail_local("exceptions report", "--attach", err);
    }
    json_t *attachments = json_array();
    if (file != NULL) {
        size_t cap = aw_base64_encoded_length(file_len) + 1;
        encoded = malloc(cap);
        if (encoded == NULL ||
            aw_base64_encode((const uint8_t *)file, file_len, encoded, cap) != AW_OK)
            err = AW_ERR_NOMEM;
        else
            json_array_append_new(attachments,
                                  json_pack("{s:s, s:s, s:s}", "name", base_name(args->attach),
                                            "contentType", "application/octet-stream", "data",
                                            encoded));
    }
    json_t *root = err == AW_OK ? json_pack("{s:s, s:o}", "text", text, "attachments",
                                            attachments)
                                : NULL;
    if (root == NULL)
        json_decref(attachments);
    *body = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    free(text);
    free(file);
    free(encoded);
    return *body != NULL ? CTL_EXIT_OK : ctl_fail_local("exceptions report", "memory",
                                                        AW_ERR_NOMEM);
}

int ctl_exceptions_report_command(int argc, char **argv)
{
    static const char *const options[] = {"--text-file", "--attach", NULL};
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, options, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/exceptions", args.positional, "/report", path, sizeof(path)))
        return CTL_EXIT_USAGE;
    if (args.text_file == NULL) {
        fprintf(stderr, "airwritectl: exceptions report: --text-file is needed\n");
        return CTL_EXIT_USAGE;
    }
    char *body = NULL;
    int status = report_body(&args, &body);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_session session;
    if ((status = ctl_session_open(&args, "exceptions report", &session)) != CTL_EXIT_OK) {
        free(body);
        return status;
    }
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = path,
                           .body = (const uint8_t *)body, .body_len = strlen(body)};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s: report submitted\n", member_string(response.json, "exceptionId"));
    }
    free(body);
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

/* ---- review --------------------------------------------------------------------- */

/* The Review JSON back into the structure the platform renders. */
static aw_err review_from_json(const json_t *j, platform_review *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->tenant, sizeof(r->tenant), "%s", member_string(j, "tenant"));
    r->from_ms = member_integer(j, "from");
    r->to_ms = member_integer(j, "to");
    r->generated_at_ms = member_integer(j, "generatedAt");
    r->total = member_integer(j, "total");
    r->resolved = member_integer(j, "resolved");
    r->overdue = member_integer(j, "overdue");
    r->handle_mean_ms = member_integer(json_object_get(j, "timeToHandle"), "meanMs");
    r->handle_p95_ms = member_integer(json_object_get(j, "timeToHandle"), "p95Ms");
    static const char *const states[] = {"open", "acknowledged", "handling", "resolved",
                                         "closed"};
    for (int i = 0; i < 4; i++) {
        r->by_class[i] = member_integer(json_object_get(j, "byClass"),
                                        platform_error_class_name((platform_error_class)(i + 1)));
        r->by_grade[i] = member_integer(
            json_object_get(j, "byGrade"),
            platform_exception_grade_name((platform_exception_grade)(i + 1)));
    }
    for (size_t i = 0; i < 5; i++)
        r->by_state[i] = member_integer(json_object_get(j, "byState"), states[i]);
    const json_t *causes = json_object_get(j, "topCauses");
    const json_t *overdue = json_object_get(j, "overdueItems");
    r->causes = calloc(json_array_size(causes) + 1, sizeof(*r->causes));
    r->overdue_list = calloc(json_array_size(overdue) + 1, sizeof(*r->overdue_list));
    if (r->causes == NULL || r->overdue_list == NULL)
        return AW_ERR_NOMEM;
    size_t i;
    const json_t *item;
    json_array_foreach(causes, i, item)
    {
        snprintf(r->causes[i].code, sizeof(r->causes[i].code), "%s", member_string(item, "code"));
        r->causes[i].count = member_integer(item, "exceptions");
        r->causes[i].signals = member_integer(item, "signals");
        r->cause_count = i + 1;
    }
    json_array_foreach(overdue, i, item)
    {
        platform_exception *e = &r->overdue_list[i];
        snprintf(e->exception_id, sizeof(e->exception_id), "%s",
                 member_string(item, "exceptionId"));
        snprintf(e->code, sizeof(e->code), "%s", member_string(item, "code"));
        snprintf(e->state, sizeof(e->state), "%s", member_string(item, "state"));
        e->grade = platform_exception_grade_from_name(member_string(item, "grade"));
        e->error_class = platform_error_class_from_name(member_string(item, "class"));
        e->escalations = member_integer(item, "escalations");
        e->first_seen_ms = member_integer(item, "firstSeen");
        r->overdue_count = i + 1;
    }
    return AW_OK;
}

static int print_review_html(const json_t *j)
{
    platform_review r;
    char *html = NULL;
    size_t len = 0;
    aw_err err = review_from_json(j, &r);
    if (err == AW_OK)
        err = platform_review_html(&r, &html, &len);
    free(r.causes);
    free(r.overdue_list);
    if (err != AW_OK)
        return ctl_fail_local("review", "HTML", err);
    bool written = fwrite(html, 1, len, stdout) == len;
    free(html);
    return written ? CTL_EXIT_OK : ctl_fail_local("review", "output", AW_ERR_IO);
}

static void print_review_text(const json_t *j)
{
    char from[40], to[40];
    ctl_format_time(member_integer(j, "from"), from, sizeof(from));
    ctl_format_time(member_integer(j, "to"), to, sizeof(to));
    printf("review %s .. %s: %lld exceptions, %lld resolved, %lld overdue\n", from, to,
           (long long)member_integer(j, "total"), (long long)member_integer(j, "resolved"),
           (long long)member_integer(j, "overdue"));
    const json_t *handle = json_object_get(j, "timeToHandle");
    printf("time to handle: mean %.1f s, p95 %.1f s\n", member_integer(handle, "meanMs") / 1000.0,
           member_integer(handle, "p95Ms") / 1000.0);
    static const char *const groups[] = {"byClass", "byGrade", "byState"};
    for (size_t g = 0; g < 3; g++) {
        printf("%s:", groups[g]);
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)json_object_get(j, groups[g]), key, value)
            printf(" %s %lld", key, (long long)json_integer_value(value));
        printf("\n");
    }
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(j, "topCauses"), i, c)
        printf("cause %s (%s): %lld exceptions, %lld signals\n", member_string(c, "code"),
               member_string(c, "class"), (long long)member_integer(c, "exceptions"),
               (long long)member_integer(c, "signals"));
}

int ctl_review_command(int argc, char **argv)
{
    static const char *const options[] = {"--period", "--from", "--to", "--format", NULL};
    ctl_args args;
    if (!ctl_args_parse(argc, argv, options, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    const char *format = args.format != NULL ? args.format : args.json ? "json" : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "html") != 0) {
        fprintf(stderr, "airwritectl: review: --format is text, json or html\n");
        return CTL_EXIT_USAGE;
    }
    char query[160];
    int64_t from = 0, to = 0;
    if (args.from != NULL || args.to != NULL) {
        if (args.period != NULL || args.from == NULL || args.to == NULL ||
            !ctl_parse_integer("--from", args.from, 0, INT64_MAX / 2, &from) ||
            !ctl_parse_integer("--to", args.to, 1, INT64_MAX / 2, &to)) {
            fprintf(stderr, "airwritectl: review: --from and --to together (ms), or --period\n");
            return CTL_EXIT_USAGE;
        }
        snprintf(query, sizeof(query), "from=%lld&to=%lld", (long long)from, (long long)to);
    } else {
        const char *period = args.period != NULL ? args.period : "weekly";
        if (strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0) {
            fprintf(stderr, "airwritectl: review: --period is weekly or monthly\n");
            return CTL_EXIT_USAGE;
        }
        snprintf(query, sizeof(query), "period=%s", period);
    }
    ctl_session session;
    int status = ctl_session_open(&args, "review", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/reviews",
                           .query = query};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (!json_is_integer(json_object_get(response.json, "total")))
            status = ctl_fail_answer(&session);
        else if (strcmp(format, "json") == 0)
            ctl_print_json(response.json);
        else if (strcmp(format, "html") == 0)
            status = print_review_html(response.json);
        else
            print_review_text(response.json);
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}
