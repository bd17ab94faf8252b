/* airwrite IPA: applying a signed secure-module firmware update (group
 * standard, security management of devices and chips: verify the vendor's
 * signature and refuse downgrades before applying; docs/firmware-package.md
 * "Verification") with a crash-safe record of the installed version per
 * module (ipa/firmware_update.h describes the state files). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/hex.h"
#include "ipa/firmware_update.h"

#define STATE_PATH_MAX 4096u
/* "<module hex> <version> <sha256 hex>\n" at its longest */
#define STATE_LINE_MAX (2u * IPA_FIRMWARE_MODULE_BYTES + 1u + 19u + 1u + 2u * FIRMWARE_DIGEST_SIZE + 1u)

typedef struct module_record {
    char module_hex[2 * IPA_FIRMWARE_MODULE_BYTES + 1];
    uint64_t version;
    char image_sha256[2 * FIRMWARE_DIGEST_SIZE + 1];
} module_record;

typedef struct firmware_state {
    module_record records[IPA_FIRMWARE_MODULES_MAX];
    size_t count;
} firmware_state;

static bool is_lower_hex(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (strchr("0123456789abcdef", text[i]) == NULL || text[i] == '\0')
            return false;
    return true;
}

/* One line: "<module hex> <version> <image sha256 hex>". */
static aw_err parse_line(const char *line, size_t len, module_record *out)
{
    const char *first = memchr(line, ' ', len);
    if (first == NULL)
        return AW_ERR_FIRMWARE_STATE;
    size_t hex_len = (size_t)(first - line);
    const char *version = first + 1;
    const char *second = memchr(version, ' ', len - hex_len - 1);
    if (second == NULL)
        return AW_ERR_FIRMWARE_STATE;
    size_t version_len = (size_t)(second - version);
    const char *digest = second + 1;
    size_t digest_len = len - hex_len - version_len - 2;
    if (hex_len == 0 || hex_len % 2 != 0 || hex_len > 2 * IPA_FIRMWARE_MODULE_BYTES ||
        !is_lower_hex(line, hex_len) || version_len == 0 || version_len > 19 ||
        strspn(version, "0123456789") < version_len || (version_len > 1 && version[0] == '0') ||
        digest_len != 2 * FIRMWARE_DIGEST_SIZE || !is_lower_hex(digest, digest_len))
        return AW_ERR_FIRMWARE_STATE;
    uint64_t v = 0;
    for (size_t i = 0; i < version_len; i++) {
        uint64_t digit = (uint64_t)(version[i] - '0');
        if (v > ((uint64_t)INT64_MAX - digit) / 10)
            return AW_ERR_FIRMWARE_STATE;
        v = v * 10 + digit;
    }
    memcpy(out->module_hex, line, hex_len);
    out->module_hex[hex_len] = '\0';
    out->version = v;
    memcpy(out->image_sha256, digest, digest_len);
    out->image_sha256[digest_len] = '\0';
    return AW_OK;
}

static aw_err state_path(const char *state_dir, const char *name, char path[STATE_PATH_MAX])
{
    int n = snprintf(path, STATE_PATH_MAX, "%s/%s", state_dir, name);
    return n > 0 && (size_t)n < STATE_PATH_MAX ? AW_OK : AW_ERR_ARGUMENT;
}

static aw_err state_load(const char *state_dir, firmware_state *state)
{
    memset(state, 0, sizeof(*state));
    char path[STATE_PATH_MAX];
    aw_err err = state_path(state_dir, IPA_FIRMWARE_STATE_FILE, path);
    uint8_t *data = NULL;
    size_t len = 0;
    if (err == AW_OK)
        err = aw_file_read(path, IPA_FIRMWARE_STATE_MAX, &data, &len);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK; /* nothing recorded yet: factory versions */
    if (err == AW_ERR_LIMIT)
        err = AW_ERR_FIRMWARE_STATE;
    const char *text = (const char *)data;
    size_t at = 0;
    while (err == AW_OK && at < len) {
        const char *end = memchr(text + at, '\n', len - at);
        if (end == NULL || state->count == IPA_FIRMWARE_MODULES_MAX) {
            err = AW_ERR_FIRMWARE_STATE;
            break;
        }
        size_t line_len = (size_t)(end - (text + at));
        err = parse_line(text + at, line_len, &state->records[state->count]);
        for (size_t i = 0; err == AW_OK && i < state->count; i++)
            if (strcmp(state->records[i].module_hex, state->records[state->count].module_hex) ==
                0)
                err = AW_ERR_FIRMWARE_STATE; /* one line per module */
        state->count++;
        at += line_len + 1;
    }
    free(data);
    return err;
}

