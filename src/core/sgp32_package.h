/* airwrite core: SGP.32 eUICC Packages (SGP32Definitions, SGP.32 2.11.1,
 * 5.9.1 ES10b.LoadEuiccPackage) and eIM configuration (5.9.16
 * ES10b.AddInitialEim, 5.9.18 ES10b.GetEimConfigurationData).
 *
 * Written from the public SGP32Definitions module (a superset of SGP.32 v1.2,
 * see sgp32_common.h). The project targets v1.2; v1.0 peers keep working
 * because every SEQUENCE is extensible (unknown trailing components are kept
 * in `extensions`) and every component added since v1.0 (rollbackFlag,
 * setFallbackAttribute, setDefaultDpAddress, ...) is OPTIONAL or a new CHOICE
 * alternative. PSMO, eCO and result CHOICEs accept alternatives this version
 * does not know as kind *_UNKNOWN with the raw TLV, so an eUICC can answer
 * them with processingTerminated and an eIM can still check the signature.
 *
 * Decoding is zero-copy (slices point into the input). Signed parts keep
 * `raw`, the exact bytes received: eimSignature is checked over
 * euicc_package_signed.raw and euiccSignEPR/EPE over the result/error data's
 * raw. Interop notes of a public eIM (OpenIoTRSP) report that SGP.32 2.11.1
 * appends the associationToken data object (84 01 00 when none is configured)
 * to that input; the signing code must confirm this against the clause. The
 * encoders write a signed part's `raw` verbatim when set, so clear it after
 * editing fields.
 */
#ifndef AIRWRITE_CORE_SGP32_PACKAGE_H
#define AIRWRITE_CORE_SGP32_PACKAGE_H

#include "core/sgp32_common.h"

/* Fixed capacities of the SEQUENCE OF arrays (AW_ERR_LIMIT past them) */
#define SGP32_MAX_PSMOS 32               /* psmoList */
#define SGP32_MAX_ECOS 16                /* ecoList */
#define SGP32_MAX_EUICC_RESULTS 32       /* euiccResult */
#define SGP32_MAX_EIM_CONFIGURATIONS 8   /* eimConfigurationDataList */
#define SGP32_MAX_EIM_ID_INFOS 8         /* eimIdList */

/* EimIdType */
enum {
    SGP32_EIM_ID_TYPE_OID = 1,
    SGP32_EIM_ID_TYPE_FQDN = 2,
    SGP32_EIM_ID_TYPE_PROPRIETARY = 3,
};

/* EimSupportedProtocol named bits (sgp32_bit_string_flags) */
#define SGP32_EIM_RETRIEVE_HTTPS (1u << 0)
#define SGP32_EIM_RETRIEVE_COAPS (1u << 1)
#define SGP32_EIM_INJECT_HTTPS (1u << 2)
#define SGP32_EIM_INJECT_COAPS (1u << 3)
#define SGP32_EIM_PROPRIETARY (1u << 4)

/* SGP32Definitions EimConfigurationData.eimPublicKeyData [5] /
 * trustedPublicKeyDataTls [6] CHOICE (2.11.1). AUTOMATIC TAGS make the
 * alternatives [0] IMPLICIT SubjectPublicKeyInfo and [1] IMPLICIT
 * Certificate: `value` is that TLV (tag A0 or A1); sgp32_retag_as_sequence
 * gives the plain X.509 DER. */
typedef enum sgp32_eim_key_kind {
    SGP32_EIM_KEY_NONE = 0,
    SGP32_EIM_KEY_PUBLIC_KEY,   /* eimPublicKey / trustedEimPkTls */
    SGP32_EIM_KEY_CERTIFICATE,  /* eimCertificate / trustedCertificateTls */
} sgp32_eim_key_kind;

typedef struct sgp32_eim_key_data {
    sgp32_eim_key_kind kind;
    aw_slice value;
} sgp32_eim_key_data;

/* SGP32Definitions EimConfigurationData, 2.11.1 (addEim/updateEim eCOs,
 * AddInitialEim, GetEimConfigurationData) */
