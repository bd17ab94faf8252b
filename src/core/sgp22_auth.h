/* airwrite core: the ES10b mutual-authentication messages of SGP.22 as typed
 * DER codecs over SGP.22 RSPDefinitions: GetEuiccChallenge (5.7.7) and
 * AuthenticateServer (5.7.13) with ServerSigned1, CtxParams1, DeviceInfo,
 * EuiccSigned1 (common mutual authentication, 3.1.2).
 *
 * Decoding is zero-copy: slices point into the input, which must outlive
 * the struct. Signed parts keep `raw`, the exact TLV received; outer
 * encoders write a set `raw` verbatim. Certificates are raw X.509 TLVs
 * (tag 30) for the PKI module; EUICCInfo2 is the raw BF22 TLV for
 * sgp22_euicc_info. Every SEQUENCE struct has `extensions`: components a
 * later version adds after the known ones, kept verbatim (RSPDefinitions is
 * EXTENSIBILITY IMPLIED, see sgp22_field.h); a CHOICE alternative the
 * module does not define is refused (AW_ERR_DER_UNEXPECTED_TAG).
 */
#ifndef AIRWRITE_CORE_SGP22_AUTH_H
#define AIRWRITE_CORE_SGP22_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"
#include "core/sgp22_download.h" /* sgp22_response_kind */

/* AuthenticateErrorCode, ES10b.AuthenticateServer 5.7.13 */
enum sgp22_authenticate_error_code {
    SGP22_AUTHENTICATE_ERROR_INVALID_CERTIFICATE = 1,
    SGP22_AUTHENTICATE_ERROR_INVALID_SIGNATURE = 2,
    SGP22_AUTHENTICATE_ERROR_UNSUPPORTED_CURVE = 3,
    SGP22_AUTHENTICATE_ERROR_NO_SESSION_CONTEXT = 4,
    SGP22_AUTHENTICATE_ERROR_INVALID_OID = 5,
    SGP22_AUTHENTICATE_ERROR_EUICC_CHALLENGE_MISMATCH = 6,
    SGP22_AUTHENTICATE_ERROR_CI_PK_UNKNOWN = 7,
    SGP22_AUTHENTICATE_ERROR_UNDEFINED = 127,
};

/* SGP.22 RSPDefinitions DeviceInfo, 5.7.13 / 4.2 (automatic tags [0]..[2]).
 * device_capabilities is the content of the [1] DeviceCapabilities
 * SEQUENCE, kept raw (checked well-formed). */