static aw_err state_store(const char *state_dir, const firmware_state *state)
{
    char path[STATE_PATH_MAX];
    aw_err err = state_path(state_dir, IPA_FIRMWARE_STATE_FILE, path);
    if (err != AW_OK)
        return err;
    size_t cap = state->count * STATE_LINE_MAX + 1;
    char *text = malloc(cap);
    if (text == NULL)
        return AW_ERR_NOMEM;
    size_t len = 0;
    for (size_t i = 0; i < state->count; i++) {
        const module_record *r = &state->records[i];
        int n = snprintf(text + len, cap - len, "%s %" PRIu64 " %s\n", r->module_hex,
                         r->version, r->image_sha256);
        assert(n > 0 && (size_t)n < cap - len); /* each line fits its record's size */
        len += (size_t)n;
    }
    err = aw_file_write_atomic(path, (const uint8_t *)text, len, 0600);
    free(text);
    return err;
}

static module_record *state_find(firmware_state *state, const char *module_hex)
{
    for (size_t i = 0; i < state->count; i++)
        if (strcmp(state->records[i].module_hex, module_hex) == 0)
            return &state->records[i];
    return NULL;
}

static aw_err module_hex_of(const uint8_t *module, size_t len,
                            char out[2 * IPA_FIRMWARE_MODULE_BYTES + 1])
{
    if (len == 0 || len > IPA_FIRMWARE_MODULE_BYTES)
        return AW_ERR_ARGUMENT;
    aw_hex_encode(module, len, out, false);
    return AW_OK;
}

/* firmware-<first 16 bytes of SHA-256(module) in hex>-<version>-<first 8
 * bytes of the image's SHA-256 in hex>.image: a reinstall of another image
 * under the same version never overwrites the image the record names */
static aw_err image_name(const char *module_id, uint64_t version, const char *image_sha256,
                         char *out, size_t size)
{
    uint8_t digest[CRYPTO_SHA256_SIZE];
    char hex[33];
    aw_err err = crypto_sha256((const uint8_t *)module_id, strlen(module_id), digest);
    if (err != AW_OK)
        return err;
    aw_hex_encode(digest, 16, hex, false);
    int n = snprintf(out, size, "firmware-%s-%" PRIu64 "-%.16s.image", hex, version,
                     image_sha256);
    return n > 0 && (size_t)n < size ? AW_OK : AW_ERR_ARGUMENT;
}

