/* airwritectl callbacks register / list / delete: the callback registration
 * of the northbound API (《物联网 eSIM 空中写卡技术应用服务规范》 事件通知;
 * docs/api-callbacks.md "Registration"), on the routes of docs/openapi.yaml:
 *   POST   /api/v1/callbacks        {url, secret, events} -> Callback
 *   GET    /api/v1/callbacks        {callbacks: [Callback]} (at most 16, one page)
 *   DELETE /api/v1/callbacks/{id}   {callbackId, deleted}
 * In "callbacks register", --url and --secret-file name the callback's URL
 * and signing secret; the connection's are then --platform-url and
 * --app-secret-file (or the environment). The callback secret comes from a
 * file of mode 0600 (or one made by --generate-secret), never the command
 * line, and is never printed; it must not be the app's own secret, which
 * the receiver would then hold. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/airwritectl.h"
#include "core/crypto.h"
#include "core/hex.h"

#define PATH_LIMIT 1024u
#define SECRET_FILE_MAX 256u                        /* bytes read: a longer file is refused */
#define SECRET_RANDOM_BYTES (PLATFORM_CALLBACK_SECRET_LENGTH / 2)  /* hex: 32 bytes */
#define EVENTS_TEXT_MAX 256u

static const char secret_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/* A callback secret file: a regular file with no group or other access,
 * exactly PLATFORM_CALLBACK_SECRET_LENGTH of [A-Za-z0-9_-] and at most one
 * line end (docs/api-callbacks.md). NULL when read, why not otherwise. */
static const char *read_callback_secret(const char *path,
                                        char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1])
{
    memset(secret, 0, PLATFORM_CALLBACK_SECRET_LENGTH + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? "no such file" : "cannot be opened";
    char buffer[SECRET_FILE_MAX + 1];
    struct stat st;
    const char *why = NULL;
    size_t len = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        why = "must be a regular file of mode 0600 (or stricter)";
    } else {
        ssize_t n;
        while (len < SECRET_FILE_MAX &&
               ((n = read(fd, buffer + len, SECRET_FILE_MAX - len)) > 0 ||
                (n < 0 && errno == EINTR)))
            len += n > 0 ? (size_t)n : 0;
        if (len > 0 && buffer[len - 1] == '\n')
            len--;
        if (len > 0 && buffer[len - 1] == '\r')
            len--;
        buffer[len] = '\0';
        if (len != PLATFORM_CALLBACK_SECRET_LENGTH ||
            strspn(buffer, secret_alphabet) < PLATFORM_CALLBACK_SECRET_LENGTH)
            why = "must hold exactly 64 characters of [A-Za-z0-9_-] on one line";
        else
            memcpy(secret, buffer, PLATFORM_CALLBACK_SECRET_LENGTH);
    }
    close(fd);
    crypto_cleanse(buffer, sizeof(buffer));
    return why;
}

/* A new secret file: 32 random bytes in lowercase hex and a line end, mode
 * 0600, never over an existing file (removed again when the registration
 * fails). NULL when made, why not otherwise. */
static const char *generate_callback_secret(const char *path,
                                            char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1])
{
    memset(secret, 0, PLATFORM_CALLBACK_SECRET_LENGTH + 1);
    uint8_t random[SECRET_RANDOM_BYTES];
    if (crypto_random_bytes(random, sizeof(random)) != AW_OK)
        return "no random bytes";
    aw_hex_encode(random, sizeof(random), secret, false);
    crypto_cleanse(random, sizeof(random));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        crypto_cleanse(secret, PLATFORM_CALLBACK_SECRET_LENGTH + 1);
        return errno == EEXIST ? "exists already (never overwritten)" : "cannot be created";
    }
    char line[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    memcpy(line, secret, PLATFORM_CALLBACK_SECRET_LENGTH);
    line[PLATFORM_CALLBACK_SECRET_LENGTH] = '\n';
    /* the umask may have taken the owner's bits: exactly 0600 */
    bool written = fchmod(fd, 0600) == 0 && write(fd, line, sizeof(line)) == (ssize_t)sizeof(line);
    crypto_cleanse(line, sizeof(line));
    if (close(fd) != 0 || !written) {
        unlink(path);
        crypto_cleanse(secret, PLATFORM_CALLBACK_SECRET_LENGTH + 1);
        return "cannot be written";
    }
    return NULL;
}

/* Whether secret is the app's (AIRWRITE_APP_SECRET_FILE or
 * --app-secret-file, else AIRWRITE_APP_SECRET, as the session reads it): a
 * callback's secret is shared with its receiver, the app's never is. */
