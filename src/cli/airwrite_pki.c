/* airwrite-pki: create a complete RSP test PKI (SGP.22 4.5.2 certificate
 * profiles, Variant O: CI, EUM, eUICC, DPauth, DPpb, DPtls; SGP.32 eIM) as
 * PEM files, show the RSP-relevant fields of a certificate, and (in
 * airwrite_pki_device.c) the devices' terminal report certificates. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "airwrite_pki.h"
#include "core/hex.h"
#include "core/pki.h"

#define MAX_TLS_NAMES 32
#define MAX_FILE_SIZE (1u << 20)

/* File base names, by role. */
static const char *const file_base[AW_PKI_ROLE__COUNT] = {
    [AW_PKI_ROLE_CI] = "ci",         [AW_PKI_ROLE_EUICC] = "euicc",
    [AW_PKI_ROLE_EUM] = "eum",       [AW_PKI_ROLE_DP_TLS] = "dptls",
    [AW_PKI_ROLE_DP_AUTH] = "dpauth", [AW_PKI_ROLE_DP_PB] = "dppb",
    [AW_PKI_ROLE_EIM] = "eim",
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-pki init DIR [--curve nist|brainpool] [--eid EID] [--tls-name NAME|IP ...]\n"
            "       airwrite-pki show FILE\n"
            "       airwrite-pki device-ca --out DIR [--days N]\n"
            "       airwrite-pki device --eid EID --ca CA.pem [--ca-key CA.key.pem] --out DIR [--days N]\n"
            "       airwrite-pki --help\n"
            "\n"
            "init  creates a complete RSP test PKI in DIR (created if absent): ci.pem, eum.pem,\n"
            "      euicc.pem, dpauth.pem, dppb.pem, dptls.pem, eim.pem, each with its *.key.pem\n"
            "      (mode 0600), following the SGP.22 4.5.2 certificate profiles.\n"
            "      --curve      nist (P-256, default) or brainpool (brainpoolP256r1)\n"
            "      --eid        32-digit EID for the eUICC certificate (check digits verified)\n"
            "      --tls-name   DNS name or IP address for dptls.pem; repeatable\n"
            "                   (default: localhost, 127.0.0.1, ::1)\n"
            "show  prints a certificate's (PEM or DER) RSP fields: subject, issuer, role,\n"
            "      curve, SKI, AKI, issuing CI PKID, validity, EID, SANs, key usage.\n"
            "device-ca  creates the CA of the devices' terminal report certificates (P-256):\n"
            "      DIR/device-ca.pem and DIR/device-ca.key.pem (mode 0600); --days default 3650.\n"
            "device     issues a device's client certificate for the terminal report channel\n"
            "      (mutual TLS, docs/firmware-update.md): subject serialNumber = the EID (check\n"
            "      digits verified), clientAuth, P-256, signed by CA (its key: --ca-key, default\n"
            "      CA with .pem replaced by .key.pem): DIR/device-EID.pem and\n"
            "      DIR/device-EID.key.pem (mode 0600); --days default 825.\n");
}

static void print_error(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-pki: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
}

/* ---- init ------------------------------------------------------------------ */

int pki_cli_write_pem(const char *dir, const char *name, mode_t mode, X509 *cert, EVP_PKEY *key)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fprintf(stderr, "airwrite-pki: path too long: %s/%s\n", dir, name);
        return 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        fprintf(stderr, "airwrite-pki: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* an existing file keeps its old mode through O_CREAT: set it */
    if (fchmod(fd, mode) != 0) {
        fprintf(stderr, "airwrite-pki: cannot set mode of %s: %s\n", path, strerror(errno));
        close(fd);
        return 1;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        fprintf(stderr, "airwrite-pki: cannot open %s: %s\n", path, strerror(errno));
        close(fd);
        return 1;
    }
    int ok = cert != NULL ? PEM_write_X509(f, cert)
                          : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "airwrite-pki: cannot write %s\n", path);
        ERR_clear_error();
        return 1;
    }
    return 0;
}

