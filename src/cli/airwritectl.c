/* airwritectl: the administration tool of an airwrite deployment. Commands
 * are "airwritectl GROUP [COMMAND] [options]", one table entry each:
 *   audit verify / list / checkpoint: the security audit log (T/CA group
 *   standard, security management: audit; core/audit.h, docs/audit-log.md);
 *   token, order ..., callbacks ..., dead-letters ..., cards ...: the
 *   operator's client of the northbound API (airwritectl_api.c,
 *   airwritectl_orders.c, airwritectl_callbacks.c, airwritectl_cards.c;
 *   docs/airwritectl.md).
 * Exit status: 0 success (verify: intact), 1 verify found tampering (the
 * report is printed), 2 usage or an operational failure (database, key),
 * and the API commands' statuses of airwritectl_client.h CTL_EXIT_*. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli/airwritectl.h"
#include "core/audit.h"
#include "core/file.h"
#include "core/hex.h"

#define EXIT_TAMPERED CTL_EXIT_TAMPERED
#define EXIT_USAGE CTL_EXIT_USAGE
#define KEY_FILE_MAX (64u * 1024u)
#define MAX_PUBLIC_KEYS 16
#define LIST_PAGE 256u
#define LIST_DEFAULT_LIMIT 100

typedef struct command {
    const char *group;
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *help;
} command;

static int audit_verify_command(int argc, char **argv);
static int audit_list_command(int argc, char **argv);
static int audit_checkpoint_command(int argc, char **argv);

/* One entry per command; add new groups here. An empty name: the group is
 * the command ("airwritectl token"). */
