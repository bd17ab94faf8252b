/* airwritectl over the northbound API (docs/airwritectl.md): the option
 * parser and session shared by the API commands, and the commands token
 * (POST /api/v1/auth/token, GET /api/v1/ping) and dead-letters list /
 * replay (GET /api/v1/callbacks/dead-letters, POST .../{id}/replay,
 * docs/api-callbacks.md). The app secret comes from a file or the
 * environment, never the command line (where ps(1) would show it). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/airwritectl.h"
#include "core/crypto.h"

#define SECRET_FILE_MAX 4096u
#define PATH_LIMIT 1024u
#define QUERY_LIMIT 512u
#define CURSOR_MAX 24u   /* "nextCursor": up to 18 digits */
#define PAGE_SIZE 1000u  /* dead letters per page, the API's maximum */

/* ---- Options ----------------------------------------------------------------- */

typedef struct option_slot {
    const char *name;
    size_t offset;
    bool flag;
} option_slot;

static const option_slot slots[] = {
    {"--url", offsetof(ctl_args, url), false},
    {"--ca", offsetof(ctl_args, ca), false},
    {"--app-id", offsetof(ctl_args, app_id), false},
    {"--secret-file", offsetof(ctl_args, secret_file), false},
    {"--suite", offsetof(ctl_args, suite), false},
    {"--token-cache", offsetof(ctl_args, token_cache), false},
    {"--max-wait", offsetof(ctl_args, max_wait), false},
    {"--timeout", offsetof(ctl_args, timeout), false},
    {"--csv", offsetof(ctl_args, csv), false},
    {"--profile-type", offsetof(ctl_args, profile_type), false},
    {"--number-pool", offsetof(ctl_args, number_pool), false},
    {"--idempotency-key", offsetof(ctl_args, idempotency_key), false},
    {"--status", offsetof(ctl_args, status), false},
    {"--limit", offsetof(ctl_args, limit), false},
    {"--interval", offsetof(ctl_args, interval), false},
    {"--iccid", offsetof(ctl_args, iccid), false},
    {"--imsi", offsetof(ctl_args, imsi), false},
    {"--msisdn", offsetof(ctl_args, msisdn), false},
    {"--class", offsetof(ctl_args, error_class), false},
    {"--grade", offsetof(ctl_args, grade), false},
    {"--note", offsetof(ctl_args, note), false},
    {"--text-file", offsetof(ctl_args, text_file), false},
    {"--attach", offsetof(ctl_args, attach), false},
    {"--period", offsetof(ctl_args, period), false},
    {"--from", offsetof(ctl_args, from), false},
    {"--to", offsetof(ctl_args, to), false},
    {"--format", offsetof(ctl_args, format), false},
    {"--json", offsetof(ctl_args, json), true},
    {"--show", offsetof(ctl_args, show), true},
    {"--new", offsetof(ctl_args, renew), true},
    {"--no-token-cache", offsetof(ctl_args, no_token_cache), true},
    {"--latency", offsetof(ctl_args, latency), true},
};

static const char *const connection_options[] = {"--url", "--ca", "--app-id", "--secret-file",
                                                 "--suite", "--token-cache", "--max-wait", NULL};
static const char *const connection_flags[] = {"--json", "--no-token-cache", NULL};

