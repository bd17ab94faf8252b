/* airwrited: its configuration file (the schema of docs/airwrited.md on
 * core's strict INI parser, src/core/config.h), the defaults that work on a
 * first start (everything under one state directory), and the flags that
 * override both. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/airwrited.h"
#include "core/db.h"
#include "platform/platform.h"
#include "smdp/es2p_notify.h"


static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {
    {"platform", AIRWRITED_ROLE_PLATFORM},
    {"eim", AIRWRITED_ROLE_EIM},
    {"smdp", AIRWRITED_ROLE_SMDP},
};

/* The state of one load: where the first error was found. */
typedef struct loader {
    airwrited_settings *s;
    const aw_config *c;
    config_position where;
} loader;

static aw_err fail_at(loader *l, const char *section, const char *key, size_t index, aw_err err)
{
    const char *value = NULL;
    size_t line = 0;
    (void)config_get_text(l->c, section, key, index, &value, &line);
    l->where.line = line;
    snprintf(l->where.section, sizeof(l->where.section), "%s", section);
    snprintf(l->where.key, sizeof(l->where.key), "%s", key);
    return err;
}

static const char *keep(airwrited_settings *s, char *text)
{
    if (text == NULL)
        return NULL;
    char **grown = realloc(s->owned, (s->owned_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(text);
        return NULL;
    }
    s->owned = grown;
    s->owned[s->owned_count++] = text;
    return text;
}

/* directory/name, kept; NULL when out of memory. */
static const char *join(airwrited_settings *s, const char *directory, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", directory, name) < 0)
        return NULL;
    return keep(s, path);
}

/* The value of section.key, or fallback when absent. */
static const char *text(const loader *l, const char *section, const char *key,
                        const char *fallback)
{
    const char *value = NULL;
    if (config_get_text(l->c, section, key, 0, &value, NULL) != AW_OK)
        return fallback;
    return value;
}

/* A path: absent, fallback; relative, under the state directory. */
static aw_err path(loader *l, const char *section, const char *key, const char *fallback,
                   const char **out)
{
    const char *value = text(l, section, key, NULL);
    *out = fallback;
    if (value == NULL)
        return AW_OK;
    *out = value[0] == '/' ? value : join(l->s, l->s->state_directory, value);
    return *out != NULL ? AW_OK : AW_ERR_NOMEM;
}

static aw_err port(loader *l, const char *section, const char *key, uint16_t fallback,
                   uint16_t *out)
{
    uint64_t value = fallback;
    aw_err err = config_get_uint(l->c, section, key, 0, 65535, &value, &l->where);
    *out = (uint16_t)value;
    return err;
}

/* An IP literal (what http_server binds). */
static bool ip_literal(const char *text)
{
    unsigned char buffer[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, text, buffer) == 1 || inet_pton(AF_INET6, text, buffer) == 1;
}

static aw_err address(loader *l, const char *section, const char *key, const char *fallback,
                      const char **out)
{
    *out = text(l, section, key, fallback);
    return ip_literal(*out) ? AW_OK : fail_at(l, section, key, 0, AW_ERR_CONFIG_VALUE);
}

static aw_err database(loader *l, const char *section, const char *file, const char **out)
{
    db_url url;
    const char *value = text(l, section, "database", NULL);
    if (value == NULL) {
        char *fallback = NULL;
        if (asprintf(&fallback, "sqlite:%s/%s", l->s->state_directory, file) < 0)
            return AW_ERR_NOMEM;
        value = keep(l->s, fallback);
        if (value == NULL)
            return AW_ERR_NOMEM;
    }
    *out = value;
    if (db_url_parse(value, &url) != AW_OK)
        return fail_at(l, section, "database", 0, AW_ERR_CONFIG_VALUE);
    return AW_OK;
}

static aw_err list(loader *l, const char *section, const char *key, airwrited_list *out)
{
    size_t n = config_count(l->c, section, key);
    if (n > AIRWRITED_LIST_MAX)
        return fail_at(l, section, key, AIRWRITED_LIST_MAX, AW_ERR_LIMIT);
    for (size_t i = 0; i < n; i++)
        (void)config_get_text(l->c, section, key, i, &out->values[i], &out->lines[i]);
    out->count = n;
    return AW_OK;
}

/* "a, b c" of role names into bits; 0 for an unknown or no name. */
static unsigned parse_roles(const char *value)
{
    unsigned roles = 0;
    const char *at = value;
    while (*at != '\0') {
        at += strspn(at, ", \t");
        size_t len = strcspn(at, ", \t");
        if (len == 0)
            break;
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
            if (strlen(role_names[i].name) == len && strncmp(role_names[i].name, at, len) == 0)
                bit = role_names[i].bit;
        if (bit == 0)
            return 0;
        roles |= bit;
        at += len;
    }
    return roles;
}

void airwrited_roles_text(unsigned roles, char *out, size_t cap)
{
    size_t at = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if ((roles & role_names[i].bit) == 0)
            continue;
        int n = snprintf(out + at, cap - at, "%s%s", at != 0 ? "," : "", role_names[i].name);
        if (n < 0 || (size_t)n >= cap - at)
            return;
        at += (size_t)n;
    }
}

