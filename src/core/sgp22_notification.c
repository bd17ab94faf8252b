/* airwrite core: DER codecs for SGP.22 notifications: NotificationMetadata,
 * ES10b.ListNotification (5.7.9), ES10b.RetrieveNotificationsList (5.7.10),
 * ES10b.RemoveNotificationFromList (5.7.11) and ES9+.HandleNotification
 * (5.6.4), from SGP.22 RSPDefinitions.
 *
 * Tagging (AUTOMATIC TAGS, X.680 25.3): NotificationMetadata has tagged
 * components, so notificationAddress stays UTF8String (0C) and iccid 5A;
 * the list responses' CHOICE alternatives become [0]/[1]; the untagged
 * searchCriteria CHOICE of RetrieveNotificationsListRequest becomes [0],
 * explicit (BF2B { A0 { 80 | 81 } }). */
#include "core/sgp22_notification.h"

#include <string.h>

/* ---- NotificationMetadata ---------------------------------------------------- */

static const sgp22_info_field metadata_fields[] = {
    {DER_CTX(0), false},           /* seqNumber */
    {DER_CTX(1), false},           /* profileManagementOperation */
    {DER_TAG_UTF8_STRING, false},  /* notificationAddress */
    {SGP22_TAG_ICCID, true},       /* iccid */
};

static aw_err visit_metadata(void *ctx, size_t index, const der_reader *parent,
                             const der_node *n)
{
    sgp22_notification_metadata *out = ctx;
    aw_err err;
    (void)parent;
    switch (index) {
    case 0:
        return der_node_get_int64(n, &out->seq_number);
    case 1:
        err = sgp22_info_read_flags(n, &out->profile_management_operation);
        /* "Only one bit SHALL be set to 1" */
        if (err == AW_OK && (out->profile_management_operation == 0 ||
                             (out->profile_management_operation &
                              (out->profile_management_operation - 1)) != 0))
            err = AW_ERR_DER_CONSTRAINT;
        return err;
    case 2:
        return sgp22_info_read_utf8(n, 0, SIZE_MAX, &out->notification_address);
    default:
        out->has_iccid = true;
        return sgp22_info_read_octets(n, SGP22_ICCID_SIZE, SGP22_ICCID_SIZE, &out->iccid);
    }
}

static aw_err read_metadata(const der_reader *parent, const der_node *n,
                            sgp22_notification_metadata *out)
{
    der_reader r;
    memset(out, 0, sizeof(*out));
    if (n->tag != SGP22_TAG_NOTIFICATION_METADATA)
        return AW_ERR_DER_UNEXPECTED_TAG;
    aw_err err = der_reader_enter(parent, n, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, metadata_fields, 4, visit_metadata, out, &out->extensions);
    if (err == AW_OK)
        out->raw = n->raw;
    return err;
}

static aw_err check_metadata(const der_reader *parent, const der_node *n)
{
    sgp22_notification_metadata ignored;
    return read_metadata(parent, n, &ignored);
}

aw_err sgp22_decode_notification_metadata(const uint8_t *buf, size_t len,
                                          sgp22_notification_metadata *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_reader root;
    der_node n;
    memset(out, 0, sizeof(*out));
    aw_err err = der_decode_single(buf, len, &n);
    if (err != AW_OK)
        return err;
    der_reader_init(&root, buf, len);
    return read_metadata(&root, &n, out);
}

