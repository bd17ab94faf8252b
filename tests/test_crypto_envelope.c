/* Tests of sealed envelopes (src/core/crypto_envelope*.c): SM2 encryption
 * (GB/T 32918.4) and ECIES on P-256 round trips, the GM/T 0009 DER
 * conversion, the envelope format and every error path. The independent
 * cross-checks are in test_crypto_envelope_crosscheck.c. */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/crypto_envelope.h"
#include "core/crypto_envelope_internal.h"

static const uint8_t test_eid[CRYPTO_ENVELOPE_EID_SIZE] = {
    0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34};
static const uint8_t payload[] = "{\"imei\":\"356938035643809\",\"signal\":{\"rssi\":20}}";

static crypto_envelope_key *generate(crypto_suite suite)
{
    crypto_envelope_key *k = NULL;
    assert_int_equal(crypto_envelope_key_generate(suite, &k), AW_OK);
    return k;
}

static crypto_envelope_key *public_of(const crypto_envelope_key *k)
{
    uint8_t point[CRYPTO_ENVELOPE_POINT_SIZE];
    crypto_envelope_key *pub = NULL;
    assert_int_equal(crypto_envelope_key_export_point(k, point), AW_OK);
    assert_int_equal(crypto_envelope_key_from_point(crypto_envelope_key_suite(k), point,
                                                    sizeof(point), &pub),
                     AW_OK);
    assert_false(crypto_envelope_key_is_private(pub));
    return pub;
}

