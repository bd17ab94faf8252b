/* Tests for the RSP public-key cryptography (src/core/crypto.c, ecdsa.c,
 * ecka.c): published known-answer vectors, every error path, and
 * cross-checks at test time against python-cryptography
 * (tests/crosscheck_crypto.py) and the openssl CLI. */
#include "crypto_testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include "core/crypto.h"

/* ---- Key material from published vectors -------------------------------- */

/* RFC 7027 appendix A.1 (brainpoolP256r1 ECDH) */
#define RFC7027_DA "81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D"
#define RFC7027_QA "04" "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5" \
                   "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC"
#define RFC7027_DB "55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3"
#define RFC7027_QB "04" "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B" \
                   "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A"
#define RFC7027_XZ "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B"

/* NIST CAVP ECC CDH Primitive (KAS ECC CDH, ecccdhtestvectors), P-256 COUNT 0 */
#define CDH_QCAVS "04" "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287" \
                  "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac"
#define CDH_DIUT "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"
#define CDH_QIUT "04" "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230" \
                 "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141"
#define CDH_ZIUT "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b"

/* RFC 6979 appendix A.2.5 (P-256): private key and public point */
#define RFC6979_X "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"
#define RFC6979_U "04" "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6" \
                  "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"

/* PEM encodings of the two keys above, written for these tests with
 * python-cryptography: RFC 7027 dA as SEC 1 "EC PRIVATE KEY", RFC 6979 x as
 * PKCS#8, and their SubjectPublicKeyInfo. */
