/* Tests for the IPA's secure-module firmware updates (ipa/firmware_update.h,
 * docs/firmware-update.md): applying embedded and detached packages with
 * the version record per module; every refusal (tampered signature,
 * tampered image, downgrade, same version without reinstall, wrong module,
 * unknown signer, truncated package) leaving the record and the installed
 * image untouched; a crash between flashing and committing (the test seam)
 * leaving the old version recorded with its image; malformed records
 * refused; the terminal report's JSON. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/firmware.h"
#include "ipa/firmware_update.h"

#define MODULE "AW-SE-01"
#define EID "89049032123451234512345678901235"

static crypto_key *vendor;   /* trusted */
static crypto_key *stranger; /* not trusted */
static const uint8_t image_v7[] = "secure module firmware 7";
static const uint8_t image_v8[] = "secure module firmware 8, longer";

typedef struct fixture {
    char dir[64];
} fixture;

static uint8_t *make_package(const crypto_key *signer, const char *module, uint64_t version,
                             const uint8_t *image, size_t image_len, bool detached, size_t *len)
{
    firmware_sign_params p = {.module_id = module, .firmware_version = version, .image = image,
                              .image_len = image_len, .detached = detached};
    uint8_t *out = NULL;
    assert_int_equal(firmware_package_sign(&p, signer, &out, len), AW_OK);
    return out;
}

static aw_err apply(fixture *f, const uint8_t *package, size_t len, bool reinstall,
                    ipa_firmware_result *r)
{
    const crypto_key *keys[] = {vendor};
    ipa_firmware_options o = {.module_id = MODULE, .allow_reinstall = reinstall};
    return ipa_firmware_apply(f->dir, keys, 1, package, len, &o, r);
}

static uint64_t installed(fixture *f)
{
    uint64_t v = 99;
    assert_int_equal(ipa_firmware_installed_version(f->dir, MODULE, 0, &v, NULL), AW_OK);
    return v;
}

static size_t image_files(fixture *f)
{
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        if (strstr(e->d_name, ".image") != NULL)
            n++;
    closedir(d);
    return n;
}

/* The image file the record names for version holds image. */
static void expect_image(fixture *f, uint64_t version, const uint8_t *image, size_t image_len)
{
    uint8_t digest[32];
    char module_hex[33], image_hex[17], path[192];
    assert_int_equal(crypto_sha256((const uint8_t *)MODULE, strlen(MODULE), digest), AW_OK);
    aw_hex_encode(digest, 16, module_hex, false);
    assert_int_equal(crypto_sha256(image, image_len, digest), AW_OK);
    aw_hex_encode(digest, 8, image_hex, false);
    snprintf(path, sizeof(path), "%s/firmware-%s-%llu-%s.image", f->dir, module_hex,
             (unsigned long long)version, image_hex);
    uint8_t *data = NULL;
    size_t data_len = 0;
    assert_int_equal(aw_file_read(path, 4096, &data, &data_len), AW_OK);
    assert_int_equal(data_len, image_len);
    assert_memory_equal(data, image, data_len);
    free(data);
}

/* Version 7 installed from the factory's 0. */
static void install_v7(fixture *f)
{
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 7, image_v7, sizeof(image_v7) - 1, false, &len);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), AW_OK);
    assert_true(r.applied);
    assert_int_equal(r.refusal, AW_OK);
    assert_int_equal(r.from_version, 0);
    assert_int_equal(r.to_version, 7);
    assert_string_equal(r.module_id, MODULE);
    free(p);
    assert_int_equal(installed(f), 7);
}

