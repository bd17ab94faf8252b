/* airwrite core: the two directions of minimizeEsipaBytes (SGP.32
 * IpaCapabilities minimizeEsipaBytes; ESipa 6.3.2.1-6.3.2.5): the IPA's
 * compact forms of the eUICC's SGP.22 answers, and the eIM's rebuild of
 * the exact DER the eUICC signed before it relays ES9+ to the SM-DP+ (SGP.22
 * 5.6.2-5.6.5), which verifies the eUICC's signatures over those bytes.
 * See sgp32_compact.h for what each compact form leaves out.
 *
 * The rebuild restores:
 *  - EuiccSigned1 (SGP.22 5.7.13): transactionId, serverAddress and
 *    serverChallenge of the serverSigned1 the eIM relayed, the eUICC's
 *    euiccInfo2 with the compact extCardResource, ctxParams1 (the IPA's, or
 *    the eIM's own); the certificates from the eIM's registry;
 *  - EuiccSigned2 (5.7.5): the request's transactionId, euiccOtpk (else the
 *    bppEuiccOtpk of smdpSigned2), hashCc (the compact's or the eIM's);
 *  - EuiccCancelSessionSigned (5.7.14): transactionId and the SM-DP+ OID;
 *  - ProfileInstallationResultData (5.7.6): notificationMetadata (install,
 *    the session's SM-DP+ address, the ICCID of the profile unless
 *    iccidPresent is FALSE), the SM-DP+ OID, the ISD-P AID from its two
 *    compact bytes (SGP.22 2.2.4 / SGP.02 AID family, bytes 1-13 and 16
 *    fixed) and the success simaResponse when left out;
 *  - OtherSignedNotification (5.7.10): the eUICC's certificates.
 * Every part is encoded with the SGP.22 encoders, which are DER: the
 * eUICC's answer was DER too (the decoders refuse anything else), so the
 * bytes are the same. */
#include "core/sgp32_compact.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "core/hex.h"
#include "core/pki.h"
#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_download.h"
#include "core/sgp22_info_common.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_tags.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"

#define TAG_EXT_CARD_RESOURCE 0x84u       /* EUICCInfo2 extCardResource [4] */
#define TAG_NOTIFICATION_METADATA 0xBF2Fu /* NotificationMetadata [47] */
#define OID_MAX 64u

/* SGP.22 2.2.4: ISD-P AIDs of the ISD-R's family, A0 00 00 05 59 10 10 FF
 * FF FF FF 89 00 | b14 b15 | 00; compactAid carries bytes 14 and 15. */
static const uint8_t isdp_aid_prefix[13] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10,
                                            0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00};
#define ISDP_AID_SUFFIX 0x00u

/* SGP32Definitions CompactSuccessResult: simaResponse absent means this
 * EUICCResponse of success. */
static const uint8_t sima_success[9] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

/* ---- small helpers ------------------------------------------------------ */

/* The direct child TLV of tag inside a constructed TLV. */
static aw_err child_tlv(aw_slice tlv, uint32_t tag, aw_slice *out)
{
    der_reader top, inner;
    der_node node;
    der_reader_init(&top, tlv.ptr, tlv.len);
    aw_err err = der_read_node(&top, &node);
    if (err == AW_OK)
        err = der_reader_enter(&top, &node, &inner);
    while (err == AW_OK && !der_reader_at_end(&inner)) {
        err = der_read_node(&inner, &node);
        if (err == AW_OK && node.tag == tag) {
            *out = node.raw;
            return AW_OK;
        }
    }
    return err == AW_OK ? AW_ERR_DER_MISSING : err;
}

/* A TLV's value. */
static aw_err tlv_value(aw_slice tlv, aw_slice *value)
{
    der_node node;
    aw_err err = der_decode_single(tlv.ptr, tlv.len, &node);
    if (err == AW_OK)
        *value = node.value;
    return err;
}

