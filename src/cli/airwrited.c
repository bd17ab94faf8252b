/* airwrited: one daemon running any subset of airwrite's server roles on
 * one libevent loop (plus the worker threads the components start):
 *   platform  the northbound API /api/v1 and its callback delivery
 *             (src/platform/platform.h "The platform server"), and with
 *             [executor] the order executor and its ES2+ notification
 *             listener (platform.h "Executor"),
 *   eim       ESipa for IPAs (SGP.32 6.1, 6.3) and its download relay
 *             (src/eim/eim.h),
 *   smdp      ES9+ (SGP.22 5.6 over 6.5) and optionally ES2+ with its
 *             notifications (src/smdp/smdp.h).
 * Configuration: one INI file (docs/airwrited.md) and flags. SIGTERM or
 * SIGINT: stop accepting, let requests in flight finish for
 * shutdown_grace_ms (and the executor's workers their job), free
 * everything, exit 0. SIGHUP: reopen the log file, reload the SM-DP+ key
 * ring. Logs: JSON lines (core/log.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli/airwrited.h"
#include "core/http_server.h"
#include "eim/eim.h"
#include "platform/platform.h"
#include "platform/platform_terminal.h" /* helper firmware */
#include "platform/platform_device_lock_report.h" /* card refusals (helper devicelock) */
#include "smdp/es2p_notifier.h"
#include "smdp/smdp.h"

#define COMPONENT "airwrited"
#define TEXT_MAX 1024

typedef struct airwrited {
    airwrited_settings settings;
    struct event_base *base;
    aw_log *log;
    int log_fd;                   /* -1: stderr */
    platform_key_ring *platform_keys;
    crypto_suite_key *audit_key;  /* the platform's audit checkpoints; NULL: none */
    audit_options audit;
    platform_server *platform;
    platform_executor *executor;
    eim_key_ring *card_op_keys;   /* the executor's: signs card operations' PSMOs */
    http_server *notifications;   /* the executor's ES2+ notification listener */
    http_server *terminal;        /* devices' terminal reports (helper firmware) */
    db_connection *terminal_db;   /* its connection, used on the loop thread */
    platform_terminal_endpoint terminal_endpoint;
    airwrited_terminfo *terminfo; /* POST /terminal/v1/info (helper terminfo) */
    char es2p_url[TEXT_MAX];
    eim_server *eim;
    smdp_server *smdp;
    /* what the servers borrow: parts of the configured lists */
    smdp_operator_endpoint operators[AIRWRITED_LIST_MAX + 1];
    char operator_text[AIRWRITED_LIST_MAX + 1][TEXT_MAX];
    size_t operator_count;
    eim_smdp_route routes[AIRWRITED_LIST_MAX + 1];
    char route_text[AIRWRITED_LIST_MAX + 1][TEXT_MAX];
    struct event *term, *interrupt, *hangup, *grace;
    bool stopping;
    /* The executor's workers are joined on a thread of their own: one may
     * be waiting for this loop (the ES2+ of this process's SM-DP+). */
    pthread_t executor_stopper;
    bool executor_stopping;
    atomic_bool executor_stopped;
    struct timeval stop_deadline;
} airwrited;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrited [--config FILE] [--role ROLES] [--state-dir DIR]\n"
            "                 [--log-level LEVEL] [--check-config]\n"
            "\n"
            "Runs the roles platform, eim and smdp (default: all, or the file's roles)\n"
            "in one process until SIGTERM or SIGINT; SIGHUP reopens the log file and\n"
            "reloads the SM-DP+ key ring. See docs/airwrited.md.\n"
            "  --config FILE     configuration (default %s when present,\n"
            "                    else built-in defaults)\n"
            "  --role ROLES      comma-separated roles, overriding [airwrited] roles\n"
            "  --state-dir DIR   absolute state directory, overriding state_directory\n"
            "                    (default $STATE_DIRECTORY, else %s)\n"
            "  --log-level LEVEL debug, info, warning or error\n"
            "  --check-config    check the configuration, files, keys and databases,\n"
            "                    print a summary and exit (0: good, 1: the error)\n"
            "\n"
            "Exit status: 0 after a clean stop or a good check, 1 on error, 2 on usage.\n",
            AIRWRITED_DEFAULT_CONFIG, AIRWRITED_DEFAULT_STATE);
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path,
 * or '@' for the abstract namespace), ignored when unset or failing. */
