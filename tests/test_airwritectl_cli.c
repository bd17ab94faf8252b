/* airwritectl as a process (argv[1]: the airwritectl binary) against the
 * real /api/v1 router on loopback, for what needs the platform's inside:
 * order watch while this test moves the order's items the way the executor
 * does, through platform_order_item_transition (every item written: exit 0;
 * one failed: exit 3, partially completed; not finishing: exit 4 at
 * --timeout; the plain lines show the counts moving, --json one Order per
 * poll), order items/retry on a failed item, dead-letters list/replay on a
 * dead letter made by the callback worker (platform_callback_deliver), and
 * cards get/history/find on a card the test records as written
 * (platform_profile_record_written), and callbacks register/list/delete
 * with every refusal, the registered secret checked by a receiver that
 * verifies the worker's signatures. */
#include "airwritectl_testutil.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *airwritectl;

static int setup(void **state)
{
    (void)state;
    fixture_start(NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_stop();
    return 0;
}

/* Start airwritectl ARGS... with the fixture's connection in the
 * environment, stdout and stderr to files of the fixture's directory. */
static pid_t start(const char *out_name, const char *const *args)
{
    char out[160], err[160];
    snprintf(out, sizeof(out), "%s/%s.out", fx.dir, out_name);
    snprintf(err, sizeof(err), "%s/%s.err", fx.dir, out_name);
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
    return pid;
}

static int finish(pid_t pid)
{
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

/* A CSV order of count EIDs through `airwritectl order submit`. */
static void submit(size_t count, char eids[][PLATFORM_EID_DIGITS + 1],
                   char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char path[160];
    snprintf(path, sizeof(path), "%s/batch.csv", fx.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "eid\n");
    for (size_t i = 0; i < count; i++) {
        platform_test_eid(1000 + i, eids[i]);
        fprintf(f, "%s\n", eids[i]);
    }
    fclose(f);
    const char *args[] = {"order", "submit", "--csv", path, "--profile-type", "iot-data", NULL};
    int status = finish(start("submit", args));
    if (status != 0) {
        char *err = output("submit", "err");
        print_error("order submit: %s", err);
        free(err);
    }
    assert_int_equal(status, 0);
    char *id = output("submit", "out");
    assert_int_equal(strlen(id), PLATFORM_ORDER_ID_LENGTH + 1);
    assert_int_equal(id[PLATFORM_ORDER_ID_LENGTH], '\n');
    memcpy(order_id, id, PLATFORM_ORDER_ID_LENGTH);
    order_id[PLATFORM_ORDER_ID_LENGTH] = '\0';
    free(id);
}

static void move(const char *order_id, const char *eid, const char *to, const char *code)
{
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eid, to, code, "test",
                                                    "executor-test", fixture_clock(NULL)),
                     AW_OK);
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait (up to 20 s, the machine may be loaded) until the file of a running
 * command holds text, so the test moves items only after the watch saw the
 * previous state. */
static void wait_for_output(const char *name, const char *stream, const char *text)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s.%s", fx.dir, name, stream);
    for (int i = 0; i < 400; i++) {
        size_t len = 0;
        uint8_t *data = test_read_file(path, &len);
        bool found = false;
        if (data != NULL) {
            char *content = realloc(data, len + 1);
            assert_non_null(content);
            content[len] = '\0';
            found = strstr(content, text) != NULL;
            free(content);
        }
        if (found)
            return;
        pause_ms(50);
    }
    fail_msg("no '%s' in %s", text, path);
}