typedef struct sgp32_eim_configuration_data {
    aw_slice raw, extensions;
    aw_slice eim_id;                          /* [0] UTF8String 1..128 */
    bool has_eim_fqdn;
    aw_slice eim_fqdn;                        /* [1] UTF8String */
    bool has_eim_id_type;
    int64_t eim_id_type;                      /* [2] SGP32_EIM_ID_TYPE_* */
    bool has_counter_value;
    int64_t counter_value;                    /* [3] */
    bool has_association_token;
    int64_t association_token;                /* [4] */
    bool has_eim_public_key_data;
    sgp32_eim_key_data eim_public_key_data;   /* [5] */
    bool has_trusted_public_key_data_tls;
    sgp32_eim_key_data trusted_public_key_data_tls; /* [6] */
    bool has_eim_supported_protocol;
    sgp32_bit_string eim_supported_protocol;  /* [7] SGP32_EIM_* bits */
    bool has_euicc_ci_pk_id;
    aw_slice euicc_ci_pk_id;                  /* [8] SubjectKeyIdentifier */
    bool indirect_profile_download;           /* [9] NULL */
    bool has_esipa_proprietary_protocol_information;
    aw_slice esipa_proprietary_protocol_information; /* [10] VendorSpecificExtension TLV (after v1.2) */
} sgp32_eim_configuration_data;

/* Psmo enable [3] SEQUENCE {iccid, rollbackFlag NULL OPTIONAL (v1.1+)} */
typedef struct sgp32_psmo_enable {
    aw_slice raw, extensions;
    aw_slice iccid;               /* [APPLICATION 26] Iccid, 10 octets */
    bool rollback_flag;
} sgp32_psmo_enable;

/* Psmo disable [4] / delete [5] / setFallbackAttribute [8] SEQUENCE {iccid} */
typedef struct sgp32_psmo_iccid {
    aw_slice raw, extensions;
    aw_slice iccid;
} sgp32_psmo_iccid;

/* Psmo configureImmediateEnable [7] */
typedef struct sgp32_configure_immediate_enable {
    aw_slice raw, extensions;
    bool immediate_enable_flag;               /* [0] NULL */
    bool has_default_smdp_oid;
    aw_slice default_smdp_oid;                /* [1] OBJECT IDENTIFIER, content octets */
    bool has_default_smdp_address;
    aw_slice default_smdp_address;            /* [2] UTF8String */
} sgp32_configure_immediate_enable;

/* SGP32Definitions SetDefaultDpAddressRequest ::= [101] (tag BF65) */
typedef struct sgp32_set_default_dp_address_request {
    aw_slice raw, extensions;
    aw_slice default_dp_address;              /* [0] UTF8String (automatic tag) */
} sgp32_set_default_dp_address_request;

/* SGP32Definitions Psmo CHOICE, 2.11.1.1 / 5.9.1 */
typedef enum sgp32_psmo_kind {
    SGP32_PSMO_NONE = 0,
    SGP32_PSMO_ENABLE,                   /* [3] */
    SGP32_PSMO_DISABLE,                  /* [4] */
    SGP32_PSMO_DELETE,                   /* [5] */
    SGP32_PSMO_LIST_PROFILE_INFO,        /* [45] ProfileInfoListRequest, SGP.22 TLV BF2D */
    SGP32_PSMO_GET_RAT,                  /* [6] */
    SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE, /* [7] */
    SGP32_PSMO_SET_FALLBACK_ATTRIBUTE,   /* [8] */
    SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE, /* [9] */
    SGP32_PSMO_SET_DEFAULT_DP_ADDRESS,   /* [101] */
    SGP32_PSMO_UNKNOWN,                  /* alternative from a later version: `unknown` */
} sgp32_psmo_kind;

typedef struct sgp32_psmo {
    sgp32_psmo_kind kind;
    union {
        sgp32_psmo_enable enable;
        sgp32_psmo_iccid disable;
        sgp32_psmo_iccid delete_profile;
        aw_slice list_profile_info;
        sgp32_empty get_rat;
        sgp32_configure_immediate_enable configure_immediate_enable;
        sgp32_psmo_iccid set_fallback_attribute;
        sgp32_empty unset_fallback_attribute;
        sgp32_set_default_dp_address_request set_default_dp_address;
        aw_slice unknown;
    };
} sgp32_psmo;

/* Eco deleteEim [9] SEQUENCE {eimId [0] UTF8String} */
typedef struct sgp32_delete_eim {
    aw_slice raw, extensions;
    aw_slice eim_id;
} sgp32_delete_eim;

