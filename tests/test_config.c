/* Tests for the strict INI configuration parser (src/core/config.c): the
 * accepted dialect, typed reads, and one test per error with its line. */
#include "testutil.h"

#include <unistd.h>

#include "core/config.h"

static const config_key schema[] = {
    {"main", "name", 0},
    {"main", "port", 0},
    {"main", "enabled", 0},
    {"main", "allow", CONFIG_REPEATABLE},
    {"other", "url", 0},
};
#define SCHEMA_COUNT (sizeof(schema) / sizeof(schema[0]))

static aw_err parse(const char *text, aw_config **c, config_position *where)
{
    return config_parse(text, strlen(text), schema, SCHEMA_COUNT, c, where);
}

static void expect_error(const char *text, aw_err want, size_t line)
{
    aw_config *c = (aw_config *)1;
    config_position where;
    assert_int_equal(parse(text, &c, &where), want);
    assert_null(c);
    assert_int_equal(where.line, line);
}

static void test_accepts_dialect(void **state)
{
    (void)state;
    const char *text = "# comment\n"
                       "; other comment\r\n"
                       "\n"
                       "  [main]  \n"
                       "name =  a value; with # signs  \n"
                       "\tport=8443\r\n"
                       "allow = CN=one,O=x\n"
                       "allow = CN=two\n"
                       "[other]\n"
                       "url = postgresql://u@h/db?sslmode=require";
    aw_config *c = NULL;
    config_position where;
    assert_int_equal(parse(text, &c, &where), AW_OK);
    assert_true(config_has_section(c, "main"));
    assert_true(config_has_section(c, "other"));
    const char *value = NULL;
    size_t line = 0;
    assert_int_equal(config_get_text(c, "main", "name", 0, &value, &line), AW_OK);
    assert_string_equal(value, "a value; with # signs");
    assert_int_equal(line, 5);
    assert_int_equal(config_count(c, "main", "allow"), 2);
    assert_int_equal(config_get_text(c, "main", "allow", 1, &value, &line), AW_OK);
    assert_string_equal(value, "CN=two");
    assert_int_equal(line, 8);
    assert_int_equal(config_get_text(c, "main", "allow", 2, &value, &line), AW_ERR_NOT_FOUND);
    assert_null(value);
    assert_int_equal(config_get_text(c, "other", "url", 0, &value, NULL), AW_OK);
    assert_string_equal(value, "postgresql://u@h/db?sslmode=require");
    uint64_t port = 1;
    assert_int_equal(config_get_uint(c, "main", "port", 1, 65535, &port, &where), AW_OK);
    assert_int_equal(port, 8443);
    /* absent: the caller's default stays */
    bool enabled = true;
    assert_int_equal(config_get_bool(c, "main", "enabled", &enabled, &where), AW_OK);
    assert_true(enabled);
    config_free(c);
}

static void test_empty_and_section_only(void **state)
{
    (void)state;
    aw_config *c = NULL;
    assert_int_equal(config_parse("", 0, schema, SCHEMA_COUNT, &c, NULL), AW_OK);
    assert_false(config_has_section(c, "main"));
    assert_int_equal(config_count(c, "main", "name"), 0);
    config_free(c);
    assert_int_equal(parse("[other]", &c, NULL), AW_OK);
    assert_true(config_has_section(c, "other"));
    config_free(c);
    config_free(NULL);
}

