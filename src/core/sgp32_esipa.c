/* airwrite core: SGP.32 ESipa messages from the IPA to the eIM
 * (SGP32Definitions EsipaMessageFromIpaToEim and its members; SGP.32 5.14 and
 * 6.3.2), with the SGP.32 v1.0 forms of ePRAndNotifications and
 * HandleNotificationEsipa (v1.0 6.3.2.4, 6.3.2.7) and the rewriting of a
 * message into v1.0 forms for a v1.0 eIM (docs/sgp32-versions.md). The
 * eIM -> IPA direction is in sgp32_esipa_eim.c. */
#include "core/sgp32_esipa.h"

#include <stdlib.h>

#include "core/sgp22_tags.h"
#include "core/sgp32_codec.h"
#include "core/sgp32_tags.h"

_Static_assert(sizeof(sgp32_esipa_ipa_to_eim_kind) == sizeof(int), "the codec stores CHOICE kinds as int");

#define CHOICE_TYPE(st, alts) \
    .fields = (alts), .count = SGP32_COUNT(alts), .choice = true, \
    .kind_offset = offsetof(st, kind), .extensions_offset = SGP32_NO_OFFSET, \
    .unknown_offset = SGP32_NO_OFFSET

/* ---- Session messages relayed to the SM-DP+ (6.3.2.1 - 6.3.2.5) ------- */

typedef sgp32_initiate_authentication_request_esipa iar_st;
static const sgp32_field iar_fields[] = {
    SGP32_F_OCTETS(DER_CTX(1), iar_st, euicc_challenge, SGP32_CHALLENGE_LENGTH,
                   SGP32_CHALLENGE_LENGTH),
    SGP32_F_OPT_OCTETS(DER_CTX(3), iar_st, smdp_address, 0, SIZE_MAX),
    SGP32_F_OPT_FOREIGN(SGP32_TAG_EUICC_INFO1, iar_st, euicc_info1),
    SGP32_F_OPT_OCTETS(DER_CTX(2), iar_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
};
static const sgp32_type iar_type = SGP32_SEQUENCE_TYPE(iar_st, iar_fields);

typedef sgp32_authenticate_client_request_esipa acr_st;
static const sgp32_field acr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), acr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE, acr_st, authenticate_server_response),
};
static const sgp32_type acr_type = SGP32_SEQUENCE_TYPE(acr_st, acr_fields);

typedef sgp32_get_bound_profile_package_request_esipa gbr_st;
static const sgp32_field gbr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), gbr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE, gbr_st, prepare_download_response),
};
static const sgp32_type gbr_type = SGP32_SEQUENCE_TYPE(gbr_st, gbr_fields);

