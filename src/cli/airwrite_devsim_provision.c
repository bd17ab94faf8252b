/* airwrite-devsim provision: N device identities under one EUM (SGP.22
 * 4.5.2.1.0.2 eUICC certificate: EID as subject serialNumber, issued by
 * the EUM of a test PKI, within its name constraints), each eUICC's state
 * created and its eIM configured as an IPA does at manufacture (SGP.32
 * 5.9.16 ES10b.AddInitialEim: eimId, eimFqdn, counterValue 0, the eIM's
 * public key), then the eIM's registration batches (SGP.32 3.3, the CSV
 * airwrite-eim register reads) and the EID list of an order. */
#include "airwrite_devsim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "core/file.h"

#define PEM_FILE_MAX (64u * 1024u)
#define ORGANIZATION_MAX 128
#define EID_PREFIX_DIGITS 20          /* kept from the PKI's EID: EIN and more */
#define EID_INDEX_BASE 1000000000ul   /* 10 digits, never the PKI's own EID */
#define THREADS_MAX 64u
#define YEAR_S (365L * 24 * 3600)

typedef struct provision_options {
    const char *pki, *out, *eim_id, *eim_fqdn, *eim_cert, *eid_prefix;
    unsigned long count, first, threads;
} provision_options;

/* What every device shares, and what each one produced. */
typedef struct provision_job {
    const provision_options *o;
    char prefix[EID_PREFIX_DIGITS + 1];
    char organization[ORGANIZATION_MAX];
    aw_pki_curve curve;
    pki_certificate *eum;
    EVP_PKEY *eum_key;
    char *eum_base64;
    unsigned char *eim_key;   /* eimPublicKeyData [0] SubjectPublicKeyInfo */
    int eim_key_len;
    time_t now;
    char (*eids)[AW_PKI_EID_DIGITS + 1];
    char **records;           /* registration CSV line of each device */
    atomic_ulong next, done;
    atomic_int failed;        /* first error, 0 none */
    atomic_ulong failed_index;
} provision_job;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-devsim provision --pki DIR --count N --out DIR [--eim-id ID]\n"
            "                                 [--eim-fqdn FQDN] [--eim-cert FILE]\n"
            "                                 [--first I] [--eid-prefix DIGITS] [--threads T]\n"
            "  --pki DIR        a test PKI (airwrite-pki init): ci.pem, eum.pem, eum.key.pem;\n"
            "                   euicc.pem gives the EID prefix\n"
            "  --count N        devices to create (1..%u)\n"
            "  --out DIR        the simulation's directory (created; must hold no devices)\n"
            "  --eim-id ID      the eimId configured on each eUICC (default eim.devsim)\n"
            "  --eim-fqdn FQDN  its eimFqdn (default 127.0.0.1)\n"
            "  --eim-cert FILE  the eIM's certificate (default DIR/eim.pem of --pki)\n"
            "  --first I        index of the first device (EIDs of several runs apart)\n"
            "  --eid-prefix D   the first 20 digits of every EID (default: the PKI's EID's)\n"
            "  --threads T      devices made in parallel (default 8)\n"
            "Writes DIR/eids.csv, DIR/eim-register.csv (or eim-register-K.csv, %u devices\n"
            "each) for airwrite-eim register, and DIR/devices/EID/ per device.\n",
            DEVSIM_MAX_DEVICES, DEVSIM_REGISTER_RECORDS);
}

static int fail(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-devsim: %s: %s (%s)\n", what, aw_err_message(err),
            aw_err_name(err));
    return DEVSIM_EXIT_FAILED;
}

static aw_err read_certificate_file(const char *path, pki_certificate **out)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    *out = NULL;
    aw_err err = aw_file_read(path, PEM_FILE_MAX, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, out);
    free(pem);
    return err;
}

static aw_err read_certificate(const char *dir, const char *name, pki_certificate **out)
{
    char path[DEVSIM_PATH_MAX];
    *out = NULL;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return AW_ERR_ARGUMENT;
    return read_certificate_file(path, out);
}

static aw_err read_private_key(const char *dir, const char *name, EVP_PKEY **out)
{
    char path[DEVSIM_PATH_MAX];
    *out = NULL;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return AW_ERR_ARGUMENT;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return *out != NULL ? AW_OK : AW_ERR_CRYPTO_KEY;
}