static bool same(aw_slice a, const uint8_t *b, size_t len)
{
    return a.len == len && (len == 0 || memcmp(a.ptr, b, len) == 0);
}

static aw_err copy_out(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    *out = malloc(len != 0 ? len : 1);
    if (*out == NULL)
        return AW_ERR_NOMEM;
    memcpy(*out, in, len);
    *out_len = len;
    return AW_OK;
}

/* First child tag of a constructed TLV (0 when none). */
static uint32_t first_child_tag(const uint8_t *in, size_t len)
{
    der_node node;
    uint32_t tag = 0;
    der_reader r;
    if (der_decode_single(in, len, &node) != AW_OK || !node.constructed)
        return 0;
    der_reader_init(&r, node.value.ptr, node.value.len);
    return der_peek_tag(&r, &tag) ? tag : 0;
}

bool sgp32_compact_is_compact(const uint8_t *in, size_t len)
{
    der_node node;
    if (in == NULL || der_decode_single(in, len, &node) != AW_OK)
        return false;
    switch (node.tag) {
    case SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE:
    case SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE:
    case SGP22_TAG_CANCEL_SESSION:
        return first_child_tag(in, len) == 0xA2u;
    case SGP32_TAG_COMPACT_PROFILE_INSTALLATION_RESULT:
    case SGP32_TAG_COMPACT_OTHER_SIGNED_NOTIFICATION:
        return true;
    default:
        return false;
    }
}

aw_err sgp32_compact_smdp_oid(const uint8_t *certificate, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len)
{
    pki_certificate *cert = NULL;
    char text[128];
    *out_len = 0;
    aw_err err = pki_certificate_parse(certificate, len, &cert);
    if (err == AW_OK)
        err = pki_certificate_get_registered_id(cert, text, sizeof(text));
    pki_certificate_free(cert);
    if (err != AW_OK)
        return err;
    ASN1_OBJECT *oid = OBJ_txt2obj(text, 1);
    if (oid == NULL)
        return AW_ERR_PKI_SUBJECT_ALT_NAME;
    int n = OBJ_length(oid);
    const unsigned char *data = OBJ_get0_data(oid);
    if (n <= 0 || data == NULL) {
        err = AW_ERR_PKI_SUBJECT_ALT_NAME;
    } else if ((size_t)n > cap) {
        err = AW_ERR_BUFFER_TOO_SMALL;
    } else {
        memcpy(out, data, (size_t)n);
        *out_len = (size_t)n;
    }
    ASN1_OBJECT_free(oid);
    return err;
}

/* ---- minimize (the IPA) -------------------------------------------------- */

/* A Certificate (30) as [n] IMPLICIT Certificate, in storage (freed by
 * the caller). */
static aw_err implicit_certificate(aw_slice certificate, uint32_t tag, uint8_t **storage,
                                   size_t *len)
{
    aw_slice value;
    aw_err err = tlv_value(certificate, &value);
    if (err != AW_OK)
        return err;
    der_builder b;
    der_builder_init(&b);
    der_put_slice(&b, tag, value);
    return der_builder_finish(&b, storage, len);
}