static void test_sm2_round_trip(void **state)
{
    (void)state;
    crypto_envelope_key *k = generate(CRYPTO_SUITE_DOMESTIC), *pub = public_of(k);
    uint8_t c[512], m[512];
    size_t c_len = 0, m_len = 0;
    /* lengths around the KDF's 32-byte blocks */
    static const size_t lengths[] = {1, 31, 32, 33, 64, 65, 200};
    uint8_t message[200];
    for (size_t i = 0; i < sizeof(message); i++)
        message[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        assert_int_equal(crypto_envelope_sm2_encrypt(pub, message, lengths[i], c, sizeof(c),
                                                     &c_len),
                         AW_OK);
        assert_int_equal(crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(m), &m_len), AW_OK);
        assert_int_equal(m_len, lengths[i]);
        assert_memory_equal(m, message, m_len);
    }
    assert_int_equal(crypto_envelope_sm2_encrypt(pub, payload, 0, c, sizeof(c), &c_len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_envelope_sm2_encrypt(pub, payload, sizeof(payload), c, sizeof(c),
                                                 &c_len),
                     AW_OK);
    assert_int_equal(c_len, sizeof(payload) + CRYPTO_ENVELOPE_SM2_OVERHEAD);
    assert_int_equal(c[0], 0x04);
    assert_int_equal(crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(m), &m_len), AW_OK);
    assert_int_equal(m_len, sizeof(payload));
    assert_memory_equal(m, payload, sizeof(payload));
    /* the other order's C1 || C2 || C3 or any flipped byte fails C3 or C1 */
    for (size_t at = 1; at < c_len; at += 17) {
        c[at] ^= 0x01;
        aw_err err = crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(m), &m_len);
        assert_int_equal(err, AW_ERR_ENVELOPE_DECRYPT);
        assert_int_equal(m_len, 0);
        c[at] ^= 0x01;
    }
    /* errors */
    assert_int_equal(crypto_envelope_sm2_decrypt(pub, c, c_len, m, sizeof(m), &m_len),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_envelope_sm2_decrypt(k, c, CRYPTO_ENVELOPE_SM2_OVERHEAD, m, sizeof(m),
                                                 &m_len),
                     AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(payload) - 1, &m_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    size_t unused = 1;
    assert_int_equal(crypto_envelope_sm2_encrypt(pub, payload, sizeof(payload), c,
                                                 sizeof(payload) + 10, &unused),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(unused, 0);
    c[0] = 0x02;
    assert_int_equal(crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(m), &m_len),
                     AW_ERR_ENVELOPE_FORMAT);
    /* another key: C3 fails */
    crypto_envelope_key *other = generate(CRYPTO_SUITE_DOMESTIC);
    c[0] = 0x04;
    assert_int_equal(crypto_envelope_sm2_decrypt(other, c, c_len, m, sizeof(m), &m_len),
                     AW_ERR_ENVELOPE_DECRYPT);
    crypto_envelope_key *p256 = generate(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(crypto_envelope_sm2_encrypt(p256, payload, sizeof(payload), c, sizeof(c),
                                                 &c_len),
                     AW_ERR_SUITE_MISMATCH);
    assert_int_equal(crypto_envelope_sm2_decrypt(p256, c, c_len, m, sizeof(m), &m_len),
                     AW_ERR_SUITE_MISMATCH);
    crypto_envelope_key_free(p256);
    crypto_envelope_key_free(other);
    crypto_envelope_key_free(pub);
    crypto_envelope_key_free(k);
}

static void test_sm2_der(void **state)
{
    (void)state;
    crypto_envelope_key *k = generate(CRYPTO_SUITE_DOMESTIC);
    uint8_t c[256], back[256];
    size_t c_len = 0, back_len = 0, der_len = 0;
    uint8_t *der = NULL;
    assert_int_equal(crypto_envelope_sm2_encrypt(k, payload, 20, c, sizeof(c), &c_len), AW_OK);
    assert_int_equal(crypto_envelope_sm2_to_der(c, c_len, &der, &der_len), AW_OK);
    assert_int_equal(der[0], 0x30);
    assert_int_equal(crypto_envelope_sm2_from_der(der, der_len, back, sizeof(back), &back_len),
                     AW_OK);
    assert_int_equal(back_len, c_len);
    assert_memory_equal(back, c, c_len);
    /* OpenSSL decrypts the DER form directly: the conversion is its format */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    size_t got = sizeof(back);
    assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
    assert_int_equal(EVP_PKEY_decrypt(ctx, back, &got, der, der_len), 1);
    assert_int_equal(got, 20);
    assert_memory_equal(back, payload, 20);
    EVP_PKEY_CTX_free(ctx);
    /* malformed DER: trailing byte, truncated, wrong HASH length, too small */
    uint8_t bad[300];
    memcpy(bad, der, der_len);
    bad[der_len] = 0;
    assert_int_equal(crypto_envelope_sm2_from_der(bad, der_len + 1, back, sizeof(back), &back_len),
                     AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_sm2_from_der(der, der_len - 1, back, sizeof(back), &back_len),
                     AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_sm2_from_der(der, der_len, back, 10, &back_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    static const uint8_t short_hash[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01,
                                         0x04, 0x01, 0xaa, 0x04, 0x01, 0xbb};
    assert_int_equal(crypto_envelope_sm2_from_der(short_hash, sizeof(short_hash), back,
                                                  sizeof(back), &back_len),
                     AW_ERR_ENVELOPE_FORMAT);
    free(der);
    assert_int_equal(crypto_envelope_sm2_to_der(c, CRYPTO_ENVELOPE_SM2_OVERHEAD, &der, &der_len),
                     AW_ERR_ENVELOPE_FORMAT);
    assert_null(der);
    crypto_envelope_key_free(k);
}

/* GB/T 32918.5-2016 / GM/T 0003.5-2012 Annex C: SM2 encryption on the
 * recommended curve, private key dB, message "encryption standard", k
 * fixed; C1 = (x1, y1), C3, C2 as the standard gives them, and their GM/T
 * 0009-2012 7.2 DER (as OpenSSL's test/sm2_internal_test.c serialises the
 * same values). A fixed k cannot be given to OpenSSL's EVP interface, so
 * the answer is checked by decrypting it and by the DER conversion. */
#define ANNEX_C_DB "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
#define ANNEX_C_X1 "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
#define ANNEX_C_Y1 "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
#define ANNEX_C_C3 "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
#define ANNEX_C_C2 "21886CA989CA9C7D58087307CA93092D651EFA"

static void test_sm2_annex_c(void **state)
{
    (void)state;
    BIGNUM *d = NULL;
    assert_true(BN_hex2bn(&d, ANNEX_C_DB) > 0);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    crypto_envelope_key *k = calloc(1, sizeof(*k));
    assert_non_null(k);
    k->suite = CRYPTO_SUITE_DOMESTIC;
    k->is_private = true;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_KEYPAIR, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    size_t c_len = 0, der_len = 0, expected_der_len = 0, m_len = 0, back_len = 0;
    uint8_t *c = test_hex("04" ANNEX_C_X1 ANNEX_C_Y1 ANNEX_C_C3 ANNEX_C_C2, &c_len);
    uint8_t *expected_der = test_hex("307C0220" ANNEX_C_X1 "022100" ANNEX_C_Y1 "0420" ANNEX_C_C3
                                     "0413" ANNEX_C_C2,
                                     &expected_der_len);
    uint8_t m[64], back[256], *der = NULL;
    assert_int_equal(crypto_envelope_sm2_decrypt(k, c, c_len, m, sizeof(m), &m_len), AW_OK);
    assert_int_equal(m_len, 19);
    assert_memory_equal(m, "encryption standard", 19);
    assert_int_equal(crypto_envelope_sm2_to_der(c, c_len, &der, &der_len), AW_OK);
    assert_int_equal(der_len, expected_der_len);
    assert_memory_equal(der, expected_der, der_len);
    assert_int_equal(crypto_envelope_sm2_from_der(expected_der, expected_der_len, back,
                                                  sizeof(back), &back_len),
                     AW_OK);
    assert_int_equal(back_len, c_len);
    assert_memory_equal(back, c, c_len);
    free(der);
    free(expected_der);
    free(c);
    crypto_envelope_key_free(k);
}

static void test_ecies_round_trip(void **state)
{
    (void)state;
    crypto_envelope_key *k = generate(CRYPTO_SUITE_INTERNATIONAL), *pub = public_of(k);
    static const uint8_t ad[] = "header";
    uint8_t c[512], m[512];
    size_t c_len = 0, m_len = 0;
    assert_int_equal(crypto_envelope_ecies_encrypt(pub, ad, sizeof(ad), payload, sizeof(payload),
                                                   c, sizeof(c), &c_len),
                     AW_OK);
    assert_int_equal(c_len, sizeof(payload) + CRYPTO_ENVELOPE_ECIES_OVERHEAD);
    assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), c, c_len, m, sizeof(m),
                                                   &m_len),
                     AW_OK);
    assert_int_equal(m_len, sizeof(payload));
    assert_memory_equal(m, payload, m_len);
    /* empty message, empty ad */
    assert_int_equal(crypto_envelope_ecies_encrypt(pub, NULL, 0, payload, 0, c, sizeof(c), &c_len),
                     AW_OK);
    assert_int_equal(crypto_envelope_ecies_decrypt(k, NULL, 0, c, c_len, m, sizeof(m), &m_len),
                     AW_OK);
    assert_int_equal(m_len, 0);
    assert_int_equal(crypto_envelope_ecies_encrypt(pub, ad, sizeof(ad), payload, sizeof(payload),
                                                   c, sizeof(c), &c_len),
                     AW_OK);
    /* other ad, flipped bytes (R off the curve or tag failing) */
    assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad) - 1, c, c_len, m, sizeof(m),
                                                   &m_len),
                     AW_ERR_ENVELOPE_DECRYPT);
    for (size_t at = 1; at < c_len; at += 13) {
        c[at] ^= 0x80;
        assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), c, c_len, m, sizeof(m),
                                                       &m_len),
                         AW_ERR_ENVELOPE_DECRYPT);
        c[at] ^= 0x80;
    }
    crypto_envelope_key *other = generate(CRYPTO_SUITE_INTERNATIONAL);
    assert_int_equal(crypto_envelope_ecies_decrypt(other, ad, sizeof(ad), c, c_len, m, sizeof(m),
                                                   &m_len),
                     AW_ERR_ENVELOPE_DECRYPT);
    assert_int_equal(crypto_envelope_ecies_decrypt(pub, ad, sizeof(ad), c, c_len, m, sizeof(m),
                                                   &m_len),
                     AW_ERR_SUITE_KEY);
    assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), c,
                                                   CRYPTO_ENVELOPE_ECIES_OVERHEAD - 1, m,
                                                   sizeof(m), &m_len),
                     AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_ecies_decrypt(k, ad, sizeof(ad), c, c_len, m, 3, &m_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(crypto_envelope_ecies_encrypt(pub, ad, sizeof(ad), payload, sizeof(payload),
                                                   c, 20, &c_len),
                     AW_ERR_BUFFER_TOO_SMALL);
    crypto_envelope_key *sm2 = generate(CRYPTO_SUITE_DOMESTIC);
    assert_int_equal(crypto_envelope_ecies_encrypt(sm2, ad, sizeof(ad), payload, 4, c, sizeof(c),
                                                   &c_len),
                     AW_ERR_SUITE_MISMATCH);
    crypto_envelope_key_free(sm2);
    crypto_envelope_key_free(other);
    crypto_envelope_key_free(pub);
    crypto_envelope_key_free(k);
}