static bool listed(const char *name, const char *const *list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

bool ctl_args_parse(int argc, char **argv, const char *const *options, const char *const *flags,
                    size_t positionals, ctl_args *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--secret") == 0 || strncmp(name, "--secret=", 9) == 0 ||
            strcmp(name, "--app-secret") == 0) {
            fprintf(stderr, "airwritectl: the app secret is never taken on the command line: "
                            "use --secret-file FILE or AIRWRITE_APP_SECRET\n");
            return false;
        }
        if (strncmp(name, "--", 2) != 0) {
            if (positionals == 0 || out->positional != NULL) {
                fprintf(stderr, "airwritectl: unexpected operand: %s\n", name);
                return false;
            }
            out->positional = name;
            continue;
        }
        bool is_flag = listed(name, flags) || listed(name, connection_flags);
        bool is_option = listed(name, options) || listed(name, connection_options);
        const option_slot *slot = NULL;
        for (size_t k = 0; k < sizeof(slots) / sizeof(slots[0]); k++)
            if (strcmp(slots[k].name, name) == 0)
                slot = &slots[k];
        if (slot == NULL || (slot->flag ? !is_flag : !is_option)) {
            fprintf(stderr, "airwritectl: unknown option: %s\n", name);
            return false;
        }
        if (slot->flag) {
            *(bool *)((char *)out + slot->offset) = true;
            continue;
        }
        const char **value = (const char **)((char *)out + slot->offset);
        if (i + 1 >= argc) {
            fprintf(stderr, "airwritectl: %s needs a value\n", name);
            return false;
        }
        if (*value != NULL) {
            fprintf(stderr, "airwritectl: %s given twice\n", name);
            return false;
        }
        *value = argv[++i];
    }
    if (positionals > 0 && out->positional == NULL) {
        fprintf(stderr, "airwritectl: missing operand\n");
        return false;
    }
    return true;
}

bool ctl_parse_integer(const char *name, const char *text, int64_t min, int64_t max,
                       int64_t *out)
{
    if (text == NULL)
        return true;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (*text == '\0' || errno != 0 || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "airwritectl: %s is a number from %lld to %lld\n", name, (long long)min,
                (long long)max);
        return false;
    }
    *out = value;
    return true;
}

bool ctl_parse_interval(const char *text, double *out)
{
    if (text == NULL)
        return true;
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (*text == '\0' || errno != 0 || *end != '\0' || !isfinite(value) || value < 0.1 ||
        value > 3600) {
        fprintf(stderr, "airwritectl: --interval is seconds from 0.1 to 3600\n");
        return false;
    }
    *out = value;
    return true;
}

int64_t ctl_monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void ctl_sleep_ms(int64_t ms)
{
    struct timespec left = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* ---- Output ------------------------------------------------------------------ */

bool ctl_print_json(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (text == NULL)
        return false;
    printf("%s\n", text);
    free(text);
    return true;
}

void ctl_format_time(int64_t ms, char *out, size_t cap)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || gmtime_r(&seconds, &tm) == NULL) {
        snprintf(out, cap, "?");
        return;
    }
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

bool ctl_format_path(const char *prefix, const char *id, const char *suffix, char *out,
                     size_t cap)
{
    char encoded[PATH_LIMIT];
    int n = -1;
    if (ctl_encode_component(id, encoded, sizeof(encoded)) == AW_OK)
        n = snprintf(out, cap, "%s/%s%s", prefix, encoded, suffix != NULL ? suffix : "");
    if (n < 0 || (size_t)n >= cap || *id == '\0') {
        fprintf(stderr, "airwritectl: the id is empty or too long\n");
        return false;
    }
    return true;
}

int ctl_fail_local(const char *command, const char *what, aw_err err)
{
    fprintf(stderr, "airwritectl: %s: %s: %s (%s)\n", command, what, aw_err_message(err),
            aw_err_name(err));
    return CTL_EXIT_USAGE;
}

