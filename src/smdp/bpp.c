/* airwrite SM-DP+: Bound Profile Package generation, SGP.22 3.1.3 (SM-DP+
 * steps after ES9+.GetBoundProfilePackage), 2.5.4, 2.5.5, 2.6.4 and ES8+
 * 5.5.1 to 5.5.4. See bpp.h for the choices (hostId, segmentation). */
#include "smdp/bpp.h"

#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "core/saip.h"
#include "core/scp03t.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_tags.h"
#include "smdp/bpp_internal.h"

#define TRANSACTION_ID_MAX 16u   /* TransactionId SIZE(1..16) */
#define OID_TEXT_MAX 128u

/* The per-call secrets, erased in one place. */
typedef struct bpp_secrets {
    uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE];
    crypto_session_keys session_keys;
    uint8_t ppk_enc[CRYPTO_AES_KEY_SIZE];
    uint8_t ppk_mac[CRYPTO_AES_KEY_SIZE];
    uint8_t ppk_initial_mcv[16];
    scp03t_state session;        /* S-ENC / S-MAC */
    scp03t_state profile;        /* PPK-ENC / PPK-MAC when replaced */
} bpp_secrets;

static aw_err check_request(const smdp_bpp_request *r)
{
    if (r->transaction_id == NULL || r->transaction_id_len == 0 ||
        r->transaction_id_len > TRANSACTION_ID_MAX || r->eid == NULL ||
        r->euicc_otpk == NULL || r->dp_pb_key == NULL || r->dp_pb_certificate == NULL ||
        r->metadata == NULL || r->profile == NULL)
        return AW_ERR_ARGUMENT;
    if (r->host_id != NULL && (r->host_id_len == 0 || r->host_id_len > CRYPTO_HOST_ID_MAX))
        return AW_ERR_ARGUMENT;
    if (r->segmentation != SMDP_BPP_SEGMENT_FILL &&
        r->segmentation != SMDP_BPP_SEGMENT_PER_ELEMENT)
        return AW_ERR_ARGUMENT;
    return smdp_check_profile_metadata(r->metadata);
}

/* SK.DPpb.ECDSA must be the private key of CERT.DPpb.ECDSA, the
 * certificate the eUICC verified in PrepareDownload (SGP.22 5.7.5) and
 * whose key checks smdpSign. */
static aw_err check_dp_pb(const smdp_bpp_request *r)
{
    aw_pki_role role;
    aw_pki_curve curve;
    uint8_t own[CRYPTO_POINT_SIZE];
    uint8_t certified[AW_PKI_POINT_SIZE];
    if (!crypto_key_is_private(r->dp_pb_key))
        return AW_ERR_CRYPTO_KEY;
    aw_err err = pki_certificate_get_role(r->dp_pb_certificate, &role);
    if (err == AW_OK && role != AW_PKI_ROLE_DP_PB)
        err = AW_ERR_PKI_POLICY;
    if (err != AW_OK)
        return err;
    /* the key as decoded with the certificate: no second decoding per
     * package */
    if (pki_certificate_get_public_point(r->dp_pb_certificate, &curve, certified) != AW_OK)
        return AW_ERR_CRYPTO_CURVE;
    crypto_curve certified_curve = curve == AW_PKI_CURVE_NIST_P256
                                       ? CRYPTO_CURVE_NIST_P256
                                       : CRYPTO_CURVE_BRAINPOOL_P256R1;
    if (certified_curve != crypto_key_curve(r->dp_pb_key))
        return AW_ERR_CRYPTO_CURVE;
    err = crypto_key_export_point(r->dp_pb_key, own);
    if (err == AW_OK && memcmp(own, certified, sizeof(own)) != 0)
        err = AW_ERR_SMDP_KEY_MISMATCH;
    return err;
}

/* ICCID digits to EF.ICCID coding (ETSI TS 102 221 13.2: BCD with the
 * nibbles of each byte swapped, F-padded), as StoreMetadataRequest carries
 * it (SGP.22 5.5.3 Iccid). */
static void iccid_to_bytes(const char digits[SAIP_ICCID_TEXT], uint8_t out[SMDP_ICCID_SIZE])
{
    size_t n = strlen(digits);
    for (size_t i = 0; i < SMDP_ICCID_SIZE; i++) {
        uint8_t low = 2 * i < n ? (uint8_t)(digits[2 * i] - '0') : 0xF;
        uint8_t high = 2 * i + 1 < n ? (uint8_t)(digits[2 * i + 1] - '0') : 0xF;
        out[i] = (uint8_t)(high << 4 | low);
    }
}