/* Copy DIR/name of the PKI into the simulation's directory. */
static aw_err copy_file(const char *from_dir, const char *to_dir, const char *name)
{
    char from[DEVSIM_PATH_MAX], to[DEVSIM_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    if (snprintf(from, sizeof(from), "%s/%s", from_dir, name) >= (int)sizeof(from) ||
        snprintf(to, sizeof(to), "%s/%s", to_dir, name) >= (int)sizeof(to))
        return AW_ERR_ARGUMENT;
    aw_err err = aw_file_read(from, PEM_FILE_MAX, &data, &len);
    if (err == AW_OK)
        err = aw_file_write_atomic(to, data, len, 0644);
    free(data);
    return err;
}

static aw_err write_pem(const char *path, const pki_certificate *cert, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    aw_err err = bio != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK &&
        (cert != NULL ? PEM_write_bio_X509(bio, (X509 *)pki_certificate_x509(cert))
                      : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) != 1)
        err = AW_ERR_CRYPTO;
    long len = err == AW_OK ? BIO_get_mem_data(bio, &pem) : 0;
    /* written plainly, made durable with the whole directory at the end
     * (syncfs): an fsync per file would bound provisioning to the disk's
     * flush rate, and a directory without eids.csv is unfinished anyway */
    int fd = err == AW_OK ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                 cert != NULL ? 0644 : 0600)
                          : -1;
    if (err == AW_OK && fd < 0)
        err = AW_ERR_IO;
    if (err == AW_OK && write(fd, pem, (size_t)len) != (ssize_t)len)
        err = AW_ERR_IO;
    if (fd >= 0 && close(fd) != 0 && err == AW_OK)
        err = AW_ERR_IO;
    if (pem != NULL && cert == NULL)
        OPENSSL_cleanse(pem, (size_t)len); /* SK.EUICC.ECDSA */
    BIO_free(bio);
    return err;
}

static char *base64_of(aw_slice der)
{
    size_t cap = aw_base64_encoded_length(der.len) + 1;
    char *text = malloc(cap);
    if (text != NULL && aw_base64_encode(der.ptr, der.len, text, cap) != AW_OK) {
        free(text);
        text = NULL;
    }
    return text;
}

/* SGP.32 5.9.16 AddInitialEim on the device's new eUICC, as airwrite-ipa
 * add-initial-eim does it. AW_ERR_STATE when the eUICC refuses. */
static aw_err add_initial_eim(const provision_job *job, ipa *session)
{
    sgp32_add_initial_eim_request *request = calloc(1, sizeof(*request));
    sgp32_add_initial_eim_response *response = calloc(1, sizeof(*response));
    aw_err err = request != NULL && response != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK) {
        sgp32_eim_configuration_data *c = &request->eim_configurations[0];
        request->eim_configuration_count = 1;
        c->eim_id = (aw_slice){(const uint8_t *)job->o->eim_id, strlen(job->o->eim_id)};
        c->has_eim_fqdn = true;
        c->eim_fqdn = (aw_slice){(const uint8_t *)job->o->eim_fqdn, strlen(job->o->eim_fqdn)};
        c->has_counter_value = true;
        c->has_eim_public_key_data = true;
        c->eim_public_key_data.kind = SGP32_EIM_KEY_PUBLIC_KEY;
        c->eim_public_key_data.value = (aw_slice){job->eim_key, (size_t)job->eim_key_len};
        err = ipa_es10b_add_initial_eim(session, request, response);
    }
    if (err == AW_OK && response->kind != SGP32_ADD_INITIAL_EIM_RESPONSE_OK)
        err = AW_ERR_STATE;
    free(request);
    free(response);
    return err;
}

