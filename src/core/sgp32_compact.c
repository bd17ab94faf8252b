/* airwrite core: codecs of the compact ESipa forms of minimizeEsipaBytes
 * (SGP32Definitions CompactAuthenticateResponseOk, CompactEuiccSigned1,
 * CompactPrepareDownloadResponseOk, CompactEuiccSigned2,
 * CompactCancelSessionResponseOk, CompactEuiccCancelSessionSigned,
 * CompactProfileInstallationResult(Data), CompactSuccessResult,
 * CompactOtherSignedNotification; SGP.32 6.3.2.2-6.3.2.5), as field tables
 * of the SGP.32 codec (sgp32_codec.h). See sgp32_compact.h. */
#include "core/sgp32_compact.h"

#include <string.h>

#include "core/sgp22_tags.h"
#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_compact_signed_data_kind) == sizeof(int),
               "the codec stores CHOICE kinds as int");
_Static_assert(sizeof(sgp32_compact_final_result_kind) == sizeof(int),
               "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET, .raw_offset = offsetof(st, raw)

/* ---- CompactAuthenticateResponseOk (6.3.2.2) --------------------------- */

/* CompactEuiccSigned1 ::= SEQUENCE { extCardResource [4] OCTET STRING,
 * ctxParams1 [2] CtxParams1 OPTIONAL } (explicit: CtxParams1 is a CHOICE) */
typedef sgp32_compact_euicc_signed1 ces1_st;
static const sgp32_field ces1_fields[] = {
    SGP32_F_OCTETS(DER_CTX(4), ces1_st, ext_card_resource, 0, SIZE_MAX),
    SGP32_F_OPT_WRAPPED_FOREIGN(DER_CTX_CONS(2), ces1_st, ctx_params1),
};
static const sgp32_type ces1_type = SGP32_SEQUENCE_TYPE(ces1_st, ces1_fields);

/* signedData CHOICE { euiccSigned1 EuiccSigned1, compactEuiccSigned1 [0] } */
typedef sgp32_compact_signed_data sd_st;
static const sgp32_field sd_alts[] = {
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, sd_st, euicc_signed1),
    SGP32_F_TYPE(DER_CTX_CONS(0), sd_st, compact_euicc_signed1, &ces1_type),
};
static const sgp32_type sd_type = {CHOICE_TYPE(sd_st, sd_alts)};

typedef sgp32_compact_authenticate_response_ok car_st;
static const sgp32_field car_fields[] = {
    SGP32_F_CHOICE(car_st, signed_data, &sd_type),
    SGP32_F_OCTETS(SGP22_TAG_EUICC_SIGNATURE, car_st, euicc_signature1, 1, SIZE_MAX),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(1), car_st, euicc_certificate),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(2), car_st, eum_certificate),
};
static const sgp32_type car_type = SGP32_SEQUENCE_TYPE(car_st, car_fields);

/* ---- CompactPrepareDownloadResponseOk (6.3.2.3) ------------------------ */

/* CompactEuiccSigned2 ::= SEQUENCE { euiccOtpk [APPLICATION 73] OPTIONAL,
 * hashCc Octet32 OPTIONAL } (a tagged component: no automatic tags) */
typedef sgp32_compact_euicc_signed2 ces2_st;
static const sgp32_field ces2_fields[] = {
    SGP32_F_OPT_OCTETS(SGP22_TAG_EUICC_OTPK, ces2_st, euicc_otpk, 1, SIZE_MAX),
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, ces2_st, hash_cc, SGP32_HASH_CC_LENGTH,
                       SGP32_HASH_CC_LENGTH),
};
static const sgp32_type ces2_type = SGP32_SEQUENCE_TYPE(ces2_st, ces2_fields);

typedef sgp32_compact_prepare_download_response_ok cpd_st;
static const sgp32_field cpd_fields[] = {
    SGP32_F_TYPE(DER_TAG_SEQUENCE, cpd_st, compact_euicc_signed2, &ces2_type),
    SGP32_F_OCTETS(SGP22_TAG_EUICC_SIGNATURE, cpd_st, euicc_signature2, 1, SIZE_MAX),
};
static const sgp32_type cpd_type = SGP32_SEQUENCE_TYPE(cpd_st, cpd_fields);

/* ---- CompactCancelSessionResponseOk (6.3.2.5) -------------------------- */

/* CompactEuiccCancelSessionSigned ::= SEQUENCE { reason CancelSessionReason
 * OPTIONAL }: its only component untagged, so automatic tag [0] */
typedef sgp32_compact_euicc_cancel_session_signed ccs_st;
static const sgp32_field ccs_fields[] = {
    SGP32_F_OPT_INTEGER(DER_CTX(0), ccs_st, reason),
};
static const sgp32_type ccs_type = SGP32_SEQUENCE_TYPE(ccs_st, ccs_fields);

typedef sgp32_compact_cancel_session_response_ok ccr_st;
static const sgp32_field ccr_fields[] = {
    SGP32_F_TYPE(DER_TAG_SEQUENCE, ccr_st, compact_euicc_cancel_session_signed, &ccs_type),
    SGP32_F_OCTETS(SGP22_TAG_EUICC_SIGNATURE, ccr_st, euicc_cancel_session_signature, 1,
                   SIZE_MAX),
};
static const sgp32_type ccr_type = SGP32_SEQUENCE_TYPE(ccr_st, ccr_fields);

/* ---- CompactProfileInstallationResult (6.3.2.4) ------------------------ */

/* CompactSuccessResult ::= SEQUENCE { compactAid [APPLICATION 15]
 * OCTET STRING (SIZE (2)), simaResponse OCTET STRING OPTIONAL } */