static void test_keys(void **state)
{
    (void)state;
    for (int s = CRYPTO_SUITE_INTERNATIONAL; s <= CRYPTO_SUITE_DOMESTIC; s++) {
        crypto_envelope_key *k = generate((crypto_suite)s), *again = NULL, *pub = NULL;
        char *pem = NULL, *pub_pem = NULL;
        size_t pem_len = 0, pub_len = 0;
        assert_true(crypto_envelope_key_is_private(k));
        assert_int_equal(crypto_envelope_key_export_private_pem(k, &pem, &pem_len), AW_OK);
        assert_int_equal(crypto_envelope_key_load_private_pem((crypto_suite)s, pem, pem_len, &again),
                         AW_OK);
        assert_int_equal(crypto_envelope_key_export_public_pem(k, &pub_pem, &pub_len), AW_OK);
        assert_int_equal(crypto_envelope_key_load_public_pem((crypto_suite)s, pub_pem, pub_len,
                                                             &pub),
                         AW_OK);
        uint8_t a[CRYPTO_ENVELOPE_POINT_SIZE], b[CRYPTO_ENVELOPE_POINT_SIZE];
        assert_int_equal(crypto_envelope_key_export_point(again, a), AW_OK);
        assert_int_equal(crypto_envelope_key_export_point(pub, b), AW_OK);
        assert_memory_equal(a, b, sizeof(a));
        /* the other suite's loader refuses */
        crypto_suite other = s == CRYPTO_SUITE_DOMESTIC ? CRYPTO_SUITE_INTERNATIONAL
                                                        : CRYPTO_SUITE_DOMESTIC;
        crypto_envelope_key *wrong = NULL;
        assert_int_equal(crypto_envelope_key_load_private_pem(other, pem, pem_len, &wrong),
                         AW_ERR_SUITE_MISMATCH);
        assert_null(wrong);
        char *none = NULL;
        size_t none_len = 0;
        assert_int_equal(crypto_envelope_key_export_private_pem(pub, &none, &none_len),
                         AW_ERR_SUITE_KEY);
        /* a point off the curve */
        a[40] ^= 1;
        assert_int_equal(crypto_envelope_key_from_point((crypto_suite)s, a, sizeof(a), &wrong),
                         AW_ERR_SUITE_KEY);
        assert_int_equal(crypto_envelope_key_from_point((crypto_suite)s, a, 64, &wrong),
                         AW_ERR_SUITE_KEY);
        crypto_suite_pem_free(pem, pem_len);
        crypto_suite_pem_free(pub_pem, pub_len);
        crypto_envelope_key_free(pub);
        crypto_envelope_key_free(again);
        crypto_envelope_key_free(k);
    }
    crypto_envelope_key_free(NULL);
}

