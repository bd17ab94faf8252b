/* airwrite-platform: the card-writing platform's northbound API server
 * (/api/v1 over HTTPS, src/platform/platform.h) with its callback delivery
 * worker thread (--callback-ca), and the administration of
 * its clients: create an app (its appSecret is printed once, then only
 * kept sealed under the storage key), show it, enable or disable it, set
 * its call limits. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core/db.h"
#include "core/log.h"
#include "platform/platform.h"
#include "cli/airwrite_platform_inventory.h"
#include "cli/airwrite_platform_rbac.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrite-platform serve --db URL --keys PATH --cert FILE --key FILE\n"
            "                          [--address IP] [--port N] [--callback-ca FILE]\n"
            "                          [--audit-key FILE [--audit-interval N]]\n"
            "                          [--credential-cache MS]\n"
            "       airwrite-platform app-create --db URL --keys PATH --tenant NAME\n"
            "                          [--rate N] [--burst N] [--quota N] [--role ROLE]\n"
            "                          [--suite international|domestic]\n"
            "       airwrite-platform app-show --db URL APPID\n"
            "       airwrite-platform app-enable --db URL APPID\n"
            "       airwrite-platform app-disable --db URL APPID\n"
            "       airwrite-platform app-limits --db URL APPID --rate N --burst N --quota N\n"
            "       airwrite-platform rekey --db URL --keys [ID:]OLD --keys [ID:]NEW\n"
            "\n"
            "serve        serve /api/v1 over HTTPS (certificate chain and key in PEM) on\n"
            "             IP (default 127.0.0.1) port N (default 0: ephemeral, printed)\n"
            "             until SIGTERM or SIGINT\n"
            "  --callback-ca FILE  deliver callback events (docs/api-callbacks.md) on a\n"
            "                worker thread to receivers whose certificates chain to the\n"
            "                CA certificates in FILE (PEM); without it events stay queued\n"
            "  --audit-key FILE  sign an audit log checkpoint every N entries (default\n"
            "                1000) with this private key (PEM; P-256: international\n"
            "                suite, SM2: domestic); without it no automatic checkpoints\n"
            "  --credential-cache MS  reuse an app's and a token's facts read by a call\n"
            "                for MS ms (0..%d, default %d, 0: off); other processes'\n"
            "                changes are seen within it (docs/api-signature.md)\n"
            "app-create   create an app of tenant NAME ([A-Za-z0-9._-], 1..64) and print its\n"
            "             appId and appSecret; the secret is shown only this once\n"
            "  --keys [ID:]PATH  storage key sealing app secrets (32 bytes, mode 0600; the\n"
            "                last one is created when absent). Repeat while keys rotate:\n"
            "                the highest key id seals, all open. ID defaults to the\n"
            "                position (1, 2, ...); give it once older keys are dropped\n"
            "                when absent)\n"
            "  --rate N      calls per minute refilling the app's bucket (default %d)\n"
            "  --burst N     bucket size (default %d)\n"
            "  --quota N     calls per day, 0: unlimited (default %d)\n"
            "  --role ROLE   the app's role (docs/rbac.md; default tenant_user)\n"
            "  --suite S     the app's signature scheme: international (AW-HMAC-SHA256) or\n"
            "                domestic (AW-HMAC-SM3, docs/api-signature.md); default the\n"
            "                [crypto] suite airwrited recorded, else international\n"
            "app-show     print an app (never its secret)\n"
            "app-enable, app-disable   allow or refuse the app's calls\n"
            "app-limits   set the app's call limits\n"
            "rekey        re-seal every app and callback secret under the highest key id\n"
            "             (airwritectl keys rotate does the same for key directories; the last\n"
            "             --keys is created when absent); the older keys can then go\n",
            PLATFORM_CREDENTIAL_CACHE_MAX_MS, PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS,
            PLATFORM_DEFAULT_RATE_PER_MINUTE, PLATFORM_DEFAULT_BURST,
            PLATFORM_DEFAULT_DAILY_QUOTA);
    platform_inventory_usage(out);
    platform_rbac_usage(out);
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-platform: %s: %s\n", what, aw_err_message(err));
    return 1;
}

static bool parse_limit(const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > PLATFORM_LIMIT_MAX)
        return false;
    *out = value;
    return true;
}

typedef struct options {
    const char *db;
    const char *keys[PLATFORM_KEY_RING_MAX];
    size_t key_count;
    const char *tenant;
    const char *cert;
    const char *key;
    const char *address;
    const char *callback_ca;
    const char *role;
    const char *suite;
    const char *audit_key;
    int64_t audit_interval;
    int64_t credential_cache;       /* ms; -1: the default */
    long port;
    platform_app_limits limits;
    bool rate, burst, quota;
} options;

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},    {"keys", required_argument, NULL, 'k'},
        {"tenant", required_argument, NULL, 't'}, {"rate", required_argument, NULL, 'r'},
        {"burst", required_argument, NULL, 'b'}, {"quota", required_argument, NULL, 'q'},
        {"cert", required_argument, NULL, 'c'},  {"key", required_argument, NULL, 'K'},
        {"address", required_argument, NULL, 'a'}, {"port", required_argument, NULL, 'p'},
        {"callback-ca", required_argument, NULL, 'C'},
        {"role", required_argument, NULL, 'R'},
        {"suite", required_argument, NULL, 'S'},
        {"audit-key", required_argument, NULL, 'A'},
        {"audit-interval", required_argument, NULL, 'I'},
        {"credential-cache", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->address = "127.0.0.1";
    o->credential_cache = -1;
    o->limits = platform_app_default_limits();
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'k':
            if (o->key_count == PLATFORM_KEY_RING_MAX)
                return -1;
            o->keys[o->key_count++] = optarg;
            break;
        case 't': o->tenant = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'K': o->key = optarg; break;
        case 'a': o->address = optarg; break;
        case 'C': o->callback_ca = optarg; break;
        case 'R': o->role = optarg; break;
        case 'S': o->suite = optarg; break;
        case 'A': o->audit_key = optarg; break;
        case 'I':
            if (!parse_limit(optarg, &o->audit_interval) || o->audit_interval == 0)
                return -1;
            break;
        case 'T':
            if (!parse_limit(optarg, &o->credential_cache) ||
                o->credential_cache > PLATFORM_CREDENTIAL_CACHE_MAX_MS)
                return -1;
            break;
        case 'p': {
            char *end = NULL;
            errno = 0;
            o->port = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || o->port < 0 || o->port > 65535)
                return -1;
            break;
        }
        case 'r': o->rate = parse_limit(optarg, &o->limits.rate_per_minute); break;
        case 'b': o->burst = parse_limit(optarg, &o->limits.burst); break;
        case 'q': o->quota = parse_limit(optarg, &o->limits.daily_quota); break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
        if ((c == 'r' && !o->rate) || (c == 'b' && !o->burst) || (c == 'q' && !o->quota)) {
            fprintf(stderr, "airwrite-platform: a limit is a number from 0 to %d\n",
                    PLATFORM_LIMIT_MAX);
            return -1;
        }
    }
    return o->db != NULL ? 0 : -1;
}

