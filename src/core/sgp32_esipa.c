/* airwrite core: SGP.32 ESipa messages from the IPA to the eIM
 * (SGP32Definitions EsipaMessageFromIpaToEim and its members; SGP.32 5.14 and
 * 6.3.2). The eIM -> IPA direction is in sgp32_esipa_eim.c. */
#include "core/sgp32_esipa.h"

#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_esipa_ipa_to_eim_kind) == sizeof(int), "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET

/* ---- Session messages relayed to the SM-DP+ (6.3.2.1 - 6.3.2.5) ------- */

typedef sgp32_initiate_authentication_request_esipa iar_st;
static const sgp32_field iar_fields[] = {
    SGP32_F_OCTETS(DER_CTX(1), iar_st, euicc_challenge, SGP32_CHALLENGE_LENGTH,
                   SGP32_CHALLENGE_LENGTH),
    SGP32_F_OPT_OCTETS(DER_CTX(3), iar_st, smdp_address, 0, SIZE_MAX),
    SGP32_F_OPT_FOREIGN(SGP32_TAG_EUICC_INFO1, iar_st, euicc_info1),
    SGP32_F_OPT_OCTETS(DER_CTX(2), iar_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
};
static const sgp32_type iar_type = SGP32_SEQUENCE_TYPE(iar_st, iar_fields);

typedef sgp32_authenticate_client_request_esipa acr_st;
static const sgp32_field acr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), acr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE, acr_st, authenticate_server_response),
};
static const sgp32_type acr_type = SGP32_SEQUENCE_TYPE(acr_st, acr_fields);

typedef sgp32_get_bound_profile_package_request_esipa gbr_st;
static const sgp32_field gbr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), gbr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE, gbr_st, prepare_download_response),
};
static const sgp32_type gbr_type = SGP32_SEQUENCE_TYPE(gbr_st, gbr_fields);

typedef sgp32_cancel_session_request_esipa csr_st;
static const sgp32_field csr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), csr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(DER_CTX_CONS(1), csr_st, cancel_session_response),
};
static const sgp32_type csr_type = SGP32_SEQUENCE_TYPE(csr_st, csr_fields);

/* ---- eIM Package exchange (6.3.2.6 - 6.3.2.8) ------------------------- */

typedef sgp32_get_eim_package_request gpr_st;
static const sgp32_field gpr_fields[] = {
    SGP32_F_OCTETS(SGP32_TAG_EID, gpr_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_OPT_NULL(DER_CTX(0), gpr_st, notify_state_change),
    SGP32_F_OPT_INTEGER(DER_CTX(1), gpr_st, state_change_cause),
    SGP32_F_OPT_OCTETS(DER_CTX(2), gpr_st, rplmn, 3, 3),
};
static const sgp32_type gpr_type = SGP32_SEQUENCE_TYPE(gpr_st, gpr_fields);

typedef sgp32_epr_and_notifications epr_st;
static const sgp32_field epr_fields[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, epr_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    SGP32_F_FOREIGN(DER_CTX_CONS(0), epr_st, notification_list),
};
static const sgp32_type epr_type = SGP32_SEQUENCE_TYPE(epr_st, epr_fields);

typedef sgp32_eim_package_result_response_error rre_st;
static const sgp32_field rre_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), rre_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_TAG_INTEGER, rre_st, eim_package_result_error_code),
};
static const sgp32_type rre_type = SGP32_SEQUENCE_TYPE(rre_st, rre_fields);

typedef sgp32_eim_package_result epres_st;
static const sgp32_field epres_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, epres_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, epres_st, epr_and_notifications,
                 &epr_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, epres_st, ipa_euicc_data_response,
                 &sgp32_ipa_euicc_data_response_type),
    SGP32_F_TYPE(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, epres_st, profile_download_trigger_result,
                 &sgp32_profile_download_trigger_result_type),
    SGP32_F_TYPE(DER_CTX_CONS(0), epres_st, response_error, &rre_type),
    /* v1.0: eimPackageError INTEGER (replaced in v1.1 by the [0] form above) */
    SGP32_F_INTEGER(DER_TAG_INTEGER, epres_st, eim_package_error_v1_0),
};
static const sgp32_type epres_type = {
    CHOICE_TYPE(epres_st, epres_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_provide_eim_package_result per_st;
static const sgp32_field per_fields[] = {
    SGP32_F_OPT_OCTETS(SGP32_TAG_EID, per_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_CHOICE(per_st, eim_package_result, &epres_type),
};
static const sgp32_type per_type = SGP32_SEQUENCE_TYPE(per_st, per_fields);

typedef sgp32_handle_notification_esipa hn_st;
static const sgp32_field hn_alts[] = {
    SGP32_F_WRAPPED_FOREIGN(DER_CTX_CONS(0), hn_st, pending_notification),
    SGP32_F_TYPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, hn_st, provide_eim_package_result,
                 &per_type),
};
static const sgp32_type hn_type = {
    CHOICE_TYPE(hn_st, hn_alts),
    .raw_offset = offsetof(hn_st, raw),
};

typedef sgp32_correlation_id cid_st;
static const sgp32_field cid_alts[] = {
    SGP32_F_OCTETS(DER_CTX(0), cid_st, value, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OCTETS(SGP32_TAG_EID, cid_st, value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
};
static const sgp32_type cid_type = {
    CHOICE_TYPE(cid_st, cid_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_eim_package_received_with_cid rwc_st;
static const sgp32_field rwc_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), rwc_st, correlation_id, &cid_type),
};
static const sgp32_type rwc_type = SGP32_SEQUENCE_TYPE(rwc_st, rwc_fields);

typedef sgp32_eim_package_error_with_cid ewc_st;
static const sgp32_field ewc_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), ewc_st, correlation_id, &cid_type),
    SGP32_F_INTEGER(DER_CTX(1), ewc_st, eim_package_error),
};
static const sgp32_type ewc_type = SGP32_SEQUENCE_TYPE(ewc_st, ewc_fields);

