/* airwrite core: SGP.32 IPA/eUICC data exchange with the eIM
 * (SGP32Definitions IpaEuiccDataRequest/Response, SGP.32 2.11.2 and 5.14
 * eIM Package "IPA eUICC data", EimAcknowledgements 6.3.2.7, IpaCapabilities).
 *
 * SGP.22 types nested here (PendingNotification list, EUICCInfo1/2,
 * Certificates, DeviceInfo, VendorSpecificExtension) are raw TLV slices,
 * checked for tag and well-formed DER; the SGP.22 codecs decode them.
 * IpaEuiccData's implicitly tagged Certificates (A5, A6) can be turned into
 * plain X.509 DER with sgp32_retag_as_sequence.
 */
#ifndef AIRWRITE_CORE_SGP32_IPA_H
#define AIRWRITE_CORE_SGP32_IPA_H

#include "core/sgp32_common.h"

#define SGP32_MAX_EIM_ACKNOWLEDGEMENTS 64 /* sequence numbers per EimAcknowledgements */

/* IpaEuiccDataErrorCode */
enum {
    SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST = 1,
    SGP32_IPA_EUICC_DATA_ERROR_EUICC_CI_PK_ID_NOT_FOUND = 5,
    SGP32_IPA_EUICC_DATA_ERROR_ECALL_ACTIVE = 104,
    SGP32_IPA_EUICC_DATA_ERROR_UNDEFINED_ERROR = 127,
};

/* IpaCapabilities ipaFeatures named bits */
#define SGP32_IPA_DIRECT_RSP_SERVER_COMMUNICATION (1u << 0)
#define SGP32_IPA_INDIRECT_RSP_SERVER_COMMUNICATION (1u << 1)
#define SGP32_IPA_EIM_DOWNLOAD_DATA_HANDLING (1u << 2)
#define SGP32_IPA_EIM_CTX_PARAMS1_GENERATION (1u << 3)
#define SGP32_IPA_EIM_PROFILE_METADATA_VERIFICATION (1u << 4)
#define SGP32_IPA_MINIMIZE_ESIPA_BYTES (1u << 5)
/* IpaCapabilities ipaSupportedProtocols named bits */
#define SGP32_IPA_RETRIEVE_HTTPS (1u << 0)
#define SGP32_IPA_RETRIEVE_COAPS (1u << 1)
#define SGP32_IPA_INJECT_HTTPS (1u << 2)
#define SGP32_IPA_INJECT_COAPS (1u << 3)
#define SGP32_IPA_PROPRIETARY (1u << 4)

/* searchCriteriaNotification [1] CHOICE {seqNumber [0], profileManagementOperation [1]} */
typedef enum sgp32_notification_search_kind {
    SGP32_NOTIFICATION_SEARCH_NONE = 0,
    SGP32_NOTIFICATION_SEARCH_SEQ_NUMBER,
    SGP32_NOTIFICATION_SEARCH_OPERATION,   /* NotificationEvent bits, SGP.22 */
} sgp32_notification_search_kind;

typedef struct sgp32_notification_search {
    sgp32_notification_search_kind kind;
    int64_t seq_number;
    sgp32_bit_string profile_management_operation;
} sgp32_notification_search;

/* searchCriteriaEuiccPackageResult [2] CHOICE {seqNumber [0]} */
typedef enum sgp32_package_result_search_kind {
    SGP32_PACKAGE_RESULT_SEARCH_NONE = 0,
    SGP32_PACKAGE_RESULT_SEARCH_SEQ_NUMBER,
} sgp32_package_result_search_kind;

typedef struct sgp32_package_result_search {
    sgp32_package_result_search_kind kind;
    int64_t seq_number;
} sgp32_package_result_search;

/* SGP32Definitions IpaEuiccDataRequest ::= [82] (BF52), 2.11.2 */
typedef struct sgp32_ipa_euicc_data_request {
    aw_slice raw, extensions;
    aw_slice tag_list;                        /* [APPLICATION 28]: concatenated tags */
    bool has_euicc_ci_pk_identifier_to_be_used;
    aw_slice euicc_ci_pk_identifier_to_be_used; /* OCTET STRING (possibly truncated SKI) */
    bool has_search_criteria_notification;
    sgp32_notification_search search_criteria_notification; /* [1] */
    bool has_search_criteria_euicc_package_result;
    sgp32_package_result_search search_criteria_euicc_package_result; /* [2] */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;              /* [3] 1..16 */
} sgp32_ipa_euicc_data_request;

/* SGP32Definitions IpaCapabilities */
typedef struct sgp32_ipa_capabilities {
    aw_slice raw, extensions;
    sgp32_bit_string ipa_features;            /* [0] SGP32_IPA_* feature bits */
    bool has_ipa_supported_protocols;
    sgp32_bit_string ipa_supported_protocols; /* [1] SGP32_IPA_* protocol bits */
    bool has_esipa_proprietary_protocol_information;
    aw_slice esipa_proprietary_protocol_information; /* [2] TLV (after v1.2) */
} sgp32_ipa_capabilities;

