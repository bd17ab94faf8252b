/* airwrite core: BoundProfilePackage (SGP.22 2.5.4), its segmentation
 * (2.5.5), InitialiseSecureChannelRequest (ES8+ 5.5.1) and
 * ProfileInstallationResult (ES10b 5.7.6), from SGP.22 RSPDefinitions.
 */
#include "core/sgp22_bpp.h"

#include <string.h>

#include "core/sgp22_field.h"
#include "core/sgp22_tags.h"

#define TAG_REMOTE_OP_ID DER_CTX(2)                 /* RemoteOpId ::= [2] INTEGER */
#define TAG_CONTROL_REF_TEMPLATE DER_CTX_CONS(6)    /* 'A6' */
#define TAG_FINAL_RESULT DER_CTX_CONS(2)            /* finalResult [2] CHOICE, explicit */
#define TAG_SUCCESS_RESULT DER_CTX_CONS(0)          /* automatic [0] */
#define TAG_ERROR_RESULT DER_CTX_CONS(1)            /* automatic [1] */
#define AID_MIN 5u
#define AID_MAX 16u

/* ---- InitialiseSecureChannelRequest ----------------------------------- */

/* ControlRefTemplate: keyType [0] Octet1, keyLen [1] Octet1, hostId [4] OctetTo16 */
static aw_err read_control_ref_template(der_reader *parent, sgp22_control_ref_template *out)
{
    der_node n;
    der_reader r;
    aw_slice key_type, key_len;
    aw_err err = der_read_expect(parent, TAG_CONTROL_REF_TEMPLATE, &n);
    if (err == AW_OK)
        err = der_reader_enter(parent, &n, &r);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(0), 1, 1, &key_type);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(1), 1, 1, &key_len);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(4), 1, 16, &out->host_id);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    if (err == AW_OK) {
        out->key_type = key_type.ptr[0];
        out->key_len = key_len.ptr[0];
    }
    return err;
}

aw_err sgp22_decode_initialise_secure_channel_request(
    const uint8_t *buf, size_t len, sgp22_initialise_secure_channel_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_INITIALISE_SECURE_CHANNEL, &r, &out->raw);
    const uint8_t *signed_start = NULL;
    if (err == AW_OK) {
        signed_start = r.pos;
        err = sgp22_field_read_integer(&r, TAG_REMOTE_OP_ID, &out->remote_op_id);
    }
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(0), SGP22_TRANSACTION_ID_MIN,
                                      SGP22_TRANSACTION_ID_MAX, &out->transaction_id);
    if (err == AW_OK)
        err = read_control_ref_template(&r, &out->control_ref_template);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_OTPK, 0, SIZE_MAX, &out->smdp_otpk);
    if (err == AW_OK) {
        /* SGP.22 5.5.1: smdpSign covers remoteOpId .. smdpOtpk as received */
        out->signed_part.ptr = signed_start;
        out->signed_part.len = (size_t)(r.pos - signed_start);
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->smdp_sign);
    }
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_initialise_secure_channel_request(
    der_builder *b, const sgp22_initialise_secure_channel_request *in)
{
    const sgp22_control_ref_template *crt = &in->control_ref_template;
    der_builder_begin(b, SGP22_TAG_INITIALISE_SECURE_CHANNEL);
    der_put_int64(b, TAG_REMOTE_OP_ID, in->remote_op_id);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_builder_begin(b, TAG_CONTROL_REF_TEMPLATE);
    der_put_tlv(b, DER_CTX(0), &crt->key_type, 1);
    der_put_tlv(b, DER_CTX(1), &crt->key_len, 1);
    der_put_slice(b, DER_CTX(4), crt->host_id);
    der_put_raw(b, crt->extensions.ptr, crt->extensions.len);
    der_builder_end(b);
    der_put_slice(b, SGP22_TAG_EUICC_OTPK, in->smdp_otpk);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->smdp_sign);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(initialise_secure_channel_request,
                          sgp22_initialise_secure_channel_request)

/* ---- BoundProfilePackage ---------------------------------------------- */

/* SEQUENCE OF [n] OCTET STRING: only primitive element_tag TLVs. */
static aw_err read_list(der_reader *r, uint32_t list_tag, uint32_t element_tag, aw_slice *content,
                        bool optional, bool *present)
{
    der_node list, element;
    der_reader items;
    aw_err err;
    if (optional) {
        err = der_read_optional(r, list_tag, &list, present);
        if (err != AW_OK || !*present)
            return err;
    } else {
        err = der_read_expect(r, list_tag, &list);
        if (err != AW_OK)
            return err;
    }
    err = der_reader_enter(r, &list, &items);
    while (err == AW_OK && !der_reader_at_end(&items)) {
        err = der_read_expect(&items, element_tag, &element);
        if (err == AW_OK)
            err = der_node_check_octets(&element, 0, SIZE_MAX);
    }
    if (err == AW_OK)
        *content = list.value;
    return err;
}