static aw_err minimize_authenticate(const uint8_t *in, size_t len,
                                    const sgp32_minimize_options *o, der_builder *b)
{
    sgp22_authenticate_server_response *r = calloc(1, sizeof(*r));
    sgp32_compact_authenticate_response_ok *c = calloc(1, sizeof(*c));
    uint8_t *certs[2] = {NULL, NULL};
    size_t cert_len[2] = {0, 0};
    aw_slice ecr;
    aw_err err = r == NULL || c == NULL ? AW_ERR_NOMEM
                                        : sgp22_decode_authenticate_server_response(in, len, r);
    if (err == AW_OK && r->kind != SGP22_RESPONSE_OK) {
        der_put_raw(b, in, len); /* an error has nothing to leave out */
        goto done;
    }
    if (err == AW_OK)
        err = child_tlv(r->ok.euicc_signed1.euicc_info2, TAG_EXT_CARD_RESOURCE, &ecr);
    if (err == AW_OK)
        err = tlv_value(ecr, &c->signed_data.compact_euicc_signed1.ext_card_resource);
    if (err == AW_OK && o->keep_certificates) {
        err = implicit_certificate(r->ok.euicc_certificate, DER_CTX_CONS(1), &certs[0],
                                   &cert_len[0]);
        if (err == AW_OK)
            err = implicit_certificate(r->ok.eum_certificate, DER_CTX_CONS(2), &certs[1],
                                       &cert_len[1]);
        c->has_euicc_certificate = c->has_eum_certificate = err == AW_OK;
        c->euicc_certificate = (aw_slice){certs[0], cert_len[0]};
        c->eum_certificate = (aw_slice){certs[1], cert_len[1]};
    }
    if (err == AW_OK) {
        c->signed_data.kind = SGP32_COMPACT_SIGNED_DATA_COMPACT;
        c->signed_data.compact_euicc_signed1.has_ctx_params1 = !o->omit_ctx_params1;
        c->signed_data.compact_euicc_signed1.ctx_params1 = r->ok.euicc_signed1.ctx_params1.raw;
        c->euicc_signature1 = r->ok.euicc_signature1;
        der_builder_begin(b, SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE);
        sgp32_put_compact_authenticate_response_ok(b, c);
        der_builder_end(b);
    }
done:
    free(certs[0]);
    free(certs[1]);
    free(c);
    free(r);
    return err;
}

static aw_err minimize_prepare_download(const uint8_t *in, size_t len,
                                        const sgp32_minimize_options *o, der_builder *b)
{
    sgp22_prepare_download_response r;
    sgp32_compact_prepare_download_response_ok c;
    memset(&c, 0, sizeof(c));
    aw_err err = sgp22_decode_prepare_download_response(in, len, &r);
    if (err != AW_OK)
        return err;
    if (r.kind != SGP22_RESPONSE_OK) {
        der_put_raw(b, in, len);
        return AW_OK;
    }
    const sgp22_euicc_signed2 *s = &r.ok.euicc_signed2;
    /* euiccOtpk is left out only when it is smdpSigned2's bppEuiccOtpk */
    c.compact_euicc_signed2.has_euicc_otpk =
        !same(s->euicc_otpk, o->bpp_euicc_otpk.ptr, o->bpp_euicc_otpk.len);
    c.compact_euicc_signed2.euicc_otpk = s->euicc_otpk;
    c.compact_euicc_signed2.has_hash_cc = s->has_hash_cc && !o->omit_hash_cc;
    c.compact_euicc_signed2.hash_cc = s->hash_cc;
    c.euicc_signature2 = r.ok.euicc_signature2;
    der_builder_begin(b, SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE);
    sgp32_put_compact_prepare_download_response_ok(b, &c);
    der_builder_end(b);
    return AW_OK;
}

static aw_err minimize_cancel_session(const uint8_t *in, size_t len, der_builder *b)
{
    sgp22_cancel_session_response r;
    sgp32_compact_cancel_session_response_ok c;
    memset(&c, 0, sizeof(c));
    aw_err err = sgp22_decode_cancel_session_response(in, len, &r);
    if (err != AW_OK)
        return err;
    if (r.kind != SGP22_RESPONSE_OK) {
        der_put_raw(b, in, len);
        return AW_OK;
    }
    /* the reason stays: the eIM cannot know why the IPA cancelled */
    c.compact_euicc_cancel_session_signed.has_reason = true;
    c.compact_euicc_cancel_session_signed.reason = r.ok.euicc_cancel_session_signed.reason;
    c.euicc_cancel_session_signature = r.ok.euicc_cancel_session_signature;
    der_builder_begin(b, SGP22_TAG_CANCEL_SESSION);
    sgp32_put_compact_cancel_session_response_ok(b, &c);
    der_builder_end(b);
    return AW_OK;
}

