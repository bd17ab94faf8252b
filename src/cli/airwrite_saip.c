/* airwrite-saip: build, inspect and personalise SAIP profile packages (TCA
 * eUICC Profile Package: Interoperable Format Technical Specification,
 * PE_Definitions 3.3.1) with the core SAIP library (src/core/saip.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/file.h"
#include "core/hex.h"
#include "core/saip.h"

#define MAX_PACKAGE (16u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: airwrite-saip build --iccid DIGITS --imsi DIGITS --ki HEX --opc HEX\n"
            "                          --puk1 DIGITS --puk2 DIGITS --adm1 DIGITS|HEX16\n"
            "                          [--algorithm milenage|tuak|test] [--algorithm-options HEX2]\n"
            "                          [--pin1 DIGITS] [--pin2 DIGITS] [--msisdn [+]DIGITS]\n"
            "                          [--spn NAME] [--mnc-length 2|3] [--profile-type TEXT]\n"
            "                          -o FILE\n"
            "       airwrite-saip show FILE\n"
            "       airwrite-saip personalise IN OUT [--iccid DIGITS] [--imsi DIGITS]\n"
            "                          [--msisdn [+]DIGITS] [--ki HEX] [--opc HEX]\n"
            "                          [--algorithm milenage|tuak|test]\n"
            "\n"
            "build        write a USIM profile package (header, mf, PIN/PUK codes, telecom,\n"
            "             usim, opt-usim when --msisdn is given, akaParameter, end)\n"
            "show         list the profile elements and the personalisation fields;\n"
            "             Ki and OPc are shown masked\n"
            "personalise  set fields of an existing package; every other byte is kept\n"
            "\n"
            "PIN1/PIN2 default to 0000. Exit status: 0 on success, 1 on error, 2 on usage.\n");
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-saip: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
    return 1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    uint8_t *buf;
    aw_err err = aw_file_read(path, MAX_PACKAGE, &buf, len);
    if (err != AW_OK) {
        fail(path, err);
        return NULL;
    }
    return buf;
}

/* Packages carry Ki/OPc and PINs: written owner-only, atomically. */
static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    aw_err err = aw_file_write_atomic(path, buf, len, 0600);
    return err == AW_OK ? 0 : fail(path, err);
}

static int parse_algorithm(const char *s, saip_algorithm *out)
{
    if (strcmp(s, "milenage") == 0)
        *out = SAIP_ALGORITHM_MILENAGE;
    else if (strcmp(s, "tuak") == 0)
        *out = SAIP_ALGORITHM_TUAK;
    else if (strcmp(s, "test") == 0)
        *out = SAIP_ALGORITHM_TEST;
    else {
        fprintf(stderr, "airwrite-saip: unknown algorithm '%s' (milenage, tuak, test)\n", s);
        return 1;
    }
    return 0;
}

static int parse_key(const char *what, const char *hex, uint8_t *out, size_t *len)
{
    if (aw_hex_decode(hex, out, SAIP_AKA_KEY_MAX, len) != AW_OK) {
        fprintf(stderr, "airwrite-saip: --%s must be hex, at most %d bytes\n", what, SAIP_AKA_KEY_MAX);
        return 1;
    }
    return 0;
}

static const char *algorithm_name(saip_algorithm a)
{
    switch (a) {
    case SAIP_ALGORITHM_MILENAGE:
        return "milenage";
    case SAIP_ALGORITHM_TUAK:
        return "tuak";
    case SAIP_ALGORITHM_TEST:
        return "usim-test-algorithm";
    default:
        return "unknown";
    }
}

enum option_id {
    OPT_ICCID = 1, OPT_IMSI, OPT_KI, OPT_OPC, OPT_ALGORITHM, OPT_ALGORITHM_OPTIONS, OPT_MSISDN,
    OPT_PIN1, OPT_PIN2, OPT_PUK1, OPT_PUK2, OPT_ADM1, OPT_SPN, OPT_MNC_LENGTH, OPT_PROFILE_TYPE,
    OPT_OUTPUT, OPT_HELP,
};

