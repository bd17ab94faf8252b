/* airwrite core: the compact ESipa forms an IPA sends when it minimizes the
 * ESipa bytes (SGP.32 IpaCapabilities ipaFeatures minimizeEsipaBytes(5);
 * SGP32Definitions CompactAuthenticateResponseOk, CompactPrepareDownload-
 * ResponseOk, CompactCancelSessionResponseOk, CompactProfileInstallation-
 * Result, CompactOtherSignedNotification; ESipa 6.3.2.1-6.3.2.5).
 *
 * Each compact form is an alternative of an SGP.22 CHOICE the eUICC never
 * produces itself: the IPA derives it from the eUICC's full answer by
 * leaving out what the eIM already knows, and the eIM puts it back before
 * relaying to the SM-DP+, which verifies the eUICC's signature over the
 * exact DER of the signed part. So both directions are here, in one place:
 * the codecs (sgp32_compact.c), the IPA's minimization and the eIM's
 * rebuild (sgp32_compact_convert.c), and a rebuild of a minimized answer
 * is byte for byte the eUICC's (tests/test_sgp32_compact.c).
 *
 * Where each alternative sits (AUTOMATIC TAGS):
 *  - AuthenticateServerResponse (BF38): compactAuthenticateResponseOk [2]
 *    (A2); its signedData is euiccSigned1 (30) or compactEuiccSigned1 [0]
 *    (A0), the certificates [1] / [2] IMPLICIT Certificate (A1 / A2);
 *  - PrepareDownloadResponse (BF21): compactDownloadResponseOk [2] (A2);
 *  - CancelSessionResponse (BF41): compactCancelSessionResponseOk [2] (A2),
 *    its reason [0] (80, the only component of its SEQUENCE);
 *  - PendingNotification: compactProfileInstallationResult [0] (A0),
 *    compactOtherSignedNotification [1] (A1).
 */
#ifndef AIRWRITE_CORE_SGP32_COMPACT_H
#define AIRWRITE_CORE_SGP32_COMPACT_H

#include "core/sgp32_common.h"

#define SGP32_COMPACT_AID_LENGTH 2   /* compactAid: bytes 14 and 15 of the ISD-P AID */
#define SGP32_ISDP_AID_LENGTH 16

/* The tags of the compact alternatives inside their SGP.22 CHOICEs */
#define SGP32_TAG_COMPACT_AUTHENTICATE_RESPONSE_OK 0xA2u   /* in BF38 */
#define SGP32_TAG_COMPACT_DOWNLOAD_RESPONSE_OK 0xA2u       /* in BF21 */
#define SGP32_TAG_COMPACT_CANCEL_SESSION_RESPONSE_OK 0xA2u /* in BF41 */
#define SGP32_TAG_COMPACT_PROFILE_INSTALLATION_RESULT 0xA0u /* PendingNotification */
#define SGP32_TAG_COMPACT_OTHER_SIGNED_NOTIFICATION 0xA1u   /* PendingNotification */

/* SGP32Definitions CompactEuiccSigned1 */
typedef struct sgp32_compact_euicc_signed1 {
    aw_slice raw, extensions;
    aw_slice ext_card_resource;   /* [4] OCTET STRING, from euiccInfo2 */
    bool has_ctx_params1;
    aw_slice ctx_params1;         /* [2] EXPLICIT: the inner CtxParams1 TLV */
} sgp32_compact_euicc_signed1;

typedef enum sgp32_compact_signed_data_kind {
    SGP32_COMPACT_SIGNED_DATA_NONE = 0,
    SGP32_COMPACT_SIGNED_DATA_EUICC_SIGNED1,   /* 30: EuiccSigned1 as the eUICC made it */
    SGP32_COMPACT_SIGNED_DATA_COMPACT,         /* [0] CompactEuiccSigned1 */
} sgp32_compact_signed_data_kind;

/* CompactAuthenticateResponseOk signedData CHOICE */
typedef struct sgp32_compact_signed_data {
    aw_slice raw;
    sgp32_compact_signed_data_kind kind;
    union {
        aw_slice euicc_signed1;                        /* TLV 30 */
        sgp32_compact_euicc_signed1 compact_euicc_signed1;
    };
} sgp32_compact_signed_data;

/* SGP32Definitions CompactAuthenticateResponseOk (A2 inside BF38) */
typedef struct sgp32_compact_authenticate_response_ok {
    aw_slice raw, extensions;
    sgp32_compact_signed_data signed_data;
    aw_slice euicc_signature1;    /* [APPLICATION 55] over EuiccSigned1 */
    bool has_euicc_certificate;
    aw_slice euicc_certificate;   /* [1] IMPLICIT Certificate: TLV A1 */
    bool has_eum_certificate;
    aw_slice eum_certificate;     /* [2] IMPLICIT Certificate: TLV A2 */
} sgp32_compact_authenticate_response_ok;

