/* airwrite-pki device-ca / device: the certificates of the devices' terminal
 * report channel (POST /terminal/v1/reports over mutual TLS,
 * docs/firmware-update.md). The platform takes the device's EID from its
 * certificate's subject serialNumber (X.520 serialNumber, RFC 5280 4.1.2.6)
 * and accepts only certificates under [terminal] device_ca. Profile: P-256
 * ECDSA with SHA-256; the CA with basicConstraints CA:TRUE and keyUsage
 * keyCertSign, cRLSign; a device with CA:FALSE, keyUsage digitalSignature and
 * extendedKeyUsage clientAuth (RFC 5280 4.2.1.12), subject and authority key
 * identifiers (RFC 5280 4.2.1.1, 4.2.1.2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "airwrite_pki.h"
#include "core/pki.h"

#define CA_DAYS_DEFAULT 3650
#define DEVICE_DAYS_DEFAULT 825
#define DAYS_MAX 36500
#define SERIAL_BYTES 16 /* RFC 5280 4.1.2.2: positive, at most 20 octets */
#define PATH_BYTES 4096

/* Options of both commands. */
typedef struct device_options {
    const char *out, *eid, *ca, *ca_key;
    long days;
} device_options;

/* Parse argv; with_device: --eid, --ca and --ca-key allowed. 0 or 2. */
static int parse_options(int argc, char **argv, bool with_device, long default_days,
                         device_options *o)
{
    memset(o, 0, sizeof(*o));
    o->days = default_days;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = strcmp(arg, "--out") == 0                    ? &o->out
                            : with_device && strcmp(arg, "--eid") == 0    ? &o->eid
                            : with_device && strcmp(arg, "--ca") == 0     ? &o->ca
                            : with_device && strcmp(arg, "--ca-key") == 0 ? &o->ca_key
                                                                          : NULL;
        if (value != NULL && slot != NULL) {
            *slot = value;
            i++;
        } else if (value != NULL && strcmp(arg, "--days") == 0) {
            char *end = NULL;
            errno = 0;
            o->days = strtol(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0' || o->days < 1 || o->days > DAYS_MAX) {
                fprintf(stderr, "airwrite-pki: --days must be 1..%d\n", DAYS_MAX);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "airwrite-pki: unknown or incomplete option '%s'\n", arg);
            return 2;
        }
    }
    if (o->out == NULL || (with_device && (o->eid == NULL || o->ca == NULL))) {
        fprintf(stderr, "airwrite-pki: %s\n",
                with_device ? "device needs --eid, --ca and --out" : "device-ca needs --out");
        return 2;
    }
    return 0;
}

static void print_openssl_error(const char *what)
{
    unsigned long e = ERR_get_error();
    char text[256] = "";
    if (e != 0)
        ERR_error_string_n(e, text, sizeof(text));
    fprintf(stderr, "airwrite-pki: %s%s%s\n", what, e != 0 ? ": " : "", text);
    ERR_clear_error();
}