static void notify_systemd(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (path == NULL || (path[0] != '/' && path[0] != '@') ||
        strlen(path) >= sizeof(address.sun_path))
        return;
    size_t len = strlen(path);
    memcpy(address.sun_path, path, len);
    if (address.sun_path[0] == '@')
        address.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&address,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    close(fd);
}

static void log_error(airwrited *d, const char *event, const char *what, aw_err err)
{
    log_field fields[] = {LOG_TEXT("what", what), LOG_TEXT("error", aw_err_name(err)),
                          LOG_TEXT("message", aw_err_message(err))};
    log_event(d->log, LOG_LEVEL_ERROR, COMPONENT, event, fields, 3);
}

static void log_listening(airwrited *d, const char *role, const char *listener,
                          const char *address, uint16_t port)
{
    log_field fields[] = {LOG_TEXT("role", role), LOG_TEXT("listener", listener),
                          LOG_TEXT("address", address), LOG_UINT("port", port)};
    log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "listening", fields, 4);
}

static aw_err open_log(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    d->log_fd = -1;
    if (strcmp(s->log_file, "-") == 0)
        return log_new_fd(STDERR_FILENO, s->log_level, &d->log);
    d->log_fd = open(s->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (d->log_fd < 0)
        return AW_ERR_IO;
    return log_new_fd(d->log_fd, s->log_level, &d->log);
}

/* ---- Roles ---------------------------------------------------------------- */

/* host:port of a listener on address, for a URL to it from this host. */
static void url_to(const char *address, uint16_t port, char *out, size_t cap)
{
    bool v6 = strchr(address, ':') != NULL;
    if (strcmp(address, "0.0.0.0") == 0)
        address = "127.0.0.1";
    else if (strcmp(address, "::") == 0)
        address = "::1";
    snprintf(out, cap, "https://%s%s%s:%u", v6 ? "[" : "", address, v6 ? "]" : "",
             (unsigned)port);
}

/* [SUBJECT|]ID=https://URL into the SM-DP+'s operator endpoints; with the
 * executor wired to this SM-DP+ and no operator configured, the executor's
 * notification listener as operator requester_id. */
static void split_operators(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    const airwrited_list *list = &s->smdp.operators;
    d->operator_count = list->count;
    if (list->count == 0 && s->executor.enabled && s->executor.local_smdp &&
        (s->roles & AIRWRITED_ROLE_PLATFORM)) {
        url_to(s->executor.notify_address, s->executor.notify_port, d->operator_text[0],
               TEXT_MAX);
        d->operators[0] = (smdp_operator_endpoint){.requester_id = s->executor.requester_id,
                                                   .base_url = d->operator_text[0]};
        d->operator_count = 1;
    }
    for (size_t i = 0; i < list->count; i++) {
        char *copy = d->operator_text[i];
        snprintf(copy, TEXT_MAX, "%s", list->values[i]);
        char *url = strstr(copy, "=https://");
        smdp_operator_endpoint *e = &d->operators[i];
        *url++ = '\0';
        char *bar = strchr(copy, '|');
        if (bar != NULL) {
            *bar = '\0';
            e->subject = copy;
            e->requester_id = bar + 1;
        } else {
            e->requester_id = copy;
        }
        e->base_url = url;
    }
}

static aw_err start_smdp(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    split_operators(d);
    smdp_config config = {
        .pki_directory = s->smdp.pki_directory, .database_url = s->smdp.database,
        .key_ring_file = s->smdp.key_ring, .address = s->smdp.address, .port = s->smdp.port,
        .smdp_address = s->smdp.smdp_address, .es2p_client_ca_file = s->smdp.es2p_ca,
        .es2p_port = s->smdp.es2p_port,
        .es2p_allowed_subjects = s->smdp.es2p_allow.count != 0 ? s->smdp.es2p_allow.values : NULL,
        .es2p_allowed_subject_count = s->smdp.es2p_allow.count,
        .es2p_order_lifetime_ms = (int64_t)s->smdp.order_lifetime_s * 1000,
        .bound_session_lifetime_ms = (int64_t)s->smdp.session_lifetime_s * 1000,
        .es2p_operator_ca_file = s->smdp.notify_ca,
        .es2p_operators = d->operator_count != 0 ? d->operators : NULL,
        .es2p_operator_count = d->operator_count,
        .es2p_requester_identifier = s->smdp.requester_id,
        .es2p_notify_max_attempts = (int64_t)s->smdp.notify_attempts, .log = d->log,
        .metrics_listen = s->smdp.metrics_listen, .metrics_address = s->smdp.metrics_address,
        .metrics_port = s->smdp.metrics_port, .metrics_on_es9p = s->smdp.metrics_on_es9p};
    aw_err err = smdp_server_new(d->base, &config, &d->smdp);
    if (err != AW_OK)
        return err;
    log_listening(d, "smdp", "es9p", s->smdp.address, smdp_server_port(d->smdp));
    if (smdp_server_es2p_port(d->smdp) != 0)
        log_listening(d, "smdp", "es2p", s->smdp.address, smdp_server_es2p_port(d->smdp));
    if (smdp_server_metrics_port(d->smdp) != 0)
        log_listening(d, "smdp", "metrics",
                      s->smdp.metrics_address != NULL ? s->smdp.metrics_address : "127.0.0.1",
                      smdp_server_metrics_port(d->smdp));
    return AW_OK;
}

/* The configured routes, and, when this process also runs the SM-DP+ and
 * no route names its address, one to it: the eIM relays the downloads of
 * its own SM-DP+ without a DNS entry or port 443. */
static size_t eim_routes(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    const airwrited_list *list = &s->eim.routes;
    size_t count = 0;
    bool own = false;
    for (size_t i = 0; i < list->count; i++, count++) {
        char *copy = d->route_text[i];
        snprintf(copy, TEXT_MAX, "%s", list->values[i]);
        char *url = strchr(copy, '=');
        *url++ = '\0';
        d->routes[i] = (eim_smdp_route){.smdp_address = copy, .base_url = url};
        own = own || strcmp(copy, s->smdp.smdp_address) == 0;
    }
    if (d->smdp != NULL && !own) {
        url_to(s->smdp.address, smdp_server_port(d->smdp), d->route_text[count], TEXT_MAX);
        d->routes[count] = (eim_smdp_route){.smdp_address = s->smdp.smdp_address,
                                            .base_url = d->route_text[count]};
        count++;
    }
    return count;
}

static aw_err start_eim(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    size_t route_count = eim_routes(d);
    eim_config config = {.pki_directory = s->eim.pki_directory, .database_url = s->eim.database,
                         .address = s->eim.address, .port = s->eim.port,
                         .tls_certificate = s->eim.certificate, .tls_key = s->eim.key,
                         .smdp_ca_file = s->eim.smdp_ca,
                         .smdp_routes = route_count != 0 ? d->routes : NULL,
                         .smdp_route_count = route_count, .worker_count = s->eim.workers,
                         .device_binding = s->device_lock.enabled}; /* [device_lock] */
    aw_err err = eim_server_new(d->base, &config, &d->eim);
    if (err == AW_OK)
        log_listening(d, "eim", "esipa", s->eim.address, eim_server_port(d->eim));
    return err;
}

static aw_err start_platform(airwrited *d, char *message, size_t cap)
{
    const airwrited_settings *s = &d->settings;
    aw_err err = airwrited_platform_keys(s, true, &d->platform_keys, message, cap);
    if (err != AW_OK)
        return err;
    if (s->platform.audit_key != NULL &&
        (err = platform_audit_key_load(s->platform.audit_key,
                                       s->platform.audit_checkpoint_interval, &d->audit,
                                       &d->audit_key)) != AW_OK) {
        snprintf(message, cap, "platform audit key %s: %s (%s)", s->platform.audit_key,
                 aw_err_message(err), aw_err_name(err));
        return err;
    }
    /* [crypto] suite: the audit chain's hash; a checkpoint key must match */
    if (d->audit_key == NULL)
        d->audit = (audit_options){.suite = s->crypto.suite};
    else if ((err = airwrited_crypto_check_audit(s, d->audit.suite, message, cap)) != AW_OK)
        return err;
    platform_server_config config = {.database_url = s->platform.database,
                                      .audit = &d->audit,
                                      .keys = d->platform_keys, .address = s->platform.address,
                                      .port = s->platform.port,
                                      .certificate_file = s->platform.certificate,
                                      .key_file = s->platform.key,
                                      .callback_ca_file = s->platform.callback_ca, .log = d->log,
                                      .exceptions = &s->exceptions,
                                      .indicators = &s->indicators,
                                      .console_app_id = s->platform.console_app,
                                      .console_login_rate_per_minute =
                                          s->platform.console_login_rate,
                                      .console_login_burst = s->platform.console_login_burst,
                                      .credential_cache_ms =
                                          s->platform.credential_cache_ms != 0
                                              ? (int64_t)s->platform.credential_cache_ms
                                              : PLATFORM_CREDENTIAL_CACHE_OFF,
                                      .order_committers = s->platform.order_committers,
                                      .location = &s->location, /* [location] */
                                      .console_dir = s->platform.console_app != NULL
                                                         ? s->platform.console_dir
                                                         : NULL};
    err = platform_server_new(d->base, &config, &d->platform);
    if (err == AW_OK) /* [profile_limit] into the migrated database (issue 8) */
        err = airwrited_profile_limit_apply(s, message, cap);
    if (err == AW_OK) /* [crypto] suite: the default of new apps (issue 8) */
        err = airwrited_crypto_apply(s, message, cap);
    if (err == AW_OK)
        log_listening(d, "platform", "api", s->platform.address,
                      platform_server_port(d->platform));
    return err;
}

/* The devices' terminal reports (docs/firmware-update.md): an HTTPS
 * listener of its own with the platform's certificate that asks for a
 * device certificate under [terminal] device_ca. */
static aw_err start_terminal(airwrited *d)
{
    const airwrited_settings *s = &d->settings;
    http_server_config http = {.address = s->terminal.address, .port = s->terminal.port,
                               .certificate_file = s->platform.certificate,
                               .key_file = s->platform.key,
                               .client_ca_file = s->terminal.device_ca,
                               .max_body_size = PLATFORM_TERMINAL_REPORT_BODY_MAX};
    aw_err err = db_open(s->platform.database, NULL, &d->terminal_db);
    if (err == AW_OK)
        err = platform_terminal_reports_migrate(d->terminal_db);
    d->terminal_endpoint = (platform_terminal_endpoint){.db = d->terminal_db,
                                                        .policy = &s->exceptions};
    if (err == AW_OK)
        err = http_server_new(d->base, &http, &d->terminal);
    if (err == AW_OK)
        err = platform_terminal_register(d->terminal, &d->terminal_endpoint);
    if (err == AW_OK) /* devices' card refusals, card-device locking */
        err = platform_device_refusal_register(d->terminal, &d->terminal_endpoint);
    char terminfo_message[TEXT_MAX] = "";
    if (err == AW_OK && /* encrypted terminal information (helper terminfo) */
        (err = airwrited_terminfo_start(&s->terminfo, d->terminal, d->terminal_db, d->platform_keys,
                                        &d->terminfo, terminfo_message,
                                        sizeof(terminfo_message))) != AW_OK)
        log_error(d, "terminal_info_failed", terminfo_message, err);
    if (err == AW_OK)
        err = http_server_start(d->terminal);
    if (err == AW_OK)
        log_listening(d, "platform", "terminal_reports", s->terminal.address,
                      http_server_port(d->terminal));
    return err;
}

/* The order executor (platform.h "Executor"): its workers, and its ES2+
 * notification endpoint on an HTTPS listener of its own that asks for the
 * SM-DP+'s client certificate (SGP.22 2.6.6). */
static aw_err start_executor(airwrited *d)
{
    /* [device_lock]: the sweep's audit entries join the platform's chain, in
     * its suite ([crypto] suite; with or without checkpoints) */
    d->settings.device_lock.audit = &d->audit;
    const airwrited_settings *s = &d->settings;
    const char *url = s->executor.es2p_url;
    if (s->executor.local_smdp) {
        url_to(s->smdp.address, smdp_server_es2p_port(d->smdp), d->es2p_url, TEXT_MAX);
        url = d->es2p_url;
    }
    const airwrited_list *subjects = &s->executor.smdp_subjects;
    platform_executor_config config = {
        .database_url = s->platform.database, .eim_database_url = s->executor.eim_database,
        .smdp_es2p_url = url, .smdp_address = s->executor.smdp_address,
        .ca_file = s->executor.ca, .certificate_file = s->executor.certificate,
        .key_file = s->executor.key, .requester_identifier = s->executor.requester_id,
        .smdp_subjects = subjects->count != 0 ? subjects->values : NULL,
        .smdp_subject_count = subjects->count, .workers = s->executor.workers,
        .result_timeout_ms = (int64_t)s->executor.result_timeout_s * 1000,
        .max_attempts = (int64_t)s->executor.max_attempts,
        .lease_ms = (int64_t)s->executor.lease_s * 1000, .worker_name = COMPONENT,
        .device_lock = &s->device_lock, /* [device_lock] (helper devicelock) */
        .exceptions = &s->exceptions, .location = &s->location}; /* [location] */
    /* card operations: their PSMOs signed with the eIM's key ("eim") */
    if (s->executor.eim_signing_key != NULL) {
        aw_err key_err = eim_key_ring_new(&d->card_op_keys);
        if (key_err == AW_OK)
            key_err = eim_key_ring_add_file(d->card_op_keys, "eim", s->executor.eim_signing_key);
        if (key_err != AW_OK)
            return key_err;
        config.eim_keys = d->card_op_keys;
        config.card_op_timeout_ms = (int64_t)s->executor.card_op_timeout_s * 1000;
    }
    http_server_config http = {.address = s->executor.notify_address,
                               .port = s->executor.notify_port,
                               .certificate_file = s->platform.certificate,
                               .key_file = s->platform.key,
                               .client_ca_file = s->executor.notify_ca};
    aw_err err = platform_executor_new(&config, &d->executor);
    if (err == AW_OK)
        err = http_server_new(d->base, &http, &d->notifications);
    if (err == AW_OK)
        err = platform_executor_register_notifications(d->executor, d->notifications);
    if (err == AW_OK)
        err = http_server_start(d->notifications);
    if (err == AW_OK)
        err = platform_executor_start(d->executor);
    if (err != AW_OK)
        return err;
    log_listening(d, "platform", "es2p_notifications", s->executor.notify_address,
                  http_server_port(d->notifications));
    log_field fields[] = {LOG_TEXT("smdp_es2p_url", url),
                          LOG_TEXT("smdp_address", s->executor.smdp_address),
                          LOG_UINT("lease_s", s->executor.lease_s)};
    log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "executor_started", fields, 3);
    return AW_OK;
}

