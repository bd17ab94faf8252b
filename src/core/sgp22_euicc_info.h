/* airwrite core: typed DER codecs for the SGP.22 eUICC information messages
 * (RSPDefinitions): ES10b.GetEUICCInfo (5.7.8, EUICCInfo1/EUICCInfo2),
 * ES10c.GetEID (5.7.20), ES10a.GetEuiccConfiguredAddresses (5.7.3),
 * ES10a.SetDefaultDpAddress (5.7.4) and ES10b.GetRAT (5.7.22).
 *
 * Decoding is zero-copy (slices point into the input, which must outlive
 * the struct); see sgp22_info_common.h for flags and lists. Each decode_*
 * takes exactly one TLV filling buf; each put_* appends DER to a builder and
 * each encode_* returns a malloc'd encoding (free with free()).
 * Unknown trailing components are kept as extensions (EXTENSIBILITY IMPLIED).
 */
#ifndef AIRWRITE_CORE_SGP22_EUICC_INFO_H
#define AIRWRITE_CORE_SGP22_EUICC_INFO_H

#include "core/sgp22_info_common.h"
#include "core/sgp22_tags.h"

/* Requests without content: GetEuiccInfo1Request (BF20), GetEuiccInfo2Request
 * (BF22), EuiccConfiguredAddressesRequest (BF3C), GetRatRequest (BF43).
 * raw is the TLV decoded. In every struct of this module, `extensions` holds
 * components of a later version after the known ones (see
 * sgp22_info_common.h), written back verbatim by the encoders. */
typedef struct sgp22_get_euicc_info1_request {
    aw_slice raw;
    aw_slice extensions;
} sgp22_get_euicc_info1_request;
typedef struct sgp22_get_euicc_info2_request {
    aw_slice raw;
    aw_slice extensions;
} sgp22_get_euicc_info2_request;
typedef struct sgp22_euicc_configured_addresses_request {
    aw_slice raw;
    aw_slice extensions;
} sgp22_euicc_configured_addresses_request;
typedef struct sgp22_get_rat_request {
    aw_slice raw;
    aw_slice extensions;
} sgp22_get_rat_request;

/* SGP.22 RSPDefinitions EUICCInfo1, 5.7.8 (ES10b.GetEUICCInfo); also carried
 * in ES9+.InitiateAuthentication. */
typedef struct sgp22_euicc_info1 {
    aw_slice raw;
    aw_slice svn;                                      /* [2] VersionType */
    sgp22_octets_list euicc_ci_pkid_list_for_verification; /* [9] SEQUENCE OF SKI */
    sgp22_octets_list euicc_ci_pkid_list_for_signing;      /* [10] */
    aw_slice extensions;
} sgp22_euicc_info1;

/* EUICCInfo2 euiccCategory */
enum sgp22_euicc_category {
    SGP22_EUICC_CATEGORY_OTHER = 0,
    SGP22_EUICC_CATEGORY_BASIC = 1,
    SGP22_EUICC_CATEGORY_MEDIUM = 2,
    SGP22_EUICC_CATEGORY_CONTACTLESS = 3,
};

/* RspCapability named bits */
#define SGP22_RSP_CAPABILITY_ADDITIONAL_PROFILE (1u << 0)
#define SGP22_RSP_CAPABILITY_CRL_SUPPORT (1u << 1)
#define SGP22_RSP_CAPABILITY_RPM_SUPPORT (1u << 2)
#define SGP22_RSP_CAPABILITY_TEST_PROFILE_SUPPORT (1u << 3)
#define SGP22_RSP_CAPABILITY_DEVICE_INFO_EXTENSIBILITY_SUPPORT (1u << 4)
#define SGP22_RSP_CAPABILITY_SERVICE_SPECIFIC_DATA_SUPPORT (1u << 5)
#define SGP22_RSP_CAPABILITY_OS_UPDATE_SUPPORT (1u << 19)
#define SGP22_RSP_CAPABILITY_IOT_SPECIFIC_METADATA_SUPPORT (1u << 26)
#define SGP22_RSP_CAPABILITY_MSL_CHECK_SUPPORT (1u << 27)
#define SGP22_RSP_CAPABILITY_TEST_PROFILE_ALLOWLIST_CHECK_SUPPORT (1u << 28)

/* EUICCInfo2 treProperties named bits */
#define SGP22_TRE_IS_DISCRETE (1u << 0)
#define SGP22_TRE_IS_INTEGRATED (1u << 1)
#define SGP22_TRE_USES_REMOTE_MEMORY (1u << 2)

/* SGP.22 RSPDefinitions EUICCInfo2, 5.7.8 (ES10b.GetEUICCInfo); also inside
 * the signed EuiccSigned1 (5.7.13), hence raw. */