/* ES8+ 5.5.1 InitialiseSecureChannelRequest, appended to b. */
static aw_err put_initialise_secure_channel(der_builder *b, const smdp_bpp_request *r,
                                            const uint8_t *host_id, size_t host_id_len,
                                            const uint8_t smdp_otpk[CRYPTO_POINT_SIZE])
{
    static const uint8_t key_type = CRYPTO_BSP_KEY_TYPE_AES;
    static const uint8_t key_len = CRYPTO_BSP_KEY_LENGTH;
    der_builder signed_part;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];

    /* remoteOpId .. smdpOtpk, then the eUICC's otPK data object: what
     * smdpSign covers (5.5.1). */
    der_builder_init(&signed_part);
    der_put_int64(&signed_part, DER_CTX(2), SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE);
    der_put_tlv(&signed_part, DER_CTX(0), r->transaction_id, r->transaction_id_len);
    der_builder_begin(&signed_part, DER_CTX_CONS(6));
    der_put_tlv(&signed_part, DER_CTX(0), &key_type, 1);
    der_put_tlv(&signed_part, DER_CTX(1), &key_len, 1);
    der_put_tlv(&signed_part, DER_CTX(4), host_id, host_id_len);
    der_builder_end(&signed_part);
    der_put_tlv(&signed_part, SGP22_TAG_EUICC_OTPK, smdp_otpk, CRYPTO_POINT_SIZE);
    size_t cover_len = signed_part.len;
    der_put_tlv(&signed_part, SGP22_TAG_EUICC_OTPK, r->euicc_otpk, r->euicc_otpk_len);
    aw_err err = der_builder_finish(&signed_part, &signed_bytes, &signed_len);
    if (err == AW_OK)
        err = crypto_sign_ecdsa(r->dp_pb_key, signed_bytes, signed_len, signature);
    if (err == AW_OK) {
        der_builder_begin(b, SGP22_TAG_INITIALISE_SECURE_CHANNEL);
        der_put_raw(b, signed_bytes, cover_len);
        der_put_tlv(b, SGP22_TAG_EUICC_SIGNATURE, signature, sizeof(signature));
        der_builder_end(b);
        err = b->err;
    }
    free(signed_bytes);
    return err;
}

/* One sequenceOfNN of segments protecting data. */
static aw_err put_protected_list(der_builder *b, uint32_t list_tag, scp03t_state *state,
                                 uint8_t segment_tag, scp03t_protection protection,
                                 const uint8_t *data, size_t len)
{
    der_builder_begin(b, list_tag);
    aw_err err = scp03t_protect(state, segment_tag, protection, data, len, b);
    der_builder_end(b);
    return err != AW_OK ? err : b->err;
}

/* sequenceOf86 (2.5.4), cut as the request asks (bpp.h). */
static aw_err put_profile_segments(der_builder *b, const smdp_bpp_request *r,
                                   const saip_profile *profile, scp03t_state *state)
{
    aw_err err = AW_OK;
    der_builder_begin(b, SGP22_TAG_BPP_SEQUENCE_86);
    if (r->segmentation == SMDP_BPP_SEGMENT_FILL) {
        err = scp03t_protect(state, SGP22_TAG_BPP_SEGMENT_86, SCP03T_ENCRYPT_AND_MAC, r->profile,
                             r->profile_len, b);
    } else {
        saip_element_info element;
        for (size_t i = 0; err == AW_OK && i < saip_profile_element_count(profile); i++) {
            err = saip_profile_element(profile, i, &element);
            if (err == AW_OK)
                err = scp03t_protect(state, SGP22_TAG_BPP_SEGMENT_86, SCP03T_ENCRYPT_AND_MAC,
                                     element.der.ptr, element.der.len, b);
        }
    }
    der_builder_end(b);
    return err != AW_OK ? err : b->err;
}

/* secondSequenceOf87 (5.5.4): fresh PPKs, sent under the session keys;
 * the profile state then starts from them (scp03t.h). */
static aw_err put_replace_session_keys(der_builder *b, bpp_secrets *s)
{
    sgp22_replace_session_keys_request request;
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    aw_err err = crypto_random_bytes(s->ppk_enc, sizeof(s->ppk_enc));
    if (err == AW_OK)
        err = crypto_random_bytes(s->ppk_mac, sizeof(s->ppk_mac));
    if (err == AW_OK)
        err = crypto_random_bytes(s->ppk_initial_mcv, sizeof(s->ppk_initial_mcv));
    if (err != AW_OK)
        return err;
    memset(&request, 0, sizeof(request));
    request.initial_mac_chaining_value.ptr = s->ppk_initial_mcv;
    request.initial_mac_chaining_value.len = sizeof(s->ppk_initial_mcv);
    request.ppk_enc.ptr = s->ppk_enc;
    request.ppk_enc.len = sizeof(s->ppk_enc);
    request.ppk_cmac.ptr = s->ppk_mac;
    request.ppk_cmac.len = sizeof(s->ppk_mac);
    err = sgp22_encode_replace_session_keys_request(&request, &encoded, &encoded_len);
    if (err == AW_OK)
        err = put_protected_list(b, SGP22_TAG_BPP_SEQUENCE_87_SECOND, &s->session,
                                 SGP22_TAG_BPP_SEGMENT_87, SCP03T_ENCRYPT_AND_MAC, encoded,
                                 encoded_len);
    der_bytes_free(encoded, encoded_len);
    if (err == AW_OK)
        scp03t_init(&s->profile, s->ppk_enc, s->ppk_mac, s->ppk_initial_mcv);
    return err;
}

