/* airwrite core: the Bound Profile Package and the Profile Installation
 * Result of SGP.22 (2.5.4 BPP structure, 2.5.5 segmentation, ES8+ 5.5.1
 * InitialiseSecureChannel, ES10b 5.7.6 LoadBoundProfilePackage), as typed
 * DER codecs over SGP.22 RSPDefinitions, plus the segment API:
 *
 *  - sgp22_bpp_splitter: the LPA side. Cuts a whole BPP into the segments
 *    the LPA sends, each in its own ES10b.LoadBoundProfilePackage STORE DATA
 *    sequence (2.5.5):
 *      1. BF36 tag+length and the whole BF23 (InitialiseSecureChannelRequest)
 *      2. A0 tag+length and the first '87' (ConfigureISDP); each further
 *         '87' of firstSequenceOf87 on its own
 *      3. A1 tag+length; then each '88' (StoreMetadata)
 *      4. if present, A2 tag+length and the first '87' (ReplaceSessionKeys);
 *         each further '87' on its own
 *      5. A3 tag+length; then each '86' (profile elements)
 *    An empty list is sent as its tag+length alone.
 *  - sgp22_bpp_stream: the eUICC side. Takes those segments one at a time as
 *    STORE DATA delivers them, checks order, tags and that every length adds
 *    up to the BF36 and list lengths, and hands back the TLV each carries for
 *    the BSP layer to verify and decrypt.
 *
 * Decoding is zero-copy: slices point into the input, which must outlive
 * the struct. Every SEQUENCE struct but the BPP has `extensions`
 * (later-version components, kept verbatim: EXTENSIBILITY IMPLIED, see
 * sgp22_field.h).
 */
#ifndef AIRWRITE_CORE_SGP22_BPP_H
#define AIRWRITE_CORE_SGP22_BPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* RemoteOpId ::= [2] INTEGER, 5.5.1 */
#define SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE 1

/* BppCommandId, ES10b.LoadBoundProfilePackage 5.7.6 */
enum sgp22_bpp_command_id {
    SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL = 0,
    SGP22_BPP_COMMAND_CONFIGURE_ISDP = 1,
    SGP22_BPP_COMMAND_STORE_METADATA = 2,
    SGP22_BPP_COMMAND_STORE_METADATA2 = 3,
    SGP22_BPP_COMMAND_REPLACE_SESSION_KEYS = 4,
    SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS = 5,
};

/* ErrorReason, ES10b.LoadBoundProfilePackage 5.7.6 (16..30 reserved) */
enum sgp22_error_reason {
    SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES = 1,
    SGP22_ERROR_REASON_INVALID_SIGNATURE = 2,
    SGP22_ERROR_REASON_INVALID_TRANSACTION_ID = 3,
    SGP22_ERROR_REASON_UNSUPPORTED_CRT_VALUES = 4,
    SGP22_ERROR_REASON_UNSUPPORTED_REMOTE_OPERATION_TYPE = 5,
    SGP22_ERROR_REASON_UNSUPPORTED_PROFILE_CLASS = 6,
    SGP22_ERROR_REASON_SCP03T_STRUCTURE_ERROR = 7,
    SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR = 8,
    SGP22_ERROR_REASON_ICCID_ALREADY_EXISTS_ON_EUICC = 9,
    SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE = 10,
    SGP22_ERROR_REASON_INSTALL_INTERRUPTED = 11,
    SGP22_ERROR_REASON_PE_PROCESSING_ERROR = 12,
    SGP22_ERROR_REASON_DATA_MISMATCH = 13,
    SGP22_ERROR_REASON_TEST_PROFILE_INVALID_NAA_KEY = 14,
    SGP22_ERROR_REASON_PPR_NOT_ALLOWED = 15,
    SGP22_ERROR_REASON_INSUFFICIENT_MINIMUM_SECURITY_LEVEL = 31,
    SGP22_ERROR_REASON_SERVER_ADDRESS_ABSENT_IN_EUICC_ALLOW_LIST = 32,
    SGP22_ERROR_REASON_UNKNOWN_ERROR = 127,
};