static const char pem_bp_private[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHgCAQEEIIHbHuEAFQ/y6jONcIJxvjgwDLVCQdeZUPd7BjA5gE8doAsGCSskAwMC\n"
    "CAEBB6FEA0IABEQQbpE/krwCoXBdmVOoQU25XhqqSegdnoX5KajjEAvlirSEbxHK\n"
    "zLc85Jy90SD1qQCmn9MsJyIj94nvEOsIm9w=\n"
    "-----END EC PRIVATE KEY-----\n";
static const char pem_bp_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFowFAYHKoZIzj0CAQYJKyQDAwIIAQEHA0IABEQQbpE/krwCoXBdmVOoQU25Xhqq\n"
    "SegdnoX5KajjEAvlirSEbxHKzLc85Jy90SD1qQCmn9MsJyIj94nvEOsIm9w=\n"
    "-----END PUBLIC KEY-----\n";
static const char pem_p256_private[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth\n"
    "+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ\n"
    "-----END PRIVATE KEY-----\n";
static const char pem_p256_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END PUBLIC KEY-----\n";
/* The same key with its point compressed (openssl ec -conv_form compressed). */
static const char pem_p256_public_compressed[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Y=\n"
    "-----END PUBLIC KEY-----\n";
/* Keys the RSP profile does not use: a P-384 public key and an Ed25519
 * private key (freshly generated for these tests). */
static const char pem_p384_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEcZ5++JN120TETQYbXUIZ5LMOy8wsjMkI\n"
    "86O7fXJHfVqMRiY321Q5FERQUV+FOBBg07AYYNkfySGLFoYRhhkTaahYuo41Ysjj\n"
    "vZqK1Rc2amMdkTC/uQCUjq3O9YbPn9T1\n"
    "-----END PUBLIC KEY-----\n";
static const char pem_ed25519_private[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEu5kLcuO5oUY5kEhYTcop/7rsswaLR2xSqFVS6o0hqm\n"
    "-----END PRIVATE KEY-----\n";

static const uint8_t *pem(const char *s)
{
    return (const uint8_t *)s;
}

static crypto_key *key_from_scalar_hex(crypto_curve curve, const char *hex)
{
    size_t len;
    uint8_t *d = test_hex(hex, &len);
    assert_int_equal(len, CRYPTO_SCALAR_SIZE);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_from_scalar(curve, d, &key), AW_OK);
    free(d);
    return key;
}

static crypto_key *key_from_point_hex(crypto_curve curve, const char *hex)
{
    size_t len;
    uint8_t *q = test_hex(hex, &len);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_from_point(curve, q, len, &key), AW_OK);
    free(q);
    return key;
}

static void assert_point(const crypto_key *key, const char *hex)
{
    uint8_t point[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_key_export_point(key, point), AW_OK);
    test_assert_hex(point, sizeof(point), hex);
}

/* ---- Hash, random, CMAC, secrets ---------------------------------------- */

static void test_sha256_vectors(void **state)
{
    (void)state;
    uint8_t d[CRYPTO_SHA256_SIZE];
    /* FIPS 180-2 appendix B.1 ("abc") and the empty message */
    assert_int_equal(crypto_sha256((const uint8_t *)"abc", 3, d), AW_OK);
    test_assert_hex(d, sizeof(d),
                    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    assert_int_equal(crypto_sha256(NULL, 0, d), AW_OK);
    test_assert_hex(d, sizeof(d),
                    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
    assert_int_equal(crypto_sha256(NULL, 1, d), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_sha256((const uint8_t *)"abc", 3, NULL), AW_ERR_ARGUMENT);
}

static void test_aes_cmac_rfc4493(void **state)
{
    (void)state;
    /* RFC 4493 section 4, examples 1 to 4 */
    size_t klen, mlen;
    uint8_t *key = test_hex("2b7e151628aed2a6abf7158809cf4f3c", &klen);
    uint8_t *msg = test_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                            &mlen);
    uint8_t mac[16];
    assert_int_equal(crypto_aes_cmac(key, NULL, 0, mac), AW_OK);
    test_assert_hex(mac, 16, "bb1d6929e95937287fa37d129b756746");
    assert_int_equal(crypto_aes_cmac(key, msg, 16, mac), AW_OK);
    test_assert_hex(mac, 16, "070a16b46b4d4144f79bdd9dd04a287c");
    assert_int_equal(crypto_aes_cmac(key, msg, 40, mac), AW_OK);
    test_assert_hex(mac, 16, "dfa66747de9ae63030ca32611497c827");
    assert_int_equal(crypto_aes_cmac(key, msg, 64, mac), AW_OK);
    test_assert_hex(mac, 16, "51f0bebf7e3b9d92fc49741779363cfe");
    assert_int_equal(crypto_aes_cmac(NULL, msg, 16, mac), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_aes_cmac(key, NULL, 16, mac), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_aes_cmac(key, msg, 16, NULL), AW_ERR_ARGUMENT);
    free(key);
    free(msg);
}

static void test_random_and_secrets(void **state)
{
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    assert_int_equal(crypto_random_bytes(a, sizeof(a)), AW_OK);
    assert_int_equal(crypto_random_bytes(b, sizeof(b)), AW_OK);
    /* 2^-256 chance of a false failure */
    assert_false(crypto_equal(a, b, sizeof(a)));
    assert_false(crypto_equal(a, zero, sizeof(a)));
    assert_true(crypto_equal(a, a, sizeof(a)));
    assert_int_equal(crypto_random_bytes(NULL, 0), AW_OK);
    assert_int_equal(crypto_random_bytes(NULL, 4), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_random_bytes(a, (size_t)INT32_MAX + 1), AW_ERR_ARGUMENT);
    crypto_cleanse(a, sizeof(a));
    assert_memory_equal(a, zero, sizeof(a));
    crypto_cleanse(NULL, 4);
    assert_string_equal(crypto_curve_name(CRYPTO_CURVE_NIST_P256), "prime256v1");
    assert_string_equal(crypto_curve_name(CRYPTO_CURVE_BRAINPOOL_P256R1), "brainpoolP256r1");
    assert_null(crypto_curve_name((crypto_curve)0));
}

/* The identifier pool: bounded lengths, never the same bytes twice
 * (across a refill too), and a forked child does not hand out what its
 * parent hands out next. */
static void test_random_id_bytes(void **state)
{
    (void)state;
    uint8_t id[CRYPTO_RANDOM_ID_MAX + 1], previous[16] = {0};
    assert_int_equal(crypto_random_id_bytes(NULL, 1), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_random_id_bytes(id, CRYPTO_RANDOM_ID_MAX + 1), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_random_id_bytes(NULL, 0), AW_OK);
    assert_int_equal(crypto_random_id_bytes(id, CRYPTO_RANDOM_ID_MAX), AW_OK);
    /* two pools' worth in 16-byte ids, each unlike the one before
     * (2^-128 chance of a false failure each) */
    for (size_t i = 0; i < 2 * CRYPTO_RANDOM_POOL_SIZE / 16; i++) {
        uint8_t next[16];
        assert_int_equal(crypto_random_id_bytes(next, sizeof(next)), AW_OK);
        assert_false(crypto_equal(next, previous, sizeof(next)));
        memcpy(previous, next, sizeof(next));
    }
    /* an odd length leaves a remainder smaller than the next ask: refilled */
    for (size_t i = 0; i < CRYPTO_RANDOM_POOL_SIZE / 7 + 2; i++)
        assert_int_equal(crypto_random_id_bytes(id, 7), AW_OK);
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t child[16];
        int ok = crypto_random_id_bytes(child, sizeof(child)) == AW_OK &&
                 write(pipe_fds[1], child, sizeof(child)) == (ssize_t)sizeof(child);
        _exit(ok ? 0 : 1);
    }
    uint8_t parent[16], child[16];
    assert_int_equal(crypto_random_id_bytes(parent, sizeof(parent)), AW_OK);
    assert_int_equal(read(pipe_fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(crypto_equal(parent, child, sizeof(parent)));
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

/* ---- Keys ----------------------------------------------------------------- */

static void test_key_pem_loading(void **state)
{
    (void)state;
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem(pem(pem_bp_private), strlen(pem_bp_private),
                                                 &key), AW_OK);
    assert_int_equal(crypto_key_curve(key), CRYPTO_CURVE_BRAINPOOL_P256R1);
    assert_true(crypto_key_is_private(key));
    assert_point(key, RFC7027_QA);
    crypto_key_free(key);

    assert_int_equal(crypto_key_load_public_pem(pem(pem_bp_public), strlen(pem_bp_public), &key),
                     AW_OK);
    assert_false(crypto_key_is_private(key));
    assert_point(key, RFC7027_QA);
    crypto_key_free(key);

    assert_int_equal(crypto_key_load_private_pem(pem(pem_p256_private), strlen(pem_p256_private),
                                                 &key), AW_OK);
    assert_int_equal(crypto_key_curve(key), CRYPTO_CURVE_NIST_P256);
    assert_point(key, RFC6979_U);
    crypto_key_free(key);

    assert_int_equal(crypto_key_load_public_pem(pem(pem_p256_public), strlen(pem_p256_public),
                                                &key), AW_OK);
    assert_point(key, RFC6979_U);
    crypto_key_free(key);
    /* read compressed, exported uncompressed */
    assert_int_equal(crypto_key_load_public_pem(pem(pem_p256_public_compressed),
                                                strlen(pem_p256_public_compressed), &key),
                     AW_OK);
    assert_point(key, RFC6979_U);
    crypto_key_free(key);
    crypto_key_free(NULL);
}

static void test_key_pem_errors(void **state)
{
    (void)state;
    crypto_key *key = (crypto_key *)&key;
    /* a public key is not a private key, nor the reverse */
    assert_int_equal(crypto_key_load_private_pem(pem(pem_bp_public), strlen(pem_bp_public), &key),
                     AW_ERR_CRYPTO_KEY);
    assert_null(key);
    assert_int_equal(crypto_key_load_public_pem(pem(pem_bp_private), strlen(pem_bp_private),
                                                &key), AW_ERR_CRYPTO_KEY);
    assert_int_equal(crypto_key_load_public_pem(pem("garbage"), 7, &key), AW_ERR_CRYPTO_KEY);
    /* truncated PEM */
    assert_int_equal(crypto_key_load_private_pem(pem(pem_p256_private), 80, &key),
                     AW_ERR_CRYPTO_KEY);
    /* EC on a curve the RSP profile does not use; not an EC key */
    assert_int_equal(crypto_key_load_public_pem(pem(pem_p384_public), strlen(pem_p384_public),
                                                &key), AW_ERR_CRYPTO_CURVE);
    assert_int_equal(crypto_key_load_private_pem(pem(pem_ed25519_private),
                                                 strlen(pem_ed25519_private), &key),
                     AW_ERR_CRYPTO_KEY);
    assert_null(key);
    assert_int_equal(crypto_key_load_private_pem(NULL, 4, &key), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_load_private_pem(pem(pem_bp_private), 0, &key), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_load_private_pem(pem(pem_bp_private), 4, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_load_private_pem_file("/nonexistent/key.pem", &key), AW_ERR_IO);
    assert_int_equal(crypto_key_load_public_pem_file("/nonexistent/key.pem", &key), AW_ERR_IO);
    assert_int_equal(crypto_key_load_certificate_file("/nonexistent/c.der", &key), AW_ERR_IO);
    assert_int_equal(crypto_key_load_private_pem_file(NULL, &key), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_load_private_pem_file("/x", NULL), AW_ERR_ARGUMENT);
    /* files larger than any key or certificate are refused */
    assert_int_equal(crypto_key_load_private_pem_file("/dev/zero", &key), AW_ERR_LIMIT);
}

static void test_key_points_and_scalars(void **state)
{
    (void)state;
    /* RFC 7027 A.1 and the CAVP CDH vector: Q = d*G */
    crypto_key *key = key_from_scalar_hex(CRYPTO_CURVE_BRAINPOOL_P256R1, RFC7027_DB);
    assert_point(key, RFC7027_QB);
    crypto_key_free(key);
    key = key_from_scalar_hex(CRYPTO_CURVE_NIST_P256, CDH_DIUT);
    assert_point(key, CDH_QIUT);
    crypto_key_free(key);
    key = key_from_point_hex(CRYPTO_CURVE_NIST_P256, CDH_QCAVS);
    assert_false(crypto_key_is_private(key));
    assert_point(key, CDH_QCAVS);
    crypto_key_free(key);

    size_t len;
    uint8_t *q = test_hex(RFC7027_QA, &len);
    crypto_key *bad = (crypto_key *)&bad;
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_BRAINPOOL_P256R1, q, 64, &bad),
                     AW_ERR_CRYPTO_KEY);
    assert_null(bad);
    /* the brainpool point is not on P-256 */
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_NIST_P256, q, len, &bad),
                     AW_ERR_CRYPTO_KEY);
    q[64] ^= 0x01; /* y changed: off the curve */
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_BRAINPOOL_P256R1, q, len, &bad),
                     AW_ERR_CRYPTO_KEY);
    q[64] ^= 0x01;
    q[0] = 0x02; /* compressed marker with 64 bytes following */
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_BRAINPOOL_P256R1, q, len, &bad),
                     AW_ERR_CRYPTO_KEY);
    q[0] = 0x04;
    uint8_t infinity = 0x00;
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_NIST_P256, &infinity, 1, &bad),
                     AW_ERR_CRYPTO_KEY);
    assert_int_equal(crypto_key_from_point((crypto_curve)9, q, len, &bad), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_NIST_P256, NULL, 65, &bad),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_from_point(CRYPTO_CURVE_NIST_P256, q, len, NULL),
                     AW_ERR_ARGUMENT);
    free(q);

    /* private scalars must be in [1, n-1] */
    uint8_t d[CRYPTO_SCALAR_SIZE] = {0};
    assert_int_equal(crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, d, &bad), AW_ERR_CRYPTO_KEY);
    uint8_t *n = test_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
                          &len);
    assert_int_equal(crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, n, &bad), AW_ERR_CRYPTO_KEY);
    n[31]--; /* n - 1 is the largest valid scalar */
    assert_int_equal(crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, n, &key), AW_OK);
    crypto_key_free(key);
    free(n);
    assert_int_equal(crypto_key_from_scalar((crypto_curve)0, d, &bad), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, NULL, &bad),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, d, NULL), AW_ERR_ARGUMENT);

    uint8_t point[CRYPTO_POINT_SIZE];
    assert_int_equal(crypto_key_export_point(NULL, point), AW_ERR_ARGUMENT);
    assert_false(crypto_key_is_private(NULL));
}