static const command commands[] = {
    {"audit", "verify", audit_verify_command,
     "--db URL --public-key PEM [--public-key PEM ...] [--suite international|domestic]",
     "recompute the hash chain and check every checkpoint signature; on tampering\n"
     "  print the first broken entry and exit 1. The suite defaults to the key's."},
    {"audit", "list", audit_list_command, "--db URL [--from SEQ] [--limit N]",
     "print entries from SEQ (default 1) as JSON lines, at most N (default 100,\n"
     "  at most 10000), as stored: list does not verify."},
    {"audit", "checkpoint", audit_checkpoint_command,
     "--db URL --key PEM [--suite international|domestic]",
     "sign the chain head now with the private key (PKCS#8 or SEC 1 PEM)."},
    {"token", "", ctl_token_command, "[--show] [--new]",
     "get a bearer token (cached, refreshed when it expires) and check it with the\n"
     "  platform (GET /api/v1/ping): print its expiry; the token itself only with\n"
     "  --show. --new: renew it now."},
    {"order", "submit", ctl_order_submit_command,
     "--csv FILE (--profile-type T | --number-pool P) [--idempotency-key K]",
     "create a write order from a CSV file (one EID per line, optional header\n"
     "  \"eid\"); print the order id. A refused batch lists its bad lines."},
    {"order", "get", ctl_order_get_command, "ORDER_ID", "the order and its items per status."},
    {"order", "list", ctl_order_list_command, "[--status S] [--limit N]",
     "the tenant's orders, newest first (every page; with --limit only the N\n"
     "  newest, 1..200): id, status, target, items per status, creation time;\n"
     "  S: accepted, processing, completed, partially_completed, failed, cancelled."},
    {"order", "items", ctl_order_items_command, "ORDER_ID [--status S]",
     "every item (all pages): EID, status, error code; S: pending, in_progress,\n"
     "  written, failed, cancelled."},
    {"order", "watch", ctl_order_watch_command,
     "ORDER_ID [--interval S] [--timeout S] [--latency]",
     "poll the order (every S seconds, default 1) until it is finished: a live\n"
     "  progress bar on a terminal (written, failed, pending, rate, ETA), plain\n"
     "  lines otherwise. Exit 0 when every item was written, 3 when it finished\n"
     "  otherwise, 4 after --timeout (default 3600, 0: none). Polls without an\n"
     "  answer (or 5xx) are repeated, up to 30 in a row. --latency: then the p50\n"
     "  and p99 of the written items' time from the order's creation."},
    {"order", "cancel", ctl_order_cancel_command, "ORDER_ID",
     "cancel the order: its pending items are cancelled."},
    {"order", "retry", ctl_order_retry_command, "ORDER_ID",
     "put the order's failed items back to pending."},
    {"callbacks", "register", ctl_callbacks_register_command,
     "--url URL (--secret-file FILE | --generate-secret FILE)\n"
     "             --events TYPE[,TYPE...] [--platform-url URL] [--app-secret-file FILE]",
     "register a callback URL for the app's events (order.accepted,\n"
     "  order.finished, item.written, item.failed, lifecycle.changed,\n"
     "  exception.raised, card.operation.finished, exception.escalated), signed\n"
     "  with a secret of 64 of [A-Za-z0-9_-] read from\n"
     "  FILE (mode 0600), or made there (32 random bytes in hex) by\n"
     "  --generate-secret; print the callback id. Here --url and --secret-file are\n"
     "  the callback's: the platform's are --platform-url, --app-secret-file."},
    {"callbacks", "list", ctl_callbacks_list_command, "",
     "the app's callbacks: id, URL, events, creation time."},
    {"callbacks", "delete", ctl_callbacks_delete_command, "CALLBACK_ID",
     "remove a callback (its queued deliveries die unsent)."},
    {"dead-letters", "list", ctl_dead_letters_list_command, "",
     "callback deliveries that used up their attempts (all pages)."},
    {"dead-letters", "replay", ctl_dead_letters_replay_command, "DELIVERY_ID",
     "queue a dead letter again with fresh attempts."},
    {"cards", "get", ctl_cards_get_command, "EID", "a card (eUICC), its state and profiles."},
    {"cards", "history", ctl_cards_history_command, "EID",
     "the card's lifecycle history (from, to, cause, actor, time)."},
    {"cards", "find", ctl_cards_find_command, "(--iccid N | --imsi N | --msisdn N)",
     "the cards holding a profile with that ICCID, IMSI or MSISDN."},
    /* card operations as eIM PSMOs (airwritectl_card_ops.c, docs/lifecycle.md) */
    {"cards", "enable", ctl_cards_enable_command,
     "EID ICCID [--wait] [--interval S] [--timeout S] [--idempotency-key K]",
     "enable the profile (the eUICC disables the enabled one); --wait shows the\n"
     "  outcome (exit 11 when it failed: its W code and the eUICC's result)."},
    {"cards", "disable", ctl_cards_disable_command, "EID ICCID [--wait] [...as enable]",
     "disable the enabled profile."},
    {"cards", "delete", ctl_cards_delete_command, "EID ICCID [--wait] [...as enable]",
     "delete a disabled (or never enabled) profile."},
    {"cards", "switch", ctl_cards_switch_command, "EID ICCID TO_ICCID [--wait] [...as enable]",
     "enable TO_ICCID in place of the enabled ICCID."},
    /* graded exceptions and review reports (airwritectl_exceptions.c, docs/exceptions.md) */
    {"exceptions", "list", ctl_exceptions_list_command,
     "[--class C] [--grade G] [--status S]",
     "the tenant's exceptions, newest first (all pages): id, class, code, grade,\n"
     "  state, signals, escalations, first seen, cause. C: application, write,\n"
     "  interface, terminal; G: general, significant, serious, critical; S: open,\n"
     "  acknowledged, handling, resolved, closed."},
    {"exceptions", "show", ctl_exceptions_show_command, "EXCEPTION_ID",
     "one exception, its history and report."},
    {"exceptions", "ack", ctl_exceptions_ack_command, "EXCEPTION_ID [--note TEXT]",
     "acknowledge an open exception."},
    {"exceptions", "handle", ctl_exceptions_handle_command, "EXCEPTION_ID [--note TEXT]",
     "start handling an acknowledged exception (or reopen a resolved one)."},
    {"exceptions", "resolve", ctl_exceptions_resolve_command, "EXCEPTION_ID [--note TEXT]",
     "mark an exception in handling resolved."},
    {"exceptions", "report", ctl_exceptions_report_command,
     "EXCEPTION_ID --text-file FILE [--attach FILE]",
     "submit the exception's report (text up to 8000 bytes; one attachment up to\n"
     "  160 KiB); serious and critical exceptions need one before closing."},
    {"exceptions", "close", ctl_exceptions_close_command, "EXCEPTION_ID [--note TEXT]",
     "close (reviewed) a resolved exception."},
    {"review", "", ctl_review_command,
     "[--period weekly|monthly | --from MS --to MS] [--format text|json|html]",
     "the review (复盘) report of the tenant's exceptions first seen in the period\n"
     "  (default weekly): counts by class, grade, state, time to handle, overdue,\n"
     "  top causes; --format html writes the HTML page to stdout."},
    /* key rotation of the secrets sealed at rest (airwritectl_keys.c, docs/keys.md) */
    {"keys", "generate", ctl_keys_generate_command,
     "--key-dir DIR [--suite international|domestic]",
     "create the next storage key DIR/<id>.key (then reload the daemons: SIGHUP);\n"
     "  --suite domestic: an SM4-GCM key (16 bytes), default AES-256-GCM (32 bytes)."},
    {"keys", "rotate", ctl_keys_rotate_command,
     "--key-dir DIR --db URL [--db URL ...] [--generate [--suite S]] [--chunk N] "
     "[--max-chunks N]",
     "re-encrypt every sealed secret under the newest key of DIR, chunk by chunk."},
    {"keys", "status", ctl_keys_status_command, "--key-dir DIR [--db URL ...]",
     "the key ring's ids and each sealed table's rows per key id."},
};
static const size_t command_count = sizeof(commands) / sizeof(commands[0]);

