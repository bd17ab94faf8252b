/* airwrite IPA: the pending notifications the IPA sends itself (SGP.22 3.5
 * Notification handling: ES10b.ListNotification 5.7.9,
 * RetrieveNotificationsList 5.7.10, RemoveNotificationFromList 5.7.11;
 * sent by ES9+.HandleNotification 5.6.4 to the notificationAddress, or by
 * ESipa.HandleNotification SGP.32 6.3.2.4 to the eIM that relays it). See
 * notification.h. The sending is the download procedure's own
 * (download_es9p_notify, download_esipa_notify), so a PIR goes out the
 * same way after a download and after a restart. */
#include "ipa/notification.h"

#include <stdlib.h>
#include <string.h>

#include "core/es9p_client.h"
#include "core/sgp22_bpp.h"
#include "ipa/download_internal.h"

/* The seqNumbers of the pending notifications (ES10b.ListNotification:
 * metadata only, so an empty list costs one short command). */
static aw_err list_pending(ipa *session, int64_t **seq_numbers, size_t *count)
{
    sgp22_list_notification_response list;
    *seq_numbers = NULL;
    *count = 0;
    aw_err err = ipa_es10b_list_notification(session, 0, &list);
    if (err != AW_OK)
        return err;
    if (list.kind != SGP22_NOTIFICATION_LIST_OK)
        return AW_ERR_IPA_PROTOCOL; /* listNotificationsResultError */
    size_t n = list.notification_metadata_list.count;
    if (n == 0)
        return AW_OK;
    int64_t *seqs = calloc(n, sizeof(*seqs));
    if (seqs == NULL)
        return AW_ERR_NOMEM;
    sgp22_list_iter it;
    sgp22_notification_metadata metadata;
    size_t i = 0;
    sgp22_list_iter_init(&it, list.notification_metadata_list.raw);
    /* the decoder checked every item: the list holds n of them */
    while (i < n && sgp22_notification_metadata_list_next(&it, &metadata) == AW_OK)
        seqs[i++] = metadata.seq_number;
    *seq_numbers = seqs;
    *count = i;
    return AW_OK;
}

/* The notification of seq_number (ES10b.RetrieveNotificationsList with the
 * seqNumber search criterion), copied out of the session's buffer, which
 * the next command reuses. *pending NULL: no longer pending. */
static aw_err retrieve(ipa *session, int64_t seq_number, uint8_t **pending, size_t *len)
{
    sgp22_retrieve_notifications_list_request request = {
        .search_kind = SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER,
        .seq_number = seq_number,
    };
    sgp22_retrieve_notifications_list_response response;
    sgp22_list_iter it;
    sgp22_pending_notification notification;
    *pending = NULL;
    *len = 0;
    aw_err err = ipa_es10b_retrieve_notifications_list(session, &request, &response);
    if (err != AW_OK)
        return err;
    if (response.kind != SGP22_NOTIFICATION_LIST_OK)
        return AW_ERR_IPA_PROTOCOL; /* notificationsListResultError */
    /* the decoder checked every item: an error here is the empty list */
    sgp22_list_iter_init(&it, response.notification_list.raw);
    if (sgp22_pending_notification_list_next(&it, &notification) != AW_OK)
        return AW_OK;
    if ((*pending = malloc(notification.raw.len)) == NULL)
        return AW_ERR_NOMEM;
    memcpy(*pending, notification.raw.ptr, notification.raw.len);
    *len = notification.raw.len;
    return AW_OK;
}

/* Its seqNumber and notificationAddress (text, NUL-terminated): from the
 * NotificationMetadata of a ProfileInstallationResult, the
 * tbsOtherNotification of any other. */