static void test_generate_key(void **state)
{
    (void)state;
    const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256, CRYPTO_CURVE_BRAINPOOL_P256R1};
    for (size_t i = 0; i < 2; i++) {
        crypto_key *a = NULL, *b = NULL;
        assert_int_equal(crypto_generate_key(curves[i], &a), AW_OK);
        assert_int_equal(crypto_generate_key(curves[i], &b), AW_OK);
        assert_true(crypto_key_is_private(a));
        assert_int_equal(crypto_key_curve(a), curves[i]);
        uint8_t pa[CRYPTO_POINT_SIZE], pb[CRYPTO_POINT_SIZE];
        assert_int_equal(crypto_key_export_point(a, pa), AW_OK);
        assert_int_equal(crypto_key_export_point(b, pb), AW_OK);
        assert_int_equal(pa[0], 0x04);
        assert_memory_not_equal(pa, pb, sizeof(pa));
        /* the exported point is accepted back as a valid point */
        crypto_key *pub = NULL;
        assert_int_equal(crypto_key_from_point(curves[i], pa, sizeof(pa), &pub), AW_OK);
        crypto_key_free(pub);
        crypto_key_free(a);
        crypto_key_free(b);
    }
    crypto_key *k = (crypto_key *)&k;
    assert_int_equal(crypto_generate_key((crypto_curve)7, &k), AW_ERR_ARGUMENT);
    assert_null(k);
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, NULL), AW_ERR_ARGUMENT);
}

