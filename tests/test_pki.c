/* Tests for RSP certificate chains (src/core/pki_*.c, SGP.22 4.5.2): chains
 * made by the library's own issuance on both curves, and the chain-level
 * failures (signature, issuer, CI, PKID list, validity, EID, curves).
 * Per-certificate profile failures are in test_pki_profile.c. */
#include "pki_testutil.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

typedef struct fixture {
    pki_hierarchy pki[AW_PKI_CURVE__COUNT];
    pki_hierarchy other;          /* a second NIST PKI with its own CI */
    pki_trust_store *store[AW_PKI_CURVE__COUNT];
} fixture;

static fixture fx;

static int group_setup(void **state)
{
    (void)state;
    for (int c = 0; c < AW_PKI_CURVE__COUNT; c++) {
        pki_hierarchy_params params = {.curve = (aw_pki_curve)c, .now = TEST_NOW};
        if (pki_issue_hierarchy(&params, &fx.pki[c]) != AW_OK ||
            pki_trust_store_new(&fx.store[c]) != AW_OK ||
            pki_trust_store_add_ci(fx.store[c], fx.pki[c].cert[AW_PKI_ROLE_CI]) != AW_OK)
            return -1;
    }
    pki_hierarchy_params other = {.curve = AW_PKI_CURVE_NIST_P256, .now = TEST_NOW};
    return pki_issue_hierarchy(&other, &fx.other) == AW_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int c = 0; c < AW_PKI_CURVE__COUNT; c++) {
        pki_hierarchy_free(&fx.pki[c]);
        pki_trust_store_free(fx.store[c]);
    }
    pki_hierarchy_free(&fx.other);
    return 0;
}

static pki_verify_options opts_at(time_t now)
{
    pki_verify_options o = {.now = now};
    return o;
}

static aw_err verify_server(const pki_trust_store *store, const pki_certificate *cert,
                            aw_pki_role role, time_t now)
{
    pki_verify_options o = opts_at(now);
    return pki_verify_server_certificate(store, cert, role, &o, NULL);
}

static aw_err verify_euicc(const pki_trust_store *store, const pki_certificate *eum,
                           const pki_certificate *euicc, const char *eid)
{
    pki_verify_options o = opts_at(TEST_NOW);
    o.expected_eid = eid;
    return pki_verify_euicc_chain(store, eum, euicc, &o, NULL);
}

/* ---- EID ------------------------------------------------------------------ */

static void test_eid_check_digits(void **state)
{
    (void)state;
    /* SGP.26 / SGP.23 test EID */
    assert_int_equal(pki_eid_validate("89049032123451234512345678901235"), AW_OK);
    assert_int_equal(pki_eid_validate(AW_PKI_DEFAULT_EID), AW_OK);
    assert_int_equal(pki_eid_validate("89049032123451234512345678901234"), AW_ERR_PKI_EID_FORMAT);
    assert_int_equal(pki_eid_validate("8904903212345123451234567890123"), AW_ERR_PKI_EID_FORMAT);
    assert_int_equal(pki_eid_validate("890490321234512345123456789012355"), AW_ERR_PKI_EID_FORMAT);
    assert_int_equal(pki_eid_validate("8904903212345123451234567890123A"), AW_ERR_PKI_EID_FORMAT);
    assert_int_equal(pki_eid_validate(NULL), AW_ERR_PKI_EID_FORMAT);
    char eid[AW_PKI_EID_DIGITS + 1];
    assert_int_equal(pki_eid_complete("890490321234512345123456789012", eid), AW_OK);
    assert_string_equal(eid, "89049032123451234512345678901235");
    assert_int_equal(pki_eid_complete("89049032123451234512345678901", eid), AW_ERR_PKI_EID_FORMAT);
    assert_int_equal(pki_eid_complete("89049032123451234512345678901x", eid), AW_ERR_PKI_EID_FORMAT);
    assert_string_equal(eid, "");
}

/* ---- Good chains ---------------------------------------------------------- */

