/* libFuzzer target: the daemons' configuration file parser
 * (src/core/config.c; docs/airwrited.md), against a schema shaped like
 * airwrited's (a repeatable key, several sections).
 * Properties checked beyond "no crash":
 * - a refused file gives no config and a line within the file;
 * - an accepted file's values are non-empty printable text no longer
 *   than the input, each key readable by index up to its count and no
 *   further, and a single-valued key appears at most once. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const config_key schema[] = {
    {"airwrited", "roles", 0},      {"airwrited", "state_directory", 0},
    {"platform", "port", 0},        {"platform", "database", 0},
    {"smdp", "es2p_allow", CONFIG_REPEATABLE}, {"smdp", "operator", CONFIG_REPEATABLE},
    {"eim", "route", CONFIG_REPEATABLE},
};
#define SCHEMA_COUNT (sizeof(schema) / sizeof(schema[0]))

static void check_values(const aw_config *c, size_t size)
{
    for (size_t k = 0; k < SCHEMA_COUNT; k++) {
        size_t n = config_count(c, schema[k].section, schema[k].key);
        if ((schema[k].flags & CONFIG_REPEATABLE) == 0 && n > 1)
            abort();
        for (size_t i = 0; i < n; i++) {
            const char *value = NULL;
            size_t line = 0;
            if (config_get_text(c, schema[k].section, schema[k].key, i, &value, &line) != AW_OK)
                abort();
            size_t len = strlen(value);
            if (len == 0 || len > size || line == 0 || line > size)
                abort();
            for (size_t j = 0; j < len; j++)
                if (!(value[j] == '\t' || (value[j] >= 0x20 && value[j] <= 0x7E)))
                    abort();
            if (value[0] == ' ' || value[0] == '\t' || value[len - 1] == ' ' ||
                value[len - 1] == '\t')
                abort();
        }
        const char *value = NULL;
        if (config_get_text(c, schema[k].section, schema[k].key, n, &value, NULL) !=
                AW_ERR_NOT_FOUND || value != NULL)
            abort();
        uint64_t number = 0;
        config_position where;
        aw_err err = config_get_uint(c, schema[k].section, schema[k].key, 0, 65535, &number,
                                     &where);
        if ((err != AW_OK && err != AW_ERR_CONFIG_VALUE) || number > 65535)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aw_config *c = NULL;
    config_position where;
    aw_err err = config_parse((const char *)data, size, schema, SCHEMA_COUNT, &c, &where);
    if (err != AW_OK) {
        if (c != NULL || where.line > size + 1)
            abort();
        return 0;
    }
    check_values(c, size);
    config_free(c);
    return 0;
}