/* ---- ECDH and KDF ---------------------------------------------------------- */

static void test_ecdh_vectors(void **state)
{
    (void)state;
    uint8_t z[CRYPTO_SHARED_SECRET_SIZE];
    size_t len;
    /* RFC 7027 A.1: dA*QB = dB*QA, x-coordinate */
    crypto_key *a = key_from_scalar_hex(CRYPTO_CURVE_BRAINPOOL_P256R1, RFC7027_DA);
    crypto_key *b = key_from_scalar_hex(CRYPTO_CURVE_BRAINPOOL_P256R1, RFC7027_DB);
    uint8_t *qb = test_hex(RFC7027_QB, &len);
    assert_int_equal(crypto_key_agreement(a, qb, len, z), AW_OK);
    test_assert_hex(z, sizeof(z), RFC7027_XZ);
    uint8_t *qa = test_hex(RFC7027_QA, &len);
    assert_int_equal(crypto_key_agreement(b, qa, len, z), AW_OK);
    test_assert_hex(z, sizeof(z), RFC7027_XZ);

    /* NIST CAVP ECC CDH P-256 COUNT 0 */
    crypto_key *iut = key_from_scalar_hex(CRYPTO_CURVE_NIST_P256, CDH_DIUT);
    uint8_t *qcavs = test_hex(CDH_QCAVS, &len);
    assert_int_equal(crypto_key_agreement(iut, qcavs, len, z), AW_OK);
    test_assert_hex(z, sizeof(z), CDH_ZIUT);

    /* curve mismatch: a brainpool peer point for a P-256 key */
    assert_int_equal(crypto_key_agreement(iut, qb, CRYPTO_POINT_SIZE, z), AW_ERR_CRYPTO_KEY);
    /* off-curve peer (invalid-curve attack), wrong length */
    qcavs[40] ^= 0x80;
    assert_int_equal(crypto_key_agreement(iut, qcavs, len, z), AW_ERR_CRYPTO_KEY);
    assert_int_equal(crypto_key_agreement(iut, qcavs, 33, z), AW_ERR_CRYPTO_KEY);
    /* a public key cannot agree */
    crypto_key *pub = key_from_point_hex(CRYPTO_CURVE_BRAINPOOL_P256R1, RFC7027_QA);
    assert_int_equal(crypto_key_agreement(pub, qb, CRYPTO_POINT_SIZE, z), AW_ERR_CRYPTO_KEY);
    assert_int_equal(crypto_key_agreement(NULL, qb, CRYPTO_POINT_SIZE, z), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_agreement(a, NULL, CRYPTO_POINT_SIZE, z), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_key_agreement(a, qb, CRYPTO_POINT_SIZE, NULL), AW_ERR_ARGUMENT);
    crypto_key_free(pub);
    crypto_key_free(a);
    crypto_key_free(b);
    crypto_key_free(iut);
    free(qa);
    free(qb);
    free(qcavs);
}