static aw_err minimize_installation(const uint8_t *in, size_t len, der_builder *b)
{
    sgp22_profile_installation_result *r = calloc(1, sizeof(*r));
    sgp32_compact_profile_installation_result *c = calloc(1, sizeof(*c));
    sgp22_notification_metadata metadata;
    static const uint8_t iccid_absent = 0x00;
    aw_slice final_result, error_result;
    aw_err err = r == NULL || c == NULL ? AW_ERR_NOMEM
                                        : sgp22_decode_profile_installation_result(in, len, r);
    if (err == AW_OK)
        err = sgp22_decode_notification_metadata(r->data.notification_metadata.ptr,
                                                 r->data.notification_metadata.len, &metadata);
    if (err != AW_OK)
        goto done;
    sgp32_compact_profile_installation_result_data *d = &c->data;
    if (r->data.final_result == SGP22_FINAL_RESULT_SUCCESS) {
        aw_slice aid = r->data.success.aid;
        if (aid.len != SGP32_ISDP_AID_LENGTH ||
            memcmp(aid.ptr, isdp_aid_prefix, sizeof(isdp_aid_prefix)) != 0 ||
            aid.ptr[15] != ISDP_AID_SUFFIX) {
            der_put_raw(b, in, len); /* an AID the eIM cannot restore: sent whole */
            goto done;
        }
        d->final_result.kind = SGP32_COMPACT_FINAL_RESULT_SUCCESS;
        d->final_result.success.compact_aid = (aw_slice){aid.ptr + 13, SGP32_COMPACT_AID_LENGTH};
        d->final_result.success.has_sima_response =
            !same(r->data.success.sima_response, sima_success, sizeof(sima_success));
        d->final_result.success.sima_response = r->data.success.sima_response;
    } else {
        err = child_tlv(r->data.raw, DER_CTX_CONS(2), &final_result);
        if (err == AW_OK)
            err = child_tlv(final_result, DER_CTX_CONS(1), &error_result);
        if (err != AW_OK)
            goto done;
        d->final_result.kind = SGP32_COMPACT_FINAL_RESULT_ERROR;
        d->final_result.error_result = error_result;
    }
    d->transaction_id = r->data.transaction_id;
    d->seq_number = metadata.seq_number;
    d->has_iccid_present = !metadata.has_iccid;
    d->iccid_present = (aw_slice){&iccid_absent, 1};
    c->euicc_sign_pir = r->euicc_sign_pir;
    sgp32_put_compact_profile_installation_result(b, c);
done:
    free(c);
    free(r);
    return err;
}

static aw_err minimize_other(const uint8_t *in, size_t len, der_builder *b)
{
    sgp22_other_signed_notification *r = calloc(1, sizeof(*r));
    sgp32_compact_other_signed_notification c;
    pki_certificate *cert = NULL;
    char eid[AW_PKI_EID_DIGITS + 1];
    uint8_t eid_value[SGP32_EID_LENGTH];
    size_t eid_len = 0;
    memset(&c, 0, sizeof(c));
    aw_err err = r == NULL ? AW_ERR_NOMEM : sgp22_decode_other_signed_notification(in, len, r);
    /* eidValue: the eIM finds the eUICC's certificates by it */
    if (err == AW_OK)
        err = pki_certificate_parse(r->euicc_certificate.ptr, r->euicc_certificate.len, &cert);
    if (err == AW_OK)
        err = pki_certificate_get_eid(cert, eid);
    if (err == AW_OK)
        err = aw_hex_decode(eid, eid_value, sizeof(eid_value), &eid_len);
    if (err == AW_OK) {
        c.has_eid_value = true;
        c.eid_value = (aw_slice){eid_value, eid_len};
        c.tbs_other_notification = r->tbs_other_notification.raw;
        c.euicc_notification_signature = r->euicc_notification_signature;
        sgp32_put_compact_other_signed_notification(b, &c);
    }
    pki_certificate_free(cert);
    free(r);
    return err;
}

