/* A test SM-DP+ for the eUICC download engine (src/euicc/download*.c),
 * built from the core libraries only: a fresh test PKI (pki_issue_hierarchy),
 * the eUICC identity it implies, and the SM-DP+ side of SGP.22 3.1.2 / 3.1.3:
 * AuthenticateServerRequest (5.7.13), PrepareDownloadRequest (5.7.5) and a
 * Bound Profile Package (2.5.4, ES8+ 5.5.1-5.5.4) protected with SCP03t
 * (2.6.4) around a SAIP package from saip_build. Knobs in the option structs
 * make each message wrong in one respect for the negative tests.
 *
 * Used by the tests and the fuzz target, so it reports failures as aw_err
 * and never uses cmocka. Test code only. */
#ifndef AIRWRITE_TESTS_EUICC_DOWNLOAD_SIM_H
#define AIRWRITE_TESTS_EUICC_DOWNLOAD_SIM_H

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "core/crypto.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/scp03t.h"
#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_download.h"
#include "core/sgp22_tags.h"
#include "euicc/isdr.h"

#define SIM_ICCID "8988211000000012347"
#define SIM_SERVER_ADDRESS "smdp.example.com"
#define SIM_HOST_ID "airwrite-smdp"
#define SIM_MAX_SEGMENTS 4096

/* ctxParamsForCommonAuthentication {matchingId "ABC", deviceInfo {tac,
 * deviceCapabilities {}}} */
static const uint8_t sim_ctx_params1[] = {0xA0, 0x0F, 0x80, 0x03, 0x41, 0x42, 0x43, 0xA1,
                                          0x08, 0x80, 0x04, 0x35, 0x29, 0x06, 0x11, 0xA1,
                                          0x00};
/* An EUICCInfo2 TLV for euiccSigned1 (the engine embeds it verbatim). */
static const uint8_t sim_euicc_info2[] = {0xBF, 0x22, 0x05, 0x81, 0x03, 0x02, 0x02, 0x02};

typedef struct sim {
    pki_hierarchy pki;
    crypto_key *dp_auth_key;   /* SK.DPauth.ECDSA */
    crypto_key *dp_pb_key;     /* SK.DPpb.ECDSA */
    euicc_identity identity;   /* borrows the certificates of pki */
    /* SM-DP+ session */
    uint8_t transaction_id[16];
    uint8_t euicc_signature1[CRYPTO_SIGNATURE_SIZE];
    uint8_t smdp_signature2[CRYPTO_SIGNATURE_SIZE];
    uint8_t euicc_otpk[CRYPTO_POINT_SIZE];
} sim;

static inline aw_err sim_key_from_evp(EVP_PKEY *pkey, crypto_key **out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    aw_err err = AW_ERR_CRYPTO;
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        err = crypto_key_load_private_pem((const uint8_t *)data, (size_t)n, out);
    }
    BIO_free(bio);
    return err;
}

static inline void sim_free(sim *s)
{
    crypto_key_free(s->dp_auth_key);
    crypto_key_free(s->dp_pb_key);
    crypto_key_free(s->identity.euicc_key);
    pki_trust_store_free(s->identity.trust);
    pki_hierarchy_free(&s->pki);
    memset(s, 0, sizeof(*s));
}