/* [airwrited]: roles, directories, logs. */
static aw_err load_main(loader *l, const airwrited_flags *flags)
{
    airwrited_settings *s = l->s;
    s->roles = AIRWRITED_ROLES_ALL;
    const char *roles = text(l, "airwrited", "roles", NULL);
    if (roles != NULL && (s->roles = parse_roles(roles)) == 0)
        return fail_at(l, "airwrited", "roles", 0, AW_ERR_CONFIG_VALUE);
    s->state_directory = flags->state_directory != NULL
                             ? flags->state_directory
                             : text(l, "airwrited", "state_directory", flags->default_state);
    if (s->state_directory[0] != '/') {
        if (flags->state_directory != NULL)
            return AW_ERR_ARGUMENT;
        return fail_at(l, "airwrited", "state_directory", 0, AW_ERR_CONFIG_VALUE);
    }
    const char *pki = join(s, s->state_directory, "pki");
    aw_err err = pki != NULL ? path(l, "airwrited", "pki_directory", pki, &s->pki_directory)
                             : AW_ERR_NOMEM;
    s->generate_test_pki = true;
    if (err == AW_OK)
        err = config_get_bool(l->c, "airwrited", "generate_test_pki", &s->generate_test_pki,
                              &l->where);
    if (err != AW_OK)
        return err;
    s->log_file = "-";
    if (strcmp(text(l, "airwrited", "log_file", "-"), "-") != 0 &&
        (err = path(l, "airwrited", "log_file", NULL, &s->log_file)) != AW_OK)
        return err;
    s->log_level = LOG_LEVEL_INFO;
    const char *level = text(l, "airwrited", "log_level", NULL);
    if (level != NULL && log_level_parse(level, &s->log_level) != AW_OK)
        return fail_at(l, "airwrited", "log_level", 0, AW_ERR_CONFIG_VALUE);
    uint64_t grace = 1000;
    err = config_get_uint(l->c, "airwrited", "shutdown_grace_ms", 0, 60000, &grace, &l->where);
    s->shutdown_grace_ms = (unsigned)grace;
    return err;
}

/* [ID:]PATH of a platform storage key (platform_key_argument_parse), here
 * also without a leading zero in ID or an empty PATH. */
static bool valid_storage_key(const char *value)
{
    uint32_t id = 0;
    const char *path = NULL;
    return platform_key_argument_parse(value, 0, &id, &path) == AW_OK && *path != '\0' &&
           (path == value || value[0] != '0');
}

