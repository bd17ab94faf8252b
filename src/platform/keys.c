/* airwrite platform: storage key ring and AES-256-GCM sealing of app
 * secrets at rest (NIST SP 800-38D), with a key id beside each ciphertext
 * so keys rotate. The secret is encrypted, not hashed: the server needs it
 * back as the HMAC key of the app's request signatures. */
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
#include "platform/platform_internal.h"

struct platform_key_ring {
    size_t count;
    struct {
        uint32_t id;
        uint8_t key[PLATFORM_STORAGE_KEY_SIZE];
    } keys[PLATFORM_KEY_RING_MAX];
};

/* Domain separation: these ciphertexts are app secrets, of this app. */
static const char aad_label[] = "airwrite.platform.app-secret";

aw_err platform_key_ring_new(platform_key_ring **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? AW_ERR_NOMEM : AW_OK;
}

void platform_key_ring_free(platform_key_ring *ring)
{
    if (ring == NULL)
        return;
    OPENSSL_cleanse(ring, sizeof(*ring));
    free(ring);
}

uint32_t platform_key_ring_current_id(const platform_key_ring *ring)
{
    uint32_t best = 0;
    for (size_t i = 0; ring != NULL && i < ring->count; i++)
        if (ring->keys[i].id > best)
            best = ring->keys[i].id;
    return best;
}

static const uint8_t *ring_find(const platform_key_ring *ring, uint32_t id)
{
    for (size_t i = 0; i < ring->count; i++)
        if (ring->keys[i].id == id)
            return ring->keys[i].key;
    return NULL;
}

aw_err platform_key_ring_add(platform_key_ring *ring, uint32_t key_id,
                             const uint8_t key[PLATFORM_STORAGE_KEY_SIZE])
{
    if (ring == NULL || key == NULL)
        return AW_ERR_ARGUMENT;
    if (key_id == 0 || key_id > INT32_MAX || ring_find(ring, key_id) != NULL)
        return AW_ERR_PLATFORM_KEY_FILE;
    if (ring->count == PLATFORM_KEY_RING_MAX)
        return AW_ERR_LIMIT;
    ring->keys[ring->count].id = key_id;
    memcpy(ring->keys[ring->count].key, key, PLATFORM_STORAGE_KEY_SIZE);
    ring->count++;
    return AW_OK;
}

/* Exactly one key from a regular file without group/other access. */
static aw_err read_key_file(const char *path, uint8_t key[PLATFORM_STORAGE_KEY_SIZE])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    aw_err err = AW_ERR_PLATFORM_KEY_FILE;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = AW_ERR_IO;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
        st.st_size != (off_t)PLATFORM_STORAGE_KEY_SIZE)
        goto cleanup;
    size_t got = 0;
    while (got < PLATFORM_STORAGE_KEY_SIZE) {
        ssize_t n = read(fd, key + got, PLATFORM_STORAGE_KEY_SIZE - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n == 0 ? AW_ERR_PLATFORM_KEY_FILE : AW_ERR_IO;
            goto cleanup;
        }
        got += (size_t)n;
    }
    err = AW_OK;

cleanup:
    close(fd);
    if (err != AW_OK)
        OPENSSL_cleanse(key, PLATFORM_STORAGE_KEY_SIZE);
    return err;
}

aw_err platform_key_ring_add_file(platform_key_ring *ring, uint32_t key_id, const char *path,
                                  bool create)
{
    if (ring == NULL || path == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t key[PLATFORM_STORAGE_KEY_SIZE];
    aw_err err = read_key_file(path, key);
    if (err == AW_ERR_NOT_FOUND && create) {
        err = crypto_random_bytes(key, sizeof(key));
        if (err == AW_OK)
            err = aw_file_write_atomic(path, key, sizeof(key), 0600);
        OPENSSL_cleanse(key, sizeof(key));
        /* read back what is on disk: another process may have won the race */
        if (err == AW_OK)
            err = read_key_file(path, key);
    }
    if (err == AW_OK)
        err = platform_key_ring_add(ring, key_id, key);
    OPENSSL_cleanse(key, sizeof(key));
    return err;
}

/* AAD: label, zero byte, appId. */
static bool add_aad(EVP_CIPHER_CTX *ctx, const char *app_id)
{
    int n;
    return EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)aad_label, (int)sizeof(aad_label)) ==
               1 &&
           EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)app_id, (int)strlen(app_id)) == 1;
}

