/* airwrite-smdp: the SM-DP+ daemon (SGP.22 ES9+ 5.6 over HTTPS 6.5, see
 * src/smdp/smdp.h) and its administration commands on the inventory:
 * profile types and subscriber import (src/smdp/inventory.h, import.h) and
 * ES2+ orders (5.3.1 DownloadOrder, 5.3.2 ConfirmOrder) run directly on the
 * database, and storage key rotation (src/smdp/inventory_keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core/db.h"
#include "core/file.h"
#include "core/log.h"
#include "smdp/es2p.h"
#include "smdp/import.h"
#include "smdp/inventory.h"
#include "smdp/inventory_keys.h"
#include "smdp/es2p_notifier.h"
#include "smdp/es2p_notify.h"
#include "smdp/smdp.h"

#define SMDP_CLI_MAX_INPUT (16u << 20)
#define SMDP_CLI_COMPONENT "smdp"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrite-smdp serve --pki DIR --db URL --keys PATH [--address IP]\n"
            "                          [--port N] [--smdp-address FQDN]\n"
            "                          [--es2p-ca FILE [--es2p-port N]\n"
            "                           [--es2p-allow SUBJECT]...]\n"
            "                          [--order-lifetime SECONDS] [--session-lifetime SECONDS]\n"
            "                          [--notify-ca FILE --operator [SUBJECT|]ID=URL...\n"
            "                           [--requester-id ID] [--notify-attempts N]]\n"
            "                          [--metrics-port N [--metrics-address IP]]\n"
            "                          [--metrics-on-es9p]\n"
            "                          [--log-file PATH|-] [--log-level LEVEL]\n"
            "       airwrite-smdp import-type --db URL NAME TEMPLATE.der\n"
            "                          [--provider TEXT] [--profile-name TEXT]\n"
            "                          [--class test|provisioning|operational]\n"
            "       airwrite-smdp import --db URL --keys PATH [--type NAME] FILE.csv|FILE.json\n"
            "       airwrite-smdp order --db URL (--iccid DIGITS | --type NAME) [--eid DIGITS]\n"
            "                          [--matching-id ID] [--cc CODE] [--release]\n"
            "       airwrite-smdp add-key --keys DIR\n"
            "       airwrite-smdp rekey --db URL --keys PATH\n"
            "\n"
            "serve        run the ES9+ HTTPS endpoint (dptls.pem, dpauth.pem, dppb.pem and\n"
            "             their keys, ci.pem in DIR as airwrite-pki init writes them) until\n"
            "             SIGTERM or SIGINT; SIGHUP reopens the log file and reloads the\n"
            "             key ring\n"
            "  --es2p-ca FILE        also serve ES2+ to the operators on a second HTTPS\n"
            "                        listener with mutual TLS: their CA certificates (PEM)\n"
            "  --es2p-port N         port of the ES2+ listener (default: ephemeral)\n"
            "  --es2p-allow SUBJECT  RFC 2253 subject (\"CN=...,O=...\") allowed to call ES2+;\n"
            "                        repeat for several; default: any verified certificate\n"
            "  --order-lifetime SECONDS  ES2+ orders not downloaded within this time expire\n"
            "                        (ES9+ then answers 8.8.5/4.10); default: never\n"
            "  --session-lifetime SECONDS  a download session waits this long after its\n"
            "                        bound package for the eUICC's installation result or\n"
            "                        cancel, kept in the database across restarts;\n"
            "                        default: a week\n"
            "  --notify-ca FILE      send ES2+.HandleDownloadProgressInfo to the operators\n"
            "                        over mutual TLS (dptls.pem as client certificate);\n"
            "                        FILE: the CA certificates their servers chain to\n"
            "  --operator [SUBJECT|]ID=URL  where the orders of the operator whose\n"
            "                        functionRequesterIdentifier is ID (and, if given,\n"
            "                        whose certificate subject is SUBJECT) are notified:\n"
            "                        an https:// base URL; repeat for several\n"
            "  --requester-id ID     this SM-DP+'s functionRequesterIdentifier in the\n"
            "                        notifications (default: --smdp-address)\n"
            "  --notify-attempts N   deliveries tried before a notification becomes a dead\n"
            "                        letter (default 20)\n"
            "  --metrics-port N      serve Prometheus metrics (GET /metrics, text format\n"
            "                        0.0.4) over plain HTTP on this port (0: ephemeral)\n"
            "  --metrics-address IP  address of that listener (default 127.0.0.1)\n"
            "  --metrics-on-es9p     also serve GET /metrics on the ES9+ HTTPS listener\n"
            "  --log-file PATH|-     JSON log lines appended to PATH, or stderr (-, default)\n"
            "  --log-level LEVEL     debug, info (default), warning or error\n"
            "import-type  store an unprotected profile package as a profile type template\n"
            "import       add the subscribers of a CSV (--type needed) or JSON batch,\n"
            "             encrypted under the newest key of the key ring\n"
            "order        ES2+ DownloadOrder and ConfirmOrder; without --matching-id one is\n"
            "             generated; --release makes the order downloadable at once\n"
            "add-key      create the next storage key <id>.key (32 random bytes, 0600) in the\n"
            "             key ring directory DIR and print its id\n"
            "rekey        re-encrypt every Ki/OPc not under the newest key of the key ring,\n"
            "             in transactions of a few rows (the daemon keeps serving; run again\n"
            "             to resume after an interruption), printing progress\n"
            "\n"
            "Key ring (--keys PATH): a directory of <id>.key files (decimal id, 32 bytes,\n"
            "mode 0600; the highest id encrypts new rows), or a single 32-byte key file\n"
            "used as key id 1 (import creates it when absent).\n"
            "\n"
            "Exit status: 0 on success, 1 on error, 2 on usage.\n");
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-smdp: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
    return 1;
}

#define SMDP_CLI_SUBJECTS_MAX 64
#define SMDP_CLI_OPERATORS_MAX 64

typedef struct options {
    const char *pki, *db, *keys, *address, *smdp_address, *type, *iccid, *eid, *matching_id,
        *cc, *provider, *profile_name, *class_name, *es2p_ca, *metrics_address, *log_file,
        *log_level;
    unsigned long port, es2p_port, metrics_port;
    bool release, metrics_listen, metrics_on_es9p;
    const char *es2p_allow[SMDP_CLI_SUBJECTS_MAX];
    size_t es2p_allow_count;
    const char *notify_ca, *requester_id;
    unsigned long order_lifetime_s, session_lifetime_s, notify_attempts;
    /* --operator: endpoints pointing into operator_text, which outlives the server */
    smdp_operator_endpoint operators[SMDP_CLI_OPERATORS_MAX];
    char operator_text[SMDP_CLI_OPERATORS_MAX][1024];
    size_t operator_count;
    char **args;
    int arg_count;
} options;