/* Check the new PKI with the library's own RSP verifier before writing it. */
static aw_err self_check(const pki_hierarchy *h, time_t now)
{
    pki_trust_store *store = NULL;
    aw_err err = pki_trust_store_new(&store);
    if (err != AW_OK)
        return err;
    pki_verify_options opt = {.now = now};
    static const aw_pki_role servers[] = {AW_PKI_ROLE_DP_AUTH, AW_PKI_ROLE_DP_PB,
                                          AW_PKI_ROLE_DP_TLS, AW_PKI_ROLE_EIM};
    err = pki_trust_store_add_ci(store, h->cert[AW_PKI_ROLE_CI]);
    for (size_t i = 0; err == AW_OK && i < sizeof(servers) / sizeof(servers[0]); i++)
        err = pki_verify_server_certificate(store, h->cert[servers[i]], servers[i], &opt, NULL);
    if (err == AW_OK)
        err = pki_verify_euicc_chain(store, h->cert[AW_PKI_ROLE_EUM], h->cert[AW_PKI_ROLE_EUICC],
                                     &opt, NULL);
    pki_trust_store_free(store);
    return err;
}

static int command_init(int argc, char **argv)
{
    const char *dir = NULL, *eid = NULL;
    const char *tls_names[MAX_TLS_NAMES];
    size_t tls_count = 0;
    aw_pki_curve curve = AW_PKI_CURVE_NIST_P256;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--curve") == 0 && has_value) {
            const char *v = argv[++i];
            if (strcmp(v, "nist") == 0) {
                curve = AW_PKI_CURVE_NIST_P256;
            } else if (strcmp(v, "brainpool") == 0) {
                curve = AW_PKI_CURVE_BRAINPOOL_P256R1;
            } else {
                fprintf(stderr, "airwrite-pki: unknown curve '%s' (use nist or brainpool)\n", v);
                return 2;
            }
        } else if (strcmp(arg, "--eid") == 0 && has_value) {
            eid = argv[++i];
        } else if (strcmp(arg, "--tls-name") == 0 && has_value) {
            if (tls_count == MAX_TLS_NAMES) {
                fprintf(stderr, "airwrite-pki: at most %d --tls-name values\n", MAX_TLS_NAMES);
                return 2;
            }
            tls_names[tls_count++] = argv[++i];
        } else if (arg[0] == '-') {
            fprintf(stderr, "airwrite-pki: unknown or incomplete option '%s'\n", arg);
            return 2;
        } else if (dir == NULL) {
            dir = arg;
        } else {
            fprintf(stderr, "airwrite-pki: unexpected argument '%s'\n", arg);
            return 2;
        }
    }
    if (dir == NULL) {
        fprintf(stderr, "airwrite-pki: init needs a directory\n");
        usage(stderr);
        return 2;
    }
    if (eid != NULL && pki_eid_validate(eid) != AW_OK) {
        fprintf(stderr, "airwrite-pki: invalid EID '%s': need 32 digits with valid check "
                        "digits (SGP.29, mod 97)\n", eid);
        return 2;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "airwrite-pki: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }

    time_t now = time(NULL);
    pki_hierarchy_params params = {
        .curve = curve, .eid = eid, .tls_names = tls_names, .tls_name_count = tls_count, .now = now,
    };
    pki_hierarchy h;
    aw_err err = pki_issue_hierarchy(&params, &h);
    if (err != AW_OK) {
        print_error("cannot issue the PKI", err);
        return 1;
    }
    int rc = 0;
    if ((err = self_check(&h, now)) != AW_OK) {
        print_error("issued PKI fails verification", err);
        rc = 1;
    }
    for (int r = 0; rc == 0 && r < AW_PKI_ROLE__COUNT; r++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.pem", file_base[r]);
        rc |= pki_cli_write_pem(dir, name, 0644, (X509 *)pki_certificate_x509(h.cert[r]), NULL);
        snprintf(name, sizeof(name), "%s.key.pem", file_base[r]);
        rc |= pki_cli_write_pem(dir, name, 0600, NULL, h.key[r]);
    }
    if (rc == 0)
        printf("created %s PKI in %s\n", pki_curve_name(curve), dir);
    pki_hierarchy_free(&h);
    return rc;
}