static void print_app(const platform_app *app)
{
    printf("appId: %s\ntenant: %s\nenabled: %s\nratePerMinute: %lld\nburst: %lld\n"
           "dailyQuota: %lld\nkeyId: %u\nsuite: %s\n",
           app->app_id, app->tenant, app->enabled ? "yes" : "no",
           (long long)app->limits.rate_per_minute, (long long)app->limits.burst,
           (long long)app->limits.daily_quota, app->key_id, crypto_suite_name(app->suite));
}

/* The --keys files; create_last: write the last one if absent. */
static platform_key_ring *load_ring(const options *o, bool create_last)
{
    platform_key_ring *ring = NULL;
    aw_err err = platform_key_ring_new(&ring);
    for (size_t i = 0; err == AW_OK && i < o->key_count; i++) {
        uint32_t id = 0;
        const char *path = NULL;
        err = platform_key_argument_parse(o->keys[i], i, &id, &path);
        if (err == AW_OK)
            err = platform_key_ring_add_file(ring, id, path, create_last && i + 1 == o->key_count);
        if (err != AW_OK)
            fail(o->keys[i], err);
    }
    if (err != AW_OK) {
        platform_key_ring_free(ring);
        return NULL;
    }
    return ring;
}

static int app_create(db_connection *db, const options *o)
{
    platform_role role = o->role != NULL ? platform_role_from_name(o->role)
                                         : PLATFORM_ROLE_TENANT_USER;
    if (o->key_count == 0 || o->tenant == NULL || role == 0) {
        usage(stderr);
        return 2;
    }
    crypto_suite suite = 0;
    aw_err err = o->suite != NULL ? crypto_suite_parse(o->suite, &suite)
                                  : platform_suite_default_get(db, &suite);
    if (err != AW_OK)
        return fail(o->suite != NULL ? o->suite : "default suite", err);
    platform_key_ring *ring = load_ring(o, true);
    if (ring == NULL)
        return 1;
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    err = platform_app_create_suite(db, ring, o->tenant, &o->limits, suite, db_clock_ms(), &app,
                                    secret);
    platform_key_ring_free(ring);
    if (err == AW_OK && role != PLATFORM_ROLE_TENANT_USER)
        err = platform_app_role_set(db, app.app_id, role, db_clock_ms());
    char details[96];
    snprintf(details, sizeof(details), "{\"role\":\"%s\",\"suite\":\"%s\"}",
             platform_role_name(role), crypto_suite_name(suite));
    if (err == AW_OK) /* docs/rbac.md "Audit"; never the secret */
        err = platform_rbac_audit_command(db, "app.create", app.tenant, app.app_id, details);
    if (err != AW_OK) {
        OPENSSL_cleanse(secret, sizeof(secret));
        return fail("app-create", err);
    }
    print_app(&app);
    printf("role: %s\n", platform_role_name(role));
    printf("appSecret: %s\n", secret); /* shown once, by design */
    OPENSSL_cleanse(secret, sizeof(secret));
    return 0;
}

