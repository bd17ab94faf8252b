/* airwrite-ipa: encrypted terminal information (issue 8, 终端信息加密上报;
 * ipa/terminal_info.h, docs/terminal-info.md): the --info-* options that
 * make poll report before each ESipa exchange, and "terminal-info", one
 * report for a given EID. The device's values come from the options (a
 * simulated device, or one whose module the IPA cannot ask). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "airwrite_ipa_terminal_info.h"
#include "core/file.h"

#define KEY_FILE_MAX (64u * 1024u)

static bool number(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}

static bool integer(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* Split "a,b,c[,d]" into at most max fields (in place). */
static size_t fields(char *text, char **out, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *f = strtok_r(text, ",", &save); f != NULL;
         f = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return max + 1;
        out[n++] = f;
    }
    return n;
}

/* --location LAT,LON,ACCURACY[,TIME]: a GNSS fix (TIME: Unix seconds; when
 * absent the time of each report). */
static bool location_option(const char *value, terminal_info_location *l)
{
    char copy[128], *f[4];
    double lat, lon, accuracy;
    unsigned long long when = 0;
    if (strlen(value) >= sizeof(copy))
        return false;
    memcpy(copy, value, strlen(value) + 1);
    size_t n = fields(copy, f, 4);
    if ((n != 3 && n != 4) || !number(f[0], -90, 90, &lat) || !number(f[1], -180, 180, &lon) ||
        !number(f[2], 0, 1e7, &accuracy) || (n == 4 && !integer(f[3], INT64_MAX, &when)))
        return false;
    *l = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_GNSS, .has_position = true,
                                  .latitude = lat, .longitude = lon, .accuracy_m = accuracy,
                                  .time = (int64_t)when};
    return true;
}

/* --cell MCC,MNC,TAC,CELLID (decimal) */
static bool cell_option(const char *value, terminal_info_location *l)
{
    char copy[128], *f[4];
    unsigned long long tac, cell;
    if (strlen(value) >= sizeof(copy))
        return false;
    memcpy(copy, value, strlen(value) + 1);
    if (fields(copy, f, 4) != 4 || strlen(f[0]) != 3 || strspn(f[0], "0123456789") != 3 ||
        strlen(f[1]) < 2 || strlen(f[1]) > 3 || strspn(f[1], "0123456789") != strlen(f[1]) ||
        !integer(f[2], 16777215, &tac) || !integer(f[3], 68719476735ull, &cell))
        return false;
    *l = (terminal_info_location){.kind = TERMINAL_INFO_LOCATION_CELL, .tac = (uint32_t)tac,
                                  .cell_id = cell};
    memcpy(l->mcc, f[0], 4);
    memcpy(l->mnc, f[1], strlen(f[1]) + 1);
    return true;
}

int terminal_info_options_parse(terminal_info_options *o, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--info-url",  "--info-ca",          "--info-cert",
                                        "--info-key",  "--info-platform-key", "--info-suite",
                                        "--info-key-id", "--imei",           "--module-firmware",
                                        "--rssi",      "--location",         "--cell",
                                        "--info-at",   NULL};
    size_t which = 0;
    while (names[which] != NULL && strcmp(names[which], argv[*i]) != 0)
        which++;
    if (names[which] == NULL)
        return 0;
    if (o->key_id == 0) {
        terminal_info_record_init(&o->configured, NULL, 0);
        o->key_id = 1;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "airwrite-ipa: %s wants a value\n", argv[*i]);
        return -1;
    }
    const char *v = argv[++*i];
    unsigned long long n = 0;
    bool ok = true;
    o->given = true;
    switch (which) {
    case 0: o->url = v; break;
    case 1: o->ca = v; break;
    case 2: o->cert = v; break;
    case 3: o->key = v; break;
    case 4: o->platform_key = v; break;
    case 5: o->suite = v; break;
    case 6:
        ok = integer(v, UINT32_MAX, &n) && n > 0;
        o->key_id = (unsigned long)n;
        break;
    case 7:
        ok = strlen(v) >= 14 && strlen(v) <= TERMINAL_INFO_IMEI_MAX &&
             strspn(v, "0123456789") == strlen(v);
        if (ok)
            memcpy(o->configured.imei, v, strlen(v) + 1);
        break;
    case 8:
        ok = strlen(v) >= 1 && strlen(v) <= TERMINAL_INFO_FIRMWARE_MAX;
        if (ok)
            memcpy(o->configured.firmware, v, strlen(v) + 1);
        break;
    case 9:
        ok = integer(v, 99, &n) && (n <= 31 || n == 99);
        o->configured.rssi = (int)n;
        break;
    case 10: ok = location_option(v, &o->configured.location); break;
    case 11: ok = cell_option(v, &o->configured.location); break;
    default: o->at = v; break;
    }
    if (!ok) {
        fprintf(stderr, "airwrite-ipa: %s %s: malformed (see --help)\n", names[which], v);
        return -1;
    }
    return 1;
}

