/* airwrite core: SGP.32 eUICC Package and eIM configuration codecs
 * (SGP32Definitions; SGP.32 2.11.1, 5.9.1, 5.9.16, 5.9.18). Tag choices
 * follow AUTOMATIC TAGS: a component without a tag in a SEQUENCE where
 * another component is tagged keeps its own universal tag; a CHOICE-typed
 * component is explicitly tagged; everything else is implicitly tagged.
 */
#include "core/sgp32_package.h"

#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_psmo_kind) == sizeof(int), "CHOICE kinds are int-sized");
_Static_assert(sizeof(sgp32_eco_kind) == sizeof(int), "CHOICE kinds are int-sized");
_Static_assert(sizeof(sgp32_euicc_result_kind) == sizeof(int), "CHOICE kinds are int-sized");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET

/* ---- EimConfigurationData (2.11.1) ------------------------------------ */

typedef sgp32_eim_key_data key_st;
static const sgp32_field key_alts[] = {
    SGP32_F_FOREIGN(DER_CTX_CONS(0), key_st, value), /* [0] IMPLICIT SubjectPublicKeyInfo */
    SGP32_F_FOREIGN(DER_CTX_CONS(1), key_st, value), /* [1] IMPLICIT Certificate */
};
static const sgp32_type key_type = {
    CHOICE_TYPE(key_st, key_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_eim_configuration_data eim_st;
static const sgp32_field eim_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), eim_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_OPT_OCTETS(DER_CTX(1), eim_st, eim_fqdn, 0, SIZE_MAX),
    SGP32_F_OPT_INTEGER(DER_CTX(2), eim_st, eim_id_type),
    SGP32_F_OPT_INTEGER(DER_CTX(3), eim_st, counter_value),
    SGP32_F_OPT_INTEGER(DER_CTX(4), eim_st, association_token),
    SGP32_F_OPT_TYPE(DER_CTX_CONS(5), eim_st, eim_public_key_data, &key_type),
    SGP32_F_OPT_TYPE(DER_CTX_CONS(6), eim_st, trusted_public_key_data_tls, &key_type),
    SGP32_F_OPT_BITS(DER_CTX(7), eim_st, eim_supported_protocol),
    SGP32_F_OPT_OCTETS(DER_CTX(8), eim_st, euicc_ci_pk_id, 0, SIZE_MAX),
    SGP32_F_OPT_NULL(DER_CTX(9), eim_st, indirect_profile_download),
    SGP32_F_OPT_FOREIGN(DER_CTX_CONS(10), eim_st, esipa_proprietary_protocol_information),
};
const sgp32_type sgp32_eim_configuration_data_type = SGP32_SEQUENCE_TYPE(eim_st, eim_fields);

/* ---- Psmo (2.11.1.1) -------------------------------------------------- */

typedef sgp32_psmo_enable enable_st;
static const sgp32_field enable_fields[] = {
    SGP32_F_OCTETS(SGP32_TAG_ICCID, enable_st, iccid, SGP32_ICCID_LENGTH, SGP32_ICCID_LENGTH),
    SGP32_F_OPT_NULL(DER_TAG_NULL, enable_st, rollback_flag), /* untagged: iccid is tagged */
};
static const sgp32_type enable_type = SGP32_SEQUENCE_TYPE(enable_st, enable_fields);

typedef sgp32_psmo_iccid iccid_st;
static const sgp32_field iccid_fields[] = {
    SGP32_F_OCTETS(SGP32_TAG_ICCID, iccid_st, iccid, SGP32_ICCID_LENGTH, SGP32_ICCID_LENGTH),
};
static const sgp32_type iccid_type = SGP32_SEQUENCE_TYPE(iccid_st, iccid_fields);

typedef sgp32_configure_immediate_enable cie_st;
static const sgp32_field cie_fields[] = {
    SGP32_F_OPT_NULL(DER_CTX(0), cie_st, immediate_enable_flag),
    SGP32_F_OPT_OID(DER_CTX(1), cie_st, default_smdp_oid),
    SGP32_F_OPT_OCTETS(DER_CTX(2), cie_st, default_smdp_address, 0, SIZE_MAX),
};
static const sgp32_type cie_type = SGP32_SEQUENCE_TYPE(cie_st, cie_fields);

