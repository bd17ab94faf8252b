/* airwrite core: the strict INI parser of the daemons' configuration files
 * (config.h, docs/airwrited.md). One pass over the bytes, every line
 * bounded, nothing trusted: the text is copied into one allocation and
 * entries point into it. */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"

typedef struct config_entry {
    const char *section; /* into config->text */
    const char *key;
    const char *value;
    size_t line;
} config_entry;

struct aw_config {
    char *text;                 /* the names and values, NUL-terminated in place */
    config_entry *entries;
    size_t entry_count;
    const char **sections;      /* sections written, in order */
    size_t section_count;
};

static bool name_char(char c, bool first)
{
    if (c >= 'a' && c <= 'z')
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '_');
}

static bool valid_name(const char *name, size_t len)
{
    if (len == 0 || len > CONFIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!name_char(name[i], i == 0))
            return false;
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static void set_position(config_position *where, size_t line, const char *section,
                         const char *key)
{
    if (where == NULL)
        return;
    where->line = line;
    snprintf(where->section, sizeof(where->section), "%s", section != NULL ? section : "");
    snprintf(where->key, sizeof(where->key), "%s", key != NULL ? key : "");
}

static bool schema_has_section(const config_key *schema, size_t count, const char *section)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(schema[i].section, section) == 0)
            return true;
    return false;
}

static const config_key *schema_find(const config_key *schema, size_t count, const char *section,
                                     const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(schema[i].section, section) == 0 && strcmp(schema[i].key, key) == 0)
            return &schema[i];
    return NULL;
}

void config_free(aw_config *c)
{
    if (c == NULL)
        return;
    free(c->text);
    free(c->entries);
    free(c->sections);
    free(c);
}

/* One line text[0..len) (no line end) with its number; current is the
 * section in force (NULL before the first). */
static aw_err parse_line(aw_config *c, char *line, size_t len, size_t number,
                         const config_key *schema, size_t schema_count, const char **current,
                         config_position *where)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)line[i];
        if (!(b == '\t' || (b >= 0x20 && b <= 0x7E))) {
            set_position(where, number, *current, NULL);
            return AW_ERR_CONFIG_SYNTAX;
        }
    }
    size_t start = 0, end = len;
    while (start < end && blank(line[start]))
        start++;
    while (end > start && blank(line[end - 1]))
        end--;
    if (start == end || line[start] == '#' || line[start] == ';')
        return AW_OK;
    if (line[start] == '[') {
        if (line[end - 1] != ']') {
            set_position(where, number, *current, NULL);
            return AW_ERR_CONFIG_SYNTAX;
        }
        char *name = line + start + 1;
        size_t name_len = end - start - 2;
        if (!valid_name(name, name_len)) {
            set_position(where, number, *current, NULL);
            return AW_ERR_CONFIG_SYNTAX;
        }
        name[name_len] = '\0';
        if (!schema_has_section(schema, schema_count, name)) {
            set_position(where, number, name, NULL);
            return AW_ERR_CONFIG_SECTION;
        }
        if (config_has_section(c, name)) {
            set_position(where, number, name, NULL);
            return AW_ERR_CONFIG_DUPLICATE;
        }
        c->sections[c->section_count++] = name;
        *current = name;
        return AW_OK;
    }
    char *equals = memchr(line + start, '=', end - start);
    if (equals == NULL || *current == NULL) {
        set_position(where, number, *current, NULL);
        return AW_ERR_CONFIG_SYNTAX;
    }
    size_t key_end = (size_t)(equals - line);
    while (key_end > start && blank(line[key_end - 1]))
        key_end--;
    size_t value_start = (size_t)(equals - line) + 1;
    while (value_start < end && blank(line[value_start]))
        value_start++;
    if (!valid_name(line + start, key_end - start) || value_start == end) {
        set_position(where, number, *current, NULL);
        return AW_ERR_CONFIG_SYNTAX;
    }
    char *key = line + start;
    key[key_end - start] = '\0';
    line[end] = '\0';
    const config_key *allowed = schema_find(schema, schema_count, *current, key);
    if (allowed == NULL) {
        set_position(where, number, *current, key);
        return AW_ERR_CONFIG_KEY;
    }
    if ((allowed->flags & CONFIG_REPEATABLE) == 0 && config_count(c, *current, key) != 0) {
        set_position(where, number, *current, key);
        return AW_ERR_CONFIG_DUPLICATE;
    }
    if (c->entry_count == CONFIG_ENTRIES_MAX) {
        set_position(where, number, *current, key);
        return AW_ERR_LIMIT;
    }
    c->entries[c->entry_count++] =
        (config_entry){.section = *current, .key = key, .value = line + value_start,
                       .line = number};
    return AW_OK;
}

