/* airwritectl keys generate / rotate / status: key rotation of the secrets
 * sealed at rest (issue 7; NIST SP 800-57 Part 1 5.3; core/key_ring.h,
 * core/key_ring_table.h, docs/keys.md). Local commands, like audit verify:
 * they open the databases themselves and read the key ring directory.
 *
 * Every sealed table of the components found in a database is covered:
 * the platform's (platform_sealed_tables: app and callback secrets, schema
 * component "platform") and the SM-DP+'s Ki/OPc (smdp_inventory_sealed_table,
 * component "smdp_inventory"). Only counts and key ids are printed, never a
 * secret or a key. --suite domestic makes the new key an SM4-GCM key (16
 * bytes; issue 8): rotating to it moves every sealed column from AES-256-GCM
 * to SM4-GCM (core/key_ring.h), the same way as between two AES keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl.h"
#include "core/db.h"
#include "core/key_ring_table.h"
#include "platform/platform.h"
#include "smdp/inventory.h"

#define MAX_DATABASES 8u
#define MAX_TABLES 4u
#define MAX_KEY_IDS 32u

typedef struct keys_options {
    const char *key_dir;
    const char *databases[MAX_DATABASES];
    size_t database_count;
    int64_t chunk;
    int64_t max_chunks;
    bool generate;
    crypto_suite suite; /* of a generated key: international (AES-256), domestic (SM4) */
} keys_options;

/* --key-dir DIR, --db URL (repeatable), for generate --suite S, and for
 * rotate --chunk N, --max-chunks N, --generate, --suite S. */
static bool parse(int argc, char **argv, bool rotate, bool generate, keys_options *o)
{
    memset(o, 0, sizeof(*o));
    o->chunk = KEY_RING_TABLE_CHUNK_DEFAULT;
    o->suite = CRYPTO_SUITE_INTERNATIONAL;
    bool suite_given = false;
    for (int i = 0; i < argc; i++) {
        const char *name = argv[i];
        if (rotate && strcmp(name, "--generate") == 0) {
            o->generate = true;
            continue;
        }
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = value != NULL;
        if (ok && strcmp(name, "--key-dir") == 0 && o->key_dir == NULL)
            o->key_dir = value;
        else if (ok && strcmp(name, "--db") == 0 && o->database_count < MAX_DATABASES)
            o->databases[o->database_count++] = value;
        else if (ok && rotate && strcmp(name, "--chunk") == 0)
            ok = ctl_parse_integer("--chunk", value, 1, KEY_RING_TABLE_CHUNK_MAX, &o->chunk);
        else if (ok && rotate && strcmp(name, "--max-chunks") == 0)
            ok = ctl_parse_integer("--max-chunks", value, 1, INT32_MAX, &o->max_chunks);
        else if (ok && (rotate || generate) && !suite_given && strcmp(name, "--suite") == 0) {
            suite_given = true;
            if (crypto_suite_parse(value, &o->suite) != AW_OK) {
                fprintf(stderr, "airwritectl: keys: --suite is international or domestic\n");
                return false;
            }
        } else {
            fprintf(stderr, "airwritectl: keys: unknown, repeated or incomplete option: %s\n",
                    name);
            return false;
        }
        if (!ok)
            return false;
        i++;
    }
    if (o->key_dir == NULL) {
        fprintf(stderr, "airwritectl: keys: --key-dir DIR is required\n");
        return false;
    }
    if (rotate && suite_given && !o->generate) {
        fprintf(stderr, "airwritectl: keys rotate: --suite names the key --generate makes\n");
        return false;
    }
    return true;
}

/* The sealed tables of the components whose schema the database holds. */
static aw_err sealed_tables(db_connection *db, const key_ring_table *tables[MAX_TABLES],
                            size_t *count)
{
    *count = 0;
    int64_t platform = 0, smdp = 0;
    aw_err err = db_schema_version(db, "platform", &platform);
    if (err == AW_OK)
        err = db_schema_version(db, "smdp_inventory", &smdp);
    if (err != AW_OK)
        return err;
    if (platform > 0) {
        size_t n = 0;
        const key_ring_table *list = platform_sealed_tables(&n);
        for (size_t i = 0; i < n && *count < MAX_TABLES; i++)
            tables[(*count)++] = &list[i];
    }
    if (smdp > 0 && *count < MAX_TABLES)
        tables[(*count)++] = smdp_inventory_sealed_table();
    return *count == 0 ? AW_ERR_NOT_FOUND : AW_OK;
}

