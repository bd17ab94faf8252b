/* airwrite IPA: pending notifications sent by the IPA itself (SGP.22 3.5
 * Notification handling; SGP.32 3.2 / 6.3.2.4), part of the IPA's public
 * interface next to ipa.h and download.h.
 *
 * The eUICC keeps every notification it makes (ProfileInstallationResult,
 * enable / disable / delete OtherSignedNotification) in its pending list
 * until the IPA removes it. ipa_notifications_send_pending lists them
 * (ES10b.ListNotification), retrieves each (ES10b.RetrieveNotificationsList
 * by seqNumber), sends it to its receiver and removes it
 * (ES10b.RemoveNotificationFromList) only once the receiver accepted it:
 * directly to the SM-DP+ of its notificationAddress by
 * ES9+.HandleNotification, or, indirectly, to the eIM by
 * ESipa.HandleNotification, which relays it to that notificationAddress.
 * A refusal or a network failure leaves the notification on the eUICC for
 * the next call, so after a restart mid-operation nothing is lost.
 *
 * BLOCKING on HTTPS and the card. */
#ifndef AIRWRITE_IPA_NOTIFICATION_H
#define AIRWRITE_IPA_NOTIFICATION_H

#include "ipa/download.h"

typedef struct ipa_notification_config {
    ipa_download_mode mode;              /* DIRECT: ES9+; INDIRECT: ESipa to the eIM */
    /* direct: smdp_ca_file (required), smdp_routes, timeouts, tls12_only */
    const ipa_download_config *download;
    ipa_esipa *esipa;                    /* indirect (required): the eIM, borrowed */
} ipa_notification_config;

typedef struct ipa_notification_report {
    size_t pending;                      /* notifications the eUICC listed */
    size_t sent;                         /* accepted by their receivers */
    size_t removed;                      /* of them removed from the eUICC */
    size_t kept;                         /* not accepted: left on the eUICC */
    aw_err last_error;                   /* why the last kept one was not accepted */
} ipa_notification_report;

/* Send every pending notification, in the eUICC's order (report may be NULL).
 * Returns AW_OK whatever the receivers answered (report says); the ES10
 * session's errors (the codecs' AW_ERR_DER_* for an answer that does not
 * decode) and AW_ERR_IPA_PROTOCOL (the eUICC answered a list with its
 * error, or a ProfileInstallationResult whose metadata does not decode)
 * stop it;
 * AW_ERR_ARGUMENT for a config missing what its mode needs; AW_ERR_NOMEM. */
aw_err ipa_notifications_send_pending(ipa *session, const ipa_notification_config *config,
                                      ipa_notification_report *report);

/* The poll loop's notification hook (ipa_notification_hook.send in
 * esipa.h): userdata is a const ipa_notification_config *. */
aw_err ipa_notifications_hook(void *userdata, ipa *session, size_t *sent, size_t *kept);

#endif
