/* airwrite core: an IPA's ESipa message with its bytes minimized (SGP.32
 * IpaCapabilities minimizeEsipaBytes; 6.3.2.1 InitiateAuthenticationRequest-
 * Esipa without euiccInfo1, 6.3.2.2-6.3.2.5 the eUICC's answers in compact
 * form, 6.3.2.7 the notificationList of ePRAndNotifications). See
 * sgp32_compact.h. */
#include "core/sgp32_compact.h"

#include <stdlib.h>
#include <string.h>

#include "core/sgp22_tags.h"
#include "core/sgp32_esipa.h"

/* The compact form of one nested answer, kept in *storage. */
static aw_err minimize_slice(aw_slice *slice, const sgp32_minimize_options *o,
                             uint8_t **storage)
{
    size_t len = 0;
    aw_err err = sgp32_minimize_euicc_answer(slice->ptr, slice->len, o, storage, &len);
    if (err == AW_OK)
        *slice = (aw_slice){*storage, len};
    return err;
}

/* CancelSessionRequestEsipa's [1] IMPLICIT CancelSessionResponse (A1
 * around the alternative): minimized as the BF41 it stands for. */
static aw_err minimize_cancel(aw_slice *slice, const sgp32_minimize_options *o, uint8_t **storage)
{
    der_node node;
    der_builder b;
    uint8_t *full = NULL, *compact = NULL;
    size_t full_len = 0, compact_len = 0;
    aw_err err = der_decode_single(slice->ptr, slice->len, &node);
    if (err != AW_OK)
        return err;
    der_builder_init(&b);
    der_put_slice(&b, SGP22_TAG_CANCEL_SESSION, node.value);
    err = der_builder_finish(&b, &full, &full_len);
    if (err == AW_OK)
        err = sgp32_minimize_euicc_answer(full, full_len, o, &compact, &compact_len);
    if (err == AW_OK)
        err = der_decode_single(compact, compact_len, &node);
    if (err == AW_OK) {
        der_builder_init(&b);
        der_put_slice(&b, DER_CTX_CONS(1), node.value);
        size_t len = 0;
        err = der_builder_finish(&b, storage, &len);
        if (err == AW_OK)
            *slice = (aw_slice){*storage, len};
    }
    free(compact);
    free(full);
    return err;
}

/* A SEQUENCE OF PendingNotification (A0) with each element minimized. */
static aw_err minimize_list(aw_slice *list, const sgp32_minimize_options *o, uint8_t **storage)
{
    sgp32_list_iterator it;
    aw_slice element;
    der_builder b;
    aw_err err = sgp32_list_iterator_init(&it, *list);
    if (err != AW_OK)
        return err;
    der_builder_init(&b);
    der_builder_begin(&b, DER_CTX_CONS(0));
    while ((err = sgp32_list_next(&it, &element)) == AW_OK) {
        uint8_t *compact = NULL;
        size_t len = 0;
        err = sgp32_minimize_euicc_answer(element.ptr, element.len, o, &compact, &len);
        if (err != AW_OK)
            break;
        der_put_raw(&b, compact, len);
        free(compact);
    }
    der_builder_end(&b);
    if (err != AW_ERR_NOT_FOUND) {
        der_builder_free(&b);
        return err;
    }
    size_t len = 0;
    err = der_builder_finish(&b, storage, &len);
    if (err == AW_OK)
        *list = (aw_slice){*storage, len};
    return err;
}

static void clear_raw(aw_slice *raw)
{
    *raw = (aw_slice){NULL, 0};
}

aw_err sgp32_minimize_esipa_message(const uint8_t *in, size_t len,
                                    const sgp32_minimize_options *options, uint8_t **out,
                                    size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (in == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    uint8_t *storage = NULL;
    bool changed = true;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(in, len, m);
    if (err != AW_OK)
        goto done;
    switch (m->kind) {
    case SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST:
        /* the eIM holds the eUICC's euiccInfo1 */
        m->initiate_authentication_request.has_euicc_info1 = false;
        clear_raw(&m->initiate_authentication_request.raw);
        break;
    case SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST:
        err = minimize_slice(&m->authenticate_client_request.authenticate_server_response,
                             options, &storage);
        clear_raw(&m->authenticate_client_request.raw);
        break;
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST:
        err = minimize_slice(&m->get_bound_profile_package_request.prepare_download_response,
                             options, &storage);
        clear_raw(&m->get_bound_profile_package_request.raw);
        break;
    case SGP32_ESIPA_CANCEL_SESSION_REQUEST:
        err = minimize_cancel(&m->cancel_session_request.cancel_session_response, options,
                              &storage);
        clear_raw(&m->cancel_session_request.raw);
        break;
    case SGP32_ESIPA_HANDLE_NOTIFICATION:
        if (m->handle_notification.kind == SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION)
            err = minimize_slice(&m->handle_notification.pending_notification, options,
                                 &storage);
        else
            changed = false;
        clear_raw(&m->handle_notification.raw);
        break;
    case SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT: {
        sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
        if (r->kind == SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS &&
            r->epr_and_notifications.notification_list_kind ==
                SGP32_EPR_NOTIFICATION_LIST_PENDING) {
            err = minimize_list(&r->epr_and_notifications.notification_list, options, &storage);
            clear_raw(&r->epr_and_notifications.raw);
            clear_raw(&m->provide_eim_package_result.raw);
        } else {
            changed = false;
        }
        break;
    }
    default:
        changed = false;
        break;
    }
    if (err == AW_OK && changed) {
        clear_raw(&m->raw);
        err = sgp32_encode_esipa_message_from_ipa_to_eim(m, out, out_len);
    } else if (err == AW_OK) {
        *out = malloc(len);
        err = *out == NULL ? AW_ERR_NOMEM : AW_OK;
        if (err == AW_OK) {
            memcpy(*out, in, len);
            *out_len = len;
        }
    }
done:
    free(storage);
    free(m);
    return err;
}
