/* airwritectl's bearer token cache (airwritectl_client.h): the access and
 * refresh tokens of POST /api/v1/auth/token kept between runs in a file only
 * its user can read (mode 0600, written atomically), bound to the API's base
 * URL and the appId so a token never goes to another server or app. Tokens
 * are credentials (RFC 6750 5.3): the file is refused when others could
 * read it, and every buffer that held one is erased. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/airwritectl_client.h"
#include "core/crypto.h"
#include "core/file.h"

/* Read the file through one descriptor opened without following a symlink,
 * checked (regular, ours, no group/other bits) before it is read. */
static aw_err read_private_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_CTL_TOKEN_CACHE;
    aw_err err = AW_ERR_CTL_TOKEN_CACHE;
    char *buffer = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0 || st.st_size <= 0 || st.st_size > (off_t)CTL_TOKEN_CACHE_MAX)
        goto cleanup;
    buffer = malloc(CTL_TOKEN_CACHE_MAX + 1);
    if (buffer == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    size_t done = 0;
    for (;;) {
        ssize_t n = read(fd, buffer + done, CTL_TOKEN_CACHE_MAX + 1 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto cleanup;
        if (n == 0)
            break;
        done += (size_t)n;
        if (done > CTL_TOKEN_CACHE_MAX)
            goto cleanup;
    }
    buffer[done] = '\0';
    *text = buffer;
    *len = done;
    buffer = NULL;
    err = AW_OK;
cleanup:
    if (buffer != NULL) {
        crypto_cleanse(buffer, CTL_TOKEN_CACHE_MAX + 1);
        free(buffer);
    }
    close(fd);
    return err;
}

bool ctl_token_valid(const char *value, const char *prefix)
{
    size_t skip = strlen(prefix);
    return value != NULL && strlen(value) == PLATFORM_TOKEN_LENGTH &&
           strncmp(value, prefix, skip) == 0 &&
           strspn(value + skip, "0123456789abcdef") == PLATFORM_TOKEN_LENGTH - skip;
}

static bool copy_token(const json_t *root, const char *name, const char *prefix, char *out)
{
    const char *value = json_string_value(json_object_get(root, name));
    if (!ctl_token_valid(value, prefix))
        return false;
    memcpy(out, value, PLATFORM_TOKEN_LENGTH + 1);
    return true;
}

aw_err ctl_token_cache_parse(const char *text, size_t len, const char *base_url,
                             const char *app_id, ctl_token *token)
{
    if (token != NULL)
        memset(token, 0, sizeof(*token));
    if (text == NULL || base_url == NULL || app_id == NULL || token == NULL)
        return AW_ERR_ARGUMENT;
    if (len > CTL_TOKEN_CACHE_MAX)
        return AW_ERR_CTL_TOKEN_CACHE;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    aw_err err = AW_ERR_CTL_TOKEN_CACHE;
    const char *url = json_string_value(json_object_get(root, "baseUrl"));
    const char *app = json_string_value(json_object_get(root, "appId"));
    json_t *access_at = json_object_get(root, "accessExpiresAt");
    json_t *refresh_at = json_object_get(root, "refreshExpiresAt");
    if (json_is_object(root) && url != NULL && app != NULL && strcmp(url, base_url) == 0 &&
        strcmp(app, app_id) == 0 && json_is_integer(access_at) && json_is_integer(refresh_at) &&
        copy_token(root, "accessToken", "awat_", token->access_token) &&
        copy_token(root, "refreshToken", "awrt_", token->refresh_token)) {
        token->access_expires_at_ms = json_integer_value(access_at);
        token->refresh_expires_at_ms = json_integer_value(refresh_at);
        err = AW_OK;
    }
    /* jansson keeps its own copies of the token strings: erase them too. */
    const char *const names[] = {"accessToken", "refreshToken"};
    for (size_t i = 0; i < 2 && json_is_object(root); i++) {
        json_t *value = json_object_get(root, names[i]);
        if (json_is_string(value))
            crypto_cleanse((char *)json_string_value(value), json_string_length(value));
    }
    json_decref(root);
    if (err != AW_OK)
        crypto_cleanse(token, sizeof(*token));
    return err;
}

aw_err ctl_token_cache_load(const char *path, const char *base_url, const char *app_id,
                            ctl_token *token)
{
    if (token != NULL)
        memset(token, 0, sizeof(*token));
    if (path == NULL || base_url == NULL || app_id == NULL || token == NULL)
        return AW_ERR_ARGUMENT;
    char *text = NULL;
    size_t len = 0;
    aw_err err = read_private_file(path, &text, &len);
    if (err != AW_OK)
        return err;
    err = ctl_token_cache_parse(text, len, base_url, app_id, token);
    crypto_cleanse(text, len);
    free(text);
    return err;
}

aw_err ctl_token_cache_save(const char *path, const char *base_url, const char *app_id,
                            const ctl_token *token)
{
    if (path == NULL || base_url == NULL || app_id == NULL || token == NULL)
        return AW_ERR_ARGUMENT;
    json_t *root = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "baseUrl", base_url, "appId",
                             app_id, "accessToken", token->access_token, "accessExpiresAt",
                             (json_int_t)token->access_expires_at_ms, "refreshToken",
                             token->refresh_token, "refreshExpiresAt",
                             (json_int_t)token->refresh_expires_at_ms);
    char *text = root != NULL ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    const char *const names[] = {"accessToken", "refreshToken"};
    for (size_t i = 0; i < 2 && root != NULL; i++) {
        json_t *value = json_object_get(root, names[i]);
        crypto_cleanse((char *)json_string_value(value), json_string_length(value));
    }
    json_decref(root);
    if (text == NULL)
        return AW_ERR_NOMEM;
    size_t len = strlen(text);
    aw_err err = aw_file_write_atomic(path, (const uint8_t *)text, len, 0600);
    crypto_cleanse(text, len);
    free(text);
    return err;
}
