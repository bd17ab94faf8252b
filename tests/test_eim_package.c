/* eIM eUICC Packages (src/eim/package.c, result.c) against the real
 * software eUICC in-process: the eUICC gets the eIM by ES10b.AddInitialEim
 * (SGP.32 5.9.16) with the key of CERT.EIM, then loads the packages the eIM
 * signed and queued (ES10b.LoadEuiccPackage, 5.9.1). enable, disable,
 * delete, listProfileInfo and the other PSMOs and eCOs are accepted; a
 * tampered signature, a wrong associationToken and a reused counterValue
 * are refused by the eUICC; the eIM verifies and records the eUICC's signed
 * results (2.11.1.2) and refuses replays, unsigned errors, results of
 * another eUICC, of packages it did not send, or that do not match. Both
 * curves; on SQLite and, under tests/pg-harness.sh, PostgreSQL:
 *   test_eim_package sqlite|postgresql */
#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"

#include "core/sgp22_profile_info.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"

static test_euicc t;
static aw_pki_curve curve_in_use;
static test_eim eim;
static eim_key_ring *keys;
static db_connection *db;
static pki_trust_store *trust;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

/* The private key of role as a crypto_key. */
static crypto_key *role_key(const test_euicc *te, aw_pki_role role)
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

/* AddInitialEim of the eIM on te, with associationToken token (-1: none). */
static void add_initial_eim(test_euicc *te, int64_t token)
{
    sgp32_eim_configuration_data c = test_eim_configuration(&eim, 0, token);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    sgp32_add_initial_eim_response response;
    assert_int_equal(te_es10(te, command, len, &r, &n), 0x9000);
    assert_int_equal(sgp32_decode_add_initial_eim_response(r, n, &response), AW_OK);
    assert_int_equal(response.kind, SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    free(command);
    free(r);
}

static int setup_curve(aw_pki_curve curve)
{
    curve_in_use = curve;
    te_setup(&t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim, &t, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", role_key(&t, AW_PKI_ROLE_EIM)), AW_OK);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, t.hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    db = eim_test_db_fresh();
    add_initial_eim(&t, -1);
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, t.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      t.hierarchy.cert[AW_PKI_ROLE_EUM]);
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    return 0;
}

static int setup_nist(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_NIST_P256);
}

static int setup_brainpool(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    pki_trust_store_free(trust);
    eim_key_ring_free(keys);
    test_eim_free(&eim);
    te_teardown(&t);
    return 0;
}

/* Load a package on te; the EuiccPackageResult (malloc'd). */
static uint8_t *load(test_euicc *te, const uint8_t *package, size_t len, size_t *result_len)
{
    uint8_t *r = NULL;
    assert_int_equal(te_es10(te, package, len, &r, result_len), 0x9000);
    assert_non_null(r);
    return r;
}

/* Queue operations, hand the next package to the eUICC, return its result
 * decoded into *decoded (slices into the returned buffer). */
static uint8_t *run(const eim_operation *ops, size_t count, size_t *len,
                    sgp32_euicc_package_result *decoded)
{
    uint8_t *package = NULL;
    size_t package_len = 0;
    int64_t id = 0, next_id = 0;
    assert_int_equal(eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, ops, count, db_clock_ms(),
                                         &id, NULL),
                     AW_OK);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, &next_id),
                     AW_OK);
    assert_int_equal(next_id, id);
    uint8_t *r = load(&t, package, package_len, len);
    free(package);
    assert_int_equal(sgp32_decode_euicc_package_result(r, *len, decoded), AW_OK);
    return r;
}