static void test_watch_all_written(void **state)
{
    (void)state;
    char eids[3][PLATFORM_EID_DIGITS + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(3, eids, order_id);
    const char *args[] = {"order",   "watch", order_id,    "--interval", "0.2",
                          "--timeout", "60",  "--latency", NULL};
    pid_t pid = start("watch", args);
    wait_for_output("watch", "out", "s accepted: 0/3 done");
    for (size_t i = 0; i < 3; i++) {
        move(order_id, eids[i], "in_progress", NULL);
        pause_ms(300);
        move(order_id, eids[i], "written", NULL);
        char seen[64];
        snprintf(seen, sizeof(seen), "%zu/3 done, written %zu,", i + 1, i + 1);
        wait_for_output("watch", "out", seen);
    }
    assert_int_equal(finish(pid), CTL_EXIT_OK);
    char *out = output("watch", "out");
    /* plain lines (stdout is a file): the first, a moving one, the summary */
    assert_non_null(strstr(out, "s accepted: 0/3 done, written 0, failed 0, pending 3, 0.0/s, "
                                "ETA --:--\n"));
    assert_non_null(strstr(out, "s processing: 1/3 done, written 1, failed 0, pending 2, "));
    assert_non_null(strstr(out, "s completed: 3/3 done, written 3, failed 0, pending 0, "));
    char summary[128];
    snprintf(summary, sizeof(summary), "order %s completed: 3 written, 0 failed, 0 cancelled of 3 in ",
             order_id);
    assert_non_null(strstr(out, summary));
    /* --latency: each item was written at least 0.3 s after the order */
    const char *latency = strstr(out, "latency of 3 written items from the order's creation: "
                                      "p50 ");
    assert_non_null(latency);
    double p50 = 0, p99 = 0;
    assert_int_equal(sscanf(latency, "latency of 3 written items from the order's creation: "
                                     "p50 %lf s, p99 %lf s",
                            &p50, &p99),
                     2);
    assert_true(p50 >= 0.3 && p50 < p99 && p99 < 60.0);
    /* and from each item's start: about the 0.3 s between its two moves */
    const char *own = strstr(out, "latency of 3 written items from the item's start: p50 ");
    assert_non_null(own);
    double own_p50 = 0, own_p99 = 0;
    assert_int_equal(sscanf(own, "latency of 3 written items from the item's start: "
                                 "p50 %lf s, p99 %lf s",
                            &own_p50, &own_p99),
                     2);
    assert_true(own_p50 >= 0.3 && own_p50 <= own_p99 && own_p99 < p99);
    assert_null(strchr(out, '\r')); /* no terminal control in plain mode */
    assert_null(strchr(out, '\033'));
    free(out);
}

static void test_watch_partially_completed(void **state)
{
    (void)state;
    char eids[2][PLATFORM_EID_DIGITS + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(2, eids, order_id);
    const char *args[] = {"order", "watch", order_id, "--interval", "0.2", "--json", "--latency",
                          NULL};
    pid_t pid = start("watch", args);
    wait_for_output("watch", "out", "\"status\":\"accepted\"");
    move(order_id, eids[0], "in_progress", NULL);
    move(order_id, eids[0], "written", NULL);
    move(order_id, eids[1], "in_progress", NULL);
    move(order_id, eids[1], "failed", "W1001");
    assert_int_equal(finish(pid), CTL_EXIT_NOT_ALL_WRITTEN);
    /* --json: one Order per line, the last one finished */
    char *out = output("watch", "out");
    char *last = NULL, *latency = NULL;
    size_t lines = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_t *order = json_loads(line, 0, NULL);
        assert_non_null(order);
        assert_string_equal(json_string_value(json_object_get(order, "orderId")), order_id);
        if (json_object_get(order, "latency") != NULL) {
            latency = line; /* the last line */
        } else {
            assert_null(latency);
            last = line;
        }
        json_decref(order);
        lines++;
    }
    assert_true(lines >= 3);
    assert_non_null(latency);
    json_t *summary = json_loads(latency, 0, NULL);
    json_t *numbers = json_object_get(summary, "latency");
    assert_int_equal(json_integer_value(json_object_get(numbers, "written")), 1);
    assert_true(json_integer_value(json_object_get(numbers, "p50Ms")) >= 0);
    assert_int_equal(json_integer_value(json_object_get(numbers, "p50Ms")),
                     json_integer_value(json_object_get(numbers, "p99Ms")));
    assert_int_equal(json_integer_value(json_object_get(numbers, "timed")), 1);
    assert_true(json_integer_value(json_object_get(numbers, "startP50Ms")) >= 0);
    assert_true(json_integer_value(json_object_get(numbers, "startP50Ms")) <=
                json_integer_value(json_object_get(numbers, "p50Ms")));
    json_decref(summary);
    json_t *order = json_loads(last, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "partially_completed");
    json_t *progress = json_object_get(order, "progress");
    assert_int_equal(json_integer_value(json_object_get(progress, "written")), 1);
    assert_int_equal(json_integer_value(json_object_get(progress, "failed")), 1);
    json_decref(order);
    free(out);
    /* order items shows the failure's code */
    const char *items[] = {"order", "items", order_id, "--status", "failed", NULL};
    assert_int_equal(finish(start("items", items)), 0);
    out = output("items", "out");
    char want[128];
    snprintf(want, sizeof(want), "%s failed W1001 line 3\n1 item\n", eids[1]);
    assert_string_equal(out, want);
    free(out);
    /* and retry puts it back to pending */
    const char *retry[] = {"order", "retry", order_id, NULL};
    assert_int_equal(finish(start("retry", retry)), 0);
    out = output("retry", "out");
    assert_non_null(strstr(out, "retried: 1 items back to pending\n"));
    assert_non_null(strstr(out, "status: processing\n"));
    free(out);
}

static void test_watch_timeout(void **state)
{
    (void)state;
    char eids[1][PLATFORM_EID_DIGITS + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(1, eids, order_id);
    const char *args[] = {"order", "watch", order_id, "--interval", "0.3", "--timeout", "1",
                          NULL};
    assert_int_equal(finish(start("watch", args)), CTL_EXIT_WATCH_TIMEOUT);
    char *err = output("watch", "err");
    assert_non_null(strstr(err, "order watch: not finished after 1 s (--timeout)"));
    free(err);
    /* an unknown order ends the watch with the A-class exit */
    const char *unknown[] = {"order", "watch", "ord_000000000000000000000000", NULL};
    assert_int_equal(finish(start("watch", unknown)), CTL_EXIT_APPLICATION);
    err = output("watch", "err");
    assert_non_null(strstr(err, "order watch: A2001 "));
    free(err);
}

/* order list: newest first, --status (--limit, --json and refusals:
 * test_airwritectl_api.sh). */
static void test_order_list(void **state)
{
    (void)state;
    char eids[2][PLATFORM_EID_DIGITS + 1], first[PLATFORM_ORDER_ID_LENGTH + 1],
        second[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(2, eids, first);
    const char *cancel[] = {"order", "cancel", first, NULL};
    assert_int_equal(finish(start("cancel", cancel)), 0);
    submit(1, eids, second);
    const char *all[] = {"order", "list", NULL};
    assert_int_equal(finish(start("list", all)), 0);
    char *out = output("list", "out");
    const char *newest = strstr(out, second), *oldest = strstr(out, first);
    assert_true(newest != NULL && oldest != NULL && newest < oldest);
    assert_non_null(strstr(oldest, " cancelled profileType=iot-data items 2 "));
    assert_non_null(strstr(out, "\n2 orders\n"));
    free(out);
    const char *cancelled[] = {"order", "list", "--status", "cancelled", NULL};
    assert_int_equal(finish(start("list", cancelled)), 0);
    out = output("list", "out");
    assert_true(strstr(out, second) == NULL && strstr(out, first) != NULL);
    assert_non_null(strstr(out, "\n1 order\n"));
    free(out);
}

/* A callback deleted before its delivery: the worker's round makes the
 * event a dead letter, which the commands list and replay. */
static void test_dead_letters(void **state)
{
    (void)state;
    const char *list[] = {"dead-letters", "list", NULL};
    assert_int_equal(finish(start("list", list)), 0);
    char *out = output("list", "out");
    assert_string_equal(out, "0 dead letters\n");
    free(out);
    char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    memset(secret, 'k', PLATFORM_CALLBACK_SECRET_LENGTH);
    secret[PLATFORM_CALLBACK_SECRET_LENGTH] = '\0';
    platform_callback callback;
    int64_t now = fixture_clock(NULL);
    assert_int_equal(platform_callback_register(fx.admin, fx.ring, &fx.app,
                                                "https://127.0.0.1:1/events", secret,
                                                PLATFORM_EVENT_ORDER_ACCEPTED, now, &callback),
                     AW_OK);
    char eids[1][PLATFORM_EID_DIGITS + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(1, eids, order_id); /* order.accepted: one delivery */
    assert_int_equal(platform_callback_delete(fx.admin, fx.app.app_id, callback.callback_id),
                     AW_OK);
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 2000};
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    platform_delivery_stats stats = {0};
    assert_int_equal(platform_callback_deliver(fx.admin, fx.ring, client, "test", 10,
                                               fixture_clock(NULL), &stats),
                     AW_OK);
    http_client_free(client);
    assert_int_equal(stats.dead, 1);
    platform_dead_letter *letters = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_dead_letter_list(fx.admin, fx.app.tenant, 0, 10, &letters, &count,
                                               &more),
                     AW_OK);
    assert_int_equal(count, 1);
    char delivery_id[PLATFORM_DELIVERY_ID_LENGTH + 1];
    memcpy(delivery_id, letters[0].delivery_id, sizeof(delivery_id));
    free(letters);

    assert_int_equal(finish(start("list", list)), 0);
    out = output("list", "out");
    char want[256];
    snprintf(want, sizeof(want), "%s order.accepted evt_", delivery_id);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), " callback %s attempts ", callback.callback_id);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "\n1 dead letter\n"));
    free(out);
    const char *list_json[] = {"dead-letters", "list", "--json", NULL};
    assert_int_equal(finish(start("list", list_json)), 0);
    out = output("list", "out");
    json_t *root = json_loads(out, 0, NULL);
    assert_non_null(root);
    json_t *first = json_array_get(json_object_get(root, "deadLetters"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "deliveryId")), delivery_id);
    json_decref(root);
    free(out);

    const char *replay[] = {"dead-letters", "replay", delivery_id, NULL};
    assert_int_equal(finish(start("replay", replay)), 0);
    out = output("replay", "out");
    snprintf(want, sizeof(want), "%s: pending\n", delivery_id);
    assert_string_equal(out, want);
    free(out);
    /* replayed: no longer a dead letter, a second replay is A3002 */
    assert_int_equal(finish(start("replay", replay)), CTL_EXIT_APPLICATION);
    char *err = output("replay", "err");
    assert_non_null(strstr(err, "dead-letters replay: A3002 "));
    free(err);
    assert_int_equal(finish(start("list", list)), 0);
    out = output("list", "out");
    assert_string_equal(out, "0 dead letters\n");
    free(out);
}

