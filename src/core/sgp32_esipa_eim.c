/* airwrite core: SGP.32 ESipa messages from the eIM to the IPA
 * (SGP32Definitions EsipaMessageFromEimToIpa and its members; SGP.32 5.14 and
 * 6.3.2). The IPA -> eIM direction is in sgp32_esipa.c. */
#include "core/sgp32_esipa.h"

#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_esipa_eim_to_ipa_kind) == sizeof(int), "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET, .raw_offset = offsetof(st, raw)

/* ---- InitiateAuthenticationResponseEsipa (6.3.2.1) -------------------- */

typedef sgp32_initiate_authentication_ok_esipa iao_st;
static const sgp32_field iao_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), iao_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, iao_st, server_signed1),
    SGP32_F_OCTETS(SGP32_TAG_EIM_SIGNATURE, iao_st, server_signature1, 0, SIZE_MAX),
    SGP32_F_OCTETS(DER_TAG_OCTET_STRING, iao_st, euicc_ci_pk_identifier_to_be_used, 0, SIZE_MAX),
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, iao_st, server_certificate),
    SGP32_F_OPT_OCTETS(DER_TAG_UTF8_STRING, iao_st, matching_id, 0, SIZE_MAX),
    SGP32_F_OPT_WRAPPED_FOREIGN(DER_CTX_CONS(2), iao_st, ctx_params1),
};
static const sgp32_type iao_type = SGP32_SEQUENCE_TYPE(iao_st, iao_fields);

typedef sgp32_initiate_authentication_response_esipa iares_st;
static const sgp32_field iares_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), iares_st, ok, &iao_type),
    SGP32_F_INTEGER(DER_CTX(1), iares_st, error),
};
static const sgp32_type iares_type = {CHOICE_TYPE(iares_st, iares_alts)};

/* ---- AuthenticateClientResponseEsipa (6.3.2.2) ------------------------ */

typedef sgp32_authenticate_client_ok_dp_esipa dp_st;
static const sgp32_field dp_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), dp_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OPT_FOREIGN(SGP32_TAG_STORE_METADATA_REQUEST, dp_st, profile_metadata),
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, dp_st, smdp_signed2),
    SGP32_F_OCTETS(SGP32_TAG_EIM_SIGNATURE, dp_st, smdp_signature2, 0, SIZE_MAX),
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, dp_st, smdp_certificate),
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, dp_st, hash_cc, SGP32_HASH_CC_LENGTH,
                       SGP32_HASH_CC_LENGTH),
};
static const sgp32_type dp_type = SGP32_SEQUENCE_TYPE(dp_st, dp_fields);

typedef sgp32_authenticate_client_ok_ds_esipa ds_st;
static const sgp32_field ds_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), ds_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OPT_TYPE(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, ds_st, profile_download_trigger,
                     &sgp32_profile_download_trigger_request_type),
};
static const sgp32_type ds_type = SGP32_SEQUENCE_TYPE(ds_st, ds_fields);

typedef sgp32_authenticate_client_response_esipa acres_st;
static const sgp32_field acres_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), acres_st, ok_dp, &dp_type),
    SGP32_F_TYPE(DER_CTX_CONS(1), acres_st, ok_ds, &ds_type),
    SGP32_F_INTEGER(DER_CTX(2), acres_st, error),
};
static const sgp32_type acres_type = {CHOICE_TYPE(acres_st, acres_alts)};

/* ---- GetBoundProfilePackageResponseEsipa (6.3.2.3) -------------------- */

typedef sgp32_get_bound_profile_package_ok_esipa gbo_st;
static const sgp32_field gbo_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), gbo_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(SGP32_TAG_BOUND_PROFILE_PACKAGE, gbo_st, bound_profile_package),
};
static const sgp32_type gbo_type = SGP32_SEQUENCE_TYPE(gbo_st, gbo_fields);

typedef sgp32_get_bound_profile_package_response_esipa gbres_st;
static const sgp32_field gbres_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), gbres_st, ok, &gbo_type),
    SGP32_F_INTEGER(DER_CTX(1), gbres_st, error),
};
static const sgp32_type gbres_type = {CHOICE_TYPE(gbres_st, gbres_alts)};

/* ---- CancelSessionResponseEsipa (6.3.2.5) ----------------------------- */

typedef sgp32_cancel_session_response_esipa csres_st;
static const sgp32_field csres_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), csres_st, ok, &sgp32_empty_type),
    SGP32_F_INTEGER(DER_CTX(1), csres_st, error),
};
static const sgp32_type csres_type = {CHOICE_TYPE(csres_st, csres_alts)};

/* ---- eIM Packages (6.3.2.6 - 6.3.2.8) --------------------------------- */

