/* Cross-check of every SM operation of the domestic suite against an
 * independent implementation at test time: the pure-JavaScript npm packages
 * sm-crypto (SM2 signatures with default and custom IDs, DER and raw r||s;
 * SM3; HMAC-SM3; SM4-ECB/CBC) and sm-crypto-v2 (SM4-GCM, a second SM3), run
 * by node through tests/crosscheck_sm.js.
 *
 * The packages come from tests/crypto_suite_node/package-lock.json (pinned
 * versions and integrity hashes), installed by "npm ci" into
 * $AW_BUILD_ROOT/crypto-suite-node on first use and reused afterwards.
 * Without node, npm or the npm registry the test prints why and exits 77
 * (meson: skipped); scripts/setup-deps installs nodejs and npm. */
#include "sm_node_testutil.h"

#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/crypto_suite.h"
#include "core/crypto_suite_internal.h"

static char node_modules[1200];
static char script[1200];

/* Install the pinned packages unless the cache already holds exactly this
 * lock file's install (sm_node_testutil.h). Returns NULL when ready, else
 * why it cannot run. */
static const char *prepare(void)
{
    const char *why = sm_node_prepare("crosscheck_sm.js", node_modules, sizeof(node_modules),
                                      script, sizeof(script));
    if (why != NULL)
        return why;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "NODE_PATH='%s' node '%s' selftest 2>&1", node_modules, script);
    char *out = crosscheck_shell(cmd);
    if (out == NULL || strncmp(out, "ok ", 3) != 0) {
        free(out);
        return "the reference script tests/crosscheck_sm.js does not run";
    }
    printf("crosscheck: node reference: %s", out + 3);
    free(out);
    return NULL;
}

/* Run the reference with the formatted arguments; its stdout. */
static char *reference(const char *fmt, ...)
{
    char args[24576];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(args));
    size_t len = strlen(node_modules) + strlen(script) + (size_t)n + 64;
    char *cmd = malloc(len);
    assert_non_null(cmd);
    snprintf(cmd, len, "NODE_PATH='%s' node '%s' %s", node_modules, script, args);
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("reference failed: %s\n", cmd);
    assert_non_null(out);
    free(cmd);
    return out;
}

/* hex of data, or "-" when empty (malloc'd) */
static char *arg_hex(const uint8_t *data, size_t len)
{
    if (len == 0) {
        char *s = strdup("-");
        assert_non_null(s);
        return s;
    }
    return hex_of(data, len);
}

static void random_bytes(uint8_t *p, size_t n)
{
    if (n > 0)
        assert_int_equal(RAND_bytes(p, (int)n), 1);
}

/* Next output line as bytes ("-" = empty). */
static uint8_t *line_bytes(char **cursor, size_t *len)
{
    if (strncmp(*cursor, "-\n", 2) == 0) {
        *cursor += 2;
        *len = 0;
        uint8_t *p = malloc(1);
        assert_non_null(p);
        return p;
    }
    return next_hex_line(cursor, len);
}

/* ---- SM3, HMAC-SM3 ----------------------------------------------------------- */

static void test_sm3(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 3, 55, 56, 63, 64, 65, 119, 128, 500, 1500};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        uint8_t data[1500], ours[CRYPTO_SUITE_HASH_SIZE];
        random_bytes(data, lengths[i]);
        assert_int_equal(crypto_suite_hash(CRYPTO_SUITE_DOMESTIC, data, lengths[i], ours), AW_OK);
        char *h = arg_hex(data, lengths[i]);
        char *out = reference("sm3 %s", h);
        char *cursor = out;
        size_t len;
        for (int impl = 0; impl < 2; impl++) { /* sm-crypto, then sm-crypto-v2 */
            uint8_t *theirs = next_hex_line(&cursor, &len);
            assert_int_equal(len, CRYPTO_SUITE_HASH_SIZE);
            assert_memory_equal(ours, theirs, len);
            free(theirs);
        }
        free(out);
        free(h);
    }
}

