/* airwrite core: ES10b.PrepareDownload (SGP.22 5.7.5) and
 * ES10b.CancelSession (5.7.14) messages, from SGP.22 RSPDefinitions
 * (AUTOMATIC TAGS: untagged components of a SEQUENCE with no tagged
 * component get [0], [1], ...; CHOICE alternatives likewise).
 */
#include "core/sgp22_download.h"

#include <string.h>

#include "core/sgp22_field.h"
#include "core/sgp22_tags.h"

#define TAG_CHOICE_OK DER_CTX_CONS(0)     /* first CHOICE alternative, a SEQUENCE */
#define TAG_CHOICE_ERROR_SEQ DER_CTX_CONS(1) /* second alternative, a SEQUENCE */
#define TAG_CHOICE_ERROR_INT DER_CTX(1)   /* second alternative, an INTEGER */

static aw_err read_transaction_id(der_reader *r, uint32_t tag, aw_slice *out)
{
    return sgp22_field_read_octets(r, tag, SGP22_TRANSACTION_ID_MIN, SGP22_TRANSACTION_ID_MAX,
                                   out);
}

/* ---- SmdpSigned2 / PrepareDownloadRequest ------------------------------ */

aw_err sgp22_decode_smdp_signed2(const uint8_t *buf, size_t len, sgp22_smdp_signed2 *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, DER_TAG_SEQUENCE, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_bool(&r, DER_TAG_BOOLEAN, &out->cc_required_flag);
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(&r, SGP22_TAG_EUICC_OTPK, 0, SIZE_MAX,
                                               &out->bpp_euicc_otpk, &out->has_bpp_euicc_otpk);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_smdp_signed2(der_builder *b, const sgp22_smdp_signed2 *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_bool(b, DER_TAG_BOOLEAN, in->cc_required_flag);
    if (in->has_bpp_euicc_otpk)
        der_put_slice(b, SGP22_TAG_EUICC_OTPK, in->bpp_euicc_otpk);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

aw_err sgp22_decode_prepare_download_request(const uint8_t *buf, size_t len,
                                             sgp22_prepare_download_request *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_PREPARE_DOWNLOAD, &r, &out->raw);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_SEQUENCE, &n);
    if (err == AW_OK)
        err = sgp22_decode_smdp_signed2(n.raw.ptr, n.raw.len, &out->smdp_signed2);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->smdp_signature2);
    /* hashCc Octet32 OPTIONAL: universal OCTET STRING (the SEQUENCE has tags) */
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(&r, DER_TAG_OCTET_STRING, SGP22_HASH_CC_SIZE,
                                               SGP22_HASH_CC_SIZE, &out->hash_cc,
                                               &out->has_hash_cc);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(&r, &out->smdp_certificate);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_prepare_download_request(der_builder *b,
                                        const sgp22_prepare_download_request *in)
{
    der_builder_begin(b, SGP22_TAG_PREPARE_DOWNLOAD);
    if (!sgp22_field_put_raw_if_set(b, in->smdp_signed2.raw))
        sgp22_put_smdp_signed2(b, &in->smdp_signed2);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->smdp_signature2);
    if (in->has_hash_cc)
        der_put_slice(b, DER_TAG_OCTET_STRING, in->hash_cc);
    der_put_raw(b, in->smdp_certificate.ptr, in->smdp_certificate.len);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(prepare_download_request, sgp22_prepare_download_request)

/* ---- EUICCSigned2 / PrepareDownloadResponse ---------------------------- */

static aw_err read_euicc_signed2(der_reader *r, sgp22_euicc_signed2 *out)
{
    aw_err err = read_transaction_id(r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_octets(r, SGP22_TAG_EUICC_OTPK, 0, SIZE_MAX, &out->euicc_otpk);
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(r, DER_TAG_OCTET_STRING, SGP22_HASH_CC_SIZE,
                                               SGP22_HASH_CC_SIZE, &out->hash_cc,
                                               &out->has_hash_cc);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(r, &out->extensions);
    return err;
}

aw_err sgp22_decode_euicc_signed2(const uint8_t *buf, size_t len, sgp22_euicc_signed2 *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, DER_TAG_SEQUENCE, &r, &out->raw);
    if (err == AW_OK)
        err = read_euicc_signed2(&r, out);
    return err;
}

void sgp22_put_euicc_signed2(der_builder *b, const sgp22_euicc_signed2 *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_slice(b, SGP22_TAG_EUICC_OTPK, in->euicc_otpk);
    if (in->has_hash_cc)
        der_put_slice(b, DER_TAG_OCTET_STRING, in->hash_cc);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

/* PrepareDownloadResponse ::= [33] CHOICE: the [33] tag is explicit (a
 * CHOICE cannot be tagged implicitly), alternatives [0] and [1]. */
aw_err sgp22_decode_prepare_download_response(const uint8_t *buf, size_t len,
                                              sgp22_prepare_download_response *out)
{
    der_reader outer, r;
    der_node alt, n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err =
        sgp22_field_open_choice(buf, len, SGP22_TAG_PREPARE_DOWNLOAD, &out->raw, &outer, &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_CHOICE_OK) {
        out->kind = SGP22_RESPONSE_OK;
        err = der_reader_enter(&outer, &alt, &r);
        if (err == AW_OK)
            err = der_read_expect(&r, DER_TAG_SEQUENCE, &n);
        if (err == AW_OK)
            err = sgp22_decode_euicc_signed2(n.raw.ptr, n.raw.len, &out->ok.euicc_signed2);
        if (err == AW_OK)
            err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                          &out->ok.euicc_signature2);
    } else if (alt.tag == TAG_CHOICE_ERROR_SEQ) {
        out->kind = SGP22_RESPONSE_ERROR;
        err = der_reader_enter(&outer, &alt, &r);
        if (err == AW_OK)
            err = read_transaction_id(&r, DER_CTX(0), &out->error.transaction_id);
        if (err == AW_OK)
            err = sgp22_field_read_integer(&r, DER_TAG_INTEGER, &out->error.download_error_code);
    } else {
        return AW_ERR_DER_UNEXPECTED_TAG;
    }
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, out->kind == SGP22_RESPONSE_OK
                                                  ? &out->ok.extensions
                                                  : &out->error.extensions);
    return err;
}