/* Device index: its EID, certificate and key, eUICC state with the eIM. */
static aw_err provision_device(provision_job *job, size_t index)
{
    char body[AW_PKI_EID_DIGITS + 1], path[DEVSIM_PATH_MAX];
    char *eid = job->eids[index];
    EVP_PKEY *key = NULL;
    pki_certificate *cert = NULL;
    char *cert_base64 = NULL;
    devsim_device device;
    memset(&device, 0, sizeof(device));
    snprintf(body, sizeof(body), "%s%010lu", job->prefix,
             EID_INDEX_BASE + job->o->first + (unsigned long)index);
    aw_err err = pki_eid_complete(body, eid);
    if (err == AW_OK && (!devsim_device_path(path, sizeof(path), job->o->out, eid, NULL) ||
                         (mkdir(path, 0700) != 0 && errno != EEXIST)))
        err = AW_ERR_IO;
    if (err == AW_OK)
        err = pki_generate_key(job->curve, &key);
    if (err == AW_OK) {
        pki_issue_request request = {
            .role = AW_PKI_ROLE_EUICC,
            .organization = job->organization, /* inside the EUM's name constraints */
            .common_name = "airwrite devsim eUICC",
            .eid = eid,
            .not_before = job->now - 3600,
            .not_after = job->now + 2 * YEAR_S,
        };
        err = pki_issue_certificate(&request, key, job->eum, job->eum_key, &cert);
    }
    if (err == AW_OK && !devsim_device_path(path, sizeof(path), job->o->out, eid, "euicc.pem"))
        err = AW_ERR_ARGUMENT;
    if (err == AW_OK)
        err = write_pem(path, cert, NULL);
    if (err == AW_OK &&
        !devsim_device_path(path, sizeof(path), job->o->out, eid, "euicc.key.pem"))
        err = AW_ERR_ARGUMENT;
    if (err == AW_OK)
        err = write_pem(path, NULL, key);
    if (err == AW_OK)
        err = devsim_device_open(job->o->out, eid, job->now, &device);
    if (err == AW_OK)
        err = add_initial_eim(job, device.session);
    devsim_device_close(&device);
    if (err == AW_OK && (cert_base64 = base64_of(pki_certificate_der(cert))) == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        size_t n = strlen(eid) + strlen(job->o->eim_id) + strlen(cert_base64) +
                   strlen(job->eum_base64) + 16;
        job->records[index] = malloc(n);
        if (job->records[index] == NULL)
            err = AW_ERR_NOMEM;
        else
            snprintf(job->records[index], n, "%s,%s,0,%s,%s\n", eid, job->o->eim_id,
                     cert_base64, job->eum_base64);
    }
    free(cert_base64);
    pki_certificate_free(cert);
    EVP_PKEY_free(key);
    return err;
}

static void *provision_worker(void *arg)
{
    provision_job *job = arg;
    for (;;) {
        unsigned long index = atomic_fetch_add(&job->next, 1);
        if (index >= job->o->count || atomic_load(&job->failed) != 0)
            break;
        aw_err err = provision_device(job, index);
        if (err != AW_OK) {
            int none = 0;
            if (atomic_compare_exchange_strong(&job->failed, &none, (int)err))
                atomic_store(&job->failed_index, index);
            break;
        }
        atomic_fetch_add(&job->done, 1);
    }
    return NULL;
}

/* The shared parts: the EUM and its key, the EID prefix, the eIM key. */
static aw_err prepare(provision_job *job)
{
    const provision_options *o = job->o;
    pki_certificate *euicc_cert = NULL, *eim = NULL;
    char eid[AW_PKI_EID_DIGITS + 1];
    aw_err err = read_certificate(o->pki, "eum.pem", &job->eum);
    if (err == AW_OK)
        err = read_private_key(o->pki, "eum.key.pem", &job->eum_key);
    if (err == AW_OK)
        err = pki_certificate_get_curve(job->eum, &job->curve);
    if (err == AW_OK &&
        X509_NAME_get_text_by_NID(X509_get_subject_name(pki_certificate_x509(job->eum)),
                                  NID_organizationName, job->organization,
                                  sizeof(job->organization)) <= 0)
        err = AW_ERR_PKI_NAME_CONSTRAINTS;
    if (err == AW_OK && o->eid_prefix != NULL) {
        snprintf(job->prefix, sizeof(job->prefix), "%s", o->eid_prefix);
    } else if (err == AW_OK) {
        err = read_certificate(o->pki, "euicc.pem", &euicc_cert);
        if (err == AW_OK)
            err = pki_certificate_get_eid(euicc_cert, eid);
        if (err == AW_OK)
            snprintf(job->prefix, sizeof(job->prefix), "%.*s", EID_PREFIX_DIGITS, eid);
    }
    if (err == AW_OK)
        err = read_certificate_file(o->eim_cert, &eim);
    if (err == AW_OK) {
        /* the eIM's key as eimPublicKeyData [0] IMPLICIT SubjectPublicKeyInfo */
        job->eim_key_len = i2d_PUBKEY(pki_certificate_public_key(eim), &job->eim_key);
        if (job->eim_key_len <= 0)
            err = AW_ERR_CRYPTO_KEY;
        else
            job->eim_key[0] = 0xA0;
    }
    if (err == AW_OK && (job->eum_base64 = base64_of(pki_certificate_der(job->eum))) == NULL)
        err = AW_ERR_NOMEM;
    pki_certificate_free(euicc_cert);
    pki_certificate_free(eim);
    return err;
}