static int64_t report_clock(void *userdata)
{
    (void)userdata;
    return (int64_t)time(NULL);
}

/* The library's hook, telling the operator what became of each report. */
static aw_err report_and_tell(void *userdata, const uint8_t eid[CRYPTO_ENVELOPE_EID_SIZE])
{
    ipa_terminal_info_reporter *reporter = userdata;
    aw_err err = ipa_terminal_info_poll_hook(reporter, eid);
    if (err == AW_OK)
        printf("terminal information taken\n");
    else if (err == AW_ERR_TERMINAL_INFO_REFUSED)
        fprintf(stderr, "airwrite-ipa: terminal information: the platform answered %d %s\n",
                reporter->last_status, reporter->last_code);
    else
        fprintf(stderr, "airwrite-ipa: terminal information: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
    fflush(stdout);
    return err;
}

int terminal_info_hook(terminal_info_options *o, terminal_info_loaded *loaded,
                       ipa_terminal_info_hook *hook)
{
    memset(loaded, 0, sizeof(*loaded));
    *hook = (ipa_terminal_info_hook){NULL, NULL};
    if (!o->given)
        return 0;
    crypto_suite suite = CRYPTO_SUITE_INTERNATIONAL;
    if (o->url == NULL || o->ca == NULL || o->cert == NULL || o->key == NULL ||
        o->platform_key == NULL || (o->suite != NULL && crypto_suite_parse(o->suite, &suite) != AW_OK)) {
        fprintf(stderr, "airwrite-ipa: terminal information needs --info-url, --info-ca, "
                        "--info-cert, --info-key and --info-platform-key (--info-suite "
                        "international or domestic)\n");
        return 1;
    }
    uint8_t *pem = NULL, *key = NULL;
    size_t pem_len = 0, key_len = 0;
    aw_err err = aw_file_read(o->platform_key, KEY_FILE_MAX, &pem, &pem_len);
    if (err == AW_OK)
        err = crypto_envelope_key_load_public_pem(suite, (const char *)pem, pem_len,
                                                  &loaded->platform_key);
    const char *what = o->platform_key;
    if (err == AW_OK && (err = aw_file_read(o->key, KEY_FILE_MAX, &key, &key_len)) == AW_OK)
        err = ipa_terminal_info_load_device_key((const char *)key, key_len, &loaded->device_key);
    if (err != AW_OK && loaded->platform_key != NULL)
        what = o->key;
    if (err == AW_OK && o->at != NULL) {
        char device[256];
        unsigned long baud = 115200;
        const char *comma = strchr(o->at, ',');
        size_t n = comma != NULL ? (size_t)(comma - o->at) : strlen(o->at);
        unsigned long long parsed = 0;
        if (n >= sizeof(device) || (comma != NULL && !integer(comma + 1, 4000000, &parsed)))
            err = AW_ERR_ARGUMENT;
        baud = comma != NULL ? (unsigned long)parsed : baud;
        if (err == AW_OK) {
            memcpy(device, o->at, n);
            device[n] = '\0';
            err = ipa_terminal_info_serial_open(device, (unsigned)baud, 0, &loaded->serial);
        }
        what = o->at;
    }
    if (key != NULL)
        OPENSSL_cleanse(key, key_len);
    free(key);
    free(pem);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: %s: %s (%s)\n", what, aw_err_message(err),
                aw_err_name(err));
        terminal_info_loaded_free(loaded);
        return 1;
    }
    loaded->reporter = (ipa_terminal_info_reporter){
        .source = {.configured = &o->configured,
                   .at_command = loaded->serial != NULL ? ipa_terminal_info_serial_command : NULL,
                   .userdata = loaded->serial},
        .platform_key = loaded->platform_key,
        .key_id = (uint32_t)o->key_id,
        .device_key = loaded->device_key,
        .target = {.url = o->url, .ca_file = o->ca, .certificate_file = o->cert,
                   .key_file = o->key},
        .clock = report_clock,
    };
    *hook = (ipa_terminal_info_hook){report_and_tell, &loaded->reporter};
    return 0;
}

