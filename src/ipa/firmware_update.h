/* airwrite IPA: applying signed secure-module firmware updates and
 * reporting the outcome to the platform (device and chip protection of the
 * group standard's security management part; package format and checks:
 * docs/firmware-package.md, core/firmware.h; the report: docs/firmware-update.md).
 * Part of the IPA's public interface (included at the end of ipa/ipa.h).
 *
 * State: the IPA keeps, per secure module, the installed firmware version
 * and the image it names in state_dir/firmware.state (one line per module:
 * hex of the module id, version, SHA-256 of the image), replaced atomically
 * (write, fsync, rename, fsync of the directory). Our device is simulated:
 * "flashing" writes the image to
 * state_dir/firmware-<sha256(module)>-<version>-<sha256(image)>.image (hex
 * prefixes) through a staging file, renamed once complete. A real module's flashing
 * goes behind the same step; the record is changed only after it, so a
 * crash at any point leaves either the old version (and its image) or the
 * new one recorded, never a mixture. */
#ifndef AIRWRITE_IPA_FIRMWARE_UPDATE_H
#define AIRWRITE_IPA_FIRMWARE_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/error.h"
#include "core/firmware.h"

#define IPA_FIRMWARE_STATE_FILE "firmware.state"
#define IPA_FIRMWARE_STATE_MAX (64u * 1024u)  /* bytes of firmware.state */
#define IPA_FIRMWARE_MODULES_MAX 64u          /* modules recorded */
#define IPA_FIRMWARE_MODULE_BYTES (4u * FIRMWARE_MODULE_ID_MAX) /* UTF-8 bytes */
#define IPA_FIRMWARE_REPORT_PATH "/terminal/v1/reports"

typedef struct ipa_firmware_options {
    const char *module_id;          /* required: the secure module being updated */
    bool allow_reinstall;           /* accept the installed version again */
    uint64_t factory_version;       /* installed version when none is recorded */
    const uint8_t *image;           /* detached image, NULL when embedded */
    size_t image_len;
    /* The device's crypto suite (issue 8): 0 verifies with the crypto_key
     * trusted keys (ECDSA P-256, as before); international or domestic
     * verifies with suite_keys of that suite (firmware_package_verify_suite:
     * a package of the other suite is refused AW_ERR_FIRMWARE_ALGORITHM),
     * and the crypto_key list is then not used (may be NULL). */
    crypto_suite suite;
    const crypto_suite_key *const *suite_keys;
    size_t suite_key_count;
    /* Test seam for crash safety: called once the image is flashed (staged
     * and renamed) and before the version record is replaced; an error
     * stops the apply there, as a crash would, and is returned. NULL: none. */
    aw_err (*before_commit)(void *arg);
    void *before_commit_arg;
} ipa_firmware_options;

typedef struct ipa_firmware_result {
    bool applied;                   /* the new version is recorded */
    aw_err refusal;                 /* AW_OK when applied, else the AW_ERR_FIRMWARE_* */
    bool has_manifest;              /* the package parsed: the fields below are set */
    char module_id[IPA_FIRMWARE_MODULE_BYTES + 1]; /* the manifest's */
    uint64_t from_version;          /* installed before (the module's record or factory) */
    uint64_t to_version;            /* the manifest's */
    uint8_t manifest_sha256[32];    /* SHA-256 of the manifest's DER */
} ipa_firmware_result;

/* Verify package (core firmware_package_verify against the trusted keys,
 * the module's installed version and options) and, when it holds, flash
 * the image and record the new version. Returns AW_OK when applied, the
 * AW_ERR_FIRMWARE_* refusal otherwise (result says what was refused, the
 * record is unchanged); AW_ERR_FIRMWARE_STATE when the record is malformed;
 * AW_ERR_IO, AW_ERR_NOMEM; AW_ERR_ARGUMENT for a missing parameter. */
aw_err ipa_firmware_apply(const char *state_dir, const crypto_key *const *trusted_keys,
                          size_t trusted_key_count, const uint8_t *package, size_t len,
                          const ipa_firmware_options *options, ipa_firmware_result *result);

/* The installed version of module_id as recorded (factory_version when
 * none; *recorded false then). AW_ERR_FIRMWARE_STATE, AW_ERR_IO. */
aw_err ipa_firmware_installed_version(const char *state_dir, const char *module_id,
                                      uint64_t factory_version, uint64_t *version,
                                      bool *recorded);

/* The terminal report of an outcome as JSON (docs/firmware-update.md):
 * eid (32 digits), kind, module, fromVersion, toVersion, code (refusals),
 * manifestSha256, time (RFC 3339 UTC of now_seconds). *json: malloc'd,
 * free(). AW_ERR_ARGUMENT for a malformed EID. */
aw_err ipa_firmware_report_encode(const char *eid, const ipa_firmware_result *result,
                                  int64_t now_seconds, char **json);

typedef struct ipa_firmware_report_target {
    const char *url;                /* https://host:port/terminal/v1/reports */
    const char *ca_file;            /* CA the platform's certificate chains to */
    const char *certificate_file;   /* the device's client certificate (mutual TLS) */
    const char *key_file;
    unsigned timeout_ms;            /* 0: the HTTP client's default */
} ipa_firmware_report_target;

/* POST the report (BLOCKING). *http_status: the platform's answer (204
 * taken, 400 malformed, 403 certificate refused). Errors of http_client. */
aw_err ipa_firmware_report_send(const ipa_firmware_report_target *target, const char *json,
                                int *http_status);

#endif
