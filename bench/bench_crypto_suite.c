/* Benchmark of the crypto suite (src/core/crypto_suite*.c), per suite: each
 * airwrite operation beside the raw OpenSSL EVP call of the same primitive,
 * measured in the same run in alternating batches, and their ratio.
 *   sign / verify  crypto_suite_sign / _verify (incl. strict DER parsing)
 *                  vs EVP_DigestSign / EVP_DigestVerify on the same key
 *                  (with EVP_PKEY_CTX_set1_id for SM2)
 *   hash, HMAC     1 KiB: crypto_suite_hash / _hmac vs EVP_Digest / EVP_MAC
 *   seal, open     1 KiB and 16 KiB: crypto_suite_seal / _open vs the raw
 *                  GCM cipher; where OpenSSL has no SM4-GCM (3.0) the raw
 *                  figure is SM4-CTR alone, so the ratio shows what the
 *                  composed GHASH costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/crypto_suite.h"

#define MIN_SECONDS 0.3
#define BATCH 10

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bench {
    crypto_suite suite;
    crypto_suite_key *key;
    EVP_PKEY *pkey;       /* the same key, loaded for the raw calls */
    EVP_MD *md;
    EVP_MAC *hmac;
    EVP_CIPHER *raw_cipher; /* AES-256-GCM, SM4-GCM, or SM4-CTR */
    bool raw_is_gcm;
    uint8_t msg[16384];
    size_t len;
    uint8_t sig[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t sig_len;
    uint8_t aead_key[32];
    uint8_t sealed[16384 + 64];
    size_t sealed_len;
    uint8_t out[16384 + 64];
};

typedef int (*bench_fn)(struct bench *b);

static const uint8_t sm2_id[] = CRYPTO_SUITE_SM2_DEFAULT_ID;

/* ---- airwrite --------------------------------------------------------------- */

static int ours_sign(struct bench *b)
{
    size_t n;
    return crypto_suite_sign(b->key, b->msg, b->len, b->out, sizeof(b->out), &n) != AW_OK;
}

static int ours_verify(struct bench *b)
{
    return crypto_suite_verify(b->key, b->msg, b->len, b->sig, b->sig_len) != AW_OK;
}

static int ours_hash(struct bench *b)
{
    return crypto_suite_hash(b->suite, b->msg, b->len, b->out) != AW_OK;
}

static int ours_hmac(struct bench *b)
{
    return crypto_suite_hmac(b->suite, b->aead_key, 32, b->msg, b->len, b->out) != AW_OK;
}

static int ours_seal(struct bench *b)
{
    size_t n;
    return crypto_suite_seal(b->suite, 1, b->aead_key, crypto_suite_aead_key_size(b->suite), NULL,
                             0, b->msg, b->len, b->out, sizeof(b->out), &n) != AW_OK;
}

static int ours_open(struct bench *b)
{
    size_t n;
    return crypto_suite_open(b->suite, 1, b->aead_key, crypto_suite_aead_key_size(b->suite), NULL,
                             0, b->sealed, b->sealed_len, b->out, sizeof(b->out), &n) != AW_OK;
}

/* ---- raw OpenSSL ------------------------------------------------------------ */

static int raw_signature(struct bench *b, bool sign)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const char *md = b->suite == CRYPTO_SUITE_DOMESTIC ? "SM3" : "SHA256";
    int ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, b->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, b->pkey, NULL);
    if (ok == 1 && b->suite == CRYPTO_SUITE_DOMESTIC)
        ok = EVP_PKEY_CTX_set1_id(pctx, sm2_id, sizeof(sm2_id) - 1) > 0;
    size_t n = sizeof(b->out);
    if (ok == 1)
        ok = sign ? EVP_DigestSign(ctx, b->out, &n, b->msg, b->len)
                  : EVP_DigestVerify(ctx, b->sig, b->sig_len, b->msg, b->len);
    EVP_MD_CTX_free(ctx);
    return ok != 1;
}

static int raw_sign(struct bench *b)
{
    return raw_signature(b, true);
}

static int raw_verify(struct bench *b)
{
    return raw_signature(b, false);
}

static int raw_hash(struct bench *b)
{
    return EVP_Digest(b->msg, b->len, b->out, NULL, b->md, NULL) != 1;
}

static int raw_hmac(struct bench *b)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(b->hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(
            OSSL_MAC_PARAM_DIGEST, b->suite == CRYPTO_SUITE_DOMESTIC ? "SM3" : "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t n = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, b->aead_key, 32, params) == 1
             && EVP_MAC_update(ctx, b->msg, b->len) == 1
             && EVP_MAC_final(ctx, b->out, &n, sizeof(b->out)) == 1;
    EVP_MAC_CTX_free(ctx);
    return !ok;
}

static int raw_cipher(struct bench *b, int enc)
{
    static const uint8_t iv[16] = {1, 2, 3};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int ok = EVP_CipherInit_ex2(ctx, b->raw_cipher, b->aead_key, iv, enc, NULL) == 1
             && EVP_CipherUpdate(ctx, b->out, &n, b->msg, (int)b->len) == 1;
    if (ok && b->raw_is_gcm && enc) {
        ok = EVP_CipherFinal_ex(ctx, b->out + n, &n) == 1
             && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, b->out + b->len) == 1;
    } else if (ok && b->raw_is_gcm) {
        /* the tag will not match: the cost of decrypting and checking is the same */
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, b->out + b->len) == 1;
        EVP_CipherFinal_ex(ctx, b->out + n, &n);
        ERR_clear_error();
    }
    EVP_CIPHER_CTX_free(ctx);
    return !ok;
}

