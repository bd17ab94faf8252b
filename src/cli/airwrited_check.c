/* airwrited: --check-config (every file a start needs readable, every
 * certificate and key loadable and matching, the databases reachable and
 * their schemas migrated) and the first start's preparation (state
 * directory, a test PKI of SGP.22 4.5.2 profiles when none is named, the
 * storage keys). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/airwrited.h"
#include "core/db.h"
#include "core/file.h"
#include "core/http_server.h"
#include "core/pki.h"
#include "eim/eim.h"
#include "platform/platform.h"
#include "platform/platform_terminal.h" /* helper firmware */
#include "smdp/es2p.h"
#include "smdp/inventory.h"
#include "smdp/inventory_keys.h"

#define PEM_MAX (256u * 1024u)

/* The check's output and the first failure. */
typedef struct checker {
    FILE *out;
    char *message;
    size_t cap;
    const char *pki_directory; /* a test PKI is still to be generated there, else NULL */
} checker;

/* A file of the PKI still to be generated: nothing to check yet. */
static bool pending(const checker *k, const char *path)
{
    size_t n = k->pki_directory != NULL ? strlen(k->pki_directory) : 0;
    return n != 0 && strncmp(path, k->pki_directory, n) == 0 && path[n] == '/';
}

static aw_err failed(checker *k, const char *what, const char *subject, aw_err err)
{
    snprintf(k->message, k->cap, "%s %s: %s (%s)", what, subject != NULL ? subject : "",
             aw_err_message(err), aw_err_name(err));
    return err;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool pki_present(const char *directory)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/ci.pem", directory);
    return exists(path);
}

/* A certificate and its private key: parsed, and the key the certificate's. */
static aw_err check_pair(const char *certificate_path, const char *key_path)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    pki_certificate *certificate = NULL;
    EVP_PKEY *key = NULL;
    aw_err err = aw_file_read(certificate_path, PEM_MAX, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, &certificate);
    free(pem);
    pem = NULL;
    if (err == AW_OK)
        err = aw_file_read(key_path, PEM_MAX, &pem, &len);
    if (err == AW_OK) {
        BIO *bio = BIO_new_mem_buf(pem, (int)len);
        key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (key == NULL ||
            X509_check_private_key(pki_certificate_x509(certificate), key) != 1)
            err = AW_ERR_HTTP_TLS_CONFIG;
        ERR_clear_error();
    }
    if (pem != NULL)
        OPENSSL_cleanse(pem, len);
    free(pem);
    EVP_PKEY_free(key);
    pki_certificate_free(certificate);
    return err;
}

/* An HTTPS listener's certificate, key (and client CAs) as the server
 * loads them: an http_server created and never started. */
static aw_err check_listener(const char *certificate, const char *key, const char *client_ca)
{
    struct event_base *base = event_base_new();
    if (base == NULL)
        return AW_ERR_NOMEM;
    http_server *server = NULL;
    http_server_config config = {.address = "127.0.0.1", .certificate_file = certificate,
                                 .key_file = key, .client_ca_file = client_ca};
    aw_err err = http_server_new(base, &config, &server);
    http_server_free(server);
    event_base_free(base);
    return err;
}

/* A CA file: readable, its first certificate well formed. */
static aw_err check_ca(const char *path)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    pki_certificate *certificate = NULL;
    aw_err err = aw_file_read(path, PEM_MAX, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, &certificate);
    pki_certificate_free(certificate);
    free(pem);
    return err;
}

static aw_err check_optional_ca(checker *k, const char *what, const char *path)
{
    if (path == NULL || pending(k, path))
        return AW_OK;
    aw_err err = check_ca(path);
    if (err != AW_OK)
        return failed(k, what, path, err);
    fprintf(k->out, "ok   %s %s\n", what, path);
    return AW_OK;
}

/* A database: SQLite file still to be created (its directory exists or
 * is the state directory to be made), or opened and migrated. */