static void test_hmac_sm3(void **state)
{
    (void)state;
    static const size_t key_lengths[] = {1, 16, 32, 63, 64, 65, 100, 200};
    for (size_t i = 0; i < sizeof(key_lengths) / sizeof(key_lengths[0]); i++) {
        uint8_t key[200], data[300], ours[CRYPTO_SUITE_MAC_SIZE];
        size_t data_len = (i * 41) % sizeof(data);
        random_bytes(key, key_lengths[i]);
        random_bytes(data, data_len);
        assert_int_equal(crypto_suite_hmac(CRYPTO_SUITE_DOMESTIC, key, key_lengths[i], data,
                                           data_len, ours),
                         AW_OK);
        char *k = arg_hex(key, key_lengths[i]);
        char *d = arg_hex(data, data_len);
        char *out = reference("hmac %s %s", k, d);
        char *cursor = out;
        size_t len;
        uint8_t *theirs = next_hex_line(&cursor, &len);
        assert_int_equal(len, CRYPTO_SUITE_MAC_SIZE);
        assert_memory_equal(ours, theirs, len);
        free(theirs);
        free(out);
        free(k);
        free(d);
    }
}

/* ---- SM4 -------------------------------------------------------------------- */

/* OpenSSL's SM4-ECB / SM4-CBC (the block cipher the domestic AEAD is built
 * on) against sm-crypto. */
static void test_sm4_ecb_cbc(void **state)
{
    (void)state;
    static const char *const modes[] = {"ecb", "cbc"};
    static const char *const names[] = {"SM4-ECB", "SM4-CBC"};
    for (size_t m = 0; m < 2; m++) {
        EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, names[m], NULL);
        assert_non_null(cipher);
        for (size_t blocks = 1; blocks <= 9; blocks += 4) {
            uint8_t key[16], iv[16], data[160], ours[160];
            random_bytes(key, sizeof(key));
            random_bytes(iv, sizeof(iv));
            random_bytes(data, blocks * 16);
            EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
            int n = 0;
            assert_int_equal(EVP_EncryptInit_ex2(ctx, cipher, key, m ? iv : NULL, NULL), 1);
            assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
            assert_int_equal(EVP_EncryptUpdate(ctx, ours, &n, data, (int)(blocks * 16)), 1);
            assert_int_equal((size_t)n, blocks * 16);
            EVP_CIPHER_CTX_free(ctx);
            char *k = hex_of(key, 16), *v = hex_of(iv, 16), *d = hex_of(data, blocks * 16);
            char *out = reference("sm4 %s %s %s %s", modes[m], k, v, d);
            char *cursor = out;
            size_t len;
            uint8_t *theirs = next_hex_line(&cursor, &len);
            assert_int_equal(len, blocks * 16);
            assert_memory_equal(ours, theirs, len);
            free(theirs);
            free(out);
            free(k);
            free(v);
            free(d);
        }
        EVP_CIPHER_free(cipher);
    }
}

/* The sealed format, end to end: what we seal, sm-crypto-v2's SM4-GCM opens
 * with AAD = header || ad; what it seals under a nonce and header we choose,
 * we open. */
