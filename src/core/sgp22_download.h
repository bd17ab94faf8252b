/* airwrite core: the ES10b download messages of SGP.22 as typed DER codecs
 * over SGP.22 RSPDefinitions: PrepareDownload (5.7.5, with SmdpSigned2 and
 * EUICCSigned2) and CancelSession (5.7.14, with EuiccCancelSessionSigned).
 *
 * Decoding is zero-copy: slices point into the input, which must outlive
 * the struct. Signed parts keep `raw`, the exact TLV received, which is what
 * the signature covers; outer encoders write a set `raw` verbatim. Every
 * SEQUENCE struct has `extensions` (later-version components, kept
 * verbatim: EXTENSIBILITY IMPLIED, see sgp22_field.h).
 */
#ifndef AIRWRITE_CORE_SGP22_DOWNLOAD_H
#define AIRWRITE_CORE_SGP22_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* DownloadErrorCode, ES10b.PrepareDownload 5.7.5 */
enum sgp22_download_error_code {
    SGP22_DOWNLOAD_ERROR_INVALID_CERTIFICATE = 1,
    SGP22_DOWNLOAD_ERROR_INVALID_SIGNATURE = 2,
    SGP22_DOWNLOAD_ERROR_UNSUPPORTED_CURVE = 3,
    SGP22_DOWNLOAD_ERROR_NO_SESSION_CONTEXT = 4,
    SGP22_DOWNLOAD_ERROR_INVALID_TRANSACTION_ID = 5,
    SGP22_DOWNLOAD_ERROR_UNDEFINED = 127,
};

/* CancelSessionReason, ES10b.CancelSession 5.7.14 */
enum sgp22_cancel_session_reason {
    SGP22_CANCEL_SESSION_END_USER_REJECTION = 0,
    SGP22_CANCEL_SESSION_POSTPONED = 1,
    SGP22_CANCEL_SESSION_TIMEOUT = 2,
    SGP22_CANCEL_SESSION_PPR_NOT_ALLOWED = 3,
    SGP22_CANCEL_SESSION_METADATA_MISMATCH = 4,
    SGP22_CANCEL_SESSION_LOAD_BPP_EXECUTION_ERROR = 5,
    SGP22_CANCEL_SESSION_UNDEFINED_REASON = 127,
};

/* cancelSessionResponseError, ES10b.CancelSession 5.7.14 */
enum sgp22_cancel_session_error {
    SGP22_CANCEL_SESSION_ERROR_INVALID_TRANSACTION_ID = 5,
    SGP22_CANCEL_SESSION_ERROR_UNDEFINED = 127,
};

/* SGP.22 RSPDefinitions SmdpSigned2, 5.7.5 (ES10b.PrepareDownload) */
typedef struct sgp22_smdp_signed2 {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] 1..16 */
    bool cc_required_flag;     /* BOOLEAN */
    bool has_bpp_euicc_otpk;
    aw_slice bpp_euicc_otpk;   /* 5F49, otPK.EUICC.ECKA already used for the BPP */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_smdp_signed2;

/* SGP.22 RSPDefinitions PrepareDownloadRequest (BF21), 5.7.5.
 * smdp_certificate is the raw CERT.DPpb.ECDSA TLV (tag 30). */
typedef struct sgp22_prepare_download_request {
    aw_slice raw;
    sgp22_smdp_signed2 smdp_signed2;
    aw_slice smdp_signature2;  /* 5F37 */
    bool has_hash_cc;
    aw_slice hash_cc;          /* Octet32 */
    aw_slice smdp_certificate;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_prepare_download_request;

/* SGP.22 RSPDefinitions EUICCSigned2, 5.7.5 */
typedef struct sgp22_euicc_signed2 {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] 1..16 */
    aw_slice euicc_otpk;       /* 5F49 otPK.EUICC.ECKA */
    bool has_hash_cc;
    aw_slice hash_cc;          /* Octet32 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_euicc_signed2;

typedef enum sgp22_response_kind {
    SGP22_RESPONSE_OK = 0,     /* the CHOICE's first alternative, [0] */
    SGP22_RESPONSE_ERROR = 1,  /* the error alternative, [1] */
} sgp22_response_kind;

