/* airwrite core: SGP.32 ProfileDownloadTriggerRequest/Result codecs
 * (SGP32Definitions; SGP.32 2.11.3). */
#include "core/sgp32_trigger.h"

#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_profile_download_data_kind) == sizeof(int), "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET, .raw_offset = SGP32_NO_OFFSET

typedef sgp32_contact_smds smds_st;
static const sgp32_field smds_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), smds_st, smds_address, 0, SIZE_MAX),
};
static const sgp32_type smds_type = SGP32_SEQUENCE_TYPE(smds_st, smds_fields);

typedef sgp32_profile_download_data data_st;
static const sgp32_field data_alts[] = {
    SGP32_F_OCTETS(DER_CTX(0), data_st, activation_code, 0, SGP32_ACTIVATION_CODE_MAX),
    SGP32_A_NULL(DER_CTX(1)),
    SGP32_F_TYPE(DER_CTX_CONS(2), data_st, contact_smds, &smds_type),
};
static const sgp32_type data_type = {CHOICE_TYPE(data_st, data_alts)};

typedef sgp32_profile_download_trigger_request request_st;
static const sgp32_field request_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), request_st, profile_download_data, &data_type),
    SGP32_F_OPT_OCTETS(DER_CTX(2), request_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
};
const sgp32_type sgp32_profile_download_trigger_request_type =
    SGP32_SEQUENCE_TYPE(request_st, request_fields);

typedef sgp32_profile_download_error error_st;
static const sgp32_field error_fields[] = {
    SGP32_F_INTEGER(DER_CTX(0), error_st, profile_download_error_reason),
    SGP32_F_OPT_OCTETS(DER_TAG_OCTET_STRING, error_st, error_response, 0, SIZE_MAX),
};
static const sgp32_type error_type = SGP32_SEQUENCE_TYPE(error_st, error_fields);

typedef sgp32_profile_download_trigger_result_data result_data_st;
static const sgp32_field result_data_alts[] = {
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_INSTALLATION_RESULT, result_data_st,
                    profile_installation_result),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, result_data_st, profile_download_error, &error_type),
};
static const sgp32_type result_data_type = {CHOICE_TYPE(result_data_st, result_data_alts)};

typedef sgp32_profile_download_trigger_result result_st;
static const sgp32_field result_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(2), result_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_CHOICE(result_st, result_data, &result_data_type),
};
const sgp32_type sgp32_profile_download_trigger_result_type =
    SGP32_SEQUENCE_TYPE(result_st, result_fields);

/* SGP.32 v1.0: profileDownloadError { errorResponse [0] OPTIONAL } (see
 * sgp32_trigger.h); the rest as above. */
static const sgp32_field error_fields_v1_0[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), error_st, error_response, 0, SIZE_MAX),
};
static const sgp32_type error_type_v1_0 = SGP32_SEQUENCE_TYPE(error_st, error_fields_v1_0);
static const sgp32_field result_data_alts_v1_0[] = {
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_INSTALLATION_RESULT, result_data_st,
                    profile_installation_result),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, result_data_st, profile_download_error, &error_type_v1_0),
};
static const sgp32_type result_data_type_v1_0 = {
    CHOICE_TYPE(result_data_st, result_data_alts_v1_0)};
static const sgp32_field result_fields_v1_0[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(2), result_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_CHOICE(result_st, result_data, &result_data_type_v1_0),
};
static const sgp32_type result_type_v1_0 = SGP32_SEQUENCE_TYPE(result_st, result_fields_v1_0);

static const sgp32_field request_top =
    SGP32_TOP(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, &sgp32_profile_download_trigger_request_type);
static const sgp32_field result_top =
    SGP32_TOP(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, &sgp32_profile_download_trigger_result_type);

SGP32_DEFINE_CODEC(profile_download_trigger_request, request_top)
SGP32_DEFINE_CODEC(profile_download_trigger_result, result_top)
static const sgp32_field result_top_v1_0 =
    SGP32_TOP(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, &result_type_v1_0);
SGP32_DEFINE_CODEC(profile_download_trigger_result_v1_0, result_top_v1_0)