static void test_sm4_gcm_sealed(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 16, 17, 100, 1000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        size_t len = lengths[i], ad_len = (i * 13) % 40;
        uint8_t key[16], ad[40], pt[1000], sealed[1100], back[1000];
        random_bytes(key, sizeof(key));
        random_bytes(ad, ad_len);
        random_bytes(pt, len);
        uint32_t key_id = 0x5A000000u + (uint32_t)i;
        size_t n = 0, m = 0;
        assert_int_equal(crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, key_id, key, 16, ad, ad_len, pt,
                                           len, sealed, sizeof(sealed), &n),
                         AW_OK);
        uint8_t aad[6 + 40];
        memcpy(aad, sealed, 6);
        memcpy(aad + 6, ad, ad_len);
        char *k = hex_of(key, 16), *iv = hex_of(sealed + 6, 12), *a = hex_of(aad, 6 + ad_len);
        char *ct = arg_hex(sealed + 18, len), *tag = hex_of(sealed + 18 + len, 16);
        char *out = reference("gcm-open %s %s %s %s %s", k, iv, a, ct, tag);
        char *cursor = out;
        size_t got_len;
        uint8_t *got = line_bytes(&cursor, &got_len);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, pt, len);
        free(got);
        free(out);
        /* a wrong tag is refused by the reference as well */
        tag[0] = tag[0] == '0' ? '1' : '0';
        out = reference("gcm-open %s %s %s %s %s", k, iv, a, ct, tag);
        assert_string_equal(out, "bad\n");
        free(out);

        /* the reference seals; we open */
        random_bytes(sealed + 6, 12);
        free(iv);
        iv = hex_of(sealed + 6, 12);
        char *p = arg_hex(pt, len);
        out = reference("gcm-seal %s %s %s %s", k, iv, a, p);
        cursor = out;
        size_t c_len, t_len;
        uint8_t *c = line_bytes(&cursor, &c_len);
        uint8_t *t = next_hex_line(&cursor, &t_len);
        assert_int_equal(c_len, len);
        assert_int_equal(t_len, 16);
        memcpy(sealed + 18, c, len);
        memcpy(sealed + 18 + len, t, 16);
        assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, key_id, key, 16, ad, ad_len,
                                           sealed, len + 34, back, sizeof(back), &m),
                         AW_OK);
        assert_int_equal(m, len);
        assert_memory_equal(back, pt, len);
        free(c);
        free(t);
        free(out);
        free(p);
        free(k);
        free(iv);
        free(a);
        free(ct);
        free(tag);
    }
}

/* ---- SM2 -------------------------------------------------------------------- */

/* The private scalar of a suite key, as hex, through its exported PEM. */
static char *scalar_hex(const crypto_suite_key *key)
{
    char *pem = NULL;
    size_t pem_len = 0;
    assert_int_equal(crypto_suite_key_export_private_pem(key, &pem, &pem_len), AW_OK);
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(pkey);
    BIGNUM *d = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    uint8_t raw[32];
    assert_int_equal(BN_bn2binpad(d, raw, 32), 32);
    char *h = hex_of(raw, 32);
    BN_clear_free(d);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    crypto_suite_pem_free(pem, pem_len);
    return h;
}

static const char *const custom_ids[] = {NULL, "ALICE123@YAHOO.COM", "platform.callback/v1"};

static void test_sm2_ours_verified_by_reference(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        crypto_suite_key *key = NULL;
        assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &key), AW_OK);
        uint8_t point[65];
        assert_int_equal(crypto_suite_key_export_point(key, point), AW_OK);
        char *q = hex_of(point, 65);
        /* the same scalar gives the same public point */
        char *d = scalar_hex(key);
        char *out = reference("public %s", d);
        assert_int_equal(strncmp(out, q, 130), 0);
        free(out);

        for (size_t ii = 0; ii < 3; ii++) {
            const char *id = custom_ids[ii];
            uint8_t msg[200];
            size_t msg_len = (size_t)(round * 60 + (int)ii * 7 + 1);
            random_bytes(msg, msg_len);
            uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX], raw[64];
            size_t n = 0;
            if (id != NULL)
                assert_int_equal(crypto_suite_sign_with_id(key, (const uint8_t *)id, strlen(id),
                                                           msg, msg_len, sig, sizeof(sig), &n),
                                 AW_OK);
            else
                assert_int_equal(crypto_suite_sign(key, msg, msg_len, sig, sizeof(sig), &n),
                                 AW_OK);
            assert_int_equal(crypto_suite_signature_to_raw(CRYPTO_SUITE_DOMESTIC, sig, n, raw),
                             AW_OK);
            char *m = hex_of(msg, msg_len), *s_der = hex_of(sig, n), *s_raw = hex_of(raw, 64);
            char *i = id != NULL ? hex_of((const uint8_t *)id, strlen(id)) : strdup("-");
            out = reference("verify %s %s %s %s der", q, m, s_der, i);
            assert_string_equal(out, "ok\n");
            free(out);
            out = reference("verify %s %s %s %s raw", q, m, s_raw, i);
            assert_string_equal(out, "ok\n");
            free(out);
            /* under another ID (default <-> custom) the reference refuses it */
            char *other = id != NULL ? strdup("-") : hex_of((const uint8_t *)"x", 1);
            out = reference("verify %s %s %s %s der", q, m, s_der, other);
            assert_string_equal(out, "bad\n");
            free(out);
            /* and a changed signature */
            s_raw[127] = s_raw[127] == '0' ? '1' : '0';
            out = reference("verify %s %s %s %s raw", q, m, s_raw, i);
            assert_string_equal(out, "bad\n");
            free(out);
            free(other);
            free(m);
            free(s_der);
            free(s_raw);
            free(i);
        }
        free(d);
        free(q);
        crypto_suite_key_free(key);
    }
}