/* What this process's executor did (its workers joined): with several
 * processes on one database, each one's share of the work. */
static void log_executor_stopped(airwrited *d)
{
    if (d->executor == NULL)
        return;
    platform_executor_stats stats;
    platform_executor_get_stats(d->executor, &stats);
    log_field fields[] = {LOG_INT("started", stats.started),   LOG_INT("failed", stats.failed),
                          LOG_INT("retried", stats.retried),   LOG_INT("skipped", stats.skipped),
                          LOG_INT("cancelled", stats.cancelled),
                          LOG_INT("retriggered", stats.retriggered),
                          LOG_INT("withdrawn", stats.withdrawn)};
    log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "executor_stopped", fields, 7);
}

/* Stop accepting everywhere (the workers of the components stop when
 * they are freed, the executor's in stop_executor). */
static void stop_listeners(airwrited *d)
{
    http_server_stop(d->notifications);
    http_server_stop(d->terminal);
    platform_server_stop(d->platform);
    eim_server_stop(d->eim);
    smdp_server_stop(d->smdp);
}

static void *executor_stopper(void *arg)
{
    airwrited *d = arg;
    platform_executor_stop(d->executor);
    atomic_store(&d->executor_stopped, true);
    return NULL;
}

/* Join the executor's workers on a thread while the loop keeps serving. */
static void stop_executor(airwrited *d)
{
    if (d->executor == NULL || d->executor_stopping)
        return;
    d->executor_stopping = pthread_create(&d->executor_stopper, NULL, executor_stopper, d) == 0;
    if (!d->executor_stopping)
        atomic_store(&d->executor_stopped, true); /* joined later, on this thread */
}