static aw_err load_platform(loader *l, const char *common_address)
{
    airwrited_settings *s = l->s;
    const char *tls = join(s, s->pki_directory, "dptls.pem");
    const char *tls_key = join(s, s->pki_directory, "dptls.key.pem");
    const char *storage = join(s, s->state_directory, "platform.key");
    if (tls == NULL || tls_key == NULL || storage == NULL)
        return AW_ERR_NOMEM;
    aw_err err = address(l, "platform", "address", common_address, &s->platform.address);
    if (err == AW_OK)
        err = port(l, "platform", "port", AIRWRITED_DEFAULT_PLATFORM_PORT, &s->platform.port);
    if (err == AW_OK)
        err = database(l, "platform", "platform.db", &s->platform.database);
    if (err == AW_OK)
        err = path(l, "platform", "certificate", tls, &s->platform.certificate);
    if (err == AW_OK)
        err = path(l, "platform", "key", tls_key, &s->platform.key);
    if (err == AW_OK)
        err = path(l, "platform", "callback_ca", NULL, &s->platform.callback_ca);
    if (err == AW_OK)
        err = list(l, "platform", "storage_key", &s->platform.storage_keys);
    for (size_t i = 0; err == AW_OK && i < s->platform.storage_keys.count; i++)
        if (!valid_storage_key(s->platform.storage_keys.values[i]))
            err = fail_at(l, "platform", "storage_key", i, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK && s->platform.storage_keys.count == 0) {
        s->platform.storage_keys.values[0] = storage;
        s->platform.storage_keys.count = 1;
    }
    /* the audit log's checkpoints (docs/rbac.md "Audit") */
    if (err == AW_OK)
        err = path(l, "platform", "audit_key", NULL, &s->platform.audit_key);
    uint64_t interval = 1000;
    if (err == AW_OK)
        err = config_get_uint(l->c, "platform", "audit_checkpoint_interval", 1, 1000000,
                              &interval, &l->where);
    s->platform.audit_checkpoint_interval = (uint32_t)interval;
    /* the web console (docs/console.md): on with its app; its files from
     * the installed share directory unless console_dir says otherwise */
    if (err == AW_OK)
        s->platform.console_app = text(l, "platform", "console_app", NULL);
    if (err == AW_OK && s->platform.console_app != NULL &&
        (s->platform.console_app[0] == '\0' ||
         strlen(s->platform.console_app) > PLATFORM_APP_ID_MAX))
        err = fail_at(l, "platform", "console_app", 0, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK)
        err = path(l, "platform", "console_dir", AIRWRITED_CONSOLE_DIR, &s->platform.console_dir);
    /* the unsigned logins' own token bucket (docs/console.md) */
    uint64_t login_rate = PLATFORM_CONSOLE_LOGIN_RATE_DEFAULT;
    uint64_t login_burst = PLATFORM_CONSOLE_LOGIN_BURST_DEFAULT;
    if (err == AW_OK)
        err = config_get_uint(l->c, "platform", "console_login_rate", 1, 1000000, &login_rate,
                              &l->where);
    if (err == AW_OK)
        err = config_get_uint(l->c, "platform", "console_login_burst", 1, 1000000, &login_burst,
                              &l->where);
    s->platform.console_login_rate = (uint32_t)login_rate;
    s->platform.console_login_burst = (uint32_t)login_burst;
    /* the API's credential cache, ms; 0: off (docs/api-signature.md) */
    uint64_t credential_cache = PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS;
    if (err == AW_OK)
        err = config_get_uint(l->c, "platform", "credential_cache", 0,
                              PLATFORM_CREDENTIAL_CACHE_MAX_MS, &credential_cache, &l->where);
    s->platform.credential_cache_ms = (uint32_t)credential_cache;
    /* the order committer's threads (order_commit.c); 0: by the backend */
    uint64_t committers = 0;
    if (err == AW_OK)
        err = config_get_uint(l->c, "platform", "order_committers", 0,
                              PLATFORM_ORDER_COMMIT_THREADS_MAX, &committers, &l->where);
    s->platform.order_committers = (uint32_t)committers;
    return err;
}

/* ADDRESS=https://... (an SM-DP+ address and its base URL). */
static bool valid_route(const char *value)
{
    const char *equals = strchr(value, '=');
    return equals != NULL && equals != value && strncmp(equals + 1, "https://", 8) == 0 &&
           equals[9] != '\0';
}

