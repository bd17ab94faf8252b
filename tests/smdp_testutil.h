/* Shared fixture of the SM-DP+ inventory tests (test_smdp_*.c), which run
 * against SQLite (a file per test in a temporary directory) and a real
 * PostgreSQL started by tests/pg-harness.sh (AW_TEST_POSTGRESQL_URL; the
 * public schema is emptied before each test), as test_db does. */
#ifndef AIRWRITE_TESTS_SMDP_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_TESTUTIL_H

#include <stdbool.h>

#include "core/db.h"
#include "smdp/es2p.h"
#include "smdp/import.h"
#include "smdp/inventory.h"
#include "testutil.h"

#define SMDP_TEST_TYPE "generic"

const char *smdp_test_url(void);
bool smdp_test_is_postgresql(void);
const char *smdp_test_dir(void); /* this run's temporary directory */

/* cmocka setup: fresh database, schema migrated, profile type
 * SMDP_TEST_TYPE stored, a key ring with key 1 (a new key file). */
int smdp_test_setup(void **state);
int smdp_test_teardown(void **state);

db_connection *smdp_test_db(void);      /* the current test's connection */
smdp_key_ring *smdp_test_ring(void);    /* the current test's ring */
db_connection *smdp_test_open(void);    /* another connection (caller closes) */

/* A valid 19-digit ICCID (Luhn) numbered n, and a valid EID (SGP.29). */
void smdp_test_iccid(unsigned n, char out[SAIP_ICCID_TEXT]);
void smdp_test_eid(unsigned n, char out[SMDP_EID_TEXT]);

/* Import count profiles numbered first.. (IMSI 00101 + number, Ki/OPc
 * derived from the number), asserting success. */
void smdp_test_import(db_connection *db, const smdp_key_ring *ring, unsigned first,
                      unsigned count);

/* Groups, each returning cmocka's failure count. */
int smdp_test_run_import(void);
int smdp_test_run_storage(void);
int smdp_test_run_es2p(void);
int smdp_test_run_concurrency(void);

/* Write the seed corpus of fuzz/fuzz_smdp_import into dir (made by the
 * serialisers and a few hand-made shapes); 0 on success. */
int smdp_test_write_seeds(const char *dir);

#endif