static aw_err write_lists(const provision_job *job)
{
    const provision_options *o = job->o;
    char path[DEVSIM_PATH_MAX];
    size_t files = (o->count + DEVSIM_REGISTER_RECORDS - 1) / DEVSIM_REGISTER_RECORDS;
    static const char header[] = "eid,eim_id,counter_value,euicc_certificate,eum_certificate\n";
    aw_err err = AW_OK;
    for (size_t f = 0; err == AW_OK && f < files; f++) {
        size_t from = f * DEVSIM_REGISTER_RECORDS;
        size_t to = from + DEVSIM_REGISTER_RECORDS < o->count ? from + DEVSIM_REGISTER_RECORDS
                                                              : o->count;
        size_t len = sizeof(header) - 1;
        for (size_t i = from; i < to; i++)
            len += strlen(job->records[i]);
        char *text = malloc(len + 1), *p = text;
        if (text == NULL)
            return AW_ERR_NOMEM;
        p += sprintf(p, "%s", header);
        for (size_t i = from; i < to; i++)
            p += sprintf(p, "%s", job->records[i]);
        int n = files == 1 ? snprintf(path, sizeof(path), "%s/eim-register.csv", o->out)
                           : snprintf(path, sizeof(path), "%s/eim-register-%zu.csv", o->out,
                                      f + 1);
        err = n > 0 && (size_t)n < sizeof(path)
                  ? aw_file_write_atomic(path, (const uint8_t *)text, len, 0644)
                  : AW_ERR_ARGUMENT;
        free(text);
    }
    /* the EID list last: its presence says the directory is complete */
    char *text = err == AW_OK ? malloc(4 + o->count * (AW_PKI_EID_DIGITS + 1) + 1) : NULL;
    if (err == AW_OK && text == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        char *p = text + sprintf(text, "eid\n");
        for (size_t i = 0; i < o->count; i++)
            p += sprintf(p, "%s\n", job->eids[i]);
        err = snprintf(path, sizeof(path), "%s/" DEVSIM_EIDS_FILE, o->out) < (int)sizeof(path)
                  ? aw_file_write_atomic(path, (const uint8_t *)text, (size_t)(p - text), 0644)
                  : AW_ERR_ARGUMENT;
    }
    free(text);
    return err;
}

/* Everything written under dir reaches the disk (syncfs: one flush of
 * the file system instead of one per file). */
static aw_err sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return AW_ERR_IO;
    aw_err err = syncfs(fd) == 0 ? AW_OK : AW_ERR_IO;
    close(fd);
    return err;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Run the workers, showing progress on stderr every second for large N. */
static aw_err run_workers(provision_job *job)
{
    pthread_t threads[THREADS_MAX];
    size_t started = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (; started < job->o->threads; started++)
        if (pthread_create(&threads[started], NULL, provision_worker, job) != 0)
            break;
    if (started == 0)
        return AW_ERR_NOMEM;
    /* on a terminal one line rewritten every second, else a line every 5 s */
    bool terminal = isatty(STDERR_FILENO) != 0;
    for (unsigned tick = 1; job->o->count >= 100; tick++) {
        sleep(1);
        unsigned long done = atomic_load(&job->done);
        if (done >= job->o->count || atomic_load(&job->failed) != 0)
            break;
        if (terminal || tick % 5 == 0)
            fprintf(stderr, "%sairwrite-devsim: provisioned %lu/%lu devices (%.0f/s)%s",
                    terminal ? "\r" : "", done, job->o->count,
                    (double)done / seconds_since(&start), terminal ? "" : "\n");
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    double elapsed = seconds_since(&start);
    if (job->o->count >= 100 && terminal)
        fputc('\n', stderr);
    fprintf(stderr, "airwrite-devsim: provisioned %lu devices in %.1f s (%.0f/s, %zu threads)\n",
            (unsigned long)atomic_load(&job->done), elapsed,
            (double)atomic_load(&job->done) / (elapsed > 0 ? elapsed : 1), started);
    return (aw_err)atomic_load(&job->failed);
}

static int parse_options(int argc, char **argv, provision_options *o)
{
    memset(o, 0, sizeof(*o));
    o->eim_id = "eim.devsim";
    o->eim_fqdn = "127.0.0.1";
    o->threads = 8; /* mostly waiting for the eUICC states' fsync */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--pki") == 0) {
            o->pki = v;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--eim-id") == 0) {
            o->eim_id = v;
        } else if (strcmp(a, "--eim-fqdn") == 0) {
            o->eim_fqdn = v;
        } else if (strcmp(a, "--eim-cert") == 0) {
            o->eim_cert = v;
        } else if (strcmp(a, "--eid-prefix") == 0) {
            o->eid_prefix = v;
            ok = ok && strlen(v) == EID_PREFIX_DIGITS && strspn(v, "0123456789") == strlen(v);
        } else if (strcmp(a, "--count") == 0) {
            ok = ok && devsim_parse_unsigned(v, DEVSIM_MAX_DEVICES, false, &o->count);
        } else if (strcmp(a, "--first") == 0) {
            ok = ok && devsim_parse_unsigned(v, 8000000000ul - DEVSIM_MAX_DEVICES, true,
                                             &o->first);
        } else if (strcmp(a, "--threads") == 0) {
            ok = ok && devsim_parse_unsigned(v, THREADS_MAX, false, &o->threads);
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "airwrite-devsim provision: bad or incomplete option '%s'\n", a);
            return DEVSIM_EXIT_USAGE;
        }
        i++;
    }
    if (o->pki == NULL || o->out == NULL || o->count == 0) {
        fprintf(stderr, "airwrite-devsim provision: needs --pki, --count and --out\n");
        return DEVSIM_EXIT_USAGE;
    }
    return 0;
}