static void check_good_pki(aw_pki_curve curve)
{
    const pki_hierarchy *h = &fx.pki[curve];
    aw_pki_key_id ci_ski;
    assert_int_equal(pki_certificate_get_subject_key_id(h->cert[AW_PKI_ROLE_CI], &ci_ski), AW_OK);
    assert_int_equal(ci_ski.len, 20); /* SHA-1 of the key, RFC 5280 4.2.1.2 (1) */

    static const aw_pki_role servers[] = {AW_PKI_ROLE_DP_AUTH, AW_PKI_ROLE_DP_PB,
                                          AW_PKI_ROLE_DP_TLS, AW_PKI_ROLE_EIM};
    for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
        pki_verify_options o = opts_at(TEST_NOW);
        o.ci_pkids = &ci_ski; /* the eUICC's euiccCiPKIdListForVerification */
        o.ci_pkid_count = 1;
        pki_verify_result r;
        assert_int_equal(pki_verify_server_certificate(fx.store[curve], h->cert[servers[i]],
                                                       servers[i], &o, &r), AW_OK);
        assert_memory_equal(r.ci_pkid.bytes, ci_ski.bytes, ci_ski.len);
        assert_int_equal(r.curve, curve);
        assert_string_equal(r.eid, "");
    }
    pki_verify_options o = opts_at(TEST_NOW);
    o.expected_eid = AW_PKI_DEFAULT_EID;
    pki_verify_result r;
    assert_int_equal(pki_verify_euicc_chain(fx.store[curve], h->cert[AW_PKI_ROLE_EUM],
                                            h->cert[AW_PKI_ROLE_EUICC], &o, &r), AW_OK);
    assert_string_equal(r.eid, AW_PKI_DEFAULT_EID);
    assert_int_equal(r.ci_pkid.len, ci_ski.len);
    assert_int_equal(r.curve, curve);

    for (int role = 0; role < AW_PKI_ROLE__COUNT; role++) {
        aw_pki_curve got;
        assert_int_equal(pki_certificate_get_curve(h->cert[role], &got), AW_OK);
        assert_int_equal(got, curve);
        /* the key as 04||X||Y: OpenSSL's own encoding of it */
        uint8_t point[AW_PKI_POINT_SIZE], encoded[AW_PKI_POINT_SIZE + 8];
        size_t encoded_len = 0;
        assert_int_equal(pki_certificate_get_public_point(h->cert[role], &got, point), AW_OK);
        assert_int_equal(got, curve);
        assert_int_equal(EVP_PKEY_get_octet_string_param(
                             pki_certificate_public_key(h->cert[role]),
                             OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, encoded, sizeof(encoded),
                             &encoded_len),
                         1);
        assert_int_equal(encoded_len, AW_PKI_POINT_SIZE);
        assert_memory_equal(point, encoded, AW_PKI_POINT_SIZE);
        assert_int_equal(pki_check_role(h->cert[role], (aw_pki_role)role, TEST_NOW), AW_OK);
        aw_pki_role from_policy;
        aw_err want = role == AW_PKI_ROLE_EIM ? AW_ERR_PKI_POLICY : AW_OK;
        assert_int_equal(pki_certificate_get_role(h->cert[role], &from_policy), want);
        if (want == AW_OK)
            assert_int_equal(from_policy, role);
    }
    char oid[32];
    assert_int_equal(pki_certificate_get_registered_id(h->cert[AW_PKI_ROLE_DP_AUTH], oid,
                                                       sizeof(oid)), AW_OK);
    assert_string_equal(oid, AW_PKI_TEST_SMDP_OID);
    assert_int_equal(pki_certificate_get_registered_id(h->cert[AW_PKI_ROLE_DP_AUTH], oid, 4),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(pki_certificate_get_registered_id(h->cert[AW_PKI_ROLE_EUICC], oid,
                                                       sizeof(oid)), AW_ERR_PKI_SUBJECT_ALT_NAME);
}

