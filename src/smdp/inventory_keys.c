/* airwrite SM-DP+: storage key ring and AES-256-GCM sealing of the Ki/OPc
 * kept in the profile inventory (encryption at rest, NIST SP 800-38D), with
 * key ids so keys rotate without re-encrypting at once; the key ring
 * directory and rotation checks. See inventory.h and inventory_keys.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/file.h"
#include "smdp/inventory_internal.h"
#include "smdp/inventory_keys.h"

struct smdp_key_ring {
    size_t count;
    struct {
        uint32_t id;
        uint8_t key[SMDP_STORAGE_KEY_SIZE];
    } keys[SMDP_KEY_RING_MAX];
};

aw_err smdp_key_ring_new(smdp_key_ring **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? AW_ERR_NOMEM : AW_OK;
}

void smdp_key_ring_free(smdp_key_ring *ring)
{
    if (ring == NULL)
        return;
    OPENSSL_cleanse(ring, sizeof(*ring));
    free(ring);
}

uint32_t smdp_key_ring_current_id(const smdp_key_ring *ring)
{
    uint32_t best = 0;
    for (size_t i = 0; ring != NULL && i < ring->count; i++)
        if (ring->keys[i].id > best)
            best = ring->keys[i].id;
    return best;
}

static const uint8_t *find_key(const smdp_key_ring *ring, uint32_t id)
{
    for (size_t i = 0; i < ring->count; i++)
        if (ring->keys[i].id == id)
            return ring->keys[i].key;
    return NULL;
}

/* Read exactly one key from an existing file, refusing group/other access. */
static aw_err read_key_file(const char *path, uint8_t key[SMDP_STORAGE_KEY_SIZE])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    aw_err err = AW_ERR_SMDP_KEY_FILE;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = AW_ERR_IO;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_size != SMDP_STORAGE_KEY_SIZE)
        goto cleanup;
    size_t got = 0;
    while (got < SMDP_STORAGE_KEY_SIZE) {
        ssize_t n = read(fd, key + got, SMDP_STORAGE_KEY_SIZE - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n == 0 ? AW_ERR_SMDP_KEY_FILE : AW_ERR_IO;
            goto cleanup;
        }
        got += (size_t)n;
    }
    err = AW_OK;

cleanup:
    close(fd);
    if (err != AW_OK)
        OPENSSL_cleanse(key, SMDP_STORAGE_KEY_SIZE);
    return err;
}

aw_err smdp_key_ring_add_file(smdp_key_ring *ring, uint32_t key_id, const char *path, bool create)
{
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    if (key_id == 0 || key_id > INT32_MAX || find_key(ring, key_id) != NULL)
        return AW_ERR_SMDP_KEY_FILE;
    if (ring->count == SMDP_KEY_RING_MAX)
        return AW_ERR_LIMIT;
    uint8_t key[SMDP_STORAGE_KEY_SIZE];
    aw_err err = read_key_file(path, key);
    if (err == AW_ERR_NOT_FOUND && create) {
        err = crypto_random_bytes(key, sizeof(key));
        if (err == AW_OK)
            err = aw_file_write_atomic(path, key, sizeof(key), 0600);
        OPENSSL_cleanse(key, sizeof(key));
        /* read back what is on disk (another process may have won) */
        if (err == AW_OK)
            err = read_key_file(path, key);
    }
    if (err != AW_OK)
        return err;
    ring->keys[ring->count].id = key_id;
    memcpy(ring->keys[ring->count].key, key, sizeof(key));
    ring->count++;
    OPENSSL_cleanse(key, sizeof(key));
    return AW_OK;
}

/* AAD: the ICCID, a zero byte and the field name. */
static bool add_aad(EVP_CIPHER_CTX *ctx, const char *iccid, const char *field)
{
    int n;
    static const uint8_t zero = 0;
    return EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)iccid, (int)strlen(iccid)) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, &zero, 1) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)field, (int)strlen(field)) == 1;
}