/* SGP32Definitions Eco CHOICE, 2.11.1.2 */
typedef enum sgp32_eco_kind {
    SGP32_ECO_NONE = 0,
    SGP32_ECO_ADD_EIM,      /* [8] */
    SGP32_ECO_DELETE_EIM,   /* [9] */
    SGP32_ECO_UPDATE_EIM,   /* [10] */
    SGP32_ECO_LIST_EIM,     /* [11] */
    SGP32_ECO_UNKNOWN,
} sgp32_eco_kind;

typedef struct sgp32_eco {
    sgp32_eco_kind kind;
    union {
        sgp32_eim_configuration_data add_eim;
        sgp32_delete_eim delete_eim;
        sgp32_eim_configuration_data update_eim;
        sgp32_empty list_eim;
        aw_slice unknown;
    };
} sgp32_eco;

/* SGP32Definitions EuiccPackage CHOICE {psmoList [0], ecoList [1]} */
typedef enum sgp32_euicc_package_kind {
    SGP32_EUICC_PACKAGE_NONE = 0,
    SGP32_EUICC_PACKAGE_PSMO_LIST,
    SGP32_EUICC_PACKAGE_ECO_LIST,
} sgp32_euicc_package_kind;

typedef struct sgp32_euicc_package {
    sgp32_euicc_package_kind kind;
    union {
        struct {
            size_t psmo_count;
            sgp32_psmo psmos[SGP32_MAX_PSMOS];
        };
        struct {
            size_t eco_count;
            sgp32_eco ecos[SGP32_MAX_ECOS];
        };
    };
} sgp32_euicc_package;

/* SGP32Definitions EuiccPackageSigned, 2.11.1.1 (signed by the eIM) */
typedef struct sgp32_euicc_package_signed {
    aw_slice raw, extensions;                 /* raw: the bytes eimSignature covers */
    aw_slice eim_id;                          /* [0] 1..128 */
    aw_slice eid_value;                       /* [APPLICATION 26] 16 octets */
    int64_t counter_value;                    /* [1] */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;              /* [2] 1..16 */
    sgp32_euicc_package euicc_package;
} sgp32_euicc_package_signed;

/* SGP32Definitions EuiccPackageRequest ::= [81] (BF51), 2.11.1.1 / 5.9.1 */
typedef struct sgp32_euicc_package_request {
    aw_slice raw, extensions;
    sgp32_euicc_package_signed euicc_package_signed;
    aw_slice eim_signature;                   /* [APPLICATION 55] */
} sgp32_euicc_package_request;

/* ---- Results (EuiccPackageResult, 2.11.1.2 / 5.9.1) ------------------- */

/* EnableProfileResult / DisableProfileResult / DeleteProfileResult and the
 * other per-operation INTEGER results share most values */
enum {
    SGP32_RESULT_OK = 0,
    SGP32_RESULT_ICCID_OR_AID_NOT_FOUND = 1,
    SGP32_RESULT_PROFILE_NOT_IN_DISABLED_STATE = 2, /* enable, delete */
    SGP32_RESULT_PROFILE_NOT_IN_ENABLED_STATE = 2,  /* disable */
    SGP32_RESULT_DISALLOWED_BY_POLICY = 3,
    SGP32_RESULT_CAT_BUSY = 5,
    SGP32_RESULT_COMMAND_ERROR = 7,
    SGP32_RESULT_ROLLBACK_NOT_AVAILABLE = 20,       /* enable, delete */
    SGP32_RESULT_RETURN_FALLBACK_PROFILE = 21,      /* delete */
    SGP32_RESULT_UNDEFINED_ERROR = 127,
};

/* ConfigureImmediateEnableResult */
enum { SGP32_CONFIGURE_IMMEDIATE_ENABLE_INSUFFICIENT_MEMORY = 1 };

/* SetFallbackAttributeResult / UnsetFallbackAttributeResult */
enum {
    SGP32_FALLBACK_NOT_ALLOWED = 2,            /* set */
    SGP32_FALLBACK_NO_FALLBACK_ATTRIBUTE = 2,  /* unset */
    SGP32_FALLBACK_PROFILE_ENABLED = 3,
};

/* DeleteEimResult / UpdateEimResult */
enum {
    SGP32_EIM_NOT_FOUND = 1,
    SGP32_EIM_LAST_EIM_DELETED = 2,           /* delete */
    SGP32_EIM_CI_PK_UNKNOWN = 3,              /* update */
    SGP32_EIM_COUNTER_VALUE_OUT_OF_RANGE = 6, /* update */
};

