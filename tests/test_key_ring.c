/* Tests of the core storage key ring (src/core/key_ring.h): key files and
 * directories with every refusal, reload and generation, AES-256-GCM
 * sealing (NIST SP 800-38D) against a vector of an independent
 * implementation, and every error of seal and open. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/key_ring.h"
#include "testutil.h"

static char dir[256];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void write_file(const char *name, const uint8_t *data, size_t len, mode_t mode)
{
    char path[512];
    path_in(path, sizeof(path), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/aw-key-ring-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[600];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static const uint8_t key_a[KEY_RING_KEY_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                                 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void test_add(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(NULL), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_current_id(ring), 0);
    assert_int_equal(key_ring_current_id(NULL), 0);
    assert_int_equal(key_ring_count(NULL), 0);
    assert_int_equal(key_ring_add(NULL, 1, key_a), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_add(ring, 1, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_add(ring, 0, key_a), AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_add(ring, KEY_RING_ID_MAX + 1u, key_a), AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_add(ring, 7, key_a), AW_OK);
    assert_int_equal(key_ring_add(ring, 7, key_a), AW_ERR_KEY_RING_FILE); /* duplicate id */
    assert_int_equal(key_ring_add(ring, 3, key_a), AW_OK);
    assert_int_equal(key_ring_current_id(ring), 7); /* the highest, not the last */
    assert_int_equal(key_ring_count(ring), 2);
    assert_int_equal(key_ring_id_at(ring, 1), 3);
    assert_int_equal(key_ring_id_at(ring, 2), 0);
    assert_true(key_ring_has_id(ring, 3));
    assert_false(key_ring_has_id(ring, 4));
    assert_false(key_ring_has_id(ring, 0));
    for (uint32_t id = 100; key_ring_count(ring) < KEY_RING_MAX; id++)
        assert_int_equal(key_ring_add(ring, id, key_a), AW_OK);
    assert_int_equal(key_ring_add(ring, 99, key_a), AW_ERR_LIMIT);
    key_ring_free(ring);
    key_ring_free(NULL);
}

static void test_key_files(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    char path[512];
    path_in(path, sizeof(path), "absent.key");
    assert_int_equal(key_ring_add_file(ring, 1, path, false), AW_ERR_NOT_FOUND);
    assert_int_equal(key_ring_add_file(ring, 1, NULL, false), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_add_file(ring, 0, path, true), AW_ERR_KEY_RING_FILE);
    /* wrong size: 31 and 33 bytes */
    uint8_t long_key[KEY_RING_KEY_SIZE + 1] = {0};
    write_file("short.key", key_a, KEY_RING_KEY_SIZE - 1, 0600);
    path_in(path, sizeof(path), "short.key");
    assert_int_equal(key_ring_add_file(ring, 1, path, false), AW_ERR_KEY_RING_FILE);
    write_file("long.key", long_key, sizeof(long_key), 0600);
    path_in(path, sizeof(path), "long.key");
    assert_int_equal(key_ring_add_file(ring, 1, path, false), AW_ERR_KEY_RING_FILE);
    /* group or other access */
    write_file("open.key", key_a, KEY_RING_KEY_SIZE, 0640);
    path_in(path, sizeof(path), "open.key");
    assert_int_equal(key_ring_add_file(ring, 1, path, false), AW_ERR_KEY_RING_FILE);
    write_file("world.key", key_a, KEY_RING_KEY_SIZE, 0604);
    path_in(path, sizeof(path), "world.key");
    assert_int_equal(key_ring_add_file(ring, 1, path, false), AW_ERR_KEY_RING_FILE);
    /* not a regular file; a symbolic link is not followed */
    assert_int_equal(key_ring_add_file(ring, 1, dir, false), AW_ERR_KEY_RING_FILE);
    write_file("good.key", key_a, KEY_RING_KEY_SIZE, 0400);
    char link_path[512], good[512];
    path_in(link_path, sizeof(link_path), "link.key");
    path_in(good, sizeof(good), "good.key");
    assert_int_equal(symlink(good, link_path), 0);
    assert_int_equal(key_ring_add_file(ring, 1, link_path, false), AW_ERR_KEY_RING_FILE);
    assert_int_equal(key_ring_count(ring), 0);
    assert_int_equal(key_ring_add_file(ring, 1, good, false), AW_OK);
    assert_int_equal(key_ring_add_file(ring, 1, good, false), AW_ERR_KEY_RING_FILE);
    /* create: 32 random bytes, mode 0600 */
    path_in(path, sizeof(path), "created.key");
    assert_int_equal(key_ring_add_file(ring, 2, path, true), AW_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, KEY_RING_KEY_SIZE);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(key_ring_current_id(ring), 2);
    key_ring_free(ring);
}