static aw_err load_eim(loader *l, const char *common_address)
{
    airwrited_settings *s = l->s;
    aw_err err = address(l, "eim", "address", common_address, &s->eim.address);
    if (err == AW_OK)
        err = port(l, "eim", "port", AIRWRITED_DEFAULT_EIM_PORT, &s->eim.port);
    if (err == AW_OK)
        err = database(l, "eim", "eim.db", &s->eim.database);
    if (err == AW_OK)
        err = path(l, "eim", "pki_directory", s->pki_directory, &s->eim.pki_directory);
    if (err == AW_OK)
        err = path(l, "eim", "certificate", NULL, &s->eim.certificate);
    if (err == AW_OK)
        err = path(l, "eim", "key", NULL, &s->eim.key);
    if (err == AW_OK && (s->eim.certificate == NULL) != (s->eim.key == NULL))
        err = fail_at(l, "eim", s->eim.key == NULL ? "certificate" : "key", 0,
                      AW_ERR_CONFIG_CONFLICT);
    if (err == AW_OK)
        err = path(l, "eim", "smdp_ca", NULL, &s->eim.smdp_ca);
    uint64_t workers = 0;
    if (err == AW_OK)
        err = config_get_uint(l->c, "eim", "workers", 0, 64, &workers, &l->where);
    s->eim.workers = (unsigned)workers;
    if (err == AW_OK)
        err = list(l, "eim", "route", &s->eim.routes);
    for (size_t i = 0; err == AW_OK && i < s->eim.routes.count; i++)
        if (!valid_route(s->eim.routes.values[i]))
            err = fail_at(l, "eim", "route", i, AW_ERR_CONFIG_VALUE);
    return err;
}

/* [SUBJECT|]ID=https://... (where an operator's notifications go). */
static bool valid_operator(const char *value)
{
    const char *url = strstr(value, "=https://");
    if (url == NULL || url == value || url[9] == '\0')
        return false;
    const char *bar = memchr(value, '|', (size_t)(url - value));
    return bar == NULL || (bar != value && bar + 1 != url);
}

