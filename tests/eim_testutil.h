/* Helpers for the eIM tests (test code only): a fresh database per test on
 * SQLite (a file in a temporary directory) or on the PostgreSQL of
 * tests/pg-harness.sh (AW_TEST_POSTGRESQL_URL, public schema emptied), valid
 * EIDs, and eUICC registrations built in memory. */
#ifndef AIRWRITE_TESTS_EIM_TESTUTIL_H
#define AIRWRITE_TESTS_EIM_TESTUTIL_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/db.h"
#include "core/pki.h"
#include "eim/eim.h"

#define EIM_TEST_EIM_ID "eim.test.airwrite"

typedef struct eim_test_db {
    bool postgresql;
    char temp_dir[256];
    char url[DB_URL_MAX + 1];
    unsigned counter;
} eim_test_db;

static eim_test_db eim_test_database;

/* Parse "sqlite" / "postgresql" from argv; returns 0, or an exit status. */
static inline int eim_test_db_init(int argc, char **argv, const char *name)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: %s sqlite|postgresql\n", name);
        return 2;
    }
    eim_test_database.postgresql = strcmp(argv[1], "postgresql") == 0;
    if (eim_test_database.postgresql && getenv("AW_TEST_POSTGRESQL_URL") == NULL) {
        printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
        return TEST_SKIP_EXIT;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(eim_test_database.temp_dir, sizeof(eim_test_database.temp_dir),
             "%s/aw-eim-test.XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(eim_test_database.temp_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    return 0;
}

static inline void eim_test_db_cleanup(void)
{
    char command[400];
    snprintf(command, sizeof(command), "rm -rf '%s'", eim_test_database.temp_dir);
    if (system(command) != 0)
        fprintf(stderr, "cannot remove %s\n", eim_test_database.temp_dir);
}

/* A fresh, migrated database for the next test; its URL in
 * eim_test_database.url. Returns an open connection. */
static inline db_connection *eim_test_db_fresh(void)
{
    db_connection *db = NULL;
    eim_test_database.counter++;
    if (eim_test_database.postgresql)
        snprintf(eim_test_database.url, sizeof(eim_test_database.url), "%s",
                 getenv("AW_TEST_POSTGRESQL_URL"));
    else
        snprintf(eim_test_database.url, sizeof(eim_test_database.url), "sqlite:%s/t%u.db",
                 eim_test_database.temp_dir, eim_test_database.counter);
    assert_int_equal(db_open(eim_test_database.url, NULL, &db), AW_OK);
    if (eim_test_database.postgresql) {
        assert_int_equal(db_execute(db, "DROP SCHEMA public CASCADE", NULL, 0, NULL), AW_OK);
        assert_int_equal(db_execute(db, "CREATE SCHEMA public", NULL, 0, NULL), AW_OK);
    }
    assert_int_equal(eim_migrate(db), AW_OK);
    return db;
}

static inline db_connection *eim_test_db_open(void)
{
    db_connection *db = NULL;
    assert_int_equal(db_open(eim_test_database.url, NULL, &db), AW_OK);
    return db;
}

/* Wait until another connection is blocked behind a transaction the test
 * holds open: on PostgreSQL a lock request not granted (bounded: 4 s);
 * SQLite shows none, its BEGIN IMMEDIATE waits in the busy handler, and a
 * pause lets the other connection get there. */
static inline bool eim_test_wait_blocked(void)
{
    if (!eim_test_database.postgresql) {
        nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
        return true;
    }
    db_connection *watch = eim_test_db_open();
    int64_t waiting = 0;
    for (int i = 0; i < 200 && waiting == 0; i++) {
        assert_int_equal(db_query_int64(watch, "SELECT COUNT(*) FROM pg_locks WHERE NOT granted",
                                        NULL, 0, &waiting),
                         AW_OK);
        if (waiting == 0)
            nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    db_close(watch);
    return waiting > 0;
}

/* The n-th test EID (valid check digits). */
static inline void eim_test_eid(unsigned n, char out[EIM_EID_DIGITS + 1])
{
    char first30[31];
    snprintf(first30, sizeof(first30), "890490320000000000000%09u", n);
    assert_int_equal(pki_eid_complete(first30, out), AW_OK);
}

/* A registration record (certificates: DER copies, may be NULL). */
static inline void eim_test_record(eim_euicc *e, const char *eid, int64_t counter,
                                   int64_t token, const pki_certificate *euicc_cert,
                                   const pki_certificate *eum)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->eid, sizeof(e->eid), "%s", eid);
    snprintf(e->eim_id, sizeof(e->eim_id), "%s", EIM_TEST_EIM_ID);
    snprintf(e->signing_key, sizeof(e->signing_key), "eim");
    e->counter_value = counter;
    e->has_association_token = token >= 0;
    e->association_token = token >= 0 ? token : 0;
    e->state = EIM_EUICC_REGISTERED;
    if (euicc_cert != NULL) {
        aw_slice der = pki_certificate_der(euicc_cert);
        e->euicc_certificate = malloc(der.len);
        assert_non_null(e->euicc_certificate);
        memcpy(e->euicc_certificate, der.ptr, der.len);
        e->euicc_certificate_len = der.len;
    }
    if (eum != NULL) {
        aw_slice der = pki_certificate_der(eum);
        e->eum_certificate = malloc(der.len);
        assert_non_null(e->eum_certificate);
        memcpy(e->eum_certificate, der.ptr, der.len);
        e->eum_certificate_len = der.len;
    }
}

/* Register one eUICC (no chain check). */
static inline void eim_test_register(db_connection *db, const char *eid, int64_t counter,
                                     int64_t token, const pki_certificate *euicc_cert,
                                     const pki_certificate *eum)
{
    eim_batch batch;
    eim_euicc record;
    eim_test_record(&record, eid, counter, token, euicc_cert, eum);
    batch.records = &record;
    batch.count = 1;
    assert_int_equal(eim_registry_import(db, &batch, NULL, db_clock_ms(), NULL), AW_OK);
    eim_euicc_clear(&record);
}

/* Base64 of a certificate's DER (malloc'd). */
static inline char *eim_test_certificate_base64(const pki_certificate *cert)
{
    aw_slice der = pki_certificate_der(cert);
    size_t cap = aw_base64_encoded_length(der.len) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(der.ptr, der.len, text, cap), AW_OK);
    return text;
}

#endif