int ctl_session_fail(const ctl_session *session, const ctl_error *error)
{
    int status = ctl_exit_status(error);
    if (error->err == AW_ERR_CTL_API) {
        fprintf(stderr, "airwritectl: %s: %s%s%s (HTTP %d%s%s)\n", session->command,
                error->code, error->code[0] ? " " : "", error->message, error->http_status,
                error->request_id[0] ? ", requestId " : "", error->request_id);
        const json_t *lines = json_object_get(error->body, "errors");
        size_t i;
        const json_t *line;
        json_array_foreach(lines, i, line)
        {
            char text[CTL_MESSAGE_MAX + CTL_CODE_MAX + 2];
            const char *code = json_string_value(json_object_get(line, "code"));
            const char *message = json_string_value(json_object_get(line, "message"));
            snprintf(text, sizeof(text), "%.*s %s", (int)CTL_CODE_MAX, code ? code : "?",
                     message ? message : "");
            ctl_text_sanitize(text);
            fprintf(stderr, "  line %lld: %s\n",
                    (long long)json_integer_value(json_object_get(line, "line")), text);
        }
        if (error->retry_after_s >= 0)
            fprintf(stderr, "airwritectl: Retry-After %lld s (waited %lld s, bound --max-wait)\n",
                    (long long)error->retry_after_s, (long long)error->waited_s);
    } else {
        fprintf(stderr, "airwritectl: %s: %s (%s)%s%s\n", session->command,
                aw_err_message(error->err), aw_err_name(error->err), error->detail[0] ? ": " : "",
                error->detail);
    }
    if (session->json) {
        json_t *body = error->body != NULL
                           ? json_incref(error->body)
                           : json_pack("{s:s, s:s, s:i}", "error", aw_err_name(error->err),
                                       "message", error->err == AW_ERR_CTL_API
                                                      ? error->message
                                                      : aw_err_message(error->err),
                                       "httpStatus", error->http_status);
        if (body != NULL)
            ctl_print_json(body);
        json_decref(body);
    }
    return status;
}

int ctl_fail_answer(const ctl_session *session)
{
    ctl_error error = {.err = AW_ERR_CTL_RESPONSE, .retry_after_s = -1};
    return ctl_session_fail(session, &error);
}

int ctl_session_call(ctl_session *session, const ctl_request *request, ctl_response *response)
{
    ctl_error error;
    aw_err err = ctl_client_call(session->client, request, response, &error);
    int status = err == AW_OK ? CTL_EXIT_OK : ctl_session_fail(session, &error);
    ctl_error_clear(&error);
    return status;
}

int ctl_session_fetch_all(ctl_session *session, const char *path, const char *filter,
                          const char *member, unsigned page_size, json_t **all)
{
    *all = json_array();
    char cursor[CURSOR_MAX] = "", query[QUERY_LIMIT];
    int status = *all != NULL ? CTL_EXIT_OK
                              : ctl_fail_local(session->command, "memory", AW_ERR_NOMEM);
    while (status == CTL_EXIT_OK) {
        /* Parameters in any order: the signature sorts them. */
        int n = snprintf(query, sizeof(query), "limit=%u%s%s%s%s", page_size,
                         filter[0] ? "&" : "", filter, cursor[0] ? "&cursor=" : "", cursor);
        if (n < 0 || (size_t)n >= sizeof(query)) {
            status = ctl_fail_local(session->command, "query", AW_ERR_LIMIT);
            break;
        }
        ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = path, .query = query};
        ctl_response page;
        if ((status = ctl_session_call(session, &request, &page)) != CTL_EXIT_OK)
            break;
        const json_t *array = json_object_get(page.json, member);
        const json_t *next = json_object_get(page.json, "nextCursor");
        if (!json_is_array(array) || (!json_is_null(next) && !json_is_string(next)) ||
            (json_is_string(next) && (json_string_length(next) == 0 ||
                                      json_string_length(next) >= sizeof(cursor)))) {
            status = ctl_fail_answer(session);
        } else if (json_array_extend(*all, (json_t *)array) != 0) {
            status = ctl_fail_local(session->command, "memory", AW_ERR_NOMEM);
        } else {
            snprintf(cursor, sizeof(cursor), "%s", json_is_string(next) ? json_string_value(next)
                                                                        : "");
        }
        ctl_response_clear(&page);
        if (cursor[0] == '\0')
            break;
    }
    if (status != CTL_EXIT_OK) {
        json_decref(*all);
        *all = NULL;
    }
    return status;
}