/* ---- Signals -------------------------------------------------------------- */

#define STOP_POLL_MS 50

/* Every STOP_POLL_MS while stopping: leave the loop once the grace period
 * is over and the executor's workers are joined. */
static void on_grace_over(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    airwrited *d = arg;
    struct timeval now;
    evutil_gettimeofday(&now, NULL);
    bool executor_done = d->executor == NULL || atomic_load(&d->executor_stopped);
    if (executor_done && evutil_timercmp(&now, &d->stop_deadline, >=)) {
        event_base_loopexit(d->base, NULL);
        return;
    }
    struct timeval poll = {.tv_sec = 0, .tv_usec = STOP_POLL_MS * 1000};
    if (evtimer_add(d->grace, &poll) != 0)
        event_base_loopexit(d->base, NULL);
}

/* SIGTERM, SIGINT: stop accepting, give requests in flight the grace
 * period, then leave the loop; a second signal leaves at once. */
static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    airwrited *d = arg;
    if (d->stopping) {
        event_base_loopexit(d->base, NULL);
        return;
    }
    d->stopping = true;
    notify_systemd("STOPPING=1");
    log_field fields[] = {LOG_TEXT("signal", fd == SIGTERM ? "SIGTERM" : "SIGINT"),
                          LOG_UINT("grace_ms", d->settings.shutdown_grace_ms)};
    log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "stopping", fields, 2);
    stop_listeners(d);
    stop_executor(d);
    struct timeval now, grace = {.tv_sec = d->settings.shutdown_grace_ms / 1000,
                                 .tv_usec = (d->settings.shutdown_grace_ms % 1000) * 1000};
    evutil_gettimeofday(&now, NULL);
    evutil_timeradd(&now, &grace, &d->stop_deadline);
    struct timeval poll = {.tv_sec = 0, .tv_usec = STOP_POLL_MS * 1000};
    d->grace = evtimer_new(d->base, on_grace_over, d);
    if (d->grace == NULL || evtimer_add(d->grace, &poll) != 0)
        event_base_loopexit(d->base, NULL);
}

