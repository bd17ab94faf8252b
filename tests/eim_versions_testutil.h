/* Fixtures of the SGP.32 v1.0 eIM tests (test_eim_versions.c,
 * test_eim_versions_forms.c): one registered eUICC with its certificate
 * chain and key, an eIM key ring, the listProfileInfo packages the eIM
 * sends it, and that eUICC's signed answers in the v1.0 and v1.1 forms of
 * the signature input (SGP.32 2.11.2.1). */
#ifndef AIRWRITE_TESTS_EIM_VERSIONS_TESTUTIL_H
#define AIRWRITE_TESTS_EIM_VERSIONS_TESTUTIL_H

#include "eim_testutil.h"

#include <time.h>

#include <openssl/pem.h>

#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"

#define TOKEN 7

static pki_hierarchy hierarchy;
static pki_trust_store *trust;
static crypto_key *euicc_key;      /* SK.EUICC.ECDSA of the registered eUICC */
static eim_key_ring *keys;
static db_connection *db;
static const char *eid = AW_PKI_DEFAULT_EID;

static inline crypto_key *private_key(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key), AW_OK);
    BIO_free(bio);
    return key;
}

static inline int setup(void **state)
{
    (void)state;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    assert_int_equal(pki_issue_hierarchy(&params, &hierarchy), AW_OK);
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    euicc_key = private_key(hierarchy.key[AW_PKI_ROLE_EUICC]);
    crypto_key *eim = NULL;
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &eim), AW_OK);
    assert_int_equal(eim_key_ring_new(&keys), AW_OK);
    assert_int_equal(eim_key_ring_add(keys, "eim", eim), AW_OK);
    db = eim_test_db_fresh();
    eim_test_register(db, eid, 0, TOKEN, hierarchy.cert[AW_PKI_ROLE_EUICC],
                      hierarchy.cert[AW_PKI_ROLE_EUM]);
    return 0;
}

static inline int teardown(void **state)
{
    (void)state;
    db_close(db);
    eim_key_ring_free(keys);
    crypto_key_free(euicc_key);
    pki_trust_store_free(trust);
    pki_hierarchy_free(&hierarchy);
    return 0;
}

/* What the eIM sent: a listProfileInfo package handed out to the IPA. */
typedef struct sent {
    int64_t counter;
    uint8_t transaction_id[SGP32_TRANSACTION_ID_MAX];
    size_t transaction_id_len;
    uint8_t eim_signature[CRYPTO_SIGNATURE_SIZE];
} sent;

static inline sent send_package(void)
{
    sent s;
    uint8_t *request = NULL;
    size_t len = 0;
    eim_operation op = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    memset(&s, 0, sizeof(s));
    assert_int_equal(eim_package_enqueue(db, keys, eid, &op, 1, db_clock_ms(), NULL, &s.counter),
                     AW_OK);
    assert_int_equal(eim_package_next(db, eid, db_clock_ms(), &request, &len, NULL), AW_OK);
    sgp32_euicc_package_request *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(sgp32_decode_euicc_package_request(request, len, r), AW_OK);
    assert_int_equal(r->euicc_package_signed.counter_value, s.counter);
    s.transaction_id_len = r->euicc_package_signed.eim_transaction_id.len;
    memcpy(s.transaction_id, r->euicc_package_signed.eim_transaction_id.ptr,
           s.transaction_id_len);
    assert_int_equal(r->eim_signature.len, CRYPTO_SIGNATURE_SIZE);
    memcpy(s.eim_signature, r->eim_signature.ptr, CRYPTO_SIGNATURE_SIZE);
    free(r);
    free(request);
    return s;
}

/* How the eUICC signs its answer. */
typedef enum signing {
    SIGN_V1_1,               /* data || associationToken (84), v1.1 and later */
    SIGN_V1_0_DATA_OBJECT,   /* data || eimSignature TLV (5F37), v1.0 text */
    SIGN_V1_0_VALUE,         /* data || eimSignature value */
    SIGN_OTHER,              /* data alone: matches no version */
} signing;