/* A PKI on the curve, and the eUICC identity of its eUICC certificate. */
static inline aw_err sim_init(sim *s, aw_pki_curve curve, time_t now)
{
    pki_hierarchy_params params = {.curve = curve, .now = now};
    memset(s, 0, sizeof(*s));
    aw_err err = pki_issue_hierarchy(&params, &s->pki);
    if (err == AW_OK)
        err = sim_key_from_evp(s->pki.key[AW_PKI_ROLE_DP_AUTH], &s->dp_auth_key);
    if (err == AW_OK)
        err = sim_key_from_evp(s->pki.key[AW_PKI_ROLE_DP_PB], &s->dp_pb_key);
    euicc_identity *id = &s->identity;
    if (err == AW_OK)
        err = sim_key_from_evp(s->pki.key[AW_PKI_ROLE_EUICC], &id->euicc_key);
    if (err == AW_OK)
        err = pki_trust_store_new(&id->trust);
    if (err == AW_OK)
        err = pki_trust_store_add_ci(id->trust, s->pki.cert[AW_PKI_ROLE_CI]);
    if (err == AW_OK)
        err = pki_certificate_get_subject_key_id(s->pki.cert[AW_PKI_ROLE_CI],
                                                 &id->ci_pkids_verification[0]);
    if (err != AW_OK) {
        sim_free(s);
        return err;
    }
    id->ci_pkid_verification_count = 1;
    id->ci_pkids_signing[0] = id->ci_pkids_verification[0];
    id->ci_pkid_signing_count = 1;
    id->curve = crypto_key_curve(id->euicc_key);
    id->euicc_certificate = s->pki.cert[AW_PKI_ROLE_EUICC];
    id->eum_certificate = s->pki.cert[AW_PKI_ROLE_EUM];
    memcpy(id->eid, AW_PKI_DEFAULT_EID, sizeof(id->eid));
    for (size_t i = 0; i < EUICC_EID_SIZE; i++) /* 5A: BCD, first digit high */
        id->eid_bytes[i] = (uint8_t)((id->eid[2 * i] - '0') << 4 | (id->eid[2 * i + 1] - '0'));
    for (size_t i = 0; i < sizeof(s->transaction_id); i++)
        s->transaction_id[i] = (uint8_t)(0xA0 + i);
    return AW_OK;
}

/* Sign first || second (second may be empty). */
static inline aw_err sim_sign_pair(const crypto_key *key, const uint8_t *first, size_t first_len,
                                   const uint8_t *second, size_t second_len,
                                   uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    uint8_t *buf = malloc(first_len + second_len + 1);
    if (buf == NULL)
        return AW_ERR_NOMEM;
    memcpy(buf, first, first_len);
    if (second_len > 0)
        memcpy(buf + first_len, second, second_len);
    aw_err err = crypto_sign_ecdsa(key, buf, first_len + second_len, signature);
    free(buf);
    return err;
}

/* 5F37 40 || r||s */
static inline void sim_signature_object(const uint8_t signature[CRYPTO_SIGNATURE_SIZE],
                                        uint8_t out[3 + CRYPTO_SIGNATURE_SIZE])
{
    out[0] = 0x5F;
    out[1] = 0x37;
    out[2] = CRYPTO_SIGNATURE_SIZE;
    memcpy(out + 3, signature, CRYPTO_SIGNATURE_SIZE);
}

/* ---- AuthenticateServerRequest, 5.7.13 ----------------------------------- */

typedef struct sim_auth_options {
    const pki_certificate *certificate; /* NULL: CERT.DPauth */
    const crypto_key *signing_key;      /* NULL: SK.DPauth */
    const aw_pki_key_id *ci_pkid;       /* NULL: the CI's */
    const char *server_address;         /* NULL: SIM_SERVER_ADDRESS */
    bool tamper;                        /* change serverSigned1 after signing */
} sim_auth_options;

static inline aw_err sim_authenticate_server_request(sim *s, const uint8_t challenge[16],
                                                     const sim_auth_options *o, uint8_t **out,
                                                     size_t *out_len)
{
    static const uint8_t server_challenge[16] = {0x5C, 1, 2, 3, 4, 5, 6, 7,
                                                 8, 9, 10, 11, 12, 13, 14, 0x5C};
    sgp22_server_signed1 signed1;
    sgp22_authenticate_server_request request;
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    memset(&signed1, 0, sizeof(signed1));
    signed1.transaction_id = (aw_slice){s->transaction_id, sizeof(s->transaction_id)};
    signed1.euicc_challenge = (aw_slice){challenge, 16};
    const char *address = o->server_address ? o->server_address : SIM_SERVER_ADDRESS;
    signed1.server_address = (aw_slice){(const uint8_t *)address, strlen(address)};
    signed1.server_challenge = (aw_slice){server_challenge, sizeof(server_challenge)};
    der_builder_init(&b);
    sgp22_put_server_signed1(&b, &signed1);
    aw_err err = der_builder_finish(&b, &signed_bytes, &signed_len);
    if (err == AW_OK)
        err = crypto_sign_ecdsa(o->signing_key ? o->signing_key : s->dp_auth_key, signed_bytes,
                                signed_len, signature);
    if (err == AW_OK) {
        if (o->tamper) /* last byte of serverChallenge */
            signed_bytes[signed_len - 1] ^= 0x01;
        const aw_pki_key_id *pkid = o->ci_pkid ? o->ci_pkid
                                               : &s->identity.ci_pkids_verification[0];
        const pki_certificate *cert = o->certificate ? o->certificate
                                                     : s->pki.cert[AW_PKI_ROLE_DP_AUTH];
        memset(&request, 0, sizeof(request));
        request.server_signed1.raw = (aw_slice){signed_bytes, signed_len};
        request.server_signature1 = (aw_slice){signature, sizeof(signature)};
        request.euicc_ci_pkid_to_be_used = (aw_slice){pkid->bytes, pkid->len};
        request.server_certificate = pki_certificate_der(cert);
        request.ctx_params1.raw = (aw_slice){sim_ctx_params1, sizeof(sim_ctx_params1)};
        err = sgp22_encode_authenticate_server_request(&request, out, out_len);
    }
    free(signed_bytes);
    return err;
}

