/* airwrite core: the storage key ring (key_ring.h): key files and key ring
 * directories, AES-256-GCM sealing with a caller's additional data (NIST SP
 * 800-38D) or SM4-GCM (GB/T 32907, RFC 8998) through crypto_suite's AEAD for
 * domestic keys, key ids beside the ciphertext so keys rotate (NIST SP
 * 800-57 Part 1 5.3). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/file.h"
#include "core/key_ring.h"

typedef struct ring_key {
    uint32_t id;
    crypto_suite suite;  /* international: AES-256-GCM; domestic: SM4-GCM */
    size_t key_len;      /* KEY_RING_KEY_SIZE or KEY_RING_SM4_KEY_SIZE */
    uint8_t key[KEY_RING_KEY_SIZE];
} ring_key;

struct key_ring {
    /* keys[0..count) are immutable once count covers them: readers load
     * count (acquire), the one adder fills the slot then stores (release) */
    _Atomic size_t count;
    ring_key keys[KEY_RING_MAX];
};

aw_err key_ring_new(key_ring **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return AW_ERR_NOMEM;
    atomic_init(&(*out)->count, 0);
    return AW_OK;
}

void key_ring_free(key_ring *ring)
{
    if (ring == NULL)
        return;
    OPENSSL_cleanse(ring->keys, sizeof(ring->keys));
    free(ring);
}

size_t key_ring_count(const key_ring *ring)
{
    return ring != NULL ? atomic_load_explicit(&ring->count, memory_order_acquire) : 0;
}

uint32_t key_ring_id_at(const key_ring *ring, size_t index)
{
    return index < key_ring_count(ring) ? ring->keys[index].id : 0;
}

uint32_t key_ring_current_id(const key_ring *ring)
{
    uint32_t best = 0;
    size_t count = key_ring_count(ring);
    for (size_t i = 0; i < count; i++)
        if (ring->keys[i].id > best)
            best = ring->keys[i].id;
    return best;
}

static const ring_key *find_entry(const key_ring *ring, uint32_t id)
{
    size_t count = key_ring_count(ring);
    for (size_t i = 0; id != 0 && i < count; i++)
        if (ring->keys[i].id == id)
            return &ring->keys[i];
    return NULL;
}

static const uint8_t *find_key(const key_ring *ring, uint32_t id)
{
    const ring_key *entry = find_entry(ring, id);
    return entry != NULL ? entry->key : NULL;
}

bool key_ring_has_id(const key_ring *ring, uint32_t key_id)
{
    return find_key(ring, key_id) != NULL;
}

crypto_suite key_ring_key_suite(const key_ring *ring, uint32_t key_id)
{
    const ring_key *entry = find_entry(ring, key_id);
    return entry != NULL ? entry->suite : (crypto_suite)0;
}

size_t key_ring_suite_key_size(crypto_suite suite)
{
    return suite == CRYPTO_SUITE_INTERNATIONAL ? KEY_RING_KEY_SIZE
           : suite == CRYPTO_SUITE_DOMESTIC    ? KEY_RING_SM4_KEY_SIZE
                                               : 0;
}

aw_err key_ring_add_suite(key_ring *ring, uint32_t key_id, crypto_suite suite,
                          const uint8_t *key, size_t key_len)
{
    if (ring == NULL || key == NULL)
        return AW_ERR_ARGUMENT;
    if (key_id == 0 || key_id > KEY_RING_ID_MAX || find_key(ring, key_id) != NULL ||
        key_ring_suite_key_size(suite) == 0 || key_len != key_ring_suite_key_size(suite))
        return AW_ERR_KEY_RING_FILE;
    size_t count = atomic_load_explicit(&ring->count, memory_order_relaxed);
    if (count == KEY_RING_MAX)
        return AW_ERR_LIMIT;
    ring->keys[count].id = key_id;
    ring->keys[count].suite = suite;
    ring->keys[count].key_len = key_len;
    memcpy(ring->keys[count].key, key, key_len);
    atomic_store_explicit(&ring->count, count + 1, memory_order_release);
    return AW_OK;
}