static void test_typed_values(void **state)
{
    (void)state;
    aw_config *c = NULL;
    config_position where;
    uint64_t n = 7;
    bool b = false;
    assert_int_equal(parse("[main]\nport = 0\nenabled = on\n", &c, NULL), AW_OK);
    assert_int_equal(config_get_uint(c, "main", "port", 0, 10, &n, &where), AW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(config_get_bool(c, "main", "enabled", &b, &where), AW_OK);
    assert_true(b);
    config_free(c);

    static const char *const bad_numbers[] = {"-1", "+1", "08", "1x", "65536",
                                              "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
        char text[64];
        snprintf(text, sizeof(text), "[main]\n\nport = %s\n", bad_numbers[i]);
        assert_int_equal(parse(text, &c, NULL), AW_OK);
        n = 7;
        assert_int_equal(config_get_uint(c, "main", "port", 1, 65535, &n, &where),
                         AW_ERR_CONFIG_VALUE);
        assert_int_equal(n, 7);
        assert_int_equal(where.line, 3);
        assert_string_equal(where.section, "main");
        assert_string_equal(where.key, "port");
        config_free(c);
    }
    assert_int_equal(parse("[main]\nenabled = Yes\n", &c, NULL), AW_OK);
    assert_int_equal(config_get_bool(c, "main", "enabled", &b, &where), AW_ERR_CONFIG_VALUE);
    assert_int_equal(where.line, 2);
    config_free(c);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("[main]\nname\n", AW_ERR_CONFIG_SYNTAX, 2);            /* no '=' */
    expect_error("name = x\n", AW_ERR_CONFIG_SYNTAX, 1);                /* before a section */
    expect_error("[main]\nname =   \n", AW_ERR_CONFIG_SYNTAX, 2);       /* empty value */
    expect_error("[main]\n = x\n", AW_ERR_CONFIG_SYNTAX, 2);            /* empty key */
    expect_error("[main]\nNa-me = x\n", AW_ERR_CONFIG_SYNTAX, 2);       /* bad key name */
    expect_error("[main\n", AW_ERR_CONFIG_SYNTAX, 1);                    /* unclosed */
    expect_error("[]\n", AW_ERR_CONFIG_SYNTAX, 1);                       /* empty name */
    expect_error("[1main]\n", AW_ERR_CONFIG_SYNTAX, 1);                  /* starts with a digit */
    expect_error("[main]\nname = caf\xc3\xa9\n", AW_ERR_CONFIG_SYNTAX, 2); /* not ASCII */
    aw_config *c = NULL;
    config_position where;
    static const char nul[] = "[main]\nname = a\0b\n";
    assert_int_equal(config_parse(nul, sizeof(nul) - 1, schema, SCHEMA_COUNT, &c, &where),
                     AW_ERR_CONFIG_SYNTAX);
    assert_int_equal(where.line, 2);
    assert_string_equal(where.section, "main");
}

static void test_schema_errors(void **state)
{
    (void)state;
    aw_config *c = NULL;
    config_position where;
    assert_int_equal(parse("[main]\n[extra]\n", &c, &where), AW_ERR_CONFIG_SECTION);
    assert_int_equal(where.line, 2);
    assert_string_equal(where.section, "extra");
    assert_int_equal(parse("[main]\nname = a\nprot = 1\n", &c, &where), AW_ERR_CONFIG_KEY);
    assert_int_equal(where.line, 3);
    assert_string_equal(where.key, "prot");
    /* a key of another section is unknown here */
    assert_int_equal(parse("[main]\nurl = x\n", &c, &where), AW_ERR_CONFIG_KEY);
    assert_int_equal(parse("[main]\nname = a\n\nname = b\n", &c, &where),
                     AW_ERR_CONFIG_DUPLICATE);
    assert_int_equal(where.line, 4);
    assert_string_equal(where.key, "name");
    assert_int_equal(parse("[main]\n[other]\n[main]\n", &c, &where), AW_ERR_CONFIG_DUPLICATE);
    assert_int_equal(where.line, 3);
    assert_null(c);
}

static void test_limits(void **state)
{
    (void)state;
    aw_config *c = NULL;
    config_position where;
    size_t len = CONFIG_LINE_MAX + 32;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, "[main]\nname = ", 14);
    memset(text + 14, 'x', len - 14);
    text[len] = '\0';
    assert_int_equal(parse(text, &c, &where), AW_ERR_LIMIT);
    assert_int_equal(where.line, 2);
    free(text);

    /* CONFIG_ENTRIES_MAX + 1 repeatable keys */
    size_t cap = 16 + (CONFIG_ENTRIES_MAX + 1) * 10;
    text = malloc(cap);
    assert_non_null(text);
    size_t at = (size_t)snprintf(text, cap, "[main]\n");
    for (size_t i = 0; i <= CONFIG_ENTRIES_MAX; i++)
        at += (size_t)snprintf(text + at, cap - at, "allow = x\n");
    assert_int_equal(parse(text, &c, &where), AW_ERR_LIMIT);
    assert_int_equal(where.line, CONFIG_ENTRIES_MAX + 2);
    free(text);

    assert_int_equal(config_parse("", CONFIG_FILE_MAX + 1, schema, SCHEMA_COUNT, &c, &where),
                     AW_ERR_LIMIT);
    assert_int_equal(where.line, 0);
    assert_int_equal(config_parse(NULL, 1, schema, SCHEMA_COUNT, &c, &where), AW_ERR_ARGUMENT);
    assert_int_equal(config_parse("", 0, NULL, 0, &c, &where), AW_ERR_ARGUMENT);
    static const config_key broken[] = {{"main", NULL, 0}};
    assert_int_equal(config_parse("", 0, broken, 1, &c, &where), AW_ERR_ARGUMENT);
}

static void test_load_file_and_format(void **state)
{
    (void)state;
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "[main]\nname = x\nport = 70000\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    aw_config *c = NULL;
    config_position where;
    assert_int_equal(config_load_file(path, schema, SCHEMA_COUNT, &c, &where), AW_OK);
    uint64_t port = 0;
    assert_int_equal(config_get_uint(c, "main", "port", 1, 65535, &port, &where),
                     AW_ERR_CONFIG_VALUE);
    char message[256];
    config_format_error(path, &where, AW_ERR_CONFIG_VALUE, message, sizeof(message));
    char want[256];
    snprintf(want, sizeof(want), "%s:3: [main] port: %s (AW_ERR_CONFIG_VALUE)", path,
             aw_err_message(AW_ERR_CONFIG_VALUE));
    assert_string_equal(message, want);
    config_free(c);
    unlink(path);
    assert_int_not_equal(config_load_file(path, schema, SCHEMA_COUNT, &c, &where), AW_OK);
    assert_null(c);
    assert_int_equal(where.line, 0);
    config_format_error(path, &where, AW_ERR_IO, message, sizeof(message));
    snprintf(want, sizeof(want), "%s: %s (AW_ERR_IO)", path, aw_err_message(AW_ERR_IO));
    assert_string_equal(message, want);
    /* cut to fit, always terminated */
    config_format_error(path, &where, AW_ERR_IO, message, 8);
    assert_int_equal(strlen(message), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_dialect),
        cmocka_unit_test(test_empty_and_section_only),
        cmocka_unit_test(test_typed_values),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load_file_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
