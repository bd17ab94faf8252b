/* airwrite core: SCP03t / BSP segment protection for Bound Profile Packages
 * (SGP.22 2.6.4: AES-128-CBC with counter-derived ICV, AES-CMAC chaining,
 * 8-byte C-MAC; segmentation of SGP.22 v3.0 2.5.3). See scp03t.h. */
#include "core/scp03t.h"

#include "core/crypto_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define AES_BLOCK 16u

void scp03t_init(scp03t_state *state, const uint8_t enc_key[CRYPTO_AES_KEY_SIZE],
                 const uint8_t mac_key[CRYPTO_AES_KEY_SIZE], const uint8_t initial_mcv[16])
{
    memcpy(state->enc_key, enc_key, CRYPTO_AES_KEY_SIZE);
    memcpy(state->mac_key, mac_key, CRYPTO_AES_KEY_SIZE);
    memcpy(state->mac_chaining_value, initial_mcv, sizeof(state->mac_chaining_value));
    state->block_counter = 1;
    state->failed = false;
}

void scp03t_init_session(scp03t_state *state, const crypto_session_keys *keys)
{
    scp03t_init(state, keys->enc, keys->mac, keys->initial_mac_chaining_value);
}

void scp03t_clear(scp03t_state *state)
{
    if (state != NULL)
        OPENSSL_cleanse(state, sizeof(*state));
}

/* One AES-128 pass without padding: ECB when iv is NULL, else CBC. in and
 * out may be the same buffer; len is a multiple of 16. */
static aw_err aes_128(const uint8_t key[CRYPTO_AES_KEY_SIZE], const uint8_t *iv, bool encrypt,
                      const uint8_t *in, uint8_t *out, size_t len)
{
    aw_err err = AW_ERR_CRYPTO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0;
    int n2 = 0;
    if (ctx == NULL)
        return AW_ERR_NOMEM;
    const EVP_CIPHER *cipher =
        iv != NULL ? crypto_algorithm_aes_128_cbc() : crypto_algorithm_aes_128_ecb();
    if (cipher == NULL
        || EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1
        || EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1
        || EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1 || (size_t)(n1 + n2) != len)
        goto cleanup;
    err = AW_OK;
cleanup:
    ERR_clear_error();
    EVP_CIPHER_CTX_free(ctx);
    return err;
}

/* SGP.22 2.6.4: the ICV is the block counter, left-padded with zeros to a
 * full block, encrypted with S-ENC. */
static aw_err make_icv(const scp03t_state *state, uint8_t icv[AES_BLOCK])
{
    uint8_t block[AES_BLOCK] = {0};
    uint32_t c = state->block_counter;
    block[12] = (uint8_t)(c >> 24);
    block[13] = (uint8_t)(c >> 16);
    block[14] = (uint8_t)(c >> 8);
    block[15] = (uint8_t)c;
    return aes_128(state->enc_key, NULL, true, block, icv, AES_BLOCK);
}

/* Full AES-CMAC of chaining value || msg (msg is at most one segment). */
static aw_err compute_cmac(const scp03t_state *state, const uint8_t *msg, size_t len,
                           uint8_t mac[AES_BLOCK])
{
    uint8_t input[sizeof(state->mac_chaining_value) + SCP03T_SEGMENT_MAX];
    if (len > SCP03T_SEGMENT_MAX)
        return AW_ERR_LIMIT;
    memcpy(input, state->mac_chaining_value, sizeof(state->mac_chaining_value));
    memcpy(input + sizeof(state->mac_chaining_value), msg, len);
    aw_err err = crypto_aes_cmac(state->mac_key, input, sizeof(state->mac_chaining_value) + len,
                                 mac);
    OPENSSL_cleanse(input, sizeof(input));
    return err;
}

/* A one-byte, primitive, low tag number: what the BPP uses (86, 87, 88). */
static bool tag_is_valid(uint8_t tag)
{
    return tag != 0 && (tag & 0x20u) == 0 && (tag & 0x1Fu) != 0x1Fu;
}

/* Tag and minimal BER length of a segment whose value is value_len bytes
 * (at most 1016, so at most three length octets). */
