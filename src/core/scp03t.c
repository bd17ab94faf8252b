/* airwrite core: SCP03t / BSP segment protection for Bound Profile Packages
 * (SGP.22 2.6.4: AES-128-CBC with counter-derived ICV, AES-CMAC chaining,
 * 8-byte C-MAC; segmentation of SGP.22 v3.0 2.5.3). See scp03t.h. */
#include "core/scp03t.h"

#include "core/crypto_internal.h"

#include <string.h>

#include <openssl/core_names.h>
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

/* The OpenSSL contexts of one protect or unprotect call, keyed once with
 * the state's keys and reused for every segment of the call: ECB for the
 * ICV, CBC whose IV alone changes per segment, and AES-CMAC restarted per
 * segment with its key kept. A context per block cost a key schedule and
 * (for CMAC) a cipher fetch by name each time (bench/bench_crypto). */
typedef struct scp03t_engine {
    EVP_CIPHER_CTX *icv; /* AES-128-ECB encryption with S-ENC */
    EVP_CIPHER_CTX *cbc; /* AES-128-CBC with S-ENC, one direction */
    EVP_MAC_CTX *cmac;   /* AES-CMAC with S-MAC */
} scp03t_engine;

static void engine_close(scp03t_engine *e)
{
    EVP_CIPHER_CTX_free(e->icv); /* frees erase the key schedules */
    EVP_CIPHER_CTX_free(e->cbc);
    EVP_MAC_CTX_free(e->cmac);
    memset(e, 0, sizeof(*e));
    ERR_clear_error();
}

