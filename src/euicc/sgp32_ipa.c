/* airwrite eUICC: the eUICC side of the eIM's data requests (SGP.32).
 *   IpaEuiccDataRequest (BF52), SGP.32 2.11.2 / 5.14: the items of
 *     IpaEuiccData that tagList names and the eUICC holds: notificationsList
 *     (A0, PendingNotifications, optionally by searchCriteriaNotification),
 *     defaultSmdpAddress (81), euiccPackageResultList (A2, the pending
 *     EuiccPackageResults, optionally by seqNumber), euiccInfo1 (BF20),
 *     euiccInfo2 (BF22), rootSmdsAddress (83), eumCertificate (A5) and
 *     euiccCertificate (A6); eimTransactionId is echoed. associationToken
 *     (84), ipaCapabilities (A8) and deviceInfo (A9) are the IPA's to add:
 *     accepted in tagList, not answered here. A tagList that is not a
 *     list of IpaEuiccData tags is incorrectTagList(1); an
 *     euiccCiPKIdentifierToBeUsed matching no CI PKID for signing is
 *     euiccCiPKIdNotFound(5).
 *   EimAcknowledgements (BF53), SGP.32 6.3.2.7: the seqNumbers the eIM has
 *     received; their pending notifications and eUICC Package results are
 *     removed. No response data. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_notification.h"
#include "core/sgp32_ipa.h"
#include "core/sgp32_tags.h"
#include "euicc/isdr_internal.h"

enum {
    WANT_NOTIFICATIONS = 1u << 0,
    WANT_DEFAULT_SMDP = 1u << 1,
    WANT_PACKAGE_RESULTS = 1u << 2,
    WANT_INFO1 = 1u << 3,
    WANT_INFO2 = 1u << 4,
    WANT_ROOT_SMDS = 1u << 5,
    WANT_EUM_CERTIFICATE = 1u << 6,
    WANT_EUICC_CERTIFICATE = 1u << 7,
    WANT_IPA_ITEM = 1u << 8, /* 84, A8, A9: the IPA's */
};

static const struct {
    uint32_t tag;
    unsigned want;
} items[] = {
    {0xA0u, WANT_NOTIFICATIONS},     {0x81u, WANT_DEFAULT_SMDP},
    {0xA2u, WANT_PACKAGE_RESULTS},   {SGP32_TAG_EUICC_INFO1, WANT_INFO1},
    {SGP32_TAG_EUICC_INFO2, WANT_INFO2}, {0x83u, WANT_ROOT_SMDS},
    {0x84u, WANT_IPA_ITEM},          {0xA5u, WANT_EUM_CERTIFICATE},
    {0xA6u, WANT_EUICC_CERTIFICATE}, {0xA8u, WANT_IPA_ITEM},
    {0xA9u, WANT_IPA_ITEM},
};

/* tagList: concatenated tags of one or two octets (X.690 8.1.2). */
static bool parse_tag_list(aw_slice list, unsigned *want)
{
    *want = 0;
    if (list.len == 0)
        return false;
    for (size_t i = 0; i < list.len;) {
        uint32_t tag = list.ptr[i++];
        if ((tag & 0x1Fu) == 0x1Fu) {
            if (i >= list.len || (list.ptr[i] & 0x80u) != 0)
                return false;
            tag = tag << 8 | list.ptr[i++];
        }
        size_t k = 0;
        while (k < sizeof(items) / sizeof(items[0]) && items[k].tag != tag)
            k++;
        if (k == sizeof(items) / sizeof(items[0]))
            return false;
        *want |= items[k].want;
    }
    return true;
}

static bool ci_pkid_usable(const euicc *card, aw_slice wanted)
{
    const euicc_identity *id = card->identity;
    /* "possibly truncated": a leading part of a PKID for signing */
    for (size_t i = 0; i < id->ci_pkid_signing_count; i++)
        if (wanted.len > 0 && wanted.len <= id->ci_pkids_signing[i].len &&
            memcmp(wanted.ptr, id->ci_pkids_signing[i].bytes, wanted.len) == 0)
            return true;
    return false;
}

