/* libFuzzer target: the database URL parser (src/core/db_url.c), the only
 * parser of outside input (configuration) in the storage layer.
 * Properties checked beyond "no crash":
 * - a refused URL leaves the output zeroed;
 * - an accepted one yields strings no longer than the input;
 * - the redacted PostgreSQL form has no query and no password, and is
 *   itself accepted and redacts to itself. */
#include <stdlib.h>
#include <string.h>

#include "core/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_postgresql_redacted(const char *redacted)
{
    if (strchr(redacted, '?') != NULL)
        abort();
    const char *authority = strstr(redacted, "://");
    if (authority == NULL)
        abort();
    authority += 3;
    size_t authority_len = strcspn(authority, "/");
    const char *at = memchr(authority, '@', authority_len);
    if (at != NULL && memchr(authority, ':', (size_t)(at - authority)) != NULL)
        abort(); /* a password survived */
    db_url again;
    if (db_url_parse(redacted, &again) != AW_OK || strcmp(again.redacted, redacted) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > DB_URL_MAX + 8)
        return 0;
    char *url = malloc(size + 1);
    db_url *parsed = malloc(sizeof(*parsed));
    if (url == NULL || parsed == NULL)
        abort();
    memcpy(url, data, size);
    url[size] = '\0';
    size_t len = strlen(url);

    aw_err err = db_url_parse(url, parsed);
    if (err != AW_OK) {
        if (err != AW_ERR_DB_URL || parsed->backend != 0 || parsed->target[0] != '\0' ||
            parsed->redacted[0] != '\0')
            abort();
    } else {
        if (strlen(parsed->target) > len || strlen(parsed->redacted) > len)
            abort();
        if (parsed->backend == DB_BACKEND_POSTGRESQL) {
            if (strcmp(parsed->target, url) != 0)
                abort();
            check_postgresql_redacted(parsed->redacted);
        } else if (parsed->backend != DB_BACKEND_SQLITE ||
                   strcmp(parsed->target, parsed->redacted) != 0) {
            abort();
        }
    }
    free(parsed);
    free(url);
    return 0;
}