static aw_err check_database(checker *k, const airwrited_settings *s, const char *role,
                             const char *url, aw_err (*migrate)(db_connection *),
                             db_connection **keep)
{
    db_url parsed;
    db_connection *db = NULL;
    char what[64];
    snprintf(what, sizeof(what), "%s database", role);
    aw_err err = db_url_parse(url, &parsed);
    if (err != AW_OK)
        return failed(k, what, "", err);
    if (parsed.backend == DB_BACKEND_SQLITE && !exists(parsed.target) &&
        !exists(s->state_directory)) {
        fprintf(k->out, "ok   %s %s (created at first start)\n", what, parsed.redacted);
        return AW_OK;
    }
    char reason[256] = "";
    db_options options = {.error = reason, .error_size = sizeof(reason)};
    err = db_open(url, &options, &db);
    if (err == AW_OK)
        err = migrate(db);
    if (err != AW_OK) {
        db_close(db);
        return failed(k, what, parsed.redacted, err);
    }
    fprintf(k->out, "ok   %s %s (schema migrated)\n", what, parsed.redacted);
    if (keep != NULL)
        *keep = db;
    else
        db_close(db);
    return AW_OK;
}

static aw_err smdp_migrate(db_connection *db)
{
    aw_err err = smdp_inventory_migrate(db);
    return err == AW_OK ? smdp_es2p_migrate(db) : err;
}

aw_err airwrited_platform_keys(const airwrited_settings *s, bool create, platform_key_ring **out,
                               char *message, size_t cap)
{
    const airwrited_list *keys = &s->platform.storage_keys;
    aw_err err = platform_key_ring_new(out);
    for (size_t i = 0; err == AW_OK && i < keys->count; i++) {
        const char *value = NULL;
        uint32_t id = 0;
        err = platform_key_argument_parse(keys->values[i], i, &id, &value);
        if (err != AW_OK) {
            snprintf(message, cap, "platform storage key %s: %s (%s)", keys->values[i],
                     aw_err_message(err), aw_err_name(err));
            break;
        }
        bool last = i + 1 == keys->count;
        if (!create && last && !exists(value))
            continue; /* --check-config: created at start */
        struct stat st;
        if (value == keys->values[i] && stat(value, &st) == 0 && S_ISDIR(st.st_mode)) {
            /* a key ring directory (no ID: prefix): its highest key seals */
            err = platform_key_ring_load(*out, value);
            uint32_t first = 0;
            if (err == AW_ERR_NOT_FOUND && create && last &&
                (err = key_ring_generate_next(value, &first)) == AW_OK)
                err = platform_key_ring_load(*out, value);
            else if (err == AW_ERR_NOT_FOUND && !create && last)
                err = AW_OK; /* --check-config: key 1 is made at start */
        } else {
            err = platform_key_ring_add_file(*out, id, value, create && last);
        }
        if (err != AW_OK)
            snprintf(message, cap, "platform storage key %s: %s (%s)", value,
                     aw_err_message(err), aw_err_name(err));
    }
    if (err != AW_OK) {
        platform_key_ring_free(*out);
        *out = NULL;
    }
    return err;
}

aw_err airwrited_platform_keys_reload(const airwrited_settings *s, struct key_ring *live,
                                      size_t *added, char *message, size_t cap)
{
    if (added != NULL)
        *added = 0;
    platform_key_ring *fresh = NULL;
    aw_err err = airwrited_platform_keys(s, false, &fresh, message, cap);
    if (err == AW_OK && (err = key_ring_merge(live, fresh, added)) != AW_OK)
        snprintf(message, cap, "platform storage keys: %s (%s)", aw_err_message(err),
                 aw_err_name(err));
    platform_key_ring_free(fresh);
    return err;
}