/* ---- Envelopes ---------------------------------------------------------- */

typedef struct sealed {
    crypto_envelope_key *recipient;
    crypto_suite_key *signer;
    uint8_t *bytes;
    size_t len;
} sealed;

static sealed seal_one(crypto_suite recipient_suite, crypto_suite signer_suite)
{
    sealed s = {.recipient = generate(recipient_suite)};
    assert_int_equal(crypto_suite_key_generate(signer_suite, &s.signer), AW_OK);
    crypto_envelope_key *pub = public_of(s.recipient);
    crypto_envelope_header h = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO,
                                .time = 1764590400};
    memcpy(h.eid, test_eid, sizeof(test_eid));
    assert_int_equal(crypto_envelope_seal(pub, 42, s.signer, &h, payload, sizeof(payload),
                                          &s.bytes, &s.len),
                     AW_OK);
    crypto_envelope_key_free(pub);
    return s;
}

static void sealed_free(sealed *s)
{
    crypto_envelope_key_free(s->recipient);
    crypto_suite_key_free(s->signer);
    free(s->bytes);
}

static void test_envelope_round_trip(void **state)
{
    (void)state;
    for (int r = CRYPTO_SUITE_INTERNATIONAL; r <= CRYPTO_SUITE_DOMESTIC; r++) {
        for (int g = CRYPTO_SUITE_INTERNATIONAL; g <= CRYPTO_SUITE_DOMESTIC; g++) {
            sealed s = seal_one((crypto_suite)r, (crypto_suite)g);
            crypto_envelope_view view;
            assert_int_equal(crypto_envelope_parse(s.bytes, s.len, &view), AW_OK);
            assert_int_equal(view.header.suite, r);
            assert_int_equal(view.header.key_id, 42);
            assert_int_equal(view.header.time, 1764590400);
            assert_memory_equal(view.header.eid, test_eid, sizeof(test_eid));
            /* the payload is not in clear */
            assert_null(memmem(s.bytes, s.len, "356938035643809", 15));
            crypto_envelope_header h;
            uint8_t *plain = NULL;
            size_t plain_len = 0;
            assert_int_equal(crypto_envelope_open(s.recipient, 42, s.signer, s.bytes, s.len, &h,
                                                  &plain, &plain_len),
                             AW_OK);
            assert_int_equal(plain_len, sizeof(payload));
            assert_memory_equal(plain, payload, plain_len);
            assert_memory_equal(h.id, view.header.id, CRYPTO_ENVELOPE_ID_SIZE);
            crypto_envelope_payload_free(plain, plain_len);
            sealed_free(&s);
        }
    }
}

