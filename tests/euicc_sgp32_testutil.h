/* Helpers for the SGP.32 eUICC tests (test code only): an eIM with a key
 * from the test PKI, EimConfigurationData and signed eUICC Packages built
 * with the project's SGP.32 encoders (SGP.32 2.11.1), and the eUICC's
 * responses decoded and their signatures checked with CERT.EUICC's key. */
#ifndef AIRWRITE_TESTS_EUICC_SGP32_TESTUTIL_H
#define AIRWRITE_TESTS_EUICC_SGP32_TESTUTIL_H

#include "euicc_isdr_testutil.h"

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "core/sgp32_ipa.h"
#include "core/sgp32_package.h"

/* An eIM: its signing key and eimPublicKeyData TLV ([0] SPKI or [1]
 * Certificate, tag A0/A1). */
typedef struct test_eim {
    const char *eim_id;
    crypto_key *key;
    uint8_t *key_data;
    size_t key_data_len;
    sgp32_eim_key_kind kind;
} test_eim;

/* The eIM uses the key of role (a key of the test PKI); as_certificate
 * puts that role's certificate in eimPublicKeyData instead of the SPKI. */
static inline void test_eim_init(test_eim *eim, const test_euicc *t, const char *eim_id,
                                 aw_pki_role role, bool as_certificate)
{
    EVP_PKEY *pkey = t->hierarchy.key[role];
    memset(eim, 0, sizeof(*eim));
    eim->eim_id = eim_id;
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(bio, &pem);
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)pem_len, &eim->key),
                     AW_OK);
    BIO_free(bio);
    if (as_certificate) {
        aw_slice der = pki_certificate_der(t->hierarchy.cert[role]);
        eim->key_data = malloc(der.len);
        assert_non_null(eim->key_data);
        memcpy(eim->key_data, der.ptr, der.len);
        eim->key_data_len = der.len;
        eim->key_data[0] = 0xA1; /* [1] IMPLICIT Certificate */
        eim->kind = SGP32_EIM_KEY_CERTIFICATE;
    } else {
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(pkey, &der);
        assert_true(n > 0);
        eim->key_data = malloc((size_t)n);
        assert_non_null(eim->key_data);
        memcpy(eim->key_data, der, (size_t)n);
        OPENSSL_free(der);
        eim->key_data_len = (size_t)n;
        eim->key_data[0] = 0xA0; /* [0] IMPLICIT SubjectPublicKeyInfo */
        eim->kind = SGP32_EIM_KEY_PUBLIC_KEY;
    }
}

static inline void test_eim_free(test_eim *eim)
{
    crypto_key_free(eim->key);
    free(eim->key_data);
    memset(eim, 0, sizeof(*eim));
}

/* EimConfigurationData of eim; counter < 0: no counterValue; token < 0:
 * no associationToken. */
static inline sgp32_eim_configuration_data test_eim_configuration(const test_eim *eim,
                                                                  int64_t counter, int64_t token)
{
    sgp32_eim_configuration_data c;
    memset(&c, 0, sizeof(c));
    c.eim_id = (aw_slice){(const uint8_t *)eim->eim_id, strlen(eim->eim_id)};
    c.has_eim_fqdn = true;
    c.eim_fqdn = (aw_slice){(const uint8_t *)"eim.example.com", 15};
    c.has_eim_id_type = true;
    c.eim_id_type = SGP32_EIM_ID_TYPE_FQDN;
    c.has_counter_value = counter >= 0;
    c.counter_value = counter;
    c.has_association_token = token >= 0;
    c.association_token = token;
    c.has_eim_public_key_data = eim->key_data != NULL;
    c.eim_public_key_data.kind = eim->kind;
    c.eim_public_key_data.value = (aw_slice){eim->key_data, eim->key_data_len};
    return c;
}

/* An AddInitialEim (BF57) of count configurations. */
static inline uint8_t *test_add_initial_eim(const sgp32_eim_configuration_data *configs,
                                            size_t count, size_t *len)
{
    sgp32_add_initial_eim_request *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->eim_configuration_count = count;
    for (size_t i = 0; i < count; i++)
        r->eim_configurations[i] = configs[i];
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_add_initial_eim_request(r, &out, len), AW_OK);
    free(r);
    return out;
}