static aw_err load_smdp(loader *l, const char *common_address)
{
    airwrited_settings *s = l->s;
    const char *ring_directory = join(s, s->state_directory, "smdp-keys");
    if (ring_directory == NULL)
        return AW_ERR_NOMEM;
    aw_err err = address(l, "smdp", "address", common_address, &s->smdp.address);
    if (err == AW_OK)
        err = port(l, "smdp", "port", AIRWRITED_DEFAULT_SMDP_PORT, &s->smdp.port);
    if (err == AW_OK)
        err = database(l, "smdp", "smdp.db", &s->smdp.database);
    if (err == AW_OK)
        err = path(l, "smdp", "pki_directory", s->pki_directory, &s->smdp.pki_directory);
    if (err == AW_OK)
        err = path(l, "smdp", "key_ring", ring_directory, &s->smdp.key_ring);
    /* SGP.22 4.1: an Activation Code names an FQDN, which IPAs check (two
     * labels or more); names under .localhost are loopback (RFC 6761 6.3) */
    s->smdp.smdp_address = text(l, "smdp", "smdp_address", "smdp.localhost");
    if (err == AW_OK && strchr(s->smdp.smdp_address, '.') == NULL)
        err = fail_at(l, "smdp", "smdp_address", 0, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK)
        err = path(l, "smdp", "es2p_ca", NULL, &s->smdp.es2p_ca);
    if (err == AW_OK)
        err = port(l, "smdp", "es2p_port", 0, &s->smdp.es2p_port);
    if (err == AW_OK)
        err = list(l, "smdp", "es2p_allow", &s->smdp.es2p_allow);
    if (err == AW_OK)
        err = config_get_uint(l->c, "smdp", "order_lifetime", 1, 366u * 24 * 3600,
                              &s->smdp.order_lifetime_s, &l->where);
    /* how long a bound download session (after GetBoundProfilePackage) waits
     * for its PIR: the same bound as airwrite-smdp --session-lifetime */
    if (err == AW_OK)
        err = config_get_uint(l->c, "smdp", "session_lifetime", 1, 366u * 24 * 3600,
                              &s->smdp.session_lifetime_s, &l->where);
    if (err == AW_OK)
        err = path(l, "smdp", "notify_ca", NULL, &s->smdp.notify_ca);
    if (err == AW_OK)
        err = list(l, "smdp", "operator", &s->smdp.operators);
    for (size_t i = 0; err == AW_OK && i < s->smdp.operators.count; i++)
        if (!valid_operator(s->smdp.operators.values[i]))
            err = fail_at(l, "smdp", "operator", i, AW_ERR_CONFIG_VALUE);
    s->smdp.requester_id = text(l, "smdp", "requester_id", NULL);
    if (err == AW_OK)
        err = config_get_uint(l->c, "smdp", "notify_attempts", 1, SMDP_NOTIFY_ATTEMPTS_CEILING,
                              &s->smdp.notify_attempts, &l->where);
    s->smdp.metrics_listen = config_count(l->c, "smdp", "metrics_port") != 0;
    if (err == AW_OK)
        err = port(l, "smdp", "metrics_port", 0, &s->smdp.metrics_port);
    s->smdp.metrics_address = text(l, "smdp", "metrics_address", NULL);
    if (err == AW_OK && s->smdp.metrics_address != NULL && !ip_literal(s->smdp.metrics_address))
        err = fail_at(l, "smdp", "metrics_address", 0, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK)
        err = config_get_bool(l->c, "smdp", "metrics_on_es9p", &s->smdp.metrics_on_es9p,
                              &l->where);
    if (err != AW_OK)
        return err;
    /* keys that need a partner (as airwrite-smdp serve refuses them) */
    if (s->smdp.es2p_ca == NULL && config_count(l->c, "smdp", "es2p_port") != 0)
        return fail_at(l, "smdp", "es2p_port", 0, AW_ERR_CONFIG_CONFLICT);
    if (s->smdp.es2p_ca == NULL && s->smdp.es2p_allow.count != 0)
        return fail_at(l, "smdp", "es2p_allow", 0, AW_ERR_CONFIG_CONFLICT);
    static const char *const notify_keys[] = {"operator", "requester_id", "notify_attempts"};
    for (size_t i = 0; s->smdp.notify_ca == NULL && i < 3; i++)
        if (config_count(l->c, "smdp", notify_keys[i]) != 0)
            return fail_at(l, "smdp", notify_keys[i], 0, AW_ERR_CONFIG_CONFLICT);
    if (s->smdp.notify_ca != NULL && s->smdp.operators.count == 0)
        return fail_at(l, "smdp", "notify_ca", 0, AW_ERR_CONFIG_CONFLICT);
    if (s->smdp.metrics_address != NULL && !s->smdp.metrics_listen)
        return fail_at(l, "smdp", "metrics_address", 0, AW_ERR_CONFIG_CONFLICT);
    return AW_OK;
}

/* [executor]: after [platform], [eim] and [smdp], whose settings it
 * defaults to. With no smdp_es2p_url the SM-DP+ is this process's smdp
 * role: its ES2+ listener is turned on (operators' CA: the executor's CA
 * file) and its notifications go to the executor's listener (server CA:
 * pki ci.pem), unless [smdp] names its own. */