/* SIGHUP: reopen the log file (after logrotate moved it: the new file
 * takes the old descriptor's number), reload the SM-DP+ key ring (after
 * airwrite-smdp add-key; the old ring stays if the new one cannot serve
 * every row) and add new platform storage keys to the live ring (after
 * airwritectl keys generate: the daemon must hold a key before rows are
 * re-encrypted under it; docs/keys.md). */
static void on_reload(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    airwrited *d = arg;
    bool log_ok = true;
    if (d->log_fd >= 0) {
        int reopened = open(d->settings.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                            0640);
        log_ok = reopened >= 0 && dup3(reopened, d->log_fd, O_CLOEXEC) >= 0;
        if (reopened >= 0)
            close(reopened);
    }
    aw_err keys = d->smdp != NULL ? smdp_server_reload_key_ring(d->smdp) : AW_OK;
    size_t added = 0;
    char message[512] = "";
    aw_err platform = d->platform_keys != NULL
                          ? airwrited_platform_keys_reload(&d->settings, d->platform_keys, &added,
                                                           message, sizeof(message))
                          : AW_OK;
    log_field fields[] = {LOG_BOOL("log_reopened", d->log_fd >= 0 && log_ok),
                          LOG_TEXT("smdp_key_ring", d->smdp == NULL ? "none"
                                                    : keys == AW_OK ? "reloaded"
                                                                    : aw_err_name(keys)),
                          LOG_TEXT("platform_keys", d->platform_keys == NULL ? "none"
                                                    : platform == AW_OK ? "reloaded"
                                                                        : aw_err_name(platform)),
                          LOG_UINT("platform_keys_added", added),
                          LOG_UINT("platform_current_key",
                                   platform_key_ring_current_id(d->platform_keys))};
    log_event(d->log, keys == AW_OK && platform == AW_OK && log_ok ? LOG_LEVEL_INFO
                                                                  : LOG_LEVEL_WARNING,
              COMPONENT, "reloaded", fields, 5);
}

