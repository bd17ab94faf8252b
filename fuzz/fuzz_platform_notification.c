/* libFuzzer target: the platform's ES2+.HandleDownloadProgressInfo endpoint
 * (src/platform/executor_notify.c; SGP.22 5.3.5 over 6.5.2.5), the body an
 * SM-DP+ sends, through platform_executor_handle_notification on an
 * executor whose database (SQLite in a temporary directory) holds no item.
 * Properties checked beyond "no crash": with no item a notification is
 * never taken (no 204); every answer is 200 with a Failed function
 * execution status that the ES2+ client's own strict parser accepts, with
 * the codes of a malformed body (1 / 2.1, 1 / 2.2) or of an unknown ICCID
 * (8.2.1 / 3.9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/es2p_client.h"
#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static platform_executor *executor;
static char directory[64];

static void cleanup(void)
{
    static const char *const files[] = {"platform.db", "platform.db-wal", "platform.db-shm",
                                        "eim.db", "eim.db-wal", "eim.db-shm", "cert.pem",
                                        "key.pem"};
    char path[128];
    platform_executor_free(executor);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", directory, files[i]);
        unlink(path);
    }
    rmdir(directory);
}

/* The workers' client credential (loaded when the executor is made, never
 * used here): a self-signed P-256 certificate. */
static void write_credential(const char *cert_path, const char *key_path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    if (key == NULL || cert == NULL || !X509_set_version(cert, 2) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) ||
        X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(cert), 86400) == NULL ||
        !X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                    (const unsigned char *)"fuzz", -1, -1, 0) ||
        !X509_set_issuer_name(cert, X509_get_subject_name(cert)) || !X509_set_pubkey(cert, key) ||
        X509_sign(cert, key, EVP_sha256()) <= 0)
        abort();
    FILE *out = fopen(cert_path, "w");
    if (out == NULL || !PEM_write_X509(out, cert))
        abort();
    fclose(out);
    out = fopen(key_path, "w");
    if (out == NULL || !PEM_write_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL))
        abort();
    fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void init(void)
{
    snprintf(directory, sizeof(directory), "/tmp/aw-fuzz-notify-XXXXXX");
    if (mkdtemp(directory) == NULL)
        abort();
    char platform_url[128], eim_url[128];
    snprintf(platform_url, sizeof(platform_url), "sqlite:%s/platform.db", directory);
    snprintf(eim_url, sizeof(eim_url), "sqlite:%s/eim.db", directory);
    db_connection *db = NULL;
    if (db_open(platform_url, NULL, &db) != AW_OK || platform_migrate(db) != AW_OK)
        abort();
    db_close(db);
    char cert_path[128], key_path[128];
    snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", directory);
    snprintf(key_path, sizeof(key_path), "%s/key.pem", directory);
    write_credential(cert_path, key_path);
    /* the workers never run: nothing is sent */
    platform_executor_config config = {.database_url = platform_url,
                                       .eim_database_url = eim_url,
                                       .smdp_es2p_url = "https://127.0.0.1:1",
                                       .smdp_address = "smdp.example.com",
                                       .ca_file = cert_path,
                                       .certificate_file = cert_path,
                                       .key_file = key_path,
                                       .requester_identifier = "fuzz",
                                       .workers = 1};
    if (platform_executor_new(&config, &executor) != AW_OK)
        abort();
    atexit(cleanup);
}

static bool codes_are(const es2p_client_answer *a, const char *subject, const char *reason)
{
    return strcmp(a->subject_code, subject) == 0 && strcmp(a->reason_code, reason) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (executor == NULL)
        init();
    int status = 0;
    char *answer = NULL;
    aw_err err = platform_executor_handle_notification(executor, "CN=fuzz", data, size,
                                                       1700000000000, &status, &answer);
    if (err != AW_OK)
        abort();
    if (status != 200 || answer == NULL)
        abort();
    es2p_client_answer parsed;
    if (es2p_client_parse_response(ES2P_CLIENT_RELEASE_PROFILE, 200, (const uint8_t *)answer,
                                   strlen(answer), &parsed) != AW_OK ||
        parsed.outcome != ES2P_CLIENT_FAILED ||
        !(codes_are(&parsed, "1", "2.1") || codes_are(&parsed, "1", "2.2") ||
          codes_are(&parsed, "8.2.1", "3.9")))
        abort();
    free(answer);
    return 0;
}
