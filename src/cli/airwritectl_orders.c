/* airwritectl order submit / get / list / items / watch / cancel / retry: the
 * write orders of the northbound API (docs/openapi.yaml /api/v1/orders,
 * 《物联网 eSIM 空中写卡技术应用服务规范》 写卡申请 and 进度查询). submit sends
 * a CSV batch (one EID per line) with its target in the query; watch polls
 * the order until it is finished, drawing airwritectl_progress.h's bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/airwritectl.h"
#include "cli/airwritectl_progress.h"
#include "core/file.h"

#define PATH_LIMIT 1024u
#define QUERY_LIMIT 256u
#define ITEMS_PAGE PLATFORM_ITEMS_PAGE_MAX
#define WATCH_DEFAULT_TIMEOUT_S 3600
#define WATCH_DEFAULT_INTERVAL_S 1.0
#define WATCH_PLAIN_EVERY 10 /* polls between unchanged plain lines */
#define WATCH_OUTAGE_POLLS 30 /* polls in a row without an answer before giving up */
#define TERMINAL_DEFAULT_WIDTH 80u

static const char *const order_finished[] = {"completed", "partially_completed", "failed",
                                             "cancelled", NULL};

static bool status_finished(const char *status)
{
    for (size_t i = 0; status != NULL && order_finished[i] != NULL; i++)
        if (strcmp(status, order_finished[i]) == 0)
            return true;
    return false;
}

static int64_t member_integer(const json_t *object, const char *name)
{
    return json_integer_value(json_object_get(object, name));
}

static const char *member_string(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value != NULL ? value : "";
}

/* The Order (docs/openapi.yaml) for people. */
static void print_order(const json_t *order)
{
    ctl_progress_counts c;
    bool counted = ctl_progress_counts_from_order(order, &c) == AW_OK;
    char created[40], updated[40];
    ctl_format_time(member_integer(order, "createdAt"), created, sizeof(created));
    ctl_format_time(member_integer(order, "updatedAt"), updated, sizeof(updated));
    bool profile = json_object_get(order, "profileType") != NULL;
    printf("order: %s\nstatus: %s\n%s: %s\n", member_string(order, "orderId"),
           member_string(order, "status"), profile ? "profileType" : "numberPool",
           member_string(order, profile ? "profileType" : "numberPool"));
    if (counted)
        printf("items: %lld (pending %lld, in progress %lld, written %lld, failed %lld, "
               "cancelled %lld)\n",
               (long long)c.total, (long long)c.pending, (long long)c.in_progress,
               (long long)c.written, (long long)c.failed, (long long)c.cancelled);
    if (json_object_get(order, "idempotencyKey") != NULL)
        printf("idempotencyKey: %s\n", member_string(order, "idempotencyKey"));
    printf("created: %s\nupdated: %s\n", created, updated);
}

static int print_answer(const ctl_session *session, const json_t *order)
{
    if (member_string(order, "orderId")[0] == '\0')
        return ctl_fail_answer(session);
    if (session->json)
        ctl_print_json(order);
    else
        print_order(order);
    return CTL_EXIT_OK;
}

/* ---- submit ------------------------------------------------------------------ */

