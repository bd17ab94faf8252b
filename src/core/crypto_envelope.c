/* airwrite core: sealed envelopes (format and clauses: crypto_envelope.h):
 * a clear header, the payload encrypted to the recipient's public key
 * (ECIES on P-256 per SEC 1 v2 5.1, or SM2 per GB/T 32918.4-2016), and the
 * sender's signature (FIPS 186-4 ECDSA or GB/T 32918.2 SM2) over both. */
#include "core/crypto_envelope_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define LENGTH_OFFSET CRYPTO_ENVELOPE_HEADER_SIZE
#define CIPHERTEXT_OFFSET (CRYPTO_ENVELOPE_HEADER_SIZE + 4u)

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_header(const crypto_envelope_header *h, uint8_t out[CRYPTO_ENVELOPE_HEADER_SIZE])
{
    out[0] = CRYPTO_ENVELOPE_VERSION;
    out[1] = (uint8_t)h->suite;
    out[2] = h->content_type;
    put_u32(out + 3, h->key_id);
    memcpy(out + 7, h->eid, CRYPTO_ENVELOPE_EID_SIZE);
    uint64_t t = (uint64_t)h->time;
    put_u32(out + 23, (uint32_t)(t >> 32));
    put_u32(out + 27, (uint32_t)t);
    memcpy(out + 31, h->id, CRYPTO_ENVELOPE_ID_SIZE);
}

/* Ciphertext length of a payload of len bytes under suite. */
static size_t ciphertext_size(crypto_suite suite, size_t len)
{
    return suite == CRYPTO_SUITE_DOMESTIC
               ? CRYPTO_ENVELOPE_SM2_OVERHEAD + CRYPTO_ENVELOPE_HEADER_SIZE + len
               : CRYPTO_ENVELOPE_ECIES_OVERHEAD + len;
}

aw_err crypto_envelope_seal(const crypto_envelope_key *recipient, uint32_t key_id,
                            const crypto_suite_key *signer, const crypto_envelope_header *header,
                            const uint8_t *payload, size_t len, uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (recipient == NULL || signer == NULL || header == NULL || payload == NULL || out == NULL ||
        out_len == NULL || len == 0 || len > CRYPTO_ENVELOPE_PAYLOAD_MAX)
        return AW_ERR_ARGUMENT;
    if (!crypto_suite_key_is_private(signer))
        return AW_ERR_SUITE_KEY;
    crypto_envelope_header h = *header;
    h.suite = recipient->suite;
    h.key_id = key_id;
    if (RAND_bytes(h.id, CRYPTO_ENVELOPE_ID_SIZE) != 1)
        return AW_ERR_CRYPTO;
    size_t n = ciphertext_size(h.suite, len);
    size_t cap = CIPHERTEXT_OFFSET + n + 1u + CRYPTO_SUITE_SIGNATURE_MAX;
    uint8_t *buf = malloc(cap), *message = NULL;
    if (buf == NULL)
        return AW_ERR_NOMEM;
    write_header(&h, buf);
    put_u32(buf + LENGTH_OFFSET, (uint32_t)n);
    size_t written = 0, signature_len = 0;
    aw_err err;
    if (h.suite == CRYPTO_SUITE_DOMESTIC) {
        /* no associated data in SM2: the header travels inside too */
        message = malloc(CRYPTO_ENVELOPE_HEADER_SIZE + len);
        err = message != NULL ? AW_OK : AW_ERR_NOMEM;
        if (err == AW_OK) {
            memcpy(message, buf, CRYPTO_ENVELOPE_HEADER_SIZE);
            memcpy(message + CRYPTO_ENVELOPE_HEADER_SIZE, payload, len);
            err = crypto_envelope_sm2_encrypt(recipient, message, CRYPTO_ENVELOPE_HEADER_SIZE + len,
                                              buf + CIPHERTEXT_OFFSET, n, &written);
        }
    } else {
        err = crypto_envelope_ecies_encrypt(recipient, buf, CRYPTO_ENVELOPE_HEADER_SIZE, payload,
                                            len, buf + CIPHERTEXT_OFFSET, n, &written);
    }
    if (err == AW_OK && written != n)
        err = AW_ERR_CRYPTO;
    if (err == AW_OK)
        err = crypto_suite_sign(signer, buf, CIPHERTEXT_OFFSET + n,
                                buf + CIPHERTEXT_OFFSET + n + 1u, CRYPTO_SUITE_SIGNATURE_MAX,
                                &signature_len);
    if (err == AW_OK) {
        buf[CIPHERTEXT_OFFSET + n] = (uint8_t)signature_len;
        *out = buf;
        *out_len = CIPHERTEXT_OFFSET + n + 1u + signature_len;
        buf = NULL;
    }
    if (message != NULL)
        OPENSSL_cleanse(message, CRYPTO_ENVELOPE_HEADER_SIZE + len);
    free(message);
    free(buf);
    return err;
}

