/* Tests of the JSON log lines (src/core/log.c): exact output with a fixed
 * clock, RFC 8259 string escaping checked by jansson, RFC 3339 times,
 * byte buffers only as length or fingerprint, truncation, levels, the fd
 * and FILE * destinations and every error path. */
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"

#define FIXED_MS INT64_C(1764567751123) /* 2025-12-01T05:42:31.123Z */

static int64_t fixed_clock(void *userdata)
{
    return *(const int64_t *)userdata;
}

static char *format(const log_field *fields, size_t count)
{
    static char line[LOG_LINE_MAX];
    size_t len = 0;
    assert_int_equal(log_format_line(FIXED_MS, LOG_LEVEL_INFO, "smdp", "test", fields, count,
                                     line, sizeof(line), &len),
                     AW_OK);
    assert_int_equal(len, strlen(line));
    assert_true(len > 0 && line[len - 1] == '\n');
    return line;
}

/* The line is one JSON object (jansson, strict) and its value of name. */
static json_t *parse(const char *line)
{
    json_error_t error;
    json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL)
        print_error("not JSON: %s (%s)\n", line, error.text);
    assert_non_null(root);
    assert_true(json_is_object(root));
    return root;
}

static void test_exact_line(void **state)
{
    (void)state;
    static const uint8_t abc[] = {'a', 'b', 'c'};
    log_field fields[] = {
        LOG_TEXT("function", "initiateAuthentication"),
        LOG_INT("delta", -42),
        LOG_UINT("duration_us", UINT64_MAX),
        LOG_BOOL("ok", true),
        LOG_BOOL("retry", false),
        LOG_BYTES_LENGTH("body", abc, sizeof(abc)),
        LOG_BYTES_HASH("key", abc, sizeof(abc)),
        LOG_TEXT("none", NULL),
        LOG_INT("min", INT64_MIN),
    };
    assert_string_equal(format(fields, sizeof(fields) / sizeof(fields[0])),
                        "{\"ts\":\"2025-12-01T05:42:31.123Z\",\"level\":\"info\","
                        "\"component\":\"smdp\",\"event\":\"test\","
                        "\"function\":\"initiateAuthentication\",\"delta\":-42,"
                        "\"duration_us\":18446744073709551615,\"ok\":true,\"retry\":false,"
                        "\"body\":3,\"key\":\"sha256:ba7816bf8f01cfea\",\"none\":null,"
                        "\"min\":-9223372036854775808}\n");
    /* SHA-256("abc") from FIPS 180-2 B.1 starts ba7816bf8f01cfea; jansson
     * reads the line once the one number past INT64_MAX is smaller */
    fields[2] = LOG_UINT("duration_us", 5312);
    json_t *root = parse(format(fields, sizeof(fields) / sizeof(fields[0])));
    assert_int_equal(json_integer_value(json_object_get(root, "duration_us")), 5312);
    assert_string_equal(json_string_value(json_object_get(root, "key")),
                        "sha256:ba7816bf8f01cfea");
    assert_int_equal(json_integer_value(json_object_get(root, "delta")), -42);
    assert_true(json_is_null(json_object_get(root, "none")));
    json_decref(root);
    /* no fields at all */
    assert_string_equal(format(NULL, 0), "{\"ts\":\"2025-12-01T05:42:31.123Z\",\"level\":"
                                         "\"info\",\"component\":\"smdp\",\"event\":\"test\"}\n");
}

static void test_times(void **state)
{
    (void)state;
    char line[256];
    size_t len;
    assert_int_equal(log_format_line(0, LOG_LEVEL_ERROR, "c", "e", NULL, 0, line, sizeof(line),
                                     &len),
                     AW_OK);
    assert_string_equal(line, "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"error\","
                              "\"component\":\"c\",\"event\":\"e\"}\n");
    /* a leap year day and the last millisecond of a second */
    assert_int_equal(log_format_line(INT64_C(951825599999), LOG_LEVEL_DEBUG, "c", "e", NULL, 0,
                                     line, sizeof(line), &len),
                     AW_OK);
    assert_non_null(strstr(line, "\"ts\":\"2000-02-29T11:59:59.999Z\",\"level\":\"debug\""));
    /* a clock before the epoch is written as the epoch */
    assert_int_equal(log_format_line(-5, LOG_LEVEL_WARNING, "c", "e", NULL, 0, line,
                                     sizeof(line), &len),
                     AW_OK);
    assert_non_null(strstr(line, "\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"warning\""));
}

