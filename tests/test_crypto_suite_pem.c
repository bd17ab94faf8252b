/* Tests for the private-key PEM codec of the crypto suite
 * (src/core/crypto_suite_pem.c): what it writes is byte for byte what
 * OpenSSL writes and reads back, and the openssl CLI reads it; PKCS#8
 * (RFC 5958) and SEC 1 / RFC 5915 inputs with and without the optional
 * public key; every malformed or refused input (encrypted PEM, wrong curve,
 * d out of range, a public key that is not d*G, DER faults). */
#include "crypto_testutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/base64.h"
#include "core/crypto_suite.h"

/* PKCS#8 OneAsymmetricKey v1 with an ECPrivateKey holding only d, for P-256
 * (RFC 5958 2, RFC 5915 3): the 32 bytes of d follow this prefix. */
#define P8_P256_PREFIX "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420"
#define P8_SM2_PREFIX "3041020100301306072a8648ce3d020106082a811ccf5501822d042730250201010420"
/* SEC 1 ECPrivateKey with d and [0] namedCurve (prime256v1 / SM2) */
#define SEC1_P256_PREFIX "30310201010420"
#define SEC1_P256_CURVE "a00a06082a8648ce3d030107"
#define SEC1_SM2_CURVE "a00a06082a811ccf5501822d"
#define P256_N "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
#define D_ONE "0000000000000000000000000000000000000000000000000000000000000001"
#define D_SAMPLE "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"

/* PEM text with the given label around the DER given in hex (malloc'd). */
static char *pem_of_hex(const char *label, const char *der_hex)
{
    size_t der_len;
    uint8_t *der = test_hex(der_hex, &der_len);
    size_t text_len = aw_base64_encoded_length(der_len);
    char *text = malloc(text_len + 1);
    assert_non_null(text);
    assert_int_equal(aw_base64_encode(der, der_len, text, text_len + 1), AW_OK);
    size_t cap = text_len + text_len / 64 + 200;
    char *pem = malloc(cap);
    assert_non_null(pem);
    size_t n = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
    for (size_t i = 0; i < text_len; i += 64)
        n += (size_t)snprintf(pem + n, cap - n, "%.*s\n", (int)(text_len - i < 64 ? text_len - i
                                                                                    : 64),
                              text + i);
    snprintf(pem + n, cap - n, "-----END %s-----\n", label);
    free(text);
    free(der);
    return pem;
}

static aw_err load(crypto_suite suite, const char *pem)
{
    crypto_suite_key *key = NULL;
    aw_err err = crypto_suite_key_load_private_pem(suite, pem, strlen(pem), &key);
    if (err == AW_OK) {
        /* a loaded key signs and verifies */
        uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
        size_t n = 0;
        assert_int_equal(crypto_suite_sign(key, (const uint8_t *)"m", 1, sig, sizeof(sig), &n),
                         AW_OK);
        assert_int_equal(crypto_suite_verify(key, (const uint8_t *)"m", 1, sig, n), AW_OK);
    } else {
        assert_null(key);
    }
    crypto_suite_key_free(key);
    return err;
}

/* Our PEM equals OpenSSL's PEM of the same key, and OpenSSL reads ours. */
static void test_export_matches_openssl(void **state)
{
    (void)state;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        for (int round = 0; round < 5; round++) {
            crypto_suite_key *key = NULL;
            assert_int_equal(crypto_suite_key_generate(suites[s], &key), AW_OK);
            char *ours = NULL;
            size_t ours_len = 0;
            assert_int_equal(crypto_suite_key_export_private_pem(key, &ours, &ours_len), AW_OK);
            BIO *in = BIO_new_mem_buf(ours, (int)ours_len);
            EVP_PKEY *pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
            assert_non_null(pkey);
            assert_true(EVP_PKEY_is_a(pkey, s == 0 ? "EC" : "SM2"));
            BIO *out = BIO_new(BIO_s_mem());
            assert_int_equal(PEM_write_bio_PrivateKey(out, pkey, NULL, NULL, 0, NULL, NULL), 1);
            char *theirs = NULL;
            long theirs_len = BIO_get_mem_data(out, &theirs);
            assert_int_equal((size_t)theirs_len, ours_len);
            assert_memory_equal(theirs, ours, ours_len);
            BIO_free(out);
            BIO_free(in);
            EVP_PKEY_free(pkey);
            crypto_suite_pem_free(ours, ours_len);
            crypto_suite_key_free(key);
        }
    }
}

/* The openssl CLI reads our PEM and derives the same public key. */
static void test_openssl_cli_reads_export(void **state)
{
    (void)state;
    char *version = crosscheck_shell("openssl version 2>/dev/null");
    if (version == NULL) {
        printf("crosscheck: the openssl command is not available\n");
        skip();
    }
    free(version);
    char dir[] = "/tmp/aw_suite_pem_XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        crypto_suite_key *key = NULL;
        assert_int_equal(crypto_suite_key_generate(suites[s], &key), AW_OK);
        char *priv = NULL, *pub = NULL;
        size_t priv_len = 0, pub_len = 0;
        assert_int_equal(crypto_suite_key_export_private_pem(key, &priv, &priv_len), AW_OK);
        assert_int_equal(crypto_suite_key_export_public_pem(key, &pub, &pub_len), AW_OK);
        char path[512], cmd[1024];
        snprintf(path, sizeof(path), "%s/k.pem", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(priv, 1, priv_len, f), priv_len);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "openssl pkey -in %s -pubout 2>/dev/null", path);
        char *out = crosscheck_shell(cmd);
        assert_non_null(out);
        assert_string_equal(out, pub);
        free(out);
        crypto_suite_pem_free(priv, priv_len);
        crypto_suite_pem_free(pub, pub_len);
        crypto_suite_key_free(key);
    }
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    free(crosscheck_shell(cmd));
}

