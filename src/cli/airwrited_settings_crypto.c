/* airwrited: [crypto], the crypto suite of airwrite's own security functions
 * (issue 8 商用密码; core/crypto_suite.h, docs/airwrited.md):
 *   suite  international | domestic (default international: as before)
 * international is SHA-256, HMAC-SHA256, AES-256-GCM and ECDSA P-256;
 * domestic is SM3 (GB/T 32905), HMAC-SM3, SM4-GCM (GB/T 32907) and SM2
 * (GB/T 32918). The suite is
 *   - the default suite of new apps (their request and callback signature
 *     scheme, docs/api-signature.md): the platform role records it in its
 *     database at start, where airwrite-platform app-create reads it;
 *   - the suite of the platform's audit hash chain (docs/audit-log.md): a
 *     new log is chained with its hash, and [platform] audit_key must be a
 *     key of the suite (P-256 or SM2), else the configuration is refused;
 *   - the firmware-package signature suite the fleet's IPAs expect
 *     (docs/firmware-package.md), reported by --check-config.
 * The storage keys' cipher is not set here: each key file's size names it
 * (core/key_ring.h; airwritectl keys generate --suite domestic). */
#include <stdio.h>
#include <string.h>

#include "cli/airwrited.h"
#include "core/db.h"
#include "platform/platform.h"

aw_err airwrited_settings_load_crypto(const aw_config *config, airwrited_settings *settings,
                                      config_position *where)
{
    settings->crypto.suite = CRYPTO_SUITE_INTERNATIONAL;
    const char *value = NULL;
    size_t line = 0;
    aw_err err = config_get_text(config, "crypto", "suite", 0, &value, &line);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    if (err == AW_OK && crypto_suite_parse(value, &settings->crypto.suite) != AW_OK) {
        where->line = line;
        snprintf(where->section, sizeof(where->section), "crypto");
        snprintf(where->key, sizeof(where->key), "suite");
        err = AW_ERR_CONFIG_VALUE;
    }
    return err;
}

aw_err airwrited_crypto_check_audit(const airwrited_settings *settings, crypto_suite audit_suite,
                                    char *message, size_t cap)
{
    if (audit_suite == settings->crypto.suite)
        return AW_OK;
    snprintf(message, cap,
             "[platform] audit_key %s is a key of the %s suite, [crypto] suite is %s "
             "(%s)",
             settings->platform.audit_key, crypto_suite_name(audit_suite),
             crypto_suite_name(settings->crypto.suite), aw_err_name(AW_ERR_CONFIG_CONFLICT));
    return AW_ERR_CONFIG_CONFLICT;
}

aw_err airwrited_crypto_apply(const airwrited_settings *settings, char *message, size_t cap)
{
    db_connection *db = NULL;
    aw_err err = db_open(settings->platform.database, NULL, &db);
    if (err == AW_OK)
        err = platform_suite_default_set(db, settings->crypto.suite, db_clock_ms());
    db_close(db);
    if (err != AW_OK)
        snprintf(message, cap, "[crypto]: the platform database: %s (%s)", aw_err_message(err),
                 aw_err_name(err));
    return err;
}

aw_err airwrited_crypto_report(const airwrited_settings *settings, FILE *out, char *message,
                               size_t cap)
{
    const char *name = crypto_suite_name(settings->crypto.suite);
    bool domestic = settings->crypto.suite == CRYPTO_SUITE_DOMESTIC;
    crypto_suite_support support;
    aw_err err = crypto_suite_query(settings->crypto.suite, &support);
    fprintf(out,
            "%s crypto suite %s: new apps sign %s, audit chain %s, firmware signatures %s; "
            "openssl: hash %s, hmac %s, signature %s, cipher %s%s\n",
            err == AW_OK ? "ok  " : "FAIL", name, domestic ? "AW-HMAC-SM3" : "AW-HMAC-SHA256",
            domestic ? "SM3" : "SHA-256", domestic ? "SM2 with SM3" : "ECDSA P-256 with SHA-256",
            support.hash ? "yes" : "no", support.hmac ? "yes" : "no",
            support.signature ? "yes" : "no", support.cipher ? "yes" : "no",
            domestic ? (support.gcm_native ? " (native SM4-GCM)"
                                           : " (SM4-GCM composed, crypto_suite_gcm.c)")
                     : "");
    if (err != AW_OK)
        snprintf(message, cap, "[crypto] suite %s: %s (%s)", name, aw_err_message(err),
                 aw_err_name(err));
    return err;
}
