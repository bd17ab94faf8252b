/* Fixture of the SM-DP+ BPP tests (test_smdp_bpp*.c): a fresh test PKI per
 * curve, a subscriber, a metadata set, and the eUICC side of SGP.22 3.1.3 /
 * 2.5.5 / 2.6.4 built from the core primitives only (its own otSK/otPK,
 * smdpSign verified with the CERT.DPpb key, session keys, SCP03t opening
 * of every segment as sgp22_bpp_stream delivers it). Test code only. */
#ifndef AIRWRITE_TESTS_SMDP_BPP_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_BPP_TESTUTIL_H

#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "testutil.h"

#include "core/crypto.h"
#include "core/der.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/scp03t.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_tags.h"
#include "smdp/bpp.h"
#include "smdp/personalise.h"

/* Valid Luhn check digits (ITU-T E.118). */
#define FX_TEMPLATE_ICCID "8988211000000012347"
#define FX_SUBSCRIBER_ICCID "8944000000000123456"
#define FX_SUBSCRIBER_IMSI "234150999999999"
#define FX_SUBSCRIBER_MSISDN "+447700900123"
#define FX_TRANSACTION_ID "\x01\x23\x45\x67\x89\xAB\xCD\xEF\x10\x32\x54\x76\x98\xBA\xDC\xFE"

typedef struct fixture {
    pki_hierarchy pki;
    crypto_key *dp_pb_key;      /* SK.DPpb.ECDSA */
    crypto_key *dp_auth_key;    /* SK.DPauth.ECDSA, a key of the wrong role */
    crypto_key *euicc_one_time; /* otSK.EUICC.ECKA */
    uint8_t euicc_otpk[CRYPTO_POINT_SIZE];
    uint8_t eid[CRYPTO_EID_SIZE];
    smdp_notification_configuration notifications[2];
    smdp_profile_metadata metadata;
    smdp_subscriber subscriber;
    smdp_bpp_request request;
} fixture;

static inline crypto_key *fx_key_from_evp(EVP_PKEY *pkey)
{
    crypto_key *key = NULL;
    char *data = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    long n = BIO_get_mem_data(bio, &data);
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)data, (size_t)n, &key), AW_OK);
    BIO_free(bio);
    return key;
}

static inline void fx_subscriber(smdp_subscriber *s)
{
    memset(s, 0, sizeof(*s));
    s->iccid = FX_SUBSCRIBER_ICCID;
    s->imsi = FX_SUBSCRIBER_IMSI;
    s->msisdn = FX_SUBSCRIBER_MSISDN;
    s->aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    s->aka.key_len = 16;
    s->aka.opc_len = 16;
    for (size_t i = 0; i < 16; i++) {
        s->aka.key[i] = (uint8_t)(0xA0 + i);
        s->aka.opc[i] = (uint8_t)(0x50 + 3 * i);
    }
}

/* A saip_build template (different values from the subscriber's). */
static inline uint8_t *fx_build_template(bool with_msisdn, size_t *len)
{
    saip_build_params p;
    uint8_t *out = NULL;
    memset(&p, 0, sizeof(p));
    p.iccid = FX_TEMPLATE_ICCID;
    p.imsi = "001010000000001";
    p.msisdn = with_msisdn ? "+15550000000" : NULL;
    p.pin1 = "1234";
    p.pin2 = "5678";
    p.puk1 = "12345678";
    p.puk2 = "87654321";
    p.adm1 = "11111111";
    p.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    p.aka.key_len = 16;
    p.aka.opc_len = 16;
    memset(p.aka.key, 0x11, 16);
    memset(p.aka.opc, 0x22, 16);
    assert_int_equal(saip_build(&p, &out, len), AW_OK);
    return out;
}