typedef struct sgp22_device_info {
    aw_slice raw;
    aw_slice tac;                 /* [0] Octet4 */
    aw_slice device_capabilities; /* [1] content */
    bool has_imei;
    aw_slice imei;                /* [2] Octet8 (or empty, as deployed LPAs send) */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_device_info;

/* SGP.22 RSPDefinitions CtxParams1 (CHOICE), alternative
 * ctxParamsForCommonAuthentication [0] (the module's only one), 5.7.13.
 * raw is the whole A0 TLV. */
typedef struct sgp22_ctx_params1 {
    aw_slice raw;
    bool has_matching_id;
    aw_slice matching_id;         /* [0] UTF8String */
    sgp22_device_info device_info; /* [1] */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_ctx_params1;

/* SGP.22 RSPDefinitions ServerSigned1, 5.7.13 (ES10b.AuthenticateServer) */
typedef struct sgp22_server_signed1 {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] 1..16 */
    aw_slice euicc_challenge;  /* [1] Octet16 */
    aw_slice server_address;   /* [3] UTF8String FQDN */
    aw_slice server_challenge; /* [4] Octet16 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_server_signed1;

/* SGP.22 RSPDefinitions AuthenticateServerRequest (BF38), 5.7.13 */
typedef struct sgp22_authenticate_server_request {
    aw_slice raw;
    sgp22_server_signed1 server_signed1;
    aw_slice server_signature1;        /* 5F37 */
    aw_slice euicc_ci_pkid_to_be_used; /* SubjectKeyIdentifier OCTET STRING */
    aw_slice server_certificate;       /* raw CERT.XXauth.ECDSA TLV */
    sgp22_ctx_params1 ctx_params1;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_authenticate_server_request;

/* SGP.22 RSPDefinitions EuiccSigned1, 5.7.13 */
typedef struct sgp22_euicc_signed1 {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] */
    aw_slice server_address;   /* [3] */
    aw_slice server_challenge; /* [4] Octet16 */
    aw_slice euicc_info2;      /* [34] raw BF22 TLV */
    sgp22_ctx_params1 ctx_params1;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_euicc_signed1;

/* SGP.22 RSPDefinitions AuthenticateResponseOk, 5.7.13 */
typedef struct sgp22_authenticate_response_ok {
    sgp22_euicc_signed1 euicc_signed1;
    aw_slice euicc_signature1; /* 5F37 over euiccSigned1 */
    aw_slice euicc_certificate; /* raw CERT.EUICC.ECDSA */
    aw_slice eum_certificate;   /* raw CERT.EUM.ECDSA */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_authenticate_response_ok;

/* SGP.22 RSPDefinitions AuthenticateResponseError, 5.7.13 */
typedef struct sgp22_authenticate_response_error {
    aw_slice transaction_id;
    int64_t authenticate_error_code; /* enum sgp22_authenticate_error_code */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_authenticate_response_error;

/* SGP.22 RSPDefinitions AuthenticateServerResponse (BF38 CHOICE), 5.7.13 */
typedef struct sgp22_authenticate_server_response {
    aw_slice raw;
    sgp22_response_kind kind;
    union {
        sgp22_authenticate_response_ok ok;
        sgp22_authenticate_response_error error;
    };
} sgp22_authenticate_server_response;

/* SGP.22 RSPDefinitions GetEuiccChallengeRequest (BF2E, empty), 5.7.7 */
typedef struct sgp22_get_euicc_challenge_request {
    aw_slice raw;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_get_euicc_challenge_request;

/* SGP.22 RSPDefinitions GetEuiccChallengeResponse (BF2E), 5.7.7 */
typedef struct sgp22_get_euicc_challenge_response {
    aw_slice raw;
    aw_slice euicc_challenge;  /* [0] Octet16 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_get_euicc_challenge_response;

/* DeviceInfo carries the context tag [1] inside CtxParams1. */
aw_err sgp22_decode_device_info(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_device_info *out);
void sgp22_put_device_info(der_builder *b, uint32_t tag, const sgp22_device_info *in);

aw_err sgp22_decode_ctx_params1(const uint8_t *buf, size_t len, sgp22_ctx_params1 *out);
void sgp22_put_ctx_params1(der_builder *b, const sgp22_ctx_params1 *in);

aw_err sgp22_decode_server_signed1(const uint8_t *buf, size_t len, sgp22_server_signed1 *out);
void sgp22_put_server_signed1(der_builder *b, const sgp22_server_signed1 *in);

aw_err sgp22_decode_authenticate_server_request(const uint8_t *buf, size_t len,
                                                sgp22_authenticate_server_request *out);
void sgp22_put_authenticate_server_request(der_builder *b,
                                           const sgp22_authenticate_server_request *in);
aw_err sgp22_encode_authenticate_server_request(const sgp22_authenticate_server_request *in,
                                                uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_signed1(const uint8_t *buf, size_t len, sgp22_euicc_signed1 *out);
void sgp22_put_euicc_signed1(der_builder *b, const sgp22_euicc_signed1 *in);

aw_err sgp22_decode_authenticate_server_response(const uint8_t *buf, size_t len,
                                                 sgp22_authenticate_server_response *out);
void sgp22_put_authenticate_server_response(der_builder *b,
                                            const sgp22_authenticate_server_response *in);
aw_err sgp22_encode_authenticate_server_response(const sgp22_authenticate_server_response *in,
                                                 uint8_t **out, size_t *len);

aw_err sgp22_decode_get_euicc_challenge_request(const uint8_t *buf, size_t len,
                                                sgp22_get_euicc_challenge_request *out);
void sgp22_put_get_euicc_challenge_request(der_builder *b,
                                           const sgp22_get_euicc_challenge_request *in);
aw_err sgp22_encode_get_euicc_challenge_request(const sgp22_get_euicc_challenge_request *in,
                                                uint8_t **out, size_t *len);

aw_err sgp22_decode_get_euicc_challenge_response(const uint8_t *buf, size_t len,
                                                 sgp22_get_euicc_challenge_response *out);
void sgp22_put_get_euicc_challenge_response(der_builder *b,
                                            const sgp22_get_euicc_challenge_response *in);
aw_err sgp22_encode_get_euicc_challenge_response(const sgp22_get_euicc_challenge_response *in,
                                                 uint8_t **out, size_t *len);

#endif