aw_err sgp32_minimize_euicc_answer(const uint8_t *in, size_t len,
                                   const sgp32_minimize_options *options, uint8_t **out,
                                   size_t *out_len)
{
    static const sgp32_minimize_options all = {0};
    der_node node;
    der_builder b;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (in == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    if (options == NULL)
        options = &all;
    aw_err err = der_decode_single(in, len, &node);
    if (err != AW_OK)
        return err;
    der_builder_init(&b);
    switch (node.tag) {
    case SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE:
        err = minimize_authenticate(in, len, options, &b);
        break;
    case SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE:
        err = minimize_prepare_download(in, len, options, &b);
        break;
    case SGP22_TAG_CANCEL_SESSION:
        err = minimize_cancel_session(in, len, &b);
        break;
    case SGP32_TAG_PROFILE_INSTALLATION_RESULT:
        err = minimize_installation(in, len, &b);
        break;
    case DER_TAG_SEQUENCE:
        err = minimize_other(in, len, &b);
        break;
    default:
        err = AW_ERR_DER_UNEXPECTED_TAG;
        break;
    }
    if (err != AW_OK) {
        der_builder_free(&b);
        return err;
    }
    return der_builder_finish(&b, out, out_len);
}

/* ---- rebuild (the eIM) ---------------------------------------------------- */

static bool known(aw_slice s)
{
    return s.ptr != NULL && s.len > 0;
}

/* EUICCInfo2 with extCardResource's value replaced. */
static aw_err put_euicc_info2(der_builder *b, aw_slice info2, aw_slice ext_card_resource)
{
    der_reader top, inner;
    der_node node;
    bool replaced = false;
    der_reader_init(&top, info2.ptr, info2.len);
    aw_err err = der_read_node(&top, &node);
    if (err == AW_OK && node.tag != SGP32_TAG_EUICC_INFO2)
        err = AW_ERR_SGP32_COMPACT_CONTEXT;
    if (err == AW_OK)
        err = der_reader_enter(&top, &node, &inner);
    if (err != AW_OK)
        return err;
    der_builder_begin(b, SGP32_TAG_EUICC_INFO2);
    while (err == AW_OK && !der_reader_at_end(&inner)) {
        err = der_read_node(&inner, &node);
        if (err == AW_OK && node.tag == TAG_EXT_CARD_RESOURCE) {
            der_put_slice(b, TAG_EXT_CARD_RESOURCE, ext_card_resource);
            replaced = true;
        } else if (err == AW_OK) {
            der_put_raw(b, node.raw.ptr, node.raw.len);
        }
    }
    der_builder_end(b);
    return err == AW_OK && !replaced ? AW_ERR_SGP32_COMPACT_CONTEXT : err;
}

/* A certificate of the compact form ([n] IMPLICIT) as Certificate (30),
 * else the eIM's. *storage freed by the caller. */
static aw_err pick_certificate(bool has, aw_slice compact, aw_slice held, uint8_t **storage,
                               aw_slice *out)
{
    size_t len = 0;
    if (has) {
        aw_err err = sgp32_retag_as_sequence(compact, storage, &len);
        *out = (aw_slice){*storage, len};
        return err;
    }
    if (!known(held))
        return AW_ERR_SGP32_COMPACT_CONTEXT;
    *out = held;
    return AW_OK;
}

static aw_err rebuild_authenticate(aw_slice alternative, const sgp32_rebuild_context *x,
                                   der_builder *b)
{
    sgp32_compact_authenticate_response_ok *c = calloc(1, sizeof(*c));
    uint8_t *storage[2] = {NULL, NULL};
    aw_slice euicc_cert, eum_cert;
    aw_err err = c == NULL ? AW_ERR_NOMEM
                           : sgp32_decode_compact_authenticate_response_ok(
                                 alternative.ptr, alternative.len, c);
    if (err == AW_OK)
        err = pick_certificate(c->has_euicc_certificate, c->euicc_certificate,
                               x->euicc_certificate, &storage[0], &euicc_cert);
    if (err == AW_OK)
        err = pick_certificate(c->has_eum_certificate, c->eum_certificate, x->eum_certificate,
                               &storage[1], &eum_cert);
    if (err != AW_OK)
        goto done;
    der_builder_begin(b, SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE);
    der_builder_begin(b, DER_CTX_CONS(0)); /* authenticateResponseOk */
    if (c->signed_data.kind == SGP32_COMPACT_SIGNED_DATA_EUICC_SIGNED1) {
        der_put_raw(b, c->signed_data.euicc_signed1.ptr, c->signed_data.euicc_signed1.len);
    } else {
        const sgp32_compact_euicc_signed1 *s = &c->signed_data.compact_euicc_signed1;
        aw_slice ctx = s->has_ctx_params1 ? s->ctx_params1 : x->ctx_params1;
        if (!known(x->transaction_id) || !known(x->server_address) ||
            !known(x->server_challenge) || !known(x->euicc_info2) || !known(ctx)) {
            err = AW_ERR_SGP32_COMPACT_CONTEXT;
            goto done;
        }
        /* EuiccSigned1 (SGP.22 5.7.13) as the eUICC signed it */
        der_builder_begin(b, DER_TAG_SEQUENCE);
        der_put_slice(b, DER_CTX(0), x->transaction_id);
        der_put_slice(b, DER_CTX(3), x->server_address);
        der_put_slice(b, DER_CTX(4), x->server_challenge);
        err = put_euicc_info2(b, x->euicc_info2, s->ext_card_resource);
        der_put_raw(b, ctx.ptr, ctx.len);
        der_builder_end(b);
    }
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, c->euicc_signature1);
    der_put_raw(b, euicc_cert.ptr, euicc_cert.len);
    der_put_raw(b, eum_cert.ptr, eum_cert.len);
    der_builder_end(b);
    der_builder_end(b);
done:
    free(storage[0]);
    free(storage[1]);
    free(c);
    return err;
}