/* A decimal number 1..max. */
static bool parse_count(const char *text, unsigned long max, unsigned long *value)
{
    char *end;
    *value = strtoul(text, &end, 10);
    return *text >= '1' && *text <= '9' && *end == '\0' && *value <= max;
}

/* --operator [SUBJECT|]ID=URL: the URL is what follows the first
 * "=https://" (subjects hold '=' and ','; '|' separates the subject). */
static bool parse_operator(const char *text, options *o)
{
    if (o->operator_count == SMDP_CLI_OPERATORS_MAX ||
        strlen(text) >= sizeof(o->operator_text[0]))
        return false;
    char *copy = o->operator_text[o->operator_count];
    strcpy(copy, text);
    char *url = strstr(copy, "=https://");
    if (url == NULL || url == copy)
        return false;
    *url++ = '\0';
    smdp_operator_endpoint *e = &o->operators[o->operator_count];
    char *bar = strchr(copy, '|');
    if (bar != NULL) {
        *bar = '\0';
        if (copy[0] == '\0' || bar[1] == '\0')
            return false;
        e->subject = copy;
        e->requester_id = bar + 1;
    } else {
        e->requester_id = copy;
    }
    e->base_url = url;
    o->operator_count++;
    return true;
}

/* A port number 0..65535. */
static bool parse_port(const char *text, unsigned long *port)
{
    char *end;
    *port = strtoul(text, &end, 10);
    return *text >= '0' && *text <= '9' && *end == '\0' && *port <= 65535;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option table[] = {
        {"pki", required_argument, NULL, 'k'},     {"db", required_argument, NULL, 'd'},
        {"keys", required_argument, NULL, 'K'},    {"address", required_argument, NULL, 'a'},
        {"port", required_argument, NULL, 'p'},    {"smdp-address", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'},    {"iccid", required_argument, NULL, 'i'},
        {"eid", required_argument, NULL, 'e'},     {"matching-id", required_argument, NULL, 'm'},
        {"cc", required_argument, NULL, 'c'},      {"release", no_argument, NULL, 'r'},
        {"provider", required_argument, NULL, 'P'}, {"profile-name", required_argument, NULL, 'n'},
        {"class", required_argument, NULL, 'C'},   {"help", no_argument, NULL, 'h'},
        {"es2p-ca", required_argument, NULL, 'A'}, {"es2p-port", required_argument, NULL, 'E'},
        {"es2p-allow", required_argument, NULL, 'S'},
        {"metrics-port", required_argument, NULL, 'M'},
        {"metrics-address", required_argument, NULL, 'N'},
        {"metrics-on-es9p", no_argument, NULL, 'O'},
        {"log-file", required_argument, NULL, 'L'}, {"log-level", required_argument, NULL, 'V'},
        {"order-lifetime", required_argument, NULL, 'l'},
        {"session-lifetime", required_argument, NULL, 'W'},
        {"notify-ca", required_argument, NULL, 'T'},
        {"operator", required_argument, NULL, 'o'},
        {"requester-id", required_argument, NULL, 'R'},
        {"notify-attempts", required_argument, NULL, 'U'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    int c;
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        switch (c) {
        case 'k': o->pki = optarg; break;
        case 'd': o->db = optarg; break;
        case 'K': o->keys = optarg; break;
        case 'a': o->address = optarg; break;
        case 'p':
            if (!parse_port(optarg, &o->port))
                return 2;
            break;
        case 's': o->smdp_address = optarg; break;
        case 't': o->type = optarg; break;
        case 'i': o->iccid = optarg; break;
        case 'e': o->eid = optarg; break;
        case 'm': o->matching_id = optarg; break;
        case 'c': o->cc = optarg; break;
        case 'r': o->release = true; break;
        case 'P': o->provider = optarg; break;
        case 'n': o->profile_name = optarg; break;
        case 'C': o->class_name = optarg; break;
        case 'A': o->es2p_ca = optarg; break;
        case 'E':
            if (!parse_port(optarg, &o->es2p_port))
                return 2;
            break;
        case 'S':
            if (o->es2p_allow_count == SMDP_CLI_SUBJECTS_MAX)
                return 2;
            o->es2p_allow[o->es2p_allow_count++] = optarg;
            break;
        case 'M':
            if (!parse_port(optarg, &o->metrics_port))
                return 2;
            o->metrics_listen = true;
            break;
        case 'N': o->metrics_address = optarg; break;
        case 'O': o->metrics_on_es9p = true; break;
        case 'L': o->log_file = optarg; break;
        case 'V': o->log_level = optarg; break;
        case 'l':
            /* a year at most: the lifetime is kept in milliseconds */
            if (!parse_count(optarg, 366UL * 24 * 3600, &o->order_lifetime_s))
                return 2;
            break;
        case 'W':
            if (!parse_count(optarg, 366UL * 24 * 3600, &o->session_lifetime_s))
                return 2;
            break;
        case 'T': o->notify_ca = optarg; break;
        case 'o':
            if (!parse_operator(optarg, o))
                return 2;
            break;
        case 'R': o->requester_id = optarg; break;
        case 'U':
            if (!parse_count(optarg, SMDP_NOTIFY_ATTEMPTS_CEILING, &o->notify_attempts))
                return 2;
            break;
        default: return 2;
        }
    }
    o->args = argv + optind;
    o->arg_count = argc - optind;
    return 0;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopexit(arg, NULL);
}

/* What SIGHUP reloads. */
typedef struct reload_target {
    smdp_server *server;
    const char *log_file; /* NULL: logging to stderr */
    int log_fd;
} reload_target;

/* SIGHUP: reopen the log file (after logrotate moved it: the new file
 * takes the old descriptor's number, so the logger keeps writing through
 * it) and read the key ring again (after add-key), keeping the old ring if
 * the new one cannot serve every row. */
static void on_reload(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    reload_target *target = arg;
    if (target->log_file != NULL) {
        int reopened = open(target->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (reopened < 0 || dup3(reopened, target->log_fd, O_CLOEXEC) < 0)
            fprintf(stderr, "airwrite-smdp: %s: %s (old log file kept)\n", target->log_file,
                    strerror(errno));
        if (reopened >= 0)
            close(reopened);
    }
    aw_err err = smdp_server_reload_key_ring(target->server);
    if (err != AW_OK)
        fail("key ring reload (old key ring kept)", err);
    else
        fprintf(stderr, "airwrite-smdp: key ring reloaded\n");
}

/* The JSON logger of --log-file / --log-level (stderr by default). */
static int open_log(const options *o, int *fd, aw_log **log)
{
    log_level level = LOG_LEVEL_INFO;
    *fd = -1;
    if (o->log_level != NULL && log_level_parse(o->log_level, &level) != AW_OK)
        return 2;
    if (o->log_file == NULL || strcmp(o->log_file, "-") == 0) {
        aw_err err = log_new_fd(STDERR_FILENO, level, log);
        return err == AW_OK ? 0 : fail("log", err);
    }
    *fd = open(o->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (*fd < 0) {
        fprintf(stderr, "airwrite-smdp: %s: %s\n", o->log_file, strerror(errno));
        return 1;
    }
    aw_err err = log_new_fd(*fd, level, log);
    return err == AW_OK ? 0 : fail("log", err);
}

static int command_serve(const options *o)
{
    if (o->pki == NULL || o->db == NULL || o->keys == NULL || o->arg_count != 0 ||
        ((o->es2p_port != 0 || o->es2p_allow_count != 0) && o->es2p_ca == NULL) ||
        (o->metrics_address != NULL && !o->metrics_listen) ||
        ((o->operator_count != 0 || o->requester_id != NULL || o->notify_attempts != 0) &&
         o->notify_ca == NULL) ||
        (o->notify_ca != NULL && o->operator_count == 0))
        return 2;
    int log_fd = -1;
    aw_log *log = NULL;
    int status = open_log(o, &log_fd, &log);
    if (status != 0)
        return status;
    status = 1;
    smdp_server *server = NULL;
    struct event *term = NULL, *interrupt = NULL, *hangup = NULL;
    struct event_base *base = event_base_new();
    if (base == NULL) {
        fail("event loop", AW_ERR_NOMEM);
        goto cleanup;
    }
    smdp_config config = {.pki_directory = o->pki, .database_url = o->db,
                          .key_ring_file = o->keys, .address = o->address,
                          .port = (uint16_t)o->port, .smdp_address = o->smdp_address,
                          .es2p_client_ca_file = o->es2p_ca,
                          .es2p_port = (uint16_t)o->es2p_port,
                          .es2p_allowed_subjects = o->es2p_allow_count != 0 ? o->es2p_allow : NULL,
                          .es2p_allowed_subject_count = o->es2p_allow_count,
                          .log = log,
                          .metrics_listen = o->metrics_listen,
                          .metrics_address = o->metrics_address,
                          .metrics_port = (uint16_t)o->metrics_port,
                          .metrics_on_es9p = o->metrics_on_es9p,
                          .es2p_order_lifetime_ms = (int64_t)o->order_lifetime_s * 1000,
                          .bound_session_lifetime_ms = (int64_t)o->session_lifetime_s * 1000,
                          .es2p_operator_ca_file = o->notify_ca,
                          .es2p_operators = o->operator_count != 0 ? o->operators : NULL,
                          .es2p_operator_count = o->operator_count,
                          .es2p_requester_identifier = o->requester_id,
                          .es2p_notify_max_attempts = (int64_t)o->notify_attempts};
    aw_err err = smdp_server_new(base, &config, &server);
    if (err != AW_OK) {
        fail("serve", err);
        goto cleanup;
    }
    term = evsignal_new(base, SIGTERM, on_signal, base);
    interrupt = evsignal_new(base, SIGINT, on_signal, base);
    reload_target target = {.server = server, .log_file = log_fd >= 0 ? o->log_file : NULL,
                            .log_fd = log_fd};
    hangup = evsignal_new(base, SIGHUP, on_reload, &target);
    if (term == NULL || interrupt == NULL || hangup == NULL || evsignal_add(term, NULL) != 0 ||
        evsignal_add(interrupt, NULL) != 0 || evsignal_add(hangup, NULL) != 0) {
        fail("signals", AW_ERR_NOMEM);
        goto cleanup;
    }
    fprintf(stderr, "airwrite-smdp: listening on %s port %u\n",
            o->address != NULL ? o->address : "127.0.0.1", (unsigned)smdp_server_port(server));
    if (smdp_server_es2p_port(server) != 0)
        fprintf(stderr, "airwrite-smdp: ES2+ on port %u\n",
                (unsigned)smdp_server_es2p_port(server));
    if (smdp_server_metrics_port(server) != 0)
        fprintf(stderr, "airwrite-smdp: metrics on %s port %u\n",
                o->metrics_address != NULL ? o->metrics_address : "127.0.0.1",
                (unsigned)smdp_server_metrics_port(server));
    if (event_base_dispatch(base) < 0) {
        fail("event loop", AW_ERR_STATE);
        goto cleanup;
    }
    log_event(log, LOG_LEVEL_INFO, SMDP_CLI_COMPONENT, "stopped", NULL, 0);
    fprintf(stderr, "airwrite-smdp: stopped\n");
    status = 0;
cleanup:
    smdp_server_stop(server);
    if (term != NULL)
        event_free(term);
    if (interrupt != NULL)
        event_free(interrupt);
    if (hangup != NULL)
        event_free(hangup);
    smdp_server_free(server);
    if (base != NULL)
        event_base_free(base);
    log_free(log);
    if (log_fd >= 0)
        close(log_fd);
    return status;
}

/* --keys: a key ring directory or one key file (key id 1), which import
 * creates when absent (create). */
static aw_err load_key_ring(const char *path, bool create, smdp_key_ring **ring)
{
    struct stat st;
    aw_err err = smdp_key_ring_new(ring);
    if (err != AW_OK)
        return err;
    if (create && stat(path, &st) != 0 && errno == ENOENT)
        return smdp_key_ring_add_file(*ring, 1, path, true);
    return smdp_key_ring_load(*ring, path);
}

static int open_db(const char *url, db_connection **db)
{
    aw_err err = db_open(url, NULL, db);
    if (err == AW_OK)
        err = smdp_inventory_migrate(*db);
    return err == AW_OK ? 0 : fail(url, err);
}

static int command_import_type(const options *o)
{
    if (o->db == NULL || o->arg_count != 2)
        return 2;
    smdp_profile_type type = {.name = o->args[0],
                              .service_provider_name = o->provider ? o->provider : "",
                              .profile_name = o->profile_name ? o->profile_name : o->args[0],
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    if (o->class_name != NULL) {
        if (strcmp(o->class_name, "test") == 0)
            type.profile_class = SMDP_PROFILE_CLASS_TEST;
        else if (strcmp(o->class_name, "provisioning") == 0)
            type.profile_class = SMDP_PROFILE_CLASS_PROVISIONING;
        else if (strcmp(o->class_name, "operational") != 0)
            return 2;
    }
    uint8_t *package = NULL;
    size_t len = 0;
    db_connection *db = NULL;
    aw_err err = aw_file_read(o->args[1], SMDP_CLI_MAX_INPUT, &package, &len);
    if (err != AW_OK)
        return fail(o->args[1], err);
    type.template_package = package;
    type.template_len = len;
    int status = open_db(o->db, &db);
    if (status == 0) {
        err = smdp_inventory_add_profile_type(db, &type, db_clock_ms());
        status = err == AW_OK ? 0 : fail(o->args[0], err);
    }
    db_close(db);
    free(package);
    return status;
}

static int command_import(const options *o)
{
    if (o->db == NULL || o->keys == NULL || o->arg_count != 1)
        return 2;
    const char *path = o->args[0];
    size_t n = strlen(path);
    bool json = n > 5 && strcmp(path + n - 5, ".json") == 0;
    if (!json && o->type == NULL)
        return 2;
    uint8_t *data = NULL;
    size_t len = 0;
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    smdp_key_ring *ring = NULL;
    db_connection *db = NULL;
    int status = 1;
    aw_err err = aw_file_read(path, SMDP_CLI_MAX_INPUT, &data, &len);
    if (err == AW_OK)
        err = json ? smdp_import_parse_json(data, len, &batch, &at)
                   : smdp_import_parse_csv(data, len, o->type, &batch, &at);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-smdp: %s: line %zu, record %zu: %s (%s)\n", path,
                batch == NULL ? at.line : 0, batch == NULL ? at.record : 0, aw_err_message(err),
                aw_err_name(err));
        goto cleanup;
    }
    err = load_key_ring(o->keys, true, &ring);
    if (err != AW_OK) {
        fail(o->keys, err);
        goto cleanup;
    }
    if (open_db(o->db, &db) != 0)
        goto cleanup;
    err = smdp_inventory_import(db, ring, batch, db_clock_ms());
    if (err != AW_OK) {
        fail(path, err);
        goto cleanup;
    }
    printf("imported %zu profiles of type %s\n", batch->count, batch->profile_type);
    status = 0;
cleanup:
    db_close(db);
    smdp_key_ring_free(ring);
    smdp_import_batch_free(batch);
    if (data != NULL)
        OPENSSL_cleanse(data, len);
    free(data);
    return status;
}

static int es2p_failed(const char *function, const smdp_es2p_result *result)
{
    fprintf(stderr, "airwrite-smdp: %s failed: %s / %s: %s\n", function, result->subject_code,
            result->reason_code, result->message);
    return 1;
}

static int command_order(const options *o)
{
    if (o->db == NULL || (o->iccid == NULL) == (o->type == NULL) || o->arg_count != 0)
        return 2;
    db_connection *db = NULL;
    smdp_es2p_result result;
    char iccid[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1];
    int status = open_db(o->db, &db);
    if (status != 0)
        return status;
    status = 1;
    smdp_download_order order = {.eid = o->eid, .iccid = o->iccid, .profile_type = o->type};
    aw_err err = smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &result);
    if (err != AW_OK) {
        fail("DownloadOrder", err);
        goto cleanup;
    }
    if (!result.success) {
        es2p_failed("DownloadOrder", &result);
        goto cleanup;
    }
    smdp_confirm_order confirm = {.iccid = iccid, .eid = o->eid, .matching_id = o->matching_id,
                                  .confirmation_code = o->cc, .release_flag = o->release};
    err = smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), matching_id, &result);
    if (err != AW_OK) {
        fail("ConfirmOrder", err);
        goto cleanup;
    }
    if (!result.success) {
        es2p_failed("ConfirmOrder", &result);
        goto cleanup;
    }
    printf("iccid %s\nmatching-id %s\nstate %s\n", iccid, matching_id,
           o->release ? "released" : "confirmed");
    status = 0;
cleanup:
    db_close(db);
    return status;
}

