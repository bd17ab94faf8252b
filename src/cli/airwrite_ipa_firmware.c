/* airwrite-ipa firmware-update: apply a signed secure-module firmware
 * package (docs/firmware-package.md) with the IPA's crash-safe version
 * record, and report the outcome to the platform over mutual TLS
 * (docs/firmware-update.md), split from airwrite_ipa.c by concern. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "airwrite_ipa_firmware.h"
#include "core/file.h"
#include "ipa/ipa.h"

#define MAX_TRUSTED 8

static void firmware_usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-ipa firmware-update --state DIR --trust PEM [--trust PEM ...]\n"
            "           --module ID --package FILE [--image FILE] [--reinstall]\n"
            "           [--factory-version N] [--suite international|domestic]\n"
            "           [--report URL --eid EID --cert CERT.pem --key KEY.pem --ca CA.pem]\n"
            "\n"
            "Verifies the package (trusted signer, signature, module, version above the\n"
            "installed one, image length and digest) and applies it: the image is flashed\n"
            "and the new version recorded in DIR/firmware.state, crash-safe. With --report\n"
            "the outcome (applied or refused) is POSTed to the platform's terminal report\n"
            "endpoint with the device certificate CERT.pem (subject serialNumber = EID).\n"
            "--suite: the device's crypto suite (issue 8): the --trust keys are keys of\n"
            "it (P-256 or SM2) and only packages signed in it (ECDSA P-256 with SHA-256,\n"
            "or SM2 with SM3) are accepted; without it, P-256 keys and ECDSA as before.\n"
            "Exit status: 0 applied, 1 failure, 2 usage, 3 refused (reason printed).\n");
}

static bool parse_version(const char *text, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX)
        return false;
    *out = (uint64_t)v;
    return true;
}

typedef struct firmware_arguments {
    const char *state, *module, *package, *image, *factory, *suite;
    const char *trust[MAX_TRUSTED];
    size_t trust_count;
    bool reinstall;
    const char *eid;
    ipa_firmware_report_target report;
} firmware_arguments;

static bool parse_arguments(int argc, char **argv, firmware_arguments *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = NULL;
        if (strcmp(s, "--reinstall") == 0) {
            a->reinstall = true;
            continue;
        }
        if (strcmp(s, "--state") == 0)
            slot = &a->state;
        else if (strcmp(s, "--module") == 0)
            slot = &a->module;
        else if (strcmp(s, "--package") == 0)
            slot = &a->package;
        else if (strcmp(s, "--image") == 0)
            slot = &a->image;
        else if (strcmp(s, "--factory-version") == 0)
            slot = &a->factory;
        else if (strcmp(s, "--suite") == 0)
            slot = &a->suite;
        else if (strcmp(s, "--eid") == 0)
            slot = &a->eid;
        else if (strcmp(s, "--report") == 0)
            slot = &a->report.url;
        else if (strcmp(s, "--cert") == 0)
            slot = &a->report.certificate_file;
        else if (strcmp(s, "--key") == 0)
            slot = &a->report.key_file;
        else if (strcmp(s, "--ca") == 0)
            slot = &a->report.ca_file;
        else if (strcmp(s, "--trust") == 0 && a->trust_count < MAX_TRUSTED)
            slot = &a->trust[a->trust_count++];
        if (slot == NULL || value == NULL)
            return false;
        *slot = value;
        i++;
    }
    bool reporting = a->report.url != NULL || a->eid != NULL || a->report.ca_file != NULL ||
                     a->report.certificate_file != NULL || a->report.key_file != NULL;
    return a->state != NULL && a->module != NULL && a->package != NULL && a->trust_count > 0 &&
           (!reporting || (a->report.url != NULL && a->eid != NULL &&
                           a->report.ca_file != NULL && a->report.certificate_file != NULL &&
                           a->report.key_file != NULL));
}

static void print_outcome(const firmware_arguments *a, aw_err err, const ipa_firmware_result *r)
{
    if (err == AW_OK)
        printf("applied: module %s version %" PRIu64 " (was %" PRIu64 ")\n", a->module,
               r->to_version, r->from_version);
    else if (r->refusal != AW_OK)
        printf("refused: %s: %s\n", aw_err_name(r->refusal), aw_err_message(r->refusal));
    else
        fprintf(stderr, "airwrite-ipa: firmware-update: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
    if (err != AW_OK && r->has_manifest)
        printf("package: module %s version %" PRIu64 " (installed %" PRIu64 ")\n",
               r->module_id, r->to_version, r->from_version);
}

/* The report of an outcome; 0 when the platform took it (204). */
static int send_report(const firmware_arguments *a, const ipa_firmware_result *r)
{
    char *json = NULL;
    int status = 0;
    aw_err err = ipa_firmware_report_encode(a->eid, r, (int64_t)time(NULL), &json);
    if (err == AW_OK)
        err = ipa_firmware_report_send(&a->report, json, &status);
    free(json);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: report: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
        return 1;
    }
    printf("report: HTTP %d\n", status);
    return status == 204 ? 0 : 1;
}