static void test_accepted_forms(void **state)
{
    (void)state;
    /* PKCS#8 with d alone (no public key in the file): computed from d */
    char *pem = pem_of_hex("PRIVATE KEY", P8_P256_PREFIX D_SAMPLE);
    assert_int_equal(load(CRYPTO_SUITE_INTERNATIONAL, pem), AW_OK);
    assert_int_equal(load(CRYPTO_SUITE_DOMESTIC, pem), AW_ERR_SUITE_MISMATCH);
    free(pem);
    pem = pem_of_hex("PRIVATE KEY", P8_SM2_PREFIX D_SAMPLE);
    assert_int_equal(load(CRYPTO_SUITE_DOMESTIC, pem), AW_OK);
    assert_int_equal(load(CRYPTO_SUITE_INTERNATIONAL, pem), AW_ERR_SUITE_MISMATCH);
    free(pem);
    /* d = 1 is a valid key */
    pem = pem_of_hex("PRIVATE KEY", P8_P256_PREFIX D_ONE);
    assert_int_equal(load(CRYPTO_SUITE_INTERNATIONAL, pem), AW_OK);
    free(pem);
    /* SEC 1 with its curve; an "EC PARAMETERS" block before it is skipped */
    pem = pem_of_hex("EC PRIVATE KEY", "30310201010420" D_SAMPLE SEC1_SM2_CURVE);
    assert_int_equal(load(CRYPTO_SUITE_DOMESTIC, pem), AW_OK);
    free(pem);
    char *params = pem_of_hex("EC PARAMETERS", "06082a8648ce3d030107");
    char *key = pem_of_hex("EC PRIVATE KEY", "30310201010420" D_SAMPLE SEC1_P256_CURVE);
    char both[2048];
    snprintf(both, sizeof(both), "%s%s", params, key);
    assert_int_equal(load(CRYPTO_SUITE_INTERNATIONAL, both), AW_OK);
    free(params);
    free(key);
    /* CRLF line ends */
    pem = pem_of_hex("PRIVATE KEY", P8_P256_PREFIX D_SAMPLE);
    char crlf[2048];
    size_t n = 0;
    for (const char *p = pem; *p != '\0'; p++) {
        if (*p == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *p;
    }
    crlf[n] = '\0';
    assert_int_equal(load(CRYPTO_SUITE_INTERNATIONAL, crlf), AW_OK);
    free(pem);
}

static void refused(crypto_suite suite, const char *label, const char *der_hex)
{
    char *pem = pem_of_hex(label, der_hex);
    aw_err err = load(suite, pem);
    if (err != AW_ERR_SUITE_KEY)
        print_error("%s %s: %s\n", label, der_hex, aw_err_name(err));
    assert_int_equal(err, AW_ERR_SUITE_KEY);
    free(pem);
}

static void test_refused_forms(void **state)
{
    (void)state;
    const crypto_suite intl = CRYPTO_SUITE_INTERNATIONAL;
    /* d = 0, d = n, d longer than 32 bytes */
    refused(intl, "PRIVATE KEY", P8_P256_PREFIX "00000000000000000000000000000000"
                                                "00000000000000000000000000000000");
    refused(intl, "PRIVATE KEY", P8_P256_PREFIX P256_N);
    refused(intl, "PRIVATE KEY",
            "3042020100301306072a8648ce3d020106082a8648ce3d030107042830260201010421" "01" D_SAMPLE);
    /* PKCS#8 version 2, ECPrivateKey version 0, another algorithm, brainpool */
    refused(intl, "PRIVATE KEY",
            "3041020102301306072a8648ce3d020106082a8648ce3d030107042730250201010420" D_SAMPLE);
    refused(intl, "PRIVATE KEY",
            "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201000420" D_SAMPLE);
    refused(intl, "PRIVATE KEY",
            "3041020100301306072a8648ce3d020206082a8648ce3d030107042730250201010420" D_SAMPLE);
    refused(intl, "PRIVATE KEY",
            "3042020100301406072a8648ce3d020106092b2403030208010107042730250201010420" D_SAMPLE);
    /* trailing byte inside the outer SEQUENCE, and after it */
    refused(intl, "PRIVATE KEY",
            "3042020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420" D_SAMPLE "00");
    refused(intl, "PRIVATE KEY", P8_P256_PREFIX D_SAMPLE "00");
    /* SEC 1 without a curve, with the other curve named inside PKCS#8 */
    refused(intl, "EC PRIVATE KEY", "30250201010420" D_SAMPLE);
    refused(intl, "PRIVATE KEY",
            "304d020100301306072a8648ce3d020106082a8648ce3d030107043330310201010420" D_SAMPLE
                SEC1_SM2_CURVE);
    /* a public key that is not d*G (here: the generator, i.e. d = 1's) */
    refused(intl, "PRIVATE KEY",
            "3081870201003013" "06072a8648ce3d0201" "06082a8648ce3d030107" "046d306b0201010420"
            D_SAMPLE "a144034200"
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    /* no PEM, base64 faults, an unterminated block, an encrypted key */
    crypto_suite_key *key = NULL;
    static const char *const texts[] = {
        "",
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH\n",
        "-----BEGIN PRIVATE KEY-----\nMIG*AgEA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEA=\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGHAgEA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
        "MHcCAQEE\n-----END EC PRIVATE KEY-----\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_int_equal(crypto_suite_key_load_private_pem(intl, texts[i], strlen(texts[i]), &key),
                         AW_ERR_SUITE_KEY);
    assert_null(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_matches_openssl),
        cmocka_unit_test(test_openssl_cli_reads_export),
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_refused_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