static int command_add_key(const options *o)
{
    if (o->keys == NULL || o->arg_count != 0)
        return 2;
    uint32_t key_id = 0;
    aw_err err = smdp_key_ring_generate(o->keys, &key_id);
    if (err != AW_OK)
        return fail(o->keys, err);
    printf("key id %u: %s/%u%s\n", (unsigned)key_id, o->keys, (unsigned)key_id,
           SMDP_KEY_FILE_SUFFIX);
    return 0;
}

/* Progress of a running rekey, read on a second connection: every chunk
 * is its own transaction, so what is committed is visible at once. */
typedef struct rekey_progress {
    const char *url;
    const smdp_key_ring *ring;
    int64_t total;
    int done; /* set by the main thread when the rekey returned */
    pthread_mutex_t mutex;
    pthread_cond_t wake;
} rekey_progress;

static void *rekey_report(void *arg)
{
    rekey_progress *p = arg;
    db_connection *db = NULL;
    if (db_open(p->url, NULL, &db) != AW_OK)
        return NULL;
    pthread_mutex_lock(&p->mutex);
    while (!p->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (pthread_cond_timedwait(&p->wake, &p->mutex, &until) == 0 || p->done)
            break;
        int64_t left = 0;
        if (smdp_inventory_count_stale(db, p->ring, &left) == AW_OK)
            printf("progress: %lld of %lld re-encrypted\n", (long long)(p->total - left),
                   (long long)p->total);
        fflush(stdout);
    }
    pthread_mutex_unlock(&p->mutex);
    db_close(db);
    return NULL;
}