/* SGP.22 RSPDefinitions ControlRefTemplate, 5.5.1 ([6] IMPLICIT, 'A6') */
typedef struct sgp22_control_ref_template {
    uint8_t key_type;   /* Octet1, GP CS Table 11-16: AES = 0x88 */
    uint8_t key_len;    /* Octet1, 0x10 */
    aw_slice host_id;   /* OctetTo16 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_control_ref_template;

/* SGP.22 RSPDefinitions InitialiseSecureChannelRequest (BF23), ES8+ 5.5.1.
 * signed_part (decoded only) is the content from remoteOpId through the
 * smdpOtpk TLV: with the eUICC's otPK (5F49 TLV) appended it is what
 * smdpSign signs. */
typedef struct sgp22_initialise_secure_channel_request {
    aw_slice raw;
    aw_slice signed_part;
    int64_t remote_op_id;       /* [2] RemoteOpId, installBoundProfilePackage(1) */
    aw_slice transaction_id;    /* [0] TransactionId 1..16 */
    sgp22_control_ref_template control_ref_template;
    aw_slice smdp_otpk;         /* 5F49 otPK.DP.ECKA */
    aw_slice smdp_sign;         /* 5F37 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_initialise_secure_channel_request;

/* SGP.22 RSPDefinitions BoundProfilePackage (BF36), 2.5.4. Unlike the
 * other SEQUENCEs it takes no extension additions: the segmentation of
 * 2.5.5 fixes its content. Each list is held as the content octets of its SEQUENCE OF: a run of
 * primitive TLVs tagged 87, 88, 87, 86 respectively (checked by the
 * decoder); walk it with sgp22_bpp_list_next. */
typedef struct sgp22_bound_profile_package {
    aw_slice raw;
    sgp22_initialise_secure_channel_request initialise_secure_channel_request;
    aw_slice first_sequence_of87;   /* [0] 'A0' content */
    aw_slice sequence_of88;         /* [1] 'A1' content */
    bool has_second_sequence_of87;
    aw_slice second_sequence_of87;  /* [2] 'A2' content */
    aw_slice sequence_of86;         /* [3] 'A3' content */
} sgp22_bound_profile_package;

/* Iterator over one decoded BPP list. */
typedef struct sgp22_bpp_list_iter {
    der_reader reader;
} sgp22_bpp_list_iter;

void sgp22_bpp_list_iter_init(sgp22_bpp_list_iter *it, aw_slice list);
/* Next element TLV (tag, length and value) in *tlv; AW_ERR_NOT_FOUND at end. */
aw_err sgp22_bpp_list_next(sgp22_bpp_list_iter *it, aw_slice *tlv);

typedef enum sgp22_final_result_kind {
    SGP22_FINAL_RESULT_SUCCESS = 0, /* successResult [0] */
    SGP22_FINAL_RESULT_ERROR = 1,   /* errorResult [1] */
} sgp22_final_result_kind;

/* SGP.22 RSPDefinitions SuccessResult, 5.7.6 */
typedef struct sgp22_success_result {
    aw_slice aid;            /* 4F ISD-P AID, SIZE(5..16) */
    aw_slice sima_response;  /* OCTET STRING of EUICCResponse TLVs */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_success_result;

/* SGP.22 RSPDefinitions ErrorResult, 5.7.6 */
typedef struct sgp22_error_result {
    int64_t bpp_command_id;  /* enum sgp22_bpp_command_id */
    int64_t error_reason;    /* enum sgp22_error_reason */
    bool has_sima_response;
    aw_slice sima_response;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_error_result;

/* SGP.22 RSPDefinitions ProfileInstallationResultData (BF27), 5.7.6.
 * notification_metadata is the raw BF2F TLV (sgp22_notification decodes
 * it); smdp_oid is the OBJECT IDENTIFIER's content octets. */
typedef struct sgp22_profile_installation_result_data {
    aw_slice raw;
    aw_slice transaction_id;
    aw_slice notification_metadata;
    aw_slice smdp_oid;
    sgp22_final_result_kind final_result;
    union {
        sgp22_success_result success;
        sgp22_error_result error;
    };
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_profile_installation_result_data;

/* SGP.22 RSPDefinitions ProfileInstallationResult (BF37), ES10b 5.7.6.
 * euicc_sign_pir signs the exact BF27 TLV (data.raw). */
typedef struct sgp22_profile_installation_result {
    aw_slice raw;
    sgp22_profile_installation_result_data data;
    aw_slice euicc_sign_pir; /* 5F37 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_profile_installation_result;

aw_err sgp22_decode_initialise_secure_channel_request(
    const uint8_t *buf, size_t len, sgp22_initialise_secure_channel_request *out);
void sgp22_put_initialise_secure_channel_request(
    der_builder *b, const sgp22_initialise_secure_channel_request *in);
aw_err sgp22_encode_initialise_secure_channel_request(
    const sgp22_initialise_secure_channel_request *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_bound_profile_package(const uint8_t *buf, size_t len,
                                          sgp22_bound_profile_package *out);
void sgp22_put_bound_profile_package(der_builder *b, const sgp22_bound_profile_package *in);
aw_err sgp22_encode_bound_profile_package(const sgp22_bound_profile_package *in,
                                          uint8_t **out, size_t *len);

aw_err sgp22_decode_profile_installation_result_data(
    const uint8_t *buf, size_t len, sgp22_profile_installation_result_data *out);
void sgp22_put_profile_installation_result_data(
    der_builder *b, const sgp22_profile_installation_result_data *in);
aw_err sgp22_encode_profile_installation_result_data(
    const sgp22_profile_installation_result_data *in, uint8_t **out, size_t *len);

aw_err sgp22_decode_profile_installation_result(const uint8_t *buf, size_t len,
                                                sgp22_profile_installation_result *out);
void sgp22_put_profile_installation_result(der_builder *b,
                                           const sgp22_profile_installation_result *in);
aw_err sgp22_encode_profile_installation_result(const sgp22_profile_installation_result *in,
                                                uint8_t **out, size_t *len);

/* ---- Segments (SGP.22 2.5.5) ------------------------------------------ */

/* Which part of the BPP a segment belongs to. */
typedef enum sgp22_bpp_part {
    SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL = 0, /* BF36 header + BF23 */
    SGP22_BPP_PART_FIRST_SEQUENCE_OF87 = 1,       /* A0: ConfigureISDP */
    SGP22_BPP_PART_SEQUENCE_OF88 = 2,             /* A1: StoreMetadata */
    SGP22_BPP_PART_SECOND_SEQUENCE_OF87 = 3,      /* A2: ReplaceSessionKeys */
    SGP22_BPP_PART_SEQUENCE_OF86 = 4,             /* A3: profile elements */
} sgp22_bpp_part;

/* One segment. bytes = header followed by element, contiguous in the
 * buffer: header is the tag+length of the BPP or of a list this segment
 * opens (empty otherwise); element is the TLV it carries (BF23, 87, 88 or
 * 86; empty for a list header sent alone). */
typedef struct sgp22_bpp_segment {
    sgp22_bpp_part part;
    aw_slice bytes;
    aw_slice header;
    aw_slice element;
} sgp22_bpp_segment;

/* LPA side: decodes the whole BPP first (sgp22_decode_bound_profile_package
 * errors), then yields segments in order. bpp must outlive the splitter. */
typedef struct sgp22_bpp_splitter {
    der_reader top;    /* over the BF36 content */
    der_reader list;   /* over the current list */
    sgp22_bpp_part part;
    aw_slice bpp_raw;
    bool started;
} sgp22_bpp_splitter;

aw_err sgp22_bpp_splitter_init(sgp22_bpp_splitter *s, const uint8_t *bpp, size_t len);
/* Next segment; AW_ERR_NOT_FOUND after the last. */
aw_err sgp22_bpp_splitter_next(sgp22_bpp_splitter *s, sgp22_bpp_segment *out);

/* eUICC side. Any error is sticky: later feeds return AW_ERR_STATE. */
typedef struct sgp22_bpp_stream {
    unsigned stage;          /* internal: next expected part */
    size_t bpp_remaining;    /* BF36 content bytes not yet received */
    size_t list_remaining;   /* current list content bytes not yet received */
    sgp22_bpp_part part;
    bool failed;
} sgp22_bpp_stream;

void sgp22_bpp_stream_init(sgp22_bpp_stream *s);
/* Take one segment (what one STORE DATA sequence delivered). On success *out
 * describes it, pointing into data. Errors: AW_ERR_DER_UNEXPECTED_TAG (a
 * part or element out of order), AW_ERR_DER_TRUNCATED (an element or list
 * longer than what remains of its container), AW_ERR_DER_TRAILING (bytes
 * after one element, or BF36 content after the last list), DER framing
 * errors of the header or element, AW_ERR_STATE after completion or a
 * previous error. */
aw_err sgp22_bpp_stream_feed(sgp22_bpp_stream *s, const uint8_t *data, size_t len,
                             sgp22_bpp_segment *out);
/* True once the last '86' of the BPP (or an empty A3) has been taken. */
bool sgp22_bpp_stream_complete(const sgp22_bpp_stream *s);

#endif