/* AddEimResult addEimResultCode and AddInitialEimResponse addInitialEimError */
enum {
    SGP32_ADD_EIM_OK = 0,
    SGP32_ADD_EIM_INSUFFICIENT_MEMORY = 1,
    SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS = 2,
    SGP32_ADD_EIM_CI_PK_UNKNOWN = 3,
    SGP32_ADD_EIM_INVALID_ASSOCIATION_TOKEN = 5,
    SGP32_ADD_EIM_COUNTER_VALUE_OUT_OF_RANGE = 6,
    SGP32_ADD_EIM_COMMAND_ERROR = 7,
    SGP32_ADD_EIM_UNDEFINED_ERROR = 127,
};

/* ProfileInfoListError (inside a listProfileInfoResult) */
enum {
    SGP32_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES = 1,
    SGP32_PROFILE_INFO_LIST_PROFILE_CHANGE_ONGOING = 11,
};

/* EuiccResultData processingTerminated */
enum {
    SGP32_PROCESSING_TERMINATED_RESULT_SIZE_OVERFLOW = 1,
    SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND = 2,
    SGP32_PROCESSING_TERMINATED_INTERRUPTION = 3,
    SGP32_PROCESSING_TERMINATED_UNDEFINED_ERROR = 127,
};

/* EuiccPackageErrorCode (signed error) and EuiccPackageUnsignedErrorCode */
enum {
    SGP32_EUICC_PACKAGE_ERROR_INVALID_EID = 3,
    SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR = 4,
    SGP32_EUICC_PACKAGE_ERROR_COUNTER_VALUE_OUT_OF_RANGE = 6,
    SGP32_EUICC_PACKAGE_ERROR_SIZE_OVERFLOW = 15,
    SGP32_EUICC_PACKAGE_ERROR_ECALL_ACTIVE = 104,
    SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR = 127,
};

/* SGP32Definitions AddEimResult CHOICE */
typedef enum sgp32_add_eim_result_kind {
    SGP32_ADD_EIM_RESULT_NONE = 0,
    SGP32_ADD_EIM_RESULT_ASSOCIATION_TOKEN, /* [4] INTEGER */
    SGP32_ADD_EIM_RESULT_CODE,              /* INTEGER, SGP32_ADD_EIM_* */
} sgp32_add_eim_result_kind;

typedef struct sgp32_add_eim_result {
    sgp32_add_eim_result_kind kind;
    int64_t value;
} sgp32_add_eim_result;

/* SGP32Definitions EimIdInfo */
typedef struct sgp32_eim_id_info {
    aw_slice raw, extensions;
    aw_slice eim_id;               /* [0] 1..128 */
    bool has_eim_id_type;
    int64_t eim_id_type;           /* [2] */
} sgp32_eim_id_info;

/* SGP32Definitions ListEimResult CHOICE {eimIdList [0], listEimError [1]} */
typedef enum sgp32_list_eim_result_kind {
    SGP32_LIST_EIM_RESULT_NONE = 0,
    SGP32_LIST_EIM_RESULT_EIM_ID_LIST,
    SGP32_LIST_EIM_RESULT_ERROR,
} sgp32_list_eim_result_kind;

typedef struct sgp32_list_eim_result {
    sgp32_list_eim_result_kind kind;
    size_t eim_id_count;
    sgp32_eim_id_info eim_ids[SGP32_MAX_EIM_ID_INFOS];
    int64_t list_eim_error;        /* 127 undefinedError */
} sgp32_list_eim_result;

/* SGP32Definitions SetDefaultDpAddressResponse ::= [101] (BF65) */
typedef struct sgp32_set_default_dp_address_response {
    aw_slice raw, extensions;
    int64_t set_default_dp_address_result; /* [0] ok(0), undefinedError(127) */
} sgp32_set_default_dp_address_response;

