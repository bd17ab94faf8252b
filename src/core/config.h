/* airwrite core: configuration files of the daemons (airwrited,
 * docs/airwrited.md), a small strict INI dialect:
 *
 *   # comment (also "; comment"), on a line of its own
 *   [section]
 *   key = value
 *
 * - Section and key names: 1..CONFIG_NAME_MAX of [a-z0-9_], the name
 *   starting with a letter. Every key belongs to a section.
 * - A value is the rest of the line after '=', without surrounding blanks
 *   (space, tab); it is not empty, has no quoting and no inline comment,
 *   so '#' and ';' inside a value are part of it (URLs, subjects).
 * - Printable ASCII and tab only; lines end in LF or CRLF; at most
 *   CONFIG_LINE_MAX bytes per line, CONFIG_FILE_MAX per file,
 *   CONFIG_ENTRIES_MAX keys per file.
 * - The caller's schema names every section and key allowed: an unknown
 *   section or key is refused (a typo must not silently fall back to a
 *   default), as is a repeated section or a repeated key not marked
 *   CONFIG_REPEATABLE.
 *
 * Every error names the line (config_position), so a daemon can print
 * "FILE:LINE: ..." (config_format_error). A configuration file is outside
 * input: the parser is bounded and fuzzed (fuzz/fuzz_config.c).
 */
#ifndef AIRWRITE_CORE_CONFIG_H
#define AIRWRITE_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CONFIG_FILE_MAX (256u * 1024u) /* bytes of one file */
#define CONFIG_LINE_MAX 4096u          /* bytes of one line without its end */
#define CONFIG_NAME_MAX 64u            /* bytes of a section or key name */
#define CONFIG_ENTRIES_MAX 1024u       /* key = value lines of one file */

#define CONFIG_REPEATABLE 1u /* schema flag: the key may appear several times */

/* One allowed key of a schema. A schema lists every allowed section
 * through its keys (a section with no keys cannot be written). */
typedef struct config_key {
    const char *section;
    const char *key;
    unsigned flags;
} config_key;

/* Where an error was found: 1-based line (0: not tied to a line, e.g. the
 * file could not be read or is too large), with the section and key when
 * known ("" otherwise). */
typedef struct config_position {
    size_t line;
    char section[CONFIG_NAME_MAX + 1];
    char key[CONFIG_NAME_MAX + 1];
} config_position;

typedef struct aw_config aw_config;

/* Parse text[0..len) against schema (schema_count keys). where (may be
 * NULL) receives the error's position. Errors:
 *   AW_ERR_CONFIG_SYNTAX     a line that is not blank, a comment, a
 *                            [section] or key = value; a bad name; an
 *                            empty value; a byte outside printable ASCII
 *                            and tab; a key before the first section
 *   AW_ERR_CONFIG_SECTION    a section the schema does not name
 *   AW_ERR_CONFIG_KEY        a key the schema does not name in its section
 *   AW_ERR_CONFIG_DUPLICATE  a section, or a key without CONFIG_REPEATABLE,
 *                            given twice
 *   AW_ERR_LIMIT             over CONFIG_FILE_MAX, CONFIG_LINE_MAX or
 *                            CONFIG_ENTRIES_MAX
 *   AW_ERR_ARGUMENT, AW_ERR_NOMEM. */
aw_err config_parse(const char *text, size_t len, const config_key *schema, size_t schema_count,
                    aw_config **out, config_position *where);

/* Read path (at most CONFIG_FILE_MAX bytes) and parse it: AW_ERR_IO or
 * AW_ERR_NOT_FOUND when it cannot be read, else as config_parse. */
aw_err config_load_file(const char *path, const config_key *schema, size_t schema_count,
                        aw_config **out, config_position *where);

/* NULL-safe. */
void config_free(aw_config *config);

/* Was [section] written (even with no key)? */
bool config_has_section(const aw_config *config, const char *section);

/* How many times key was given in section (0: absent). */
size_t config_count(const aw_config *config, const char *section, const char *key);

/* The index-th value of key (in file order) and its line; AW_ERR_NOT_FOUND
 * when absent. value stays owned by config. line may be NULL. */
aw_err config_get_text(const aw_config *config, const char *section, const char *key,
                       size_t index, const char **value, size_t *line);

/* Typed reads of the first value. A key that is absent leaves *value as
 * it was and returns AW_OK (the caller preset the default); a value of the
 * wrong form returns AW_ERR_CONFIG_VALUE with its position in where (may
 * be NULL).
 * - uint: decimal digits only (no sign, no leading zero except "0"),
 *   min..max;
 * - bool: yes/no, true/false, on/off (lower case). */
aw_err config_get_uint(const aw_config *config, const char *section, const char *key,
                       uint64_t min, uint64_t max, uint64_t *value, config_position *where);
aw_err config_get_bool(const aw_config *config, const char *section, const char *key, bool *value,
                       config_position *where);

/* "FILE:LINE: [section] key: message (AW_ERR_NAME)" (parts omitted when
 * unknown) into out (always NUL-terminated, cut to fit). */
void config_format_error(const char *file, const config_position *where, aw_err err, char *out,
                         size_t cap);

#endif
