/* airwrite eUICC: persistent ISD-R state, its storage keys and its file
 * format (see state.h for the layout). SGP.22 2.2.4 (ISD-P), 3.5
 * (notifications), 5.7.3/5.7.4 (configured addresses).
 *
 * Profile packages are sealed with AES-256-GCM (NIST SP 800-38D, 96-bit
 * random nonces, 128-bit tags) under K-ENC; the whole file carries an
 * HMAC-SHA-256 under K-MAC (RFC 2104), checked before anything in it is
 * used. Decoding is strict: every field typed and bounded, nothing trailing,
 * invariants (unique ICCID/AID/seqNumber, at most one enabled profile)
 * checked; any failure refuses the file. */
#include "euicc/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/file.h"
#include "core/sgp22_field.h"

#define STATE_FILE_NAME "state.der"
#define STORAGE_KEY_FILE_NAME "storage.key"

static const char label_enc[] = "airwrite eUICC state v1: package encryption";
static const char label_mac[] = "airwrite eUICC state v1: file integrity";
static const char label_id[] = "airwrite eUICC state v1: key identifier";

aw_err euicc_state_hmac(const uint8_t key[32], const uint8_t *data, size_t len,
                        uint8_t mac[32])
{
    size_t out_len = 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, data, len, mac, 32, &out_len) ==
            NULL ||
        out_len != 32)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path != NULL)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

/* storage.key: 32 random bytes, private to the eUICC process (0600). */
static aw_err load_storage_key(const char *dir, bool state_exists,
                               uint8_t key[EUICC_STORAGE_KEY_SIZE])
{
    char *path = path_join(dir, STORAGE_KEY_FILE_NAME);
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = AW_OK;
    if (path == NULL)
        return AW_ERR_NOMEM;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || state_exists) {
            /* a state without its key cannot be opened: never make a new key */
            err = errno == ENOENT ? AW_ERR_EUICC_STORAGE_KEY : AW_ERR_IO;
            goto cleanup;
        }
        err = crypto_random_bytes(key, EUICC_STORAGE_KEY_SIZE);
        if (err == AW_OK)
            err = aw_file_write_atomic(path, key, EUICC_STORAGE_KEY_SIZE, 0600);
        goto cleanup;
    }
    if ((st.st_mode & 0077) != 0) {
        err = AW_ERR_EUICC_STORAGE_KEY;
        goto cleanup;
    }
    err = aw_file_read(path, EUICC_STORAGE_KEY_SIZE, &data, &len);
    if (err == AW_ERR_LIMIT || (err == AW_OK && len != EUICC_STORAGE_KEY_SIZE)) {
        err = AW_ERR_EUICC_STORAGE_KEY;
        goto cleanup;
    }
    if (err == AW_OK)
        memcpy(key, data, EUICC_STORAGE_KEY_SIZE);
cleanup:
    if (data != NULL)
        crypto_cleanse(data, len);
    free(data);
    free(path);
    return err;
}

static aw_err derive_keys(euicc_state *state, const uint8_t key[EUICC_STORAGE_KEY_SIZE])
{
    uint8_t id[32];
    aw_err err = euicc_state_hmac(key, (const uint8_t *)label_enc, sizeof(label_enc) - 1,
                                  state->enc_key);
    if (err == AW_OK)
        err = euicc_state_hmac(key, (const uint8_t *)label_mac, sizeof(label_mac) - 1,
                               state->mac_key);
    if (err == AW_OK)
        err = euicc_state_hmac(key, (const uint8_t *)label_id, sizeof(label_id) - 1, id);
    if (err == AW_OK)
        memcpy(state->key_id, id, EUICC_STATE_KEY_ID_SIZE);
    return err;
}

static void profile_clear(euicc_profile *p)
{
    free(p->store_metadata);
    free(p->sealed_package);
    memset(p, 0, sizeof(*p));
}