/* SGP32Definitions EuiccResultData CHOICE, 2.11.1.2 */
typedef enum sgp32_euicc_result_kind {
    SGP32_EUICC_RESULT_NONE = 0,
    SGP32_EUICC_RESULT_ENABLE,                   /* [3] */
    SGP32_EUICC_RESULT_DISABLE,                  /* [4] */
    SGP32_EUICC_RESULT_DELETE,                   /* [5] */
    SGP32_EUICC_RESULT_LIST_PROFILE_INFO,        /* [45] ProfileInfoListResponse TLV BF2D */
    SGP32_EUICC_RESULT_GET_RAT,                  /* [6] RulesAuthorisationTable TLV A6 */
    SGP32_EUICC_RESULT_CONFIGURE_IMMEDIATE_ENABLE, /* [7] */
    SGP32_EUICC_RESULT_ADD_EIM,                  /* [8] */
    SGP32_EUICC_RESULT_DELETE_EIM,               /* [9] */
    SGP32_EUICC_RESULT_UPDATE_EIM,               /* [10] */
    SGP32_EUICC_RESULT_LIST_EIM,                 /* [11] */
    SGP32_EUICC_RESULT_ROLLBACK,                 /* [12] */
    SGP32_EUICC_RESULT_SET_FALLBACK_ATTRIBUTE,   /* [13] */
    SGP32_EUICC_RESULT_UNSET_FALLBACK_ATTRIBUTE, /* [14] */
    SGP32_EUICC_RESULT_PROCESSING_TERMINATED,    /* INTEGER */
    SGP32_EUICC_RESULT_SET_DEFAULT_DP_ADDRESS,   /* [101] */
    SGP32_EUICC_RESULT_UNKNOWN,
} sgp32_euicc_result_kind;

typedef struct sgp32_euicc_result_data {
    sgp32_euicc_result_kind kind;
    union {
        int64_t enable_result;
        int64_t disable_result;
        int64_t delete_result;
        aw_slice list_profile_info_result;
        aw_slice get_rat_result;
        int64_t configure_immediate_enable_result;
        sgp32_add_eim_result add_eim_result;
        int64_t delete_eim_result;
        int64_t update_eim_result;
        sgp32_list_eim_result list_eim_result;
        int64_t rollback_result;
        int64_t set_fallback_attribute_result;
        int64_t unset_fallback_attribute_result;
        int64_t processing_terminated;
        sgp32_set_default_dp_address_response set_default_dp_address_result;
        aw_slice unknown;
    };
} sgp32_euicc_result_data;

/* SGP32Definitions EuiccPackageResultDataSigned (signed by the eUICC) */
typedef struct sgp32_euicc_package_result_data_signed {
    aw_slice raw, extensions;                 /* raw: the bytes euiccSignEPR covers */
    aw_slice eim_id;                          /* [0] */
    int64_t counter_value;                    /* [1] */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;              /* [2] */
    int64_t seq_number;                       /* [3] */
    size_t euicc_result_count;
    sgp32_euicc_result_data euicc_result[SGP32_MAX_EUICC_RESULTS];
} sgp32_euicc_package_result_data_signed;

/* SGP32Definitions EuiccPackageResultSigned */
typedef struct sgp32_euicc_package_result_signed {
    aw_slice raw, extensions;
    sgp32_euicc_package_result_data_signed euicc_package_result_data_signed;
    aw_slice euicc_sign_epr;                  /* [APPLICATION 55] */
} sgp32_euicc_package_result_signed;

/* SGP32Definitions EuiccPackageErrorDataSigned */
typedef struct sgp32_euicc_package_error_data_signed {
    aw_slice raw, extensions;                 /* raw: the bytes euiccSignEPE covers */
    aw_slice eim_id;
    int64_t counter_value;
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;
    int64_t euicc_package_error_code;         /* SGP32_EUICC_PACKAGE_ERROR_* */
} sgp32_euicc_package_error_data_signed;

/* SGP32Definitions EuiccPackageErrorSigned */
typedef struct sgp32_euicc_package_error_signed {
    aw_slice raw, extensions;
    sgp32_euicc_package_error_data_signed euicc_package_error_data_signed;
    aw_slice euicc_sign_epe;
} sgp32_euicc_package_error_signed;

/* SGP32Definitions EuiccPackageErrorUnsigned */
typedef struct sgp32_euicc_package_error_unsigned {
    aw_slice raw, extensions;
    aw_slice eim_id;                          /* [0] */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;              /* [2] */
    bool has_association_token;
    int64_t association_token;                /* [4] */
    bool has_euicc_package_unsigned_error_code;
    int64_t euicc_package_unsigned_error_code; /* [15] after v1.2: 15 or 127 */
} sgp32_euicc_package_error_unsigned;

