/* airwrite core: ES10b.GetEuiccChallenge (SGP.22 5.7.7) and
 * ES10b.AuthenticateServer (5.7.13) messages, from SGP.22 RSPDefinitions
 * (AUTOMATIC TAGS).
 */
#include "core/sgp22_auth.h"

#include <string.h>

#include "core/sgp22_field.h"
#include "core/sgp22_tags.h"

#define TAG_CTX_PARAMS_COMMON DER_CTX_CONS(0) /* ctxParamsForCommonAuthentication [0] */
#define TAG_DEVICE_INFO DER_CTX_CONS(1)       /* deviceInfo [1] */
#define TAG_CHOICE_OK DER_CTX_CONS(0)
#define TAG_CHOICE_ERROR DER_CTX_CONS(1)
#define TAC_SIZE 4u
#define IMEI_SIZE 8u

static aw_err read_transaction_id(der_reader *r, aw_slice *out)
{
    return sgp22_field_read_octets(r, DER_CTX(0), SGP22_TRANSACTION_ID_MIN,
                                   SGP22_TRANSACTION_ID_MAX, out);
}

static aw_err read_challenge(der_reader *r, uint32_t tag, aw_slice *out)
{
    return sgp22_field_read_octets(r, tag, SGP22_CHALLENGE_SIZE, SGP22_CHALLENGE_SIZE, out);
}

/* ---- DeviceInfo, CtxParams1 -------------------------------------------- */

aw_err sgp22_decode_device_info(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_device_info *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, tag, &r, &out->raw);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(0), TAC_SIZE, TAC_SIZE, &out->tac);
    if (err == AW_OK)
        err = sgp22_field_read_constructed_content(&r, DER_CTX_CONS(1),
                                                   &out->device_capabilities);
    /* imei Octet8: an empty value is also taken, because deployed LPAs
     * send '82 00' when they have no IMEI and eUICCs echo it back in
     * euiccSigned1 (golden vector in tests/sgp22_golden.h) */
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(&r, DER_CTX(2), 0, IMEI_SIZE, &out->imei,
                                               &out->has_imei);
    if (err == AW_OK && out->has_imei && out->imei.len != 0 && out->imei.len != IMEI_SIZE)
        err = AW_ERR_DER_CONSTRAINT;
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_device_info(der_builder *b, uint32_t tag, const sgp22_device_info *in)
{
    der_builder_begin(b, tag);
    der_put_slice(b, DER_CTX(0), in->tac);
    der_put_slice(b, DER_CTX_CONS(1), in->device_capabilities);
    if (in->has_imei)
        der_put_slice(b, DER_CTX(2), in->imei);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

aw_err sgp22_decode_ctx_params1(const uint8_t *buf, size_t len, sgp22_ctx_params1 *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, TAG_CTX_PARAMS_COMMON, &r, &out->raw);
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(0), &n, &out->has_matching_id);
    if (err == AW_OK && out->has_matching_id) {
        out->matching_id = n.value;
        err = sgp22_field_check_utf8(n.value, 0);
    }
    if (err == AW_OK)
        err = der_read_expect(&r, TAG_DEVICE_INFO, &n);
    if (err == AW_OK)
        err = sgp22_decode_device_info(n.raw.ptr, n.raw.len, TAG_DEVICE_INFO,
                                       &out->device_info);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_ctx_params1(der_builder *b, const sgp22_ctx_params1 *in)
{
    der_builder_begin(b, TAG_CTX_PARAMS_COMMON);
    if (in->has_matching_id)
        der_put_slice(b, DER_CTX(0), in->matching_id);
    if (!sgp22_field_put_raw_if_set(b, in->device_info.raw))
        sgp22_put_device_info(b, TAG_DEVICE_INFO, &in->device_info);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

/* ---- ServerSigned1, AuthenticateServerRequest --------------------------- */

aw_err sgp22_decode_server_signed1(const uint8_t *buf, size_t len, sgp22_server_signed1 *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, DER_TAG_SEQUENCE, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, &out->transaction_id);
    if (err == AW_OK)
        err = read_challenge(&r, DER_CTX(1), &out->euicc_challenge);
    if (err == AW_OK)
        err = sgp22_field_read_utf8(&r, DER_CTX(3), 0, &out->server_address);
    if (err == AW_OK)
        err = read_challenge(&r, DER_CTX(4), &out->server_challenge);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_server_signed1(der_builder *b, const sgp22_server_signed1 *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_slice(b, DER_CTX(1), in->euicc_challenge);
    der_put_slice(b, DER_CTX(3), in->server_address);
    der_put_slice(b, DER_CTX(4), in->server_challenge);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

aw_err sgp22_decode_authenticate_server_request(const uint8_t *buf, size_t len,
                                                sgp22_authenticate_server_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_AUTHENTICATE_SERVER, &r, &out->raw);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, DER_TAG_SEQUENCE, sgp22_decode_server_signed1,
                                &out->server_signed1, err);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->server_signature1);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_TAG_OCTET_STRING, 0, SIZE_MAX,
                                      &out->euicc_ci_pkid_to_be_used);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(&r, &out->server_certificate);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, TAG_CTX_PARAMS_COMMON, sgp22_decode_ctx_params1,
                                &out->ctx_params1, err);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_authenticate_server_request(der_builder *b,
                                           const sgp22_authenticate_server_request *in)
{
    der_builder_begin(b, SGP22_TAG_AUTHENTICATE_SERVER);
    if (!sgp22_field_put_raw_if_set(b, in->server_signed1.raw))
        sgp22_put_server_signed1(b, &in->server_signed1);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->server_signature1);
    der_put_slice(b, DER_TAG_OCTET_STRING, in->euicc_ci_pkid_to_be_used);
    der_put_raw(b, in->server_certificate.ptr, in->server_certificate.len);
    if (!sgp22_field_put_raw_if_set(b, in->ctx_params1.raw))
        sgp22_put_ctx_params1(b, &in->ctx_params1);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(authenticate_server_request, sgp22_authenticate_server_request)