typedef sgp32_set_default_dp_address_request sdp_st;
static const sgp32_field sdp_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), sdp_st, default_dp_address, 0, SIZE_MAX),
};
static const sgp32_type sdp_type = SGP32_SEQUENCE_TYPE(sdp_st, sdp_fields);

typedef sgp32_psmo psmo_st;
static const sgp32_field psmo_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(3), psmo_st, enable, &enable_type),
    SGP32_F_TYPE(DER_CTX_CONS(4), psmo_st, disable, &iccid_type),
    SGP32_F_TYPE(DER_CTX_CONS(5), psmo_st, delete_profile, &iccid_type),
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_INFO_LIST, psmo_st, list_profile_info),
    SGP32_F_TYPE(DER_CTX_CONS(6), psmo_st, get_rat, &sgp32_empty_type),
    SGP32_F_TYPE(DER_CTX_CONS(7), psmo_st, configure_immediate_enable, &cie_type),
    SGP32_F_TYPE(DER_CTX_CONS(8), psmo_st, set_fallback_attribute, &iccid_type),
    SGP32_F_TYPE(DER_CTX_CONS(9), psmo_st, unset_fallback_attribute, &sgp32_empty_type),
    SGP32_F_TYPE(SGP32_TAG_SET_DEFAULT_DP_ADDRESS, psmo_st, set_default_dp_address, &sdp_type),
};
static const sgp32_type psmo_type = {
    CHOICE_TYPE(psmo_st, psmo_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_kind = SGP32_PSMO_UNKNOWN,
    .unknown_offset = offsetof(psmo_st, unknown),
};

/* ---- Eco (2.11.1.2) --------------------------------------------------- */

typedef sgp32_delete_eim delete_eim_st;
static const sgp32_field delete_eim_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), delete_eim_st, eim_id, 0, SIZE_MAX),
};
static const sgp32_type delete_eim_type = SGP32_SEQUENCE_TYPE(delete_eim_st, delete_eim_fields);

