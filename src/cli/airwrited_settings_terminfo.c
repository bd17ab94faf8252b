/* airwrited: [terminal] additions of encrypted terminal information (终端信息
 * 加密上报, issue 8; platform/platform_terminal_info.h, docs/terminal-info.md):
 *   info_required   yes/no (default no: POST /terminal/v1/info is not
 *                   served, devices send nothing, behaviour unchanged)
 *   info_key        "<id> <suite> <path>", repeatable (at most 4): a
 *                   decryption key of the platform, id 1..4294967295 (what
 *                   envelopes name), suite international (ECIES P-256) or
 *                   domestic (SM2, GB/T 32918.4), PEM private key (relative:
 *                   under the state directory); devices hold its public key
 *   info_freshness  seconds an envelope's time may differ from the
 *                   platform's clock (1..86400, default 300)
 * The endpoint shares the terminal listener (mutual TLS, device_ca); the
 * records are sealed with the platform's storage key ring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwrited.h"
#include <openssl/crypto.h>

#include "core/file.h"

#define SECTION "terminal"

static aw_err fail_at(const aw_config *config, const char *key, size_t index,
                      config_position *where, aw_err err)
{
    const char *value = NULL;
    size_t line = 0;
    (void)config_get_text(config, SECTION, key, index, &value, &line);
    where->line = line;
    snprintf(where->section, sizeof(where->section), "%s", SECTION);
    snprintf(where->key, sizeof(where->key), "%s", key);
    return err;
}

/* "<id> <suite> <path>" */
static bool key_entry(const char *value, const char *state_directory, uint32_t *id,
                      crypto_suite *suite, char path[AIRWRITED_TERMINFO_PATH_MAX])
{
    char suite_name[16], file[AIRWRITED_TERMINFO_PATH_MAX];
    unsigned long long number = 0;
    int used = 0;
    size_t digits = strspn(value, "0123456789");
    if (digits == 0 || digits > 10 || value[digits] != ' ' || value[0] == '0' ||
        sscanf(value, "%llu %15s %1023s%n", &number, suite_name, file, &used) != 3 ||
        (size_t)used != strlen(value) || number > UINT32_MAX ||
        crypto_suite_parse(suite_name, suite) != AW_OK)
        return false;
    *id = (uint32_t)number;
    int n = file[0] == '/' || state_directory == NULL
                ? snprintf(path, AIRWRITED_TERMINFO_PATH_MAX, "%s", file)
                : snprintf(path, AIRWRITED_TERMINFO_PATH_MAX, "%s/%s", state_directory, file);
    return n > 0 && (size_t)n < AIRWRITED_TERMINFO_PATH_MAX;
}

aw_err airwrited_settings_load_terminfo(const aw_config *config, const char *state_directory,
                                        bool has_device_ca, airwrited_terminfo_settings *out,
                                        config_position *where)
{
    memset(out, 0, sizeof(*out));
    out->freshness_s = PLATFORM_TERMINAL_INFO_FRESHNESS_DEFAULT_S;
    aw_err err = config_get_bool(config, SECTION, "info_required", &out->required, where);
    if (err == AW_OK)
        err = config_get_uint(config, SECTION, "info_freshness", 1, 86400, &out->freshness_s,
                              where);
    size_t count = config_count(config, SECTION, "info_key");
    if (err == AW_OK && count > PLATFORM_TERMINAL_INFO_KEYS_MAX)
        return fail_at(config, "info_key", PLATFORM_TERMINAL_INFO_KEYS_MAX, where,
                       AW_ERR_CONFIG_VALUE);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        const char *value = NULL;
        err = config_get_text(config, SECTION, "info_key", i, &value, NULL);
        if (err == AW_OK && !key_entry(value, state_directory, &out->keys[i].id,
                                       &out->keys[i].suite, out->keys[i].path))
            return fail_at(config, "info_key", i, where, AW_ERR_CONFIG_VALUE);
        for (size_t j = 0; err == AW_OK && j < i; j++)
            if (out->keys[j].id == out->keys[i].id)
                return fail_at(config, "info_key", i, where, AW_ERR_CONFIG_VALUE);
        out->key_count = i + 1;
    }
    /* required: something to decrypt with, and the listener to take it */
    if (err == AW_OK && out->required && (count == 0 || !has_device_ca))
        return fail_at(config, "info_required", 0, where, AW_ERR_CONFIG_CONFLICT);
    return err;
}

struct airwrited_terminfo {
    crypto_envelope_key *keys[PLATFORM_TERMINAL_INFO_KEYS_MAX];
    platform_terminal_info_config config;
    platform_terminal_info_endpoint endpoint;
};

static aw_err load_key(const airwrited_terminfo_settings *settings, size_t i,
                       crypto_envelope_key **out, char *message, size_t cap)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(settings->keys[i].path, 64u * 1024u, &pem, &len);
    if (err == AW_OK)
        err = crypto_envelope_key_load_private_pem(settings->keys[i].suite, (const char *)pem,
                                                   len, out);
    if (pem != NULL)
        OPENSSL_cleanse(pem, len);
    free(pem);
    if (err != AW_OK)
        snprintf(message, cap, "[terminal] info_key %u: %s: %s", settings->keys[i].id,
                 settings->keys[i].path, aw_err_message(err));
    return err;
}

void airwrited_terminfo_free(airwrited_terminfo *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < PLATFORM_TERMINAL_INFO_KEYS_MAX; i++)
        crypto_envelope_key_free(t->keys[i]);
    free(t);
}

aw_err airwrited_terminfo_start(const airwrited_terminfo_settings *settings, http_server *server,
                                db_connection *db, const key_ring *storage,
                                airwrited_terminfo **out, char *message, size_t cap)
{
    *out = NULL;
    if (!settings->required)
        return AW_OK;
    if (storage == NULL) {
        snprintf(message, cap, "[terminal] info_required needs the platform's storage keys");
        return AW_ERR_ARGUMENT;
    }
    airwrited_terminfo *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < settings->key_count; i++) {
        err = load_key(settings, i, &t->keys[i], message, cap);
        t->config.keys[i] = (platform_terminal_info_key){settings->keys[i].id, t->keys[i]};
    }
    t->config.key_count = settings->key_count;
    t->config.freshness_s = (int64_t)settings->freshness_s;
    t->config.storage = storage;
    t->endpoint = (platform_terminal_info_endpoint){.db = db, .config = &t->config};
    if (err == AW_OK)
        err = platform_terminal_info_register(server, &t->endpoint);
    if (err != AW_OK) {
        airwrited_terminfo_free(t);
        return err;
    }
    *out = t;
    return AW_OK;
}

aw_err airwrited_terminfo_check(const airwrited_terminfo_settings *settings, FILE *out,
                                char *message, size_t cap)
{
    for (size_t i = 0; i < settings->key_count; i++) {
        crypto_envelope_key *key = NULL;
        aw_err err = load_key(settings, i, &key, message, cap);
        crypto_envelope_key_free(key);
        if (err != AW_OK)
            return err;
        fprintf(out, "ok   terminal information key %u (%s) %s\n", settings->keys[i].id,
                crypto_suite_name(settings->keys[i].suite), settings->keys[i].path);
    }
    if (settings->required)
        fprintf(out, "ok   terminal information required (freshness %llu s)\n",
                (unsigned long long)settings->freshness_s);
    return AW_OK;
}
