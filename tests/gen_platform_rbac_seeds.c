/* Writes the seed corpus of fuzz_platform_rbac (run by hand, not a test):
 *   gen_platform_rbac_seeds fuzz/corpus
 * One path per entry of the platform's route table (rbac.c), its "{...}"
 * segments filled in, with its method's selector byte; near misses (a
 * trailing slash, an empty segment); login bodies, accepted and refused. */
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static int write_seed(const char *dir, const char *name, unsigned char selector,
                      const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_platform_rbac/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputc(selector, f);
    fputs(text, f);
    return fclose(f) == 0 ? 0 : 1;
}

static unsigned char selector_of(aw_http_method method)
{
    static const aw_http_method methods[] = {AW_HTTP_METHOD_GET, AW_HTTP_METHOD_POST,
                                             AW_HTTP_METHOD_PUT, AW_HTTP_METHOD_DELETE,
                                             AW_HTTP_METHOD_PATCH};
    for (unsigned char i = 0; i < 5; i++)
        if (methods[i] == method)
            return i;
    return 0;
}

/* pattern with every "{...}" segment as "x1". */
static void fill(const char *pattern, char *out, size_t size)
{
    size_t n = 0;
    while (*pattern != '\0' && n + 3 < size) {
        if (*pattern == '{') {
            out[n++] = 'x';
            out[n++] = '1';
            const char *end = strchr(pattern, '}');
            pattern = end != NULL ? end + 1 : pattern + strlen(pattern);
        } else {
            out[n++] = *pattern++;
        }
    }
    out[n] = '\0';
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    size_t count = 0;
    const platform_route_permission *table = platform_route_permissions(&count);
    int status = 0;
    char name[64], path[256], text[300];
    for (size_t i = 0; i < count; i++) {
        fill(table[i].pattern, path, sizeof(path));
        snprintf(name, sizeof(name), "route_%02zu", i);
        status |= write_seed(dir, name, selector_of(table[i].method), path);
    }
    fill(table[count - 1].pattern, path, sizeof(path));
    snprintf(text, sizeof(text), "%s/", path);
    status |= write_seed(dir, "miss_trailing_slash", selector_of(table[count - 1].method), text);
    status |= write_seed(dir, "miss_empty_segment", 1, "/api/v1/orders//cancel");
    status |= write_seed(dir, "login", 5,
                         "{\"username\":\"alice\",\"password\":\"a long enough passphrase\"}");
    status |= write_seed(dir, "login_extra_member", 5,
                         "{\"username\":\"alice\",\"password\":\"x\",\"role\":\"auditor\"}");
    status |= write_seed(dir, "login_bad_username", 5, "{\"username\":\"a b\",\"password\":\"x\"}");
    return status;
}