static void notification_clear(euicc_notification *n)
{
    free(n->pending);
    memset(n, 0, sizeof(*n));
}

void euicc_state_clear(euicc_state *state)
{
    for (size_t i = 0; i < state->profile_count; i++)
        profile_clear(&state->profiles[i]);
    for (size_t i = 0; i < state->notification_count; i++)
        notification_clear(&state->notifications[i]);
    for (size_t i = 0; i < state->eim_count; i++)
        free(state->eims[i].configuration);
    for (size_t i = 0; i < state->package_result_count; i++)
        free(state->package_results[i].result);
    memset(state->eims, 0, sizeof(state->eims));
    memset(state->package_results, 0, sizeof(state->package_results));
    state->eim_count = 0;
    state->package_result_count = 0;
    memset(&state->immediate_enable, 0, sizeof(state->immediate_enable));
    memset(&state->rollback, 0, sizeof(state->rollback));
    state->profile_limit = 0;
    state->profile_count = 0;
    state->notification_count = 0;
    state->next_sequence_number = 1;
    state->isdp_aid_counter = 0;
    state->has_default_dp_address = false;
    state->default_dp_address[0] = '\0';
    memcpy(state->root_ds_address, state->initial_root_ds_address,
           sizeof(state->root_ds_address));
}

void euicc_state_free(euicc_state *state)
{
    if (state == NULL)
        return;
    euicc_state_clear(state);
    free(state->state_path);
    crypto_cleanse(state, sizeof(*state));
    free(state);
}

static aw_err load_file(euicc_state *state)
{
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(state->state_path, EUICC_STATE_FILE_MAX, &data, &len);
    if (err == AW_ERR_LIMIT)
        err = AW_ERR_EUICC_STATE_CORRUPT;
    if (err == AW_OK)
        err = euicc_state_decode(state, data, len);
    free(data);
    return err;
}

aw_err euicc_state_open(const char *dir, const char *root_ds_address, euicc_state **out)
{
    uint8_t key[EUICC_STORAGE_KEY_SIZE];
    euicc_state *state = NULL;
    aw_err err = AW_OK;
    if (out != NULL)
        *out = NULL;
    if (dir == NULL || out == NULL || root_ds_address == NULL ||
        root_ds_address[0] == '\0' || strlen(root_ds_address) > EUICC_ADDRESS_MAX ||
        sgp22_field_check_utf8((aw_slice){(const uint8_t *)root_ds_address,
                                          strlen(root_ds_address)}, 0) != AW_OK)
        return AW_ERR_ARGUMENT;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return AW_ERR_IO;
    state = calloc(1, sizeof(*state));
    if (state == NULL)
        return AW_ERR_NOMEM;
    snprintf(state->initial_root_ds_address, sizeof(state->initial_root_ds_address), "%s",
             root_ds_address);
    euicc_state_clear(state);
    state->state_path = path_join(dir, STATE_FILE_NAME);
    if (state->state_path == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    struct stat st;
    bool exists = stat(state->state_path, &st) == 0;
    err = load_storage_key(dir, exists, key);
    if (err == AW_OK)
        err = derive_keys(state, key);
    if (err == AW_OK && exists)
        err = load_file(state);
cleanup:
    crypto_cleanse(key, sizeof(key));
    if (err != AW_OK) {
        euicc_state_free(state);
        return err;
    }
    *out = state;
    return AW_OK;
}

void euicc_state_remove_temporaries(const char *dir)
{
    static const char state_prefix[] = STATE_FILE_NAME ".tmp.";
    static const char key_prefix[] = STORAGE_KEY_FILE_NAME ".tmp.";
    DIR *d = opendir(dir);
    if (d == NULL)
        return; /* no directory yet: nothing left over */
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, state_prefix, sizeof(state_prefix) - 1) == 0 ||
            strncmp(e->d_name, key_prefix, sizeof(key_prefix) - 1) == 0)
            (void)unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