aw_err smdp_key_ring_seal(const smdp_key_ring *ring, const char *iccid, const char *field,
                          const uint8_t *plain, size_t len, uint8_t out[SMDP_SEALED_MAX],
                          size_t *out_len, uint32_t *key_id)
{
    *out_len = 0;
    *key_id = smdp_key_ring_current_id(ring);
    const uint8_t *key = *key_id == 0 ? NULL : find_key(ring, *key_id);
    if (key == NULL)
        return AW_ERR_SMDP_KEY_FILE;
    if (len > SAIP_AKA_KEY_MAX)
        return AW_ERR_ARGUMENT;
    aw_err err = crypto_random_bytes(out, SMDP_GCM_NONCE_SIZE);
    if (err != AW_OK)
        return err;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    int n = 0, final_len = 0;
    err = AW_ERR_CRYPTO;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
        !add_aad(ctx, iccid, field) ||
        EVP_EncryptUpdate(ctx, out + SMDP_GCM_NONCE_SIZE, &n, plain, (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, out + SMDP_GCM_NONCE_SIZE + n, &final_len) != 1 ||
        (size_t)(n + final_len) != len ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SMDP_GCM_TAG_SIZE,
                            out + SMDP_GCM_NONCE_SIZE + len) != 1)
        goto cleanup;
    *out_len = SMDP_GCM_NONCE_SIZE + len + SMDP_GCM_TAG_SIZE;
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

aw_err smdp_key_ring_open(const smdp_key_ring *ring, uint32_t key_id, const char *iccid,
                          const char *field, const uint8_t *sealed, size_t sealed_len,
                          uint8_t *plain, size_t plain_cap, size_t *plain_len)
{
    *plain_len = 0;
    const uint8_t *key = find_key(ring, key_id);
    if (key == NULL || sealed_len < SMDP_GCM_NONCE_SIZE + SMDP_GCM_TAG_SIZE ||
        sealed_len > SMDP_SEALED_MAX)
        return AW_ERR_SMDP_DECRYPT;
    size_t len = sealed_len - SMDP_GCM_NONCE_SIZE - SMDP_GCM_TAG_SIZE;
    if (len > plain_cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    uint8_t tag[SMDP_GCM_TAG_SIZE];
    memcpy(tag, sealed + SMDP_GCM_NONCE_SIZE + len, sizeof(tag));
    int n = 0, final_len = 0;
    aw_err err = AW_ERR_SMDP_DECRYPT;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) != 1 ||
        !add_aad(ctx, iccid, field) ||
        EVP_DecryptUpdate(ctx, plain, &n, sealed + SMDP_GCM_NONCE_SIZE, (int)len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SMDP_GCM_TAG_SIZE, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, plain + n, &final_len) != 1) {
        OPENSSL_cleanse(plain, len);
        goto cleanup;
    }
    *plain_len = (size_t)(n + final_len);
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

/* ---- Key ring directory (inventory_keys.h) ---------------------------------- */

size_t smdp_key_ring_count(const smdp_key_ring *ring)
{
    return ring != NULL ? ring->count : 0;
}

bool smdp_key_ring_has_id(const smdp_key_ring *ring, uint32_t key_id)
{
    return ring != NULL && key_id != 0 && find_key(ring, key_id) != NULL;
}

/* The id of a "<id>.key" name (decimal, no leading zero, <= INT32_MAX);
 * 0 for any other name. */
static uint32_t key_file_id(const char *name)
{
    uint64_t id = 0;
    size_t i = 0;
    if (name[0] < '1' || name[0] > '9')
        return 0;
    for (; name[i] >= '0' && name[i] <= '9'; i++) {
        id = id * 10 + (uint64_t)(name[i] - '0');
        if (id > INT32_MAX)
            return 0;
    }
    return strcmp(name + i, SMDP_KEY_FILE_SUFFIX) == 0 ? (uint32_t)id : 0;
}