/* Keep euiccSignature1 from an AuthenticateResponseOk. */
static inline aw_err sim_take_authenticate_response(sim *s, const uint8_t *buf, size_t len)
{
    sgp22_authenticate_server_response response;
    aw_err err = sgp22_decode_authenticate_server_response(buf, len, &response);
    if (err == AW_OK && (response.kind != SGP22_RESPONSE_OK ||
                         response.ok.euicc_signature1.len != CRYPTO_SIGNATURE_SIZE))
        err = AW_ERR_STATE;
    if (err == AW_OK)
        memcpy(s->euicc_signature1, response.ok.euicc_signature1.ptr, CRYPTO_SIGNATURE_SIZE);
    return err;
}

/* ---- PrepareDownloadRequest, 5.7.5 --------------------------------------- */

typedef struct sim_prepare_options {
    const pki_certificate *certificate; /* NULL: CERT.DPpb */
    const crypto_key *signing_key;      /* NULL: SK.DPpb */
    uint8_t transaction_id_first;       /* non-zero: replaces the first byte */
    bool cc_required;
    bool with_hash_cc;
    bool tamper;                        /* change smdpSigned2 after signing */
    const uint8_t *bpp_euicc_otpk;      /* a retry: the otPK.EUICC.ECKA to reuse */
} sim_prepare_options;

static inline aw_err sim_prepare_download_request(sim *s, const sim_prepare_options *o,
                                                  uint8_t **out, size_t *out_len)
{
    sgp22_smdp_signed2 signed2;
    sgp22_prepare_download_request request;
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    uint8_t transaction_id[16];
    uint8_t signature1[3 + CRYPTO_SIGNATURE_SIZE];
    uint8_t hash_cc[32];
    memcpy(transaction_id, s->transaction_id, sizeof(transaction_id));
    if (o->transaction_id_first != 0)
        transaction_id[0] = o->transaction_id_first;
    memset(hash_cc, 0xCC, sizeof(hash_cc));
    memset(&signed2, 0, sizeof(signed2));
    signed2.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    signed2.cc_required_flag = o->cc_required;
    signed2.has_bpp_euicc_otpk = o->bpp_euicc_otpk != NULL;
    signed2.bpp_euicc_otpk = (aw_slice){o->bpp_euicc_otpk, CRYPTO_POINT_SIZE};
    der_builder_init(&b);
    sgp22_put_smdp_signed2(&b, &signed2);
    aw_err err = der_builder_finish(&b, &signed_bytes, &signed_len);
    sim_signature_object(s->euicc_signature1, signature1);
    if (err == AW_OK)
        err = sim_sign_pair(o->signing_key ? o->signing_key : s->dp_pb_key, signed_bytes,
                            signed_len, signature1, sizeof(signature1), s->smdp_signature2);
    if (err == AW_OK) {
        if (o->tamper) /* first transactionId byte: 30 len 80 10 <here> */
            signed_bytes[4] ^= 0x01;
        memset(&request, 0, sizeof(request));
        request.smdp_signed2.raw = (aw_slice){signed_bytes, signed_len};
        request.smdp_signature2 = (aw_slice){s->smdp_signature2, CRYPTO_SIGNATURE_SIZE};
        request.has_hash_cc = o->with_hash_cc;
        request.hash_cc = (aw_slice){hash_cc, sizeof(hash_cc)};
        request.smdp_certificate = pki_certificate_der(
            o->certificate ? o->certificate : s->pki.cert[AW_PKI_ROLE_DP_PB]);
        err = sgp22_encode_prepare_download_request(&request, out, out_len);
    }
    free(signed_bytes);
    return err;
}