typedef sgp32_compact_success_result csr_st;
static const sgp32_field csr_fields[] = {
    SGP32_F_OCTETS(SGP22_TAG_ISDP_AID, csr_st, compact_aid, SGP32_COMPACT_AID_LENGTH,
                   SGP32_COMPACT_AID_LENGTH),
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, csr_st, sima_response, 0, SIZE_MAX),
};
static const sgp32_type csr_type = SGP32_SEQUENCE_TYPE(csr_st, csr_fields);

/* compactFinalResult [2] CHOICE { compactSuccessResult, errorResult }:
 * both untagged, so automatic tags [0] / [1] */
typedef sgp32_compact_final_result cfr_st;
static const sgp32_field cfr_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), cfr_st, success, &csr_type),
    SGP32_F_FOREIGN(DER_CTX_CONS(1), cfr_st, error_result),
};
static const sgp32_type cfr_type = {CHOICE_TYPE(cfr_st, cfr_alts)};

/* CompactProfileInstallationResultData ::= SEQUENCE { transactionId [0],
 * seqNumber INTEGER, iccidPresent BOOLEAN DEFAULT TRUE, compactFinalResult
 * [2] }. The codec has no BOOLEAN: iccidPresent is kept as its content
 * octet, and only FALSE (00) is DER (X.690 11.5: a DEFAULT value is not
 * encoded), checked below. */
typedef sgp32_compact_profile_installation_result_data cpd2_st;
static const sgp32_field cpird_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), cpd2_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_TAG_INTEGER, cpd2_st, seq_number),
    SGP32_F_OPT_OCTETS(DER_TAG_BOOLEAN, cpd2_st, iccid_present, 1, 1),
    SGP32_F_TYPE(DER_CTX_CONS(2), cpd2_st, final_result, &cfr_type),
};
static const sgp32_type cpird_type = SGP32_SEQUENCE_TYPE(cpd2_st, cpird_fields);

typedef sgp32_compact_profile_installation_result cpir_st;
static const sgp32_field cpir_fields[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), cpir_st, data, &cpird_type),
    SGP32_F_OCTETS(SGP22_TAG_EUICC_SIGNATURE, cpir_st, euicc_sign_pir, 1, SIZE_MAX),
};
static const sgp32_type cpir_type = SGP32_SEQUENCE_TYPE(cpir_st, cpir_fields);

/* ---- CompactOtherSignedNotification (6.3.2.4) -------------------------- */

typedef sgp32_compact_other_signed_notification cos_st;
static const sgp32_field cos_fields[] = {
    SGP32_F_OPT_OCTETS(SGP32_TAG_EID, cos_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_FOREIGN(0xBF2Fu, cos_st, tbs_other_notification), /* NotificationMetadata [47] */
    SGP32_F_OCTETS(SGP22_TAG_EUICC_SIGNATURE, cos_st, euicc_notification_signature, 1,
                   SIZE_MAX),
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, cos_st, euicc_ci_pk_identifier_to_be_used, 1,
                       SIZE_MAX),
};
static const sgp32_type cos_type = SGP32_SEQUENCE_TYPE(cos_st, cos_fields);

/* ---- The alternatives' TLVs -------------------------------------------- */

static const sgp32_field car_top = SGP32_TOP(SGP32_TAG_COMPACT_AUTHENTICATE_RESPONSE_OK, &car_type);
static const sgp32_field cpd_top = SGP32_TOP(SGP32_TAG_COMPACT_DOWNLOAD_RESPONSE_OK, &cpd_type);
static const sgp32_field ccr_top = SGP32_TOP(SGP32_TAG_COMPACT_CANCEL_SESSION_RESPONSE_OK,
                                             &ccr_type);
static const sgp32_field cpir_top = SGP32_TOP(SGP32_TAG_COMPACT_PROFILE_INSTALLATION_RESULT,
                                              &cpir_type);
static const sgp32_field cos_top = SGP32_TOP(SGP32_TAG_COMPACT_OTHER_SIGNED_NOTIFICATION,
                                             &cos_type);

SGP32_DEFINE_CODEC(compact_authenticate_response_ok, car_top)
SGP32_DEFINE_CODEC(compact_prepare_download_response_ok, cpd_top)
SGP32_DEFINE_CODEC(compact_cancel_session_response_ok, ccr_top)
SGP32_DEFINE_CODEC(compact_other_signed_notification, cos_top)

aw_err sgp32_decode_compact_profile_installation_result(
    const uint8_t *buf, size_t len, sgp32_compact_profile_installation_result *out)
{
    aw_err err = sgp32_codec_decode(&cpir_top, buf, len, out, sizeof(*out));
    if (err == AW_OK && out->data.has_iccid_present && out->data.iccid_present.ptr[0] != 0x00) {
        memset(out, 0, sizeof(*out));
        err = AW_ERR_DER_CONSTRAINT; /* TRUE is the DEFAULT: never encoded */
    }
    return err;
}

void sgp32_put_compact_profile_installation_result(
    der_builder *b, const sgp32_compact_profile_installation_result *in)
{
    if (in->data.has_iccid_present &&
        (in->data.iccid_present.len != 1 || in->data.iccid_present.ptr[0] != 0x00)) {
        if (b->err == AW_OK)
            b->err = AW_ERR_ARGUMENT; /* never write what the decoder refuses */
        return;
    }
    sgp32_codec_put(b, &cpir_top, in);
}

aw_err sgp32_encode_compact_profile_installation_result(
    const sgp32_compact_profile_installation_result *in, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    sgp32_put_compact_profile_installation_result(&b, in);
    return der_builder_finish(&b, out, out_len);
}