/* SGP32Definitions EuiccPackageResult ::= [81] CHOICE (BF51), 2.11.1.2 */
typedef enum sgp32_euicc_package_result_kind {
    SGP32_EUICC_PACKAGE_RESULT_NONE = 0,
    SGP32_EUICC_PACKAGE_RESULT_SIGNED,        /* [0] euiccPackageResultSigned */
    SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED,  /* [1] euiccPackageErrorSigned */
    SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED, /* [2] euiccPackageErrorUnsigned */
} sgp32_euicc_package_result_kind;

typedef struct sgp32_euicc_package_result {
    aw_slice raw;
    sgp32_euicc_package_result_kind kind;
    union {
        sgp32_euicc_package_result_signed result_signed;
        sgp32_euicc_package_error_signed error_signed;
        sgp32_euicc_package_error_unsigned error_unsigned;
    };
} sgp32_euicc_package_result;

/* ---- eIM configuration (AddInitialEim, GetEimConfigurationData) ------- */

/* SGP32Definitions AddInitialEimRequest ::= [87] (BF57), 5.9.16 */
typedef struct sgp32_add_initial_eim_request {
    aw_slice raw, extensions;
    size_t eim_configuration_count;           /* [0] eimConfigurationDataList */
    sgp32_eim_configuration_data eim_configurations[SGP32_MAX_EIM_CONFIGURATIONS];
} sgp32_add_initial_eim_request;

/* addInitialEimOk element: CHOICE {associationToken [4] INTEGER, addOk NULL} */
typedef enum sgp32_add_initial_eim_ok_kind {
    SGP32_ADD_INITIAL_EIM_OK_NONE = 0,
    SGP32_ADD_INITIAL_EIM_OK_ASSOCIATION_TOKEN,
    SGP32_ADD_INITIAL_EIM_OK_ADD_OK,
} sgp32_add_initial_eim_ok_kind;

typedef struct sgp32_add_initial_eim_ok {
    sgp32_add_initial_eim_ok_kind kind;
    int64_t association_token;
} sgp32_add_initial_eim_ok;

/* SGP32Definitions AddInitialEimResponse ::= [87] CHOICE (BF57), 5.9.16 */
typedef enum sgp32_add_initial_eim_response_kind {
    SGP32_ADD_INITIAL_EIM_RESPONSE_NONE = 0,
    SGP32_ADD_INITIAL_EIM_RESPONSE_OK,        /* [0] addInitialEimOk */
    SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR,     /* [1] addInitialEimError, SGP32_ADD_EIM_* */
} sgp32_add_initial_eim_response_kind;

typedef struct sgp32_add_initial_eim_response {
    aw_slice raw;
    sgp32_add_initial_eim_response_kind kind;
    size_t ok_count;
    sgp32_add_initial_eim_ok ok[SGP32_MAX_EIM_CONFIGURATIONS];
    int64_t add_initial_eim_error;
} sgp32_add_initial_eim_response;

/* SGP32Definitions GetEimConfigurationDataRequest ::= [85] (BF55), 5.9.18.
 * searchCriteria is [0] EXPLICIT CHOICE {eimId [0] UTF8String}. */
typedef enum sgp32_eim_search_kind {
    SGP32_EIM_SEARCH_NONE = 0,
    SGP32_EIM_SEARCH_EIM_ID,
} sgp32_eim_search_kind;

typedef struct sgp32_eim_search_criteria {
    sgp32_eim_search_kind kind;
    aw_slice eim_id;
} sgp32_eim_search_criteria;

typedef struct sgp32_get_eim_configuration_data_request {
    aw_slice raw, extensions;
    bool has_search_criteria;
    sgp32_eim_search_criteria search_criteria;
} sgp32_get_eim_configuration_data_request;

/* SGP32Definitions GetEimConfigurationDataResponse ::= [85] (BF55), 5.9.18 */
typedef struct sgp32_get_eim_configuration_data_response {
    aw_slice raw, extensions;
    size_t eim_configuration_count;
    sgp32_eim_configuration_data eim_configurations[SGP32_MAX_EIM_CONFIGURATIONS];
} sgp32_get_eim_configuration_data_response;

/* ---- Codecs ----------------------------------------------------------- */

aw_err sgp32_decode_euicc_package_request(const uint8_t *buf, size_t len,
                                          sgp32_euicc_package_request *out);