typedef sgp32_cancel_session_request_esipa csr_st;
static const sgp32_field csr_fields[] = {
    SGP32_F_OCTETS(DER_CTX(0), csr_st, transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_FOREIGN(DER_CTX_CONS(1), csr_st, cancel_session_response),
};
static const sgp32_type csr_type = SGP32_SEQUENCE_TYPE(csr_st, csr_fields);

/* ---- eIM Package exchange (6.3.2.6 - 6.3.2.8) ------------------------- */

typedef sgp32_get_eim_package_request gpr_st;
static const sgp32_field gpr_fields[] = {
    SGP32_F_OCTETS(SGP32_TAG_EID, gpr_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_OPT_NULL(DER_CTX(0), gpr_st, notify_state_change),
    SGP32_F_OPT_INTEGER(DER_CTX(1), gpr_st, state_change_cause),
    SGP32_F_OPT_OCTETS(DER_CTX(2), gpr_st, rplmn, 3, 3),
};
static const sgp32_type gpr_type = SGP32_SEQUENCE_TYPE(gpr_st, gpr_fields);

/* v1.0 SGP32-RetrieveNotificationsListResponse (v1.0 5.9.11). Its lists
 * are kept whole (checked DER): the notifications are decoded one by one
 * where they are used, and a v1.0 list of results is not used. */
typedef sgp32_notification_and_epr_list_v1_0 nel_st;
static const sgp32_field nel_fields[] = {
    SGP32_F_FOREIGN(DER_CTX_CONS(0), nel_st, notification_list),
    SGP32_F_FOREIGN(DER_CTX_CONS(1), nel_st, euicc_package_result_list),
};
static const sgp32_type nel_type = SGP32_SEQUENCE_TYPE(nel_st, nel_fields);

typedef sgp32_notifications_list_v1_0 nl_st;
static const sgp32_field nl_alts[] = {
    SGP32_F_FOREIGN(DER_CTX_CONS(0), nl_st, notification_list),
    SGP32_F_INTEGER(DER_CTX(1), nl_st, error),
    SGP32_F_FOREIGN(DER_CTX_CONS(2), nl_st, euicc_package_result_list),
    SGP32_F_TYPE(DER_CTX_CONS(3), nl_st, both, &nel_type),
};
static const sgp32_type nl_type = {
    CHOICE_TYPE(nl_st, nl_alts),
    .raw_offset = offsetof(nl_st, raw),
};

/* notificationList: [0] SEQUENCE OF PendingNotification since v1.1, [43]
 * (explicit, around the CHOICE above) in v1.0. The tags differ, so either
 * is taken and re-encoded as it came; the CHOICE's kind lives in the
 * ePRAndNotifications struct itself (offset 0). */
typedef sgp32_epr_and_notifications epr_st;
static const sgp32_field epr_list_alts[] = {
    SGP32_F_FOREIGN(DER_CTX_CONS(0), epr_st, notification_list),
    SGP32_F_TYPE(SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST, epr_st, notification_list_v1_0,
                 &nl_type),
};
static const sgp32_type epr_list_type = {
    .fields = epr_list_alts, .count = SGP32_COUNT(epr_list_alts), .choice = true,
    .kind_offset = offsetof(epr_st, notification_list_kind),
    .extensions_offset = SGP32_NO_OFFSET, .unknown_offset = SGP32_NO_OFFSET,
    .raw_offset = SGP32_NO_OFFSET,
};
static const sgp32_field epr_fields[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, epr_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    {.tag = 0, .kind = SGP32_FIELD_CHOICE, .offset = 0, .present_offset = SGP32_NO_OFFSET,
     .type = &epr_list_type},
};
static const sgp32_type epr_type = SGP32_SEQUENCE_TYPE(epr_st, epr_fields);

bool sgp32_get_epr_pending_notifications(const sgp32_epr_and_notifications *epr, aw_slice *out)
{
    *out = (aw_slice){NULL, 0};
    if (epr->notification_list_kind == SGP32_EPR_NOTIFICATION_LIST_PENDING)
        *out = epr->notification_list;
    else if (epr->notification_list_kind == SGP32_EPR_NOTIFICATION_LIST_V1_0 &&
             epr->notification_list_v1_0.kind == SGP32_NOTIFICATIONS_LIST_V1_0_NOTIFICATIONS)
        *out = epr->notification_list_v1_0.notification_list;
    else if (epr->notification_list_kind == SGP32_EPR_NOTIFICATION_LIST_V1_0 &&
             epr->notification_list_v1_0.kind == SGP32_NOTIFICATIONS_LIST_V1_0_BOTH)
        *out = epr->notification_list_v1_0.both.notification_list;
    return out->len > 0;
}

typedef sgp32_eim_package_result_response_error rre_st;
static const sgp32_field rre_fields[] = {
    SGP32_F_OPT_OCTETS(DER_CTX(0), rre_st, eim_transaction_id, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_INTEGER(DER_TAG_INTEGER, rre_st, eim_package_result_error_code),
};
static const sgp32_type rre_type = SGP32_SEQUENCE_TYPE(rre_st, rre_fields);

typedef sgp32_eim_package_result epres_st;
static const sgp32_field epres_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, epres_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, epres_st, epr_and_notifications,
                 &epr_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, epres_st, ipa_euicc_data_response,
                 &sgp32_ipa_euicc_data_response_type),
    SGP32_F_TYPE(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, epres_st, profile_download_trigger_result,
                 &sgp32_profile_download_trigger_result_type),
    SGP32_F_TYPE(DER_CTX_CONS(0), epres_st, response_error, &rre_type),
    /* v1.0: eimPackageError INTEGER (replaced in v1.1 by the [0] form above) */
    SGP32_F_INTEGER(DER_TAG_INTEGER, epres_st, eim_package_error_v1_0),
};
static const sgp32_type epres_type = {
    CHOICE_TYPE(epres_st, epres_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_provide_eim_package_result per_st;
static const sgp32_field per_fields[] = {
    SGP32_F_OPT_OCTETS(SGP32_TAG_EID, per_st, eid_value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
    SGP32_F_CHOICE(per_st, eim_package_result, &epres_type),
};
static const sgp32_type per_type = SGP32_SEQUENCE_TYPE(per_st, per_fields);

/* v1.0 alternatives after the v1.2 ones: see sgp32_esipa.h. Each is kept
 * as the TLV received; the eIM decodes it as the v1.2 type it is part of. */
typedef sgp32_handle_notification_esipa hn_st;
static const sgp32_field hn_alts[] = {
    SGP32_F_WRAPPED_FOREIGN(DER_CTX_CONS(0), hn_st, pending_notification),
    SGP32_F_TYPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, hn_st, provide_eim_package_result,
                 &per_type),
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_INSTALLATION_RESULT, hn_st, pending_notification),
    SGP32_F_FOREIGN(DER_TAG_SEQUENCE, hn_st, sequence_v1_0),
    SGP32_F_FOREIGN(SGP32_TAG_EUICC_PACKAGE, hn_st, eim_package_result_v1_0),
    SGP32_F_FOREIGN(SGP32_TAG_IPA_EUICC_DATA, hn_st, eim_package_result_v1_0),
    SGP32_F_FOREIGN(SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER, hn_st, eim_package_result_v1_0),
};

bool sgp32_handle_notification_is_epr_v1_0(const sgp32_handle_notification_esipa *n)
{
    der_node sequence, first;
    der_reader outer, inner;
    if (n->kind != SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0)
        return false;
    der_reader_init(&outer, n->sequence_v1_0.ptr, n->sequence_v1_0.len);
    return der_read_node(&outer, &sequence) == AW_OK &&
           der_reader_enter(&outer, &sequence, &inner) == AW_OK &&
           der_read_node(&inner, &first) == AW_OK && first.tag == SGP32_TAG_EUICC_PACKAGE;
}
static const sgp32_type hn_type = {
    CHOICE_TYPE(hn_st, hn_alts),
    .raw_offset = offsetof(hn_st, raw),
};

typedef sgp32_correlation_id cid_st;
static const sgp32_field cid_alts[] = {
    SGP32_F_OCTETS(DER_CTX(0), cid_st, value, 1, SGP32_TRANSACTION_ID_MAX),
    SGP32_F_OCTETS(SGP32_TAG_EID, cid_st, value, SGP32_EID_LENGTH, SGP32_EID_LENGTH),
};
static const sgp32_type cid_type = {
    CHOICE_TYPE(cid_st, cid_alts),
    .raw_offset = SGP32_NO_OFFSET,
};

typedef sgp32_eim_package_received_with_cid rwc_st;
static const sgp32_field rwc_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), rwc_st, correlation_id, &cid_type),
};
static const sgp32_type rwc_type = SGP32_SEQUENCE_TYPE(rwc_st, rwc_fields);