static aw_err check_platform(checker *k, const airwrited_settings *s)
{
    aw_err err = AW_OK;
    if (!pending(k, s->platform.certificate)) {
        err = check_listener(s->platform.certificate, s->platform.key, NULL);
        if (err != AW_OK)
            return failed(k, "platform certificate", s->platform.certificate, err);
        fprintf(k->out, "ok   platform certificate %s\n", s->platform.certificate);
    }
    platform_key_ring *ring = NULL;
    err = airwrited_platform_keys(s, false, &ring, k->message, k->cap);
    platform_key_ring_free(ring);
    if (err != AW_OK)
        return err;
    fprintf(k->out, "ok   platform storage keys (%zu)\n", s->platform.storage_keys.count);
    if (s->platform.audit_key != NULL) {
        audit_options audit;
        crypto_suite_key *key = NULL;
        err = platform_audit_key_load(s->platform.audit_key,
                                      s->platform.audit_checkpoint_interval, &audit, &key);
        crypto_suite_key_free(key);
        if (err != AW_OK)
            return failed(k, "platform audit key", s->platform.audit_key, err);
        if ((err = airwrited_crypto_check_audit(s, audit.suite, k->message, k->cap)) != AW_OK)
            return err;
        fprintf(k->out, "ok   platform audit key %s (%s, a checkpoint every %u entries)\n",
                s->platform.audit_key, crypto_suite_name(audit.suite),
                (unsigned)s->platform.audit_checkpoint_interval);
    }
    err = check_optional_ca(k, "platform callback CA", s->platform.callback_ca);
    if (err == AW_OK && s->platform.console_app != NULL) {
        /* the console's page must be there to be served (docs/console.md) */
        char *page = NULL;
        size_t len = 0;
        const char *type = NULL;
        err = platform_console_file_read(s->platform.console_dir, "index.html", &page, &len,
                                         &type);
        free(page);
        if (err != AW_OK)
            return failed(k, "platform console index.html in", s->platform.console_dir, err);
        fprintf(k->out, "ok   platform console %s (app %s)\n", s->platform.console_dir,
                s->platform.console_app);
    }
    if (err == AW_OK)
        err = check_database(k, s, "platform", s->platform.database, platform_migrate, NULL);
    return err;
}

static aw_err check_eim(checker *k, const airwrited_settings *s)
{
    char certificate[4096], key[4096], ci[4096];
    snprintf(certificate, sizeof(certificate), "%s/dptls.pem", s->eim.pki_directory);
    snprintf(key, sizeof(key), "%s/dptls.key.pem", s->eim.pki_directory);
    snprintf(ci, sizeof(ci), "%s/ci.pem", s->eim.pki_directory);
    aw_err err = AW_OK;
    if (!pending(k, ci)) {
        err = check_ca(ci);
        if (err != AW_OK)
            return failed(k, "eIM CI certificate", ci, err);
        const char *c = s->eim.certificate != NULL ? s->eim.certificate : certificate;
        err = check_listener(c, s->eim.key != NULL ? s->eim.key : key, NULL);
        if (err != AW_OK)
            return failed(k, "eIM TLS certificate", c, err);
        fprintf(k->out, "ok   eIM PKI %s\n", s->eim.pki_directory);
    }
    err = check_optional_ca(k, "eIM SM-DP+ CA", s->eim.smdp_ca);
    if (err == AW_OK)
        err = check_database(k, s, "eim", s->eim.database, eim_migrate, NULL);
    return err;
}

/* The executor: its TLS client credential for ES2+, the CA of the
 * SM-DP+'s ES2+, its notification listener (client CA), the eIM database
 * its triggers go to. */
