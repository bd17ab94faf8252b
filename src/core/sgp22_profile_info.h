/* airwrite core: typed DER codecs for SGP.22 profile information and local
 * profile management (RSPDefinitions): ES10c.GetProfilesInfo (5.7.15),
 * EnableProfile (5.7.16), DisableProfile (5.7.17), DeleteProfile (5.7.18),
 * eUICCMemoryReset (5.7.19) and SetNickname (5.7.21).
 *
 * Zero-copy decoding; the ProfileInfo list has no fixed capacity: it is kept
 * raw and walked with sgp22_profile_info_list_next() (see
 * sgp22_info_common.h). Result codes are INTEGER values with named constants.
 * Every SEQUENCE struct has `extensions`: components of a later version after
 * the known ones, kept verbatim (RSPDefinitions is EXTENSIBILITY IMPLIED).
 */
#ifndef AIRWRITE_CORE_SGP22_PROFILE_INFO_H
#define AIRWRITE_CORE_SGP22_PROFILE_INFO_H

#include "core/sgp22_info_common.h"
#include "core/sgp22_tags.h"

/* ProfileState, ProfileClass, IconType */
enum sgp22_profile_state { SGP22_PROFILE_STATE_DISABLED = 0, SGP22_PROFILE_STATE_ENABLED = 1 };
enum sgp22_profile_class {
    SGP22_PROFILE_CLASS_TEST = 0,
    SGP22_PROFILE_CLASS_PROVISIONING = 1,
    SGP22_PROFILE_CLASS_OPERATIONAL = 2,
};
enum sgp22_icon_type { SGP22_ICON_TYPE_JPG = 0, SGP22_ICON_TYPE_PNG = 1 };

/* The CHOICE { isdpAid [APPLICATION 15] OctetTo16, iccid Iccid } used by
 * EnableProfile, DisableProfile and DeleteProfile. */
typedef enum sgp22_profile_identifier_kind {
    SGP22_PROFILE_IDENTIFIER_ISDP_AID = 1, /* tag 4F, 1..16 octets */
    SGP22_PROFILE_IDENTIFIER_ICCID = 2,    /* tag 5A, 10 octets */
} sgp22_profile_identifier_kind;

typedef struct sgp22_profile_identifier {
    sgp22_profile_identifier_kind kind;
    aw_slice value;
} sgp22_profile_identifier;

/* SGP.22 RSPDefinitions NotificationConfigurationInformation (ProfileInfo [22]) */
typedef struct sgp22_notification_configuration_information {
    uint32_t profile_management_operation; /* [0] NotificationEvent flags */
    aw_slice notification_address;         /* [1] UTF8String FQDN */
    aw_slice extensions;
} sgp22_notification_configuration_information;

typedef struct sgp22_notification_configuration_list {
    aw_slice raw;
    size_t count;
    const sgp22_notification_configuration_information *items;
} sgp22_notification_configuration_list;

/* SGP.22 RSPDefinitions ProfileInfo (tag E3), 5.7.15 ES10c.GetProfilesInfo */
typedef struct sgp22_profile_info {
    aw_slice raw;
    bool has_iccid;
    aw_slice iccid;                    /* 5A, 10 octets */
    bool has_isdp_aid;
    aw_slice isdp_aid;                 /* 4F, 1..16 octets */
    bool has_profile_state;
    int64_t profile_state;             /* 9F70 enum sgp22_profile_state */
    bool has_profile_nickname;
    aw_slice profile_nickname;         /* 90 UTF8String (SIZE(0..64)) */
    bool has_service_provider_name;
    aw_slice service_provider_name;    /* 91 UTF8String (SIZE(0..32)) */
    bool has_profile_name;
    aw_slice profile_name;             /* 92 UTF8String (SIZE(0..64)) */
    bool has_icon_type;
    int64_t icon_type;                 /* 93 enum sgp22_icon_type */
    bool has_icon;
    aw_slice icon;                     /* 94 OCTET STRING (SIZE(0..1024)) */
    bool has_profile_class;
    int64_t profile_class;             /* 95 enum sgp22_profile_class */
    bool has_notification_configuration_info;
    sgp22_notification_configuration_list notification_configuration_info; /* B6 */
    bool has_profile_owner;
    sgp22_operator_id profile_owner;   /* B7 OperatorId */
    bool has_dp_proprietary_data;
    aw_slice dp_proprietary_data;      /* B8: the whole TLV (max 128 octets); encoded verbatim */
    aw_slice dp_oid;                   /* decoded: content of its first component, dpOid */
    bool has_profile_policy_rules;
    uint32_t profile_policy_rules;     /* 99 PprIds flags */
    bool has_service_specific_data_stored_in_euicc;
    aw_slice service_specific_data_stored_in_euicc; /* BF22 VendorSpecificExtension, whole TLV */
    bool has_ecall_indication;
    bool ecall_indication;             /* 9F7B, reserved for SGP.32 */
    bool fallback_attribute;           /* 9F26 DEFAULT FALSE: encoded only when true */
    bool has_fallback_allowed;
    bool fallback_allowed;             /* 9F67, reserved for SGP.32 */
    bool has_iot_specific_profile_info;
    aw_slice iot_specific_profile_info; /* BF64, whole TLV, defined by SGP.32 */
    aw_slice extensions;               /* later-version components, kept verbatim */
} sgp22_profile_info;