static aw_err load_executor(loader *l)
{
    airwrited_settings *s = l->s;
    const char *ci = join(s, s->pki_directory, "ci.pem");
    if (ci == NULL)
        return AW_ERR_NOMEM;
    aw_err err = config_get_bool(l->c, "executor", "enabled", &s->executor.enabled, &l->where);
    s->executor.es2p_url = text(l, "executor", "smdp_es2p_url", NULL);
    if (err == AW_OK && s->executor.es2p_url != NULL &&
        (strncmp(s->executor.es2p_url, "https://", 8) != 0 || s->executor.es2p_url[8] == '\0'))
        err = fail_at(l, "executor", "smdp_es2p_url", 0, AW_ERR_CONFIG_VALUE);
    s->executor.local_smdp = s->executor.es2p_url == NULL;
    s->executor.smdp_address = text(l, "executor", "smdp_address", s->smdp.smdp_address);
    s->executor.requester_id = text(l, "executor", "requester_id", "platform");
    if (err == AW_OK)
        err = path(l, "executor", "ca", ci, &s->executor.ca);
    if (err == AW_OK)
        err = path(l, "executor", "certificate", s->platform.certificate,
                   &s->executor.certificate);
    if (err == AW_OK)
        err = path(l, "executor", "key", s->platform.key, &s->executor.key);
    if (err == AW_OK)
        err = path(l, "executor", "notify_ca", ci, &s->executor.notify_ca);
    s->executor.eim_database = text(l, "executor", "eim_database", s->eim.database);
    db_url url;
    if (err == AW_OK && db_url_parse(s->executor.eim_database, &url) != AW_OK)
        err = fail_at(l, "executor", "eim_database", 0, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK)
        err = address(l, "executor", "notify_address", s->platform.address,
                      &s->executor.notify_address);
    if (err == AW_OK)
        err = port(l, "executor", "notify_port", AIRWRITED_DEFAULT_NOTIFY_PORT,
                   &s->executor.notify_port);
    if (err == AW_OK)
        err = list(l, "executor", "smdp_subject", &s->executor.smdp_subjects);
    uint64_t workers = 0;
    if (err == AW_OK)
        err = config_get_uint(l->c, "executor", "workers", 0, 64, &workers, &l->where);
    s->executor.workers = (unsigned)workers;
    if (err == AW_OK)
        err = config_get_uint(l->c, "executor", "result_timeout", 1, 30u * 24 * 3600,
                              &s->executor.result_timeout_s, &l->where);
    if (err == AW_OK)
        err = config_get_uint(l->c, "executor", "max_attempts", 1,
                              PLATFORM_EXECUTOR_ATTEMPTS_CEILING, &s->executor.max_attempts,
                              &l->where);
    /* how long a claimed job stays its worker's (db_queue.h; renewed before
     * each step): after a crash the dead process's jobs wait this long
     * before another worker runs them */
    s->executor.lease_s = PLATFORM_EXECUTOR_DEFAULT_LEASE_MS / 1000;
    if (err == AW_OK)
        err = config_get_uint(l->c, "executor", "lease", 1, 24u * 3600, &s->executor.lease_s,
                              &l->where);
    /* card operations (platform.h "Card operations"): the eIM's signing key
     * (PEM, key reference "eim") lets the workers sign their PSMOs */
    if (err == AW_OK)
        err = path(l, "executor", "eim_signing_key", NULL, &s->executor.eim_signing_key);
    s->executor.card_op_timeout_s = PLATFORM_CARD_OPS_DEFAULT_RESULT_TIMEOUT_MS / 1000;
    if (err == AW_OK)
        err = config_get_uint(l->c, "executor", "card_op_timeout", 1, 30u * 24 * 3600,
                              &s->executor.card_op_timeout_s, &l->where);
    if (err != AW_OK || !s->executor.enabled || !s->executor.local_smdp)
        return err;
    /* the SM-DP+ of this process: its ES2+ on, its notifications to us */
    if (s->smdp.es2p_ca == NULL)
        s->smdp.es2p_ca = s->executor.ca;
    if (s->smdp.notify_ca == NULL && s->smdp.operators.count == 0) {
        if (s->executor.notify_port == 0)
            return fail_at(l, "executor", "notify_port", 0, AW_ERR_CONFIG_CONFLICT);
        s->smdp.notify_ca = ci;
    }
    return AW_OK;
}

/* [terminal] (docs/firmware-update.md): device_ca turns the listener on;
 * address and port default to the platform's address and 8447. */
static aw_err load_terminal(loader *l)
{
    airwrited_settings *s = l->s;
    aw_err err = path(l, "terminal", "device_ca", NULL, &s->terminal.device_ca);
    if (err == AW_OK)
        err = address(l, "terminal", "address", s->platform.address, &s->terminal.address);
    if (err == AW_OK)
        err = port(l, "terminal", "port", AIRWRITED_DEFAULT_TERMINAL_PORT, &s->terminal.port);
    return err;
}

/* [indicators]: each key present parsed over the defaults (no thresholds),
 * then the whole checked (the interval within the window: the conflict is
 * reported at "interval"). */