aw_err platform_key_ring_seal(const platform_key_ring *ring, const char *app_id,
                              const char secret[PLATFORM_APP_SECRET_LENGTH + 1],
                              uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE], uint32_t *key_id)
{
    *key_id = platform_key_ring_current_id(ring);
    const uint8_t *key = *key_id == 0 ? NULL : ring_find(ring, *key_id);
    if (key == NULL)
        return AW_ERR_PLATFORM_KEY_FILE;
    aw_err err = crypto_random_bytes(sealed, PLATFORM_GCM_NONCE_SIZE);
    if (err != AW_OK)
        return err;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    uint8_t *cipher = sealed + PLATFORM_GCM_NONCE_SIZE;
    int n = 0, final_len = 0;
    err = AW_ERR_CRYPTO;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) != 1 || !add_aad(ctx, app_id) ||
        EVP_EncryptUpdate(ctx, cipher, &n, (const uint8_t *)secret,
                          (int)PLATFORM_APP_SECRET_LENGTH) != 1 ||
        EVP_EncryptFinal_ex(ctx, cipher + n, &final_len) != 1 ||
        (size_t)(n + final_len) != PLATFORM_APP_SECRET_LENGTH ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)PLATFORM_GCM_TAG_SIZE,
                            cipher + PLATFORM_APP_SECRET_LENGTH) != 1)
        goto cleanup;
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

aw_err platform_key_ring_open(const platform_key_ring *ring, uint32_t key_id, const char *app_id,
                              const uint8_t *sealed, size_t sealed_len,
                              char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    memset(secret, 0, PLATFORM_APP_SECRET_LENGTH + 1);
    const uint8_t *key = ring_find(ring, key_id);
    if (key == NULL || sealed_len != PLATFORM_SEALED_SECRET_SIZE)
        return AW_ERR_PLATFORM_DECRYPT;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    uint8_t tag[PLATFORM_GCM_TAG_SIZE];
    memcpy(tag, sealed + PLATFORM_GCM_NONCE_SIZE + PLATFORM_APP_SECRET_LENGTH, sizeof(tag));
    int n = 0, final_len = 0;
    aw_err err = AW_ERR_PLATFORM_DECRYPT;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) != 1 || !add_aad(ctx, app_id) ||
        EVP_DecryptUpdate(ctx, (uint8_t *)secret, &n, sealed + PLATFORM_GCM_NONCE_SIZE,
                          (int)PLATFORM_APP_SECRET_LENGTH) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)sizeof(tag), tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, (uint8_t *)secret + n, &final_len) != 1 ||
        (size_t)(n + final_len) != PLATFORM_APP_SECRET_LENGTH) {
        OPENSSL_cleanse(secret, PLATFORM_APP_SECRET_LENGTH + 1);
        goto cleanup;
    }
    secret[PLATFORM_APP_SECRET_LENGTH] = '\0';
    err = AW_OK;

cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

aw_err platform_key_argument_parse(const char *argument, size_t position, uint32_t *id,
                                   const char **path)
{
    *id = (uint32_t)position + 1;
    *path = argument;
    size_t digits = strspn(argument, "0123456789");
    if (digits == 0 || argument[digits] != ':')
        return AW_OK;
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(argument, &end, 10);
    if (errno != 0 || end != argument + digits || value == 0 || value > INT32_MAX)
        return AW_ERR_PLATFORM_KEY_FILE;
    *id = (uint32_t)value;
    *path = argument + digits + 1;
    return AW_OK;
}
