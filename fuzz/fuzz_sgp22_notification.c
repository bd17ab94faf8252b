/* libFuzzer target: the SGP.22 notification codecs
 * (src/core/sgp22_notification.c; SGP.22 5.6.4, 5.7.9-5.7.11). Every decoder
 * gets the input; whatever one accepts must re-encode to the same bytes, and
 * every notification in an accepted list must re-encode from its fields (not
 * only from the raw bytes kept for signature checks) to what it came from. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_notification.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require_bytes(der_builder *b, aw_slice want)
{
    uint8_t *out;
    size_t len;
    if (der_builder_finish(b, &out, &len) != AW_OK)
        abort();
    if (len != want.len || memcmp(out, want.ptr, len) != 0)
        abort();
    free(out);
}

#define ROUNDTRIP(type)                                                                \
    do {                                                                               \
        sgp22_##type v_;                                                               \
        if (sgp22_decode_##type(data, size, &v_) == AW_OK) {                           \
            der_builder b_;                                                            \
            der_builder_init(&b_);                                                     \
            sgp22_put_##type(&b_, &v_);                                                \
            require_bytes(&b_, (aw_slice){data, size});                                \
        }                                                                              \
    } while (0)

/* Re-encode a metadata from its fields, ignoring the raw bytes kept. */
static void check_metadata(const sgp22_notification_metadata *md)
{
    sgp22_notification_metadata copy = *md;
    der_builder b;
    copy.raw = (aw_slice){NULL, 0};
    der_builder_init(&b);
    sgp22_put_notification_metadata(&b, &copy);
    require_bytes(&b, md->raw);
}

static void check_pending(const sgp22_pending_notification *p)
{
    if (p->kind == SGP22_PENDING_OTHER_SIGNED_NOTIFICATION)
        check_metadata(&p->other_signed_notification.tbs_other_notification);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ROUNDTRIP(notification_metadata);
    ROUNDTRIP(list_notification_request);
    ROUNDTRIP(list_notification_response);
    ROUNDTRIP(retrieve_notifications_list_request);
    ROUNDTRIP(retrieve_notifications_list_response);
    ROUNDTRIP(pending_notification);
    ROUNDTRIP(other_signed_notification);
    ROUNDTRIP(notification_sent_request);
    ROUNDTRIP(notification_sent_response);
    ROUNDTRIP(handle_notification);

    sgp22_notification_metadata md;
    if (sgp22_decode_notification_metadata(data, size, &md) == AW_OK)
        check_metadata(&md);

    sgp22_list_iter it;
    size_t n = 0;
    aw_err err;
    sgp22_list_notification_response list;
    if (sgp22_decode_list_notification_response(data, size, &list) == AW_OK &&
        list.kind == SGP22_NOTIFICATION_LIST_OK) {
        sgp22_list_iter_init(&it, list.notification_metadata_list.raw);
        while ((err = sgp22_notification_metadata_list_next(&it, &md)) == AW_OK) {
            check_metadata(&md);
            n++;
        }
        if (err != AW_ERR_NOT_FOUND || n != list.notification_metadata_list.count)
            abort();
    }

    sgp22_retrieve_notifications_list_response pending;
    if (sgp22_decode_retrieve_notifications_list_response(data, size, &pending) == AW_OK &&
        pending.kind == SGP22_NOTIFICATION_LIST_OK) {
        sgp22_pending_notification p;
        n = 0;
        sgp22_list_iter_init(&it, pending.notification_list.raw);
        while ((err = sgp22_pending_notification_list_next(&it, &p)) == AW_OK) {
            check_pending(&p);
            n++;
        }
        if (err != AW_ERR_NOT_FOUND || n != pending.notification_list.count)
            abort();
    }

    sgp22_handle_notification handle;
    if (sgp22_decode_handle_notification(data, size, &handle) == AW_OK)
        check_pending(&handle.pending_notification);
    return 0;
}