/* Sign euiccPackageSigned as the eIM does (SGP.32 2.11.1.1: the signed
 * input is the euiccPackageSigned TLV followed by the associationToken
 * data object, 84 01 00 when none), and wrap it into an
 * EuiccPackageRequest (BF51). with_token false leaves the token out
 * (an eIM not following the clause). */
static inline uint8_t *test_package_request(const test_eim *eim,
                                            sgp32_euicc_package_signed *package, int64_t token,
                                            bool with_token, size_t *len)
{
    uint8_t *tbs = NULL, *input = NULL, *out = NULL;
    size_t tbs_len = 0, input_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    package->raw = (aw_slice){NULL, 0};
    assert_int_equal(sgp32_encode_euicc_package_signed(package, &tbs, &tbs_len), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_put_raw(&b, tbs, tbs_len);
    if (with_token)
        der_put_int64(&b, DER_CTX(4), token);
    assert_int_equal(der_builder_finish(&b, &input, &input_len), AW_OK);
    assert_int_equal(crypto_sign_ecdsa(eim->key, input, input_len, signature), AW_OK);
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    assert_non_null(request);
    request->euicc_package_signed = *package;
    request->euicc_package_signed.raw = (aw_slice){tbs, tbs_len};
    request->eim_signature = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp32_encode_euicc_package_request(request, &out, len), AW_OK);
    free(request);
    free(tbs);
    free(input);
    return out;
}

/* A package of count PSMOs (or eCOs when ecos) from eim_id to eid. */
static inline void test_package_init(sgp32_euicc_package_signed *p, const char *eim_id,
                                     const uint8_t eid[EUICC_EID_SIZE], int64_t counter)
{
    memset(p, 0, sizeof(*p));
    p->eim_id = (aw_slice){(const uint8_t *)eim_id, strlen(eim_id)};
    p->eid_value = (aw_slice){eid, EUICC_EID_SIZE};
    p->counter_value = counter;
    static const uint8_t transaction_id[4] = {0x0E, 0x1A, 0x00, 0x01};
    p->has_eim_transaction_id = true;
    p->eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
}

/* Send a command, expect 9000, decode the EuiccPackageResult into *out
 * (slices into the returned buffer, which the caller frees). */
static inline uint8_t *test_send_package(test_euicc *t, uint8_t *command, size_t len,
                                         sgp32_euicc_package_result *out)
{
    uint8_t *r = NULL;
    size_t n = 0;
    assert_int_equal(te_es10(t, command, len, &r, &n), 0x9000);
    free(command);
    assert_int_equal(sgp32_decode_euicc_package_result(r, n, out), AW_OK);
    return r;
}

/* Sign, send and decode one package (the caller frees the buffer). */
static inline uint8_t *test_run_package(test_euicc *t, const test_eim *eim,
                                        sgp32_euicc_package_signed *package, int64_t token,
                                        bool with_token, sgp32_euicc_package_result *out)
{
    size_t len = 0;
    uint8_t *command = test_package_request(eim, package, token, with_token, &len);
    return test_send_package(t, command, len, out);
}

/* Check a signature of the eUICC (euiccSignEPR / EPE) over data. */
/* euiccSignEPR / euiccSignEPE (SGP.32 2.11.2.1): SK.EUICC.ECDSA over the
 * signed data TLV followed by the eIM's associationToken data object (tag
 * 84, 0 when the eIM has none), the input eIMs following v1.1 and later
 * verify. */
static inline aw_err test_verify_euicc_signature(const test_euicc *t, aw_slice data,
                                                 int64_t token, aw_slice signature)
{
    crypto_key *key = NULL;
    uint8_t *input = NULL;
    size_t input_len = 0;
    aw_slice cert = pki_certificate_der(t->hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &key), AW_OK);
    der_builder b;
    der_builder_init(&b);
    der_put_raw(&b, data.ptr, data.len);
    der_put_int64(&b, DER_CTX(4), token);
    assert_int_equal(der_builder_finish(&b, &input, &input_len), AW_OK);
    aw_err err = crypto_verify_ecdsa(key, input, input_len, signature.ptr, signature.len);
    free(input);
    crypto_key_free(key);
    return err;
}

static inline void test_check_euicc_signature(const test_euicc *t, aw_slice data, int64_t token,
                                              aw_slice signature)
{
    assert_int_equal(test_verify_euicc_signature(t, data, token, signature), AW_OK);
}

#endif