static inline void fx_open(fixture *fx, aw_pki_curve curve)
{
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL)};
    memset(fx, 0, sizeof(*fx));
    assert_int_equal(pki_issue_hierarchy(&params, &fx->pki), AW_OK);
    fx->dp_pb_key = fx_key_from_evp(fx->pki.key[AW_PKI_ROLE_DP_PB]);
    fx->dp_auth_key = fx_key_from_evp(fx->pki.key[AW_PKI_ROLE_DP_AUTH]);
    /* SGP.22 3.1.3: the eUICC makes otPK.EUICC.ECKA on the DPpb curve. */
    assert_int_equal(crypto_generate_key(crypto_key_curve(fx->dp_pb_key), &fx->euicc_one_time),
                     AW_OK);
    assert_int_equal(crypto_key_export_point(fx->euicc_one_time, fx->euicc_otpk), AW_OK);
    for (size_t i = 0; i < CRYPTO_EID_SIZE; i++) /* AW_PKI_DEFAULT_EID, BCD */
        fx->eid[i] = (uint8_t)((AW_PKI_DEFAULT_EID[2 * i] - '0') << 4 |
                               (AW_PKI_DEFAULT_EID[2 * i + 1] - '0'));
    fx->notifications[0].events = SMDP_NOTIFY_INSTALL;
    fx->notifications[0].address = "smdp.example.com";
    fx->notifications[1].events = SMDP_NOTIFY_ENABLE | SMDP_NOTIFY_DISABLE | SMDP_NOTIFY_DELETE;
    fx->notifications[1].address = "notify.example.com";
    fx->metadata.service_provider_name = "Airwrite Mobile";
    fx->metadata.profile_name = "IoT profile \xC3\xA9";
    fx->metadata.profile_class = 2;
    fx->metadata.notifications = fx->notifications;
    fx->metadata.notification_count = 2;
    fx_subscriber(&fx->subscriber);
    smdp_bpp_request *r = &fx->request;
    r->transaction_id = (const uint8_t *)FX_TRANSACTION_ID;
    r->transaction_id_len = 16;
    r->eid = fx->eid;
    r->euicc_otpk = fx->euicc_otpk;
    r->euicc_otpk_len = CRYPTO_POINT_SIZE;
    r->dp_pb_key = fx->dp_pb_key;
    r->dp_pb_certificate = fx->pki.cert[AW_PKI_ROLE_DP_PB];
    r->metadata = &fx->metadata;
}

static inline void fx_close(fixture *fx)
{
    crypto_key_free(fx->dp_pb_key);
    crypto_key_free(fx->dp_auth_key);
    crypto_key_free(fx->euicc_one_time);
    pki_hierarchy_free(&fx->pki);
    saip_aka_cleanse(&fx->subscriber.aka);
    memset(fx, 0, sizeof(*fx));
}

/* What the eUICC recovers from a BPP. */
typedef struct opened_bpp {
    uint8_t *configure, *metadata, *rsk, *package;
    size_t configure_len, metadata_len, rsk_len, package_len;
    uint8_t host_id[CRYPTO_HOST_ID_MAX];
    size_t host_id_len;
    size_t segments86;    /* number of '86' segments */
    size_t largest;       /* largest segment TLV (87, 88 or 86) */
    uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE];
    crypto_session_keys keys; /* S-ENC / S-MAC the eUICC derived */
} opened_bpp;

static inline void opened_bpp_free(opened_bpp *o)
{
    der_bytes_free(o->configure, o->configure_len);
    der_bytes_free(o->metadata, o->metadata_len);
    der_bytes_free(o->rsk, o->rsk_len);
    der_bytes_free(o->package, o->package_len);
    crypto_cleanse(o, sizeof(*o));
}

/* The eUICC side: AW_OK with everything opened, or the first failure
 * (AW_ERR_SIGNATURE when smdpSign does not verify over the signed part and
 * the eUICC's own otPK). */
