/* airwrited: the daemon's internal interfaces between its files.
 * airwrited_settings.c: the configuration (docs/airwrited.md) and flags
 * into one settings structure; airwrited_check.c: --check-config and the
 * first-start preparation (state directory, test PKI, storage keys);
 * airwrited.c: the roles on one event loop, signals, logs. */
#ifndef AIRWRITE_CLI_AIRWRITED_H
#define AIRWRITE_CLI_AIRWRITED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "platform/platform.h" /* platform_exception_policy */
#include "cli/airwrited_terminfo.h" /* [terminal] info_* (helper terminfo) */

#define AIRWRITED_ROLE_PLATFORM 1u
#define AIRWRITED_ROLE_EIM 2u
#define AIRWRITED_ROLE_SMDP 4u
#define AIRWRITED_ROLES_ALL 7u

#define AIRWRITED_DEFAULT_CONFIG "/etc/airwrite/airwrited.conf"
#define AIRWRITED_DEFAULT_STATE "/var/lib/airwrite"
#define AIRWRITED_DEFAULT_PLATFORM_PORT 8443
#define AIRWRITED_DEFAULT_EIM_PORT 8444
#define AIRWRITED_DEFAULT_SMDP_PORT 8445
#define AIRWRITED_DEFAULT_NOTIFY_PORT 8446
#define AIRWRITED_DEFAULT_TERMINAL_PORT 8447 /* [terminal] (helper firmware) */
#define AIRWRITED_LIST_MAX 64 /* values of one repeatable key */

/* A repeatable key's values with their lines. */
typedef struct airwrited_list {
    const char *values[AIRWRITED_LIST_MAX];
    size_t lines[AIRWRITED_LIST_MAX];
    size_t count;
} airwrited_list;

typedef struct airwrited_settings {
    const char *config_file;      /* NULL: built-in defaults only */
    unsigned roles;               /* AIRWRITED_ROLE_* */
    const char *state_directory;
    const char *pki_directory;
    bool generate_test_pki;
    const char *log_file;         /* "-": stderr */
    log_level log_level;
    unsigned shutdown_grace_ms;

    struct {
        const char *address, *database, *certificate, *key, *callback_ca;
        uint16_t port;
        airwrited_list storage_keys; /* [ID:]PATH; the last created when absent */
        const char *audit_key;       /* checkpoint signing key (PEM); NULL: none */
        uint32_t audit_checkpoint_interval; /* entries per checkpoint (default 1000) */
        const char *console_app;     /* the web console's app; NULL: no console */
        const char *console_dir;     /* its files (default AIRWRITED_CONSOLE_DIR) */
        uint32_t console_login_rate; /* unsigned logins per minute, their own bucket */
        uint32_t console_login_burst;
        uint32_t credential_cache_ms; /* the API's credential cache; 0: off */
        uint32_t order_committers;    /* order commit threads; 0: by backend */
    } platform;

    struct {
        const char *address, *database, *pki_directory, *certificate, *key, *smdp_ca;
        uint16_t port;
        unsigned workers;
        airwrited_list routes;       /* ADDRESS=https://URL */
    } eim;

    struct {
        const char *address, *database, *pki_directory, *key_ring, *smdp_address, *es2p_ca,
            *notify_ca, *requester_id, *metrics_address;
        uint16_t port, es2p_port, metrics_port;
        bool metrics_listen, metrics_on_es9p;
        uint64_t order_lifetime_s, session_lifetime_s, notify_attempts;
        airwrited_list es2p_allow;   /* RFC 2253 subjects */
        airwrited_list operators;    /* [SUBJECT|]ID=https://URL */
    } smdp;

    /* The platform's order executor (platform.h "Executor"): ES2+ to an
     * SM-DP+, triggers into the eIM's database, the ES2+ notification
     * endpoint on its own HTTPS listener with mutual TLS. local_smdp: the
     * SM-DP+ is this process's smdp role, wired to it both ways. */
    struct {
        bool enabled, local_smdp;
        const char *es2p_url, *smdp_address, *ca, *certificate, *key, *requester_id,
            *eim_database, *notify_address, *notify_ca;
        uint16_t notify_port;
        unsigned workers;
        uint64_t result_timeout_s, max_attempts, lease_s;
        airwrited_list smdp_subjects; /* RFC 2253 subjects allowed to notify */
        const char *eim_signing_key;  /* PEM; NULL: card operations run elsewhere */
        uint64_t card_op_timeout_s;
    } executor;

    /* [terminal] (helper firmware, docs/firmware-update.md): the devices'
     * terminal reports on an HTTPS listener of the platform role that asks
     * for device certificates under device_ca; no device_ca: no listener */
    struct {
        const char *device_ca, *address;
        uint16_t port;
    } terminal;
    airwrited_terminfo_settings terminfo; /* [terminal] info_* (airwrited_settings_terminfo.c) */

    /* [exceptions]: graded exceptions' time limits per class and grade,
     * detection thresholds, the sweep interval (docs/exceptions.md) */
    platform_exception_policy exceptions;

    /* [indicators]: quality indicators' thresholds, window, evaluation
     * interval, /metrics on the API listener (docs/indicators.md) */
    platform_indicator_settings indicators;

    /* [profile_limit]: profiles per eUICC (airwrited_settings_profile_limit.c) */
    platform_profile_limit_settings profile_limit;

    /* [crypto]: the suite of new apps, the audit chain and firmware
     * signatures (airwrited_settings_crypto.c, issue 8) */
    struct {
        crypto_suite suite;
    } crypto;

    /* [location]: location-bound writing (airwrited_settings_location.c) */
    platform_location_config location;

    /* [device_lock]: card-device locking (airwrited_settings_device_lock.c) */
    platform_device_lock_policy device_lock;

    /* what the strings above point into, freed with the settings */
    aw_config *config;
    char **owned;
    size_t owned_count;
} airwrited_settings;