/* SEQUENCE OF ProfileInfo. Decoded: raw/count; encode: items when not NULL. */
typedef struct sgp22_profile_info_list {
    aw_slice raw;
    size_t count;
    const sgp22_profile_info *items;
} sgp22_profile_info_list;

/* ProfileInfoListRequest searchCriteria [0] CHOICE */
typedef enum sgp22_profile_search_kind {
    SGP22_PROFILE_SEARCH_NONE = 0,
    SGP22_PROFILE_SEARCH_ISDP_AID = 1,      /* search_value: 4F, 1..16 octets */
    SGP22_PROFILE_SEARCH_ICCID = 2,         /* search_value: 5A, 10 octets */
    SGP22_PROFILE_SEARCH_PROFILE_CLASS = 3, /* search_profile_class: 95 */
} sgp22_profile_search_kind;

/* SGP.22 RSPDefinitions ProfileInfoListRequest (BF2D), 5.7.15 */
typedef struct sgp22_profile_info_list_request {
    aw_slice raw;
    sgp22_profile_search_kind search_kind;
    aw_slice search_value;
    int64_t search_profile_class;
    bool has_tag_list;
    aw_slice tag_list;                 /* 5C: tags of the ProfileInfo components wanted */
    bool has_iot_specific_tag_list;
    aw_slice iot_specific_tag_list;    /* 5D */
    aw_slice extensions;
} sgp22_profile_info_list_request;

enum sgp22_profile_info_list_error {
    SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES = 1,
    SGP22_PROFILE_INFO_LIST_UNDEFINED_ERROR = 127,
};

typedef enum sgp22_profile_info_list_response_kind {
    SGP22_PROFILE_INFO_LIST_OK = 1,    /* [0] profileInfoListOk */
    SGP22_PROFILE_INFO_LIST_ERROR = 2, /* [1] profileInfoListError */
} sgp22_profile_info_list_response_kind;

/* SGP.22 RSPDefinitions ProfileInfoListResponse (BF2D CHOICE), 5.7.15 */
typedef struct sgp22_profile_info_list_response {
    aw_slice raw;
    sgp22_profile_info_list_response_kind kind;
    sgp22_profile_info_list profile_info_list_ok;
    int64_t profile_info_list_error;   /* enum sgp22_profile_info_list_error */
} sgp22_profile_info_list_response;

/* SGP.22 RSPDefinitions EnableProfileRequest (BF31) 5.7.16 and
 * DisableProfileRequest (BF32) 5.7.17 share one layout. */
typedef struct sgp22_enable_profile_request {
    aw_slice raw;
    sgp22_profile_identifier profile_identifier; /* [0] CHOICE (explicit) */
    bool refresh_flag;                           /* [1] BOOLEAN */
    aw_slice extensions;
} sgp22_enable_profile_request;
typedef sgp22_enable_profile_request sgp22_disable_profile_request;

enum sgp22_enable_result {
    SGP22_ENABLE_RESULT_OK = 0,
    SGP22_ENABLE_RESULT_ICCID_OR_AID_NOT_FOUND = 1,
    SGP22_ENABLE_RESULT_PROFILE_NOT_IN_DISABLED_STATE = 2,
    SGP22_ENABLE_RESULT_DISALLOWED_BY_POLICY = 3,
    SGP22_ENABLE_RESULT_WRONG_PROFILE_REENABLING = 4,
    SGP22_ENABLE_RESULT_CAT_BUSY = 5,
    SGP22_ENABLE_RESULT_UNDEFINED_ERROR = 127,
};

enum sgp22_disable_result {
    SGP22_DISABLE_RESULT_OK = 0,
    SGP22_DISABLE_RESULT_ICCID_OR_AID_NOT_FOUND = 1,
    SGP22_DISABLE_RESULT_PROFILE_NOT_IN_ENABLED_STATE = 2,
    SGP22_DISABLE_RESULT_DISALLOWED_BY_POLICY = 3,
    SGP22_DISABLE_RESULT_CAT_BUSY = 5,
    SGP22_DISABLE_RESULT_UNDEFINED_ERROR = 127,
};