static aw_err open_err(const sealed *s, const crypto_envelope_key *recipient, uint32_t key_id,
                       const crypto_suite_key *signer, const uint8_t *bytes, size_t len)
{
    crypto_envelope_header h;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    (void)s;
    aw_err err = crypto_envelope_open(recipient, key_id, signer, bytes, len, &h, &plain,
                                      &plain_len);
    if (err != AW_OK)
        assert_null(plain);
    crypto_envelope_payload_free(plain, plain_len);
    return err;
}

/* Re-sign bytes 0..signed_len after a change, so the decryption is tested. */
static void resign(const sealed *s, uint8_t *bytes, size_t *len)
{
    crypto_envelope_view view;
    assert_int_equal(crypto_envelope_parse(bytes, *len, &view), AW_OK);
    size_t n = view.signed_len, sig_len = 0;
    assert_int_equal(crypto_suite_sign(s->signer, bytes, n, bytes + n + 1,
                                       CRYPTO_SUITE_SIGNATURE_MAX, &sig_len),
                     AW_OK);
    bytes[n] = (uint8_t)sig_len;
    *len = n + 1 + sig_len;
}

static void test_envelope_refusals(void **state)
{
    (void)state;
    for (int r = CRYPTO_SUITE_INTERNATIONAL; r <= CRYPTO_SUITE_DOMESTIC; r++) {
        sealed s = seal_one((crypto_suite)r, CRYPTO_SUITE_INTERNATIONAL);
        uint8_t *copy = malloc(s.len + CRYPTO_SUITE_SIGNATURE_MAX);
        size_t len = s.len;
        /* any changed byte before the signature: the signature fails */
        for (size_t at = 0; at < s.len - 80; at += 7) {
            memcpy(copy, s.bytes, s.len);
            copy[at] ^= 0x01;
            aw_err err = open_err(&s, s.recipient, 42, s.signer, copy, s.len);
            assert_true(err == AW_ERR_ENVELOPE_SIGNATURE || err == AW_ERR_ENVELOPE_FORMAT);
        }
        /* another signer */
        crypto_suite_key *stranger = NULL;
        assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_INTERNATIONAL, &stranger), AW_OK);
        assert_int_equal(open_err(&s, s.recipient, 42, stranger, s.bytes, s.len),
                         AW_ERR_ENVELOPE_SIGNATURE);
        crypto_suite_key_free(stranger);
        /* another key id; another recipient key */
        assert_int_equal(open_err(&s, s.recipient, 43, s.signer, s.bytes, s.len),
                         AW_ERR_ENVELOPE_KEY);
        crypto_envelope_key *other = generate((crypto_suite)r);
        assert_int_equal(open_err(&s, other, 42, s.signer, s.bytes, s.len),
                         AW_ERR_ENVELOPE_DECRYPT);
        crypto_envelope_key_free(other);
        crypto_envelope_key *other_suite = generate(r == CRYPTO_SUITE_DOMESTIC
                                                        ? CRYPTO_SUITE_INTERNATIONAL
                                                        : CRYPTO_SUITE_DOMESTIC);
        assert_int_equal(open_err(&s, other_suite, 42, s.signer, s.bytes, s.len),
                         AW_ERR_ENVELOPE_KEY);
        crypto_envelope_key_free(other_suite);
        /* header changed and signed again (a sender's own forgery of the
         * clear header): the header bound into the ciphertext differs */
        memcpy(copy, s.bytes, s.len);
        len = s.len;
        copy[23 + 7] ^= 0x01; /* time */
        resign(&s, copy, &len);
        assert_int_equal(open_err(&s, s.recipient, 42, s.signer, copy, len),
                         AW_ERR_ENVELOPE_DECRYPT);
        /* ciphertext changed and signed again */
        memcpy(copy, s.bytes, s.len);
        len = s.len;
        copy[CRYPTO_ENVELOPE_HEADER_SIZE + 4 + 70] ^= 0x01;
        resign(&s, copy, &len);
        assert_int_equal(open_err(&s, s.recipient, 42, s.signer, copy, len),
                         AW_ERR_ENVELOPE_DECRYPT);
        free(copy);
        sealed_free(&s);
    }
}