static aw_err add_signals(airwrited *d)
{
    d->term = evsignal_new(d->base, SIGTERM, on_stop, d);
    d->interrupt = evsignal_new(d->base, SIGINT, on_stop, d);
    d->hangup = evsignal_new(d->base, SIGHUP, on_reload, d);
    if (d->term == NULL || d->interrupt == NULL || d->hangup == NULL ||
        evsignal_add(d->term, NULL) != 0 || evsignal_add(d->interrupt, NULL) != 0 ||
        evsignal_add(d->hangup, NULL) != 0)
        return AW_ERR_NOMEM;
    return AW_OK;
}

/* ---- Run ------------------------------------------------------------------ */

static int run(airwrited *d)
{
    char message[TEXT_MAX] = "";
    int status = 1;
    aw_err err = open_log(d);
    if (err != AW_OK) {
        fprintf(stderr, "airwrited: log file %s: %s\n", d->settings.log_file, strerror(errno));
        return 1;
    }
    const airwrited_settings *s = &d->settings;
    char roles[64];
    airwrited_roles_text(s->roles, roles, sizeof(roles));
    d->base = event_base_new();
    if (d->base == NULL) {
        err = AW_ERR_NOMEM;
        snprintf(message, sizeof(message), "event loop");
    } else {
        err = airwrited_prepare(s, d->log, message, sizeof(message));
    }
    /* signals first: a SIGTERM during start-up is not lost */
    if (err == AW_OK && (err = add_signals(d)) != AW_OK)
        snprintf(message, sizeof(message), "signals");
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_SMDP) && (err = start_smdp(d)) != AW_OK)
        snprintf(message, sizeof(message), "smdp role");
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_EIM) && (err = start_eim(d)) != AW_OK)
        snprintf(message, sizeof(message), "eim role");
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM) &&
        (err = start_platform(d, message, sizeof(message))) != AW_OK && message[0] == '\0')
        snprintf(message, sizeof(message), "platform role");
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM) && s->executor.enabled &&
        (err = start_executor(d)) != AW_OK)
        snprintf(message, sizeof(message), "platform executor");
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM) && s->terminal.device_ca != NULL &&
        (err = start_terminal(d)) != AW_OK)
        snprintf(message, sizeof(message), "platform terminal reports");
    if (err != AW_OK) {
        log_error(d, "start_failed", message, err);
        fprintf(stderr, "airwrited: %s: %s (%s)\n", message, aw_err_message(err),
                aw_err_name(err));
        goto cleanup;
    }
    log_field fields[] = {LOG_TEXT("roles", roles), LOG_TEXT("state_directory",
                                                             s->state_directory)};
    log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "ready", fields, 2);
    notify_systemd("READY=1");
    if (event_base_dispatch(d->base) < 0) {
        log_error(d, "event_loop_failed", "event loop", AW_ERR_STATE);
        goto cleanup;
    }
    status = 0;