static bool notification_selected(const sgp32_ipa_euicc_data_request *request,
                                  const euicc_notification *n)
{
    if (!request->has_search_criteria_notification)
        return true;
    const sgp32_notification_search *search = &request->search_criteria_notification;
    if (search->kind == SGP32_NOTIFICATION_SEARCH_SEQ_NUMBER)
        return n->seq_number == search->seq_number;
    return (n->event & sgp32_bit_string_flags(&search->profile_management_operation)) != 0;
}

/* A certificate as the implicitly tagged [n] Certificate of IpaEuiccData. */
static aw_err retag_certificate(const pki_certificate *cert, uint32_t tag, uint8_t **out,
                                size_t *out_len)
{
    aw_slice der = pki_certificate_der(cert);
    der_node node;
    der_builder b;
    aw_err err = der_decode_single(der.ptr, der.len, &node);
    if (err != AW_OK)
        return err;
    der_builder_init(&b);
    der_put_tlv(&b, tag, node.value.ptr, node.value.len);
    return der_builder_finish(&b, out, out_len);
}

/* Buffers the response points into. */
typedef struct ipa_parts {
    uint8_t *notifications, *results, *info1, *info2, *eum, *euicc_cert;
} ipa_parts;

static void parts_free(ipa_parts *p)
{
    free(p->notifications);
    free(p->results);
    free(p->info1);
    free(p->info2);
    free(p->eum);
    free(p->euicc_cert);
}

static aw_err collect(euicc *card, const sgp32_ipa_euicc_data_request *request, unsigned want,
                      ipa_parts *parts, sgp32_ipa_euicc_data *data)
{
    const euicc_state *s = card->state;
    size_t n = 0;
    aw_err err = AW_OK;
    der_builder b;
    if (want & WANT_NOTIFICATIONS) {
        der_builder_init(&b);
        der_builder_begin(&b, DER_CTX_CONS(0));
        for (size_t i = 0; i < s->notification_count; i++)
            if (notification_selected(request, &s->notifications[i]))
                der_put_raw(&b, s->notifications[i].pending, s->notifications[i].pending_len);
        der_builder_end(&b);
        err = der_builder_finish(&b, &parts->notifications, &n);
        data->has_notifications_list = err == AW_OK;
        data->notifications_list = (aw_slice){parts->notifications, n};
    }
    if (err == AW_OK && (want & WANT_PACKAGE_RESULTS)) {
        const sgp32_package_result_search *search =
            &request->search_criteria_euicc_package_result;
        der_builder_init(&b);
        der_builder_begin(&b, DER_CTX_CONS(2));
        for (size_t i = 0; i < s->package_result_count; i++)
            if (!request->has_search_criteria_euicc_package_result ||
                s->package_results[i].seq_number == search->seq_number)
                der_put_raw(&b, s->package_results[i].result, s->package_results[i].result_len);
        der_builder_end(&b);
        err = der_builder_finish(&b, &parts->results, &n);
        data->has_euicc_package_result_list = err == AW_OK;
        data->euicc_package_result_list = (aw_slice){parts->results, n};
    }
    if (err == AW_OK && (want & WANT_DEFAULT_SMDP) && s->has_default_dp_address) {
        data->has_default_smdp_address = true;
        data->default_smdp_address =
            (aw_slice){(const uint8_t *)s->default_dp_address, strlen(s->default_dp_address)};
    }
    if (err == AW_OK && (want & WANT_ROOT_SMDS)) {
        data->has_root_smds_address = true;
        data->root_smds_address =
            (aw_slice){(const uint8_t *)s->root_ds_address, strlen(s->root_ds_address)};
    }
    if (err == AW_OK && (want & WANT_INFO1)) {
        static const uint8_t get_info1[] = {0xBF, 0x20, 0x00};
        err = euicc_get_euicc_info1(card, get_info1, sizeof(get_info1), &parts->info1, &n);
        data->has_euicc_info1 = err == AW_OK;
        data->euicc_info1 = (aw_slice){parts->info1, n};
    }
    if (err == AW_OK && (want & WANT_INFO2)) {
        err = euicc_encode_euicc_info2(card, &parts->info2, &n);
        data->has_euicc_info2 = err == AW_OK;
        data->euicc_info2 = (aw_slice){parts->info2, n};
    }
    if (err == AW_OK && (want & WANT_EUM_CERTIFICATE)) {
        err = retag_certificate(card->identity->eum_certificate, DER_CTX_CONS(5), &parts->eum,
                                &n);
        data->has_eum_certificate = err == AW_OK;
        data->eum_certificate = (aw_slice){parts->eum, n};
    }
    if (err == AW_OK && (want & WANT_EUICC_CERTIFICATE)) {
        err = retag_certificate(card->identity->euicc_certificate, DER_CTX_CONS(6),
                                &parts->euicc_cert, &n);
        data->has_euicc_certificate = err == AW_OK;
        data->euicc_certificate = (aw_slice){parts->euicc_cert, n};
    }
    return err;
}