static aw_err load_indicators(loader *l)
{
    platform_indicator_settings *settings = &l->s->indicators;
    platform_indicator_settings_default(settings);
    for (size_t i = 0; i < airwrited_schema_count; i++) {
        if (strcmp(airwrited_schema[i].section, "indicators") != 0)
            continue;
        const char *value = text(l, "indicators", airwrited_schema[i].key, NULL);
        aw_err err = value != NULL ? platform_indicator_settings_set(settings, airwrited_schema[i].key, value)
                                   : AW_OK;
        if (err != AW_OK)
            return fail_at(l, "indicators", airwrited_schema[i].key, 0, err);
    }
    aw_err err = platform_indicator_settings_check(settings);
    return err != AW_OK ? fail_at(l, "indicators", "interval", 0, err) : AW_OK;
}

/* [exceptions]: each key present parsed over the defaults, then the whole
 * policy checked (a graver grade never waits longer than a lighter one of
 * its class: the conflict is reported at the first key of that class). */
static aw_err load_exceptions(loader *l)
{
    platform_exception_policy *policy = &l->s->exceptions;
    platform_exception_policy_default(policy);
    const char *first = NULL;
    for (size_t i = 0; i < airwrited_schema_count; i++) {
        if (strcmp(airwrited_schema[i].section, "exceptions") != 0)
            continue;
        const char *value = text(l, "exceptions", airwrited_schema[i].key, NULL);
        if (value == NULL)
            continue;
        if (first == NULL)
            first = airwrited_schema[i].key;
        aw_err err = platform_exception_policy_set(policy, airwrited_schema[i].key, value);
        if (err != AW_OK)
            return fail_at(l, "exceptions", airwrited_schema[i].key, 0, err);
    }
    aw_err err = platform_exception_policy_check(policy);
    for (size_t c = 0; err == AW_ERR_CONFIG_CONFLICT && c < 4; c++)
        for (size_t g = 1; g < 4; g++)
            if (policy->time_limit_ms[c][g] > policy->time_limit_ms[c][g - 1]) {
                char key[32];
                snprintf(key, sizeof(key), "%s_%s",
                         platform_error_class_name((platform_error_class)(c + 1)),
                         platform_exception_grade_name((platform_exception_grade)(g + 1)));
                /* the graver grade's key when given, else the lighter one's */
                const char *value = NULL;
                if (config_get_text(l->c, "exceptions", key, 0, &value, NULL) != AW_OK)
                    snprintf(key, sizeof(key), "%s_%s",
                             platform_error_class_name((platform_error_class)(c + 1)),
                             platform_exception_grade_name((platform_exception_grade)g));
                return fail_at(l, "exceptions", key, 0, err);
            }
    return err != AW_OK ? fail_at(l, "exceptions", first != NULL ? first : "", 0, err) : AW_OK;
}

