/* libFuzzer target: the SGP.22 authentication messages (src/core/sgp22_auth.c
 * ES10b 5.7.7/5.7.13, and the ES9+ InitiateAuthentication/AuthenticateClient
 * forms of sgp22_es9.c, 5.6.1/5.6.3). Every decoder sees the input; whatever
 * one accepts must re-encode to the same bytes, both with the signed parts
 * written from their raw bytes and with them rebuilt from their fields. */
#include <string.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_es9.h"
#include "sgp22_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clear_ctx(sgp22_ctx_params1 *c)
{
    memset(&c->raw, 0, sizeof(c->raw));
    memset(&c->device_info.raw, 0, sizeof(c->device_info.raw));
}

static void clear_request(sgp22_authenticate_server_request *r)
{
    memset(&r->server_signed1.raw, 0, sizeof(r->server_signed1.raw));
    clear_ctx(&r->ctx_params1);
}

static void clear_response(sgp22_authenticate_server_response *r)
{
    if (r->kind == SGP22_RESPONSE_OK) {
        memset(&r->ok.euicc_signed1.raw, 0, sizeof(r->ok.euicc_signed1.raw));
        clear_ctx(&r->ok.euicc_signed1.ctx_params1);
    }
}

static void clear_initiate_response(sgp22_initiate_authentication_response *r)
{
    if (r->kind == SGP22_RESPONSE_OK)
        memset(&r->ok.server_signed1.raw, 0, sizeof(r->ok.server_signed1.raw));
}

static void clear_client_request(sgp22_authenticate_client_request *r)
{
    memset(&r->authenticate_server_response.raw, 0, sizeof(r->authenticate_server_response.raw));
    clear_response(&r->authenticate_server_response);
}

static void clear_client_response(sgp22_authenticate_client_response *r)
{
    if (r->kind != SGP22_AUTHENTICATE_CLIENT_ERROR) {
        memset(&r->ok.profile_metadata.raw, 0, sizeof(r->ok.profile_metadata.raw));
        memset(&r->ok.smdp_signed2.raw, 0, sizeof(r->ok.smdp_signed2.raw));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FUZZ_ROUND_TRIP(get_euicc_challenge_request, sgp22_get_euicc_challenge_request, (void)0);
    FUZZ_ROUND_TRIP(get_euicc_challenge_response, sgp22_get_euicc_challenge_response, (void)0);
    FUZZ_ROUND_TRIP(authenticate_server_request, sgp22_authenticate_server_request,
                    clear_request(&v_));
    FUZZ_ROUND_TRIP(authenticate_server_response, sgp22_authenticate_server_response,
                    clear_response(&v_));
    FUZZ_ROUND_TRIP(initiate_authentication_request, sgp22_initiate_authentication_request,
                    (void)0);
    FUZZ_ROUND_TRIP(initiate_authentication_response, sgp22_initiate_authentication_response,
                    clear_initiate_response(&v_));
    FUZZ_ROUND_TRIP(authenticate_client_request, sgp22_authenticate_client_request,
                    clear_client_request(&v_));
    FUZZ_ROUND_TRIP(authenticate_client_response, sgp22_authenticate_client_response,
                    clear_client_response(&v_));
    return 0;
}