typedef sgp32_transfer_eim_package_response ter_st;
static const sgp32_field ter_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, ter_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, ter_st, epr_and_notifications,
                 &epr_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, ter_st, ipa_euicc_data_response,
                 &sgp32_ipa_euicc_data_response_type),
    SGP32_A_NULL(DER_TAG_NULL),
    SGP32_F_TYPE(SGP32_TAG_EIM_PACKAGE_RECEIVED_WITH_CID, ter_st, received_with_cid, &rwc_type),
    SGP32_F_INTEGER(DER_TAG_INTEGER, ter_st, eim_package_error),
    SGP32_F_TYPE(SGP32_TAG_EIM_PACKAGE_ERROR_WITH_CID, ter_st, error_with_cid, &ewc_type),
};
static const sgp32_type ter_type = {
    CHOICE_TYPE(ter_st, ter_alts),
    .raw_offset = offsetof(ter_st, raw),
};

/* ---- EsipaMessageFromIpaToEim (6.3.1) --------------------------------- */

typedef sgp32_esipa_message_from_ipa_to_eim to_eim_st;
static const sgp32_field to_eim_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, to_eim_st,
                 initiate_authentication_request, &iar_type),
    SGP32_F_TYPE(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, to_eim_st, authenticate_client_request,
                 &acr_type),
    SGP32_F_TYPE(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA, to_eim_st,
                 get_bound_profile_package_request, &gbr_type),
    SGP32_F_TYPE(SGP32_TAG_CANCEL_SESSION_ESIPA, to_eim_st, cancel_session_request, &csr_type),
    SGP32_F_TYPE(SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, to_eim_st, handle_notification, &hn_type),
    SGP32_F_TYPE(SGP32_TAG_TRANSFER_EIM_PACKAGE, to_eim_st, transfer_eim_package_response,
                 &ter_type),
    SGP32_F_TYPE(SGP32_TAG_GET_EIM_PACKAGE, to_eim_st, get_eim_package_request, &gpr_type),
    SGP32_F_TYPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, to_eim_st, provide_eim_package_result,
                 &per_type),
};
static const sgp32_type to_eim_type = {
    CHOICE_TYPE(to_eim_st, to_eim_alts),
    .raw_offset = offsetof(to_eim_st, raw),
};

static const sgp32_field to_eim_top = SGP32_TOP_CHOICE(&to_eim_type);
static const sgp32_field iar_top = SGP32_TOP(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, &iar_type);
static const sgp32_field acr_top = SGP32_TOP(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, &acr_type);
static const sgp32_field gbr_top = SGP32_TOP(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA,
                                             &gbr_type);
static const sgp32_field csr_top = SGP32_TOP(SGP32_TAG_CANCEL_SESSION_ESIPA, &csr_type);
static const sgp32_field hn_top = SGP32_TOP(SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, &hn_type);
static const sgp32_field ter_top = SGP32_TOP(SGP32_TAG_TRANSFER_EIM_PACKAGE, &ter_type);
static const sgp32_field gpr_top = SGP32_TOP(SGP32_TAG_GET_EIM_PACKAGE, &gpr_type);
static const sgp32_field per_top = SGP32_TOP(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT,
                                             &per_type);

SGP32_DEFINE_CODEC(esipa_message_from_ipa_to_eim, to_eim_top)
SGP32_DEFINE_CODEC(initiate_authentication_request_esipa, iar_top)
SGP32_DEFINE_CODEC(authenticate_client_request_esipa, acr_top)
SGP32_DEFINE_CODEC(get_bound_profile_package_request_esipa, gbr_top)
SGP32_DEFINE_CODEC(cancel_session_request_esipa, csr_top)
SGP32_DEFINE_CODEC(handle_notification_esipa, hn_top)
SGP32_DEFINE_CODEC(transfer_eim_package_response, ter_top)
SGP32_DEFINE_CODEC(get_eim_package_request, gpr_top)
SGP32_DEFINE_CODEC(provide_eim_package_result, per_top)