static aw_err check_executor(checker *k, const airwrited_settings *s)
{
    aw_err err = AW_OK;
    if (!pending(k, s->executor.certificate) &&
        (err = check_pair(s->executor.certificate, s->executor.key)) != AW_OK)
        return failed(k, "executor client certificate", s->executor.certificate, err);
    if ((err = check_optional_ca(k, "executor SM-DP+ CA", s->executor.ca)) != AW_OK)
        return err;
    if (!pending(k, s->platform.certificate) && !pending(k, s->executor.notify_ca)) {
        err = check_listener(s->platform.certificate, s->platform.key, s->executor.notify_ca);
        if (err != AW_OK)
            return failed(k, "executor notification CA", s->executor.notify_ca, err);
        fprintf(k->out, "ok   executor notification listener (client CA %s)\n",
                s->executor.notify_ca);
    }
    fprintf(k->out, "ok   executor SM-DP+ %s\n",
            s->executor.local_smdp ? "(this process's smdp role)" : s->executor.es2p_url);
    return check_database(k, s, "executor eim", s->executor.eim_database, eim_migrate, NULL);
}

/* The terminal report listener (helper firmware): the device CA, as the
 * listener loads it with the platform's certificate; the reports' table. */
static aw_err check_terminal(checker *k, const airwrited_settings *s)
{
    aw_err err = check_ca(s->terminal.device_ca);
    if (err == AW_OK && !pending(k, s->platform.certificate))
        err = check_listener(s->platform.certificate, s->platform.key, s->terminal.device_ca);
    if (err != AW_OK)
        return failed(k, "terminal device CA", s->terminal.device_ca, err);
    fprintf(k->out, "ok   terminal report listener (device CA %s)\n", s->terminal.device_ca);
    /* encrypted terminal information's keys (helper terminfo) */
    if ((err = airwrited_terminfo_check(&s->terminfo, k->out, k->message, k->cap)) != AW_OK)
        return err;
    return check_database(k, s, "terminal", s->platform.database,
                          platform_terminal_reports_migrate, NULL);
}

/* The SM-DP+ key ring; create: make the directory and its first key when
 * absent. */
aw_err airwrited_smdp_keys(const airwrited_settings *s, bool create, smdp_key_ring **out,
                           char *message, size_t cap)
{
    *out = NULL;
    const char *path = s->smdp.key_ring;
    aw_err err = AW_OK;
    if (!exists(path) && create) {
        uint32_t id = 0;
        if (mkdir(path, 0700) != 0)
            err = AW_ERR_IO;
        if (err == AW_OK)
            err = smdp_key_ring_generate(path, &id);
    }
    if (err == AW_OK)
        err = smdp_key_ring_new(out);
    if (err == AW_OK)
        err = smdp_key_ring_load(*out, path);
    if (err != AW_OK) {
        snprintf(message, cap, "SM-DP+ key ring %s: %s (%s)", path, aw_err_message(err),
                 aw_err_name(err));
        smdp_key_ring_free(*out);
        *out = NULL;
    }
    return err;
}

