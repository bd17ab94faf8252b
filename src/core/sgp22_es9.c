/* airwrite core: ES9+ ASN.1 messages of SGP.22 (5.6.1 InitiateAuthentication,
 * 5.6.2 GetBoundProfilePackage, 5.6.3 AuthenticateClient, 5.6.5
 * CancelSession), from SGP.22 RSPDefinitions (AUTOMATIC TAGS).
 */
#include "core/sgp22_es9.h"

#include <string.h>

#include "core/sgp22_field.h"
#include "core/sgp22_tags.h"

#define TAG_ALT0 DER_CTX_CONS(0)
#define TAG_ALT1_INT DER_CTX(1)
#define TAG_ALT5 DER_CTX_CONS(5)
#define TAG_CANCEL_SESSION_RESPONSE DER_CTX_CONS(1) /* cancelSessionResponse [1] */

static aw_err read_transaction_id(der_reader *r, uint32_t tag, aw_slice *out)
{
    return sgp22_field_read_octets(r, tag, SGP22_TRANSACTION_ID_MIN, SGP22_TRANSACTION_ID_MAX,
                                   out);
}

/* ---- InitiateAuthentication (5.6.1) ------------------------------------ */

aw_err sgp22_decode_initiate_authentication_request(const uint8_t *buf, size_t len,
                                                    sgp22_initiate_authentication_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_INITIATE_AUTHENTICATION, &r, &out->raw);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(1), SGP22_CHALLENGE_SIZE, SGP22_CHALLENGE_SIZE,
                                      &out->euicc_challenge);
    if (err == AW_OK)
        err = sgp22_field_read_utf8(&r, DER_CTX(3), 0, &out->smdp_address);
    if (err == AW_OK)
        err = sgp22_field_read_raw_tlv(&r, SGP22_TAG_EUICC_INFO1, &out->euicc_info1);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_initiate_authentication_request(der_builder *b,
                                               const sgp22_initiate_authentication_request *in)
{
    der_builder_begin(b, SGP22_TAG_INITIATE_AUTHENTICATION);
    der_put_slice(b, DER_CTX(1), in->euicc_challenge);
    der_put_slice(b, DER_CTX(3), in->smdp_address);
    der_put_raw(b, in->euicc_info1.ptr, in->euicc_info1.len);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(initiate_authentication_request, sgp22_initiate_authentication_request)

aw_err sgp22_decode_initiate_authentication_response(
    const uint8_t *buf, size_t len, sgp22_initiate_authentication_response *out)
{
    der_reader outer, r;
    der_node alt;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, SGP22_TAG_INITIATE_AUTHENTICATION, &out->raw,
                                         &outer, &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_ALT1_INT) {
        out->kind = SGP22_RESPONSE_ERROR;
        return der_node_get_int64(&alt, &out->error);
    }
    if (alt.tag != TAG_ALT0)
        return AW_ERR_DER_UNEXPECTED_TAG;
    out->kind = SGP22_RESPONSE_OK;
    err = der_reader_enter(&outer, &alt, &r);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->ok.transaction_id);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, DER_TAG_SEQUENCE, sgp22_decode_server_signed1,
                                &out->ok.server_signed1, err);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->ok.server_signature1);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_TAG_OCTET_STRING, 0, SIZE_MAX,
                                      &out->ok.euicc_ci_pkid_to_be_used);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(&r, &out->ok.server_certificate);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->ok.extensions);
    return err;
}

void sgp22_put_initiate_authentication_response(
    der_builder *b, const sgp22_initiate_authentication_response *in)
{
    der_builder_begin(b, SGP22_TAG_INITIATE_AUTHENTICATION);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_ALT0);
        der_put_slice(b, DER_CTX(0), in->ok.transaction_id);
        if (!sgp22_field_put_raw_if_set(b, in->ok.server_signed1.raw))
            sgp22_put_server_signed1(b, &in->ok.server_signed1);
        der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->ok.server_signature1);
        der_put_slice(b, DER_TAG_OCTET_STRING, in->ok.euicc_ci_pkid_to_be_used);
        der_put_raw(b, in->ok.server_certificate.ptr, in->ok.server_certificate.len);
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_put_int64(b, TAG_ALT1_INT, in->error);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(initiate_authentication_response,
                          sgp22_initiate_authentication_response)

/* ---- AuthenticateClient (5.6.3) ---------------------------------------- */