static int fixture_setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-ipafw-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    if (d != NULL) {
        for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
            char path[320];
            snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
            if (e->d_name[0] != '.')
                unlink(path);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- Applying --------------------------------------------------------------- */

static void test_apply_then_upgrade(void **state)
{
    fixture *f = *state;
    uint64_t v = 1;
    bool recorded = true;
    assert_int_equal(ipa_firmware_installed_version(f->dir, MODULE, 5, &v, &recorded), AW_OK);
    assert_int_equal(v, 5); /* nothing recorded: the factory version */
    assert_false(recorded);
    install_v7(f);
    assert_int_equal(image_files(f), 1);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), AW_OK);
    assert_int_equal(r.from_version, 7);
    assert_int_equal(r.to_version, 8);
    free(p);
    assert_int_equal(installed(f), 8);
    /* the flashed image is the package's; version 7's is gone */
    assert_int_equal(image_files(f), 1);
    expect_image(f, 8, image_v8, sizeof(image_v8) - 1);
    char state_file[128];
    snprintf(state_file, sizeof(state_file), "%s/" IPA_FIRMWARE_STATE_FILE, f->dir);
    uint8_t *text = NULL;
    size_t text_len = 0;
    assert_int_equal(aw_file_read(state_file, 4096, &text, &text_len), AW_OK);
    /* hex("AW-SE-01") 8 sha256(image_v8) */
    uint8_t digest[32];
    char hex[65];
    assert_int_equal(crypto_sha256(image_v8, sizeof(image_v8) - 1, digest), AW_OK);
    aw_hex_encode(digest, 32, hex, false);
    char expected[160];
    snprintf(expected, sizeof(expected), "41572d53452d3031 8 %s\n", hex);
    assert_string_equal((char *)text, expected);
    free(text);
}

static void test_apply_detached(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 3, image_v7, sizeof(image_v7) - 1, true, &len);
    const crypto_key *keys[] = {vendor};
    ipa_firmware_options o = {.module_id = MODULE, .image = image_v7,
                              .image_len = sizeof(image_v7) - 1};
    ipa_firmware_result r;
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, p, len, &o, &r), AW_OK);
    assert_int_equal(installed(f), 3);
    /* without its image: refused, length */
    size_t len4 = 0;
    uint8_t *p4 = make_package(vendor, MODULE, 4, image_v7, sizeof(image_v7) - 1, true, &len4);
    o.image = NULL;
    o.image_len = 0;
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, p4, len4, &o, &r),
                     AW_ERR_FIRMWARE_LENGTH);
    assert_int_equal(installed(f), 3);
    free(p);
    free(p4);
}

static void test_reinstall(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 7, image_v7, sizeof(image_v7) - 1, false, &len);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), AW_ERR_FIRMWARE_SAME_VERSION);
    assert_false(r.applied);
    assert_int_equal(r.refusal, AW_ERR_FIRMWARE_SAME_VERSION);
    assert_int_equal(apply(f, p, len, true, &r), AW_OK);
    assert_int_equal(installed(f), 7);
    assert_int_equal(image_files(f), 1);
    expect_image(f, 7, image_v7, sizeof(image_v7) - 1);
    /* another image signed as version 7: flashed beside, then the old removed */
    size_t other_len = 0;
    uint8_t *other = make_package(vendor, MODULE, 7, image_v8, sizeof(image_v8) - 1, false,
                                  &other_len);
    assert_int_equal(apply(f, other, other_len, true, &r), AW_OK);
    assert_int_equal(image_files(f), 1);
    expect_image(f, 7, image_v8, sizeof(image_v8) - 1);
    free(other);
    free(p);
}

/* ---- Refusals: nothing changes ---------------------------------------------- */

/* Apply a package over version 7 and expect refusal; the record and the
 * installed image stay. */
static void expect_refused(fixture *f, const uint8_t *p, size_t len, aw_err expected,
                           bool has_manifest)
{
    char state_file[128];
    snprintf(state_file, sizeof(state_file), "%s/" IPA_FIRMWARE_STATE_FILE, f->dir);
    uint8_t *before = NULL, *after = NULL;
    size_t before_len = 0, after_len = 0;
    assert_int_equal(aw_file_read(state_file, 4096, &before, &before_len), AW_OK);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), expected);
    assert_false(r.applied);
    assert_int_equal(r.refusal, expected);
    assert_int_equal(r.has_manifest, has_manifest);
    assert_int_equal(r.from_version, 7);
    assert_int_equal(aw_file_read(state_file, 4096, &after, &after_len), AW_OK);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    assert_int_equal(image_files(f), 1);
    expect_image(f, 7, image_v7, sizeof(image_v7) - 1);
    free(before);
    free(after);
}