static void test_x963_vectors(void **state)
{
    (void)state;
    /* NIST CAVP SP 800-135 component test, ansx963_2001.rsp, [SHA-256]:
     * shared secret 192 bits, no SharedInfo, 128-bit key data (COUNT 0) and
     * SharedInfo 128 bits, 1024-bit key data (COUNT 0). */
    size_t zl, il;
    uint8_t out[128];
    uint8_t *z = test_hex("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", &zl);
    assert_int_equal(crypto_derive_x963_sha256(z, zl, NULL, 0, out, 16), AW_OK);
    test_assert_hex(out, 16, "443024c3dae66b95e6f5670601558f71");
    free(z);
    z = test_hex("22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d", &zl);
    uint8_t *info = test_hex("75eef81aa3041e33b80971203d2c0c52", &il);
    assert_int_equal(crypto_derive_x963_sha256(z, zl, info, il, out, 128), AW_OK);
    test_assert_hex(out, 128,
                    "c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e"
                    "52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485"
                    "500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269"
                    "142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21");
    assert_int_equal(crypto_derive_x963_sha256(NULL, zl, info, il, out, 16), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_x963_sha256(z, 0, info, il, out, 16), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_x963_sha256(z, zl, NULL, il, out, 16), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_x963_sha256(z, zl, info, il, NULL, 16), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_x963_sha256(z, zl, info, il, out, 0), AW_ERR_ARGUMENT);
    free(z);
    free(info);
}

