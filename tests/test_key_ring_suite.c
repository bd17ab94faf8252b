/* Tests of the key ring's SM4-GCM keys (issue 8, core/key_ring.h): a
 * 16-byte key file is an SM4 key and a 32-byte one stays AES-256, a ring
 * mixing both seals under the current key and opens under each, the column
 * form stays nonce || ciphertext || tag and matches crypto_suite's AEAD
 * (SM4-GCM, RFC 8998) with the rebuilt header as additional data, which the
 * npm package sm-crypto-v2 (pure JavaScript, no OpenSSL) opens too through
 * tests/crosscheck_sm.js (skipped with the reason without node), and every
 * refusal of the suite-aware functions. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/key_ring.h"
#include "sm_node_testutil.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/aw-key-ring-suite-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[600];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static void write_key(const char *name, const uint8_t *key, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key, len), (ssize_t)len);
    close(fd);
}

static const uint8_t aes_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t sm4_key[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t ad[] = "platform_apps\0app0123";
static const uint8_t secret[] = "5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";

static void test_add_suite_refusals(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_suite_key_size(CRYPTO_SUITE_INTERNATIONAL), 32);
    assert_int_equal(key_ring_suite_key_size(CRYPTO_SUITE_DOMESTIC), 16);
    assert_int_equal(key_ring_suite_key_size((crypto_suite)9), 0);
    assert_int_equal(key_ring_add_suite(NULL, 1, CRYPTO_SUITE_DOMESTIC, sm4_key, 16),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_add_suite(ring, 1, CRYPTO_SUITE_DOMESTIC, NULL, 16),
                     AW_ERR_ARGUMENT);
    /* a key of the other suite's size, an unknown suite, a bad id */
    assert_int_equal(key_ring_add_suite(ring, 1, CRYPTO_SUITE_DOMESTIC, aes_key, 32),
                     AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_add_suite(ring, 1, CRYPTO_SUITE_INTERNATIONAL, sm4_key, 16),
                     AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_add_suite(ring, 1, (crypto_suite)3, sm4_key, 16),
                     AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_add_suite(ring, 0, CRYPTO_SUITE_DOMESTIC, sm4_key, 16),
                     AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_count(ring), 0);
    assert_int_equal(key_ring_add_suite(ring, 4, CRYPTO_SUITE_DOMESTIC, sm4_key, 16), AW_OK);
    assert_int_equal(key_ring_key_suite(ring, 4), CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(key_ring_key_suite(ring, 5), 0);
    assert_int_equal(key_ring_add(ring, 3, aes_key), AW_OK);
    assert_int_equal(key_ring_key_suite(ring, 3), CRYPTO_SUITE_INTERNATIONAL);
    key_ring_free(ring);
}

/* Key 1 AES (32-byte file, as before), key 2 SM4 (16-byte file): key 2
 * seals, each opens its own; files of other sizes are refused. */
