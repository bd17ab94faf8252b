/* airwrite IPA: the SGP.32 ES10b functions, SGP.32 5.9.1 LoadEuiccPackage,
 * 5.9.16 AddInitialEim, 5.9.18 GetEimConfigurationData, 2.11.2
 * IpaEuiccDataRequest and 6.3.2.7 EimAcknowledgements. See ipa.h. */
#include "ipa/ipa_internal.h"

#include <string.h>

aw_err ipa_es10b_get_eim_configuration_data(
    ipa *session, const sgp32_get_eim_configuration_data_request *request,
    sgp32_get_eim_configuration_data_response *out)
{
    memset(out, 0, sizeof(*out));
    static const sgp32_get_eim_configuration_data_request everything = {0};
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_get_eim_configuration_data_request(
        request != NULL ? request : &everything, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp32_decode_get_eim_configuration_data_response(session->response,
                                                               session->response_len, out);
    return err;
}

aw_err ipa_es10b_add_initial_eim(ipa *session, const sgp32_add_initial_eim_request *request,
                                 sgp32_add_initial_eim_response *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_add_initial_eim_request(request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp32_decode_add_initial_eim_response(session->response, session->response_len,
                                                    out);
    return err;
}

aw_err ipa_es10b_load_euicc_package(ipa *session, const uint8_t *package, size_t len,
                                    sgp32_euicc_package_result *out)
{
    memset(out, 0, sizeof(*out));
    aw_err err = ipa_send(session, package, len);
    if (err == AW_OK)
        err = sgp32_decode_euicc_package_result(session->response, session->response_len, out);
    return err;
}

aw_err ipa_es10b_ipa_euicc_data_request(ipa *session, const sgp32_ipa_euicc_data_request *request,
                                        sgp32_ipa_euicc_data_response *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_ipa_euicc_data_request(request, &command, &len);
    err = ipa_call(session, err, command, len);
    if (err == AW_OK)
        err = sgp32_decode_ipa_euicc_data_response(session->response, session->response_len, out);
    return err;
}

aw_err ipa_es10b_eim_acknowledgements(ipa *session, const sgp32_eim_acknowledgements *acks)
{
    uint8_t *command = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_eim_acknowledgements(acks, &command, &len);
    return ipa_call(session, err, command, len);
}