static int raw_seal(struct bench *b)
{
    return raw_cipher(b, 1);
}

static int raw_open(struct bench *b)
{
    return raw_cipher(b, 0);
}

/* ---- measuring --------------------------------------------------------------- */

static int report(const char *what, struct bench *b, bench_fn ours, bench_fn raw,
                  const char *raw_name)
{
    for (int i = 0; i < 3; i++)
        if (ours(b) != 0 || raw(b) != 0) {
            printf("%-14s %-13s FAILED\n", what, crypto_suite_name(b->suite));
            return 1;
        }
    unsigned long n = 0;
    double t_ours = 0, t_raw = 0;
    do {
        double t0 = now();
        for (int i = 0; i < BATCH; i++)
            ours(b);
        double t1 = now();
        for (int i = 0; i < BATCH; i++)
            raw(b);
        double t2 = now();
        t_ours += t1 - t0;
        t_raw += t2 - t1;
        n += BATCH;
    } while (t_ours + t_raw < 2 * MIN_SECONDS);
    double ours_rate = (double)n / t_ours, raw_rate = (double)n / t_raw;
    printf("%-14s %-13s airwrite %9.0f/s  raw %-12s %9.0f/s  ratio %.2f", what,
           crypto_suite_name(b->suite), ours_rate, raw_name, raw_rate, ours_rate / raw_rate);
    if (b->len >= 1024 && raw != raw_sign && raw != raw_verify)
        printf("  (%.1f / %.1f MB/s)", ours_rate * (double)b->len / 1e6,
               raw_rate * (double)b->len / 1e6);
    printf("\n");
    return 0;
}

static int run_suite(crypto_suite suite)
{
    struct bench *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return 1;
    int rc = 1;
    char *pem = NULL;
    size_t pem_len = 0;
    b->suite = suite;
    RAND_bytes(b->msg, sizeof(b->msg));
    RAND_bytes(b->aead_key, sizeof(b->aead_key));
    if (crypto_suite_key_generate(suite, &b->key) != AW_OK
        || crypto_suite_key_export_private_pem(b->key, &pem, &pem_len) != AW_OK)
        goto cleanup;
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    b->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    bool domestic = suite == CRYPTO_SUITE_DOMESTIC;
    b->md = EVP_MD_fetch(NULL, domestic ? "SM3" : "SHA256", NULL);
    b->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    b->raw_cipher = EVP_CIPHER_fetch(NULL, domestic ? "SM4-GCM" : "AES-256-GCM", NULL);
    b->raw_is_gcm = b->raw_cipher != NULL;
    if (b->raw_cipher == NULL)
        b->raw_cipher = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    if (b->pkey == NULL || b->md == NULL || b->hmac == NULL || b->raw_cipher == NULL)
        goto cleanup;
    const char *cipher_name = domestic ? (b->raw_is_gcm ? "SM4-GCM" : "SM4-CTR") : "AES-256-GCM";

    b->len = 64;
    if (crypto_suite_sign(b->key, b->msg, b->len, b->sig, sizeof(b->sig), &b->sig_len) != AW_OK)
        goto cleanup;
    rc = 0;
    rc |= report("sign 64 B", b, ours_sign, raw_sign, "DigestSign");
    rc |= report("verify 64 B", b, ours_verify, raw_verify, "DigestVerify");
    b->len = 1024;
    rc |= report("hash 1 KiB", b, ours_hash, raw_hash, "Digest");
    rc |= report("hmac 1 KiB", b, ours_hmac, raw_hmac, "MAC");
    static const size_t aead_lengths[] = {1024, 16384};
    for (size_t i = 0; i < 2; i++) {
        b->len = aead_lengths[i];
        if (crypto_suite_seal(suite, 1, b->aead_key, crypto_suite_aead_key_size(suite), NULL, 0,
                              b->msg, b->len, b->sealed, sizeof(b->sealed), &b->sealed_len)
            != AW_OK)
            rc = 1;
        char what[32];
        snprintf(what, sizeof(what), "seal %zu KiB", b->len / 1024);
        rc |= report(what, b, ours_seal, raw_seal, cipher_name);
        snprintf(what, sizeof(what), "open %zu KiB", b->len / 1024);
        rc |= report(what, b, ours_open, raw_open, cipher_name);
    }
cleanup:
    if (rc != 0)
        printf("%s: setup or an operation FAILED\n", crypto_suite_name(suite));
    crypto_suite_pem_free(pem, pem_len);
    crypto_suite_key_free(b->key);
    EVP_PKEY_free(b->pkey);
    EVP_MD_free(b->md);
    EVP_MAC_free(b->hmac);
    EVP_CIPHER_free(b->raw_cipher);
    free(b);
    return rc;
}

int main(void)
{
    printf("crypto suite benchmark (%s); ratio = airwrite / raw OpenSSL EVP\n",
           OpenSSL_version(OPENSSL_VERSION));
    crypto_suite_support sup;
    if (crypto_suite_query(CRYPTO_SUITE_DOMESTIC, &sup) == AW_OK && !sup.gcm_native)
        printf("domestic AEAD: OpenSSL has no SM4-GCM; airwrite composes SM4-ECB + SM4-CTR + "
               "GHASH, raw = SM4-CTR only\n");
    int rc = run_suite(CRYPTO_SUITE_INTERNATIONAL);
    rc |= run_suite(CRYPTO_SUITE_DOMESTIC);
    return rc;
}