static const sgp32_euicc_package_result_data_signed *signed_data(
    const sgp32_euicc_package_result *r)
{
    assert_int_equal(r->kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    return &r->result_signed.euicc_package_result_data_signed;
}

static void test_psmos(void **state)
{
    (void)state;
    sgp32_euicc_package_result r;
    size_t len = 0;
    eim_result_info info;
    static const eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    uint8_t *bytes = run(&enable, 1, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result[0].kind, SGP32_EUICC_RESULT_ENABLE);
    assert_int_equal(signed_data(&r)->euicc_result[0].enable_result, SGP32_RESULT_OK);
    assert_int_equal(signed_data(&r)->counter_value, 1);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       &info),
                     AW_OK);
    assert_false(info.is_error);
    assert_int_equal(info.counter_value, 1);
    assert_int_equal(info.seq_number, signed_data(&r)->seq_number);
    free(bytes);

    static const eim_operation list = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    bytes = run(&list, 1, &len, &r);
    const sgp32_euicc_result_data *d = &signed_data(&r)->euicc_result[0];
    assert_int_equal(d->kind, SGP32_EUICC_RESULT_LIST_PROFILE_INFO);
    sgp22_profile_info_list_response *profiles = calloc(1, sizeof(*profiles));
    assert_non_null(profiles);
    assert_int_equal(sgp22_decode_profile_info_list_response(
                         d->list_profile_info_result.ptr, d->list_profile_info_result.len,
                         profiles),
                     AW_OK);
    assert_int_equal(profiles->profile_info_list_ok.count, 2);
    free(profiles);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_OK);
    free(bytes);

    static const eim_operation disable_delete[] = {
        {.kind = EIM_OPERATION_DISABLE, .iccid = ICCID1},
        {.kind = EIM_OPERATION_DELETE, .iccid = ICCID2},
    };
    bytes = run(disable_delete, 2, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result_count, 2);
    assert_int_equal(signed_data(&r)->euicc_result[0].disable_result, SGP32_RESULT_OK);
    assert_int_equal(signed_data(&r)->euicc_result[1].kind, SGP32_EUICC_RESULT_DELETE);
    assert_int_equal(signed_data(&r)->euicc_result[1].delete_result, SGP32_RESULT_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_OK);
    free(bytes);

    static const eim_operation others[] = {
        {.kind = EIM_OPERATION_GET_RAT},
        {.kind = EIM_OPERATION_SET_DEFAULT_DP_ADDRESS, .address = "dp.example.com"},
        {.kind = EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE, .immediate_enable = true,
         .address = "smdp.example.com"},
        {.kind = EIM_OPERATION_SET_FALLBACK_ATTRIBUTE, .iccid = ICCID1},
        {.kind = EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE},
    };
    static const sgp32_euicc_result_kind kinds[] = {
        SGP32_EUICC_RESULT_GET_RAT, SGP32_EUICC_RESULT_SET_DEFAULT_DP_ADDRESS,
        SGP32_EUICC_RESULT_CONFIGURE_IMMEDIATE_ENABLE, SGP32_EUICC_RESULT_SET_FALLBACK_ATTRIBUTE,
        SGP32_EUICC_RESULT_UNSET_FALLBACK_ATTRIBUTE};
    bytes = run(others, 5, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result_count, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(signed_data(&r)->euicc_result[i].kind, kinds[i]);
    assert_int_equal(signed_data(&r)->euicc_result[4].unset_fallback_attribute_result,
                     SGP32_RESULT_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_OK);
    free(bytes);
    assert_string_equal(t.card->state->default_dp_address, "dp.example.com");

    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 4);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(records[i].state, EIM_PACKAGE_DONE);
        assert_int_equal(records[i].counter_value, (int64_t)i + 1);
        assert_non_null(records[i].result);
        assert_true(records[i].sent_ms > 0 && records[i].result_ms > 0);
    }
    eim_package_records_free(records, count);
    /* nothing left */
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_ERR_NOT_FOUND);
    assert_null(package);
}

/* Record a result the eIM must accept, and free it. */
static void record(uint8_t *bytes, size_t len)
{
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_OK);
    free(bytes);
}

static void test_ecos(void **state)
{
    (void)state;
    test_eim second;
    test_eim_init(&second, &t, "second.eim.example", AW_PKI_ROLE_DP_AUTH, false);
    sgp32_eim_configuration_data config = test_eim_configuration(&second, 0, -1);
    sgp32_euicc_package_result r;
    size_t len = 0;
    eim_operation add = {.kind = EIM_OPERATION_ADD_EIM, .eim_configuration = &config};
    uint8_t *bytes = run(&add, 1, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result[0].kind, SGP32_EUICC_RESULT_ADD_EIM);
    assert_int_equal(signed_data(&r)->euicc_result[0].add_eim_result.value, SGP32_ADD_EIM_OK);
    record(bytes, len);
    eim_operation update = {.kind = EIM_OPERATION_UPDATE_EIM, .eim_configuration = &config};
    bytes = run(&update, 1, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result[0].update_eim_result, SGP32_RESULT_OK);
    record(bytes, len);
    static const eim_operation list = {.kind = EIM_OPERATION_LIST_EIM};
    bytes = run(&list, 1, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result[0].list_eim_result.eim_id_count, 2);
    record(bytes, len);
    static const eim_operation remove = {.kind = EIM_OPERATION_DELETE_EIM,
                                         .eim_id = "second.eim.example"};
    bytes = run(&remove, 1, &len, &r);
    assert_int_equal(signed_data(&r)->euicc_result[0].delete_eim_result, SGP32_RESULT_OK);
    record(bytes, len);
    test_eim_free(&second);
}