static inline aw_err fx_open_bpp(const fixture *fx, const uint8_t *bpp, size_t len,
                                 opened_bpp *o)
{
    sgp22_bound_profile_package decoded;
    sgp22_bpp_splitter splitter;
    sgp22_bpp_stream stream;
    sgp22_bpp_segment segment;
    scp03t_state state;
    der_builder parts[4];
    crypto_key *dp_pb_public = NULL;
    memset(o, 0, sizeof(*o));
    assert_int_equal(sgp22_decode_bound_profile_package(bpp, len, &decoded), AW_OK);
    const sgp22_initialise_secure_channel_request *isc =
        &decoded.initialise_secure_channel_request;
    assert_int_equal(isc->remote_op_id, SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE);
    assert_int_equal(isc->transaction_id.len, fx->request.transaction_id_len);
    assert_memory_equal(isc->transaction_id.ptr, fx->request.transaction_id,
                        isc->transaction_id.len);
    assert_int_equal(isc->control_ref_template.key_type, 0x88);
    assert_int_equal(isc->control_ref_template.key_len, 0x10);
    o->host_id_len = isc->control_ref_template.host_id.len;
    memcpy(o->host_id, isc->control_ref_template.host_id.ptr, o->host_id_len);

    /* ES8+ 5.5.1: smdpSign over remoteOpId .. smdpOtpk || 5F49 otPK.EUICC */
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    der_builder_init(&b);
    der_put_raw(&b, isc->signed_part.ptr, isc->signed_part.len);
    der_put_tlv(&b, SGP22_TAG_EUICC_OTPK, fx->euicc_otpk, CRYPTO_POINT_SIZE);
    assert_int_equal(der_builder_finish(&b, &signed_bytes, &signed_len), AW_OK);
    aw_slice cert = pki_certificate_der(fx->pki.cert[AW_PKI_ROLE_DP_PB]);
    assert_int_equal(crypto_key_from_certificate(cert.ptr, cert.len, &dp_pb_public), AW_OK);
    aw_err err = crypto_verify_ecdsa(dp_pb_public, signed_bytes, signed_len, isc->smdp_sign.ptr,
                                     isc->smdp_sign.len);
    free(signed_bytes);
    crypto_key_free(dp_pb_public);
    if (err != AW_OK)
        return err;

    /* 2.6.4.2 */
    assert_int_equal(crypto_key_agreement(fx->euicc_one_time, isc->smdp_otpk.ptr,
                                          isc->smdp_otpk.len, o->shared_secret), AW_OK);
    assert_int_equal(crypto_derive_session_keys(o->shared_secret, o->host_id, o->host_id_len,
                                                fx->eid, &o->keys), AW_OK);
    scp03t_init_session(&state, &o->keys);

    /* 2.5.5: segment by segment, as the LPA sends and the eUICC takes them */
    for (size_t i = 0; i < 4; i++)
        der_builder_init(&parts[i]);
    bool ppk_loaded = false;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, len), AW_OK);
    sgp22_bpp_stream_init(&stream);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        sgp22_bpp_segment fed;
        assert_int_equal(sgp22_bpp_stream_feed(&stream, segment.bytes.ptr, segment.bytes.len,
                                               &fed), AW_OK);
        assert_int_equal(fed.part, segment.part);
        if (fed.part == SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL || fed.element.len == 0)
            continue;
        assert_true(fed.element.len <= SCP03T_SEGMENT_MAX);
        if (fed.element.len > o->largest)
            o->largest = fed.element.len;
        uint8_t tag = SCP03T_TAG_ENCRYPTED_REQUEST;
        scp03t_protection protection = SCP03T_ENCRYPT_AND_MAC;
        size_t index = 0;
        if (fed.part == SGP22_BPP_PART_SEQUENCE_OF88) {
            tag = SCP03T_TAG_METADATA;
            protection = SCP03T_MAC_ONLY;
            index = 1;
        } else if (fed.part == SGP22_BPP_PART_SECOND_SEQUENCE_OF87) {
            index = 2;
        } else if (fed.part == SGP22_BPP_PART_SEQUENCE_OF86) {
            tag = SCP03T_TAG_PROFILE_ELEMENT;
            index = 3;
            o->segments86++;
            if (decoded.has_second_sequence_of87 && !ppk_loaded) {
                /* 5.5.4: the PPKs take over for the profile elements */
                sgp22_replace_session_keys_request rsk;
                assert_int_equal(der_builder_finish(&parts[2], &o->rsk, &o->rsk_len), AW_OK);
                assert_int_equal(sgp22_decode_replace_session_keys_request(o->rsk, o->rsk_len,
                                                                           &rsk), AW_OK);
                assert_int_equal(rsk.ppk_enc.len, 16);
                assert_int_equal(rsk.ppk_cmac.len, 16);
                assert_int_equal(rsk.initial_mac_chaining_value.len, 16);
                scp03t_clear(&state);
                scp03t_init(&state, rsk.ppk_enc.ptr, rsk.ppk_cmac.ptr,
                            rsk.initial_mac_chaining_value.ptr);
                ppk_loaded = true;
            }
        }
        uint8_t plain[SCP03T_DATA_MAX];
        size_t plain_len = 0;
        err = scp03t_unprotect_segment(&state, tag, protection, fed.element.ptr,
                                       fed.element.len, plain, sizeof(plain), &plain_len);
        if (err != AW_OK)
            break;
        der_put_raw(&parts[index], plain, plain_len);
        crypto_cleanse(plain, sizeof(plain));
    }
    scp03t_clear(&state);
    if (err == AW_ERR_NOT_FOUND) {
        err = AW_OK;
        assert_true(sgp22_bpp_stream_complete(&stream));
        assert_int_equal(der_builder_finish(&parts[0], &o->configure, &o->configure_len), AW_OK);
        assert_int_equal(der_builder_finish(&parts[1], &o->metadata, &o->metadata_len), AW_OK);
        assert_int_equal(der_builder_finish(&parts[3], &o->package, &o->package_len), AW_OK);
    }
    for (size_t i = 0; i < 4; i++)
        der_builder_free(&parts[i]);
    return err;
}

#endif