static void write_header(uint8_t *out, uint8_t tag, size_t value_len)
{
    out[0] = tag;
    if (value_len < 0x80) {
        out[1] = (uint8_t)value_len;
    } else if (value_len < 0x100) {
        out[1] = 0x81;
        out[2] = (uint8_t)value_len;
    } else {
        out[1] = 0x82;
        out[2] = (uint8_t)(value_len >> 8);
        out[3] = (uint8_t)value_len;
    }
}

aw_err scp03t_protect_segment(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                              const uint8_t *data, size_t len,
                              uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (state == NULL || out == NULL || (data == NULL && len != 0) || !tag_is_valid(tag)
        || (protection != SCP03T_ENCRYPT_AND_MAC && protection != SCP03T_MAC_ONLY))
        return AW_ERR_ARGUMENT;
    if (state->failed)
        return AW_ERR_STATE;
    bool encrypt = protection == SCP03T_ENCRYPT_AND_MAC;
    if (len > (encrypt ? SCP03T_ENCRYPTED_DATA_MAX : SCP03T_MAC_ONLY_DATA_MAX))
        return AW_ERR_LIMIT;
    if (state->block_counter == UINT32_MAX)
        return AW_ERR_LIMIT;

    size_t body_len = encrypt ? (len / AES_BLOCK + 1) * AES_BLOCK : len;
    size_t value_len = body_len + SCP03T_MAC_SIZE;
    size_t header_len = 1 + der_length_size(value_len);
    if (header_len + value_len > out_cap)
        return AW_ERR_BUFFER_TOO_SMALL;

    write_header(out, tag, value_len);
    uint8_t *body = out + header_len;
    if (len != 0)
        memmove(body, data, len);
    aw_err err;
    if (encrypt) {
        /* SGP.22 2.6.4.4: 80, then 00 up to the block boundary. */
        body[len] = 0x80;
        memset(body + len + 1, 0, body_len - len - 1);
        uint8_t icv[AES_BLOCK];
        err = make_icv(state, icv);
        if (err == AW_OK)
            err = aes_128(state->enc_key, icv, true, body, body, body_len);
        if (err != AW_OK) {
            OPENSSL_cleanse(body, body_len);
            return err;
        }
    }
    uint8_t mac[AES_BLOCK];
    err = compute_cmac(state, out, header_len + body_len, mac);
    if (err != AW_OK) {
        OPENSSL_cleanse(out, header_len + body_len);
        return err;
    }
    memcpy(body + body_len, mac, SCP03T_MAC_SIZE);
    memcpy(state->mac_chaining_value, mac, AES_BLOCK);
    state->block_counter++;
    *out_len = header_len + value_len;
    return AW_OK;
}

aw_err scp03t_protect(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                      const uint8_t *data, size_t len, der_builder *out)
{
    if (state == NULL || data == NULL || len == 0 || out == NULL || !tag_is_valid(tag)
        || (protection != SCP03T_ENCRYPT_AND_MAC && protection != SCP03T_MAC_ONLY))
        return AW_ERR_ARGUMENT;
    size_t chunk = protection == SCP03T_ENCRYPT_AND_MAC ? SCP03T_ENCRYPTED_DATA_MAX
                                                         : SCP03T_MAC_ONLY_DATA_MAX;
    uint8_t segment[SCP03T_SEGMENT_MAX];
    aw_err err = AW_OK;
    for (size_t off = 0; off < len && err == AW_OK; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t seg_len = 0;
        err = scp03t_protect_segment(state, tag, protection, data + off, n, segment,
                                     sizeof(segment), &seg_len);
        if (err == AW_OK) {
            der_put_raw(out, segment, seg_len);
            err = out->err;
        }
    }
    OPENSSL_cleanse(segment, sizeof(segment));
    if (err != AW_OK && err != AW_ERR_STATE)
        state->failed = true;
    return err;
}

/* Strict removal of 80 00..00 from the last block: the last non-zero byte
 * must be 80 and lie in the final block. Runs after the MAC has verified,
 * so it is no padding oracle. */