aw_err euicc_get_ipa_euicc_data(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len)
{
    sgp32_ipa_euicc_data_request request;
    sgp32_ipa_euicc_data_response result;
    ipa_parts parts;
    unsigned want = 0;
    memset(&parts, 0, sizeof(parts));
    aw_err err = sgp32_decode_ipa_euicc_data_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int64_t code = 0;
    if (!parse_tag_list(request.tag_list, &want))
        code = SGP32_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST;
    else if (request.has_euicc_ci_pk_identifier_to_be_used &&
             !ci_pkid_usable(card, request.euicc_ci_pk_identifier_to_be_used))
        code = SGP32_IPA_EUICC_DATA_ERROR_EUICC_CI_PK_ID_NOT_FOUND;
    if (code != 0) {
        result.kind = SGP32_IPA_EUICC_DATA_RESPONSE_ERROR;
        result.error.has_eim_transaction_id = request.has_eim_transaction_id;
        result.error.eim_transaction_id = request.eim_transaction_id;
        result.error.ipa_euicc_data_error_code = code;
    } else {
        result.kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
        result.ipa_euicc_data.has_eim_transaction_id = request.has_eim_transaction_id;
        result.ipa_euicc_data.eim_transaction_id = request.eim_transaction_id;
        err = collect(card, &request, want, &parts, &result.ipa_euicc_data);
    }
    if (err == AW_OK)
        err = sgp32_encode_ipa_euicc_data_response(&result, response, response_len);
    parts_free(&parts);
    return err;
}

aw_err euicc_eim_acknowledgements(euicc *card, const uint8_t *command, size_t len,
                                  uint8_t **response, size_t *response_len)
{
    sgp32_eim_acknowledgements *acks = malloc(sizeof(*acks));
    euicc_state *s = card->state;
    bool changed = false;
    *response = NULL;
    *response_len = 0;
    if (acks == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_eim_acknowledgements(command, len, acks);
    for (size_t i = 0; err == AW_OK && i < acks->count; i++) {
        /* one seqNumber space for notifications and results */
        int index = euicc_state_find_notification(s, acks->seq_numbers[i]);
        if (index >= 0) {
            euicc_state_remove_notification(s, (size_t)index);
            changed = true;
        }
        index = euicc_state_find_package_result(s, acks->seq_numbers[i]);
        if (index >= 0) {
            euicc_state_remove_package_result(s, (size_t)index);
            changed = true;
        }
    }
    if (err == AW_OK && changed)
        err = euicc_state_commit(s);
    free(acks);
    return err;
}