typedef sgp32_transfer_eim_package_request tr_st;
static const sgp32_field tr_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, tr_st, euicc_package_request,
                 &sgp32_euicc_package_request_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, tr_st, ipa_euicc_data_request,
                 &sgp32_ipa_euicc_data_request_type),
    SGP32_F_LIST(SGP32_TAG_EIM_ACKNOWLEDGEMENTS, tr_st, eim_acknowledgements.seq_numbers,
                 eim_acknowledgements.count, &sgp32_eim_acknowledgements_element),
    SGP32_F_TYPE(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, tr_st, profile_download_trigger_request,
                 &sgp32_profile_download_trigger_request_type),
};
static const sgp32_type tr_type = {CHOICE_TYPE(tr_st, tr_alts)};

typedef sgp32_get_eim_package_response gpres_st;
static const sgp32_field gpres_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, gpres_st, euicc_package_request,
                 &sgp32_euicc_package_request_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, gpres_st, ipa_euicc_data_request,
                 &sgp32_ipa_euicc_data_request_type),
    SGP32_A_UNUSED, /* SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS: TransferEimPackageRequest only */
    SGP32_F_TYPE(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, gpres_st, profile_download_trigger_request,
                 &sgp32_profile_download_trigger_request_type),
    SGP32_F_INTEGER(DER_TAG_INTEGER, gpres_st, eim_package_error),
};
static const sgp32_type gpres_type = {CHOICE_TYPE(gpres_st, gpres_alts)};

typedef sgp32_provide_eim_package_result_response pres_st;
static const sgp32_field pres_alts[] = {
    SGP32_F_LIST(SGP32_TAG_EIM_ACKNOWLEDGEMENTS, pres_st, eim_acknowledgements.seq_numbers,
                 eim_acknowledgements.count, &sgp32_eim_acknowledgements_element),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, pres_st, empty_response, &sgp32_empty_type),
    SGP32_F_INTEGER(DER_TAG_INTEGER, pres_st, error),
};
static const sgp32_type pres_type = {
    CHOICE_TYPE(pres_st, pres_alts),
    /* v1.0: a SEQUENCE with OPTIONAL acknowledgements, BF50 00 when empty */
    .empty_kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY_V1_0,
};

/* ---- EsipaMessageFromEimToIpa (6.3.1) --------------------------------- */

typedef sgp32_esipa_message_from_eim_to_ipa to_ipa_st;
static const sgp32_field to_ipa_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, to_ipa_st,
                 initiate_authentication_response, &iares_type),
    SGP32_F_TYPE(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, to_ipa_st, authenticate_client_response,
                 &acres_type),
    SGP32_F_TYPE(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA, to_ipa_st,
                 get_bound_profile_package_response, &gbres_type),
    SGP32_F_TYPE(SGP32_TAG_CANCEL_SESSION_ESIPA, to_ipa_st, cancel_session_response, &csres_type),
    SGP32_F_TYPE(SGP32_TAG_TRANSFER_EIM_PACKAGE, to_ipa_st, transfer_eim_package_request,
                 &tr_type),
    SGP32_F_TYPE(SGP32_TAG_GET_EIM_PACKAGE, to_ipa_st, get_eim_package_response, &gpres_type),
    SGP32_F_TYPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, to_ipa_st,
                 provide_eim_package_result_response, &pres_type),
};
static const sgp32_type to_ipa_type = {CHOICE_TYPE(to_ipa_st, to_ipa_alts)};

static const sgp32_field to_ipa_top = SGP32_TOP_CHOICE(&to_ipa_type);
static const sgp32_field iares_top = SGP32_TOP(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA,
                                               &iares_type);
static const sgp32_field acres_top = SGP32_TOP(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, &acres_type);
static const sgp32_field gbres_top = SGP32_TOP(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA,
                                               &gbres_type);
static const sgp32_field csres_top = SGP32_TOP(SGP32_TAG_CANCEL_SESSION_ESIPA, &csres_type);
static const sgp32_field tr_top = SGP32_TOP(SGP32_TAG_TRANSFER_EIM_PACKAGE, &tr_type);
static const sgp32_field gpres_top = SGP32_TOP(SGP32_TAG_GET_EIM_PACKAGE, &gpres_type);
static const sgp32_field pres_top = SGP32_TOP(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, &pres_type);

SGP32_DEFINE_CODEC(esipa_message_from_eim_to_ipa, to_ipa_top)
SGP32_DEFINE_CODEC(initiate_authentication_response_esipa, iares_top)
SGP32_DEFINE_CODEC(authenticate_client_response_esipa, acres_top)
SGP32_DEFINE_CODEC(get_bound_profile_package_response_esipa, gbres_top)
SGP32_DEFINE_CODEC(cancel_session_response_esipa, csres_top)
SGP32_DEFINE_CODEC(transfer_eim_package_request, tr_top)
SGP32_DEFINE_CODEC(get_eim_package_response, gpres_top)
SGP32_DEFINE_CODEC(provide_eim_package_result_response, pres_top)