static aw_err check_smdp(checker *k, const airwrited_settings *s)
{
    static const char *const pairs[][2] = {{"dpauth.pem", "dpauth.key.pem"},
                                           {"dppb.pem", "dppb.key.pem"}};
    char a[4096], b[4096];
    aw_err err = AW_OK;
    snprintf(a, sizeof(a), "%s/ci.pem", s->smdp.pki_directory);
    if (!pending(k, a)) {
        if ((err = check_ca(a)) != AW_OK)
            return failed(k, "SM-DP+ CI certificate", a, err);
        for (size_t i = 0; i < 2; i++) {
            snprintf(a, sizeof(a), "%s/%s", s->smdp.pki_directory, pairs[i][0]);
            snprintf(b, sizeof(b), "%s/%s", s->smdp.pki_directory, pairs[i][1]);
            if ((err = check_pair(a, b)) != AW_OK)
                return failed(k, "SM-DP+ certificate", a, err);
        }
        snprintf(a, sizeof(a), "%s/dptls.pem", s->smdp.pki_directory);
        snprintf(b, sizeof(b), "%s/dptls.key.pem", s->smdp.pki_directory);
        const char *es2p_ca = s->smdp.es2p_ca != NULL && !pending(k, s->smdp.es2p_ca)
                                  ? s->smdp.es2p_ca
                                  : NULL;
        if ((err = check_listener(a, b, es2p_ca)) != AW_OK)
            return failed(k, "SM-DP+ TLS certificate or ES2+ CA", a, err);
        fprintf(k->out, "ok   SM-DP+ PKI %s\n", s->smdp.pki_directory);
    }
    err = check_optional_ca(k, "SM-DP+ ES2+ client CA", s->smdp.es2p_ca);
    if (err == AW_OK)
        err = check_optional_ca(k, "SM-DP+ notification CA", s->smdp.notify_ca);
    if (err != AW_OK)
        return err;
    smdp_key_ring *ring = NULL;
    bool ring_pending = !exists(s->smdp.key_ring);
    if (!ring_pending && (err = airwrited_smdp_keys(s, false, &ring, k->message, k->cap)) != AW_OK)
        return err;
    fprintf(k->out, "ok   SM-DP+ key ring %s%s\n", s->smdp.key_ring,
            ring_pending ? " (created at first start)" : "");
    db_connection *db = NULL;
    err = check_database(k, s, "smdp", s->smdp.database, smdp_migrate, &db);
    uint32_t missing = 0;
    if (err == AW_OK && db != NULL && ring != NULL &&
        (err = smdp_inventory_check_key_ids(db, ring, &missing)) != AW_OK) {
        char id[32];
        snprintf(id, sizeof(id), "key id %u", (unsigned)missing);
        failed(k, "SM-DP+ inventory needs", id, err);
    }
    db_close(db);
    smdp_key_ring_free(ring);
    return err;
}

aw_err airwrited_check(const airwrited_settings *s, FILE *out, char *message, size_t cap)
{
    checker k = {.out = out, .message = message, .cap = cap};
    char roles[64];
    airwrited_roles_text(s->roles, roles, sizeof(roles));
    fprintf(out, "ok   configuration %s\n",
            s->config_file != NULL ? s->config_file : "(built-in defaults)");
    fprintf(out, "ok   roles %s\n", roles);
    /* the state directory, or its parent for a first start */
    char parent[4096];
    snprintf(parent, sizeof(parent), "%s", s->state_directory);
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent)
        *slash = '\0';
    else if (slash != NULL)
        slash[1] = '\0';
    const char *where = exists(s->state_directory) ? s->state_directory : parent;
    if (access(where, W_OK | X_OK) != 0)
        return failed(&k, "state directory", s->state_directory, AW_ERR_IO);
    fprintf(out, "ok   state directory %s%s\n", s->state_directory,
            where == parent ? " (created at first start)" : "");
    bool pki_pending = !pki_present(s->pki_directory);
    if (pki_pending && !s->generate_test_pki &&
        (s->roles & (AIRWRITED_ROLE_EIM | AIRWRITED_ROLE_SMDP)))
        return failed(&k, "PKI", s->pki_directory, AW_ERR_NOT_FOUND);
    if (pki_pending && s->generate_test_pki)
        fprintf(out, "ok   PKI %s (a test PKI is generated at first start)\n", s->pki_directory);
    k.pki_directory = pki_pending && s->generate_test_pki ? s->pki_directory : NULL;
    /* [crypto] suite (airwrited_settings_crypto.c) */
    aw_err err = airwrited_crypto_report(s, out, message, cap);
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM))
        err = check_platform(&k, s);
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM) && s->executor.enabled)
        err = check_executor(&k, s);
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_PLATFORM) && s->terminal.device_ca != NULL)
        err = check_terminal(&k, s);
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_EIM))
        err = check_eim(&k, s);
    if (err == AW_OK && (s->roles & AIRWRITED_ROLE_SMDP))
        err = check_smdp(&k, s);
    if (err == AW_OK)
        fprintf(out, "configuration ok: %s\n", roles);
    return err;
}

/* ---- First start ---------------------------------------------------------- */

