/* airwrite-eim: the SGP.32 eIM daemon and its administration (eim.h):
 * serve ESipa over HTTPS (SGP.32 6.1, 6.3), register eUICCs in bulk, queue
 * signed eUICC Packages (PSMOs and eCOs, 2.11.1) and show their results. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/file.h"
#include "core/hex.h"
#include "eim/eim.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrite-eim serve --pki DIR --db URL [--address IP] [--port N] [--smdp-ca FILE]\n"
            "                          [--route ADDRESS=URL]...\n"
            "       airwrite-eim register --db URL --eim-id ID [--signing-key REF] [--pki DIR] FILE\n"
            "       airwrite-eim queue --db URL --pki DIR EID OPERATION [ARG] [OPERATION [ARG]]...\n"
            "       airwrite-eim results --db URL EID\n"
            "       airwrite-eim set-version --db URL EID 1.0|1.1|1.2\n"
            "       airwrite-eim push --db URL --pki DIR --url https://HOST[:PORT] EID\n"
            "       airwrite-eim notifications --db URL [dead|pending|forwarded]\n"
            "       airwrite-eim notification-replay --db URL ID\n"
            "\n"
            "serve     ESipa (GetEimPackage, ProvideEimPackageResult) on https://IP:N/gsma/rsp2/asn1\n"
            "          and /gsma/rsp2/esipa/..., with dptls.pem; results verified against the CI\n"
            "          of DIR/ci.pem; the download functions relayed to the SM-DP+ over ES9+\n"
            "          (https://<smdpAddress>, its TLS certificate verified with --smdp-ca FILE,\n"
            "          default DIR/ci.pem), notifications forwarded once; --route sends\n"
            "          the calls for SM-DP+ ADDRESS to an https:// base URL instead (e.g. a\n"
            "          lab SM-DP+ on another port); repeat for several\n"
            "register  register the eUICCs of FILE (CSV with a header, or JSON {\"euiccs\": [...]}\n"
            "          when FILE ends in .json): eid, eim_id, counter_value, association_token,\n"
            "          signing_key, euicc_certificate, eum_certificate (base64 DER); all or\n"
            "          nothing; with --pki the certificate chains are checked against ci.pem\n"
            "queue     sign one eUICC Package with DIR/eim.key.pem (key reference \"eim\") and\n"
            "          queue it for EID. Operations (all PSMOs or all eCOs):\n"
            "            enable ICCID | enable-rollback ICCID | disable ICCID | delete ICCID\n"
            "            list-profiles | get-rat | set-fallback ICCID | unset-fallback\n"
            "            set-default-dp-address ADDRESS ('' removes it)\n"
            "            configure-immediate-enable on|off [--smdp ADDRESS]\n"
            "            list-eim | delete-eim EIMID\n"
            "          or, alone, an IpaEuiccDataRequest: euicc-data [TAGLIST hex, default A2A5A6]\n"
            "          or a Profile Download Trigger: download ACTIVATION-CODE |\n"
            "            download-default-smdp | download-smds [SM-DS ADDRESS]\n"
            "results   list EID's packages: counterValue, state, seqNumber or error code\n"
            "set-version  record the SGP.32 version EID implements (default 1.2); the v1.0\n"
            "          forms of docs/sgp32-versions.md are taken only from a v1.0 eUICC\n"
            "push      send EID's next package to its IPA (ESipa.TransferEimPackage, SGP.32\n"
            "          6.3.2.8) at URL over mutual TLS (DIR/dptls.pem and dptls.key.pem as the\n"
            "          eIM's identity, the IPA's certificate verified with DIR/ci.pem); the\n"
            "          answer verified and recorded as ProvideEimPackageResult's, the\n"
            "          acknowledgements pushed back\n"
            "notifications  list the notifications held for forwarding to their receivers\n"
            "          (SGP.32 6.3.2.4) in that state (default dead: attempts used up): id,\n"
            "          eUICC, seqNumber, notificationAddress, attempts, last error\n"
            "notification-replay  give dead notification ID to the forwarder again\n"
            "\n"
            "Exit status: 0 on success, 1 on error, 2 on usage.\n");
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-eim: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
    return 1;
}

#define EIM_CLI_ROUTES_MAX 32

typedef struct options {
    const char *pki, *db, *address, *eim_id, *signing_key, *smdp_ca, *url;
    /* --route ADDRESS=URL: parts point into route_text */
    eim_smdp_route routes[EIM_CLI_ROUTES_MAX];
    char route_text[EIM_CLI_ROUTES_MAX][512];
    size_t route_count;
    long port;
    char **args;
    int arg_count;
} options;

