/* airwrite core: typed DER codecs for SGP.22 notifications (RSPDefinitions):
 * NotificationMetadata, ES10b.ListNotification (5.7.9),
 * ES10b.RetrieveNotificationsList (5.7.10) with PendingNotification and
 * OtherSignedNotification, ES10b.RemoveNotificationFromList (5.7.11,
 * NotificationSent) and ES9+.HandleNotification (5.6.4).
 *
 * The signed part of an OtherSignedNotification (tbsOtherNotification) keeps
 * its exact received bytes in `raw`, which encoders write verbatim, so the
 * eUICC signature can be checked over them (SGP.22 5.7.10). A
 * ProfileInstallationResult inside a notification list is kept as its raw
 * BF37 TLV: its codec belongs to sgp22_download. Certificates are kept raw.
 * Every SEQUENCE struct has `extensions`: components of a later version after
 * the known ones, kept verbatim (RSPDefinitions is EXTENSIBILITY IMPLIED).
 */
#ifndef AIRWRITE_CORE_SGP22_NOTIFICATION_H
#define AIRWRITE_CORE_SGP22_NOTIFICATION_H

#include "core/sgp22_info_common.h"
#include "core/sgp22_tags.h"

/* SGP.22 RSPDefinitions NotificationMetadata (BF2F), 5.7.9; signed as
 * tbsOtherNotification and inside ProfileInstallationResultData. */
typedef struct sgp22_notification_metadata {
    aw_slice raw;
    int64_t seq_number;                    /* [0] INTEGER */
    uint32_t profile_management_operation; /* [1] NotificationEvent: exactly one bit */
    aw_slice notification_address;         /* UTF8String FQDN (tag 0C) */
    bool has_iccid;
    aw_slice iccid;                        /* 5A, 10 octets */
    aw_slice extensions;                   /* later-version components, kept verbatim */
} sgp22_notification_metadata;

/* SEQUENCE OF NotificationMetadata. Decoded: raw/count; encode: items. */
typedef struct sgp22_notification_metadata_list {
    aw_slice raw;
    size_t count;
    const sgp22_notification_metadata *items;
} sgp22_notification_metadata_list;

/* SGP.22 RSPDefinitions ListNotificationRequest (BF28), 5.7.9 */
typedef struct sgp22_list_notification_request {
    aw_slice raw;
    bool has_profile_management_operation;
    uint32_t profile_management_operation; /* [1] NotificationEvent filter flags */
    aw_slice extensions;
} sgp22_list_notification_request;

/* listNotificationsResultError / notificationsListResultError */
enum sgp22_notification_list_error { SGP22_NOTIFICATION_LIST_UNDEFINED_ERROR = 127 };

typedef enum sgp22_notification_list_kind {
    SGP22_NOTIFICATION_LIST_OK = 1,    /* [0] the SEQUENCE OF */
    SGP22_NOTIFICATION_LIST_ERROR = 2, /* [1] INTEGER */
} sgp22_notification_list_kind;

/* SGP.22 RSPDefinitions ListNotificationResponse (BF28 CHOICE), 5.7.9 */
typedef struct sgp22_list_notification_response {
    aw_slice raw;
    sgp22_notification_list_kind kind;
    sgp22_notification_metadata_list notification_metadata_list;
    int64_t list_notifications_result_error; /* enum sgp22_notification_list_error */
} sgp22_list_notification_response;

/* RetrieveNotificationsListRequest searchCriteria [0] CHOICE */
typedef enum sgp22_notification_search_kind {
    SGP22_NOTIFICATION_SEARCH_NONE = 0,
    SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER = 1,                   /* [0] INTEGER */
    SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION = 2, /* [1] NotificationEvent */
} sgp22_notification_search_kind;

/* SGP.22 RSPDefinitions RetrieveNotificationsListRequest (BF2B), 5.7.10 */
typedef struct sgp22_retrieve_notifications_list_request {
    aw_slice raw;
    sgp22_notification_search_kind search_kind;
    int64_t seq_number;
    uint32_t profile_management_operation;
    aw_slice extensions;
} sgp22_retrieve_notifications_list_request;

/* SGP.22 RSPDefinitions OtherSignedNotification, 5.7.10 */
typedef struct sgp22_other_signed_notification {
    aw_slice raw;
    sgp22_notification_metadata tbs_other_notification; /* signed: raw kept */
    aw_slice euicc_notification_signature;               /* 5F37 */
    aw_slice euicc_certificate;                          /* Certificate TLV (30) */
    aw_slice eum_certificate;                            /* Certificate TLV (30) */
    aw_slice extensions;
} sgp22_other_signed_notification;

typedef enum sgp22_pending_notification_kind {
    SGP22_PENDING_PROFILE_INSTALLATION_RESULT = 1, /* BF37, kept raw */
    SGP22_PENDING_OTHER_SIGNED_NOTIFICATION = 2,   /* 30 */
} sgp22_pending_notification_kind;

/* SGP.22 RSPDefinitions PendingNotification CHOICE, 5.7.10 */
typedef struct sgp22_pending_notification {
    aw_slice raw;
    sgp22_pending_notification_kind kind;
    aw_slice profile_installation_result; /* whole BF37 TLV (decode with sgp22_download) */
    sgp22_other_signed_notification other_signed_notification;
} sgp22_pending_notification;

typedef struct sgp22_pending_notification_list {
    aw_slice raw;
    size_t count;
    const sgp22_pending_notification *items;
} sgp22_pending_notification_list;

/* SGP.22 RSPDefinitions RetrieveNotificationsListResponse (BF2B CHOICE), 5.7.10 */
typedef struct sgp22_retrieve_notifications_list_response {
    aw_slice raw;
    sgp22_notification_list_kind kind;
    sgp22_pending_notification_list notification_list;
    int64_t notifications_list_result_error; /* enum sgp22_notification_list_error */
} sgp22_retrieve_notifications_list_response;

