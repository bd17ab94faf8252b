/* Cross-checks of the envelope's public-key encryptions against independent
 * implementations at test time:
 *   SM2 (GB/T 32918.4, C1C3C2) both ways with the pure-JavaScript npm
 *   package sm-crypto (cipherMode 1), run by node through
 *   tests/crosscheck_envelope.js, installed by sm_node_testutil.h (pinned
 *   by tests/crypto_suite_node/package-lock.json);
 *   ECIES on P-256 both ways with python3-cryptography
 *   (tests/crosscheck_envelope.py under /usr/bin/python3).
 * Each half exits 77 (skipped) with the reason when its reference is
 * missing; both run when both are present.
 *
 * The known answer on the recommended curve (GB/T 32918.5-2016 / GM/T
 * 0003.5-2012 Annex C: dB, "encryption standard", fixed k) is decrypted by
 * sm-crypto too (test_crypto_envelope.c decrypts it and checks its DER);
 * neither OpenSSL's EVP interface nor sm-crypto take a fixed k, so its
 * encryption is not reproduced. */
#include "sm_node_testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "core/crypto_envelope.h"
#include "core/crypto_envelope_internal.h"

static char node_modules[1200];
static char node_script[1200];
static bool have_node, have_python;

static const char *prepare_node(void)
{
    const char *why = sm_node_prepare("crosscheck_envelope.js", node_modules,
                                      sizeof(node_modules), node_script, sizeof(node_script));
    if (why != NULL)
        return why;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "NODE_PATH='%s' node '%s' selftest 2>&1", node_modules,
             node_script);
    char *out = crosscheck_shell(cmd);
    if (out == NULL || strncmp(out, "ok ", 3) != 0) {
        free(out);
        return "tests/crosscheck_envelope.js does not run";
    }
    printf("crosscheck: node reference: %s", out + 3);
    free(out);
    return NULL;
}

static char *run(const char *fmt, ...)
{
    char cmd[40000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("reference failed: %s\n", cmd);
    assert_non_null(out);
    char *nl = strchr(out, '\n');
    if (nl != NULL)
        *nl = '\0';
    return out;
}

/* A private key and its scalar in hex (64 digits). */
static crypto_envelope_key *key_with_scalar(crypto_suite suite, char scalar[65])
{
    crypto_envelope_key *k = NULL;
    assert_int_equal(crypto_envelope_key_generate(suite, &k), AW_OK);
    BIGNUM *d = NULL;
    uint8_t bytes[32];
    assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    assert_int_equal(BN_bn2binpad(d, bytes, sizeof(bytes)), 32);
    BN_clear_free(d);
    aw_hex_encode(bytes, sizeof(bytes), scalar, false);
    return k;
}

static void random_message(uint8_t *m, size_t len)
{
    assert_int_equal(RAND_bytes(m, (int)len), 1);
}

static void test_sm2_both_ways(void **state)
{
    (void)state;
    if (!have_node)
        skip();
    static const size_t lengths[] = {1, 16, 32, 33, 47 + 120, 1000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char scalar[65], *point_hex, *m_hex, *c_hex;
        crypto_envelope_key *k = key_with_scalar(CRYPTO_SUITE_DOMESTIC, scalar);
        uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE], m[1000], c[1200], back[1200];
        size_t c_len = 0, back_len = 0;
        assert_int_equal(crypto_envelope_key_export_point(k, point), AW_OK);
        random_message(m, lengths[i]);
        point_hex = hex_of(point, sizeof(point));
        m_hex = hex_of(m, lengths[i]);
        /* ours -> sm-crypto */
        assert_int_equal(crypto_envelope_sm2_encrypt(k, m, lengths[i], c, sizeof(c), &c_len),
                         AW_OK);
        c_hex = hex_of(c, c_len);
        char *out = run("NODE_PATH='%s' node '%s' sm2-decrypt %s %s", node_modules, node_script,
                        scalar, c_hex);
        assert_string_equal(out, m_hex);
        free(out);
        free(c_hex);
        /* sm-crypto -> ours */
        out = run("NODE_PATH='%s' node '%s' sm2-encrypt %s %s", node_modules, node_script,
                  point_hex, m_hex);
        size_t theirs_len = 0;
        uint8_t *theirs = test_hex(out, &theirs_len);
        assert_int_equal(theirs_len, lengths[i] + CRYPTO_ENVELOPE_SM2_OVERHEAD);
        assert_int_equal(crypto_envelope_sm2_decrypt(k, theirs, theirs_len, back, sizeof(back),
                                                     &back_len),
                         AW_OK);
        assert_int_equal(back_len, lengths[i]);
        assert_memory_equal(back, m, back_len);
        /* and a C3 changed by one bit is refused by both */
        theirs[CRYPTO_ENVELOPE_POINT_SIZE] ^= 0x01;
        assert_int_equal(crypto_envelope_sm2_decrypt(k, theirs, theirs_len, back, sizeof(back),
                                                     &back_len),
                         AW_ERR_ENVELOPE_DECRYPT);
        c_hex = hex_of(theirs, theirs_len);
        char *refused = run("NODE_PATH='%s' node '%s' sm2-decrypt %s %s", node_modules,
                            node_script, scalar, c_hex);
        assert_string_equal(refused, "bad");
        free(refused);
        free(c_hex);
        free(theirs);
        free(out);
        free(point_hex);
        free(m_hex);
        crypto_envelope_key_free(k);
    }
}