aw_err sgp22_decode_authenticate_client_request(const uint8_t *buf, size_t len,
                                                sgp22_authenticate_client_request *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_AUTHENTICATE_CLIENT, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, SGP22_TAG_AUTHENTICATE_SERVER,
                                sgp22_decode_authenticate_server_response,
                                &out->authenticate_server_response, err);
    /* useMatchingIdForAcr NULL OPTIONAL: universal tag (the SEQUENCE has tags) */
    if (err == AW_OK)
        err = der_read_optional(&r, DER_TAG_NULL, &n, &out->use_matching_id_for_acr);
    if (err == AW_OK && out->use_matching_id_for_acr)
        err = der_node_get_null(&n);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_authenticate_client_request(der_builder *b,
                                           const sgp22_authenticate_client_request *in)
{
    der_builder_begin(b, SGP22_TAG_AUTHENTICATE_CLIENT);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    if (!sgp22_field_put_raw_if_set(b, in->authenticate_server_response.raw))
        sgp22_put_authenticate_server_response(b, &in->authenticate_server_response);
    if (in->use_matching_id_for_acr)
        der_put_null(b, DER_TAG_NULL);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(authenticate_client_request, sgp22_authenticate_client_request)

static aw_err read_authenticate_client_ok(der_reader *r, bool acr,
                                          sgp22_authenticate_client_ok *out)
{
    aw_err err = read_transaction_id(r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(r, SGP22_TAG_STORE_METADATA, sgp22_decode_store_metadata_request,
                                &out->profile_metadata, err);
    if (err != AW_OK || acr)
        return err;
    SGP22_FIELD_READ_NESTED(r, DER_TAG_SEQUENCE, sgp22_decode_smdp_signed2, &out->smdp_signed2,
                            err);
    if (err == AW_OK)
        err = sgp22_field_read_octets(r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->smdp_signature2);
    if (err == AW_OK)
        err = sgp22_field_read_certificate(r, &out->smdp_certificate);
    return err;
}

aw_err sgp22_decode_authenticate_client_response(const uint8_t *buf, size_t len,
                                                 sgp22_authenticate_client_response *out)
{
    der_reader outer, r;
    der_node alt;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, SGP22_TAG_AUTHENTICATE_CLIENT, &out->raw, &outer,
                                         &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_ALT1_INT) {
        out->kind = SGP22_AUTHENTICATE_CLIENT_ERROR;
        return der_node_get_int64(&alt, &out->error);
    }
    if (alt.tag != TAG_ALT0 && alt.tag != TAG_ALT5)
        return AW_ERR_DER_UNEXPECTED_TAG;
    out->kind =
        alt.tag == TAG_ALT0 ? SGP22_AUTHENTICATE_CLIENT_OK : SGP22_AUTHENTICATE_CLIENT_OK_ACR;
    err = der_reader_enter(&outer, &alt, &r);
    if (err == AW_OK)
        err = read_authenticate_client_ok(&r, out->kind == SGP22_AUTHENTICATE_CLIENT_OK_ACR,
                                          &out->ok);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->ok.extensions);
    return err;
}

void sgp22_put_authenticate_client_response(der_builder *b,
                                            const sgp22_authenticate_client_response *in)
{
    der_builder_begin(b, SGP22_TAG_AUTHENTICATE_CLIENT);
    if (in->kind == SGP22_AUTHENTICATE_CLIENT_OK || in->kind == SGP22_AUTHENTICATE_CLIENT_OK_ACR) {
        der_builder_begin(b, in->kind == SGP22_AUTHENTICATE_CLIENT_OK ? TAG_ALT0 : TAG_ALT5);
        der_put_slice(b, DER_CTX(0), in->ok.transaction_id);
        if (!sgp22_field_put_raw_if_set(b, in->ok.profile_metadata.raw))
            sgp22_put_store_metadata_request(b, &in->ok.profile_metadata);
        if (in->kind == SGP22_AUTHENTICATE_CLIENT_OK) {
            if (!sgp22_field_put_raw_if_set(b, in->ok.smdp_signed2.raw))
                sgp22_put_smdp_signed2(b, &in->ok.smdp_signed2);
            der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->ok.smdp_signature2);
            der_put_raw(b, in->ok.smdp_certificate.ptr, in->ok.smdp_certificate.len);
        }
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_AUTHENTICATE_CLIENT_ERROR) {
        der_put_int64(b, TAG_ALT1_INT, in->error);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(authenticate_client_response, sgp22_authenticate_client_response)

/* ---- GetBoundProfilePackage (5.6.2) ------------------------------------ */

aw_err sgp22_decode_get_bound_profile_package_request(
    const uint8_t *buf, size_t len, sgp22_get_bound_profile_package_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, SGP22_TAG_PREPARE_DOWNLOAD,
                                sgp22_decode_prepare_download_response,
                                &out->prepare_download_response, err);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_get_bound_profile_package_request(
    der_builder *b, const sgp22_get_bound_profile_package_request *in)
{
    der_builder_begin(b, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    if (!sgp22_field_put_raw_if_set(b, in->prepare_download_response.raw))
        sgp22_put_prepare_download_response(b, &in->prepare_download_response);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(get_bound_profile_package_request,
                          sgp22_get_bound_profile_package_request)

aw_err sgp22_decode_get_bound_profile_package_response(
    const uint8_t *buf, size_t len, sgp22_get_bound_profile_package_response *out)
{
    der_reader outer, r;
    der_node alt;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE, &out->raw,
                                         &outer, &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_ALT1_INT) {
        out->kind = SGP22_RESPONSE_ERROR;
        return der_node_get_int64(&alt, &out->error);
    }
    if (alt.tag != TAG_ALT0)
        return AW_ERR_DER_UNEXPECTED_TAG;
    out->kind = SGP22_RESPONSE_OK;
    err = der_reader_enter(&outer, &alt, &r);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->ok.transaction_id);
    if (err == AW_OK)
        SGP22_FIELD_READ_NESTED(&r, SGP22_TAG_BOUND_PROFILE_PACKAGE,
                                sgp22_decode_bound_profile_package,
                                &out->ok.bound_profile_package, err);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->ok.extensions);
    return err;
}