int devsim_provision(int argc, char **argv)
{
    provision_options o;
    char eim_cert[DEVSIM_PATH_MAX], path[DEVSIM_PATH_MAX];
    int status = parse_options(argc, argv, &o);
    if (status != 0)
        return status < 0 ? 0 : status;
    if (o.eim_cert == NULL) {
        snprintf(eim_cert, sizeof(eim_cert), "%s/eim.pem", o.pki);
        o.eim_cert = eim_cert;
    }
    struct stat st;
    if (snprintf(path, sizeof(path), "%s/" DEVSIM_EIDS_FILE, o.out) >= (int)sizeof(path))
        return fail("--out", AW_ERR_ARGUMENT);
    if (stat(path, &st) == 0) {
        fprintf(stderr, "airwrite-devsim provision: %s exists: %s already holds devices\n",
                path, o.out);
        return DEVSIM_EXIT_FAILED;
    }
    provision_job job;
    memset(&job, 0, sizeof(job));
    job.o = &o;
    job.now = time(NULL);
    aw_err err = prepare(&job);
    if (err != AW_OK) {
        status = fail("reading the PKI", err);
        goto cleanup;
    }
    job.eids = calloc(o.count, sizeof(*job.eids));
    job.records = calloc(o.count, sizeof(*job.records));
    if (job.eids == NULL || job.records == NULL) {
        status = fail("provision", AW_ERR_NOMEM);
        goto cleanup;
    }
    if (snprintf(path, sizeof(path), "%s/" DEVSIM_DEVICES_DIR, o.out) >= (int)sizeof(path) ||
        (mkdir(o.out, 0755) != 0 && errno != EEXIST) ||
        (mkdir(path, 0700) != 0 && errno != EEXIST)) {
        status = fail(o.out, AW_ERR_IO);
        goto cleanup;
    }
    if ((err = copy_file(o.pki, o.out, "ci.pem")) != AW_OK ||
        (err = copy_file(o.pki, o.out, "eum.pem")) != AW_OK) {
        status = fail("copying ci.pem and eum.pem", err);
        goto cleanup;
    }
    err = run_workers(&job);
    if (err != AW_OK) {
        char what[64];
        snprintf(what, sizeof(what), "device %lu", (unsigned long)atomic_load(&job.failed_index));
        status = fail(what, err);
        goto cleanup;
    }
    if ((err = sync_directory(o.out)) != AW_OK || (err = write_lists(&job)) != AW_OK) {
        status = fail("writing eids.csv and eim-register*.csv", err);
        goto cleanup;
    }
    printf("%lu devices in %s: EIDs %s .. %s\n", o.count, o.out, job.eids[0],
           job.eids[o.count - 1]);
cleanup:
    if (job.records != NULL)
        for (size_t i = 0; i < o.count; i++)
            free(job.records[i]);
    free(job.records);
    free(job.eids);
    free(job.eum_base64);
    OPENSSL_free(job.eim_key);
    EVP_PKEY_free(job.eum_key);
    pki_certificate_free(job.eum);
    return status;
}