/* SGP32Definitions CompactEuiccSigned2 */
typedef struct sgp32_compact_euicc_signed2 {
    aw_slice raw, extensions;
    bool has_euicc_otpk;
    aw_slice euicc_otpk;          /* [APPLICATION 73]; absent: bppEuiccOtpk was used */
    bool has_hash_cc;
    aw_slice hash_cc;             /* Octet32; absent: none, or the eIM's */
} sgp32_compact_euicc_signed2;

/* SGP32Definitions CompactPrepareDownloadResponseOk (A2 inside BF21) */
typedef struct sgp32_compact_prepare_download_response_ok {
    aw_slice raw, extensions;
    sgp32_compact_euicc_signed2 compact_euicc_signed2;
    aw_slice euicc_signature2;    /* [APPLICATION 55] over EuiccSigned2 || smdpSignature2 */
} sgp32_compact_prepare_download_response_ok;

/* SGP32Definitions CompactEuiccCancelSessionSigned */
typedef struct sgp32_compact_euicc_cancel_session_signed {
    aw_slice raw, extensions;
    bool has_reason;
    int64_t reason;               /* [0] CancelSessionReason (SGP22_CANCEL_SESSION_*) */
} sgp32_compact_euicc_cancel_session_signed;

/* SGP32Definitions CompactCancelSessionResponseOk (A2 inside BF41) */
typedef struct sgp32_compact_cancel_session_response_ok {
    aw_slice raw, extensions;
    sgp32_compact_euicc_cancel_session_signed compact_euicc_cancel_session_signed;
    aw_slice euicc_cancel_session_signature; /* [APPLICATION 55] */
} sgp32_compact_cancel_session_response_ok;

/* SGP32Definitions CompactSuccessResult */
typedef struct sgp32_compact_success_result {
    aw_slice raw, extensions;
    aw_slice compact_aid;         /* [APPLICATION 15] SIZE(2) */
    bool has_sima_response;
    aw_slice sima_response;       /* absent: the 9-byte success EUICCResponse */
} sgp32_compact_success_result;

typedef enum sgp32_compact_final_result_kind {
    SGP32_COMPACT_FINAL_RESULT_NONE = 0,
    SGP32_COMPACT_FINAL_RESULT_SUCCESS,   /* [0] CompactSuccessResult */
    SGP32_COMPACT_FINAL_RESULT_ERROR,     /* [1] ErrorResult (SGP.22), kept whole */
} sgp32_compact_final_result_kind;

/* CompactProfileInstallationResultData compactFinalResult [2] CHOICE */
typedef struct sgp32_compact_final_result {
    aw_slice raw;
    sgp32_compact_final_result_kind kind;
    union {
        sgp32_compact_success_result success;
        aw_slice error_result;    /* TLV A1 {bppCommandId, errorReason, simaResponse} */
    };
} sgp32_compact_final_result;

/* SGP32Definitions CompactProfileInstallationResultData */
typedef struct sgp32_compact_profile_installation_result_data {
    aw_slice raw, extensions;
    aw_slice transaction_id;      /* [0] */
    int64_t seq_number;           /* INTEGER */
    bool has_iccid_present;       /* iccidPresent BOOLEAN DEFAULT TRUE: present only FALSE */
    aw_slice iccid_present;       /* its content octet (DER X.690 11.5: 00) */
    sgp32_compact_final_result final_result; /* [2] EXPLICIT CHOICE */
} sgp32_compact_profile_installation_result_data;

/* SGP32Definitions CompactProfileInstallationResult (A0 in PendingNotification) */
typedef struct sgp32_compact_profile_installation_result {
    aw_slice raw, extensions;
    sgp32_compact_profile_installation_result_data data; /* [0] */
    aw_slice euicc_sign_pir;      /* EuiccSignPIR [APPLICATION 55] */
} sgp32_compact_profile_installation_result;

/* SGP32Definitions CompactOtherSignedNotification (A1 in PendingNotification) */
typedef struct sgp32_compact_other_signed_notification {
    aw_slice raw, extensions;
    bool has_eid_value;
    aw_slice eid_value;           /* [APPLICATION 26] Octet16 */
    aw_slice tbs_other_notification; /* NotificationMetadata TLV BF2F */
    aw_slice euicc_notification_signature; /* [APPLICATION 55] */
    bool has_euicc_ci_pk_identifier_to_be_used;
    aw_slice euicc_ci_pk_identifier_to_be_used; /* OCTET STRING */
} sgp32_compact_other_signed_notification;

#define SGP32_DECLARE_COMPACT_CODEC(name)                                                  \
    aw_err sgp32_decode_##name(const uint8_t *buf, size_t len, sgp32_##name *out);       \
    void sgp32_put_##name(der_builder *b, const sgp32_##name *in);                       \
    aw_err sgp32_encode_##name(const sgp32_##name *in, uint8_t **out, size_t *out_len);

/* Each decodes / encodes the alternative's TLV (A2 / A0 / A1 as above). */
SGP32_DECLARE_COMPACT_CODEC(compact_authenticate_response_ok)
SGP32_DECLARE_COMPACT_CODEC(compact_prepare_download_response_ok)
SGP32_DECLARE_COMPACT_CODEC(compact_cancel_session_response_ok)
SGP32_DECLARE_COMPACT_CODEC(compact_profile_installation_result)
SGP32_DECLARE_COMPACT_CODEC(compact_other_signed_notification)