/* One extension from its configuration text; false when it cannot be made. */
static bool add_extension(X509 *cert, X509V3_CTX *ctx, const char *name, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf(NULL, ctx, name, value);
    bool ok = e != NULL && X509_add_ext(cert, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate of key under subject, issued by issuer (NULL: self-signed
 * with key) signed with issuer_key, valid days from an hour ago. */
static X509 *issue(EVP_PKEY *key, X509_NAME *subject, X509 *issuer, EVP_PKEY *issuer_key,
                   long days, bool ca)
{
    X509 *cert = X509_new();
    uint8_t serial[SERIAL_BYTES];
    BIGNUM *number = NULL;
    bool ok = cert != NULL && RAND_bytes(serial, sizeof(serial)) == 1;
    if (ok) {
        serial[0] &= 0x7f; /* positive */
        serial[0] |= 0x40; /* and of full length */
        number = BN_bin2bn(serial, sizeof(serial), NULL);
        ok = number != NULL && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != NULL;
    }
    ok = ok && X509_set_version(cert, 2) == 1 && X509_set_subject_name(cert, subject) == 1 &&
         X509_set_issuer_name(cert, issuer != NULL ? X509_get_subject_name(issuer) : subject) ==
             1 &&
         X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL &&
         X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) != NULL &&
         X509_set_pubkey(cert, key) == 1;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
    ok = ok &&
         add_extension(cert, &ctx, "basicConstraints",
                       ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
         add_extension(cert, &ctx, "keyUsage",
                       ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
         (ca || add_extension(cert, &ctx, "extendedKeyUsage", "clientAuth")) &&
         add_extension(cert, &ctx, "subjectKeyIdentifier", "hash") &&
         add_extension(cert, &ctx, "authorityKeyIdentifier", "keyid:always") &&
         X509_sign(cert, issuer_key, EVP_sha256()) > 0;
    BN_free(number);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static int make_directory(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "airwrite-pki: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    return 0;
}

int pki_cli_device_ca(int argc, char **argv)
{
    device_options o;
    int rc = parse_options(argc, argv, false, CA_DAYS_DEFAULT, &o);
    if (rc != 0)
        return rc;
    if (make_directory(o.out) != 0)
        return 1;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509_NAME *name = X509_NAME_new();
    bool ok = key != NULL && name != NULL &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                         (const unsigned char *)"airwrite device CA", -1, -1,
                                         0) == 1;
    X509 *cert = ok ? issue(key, name, NULL, key, o.days, true) : NULL;
    if (cert == NULL) {
        print_openssl_error("cannot issue the device CA");
        rc = 1;
    }
    if (rc == 0)
        rc = pki_cli_write_pem(o.out, "device-ca.key.pem", 0600, NULL, key);
    if (rc == 0)
        rc = pki_cli_write_pem(o.out, "device-ca.pem", 0644, cert, NULL);
    if (rc == 0)
        printf("created the device CA %s/device-ca.pem\n", o.out);
    X509_free(cert);
    X509_NAME_free(name);
    EVP_PKEY_free(key);
    return rc;
}

/* The PEM certificate or private key at path; NULL after a message. */
static void *read_pem(const char *path, bool private_key)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "airwrite-pki: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    void *object = private_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
                               : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (object == NULL) {
        char what[PATH_BYTES + 64];
        snprintf(what, sizeof(what), "%s is no PEM %s", path,
                 private_key ? "private key" : "certificate");
        print_openssl_error(what);
    }
    return object;
}

int pki_cli_device(int argc, char **argv)
{
    device_options o;
    int rc = parse_options(argc, argv, true, DEVICE_DAYS_DEFAULT, &o);
    if (rc != 0)
        return rc;
    if (pki_eid_validate(o.eid) != AW_OK) {
        fprintf(stderr, "airwrite-pki: invalid EID '%s': need 32 digits with valid check "
                        "digits (SGP.29, mod 97)\n", o.eid);
        return 2;
    }
    /* the CA's key beside it by default: NAME.pem -> NAME.key.pem */
    char key_path[PATH_BYTES];
    size_t len = strlen(o.ca);
    if (o.ca_key == NULL) {
        if (len < 4 || strcmp(o.ca + len - 4, ".pem") != 0 || len + 4 >= sizeof(key_path)) {
            fprintf(stderr, "airwrite-pki: --ca-key is needed when --ca does not end in .pem\n");
            return 2;
        }
        snprintf(key_path, sizeof(key_path), "%.*s.key.pem", (int)(len - 4), o.ca);
        o.ca_key = key_path;
    }
    X509 *ca = read_pem(o.ca, false);
    EVP_PKEY *ca_key = ca != NULL ? read_pem(o.ca_key, true) : NULL;
    if (ca_key == NULL)
        rc = 1;
    if (rc == 0 && X509_check_ca(ca) != 1) {
        fprintf(stderr, "airwrite-pki: %s is not a CA certificate\n", o.ca);
        rc = 1;
    }
    if (rc == 0 && X509_check_private_key(ca, ca_key) != 1) {
        ERR_clear_error();
        fprintf(stderr, "airwrite-pki: %s is not the key of %s\n", o.ca_key, o.ca);
        rc = 1;
    }
    if (rc == 0)
        rc = make_directory(o.out);
    EVP_PKEY *key = NULL;
    X509_NAME *name = NULL;
    X509 *cert = NULL;
    if (rc == 0) {
        /* the platform reads the EID from the subject's one serialNumber */
        key = EVP_EC_gen("P-256");
        name = X509_NAME_new();
        bool ok = key != NULL && name != NULL &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                             (const unsigned char *)"airwrite device", -1, -1,
                                             0) == 1 &&
                  X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_ASC,
                                             (const unsigned char *)o.eid, -1, -1, 0) == 1;
        cert = ok ? issue(key, name, ca, ca_key, o.days, false) : NULL;
        if (cert == NULL) {
            print_openssl_error("cannot issue the device certificate");
            rc = 1;
        }
    }
    char file[64];
    snprintf(file, sizeof(file), "device-%s.key.pem", o.eid);
    if (rc == 0)
        rc = pki_cli_write_pem(o.out, file, 0600, NULL, key);
    snprintf(file, sizeof(file), "device-%s.pem", o.eid);
    if (rc == 0)
        rc = pki_cli_write_pem(o.out, file, 0644, cert, NULL);
    if (rc == 0)
        printf("created %s/%s\n", o.out, file);
    X509_free(cert);
    X509_NAME_free(name);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    return rc;
}
