/* airwrite-firmware: the vendor tool and device check for signed
 * secure-module firmware packages (core/firmware.h, docs/firmware-package.md):
 * keygen (ECDSA P-256 firmware signing key), sign, verify (what the IPA does
 * before applying an update: signature, module, anti-rollback, image), show. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/file.h"
#include "core/firmware.h"
#include "core/hex.h"

#define MAX_TRUSTED 8
#define MAX_KEY_FILE (64u * 1024u)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-firmware keygen --key KEY.pem --public PUBLIC.pem\n"
            "       airwrite-firmware sign --key KEY.pem --module ID --version N --image FILE\n"
            "                              --out PACKAGE [--detached]\n"
            "                              [--suite international|domestic]\n"
            "       airwrite-firmware verify --trusted PUBLIC.pem [--trusted ...] --module ID\n"
            "                              --installed N [--reinstall] [--image FILE]\n"
            "                              [--extract FILE] PACKAGE\n"
            "       airwrite-firmware show PACKAGE\n"
            "\n"
            "keygen  makes a firmware signing key (ECDSA P-256): KEY.pem (PKCS#8, mode 0600,\n"
            "        never overwritten) and PUBLIC.pem (SubjectPublicKeyInfo), prints its key id.\n"
            "sign    writes a package for module ID, firmware version N, with the image inside\n"
            "        (or beside it with --detached). --suite domestic: KEY.pem is an SM2 key and\n"
            "        the package is signed SM2 with SM3 over an SM3 digest (issue 8);\n"
            "        --suite international: a P-256 key, the package as without --suite.\n"
            "verify  checks a package as the IPA does before applying it: trusted signer and\n"
            "        signature, module, version above N (or equal with --reinstall), image\n"
            "        length and digest (--image for a detached package); --extract writes the\n"
            "        verified embedded image. Exit 0 verified, 1 refused (reason printed).\n"
            "show    prints a package's fields without verifying them.\n");
}

static void print_error(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-firmware: %s: %s (%s)\n", what, aw_err_message(err),
            aw_err_name(err));
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

static void print_hex(const char *label, const uint8_t *data, size_t len)
{
    char hex[2 * 64 + 1];
    aw_hex_encode(data, len, hex, false);
    printf("%s: %s\n", label, hex);
}

/* ---- keygen ----------------------------------------------------------------- */

static bool write_pem(const char *path, EVP_PKEY *key, bool private_key)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, private_key ? 0600 : 0644);
    if (fd < 0) {
        fprintf(stderr, "airwrite-firmware: %s: %s\n", path, strerror(errno));
        return false;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return false;
    }
    int ok = private_key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_PUBKEY(f, key);
    return fclose(f) == 0 && ok == 1;
}