aw_err euicc_state_commit(euicc_state *state)
{
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = euicc_state_encode(state, &data, &len);
    if (err == AW_OK)
        err = aw_file_write_atomic(state->state_path, data, len, 0600);
    free(data);
    if (err != AW_OK)
        (void)euicc_state_reload(state);
    return err;
}

aw_err euicc_state_reload(euicc_state *state)
{
    struct stat st;
    euicc_state_clear(state);
    if (stat(state->state_path, &st) != 0)
        return AW_OK; /* nothing committed yet: the empty state */
    return load_file(state);
}

int euicc_state_find_iccid(const euicc_state *state, const uint8_t iccid[EUICC_ICCID_SIZE])
{
    for (size_t i = 0; i < state->profile_count; i++)
        if (memcmp(state->profiles[i].iccid, iccid, EUICC_ICCID_SIZE) == 0)
            return (int)i;
    return -1;
}

int euicc_state_find_isdp_aid(const euicc_state *state, const uint8_t *aid, size_t aid_len)
{
    for (size_t i = 0; i < state->profile_count; i++)
        if (state->profiles[i].isdp_aid_len == aid_len &&
            memcmp(state->profiles[i].isdp_aid, aid, aid_len) == 0)
            return (int)i;
    return -1;
}

int euicc_state_find_enabled(const euicc_state *state)
{
    for (size_t i = 0; i < state->profile_count; i++)
        if (state->profiles[i].enabled)
            return (int)i;
    return -1;
}

int euicc_state_find_notification(const euicc_state *state, int64_t seq_number)
{
    for (size_t i = 0; i < state->notification_count; i++)
        if (state->notifications[i].seq_number == seq_number)
            return (int)i;
    return -1;
}

static void package_aad(const euicc_profile *p, uint8_t aad[EUICC_ICCID_SIZE + EUICC_AID_MAX],
                        size_t *aad_len)
{
    memcpy(aad, p->iccid, EUICC_ICCID_SIZE);
    memcpy(aad + EUICC_ICCID_SIZE, p->isdp_aid, p->isdp_aid_len);
    *aad_len = EUICC_ICCID_SIZE + p->isdp_aid_len;
}

/* AES-256-GCM one shot; encrypt: in -> out and tag; decrypt: checks tag. */
static aw_err gcm(bool encrypt, const uint8_t key[32], const uint8_t *nonce, const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
    aw_err err = AW_ERR_CRYPTO;
    int n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    if (len > INT32_MAX || aad_len > INT32_MAX)
        goto cleanup;
    if (EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce, encrypt ? 1 : 0, NULL) != 1)
        goto cleanup;
    if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        goto cleanup;
    if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
        goto cleanup;
    if (!encrypt &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, EUICC_STATE_TAG_SIZE, tag) != 1)
        goto cleanup;
    if (EVP_CipherFinal_ex(ctx, out + (len > 0 ? (size_t)n : 0), &n) != 1) {
        err = encrypt ? AW_ERR_CRYPTO : AW_ERR_EUICC_STATE_CORRUPT;
        goto cleanup;
    }
    if (encrypt &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, EUICC_STATE_TAG_SIZE, tag) != 1)
        goto cleanup;
    err = AW_OK;
cleanup:
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

static uint8_t *copy_bytes(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy != NULL && len > 0)
        memcpy(copy, data, len);
    return copy;
}