typedef sgp32_eim_package_error_with_cid ewc_st;
static const sgp32_field ewc_fields[] = {
    SGP32_F_OPT_TYPE(DER_CTX_CONS(0), ewc_st, correlation_id, &cid_type),
    SGP32_F_INTEGER(DER_CTX(1), ewc_st, eim_package_error),
};
static const sgp32_type ewc_type = SGP32_SEQUENCE_TYPE(ewc_st, ewc_fields);

typedef sgp32_transfer_eim_package_response ter_st;
static const sgp32_field ter_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_EUICC_PACKAGE, ter_st, euicc_package_result,
                 &sgp32_euicc_package_result_type),
    SGP32_F_TYPE(DER_TAG_SEQUENCE, ter_st, epr_and_notifications,
                 &epr_type),
    SGP32_F_TYPE(SGP32_TAG_IPA_EUICC_DATA, ter_st, ipa_euicc_data_response,
                 &sgp32_ipa_euicc_data_response_type),
    SGP32_A_NULL(DER_TAG_NULL),
    SGP32_F_TYPE(SGP32_TAG_EIM_PACKAGE_RECEIVED_WITH_CID, ter_st, received_with_cid, &rwc_type),
    SGP32_F_INTEGER(DER_TAG_INTEGER, ter_st, eim_package_error),
    SGP32_F_TYPE(SGP32_TAG_EIM_PACKAGE_ERROR_WITH_CID, ter_st, error_with_cid, &ewc_type),
};
static const sgp32_type ter_type = {
    CHOICE_TYPE(ter_st, ter_alts),
    .raw_offset = offsetof(ter_st, raw),
};