static int command_keygen(int argc, char **argv)
{
    const char *key_path = NULL, *public_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--public") == 0 && i + 1 < argc)
            public_path = argv[++i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (key_path == NULL || public_path == NULL) {
        usage(stderr);
        return 2;
    }
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (key == NULL || !write_pem(key_path, key, true) || !write_pem(public_path, key, false)) {
        fprintf(stderr, "airwrite-firmware: cannot make or write the key\n");
        EVP_PKEY_free(key);
        return 1;
    }
    EVP_PKEY_free(key);
    crypto_key *loaded = NULL;
    uint8_t id[FIRMWARE_KEY_ID_SIZE];
    aw_err err = crypto_key_load_public_pem_file(public_path, &loaded);
    if (err == AW_OK)
        err = firmware_key_id(loaded, id);
    crypto_key_free(loaded);
    if (err != AW_OK) {
        print_error(public_path, err);
        return 1;
    }
    print_hex("keyId", id, sizeof(id));
    return 0;
}

/* ---- sign ------------------------------------------------------------------- */

static int command_sign(int argc, char **argv)
{
    const char *key_path = NULL, *module = NULL, *version_text = NULL, *image_path = NULL,
               *out_path = NULL, *suite_name = NULL;
    bool detached = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--key") == 0 && has_value)
            key_path = argv[++i];
        else if (strcmp(a, "--module") == 0 && has_value)
            module = argv[++i];
        else if (strcmp(a, "--version") == 0 && has_value)
            version_text = argv[++i];
        else if (strcmp(a, "--image") == 0 && has_value)
            image_path = argv[++i];
        else if (strcmp(a, "--out") == 0 && has_value)
            out_path = argv[++i];
        else if (strcmp(a, "--detached") == 0)
            detached = true;
        else if (strcmp(a, "--suite") == 0 && has_value)
            suite_name = argv[++i];
        else {
            usage(stderr);
            return 2;
        }
    }
    uint64_t version = 0;
    crypto_suite suite = 0;
    if (key_path == NULL || module == NULL || image_path == NULL || out_path == NULL ||
        !parse_version(version_text, &version) ||
        (suite_name != NULL && crypto_suite_parse(suite_name, &suite) != AW_OK)) {
        usage(stderr);
        return 2;
    }
    crypto_key *key = NULL;
    crypto_suite_key *suite_key = NULL;
    uint8_t *image = NULL, *package = NULL, *pem = NULL;
    size_t image_len = 0, package_len = 0, pem_len = 0;
    int rc = 1;
    aw_err err = AW_OK;
    if (suite == 0) {
        err = crypto_key_load_private_pem_file(key_path, &key);
    } else if ((err = aw_file_read(key_path, 64u * 1024u, &pem, &pem_len)) == AW_OK) {
        err = crypto_suite_key_load_private_pem(suite, (const char *)pem, pem_len, &suite_key);
        OPENSSL_cleanse(pem, pem_len);
    }
    if (err != AW_OK) {
        print_error(key_path, err);
        goto cleanup;
    }
    if ((err = aw_file_read(image_path, FIRMWARE_IMAGE_MAX + 1, &image, &image_len)) != AW_OK) {
        print_error(image_path, err);
        goto cleanup;
    }
    firmware_sign_params params = {.module_id = module, .firmware_version = version,
                                   .image = image, .image_len = image_len,
                                   .detached = detached};
    err = suite != 0 ? firmware_package_sign_suite(&params, suite_key, &package, &package_len)
                     : firmware_package_sign(&params, key, &package, &package_len);
    if (err != AW_OK) {
        print_error("sign", err);
        goto cleanup;
    }
    if ((err = aw_file_write_atomic(out_path, package, package_len, 0644)) != AW_OK) {
        print_error(out_path, err);
        goto cleanup;
    }
    firmware_package parsed;
    if (firmware_package_parse(package, package_len, &parsed) == AW_OK) {
        print_hex("keyId", parsed.manifest.signer_key_id, FIRMWARE_KEY_ID_SIZE);
        print_hex("imageDigest", parsed.manifest.image_digest, FIRMWARE_DIGEST_SIZE);
    }
    printf("packageSize: %zu\n", package_len);
    rc = 0;
cleanup:
    free(package);
    free(image);
    free(pem);
    crypto_key_free(key);
    crypto_suite_key_free(suite_key);
    return rc;
}

/* ---- verify ----------------------------------------------------------------- */