aw_err config_parse(const char *text, size_t len, const config_key *schema, size_t schema_count,
                    aw_config **out, config_position *where)
{
    set_position(where, 0, NULL, NULL);
    if (out != NULL)
        *out = NULL;
    if ((text == NULL && len != 0) || schema == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (len > CONFIG_FILE_MAX)
        return AW_ERR_LIMIT;
    for (size_t i = 0; i < schema_count; i++)
        if (schema[i].section == NULL || schema[i].key == NULL)
            return AW_ERR_ARGUMENT;
    aw_err err = AW_ERR_NOMEM;
    aw_config *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    /* one byte more than the text: the last line's NUL */
    c->text = malloc(len + 1);
    c->entries = calloc(CONFIG_ENTRIES_MAX, sizeof(*c->entries));
    /* a section line is at least 3 bytes and a newline */
    c->sections = calloc(len / 4 + 1, sizeof(*c->sections));
    if (c->text == NULL || c->entries == NULL || c->sections == NULL)
        goto cleanup;
    if (len != 0)
        memcpy(c->text, text, len);
    c->text[len] = '\0';
    const char *current = NULL;
    size_t number = 0, at = 0;
    err = AW_OK;
    while (err == AW_OK && at < len) {
        number++;
        char *line = c->text + at;
        char *newline = memchr(line, '\n', len - at);
        size_t line_len = newline != NULL ? (size_t)(newline - line) : len - at;
        at += line_len + (newline != NULL ? 1 : 0);
        if (line_len != 0 && line[line_len - 1] == '\r')
            line_len--; /* CRLF */
        if (line_len > CONFIG_LINE_MAX) {
            set_position(where, number, current, NULL);
            err = AW_ERR_LIMIT;
            break;
        }
        line[line_len] = '\0';
        err = parse_line(c, line, line_len, number, schema, schema_count, &current, where);
    }
cleanup:
    if (err != AW_OK) {
        config_free(c);
        return err;
    }
    *out = c;
    return AW_OK;
}

aw_err config_load_file(const char *path, const config_key *schema, size_t schema_count,
                        aw_config **out, config_position *where)
{
    set_position(where, 0, NULL, NULL);
    if (out != NULL)
        *out = NULL;
    if (path == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, CONFIG_FILE_MAX, &data, &len);
    if (err == AW_OK)
        err = config_parse((const char *)data, len, schema, schema_count, out, where);
    free(data);
    return err;
}

bool config_has_section(const aw_config *c, const char *section)
{
    if (c == NULL || section == NULL)
        return false;
    for (size_t i = 0; i < c->section_count; i++)
        if (strcmp(c->sections[i], section) == 0)
            return true;
    return false;
}

size_t config_count(const aw_config *c, const char *section, const char *key)
{
    size_t n = 0;
    if (c == NULL || section == NULL || key == NULL)
        return 0;
    for (size_t i = 0; i < c->entry_count; i++)
        if (strcmp(c->entries[i].section, section) == 0 && strcmp(c->entries[i].key, key) == 0)
            n++;
    return n;
}

aw_err config_get_text(const aw_config *c, const char *section, const char *key,
                       size_t index, const char **value, size_t *line)
{
    if (value != NULL)
        *value = NULL;
    if (line != NULL)
        *line = 0;
    if (c == NULL || section == NULL || key == NULL || value == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < c->entry_count; i++) {
        const config_entry *e = &c->entries[i];
        if (strcmp(e->section, section) != 0 || strcmp(e->key, key) != 0)
            continue;
        if (index-- != 0)
            continue;
        *value = e->value;
        if (line != NULL)
            *line = e->line;
        return AW_OK;
    }
    return AW_ERR_NOT_FOUND;
}

aw_err config_get_uint(const aw_config *c, const char *section, const char *key,
                       uint64_t min, uint64_t max, uint64_t *value, config_position *where)
{
    const char *text = NULL;
    size_t line = 0;
    if (value == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = config_get_text(c, section, key, 0, &text, &line);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    if (err != AW_OK)
        return err;
    uint64_t number = 0;
    size_t len = strlen(text);
    bool ok = len > 0 && len <= 20 && !(len > 1 && text[0] == '0');
    for (size_t i = 0; ok && i < len; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (digit > 9 || number > (UINT64_MAX - digit) / 10)
            ok = false;
        else
            number = number * 10 + digit;
    }
    if (!ok || number < min || number > max) {
        set_position(where, line, section, key);
        return AW_ERR_CONFIG_VALUE;
    }
    *value = number;
    return AW_OK;
}

aw_err config_get_bool(const aw_config *c, const char *section, const char *key, bool *value,
                       config_position *where)
{
    static const char *const yes[] = {"yes", "true", "on"};
    static const char *const no[] = {"no", "false", "off"};
    const char *text = NULL;
    size_t line = 0;
    if (value == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = config_get_text(c, section, key, 0, &text, &line);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    if (err != AW_OK)
        return err;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(text, yes[i]) == 0) {
            *value = true;
            return AW_OK;
        }
        if (strcmp(text, no[i]) == 0) {
            *value = false;
            return AW_OK;
        }
    }
    set_position(where, line, section, key);
    return AW_ERR_CONFIG_VALUE;
}

void config_format_error(const char *file, const config_position *where, aw_err err, char *out,
                         size_t cap)
{
    if (out == NULL || cap == 0)
        return;
    char place[64] = "";
    char name[2 * CONFIG_NAME_MAX + 8] = "";
    if (where != NULL && where->line != 0)
        snprintf(place, sizeof(place), ":%zu", where->line);
    if (where != NULL && where->section[0] != '\0')
        snprintf(name, sizeof(name), " [%s]%s%s:", where->section, where->key[0] ? " " : "",
                 where->key);
    snprintf(out, cap, "%s%s:%s %s (%s)", file != NULL ? file : "configuration", place, name,
             aw_err_message(err), aw_err_name(err));
}