/* digits19 and its Luhn check digit (ITU-T E.118). */
static void make_iccid(const char *digits19, char iccid[PLATFORM_ICCID_MAX + 1])
{
    int sum = 0;
    for (int i = 18, double_it = 1; i >= 0; i--, double_it = !double_it) {
        int d = (digits19[i] - '0') * (double_it ? 2 : 1);
        sum += d > 9 ? d - 9 : d;
    }
    snprintf(iccid, PLATFORM_ICCID_MAX + 1, "%s%d", digits19, (10 - sum % 10) % 10);
}

static void test_cards(void **state)
{
    (void)state;
    char eid[PLATFORM_EID_DIGITS + 1], iccid[PLATFORM_ICCID_MAX + 1];
    platform_test_eid(77, eid);
    make_iccid("8986000000000000077", iccid);
    platform_profile_record record = {.tenant = "tenant-ctl", .eid = eid, .iccid = iccid,
                                      .imsi = "460001234567890", .msisdn = "1440000000077",
                                      .profile_type = "iot-data"};
    assert_int_equal(
        platform_profile_record_written(fx.admin, &record, "executor-test", fixture_clock(NULL)),
        AW_OK);
    const char *get[] = {"cards", "get", eid, NULL};
    assert_int_equal(finish(start("cards", get)), 0);
    char *out = output("cards", "out");
    char want[256];
    snprintf(want, sizeof(want), "eid: %s\nstate: active\ncreated: ", eid);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want),
             "profiles: 1\n  %s installed iot-data imsi 460001234567890 msisdn 1440000000077\n",
             iccid);
    assert_non_null(strstr(out, want));
    free(out);
    const char *get_json[] = {"cards", "get", eid, "--json", NULL};
    assert_int_equal(finish(start("cards", get_json)), 0);
    out = output("cards", "out");
    json_t *card = json_loads(out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(card, "eid")), eid);
    assert_int_equal(json_array_size(json_object_get(card, "profiles")), 1);
    json_decref(card);
    free(out);

    const char *history[] = {"cards", "history", eid, NULL};
    assert_int_equal(finish(start("cards", history)), 0);
    out = output("cards", "out");
    snprintf(want, sizeof(want), " card %s (created) -> registered (", eid);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), " card %s registered -> active (", eid);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), " profile %s downloaded -> installed (", iccid);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, " transitions\n"));
    free(out);
    const char *history_json[] = {"cards", "history", eid, "--json", NULL};
    assert_int_equal(finish(start("cards", history_json)), 0);
    out = output("cards", "out");
    json_t *page = json_loads(out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(page, "eid")), eid);
    assert_true(json_array_size(json_object_get(page, "events")) >= 5);
    json_decref(page);
    free(out);

    const char *const filters[][2] = {{"--iccid", iccid}, {"--imsi", "460001234567890"},
                                      {"--msisdn", "1440000000077"}};
    for (size_t i = 0; i < 3; i++) {
        const char *find[] = {"cards", "find", filters[i][0], filters[i][1], NULL};
        assert_int_equal(finish(start("cards", find)), 0);
        out = output("cards", "out");
        snprintf(want, sizeof(want), "eid: %s\n", eid);
        assert_non_null(strstr(out, want));
        assert_non_null(strstr(out, "\n1 card\n"));
        free(out);
    }
    const char *none[] = {"cards", "find", "--msisdn", "1440000000078", NULL};
    assert_int_equal(finish(start("cards", none)), 0);
    out = output("cards", "out");
    assert_string_equal(out, "0 cards\n");
    free(out);
    /* refusals: an unknown card (A5001), a malformed filter (I1002), usage */
    char unknown[PLATFORM_EID_DIGITS + 1];
    platform_test_eid(78, unknown);
    const char *get_unknown[] = {"cards", "get", unknown, NULL};
    assert_int_equal(finish(start("cards", get_unknown)), CTL_EXIT_APPLICATION);
    char *err = output("cards", "err");
    assert_non_null(strstr(err, "cards get: A5001 "));
    free(err);
    const char *history_unknown[] = {"cards", "history", unknown, NULL};
    assert_int_equal(finish(start("cards", history_unknown)), CTL_EXIT_APPLICATION);
    const char *bad_filter[] = {"cards", "find", "--iccid", "123", NULL};
    assert_int_equal(finish(start("cards", bad_filter)), CTL_EXIT_INTERFACE);
    err = output("cards", "err");
    assert_non_null(strstr(err, "cards find: I1002 "));
    free(err);
    const char *no_filter[] = {"cards", "find", NULL};
    assert_int_equal(finish(start("cards", no_filter)), CTL_EXIT_USAGE);
    const char *two_filters[] = {"cards", "find", "--imsi", "460001234567890", "--msisdn", "1",
                                 NULL};
    assert_int_equal(finish(start("cards", two_filters)), CTL_EXIT_USAGE);
}

