/* airwrite IPA: ES10c client, SGP.22 5.7.15 GetProfilesInfo, 5.7.16
 * EnableProfile, 5.7.17 DisableProfile, 5.7.18 DeleteProfile, 5.7.20
 * GetEID. See ipa.h. */
#include "ipa/ipa_internal.h"

#include <string.h>

aw_err ipa_es10c_get_eid(ipa *session, uint8_t eid[SGP22_EID_SIZE])
{
    memset(eid, 0, SGP22_EID_SIZE);
    /* 5.7.20: tagList '5A' asks for the EID only */
    static const uint8_t eid_tag = 0x5A;
    sgp22_get_euicc_data_request request = {.tag_list = {&eid_tag, 1}};
    sgp22_get_euicc_data_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_get_euicc_data_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_get_euicc_data_response(session->response, session->response_len,
                                                   &response);
    if (err == AW_OK)
        memcpy(eid, response.eid_value.ptr, SGP22_EID_SIZE);
    return err;
}

aw_err ipa_es10c_get_profiles_info(ipa *session, const sgp22_profile_info_list_request *request,
                                   sgp22_profile_info_list_response *out)
{
    memset(out, 0, sizeof(*out));
    static const sgp22_profile_info_list_request everything = {0};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_profile_info_list_request(request != NULL ? request : &everything,
                                                        &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_profile_info_list_response(session->response, session->response_len,
                                                      out);
    return err;
}

aw_err ipa_es10c_enable_profile(ipa *session, const sgp22_profile_identifier *profile,
                                bool refresh, int64_t *result)
{
    *result = -1;
    sgp22_enable_profile_request request = {.profile_identifier = *profile,
                                            .refresh_flag = refresh};
    sgp22_enable_profile_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_enable_profile_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_enable_profile_response(session->response, session->response_len,
                                                   &response);
    if (err == AW_OK)
        *result = response.enable_result;
    return err;
}

aw_err ipa_es10c_disable_profile(ipa *session, const sgp22_profile_identifier *profile,
                                 bool refresh, int64_t *result)
{
    *result = -1;
    sgp22_disable_profile_request request = {.profile_identifier = *profile,
                                             .refresh_flag = refresh};
    sgp22_disable_profile_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_disable_profile_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_disable_profile_response(session->response, session->response_len,
                                                    &response);
    if (err == AW_OK)
        *result = response.disable_result;
    return err;
}

aw_err ipa_es10c_delete_profile(ipa *session, const sgp22_profile_identifier *profile,
                                int64_t *result)
{
    *result = -1;
    sgp22_delete_profile_request request = {.profile_identifier = *profile};
    sgp22_delete_profile_response response;
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp22_encode_delete_profile_request(&request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp22_decode_delete_profile_response(session->response, session->response_len,
                                                   &response);
    if (err == AW_OK)
        *result = response.delete_result;
    return err;
}