typedef struct sgp22_euicc_info2 {
    aw_slice raw;
    aw_slice profile_version;         /* [1] VersionType */
    aw_slice svn;                     /* [2] VersionType */
    aw_slice euicc_firmware_ver;      /* [3] VersionType */
    aw_slice ext_card_resource;       /* [4] OCTET STRING, ETSI TS 102 226 */
    sgp22_bit_string uicc_capability; /* [5] UICCCapability (PEDefinitions) */
    bool has_ts102241_version;
    aw_slice ts102241_version;        /* [6] VersionType */
    bool has_globalplatform_version;
    aw_slice globalplatform_version;  /* [7] VersionType */
    uint32_t rsp_capability;          /* [8] RspCapability flags */
    sgp22_octets_list euicc_ci_pkid_list_for_verification; /* [9] */
    sgp22_octets_list euicc_ci_pkid_list_for_signing;      /* [10] */
    bool has_euicc_category;
    int64_t euicc_category;           /* [11] enum sgp22_euicc_category */
    bool has_forbidden_profile_policy_rules;
    uint32_t forbidden_profile_policy_rules; /* [25] PprIds flags */
    aw_slice pp_version;              /* VersionType (universal 04) */
    aw_slice sas_acreditation_number; /* UTF8String (SIZE(0..64)) */
    bool has_certification_data_object;
    aw_slice platform_label;          /* [12] CertificationDataObject [0] UTF8String */
    aw_slice discovery_base_url;      /* [12] CertificationDataObject [1] UTF8String */
    aw_slice certification_data_object_extensions;
    bool has_tre_properties;
    uint32_t tre_properties;          /* [13] SGP22_TRE_* flags */
    bool has_tre_product_reference;
    aw_slice tre_product_reference;   /* [14] UTF8String */
    bool has_additional_euicc_profile_package_versions;
    sgp22_octets_list additional_euicc_profile_package_versions; /* [15] SEQUENCE OF VersionType */
    bool has_lpa_mode;
    int64_t lpa_mode;                 /* [16] LpaMode INTEGER */
    bool has_euicc_ci_pkid_list_for_signing_v3;
    sgp22_octets_list euicc_ci_pkid_list_for_signing_v3; /* [17] */
    bool has_additional_euicc_info;
    aw_slice additional_euicc_info;   /* [18] OCTET STRING (SIZE(0..32)) */
    bool has_highest_svn;
    aw_slice highest_svn;             /* [19] VersionType */
    bool has_iot_specific_info;
    aw_slice iot_specific_info;       /* [20] whole B4 TLV, defined by SGP.32 */
    bool has_euicc_minimum_security_level;
    aw_slice euicc_minimum_security_level; /* [21] OCTET STRING (SIZE(1)) */
    aw_slice extensions;
} sgp22_euicc_info2;

/* SGP.22 RSPDefinitions GetEuiccDataRequest, 5.7.20 (ES10c.GetEID) */
typedef struct sgp22_get_euicc_data_request {
    aw_slice raw;
    aw_slice tag_list; /* 5C Octet1: the spec sets it to '5A' */
    aw_slice extensions;
} sgp22_get_euicc_data_request;

/* SGP.22 RSPDefinitions GetEuiccDataResponse, 5.7.20 (ES10c.GetEID) */
typedef struct sgp22_get_euicc_data_response {
    aw_slice raw;
    aw_slice eid_value; /* 5A Octet16 */
    aw_slice extensions;
} sgp22_get_euicc_data_response;

/* SGP.22 RSPDefinitions EuiccConfiguredAddressesResponse, 5.7.3 */
typedef struct sgp22_euicc_configured_addresses_response {
    aw_slice raw;
    bool has_default_dp_address;
    aw_slice default_dp_address; /* [0] UTF8String FQDN */
    aw_slice root_ds_address;    /* [1] UTF8String FQDN */
    aw_slice extensions;
} sgp22_euicc_configured_addresses_response;

/* SGP.22 RSPDefinitions SetDefaultDpAddressRequest, 5.7.4 */
typedef struct sgp22_set_default_dp_address_request {
    aw_slice raw;
    aw_slice default_dp_address; /* [0] UTF8String FQDN */
    aw_slice extensions;
} sgp22_set_default_dp_address_request;

enum sgp22_set_default_dp_address_result {
    SGP22_SET_DEFAULT_DP_ADDRESS_OK = 0,
    SGP22_SET_DEFAULT_DP_ADDRESS_UNDEFINED_ERROR = 127,
};

/* SGP.22 RSPDefinitions SetDefaultDpAddressResponse, 5.7.4 */
typedef struct sgp22_set_default_dp_address_response {
    aw_slice raw;
    int64_t set_default_dp_address_result; /* [0] enum sgp22_set_default_dp_address_result */
    aw_slice extensions;
} sgp22_set_default_dp_address_response;

/* RulesAuthorisationTable pprFlags named bits */
#define SGP22_PPR_FLAG_CONSENT_REQUIRED (1u << 0)

/* SGP.22 RSPDefinitions ProfilePolicyAuthorisationRule, 2.4.5.2 / 5.7.22 */
typedef struct sgp22_profile_policy_authorisation_rule {
    uint32_t ppr_ids;                          /* [0] PprIds flags */
    sgp22_operator_id_list allowed_operators;  /* [1] SEQUENCE OF OperatorId */
    uint32_t ppr_flags;                        /* [2] SGP22_PPR_FLAG_* */
    aw_slice extensions;
} sgp22_profile_policy_authorisation_rule;