/* SGP.22 RSPDefinitions NotificationSentRequest (BF30), 5.7.11 */
typedef struct sgp22_notification_sent_request {
    aw_slice raw;
    int64_t seq_number; /* [0] INTEGER */
    aw_slice extensions;
} sgp22_notification_sent_request;

enum sgp22_delete_notification_status {
    SGP22_DELETE_NOTIFICATION_OK = 0,
    SGP22_DELETE_NOTIFICATION_NOTHING_TO_DELETE = 1,
    SGP22_DELETE_NOTIFICATION_UNDEFINED_ERROR = 127,
};

/* SGP.22 RSPDefinitions NotificationSentResponse (BF30), 5.7.11 */
typedef struct sgp22_notification_sent_response {
    aw_slice raw;
    int64_t delete_notification_status; /* [0] enum sgp22_delete_notification_status */
    aw_slice extensions;
} sgp22_notification_sent_response;

/* SGP.22 RSPDefinitions HandleNotification (BF3D), 5.6.4 ES9+: its only
 * component is untagged, so AUTOMATIC TAGS give it [0], explicit around the
 * PendingNotification CHOICE (BF3D { A0 { BF37 | 30 } }). */
typedef struct sgp22_handle_notification {
    aw_slice raw;
    sgp22_pending_notification pending_notification;
    aw_slice extensions;
} sgp22_handle_notification;

/* decode / put / encode for each type */
aw_err sgp22_decode_notification_metadata(const uint8_t *buf, size_t len,
                                          sgp22_notification_metadata *out);
void sgp22_put_notification_metadata(der_builder *b, const sgp22_notification_metadata *in);
aw_err sgp22_encode_notification_metadata(const sgp22_notification_metadata *in, uint8_t **out,
                                          size_t *len);
aw_err sgp22_decode_list_notification_request(const uint8_t *buf, size_t len,
                                              sgp22_list_notification_request *out);
void sgp22_put_list_notification_request(der_builder *b, const sgp22_list_notification_request *in);
aw_err sgp22_encode_list_notification_request(const sgp22_list_notification_request *in,
                                              uint8_t **out, size_t *len);
aw_err sgp22_decode_list_notification_response(const uint8_t *buf, size_t len,
                                               sgp22_list_notification_response *out);
void sgp22_put_list_notification_response(der_builder *b,
                                          const sgp22_list_notification_response *in);
aw_err sgp22_encode_list_notification_response(const sgp22_list_notification_response *in,
                                               uint8_t **out, size_t *len);
aw_err sgp22_decode_retrieve_notifications_list_request(
    const uint8_t *buf,
    size_t len,
    sgp22_retrieve_notifications_list_request *out);
void sgp22_put_retrieve_notifications_list_request(
    der_builder *b,
    const sgp22_retrieve_notifications_list_request *in);
aw_err sgp22_encode_retrieve_notifications_list_request(
    const sgp22_retrieve_notifications_list_request *in,
    uint8_t **out,
    size_t *len);
aw_err sgp22_decode_retrieve_notifications_list_response(
    const uint8_t *buf,
    size_t len,
    sgp22_retrieve_notifications_list_response *out);
void sgp22_put_retrieve_notifications_list_response(
    der_builder *b,
    const sgp22_retrieve_notifications_list_response *in);
aw_err sgp22_encode_retrieve_notifications_list_response(
    const sgp22_retrieve_notifications_list_response *in,
    uint8_t **out,
    size_t *len);
aw_err sgp22_decode_pending_notification(const uint8_t *buf, size_t len,
                                         sgp22_pending_notification *out);
void sgp22_put_pending_notification(der_builder *b, const sgp22_pending_notification *in);
aw_err sgp22_encode_pending_notification(const sgp22_pending_notification *in, uint8_t **out,
                                         size_t *len);
aw_err sgp22_decode_other_signed_notification(const uint8_t *buf, size_t len,
                                              sgp22_other_signed_notification *out);
void sgp22_put_other_signed_notification(der_builder *b, const sgp22_other_signed_notification *in);
aw_err sgp22_encode_other_signed_notification(const sgp22_other_signed_notification *in,
                                              uint8_t **out, size_t *len);
aw_err sgp22_decode_notification_sent_request(const uint8_t *buf, size_t len,
                                              sgp22_notification_sent_request *out);
void sgp22_put_notification_sent_request(der_builder *b, const sgp22_notification_sent_request *in);
aw_err sgp22_encode_notification_sent_request(const sgp22_notification_sent_request *in,
                                              uint8_t **out, size_t *len);
aw_err sgp22_decode_notification_sent_response(const uint8_t *buf, size_t len,
                                               sgp22_notification_sent_response *out);
void sgp22_put_notification_sent_response(der_builder *b,
                                          const sgp22_notification_sent_response *in);
aw_err sgp22_encode_notification_sent_response(const sgp22_notification_sent_response *in,
                                               uint8_t **out, size_t *len);
aw_err sgp22_decode_handle_notification(const uint8_t *buf, size_t len,
                                        sgp22_handle_notification *out);
void sgp22_put_handle_notification(der_builder *b, const sgp22_handle_notification *in);
aw_err sgp22_encode_handle_notification(const sgp22_handle_notification *in, uint8_t **out,
                                        size_t *len);

/* Next element of a list (AW_ERR_NOT_FOUND at the end). */
aw_err sgp22_notification_metadata_list_next(sgp22_list_iter *it,
                                             sgp22_notification_metadata *out);
aw_err sgp22_pending_notification_list_next(sgp22_list_iter *it,
                                            sgp22_pending_notification *out);

#endif
