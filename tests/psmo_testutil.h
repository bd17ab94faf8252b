/* Helpers of the PSMO tests (test code only): a software eUICC holding two
 * installed profiles that accepted this eIM by ES10b.AddInitialEim (SGP.32
 * 5.9.16), the eIM's database with the eUICC registered, its signing key
 * ring and trust store, and the device's part of a poll: the next eIM
 * Package handed to the eUICC (ES10b.LoadEuiccPackage, 5.9.1) and its
 * EuiccPackageResult recorded by the eIM (2.11.1.2), as an IPA does. */
#ifndef AIRWRITE_TESTS_PSMO_TESTUTIL_H
#define AIRWRITE_TESTS_PSMO_TESTUTIL_H

#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"

#define PSMO_ICCID1 "8944500000000000014"
#define PSMO_ICCID2 "8944500000000000022"

typedef struct psmo_fixture {
    test_euicc euicc;
    test_eim eim;
    eim_key_ring *keys;
    pki_trust_store *trust;
    db_connection *eim_db;     /* fresh, eim_test_database.url */
} psmo_fixture;

static inline crypto_key *psmo_role_key(const test_euicc *te, aw_pki_role role)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(
        PEM_write_bio_PrivateKey(bio, te->hierarchy.key[role], NULL, NULL, 0, NULL, NULL), 1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key), AW_OK);
    BIO_free(bio);
    return key;
}

/* eim_test_db_init must have run. */
static inline void psmo_fixture_setup(psmo_fixture *f)
{
    static const test_profile p1 = {PSMO_ICCID1, "001010000000001",
                                    SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    static const test_profile p2 = {PSMO_ICCID2, "001010000000002",
                                    SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    memset(f, 0, sizeof(*f));
    te_setup(&f->euicc, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&f->euicc);
    test_eim_init(&f->eim, &f->euicc, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    assert_int_equal(eim_key_ring_new(&f->keys), AW_OK);
    assert_int_equal(eim_key_ring_add(f->keys, "eim", psmo_role_key(&f->euicc, AW_PKI_ROLE_EIM)),
                     AW_OK);
    assert_int_equal(pki_trust_store_new(&f->trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(f->trust, f->euicc.hierarchy.cert[AW_PKI_ROLE_CI]),
                     AW_OK);
    f->eim_db = eim_test_db_fresh();
    sgp32_eim_configuration_data c = test_eim_configuration(&f->eim, 0, -1);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(&f->euicc, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    eim_test_register(f->eim_db, AW_PKI_DEFAULT_EID, 0, -1,
                      f->euicc.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      f->euicc.hierarchy.cert[AW_PKI_ROLE_EUM]);
    uint8_t aid[16];
    te_install(&f->euicc, &p1, aid);
    te_install(&f->euicc, &p2, aid);
}

static inline void psmo_fixture_teardown(psmo_fixture *f)
{
    db_close(f->eim_db);
    pki_trust_store_free(f->trust);
    eim_key_ring_free(f->keys);
    test_eim_free(&f->eim);
    te_teardown(&f->euicc);
}

/* The IPA's poll: the next eIM Package goes to the eUICC and its result
 * (an EuiccPackageResult) is recorded at the eIM. false when none waits. */
static inline bool psmo_fixture_poll(psmo_fixture *f)
{
    uint8_t *package = NULL, *result = NULL;
    size_t package_len = 0, result_len = 0;
    aw_err err = eim_package_next(f->eim_db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                  &package_len, NULL);
    if (err == AW_ERR_NOT_FOUND)
        return false;
    assert_int_equal(err, AW_OK);
    assert_int_equal(te_es10(&f->euicc, package, package_len, &result, &result_len), 0x9000);
    free(package);
    assert_int_equal(eim_result_record(f->eim_db, f->trust, AW_PKI_DEFAULT_EID, result,
                                       result_len, db_clock_ms(), NULL),
                     AW_OK);
    free(result);
    return true;
}

#endif