static void test_mixed_directory(void **state)
{
    (void)state;
    write_key("1.key", aes_key, sizeof(aes_key));
    key_ring *old = NULL, *ring = NULL;
    assert_int_equal(key_ring_new(&old), AW_OK);
    assert_int_equal(key_ring_load(old, dir), AW_OK);
    uint8_t sealed_aes[256], sealed_sm4[256], plain[256];
    size_t sealed_aes_len = 0, sealed_sm4_len = 0, plain_len = 0;
    uint32_t id = 0;
    assert_int_equal(key_ring_seal(old, ad, sizeof(ad), secret, sizeof(secret), sealed_aes,
                                   sizeof(sealed_aes), &sealed_aes_len, &id),
                     AW_OK);
    assert_int_equal(id, 1);

    write_key("2.key", sm4_key, sizeof(sm4_key));
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_load(ring, dir), AW_OK);
    assert_int_equal(key_ring_key_suite(ring, 1), CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(key_ring_key_suite(ring, 2), CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(key_ring_seal(ring, ad, sizeof(ad), secret, sizeof(secret), sealed_sm4,
                                   sizeof(sealed_sm4), &sealed_sm4_len, &id),
                     AW_OK);
    assert_int_equal(id, 2);
    assert_int_equal(sealed_sm4_len, sizeof(secret) + KEY_RING_OVERHEAD);
    assert_int_equal(key_ring_open(ring, 1, ad, sizeof(ad), sealed_aes, sealed_aes_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_OK);
    assert_memory_equal(plain, secret, sizeof(secret));
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad), sealed_sm4, sealed_sm4_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_OK);
    assert_int_equal(plain_len, sizeof(secret));
    assert_memory_equal(plain, secret, sizeof(secret));

    /* the same column under the other key: the cipher is the key id's */
    assert_int_equal(key_ring_open(ring, 1, ad, sizeof(ad), sealed_sm4, sealed_sm4_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad), sealed_aes, sealed_aes_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(plain_len, 0);
    /* other additional data, a flipped tag bit, truncation */
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad) - 1, sealed_sm4, sealed_sm4_len,
                                   plain, sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    sealed_sm4[sealed_sm4_len - 1] ^= 1;
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad), sealed_sm4, sealed_sm4_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    static const uint8_t zero[sizeof(secret)];
    assert_memory_equal(plain, zero, sizeof(secret)); /* nothing unauthenticated released */
    sealed_sm4[sealed_sm4_len - 1] ^= 1;
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad), sealed_sm4, KEY_RING_OVERHEAD - 1,
                                   plain, sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(key_ring_open(ring, 2, ad, sizeof(ad), sealed_sm4, sealed_sm4_len, plain,
                                   sizeof(secret) - 1, &plain_len),
                     AW_ERR_BUFFER_TOO_SMALL);

    /* the same SM4 key under another id does not open it: the id is bound */
    key_ring *moved = NULL;
    assert_int_equal(key_ring_new(&moved), AW_OK);
    assert_int_equal(key_ring_add_suite(moved, 7, CRYPTO_SUITE_DOMESTIC, sm4_key, 16), AW_OK);
    assert_int_equal(key_ring_open(moved, 7, ad, sizeof(ad), sealed_sm4, sealed_sm4_len, plain,
                                   sizeof(plain), &plain_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);

    /* a reload that finds key 2 changed to another suite is refused whole */
    write_key("2.key", aes_key, sizeof(aes_key));
    size_t added = 9;
    assert_int_equal(key_ring_reload(ring, dir, &added), AW_ERR_KEY_RING_FILE);
    assert_int_equal(added, 0);
    assert_int_equal(key_ring_key_suite(ring, 2), CRYPTO_SUITE_DOMESTIC);
    /* 17 bytes is neither cipher */
    write_key("2.key", aes_key, 17);
    key_ring *bad = NULL;
    assert_int_equal(key_ring_new(&bad), AW_OK);
    assert_int_equal(key_ring_load(bad, dir), AW_ERR_KEY_RING_FILE);
    key_ring_free(bad);
    key_ring_free(moved);
    key_ring_free(ring);
    key_ring_free(old);
}

/* The SM4 column is crypto_suite's sealed form without its 6-byte header:
 * crypto_suite_open accepts it with the header rebuilt. */
static void test_column_is_crypto_suite_aead(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_add_suite(ring, 0x01020304u, CRYPTO_SUITE_DOMESTIC, sm4_key, 16),
                     AW_OK);
    uint8_t sealed[256], framed[256], plain[256];
    size_t sealed_len = 0, plain_len = 0;
    uint32_t id = 0;
    assert_int_equal(key_ring_seal(ring, ad, sizeof(ad), secret, sizeof(secret), sealed,
                                   sizeof(sealed), &sealed_len, &id),
                     AW_OK);
    const uint8_t header[6] = {1, 2, 1, 2, 3, 4};
    memcpy(framed, header, sizeof(header));
    memcpy(framed + 6, sealed, sealed_len);
    assert_int_equal(crypto_suite_open(CRYPTO_SUITE_DOMESTIC, id, sm4_key, 16, ad, sizeof(ad),
                                       framed, sealed_len + 6, plain, sizeof(plain), &plain_len),
                     AW_OK);
    assert_memory_equal(plain, secret, sizeof(secret));
    key_ring_free(ring);
}