static void test_refuse_tampered_signature(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(p, len, &parsed), AW_OK);
    /* the last byte of the signature's s value */
    p[(size_t)(parsed.signature.ptr - p) + parsed.signature.len - 1] ^= 0x01;
    expect_refused(f, p, len, AW_ERR_FIRMWARE_SIGNATURE, true);
    free(p);
}

static void test_refuse_tampered_image(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    p[len - 1] ^= 0x20; /* the image is last */
    expect_refused(f, p, len, AW_ERR_FIRMWARE_DIGEST, true);
    free(p);
}

static void test_refuse_downgrade(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 6, image_v8, sizeof(image_v8) - 1, false, &len);
    expect_refused(f, p, len, AW_ERR_FIRMWARE_ROLLBACK, true);
    free(p);
}

static void test_refuse_same_version(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 7, image_v8, sizeof(image_v8) - 1, false, &len);
    expect_refused(f, p, len, AW_ERR_FIRMWARE_SAME_VERSION, true);
    free(p);
}

static void test_refuse_wrong_module(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, "AW-SE-02", 8, image_v8, sizeof(image_v8) - 1, false, &len);
    expect_refused(f, p, len, AW_ERR_FIRMWARE_MODULE, true);
    free(p);
}

static void test_refuse_unknown_signer(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(stranger, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    expect_refused(f, p, len, AW_ERR_FIRMWARE_SIGNER, true);
    free(p);
}

static void test_refuse_truncated(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    /* every proper prefix is refused as a structure error, no manifest */
    for (size_t cut = 0; cut < len; cut += 7)
        expect_refused(f, p, cut, AW_ERR_FIRMWARE_FORMAT, false);
    expect_refused(f, p, len - 1, AW_ERR_FIRMWARE_FORMAT, false);
    free(p);
}

/* ---- Crash safety ------------------------------------------------------------- */

static int crashes;

static aw_err crash(void *arg)
{
    (void)arg;
    crashes++;
    return AW_ERR_IO;
}

static void test_crash_between_flash_and_commit(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    const crypto_key *keys[] = {vendor};
    ipa_firmware_options o = {.module_id = MODULE, .before_commit = crash};
    ipa_firmware_result r;
    crashes = 0;
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, p, len, &o, &r), AW_ERR_IO);
    assert_int_equal(crashes, 1);
    assert_false(r.applied);
    /* the old version is recorded, and the image it names is intact */
    assert_int_equal(installed(f), 7);
    expect_image(f, 7, image_v7, sizeof(image_v7) - 1);
    /* no staging file left behind by the atomic write */
    assert_int_equal(image_files(f), 2);
    /* the device retries after the restart: applied, the leftover replaced */
    o.before_commit = NULL;
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, p, len, &o, &r), AW_OK);
    assert_int_equal(installed(f), 8);
    assert_int_equal(image_files(f), 1);
    free(p);
}

/* ---- The record --------------------------------------------------------------- */

static void write_state(fixture *f, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/" IPA_FIRMWARE_STATE_FILE, f->dir);
    assert_int_equal(aw_file_write_atomic(path, (const uint8_t *)text, strlen(text), 0600),
                     AW_OK);
}

#define DIGEST64 "0000000000000000000000000000000000000000000000000000000000000000"