/* Open one --db and find its tables; prints why on failure. */
static int open_database(const char *url, db_connection **db, const char **redacted,
                         const key_ring_table *tables[MAX_TABLES], size_t *count)
{
    static db_url parsed; /* holds the redacted URL until the next call */
    *redacted = url;
    if (db_url_parse(url, &parsed) == AW_OK)
        *redacted = parsed.redacted;
    int status = ctl_open_existing_database(url, db);
    if (status != 0)
        return status;
    aw_err err = sealed_tables(*db, tables, count);
    if (err == AW_ERR_NOT_FOUND)
        fprintf(stderr, "airwritectl: keys: %s holds no platform or SM-DP+ schema\n", *redacted);
    else if (err != AW_OK)
        fprintf(stderr, "airwritectl: keys: %s: %s (%s): %s\n", *redacted, aw_err_message(err),
                aw_err_name(err), db_last_error(*db));
    if (err != AW_OK) {
        db_close(*db);
        *db = NULL;
        return CTL_EXIT_USAGE;
    }
    return 0;
}

static int load_ring(const char *key_dir, key_ring **ring)
{
    aw_err err = key_ring_new(ring);
    if (err == AW_OK)
        err = key_ring_load(*ring, key_dir);
    if (err == AW_OK)
        return 0;
    key_ring_free(*ring);
    *ring = NULL;
    return ctl_fail_local("keys", key_dir, err);
}

/* ---- generate ------------------------------------------------------------ */

static int generate_key(const char *key_dir, crypto_suite suite)
{
    uint32_t id = 0;
    aw_err err = key_ring_generate_next_suite(key_dir, suite, &id);
    if (err != AW_OK)
        return ctl_fail_local("keys generate", key_dir, err);
    printf("key %u created: %s/%u%s", id, key_dir, id, KEY_RING_FILE_SUFFIX);
    if (suite == CRYPTO_SUITE_DOMESTIC) /* the international line stays as it was */
        printf(" (domestic: SM4-GCM)");
    printf("\n");
    return 0;
}

int ctl_keys_generate_command(int argc, char **argv)
{
    keys_options o;
    if (!parse(argc, argv, false, true, &o))
        return CTL_EXIT_USAGE;
    if (o.database_count != 0) {
        fprintf(stderr, "airwritectl: keys generate takes no --db\n");
        return CTL_EXIT_USAGE;
    }
    int status = generate_key(o.key_dir, o.suite);
    if (status == 0)
        printf("reload the daemons (SIGHUP) before airwritectl keys rotate\n");
    return status;
}

/* ---- rotate -------------------------------------------------------------- */

typedef struct progress_state {
    const char *database;
} progress_state;

static void print_progress(void *arg, const key_ring_table *table, const key_ring_rotation *so_far)
{
    const progress_state *p = arg;
    printf("  %s %s: %lld re-encrypted, %lld changed meanwhile (chunk %lld)\n", p->database,
           table->table, (long long)so_far->rotated, (long long)so_far->conflicts,
           (long long)so_far->chunks);
    fflush(stdout);
}

/* Rotate the tables of one database; *stale receives what is left. */
static int rotate_database(const char *url, const key_ring *ring, const keys_options *o,
                           int64_t *stale)
{
    db_connection *db = NULL;
    const char *name = NULL;
    const key_ring_table *tables[MAX_TABLES];
    size_t count = 0;
    int status = open_database(url, &db, &name, tables, &count);
    size_t chunks_left = (size_t)o->max_chunks;
    for (size_t t = 0; status == 0 && t < count; t++) {
        key_ring_rotation stats = {0};
        progress_state p = {.database = name};
        aw_err err = key_ring_table_rotate(db, ring, tables[t], (size_t)o->chunk, chunks_left,
                                           db_clock_ms(), print_progress, &p, &stats);
        int64_t left = 0;
        if (err == AW_OK)
            err = key_ring_table_count_stale(db, ring, tables[t], &left);
        if (err != AW_OK) {
            fprintf(stderr, "airwritectl: keys rotate: %s %s: %s (%s)%s%s\n", name,
                    tables[t]->table, aw_err_message(err), aw_err_name(err),
                    db_last_error(db)[0] ? ": " : "", db_last_error(db));
            status = CTL_EXIT_USAGE;
            break;
        }
        printf("%s %s: %lld re-encrypted, %lld changed meanwhile, %lld under other keys\n",
               name, tables[t]->table, (long long)stats.rotated, (long long)stats.conflicts,
               (long long)left);
        *stale += left;
        if (o->max_chunks != 0) {
            if ((size_t)stats.chunks >= chunks_left)
                chunks_left = 0;
            else
                chunks_left -= (size_t)stats.chunks;
            if (chunks_left == 0) {
                /* the chunk limit: the rest waits for the next run */
                for (size_t r = t + 1; r < count; r++) {
                    int64_t rest = 0;
                    if (key_ring_table_count_stale(db, ring, tables[r], &rest) == AW_OK)
                        *stale += rest;
                }
                break;
            }
        }
    }
    db_close(db);
    return status;
}