static void make_directory(const char *name, char *out, size_t cap)
{
    path_in(out, cap, name);
    assert_int_equal(mkdir(out, 0700), 0);
}

static void test_directory(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    char keys[512], path[600];
    path_in(keys, sizeof(keys), "ring");
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_NOT_FOUND); /* missing directory */
    assert_int_equal(key_ring_load(NULL, keys), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_generate_next(keys, NULL), AW_ERR_ARGUMENT);
    uint32_t id = 99;
    assert_int_equal(key_ring_generate_next(keys, &id), AW_ERR_NOT_FOUND);
    assert_int_equal(id, 0);
    make_directory("ring", keys, sizeof(keys));
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_NOT_FOUND); /* no key file */
    /* names that are not "<id>.key" are ignored */
    write_file("ring/01.key", key_a, 3, 0644);
    write_file("ring/x.key", key_a, 3, 0644);
    write_file("ring/3.key.bak", key_a, 3, 0644);
    write_file("ring/99999999999.key", key_a, 3, 0644);
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_NOT_FOUND);
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    assert_int_equal(id, 1);
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    assert_int_equal(id, 2);
    snprintf(path, sizeof(path), "%s/2.key", keys);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(key_ring_load(ring, keys), AW_OK);
    assert_int_equal(key_ring_count(ring), 2);
    assert_int_equal(key_ring_current_id(ring), 2);
    /* the ids already in the ring: a duplicate */
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_KEY_RING_FILE);
    key_ring_free(ring);
    /* a key file of a wrong mode in the directory */
    write_file("ring/5.key", key_a, KEY_RING_KEY_SIZE, 0644);
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_KEY_RING_FILE);
    key_ring_free(ring);
    /* of a wrong size (16 bytes would be an SM4 key: test_key_ring_suite.c) */
    write_file("ring/5.key", key_a, 24, 0600);
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_load(ring, keys), AW_ERR_KEY_RING_FILE);
    key_ring_free(ring);
    snprintf(path, sizeof(path), "%s/5.key", keys);
    unlink(path);
    /* a single key file is key id 1 */
    write_file("single.key", key_a, KEY_RING_KEY_SIZE, 0600);
    path_in(path, sizeof(path), "single.key");
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_load(ring, path), AW_OK);
    assert_int_equal(key_ring_current_id(ring), 1);
    key_ring_free(ring);
    /* the id limit */
    char full[512];
    make_directory("full", full, sizeof(full));
    write_file("full/2147483647.key", key_a, KEY_RING_KEY_SIZE, 0600);
    assert_int_equal(key_ring_generate_next(full, &id), AW_ERR_LIMIT);
}