cleanup:
    /* stop every listener and the executor before freeing any role */
    stop_listeners(d);
    if (d->executor_stopping)
        pthread_join(d->executor_stopper, NULL);
    platform_executor_stop(d->executor);
    log_executor_stopped(d);
    http_server_free(d->notifications); /* before the executor its handler uses */
    http_server_free(d->terminal);      /* before the connection its handler uses */
    db_close(d->terminal_db);
    airwrited_terminfo_free(d->terminfo); /* after the listener that borrowed it */
    platform_executor_free(d->executor);
    eim_key_ring_free(d->card_op_keys); /* after the executor that borrowed it */
    platform_server_free(d->platform);
    crypto_suite_key_free(d->audit_key); /* after the server that borrowed it */
    eim_server_free(d->eim);
    smdp_server_free(d->smdp);
    platform_key_ring_free(d->platform_keys);
    struct event *events[] = {d->term, d->interrupt, d->hangup, d->grace};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (d->base != NULL)
        event_base_free(d->base);
    if (status == 0)
        log_event(d->log, LOG_LEVEL_INFO, COMPONENT, "stopped", NULL, 0);
    log_free(d->log);
    if (d->log_fd >= 0)
        close(d->log_fd);
    return status;
}

int main(int argc, char **argv)
{
    /* a peer closing its TLS connection must not kill the daemon */
    signal(SIGPIPE, SIG_IGN);
    static const struct option table[] = {
        {"config", required_argument, NULL, 'c'},   {"role", required_argument, NULL, 'r'},
        {"state-dir", required_argument, NULL, 's'}, {"log-level", required_argument, NULL, 'l'},
        {"check-config", no_argument, NULL, 'C'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    airwrited_flags flags = {.default_state = getenv("STATE_DIRECTORY")};
    if (flags.default_state == NULL || flags.default_state[0] != '/' ||
        strchr(flags.default_state, ':') != NULL)
        flags.default_state = AIRWRITED_DEFAULT_STATE; /* systemd: one directory, no list */
    bool check = false;
    int c;
    while ((c = getopt_long(argc, argv, "", table, NULL)) != -1) {
        switch (c) {
        case 'c': flags.config_file = optarg; break;
        case 'r': flags.roles = optarg; break;
        case 's': flags.state_directory = optarg; break;
        case 'l': flags.log_level = optarg; break;
        case 'C': check = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    static airwrited d; /* large (borrowed texts); one per process */
    char message[TEXT_MAX];
    aw_err err = airwrited_settings_load(&flags, &d.settings, message, sizeof(message));
    if (err == AW_OK && check)
        err = airwrited_check(&d.settings, stdout, message, sizeof(message));
    int status = 0;
    if (err != AW_OK) {
        fprintf(stderr, "airwrited: %s\n", message);
        status = 1;
    } else if (!check) {
        status = run(&d);
    }
    airwrited_settings_free(&d.settings);
    return status;
}