static aw_err rebuild_prepare_download(aw_slice alternative, const sgp32_rebuild_context *x,
                                       der_builder *b)
{
    sgp32_compact_prepare_download_response_ok c;
    aw_err err = sgp32_decode_compact_prepare_download_response_ok(alternative.ptr,
                                                                   alternative.len, &c);
    if (err != AW_OK)
        return err;
    const sgp32_compact_euicc_signed2 *s = &c.compact_euicc_signed2;
    aw_slice otpk = s->has_euicc_otpk ? s->euicc_otpk : x->bpp_euicc_otpk;
    aw_slice hash_cc = s->has_hash_cc ? s->hash_cc : x->hash_cc;
    if (!known(x->transaction_id) || !known(otpk))
        return AW_ERR_SGP32_COMPACT_CONTEXT;
    der_builder_begin(b, SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE);
    der_builder_begin(b, DER_CTX_CONS(0)); /* downloadResponseOk */
    /* EuiccSigned2 (SGP.22 5.7.5) */
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), x->transaction_id);
    der_put_slice(b, SGP22_TAG_EUICC_OTPK, otpk);
    if (known(hash_cc))
        der_put_slice(b, DER_TAG_OCTET_STRING, hash_cc);
    der_builder_end(b);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, c.euicc_signature2);
    der_builder_end(b);
    der_builder_end(b);
    return AW_OK;
}