/* The eUICC's refusals: a tampered signature, a wrong associationToken,
 * a counterValue used before. */
static void test_euicc_refuses(void **state)
{
    (void)state;
    static const eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    uint8_t *package = NULL, *bytes = NULL;
    size_t package_len = 0, len = 0;
    sgp32_euicc_package_result r;
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &enable, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    /* the last byte is the signature's */
    package[package_len - 1] ^= 0x01;
    bytes = load(&t, package, package_len, &len);
    assert_int_equal(sgp32_decode_euicc_package_result(bytes, len, &r), AW_OK);
    assert_int_equal(r.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    /* unauthenticated, but it ends the package it names (else the package
     * would be handed out forever): failed, not done */
    eim_result_info failed;
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       &failed),
                     AW_OK);
    assert_true(failed.is_unsigned);
    assert_true(failed.is_error);
    assert_int_equal(failed.error_code, SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR);
    eim_package_record *listed = NULL;
    size_t listed_count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &listed, &listed_count), AW_OK);
    assert_int_equal(listed[listed_count - 1].state, EIM_PACKAGE_FAILED);
    eim_package_records_free(listed, listed_count);
    /* the same again: the package is no longer waiting */
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_EIM_RESULT_REPLAY);
    /* an unsigned error naming no package */
    sgp32_euicc_package_result bare;
    memset(&bare, 0, sizeof(bare));
    bare.kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    bare.error_unsigned.eim_id = r.error_unsigned.eim_id;
    uint8_t *bare_bytes = NULL;
    size_t bare_len = 0;
    assert_int_equal(sgp32_encode_euicc_package_result(&bare, &bare_bytes, &bare_len), AW_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bare_bytes, bare_len,
                                       db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNSIGNED);
    /* naming it under another eimId */
    bare.error_unsigned.eim_id = (aw_slice){(const uint8_t *)"eim.other", 9};
    bare.error_unsigned.has_eim_transaction_id = true;
    bare.error_unsigned.eim_transaction_id = r.error_unsigned.eim_transaction_id;
    free(bare_bytes);
    assert_int_equal(sgp32_encode_euicc_package_result(&bare, &bare_bytes, &bare_len), AW_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bare_bytes, bare_len,
                                       db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_MISMATCH);
    free(bare_bytes);
    free(bytes);
    package[package_len - 1] ^= 0x01;
    /* the genuine package passes, once, replacing the unsigned failure */
    bytes = load(&t, package, package_len, &len);
    assert_int_equal(sgp32_decode_euicc_package_result(bytes, len, &r), AW_OK);
    assert_int_equal(signed_data(&r)->euicc_result[0].enable_result, SGP32_RESULT_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_OK);
    /* the same result again, byte for byte (the IPA lost the
     * acknowledgement): accepted as a repeat, acknowledged, not recorded */
    eim_result_info again;
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       &again),
                     AW_OK);
    assert_true(again.repeated);
    assert_false(again.is_error);
    assert_int_equal(again.seq_number, signed_data(&r)->seq_number);
    eim_package_record *records = NULL;
    size_t record_count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &record_count), AW_OK);
    size_t done = 0;
    for (size_t i = 0; i < record_count; i++)
        done += records[i].state == EIM_PACKAGE_DONE && records[i].result_len == len &&
                memcmp(records[i].result, bytes, len) == 0;
    assert_int_equal(done, 1);
    eim_package_records_free(records, record_count);
    free(bytes);
    /* the same package again: the eUICC refuses the reused counterValue
     * with a signed replayError, which the eIM takes as a replay too */
    bytes = load(&t, package, package_len, &len);
    assert_int_equal(sgp32_decode_euicc_package_result(bytes, len, &r), AW_OK);
    assert_int_equal(r.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    assert_int_equal(r.error_signed.euicc_package_error_data_signed.euicc_package_error_code,
                     SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_EIM_RESULT_REPLAY);
    free(bytes);
    free(package);

    /* the eUICC holds associationToken 0 for this eIM; one signed with 7 fails */
    assert_int_equal(db_execute(db, "UPDATE eim_euiccs SET association_token = 7", NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &enable, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    bytes = load(&t, package, package_len, &len);
    assert_int_equal(sgp32_decode_euicc_package_result(bytes, len, &r), AW_OK);
    assert_int_equal(r.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    free(bytes);
    free(package);
}

/* The answer to a package is lost, the package is sent again and the
 * eUICC answers it with replayError; the real result, still pending on the
 * eUICC, arrives later and replaces it. */
static void test_lost_result(void **state)
{
    (void)state;
    static const eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = ICCID1};
    uint8_t *package = NULL;
    size_t package_len = 0, len = 0, replay_len = 0;
    eim_result_info info;
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &enable, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    uint8_t *lost = load(&t, package, package_len, &len);
    free(package);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    uint8_t *replay = load(&t, package, package_len, &replay_len);
    free(package);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, replay, replay_len,
                                       db_clock_ms(), &info),
                     AW_OK);
    assert_true(info.is_error);
    assert_int_equal(info.error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, lost, len, db_clock_ms(),
                                       &info),
                     AW_OK);
    assert_false(info.is_error);
    assert_false(info.repeated);
    /* the real result once more: a repeat (acknowledged, not recorded);
     * the replayError once more: a replay */
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, lost, len, db_clock_ms(),
                                       &info),
                     AW_OK);
    assert_true(info.repeated);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, replay, replay_len,
                                       db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_REPLAY);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_DONE);
    assert_int_equal(records[0].result_len, len);
    assert_memory_equal(records[0].result, lost, len);
    eim_package_records_free(records, count);
    free(lost);
    free(replay);
}