void sgp22_put_get_bound_profile_package_response(
    der_builder *b, const sgp22_get_bound_profile_package_response *in)
{
    der_builder_begin(b, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_ALT0);
        der_put_slice(b, DER_CTX(0), in->ok.transaction_id);
        if (!sgp22_field_put_raw_if_set(b, in->ok.bound_profile_package.raw))
            sgp22_put_bound_profile_package(b, &in->ok.bound_profile_package);
        der_put_raw(b, in->ok.extensions.ptr, in->ok.extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_put_int64(b, TAG_ALT1_INT, in->error);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(get_bound_profile_package_response,
                          sgp22_get_bound_profile_package_response)

/* ---- CancelSession (5.6.5) --------------------------------------------- */

aw_err sgp22_decode_cancel_session_request_es9(const uint8_t *buf, size_t len,
                                               sgp22_cancel_session_request_es9 *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_CANCEL_SESSION, &r, &out->raw);
    if (err == AW_OK)
        err = read_transaction_id(&r, DER_CTX(0), &out->transaction_id);
    if (err == AW_OK)
        err = der_read_expect(&r, TAG_CANCEL_SESSION_RESPONSE, &n);
    if (err == AW_OK)
        err = sgp22_decode_cancel_session_response_tagged(n.raw.ptr, n.raw.len,
                                                          TAG_CANCEL_SESSION_RESPONSE,
                                                          &out->cancel_session_response);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_cancel_session_request_es9(der_builder *b,
                                          const sgp22_cancel_session_request_es9 *in)
{
    der_builder_begin(b, SGP22_TAG_CANCEL_SESSION);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    if (!sgp22_field_put_raw_if_set(b, in->cancel_session_response.raw))
        sgp22_put_cancel_session_response_tagged(b, TAG_CANCEL_SESSION_RESPONSE,
                                                 &in->cancel_session_response);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(cancel_session_request_es9, sgp22_cancel_session_request_es9)

aw_err sgp22_decode_cancel_session_response_es9(const uint8_t *buf, size_t len,
                                                sgp22_cancel_session_response_es9 *out)
{
    der_reader outer, r;
    der_node alt;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open_choice(buf, len, SGP22_TAG_CANCEL_SESSION, &out->raw, &outer,
                                         &alt);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_ALT1_INT) {
        out->kind = SGP22_RESPONSE_ERROR;
        return der_node_get_int64(&alt, &out->error);
    }
    if (alt.tag != TAG_ALT0)
        return AW_ERR_DER_UNEXPECTED_TAG;
    out->kind = SGP22_RESPONSE_OK;
    err = der_reader_enter(&outer, &alt, &r); /* CancelSessionOk has no components */
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->ok_extensions);
    return err;
}

void sgp22_put_cancel_session_response_es9(der_builder *b,
                                           const sgp22_cancel_session_response_es9 *in)
{
    der_builder_begin(b, SGP22_TAG_CANCEL_SESSION);
    if (in->kind == SGP22_RESPONSE_OK) {
        der_builder_begin(b, TAG_ALT0);
        der_put_raw(b, in->ok_extensions.ptr, in->ok_extensions.len);
        der_builder_end(b);
    } else if (in->kind == SGP22_RESPONSE_ERROR) {
        der_put_int64(b, TAG_ALT1_INT, in->error);
    } else {
        sgp22_field_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(cancel_session_response_es9, sgp22_cancel_session_response_es9)
