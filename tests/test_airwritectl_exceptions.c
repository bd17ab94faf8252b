/* airwritectl exceptions list / show / ack / handle / resolve / report /
 * close and airwritectl review as a process (argv[1]: the airwritectl
 * binary) against the real /api/v1 router on loopback
 * (src/cli/airwritectl_exceptions.c, docs/exceptions.md): a serious write
 * exception recorded by the test is listed, acknowledged, handled,
 * resolved, refused closing without its report (exit 10, A7003), reported
 * with a text file and an attachment, closed and shown with its history;
 * the review as text, JSON and HTML (the platform's page) counts it; the
 * refusals: illegal transition (A7002), unknown exception (A7001), bad
 * filter (I1002, exit 12), bad options and files (exit 2). */
#include "airwritectl_testutil.h"

#include <fcntl.h>
#include <sys/wait.h>

static const char *airwritectl;
static char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1];

static int setup(void **state)
{
    (void)state;
    fixture_start(NULL, 0);
    /* exceptions are read and handled by the platform's administrators and
     * operators (docs/rbac.md) */
    assert_int_equal(platform_app_role_set(fx.admin, fx.app.app_id, PLATFORM_ROLE_OPERATOR,
                                           fixture_clock(NULL)),
                     AW_OK);
    char eid[PLATFORM_EID_DIGITS + 1], object[48];
    platform_test_eid(77, eid);
    snprintf(object, sizeof(object), "eid:%s", eid);
    platform_exception_signal s = {.tenant = "tenant-ctl", .code = "W1002",
                                   .source = "executor", .object = object, .eid = eid,
                                   .detail = "no profile of the type left at the SM-DP+"};
    bool created = false;
    assert_int_equal(platform_exception_record(fx.admin, NULL, &s, fixture_clock(NULL),
                                               exception_id, &created),
                     AW_OK);
    assert_true(created);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_stop();
    return 0;
}

/* Run airwritectl ARGS... with the fixture's connection in the
 * environment, stdout and stderr to files of the fixture's directory: its
 * exit status. */
static int run(const char *name, const char *const *args)
{
    char out[160], err[160];
    snprintf(out, sizeof(out), "%s/%s.out", fx.dir, name);
    snprintf(err, sizeof(err), "%s/%s.err", fx.dir, name);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        setenv("AIRWRITE_URL", fx.base_url, 1);
        setenv("AIRWRITE_CA_FILE", pki.ci, 1);
        setenv("AIRWRITE_APP_ID", fx.app.app_id, 1);
        setenv("AIRWRITE_APP_SECRET", fx.secret, 1);
        setenv("AIRWRITE_TOKEN_CACHE", fx.cache, 1);
        const char *argv[16] = {airwritectl};
        for (size_t i = 0; args[i] != NULL && i < 14; i++)
            argv[i + 1] = args[i];
        execv(airwritectl, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *output(const char *name, const char *stream)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s.%s", fx.dir, name, stream);
    return test_read_text(path);
}

/* Run and expect status, with text in the named stream (NULL: not checked). */
static void expect(const char *name, const char *const *args, int status, const char *stream,
                   const char *text)
{
    int got = run(name, args);
    char *out = output(name, "out"), *err = output(name, "err");
    if (got != status || (text != NULL && strstr(strcmp(stream, "out") == 0 ? out : err,
                                                 text) == NULL))
        print_error("%s: exit %d\nstdout: %s\nstderr: %s\n", name, got, out, err);
    assert_int_equal(got, status);
    if (text != NULL)
        assert_non_null(strstr(strcmp(stream, "out") == 0 ? out : err, text));
    free(out);
    free(err);
}

static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", fx.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_handle_and_review(void **state)
{
    (void)state;
    const char *id = exception_id;
    const char *list[] = {"exceptions", "list", NULL};
    expect("list", list, 0, "out", "1 exception\n");
    expect("list", list, 0, "out", " write W1002 serious open signals 1 ");
    const char *open_only[] = {"exceptions", "list", "--status", "open", "--class", "write",
                               NULL};
    expect("open", open_only, 0, "out", id);
    const char *none[] = {"exceptions", "list", "--grade", "critical", NULL};
    expect("none", none, 0, "out", "0 exceptions\n");

    const char *ack[] = {"exceptions", "ack", id, "--note", "seen by the night shift", NULL};
    expect("ack", ack, 0, "out", ": acknowledged\n");
    const char *resolve[] = {"exceptions", "resolve", id, NULL};
    expect("resolve_early", resolve, 10, "err", "A7002");
    const char *handle[] = {"exceptions", "handle", id, NULL};
    expect("handle", handle, 0, "out", ": handling\n");
    expect("resolve", resolve, 0, "out", ": resolved\n");
    const char *close[] = {"exceptions", "close", id, NULL};
    expect("close_early", close, 10, "err", "A7003");

    char text[160], attach[160];
    write_file("report.txt", "SM-DP+ pool refilled; alarm on 10% left added", text, sizeof(text));
    write_file("pool.csv", "iccid,state\n8944000000000123456,available\n", attach,
               sizeof(attach));
    const char *report[] = {"exceptions", "report", id, "--text-file", text, "--attach", attach,
                            NULL};
    expect("report", report, 0, "out", ": report submitted\n");
    expect("close", close, 0, "out", ": closed\n");
    const char *show[] = {"exceptions", "show", id, NULL};
    expect("show", show, 0, "out", "report: SM-DP+ pool refilled");
    expect("show", show, 0, "out", "attachment: pool.csv (application/octet-stream, 42 bytes)");
    expect("show", show, 0, "out", "acknowledged -> handling");
    expect("show", show, 0, "out", "seen by the night shift");

    const char *review[] = {"review", NULL};
    expect("review", review, 0, "out", "1 exceptions, 1 resolved, 0 overdue");
    expect("review", review, 0, "out", "cause W1002 (write): 1 exceptions, 1 signals");
    const char *review_json[] = {"review", "--period", "monthly", "--format", "json", NULL};
    expect("review_json", review_json, 0, "out", "\"total\":1,");
    const char *review_html[] = {"review", "--format", "html", NULL};
    expect("review_html", review_html, 0, "out", "<tr><th>total</th><td>1</td></tr>");
    expect("review_html", review_html, 0, "out", "<tr><td>W1002</td><td>1</td><td>1</td></tr>");
}

static void test_refusals(void **state)
{
    (void)state;
    const char *unknown[] = {"exceptions", "show", "exc_000000000000000000000000", NULL};
    expect("unknown", unknown, 10, "err", "A7001");
    const char *filter[] = {"exceptions", "list", "--grade", "huge", NULL};
    expect("filter", filter, 12, "err", "I1002");
    const char *missing[] = {"exceptions", "report", exception_id, NULL};
    expect("missing", missing, 2, "err", "--text-file is needed");
    const char *absent[] = {"exceptions", "report", exception_id, "--text-file",
                            "/nonexistent/report.txt", NULL};
    expect("absent", absent, 2, "err", "--text-file");
    const char *period[] = {"review", "--period", "daily", NULL};
    expect("period", period, 2, "err", "weekly or monthly");
    const char *half[] = {"review", "--from", "5", NULL};
    expect("half", half, 2, "err", "--from and --to");
    const char *format[] = {"review", "--format", "pdf", NULL};
    expect("format", format, 2, "err", "text, json or html");
    const char *operand[] = {"exceptions", "ack", NULL};
    expect("operand", operand, 2, "err", "missing operand");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_airwritectl_exceptions AIRWRITECTL\n");
        return 2;
    }
    airwritectl = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handle_and_review, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, fixture_global_setup, fixture_global_teardown);
}