/* A signed error answers a package: recorded as failed with its code. */
static void test_signed_error_recorded(void **state)
{
    (void)state;
    /* the eUICC accepted counter 5 already: the eIM's counter 1 is a replay */
    static const eim_operation list = {.kind = EIM_OPERATION_LIST_EIM};
    static const uint8_t tid[] = {1, 2, 3};
    eim_package_params params = {.eim_id = EIM_TEST_EIM_ID, .eid = AW_PKI_DEFAULT_EID,
                                 .counter_value = 5, .transaction_id = tid,
                                 .transaction_id_len = sizeof(tid)};
    uint8_t *package = NULL, *bytes = NULL;
    size_t package_len = 0, len = 0;
    assert_int_equal(eim_package_build(&params, &list, 1, eim_key_ring_find(keys, "eim"),
                                       &package, &package_len),
                     AW_OK);
    free(load(&t, package, package_len, &len));
    free(package);
    sgp32_euicc_package_result r;
    bytes = run(&list, 1, &len, &r);
    assert_int_equal(r.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    eim_result_info info;
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       &info),
                     AW_OK);
    assert_true(info.is_error);
    assert_int_equal(info.error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    free(bytes);
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(records[0].state, EIM_PACKAGE_FAILED);
    assert_int_equal(records[0].error_code, SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    assert_string_equal(eim_package_state_name(records[0].state), "failed");
    eim_package_records_free(records, count);
}

/* Results the eIM refuses although the eUICC signed them. */
static void test_result_refusals(void **state)
{
    (void)state;
    static const eim_operation list = {.kind = EIM_OPERATION_LIST_EIM};
    uint8_t *package = NULL, *bytes = NULL;
    size_t package_len = 0, len = 0;
    /* another eUICC (its own PKI, the same EID) loading the eIM's package */
    test_euicc other;
    te_setup(&other, curve_in_use, EUICC_PROTOCOL_T1);
    te_select_isdr(&other);
    add_initial_eim(&other, -1);
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &list, 1, db_clock_ms(), NULL, NULL),
        AW_OK);
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package,
                                      &package_len, NULL),
                     AW_OK);
    bytes = load(&other, package, package_len, &len);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_SIGNATURE);
    free(bytes);
    te_teardown(&other);
    /* a package the eIM never sent (counter 40), and one whose
     * eimTransactionId differs from the package sent with its counter */
    static const uint8_t tid[] = {9, 9};
    eim_package_params params = {.eim_id = EIM_TEST_EIM_ID, .eid = AW_PKI_DEFAULT_EID,
                                 .counter_value = 40, .transaction_id = tid,
                                 .transaction_id_len = sizeof(tid)};
    uint8_t *forged = NULL;
    size_t forged_len = 0;
    const crypto_key *key = eim_key_ring_find(keys, "eim");
    assert_int_equal(eim_package_build(&params, &list, 1, key, &forged, &forged_len), AW_OK);
    bytes = load(&t, forged, forged_len, &len);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(bytes);
    free(forged);
    params.counter_value = 1; /* sent above, not yet answered by this eUICC */
    assert_int_equal(eim_package_build(&params, &list, 1, key, &forged, &forged_len), AW_OK);
    /* a fresh eUICC state would accept counter 1: rewind this one's */
    te_close(&t);
    char command[300];
    snprintf(command, sizeof(command), "rm -rf '%s'", t.state);
    assert_int_equal(system(command), 0);
    te_open(&t);
    te_select_isdr(&t);
    add_initial_eim(&t, -1);
    bytes = load(&t, forged, forged_len, &len);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_EIM_RESULT_MISMATCH);
    free(forged);
    /* no certificate chain known */
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET euicc_certificate = NULL", NULL, 0, NULL), AW_OK);
    assert_int_equal(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len, db_clock_ms(),
                                       NULL),
                     AW_ERR_EIM_NO_CERTIFICATE);
    /* another EID, damaged DER, arguments */
    char eid[EIM_EID_DIGITS + 1];
    eim_test_eid(5, eid);
    assert_int_equal(eim_result_record(db, trust, eid, bytes, len, db_clock_ms(), NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_true(eim_result_record(db, trust, AW_PKI_DEFAULT_EID, bytes, len - 1, db_clock_ms(),
                                  NULL) >= AW_ERR_DER_TRUNCATED);
    assert_int_equal(eim_result_record(db, NULL, AW_PKI_DEFAULT_EID, bytes, len, 0, NULL),
                     AW_ERR_ARGUMENT);
    free(bytes);
    free(package);
}

static void test_enqueue_refusals(void **state)
{
    (void)state;
    char eid[EIM_EID_DIGITS + 1];
    eim_test_eid(6, eid);
    sgp32_eim_configuration_data config;
    memset(&config, 0, sizeof(config));
    static const eim_operation mixed[] = {{.kind = EIM_OPERATION_GET_RAT},
                                          {.kind = EIM_OPERATION_LIST_EIM}};
    const struct {
        eim_operation op;
        aw_err err;
    } cases[] = {
        {{.kind = EIM_OPERATION_ENABLE, .iccid = "894450000000000001"}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_DISABLE, .iccid = "89445000000000000A4"}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_DELETE, .iccid = NULL}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_SET_DEFAULT_DP_ADDRESS, .address = NULL}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE, .address = ""}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_DELETE_EIM, .eim_id = ""}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_ADD_EIM, .eim_configuration = NULL}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_UPDATE_EIM, .eim_configuration = &config}, AW_ERR_EIM_PACKAGE},
        {{.kind = EIM_OPERATION_NONE}, AW_ERR_EIM_PACKAGE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &cases[i].op, 1,
                                             db_clock_ms(), NULL, NULL),
                         cases[i].err);
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, mixed, 2, db_clock_ms(), NULL, NULL),
        AW_ERR_EIM_PACKAGE);
    assert_int_equal(
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, mixed, 0, db_clock_ms(), NULL, NULL),
        AW_ERR_EIM_PACKAGE);
    /* none of the refusals spent a counterValue */
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    assert_int_equal(got.counter_value, 0);
    eim_euicc_clear(&got);
    assert_int_equal(eim_package_enqueue(db, keys, eid, mixed, 1, 0, NULL, NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    eim_test_register(db, eid, EIM_COUNTER_MAX, -1, NULL, NULL);
    assert_int_equal(eim_package_enqueue(db, keys, eid, mixed, 1, 0, NULL, NULL),
                     AW_ERR_EIM_COUNTER_EXHAUSTED);
    assert_int_equal(db_execute(db, "UPDATE eim_euiccs SET counter_value = 0, signing_key = 'x'",
                                NULL, 0, NULL),
                     AW_OK);
    assert_int_equal(eim_package_enqueue(db, keys, eid, mixed, 1, 0, NULL, NULL),
                     AW_ERR_EIM_SIGNING_KEY);
    assert_int_equal(eim_package_enqueue(db, NULL, eid, mixed, 1, 0, NULL, NULL),
                     AW_ERR_ARGUMENT);
    /* next: unknown EID, nothing queued (the contact is still noted) */
    uint8_t *package = NULL;
    size_t len = 0;
    char unknown[EIM_EID_DIGITS + 1];
    eim_test_eid(7, unknown);
    assert_int_equal(eim_package_next(db, unknown, 1, &package, &len, NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(eim_package_next(db, eid, 1234, &package, &len, NULL), AW_ERR_NOT_FOUND);
    assert_int_equal(eim_registry_get(db, eid, &got), AW_OK);
    assert_int_equal(got.last_contact_ms, 1234);
    assert_int_equal(got.state, EIM_EUICC_ACTIVE);
    eim_euicc_clear(&got);
    assert_int_equal(eim_package_next(NULL, eid, 1, &package, &len, NULL), AW_ERR_ARGUMENT);
    /* build: arguments */
    eim_package_params params = {.eim_id = EIM_TEST_EIM_ID, .eid = "123", .counter_value = 1};
    const crypto_key *key = eim_key_ring_find(keys, "eim");
    assert_int_equal(eim_package_build(&params, mixed, 1, key, &package, &len),
                     AW_ERR_EIM_PACKAGE);
    params.eid = AW_PKI_DEFAULT_EID;
    params.transaction_id = (const uint8_t *)"0123456789abcdefg";
    params.transaction_id_len = 17;
    assert_int_equal(eim_package_build(&params, mixed, 1, key, &package, &len),
                     AW_ERR_EIM_PACKAGE);
    params.transaction_id = NULL;
    params.counter_value = EIM_COUNTER_MAX + 1;
    assert_int_equal(eim_package_build(&params, mixed, 1, key, &package, &len),
                     AW_ERR_EIM_PACKAGE);
    assert_int_equal(eim_package_build(&params, mixed, 1, NULL, &package, &len), AW_ERR_ARGUMENT);
    assert_null(package);
}

static void test_operation_names(void **state)
{
    (void)state;
    for (int k = EIM_OPERATION_ENABLE; k <= EIM_OPERATION_LIST_EIM; k++) {
        const char *name = eim_operation_kind_name((eim_operation_kind)k);
        assert_non_null(name);
        assert_int_equal(eim_operation_kind_from_name(name), k);
    }
    assert_null(eim_operation_kind_name(EIM_OPERATION_NONE));
    assert_int_equal(eim_operation_kind_from_name("reboot"), EIM_OPERATION_NONE);
    assert_int_equal(eim_operation_kind_from_name(NULL), EIM_OPERATION_NONE);
    assert_string_equal(eim_package_state_name(EIM_PACKAGE_QUEUED), "queued");
    assert_string_equal(eim_package_state_name(EIM_PACKAGE_SENT), "sent");
    assert_string_equal(eim_package_state_name(EIM_PACKAGE_DONE), "done");
    assert_string_equal(eim_package_state_name((eim_package_state)0), "unknown");
}

#define CURVE_TESTS(setup)                                                                  \
    cmocka_unit_test_setup_teardown(test_psmos, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(test_ecos, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_euicc_refuses, setup, teardown),             \
        cmocka_unit_test_setup_teardown(test_signed_error_recorded, setup, teardown),     \
        cmocka_unit_test_setup_teardown(test_lost_result, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_result_refusals, setup, teardown)

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_package");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        CURVE_TESTS(setup_nist),
        CURVE_TESTS(setup_brainpool),
        cmocka_unit_test_setup_teardown(test_enqueue_refusals, setup_nist, teardown),
        cmocka_unit_test(test_operation_names),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