/* SGP32Definitions IpaEuiccData (field tags as the module's comments) */
typedef struct sgp32_ipa_euicc_data {
    aw_slice raw, extensions;
    bool has_notifications_list;
    aw_slice notifications_list;      /* A0: SEQUENCE OF PendingNotification (SGP.22), iterate */
    bool has_default_smdp_address;
    aw_slice default_smdp_address;    /* 81 */
    bool has_euicc_package_result_list;
    aw_slice euicc_package_result_list; /* A2: SEQUENCE OF EuiccPackageResult (BF51), iterate */
    bool has_euicc_info1;
    aw_slice euicc_info1;             /* BF20 TLV */
    bool has_euicc_info2;
    aw_slice euicc_info2;             /* BF22 TLV */
    bool has_root_smds_address;
    aw_slice root_smds_address;       /* 83 */
    bool has_association_token;
    int64_t association_token;        /* 84 */
    bool has_eum_certificate;
    aw_slice eum_certificate;         /* A5 TLV (implicit Certificate) */
    bool has_euicc_certificate;
    aw_slice euicc_certificate;       /* A6 TLV (implicit Certificate) */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;      /* 87 */
    bool has_ipa_capabilities;
    sgp32_ipa_capabilities ipa_capabilities; /* A8 */
    bool has_device_info;
    aw_slice device_info;             /* A9 TLV (implicit DeviceInfo) */
} sgp32_ipa_euicc_data;

/* SGP32Definitions IpaEuiccDataResponseError */
typedef struct sgp32_ipa_euicc_data_response_error {
    aw_slice raw, extensions;
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;      /* [0] */
    int64_t ipa_euicc_data_error_code; /* SGP32_IPA_EUICC_DATA_ERROR_* */
} sgp32_ipa_euicc_data_response_error;

/* SGP32Definitions IpaEuiccDataResponse ::= [82] CHOICE (BF52), 2.11.2 */
typedef enum sgp32_ipa_euicc_data_response_kind {
    SGP32_IPA_EUICC_DATA_RESPONSE_NONE = 0,
    SGP32_IPA_EUICC_DATA_RESPONSE_DATA,    /* [0] ipaEuiccData */
    SGP32_IPA_EUICC_DATA_RESPONSE_ERROR,   /* [1] ipaEuiccDataResponseError */
} sgp32_ipa_euicc_data_response_kind;

typedef struct sgp32_ipa_euicc_data_response {
    aw_slice raw;
    sgp32_ipa_euicc_data_response_kind kind;
    union {
        sgp32_ipa_euicc_data ipa_euicc_data;
        sgp32_ipa_euicc_data_response_error error;
    };
} sgp32_ipa_euicc_data_response;

/* SGP32Definitions EimAcknowledgements ::= [83] SEQUENCE OF SequenceNumber
 * (BF53 { 80 seq ... }), 6.3.2.7 */
typedef struct sgp32_eim_acknowledgements {
    size_t count;
    int64_t seq_numbers[SGP32_MAX_EIM_ACKNOWLEDGEMENTS];
} sgp32_eim_acknowledgements;

aw_err sgp32_decode_ipa_euicc_data_request(const uint8_t *buf, size_t len,
                                           sgp32_ipa_euicc_data_request *out);
void sgp32_put_ipa_euicc_data_request(der_builder *b, const sgp32_ipa_euicc_data_request *in);
aw_err sgp32_encode_ipa_euicc_data_request(const sgp32_ipa_euicc_data_request *in, uint8_t **out,
                                           size_t *out_len);

aw_err sgp32_decode_ipa_euicc_data_response(const uint8_t *buf, size_t len,
                                            sgp32_ipa_euicc_data_response *out);
void sgp32_put_ipa_euicc_data_response(der_builder *b, const sgp32_ipa_euicc_data_response *in);
aw_err sgp32_encode_ipa_euicc_data_response(const sgp32_ipa_euicc_data_response *in,
                                            uint8_t **out, size_t *out_len);

/* IpaCapabilities alone (tag 30) */
aw_err sgp32_decode_ipa_capabilities(const uint8_t *buf, size_t len, sgp32_ipa_capabilities *out);
void sgp32_put_ipa_capabilities(der_builder *b, const sgp32_ipa_capabilities *in);
aw_err sgp32_encode_ipa_capabilities(const sgp32_ipa_capabilities *in, uint8_t **out,
                                     size_t *out_len);

aw_err sgp32_decode_eim_acknowledgements(const uint8_t *buf, size_t len,
                                         sgp32_eim_acknowledgements *out);
void sgp32_put_eim_acknowledgements(der_builder *b, const sgp32_eim_acknowledgements *in);
aw_err sgp32_encode_eim_acknowledgements(const sgp32_eim_acknowledgements *in, uint8_t **out,
                                         size_t *out_len);

#endif