int firmware_update_main(int argc, char **argv)
{
    firmware_arguments a;
    uint64_t factory = 0;
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        firmware_usage(stdout);
        return 0;
    }
    crypto_suite suite = 0; /* none: P-256 crypto_key trust as before issue 8 */
    if (!parse_arguments(argc, argv, &a) ||
        (a.factory != NULL && !parse_version(a.factory, &factory)) ||
        (a.suite != NULL && crypto_suite_parse(a.suite, &suite) != AW_OK)) {
        firmware_usage(stderr);
        return 2;
    }
    crypto_key *keys[MAX_TRUSTED] = {NULL};
    crypto_suite_key *suite_keys[MAX_TRUSTED] = {NULL};
    uint8_t *package = NULL, *image = NULL;
    size_t package_len = 0, image_len = 0;
    int rc = 1;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && suite == 0 && i < a.trust_count; i++)
        if ((err = crypto_key_load_public_pem_file(a.trust[i], &keys[i])) != AW_OK)
            fprintf(stderr, "airwrite-ipa: %s: %s\n", a.trust[i], aw_err_message(err));
    for (size_t i = 0; err == AW_OK && suite != 0 && i < a.trust_count; i++) {
        uint8_t *pem = NULL;
        size_t pem_len = 0;
        err = aw_file_read(a.trust[i], 64u * 1024u, &pem, &pem_len);
        if (err == AW_OK)
            err = crypto_suite_key_load_public_pem(suite, (const char *)pem, pem_len,
                                                   &suite_keys[i]);
        free(pem);
        if (err != AW_OK)
            fprintf(stderr, "airwrite-ipa: %s: %s (%s)\n", a.trust[i], aw_err_message(err),
                    aw_err_name(err));
    }
    /* read one byte past the bound so an oversized package is refused by
     * the verifier, as the device would refuse it */
    if (err == AW_OK &&
        (err = aw_file_read(a.package, FIRMWARE_PACKAGE_MAX + 1, &package, &package_len)) != AW_OK)
        fprintf(stderr, "airwrite-ipa: %s: %s\n", a.package, aw_err_message(err));
    if (err == AW_OK && a.image != NULL &&
        (err = aw_file_read(a.image, FIRMWARE_IMAGE_MAX + 1, &image, &image_len)) != AW_OK)
        fprintf(stderr, "airwrite-ipa: %s: %s\n", a.image, aw_err_message(err));
    if (err != AW_OK)
        goto cleanup;
    ipa_firmware_options options = {.module_id = a.module, .allow_reinstall = a.reinstall,
                                    .factory_version = factory, .image = image,
                                    .image_len = image_len, .suite = suite,
                                    .suite_keys = (const crypto_suite_key *const *)suite_keys,
                                    .suite_key_count = suite != 0 ? a.trust_count : 0};
    ipa_firmware_result result;
    err = ipa_firmware_apply(a.state, (const crypto_key *const *)keys, a.trust_count, package,
                             package_len, &options, &result);
    print_outcome(&a, err, &result);
    rc = err == AW_OK ? 0 : result.refusal != AW_OK ? 3 : 1;
    if ((err == AW_OK || result.refusal != AW_OK) && a.report.url != NULL &&
        send_report(&a, &result) != 0 && rc == 0)
        rc = 1;
cleanup:
    for (size_t i = 0; i < MAX_TRUSTED; i++) {
        crypto_key_free(keys[i]);
        crypto_suite_key_free(suite_keys[i]);
    }
    free(package);
    free(image);
    return rc;
}