/* Add every key file of directory to ring (unless NULL); *highest receives
 * the top id. */
static aw_err scan_key_directory(const char *directory, smdp_key_ring *ring, uint32_t *highest)
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
            err = n < 0 || (size_t)n >= sizeof(path)
                      ? AW_ERR_ARGUMENT
                      : smdp_key_ring_add_file(ring, id, path, false);
        }
        errno = 0;
    }
    if (err == AW_OK && errno != 0)
        err = AW_ERR_IO;
    closedir(dir);
    return err;
}

aw_err smdp_key_ring_load(smdp_key_ring *ring, const char *path)
{
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    if (!S_ISDIR(st.st_mode))
        return smdp_key_ring_add_file(ring, 1, path, false);
    uint32_t highest = 0;
    aw_err err = scan_key_directory(path, ring, &highest);
    if (err == AW_OK && highest == 0)
        err = AW_ERR_NOT_FOUND;
    return err;
}

/* Write 32 random bytes to a new file (O_EXCL: never replace a key). */
static aw_err write_new_key(const char *path)
{
    uint8_t key[SMDP_STORAGE_KEY_SIZE];
    aw_err err = crypto_random_bytes(key, sizeof(key));
    if (err != AW_OK)
        return err;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(key, sizeof(key));
        return errno == EEXIST ? AW_ERR_STATE : AW_ERR_IO;
    }
    size_t done = 0;
    while (err == AW_OK && done < sizeof(key)) {
        ssize_t n = write(fd, key + done, sizeof(key) - done);
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

aw_err smdp_key_ring_generate(const char *directory, uint32_t *key_id)
{
    if (key_id != NULL)
        *key_id = 0;
    if (directory == NULL || key_id == NULL)
        return AW_ERR_ARGUMENT;
    uint32_t highest = 0;
    aw_err err = scan_key_directory(directory, NULL, &highest);
    /* another process may take the id first: then try the next one */
    for (unsigned attempt = 0; err == AW_OK && attempt < 8; attempt++, highest++) {
        if (highest >= INT32_MAX)
            return AW_ERR_LIMIT;
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%u%s", directory, highest + 1,
                         SMDP_KEY_FILE_SUFFIX);
        if (n < 0 || (size_t)n >= sizeof(path))
            return AW_ERR_ARGUMENT;
        err = write_new_key(path);
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

aw_err smdp_inventory_check_key_ids(db_connection *db, const smdp_key_ring *ring,
                                    uint32_t *missing_key_id)
{
    if (missing_key_id != NULL)
        *missing_key_id = 0;
    if (db == NULL || ring == NULL || missing_key_id == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db, "SELECT DISTINCT key_id FROM smdp_profiles ORDER BY key_id", NULL,
                          0, &rows);
    while (err == AW_OK && *missing_key_id == 0) {
        int64_t id = 0;
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        err = db_rows_get_int64(rows, 0, &id);
        if (err == AW_OK && (id <= 0 || id > INT32_MAX || find_key(ring, (uint32_t)id) == NULL))
            *missing_key_id = id <= 0 || id > INT32_MAX ? UINT32_MAX : (uint32_t)id;
    }
    db_rows_free(rows);
    if (err == AW_OK && *missing_key_id != 0)
        err = AW_ERR_SMDP_KEY_MISSING;
    return err;
}

aw_err smdp_inventory_count_stale(db_connection *db, const smdp_key_ring *ring, int64_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || ring == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    uint32_t current = smdp_key_ring_current_id(ring);
    if (current == 0)
        return AW_ERR_SMDP_KEY_FILE;
    db_param p[] = {DB_PARAM_INT64(current)};
    return db_query_int64(db, "SELECT COUNT(*) FROM smdp_profiles WHERE key_id <> ?", p, 1,
                          count);
}
