/* airwrite eUICC: the pending notification list (SGP.22 3.5).
 *   ES10b.ListNotification, 5.7.9 (BF28): NotificationMetadata of each
 *     pending notification, optionally only for some operations;
 *   ES10b.RetrieveNotificationsList, 5.7.10 (BF2B): the PendingNotifications
 *     themselves (ProfileInstallationResult or OtherSignedNotification),
 *     by seqNumber or by operation;
 *   ES10b.RemoveNotificationFromList, 5.7.11 (BF30): drop one by seqNumber
 *     once the LPA has delivered it (nothingToDelete if there is none).
 * Notifications stay (persisted) until removed. Enabling, disabling and
 * deleting a profile queue an OtherSignedNotification when the profile's
 * notificationConfigurationInfo (ES8+ 5.5.3) asks for that event: the
 * eUICC signs tbsOtherNotification, the NotificationMetadata TLV exactly as
 * sent, with SK.EUICC.ECDSA, and attaches CERT.EUICC and CERT.EUM (5.7.10
 * OtherSignedNotification). */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "euicc/isdr_internal.h"

static aw_err sign_notification(euicc *card, const euicc_profile *profile, uint32_t event,
                                aw_slice address)
{
    euicc_state *s = card->state;
    sgp22_notification_metadata metadata;
    sgp22_other_signed_notification signed_notification;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    uint8_t *tbs = NULL, *encoded = NULL;
    size_t tbs_len = 0, encoded_len = 0;
    int64_t seq_number = euicc_state_take_sequence_number(s);
    memset(&metadata, 0, sizeof(metadata));
    metadata.seq_number = seq_number;
    metadata.profile_management_operation = event;
    metadata.notification_address = address;
    metadata.has_iccid = true;
    metadata.iccid = (aw_slice){profile->iccid, EUICC_ICCID_SIZE};
    aw_err err = sgp22_encode_notification_metadata(&metadata, &tbs, &tbs_len);
    if (err == AW_OK)
        err = crypto_sign_ecdsa(card->identity->euicc_key, tbs, tbs_len, signature);
    if (err == AW_OK) {
        memset(&signed_notification, 0, sizeof(signed_notification));
        signed_notification.tbs_other_notification.raw = (aw_slice){tbs, tbs_len};
        signed_notification.euicc_notification_signature =
            (aw_slice){signature, sizeof(signature)};
        signed_notification.euicc_certificate =
            pki_certificate_der(card->identity->euicc_certificate);
        signed_notification.eum_certificate =
            pki_certificate_der(card->identity->eum_certificate);
        err = sgp22_encode_other_signed_notification(&signed_notification, &encoded,
                                                     &encoded_len);
    }
    if (err == AW_OK)
        err = euicc_state_add_notification(s, seq_number, event, address, profile->iccid,
                                           (aw_slice){encoded, encoded_len});
    free(tbs);
    free(encoded);
    return err;
}

aw_err euicc_queue_notification(euicc *card, const euicc_profile *profile, uint32_t event)
{
    sgp22_store_metadata_request metadata;
    sgp22_list_iter it;
    sgp22_notification_configuration_information entry;
    aw_err err = sgp22_decode_store_metadata_request(profile->store_metadata,
                                                     profile->store_metadata_len, &metadata);
    if (err != AW_OK || !metadata.has_notification_configuration_info)
        return err;
    sgp22_list_iter_init(&it, metadata.notification_configuration_info.raw);
    while ((err = sgp22_notification_configuration_list_next(&it, &entry)) == AW_OK) {
        if ((entry.profile_management_operation & event) == 0)
            continue;
        if (entry.notification_address.len > EUICC_ADDRESS_MAX)
            return AW_ERR_DER_CONSTRAINT;
        err = sign_notification(card, profile, event, entry.notification_address);
        if (err != AW_OK)
            return err;
    }
    return err == AW_ERR_NOT_FOUND ? AW_OK : err;
}

static void metadata_of(const euicc_notification *n, sgp22_notification_metadata *out)
{
    memset(out, 0, sizeof(*out));
    out->seq_number = n->seq_number;
    out->profile_management_operation = n->event;
    out->notification_address = (aw_slice){(const uint8_t *)n->address, strlen(n->address)};
    out->has_iccid = n->has_iccid;
    out->iccid = (aw_slice){n->iccid, EUICC_ICCID_SIZE};
}

aw_err euicc_list_notification(euicc *card, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len)
{
    sgp22_list_notification_request request;
    sgp22_list_notification_response result;
    sgp22_notification_metadata items[EUICC_MAX_NOTIFICATIONS];
    const euicc_state *s = card->state;
    size_t count = 0;
    aw_err err = sgp22_decode_list_notification_request(command, len, &request);
    if (err != AW_OK)
        return err;
    for (size_t i = 0; i < s->notification_count; i++) {
        if (request.has_profile_management_operation &&
            (s->notifications[i].event & request.profile_management_operation) == 0)
            continue;
        metadata_of(&s->notifications[i], &items[count++]);
    }
    memset(&result, 0, sizeof(result));
    result.kind = SGP22_NOTIFICATION_LIST_OK;
    result.notification_metadata_list.items = items;
    result.notification_metadata_list.count = count;
    return sgp22_encode_list_notification_response(&result, response, response_len);
}

aw_err euicc_retrieve_notifications_list(euicc *card, const uint8_t *command, size_t len,
                                         uint8_t **response, size_t *response_len)
{
    sgp22_retrieve_notifications_list_request request;
    sgp22_retrieve_notifications_list_response result;
    const euicc_state *s = card->state;
    uint8_t *list = NULL;
    size_t list_len = 0, count = 0;
    der_builder b;
    aw_err err = sgp22_decode_retrieve_notifications_list_request(command, len, &request);
    if (err != AW_OK)
        return err;
    der_builder_init(&b);
    for (size_t i = 0; i < s->notification_count; i++) {
        const euicc_notification *n = &s->notifications[i];
        if (request.search_kind == SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER &&
            n->seq_number != request.seq_number)
            continue;
        if (request.search_kind == SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION &&
            (n->event & request.profile_management_operation) == 0)
            continue;
        der_put_raw(&b, n->pending, n->pending_len);
        count++;
    }
    if (count == 0)
        der_builder_free(&b); /* an empty list: nothing to finish */
    else if ((err = der_builder_finish(&b, &list, &list_len)) != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    result.kind = SGP22_NOTIFICATION_LIST_OK;
    result.notification_list.raw = (aw_slice){list, list_len};
    result.notification_list.count = count;
    err = sgp22_encode_retrieve_notifications_list_response(&result, response, response_len);
    free(list);
    return err;
}

aw_err euicc_remove_notification(euicc *card, const uint8_t *command, size_t len,
                                 uint8_t **response, size_t *response_len)
{
    sgp22_notification_sent_request request;
    sgp22_notification_sent_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_notification_sent_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int index = euicc_state_find_notification(s, request.seq_number);
    if (index < 0) {
        result.delete_notification_status = SGP22_DELETE_NOTIFICATION_NOTHING_TO_DELETE;
    } else {
        euicc_state_remove_notification(s, (size_t)index);
        result.delete_notification_status = euicc_state_commit(s) == AW_OK
                                                ? SGP22_DELETE_NOTIFICATION_OK
                                                : SGP22_DELETE_NOTIFICATION_UNDEFINED_ERROR;
    }
    return sgp22_encode_notification_sent_response(&result, response, response_len);
}