void sgp22_put_prepare_download_response(der_builder *b,
                                         const sgp22_prepare_download_response *in)
{
    der_builder_begin(b, SGP22_TAG_PREPARE_DOWNLOAD);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_CHOICE_OK);
        if (!sgp22_field_put_raw_if_set(b, in->ok.euicc_signed2.raw))
            sgp22_put_euicc_signed2(b, &in->ok.euicc_signed2);
        der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->ok.euicc_signature2);
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_builder_begin(b, TAG_CHOICE_ERROR_SEQ);
        der_put_slice(b, DER_CTX(0), in->error.transaction_id);
        der_put_int64(b, DER_TAG_INTEGER, in->error.download_error_code);
        der_put_raw(b, in->error.extensions.ptr, in->error.extensions.len);
        der_builder_end(b);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(prepare_download_response, sgp22_prepare_download_response)

/* ---- CancelSession ----------------------------------------------------- */

/* CancelSessionRequest: automatic tags [0] transactionId, [1] reason */
aw_err sgp22_decode_cancel_session_request(const uint8_t *buf, size_t len,
                                           sgp22_cancel_session_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_CANCEL_SESSION, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_integer(&r, DER_CTX(1), &out->reason);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_cancel_session_request(der_builder *b, const sgp22_cancel_session_request *in)
{
    der_builder_begin(b, SGP22_TAG_CANCEL_SESSION);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_int64(b, DER_CTX(1), in->reason);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(cancel_session_request, sgp22_cancel_session_request)

/* EuiccCancelSessionSigned: automatic tags [0] transactionId, [1] smdpOid,
 * [2] reason */
aw_err sgp22_decode_euicc_cancel_session_signed(const uint8_t *buf, size_t len,
                                                sgp22_euicc_cancel_session_signed *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, DER_TAG_SEQUENCE, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_oid(&r, DER_CTX(1), &out->smdp_oid);
    if (err == AW_OK)
        err = sgp22_field_read_integer(&r, DER_CTX(2), &out->reason);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_euicc_cancel_session_signed(der_builder *b,
                                           const sgp22_euicc_cancel_session_signed *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_slice(b, DER_CTX(1), in->smdp_oid);
    der_put_int64(b, DER_CTX(2), in->reason);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

/* CancelSessionResponse ::= [65] CHOICE { [0] CancelSessionResponseOk,
 * [1] INTEGER }, the [65] tag explicit */
aw_err sgp22_decode_cancel_session_response(const uint8_t *buf, size_t len,
                                            sgp22_cancel_session_response *out)
{
    return sgp22_decode_cancel_session_response_tagged(buf, len, SGP22_TAG_CANCEL_SESSION, out);
}

aw_err sgp22_decode_cancel_session_response_tagged(const uint8_t *buf, size_t len, uint32_t tag,
                                                   sgp22_cancel_session_response *out)
{
    der_reader outer, r;
    der_node alt, n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, tag, &out->raw, &outer, &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_CHOICE_ERROR_INT) {
        out->kind = SGP22_RESPONSE_ERROR;
        return der_node_get_int64(&alt, &out->error);
    }
    if (alt.tag != TAG_CHOICE_OK)
        return AW_ERR_DER_UNEXPECTED_TAG;
    out->kind = SGP22_RESPONSE_OK;
    err = der_reader_enter(&outer, &alt, &r);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_SEQUENCE, &n);
    if (err == AW_OK)
        err = sgp22_decode_euicc_cancel_session_signed(
            n.raw.ptr, n.raw.len, &out->ok.euicc_cancel_session_signed);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->ok.euicc_cancel_session_signature);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->ok.extensions);
    return err;
}

void sgp22_put_cancel_session_response(der_builder *b, const sgp22_cancel_session_response *in)
{
    sgp22_put_cancel_session_response_tagged(b, SGP22_TAG_CANCEL_SESSION, in);
}

void sgp22_put_cancel_session_response_tagged(der_builder *b, uint32_t tag,
                                              const sgp22_cancel_session_response *in)
{
    der_builder_begin(b, tag);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_CHOICE_OK);
        if (!sgp22_field_put_raw_if_set(b, in->ok.euicc_cancel_session_signed.raw))
            sgp22_put_euicc_cancel_session_signed(b, &in->ok.euicc_cancel_session_signed);
        der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->ok.euicc_cancel_session_signature);
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_put_int64(b, TAG_CHOICE_ERROR_INT, in->error);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(cancel_session_response, sgp22_cancel_session_response)
