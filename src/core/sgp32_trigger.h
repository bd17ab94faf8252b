/* airwrite core: SGP.32 Profile Download Trigger (SGP32Definitions
 * ProfileDownloadTriggerRequest / ProfileDownloadTriggerResult, SGP.32 2.11.3
 * and 3.2 indirect/direct Profile download triggered by the eIM).
 */
#ifndef AIRWRITE_CORE_SGP32_TRIGGER_H
#define AIRWRITE_CORE_SGP32_TRIGGER_H

#include "core/sgp32_common.h"

#define SGP32_ACTIVATION_CODE_MAX 255 /* activationCode UTF8String (SIZE(0..255)) */

/* profileDownloadErrorReason */
enum {
    SGP32_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE = 104,
    SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR = 127,
};

/* ProfileDownloadData contactSmds [2] SEQUENCE {smdsAddress UTF8String OPTIONAL} */
typedef struct sgp32_contact_smds {
    aw_slice raw, extensions;
    bool has_smds_address;
    aw_slice smds_address;            /* [0] (automatic tag) */
} sgp32_contact_smds;

/* SGP32Definitions ProfileDownloadData CHOICE */
typedef enum sgp32_profile_download_data_kind {
    SGP32_PROFILE_DOWNLOAD_DATA_NONE = 0,
    SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE,     /* [0] */
    SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP, /* [1] NULL */
    SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS,        /* [2] */
} sgp32_profile_download_data_kind;

typedef struct sgp32_profile_download_data {
    sgp32_profile_download_data_kind kind;
    union {
        aw_slice activation_code;
        sgp32_contact_smds contact_smds;
    };
} sgp32_profile_download_data;

/* SGP32Definitions ProfileDownloadTriggerRequest ::= [84] (BF54), 2.11.3 */
typedef struct sgp32_profile_download_trigger_request {
    aw_slice raw, extensions;
    bool has_profile_download_data;
    sgp32_profile_download_data profile_download_data; /* [0] EXPLICIT CHOICE */
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;                       /* [2] 1..16 */
} sgp32_profile_download_trigger_request;

/* profileDownloadError SEQUENCE */
typedef struct sgp32_profile_download_error {
    aw_slice raw, extensions;
    int64_t profile_download_error_reason; /* [0] SGP32_PROFILE_DOWNLOAD_ERROR_* */
    bool has_error_response;
    aw_slice error_response;               /* OCTET STRING: the failing ES9+/ES10 response */
} sgp32_profile_download_error;

/* profileDownloadTriggerResultData CHOICE */
typedef enum sgp32_profile_download_trigger_result_kind {
    SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_NONE = 0,
    SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION, /* [55] ProfileInstallationResult TLV BF37 */
    SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR,        /* profileDownloadError */
} sgp32_profile_download_trigger_result_kind;

typedef struct sgp32_profile_download_trigger_result_data {
    sgp32_profile_download_trigger_result_kind kind;
    union {
        aw_slice profile_installation_result;
        sgp32_profile_download_error profile_download_error;
    };
} sgp32_profile_download_trigger_result_data;

/* SGP32Definitions ProfileDownloadTriggerResult ::= [84] (BF54), 2.11.3 */
typedef struct sgp32_profile_download_trigger_result {
    aw_slice raw, extensions;
    bool has_eim_transaction_id;
    aw_slice eim_transaction_id;                       /* [2] */
    sgp32_profile_download_trigger_result_data result_data;
} sgp32_profile_download_trigger_result;

aw_err sgp32_decode_profile_download_trigger_request(const uint8_t *buf, size_t len,
                                                     sgp32_profile_download_trigger_request *out);
void sgp32_put_profile_download_trigger_request(der_builder *b,
                                                const sgp32_profile_download_trigger_request *in);
aw_err sgp32_encode_profile_download_trigger_request(
    const sgp32_profile_download_trigger_request *in, uint8_t **out, size_t *out_len);

aw_err sgp32_decode_profile_download_trigger_result(const uint8_t *buf, size_t len,
                                                    sgp32_profile_download_trigger_result *out);
void sgp32_put_profile_download_trigger_result(der_builder *b,
                                               const sgp32_profile_download_trigger_result *in);
aw_err sgp32_encode_profile_download_trigger_result(
    const sgp32_profile_download_trigger_result *in, uint8_t **out, size_t *out_len);

/* SGP.32 v1.0 ProfileDownloadTriggerResult (v1.0 2.11.2.3, BF54): its
 * profileDownloadError is SEQUENCE { errorResponse OCTET STRING OPTIONAL },
 * automatically tagged [0] (80), where v1.1 put profileDownloadErrorReason
 * [0] INTEGER and an untagged errorResponse (04). A v1.0 80 TLV reads as a
 * v1.2 reason and a v1.2 one as v1.0 bytes: the eUICC's registered version
 * picks the codec, never the message (docs/sgp32-versions.md #16). The
 * struct is the v1.2 one: has_error_response / error_response carry the
 * v1.0 errorResponse, profile_download_error_reason stays 0. */
typedef sgp32_profile_download_trigger_result sgp32_profile_download_trigger_result_v1_0;

aw_err sgp32_decode_profile_download_trigger_result_v1_0(
    const uint8_t *buf, size_t len, sgp32_profile_download_trigger_result_v1_0 *out);
void sgp32_put_profile_download_trigger_result_v1_0(
    der_builder *b, const sgp32_profile_download_trigger_result_v1_0 *in);
aw_err sgp32_encode_profile_download_trigger_result_v1_0(
    const sgp32_profile_download_trigger_result_v1_0 *in, uint8_t **out, size_t *out_len);

#endif