aw_err euicc_state_add_profile(euicc_state *state, const uint8_t iccid[EUICC_ICCID_SIZE],
                               const uint8_t *isdp_aid, size_t isdp_aid_len,
                               aw_slice store_metadata, aw_slice package)
{
    if (isdp_aid_len == 0 || isdp_aid_len > EUICC_AID_MAX || package.len > EUICC_PACKAGE_MAX)
        return AW_ERR_ARGUMENT;
    if (state->profile_count >= EUICC_MAX_PROFILES)
        return AW_ERR_LIMIT;
    euicc_profile *p = &state->profiles[state->profile_count];
    memset(p, 0, sizeof(*p));
    memcpy(p->iccid, iccid, EUICC_ICCID_SIZE);
    memcpy(p->isdp_aid, isdp_aid, isdp_aid_len);
    p->isdp_aid_len = isdp_aid_len;
    p->store_metadata = copy_bytes(store_metadata.ptr, store_metadata.len);
    p->store_metadata_len = store_metadata.len;
    p->sealed_package = malloc(package.len > 0 ? package.len : 1);
    p->sealed_package_len = package.len;
    aw_err err = p->store_metadata == NULL || p->sealed_package == NULL ? AW_ERR_NOMEM : AW_OK;
    if (err == AW_OK)
        err = crypto_random_bytes(p->nonce, sizeof(p->nonce));
    if (err == AW_OK) {
        uint8_t aad[EUICC_ICCID_SIZE + EUICC_AID_MAX];
        size_t aad_len;
        package_aad(p, aad, &aad_len);
        err = gcm(true, state->enc_key, p->nonce, aad, aad_len, package.ptr, package.len,
                  p->sealed_package, p->tag);
    }
    if (err != AW_OK) {
        profile_clear(p);
        return err;
    }
    state->profile_count++;
    return AW_OK;
}

void euicc_state_remove_profile(euicc_state *state, size_t index)
{
    if (index >= state->profile_count)
        return;
    profile_clear(&state->profiles[index]);
    memmove(&state->profiles[index], &state->profiles[index + 1],
            (state->profile_count - index - 1) * sizeof(state->profiles[0]));
    state->profile_count--;
    memset(&state->profiles[state->profile_count], 0, sizeof(state->profiles[0]));
}

aw_err euicc_state_open_package(const euicc_state *state, const euicc_profile *profile,
                                uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    uint8_t aad[EUICC_ICCID_SIZE + EUICC_AID_MAX];
    size_t aad_len;
    uint8_t tag[EUICC_STATE_TAG_SIZE];
    uint8_t *plain = malloc(profile->sealed_package_len > 0 ? profile->sealed_package_len : 1);
    if (plain == NULL)
        return AW_ERR_NOMEM;
    package_aad(profile, aad, &aad_len);
    memcpy(tag, profile->tag, sizeof(tag));
    aw_err err = gcm(false, state->enc_key, profile->nonce, aad, aad_len,
                     profile->sealed_package, profile->sealed_package_len, plain, tag);
    if (err != AW_OK) {
        der_bytes_free(plain, profile->sealed_package_len);
        return err;
    }
    *out = plain;
    *len = profile->sealed_package_len;
    return AW_OK;
}

aw_err euicc_state_add_notification(euicc_state *state, int64_t seq_number, uint32_t event,
                                     aw_slice address, const uint8_t *iccid, aw_slice pending)
{
    if (address.len > EUICC_ADDRESS_MAX || pending.len == 0)
        return AW_ERR_ARGUMENT;
    /* a full list drops its oldest entry: a newer result matters more */
    if (state->notification_count >= EUICC_MAX_NOTIFICATIONS)
        euicc_state_remove_notification(state, 0);
    euicc_notification *n = &state->notifications[state->notification_count];
    memset(n, 0, sizeof(*n));
    n->pending = copy_bytes(pending.ptr, pending.len);
    if (n->pending == NULL)
        return AW_ERR_NOMEM;
    n->pending_len = pending.len;
    n->seq_number = seq_number;
    n->event = event;
    if (address.len > 0)
        memcpy(n->address, address.ptr, address.len);
    n->address[address.len] = '\0';
    n->has_iccid = iccid != NULL;
    if (iccid != NULL)
        memcpy(n->iccid, iccid, EUICC_ICCID_SIZE);
    state->notification_count++;
    return AW_OK;
}