/* SGP.22 RSPDefinitions PrepareDownloadResponseOk, 5.7.5 */
typedef struct sgp22_prepare_download_response_ok {
    sgp22_euicc_signed2 euicc_signed2;
    aw_slice euicc_signature2; /* 5F37 over euiccSigned2 and smdpSignature2 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_prepare_download_response_ok;

/* SGP.22 RSPDefinitions PrepareDownloadResponseError, 5.7.5 */
typedef struct sgp22_prepare_download_response_error {
    aw_slice transaction_id;
    int64_t download_error_code; /* enum sgp22_download_error_code */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_prepare_download_response_error;

/* SGP.22 RSPDefinitions PrepareDownloadResponse (BF21 CHOICE), 5.7.5 */
typedef struct sgp22_prepare_download_response {
    aw_slice raw;
    sgp22_response_kind kind;
    union {
        sgp22_prepare_download_response_ok ok;
        sgp22_prepare_download_response_error error;
    };
} sgp22_prepare_download_response;

/* SGP.22 RSPDefinitions CancelSessionRequest (BF41), 5.7.14 */
typedef struct sgp22_cancel_session_request {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] 1..16 */
    int64_t reason;            /* [1] enum sgp22_cancel_session_reason */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_cancel_session_request;

/* SGP.22 RSPDefinitions EuiccCancelSessionSigned, 5.7.14 */
typedef struct sgp22_euicc_cancel_session_signed {
    aw_slice raw;
    aw_slice transaction_id;   /* [0] */
    aw_slice smdp_oid;         /* [1] OBJECT IDENTIFIER content octets */
    int64_t reason;            /* [2] enum sgp22_cancel_session_reason */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_euicc_cancel_session_signed;

/* SGP.22 RSPDefinitions CancelSessionResponse (BF41 CHOICE), 5.7.14 */
typedef struct sgp22_cancel_session_response {
    aw_slice raw;
    sgp22_response_kind kind;
    union {
        struct {
            sgp22_euicc_cancel_session_signed euicc_cancel_session_signed;
            aw_slice euicc_cancel_session_signature; /* 5F37 */
            aw_slice extensions; /* later-version components, kept verbatim */
        } ok;
        int64_t error;         /* [1] enum sgp22_cancel_session_error */
    };
} sgp22_cancel_session_response;

aw_err sgp22_decode_smdp_signed2(const uint8_t *buf, size_t len, sgp22_smdp_signed2 *out);
void sgp22_put_smdp_signed2(der_builder *b, const sgp22_smdp_signed2 *in);

aw_err sgp22_decode_prepare_download_request(const uint8_t *buf, size_t len,
                                             sgp22_prepare_download_request *out);
void sgp22_put_prepare_download_request(der_builder *b,
                                        const sgp22_prepare_download_request *in);
aw_err sgp22_encode_prepare_download_request(const sgp22_prepare_download_request *in,
                                             uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_signed2(const uint8_t *buf, size_t len, sgp22_euicc_signed2 *out);
void sgp22_put_euicc_signed2(der_builder *b, const sgp22_euicc_signed2 *in);

aw_err sgp22_decode_prepare_download_response(const uint8_t *buf, size_t len,
                                              sgp22_prepare_download_response *out);
void sgp22_put_prepare_download_response(der_builder *b,
                                         const sgp22_prepare_download_response *in);
aw_err sgp22_encode_prepare_download_response(const sgp22_prepare_download_response *in,
                                              uint8_t **out, size_t *len);

aw_err sgp22_decode_cancel_session_request(const uint8_t *buf, size_t len,
                                           sgp22_cancel_session_request *out);
void sgp22_put_cancel_session_request(der_builder *b, const sgp22_cancel_session_request *in);
aw_err sgp22_encode_cancel_session_request(const sgp22_cancel_session_request *in,
                                           uint8_t **out, size_t *len);

aw_err sgp22_decode_euicc_cancel_session_signed(const uint8_t *buf, size_t len,
                                                sgp22_euicc_cancel_session_signed *out);
void sgp22_put_euicc_cancel_session_signed(der_builder *b,
                                           const sgp22_euicc_cancel_session_signed *in);

aw_err sgp22_decode_cancel_session_response(const uint8_t *buf, size_t len,
                                            sgp22_cancel_session_response *out);
void sgp22_put_cancel_session_response(der_builder *b,
                                       const sgp22_cancel_session_response *in);
/* The same CHOICE under another implicit tag (CancelSessionRequestEs9 holds
 * it as [1], 'A1', 5.6.5). */
aw_err sgp22_decode_cancel_session_response_tagged(const uint8_t *buf, size_t len, uint32_t tag,
                                                   sgp22_cancel_session_response *out);
void sgp22_put_cancel_session_response_tagged(der_builder *b, uint32_t tag,
                                              const sgp22_cancel_session_response *in);
aw_err sgp22_encode_cancel_session_response(const sgp22_cancel_session_response *in,
                                            uint8_t **out, size_t *len);

#endif
