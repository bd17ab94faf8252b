/* libFuzzer target: the outside input of the web console's file serving
 * (src/platform/api_console.c, docs/console.md): the name after /console/
 * in a request path, read by platform_console_file_read from a fixture
 * directory (index.html, app.js, sub/a.css, an inner symlink ok.js and one
 * out of the directory, leak.js, beside outside.js). The input up to its
 * first NUL is the name. Properties checked beyond "no crash":
 * - a name read resolves inside the directory and is never outside.js's
 *   content; it has no empty or dot-led segment and no '%';
 * - a refused name leaves every output empty. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_MAX_FUZZ 512u
#define OUTSIDE_TEXT "outside-secret"

static char base[] = "/tmp/aw-fuzz-console-XXXXXX";
static char root[PATH_MAX];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void fixture_remove(void)
{
    static const char *const files[] = {"console/index.html", "console/app.js",
                                        "console/sub/a.css",  "console/ok.js",
                                        "console/leak.js",    "outside.js"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", base, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/console/sub", base);
    rmdir(path);
    rmdir(root);
    rmdir(base);
}

static void fixture_make(void)
{
    if (root[0] != '\0')
        return;
    if (mkdtemp(base) == NULL)
        abort();
    char path[PATH_MAX + 32];
    snprintf(root, sizeof(root), "%s/console", base);
    snprintf(path, sizeof(path), "%s/sub", root);
    if (mkdir(root, 0700) != 0 || mkdir(path, 0700) != 0)
        abort();
    snprintf(path, sizeof(path), "%s/index.html", root);
    put(path, "<!DOCTYPE html>");
    snprintf(path, sizeof(path), "%s/app.js", root);
    put(path, "'use strict';");
    snprintf(path, sizeof(path), "%s/sub/a.css", root);
    put(path, "body{}");
    snprintf(path, sizeof(path), "%s/outside.js", base);
    put(path, OUTSIDE_TEXT);
    char link[PATH_MAX + 32];
    snprintf(link, sizeof(link), "%s/ok.js", root);
    if (symlink("app.js", link) != 0)
        abort();
    snprintf(link, sizeof(link), "%s/leak.js", root);
    if (symlink(path, link) != 0)
        abort();
    atexit(fixture_remove);
}

/* no empty or dot-led segment, no '%' */
static bool name_plain(const char *name)
{
    if (strchr(name, '%') != NULL || name[0] == '\0')
        return false;
    const char *segment = name;
    for (;;) {
        if (segment[0] == '/' || segment[0] == '.' || segment[0] == '\0')
            return false;
        const char *slash = strchr(segment, '/');
        if (slash == NULL)
            return true;
        segment = slash + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fixture_make();
    char name[NAME_MAX_FUZZ + 1];
    size_t len = size < NAME_MAX_FUZZ ? size : NAME_MAX_FUZZ;
    memcpy(name, data, len);
    name[len] = '\0';
    char *content = NULL;
    size_t content_len = 0;
    const char *type = NULL;
    aw_err err = platform_console_file_read(root, name, &content, &content_len, &type);
    if (err != AW_OK) {
        if (content != NULL || content_len != 0 || type != NULL)
            abort();
        return 0;
    }
    char joined[PATH_MAX * 2], real[PATH_MAX];
    snprintf(joined, sizeof(joined), "%s/%s", root, name);
    size_t root_len = strlen(root);
    if (!name_plain(name) || type == NULL || realpath(joined, real) == NULL ||
        strncmp(real, root, root_len) != 0 || real[root_len] != '/' ||
        (content_len == strlen(OUTSIDE_TEXT) && memcmp(content, OUTSIDE_TEXT, content_len) == 0))
        abort();
    free(content);
    return 0;
}