/* RulesAuthorisationTable: SEQUENCE OF ProfilePolicyAuthorisationRule (30). */
typedef struct sgp22_rat_list {
    aw_slice raw;
    size_t count;
    const sgp22_profile_policy_authorisation_rule *items;
} sgp22_rat_list;

/* SGP.22 RSPDefinitions GetRatResponse, 5.7.22 (ES10b.GetRAT) */
typedef struct sgp22_get_rat_response {
    aw_slice raw;
    sgp22_rat_list rat; /* [0] RulesAuthorisationTable */
    aw_slice extensions;
} sgp22_get_rat_response;

aw_err sgp22_decode_get_euicc_info1_request(const uint8_t *buf, size_t len,
                                            sgp22_get_euicc_info1_request *out);
void sgp22_put_get_euicc_info1_request(der_builder *b, const sgp22_get_euicc_info1_request *in);
aw_err sgp22_encode_get_euicc_info1_request(const sgp22_get_euicc_info1_request *in,
                                            uint8_t **out, size_t *len);

aw_err sgp22_decode_get_euicc_info2_request(const uint8_t *buf, size_t len,
                                            sgp22_get_euicc_info2_request *out);
void sgp22_put_get_euicc_info2_request(der_builder *b, const sgp22_get_euicc_info2_request *in);
aw_err sgp22_encode_get_euicc_info2_request(const sgp22_get_euicc_info2_request *in,
                                            uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_info1(const uint8_t *buf, size_t len, sgp22_euicc_info1 *out);
void sgp22_put_euicc_info1(der_builder *b, const sgp22_euicc_info1 *in);
aw_err sgp22_encode_euicc_info1(const sgp22_euicc_info1 *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_info2(const uint8_t *buf, size_t len, sgp22_euicc_info2 *out);
void sgp22_put_euicc_info2(der_builder *b, const sgp22_euicc_info2 *in);
aw_err sgp22_encode_euicc_info2(const sgp22_euicc_info2 *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_get_euicc_data_request(const uint8_t *buf, size_t len,
                                           sgp22_get_euicc_data_request *out);
void sgp22_put_get_euicc_data_request(der_builder *b, const sgp22_get_euicc_data_request *in);
aw_err sgp22_encode_get_euicc_data_request(const sgp22_get_euicc_data_request *in,
                                           uint8_t **out, size_t *len);

aw_err sgp22_decode_get_euicc_data_response(const uint8_t *buf, size_t len,
                                            sgp22_get_euicc_data_response *out);
void sgp22_put_get_euicc_data_response(der_builder *b, const sgp22_get_euicc_data_response *in);
aw_err sgp22_encode_get_euicc_data_response(const sgp22_get_euicc_data_response *in,
                                            uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_configured_addresses_request(
    const uint8_t *buf, size_t len, sgp22_euicc_configured_addresses_request *out);
void sgp22_put_euicc_configured_addresses_request(
    der_builder *b, const sgp22_euicc_configured_addresses_request *in);
aw_err sgp22_encode_euicc_configured_addresses_request(
    const sgp22_euicc_configured_addresses_request *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_configured_addresses_response(
    const uint8_t *buf, size_t len, sgp22_euicc_configured_addresses_response *out);
void sgp22_put_euicc_configured_addresses_response(
    der_builder *b, const sgp22_euicc_configured_addresses_response *in);
aw_err sgp22_encode_euicc_configured_addresses_response(
    const sgp22_euicc_configured_addresses_response *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_set_default_dp_address_request(const uint8_t *buf, size_t len,
                                                   sgp22_set_default_dp_address_request *out);
void sgp22_put_set_default_dp_address_request(der_builder *b,
                                              const sgp22_set_default_dp_address_request *in);
aw_err sgp22_encode_set_default_dp_address_request(
    const sgp22_set_default_dp_address_request *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_set_default_dp_address_response(const uint8_t *buf, size_t len,
                                                    sgp22_set_default_dp_address_response *out);
void sgp22_put_set_default_dp_address_response(der_builder *b,
                                               const sgp22_set_default_dp_address_response *in);
aw_err sgp22_encode_set_default_dp_address_response(
    const sgp22_set_default_dp_address_response *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_get_rat_request(const uint8_t *buf, size_t len, sgp22_get_rat_request *out);
void sgp22_put_get_rat_request(der_builder *b, const sgp22_get_rat_request *in);
aw_err sgp22_encode_get_rat_request(const sgp22_get_rat_request *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_get_rat_response(const uint8_t *buf, size_t len, sgp22_get_rat_response *out);
void sgp22_put_get_rat_response(der_builder *b, const sgp22_get_rat_response *in);
aw_err sgp22_encode_get_rat_response(const sgp22_get_rat_response *in, uint8_t **out, size_t *len);

/* Next rule of a RulesAuthorisationTable (AW_ERR_NOT_FOUND at the end). */
aw_err sgp22_rat_list_next(sgp22_list_iter *it, sgp22_profile_policy_authorisation_rule *out);

#endif