aw_err ipa_firmware_installed_version(const char *state_dir, const char *module_id,
                                      uint64_t factory_version, uint64_t *version,
                                      bool *recorded)
{
    if (version != NULL)
        *version = 0;
    if (recorded != NULL)
        *recorded = false;
    if (state_dir == NULL || module_id == NULL || version == NULL)
        return AW_ERR_ARGUMENT;
    char module_hex[2 * IPA_FIRMWARE_MODULE_BYTES + 1];
    aw_err err = module_hex_of((const uint8_t *)module_id, strlen(module_id), module_hex);
    firmware_state *state = malloc(sizeof(*state));
    if (state == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = state_load(state_dir, state);
    if (err == AW_OK) {
        const module_record *r = state_find(state, module_hex);
        *version = r != NULL ? r->version : factory_version;
        if (recorded != NULL)
            *recorded = r != NULL;
    }
    free(state);
    return err;
}

static void result_from_manifest(const firmware_manifest *m, ipa_firmware_result *result)
{
    if (m->module_id.len > IPA_FIRMWARE_MODULE_BYTES ||
        crypto_sha256(m->raw.ptr, m->raw.len, result->manifest_sha256) != AW_OK)
        return;
    memcpy(result->module_id, m->module_id.ptr, m->module_id.len);
    result->module_id[m->module_id.len] = '\0';
    result->to_version = m->firmware_version;
    result->has_manifest = true;
}

/* Flash, then commit: the image under its versioned name (staged and
 * renamed by aw_file_write_atomic), then the record naming it. */
static aw_err flash_and_commit(const char *state_dir, firmware_state *state,
                               const char *module_hex, const ipa_firmware_options *options,
                               const firmware_manifest *m, const uint8_t *image,
                               size_t image_len)
{
    char name[128], path[STATE_PATH_MAX], digest[2 * FIRMWARE_DIGEST_SIZE + 1];
    aw_hex_encode(m->image_digest, FIRMWARE_DIGEST_SIZE, digest, false);
    aw_err err = image_name(options->module_id, m->firmware_version, digest, name,
                            sizeof(name));
    if (err == AW_OK)
        err = state_path(state_dir, name, path);
    if (err == AW_OK)
        err = aw_file_write_atomic(path, image, image_len, 0600);
    if (err == AW_OK && options->before_commit != NULL)
        err = options->before_commit(options->before_commit_arg);
    if (err != AW_OK)
        return err;
    module_record *r = state_find(state, module_hex);
    module_record old = {0};
    bool had_record = r != NULL;
    if (r != NULL)
        old = *r;
    if (r == NULL) {
        if (state->count == IPA_FIRMWARE_MODULES_MAX)
            return AW_ERR_LIMIT;
        r = &state->records[state->count++];
        snprintf(r->module_hex, sizeof(r->module_hex), "%s", module_hex);
    }
    r->version = m->firmware_version;
    memcpy(r->image_sha256, digest, sizeof(digest));
    err = state_store(state_dir, state);
    /* the old image is no longer named by the record: removed, best effort
     * (a crash before this leaves a file nothing refers to) */
    char old_name[128];
    if (err == AW_OK && had_record &&
        image_name(options->module_id, old.version, old.image_sha256, old_name,
                   sizeof(old_name)) == AW_OK &&
        strcmp(old_name, name) != 0 && state_path(state_dir, old_name, path) == AW_OK)
        (void)unlink(path);
    return err;
}

aw_err ipa_firmware_apply(const char *state_dir, const crypto_key *const *trusted_keys,
                          size_t trusted_key_count, const uint8_t *package, size_t len,
                          const ipa_firmware_options *options, ipa_firmware_result *result)
{
    if (result != NULL)
        memset(result, 0, sizeof(*result));
    if (state_dir == NULL || options == NULL || options->module_id == NULL ||
        result == NULL || (package == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    char module_hex[2 * IPA_FIRMWARE_MODULE_BYTES + 1];
    aw_err err = module_hex_of((const uint8_t *)options->module_id, strlen(options->module_id),
                               module_hex);
    firmware_state *state = malloc(sizeof(*state));
    if (err == AW_OK && state == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = state_load(state_dir, state);
    if (err != AW_OK)
        goto cleanup;
    const module_record *current = state_find(state, module_hex);
    result->from_version = current != NULL ? current->version : options->factory_version;

    /* the manifest, for the report, whether or not it then verifies */
    firmware_package parsed;
    if (firmware_package_parse(package, len, &parsed) == AW_OK)
        result_from_manifest(&parsed.manifest, result);
    firmware_verify_params params = {.trusted_keys = trusted_keys,
                                     .trusted_key_count = trusted_key_count,
                                     .module_id = options->module_id,
                                     .installed_version = result->from_version,
                                     .allow_reinstall = options->allow_reinstall,
                                     .image = options->image,
                                     .image_len = options->image_len};
    firmware_manifest manifest;
    err = options->suite != 0
              ? firmware_package_verify_suite(package, len, options->suite, options->suite_keys,
                                              options->suite_key_count, &params, &manifest)
              : firmware_package_verify(package, len, &params, &manifest);
    if (err >= AW_ERR_FIRMWARE_FORMAT && err <= AW_ERR_FIRMWARE_TOO_LARGE)
        result->refusal = err; /* the package's fault: reported */
    if (err != AW_OK)
        goto cleanup;
    const uint8_t *image = parsed.has_image ? parsed.image.ptr : options->image;
    size_t image_len = parsed.has_image ? parsed.image.len : options->image_len;
    err = flash_and_commit(state_dir, state, module_hex, options, &manifest, image, image_len);
    result->applied = err == AW_OK;
cleanup:
    free(state);
    return err;
}