/* ---- EsipaMessageFromIpaToEim (6.3.1) --------------------------------- */

typedef sgp32_esipa_message_from_ipa_to_eim to_eim_st;
static const sgp32_field to_eim_alts[] = {
    SGP32_F_TYPE(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, to_eim_st,
                 initiate_authentication_request, &iar_type),
    SGP32_F_TYPE(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, to_eim_st, authenticate_client_request,
                 &acr_type),
    SGP32_F_TYPE(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA, to_eim_st,
                 get_bound_profile_package_request, &gbr_type),
    SGP32_F_TYPE(SGP32_TAG_CANCEL_SESSION_ESIPA, to_eim_st, cancel_session_request, &csr_type),
    SGP32_F_TYPE(SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, to_eim_st, handle_notification, &hn_type),
    SGP32_F_TYPE(SGP32_TAG_TRANSFER_EIM_PACKAGE, to_eim_st, transfer_eim_package_response,
                 &ter_type),
    SGP32_F_TYPE(SGP32_TAG_GET_EIM_PACKAGE, to_eim_st, get_eim_package_request, &gpr_type),
    SGP32_F_TYPE(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, to_eim_st, provide_eim_package_result,
                 &per_type),
};
static const sgp32_type to_eim_type = {
    CHOICE_TYPE(to_eim_st, to_eim_alts),
    .raw_offset = offsetof(to_eim_st, raw),
};

static const sgp32_field to_eim_top = SGP32_TOP_CHOICE(&to_eim_type);
static const sgp32_field iar_top = SGP32_TOP(SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA, &iar_type);
static const sgp32_field acr_top = SGP32_TOP(SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA, &acr_type);
static const sgp32_field gbr_top = SGP32_TOP(SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA,
                                             &gbr_type);
static const sgp32_field csr_top = SGP32_TOP(SGP32_TAG_CANCEL_SESSION_ESIPA, &csr_type);
static const sgp32_field hn_top = SGP32_TOP(SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, &hn_type);
static const sgp32_field ter_top = SGP32_TOP(SGP32_TAG_TRANSFER_EIM_PACKAGE, &ter_type);
static const sgp32_field gpr_top = SGP32_TOP(SGP32_TAG_GET_EIM_PACKAGE, &gpr_type);
static const sgp32_field per_top = SGP32_TOP(SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT,
                                             &per_type);

SGP32_DEFINE_CODEC(esipa_message_from_ipa_to_eim, to_eim_top)
SGP32_DEFINE_CODEC(initiate_authentication_request_esipa, iar_top)
SGP32_DEFINE_CODEC(authenticate_client_request_esipa, acr_top)
SGP32_DEFINE_CODEC(get_bound_profile_package_request_esipa, gbr_top)
SGP32_DEFINE_CODEC(cancel_session_request_esipa, csr_top)
SGP32_DEFINE_CODEC(handle_notification_esipa, hn_top)
SGP32_DEFINE_CODEC(transfer_eim_package_response, ter_top)
SGP32_DEFINE_CODEC(get_eim_package_request, gpr_top)
SGP32_DEFINE_CODEC(provide_eim_package_result, per_top)