void terminal_info_loaded_free(terminal_info_loaded *loaded)
{
    crypto_envelope_key_free(loaded->platform_key);
    crypto_suite_key_free(loaded->device_key);
    ipa_terminal_info_serial_close(loaded->serial);
    memset(loaded, 0, sizeof(*loaded));
}

static void terminal_info_usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-ipa terminal-info --eid EID --info-url URL --info-ca CA.pem\n"
            "           --info-cert CERT.pem --info-key KEY.pem --info-platform-key PUB.pem\n"
            "           [--info-suite international|domestic] [--info-key-id N]\n"
            "           [--imei DIGITS] [--module-firmware TEXT] [--rssi N]\n"
            "           [--location LAT,LON,ACCURACY[,TIME] | --cell MCC,MNC,TAC,CELLID]\n"
            "           [--info-at DEVICE[,BAUD]]\n"
            "\n"
            "Seals the device's terminal information (IMEI, module firmware, signal,\n"
            "location) to the platform's public key PUB.pem (ECIES on P-256, or SM2 with\n"
            "--info-suite domestic; key id N, default 1), signs it with KEY.pem and POSTs it\n"
            "to URL (https://HOST:PORT/terminal/v1/info) with the device certificate\n"
            "CERT.pem (subject serialNumber = EID). With --info-at the module's AT port is\n"
            "asked (AT+CGSN, +CGMR, +CSQ, +CESQ, +QGPSLOC=2, +CEREG?, +COPS?) over the\n"
            "values given. The same --info-* options make\n"
            "'poll' report before each ESipa exchange. Exit status: 0 taken, 1 failure or\n"
            "refused (status and T32xx code printed), 2 usage.\n");
}

int terminal_info_main(int argc, char **argv)
{
    terminal_info_options o = {0};
    const char *eid = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            terminal_info_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--eid") == 0 && i + 1 < argc) {
            eid = argv[++i];
            continue;
        }
        int taken = terminal_info_options_parse(&o, argc, argv, &i);
        if (taken <= 0) {
            if (taken == 0)
                terminal_info_usage(stderr);
            return 2;
        }
    }
    if (eid == NULL || !o.given) {
        terminal_info_usage(stderr);
        return 2;
    }
    terminal_info_loaded loaded;
    ipa_terminal_info_hook hook;
    if (terminal_info_hook(&o, &loaded, &hook) != 0)
        return 1;
    aw_err err = ipa_terminal_info_report(&loaded.reporter, eid);
    int status = 0;
    if (err == AW_ERR_TERMINAL_INFO_REFUSED) {
        fprintf(stderr, "airwrite-ipa: the platform answered %d %s\n", loaded.reporter.last_status,
                loaded.reporter.last_code);
        status = 1;
    } else if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: terminal information: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
        status = 1;
    }
    terminal_info_loaded_free(&loaded);
    return status;
}