enum sgp22_delete_result {
    SGP22_DELETE_RESULT_OK = 0,
    SGP22_DELETE_RESULT_ICCID_OR_AID_NOT_FOUND = 1,
    SGP22_DELETE_RESULT_PROFILE_NOT_IN_DISABLED_STATE = 2,
    SGP22_DELETE_RESULT_DISALLOWED_BY_POLICY = 3,
    SGP22_DELETE_RESULT_UNDEFINED_ERROR = 127,
};

enum sgp22_reset_result {
    SGP22_RESET_RESULT_OK = 0,
    SGP22_RESET_RESULT_NOTHING_TO_DELETE = 1,
    SGP22_RESET_RESULT_CAT_BUSY = 5,
    SGP22_RESET_RESULT_UNDEFINED_ERROR = 127,
};

enum sgp22_set_nickname_result {
    SGP22_SET_NICKNAME_RESULT_OK = 0,
    SGP22_SET_NICKNAME_RESULT_ICCID_NOT_FOUND = 1,
    SGP22_SET_NICKNAME_RESULT_UNDEFINED_ERROR = 127,
};

/* Responses with one [0] INTEGER result: EnableProfileResponse (BF31,
 * enum sgp22_enable_result), DisableProfileResponse (BF32,
 * sgp22_disable_result), DeleteProfileResponse (BF33, sgp22_delete_result),
 * EuiccMemoryResetResponse (BF34, sgp22_reset_result), SetNicknameResponse
 * (BF29, sgp22_set_nickname_result). */
typedef struct sgp22_enable_profile_response {
    aw_slice raw;
    int64_t enable_result;
    aw_slice extensions;
} sgp22_enable_profile_response;
typedef struct sgp22_disable_profile_response {
    aw_slice raw;
    int64_t disable_result;
    aw_slice extensions;
} sgp22_disable_profile_response;
typedef struct sgp22_delete_profile_response {
    aw_slice raw;
    int64_t delete_result;
    aw_slice extensions;
} sgp22_delete_profile_response;
typedef struct sgp22_euicc_memory_reset_response {
    aw_slice raw;
    int64_t reset_result;
    aw_slice extensions;
} sgp22_euicc_memory_reset_response;
typedef struct sgp22_set_nickname_response {
    aw_slice raw;
    int64_t set_nickname_result;
    aw_slice extensions;
} sgp22_set_nickname_response;

/* SGP.22 RSPDefinitions DeleteProfileRequest (BF33 CHOICE), 5.7.18 */
typedef struct sgp22_delete_profile_request {
    aw_slice raw;
    sgp22_profile_identifier profile_identifier;
} sgp22_delete_profile_request;

/* EuiccMemoryResetRequest resetOptions named bits */
#define SGP22_RESET_DELETE_OPERATIONAL_PROFILES (1u << 0)
#define SGP22_RESET_DELETE_FIELD_LOADED_TEST_PROFILES (1u << 1)
#define SGP22_RESET_DEFAULT_SMDP_ADDRESS (1u << 2)

/* SGP.22 RSPDefinitions EuiccMemoryResetRequest (BF34), 5.7.19 */
typedef struct sgp22_euicc_memory_reset_request {
    aw_slice raw;
    uint32_t reset_options; /* [2] SGP22_RESET_* flags */
    aw_slice extensions;
} sgp22_euicc_memory_reset_request;

/* SGP.22 RSPDefinitions SetNicknameRequest (BF29), 5.7.21 */
typedef struct sgp22_set_nickname_request {
    aw_slice raw;
    aw_slice iccid;            /* 5A, 10 octets */
    aw_slice profile_nickname; /* 90 UTF8String (SIZE(0..64)) */
    aw_slice extensions;
} sgp22_set_nickname_request;

/* decode / put / encode for each message type */
aw_err sgp22_decode_profile_info(const uint8_t *buf, size_t len, sgp22_profile_info *out);
void sgp22_put_profile_info(der_builder *b, const sgp22_profile_info *in);
aw_err sgp22_encode_profile_info(const sgp22_profile_info *in, uint8_t **out, size_t *len);
aw_err sgp22_decode_profile_info_list_request(const uint8_t *buf, size_t len,
                                              sgp22_profile_info_list_request *out);
void sgp22_put_profile_info_list_request(der_builder *b, const sgp22_profile_info_list_request *in);
aw_err sgp22_encode_profile_info_list_request(const sgp22_profile_info_list_request *in,
                                              uint8_t **out, size_t *len);
aw_err sgp22_decode_profile_info_list_response(const uint8_t *buf, size_t len,
                                               sgp22_profile_info_list_response *out);