/* --route ADDRESS=URL: an SM-DP+ address (no '=') and an https:// base URL. */
static bool parse_route(const char *text, options *o)
{
    if (o->route_count == EIM_CLI_ROUTES_MAX || strlen(text) >= sizeof(o->route_text[0]))
        return false;
    char *copy = o->route_text[o->route_count];
    strcpy(copy, text);
    char *url = strchr(copy, '=');
    if (url == NULL || url == copy || strncmp(url + 1, "https://", 8) != 0 || url[9] == '\0')
        return false;
    *url++ = '\0';
    o->routes[o->route_count++] = (eim_smdp_route){.smdp_address = copy, .base_url = url};
    return true;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option table[] = {
        {"pki", required_argument, NULL, 'p'},     {"db", required_argument, NULL, 'd'},
        {"address", required_argument, NULL, 'a'}, {"port", required_argument, NULL, 'P'},
        {"eim-id", required_argument, NULL, 'e'},  {"signing-key", required_argument, NULL, 'k'},
        {"smdp-ca", required_argument, NULL, 'c'}, {"route", required_argument, NULL, 'r'},
        {"url", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    int c;
    optind = 1;
    /* '+': stop at the first operand so "--smdp" of an operation stays an operand */
    while ((c = getopt_long(argc, argv, "+", table, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'p': o->pki = optarg; break;
        case 'd': o->db = optarg; break;
        case 'a': o->address = optarg; break;
        case 'e': o->eim_id = optarg; break;
        case 'k': o->signing_key = optarg; break;
        case 'c': o->smdp_ca = optarg; break;
        case 'u': o->url = optarg; break;
        case 'r':
            if (!parse_route(optarg, o))
                return 2;
            break;
        case 'P':
            errno = 0;
            o->port = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || o->port < 0 || o->port > 65535)
                return 2;
            break;
        default:
            return 2;
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
    if (o->pki == NULL || o->db == NULL || o->arg_count != 0)
        return 2;
    int status = 1;
    eim_server *server = NULL;
    struct event *term = NULL, *interrupt = NULL;
    struct event_base *base = event_base_new();
    if (base == NULL)
        return fail("event loop", AW_ERR_NOMEM);
    eim_config config = {.pki_directory = o->pki, .database_url = o->db, .address = o->address,
                         .port = (uint16_t)o->port, .smdp_ca_file = o->smdp_ca,
                         .smdp_routes = o->route_count != 0 ? o->routes : NULL,
                         .smdp_route_count = o->route_count};
    aw_err err = eim_server_new(base, &config, &server);
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
    fprintf(stderr, "airwrite-eim: listening on %s port %u\n",
            o->address != NULL ? o->address : "127.0.0.1", (unsigned)eim_server_port(server));
    if (event_base_dispatch(base) < 0) {
        fail("event loop", AW_ERR_STATE);
        goto cleanup;
    }
    fprintf(stderr, "airwrite-eim: stopped\n");
    status = 0;
cleanup:
    eim_server_stop(server);
    if (term != NULL)
        event_free(term);
    if (interrupt != NULL)
        event_free(interrupt);
    eim_server_free(server);
    event_base_free(base);
    return status;
}

static int open_db(const char *url, db_connection **db)
{
    aw_err err = db_open(url, NULL, db);
    if (err == AW_OK)
        err = eim_migrate(*db);
    if (err != AW_OK) {
        db_close(*db);
        *db = NULL;
        return fail("database", err);
    }
    return 0;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static aw_err load_trust(const char *directory, pki_trust_store **out)
{
    char path[4096];
    uint8_t *pem = NULL;
    size_t len = 0;
    pki_certificate *ci = NULL;
    *out = NULL;
    if (snprintf(path, sizeof(path), "%s/ci.pem", directory) >= (int)sizeof(path))
        return AW_ERR_ARGUMENT;
    aw_err err = aw_file_read(path, 64 * 1024, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, &ci);
    if (err == AW_OK)
        err = pki_trust_store_new(out);
    if (err == AW_OK)
        err = pki_trust_store_add_ci(*out, ci);
    pki_certificate_free(ci);
    free(pem);
    return err;
}

static int command_register(const options *o)
{
    if (o->db == NULL || o->eim_id == NULL || o->arg_count != 1)
        return 2;
    const char *file = o->args[0];
    uint8_t *data = NULL;
    size_t len = 0, line = 0;
    eim_batch *batch = NULL;
    pki_trust_store *trust = NULL;
    db_connection *db = NULL;
    eim_registry_defaults defaults = {.eim_id = o->eim_id, .signing_key = o->signing_key};
    aw_err err = aw_file_read(file, EIM_BATCH_MAX_BYTES, &data, &len);
    if (err == AW_OK)
        err = ends_with(file, ".json") ? eim_registry_parse_json(data, len, &defaults, &batch, &line)
                                       : eim_registry_parse_csv(data, len, &defaults, &batch, &line);
    if (err == AW_OK && o->pki != NULL)
        err = load_trust(o->pki, &trust);
    int status = err == AW_OK ? open_db(o->db, &db) : 1;
    if (err == AW_OK && status == 0)
        err = eim_registry_import(db, batch, trust, db_clock_ms(), &line);
    if (err != AW_OK) {
        if (line > 0)
            fprintf(stderr, "airwrite-eim: %s: record %zu\n", file, line);
        status = fail("register", err);
    } else if (status == 0) {
        printf("registered %zu eUICCs\n", batch->count);
    }
    db_close(db);
    pki_trust_store_free(trust);
    eim_batch_free(batch);
    free(data);
    return status;
}

/* Operations from the command line into ops (at most EIM_MAX_OPERATIONS). */
static int parse_operations(char **args, int count, eim_operation *ops, size_t *op_count)
{
    *op_count = 0;
    for (int i = 0; i < count;) {
        if (*op_count >= EIM_MAX_OPERATIONS)
            return 2;
        eim_operation *op = &ops[(*op_count)++];
        memset(op, 0, sizeof(*op));
        const char *name = args[i++];
        if (strcmp(name, "enable-rollback") == 0) {
            op->kind = EIM_OPERATION_ENABLE;
            op->rollback = true;
        } else {
            op->kind = eim_operation_kind_from_name(name);
        }
        switch (op->kind) {
        case EIM_OPERATION_ENABLE:
        case EIM_OPERATION_DISABLE:
        case EIM_OPERATION_DELETE:
        case EIM_OPERATION_SET_FALLBACK_ATTRIBUTE:
            if (i >= count)
                return 2;
            op->iccid = args[i++];
            break;
        case EIM_OPERATION_SET_DEFAULT_DP_ADDRESS:
            if (i >= count)
                return 2;
            op->address = args[i++];
            break;
        case EIM_OPERATION_DELETE_EIM:
            if (i >= count)
                return 2;
            op->eim_id = args[i++];
            break;
        case EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE:
            if (i >= count || (strcmp(args[i], "on") != 0 && strcmp(args[i], "off") != 0))
                return 2;
            op->immediate_enable = strcmp(args[i++], "on") == 0;
            if (i + 1 < count && strcmp(args[i], "--smdp") == 0) {
                op->address = args[i + 1];
                i += 2;
            }
            break;
        case EIM_OPERATION_LIST_PROFILE_INFO:
        case EIM_OPERATION_GET_RAT:
        case EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE:
        case EIM_OPERATION_LIST_EIM:
            break;
        default:
            return 2; /* addEim/updateEim need an EimConfigurationData: not from here */
        }
    }
    return *op_count > 0 ? 0 : 2;
}

/* queue EID euicc-data [TAGLIST]: an IpaEuiccDataRequest (SGP.32 2.11.2). */
static int command_queue_euicc_data(const options *o)
{
    uint8_t tags[16];
    size_t tags_len = strlen(EIM_EUICC_DATA_DEFAULT_TAGS);
    db_connection *db = NULL;
    int64_t id = 0;
    memcpy(tags, EIM_EUICC_DATA_DEFAULT_TAGS, tags_len);
    if (o->db == NULL || o->arg_count > 3 ||
        (o->arg_count == 3 && aw_hex_decode(o->args[2], tags, sizeof(tags), &tags_len) != AW_OK))
        return 2;
    int status = open_db(o->db, &db);
    if (status == 0) {
        aw_err err = eim_package_enqueue_euicc_data(db, o->args[0], tags, tags_len,
                                                    db_clock_ms(), &id);
        if (err == AW_OK)
            printf("queued package %lld for %s: IPA eUICC data\n", (long long)id, o->args[0]);
        else
            status = fail("queue", err);
    }
    db_close(db);
    return status;
}

/* queue EID download AC | download-default-smdp | download-smds [ADDRESS]:
 * a ProfileDownloadTriggerRequest (SGP.32 2.11.3). */
static int command_queue_download(const options *o)
{
    eim_download_trigger trigger;
    db_connection *db = NULL;
    int64_t id = 0;
    memset(&trigger, 0, sizeof(trigger));
    const char *what = o->args[1];
    if (strcmp(what, "download") == 0 && o->arg_count == 3) {
        trigger.kind = EIM_DOWNLOAD_ACTIVATION_CODE;
        trigger.activation_code = o->args[2];
    } else if (strcmp(what, "download-default-smdp") == 0 && o->arg_count == 2) {
        trigger.kind = EIM_DOWNLOAD_DEFAULT_SMDP;
    } else if (strcmp(what, "download-smds") == 0 && o->arg_count <= 3) {
        trigger.kind = EIM_DOWNLOAD_SMDS;
        trigger.smds_address = o->arg_count == 3 ? o->args[2] : NULL;
    } else {
        return 2;
    }
    if (o->db == NULL)
        return 2;
    int status = open_db(o->db, &db);
    if (status == 0) {
        aw_err err = eim_package_enqueue_download_trigger(db, o->args[0], &trigger,
                                                          db_clock_ms(), &id);
        if (err == AW_OK)
            printf("queued package %lld for %s: download trigger\n", (long long)id, o->args[0]);
        else
            status = fail("queue", err);
    }
    db_close(db);
    return status;
}

static int command_queue(const options *o)
{
    eim_operation ops[EIM_MAX_OPERATIONS];
    size_t op_count = 0;
    char key_path[4096];
    if (o->arg_count >= 2 && strcmp(o->args[1], "euicc-data") == 0)
        return command_queue_euicc_data(o);
    if (o->arg_count >= 2 && strncmp(o->args[1], "download", 8) == 0)
        return command_queue_download(o);
    if (o->db == NULL || o->pki == NULL || o->arg_count < 2 ||
        parse_operations(o->args + 1, o->arg_count - 1, ops, &op_count) != 0 ||
        snprintf(key_path, sizeof(key_path), "%s/eim.key.pem", o->pki) >= (int)sizeof(key_path))
        return 2;
    eim_key_ring *keys = NULL;
    db_connection *db = NULL;
    int64_t id = 0, counter = 0;
    aw_err err = eim_key_ring_new(&keys);
    if (err == AW_OK)
        err = eim_key_ring_add_file(keys, "eim", key_path);
    int status = err == AW_OK ? open_db(o->db, &db) : fail("signing key", err);
    if (status == 0) {
        err = eim_package_enqueue(db, keys, o->args[0], ops, op_count, db_clock_ms(), &id,
                                  &counter);
        if (err == AW_OK)
            printf("queued package %lld for %s with counterValue %lld\n", (long long)id,
                   o->args[0], (long long)counter);
        else
            status = fail("queue", err);
    }
    db_close(db);
    eim_key_ring_free(keys);
    return status;
}

static int command_results(const options *o)
{
    if (o->db == NULL || o->arg_count != 1)
        return 2;
    db_connection *db = NULL;
    eim_package_record *records = NULL;
    size_t count = 0;
    eim_euicc euicc;
    int status = open_db(o->db, &db);
    if (status != 0)
        return status;
    aw_err err = eim_registry_get(db, o->args[0], &euicc);
    if (err == AW_OK)
        err = eim_package_list(db, o->args[0], &records, &count);
    if (err != AW_OK) {
        db_close(db);
        return fail("results", err);
    }
    printf("eUICC %s eimId %s counterValue %lld last contact %lld SGP.32 v%d.%d\n", euicc.eid,
           euicc.eim_id, (long long)euicc.counter_value, (long long)euicc.last_contact_ms,
           (int)euicc.sgp32_version / 100, (int)euicc.sgp32_version % 100);
    for (size_t i = 0; i < count; i++) {
        const eim_package_record *r = &records[i];
        if (r->kind == EIM_PACKAGE_KIND_EUICC_DATA)
            printf("package %lld IPA eUICC data %s", (long long)r->package_id,
                   eim_package_state_name(r->state));
        else if (r->kind == EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER)
            printf("package %lld download trigger %s", (long long)r->package_id,
                   eim_package_state_name(r->state));
        else
            printf("package %lld counterValue %lld %s", (long long)r->package_id,
                   (long long)r->counter_value, eim_package_state_name(r->state));
        if (r->state == EIM_PACKAGE_DONE && r->kind == EIM_PACKAGE_KIND_EUICC_PACKAGE)
            printf(" seqNumber %lld", (long long)r->seq_number);
        else if (r->state == EIM_PACKAGE_FAILED)
            printf(" error code %lld", (long long)r->error_code);
        if (r->result != NULL) {
            char *hex = malloc(2 * r->result_len + 1);
            if (hex != NULL) {
                aw_hex_encode(r->result, r->result_len, hex, true);
                printf(" result %s", hex);
                free(hex);
            }
        }
        printf("\n");
    }
    eim_package_records_free(records, count);
    eim_euicc_clear(&euicc);
    db_close(db);
    return 0;
}

/* The operator's record of EID's SGP.32 version (docs/sgp32-versions.md):
 * no message can change it. */
static int command_set_version(const options *o)
{
    eim_sgp32_version version;
    if (o->db == NULL || o->arg_count != 2 ||
        eim_sgp32_version_parse(o->args[1], &version) != AW_OK)
        return 2;
    db_connection *db = NULL;
    int status = open_db(o->db, &db);
    if (status != 0)
        return status;
    aw_err err = eim_registry_set_sgp32_version(db, o->args[0], version);
    db_close(db);
    if (err != AW_OK)
        return fail("set-version", err);
    printf("eUICC %s registered as SGP.32 v%s\n", o->args[0], o->args[1]);
    return 0;
}

/* SGP.32 6.3.2.8: push EID's next package to its IPA (eim_package_push). */
static int command_push(const options *o)
{
    if (o->db == NULL || o->pki == NULL || o->url == NULL || o->arg_count != 1)
        return 2;
    static const char *const answers[] = {"?", "euiccPackageResult", "ePRAndNotifications",
                                          "ipaEuiccDataResponse", "eimPackageReceived",
                                          "eimPackageReceivedWithCid", "eimPackageError",
                                          "eimPackageErrorWithCid"};
    char ca[4096], cert[4096], key[4096];
    if (snprintf(ca, sizeof(ca), "%s/ci.pem", o->pki) >= (int)sizeof(ca) ||
        snprintf(cert, sizeof(cert), "%s/dptls.pem", o->pki) >= (int)sizeof(cert) ||
        snprintf(key, sizeof(key), "%s/dptls.key.pem", o->pki) >= (int)sizeof(key))
        return 2;
    pki_trust_store *trust = NULL;
    eim_pusher *pusher = NULL;
    db_connection *db = NULL;
    eim_push_config config = {.ca_file = ca, .certificate_file = cert, .key_file = key};
    aw_err err = load_trust(o->pki, &trust);
    if (err == AW_OK)
        err = eim_pusher_new(&config, &pusher);
    int status = err == AW_OK ? open_db(o->db, &db) : fail("push", err);
    if (status == 0) {
        eim_context context = {.db = db, .trust = trust};
        eim_push_info info;
        err = eim_package_push(pusher, &context, NULL, o->args[0], o->url, db_clock_ms(), &info);
        if (err == AW_ERR_NOT_FOUND) {
            printf("nothing queued for %s\n", o->args[0]);
        } else if (err != AW_OK) {
            const char *detail = eim_pusher_last_error(pusher);
            if (detail[0] != '\0')
                fprintf(stderr, "airwrite-eim: %s: %s\n", o->url, detail);
            status = fail("push", err);
        } else {
            unsigned a = (unsigned)info.answer < 8 ? (unsigned)info.answer : 0;
            printf("package %lld: %s", (long long)info.package_id, answers[a]);
            if (info.eim_package_error != 0)
                printf(" %lld", (long long)info.eim_package_error);
            if (info.pending)
                printf(", result to come by ProvideEimPackageResult");
            else if (info.verdict == AW_OK)
                printf(", recorded");
            else
                printf(", refused: %s (%s)", aw_err_message(info.verdict),
                       aw_err_name(info.verdict));
            if (info.acknowledged > 0)
                printf(", %zu acknowledged%s", info.acknowledged,
                       info.acknowledgement_error == AW_OK ? "" : " (not delivered)");
            printf("\n");
            status = info.verdict == AW_OK ? 0 : 1;
        }
    }
    db_close(db);
    eim_pusher_free(pusher);
    pki_trust_store_free(trust);
    return status;
}

/* The held notifications in one state (eim_notification_list), all pages. */
static int command_notifications(const options *o)
{
    eim_notification_status status = EIM_NOTIFICATION_DEAD;
    if (o->db == NULL || o->arg_count > 1)
        return 2;
    if (o->arg_count == 1) {
        if (strcmp(o->args[0], "pending") == 0)
            status = EIM_NOTIFICATION_PENDING;
        else if (strcmp(o->args[0], "forwarded") == 0)
            status = EIM_NOTIFICATION_FORWARDED;
        else if (strcmp(o->args[0], "dead") != 0)
            return 2;
    }
    db_connection *db = NULL;
    int status_code = open_db(o->db, &db);
    if (status_code != 0)
        return status_code;
    int64_t after = 0;
    size_t count = 0, total = 0;
    aw_err err;
    do {
        eim_notification_record *records = NULL;
        err = eim_notification_list(db, status, after, EIM_NOTIFICATION_LIST_MAX, &records,
                                    &count);
        for (size_t i = 0; err == AW_OK && i < count; i++) {
            const eim_notification_record *r = &records[i];
            printf("notification %lld %s eUICC %s seqNumber %lld to %s attempts %lld",
                   (long long)r->id, eim_notification_status_name(r->status), r->identity,
                   (long long)r->seq_number, r->address, (long long)r->attempts);
            if (r->last_error != 0)
                printf(" last error %s", aw_err_name((aw_err)r->last_error));
            printf("\n");
            after = r->id;
        }
        total += count;
        free(records);
    } while (err == AW_OK && count == EIM_NOTIFICATION_LIST_MAX);
    db_close(db);
    if (err != AW_OK)
        return fail("notifications", err);
    printf("%zu %s\n", total, eim_notification_status_name(status));
    return 0;
}

/* A dead notification back to the forwarder (eim_notification_replay). */
static int command_notification_replay(const options *o)
{
    char *end = NULL;
    if (o->db == NULL || o->arg_count != 1)
        return 2;
    errno = 0;
    long long id = strtoll(o->args[0], &end, 10);
    if (errno != 0 || *end != '\0' || id <= 0)
        return 2;
    db_connection *db = NULL;
    int status = open_db(o->db, &db);
    if (status != 0)
        return status;
    aw_err err = eim_notification_replay(db, id, db_clock_ms());
    db_close(db);
    if (err != AW_OK)
        return fail("notification-replay", err);
    printf("notification %lld queued again\n", id);
    return 0;
}

int main(int argc, char **argv)
{
    /* a peer closing its TLS connection must not kill the daemon */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    options o;
    int status = parse_options(argc - 1, argv + 1, &o);
    if (status == 0) {
        if (strcmp(command, "serve") == 0)
            status = command_serve(&o);
        else if (strcmp(command, "register") == 0)
            status = command_register(&o);
        else if (strcmp(command, "queue") == 0)
            status = command_queue(&o);
        else if (strcmp(command, "results") == 0)
            status = command_results(&o);
        else if (strcmp(command, "set-version") == 0)
            status = command_set_version(&o);
        else if (strcmp(command, "push") == 0)
            status = command_push(&o);
        else if (strcmp(command, "notifications") == 0)
            status = command_notifications(&o);
        else if (strcmp(command, "notification-replay") == 0)
            status = command_notification_replay(&o);
        else
            status = 2;
    }
    if (status == 2)
        usage(stderr);
    return status;
}