static const char *const pki_file[AW_PKI_ROLE__COUNT] = {
    [AW_PKI_ROLE_CI] = "ci",         [AW_PKI_ROLE_EUICC] = "euicc",
    [AW_PKI_ROLE_EUM] = "eum",       [AW_PKI_ROLE_DP_TLS] = "dptls",
    [AW_PKI_ROLE_DP_AUTH] = "dpauth", [AW_PKI_ROLE_DP_PB] = "dppb",
    [AW_PKI_ROLE_EIM] = "eim",
};

/* One certificate (key NULL) or private key as PEM into directory/name. */
static aw_err write_pem(const char *directory, const char *name, const pki_certificate *cert,
                        EVP_PKEY *key)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", directory, name) >= (int)sizeof(path))
        return AW_ERR_ARGUMENT;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return AW_ERR_NOMEM;
    int ok = key == NULL ? PEM_write_bio_X509(bio, pki_certificate_x509(cert))
                         : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    aw_err err = ok == 1 && len > 0
                     ? aw_file_write_atomic(path, (const uint8_t *)data, (size_t)len,
                                            key == NULL ? 0644 : 0600)
                     : AW_ERR_CRYPTO;
    if (data != NULL && len > 0)
        OPENSSL_cleanse(data, (size_t)len);
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

/* A test PKI (airwrite-pki init's files) for localhost and smdp_address. */
static aw_err generate_pki(const airwrited_settings *s)
{
    const char *names[4] = {"localhost", "127.0.0.1", "::1", s->smdp.smdp_address};
    size_t count = strcmp(s->smdp.smdp_address, "localhost") == 0 ? 3 : 4;
    if (mkdir(s->pki_directory, 0750) != 0 && errno != EEXIST)
        return AW_ERR_IO;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .tls_names = names,
                                   .tls_name_count = count, .now = time(NULL)};
    pki_hierarchy h;
    aw_err err = pki_issue_hierarchy(&params, &h);
    if (err != AW_OK)
        return err;
    /* ci.pem last: its presence marks a complete PKI */
    for (int r = AW_PKI_ROLE__COUNT - 1; err == AW_OK && r >= 0; r--) {
        char name[64];
        snprintf(name, sizeof(name), "%s.key.pem", pki_file[r]);
        err = write_pem(s->pki_directory, name, NULL, h.key[r]);
        snprintf(name, sizeof(name), "%s.pem", pki_file[r]);
        if (err == AW_OK)
            err = write_pem(s->pki_directory, name, h.cert[r], NULL);
    }
    pki_hierarchy_free(&h);
    return err;
}

aw_err airwrited_prepare(const airwrited_settings *s, aw_log *log, char *message, size_t cap)
{
    if (mkdir(s->state_directory, 0750) != 0 && errno != EEXIST) {
        snprintf(message, cap, "state directory %s: %s", s->state_directory, strerror(errno));
        return AW_ERR_IO;
    }
    if (!pki_present(s->pki_directory) && s->generate_test_pki) {
        aw_err err = generate_pki(s);
        if (err != AW_OK) {
            snprintf(message, cap, "test PKI %s: %s (%s)", s->pki_directory, aw_err_message(err),
                     aw_err_name(err));
            return err;
        }
        log_field fields[] = {LOG_TEXT("directory", s->pki_directory)};
        log_event(log, LOG_LEVEL_WARNING, "airwrited", "test_pki_generated", fields, 1);
    }
    if ((s->roles & AIRWRITED_ROLE_SMDP) && !exists(s->smdp.key_ring)) {
        smdp_key_ring *ring = NULL;
        aw_err err = airwrited_smdp_keys(s, true, &ring, message, cap);
        smdp_key_ring_free(ring);
        if (err != AW_OK)
            return err;
        log_field fields[] = {LOG_TEXT("directory", s->smdp.key_ring)};
        log_event(log, LOG_LEVEL_INFO, "airwrited", "smdp_key_ring_created", fields, 1);
    }
    return AW_OK;
}