void sgp32_put_euicc_package_request(der_builder *b, const sgp32_euicc_package_request *in);
aw_err sgp32_encode_euicc_package_request(const sgp32_euicc_package_request *in, uint8_t **out,
                                          size_t *out_len);

/* EuiccPackageSigned alone (tag 30): what the eIM signs, SGP.32 2.11.1.1 */
aw_err sgp32_decode_euicc_package_signed(const uint8_t *buf, size_t len,
                                         sgp32_euicc_package_signed *out);
void sgp32_put_euicc_package_signed(der_builder *b, const sgp32_euicc_package_signed *in);
aw_err sgp32_encode_euicc_package_signed(const sgp32_euicc_package_signed *in, uint8_t **out,
                                         size_t *out_len);

aw_err sgp32_decode_euicc_package_result(const uint8_t *buf, size_t len,
                                         sgp32_euicc_package_result *out);
void sgp32_put_euicc_package_result(der_builder *b, const sgp32_euicc_package_result *in);
aw_err sgp32_encode_euicc_package_result(const sgp32_euicc_package_result *in, uint8_t **out,
                                         size_t *out_len);

/* EuiccPackageResultDataSigned / EuiccPackageErrorDataSigned alone (tag 30):
 * what the eUICC signs, SGP.32 2.11.1.2 */
aw_err sgp32_decode_euicc_package_result_data_signed(const uint8_t *buf, size_t len,
                                                     sgp32_euicc_package_result_data_signed *out);
void sgp32_put_euicc_package_result_data_signed(der_builder *b,
                                                const sgp32_euicc_package_result_data_signed *in);
aw_err sgp32_encode_euicc_package_result_data_signed(
    const sgp32_euicc_package_result_data_signed *in, uint8_t **out, size_t *out_len);
aw_err sgp32_decode_euicc_package_error_data_signed(const uint8_t *buf, size_t len,
                                                    sgp32_euicc_package_error_data_signed *out);
void sgp32_put_euicc_package_error_data_signed(der_builder *b,
                                               const sgp32_euicc_package_error_data_signed *in);
aw_err sgp32_encode_euicc_package_error_data_signed(
    const sgp32_euicc_package_error_data_signed *in, uint8_t **out, size_t *out_len);

/* EimConfigurationData alone (tag 30) */
aw_err sgp32_decode_eim_configuration_data(const uint8_t *buf, size_t len,
                                           sgp32_eim_configuration_data *out);
void sgp32_put_eim_configuration_data(der_builder *b, const sgp32_eim_configuration_data *in);
aw_err sgp32_encode_eim_configuration_data(const sgp32_eim_configuration_data *in, uint8_t **out,
                                           size_t *out_len);

aw_err sgp32_decode_add_initial_eim_request(const uint8_t *buf, size_t len,
                                            sgp32_add_initial_eim_request *out);
void sgp32_put_add_initial_eim_request(der_builder *b, const sgp32_add_initial_eim_request *in);
aw_err sgp32_encode_add_initial_eim_request(const sgp32_add_initial_eim_request *in,
                                            uint8_t **out, size_t *out_len);

aw_err sgp32_decode_add_initial_eim_response(const uint8_t *buf, size_t len,
                                             sgp32_add_initial_eim_response *out);
void sgp32_put_add_initial_eim_response(der_builder *b, const sgp32_add_initial_eim_response *in);
aw_err sgp32_encode_add_initial_eim_response(const sgp32_add_initial_eim_response *in,
                                             uint8_t **out, size_t *out_len);

aw_err sgp32_decode_get_eim_configuration_data_request(
    const uint8_t *buf, size_t len, sgp32_get_eim_configuration_data_request *out);
void sgp32_put_get_eim_configuration_data_request(
    der_builder *b, const sgp32_get_eim_configuration_data_request *in);
aw_err sgp32_encode_get_eim_configuration_data_request(
    const sgp32_get_eim_configuration_data_request *in, uint8_t **out, size_t *out_len);

aw_err sgp32_decode_get_eim_configuration_data_response(
    const uint8_t *buf, size_t len, sgp32_get_eim_configuration_data_response *out);
void sgp32_put_get_eim_configuration_data_response(
    der_builder *b, const sgp32_get_eim_configuration_data_response *in);
aw_err sgp32_encode_get_eim_configuration_data_response(
    const sgp32_get_eim_configuration_data_response *in, uint8_t **out, size_t *out_len);

#endif
