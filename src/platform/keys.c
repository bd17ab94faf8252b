/* airwrite platform: the storage key ring (core/key_ring.h) with the
 * platform's error codes, the sealing of app and callback secrets at rest
 * (AES-256-GCM, NIST SP 800-38D, key id beside each ciphertext) and the
 * key rotation of every sealed platform table (core/key_ring_table.h). The
 * secret is encrypted, not hashed: the server needs it back as the HMAC key
 * of the app's request signatures and of the callbacks it signs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "platform/credential_cache.h"
#include "platform/platform_terminal_info.h"

/* Domain separation: these ciphertexts are platform secrets (app secrets
 * and, under the same label since the first release, callback secrets),
 * each bound to its row id. The label's NUL is part of the AAD. */
static const char aad_label[] = "airwrite.platform.app-secret";
#define AAD_MAX (sizeof(aad_label) + 128u)

/* The core ring's errors in the platform's terms. */
static aw_err platform_error(aw_err err)
{
    switch (err) {
    case AW_ERR_KEY_RING_FILE:
    case AW_ERR_KEY_RING_EMPTY:
        return AW_ERR_PLATFORM_KEY_FILE;
    case AW_ERR_KEY_RING_KEY_UNKNOWN:
    case AW_ERR_KEY_RING_AUTHENTICATION:
        return AW_ERR_PLATFORM_DECRYPT;
    default:
        return err;
    }
}

aw_err platform_key_ring_new(platform_key_ring **out)
{
    return key_ring_new(out);
}

void platform_key_ring_free(platform_key_ring *ring)
{
    key_ring_free(ring);
}

uint32_t platform_key_ring_current_id(const platform_key_ring *ring)
{
    return key_ring_current_id(ring);
}

aw_err platform_key_ring_add(platform_key_ring *ring, uint32_t key_id,
                             const uint8_t key[PLATFORM_STORAGE_KEY_SIZE])
{
    return platform_error(key_ring_add(ring, key_id, key));
}

aw_err platform_key_ring_add_file(platform_key_ring *ring, uint32_t key_id, const char *path,
                                  bool create)
{
    return platform_error(key_ring_add_file(ring, key_id, path, create));
}

aw_err platform_key_ring_load(platform_key_ring *ring, const char *path)
{
    return platform_error(key_ring_load(ring, path));
}

/* AAD: label, zero byte, row id (appId or callback id). */
static aw_err secret_aad(const char *row_id, size_t column, uint8_t *ad, size_t cap,
                         size_t *ad_len)
{
    (void)column;
    size_t id_len = strlen(row_id);
    *ad_len = 0;
    if (cap < sizeof(aad_label) + id_len)
        return AW_ERR_ARGUMENT;
    memcpy(ad, aad_label, sizeof(aad_label));
    memcpy(ad + sizeof(aad_label), row_id, id_len);
    *ad_len = sizeof(aad_label) + id_len;
    return AW_OK;
}

aw_err platform_key_ring_seal(const platform_key_ring *ring, const char *app_id,
                              const char secret[PLATFORM_APP_SECRET_LENGTH + 1],
                              uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE], uint32_t *key_id)
{
    uint8_t ad[AAD_MAX];
    size_t ad_len = 0, sealed_len = 0;
    *key_id = 0;
    aw_err err = secret_aad(app_id, 0, ad, sizeof(ad), &ad_len);
    if (err == AW_OK)
        err = key_ring_seal(ring, ad, ad_len, (const uint8_t *)secret, PLATFORM_APP_SECRET_LENGTH,
                            sealed, PLATFORM_SEALED_SECRET_SIZE, &sealed_len, key_id);
    return platform_error(err);
}

aw_err platform_key_ring_open(const platform_key_ring *ring, uint32_t key_id, const char *app_id,
                              const uint8_t *sealed, size_t sealed_len,
                              char secret[PLATFORM_APP_SECRET_LENGTH + 1])
{
    memset(secret, 0, PLATFORM_APP_SECRET_LENGTH + 1);
    uint8_t ad[AAD_MAX];
    size_t ad_len = 0, len = 0;
    if (sealed_len != PLATFORM_SEALED_SECRET_SIZE)
        return AW_ERR_PLATFORM_DECRYPT;
    aw_err err = secret_aad(app_id, 0, ad, sizeof(ad), &ad_len);
    if (err == AW_OK)
        err = key_ring_open(ring, key_id, ad, ad_len, sealed, sealed_len, (uint8_t *)secret,
                            PLATFORM_APP_SECRET_LENGTH, &len);
    if (err != AW_OK)
        OPENSSL_cleanse(secret, PLATFORM_APP_SECRET_LENGTH + 1);
    return platform_error(err);
}