static bool is_app_secret(const char *app_secret_file, const char *secret)
{
    char app[PLATFORM_CALLBACK_SECRET_LENGTH + 1] = "";
    const char *file = app_secret_file;
    const char *text = NULL;
    if (file == NULL) {
        file = getenv("AIRWRITE_APP_SECRET_FILE");
        file = file != NULL && *file != '\0' ? file : NULL;
    }
    if (file != NULL) {
        if (read_callback_secret(file, app) == NULL)
            text = app;
    } else {
        text = getenv("AIRWRITE_APP_SECRET");
    }
    bool same = text != NULL && strlen(text) == PLATFORM_CALLBACK_SECRET_LENGTH &&
                CRYPTO_memcmp(text, secret, PLATFORM_CALLBACK_SECRET_LENGTH) == 0;
    crypto_cleanse(app, sizeof(app));
    return same;
}

/* "order.accepted,item.failed" as a JSON array of known types, each once
 * (docs/api-callbacks.md "Events"). NULL (and printed) otherwise. */
static json_t *parse_events(const char *text)
{
    char copy[EVENTS_TEXT_MAX];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof(copy)) {
        fprintf(stderr, "airwritectl: callbacks register: --events is a list of event types "
                        "separated by commas\n");
        return NULL;
    }
    memcpy(copy, text, len + 1);
    json_t *events = json_array();
    unsigned seen = 0;
    for (char *start = copy; events != NULL;) {
        char *comma = strchr(start, ',');
        if (comma != NULL)
            *comma = '\0';
        platform_event_type type = platform_event_type_from_name(start);
        const char *why = type == 0 ? "unknown event type" : (seen & (unsigned)type) != 0
                                                                 ? "event type given twice"
                                                                 : NULL;
        if (why != NULL) {
            fprintf(stderr, "airwritectl: callbacks register: %s: '%s' (known: order.accepted, "
                            "order.finished, item.written, item.failed, lifecycle.changed, "
                            "exception.raised, card.operation.finished, exception.escalated)\n",
                    why, start);
            json_decref(events);
            return NULL;
        }
        seen |= (unsigned)type;
        if (json_array_append_new(events, json_string(platform_event_type_name(type))) != 0) {
            json_decref(events);
            events = NULL;
        }
        if (comma == NULL)
            break;
        start = comma + 1;
    }
    if (events == NULL)
        ctl_fail_local("callbacks register", "memory", AW_ERR_NOMEM);
    return events;
}

/* ---- callbacks register ------------------------------------------------------- */

typedef struct register_options {
    const char *url;
    const char *secret_file;
    const char *generate_secret;
    const char *events;
    const char *app_secret_file; /* the connection's, --app-secret-file */
} register_options;

/* Take the command's own options out of argv; the rest (with
 * --platform-url and --app-secret-file renamed to the connection's --url
 * and --secret-file) goes to ctl_args_parse. rest: argc + 1 entries.
 * false (and printed) when an option lacks its value or is repeated. */
static bool split_register_args(int argc, char **argv, register_options *own, char **rest,
                                int *rest_count)
{
    static const struct {
        const char *name;
        size_t offset;
    } own_slots[] = {
        {"--url", offsetof(register_options, url)},
        {"--secret-file", offsetof(register_options, secret_file)},
        {"--generate-secret", offsetof(register_options, generate_secret)},
        {"--events", offsetof(register_options, events)},
    };
    memset(own, 0, sizeof(*own));
    *rest_count = 0;
    for (int i = 0; i < argc; i++) {
        const char **value = NULL;
        for (size_t k = 0; k < sizeof(own_slots) / sizeof(own_slots[0]); k++)
            if (strcmp(argv[i], own_slots[k].name) == 0)
                value = (const char **)((char *)own + own_slots[k].offset);
        if (value == NULL && strcmp(argv[i], "--app-secret-file") == 0)
            value = &own->app_secret_file;
        if (value != NULL) {
            if (i + 1 >= argc || *value != NULL) {
                fprintf(stderr, "airwritectl: %s %s\n", argv[i],
                        i + 1 >= argc ? "needs a value" : "given twice");
                return false;
            }
            *value = argv[++i];
            if (value == &own->app_secret_file) {
                rest[(*rest_count)++] = (char *)"--secret-file";
                rest[(*rest_count)++] = argv[i];
            }
        } else if (strcmp(argv[i], "--platform-url") == 0) {
            rest[(*rest_count)++] = (char *)"--url";
        } else {
            rest[(*rest_count)++] = argv[i];
        }
    }
    rest[*rest_count] = NULL;
    return true;
}

static bool register_options_complete(const register_options *own)
{
    if (own->url == NULL || own->events == NULL ||
        (own->secret_file == NULL) == (own->generate_secret == NULL)) {
        fprintf(stderr, "airwritectl: callbacks register: needs --url, --events and one of "
                        "--secret-file, --generate-secret\n");
        return false;
    }
    return true;
}

/* The request body {url, secret, events}, its text erased by the caller. */
static char *register_body(const char *url, const char *secret, json_t *events)
{
    json_t *body = json_pack("{s:s, s:s, s:O}", "url", url, "secret", secret, "events", events);
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    /* jansson's copy of the secret */
    const json_t *copy = json_object_get(body, "secret");
    if (json_is_string(copy))
        crypto_cleanse((char *)json_string_value(copy), json_string_length(copy));
    json_decref(body);
    return text;
}