static void test_envelope_format(void **state)
{
    (void)state;
    sealed s = seal_one(CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_INTERNATIONAL);
    crypto_envelope_view view;
    uint8_t *copy = malloc(s.len + 1);
    struct {
        size_t at;
        uint8_t value;
    } bad[] = {{0, 0x02}, {1, 0x00}, {1, 0x03}, {2, 0x00}, {2, 0x02}, {47, 0x01}, {50, 0x00}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(copy, s.bytes, s.len);
        copy[bad[i].at] = bad[i].value;
        assert_int_equal(crypto_envelope_parse(copy, s.len, &view), AW_ERR_ENVELOPE_FORMAT);
    }
    /* the signature length byte: too small, not matching the rest */
    crypto_envelope_view good;
    assert_int_equal(crypto_envelope_parse(s.bytes, s.len, &good), AW_OK);
    memcpy(copy, s.bytes, s.len);
    copy[good.signed_len] = 4;
    assert_int_equal(crypto_envelope_parse(copy, s.len, &view), AW_ERR_ENVELOPE_FORMAT);
    copy[good.signed_len] = (uint8_t)(good.signature_len + 1);
    assert_int_equal(crypto_envelope_parse(copy, s.len, &view), AW_ERR_ENVELOPE_FORMAT);
    memcpy(copy, s.bytes, s.len);
    copy[s.len] = 0;
    assert_int_equal(crypto_envelope_parse(copy, s.len + 1, &view), AW_ERR_ENVELOPE_FORMAT);
    for (size_t cut = 0; cut < s.len; cut += 11)
        assert_int_equal(crypto_envelope_parse(s.bytes, cut, &view), AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_parse(NULL, 0, &view), AW_ERR_ENVELOPE_FORMAT);
    assert_int_equal(crypto_envelope_parse(s.bytes, s.len, NULL), AW_ERR_ARGUMENT);
    free(copy);
    /* seal arguments: empty, too large payload; a public signer */
    crypto_envelope_header h = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO};
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(crypto_envelope_seal(s.recipient, 1, s.signer, &h, payload, 0, &out,
                                          &out_len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_envelope_seal(s.recipient, 1, s.signer, &h, payload,
                                          CRYPTO_ENVELOPE_PAYLOAD_MAX + 1, &out, &out_len),
                     AW_ERR_ARGUMENT);
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    crypto_suite_key *public_signer = NULL;
    assert_int_equal(crypto_suite_key_export_point(s.signer, point), AW_OK);
    assert_int_equal(crypto_suite_key_from_point(CRYPTO_SUITE_INTERNATIONAL, point, sizeof(point),
                                                 &public_signer),
                     AW_OK);
    assert_int_equal(crypto_envelope_seal(s.recipient, 1, public_signer, &h, payload, 4, &out,
                                          &out_len),
                     AW_ERR_SUITE_KEY);
    assert_null(out);
    crypto_suite_key_free(public_signer);
    sealed_free(&s);
}