/* ---- v1.2 -> v1.0 forms for an SGP.32 v1.0 eIM ------------------------ */

/* v1.0 GetEimPackageRequest { eidValue, notifyStateChange [0], rPLMN [1] } */
static aw_err get_eim_package_request_v1_0(const sgp32_get_eim_package_request *g, uint8_t **out,
                                           size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_GET_EIM_PACKAGE);
    der_put_tlv(&b, SGP32_TAG_EID, g->eid_value.ptr, g->eid_value.len);
    if (g->notify_state_change)
        der_put_tlv(&b, DER_CTX(0), NULL, 0);
    if (g->has_rplmn)
        der_put_tlv(&b, DER_CTX(1), g->rplmn.ptr, g->rplmn.len);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

/* v1.0 ProvideEimPackageResult around a v1.0 ProfileDownloadTriggerResult */
static aw_err trigger_result_v1_0(const sgp32_profile_download_trigger_result *t, uint8_t **out,
                                  size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT);
    sgp32_put_profile_download_trigger_result_v1_0(&b, t);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

aw_err sgp32_convert_esipa_message_to_v1_0(const uint8_t *message, size_t len,
                                           uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (message == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(message, len, m);
    sgp32_provide_eim_package_result *p = &m->provide_eim_package_result;
    sgp32_eim_package_result *r = &p->eim_package_result;
    sgp32_handle_notification_esipa *n = &m->handle_notification;
    if (err != AW_OK) {
        free(m);
        return err;
    }
    if (m->kind == SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST) {
        err = get_eim_package_request_v1_0(&m->get_eim_package_request, out, out_len);
        free(m);
        return err;
    }
    if (m->kind == SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST)
        m->initiate_authentication_request.has_eim_transaction_id = false;
    if (m->kind == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT) {
        p->has_eid_value = false;
        if (r->kind == SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS &&
            r->epr_and_notifications.notification_list_kind ==
                SGP32_EPR_NOTIFICATION_LIST_PENDING) {
            sgp32_epr_and_notifications *e = &r->epr_and_notifications;
            e->notification_list_kind = SGP32_EPR_NOTIFICATION_LIST_V1_0;
            e->notification_list_v1_0.kind = SGP32_NOTIFICATIONS_LIST_V1_0_NOTIFICATIONS;
            e->notification_list_v1_0.notification_list = e->notification_list;
        } else if (r->kind == SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE &&
                   r->ipa_euicc_data_response.kind == SGP32_IPA_EUICC_DATA_RESPONSE_DATA) {
            r->ipa_euicc_data_response.ipa_euicc_data.has_eim_transaction_id = false;
        } else if (r->kind == SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR) {
            int64_t code = r->response_error.eim_package_result_error_code;
            r->kind = SGP32_EIM_PACKAGE_RESULT_ERROR_V1_0;
            r->eim_package_error_v1_0 = code;
        } else if (r->kind == SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT) {
            err = trigger_result_v1_0(&r->profile_download_trigger_result, out, out_len);
            free(m);
            return err;
        }
    }
    if (m->kind == SGP32_ESIPA_HANDLE_NOTIFICATION &&
        n->kind == SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION &&
        n->pending_notification.len > 0) {
        aw_slice pending = n->pending_notification;
        if (pending.ptr[0] == DER_TAG_SEQUENCE) {
            n->kind = SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0;
            n->sequence_v1_0 = pending;
        } else if (pending.len > 1 && pending.ptr[0] == 0xBF && pending.ptr[1] == 0x37) {
            n->kind = SGP32_HANDLE_NOTIFICATION_PROFILE_INSTALLATION_RESULT_V1_0;
        }
    }
    err = sgp32_encode_esipa_message_from_ipa_to_eim(m, out, out_len);
    free(m);
    return err;
}