/* ---- show ------------------------------------------------------------------ */

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "airwrite-pki: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = malloc(MAX_FILE_SIZE);
    size_t n = buf != NULL ? fread(buf, 1, MAX_FILE_SIZE, f) : 0;
    bool too_big = buf != NULL && n == MAX_FILE_SIZE;
    fclose(f);
    if (buf == NULL || too_big || n == 0) {
        fprintf(stderr, "airwrite-pki: %s is %s\n", path,
                buf == NULL ? "unreadable (out of memory)" : too_big ? "too large" : "empty");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void print_key_id(const char *label, aw_err err, const aw_pki_key_id *id)
{
    char hex[2 * AW_PKI_KEY_ID_MAX + 1];
    if (err != AW_OK) {
        printf("%-16s (none)\n", label);
        return;
    }
    aw_hex_encode(id->bytes, id->len, hex, true);
    printf("%-16s %s\n", label, hex);
}

static void print_name(const char *label, const X509_NAME *name)
{
    printf("%-16s ", label);
    fflush(stdout);
    BIO *out = BIO_new_fp(stdout, BIO_NOCLOSE);
    if (out != NULL) {
        X509_NAME_print_ex(out, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
        BIO_free(out);
    }
    printf("\n");
}

static void print_time(const char *label, const ASN1_TIME *t)
{
    printf("%-16s ", label);
    fflush(stdout);
    BIO *out = BIO_new_fp(stdout, BIO_NOCLOSE);
    if (out != NULL) {
        ASN1_TIME_print(out, t);
        BIO_free(out);
    }
    printf("\n");
}

static void print_alt_names(const X509 *x)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    printf("%-16s", "subjectAltName");
    if (names == NULL)
        printf(" (none)");
    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        char buf[128];
        if (gn->type == GEN_DNS) {
            printf(" DNS:%.*s", gn->d.dNSName->length, (const char *)gn->d.dNSName->data);
        } else if (gn->type == GEN_RID) {
            OBJ_obj2txt(buf, sizeof(buf), gn->d.registeredID, 1);
            printf(" RID:%s", buf);
        } else if (gn->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *a = gn->d.iPAddress;
            if (a->length == 4) {
                printf(" IP:%u.%u.%u.%u", a->data[0], a->data[1], a->data[2], a->data[3]);
            } else {
                printf(" IP:");
                for (int k = 0; k < a->length; k += 2)
                    printf("%s%x", k ? ":" : "", (unsigned)(a->data[k] << 8 | a->data[k + 1]));
            }
        } else {
            printf(" (other name type %d)", gn->type);
        }
    }
    printf("\n");
    GENERAL_NAMES_free(names);
    ERR_clear_error();
}

static void print_key_usage(X509 *x)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } bits[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
                {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
                {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
                {KU_CRL_SIGN, "cRLSign"}};
    printf("%-16s", "keyUsage");
    if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE)) {
        printf(" (none)\n");
    } else {
        uint32_t ku = X509_get_key_usage(x);
        for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
            if (ku & bits[i].bit)
                printf(" %s", bits[i].name);
        }
        printf("\n");
    }
    if (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) {
        uint32_t xku = X509_get_extended_key_usage(x);
        printf("%-16s%s%s\n", "extKeyUsage", (xku & XKU_SSL_SERVER) ? " serverAuth" : "",
               (xku & XKU_SSL_CLIENT) ? " clientAuth" : "");
    }
    printf("%-16s %s\n", "basicConstraints",
           (X509_get_extension_flags(x) & EXFLAG_CA) ? "CA" : "end entity");
}

/* Role from the policies; an end entity without any id-rspRole is shown as
 * the eIM (SGP.32) certificate, the one RSP role without a policy OID. */