static const char *member_string(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value != NULL ? value : "";
}

int ctl_callbacks_register_command(int argc, char **argv)
{
    const char *command = "callbacks register";
    register_options own;
    ctl_args args;
    char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1] = "";
    char *body = NULL;
    json_t *events = NULL;
    ctl_session session = {0};
    int status = CTL_EXIT_USAGE;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int rest_count = 0;
    bool made = false; /* own.generate_secret was created */
    if (rest == NULL) {
        status = ctl_fail_local(command, "memory", AW_ERR_NOMEM);
        goto cleanup;
    }
    if (!split_register_args(argc, argv, &own, rest, &rest_count) ||
        !ctl_args_parse(rest_count, rest, NULL, NULL, 0, &args) ||
        !register_options_complete(&own) || (events = parse_events(own.events)) == NULL)
        goto cleanup;
    if (own.secret_file != NULL) {
        const char *why = read_callback_secret(own.secret_file, secret);
        if (why != NULL) {
            fprintf(stderr, "airwritectl: %s: the callback secret file %s: %s\n", command,
                    own.secret_file, why);
            goto cleanup;
        }
        if (is_app_secret(own.app_secret_file, secret)) {
            fprintf(stderr, "airwritectl: %s: the callback secret file %s holds the app's "
                            "secret: the receiver must never hold it; give the callback its own "
                            "(--generate-secret FILE)\n",
                    command, own.secret_file);
            goto cleanup;
        }
    }
    if ((status = ctl_session_open(&args, command, &session)) != CTL_EXIT_OK)
        goto cleanup;
    if (own.generate_secret != NULL) {
        const char *why = generate_callback_secret(own.generate_secret, secret);
        if (why != NULL) {
            fprintf(stderr, "airwritectl: %s: the new secret file %s: %s\n", command,
                    own.generate_secret, why);
            status = CTL_EXIT_USAGE;
            goto cleanup;
        }
        made = true;
    }
    if ((body = register_body(own.url, secret, events)) == NULL) {
        status = ctl_fail_local(command, "memory", AW_ERR_NOMEM);
        goto cleanup;
    }
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = "/api/v1/callbacks",
                           .body = (const uint8_t *)body, .body_len = strlen(body)};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        /* "cb_" and hex: nothing else reaches the terminal or a script */
        const char *id = member_string(response.json, "callbackId");
        if (strlen(id) != PLATFORM_CALLBACK_ID_LENGTH || strncmp(id, "cb_", 3) != 0 ||
            strspn(id + 3, "0123456789abcdef") != PLATFORM_CALLBACK_ID_LENGTH - 3)
            status = ctl_fail_answer(&session);
        else if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s\n", id); /* alone on stdout, for scripts */
    }
    ctl_response_clear(&response);
cleanup:
    /* a secret made for a callback that was not registered is no one's */
    if (made && status != CTL_EXIT_OK)
        unlink(own.generate_secret);
    if (body != NULL) {
        crypto_cleanse(body, strlen(body));
        free(body);
    }
    crypto_cleanse(secret, sizeof(secret));
    json_decref(events);
    free(rest);
    ctl_session_close(&session);
    return status;
}

/* ---- callbacks list / delete ---------------------------------------------------- */

int ctl_callbacks_list_command(int argc, char **argv)
{
    ctl_args args;
    if (!ctl_args_parse(argc, argv, NULL, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "callbacks list", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/callbacks"};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        const json_t *callbacks = json_object_get(response.json, "callbacks");
        if (!json_is_array(callbacks)) {
            status = ctl_fail_answer(&session);
        } else if (args.json) {
            ctl_print_json(response.json);
        } else {
            size_t i;
            const json_t *cb;
            json_array_foreach(callbacks, i, cb)
            {
                char when[40], types[EVENTS_TEXT_MAX] = "";
                ctl_format_time(json_integer_value(json_object_get(cb, "createdAt")), when,
                                sizeof(when));
                size_t k;
                const json_t *type;
                json_array_foreach(json_object_get(cb, "events"), k, type)
                {
                    size_t used = strlen(types);
                    snprintf(types + used, sizeof(types) - used, "%s%s", k ? "," : "",
                             json_is_string(type) ? json_string_value(type) : "?");
                }
                /* the platform checked the URL's characters; sanitised anyway,
                 * as any answer shown on a terminal */
                char url[PLATFORM_CALLBACK_URL_MAX + 1];
                snprintf(url, sizeof(url), "%s", member_string(cb, "url"));
                ctl_text_sanitize(url);
                ctl_text_sanitize(types);
                printf("%s %s %s created %s\n", member_string(cb, "callbackId"), url, types,
                       when);
            }
            printf("%zu callback%s\n", json_array_size(callbacks),
                   json_array_size(callbacks) == 1 ? "" : "s");
        }
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

int ctl_callbacks_delete_command(int argc, char **argv)
{
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/callbacks", args.positional, NULL, path, sizeof(path)))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "callbacks delete", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_DELETE, .path = path};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s: deleted\n", args.positional);
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}