static int rekey(db_connection *db, const options *o)
{
    if (o->key_count == 0) {
        usage(stderr);
        return 2;
    }
    platform_key_ring *ring = load_ring(o, true);
    if (ring == NULL)
        return 1;
    /* every sealed table (app and callback secrets), chunk by chunk */
    key_ring_rotation stats = {0};
    aw_err err = platform_keys_rotate(db, ring, KEY_RING_TABLE_CHUNK_DEFAULT, 0, db_clock_ms(),
                                      NULL, NULL, &stats);
    int64_t resealed = stats.rotated;
    platform_key_ring_free(ring);
    if (err == AW_OK) /* key rotation */
        err = platform_rbac_audit_command(db, "app.rekey", NULL, NULL, NULL);
    if (err != AW_OK)
        return fail("rekey", err);
    printf("resealed: %lld\n", (long long)resealed);
    return 0;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

static int serve(const options *o)
{
    if (o->key_count == 0 || o->cert == NULL || o->key == NULL) {
        usage(stderr);
        return 2;
    }
    platform_key_ring *ring = load_ring(o, false);
    if (ring == NULL)
        return 1;
    int status = 1;
    aw_log *log = NULL;
    platform_server *server = NULL;
    struct event *term = NULL, *interrupt = NULL;
    struct event_base *base = event_base_new();
    aw_err err = base != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK)
        err = log_new_fd(STDERR_FILENO, LOG_LEVEL_INFO, &log);
    /* the audit log's checkpoint key (docs/rbac.md "Audit") */
    audit_options audit;
    crypto_suite_key *audit_key = NULL;
    if (err == AW_OK && o->audit_key != NULL &&
        (err = platform_audit_key_load(o->audit_key,
                                       o->audit_interval != 0 ? (uint32_t)o->audit_interval
                                                              : 1000,
                                       &audit, &audit_key)) != AW_OK) {
        fail(o->audit_key, err);
        goto cleanup;
    }
    platform_server_config config = {.database_url = o->db, .keys = ring,
                                     .address = o->address, .port = (uint16_t)o->port,
                                     .certificate_file = o->cert, .key_file = o->key,
                                     .callback_ca_file = o->callback_ca, .log = log,
                                     .audit = audit_key != NULL ? &audit : NULL,
                                     .credential_cache_ms =
                                         o->credential_cache < 0    ? 0 /* the default */
                                         : o->credential_cache == 0 ? PLATFORM_CREDENTIAL_CACHE_OFF
                                                                    : o->credential_cache};
    if (err == AW_OK)
        err = platform_server_new(base, &config, &server);
    if (err != AW_OK) {
        fail("serve", err);
        goto cleanup;
    }
    term = evsignal_new(base, SIGTERM, on_signal, base);
    interrupt = evsignal_new(base, SIGINT, on_signal, base);
    if (term == NULL || interrupt == NULL || evsignal_add(term, NULL) != 0 ||
        evsignal_add(interrupt, NULL) != 0) {
        fail("signals", AW_ERR_NOMEM);
        goto cleanup;
    }
    fprintf(stderr, "airwrite-platform: listening on %s port %u\n", o->address,
            (unsigned)platform_server_port(server));
    if (event_base_dispatch(base) < 0) {
        fail("event loop", AW_ERR_STATE);
        goto cleanup;
    }
    fprintf(stderr, "airwrite-platform: stopped\n");
    status = 0;
cleanup:
    platform_server_stop(server);
    if (term != NULL)
        event_free(term);
    if (interrupt != NULL)
        event_free(interrupt);
    platform_server_free(server);
    crypto_suite_key_free(audit_key); /* after the server that borrowed it */
    if (base != NULL)
        event_base_free(base);
    log_free(log);
    platform_key_ring_free(ring);
    return status;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* http_server.h: the daemon ignores SIGPIPE */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    int inventory = platform_inventory_main(argc, argv); /* pools, numbers, scopes */
    if (inventory >= 0)
        return inventory;
    int rbac = platform_rbac_main(argc, argv); /* roles, console users */
    if (rbac >= 0)
        return rbac;
    const char *command = argv[1];
    options o;
    if (parse_options(argc - 1, argv + 1, &o) != 0) {
        usage(stderr);
        return 2;
    }
    const char *app_id = optind < argc - 1 ? argv[optind + 1] : NULL;
    bool needs_app = strcmp(command, "app-create") != 0 && strcmp(command, "serve") != 0 &&
                     strcmp(command, "rekey") != 0;
    if ((needs_app && (app_id == NULL || optind + 2 != argc)) ||
        (!needs_app && optind + 1 != argc)) {
        usage(stderr);
        return 2;
    }
    db_connection *db = NULL;
    aw_err err = db_open(o.db, NULL, &db);
    if (err == AW_OK)
        err = platform_migrate(db);
    if (err != AW_OK) {
        db_close(db);
        return fail(o.db, err);
    }
    int status = 0;
    platform_app app;
    if (strcmp(command, "serve") == 0) {
        status = serve(&o);
    } else if (strcmp(command, "rekey") == 0) {
        status = rekey(db, &o);
    } else if (strcmp(command, "app-create") == 0) {
        status = app_create(db, &o);
    } else if (strcmp(command, "app-show") == 0) {
        err = platform_app_get(db, app_id, &app);
        if (err == AW_OK)
            print_app(&app);
    } else if (strcmp(command, "app-enable") == 0 || strcmp(command, "app-disable") == 0) {
        err = platform_app_set_enabled(db, app_id, strcmp(command, "app-enable") == 0,
                                       db_clock_ms());
        if (err == AW_OK && (err = platform_app_get(db, app_id, &app)) == AW_OK)
            err = platform_rbac_audit_command(db, app.enabled ? "app.enable" : "app.disable",
                                              app.tenant, app_id, NULL);
    } else if (strcmp(command, "app-limits") == 0) {
        if (!o.rate || !o.burst || !o.quota) {
            usage(stderr);
            status = 2;
        } else {
            err = platform_app_set_limits(db, app_id, &o.limits, db_clock_ms());
            if (err == AW_OK && (err = platform_app_get(db, app_id, &app)) == AW_OK)
                err = platform_rbac_audit_command(db, "app.limits", app.tenant, app_id, NULL);
        }
    } else {
        usage(stderr);
        status = 2;
    }
    if (err != AW_OK)
        status = fail(command, err);
    db_close(db);
    return status;
}