int ctl_keys_rotate_command(int argc, char **argv)
{
    keys_options o;
    if (!parse(argc, argv, true, false, &o))
        return CTL_EXIT_USAGE;
    if (o.database_count == 0) {
        fprintf(stderr, "airwritectl: keys rotate: at least one --db URL\n");
        return CTL_EXIT_USAGE;
    }
    if (o.generate && generate_key(o.key_dir, o.suite) != 0)
        return CTL_EXIT_USAGE;
    key_ring *ring = NULL;
    int status = load_ring(o.key_dir, &ring);
    if (status != 0)
        return status;
    printf("re-encrypting under key %u (%zu keys in %s)\n", key_ring_current_id(ring),
           key_ring_count(ring), o.key_dir);
    int64_t stale = 0;
    for (size_t i = 0; status == 0 && i < o.database_count; i++)
        status = rotate_database(o.databases[i], ring, &o, &stale);
    if (status == 0 && stale == 0)
        printf("done: every sealed secret is under key %u; older key files may be removed\n",
               key_ring_current_id(ring));
    else if (status == 0)
        printf("%lld secrets still under older keys: run airwritectl keys rotate again\n",
               (long long)stale);
    key_ring_free(ring);
    return status;
}

/* ---- status -------------------------------------------------------------- */

static int status_database(const char *url, const key_ring *ring, int64_t *stale)
{
    db_connection *db = NULL;
    const char *name = NULL;
    const key_ring_table *tables[MAX_TABLES];
    size_t count = 0;
    int status = open_database(url, &db, &name, tables, &count);
    for (size_t t = 0; status == 0 && t < count; t++) {
        key_ring_id_count counts[MAX_KEY_IDS];
        size_t n = 0;
        aw_err err = key_ring_table_count_by_id(db, tables[t], counts, MAX_KEY_IDS, &n);
        if (err != AW_OK) {
            status = ctl_fail_local("keys status", tables[t]->table, err);
            break;
        }
        printf("%s %s:%s\n", name, tables[t]->table, n == 0 ? " no rows" : "");
        for (size_t i = 0; i < n; i++) {
            bool held = counts[i].key_id > 0 && counts[i].key_id <= (int64_t)KEY_RING_ID_MAX &&
                        key_ring_has_id(ring, (uint32_t)counts[i].key_id);
            bool current = counts[i].key_id == (int64_t)key_ring_current_id(ring);
            printf("  key %lld: %lld rows%s\n", (long long)counts[i].key_id,
                   (long long)counts[i].rows,
                   current ? " (current)" : held ? "" : " (NOT in the key ring)");
            if (!current)
                *stale += counts[i].rows;
        }
    }
    db_close(db);
    return status;
}

static int compare_ids(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int ctl_keys_status_command(int argc, char **argv)
{
    keys_options o;
    if (!parse(argc, argv, false, false, &o))
        return CTL_EXIT_USAGE;
    key_ring *ring = NULL;
    int status = load_ring(o.key_dir, &ring);
    if (status != 0)
        return status;
    /* ids in ascending order (the ring keeps them in directory order) */
    uint32_t ids[KEY_RING_MAX];
    size_t id_count = key_ring_count(ring);
    for (size_t i = 0; i < id_count; i++)
        ids[i] = key_ring_id_at(ring, i);
    qsort(ids, id_count, sizeof(ids[0]), compare_ids);
    printf("key ring %s: current key %u; keys", o.key_dir, key_ring_current_id(ring));
    for (size_t i = 0; i < id_count; i++)
        printf(" %u", ids[i]);
    printf("\n");
    /* each key's cipher: the key file's size names it (core/key_ring.h) */
    printf("ciphers:");
    for (size_t i = 0; i < id_count; i++)
        printf(" %u %s", ids[i],
               key_ring_key_suite(ring, ids[i]) == CRYPTO_SUITE_DOMESTIC ? "SM4-GCM"
                                                                        : "AES-256-GCM");
    printf("\n");
    int64_t stale = 0;
    for (size_t i = 0; status == 0 && i < o.database_count; i++)
        status = status_database(o.databases[i], ring, &stale);
    if (status == 0 && o.database_count > 0)
        printf("%lld rows under other keys than the current one\n", (long long)stale);
    key_ring_free(ring);
    return status;
}