int ctl_order_submit_command(int argc, char **argv)
{
    static const char *const options[] = {"--csv", "--profile-type", "--number-pool",
                                          "--idempotency-key", NULL};
    ctl_args args;
    if (!ctl_args_parse(argc, argv, options, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    if (args.csv == NULL || (args.profile_type == NULL) == (args.number_pool == NULL)) {
        fprintf(stderr, "airwritectl: order submit: needs --csv FILE and one of --profile-type, "
                        "--number-pool\n");
        return CTL_EXIT_USAGE;
    }
    char target[PLATFORM_TARGET_MAX * 3 + 1], query[QUERY_LIMIT];
    const char *name = args.profile_type != NULL ? "profileType" : "numberPool";
    if (ctl_encode_component(args.profile_type != NULL ? args.profile_type : args.number_pool,
                             target, sizeof(target)) != AW_OK) {
        fprintf(stderr, "airwritectl: order submit: the target name is too long\n");
        return CTL_EXIT_USAGE;
    }
    snprintf(query, sizeof(query), "%s=%s", name, target);
    uint8_t *csv = NULL;
    size_t csv_len = 0;
    aw_err err = aw_file_read(args.csv, PLATFORM_BATCH_MAX_BODY, &csv, &csv_len);
    if (err != AW_OK)
        return ctl_fail_local("order submit", args.csv, err);
    ctl_session session;
    int status = ctl_session_open(&args, "order submit", &session);
    ctl_response response = {0};
    if (status == CTL_EXIT_OK) {
        ctl_request request = {.method = AW_HTTP_METHOD_POST,
                               .path = "/api/v1/orders",
                               .query = query,
                               .body = csv,
                               .body_len = csv_len,
                               .content_type = "text/csv",
                               .idempotency_key = args.idempotency_key};
        status = ctl_session_call(&session, &request, &response);
    }
    if (status == CTL_EXIT_OK) {
        const char *id = member_string(response.json, "orderId");
        if (*id == '\0')
            status = ctl_fail_answer(&session);
        else if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s\n", id);
        if (status == CTL_EXIT_OK && response.idempotent_replayed)
            fprintf(stderr, "airwritectl: order submit: the order of an earlier request with "
                            "this Idempotency-Key (Idempotent-Replayed)\n");
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    free(csv);
    return status;
}

/* ---- get, cancel, retry: one call on one order -------------------------------- */

static int order_call(int argc, char **argv, const char *command, aw_http_method method,
                      const char *suffix)
{
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/orders", args.positional, suffix, path, sizeof(path)))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, command, &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = method, .path = path};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (!args.json && json_object_get(response.json, "retried") != NULL)
            printf("retried: %lld items back to pending\n",
                   (long long)member_integer(response.json, "retried"));
        status = print_answer(&session, response.json);
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

int ctl_order_get_command(int argc, char **argv)
{
    return order_call(argc, argv, "order get", AW_HTTP_METHOD_GET, NULL);
}

int ctl_order_cancel_command(int argc, char **argv)
{
    return order_call(argc, argv, "order cancel", AW_HTTP_METHOD_POST, "/cancel");
}

int ctl_order_retry_command(int argc, char **argv)
{
    return order_call(argc, argv, "order retry", AW_HTTP_METHOD_POST, "/retry");
}

/* ---- items ------------------------------------------------------------------- */

int ctl_order_items_command(int argc, char **argv)
{
    static const char *const options[] = {"--status", NULL};
    ctl_args args;
    char path[PATH_LIMIT], status_query[64] = "";
    if (!ctl_args_parse(argc, argv, options, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/orders", args.positional, "/items", path, sizeof(path)))
        return CTL_EXIT_USAGE;
    if (args.status != NULL) {
        char encoded[48];
        if (ctl_encode_component(args.status, encoded, sizeof(encoded)) != AW_OK) {
            fprintf(stderr, "airwritectl: order items: --status is pending, in_progress, "
                            "written, failed or cancelled\n");
            return CTL_EXIT_USAGE;
        }
        snprintf(status_query, sizeof(status_query), "status=%s", encoded);
    }
    ctl_session session;
    int status = ctl_session_open(&args, "order items", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *all = NULL;
    status = ctl_session_fetch_all(&session, path, status_query, "items", ITEMS_PAGE, &all);
    if (status == CTL_EXIT_OK && args.json) {
        json_t *out = json_pack("{s:O}", "items", all);
        if (out == NULL || !ctl_print_json(out))
            status = ctl_fail_local("order items", "output", AW_ERR_NOMEM);
        json_decref(out);
    } else if (status == CTL_EXIT_OK) {
        size_t i;
        json_t *item;
        json_array_foreach(all, i, item)
        {
            const char *code = member_string(item, "errorCode");
            printf("%s %s%s%s line %lld\n", member_string(item, "eid"),
                   member_string(item, "status"), *code ? " " : "", code,
                   (long long)member_integer(item, "line"));
        }
        printf("%zu item%s\n", json_array_size(all), json_array_size(all) == 1 ? "" : "s");
    }
    json_decref(all);
    ctl_session_close(&session);
    return status;
}

/* ---- list -------------------------------------------------------------------- */

#define LIST_PAGE PLATFORM_ORDER_PAGE_MAX

/* --limit: 1..LIST_PAGE without a leading zero. */
static bool parse_list_limit(const char *text, unsigned *out)
{
    size_t len = strlen(text);
    if (len == 0 || len > 3 || strspn(text, "0123456789") != len || text[0] == '0')
        return false;
    *out = (unsigned)strtoul(text, NULL, 10);
    return *out <= LIST_PAGE;
}

int ctl_order_list_command(int argc, char **argv)
{
    static const char *const options[] = {"--status", "--limit", NULL};
    ctl_args args;
    char query[80] = ""; /* status=, the encoded state */
    unsigned limit = 0;
    if (!ctl_args_parse(argc, argv, options, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    if (args.limit != NULL && !parse_list_limit(args.limit, &limit)) {
        fprintf(stderr, "airwritectl: order list: --limit is 1..%u\n", LIST_PAGE);
        return CTL_EXIT_USAGE;
    }
    if (args.status != NULL) {
        char encoded[64];
        if (ctl_encode_component(args.status, encoded, sizeof(encoded)) != AW_OK) {
            fprintf(stderr, "airwritectl: order list: --status is an order state\n");
            return CTL_EXIT_USAGE;
        }
        snprintf(query, sizeof(query), "status=%s", encoded);
    }
    ctl_session session;
    int status = ctl_session_open(&args, "order list", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *all = NULL;
    if (limit == 0) {
        status = ctl_session_fetch_all(&session, "/api/v1/orders", query, "orders", LIST_PAGE,
                                       &all);
    } else { /* one page: the newest */
        char page_query[QUERY_LIMIT];
        snprintf(page_query, sizeof(page_query), "%s%slimit=%u", query, *query ? "&" : "",
                 limit);
        ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/orders",
                               .query = page_query};
        ctl_response response = {0};
        status = ctl_session_call(&session, &request, &response);
        if (status == CTL_EXIT_OK) {
            all = json_incref(json_object_get(response.json, "orders"));
            if (!json_is_array(all))
                status = ctl_fail_answer(&session);
        }
        ctl_response_clear(&response);
    }
    if (status == CTL_EXIT_OK && args.json) {
        json_t *out = json_pack("{s:O}", "orders", all);
        if (out == NULL || !ctl_print_json(out))
            status = ctl_fail_local("order list", "output", AW_ERR_NOMEM);
        json_decref(out);
    } else if (status == CTL_EXIT_OK) {
        size_t i;
        json_t *order;
        json_array_foreach(all, i, order)
        {
            ctl_progress_counts c = {0};
            (void)ctl_progress_counts_from_order(order, &c);
            char created[40];
            ctl_format_time(member_integer(order, "createdAt"), created, sizeof(created));
            bool profile = json_object_get(order, "profileType") != NULL;
            printf("%s %s %s=%s items %lld (written %lld, failed %lld, pending %lld) %s\n",
                   member_string(order, "orderId"), member_string(order, "status"),
                   profile ? "profileType" : "numberPool",
                   member_string(order, profile ? "profileType" : "numberPool"),
                   (long long)c.total, (long long)c.written, (long long)c.failed,
                   (long long)c.pending, created);
        }
        printf("%zu order%s\n", json_array_size(all), json_array_size(all) == 1 ? "" : "s");
    }
    json_decref(all);
    ctl_session_close(&session);
    return status;
}

/* ---- watch ------------------------------------------------------------------- */

static unsigned terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return ws.ws_col - 1u; /* the last column would wrap on some terminals */
    return TERMINAL_DEFAULT_WIDTH - 1u;
}

typedef struct watch_state {
    bool terminal;
    bool json;
    bool drawn;        /* a bar is on the terminal's current line */
    int quiet_polls;   /* plain: polls since the last line */
    ctl_progress_counts last;
    ctl_progress_tracker tracker;
} watch_state;

static void watch_show(watch_state *w, const json_t *order, const ctl_progress_counts *c,
                       int64_t now_ms)
{
    ctl_progress_estimate e = ctl_progress_update(&w->tracker, c, now_ms);
    char line[CTL_PROGRESS_LINE_MAX];
    if (w->json) {
        ctl_print_json(order);
    } else if (w->terminal) {
        ctl_progress_format_bar(c, &e, terminal_width(), line, sizeof(line));
        printf("\r%s\033[K", line);
        w->drawn = true;
    } else if (w->quiet_polls == 0 || memcmp(c, &w->last, sizeof(*c)) != 0 ||
               w->quiet_polls >= WATCH_PLAIN_EVERY) {
        ctl_progress_format_line(c, &e, member_string(order, "status"), line, sizeof(line));
        printf("%s\n", line);
        w->quiet_polls = 0;
    }
    w->quiet_polls++;
    w->last = *c;
    fflush(stdout);
}

/* Whether another poll fits before --timeout (0: no bound); says so when
 * not, below the bar. */
static bool watch_time_left(watch_state *w, int64_t start_ms, int64_t timeout_s, double interval)
{
    if (timeout_s == 0 ||
        ctl_monotonic_ms() - start_ms + (int64_t)(interval * 1000) <= timeout_s * 1000) {
        fflush(stdout);
        return true;
    }
    if (w->drawn)
        printf("\n");
    w->drawn = false;
    fflush(stdout);
    fprintf(stderr, "airwritectl: order watch: not finished after %lld s (--timeout)\n",
            (long long)timeout_s);
    return false;
}

/* --latency: per written item, the time from the order's creation to the
 * item's last change (written), and from the item's start (its first claim
 * by the executor, startedAt) to its end (finishedAt), each as p50 and p99
 * (nearest rank) over all written items (GET .../items?status=written,
 * every page). The second is the write itself; the first adds the wait in
 * the order's queue. Items without both times (written before the
 * platform kept them) count only in the first. */
static int print_latency(ctl_session *session, const char *items_path, const json_t *order)
{
    json_t *items = NULL;
    int status = ctl_session_fetch_all(session, items_path, "status=written", "items",
                                       ITEMS_PAGE, &items);
    if (status != CTL_EXIT_OK)
        return status;
    size_t count = json_array_size(items), timed = 0;
    int64_t *values = malloc((count > 0 ? count : 1) * sizeof(*values));
    int64_t *own = malloc((count > 0 ? count : 1) * sizeof(*own));
    if (values == NULL || own == NULL) {
        free(values);
        free(own);
        json_decref(items);
        return ctl_fail_local(session->command, "memory", AW_ERR_NOMEM);
    }
    int64_t created = member_integer(order, "createdAt");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        values[i] = member_integer(item, "updatedAt") - created;
        const json_t *started = json_object_get(item, "startedAt");
        const json_t *finished = json_object_get(item, "finishedAt");
        if (json_is_integer(started) && json_is_integer(finished))
            own[timed++] = json_integer_value(finished) - json_integer_value(started);
    }
    int64_t p50 = ctl_progress_percentile(values, count, 50);
    int64_t p99 = ctl_progress_percentile(values, count, 99);
    int64_t own_p50 = ctl_progress_percentile(own, timed, 50);
    int64_t own_p99 = ctl_progress_percentile(own, timed, 99);
    free(values);
    free(own);
    json_decref(items);
    if (session->json) {
        json_t *out = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "orderId",
                                member_string(order, "orderId"), "latency", "written",
                                (json_int_t)count, "p50Ms", (json_int_t)p50, "p99Ms",
                                (json_int_t)p99, "timed", (json_int_t)timed, "startP50Ms",
                                (json_int_t)own_p50, "startP99Ms", (json_int_t)own_p99);
        bool printed = out != NULL && ctl_print_json(out);
        json_decref(out);
        return printed ? CTL_EXIT_OK : ctl_fail_local(session->command, "output", AW_ERR_NOMEM);
    }
    if (count == 0) {
        printf("latency: no written items\n");
        return CTL_EXIT_OK;
    }
    printf("latency of %zu written item%s from the order's creation: p50 %.3f s, p99 %.3f s\n",
           count, count == 1 ? "" : "s", (double)p50 / 1000.0, (double)p99 / 1000.0);
    if (timed > 0)
        printf("latency of %zu written item%s from the item's start: p50 %.3f s, p99 %.3f s\n",
               timed, timed == 1 ? "" : "s", (double)own_p50 / 1000.0,
               (double)own_p99 / 1000.0);
    return CTL_EXIT_OK;
}

int ctl_order_watch_command(int argc, char **argv)
{
    static const char *const options[] = {"--interval", "--timeout", NULL};
    static const char *const flags[] = {"--latency", NULL};
    ctl_args args;
    char path[PATH_LIMIT];
    double interval = WATCH_DEFAULT_INTERVAL_S;
    int64_t timeout_s = WATCH_DEFAULT_TIMEOUT_S;
    char items_path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, options, flags, 1, &args) ||
        !ctl_format_path("/api/v1/orders", args.positional, NULL, path, sizeof(path)) ||
        !ctl_format_path("/api/v1/orders", args.positional, "/items", items_path,
                         sizeof(items_path)) ||
        !ctl_parse_interval(args.interval, &interval) ||
        !ctl_parse_integer("--timeout", args.timeout, 0, 30 * 86400, &timeout_s))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "order watch", &session);
    if (status != CTL_EXIT_OK)
        return status;
    watch_state w = {.terminal = !args.json && isatty(STDOUT_FILENO), .json = args.json};
    int64_t start_ms = ctl_monotonic_ms();
    int outage = 0; /* polls in a row without an answer */
    for (;;) {
        ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = path};
        ctl_response response;
        ctl_error error;
        if (ctl_client_call(session.client, &request, &response, &error) != AW_OK) {
            /* A platform restarting or busy (no answer, 5xx) must not end a
             * long watch: say so and poll again, up to WATCH_OUTAGE_POLLS. */
            if (w.drawn)
                printf("\n"); /* messages go below the bar */
            w.drawn = false;
            fflush(stdout);
            if (!ctl_error_transient(&error) || ++outage > WATCH_OUTAGE_POLLS) {
                status = ctl_session_fail(&session, &error);
                ctl_error_clear(&error);
                break;
            }
            fprintf(stderr, "airwritectl: order watch: %s%s%s, polling again (%d/%d)\n",
                    error.err == AW_ERR_CTL_API ? error.code : aw_err_message(error.err),
                    error.err == AW_ERR_CTL_API && error.code[0] ? " " : "",
                    error.err == AW_ERR_CTL_API ? error.message : "", outage,
                    WATCH_OUTAGE_POLLS);
            ctl_error_clear(&error);
            if (!watch_time_left(&w, start_ms, timeout_s, interval)) {
                status = CTL_EXIT_WATCH_TIMEOUT;
                break;
            }
            ctl_sleep_ms((int64_t)(interval * 1000));
            continue;
        }
        outage = 0;
        ctl_progress_counts counts;
        const char *order_status = member_string(response.json, "status");
        if (ctl_progress_counts_from_order(response.json, &counts) != AW_OK) {
            ctl_response_clear(&response);
            status = ctl_fail_answer(&session);
            break;
        }
        int64_t now_ms = ctl_monotonic_ms();
        watch_show(&w, response.json, &counts, now_ms);
        bool finished = status_finished(order_status);
        if (finished) {
            if (w.drawn)
                printf("\n");
            if (!args.json)
                printf("order %s %s: %lld written, %lld failed, %lld cancelled of %lld in %lld "
                       "s\n",
                       member_string(response.json, "orderId"), order_status,
                       (long long)counts.written, (long long)counts.failed,
                       (long long)counts.cancelled, (long long)counts.total,
                       (long long)((now_ms - start_ms) / 1000));
            status = strcmp(order_status, "completed") == 0 ? CTL_EXIT_OK
                                                             : CTL_EXIT_NOT_ALL_WRITTEN;
            int latency = args.latency ? print_latency(&session, items_path, response.json)
                                       : CTL_EXIT_OK;
            if (latency != CTL_EXIT_OK)
                status = latency;
        }
        ctl_response_clear(&response);
        if (finished)
            break;
        if (!watch_time_left(&w, start_ms, timeout_s, interval)) {
            status = CTL_EXIT_WATCH_TIMEOUT;
            break;
        }
        ctl_sleep_ms((int64_t)(interval * 1000));
    }
    fflush(stdout);
    ctl_session_close(&session);
    return status;
}