/* ---- Session ----------------------------------------------------------------- */

static const char *option_or_environment(const char *option, const char *variable)
{
    if (option != NULL)
        return option;
    const char *value = getenv(variable);
    return value != NULL && *value != '\0' ? value : NULL;
}

/* The secret file: private to its user (like the token cache), one line. */
static aw_err read_secret_file(const char *path, char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    memset(secret, 0, PLATFORM_APP_SECRET_LENGTH + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    char buffer[SECRET_FILE_MAX + 1];
    struct stat st;
    aw_err err = AW_ERR_ARGUMENT;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0)
        n = read(fd, buffer, SECRET_FILE_MAX);
    close(fd);
    if (n > 0) {
        size_t len = (size_t)n;
        while (len > 0 && (buffer[len - 1] == '\n' || buffer[len - 1] == '\r'))
            len--;
        if (len > 0 && len <= PLATFORM_APP_SECRET_LENGTH) {
            memcpy(secret, buffer, len);
            err = AW_OK;
        }
    }
    crypto_cleanse(buffer, sizeof(buffer));
    return err;
}

/* $XDG_CACHE_HOME/airwrite/token-APPID.json or ~/.cache/airwrite/...,
 * the directories made private when created. NULL without a home. */
static char *default_token_cache(const char *app_id)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[PATH_LIMIT];
    int n;
    /* the appId names the file: only its own characters (ctl_client_new
     * refuses any other appId anyway) */
    size_t id_len = strlen(app_id);
    if (id_len == 0 || id_len > PLATFORM_APP_ID_MAX ||
        strspn(app_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != id_len)
        return NULL;
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(dir, sizeof(dir), "%s", xdg);
    } else if (home != NULL && home[0] == '/') {
        n = snprintf(dir, sizeof(dir), "%s/.cache", home);
    } else {
        return NULL;
    }
    if (n < 0 || (size_t)n >= sizeof(dir) - 16)
        return NULL;
    (void)mkdir(dir, 0700);
    strcat(dir, "/airwrite");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return NULL;
    size_t len = strlen(dir) + strlen(app_id) + sizeof("/token-.json");
    char *path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s/token-%s.json", dir, app_id);
    return path;
}