/* Keep otPK.EUICC.ECKA from a PrepareDownloadResponseOk. */
static inline aw_err sim_take_prepare_response(sim *s, const uint8_t *buf, size_t len)
{
    sgp22_prepare_download_response response;
    aw_err err = sgp22_decode_prepare_download_response(buf, len, &response);
    if (err == AW_OK && (response.kind != SGP22_RESPONSE_OK ||
                         response.ok.euicc_signed2.euicc_otpk.len != CRYPTO_POINT_SIZE))
        err = AW_ERR_STATE;
    if (err == AW_OK)
        memcpy(s->euicc_otpk, response.ok.euicc_signed2.euicc_otpk.ptr, CRYPTO_POINT_SIZE);
    return err;
}

/* ---- Bound Profile Package, 2.5.4 ---------------------------------------- */

typedef struct sim_bpp_options {
    const char *metadata_iccid;  /* NULL: SIM_ICCID */
    const char *profile_iccid;   /* NULL: SIM_ICCID */
    bool replace_session_keys;   /* add A2 and protect the '86' with PPKs */
    bool tamper_smdp_sign;
    int64_t remote_op_id;        /* 0: installBoundProfilePackage */
    uint8_t key_type;            /* 0: AES (88) */
    uint8_t transaction_id_first; /* non-zero: replaces the first byte */
    /* Non-empty: protected instead of the encoded command / the package */
    aw_slice configure_override;
    aw_slice metadata_override;
    aw_slice rsk_override;
    aw_slice package_override;
} sim_bpp_options;

/* EF.ICCID coding of ICCID digits (nibble-swapped, F-padded). */
static inline void sim_iccid_bytes(const char *digits, uint8_t out[EUICC_ICCID_SIZE])
{
    size_t n = strlen(digits);
    memset(out, 0, EUICC_ICCID_SIZE);
    for (size_t i = 0; i < 2 * EUICC_ICCID_SIZE; i++) {
        uint8_t nibble = i < n ? (uint8_t)(digits[i] - '0') : 0x0F;
        out[i / 2] |= (uint8_t)(i % 2 == 0 ? nibble : nibble << 4);
    }
}

static inline saip_build_params sim_profile_params(const char *iccid)
{
    saip_build_params p;
    memset(&p, 0, sizeof(p));
    p.iccid = iccid;
    p.imsi = "001010000000123";
    p.pin1 = "1234";
    p.pin2 = "5678";
    p.puk1 = "12345678";
    p.puk2 = "87654321";
    p.adm1 = "11111111";
    p.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    p.aka.key_len = 16;
    p.aka.opc_len = 16;
    for (size_t i = 0; i < 16; i++) {
        p.aka.key[i] = (uint8_t)i;
        p.aka.opc[i] = (uint8_t)(0x11 * i);
    }
    return p;
}

/* Protect data as one list's content (a run of segments). */
static inline aw_err sim_protect_list(scp03t_state *state, uint8_t tag,
                                      scp03t_protection protection, const uint8_t *data,
                                      size_t len, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    aw_err err = scp03t_protect(state, tag, protection, data, len, &b);
    if (err != AW_OK) {
        der_builder_free(&b);
        return err;
    }
    return der_builder_finish(&b, out, out_len);
}

/* InitialiseSecureChannelRequest signed with SK.DPpb over remoteOpId ..
 * smdpOtpk || euiccOtpk (5F49), and the session keys it implies. */
