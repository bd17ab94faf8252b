/* airwrite IPA: direct Profile download (SGP.32 3.2.1): the download
 * procedure's server is the SM-DP+ over ES9+ (SGP.22 5.6 functions, 6.5
 * JSON binding through core/es9p_client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_es9.h"
#include "core/sgp22_euicc_info.h"
#include "core/sgp22_tags.h"
#include "ipa/download_internal.h"

#define BASE_URL_MAX (8 + IPA_SMDP_ADDRESS_MAX + 1)

typedef struct es9p_server {
    http_client *http;
    char base_url[BASE_URL_MAX];
    es9p_client_result answer; /* the last one: the slices handed out point into it */
} es9p_server;

/* One ES9+ function with the request built in b. A "Failed" (or
 * "Expired") status is the SM-DP+'s refusal: its codes go to the result. */
static aw_err es9p_call(es9p_server *s, es9p_client_function function, der_builder *b,
                        ipa_download_result *result)
{
    uint8_t *request = NULL;
    size_t len = 0;
    es9p_client_result_clear(&s->answer);
    aw_err err = der_builder_finish(b, &request, &len);
    if (err == AW_OK)
        err = es9p_client_call(s->http, s->base_url, function, request, len, &s->answer);
    free(request);
    if (err != AW_OK)
        return err;
    if (s->answer.status.outcome == ES9P_CLIENT_FAILED ||
        s->answer.status.outcome == ES9P_CLIENT_EXPIRED) {
        memcpy(result->subject_code, s->answer.status.subject_code, sizeof(result->subject_code));
        memcpy(result->reason_code, s->answer.status.reason_code, sizeof(result->reason_code));
        return AW_ERR_IPA_DOWNLOAD_REJECTED;
    }
    return AW_OK;
}

/* SGP.22 5.6.1 ES9+.InitiateAuthentication */
static aw_err es9p_initiate(void *server, const uint8_t challenge[16], aw_slice euicc_info1,
                            const char *smdp_address, download_initiated *out,
                            ipa_download_result *result)
{
    es9p_server *s = server;
    sgp22_initiate_authentication_response response;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_INITIATE_AUTHENTICATION);
    der_put_tlv(&b, DER_CTX(1), challenge, 16);
    der_put_tlv(&b, DER_CTX(3), (const uint8_t *)smdp_address, strlen(smdp_address));
    der_put_raw(&b, euicc_info1.ptr, euicc_info1.len);
    der_builder_end(&b);
    aw_err err = es9p_call(s, ES9P_CLIENT_INITIATE_AUTHENTICATION, &b, result);
    if (err == AW_OK)
        err = sgp22_decode_initiate_authentication_response(s->answer.response,
                                                            s->answer.response_len, &response);
    if (err != AW_OK)
        return err;
    /* es9p_client rebuilds the [0] Ok alternative of an executed function
     * (the JSON binding carries refusals as statusCodeData, SGP.22
     * 6.5.1.4): any other is not an answer of this binding; the same below */
    if (response.kind != SGP22_RESPONSE_OK)
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    out->server_signed1 = response.ok.server_signed1.raw;
    out->server_signature1 = response.ok.server_signature1;
    out->ci_pkid = response.ok.euicc_ci_pkid_to_be_used;
    out->server_certificate = response.ok.server_certificate;
    return AW_OK;
}

/* SGP.22 5.6.3 ES9+.AuthenticateClient */
static aw_err es9p_authenticate_client(void *server, const download_initiated *session,
                                       aw_slice authenticate_server_response,
                                       download_authenticated *out, ipa_download_result *result)
{
    es9p_server *s = server;
    sgp22_authenticate_client_response response;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_AUTHENTICATE_CLIENT);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_raw(&b, authenticate_server_response.ptr, authenticate_server_response.len);
    der_builder_end(&b);
    aw_err err = es9p_call(s, ES9P_CLIENT_AUTHENTICATE_CLIENT, &b, result);
    if (err == AW_OK)
        err = sgp22_decode_authenticate_client_response(s->answer.response,
                                                        s->answer.response_len, &response);
    if (err != AW_OK)
        return err;
    /* AuthenticateClientOkAcr (SGP.22 v3 Activation Code Request) is not
     * asked for by this IPA */
    if (response.kind != SGP22_AUTHENTICATE_CLIENT_OK)
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    memset(out, 0, sizeof(*out));
    out->smdp_signed2 = response.ok.smdp_signed2.raw;
    out->smdp_signature2 = response.ok.smdp_signature2;
    out->smdp_certificate = response.ok.smdp_certificate;
    return AW_OK;
}

