/* airwrited: [terminal] additions of encrypted terminal information (issue
 * 8; airwrited_settings_terminfo.c, platform/platform_terminal_info.h,
 * docs/terminal-info.md), included by airwrited.h. */
#ifndef AIRWRITE_CLI_AIRWRITED_TERMINFO_H
#define AIRWRITE_CLI_AIRWRITED_TERMINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/crypto_suite.h"
#include "core/http_server.h"
#include "core/key_ring.h"
#include "platform/platform_terminal_info.h"

#define AIRWRITED_TERMINFO_PATH_MAX 1024u

/* [terminal] info_required, info_key (repeatable: "<id> <suite> <path>"),
 * info_freshness */
typedef struct airwrited_terminfo_settings {
    bool required;       /* no: POST /terminal/v1/info is not served (404) */
    size_t key_count;
    struct {
        uint32_t id;
        crypto_suite suite;
        char path[AIRWRITED_TERMINFO_PATH_MAX]; /* PEM private key (absolute) */
    } keys[PLATFORM_TERMINAL_INFO_KEYS_MAX];
    uint64_t freshness_s;
} airwrited_terminfo_settings;

/* Parse the keys (paths relative to state_directory). AW_ERR_CONFIG_VALUE
 * for a malformed info_key, a repeated id, more than
 * PLATFORM_TERMINAL_INFO_KEYS_MAX; AW_ERR_CONFIG_CONFLICT for
 * info_required without info_key or without device_ca. */
aw_err airwrited_settings_load_terminfo(const aw_config *config,
                                        const char *state_directory, bool has_device_ca,
                                        airwrited_terminfo_settings *out,
                                        config_position *where);

/* The endpoint as served: the loaded keys, the config and its endpoint. */
typedef struct airwrited_terminfo airwrited_terminfo;

/* Load the keys and route POST /terminal/v1/info on server (before it
 * starts); *out NULL (nothing routed) when not required. message names
 * the key file that does not load. */
aw_err airwrited_terminfo_start(const airwrited_terminfo_settings *settings, http_server *server,
                                db_connection *db, const key_ring *storage,
                                airwrited_terminfo **out, char *message, size_t cap);
void airwrited_terminfo_free(airwrited_terminfo *t);

/* --check-config: each key loads as a private key of its suite. */
aw_err airwrited_terminfo_check(const airwrited_terminfo_settings *settings, FILE *out,
                                char *message, size_t cap);

#endif
