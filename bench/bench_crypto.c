/* Benchmark of the RSP cryptography (src/core/crypto.c, ecdsa.c, ecka.c,
 * scp03t.c): each airwrite operation beside the raw OpenSSL EVP operation it
 * wraps, measured in the same run on the same curve, and their ratio.
 *   sign    crypto_sign_ecdsa (incl. DER -> r||s)  vs EVP_DigestSign, key loaded
 *   verify  crypto_verify_ecdsa (incl. r||s -> DER) vs EVP_DigestVerify
 *   ECDH    crypto_key_agreement (incl. peer point decoding and validation)
 *           vs EVP_PKEY_derive with the peer key already loaded
 *   KDF     crypto_derive_session_keys (SGP.22 2.6.4.2) vs EVP_KDF X963KDF
 *   SCP03t  scp03t_protect of 8 KiB vs AES-128-CBC + AES-CMAC over it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/crypto.h"
#include "core/scp03t.h"

#define MIN_SECONDS 0.4

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*bench_fn)(void *ctx);

/* Operations per second of ours and of raw, measured in alternating
 * batches so that load changes on the machine hit both alike. */
static void compare(bench_fn ours, bench_fn raw, void *ctx, double *ours_rate,
                    double *raw_rate)
{
    *ours_rate = *raw_rate = -1;
    for (int i = 0; i < 10; i++) /* warm up */
        if (ours(ctx) != 0 || raw(ctx) != 0)
            return;
    unsigned long n = 0;
    double t_ours = 0, t_raw = 0;
    do {
        double t0 = now();
        for (int i = 0; i < 20; i++)
            if (ours(ctx) != 0)
                return;
        double t1 = now();
        for (int i = 0; i < 20; i++)
            if (raw(ctx) != 0)
                return;
        double t2 = now();
        t_ours += t1 - t0;
        t_raw += t2 - t1;
        n += 20;
    } while (t_ours + t_raw < 2 * MIN_SECONDS);
    *ours_rate = (double)n / t_ours;
    *raw_rate = (double)n / t_raw;
}

/* Print one line; with bytes_per_op, also the throughput. */
static int report(const char *what, const char *curve, bench_fn ours_fn, bench_fn raw_fn,
                  void *ctx, size_t bytes_per_op)
{
    double ours, raw;
    compare(ours_fn, raw_fn, ctx, &ours, &raw);
    if (ours <= 0 || raw <= 0) {
        printf("%-8s %-16s FAILED\n", what, curve);
        return 1;
    }
    printf("%-8s %-16s airwrite %10.0f/s   OpenSSL EVP %10.0f/s   airwrite/raw %.2f\n", what,
           curve, ours, raw, ours / raw);
    if (bytes_per_op != 0)
        printf("%-8s %-16s airwrite %8.1f MB/s   OpenSSL EVP %8.1f MB/s\n", what, "throughput",
               ours * (double)bytes_per_op / 1e6, raw * (double)bytes_per_op / 1e6);
    return 0;
}

struct ctx {
    crypto_key *key;        /* ours: private */
    crypto_key *peer;       /* ours: peer private, for its point */
    EVP_PKEY *raw_key;      /* raw: private */
    EVP_PKEY *raw_peer;     /* raw: peer public */
    uint8_t peer_point[CRYPTO_POINT_SIZE];
    uint8_t msg[128];
    uint8_t sig[CRYPTO_SIGNATURE_SIZE];
    uint8_t der[CRYPTO_SIGNATURE_DER_MAX];
    size_t der_len;
    EVP_KDF *kdf;
    uint8_t secret[32];
    uint8_t info[2 + 1 + 16 + 1 + 16];
};

static int ours_sign(void *p)
{
    struct ctx *c = p;
    return crypto_sign_ecdsa(c->key, c->msg, sizeof(c->msg), c->sig) != AW_OK;
}

static int raw_sign(void *p)
{
    struct ctx *c = p;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t len = sizeof(c->der);
    int bad = md == NULL
              || EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, c->raw_key, NULL) != 1
              || EVP_DigestSign(md, c->der, &len, c->msg, sizeof(c->msg)) != 1;
    EVP_MD_CTX_free(md);
    c->der_len = len;
    return bad;
}

static int ours_verify(void *p)
{
    struct ctx *c = p;
    return crypto_verify_ecdsa(c->key, c->msg, sizeof(c->msg), c->sig, sizeof(c->sig)) != AW_OK;
}

static int raw_verify(void *p)
{
    struct ctx *c = p;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int bad = md == NULL
              || EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, c->raw_key, NULL) != 1
              || EVP_DigestVerify(md, c->der, c->der_len, c->msg, sizeof(c->msg)) != 1;
    EVP_MD_CTX_free(md);
    return bad;
}

static int ours_ecdh(void *p)
{
    struct ctx *c = p;
    uint8_t z[CRYPTO_SHARED_SECRET_SIZE];
    return crypto_key_agreement(c->key, c->peer_point, sizeof(c->peer_point), z) != AW_OK;
}

static int raw_ecdh(void *p)
{
    struct ctx *c = p;
    uint8_t z[32];
    size_t len = sizeof(z);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, c->raw_key, NULL);
    int bad = pc == NULL || EVP_PKEY_derive_init(pc) != 1
              || EVP_PKEY_derive_set_peer(pc, c->raw_peer) != 1
              || EVP_PKEY_derive(pc, z, &len) != 1;
    EVP_PKEY_CTX_free(pc);
    return bad;
}