static void test_good_chains_nist(void **state)
{
    (void)state;
    check_good_pki(AW_PKI_CURVE_NIST_P256);
}

static void test_good_chains_brainpool(void **state)
{
    (void)state;
    check_good_pki(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(pki_role_policy_oid(AW_PKI_ROLE_DP_PB), "2.23.146.1.2.1.5");
    assert_string_equal(pki_role_policy_oid(AW_PKI_ROLE_EUM), "2.23.146.1.2.1.2");
    assert_null(pki_role_policy_oid(AW_PKI_ROLE_EIM));
    assert_null(pki_role_policy_oid(AW_PKI_ROLE__COUNT));
    assert_string_equal(pki_role_name(AW_PKI_ROLE_DP_AUTH), "DPauth");
    assert_string_equal(pki_role_name(AW_PKI_ROLE__COUNT), "unknown");
    assert_string_equal(pki_curve_group_name(AW_PKI_CURVE_BRAINPOOL_P256R1), "brainpoolP256r1");
    assert_string_equal(pki_curve_name(AW_PKI_CURVE_NIST_P256), "NIST P-256");
}

/* ---- Parsing ---------------------------------------------------------------- */

static void test_parse(void **state)
{
    (void)state;
    aw_slice der = pki_certificate_der(fx.pki[0].cert[AW_PKI_ROLE_DP_AUTH]);
    pki_certificate *c = (pki_certificate *)1;
    uint8_t *buf = malloc(der.len + 1);
    assert_non_null(buf);
    memcpy(buf, der.ptr, der.len);
    assert_int_equal(pki_certificate_parse(buf, der.len, &c), AW_OK);
    pki_certificate_free(c);
    buf[der.len] = 0x00; /* a trailing byte */
    assert_int_equal(pki_certificate_parse(buf, der.len + 1, &c), AW_ERR_PKI_PARSE);
    assert_null(c);
    assert_int_equal(pki_certificate_parse(buf, der.len - 1, &c), AW_ERR_PKI_PARSE);
    assert_int_equal(pki_certificate_parse(buf, 0, &c), AW_ERR_PKI_PARSE);
    static const uint8_t not_a_cert[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    assert_int_equal(pki_certificate_parse(not_a_cert, sizeof(not_a_cert), &c), AW_ERR_PKI_PARSE);
    static const uint8_t indefinite[] = {0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00};
    assert_int_equal(pki_certificate_parse(indefinite, sizeof(indefinite), &c), AW_ERR_PKI_PARSE);
    assert_int_equal(pki_certificate_parse(buf, der.len, NULL), AW_ERR_ARGUMENT);
    free(buf);

    /* PEM round trip */
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_X509(bio, (X509 *)pki_certificate_x509(
                                                  fx.pki[0].cert[AW_PKI_ROLE_DP_AUTH])), 1);
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(bio, &pem);
    assert_int_equal(pki_certificate_parse_pem(pem, (size_t)pem_len, &c), AW_OK);
    aw_slice again = pki_certificate_der(c);
    assert_int_equal(again.len, der.len);
    assert_memory_equal(again.ptr, der.ptr, der.len);
    pki_certificate_free(c);
    assert_int_equal(pki_certificate_parse_pem("-----BEGIN CERTIFICATE-----\n", 28, &c),
                     AW_ERR_PKI_PARSE);
    BIO_free(bio);
}

/* ---- Chain failures ------------------------------------------------------------ */

/* Tampered certificate: one bit flipped in the signed part, and in the
 * signature value. */
static void test_tampered_signature(void **state)
{
    (void)state;
    for (int curve = 0; curve < AW_PKI_CURVE__COUNT; curve++) {
        aw_slice der = pki_certificate_der(fx.pki[curve].cert[AW_PKI_ROLE_DP_AUTH]);
        uint8_t *buf = malloc(der.len);
        assert_non_null(buf);
        /* a letter of the subject CN, and the last octet of the signature */
        const uint8_t *cn = memmem(der.ptr, der.len, "SM-DP+", 6);
        assert_non_null(cn);
        const size_t offsets[] = {(size_t)(cn - der.ptr), der.len - 2};
        for (size_t k = 0; k < 2; k++) {
            memcpy(buf, der.ptr, der.len);
            buf[offsets[k]] ^= 0x01;
            pki_certificate *c = NULL;
            if (pki_certificate_parse(buf, der.len, &c) != AW_OK)
                fail_msg("flipped bit at %zu broke parsing", offsets[k]);
            assert_int_equal(verify_server(fx.store[curve], c, AW_PKI_ROLE_DP_AUTH, TEST_NOW),
                             AW_ERR_PKI_SIGNATURE);
            pki_certificate_free(c);
        }
        free(buf);
    }
}

static void test_wrong_issuer(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    /* eUICC from another EUM: AKI does not name this EUM */
    assert_int_equal(verify_euicc(fx.store[0], h->cert[AW_PKI_ROLE_EUM],
                                  fx.other.cert[AW_PKI_ROLE_EUICC], NULL), AW_ERR_PKI_ISSUER);
    assert_int_equal(pki_check_issued_by(fx.other.cert[AW_PKI_ROLE_EUICC], h->cert[AW_PKI_ROLE_EUM]),
                     AW_ERR_PKI_ISSUER);
    assert_int_equal(pki_check_issued_by(h->cert[AW_PKI_ROLE_EUICC], h->cert[AW_PKI_ROLE_EUM]),
                     AW_OK);
    assert_int_equal(pki_check_issued_by(NULL, h->cert[AW_PKI_ROLE_EUM]), AW_ERR_ARGUMENT);
}

static void set_issuer_name(X509 *x, const void *arg)
{
    X509_NAME *name = X509_NAME_new();
    assert_non_null(name);
    assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
                                                (const unsigned char *)arg, -1, -1, 0), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    X509_NAME_free(name);
}