/* The plaintext commands of firstSequenceOf87 and sequenceOf88. */
static aw_err encode_commands(const smdp_bpp_request *r, const saip_profile *profile,
                              uint8_t **configure, size_t *configure_len,
                              uint8_t **metadata, size_t *metadata_len)
{
    char iccid_text[SAIP_ICCID_TEXT];
    uint8_t iccid[SMDP_ICCID_SIZE];
    char oid_text[OID_TEXT_MAX];
    const char *dp_oid = r->dp_oid;
    aw_err err = AW_OK;
    if (dp_oid == NULL) {
        err = pki_certificate_get_registered_id(r->dp_pb_certificate, oid_text,
                                                sizeof(oid_text));
        dp_oid = oid_text;
    }
    if (err == AW_OK)
        err = smdp_encode_configure_isdp(dp_oid, configure, configure_len);
    if (err == AW_OK)
        err = saip_get_iccid(profile, iccid_text);
    if (err == AW_OK) {
        iccid_to_bytes(iccid_text, iccid);
        err = smdp_encode_store_metadata(r->metadata, iccid, metadata, metadata_len);
    }
    return err;
}

aw_err smdp_bpp_build(const smdp_bpp_request *request, uint8_t **out, size_t *out_len)
{
    bpp_secrets secrets;
    saip_profile *profile = NULL;
    crypto_key *one_time_key = NULL;
    uint8_t smdp_otpk[CRYPTO_POINT_SIZE];
    uint8_t *configure = NULL, *metadata = NULL;
    size_t configure_len = 0, metadata_len = 0;
    const uint8_t *host_id = NULL;
    size_t host_id_len = 0;
    der_builder b;
    aw_err err;

    memset(&secrets, 0, sizeof(secrets));
    der_builder_init(&b);
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (request == NULL || out == NULL || out_len == NULL) {
        err = AW_ERR_ARGUMENT;
        goto cleanup;
    }
    err = check_request(request);
    if (err == AW_OK)
        err = check_dp_pb(request);
    if (err == AW_OK)
        err = saip_profile_parse(request->profile, request->profile_len, &profile);
    if (err == AW_OK)
        err = encode_commands(request, profile, &configure, &configure_len, &metadata,
                              &metadata_len);
    if (err != AW_OK)
        goto cleanup;

    /* 3.1.3: otSK/otPK.DP.ECKA on the curve of the DPpb key, which is the
     * curve the eUICC generated otPK.EUICC.ECKA on; then 2.6.4.2. */
    host_id = request->host_id != NULL ? request->host_id : request->transaction_id;
    host_id_len = request->host_id != NULL ? request->host_id_len : request->transaction_id_len;
    err = crypto_generate_key(crypto_key_curve(request->dp_pb_key), &one_time_key);
    if (err == AW_OK)
        err = crypto_key_export_point(one_time_key, smdp_otpk);
    if (err == AW_OK)
        err = crypto_key_agreement(one_time_key, request->euicc_otpk, request->euicc_otpk_len,
                                   secrets.shared_secret);
    if (err == AW_OK)
        err = crypto_derive_session_keys(secrets.shared_secret, host_id, host_id_len,
                                         request->eid, &secrets.session_keys);
    if (err != AW_OK)
        goto cleanup;
    scp03t_init_session(&secrets.session, &secrets.session_keys);

    /* 2.5.4 BoundProfilePackage, parts in the order 2.5.5 sends them. */
    der_builder_begin(&b, SGP22_TAG_BOUND_PROFILE_PACKAGE);
    err = put_initialise_secure_channel(&b, request, host_id, host_id_len, smdp_otpk);
    if (err == AW_OK)
        err = put_protected_list(&b, SGP22_TAG_BPP_SEQUENCE_87_FIRST, &secrets.session,
                                 SGP22_TAG_BPP_SEGMENT_87, SCP03T_ENCRYPT_AND_MAC, configure,
                                 configure_len);
    if (err == AW_OK)
        err = put_protected_list(&b, SGP22_TAG_BPP_SEQUENCE_88, &secrets.session,
                                 SGP22_TAG_BPP_SEGMENT_88, SCP03T_MAC_ONLY, metadata,
                                 metadata_len);
    if (err == AW_OK && request->replace_session_keys)
        err = put_replace_session_keys(&b, &secrets);
    if (err == AW_OK)
        err = put_profile_segments(&b, request, profile,
                                   request->replace_session_keys ? &secrets.profile
                                                                 : &secrets.session);
    der_builder_end(&b);
    if (err == AW_OK)
        err = der_builder_finish(&b, out, out_len);

cleanup:
    der_builder_free(&b);
    der_bytes_free(configure, configure_len);
    der_bytes_free(metadata, metadata_len);
    saip_profile_free(profile);
    crypto_key_free(one_time_key);  /* EVP_PKEY_free erases otSK.DP.ECKA */
    scp03t_clear(&secrets.session);
    scp03t_clear(&secrets.profile);
    crypto_session_keys_clear(&secrets.session_keys);
    crypto_cleanse(&secrets, sizeof(secrets));
    return err;
}