/* SGP.22 5.6.2 ES9+.GetBoundProfilePackage */
static aw_err es9p_get_bound_profile_package(void *server, const download_initiated *session,
                                             aw_slice prepare_download_response, aw_slice *bpp,
                                             ipa_download_result *result)
{
    es9p_server *s = server;
    sgp22_get_bound_profile_package_response response;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_GET_BOUND_PROFILE_PACKAGE);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_raw(&b, prepare_download_response.ptr, prepare_download_response.len);
    der_builder_end(&b);
    aw_err err = es9p_call(s, ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE, &b, result);
    if (err == AW_OK)
        err = sgp22_decode_get_bound_profile_package_response(
            s->answer.response, s->answer.response_len, &response);
    if (err != AW_OK)
        return err;
    if (response.kind != SGP22_RESPONSE_OK)
        return AW_ERR_ES9P_CLIENT_RESPONSE;
    *bpp = response.ok.bound_profile_package.raw;
    return AW_OK;
}

/* SGP.22 5.6.5 ES9+.CancelSession: CancelSessionRequestEs9 carries the
 * eUICC's CancelSessionResponse as [1] IMPLICIT, tag A1 around the BF41
 * TLV's content. */
static aw_err es9p_cancel_session(void *server, const download_initiated *session,
                                  aw_slice cancel_session_response)
{
    es9p_server *s = server;
    ipa_download_result ignored = {0};
    sgp22_cancel_session_response_es9 response;
    der_node node;
    aw_err err = der_decode_single(cancel_session_response.ptr, cancel_session_response.len,
                                   &node);
    if (err != AW_OK)
        return err;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_CANCEL_SESSION);
    der_put_tlv(&b, DER_CTX(0), session->transaction_id, session->transaction_id_len);
    der_put_slice(&b, DER_CTX_CONS(1), node.value);
    der_builder_end(&b);
    err = es9p_call(s, ES9P_CLIENT_CANCEL_SESSION, &b, &ignored);
    if (err == AW_OK)
        err = sgp22_decode_cancel_session_response_es9(s->answer.response,
                                                       s->answer.response_len, &response);
    if (err == AW_OK && response.kind != SGP22_RESPONSE_OK)
        err = AW_ERR_ES9P_CLIENT_RESPONSE; /* only Ok comes rebuilt, see es9p_initiate */
    ipa_download_result_clear(&ignored);
    return err;
}

aw_err download_es9p_notify(http_client *http, const char *base_url, aw_slice pending)
{
    /* SGP.22 5.6.4 ES9+.HandleNotification: pendingNotification is [0]
     * EXPLICIT around the PendingNotification CHOICE */
    der_builder b;
    uint8_t *request = NULL;
    size_t len = 0;
    es9p_client_result answer;
    memset(&answer, 0, sizeof(answer));
    der_builder_init(&b);
    der_builder_begin(&b, SGP22_TAG_HANDLE_NOTIFICATION);
    der_builder_begin(&b, DER_CTX_CONS(0));
    der_put_raw(&b, pending.ptr, pending.len);
    der_builder_end(&b);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &request, &len);
    if (err == AW_OK)
        err = es9p_client_call(http, base_url, ES9P_CLIENT_HANDLE_NOTIFICATION, request, len,
                               &answer);
    free(request);
    if (err == AW_OK && (answer.status.outcome == ES9P_CLIENT_FAILED ||
                         answer.status.outcome == ES9P_CLIENT_EXPIRED))
        err = AW_ERR_IPA_DOWNLOAD_REJECTED;
    es9p_client_result_clear(&answer);
    return err;
}