aw_err sgp22_decode_bound_profile_package(const uint8_t *buf, size_t len,
                                          sgp22_bound_profile_package *out)
{
    der_reader r;
    der_node n;
    bool present;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_BOUND_PROFILE_PACKAGE, &r, &out->raw);
    if (err == AW_OK)
        err = der_read_expect(&r, SGP22_TAG_INITIALISE_SECURE_CHANNEL, &n);
    if (err == AW_OK)
        err = sgp22_decode_initialise_secure_channel_request(
            n.raw.ptr, n.raw.len, &out->initialise_secure_channel_request);
    if (err == AW_OK)
        err = read_list(&r, SGP22_TAG_BPP_SEQUENCE_87_FIRST, SGP22_TAG_BPP_SEGMENT_87,
                        &out->first_sequence_of87, false, &present);
    if (err == AW_OK)
        err = read_list(&r, SGP22_TAG_BPP_SEQUENCE_88, SGP22_TAG_BPP_SEGMENT_88,
                        &out->sequence_of88, false, &present);
    if (err == AW_OK)
        err = read_list(&r, SGP22_TAG_BPP_SEQUENCE_87_SECOND, SGP22_TAG_BPP_SEGMENT_87,
                        &out->second_sequence_of87, true, &out->has_second_sequence_of87);
    if (err == AW_OK)
        err = read_list(&r, SGP22_TAG_BPP_SEQUENCE_86, SGP22_TAG_BPP_SEGMENT_86,
                        &out->sequence_of86, false, &present);
    /* No extension additions: 2.5.5 fixes the segments a BPP is sent in,
     * and nothing may follow sequenceOf86. */
    if (err == AW_OK)
        err = der_reader_finish(&r);
    return err;
}

void sgp22_put_bound_profile_package(der_builder *b, const sgp22_bound_profile_package *in)
{
    der_builder_begin(b, SGP22_TAG_BOUND_PROFILE_PACKAGE);
    if (!sgp22_field_put_raw_if_set(b, in->initialise_secure_channel_request.raw))
        sgp22_put_initialise_secure_channel_request(b, &in->initialise_secure_channel_request);
    /* list contents are element TLVs already, written as they are */
    der_put_slice(b, SGP22_TAG_BPP_SEQUENCE_87_FIRST, in->first_sequence_of87);
    der_put_slice(b, SGP22_TAG_BPP_SEQUENCE_88, in->sequence_of88);
    if (in->has_second_sequence_of87)
        der_put_slice(b, SGP22_TAG_BPP_SEQUENCE_87_SECOND, in->second_sequence_of87);
    der_put_slice(b, SGP22_TAG_BPP_SEQUENCE_86, in->sequence_of86);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(bound_profile_package, sgp22_bound_profile_package)

void sgp22_bpp_list_iter_init(sgp22_bpp_list_iter *it, aw_slice list)
{
    der_reader_init(&it->reader, list.ptr, list.len);
}

aw_err sgp22_bpp_list_next(sgp22_bpp_list_iter *it, aw_slice *tlv)
{
    der_node n;
    aw_err err = der_read_node(&it->reader, &n);
    if (err == AW_OK)
        *tlv = n.raw;
    return err;
}

/* ---- ProfileInstallationResult ---------------------------------------- */

static aw_err read_final_result(der_reader *parent, sgp22_profile_installation_result_data *out)
{
    der_node choice, alt;
    der_reader inner, r;
    aw_err err = der_read_expect(parent, TAG_FINAL_RESULT, &choice);
    if (err == AW_OK)
        err = der_reader_enter(parent, &choice, &inner);
    if (err == AW_OK)
        err = der_read_node(&inner, &alt);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_DER_MISSING;
    if (err == AW_OK)
        err = der_reader_enter(&inner, &alt, &r);
    if (err != AW_OK)
        return err;
    if (alt.tag == TAG_SUCCESS_RESULT) {
        /* SuccessResult: aid [APPLICATION 15], simaResponse OCTET STRING */
        out->final_result = SGP22_FINAL_RESULT_SUCCESS;
        err = sgp22_field_read_octets(&r, SGP22_TAG_ISDP_AID, AID_MIN, AID_MAX,
                                      &out->success.aid);
        if (err == AW_OK)
            err = sgp22_field_read_octets(&r, DER_TAG_OCTET_STRING, 0, SIZE_MAX,
                                          &out->success.sima_response);
    } else if (alt.tag == TAG_ERROR_RESULT) {
        /* ErrorResult: automatic tags [0] bppCommandId, [1] errorReason,
         * [2] simaResponse OPTIONAL */
        out->final_result = SGP22_FINAL_RESULT_ERROR;
        err = sgp22_field_read_integer(&r, DER_CTX(0), &out->error.bpp_command_id);
        if (err == AW_OK)
            err = sgp22_field_read_integer(&r, DER_CTX(1), &out->error.error_reason);
        if (err == AW_OK)
            err = sgp22_field_read_optional_octets(&r, DER_CTX(2), 0, SIZE_MAX,
                                                   &out->error.sima_response,
                                                   &out->error.has_sima_response);
    } else {
        return AW_ERR_DER_UNEXPECTED_TAG;
    }
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, alt.tag == TAG_SUCCESS_RESULT
                                                  ? &out->success.extensions
                                                  : &out->error.extensions);
    if (err == AW_OK)
        err = der_reader_finish(&inner);
    return err;
}

