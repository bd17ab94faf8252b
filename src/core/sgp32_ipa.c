/* airwrite core: SGP.32 IpaEuiccDataRequest/Response, IpaCapabilities and
 * EimAcknowledgements codecs (SGP32Definitions; SGP.32 2.11.2, 5.14, 6.3.2.7).
 */
#include "core/sgp32_ipa.h"

#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_ipa_euicc_data_response_kind) == sizeof(int), "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET

/* ---- IpaEuiccDataRequest ---------------------------------------------- */

typedef sgp32_notification_search notification_search_st;
static const sgp32_field notification_search_alts[] = {
    SGP32_F_INTEGER(DER_CTX(0), notification_search_st, seq_number),
    SGP32_F_BITS(DER_CTX(1), notification_search_st, profile_management_operation),
};
static const sgp32_type notification_search_type = {
    CHOICE_TYPE(notification_search_st, notification_search_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_package_result_search result_search_st;
static const sgp32_field result_search_alts[] = {
    SGP32_F_INTEGER(DER_CTX(0), result_search_st, seq_number),
};
static const sgp32_type result_search_type = {
    CHOICE_TYPE(result_search_st, result_search_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_ipa_euicc_data_request request_st;
static const sgp32_field request_fields[] = {
    SGP32_F_OCTETS(SGP32_TAG_TAG_LIST, request_st, tag_list, 0, SIZE_MAX),
    /* untagged: the other components are tagged, so no automatic tag */
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, request_st, euicc_ci_pk_identifier_to_be_used, 0,
                       SIZE_MAX),
    SGP32_F_OPT_TYPE(DER_CTX_CONS(1), request_st, search_criteria_notification,
                     &notification_search_type),
    SGP32_F_OPT_TYPE(DER_CTX_CONS(2), request_st, search_criteria_euicc_package_result,
                     &result_search_type),
    SGP32_F_OPT_OCTETS(DER_CTX(3), request_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
};
const sgp32_type sgp32_ipa_euicc_data_request_type =
    SGP32_SEQUENCE_TYPE(request_st, request_fields);

/* ---- IpaEuiccDataResponse --------------------------------------------- */

typedef sgp32_ipa_capabilities capabilities_st;
static const sgp32_field capabilities_fields[] = {
    SGP32_F_BITS(DER_CTX(0), capabilities_st, ipa_features),
    SGP32_F_OPT_BITS(DER_CTX(1), capabilities_st, ipa_supported_protocols),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(2), capabilities_st, esipa_proprietary_protocol_information),
};
static const sgp32_type capabilities_type = SGP32_SEQUENCE_TYPE(capabilities_st,
                                                                capabilities_fields);

static const sgp32_field package_result_element = SGP32_E_TAG(SGP32_TAG_EUICC_PACKAGE);

typedef sgp32_ipa_euicc_data data_st;
static const sgp32_field data_fields[] = {
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(0), data_st, notifications_list),
    SGP32_F_OPT_OCTETS(DER_CTX(1), data_st, default_smdp_address, 0, SIZE_MAX),
    SGP32_F_OPT_RAW_LIST(DER_CTX_CONS(2), data_st, euicc_package_result_list,
                         &package_result_element),
    SGP32_F_OPT_FOREIGN(SGP32_TAG_EUICC_INFO1, data_st, euicc_info1),
    SGP32_F_OPT_FOREIGN(SGP32_TAG_EUICC_INFO2, data_st, euicc_info2),
    SGP32_F_OPT_OCTETS(DER_CTX(3), data_st, root_smds_address, 0, SIZE_MAX),
    SGP32_F_OPT_INTEGER(DER_CTX(4), data_st, association_token),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(5), data_st, eum_certificate),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(6), data_st, euicc_certificate),
    SGP32_F_OPT_OCTETS(DER_CTX(7), data_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OPT_TYPE(DER_CTX_CONS(8), data_st, ipa_capabilities, &capabilities_type),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(9), data_st, device_info),
};
static const sgp32_type data_type = SGP32_SEQUENCE_TYPE(data_st, data_fields);

typedef sgp32_ipa_euicc_data_response_error error_st;
static const sgp32_field error_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), error_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_TAG_INTEGER, error_st, ipa_euicc_data_error_code),
};
static const sgp32_type error_type = SGP32_SEQUENCE_TYPE(error_st, error_fields);

typedef sgp32_ipa_euicc_data_response response_st;
static const sgp32_field response_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), response_st, ipa_euicc_data, &data_type),
    SGP32_F_TYPE(DER_CTX_CONS(1), response_st, error, &error_type),
};
const sgp32_type sgp32_ipa_euicc_data_response_type = {
    CHOICE_TYPE(response_st, response_alts),
    .raw_offset = offsetof(response_st, raw),
};

/* ---- EimAcknowledgements: SequenceNumber ::= [0] INTEGER --------------- */

const sgp32_field sgp32_eim_acknowledgements_element = SGP32_E_INTEGER(DER_CTX(0));

typedef sgp32_eim_acknowledgements acks_st;
static const sgp32_field acks_top = SGP32_F_LIST(SGP32_TAG_EIM_ACKNOWLEDGEMENTS, acks_st,
                                                 seq_numbers, count,
                                                 &sgp32_eim_acknowledgements_element);

static const sgp32_field request_top =
    SGP32_TOP(SGP32_TAG_IPA_EUICC_DATA, &sgp32_ipa_euicc_data_request_type);
static const sgp32_field response_top =
    SGP32_TOP(SGP32_TAG_IPA_EUICC_DATA, &sgp32_ipa_euicc_data_response_type);
static const sgp32_field capabilities_top = SGP32_TOP(DER_TAG_SEQUENCE, &capabilities_type);

SGP32_DEFINE_CODEC(ipa_euicc_data_request, request_top)
SGP32_DEFINE_CODEC(ipa_euicc_data_response, response_top)
SGP32_DEFINE_CODEC(ipa_capabilities, capabilities_top)
SGP32_DEFINE_CODEC(eim_acknowledgements, acks_top)