/* ---- callbacks register / list / delete ----------------------------------------- */

/* A receiver of the callback's events that checks each signature with the
 * secret the test expects (docs/api-callbacks.md "Request"), so the test
 * knows the secret registered is the file's. */
static struct {
    test_server ts;
    char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    _Atomic int good;
    _Atomic int bad;
} hook;

static void hook_handle(http_request *request, void *userdata)
{
    (void)userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    platform_signature_headers headers;
    aw_err err = platform_signature_parse_headers(
        http_request_header(request, PLATFORM_HEADER_APP_ID),
        http_request_header(request, PLATFORM_HEADER_TIMESTAMP),
        http_request_header(request, PLATFORM_HEADER_NONCE),
        http_request_header(request, PLATFORM_HEADER_SIGNATURE), &headers);
    if (err == AW_OK) {
        platform_signed_request signed_request = {
            .method = "POST", .path = http_request_path(request),
            .query = http_request_query(request), .app_id = headers.app_id,
            .timestamp = headers.timestamp, .nonce = headers.nonce, .body = body,
            .body_len = len};
        err = platform_signature_verify(&signed_request, hook.secret, headers.signature);
    }
    atomic_fetch_add(err == AW_OK ? &hook.good : &hook.bad, 1);
    http_request_set_status(request, err == AW_OK ? 200 : 401);
}

