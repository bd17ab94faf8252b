/* airwrite-smdp: the SM-DP+ daemon (SGP.22 ES9+ 5.6 over HTTPS 6.5, see
 * src/smdp/smdp.h) and its administration commands on the inventory:
 * profile types and subscriber import (src/smdp/inventory.h, import.h) and
 * ES2+ orders (5.3.1 DownloadOrder, 5.3.2 ConfirmOrder) run directly on the
 * database. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core/db.h"
#include "core/file.h"
#include "smdp/es2p.h"
#include "smdp/import.h"
#include "smdp/inventory.h"
#include "smdp/smdp.h"

#define SMDP_CLI_MAX_INPUT (16u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrite-smdp serve --pki DIR --db URL --keys FILE [--address IP]\n"
            "                          [--port N] [--smdp-address FQDN]\n"
            "       airwrite-smdp import-type --db URL NAME TEMPLATE.der\n"
            "                          [--provider TEXT] [--profile-name TEXT]\n"
            "                          [--class test|provisioning|operational]\n"
            "       airwrite-smdp import --db URL --keys FILE [--type NAME] FILE.csv|FILE.json\n"
            "       airwrite-smdp order --db URL (--iccid DIGITS | --type NAME) [--eid DIGITS]\n"
            "                          [--matching-id ID] [--cc CODE] [--release]\n"
            "\n"
            "serve        run the ES9+ HTTPS endpoint (dptls.pem, dpauth.pem, dppb.pem and\n"
            "             their keys, ci.pem in DIR as airwrite-pki init writes them) until\n"
            "             SIGTERM or SIGINT\n"
            "import-type  store an unprotected profile package as a profile type template\n"
            "import       add the subscribers of a CSV (--type needed) or JSON batch; the\n"
            "             storage key FILE (32 bytes, 0600) is created when absent\n"
            "order        ES2+ DownloadOrder and ConfirmOrder; without --matching-id one is\n"
            "             generated; --release makes the order downloadable at once\n"
            "\n"
            "Exit status: 0 on success, 1 on error, 2 on usage.\n");
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-smdp: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
    return 1;
}

typedef struct options {
    const char *pki, *db, *keys, *address, *smdp_address, *type, *iccid, *eid, *matching_id,
        *cc, *provider, *profile_name, *class_name;
    unsigned long port;
    bool release;
    char **args;
    int arg_count;
} options;

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
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        switch (c) {
        case 'k': o->pki = optarg; break;
        case 'd': o->db = optarg; break;
        case 'K': o->keys = optarg; break;
        case 'a': o->address = optarg; break;
        case 'p':
            o->port = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || o->port > 65535)
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

static int command_serve(const options *o)
{
    if (o->pki == NULL || o->db == NULL || o->keys == NULL || o->arg_count != 0)
        return 2;
    int status = 1;
    smdp_server *server = NULL;
    struct event *term = NULL, *interrupt = NULL;
    struct event_base *base = event_base_new();
    if (base == NULL)
        return fail("event loop", AW_ERR_NOMEM);
    smdp_config config = {.pki_directory = o->pki, .database_url = o->db,
                          .key_ring_file = o->keys, .address = o->address,
                          .port = (uint16_t)o->port, .smdp_address = o->smdp_address};
    aw_err err = smdp_server_new(base, &config, &server);
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
    fprintf(stderr, "airwrite-smdp: listening on %s port %u\n",
            o->address != NULL ? o->address : "127.0.0.1", (unsigned)smdp_server_port(server));
    if (event_base_dispatch(base) < 0) {
        fail("event loop", AW_ERR_STATE);
        goto cleanup;
    }
    fprintf(stderr, "airwrite-smdp: stopped\n");
    status = 0;
cleanup:
    smdp_server_stop(server);
    if (term != NULL)
        event_free(term);
    if (interrupt != NULL)
        event_free(interrupt);
    smdp_server_free(server);
    event_base_free(base);
    return status;
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
    err = smdp_key_ring_new(&ring);
    if (err == AW_OK)
        err = smdp_key_ring_add_file(ring, 1, o->keys, true);
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