static inline void sign(const sent *s, signing how, const uint8_t *tbs, size_t tbs_len,
                 uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    der_builder b;
    uint8_t *input = NULL;
    size_t input_len = 0;
    der_builder_init(&b);
    der_put_raw(&b, tbs, tbs_len);
    if (how == SIGN_V1_1)
        der_put_int64(&b, DER_CTX(4), TOKEN);
    else if (how == SIGN_V1_0_DATA_OBJECT)
        der_put_tlv(&b, SGP32_TAG_EIM_SIGNATURE, s->eim_signature, CRYPTO_SIGNATURE_SIZE);
    else if (how == SIGN_V1_0_VALUE)
        der_put_raw(&b, s->eim_signature, CRYPTO_SIGNATURE_SIZE);
    assert_int_equal(der_builder_finish(&b, &input, &input_len), AW_OK);
    assert_int_equal(crypto_sign_ecdsa(euicc_key, input, input_len, signature), AW_OK);
    free(input);
}

/* A signed EuiccPackageResult (BF51) answering s: op (NULL: an empty
 * listProfileInfo result) with seqNumber seq, or (error) a signed
 * undefinedError. */
static inline uint8_t *result_with(const sent *s, signing how, bool error, int64_t seq,
                            const sgp32_euicc_result_data *op, size_t *len)
{
    static const uint8_t profiles[] = {0xBF, 0x2D, 0x02, 0xA0, 0x00}; /* no profile */
    uint8_t signature[CRYPTO_SIGNATURE_SIZE], *tbs = NULL, *out = NULL;
    size_t tbs_len = 0;
    sgp32_euicc_package_result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    aw_slice eim_id = {(const uint8_t *)EIM_TEST_EIM_ID, strlen(EIM_TEST_EIM_ID)};
    aw_slice tid = {s->transaction_id, s->transaction_id_len};
    if (!error) {
        sgp32_euicc_package_result_data_signed *d =
            &r->result_signed.euicc_package_result_data_signed;
        r->kind = SGP32_EUICC_PACKAGE_RESULT_SIGNED;
        d->eim_id = eim_id;
        d->counter_value = s->counter;
        d->has_eim_transaction_id = true;
        d->eim_transaction_id = tid;
        d->seq_number = seq;
        d->euicc_result_count = 1;
        d->euicc_result[0].kind = SGP32_EUICC_RESULT_LIST_PROFILE_INFO;
        d->euicc_result[0].list_profile_info_result = (aw_slice){profiles, sizeof(profiles)};
        if (op != NULL)
            d->euicc_result[0] = *op;
        assert_int_equal(sgp32_encode_euicc_package_result_data_signed(d, &tbs, &tbs_len), AW_OK);
        sign(s, how, tbs, tbs_len, signature);
        d->raw = (aw_slice){tbs, tbs_len};
        r->result_signed.euicc_sign_epr = (aw_slice){signature, sizeof(signature)};
    } else {
        sgp32_euicc_package_error_data_signed *d = &r->error_signed.euicc_package_error_data_signed;
        r->kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED;
        d->eim_id = eim_id;
        d->counter_value = s->counter;
        d->has_eim_transaction_id = true;
        d->eim_transaction_id = tid;
        d->euicc_package_error_code = SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR;
        assert_int_equal(sgp32_encode_euicc_package_error_data_signed(d, &tbs, &tbs_len), AW_OK);
        sign(s, how, tbs, tbs_len, signature);
        d->raw = (aw_slice){tbs, tbs_len};
        r->error_signed.euicc_sign_epe = (aw_slice){signature, sizeof(signature)};
    }
    assert_int_equal(sgp32_encode_euicc_package_result(r, &out, len), AW_OK);
    free(tbs);
    free(r);
    return out;
}

static inline uint8_t *result_for(const sent *s, signing how, bool error, int64_t seq,
                                  size_t *len)
{
    return result_with(s, how, error, seq, NULL, len);
}

static inline aw_err record(const uint8_t *result, size_t len, eim_result_info *info)
{
    return eim_result_record(db, trust, eid, result, len, db_clock_ms(), info);
}

#endif