/* The largest payload in both suites stays within CRYPTO_ENVELOPE_MAX. */
static void test_envelope_bounds(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, CRYPTO_ENVELOPE_PAYLOAD_MAX);
    assert_non_null(big);
    for (int r = CRYPTO_SUITE_INTERNATIONAL; r <= CRYPTO_SUITE_DOMESTIC; r++) {
        crypto_envelope_key *k = generate((crypto_suite)r);
        crypto_suite_key *signer = NULL;
        assert_int_equal(crypto_suite_key_generate(CRYPTO_SUITE_DOMESTIC, &signer), AW_OK);
        crypto_envelope_header h = {.content_type = CRYPTO_ENVELOPE_TYPE_TERMINAL_INFO};
        uint8_t *out = NULL, *plain = NULL;
        size_t out_len = 0, plain_len = 0;
        assert_int_equal(crypto_envelope_seal(k, 1, signer, &h, big, CRYPTO_ENVELOPE_PAYLOAD_MAX,
                                              &out, &out_len),
                         AW_OK);
        assert_true(out_len <= CRYPTO_ENVELOPE_MAX);
        assert_int_equal(crypto_envelope_open(k, 1, signer, out, out_len, &h, &plain, &plain_len),
                         AW_OK);
        assert_int_equal(plain_len, CRYPTO_ENVELOPE_PAYLOAD_MAX);
        crypto_envelope_payload_free(plain, plain_len);
        free(out);
        crypto_suite_key_free(signer);
        crypto_envelope_key_free(k);
    }
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm2_round_trip),     cmocka_unit_test(test_sm2_der),
        cmocka_unit_test(test_sm2_annex_c),
        cmocka_unit_test(test_ecies_round_trip),   cmocka_unit_test(test_keys),
        cmocka_unit_test(test_envelope_round_trip), cmocka_unit_test(test_envelope_refusals),
        cmocka_unit_test(test_envelope_format),    cmocka_unit_test(test_envelope_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
