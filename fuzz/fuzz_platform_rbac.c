/* libFuzzer target: the outside input of the platform's authorization
 * (src/platform/rbac.c, api_rbac.c): the route permission lookup on a
 * request's method and path, and the JSON body of POST /api/v1/auth/login.
 * The first byte picks the input:
 *   0..4: a path looked up with method GET, POST, PUT, DELETE, PATCH;
 *   5:    a login body.
 * Properties checked beyond "no crash":
 * - a path found has as many segments as an entry of the table with that
 *   method and permission, and equals it on every literal segment (the
 *   matcher never takes a prefix, an empty segment or an extra one);
 *   a path not found matches no entry that way;
 * - a refused login body leaves both outputs empty; an accepted one gives
 *   a valid username and a password of 1..PASSWORD_BYTES_MAX bytes. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH_MAX_FUZZ 512u

/* The reference matcher: split both at '/', compare segment by segment. */
static bool reference_match(const char *pattern, const char *path)
{
    if (pattern[0] != '/' || path[0] != '/')
        return false;
    for (;;) {
        pattern++;
        path++;
        size_t a = strcspn(pattern, "/"), b = strcspn(path, "/");
        bool any = pattern[0] == '{';
        if (b == 0 || (!any && (a != b || memcmp(pattern, path, a) != 0)))
            return false;
        pattern += a;
        path += b;
        if (*pattern == '\0' || *path == '\0')
            return *pattern == '\0' && *path == '\0';
    }
}

static void fuzz_route(aw_http_method method, const uint8_t *data, size_t size)
{
    char path[PATH_MAX_FUZZ + 1];
    size_t n = size < PATH_MAX_FUZZ ? size : PATH_MAX_FUZZ;
    memcpy(path, data, n);
    path[n] = '\0';
    platform_permission permission = PLATFORM_PERMISSION__COUNT;
    aw_err err = platform_route_permission_find(method, path, &permission);
    size_t count = 0;
    const platform_route_permission *table = platform_route_permissions(&count);
    size_t first = count;
    for (size_t i = 0; i < count && first == count; i++)
        if (table[i].method == method && reference_match(table[i].pattern, path))
            first = i;
    if (err == AW_OK) {
        if (first == count || table[first].permission != permission)
            abort();
    } else if (err != AW_ERR_NOT_FOUND || first != count) {
        abort();
    }
}

static void fuzz_login(const uint8_t *body, size_t len)
{
    char username[PLATFORM_USERNAME_MAX + 1];
    char *password = malloc(PASSWORD_BYTES_MAX + 1);
    if (password == NULL)
        return;
    aw_err err = platform_json_parse_login(body, len, username, password);
    if (err == AW_OK) {
        size_t p = strlen(password);
        if (!platform_username_valid(username) || p == 0 || p > PASSWORD_BYTES_MAX)
            abort();
    } else if ((err != AW_ERR_PLATFORM_JSON && err != AW_ERR_PLATFORM_FIELD) ||
               username[0] != '\0' || password[0] != '\0') {
        abort();
    }
    free(password);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const aw_http_method methods[] = {AW_HTTP_METHOD_GET, AW_HTTP_METHOD_POST,
                                             AW_HTTP_METHOD_PUT, AW_HTTP_METHOD_DELETE,
                                             AW_HTTP_METHOD_PATCH};
    if (size == 0)
        return 0;
    if (data[0] < 5)
        fuzz_route(methods[data[0]], data + 1, size - 1);
    else if (data[0] == 5)
        fuzz_login(data + 1, size - 1);
    return 0;
}