/* Waiting out a 429: said on stderr, so a pause is never a mystery. */
static void announce_sleep(int64_t seconds, void *userdata)
{
    const ctl_session *session = userdata;
    fprintf(stderr, "airwritectl: %s: rate limited (429), retrying in %lld s (Retry-After)\n",
            session->command, (long long)seconds);
    struct timespec left = {.tv_sec = (time_t)seconds, .tv_nsec = 0};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

int ctl_session_open(const ctl_args *args, const char *command, ctl_session *session)
{
    memset(session, 0, sizeof(*session));
    session->json = args->json;
    session->command = command;
    const char *url = option_or_environment(args->url, "AIRWRITE_URL");
    const char *ca = option_or_environment(args->ca, "AIRWRITE_CA_FILE");
    const char *app_id = option_or_environment(args->app_id, "AIRWRITE_APP_ID");
    const char *secret_file = option_or_environment(args->secret_file, "AIRWRITE_APP_SECRET_FILE");
    const char *secret_env = getenv("AIRWRITE_APP_SECRET");
    if (url == NULL || ca == NULL || app_id == NULL ||
        (secret_file == NULL && (secret_env == NULL || *secret_env == '\0'))) {
        fprintf(stderr, "airwritectl: %s: needs --url, --ca, --app-id and the secret "
                        "(--secret-file or AIRWRITE_APP_SECRET); see airwritectl --help\n",
                command);
        return CTL_EXIT_USAGE;
    }
    int64_t max_wait = CTL_DEFAULT_MAX_WAIT_S;
    if (!ctl_parse_integer("--max-wait", args->max_wait, 0, 3600, &max_wait))
        return CTL_EXIT_USAGE;
    /* the app's suite picks the signature scheme (docs/api-signature.md) */
    const char *suite_name = option_or_environment(args->suite, "AIRWRITE_SUITE");
    crypto_suite suite = CRYPTO_SUITE_INTERNATIONAL;
    if (suite_name != NULL && crypto_suite_parse(suite_name, &suite) != AW_OK) {
        fprintf(stderr, "airwritectl: %s: --suite must be international or domestic\n", command);
        return CTL_EXIT_USAGE;
    }
    char secret[PLATFORM_APP_SECRET_LENGTH + 1] = "";
    aw_err err = AW_OK;
    if (secret_file != NULL) {
        if ((err = read_secret_file(secret_file, secret)) != AW_OK) {
            fprintf(stderr, "airwritectl: %s: the secret file %s: %s\n", command, secret_file,
                    err == AW_ERR_ARGUMENT ? "must be a file of mode 0600 (or stricter) holding "
                                             "the secret on one line"
                                           : aw_err_message(err));
            return CTL_EXIT_USAGE;
        }
    } else {
        snprintf(secret, sizeof(secret), "%s", secret_env);
    }
    char *cache = NULL;
    const char *cache_option = option_or_environment(args->token_cache, "AIRWRITE_TOKEN_CACHE");
    if (!args->no_token_cache)
        cache = cache_option != NULL ? strdup(cache_option) : default_token_cache(app_id);
    ctl_client_config config = {.base_url = url,
                                .ca_file = ca,
                                .app_id = app_id,
                                .app_secret = secret,
                                .suite = suite,
                                .token_cache = cache,
                                .max_wait_s = max_wait == 0 ? -1 : max_wait,
                                .sleep = announce_sleep,
                                .sleep_userdata = session};
    err = ctl_client_new(&config, &session->client);
    crypto_cleanse(secret, sizeof(secret));
    free(cache);
    if (err != AW_OK) {
        fprintf(stderr, "airwritectl: %s: %s (%s): check --url (https://host:port), --app-id "
                        "and the secret\n",
                command, aw_err_message(err), aw_err_name(err));
        return CTL_EXIT_USAGE;
    }
    return CTL_EXIT_OK;
}

void ctl_session_close(ctl_session *session)
{
    ctl_client_free(session->client);
    session->client = NULL;
}

/* ---- token ------------------------------------------------------------------- */

static const char *source_name(ctl_token_source source)
{
    switch (source) {
    case CTL_TOKEN_MEMORY: return "held";
    case CTL_TOKEN_CACHED: return "cached";
    case CTL_TOKEN_REFRESHED: return "refreshed";
    case CTL_TOKEN_ISSUED: return "issued";
    }
    return "?";
}

int ctl_token_command(int argc, char **argv)
{
    static const char *const flags[] = {"--show", "--new", NULL};
    ctl_args args;
    ctl_session session;
    if (!ctl_args_parse(argc, argv, NULL, flags, 0, &args))
        return CTL_EXIT_USAGE;
    int status = ctl_session_open(&args, "token", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_token now = {0};
    ctl_error error;
    ctl_response ping = {0};
    if (ctl_client_token(session.client, args.renew, NULL, NULL, &error) != AW_OK) {
        status = ctl_session_fail(&session, &error);
        ctl_error_clear(&error);
        goto cleanup;
    }
    /* The platform's view of the token (GET /api/v1/ping), so a token the
     * cache holds but the platform refused is renewed and shown as such. */
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/ping"};
    if ((status = ctl_session_call(&session, &request, &ping)) != CTL_EXIT_OK)
        goto cleanup;
    if (ctl_client_token(session.client, false, &now, NULL, &error) != AW_OK) {
        status = ctl_session_fail(&session, &error);
        ctl_error_clear(&error);
        goto cleanup;
    }
    ctl_token_source source = ctl_client_token_origin(session.client);
    int64_t expires = json_integer_value(json_object_get(ping.json, "tokenExpiresAt"));
    int64_t server_time = json_integer_value(json_object_get(ping.json, "serverTime"));
    const char *tenant = json_string_value(json_object_get(ping.json, "tenant"));
    if (args.json) {
        json_t *out = json_pack("{s:s, s:s, s:I, s:I, s:s}", "appId",
                                json_string_value(json_object_get(ping.json, "appId")),
                                "tenant", tenant ? tenant : "", "expiresAt", (json_int_t)expires,
                                "expiresIn", (json_int_t)((expires - server_time) / 1000),
                                "source", source_name(source));
        if (out != NULL && args.show)
            json_object_set_new(out, "accessToken", json_string(now.access_token));
        if (out == NULL || !ctl_print_json(out))
            status = ctl_fail_local("token", "output", AW_ERR_NOMEM);
        if (out != NULL && args.show)
            crypto_cleanse((char *)json_string_value(json_object_get(out, "accessToken")),
                           PLATFORM_TOKEN_LENGTH);
        json_decref(out);
    } else {
        char when[40];
        ctl_format_time(expires, when, sizeof(when));
        printf("appId: %s\ntenant: %s\ntoken: valid until %s (%lld s left, %s)\n",
               json_string_value(json_object_get(ping.json, "appId")), tenant ? tenant : "",
               when, (long long)((expires - server_time) / 1000), source_name(source));
        if (args.show)
            printf("accessToken: %s\n", now.access_token);
    }
cleanup:
    crypto_cleanse(&now, sizeof(now));
    ctl_response_clear(&ping);
    ctl_session_close(&session);
    return status;
}

/* ---- dead-letters ------------------------------------------------------------ */

int ctl_dead_letters_list_command(int argc, char **argv)
{
    ctl_args args;
    ctl_session session;
    if (!ctl_args_parse(argc, argv, NULL, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    int status = ctl_session_open(&args, "dead-letters list", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *all = NULL;
    status = ctl_session_fetch_all(&session, "/api/v1/callbacks/dead-letters", "", "deadLetters",
                                   PAGE_SIZE, &all);
    if (status == CTL_EXIT_OK && args.json) {
        json_t *out = json_pack("{s:O}", "deadLetters", all);
        if (out == NULL || !ctl_print_json(out))
            status = ctl_fail_local("dead-letters list", "output", AW_ERR_NOMEM);
        json_decref(out);
    } else if (status == CTL_EXIT_OK) {
        size_t i;
        json_t *letter;
        json_array_foreach(all, i, letter)
        {
            char when[40];
            ctl_format_time(json_integer_value(json_object_get(letter, "failedAt")), when,
                            sizeof(when));
            printf("%s %s %s callback %s attempts %lld last status %lld failed %s\n",
                   json_string_value(json_object_get(letter, "deliveryId")),
                   json_string_value(json_object_get(letter, "type")),
                   json_string_value(json_object_get(letter, "eventId")),
                   json_string_value(json_object_get(letter, "callbackId")),
                   (long long)json_integer_value(json_object_get(letter, "attempts")),
                   (long long)json_integer_value(json_object_get(letter, "lastStatus")), when);
        }
        printf("%zu dead letter%s\n", json_array_size(all), json_array_size(all) == 1 ? "" : "s");
    }
    json_decref(all);
    ctl_session_close(&session);
    return status;
}

int ctl_dead_letters_replay_command(int argc, char **argv)
{
    ctl_args args;
    ctl_session session;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/callbacks/dead-letters", args.positional, "/replay", path,
                         sizeof(path)))
        return CTL_EXIT_USAGE;
    int status = ctl_session_open(&args, "dead-letters replay", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = path};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (args.json)
            ctl_print_json(response.json);
        else
            printf("%s: %s\n", json_string_value(json_object_get(response.json, "deliveryId")),
                   json_string_value(json_object_get(response.json, "status")));
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}