aw_err key_ring_add(key_ring *ring, uint32_t key_id, const uint8_t key[KEY_RING_KEY_SIZE])
{
    return key_ring_add_suite(ring, key_id, CRYPTO_SUITE_INTERNATIONAL, key, KEY_RING_KEY_SIZE);
}

/* Exactly one key from a regular file without group/other access: 32 bytes
 * an AES-256 key, 16 bytes an SM4 key (the size names the cipher, so the
 * files written before SM4 keys existed read unchanged). */
static aw_err read_key_file(const char *path, uint8_t key[KEY_RING_KEY_SIZE],
                            crypto_suite *suite)
{
    *suite = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : errno == ELOOP ? AW_ERR_KEY_RING_FILE
                                                                   : AW_ERR_IO;
    aw_err err = AW_ERR_KEY_RING_FILE;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = AW_ERR_IO;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
        (st.st_size != (off_t)KEY_RING_KEY_SIZE && st.st_size != (off_t)KEY_RING_SM4_KEY_SIZE))
        goto cleanup;
    size_t want = (size_t)st.st_size, got = 0;
    while (got < want) {
        ssize_t n = read(fd, key + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n == 0 ? AW_ERR_KEY_RING_FILE : AW_ERR_IO;
            goto cleanup;
        }
        got += (size_t)n;
    }
    *suite = want == KEY_RING_KEY_SIZE ? CRYPTO_SUITE_INTERNATIONAL : CRYPTO_SUITE_DOMESTIC;
    err = AW_OK;

cleanup:
    close(fd);
    if (err != AW_OK)
        OPENSSL_cleanse(key, KEY_RING_KEY_SIZE);
    return err;
}

aw_err key_ring_add_file(key_ring *ring, uint32_t key_id, const char *path, bool create)
{
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    /* the id first: a bad id is reported even when the file is absent */
    if (key_id == 0 || key_id > KEY_RING_ID_MAX || find_key(ring, key_id) != NULL)
        return AW_ERR_KEY_RING_FILE;
    if (key_ring_count(ring) == KEY_RING_MAX)
        return AW_ERR_LIMIT;
    uint8_t key[KEY_RING_KEY_SIZE];
    crypto_suite suite = 0;
    aw_err err = read_key_file(path, key, &suite);
    if (err == AW_ERR_NOT_FOUND && create) {
        err = crypto_random_bytes(key, sizeof(key));
        if (err == AW_OK)
            err = aw_file_write_atomic(path, key, sizeof(key), 0600);
        OPENSSL_cleanse(key, sizeof(key));
        /* read back what is on disk: another process may have won the race */
        if (err == AW_OK)
            err = read_key_file(path, key, &suite);
    }
    if (err == AW_OK)
        err = key_ring_add_suite(ring, key_id, suite, key, key_ring_suite_key_size(suite));
    OPENSSL_cleanse(key, sizeof(key));
    return err;
}

/* ---- Key ring directory ---------------------------------------------------- */

/* The id of a "<id>.key" name (decimal, no leading zero, <= KEY_RING_ID_MAX);
 * 0 for any other name. */
static uint32_t key_file_id(const char *name)
{
    uint64_t id = 0;
    size_t i = 0;
    if (name[0] < '1' || name[0] > '9')
        return 0;
    for (; name[i] >= '0' && name[i] <= '9'; i++) {
        id = id * 10 + (uint64_t)(name[i] - '0');
        if (id > KEY_RING_ID_MAX)
            return 0;
    }
    return strcmp(name + i, KEY_RING_FILE_SUFFIX) == 0 ? (uint32_t)id : 0;
}

/* Add every key file of directory to ring (unless NULL); *highest receives
 * the top id. */
static aw_err scan_key_directory(const char *directory, key_ring *ring, uint32_t *highest)
{
    *highest = 0;
    DIR *dir = opendir(directory);
    if (dir == NULL)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    aw_err err = AW_OK;
    struct dirent *entry;
    errno = 0;
    while (err == AW_OK && (entry = readdir(dir)) != NULL) {
        uint32_t id = key_file_id(entry->d_name);
        if (id == 0)
            continue;
        if (id > *highest)
            *highest = id;
        if (ring != NULL) {
            char path[4096];
            int n = snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
            err = n < 0 || (size_t)n >= sizeof(path) ? AW_ERR_ARGUMENT
                                                     : key_ring_add_file(ring, id, path, false);
        }
        errno = 0;
    }
    if (err == AW_OK && errno != 0)
        err = AW_ERR_IO;
    closedir(dir);
    return err;
}