/* fx.dir/NAME holding text, mode mode; its path in out. */
static void write_file(const char *name, const char *text, mode_t mode, char out[160])
{
    snprintf(out, 160, "%s/%s", fx.dir, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
}

/* An order (order.accepted to the subscribed callbacks) and one round of
 * the delivery worker: how many it delivered. */
static int64_t deliver_one_order(void)
{
    char eids[1][PLATFORM_EID_DIGITS + 1], order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    submit(1, eids, order_id);
    http_client *client = NULL;
    http_client_config config = {.ca_file = pki.ci, .timeout_ms = 2000};
    assert_int_equal(http_client_new(&config, &client), AW_OK);
    platform_delivery_stats stats = {0};
    assert_int_equal(platform_callback_deliver(fx.admin, fx.ring, client, "test", 10,
                                               fixture_clock(NULL), &stats),
                     AW_OK);
    http_client_free(client);
    return stats.delivered;
}

/* The command's exit status, and its stderr holding text (NULL: not
 * checked). */
static void expect_refusal(const char *const *args, int status, const char *text)
{
    int got = finish(start("callbacks", args));
    char *err = output("callbacks", "err");
    if (got != status || (text != NULL && strstr(err, text) == NULL))
        fail_msg("%s %s: exit %d (want %d), stderr: %s", args[0], args[1], got, status, err);
    free(err);
}

static void test_callbacks(void **state)
{
    (void)state;
    http_server_config config = {.address = "127.0.0.1", .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key, .timeout_ms = 5000};
    test_server_new(&hook.ts, &config);
    assert_int_equal(http_server_route(hook.ts.server, AW_HTTP_METHOD_POST, "/hook", hook_handle,
                                       NULL),
                     AW_OK);
    test_server_run(&hook.ts);
    char url[96];
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/hook",
             (unsigned)http_server_port(hook.ts.server));
    /* 64 of [A-Za-z0-9_-], every kind of character */
    snprintf(hook.secret, sizeof(hook.secret), "%s",
             "Az09_-Kq7Lm3Np5Rs8Tv2Wx4Yz6Bc1Dd9Ef0Gh-Ij_Kl2Mn4Op6Qr8St0Uv1Wx3Y");
    assert_int_equal(strlen(hook.secret), PLATFORM_CALLBACK_SECRET_LENGTH);
    char secret_file[160], line[PLATFORM_CALLBACK_SECRET_LENGTH + 2];
    snprintf(line, sizeof(line), "%s\n", hook.secret);
    write_file("hook.secret", line, 0600, secret_file);

    /* register: the id alone on stdout, the secret nowhere */
    const char *reg[] = {"callbacks", "register", "--url", url, "--secret-file", secret_file,
                         "--events", "order.accepted,item.failed", NULL};
    assert_int_equal(finish(start("register", reg)), 0);
    char *out = output("register", "out"), *err = output("register", "err");
    assert_int_equal(strlen(out), PLATFORM_CALLBACK_ID_LENGTH + 1);
    assert_int_equal(strncmp(out, "cb_", 3), 0);
    assert_int_equal(out[PLATFORM_CALLBACK_ID_LENGTH], '\n');
    assert_null(strstr(err, hook.secret));
    char first_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    memcpy(first_id, out, PLATFORM_CALLBACK_ID_LENGTH);
    first_id[PLATFORM_CALLBACK_ID_LENGTH] = '\0';
    free(out);
    free(err);
    platform_callback *list = NULL;
    size_t count = 0;
    assert_int_equal(platform_callback_list(fx.admin, fx.app.app_id, &list, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(list[0].callback_id, first_id);
    assert_string_equal(list[0].url, url);
    assert_int_equal(list[0].events, PLATFORM_EVENT_ORDER_ACCEPTED | PLATFORM_EVENT_ITEM_FAILED);
    free(list);
    /* the platform signs with the file's secret */
    assert_int_equal(deliver_one_order(), 1);
    assert_int_equal(atomic_load(&hook.good), 1);
    assert_int_equal(atomic_load(&hook.bad), 0);

    /* the same URL again: I4003 (12), the error body with --json */
    const char *again[] = {"callbacks", "register", "--url", url, "--secret-file", secret_file,
                           "--events", "order.finished", "--json", NULL};
    assert_int_equal(finish(start("again", again)), CTL_EXIT_INTERFACE);
    err = output("again", "err");
    assert_non_null(strstr(err, "callbacks register: I4003 "));
    free(err);
    out = output("again", "out");
    json_t *body = json_loads(out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "code")), "I4003");
    json_decref(body);
    free(out);

    /* delete, then a callback with a secret made by --generate-secret */
    const char *del[] = {"callbacks", "delete", first_id, NULL};
    assert_int_equal(finish(start("delete", del)), 0);
    out = output("delete", "out");
    char want[160];
    snprintf(want, sizeof(want), "%s: deleted\n", first_id);
    assert_string_equal(out, want);
    free(out);
    char made[160];
    snprintf(made, sizeof(made), "%s/made.secret", fx.dir);
    const char *generate[] = {"callbacks", "register", "--url", url, "--generate-secret", made,
                              "--events", "order.accepted", "--json", NULL};
    assert_int_equal(finish(start("generate", generate)), 0);
    struct stat st;
    assert_int_equal(stat(made, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *made_text = test_read_text(made);
    assert_int_equal(strlen(made_text), PLATFORM_CALLBACK_SECRET_LENGTH + 1);
    assert_int_equal(strspn(made_text, "0123456789abcdef"), PLATFORM_CALLBACK_SECRET_LENGTH);
    assert_int_equal(made_text[PLATFORM_CALLBACK_SECRET_LENGTH], '\n');
    memcpy(hook.secret, made_text, PLATFORM_CALLBACK_SECRET_LENGTH);
    out = output("generate", "out");
    err = output("generate", "err");
    assert_null(strstr(out, hook.secret));
    assert_null(strstr(err, hook.secret));
    json_t *cb = json_loads(out, 0, NULL);
    assert_non_null(cb);
    char second_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    snprintf(second_id, sizeof(second_id), "%s",
             json_string_value(json_object_get(cb, "callbackId")));
    assert_int_equal(strlen(second_id), PLATFORM_CALLBACK_ID_LENGTH);
    assert_string_equal(json_string_value(json_object_get(cb, "url")), url);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cb, "events"), 0)),
                        "order.accepted");
    assert_null(json_object_get(cb, "secret"));
    json_decref(cb);
    free(out);
    free(err);
    assert_int_equal(deliver_one_order(), 1);
    assert_int_equal(atomic_load(&hook.good), 2);
    assert_int_equal(atomic_load(&hook.bad), 0);
    /* a secret made for a registration the platform refused is removed */
    char unused[160];
    snprintf(unused, sizeof(unused), "%s/unused.secret", fx.dir);
    const char *refused[] = {"callbacks", "register", "--url", url, "--generate-secret", unused,
                             "--events", "order.accepted", NULL};
    expect_refusal(refused, CTL_EXIT_INTERFACE, "callbacks register: I4003 ");
    assert_int_equal(access(unused, F_OK), -1);

    /* list: the one left */
    const char *ls[] = {"callbacks", "list", NULL};
    assert_int_equal(finish(start("list", ls)), 0);
    out = output("list", "out");
    snprintf(want, sizeof(want), "%s %s order.accepted created ", second_id, url);
    assert_int_equal(strncmp(out, want, strlen(want)), 0);
    assert_non_null(strstr(out, "Z\n1 callback\n"));
    free(out);
    const char *ls_json[] = {"callbacks", "list", "--json", NULL};
    assert_int_equal(finish(start("list", ls_json)), 0);
    out = output("list", "out");
    body = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(body, "callbacks")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(body, "callbacks"), 0), "callbackId")),
                        second_id);
    json_decref(body);
    free(out);

    /* refusals of the platform: a URL not https (I1002), an unknown or
     * deleted id (A3001) */
    const char *http_url[] = {"callbacks", "register", "--url", "http://127.0.0.1/hook",
                              "--secret-file", secret_file, "--events", "order.accepted", NULL};
    expect_refusal(http_url, CTL_EXIT_INTERFACE, "callbacks register: I1002 ");
    const char *user_url[] = {"callbacks", "register", "--url", "https://user@127.0.0.1/hook",
                              "--secret-file", secret_file, "--events", "order.accepted", NULL};
    expect_refusal(user_url, CTL_EXIT_INTERFACE, "callbacks register: I1002 ");
    expect_refusal(del, CTL_EXIT_APPLICATION, "callbacks delete: A3001 ");
    const char *unknown[] = {"callbacks", "delete", "cb_000000000000000000000000", NULL};
    expect_refusal(unknown, CTL_EXIT_APPLICATION, "callbacks delete: A3001 ");

    /* refusals before any call (2): events, the secret file, options */
    const char *const bad_events[][2] = {
        {"order.exploded", "unknown event type: 'order.exploded'"},
        {"order.accepted,order.accepted", "event type given twice: 'order.accepted'"},
        {"order.accepted,", "unknown event type: ''"},
        {"", "--events is a list of event types"},
    };
    for (size_t i = 0; i < sizeof(bad_events) / sizeof(bad_events[0]); i++) {
        const char *args[] = {"callbacks", "register", "--url", url, "--secret-file",
                              secret_file, "--events", bad_events[i][0], NULL};
        expect_refusal(args, CTL_EXIT_USAGE, bad_events[i][1]);
    }
    char open_file[160], short_file[160], plus_file[160], app_file[160], missing[160];
    write_file("open.secret", line, 0644, open_file);
    write_file("short.secret", line + 1, 0600, short_file); /* 63 characters */
    char plus[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    memset(plus, 'a', PLATFORM_CALLBACK_SECRET_LENGTH);
    plus[7] = '+';
    plus[PLATFORM_CALLBACK_SECRET_LENGTH] = '\0';
    write_file("plus.secret", plus, 0600, plus_file);
    write_file("app.secret", fx.secret, 0600, app_file);
    snprintf(missing, sizeof(missing), "%s/missing.secret", fx.dir);
    const char *const bad_files[][2] = {
        {missing, "missing.secret: no such file"},
        {open_file, "open.secret: must be a regular file of mode 0600"},
        {fx.dir, "must be a regular file of mode 0600"},
        {short_file, "short.secret: must hold exactly 64 characters of [A-Za-z0-9_-]"},
        {plus_file, "plus.secret: must hold exactly 64 characters of [A-Za-z0-9_-]"},
        {app_file, "app.secret holds the app's secret"}, /* AIRWRITE_APP_SECRET */
    };
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        const char *args[] = {"callbacks", "register", "--url", url, "--secret-file",
                              bad_files[i][0], "--events", "order.accepted", NULL};
        expect_refusal(args, CTL_EXIT_USAGE, bad_files[i][1]);
    }
    /* the app's secret named by --app-secret-file (the connection's) */
    const char *as_app[] = {"callbacks", "register", "--url", url, "--secret-file", secret_file,
                            "--events", "order.accepted", "--app-secret-file", secret_file,
                            NULL};
    expect_refusal(as_app, CTL_EXIT_USAGE, "hook.secret holds the app's secret");
    /* --generate-secret never overwrites: the file is kept as it was */
    const char *overwrite[] = {"callbacks", "register", "--url", url, "--generate-secret",
                               secret_file, "--events", "order.accepted", NULL};
    expect_refusal(overwrite, CTL_EXIT_USAGE, "hook.secret: exists already");
    char *kept = test_read_text(secret_file);
    assert_string_equal(kept, line);
    free(kept);
    const char *both[] = {"callbacks", "register", "--url", url, "--secret-file", secret_file,
                          "--generate-secret", made, "--events", "order.accepted", NULL};
    expect_refusal(both, CTL_EXIT_USAGE, "one of --secret-file, --generate-secret");
    const char *no_events[] = {"callbacks", "register", "--url", url, "--secret-file",
                               secret_file, NULL};
    expect_refusal(no_events, CTL_EXIT_USAGE, "needs --url, --events");
    const char *on_line[] = {"callbacks", "register", "--url", url, "--secret", hook.secret,
                             "--events", "order.accepted", NULL};
    expect_refusal(on_line, CTL_EXIT_USAGE, "never taken on the command line");
    const char *twice[] = {"callbacks", "register", "--url", url, "--url", url, NULL};
    expect_refusal(twice, CTL_EXIT_USAGE, "--url given twice");
    /* --platform-url is the connection's: nothing listens there (16) */
    const char *elsewhere[] = {"callbacks", "register", "--url", url, "--secret-file",
                               secret_file, "--events", "order.accepted", "--platform-url",
                               "https://127.0.0.1:1", NULL};
    expect_refusal(elsewhere, CTL_EXIT_TRANSPORT, NULL);
    const char *delete_none[] = {"callbacks", "delete", NULL};
    expect_refusal(delete_none, CTL_EXIT_USAGE, "missing operand");
    /* nothing refused was registered */
    assert_int_equal(platform_callback_list(fx.admin, fx.app.app_id, &list, &count), AW_OK);
    assert_int_equal(count, 1);
    free(list);
    test_server_free(&hook.ts);
    free(made_text);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_airwritectl_cli AIRWRITECTL\n");
        return 2;
    }
    airwritectl = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_watch_all_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_partially_completed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_letters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, fixture_global_setup, fixture_global_teardown);
}