static const struct option long_options[] = {
    {"iccid", required_argument, NULL, OPT_ICCID},
    {"imsi", required_argument, NULL, OPT_IMSI},
    {"ki", required_argument, NULL, OPT_KI},
    {"opc", required_argument, NULL, OPT_OPC},
    {"algorithm", required_argument, NULL, OPT_ALGORITHM},
    {"algorithm-options", required_argument, NULL, OPT_ALGORITHM_OPTIONS},
    {"msisdn", required_argument, NULL, OPT_MSISDN},
    {"pin1", required_argument, NULL, OPT_PIN1},
    {"pin2", required_argument, NULL, OPT_PIN2},
    {"puk1", required_argument, NULL, OPT_PUK1},
    {"puk2", required_argument, NULL, OPT_PUK2},
    {"adm1", required_argument, NULL, OPT_ADM1},
    {"spn", required_argument, NULL, OPT_SPN},
    {"mnc-length", required_argument, NULL, OPT_MNC_LENGTH},
    {"profile-type", required_argument, NULL, OPT_PROFILE_TYPE},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Options of build and personalise, parsed into one structure. */
typedef struct cli_options {
    saip_build_params build;
    const char *output;
    bool has_ki, has_opc, has_algorithm, has_options;
} cli_options;

/* 0 ok, 1 error, 2 usage shown. */
static int parse_options(int argc, char **argv, cli_options *o)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case OPT_ICCID: o->build.iccid = optarg; break;
        case OPT_IMSI: o->build.imsi = optarg; break;
        case OPT_MSISDN: o->build.msisdn = optarg; break;
        case OPT_PIN1: o->build.pin1 = optarg; break;
        case OPT_PIN2: o->build.pin2 = optarg; break;
        case OPT_PUK1: o->build.puk1 = optarg; break;
        case OPT_PUK2: o->build.puk2 = optarg; break;
        case OPT_ADM1: o->build.adm1 = optarg; break;
        case OPT_SPN: o->build.spn = optarg; break;
        case OPT_PROFILE_TYPE: o->build.profile_type = optarg; break;
        case 'o':
        case OPT_OUTPUT: o->output = optarg; break;
        case OPT_KI:
            rc = parse_key("ki", optarg, o->build.aka.key, &o->build.aka.key_len);
            o->has_ki = true;
            break;
        case OPT_OPC:
            rc = parse_key("opc", optarg, o->build.aka.opc, &o->build.aka.opc_len);
            o->has_opc = true;
            break;
        case OPT_ALGORITHM:
            rc = parse_algorithm(optarg, &o->build.aka.algorithm);
            o->has_algorithm = true;
            break;
        case OPT_ALGORITHM_OPTIONS: {
            size_t n;
            if (aw_hex_decode(optarg, &o->build.aka.algorithm_options, 1, &n) != AW_OK || n != 1) {
                fprintf(stderr, "airwrite-saip: --algorithm-options takes one hex byte\n");
                rc = 1;
            }
            o->has_options = true;
            break;
        }
        case OPT_MNC_LENGTH:
            if (strcmp(optarg, "2") != 0 && strcmp(optarg, "3") != 0) {
                fprintf(stderr, "airwrite-saip: --mnc-length is 2 or 3\n");
                rc = 1;
            }
            o->build.mnc_length = (unsigned)(optarg[0] - '0');
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 2;
        default:
            usage(stderr);
            return 1;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int command_build(int argc, char **argv)
{
    cli_options o;
    memset(&o, 0, sizeof(o));
    o.build.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    o.build.pin1 = "0000";
    o.build.pin2 = "0000";
    int rc = parse_options(argc, argv, &o);
    if (rc == 0 && optind != argc) {
        fprintf(stderr, "airwrite-saip build: unexpected argument '%s'\n", argv[optind]);
        rc = 1;
    }
    const char *missing = NULL;
    if (rc == 0) {
        if (o.build.iccid == NULL)
            missing = "--iccid";
        else if (o.build.imsi == NULL)
            missing = "--imsi";
        else if (!o.has_ki)
            missing = "--ki";
        else if (!o.has_opc)
            missing = "--opc";
        else if (o.build.puk1 == NULL)
            missing = "--puk1";
        else if (o.build.puk2 == NULL)
            missing = "--puk2";
        else if (o.build.adm1 == NULL)
            missing = "--adm1";
        else if (o.output == NULL)
            missing = "-o FILE";
    }
    if (missing != NULL) {
        fprintf(stderr, "airwrite-saip build: missing %s (see --help)\n", missing);
        rc = 1;
    }
    if (rc == 0) {
        uint8_t *out;
        size_t out_len;
        aw_err err = saip_build(&o.build, &out, &out_len);
        if (err != AW_OK) {
            rc = fail("build", err);
        } else {
            rc = write_file(o.output, out, out_len);
            der_bytes_free(out, out_len);
        }
    }
    saip_aka_cleanse(&o.build.aka);
    return rc == 2 ? 0 : rc;
}

/* First and last byte only: enough to tell keys apart, never the key. */
static void print_masked(const char *label, const uint8_t *key, size_t len)
{
    if (len < 2) {
        printf("%-8s (%zu bytes)\n", label, len);
        return;
    }
    printf("%-8s %02X", label, key[0]);
    for (size_t i = 1; i + 1 < len; i++)
        printf("**");
    printf("%02X (%zu bytes, masked)\n", key[len - 1], len);
}

static int command_show(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "airwrite-saip show: expected one FILE (see --help)\n");
        return 1;
    }
    size_t len;
    uint8_t *buf = read_file(argv[1], &len);
    if (buf == NULL)
        return 1;
    saip_profile *p;
    aw_err err = saip_profile_parse(buf, len, &p);
    OPENSSL_cleanse(buf, len);
    free(buf);
    if (err != AW_OK)
        return fail(argv[1], err);
    unsigned major = 0, minor = 0;
    (void)saip_get_version(p, &major, &minor);
    size_t count = saip_profile_element_count(p);
    printf("%s: %zu bytes, %zu elements, SAIP version %u.%u\n", argv[1], len, count, major, minor);
    for (size_t i = 0; i < count; i++) {
        saip_element_info e;
        if (saip_profile_element(p, i, &e) != AW_OK)
            continue;
        printf("  %3zu  %-22s tag %-6X %6zu bytes", i, saip_pe_type_name(e.type), (unsigned)e.tag,
               e.der.len);
        if (e.has_identification)
            printf("  id %u%s", e.identification, e.mandated ? " mandated" : "");
        printf("\n");
    }
    char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT], msisdn[SAIP_MSISDN_TEXT];
    err = saip_get_iccid(p, iccid);
    if (err == AW_OK)
        printf("ICCID    %s (Luhn check digit %s)\n", iccid, saip_iccid_luhn_ok(iccid) ? "ok" : "not ok");
    else
        printf("ICCID    unreadable: %s\n", aw_err_message(err));
    err = saip_get_imsi(p, imsi);
    printf("IMSI     %s\n", err == AW_OK ? imsi : aw_err_message(err));
    err = saip_get_msisdn(p, msisdn);
    printf("MSISDN   %s\n", err == AW_OK ? msisdn : err == AW_ERR_NOT_FOUND ? "(none)" : aw_err_message(err));
    saip_aka aka;
    err = saip_get_aka(p, &aka);
    if (err == AW_OK) {
        printf("AKA      %s (%d), options %02X\n", algorithm_name(aka.algorithm), (int)aka.algorithm,
               aka.algorithm_options);
        print_masked("Ki", aka.key, aka.key_len);
        print_masked("OPc", aka.opc, aka.opc_len);
    } else {
        printf("AKA      %s\n", err == AW_ERR_NOT_FOUND ? "(none)" : aw_err_message(err));
    }
    saip_aka_cleanse(&aka);
    saip_profile_free(p);
    return 0;
}