static aw_err unpad(const uint8_t *buf, size_t len, size_t *data_len)
{
    size_t i = len;
    while (i > len - AES_BLOCK && buf[i - 1] == 0x00)
        i--;
    if (i == len - AES_BLOCK || buf[i - 1] != 0x80)
        return AW_ERR_PADDING;
    *data_len = i - 1;
    return AW_OK;
}

/* The checks and work of unprotect_segment; the caller marks the state
 * failed on any error other than a too-small output buffer. */
static aw_err open_segment(scp03t_state *state, uint8_t tag, bool encrypt,
                           const uint8_t *segment, size_t len,
                           uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (len > SCP03T_SEGMENT_MAX)
        return AW_ERR_LIMIT;
    der_node node;
    aw_err err = der_decode_single(segment, len, &node);
    if (err != AW_OK)
        return err;
    if (node.tag != tag || node.constructed)
        return AW_ERR_DER_UNEXPECTED_TAG;
    if (node.value.len < SCP03T_MAC_SIZE)
        return AW_ERR_DER_CONSTRAINT;
    size_t body_len = node.value.len - SCP03T_MAC_SIZE;
    if (encrypt && (body_len == 0 || body_len % AES_BLOCK != 0))
        return AW_ERR_DER_CONSTRAINT;
    if (body_len > out_cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    if (state->block_counter == UINT32_MAX)
        return AW_ERR_LIMIT;

    /* The MAC covers tag, length and data exactly as received. */
    uint8_t mac[AES_BLOCK];
    size_t covered = (size_t)(node.value.ptr - segment) + body_len;
    err = compute_cmac(state, segment, covered, mac);
    if (err != AW_OK)
        return err;
    if (CRYPTO_memcmp(mac, node.value.ptr + body_len, SCP03T_MAC_SIZE) != 0)
        return AW_ERR_MAC;

    size_t data_len = body_len;
    if (encrypt) {
        uint8_t icv[AES_BLOCK];
        err = make_icv(state, icv);
        if (err == AW_OK)
            err = aes_128(state->enc_key, icv, false, node.value.ptr, out, body_len);
        if (err == AW_OK)
            err = unpad(out, body_len, &data_len);
        if (err != AW_OK) {
            OPENSSL_cleanse(out, body_len);
            return err;
        }
    } else if (body_len != 0) {
        memmove(out, node.value.ptr, body_len);
    }
    memcpy(state->mac_chaining_value, mac, AES_BLOCK);
    state->block_counter++;
    *out_len = data_len;
    return AW_OK;
}

aw_err scp03t_unprotect_segment(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                                const uint8_t *segment, size_t len,
                                uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (out_len == NULL)
        return AW_ERR_ARGUMENT;
    *out_len = 0;
    if (state == NULL || segment == NULL || out == NULL || !tag_is_valid(tag)
        || (protection != SCP03T_ENCRYPT_AND_MAC && protection != SCP03T_MAC_ONLY))
        return AW_ERR_ARGUMENT;
    if (state->failed)
        return AW_ERR_STATE;
    aw_err err = open_segment(state, tag, protection == SCP03T_ENCRYPT_AND_MAC, segment, len,
                              out, out_cap, out_len);
    if (err != AW_OK && err != AW_ERR_BUFFER_TOO_SMALL)
        state->failed = true;
    return err;
}

aw_err scp03t_unprotect(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                        const uint8_t *segments, size_t len, der_builder *out)
{
    if (state == NULL || segments == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (state->failed)
        return AW_ERR_STATE;
    der_reader r;
    der_reader_init(&r, segments, len);
    uint8_t data[SCP03T_DATA_MAX];
    aw_err err = len == 0 ? AW_ERR_DER_MISSING : AW_OK;
    while (err == AW_OK && !der_reader_at_end(&r)) {
        der_node node;
        size_t data_len = 0;
        err = der_read_node(&r, &node);
        if (err == AW_OK)
            err = scp03t_unprotect_segment(state, tag, protection, node.raw.ptr, node.raw.len,
                                           data, sizeof(data), &data_len);
        if (err == AW_OK) {
            der_put_raw(out, data, data_len);
            err = out->err;
        }
    }
    OPENSSL_cleanse(data, sizeof(data));
    if (err != AW_OK)
        state->failed = true;
    return err;
}