aw_err sgp22_decode_profile_installation_result_data(
    const uint8_t *buf, size_t len, sgp22_profile_installation_result_data *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_PROFILE_INSTALLATION_RESULT_DATA, &r,
                                  &out->raw);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(0), SGP22_TRANSACTION_ID_MIN,
                                      SGP22_TRANSACTION_ID_MAX, &out->transaction_id);
    if (err == AW_OK)
        err = sgp22_field_read_raw_tlv(&r, SGP22_TAG_NOTIFICATION_METADATA,
                                       &out->notification_metadata);
    if (err == AW_OK)
        err = sgp22_field_read_oid(&r, DER_TAG_OID, &out->smdp_oid);
    if (err == AW_OK)
        err = read_final_result(&r, out);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_profile_installation_result_data(
    der_builder *b, const sgp22_profile_installation_result_data *in)
{
    der_builder_begin(b, SGP22_TAG_PROFILE_INSTALLATION_RESULT_DATA);
    der_put_slice(b, DER_CTX(0), in->transaction_id);
    der_put_raw(b, in->notification_metadata.ptr, in->notification_metadata.len);
    der_put_slice(b, DER_TAG_OID, in->smdp_oid);
    der_builder_begin(b, TAG_FINAL_RESULT);
    if (in->final_result == SGP22_FINAL_RESULT_SUCCESS) {
        der_builder_begin(b, TAG_SUCCESS_RESULT);
        der_put_slice(b, SGP22_TAG_ISDP_AID, in->success.aid);
        der_put_slice(b, DER_TAG_OCTET_STRING, in->success.sima_response);
        der_put_raw(b, in->success.extensions.ptr, in->success.extensions.len);
    } else {
        der_builder_begin(b, TAG_ERROR_RESULT);
        der_put_int64(b, DER_CTX(0), in->error.bpp_command_id);
        der_put_int64(b, DER_CTX(1), in->error.error_reason);
        if (in->error.has_sima_response)
            der_put_slice(b, DER_CTX(2), in->error.sima_response);
        der_put_raw(b, in->error.extensions.ptr, in->error.extensions.len);
    }
    der_builder_end(b);
    der_builder_end(b);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(profile_installation_result_data,
                          sgp22_profile_installation_result_data)

aw_err sgp22_decode_profile_installation_result(const uint8_t *buf, size_t len,
                                                sgp22_profile_installation_result *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_PROFILE_INSTALLATION_RESULT, &r,
                                  &out->raw);
    if (err == AW_OK)
        err = der_read_expect(&r, SGP22_TAG_PROFILE_INSTALLATION_RESULT_DATA, &n);
    if (err == AW_OK)
        err = sgp22_decode_profile_installation_result_data(n.raw.ptr, n.raw.len, &out->data);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_EUICC_SIGNATURE, 0, SIZE_MAX,
                                      &out->euicc_sign_pir);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_profile_installation_result(der_builder *b,
                                           const sgp22_profile_installation_result *in)
{
    der_builder_begin(b, SGP22_TAG_PROFILE_INSTALLATION_RESULT);
    if (!sgp22_field_put_raw_if_set(b, in->data.raw))
        sgp22_put_profile_installation_result_data(b, &in->data);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->euicc_sign_pir);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(profile_installation_result, sgp22_profile_installation_result)