/* Quotes, backslashes and every control character are escaped; the text
 * jansson reads back is the text given. */
static void test_escaping(void **state)
{
    (void)state;
    char text[40];
    for (int c = 1; c < 0x20; c++)
        text[c - 1] = (char)c;
    memcpy(text + 31, "\"\\/\x7f", 5);
    log_field fields[] = {LOG_TEXT("controls", text), LOG_TEXT("quo\"te", "a\"b\\c"),
                          LOG_TEXT("utf8", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xB6")};
    const char *line = format(fields, 3);
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
    assert_non_null(strstr(line, "\"controls\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006"
                                 "\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e"));
    assert_non_null(strstr(line, "\\u001f\\\"\\\\/\x7f\""));
    assert_non_null(strstr(line, "\"quo\\\"te\":\"a\\\"b\\\\c\""));
    json_t *root = parse(line);
    assert_string_equal(json_string_value(json_object_get(root, "controls")), text);
    assert_string_equal(json_string_value(json_object_get(root, "quo\"te")), "a\"b\\c");
    assert_string_equal(json_string_value(json_object_get(root, "utf8")),
                        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xB6");
    json_decref(root);
}

/* Bytes that are not UTF-8 (lone continuation, overlong, surrogate, past
 * U+10FFFF, cut sequence) become U+FFFD, so every line stays valid JSON. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    log_field fields[] = {LOG_TEXT("a", "x\x80y"),        LOG_TEXT("b", "\xC0\xAF"),
                          LOG_TEXT("c", "\xED\xA0\x80"),  LOG_TEXT("d", "\xF4\x90\x80\x80"),
                          LOG_TEXT("e", "end\xE2\x82"),   LOG_TEXT("f", "\xFF")};
    json_t *root = parse(format(fields, 6));
    assert_string_equal(json_string_value(json_object_get(root, "a")), "x\xEF\xBF\xBDy");
    assert_string_equal(json_string_value(json_object_get(root, "b")),
                        "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_object_get(root, "c")),
                        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_object_get(root, "d")),
                        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_object_get(root, "e")),
                        "end\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_object_get(root, "f")), "\xEF\xBF\xBD");
    json_decref(root);
}

/* A text over LOG_TEXT_MAX is cut at a character boundary and marked. */
static void test_long_text(void **state)
{
    (void)state;
    char *text = malloc(3 * LOG_TEXT_MAX);
    assert_non_null(text);
    memset(text, 'a', 3 * LOG_TEXT_MAX - 1);
    text[3 * LOG_TEXT_MAX - 1] = '\0';
    text[LOG_TEXT_MAX - 1] = '\xC3'; /* a two-byte character across the cut */
    text[LOG_TEXT_MAX] = '\xA9';
    log_field fields[] = {LOG_TEXT("long", text)};
    json_t *root = parse(format(fields, 1));
    const char *got = json_string_value(json_object_get(root, "long"));
    assert_int_equal(strlen(got), LOG_TEXT_MAX - 1 + 3);
    assert_memory_equal(got, text, LOG_TEXT_MAX - 1);
    assert_string_equal(got + LOG_TEXT_MAX - 1, "...");
    json_decref(root);
    free(text);
}

/* Fields that do not fit the line are dropped and the line says so. */
static void test_line_overflow(void **state)
{
    (void)state;
    char text[LOG_TEXT_MAX];
    memset(text, '\x01', sizeof(text) - 1); /* six bytes each once escaped */
    text[sizeof(text) - 1] = '\0';
    log_field fields[LOG_FIELDS_MAX];
    for (size_t i = 0; i < LOG_FIELDS_MAX; i++)
        fields[i] = LOG_TEXT("f", text);
    char *line = malloc(LOG_LINE_MAX);
    assert_non_null(line);
    size_t len = 0;
    assert_int_equal(log_format_line(FIXED_MS, LOG_LEVEL_INFO, "c", "e", fields, LOG_FIELDS_MAX,
                                     line, LOG_LINE_MAX, &len),
                     AW_OK);
    assert_true(len < LOG_LINE_MAX);
    json_error_t error;
    json_t *root = json_loads(line, 0, &error); /* duplicate "f" keys allowed here */
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(root, "truncated")));
    json_decref(root);
    /* more than LOG_FIELDS_MAX fields: the rest are dropped too */
    log_field many[LOG_FIELDS_MAX + 1];
    for (size_t i = 0; i <= LOG_FIELDS_MAX; i++)
        many[i] = LOG_UINT("n", i);
    assert_int_equal(log_format_line(FIXED_MS, LOG_LEVEL_INFO, "c", "e", many,
                                     LOG_FIELDS_MAX + 1, line, LOG_LINE_MAX, &len),
                     AW_OK);
    assert_non_null(strstr(line, "\"n\":31,\"truncated\":true}\n"));
    assert_null(strstr(line, "\"n\":32"));
    /* a buffer too small for even the header */
    assert_int_equal(log_format_line(FIXED_MS, LOG_LEVEL_INFO, "c", "e", NULL, 0, line, 40, &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(log_format_line(FIXED_MS, LOG_LEVEL_INFO, "c", "e", NULL, 0, line, 10, &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    free(line);
}

static void test_format_errors(void **state)
{
    (void)state;
    char line[256];
    size_t len = 1;
    assert_int_equal(log_format_line(0, LOG_LEVEL_INFO, "c", "e", NULL, 0, NULL, 10, &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(len, 0);
    assert_int_equal(log_format_line(0, LOG_LEVEL_INFO, "c", "e", NULL, 1, line, sizeof(line),
                                     &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(log_format_line(0, (log_level)9, "c", "e", NULL, 0, line, sizeof(line),
                                     &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(log_format_line(0, LOG_LEVEL_INFO, "c", "e", NULL, 0, line, sizeof(line),
                                     NULL),
                     AW_ERR_ARGUMENT);
    /* an unknown field type is written as null, never as memory */
    log_field odd = {.name = "odd", .type = (log_field_type)99};
    assert_int_equal(log_format_line(0, LOG_LEVEL_INFO, NULL, NULL, &odd, 1, line, sizeof(line),
                                     &len),
                     AW_OK);
    assert_non_null(strstr(line, "\"component\":\"\",\"event\":\"\",\"odd\":null}"));
}

static void test_levels(void **state)
{
    (void)state;
    log_level level = LOG_LEVEL_ERROR;
    assert_int_equal(log_level_parse("debug", &level), AW_OK);
    assert_int_equal(level, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("warning", &level), AW_OK);
    assert_int_equal(level, LOG_LEVEL_WARNING);
    assert_int_equal(log_level_parse("WARN", &level), AW_ERR_ARGUMENT);
    assert_int_equal(log_level_parse(NULL, &level), AW_ERR_ARGUMENT);
    assert_int_equal(log_level_parse("info", NULL), AW_ERR_ARGUMENT);
    assert_string_equal(log_level_name(LOG_LEVEL_ERROR), "error");
    assert_null(log_level_name((log_level)4));
    assert_false(log_enabled(NULL, LOG_LEVEL_ERROR));
    log_event(NULL, LOG_LEVEL_ERROR, "c", "e", NULL, 0); /* logging off: nothing */
    assert_int_equal(log_dropped(NULL), 0);
    log_free(NULL);
    log_set_clock(NULL, fixed_clock, NULL);
}

/* Through a file descriptor: one line per event, level filter applied. */
static void test_fd_destination(void **state)
{
    (void)state;
    char path[] = "/tmp/aw-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    aw_log *log = NULL;
    assert_int_equal(log_new_fd(fd, LOG_LEVEL_INFO, &log), AW_OK);
    int64_t now = FIXED_MS;
    log_set_clock(log, fixed_clock, &now);
    assert_false(log_enabled(log, LOG_LEVEL_DEBUG));
    assert_true(log_enabled(log, LOG_LEVEL_WARNING));
    log_event(log, LOG_LEVEL_DEBUG, "smdp", "hidden", NULL, 0);
    log_field f[] = {LOG_UINT("n", 1)};
    log_event(log, LOG_LEVEL_INFO, "smdp", "first", f, 1);
    now += 1;
    log_event(log, LOG_LEVEL_ERROR, "smdp", "second", NULL, 0);
    log_set_clock(log, NULL, NULL); /* back to the real clock */
    log_event(log, LOG_LEVEL_WARNING, "smdp", "third", NULL, 0);
    assert_int_equal(log_dropped(log), 0);
    size_t len = 0;
    uint8_t *data = test_read_file(path, &len);
    assert_non_null(data);
    data = realloc(data, len + 1);
    data[len] = '\0';
    const char *want = "{\"ts\":\"2025-12-01T05:42:31.123Z\",\"level\":\"info\",\"component\":"
                       "\"smdp\",\"event\":\"first\",\"n\":1}\n"
                       "{\"ts\":\"2025-12-01T05:42:31.124Z\",\"level\":\"error\",\"component\":"
                       "\"smdp\",\"event\":\"second\"}\n";
    assert_memory_equal(data, want, strlen(want));
    json_t *third = parse((const char *)data + strlen(want));
    assert_string_equal(json_string_value(json_object_get(third, "event")), "third");
    assert_string_not_equal(json_string_value(json_object_get(third, "ts")),
                            "2025-12-01T05:42:31.124Z");
    json_decref(third);
    free(data);
    log_free(log);
    /* a closed descriptor: the line is counted as dropped */
    assert_int_equal(close(fd), 0);
    assert_int_equal(log_new_fd(fd, LOG_LEVEL_DEBUG, &log), AW_OK);
    log_event(log, LOG_LEVEL_INFO, "smdp", "lost", NULL, 0);
    assert_int_equal(log_dropped(log), 1);
    log_free(log);
    unlink(path);
}

static void test_stream_destination(void **state)
{
    (void)state;
    char *buffer = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&buffer, &size);
    assert_non_null(stream);
    aw_log *log = NULL;
    assert_int_equal(log_new_stream(stream, LOG_LEVEL_DEBUG, &log), AW_OK);
    int64_t now = 0;
    log_set_clock(log, fixed_clock, &now);
    log_field f[] = {LOG_TEXT("t", "a\nb")};
    log_event(log, LOG_LEVEL_DEBUG, "core", "x", f, 1);
    /* flushed after every line: visible without closing */
    assert_string_equal(buffer, "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"debug\","
                                "\"component\":\"core\",\"event\":\"x\",\"t\":\"a\\nb\"}\n");
    log_free(log);
    fclose(stream);
    free(buffer);
}

static void test_new_errors(void **state)
{
    (void)state;
    aw_log *log = (aw_log *)&log;
    assert_int_equal(log_new_fd(-1, LOG_LEVEL_INFO, &log), AW_ERR_ARGUMENT);
    assert_null(log);
    log = (aw_log *)&log;
    assert_int_equal(log_new_stream(NULL, LOG_LEVEL_INFO, &log), AW_ERR_ARGUMENT);
    assert_null(log);
    log = (aw_log *)&log;
    assert_int_equal(log_new_fd(2, (log_level)7, &log), AW_ERR_ARGUMENT);
    assert_null(log);
    assert_int_equal(log_new_fd(2, LOG_LEVEL_INFO, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(log_new_stream(stderr, LOG_LEVEL_INFO, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_line),     cmocka_unit_test(test_times),
        cmocka_unit_test(test_escaping),       cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_text),      cmocka_unit_test(test_line_overflow),
        cmocka_unit_test(test_format_errors),  cmocka_unit_test(test_levels),
        cmocka_unit_test(test_fd_destination), cmocka_unit_test(test_stream_destination),
        cmocka_unit_test(test_new_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