static aw_err rebuild_cancel_session(aw_slice alternative, const sgp32_rebuild_context *x,
                                     der_builder *b)
{
    sgp32_compact_cancel_session_response_ok c;
    aw_err err = sgp32_decode_compact_cancel_session_response_ok(alternative.ptr,
                                                                 alternative.len, &c);
    if (err != AW_OK)
        return err;
    if (!known(x->transaction_id) || !known(x->smdp_oid) ||
        !c.compact_euicc_cancel_session_signed.has_reason)
        return AW_ERR_SGP32_COMPACT_CONTEXT;
    sgp22_euicc_cancel_session_signed s;
    memset(&s, 0, sizeof(s));
    s.transaction_id = x->transaction_id;
    s.smdp_oid = x->smdp_oid;
    s.reason = c.compact_euicc_cancel_session_signed.reason;
    der_builder_begin(b, SGP22_TAG_CANCEL_SESSION);
    der_builder_begin(b, DER_CTX_CONS(0)); /* cancelSessionResponseOk */
    sgp22_put_euicc_cancel_session_signed(b, &s);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, c.euicc_cancel_session_signature);
    der_builder_end(b);
    der_builder_end(b);
    return AW_OK;
}

/* ErrorResult ::= SEQUENCE { bppCommandId [0], errorReason [1],
 * simaResponse [2] OPTIONAL } (SGP.22 5.7.6, automatic tags) */
static aw_err decode_error_result(aw_slice tlv, sgp22_error_result *out)
{
    der_reader top, r;
    der_node node;
    bool present = false;
    memset(out, 0, sizeof(*out));
    der_reader_init(&top, tlv.ptr, tlv.len);
    aw_err err = der_read_node(&top, &node);
    if (err == AW_OK)
        err = der_reader_enter(&top, &node, &r);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_CTX(0), &node);
    if (err == AW_OK)
        err = der_node_get_int64(&node, &out->bpp_command_id);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_CTX(1), &node);
    if (err == AW_OK)
        err = der_node_get_int64(&node, &out->error_reason);
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(2), &node, &present);
    if (err == AW_OK && present) {
        out->has_sima_response = true;
        out->sima_response = node.value;
    }
    if (err == AW_OK && !der_reader_at_end(&r))
        out->extensions = (aw_slice){r.pos, (size_t)(r.end - r.pos)};
    return err;
}

static aw_err rebuild_installation(aw_slice alternative, const sgp32_rebuild_context *x,
                                   der_builder *b)
{
    sgp32_compact_profile_installation_result *c = calloc(1, sizeof(*c));
    sgp22_profile_installation_result_data *data = calloc(1, sizeof(*data));
    sgp22_notification_metadata metadata;
    uint8_t aid[SGP32_ISDP_AID_LENGTH];
    uint8_t *metadata_bytes = NULL, *data_bytes = NULL;
    size_t metadata_len = 0, data_len = 0;
    memset(&metadata, 0, sizeof(metadata));
    aw_err err = c == NULL || data == NULL
                     ? AW_ERR_NOMEM
                     : sgp32_decode_compact_profile_installation_result(alternative.ptr,
                                                                        alternative.len, c);
    if (err != AW_OK)
        goto done;
    const sgp32_compact_profile_installation_result_data *d = &c->data;
    bool iccid_present = !d->has_iccid_present;
    if (!known(x->notification_address) || !known(x->smdp_oid) ||
        (iccid_present && x->iccid.len != SGP32_ICCID_LENGTH)) {
        err = AW_ERR_SGP32_COMPACT_CONTEXT;
        goto done;
    }
    /* NotificationMetadata (SGP.22 5.7.6: install, the session's SM-DP+) */
    metadata.seq_number = d->seq_number;
    metadata.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    metadata.notification_address = x->notification_address;
    metadata.has_iccid = iccid_present;
    metadata.iccid = x->iccid;
    err = sgp22_encode_notification_metadata(&metadata, &metadata_bytes, &metadata_len);
    if (err != AW_OK)
        goto done;
    data->transaction_id = d->transaction_id;
    data->notification_metadata = (aw_slice){metadata_bytes, metadata_len};
    data->smdp_oid = x->smdp_oid;
    if (d->final_result.kind == SGP32_COMPACT_FINAL_RESULT_SUCCESS) {
        const sgp32_compact_success_result *s = &d->final_result.success;
        memcpy(aid, isdp_aid_prefix, sizeof(isdp_aid_prefix));
        memcpy(aid + sizeof(isdp_aid_prefix), s->compact_aid.ptr, SGP32_COMPACT_AID_LENGTH);
        aid[15] = ISDP_AID_SUFFIX;
        data->final_result = SGP22_FINAL_RESULT_SUCCESS;
        data->success.aid = (aw_slice){aid, sizeof(aid)};
        data->success.sima_response = s->has_sima_response
                                          ? s->sima_response
                                          : (aw_slice){sima_success, sizeof(sima_success)};
    } else {
        data->final_result = SGP22_FINAL_RESULT_ERROR;
        err = decode_error_result(d->final_result.error_result, &data->error);
    }
    if (err == AW_OK)
        err = sgp22_encode_profile_installation_result_data(data, &data_bytes, &data_len);
    if (err == AW_OK) {
        sgp22_profile_installation_result pir;
        memset(&pir, 0, sizeof(pir));
        pir.data.raw = (aw_slice){data_bytes, data_len};
        pir.euicc_sign_pir = c->euicc_sign_pir;
        sgp22_put_profile_installation_result(b, &pir);
    }
done:
    free(data_bytes);
    free(metadata_bytes);
    free(data);
    free(c);
    return err;
}