static aw_err describe(aw_slice pending, int64_t *seq_number, char *address, size_t cap)
{
    sgp22_pending_notification decoded;
    sgp22_notification_metadata metadata;
    aw_err err = sgp22_decode_pending_notification(pending.ptr, pending.len, &decoded);
    if (err == AW_OK && decoded.kind == SGP22_PENDING_PROFILE_INSTALLATION_RESULT) {
        sgp22_profile_installation_result *pir = calloc(1, sizeof(*pir));
        aw_slice raw = decoded.profile_installation_result;
        err = pir == NULL ? AW_ERR_NOMEM
                          : sgp22_decode_profile_installation_result(raw.ptr, raw.len, pir);
        if (err == AW_OK)
            err = sgp22_decode_notification_metadata(pir->data.notification_metadata.ptr,
                                                     pir->data.notification_metadata.len,
                                                     &metadata);
        free(pir);
    } else if (err == AW_OK) {
        metadata = decoded.other_signed_notification.tbs_other_notification;
    }
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK || metadata.notification_address.len >= cap)
        return AW_ERR_IPA_PROTOCOL;
    *seq_number = metadata.seq_number;
    memcpy(address, metadata.notification_address.ptr, metadata.notification_address.len);
    address[metadata.notification_address.len] = '\0';
    return AW_OK;
}

/* One notification to its receiver. Direct: the SM-DP+ of its address
 * (a route of the download configuration, else https://<address>), over
 * one HTTPS client opened on first use. */
static aw_err send_one(const ipa_notification_config *config, http_client **http,
                       const char *address, aw_slice pending)
{
    if (config->mode == IPA_DOWNLOAD_INDIRECT)
        return download_esipa_notify(config->esipa, pending);
    char base_url[8 + IPA_SMDP_ADDRESS_MAX + 1];
    aw_err err = download_base_url(config->download, address, base_url, sizeof(base_url));
    if (err == AW_OK && *http == NULL)
        err = download_http_client(config->download, config->download->smdp_ca_file,
                                   ES9P_CLIENT_RESPONSE_MAX, http);
    if (err == AW_OK)
        err = download_es9p_notify(*http, base_url, pending);
    return err;
}

aw_err ipa_notifications_send_pending(ipa *session, const ipa_notification_config *config,
                                      ipa_notification_report *report)
{
    ipa_notification_report ignored;
    if (report == NULL)
        report = &ignored;
    memset(report, 0, sizeof(*report));
    if (session == NULL || config == NULL ||
        (config->mode == IPA_DOWNLOAD_INDIRECT && config->esipa == NULL) ||
        (config->mode == IPA_DOWNLOAD_DIRECT &&
         (config->download == NULL || config->download->smdp_ca_file == NULL)) ||
        (config->mode != IPA_DOWNLOAD_DIRECT && config->mode != IPA_DOWNLOAD_INDIRECT))
        return AW_ERR_ARGUMENT;
    int64_t *seq_numbers = NULL;
    size_t count = 0;
    http_client *http = NULL;
    aw_err err = list_pending(session, &seq_numbers, &count);
    report->pending = count;
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        uint8_t *pending = NULL;
        size_t len = 0;
        int64_t seq_number = 0, status = -1;
        char address[IPA_SMDP_ADDRESS_MAX + 1];
        err = retrieve(session, seq_numbers[i], &pending, &len);
        if (err == AW_OK && pending != NULL)
            err = describe((aw_slice){pending, len}, &seq_number, address, sizeof(address));
        if (err == AW_OK && pending != NULL) {
            aw_err sent = send_one(config, &http, address, (aw_slice){pending, len});
            if (sent == AW_ERR_NOMEM) {
                err = sent;
            } else if (sent != AW_OK) {
                /* the receiver did not take it: it stays pending */
                report->kept++;
                report->last_error = sent;
            } else {
                report->sent++;
                /* SGP.22 3.5: removed only now that the receiver has it */
                err = ipa_es10b_remove_notification_from_list(session, seq_number, &status);
                if (err == AW_OK && status == 0)
                    report->removed++;
            }
        }
        free(pending);
    }
    http_client_free(http);
    free(seq_numbers);
    return err;
}

aw_err ipa_notifications_hook(void *userdata, ipa *session, size_t *sent, size_t *kept)
{
    ipa_notification_report report;
    aw_err err = ipa_notifications_send_pending(session, userdata, &report);
    *sent = report.sent;
    *kept = report.kept;
    return err;
}