/* An independent SM4-GCM opens the column: nonce, ciphertext and tag as
 * stored, the additional data being the 6-byte header and the caller's. */
static void test_column_opened_by_sm_crypto(void **state)
{
    (void)state;
    static char node_modules[1200], script[1200];
    const char *why = sm_node_prepare("crosscheck_sm.js", node_modules, sizeof(node_modules),
                                      script, sizeof(script));
    if (why != NULL) {
        printf("skip: %s\n", why);
        skip();
    }
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_add_suite(ring, 258, CRYPTO_SUITE_DOMESTIC, sm4_key, 16), AW_OK);
    uint8_t sealed[256];
    size_t sealed_len = 0;
    uint32_t id = 0;
    assert_int_equal(key_ring_seal(ring, ad, sizeof(ad), secret, sizeof(secret), sealed,
                                   sizeof(sealed), &sealed_len, &id),
                     AW_OK);
    uint8_t aad[6 + sizeof(ad)] = {1, 2, 0, 0, 1, 2}; /* version, suite, key id 258 */
    memcpy(aad + 6, ad, sizeof(ad));
    size_t text_len = sealed_len - KEY_RING_OVERHEAD;
    char *key_hex = hex_of(sm4_key, 16), *nonce_hex = hex_of(sealed, 12);
    char *aad_hex = hex_of(aad, sizeof(aad)), *ct_hex = hex_of(sealed + 12, text_len);
    char *tag_hex = hex_of(sealed + 12 + text_len, 16), *want = hex_of(secret, sizeof(secret));
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "NODE_PATH='%s' node '%s' gcm-open %s %s %s %s %s", node_modules,
             script, key_hex, nonce_hex, aad_hex, ct_hex, tag_hex);
    char *out = crosscheck_shell(cmd);
    assert_non_null(out);
    out[strcspn(out, "\n")] = '\0';
    assert_string_equal(out, want);
    free(out);
    /* another key id in the header: the reference refuses it too */
    aad[5] = 3;
    free(aad_hex);
    aad_hex = hex_of(aad, sizeof(aad));
    snprintf(cmd, sizeof(cmd), "NODE_PATH='%s' node '%s' gcm-open %s %s %s %s %s", node_modules,
             script, key_hex, nonce_hex, aad_hex, ct_hex, tag_hex);
    out = crosscheck_shell(cmd);
    assert_non_null(out);
    assert_string_equal(out, "bad\n");
    free(out);
    free(key_hex);
    free(nonce_hex);
    free(aad_hex);
    free(ct_hex);
    free(tag_hex);
    free(want);
    key_ring_free(ring);
}

static void test_generate_next_suite(void **state)
{
    (void)state;
    char sub[400];
    snprintf(sub, sizeof(sub), "%s/gen", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    uint32_t id = 9;
    assert_int_equal(key_ring_generate_next_suite(sub, (crypto_suite)0, &id), AW_ERR_ARGUMENT);
    assert_int_equal(id, 0);
    assert_int_equal(key_ring_generate_next_suite(NULL, CRYPTO_SUITE_DOMESTIC, &id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_generate_next(sub, &id), AW_OK);
    assert_int_equal(id, 1);
    assert_int_equal(key_ring_generate_next_suite(sub, CRYPTO_SUITE_DOMESTIC, &id), AW_OK);
    assert_int_equal(id, 2);
    struct stat st;
    char path[512];
    snprintf(path, sizeof(path), "%s/1.key", sub);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 32);
    snprintf(path, sizeof(path), "%s/2.key", sub);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 16);
    assert_int_equal(st.st_mode & 0777, 0600);
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_load(ring, sub), AW_OK);
    assert_int_equal(key_ring_current_id(ring), 2);
    assert_int_equal(key_ring_key_suite(ring, 2), CRYPTO_SUITE_DOMESTIC);
    key_ring_free(ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_suite_refusals),
        cmocka_unit_test_setup_teardown(test_mixed_directory, setup, teardown),
        cmocka_unit_test(test_column_is_crypto_suite_aead),
        cmocka_unit_test(test_column_opened_by_sm_crypto),
        cmocka_unit_test_setup_teardown(test_generate_next_suite, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