/* ---- Key rotation ---------------------------------------------------------- */

static const key_ring_table sealed_tables[] = {
    {.table = "platform_apps", .id_column = "app_id", .key_id_column = "key_id",
     .columns = {"secret_encrypted"}, .column_count = 1, .updated_column = "updated_at",
     .plain_max = PLATFORM_APP_SECRET_LENGTH, .aad = secret_aad},
    {.table = "platform_callbacks", .id_column = "callback_id", .key_id_column = "key_id",
     .columns = {"secret_encrypted"}, .column_count = 1, .updated_column = NULL,
     .plain_max = PLATFORM_CALLBACK_SECRET_LENGTH, .aad = secret_aad},
    /* the devices' encrypted terminal information (terminal_info_store.c) */
    {.table = "platform_terminal_info", .id_column = "row_key", .key_id_column = "key_id",
     .columns = {"sealed"}, .column_count = 1, .updated_column = NULL,
     .plain_max = TERMINAL_INFO_RECORD_MAX, .aad = platform_terminal_info_sealing_ad},
};

const key_ring_table *platform_sealed_tables(size_t *count)
{
    if (count != NULL)
        *count = sizeof(sealed_tables) / sizeof(sealed_tables[0]);
    return sealed_tables;
}

aw_err platform_app_reseal(db_connection *db, const platform_key_ring *ring, int64_t now_ms,
                           int64_t *resealed)
{
    if (resealed != NULL)
        *resealed = 0;
    if (db == NULL || ring == NULL)
        return AW_ERR_ARGUMENT;
    key_ring_rotation stats = {0};
    aw_err err = key_ring_table_rotate(db, ring, &sealed_tables[0], KEY_RING_TABLE_CHUNK_DEFAULT,
                                       0, now_ms, NULL, NULL, &stats);
    platform_credential_cache_changed(); /* the apps' sealed secrets */
    if (resealed != NULL)
        *resealed = stats.rotated;
    return platform_error(err);
}

aw_err platform_keys_rotate(db_connection *db, const platform_key_ring *ring, size_t chunk,
                            size_t max_chunks, int64_t now_ms, key_ring_progress_fn progress,
                            void *progress_arg, key_ring_rotation *stats)
{
    if (db == NULL || ring == NULL || stats == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < sizeof(sealed_tables) / sizeof(sealed_tables[0]); i++) {
        /* max_chunks bounds the whole run, not each table */
        int64_t before = stats->chunks;
        err = key_ring_table_rotate(db, ring, &sealed_tables[i], chunk, max_chunks, now_ms,
                                    progress, progress_arg, stats);
        if (max_chunks != 0) {
            size_t used = (size_t)(stats->chunks - before);
            if (used >= max_chunks)
                break;
            max_chunks -= used;
        }
    }
    platform_credential_cache_changed(); /* the apps' sealed secrets */
    return platform_error(err);
}

aw_err platform_keys_count_stale(db_connection *db, const platform_key_ring *ring,
                                 int64_t *count)
{
    if (count != NULL)
        *count = 0;
    if (count == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < sizeof(sealed_tables) / sizeof(sealed_tables[0]); i++) {
        int64_t n = 0;
        err = key_ring_table_count_stale(db, ring, &sealed_tables[i], &n);
        *count += n;
    }
    if (err != AW_OK)
        *count = 0;
    return platform_error(err);
}

aw_err platform_keys_check_ids(db_connection *db, const platform_key_ring *ring,
                               uint32_t *missing_key_id)
{
    aw_err err = AW_OK;
    for (size_t i = 0; err == AW_OK && i < sizeof(sealed_tables) / sizeof(sealed_tables[0]); i++)
        err = key_ring_table_check_ids(db, ring, &sealed_tables[i], missing_key_id);
    return platform_error(err);
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
