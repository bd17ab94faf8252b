/* libFuzzer target: what airwritectl reads from outside (src/cli/
 * airwritectl_client.h, airwritectl_progress.h): the platform's error
 * answers {code, message, requestId} (docs/api-errors.md), an Order's
 * progress drawn as the watch's bar and line, Retry-After values (RFC 9110
 * 10.2.3) and token cache files. The first byte picks the reader, the rest
 * is its input. Properties checked beyond "no crash":
 * - an error keeps a code of at most CTL_CODE_MAX characters, its body
 *   exactly when it has a code, and maps to one of the exit statuses;
 * - accepted counts are each within 0..total; the bar is at most the width
 *   asked (exactly it, or the text alone), a NUL-terminated string;
 * - a Retry-After is -1 or 0..86400;
 * - an accepted cache holds two tokens of the documented form. */
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl_client.h"
#include "cli/airwritectl_progress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const uint8_t *body, size_t len, int status)
{
    ctl_error error;
    ctl_error_from_answer(status, body, len, "0123456789abcdef0123456789abcdef", &error);
    size_t code_len = strlen(error.code);
    if (error.err != AW_ERR_CTL_API || code_len > CTL_CODE_MAX ||
        (code_len > 0) != (error.body != NULL) ||
        strlen(error.message) > CTL_MESSAGE_MAX || error.http_status != status)
        abort();
    int exit_status = ctl_exit_status(&error);
    if (exit_status < CTL_EXIT_APPLICATION || exit_status > CTL_EXIT_LIMITED)
        abort();
    ctl_error_clear(&error);
}

static void check_progress(const uint8_t *body, size_t len)
{
    if (len < 2)
        return;
    unsigned width = body[0];
    json_t *order = json_loadb((const char *)body + 1, len - 1, 0, NULL);
    ctl_progress_counts c;
    if (ctl_progress_counts_from_order(order, &c) == AW_OK) {
        const int64_t parts[5] = {c.pending, c.in_progress, c.written, c.failed, c.cancelled};
        for (size_t i = 0; i < 5; i++)
            if (parts[i] < 0 || parts[i] > c.total)
                abort();
        ctl_progress_tracker tracker = {0};
        ctl_progress_update(&tracker, &c, 0);
        ctl_progress_estimate e = ctl_progress_update(&tracker, &c, 1000);
        char line[CTL_PROGRESS_LINE_MAX];
        size_t n = ctl_progress_format_bar(&c, &e, width, line, sizeof(line));
        if (n > width || strlen(line) != n)
            abort();
        n = ctl_progress_format_line(&c, &e, "processing", line, sizeof(line));
        if (strlen(line) != n)
            abort();
    }
    json_decref(order);
}

static void check_retry_after(const uint8_t *text, size_t len)
{
    char *value = malloc(len + 1);
    if (value == NULL)
        return;
    memcpy(value, text, len);
    value[len] = '\0';
    int64_t seconds = ctl_retry_after_parse(value);
    if (seconds < -1 || seconds > 86400)
        abort();
    free(value);
}

static void check_cache(const uint8_t *text, size_t len)
{
    ctl_token token;
    if (ctl_token_cache_parse((const char *)text, len, "https://127.0.0.1:8443", "app1",
                              &token) == AW_OK &&
        (!ctl_token_valid(token.access_token, "awat_") ||
         !ctl_token_valid(token.refresh_token, "awrt_")))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *rest = data + 1;
    size_t len = size - 1;
    switch (data[0]) {
    case 0: check_error(rest, len, 400 + (int)(len % 200)); break;
    case 1: check_progress(rest, len); break;
    case 2: check_retry_after(rest, len); break;
    case 3: check_cache(rest, len); break;
    default: break;
    }
    return 0;
}