static void test_sm2_annex_c(void **state)
{
    (void)state;
    if (!have_node)
        skip();
    char *out = run("NODE_PATH='%s' node '%s' sm2-decrypt %s %s", node_modules, node_script,
                    "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8",
                    "04"
                    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
                    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
                    "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
                    "21886CA989CA9C7D58087307CA93092D651EFA");
    char *expected = hex_of((const uint8_t *)"encryption standard", 19);
    assert_string_equal(out, expected);
    free(expected);
    free(out);
}

static void test_ecies_both_ways(void **state)
{
    (void)state;
    if (!have_python)
        skip();
    const char *root = getenv("AW_SOURCE_ROOT");
    static const size_t lengths[] = {0, 1, 16, 200, 4000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char scalar[65];
        crypto_envelope_key *k = key_with_scalar(CRYPTO_SUITE_INTERNATIONAL, scalar);
        uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE], m[4000], ad[CRYPTO_ENVELOPE_HEADER_SIZE];
        uint8_t c[4200], back[4200];
        size_t c_len = 0, back_len = 0;
        assert_int_equal(crypto_envelope_key_export_point(k, point), AW_OK);
        if (lengths[i] > 0)
            random_message(m, lengths[i]);
        random_message(ad, sizeof(ad));
        char *point_hex = hex_of(point, sizeof(point)), *ad_hex = hex_of(ad, sizeof(ad));
        char *m_hex = lengths[i] > 0 ? hex_of(m, lengths[i]) : strdup("-");
        assert_int_equal(crypto_envelope_ecies_encrypt(k, ad, sizeof(ad), m, lengths[i], c,
                                                       sizeof(c), &c_len),
                         AW_OK);
        char *c_hex = hex_of(c, c_len);
        char *out = run("%s %s/tests/crosscheck_envelope.py decrypt %s %s %s", CROSSCHECK_PYTHON,
                        root, scalar, ad_hex, c_hex);
        assert_string_equal(out, m_hex);
        free(out);
        free(c_hex);
        out = run("%s %s/tests/crosscheck_envelope.py encrypt %s %s %s", CROSSCHECK_PYTHON, root,
                  point_hex, ad_hex, m_hex);
        size_t theirs_len = 0;
        uint8_t *theirs = test_hex(out, &theirs_len);
        assert_int_equal(theirs_len, lengths[i] + CRYPTO_ENVELOPE_ECIES_OVERHEAD);
        assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), theirs, theirs_len,
                                                       back, sizeof(back), &back_len),
                         AW_OK);
        assert_int_equal(back_len, lengths[i]);
        if (back_len > 0)
            assert_memory_equal(back, m, back_len);
        /* other additional data: refused by ours, and by theirs */
        ad[0] ^= 1;
        assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), theirs, theirs_len,
                                                       back, sizeof(back), &back_len),
                         AW_ERR_ENVELOPE_DECRYPT);
        char *ad2 = hex_of(ad, sizeof(ad));
        char *refused = run("%s %s/tests/crosscheck_envelope.py decrypt %s %s %s",
                            CROSSCHECK_PYTHON, root, scalar, ad2, out);
        assert_string_equal(refused, "bad");
        free(refused);
        free(ad2);
        free(theirs);
        free(out);
        free(point_hex);
        free(ad_hex);
        free(m_hex);
        crypto_envelope_key_free(k);
    }
}

int main(void)
{
    const char *why = prepare_node();
    have_node = why == NULL;
    if (!have_node)
        printf("crosscheck: SM2 part skipped: %s\n", why);
    char *out = crosscheck_shell(CROSSCHECK_PYTHON
                                 " -c 'import cryptography.hazmat.primitives.kdf.x963kdf' "
                                 "2>/dev/null && echo ok");
    have_python = out != NULL && getenv("AW_SOURCE_ROOT") != NULL;
    free(out);
    if (!have_python)
        printf("crosscheck: ECIES part skipped: %s with python3-cryptography is missing\n",
               CROSSCHECK_PYTHON);
    if (!have_node && !have_python)
        return TEST_SKIP_EXIT;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm2_both_ways),
        cmocka_unit_test(test_sm2_annex_c),
        cmocka_unit_test(test_ecies_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