static void test_reload(void **state)
{
    (void)state;
    char keys[512], path[600];
    make_directory("reload", keys, sizeof(keys));
    uint32_t id = 0;
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    key_ring *ring = NULL;
    size_t added = 9;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    assert_int_equal(key_ring_reload(NULL, keys, &added), AW_ERR_ARGUMENT);
    assert_int_equal(added, 0);
    added = 9;
    assert_int_equal(key_ring_merge(ring, NULL, &added), AW_ERR_ARGUMENT);
    assert_int_equal(added, 0);
    assert_int_equal(key_ring_merge(NULL, ring, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_reload(ring, keys, &added), AW_OK);
    assert_int_equal(added, 1);
    assert_int_equal(key_ring_reload(ring, keys, &added), AW_OK); /* same bytes: nothing */
    assert_int_equal(added, 0);
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    assert_int_equal(key_ring_reload(ring, keys, &added), AW_OK);
    assert_int_equal(added, 1);
    assert_int_equal(key_ring_current_id(ring), 2);
    /* a key file replaced under the same id: refused, ring unchanged */
    assert_int_equal(key_ring_generate_next(keys, &id), AW_OK);
    assert_int_equal(id, 3);
    snprintf(path, sizeof(path), "%s/1.key", keys);
    assert_int_equal(unlink(path), 0);
    write_file("reload/1.key", key_a, KEY_RING_KEY_SIZE, 0600);
    assert_int_equal(key_ring_reload(ring, keys, &added), AW_ERR_KEY_RING_FILE);
    assert_int_equal(added, 0);
    assert_int_equal(key_ring_count(ring), 2);
    /* a key removed from disk stays in the live ring */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(key_ring_reload(ring, keys, &added), AW_OK);
    assert_int_equal(added, 1);
    assert_true(key_ring_has_id(ring, 1));
    assert_int_equal(key_ring_reload(ring, "/nonexistent/aw", &added), AW_ERR_NOT_FOUND);
    /* past KEY_RING_MAX keys */
    key_ring *full = NULL;
    assert_int_equal(key_ring_new(&full), AW_OK);
    for (uint32_t k = 100; key_ring_count(full) < KEY_RING_MAX; k++)
        assert_int_equal(key_ring_add(full, k, key_a), AW_OK);
    assert_int_equal(key_ring_reload(full, keys, &added), AW_ERR_LIMIT);
    key_ring_free(full);
    key_ring_free(ring);
}

/* AES-256-GCM of python3-cryptography 38 (AESGCM), an independent
 * implementation: key 01..20, nonce 00..0b, plaintext "0123456789abcdef"
 * x4, AAD "airwrite.platform.app-secret" NUL "app00112233445566778899" (the
 * platform's app-secret layout since its first release). */
static const char vector_sealed[] =
    "000102030405060708090a0b"
    "410133a4fce8573c3712d32307fc92eb19a68fa64aaa4c4bf5711cdf3fb1575db69980d373b0cf160f6a6e4fd153d0"
    "28532dd29da6ff6381fb1bbaa6a13b2ef66df0bc8f65bf4821f0c8153380997111";
static const char vector_ad[] = "airwrite.platform.app-secret\0app00112233445566778899";

static void test_seal_open(void **state)
{
    (void)state;
    key_ring *ring = NULL;
    assert_int_equal(key_ring_new(&ring), AW_OK);
    const uint8_t ad[] = "row-1";
    const uint8_t plain[] = "a secret of 27 bytes here!";
    uint8_t sealed[128], opened[128];
    size_t sealed_len = 9, opened_len = 9;
    uint32_t key_id = 9;
    assert_int_equal(key_ring_seal(ring, ad, 5, plain, sizeof(plain), sealed, sizeof(sealed),
                                   &sealed_len, &key_id),
                     AW_ERR_KEY_RING_EMPTY);
    assert_int_equal(sealed_len, 0);
    assert_int_equal(key_id, 0);
    assert_int_equal(key_ring_add(ring, 1, key_a), AW_OK);
    /* the vector opens, byte compatible with the rows sealed before */
    size_t vector_len = 0;
    uint8_t *vector = test_hex(vector_sealed, &vector_len);
    assert_int_equal(key_ring_open(ring, 1, (const uint8_t *)vector_ad, sizeof(vector_ad) - 1,
                                   vector, vector_len, opened, sizeof(opened), &opened_len),
                     AW_OK);
    assert_int_equal(opened_len, 64);
    assert_memory_equal(opened, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        64);
    free(vector);
    uint8_t key_b[KEY_RING_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key_b, sizeof(key_b)), AW_OK);
    assert_int_equal(key_ring_add(ring, 2, key_b), AW_OK);
    assert_int_equal(key_ring_seal(ring, ad, 5, plain, sizeof(plain), sealed, sizeof(sealed),
                                   &sealed_len, &key_id),
                     AW_OK);
    assert_int_equal(key_id, 2);
    assert_int_equal(sealed_len, sizeof(plain) + KEY_RING_OVERHEAD);
    assert_memory_not_equal(sealed + KEY_RING_NONCE_SIZE, plain, sizeof(plain));
    assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, sealed_len, opened, sizeof(opened),
                                   &opened_len),
                     AW_OK);
    assert_int_equal(opened_len, sizeof(plain));
    assert_memory_equal(opened, plain, sizeof(plain));
    /* unknown key id; the other key of the ring */
    assert_int_equal(key_ring_open(ring, 3, ad, 5, sealed, sealed_len, opened, sizeof(opened),
                                   &opened_len),
                     AW_ERR_KEY_RING_KEY_UNKNOWN);
    assert_int_equal(opened_len, 0);
    assert_int_equal(key_ring_open(ring, 1, ad, 5, sealed, sealed_len, opened, sizeof(opened),
                                   &opened_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    /* additional data of another row */
    assert_int_equal(key_ring_open(ring, 2, (const uint8_t *)"row-2", 5, sealed, sealed_len,
                                   opened, sizeof(opened), &opened_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(key_ring_open(ring, 2, NULL, 0, sealed, sealed_len, opened, sizeof(opened),
                                   &opened_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    /* every byte tampered with (nonce, ciphertext, tag): refused, nothing released */
    for (size_t i = 0; i < sealed_len; i++) {
        sealed[i] ^= 0x01;
        memset(opened, 0xAA, sizeof(opened));
        assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, sealed_len, opened,
                                       sizeof(opened), &opened_len),
                         AW_ERR_KEY_RING_AUTHENTICATION);
        for (size_t k = 0; k < sizeof(plain); k++)
            assert_int_equal(opened[k], 0);
        sealed[i] ^= 0x01;
    }
    /* truncated */
    assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, KEY_RING_OVERHEAD - 1, opened,
                                   sizeof(opened), &opened_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, sealed_len - 1, opened,
                                   sizeof(opened), &opened_len),
                     AW_ERR_KEY_RING_AUTHENTICATION);
    /* buffers */
    assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, sealed_len, opened, sizeof(plain) - 1,
                                   &opened_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(key_ring_seal(ring, ad, 5, plain, sizeof(plain), sealed,
                                   sizeof(plain) + KEY_RING_OVERHEAD - 1, &sealed_len, &key_id),
                     AW_ERR_BUFFER_TOO_SMALL);
    /* arguments and bounds */
    assert_int_equal(key_ring_seal(NULL, ad, 5, plain, 1, sealed, sizeof(sealed), &sealed_len,
                                   &key_id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_seal(ring, NULL, 5, plain, 1, sealed, sizeof(sealed), &sealed_len,
                                   &key_id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_seal(ring, ad, KEY_RING_AD_MAX + 1, plain, 1, sealed,
                                   sizeof(sealed), &sealed_len, &key_id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_seal(ring, ad, 5, plain, KEY_RING_PLAIN_MAX + 1, sealed,
                                   sizeof(sealed), &sealed_len, &key_id),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_open(ring, 2, ad, 5, sealed, sealed_len, NULL, 0, &opened_len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(key_ring_open(ring, 2, ad, KEY_RING_AD_MAX + 1, sealed, sealed_len, opened,
                                   sizeof(opened), &opened_len),
                     AW_ERR_ARGUMENT);
    /* empty plaintext and empty additional data */
    assert_int_equal(key_ring_seal(ring, NULL, 0, NULL, 0, sealed, sizeof(sealed), &sealed_len,
                                   &key_id),
                     AW_OK);
    assert_int_equal(sealed_len, KEY_RING_OVERHEAD);
    assert_int_equal(key_ring_open(ring, 2, NULL, 0, sealed, sealed_len, opened, sizeof(opened),
                                   &opened_len),
                     AW_OK);
    assert_int_equal(opened_len, 0);
    crypto_cleanse(key_b, sizeof(key_b));
    key_ring_free(ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_seal_open),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