static void usage(FILE *f)
{
    fprintf(f, "usage:");
    for (size_t i = 0; i < command_count; i++)
        fprintf(f, "%s airwritectl %s%s%s%s%s\n", i ? "      " : "", commands[i].group,
                commands[i].name[0] ? " " : "", commands[i].name,
                commands[i].usage[0] ? " " : "", commands[i].usage);
    fprintf(f, "\n");
    for (size_t i = 0; i < command_count; i++)
        fprintf(f, "%s%s%s: %s\n", commands[i].group, commands[i].name[0] ? " " : "",
                commands[i].name, commands[i].help);
    fprintf(f,
            "\nAudit: the database URL is sqlite:PATH, PATH or postgresql://...\n"
            "\nAPI commands (token, order, callbacks, dead-letters, cards, exceptions,\n"
            "review) also take:\n"
            "  --url https://HOST:PORT  the platform (or AIRWRITE_URL)\n"
            "  --ca FILE           CA certificates (PEM) of its TLS certificate (or\n"
            "                      AIRWRITE_CA_FILE)\n"
            "  --app-id ID         the app (or AIRWRITE_APP_ID)\n"
            "  --secret-file FILE  the appSecret, one line, mode 0600 (or\n"
            "                      AIRWRITE_APP_SECRET_FILE, or the secret itself in\n"
            "                      AIRWRITE_APP_SECRET; never on the command line)\n"
            "  --suite S           the app's crypto suite: international (AW-HMAC-SHA256,\n"
            "                      the default) or domestic (AW-HMAC-SM3); or AIRWRITE_SUITE\n"
            "  --token-cache FILE  where the bearer token is kept, mode 0600 (or\n"
            "                      AIRWRITE_TOKEN_CACHE; default\n"
            "                      ~/.cache/airwrite/token-APPID.json); --no-token-cache\n"
            "  --max-wait S        wait out 429 Retry-After up to S seconds per call\n"
            "                      (default %d, 0: never)\n"
            "  --json              print the answers as JSON (errors too, on stdout)\n"
            "\nExit status:\n"
            "   0 success            1 audit verify found tampering\n"
            "   2 usage or local failure (options, files, database, keys)\n"
            "   3 order watch: finished with items not written\n"
            "   4 order watch: --timeout passed\n"
            "  10 A-class error (application: the order or request)\n"
            "  11 W-class error (write)       13 T-class error (terminal)\n"
            "  12 I-class error (interface) other than:\n"
            "  14 authentication (I2xxx)      15 rate limit or quota (I3xxx)\n"
            "  16 no answer (connect, TLS, timeout) or an answer not understood\n",
            CTL_DEFAULT_MAX_WAIT_S);
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwritectl: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
    return EXIT_USAGE;
}