#undef SGP32_DECLARE_COMPACT_CODEC

/* ---- The IPA's side: minimize (sgp32_compact_convert.c) ----------------- */

/* What the IPA may leave out because the eIM holds it. */
typedef struct sgp32_minimize_options {
    bool keep_certificates;       /* send CERT.EUICC / CERT.EUM in CompactAuthenticateResponseOk */
    bool omit_ctx_params1;        /* the eIM generated ctxParams1 (eimCtxParams1Generation) */
    bool omit_hash_cc;            /* the eIM computed hashCc (eimDownloadDataHandling) */
    aw_slice bpp_euicc_otpk;      /* smdpSigned2's bppEuiccOtpk (empty: none) */
} sgp32_minimize_options;

/* The compact form of one of the eUICC's answers, the SGP.22 TLV as it
 * made it (decoded strictly first) and the result its counterpart with
 * the compact alternative: AuthenticateServerResponse (BF38),
 * PrepareDownloadResponse (BF21), CancelSessionResponse (BF41), or a
 * PendingNotification (BF37 -> A0, 30 -> A1 with the eidValue of its
 * eUICC certificate). An error alternative, or a PIR whose ISD-P AID is
 * not of the SGP.02 form the eIM can restore, is copied unchanged.
 * options NULL: all false / empty (certificates left out; ctxParams1,
 * hashCc and euiccOtpk kept, which is always allowed). *out malloc'd. */
aw_err sgp32_minimize_euicc_answer(const uint8_t *in, size_t len,
                                   const sgp32_minimize_options *options, uint8_t **out,
                                   size_t *out_len);

/* An EsipaMessageFromIpaToEim with every part the IPA may minimize in
 * compact form: euiccInfo1 left out of InitiateAuthenticationRequestEsipa,
 * the nested answers of AuthenticateClient, GetBoundProfilePackage,
 * CancelSession and HandleNotification, and the notificationList of an
 * ePRAndNotifications. Other messages are copied unchanged. *out malloc'd. */
aw_err sgp32_minimize_esipa_message(const uint8_t *in, size_t len,
                                    const sgp32_minimize_options *options, uint8_t **out,
                                    size_t *out_len);

/* ---- The eIM's side: rebuild (sgp32_compact_convert.c) ------------------ */

/* What the eIM knows of the download (what it relayed) and of the eUICC.
 * Empty slices are unknown. */
typedef struct sgp32_rebuild_context {
    aw_slice transaction_id;      /* the SM-DP+'s, of the request */
    aw_slice server_address;      /* serverSigned1 serverAddress */
    aw_slice server_challenge;    /* serverSigned1 serverChallenge */
    aw_slice euicc_info2;         /* the eUICC's EUICCInfo2 TLV (BF22) */
    aw_slice ctx_params1;         /* the ctxParams1 the eIM gave the IPA (inner TLV) */
    aw_slice euicc_certificate;   /* Certificate TLV (30) */
    aw_slice eum_certificate;     /* Certificate TLV (30) */
    aw_slice bpp_euicc_otpk;      /* smdpSigned2's bppEuiccOtpk value */
    aw_slice hash_cc;             /* the hashCc the eIM gave the IPA */
    aw_slice smdp_oid;            /* OBJECT IDENTIFIER content octets of CERT.DPpb / DPauth */
    aw_slice notification_address; /* the PIR's: the SM-DP+ address of the session */
    aw_slice iccid;               /* the profile's Iccid value (10 octets) */
} sgp32_rebuild_context;

/* The SGP.22 answer the eUICC signed, from in as the IPA sent it: a
 * compact alternative rebuilt (BF38 A2 -> BF38 A0, BF21 A2 -> BF21 A0,
 * BF41 A2 -> BF41 A0, PendingNotification A0 -> BF37, A1 -> 30), any
 * other alternative copied. AW_ERR_SGP32_COMPACT_CONTEXT when context
 * lacks what the compact form left out (no euiccInfo2, certificates,
 * ctxParams1, ICCID, SM-DP+ OID, ...); AW_ERR_DER_* for malformed input.
 * *out malloc'd. */
aw_err sgp32_rebuild_euicc_answer(const uint8_t *in, size_t len,
                                  const sgp32_rebuild_context *context, uint8_t **out,
                                  size_t *out_len);

/* Whether a nested answer or PendingNotification is in compact form. */
bool sgp32_compact_is_compact(const uint8_t *in, size_t len);

/* The OBJECT IDENTIFIER content octets of an SM-DP+ certificate's OID
 * (subjectAltName registeredID, SGP.22 4.5.2.1.0.3), as the eUICC signs
 * it (smdpOid). AW_ERR_PKI_*, AW_ERR_BUFFER_TOO_SMALL past cap. */
aw_err sgp32_compact_smdp_oid(const uint8_t *certificate, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len);

#endif
