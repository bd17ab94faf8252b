/* airwrite platform: the web console (issue 7, docs/console.md) on the API
 * listener:
 *   - GET /console/...: the static files of platform_api_config.console_dir
 *     (no directory traversal, no symlink out of the directory, bounded
 *     size, known types only), each with a strict Content-Security-Policy
 *     (W3C CSP Level 3), X-Content-Type-Options nosniff (Fetch standard) and
 *     frame-ancestors 'none';
 *   - the console's calls: a browser holds no app secret, so it cannot sign
 *     (docs/api-signature.md). A call without X-AW-App-Id, when the console
 *     is enabled, acts as the console's app (console_app_id): the only such
 *     call without a bearer token is POST /api/v1/auth/login (username and
 *     password, throttled), and the others need the bearer token of a
 *     console session (a token bound to a user, docs/rbac.md): the app's own
 *     tokens still need the signature. The unsigned logins take from a
 *     token bucket of their own (console_login_rate_per_minute, _burst),
 *     the sessions' calls from the console app's bucket and quota: neither
 *     starves the other. The token lives in the page's memory
 *     (sessionStorage), never in a cookie, so another site cannot make the
 *     browser send it (no CSRF), and no CORS header is ever sent. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "platform/credential_cache.h"

#define CONSOLE_PATH "/console"
#define CONSOLE_INDEX "index.html"
#define CONSOLE_NAME_MAX 128u
#define LOGIN_PATH "/api/v1/auth/login"

/* script, style, images and calls from the console's own origin only; no
 * inline script or style, no plugin, no framing, no <base> rewrite */
#define CONSOLE_CSP                                                                             \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "         \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "             \
    "frame-ancestors 'none'"

static const struct {
    const char *extension;
    const char *type;
} console_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
};

static const char *console_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof(console_types) / sizeof(console_types[0]); i++)
        if (strcmp(dot, console_types[i].extension) == 0)
            return console_types[i].type;
    return NULL;
}

/* [A-Za-z0-9._-] segments joined by '/', none empty nor starting with '.'
 * (so no "..", no hidden file), no '%' (nothing is decoded), bounded. */
static bool console_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > CONSOLE_NAME_MAX)
        return false;
    bool segment_start = true;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '/') {
            if (segment_start)
                return false; /* empty segment */
            segment_start = true;
            continue;
        }
        if (segment_start && c == '.')
            return false;
        segment_start = false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return !segment_start;
}

static void console_headers(http_request *request)
{
    (void)http_request_add_header(request, "Content-Security-Policy", CONSOLE_CSP);
    (void)http_request_add_header(request, "X-Content-Type-Options", "nosniff");
    (void)http_request_add_header(request, "X-Frame-Options", "DENY");
    (void)http_request_add_header(request, "Referrer-Policy", "no-referrer");
}

static void console_reply_status(http_request *request, int status, const char *text)
{
    http_request_set_status(request, status);
    console_headers(request);
    (void)http_request_add_header(request, "Content-Type", "text/plain; charset=utf-8");
    (void)http_request_add_header(request, "Cache-Control", "no-store");
    if (http_request_set_body(request, text, strlen(text)) != AW_OK)
        http_request_set_status(request, 500);
}

aw_err platform_console_file_read(const char *directory, const char *name, char **data,
                                  size_t *len, const char **type)
{
    if (data != NULL)
        *data = NULL;
    if (len != NULL)
        *len = 0;
    if (type != NULL)
        *type = NULL;
    if (directory == NULL || name == NULL || data == NULL || len == NULL || type == NULL)
        return AW_ERR_ARGUMENT;
    if (!console_name_valid(name) || console_type(name) == NULL)
        return AW_ERR_NOT_FOUND;
    char root[PATH_MAX], joined[PATH_MAX], real[PATH_MAX];
    if (realpath(directory, root) == NULL)
        return AW_ERR_IO;
    int n = snprintf(joined, sizeof(joined), "%s/%s", root, name);
    if (n < 0 || (size_t)n >= sizeof(joined))
        return AW_ERR_NOT_FOUND;
    /* a symlink resolving out of the directory is refused like a missing file */
    if (realpath(joined, real) == NULL)
        return AW_ERR_NOT_FOUND;
    size_t root_len = strlen(root);
    if (strncmp(real, root, root_len) != 0 || real[root_len] != '/')
        return AW_ERR_NOT_FOUND;
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return AW_ERR_NOT_FOUND;
    struct stat st;
    aw_err err = AW_OK;
    char *buffer = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        err = AW_ERR_NOT_FOUND;
    else if (st.st_size > (off_t)PLATFORM_CONSOLE_FILE_MAX)
        err = AW_ERR_LIMIT;
    if (err == AW_OK && (buffer = malloc((size_t)st.st_size + 1)) == NULL)
        err = AW_ERR_NOMEM;
    size_t got = 0;
    while (err == AW_OK && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buffer + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            err = AW_ERR_IO; /* shrank or failed while read */
        else
            got += (size_t)r;
    }
    close(fd);
    if (err != AW_OK) {
        free(buffer);
        return err;
    }
    *data = buffer;
    *len = got;
    *type = console_type(name);
    return AW_OK;
}