/* Command-line overrides. */
typedef struct airwrited_flags {
    const char *config_file;      /* --config */
    const char *roles;            /* --role, comma-separated */
    const char *state_directory;  /* --state-dir */
    const char *log_level;        /* --log-level */
    const char *default_state;    /* $STATE_DIRECTORY or AIRWRITED_DEFAULT_STATE */
} airwrited_flags;

/* Read the configuration file (when any) and apply defaults and flags.
 * On error message receives "FILE:LINE: ..." (cap bytes). */
/* Every key of the configuration file (airwrited_schema.c). */
extern const config_key airwrited_schema[];
extern const size_t airwrited_schema_count;

aw_err airwrited_settings_load(const airwrited_flags *flags, airwrited_settings *settings,
                               char *message, size_t cap);
void airwrited_settings_free(airwrited_settings *settings);

/* airwrited_settings_profile_limit.c: [profile_limit] (issue 8), and its
 * writing to the platform's database at start (message on failure). */
aw_err airwrited_settings_load_profile_limit(const aw_config *config,
                                             airwrited_settings *settings,
                                             config_position *where);
aw_err airwrited_profile_limit_apply(const airwrited_settings *settings, char *message,
                                     size_t cap);

/* airwrited_settings_device_lock.c: [device_lock] (issue 8). */
aw_err airwrited_settings_load_device_lock(const aw_config *config, airwrited_settings *settings,
                                           config_position *where);

/* airwrited_settings_location.c: [location] (issue 8) over data_directory
 * (the region files, resolved by the caller). */
aw_err airwrited_settings_load_location(const aw_config *config, airwrited_settings *settings,
                                        const char *data_directory, config_position *where);

/* airwrited_settings_crypto.c: [crypto] suite (issue 8); the check that
 * [platform] audit_key is of that suite (AW_ERR_CONFIG_CONFLICT, message);
 * its recording in the platform's database as the default suite of new
 * apps at start; its line of --check-config (AW_ERR_SUITE_UNAVAILABLE when
 * this OpenSSL lacks a primitive of the suite). */
aw_err airwrited_settings_load_crypto(const aw_config *config, airwrited_settings *settings,
                                      config_position *where);
aw_err airwrited_crypto_check_audit(const airwrited_settings *settings, crypto_suite audit_suite,
                                    char *message, size_t cap);
aw_err airwrited_crypto_apply(const airwrited_settings *settings, char *message, size_t cap);
aw_err airwrited_crypto_report(const airwrited_settings *settings, FILE *out, char *message,
                               size_t cap);

/* "platform,eim,smdp" (those of roles) into out. */
void airwrited_roles_text(unsigned roles, char *out, size_t cap);

/* --check-config: everything a start needs, creating nothing but the
 * databases and their schemas (migrated as the start would). Prints one line
 * per check to out; on error message receives what failed. */
aw_err airwrited_check(const airwrited_settings *settings, FILE *out, char *message, size_t cap);

/* First start: create the state directory, the test PKI (when enabled and
 * absent), the storage keys (platform: the last file; SM-DP+: the key ring
 * directory with its first key). log receives what was created. */
aw_err airwrited_prepare(const airwrited_settings *settings, aw_log *log, char *message,
                         size_t cap);

/* The platform's storage key ring ([ID:]PATH files, or key ring
 * directories of "<id>.key" files (core/key_ring.h); create: the last one
 * written when absent (a directory without keys gets key 1), else an absent
 * last one is skipped) and the SM-DP+ key ring (create: its directory and
 * first key when absent). Both are core key rings (struct key_ring). */
struct key_ring;
aw_err airwrited_platform_keys(const airwrited_settings *settings, bool create,
                               struct key_ring **out, char *message, size_t cap);
aw_err airwrited_smdp_keys(const airwrited_settings *settings, bool create,
                           struct key_ring **out, char *message, size_t cap);
/* SIGHUP: add to the live platform ring the keys its storage_key entries
 * now hold (key_ring_merge: a new key of a directory is picked up; a key id
 * whose bytes changed refuses the reload, leaving the ring as it was).
 * added receives how many keys were added. */
aw_err airwrited_platform_keys_reload(const airwrited_settings *settings, struct key_ring *live,
                                      size_t *added, char *message, size_t cap);

#endif