static int fail_db(const char *what, aw_err err, const db_connection *db)
{
    const char *detail = db != NULL ? db_last_error(db) : "";
    fprintf(stderr, "airwritectl: %s: %s (%s)%s%s\n", what, aw_err_message(err),
            aw_err_name(err), *detail ? ": " : "", detail);
    return EXIT_USAGE;
}

/* Open an existing database: a mistyped SQLite path must not create an
 * empty file that then "verifies". Failures are printed with the URL
 * redacted (no PostgreSQL password). */
int ctl_open_existing_database(const char *url, db_connection **db)
{
    *db = NULL;
    db_url parsed;
    aw_err err = db_url_parse(url, &parsed);
    if (err != AW_OK)
        return fail("--db", err);
    struct stat st;
    char why[256] = "";
    db_options options = {.error = why, .error_size = sizeof(why)};
    if (parsed.backend == DB_BACKEND_SQLITE && strcmp(parsed.target, ":memory:") != 0 &&
        stat(parsed.target, &st) != 0)
        err = AW_ERR_NOT_FOUND;
    else
        err = db_open(url, &options, db);
    if (err == AW_OK)
        return 0;
    fprintf(stderr, "airwritectl: %s: %s (%s)%s%s\n", parsed.redacted, aw_err_message(err),
            aw_err_name(err), why[0] ? ": " : "", why);
    return EXIT_USAGE;
}

/* ---- option parsing ---------------------------------------------------- */

typedef struct options {
    const char *db;
    const char *suite;
    const char *key;
    const char *public_keys[MAX_PUBLIC_KEYS];
    size_t public_key_count;
    const char *from;
    const char *limit;
} options;

/* --name VALUE pairs; allowed lists the names this command takes. */
static bool parse_options(int argc, char **argv, const char *const *allowed, options *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < argc; i++) {
        const char *name = argv[i];
        bool known = false;
        for (size_t k = 0; allowed[k] != NULL; k++)
            known = known || strcmp(name, allowed[k]) == 0;
        if (!known || i + 1 >= argc) {
            fprintf(stderr, "airwritectl: unknown option or missing value: %s\n", name);
            return false;
        }
        const char *value = argv[++i];
        const char **slot = strcmp(name, "--db") == 0      ? &out->db
                            : strcmp(name, "--suite") == 0 ? &out->suite
                            : strcmp(name, "--key") == 0   ? &out->key
                            : strcmp(name, "--from") == 0  ? &out->from
                            : strcmp(name, "--limit") == 0 ? &out->limit
                                                           : NULL;
        if (slot == NULL) { /* --public-key, repeatable */
            if (out->public_key_count == MAX_PUBLIC_KEYS) {
                fprintf(stderr, "airwritectl: at most %d --public-key\n", MAX_PUBLIC_KEYS);
                return false;
            }
            out->public_keys[out->public_key_count++] = value;
        } else if (*slot != NULL) {
            fprintf(stderr, "airwritectl: %s given twice\n", name);
            return false;
        } else {
            *slot = value;
        }
    }
    return true;
}