aw_err key_ring_load(key_ring *ring, const char *path)
{
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    if (!S_ISDIR(st.st_mode))
        return key_ring_add_file(ring, 1, path, false);
    uint32_t highest = 0;
    aw_err err = scan_key_directory(path, ring, &highest);
    if (err == AW_OK && highest == 0)
        err = AW_ERR_NOT_FOUND;
    return err;
}

aw_err key_ring_merge(key_ring *ring, const key_ring *from, size_t *added)
{
    if (added != NULL)
        *added = 0;
    if (ring == NULL || from == NULL)
        return AW_ERR_ARGUMENT;
    size_t count = key_ring_count(from), missing = 0;
    /* check everything before adding anything: all or nothing */
    for (size_t i = 0; i < count; i++) {
        const ring_key *held = find_entry(ring, from->keys[i].id);
        if (held == NULL)
            missing++;
        else if (held->suite != from->keys[i].suite || held->key_len != from->keys[i].key_len ||
                 CRYPTO_memcmp(held->key, from->keys[i].key, held->key_len) != 0)
            return AW_ERR_KEY_RING_FILE;
    }
    if (key_ring_count(ring) + missing > KEY_RING_MAX)
        return AW_ERR_LIMIT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        if (find_key(ring, from->keys[i].id) != NULL)
            continue;
        err = key_ring_add_suite(ring, from->keys[i].id, from->keys[i].suite, from->keys[i].key,
                                 from->keys[i].key_len);
        if (err == AW_OK && added != NULL)
            (*added)++;
    }
    return err;
}

aw_err key_ring_reload(key_ring *ring, const char *path, size_t *added)
{
    if (added != NULL)
        *added = 0;
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    key_ring *fresh = NULL;
    aw_err err = key_ring_new(&fresh);
    if (err == AW_OK)
        err = key_ring_load(fresh, path);
    if (err == AW_OK)
        err = key_ring_merge(ring, fresh, added);
    key_ring_free(fresh);
    return err;
}

/* Write a random key of size bytes to a new file (O_EXCL: never replace a
 * key). */
static aw_err write_new_key(const char *path, size_t size)
{
    uint8_t key[KEY_RING_KEY_SIZE];
    aw_err err = crypto_random_bytes(key, size);
    if (err != AW_OK)
        return err;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(key, sizeof(key));
        return errno == EEXIST ? AW_ERR_STATE : AW_ERR_IO;
    }
    size_t done = 0;
    while (err == AW_OK && done < size) {
        ssize_t n = write(fd, key + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            err = AW_ERR_IO;
        else
            done += (size_t)n;
    }
    OPENSSL_cleanse(key, sizeof(key));
    if (err == AW_OK && fsync(fd) != 0)
        err = AW_ERR_IO;
    if (close(fd) != 0 && err == AW_OK)
        err = AW_ERR_IO;
    if (err != AW_OK)
        unlink(path); /* never leave a short key behind */
    return err;
}

aw_err key_ring_generate_next(const char *directory, uint32_t *key_id)
{
    return key_ring_generate_next_suite(directory, CRYPTO_SUITE_INTERNATIONAL, key_id);
}

aw_err key_ring_generate_next_suite(const char *directory, crypto_suite suite, uint32_t *key_id)
{
    if (key_id != NULL)
        *key_id = 0;
    size_t size = key_ring_suite_key_size(suite);
    if (directory == NULL || key_id == NULL || size == 0)
        return AW_ERR_ARGUMENT;
    uint32_t highest = 0;
    aw_err err = scan_key_directory(directory, NULL, &highest);
    /* another process may take the id first: then try the next one */
    for (unsigned attempt = 0; err == AW_OK && attempt < 8; attempt++, highest++) {
        if (highest >= KEY_RING_ID_MAX)
            return AW_ERR_LIMIT;
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%u%s", directory, highest + 1,
                         KEY_RING_FILE_SUFFIX);
        if (n < 0 || (size_t)n >= sizeof(path))
            return AW_ERR_ARGUMENT;
        err = write_new_key(path, size);
        if (err == AW_OK) {
            /* make the new directory entry durable too */
            int dir_fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dir_fd < 0 || fsync(dir_fd) != 0)
                err = AW_ERR_IO;
            if (dir_fd >= 0)
                close(dir_fd);
            if (err == AW_OK)
                *key_id = highest + 1;
            return err;
        }
        if (err == AW_ERR_STATE)
            err = AW_OK;
    }
    return err == AW_OK ? AW_ERR_STATE : err;
}

