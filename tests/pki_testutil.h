/* Helpers for the PKI tests: build a certificate that differs from a good
 * one in exactly one respect, re-signed by a chosen key, so every RSP rule
 * can be broken on its own (test code only). */
#ifndef AIRWRITE_TESTS_PKI_TESTUTIL_H
#define AIRWRITE_TESTS_PKI_TESTUTIL_H

#include "testutil.h"

#include <openssl/x509v3.h>

#include "core/pki.h"

/* 2026-01-01T00:00:00Z: the fixed "now" of the tests. */
#define TEST_NOW ((time_t)1767225600)
#define TEST_DAY ((time_t)86400)

typedef void (*test_mutation)(X509 *x, const void *arg);

/* Copy cert, apply mutate (may be NULL), re-sign with signer using md. */
static inline pki_certificate *test_remake(const pki_certificate *cert, EVP_PKEY *signer,
                                           const EVP_MD *md, test_mutation mutate, const void *arg)
{
    X509 *x = X509_dup((X509 *)pki_certificate_x509(cert));
    assert_non_null(x);
    if (mutate != NULL)
        mutate(x, arg);
    assert_true(X509_sign(x, signer, md) > 0);
    pki_certificate *out = NULL;
    assert_int_equal(pki_certificate_from_x509(x, &out), AW_OK);
    X509_free(x);
    return out;
}

static inline void test_delete_extension(X509 *x, int nid)
{
    int idx;
    while ((idx = X509_get_ext_by_NID(x, nid, -1)) >= 0)
        X509_EXTENSION_free(X509_delete_ext(x, idx));
}

/* Replace an extension by one in OpenSSL configuration syntax. */
static inline void test_set_extension(X509 *x, int nid, const char *value)
{
    test_delete_extension(x, nid);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, NULL, x, NULL, NULL, X509V3_CTX_TEST);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* Replace the certificate policies by the given dotted OIDs (NULL-ended). */
static inline void test_set_policies(X509 *x, const char *const *oids)
{
    test_delete_extension(x, NID_certificate_policies);
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    assert_non_null(pols);
    for (size_t i = 0; oids[i] != NULL; i++) {
        POLICYINFO *info = POLICYINFO_new();
        assert_non_null(info);
        ASN1_OBJECT_free(info->policyid);
        info->policyid = OBJ_txt2obj(oids[i], 1);
        assert_non_null(info->policyid);
        assert_true(sk_POLICYINFO_push(pols, info) > 0);
    }
    assert_int_equal(X509_add1_ext_i2d(x, NID_certificate_policies, pols, 1, X509V3_ADD_DEFAULT), 1);
    CERTIFICATEPOLICIES_free(pols);
}

#endif