/* Two listeners of the running roles on one fixed port. */
static aw_err check_ports(loader *l)
{
    const airwrited_settings *s = l->s;
    struct {
        unsigned role;
        const char *section, *key;
        uint16_t port;
    } ports[] = {
        {AIRWRITED_ROLE_PLATFORM, "platform", "port", s->platform.port},
        {AIRWRITED_ROLE_EIM, "eim", "port", s->eim.port},
        {AIRWRITED_ROLE_SMDP, "smdp", "port", s->smdp.port},
        {AIRWRITED_ROLE_SMDP, "smdp", "es2p_port", s->smdp.es2p_ca != NULL ? s->smdp.es2p_port : 0},
        {AIRWRITED_ROLE_SMDP, "smdp", "metrics_port",
         s->smdp.metrics_listen ? s->smdp.metrics_port : 0},
        {AIRWRITED_ROLE_PLATFORM, "executor", "notify_port",
         s->executor.enabled ? s->executor.notify_port : 0},
        {AIRWRITED_ROLE_PLATFORM, "terminal", "port",
         s->terminal.device_ca != NULL ? s->terminal.port : 0},
    };
    size_t n = sizeof(ports) / sizeof(ports[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if ((s->roles & ports[i].role) && (s->roles & ports[j].role) &&
                ports[i].port != 0 && ports[i].port == ports[j].port)
                return fail_at(l, ports[j].section, ports[j].key, 0, AW_ERR_CONFIG_CONFLICT);
    return AW_OK;
}

aw_err airwrited_settings_load(const airwrited_flags *flags, airwrited_settings *settings,
                               char *message, size_t cap)
{
    memset(settings, 0, sizeof(*settings));
    if (message != NULL && cap != 0)
        message[0] = '\0';
    loader l = {.s = settings};
    aw_err err = AW_OK;
    settings->config_file = flags->config_file;
    if (settings->config_file == NULL && access(AIRWRITED_DEFAULT_CONFIG, F_OK) == 0)
        settings->config_file = AIRWRITED_DEFAULT_CONFIG;
    if (settings->config_file != NULL)
        err = config_load_file(settings->config_file, airwrited_schema,
                                   airwrited_schema_count, &settings->config,
                               &l.where);
    else
        err = config_parse("", 0, airwrited_schema,
                                   airwrited_schema_count, &settings->config, &l.where);
    l.c = settings->config;
    if (err == AW_OK)
        err = load_main(&l, flags);
    if (err == AW_ERR_ARGUMENT) {
        snprintf(message, cap, "--state-dir: an absolute path is needed");
        return err;
    }
    const char *common = err == AW_OK ? text(&l, "airwrited", "address", "127.0.0.1") : NULL;
    if (err == AW_OK && !ip_literal(common))
        err = fail_at(&l, "airwrited", "address", 0, AW_ERR_CONFIG_VALUE);
    if (err == AW_OK)
        err = load_platform(&l, common);
    if (err == AW_OK)
        err = load_eim(&l, common);
    if (err == AW_OK)
        err = load_smdp(&l, common);
    if (err == AW_OK && flags->roles != NULL &&
        (settings->roles = parse_roles(flags->roles)) == 0) {
        snprintf(message, cap, "--role %s: roles are platform, eim and smdp", flags->roles);
        return AW_ERR_CONFIG_VALUE;
    }
    if (err == AW_OK && flags->log_level != NULL &&
        log_level_parse(flags->log_level, &settings->log_level) != AW_OK) {
        snprintf(message, cap, "--log-level %s: debug, info, warning or error", flags->log_level);
        return AW_ERR_CONFIG_VALUE;
    }
    if (err == AW_OK)
        err = load_executor(&l);
    if (err == AW_OK)
        err = load_terminal(&l);
    if (err == AW_OK) /* airwrited_settings_terminfo.c */
        err = airwrited_settings_load_terminfo(l.c, settings->state_directory,
                                               settings->terminal.device_ca != NULL,
                                               &settings->terminfo, &l.where);
    if (err == AW_OK)
        err = load_exceptions(&l);
    if (err == AW_OK)
        err = load_indicators(&l);
    if (err == AW_OK) /* airwrited_settings_profile_limit.c */
        err = airwrited_settings_load_profile_limit(l.c, settings, &l.where);
    if (err == AW_OK) /* airwrited_settings_crypto.c */
        err = airwrited_settings_load_crypto(l.c, settings, &l.where);
    if (err == AW_OK) /* airwrited_settings_device_lock.c */
        err = airwrited_settings_load_device_lock(l.c, settings, &l.where);
    const char *regions = NULL; /* [location]: airwrited_settings_location.c */
    if (err == AW_OK &&
        (err = path(&l, "location", "data_dir", AIRWRITED_REGIONS_DIR, &regions)) == AW_OK)
        err = airwrited_settings_load_location(l.c, settings, regions, &l.where);
    /* the executor's SM-DP+ is this process's: the smdp role must run */
    if (err == AW_OK && settings->executor.enabled && settings->executor.local_smdp &&
        (settings->roles & AIRWRITED_ROLE_PLATFORM) && !(settings->roles & AIRWRITED_ROLE_SMDP))
        err = fail_at(&l, "executor", "enabled", 0, AW_ERR_CONFIG_CONFLICT);
    if (err == AW_OK)
        err = check_ports(&l);
    if (err != AW_OK)
        config_format_error(settings->config_file != NULL ? settings->config_file : "(defaults)",
                            &l.where, err, message, cap);
    return err;
}

void airwrited_settings_free(airwrited_settings *settings)
{
    if (settings == NULL)
        return;
    config_free(settings->config);
    for (size_t i = 0; i < settings->owned_count; i++)
        free(settings->owned[i]);
    free(settings->owned);
    memset(settings, 0, sizeof(*settings));
}