static void test_wrong_issuer_name(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    /* right key identifiers and signature, but the issuer name is not the EUM's */
    pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_EUICC], h->key[AW_PKI_ROLE_EUM],
                                     EVP_sha256(), set_issuer_name, "Someone else");
    assert_int_equal(verify_euicc(fx.store[0], h->cert[AW_PKI_ROLE_EUM], c, NULL),
                     AW_ERR_PKI_ISSUER);
    pki_certificate_free(c);
}

static void test_chain_to_other_ci(void **state)
{
    (void)state;
    assert_int_equal(verify_server(fx.store[0], fx.other.cert[AW_PKI_ROLE_DP_AUTH],
                                   AW_PKI_ROLE_DP_AUTH, TEST_NOW), AW_ERR_PKI_UNKNOWN_CI);
    assert_int_equal(verify_euicc(fx.store[0], fx.other.cert[AW_PKI_ROLE_EUM],
                                  fx.other.cert[AW_PKI_ROLE_EUICC], NULL), AW_ERR_PKI_UNKNOWN_CI);
}

/* The CI is trusted, but not in the PKID list the operation allows. */
static void test_ci_pkid_not_allowed(void **state)
{
    (void)state;
    pki_trust_store *store = NULL;
    assert_int_equal(pki_trust_store_new(&store), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store, fx.pki[0].cert[AW_PKI_ROLE_CI]), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store, fx.other.cert[AW_PKI_ROLE_CI]), AW_OK);
    assert_int_equal(pki_trust_store_count(store), 2);
    aw_pki_key_id allowed;
    assert_int_equal(pki_certificate_get_subject_key_id(fx.pki[0].cert[AW_PKI_ROLE_CI], &allowed),
                     AW_OK);
    pki_verify_options o = opts_at(TEST_NOW);
    o.ci_pkids = &allowed;
    o.ci_pkid_count = 1;
    assert_int_equal(pki_verify_server_certificate(store, fx.other.cert[AW_PKI_ROLE_DP_PB],
                                                   AW_PKI_ROLE_DP_PB, &o, NULL),
                     AW_ERR_PKI_CI_NOT_ALLOWED);
    assert_int_equal(pki_verify_euicc_chain(store, fx.other.cert[AW_PKI_ROLE_EUM],
                                            fx.other.cert[AW_PKI_ROLE_EUICC], &o, NULL),
                     AW_ERR_PKI_CI_NOT_ALLOWED);
    assert_int_equal(pki_verify_server_certificate(store, fx.pki[0].cert[AW_PKI_ROLE_DP_PB],
                                                   AW_PKI_ROLE_DP_PB, &o, NULL), AW_OK);
    o.ci_pkid_count = 0; /* an empty list allows no CI */
    assert_int_equal(pki_verify_server_certificate(store, fx.pki[0].cert[AW_PKI_ROLE_DP_PB],
                                                   AW_PKI_ROLE_DP_PB, &o, NULL),
                     AW_ERR_PKI_CI_NOT_ALLOWED);
    pki_trust_store_free(store);
}