static bool parse_int64(const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (text == NULL || *text == '\0')
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* A key file in the suite named, or (no --suite) in whichever suite it is. */
static aw_err load_key(const char *path, const char *suite_name, bool private_key,
                       crypto_suite *suite, crypto_suite_key **key)
{
    *key = NULL;
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, KEY_FILE_MAX, &pem, &len);
    if (err != AW_OK)
        return err;
    static const crypto_suite all[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    err = AW_ERR_SUITE_MISMATCH;
    for (size_t i = 0; i < 2 && err == AW_ERR_SUITE_MISMATCH; i++) {
        if (suite_name != NULL && strcmp(suite_name, crypto_suite_name(all[i])) != 0)
            continue;
        err = private_key
                  ? crypto_suite_key_load_private_pem(all[i], (const char *)pem, len, key)
                  : crypto_suite_key_load_public_pem(all[i], (const char *)pem, len, key);
        if (err == AW_OK)
            *suite = all[i];
    }
    OPENSSL_cleanse(pem, len);
    free(pem);
    return err;
}

static bool check_suite_option(const char *suite_name)
{
    crypto_suite suite;
    if (suite_name == NULL || crypto_suite_parse(suite_name, &suite) == AW_OK)
        return true;
    fprintf(stderr, "airwritectl: --suite is international or domestic\n");
    return false;
}

/* ---- audit verify ------------------------------------------------------ */

static int audit_verify_command(int argc, char **argv)
{
    static const char *const allowed[] = {"--db", "--public-key", "--suite", NULL};
    options o;
    if (!parse_options(argc, argv, allowed, &o) || o.db == NULL || o.public_key_count == 0 ||
        !check_suite_option(o.suite)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    crypto_suite_key *keys[MAX_PUBLIC_KEYS] = {NULL};
    crypto_suite suite = CRYPTO_SUITE_INTERNATIONAL;
    const char *suite_name = o.suite;
    int status = EXIT_USAGE;
    db_connection *db = NULL;
    for (size_t i = 0; i < o.public_key_count; i++) {
        aw_err err = load_key(o.public_keys[i], suite_name, false, &suite, &keys[i]);
        if (err != AW_OK) {
            status = fail(o.public_keys[i], err);
            goto cleanup;
        }
        suite_name = crypto_suite_name(suite); /* every key of the first key's suite */
    }
    if ((status = ctl_open_existing_database(o.db, &db)) != 0)
        goto cleanup;
    audit_report report;
    aw_err err = audit_verify(db, suite, (const crypto_suite_key *const *)keys,
                              o.public_key_count, &report);
    if (err == AW_OK) {
        printf("audit log intact (%s): %s\n", crypto_suite_name(suite), report.message);
        status = 0;
    } else if (report.error != AW_OK) {
        printf("audit log TAMPERED (%s): %s [%s]\n", crypto_suite_name(suite), report.message,
               aw_err_name(report.error));
        printf("first broken entry: %lld\n", (long long)report.seq);
        printf("entries verified before it: %lld; checkpoints verified: %lld\n",
               (long long)report.entries, (long long)report.checkpoints);
        status = EXIT_TAMPERED;
    } else {
        status = fail_db("verify", err, db);
    }
cleanup:
    db_close(db);
    for (size_t i = 0; i < MAX_PUBLIC_KEYS; i++)
        crypto_suite_key_free(keys[i]);
    return status;
}

/* ---- audit list -------------------------------------------------------- */

static const char *actor_type_name(audit_actor_type type)
{
    return type == AUDIT_ACTOR_USER ? "user" : type == AUDIT_ACTOR_APP ? "app" : "system";
}

static const char *outcome_name(audit_outcome outcome)
{
    return outcome == AUDIT_OUTCOME_SUCCESS  ? "success"
           : outcome == AUDIT_OUTCOME_FAILURE ? "failure"
                                              : "denied";
}

/* One JSON line per entry, as stored (list does not verify). */
static bool print_entry(const audit_entry *e)
{
    char time_text[80] = "";
    time_t seconds = (time_t)(e->time_ms / 1000);
    struct tm tm;
    if (e->time_ms >= 0 && gmtime_r(&seconds, &tm) != NULL)
        snprintf(time_text, sizeof(time_text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(e->time_ms % 1000));
    char hash[2 * AUDIT_HASH_SIZE + 1];
    aw_hex_encode(e->hash, AUDIT_HASH_SIZE, hash, false);
    /* details are a JSON object when written; shown as a string otherwise */
    json_t *details = json_loads(e->details, JSON_REJECT_DUPLICATES, NULL);
    if (details == NULL || !json_is_object(details)) {
        json_decref(details);
        details = json_string(e->details);
    }
    const char *suite = crypto_suite_name(e->suite);
    json_t *line = json_pack("{s:I,s:s,s:s,s:{s:s,s:s,s:s},s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}",
                             "seq", (json_int_t)e->seq, "time", time_text, "suite",
                             suite ? suite : "unknown", "actor", "type",
                             actor_type_name(e->actor_type), "id", e->actor_id, "role",
                             e->actor_role, "tenant", e->tenant, "action", e->action, "target",
                             e->target, "outcome", outcome_name(e->outcome), "source",
                             e->source_address, "request_id", e->request_id, "details", details,
                             "hash", hash);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(line);
    if (text == NULL)
        return false;
    printf("%s\n", text);
    free(text);
    return true;
}

static int audit_list_command(int argc, char **argv)
{
    static const char *const allowed[] = {"--db", "--from", "--limit", NULL};
    options o;
    int64_t from = 1, limit = LIST_DEFAULT_LIMIT;
    if (!parse_options(argc, argv, allowed, &o) || o.db == NULL ||
        (o.from != NULL && !parse_int64(o.from, INT64_MIN, INT64_MAX, &from)) ||
        (o.limit != NULL && !parse_int64(o.limit, 1, AUDIT_LIST_MAX, &limit))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    db_connection *db = NULL;
    if (ctl_open_existing_database(o.db, &db) != 0)
        return EXIT_USAGE;
    aw_err err = AW_OK;
    audit_entry *entries = malloc(LIST_PAGE * sizeof(*entries));
    int status = entries == NULL ? fail("list", AW_ERR_NOMEM) : 0;
    while (status == 0 && limit > 0) {
        size_t count = 0;
        size_t want = limit < (int64_t)LIST_PAGE ? (size_t)limit : LIST_PAGE;
        if ((err = audit_list(db, from, entries, want, &count)) != AW_OK) {
            status = fail_db("list", err, db);
            break;
        }
        for (size_t i = 0; i < count && status == 0; i++)
            if (!print_entry(&entries[i]))
                status = fail("list", AW_ERR_NOMEM);
        if (count < want || entries[count - 1].seq == INT64_MAX)
            break;
        from = entries[count - 1].seq + 1;
        limit -= (int64_t)count;
    }
    free(entries);
    db_close(db);
    return status;
}

/* ---- audit checkpoint -------------------------------------------------- */

static int audit_checkpoint_command(int argc, char **argv)
{
    static const char *const allowed[] = {"--db", "--key", "--suite", NULL};
    options o;
    if (!parse_options(argc, argv, allowed, &o) || o.db == NULL || o.key == NULL ||
        !check_suite_option(o.suite)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    crypto_suite suite = CRYPTO_SUITE_INTERNATIONAL;
    crypto_suite_key *key = NULL;
    aw_err err = load_key(o.key, o.suite, true, &suite, &key);
    if (err != AW_OK)
        return fail(o.key, err);
    db_connection *db = NULL;
    int status = 0;
    audit_checkpoint_info cp;
    if (ctl_open_existing_database(o.db, &db) != 0) {
        status = EXIT_USAGE;
    } else if ((err = audit_migrate(db)) != AW_OK ||
               (err = audit_checkpoint(db, suite, key, db_clock_ms(), &cp)) != AW_OK) {
        status = err == AW_ERR_STATE ? (fprintf(stderr, "airwritectl: the audit log is empty\n"),
                                        EXIT_USAGE)
                                     : fail_db("checkpoint", err, db);
    } else {
        char hash[2 * AUDIT_HASH_SIZE + 1], key_id[2 * AUDIT_KEY_ID_SIZE + 1];
        aw_hex_encode(cp.head_hash, AUDIT_HASH_SIZE, hash, false);
        aw_hex_encode(cp.key_id, AUDIT_KEY_ID_SIZE, key_id, false);
        printf("checkpoint %lld over entry %lld (%s)\nhead hash: %s\nkey id: %s\n",
               (long long)cp.id, (long long)cp.seq, crypto_suite_name(suite), hash, key_id);
    }
    db_close(db);
    crypto_suite_key_free(key);
    return status;
}

/* ---- dispatch ---------------------------------------------------------- */

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* core/http_client.h: the process ignores SIGPIPE */
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < command_count; i++) {
        if (strcmp(argv[1], commands[i].group) != 0)
            continue;
        if (commands[i].name[0] == '\0')
            return commands[i].run(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[2], commands[i].name) == 0)
            return commands[i].run(argc - 3, argv + 3);
    }
    fprintf(stderr, "airwritectl: unknown command: %s%s%s\n", argv[1], argc >= 3 ? " " : "",
            argc >= 3 ? argv[2] : "");
    usage(stderr);
    return EXIT_USAGE;
}