static void test_malformed_state(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "41572d53452d3031 7 " DIGEST64,                        /* no newline */
        "41572d53452d3031 7\n",                               /* no digest */
        "41572D53452D3031 7 " DIGEST64 "\n",                   /* upper-case hex */
        "41572d53452d303 7 " DIGEST64 "\n",                    /* odd hex */
        " 7 " DIGEST64 "\n",                                  /* no module */
        "41572d53452d3031 07 " DIGEST64 "\n",                  /* leading zero */
        "41572d53452d3031 -7 " DIGEST64 "\n",                  /* sign */
        "41572d53452d3031 9223372036854775808 " DIGEST64 "\n", /* over INT64_MAX */
        "41572d53452d3031 7 " DIGEST64 "0\n",                  /* long digest */
        "41572d53452d3031 7 " DIGEST64 "\n41572d53452d3031 8 " DIGEST64 "\n", /* twice */
        "41572d53452d3031  7 " DIGEST64 "\n",                  /* two spaces */
    };
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_state(f, bad[i]);
        uint64_t v = 0;
        assert_int_equal(ipa_firmware_installed_version(f->dir, MODULE, 0, &v, NULL),
                         AW_ERR_FIRMWARE_STATE);
        ipa_firmware_result r;
        assert_int_equal(apply(f, p, len, false, &r), AW_ERR_FIRMWARE_STATE);
        assert_false(r.applied);
    }
    /* the largest version is fine */
    write_state(f, "41572d53452d3031 9223372036854775807 " DIGEST64 "\n");
    assert_int_equal(installed(f), 9223372036854775807ull);
    free(p);
}

/* More lines than IPA_FIRMWARE_MODULES_MAX: malformed; exactly that many
 * and a new module: no room (AW_ERR_LIMIT), nothing recorded. */
static void test_state_module_bound(void **state)
{
    fixture *f = *state;
    char *text = malloc((IPA_FIRMWARE_MODULES_MAX + 1) * 128);
    assert_non_null(text);
    size_t at = 0;
    for (unsigned i = 0; i < IPA_FIRMWARE_MODULES_MAX; i++)
        at += (size_t)sprintf(text + at, "%04x 1 " DIGEST64 "\n", i);
    write_state(f, text);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), AW_ERR_LIMIT);
    uint64_t v = 0;
    bool recorded = true;
    assert_int_equal(ipa_firmware_installed_version(f->dir, MODULE, 0, &v, &recorded), AW_OK);
    assert_false(recorded);
    sprintf(text + at, "ffff 1 " DIGEST64 "\n");
    write_state(f, text);
    assert_int_equal(apply(f, p, len, false, &r), AW_ERR_FIRMWARE_STATE);
    free(text);
    free(p);
}

static void test_arguments(void **state)
{
    fixture *f = *state;
    const crypto_key *keys[] = {vendor};
    ipa_firmware_options o = {.module_id = NULL};
    ipa_firmware_result r;
    uint8_t byte = 0x30;
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, &byte, 1, &o, &r), AW_ERR_ARGUMENT);
    o.module_id = "";
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, &byte, 1, &o, &r), AW_ERR_ARGUMENT);
    o.module_id = MODULE;
    assert_int_equal(ipa_firmware_apply(NULL, keys, 1, &byte, 1, &o, &r), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, NULL, 1, &o, &r), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 1, &byte, 1, &o, NULL), AW_ERR_ARGUMENT);
    /* no trusted key: the verifier's argument error, not a refusal to report */
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 8, image_v8, sizeof(image_v8) - 1, false, &len);
    assert_int_equal(ipa_firmware_apply(f->dir, keys, 0, p, len, &o, &r), AW_ERR_ARGUMENT);
    assert_int_equal(r.refusal, AW_OK);
    assert_false(r.applied);
    free(p);
    uint64_t v = 0;
    assert_int_equal(ipa_firmware_installed_version(NULL, MODULE, 0, &v, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_firmware_installed_version(f->dir, NULL, 0, &v, NULL), AW_ERR_ARGUMENT);
}

/* ---- The terminal report ------------------------------------------------------ */