static void console_serve(platform_api *api, http_request *request, const char *name)
{
    char *data = NULL;
    size_t len = 0;
    const char *type = NULL;
    aw_err err = platform_console_file_read(api->config.console_dir, name, &data, &len, &type);
    if (err == AW_ERR_NOT_FOUND) {
        console_reply_status(request, 404, "not found\n");
        return;
    }
    if (err == AW_ERR_LIMIT) {
        console_reply_status(request, 403, "file too large\n");
        return;
    }
    if (err != AW_OK) {
        console_reply_status(request, 500, "console unavailable\n");
        return;
    }
    http_request_set_status(request, 200);
    console_headers(request);
    (void)http_request_add_header(request, "Content-Type", type);
    /* revalidated each time: a new release is seen at once */
    (void)http_request_add_header(request, "Cache-Control", "no-cache");
    if (http_request_set_body(request, data, len) != AW_OK)
        http_request_set_status(request, 500);
    free(data);
}

bool platform_api_console_dispatch(platform_api *api, http_request *request)
{
    const char *path = http_request_path(request);
    static const char prefix[] = CONSOLE_PATH "/";
    if (api->config.console_dir == NULL || path == NULL ||
        (strcmp(path, CONSOLE_PATH) != 0 && strncmp(path, prefix, sizeof(prefix) - 1) != 0))
        return false;
    if (http_request_method(request) != AW_HTTP_METHOD_GET) {
        (void)http_request_add_header(request, "Allow", "GET");
        console_reply_status(request, 405, "method not allowed\n");
        return true;
    }
    if (strcmp(path, CONSOLE_PATH) == 0) {
        /* the page's relative URLs resolve under /console/ */
        (void)http_request_add_header(request, "Location", prefix);
        console_reply_status(request, 301, "moved\n");
        return true;
    }
    const char *name = path + sizeof(prefix) - 1;
    console_serve(api, request, name[0] != '\0' ? name : CONSOLE_INDEX);
    return true;
}

/* ---- The console's unsigned calls ----------------------------------------- */

bool platform_api_console_call(const api_call *call)
{
    return call->api->config.console_app_id != NULL &&
           http_request_header(call->request, PLATFORM_HEADER_APP_ID) == NULL;
}

/* The console session's user, from the bearer token (RFC 6750 2.1): only
 * a token bound to a user of the console's app. */
static aw_err console_session(api_call *call, const char *token)
{
    platform_api *api = call->api;
    platform_credential_token facts;
    aw_err err = platform_credential_cache_token(api->credentials, api->config.db, token,
                                                 call->now_ms, &facts);
    if (err == AW_OK && strcmp(facts.app_id, call->app.app_id) != 0)
        err = AW_ERR_PLATFORM_TOKEN_INVALID;
    if (err == AW_OK)
        call->token_expires_at_ms = facts.expires_at_ms;
    platform_user user;
    if (err == AW_OK)
        err = platform_credential_cache_session(api->credentials, api->config.db, token, &facts,
                                                call->now_ms, &user);
    if (err == AW_OK && user.username[0] == '\0')
        err = AW_ERR_PLATFORM_TOKEN_INVALID; /* the app's own token: signed calls only */
    if (err != AW_OK)
        return err;
    snprintf(call->username, sizeof(call->username), "%s", user.username);
    snprintf(call->app.tenant, sizeof(call->app.tenant), "%s", user.tenant);
    call->role = user.role;
    return AW_OK;
}

bool platform_api_console_authenticate(api_call *call, bool bearer)
{
    platform_api *api = call->api;
    const char *path = http_request_path(call->request);
    if (!bearer && (path == NULL || strcmp(path, LOGIN_PATH) != 0)) {
        /* token issue and refresh stay the signing app's */
        platform_api_reply_error_details(call, PLATFORM_API_SIGNATURE_HEADER, 0, NULL);
        return false;
    }
    static const char scheme[] = "Bearer ";
    const char *authorization = http_request_header(call->request, "Authorization");
    if (bearer && (authorization == NULL ||
                   strncasecmp(authorization, scheme, sizeof(scheme) - 1) != 0)) {
        platform_api_reply_error_details(call, PLATFORM_API_TOKEN_MISSING, 0, NULL);
        return false;
    }
    aw_err err = platform_credential_cache_app(api->credentials, api->config.db, NULL,
                                               api->config.console_app_id, call->now_ms,
                                               &call->app, NULL);
    if (err == AW_OK && !call->app.enabled)
        err = AW_ERR_PLATFORM_APP_DISABLED;
    int64_t retry_after_s = 0;
    /* logins take from their own bucket (no quota: each is throttled per
     * account and address too, users.c); the sessions' calls from the
     * console app's bucket and quota, for all its users together */
    platform_app_limits login_limits = {
        .rate_per_minute = api->config.console_login_rate_per_minute,
        .burst = api->config.console_login_burst};
    if (err == AW_OK && !bearer)
        err = platform_rate_limiter_take(api->login_limiter, call->app.app_id, &login_limits,
                                         call->now_ms, &retry_after_s);
    if (err == AW_OK && bearer)
        err = platform_rate_limiter_take(api->limiter, call->app.app_id, &call->app.limits,
                                         call->now_ms, &retry_after_s);
    if (err == AW_OK && bearer)
        err = platform_quota_take(api->config.db, call->app.app_id, &call->app.limits,
                                  api->config.quota_utc_offset_minutes, call->now_ms,
                                  &retry_after_s);
    if (err == AW_OK && bearer)
        err = console_session(call, authorization + sizeof(scheme) - 1);
    if (err != AW_OK) {
        platform_api_error error = platform_api_error_from_err(err);
        platform_api_reply_error_details(call, error, retry_after_s, NULL);
        return false;
    }
    return true;
}