/* ---- Sealing (NIST SP 800-38D) ---------------------------------------------- */

/* SM4 keys seal through crypto_suite's AEAD (SM4-GCM composed where OpenSSL
 * 3.0 lacks it), whose sealed form starts with a 6-byte header (version,
 * suite, key id; crypto_suite.h) that its GCM authenticates as additional
 * data. The column keeps the key ring's form nonce || ciphertext || tag: the
 * header is dropped after sealing and rebuilt from the key id before
 * opening, so the key id is bound by the tag as well. */
#define SUITE_HEADER_SIZE 6u

static void suite_header(uint8_t header[SUITE_HEADER_SIZE], uint32_t key_id)
{
    header[0] = CRYPTO_SUITE_SEALED_VERSION;
    header[1] = CRYPTO_SUITE_DOMESTIC;
    header[2] = (uint8_t)(key_id >> 24);
    header[3] = (uint8_t)(key_id >> 16);
    header[4] = (uint8_t)(key_id >> 8);
    header[5] = (uint8_t)key_id;
}

static aw_err sm4_seal(const ring_key *entry, const uint8_t *ad, size_t ad_len,
                       const uint8_t *plain, size_t len, uint8_t *out)
{
    size_t cap = len + CRYPTO_SUITE_SEALED_OVERHEAD, sealed_len = 0;
    uint8_t *sealed = malloc(cap);
    if (sealed == NULL)
        return AW_ERR_NOMEM;
    aw_err err = crypto_suite_seal(CRYPTO_SUITE_DOMESTIC, entry->id, entry->key, entry->key_len,
                                   ad, ad_len, plain, len, sealed, cap, &sealed_len);
    if (err == AW_OK && sealed_len != len + SUITE_HEADER_SIZE + KEY_RING_OVERHEAD)
        err = AW_ERR_CRYPTO;
    if (err == AW_OK)
        memcpy(out, sealed + SUITE_HEADER_SIZE, len + KEY_RING_OVERHEAD);
    else if (err != AW_ERR_NOMEM)
        err = AW_ERR_CRYPTO;
    OPENSSL_cleanse(sealed, cap);
    free(sealed);
    return err;
}

static aw_err sm4_open(const ring_key *entry, const uint8_t *ad, size_t ad_len,
                       const uint8_t *sealed, size_t sealed_len, uint8_t *plain,
                       size_t plain_cap, size_t *plain_len)
{
    size_t len = sealed_len + SUITE_HEADER_SIZE;
    uint8_t *framed = malloc(len);
    if (framed == NULL)
        return AW_ERR_NOMEM;
    suite_header(framed, entry->id);
    memcpy(framed + SUITE_HEADER_SIZE, sealed, sealed_len);
    aw_err err = crypto_suite_open(CRYPTO_SUITE_DOMESTIC, entry->id, entry->key, entry->key_len,
                                   ad, ad_len, framed, len, plain, plain_cap, plain_len);
    free(framed); /* ciphertext only: nothing secret to erase */
    if (err == AW_ERR_SUITE_AUTHENTICATION)
        err = AW_ERR_KEY_RING_AUTHENTICATION;
    else if (err != AW_OK && err != AW_ERR_NOMEM)
        err = AW_ERR_CRYPTO;
    return err;
}