static inline aw_err sim_initialise_secure_channel(sim *s, const sim_bpp_options *o,
                                                   uint8_t **out, size_t *out_len,
                                                   crypto_session_keys *keys)
{
    sgp22_initialise_secure_channel_request request, decoded;
    crypto_key *one_time = NULL;
    uint8_t point[CRYPTO_POINT_SIZE], signature[CRYPTO_SIGNATURE_SIZE];
    uint8_t zero_signature[CRYPTO_SIGNATURE_SIZE] = {0};
    uint8_t euicc_otpk[3 + CRYPTO_POINT_SIZE] = {0x5F, 0x49, CRYPTO_POINT_SIZE};
    uint8_t shared[CRYPTO_SHARED_SECRET_SIZE];
    uint8_t transaction_id[16];
    uint8_t *draft = NULL;
    size_t draft_len = 0;
    memcpy(euicc_otpk + 3, s->euicc_otpk, CRYPTO_POINT_SIZE);
    memcpy(transaction_id, s->transaction_id, sizeof(transaction_id));
    if (o->transaction_id_first != 0)
        transaction_id[0] = o->transaction_id_first;
    aw_err err = crypto_generate_key(crypto_key_curve(s->dp_pb_key), &one_time);
    if (err == AW_OK)
        err = crypto_key_export_point(one_time, point);
    memset(&request, 0, sizeof(request));
    request.remote_op_id = o->remote_op_id ? o->remote_op_id : 1;
    request.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    request.control_ref_template.key_type = o->key_type ? o->key_type : 0x88;
    request.control_ref_template.key_len = 0x10;
    request.control_ref_template.host_id = (aw_slice){(const uint8_t *)SIM_HOST_ID,
                                                      strlen(SIM_HOST_ID)};
    request.smdp_otpk = (aw_slice){point, sizeof(point)};
    request.smdp_sign = (aw_slice){zero_signature, sizeof(zero_signature)};
    if (err == AW_OK)
        err = sgp22_encode_initialise_secure_channel_request(&request, &draft, &draft_len);
    if (err == AW_OK)
        err = sgp22_decode_initialise_secure_channel_request(draft, draft_len, &decoded);
    if (err == AW_OK)
        err = sim_sign_pair(s->dp_pb_key, decoded.signed_part.ptr, decoded.signed_part.len,
                            euicc_otpk, sizeof(euicc_otpk), signature);
    if (err == AW_OK) {
        if (o->tamper_smdp_sign)
            signature[10] ^= 0x01;
        request.smdp_sign = (aw_slice){signature, sizeof(signature)};
        err = sgp22_encode_initialise_secure_channel_request(&request, out, out_len);
    }
    if (err == AW_OK)
        err = crypto_key_agreement(one_time, s->euicc_otpk, CRYPTO_POINT_SIZE, shared);
    if (err == AW_OK)
        err = crypto_derive_session_keys(shared, (const uint8_t *)SIM_HOST_ID,
                                         strlen(SIM_HOST_ID), s->identity.eid_bytes, keys);
    crypto_cleanse(shared, sizeof(shared));
    free(draft);
    crypto_key_free(one_time);
    return err;
}