void sgp22_put_notification_metadata(der_builder *b, const sgp22_notification_metadata *in)
{
    if (in->raw.len > 0) { /* signed: the bytes received, verbatim */
        der_put_raw(b, in->raw.ptr, in->raw.len);
        return;
    }
    der_builder_begin(b, SGP22_TAG_NOTIFICATION_METADATA);
    der_put_int64(b, DER_CTX(0), in->seq_number);
    sgp22_info_put_flags(b, DER_CTX(1), in->profile_management_operation);
    der_put_slice(b, DER_TAG_UTF8_STRING, in->notification_address);
    if (in->has_iccid)
        der_put_slice(b, SGP22_TAG_ICCID, in->iccid);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(notification_metadata)

aw_err sgp22_notification_metadata_list_next(sgp22_list_iter *it,
                                             sgp22_notification_metadata *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_node(&it->reader, &n);
    if (err != AW_OK)
        return err;
    return read_metadata(&it->reader, &n, out);
}

/* ---- ListNotification ----------------------------------------------------------- */

aw_err sgp22_decode_list_notification_request(const uint8_t *buf, size_t len,
                                              sgp22_list_notification_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_LIST_NOTIFICATION,
                                          (sgp22_info_field){DER_CTX(1), true}, &top, &r, &n,
                                          &out->has_profile_management_operation,
                                          &out->extensions);
    if (err == AW_OK && out->has_profile_management_operation)
        err = sgp22_info_read_flags(&n, &out->profile_management_operation);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_list_notification_request(der_builder *b, const sgp22_list_notification_request *in)
{
    der_builder_begin(b, SGP22_TAG_LIST_NOTIFICATION);
    if (in->has_profile_management_operation)
        sgp22_info_put_flags(b, DER_CTX(1), in->profile_management_operation);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(list_notification_request)

/* The CHOICE { [0] SEQUENCE OF ..., [1] INTEGER } of both list responses. */
static aw_err decode_list_choice(const uint8_t *buf, size_t len, uint32_t tag,
                                 sgp22_info_element_fn check, aw_slice *raw,
                                 sgp22_notification_list_kind *kind, aw_slice *list_raw,
                                 size_t *count, int64_t *error)
{
    der_node top, n;
    der_reader r;
    aw_err err = sgp22_info_open(buf, len, tag, &top, &r);
    if (err == AW_OK)
        err = der_read_node(&r, &n);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_DER_MISSING;
    if (err != AW_OK)
        return err;
    if (!der_reader_at_end(&r))
        return AW_ERR_DER_UNEXPECTED_TAG;
    if (n.tag == DER_CTX_CONS(0)) {
        *kind = SGP22_NOTIFICATION_LIST_OK;
        err = sgp22_info_read_list(&r, &n, check, list_raw, count);
    } else if (n.tag == DER_CTX(1)) {
        *kind = SGP22_NOTIFICATION_LIST_ERROR;
        err = der_node_get_int64(&n, error);
    } else {
        err = AW_ERR_DER_UNEXPECTED_TAG;
    }
    if (err == AW_OK)
        *raw = top.raw;
    return err;
}

aw_err sgp22_decode_list_notification_response(const uint8_t *buf, size_t len,
                                               sgp22_list_notification_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = decode_list_choice(buf, len, SGP22_TAG_LIST_NOTIFICATION, check_metadata,
                                    &out->raw, &out->kind, &out->notification_metadata_list.raw,
                                    &out->notification_metadata_list.count,
                                    &out->list_notifications_result_error);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

void sgp22_put_list_notification_response(der_builder *b,
                                          const sgp22_list_notification_response *in)
{
    der_builder_begin(b, SGP22_TAG_LIST_NOTIFICATION);
    if (in->kind == SGP22_NOTIFICATION_LIST_OK) {
        const sgp22_notification_metadata_list *l = &in->notification_metadata_list;
        der_builder_begin(b, DER_CTX_CONS(0));
        if (l->items != NULL) {
            for (size_t i = 0; i < l->count; i++)
                sgp22_put_notification_metadata(b, &l->items[i]);
        } else {
            der_put_raw(b, l->raw.ptr, l->raw.len);
        }
        der_builder_end(b);
    } else if (in->kind == SGP22_NOTIFICATION_LIST_ERROR) {
        der_put_int64(b, DER_CTX(1), in->list_notifications_result_error);
    } else {
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(list_notification_response)

/* ---- PendingNotification / OtherSignedNotification ---------------------------- */

static const sgp22_info_field other_signed_fields[] = {
    {SGP22_TAG_NOTIFICATION_METADATA, false}, /* tbsOtherNotification */
    {SGP22_TAG_EUICC_SIGNATURE, false},       /* euiccNotificationSignature */
    {DER_TAG_SEQUENCE, false},                /* euiccCertificate */
    {DER_TAG_SEQUENCE, false},                /* eumCertificate */
};

static aw_err visit_other_signed(void *ctx, size_t index, const der_reader *parent,
                                 const der_node *n)
{
    sgp22_other_signed_notification *out = ctx;
    switch (index) {
    case 0:
        return read_metadata(parent, n, &out->tbs_other_notification);
    case 1:
        return sgp22_info_read_octets(n, 1, SIZE_MAX, &out->euicc_notification_signature);
    case 2:
        return sgp22_info_read_raw(n, &out->euicc_certificate);
    default:
        return sgp22_info_read_raw(n, &out->eum_certificate);
    }
}

static aw_err read_pending(const der_reader *parent, const der_node *n,
                           sgp22_pending_notification *out)
{
    der_reader r;
    aw_err err;
    memset(out, 0, sizeof(*out));
    if (n->tag == SGP22_TAG_PROFILE_INSTALLATION_RESULT) {
        out->kind = SGP22_PENDING_PROFILE_INSTALLATION_RESULT;
        err = sgp22_info_read_raw(n, &out->profile_installation_result);
    } else if (n->tag == DER_TAG_SEQUENCE) {
        out->kind = SGP22_PENDING_OTHER_SIGNED_NOTIFICATION;
        err = der_reader_enter(parent, n, &r);
        if (err == AW_OK)
            err = sgp22_info_walk(&r, other_signed_fields, 4, visit_other_signed,
                                  &out->other_signed_notification,
                                  &out->other_signed_notification.extensions);
        if (err == AW_OK)
            out->other_signed_notification.raw = n->raw;
    } else {
        err = AW_ERR_DER_UNEXPECTED_TAG;
    }
    if (err == AW_OK)
        out->raw = n->raw;
    return err;
}

static aw_err check_pending(const der_reader *parent, const der_node *n)
{
    sgp22_pending_notification ignored;
    return read_pending(parent, n, &ignored);
}

aw_err sgp22_decode_pending_notification(const uint8_t *buf, size_t len,
                                         sgp22_pending_notification *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_reader root;
    der_node n;
    memset(out, 0, sizeof(*out));
    aw_err err = der_decode_single(buf, len, &n);
    if (err != AW_OK)
        return err;
    der_reader_init(&root, buf, len);
    return read_pending(&root, &n, out);
}

aw_err sgp22_decode_other_signed_notification(const uint8_t *buf, size_t len,
                                              sgp22_other_signed_notification *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    sgp22_pending_notification pending;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_decode_pending_notification(buf, len, &pending);
    if (err == AW_OK && pending.kind != SGP22_PENDING_OTHER_SIGNED_NOTIFICATION)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK)
        *out = pending.other_signed_notification;
    return err;
}

void sgp22_put_other_signed_notification(der_builder *b,
                                         const sgp22_other_signed_notification *in)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    sgp22_put_notification_metadata(b, &in->tbs_other_notification);
    der_put_slice(b, SGP22_TAG_EUICC_SIGNATURE, in->euicc_notification_signature);
    der_put_raw(b, in->euicc_certificate.ptr, in->euicc_certificate.len);
    der_put_raw(b, in->eum_certificate.ptr, in->eum_certificate.len);
    if (in->euicc_certificate.len == 0 || in->eum_certificate.len == 0)
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(other_signed_notification)

void sgp22_put_pending_notification(der_builder *b, const sgp22_pending_notification *in)
{
    if (in->kind == SGP22_PENDING_PROFILE_INSTALLATION_RESULT) {
        der_node n;
        if (der_decode_single(in->profile_installation_result.ptr,
                              in->profile_installation_result.len, &n) != AW_OK ||
            n.tag != SGP22_TAG_PROFILE_INSTALLATION_RESULT) {
            sgp22_info_fail(b, AW_ERR_ARGUMENT);
            return;
        }
        der_put_raw(b, in->profile_installation_result.ptr, in->profile_installation_result.len);
    } else if (in->kind == SGP22_PENDING_OTHER_SIGNED_NOTIFICATION) {
        sgp22_put_other_signed_notification(b, &in->other_signed_notification);
    } else {
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
    }
}

SGP22_INFO_DEFINE_ENCODE(pending_notification)

aw_err sgp22_pending_notification_list_next(sgp22_list_iter *it,
                                            sgp22_pending_notification *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_node(&it->reader, &n);
    if (err != AW_OK)
        return err;
    return read_pending(&it->reader, &n, out);
}

/* ---- RetrieveNotificationsList --------------------------------------------- */

aw_err sgp22_decode_retrieve_notifications_list_request(
    const uint8_t *buf, size_t len, sgp22_retrieve_notifications_list_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, choice, inner;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST,
                                          (sgp22_info_field){DER_CTX_CONS(0), true}, &top, &r,
                                          &choice, &present, &out->extensions);
    if (err == AW_OK && present) {
        err = sgp22_info_read_explicit(&r, &choice, &inner);
        if (err == AW_OK && inner.tag == DER_CTX(0)) {
            out->search_kind = SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER;
            err = der_node_get_int64(&inner, &out->seq_number);
        } else if (err == AW_OK && inner.tag == DER_CTX(1)) {
            out->search_kind = SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION;
            err = sgp22_info_read_flags(&inner, &out->profile_management_operation);
        } else if (err == AW_OK) {
            err = AW_ERR_DER_UNEXPECTED_TAG;
        }
    }
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_retrieve_notifications_list_request(
    der_builder *b, const sgp22_retrieve_notifications_list_request *in)
{
    der_builder_begin(b, SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST);
    if (in->search_kind != SGP22_NOTIFICATION_SEARCH_NONE) {
        der_builder_begin(b, DER_CTX_CONS(0));
        if (in->search_kind == SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER)
            der_put_int64(b, DER_CTX(0), in->seq_number);
        else if (in->search_kind == SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION)
            sgp22_info_put_flags(b, DER_CTX(1), in->profile_management_operation);
        else
            sgp22_info_fail(b, AW_ERR_ARGUMENT);
        der_builder_end(b);
    }
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(retrieve_notifications_list_request)

aw_err sgp22_decode_retrieve_notifications_list_response(
    const uint8_t *buf, size_t len, sgp22_retrieve_notifications_list_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = decode_list_choice(buf, len, SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST,
                                    check_pending, &out->raw, &out->kind,
                                    &out->notification_list.raw, &out->notification_list.count,
                                    &out->notifications_list_result_error);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

void sgp22_put_retrieve_notifications_list_response(
    der_builder *b, const sgp22_retrieve_notifications_list_response *in)
{
    der_builder_begin(b, SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST);
    if (in->kind == SGP22_NOTIFICATION_LIST_OK) {
        const sgp22_pending_notification_list *l = &in->notification_list;
        der_builder_begin(b, DER_CTX_CONS(0));
        if (l->items != NULL) {
            for (size_t i = 0; i < l->count; i++)
                sgp22_put_pending_notification(b, &l->items[i]);
        } else {
            der_put_raw(b, l->raw.ptr, l->raw.len);
        }
        der_builder_end(b);
    } else if (in->kind == SGP22_NOTIFICATION_LIST_ERROR) {
        der_put_int64(b, DER_CTX(1), in->notifications_list_result_error);
    } else {
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(retrieve_notifications_list_response)

/* ---- NotificationSent (RemoveNotificationFromList) ---------------------------- */

aw_err sgp22_decode_notification_sent_request(const uint8_t *buf, size_t len,
                                              sgp22_notification_sent_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    return sgp22_info_decode_result(buf, len, SGP22_TAG_NOTIFICATION_SENT, &out->raw,
                                    &out->seq_number, &out->extensions);
}

void sgp22_put_notification_sent_request(der_builder *b, const sgp22_notification_sent_request *in)
{
    sgp22_info_put_result(b, SGP22_TAG_NOTIFICATION_SENT, in->seq_number, in->extensions);
}

SGP22_INFO_DEFINE_ENCODE(notification_sent_request)

aw_err sgp22_decode_notification_sent_response(const uint8_t *buf, size_t len,
                                               sgp22_notification_sent_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    return sgp22_info_decode_result(buf, len, SGP22_TAG_NOTIFICATION_SENT, &out->raw,
                                    &out->delete_notification_status, &out->extensions);
}

void sgp22_put_notification_sent_response(der_builder *b,
                                          const sgp22_notification_sent_response *in)
{
    sgp22_info_put_result(b, SGP22_TAG_NOTIFICATION_SENT, in->delete_notification_status,
                          in->extensions);
}

SGP22_INFO_DEFINE_ENCODE(notification_sent_response)

/* ---- ES9+ HandleNotification --------------------------------------------------- */

aw_err sgp22_decode_handle_notification(const uint8_t *buf, size_t len,
                                        sgp22_handle_notification *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, choice, inner;
    der_reader r, inside;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_HANDLE_NOTIFICATION,
                                          (sgp22_info_field){DER_CTX_CONS(0), false}, &top, &r,
                                          &choice, &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_explicit(&r, &choice, &inner);
    if (err == AW_OK)
        err = der_reader_enter(&r, &choice, &inside);
    if (err == AW_OK)
        err = read_pending(&inside, &inner, &out->pending_notification);
    if (err == AW_OK)
        out->raw = top.raw;
    else
        memset(out, 0, sizeof(*out));
    return err;
}

void sgp22_put_handle_notification(der_builder *b, const sgp22_handle_notification *in)
{
    der_builder_begin(b, SGP22_TAG_HANDLE_NOTIFICATION);
    der_builder_begin(b, DER_CTX_CONS(0));
    sgp22_put_pending_notification(b, &in->pending_notification);
    der_builder_end(b);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(handle_notification)