static void test_report_encode(void **state)
{
    fixture *f = *state;
    install_v7(f);
    size_t len = 0;
    uint8_t *p = make_package(vendor, MODULE, 6, image_v8, sizeof(image_v8) - 1, false, &len);
    ipa_firmware_result r;
    assert_int_equal(apply(f, p, len, false, &r), AW_ERR_FIRMWARE_ROLLBACK);
    char *json = NULL;
    /* 2026-12-01T12:00:00Z */
    assert_int_equal(ipa_firmware_report_encode(EID, &r, 1796126400, &json), AW_OK);
    firmware_package parsed;
    assert_int_equal(firmware_package_parse(p, len, &parsed), AW_OK);
    uint8_t digest[32];
    char hex[65], expected[512];
    assert_int_equal(crypto_sha256(parsed.manifest.raw.ptr, parsed.manifest.raw.len, digest),
                     AW_OK);
    aw_hex_encode(digest, 32, hex, false);
    snprintf(expected, sizeof(expected),
             "{\"code\":\"AW_ERR_FIRMWARE_ROLLBACK\",\"eid\":\"%s\",\"fromVersion\":7,"
             "\"kind\":\"firmware_refused\",\"manifestSha256\":\"%s\",\"module\":\"AW-SE-01\","
             "\"time\":\"2026-12-01T12:00:00Z\",\"toVersion\":6}",
             EID, hex);
    assert_string_equal(json, expected);
    free(json);
    /* a package that did not parse: no manifest fields */
    assert_int_equal(apply(f, p, 5, false, &r), AW_ERR_FIRMWARE_FORMAT);
    assert_int_equal(ipa_firmware_report_encode(EID, &r, 1796126400, &json), AW_OK);
    assert_string_equal(json, "{\"code\":\"AW_ERR_FIRMWARE_FORMAT\",\"eid\":\"" EID
                              "\",\"fromVersion\":7,\"kind\":\"firmware_refused\","
                              "\"time\":\"2026-12-01T12:00:00Z\"}");
    free(json);
    /* applied: no code */
    size_t len9 = 0;
    uint8_t *p9 = make_package(vendor, MODULE, 9, image_v8, sizeof(image_v8) - 1, false, &len9);
    assert_int_equal(apply(f, p9, len9, false, &r), AW_OK);
    assert_int_equal(ipa_firmware_report_encode(EID, &r, 0, &json), AW_OK);
    assert_non_null(strstr(json, "\"kind\":\"firmware_applied\""));
    assert_null(strstr(json, "\"code\""));
    assert_non_null(strstr(json, "\"time\":\"1970-01-01T00:00:00Z\""));
    free(json);
    /* bad arguments */
    assert_int_equal(ipa_firmware_report_encode("8904903212345123451234567890123", &r, 0, &json),
                     AW_ERR_ARGUMENT);
    assert_null(json);
    assert_int_equal(ipa_firmware_report_encode("8904903212345123451234567890123x", &r, 0,
                                                &json),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_firmware_report_encode(EID, &r, -1, &json), AW_ERR_ARGUMENT);
    assert_int_equal(ipa_firmware_report_encode(EID, NULL, 0, &json), AW_ERR_ARGUMENT);
    int status = 1;
    assert_int_equal(ipa_firmware_report_send(NULL, "{}", &status), AW_ERR_ARGUMENT);
    assert_int_equal(status, 0);
    free(p);
    free(p9);
}

static int group_setup(void **state)
{
    (void)state;
    return crypto_generate_key(CRYPTO_CURVE_NIST_P256, &vendor) != AW_OK ||
           crypto_generate_key(CRYPTO_CURVE_NIST_P256, &stranger) != AW_OK;
}

static int group_teardown(void **state)
{
    (void)state;
    crypto_key_free(vendor);
    crypto_key_free(stranger);
    return 0;
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_apply_then_upgrade),
        T(test_apply_detached),
        T(test_reinstall),
        T(test_refuse_tampered_signature),
        T(test_refuse_tampered_image),
        T(test_refuse_downgrade),
        T(test_refuse_same_version),
        T(test_refuse_wrong_module),
        T(test_refuse_unknown_signer),
        T(test_refuse_truncated),
        T(test_crash_between_flash_and_commit),
        T(test_malformed_state),
        T(test_state_module_bound),
        T(test_arguments),
        T(test_report_encode),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