static void test_validity(void **state)
{
    (void)state;
    for (int curve = 0; curve < AW_PKI_CURVE__COUNT; curve++) {
        const pki_certificate *dp = fx.pki[curve].cert[AW_PKI_ROLE_DP_AUTH];
        assert_int_equal(verify_server(fx.store[curve], dp, AW_PKI_ROLE_DP_AUTH,
                                       TEST_NOW + 4 * 365 * TEST_DAY), AW_ERR_PKI_EXPIRED);
        assert_int_equal(verify_server(fx.store[curve], dp, AW_PKI_ROLE_DP_AUTH,
                                       TEST_NOW - TEST_DAY), AW_ERR_PKI_NOT_YET_VALID);
        /* notBefore is one hour before "now" */
        assert_int_equal(verify_server(fx.store[curve], dp, AW_PKI_ROLE_DP_AUTH, TEST_NOW - 3599),
                         AW_OK);
    }
}

static void set_not_after(X509 *x, const void *arg)
{
    time_t t = *(const time_t *)arg;
    assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &t));
}

/* A certificate outliving its CI: the CI's own expiry is what fails. */
static void test_ci_expired(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    time_t far = TEST_NOW + 60 * 365 * TEST_DAY;
    pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_DP_AUTH], h->key[AW_PKI_ROLE_CI],
                                     EVP_sha256(), set_not_after, &far);
    assert_int_equal(verify_server(fx.store[0], c, AW_PKI_ROLE_DP_AUTH, TEST_NOW), AW_OK);
    assert_int_equal(verify_server(fx.store[0], c, AW_PKI_ROLE_DP_AUTH,
                                   TEST_NOW + 31 * 365 * TEST_DAY), AW_ERR_PKI_EXPIRED);
    pki_certificate_free(c);
}

static void test_eid_mismatch(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    assert_int_equal(verify_euicc(fx.store[0], h->cert[AW_PKI_ROLE_EUM], h->cert[AW_PKI_ROLE_EUICC],
                                  "89049032123451234512345678901235"), AW_ERR_PKI_EID);
    assert_int_equal(verify_euicc(fx.store[0], h->cert[AW_PKI_ROLE_EUM], h->cert[AW_PKI_ROLE_EUICC],
                                  AW_PKI_DEFAULT_EID), AW_OK);
}

static void set_public_key(X509 *x, const void *arg)
{
    assert_int_equal(X509_set_pubkey(x, (EVP_PKEY *)arg), 1);
}

