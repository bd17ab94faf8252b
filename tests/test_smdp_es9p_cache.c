/* The cache of parsed CERT.EUMs of the ES9+ server (es9p_store.h, SGP.22
 * 5.6.3 AuthenticateClient): kept by exact DER bytes, least recently used
 * entry replaced, every error path; AuthenticateClient with the cache still
 * verifying the whole chain on every call; and PK.EUICC.ECDSA as the
 * session keeps it (es9p_euicc_key_from_certificate). */
#include "smdp_es9p_testutil.h"

static void test_cache_arguments(void **state)
{
    (void)state;
    es9p_certificate_cache *cache = (es9p_certificate_cache *)state;
    const pki_certificate *certificate = (const pki_certificate *)state;
    static const uint8_t byte = 0x30;
    assert_int_equal(es9p_certificate_cache_new(4, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(es9p_certificate_cache_new(0, &cache), AW_ERR_ARGUMENT);
    assert_null(cache);
    assert_int_equal(es9p_certificate_cache_new(4, &cache), AW_OK);
    assert_int_equal(es9p_certificate_cache_get(cache, (aw_slice){&byte, 1}, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(es9p_certificate_cache_get(NULL, (aw_slice){&byte, 1}, &certificate),
                     AW_ERR_ARGUMENT);
    assert_null(certificate);
    assert_int_equal(es9p_certificate_cache_get(cache, (aw_slice){NULL, 0}, &certificate),
                     AW_ERR_ARGUMENT);
    /* not a certificate: refused and not kept */
    assert_int_equal(es9p_certificate_cache_get(cache, (aw_slice){&byte, 1}, &certificate),
                     AW_ERR_PKI_PARSE);
    assert_null(certificate);
    assert_int_equal(es9p_certificate_cache_count(cache), 0);
    assert_int_equal(es9p_certificate_cache_count(NULL), 0);
    es9p_certificate_cache_free(cache);
    es9p_certificate_cache_free(NULL);
}

/* Three certificates through a cache of two: hits return the kept object,
 * the least recently used one is replaced. */
static void test_cache_keeps_and_replaces(void **state)
{
    (void)state;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = FX_NOW};
    pki_hierarchy h;
    assert_int_equal(pki_issue_hierarchy(&params, &h), AW_OK);
    aw_slice eum = pki_certificate_der(h.cert[AW_PKI_ROLE_EUM]);
    aw_slice euicc = pki_certificate_der(h.cert[AW_PKI_ROLE_EUICC]);
    aw_slice ci = pki_certificate_der(h.cert[AW_PKI_ROLE_CI]);
    es9p_certificate_cache *cache = NULL;
    const pki_certificate *first = NULL, *again = NULL, *other = NULL, *third = NULL;
    assert_int_equal(es9p_certificate_cache_new(2, &cache), AW_OK);
    assert_int_equal(es9p_certificate_cache_get(cache, eum, &first), AW_OK);
    assert_non_null(first);
    aw_slice parsed = pki_certificate_der(first);
    assert_int_equal(parsed.len, eum.len);
    assert_memory_equal(parsed.ptr, eum.ptr, eum.len);
    assert_int_equal(es9p_certificate_cache_get(cache, eum, &again), AW_OK);
    assert_ptr_equal(again, first); /* kept, not parsed again */
    assert_int_equal(es9p_certificate_cache_get(cache, euicc, &other), AW_OK);
    assert_ptr_not_equal(other, first);
    assert_int_equal(es9p_certificate_cache_count(cache), 2);
    /* EUM used last: the eUICC one is replaced by the CI */
    assert_int_equal(es9p_certificate_cache_get(cache, eum, &again), AW_OK);
    assert_ptr_equal(again, first);
    assert_int_equal(es9p_certificate_cache_get(cache, ci, &third), AW_OK);
    assert_int_equal(es9p_certificate_cache_count(cache), 2);
    assert_int_equal(es9p_certificate_cache_get(cache, eum, &again), AW_OK);
    assert_ptr_equal(again, first);
    /* a copy of the same bytes elsewhere in memory finds the same entry */
    uint8_t *copy = malloc(eum.len);
    assert_non_null(copy);
    memcpy(copy, eum.ptr, eum.len);
    assert_int_equal(es9p_certificate_cache_get(cache, (aw_slice){copy, eum.len}, &again),
                     AW_OK);
    assert_ptr_equal(again, first);
    /* one byte different (in the signature value): another entry */
    copy[eum.len - 1] ^= 0x01;
    assert_int_equal(es9p_certificate_cache_get(cache, (aw_slice){copy, eum.len}, &again),
                     AW_OK);
    assert_ptr_not_equal(again, first);
    parsed = pki_certificate_der(again);
    assert_memory_equal(parsed.ptr, copy, eum.len);
    free(copy);
    es9p_certificate_cache_free(cache);
    pki_hierarchy_free(&h);
}

/* AuthenticateClient with the cache: the first call keeps CERT.EUM, the
 * next ones reuse it, and the chain is still checked each time (an EUM
 * from another hierarchy, kept or not, is refused). */
static void test_authenticate_with_cache(void **state)
{
    (void)state;
    fixture fx, other;
    es9p_certificate_cache *cache = NULL;
    fx_open(&fx, AW_PKI_CURVE_BRAINPOOL_P256R1);
    fx_open(&other, AW_PKI_CURVE_BRAINPOOL_P256R1);
    assert_int_equal(es9p_certificate_cache_new(4, &cache), AW_OK);
    fx.server.eum_cache = cache;
    fx_auth_options o = {0};
    for (int round = 0; round < 2; round++) {
        assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
        assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_OK);
        assert_int_equal(es9p_certificate_cache_count(cache), 1);
    }
    for (int round = 0; round < 2; round++) {
        o = (fx_auth_options){.eum_certificate = fx_der(&other, AW_PKI_ROLE_EUM)};
        assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
        assert_int_not_equal(fx_authenticate(&fx, &o), ES9P_STATUS_OK);
        assert_int_equal(es9p_certificate_cache_count(cache), 2);
    }
    /* a SEQUENCE that is no certificate is refused as before, not kept */
    static const uint8_t not_certificate[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    o = (fx_auth_options){.eum_certificate = {not_certificate, sizeof(not_certificate)}};
    assert_int_equal(fx_initiate(&fx), ES9P_STATUS_OK);
    assert_int_equal(fx_authenticate(&fx, &o), ES9P_STATUS_EUM_CERTIFICATE_INVALID);
    assert_int_equal(es9p_certificate_cache_count(cache), 2);
    es9p_certificate_cache_free(cache);
    fx_close(&other);
    fx_close(&fx);
}

/* PK.EUICC.ECDSA as a session keeps it, from a DER certificate. */
static void test_euicc_key_from_certificate(void **state)
{
    (void)state;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_BRAINPOOL_P256R1, .now = FX_NOW};
    pki_hierarchy h;
    assert_int_equal(pki_issue_hierarchy(&params, &h), AW_OK);
    es9p_euicc_key key;
    uint8_t want[AW_PKI_POINT_SIZE];
    aw_pki_curve curve;
    assert_int_equal(es9p_euicc_key_from_certificate(pki_certificate_der(h.cert[AW_PKI_ROLE_EUICC]),
                                                     &key),
                     AW_OK);
    assert_int_equal(key.curve, CRYPTO_CURVE_BRAINPOOL_P256R1);
    assert_int_equal(pki_certificate_get_public_point(h.cert[AW_PKI_ROLE_EUICC], &curve, want),
                     AW_OK);
    assert_memory_equal(key.point, want, CRYPTO_POINT_SIZE);
    static const uint8_t not_certificate[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    assert_int_equal(es9p_euicc_key_from_certificate(
                         (aw_slice){not_certificate, sizeof(not_certificate)}, &key),
                     AW_ERR_PKI_PARSE);
    assert_int_equal(key.curve, 0); /* no key */
    assert_int_equal(es9p_euicc_key_from_certificate(pki_certificate_der(h.cert[AW_PKI_ROLE_EUICC]),
                                                     NULL),
                     AW_ERR_ARGUMENT);
    pki_hierarchy_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_arguments),
        cmocka_unit_test(test_cache_keeps_and_replaces),
        cmocka_unit_test(test_authenticate_with_cache),
        cmocka_unit_test(test_euicc_key_from_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