aw_err crypto_envelope_parse(const uint8_t *in, size_t len, crypto_envelope_view *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (in == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    if (len < CIPHERTEXT_OFFSET || len > CRYPTO_ENVELOPE_MAX ||
        in[0] != CRYPTO_ENVELOPE_VERSION ||
        (in[1] != CRYPTO_SUITE_INTERNATIONAL && in[1] != CRYPTO_SUITE_DOMESTIC) ||
        in[2] != CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO)
        return AW_ERR_ENVELOPE_FORMAT;
    crypto_suite suite = (crypto_suite)in[1];
    size_t n = get_u32(in + LENGTH_OFFSET);
    /* the payload (1..max bytes) the length implies */
    size_t least = ciphertext_size(suite, 1), most = ciphertext_size(suite, CRYPTO_ENVELOPE_PAYLOAD_MAX);
    if (n < least || n > most || len - CIPHERTEXT_OFFSET < n + 1u)
        return AW_ERR_ENVELOPE_FORMAT;
    size_t signature_len = in[CIPHERTEXT_OFFSET + n];
    if (signature_len < CRYPTO_ENVELOPE_SIGNATURE_MIN ||
        signature_len > CRYPTO_SUITE_SIGNATURE_MAX ||
        len - CIPHERTEXT_OFFSET - n - 1u != signature_len)
        return AW_ERR_ENVELOPE_FORMAT;
    crypto_envelope_header *h = &out->header;
    h->suite = suite;
    h->content_type = in[2];
    h->key_id = get_u32(in + 3);
    memcpy(h->eid, in + 7, CRYPTO_ENVELOPE_EID_SIZE);
    h->time = (int64_t)((uint64_t)get_u32(in + 23) << 32 | get_u32(in + 27));
    memcpy(h->id, in + 31, CRYPTO_ENVELOPE_ID_SIZE);
    out->ciphertext = in + CIPHERTEXT_OFFSET;
    out->ciphertext_len = n;
    out->signed_part = in;
    out->signed_len = CIPHERTEXT_OFFSET + n;
    out->signature = in + CIPHERTEXT_OFFSET + n + 1u;
    out->signature_len = signature_len;
    return AW_OK;
}

aw_err crypto_envelope_open(const crypto_envelope_key *recipient, uint32_t key_id,
                            const crypto_suite_key *signer, const uint8_t *in, size_t len,
                            crypto_envelope_header *header, uint8_t **payload,
                            size_t *payload_len)
{
    if (payload != NULL)
        *payload = NULL;
    if (payload_len != NULL)
        *payload_len = 0;
    if (header != NULL)
        memset(header, 0, sizeof(*header));
    if (recipient == NULL || signer == NULL || header == NULL || payload == NULL ||
        payload_len == NULL)
        return AW_ERR_ARGUMENT;
    crypto_envelope_view view;
    aw_err err = crypto_envelope_parse(in, len, &view);
    if (err != AW_OK)
        return err;
    err = crypto_suite_verify(signer, view.signed_part, view.signed_len, view.signature,
                              view.signature_len);
    if (err == AW_ERR_SIGNATURE || err == AW_ERR_SIGNATURE_FORMAT)
        return AW_ERR_ENVELOPE_SIGNATURE;
    if (err != AW_OK)
        return err;
    if (view.header.key_id != key_id || view.header.suite != recipient->suite)
        return AW_ERR_ENVELOPE_KEY;
    uint8_t *plain = malloc(view.ciphertext_len);
    size_t plain_len = 0;
    if (plain == NULL)
        return AW_ERR_NOMEM;
    if (view.header.suite == CRYPTO_SUITE_DOMESTIC) {
        err = crypto_envelope_sm2_decrypt(recipient, view.ciphertext, view.ciphertext_len, plain,
                                          view.ciphertext_len, &plain_len);
        /* the copy of the header inside must be the header outside */
        if (err == AW_OK && (plain_len <= CRYPTO_ENVELOPE_HEADER_SIZE ||
                             CRYPTO_memcmp(plain, in, CRYPTO_ENVELOPE_HEADER_SIZE) != 0))
            err = AW_ERR_ENVELOPE_DECRYPT;
        if (err == AW_OK) {
            plain_len -= CRYPTO_ENVELOPE_HEADER_SIZE;
            memmove(plain, plain + CRYPTO_ENVELOPE_HEADER_SIZE, plain_len);
            OPENSSL_cleanse(plain + plain_len, CRYPTO_ENVELOPE_HEADER_SIZE);
        }
    } else {
        err = crypto_envelope_ecies_decrypt(recipient, in, CRYPTO_ENVELOPE_HEADER_SIZE,
                                            view.ciphertext, view.ciphertext_len, plain,
                                            view.ciphertext_len, &plain_len);
    }
    if (err != AW_OK) {
        crypto_envelope_payload_free(plain, view.ciphertext_len);
        return err;
    }
    *header = view.header;
    *payload = plain;
    *payload_len = plain_len;
    return AW_OK;
}

void crypto_envelope_payload_free(uint8_t *payload, size_t len)
{
    if (payload == NULL)
        return;
    OPENSSL_cleanse(payload, len);
    free(payload);
}