aw_err key_ring_seal(const key_ring *ring, const uint8_t *ad, size_t ad_len,
                     const uint8_t *plain, size_t len, uint8_t *out, size_t out_cap,
                     size_t *out_len, uint32_t *key_id)
{
    if (out_len != NULL)
        *out_len = 0;
    if (key_id != NULL)
        *key_id = 0;
    if (ring == NULL || (ad == NULL && ad_len > 0) || (plain == NULL && len > 0) ||
        out == NULL || out_len == NULL || key_id == NULL || ad_len > KEY_RING_AD_MAX ||
        len > KEY_RING_PLAIN_MAX)
        return AW_ERR_ARGUMENT;
    uint32_t id = key_ring_current_id(ring);
    const ring_key *entry = find_entry(ring, id);
    if (entry == NULL)
        return AW_ERR_KEY_RING_EMPTY;
    if (out_cap < len + KEY_RING_OVERHEAD)
        return AW_ERR_BUFFER_TOO_SMALL;
    const uint8_t *key = entry->key;
    if (entry->suite == CRYPTO_SUITE_DOMESTIC) {
        aw_err sealed = sm4_seal(entry, ad, ad_len, plain, len, out);
        if (sealed == AW_OK) {
            *out_len = len + KEY_RING_OVERHEAD;
            *key_id = id;
        }
        return sealed;
    }
    aw_err err = crypto_random_bytes(out, KEY_RING_NONCE_SIZE);
    if (err != AW_OK)
        return err;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    uint8_t *cipher = out + KEY_RING_NONCE_SIZE;
    int n = 0, final_len = 0, ad_n = 0;
    err = AW_ERR_CRYPTO;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
        (ad_len > 0 && EVP_EncryptUpdate(ctx, NULL, &ad_n, ad, (int)ad_len) != 1) ||
        (len > 0 && EVP_EncryptUpdate(ctx, cipher, &n, plain, (int)len) != 1) ||
        EVP_EncryptFinal_ex(ctx, cipher + n, &final_len) != 1 ||
        (size_t)(n + final_len) != len ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)KEY_RING_TAG_SIZE, cipher + len) != 1)
        goto cleanup;
    *out_len = len + KEY_RING_OVERHEAD;
    *key_id = id;
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    if (err != AW_OK)
        OPENSSL_cleanse(out, out_cap < len + KEY_RING_OVERHEAD ? out_cap
                                                               : len + KEY_RING_OVERHEAD);
    return err;
}

aw_err key_ring_open(const key_ring *ring, uint32_t key_id, const uint8_t *ad, size_t ad_len,
                     const uint8_t *sealed, size_t sealed_len, uint8_t *plain,
                     size_t plain_cap, size_t *plain_len)
{
    if (plain_len != NULL)
        *plain_len = 0;
    if (ring == NULL || (ad == NULL && ad_len > 0) || sealed == NULL || plain == NULL ||
        plain_len == NULL || ad_len > KEY_RING_AD_MAX)
        return AW_ERR_ARGUMENT;
    const ring_key *entry = find_entry(ring, key_id);
    if (entry == NULL)
        return AW_ERR_KEY_RING_KEY_UNKNOWN;
    if (sealed_len < KEY_RING_OVERHEAD || sealed_len - KEY_RING_OVERHEAD > KEY_RING_PLAIN_MAX)
        return AW_ERR_KEY_RING_AUTHENTICATION;
    size_t len = sealed_len - KEY_RING_OVERHEAD;
    if (len > plain_cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    if (entry->suite == CRYPTO_SUITE_DOMESTIC)
        return sm4_open(entry, ad, ad_len, sealed, sealed_len, plain, plain_cap, plain_len);
    const uint8_t *key = entry->key;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    uint8_t tag[KEY_RING_TAG_SIZE];
    memcpy(tag, sealed + KEY_RING_NONCE_SIZE + len, sizeof(tag));
    int n = 0, final_len = 0, ad_n = 0;
    aw_err err = AW_ERR_KEY_RING_AUTHENTICATION;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) != 1 ||
        (ad_len > 0 && EVP_DecryptUpdate(ctx, NULL, &ad_n, ad, (int)ad_len) != 1) ||
        (len > 0 &&
         EVP_DecryptUpdate(ctx, plain, &n, sealed + KEY_RING_NONCE_SIZE, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)sizeof(tag), tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, plain + n, &final_len) != 1 ||
        (size_t)(n + final_len) != len) {
        if (len > 0)
            OPENSSL_cleanse(plain, len); /* no unauthenticated plaintext */
        goto cleanup;
    }
    *plain_len = len;
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}