void euicc_state_remove_notification(euicc_state *state, size_t index)
{
    if (index >= state->notification_count)
        return;
    notification_clear(&state->notifications[index]);
    memmove(&state->notifications[index], &state->notifications[index + 1],
            (state->notification_count - index - 1) * sizeof(state->notifications[0]));
    state->notification_count--;
    memset(&state->notifications[state->notification_count], 0, sizeof(state->notifications[0]));
}

int64_t euicc_state_take_sequence_number(euicc_state *state)
{
    return state->next_sequence_number++;
}

/* ---- SGP.32 eIM configurations and eUICC Package results --------------- */

aw_err euicc_state_add_eim(euicc_state *state, aw_slice configuration)
{
    if (configuration.len == 0 || configuration.len > EUICC_EIM_CONFIGURATION_MAX)
        return AW_ERR_ARGUMENT;
    if (state->eim_count >= EUICC_MAX_EIMS)
        return AW_ERR_LIMIT;
    euicc_eim *e = &state->eims[state->eim_count];
    e->configuration = copy_bytes(configuration.ptr, configuration.len);
    if (e->configuration == NULL)
        return AW_ERR_NOMEM;
    e->configuration_len = configuration.len;
    state->eim_count++;
    return AW_OK;
}

aw_err euicc_state_replace_eim(euicc_state *state, size_t index, aw_slice configuration)
{
    if (index >= state->eim_count || configuration.len == 0 ||
        configuration.len > EUICC_EIM_CONFIGURATION_MAX)
        return AW_ERR_ARGUMENT;
    uint8_t *copy = copy_bytes(configuration.ptr, configuration.len);
    if (copy == NULL)
        return AW_ERR_NOMEM;
    free(state->eims[index].configuration);
    state->eims[index].configuration = copy;
    state->eims[index].configuration_len = configuration.len;
    return AW_OK;
}

void euicc_state_remove_eim(euicc_state *state, size_t index)
{
    if (index >= state->eim_count)
        return;
    free(state->eims[index].configuration);
    memmove(&state->eims[index], &state->eims[index + 1],
            (state->eim_count - index - 1) * sizeof(state->eims[0]));
    state->eim_count--;
    memset(&state->eims[state->eim_count], 0, sizeof(state->eims[0]));
}

aw_err euicc_state_add_package_result(euicc_state *state, int64_t seq_number, aw_slice result)
{
    if (result.len == 0 || result.len > EUICC_PACKAGE_RESULT_MAX)
        return AW_ERR_ARGUMENT;
    /* as for notifications: a full list drops its oldest entry */
    if (state->package_result_count >= EUICC_MAX_PACKAGE_RESULTS)
        euicc_state_remove_package_result(state, 0);
    euicc_package_result *r = &state->package_results[state->package_result_count];
    r->result = copy_bytes(result.ptr, result.len);
    if (r->result == NULL)
        return AW_ERR_NOMEM;
    r->result_len = result.len;
    r->seq_number = seq_number;
    state->package_result_count++;
    return AW_OK;
}

void euicc_state_remove_package_result(euicc_state *state, size_t index)
{
    if (index >= state->package_result_count)
        return;
    free(state->package_results[index].result);
    memmove(&state->package_results[index], &state->package_results[index + 1],
            (state->package_result_count - index - 1) * sizeof(state->package_results[0]));
    state->package_result_count--;
    memset(&state->package_results[state->package_result_count], 0,
           sizeof(state->package_results[0]));
}

int euicc_state_find_package_result(const euicc_state *state, int64_t seq_number)
{
    for (size_t i = 0; i < state->package_result_count; i++)
        if (state->package_results[i].seq_number == seq_number)
            return (int)i;
    return -1;
}

size_t euicc_state_profile_capacity(const euicc_state *state)
{
    return state->profile_limit != 0 ? state->profile_limit : EUICC_MAX_PROFILES;
}