static void test_curve_not_allowed(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    EVP_PKEY *p384 = EVP_EC_gen("secp384r1");
    assert_non_null(p384);
    pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_DP_AUTH], h->key[AW_PKI_ROLE_CI],
                                     EVP_sha256(), set_public_key, p384);
    assert_int_equal(verify_server(fx.store[0], c, AW_PKI_ROLE_DP_AUTH, TEST_NOW), AW_ERR_PKI_CURVE);
    aw_pki_curve curve;
    assert_int_equal(pki_certificate_get_curve(c, &curve), AW_ERR_PKI_CURVE);
    uint8_t point[AW_PKI_POINT_SIZE];
    assert_int_equal(pki_certificate_get_public_point(c, &curve, point), AW_ERR_PKI_CURVE);
    assert_int_equal(pki_certificate_get_public_point(c, NULL, point), AW_ERR_ARGUMENT);
    assert_int_equal(pki_certificate_get_public_point(c, &curve, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(pki_certificate_get_public_point(NULL, &curve, point), AW_ERR_ARGUMENT);
    pki_certificate_free(c);
    /* a CI key on a curve RSP does not allow */
    aw_pki_key_id pkid = {.bytes = {1, 2, 3}, .len = 3};
    pki_trust_store *store = NULL;
    assert_int_equal(pki_trust_store_new(&store), AW_OK);
    assert_int_equal(pki_trust_store_add_ci_key(store, p384, &pkid), AW_ERR_PKI_CURVE);
    pki_trust_store_free(store);
    EVP_PKEY_free(p384);
}

/* A subject key encoded compressed (X9.62 02/03 || X) still reads as the
 * uncompressed point 04||X||Y. */
static void test_public_point_compressed(void **state)
{
    (void)state;
    for (int curve = 0; curve < AW_PKI_CURVE__COUNT; curve++) {
        const pki_hierarchy *h = &fx.pki[curve];
        EVP_PKEY *key = EVP_PKEY_dup(h->key[AW_PKI_ROLE_DP_AUTH]);
        assert_non_null(key);
        uint8_t want[AW_PKI_POINT_SIZE], point[AW_PKI_POINT_SIZE];
        size_t len = 0;
        assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                         want, sizeof(want), &len),
                         1);
        assert_int_equal(len, AW_PKI_POINT_SIZE);
        assert_int_equal(EVP_PKEY_set_utf8_string_param(
                             key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"),
                         1);
        pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_DP_AUTH], h->key[AW_PKI_ROLE_CI],
                                         EVP_sha256(), set_public_key, key);
        const unsigned char *encoded = NULL;
        int encoded_len = 0;
        assert_int_equal(X509_PUBKEY_get0_param(NULL, &encoded, &encoded_len, NULL,
                                                X509_get_X509_PUBKEY(pki_certificate_x509(c))),
                         1);
        assert_int_equal(encoded_len, 1 + (AW_PKI_POINT_SIZE - 1) / 2); /* compressed */
        aw_pki_curve got;
        assert_int_equal(pki_certificate_get_public_point(c, &got, point), AW_OK);
        assert_int_equal(got, curve);
        assert_memory_equal(point, want, AW_PKI_POINT_SIZE);
        pki_certificate_free(c);
        EVP_PKEY_free(key);
    }
}

/* Brainpool key in a certificate signed by a NIST CI. */
static void test_curve_mismatch(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[AW_PKI_CURVE_NIST_P256];
    EVP_PKEY *bp = NULL;
    assert_int_equal(pki_generate_key(AW_PKI_CURVE_BRAINPOOL_P256R1, &bp), AW_OK);
    pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_DP_PB], h->key[AW_PKI_ROLE_CI],
                                     EVP_sha256(), set_public_key, bp);
    assert_int_equal(verify_server(fx.store[0], c, AW_PKI_ROLE_DP_PB, TEST_NOW),
                     AW_ERR_PKI_CURVE_MISMATCH);
    pki_certificate_free(c);
    EVP_PKEY_free(bp);
}

/* ---- Trust store ------------------------------------------------------------- */