static aw_err engine_open(scp03t_engine *e, const scp03t_state *state, bool encrypt)
{
    static const uint8_t zero_iv[AES_BLOCK] = {0};
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC *cmac = crypto_algorithm_cmac();
    const EVP_CIPHER *ecb = crypto_algorithm_aes_128_ecb();
    const EVP_CIPHER *cbc = crypto_algorithm_aes_128_cbc();
    e->icv = EVP_CIPHER_CTX_new();
    e->cbc = EVP_CIPHER_CTX_new();
    e->cmac = cmac != NULL ? EVP_MAC_CTX_new(cmac) : NULL;
    if (e->icv == NULL || e->cbc == NULL || e->cmac == NULL || ecb == NULL || cbc == NULL
        || EVP_CipherInit_ex2(e->icv, ecb, state->enc_key, NULL, 1, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(e->icv, 0) != 1
        || EVP_CipherInit_ex2(e->cbc, cbc, state->enc_key, zero_iv, encrypt ? 1 : 0, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(e->cbc, 0) != 1
        || EVP_MAC_init(e->cmac, state->mac_key, CRYPTO_AES_KEY_SIZE, params) != 1) {
        engine_close(e);
        return AW_ERR_CRYPTO;
    }
    return AW_OK;
}

/* AES-128-CBC over len bytes (a multiple of 16) with the given ICV, in the
 * engine's direction; in and out may be the same buffer. */
static aw_err engine_cbc(scp03t_engine *e, const uint8_t icv[AES_BLOCK], const uint8_t *in,
                         uint8_t *out, size_t len)
{
    int n1 = 0;
    int n2 = 0;
    if (EVP_CipherInit_ex2(e->cbc, NULL, NULL, icv, -1, NULL) != 1
        || EVP_CipherUpdate(e->cbc, out, &n1, in, (int)len) != 1
        || EVP_CipherFinal_ex(e->cbc, out + n1, &n2) != 1 || (size_t)(n1 + n2) != len)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

/* SGP.22 2.6.4: the ICV is the block counter, left-padded with zeros to a
 * full block, encrypted with S-ENC. */
static aw_err make_icv(scp03t_engine *e, const scp03t_state *state, uint8_t icv[AES_BLOCK])
{
    uint8_t block[AES_BLOCK] = {0};
    uint32_t c = state->block_counter;
    int n = 0;
    block[12] = (uint8_t)(c >> 24);
    block[13] = (uint8_t)(c >> 16);
    block[14] = (uint8_t)(c >> 8);
    block[15] = (uint8_t)c;
    if (EVP_CipherUpdate(e->icv, icv, &n, block, AES_BLOCK) != 1 || n != AES_BLOCK)
        return AW_ERR_CRYPTO;
    return AW_OK;
}

/* Full AES-CMAC of chaining value || msg (msg is at most one segment). */
static aw_err compute_cmac(scp03t_engine *e, const scp03t_state *state, const uint8_t *msg,
                           size_t len, uint8_t mac[AES_BLOCK])
{
    size_t out_len = 0;
    if (len > SCP03T_SEGMENT_MAX)
        return AW_ERR_LIMIT;
    /* a NULL key restarts the MAC with the key it has */
    if (EVP_MAC_init(e->cmac, NULL, 0, NULL) != 1
        || EVP_MAC_update(e->cmac, state->mac_chaining_value,
                          sizeof(state->mac_chaining_value)) != 1
        || EVP_MAC_update(e->cmac, msg, len) != 1
        || EVP_MAC_final(e->cmac, mac, &out_len, AES_BLOCK) != 1 || out_len != AES_BLOCK)
        return AW_ERR_CRYPTO;
    return AW_OK;
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

/* scp03t_protect_segment's work once the arguments are checked. */
static aw_err protect_one(scp03t_engine *e, scp03t_state *state, uint8_t tag, bool encrypt,
                          const uint8_t *data, size_t len, uint8_t *out, size_t out_cap,
                          size_t *out_len)
{
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
        err = make_icv(e, state, icv);
        if (err == AW_OK)
            err = engine_cbc(e, icv, body, body, body_len);
        if (err != AW_OK) {
            OPENSSL_cleanse(body, body_len);
            return err;
        }
    }
    uint8_t mac[AES_BLOCK];
    err = compute_cmac(e, state, out, header_len + body_len, mac);
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
    scp03t_engine e = {NULL, NULL, NULL};
    aw_err err = engine_open(&e, state, true);
    if (err == AW_OK)
        err = protect_one(&e, state, tag, encrypt, data, len, out, out_cap, out_len);
    engine_close(&e);
    return err;
}

aw_err scp03t_protect(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                      const uint8_t *data, size_t len, der_builder *out)
{
    if (state == NULL || data == NULL || len == 0 || out == NULL || !tag_is_valid(tag)
        || (protection != SCP03T_ENCRYPT_AND_MAC && protection != SCP03T_MAC_ONLY))
        return AW_ERR_ARGUMENT;
    if (state->failed)
        return AW_ERR_STATE;
    bool encrypt = protection == SCP03T_ENCRYPT_AND_MAC;
    size_t chunk = encrypt ? SCP03T_ENCRYPTED_DATA_MAX : SCP03T_MAC_ONLY_DATA_MAX;
    uint8_t segment[SCP03T_SEGMENT_MAX];
    scp03t_engine e = {NULL, NULL, NULL};
    aw_err err = engine_open(&e, state, true);
    for (size_t off = 0; off < len && err == AW_OK; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t seg_len = 0;
        err = protect_one(&e, state, tag, encrypt, data + off, n, segment, sizeof(segment),
                          &seg_len);
        if (err == AW_OK) {
            der_put_raw(out, segment, seg_len);
            err = out->err;
        }
    }
    engine_close(&e);
    OPENSSL_cleanse(segment, sizeof(segment));
    if (err != AW_OK)
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
static aw_err open_segment(scp03t_engine *e, scp03t_state *state, uint8_t tag, bool encrypt,
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
    err = compute_cmac(e, state, segment, covered, mac);
    if (err != AW_OK)
        return err;
    if (CRYPTO_memcmp(mac, node.value.ptr + body_len, SCP03T_MAC_SIZE) != 0)
        return AW_ERR_MAC;

    size_t data_len = body_len;
    if (encrypt) {
        uint8_t icv[AES_BLOCK];
        err = make_icv(e, state, icv);
        if (err == AW_OK)
            err = engine_cbc(e, icv, node.value.ptr, out, body_len);
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
    scp03t_engine e = {NULL, NULL, NULL};
    aw_err err = engine_open(&e, state, false);
    if (err == AW_OK)
        err = open_segment(&e, state, tag, protection == SCP03T_ENCRYPT_AND_MAC, segment, len,
                           out, out_cap, out_len);
    engine_close(&e);
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
    scp03t_engine e = {NULL, NULL, NULL};
    aw_err err = AW_OK;
    if (len == 0)
        err = AW_ERR_DER_MISSING;
    else if (!tag_is_valid(tag)
             || (protection != SCP03T_ENCRYPT_AND_MAC && protection != SCP03T_MAC_ONLY))
        err = AW_ERR_ARGUMENT;
    else
        err = engine_open(&e, state, false);
    while (err == AW_OK && !der_reader_at_end(&r)) {
        der_node node;
        size_t data_len = 0;
        err = der_read_node(&r, &node);
        if (err == AW_OK)
            err = open_segment(&e, state, tag, protection == SCP03T_ENCRYPT_AND_MAC,
                               node.raw.ptr, node.raw.len, data, sizeof(data), &data_len);
        if (err == AW_OK) {
            der_put_raw(out, data, data_len);
            err = out->err;
        }
    }
    engine_close(&e);
    OPENSSL_cleanse(data, sizeof(data));
    if (err != AW_OK)
        state->failed = true;
    return err;
}