static aw_err es9p_handle_notification(void *server, aw_slice pending_notification)
{
    es9p_server *s = server;
    return download_es9p_notify(s->http, s->base_url, pending_notification);
}

static const download_server_ops es9p_ops = {
    .initiate = es9p_initiate,
    .authenticate_client = es9p_authenticate_client,
    .get_bound_profile_package = es9p_get_bound_profile_package,
    .cancel_session = es9p_cancel_session,
    .handle_notification = es9p_handle_notification,
};

/* The default SM-DP+ (SGP.22 3.1.3: no Activation Code): the configured
 * address, else the eUICC's defaultDpAddress (ES10a.GetEuiccConfigured-
 * Addresses, 5.7.3). */
static aw_err default_address(ipa *session, const ipa_download_config *config, char *out,
                              size_t cap)
{
    static const uint8_t command[] = {0xBF, 0x3C, 0x00};
    aw_slice answer;
    sgp22_euicc_configured_addresses_response addresses;
    if (config->default_smdp_address != NULL) {
        if (strlen(config->default_smdp_address) >= cap)
            return AW_ERR_ARGUMENT;
        snprintf(out, cap, "%s", config->default_smdp_address);
        return AW_OK;
    }
    aw_err err = ipa_es10_command(session, command, sizeof(command), &answer);
    if (err == AW_OK)
        err = sgp22_decode_euicc_configured_addresses_response(answer.ptr, answer.len,
                                                               &addresses);
    if (err != AW_OK)
        return err;
    if (!addresses.has_default_dp_address || addresses.default_dp_address.len == 0 ||
        addresses.default_dp_address.len >= cap)
        return AW_ERR_NOT_FOUND;
    memcpy(out, addresses.default_dp_address.ptr, addresses.default_dp_address.len);
    out[addresses.default_dp_address.len] = '\0';
    return AW_OK;
}

aw_err download_base_url(const ipa_download_config *config, const char *address, char *out,
                         size_t cap)
{
    for (size_t i = 0; i < config->smdp_route_count; i++) {
        const ipa_smdp_route *route = &config->smdp_routes[i];
        if (route->address == NULL || strcmp(route->address, address) != 0)
            continue;
        if (route->url == NULL || strncmp(route->url, "https://", 8) != 0 ||
            strlen(route->url) >= cap)
            return AW_ERR_ARGUMENT;
        snprintf(out, cap, "%s", route->url);
        return AW_OK;
    }
    return es9p_client_base_url(address, strlen(address), out, cap);
}

aw_err ipa_download_direct(ipa *session, const ipa_download_config *config,
                           const ipa_activation_code *code, ipa_download_result *result)
{
    char address[IPA_SMDP_ADDRESS_MAX + 1];
    es9p_server s;
    memset(result, 0, sizeof(*result));
    memset(&s, 0, sizeof(s));
    if (session == NULL || config == NULL || config->smdp_ca_file == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_OK;
    if (code != NULL)
        snprintf(address, sizeof(address), "%s", code->smdp_address);
    else
        err = default_address(session, config, address, sizeof(address));
    if (err != AW_OK) {
        result->stage = IPA_DOWNLOAD_STAGE_ADDRESS;
        return err;
    }
    err = download_base_url(config, address, s.base_url, sizeof(s.base_url));
    if (err == AW_OK)
        err = download_http_client(config, config->smdp_ca_file, ES9P_CLIENT_RESPONSE_MAX,
                                   &s.http);
    /* SGP.22 5.7.13: matchingId from the Activation Code (empty when its
     * AC_Token is); absent for the default SM-DP+ */
    if (err == AW_OK)
        err = download_run(session, config, &es9p_ops, &s, address,
                           code != NULL ? code->matching_id : NULL,
                           code != NULL ? code->smdp_oid : NULL, result);
    es9p_client_result_clear(&s.answer);
    http_client_free(s.http);
    return err;
}