/* ---- EuiccSigned1, AuthenticateServerResponse --------------------------- */

aw_err sgp22_decode_euicc_signed1(const uint8_t *buf, size_t len, sgp22_euicc_signed1 *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, DER_TAG_SEQUENCE, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_utf8(&r, DER_CTX(3), 0, &out->server_address);
    if (err == AW_OK)
        err = read_challenge(&r, DER_CTX(4), &out->server_challenge);
    if (err == AW_OK)
        err = sgp22_field_read_raw_tlv(&r, SGP22_TAG_EUICC_INFO2, &out->euicc_info2);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, TAG_CTX_PARAMS_COMMON, sgp22_decode_ctx_params1,
                                &out->ctx_params1, err);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_euicc_signed1(der_builder *b, const sgp22_euicc_signed1 *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_slice(b, DER_CTX(3), in->server_address);
    der_put_slice(b, DER_CTX(4), in->server_challenge);
    der_put_raw(b, in->euicc_info2.ptr, in->euicc_info2.len);
    if (!sgp22_field_put_raw_if_set(b, in->ctx_params1.raw))
        sgp22_put_ctx_params1(b, &in->ctx_params1);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

static aw_err read_authenticate_response_ok(der_reader *r, sgp22_authenticate_response_ok *out)
{
    aw_err err;
    SGP22_FIELD_READ_NESTED(r, DER_TAG_SEQUENCE, sgp22_decode_euicc_signed1, &out->euicc_signed1,
                            err);
    if (err == AW_OK)
        err = sgp22_field_read_octets(r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->euicc_signature1);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(r, &out->euicc_certificate);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(r, &out->eum_certificate);
    return err;
}

/* AuthenticateServerResponse ::= [56] CHOICE (explicit), alternatives [0]
 * AuthenticateResponseOk and [1] AuthenticateResponseError */
aw_err sgp22_decode_authenticate_server_response(const uint8_t *buf, size_t len,
                                                 sgp22_authenticate_server_response *out)
{
    der_reader outer, r;
    der_node alt;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, SGP22_TAG_AUTHENTICATE_SERVER, &out->raw,
                                         &outer, &alt);
    if (err == AW_OK && alt.tag != TAG_CHOICE_OK && alt.tag != TAG_CHOICE_ERROR)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK)
        err = der_reader_enter(&outer, &alt, &r);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_CHOICE_OK) {
        out->kind = SGP22_RESPONSE_OK;
        err = read_authenticate_response_ok(&r, &out->ok);
    } else {
        out->kind = SGP22_RESPONSE_ERROR;
        err = read_transaction_id(&r, &out->error.transaction_id);
        if (err == AW_OK)
            err = sgp22_field_read_integer(&r, DER_TAG_INTEGER,
                                           &out->error.authenticate_error_code);
    }
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, out->kind == SGP22_RESPONSE_OK
                                                  ? &out->ok.extensions
                                                  : &out->error.extensions);
    return err;
}

void sgp22_put_authenticate_server_response(der_builder *b,
                                            const sgp22_authenticate_server_response *in)
{
    der_builder_begin(b, SGP22_TAG_AUTHENTICATE_SERVER);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_CHOICE_OK);
        if (!sgp22_field_put_raw_if_set(b, in->ok.euicc_signed1.raw))
            sgp22_put_euicc_signed1(b, &in->ok.euicc_signed1);
        der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->ok.euicc_signature1);
        der_put_raw(b, in->ok.euicc_certificate.ptr, in->ok.euicc_certificate.len);
        der_put_raw(b, in->ok.eum_certificate.ptr, in->ok.eum_certificate.len);
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_builder_begin(b, TAG_CHOICE_ERROR);
        der_put_slice(b, DER_CTX(0), in->error.transaction_id);
        der_put_int64(b, DER_TAG_INTEGER, in->error.authenticate_error_code);
        der_put_raw(b, in->error.extensions.ptr, in->error.extensions.len);
        der_builder_end(b);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(authenticate_server_response, sgp22_authenticate_server_response)

/* ---- GetEuiccChallenge ------------------------------------------------- */

aw_err sgp22_decode_get_euicc_challenge_request(const uint8_t *buf, size_t len,
                                                sgp22_get_euicc_challenge_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_GET_EUICC_CHALLENGE, &r, &out->raw);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_get_euicc_challenge_request(der_builder *b,
                                           const sgp22_get_euicc_challenge_request *in)
{
    /* the request has no components of this version */
    der_builder_begin(b, SGP22_TAG_GET_EUICC_CHALLENGE);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(get_euicc_challenge_request, sgp22_get_euicc_challenge_request)

/* GetEuiccChallengeResponse: euiccChallenge, automatic tag [0] */
aw_err sgp22_decode_get_euicc_challenge_response(const uint8_t *buf, size_t len,
                                                 sgp22_get_euicc_challenge_response *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_GET_EUICC_CHALLENGE, &r, &out->raw);
    if (err == AW_OK)
        err = read_challenge(&r, DER_CTX(0), &out->euicc_challenge);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_get_euicc_challenge_response(der_builder *b,
                                            const sgp22_get_euicc_challenge_response *in)
{
    der_builder_begin(b, SGP22_TAG_GET_EUICC_CHALLENGE);
    der_put_slice(b, DER_CTX(0), in->euicc_challenge);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(get_euicc_challenge_response, sgp22_get_euicc_challenge_response)