void sgp22_put_profile_info_list_response(der_builder *b,
                                          const sgp22_profile_info_list_response *in);
aw_err sgp22_encode_profile_info_list_response(const sgp22_profile_info_list_response *in,
                                               uint8_t **out, size_t *len);
aw_err sgp22_decode_enable_profile_request(const uint8_t *buf, size_t len,
                                           sgp22_enable_profile_request *out);
void sgp22_put_enable_profile_request(der_builder *b, const sgp22_enable_profile_request *in);
aw_err sgp22_encode_enable_profile_request(const sgp22_enable_profile_request *in, uint8_t **out,
                                           size_t *len);
aw_err sgp22_decode_enable_profile_response(const uint8_t *buf, size_t len,
                                            sgp22_enable_profile_response *out);
void sgp22_put_enable_profile_response(der_builder *b, const sgp22_enable_profile_response *in);
aw_err sgp22_encode_enable_profile_response(const sgp22_enable_profile_response *in, uint8_t **out,
                                            size_t *len);
aw_err sgp22_decode_disable_profile_request(const uint8_t *buf, size_t len,
                                            sgp22_disable_profile_request *out);
void sgp22_put_disable_profile_request(der_builder *b, const sgp22_disable_profile_request *in);
aw_err sgp22_encode_disable_profile_request(const sgp22_disable_profile_request *in, uint8_t **out,
                                            size_t *len);
aw_err sgp22_decode_disable_profile_response(const uint8_t *buf, size_t len,
                                             sgp22_disable_profile_response *out);
void sgp22_put_disable_profile_response(der_builder *b, const sgp22_disable_profile_response *in);
aw_err sgp22_encode_disable_profile_response(const sgp22_disable_profile_response *in,
                                             uint8_t **out, size_t *len);
aw_err sgp22_decode_delete_profile_request(const uint8_t *buf, size_t len,
                                           sgp22_delete_profile_request *out);
void sgp22_put_delete_profile_request(der_builder *b, const sgp22_delete_profile_request *in);
aw_err sgp22_encode_delete_profile_request(const sgp22_delete_profile_request *in, uint8_t **out,
                                           size_t *len);
aw_err sgp22_decode_delete_profile_response(const uint8_t *buf, size_t len,
                                            sgp22_delete_profile_response *out);
void sgp22_put_delete_profile_response(der_builder *b, const sgp22_delete_profile_response *in);
aw_err sgp22_encode_delete_profile_response(const sgp22_delete_profile_response *in, uint8_t **out,
                                            size_t *len);
aw_err sgp22_decode_euicc_memory_reset_request(const uint8_t *buf, size_t len,
                                               sgp22_euicc_memory_reset_request *out);
void sgp22_put_euicc_memory_reset_request(der_builder *b,
                                          const sgp22_euicc_memory_reset_request *in);
aw_err sgp22_encode_euicc_memory_reset_request(const sgp22_euicc_memory_reset_request *in,
                                               uint8_t **out, size_t *len);
aw_err sgp22_decode_euicc_memory_reset_response(const uint8_t *buf, size_t len,
                                                sgp22_euicc_memory_reset_response *out);
void sgp22_put_euicc_memory_reset_response(der_builder *b,
                                           const sgp22_euicc_memory_reset_response *in);
aw_err sgp22_encode_euicc_memory_reset_response(const sgp22_euicc_memory_reset_response *in,
                                                uint8_t **out, size_t *len);
aw_err sgp22_decode_set_nickname_request(const uint8_t *buf, size_t len,
                                         sgp22_set_nickname_request *out);
void sgp22_put_set_nickname_request(der_builder *b, const sgp22_set_nickname_request *in);
aw_err sgp22_encode_set_nickname_request(const sgp22_set_nickname_request *in, uint8_t **out,
                                         size_t *len);
aw_err sgp22_decode_set_nickname_response(const uint8_t *buf, size_t len,
                                          sgp22_set_nickname_response *out);
void sgp22_put_set_nickname_response(der_builder *b, const sgp22_set_nickname_response *in);
aw_err sgp22_encode_set_nickname_response(const sgp22_set_nickname_response *in, uint8_t **out,
                                          size_t *len);

/* Next ProfileInfo of a list (AW_ERR_NOT_FOUND at the end). */
aw_err sgp22_profile_info_list_next(sgp22_list_iter *it, sgp22_profile_info *out);
/* Next NotificationConfigurationInformation (AW_ERR_NOT_FOUND at the end). */
aw_err sgp22_notification_configuration_list_next(
    sgp22_list_iter *it, sgp22_notification_configuration_information *out);

#endif
