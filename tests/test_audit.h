/* Shared state of the audit log tests (test_audit.c, test_audit_tamper.c):
 * the database each test uses (SQLite file or the harness's PostgreSQL). */
#ifndef AIRWRITE_TESTS_TEST_AUDIT_H
#define AIRWRITE_TESTS_TEST_AUDIT_H

#include "testutil.h"

#include "core/audit.h"

#define AUDIT_T0 1764560000000LL /* a fixed "now" in ms (2025-12-01T03:33:20Z) */

extern bool audit_use_postgresql;
extern char audit_current_url[1100];

/* A fresh database (cmocka setup; also between suites in one test). */
int audit_test_setup(void **state);

/* Open and migrate the current database. */
db_connection *audit_test_open(void);

/* The event number i of the test logs (varied fields). */
audit_event audit_test_event(int i, char *target, size_t target_size);

/* Append count events (times AUDIT_T0 + i) with key/interval. */
void audit_test_fill(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                     uint32_t interval, int count);

/* Verify with key; returns the error and fills *report. */
aw_err audit_test_verify(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                         audit_report *report);

/* Drop the append-only triggers, as an attacker owning the database would. */
void audit_test_drop_triggers(db_connection *db);

void test_audit_tamper_update_field(void **state);
void test_audit_tamper_recomputed_hash(void **state);
void test_audit_tamper_delete_middle(void **state);
void test_audit_tamper_delete_renumbered(void **state);
void test_audit_tamper_delete_tail(void **state);
void test_audit_tamper_insert_forged(void **state);
void test_audit_tamper_swap(void **state);
void test_audit_tamper_suite(void **state);
void test_audit_tamper_format(void **state);
void test_audit_tamper_checkpoints(void **state);
void test_audit_tamper_rewritten_chain(void **state);

#endif