static int ours_kdf(void *p)
{
    struct ctx *c = p;
    crypto_session_keys keys;
    return crypto_derive_session_keys(c->secret, c->info + 3, 16, c->info + 20, &keys) != AW_OK;
}

static int raw_kdf(void *p)
{
    struct ctx *c = p;
    uint8_t out[48];
    EVP_KDF_CTX *kc = EVP_KDF_CTX_new(c->kdf);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, c->secret, sizeof(c->secret)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, c->info, sizeof(c->info)),
        OSSL_PARAM_construct_end(),
    };
    int bad = kc == NULL || EVP_KDF_derive(kc, out, sizeof(out), params) != 1;
    EVP_KDF_CTX_free(kc);
    return bad;
}

#define SCP_DATA 8192

struct scp_ctx {
    uint8_t data[SCP_DATA];
    uint8_t out[SCP_DATA + 256];
    uint8_t key[16];
    EVP_MAC *cmac;
};

static int ours_scp03t(void *p)
{
    struct scp_ctx *c = p;
    scp03t_state st;
    scp03t_init(&st, c->key, c->key, c->key);
    der_builder b;
    der_builder_init(&b);
    int bad = scp03t_protect(&st, 0x86, SCP03T_ENCRYPT_AND_MAC, c->data, SCP_DATA, &b) != AW_OK;
    der_builder_free(&b);
    return bad;
}

/* The same work without segmentation or chaining: one CBC pass and one
 * CMAC over the whole block (a lower bound for SCP03t). */
static int raw_scp03t(void *p)
{
    struct scp_ctx *c = p;
    int n1 = 0, n2 = 0;
    size_t mac_len = 0;
    uint8_t iv[16] = {0}, mac[16];
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    EVP_MAC_CTX *mc = EVP_MAC_CTX_new(c->cmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end(),
    };
    int bad = cc == NULL || mc == NULL
              || EVP_EncryptInit_ex(cc, EVP_aes_128_cbc(), NULL, c->key, iv) != 1
              || EVP_CIPHER_CTX_set_padding(cc, 0) != 1
              || EVP_EncryptUpdate(cc, c->out, &n1, c->data, SCP_DATA) != 1
              || EVP_EncryptFinal_ex(cc, c->out + n1, &n2) != 1
              || EVP_MAC_init(mc, c->key, 16, params) != 1
              || EVP_MAC_update(mc, c->out, SCP_DATA) != 1
              || EVP_MAC_final(mc, mac, &mac_len, sizeof(mac)) != 1;
    EVP_CIPHER_CTX_free(cc);
    EVP_MAC_CTX_free(mc);
    return bad;
}

int main(void)
{
    static const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256,
                                          CRYPTO_CURVE_BRAINPOOL_P256R1};
    int failed = 0;
    printf("bench_crypto: operations per second, each beside OpenSSL %s's raw EVP call\n",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    for (size_t i = 0; i < 2; i++) {
        const char *name = crypto_curve_name(curves[i]);
        struct ctx c;
        memset(&c, 0, sizeof(c));
        memset(c.msg, 0x5A, sizeof(c.msg));
        c.raw_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
        EVP_PKEY *peer_priv = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
        if (c.raw_key == NULL || peer_priv == NULL
            || crypto_generate_key(curves[i], &c.key) != AW_OK
            || crypto_generate_key(curves[i], &c.peer) != AW_OK
            || crypto_key_export_point(c.peer, c.peer_point) != AW_OK) {
            printf("setup failed for %s\n", name);
            return 1;
        }
        c.raw_peer = peer_priv; /* derive uses only its public part */
        failed |= ours_sign(&c) | raw_sign(&c);
        failed |= report("sign", name, ours_sign, raw_sign, &c, 0);
        failed |= report("verify", name, ours_verify, raw_verify, &c, 0);
        failed |= report("ECDH", name, ours_ecdh, raw_ecdh, &c, 0);
        crypto_key_free(c.key);
        crypto_key_free(c.peer);
        EVP_PKEY_free(c.raw_key);
        EVP_PKEY_free(c.raw_peer);
    }

    struct ctx k;
    memset(&k, 0, sizeof(k));
    memset(k.secret, 0x11, sizeof(k.secret));
    memset(k.info, 0x22, sizeof(k.info));
    k.info[0] = CRYPTO_BSP_KEY_TYPE_AES;
    k.info[1] = CRYPTO_BSP_KEY_LENGTH;
    k.info[2] = 16;
    k.info[19] = CRYPTO_EID_SIZE;
    k.kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
    if (k.kdf == NULL)
        return 1;
    failed |= report("KDF", "BSP keys (48 B)", ours_kdf, raw_kdf, &k, 0);
    EVP_KDF_free(k.kdf);

    struct scp_ctx *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return 1;
    s->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    if (s->cmac == NULL)
        return 1;
    failed |= report("SCP03t", "protect 8 KiB", ours_scp03t, raw_scp03t, s, SCP_DATA);
    EVP_MAC_free(s->cmac);
    free(s);
    return failed;
}
