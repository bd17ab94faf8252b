/* airwrite SM-DP+: storage key ring and AES-256-GCM sealing of the Ki/OPc
 * kept in the profile inventory (encryption at rest, NIST SP 800-38D), with
 * key ids so keys rotate without re-encrypting at once. See inventory.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/file.h"
#include "smdp/inventory_internal.h"

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