static int command_personalise(int argc, char **argv)
{
    cli_options o;
    memset(&o, 0, sizeof(o));
    int rc = parse_options(argc, argv, &o);
    if (rc == 2)
        return 0;
    if (rc != 0)
        return rc;
    if (argc - optind != 2) {
        fprintf(stderr, "airwrite-saip personalise: expected IN and OUT (see --help)\n");
        return 1;
    }
    const char *in = argv[optind], *out_path = argv[optind + 1];
    size_t len;
    uint8_t *buf = read_file(in, &len);
    if (buf == NULL)
        return 1;
    saip_profile *p = NULL;
    saip_aka aka;
    memset(&aka, 0, sizeof(aka));
    aw_err err = saip_profile_parse(buf, len, &p);
    OPENSSL_cleanse(buf, len);
    free(buf);
    if (err != AW_OK) {
        rc = fail(in, err);
        goto cleanup;
    }
    if (o.build.iccid != NULL && (err = saip_set_iccid(p, o.build.iccid)) != AW_OK) {
        rc = fail("--iccid", err);
        goto cleanup;
    }
    if (o.build.imsi != NULL && (err = saip_set_imsi(p, o.build.imsi)) != AW_OK) {
        rc = fail("--imsi", err);
        goto cleanup;
    }
    if (o.build.msisdn != NULL && (err = saip_set_msisdn(p, o.build.msisdn)) != AW_OK) {
        rc = fail("--msisdn", err);
        goto cleanup;
    }
    if (o.has_ki || o.has_opc || o.has_algorithm || o.has_options) {
        /* start from the profile's values and replace what was given */
        err = saip_get_aka(p, &aka);
        if (err != AW_OK) {
            rc = fail("AKA parameters", err);
            goto cleanup;
        }
        if (o.has_algorithm)
            aka.algorithm = o.build.aka.algorithm;
        if (o.has_options)
            aka.algorithm_options = o.build.aka.algorithm_options;
        if (o.has_ki) {
            memcpy(aka.key, o.build.aka.key, sizeof(aka.key));
            aka.key_len = o.build.aka.key_len;
        }
        if (o.has_opc) {
            memcpy(aka.opc, o.build.aka.opc, sizeof(aka.opc));
            aka.opc_len = o.build.aka.opc_len;
        }
        if ((err = saip_set_aka(p, &aka)) != AW_OK) {
            rc = fail("AKA parameters", err);
            goto cleanup;
        }
    }
    uint8_t *out;
    size_t out_len;
    err = saip_profile_encode(p, &out, &out_len);
    if (err != AW_OK) {
        rc = fail("encode", err);
        goto cleanup;
    }
    rc = write_file(out_path, out, out_len);
    der_bytes_free(out, out_len);
cleanup:
    saip_aka_cleanse(&aka);
    saip_aka_cleanse(&o.build.aka);
    saip_profile_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "build") == 0)
        return command_build(argc - 1, argv + 1);
    if (strcmp(command, "show") == 0)
        return command_show(argc - 1, argv + 1);
    if (strcmp(command, "personalise") == 0 || strcmp(command, "personalize") == 0)
        return command_personalise(argc - 1, argv + 1);
    fprintf(stderr, "airwrite-saip: unknown command '%s' (build, show, personalise)\n", command);
    usage(stderr);
    return 2;
}