typedef sgp32_eco eco_st;
static const sgp32_field eco_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(8), eco_st, add_eim, &sgp32_eim_configuration_data_type),
    SGP32_F_TYPE(DER_CTX_CONS(9), eco_st, delete_eim, &delete_eim_type),
    SGP32_F_TYPE(DER_CTX_CONS(10), eco_st, update_eim, &sgp32_eim_configuration_data_type),
    SGP32_F_TYPE(DER_CTX_CONS(11), eco_st, list_eim, &sgp32_empty_type),
};
static const sgp32_type eco_type = {
    CHOICE_TYPE(eco_st, eco_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_kind = SGP32_ECO_UNKNOWN,
    .unknown_offset = offsetof(eco_st, unknown),
};

/* ---- EuiccPackageRequest (2.11.1.1) ----------------------------------- */

static const sgp32_field psmo_element = SGP32_E_CHOICE(&psmo_type);
static const sgp32_field eco_element = SGP32_E_CHOICE(&eco_type);

typedef sgp32_euicc_package package_st;
static const sgp32_field package_alts[] = {
    SGP32_F_LIST(DER_CTX_CONS(0), package_st, psmos, psmo_count, &psmo_element),
    SGP32_F_LIST(DER_CTX_CONS(1), package_st, ecos, eco_count, &eco_element),
};
static const sgp32_type package_type = {
    CHOICE_TYPE(package_st, package_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_euicc_package_signed signed_st;
static const sgp32_field signed_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), signed_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_OCTETS(SGP32_TAG_EID, signed_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_INTEGER(DER_CTX(1), signed_st, counter_value),
    SGP32_F_OPT_OCTETS(DER_CTX(2), signed_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_CHOICE(signed_st, euicc_package, &package_type),
};
static const sgp32_type signed_type = {
    .fields = signed_fields,
    .count = SGP32_COUNT(signed_fields),
    .signed_part = true,
    .raw_offset = offsetof(signed_st, raw),
    .extensions_offset = offsetof(signed_st, extensions),
    .kind_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_euicc_package_request request_st;
static const sgp32_field request_fields[] = {
    SGP32_F_TYPE(DER_TAG_SEQUENCE, request_st, euicc_package_signed, &signed_type),
    SGP32_F_OCTETS(SGP32_TAG_EIM_SIGNATURE, request_st, eim_signature, 0, SIZE_MAX),
};
const sgp32_type sgp32_euicc_package_request_type =
    SGP32_SEQUENCE_TYPE(request_st, request_fields);

/* ---- EuiccPackageResult (2.11.1.2) ------------------------------------ */

typedef sgp32_add_eim_result add_eim_st;
static const sgp32_field add_eim_alts[] = {
    SGP32_F_INTEGER(DER_CTX(4), add_eim_st, value),
    SGP32_F_INTEGER(DER_TAG_INTEGER, add_eim_st, value),
};
static const sgp32_type add_eim_type = {
    CHOICE_TYPE(add_eim_st, add_eim_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_eim_id_info eim_id_info_st;
static const sgp32_field eim_id_info_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), eim_id_info_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_OPT_INTEGER(DER_CTX(2), eim_id_info_st, eim_id_type),
};
static const sgp32_type eim_id_info_type = SGP32_SEQUENCE_TYPE(eim_id_info_st, eim_id_info_fields);
static const sgp32_field eim_id_info_element = SGP32_E_TYPE(DER_TAG_SEQUENCE, &eim_id_info_type);

typedef sgp32_list_eim_result list_eim_st;
static const sgp32_field list_eim_alts[] = {
    SGP32_F_LIST(DER_CTX_CONS(0), list_eim_st, eim_ids, eim_id_count, &eim_id_info_element),
    SGP32_F_INTEGER(DER_CTX(1), list_eim_st, list_eim_error),
};
static const sgp32_type list_eim_type = {
    CHOICE_TYPE(list_eim_st, list_eim_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_set_default_dp_address_response sdp_response_st;
static const sgp32_field sdp_response_fields[] = {
    SGP32_F_INTEGER(DER_CTX(0), sdp_response_st, set_default_dp_address_result),
};
static const sgp32_type sdp_response_type =
    SGP32_SEQUENCE_TYPE(sdp_response_st, sdp_response_fields);

typedef sgp32_euicc_result_data result_st;
static const sgp32_field result_alts[] = {
    SGP32_F_INTEGER(DER_CTX(3), result_st, enable_result),
    SGP32_F_INTEGER(DER_CTX(4), result_st, disable_result),
    SGP32_F_INTEGER(DER_CTX(5), result_st, delete_result),
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_INFO_LIST, result_st, list_profile_info_result),
    SGP32_F_FOREIGN(DER_CTX_CONS(6), result_st, get_rat_result),
    SGP32_F_INTEGER(DER_CTX(7), result_st, configure_immediate_enable_result),
    SGP32_F_TYPE(DER_CTX_CONS(8), result_st, add_eim_result, &add_eim_type),
    SGP32_F_INTEGER(DER_CTX(9), result_st, delete_eim_result),
    SGP32_F_INTEGER(DER_CTX(10), result_st, update_eim_result),
    SGP32_F_TYPE(DER_CTX_CONS(11), result_st, list_eim_result, &list_eim_type),
    SGP32_F_INTEGER(DER_CTX(12), result_st, rollback_result),
    SGP32_F_INTEGER(DER_CTX(13), result_st, set_fallback_attribute_result),
    SGP32_F_INTEGER(DER_CTX(14), result_st, unset_fallback_attribute_result),
    SGP32_F_INTEGER(DER_TAG_INTEGER, result_st, processing_terminated),
    SGP32_F_TYPE(SGP32_TAG_SET_DEFAULT_DP_ADDRESS, result_st, set_default_dp_address_result,
                 &sdp_response_type),
};
static const sgp32_type result_type = {
    CHOICE_TYPE(result_st, result_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_kind = SGP32_EUICC_RESULT_UNKNOWN,
    .unknown_offset = offsetof(result_st, unknown),
};
static const sgp32_field result_element = SGP32_E_CHOICE(&result_type);

typedef sgp32_euicc_package_result_data_signed result_data_st;
static const sgp32_field result_data_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), result_data_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_INTEGER(DER_CTX(1), result_data_st, counter_value),
    SGP32_F_OPT_OCTETS(DER_CTX(2), result_data_st, eim_transaction_id, 1,
                       SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_CTX(3), result_data_st, seq_number),
    SGP32_F_LIST(DER_TAG_SEQUENCE, result_data_st, euicc_result, euicc_result_count,
                 &result_element),
};
static const sgp32_type result_data_type = {
    .fields = result_data_fields,
    .count = SGP32_COUNT(result_data_fields),
    .signed_part = true,
    .raw_offset = offsetof(result_data_st, raw),
    .extensions_offset = offsetof(result_data_st, extensions),
    .kind_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_euicc_package_result_signed result_signed_st;
static const sgp32_field result_signed_fields[] = {
    SGP32_F_TYPE(DER_TAG_SEQUENCE, result_signed_st, euicc_package_result_data_signed,
                 &result_data_type),
    SGP32_F_OCTETS(SGP32_TAG_EIM_SIGNATURE, result_signed_st, euicc_sign_epr, 0, SIZE_MAX),
};
static const sgp32_type result_signed_type =
    SGP32_SEQUENCE_TYPE(result_signed_st, result_signed_fields);

typedef sgp32_euicc_package_error_data_signed error_data_st;
static const sgp32_field error_data_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), error_data_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_INTEGER(DER_CTX(1), error_data_st, counter_value),
    SGP32_F_OPT_OCTETS(DER_CTX(2), error_data_st, eim_transaction_id, 1,
                       SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_TAG_INTEGER, error_data_st, euicc_package_error_code),
};
static const sgp32_type error_data_type = {
    .fields = error_data_fields,
    .count = SGP32_COUNT(error_data_fields),
    .signed_part = true,
    .raw_offset = offsetof(error_data_st, raw),
    .extensions_offset = offsetof(error_data_st, extensions),
    .kind_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_euicc_package_error_signed error_signed_st;
static const sgp32_field error_signed_fields[] = {
    SGP32_F_TYPE(DER_TAG_SEQUENCE, error_signed_st, euicc_package_error_data_signed,
                 &error_data_type),
    SGP32_F_OCTETS(SGP32_TAG_EIM_SIGNATURE, error_signed_st, euicc_sign_epe, 0, SIZE_MAX),
};
static const sgp32_type error_signed_type =
    SGP32_SEQUENCE_TYPE(error_signed_st, error_signed_fields);

typedef sgp32_euicc_package_error_unsigned error_unsigned_st;
static const sgp32_field error_unsigned_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), error_unsigned_st, eim_id, 1, SGP32_EIM_ID_MAX),
    SGP32_F_OPT_OCTETS(DER_CTX(2), error_unsigned_st, eim_transaction_id, 1,
                       SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OPT_INTEGER(DER_CTX(4), error_unsigned_st, association_token),
    SGP32_F_OPT_INTEGER(DER_CTX(15), error_unsigned_st, euicc_package_unsigned_error_code),
};
static const sgp32_type error_unsigned_type =
    SGP32_SEQUENCE_TYPE(error_unsigned_st, error_unsigned_fields);

typedef sgp32_euicc_package_result package_result_st;
static const sgp32_field package_result_alts[] = {
    SGP32_F_TYPE(DER_CTX_CONS(0), package_result_st, result_signed, &result_signed_type),
    SGP32_F_TYPE(DER_CTX_CONS(1), package_result_st, error_signed, &error_signed_type),
    SGP32_F_TYPE(DER_CTX_CONS(2), package_result_st, error_unsigned, &error_unsigned_type),
};
const sgp32_type sgp32_euicc_package_result_type = {
    CHOICE_TYPE(package_result_st, package_result_alts),
    .raw_offset = offsetof(package_result_st, raw),
    .unknown_offset = SGP32_NO_OFFSET,
};

/* ---- AddInitialEim (5.9.16) and GetEimConfigurationData (5.9.18) ------- */

static const sgp32_field eim_element = SGP32_E_TYPE(DER_TAG_SEQUENCE,
                                                    &sgp32_eim_configuration_data_type);

typedef sgp32_add_initial_eim_request aie_request_st;
static const sgp32_field aie_request_fields[] = {
    SGP32_F_LIST(DER_CTX_CONS(0), aie_request_st, eim_configurations, eim_configuration_count,
                 &eim_element),
};
static const sgp32_type aie_request_type = SGP32_SEQUENCE_TYPE(aie_request_st, aie_request_fields);

typedef sgp32_add_initial_eim_ok aie_ok_st;
static const sgp32_field aie_ok_alts[] = {
    SGP32_F_INTEGER(DER_CTX(4), aie_ok_st, association_token),
    SGP32_A_NULL(DER_TAG_NULL),
};
static const sgp32_type aie_ok_type = {
    CHOICE_TYPE(aie_ok_st, aie_ok_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};
static const sgp32_field aie_ok_element = SGP32_E_CHOICE(&aie_ok_type);

typedef sgp32_add_initial_eim_response aie_response_st;
static const sgp32_field aie_response_alts[] = {
    SGP32_F_LIST(DER_CTX_CONS(0), aie_response_st, ok, ok_count, &aie_ok_element),
    SGP32_F_INTEGER(DER_CTX(1), aie_response_st, add_initial_eim_error),
};
static const sgp32_type aie_response_type = {
    CHOICE_TYPE(aie_response_st, aie_response_alts),
    .raw_offset = offsetof(aie_response_st, raw),
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_eim_search_criteria search_st;
static const sgp32_field search_alts[] = {
    SGP32_F_OCTETS(DER_CTX(0), search_st, eim_id, 1, SGP32_EIM_ID_MAX),
};
static const sgp32_type search_type = {
    CHOICE_TYPE(search_st, search_alts),
    .raw_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

typedef sgp32_get_eim_configuration_data_request gecd_request_st;
static const sgp32_field gecd_request_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), gecd_request_st, search_criteria, &search_type),
};
static const sgp32_type gecd_request_type =
    SGP32_SEQUENCE_TYPE(gecd_request_st, gecd_request_fields);

typedef sgp32_get_eim_configuration_data_response gecd_response_st;
static const sgp32_field gecd_response_fields[] = {
    SGP32_F_LIST(DER_CTX_CONS(0), gecd_response_st, eim_configurations, eim_configuration_count,
                 &eim_element),
};
static const sgp32_type gecd_response_type =
    SGP32_SEQUENCE_TYPE(gecd_response_st, gecd_response_fields);

/* ---- Public codecs ---------------------------------------------------- */

static const sgp32_field request_top =
    SGP32_TOP(SGP32_TAG_EUICC_PACKAGE, &sgp32_euicc_package_request_type);
static const sgp32_field signed_top = SGP32_TOP(DER_TAG_SEQUENCE, &signed_type);
static const sgp32_field result_top =
    SGP32_TOP(SGP32_TAG_EUICC_PACKAGE, &sgp32_euicc_package_result_type);
static const sgp32_field result_data_top = SGP32_TOP(DER_TAG_SEQUENCE, &result_data_type);
static const sgp32_field error_data_top = SGP32_TOP(DER_TAG_SEQUENCE, &error_data_type);
static const sgp32_field eim_top = SGP32_TOP(DER_TAG_SEQUENCE, &sgp32_eim_configuration_data_type);
static const sgp32_field aie_request_top = SGP32_TOP(SGP32_TAG_ADD_INITIAL_EIM, &aie_request_type);
static const sgp32_field aie_response_top =
    SGP32_TOP(SGP32_TAG_ADD_INITIAL_EIM, &aie_response_type);
static const sgp32_field gecd_request_top =
    SGP32_TOP(SGP32_TAG_GET_EIM_CONFIGURATION_DATA, &gecd_request_type);
static const sgp32_field gecd_response_top =
    SGP32_TOP(SGP32_TAG_GET_EIM_CONFIGURATION_DATA, &gecd_response_type);

SGP32_DEFINE_CODEC(euicc_package_request, request_top)
SGP32_DEFINE_CODEC(euicc_package_signed, signed_top)
SGP32_DEFINE_CODEC(euicc_package_result, result_top)
SGP32_DEFINE_CODEC(euicc_package_result_data_signed, result_data_top)
SGP32_DEFINE_CODEC(euicc_package_error_data_signed, error_data_top)
SGP32_DEFINE_CODEC(eim_configuration_data, eim_top)
SGP32_DEFINE_CODEC(add_initial_eim_request, aie_request_top)
SGP32_DEFINE_CODEC(add_initial_eim_response, aie_response_top)
SGP32_DEFINE_CODEC(get_eim_configuration_data_request, gecd_request_top)
SGP32_DEFINE_CODEC(get_eim_configuration_data_response, gecd_response_top)