static void test_sm2_reference_verified_by_ours(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        char *out = reference("keypair");
        char *cursor = out;
        char *d = cursor;
        char *nl = strchr(cursor, '\n');
        assert_non_null(nl);
        *nl = '\0';
        cursor = nl + 1;
        size_t q_len;
        uint8_t *q = next_hex_line(&cursor, &q_len);
        assert_int_equal(q_len, 65);
        char *q_hex = hex_of(q, 65);
        crypto_suite_key *pub = NULL;
        assert_int_equal(crypto_suite_key_from_point(CRYPTO_SUITE_DOMESTIC, q, q_len, &pub), AW_OK);

        for (size_t ii = 0; ii < 3; ii++) {
            const char *id = custom_ids[ii];
            uint8_t msg[200];
            size_t msg_len = (size_t)(round * 50 + (int)ii * 11);
            random_bytes(msg, msg_len);
            char *m = arg_hex(msg, msg_len);
            char *i = id != NULL ? hex_of((const uint8_t *)id, strlen(id)) : strdup("-");
            for (int der = 0; der < 2; der++) {
                char *sig_out = reference("sign %s %s %s %s %s", d, q_hex, m, i,
                                          der ? "der" : "raw");
                char *c = sig_out;
                size_t sig_len;
                uint8_t *sig = next_hex_line(&c, &sig_len);
                uint8_t der_sig[CRYPTO_SUITE_SIGNATURE_MAX];
                size_t der_len = 0;
                if (der) {
                    assert_true(sig_len <= sizeof(der_sig));
                    memcpy(der_sig, sig, sig_len);
                    der_len = sig_len;
                } else {
                    assert_int_equal(sig_len, 64);
                    assert_int_equal(crypto_suite_signature_from_raw(CRYPTO_SUITE_DOMESTIC, sig,
                                                                     der_sig, sizeof(der_sig),
                                                                     &der_len),
                                     AW_OK);
                }
                if (id != NULL) {
                    assert_int_equal(crypto_suite_verify_with_id(pub, (const uint8_t *)id,
                                                                 strlen(id), msg, msg_len,
                                                                 der_sig, der_len),
                                     AW_OK);
                    assert_int_equal(crypto_suite_verify(pub, msg, msg_len, der_sig, der_len),
                                     AW_ERR_SIGNATURE);
                } else {
                    assert_int_equal(crypto_suite_verify(pub, msg, msg_len, der_sig, der_len),
                                     AW_OK);
                    assert_int_equal(crypto_suite_verify_with_id(pub, (const uint8_t *)"x", 1,
                                                                 msg, msg_len, der_sig, der_len),
                                     AW_ERR_SIGNATURE);
                }
                free(sig);
                free(sig_out);
            }
            free(m);
            free(i);
        }
        crypto_suite_key_free(pub);
        free(q_hex);
        free(q);
        free(out);
    }
}

int main(void)
{
    const char *why = prepare();
    if (why != NULL) {
        printf("skip: %s\n", why);
        return TEST_SKIP_EXIT;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3),
        cmocka_unit_test(test_hmac_sm3),
        cmocka_unit_test(test_sm4_ecb_cbc),
        cmocka_unit_test(test_sm4_gcm_sealed),
        cmocka_unit_test(test_sm2_ours_verified_by_reference),
        cmocka_unit_test(test_sm2_reference_verified_by_ours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