static int command_verify(int argc, char **argv)
{
    const char *trusted[MAX_TRUSTED];
    size_t trusted_count = 0;
    const char *module = NULL, *installed_text = NULL, *image_path = NULL, *extract = NULL,
               *package_path = NULL;
    bool reinstall = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--trusted") == 0 && has_value && trusted_count < MAX_TRUSTED)
            trusted[trusted_count++] = argv[++i];
        else if (strcmp(a, "--module") == 0 && has_value)
            module = argv[++i];
        else if (strcmp(a, "--installed") == 0 && has_value)
            installed_text = argv[++i];
        else if (strcmp(a, "--image") == 0 && has_value)
            image_path = argv[++i];
        else if (strcmp(a, "--extract") == 0 && has_value)
            extract = argv[++i];
        else if (strcmp(a, "--reinstall") == 0)
            reinstall = true;
        else if (a[0] != '-' && package_path == NULL)
            package_path = a;
        else {
            usage(stderr);
            return 2;
        }
    }
    uint64_t installed = 0;
    if (trusted_count == 0 || module == NULL || package_path == NULL ||
        !parse_version(installed_text, &installed)) {
        usage(stderr);
        return 2;
    }
    crypto_key *keys[MAX_TRUSTED] = {0};
    uint8_t *package = NULL, *image = NULL;
    size_t package_len = 0, image_len = 0;
    int rc = 1;
    aw_err err = AW_OK;
    for (size_t i = 0; i < trusted_count; i++) {
        if ((err = crypto_key_load_public_pem_file(trusted[i], &keys[i])) != AW_OK) {
            print_error(trusted[i], err);
            goto cleanup;
        }
    }
    if ((err = aw_file_read(package_path, FIRMWARE_PACKAGE_MAX, &package, &package_len)) !=
        AW_OK) {
        print_error(package_path, err);
        goto cleanup;
    }
    if (image_path != NULL &&
        (err = aw_file_read(image_path, FIRMWARE_IMAGE_MAX + 1, &image, &image_len)) != AW_OK) {
        print_error(image_path, err);
        goto cleanup;
    }
    firmware_verify_params params = {.trusted_keys = (const crypto_key *const *)keys,
                                     .trusted_key_count = trusted_count,
                                     .module_id = module,
                                     .installed_version = installed,
                                     .allow_reinstall = reinstall,
                                     .image = image,
                                     .image_len = image_len};
    firmware_manifest m;
    err = firmware_package_verify(package, package_len, &params, &m);
    if (err != AW_OK) {
        /* The report: reason, and what the refused package claims. */
        printf("refused: %s: %s\n", aw_err_name(err), aw_err_message(err));
        if (m.raw.len != 0)
            printf("package: module %.*s version %" PRIu64 " (installed %" PRIu64 ")\n",
                   (int)m.module_id.len, (const char *)m.module_id.ptr, m.firmware_version,
                   installed);
        goto cleanup;
    }
    printf("verified: module %s version %" PRIu64 " (installed %" PRIu64 ")\n", module,
           m.firmware_version, installed);
    if (extract != NULL) {
        firmware_package parsed;
        if ((err = firmware_package_parse(package, package_len, &parsed)) != AW_OK ||
            !parsed.has_image) {
            fprintf(stderr, "airwrite-firmware: --extract: the package has no embedded image\n");
            goto cleanup;
        }
        if ((err = aw_file_write_atomic(extract, parsed.image.ptr, parsed.image.len, 0600)) !=
            AW_OK) {
            print_error(extract, err);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    for (size_t i = 0; i < trusted_count; i++)
        crypto_key_free(keys[i]);
    free(package);
    free(image);
    return rc;
}

/* ---- show ------------------------------------------------------------------- */

static int command_show(int argc, char **argv)
{
    if (argc != 1) {
        usage(stderr);
        return 2;
    }
    uint8_t *package = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(argv[0], FIRMWARE_PACKAGE_MAX, &package, &len);
    firmware_package p;
    if (err == AW_OK)
        err = firmware_package_parse(package, len, &p);
    if (err != AW_OK) {
        print_error(argv[0], err);
        free(package);
        return 1;
    }
    const firmware_manifest *m = &p.manifest;
    printf("formatVersion: %" PRId64 "\n", m->format_version);
    printf("moduleId: %.*s\n", (int)m->module_id.len, (const char *)m->module_id.ptr);
    printf("firmwareVersion: %" PRIu64 "\n", m->firmware_version);
    printf("imageLength: %" PRIu64 "\n", m->image_length);
    printf("imageDigestAlgorithm: %s\n",
           m->digest_algorithm == FIRMWARE_DIGEST_SHA256 ? "sha256" : "unsupported");
    print_hex("imageDigest", m->image_digest, FIRMWARE_DIGEST_SIZE);
    printf("signatureAlgorithm: %s\n",
           m->signature_algorithm == FIRMWARE_SIGNATURE_ECDSA_P256_SHA256 ? "ecdsa-with-SHA256"
                                                                           : "unsupported");
    print_hex("signerKeyId", m->signer_key_id, FIRMWARE_KEY_ID_SIZE);
    printf("manifest: offset %zu length %zu\n", (size_t)(m->raw.ptr - package), m->raw.len);
    printf("signature: offset %zu length %zu\n", (size_t)(p.signature.ptr - package),
           p.signature.len);
    printf("image: %s\n", p.has_image ? "embedded" : "detached");
    free(package);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "keygen") == 0)
        return command_keygen(argc - 2, argv + 2);
    if (strcmp(command, "sign") == 0)
        return command_sign(argc - 2, argv + 2);
    if (strcmp(command, "verify") == 0)
        return command_verify(argc - 2, argv + 2);
    if (strcmp(command, "show") == 0)
        return command_show(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
