/* Test helper for tests/test_airwritectl_audit.sh: appends COUNT events to
 * the audit log (core/audit.h) of a database, with a checkpoint every
 * INTERVAL entries signed by the private key in KEY_PEM (0: none).
 *   audit_writer URL international|domestic KEY_PEM COUNT INTERVAL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/audit.h"
#include "core/file.h"

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: audit_writer URL international|domestic KEY_PEM COUNT INTERVAL\n");
        return 2;
    }
    crypto_suite suite;
    int count = atoi(argv[4]), interval = atoi(argv[5]);
    uint8_t *pem = NULL;
    size_t len = 0;
    crypto_suite_key *key = NULL;
    db_connection *db = NULL;
    aw_err err = crypto_suite_parse(argv[2], &suite);
    if (err == AW_OK && (err = aw_file_read(argv[3], 65536, &pem, &len)) == AW_OK) {
        err = crypto_suite_key_load_private_pem(suite, (const char *)pem, len, &key);
        OPENSSL_cleanse(pem, len);
        free(pem);
    }
    if (err == AW_OK && (err = db_open(argv[1], NULL, &db)) == AW_OK)
        err = audit_migrate(db);
    audit_options options = {.suite = suite, .checkpoint_key = key,
                             .checkpoint_interval = (uint32_t)(interval > 0 ? interval : 0)};
    for (int i = 1; err == AW_OK && i <= count; i++) {
        char target[32], details[64];
        snprintf(target, sizeof(target), "order:%d", i);
        snprintf(details, sizeof(details), "{\"step\":%d}", i);
        audit_event event = {.actor_type = i % 2 ? AUDIT_ACTOR_USER : AUDIT_ACTOR_APP,
                             .actor_id = i % 2 ? "alice" : "app-7",
                             .actor_role = "operator",
                             .tenant = "tenant-a",
                             .action = i % 3 ? "order.create" : "login",
                             .target = target,
                             .outcome = AUDIT_OUTCOME_SUCCESS,
                             .source_address = "192.0.2.7",
                             .request_id = "req-1",
                             .details = details};
        err = audit_append(db, &options, &event, db_clock_ms(), NULL);
    }
    if (err != AW_OK)
        fprintf(stderr, "audit_writer: %s (%s)\n", aw_err_name(err), db ? db_last_error(db) : "");
    db_close(db);
    crypto_suite_key_free(key);
    return err == AW_OK ? 0 : 1;
}