static int command_rekey(const options *o)
{
    if (o->db == NULL || o->keys == NULL || o->arg_count != 0)
        return 2;
    smdp_key_ring *ring = NULL;
    db_connection *db = NULL;
    int status = 1;
    uint32_t missing = 0;
    int64_t left = 0;
    size_t count = 0;
    aw_err err = load_key_ring(o->keys, false, &ring);
    if (err != AW_OK) {
        fail(o->keys, err);
        goto cleanup;
    }
    if (open_db(o->db, &db) != 0)
        goto cleanup;
    /* every row must be readable before anything is rewritten */
    err = smdp_inventory_check_key_ids(db, ring, &missing);
    if (err == AW_ERR_SMDP_KEY_MISSING) {
        fprintf(stderr, "airwrite-smdp: rows are encrypted under key id %u, which is not in %s\n",
                (unsigned)missing, o->keys);
        fail("rekey", err);
        goto cleanup;
    }
    rekey_progress progress = {.url = o->db, .ring = ring};
    if (err == AW_OK)
        err = smdp_inventory_count_stale(db, ring, &progress.total);
    if (err != AW_OK) {
        fail("rekey", err);
        goto cleanup;
    }
    printf("%lld rows to re-encrypt under key id %u\n", (long long)progress.total,
           (unsigned)smdp_key_ring_current_id(ring));
    fflush(stdout);
    pthread_t reporter;
    bool reporting = progress.total > 0 && pthread_mutex_init(&progress.mutex, NULL) == 0;
    if (reporting && pthread_cond_init(&progress.wake, NULL) != 0) {
        pthread_mutex_destroy(&progress.mutex);
        reporting = false;
    }
    if (reporting && pthread_create(&reporter, NULL, rekey_report, &progress) != 0) {
        pthread_cond_destroy(&progress.wake);
        pthread_mutex_destroy(&progress.mutex);
        reporting = false;
    }
    err = smdp_inventory_rekey(db, ring, db_clock_ms(), &count);
    if (reporting) {
        pthread_mutex_lock(&progress.mutex);
        progress.done = 1;
        pthread_cond_signal(&progress.wake);
        pthread_mutex_unlock(&progress.mutex);
        pthread_join(reporter, NULL);
        pthread_cond_destroy(&progress.wake);
        pthread_mutex_destroy(&progress.mutex);
    }
    if (err == AW_OK)
        err = smdp_inventory_count_stale(db, ring, &left);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-smdp: re-encrypted %zu rows before the error; run rekey again "
                        "to resume\n", count);
        fail("rekey", err);
        goto cleanup;
    }
    printf("re-encrypted %zu rows; %lld left under older keys\n", count, (long long)left);
    status = left == 0 ? 0 : 1;
cleanup:
    db_close(db);
    smdp_key_ring_free(ring);
    return status;
}

int main(int argc, char **argv)
{
    /* a peer closing its TLS connection must not kill the daemon */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    options o;
    int status = parse_options(argc - 1, argv + 1, &o);
    const char *command = argv[1];
    if (status == 0) {
        if (strcmp(command, "serve") == 0)
            status = command_serve(&o);
        else if (strcmp(command, "import-type") == 0)
            status = command_import_type(&o);
        else if (strcmp(command, "import") == 0)
            status = command_import(&o);
        else if (strcmp(command, "order") == 0)
            status = command_order(&o);
        else if (strcmp(command, "add-key") == 0)
            status = command_add_key(&o);
        else if (strcmp(command, "rekey") == 0)
            status = command_rekey(&o);
        else if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0) {
            usage(stdout);
            return 0;
        } else
            status = 2;
    }
    if (status == 2)
        usage(stderr);
    return status;
}