static void test_trust_store(void **state)
{
    (void)state;
    const pki_hierarchy *h = &fx.pki[0];
    pki_trust_store *store = NULL;
    assert_int_equal(pki_trust_store_new(&store), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store, h->cert[AW_PKI_ROLE_DP_AUTH]), AW_ERR_PKI_POLICY);
    assert_int_equal(pki_trust_store_add_ci(store, h->cert[AW_PKI_ROLE_CI]), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store, h->cert[AW_PKI_ROLE_CI]), AW_ERR_STATE);
    /* a CI certificate whose issuer is not itself */
    pki_certificate *c = test_remake(h->cert[AW_PKI_ROLE_CI], h->key[AW_PKI_ROLE_CI], EVP_sha256(),
                                     set_issuer_name, "Not the CI");
    assert_int_equal(pki_trust_store_add_ci(store, c), AW_ERR_PKI_ISSUER);
    pki_certificate_free(c);
    /* self-signed in name only: signed by another key */
    c = test_remake(h->cert[AW_PKI_ROLE_CI], fx.other.key[AW_PKI_ROLE_CI], EVP_sha256(), NULL, NULL);
    pki_trust_store *store2 = NULL;
    assert_int_equal(pki_trust_store_new(&store2), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store2, c), AW_ERR_PKI_SIGNATURE);
    pki_certificate_free(c);

    /* an eUICC's view: the bare CI key under its PKID */
    aw_pki_key_id pkid;
    assert_int_equal(pki_certificate_get_subject_key_id(h->cert[AW_PKI_ROLE_CI], &pkid), AW_OK);
    assert_int_equal(pki_trust_store_add_ci_key(store2, pki_certificate_public_key(
                                                            h->cert[AW_PKI_ROLE_CI]), &pkid), AW_OK);
    assert_int_equal(verify_server(store2, h->cert[AW_PKI_ROLE_DP_AUTH], AW_PKI_ROLE_DP_AUTH,
                                   TEST_NOW), AW_OK);
    c = test_remake(h->cert[AW_PKI_ROLE_DP_AUTH], fx.other.key[AW_PKI_ROLE_CI], EVP_sha256(), NULL,
                    NULL);
    assert_int_equal(verify_server(store2, c, AW_PKI_ROLE_DP_AUTH, TEST_NOW), AW_ERR_PKI_SIGNATURE);
    pki_certificate_free(c);
    assert_int_equal(pki_trust_store_add_ci_key(store2, NULL, &pkid), AW_ERR_ARGUMENT);
    pki_trust_store_free(store2);

    /* server verification is only for CI-issued end entities */
    assert_int_equal(verify_server(store, h->cert[AW_PKI_ROLE_EUM], AW_PKI_ROLE_EUM, TEST_NOW),
                     AW_ERR_ARGUMENT);
    assert_int_equal(verify_server(store, h->cert[AW_PKI_ROLE_EIM], AW_PKI_ROLE_EIM, TEST_NOW),
                     AW_OK);
    pki_verify_options o = opts_at(TEST_NOW);
    assert_int_equal(pki_verify_server_certificate(store, h->cert[AW_PKI_ROLE_DP_PB],
                                                   AW_PKI_ROLE_DP_PB, NULL, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(pki_verify_euicc_chain(store, NULL, h->cert[AW_PKI_ROLE_EUICC], &o, NULL),
                     AW_ERR_ARGUMENT);
    pki_trust_store_free(store);
    pki_trust_store_free(NULL);
    assert_int_equal(pki_trust_store_count(NULL), 0);
}

/* The store holds a bounded number of CIs. */
static void test_trust_store_limit(void **state)
{
    (void)state;
    pki_trust_store *store = NULL;
    assert_int_equal(pki_trust_store_new(&store), AW_OK);
    EVP_PKEY *key = pki_certificate_public_key(fx.pki[0].cert[AW_PKI_ROLE_CI]);
    aw_pki_key_id pkid = {.len = 2};
    aw_err err = AW_OK;
    unsigned added = 0;
    for (; added < 1000 && err == AW_OK; added++) {
        pkid.bytes[0] = (uint8_t)(added >> 8);
        pkid.bytes[1] = (uint8_t)added;
        err = pki_trust_store_add_ci_key(store, key, &pkid);
    }
    assert_int_equal(err, AW_ERR_LIMIT);
    assert_int_equal(pki_trust_store_count(store), added - 1);
    assert_true(added - 1 >= 8); /* room for every PKID an eUICC lists */
    pki_trust_store_free(store);
}

/* ---- Issuance ----------------------------------------------------------------- */

static void test_issue_errors(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    assert_int_equal(pki_generate_key(AW_PKI_CURVE__COUNT, &key), AW_ERR_PKI_CURVE);
    assert_null(key);
    assert_int_equal(pki_generate_key(AW_PKI_CURVE_NIST_P256, &key), AW_OK);
    const pki_hierarchy *h = &fx.pki[0];
    pki_certificate *c = NULL;
    pki_issue_request req = {.role = AW_PKI_ROLE_EUICC, .eid = "89049032123451234512345678901234",
                             .not_before = TEST_NOW, .not_after = TEST_NOW + TEST_DAY};
    assert_int_equal(pki_issue_certificate(&req, key, h->cert[AW_PKI_ROLE_EUM],
                                           h->key[AW_PKI_ROLE_EUM], &c), AW_ERR_PKI_EID_FORMAT);
    req.role = AW_PKI_ROLE_DP_AUTH; /* only the CI is self-signed */
    assert_int_equal(pki_issue_certificate(&req, key, NULL, NULL, &c), AW_ERR_ARGUMENT);
    req.not_after = req.not_before;
    assert_int_equal(pki_issue_certificate(&req, key, h->cert[AW_PKI_ROLE_CI],
                                           h->key[AW_PKI_ROLE_CI], &c), AW_ERR_ARGUMENT);
    assert_null(c);
    EVP_PKEY_free(key);

    pki_hierarchy bad;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .eid = "123", .now = TEST_NOW};
    assert_int_equal(pki_issue_hierarchy(&params, &bad), AW_ERR_PKI_EID_FORMAT);
    /* an EID outside the test EUM's EIN: no EIN name constraint is issued */
    char eid[AW_PKI_EID_DIGITS + 1];
    assert_int_equal(pki_eid_complete("890330240000000000000000000001", eid), AW_OK);
    params.eid = eid;
    static const char *const names[] = {"smdp.example.org", "192.0.2.7", "2001:db8::1"};
    params.tls_names = names;
    params.tls_name_count = 3;
    assert_int_equal(pki_issue_hierarchy(&params, &bad), AW_OK);
    pki_trust_store *store = NULL;
    assert_int_equal(pki_trust_store_new(&store), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(store, bad.cert[AW_PKI_ROLE_CI]), AW_OK);
    assert_int_equal(verify_euicc(store, bad.cert[AW_PKI_ROLE_EUM], bad.cert[AW_PKI_ROLE_EUICC], eid),
                     AW_OK);
    assert_int_equal(verify_server(store, bad.cert[AW_PKI_ROLE_DP_TLS], AW_PKI_ROLE_DP_TLS, TEST_NOW),
                     AW_OK);
    pki_trust_store_free(store);
    pki_hierarchy_free(&bad);
    static const char *const comma[] = {"a,b"};
    params.tls_names = comma;
    params.tls_name_count = 1;
    assert_int_equal(pki_issue_hierarchy(&params, &bad), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eid_check_digits),
        cmocka_unit_test(test_good_chains_nist),
        cmocka_unit_test(test_good_chains_brainpool),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_tampered_signature),
        cmocka_unit_test(test_wrong_issuer),
        cmocka_unit_test(test_wrong_issuer_name),
        cmocka_unit_test(test_chain_to_other_ci),
        cmocka_unit_test(test_ci_pkid_not_allowed),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_ci_expired),
        cmocka_unit_test(test_eid_mismatch),
        cmocka_unit_test(test_curve_not_allowed),
        cmocka_unit_test(test_public_point_compressed),
        cmocka_unit_test(test_curve_mismatch),
        cmocka_unit_test(test_trust_store),
        cmocka_unit_test(test_trust_store_limit),
        cmocka_unit_test(test_issue_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