static void test_session_keys(void **state)
{
    (void)state;
    /* Golden vector computed once with tests/crosscheck_crypto.py `session`
     * (python-cryptography X963KDF with the SGP.22 2.6.4.2 SharedInfo);
     * test_crosscheck_session_keys repeats it with random inputs. */
    uint8_t z[CRYPTO_SHARED_SECRET_SIZE], eid[CRYPTO_EID_SIZE], host[16];
    size_t len;
    uint8_t *zh = test_hex(RFC7027_XZ, &len);
    memcpy(z, zh, sizeof(z));
    free(zh);
    uint8_t *eh = test_hex("89049032123451234512345678901235", &len);
    memcpy(eid, eh, sizeof(eid));
    free(eh);
    uint8_t *hh = test_hex("01020304050607080910111213141516", &len);
    memcpy(host, hh, sizeof(host));
    free(hh);
    crypto_session_keys keys;
    assert_int_equal(crypto_derive_session_keys(z, host, 16, eid, &keys), AW_OK);
    test_assert_hex(keys.initial_mac_chaining_value, 16, "f287422cb25abe73df92e98a26c0f1f2");
    test_assert_hex(keys.enc, 16, "716d165eed0006010fc0d1534d08f104");
    test_assert_hex(keys.mac, 16, "52ec614f5e8017238a2986c27ca276c0");
    crypto_session_keys_clear(&keys);
    crypto_session_keys zero;
    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(&keys, &zero, sizeof(keys));
    crypto_session_keys_clear(NULL);

    assert_int_equal(crypto_derive_session_keys(z, host, 0, eid, &keys), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_session_keys(z, host, 17, eid, &keys), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_session_keys(z, NULL, 16, eid, &keys), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_session_keys(z, host, 16, NULL, &keys), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_session_keys(NULL, host, 16, eid, &keys), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_derive_session_keys(z, host, 16, eid, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_aes_cmac_rfc4493),
        cmocka_unit_test(test_random_and_secrets),
        cmocka_unit_test(test_random_id_bytes),
        cmocka_unit_test(test_key_pem_loading),
        cmocka_unit_test(test_key_pem_errors),
        cmocka_unit_test(test_key_points_and_scalars),
        cmocka_unit_test(test_generate_key),
        cmocka_unit_test(test_ecdh_vectors),
        cmocka_unit_test(test_x963_vectors),
        cmocka_unit_test(test_session_keys),
    };
    int failed = cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
    failed += crypto_ecdsa_tests();
    failed += crypto_crosscheck_tests();
    failed += crypto_pem_tests();
    return failed;
}
