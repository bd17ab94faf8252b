/* airwrite IPA: ES10b client, SGP.22 5.7.6 LoadBoundProfilePackage, 5.7.7
 * GetEUICCChallenge, 5.7.8 GetEUICCInfo, 5.7.9 ListNotification, 5.7.10
 * RetrieveNotificationsList, 5.7.11 RemoveNotificationFromList, 5.7.13
 * AuthenticateServer, 5.7.5 PrepareDownload, 5.7.14 CancelSession.
 * See ipa.h. */
#include "ipa/ipa_internal.h"

#include <string.h>

aw_err ipa_es10b_get_euicc_info1(ipa *session, sgp22_euicc_info1 *out)
{
    memset(out, 0, sizeof(*out));
    static const sgp22_get_euicc_info1_request request = {0};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_get_euicc_info1_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_euicc_info1(session->response, session->response_len, out);
    return err;
}

aw_err ipa_es10b_get_euicc_info2(ipa *session, sgp22_euicc_info2 *out)
{
    memset(out, 0, sizeof(*out));
    static const sgp22_get_euicc_info2_request request = {0};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_get_euicc_info2_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_euicc_info2(session->response, session->response_len, out);
    return err;
}

aw_err ipa_es10b_get_euicc_challenge(ipa *session, uint8_t challenge[16])
{
    memset(challenge, 0, 16);
    static const sgp22_get_euicc_challenge_request request = {0};
    sgp22_get_euicc_challenge_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_get_euicc_challenge_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_get_euicc_challenge_response(session->response, session->response_len,
                                                        &response);
    if (err == AW_OK)
        memcpy(challenge, response.euicc_challenge.ptr, 16);
    return err;
}

aw_err ipa_es10b_list_notification(ipa *session, uint32_t events,
                                   sgp22_list_notification_response *out)
{
    memset(out, 0, sizeof(*out));
    sgp22_list_notification_request request = {.has_profile_management_operation = events != 0,
                                               .profile_management_operation = events};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_list_notification_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_list_notification_response(session->response, session->response_len,
                                                      out);
    return err;
}

aw_err ipa_es10b_retrieve_notifications_list(
    ipa *session, const sgp22_retrieve_notifications_list_request *request,
    sgp22_retrieve_notifications_list_response *out)
{
    memset(out, 0, sizeof(*out));
    static const sgp22_retrieve_notifications_list_request everything = {0};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_retrieve_notifications_list_request(
        request != NULL ? request : &everything, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_retrieve_notifications_list_response(session->response,
                                                                session->response_len, out);
    return err;
}

aw_err ipa_es10b_remove_notification_from_list(ipa *session, int64_t seq_number,
                                               int64_t *status)
{
    *status = -1;
    sgp22_notification_sent_request request = {.seq_number = seq_number};
    sgp22_notification_sent_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_notification_sent_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_notification_sent_response(session->response, session->response_len,
                                                      &response);
    if (err == AW_OK)
        *status = response.delete_notification_status;
    return err;
}

aw_err ipa_es10b_authenticate_server(ipa *session, const sgp22_authenticate_server_request *request,
                                     sgp22_authenticate_server_response *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_authenticate_server_request(request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_authenticate_server_response(session->response, session->response_len,
                                                        out);
    return err;
}

aw_err ipa_es10b_prepare_download(ipa *session, const sgp22_prepare_download_request *request,
                                  sgp22_prepare_download_response *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_prepare_download_request(request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_prepare_download_response(session->response, session->response_len,
                                                     out);
    return err;
}

aw_err ipa_es10b_cancel_session(ipa *session, const sgp22_cancel_session_request *request,
                                sgp22_cancel_session_response *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_cancel_session_request(request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_cancel_session_response(session->response, session->response_len,
                                                   out);
    return err;
}

aw_err ipa_es10b_load_bound_profile_package(ipa *session, const uint8_t *bpp, size_t len,
                                            sgp22_profile_installation_result *out)
{
    memset(out, 0, sizeof(*out));
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    aw_err err = sgp22_bpp_splitter_init(&splitter, bpp, len);
    /* SGP.22 2.5.5: one STORE DATA sequence per segment; the eUICC answers
     * with the ProfileInstallationResult after the last one, or at the
     * first segment it fails on. */
    while (err == AW_OK && (err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        err = ipa_send(session, segment.bytes.ptr, segment.bytes.len);
        if (err == AW_OK && session->response_len > 0)
            return sgp22_decode_profile_installation_result(session->response,
                                                            session->response_len, out);
    }
    return err == AW_ERR_NOT_FOUND ? AW_ERR_IPA_PROTOCOL : err;
}