static aw_pki_role show_role(const pki_certificate *cert, X509 *x)
{
    aw_pki_role role;
    if (pki_certificate_get_role(cert, &role) == AW_OK) {
        printf("%-16s %s (policy %s)\n", "role", pki_role_name(role), pki_role_policy_oid(role));
        return role;
    }
    CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
    bool rsp = false;
    for (int i = 0; pols != NULL && i < sk_POLICYINFO_num(pols); i++) {
        char oid[80];
        OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pols, i)->policyid, 1);
        rsp |= strncmp(oid, "2.23.146.1.2.1.", 15) == 0;
    }
    CERTIFICATEPOLICIES_free(pols);
    ERR_clear_error();
    if (!rsp && !(X509_get_extension_flags(x) & EXFLAG_CA)) {
        printf("%-16s eIM (no id-rspRole policy)\n", "role");
        return AW_PKI_ROLE_EIM;
    }
    printf("%-16s unknown (no single id-rspRole policy)\n", "role");
    return AW_PKI_ROLE__COUNT;
}

static int command_show(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "airwrite-pki: show needs exactly one FILE\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *data = read_file(argv[0], &len);
    if (data == NULL)
        return 1;
    pki_certificate *cert = NULL;
    aw_err err = (len > 10 && memcmp(data, "-----BEGIN", 10) == 0)
                     ? pki_certificate_parse_pem((const char *)data, len, &cert)
                     : pki_certificate_parse(data, len, &cert);
    free(data);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-pki: %s: %s (%s)\n", argv[0], aw_err_message(err),
                aw_err_name(err));
        return 1;
    }
    X509 *x = (X509 *)pki_certificate_x509(cert);
    print_name("subject", X509_get_subject_name(x));
    print_name("issuer", X509_get_issuer_name(x));
    aw_pki_role role = show_role(cert, x);
    aw_pki_curve curve;
    printf("%-16s %s\n", "curve",
           pki_certificate_get_curve(cert, &curve) == AW_OK ? pki_curve_name(curve) : "not allowed");
    aw_pki_key_id ski, aki;
    aw_err ski_err = pki_certificate_get_subject_key_id(cert, &ski);
    aw_err aki_err = pki_certificate_get_authority_key_id(cert, &aki);
    print_key_id("SKI", ski_err, &ski);
    print_key_id("AKI", aki_err, &aki);
    /* PKID of the issuing CI: a CI is its own; CI-issued certificates name it
     * in their AKI; an eUICC's CI is named by its EUM certificate's AKI. */
    if (role == AW_PKI_ROLE_CI)
        print_key_id("CI PKID", ski_err, &ski);
    else if (role == AW_PKI_ROLE_EUICC)
        printf("%-16s (the AKI of the issuing EUM certificate)\n", "CI PKID");
    else
        print_key_id("CI PKID", aki_err, &aki);
    print_time("notBefore", X509_get0_notBefore(x));
    print_time("notAfter", X509_get0_notAfter(x));
    char eid[AW_PKI_EID_DIGITS + 1];
    if (role == AW_PKI_ROLE_EUICC) {
        aw_err eid_err = pki_certificate_get_eid(cert, eid);
        printf("%-16s %s\n", "EID", eid_err == AW_OK ? eid : aw_err_message(eid_err));
    }
    print_alt_names(x);
    print_key_usage(x);
    if (role != AW_PKI_ROLE__COUNT) {
        err = pki_check_role(cert, role, time(NULL));
        printf("%-16s %s\n", "profile check", err == AW_OK ? "OK" : aw_err_message(err));
    }
    pki_certificate_free(cert);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "init") == 0)
        return command_init(argc - 2, argv + 2);
    if (strcmp(argv[1], "show") == 0)
        return command_show(argc - 2, argv + 2);
    if (strcmp(argv[1], "device-ca") == 0) /* airwrite_pki_device.c */
        return pki_cli_device_ca(argc - 2, argv + 2);
    if (strcmp(argv[1], "device") == 0)
        return pki_cli_device(argc - 2, argv + 2);
    fprintf(stderr, "airwrite-pki: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