static aw_err rebuild_other(aw_slice alternative, const sgp32_rebuild_context *x, der_builder *b)
{
    sgp32_compact_other_signed_notification c;
    aw_err err = sgp32_decode_compact_other_signed_notification(alternative.ptr, alternative.len,
                                                                &c);
    if (err != AW_OK)
        return err;
    if (!known(x->euicc_certificate) || !known(x->eum_certificate))
        return AW_ERR_SGP32_COMPACT_CONTEXT;
    /* OtherSignedNotification (SGP.22 5.7.10) */
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_raw(b, c.tbs_other_notification.ptr, c.tbs_other_notification.len);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, c.euicc_notification_signature);
    der_put_raw(b, x->euicc_certificate.ptr, x->euicc_certificate.len);
    der_put_raw(b, x->eum_certificate.ptr, x->eum_certificate.len);
    der_builder_end(b);
    return AW_OK;
}

aw_err sgp32_rebuild_euicc_answer(const uint8_t *in, size_t len,
                                  const sgp32_rebuild_context *context, uint8_t **out,
                                  size_t *out_len)
{
    static const sgp32_rebuild_context none = {0};
    der_node node;
    aw_slice alternative = {NULL, 0};
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (in == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    if (context == NULL)
        context = &none;
    aw_err err = der_decode_single(in, len, &node);
    if (err != AW_OK)
        return err;
    if (!sgp32_compact_is_compact(in, len))
        return copy_out(in, len, out, out_len);
    der_builder b;
    der_builder_init(&b);
    switch (node.tag) {
    case SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE:
        err = child_tlv(node.raw, 0xA2u, &alternative);
        if (err == AW_OK)
            err = rebuild_authenticate(alternative, context, &b);
        break;
    case SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE:
        err = child_tlv(node.raw, 0xA2u, &alternative);
        if (err == AW_OK)
            err = rebuild_prepare_download(alternative, context, &b);
        break;
    case SGP22_TAG_CANCEL_SESSION:
        err = child_tlv(node.raw, 0xA2u, &alternative);
        if (err == AW_OK)
            err = rebuild_cancel_session(alternative, context, &b);
        break;
    case SGP32_TAG_COMPACT_PROFILE_INSTALLATION_RESULT:
        err = rebuild_installation(node.raw, context, &b);
        break;
    default:
        err = rebuild_other(node.raw, context, &b);
        break;
    }
    /* the CHOICE wrappers hold exactly one alternative */
    if (err == AW_OK && alternative.ptr != NULL &&
        (size_t)(alternative.ptr + alternative.len - node.value.ptr) != node.value.len)
        err = AW_ERR_DER_TRAILING;
    if (err != AW_OK) {
        der_builder_free(&b);
        return err;
    }
    return der_builder_finish(&b, out, out_len);
}