static inline aw_err sim_bound_profile_package(sim *s, const sim_bpp_options *o, uint8_t **out,
                                               size_t *out_len)
{
    static const uint8_t ppk_enc[16] = {0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
                                        0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xE0};
    static const uint8_t ppk_mac[16] = {0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8,
                                        0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xD0};
    static const uint8_t ppk_mcv[16] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7,
                                        0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF};
    enum { ISC, CONFIGURE, METADATA, RSK, PACKAGE, LIST_A0, LIST_A1, LIST_A2, LIST_A3, PARTS };
    uint8_t *part[PARTS] = {NULL};
    size_t part_len[PARTS] = {0};
    uint8_t iccid[EUICC_ICCID_SIZE];
    crypto_session_keys keys;
    scp03t_state state;
    sgp22_configure_isdp_request configure_request;
    sgp22_store_metadata_request metadata;
    sgp22_replace_session_keys_request rsk;
    sgp22_bound_profile_package bpp;
    const char *metadata_iccid = o->metadata_iccid ? o->metadata_iccid : SIM_ICCID;
    const char *profile_iccid = o->profile_iccid ? o->profile_iccid : SIM_ICCID;
    memset(&state, 0, sizeof(state));
    aw_err err = sim_initialise_secure_channel(s, o, &part[ISC], &part_len[ISC], &keys);
    if (err == AW_OK) {
        scp03t_init_session(&state, &keys);
        memset(&configure_request, 0, sizeof(configure_request));
        err = sgp22_encode_configure_isdp_request(&configure_request, &part[CONFIGURE],
                                                  &part_len[CONFIGURE]);
    }
    if (err == AW_OK) {
        sim_iccid_bytes(metadata_iccid, iccid);
        memset(&metadata, 0, sizeof(metadata));
        metadata.iccid = (aw_slice){iccid, sizeof(iccid)};
        metadata.service_provider_name = (aw_slice){(const uint8_t *)"airwrite", 8};
        metadata.profile_name = (aw_slice){(const uint8_t *)"test profile", 12};
        err = sgp22_encode_store_metadata_request(&metadata, &part[METADATA],
                                                  &part_len[METADATA]);
    }
    if (err == AW_OK && o->replace_session_keys) {
        memset(&rsk, 0, sizeof(rsk));
        rsk.initial_mac_chaining_value = (aw_slice){ppk_mcv, 16};
        rsk.ppk_enc = (aw_slice){ppk_enc, 16};
        rsk.ppk_cmac = (aw_slice){ppk_mac, 16};
        err = sgp22_encode_replace_session_keys_request(&rsk, &part[RSK], &part_len[RSK]);
    }
    if (err == AW_OK) {
        saip_build_params params = sim_profile_params(profile_iccid);
        err = saip_build(&params, &part[PACKAGE], &part_len[PACKAGE]);
    }
    aw_slice configure = o->configure_override.len ? o->configure_override
                                                   : (aw_slice){part[CONFIGURE], part_len[CONFIGURE]};
    aw_slice metadata_bytes = o->metadata_override.len
                                  ? o->metadata_override
                                  : (aw_slice){part[METADATA], part_len[METADATA]};
    aw_slice rsk_bytes = o->rsk_override.len ? o->rsk_override : (aw_slice){part[RSK], part_len[RSK]};
    aw_slice package = o->package_override.len ? o->package_override
                                               : (aw_slice){part[PACKAGE], part_len[PACKAGE]};
    if (err == AW_OK)
        err = sim_protect_list(&state, 0x87, SCP03T_ENCRYPT_AND_MAC, configure.ptr, configure.len,
                               &part[LIST_A0], &part_len[LIST_A0]);
    if (err == AW_OK)
        err = sim_protect_list(&state, 0x88, SCP03T_MAC_ONLY, metadata_bytes.ptr,
                               metadata_bytes.len, &part[LIST_A1], &part_len[LIST_A1]);
    if (err == AW_OK && o->replace_session_keys) {
        err = sim_protect_list(&state, 0x87, SCP03T_ENCRYPT_AND_MAC, rsk_bytes.ptr, rsk_bytes.len,
                               &part[LIST_A2], &part_len[LIST_A2]);
        scp03t_clear(&state);
        scp03t_init(&state, ppk_enc, ppk_mac, ppk_mcv);
    }
    if (err == AW_OK)
        err = sim_protect_list(&state, 0x86, SCP03T_ENCRYPT_AND_MAC, package.ptr, package.len,
                               &part[LIST_A3], &part_len[LIST_A3]);
    if (err == AW_OK) {
        memset(&bpp, 0, sizeof(bpp));
        err = sgp22_decode_initialise_secure_channel_request(
            part[ISC], part_len[ISC], &bpp.initialise_secure_channel_request);
        bpp.first_sequence_of87 = (aw_slice){part[LIST_A0], part_len[LIST_A0]};
        bpp.sequence_of88 = (aw_slice){part[LIST_A1], part_len[LIST_A1]};
        bpp.has_second_sequence_of87 = o->replace_session_keys;
        bpp.second_sequence_of87 = (aw_slice){part[LIST_A2], part_len[LIST_A2]};
        bpp.sequence_of86 = (aw_slice){part[LIST_A3], part_len[LIST_A3]};
    }
    if (err == AW_OK)
        err = sgp22_encode_bound_profile_package(&bpp, out, out_len);
    for (size_t i = 0; i < PARTS; i++)
        der_bytes_free(part[i], part_len[i]);
    crypto_session_keys_clear(&keys);
    scp03t_clear(&state);
    return err;
}

/* The segments the LPA sends (2.5.5), pointing into bpp. */
typedef struct sim_segments {
    aw_slice segment[SIM_MAX_SEGMENTS];
    size_t count;
} sim_segments;

static inline aw_err sim_split(const uint8_t *bpp, size_t len, sim_segments *out)
{
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_bpp_splitter_init(&splitter, bpp, len);
    while (err == AW_OK && (err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        if (out->count == SIM_MAX_SEGMENTS)
            return AW_ERR_LIMIT;
        out->segment[out->count++] = segment.bytes;
    }
    return err == AW_ERR_NOT_FOUND ? AW_OK : err;
}

#endif
